//! Requirement tests for pinned decisions: R0.7 (the policy changes under the customers) and
//! R3.6 (a customer passed on repeats nothing). R0.3 runs in `tests/pins.rs` on every store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pin_support;

use std::sync::Arc;

use arc_swap::ArcSwap;
use pin_support::{EDITORIAL, policy, t};
use unified_message::pins::{Pin, PinStatus, PinnedRecord, Slot};
use unified_message::{Channel, Contact, Engine, MemoryPinStore, Outcome, Progress, Responder};

/// Revision 2's substantive change to the refund conditions (version 3 of `refund-policy`).
const REFUND_14_DAYS: &str = r#"
[[messages.refund-policy.versions]]
change = "substantive"
text.es = "Desde el 1 de enero, la devolución de un plan de alojamiento se pide en los 14 días siguientes a la contratación; los dominios no son reembolsables. {system} tiene el formulario: {where}"
text.en = "From 1 January, a refund of a hosting plan must be requested within 14 days of purchase; domains are not refundable. {system} has the form: {where}"
"#;

fn about(customer: &str, topic: &str, channel: Channel) -> Contact {
    Contact::new(customer, channel)
        .with_topic(topic)
        .with_locale("en")
}

/// R0.7: revision 2 brings an editorial change (the e-mail guide) and a substantive one (the
/// refund conditions); the host reloads it as a second engine. The customer keeps the e-mail
/// guide's first words, and hears the new refund conditions with a notice of what changed.
#[test]
fn r0_7_editorial_and_substantive_changes_across_a_reload() {
    let bot = Responder::system("self-diagnosis");
    let store = MemoryPinStore::new();
    let live = ArcSwap::from_pointee(Engine::from_toml_str(&policy("2026-11-27", &[])).unwrap());

    let email = about("c-7", "email.setup", Channel::Chat);
    let refund = about("c-7", "billing.refund", Channel::Chat);
    let (email_before, refund_before) = {
        let r1 = live.load();
        let e = r1.decide_pinned(&email, &bot, &store, t(0)).unwrap();
        let r = r1.decide_pinned(&refund, &bot, &store, t(0)).unwrap();
        assert_eq!((e.status(), r.status()), (PinStatus::New, PinStatus::New));
        (e.text(), r.text())
    };

    // The reload: a second engine from the edited policy text, swapped in atomically.
    live.store(Arc::new(
        Engine::from_toml_str(&policy("2026-12-02", &[EDITORIAL, REFUND_14_DAYS])).unwrap(),
    ));
    let r2 = live.load();
    assert_eq!(r2.revision(), "2026-12-02");

    // Editorial: the same words as before, on another channel too.
    let e = r2
        .decide_pinned(
            &email.clone().with_channel(Channel::Web),
            &bot,
            &store,
            t(60),
        )
        .unwrap();
    assert_eq!(e.status(), PinStatus::Kept);
    assert_eq!(e.decision().version(), 3);
    assert_eq!(e.decision().revision(), "2026-12-02");
    assert_eq!(e.text(), email_before);
    assert_eq!(
        e.pin(),
        Some(&Pin::new("email-setup-guide", 3, "2026-11-27", t(0)))
    );
    assert_eq!(e.notice(), None);

    // Substantive: the new conditions, with what the customer was told before.
    let r = r2.decide_pinned(&refund, &bot, &store, t(60)).unwrap();
    assert_eq!(r.status(), PinStatus::Moved);
    assert_eq!(r.decision().version(), 3);
    assert!(r.text().contains("14 days"), "{}", r.text());
    assert_eq!(r.decision().previous(), Some(("refund-policy", 2)));
    let notice = r.notice().unwrap();
    assert!(notice.contains(&refund_before), "{notice}");
    assert!(notice.starts_with("The procedure has changed"), "{notice}");
    assert_eq!(
        r.pin(),
        Some(&Pin::new("refund-policy", 3, "2026-12-02", t(60)))
    );

    // A customer who first asks under revision 2 hears revision 2's texts, without notices.
    let newcomer = r2
        .decide_pinned(
            &about("c-8", "email.setup", Channel::Chat),
            &bot,
            &store,
            t(61),
        )
        .unwrap();
    assert_eq!(
        (newcomer.status(), newcomer.decision().version()),
        (PinStatus::New, 4)
    );
    assert_eq!(newcomer.notice(), None);
}

/// R3.6: a customer routed, escalated, sent for authorization or to review carries a handoff
/// with the topic, progress, facts, their own words and everything they were already told.
#[test]
fn r3_6_handoff_carries_what_the_customer_was_told() {
    let engine = Engine::from_toml_str(&policy("r1", &[])).unwrap();
    let store = MemoryPinStore::new();
    let chat = about("c-42", "email.setup", Channel::Chat);

    // Tier 1 explains on chat, tier 2 serves on the web.
    let explained = engine
        .decide_pinned(&chat, &Responder::system("self-diagnosis"), &store, t(0))
        .unwrap();
    let web = chat
        .clone()
        .with_channel(Channel::Web)
        .with_progress(Progress::Explained);
    let served = engine
        .decide_pinned(&web, &Responder::system("control-panel"), &store, t(10))
        .unwrap();
    assert_eq!(served.pin().unwrap().message, "email-setup-panel");

    // Then the customer phones, and sales — not the owner of e-mail — routes them to support.
    let phone = chat
        .clone()
        .with_channel(Channel::Phone)
        .with_progress(Progress::Served)
        .with_fact("plan", "business")
        .with_text("Outlook keeps asking for my password");
    let routed = engine
        .decide_pinned(&phone, &Responder::staff("sales-agent"), &store, t(20))
        .unwrap();
    assert_eq!(routed.decision().outcome(), Outcome::Route);
    assert_eq!(routed.status(), PinStatus::Unpinned);
    let h = routed.handoff().unwrap();
    assert_eq!(h.customer, "c-42");
    assert_eq!(h.topic, "email.setup");
    assert_eq!(h.outcome, Outcome::Route);
    assert_eq!(h.department.as_deref(), Some("support"));
    assert_eq!(h.channel, Channel::Phone);
    assert_eq!(h.locale, "en");
    assert_eq!(h.progress, Progress::Served);
    assert_eq!(h.facts.get("plan").map(String::as_str), Some("business"));
    assert_eq!(
        h.words.as_deref(),
        Some("Outlook keeps asking for my password")
    );
    assert!(!h.asks_for_superior);
    let told: Vec<_> = h.told.iter().map(|t| (&t.slot, &t.pin)).collect();
    assert_eq!(
        told,
        [
            (&Slot::Explains, explained.pin().unwrap()),
            (&Slot::Serves, served.pin().unwrap()),
        ]
    );
    // The texts, as said on the customer's current channel.
    let on_phone = |responder: &str, progress| {
        engine
            .decide(
                &chat
                    .clone()
                    .with_channel(Channel::Phone)
                    .with_progress(progress),
                &Responder::system(responder),
            )
            .text()
    };
    assert_eq!(
        h.told[0].text.as_deref(),
        Some(on_phone("self-diagnosis", Progress::Fresh).as_str())
    );
    assert_eq!(
        h.told[1].text.as_deref(),
        Some(on_phone("control-panel", Progress::Explained).as_str())
    );

    // Support answers (pinned in the answer slot); the customer then asks for a superior.
    let answered = engine
        .decide_pinned(&phone, &Responder::staff("support-agent"), &store, t(30))
        .unwrap();
    assert_eq!(answered.decision().outcome(), Outcome::Answer);
    assert!(answered.handoff().is_none());
    let escalated = engine
        .decide_pinned(
            &phone.clone().asking_for_superior(),
            &Responder::staff("support-agent"),
            &store,
            t(40),
        )
        .unwrap();
    assert_eq!(escalated.decision().outcome(), Outcome::Escalate);
    let h = escalated.handoff().unwrap();
    assert_eq!(h.rank.as_deref(), Some("supervisor"));
    assert!(h.asks_for_superior);
    let slots: Vec<_> = h.told.iter().map(|t| t.slot.clone()).collect();
    assert_eq!(slots, [Slot::Explains, Slot::Serves, Slot::Answer]);
    assert_eq!(h.told[2].text, Some(answered.text()));

    // Above the top rank: a review, with the same record.
    let reviewed = engine
        .decide_pinned(
            &phone.clone().asking_for_superior(),
            &Responder::staff("support-manager"),
            &store,
            t(50),
        )
        .unwrap();
    assert_eq!(reviewed.decision().outcome(), Outcome::Review);
    assert_eq!(reviewed.handoff().unwrap().told.len(), 3);

    // Authorization: the refund conditions the customer read travel with the request.
    let refund = about("c-42", "billing.refund", Channel::Web);
    let conditions = engine
        .decide_pinned(&refund, &Responder::system("self-diagnosis"), &store, t(60))
        .unwrap();
    let authorize = engine
        .decide_pinned(
            &refund.with_progress(Progress::Served),
            &Responder::staff("billing-agent"),
            &store,
            t(70),
        )
        .unwrap();
    assert_eq!(authorize.decision().outcome(), Outcome::Authorize);
    let h = authorize.handoff().unwrap();
    assert_eq!(h.topic, "billing.refund");
    assert_eq!(h.told.len(), 1, "only this topic's pins: {:?}", h.told);
    assert_eq!(Some(&h.told[0].pin), conditions.pin());
    assert_eq!(h.told[0].text, Some(conditions.text()));

    // The whole thing travels as JSON.
    let json = serde_json::to_string(&escalated).unwrap();
    let back: PinnedRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, escalated.to_record());
    assert_eq!(back.handoff.as_ref(), escalated.handoff());
}

/// A redirect carries no handoff: the customer is sent to a system, not to a person.
#[test]
fn r3_6_no_handoff_on_redirect_or_answer() {
    let engine = Engine::from_toml_str(&policy("r1", &[])).unwrap();
    let store = MemoryPinStore::new();
    let c = about("c-1", "email.setup", Channel::Phone);
    let d = engine
        .decide_pinned(&c, &Responder::staff("support-agent"), &store, t(0))
        .unwrap();
    assert_eq!(d.decision().outcome(), Outcome::Redirect);
    assert!(d.handoff().is_none());
}
