//! The `unified-message` command-line tool, run as a process (issue 4, point 7): every
//! subcommand and every exit code — 0 clean, 1 violations or failures, 2 usage or unreadable
//! input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use unified_message::Engine;

#[path = "support/cli.rs"]
mod cli_support;

/// A file in this test's scratch directory.
fn scratch(name: &str, contents: &str) -> PathBuf {
    cli_support::scratch_in("cli-tests", name, contents)
}

use cli_support::{BIN, code, data, example, example_scenarios, stderr, stdout};

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The example policy with a misspelt system reference, and the line and column of the typo.
fn broken_policy() -> (PathBuf, usize, usize) {
    let good = r#"explains = { system = "self-diagnosis", message = "email-setup-guide" }"#;
    let bad = r#"explains = { system = "self-diagnosys", message = "email-setup-guide" }"#;
    let source = unified_message::EXAMPLE_POLICY.replacen(good, bad, 1);
    assert_ne!(source, unified_message::EXAMPLE_POLICY);
    let line = source.lines().position(|l| l == bad).unwrap() + 1;
    let column = bad.find("system").unwrap() + 1;
    (scratch("broken.toml", &source), line, column)
}

#[test]
fn check_clean_policy_exits_0() {
    let o = run(&["check", &example()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("acme-hosting.toml: 0 errors, 0 warnings ("),
        "{out}"
    );
    assert!(out.contains("circumstances checked)"), "{out}");
}

/// Warnings alone do not fail a check.
#[test]
fn check_warnings_only_exits_0() {
    let path = data("check/channel-specific-rule.toml");
    let o = run(&["check", &path]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains(&format!("{path}:")), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("warning[channel-specific-rule]: "),
        "{}",
        stdout(&o)
    );
}

/// A violated invariant: file, line and column, the hint, and the counterexample; exit 1.
#[test]
fn check_violations_exit_1_with_counterexample() {
    let path = data("check/out-of-lane.toml");
    let o = run(&["check", &path]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    // Issue 18: `error[code]: message`, then `--> file:line:column` and the source.
    let mut lines = out.lines();
    lines
        .find(|l| l.starts_with("error[out-of-lane]: "))
        .unwrap_or_else(|| panic!("{out}"));
    let line = lines.next().unwrap().trim_start();
    assert!(line.starts_with(&format!("--> {path}:")), "{line}");
    let (_, rest) = line.split_at(path.len() + 5);
    let mut parts = rest.splitn(3, ':');
    let line_no: usize = parts.next().unwrap().parse().unwrap();
    let _column: usize = parts.next().unwrap().parse().unwrap();
    let source = std::fs::read_to_string(&path).unwrap();
    assert!(
        source
            .lines()
            .nth(line_no - 1)
            .unwrap()
            .contains("[[rules]]"),
        "{line}"
    );
    assert!(out.contains("  = hint: "), "{out}");
    assert!(
        out.contains("  = counterexample: topic `billing.invoice`"),
        "{out}"
    );

    let forbidden = data("check/forbidden-phrase.toml");
    let o = run(&["check", &forbidden]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("  = matched: `it is not our concern`"),
        "{}",
        stdout(&o)
    );
}

/// Errors in a TOML policy show file, line and column; exit 1.
#[test]
fn check_broken_policy_exits_1_with_file_line_column() {
    let (path, line, column) = broken_policy();
    let o = run(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    // Issue 18: the message, where, the line with the span underlined and the path.
    let expected = format!(
        "error[unknown-system]: unknown system `self-diagnosys`\n   --> {}:{line}:{column}\n",
        path.display()
    );
    assert!(out.contains(&expected), "{out}\nexpected: {expected}");
    assert!(
        out.contains(r#"^^^^^^^^^^^^^^^^^^^^^^^^^ topics."email.setup".explains.system"#),
        "{out}"
    );
    assert!(
        out.contains("= hint:") && out.contains("`self-diagnosis`"),
        "{out}"
    );
}

#[test]
fn check_json_format() {
    let (path, line, _) = broken_policy();
    let o = run(&["check", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&o), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let d = diagnostics
        .iter()
        .find(|d| d["code"] == "unknown-system")
        .unwrap();
    assert_eq!(d["location"]["line"], line);
    assert_eq!(d["severity"], "error");

    let o = run(&["check", &example(), "--format", "json"]);
    assert_eq!(code(&o), 0);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["diagnostics"], serde_json::json!([]));
    assert!(json["circumstances"].as_u64().unwrap() > 1000);

    // The JSON is the library's report, located in the TOML source.
    let path = data("check/out-of-lane.toml");
    let o = run(&["check", &path, "--format", "json"]);
    assert_eq!(code(&o), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let source = std::fs::read_to_string(&path).unwrap();
    let expected = Engine::from_toml_str(&source)
        .unwrap()
        .check()
        .located_in_toml(&source);
    assert_eq!(json, serde_json::to_value(&expected).unwrap());
}

/// The format follows the extension: the same policy in JSON and YAML checks clean too.
#[test]
fn policy_format_by_extension() {
    let doc =
        unified_message::document::PolicyDocument::from_toml_str(unified_message::EXAMPLE_POLICY)
            .unwrap();
    let json = scratch("policy.json", &serde_json::to_string_pretty(&doc).unwrap());
    let o = run(&["check", json.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let yaml = scratch("policy.YML", &serde_norway::to_string(&doc).unwrap());
    let o = run(&["check", yaml.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));

    let broken_json = scratch("broken.json", "{\"policy\": {\"name\": 1}}");
    let o = run(&["check", broken_json.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("broken.json:1:"), "{}", stdout(&o));
}

#[test]
fn unknown_extension_exits_2() {
    let path = scratch("policy.txt", unified_message::EXAMPLE_POLICY);
    let o = run(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(".toml, .json, .yaml or .yml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unreadable_policy_exits_2() {
    let o = run(&["check", &data("no-such-policy.toml")]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}

/// Clap's own usage errors exit 2; help exits 0.
#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&run(&[])), 2);
    assert_eq!(code(&run(&["frobnicate"])), 2);
    assert_eq!(code(&run(&["check"])), 2);
    assert_eq!(code(&run(&["check", &example(), "--format", "yaml"])), 2);
    let help = run(&["--help"]);
    assert_eq!(code(&help), 0);
    for sub in [
        "check", "test", "decide", "explain", "table", "manual", "diff",
    ] {
        assert!(stdout(&help).contains(sub), "help lacks {sub}");
    }
}

#[test]
fn test_passing_scenarios_exits_0() {
    let o = run(&["test", &example(), &example_scenarios()]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).trim_end().ends_with("passed, 0 failed"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn test_failing_scenarios_exits_1_with_details() {
    let o = run(&["test", &example(), &data("scenarios/failing.toml")]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("FAIL  wrong outcome and system: sales explains domain delegation (line 9)")
    );
    assert!(out.contains("expected `answer`, got `route`"));
    assert!(out.contains("why:"));

    let o = run(&[
        "test",
        &example(),
        &data("scenarios/failing.toml"),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["failed"], 4);
    assert_eq!(json["passed"], 1);
}

/// A scenario file that does not parse: file, line and column; exit 2.
#[test]
fn test_bad_scenario_file_exits_2() {
    let path = data("scenarios/unknown-field.toml");
    let o = run(&["test", &example(), &path]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(&format!("{path}:11:")),
        "{}",
        stderr(&o)
    );
}

/// A policy that does not compile cannot be tested: its errors, then exit 2.
#[test]
fn test_broken_policy_exits_2() {
    let (path, line, column) = broken_policy();
    let o = run(&["test", path.to_str().unwrap(), &example_scenarios()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("error[unknown-system]: ")
            && stderr(&o).contains(&format!(":{line}:{column}\n")),
        "{}",
        stderr(&o)
    );
}

/// JSON lines in, one decision per line out; a bad line gets an error line and the stream
/// goes on; exit 1 when some line was bad.
#[test]
fn decide_streams_json_lines() {
    let input = concat!(
        r#"{"contact": {"customer": "c-1", "channel": "phone", "topic": "domain.delegation", "progress": "served"}, "responder": {"staff": "sales-agent"}}"#,
        "\n",
        "this is not json\n",
        "\n",
        r#"{"contact": {"customer": "c-2", "channel": "chat", "text": "no puedo configurar el correo", "locale": "es"}, "responder": {"system": "self-diagnosis"}}"#,
        "\n",
        r#"{"contact": {"channel": "chat"}, "responder": {"system": "ivr"}}"#,
        "\n",
    );
    let o = run_with_stdin(&["decide", &example()], input);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["outcome"], "route");
    assert_eq!(lines[0]["department"], "support");
    assert_eq!(lines[1]["line"], 2);
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("invalid request")
    );
    assert_eq!(lines[2]["topic"], "email.setup");
    assert_eq!(lines[2]["message"]["id"], "email-setup-guide");
    assert_eq!(lines[3]["line"], 5);
    assert!(
        lines[3]["error"].as_str().unwrap().contains("customer"),
        "{}",
        lines[3]
    );

    // Each record is the library's own decision.
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let expected = engine
        .decide_json_line(1, input.lines().next().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(stdout(&o).lines().next().unwrap(), expected);

    let good = input.lines().next().unwrap();
    let o = run_with_stdin(&["decide", &example()], &format!("{good}\n{good}\n"));
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o).lines().count(), 2);
}

#[test]
fn explain_prints_steps_and_text() {
    let contact = r#"{"customer": "c-1", "channel": "phone", "topic": "domain.delegation", "progress": "served", "locale": "en"}"#;
    let o = run(&[
        "explain",
        &example(),
        "--contact",
        contact,
        "--responder",
        r#"{"staff": "sales-agent"}"#,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("1. the contact is about topic `domain.delegation`"),
        "{out}"
    );
    assert!(
        out.contains("=> route with message `handover.route`"),
        "{out}"
    );
    assert!(out.contains("I am passing you to Soporte técnico"), "{out}");

    let o = run(&[
        "explain",
        &example(),
        "--contact",
        contact,
        "--responder",
        r#"{"staff": "sales-agent"}"#,
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["decision"]["outcome"], "route");
    assert!(json["steps"].as_array().unwrap().len() >= 3);
    // Issue 24 point 2: the library's explain shape, each step with its kind and its text.
    assert_eq!(json["revision"], "2026-11-27");
    assert_eq!(json["steps"][0]["kind"], "topic");
    assert_eq!(
        json["steps"][0]["text"],
        "the contact is about topic `domain.delegation`"
    );

    let o = run(&[
        "explain",
        &example(),
        "--contact",
        "{",
        "--responder",
        r#"{"staff": "x"}"#,
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("invalid `--contact`"), "{}", stderr(&o));
}

#[test]
fn table_csv_and_markdown() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let table = engine.decision_table();
    let o = run(&["table", &example()]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), table.to_csv());
    let o = run(&["table", &example(), "--format", "markdown"]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), table.to_markdown());
}

#[test]
fn manual_per_department_and_locale() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let o = run(&["manual", &example()]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), engine.manual(None, "es").unwrap());
    let o = run(&[
        "manual",
        &example(),
        "--department",
        "sales",
        "--locale",
        "en",
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), engine.manual(Some("sales"), "en").unwrap());
    let o = run(&["manual", &example(), "--department", "marketing"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("unknown department `marketing`"),
        "{}",
        stderr(&o)
    );
}

/// A text changed without a new version is a diff error: exit 1; no change: exit 0.
#[test]
fn diff_exit_codes_and_formats() {
    let changed = scratch(
        "changed.toml",
        &unified_message::EXAMPLE_POLICY.replace(
            "Hacemos una copia de seguridad diaria",
            "Hacemos una copia de seguridad cada día",
        ),
    );
    let line = unified_message::EXAMPLE_POLICY
        .lines()
        .position(|l| l == "[messages.backup-guide]")
        .unwrap()
        + 1;
    let o = run(&["diff", &example(), changed.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    // Located in the new revision: `[messages.backup-guide]`, at the key.
    let expected = format!("--> {}:{line}:11\n", changed.display());
    assert!(
        out.contains("error[text-changed-without-version]: "),
        "{out}"
    );
    assert!(out.contains(&expected), "{out}\nexpected: {expected}");
    assert!(out.contains("  = hint: keep the old text"), "{out}");

    let o = run(&[
        "diff",
        &example(),
        changed.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        json["diagnostics"][0]["code"],
        "text-changed-without-version"
    );
    assert_eq!(json["messages"][0]["id"], "backup-guide");

    // Billing agents may now grant every refund: decisions change, no error once the
    // revision says so.
    let granted_policy = unified_message::EXAMPLE_POLICY.replace(
        r#"authority = { "billing.invoice" = "own", "general" = "own" }"#,
        r#"authority = { "billing.*" = "own", "general" = "own" }"#,
    );
    let same_revision = scratch("same-revision.toml", &granted_policy);
    let o = run(&["diff", &example(), same_revision.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("error[revision-unchanged]: ")
            && stdout(&o).contains(" policy.revision\n"),
        "{}",
        stdout(&o)
    );
    let granted = scratch(
        "granted.toml",
        &granted_policy.replace(r#"revision = "2026-11-27""#, r#"revision = "2026-11-28""#),
    );
    let o = run(&["diff", &example(), granted.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("topic `billing.refund`"),
        "{}",
        stdout(&o)
    );

    let o = run(&["diff", &example(), &example()]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("0 message change(s), 0 decision change(s)"),
        "{}",
        stdout(&o)
    );

    let o = run(&["diff", &example(), &data("no-such-policy.toml")]);
    assert_eq!(code(&o), 2);
}

/// A reader that stops early (`| head`) ends the output quietly, with no error.
#[test]
fn closed_output_stops_quietly() {
    use std::io::Read;
    let mut child = Command::new(BIN)
        .args(["table", &example(), "--format", "markdown"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe is closed here, long before the table (far more than a pipe buffer) is written.
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert!(String::from_utf8_lossy(&first).starts_with("# Decision table"));
}

/// Issue 24 point 9 (a deliberate change): the CLI's requests — `decide` lines and
/// `explain --contact` — take a fact's number by the service's rule, the library's
/// `request::inexact_fact_number`: an integer within ±(2^53 − 1), in any notation; a decimal
/// (even a short one, `0.5`) or a larger integer is refused with the service's message and
/// asked for as a string, which is then compared as written.
#[test]
fn i24_p9_cli_requests_take_the_services_fact_numbers() {
    let line = |n: &str| {
        format!(
            r#"{{"contact": {{"customer": "c-1", "channel": "web", "topic": "email.setup", "facts": {{"n": {n}}}}}, "responder": {{"system": "self-diagnosis"}}}}"#
        )
    };
    let input = ["2.0", "1e3", "0.5", "9007199254740992", "\"0.5\""]
        .map(line)
        .join("\n");
    let o = run_with_stdin(&["decide", &example()], &input);
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "{}", stdout(&o));
    for taken in [0, 1, 4] {
        assert_eq!(lines[taken]["outcome"], "answer", "{}", lines[taken]);
    }
    assert_eq!(
        lines[2],
        serde_json::json!({"error": "invalid request: the number `0.5` (byte 89) is not an integer within ±(2^53 − 1); send it as a string (\"0.5\") to compare it as written", "line": 3})
    );
    let error = lines[3]["error"].as_str().unwrap();
    assert!(
        error.contains("send it as a string (\"9007199254740992\")"),
        "{error}"
    );

    let explain = |contact: &str| {
        run(&[
            "explain",
            &example(),
            "--contact",
            contact,
            "--responder",
            r#"{"system": "self-diagnosis"}"#,
        ])
    };
    let o = explain(r#"{"customer": "c-1", "channel": "web", "facts": {"n": 0.5}}"#);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(
            "invalid `--contact`: the number `0.5` (byte 53) is not an integer within ±(2^53 − 1); send it as a string (\"0.5\")"
        ),
        "{}",
        stderr(&o)
    );
    let o = explain(r#"{"customer": "c-1", "channel": "web", "facts": {"n": "0.5", "m": 1e3}}"#);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}
