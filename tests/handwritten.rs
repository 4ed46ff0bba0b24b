//! Issue 16, point 1: the hand-written decider of `benches/ratio.rs` (the example policy as a
//! Rust `match`, `tests/support/handwritten.rs`) agrees with the engine on the whole
//! circumstance space, so the baseline the engine is measured against is honest.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/handwritten.rs"]
mod handwritten;

use std::collections::BTreeSet;

use unified_message::{Engine, Outcome, Responder};

/// Issue 16.1: every circumstance of the example policy (every topic × the fact values its
/// rules read × progress × superior asked or not × every responder × every channel), decided by
/// the engine and by hand: the same outcome, message, system, department and rank.
#[test]
fn i16_handwritten_decider_agrees_with_the_engine_on_every_circumstance() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let mut compared = 0usize;
    let mut outcomes = BTreeSet::new();
    let mut responders = BTreeSet::new();
    let mut topics = BTreeSet::new();
    let mut rule_over_superior = 0usize;
    for circumstance in engine.circumstances() {
        let (contact, responder) = (&circumstance.contact, &circumstance.responder);
        let hand_contact = handwritten::Contact::from_contact(contact)
            .unwrap_or_else(|| panic!("the hand-written policy lacks the topic of {contact:?}"));
        let hand_responder = handwritten::Responder::from_responder(responder)
            .unwrap_or_else(|| panic!("the hand-written policy lacks {responder}"));
        let want = handwritten::decide(&hand_contact, hand_responder);
        let got = engine.decide(contact, responder);
        assert_eq!(
            handwritten::engine_ids(&got),
            want.ids(),
            "{contact:?} answered by {responder}"
        );
        // The prepared path decides the same.
        let prepared =
            engine.decide_prepared(&engine.prepare(contact), engine.responder_key(responder));
        assert_eq!(prepared, got);
        compared += 1;
        outcomes.insert(got.outcome());
        topics.insert(contact.topic.clone());
        responders.insert(match responder {
            Responder::System(id) | Responder::Staff(id) => id.clone(),
            _ => String::new(),
        });
        if hand_contact.email_outage
            && hand_contact.asks_for_superior
            && matches!(hand_responder, handwritten::Responder::Staff(_))
            && matches!(
                hand_contact.topic,
                handwritten::Topic::EmailSetup | handwritten::Topic::EmailWebmail
            )
        {
            rule_over_superior += 1;
        }
    }
    // The whole space was walked: 13 topics, 17 responders, every outcome.
    assert_eq!(compared, engine.circumstances().len());
    assert!(compared > 30_000, "{compared}");
    assert_eq!(topics.len(), handwritten::Topic::ALL.len());
    assert_eq!(
        responders.len(),
        handwritten::Role::ALL.len() + handwritten::System::ALL.len()
    );
    assert_eq!(outcomes, Outcome::ALL.into_iter().collect());
    // The one case that depends on the R3.3 precedence was reached (12 roles × 10 channels ×
    // 3 progresses × 2 values of `accessibility` × 2 topics).
    assert_eq!(rule_over_superior, 12 * 10 * 3 * 2 * 2);
}

/// The hand-written decider is total over its own inputs and never reads a channel or locale:
/// the conversions used by the benchmark keep every id the policy has.
#[test]
fn i16_handwritten_ids_are_the_policys() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let topics: Vec<&str> = handwritten::Topic::ALL.iter().map(|t| t.id()).collect();
    assert_eq!(topics, engine.topics().collect::<Vec<_>>());
    let roles: Vec<&str> = handwritten::Role::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(roles, engine.roles().collect::<Vec<_>>());
    let systems: Vec<&str> = handwritten::System::ALL.iter().map(|s| s.id()).collect();
    assert_eq!(systems, engine.systems().collect::<Vec<_>>());
}

/// Issue 16, point 3: `decide_json_line` writes its line straight from the decision (no owned
/// `DecisionRecord` in between); the line is still exactly the record's JSON, on every
/// circumstance, in every locale, with and without host values.
#[cfg(feature = "json")]
#[test]
fn i16_decide_json_line_is_the_decision_records_json_on_every_circumstance() {
    use unified_message::DecideRequest;
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let locales: Vec<&str> = engine.locales().collect();
    for (n, circumstance) in engine.circumstances().enumerate() {
        let locale = locales[n % locales.len()];
        let contact = circumstance.contact.clone().with_locale(locale);
        let mut request = DecideRequest::new(contact.clone(), circumstance.responder.clone());
        if n % 3 == 0 {
            request
                .values
                .insert("customer_name".to_owned(), "Ana \"la\" {x}".to_owned());
        }
        let line = serde_json::to_string(&request).unwrap();
        let out = engine.decide_json_line(n + 1, &line).unwrap().unwrap();
        let record = engine
            .decide(&contact, &circumstance.responder)
            .to_record_with(&request.values);
        assert_eq!(out, serde_json::to_string(&record).unwrap(), "{line}");
    }
}
