//! JUnit XML: scenario results as the test reports CI dashboards list.

use std::fmt::Write as _;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::scenario::{ScenarioReport, ScenarioResult};

/// The scenario results as JUnit XML: one `<testsuite>` for the scenario file (named after it,
/// with the policy's name and revision as properties) and one `<testcase>` per scenario, in
/// file order, with the file and the scenario's line. A failed scenario has a `<failure>`
/// whose `message` lists every field that did not hold, expected and actual, and whose text
/// adds the decision made and the steps behind it. GitLab (`artifacts:reports:junit`),
/// Jenkins and the test-report actions of GitHub read it.
///
/// `time` is `0`: the library has no clock (a scenario takes microseconds). Characters that
/// XML 1.0 cannot carry (control characters in a scenario's name) are written as U+FFFD.
///
/// # Examples
///
/// ```
/// use unified_message::{Engine, ci};
/// use unified_message::scenario::Scenarios;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let scenarios = Scenarios::from_toml_str(r#"
///     [[scenario]]
///     name = "r3_3 above the manager: a review"
///     contact = { channel = "phone", topic = "email.setup", progress = "served", asks_for_superior = true }
///     responder = { staff = "support-manager" }
///     expect = { outcome = "review" }
///
///     [[scenario]]
///     name = "a wrong expectation"
///     contact = { channel = "phone", topic = "email.setup", progress = "served", asks_for_superior = true }
///     responder = { staff = "support-manager" }
///     expect = { outcome = "answer" }
/// "#)?;
/// let xml = ci::junit(&engine.run_scenarios(&scenarios), "policy.scenarios.toml");
/// assert!(xml.contains(r#"<testsuite name="policy.scenarios.toml" tests="2" failures="1""#));
/// assert!(xml.contains(r#"<failure message="outcome: expected `answer`, got `review`""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn junit(report: &ScenarioReport, scenarios_file: &str) -> String {
    let xml = write(report, &xml_text(scenarios_file));
    String::from_utf8(xml).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[expect(
    clippy::expect_used,
    reason = "writing to a `Vec<u8>` cannot fail, and every text is escaped by quick-xml"
)]
fn write(report: &ScenarioReport, file: &str) -> Vec<u8> {
    write_to(report, file).expect("XML written to memory")
}

fn write_to(report: &ScenarioReport, file: &str) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let tests = report.results.len().to_string();
    let failures = report.failed.to_string();
    let counts = [
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", "0"),
        ("skipped", "0"),
        ("time", "0"),
    ];
    w.create_element("testsuites")
        .with_attribute(("name", "unified-message"))
        .with_attributes(counts)
        .write_inner_content(|w| {
            w.create_element("testsuite")
                .with_attribute(("name", file))
                .with_attributes(counts)
                .write_inner_content(|w| {
                    w.create_element("properties").write_inner_content(|w| {
                        for (name, value) in
                            [("policy", &report.policy), ("revision", &report.revision)]
                        {
                            w.create_element("property")
                                .with_attribute(("name", name))
                                .with_attribute(("value", xml_text(value).as_str()))
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                    for result in &report.results {
                        testcase(w, result, file)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    let mut xml = w.into_inner();
    xml.push(b'\n');
    Ok(xml)
}

fn testcase(w: &mut Writer<Vec<u8>>, r: &ScenarioResult, file: &str) -> io::Result<()> {
    let name = xml_text(&r.name);
    let line = r.location.map(|l| l.line.to_string());
    let mut case = w
        .create_element("testcase")
        .with_attribute(("name", name.as_str()))
        .with_attribute(("classname", file))
        .with_attribute(("file", file));
    if let Some(line) = &line {
        case = case.with_attribute(("line", line.as_str()));
    }
    case = case.with_attribute(("time", "0"));
    if r.passed {
        case.write_empty()?;
        return Ok(());
    }
    let message = xml_text(&failure_message(r));
    let body = xml_text(&failure_body(r));
    case.write_inner_content(|w| {
        w.create_element("failure")
            .with_attribute(("message", message.as_str()))
            .with_attribute(("type", "mismatch"))
            .write_text_content(BytesText::new(&body))?;
        Ok(())
    })?;
    Ok(())
}

/// One line: every field that did not hold.
fn failure_message(r: &ScenarioResult) -> String {
    let fields: Vec<String> = r
        .mismatches
        .iter()
        .map(|m| format!("{}: expected {}, got {}", m.field, m.expected, m.actual))
        .collect();
    fields.join("; ")
}

/// Expected and actual per field, the decision made, and the steps behind it.
fn failure_body(r: &ScenarioResult) -> String {
    let mut text = String::new();
    let width = r
        .mismatches
        .iter()
        .map(|m| m.field.len())
        .max()
        .unwrap_or(0);
    for m in &r.mismatches {
        let _ = writeln!(
            text,
            "{:width$}  expected {}, got {}",
            m.field, m.expected, m.actual
        );
    }
    let d = &r.decision;
    let _ = write!(
        text,
        "decision: {} `{}` v{} (topic `{}`",
        d.outcome, d.message.id, d.message.version, d.topic
    );
    if let Some(s) = &d.system {
        let _ = write!(text, ", system `{}`", s.id);
    }
    if let Some(dept) = &d.department {
        let _ = write!(text, ", department `{dept}`");
    }
    if let Some(rank) = &d.rank {
        let _ = write!(text, ", rank `{rank}`");
    }
    if let Some(rule) = &d.rule {
        let _ = write!(text, ", rule `{rule}`");
    }
    text.push_str(")\n");
    if !r.explanation.is_empty() {
        text.push_str("why:\n");
        for (i, step) in r.explanation.iter().enumerate() {
            let _ = writeln!(text, "  {}. {step}", i + 1);
        }
    }
    text
}

/// `text` with the characters XML 1.0 cannot carry (controls other than tab, line feed and
/// carriage return; U+FFFE, U+FFFF) replaced by U+FFFD.
fn xml_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(xml_text("a\u{1}b\tc\u{FFFF}"), "a\u{FFFD}b\tc\u{FFFD}");
    }
}
