//! Queues (R1.4): cases ordered by urgency, then arrival, one queue per department. Pure data
//! structures: the host persists them with serde.
//!
//! [`Queues`] routes cases to their department's [`Queue`]; a [`QueuedCase`] is one case
//! waiting, and [`Routed`] says where a case went.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::{Engine, ResponderIx, TopicIx};
use crate::explain::NoTrace;
use crate::model::Contact;
use crate::urgency::Urgency;

/// A case waiting in a [`Queue`].
///
/// # Examples
///
/// ```
/// use unified_message::queue::QueuedCase;
///
/// let case = QueuedCase::new("case-7", "email.setup", 42.0, 1_700_000_000);
/// assert_eq!(case.case, "case-7");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueuedCase {
    /// The host's case id; a queue holds each case once.
    pub case: String,
    /// The case's topic.
    pub topic: String,
    /// Its urgency score, higher first. [`Queue::push`] stores non-finite values within the
    /// finite range, so that every format (JSON too) can store the queue: NaN and -∞ as the
    /// lowest `f64`, +∞ as the highest.
    pub urgency: f64,
    /// When it arrived, in the host's terms: a sequence number or a timestamp (older first
    /// among equally urgent cases).
    pub arrival: u64,
}

impl QueuedCase {
    /// A case for a queue.
    pub fn new(
        case: impl Into<String>,
        topic: impl Into<String>,
        urgency: f64,
        arrival: u64,
    ) -> Self {
        QueuedCase {
            case: case.into(),
            topic: topic.into(),
            urgency,
            arrival,
        }
    }
}

/// An urgency a queue can order and every format can store: finite, and `-0.0` as `0.0`.
fn storable(urgency: f64) -> f64 {
    if urgency.is_nan() {
        f64::MIN
    } else if urgency == 0.0 {
        0.0
    } else {
        urgency.clamp(f64::MIN, f64::MAX)
    }
}

/// The position of a case in a queue: the first key is served first.
#[derive(Clone, Copy, Debug)]
struct Key {
    /// Always [`storable`].
    urgency: f64,
    arrival: u64,
    /// Insertion order, so that equal urgency and arrival keep first-in, first-out.
    seq: u64,
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .urgency
            .total_cmp(&self.urgency)
            .then(self.arrival.cmp(&other.arrival))
            .then(self.seq.cmp(&other.seq))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

/// A priority queue of cases: the most urgent first, the oldest first among equally urgent
/// ones, first pushed first among exact ties — a total order, also with NaN urgencies (stored
/// as the least urgent value). Each case id is held once: pushing a case again replaces it.
///
/// Serializes as the list of cases in the order they will be served, so that a host can
/// store it and load it back unchanged.
///
/// # Examples
///
/// ```
/// use unified_message::queue::{Queue, QueuedCase};
///
/// let mut queue = Queue::new();
/// queue.push(QueuedCase::new("a", "email.setup", 10.0, 1));
/// queue.push(QueuedCase::new("b", "dns.ping", 50.0, 2));
/// queue.push(QueuedCase::new("c", "email.setup", 10.0, 0));
/// assert_eq!(queue.peek().map(|c| c.case.as_str()), Some("b"));
/// let order: Vec<_> = queue.iter().map(|c| c.case.as_str()).collect();
/// assert_eq!(order, ["b", "c", "a"]);
///
/// let json = serde_json::to_string(&queue)?;
/// let back: Queue = serde_json::from_str(&json)?;
/// assert_eq!(back, queue);
/// assert_eq!(queue.pop().map(|c| c.case), Some("b".to_owned()));
/// assert_eq!(queue.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Queue {
    entries: BTreeMap<Key, QueuedCase>,
    by_case: HashMap<String, Key>,
    next_seq: u64,
}

impl Queue {
    /// An empty queue.
    pub fn new() -> Self {
        Queue::default()
    }

    /// Adds a case; a case with the same id already queued is replaced (its old entry is
    /// returned), so re-scoring a case never duplicates it.
    pub fn push(&mut self, mut case: QueuedCase) -> Option<QueuedCase> {
        case.urgency = storable(case.urgency);
        let previous = self.remove(&case.case);
        let key = Key {
            urgency: case.urgency,
            arrival: case.arrival,
            seq: self.next_seq,
        };
        self.next_seq = self.next_seq.wrapping_add(1);
        self.by_case.insert(case.case.clone(), key);
        self.entries.insert(key, case);
        previous
    }

    /// Removes and returns the most urgent case (the oldest among equals).
    pub fn pop(&mut self) -> Option<QueuedCase> {
        let (_, case) = self.entries.pop_first()?;
        self.by_case.remove(&case.case);
        Some(case)
    }

    /// The case [`Queue::pop`] would return.
    pub fn peek(&self) -> Option<&QueuedCase> {
        self.entries.values().next()
    }

    /// Removes a case by id, wherever it is.
    pub fn remove(&mut self, case: &str) -> Option<QueuedCase> {
        let key = self.by_case.remove(case)?;
        self.entries.remove(&key)
    }

    /// Whether a case is queued.
    pub fn contains(&self, case: &str) -> bool {
        self.by_case.contains_key(case)
    }

    /// The number of cases.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no cases.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The cases in the order they will be served.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &QueuedCase> + DoubleEndedIterator {
        self.entries.values()
    }
}

impl PartialEq for Queue {
    /// Two queues are equal when they serve the same cases in the same order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self.iter().zip(other.iter()).all(|(a, b)| {
                a.case == b.case
                    && a.topic == b.topic
                    && a.arrival == b.arrival
                    && a.urgency.to_bits() == b.urgency.to_bits()
            })
    }
}

impl Extend<QueuedCase> for Queue {
    fn extend<I: IntoIterator<Item = QueuedCase>>(&mut self, iter: I) {
        for case in iter {
            self.push(case);
        }
    }
}

impl FromIterator<QueuedCase> for Queue {
    fn from_iter<I: IntoIterator<Item = QueuedCase>>(iter: I) -> Self {
        let mut queue = Queue::new();
        queue.extend(iter);
        queue
    }
}

impl Serialize for Queue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Queue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<QueuedCase>::deserialize(deserializer).map(Queue::from_iter)
    }
}

/// Where [`Queues::route`] put a case, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Routed {
    /// The department whose queue received the case: the one `decide` routes it to (a rule's
    /// `route` for the contact, else the topic's owner).
    pub department: String,
    /// The case's topic.
    pub topic: String,
    /// Whether the fallback topic applied (no topic, unknown topic, or text triage could not
    /// place).
    pub fallback_topic: bool,
    /// The urgency the case was queued with, and what it is made of.
    pub urgency: Urgency,
}

/// One [`Queue`] per department, keyed by department id (R1.4: a queue per expert area).
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Engine};
/// use unified_message::queue::Queues;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let mut queues = Queues::new();
/// let invoice = Contact::new("c-1", Channel::Email)
///     .with_text("I was charged twice on my last invoice")
///     .with_locale("en");
/// let routed = queues.route(&engine, "case-1", &invoice, 1);
/// assert_eq!(routed.department, "billing");
/// assert_eq!(routed.topic, "billing.invoice");
///
/// let premium_outage = Contact::new("c-2", Channel::Phone)
///     .with_topic("dns.ping")
///     .with_fact("plan", "premium");
/// queues.route(&engine, "case-2", &premium_outage, 2);
/// assert_eq!(queues.get("support").and_then(|q| q.peek()).map(|c| c.case.as_str()), Some("case-2"));
///
/// let json = serde_json::to_string(&queues)?;
/// assert_eq!(serde_json::from_str::<Queues>(&json)?, queues);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Queues {
    queues: BTreeMap<String, Queue>,
}

impl Queues {
    /// No queues yet; each department's queue is created on its first case.
    pub fn new() -> Self {
        Queues::default()
    }

    /// Places a contact's case in the queue of the department `decide` routes it to: a rule's
    /// `route` for the contact, else the department that owns its topic (the contact's topic,
    /// else triage of its text, else the fallback topic); with its urgency
    /// ([`Engine::urgency`]) and the host's `arrival` value. A case already queued anywhere
    /// is moved, not duplicated.
    pub fn route(
        &mut self,
        engine: &Engine,
        case: impl Into<String>,
        contact: &Contact,
        arrival: u64,
    ) -> Routed {
        let case = case.into();
        let resolved = engine.resolve(contact);
        let topic: TopicIx = resolved.topic;
        let urgency = engine.urgency_for(contact, topic);
        // The department `decide` routes the case to: a rule's `route` for this contact, else
        // the topic's owner (what a person of no department is told, R1.4).
        let fx = engine.rule_effects(
            &resolved,
            &contact.facts,
            ResponderIx::UnknownStaff,
            &mut NoTrace,
        );
        let department = match fx.route {
            Some((department, _)) => engine.parts().departments.id(department),
            None => engine
                .parts()
                .topics
                .get(topic)
                .map_or("", |t| engine.parts().departments.id(t.owner)),
        }
        .to_owned();
        for queue in self.queues.values_mut() {
            queue.remove(&case);
        }
        let topic_id = engine.parts().topics.id(topic).to_owned();
        self.queues
            .entry(department.clone())
            .or_default()
            .push(QueuedCase::new(
                case,
                topic_id.clone(),
                urgency.score,
                arrival,
            ));
        Routed {
            department,
            topic: topic_id,
            fallback_topic: resolved.flags.fallback_topic,
            urgency,
        }
    }

    /// A department's queue, if it has had a case.
    pub fn get(&self, department: &str) -> Option<&Queue> {
        self.queues.get(department)
    }

    /// A department's queue, created empty if needed (to push or pop directly).
    pub fn queue_mut(&mut self, department: &str) -> &mut Queue {
        self.queues.entry(department.to_owned()).or_default()
    }

    /// Removes and returns the most urgent case of a department.
    pub fn pop(&mut self, department: &str) -> Option<QueuedCase> {
        self.queues.get_mut(department)?.pop()
    }

    /// The departments and their queues, by department id.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Queue)> {
        self.queues.iter().map(|(d, q)| (d.as_str(), q))
    }

    /// The number of cases in every queue.
    pub fn len(&self) -> usize {
        self.queues.values().map(Queue::len).sum()
    }

    /// Whether every queue is empty.
    pub fn is_empty(&self) -> bool {
        self.queues.values().all(Queue::is_empty)
    }
}

impl Engine {
    /// The department that owns `topic` (R0.2), or `None` for a topic the policy does not
    /// know.
    ///
    /// # Examples
    ///
    /// ```
    /// let engine = unified_message::Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// assert_eq!(engine.topic_owner("billing.refund"), Some("billing"));
    /// assert_eq!(engine.topic_owner("nope"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn topic_owner(&self, topic: &str) -> Option<&str> {
        let t = self.parts().topics.get(self.parts().topics.find(topic)?)?;
        self.parts().departments.get(t.owner).map(|d| &*d.id)
    }

    /// The roles of `department`, lowest rank first (document order among equals): the first
    /// is the front line, who takes a case when the customer asks for a person.
    ///
    /// # Examples
    ///
    /// ```
    /// let engine = unified_message::Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let roles: Vec<_> = engine.department_roles("billing").collect();
    /// assert_eq!(roles, ["billing-agent", "billing-supervisor", "billing-manager"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn department_roles(&self, department: &str) -> impl Iterator<Item = &str> {
        let d = self.parts().departments.find(department);
        let mut roles: Vec<_> = self
            .parts()
            .roles
            .items()
            .iter()
            .filter(|r| Some(r.department) == d)
            .collect();
        roles.sort_by_key(|r| r.rank);
        roles.into_iter().map(|r| &*r.id)
    }
}
