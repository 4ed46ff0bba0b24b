//! The second example policy (`examples/policies/oriel-mobile.toml`, a mobile telecom) written
//! by hand as a Rust `match` over enums: the physical limit the engine is measured against on a
//! policy it was never tuned on (issue 26 point 1).
//!
//! Coded from the TOML, not from the engine: one enum per kind of id, the facts its nine rules
//! read as booleans (and one three-valued `segment`), and the decision procedure of DESIGN.md
//! ("How a decision is made") as plain control flow: the rules' effects, each from the first
//! rule that has it; a fixed answer for everyone, except that a staff member asked for a
//! superior hands over first (R3.3); a system's tier; then a person's superior, ladder, owner
//! and authority. Each department has its own ladder: care from agent, technical from
//! specialist, billing from supervisor, retention a manager alone.
//!
//! `tests/handwritten_oriel.rs` proves that it agrees with the engine on every circumstance of
//! the policy (outcome, message, system, department, rank).

#![allow(dead_code)]

use unified_message::{Outcome, Progress};

/// `[topics]`, in document order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    General,
    BillingInvoice,
    BillingDispute,
    BillingRoamingCharges,
    NetworkCoverage,
    NetworkSlowData,
    DeviceSetup,
    DeviceInsurance,
    SimReplacement,
    SimEsim,
    NumberPortIn,
    PlansChange,
    PlansCancel,
    RoamingActivate,
}

/// `[systems]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    HelpCentre,
    Ivr,
    MyOriel,
    PortingPortal,
}

/// `[departments]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Department {
    Care,
    Technical,
    Billing,
    Retention,
}

/// `[ranks].order`, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    Agent,
    Specialist,
    Supervisor,
    Manager,
}

/// `[roles]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    CareAgent,
    CareSpecialist,
    CareSupervisor,
    CareManager,
    TechnicalSpecialist,
    TechnicalSupervisor,
    TechnicalManager,
    BillingSupervisor,
    BillingManager,
    RetentionManager,
}

/// The messages a decision can deliver: the topics' and rules' messages, and the handovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    GeneralGuide,
    GeneralAnswer,
    InvoiceGuide,
    InvoiceApp,
    InvoiceAnswer,
    DisputeGuide,
    DisputeAnswer,
    RoamingChargesGuide,
    RoamingChargesApp,
    RoamingChargesAnswer,
    CoverageGuide,
    CoverageAnswer,
    SlowDataGuide,
    SlowDataApp,
    SlowDataAnswer,
    DeviceSetupGuide,
    DeviceSetupAnswer,
    InsuranceGuide,
    InsuranceApp,
    InsuranceAnswer,
    SimReplacementGuide,
    SimReplacementApp,
    SimReplacementAnswer,
    EsimGuide,
    EsimApp,
    EsimAnswer,
    EsimUnsupportedNotice,
    PortInGuide,
    PortInPortal,
    PortInAnswer,
    PlanChangeGuide,
    PlanChangeApp,
    PlanChangeAnswer,
    OverdueBalanceNotice,
    CancelGuide,
    CancelAnswer,
    RoamingGuide,
    RoamingApp,
    RoamingAnswer,
    NetworkOutageNotice,
    HandoverExplains,
    HandoverServes,
    HandoverRoute,
    HandoverAuthorize,
    HandoverEscalate,
    HandoverReview,
}

/// Who answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Responder {
    System(System),
    Staff(Role),
}

/// `segment`, as the rules read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Absent, or a value no rule names.
    Other,
    Business,
    Consumer,
}

/// A contact, reduced to what the policy reads: the topic, the progress, whether a superior is
/// asked for, and the facts its rules test. (Channels and locales change only the text: no
/// rule of this policy names a channel.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contact {
    pub topic: Topic,
    pub progress: Progress,
    pub asks_for_superior: bool,
    /// `outage = "network"`.
    pub network_outage: bool,
    /// `accessibility = "true"`.
    pub accessibility: bool,
    /// `fraud = "suspected"`.
    pub fraud: bool,
    pub segment: Segment,
    /// `amount = "small"`.
    pub small_amount: bool,
    /// `debt = "overdue"`.
    pub overdue: bool,
    /// `device = "no-esim"`.
    pub no_esim: bool,
    /// `claim = "theft-reported"`.
    pub theft_reported: bool,
}

/// What the hand-written decider decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    pub message: Message,
    pub system: Option<System>,
    pub department: Option<Department>,
    pub rank: Option<Rank>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Authority {
    Own,
    Consensual,
    Authorized,
}

impl Topic {
    /// `owner`.
    fn owner(self) -> Department {
        use Topic::*;
        match self {
            BillingInvoice | BillingDispute | BillingRoamingCharges => Department::Billing,
            NetworkCoverage | NetworkSlowData | DeviceSetup | SimEsim => Department::Technical,
            PlansCancel => Department::Retention,
            General | DeviceInsurance | SimReplacement | NumberPortIn | PlansChange
            | RoamingActivate => Department::Care,
        }
    }

    /// `explains`.
    fn explains(self) -> (System, Message) {
        use Message::*;
        use System::*;
        match self {
            Topic::General => (HelpCentre, GeneralGuide),
            Topic::BillingInvoice => (HelpCentre, InvoiceGuide),
            Topic::BillingDispute => (HelpCentre, DisputeGuide),
            Topic::BillingRoamingCharges => (HelpCentre, RoamingChargesGuide),
            Topic::NetworkCoverage => (HelpCentre, CoverageGuide),
            Topic::NetworkSlowData => (Ivr, SlowDataGuide),
            Topic::DeviceSetup => (HelpCentre, DeviceSetupGuide),
            Topic::DeviceInsurance => (HelpCentre, InsuranceGuide),
            Topic::SimReplacement => (HelpCentre, SimReplacementGuide),
            Topic::SimEsim => (HelpCentre, EsimGuide),
            Topic::NumberPortIn => (HelpCentre, PortInGuide),
            Topic::PlansChange => (HelpCentre, PlanChangeGuide),
            Topic::PlansCancel => (HelpCentre, CancelGuide),
            Topic::RoamingActivate => (HelpCentre, RoamingGuide),
        }
    }

    /// `serves`, when the topic has one.
    fn serves(self) -> Option<(System, Message)> {
        use Message::*;
        use System::*;
        Some(match self {
            Topic::BillingInvoice => (MyOriel, InvoiceApp),
            Topic::BillingRoamingCharges => (MyOriel, RoamingChargesApp),
            Topic::NetworkSlowData => (MyOriel, SlowDataApp),
            Topic::DeviceInsurance => (MyOriel, InsuranceApp),
            Topic::SimReplacement => (MyOriel, SimReplacementApp),
            Topic::SimEsim => (MyOriel, EsimApp),
            Topic::NumberPortIn => (PortingPortal, PortInPortal),
            Topic::PlansChange => (MyOriel, PlanChangeApp),
            Topic::RoamingActivate => (MyOriel, RoamingApp),
            Topic::General
            | Topic::BillingDispute
            | Topic::NetworkCoverage
            | Topic::DeviceSetup
            | Topic::PlansCancel => return None,
        })
    }

    /// `answer`.
    fn answer(self) -> Message {
        use Message::*;
        match self {
            Topic::General => GeneralAnswer,
            Topic::BillingInvoice => InvoiceAnswer,
            Topic::BillingDispute => DisputeAnswer,
            Topic::BillingRoamingCharges => RoamingChargesAnswer,
            Topic::NetworkCoverage => CoverageAnswer,
            Topic::NetworkSlowData => SlowDataAnswer,
            Topic::DeviceSetup => DeviceSetupAnswer,
            Topic::DeviceInsurance => InsuranceAnswer,
            Topic::SimReplacement => SimReplacementAnswer,
            Topic::SimEsim => EsimAnswer,
            Topic::NumberPortIn => PortInAnswer,
            Topic::PlansChange => PlanChangeAnswer,
            Topic::PlansCancel => CancelAnswer,
            Topic::RoamingActivate => RoamingAnswer,
        }
    }

    /// `authority` and `approver` (`None`: the rank above the responder's).
    fn authority(self) -> (Authority, Option<Rank>) {
        match self {
            Topic::BillingDispute => (Authority::Authorized, Some(Rank::Supervisor)),
            Topic::DeviceInsurance => (Authority::Authorized, None),
            Topic::PlansCancel => (Authority::Authorized, Some(Rank::Manager)),
            _ => (Authority::Own, None),
        }
    }
}

impl System {
    /// `tier`: whether the system serves (else it explains).
    fn serves(self) -> bool {
        matches!(self, System::MyOriel | System::PortingPortal)
    }
}

impl Rank {
    /// The next rank of `[ranks].order`.
    fn above(self) -> Option<Rank> {
        match self {
            Rank::Agent => Some(Rank::Specialist),
            Rank::Specialist => Some(Rank::Supervisor),
            Rank::Supervisor => Some(Rank::Manager),
            Rank::Manager => None,
        }
    }
}

impl Role {
    /// `department` and `rank`.
    fn place(self) -> (Department, Rank) {
        use Department::*;
        use Rank::*;
        match self {
            Role::CareAgent => (Care, Agent),
            Role::CareSpecialist => (Care, Specialist),
            Role::CareSupervisor => (Care, Supervisor),
            Role::CareManager => (Care, Manager),
            Role::TechnicalSpecialist => (Technical, Specialist),
            Role::TechnicalSupervisor => (Technical, Supervisor),
            Role::TechnicalManager => (Technical, Manager),
            Role::BillingSupervisor => (Billing, Supervisor),
            Role::BillingManager => (Billing, Manager),
            Role::RetentionManager => (Retention, Manager),
        }
    }

    /// `authority` grants (patterns such as `device.*` expanded by hand).
    fn grant(self, topic: Topic) -> Option<Authority> {
        use Authority::*;
        use Topic::*;
        match (self, topic) {
            (Role::CareAgent, BillingInvoice | RoamingActivate) => Some(Own),
            (Role::CareSpecialist, BillingInvoice | DeviceSetup | DeviceInsurance | SimEsim) => {
                Some(Own)
            }
            (Role::CareSupervisor, BillingInvoice | BillingDispute | BillingRoamingCharges) => {
                Some(Authorized)
            }
            (
                Role::CareSupervisor | Role::TechnicalSpecialist | Role::TechnicalSupervisor,
                DeviceSetup | DeviceInsurance | SimReplacement | SimEsim,
            ) => Some(Own),
            (Role::TechnicalSupervisor, NumberPortIn) => Some(Consensual),
            (Role::BillingSupervisor, BillingInvoice | BillingDispute | BillingRoamingCharges) => {
                Some(Own)
            }
            (Role::BillingSupervisor, PlansChange | PlansCancel) => Some(Consensual),
            (Role::RetentionManager, PlansChange | PlansCancel | NumberPortIn) => Some(Own),
            _ => None,
        }
    }
}

impl Decision {
    fn new(outcome: Outcome, message: Message) -> Self {
        Decision {
            outcome,
            message,
            system: None,
            department: None,
            rank: None,
        }
    }
}

/// The Oriel Mobile policy's decision, by hand. `#[inline(never)]`: a call, like the engine's.
#[inline(never)]
pub fn decide(c: &Contact, responder: Responder) -> Decision {
    use Topic::*;
    let topic = c.topic;
    let staff = matches!(responder, Responder::Staff(_));
    // Rules `network-outage`, `overdue-plan-change`, `esim-unsupported`: a fixed answer from
    // everyone, except that a staff member asked for a superior hands over first (R3.3).
    let fixed = match topic {
        NetworkCoverage | NetworkSlowData | DeviceSetup if c.network_outage => {
            Some(Message::NetworkOutageNotice)
        }
        PlansChange if c.overdue => Some(Message::OverdueBalanceNotice),
        SimEsim if c.no_esim && c.progress == Progress::Served => {
            Some(Message::EsimUnsupportedNotice)
        }
        _ => None,
    };
    if let Some(message) = fixed {
        if !(staff && c.asks_for_superior) {
            return Decision::new(Outcome::Answer, message);
        }
    }
    let role = match responder {
        // A system gives the topic's message for its tier.
        Responder::System(system) => {
            let (system, message) = match topic.serves() {
                Some(serves) if system.serves() => serves,
                _ => topic.explains(),
            };
            return Decision {
                system: Some(system),
                ..Decision::new(Outcome::Answer, message)
            };
        }
        Responder::Staff(role) => role,
    };
    let (department, rank) = role.place();
    // A superior: every department's ladder runs up to the manager, so the next rank.
    if c.asks_for_superior {
        return match rank.above() {
            Some(next) => Decision {
                department: Some(department),
                rank: Some(next),
                ..Decision::new(Outcome::Escalate, Message::HandoverEscalate)
            },
            None => Decision::new(Outcome::Review, Message::HandoverReview),
        };
    }
    // The ladder, unless rule `accessibility` skips it.
    if !c.accessibility {
        if c.progress == Progress::Fresh {
            return Decision {
                system: Some(topic.explains().0),
                ..Decision::new(Outcome::Redirect, Message::HandoverExplains)
            };
        }
        if let Some((system, _)) = topic.serves() {
            if c.progress != Progress::Served {
                return Decision {
                    system: Some(system),
                    ..Decision::new(Outcome::Redirect, Message::HandoverServes)
                };
            }
        }
    }
    // The owner: rules `sim-fraud` and `business-cancel` route elsewhere.
    let owner = match topic {
        SimReplacement | SimEsim | NumberPortIn if c.fraud => Department::Technical,
        PlansCancel if c.segment == Segment::Business => Department::Billing,
        _ => topic.owner(),
    };
    // Authority: rules `business-dispute`, `small-dispute`, `insurance-theft`, else the role's
    // grant, else the topic's own in the owning department, else consensual.
    let (topic_authority, approver) = topic.authority();
    let care = department == Department::Care;
    let rule_own = match topic {
        BillingDispute if care => match c.segment {
            Segment::Business => rank > Rank::Agent,
            Segment::Consumer => c.small_amount,
            Segment::Other => false,
        },
        DeviceInsurance => care && c.theft_reported,
        _ => false,
    };
    let authority = if rule_own {
        Authority::Own
    } else if let Some(a) = role.grant(topic) {
        a
    } else if department == owner {
        topic_authority
    } else {
        Authority::Consensual
    };
    match authority {
        Authority::Own => Decision::new(Outcome::Answer, topic.answer()),
        Authority::Consensual => Decision {
            department: Some(owner),
            ..Decision::new(Outcome::Route, Message::HandoverRoute)
        },
        Authority::Authorized => match approver.or(rank.above()) {
            Some(approver) if approver > rank => Decision {
                department: Some(department),
                rank: Some(approver),
                ..Decision::new(Outcome::Authorize, Message::HandoverAuthorize)
            },
            _ => Decision::new(Outcome::Answer, topic.answer()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Ids, both ways: for comparing with the engine and for building the workload (never timed).
// ---------------------------------------------------------------------------------------------

impl Topic {
    pub const ALL: [Topic; 14] = [
        Topic::General,
        Topic::BillingInvoice,
        Topic::BillingDispute,
        Topic::BillingRoamingCharges,
        Topic::NetworkCoverage,
        Topic::NetworkSlowData,
        Topic::DeviceSetup,
        Topic::DeviceInsurance,
        Topic::SimReplacement,
        Topic::SimEsim,
        Topic::NumberPortIn,
        Topic::PlansChange,
        Topic::PlansCancel,
        Topic::RoamingActivate,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Topic::General => "general",
            Topic::BillingInvoice => "billing.invoice",
            Topic::BillingDispute => "billing.dispute",
            Topic::BillingRoamingCharges => "billing.roaming-charges",
            Topic::NetworkCoverage => "network.coverage",
            Topic::NetworkSlowData => "network.slow-data",
            Topic::DeviceSetup => "device.setup",
            Topic::DeviceInsurance => "device.insurance",
            Topic::SimReplacement => "sim.replacement",
            Topic::SimEsim => "sim.esim",
            Topic::NumberPortIn => "number.port-in",
            Topic::PlansChange => "plans.change",
            Topic::PlansCancel => "plans.cancel",
            Topic::RoamingActivate => "roaming.activate",
        }
    }

    pub fn from_id(id: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.id() == id)
    }
}

impl System {
    pub const ALL: [System; 4] = [
        System::HelpCentre,
        System::Ivr,
        System::MyOriel,
        System::PortingPortal,
    ];

    pub fn id(self) -> &'static str {
        match self {
            System::HelpCentre => "help-centre",
            System::Ivr => "ivr",
            System::MyOriel => "my-oriel",
            System::PortingPortal => "porting-portal",
        }
    }

    pub fn from_id(id: &str) -> Option<System> {
        System::ALL.into_iter().find(|s| s.id() == id)
    }
}

impl Department {
    pub fn id(self) -> &'static str {
        match self {
            Department::Care => "care",
            Department::Technical => "technical",
            Department::Billing => "billing",
            Department::Retention => "retention",
        }
    }
}

impl Rank {
    pub fn id(self) -> &'static str {
        match self {
            Rank::Agent => "agent",
            Rank::Specialist => "specialist",
            Rank::Supervisor => "supervisor",
            Rank::Manager => "manager",
        }
    }
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::CareAgent,
        Role::CareSpecialist,
        Role::CareSupervisor,
        Role::CareManager,
        Role::TechnicalSpecialist,
        Role::TechnicalSupervisor,
        Role::TechnicalManager,
        Role::BillingSupervisor,
        Role::BillingManager,
        Role::RetentionManager,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Role::CareAgent => "care-agent",
            Role::CareSpecialist => "care-specialist",
            Role::CareSupervisor => "care-supervisor",
            Role::CareManager => "care-manager",
            Role::TechnicalSpecialist => "technical-specialist",
            Role::TechnicalSupervisor => "technical-supervisor",
            Role::TechnicalManager => "technical-manager",
            Role::BillingSupervisor => "billing-supervisor",
            Role::BillingManager => "billing-manager",
            Role::RetentionManager => "retention-manager",
        }
    }

    pub fn from_id(id: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == id)
    }
}

impl Message {
    pub fn id(self) -> &'static str {
        use Message::*;
        match self {
            GeneralGuide => "general-guide",
            GeneralAnswer => "general-answer",
            InvoiceGuide => "invoice-guide",
            InvoiceApp => "invoice-app",
            InvoiceAnswer => "invoice-answer",
            DisputeGuide => "dispute-guide",
            DisputeAnswer => "dispute-answer",
            RoamingChargesGuide => "roaming-charges-guide",
            RoamingChargesApp => "roaming-charges-app",
            RoamingChargesAnswer => "roaming-charges-answer",
            CoverageGuide => "coverage-guide",
            CoverageAnswer => "coverage-answer",
            SlowDataGuide => "slow-data-guide",
            SlowDataApp => "slow-data-app",
            SlowDataAnswer => "slow-data-answer",
            DeviceSetupGuide => "device-setup-guide",
            DeviceSetupAnswer => "device-setup-answer",
            InsuranceGuide => "insurance-guide",
            InsuranceApp => "insurance-app",
            InsuranceAnswer => "insurance-answer",
            SimReplacementGuide => "sim-replacement-guide",
            SimReplacementApp => "sim-replacement-app",
            SimReplacementAnswer => "sim-replacement-answer",
            EsimGuide => "esim-guide",
            EsimApp => "esim-app",
            EsimAnswer => "esim-answer",
            EsimUnsupportedNotice => "esim-unsupported-notice",
            PortInGuide => "port-in-guide",
            PortInPortal => "port-in-portal",
            PortInAnswer => "port-in-answer",
            PlanChangeGuide => "plan-change-guide",
            PlanChangeApp => "plan-change-app",
            PlanChangeAnswer => "plan-change-answer",
            OverdueBalanceNotice => "overdue-balance-notice",
            CancelGuide => "cancel-guide",
            CancelAnswer => "cancel-answer",
            RoamingGuide => "roaming-guide",
            RoamingApp => "roaming-app",
            RoamingAnswer => "roaming-answer",
            NetworkOutageNotice => "network-outage-notice",
            HandoverExplains => "handover.explains",
            HandoverServes => "handover.serves",
            HandoverRoute => "handover.route",
            HandoverAuthorize => "handover.authorize",
            HandoverEscalate => "handover.escalate",
            HandoverReview => "handover.review",
        }
    }
}

impl Responder {
    pub fn from_responder(r: &unified_message::Responder) -> Option<Responder> {
        match r {
            unified_message::Responder::System(id) => System::from_id(id).map(Responder::System),
            unified_message::Responder::Staff(id) => Role::from_id(id).map(Responder::Staff),
            _ => None,
        }
    }
}

impl Contact {
    /// The hand-written decider's contact for an engine contact about a known topic.
    pub fn from_contact(c: &unified_message::Contact) -> Option<Contact> {
        let fact = |key: &str, value: &str| c.facts.get(key).is_some_and(|v| v == value);
        Some(Contact {
            topic: Topic::from_id(c.topic.as_deref()?)?,
            progress: c.progress,
            asks_for_superior: c.asks_for_superior,
            network_outage: fact("outage", "network"),
            accessibility: fact("accessibility", "true"),
            fraud: fact("fraud", "suspected"),
            segment: if fact("segment", "business") {
                Segment::Business
            } else if fact("segment", "consumer") {
                Segment::Consumer
            } else {
                Segment::Other
            },
            small_amount: fact("amount", "small"),
            overdue: fact("debt", "overdue"),
            no_esim: fact("device", "no-esim"),
            theft_reported: fact("claim", "theft-reported"),
        })
    }
}

/// The five things the agreement test compares, as ids.
pub type Ids<'a> = (
    Outcome,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

impl Decision {
    pub fn ids(&self) -> Ids<'static> {
        (
            self.outcome,
            self.message.id(),
            self.system.map(System::id),
            self.department.map(Department::id),
            self.rank.map(Rank::id),
        )
    }
}

/// The same five things of an engine decision.
pub fn engine_ids<'e>(d: &unified_message::Decision<'e>) -> Ids<'e> {
    (
        d.outcome(),
        d.message_id(),
        d.system().map(|s| s.id),
        d.department(),
        d.rank(),
    )
}
