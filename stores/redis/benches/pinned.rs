//! Pinned decisions through the Redis store on loopback (issue 13 point 8): a held pin, a
//! first contact, and throughput with 1 / 8 / 32 concurrent tasks. Without a server it says
//! `SKIPPED` and measures nothing.
//!
//! `cargo bench -p unified-message-redis --bench pinned`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../support/pinned_bench.rs"]
mod pinned_bench;

use criterion::{Criterion, criterion_group, criterion_main};
use unified_message_redis::{RedisPinStore, StoreOptions};

const STORE: &str = "redis";

async fn open() -> Option<RedisPinStore> {
    let url =
        std::env::var("UM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let namespace = format!("um-bench-{}", std::process::id());
    match RedisPinStore::connect(&url, StoreOptions::new(namespace)).await {
        Ok(store) => Some(store),
        Err(e) => {
            eprintln!("SKIPPED: no Redis at {url}: {e}");
            None
        }
    }
}

async fn cleanup(store: &RedisPinStore) {
    let mut c = redis::Client::open(
        std::env::var("UM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned()),
    )
    .unwrap()
    .get_multiplexed_async_connection()
    .await
    .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(store.pattern())
        .query_async(&mut c)
        .await
        .unwrap();
    for chunk in keys.chunks(1000) {
        let _: () = redis::cmd("DEL")
            .arg(chunk)
            .query_async(&mut c)
            .await
            .unwrap();
    }
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
