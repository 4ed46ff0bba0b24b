//! What [`Engine::explain`] returns: the decision and the steps that led to it.
//!
//! The decision procedure (`engine.rs`) records [`Step`] values through a [`Trace`]; every word
//! of the explanation is written here, by `Step`'s `Display`. [`Engine::decide`] runs the same
//! procedure with [`NoTrace`], which records nothing and builds no step.
//!
//! [`Engine::explain`]: crate::Engine::explain
//! [`Engine::decide`]: crate::Engine::decide

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::decision::record::{DecisionRecord, Outcome};
use crate::model::{Authority, Tier};
use crate::template::{NoValues, Values};

/// A decision and the steps that led to it, from [`Engine::explain`](crate::Engine::explain).
///
/// Its JSON (`Serialize`, the same as [`Explanation::to_record`]) is the explain answer of
/// every host — the CLI's `explain --format json`, the service's `POST /v1/explain`, the
/// page: [`ExplanationRecord`].
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Engine, Responder};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let contact = Contact::new("c-1", Channel::Phone).with_topic("email.setup");
/// let explanation = engine.explain(&contact, &Responder::staff("support-agent"));
/// assert_eq!(explanation.trail[0].to_string(), "the contact is about topic `email.setup`");
/// let json = serde_json::to_value(&explanation)?;
/// assert_eq!(json["steps"][0]["kind"], "topic");
/// assert_eq!(json["steps"][0]["text"], "the contact is about topic `email.setup`");
/// assert_eq!(json["decision"]["outcome"], "redirect");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Explanation<'e> {
    /// The decision, exactly as [`Engine::decide`](crate::Engine::decide) returns it.
    pub decision: Decision<'e>,
    /// The steps, in the order they were taken; each says itself in words through `Display`.
    pub trail: Vec<Step<'e>>,
}

impl<'e> Explanation<'e> {
    pub(crate) fn new(decision: Decision<'e>, trail: Vec<Step<'e>>) -> Self {
        Explanation { decision, trail }
    }

    /// The owned, serializable form, the decision rendered without host values.
    pub fn to_record(&self) -> ExplanationRecord {
        self.to_record_with(&NoValues)
    }

    /// The owned, serializable form, the decision rendered with `values`.
    pub fn to_record_with(&self, values: &dyn Values) -> ExplanationRecord {
        ExplanationRecord {
            revision: self.decision.revision().to_owned(),
            steps: self.trail.iter().map(StepRecord::from).collect(),
            decision: self.decision.to_record_with(values),
        }
    }
}

impl Serialize for Explanation<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_record().serialize(serializer)
    }
}

/// The owned form of an [`Explanation`]: the explain answer of the CLI, the service and the
/// page, `{"revision": …, "steps": [{"kind": …, "text": …}], "decision": {…}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ExplanationRecord {
    /// The revision of the policy that decided.
    pub revision: String,
    /// The steps, in the order they were taken.
    pub steps: Vec<StepRecord>,
    /// The decision.
    pub decision: DecisionRecord,
}

/// One step of an [`ExplanationRecord`]: what kind of step ([`Step::kind`]) and the step in
/// words (its `Display`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StepRecord {
    /// The kind of step, in snake case (`rule_matches`, `not_through_system`…): one of
    /// [`Step::KINDS`].
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::wire::step_kind_schema")
    )]
    pub kind: String,
    /// The step in words.
    pub text: String,
}

impl From<&Step<'_>> for StepRecord {
    fn from(step: &Step<'_>) -> Self {
        StepRecord {
            kind: step.kind().to_owned(),
            text: step.to_string(),
        }
    }
}

impl fmt::Display for Explanation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.trail.iter().enumerate() {
            writeln!(f, "{}. {step}", i + 1)?;
        }
        let d = &self.decision;
        write!(
            f,
            "=> {} with message `{}` v{}",
            d.outcome(),
            d.message_id(),
            d.version()
        )?;
        if let Outcome::Redirect = d.outcome() {
            if let Some(s) = d.system() {
                write!(f, " to `{}`", s.id)?;
            }
        }
        Ok(())
    }
}

/// One step of a decision, as [`Engine::explain`](crate::Engine::explain) records it.
///
/// Ids (`&'e str`) are the policy's own, borrowed from the engine; what the contact named and
/// the policy does not declare is owned. `Display` writes the step in words, and
/// [`Step::kind`] names its kind: both make a [`StepRecord`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Step<'e> {
    /// The contact names a topic of the policy.
    #[non_exhaustive]
    Topic {
        /// The topic's id.
        topic: &'e str,
    },
    /// The contact names a topic the policy does not declare: the fallback topic applies.
    #[non_exhaustive]
    UnknownTopic {
        /// The topic the contact named.
        named: String,
        /// The policy's fallback topic.
        fallback: &'e str,
    },
    /// Triage placed the customer's words on a topic.
    #[non_exhaustive]
    Triaged {
        /// The topic triage chose.
        topic: &'e str,
        /// Triage's confidence, from 0 to 1.
        confidence: f64,
        /// How many topics share the best evidence (more than 1: ambiguous, the topic
        /// mentioned first is chosen).
        tied: usize,
    },
    /// Triage was not confident enough about any topic: the fallback topic applies.
    #[non_exhaustive]
    Untriaged {
        /// Triage's best confidence, from 0 to 1.
        confidence: f64,
        /// The policy's triage threshold.
        threshold: f64,
        /// How many topics share the best evidence.
        tied: usize,
        /// The policy's fallback topic.
        fallback: &'e str,
    },
    /// The contact names no topic and has no words to triage: the fallback topic applies.
    #[non_exhaustive]
    NoTopic {
        /// The policy's fallback topic.
        fallback: &'e str,
    },
    /// The contact's locale is not declared: the default locale applies.
    #[non_exhaustive]
    UnknownLocale {
        /// The locale the contact named.
        named: String,
        /// The policy's default locale.
        default: &'e str,
    },
    /// A rule matches the contact.
    #[non_exhaustive]
    RuleMatches {
        /// The rule's id.
        rule: &'e str,
        /// The rule's `why`, if it has one.
        why: Option<&'e str>,
    },
    /// A rule gives every responder a fixed answer.
    #[non_exhaustive]
    FixedAnswer {
        /// The rule's id.
        rule: &'e str,
        /// The answer's message id.
        message: &'e str,
    },
    /// A rule fixes the answer, but the customer asks for a superior: a person hands over,
    /// and the superior gives that answer (R3.3).
    #[non_exhaustive]
    FixedAnswerAfterSuperior {
        /// The rule's id.
        rule: &'e str,
        /// The answer's message id.
        message: &'e str,
    },
    /// The responding system is not in the policy: it is treated as an explaining system.
    UnknownSystem,
    /// A system gives the topic's message for its tier.
    #[non_exhaustive]
    SystemMessage {
        /// The system's tier.
        tier: Tier,
        /// The message's id.
        message: &'e str,
    },
    /// The topic has no system message: the fallback topic's explanation applies, and the gap
    /// is flagged (R0.9).
    NoSystemMessage,
    /// The staff role is not in the policy: it is treated as the lowest rank of no department.
    UnknownRole,
    /// The customer asks for a superior, and a higher rank of the department has a role.
    #[non_exhaustive]
    Superior {
        /// The next rank with someone in the department.
        rank: &'e str,
    },
    /// The customer asks for a superior, and no higher rank has a role: a review follows.
    #[non_exhaustive]
    NoSuperior {
        /// The responder's rank.
        rank: &'e str,
        /// The policy's review delay, as written (`24h`).
        review_within: &'e str,
    },
    /// A rule skips the ladder (R0.4).
    #[non_exhaustive]
    LadderSkipped {
        /// The rule's id.
        rule: &'e str,
    },
    /// The customer has not been through a system of the topic: a person does not answer in
    /// its place (R0.5).
    #[non_exhaustive]
    NotThroughSystem {
        /// The system's tier.
        tier: Tier,
        /// The system's id.
        system: &'e str,
    },
    /// The customer has been through every system of the topic: a person answers, and the
    /// gap is flagged (R0.9).
    ThroughEverySystem,
    /// A rule routes the topic to another owning department.
    #[non_exhaustive]
    RuleRoutes {
        /// The rule's id.
        rule: &'e str,
        /// The owning department's id.
        department: &'e str,
    },
    /// A rule sets the authority.
    #[non_exhaustive]
    RuleAuthority {
        /// The rule's id.
        rule: &'e str,
        /// The authority it sets.
        authority: Authority,
    },
    /// The responder's role has an explicit grant on the topic.
    #[non_exhaustive]
    Grant {
        /// The role's id.
        role: &'e str,
        /// The granted authority.
        authority: Authority,
    },
    /// The responder belongs to the owning department: the topic's authority applies.
    #[non_exhaustive]
    OwningDepartment {
        /// The owning department's id.
        department: &'e str,
        /// The topic's authority.
        authority: Authority,
    },
    /// The topic belongs to another department: authority is `consensual` (R0.2, R0.8).
    #[non_exhaustive]
    OtherDepartment {
        /// The owning department's id.
        owner: &'e str,
    },
    /// `own` authority: the responder answers now.
    #[non_exhaustive]
    OwnAnswer {
        /// The answer's message id.
        message: &'e str,
    },
    /// `consensual` authority: consult or route to the owning department, with a handoff
    /// (R3.6).
    #[non_exhaustive]
    Consult {
        /// The owning department's id.
        department: &'e str,
    },
    /// `authorized` authority, and the responder's rank is an approver: the responder answers.
    #[non_exhaustive]
    Approver {
        /// The responder's rank.
        rank: &'e str,
        /// The answer's message id.
        message: &'e str,
    },
    /// `authorized` authority: the responder requests authorization and follows it up.
    #[non_exhaustive]
    RequestAuthorization {
        /// The approving rank.
        approver: &'e str,
    },
    /// `authorized` authority, and no rank at or above the approving one has a role in the
    /// department: the conversation goes to a review (R4.3, R3.3).
    #[non_exhaustive]
    NoApprover {
        /// The approving rank nobody in the department holds.
        approver: &'e str,
        /// The policy's review delay, as written (`24h`).
        review_within: &'e str,
    },
}

impl Step<'_> {
    /// Every kind a step can have, as [`Step::kind`] writes it.
    pub const KINDS: [&'static str; 28] = [
        "topic",
        "unknown_topic",
        "triaged",
        "untriaged",
        "no_topic",
        "unknown_locale",
        "rule_matches",
        "fixed_answer",
        "fixed_answer_after_superior",
        "unknown_system",
        "system_message",
        "no_system_message",
        "unknown_role",
        "superior",
        "no_superior",
        "ladder_skipped",
        "not_through_system",
        "through_every_system",
        "rule_routes",
        "rule_authority",
        "grant",
        "owning_department",
        "other_department",
        "own_answer",
        "consult",
        "approver",
        "request_authorization",
        "no_approver",
    ];

    /// The step's kind: its variant's name in snake case (`Step::RuleMatches` is
    /// `rule_matches`), machine-readable where the `Display` text is for people.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Topic { .. } => "topic",
            Step::UnknownTopic { .. } => "unknown_topic",
            Step::Triaged { .. } => "triaged",
            Step::Untriaged { .. } => "untriaged",
            Step::NoTopic { .. } => "no_topic",
            Step::UnknownLocale { .. } => "unknown_locale",
            Step::RuleMatches { .. } => "rule_matches",
            Step::FixedAnswer { .. } => "fixed_answer",
            Step::FixedAnswerAfterSuperior { .. } => "fixed_answer_after_superior",
            Step::UnknownSystem => "unknown_system",
            Step::SystemMessage { .. } => "system_message",
            Step::NoSystemMessage => "no_system_message",
            Step::UnknownRole => "unknown_role",
            Step::Superior { .. } => "superior",
            Step::NoSuperior { .. } => "no_superior",
            Step::LadderSkipped { .. } => "ladder_skipped",
            Step::NotThroughSystem { .. } => "not_through_system",
            Step::ThroughEverySystem => "through_every_system",
            Step::RuleRoutes { .. } => "rule_routes",
            Step::RuleAuthority { .. } => "rule_authority",
            Step::Grant { .. } => "grant",
            Step::OwningDepartment { .. } => "owning_department",
            Step::OtherDepartment { .. } => "other_department",
            Step::OwnAnswer { .. } => "own_answer",
            Step::Consult { .. } => "consult",
            Step::Approver { .. } => "approver",
            Step::RequestAuthorization { .. } => "request_authorization",
            Step::NoApprover { .. } => "no_approver",
        }
    }
}

/// `; ambiguous: …` after triage's confidence when topics tie.
struct Ambiguous(usize);

impl fmt::Display for Ambiguous {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 1 {
            write!(
                f,
                "; ambiguous: {} topics have evidence just as good",
                self.0
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Topic { topic } => write!(f, "the contact is about topic `{topic}`"),
            Step::UnknownTopic { named, fallback } => write!(
                f,
                "topic `{named}` is not in the policy: the fallback topic `{fallback}` applies"
            ),
            Step::Triaged {
                topic,
                confidence,
                tied,
            } => write!(
                f,
                "triage placed the customer's words on topic `{topic}` (confidence {confidence:.2}{})",
                Ambiguous(*tied)
            ),
            Step::Untriaged {
                confidence,
                threshold,
                tied,
                fallback,
            } => write!(
                f,
                "triage could not place the customer's words (confidence {confidence:.2}, threshold {threshold}{}): the fallback topic `{fallback}` applies",
                Ambiguous(*tied)
            ),
            Step::NoTopic { fallback } => write!(
                f,
                "the contact names no topic: the fallback topic `{fallback}` applies"
            ),
            Step::UnknownLocale { named, default } => write!(
                f,
                "locale `{named}` is not declared: the default locale `{default}` applies"
            ),
            Step::RuleMatches {
                rule,
                why: Some(why),
            } => write!(f, "rule `{rule}` matches: {why}"),
            Step::RuleMatches { rule, why: None } => write!(f, "rule `{rule}` matches"),
            Step::FixedAnswer { rule, message } => write!(
                f,
                "rule `{rule}` gives every responder the fixed answer `{message}`"
            ),
            Step::FixedAnswerAfterSuperior { rule, message } => write!(
                f,
                "rule `{rule}` fixes the answer `{message}`, but the customer asks for a superior: a person always hands over, and the superior gives that answer (R3.3)"
            ),
            Step::UnknownSystem => f.write_str(
                "the system is not in the policy: it is treated as an explaining system",
            ),
            Step::SystemMessage { tier, message } => write!(
                f,
                "a system that {tier} gives the topic's message for its tier: `{message}`"
            ),
            Step::NoSystemMessage => f.write_str(
                "the topic has no system message: the fallback topic's explanation applies and the gap is flagged (R0.9)",
            ),
            Step::UnknownRole => f.write_str(
                "the staff role is not in the policy: it is treated as the lowest rank of no department",
            ),
            Step::Superior { rank } => write!(
                f,
                "the customer asks for a superior: the next rank with someone in the department is `{rank}`"
            ),
            Step::NoSuperior {
                rank,
                review_within,
            } => write!(
                f,
                "the customer asks for a superior and no rank above `{rank}` has a role in the department: the conversation goes to a review within {review_within}"
            ),
            Step::LadderSkipped { rule } => write!(f, "rule `{rule}` skips the ladder"),
            Step::NotThroughSystem { tier, system } => write!(
                f,
                "the customer has not been through the system that {tier} (`{system}`): a person does not answer in its place (R0.5)"
            ),
            Step::ThroughEverySystem => f.write_str(
                "the customer has been through every system of the topic: a person answers, and the gap is flagged so the system gets fixed (R0.9)",
            ),
            Step::RuleRoutes { rule, department } => write!(
                f,
                "rule `{rule}` makes `{department}` the owning department"
            ),
            Step::RuleAuthority { rule, authority } => {
                write!(f, "rule `{rule}` sets the authority to `{authority}`")
            }
            Step::Grant { role, authority } => write!(
                f,
                "role `{role}` has an explicit grant of `{authority}` on this topic"
            ),
            Step::OwningDepartment {
                department,
                authority,
            } => write!(
                f,
                "the responder belongs to the owning department `{department}`: the topic's authority `{authority}` applies"
            ),
            Step::OtherDepartment { owner } => write!(
                f,
                "the topic belongs to `{owner}`, not to the responder's department: authority is `consensual` (R0.2, R0.8)"
            ),
            Step::OwnAnswer { message } => write!(
                f,
                "`own` authority: the responder answers now with `{message}`"
            ),
            Step::Consult { department } => write!(
                f,
                "`consensual` authority: consult or route to `{department}`, with a handoff so the customer repeats nothing (R3.6)"
            ),
            Step::Approver { rank, message } => write!(
                f,
                "`authorized` authority, and rank `{rank}` is an approver: the responder answers with `{message}`"
            ),
            Step::RequestAuthorization { approver } => write!(
                f,
                "`authorized` authority: request authorization from a `{approver}` and follow it up"
            ),
            Step::NoApprover {
                approver,
                review_within,
            } => write!(
                f,
                "`authorized` authority, and no rank from `{approver}` up has a role in the department: the conversation goes to a review within {review_within}"
            ),
        }
    }
}

/// Receives the steps of a decision, for [`Engine::explain`](crate::Engine::explain); a no-op
/// for `decide`. Steps are built by a closure, which [`NoTrace`] never calls: the decision
/// path builds no step and allocates nothing.
pub(crate) trait Trace<'e> {
    /// Whether steps are recorded: without, the decision may skip work it would not see.
    const ACTIVE: bool = true;

    fn step(&mut self, step: impl FnOnce() -> Step<'e>);
}

/// The trace of `decide`: records nothing.
pub(crate) struct NoTrace;

impl<'e> Trace<'e> for NoTrace {
    const ACTIVE: bool = false;

    #[inline(always)]
    fn step(&mut self, _: impl FnOnce() -> Step<'e>) {}
}

impl<'e> Trace<'e> for Vec<Step<'e>> {
    fn step(&mut self, step: impl FnOnce() -> Step<'e>) {
        self.push(step());
    }
}

#[cfg(test)]
mod tests {
    use super::Step;

    /// Issue 24 point 2: every kind is named once, in snake case, and `kind` writes one of them.
    #[test]
    fn i24_p2_step_kinds_are_distinct_snake_case_names() {
        let mut kinds = Step::KINDS.to_vec();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), Step::KINDS.len());
        assert!(
            Step::KINDS
                .iter()
                .all(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        for step in [
            Step::UnknownSystem,
            Step::Topic { topic: "t" },
            Step::NoApprover {
                approver: "a",
                review_within: "24h",
            },
        ] {
            assert!(Step::KINDS.contains(&step.kind()), "{step:?}");
        }
        assert_eq!(Step::UnknownSystem.kind(), "unknown_system");
    }
}
