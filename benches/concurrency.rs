//! One engine behind an `Arc`, decisions from 1 and 2 threads at once: throughput scales with
//! threads because the decision path takes no lock and touches no shared atomic (the engine
//! is immutable; a decision only reads it).
//!
//! Each iteration makes one decision on every thread; criterion reports decisions per second
//! (`thrpt`), which should double from 1 to 2 threads on 2 idle cores.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../tests/support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use unified_message::Engine;

const WORKLOAD: usize = 1_024;

fn threads(c: &mut Criterion) {
    let engine = Arc::new(Engine::compile(&generate::policy(1_000)).unwrap());
    let work: Arc<Vec<_>> = Arc::new(
        generate::workload(&engine, WORKLOAD, 6)
            .iter()
            .map(|(c, r)| (engine.prepare(c), engine.responder_key(r)))
            .collect(),
    );
    let mut group = c.benchmark_group("concurrency");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for n in [1_usize, 2] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("decide_prepared_threads", n), |b| {
            b.iter_custom(|iters| {
                let barrier = Arc::new(Barrier::new(n + 1));
                let handles: Vec<_> = (0..n)
                    .map(|t| {
                        let (engine, work, barrier) =
                            (Arc::clone(&engine), Arc::clone(&work), Arc::clone(&barrier));
                        std::thread::spawn(move || {
                            barrier.wait();
                            let mut i = t * 97;
                            for _ in 0..iters {
                                i = (i + 1) % WORKLOAD;
                                let (contact, responder) = &work[i];
                                black_box(engine.decide_prepared(black_box(contact), *responder));
                            }
                        })
                    })
                    .collect();
                barrier.wait();
                let start = Instant::now();
                for h in handles {
                    h.join().unwrap();
                }
                start.elapsed()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, threads);
criterion_main!(benches);
