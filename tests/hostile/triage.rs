//! Issue 19, item 7: triage is linear in the text whatever the number of keywords.
//!
//! Hostile texts — fragments of the policy's keywords, anchors that occur without their
//! keyword, one anchor shared by thousands of keywords, keywords of no bounded length — are
//! triaged against the example policy, a generated policy of 4,000 keywords per locale and
//! policies written to be hard, and the work (`Engine::triage_work`: bytes scanned by the
//! anchor automaton and keyword sets, anchor occurrences, keywords visited, bytes searched by
//! keywords' NFAs) is held to `WORK_PER_BYTE × length + WORK_BASE`. Work is counted, never
//! timed: the figures are the same on any machine.

use proptest::prelude::*;
use std::sync::OnceLock;
use unified_message::Engine;
use unified_message::document::{IdMap, PolicyDocument};
use unified_message::triage::{TriageWork, fold_text};

use crate::generate;

/// The work allowed per byte of text: the 16 units a byte of the triage budget (bytes searched
/// by keywords' NFAs and keywords handed an anchor occurrence), one pass of the anchor
/// automaton and one of the keyword set, and room for the anchor occurrences (a few a byte
/// where anchors overlap).
const WORK_PER_BYTE: usize = 24;
/// What any text may take, however short: the triage budget's base.
const WORK_BASE: usize = 256 * 1024;

fn within_bound(work: &TriageWork, what: &str) {
    let bound = WORK_PER_BYTE * work.text + WORK_BASE;
    assert!(
        work.total() <= bound,
        "{what}: {} units of work for {} bytes, above {bound}: {work:?}",
        work.total(),
        work.text
    );
}

/// The policies triage is held linear on.
fn policies() -> &'static [(&'static str, Engine)] {
    static ENGINES: OnceLock<Vec<(&'static str, Engine)>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let example = unified_message::EXAMPLE_POLICY;
        let big = |doc: &PolicyDocument| {
            Engine::builder()
                .max_triage_bytes(1 << 20)
                .compile(doc)
                .unwrap()
        };
        vec![
            (
                "example",
                Engine::builder()
                    .max_triage_bytes(1 << 20)
                    .from_toml_str(example)
                    .unwrap(),
            ),
            // 2,000 topics with two keywords in each of two locales.
            ("generated 4,000 keywords", big(&generate::policy(2_000))),
            ("shared anchor", big(&with_keywords(shared_anchor()))),
            ("unbounded", big(&with_keywords(unbounded()))),
        ]
    })
}

/// The example policy's topics, whose keywords in `es` are replaced by `keywords` (spread
/// over the topics in turn).
fn with_keywords(keywords: Vec<String>) -> PolicyDocument {
    let mut doc = PolicyDocument::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let topics = doc.topics.0.len();
    for (i, (_, t)) in doc.topics.0.iter_mut().enumerate() {
        let mine: Vec<String> = keywords.iter().skip(i).step_by(topics).cloned().collect();
        t.keywords = [("es", mine)].into_iter().collect::<IdMap<_>>();
    }
    doc
}

/// 4,000 keywords with one literal, `cuenta`, in common: every occurrence of `cuenta` is
/// handed to each of them.
fn shared_anchor() -> Vec<String> {
    (0..4_000)
        .map(|i| format!(r"cuenta [0-9]{{{}}}", 2 + i % 5))
        .collect()
}

/// 200 keywords with no bounded length: each is searched over the whole text.
fn unbounded() -> Vec<String> {
    (0..200)
        .map(|i| format!(r"\b[a-z]+ando{}\b", ["", "s", "la", "lo", "le"][i % 5]))
        .collect()
}

/// The words of the policy's keywords, with the syntax taken out: what a text made of
/// keyword fragments is made of.
fn fragments() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: Vec<String> = unified_message::EXAMPLE_POLICY
            .lines()
            .filter(|l| l.trim_start().starts_with('\''))
            .flat_map(|l| {
                fold_text(l)
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .filter(|w| w.len() > 1)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        for i in 0..200 {
            words.push(generate::word(i));
        }
        words.extend(
            [
                "cuenta",
                "cuenta 1",
                "err_",
                "err_cert",
                "lent",
                "ando",
                "configurar",
                "pago",
            ]
            .map(str::to_owned),
        );
        words.sort();
        words.dedup();
        // Fragments too: each word without its last character.
        let cut: Vec<String> = words
            .iter()
            .filter_map(|w| w.get(..w.len() - 1).map(str::to_owned))
            .collect();
        words.extend(cut);
        words
    })
}

/// A text of about `bytes` bytes of `kind`, from a simple deterministic sequence.
fn text(kind: usize, bytes: usize, seed: u64, words: &[String]) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut out = String::with_capacity(bytes + 64);
    while out.len() < bytes {
        match kind {
            // Keyword fragments, joined by single spaces (so that multi-word keywords nearly
            // match everywhere).
            0 => out.push_str(&words[next(words.len())]),
            // Anchors that occur without their keyword: `cuenta` not followed by digits, a
            // verb and `ando` without a word before.
            1 => out.push_str(["cuenta", "cuentas x", "configurar", "-ando", "err_"][next(5)]),
            // Ordinary text with a keyword now and then.
            _ => out.push_str(
                [
                    "buenas tardes, quería saber",
                    "la página no carga",
                    "y el correo tampoco",
                    "gracias de antemano",
                    "mi cuenta 12345",
                    "estoy probando",
                ][next(6)],
            ),
        }
        out.push(' ');
    }
    out
}

/// Issue 19.7: hostile texts of every kind, on every policy, at every size, cost at most
/// `WORK_PER_BYTE` units a byte plus `WORK_BASE`.
#[test]
fn i19_7_triage_work_is_linear_in_the_text_on_hostile_texts() {
    for (name, engine) in policies() {
        let words = fragments();
        for kind in 0..3 {
            for bytes in [1_000, 16_000, 128_000] {
                let text = text(kind, bytes, 7, words);
                let work = engine.triage_work(&text, "es");
                within_bound(&work, &format!("{name}, text kind {kind}, {bytes} bytes"));
                // The bound is met by triaging, not by reading less of the text.
                assert_eq!(work.text, fold_text(&text).len(), "{name}: {work:?}");
            }
        }
    }
}

/// Issue 19.7: the work is linear, not merely bounded at one size: eight times the text costs
/// at most eight times the work, plus the base — where triaging the keyword-fragment text of
/// the example policy was quadratic (16 s for 10 MB, 0.7 s for ordinary text).
#[test]
fn i19_7_eight_times_the_text_costs_at_most_eight_times_the_work() {
    for (name, engine) in policies() {
        let words = fragments();
        for kind in 0..3 {
            let small = engine.triage_work(&text(kind, 16_000, 3, words), "es");
            let large = engine.triage_work(&text(kind, 128_000, 3, words), "es");
            let per_byte = |w: &TriageWork| w.total() as f64 / w.text as f64;
            assert!(
                large.total() <= 8 * small.total() + WORK_BASE,
                "{name}, kind {kind}: {small:?} then {large:?}"
            );
            assert!(
                per_byte(&large) <= WORK_PER_BYTE as f64 + WORK_BASE as f64 / large.text as f64,
                "{name}, kind {kind}: {large:?}"
            );
        }
    }
}

/// Ordinary messages never meet a limit: the budget is far above what they use.
#[test]
fn i19_7_ordinary_messages_are_not_truncated() {
    let engine = &policies()[0].1;
    for (i, sentence) in [
        "No puedo configurar el correo en Outlook, me da error de contraseña",
        "Mi página web va muy lenta desde ayer y a veces sale ERR_CONNECTION_TIMED_OUT",
        "Quiero la devolución de la factura de marzo, me cobraron dos veces",
    ]
    .iter()
    .enumerate()
    {
        let text = sentence.repeat(100 + 50 * i);
        let work = engine.triage_work(&text, "es");
        assert!(!work.truncated, "{work:?}");
        // A quarter of the budget at most (the two keywords of no bounded length these
        // sentences have, `va (muy )?lent[a-z]*` and `err_[a-z_]+`, search the whole text).
        assert!(work.searched <= 4 * work.text, "{work:?}");
        assert!(!engine.triage(&text, "es").truncated);
    }
}

/// A policy written to be hard — one anchor shared by 4,000 keywords, or 200 keywords of no
/// bounded length — is held to the budget: triage gives up what it cannot pay for, and says
/// so, rather than searching the text thousands of times.
#[test]
fn i19_7_a_hostile_policy_meets_the_budget_and_says_so() {
    let shared = &policies()[2].1;
    let text = "cuenta ".repeat(20_000);
    let work = shared.triage_work(&text, "es");
    within_bound(&work, "shared anchor");
    assert!(work.truncated, "{work:?}");
    let result = shared.triage(&text, "es");
    assert!(result.truncated);
    // The keywords that do match are found all the same when the anchor is rare.
    let result = shared.triage("mi cuenta 12345 no funciona", "es");
    assert!(!result.truncated, "{result:?}");
    assert!(!result.candidates.is_empty());

    let unbounded = &policies()[3].1;
    let text = "esperando ".repeat(10_000);
    let work = unbounded.triage_work(&text, "es");
    within_bound(&work, "unbounded");
    let result = unbounded.triage("estoy esperando", "es");
    assert!(!result.candidates.is_empty());
}

/// Triage reads at most `max_triage_bytes` of a text (64 KiB by default), whatever it is given.
#[test]
fn i19_7_triage_reads_at_most_max_triage_bytes() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    assert_eq!(unified_message::triage::DEFAULT_MAX_TRIAGE_BYTES, 64 * 1024);
    let mut text = "hola ".repeat(20_000);
    text.push_str("quiero la devolución");
    let work = engine.triage_work(&text, "es");
    assert!(work.text <= 64 * 1024, "{work:?}");
    assert!(work.truncated);
    let result = engine.triage(&text, "es");
    assert!(result.truncated);
    assert!(result.candidates.is_empty(), "{result:?}");
    // A multi-byte character at the cut is not split.
    let text = "ñ".repeat(40_000);
    assert!(engine.triage(&text, "es").truncated);
    let wide = Engine::builder()
        .max_triage_bytes(usize::MAX)
        .from_toml_str(unified_message::EXAMPLE_POLICY)
        .unwrap();
    let mut text = "hola ".repeat(20_000);
    text.push_str("quiero la devolución");
    let result = wide.triage(&text, "es");
    assert!(!result.truncated);
    assert_eq!(result.topic, "billing.refund");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Issue 19.7, property: any mix of keyword fragments, anchors and ordinary words, of any
    /// length up to 64 KB, on any of the policies, stays within the linear bound.
    #[test]
    fn i19_7_triage_work_is_linear_for_any_mix(
        policy in 0..4usize,
        kinds in prop::collection::vec(0..3usize, 1..8),
        bytes in 1usize..64_000,
        seed in any::<u64>(),
    ) {
        let (name, engine) = &policies()[policy];
        let words = fragments();
        let part = bytes / kinds.len() + 1;
        let text: String = kinds.iter().map(|&k| text(k, part, seed, words)).collect();
        let work = engine.triage_work(&text, "es");
        within_bound(&work, name);
    }
}

/// Keywords that overlap one another: `a`, `aa`, `aaa`, … (literal or not), on a long run of
/// the same letter, where the overlapping anchor pass reports every anchor ending at every
/// byte — the keywords' count times the text's length.
fn overlapping(k: usize, literal: bool) -> Engine {
    // And one keyword whose anchor never occurs: the pass never stops early for lack of
    // anchors left.
    let keywords: Vec<String> = std::iter::once("zz[0-9]".to_owned())
        .chain((1..=k).map(|i| {
            if literal {
                "a".repeat(i)
            } else {
                format!("{}[0-9]", "a".repeat(i))
            }
        }))
        .collect();
    Engine::builder()
        .max_triage_bytes(1 << 20)
        .compile(&with_keywords(keywords))
        .unwrap()
}

/// Issue 25 point 1: triage on keywords that overlap one another, over a long run of one
/// letter, costs work linear in the text (anchor occurrences counted), literal keywords or
/// not, and eight times the text costs at most eight times the work.
#[test]
fn issue25_1_overlapping_keywords_on_a_run_of_one_letter_are_linear() {
    for literal in [true, false] {
        let engine = overlapping(200, literal);
        let small = engine.triage_work(&"a".repeat(16_000), "es");
        let large = engine.triage_work(&"a".repeat(128_000), "es");
        within_bound(&small, &format!("overlapping, literal {literal}, small"));
        within_bound(&large, &format!("overlapping, literal {literal}, large"));
        assert!(
            large.total() <= 8 * small.total() + WORK_BASE,
            "{small:?} then {large:?}"
        );
        // The anchor occurrences alone are bounded too, never keywords × bytes.
        assert!(
            large.occurrences <= 16 * large.text + WORK_BASE,
            "{large:?}"
        );
    }
    // The keywords that do match are still found on ordinary text.
    let engine = overlapping(200, false);
    let result = engine.triage("mi código es aaa7", "es");
    assert!(!result.candidates.is_empty(), "{result:?}");
    let engine = overlapping(200, true);
    let result = engine.triage(&"a".repeat(128_000), "es");
    assert!(!result.candidates.is_empty(), "{result:?}");
}
