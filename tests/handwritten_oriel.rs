//! Issue 26, point 1: the second example policy (`examples/policies/oriel-mobile.toml`, a
//! mobile telecom) passes `check`, and its hand-written decider
//! (`tests/support/handwritten_oriel.rs`) agrees with the engine on the whole circumstance
//! space, so the baseline `benches/ratio.rs` measures the engine against on it is honest.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/handwritten_oriel.rs"]
mod handwritten_oriel;

use std::collections::BTreeSet;

use handwritten_oriel as hand;
use unified_message::{Engine, Outcome, Progress, Responder};

const ORIEL: &str = include_str!("../examples/policies/oriel-mobile.toml");

/// Issue 26.1: every circumstance of the telecom policy (every topic × the fact values its
/// rules read × progress × superior asked or not × every responder × every channel), decided
/// by the engine and by hand: the same outcome, message, system, department and rank.
#[test]
fn issue26_1_handwritten_oriel_decider_agrees_with_the_engine_on_every_circumstance() {
    let engine = Engine::from_toml_str(ORIEL).unwrap();
    let mut compared = 0usize;
    let mut outcomes = BTreeSet::new();
    let mut responders = BTreeSet::new();
    let mut topics = BTreeSet::new();
    let mut messages = BTreeSet::new();
    let mut rule_over_superior = 0usize;
    for circumstance in engine.circumstances() {
        let (contact, responder) = (&circumstance.contact, &circumstance.responder);
        let hand_contact = hand::Contact::from_contact(contact)
            .unwrap_or_else(|| panic!("the hand-written policy lacks the topic of {contact:?}"));
        let hand_responder = hand::Responder::from_responder(responder)
            .unwrap_or_else(|| panic!("the hand-written policy lacks {responder}"));
        let want = hand::decide(&hand_contact, hand_responder);
        let got = engine.decide(contact, responder);
        assert_eq!(
            hand::engine_ids(&got),
            want.ids(),
            "{contact:?} answered by {responder}"
        );
        let prepared =
            engine.decide_prepared(&engine.prepare(contact), engine.responder_key(responder));
        assert_eq!(prepared, got);
        compared += 1;
        outcomes.insert(got.outcome());
        messages.insert(got.message_id().to_owned());
        topics.insert(contact.topic.clone());
        responders.insert(match responder {
            Responder::System(id) | Responder::Staff(id) => id.clone(),
            _ => String::new(),
        });
        // R3.3 precedence: a fixed answer would apply, but the staff member asked for a
        // superior hands over.
        let fixed = (hand_contact.network_outage
            && matches!(
                hand_contact.topic,
                hand::Topic::NetworkCoverage
                    | hand::Topic::NetworkSlowData
                    | hand::Topic::DeviceSetup
            ))
            || (hand_contact.overdue && hand_contact.topic == hand::Topic::PlansChange)
            || (hand_contact.no_esim
                && hand_contact.progress == Progress::Served
                && hand_contact.topic == hand::Topic::SimEsim);
        if fixed
            && hand_contact.asks_for_superior
            && matches!(hand_responder, hand::Responder::Staff(_))
        {
            assert!(
                matches!(got.outcome(), Outcome::Escalate | Outcome::Review),
                "{contact:?} answered by {responder}"
            );
            rule_over_superior += 1;
        }
    }
    assert_eq!(compared, engine.circumstances().len());
    assert!(compared > 60_000, "{compared}");
    assert_eq!(topics.len(), hand::Topic::ALL.len());
    assert_eq!(
        responders.len(),
        hand::Role::ALL.len() + hand::System::ALL.len()
    );
    assert_eq!(outcomes, Outcome::ALL.into_iter().collect());
    // Every message of the policy is reached, the three fixed answers included.
    assert_eq!(messages.len(), 46, "{messages:?}");
    assert!(rule_over_superior > 0);
}

/// Issue 26.1: the hand-written decider's ids are the policy's, and the policy has the shape
/// the issue asks for: three locales, systems of both tiers, several departments whose rank
/// ladders differ, topics needing authorization, many fact-driven rules; `check` passes.
#[test]
fn issue26_1_oriel_policy_is_differently_shaped_and_checks_cleanly() {
    let engine = Engine::from_toml_str(ORIEL).unwrap();
    let topics: Vec<&str> = hand::Topic::ALL.iter().map(|t| t.id()).collect();
    assert_eq!(topics, engine.topics().collect::<Vec<_>>());
    let roles: Vec<&str> = hand::Role::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(roles, engine.roles().collect::<Vec<_>>());
    let systems: Vec<&str> = hand::System::ALL.iter().map(|s| s.id()).collect();
    assert_eq!(systems, engine.systems().collect::<Vec<_>>());
    assert_eq!(engine.locales().count(), 3);
    let report = engine.check();
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

/// Issue 26.1: the telecom policy's scenarios (`examples/policies/oriel-mobile.scenarios.toml`)
/// pass: the fixed answer, the R3.3 precedence, a department whose ladder ends in the review,
/// a rule's route and an authorization.
#[test]
fn issue26_1_oriel_scenarios_pass() {
    let scenarios = unified_message::scenario::Scenarios::from_toml_str(include_str!(
        "../examples/policies/oriel-mobile.scenarios.toml"
    ))
    .unwrap();
    let report = Engine::from_toml_str(ORIEL)
        .unwrap()
        .run_scenarios(&scenarios);
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed, 6);
}
