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

// ---------------------------------------------------------------------------------------------
// C. The manual's statements, point by point, on the example policy with one rule added.

fn example_with(rule: &str) -> Engine {
    let policy = format!("{}\n[[rules]]\n{rule}\n", unified_message::EXAMPLE_POLICY);
    Engine::from_toml_str(&policy).unwrap()
}

/// The "who may answer" section of topic `topic` in `manual`.
fn section<'m>(manual: &'m str, topic: &str) -> &'m str {
    let start = manual.find(&format!("### `{topic}`")).unwrap();
    let rest = &manual[start..];
    &rest[..rest[4..].find("\n### ").map_or(rest.len(), |i| i + 4)]
}

/// Point 1: a rule on one channel gives the role one row per channel group, each what
/// `decide` does there — not the phone's decision claimed for every channel.
#[test]
fn issue34_1_who_may_answer_has_a_row_per_channel_group() {
    let engine = example_with(
        "id = \"sales-phone\"\nwhen = { topic = \"domain.delegation\", channel = \"phone\", department = \"sales\" }\nthen = { authority = \"own\" }",
    );
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "domain.delegation");
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.starts_with("| `sales-agent`"))
        .collect();
    assert_eq!(rows.len(), 2, "{s}");
    assert!(
        rows[0].starts_with("| `sales-agent` (on phone) |") && rows[0].contains("answer with"),
        "{rows:?}"
    );
    assert!(
        !rows[1].contains("phone") && rows[1].contains("chat") && rows[1].contains("route to"),
        "{rows:?}"
    );
    for channel in [Channel::Phone, Channel::Chat] {
        let d = engine.decide(
            &Contact::new("c", channel.clone())
                .with_topic("domain.delegation")
                .with_progress(Progress::Served),
            &Responder::staff("sales-agent"),
        );
        let expected = if channel == Channel::Phone {
            Outcome::Answer
        } else {
            Outcome::Route
        };
        assert_eq!(d.outcome(), expected);
    }
}

/// Point 2: a message's channel texts are quoted after its default text.
#[test]
fn issue34_2_channel_texts_are_quoted() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let manual = engine.manual(Some("billing"), "en").unwrap();
    let contact = Contact::new("c", Channel::from("sms"))
        .with_topic("billing.invoice")
        .with_locale("en");
    let d = engine.decide(&contact, &Responder::system("self-diagnosis"));
    let sms = d.text();
    assert!(
        manual.contains(&format!("   On sms:\n\n   > {sms}\n")),
        "{sms}\n{manual}"
    );
}

/// Point 5: the authority's source is the one `explain` gives (the role's grant), not a
/// `skip_ladder` rule the decision names.
#[test]
fn issue34_5_authority_source_is_the_one_explain_gives() {
    let engine = example_with(
        "id = \"invoice-now\"\nwhen = { topic = \"billing.invoice\" }\nthen = { skip_ladder = true }",
    );
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "billing.invoice");
    let row = s
        .lines()
        .find(|l| l.starts_with("| `billing-agent` |"))
        .unwrap();
    assert!(row.contains("own (grant `billing.invoice`)"), "{row}");
    assert!(!row.contains("invoice-now"), "{row}");
    let d = engine.decide(
        &Contact::new("c", Channel::Phone).with_topic("billing.invoice"),
        &Responder::staff("billing-agent"),
    );
    assert_eq!(d.rule(), Some("invoice-now"));
}

/// Point 6: a rule with no condition that fixes the answer, or the route, is stated.
#[test]
fn issue34_6_unconditional_rules_are_shown() {
    let engine = example_with(
        "id = \"invoices-fixed\"\nwhen = { topic = \"billing.invoice\" }\nthen = { answer = \"general-answer\" }",
    );
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "billing.invoice");
    assert!(s.contains("Rule `invoices-fixed` holds for every contact: every responder, system or person, gives `general-answer`:"), "{s}");
    let d = engine.decide(
        &Contact::new("c", Channel::Chat)
            .with_topic("billing.invoice")
            .with_locale("en"),
        &Responder::system("self-diagnosis"),
    );
    assert!(s.contains(&format!("   > {}\n", d.text())), "{s}");

    let engine = example_with(
        "id = \"invoices-to-sales\"\nwhen = { topic = \"billing.invoice\" }\nthen = { route = \"sales\" }",
    );
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "billing.invoice");
    assert!(s.contains("Rule `invoices-to-sales` holds for every contact: the topic is handled by Ventas (`sales`)"), "{s}");
}

/// Point 7: the company-wide manual gives each department's own chain, as `decide` escalates.
#[test]
fn issue34_7_each_department_has_its_own_chain() {
    let mut policy = unified_message::EXAMPLE_POLICY.to_owned();
    for role in ["sales-supervisor", "sales-manager"] {
        let start = policy.find(&format!("[roles.{role}]")).unwrap();
        let end = start + policy[start..].find("\n\n").unwrap();
        policy.replace_range(start..end, "");
    }
    let engine = Engine::from_toml_str(&policy).unwrap();
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "email.setup");
    assert!(
        s.contains("- Ventas (`sales`): agent (`sales-agent`) → a review within 24h"),
        "{s}"
    );
    assert!(
        s.contains("- Soporte técnico (`support`): agent (`support-agent`) → supervisor"),
        "{s}"
    );
    let angry = Contact::new("c", Channel::Phone)
        .with_topic("email.setup")
        .asking_for_superior();
    let d = engine.decide(&angry, &Responder::staff("sales-agent"));
    assert_eq!(d.outcome(), Outcome::Review);
}
