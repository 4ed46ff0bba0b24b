//! Issue 25, points 5 and 6: what cannot be represented or cannot fail is refused, with a
//! located error — a decimal fact beyond what a float holds exactly, a scenario expectation
//! that every decision meets.

use unified_message::scenario::Scenarios;

/// Issue 25 point 6: `text_contains = ""` is met by every text, so a scenario expecting it
/// could never fail: refused, at the line of `text_contains`, as an empty `expect` is.
#[test]
fn issue25_6_an_expectation_that_cannot_fail_is_refused() {
    let source = r#"
[[scenario]]
name = "fine"
contact = { channel = "phone", topic = "email.setup" }
responder = { staff = "support-agent" }
expect = { outcome = "redirect" }

[[scenario]]
name = "vacuous"
contact = { channel = "phone", topic = "email.setup" }
responder = { staff = "support-agent" }
expect = { outcome = "redirect", text_contains = "" }
"#;
    let err = Scenarios::from_toml_str(source).unwrap_err();
    assert!(err.message().contains("vacuous"), "{err}");
    assert!(err.message().contains("text_contains"), "{err}");
    assert!(err.message().contains("could never fail"), "{err}");
    let at = err.location().unwrap();
    assert_eq!((at.line, at.column), (12, 34), "{err}");
    // A piece of text that may be missing is an expectation that can fail: accepted.
    let fine = source.replace(r#"text_contains = """#, r#"text_contains = " ""#);
    assert!(Scenarios::from_toml_str(&fine).is_ok());
}

/// The control policy with a rule answering `email-answer` where fact `x` is `value` (as
/// written: a number or a quoted string).
fn fact_rule(value: &str) -> String {
    format!(
        "{}\n[[rules]]\nid = \"exact\"\nwhen = {{ topic = \"email.setup\", facts = {{ x = {value} }} }}\nthen = {{ answer = \"email-answer\" }}\n",
        crate::policies::no_rules()
    )
}

/// Issue 25 point 5: a decimal a double cannot keep exactly was silently rounded — a contact
/// whose fact is `0.30000000000000000001` matched a rule on `0.3`. Such a number is refused,
/// located, in a policy (TOML and JSON), a scenario file and a `decide` request line; quoted,
/// it is a text and compared exactly; numbers a double keeps are read as before.
#[test]
fn issue25_5_decimals_beyond_a_double_are_refused_not_rounded() {
    use unified_message::Engine;
    use unified_message::document::inexact_number;

    // The policy: a rule on `0.30000000000000000001` is refused at the number.
    let policy = fact_rule("0.30000000000000000001");
    let err = Engine::from_toml_str(&policy).unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(d.code.as_str(), "parse-error");
    assert!(
        d.message.contains("0.30000000000000000001"),
        "{}",
        d.message
    );
    assert!(d.hint.contains("quotes"), "{}", d.hint);
    let at = d.location.unwrap();
    let line = policy.lines().nth(at.line - 1).unwrap();
    assert!(line.contains("0.30000000000000000001"), "{line}");
    // Quoted, and on `0.3`: accepted.
    let engine = Engine::from_toml_str(&fact_rule("0.3")).unwrap();
    Engine::from_toml_str(&fact_rule("\"0.30000000000000000001\"")).unwrap();

    // A `decide` request line: `"0.3"` matches the rule, the long decimal is refused, quoted it
    // is another value (no match). Since issue 24 point 9 a request line takes the service's
    // rule: a decimal is sent as a string, so `0.3` unquoted is refused too.
    let line = |x: &str| {
        format!(
            r#"{{"contact": {{"customer": "c", "channel": "phone", "topic": "email.setup", "progress": "served", "facts": {{"x": {x}}}}}, "responder": {{"staff": "support-agent"}}}}"#
        )
    };
    let rule_of =
        |out: String| serde_json::from_str::<serde_json::Value>(&out).unwrap()["rule"].clone();
    let matched = engine
        .decide_json_line(1, &line("\"0.3\""))
        .unwrap()
        .unwrap();
    assert_eq!(rule_of(matched), "exact");
    let unquoted = engine
        .decide_json_line(1, &line("0.3"))
        .unwrap()
        .unwrap_err();
    assert!(
        unquoted.contains(r#"send it as a string (\"0.3\")"#),
        "{unquoted}"
    );
    let refused = engine
        .decide_json_line(2, &line("0.30000000000000000001"))
        .unwrap()
        .unwrap_err();
    assert!(refused.contains("significant digits"), "{refused}");
    assert!(refused.ends_with(r#""line":2}"#), "{refused}");
    let quoted = engine
        .decide_json_line(3, &line("\"0.30000000000000000001\""))
        .unwrap()
        .unwrap();
    assert_ne!(rule_of(quoted), "exact");

    // The scanner: what a double keeps is not reported, strings and comments are skipped.
    assert_eq!(
        inexact_number("x = 0.3 # 0.30000000000000000001", true),
        None
    );
    assert_eq!(
        inexact_number(r#"{"a": "0.30000000000000000001"}"#, false),
        None
    );
    assert_eq!(
        inexact_number("n = 123456789012345678901234567890", true),
        None
    );
    assert_eq!(
        inexact_number("d = 1979-05-27T07:32:00.99999999999999999", true),
        None
    );
    assert_eq!(
        inexact_number(r#"{"a": [1, 1.0000000000000001e5]}"#, false),
        Some((10, "1.0000000000000001e5"))
    );
    // Scenario files too.
    let scenario = "[[scenario]]\nname = \"s\"\ncontact = { channel = \"phone\", facts = { x = 0.30000000000000000001 } }\nresponder = { staff = \"support-agent\" }\nexpect = { outcome = \"route\" }\n";
    let err = unified_message::scenario::Scenarios::from_toml_str(scenario).unwrap_err();
    assert!(err.message().contains("significant digits"), "{err}");
    assert_eq!(err.location().map(|l| l.line), Some(3));
}

/// Issue 25 point 5, YAML: a plain scalar that is a decimal beyond a double is refused at its
/// line; a number inside a sentence, or quoted, is text.
#[test]
fn issue25_5_yaml_decimals_beyond_a_double_are_refused() {
    use unified_message::Engine;
    use unified_message::document::PolicyDocument;

    let doc = PolicyDocument::from_toml_str(&fact_rule("\"0.3\"")).unwrap();
    let yaml = serde_norway::to_string(&doc).unwrap();
    assert!(Engine::from_yaml_str(&yaml).is_ok());
    let quoted = yaml.replace("'0.3'", "'0.30000000000000000001'");
    assert_ne!(quoted, yaml, "{yaml}");
    assert!(Engine::from_yaml_str(&quoted).is_ok());
    let plain = yaml.replace("'0.3'", "0.30000000000000000001");
    let err = Engine::from_yaml_str(&plain).unwrap_err();
    let d = &err.diagnostics()[0];
    assert!(d.message.contains("significant digits"), "{err}");
    let at = d.location.unwrap();
    let line = plain.lines().nth(at.line - 1).unwrap();
    assert_eq!(
        line.get(at.column - 1..).unwrap().trim(),
        "0.30000000000000000001",
        "{line}"
    );
    // In a sentence, a number is text.
    let sentence = yaml.replace("'0.3'", "pi is 3.14159265358979323846");
    let err = Engine::from_yaml_str(&sentence);
    assert!(
        err.as_ref()
            .err()
            .is_none_or(|e| !e.to_string().contains("significant digits")),
        "{err:?}"
    );
}
