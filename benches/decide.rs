//! `decide` on the example policy and on generated policies of 10 to 10,000 topics, with keys
//! resolved in advance (`Engine::prepare` + `Engine::responder_key` + `decide_prepared`) and
//! with string ids (`decide`).
//!
//! Each iteration makes one decision; iterations cycle through 1,024 contacts and responders
//! spread over the whole policy (every topic, progress, locale, role and system, with facts),
//! so that a larger policy is measured with its real cache misses, not one hot topic.
//!
//! Targets (README, "Performance"): `decide_prepared` median ≤ 100 ns on the example policy;
//! from 10 to 10,000 topics the median grows by at most 1.5×.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../tests/support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use unified_message::{Engine, NoValues};

const WORKLOAD: usize = 1_024;

fn engines() -> Vec<(String, Engine)> {
    let mut engines = vec![(
        "example".to_owned(),
        Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap(),
    )];
    for n in generate::SIZES {
        engines.push((
            n.to_string(),
            Engine::compile(&generate::policy(n)).unwrap(),
        ));
    }
    engines
}

fn decide(c: &mut Criterion) {
    let engines = engines();
    let mut group = c.benchmark_group("decide_prepared");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, engine) in &engines {
        let work: Vec<_> = generate::workload(engine, WORKLOAD, 6)
            .iter()
            .map(|(c, r)| (engine.prepare(c), engine.responder_key(r)))
            .collect();
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % WORKLOAD;
                let (contact, responder) = &work[i];
                black_box(engine.decide_prepared(black_box(contact), *responder))
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("decide");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, engine) in &engines {
        let work = generate::workload(engine, WORKLOAD, 6);
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % WORKLOAD;
                let (contact, responder) = &work[i];
                black_box(engine.decide(black_box(contact), black_box(responder)))
            });
        });
    }
    group.finish();

    // Rendering the decision's text into a buffer the host keeps.
    let mut group = c.benchmark_group("render_into");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    let (_, engine) = &engines[0];
    let work: Vec<_> = generate::workload(engine, WORKLOAD, 6)
        .iter()
        .map(|(c, r)| (engine.prepare(c), engine.responder_key(r)))
        .collect();
    group.bench_function("example", |b| {
        let mut i = 0;
        let mut out = String::with_capacity(4096);
        b.iter(|| {
            i = (i + 1) % WORKLOAD;
            let (contact, responder) = &work[i];
            out.clear();
            let d = engine.decide_prepared(contact, *responder);
            let _ = d.render_into(&mut out, &NoValues);
            black_box(out.len())
        });
    });
    group.finish();
}

criterion_group!(benches, decide);
criterion_main!(benches);
