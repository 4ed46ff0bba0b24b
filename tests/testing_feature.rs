//! The `testing` feature (issue 4, point 4): strategies that generate contacts and responders
//! valid for an engine, and `assert_consistent`.
#![cfg(feature = "testing")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::sync::LazyLock;

use proptest::prelude::*;
use unified_message::check::Circumstance;
use unified_message::{Engine, Outcome, testing};

static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap());

/// Every enumerated circumstance's decision, by the circumstance as JSON.
static SPACE: LazyLock<HashMap<String, (Outcome, String)>> = LazyLock::new(|| {
    ENGINE
        .circumstances()
        .map(|c| {
            let d = ENGINE.decide(&c.contact, &c.responder);
            (
                serde_json::to_string(&c).unwrap(),
                (d.outcome(), d.message_id().to_owned()),
            )
        })
        .collect()
});

/// The fact keys the enumeration varies, per topic.
static FACT_KEYS: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    let mut keys: HashMap<String, Vec<String>> = HashMap::new();
    for c in ENGINE.circumstances() {
        let list = keys.entry(c.contact.topic.clone().unwrap()).or_default();
        for k in c.contact.facts.keys() {
            if !list.contains(k) {
                list.push(k.clone());
            }
        }
    }
    keys
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The strategies only generate what the engine knows: no fallback, no unknown responder.
    #[test]
    fn generated_contacts_and_responders_are_valid(
        (contact, responder) in testing::circumstances(&ENGINE),
    ) {
        let d = ENGINE.decide(&contact, &responder);
        prop_assert!(!d.flags().fallback_topic);
        prop_assert!(!d.flags().locale_fallback);
        prop_assert!(!d.flags().unknown_responder);
        let locale = contact.locale.clone().unwrap();
        prop_assert!(ENGINE.locales().any(|l| l == locale));
    }

    /// R0.1: the enumeration `check` proves over covers every generated circumstance, and
    /// decides it the same way whoever the customer, whatever the locale, and whatever the
    /// facts that no rule of the topic mentions.
    #[test]
    fn r0_1_every_generated_circumstance_is_in_the_checked_space(
        contact in testing::contacts(&ENGINE),
        responder in testing::responders(&ENGINE),
    ) {
        let d = ENGINE.decide(&contact, &responder);
        let mut normal = contact.clone();
        normal.customer = "any".to_owned();
        normal.locale = Some(ENGINE.locales().next().unwrap().to_owned());
        let relevant = &FACT_KEYS[contact.topic.as_deref().unwrap()];
        normal.facts.retain(|k, _| relevant.contains(k));
        let mut key = ENGINE.circumstances().next().unwrap();
        key.contact = normal;
        key.responder = responder;
        let key: Circumstance = key;
        let json = serde_json::to_string(&key).unwrap();
        let expected = SPACE.get(&json);
        prop_assert!(expected.is_some(), "not enumerated: {}", json);
        prop_assert_eq!(expected.unwrap(), &(d.outcome(), d.message_id().to_owned()));
    }
}

#[test]
fn assert_consistent_passes_the_example_policy() {
    testing::assert_consistent(&ENGINE);
}

#[test]
fn assert_consistent_panics_with_the_report() {
    let broken = Engine::from_toml_str(&unified_message::EXAMPLE_POLICY.replace(
        r#"department = "billing", facts = { plan = "premium" }"#,
        r#"facts = { plan = "premium" }"#,
    ))
    .unwrap();
    let panic = std::panic::catch_unwind(|| testing::assert_consistent(&broken)).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("error[out-of-lane]: rules[2]"),
        "{message}"
    );
    assert!(message.contains("counterexample"), "{message}");
}
