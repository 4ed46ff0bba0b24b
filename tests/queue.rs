//! Queues (R1.4): cases by urgency then arrival, a total order also with NaN, serde
//! round-trips, and routing a triaged contact to its owning department's queue.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use unified_message::queue::{Queue, QueuedCase, Queues};
use unified_message::{Channel, Contact, Engine};

fn ids(queue: &Queue) -> Vec<&str> {
    queue.iter().map(|c| c.case.as_str()).collect()
}

#[test]
fn r1_4_most_urgent_first_then_oldest() {
    let mut q = Queue::new();
    assert!(q.is_empty() && q.pop().is_none() && q.peek().is_none());
    q.push(QueuedCase::new("late-urgent", "dns.ping", 50.0, 30));
    q.push(QueuedCase::new("old-calm", "email.setup", 5.0, 1));
    q.push(QueuedCase::new("early-urgent", "dns.ping", 50.0, 10));
    q.push(QueuedCase::new("new-calm", "email.setup", 5.0, 99));
    assert_eq!(q.len(), 4);
    assert_eq!(
        ids(&q),
        ["early-urgent", "late-urgent", "old-calm", "new-calm"]
    );
    assert_eq!(q.peek().unwrap().case, "early-urgent");
    let popped: Vec<String> = std::iter::from_fn(|| q.pop()).map(|c| c.case).collect();
    assert_eq!(
        popped,
        ["early-urgent", "late-urgent", "old-calm", "new-calm"]
    );
    assert!(q.is_empty());
}

#[test]
fn r1_4_exact_ties_are_first_in_first_out_and_nan_is_least_urgent() {
    let mut q = Queue::new();
    q.push(QueuedCase::new("nan", "t", f64::NAN, 0));
    q.push(QueuedCase::new("a", "t", 1.0, 7));
    q.push(QueuedCase::new("b", "t", 1.0, 7));
    q.push(QueuedCase::new("minus-inf", "t", f64::NEG_INFINITY, 0));
    q.push(QueuedCase::new("inf", "t", f64::INFINITY, 100));
    q.push(QueuedCase::new("neg", "t", -3.0, 0));
    // NaN and -∞ are both the least urgent value: among them, the older (then the first pushed).
    assert_eq!(ids(&q), ["inf", "a", "b", "neg", "nan", "minus-inf"]);
    assert!(q.iter().all(|c| c.urgency.is_finite()));
}

#[test]
fn r1_4_a_case_is_queued_once() {
    let mut q = Queue::new();
    q.push(QueuedCase::new("c1", "email.setup", 5.0, 1));
    q.push(QueuedCase::new("c2", "email.setup", 10.0, 2));
    // Re-scored: replaced, not duplicated.
    let old = q
        .push(QueuedCase::new("c1", "email.setup", 20.0, 1))
        .unwrap();
    assert_eq!(old.urgency, 5.0);
    assert_eq!(ids(&q), ["c1", "c2"]);
    assert!(q.contains("c2"));
    assert_eq!(q.remove("c2").unwrap().case, "c2");
    assert!(!q.contains("c2") && q.remove("c2").is_none());
    assert_eq!(q.len(), 1);
}

#[test]
fn r1_4_queues_round_trip_through_serde() {
    let mut q: Queue = [
        QueuedCase::new("a", "dns.ping", 12.5, 3),
        QueuedCase::new("b", "email.setup", 12.5, 3),
        QueuedCase::new("c", "billing.refund", 40.0, 9),
        QueuedCase::new("d", "general", f64::NAN, 1),
    ]
    .into_iter()
    .collect();
    q.pop();
    let json = serde_json::to_string(&q).unwrap();
    // Stored in serving order, as plain data a host can inspect.
    let stored: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let order: Vec<&str> = stored.iter().map(|c| c["case"].as_str().unwrap()).collect();
    assert_eq!(order, ["a", "b", "d"]);
    let mut back: Queue = serde_json::from_str(&json).unwrap();
    assert_eq!(back, q);
    assert_eq!(ids(&back), ids(&q));
    // The restored queue keeps working: first in, first out among exact ties still holds.
    back.push(QueuedCase::new("e", "dns.ping", 12.5, 3));
    assert_eq!(ids(&back), ["a", "b", "e", "d"]);
}

#[test]
fn r1_4_route_triages_scores_and_queues_by_owning_department() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let mut queues = Queues::new();

    let refund = Contact::new("ana", Channel::Email)
        .with_text("Quiero que me devolváis el dinero del plan anual")
        .with_locale("es");
    let routed = queues.route(&engine, "case-1", &refund, 100);
    assert_eq!(routed.topic, "billing.refund");
    assert_eq!(
        routed.department,
        engine.topic_owner("billing.refund").unwrap()
    );
    assert!(!routed.fallback_topic);
    assert_eq!(routed.urgency, engine.urgency(&refund));

    let calm = Contact::new("bea", Channel::Chat).with_topic("email.setup");
    let urgent = Contact::new("carla", Channel::Phone)
        .with_text("my website is down")
        .with_locale("en")
        .with_fact("plan", "premium");
    queues.route(&engine, "case-2", &calm, 101);
    let routed = queues.route(&engine, "case-3", &urgent, 102);
    assert_eq!(
        (routed.topic.as_str(), routed.department.as_str()),
        ("dns.ping", "support")
    );
    let support = queues.get("support").unwrap();
    assert_eq!(ids(support), ["case-3", "case-2"]);
    assert_eq!(ids(queues.get("billing").unwrap()), ["case-1"]);
    assert_eq!(queues.len(), 3);

    // Nothing to place: the fallback topic's owner, flagged.
    let vague = Contact::new("dani", Channel::Chat)
        .with_text("hola")
        .with_locale("es");
    let routed = queues.route(&engine, "case-4", &vague, 103);
    assert!(routed.fallback_topic);
    assert_eq!(routed.topic, engine.fallback_topic());

    // A case routed again moves: it is never in two queues.
    let now_billing = Contact::new("bea", Channel::Chat).with_topic("billing.invoice");
    queues.route(&engine, "case-2", &now_billing, 104);
    assert!(!queues.get("support").unwrap().contains("case-2"));
    assert!(queues.get("billing").unwrap().contains("case-2"));
    assert_eq!(queues.len(), 4);

    let json = serde_json::to_string(&queues).unwrap();
    let back: Queues = serde_json::from_str(&json).unwrap();
    assert_eq!(back, queues);
    assert_eq!(queues.pop("support").unwrap().case, "case-3");
    assert!(queues.pop("nowhere").is_none());
}

/// R1.4 (issue 34 point 4): a rule that routes a topic to another department queues the case
/// there, where `decide` sends it, not with the topic's owner; a contact the rule does not
/// match stays with the owner.
#[test]
fn r1_4_route_queues_where_decide_routes_by_a_rule() {
    let policy = format!(
        "{}\n[[rules]]\nid = \"premium-domains-to-billing\"\nwhen = {{ topic = \"domain.delegation\", facts = {{ plan = \"premium\" }} }}\nthen = {{ route = \"billing\" }}\n",
        unified_message::EXAMPLE_POLICY
    );
    let engine = Engine::from_toml_str(&policy).unwrap();
    assert_eq!(engine.topic_owner("domain.delegation"), Some("support"));
    let premium = Contact::new("c", Channel::Chat)
        .with_topic("domain.delegation")
        .with_fact("plan", "premium")
        .with_progress(unified_message::Progress::Served);
    let d = engine.decide(&premium, &unified_message::Responder::staff("sales-agent"));
    assert_eq!(
        (d.outcome(), d.department()),
        (unified_message::Outcome::Route, Some("billing"))
    );
    let mut queues = Queues::new();
    let routed = queues.route(&engine, "case-1", &premium, 1);
    assert_eq!(routed.department, "billing");
    assert!(queues.get("billing").unwrap().contains("case-1"));
    assert!(queues.get("support").is_none());

    let basic = Contact::new("c", Channel::Chat).with_topic("domain.delegation");
    assert_eq!(
        queues.route(&engine, "case-2", &basic, 2).department,
        "support"
    );
}

fn urgency() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => (-3i32..4).prop_map(f64::from),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
    ]
}

proptest! {
    /// Whatever is pushed, pops come out by urgency (NaN last), then arrival, then push order;
    /// a serde round trip changes nothing.
    #[test]
    fn r1_4_pop_order_is_total(cases in prop::collection::vec((urgency(), 0u64..4), 0..40)) {
        let mut q = Queue::new();
        for (i, (u, arrival)) in cases.iter().enumerate() {
            q.push(QueuedCase::new(format!("c{i}"), "t", *u, *arrival));
        }
        prop_assert_eq!(q.len(), cases.len());
        let back: Queue = serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
        prop_assert_eq!(&back, &q);

        let key = |u: f64| if u.is_nan() { f64::MIN } else if u == 0.0 { 0.0 } else { u.clamp(f64::MIN, f64::MAX) };
        let mut expected: Vec<usize> = (0..cases.len()).collect();
        expected.sort_by(|&a, &b| {
            key(cases[b].0).total_cmp(&key(cases[a].0))
                .then(cases[a].1.cmp(&cases[b].1))
                .then(a.cmp(&b))
        });
        let expected: Vec<String> = expected.iter().map(|i| format!("c{i}")).collect();
        let popped: Vec<String> = std::iter::from_fn(|| q.pop()).map(|c| c.case).collect();
        prop_assert_eq!(popped, expected);
    }
}
