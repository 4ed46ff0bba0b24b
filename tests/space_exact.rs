//! The reduced circumstance space is exact (issue 19, item 5): `check`, the decision table and
//! `diff` deciding one circumstance per class of fact values that the rules tell apart find
//! exactly what deciding every combination finds — the same diagnostics (codes, paths,
//! messages with their counts, counterexamples), the same circumstance count, the same table
//! rows and the same decision changes — on random valid policies (`tests/reference/`) whose
//! rules test up to five facts with up to four values each.
//!
//! The full product is the engine's own, with the hidden
//! `EngineBuilder::exhaustive_circumstances(true)`: one class per combination.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// `EngineBuilder::exhaustive_circumstances` is a test hook of the feature `testing`.
#![cfg(feature = "testing")]

mod reference;

use proptest::prelude::*;
use reference::generate::{self, Choices};
use serde_json::{Value, json};
use unified_message::Engine;
use unified_message::diff::diff;
use unified_message::document::PolicyDocument;

/// A random valid policy whose rules test more facts: the generator's (`k1`, `k2`) plus up to
/// two of `k3`–`k5`, each with one to three of four values.
fn policy(stream: &[u16], more: &[u16]) -> PolicyDocument {
    let mut v = generate::policy_json(stream);
    let c = &mut Choices::new(more);
    if let Some(rules) = v.get_mut("rules").and_then(Value::as_array_mut) {
        for rule in rules {
            let Some(when) = rule.get_mut("when").and_then(Value::as_object_mut) else {
                continue;
            };
            for _ in 0..c.pick(3) {
                let key = ["k3", "k4", "k5"][c.pick(3)];
                let values: Vec<String> = (0..1 + c.pick(3))
                    .map(|_| format!("v{}", 1 + c.pick(4)))
                    .collect();
                let facts = when.entry("facts").or_insert_with(|| json!({}));
                if let Some(facts) = facts.as_object_mut() {
                    facts.insert(key.to_owned(), json!(values));
                }
            }
        }
    }
    serde_json::from_value(v).unwrap()
}

fn engines(doc: &PolicyDocument) -> (Engine, Engine) {
    (
        Engine::compile(doc).unwrap(),
        Engine::builder()
            .exhaustive_circumstances(true)
            .compile(doc)
            .unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn i19_5_the_reduced_space_finds_what_the_full_product_finds(
        a in generate::choices(16..160),
        more in generate::choices(0..40),
        b in generate::choices(16..160),
    ) {
        let doc = policy(&a, &more);
        let (reduced, full) = engines(&doc);
        let (r, f) = (reduced.check(), full.check());
        prop_assert_eq!(&r.diagnostics, &f.diagnostics);
        prop_assert_eq!(r.circumstances, f.circumstances);
        prop_assert_eq!(f.circumstances, full.circumstances().len() as u64);
        prop_assert_eq!(f.decided, f.circumstances);
        prop_assert!(r.decided <= f.decided);
        prop_assert_eq!(reduced.decision_table(), full.decision_table());

        // Against another random policy, and against the same one with other facts.
        for other in [policy(&b, &more), policy(&a, &b)] {
            let (reduced2, full2) = engines(&other);
            prop_assert_eq!(diff(&reduced, &reduced2), diff(&full, &full2));
            prop_assert_eq!(diff(&reduced2, &reduced), diff(&full2, &full));
        }
    }
}

/// The property means something: most generated policies have rules on facts, and the
/// reduction decides fewer circumstances than the product in many of them.
#[test]
fn i19_5_generated_policies_exercise_the_reduction() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) as u16
    };
    let mut reduced = 0;
    for _ in 0..100 {
        let a: Vec<u16> = (0..160).map(|_| next()).collect();
        let more: Vec<u16> = (0..40).map(|_| next()).collect();
        let report = Engine::compile(&policy(&a, &more)).unwrap().check();
        if report.decided < report.circumstances {
            reduced += 1;
        }
    }
    assert!(reduced >= 30, "only {reduced} of 100 policies were reduced");
}
