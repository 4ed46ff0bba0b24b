//! Differential testing (issue 7.1): the engine agrees with a deliberately simple reference
//! implementation of the README's decision procedure (`tests/reference/`) on every field of
//! the decision, for random valid policies, contacts and responders.
//!
//! Each proptest case is one random policy, compiled once, then decided for 12 random
//! contacts × every responder of the policy (plus an unknown role and an unknown system).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod reference;

use proptest::prelude::*;
use reference::generate::{self, Choices, HOST_VALUES};
use unified_message::Engine;

/// Policies per run; each is decided for ~100 contact × responder pairs.
const CASES: u32 = 10_000;
const CONTACTS_PER_POLICY: usize = 12;

/// Decides every contact × responder on `stream`'s policy with both implementations and
/// returns the number of decisions compared, or the first disagreement.
fn compare(policy: &[u16], contacts: &[u16]) -> Result<usize, TestCaseError> {
    let doc = generate::policy(policy);
    let engine = Engine::compile(&doc)
        .map_err(|e| TestCaseError::fail(format!("the generator wrote an invalid policy:\n{e}")))?;
    let responders = generate::responders(&doc);
    let c = &mut Choices::new(contacts);
    let mut compared = 0;
    for _ in 0..CONTACTS_PER_POLICY {
        let contact = generate::contact(c, &doc);
        for responder in &responders {
            let record = engine
                .decide(&contact, responder)
                .to_record_with(&HOST_VALUES.as_slice());
            let expected = reference::decide(&doc, &contact, responder, &HOST_VALUES);
            let diff = reference::differences(&record, &expected);
            if !diff.is_empty() {
                return Err(TestCaseError::fail(format!(
                    "engine and reference disagree for {responder} on {contact:?}:\n  {}\npolicy:\n{}",
                    diff.join("\n  "),
                    serde_json::to_string_pretty(&generate::policy_json(policy)).unwrap()
                )));
            }
            compared += 1;
        }
    }
    Ok(compared)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Every field of every decision agrees with the reference model (R0.1–R4.3 as the README
    /// states them).
    #[test]
    fn r0_engine_agrees_with_the_reference_model(
        policy in generate::choices(16..160),
        contacts in generate::choices(0..200),
    ) {
        compare(&policy, &contacts)?;
    }
}

/// The example policy agrees with the reference too, on a fixed sweep of its circumstances.
#[test]
fn r0_example_policy_agrees_with_the_reference_model() {
    let doc =
        unified_message::document::PolicyDocument::from_toml_str(unified_message::EXAMPLE_POLICY)
            .unwrap();
    let engine = Engine::compile(&doc).unwrap();
    let responders = generate::responders(&doc);
    let mut compared = 0;
    for seed in 0..300u16 {
        let stream: Vec<u16> = (0..16u16)
            .map(|k| seed.wrapping_mul(31).wrapping_add(k.wrapping_mul(7919)))
            .collect();
        let contact = generate::contact(&mut Choices::new(&stream), &doc);
        let contact = if seed % 3 == 0 {
            contact.with_fact("accessibility", "true")
        } else {
            contact
        };
        for responder in &responders {
            let record = engine.decide(&contact, responder).to_record();
            let expected = reference::decide(&doc, &contact, responder, &[]);
            let diff = reference::differences(&record, &expected);
            assert!(diff.is_empty(), "{responder} on {contact:?}: {diff:?}");
            compared += 1;
        }
    }
    assert!(compared > 1000);
}

/// The generator reaches every outcome and every flag, so that agreement above means
/// something: a fixed sweep of 400 policies (a simple LCG feeds the choice streams).
#[test]
fn r0_generated_cases_reach_every_outcome_and_flag() {
    use std::collections::BTreeSet;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) as u16
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for _ in 0..400 {
        let policy: Vec<u16> = (0..160).map(|_| next()).collect();
        let contacts: Vec<u16> = (0..200).map(|_| next()).collect();
        let doc = generate::policy(&policy);
        let engine = Engine::compile(&doc).unwrap();
        let c = &mut Choices::new(&contacts);
        for _ in 0..CONTACTS_PER_POLICY {
            let contact = generate::contact(c, &doc);
            for responder in generate::responders(&doc) {
                let d = engine.decide(&contact, &responder);
                seen.insert(format!("outcome:{}", d.outcome()));
                let f = d.flags();
                for (name, on) in [
                    ("system_gap", f.system_gap),
                    ("fallback_topic", f.fallback_topic),
                    ("locale_fallback", f.locale_fallback),
                    ("unknown_responder", f.unknown_responder),
                    ("ladder_skipped", f.ladder_skipped),
                ] {
                    if on {
                        seen.insert(format!("flag:{name}"));
                    }
                }
                if let Some(a) = d.authority() {
                    seen.insert(format!("authority:{a}"));
                }
                if d.rule().is_some() {
                    seen.insert(format!("rule:{}", d.outcome()));
                }
                if d.version() > 1 {
                    seen.insert("version>1".into());
                }
            }
        }
    }
    for wanted in [
        "outcome:answer",
        "outcome:redirect",
        "outcome:route",
        "outcome:authorize",
        "outcome:escalate",
        "outcome:review",
        "flag:system_gap",
        "flag:fallback_topic",
        "flag:locale_fallback",
        "flag:unknown_responder",
        "flag:ladder_skipped",
        "authority:own",
        "authority:consensual",
        "authority:authorized",
        "rule:answer",
        "rule:route",
        "rule:authorize",
        "version>1",
    ] {
        assert!(
            seen.contains(wanted),
            "the generator never reaches {wanted}: {seen:?}"
        );
    }
}
