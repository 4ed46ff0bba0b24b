//! The seed's own scenarios, exactly as `examples/quickstart.rs` walks through them (same
//! contacts, same responders), with their outcomes asserted. Issue 2, points 7 and 8.

#![cfg(feature = "toml")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::LazyLock;

use unified_message::document::PolicyDocument;
use unified_message::{
    Authority, Channel, Contact, EXAMPLE_POLICY, Engine, Outcome, Progress, Responder, Tier,
};

static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(EXAMPLE_POLICY).unwrap_or_else(|e| panic!("{e}")));
static DOC: LazyLock<PolicyDocument> =
    LazyLock::new(|| PolicyDocument::from_toml_str(EXAMPLE_POLICY).unwrap());

fn engine() -> &'static Engine {
    &ENGINE
}

/// A handover text of the example, per outcome and locale.
fn handover(kind: &str, locale: &str) -> &'static str {
    let h = DOC.handover.as_ref().unwrap();
    let text = match kind {
        "explains" => &h.explains,
        "serves" => &h.serves,
        "route" => &h.route,
        "authorize" => &h.authorize,
        "escalate" => &h.escalate,
        "review" => &h.review,
        other => panic!("{other}"),
    };
    text.as_ref().unwrap().get(locale).unwrap()
}

fn department_name(id: &str) -> &'static str {
    DOC.departments.get(id).unwrap().name.as_deref().unwrap()
}

fn system_name(id: &str) -> &'static str {
    DOC.systems.get(id).unwrap().name.as_deref().unwrap()
}

/// The first `where` entry of a system as written in the policy text (the entry for channels
/// that have none of their own), read from the source so that it does not depend on how a
/// parser orders maps.
fn first_where_as_written(system: &str) -> &'static str {
    let section = EXAMPLE_POLICY
        .split(&format!("[systems.{system}]"))
        .nth(1)
        .unwrap();
    let line = section
        .lines()
        .find(|l| l.trim_start().starts_with("where"))
        .unwrap();
    line.split('"').nth(1).unwrap()
}

#[test]
fn policy_header() {
    assert_eq!(engine().name(), "Acme Hosting");
    assert_eq!(engine().revision(), DOC.policy.revision.as_deref().unwrap());
    assert_eq!(engine().locales().collect::<Vec<_>>(), ["es", "en"]);
    assert_eq!(engine().topics().len(), DOC.topics.len());
    for d in ["support", "sales", "projects", "billing"] {
        assert!(engine().departments().any(|x| x == d), "{d}");
    }
}

#[test]
fn a_sales_agent_is_asked_how_to_delegate_a_domain() {
    let delegation = Contact::new("cust-1", Channel::Phone)
        .with_topic("domain.delegation")
        .with_locale("es");
    let sales = Responder::staff("sales-agent");

    // First contact: the explaining system, framed as the customer's benefit (R0.4, R0.5).
    let d = engine().decide(&delegation, &sales);
    assert_eq!(d.outcome(), Outcome::Redirect);
    let s = d.system().unwrap();
    assert_eq!((s.id, s.tier), ("self-diagnosis", Tier::Explains));
    let phone = DOC
        .systems
        .get("self-diagnosis")
        .unwrap()
        .where_
        .get("phone")
        .unwrap();
    assert_eq!(s.location, phone);
    assert_eq!(d.message_id(), "handover.explains");
    assert_eq!(
        d.text(),
        handover("explains", "es")
            .replace("{system}", system_name("self-diagnosis"))
            .replace("{where}", phone)
    );
    assert_eq!(d.topic(), "domain.delegation");
    assert_eq!(d.revision(), engine().revision());

    // Through the systems: sales does not explain delegation, it routes to support (R0.8).
    let d = engine().decide(&delegation.clone().with_progress(Progress::Served), &sales);
    assert_eq!(d.outcome(), Outcome::Route);
    assert_eq!(d.department(), Some("support"));
    assert_eq!(d.authority(), Some(Authority::Consensual));
    assert!(d.flags().system_gap);
    assert_eq!(
        d.text(),
        handover("route", "es").replace("{department}", department_name("support"))
    );
}

#[test]
fn a_customer_calls_projects_to_change_a_phone_number() {
    let phone = Contact::new("cust-2", Channel::Phone)
        .with_topic("projects.phone-change")
        .with_locale("es")
        .with_progress(Progress::Explained);
    let d = engine().decide(&phone, &Responder::staff("projects-agent"));
    // Not on paper: the project forms serve it (R0.8).
    assert_eq!(d.outcome(), Outcome::Redirect);
    let s = d.system().unwrap();
    assert_eq!((s.id, s.tier), ("project-forms", Tier::Serves));
    assert_eq!(s.location, first_where_as_written("project-forms"));
    assert_eq!(d.message_id(), "handover.serves");
    assert_eq!(
        d.text(),
        handover("serves", "es")
            .replace("{system}", system_name("project-forms"))
            .replace("{where}", first_where_as_written("project-forms"))
    );
    assert!(!d.flags().system_gap);
}

#[test]
fn an_invoice_problem_reaches_billing_after_the_self_diagnosis_failed() {
    let invoice = Contact::new("cust-3", Channel::Email)
        .with_topic("billing.invoice")
        .with_locale("en")
        .with_progress(Progress::Served);
    let d = engine().decide(&invoice, &Responder::staff("billing-agent"));
    assert_eq!(d.outcome(), Outcome::Answer);
    assert_eq!(d.message_id(), "billing-invoice-answer");
    assert_eq!(d.authority(), Some(Authority::Own));
    assert!(d.flags().system_gap, "R0.9: the systems did not help");
    let text = DOC
        .messages
        .get("billing-invoice-answer")
        .unwrap()
        .text
        .as_ref()
        .unwrap()
        .get("en")
        .unwrap();
    assert_eq!(&d.text(), text);
    assert_eq!(d.locale(), "en");
}

#[test]
fn a_refund_needs_authorization() {
    let refund = Contact::new("cust-4", Channel::Phone)
        .with_topic("billing.refund")
        .with_locale("en")
        .with_progress(Progress::Served);
    let d = engine().decide(&refund, &Responder::staff("billing-agent"));
    assert_eq!(d.outcome(), Outcome::Authorize);
    assert_eq!(d.department(), Some("billing"));
    assert_eq!(d.rank(), Some("supervisor"));
    assert_eq!(d.authority(), Some(Authority::Authorized));
    assert_eq!(
        d.text(),
        handover("authorize", "en").replace("{rank}", "supervisor")
    );
}

#[test]
fn a_customer_asks_for_a_superior_at_every_rank_up_to_the_review() {
    let angry = Contact::new("cust-5", Channel::Phone)
        .with_topic("email.setup")
        .with_locale("es")
        .with_progress(Progress::Served)
        .asking_for_superior();
    let got: Vec<_> = ["support-agent", "support-supervisor", "support-manager"]
        .iter()
        .map(|role| {
            let d = engine().decide(&angry, &Responder::staff(*role));
            (d.outcome(), d.department(), d.rank(), d.text())
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                Outcome::Escalate,
                Some("support"),
                Some("supervisor"),
                handover("escalate", "es").replace("{rank}", "supervisor")
            ),
            (
                Outcome::Escalate,
                Some("support"),
                Some("manager"),
                handover("escalate", "es").replace("{rank}", "manager")
            ),
            (
                Outcome::Review,
                None,
                None,
                handover("review", "es").replace("{within}", "24h")
            ),
        ]
    );
}

#[test]
fn the_same_circumstance_by_phone_chat_and_email_gets_the_same_message() {
    let base = Contact::new("cust-6", Channel::Phone)
        .with_topic("hosting.backup")
        .with_locale("en")
        .with_progress(Progress::Explained);
    let agent = Responder::staff("support-agent");
    let decisions: Vec<_> = [Channel::Phone, Channel::Chat, Channel::Email]
        .into_iter()
        .map(|channel| engine().decide(&base.clone().with_channel(channel), &agent))
        .collect();
    for d in &decisions {
        assert_eq!(d.outcome(), Outcome::Redirect);
        assert_eq!(d.message_id(), "handover.serves");
        assert_eq!(d.version(), 1);
        let s = d.system().unwrap();
        assert_eq!(s.id, "control-panel");
        // None of the three channels has an entry of its own: the first one written.
        assert_eq!(s.location, first_where_as_written("control-panel"));
    }
    assert!(decisions.windows(2).all(|w| w[0].text() == w[1].text()));
}

#[test]
fn explain_says_why_sales_routes_the_delegation() {
    let c = Contact::new("cust-1", Channel::Phone)
        .with_topic("domain.delegation")
        .with_locale("es")
        .with_progress(Progress::Served);
    let sales = Responder::staff("sales-agent");
    let explanation = engine().explain(&c, &sales);
    assert_eq!(explanation.decision, engine().decide(&c, &sales));
    let text = explanation.to_string();
    assert!(text.contains("`sales-agent`"), "{text}");
    assert!(text.contains("`consensual`"), "{text}");
    assert!(text.contains("`support`"), "{text}");
    assert!(text.contains("route"), "{text}");
}
