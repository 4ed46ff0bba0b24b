//! Triage, pinned decisions, `check` and `screen` on generated policies.
//!
//! - `triage_1000/{bytes}`: `Engine::triage` of a customer text of 64 B and 0.5, 1, 2 and
//!   4 KB against the 1,000-topic policy (target: 2 KB ≤ 50 µs; linear in length).
//! - `triage_10000/2048`: the same 2 KB against the 10,000-topic policy (40,000 keywords).
//! - `decide_via_triage/{short,2048}`: `decide` on a contact with text and no topic, which
//!   triages then decides (1,000-topic policy).
//! - `decide_pinned/{new,same}`: `decide_pinned` with `MemoryPinStore`, for a customer seen
//!   for the first time and for one who already holds the pin (1,000-topic policy).
//! - `check/1000`: `Engine::check` of the 1,000-topic policy (target ≤ 10 s).
//! - `screen/2048`: `Engine::screen` of a 2 KB draft.

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

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use unified_message::pins::Timestamp;
use unified_message::{Channel, Contact, Engine, MemoryPinStore, Responder};

fn engine_1000() -> Engine {
    Engine::compile(&generate::policy(1_000)).unwrap()
}

fn triage(c: &mut Criterion) {
    let engine = engine_1000();
    let mut group = c.benchmark_group("triage_1000");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for bytes in [64, 512, 1024, 2048, 4096] {
        let text = generate::customer_text(417, bytes, "es", 3);
        assert_eq!(
            engine.triage(&text, "es").topic,
            generate::topic_id(417, 1_000)
        );
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(bytes), &text, |b, text| {
            b.iter(|| engine.triage(black_box(text), "es"));
        });
    }
    group.finish();

    let big = Engine::compile(&generate::policy(10_000)).unwrap();
    let mut group = c.benchmark_group("triage_10000");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    let text = generate::customer_text(4_170, 2048, "es", 3);
    assert_eq!(
        big.triage(&text, "es").topic,
        generate::topic_id(4_170, 10_000)
    );
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_with_input(BenchmarkId::from_parameter(2048), &text, |b, text| {
        b.iter(|| big.triage(black_box(text), "es"));
    });
    group.finish();

    let mut group = c.benchmark_group("decide_via_triage");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    let bot = Responder::system("chatbot");
    for (name, bytes) in [("short", 64), ("2048", 2048)] {
        let contact = Contact::new("c-1", Channel::Chat)
            .with_locale("es")
            .with_text(generate::customer_text(417, bytes, "es", 3));
        assert_eq!(
            engine.decide(&contact, &bot).topic(),
            generate::topic_id(417, 1_000)
        );
        group.bench_function(name, |b| {
            b.iter(|| black_box(engine.decide(black_box(&contact), &bot)));
        });
    }
    group.finish();
}

fn pinned(c: &mut Criterion) {
    let engine = engine_1000();
    let work = generate::workload(&engine, 1_024, 6);
    let mut group = c.benchmark_group("decide_pinned");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    // A customer who already holds the pin: the common case, a read of the store.
    let store = MemoryPinStore::new();
    for (contact, responder) in &work {
        let _ = engine.decide_pinned(contact, responder, &store, Timestamp::from_unix_seconds(1));
    }
    group.bench_function("same", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % work.len();
            let (contact, responder) = &work[i];
            black_box(
                engine
                    .decide_pinned(contact, responder, &store, Timestamp::from_unix_seconds(2))
                    .unwrap(),
            )
        });
    });
    // First contacts: every decision inserts a pin (a fresh store per 1,024 decisions).
    group.bench_function("new", |b| {
        b.iter_batched_ref(
            MemoryPinStore::new,
            |store| {
                for (contact, responder) in &work {
                    black_box(
                        engine
                            .decide_pinned(
                                contact,
                                responder,
                                &*store,
                                Timestamp::from_unix_seconds(1),
                            )
                            .unwrap(),
                    );
                }
            },
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();
}

fn check_and_screen(c: &mut Criterion) {
    let engine = engine_1000();
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(100));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("1000", |b| b.iter(|| black_box(engine.check())));
    group.finish();

    let mut group = c.benchmark_group("screen");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    let draft = generate::draft(2048, true);
    assert!(!engine.screen(&draft, "es").is_empty());
    group.bench_function("2048", |b| {
        b.iter(|| black_box(engine.screen(black_box(&draft), "es")))
    });
    group.finish();
}

criterion_group!(benches, triage, pinned, check_and_screen);
criterion_main!(benches);
