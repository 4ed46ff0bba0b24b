//! What a pinned decision gives the host: the decision to deliver, what happened to the pin
//! ([`PinStatus`]), and its owned, serializable form ([`PinnedRecord`]).

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use super::handoff::Handoff;
use super::value::Pin;
use crate::decision::{Decision, DecisionRecord};
use crate::template::{NoValues, Values};

/// What a pinned decision did with the pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PinStatus {
    /// The outcome delivers a handover text, which is never pinned; no pin was read or
    /// written for it.
    Unpinned,
    /// The contact names no customer (an empty or blank id): there is no one to keep the
    /// first message for, so no pin was read or written. Anonymous contacts must not share
    /// one customer's pins.
    Anonymous,
    /// The first decision for this key: the delivered message is now pinned.
    New,
    /// A pin was in force and holds: the pinned version is delivered (older than the current
    /// one when only editorial versions came after it).
    Kept,
    /// The pinned message changed substantively, or the slot now names another message: the
    /// current text is delivered with a change notice, and the pin moved forward. When the
    /// policy no longer has the pinned message or version, there is nothing to quote: the
    /// text is delivered without a notice, and [`PinnedDecision::replaced`] names the old pin.
    Moved,
}

impl PinStatus {
    /// The name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PinStatus::Unpinned => "unpinned",
            PinStatus::Anonymous => "anonymous",
            PinStatus::New => "new",
            PinStatus::Kept => "kept",
            PinStatus::Moved => "moved",
        }
    }
}

impl fmt::Display for PinStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A [`Decision`] made against the customer's pins, from [`Engine::decide_pinned`](crate::Engine::decide_pinned): the text
/// to deliver (the pinned version, or the current one with a change notice), what happened to
/// the pin, and the [`Handoff`] for a handover to a person.
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Engine, MemoryPinStore, Responder};
/// use unified_message::pins::{PinStatus, Timestamp};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let store = MemoryPinStore::new();
/// let contact = Contact::new("c-1", Channel::Chat).with_topic("email.setup").with_locale("en");
/// let bot = Responder::system("self-diagnosis");
/// let now = Timestamp::from_unix_seconds(1_764_201_600);
///
/// let first = engine.decide_pinned(&contact, &bot, &store, now)?;
/// assert_eq!(first.status(), PinStatus::New);
/// let again = engine.decide_pinned(&contact.with_channel(Channel::Email), &bot, &store, now)?;
/// assert_eq!(again.status(), PinStatus::Kept);
/// assert_eq!(again.pin(), first.pin());
/// assert!(again.notice().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct PinnedDecision<'e> {
    pub(super) decision: Decision<'e>,
    pub(super) status: PinStatus,
    pub(super) pin: Option<Pin>,
    pub(super) replaced: Option<Pin>,
    pub(super) handoff: Option<Handoff>,
}

impl<'e> PinnedDecision<'e> {
    /// The decision to deliver: its [`Decision::version`] is the pinned version when the pin
    /// held, and its [`Decision::previous`] names what was said before when the pin moved.
    pub fn decision(&self) -> &Decision<'e> {
        &self.decision
    }

    /// The decision, without the pin information.
    pub fn into_decision(self) -> Decision<'e> {
        self.decision
    }

    /// What happened to the pin.
    pub fn status(&self) -> PinStatus {
        self.status
    }

    /// The pin in force after the decision; `None` for handover texts, which are not pinned.
    pub fn pin(&self) -> Option<&Pin> {
        self.pin.as_ref()
    }

    /// The pin this decision replaced, when the pin moved ([`PinStatus::Moved`]): what the
    /// customer was told before, even when the current policy no longer has that message.
    pub fn replaced(&self) -> Option<&Pin> {
        self.replaced.as_ref()
    }

    /// What the next person needs, for `route`, `authorize`, `escalate` and `review`.
    pub fn handoff(&self) -> Option<&Handoff> {
        self.handoff.as_ref()
    }

    /// The text to deliver, without host values ([`Decision::text`]).
    pub fn text(&self) -> String {
        self.decision.text()
    }

    /// The change notice to deliver before the text, when the pin moved
    /// ([`Decision::notice`]).
    pub fn notice(&self) -> Option<String> {
        self.decision.notice()
    }

    /// The owned, serializable form, rendered without host values.
    pub fn to_record(&self) -> PinnedRecord {
        self.to_record_with(&NoValues)
    }

    /// The owned, serializable form, the text and notice rendered with `values` (as
    /// [`Decision::to_record_with`]): what a host sends, rendered once.
    pub fn to_record_with(&self, values: &dyn Values) -> PinnedRecord {
        PinnedRecord {
            decision: self.decision.to_record_with(values),
            status: self.status,
            pin: self.pin.clone(),
            replaced: self.replaced.clone(),
            handoff: self.handoff.clone(),
        }
    }
}

impl Serialize for PinnedDecision<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_record().serialize(serializer)
    }
}

/// The owned form of a [`PinnedDecision`]: what a host stores or sends as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct PinnedRecord {
    /// The decision, rendered.
    pub decision: DecisionRecord,
    /// What happened to the pin.
    pub status: PinStatus,
    /// The pin in force after the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<Pin>,
    /// The pin replaced, when it moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<Pin>,
    /// The handoff, for a handover to a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<Handoff>,
}
