//! R1.4 triage quality: top-1 accuracy on hand-written, labelled customer inquiries for the
//! example policy, in Spanish and English: the tuning set (`tests/data/inquiries.toml`) and a
//! held-out set never used for tuning (`tests/data/inquiries-holdout-2.toml`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde::Deserialize;
use unified_message::Engine;

#[derive(Deserialize)]
struct Data {
    inquiries: Vec<Inquiry>,
}

#[derive(Deserialize)]
struct Inquiry {
    locale: String,
    topic: String,
    text: String,
}

fn data(source: &str) -> Vec<Inquiry> {
    toml::from_str::<Data>(source).expect("inquiries").inquiries
}

/// The inquiries that triage misplaces, each as a line: expected vs got, confidence, text and
/// candidates with the words that matched.
fn confusions(engine: &Engine, inquiries: &[Inquiry]) -> Vec<String> {
    let known: Vec<&str> = engine.topics().collect();
    let mut confusions = Vec::new();
    for inquiry in inquiries {
        assert!(
            known.contains(&inquiry.topic.as_str()),
            "label `{}` is not a topic of the policy",
            inquiry.topic
        );
        let result = engine.triage(&inquiry.text, &inquiry.locale);
        if result.topic != inquiry.topic {
            let candidates: Vec<String> = result
                .candidates
                .iter()
                .map(|c| {
                    let words: Vec<&str> = c.matches.iter().map(|m| m.text.as_str()).collect();
                    format!("{} {:.1} {:?}", c.topic, c.score, words)
                })
                .collect();
            confusions.push(format!(
                "  [{}] expected {:<22} got {:<22} ({:.2}, {}) {:?}\n      candidates: {}",
                inquiry.locale,
                inquiry.topic,
                result.topic,
                result.confidence,
                result.reason,
                inquiry.text,
                candidates.join("; ")
            ));
        }
    }
    confusions
}

/// The bar of the issue: at least 90% of the inquiries placed on their labelled topic.
const REQUIRED_ACCURACY: f64 = 0.90;

#[test]
fn r1_4_triage_top1_accuracy_on_labelled_inquiries() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let inquiries = data(include_str!("data/inquiries.toml"));
    assert!(
        inquiries.len() >= 150,
        "the set needs at least 150 inquiries"
    );
    for locale in ["es", "en"] {
        assert!(
            inquiries.iter().filter(|i| i.locale == locale).count() >= 60,
            "too few inquiries in `{locale}`"
        );
    }
    let confusions = confusions(&engine, &inquiries);
    let accuracy = 1.0 - confusions.len() as f64 / inquiries.len() as f64;
    println!(
        "triage top-1 accuracy: {:.1}% ({} of {} inquiries)",
        accuracy * 100.0,
        inquiries.len() - confusions.len(),
        inquiries.len()
    );
    for c in &confusions {
        println!("{c}");
    }
    assert!(
        accuracy >= REQUIRED_ACCURACY,
        "triage accuracy {:.1}% is below {:.0}%; confusions (expected vs got):\n{}",
        accuracy * 100.0,
        REQUIRED_ACCURACY * 100.0,
        confusions.join("\n")
    );
}

/// The department that owns each topic of the example policy, read from its `owner` fields.
fn owners() -> std::collections::HashMap<String, String> {
    let policy: toml::Table = toml::from_str(unified_message::EXAMPLE_POLICY).unwrap();
    policy["topics"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(id, topic)| (id.clone(), topic["owner"].as_str().unwrap().to_owned()))
        .collect()
}

/// The most inquiries of the second held-out set that triage may send to a department other
/// than the one owning their labelled topic (a fallback is not counted: it is safe).
const MAX_HOLDOUT_2_WRONG_DEPARTMENT: f64 = 0.10;

/// The accuracy the second held-out set must keep: measured 85.6% before the third tuning round
/// and 97.9% (95 of 97) after it; the floor leaves a margin of about 8 inquiries, so that a
/// keyword change that costs a few of them fails here. The set was written by the same person
/// who then tuned the keywords (blind to the lists, but sharing their vocabulary), so read its
/// accuracy as optimistic for truly unseen customers.
const REQUIRED_HOLDOUT_2_ACCURACY: f64 = 0.90;

/// The second held-out set (`inquiries-holdout-2.toml`) was written blind to the keyword lists
/// and has never been used for tuning: its accuracy is the honest estimate of how triage does on
/// new wording.
#[test]
fn r1_4_triage_generalizes_to_second_held_out_set() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let inquiries = data(include_str!("data/inquiries-holdout-2.toml"));
    assert!(inquiries.len() >= 80, "the set needs at least 80 inquiries");
    let owners = owners();
    let fallback = engine.fallback_topic();
    let (mut right, mut fallbacks, mut wrong_topic) = (0, 0, Vec::new());
    let mut wrong_department = Vec::new();
    for inquiry in &inquiries {
        assert!(
            owners.contains_key(&inquiry.topic),
            "label `{}` is not a topic of the policy",
            inquiry.topic
        );
        let got = engine.triage(&inquiry.text, &inquiry.locale).topic;
        let line = format!(
            "  [{}] expected {:<22} got {:<22} {:?}",
            inquiry.locale, inquiry.topic, got, inquiry.text
        );
        if got == inquiry.topic {
            right += 1;
        } else if got == fallback {
            fallbacks += 1;
            println!("{line}");
        } else if owners[&got] == owners[&inquiry.topic] {
            wrong_topic.push(line);
        } else {
            wrong_department.push(line);
        }
    }
    let n = inquiries.len() as f64;
    let accuracy = right as f64 / n;
    println!(
        "held-out set 2: top-1 accuracy {:.1}% ({right} of {}), fallbacks {:.1}%, wrong topic of \
         the right department {:.1}%, wrong department {:.1}%",
        accuracy * 100.0,
        inquiries.len(),
        fallbacks as f64 / n * 100.0,
        wrong_topic.len() as f64 / n * 100.0,
        wrong_department.len() as f64 / n * 100.0,
    );
    for line in wrong_topic.iter().chain(&wrong_department) {
        println!("{line} (misroute)");
    }
    assert!(
        wrong_department.len() as f64 / n <= MAX_HOLDOUT_2_WRONG_DEPARTMENT,
        "{} held-out inquiries sent to the wrong department:\n{}",
        wrong_department.len(),
        wrong_department.join("\n")
    );
    assert!(
        accuracy >= REQUIRED_HOLDOUT_2_ACCURACY,
        "held-out accuracy {:.1}% is below {:.0}%",
        accuracy * 100.0,
        REQUIRED_HOLDOUT_2_ACCURACY * 100.0
    );
}
