//! Issue 17: reports that CI systems show. `check` and `diff` print GitHub workflow commands,
//! SARIF 2.1.0 and GitLab Code Quality; `test` prints JUnit XML; the exit codes stay those of
//! the text format (0 clean, 1 errors or failed scenarios).
//!
//! The SARIF schema, `tests/data/sarif-schema-2.1.0.json`, is the SARIF 2.1.0 JSON Schema of
//! the OASIS TC's repository (oasis-tcs/sarif-spec, `Schemata/sarif-schema-2.1.0.json`, its
//! draft-07 revision, `$id` in the file), as the crate `serde-sarif` 0.8.0 ships it
//! (`src/schema.json`, from which it generates its types); sha256
//! af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;
use unified_message::ci;

#[path = "support/cli.rs"]
mod cli_support;

use cli_support::{BIN, ROOT, code, data, example, stdout};

/// A file in this test's scratch directory.
fn scratch(name: &str, contents: &str) -> PathBuf {
    cli_support::scratch_in("report-tests", name, contents)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// The line (from 1) of the first line of `source` that contains `needle`.
fn line_of(source: &str, needle: &str) -> usize {
    source.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// The pattern of `language` (of `run` and `toolComponent`) in this revision of the schema: a stray `]` makes
/// it an invalid ECMA-262 regex, so a validator that checks the schema against its meta-schema
/// refuses it (a known defect; later revisions of the file end it `-[a-zA-Z]{2}?$`).
const MALFORMED_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}?$";

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(data("sarif-schema-2.1.0.json")).unwrap();
    // The committed file stays as published; only the one malformed pattern is corrected, in
    // memory (our logs never write `language`).
    let malformed = serde_json::to_string(MALFORMED_LANGUAGE_PATTERN).unwrap();
    assert_eq!(
        text.matches(&malformed).count(),
        2,
        "the schema file changed"
    );
    let text = text.replace(
        &malformed,
        &serde_json::to_string(LANGUAGE_PATTERN).unwrap(),
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    // Formats too (`uri-reference` of an artifact's location).
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// `output` is a SARIF log valid against the schema; returns it parsed.
fn valid_sarif(validator: &jsonschema::Validator, output: &str) -> Value {
    let log: Value = serde_json::from_str(output).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}\n{output}");
    log
}

/// What every SARIF log of ours must say beyond the schema: one rule per code with its help,
/// each result pointing at its rule and at `file`.
fn assert_rules_and_locations(log: &Value, file: &str) {
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "one rule per code: {ids:?}"
    );
    for rule in rules {
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{rule}");
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(result["ruleId"], rules[index]["id"], "{result}");
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], file);
        assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
    }
}

/// Issue 17, points 1 and 3: `check --format sarif` validates against the SARIF 2.1.0 schema
/// for a violated invariant, a style error, warnings only, a clean policy, a policy that does
/// not compile and a JSON policy (no line numbers); the exit codes are those of the text format.
#[test]
fn check_sarif_validates_against_the_schema_with_unchanged_exit_codes() {
    let validator = sarif_validator();
    let json_policy = scratch("no-revision.json", r#"{"policy": {"name": "x"}}"#);
    let cases = [
        (data("check/out-of-lane.toml"), 1, Some("out-of-lane")),
        (
            data("check/forbidden-phrase.toml"),
            1,
            Some("forbidden-phrase"),
        ),
        (
            data("check/channel-specific-rule.toml"),
            0,
            Some("channel-specific-rule"),
        ),
        (data("bad/unknown-system.toml"), 1, Some("unknown-system")),
        (
            json_policy.display().to_string(),
            1,
            Some("missing-revision"),
        ),
        (data("check/clean.toml"), 0, None),
    ];
    for (path, exit, code_expected) in cases {
        let text = run(&["check", &path]);
        let o = run(&["check", &path, "--format", "sarif"]);
        assert_eq!(code(&o), exit, "{path}");
        assert_eq!(code(&o), code(&text), "{path}: same exit code as text");
        let log = valid_sarif(&validator, &stdout(&o));
        assert_rules_and_locations(&log, &path);
        let results = log["runs"][0]["results"].as_array().unwrap();
        match code_expected {
            Some(c) => assert!(results.iter().any(|r| r["ruleId"] == c), "{path}: {log}"),
            None => assert!(results.is_empty(), "{path}: {log}"),
        }
        if path.ends_with(".json") {
            // No line is known: the file, line 1 (GitHub needs one), and the document path.
            for r in results {
                let location = &r["locations"][0];
                assert_eq!(
                    location["physicalLocation"]["region"],
                    serde_json::json!({"startLine": 1})
                );
                assert!(
                    location["logicalLocations"][0]["fullyQualifiedName"].is_string(),
                    "{r}"
                );
            }
        }
    }
}

/// Issue 17, point 1: a result's region is the line and column of the text format, and its
/// message carries the counterexample.
#[test]
fn check_sarif_results_locate_and_explain_the_finding() {
    let path = data("check/out-of-lane.toml");
    let text = stdout(&run(&["check", &path]));
    // The text format draws the finding; its `--> FILE:LINE:COL` line locates it.
    let mut lines = text.lines();
    lines.find(|l| l.contains("error[out-of-lane]")).unwrap();
    let at = lines
        .next()
        .unwrap()
        .trim_start()
        .strip_prefix(&format!("--> {path}:"))
        .unwrap()
        .split(':')
        .take(2)
        .map(|n| n.parse::<u64>().unwrap())
        .collect::<Vec<_>>();
    let log: Value =
        serde_json::from_str(&stdout(&run(&["check", &path, "--format", "sarif"]))).unwrap();
    let result = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "out-of-lane")
        .unwrap();
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        [region["startLine"].as_u64(), region["startColumn"].as_u64()],
        [Some(at[0]), Some(at[1])]
    );
    assert_eq!(result["level"], "error");
    let message = result["message"]["text"].as_str().unwrap();
    assert!(
        message.contains("\ncounterexample: topic `billing.invoice`"),
        "{message}"
    );
    assert!(message.contains("\nhint: "), "{message}");
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "rules[0]"
    );
}

/// Issue 17, point 3: the schema check is real — the validator rejects what SARIF forbids.
#[test]
fn the_schema_rejects_invalid_sarif() {
    let validator = sarif_validator();
    let good: Value = serde_json::from_str(&stdout(&run(&[
        "check",
        &data("check/out-of-lane.toml"),
        "--format",
        "sarif",
    ])))
    .unwrap();
    assert!(validator.is_valid(&good));
    let mut bad_level = good.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&bad_level));
    let mut bad_line = good.clone();
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!validator.is_valid(&bad_line));
    let mut bad_uri = good.clone();
    bad_uri["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "policies/acme hosting.toml".into();
    assert!(!validator.is_valid(&bad_uri));
    let mut bad_version = good;
    bad_version["version"] = "2.0.0".into();
    assert!(!validator.is_valid(&bad_version));
}

/// A text of the example changed without a new version (a `diff` error), and its line.
fn changed_text() -> (PathBuf, usize) {
    let policy = unified_message::EXAMPLE_POLICY.replace(
        "Hacemos una copia de seguridad diaria",
        "Hacemos una copia de seguridad cada día",
    );
    let line = line_of(&policy, "[messages.backup-guide]");
    (scratch("changed.toml", &policy), line)
}

/// The example with a new revision and billing agents granted every billing topic: decisions
/// change, no error.
fn granted() -> PathBuf {
    scratch(
        "granted.toml",
        &unified_message::EXAMPLE_POLICY
            .replace(
                r#"authority = { "billing.invoice" = "own", "general" = "own" }"#,
                r#"authority = { "billing.*" = "own", "general" = "own" }"#,
            )
            .replace(r#"revision = "2026-11-27""#, r#"revision = "2026-11-28""#),
    )
}

/// Issue 17, points 1 and 3: `diff --format sarif` validates, locates the finding in the new
/// revision, and keeps the exit codes (1 for errors, 0 for changes without error).
#[test]
fn diff_sarif_validates_with_unchanged_exit_codes() {
    let validator = sarif_validator();
    let (changed, line) = changed_text();
    let changed = changed.to_str().unwrap();
    let o = run(&["diff", &example(), changed, "--format", "sarif"]);
    assert_eq!(code(&o), 1);
    let log = valid_sarif(&validator, &stdout(&o));
    assert_rules_and_locations(&log, changed);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "text-changed-without-version");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        line
    );
    let rules = &log["runs"][0]["tool"]["driver"]["rules"];
    assert_eq!(
        rules[0]["help"]["text"],
        ci::code_help("text-changed-without-version").unwrap()
    );

    let granted = granted();
    let o = run(&[
        "diff",
        &example(),
        granted.to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    assert_eq!(code(&o), 0);
    let log = valid_sarif(&validator, &stdout(&o));
    assert!(log["runs"][0]["results"].as_array().unwrap().is_empty());
}

/// Issue 17, point 1: `check --format github` prints exactly one workflow command per finding,
/// `::error` / `::warning` with file, line, col and the code as title; `%`, CR and LF are
/// escaped in the message, and `:` and `,` too in the file property. Exit code unchanged.
#[test]
fn check_github_lines_are_exact_and_escaped() {
    let source = std::fs::read_to_string(data("check/forbidden-phrase.toml"))
        .unwrap()
        .replace(
            r#"why = "exclusion phrase: the customer feels brushed off""#,
            r#"why = "100% off-putting,\r\nsays: no""#,
        );
    let path = scratch("policy, v2: draft.toml", &source);
    let file = path.display().to_string();
    let escaped = file
        .replace('%', "%25")
        .replace(':', "%3A")
        .replace(',', "%2C");
    let o = run(&["check", &file, "--format", "github"]);
    assert_eq!(code(&o), 1);
    assert_eq!(code(&run(&["check", &file])), 1);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let why = "100%25 off-putting,%0D%0Asays: no";
    let pattern = "(pattern `(?i)(that.s|it is) not our concern`)";
    let expected = [
        format!(
            "::error file={escaped},line={},col=34,title=forbidden-phrase::messages.invoice-lead-answer.text.en: \
             the text contains the forbidden phrase `it is not our concern`%0Ahint: reword it: {why}\
             %0Amatched: `it is not our concern` at bytes 7..28 {pattern}: {why}",
            line_of(&source, "I know it is not our concern")
        ),
        format!(
            "::error file={escaped},line={},col=12,title=forbidden-phrase::handover.review.en: \
             the text contains the forbidden phrase `That's not our concern`%0Ahint: reword it: {why}\
             %0Amatched: `That's not our concern` at bytes 0..22 {pattern}: {why}",
            line_of(&source, "review = { en = \"That's not our concern")
        ),
        format!(
            "::warning file={escaped},line={},col=1,title=unused-role::roles.billing-agent: role `billing-agent` \
             never answers nor requests an authorization in any circumstance: it only redirects, routes or \
             escalates%0Ahint: give it authority on some topic, or remove it",
            line_of(&source, "billing-agent =")
        ),
        format!(
            "::warning file={escaped},line={},col=1,title=unused-role::roles.billing-lead: role `billing-lead` \
             never answers nor requests an authorization in any circumstance: it only redirects, routes or \
             escalates%0Ahint: give it authority on some topic, or remove it",
            line_of(&source, "billing-lead =")
        ),
    ];
    assert_eq!(lines, expected, "\n{out}");
    assert!(out.ends_with('\n'));
}

/// Issue 17, point 1: the counterexample of a violated invariant is in the annotation.
#[test]
fn check_github_carries_the_counterexample() {
    let path = data("check/out-of-lane.toml");
    let o = run(&["check", &path, "--format", "github"]);
    assert_eq!(code(&o), 1);
    let source = std::fs::read_to_string(&path).unwrap();
    let line = line_of(&source, "[[rules]]");
    assert_eq!(
        stdout(&o),
        format!(
            "::error file={path},line={line},col=1,title=out-of-lane::rules[0]: a role of `support` answers \
             topic `billing.invoice`, owned by `billing`, with `own` authority and no explicit grant (I5) \
             (18 circumstances in all)%0Ahint: restrict the rule to `department = \"billing\"`, or grant the \
             role authority on the topic explicitly (R0.2, R0.8)%0Acounterexample: topic `billing.invoice`, \
             progress `served`, plan = `premium`%0A  staff role `support-agent` on `phone`: answer \
             `invoice-answer` v1 (rule `premium-invoices`)\n"
        )
    );
    // A clean policy: no command at all, exit 0.
    let o = run(&["check", &data("check/clean.toml"), "--format", "github"]);
    assert_eq!((code(&o), stdout(&o)), (0, String::new()));
}

/// Issue 17, point 1: `diff --format github`, exact lines, exit codes unchanged.
#[test]
fn diff_github_lines_are_exact() {
    let (changed, line) = changed_text();
    let file = changed.to_str().unwrap();
    let o = run(&["diff", &example(), file, "--format", "github"]);
    assert_eq!(code(&o), 1);
    let revision_line = line_of(unified_message::EXAMPLE_POLICY, "revision = ");
    assert_eq!(
        stdout(&o),
        format!(
            "::error file={file},line={line},col=11,title=text-changed-without-version::messages.backup-guide: \
             the text of message `backup-guide` changed (es) without a new version: customers pinned to it \
             would silently hear other words%0Ahint: keep the old text and add a version with \
             `change = \"editorial\"` (same instructions, better words) or `change = \"substantive\"` (the \
             procedure changed)\n\
             ::error file={file},line={revision_line},col=1,title=revision-unchanged::policy.revision: both \
             policies are revision `2026-11-27`, but what customers hear differs: decisions and pins name the \
             revision, so records of the two could not be told apart%0Ahint: give the new policy its own \
             `revision`, e.g. the date of the change\n"
        )
    );
    let o = run(&[
        "diff",
        &example(),
        granted().to_str().unwrap(),
        "--format",
        "github",
    ]);
    assert_eq!((code(&o), stdout(&o)), (0, String::new()));
}

/// `output` is a GitLab Code Quality report with every field GitLab requires; returns it.
fn valid_code_quality(output: &str, file: &str) -> Vec<Value> {
    let issues: Vec<Value> = serde_json::from_str(output).unwrap();
    let mut fingerprints = HashSet::new();
    for issue in &issues {
        for field in ["description", "check_name", "fingerprint", "severity"] {
            assert!(
                !issue[field].as_str().unwrap().is_empty(),
                "{field}: {issue}"
            );
        }
        assert!(["minor", "major"].contains(&issue["severity"].as_str().unwrap()));
        assert_eq!(issue["location"]["path"], file);
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_owned()));
    }
    issues
}

/// Issue 17, point 1: `check` and `diff` with `--format gitlab` (Code Quality), exit codes
/// unchanged; a finding keeps its fingerprint from one run to the next.
#[test]
fn gitlab_code_quality_for_check_and_diff() {
    let path = data("check/out-of-lane.toml");
    let o = run(&["check", &path, "--format", "gitlab"]);
    assert_eq!(code(&o), 1);
    let issues = valid_code_quality(&stdout(&o), &path);
    let issue = issues
        .iter()
        .find(|i| i["check_name"] == "out-of-lane")
        .unwrap();
    assert_eq!(issue["severity"], "major");
    let source = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        issue["location"]["lines"]["begin"],
        line_of(&source, "[[rules]]")
    );
    assert!(
        issue["description"]
            .as_str()
            .unwrap()
            .contains("counterexample: ")
    );
    assert_eq!(
        stdout(&run(&["check", &path, "--format", "gitlab"])),
        stdout(&o)
    );

    let warnings = data("check/channel-specific-rule.toml");
    let o = run(&["check", &warnings, "--format", "gitlab"]);
    assert_eq!(code(&o), 0);
    let issues = valid_code_quality(&stdout(&o), &warnings);
    assert!(issues.iter().all(|i| i["severity"] == "minor"));

    let (changed, line) = changed_text();
    let changed = changed.to_str().unwrap();
    let o = run(&["diff", &example(), changed, "--format", "gitlab"]);
    assert_eq!(code(&o), 1);
    let issues = valid_code_quality(&stdout(&o), changed);
    assert_eq!(issues[0]["check_name"], "text-changed-without-version");
    assert_eq!(issues[0]["location"]["lines"]["begin"], line);

    let o = run(&[
        "diff",
        &example(),
        granted().to_str().unwrap(),
        "--format",
        "gitlab",
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o).trim(), "[]");
}

/// Issue 17, points 2 and 3: `test --format junit` parses as XML with one test case per
/// scenario and the right counts; each failure carries the expected and the actual values and
/// the decision; names are escaped; the exit code is that of the text format.
#[test]
fn junit_lists_scenarios_with_expected_and_actual() {
    let scenarios = scratch(
        "junit.scenarios.toml",
        r#"[[scenario]]
name = "r3_3 above the manager: a review"
contact = { channel = "phone", topic = "email.setup", progress = "served", asks_for_superior = true }
responder = { staff = "support-manager" }
expect = { outcome = "review" }

[[scenario]]
name = "sales <answers> domain delegation & \"explains\" it\u0001"
contact = { channel = "phone", topic = "domain.delegation", progress = "served" }
responder = { staff = "sales-agent" }
expect = { outcome = "answer", department = "sales" }

[[scenario]]
name = "the help centre explains e-mail setup"
contact = { channel = "web", topic = "email.setup" }
responder = { system = "self-diagnosis" }
expect = { message = "no-such-message" }
"#,
    );
    let file = scenarios.to_str().unwrap();
    let o = run(&["test", &example(), file, "--format", "junit"]);
    assert_eq!(code(&o), 1);
    assert_eq!(code(&run(&["test", &example(), file])), 1);
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(
        [
            root.attribute("tests"),
            root.attribute("failures"),
            root.attribute("errors")
        ],
        [Some("3"), Some("2"), Some("0")]
    );
    let suite = root
        .children()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("name"), Some(file));
    assert_eq!(
        [suite.attribute("tests"), suite.attribute("failures")],
        [Some("3"), Some("2")]
    );
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 3);
    assert_eq!(
        cases
            .iter()
            .map(|c| c.attribute("line").unwrap())
            .collect::<Vec<_>>(),
        ["1", "7", "13"]
    );
    assert!(cases.iter().all(|c| c.attribute("file") == Some(file)));
    assert_eq!(
        cases[1].attribute("name"),
        Some("sales <answers> domain delegation & \"explains\" it\u{FFFD}")
    );
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 2);
    assert!(cases[0].children().all(|n| !n.has_tag_name("failure")));
    let failure = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(
        failure.attribute("message"),
        Some(
            "outcome: expected `answer`, got `route`; department: expected `sales`, got `support`"
        )
    );
    let body = failure.text().unwrap();
    assert!(
        body.contains("outcome     expected `answer`, got `route`\n"),
        "{body}"
    );
    assert!(
        body.contains("decision: route `handover.route` v1"),
        "{body}"
    );
    assert!(body.contains("\nwhy:\n  1. "), "{body}");
    let failure = cases[2]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(
        failure.attribute("message"),
        Some("message: expected `no-such-message`, got `email-setup-guide`")
    );
    let property = |name: &str| {
        suite
            .descendants()
            .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
            .and_then(|n| n.attribute("value"))
    };
    assert_eq!(property("revision"), Some("2026-11-27"));
}

/// Issue 17, point 2: every scenario of the example passes: as many test cases, no failure,
/// exit 0.
#[test]
fn junit_of_the_example_scenarios() {
    let scenarios = format!("{ROOT}/examples/policies/acme-hosting.scenarios.toml");
    let o = run(&["test", &example(), &scenarios, "--format", "junit"]);
    assert_eq!(code(&o), 0);
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let count = unified_message::scenario::Scenarios::from_toml_str(
        &std::fs::read_to_string(&scenarios).unwrap(),
    )
    .unwrap()
    .scenarios
    .len();
    assert!(count > 10);
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        count
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
    assert_eq!(doc.root_element().attribute("failures"), Some("0"));
}

/// Issue 17, point 1 ("one rule per diagnostic code with its help text"): every code the
/// test corpora produce — each bad policy's expected codes, each `check` case, the `diff`
/// codes — has its help in `ci::code_help`. A new diagnostic comes with a bad policy or a
/// check case (see ARCHITECTURE.md), so this test names any code still missing its help.
#[test]
fn every_code_of_the_corpora_has_help() {
    let mut codes: HashSet<String> = [
        "text-changed-without-version",
        "revision-unchanged",
        "substantive-change",
        "topic-removed",
        "version-history-changed",
        "versions-removed",
        "invalid-utf8",
        "parse-error",
    ]
    .map(str::to_owned)
    .into();
    for dir in ["bad", "check"] {
        for entry in std::fs::read_dir(data(dir)).unwrap() {
            let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in source.lines().filter_map(|l| l.strip_prefix("# expect: ")) {
                let words: Vec<&str> = line.split_whitespace().collect();
                let code = if matches!(words.first(), Some(&"error" | &"warning")) {
                    words.get(1)
                } else {
                    words.first()
                };
                codes.extend(code.map(|c| (*c).to_owned()));
            }
        }
    }
    // Every `check` finding of the check corpus, as the tool reports it.
    for entry in std::fs::read_dir(data("check")).unwrap() {
        let path = entry.unwrap().path();
        let o = run(&["check", path.to_str().unwrap(), "--format", "json"]);
        let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
        for d in report["diagnostics"].as_array().unwrap() {
            codes.insert(d["code"].as_str().unwrap().to_owned());
        }
    }
    let mut missing: Vec<&String> = codes
        .iter()
        .filter(|c| ci::code_help(c).is_none())
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "add these codes to `Code` in src/diagnostic/code.rs: {missing:?}"
    );
    assert!(codes.len() > 40, "{codes:?}");
}
