//! Pinned decisions through the Redis store on loopback (issue 13 point 8): a held pin, a
//! first contact, and throughput with 1 / 8 / 32 concurrent tasks. Without a server it says
//! `SKIPPED` and measures nothing.
//!
//! `cargo bench -p unified-message-redis --bench pinned`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use unified_message::{Channel, Contact, Engine, Responder, Timestamp};
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

fn engine() -> Arc<Engine> {
    Arc::new(Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap())
}

fn contact(customer: &str) -> Contact {
    Contact::new(customer, Channel::Chat)
        .with_topic("email.setup")
        .with_locale("en")
}

fn pinned(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(store) = rt.block_on(open()) else {
        return;
    };
    let engine = engine();
    let bot = Responder::system("self-diagnosis");
    let now = Timestamp::from_unix_seconds(0);
    let held = contact("bench-held");
    rt.block_on(engine.decide_pinned_async(&held, &bot, &store, now))
        .unwrap();
    let next = AtomicU64::new(0);

    let mut group = c.benchmark_group(format!("{STORE}/pinned"));
    group.bench_function("held_pin", |b| {
        b.to_async(&rt).iter(|| async {
            engine
                .decide_pinned_async(&held, &bot, &store, now)
                .await
                .unwrap()
        });
    });
    group.bench_function("first_contact", |b| {
        b.to_async(&rt).iter(|| async {
            let customer = format!("bench-first-{}", next.fetch_add(1, Ordering::Relaxed));
            engine
                .decide_pinned_async(&contact(&customer), &bot, &store, now)
                .await
                .unwrap()
        });
    });
    group.finish();

    // Throughput: `tasks` concurrent tokio tasks, each a pinned decision (half held pins,
    // half first contacts).
    let mut group = c.benchmark_group(format!("{STORE}/throughput"));
    for tasks in [1u64, 8, 32] {
        group.throughput(Throughput::Elements(tasks));
        group.bench_with_input(BenchmarkId::from_parameter(tasks), &tasks, |b, &tasks| {
            b.to_async(&rt).iter(|| {
                let handles: Vec<_> = (0..tasks)
                    .map(|i| {
                        let (engine, store, bot) =
                            (Arc::clone(&engine), store.clone(), bot.clone());
                        let customer = if i % 2 == 0 {
                            "bench-held".to_owned()
                        } else {
                            format!("bench-tp-{}", next.fetch_add(1, Ordering::Relaxed))
                        };
                        tokio::spawn(async move {
                            engine
                                .decide_pinned_async(&contact(&customer), &bot, &store, now)
                                .await
                                .map(|d| d.status())
                                .unwrap()
                        })
                    })
                    .collect();
                async move {
                    for h in handles {
                        h.await.unwrap();
                    }
                }
            });
        });
    }
    group.finish();
    rt.block_on(cleanup(&store));
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = pinned
}
criterion_main!(benches);
