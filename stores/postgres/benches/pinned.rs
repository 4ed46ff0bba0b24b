//! Pinned decisions through the PostgreSQL store on loopback (issue 13 point 8): a held pin, a
//! first contact, and throughput with 1 / 8 / 32 concurrent tasks. Without a server it says
//! `SKIPPED` and measures nothing.
//!
//! `cargo bench -p unified-message-postgres --bench pinned`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../support/pinned_bench.rs"]
mod pinned_bench;

use criterion::{Criterion, criterion_group, criterion_main};
use unified_message_postgres::{PostgresPinStore, StoreOptions};

const STORE: &str = "postgres";

async fn open() -> Option<PostgresPinStore> {
    let url = std::env::var("UM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = format!("um_bench_{}", std::process::id());
    match PostgresPinStore::connect(&url, StoreOptions::new(schema)).await {
        Ok(store) => Some(store),
        Err(e) => {
            eprintln!("SKIPPED: no PostgreSQL at {url}: {e}");
            None
        }
    }
}

async fn cleanup(store: &PostgresPinStore) {
    store.drop_schema().await.unwrap();
}

fn pinned(c: &mut Criterion) {
    let rt = pinned_bench::runtime();
    let Some(store) = rt.block_on(open()) else {
        return;
    };
    pinned_bench::bench_store(c, &rt, STORE, &store);
    rt.block_on(cleanup(&store));
}

criterion_group! {
    name = benches;
    config = pinned_bench::config();
    targets = pinned
}
criterion_main!(benches);
