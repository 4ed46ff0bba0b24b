//! Hostile input (issue 7.4): huge texts, huge policies, deep nesting, duplicates, invalid
//! UTF-8, regexes that would blow up — each is compiled within limits or refused with a clear
//! error, never a hang, a panic or unbounded memory.
//!
//! Timing is not asserted here (speed is measured with criterion, `benches/`): the regex
//! crate matches in time linear in the text, and these tests show that every input completes
//! and what it yields.
//!
//! Issue 19 ("every input bounded"): one module per class of hostile input, each with its own
//! generator of large and hostile inputs, and the work counted (cells, bytes, sizes), never
//! timed: `parse` (policy text: nesting, aliases, ids, numbers, bytes), `stream` (the CLI's files
//! and `decide` stream: invalid UTF-8, endless lines, devices, pipes, byte-order marks; in
//! `cli/tests/stream.rs`, with the tool), `triage`
//! (keyword fragments, 4,000 keywords, shared literals: the work per byte of text).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// The generator of large realistic policies, shared by the modules.
#[path = "../support/generate.rs"]
mod generate;
mod parse;
#[path = "../support/space.rs"]
mod policies;
// Streams and files through the real command-line tool (item 8, item 10, every read of the CLI)
// are in `cli/tests/stream.rs`, with the tool.
// Triage: work linear in the text whatever the keywords (item 7), counted.
// `Engine::triage_work` is a test hook of the feature `testing`.
#[cfg(feature = "testing")]
mod triage;
// The circumstance space of check, diff and table: fact keys, fact values, topics (items 5, 6).
mod space;
// What cannot be represented or cannot fail, refused (issue 25 points 5, 6).
mod refused;
// Outputs linear in the policy: check findings, diff, names (issue 25 points 2, 3, 4).
mod outputs;

use std::fmt::Write as _;

use unified_message::document::PolicyDocument;
use unified_message::{Channel, Contact, Engine, Outcome, Progress, Responder};

fn example() -> Engine {
    Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap()
}

/// A valid policy in TOML with `topics` topics under `[topics]` (and one message each).
fn big_policy(topics: usize, message_len: usize) -> String {
    let mut s = String::from(
        r#"
[policy]
name = "big"
revision = "1"
locales = ["en"]
fallback = "t0"

[departments]
d = {}

[systems.s]
tier = "explains"

[ranks]
order = ["agent", "manager"]

[roles.agent]
department = "d"
rank = "agent"
authority = { "*" = "own" }

[handover]
explains.en = "see {system}"
serves.en = "use {system}"
route.en = "to {department}"
authorize.en = "a {rank}"
escalate.en = "a {rank}"
review.en = "within {within}"

[messages.guide]
"#,
    );
    writeln!(s, "text.en = \"{}\"", "x".repeat(message_len)).unwrap();
    for i in 0..topics {
        writeln!(
            s,
            "[topics.\"t{i}\"]\nowner = \"d\"\nexplains = {{ system = \"s\", message = \"guide\" }}\nanswer = \"a{i}\"\n[messages.a{i}]\ntext.en = \"answer {i}\"\n"
        )
        .unwrap();
    }
    s
}

/// R1.4: a 10 MB customer text is triaged (automata: an Aho-Corasick pass, then each candidate
/// keyword's NFA over the windows around its anchors) and decided.
#[test]
fn r1_4_ten_megabyte_text_is_triaged_and_decided() {
    let engine = example();
    let mut text = "no puedo configurar el correo en outlook ".repeat(10 * 1024 * 1024 / 41);
    text.push_str(" ñandú ☃ \u{0301}");
    assert!(text.len() >= 10 * 1024 * 1024 - 64);
    let contact = Contact::new("c", Channel::Chat)
        .with_text(text)
        .with_locale("es");
    let d = engine.decide(&contact, &Responder::system("self-diagnosis"));
    assert_eq!(d.topic(), "email.setup");
    assert_eq!(d.outcome(), Outcome::Answer);
    let result = engine.triage(contact.text.as_deref().unwrap(), "es");
    assert_eq!(result.topic, "email.setup");
    let best = &result.candidates[0];
    assert!(
        best.matches
            .iter()
            .all(|m| m.end <= contact.text.as_ref().unwrap().len())
    );
}

/// R2.3: screening a 10 MB draft finds the one forbidden phrase at its end.
#[test]
fn r2_3_ten_megabyte_draft_is_screened() {
    let engine = example();
    let mut draft = "Le paso con Administración. ".repeat(10 * 1024 * 1024 / 29);
    draft.push_str("Eso no nos compete.");
    let found = engine.screen(&draft, "es");
    assert_eq!(found.len(), 1);
    assert_eq!(&draft[found[0].start..found[0].end], "Eso no nos compete");
}

/// A 10 MB text that matches nothing falls back to the general topic.
#[test]
fn r1_4_ten_megabyte_text_without_keywords_falls_back() {
    let engine = example();
    let text = "zzzz ".repeat(2 * 1024 * 1024);
    let contact = Contact::new("c", Channel::Chat).with_text(text);
    let d = engine.decide(&contact, &Responder::system("self-diagnosis"));
    assert_eq!(d.topic(), "general");
    assert!(d.flags().fallback_topic);
}

/// `big_policy(1, …)` as a document, grown in memory to `topics` topics (no parser: this
/// measures the compile step, not the TOML parser).
fn big_document(topics: usize) -> PolicyDocument {
    let mut doc = PolicyDocument::from_toml_str(&big_policy(1, 10)).unwrap();
    let topic = doc.topics.0[0].1.clone();
    let answer = doc.messages.get("a0").unwrap().clone();
    for i in 1..topics {
        let mut t = topic.clone();
        t.answer = Some(format!("a{i}"));
        doc.topics.insert(format!("t{i}"), t);
        doc.messages.insert(format!("a{i}"), answer.clone());
    }
    doc
}

/// A policy with 100,000 topics compiles, and deciding on its last topic is as direct as on
/// its first; 10,000 topics also go through the TOML parser.
#[test]
fn r0_1_hundred_thousand_topics_compile() {
    let engine = Engine::compile(&big_document(100_000)).unwrap();
    assert_eq!(engine.topics().len(), 100_000);
    let contact = Contact::new("c", Channel::Phone)
        .with_topic("t99999")
        .with_progress(Progress::Explained);
    let d = engine.decide(&contact, &Responder::staff("agent"));
    assert_eq!(d.outcome(), Outcome::Answer);
    assert_eq!(d.message_id(), "a99999");

    let engine = Engine::from_toml_str(&big_policy(10_000, 10)).unwrap();
    assert_eq!(engine.topics().len(), 10_000);
}

/// A 1 MB message compiles and renders whole.
#[test]
fn r0_1_one_megabyte_message_renders() {
    let engine = Engine::from_toml_str(&big_policy(1, 1024 * 1024)).unwrap();
    let d = engine.decide(
        &Contact::new("c", Channel::Web).with_topic("t0"),
        &Responder::system("s"),
    );
    assert_eq!(d.text().len(), 1024 * 1024);
}

/// Deeply nested TOML and JSON are refused with a parse error, not a stack overflow.
#[test]
fn r0_1_deep_nesting_is_a_parse_error() {
    for depth in [100, 10_000, 1_000_000] {
        let toml = format!("x = {}1{}", "[".repeat(depth), "]".repeat(depth));
        let err = Engine::from_toml_str(&toml).unwrap_err();
        assert!(err.has_code("parse-error"), "{err}");
        let toml = format!("{}= 1", "a.".repeat(depth));
        let err = Engine::from_toml_str(&toml).unwrap_err();
        assert!(err.has_code("parse-error"), "{err}");
        // JSON: refused by the nesting scan before parsing (issue 19).
        let json = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let err = Engine::from_json_str(&json).unwrap_err();
        assert!(err.has_code("too-deep"), "{err}");
    }
}

/// Duplicate keys: a TOML parse error; in JSON (which allows them) a `duplicate-id` error.
#[test]
fn r0_1_duplicates_are_refused() {
    let toml = unified_message::EXAMPLE_POLICY
        .replace("[systems.ivr]", "[systems.ivr]\ntier = \"explains\"");
    let err = Engine::from_toml_str(&toml).unwrap_err();
    assert!(err.has_code("parse-error"), "{err}");
    assert!(err.to_string().contains("line"), "{err}");

    let json = r#"{"policy": {"name": "x", "revision": "1", "locales": ["en"], "fallback": "g"},
        "departments": {"d": {}, "d": {}}}"#;
    let err = Engine::from_json_str(json).unwrap_err();
    assert!(err.has_code("duplicate-id"), "{err}");
    assert!(
        err.to_string().contains("department `d` is defined twice"),
        "{err}"
    );
}

/// Bytes that are not UTF-8: an `invalid-utf8` error at the line and column of the bad byte.
#[test]
fn r0_1_invalid_utf8_is_a_clear_error() {
    let mut bytes = unified_message::EXAMPLE_POLICY.as_bytes().to_vec();
    let at = unified_message::EXAMPLE_POLICY
        .find("name = \"Acme")
        .unwrap()
        + 8;
    bytes[at] = 0xff;
    for err in [
        Engine::from_toml_slice(&bytes).unwrap_err(),
        Engine::from_json_slice(&bytes).unwrap_err(),
    ] {
        assert!(err.has_code("invalid-utf8"), "{err}");
        let d = &err.diagnostics()[0];
        let loc = d.location.unwrap();
        assert_eq!(loc.line, 11, "{err}");
        assert_eq!(loc.column, 9, "{err}");
    }
    assert!(Engine::from_toml_slice(unified_message::EXAMPLE_POLICY.as_bytes()).is_ok());
}

/// Regexes that would blow up: nested stars compile (the regex crate has no backtracking);
/// huge counted repetitions are refused with `regex-too-big` and a hint.
#[test]
fn r1_4_explosive_regexes_are_refused_or_linear() {
    let with_keyword = |pattern: &str| {
        unified_message::EXAMPLE_POLICY.replacen(
            "'thunderbird',",
            &format!("'thunderbird', '{pattern}',"),
            1,
        )
    };
    // Catastrophic for a backtracking engine; linear here.
    let engine = Engine::from_toml_str(&with_keyword("(a*)*b")).unwrap();
    let text = "a".repeat(1_000_000);
    let d = engine.decide(
        &Contact::new("c", Channel::Chat)
            .with_text(text)
            .with_locale("es"),
        &Responder::system("ivr"),
    );
    assert_eq!(d.topic(), "general");

    for pattern in ["a{1000}{1000}", "(\\w{500}){500}", "[\\p{L}]{100000}"] {
        let err = Engine::from_toml_str(&with_keyword(pattern)).unwrap_err();
        assert!(err.has_code("regex-too-big"), "{pattern}: {err}");
        assert!(err.to_string().contains("regex size limit"), "{err}");
    }
    // A forbidden phrase too.
    let source = unified_message::EXAMPLE_POLICY.replacen(
        "forbidden = [",
        "forbidden = [ { pattern = 'x{1000}{1000}', why = \"boom\" },",
        1,
    );
    let err = Engine::from_toml_str(&source).unwrap_err();
    assert!(err.has_code("regex-too-big"), "{err}");
    // A smaller limit refuses smaller regexes.
    let err = Engine::builder()
        .regex_size_limit(1024)
        .from_toml_str(&with_keyword("[a-z]{200}"))
        .unwrap_err();
    assert!(err.has_code("regex-too-big"), "{err}");
}

/// Many unknown references among many ids: every error is reported, without a quadratic
/// search for suggestions.
#[test]
fn r0_1_many_errors_among_many_ids_stay_cheap() {
    let source = big_policy(10_000, 10).replace("answer = \"a", "answer = \"missing");
    let err = Engine::from_toml_str(&source).unwrap_err();
    assert_eq!(
        err.diagnostics()
            .iter()
            .filter(|d| d.code == "unknown-message")
            .count(),
        10_000
    );
}

/// A policy document built in memory (no parser) with a huge product of roles × topics ×
/// rules is refused with a clear error instead of allocating gigabytes.
#[test]
fn r0_1_oversized_derived_tables_are_refused() {
    let mut doc = big_document(100_000);
    let role = doc.roles.0[0].1.clone();
    for i in 0..2_000 {
        doc.roles.insert(format!("role{i}"), role.clone());
    }
    let err = Engine::compile(&doc).unwrap_err();
    assert!(err.has_code("policy-too-large"), "{err}");
    assert!(err.to_string().contains("max_table_size"), "{err}");
}
