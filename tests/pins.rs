//! The first message wins (R0.3, R0.7): one generic suite of pin semantics, run against the
//! in-crate `MemoryPinStore` and the SQLite store of `stores/sqlite`
//! (crate `unified-message-sqlite`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pin_support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, LazyLock};

use pin_support::{EDITORIAL, SUBSTANTIVE, TempDir, policy, t};
use unified_message::pins::compare_revisions;
use unified_message::pins::{Pin, PinErrorKind, PinKey, PinStatus, Slot};
use unified_message::{
    Channel, Contact, Engine, MemoryPinStore, PinStore, PinStoreError, Responder,
};
use unified_message_sqlite::SqlitePinStore;

/// Revision 1: the example policy; `email-setup-guide` is at version 3.
static R1: LazyLock<Engine> = LazyLock::new(|| Engine::from_toml_str(&policy("r1", &[])).unwrap());
/// Revision 2: an editorial version 4 of `email-setup-guide`.
static R2: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(&policy("r2", &[EDITORIAL])).unwrap());
/// Revision 3: revision 2, then a substantive version 5.
static R3: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(&policy("r3", &[EDITORIAL, SUBSTANTIVE])).unwrap());
/// Revision 4: the topic's explaining message is another message.
static OTHER: LazyLock<Engine> = LazyLock::new(|| {
    let text = policy("r4", &[pin_support::WIZARD]).replace(
        "message = \"email-setup-guide\" }",
        "message = \"email-setup-wizard\" }",
    );
    Engine::from_toml_str(&text).unwrap()
});

const GUIDE: &str = "email-setup-guide";

fn bot() -> Responder {
    Responder::system("self-diagnosis")
}

fn contact(customer: &str, channel: Channel) -> Contact {
    Contact::new(customer, channel)
        .with_topic("email.setup")
        .with_locale("en")
}

fn key(customer: &str) -> PinKey {
    PinKey::new(customer, "email.setup", Slot::Explains)
}

/// What the suite needs besides the trait: the pins a customer has.
trait Inspect: PinStore + Sync {
    fn pins_of(&self, customer: &str) -> Vec<(PinKey, Pin)>;
}

impl Inspect for MemoryPinStore {
    fn pins_of(&self, customer: &str) -> Vec<(PinKey, Pin)> {
        self.snapshot()
            .into_iter()
            .filter(|(k, _)| k.customer == customer)
            .collect()
    }
}

impl Inspect for SqlitePinStore {
    fn pins_of(&self, customer: &str) -> Vec<(PinKey, Pin)> {
        SqlitePinStore::pins_of(self, customer).unwrap()
    }
}

/// A store, and the directory its database lives in (removed after the store is closed).
struct Fixture<S> {
    store: S,
    _dir: Option<TempDir>,
}

fn memory() -> Fixture<MemoryPinStore> {
    Fixture {
        store: MemoryPinStore::new(),
        _dir: None,
    }
}

fn sqlite() -> Fixture<SqlitePinStore> {
    let dir = TempDir::new("suite");
    Fixture {
        store: SqlitePinStore::open(dir.path().join("pins.sqlite3")).unwrap(),
        _dir: Some(dir),
    }
}

// ---------------------------------------------------------------------------------------------
// The generic suite.
// ---------------------------------------------------------------------------------------------

/// The first decision pins the current version; the next one keeps it.
fn first_pin<S: Inspect>(store: &S) {
    let c = contact("c-first", Channel::Chat);
    let plain = R1.decide(&c, &bot());
    let first = R1.decide_pinned(&c, &bot(), store, t(0)).unwrap();
    assert_eq!(first.status(), PinStatus::New);
    let expected = Pin::new(GUIDE, 3, "r1", t(0));
    assert_eq!(first.pin(), Some(&expected));
    assert_eq!(
        first.decision(),
        &plain,
        "a first pin delivers what decide says"
    );
    assert_eq!(first.notice(), None);
    assert_eq!(store.get(&key("c-first")).unwrap(), Some(expected.clone()));

    let again = R1.decide_pinned(&c, &bot(), store, t(5)).unwrap();
    assert_eq!(again.status(), PinStatus::Kept);
    assert_eq!(
        again.pin(),
        Some(&expected),
        "a kept pin keeps its first time"
    );
    assert_eq!(store.pins_of("c-first").len(), 1);
}

/// After an editorial version, a pinned customer hears the pinned version's words.
fn editorial_keeps_pinned_text<S: Inspect>(store: &S) {
    let c = contact("c-edit", Channel::Chat);
    let first = R1.decide_pinned(&c, &bot(), store, t(0)).unwrap();
    let later = R2.decide_pinned(&c, &bot(), store, t(1)).unwrap();
    assert_eq!(later.status(), PinStatus::Kept);
    assert_eq!(later.decision().version(), 3);
    assert_eq!(later.text(), first.text());
    assert_ne!(
        later.text(),
        R2.decide(&c, &bot()).text(),
        "revision 2's own text is the reworded version 4"
    );
    assert_eq!(later.notice(), None);
    assert_eq!(store.get(&key("c-edit")).unwrap(), first.pin().cloned());
}

/// After a substantive version: the current text, a notice naming what was said, the pin moves.
fn substantive_moves_pin<S: Inspect>(store: &S) {
    let c = contact("c-sub", Channel::Chat);
    let first = R1.decide_pinned(&c, &bot(), store, t(0)).unwrap();
    let later = R3.decide_pinned(&c, &bot(), store, t(2)).unwrap();
    assert_eq!(later.status(), PinStatus::Moved);
    assert_eq!(later.decision().version(), 5);
    assert_eq!(later.text(), R3.decide(&c, &bot()).text());
    assert_eq!(later.decision().previous(), Some((GUIDE, 3)));
    assert_eq!(later.replaced(), first.pin());
    let notice = later.notice().unwrap();
    assert!(
        notice.contains(&first.text()),
        "the notice quotes what was said: {notice}"
    );
    let moved = Pin::new(GUIDE, 5, "r3", t(2));
    assert_eq!(later.pin(), Some(&moved));
    assert_eq!(store.get(&key("c-sub")).unwrap(), Some(moved.clone()));

    // The notice is given once: the next contact hears the new text alone.
    let next = R3
        .decide_pinned(&c.with_channel(Channel::Phone), &bot(), store, t(3))
        .unwrap();
    assert_eq!(next.status(), PinStatus::Kept);
    assert_eq!(next.notice(), None);
    assert_eq!(next.pin(), Some(&moved));
}

/// A pin taken under revision 2 (version 4) moves on revision 3's substantive version 5 too.
fn editorial_then_substantive<S: Inspect>(store: &S) {
    let c = contact("c-late", Channel::Web);
    let first = R2.decide_pinned(&c, &bot(), store, t(0)).unwrap();
    assert_eq!(first.decision().version(), 4);
    let later = R3.decide_pinned(&c, &bot(), store, t(1)).unwrap();
    assert_eq!(later.status(), PinStatus::Moved);
    assert_eq!(later.decision().previous(), Some((GUIDE, 4)));
}

/// The slot naming another message is a change the customer is told about.
fn other_message_in_slot<S: Inspect>(store: &S) {
    let c = contact("c-other", Channel::Chat);
    let first = R1.decide_pinned(&c, &bot(), store, t(0)).unwrap();
    let later = OTHER.decide_pinned(&c, &bot(), store, t(1)).unwrap();
    assert_eq!(later.status(), PinStatus::Moved);
    assert_eq!(later.decision().message_id(), "email-setup-wizard");
    assert_eq!(later.decision().previous(), Some((GUIDE, 3)));
    assert!(later.notice().unwrap().contains(&first.text()));
    assert_eq!(
        store.get(&key("c-other")).unwrap().map(|p| p.message),
        Some("email-setup-wizard".to_owned())
    );
}

/// R0.3 across a rolling deploy (issue 13.7): a pin that names a version newer than any this
/// policy has was written by a host on a newer revision. This host delivers nothing
/// (`PinErrorKind::Ahead`) rather than its older text, and leaves the pin as it is.
fn a_pin_from_a_newer_policy_delivers_nothing<S: Inspect>(store: &S) {
    let newer = Pin::new(GUIDE, 9, "r9", t(0));
    store
        .insert_if_absent(&key("c-gone"), newer.clone())
        .unwrap();
    let c = contact("c-gone", Channel::Chat);
    let err = R1.decide_pinned(&c, &bot(), store, t(1)).unwrap_err();
    assert_eq!(err.kind(), PinErrorKind::Ahead);
    assert!(err.store_error().is_none());
    assert!(err.to_string().contains("newer"), "{err}");
    assert_eq!(store.get(&key("c-gone")).unwrap(), Some(newer));
}

/// A rule's fixed answer has a slot of its own: an outage neither disturbs nor moves the
/// customer's pin on the topic's guide.
fn rule_answer_has_its_own_slot<S: Inspect>(store: &S) {
    let c = contact("c-outage", Channel::Chat);
    let guide = R1.decide_pinned(&c, &bot(), store, t(0)).unwrap();
    let outage = R1
        .decide_pinned(&c.clone().with_fact("outage", "email"), &bot(), store, t(1))
        .unwrap();
    assert_eq!(outage.status(), PinStatus::New);
    assert_eq!(outage.decision().message_id(), "email-outage-notice");
    let after = R2.decide_pinned(&c, &bot(), store, t(2)).unwrap();
    assert_eq!(after.status(), PinStatus::Kept);
    assert_eq!(after.text(), guide.text());
    let slots: BTreeSet<Slot> = store
        .pins_of("c-outage")
        .into_iter()
        .map(|(k, _)| k.slot)
        .collect();
    assert_eq!(
        slots,
        BTreeSet::from([Slot::Explains, Slot::Rule("email-outage".into())])
    );
}

/// Handover texts are not pinned, and no pin is read or written for them.
fn handovers_are_not_pinned<S: Inspect>(store: &S) {
    let c = contact("c-handover", Channel::Phone);
    let redirect = R1
        .decide_pinned(&c, &Responder::staff("support-agent"), store, t(0))
        .unwrap();
    assert_eq!(redirect.status(), PinStatus::Unpinned);
    assert_eq!(redirect.pin(), None);
    assert!(redirect.handoff().is_none());
    assert!(store.pins_of("c-handover").is_empty());
}

/// R0.3: a contact without a customer id (empty or blank) keeps no pin: anonymous contacts
/// must not hear each other's first message. The store is not even read (every access fails
/// here), and a handoff lists nothing told.
fn anonymous_contacts_share_no_pin<S: Inspect>(store: &S) {
    let failing = Failing {
        inner: store,
        faults: Faults::default(),
    };
    for f in [
        &failing.faults.reads,
        &failing.faults.inserts,
        &failing.faults.replaces,
    ] {
        f.store(true, Ordering::SeqCst);
    }
    for customer in ["", "  "] {
        let d = R1
            .decide_pinned(&contact(customer, Channel::Chat), &bot(), &failing, t(0))
            .unwrap();
        assert_eq!(d.status(), PinStatus::Anonymous);
        assert_eq!(d.pin(), None);
        assert_eq!(d.decision().message_id(), GUIDE);
        let routed = R1
            .decide_pinned(
                &contact(customer, Channel::Phone).with_progress(unified_message::Progress::Served),
                &Responder::staff("sales-agent"),
                &failing,
                t(1),
            )
            .unwrap();
        assert_eq!(routed.status(), PinStatus::Anonymous);
        assert!(routed.handoff().is_some_and(|h| h.told.is_empty()));
        assert!(store.pins_of(customer).is_empty());
    }
    // A named customer is pinned as usual.
    let named = R1.decide_pinned(&contact("c-named", Channel::Chat), &bot(), store, t(2));
    assert_eq!(named.unwrap().status(), PinStatus::New);
}

/// `get_many` answers in the order of the keys, `None` where there is no pin, whatever the
/// customers and topics.
fn get_many_in_key_order<S: Inspect>(store: &S) {
    let a = PinKey::new("c-many", "email.setup", Slot::Serves);
    let b = PinKey::new("c-many", "email.setup", Slot::Explains);
    let c = PinKey::new("c-many", "email.setup", Slot::Rule("email-outage".into()));
    let other = PinKey::new("c-other-many", "email.setup", Slot::Explains);
    let pa = Pin::new("email-setup-panel", 1, "r1", t(1));
    let pb = Pin::new(GUIDE, 3, "r1", t(2));
    let po = Pin::new(GUIDE, 4, "r2", t(3));
    store.insert_if_absent(&a, pa.clone()).unwrap();
    store.insert_if_absent(&b, pb.clone()).unwrap();
    store.insert_if_absent(&other, po.clone()).unwrap();
    assert_eq!(
        store.get_many(&[b.clone(), c.clone(), a.clone()]).unwrap(),
        [Some(pb.clone()), None, Some(pa.clone())]
    );
    assert_eq!(
        store.get_many(&[other, c, b]).unwrap(),
        [Some(po), None, Some(pb)]
    );
    assert_eq!(store.get_many(&[]).unwrap(), []);
}

/// A handoff lists this customer's pins on this topic, in ladder order, and no one else's.
fn handoff_lists_the_customers_pins<S: Inspect>(store: &S) {
    let chat = contact("c-hand", Channel::Chat);
    let explained = R1.decide_pinned(&chat, &bot(), store, t(0)).unwrap();
    let served = R1
        .decide_pinned(
            &chat
                .clone()
                .with_progress(unified_message::Progress::Explained),
            &Responder::system("control-panel"),
            store,
            t(1),
        )
        .unwrap();
    // Someone else's pin, and this customer's pin on another topic.
    R1.decide_pinned(&contact("c-hand-2", Channel::Chat), &bot(), store, t(2))
        .unwrap();
    R1.decide_pinned(
        &chat.clone().with_topic("billing.refund"),
        &bot(),
        store,
        t(3),
    )
    .unwrap();
    let routed = R2
        .decide_pinned(
            &chat.with_progress(unified_message::Progress::Served),
            &Responder::staff("sales-agent"),
            store,
            t(4),
        )
        .unwrap();
    let told: Vec<_> = routed
        .handoff()
        .unwrap()
        .told
        .iter()
        .map(|t| (t.slot.clone(), t.pin.clone(), t.text.clone()))
        .collect();
    assert_eq!(
        told,
        [
            (
                Slot::Explains,
                explained.pin().cloned().unwrap(),
                Some(explained.text())
            ),
            (
                Slot::Serves,
                served.pin().cloned().unwrap(),
                Some(served.text())
            ),
        ]
    );
}

const CHANNELS: [&str; 8] = [
    "chat",
    "phone",
    "email",
    "web",
    "ivr",
    "social",
    "messaging",
    "sms",
];

/// Eight channels answer the same customer's first contact at the same instant: one pin, one
/// story.
fn concurrent_first_contact<S: Inspect>(store: &S) {
    let barrier = Barrier::new(CHANNELS.len());
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = CHANNELS
            .iter()
            .zip(0..)
            .map(|(channel, i)| {
                let barrier = &barrier;
                s.spawn(move || {
                    let c = contact("c-race", Channel::from(*channel));
                    barrier.wait();
                    let d = R2.decide_pinned(&c, &bot(), store, t(i)).unwrap();
                    (
                        d.status(),
                        d.decision().message_id().to_owned(),
                        d.decision().version(),
                        d.pin().cloned(),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let pins = store.pins_of("c-race");
    assert_eq!(pins.len(), 1, "exactly one pin: {pins:?}");
    let pin = &pins[0].1;
    let news = results.iter().filter(|r| r.0 == PinStatus::New).count();
    assert_eq!(news, 1, "exactly one thread made the pin: {results:?}");
    for (_, message, version, delivered_pin) in &results {
        assert_eq!(
            (message.as_str(), *version),
            (pin.message.as_str(), pin.version)
        );
        assert_eq!(
            delivered_pin.as_ref(),
            Some(pin),
            "every thread reports the winner's pin"
        );
    }
}

/// Eight channels meet a substantive change at the same instant: the pin moves once, the
/// notice is given once, and everyone delivers the new version.
fn concurrent_move<S: Inspect>(store: &S) {
    R1.decide_pinned(&contact("c-move", Channel::Chat), &bot(), store, t(0))
        .unwrap();
    let barrier = Barrier::new(CHANNELS.len());
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = CHANNELS
            .iter()
            .zip(10..)
            .map(|(channel, i)| {
                let barrier = &barrier;
                s.spawn(move || {
                    let c = contact("c-move", Channel::from(*channel));
                    barrier.wait();
                    let d = R3.decide_pinned(&c, &bot(), store, t(i)).unwrap();
                    // What revision 1 said on this channel: what a notice here must quote.
                    let said = R1.decide(&c, &bot()).text();
                    (
                        d.status(),
                        d.decision().version(),
                        d.notice(),
                        d.pin().cloned(),
                        said,
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let pin = store.get(&key("c-move")).unwrap().unwrap();
    assert_eq!(pin.version, 5);
    let moved: Vec<_> = results.iter().filter(|r| r.0 == PinStatus::Moved).collect();
    assert_eq!(moved.len(), 1, "the pin moved once: {results:?}");
    let notice = moved[0].2.as_ref().unwrap();
    assert!(notice.contains(&moved[0].4), "{notice}");
    for (status, version, notice, delivered_pin, _) in &results {
        assert_eq!(*version, 5);
        assert_eq!(delivered_pin.as_ref(), Some(&pin));
        if *status != PinStatus::Moved {
            assert_eq!(*status, PinStatus::Kept);
            assert_eq!(notice, &None);
        }
    }
}

/// Which writes a [`Failing`] store refuses.
#[derive(Default)]
struct Faults {
    reads: AtomicBool,
    inserts: AtomicBool,
    replaces: AtomicBool,
    /// The replace is written, but its reply is lost.
    replace_replies: AtomicBool,
}

/// A store that fails on demand.
struct Failing<'s, S> {
    inner: &'s S,
    faults: Faults,
}

fn injected(what: &str) -> PinStoreError {
    PinStoreError::new(format!("injected failure on {what}"))
}

impl<S: PinStore> PinStore for Failing<'_, S> {
    fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        if self.faults.reads.load(Ordering::SeqCst) {
            return Err(injected("read"));
        }
        self.inner.get(key)
    }

    fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        if self.faults.inserts.load(Ordering::SeqCst) {
            return Err(injected("insert"));
        }
        self.inner.insert_if_absent(key, pin)
    }

    fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        if self.faults.replaces.load(Ordering::SeqCst) {
            return Err(injected("replace"));
        }
        let done = self.inner.compare_and_replace(key, expected, new)?;
        if self.faults.replace_replies.load(Ordering::SeqCst) {
            return Err(injected("replace reply"));
        }
        Ok(done)
    }
}

/// A store that fails to write never lets a text out that contradicts the pin in force.
fn failing_store_never_contradicts<S: Inspect>(store: &S) {
    let failing = Failing {
        inner: store,
        faults: Faults::default(),
    };
    let f = &failing.faults;
    let c = contact("c-fail", Channel::Chat);

    // No pin can be recorded: nothing is delivered, nothing is stored.
    f.inserts.store(true, Ordering::SeqCst);
    let err = R1.decide_pinned(&c, &bot(), &failing, t(0)).unwrap_err();
    assert_eq!(err.kind(), PinErrorKind::Insert);
    assert_eq!(err.key(), &key("c-fail"));
    assert!(err.to_string().contains("no text was delivered"), "{err}");
    assert!(store.pins_of("c-fail").is_empty());
    f.inserts.store(false, Ordering::SeqCst);

    let first = R1.decide_pinned(&c, &bot(), &failing, t(0)).unwrap();
    let pinned = first.pin().cloned().unwrap();

    // The pin cannot move: the changed text does not come out.
    f.replaces.store(true, Ordering::SeqCst);
    let err = R3.decide_pinned(&c, &bot(), &failing, t(1)).unwrap_err();
    assert_eq!(err.kind(), PinErrorKind::Replace);
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(store.get(&key("c-fail")).unwrap(), Some(pinned.clone()));

    // With writes failing, a pin that holds still delivers its text: no write is needed.
    f.inserts.store(true, Ordering::SeqCst);
    let kept = R2.decide_pinned(&c, &bot(), &failing, t(2)).unwrap();
    assert_eq!(kept.status(), PinStatus::Kept);
    assert_eq!(kept.text(), first.text());

    // No read: nothing is delivered.
    f.reads.store(true, Ordering::SeqCst);
    let err = R1.decide_pinned(&c, &bot(), &failing, t(3)).unwrap_err();
    assert_eq!(err.kind(), PinErrorKind::Read);
    let routed = R1.decide_pinned(
        &c.clone().with_progress(unified_message::Progress::Served),
        &Responder::staff("sales-agent"),
        &failing,
        t(3),
    );
    assert_eq!(
        routed.unwrap_err().kind(),
        PinErrorKind::Read,
        "a handoff needs the pins too"
    );
    f.reads.store(false, Ordering::SeqCst);
    f.inserts.store(false, Ordering::SeqCst);

    // The replace is written but its reply lost: an error, and the retry delivers the pin
    // in force — never the old text under the new pin.
    f.replaces.store(false, Ordering::SeqCst);
    f.replace_replies.store(true, Ordering::SeqCst);
    let err = R3.decide_pinned(&c, &bot(), &failing, t(4)).unwrap_err();
    assert_eq!(err.kind(), PinErrorKind::Replace);
    f.replace_replies.store(false, Ordering::SeqCst);
    let retry = R3.decide_pinned(&c, &bot(), &failing, t(4)).unwrap();
    let in_force = store.get(&key("c-fail")).unwrap().unwrap();
    assert_eq!(retry.pin(), Some(&in_force));
    assert_eq!(
        (retry.decision().message_id(), retry.decision().version()),
        (in_force.message.as_str(), in_force.version)
    );
}

/// R0.3: chat, then phone, then e-mail — across an editorial change — keep the first message.
fn r0_3_chat_phone_email_keep_first_message<S: Inspect>(store: &S) {
    let chat = contact("c-journey", Channel::Chat);
    let first = R1.decide_pinned(&chat, &bot(), store, t(0)).unwrap();
    let phone = R2
        .decide_pinned(
            &chat.clone().with_channel(Channel::Phone),
            &Responder::system("ivr"),
            store,
            t(1),
        )
        .unwrap();
    let email = R2
        .decide_pinned(
            &chat.clone().with_channel(Channel::Email),
            &bot(),
            store,
            t(2),
        )
        .unwrap();
    for d in [&phone, &email] {
        assert_eq!(d.status(), PinStatus::Kept);
        assert_eq!(
            (d.decision().message_id(), d.decision().version()),
            (GUIDE, 3)
        );
        assert_eq!(d.pin(), first.pin());
    }
    // The e-mail says what revision 1 said on e-mail, not revision 2's rewording.
    let r1_email = R1.decide(&chat.with_channel(Channel::Email), &bot());
    assert_eq!(email.text(), r1_email.text());
}

macro_rules! pin_suite {
    ($store:ident: $($test:ident),* $(,)?) => {
        mod $store {
            $(
                #[test]
                fn $test() {
                    let fixture = super::$store();
                    super::$test(&fixture.store);
                }
            )*
        }
    };
}

pin_suite!(memory:
    first_pin,
    editorial_keeps_pinned_text,
    substantive_moves_pin,
    editorial_then_substantive,
    other_message_in_slot,
    a_pin_from_a_newer_policy_delivers_nothing,
    rule_answer_has_its_own_slot,
    handovers_are_not_pinned,
    anonymous_contacts_share_no_pin,
    get_many_in_key_order,
    handoff_lists_the_customers_pins,
    concurrent_first_contact,
    concurrent_move,
    failing_store_never_contradicts,
    r0_3_chat_phone_email_keep_first_message,
);

pin_suite!(sqlite:
    first_pin,
    editorial_keeps_pinned_text,
    substantive_moves_pin,
    editorial_then_substantive,
    other_message_in_slot,
    a_pin_from_a_newer_policy_delivers_nothing,
    rule_answer_has_its_own_slot,
    handovers_are_not_pinned,
    anonymous_contacts_share_no_pin,
    get_many_in_key_order,
    handoff_lists_the_customers_pins,
    concurrent_first_contact,
    concurrent_move,
    failing_store_never_contradicts,
    r0_3_chat_phone_email_keep_first_message,
);

// ---------------------------------------------------------------------------------------------
// SQLite only.
// ---------------------------------------------------------------------------------------------

/// A database closed and reopened still holds its pins, and they still hold.
#[test]
fn sqlite_reopened_database_keeps_pins() {
    let dir = TempDir::new("reopen");
    let path = dir.path().join("pins.sqlite3");
    let c = contact("c-reopen", Channel::Chat);
    let (first, path) = {
        let store = SqlitePinStore::open(&path).unwrap();
        let first = R1.decide_pinned(&c, &bot(), &store, t(0)).unwrap();
        (first.pin().cloned().unwrap(), store.path().to_path_buf())
    };
    let store = SqlitePinStore::open(&path).unwrap();
    assert_eq!(store.get(&key("c-reopen")).unwrap(), Some(first.clone()));
    let later = R2
        .decide_pinned(&c.with_channel(Channel::Phone), &bot(), &store, t(9))
        .unwrap();
    assert_eq!(later.status(), PinStatus::Kept);
    assert_eq!(later.pin(), Some(&first));
}

/// Two stores on the same file (two hosts) race through SQLite's own locking.
#[test]
fn sqlite_two_connections_one_pin() {
    let dir = TempDir::new("two-hosts");
    let path = dir.path().join("pins.sqlite3");
    let a = SqlitePinStore::open(&path).unwrap();
    let b = SqlitePinStore::open(&path).unwrap();
    let k = key("c-hosts");
    let barrier = Barrier::new(2);
    let (pa, pb) = std::thread::scope(|s| {
        let ha = s.spawn(|| {
            barrier.wait();
            a.insert_if_absent(&k, Pin::new(GUIDE, 3, "r1", t(1)))
                .unwrap()
        });
        let hb = s.spawn(|| {
            barrier.wait();
            b.insert_if_absent(&k, Pin::new(GUIDE, 4, "r2", t(2)))
                .unwrap()
        });
        (ha.join().unwrap(), hb.join().unwrap())
    });
    assert_eq!(pa, pb, "both hosts see the winner's pin");
    assert_eq!(a.count().unwrap(), 1);
}

// ---------------------------------------------------------------------------------------------
// Any sequence of policy revisions, channels and store failures.
// ---------------------------------------------------------------------------------------------

mod sequences {
    use proptest::prelude::*;

    use super::*;

    fn engine(i: usize) -> &'static Engine {
        match i {
            0 => &R1,
            1 => &R2,
            2 => &R3,
            _ => &OTHER,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the revisions and failures, a delivered answer is the pin in force, a kept
        /// pin does not change, a moved pin names the one it replaced, a failed call changes
        /// nothing (except a replace whose reply was lost), and an older revision meeting a
        /// newer revision's pin delivers nothing and never moves it back.
        #[test]
        fn delivered_text_always_matches_the_pin_in_force(
            steps in proptest::collection::vec((0usize..4, 0usize..8, 0u8..6), 1..24),
        ) {
            let store = MemoryPinStore::new();
            let failing = Failing { inner: &store, faults: Faults::default() };
            let k = key("c-seq");
            for (i, (e, ch, fault)) in steps.into_iter().enumerate() {
                let f = &failing.faults;
                f.reads.store(fault == 1, Ordering::SeqCst);
                f.inserts.store(fault == 2, Ordering::SeqCst);
                f.replaces.store(fault == 3, Ordering::SeqCst);
                f.replace_replies.store(fault == 4, Ordering::SeqCst);
                let before = store.get(&k).unwrap();
                let c = contact("c-seq", Channel::from(CHANNELS[ch]));
                let result = engine(e).decide_pinned(&c, &bot(), &failing, t(i as i64));
                let after = store.get(&k).unwrap();
                match result {
                    Ok(d) => {
                        let pin = d.pin().unwrap();
                        prop_assert_eq!(Some(pin), after.as_ref());
                        prop_assert_eq!(
                            (d.decision().message_id(), d.decision().version()),
                            (pin.message.as_str(), pin.version)
                        );
                        match d.status() {
                            PinStatus::New => prop_assert_eq!(before, None),
                            PinStatus::Kept => {
                                prop_assert_eq!(before.as_ref(), Some(pin));
                                prop_assert_eq!(d.notice(), None);
                            }
                            PinStatus::Moved => {
                                prop_assert_eq!(d.replaced(), before.as_ref());
                                // A notice whenever what was said is still in the policy,
                                // and never an empty quote (issue 23 point 2).
                                prop_assert_eq!(
                                    d.notice().is_some(),
                                    d.decision().previous().is_some()
                                );
                                let quotable = before.as_ref().is_some_and(|p| {
                                    engine(e).decide(&c, &bot()).message_id() == p.message
                                        || p.version <= 3
                                });
                                prop_assert_eq!(d.notice().is_some(), quotable);
                                prop_assert!(!d.notice().unwrap_or_default().contains("“”"));
                                // Issue 23 point 1: never moved back by an older revision.
                                let was = before.as_ref().map_or("", |p| p.revision.as_str());
                                prop_assert_ne!(
                                    compare_revisions(was, engine(e).revision()),
                                    std::cmp::Ordering::Greater
                                );
                            }
                            other => prop_assert!(false, "unexpected status {other}"),
                        }
                    }
                    // A pin written by a newer revision: nothing delivered, nothing changed
                    // (R0.3 across a rolling deploy).
                    Err(err) if err.kind() == PinErrorKind::Ahead => {
                        prop_assert_eq!(&before, &after);
                        let pin = before.as_ref().unwrap();
                        // Written under a later revision (issue 23 point 1), or naming a
                        // version this one does not have.
                        let later = compare_revisions(&pin.revision, engine(e).revision())
                            == std::cmp::Ordering::Greater;
                        prop_assert!(e != 3, "the newest revision is never behind: {err}");
                        prop_assert!(later || pin.version > 3, "{pin:?} is not newer: {err}");
                    }
                    Err(err) => {
                        prop_assert!(fault != 0 && fault != 5, "no fault, yet {err}");
                        if fault != 4 {
                            prop_assert_eq!(before, after);
                        }
                    }
                }
            }
        }
    }
}

/// Stores and pinned decisions cross threads: hosts share them behind an `Arc`.
#[test]
fn pin_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<MemoryPinStore>();
    send_sync::<SqlitePinStore>();
    send_sync::<Pin>();
    send_sync::<PinKey>();
    send_sync::<unified_message::PinError>();
    send_sync::<unified_message::pins::Handoff>();
    send_sync::<unified_message::PinnedDecision<'static>>();
}
