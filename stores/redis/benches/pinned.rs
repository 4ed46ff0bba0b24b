//! Pinned decisions through the Redis store on loopback (issue 13 point 8): a held pin, a
//! first contact, and throughput with 1 / 8 / 32 concurrent tasks. Without a server it says
//! `SKIPPED` and measures nothing.
//!
//! `cargo bench -p unified-message-redis --bench pinned`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../support/pinned_bench.rs"]
mod pinned_bench;

#[path = "../tests/backend/mod.rs"]
mod backend;

use criterion::{Criterion, criterion_group, criterion_main};

fn pinned(c: &mut Criterion) {
    pinned_bench::bench_backend(c, "redis", &backend::Redis(Default::default()));
}

criterion_group! {
    name = benches;
    config = pinned_bench::config();
    targets = pinned
}
criterion_main!(benches);
