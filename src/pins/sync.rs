//! The synchronous driver: [`Engine::decide_pinned`] runs the pin state machine
//! ([`PinStep`]) over a [`PinStore`], one blocking call per step.

use super::error::PinError;
use super::machine::PinStep;
use super::outcome::PinnedDecision;
use super::store::PinStore;
use super::value::Timestamp;
use crate::engine::Engine;
use crate::model::{Contact, Responder};

impl Engine {
    /// [`Engine::decide`], keeping the first message the customer got (R0.3) through the
    /// host's `store`; `now` is the host's clock reading, recorded in new pins.
    ///
    /// An `answer` is pinned under (customer, topic, [`Slot`](crate::pins::Slot)):
    ///
    /// - no pin yet → the current version is delivered and pinned ([`PinStatus::New`](crate::pins::PinStatus::New));
    /// - a pin on the same message with only `editorial` versions after it → the **pinned
    ///   version** is delivered ([`PinStatus::Kept`](crate::pins::PinStatus::Kept)): the same words on every channel;
    /// - a `substantive` version after the pin, the slot now naming another message, or a
    ///   pinned version this policy no longer has → the current text is delivered with a
    ///   change notice naming what was said before ([`Decision::previous`](crate::Decision::previous),
    ///   [`Decision::notice`](crate::Decision::notice)), and the pin moves forward by compare-and-replace
    ///   ([`PinStatus::Moved`](crate::pins::PinStatus::Moved)). When another host moved it first, its pin is judged in turn.
    ///   A pinned message or version this policy no longer has moves without a notice (there
    ///   is nothing to quote).
    /// - a pin written under a newer revision ([`compare_revisions`](crate::pins::compare_revisions))
    ///   that this policy would move, or naming a version this policy does not have → nothing
    ///   is delivered ([`PinErrorKind::Ahead`](crate::pins::PinErrorKind::Ahead)): an older host never
    ///   moves a newer host's pin back.
    ///
    /// Handover texts are not pinned ([`PinStatus::Unpinned`](crate::pins::PinStatus::Unpinned)); `route`, `authorize`,
    /// `escalate` and `review` carry a [`Handoff`](crate::pins::Handoff) with what the customer was already told.
    /// A contact without a customer id (empty or blank) is decided without touching the
    /// store ([`PinStatus::Anonymous`](crate::pins::PinStatus::Anonymous), and a handoff that lists nothing told).
    ///
    /// # Errors
    ///
    /// [`PinError`] when the store fails, when the pin keeps moving under every attempt, when
    /// the pin was written under a newer policy, or when the customer id breaks the rule of
    /// [`check_customer_id`](crate::pins::check_customer_id) (before any store is asked).
    /// No text is delivered then: in particular, a store that fails to move a pin never lets
    /// the changed text out while the old pin is still in force. [`Engine::decide`] stays
    /// total for hosts that must answer anyway. When a move was written but the store's
    /// reply was lost, the retry finds the pin already moved and delivers the new text without
    /// the notice: the customer hears the current procedure, never the old one.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Engine, MemoryPinStore, Responder};
    /// use unified_message::pins::{PinStatus, Timestamp};
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
        let mut step = self.begin_pinned(contact, responder, now);
        loop {
            step = match step {
                PinStep::Read(read) => {
                    let got = store.get(read.key());
                    read.resume(got)
                }
                PinStep::ReadMany(read) => {
                    let got = store.get_many(read.keys());
                    read.resume(got)
                }
                PinStep::Insert(insert) => {
                    let got = store.insert_if_absent(insert.key(), insert.pin().clone());
                    insert.resume(got)
                }
                PinStep::Replace(replace) => {
                    let got = store.compare_and_replace(
                        replace.key(),
                        replace.expected(),
                        replace.replacement().clone(),
                    );
                    replace.resume(got)
                }
                PinStep::Done(result) => return result,
            };
        }
    }
}
