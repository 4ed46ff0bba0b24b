//! R1.4 triage quality: top-1 accuracy on hand-written, labelled customer inquiries for the
//! example policy (`tests/data/inquiries.toml`), in Spanish and English.
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

/// The most held-out inquiries (`inquiries-holdout.toml`, wording the keywords were not tuned
/// on) that triage may place on a wrong topic other than the fallback. A misroute sends the
/// customer to the wrong department's explanation; a fallback only to the general
/// self-diagnosis, which is safe. Accuracy on this set is printed, not required.
const MAX_HOLDOUT_MISROUTES: f64 = 0.10;

#[test]
fn r1_4_triage_on_held_out_inquiries_falls_back_rather_than_misroutes() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let inquiries = data(include_str!("data/inquiries-holdout.toml"));
    assert!(inquiries.len() >= 30);
    let confusions = confusions(&engine, &inquiries);
    let misroutes: Vec<&String> = confusions
        .iter()
        .filter(|c| !c.contains(&format!("got {:<22}", engine.fallback_topic())))
        .collect();
    let n = inquiries.len() as f64;
    println!(
        "held-out triage: top-1 accuracy {:.1}%, fallbacks {:.1}%, misroutes {:.1}% ({} inquiries)",
        (1.0 - confusions.len() as f64 / n) * 100.0,
        (confusions.len() - misroutes.len()) as f64 / n * 100.0,
        misroutes.len() as f64 / n * 100.0,
        inquiries.len()
    );
    for c in &confusions {
        println!("{c}");
    }
    assert!(
        misroutes.len() as f64 / n <= MAX_HOLDOUT_MISROUTES,
        "{} held-out inquiries placed on a wrong topic:\n{}",
        misroutes.len(),
        misroutes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
