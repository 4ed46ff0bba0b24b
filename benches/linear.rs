//! Costs against the size of the input, to show them linear (issue 19): one group per subject.
//!
//! - `check_fact_keys/{keys}`: `Engine::check` of the control policy (`tests/data/minimal.toml`)
//!   with one rule on `email.setup` testing 5, 10, 20 or 30 facts together. Before issue 19
//!   the circumstances grew as 2^keys; now the rule makes two classes whatever its size.
//! - `check_fact_rules/{rules}`: `Engine::check` of the control policy with 10 to 80 rules on
//!   `email.setup`, each testing its own fact and skipping the ladder: 2^rules combinations,
//!   rules + 1 classes (an earlier rule that holds decides the effect of the later ones).
//! - `table_fact_values/{values}`: `Engine::decision_table` of the control policy without its
//!   rule, plus one rule testing one fact for 1,000 to 8,000 values: the table lists every value
//!   (its rows grow linearly), built in time linear in its rows.
//! - `table_topics/{topics}`: `Engine::decision_table` of a policy of 1,000 to 8,000 plain
//!   topics (one system, one role) — linear in the topics.
//! - `check_topics/{topics}`: `Engine::check` of the same policies.
//!
//! Run briefly: `cargo bench --bench linear -- --warm-up-time 1 --measurement-time 3`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use unified_message::Engine;

#[path = "../tests/support/space.rs"]
mod policies;

use policies::{MINIMAL, no_rules};

/// The control policy plus one rule testing `keys` facts together.
fn wide_rule(keys: usize) -> Engine {
    Engine::from_toml_str(&format!(
        "{MINIMAL}\n{}",
        policies::wide_rule(keys, "general-answer")
    ))
    .unwrap()
}

/// The control policy plus `rules` rules, each testing its own fact.
fn independent_rules(rules: usize) -> Engine {
    let mut s = String::from(MINIMAL);
    for k in 0..rules {
        writeln!(
            s,
            "[[rules]]\nid = \"r{k}\"\nwhen = {{ topic = \"email.setup\", facts = {{ k{k} = \"v\" }} }}\nthen = {{ skip_ladder = true }}"
        )
        .unwrap();
    }
    Engine::from_toml_str(&s).unwrap()
}

/// The control policy without its rule, plus one rule testing one fact for `values` values.
fn many_values(values: usize) -> Engine {
    Engine::from_toml_str(&format!(
        "{}\n{}",
        no_rules(),
        policies::many_values(values)
    ))
    .unwrap()
}

/// A policy of `topics` plain topics, one system and one role.
fn many_topics(topics: usize) -> Engine {
    Engine::from_toml_str(&policies::many_topics(topics)).unwrap()
}

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check_fact_keys");
    for keys in [5, 10, 20, 30] {
        let engine = wide_rule(keys);
        group.throughput(Throughput::Elements(keys as u64));
        group.bench_with_input(BenchmarkId::from_parameter(keys), &engine, |b, e| {
            b.iter(|| black_box(e.check()));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("check_fact_rules");
    for rules in [10, 20, 40, 80] {
        let engine = independent_rules(rules);
        group.throughput(Throughput::Elements(rules as u64));
        group.bench_with_input(BenchmarkId::from_parameter(rules), &engine, |b, e| {
            b.iter(|| black_box(e.check()));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("check_topics");
    group.sample_size(10);
    for topics in [1_000, 2_000, 4_000, 8_000] {
        let engine = many_topics(topics);
        group.throughput(Throughput::Elements(topics as u64));
        group.bench_with_input(BenchmarkId::from_parameter(topics), &engine, |b, e| {
            b.iter(|| black_box(e.check()));
        });
    }
    group.finish();
}

fn table(c: &mut Criterion) {
    let mut group = c.benchmark_group("table_fact_values");
    group.sample_size(10);
    for values in [1_000, 2_000, 4_000, 8_000] {
        let engine = many_values(values);
        group.throughput(Throughput::Elements(values as u64));
        group.bench_with_input(BenchmarkId::from_parameter(values), &engine, |b, e| {
            b.iter(|| black_box(e.decision_table()));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("table_topics");
    group.sample_size(10);
    for topics in [1_000, 2_000, 4_000, 8_000] {
        let engine = many_topics(topics);
        group.throughput(Throughput::Elements(topics as u64));
        group.bench_with_input(BenchmarkId::from_parameter(topics), &engine, |b, e| {
            b.iter(|| black_box(e.decision_table()));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = check, table
}
criterion_main!(benches);
