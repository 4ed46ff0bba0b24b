//! Compiling generated policies of 10 to 10,000 topics (target: the 10,000-topic policy in
//! ≤ 1 s on the reference machine).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use unified_message::Engine;

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for n in generate::SIZES {
        let doc = generate::policy(n);
        group.bench_with_input(BenchmarkId::new("generated", n), &doc, |b, doc| {
            b.iter(|| Engine::compile(black_box(doc)).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
