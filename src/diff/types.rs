//! What a policy diff lists: [`PolicyDiff`] and its changes ([`MessageChange`],
//! [`MessageChangeKind`], [`DecisionChange`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decision::DecisionBrief;
use crate::diagnostic::Diagnostic;
use crate::model::{Channel, Contact, Responder};

/// What changed between two revisions of a policy, from [`diff`](fn@crate::diff::diff).
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let old = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let new = Engine::from_toml_str(&unified_message::EXAMPLE_POLICY.replace(
///     "Restauraremos nosotros la copia",
///     "Restauraremos la copia",
/// ))?;
/// let diff = unified_message::diff::diff(&old, &new);
/// // The text changed without a new version: customers who heard the old words cannot be
/// // told apart from those who heard the new ones.
/// assert!(diff.diagnostics.iter().any(|d| d.code == "text-changed-without-version"));
/// assert!(!diff.is_clean());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PolicyDiff {
    /// The old policy's revision.
    pub old_revision: String,
    /// The new policy's revision.
    pub new_revision: String,
    /// Errors (a text changed without a new version, history rewritten) and warnings (a
    /// substantive change, a removed topic).
    pub diagnostics: Vec<Diagnostic>,
    /// Every message whose text changed, was added or removed, in id order.
    pub messages: Vec<MessageChange>,
    /// Topics only in the new policy.
    pub added_topics: Vec<String>,
    /// Topics only in the old policy: their contacts now get the fallback topic.
    pub removed_topics: Vec<String>,
    /// Every circumstance (of the topics and responders both policies have, and of the
    /// contacts without a known topic when the fallback changed) whose outcome, message,
    /// system, department or rank changes; identical changes on several channels are one
    /// entry.
    pub decisions: Vec<DecisionChange>,
    /// How many circumstances were compared.
    pub circumstances: u64,
    /// `[policy].fallback` when the new policy names another topic: the contacts with an
    /// unknown topic, no topic or a text below the triage threshold are decided for it, and
    /// their changed decisions are in `decisions` with
    /// [`unknown_topic`](DecisionChange::unknown_topic) set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<FallbackChange>,
    /// The default locale (the first of `[policy].locales`) when it changed, with the messages
    /// that contacts without a known locale now hear in other words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_locale: Option<DefaultLocaleChange>,
}

/// How the contacts without a known topic are labelled: the pseudo-topic of the decision
/// changes that a changed fallback causes.
pub(crate) const UNKNOWN_TOPIC: &str = "(unknown topic / no topic)";

/// A changed `[policy].fallback`, in a [`PolicyDiff`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FallbackChange {
    /// The old policy's fallback topic.
    pub old: String,
    /// The new policy's fallback topic.
    pub new: String,
}

/// A changed default locale, in a [`PolicyDiff`]: every contact without a locale, or with one
/// the policy does not declare, hears the default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DefaultLocaleChange {
    /// The old policy's default locale.
    pub old: String,
    /// The new policy's default locale.
    pub new: String,
    /// The messages of both policies (handover texts as `handover.<kind>`) whose text for a
    /// contact without a known locale differs — in some version, on some channel — in id
    /// order.
    pub messages: Vec<String>,
}

impl PolicyDiff {
    /// The errors: a CI fails on any.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// Whether there is no error.
    pub fn is_clean(&self) -> bool {
        self.errors().next().is_none()
    }

    /// Whether nothing customers hear changes.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
            && self.decisions.is_empty()
            && self.added_topics.is_empty()
            && self.removed_topics.is_empty()
            && self
                .default_locale
                .as_ref()
                .is_none_or(|d| d.messages.is_empty())
    }
}

/// How a message changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageChangeKind {
    /// The message is new.
    Added,
    /// The message was removed.
    Removed,
    /// New versions, all editorial: pinned customers keep hearing their version's words.
    Editorial,
    /// A new substantive version: customers pinned to an older one get a change notice.
    Substantive,
    /// The text changed without a new version (an error).
    Unversioned,
    /// An existing version's text was edited (an error: add a version instead).
    HistoryRewritten,
    /// Versions were removed (an error: pins may name them).
    VersionsRemoved,
    /// A handover text was reworded (handover texts have no versions).
    Handover,
}

impl MessageChangeKind {
    /// The kind in words, for people.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageChangeKind::Added => "added",
            MessageChangeKind::Removed => "removed",
            MessageChangeKind::Editorial => "editorial",
            MessageChangeKind::Substantive => "substantive",
            MessageChangeKind::Unversioned => "text changed without a new version",
            MessageChangeKind::HistoryRewritten => "history rewritten",
            MessageChangeKind::VersionsRemoved => "versions removed",
            MessageChangeKind::Handover => "handover text reworded",
        }
    }
}

impl fmt::Display for MessageChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message whose text changed, in a [`PolicyDiff`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageChange {
    /// The message id (`handover.<outcome>` for handover texts).
    pub id: String,
    /// How it changed.
    pub kind: MessageChangeKind,
    /// The current version in the old policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_version: Option<u32>,
    /// The current version in the new policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version: Option<u32>,
    /// The texts that differ, as `locale` or `channel/locale`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<String>,
}

/// A circumstance whose decision changes, in a [`PolicyDiff`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecisionChange {
    /// The contact (on the first of `channels`).
    pub contact: Contact,
    /// Who answers.
    pub responder: Responder,
    /// Every channel on which the change is the same.
    pub channels: Vec<Channel>,
    /// The old decision, in brief.
    pub before: DecisionBrief,
    /// The new decision, in brief.
    pub after: DecisionBrief,
    /// Whether this is the decision of the contacts with an unknown topic, no topic or a text
    /// below the triage threshold (the `contact` has no topic): each policy decides them for
    /// its own fallback topic, and the fallback changed ([`PolicyDiff::fallback`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unknown_topic: bool,
}
