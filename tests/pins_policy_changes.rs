//! Issue 23 points 1, 2 and 6 on the engine's side, against the in-crate `MemoryPinStore` and
//! the SQLite store: a pin written under a newer policy is never moved back by an older host,
//! whatever changed; a removed message is never quoted as nothing; a customer id no store can
//! hold is refused, the same way for every store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pin_support;

use std::cmp::Ordering;
use std::sync::LazyLock;

use pin_support::{
    GUIDE_2, OUTAGE_2, SUBSTANTIVE, TempDir, policy, slot_names_guide_2, t, without_guide,
};
use unified_message::pins::{
    InvalidCustomerId, MAX_CUSTOMER_ID_BYTES, check_customer_id, compare_revisions,
};
use unified_message::pins::{Pin, PinErrorKind, PinKey, PinStatus, Slot};
use unified_message::{Channel, Contact, Engine, MemoryPinStore, PinStore, Progress, Responder};
use unified_message_sqlite::SqlitePinStore;

/// Policy A: the example policy, revision `2026-11-27`.
static A: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(&policy("2026-11-27", &[])).unwrap());

/// Policy B, revision `2026-11-28`: `email.setup`'s explaining system names a new message
/// `email-setup-guide-2` (the old guide is still in the policy), and the `email-outage` rule
/// gives a new fixed answer.
static B: LazyLock<Engine> = LazyLock::new(|| {
    let text = slot_names_guide_2(&policy("2026-11-28", &[GUIDE_2, OUTAGE_2])).replace(
        "then = { answer = \"email-outage-notice\" }",
        "then = { answer = \"email-outage-notice-2\" }",
    );
    Engine::from_toml_str(&text).unwrap()
});

/// Policy C, revision `2026-11-29`: B without the message `email-setup-guide` at all.
static C: LazyLock<Engine> = LazyLock::new(|| {
    Engine::from_toml_str(&without_guide(&slot_names_guide_2(&policy(
        "2026-11-29",
        &[GUIDE_2],
    ))))
    .unwrap()
});

/// Policy A under a later revision with one more (substantive) version of the guide.
static A_V4: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(&policy("2026-11-28", &[SUBSTANTIVE])).unwrap());

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

/// Runs `check` on a memory store and on an SQLite store.
fn on_every_store(check: impl Fn(&dyn PinStore)) {
    check(&MemoryPinStore::new());
    let dir = TempDir::new("policy-changes");
    check(&SqlitePinStore::open(dir.path().join("pins.sqlite3")).unwrap());
}

/// The issue's scenario: B, A, B, A used to give new → moved → moved → moved, each with a
/// notice, the pin flipping between the two guides. Now B pins the new guide, A delivers
/// nothing and leaves the pin alone, B keeps it.
#[test]
fn issue23_1_old_host_does_not_flip_a_slot_that_names_another_message_b_first() {
    on_every_store(|store| {
        let c = contact("c-baba", Channel::Chat);
        let first = B.decide_pinned(&c, &bot(), store, t(0)).unwrap();
        assert_eq!(first.status(), PinStatus::New);
        assert_eq!(first.decision().message_id(), "email-setup-guide-2");
        let pin = first.pin().cloned();
        for (i, engine) in [&*A, &*B, &*A].into_iter().enumerate() {
            let at = t(1 + i as i64);
            match engine.decide_pinned(&c, &bot(), store, at) {
                Ok(d) => {
                    assert_eq!(
                        engine.revision(),
                        "2026-11-28",
                        "A delivered {:?}",
                        d.text()
                    );
                    assert_eq!(d.status(), PinStatus::Kept);
                    assert_eq!(d.notice(), None);
                    assert_eq!(d.text(), first.text());
                }
                Err(e) => {
                    assert_eq!(engine.revision(), "2026-11-27", "B failed: {e}");
                    assert_eq!(e.kind(), PinErrorKind::Ahead, "{e}");
                    assert!(e.store_error().is_none());
                }
            }
            assert_eq!(
                store.get(&key("c-baba")).unwrap(),
                pin,
                "the pin never moves back"
            );
        }
    });
}

/// A, B, A, B: A pins the old guide, B moves it to the new guide (with a notice), and from then
/// on A delivers nothing and B keeps.
#[test]
fn issue23_1_old_host_does_not_flip_a_slot_that_names_another_message_a_first() {
    on_every_store(|store| {
        let c = contact("c-abab", Channel::Phone);
        let first = A.decide_pinned(&c, &bot(), store, t(0)).unwrap();
        assert_eq!(first.decision().message_id(), "email-setup-guide");
        let moved = B.decide_pinned(&c, &bot(), store, t(1)).unwrap();
        assert_eq!(moved.status(), PinStatus::Moved);
        assert_eq!(moved.decision().previous(), Some(("email-setup-guide", 3)));
        assert!(moved.notice().unwrap().contains(&first.text()));
        let pin = moved.pin().cloned();
        let err = A.decide_pinned(&c, &bot(), store, t(2)).unwrap_err();
        assert_eq!(err.kind(), PinErrorKind::Ahead);
        assert!(err.to_string().contains("newer"), "{err}");
        assert_eq!(store.get(&key("c-abab")).unwrap(), pin);
        let kept = B.decide_pinned(&c, &bot(), store, t(3)).unwrap();
        assert_eq!(kept.status(), PinStatus::Kept);
        assert_eq!(kept.notice(), None);
        assert_eq!(store.get(&key("c-abab")).unwrap(), pin);
    });
}

/// A rule's fixed answer changed: the older host does not give the older outage notice once
/// the newer one was given.
#[test]
fn issue23_1_old_host_does_not_move_back_a_rules_fixed_answer() {
    on_every_store(|store| {
        let c = contact("c-outage", Channel::Chat).with_fact("outage", "email");
        let outage = PinKey::new("c-outage", "email.setup", Slot::Rule("email-outage".into()));
        let first = B.decide_pinned(&c, &bot(), store, t(0)).unwrap();
        assert_eq!(first.decision().message_id(), "email-outage-notice-2");
        let err = A.decide_pinned(&c, &bot(), store, t(1)).unwrap_err();
        assert_eq!(err.kind(), PinErrorKind::Ahead);
        assert_eq!(err.key(), &outage);
        assert_eq!(store.get(&outage).unwrap(), first.pin().cloned());
    });
}

/// A newer policy appended a substantive version: a host without it delivers nothing (this
/// was already so), and a host that has the version but is on an older revision than the
/// pin's does not move it either.
#[test]
fn issue23_1_old_host_does_not_move_back_a_newer_version() {
    on_every_store(|store| {
        let c = contact("c-version", Channel::Web);
        A.decide_pinned(&c, &bot(), store, t(0)).unwrap();
        let moved = A_V4.decide_pinned(&c, &bot(), store, t(1)).unwrap();
        assert_eq!(moved.status(), PinStatus::Moved);
        let err = A.decide_pinned(&c, &bot(), store, t(2)).unwrap_err();
        assert_eq!(err.kind(), PinErrorKind::Ahead);
        assert_eq!(store.get(&key("c-version")).unwrap(), moved.pin().cloned());
    });
}

/// Pins a newer host wrote on messages this host would keep are delivered: a rolling deploy
/// does not stop the old hosts from answering customers whose text did not change.
#[test]
fn issue23_1_old_host_keeps_a_newer_hosts_pin_it_agrees_with() {
    on_every_store(|store| {
        let c = contact("c-agree", Channel::Web).with_topic("email.webmail");
        let first = B.decide_pinned(&c, &bot(), store, t(0)).unwrap();
        assert_eq!(first.pin().unwrap().revision, "2026-11-28");
        let old = A.decide_pinned(&c, &bot(), store, t(1)).unwrap();
        assert_eq!(old.status(), PinStatus::Kept);
        assert_eq!(old.text(), first.text());
        // An unchanged message pinned under the newer revision, on the slot that changed:
        // A says the same words (the old guide), B would not, so A must not either.
        let pinned = Pin::new("email-setup-guide", 3, "2026-11-28", t(0));
        store
            .insert_if_absent(&key("c-agree"), pinned.clone())
            .unwrap();
        let c = contact("c-agree", Channel::Web);
        let old = A.decide_pinned(&c, &bot(), store, t(1)).unwrap();
        assert_eq!(old.status(), PinStatus::Kept);
        assert_eq!(old.pin(), Some(&pinned));
    });
}

/// The order of revisions: natural order, documented on `compare_revisions`.
#[test]
fn issue23_1_revisions_compare_in_natural_order() {
    let ordered = [
        "",
        "1",
        "2",
        "9",
        "10",
        "2026-11-27",
        "2026-11-27.2",
        "2026-11-28",
        "2026-12-01",
        "r9",
        "r10",
        "v1.9",
        "v1.10",
    ];
    for (i, a) in ordered.iter().enumerate() {
        for (j, b) in ordered.iter().enumerate() {
            assert_eq!(compare_revisions(a, b), i.cmp(&j), "{a} vs {b}");
        }
    }
    assert_eq!(compare_revisions("01", "1"), Ordering::Less);
    assert_eq!(compare_revisions("1", "01"), Ordering::Greater);
    assert_eq!(compare_revisions("kit-2", "kit-2"), Ordering::Equal);
}

/// Point 2: policy C removed the message a customer is pinned to. The pin moves to C's text;
/// there is nothing to quote, so there is no notice (never "we told you: “”"); `replaced`
/// names what was said.
#[test]
fn issue23_2_a_removed_message_is_never_quoted_as_nothing() {
    on_every_store(|store| {
        let c = contact("c-removed", Channel::Chat);
        let first = A.decide_pinned(&c, &bot(), store, t(0)).unwrap();
        let moved = C.decide_pinned(&c, &bot(), store, t(1)).unwrap();
        assert_eq!(moved.status(), PinStatus::Moved);
        assert_eq!(moved.decision().message_id(), "email-setup-guide-2");
        assert_eq!(moved.notice(), None, "nothing to quote, no notice");
        assert_eq!(moved.decision().previous(), None);
        assert_eq!(moved.replaced(), first.pin());
        let record = moved.to_record();
        assert!(record.decision.previous.is_none());
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains("“”"), "{json}");
        // And the old host, meeting C's pin, does not move it back.
        let err = A.decide_pinned(&c, &bot(), store, t(2)).unwrap_err();
        assert_eq!(err.kind(), PinErrorKind::Ahead);
        let kept = C.decide_pinned(&c, &bot(), store, t(3)).unwrap();
        assert_eq!(kept.status(), PinStatus::Kept);
    });
}

/// Point 2, the handoff side: a pin on a removed message is listed without a text.
#[test]
fn issue23_2_a_handoff_lists_a_removed_message_without_text() {
    let store = MemoryPinStore::new();
    let c = contact("c-handoff", Channel::Phone);
    A.decide_pinned(&c, &bot(), &store, t(0)).unwrap();
    let routed = c
        .with_progress(Progress::Served)
        .with_text("my e-mail program does not connect");
    let d = C
        .decide_pinned(&routed, &Responder::staff("sales-agent"), &store, t(1))
        .unwrap();
    let handoff = d.handoff().unwrap();
    assert_eq!(handoff.told[0].pin.message, "email-setup-guide");
    assert_eq!(handoff.told[0].text, None);
}

/// Point 6: one rule for customer ids, before any store is asked.
#[test]
fn issue23_6_customer_ids_no_store_can_hold_are_refused_before_the_store() {
    on_every_store(|store| {
        let longest = format!("ü{}", "x".repeat(MAX_CUSTOMER_ID_BYTES - 2));
        assert_eq!(longest.len(), MAX_CUSTOMER_ID_BYTES);
        let ok = A
            .decide_pinned(&contact(&longest, Channel::Chat), &bot(), store, t(0))
            .unwrap();
        assert_eq!(ok.status(), PinStatus::New);
        assert_eq!(store.get(&key(&longest)).unwrap(), ok.pin().cloned());

        let too_long = format!("{longest}y");
        let nul = "c-\0-nul".to_owned();
        for (id, why) in [
            (
                &too_long,
                InvalidCustomerId::TooLong(MAX_CUSTOMER_ID_BYTES + 1),
            ),
            (&nul, InvalidCustomerId::Nul(2)),
        ] {
            assert_eq!(check_customer_id(id), Err(why));
            for c in [
                contact(id, Channel::Chat),
                contact(id, Channel::Phone).with_progress(Progress::Served),
            ] {
                let responder = if c.progress == Progress::Served {
                    Responder::staff("sales-agent")
                } else {
                    bot()
                };
                let err = A.decide_pinned(&c, &responder, store, t(1)).unwrap_err();
                assert_eq!(err.kind(), PinErrorKind::InvalidCustomer, "{err}");
                assert_eq!(err.invalid_customer(), Some(why));
                assert!(err.store_error().is_none());
                let text = err.to_string();
                assert!(!text.contains('\0') && text.len() < 400, "{text}");
                assert!(text.contains("customer id"), "{text}");
            }
            assert_eq!(store.get(&key(id)).unwrap(), None, "nothing stored");
        }
    });
}
