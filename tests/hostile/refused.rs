//! Issue 25, points 5 and 6: what cannot be represented or cannot fail is refused, with a
//! located error — a decimal fact beyond what a float holds exactly, a scenario expectation
//! that every decision meets.

use unified_message::Scenarios;

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
