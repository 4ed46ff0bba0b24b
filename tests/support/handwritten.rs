//! The example policy (`examples/policies/acme-hosting.toml`) written by hand as a Rust `match`
//! over enums: the physical limit the engine is measured against (issue 16).
//!
//! Coded from the TOML, not from the engine: one enum per kind of id (topics, systems, roles,
//! departments, ranks, messages), the facts the rules read as booleans, and the decision
//! procedure of DESIGN.md ("How a decision is made") as plain control flow. A staff member asked
//! for a superior hands over even when a rule fixes the answer (R3.3, DESIGN.md step 2).
//!
//! `tests/handwritten.rs` proves that it agrees with the engine on every circumstance of the
//! policy (outcome, message, system, department, rank), so the baseline of `benches/ratio.rs`
//! is honest. Like the engine's `Decision`, its decision names things (no text is rendered).

#![allow(dead_code)]

use unified_message::{Outcome, Progress};

/// `[topics]`, in document order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    General,
    EmailSetup,
    EmailWebmail,
    DomainDelegation,
    DnsPing,
    ServerMigration,
    BillingInvoice,
    BillingRefund,
    ProjectsPhoneChange,
    ProjectsContent,
    SalesPlans,
    HostingBackup,
    SslCertificate,
}

/// `[systems]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    SelfDiagnosis,
    Ivr,
    ControlPanel,
    Webmail,
    ProjectForms,
}

/// `[departments]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Department {
    Support,
    Sales,
    Projects,
    Billing,
}

/// `[ranks].order`, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    Agent,
    Supervisor,
    Manager,
}

/// `[roles]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    SupportAgent,
    SupportSupervisor,
    SupportManager,
    SalesAgent,
    SalesSupervisor,
    SalesManager,
    ProjectsAgent,
    ProjectsSupervisor,
    ProjectsManager,
    BillingAgent,
    BillingSupervisor,
    BillingManager,
}

/// The messages a decision can deliver: the topics' and rules' messages, and the handovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    GeneralGuide,
    GeneralAnswer,
    EmailSetupGuide,
    EmailSetupPanel,
    EmailSetupAnswer,
    WebmailGuide,
    WebmailAccess,
    WebmailAnswer,
    EmailOutageNotice,
    DomainDelegationGuide,
    DomainDelegationPanel,
    DomainDelegationAnswer,
    DnsPingGuide,
    DnsPingAnswer,
    ServerMigrationGuide,
    ServerMigrationAnswer,
    BillingInvoiceGuide,
    BillingInvoicePanel,
    BillingInvoiceAnswer,
    RefundPolicy,
    RefundGranted,
    PhoneChangeGuide,
    PhoneChangeForm,
    PhoneChangeAnswer,
    ProjectContentGuide,
    ProjectContentForm,
    ProjectContentAnswer,
    PlansGuide,
    PlansAnswer,
    BackupGuide,
    BackupRestorePanel,
    BackupAnswer,
    SslGuide,
    SslPanel,
    SslAnswer,
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

/// A contact, reduced to what the policy reads: the topic, the progress, the three facts its
/// rules test, and whether a superior is asked for. (Channels and locales change only the
/// text: no rule of this policy names a channel.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contact {
    pub topic: Topic,
    pub progress: Progress,
    /// `accessibility = "true"`.
    pub accessibility: bool,
    /// `outage = "email"`.
    pub email_outage: bool,
    /// `plan = "premium"`.
    pub premium: bool,
    pub asks_for_superior: bool,
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
            BillingInvoice | BillingRefund => Department::Billing,
            ProjectsPhoneChange | ProjectsContent => Department::Projects,
            SalesPlans => Department::Sales,
            General | EmailSetup | EmailWebmail | DomainDelegation | DnsPing | ServerMigration
            | HostingBackup | SslCertificate => Department::Support,
        }
    }

    /// `explains`.
    fn explains(self) -> (System, Message) {
        use Message::*;
        use System::*;
        match self {
            Topic::General => (SelfDiagnosis, GeneralGuide),
            Topic::EmailSetup => (SelfDiagnosis, EmailSetupGuide),
            Topic::EmailWebmail => (SelfDiagnosis, WebmailGuide),
            Topic::DomainDelegation => (SelfDiagnosis, DomainDelegationGuide),
            Topic::DnsPing => (SelfDiagnosis, DnsPingGuide),
            Topic::ServerMigration => (Ivr, ServerMigrationGuide),
            Topic::BillingInvoice => (SelfDiagnosis, BillingInvoiceGuide),
            Topic::BillingRefund => (SelfDiagnosis, RefundPolicy),
            Topic::ProjectsPhoneChange => (SelfDiagnosis, PhoneChangeGuide),
            Topic::ProjectsContent => (SelfDiagnosis, ProjectContentGuide),
            Topic::SalesPlans => (SelfDiagnosis, PlansGuide),
            Topic::HostingBackup => (SelfDiagnosis, BackupGuide),
            Topic::SslCertificate => (SelfDiagnosis, SslGuide),
        }
    }

    /// `serves`, when the topic has one.
    fn serves(self) -> Option<(System, Message)> {
        use Message::*;
        use System::*;
        Some(match self {
            Topic::EmailSetup => (ControlPanel, EmailSetupPanel),
            Topic::EmailWebmail => (Webmail, WebmailAccess),
            Topic::DomainDelegation => (ControlPanel, DomainDelegationPanel),
            Topic::BillingInvoice => (ControlPanel, BillingInvoicePanel),
            Topic::ProjectsPhoneChange => (ProjectForms, PhoneChangeForm),
            Topic::ProjectsContent => (ProjectForms, ProjectContentForm),
            Topic::HostingBackup => (ControlPanel, BackupRestorePanel),
            Topic::SslCertificate => (ControlPanel, SslPanel),
            Topic::General
            | Topic::DnsPing
            | Topic::ServerMigration
            | Topic::BillingRefund
            | Topic::SalesPlans => return None,
        })
    }

    /// `answer`.
    fn answer(self) -> Message {
        use Message::*;
        match self {
            Topic::General => GeneralAnswer,
            Topic::EmailSetup => EmailSetupAnswer,
            Topic::EmailWebmail => WebmailAnswer,
            Topic::DomainDelegation => DomainDelegationAnswer,
            Topic::DnsPing => DnsPingAnswer,
            Topic::ServerMigration => ServerMigrationAnswer,
            Topic::BillingInvoice => BillingInvoiceAnswer,
            Topic::BillingRefund => RefundGranted,
            Topic::ProjectsPhoneChange => PhoneChangeAnswer,
            Topic::ProjectsContent => ProjectContentAnswer,
            Topic::SalesPlans => PlansAnswer,
            Topic::HostingBackup => BackupAnswer,
            Topic::SslCertificate => SslAnswer,
        }
    }
}

impl System {
    /// `tier`: whether the system serves (else it explains).
    fn serves(self) -> bool {
        matches!(
            self,
            System::ControlPanel | System::Webmail | System::ProjectForms
        )
    }
}

impl Role {
    /// `department` and `rank`.
    fn place(self) -> (Department, Rank) {
        use Department::*;
        use Rank::*;
        match self {
            Role::SupportAgent => (Support, Agent),
            Role::SupportSupervisor => (Support, Supervisor),
            Role::SupportManager => (Support, Manager),
            Role::SalesAgent => (Sales, Agent),
            Role::SalesSupervisor => (Sales, Supervisor),
            Role::SalesManager => (Sales, Manager),
            Role::ProjectsAgent => (Projects, Agent),
            Role::ProjectsSupervisor => (Projects, Supervisor),
            Role::ProjectsManager => (Projects, Manager),
            Role::BillingAgent => (Billing, Agent),
            Role::BillingSupervisor => (Billing, Supervisor),
            Role::BillingManager => (Billing, Manager),
        }
    }

    /// `authority` grants (patterns such as `email.*` expanded by hand).
    fn grant(self, topic: Topic) -> Option<Authority> {
        use Authority::*;
        use Topic::*;
        match (self, topic) {
            (
                Role::SupportAgent | Role::SupportSupervisor,
                EmailSetup | EmailWebmail | DnsPing | DomainDelegation | SslCertificate
                | HostingBackup | ServerMigration,
            ) => Some(Own),
            (Role::SalesAgent | Role::SalesSupervisor, SalesPlans | General) => Some(Own),
            (Role::SalesAgent | Role::SalesSupervisor, DomainDelegation) => Some(Consensual),
            (
                Role::ProjectsAgent | Role::ProjectsSupervisor,
                ProjectsPhoneChange | ProjectsContent | General,
            ) => Some(Own),
            (Role::ProjectsAgent | Role::ProjectsSupervisor, DnsPing) => Some(Consensual),
            (Role::BillingAgent, BillingInvoice | General) => Some(Own),
            (
                Role::BillingSupervisor | Role::BillingManager,
                BillingInvoice | BillingRefund | General,
            ) => Some(Own),
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

/// The example policy's decision, by hand. `#[inline(never)]`: a call, like the engine's.
#[inline(never)]
pub fn decide(c: &Contact, responder: Responder) -> Decision {
    let topic = c.topic;
    let staff = matches!(responder, Responder::Staff(_));
    // Rule `email-outage`: the same notice from everyone, except that a staff member asked
    // for a superior hands over first (R3.3; the superior then gives the notice).
    if c.email_outage
        && matches!(topic, Topic::EmailSetup | Topic::EmailWebmail)
        && !(staff && c.asks_for_superior)
    {
        return Decision::new(Outcome::Answer, Message::EmailOutageNotice);
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
    // A superior: the next rank (every department has all three), else the review.
    if c.asks_for_superior {
        let next = match rank {
            Rank::Agent => Rank::Supervisor,
            Rank::Supervisor => Rank::Manager,
            Rank::Manager => return Decision::new(Outcome::Review, Message::HandoverReview),
        };
        return Decision {
            department: Some(department),
            rank: Some(next),
            ..Decision::new(Outcome::Escalate, Message::HandoverEscalate)
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
    // Authority: rule `premium-refund`, else the role's grant, else the topic's own authority
    // in its department (`billing.refund` is `authorized` by a supervisor), else consensual.
    let owner = topic.owner();
    let authority =
        if topic == Topic::BillingRefund && department == Department::Billing && c.premium {
            Authority::Own
        } else if let Some(a) = role.grant(topic) {
            a
        } else if department != owner {
            Authority::Consensual
        } else if topic == Topic::BillingRefund {
            Authority::Authorized
        } else {
            Authority::Own
        };
    match authority {
        Authority::Own => Decision::new(Outcome::Answer, topic.answer()),
        Authority::Consensual => Decision {
            department: Some(owner),
            ..Decision::new(Outcome::Route, Message::HandoverRoute)
        },
        Authority::Authorized if rank < Rank::Supervisor => Decision {
            department: Some(department),
            rank: Some(Rank::Supervisor),
            ..Decision::new(Outcome::Authorize, Message::HandoverAuthorize)
        },
        Authority::Authorized => Decision::new(Outcome::Answer, topic.answer()),
    }
}

// ---------------------------------------------------------------------------------------------
// Ids, both ways: for comparing with the engine and for building the workload (never timed).
// ---------------------------------------------------------------------------------------------

impl Topic {
    pub const ALL: [Topic; 13] = [
        Topic::General,
        Topic::EmailSetup,
        Topic::EmailWebmail,
        Topic::DomainDelegation,
        Topic::DnsPing,
        Topic::ServerMigration,
        Topic::BillingInvoice,
        Topic::BillingRefund,
        Topic::ProjectsPhoneChange,
        Topic::ProjectsContent,
        Topic::SalesPlans,
        Topic::HostingBackup,
        Topic::SslCertificate,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Topic::General => "general",
            Topic::EmailSetup => "email.setup",
            Topic::EmailWebmail => "email.webmail",
            Topic::DomainDelegation => "domain.delegation",
            Topic::DnsPing => "dns.ping",
            Topic::ServerMigration => "server.migration",
            Topic::BillingInvoice => "billing.invoice",
            Topic::BillingRefund => "billing.refund",
            Topic::ProjectsPhoneChange => "projects.phone-change",
            Topic::ProjectsContent => "projects.content",
            Topic::SalesPlans => "sales.plans",
            Topic::HostingBackup => "hosting.backup",
            Topic::SslCertificate => "ssl.certificate",
        }
    }

    pub fn from_id(id: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.id() == id)
    }
}

impl System {
    pub const ALL: [System; 5] = [
        System::SelfDiagnosis,
        System::Ivr,
        System::ControlPanel,
        System::Webmail,
        System::ProjectForms,
    ];

    pub fn id(self) -> &'static str {
        match self {
            System::SelfDiagnosis => "self-diagnosis",
            System::Ivr => "ivr",
            System::ControlPanel => "control-panel",
            System::Webmail => "webmail",
            System::ProjectForms => "project-forms",
        }
    }

    pub fn from_id(id: &str) -> Option<System> {
        System::ALL.into_iter().find(|s| s.id() == id)
    }
}

impl Department {
    pub fn id(self) -> &'static str {
        match self {
            Department::Support => "support",
            Department::Sales => "sales",
            Department::Projects => "projects",
            Department::Billing => "billing",
        }
    }
}

impl Rank {
    pub fn id(self) -> &'static str {
        match self {
            Rank::Agent => "agent",
            Rank::Supervisor => "supervisor",
            Rank::Manager => "manager",
        }
    }
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::SupportAgent,
        Role::SupportSupervisor,
        Role::SupportManager,
        Role::SalesAgent,
        Role::SalesSupervisor,
        Role::SalesManager,
        Role::ProjectsAgent,
        Role::ProjectsSupervisor,
        Role::ProjectsManager,
        Role::BillingAgent,
        Role::BillingSupervisor,
        Role::BillingManager,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Role::SupportAgent => "support-agent",
            Role::SupportSupervisor => "support-supervisor",
            Role::SupportManager => "support-manager",
            Role::SalesAgent => "sales-agent",
            Role::SalesSupervisor => "sales-supervisor",
            Role::SalesManager => "sales-manager",
            Role::ProjectsAgent => "projects-agent",
            Role::ProjectsSupervisor => "projects-supervisor",
            Role::ProjectsManager => "projects-manager",
            Role::BillingAgent => "billing-agent",
            Role::BillingSupervisor => "billing-supervisor",
            Role::BillingManager => "billing-manager",
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
            EmailSetupGuide => "email-setup-guide",
            EmailSetupPanel => "email-setup-panel",
            EmailSetupAnswer => "email-setup-answer",
            WebmailGuide => "webmail-guide",
            WebmailAccess => "webmail-access",
            WebmailAnswer => "webmail-answer",
            EmailOutageNotice => "email-outage-notice",
            DomainDelegationGuide => "domain-delegation-guide",
            DomainDelegationPanel => "domain-delegation-panel",
            DomainDelegationAnswer => "domain-delegation-answer",
            DnsPingGuide => "dns-ping-guide",
            DnsPingAnswer => "dns-ping-answer",
            ServerMigrationGuide => "server-migration-guide",
            ServerMigrationAnswer => "server-migration-answer",
            BillingInvoiceGuide => "billing-invoice-guide",
            BillingInvoicePanel => "billing-invoice-panel",
            BillingInvoiceAnswer => "billing-invoice-answer",
            RefundPolicy => "refund-policy",
            RefundGranted => "refund-granted",
            PhoneChangeGuide => "phone-change-guide",
            PhoneChangeForm => "phone-change-form",
            PhoneChangeAnswer => "phone-change-answer",
            ProjectContentGuide => "project-content-guide",
            ProjectContentForm => "project-content-form",
            ProjectContentAnswer => "project-content-answer",
            PlansGuide => "plans-guide",
            PlansAnswer => "plans-answer",
            BackupGuide => "backup-guide",
            BackupRestorePanel => "backup-restore-panel",
            BackupAnswer => "backup-answer",
            SslGuide => "ssl-guide",
            SslPanel => "ssl-panel",
            SslAnswer => "ssl-answer",
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
            accessibility: fact("accessibility", "true"),
            email_outage: fact("outage", "email"),
            premium: fact("plan", "premium"),
            asks_for_superior: c.asks_for_superior,
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
