//! Triage, urgency and queues (R1.4): the cost of placing a message, and how it grows with the
//! message's length (linear: the keyword set scans the text once).
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use unified_message::queue::{Queue, QueuedCase};
use unified_message::{Channel, Contact, Engine};

fn engine() -> Engine {
    Engine::from_toml_str(unified_message::EXAMPLE_POLICY).expect("the example policy compiles")
}

fn triage(c: &mut Criterion) {
    let engine = engine();
    c.bench_function("triage/short es", |b| {
        b.iter(|| engine.triage(black_box("No puedo configurar el correo en Outlook"), "es"))
    });
    c.bench_function("triage/no match en", |b| {
        b.iter(|| engine.triage(black_box("hello, good morning, anyone there?"), "en"))
    });
    let mut group = c.benchmark_group("triage/length");
    let sentence = "Buenas tardes, la página no carga y además quería saber el precio del plan. ";
    for repeat in [1usize, 10, 100, 1000] {
        let text = sentence.repeat(repeat);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(text.len()), &text, |b, text| {
            b.iter(|| engine.triage(black_box(text), "es"))
        });
    }
    group.finish();
}

fn urgency_and_queue(c: &mut Criterion) {
    let engine = engine();
    let contact = Contact::new("c", Channel::Phone)
        .with_topic("hosting.backup")
        .with_fact("plan", "premium")
        .with_fact("recent_contacts", "3");
    c.bench_function("urgency", |b| {
        b.iter(|| engine.urgency(black_box(&contact)))
    });
    c.bench_function("queue/push+pop 1000", |b| {
        b.iter(|| {
            let mut q = Queue::new();
            for i in 0..1000u64 {
                q.push(QueuedCase::new(
                    format!("case-{i}"),
                    "t",
                    (i % 17) as f64,
                    i,
                ));
            }
            while let Some(case) = q.pop() {
                black_box(case);
            }
        })
    });
    c.bench_function("compile example policy", |b| b.iter(self::engine));
}

criterion_group!(benches, triage, urgency_and_queue);
criterion_main!(benches);
