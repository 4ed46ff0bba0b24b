//! The values a pin is made of: when ([`Timestamp`]), which message ([`Slot`]), under which
//! key ([`PinKey`]), and the pin itself ([`Pin`]).

use std::cmp::Ordering;
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
/// use unified_message::pins::Timestamp;
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
/// use unified_message::pins::Slot;
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
/// use unified_message::pins::{PinKey, Slot};
///
/// let key = PinKey::new("customer-42", "email.setup", Slot::Explains);
/// assert_eq!(key.to_string(), "customer `customer-42`, topic `email.setup`, slot `explains`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PinKey {
    /// The customer, as the host's opaque id ([`Contact::customer`](crate::Contact::customer)).
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
/// use unified_message::pins::{Pin, Timestamp};
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// How policy revisions are ordered, so that a host can tell that a pin was written under a
/// newer policy than its own (issue 23 point 1): **natural order** — runs of ASCII digits
/// compare as numbers, everything else character by character, and a revision that extends
/// another sorts after it. Dates (`2026-11-27` < `2026-11-28`), counters (`9` < `10`),
/// versions (`v1.9` < `v1.10`) and timestamps order as written. Two revisions whose runs are
/// all equal (`01` and `1`) fall back to plain byte order, so the order is total.
///
/// A host on revision R that meets a pin written under a revision that sorts after R never
/// moves that pin: it delivers the pinned text if its own policy would keep it, and nothing
/// ([`PinErrorKind::Ahead`](super::PinErrorKind::Ahead)) otherwise. So give every policy
/// change a revision that sorts after the one it replaces.
///
/// # Examples
///
/// ```
/// use std::cmp::Ordering;
/// use unified_message::pins::compare_revisions;
///
/// assert_eq!(compare_revisions("2026-11-27", "2026-11-28"), Ordering::Less);
/// assert_eq!(compare_revisions("r10", "r9"), Ordering::Greater);
/// assert_eq!(compare_revisions("v1.9", "v1.10"), Ordering::Less);
/// assert_eq!(compare_revisions("2026-11-27", "2026-11-27.2"), Ordering::Less);
/// assert_eq!(compare_revisions("kit-2", "kit-2"), Ordering::Equal);
/// ```
pub fn compare_revisions(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (runs(a), runs(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let order = match (digits(p), digits(q)) {
                    (true, true) => {
                        let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                        p.len().cmp(&q.len()).then_with(|| p.cmp(q))
                    }
                    _ => p.cmp(q),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Whether `run` is a run of ASCII digits.
fn digits(run: &str) -> bool {
    run.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// `text` cut into maximal runs of ASCII digits and of other characters.
fn runs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest
            .find(|c: char| c.is_ascii_digit() != digit)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some(run)
    })
}

/// The longest customer id a pin may be stored under, in bytes of UTF-8: every store of the
/// workspace holds it with the longest topic and slot ids (a PostgreSQL primary-key entry
/// must stay under about 2.7 KB).
pub const MAX_CUSTOMER_ID_BYTES: usize = 1024;

/// Why a customer id cannot hold pins: [`check_customer_id`]'s answer, and what a
/// [`PinErrorKind::InvalidCustomer`](super::PinErrorKind::InvalidCustomer) error says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidCustomerId {
    /// Longer than [`MAX_CUSTOMER_ID_BYTES`]; the length in bytes.
    #[error(
        "the customer id is {0} bytes long, over the limit of {MAX_CUSTOMER_ID_BYTES} bytes a pin key may hold; send a shorter id (a database key, or a digest of a longer one)"
    )]
    TooLong(usize),
    /// Contains a NUL character (U+0000), which PostgreSQL text cannot hold; its byte offset.
    #[error(
        "the customer id contains a NUL character (U+0000) at byte {0}, which no pin store can hold as text; send the id without it"
    )]
    Nul(usize),
}

/// The one rule for customer ids, the same for every store and host: a pinned decision for a
/// customer id longer than [`MAX_CUSTOMER_ID_BYTES`] bytes, or containing a NUL character,
/// fails with [`PinErrorKind::InvalidCustomer`](super::PinErrorKind::InvalidCustomer) before
/// any store is asked (issue 23 point 6). Every other string is a valid id (an empty or blank
/// one is an anonymous contact, which touches no store).
///
/// # Errors
///
/// [`InvalidCustomerId`] saying what is wrong.
///
/// # Examples
///
/// ```
/// use unified_message::pins::{InvalidCustomerId, MAX_CUSTOMER_ID_BYTES, check_customer_id};
///
/// assert!(check_customer_id("customer-42 ü \n").is_ok());
/// assert_eq!(check_customer_id("a\0b"), Err(InvalidCustomerId::Nul(1)));
/// let long = "x".repeat(MAX_CUSTOMER_ID_BYTES + 1);
/// assert_eq!(check_customer_id(&long), Err(InvalidCustomerId::TooLong(1025)));
/// ```
pub fn check_customer_id(customer: &str) -> Result<(), InvalidCustomerId> {
    if customer.len() > MAX_CUSTOMER_ID_BYTES {
        return Err(InvalidCustomerId::TooLong(customer.len()));
    }
    match customer.find('\0') {
        Some(at) => Err(InvalidCustomerId::Nul(at)),
        None => Ok(()),
    }
}
