//! Issue 34: what staff read is what the engine does. Authorization goes to a rank the
//! department staffs (R4.3); the manual, the decision table and the queues say what `decide`
//! does, checked on generated policies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use unified_message::{Channel, Contact, Engine, Outcome, Progress, Responder};

/// A department `d` with agents and managers but no supervisors; topic `t` is `authorized`
/// with no approver (the rank above the responder) or with `approver`.
fn gap_policy(approver: Option<&str>, ranks: &str) -> String {
    let approver = approver.map_or(String::new(), |a| format!("approver = \"{a}\"\n"));
    format!(
        r#"[policy]
name = "Gap"
revision = "1"
locales = ["en"]
fallback = "t"

[departments]
d = {{ name = "D" }}

[systems.help]
tier = "explains"
name = "Help"
where = {{ web = "https://help.example" }}

[topics.t]
owner = "d"
explains = {{ system = "help", message = "guide" }}
answer = "answer"
authority = "authorized"
{approver}
[messages]
guide = {{ text = {{ en = "See {{system}}: {{where}}" }} }}
answer = {{ text = {{ en = "Here is the answer." }} }}

[roles]
d-agent = {{ department = "d", rank = "agent" }}
d-manager = {{ department = "d", rank = "manager" }}

[ranks]
order = [{ranks}]

[handover]
explains = {{ en = "{{system}} explains it: {{where}}" }}
serves = {{ en = "{{system}} does it: {{where}}" }}
route = {{ en = "Passing you to {{department}}." }}
authorize = {{ en = "Asking a {{rank}}." }}
escalate = {{ en = "Passing you to a {{rank}}." }}
review = {{ en = "We review it within {{within}}." }}
"#
    )
}

fn past_systems(topic: &str) -> Contact {
    Contact::new("c", Channel::Phone)
        .with_topic(topic)
        .with_progress(Progress::Served)
}

/// R4.3: with no approver, an agent of a department without supervisors asks a manager (the
/// next staffed rank), not a supervisor nobody holds; `check` warns about the gap.
#[test]
fn r4_3_authorization_goes_to_the_next_staffed_rank() {
    let policy = gap_policy(None, r#""agent", "supervisor", "manager""#);
    let engine = Engine::from_toml_str(&policy).unwrap();
    let d = engine.decide(&past_systems("t"), &Responder::staff("d-agent"));
    assert_eq!(
        (d.outcome(), d.department(), d.rank()),
        (Outcome::Authorize, Some("d"), Some("manager")),
        "{}",
        engine.explain(&past_systems("t"), &Responder::staff("d-agent"))
    );
    let report = engine.check();
    let w = report
        .with_code("approver-unstaffed")
        .next()
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(w.severity, unified_message::Severity::Warning);
    assert!(
        w.message.contains("`supervisor`") && w.message.contains("`manager`"),
        "{w}"
    );
    assert!(w.counterexample.is_some(), "{w}");
    assert!(report.is_clean(), "{report}");
    // The manager, at the top staffed rank, answers.
    let d = engine.decide(&past_systems("t"), &Responder::staff("d-manager"));
    assert_eq!(d.outcome(), Outcome::Answer);
}

/// R4.3: a named approver rank nobody holds: the next staffed rank above it authorizes.
#[test]
fn r4_3_an_unstaffed_approver_rank_passes_to_the_next_staffed_one() {
    let policy = gap_policy(Some("supervisor"), r#""agent", "supervisor", "manager""#);
    let engine = Engine::from_toml_str(&policy).unwrap();
    let d = engine.decide(&past_systems("t"), &Responder::staff("d-agent"));
    assert_eq!(
        (d.outcome(), d.rank()),
        (Outcome::Authorize, Some("manager"))
    );
    assert!(engine.check().has_code("approver-unstaffed"));
}

/// R4.3: nobody from the approver rank up: the review, never a rank nobody holds; `check`
/// keeps the `authorize-dead-end` error.
#[test]
fn r4_3_no_staffed_approver_goes_to_the_review() {
    let policy = gap_policy(Some("director"), r#""agent", "manager", "director""#);
    let engine = Engine::from_toml_str(&policy).unwrap();
    for role in ["d-agent", "d-manager"] {
        let d = engine.decide(&past_systems("t"), &Responder::staff(role));
        assert_eq!(d.outcome(), Outcome::Review, "{role}");
        assert_eq!(d.review_within(), Some("24h"));
        let why = engine
            .explain(&past_systems("t"), &Responder::staff(role))
            .to_string();
        assert!(why.contains("no rank from `director` up"), "{why}");
    }
    let report = engine.check();
    assert!(report.has_code("authorize-dead-end"), "{report}");
}

/// R4.3: a staffed approver rank is asked as before.
#[test]
fn r4_3_a_staffed_approver_is_asked() {
    let policy = gap_policy(None, r#""agent", "manager""#);
    let engine = Engine::from_toml_str(&policy).unwrap();
    let d = engine.decide(&past_systems("t"), &Responder::staff("d-agent"));
    assert_eq!(
        (d.outcome(), d.rank()),
        (Outcome::Authorize, Some("manager"))
    );
    assert!(!engine.check().has_code("approver-unstaffed"));
}

