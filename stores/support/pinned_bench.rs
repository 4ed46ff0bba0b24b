//! The pinned-decision benchmarks shared by the store crates (issue 13 point 8), included by
//! each crate's `benches/pinned.rs` with `#[path = "../../support/pinned_bench.rs"]`: the same
//! workload through every store.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use tokio::runtime::Runtime;
use unified_message::pins::Timestamp;
use unified_message::testing::pin_store::{self, Backend};
use unified_message::{AsyncPinStore, Channel, Contact, Engine, Responder};

/// Criterion's settings for the store benchmarks: short, as every sample crosses loopback.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

fn engine() -> Arc<Engine> {
    Arc::new(Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap())
}

fn contact(customer: &str) -> Contact {
    Contact::new(customer, Channel::Chat)
        .with_topic("email.setup")
        .with_locale("en")
}

/// The runtime the benchmarks run on: two worker threads, as the machine has two cores.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Benchmarks pinned decisions through `store` (named `name` in the groups): a held pin, a
/// first contact, and throughput with 1 / 8 / 32 concurrent tasks.
pub fn bench_store<S>(c: &mut Criterion, rt: &Runtime, name: &str, store: &S)
where
    S: AsyncPinStore + Clone + Send + Sync + 'static,
{
    let engine = engine();
    let bot = Responder::system("self-diagnosis");
    let now = Timestamp::from_unix_seconds(0);
    let held = contact("bench-held");
    rt.block_on(engine.decide_pinned_async(&held, &bot, store, now))
        .unwrap();
    let next = AtomicU64::new(0);

    let mut group = c.benchmark_group(format!("{name}/pinned"));
    group.bench_function("held_pin", |b| {
        b.to_async(rt).iter(|| async {
            engine
                .decide_pinned_async(&held, &bot, store, now)
                .await
                .unwrap()
        });
    });
    group.bench_function("first_contact", |b| {
        b.to_async(rt).iter(|| async {
            let customer = format!("bench-first-{}", next.fetch_add(1, Ordering::Relaxed));
            engine
                .decide_pinned_async(&contact(&customer), &bot, store, now)
                .await
                .unwrap()
        });
    });
    group.finish();

    // Throughput: `tasks` concurrent tokio tasks, each a pinned decision (half held pins,
    // half first contacts).
    let mut group = c.benchmark_group(format!("{name}/throughput"));
    for tasks in [1u64, 8, 32] {
        group.throughput(Throughput::Elements(tasks));
        group.bench_with_input(BenchmarkId::from_parameter(tasks), &tasks, |b, &tasks| {
            b.to_async(rt).iter(|| {
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
}

/// [`bench_store`] on a store of `backend` in a fresh namespace, removed afterwards; without a
/// server it says `SKIPPED` and measures nothing.
pub fn bench_backend<B>(c: &mut Criterion, name: &str, backend: &B)
where
    B: Backend,
    B::Store: Clone + Send + Sync + 'static,
{
    let rt = runtime();
    let namespace = pin_store::fresh_name(&format!("bench_{name}"));
    let connected = rt.block_on(pin_store::connect_or_skip(backend, name, &namespace));
    let Some(store) = connected.unwrap() else {
        return;
    };
    bench_store(c, &rt, name, &store);
    rt.block_on(backend.clear(&store, &namespace)).unwrap();
}
