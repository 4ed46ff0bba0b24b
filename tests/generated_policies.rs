//! The generated policies of every size (10 to 10,000 topics) compile, and decisions over them
//! follow the decision procedure: the generator's construction is the oracle.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/generate.rs"]
mod generate;

use generate::{SIZES, department_count, department_id, owner_of, role_ids, topic_id};
use unified_message::{Channel, Contact, Engine, Outcome, Progress, Responder};

/// The topics checked in a policy of `n` topics: all of a small one, a seeded sample of a
/// large one (always including the special cases: multiples of 10 and 13).
fn sample(n: usize) -> Vec<usize> {
    if n <= 100 {
        return (0..n).collect();
    }
    let mut rng = generate::Rng::new(7);
    let mut s: Vec<usize> = (0..50).map(|_| rng.below(n)).collect();
    s.extend([0, 1, 2, 3, 5, 10, 13, 26, 130, n - 1]);
    s
}

/// Whether the generator made topic `i` a serving-tier topic.
fn has_serves(i: usize) -> bool {
    i % 2 == 1
}

#[test]
fn r0_4_generated_policies_are_deterministic() {
    assert_eq!(generate::policy(100), generate::policy(100));
    assert_ne!(
        generate::policy_seeded(100, 1),
        generate::policy_seeded(100, 2)
    );
    let doc = generate::policy(1_000);
    assert_eq!(doc.topics.len(), 1_000);
    assert_eq!(doc.departments.len(), department_count(1_000));
    assert_eq!(doc.roles.len(), 3 * department_count(1_000));
    // Some messages have editorial and substantive versions, with channel variants.
    assert!(doc.messages.iter().any(|(_, m)| m.versions.len() == 3));
}

/// R0.1, R0.4, R0.5, R1.4, R3.3, R4.3 over every generated size: systems give the topic's message
/// for their tier, staff redirect until the systems are exhausted, then answer, route or
/// authorize by authority; rules with facts apply; escalation climbs to the review; triage
/// finds the topic of a customer's words.
#[test]
fn r0_5_decisions_over_generated_policies_follow_the_procedure() {
    for n in SIZES {
        let engine = Engine::compile(&generate::policy(n))
            .unwrap_or_else(|e| panic!("the {n}-topic policy does not compile: {e}"));
        assert_eq!(engine.topics().len(), n);
        let departments = department_count(n);
        for i in sample(n) {
            let id = topic_id(i, n);
            let d = owner_of(i, departments);
            let [agent, supervisor, manager] = role_ids(d).map(Responder::staff);
            let other_agent =
                Responder::staff(role_ids((d + departments - 1) % departments)[0].clone());
            let contact = Contact::new("c", Channel::Web)
                .with_topic(id.as_str())
                .with_locale("en");

            // Every explaining system gives the same message (R0.1).
            for system in ["self-diagnosis", "ivr", "chatbot"] {
                let dec = engine.decide(&contact, &Responder::system(system));
                assert_eq!(dec.outcome(), Outcome::Answer, "{n}: {id} by {system}");
                assert_eq!(dec.message_id(), format!("{id}.guide"));
            }
            let panel = Responder::system(format!("panel-{}", department_id(d)));
            let dec = engine.decide(&contact, &panel);
            let expected = if has_serves(i) { "panel" } else { "guide" };
            assert_eq!(dec.message_id(), format!("{id}.{expected}"), "{n}: {id}");

            // The ladder (R0.4, R0.5).
            let dec = engine.decide(&contact, &agent);
            assert_eq!(dec.outcome(), Outcome::Redirect, "{n}: {id}");
            assert_eq!(dec.system().unwrap().tier, unified_message::Tier::Explains);
            let explained = contact.clone().with_progress(Progress::Explained);
            let dec = engine.decide(&explained, &agent);
            if has_serves(i) {
                assert_eq!(dec.outcome(), Outcome::Redirect, "{n}: {id}");
                assert_eq!(
                    dec.system().unwrap().id,
                    format!("panel-{}", department_id(d))
                );
            } else {
                assert_ne!(dec.outcome(), Outcome::Redirect, "{n}: {id}");
            }

            // Authority once the systems are exhausted (R4.3, R0.2, R0.8).
            let served = contact.clone().with_progress(Progress::Served);
            let dec = engine.decide(&served, &agent);
            assert!(dec.flags().system_gap);
            let expected = if i == 0 {
                Outcome::Answer // `general` is granted `own` to every agent
            } else if i % 10 == 0 {
                Outcome::Authorize
            } else if i % 13 == 0 {
                Outcome::Route
            } else {
                Outcome::Answer
            };
            assert_eq!(dec.outcome(), expected, "{n}: {id} by the owner's agent");
            if expected == Outcome::Authorize {
                assert_eq!(dec.rank(), Some("supervisor"));
                // Premium customers: the department's rule grants `own`.
                let premium = served.clone().with_fact("plan", "premium");
                let dec = engine.decide(&premium, &agent);
                assert_eq!(dec.outcome(), Outcome::Answer);
                assert_eq!(
                    dec.rule(),
                    Some(format!("{}-premium", department_id(d)).as_str())
                );
            }
            if expected == Outcome::Answer {
                assert_eq!(dec.message_id(), format!("{id}.answer"));
            }
            // The supervisor holds `own` on the whole department.
            let dec = engine.decide(&served, &supervisor);
            assert_eq!(dec.outcome(), Outcome::Answer, "{n}: {id} by supervisor");
            // Another department's agent routes to the owner.
            if i != 0 {
                let dec = engine.decide(&served, &other_agent);
                assert_eq!(dec.outcome(), Outcome::Route, "{n}: {id} by another agent");
                assert_eq!(dec.department(), Some(department_id(d).as_str()));
            }

            // Rules with facts.
            let outage = contact
                .clone()
                .with_fact("outage", department_id(d).as_str());
            if i != 0 {
                let dec = engine.decide(&outage, &Responder::system("ivr"));
                assert_eq!(
                    dec.message_id(),
                    format!("{}-outage-notice", department_id(d))
                );
            }
            let accessible = contact.clone().with_fact("accessibility", "true");
            let dec = engine.decide(&accessible, &supervisor);
            assert_eq!(dec.outcome(), Outcome::Answer, "{n}: {id}");
            assert!(dec.flags().ladder_skipped);

            // There is always a superior, and a review above the top (R3.3).
            let asks = contact.clone().asking_for_superior();
            let dec = engine.decide(&asks, &agent);
            assert_eq!(dec.outcome(), Outcome::Escalate);
            assert_eq!(dec.rank(), Some("supervisor"));
            let dec = engine.decide(&asks, &manager);
            assert_eq!(dec.outcome(), Outcome::Review);

            // Triage places a customer's words on the topic, in both locales (R1.4); up to
            // 1,000 topics, to keep this debug-mode test short.
            if i != 0 && n <= 1_000 {
                for locale in generate::LOCALES {
                    let text = generate::customer_text(i, 300, locale, i as u64);
                    assert_eq!(engine.triage(&text, locale).topic, id, "{n}: {text}");
                }
            }

            // Rendering works in both locales, channel variants included.
            for locale in generate::LOCALES {
                let c = contact
                    .clone()
                    .with_locale(locale)
                    .with_channel(Channel::Custom("sms".into()));
                let text = engine
                    .decide(&c, &Responder::system("self-diagnosis"))
                    .text();
                assert!(!text.is_empty() && !text.contains('{'), "{n}: {id}: {text}");
            }
        }
    }
}
