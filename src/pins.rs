//! The first message wins (R0.3): pins, the storage trait the host implements, an in-memory
//! store, pinned decisions and the handoff that travels with a customer (R3.6).
//!
//! A *pin* records which version of which message a customer got for a topic and slot. A later
//! decision for the same key delivers the pinned version while only editorial versions came
//! after it, and the current text with a change notice once a substantive version (or another
//! message) took its place — moving the pin forward with an atomic compare-and-replace, so that
//! two channels answering the same customer at the same instant cannot pin two stories.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{PoisonError, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::decision::{Decision, DecisionRecord, Outcome};
use crate::document::Change;
use crate::engine::{Engine, Ix, NONE, TierRef};
use crate::model::{Channel, Contact, Facts, Progress, Responder, Tier};

/// How many times [`Engine::decide_pinned`] re-reads a pin that another host moved under it
/// before giving up with [`PinErrorKind::Contention`].
const MAX_ATTEMPTS: usize = 8;

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

/// A failure of a [`PinStore`]: the host's database could not be read or written. Carries a
/// message and, optionally, the underlying error (a driver's), as its `source`.
///
/// # Examples
///
/// ```
/// use std::error::Error as _;
/// use unified_message::PinStoreError;
///
/// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 2 s");
/// let err = PinStoreError::with_source("the pin database did not answer", io);
/// assert_eq!(err.to_string(), "the pin database did not answer");
/// assert_eq!(err.source().map(|s| s.to_string()).as_deref(), Some("no answer in 2 s"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PinStoreError {
    message: Box<str>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl PinStoreError {
    /// An error saying `message` (lowercase, no final period, what failed).
    pub fn new(message: impl Into<String>) -> Self {
        PinStoreError {
            message: message.into().into_boxed_str(),
            source: None,
        }
    }

    /// An error saying `message`, caused by `source` (the database driver's error).
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        PinStoreError {
            message: message.into().into_boxed_str(),
            source: Some(source.into()),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Where pins live: implemented by the host on its own database, shared by every channel and
/// host that answers customers, so that they all see the same pins.
///
/// # The contract
///
/// An implementation on SQL or a key-value store must meet all of this; the semantics of
/// [`Engine::decide_pinned`] (one story per customer, whatever races) rest on it.
///
/// - **One pin per key, compared as a value.** A key ([`PinKey`]: customer, topic, slot) holds
///   at most one [`Pin`]. Pins are compared on all four fields (`message`, `version`,
///   `revision`, `at`), exactly, so store them without loss (`at` as a 64-bit integer).
/// - **Atomic per key.** [`insert_if_absent`](PinStore::insert_if_absent) and
///   [`compare_and_replace`](PinStore::compare_and_replace) are each one atomic step on their
///   key, linearizable with every other call on that key from any thread, process or host: in
///   SQL, one transaction that writes and reads back (`BEGIN IMMEDIATE`, or `INSERT … ON
///   CONFLICT DO NOTHING` then `SELECT`; `UPDATE … WHERE` every old column matches, then
///   `SELECT`) on a primary key of `(customer, topic, slot)`; in a key-value store, its
///   conditional put (put-if-absent, compare-and-swap on the serialized pin or on a version
///   counter). Nothing needs to be atomic across keys.
/// - **A lost race is not an error.** When another writer got there first, return the pin that
///   is in force *after* the call — the winner's — with `Ok`. Return `Err` only when the store
///   could not answer, and then the write must either have happened entirely or not at all.
/// - **Reads see what is in force.** [`get`](PinStore::get) returns the last pin written
///   (a read after a successful write, on any host, sees it or a later one). A replica that
///   lags behind breaks the guarantee; read from the primary.
/// - **Idempotent.** Repeating a call with the same arguments changes nothing more: inserting
///   a pin equal to the one in force returns it; replacing with `expected == new` returns it.
///   So a call whose reply was lost can be retried safely.
/// - **Durable** as the host's data is: a pin written and acknowledged survives a restart.
///
/// The in-crate [`MemoryPinStore`] meets the contract for one process; the
/// `examples/sqlite_pins` store meets it on SQLite, across processes sharing the file.
///
/// # Examples
///
/// ```
/// use unified_message::{MemoryPinStore, Pin, PinKey, PinStore, Slot, Timestamp};
///
/// let store = MemoryPinStore::new();
/// let key = PinKey::new("c-1", "billing.refund", Slot::Explains);
/// let first = Pin::new("refund-policy", 1, "r1", Timestamp::from_unix_seconds(10));
/// let second = Pin::new("refund-policy", 2, "r2", Timestamp::from_unix_seconds(20));
///
/// assert_eq!(store.insert_if_absent(&key, first.clone())?, first);
/// // Losing the race returns the winner.
/// assert_eq!(store.insert_if_absent(&key, second.clone())?, first);
/// // Replacing needs the pin in force.
/// assert_eq!(store.compare_and_replace(&key, &second, first.clone())?, Some(first.clone()));
/// assert_eq!(store.compare_and_replace(&key, &first, second.clone())?, Some(second.clone()));
/// assert_eq!(store.get(&key)?, Some(second));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait PinStore {
    /// The pin in force for `key`, if any.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the store cannot be read.
    fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError>;

    /// Stores `pin` under `key` unless a pin is already there; returns the pin in force after
    /// the call: `pin` if it was stored, else the one that was there (the race's winner).
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the store cannot be written or read; nothing, or everything,
    /// was written.
    fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError>;

    /// Replaces the pin under `key` with `new` only if the pin in force equals `expected` (all
    /// four fields); returns the pin in force after the call: `new` if it replaced, else the
    /// one found — `None` when the key has no pin (the host erased it), in which case nothing
    /// is written.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the store cannot be written or read; nothing, or everything,
    /// was written.
    fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError>;

    /// The pins in force for several keys, in the order of `keys`; used to build a
    /// [`Handoff`]. The default calls [`get`](PinStore::get) for each key; a SQL store may
    /// override it with one query. It need not be atomic across keys.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the store cannot be read.
    fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        keys.iter().map(|k| self.get(k)).collect()
    }
}

impl<S: PinStore + ?Sized> PinStore for &S {
    fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        (**self).get(key)
    }

    fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        (**self).insert_if_absent(key, pin)
    }

    fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        (**self).compare_and_replace(key, expected, new)
    }

    fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        (**self).get_many(keys)
    }
}

impl<S: PinStore + ?Sized> PinStore for std::sync::Arc<S> {
    fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        (**self).get(key)
    }

    fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        (**self).insert_if_absent(key, pin)
    }

    fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        (**self).compare_and_replace(key, expected, new)
    }

    fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        (**self).get_many(keys)
    }
}

/// A thread-safe [`PinStore`] in memory: for tests, single-process hosts, and as the
/// reference a database store is checked against. Pins are lost when it is dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use unified_message::{Channel, Contact, Engine, MemoryPinStore, Responder, Timestamp};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let store = Arc::new(MemoryPinStore::new());
/// let contact = Contact::new("c-1", Channel::Web).with_topic("billing.refund");
/// let now = Timestamp::from_unix_seconds(1_764_201_600);
/// engine.decide_pinned(&contact, &Responder::system("self-diagnosis"), &store, now)?;
/// assert_eq!(store.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryPinStore {
    pins: RwLock<HashMap<PinKey, Pin>>,
}

impl MemoryPinStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryPinStore::default()
    }

    /// How many pins it holds.
    pub fn len(&self) -> usize {
        self.pins
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether it holds no pin.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every pin, ordered by key.
    pub fn snapshot(&self) -> Vec<(PinKey, Pin)> {
        let pins = self.pins.read().unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<(PinKey, Pin)> =
            pins.iter().map(|(k, p)| (k.clone(), p.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

// A panic while the lock is held cannot leave the map half-written (each operation is one
// `HashMap` call), so a poisoned lock is recovered rather than reported.
impl PinStore for MemoryPinStore {
    fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        let pins = self.pins.read().unwrap_or_else(PoisonError::into_inner);
        Ok(pins.get(key).cloned())
    }

    fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        let mut pins = self.pins.write().unwrap_or_else(PoisonError::into_inner);
        Ok(pins.entry(key.clone()).or_insert(pin).clone())
    }

    fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        let mut pins = self.pins.write().unwrap_or_else(PoisonError::into_inner);
        Ok(match pins.get_mut(key) {
            Some(current) if current == expected => {
                *current = new;
                Some(current.clone())
            }
            Some(current) => Some(current.clone()),
            None => None,
        })
    }
}

/// What a pinned decision did with the pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// current text is delivered with a change notice, and the pin moved forward.
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

/// What [`Engine::decide_pinned`] was doing when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PinErrorKind {
    /// The store failed to read a pin.
    Read,
    /// The store failed to insert the first pin.
    Insert,
    /// The store failed to move a pin forward.
    Replace,
    /// The pin kept changing under every attempt: other hosts are answering this customer
    /// with other policy revisions at the same moment.
    Contention,
}

/// Why [`Engine::decide_pinned`] delivered nothing. Whatever the failure, no text was given
/// that could contradict the pin in force; the host retries, or answers with
/// [`Engine::decide`] knowing that the first message may then not be kept.
///
/// The store's own error, when there is one, is the [`source`](std::error::Error::source).
///
/// # Examples
///
/// ```
/// use unified_message::{
///     Channel, Contact, Engine, Pin, PinErrorKind, PinKey, PinStore, PinStoreError, Responder,
///     Timestamp,
/// };
///
/// /// A database that is down.
/// struct Down;
///
/// impl PinStore for Down {
///     fn get(&self, _: &PinKey) -> Result<Option<Pin>, PinStoreError> {
///         Err(PinStoreError::new("connection refused"))
///     }
///     fn insert_if_absent(&self, _: &PinKey, _: Pin) -> Result<Pin, PinStoreError> {
///         Err(PinStoreError::new("connection refused"))
///     }
///     fn compare_and_replace(&self, _: &PinKey, _: &Pin, _: Pin) -> Result<Option<Pin>, PinStoreError> {
///         Err(PinStoreError::new("connection refused"))
///     }
/// }
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let contact = Contact::new("c-1", Channel::Web).with_topic("email.setup");
/// let bot = Responder::system("self-diagnosis");
/// let err = engine
///     .decide_pinned(&contact, &bot, &Down, Timestamp::from_unix_seconds(0))
///     .unwrap_err();
/// assert_eq!(err.kind(), PinErrorKind::Read);
/// assert_eq!(
///     err.to_string(),
///     "the pin store could not read the pin of customer `c-1`, topic `email.setup`, slot `explains`, \
///      so no text was delivered; retry once the store answers"
/// );
/// // `decide` stays total: the host can still answer, without the pin.
/// let _unpinned = engine.decide(&contact, &bot);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct PinError {
    kind: PinErrorKind,
    key: PinKey,
    #[source]
    source: Option<PinStoreError>,
}

impl PinError {
    fn store(kind: PinErrorKind, key: &PinKey) -> impl FnOnce(PinStoreError) -> PinError + '_ {
        move |source| PinError {
            kind,
            key: key.clone(),
            source: Some(source),
        }
    }

    /// What failed.
    pub fn kind(&self) -> PinErrorKind {
        self.kind
    }

    /// The pin concerned.
    pub fn key(&self) -> &PinKey {
        &self.key
    }

    /// The store's error, unless the failure is [`PinErrorKind::Contention`].
    pub fn store_error(&self) -> Option<&PinStoreError> {
        self.source.as_ref()
    }

    fn describe(&self) -> String {
        let key = &self.key;
        match self.kind {
            PinErrorKind::Read => format!(
                "the pin store could not read the pin of {key}, so no text was delivered; retry once the store answers"
            ),
            PinErrorKind::Insert => format!(
                "the pin store could not record the first pin of {key}, so no text was delivered; retry once the store answers"
            ),
            PinErrorKind::Replace => format!(
                "the pin store could not move the pin of {key} to the changed message, so no text was delivered; retry once the store answers"
            ),
            PinErrorKind::Contention => format!(
                "the pin of {key} changed under each of {MAX_ATTEMPTS} attempts: hosts with different policy revisions are answering this customer at once; retry when every host runs the same revision"
            ),
        }
    }
}

/// One thing a customer was already told about a topic, in a [`Handoff`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Told {
    /// Which of the topic's messages.
    pub slot: Slot,
    /// The pin: message, version, policy revision and time.
    pub pin: Pin,
    /// The pinned version's text in the contact's locale and channel, without host values;
    /// `None` when the current policy no longer holds that message or version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// What the next person needs so that the customer repeats nothing (R3.6): carried by
/// `route`, `authorize`, `escalate` and `review` decisions from [`Engine::decide_pinned`].
///
/// Owned and serializable: the host attaches it to the case it hands over.
///
/// # Examples
///
/// ```
/// use unified_message::{
///     Channel, Contact, Engine, MemoryPinStore, Outcome, Progress, Responder, Slot, Timestamp,
/// };
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let store = MemoryPinStore::new();
/// let now = Timestamp::from_unix_seconds(1_764_201_600);
/// let chat = Contact::new("c-9", Channel::Chat).with_topic("domain.delegation").with_locale("en");
/// // The help centre explains delegation on chat; the pin records it.
/// engine.decide_pinned(&chat, &Responder::system("self-diagnosis"), &store, now)?;
///
/// // Later the customer phones sales, which routes them to support with a handoff.
/// let phone = chat
///     .with_channel(Channel::Phone)
///     .with_progress(Progress::Served)
///     .with_text("my domain does not point to my new site");
/// let routed = engine.decide_pinned(&phone, &Responder::staff("sales-agent"), &store, now)?;
/// let handoff = routed.handoff().expect("a route carries a handoff");
/// assert_eq!(handoff.outcome, Outcome::Route);
/// assert_eq!(handoff.department.as_deref(), Some("support"));
/// assert_eq!(handoff.words.as_deref(), Some("my domain does not point to my new site"));
/// assert_eq!(handoff.told[0].slot, Slot::Explains);
/// assert_eq!(handoff.told[0].pin.message, "domain-delegation-guide");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Handoff {
    /// The customer.
    pub customer: String,
    /// The topic.
    pub topic: String,
    /// How the customer is handed on.
    pub outcome: Outcome,
    /// The department the customer goes to, or whose ranks are climbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The rank that takes over or authorizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// The channel the customer is on now.
    pub channel: Channel,
    /// The locale of the conversation.
    pub locale: String,
    /// How far up the ladder the customer already went for this topic.
    pub progress: Progress,
    /// The facts the host supplied.
    #[serde(default, skip_serializing_if = "Facts::is_empty")]
    pub facts: Facts,
    /// The customer's own words, when the contact carried them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<String>,
    /// Whether the customer asked for a superior.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asks_for_superior: bool,
    /// What this customer was already told about this topic, in ladder order (explains,
    /// serves, answer, then rules' fixed answers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub told: Vec<Told>,
}

/// A [`Decision`] made against the customer's pins, from [`Engine::decide_pinned`]: the text
/// to deliver (the pinned version, or the current one with a change notice), what happened to
/// the pin, and the [`Handoff`] for a handover to a person.
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Engine, MemoryPinStore, PinStatus, Responder, Timestamp};
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
    decision: Decision<'e>,
    status: PinStatus,
    pin: Option<Pin>,
    replaced: Option<Pin>,
    handoff: Option<Handoff>,
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
        PinnedRecord {
            decision: self.decision.to_record(),
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

/// Whether a pin holds against the message a decision would deliver now.
enum Verdict {
    /// Deliver this version of the same message.
    Keep(u32),
    /// Deliver the current text with a notice, and move the pin.
    Replace,
}

impl Engine {
    /// [`Engine::decide`], keeping the first message the customer got (R0.3) through the
    /// host's `store`; `now` is the host's clock reading, recorded in new pins.
    ///
    /// An `answer` is pinned under (customer, topic, [`Slot`]):
    ///
    /// - no pin yet → the current version is delivered and pinned ([`PinStatus::New`]);
    /// - a pin on the same message with only `editorial` versions after it → the **pinned
    ///   version** is delivered ([`PinStatus::Kept`]): the same words on every channel;
    /// - a `substantive` version after the pin, the slot now naming another message, or a
    ///   pinned version this policy no longer has → the current text is delivered with a
    ///   change notice naming what was said before ([`Decision::previous`],
    ///   [`Decision::notice`]), and the pin moves forward by compare-and-replace
    ///   ([`PinStatus::Moved`]). When another host moved it first, its pin is judged in turn.
    ///
    /// Handover texts are not pinned ([`PinStatus::Unpinned`]); `route`, `authorize`,
    /// `escalate` and `review` carry a [`Handoff`] with what the customer was already told.
    /// A contact without a customer id (empty or blank) is decided without touching the
    /// store ([`PinStatus::Anonymous`], and a handoff that lists nothing told).
    ///
    /// # Errors
    ///
    /// [`PinError`] when the store fails, or when the pin keeps moving under every attempt.
    /// No text is delivered then: in particular, a store that fails to move a pin never lets
    /// the changed text out while the old pin is still in force. [`Engine::decide`] stays
    /// total for hosts that must answer anyway. When a move was written but the store's
    /// reply was lost, the retry finds the pin already moved and delivers the new text without
    /// the notice: the customer hears the current procedure, never the old one.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Engine, MemoryPinStore, PinStatus, Responder, Timestamp};
    ///
    /// let store = MemoryPinStore::new();
    /// let chat = Contact::new("customer-42", Channel::Chat).with_topic("billing.refund").with_locale("en");
    /// let bot = Responder::system("self-diagnosis");
    ///
    /// // Policy revision 1: the refund conditions as first written.
    /// let before = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let first = before.decide_pinned(&chat, &bot, &store, Timestamp::from_unix_seconds(100))?;
    /// assert_eq!((first.status(), first.decision().version()), (PinStatus::New, 2));
    ///
    /// // Revision 2 changes the procedure: the customer hears the new text, told what changed.
    /// let after = Engine::from_toml_str(&format!(
    ///     "{}\n[[messages.refund-policy.versions]]\nchange = \"substantive\"\n\
    ///      text.es = \"Tiene 14 días.\"\ntext.en = \"You have 14 days.\"\n",
    ///     unified_message::EXAMPLE_POLICY
    /// ))?;
    /// let phone = chat.with_channel(Channel::Phone);
    /// let later = after.decide_pinned(&phone, &bot, &store, Timestamp::from_unix_seconds(200))?;
    /// assert_eq!(later.status(), PinStatus::Moved);
    /// assert_eq!(later.text(), "You have 14 days.");
    /// assert_eq!(later.decision().previous(), Some(("refund-policy", 2)));
    /// assert!(later.notice().is_some_and(|n| n.contains("30 days")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_pinned<S: PinStore + ?Sized>(
        &self,
        contact: &Contact,
        responder: &Responder,
        store: &S,
        now: Timestamp,
    ) -> Result<PinnedDecision<'_>, PinError> {
        let mut decision = self.decide(contact, responder);
        if contact.customer.trim().is_empty() {
            let handoff = match decision.outcome() {
                Outcome::Route | Outcome::Authorize | Outcome::Escalate | Outcome::Review => {
                    Some(self.handoff_told(contact, &decision, Vec::new()))
                }
                _ => None,
            };
            return Ok(PinnedDecision {
                decision,
                status: PinStatus::Anonymous,
                pin: None,
                replaced: None,
                handoff,
            });
        }
        let handoff = match decision.outcome() {
            Outcome::Route | Outcome::Authorize | Outcome::Escalate | Outcome::Review => {
                Some(self.handoff(contact, &decision, store)?)
            }
            _ => None,
        };
        let Some(slot) = self.slot_of(&decision) else {
            return Ok(PinnedDecision {
                decision,
                status: PinStatus::Unpinned,
                pin: None,
                replaced: None,
                handoff,
            });
        };
        let key = PinKey::new(contact.customer.as_str(), decision.topic(), slot);
        let fresh = Pin::new(
            decision.message_id(),
            decision.version(),
            self.revision(),
            now,
        );
        let (mut in_force, mut made_here) = match store
            .get(&key)
            .map_err(PinError::store(PinErrorKind::Read, &key))?
        {
            Some(pin) => (pin, false),
            None => self.insert(store, &key, &fresh)?,
        };
        for _ in 0..MAX_ATTEMPTS {
            match self.judge(&decision, &in_force) {
                Verdict::Keep(version) => {
                    decision.set_version(version);
                    return Ok(PinnedDecision {
                        decision,
                        status: if made_here {
                            PinStatus::New
                        } else {
                            PinStatus::Kept
                        },
                        pin: Some(in_force),
                        replaced: None,
                        handoff,
                    });
                }
                Verdict::Replace => {
                    let after = store
                        .compare_and_replace(&key, &in_force, fresh.clone())
                        .map_err(PinError::store(PinErrorKind::Replace, &key))?;
                    match after {
                        Some(pin) if pin == fresh => {
                            let previous = self
                                .message_index
                                .get(in_force.message.as_str())
                                .copied()
                                .unwrap_or(NONE);
                            decision.set_previous(previous, in_force.version);
                            return Ok(PinnedDecision {
                                decision,
                                status: PinStatus::Moved,
                                pin: Some(pin),
                                replaced: Some(in_force),
                                handoff,
                            });
                        }
                        // Another host moved the pin first: judge its pin.
                        Some(pin) => (in_force, made_here) = (pin, false),
                        // The host erased the pin meanwhile: start afresh.
                        None => (in_force, made_here) = self.insert(store, &key, &fresh)?,
                    }
                }
            }
        }
        Err(PinError {
            kind: PinErrorKind::Contention,
            key,
            source: None,
        })
    }

    /// Inserts `fresh`; the pin in force, and whether it is `fresh`.
    fn insert<S: PinStore + ?Sized>(
        &self,
        store: &S,
        key: &PinKey,
        fresh: &Pin,
    ) -> Result<(Pin, bool), PinError> {
        let pin = store
            .insert_if_absent(key, fresh.clone())
            .map_err(PinError::store(PinErrorKind::Insert, key))?;
        let mine = pin == *fresh;
        Ok((pin, mine))
    }

    /// Whether `pin` holds against what `decision` would deliver now.
    fn judge(&self, decision: &Decision<'_>, pin: &Pin) -> Verdict {
        if pin.message != decision.message_id() {
            return Verdict::Replace;
        }
        let Some(message) = self.messages.get(decision.message_ix() as usize) else {
            return Verdict::Replace;
        };
        if pin.version == 0 || message.version(pin.version).is_none() {
            // The policy no longer holds what the customer was told: a change they must hear.
            return Verdict::Replace;
        }
        let editorial_since = message
            .versions
            .iter()
            .skip(pin.version as usize)
            .all(|v| v.change == Some(Change::Editorial));
        if editorial_since {
            Verdict::Keep(pin.version)
        } else {
            Verdict::Replace
        }
    }

    /// The slot a decision's message is pinned under; `None` for handover texts.
    pub(crate) fn slot_of(&self, d: &Decision<'_>) -> Option<Slot> {
        if d.outcome() != Outcome::Answer || d.message_ix() == NONE || d.version() == 0 {
            return None;
        }
        let m = d.message_ix();
        if let Some(rule) = d.rule.and_then(|r| self.rules.get(r as usize)) {
            if rule.answer == Some(m) {
                return Some(Slot::Rule(rule.id.to_string()));
            }
        }
        let Some(system) = d.system() else {
            return Some(Slot::Answer);
        };
        let topic = self.topics.get(d.topic_ix() as usize)?;
        let explains = topic.explains.is_some_and(|t| t.message == m);
        let serves = topic.serves.is_some_and(|t| t.message == m);
        Some(match (explains, serves) {
            (true, true) => Slot::for_tier(system.tier),
            (false, true) => Slot::Serves,
            // The topic's explanation, or the fallback topic's for a topic without systems.
            _ => Slot::Explains,
        })
    }

    /// The handoff for a handover decision: the contact and every pin of this customer on
    /// this topic, with the pinned texts.
    fn handoff<S: PinStore + ?Sized>(
        &self,
        contact: &Contact,
        decision: &Decision<'_>,
        store: &S,
    ) -> Result<Handoff, PinError> {
        let t = decision.topic_ix();
        let mut slots = vec![Slot::Explains, Slot::Serves, Slot::Answer];
        slots.extend(
            self.rules_for(t)
                .iter()
                .filter_map(|&r| self.rules.get(r as usize))
                .filter(|r| r.answer.is_some())
                .map(|r| Slot::Rule(r.id.to_string())),
        );
        let keys: Vec<PinKey> = slots
            .into_iter()
            .map(|slot| PinKey::new(contact.customer.as_str(), decision.topic(), slot))
            .collect();
        let pins = store.get_many(&keys).map_err(|e| {
            let key = keys.first().cloned().unwrap_or_else(|| {
                PinKey::new(contact.customer.as_str(), decision.topic(), Slot::Answer)
            });
            PinError {
                kind: PinErrorKind::Read,
                key,
                source: Some(e),
            }
        })?;
        let told = keys
            .into_iter()
            .zip(pins)
            .filter_map(|(key, pin)| {
                let pin = pin?;
                let text = self.told_text(contact, t, &key.slot, &pin);
                Some(Told {
                    slot: key.slot,
                    pin,
                    text,
                })
            })
            .collect();
        Ok(self.handoff_told(contact, decision, told))
    }

    /// The handoff of `decision`, with what the customer was `told`.
    fn handoff_told(&self, contact: &Contact, decision: &Decision<'_>, told: Vec<Told>) -> Handoff {
        Handoff {
            customer: contact.customer.clone(),
            topic: decision.topic().to_owned(),
            outcome: decision.outcome(),
            department: decision.department().map(str::to_owned),
            rank: decision.rank().map(str::to_owned),
            channel: contact.channel.clone(),
            locale: decision.locale().to_owned(),
            progress: contact.progress,
            facts: contact.facts.clone(),
            words: contact.text.clone(),
            asks_for_superior: contact.asks_for_superior,
            told,
        }
    }

    /// The pinned version's text, rendered as the slot's responder would have said it.
    fn told_text(&self, contact: &Contact, topic: Ix, slot: &Slot, pin: &Pin) -> Option<String> {
        let message = *self.message_index.get(pin.message.as_str())?;
        self.messages.get(message as usize)?.version(pin.version)?;
        let mut resolved = self.resolve(contact);
        resolved.topic = topic;
        let blank = Decision::new(self, &resolved);
        let t = self.topics.get(topic as usize)?;
        let system_of = |tier: Option<TierRef>| {
            tier.or_else(|| {
                self.topics
                    .get(self.fallback as usize)
                    .and_then(|f| f.explains)
            })
            .map_or(NONE, |r| r.system)
        };
        let mut d = match slot {
            Slot::Explains => blank.system_message(TierRef {
                system: system_of(t.explains),
                message,
            }),
            Slot::Serves => blank.system_message(TierRef {
                system: system_of(t.serves),
                message,
            }),
            Slot::Answer => blank.staff_answer(message),
            Slot::Rule(id) => {
                let r = self.rules.iter().position(|r| *r.id == **id)?;
                blank.answer(message, Ix::try_from(r).ok()?)
            }
        };
        d.set_version(pin.version);
        Some(d.text())
    }
}
