//! The pin state machine: which slot a decision is pinned under, and whether a pin in force
//! holds against what the policy says now.

use super::value::{Pin, Slot};
use crate::decision::{Decision, Outcome};
use crate::document::Change;
use crate::engine::{Engine, NONE};

/// How many times [`Engine::decide_pinned`] re-reads a pin that another host moved under it
/// before giving up with [`PinErrorKind::Contention`](super::PinErrorKind::Contention).
pub(crate) const MAX_ATTEMPTS: usize = 8;

/// Whether a pin holds against the message a decision would deliver now.
pub(super) enum Verdict {
    /// Deliver this version of the same message.
    Keep(u32),
    /// Deliver the current text with a notice, and move the pin.
    Replace,
}

impl Engine {
    /// Whether `pin` holds against what `decision` would deliver now.
    pub(super) fn judge(&self, decision: &Decision<'_>, pin: &Pin) -> Verdict {
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
}
