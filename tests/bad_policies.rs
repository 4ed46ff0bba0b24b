//! The bad-policy corpus: every file in `tests/data/bad/` is a small policy (the valid control
//! `tests/data/minimal.toml` with one defect, or a few) whose header names the errors it must
//! produce:
//!
//! ```text
//! # expect: unknown-system at topics."email.setup".explains.system
//! # expect: parse-error at (document) 12:1
//! ```
//!
//! Each line gives the diagnostic's code, its document path and, optionally, its TOML line and
//! column. Compiling the file must report every expected error and no other (so one defect
//! gives one precise diagnostic, not a cascade). Issue 2, point 3 and point 8.

#![cfg(feature = "toml")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::path::{Path, PathBuf};

use unified_message::document::Location;
use unified_message::{Diagnostic, Engine, PolicyError};

const MINIMAL: &str = include_str!("data/minimal.toml");

/// One `# expect:` line.
#[derive(Debug, PartialEq)]
struct Expected {
    code: String,
    path: String,
    location: Option<Location>,
}

impl Expected {
    fn parse(line: &str) -> Option<Expected> {
        let rest = line.strip_prefix("# expect:")?.trim();
        let (code, rest) = rest.split_once(" at ")?;
        let rest = rest.trim();
        // An optional trailing `LINE:COL`.
        let (path, location) = match rest.rsplit_once(' ') {
            Some((path, loc)) if is_location(loc) => {
                let (l, c) = loc.split_once(':')?;
                let location = Location {
                    line: l.parse().ok()?,
                    column: c.parse().ok()?,
                };
                (path.trim(), Some(location))
            }
            _ => (rest, None),
        };
        Some(Expected {
            code: code.trim().to_owned(),
            path: path.to_owned(),
            location,
        })
    }

    fn matches(&self, d: &Diagnostic) -> bool {
        d.code == self.code
            && d.path.to_string() == self.path
            && self.location.is_none_or(|l| d.location == Some(l))
    }
}

fn is_location(s: &str) -> bool {
    s.split_once(':').is_some_and(|(l, c)| {
        !l.is_empty()
            && !c.is_empty()
            && l.chars().all(|c| c.is_ascii_digit())
            && c.chars().all(|c| c.is_ascii_digit())
    })
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad")
}

fn corpus() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// What is wrong with one corpus file's result, if anything.
fn check_file(name: &str, source: &str) -> Option<String> {
    let expected: Vec<Expected> = source
        .lines()
        .filter(|l| l.starts_with("# expect:"))
        .map(|l| Expected::parse(l).unwrap_or_else(|| panic!("{name}: malformed line `{l}`")))
        .collect();
    if expected.is_empty() {
        return Some(format!("{name}: no `# expect:` line"));
    }
    let err = match Engine::from_toml_str(source) {
        Ok(_) => {
            return Some(format!(
                "{name}: compiled, but should fail with {expected:?}"
            ));
        }
        Err(e) => e,
    };
    let mut problems = Vec::new();
    for e in &expected {
        if !err.diagnostics().iter().any(|d| e.matches(d)) {
            problems.push(format!("missing {} at {} {:?}", e.code, e.path, e.location));
        }
    }
    for d in err.diagnostics() {
        if !expected.iter().any(|e| e.matches(d)) {
            problems.push(format!("unexpected {d}"));
        }
        if d.location.is_none() {
            problems.push(format!("no line and column: {d}"));
        }
        if d.message.is_empty() || d.hint.is_empty() {
            problems.push(format!("no message or no hint: {d}"));
        }
    }
    (!problems.is_empty()).then(|| {
        format!(
            "{name}:\n    {}\n  full error: {err}",
            problems.join("\n    ")
        )
    })
}

#[test]
fn the_control_policy_compiles() {
    let engine = Engine::from_toml_str(MINIMAL).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(engine.name(), "Mini Hosting");
}

#[test]
fn every_bad_policy_reports_exactly_the_errors_it_names() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 25,
        "the corpus has {} files, it needs at least 25",
        corpus.len()
    );
    let failures: Vec<String> = corpus
        .iter()
        .filter_map(|(name, source)| check_file(name, source))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} bad policies did not fail as expected:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_covers_every_kind_of_error_of_the_issue() {
    let codes: Vec<String> = corpus()
        .iter()
        .flat_map(|(_, s)| {
            s.lines()
                .filter_map(Expected::parse)
                .map(|e| e.code)
                .collect::<Vec<_>>()
        })
        .collect();
    for code in [
        "unknown-department",
        "unknown-system",
        "unknown-message",
        "unknown-role",
        "unknown-rank",
        "unknown-topic",
        "unknown-locale",
        "missing-locale",
        "wrong-tier",
        "bad-regex",
        "regex-too-big",
        "duplicate-id",
        "empty-rank-order",
        "missing-ranks",
        "missing-fallback",
        "fallback-without-explanation",
        "bad-duration",
        "empty-rule",
        "rule-matches-no-topic",
        "missing-rule-id",
        "bad-placeholder",
        "placeholder-not-available",
        "parse-error",
        "missing-change",
        "ambiguous-message",
        "person-is-not-a-system",
        "missing-handover",
        "bad-topic-id",
        "grant-matches-no-topic",
    ] {
        assert!(
            codes.iter().any(|c| c == code),
            "no bad policy expects `{code}`"
        );
    }
}

#[test]
fn expect_lines_parse() {
    assert_eq!(
        Expected::parse(
            r#"# expect: unknown-system at topics."email.setup".explains.system 31:14"#
        ),
        Some(Expected {
            code: "unknown-system".into(),
            path: r#"topics."email.setup".explains.system"#.into(),
            location: Some(Location {
                line: 31,
                column: 14
            }),
        })
    );
    assert_eq!(
        Expected::parse("# expect: parse-error at (document)").map(|e| e.path),
        Some("(document)".to_owned())
    );
    assert_eq!(Expected::parse("# a comment"), None);
}

/// The control policy with each `(old, new)` replacement applied once.
fn minimal_with(replacements: &[(&str, &str)]) -> String {
    let mut source = MINIMAL.to_owned();
    for (old, new) in replacements {
        assert_eq!(source.matches(old).count(), 1, "`{old}` must occur once");
        source = source.replace(old, new);
    }
    source
}

/// The 1-based line and column of the first occurrence of `needle` in `source`.
fn position_of(source: &str, needle: &str) -> Location {
    let offset = source.find(needle).unwrap();
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    Location { line, column }
}

#[test]
fn compile_errors_in_toml_carry_the_line_and_column_of_the_key() {
    let source = minimal_with(&[(
        r#"explains = { system = "help", message = "email-guide" }"#,
        r#"explains = { system = "self-diagnosys", message = "email-guide" }"#,
    )]);
    let err = Engine::from_toml_str(&source).unwrap_err();
    let d = err
        .diagnostics()
        .iter()
        .find(|d| d.code == "unknown-system")
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(
        d.path.to_string(),
        r#"topics."email.setup".explains.system"#
    );
    // The `system` key inside the inline table on the line that names the unknown system.
    assert_eq!(
        d.location,
        Some(position_of(&source, r#"system = "self-diagnosys""#)),
        "{err}"
    );
    // The message names the culprit in backticks and the hint suggests the closest id.
    assert!(d.message.contains("`self-diagnosys`"), "{d}");
    assert!(err.to_string().contains("line "), "{err}");
}

#[test]
fn parse_errors_in_toml_carry_the_line_and_column() {
    let source = minimal_with(&[(
        "name = \"Control panel\"",
        "name = \"Control panel\"\ncolour = \"blue\"",
    )]);
    let err = Engine::from_toml_str(&source).unwrap_err();
    assert_eq!(err.diagnostics().len(), 1, "{err}");
    let d = &err.diagnostics()[0];
    assert_eq!(d.code, "parse-error");
    assert!(d.message.contains("colour"), "{d}");
    assert_eq!(
        d.location.map(|l| l.line),
        Some(position_of(&source, "colour").line),
        "{err}"
    );
}

#[test]
fn a_policy_with_many_errors_reports_all_of_them_at_once() {
    let source = minimal_with(&[
        (r#"owner = "billing""#, r#"owner = "biling""#),
        (
            r#"explains = { system = "help", message = "email-guide" }"#,
            r#"explains = { system = "panel", message = "email-guide" }"#,
        ),
        (
            r#"answer = "general-answer""#,
            r#"answer = "general-anwser""#,
        ),
        (r#"review_within = "24h""#, r#"review_within = "soon""#),
        (
            r#"text = { en = "We will look into it.", es = "Lo revisaremos." }"#,
            r#"text = { en = "We will look into it, {name}." }"#,
        ),
        ("'(?i)not our concern'", "'(?i)not our (concern'"),
        (r#"approver = "supervisor""#, r#"approver = "boss""#),
        (
            "then = { skip_ladder = true }",
            "then = { skip_ladder = true }\n\n[[rules]]\nid = \"x\"\nwhen = { topic = \"nothing.*\" }\nthen = {}",
        ),
    ]);
    let err = Engine::from_toml_str(&source).unwrap_err();
    let found: Vec<(String, String)> = err
        .diagnostics()
        .iter()
        .map(|d| (d.code.to_string(), d.path.to_string()))
        .collect();
    for (code, path) in [
        ("unknown-department", r#"topics."billing.refund".owner"#),
        ("wrong-tier", r#"topics."email.setup".explains.system"#),
        ("unknown-message", "topics.general.answer"),
        ("bad-duration", "ranks.review_within"),
        ("bad-placeholder", "messages.general-answer.text.en"),
        ("missing-locale", "messages.general-answer.text"),
        ("bad-regex", "style.forbidden[0].pattern"),
        ("unknown-rank", r#"topics."billing.refund".approver"#),
        ("rule-matches-no-topic", "rules[1].when.topic"),
        ("empty-rule", "rules[1].then"),
    ] {
        assert!(
            found.iter().any(|(c, p)| c == code && p == path),
            "missing {code} at {path}\n{err}"
        );
    }
    assert!(err.diagnostics().len() >= 10, "{err}");
    // Every one of them says where and what would fix it.
    for d in err.diagnostics() {
        assert!(d.location.is_some() && !d.hint.is_empty(), "{d}");
    }
    // Reported top to bottom, as a reader goes through the file, and the same every time.
    let locations: Vec<Location> = err
        .diagnostics()
        .iter()
        .filter_map(|d| d.location)
        .collect();
    assert!(locations.windows(2).all(|w| w[0] <= w[1]), "{err}");
    assert_eq!(Engine::from_toml_str(&source).unwrap_err(), err);
}

#[test]
fn duplicate_keys_in_toml_are_a_parse_error() {
    let source = minimal_with(&[(
        r#"billing = { name = "Billing" }"#,
        "billing = { name = \"Billing\" }\nsupport = { name = \"Customer care\" }",
    )]);
    let err = Engine::from_toml_str(&source).unwrap_err();
    assert!(err.has_code("parse-error"), "{err}");
    assert_eq!(
        err.diagnostics()[0].location.map(|l| l.line),
        Some(position_of(&source, "support = { name = \"Customer care\" }").line),
        "{err}"
    );
}

#[cfg(feature = "json")]
mod json {
    use super::*;
    use unified_message::document::PolicyDocument;

    /// The control policy as JSON text, with `extra` spliced in after the first `{` of the
    /// section `"NAME": {`.
    fn minimal_json_with(section: &str, extra: &str) -> String {
        let doc = PolicyDocument::from_toml_str(MINIMAL).unwrap();
        let json = serde_json::to_string_pretty(&doc).unwrap();
        let anchor = format!("\"{section}\": {{");
        assert_eq!(json.matches(&anchor).count(), 1, "{anchor}");
        json.replacen(&anchor, &format!("{anchor}\n{extra}"), 1)
    }

    fn json_error(source: &str) -> PolicyError {
        Engine::from_json_str(source).unwrap_err()
    }

    #[test]
    fn the_control_policy_compiles_from_json() {
        let doc = PolicyDocument::from_toml_str(MINIMAL).unwrap();
        let json = serde_json::to_string(&doc).unwrap();
        Engine::from_json_str(&json).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn duplicate_ids_in_json_are_reported_with_every_other_error() {
        let source = minimal_json_with("departments", r#""support": { "name": "Care" },"#);
        let source = source.replacen(
            "\"messages\": {",
            "\"messages\": {\n\"email-answer\": { \"text\": { \"en\": \"x\", \"es\": \"y\" } },",
            1,
        );
        let source = source.replacen(
            "\"roles\": {",
            "\"roles\": {\n\"billing-agent\": { \"department\": \"billing\", \"rank\": \"agent\" },",
            1,
        );
        let err = json_error(&source);
        let dups: Vec<String> = err
            .diagnostics()
            .iter()
            .filter(|d| d.code == "duplicate-id")
            .map(|d| d.path.to_string())
            .collect();
        assert_eq!(
            dups,
            [
                "departments.support",
                "messages.email-answer",
                "roles.billing-agent"
            ],
            "{err}"
        );
    }

    #[test]
    fn duplicate_topics_systems_and_rules_in_json() {
        let source = minimal_json_with(
            "topics",
            r#""general": { "owner": "support", "explains": { "system": "help", "message": "general-guide" }, "answer": "general-answer" },"#,
        );
        let source = source.replacen(
            "\"systems\": {",
            "\"systems\": {\n\"panel\": { \"tier\": \"serves\", \"name\": \"P\" },",
            1,
        );
        let err = json_error(&source);
        for path in ["topics.general", "systems.panel"] {
            assert!(
                err.diagnostics()
                    .iter()
                    .any(|d| d.code == "duplicate-id" && d.path.to_string() == path),
                "no duplicate-id at {path}\n{err}"
            );
        }
    }

    /// Keys written twice inside a table — a grant pattern, a locale — are reported, not
    /// silently resolved by whichever comes last.
    #[test]
    fn duplicate_keys_inside_tables_in_json() {
        let doc = PolicyDocument::from_toml_str(MINIMAL).unwrap();
        let json = serde_json::to_string_pretty(&doc).unwrap();
        let grant = "\"email.*\": \"own\"";
        assert_eq!(json.matches(grant).count(), 1);
        let source = json.replacen(grant, &format!("{grant}, \"email.*\": \"consensual\""), 1);
        let answer = "\"en\": \"Your refund is approved.\"";
        assert_eq!(source.matches(answer).count(), 1);
        let source = source.replacen(answer, &format!("{answer}, \"en\": \"Refund denied.\""), 1);
        let err = json_error(&source);
        let mut dups: Vec<String> = err
            .diagnostics()
            .iter()
            .filter(|d| d.code == "duplicate-key")
            .map(|d| d.path.to_string())
            .collect();
        dups.sort();
        assert_eq!(
            dups,
            [
                r#"messages.refund-answer.text.en"#,
                r#"roles.support-agent.authority."email.*""#
            ],
            "{err}"
        );
    }

    #[test]
    fn unknown_fields_are_errors_in_json_too() {
        let source = minimal_json_with("policy", r#""colour": "blue","#);
        let err = json_error(&source);
        assert_eq!(err.diagnostics().len(), 1, "{err}");
        let d = &err.diagnostics()[0];
        assert_eq!(d.code, "parse-error");
        assert!(d.message.contains("colour"), "{d}");
        let line = source.lines().position(|l| l.contains("colour")).unwrap() + 1;
        assert_eq!(d.location.map(|l| l.line), Some(line), "{d}");
    }

    #[test]
    fn json_compile_errors_have_paths_but_no_toml_location() {
        let source = minimal_json_with("departments", r#""support": { "name": "Care" },"#);
        let err = json_error(&source);
        assert!(
            err.diagnostics()
                .iter()
                .all(|d| d.location.is_none() && !d.path.segments().is_empty()),
            "{err}"
        );
    }
}
