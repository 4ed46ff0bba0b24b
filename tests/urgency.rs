//! Urgency (R1.4): the score from the policy's weights over facts and the topic's severity,
//! each contribution listed, weights validated at compile time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use unified_message::document::{PolicyDocument, UrgencyDoc};
use unified_message::urgency::{ContributionKind, Urgency};
use unified_message::{Channel, Contact, Engine};

fn engine() -> Engine {
    Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap()
}

fn with_urgency(toml_text: &str) -> PolicyDocument {
    let mut doc = PolicyDocument::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    doc.urgency = Some(toml::from_str::<UrgencyDoc>(toml_text).unwrap());
    doc
}

fn points(u: &Urgency, kind: ContributionKind, name: &str) -> Option<f64> {
    u.contributions
        .iter()
        .find(|c| c.kind == kind && c.name == name)
        .map(|c| c.points)
}

#[test]
fn r1_4_urgency_adds_facts_counts_and_severity() {
    let engine = engine();
    let contact = Contact::new("c", Channel::Phone)
        .with_topic("hosting.backup")
        .with_fact("plan", "premium")
        .with_fact("recent_contacts", "3")
        .with_fact("unresolved_complaints", "9");
    let u = engine.urgency(&contact);
    assert_eq!(u.topic, "hosting.backup");
    assert_eq!(points(&u, ContributionKind::Fact, "plan"), Some(30.0));
    assert_eq!(
        points(&u, ContributionKind::Count, "recent_contacts"),
        Some(15.0)
    );
    // 9 × 10 = 90, capped at 40.
    assert_eq!(
        points(&u, ContributionKind::Count, "unresolved_complaints"),
        Some(40.0)
    );
    let capped = u
        .contributions
        .iter()
        .find(|c| c.name == "unresolved_complaints")
        .unwrap();
    assert!(capped.note.as_deref().unwrap().contains("capped at 40"));
    // The topic's own severity (8) × the severity weight (2).
    assert_eq!(
        points(&u, ContributionKind::Severity, "hosting.backup"),
        Some(16.0)
    );
    let sum: f64 = u.contributions.iter().map(|c| c.points).sum();
    assert_eq!(u.score, sum);
    assert_eq!(u.score, 30.0 + 15.0 + 40.0 + 16.0);
    // An agent can read why.
    let shown = u.to_string();
    assert!(shown.starts_with("urgency 101"), "{shown}");
    assert!(shown.contains("`plan` = `premium`: +30"), "{shown}");
}

#[test]
fn r1_4_a_more_urgent_customer_scores_higher() {
    let engine = engine();
    let base = Contact::new("c", Channel::Email).with_topic("email.setup");
    let plain = engine.urgency(&base).score;
    let business = engine
        .urgency(&base.clone().with_fact("plan", "business"))
        .score;
    let premium = engine
        .urgency(&base.clone().with_fact("plan", "premium"))
        .score;
    let insistent = engine
        .urgency(
            &base
                .clone()
                .with_fact("plan", "premium")
                .with_fact("recent_contacts", "2"),
        )
        .score;
    assert!(plain < business && business < premium && premium < insistent);
    // A more severe topic is more urgent for the same customer.
    let outage = engine.urgency(&base.clone().with_topic("dns.ping")).score;
    assert!(outage > plain);
}

#[test]
fn r1_4_values_that_are_not_counts_add_nothing_and_say_why() {
    let engine = engine();
    for bad in ["many", "-2", "NaN", "inf", ""] {
        let contact = Contact::new("c", Channel::Email)
            .with_topic("email.setup")
            .with_fact("recent_contacts", bad);
        let u = engine.urgency(&contact);
        let c = u
            .contributions
            .iter()
            .find(|c| c.name == "recent_contacts")
            .unwrap();
        assert_eq!(c.points, 0.0, "{bad}");
        assert!(
            c.note.as_deref().unwrap().contains("ignored"),
            "{bad}: {c:?}"
        );
        assert!(u.score.is_finite());
    }
    // Fractional and padded numbers count.
    let contact = Contact::new("c", Channel::Email)
        .with_topic("email.setup")
        .with_fact("recent_contacts", " 1.5 ");
    assert_eq!(
        points(
            &engine.urgency(&contact),
            ContributionKind::Count,
            "recent_contacts"
        ),
        Some(7.5)
    );
    // An absent fact, or a fact with another value, is not listed.
    let u = engine.urgency(&Contact::new("c", Channel::Email).with_fact("plan", "basic"));
    assert!(
        u.contributions
            .iter()
            .all(|c| c.kind == ContributionKind::Severity)
    );
}

#[test]
fn r1_4_urgency_uses_the_triaged_topic_of_free_text() {
    let engine = engine();
    let contact = Contact::new("c", Channel::Chat)
        .with_text("my website is down!!")
        .with_locale("en");
    let u = engine.urgency(&contact);
    assert_eq!(u.topic, "dns.ping");
    // Nothing to place: the fallback topic's severity.
    let u = engine.urgency(&Contact::new("c", Channel::Chat));
    assert_eq!(u.topic, engine.fallback_topic());
}

#[test]
fn r1_4_caps_bound_negative_weights_too_and_severity_defaults_to_one() {
    let doc = with_urgency(r#"counts = [{ fact = "years_as_customer", per = -4, max = 10 }]"#);
    let engine = Engine::compile(&doc).unwrap();
    let contact = Contact::new("c", Channel::Email)
        .with_topic("email.setup")
        .with_fact("years_as_customer", "5");
    let u = engine.urgency(&contact);
    assert_eq!(
        points(&u, ContributionKind::Count, "years_as_customer"),
        Some(-10.0)
    );
    // No `severity` weight: the topic's severity (3) counts once.
    assert_eq!(
        points(&u, ContributionKind::Severity, "email.setup"),
        Some(3.0)
    );
}

#[test]
fn r1_4_compile_validates_weights_with_their_paths() {
    let doc = with_urgency(
        r#"
        facts = [{ fact = "plan", equals = "premium", points = nan }]
        counts = [{ fact = "recent_contacts", per = inf }, { fact = "x", per = 1, max = -5 }]
        severity = -inf
        "#,
    );
    let err = Engine::compile(&doc).unwrap_err();
    let paths: Vec<String> = err
        .diagnostics()
        .iter()
        .filter(|d| d.code == "bad-number")
        .map(|d| d.path.to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "urgency.facts[0].points",
            "urgency.counts[0].per",
            "urgency.counts[1].max",
            "urgency.severity"
        ],
        "{err}"
    );
    // Zero caps and negative points are fine.
    let doc = with_urgency(
        r#"
        facts = [{ fact = "plan", equals = "free", points = -5 }]
        counts = [{ fact = "recent_contacts", per = 1, max = 0 }]
        "#,
    );
    Engine::compile(&doc).unwrap();
}

#[test]
fn r1_4_urgency_serializes_for_the_agent_desk() {
    let engine = engine();
    let contact = Contact::new("c", Channel::Phone)
        .with_topic("email.webmail")
        .with_fact("plan", "premium")
        .with_fact("recent_contacts", "lots");
    let u = engine.urgency(&contact);
    let json = serde_json::to_value(&u).unwrap();
    assert_eq!(json["score"], 40.0);
    assert_eq!(json["contributions"][0]["kind"], "fact");
    assert_eq!(json["contributions"][1]["kind"], "count");
    let back: Urgency = serde_json::from_value(json).unwrap();
    assert_eq!(back, u);
}

/// R1.4: a huge count without a cap stays a finite score, so the urgency (and the queued case)
/// survives a JSON round trip.
#[test]
fn r1_4_an_uncapped_huge_count_stays_finite() {
    let doc = with_urgency("counts = [{ fact = \"recent_contacts\", per = 5 }]");
    let engine = Engine::compile(&doc).unwrap();
    let contact = Contact::new("c", Channel::Phone)
        .with_topic("hosting.backup")
        .with_fact("recent_contacts", "1e308");
    let u = engine.urgency(&contact);
    assert!(u.score.is_finite(), "{}", u.score);
    let back: Urgency = serde_json::from_str(&serde_json::to_string(&u).unwrap()).unwrap();
    assert_eq!(back, u);
}
