//! What a scenario expects ([`Expectation`], [`ExpectedFlags`]) and how one expected field is
//! compared with the decision ([`Mismatch`]).

use serde::{Deserialize, Serialize};

use crate::decision::{DecisionBrief, Outcome};
use crate::model::Authority;

/// What a scenario's decision must be. Every field left as `None` is not checked; a string
/// field set to `""` expects the decision to have no such value.
///
/// Its `outcome`, `message`, `version`, `system`, `department`, `rank` and `rule` are the
/// partial form of a [`DecisionBrief`], compared by [`Expectation::brief_mismatches`]; the
/// other fields check what a brief leaves out (the topic, the locale, the authority, the
/// rendered text, the flags).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Expectation {
    /// The outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The topic decided on (after triage or fallback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The message id (`handover.redirect`-style ids for handover texts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The message version, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The locale rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The system pointed to or spoken about.
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
    /// The authority that applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    /// A piece of text the rendered message must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_contains: Option<String>,
    /// Flags that must be set (`true`) or clear (`false`).
    #[serde(default, skip_serializing_if = "ExpectedFlags::is_empty")]
    pub flags: ExpectedFlags,
}

impl Expectation {
    /// An expectation of just an outcome.
    pub fn outcome(outcome: Outcome) -> Self {
        Expectation {
            outcome: Some(outcome),
            ..Expectation::default()
        }
    }

    /// Whether nothing is expected (such a scenario could never fail).
    pub fn is_empty(&self) -> bool {
        *self == Expectation::default()
    }

    /// What this expectation says of the decision in brief (`outcome`, `message`, `version`,
    /// `system`, `department`, `rank`, `rule`) that `brief` does not bear out, one
    /// [`Mismatch`] per field in that order; the other fields are not compared here.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, DecisionBrief, Engine, Outcome, Responder};
    /// use unified_message::scenario::Expectation;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let contact = Contact::new("c-1", Channel::Phone).with_topic("email.setup");
    /// let brief = DecisionBrief::from(&engine.decide(&contact, &Responder::staff("support-agent")));
    /// assert!(Expectation::outcome(Outcome::Redirect).brief_mismatches(&brief).is_empty());
    /// let wrong = Expectation::outcome(Outcome::Answer).brief_mismatches(&brief);
    /// assert_eq!((wrong[0].expected.as_str(), wrong[0].actual.as_str()), ("`answer`", "`redirect`"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn brief_mismatches(&self, brief: &DecisionBrief) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if let Some(o) = self.outcome {
            if o != brief.outcome {
                out.push(Mismatch {
                    field: "outcome".to_owned(),
                    expected: format!("`{o}`"),
                    actual: format!("`{}`", brief.outcome),
                });
            }
        }
        compare(
            &mut out,
            "message",
            self.message.as_deref(),
            Some(&brief.message),
        );
        if let Some(v) = self.version {
            if v != brief.version {
                out.push(Mismatch {
                    field: "version".to_owned(),
                    expected: v.to_string(),
                    actual: brief.version.to_string(),
                });
            }
        }
        for (field, expected, actual) in [
            ("system", &self.system, &brief.system),
            ("department", &self.department, &brief.department),
            ("rank", &self.rank, &brief.rank),
            ("rule", &self.rule, &brief.rule),
        ] {
            compare(&mut out, field, expected.as_deref(), actual.as_deref());
        }
        out
    }
}

/// The fields of `expect`, in the order a scenario's mismatches are listed (after those of
/// its contact).
const EXPECT_FIELDS: [&str; 12] = [
    "outcome",
    "topic",
    "message",
    "version",
    "locale",
    "system",
    "department",
    "rank",
    "rule",
    "authority",
    "text_contains",
    "flags",
];

/// Where a mismatch goes in a scenario's list: the contact's first, then by [`EXPECT_FIELDS`]
/// (`flags.*` with `flags`).
pub(super) fn field_order(field: &str) -> usize {
    let head = field.split('.').next().unwrap_or(field);
    EXPECT_FIELDS
        .iter()
        .position(|f| *f == head)
        .map_or(0, |i| i + 1)
}

/// Flags a scenario expects set or clear; `None` is not checked.
///
/// `unknown_responder`, and `fallback_topic` and `locale_fallback` for a contact that names a
/// topic or a locale, are expected clear unless said otherwise, so that a misspelt role, topic
/// or locale fails the scenario instead of silently testing the fallback. (A channel or a fact
/// the policy does not know fails it too.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ExpectedFlags {
    /// See [`Flags::system_gap`](crate::Flags::system_gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_gap: Option<bool>,
    /// See [`Flags::fallback_topic`](crate::Flags::fallback_topic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_topic: Option<bool>,
    /// See [`Flags::locale_fallback`](crate::Flags::locale_fallback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale_fallback: Option<bool>,
    /// See [`Flags::unknown_responder`](crate::Flags::unknown_responder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_responder: Option<bool>,
    /// See [`Flags::ladder_skipped`](crate::Flags::ladder_skipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ladder_skipped: Option<bool>,
    /// See [`Flags::stale_key`](crate::Flags::stale_key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_key: Option<bool>,
    /// See [`Flags::ambiguous_topic`](crate::Flags::ambiguous_topic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambiguous_topic: Option<bool>,
}

impl ExpectedFlags {
    /// Whether no flag is expected.
    pub fn is_empty(&self) -> bool {
        *self == ExpectedFlags::default()
    }
}

/// One expected field that the decision did not have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Mismatch {
    /// The field of `expect` (`outcome`, `flags.system_gap`).
    pub field: String,
    /// What the scenario expected (`(none)` for an expected absence).
    pub expected: String,
    /// What the decision had (`(none)` when absent).
    pub actual: String,
}

pub(super) fn shown(value: Option<&str>) -> String {
    match value {
        Some(v) if !v.is_empty() => format!("`{v}`"),
        _ => "(none)".to_owned(),
    }
}

/// Compares one optional string field; `""` expects absence.
pub(super) fn compare(
    out: &mut Vec<Mismatch>,
    field: &str,
    expected: Option<&str>,
    actual: Option<&str>,
) {
    let Some(expected) = expected else { return };
    let actual_value = actual.unwrap_or("");
    if expected != actual_value {
        out.push(Mismatch {
            field: field.to_owned(),
            expected: shown(Some(expected)),
            actual: shown(actual),
        });
    }
}

pub(super) fn compare_flag(
    out: &mut Vec<Mismatch>,
    field: &str,
    expected: Option<bool>,
    actual: bool,
) {
    if let Some(expected) = expected {
        if expected != actual {
            out.push(Mismatch {
                field: format!("flags.{field}"),
                expected: expected.to_string(),
                actual: actual.to_string(),
            });
        }
    }
}
