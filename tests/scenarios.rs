//! Scenario tests (issue 4, point 3): the example policy's scenario file passes, and failing
//! scenarios are reported precisely.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use unified_message::Engine;
use unified_message::scenario::Scenarios;

const EXAMPLE_SCENARIOS: &str = include_str!("../examples/policies/acme-hosting.scenarios.toml");

fn engine() -> Engine {
    Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap()
}

/// R0.1–R4.4: every seed case of the example policy, as scenarios, passes.
#[test]
fn r0_example_policy_scenarios_pass() {
    let scenarios = Scenarios::from_toml_str(EXAMPLE_SCENARIOS).unwrap();
    assert!(scenarios.len() >= 20, "only {} scenarios", scenarios.len());
    let report = engine().run_scenarios(&scenarios);
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed, scenarios.len());
}

fn run(file: &str) -> unified_message::scenario::ScenarioReport {
    let scenarios = Scenarios::from_toml_str(file).unwrap();
    engine().run_scenarios(&scenarios)
}

/// A failing scenario shows expected vs. actual for every wrong field, and why.
#[test]
fn failing_scenarios_show_expected_actual_and_explanation() {
    let report = run(include_str!("data/scenarios/failing.toml"));
    assert_eq!((report.passed, report.failed), (1, 4));
    assert!(!report.is_success());
    let r = &report.results[1];
    assert!(!r.passed);
    assert_eq!(r.location.map(|l| l.line), Some(9));
    let fields: Vec<_> = r
        .mismatches
        .iter()
        .map(|m| (m.field.as_str(), m.expected.as_str(), m.actual.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("outcome", "`answer`", "`route`"),
            ("system", "`self-diagnosis`", "(none)"),
            ("department", "`sales`", "`support`"),
        ]
    );
    // The explanation is the engine's own steps, each with its kind and text (issue 24,
    // point 1: the shape of `ExplanationRecord`'s steps); the text report ends it with the
    // verdict.
    assert!(r.explanation.iter().any(|s| s.text.contains("consensual")));
    let engine = engine();
    let scenarios = Scenarios::from_toml_str(include_str!("data/scenarios/failing.toml")).unwrap();
    let s = &scenarios.scenarios[1];
    let record = engine.explain(&s.contact, &s.responder).to_record();
    assert_eq!(r.explanation, record.steps);
    let text = report.to_string();
    let why = text.split("why:").nth(1).unwrap();
    let verdict = format!("{}. => route", r.explanation.len() + 1);
    assert!(
        why.lines().any(|l| l.trim_start().starts_with(&verdict)),
        "{text}"
    );
    assert!(
        text.contains("FAIL  wrong outcome and system: sales explains domain delegation (line 9)")
    );
    assert!(
        text.contains("outcome     expected `answer`, got `route`"),
        "{text}"
    );
    assert!(text.contains("why:"));
    assert!(text.ends_with("5 scenarios: 1 passed, 4 failed"), "{text}");
}

/// A misspelt role or topic fails the scenario instead of silently testing the fallback.
#[test]
fn misspelt_ids_fail_the_scenario() {
    let report = run(include_str!("data/scenarios/failing.toml"));
    let role = &report.results[2];
    assert!(!role.passed);
    assert!(
        role.mismatches
            .iter()
            .any(|m| m.field == "flags.unknown_responder" && m.actual == "true")
    );
    let topic = &report.results[3];
    assert!(!topic.passed);
    assert_eq!(topic.mismatches.len(), 1);
    assert_eq!(topic.mismatches[0].field, "flags.fallback_topic");
}

/// A misspelt locale, channel or fact fails the scenario instead of silently testing the
/// default locale, the default `where` or a rule that never fires; the same names spelt
/// right pass.
#[test]
fn misspelt_locale_channel_and_fact_fail_the_scenario() {
    let scenario = |contact: &str| {
        format!(
            "[[scenario]]\nname = \"x\"\ncontact = {{ {contact} }}\nresponder = {{ system = \"self-diagnosis\" }}\nexpect = {{ outcome = \"answer\" }}\n"
        )
    };
    let fields = |contact: &str| -> Vec<(String, String)> {
        let report = run(&scenario(contact));
        report.results[0]
            .mismatches
            .iter()
            .map(|m| (m.field.clone(), m.actual.clone()))
            .collect()
    };
    // `accessibility` is read by a rule, `plan` and `recent_contacts` by urgency weights.
    let ok = r#"channel = "sms", topic = "email.setup", locale = "en", facts = { accessibility = "false", plan = "premium", recent_contacts = "2" }"#;
    assert_eq!(fields(ok), []);
    assert_eq!(
        fields(r#"channel = "web", topic = "email.setup", locale = "eng""#),
        [("flags.locale_fallback".to_owned(), "true".to_owned())]
    );
    assert_eq!(
        fields(r#"channel = "smss", topic = "email.setup""#),
        [("contact.channel".to_owned(), "`smss`".to_owned())]
    );
    let report = run(&scenario(
        r#"channel = "web", topic = "email.setup", facts = { outgae = "email" }"#,
    ));
    let m = &report.results[0].mismatches;
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].field, "contact.facts.outgae");
    assert!(m[0].expected.contains("`outage`"), "{}", m[0].expected);
    // A scenario may still expect the fallback on purpose.
    let on_purpose = run(r#"
[[scenario]]
name = "French falls back to Spanish"
contact = { channel = "web", topic = "email.setup", locale = "fr" }
responder = { system = "self-diagnosis" }
expect = { outcome = "answer", locale = "es", flags = { locale_fallback = true } }
"#);
    assert!(on_purpose.is_success(), "{on_purpose}");
}

/// Version, rule (expected present, absent in fact) and flags are compared too.
#[test]
fn version_rule_and_flags_are_compared() {
    let report = run(include_str!("data/scenarios/failing.toml"));
    let r = &report.results[4];
    let fields: Vec<_> = r.mismatches.iter().map(|m| m.field.as_str()).collect();
    assert_eq!(fields, ["version", "rule", "flags.system_gap"]);
    assert_eq!(r.mismatches[0].actual, "3");
    assert_eq!(r.mismatches[1].actual, "(none)");
}

/// Issue 24: a scenario can expect every one of the decision's seven flags (`stale_key` and
/// `ambiguous_topic` were missing, so a scenario naming them did not parse).
#[test]
fn i24_every_flag_of_a_decision_can_be_expected() {
    let report = run(r#"
[[scenario]]
name = "both new flags"
contact = { channel = "web", topic = "email.setup" }
responder = { system = "self-diagnosis" }
expect = { outcome = "answer", flags = { stale_key = true, ambiguous_topic = false } }
"#);
    let fields: Vec<_> = report.results[0]
        .mismatches
        .iter()
        .map(|m| (m.field.as_str(), m.expected.as_str(), m.actual.as_str()))
        .collect();
    assert_eq!(fields, [("flags.stale_key", "true", "false")], "{report}");
}

/// The JSON form of a report carries the same facts.
#[test]
fn report_serializes_to_json() {
    let report = run(include_str!("data/scenarios/failing.toml"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["failed"], 4);
    assert_eq!(json["results"][1]["mismatches"][0]["field"], "outcome");
    assert_eq!(json["results"][1]["decision"]["outcome"], "route");
    assert_eq!(json["results"][1]["location"]["line"], 9);
    // Issue 24, point 2: a failure's explanation is its steps, each with kind and text.
    let steps = json["results"][1]["explanation"].as_array().unwrap();
    assert!(!steps.is_empty());
    for step in steps {
        assert!(
            step["kind"].is_string() && step["text"].is_string(),
            "{step}"
        );
    }
    // A passing scenario carries no explanation.
    assert!(json["results"][0].get("explanation").is_none());
}

/// Parse errors carry line and column and name the offending field.
#[test]
fn parse_errors_carry_line_and_column() {
    let err =
        Scenarios::from_toml_str(include_str!("data/scenarios/unknown-field.toml")).unwrap_err();
    let loc = err.location().unwrap();
    assert_eq!(loc.line, 11);
    assert!(err.message().contains("sytem"), "{err}");
    assert!(err.to_string().starts_with("line 11, column"));

    let err = Scenarios::from_toml_str("[[scenario]]\nname = \"x\"\n").unwrap_err();
    assert!(err.message().contains("contact"), "{err}");
}

/// A scenario that expects nothing could never fail: it is rejected, at its line.
#[test]
fn empty_expectation_is_rejected() {
    let err =
        Scenarios::from_toml_str(include_str!("data/scenarios/empty-expect.toml")).unwrap_err();
    assert!(err.message().contains("expects nothing"), "{err}");
    assert_eq!(err.location().map(|l| l.line), Some(7));
}

/// Two scenarios with one name are rejected.
#[test]
fn duplicate_names_are_rejected() {
    let one = "[[scenario]]\nname = \"same\"\ncontact = { channel = \"web\" }\nresponder = { system = \"ivr\" }\nexpect = { outcome = \"answer\" }\n";
    let err = Scenarios::from_toml_str(&format!("{one}\n{one}")).unwrap_err();
    assert!(
        err.message().contains("two scenarios are named `same`"),
        "{err}"
    );
    assert_eq!(err.location().map(|l| l.line), Some(7));
}

/// Issue 19, item 10: an empty or comment-only scenario file proves nothing, so it fails — in
/// the library (loading, and a report of no scenarios is not a success), so hosts get it too.
#[test]
fn issue_19_10_an_empty_scenario_file_fails() {
    for source in [
        "",
        "\n\n",
        "# scenarios to come\n# none yet\n",
        "scenario = []\n",
    ] {
        let err = Scenarios::from_toml_str(source).unwrap_err();
        assert!(
            err.message().contains("no `[[scenario]]` entry")
                && err.message().contains("proves nothing"),
            "{source:?}: {err}"
        );
    }
    let report = engine().run_scenarios(&Scenarios::default());
    assert_eq!((report.passed, report.failed), (0, 0));
    assert!(!report.is_success());
    assert!(report.to_string().contains("proves nothing"), "{report}");
}

/// Issue 19: a scenario file read as bytes — invalid UTF-8 is located, a byte-order mark is
/// accepted; errors cut the values they repeat.
#[test]
fn issue_19_scenario_bytes_utf8_bom_and_long_values() {
    let err = Scenarios::from_toml_slice(b"# ok\n[[scenario]]\nname = \"ca\xff\"\n").unwrap_err();
    let at = err.location().unwrap();
    assert_eq!((at.line, at.column), (3, 11), "{err}");
    assert!(err.message().contains("not valid UTF-8"), "{err}");

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(EXAMPLE_SCENARIOS.as_bytes());
    assert_eq!(
        Scenarios::from_toml_slice(&bom).unwrap(),
        Scenarios::from_toml_str(EXAMPLE_SCENARIOS).unwrap()
    );

    let long = "x".repeat(1_000_000);
    let source = format!(
        "[[scenario]]\nname = \"a\"\ncontact = {{ channel = \"phone\", {long} = 1 }}\nresponder = {{ staff = \"r\" }}\nexpect = {{ outcome = \"answer\" }}\n"
    );
    let err = Scenarios::from_toml_str(&source).unwrap_err();
    assert!(err.message().len() < 2_000, "{} bytes", err.message().len());
    let source = format!(
        "[[scenario]]\nname = \"{long}\"\ncontact = {{ channel = \"phone\" }}\nresponder = {{ staff = \"r\" }}\nexpect = {{}}\n"
    );
    let err = Scenarios::from_toml_str(&source).unwrap_err();
    assert!(err.message().len() < 2_000, "{} bytes", err.message().len());
}

/// Issue 19 (class of item 4): duplicate names are found with a set — 20,000 scenarios load.
#[test]
fn issue_19_many_scenarios_load_and_the_duplicate_is_named() {
    let mut source = String::new();
    for i in 0..20_000 {
        source.push_str(&format!(
            "[[scenario]]\nname = \"s{i}\"\ncontact = {{ channel = \"phone\" }}\nresponder = {{ staff = \"support-agent\" }}\nexpect = {{ outcome = \"redirect\" }}\n"
        ));
    }
    assert_eq!(Scenarios::from_toml_str(&source).unwrap().len(), 20_000);
    source.push_str("[[scenario]]\nname = \"s7\"\ncontact = { channel = \"phone\" }\nresponder = { staff = \"x\" }\nexpect = { outcome = \"answer\" }\n");
    let err = Scenarios::from_toml_str(&source).unwrap_err();
    assert!(err.message().contains("`s7`"), "{err}");
    assert_eq!(err.location().unwrap().line, 100_001);
}

/// Scenarios written inline on one line are located too, each at its own column.
#[test]
fn inline_scenarios_are_located_by_column() {
    let one = r#"{ name = "NAME", contact = { channel = "phone" }, responder = { staff = "support-agent" }, expect = { outcome = "redirect" } }"#;
    let source = format!(
        "# two\nscenario = [{}, {}]\n",
        one.replace("NAME", "a"),
        one.replace("NAME", "b")
    );
    let scenarios = Scenarios::from_toml_str(&source).unwrap();
    let columns: Vec<usize> = scenarios
        .scenarios
        .iter()
        .map(|s| s.location.unwrap().column)
        .collect();
    let line = source.lines().nth(1).unwrap();
    let expected: Vec<usize> = line.match_indices("{ name").map(|(i, _)| i + 1).collect();
    assert_eq!(columns, expected);
    assert!(
        scenarios
            .scenarios
            .iter()
            .all(|s| s.location.unwrap().line == 2)
    );
}

/// Issue 19 (output that repeats its input): a misspelt fact names at most 20 of the facts
/// the policy reads, and how many more — 1,000 unknown facts against a policy reading 100
/// facts do not print the policy's vocabulary 1,000 times whole.
#[test]
fn issue_19_unknown_facts_list_a_bounded_part_of_the_vocabulary() {
    let mut policy = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/minimal.toml"
    ))
    .unwrap();
    for i in 0..100 {
        policy.push_str(&format!(
            "\n[[rules]]\nid = \"r{i}\"\nwhen = {{ topic = \"email.setup\", facts = {{ f{i:03} = \"x\" }} }}\nthen = {{ skip_ladder = true }}\n"
        ));
    }
    let engine = Engine::from_toml_str(&policy).unwrap();
    let facts: Vec<String> = (0..1000).map(|i| format!("u{i} = \"1\"")).collect();
    let source = format!(
        "[[scenario]]\nname = \"x\"\ncontact = {{ channel = \"web\", topic = \"email.setup\", facts = {{ {} }} }}\nresponder = {{ system = \"help\" }}\nexpect = {{ outcome = \"answer\" }}\n",
        facts.join(", ")
    );
    let report = engine.run_scenarios(&Scenarios::from_toml_str(&source).unwrap());
    let m = &report.results[0].mismatches;
    assert_eq!(m.len(), 1000);
    // `minimal.toml` reads `accessibility` too: 101 facts, 10 shown.
    assert!(
        m[0].expected.contains("`f000`") && m[0].expected.contains("and 91 more"),
        "{}",
        m[0].expected
    );
    assert!(!m[0].expected.contains("`f009`"), "{}", m[0].expected);
    let text = report.to_string();
    assert!(text.len() < 1000 * 400, "{} bytes", text.len());
}

/// Mismatches are listed in the order of the `expect` fields, the decision-in-brief ones
/// (outcome, message, version, system, department, rank, rule) interleaved with the others
/// (topic, locale, authority, text, flags), after the contact's.
#[test]
fn mismatches_follow_the_order_of_the_expect_fields() {
    let report = run(r#"
[[scenario]]
name = "every field wrong"
contact = { channel = "phone", topic = "email.setup", locale = "en", facts = { colour = "red" } }
responder = { staff = "support-agent" }
expect = { outcome = "answer", topic = "billing.invoice", message = "nope", version = 9, locale = "fr", system = "nope", department = "nope", rank = "nope", rule = "nope", authority = "own", text_contains = "nope", flags = { system_gap = true, ladder_skipped = true } }
"#);
    let fields: Vec<_> = report.results[0]
        .mismatches
        .iter()
        .map(|m| m.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "contact.facts.colour",
            "outcome",
            "topic",
            "message",
            "version",
            "locale",
            "system",
            "department",
            "rank",
            "rule",
            "authority",
            "text_contains",
            "flags.system_gap",
            "flags.ladder_skipped",
        ],
        "{report}"
    );
}
