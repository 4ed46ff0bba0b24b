//! The values a pin is made of: when ([`Timestamp`]), which message ([`Slot`]), under which
//! key ([`PinKey`]), and the pin itself ([`Pin`]).

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::Tier;

/// A point in time the host passes in, as seconds since the Unix epoch (the library has no
/// clock). Serialized as the bare number.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use unified_message::Timestamp;
///
/// let at = Timestamp::from_unix_seconds(1_764_201_600);
/// assert_eq!(at.as_unix_seconds(), 1_764_201_600);
/// assert_eq!(Timestamp::from(UNIX_EPOCH + Duration::from_secs(1_764_201_600)), at);
/// assert_eq!(serde_json::to_string(&at)?, "1764201600");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The time `seconds` after the Unix epoch (negative: before it).
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Timestamp(seconds)
    }

    /// Seconds since the Unix epoch.
    pub const fn as_unix_seconds(self) -> i64 {
        self.0
    }
}

impl From<SystemTime> for Timestamp {
    /// Whole seconds since the Unix epoch, saturating far outside the `i64` range.
    fn from(time: SystemTime) -> Self {
        let seconds = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        Timestamp(seconds)
    }
}

impl fmt::Display for Timestamp {
    /// The seconds since the Unix epoch.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which of a topic's messages a pin holds: what a system explains, what a system serves, a
/// person's answer, or a rule's fixed answer.
///
/// Only *answers* are pinned — the `answer` outcome's message. Handover texts (`redirect`,
/// `route`, `authorize`, `escalate`, `review`) are the same words for every customer and say
/// nothing a later contact could contradict, so they are never pinned.
///
/// A rule's fixed answer (an outage notice) has a slot of its own, keyed by the rule's id: it
/// overlays the topic's messages for as long as the rule applies without replacing them, so a
/// customer who heard the outage notice keeps their pin on the topic's guide, and hears no
/// "the procedure changed" notice when the outage ends.
///
/// Written as `explains`, `serves`, `answer` or `rule:ID` (its [`fmt::Display`] and
/// [`FromStr`] forms, also its serde form): one text column in SQL, one key segment in a
/// key-value store.
///
/// # Examples
///
/// ```
/// use unified_message::Slot;
///
/// assert_eq!(Slot::Explains.to_string(), "explains");
/// let outage: Slot = "rule:email-outage".parse()?;
/// assert_eq!(outage, Slot::Rule("email-outage".into()));
/// assert!("elsewhere".parse::<Slot>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Slot {
    /// The topic's message given by a system that explains (R0.4 tier 1).
    Explains,
    /// The topic's message given by a system that serves (R0.4 tier 2).
    Serves,
    /// The answer a person gives once the systems are exhausted.
    Answer,
    /// The fixed answer of the rule with this id, given by every responder.
    Rule(String),
}

impl Slot {
    /// The slot of a topic's system tier.
    pub fn for_tier(tier: Tier) -> Slot {
        match tier {
            Tier::Explains => Slot::Explains,
            Tier::Serves => Slot::Serves,
            Tier::Person => Slot::Answer,
        }
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Slot::Explains => f.write_str("explains"),
            Slot::Serves => f.write_str("serves"),
            Slot::Answer => f.write_str("answer"),
            Slot::Rule(id) => write!(f, "rule:{id}"),
        }
    }
}

/// A text that is not a [`Slot`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown pin slot `{0}`: expected `explains`, `serves`, `answer` or `rule:ID`")]
pub struct ParseSlotError(String);

impl FromStr for Slot {
    type Err = ParseSlotError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "explains" => Ok(Slot::Explains),
            "serves" => Ok(Slot::Serves),
            "answer" => Ok(Slot::Answer),
            _ => match s.strip_prefix("rule:") {
                Some(id) if !id.is_empty() => Ok(Slot::Rule(id.to_owned())),
                _ => Err(ParseSlotError(s.to_owned())),
            },
        }
    }
}

impl Serialize for Slot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Slot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What a pin is stored under: a customer, a topic and a slot. Its three fields are the
/// store's primary key.
///
/// # Examples
///
/// ```
/// use unified_message::{PinKey, Slot};
///
/// let key = PinKey::new("customer-42", "email.setup", Slot::Explains);
/// assert_eq!(key.to_string(), "customer `customer-42`, topic `email.setup`, slot `explains`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PinKey {
    /// The customer, as the host's opaque id ([`Contact::customer`]).
    pub customer: String,
    /// The topic id.
    pub topic: String,
    /// Which of the topic's messages.
    pub slot: Slot,
}

impl PinKey {
    /// The key of `customer`'s pin on `topic` and `slot`.
    pub fn new(customer: impl Into<String>, topic: impl Into<String>, slot: Slot) -> Self {
        PinKey {
            customer: customer.into(),
            topic: topic.into(),
            slot,
        }
    }
}

impl fmt::Display for PinKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "customer `{}`, topic `{}`, slot `{}`",
            self.customer, self.topic, self.slot
        )
    }
}

/// What a customer was given: a message, its version, the policy revision that gave it, and
/// when. A pin is a value: two pins are the same pin when every field is equal.
///
/// Every field is part of the storage contract: a store keeps all four and compares all four.
///
/// # Examples
///
/// ```
/// use unified_message::{Pin, Timestamp};
///
/// let pin = Pin::new("email-setup-guide", 3, "2026-11-27", Timestamp::from_unix_seconds(1_764_201_600));
/// let json = serde_json::to_string(&pin)?;
/// assert_eq!(
///     json,
///     r#"{"message":"email-setup-guide","version":3,"revision":"2026-11-27","at":1764201600}"#
/// );
/// assert_eq!(serde_json::from_str::<Pin>(&json)?, pin);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pin {
    /// The message id.
    pub message: String,
    /// The version of the message delivered, from 1.
    pub version: u32,
    /// The revision of the policy that delivered it.
    pub revision: String,
    /// When, as the host said.
    pub at: Timestamp,
}

impl Pin {
    /// A pin on `version` of `message`, given by policy `revision` at `at`.
    pub fn new(
        message: impl Into<String>,
        version: u32,
        revision: impl Into<String>,
        at: Timestamp,
    ) -> Self {
        Pin {
            message: message.into(),
            version,
            revision: revision.into(),
            at,
        }
    }
}
