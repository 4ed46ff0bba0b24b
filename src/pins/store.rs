//! Where pins live: the [`PinStore`] trait the host implements and its async counterpart
//! [`AsyncPinStore`], their forwarding impls for references, `Arc`s and `Box`es, and the
//! in-memory [`MemoryPinStore`] (both).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{PoisonError, RwLock};

use super::error::PinStoreError;
use super::value::{Pin, PinKey};

/// Where pins live: implemented by the host on its own database, shared by every channel and
/// host that answers customers, so that they all see the same pins.
///
/// # The contract
///
/// An implementation on SQL or a key-value store must meet all of this; the semantics of
/// [`Engine::decide_pinned`](crate::Engine::decide_pinned) (one story per customer, whatever races) rest on it.
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
/// `unified-message-sqlite` store (`stores/sqlite`) meets it on SQLite, across processes
/// sharing the file; `unified-message-postgres` and `unified-message-redis` across hosts.
///
/// # Examples
///
/// ```
/// use unified_message::{MemoryPinStore, PinStore};
/// use unified_message::pins::{Pin, PinKey, Slot, Timestamp};
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
    /// [`Handoff`](crate::pins::Handoff). The default calls [`get`](PinStore::get) for each key; a SQL store may
    /// override it with one query. It need not be atomic across keys.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the store cannot be read.
    fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        keys.iter().map(|k| self.get(k)).collect()
    }
}

/// Implements [`PinStore`] and [`AsyncPinStore`] for each pointer type given, by forwarding
/// every method to the store it points to: one definition for `&S`, `Arc<S>` and `Box<S>`,
/// so that a host passes its store however it holds it.
macro_rules! forward_pin_store {
    ($($pointer:ty),+ $(,)?) => {$(
        impl<S: PinStore + ?Sized> PinStore for $pointer {
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

        impl<S: AsyncPinStore + ?Sized> AsyncPinStore for $pointer
        where
            Self: Sync,
        {
            fn get(
                &self,
                key: &PinKey,
            ) -> impl Future<Output = Result<Option<Pin>, PinStoreError>> + Send {
                (**self).get(key)
            }

            fn insert_if_absent(
                &self,
                key: &PinKey,
                pin: Pin,
            ) -> impl Future<Output = Result<Pin, PinStoreError>> + Send {
                (**self).insert_if_absent(key, pin)
            }

            fn compare_and_replace(
                &self,
                key: &PinKey,
                expected: &Pin,
                new: Pin,
            ) -> impl Future<Output = Result<Option<Pin>, PinStoreError>> + Send {
                (**self).compare_and_replace(key, expected, new)
            }

            fn get_many(
                &self,
                keys: &[PinKey],
            ) -> impl Future<Output = Result<Vec<Option<Pin>>, PinStoreError>> + Send {
                (**self).get_many(keys)
            }
        }
    )+};
}

forward_pin_store!(&S, std::sync::Arc<S>, Box<S>);

/// The async counterpart of [`PinStore`], for hosts whose database client is async (tokio,
/// async-std, or anything else: the library runs no runtime; the futures are the store's).
/// [`Engine::decide_pinned_async`](crate::Engine::decide_pinned_async) awaits it.
///
/// The contract is [`PinStore`]'s, word for word: one pin per key compared on all four fields,
/// each write one atomic step per key, a lost race answered with the winner's pin and `Ok`,
/// reads of what is in force, idempotent calls, durable writes.
///
/// The futures are `Send` and the store is `Sync`, so that a pinned decision can run in a
/// task of a multi-threaded runtime (`tokio::spawn` asks for `Send` futures). Write the
/// methods as `async fn` in the impl (async fn in traits is stable):
///
/// ```
/// use unified_message::{AsyncPinStore, MemoryPinStore, PinStore, PinStoreError};
/// use unified_message::pins::{Pin, PinKey};
///
/// /// A store whose client is async; here it forwards to a memory store.
/// struct Remote(MemoryPinStore);
///
/// impl AsyncPinStore for Remote {
///     async fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
///         PinStore::get(&self.0, key)
///     }
///     async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
///         PinStore::insert_if_absent(&self.0, key, pin)
///     }
///     async fn compare_and_replace(
///         &self,
///         key: &PinKey,
///         expected: &Pin,
///         new: Pin,
///     ) -> Result<Option<Pin>, PinStoreError> {
///         PinStore::compare_and_replace(&self.0, key, expected, new)
///     }
/// }
/// ```
///
/// [`MemoryPinStore`] implements both traits; with both in scope, call its methods as
/// `PinStore::get(&store, …)` or `AsyncPinStore::get(&store, …)`.
pub trait AsyncPinStore: Sync {
    /// The pin in force for `key`, if any ([`PinStore::get`]).
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the store cannot be read.
    fn get(&self, key: &PinKey) -> impl Future<Output = Result<Option<Pin>, PinStoreError>> + Send;

    /// Stores `pin` under `key` unless a pin is already there; resolves to the pin in force
    /// after the call ([`PinStore::insert_if_absent`]).
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the store cannot be written or read; nothing, or everything,
    /// was written.
    fn insert_if_absent(
        &self,
        key: &PinKey,
        pin: Pin,
    ) -> impl Future<Output = Result<Pin, PinStoreError>> + Send;

    /// Replaces the pin under `key` with `new` only if the pin in force equals `expected` (all
    /// four fields); resolves to the pin in force after the call, `None` when the key has no
    /// pin ([`PinStore::compare_and_replace`]).
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
    ) -> impl Future<Output = Result<Option<Pin>, PinStoreError>> + Send;

    /// The pins in force for several keys, in the order of `keys` ([`PinStore::get_many`]).
    /// The default awaits [`get`](AsyncPinStore::get) for each key in turn; a database store
    /// overrides it with one query.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the store cannot be read.
    fn get_many(
        &self,
        keys: &[PinKey],
    ) -> impl Future<Output = Result<Vec<Option<Pin>>, PinStoreError>> + Send {
        async move {
            let mut pins = Vec::with_capacity(keys.len());
            for key in keys {
                pins.push(self.get(key).await?);
            }
            Ok(pins)
        }
    }
}

/// A thread-safe [`PinStore`] in memory: for tests, single-process hosts, and as the
/// reference a database store is checked against. Pins are lost when it is dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use unified_message::{Channel, Contact, Engine, MemoryPinStore, Responder};
/// use unified_message::pins::Timestamp;
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

    /// Erases the pin of `key`, as a host does when it deletes a customer's data; returns it.
    pub fn remove(&self, key: &PinKey) -> Option<Pin> {
        self.pins
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key)
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

/// The same operations, answered at once (the futures are ready on their first poll): for
/// async hosts' tests and single-process async hosts.
impl AsyncPinStore for MemoryPinStore {
    async fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        PinStore::get(self, key)
    }

    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        PinStore::insert_if_absent(self, key, pin)
    }

    async fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        PinStore::compare_and_replace(self, key, expected, new)
    }
}
