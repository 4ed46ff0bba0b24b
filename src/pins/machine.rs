//! The pin state machine, without I/O: a pinned decision as a sequence of [`PinStep`]s that
//! say "read this key", "read these keys", "insert this pin if absent", "replace if equal" and
//! finally "deliver". The synchronous [`Engine::decide_pinned`] and the asynchronous
//! [`Engine::decide_pinned_async`] are thin drivers of it; a host with another runtime, or a
//! store that fits neither trait, drives it itself from [`Engine::begin_pinned`].
//!
//! Each request step owns the machine: answering it ([`ReadPin::resume`] and the like)
//! consumes the step and returns the next one, so an answer cannot go to the wrong question
//! and the machine cannot be resumed twice.

use std::cmp::Ordering;

use super::error::{MAX_ATTEMPTS, PinError, PinErrorKind, PinStoreError};
use super::handoff::Handoff;
use super::outcome::{PinStatus, PinnedDecision};
use super::value::{Pin, PinKey, Slot, Timestamp, check_customer_id, compare_revisions};
use crate::decision::{Decision, Outcome};
use crate::document::Change;
use crate::engine::{Engine, MessageIx};
use crate::model::{Contact, Responder};

/// Whether a pin holds against the message a decision would deliver now.
pub(super) enum Verdict {
    /// Deliver this version of the same message.
    Keep(u32),
    /// Deliver the current text with a notice, and move the pin.
    Replace,
    /// The pin was written under a newer policy (a later revision, or a version this policy
    /// does not have): a host on a newer revision told the customer a newer text. Deliver
    /// nothing (R0.3: never the old text once the pin moved).
    Ahead,
}

/// The next thing a pinned decision needs, from [`Engine::begin_pinned`] or from answering
/// the previous step: a store operation to perform, or the result.
///
/// A driver loops: perform the operation named by the step on the store, hand the store's
/// answer (or its error) to the step's `resume`, and stop at [`PinStep::Done`]. The store
/// operations are those of [`PinStore`](crate::PinStore), with the same contract.
///
/// # Examples
///
/// A driver written by hand, here over the in-memory store (an async host awaits its own
/// client at each step the same way):
///
/// ```
/// use unified_message::pins::PinStep;
/// use unified_message::{Channel, Contact, Engine, MemoryPinStore, PinStore, Responder};
/// use unified_message::pins::{PinStatus, Timestamp};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let store = MemoryPinStore::new();
/// let contact = Contact::new("c-1", Channel::Chat).with_topic("email.setup").with_locale("en");
/// let now = Timestamp::from_unix_seconds(1_764_201_600);
///
/// let mut step = engine.begin_pinned(&contact, &Responder::system("self-diagnosis"), now);
/// let pinned = loop {
///     step = match step {
///         PinStep::Read(read) => { let got = store.get(read.key()); read.resume(got) }
///         PinStep::ReadMany(read) => { let got = store.get_many(read.keys()); read.resume(got) }
///         PinStep::Insert(insert) => {
///             let got = store.insert_if_absent(insert.key(), insert.pin().clone());
///             insert.resume(got)
///         }
///         PinStep::Replace(replace) => {
///             let got = store.compare_and_replace(replace.key(), replace.expected(), replace.replacement().clone());
///             replace.resume(got)
///         }
///         PinStep::Done(result) => break result?,
///     };
/// };
/// assert_eq!(pinned.status(), PinStatus::New);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[must_use = "a pinned decision delivers nothing until its steps are driven to `Done`"]
pub enum PinStep<'e> {
    /// Read the pin in force for one key ([`PinStore::get`](crate::PinStore::get)).
    Read(ReadPin<'e>),
    /// Read the pins of several keys, in order
    /// ([`PinStore::get_many`](crate::PinStore::get_many)): what a handoff lists.
    ReadMany(ReadPins<'e>),
    /// Insert a pin unless one is there
    /// ([`PinStore::insert_if_absent`](crate::PinStore::insert_if_absent)).
    Insert(InsertPin<'e>),
    /// Replace the pin in force if it equals the expected one
    /// ([`PinStore::compare_and_replace`](crate::PinStore::compare_and_replace)).
    Replace(ReplacePin<'e>),
    /// The end: the decision to deliver, or why nothing may be delivered.
    Done(Result<PinnedDecision<'e>, PinError>),
}

/// [`PinStep::Read`]: read the pin of [`key`](ReadPin::key), then [`resume`](ReadPin::resume).
#[derive(Debug)]
pub struct ReadPin<'e> {
    flow: Flow<'e>,
}

/// [`PinStep::ReadMany`]: read the pins of [`keys`](ReadPins::keys), then
/// [`resume`](ReadPins::resume).
#[derive(Debug)]
pub struct ReadPins<'e> {
    engine: &'e Engine,
    decision: Decision<'e>,
    contact: Contact,
    keys: Vec<PinKey>,
    now: Timestamp,
}

/// [`PinStep::Insert`]: insert [`pin`](InsertPin::pin) under [`key`](InsertPin::key) unless a
/// pin is there, then [`resume`](InsertPin::resume) with the pin in force.
#[derive(Debug)]
pub struct InsertPin<'e> {
    flow: Flow<'e>,
}

/// [`PinStep::Replace`]: replace the pin under [`key`](ReplacePin::key) with
/// [`replacement`](ReplacePin::replacement) if it equals [`expected`](ReplacePin::expected), then
/// [`resume`](ReplacePin::resume) with the pin in force.
#[derive(Debug)]
pub struct ReplacePin<'e> {
    flow: Flow<'e>,
    expected: Pin,
}

/// The state of a decision that is being pinned.
#[derive(Debug)]
struct Flow<'e> {
    engine: &'e Engine,
    decision: Decision<'e>,
    handoff: Option<Handoff>,
    key: PinKey,
    /// The pin this decision would write: the current version, this revision, now.
    fresh: Pin,
    /// How many times a pin in force was judged.
    attempts: usize,
}

impl<'e> ReadPin<'e> {
    /// The key to read.
    pub fn key(&self) -> &PinKey {
        &self.flow.key
    }

    /// Continues with the store's answer: the pin in force for [`key`](ReadPin::key), if any.
    pub fn resume(self, read: Result<Option<Pin>, PinStoreError>) -> PinStep<'e> {
        match read {
            Ok(Some(pin)) => self.flow.judge(pin, false),
            Ok(None) => PinStep::Insert(InsertPin { flow: self.flow }),
            Err(e) => self.flow.fail(PinErrorKind::Read, e),
        }
    }
}

impl<'e> ReadPins<'e> {
    /// The keys to read.
    pub fn keys(&self) -> &[PinKey] {
        &self.keys
    }

    /// Continues with the store's answer: the pins in force for [`keys`](ReadPins::keys), one
    /// per key, in the same order.
    pub fn resume(self, read: Result<Vec<Option<Pin>>, PinStoreError>) -> PinStep<'e> {
        let ReadPins {
            engine,
            decision,
            contact,
            keys,
            now,
        } = self;
        match read {
            Ok(pins) => {
                let handoff = engine.handoff_from(&contact, &decision, keys, pins);
                engine.pin_step(decision, Some(handoff), &contact.customer, now)
            }
            Err(e) => {
                let key = keys.into_iter().next().unwrap_or_else(|| {
                    PinKey::new(contact.customer.as_str(), decision.topic(), Slot::Answer)
                });
                PinStep::Done(Err(PinError {
                    kind: PinErrorKind::Read,
                    key,
                    source: Some(e),
                }))
            }
        }
    }
}

impl<'e> InsertPin<'e> {
    /// The key to insert under.
    pub fn key(&self) -> &PinKey {
        &self.flow.key
    }

    /// The pin to insert.
    pub fn pin(&self) -> &Pin {
        &self.flow.fresh
    }

    /// Continues with the store's answer: the pin in force after the insert (this one, or the
    /// one that was there).
    pub fn resume(self, inserted: Result<Pin, PinStoreError>) -> PinStep<'e> {
        match inserted {
            Ok(pin) => {
                let mine = pin == self.flow.fresh;
                self.flow.judge(pin, mine)
            }
            Err(e) => self.flow.fail(PinErrorKind::Insert, e),
        }
    }
}

impl<'e> ReplacePin<'e> {
    /// The key whose pin to replace.
    pub fn key(&self) -> &PinKey {
        &self.flow.key
    }

    /// The pin that must be in force for the replace to happen (compared on all four fields).
    pub fn expected(&self) -> &Pin {
        &self.expected
    }

    /// The pin to put in its place.
    pub fn replacement(&self) -> &Pin {
        &self.flow.fresh
    }

    /// Continues with the store's answer: the pin in force after the call (`None` when the
    /// key has no pin).
    pub fn resume(self, replaced: Result<Option<Pin>, PinStoreError>) -> PinStep<'e> {
        let ReplacePin { flow, expected } = self;
        match replaced {
            Ok(Some(pin)) if pin == flow.fresh => {
                let previous = flow
                    .engine
                    .parts()
                    .messages
                    .find(expected.message.as_str())
                    .unwrap_or(MessageIx::NONE);
                let mut decision = flow.decision;
                // The notice quotes what was said before; when this policy no longer has that
                // text (the message, or its version, was removed), the pin moves without a
                // notice rather than with an empty quote (issue 23 point 2): `replaced` still
                // names what was said.
                if decision.can_quote(previous, expected.version) {
                    decision.set_previous(previous, expected.version);
                }
                PinStep::Done(Ok(PinnedDecision {
                    decision,
                    status: PinStatus::Moved,
                    pin: Some(pin),
                    replaced: Some(expected),
                    handoff: flow.handoff,
                }))
            }
            // Another host moved the pin first: judge its pin.
            Ok(Some(pin)) => flow.judge(pin, false),
            // The host erased the pin meanwhile: start afresh.
            Ok(None) => PinStep::Insert(InsertPin { flow }),
            Err(e) => flow.fail(PinErrorKind::Replace, e),
        }
    }
}

impl<'e> Flow<'e> {
    /// Judges the pin in force (`made_here`: this decision inserted it): deliver, or move it.
    fn judge(mut self, in_force: Pin, made_here: bool) -> PinStep<'e> {
        if self.attempts >= MAX_ATTEMPTS {
            return PinStep::Done(Err(PinError {
                kind: PinErrorKind::Contention,
                key: self.key,
                source: None,
            }));
        }
        self.attempts += 1;
        match self.engine.judge(&self.decision, &in_force) {
            Verdict::Keep(version) => {
                self.decision.set_version(version);
                PinStep::Done(Ok(PinnedDecision {
                    decision: self.decision,
                    status: if made_here {
                        PinStatus::New
                    } else {
                        PinStatus::Kept
                    },
                    pin: Some(in_force),
                    replaced: None,
                    handoff: self.handoff,
                }))
            }
            Verdict::Replace => PinStep::Replace(ReplacePin {
                flow: self,
                expected: in_force,
            }),
            Verdict::Ahead => PinStep::Done(Err(PinError {
                kind: PinErrorKind::Ahead,
                key: self.key,
                source: None,
            })),
        }
    }

    /// The store failed: nothing is delivered.
    fn fail(self, kind: PinErrorKind, source: PinStoreError) -> PinStep<'e> {
        PinStep::Done(Err(PinError {
            kind,
            key: self.key,
            source: Some(source),
        }))
    }
}

impl Engine {
    /// Begins a pinned decision without doing any I/O: [`Engine::decide_pinned`] as a state
    /// machine whose steps the caller performs on its own store ([`PinStep`]). Same
    /// semantics, same guarantees and the same [`PinError`]s as [`Engine::decide_pinned`],
    /// which is this machine driven over a [`PinStore`](crate::PinStore).
    pub fn begin_pinned(
        &self,
        contact: &Contact,
        responder: &Responder,
        now: Timestamp,
    ) -> PinStep<'_> {
        let decision = self.decide(contact, responder);
        let handover = matches!(
            decision.outcome(),
            Outcome::Route | Outcome::Authorize | Outcome::Escalate | Outcome::Review
        );
        if contact.customer.trim().is_empty() {
            let handoff = handover.then(|| self.handoff_told(contact, &decision, Vec::new()));
            return PinStep::Done(Ok(PinnedDecision {
                decision,
                status: PinStatus::Anonymous,
                pin: None,
                replaced: None,
                handoff,
            }));
        }
        if check_customer_id(&contact.customer).is_err() {
            // One rule for every store (issue 23 point 6): an id no store can hold is refused
            // before any store is asked.
            let slot = self.slot_of(&decision).unwrap_or(Slot::Answer);
            return PinStep::Done(Err(PinError {
                kind: PinErrorKind::InvalidCustomer,
                key: PinKey::new(contact.customer.as_str(), decision.topic(), slot),
                source: None,
            }));
        }
        if handover {
            let keys = self.handoff_keys(contact, &decision);
            return PinStep::ReadMany(ReadPins {
                engine: self,
                decision,
                contact: contact.clone(),
                keys,
                now,
            });
        }
        self.pin_step(decision, None, &contact.customer, now)
    }

    /// The first step of pinning `decision` for `customer` once its handoff is known.
    fn pin_step<'e>(
        &'e self,
        decision: Decision<'e>,
        handoff: Option<Handoff>,
        customer: &str,
        now: Timestamp,
    ) -> PinStep<'e> {
        let Some(slot) = self.slot_of(&decision) else {
            return PinStep::Done(Ok(PinnedDecision {
                decision,
                status: PinStatus::Unpinned,
                pin: None,
                replaced: None,
                handoff,
            }));
        };
        let key = PinKey::new(customer, decision.topic(), slot);
        let fresh = Pin::new(
            decision.message_id(),
            decision.version(),
            self.revision(),
            now,
        );
        PinStep::Read(ReadPin {
            flow: Flow {
                engine: self,
                decision,
                handoff,
                key,
                fresh,
                attempts: 0,
            },
        })
    }

    /// Whether `pin` holds against what `decision` would deliver now.
    ///
    /// A pin written under a revision that sorts after this engine's ([`compare_revisions`])
    /// is never moved by it (issue 23 point 1): whatever changed — a version, the message the
    /// slot names, a rule's fixed answer, a removed message — the newer policy told the
    /// customer the newer text. It is delivered when this policy would keep it (the same
    /// message and version, same words), and otherwise nothing is ([`Verdict::Ahead`]).
    pub(super) fn judge(&self, decision: &Decision<'_>, pin: &Pin) -> Verdict {
        match self.judge_content(decision, pin) {
            Verdict::Replace
                if compare_revisions(&pin.revision, self.revision()) == Ordering::Greater =>
            {
                Verdict::Ahead
            }
            verdict => verdict,
        }
    }

    /// Whether `pin` holds against what `decision` would deliver now, by the messages alone.
    fn judge_content(&self, decision: &Decision<'_>, pin: &Pin) -> Verdict {
        if pin.message != decision.message_id() {
            return Verdict::Replace;
        }
        let Some(message) = self.parts().messages.get(decision.message_ix()) else {
            return Verdict::Replace;
        };
        if pin.version as usize > message.versions.len() {
            // A newer revision of the policy (another host, mid-deploy) told the customer a
            // version this one does not have: telling this revision's text would go back.
            return Verdict::Ahead;
        }
        if pin.version == 0 || message.version(pin.version).is_none() {
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
        if d.outcome() != Outcome::Answer || d.message_ix().is_none() || d.version() == 0 {
            return None;
        }
        let m = d.message_ix();
        if let Some(rule) = d.rule.and_then(|r| self.parts().rules.get(r)) {
            if rule.answer == Some(m) {
                return Some(Slot::Rule(rule.id.to_string()));
            }
        }
        let Some(system) = d.system() else {
            return Some(Slot::Answer);
        };
        let topic = self.parts().topics.get(d.topic_ix())?;
        let explains = topic.explains.is_some_and(|t| t.message == m);
        let serves = topic.serves.is_some_and(|t| t.message == m);
        Some(match (explains, serves) {
            (true, true) => Slot::for_tier(system.tier),
            (false, true) => Slot::Serves,
            // The topic's explanation, or the fallback topic's for a topic without systems.
            _ => Slot::Explains,
        })
    }
}
