//! Heap allocations counted, not timed: `decide`, `decide_prepared` and `render_into` into a
//! pre-sized buffer never touch the heap. (The memory of compiled policies is measured by
//! `benches/memory.rs`, in release mode.)
//!
//! The global allocator is `dhat`'s, in testing mode: it counts every allocation of the
//! process while a profiler is alive. The harness would allocate on other threads while
//! printing results, so this file holds a single test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/generate.rs"]
mod generate;

use std::collections::BTreeSet;
use std::hint::black_box;

use unified_message::{Channel, Contact, Engine, NoValues, Outcome, Progress, Responder};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// The number of heap allocations (new blocks, reallocations included) made by `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = dhat::HeapStats::get().total_blocks;
    let out = black_box(f());
    let after = dhat::HeapStats::get().total_blocks;
    (out, after - before)
}

/// Contacts over the example policy that reach every outcome, from staff and systems.
fn example_contacts(engine: &Engine) -> Vec<(Contact, Responder)> {
    let mut work = generate::workload(engine, 2_000, 6);
    let base = Contact::new("c-1", Channel::Phone).with_locale("en");
    for (topic, progress, role) in [
        ("email.setup", Progress::Served, "support-agent"), // answer
        ("email.setup", Progress::Fresh, "support-agent"),  // redirect
        ("domain.delegation", Progress::Served, "sales-agent"), // route
        ("billing.refund", Progress::Explained, "billing-agent"), // authorize
    ] {
        work.push((
            base.clone().with_topic(topic).with_progress(progress),
            Responder::staff(role),
        ));
    }
    let asks = base.clone().with_topic("general").asking_for_superior();
    work.push((asks.clone(), Responder::staff("support-agent"))); // escalate
    work.push((asks, Responder::staff("support-manager"))); // review
    let outage = base.with_topic("email.setup").with_fact("outage", "email");
    work.push((outage.clone(), Responder::system("ivr"))); // a rule's answer
    work.push((
        outage.with_channel(Channel::Custom("sms".into())),
        Responder::staff("billing-agent"),
    ));
    // Unknown topic, role, system, locale and channel resolve without allocating either.
    let odd = Contact::new("c-2", Channel::Custom("kiosk".into()))
        .with_topic("no.such.topic")
        .with_locale("fr-CA");
    work.push((odd.clone(), Responder::staff("nobody")));
    work.push((odd, Responder::system("nothing")));
    work
}

/// R0.1 (performance shape of DESIGN.md): no heap allocation in `decide`, `decide_prepared`
/// (staff and system responders, every outcome) or `render_into` a pre-sized buffer.
///
/// Everything that allocates — compiling, preparing, building contacts — happens before the
/// profiler starts; only the calls under test run while it counts.
#[test]
fn decide_decide_prepared_and_render_into_never_allocate() {
    // The example policy, every outcome, staff and systems; and a generated 1,000-topic
    // policy (rules with facts on every department, custom channels, unknown ids).
    let example = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let generated = Engine::compile(&generate::policy(1_000)).unwrap();
    let cases: Vec<(&Engine, Vec<(Contact, Responder)>)> = vec![
        (&example, example_contacts(&example)),
        (&generated, generate::workload(&generated, 2_000, 7)),
    ];
    let prepared: Vec<Vec<_>> = cases
        .iter()
        .map(|(engine, work)| {
            work.iter()
                .map(|(c, r)| (engine.prepare(c), engine.responder_key(r)))
                .collect()
        })
        .collect();
    let mut out = String::with_capacity(64 * 1024);
    let mut outcomes = BTreeSet::new();
    let mut system_outcomes = BTreeSet::new();

    let _profiler = dhat::Profiler::builder().testing().build();
    for ((engine, work), prepared) in cases.iter().zip(&prepared) {
        for ((contact, responder), (pc, key)) in work.iter().zip(prepared) {
            let (d, n) = allocations(|| engine.decide(contact, responder));
            assert_eq!(
                n, 0,
                "decide allocated {n} times for {contact:?} by {responder}"
            );
            let (p, n) = allocations(|| engine.decide_prepared(pc, *key));
            assert_eq!(
                n, 0,
                "decide_prepared allocated {n} times for {contact:?} by {responder}"
            );
            assert_eq!(d, p);
            out.clear();
            let (r, n) = allocations(|| d.render_into(&mut out, &NoValues));
            assert_eq!(
                n, 0,
                "render_into allocated {n} times for {contact:?} by {responder}"
            );
            r.unwrap();
            assert!(
                !out.is_empty(),
                "{contact:?} by {responder} rendered nothing"
            );
            outcomes.insert(d.outcome());
            if matches!(responder, Responder::System(_)) {
                system_outcomes.insert(d.outcome());
            }
        }
    }
    assert_eq!(outcomes, Outcome::ALL.into_iter().collect());
    assert!(system_outcomes.contains(&Outcome::Answer));
    // The counter does count: one allocation is seen.
    let (_, n) = allocations(|| String::with_capacity(1));
    assert_eq!(n, 1);
}
