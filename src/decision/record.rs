//! The owned records of a decision ([`DecisionRecord`] and its parts, [`DecisionBrief`]) and
//! the plain values a decision carries ([`Outcome`], [`Flags`]): data only, below
//! [`Decision`](super::Decision), importing nothing that reads a decision.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Authority, Tier};

/// What the responder does (see the table of outcomes in the guide, `docs/decisions.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Deliver this canonical message: it *is* the answer (R0.1, R4.3 own).
    Answer,
    /// Point the customer to a system, framed as their benefit (R0.5).
    Redirect,
    /// Consult or hand over to the owning department (R4.3 consensual, R3.6).
    Route,
    /// Request authorization from an approver rank, and follow it up (R4.3 authorized).
    Authorize,
    /// Hand over to the next rank: the customer asked for a superior (R3.3).
    Escalate,
    /// No rank above: the conversation goes to a review within the policy's window (R3.3).
    Review,
}

impl Outcome {
    /// All outcomes.
    pub const ALL: [Outcome; 6] = [
        Outcome::Answer,
        Outcome::Redirect,
        Outcome::Route,
        Outcome::Authorize,
        Outcome::Escalate,
        Outcome::Review,
    ];

    /// The outcome's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answer => "answer",
            Outcome::Redirect => "redirect",
            Outcome::Route => "route",
            Outcome::Authorize => "authorize",
            Outcome::Escalate => "escalate",
            Outcome::Review => "review",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Things a host logs about a decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Flags {
    /// A person answers because the systems did not help: the system should be changed so
    /// that it does (R0.9). Not set when a rule skipped the ladder.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub system_gap: bool,
    /// The topic was unknown, missing or not found by triage: the fallback topic applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback_topic: bool,
    /// The contact's locale is not declared: the default locale applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locale_fallback: bool,
    /// The responder's role or system is not in the policy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unknown_responder: bool,
    /// A rule let a person answer without the systems first (R2.4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ladder_skipped: bool,
    /// `decide_prepared` got a key prepared by another engine (a policy reload): the contact
    /// was decided as the fallback topic, or the responder as unknown. Prepare keys again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale_key: bool,
    /// Triage placed the customer's words on several topics with evidence just as good
    /// ([`TriageResult::ambiguous`](crate::TriageResult::ambiguous)): the decision is about
    /// the one mentioned first in the text (or the fallback topic, below the threshold). A
    /// chatbot can ask which one the customer means.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ambiguous_topic: bool,
}

/// The owned form of a [`Decision`](crate::Decision), with its text rendered: what a host stores or sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct DecisionRecord {
    /// What the responder does.
    pub outcome: Outcome,
    /// The topic.
    pub topic: String,
    /// The message delivered.
    pub message: MessageRecord,
    /// The policy revision.
    pub revision: String,
    /// The rule that shaped the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The system pointed to or spoken about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemRecord>,
    /// The department routed to, or whose ranks are climbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The rank that authorizes or takes over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// The review window, for a review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_within: Option<String>,
    /// The authority that applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    /// Flags the host logs.
    #[serde(default)]
    pub flags: Flags,
    /// What the customer was told before, when it changed substantively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousRecord>,
    /// A declared placeholder (`[policy].placeholders`) that had no value when the text (or
    /// the notice) was rendered — the first one of each: it came out as nothing, so the text
    /// is incomplete; don't send it as is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_values: Vec<String>,
}

impl DecisionRecord {
    /// The decision in brief: outcome, message id and version, and what it points to.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Engine, Outcome, Responder};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let contact = Contact::new("c-1", Channel::Phone).with_topic("email.setup");
    /// let record = engine.decide(&contact, &Responder::staff("support-agent")).to_record();
    /// let brief = record.brief();
    /// assert_eq!(brief.outcome, Outcome::Redirect);
    /// assert_eq!(brief.system.as_deref(), Some("self-diagnosis"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn brief(&self) -> DecisionBrief {
        DecisionBrief::new(
            self.outcome,
            &self.message.id,
            self.message.version,
            self.system.as_ref().map(|s| s.id.as_str()),
            self.department.as_deref(),
            self.rank.as_deref(),
            self.rule.as_deref(),
        )
    }
}

/// A decision in brief: what the responder does, which message (id and version) and what it
/// points to, without the rendered text — what a diff compares ([`DecisionChange`]), a
/// decision table lists ([`TableRow`]) and a scenario expects ([`Expectation`], its partial
/// form).
///
/// `Display` gives ``outcome `message` vN`` and the system, department and rank that are set
/// (not the rule).
///
/// [`DecisionChange`]: crate::diff::DecisionChange
/// [`TableRow`]: crate::table::TableRow
/// [`Expectation`]: crate::scenario::Expectation
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, DecisionBrief, Engine, Responder};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let contact = Contact::new("c-1", Channel::Phone).with_topic("email.setup");
/// let decision = engine.decide(&contact, &Responder::staff("support-agent"));
/// let brief = DecisionBrief::from(&decision);
/// assert_eq!(brief, decision.to_record().brief());
/// assert!(brief.to_string().starts_with("redirect `"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct DecisionBrief {
    /// What the responder does.
    pub outcome: Outcome,
    /// The message id.
    pub message: String,
    /// The message version.
    pub version: u32,
    /// The system pointed to or spoken about (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The department routed to, or whose ranks are climbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The rank that authorizes or takes over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// The rule that shaped the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl DecisionBrief {
    /// The one constructor, behind [`DecisionRecord::brief`] and `From<&Decision>`: both
    /// briefs of a decision are built from the same fields.
    pub(crate) fn new(
        outcome: Outcome,
        message: &str,
        version: u32,
        system: Option<&str>,
        department: Option<&str>,
        rank: Option<&str>,
        rule: Option<&str>,
    ) -> Self {
        DecisionBrief {
            outcome,
            message: message.to_owned(),
            version,
            system: system.map(str::to_owned),
            department: department.map(str::to_owned),
            rank: rank.map(str::to_owned),
            rule: rule.map(str::to_owned),
        }
    }
}

impl fmt::Display for DecisionBrief {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}` v{}", self.outcome, self.message, self.version)?;
        for (what, v) in [
            ("system", &self.system),
            ("department", &self.department),
            ("rank", &self.rank),
        ] {
            if let Some(v) = v {
                write!(f, " {what} `{v}`")?;
            }
        }
        Ok(())
    }
}

/// The message of a [`DecisionRecord`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct MessageRecord {
    /// The message id.
    pub id: String,
    /// The version delivered.
    pub version: u32,
    /// The locale rendered.
    pub locale: String,
    /// The rendered text.
    pub text: String,
}

/// The system of a [`DecisionRecord`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct SystemRecord {
    /// The system id.
    pub id: String,
    /// Its tier.
    pub tier: Tier,
    /// Its name.
    pub name: String,
    /// Where to find it on the contact's channel.
    #[serde(rename = "where")]
    pub location: String,
}

/// What a customer was told before a substantive change, in a [`DecisionRecord`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct PreviousRecord {
    /// The message id told before.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// The rendered change notice.
    pub notice: String,
}
