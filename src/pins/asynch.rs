//! The asynchronous driver: [`Engine::decide_pinned_async`] runs the pin state machine
//! ([`PinStep`]) over an [`AsyncPinStore`], awaiting the store at each step. No runtime of its
//! own: the store's futures are driven by whatever executor the host awaits this one on.

use super::error::PinError;
use super::machine::PinStep;
use super::outcome::PinnedDecision;
use super::store::AsyncPinStore;
use super::value::Timestamp;
use crate::engine::Engine;
use crate::model::{Contact, Responder};

impl Engine {
    /// [`Engine::decide_pinned`] for async hosts: the same decision, the same guarantees (one
    /// story per customer; never the old text once a pin moved; bounded retries under
    /// contention) and the same [`PinError`]s, over an [`AsyncPinStore`].
    ///
    /// The future is `Send` when the store's are (as [`AsyncPinStore`] requires), so it can
    /// run in a `tokio::spawn`ed task. Dropping it between two steps is safe: each store call
    /// is atomic on its own, and nothing was delivered.
    ///
    /// # Errors
    ///
    /// As [`Engine::decide_pinned`]: when the store fails, or when the pin keeps moving under
    /// every attempt; no text is delivered then.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Engine, MemoryPinStore, Responder};
    /// use unified_message::pins::{PinStatus, Timestamp};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let store = MemoryPinStore::new();
    /// let chat = Contact::new("customer-42", Channel::Chat).with_topic("email.setup").with_locale("en");
    /// let bot = Responder::system("self-diagnosis");
    /// let now = Timestamp::from_unix_seconds(1_764_201_600);
    ///
    /// // Any executor: a tokio runtime in a host, a tiny one here.
    /// let first = pollster::block_on(engine.decide_pinned_async(&chat, &bot, &store, now))?;
    /// assert_eq!(first.status(), PinStatus::New);
    /// let phone = chat.with_channel(Channel::Phone);
    /// let again = pollster::block_on(engine.decide_pinned_async(&phone, &bot, &store, now))?;
    /// assert_eq!(again.status(), PinStatus::Kept);
    /// assert_eq!(again.pin(), first.pin());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn decide_pinned_async<S: AsyncPinStore + ?Sized>(
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
                    let got = store.get(read.key()).await;
                    read.resume(got)
                }
                PinStep::ReadMany(read) => {
                    let got = store.get_many(read.keys()).await;
                    read.resume(got)
                }
                PinStep::Insert(insert) => {
                    let got = store
                        .insert_if_absent(insert.key(), insert.pin().clone())
                        .await;
                    insert.resume(got)
                }
                PinStep::Replace(replace) => {
                    let got = store
                        .compare_and_replace(
                            replace.key(),
                            replace.expected(),
                            replace.replacement().clone(),
                        )
                        .await;
                    replace.resume(got)
                }
                PinStep::Done(result) => return result,
            };
        }
    }
}
