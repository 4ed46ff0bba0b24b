//! Issue 13 point 1: async pinned decisions. `Engine::decide_pinned_async` and the sync
//! `Engine::decide_pinned` are two drivers of one state machine (`Engine::begin_pinned`): they
//! decide alike, retry alike (bounded), fail alike, and the async one is `Send` for tokio hosts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pin_support;

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use pin_support::{EDITORIAL, SUBSTANTIVE, policy, t};
use proptest::prelude::*;
use unified_message::pins::PinStep;
use unified_message::pins::{Pin, PinErrorKind, PinKey, PinStatus, Slot};
use unified_message::{
    AsyncPinStore, Channel, Contact, Engine, MemoryPinStore, PinStore, PinStoreError, Progress,
    Responder,
};

static R1: LazyLock<Engine> = LazyLock::new(|| Engine::from_toml_str(&policy("r1", &[])).unwrap());
static R2: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(&policy("r2", &[EDITORIAL])).unwrap());
static R3: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(&policy("r3", &[EDITORIAL, SUBSTANTIVE])).unwrap());

fn engine(i: usize) -> &'static Engine {
    [&*R1, &*R2, &*R3][i % 3]
}

fn contact(customer: &str, channel: Channel) -> Contact {
    Contact::new(customer, channel)
        .with_topic("email.setup")
        .with_locale("en")
}

const CHANNELS: [Channel; 4] = [Channel::Chat, Channel::Phone, Channel::Email, Channel::Web];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The two drivers give the same records and leave the same pins, over any sequence of
    /// revisions, channels, customers and handovers.
    #[test]
    fn issue13_1_async_and_sync_drivers_agree(
        steps in proptest::collection::vec((0usize..3, 0usize..4, 0usize..3, any::<bool>()), 1..24),
    ) {
        let sync_store = MemoryPinStore::new();
        let async_store = MemoryPinStore::new();
        for (i, (e, ch, customer, handover)) in steps.into_iter().enumerate() {
            let mut c = contact(["c-1", "c-2", " "][customer], CHANNELS[ch].clone());
            let responder = if handover {
                c = c.with_progress(Progress::Served);
                Responder::staff("sales-agent")
            } else {
                Responder::system("self-diagnosis")
            };
            let now = t(i as i64);
            let sync = engine(e).decide_pinned(&c, &responder, &sync_store, now);
            let asynced = pollster::block_on(
                engine(e).decide_pinned_async(&c, &responder, &async_store, now),
            );
            // An older revision meeting a newer one's pin: the same refusal from both.
            let (sync, asynced) = match (sync, asynced) {
                (Ok(s), Ok(a)) => (s, a),
                (Err(s), Err(a)) => {
                    prop_assert_eq!(s.kind(), a.kind());
                    prop_assert_eq!(s.to_string(), a.to_string());
                    continue;
                }
                (s, a) => {
                    prop_assert!(false, "the drivers disagree: {:?} / {:?}", s.err(), a.err());
                    unreachable!()
                }
            };
            prop_assert_eq!(sync.to_record(), asynced.to_record());
            prop_assert_eq!(sync.text(), asynced.text());
            prop_assert_eq!(sync.notice(), asynced.notice());
        }
        prop_assert_eq!(sync_store.snapshot(), async_store.snapshot());
    }
}

/// The async pinned decision can be spawned on a multi-threaded runtime.
#[test]
fn issue13_1_async_decision_is_send() {
    fn send<T: Send>(_: &T) {}
    let store = MemoryPinStore::new();
    let c = contact("c-send", Channel::Chat);
    let bot = Responder::system("self-diagnosis");
    let future = R1.decide_pinned_async(&c, &bot, &store, t(0));
    send(&future);
    let arc = std::sync::Arc::new(MemoryPinStore::new());
    send(&R1.decide_pinned_async(&c, &bot, &arc, t(0)));
    drop(future);
}

/// A store on which another host moves the pin before every replace: the decision gives up
/// with `Contention` after the same bounded number of replaces, sync and async.
struct Moving {
    inner: MemoryPinStore,
    replaces: AtomicUsize,
}

impl Moving {
    fn new() -> Self {
        Moving {
            inner: MemoryPinStore::new(),
            replaces: AtomicUsize::new(0),
        }
    }

    fn race(&self, key: &PinKey) -> Option<Pin> {
        let n = self.replaces.fetch_add(1, Ordering::SeqCst);
        let current = PinStore::get(&self.inner, key).unwrap()?;
        // Another host (an older revision) moved it back to version 1 meanwhile.
        let other = Pin::new(
            "email-setup-guide",
            1,
            format!("elsewhere-{n}"),
            t(n as i64),
        );
        PinStore::compare_and_replace(&self.inner, key, &current, other).unwrap()
    }
}

impl PinStore for Moving {
    fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        PinStore::get(&self.inner, key)
    }
    fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        PinStore::insert_if_absent(&self.inner, key, pin)
    }
    fn compare_and_replace(
        &self,
        key: &PinKey,
        _: &Pin,
        _: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        Ok(self.race(key))
    }
}

impl AsyncPinStore for Moving {
    async fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        PinStore::get(self, key)
    }
    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        PinStore::insert_if_absent(self, key, pin)
    }
    async fn compare_and_replace(
        &self,
        key: &PinKey,
        e: &Pin,
        n: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        PinStore::compare_and_replace(self, key, e, n)
    }
}

#[test]
fn issue13_1_retries_are_bounded_alike() {
    let c = contact("c-moving", Channel::Chat);
    let bot = Responder::system("self-diagnosis");
    let old = Pin::new("email-setup-guide", 1, "r0", t(0));
    let key = PinKey::new("c-moving", "email.setup", Slot::Explains);

    let sync = Moving::new();
    PinStore::insert_if_absent(&sync.inner, &key, old.clone()).unwrap();
    let err = R3.decide_pinned(&c, &bot, &sync, t(1)).unwrap_err();
    assert_eq!(err.kind(), PinErrorKind::Contention);
    assert!(err.store_error().is_none());

    let asynced = Moving::new();
    PinStore::insert_if_absent(&asynced.inner, &key, old).unwrap();
    let err = pollster::block_on(R3.decide_pinned_async(&c, &bot, &asynced, t(1))).unwrap_err();
    assert_eq!(err.kind(), PinErrorKind::Contention);
    assert_eq!(
        sync.replaces.load(Ordering::SeqCst),
        asynced.replaces.load(Ordering::SeqCst)
    );
    assert_eq!(
        sync.replaces.load(Ordering::SeqCst),
        8,
        "bounded: 8 attempts"
    );
}

/// An async store that cannot be reached: nothing is delivered, with the same errors.
struct Down;

impl AsyncPinStore for Down {
    async fn get(&self, _: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        Err(PinStoreError::new("connection refused"))
    }
    async fn insert_if_absent(&self, _: &PinKey, _: Pin) -> Result<Pin, PinStoreError> {
        Err(PinStoreError::new("connection refused"))
    }
    async fn compare_and_replace(
        &self,
        _: &PinKey,
        _: &Pin,
        _: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        Err(PinStoreError::new("connection refused"))
    }
}

#[test]
fn issue13_1_async_store_error_delivers_nothing() {
    let c = contact("c-down", Channel::Chat);
    let err = pollster::block_on(R1.decide_pinned_async(
        &c,
        &Responder::system("self-diagnosis"),
        &Down,
        t(0),
    ))
    .unwrap_err();
    assert_eq!(err.kind(), PinErrorKind::Read);
    assert!(err.to_string().contains("no text was delivered"), "{err}");
    let routed = pollster::block_on(R1.decide_pinned_async(
        &c.with_progress(Progress::Served),
        &Responder::staff("sales-agent"),
        &Down,
        t(0),
    ));
    assert_eq!(routed.unwrap_err().kind(), PinErrorKind::Read);
}

/// The state machine can be driven by hand: each step names its store operation.
#[test]
fn issue13_1_steps_name_the_store_operations() {
    let store = MemoryPinStore::new();
    let c = contact("c-steps", Channel::Chat);
    let bot = Responder::system("self-diagnosis");
    let PinStep::Read(read) = R1.begin_pinned(&c, &bot, t(0)) else {
        panic!("a pinned answer first reads its key")
    };
    assert_eq!(
        read.key(),
        &PinKey::new("c-steps", "email.setup", Slot::Explains)
    );
    let PinStep::Insert(insert) = read.resume(Ok(None)) else {
        panic!("no pin: insert")
    };
    let got = PinStore::insert_if_absent(&store, insert.key(), insert.pin().clone());
    let PinStep::Done(Ok(d)) = insert.resume(got) else {
        panic!("inserted: deliver")
    };
    assert_eq!(d.status(), PinStatus::New);
    // A substantive change: read, then replace.
    let PinStep::Read(read) = R3.begin_pinned(&c, &bot, t(1)) else {
        panic!("read first")
    };
    let got = PinStore::get(&store, read.key());
    let PinStep::Replace(replace) = read.resume(got) else {
        panic!("moved: replace")
    };
    assert_eq!(Some(replace.expected()), d.pin());
    assert_eq!(replace.replacement().version, 5);
}
