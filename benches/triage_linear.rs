//! Issue 19, item 7: triage cost against the text's size — linear, whatever the number of
//! keywords and whatever the text. Ordinary text and text made of keyword fragments (the
//! policy's words and their prefixes, where every anchor occurs and few keywords match: it
//! took 16 s for 10 MB before), from 1 KB to 1 MB, on the example policy and on a generated
//! policy of 4,000 keywords per locale. Read the figures as ratios between sizes: time per
//! byte stays flat. The engines read up to 2 MiB (`max_triage_bytes`), so 1 MB is triaged
//! whole. `tests/hostile/triage.rs` holds the same property by counting the work.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use unified_message::Engine;
use unified_message::triage::fold_text;

#[path = "../tests/support/generate.rs"]
mod generate;

const SIZES: [usize; 4] = [1_000, 16_000, 128_000, 1_000_000];

/// The words of the example policy's keywords and the generated policy's product words, and
/// each without its last character.
fn fragments() -> Vec<String> {
    let mut words: Vec<String> = unified_message::EXAMPLE_POLICY
        .lines()
        .filter(|l| l.trim_start().starts_with('\''))
        .flat_map(|l| {
            fold_text(l)
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .filter(|w| w.len() > 1)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    words.extend((0..2_000).map(generate::word));
    words.sort();
    words.dedup();
    let cut: Vec<String> = words
        .iter()
        .filter_map(|w| w.get(..w.len() - 1).map(str::to_owned))
        .collect();
    words.extend(cut);
    words
}

/// About `bytes` bytes of `words` picked by a fixed sequence, joined by spaces.
fn fragment_text(words: &[String], bytes: usize) -> String {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut out = String::with_capacity(bytes + 64);
    while out.len() < bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push_str(&words[(state % words.len() as u64) as usize]);
        out.push(' ');
    }
    out
}

fn triage_linear(c: &mut Criterion) {
    let example = Engine::builder()
        .max_triage_bytes(2 << 20)
        .from_toml_str(unified_message::EXAMPLE_POLICY)
        .expect("the example policy compiles");
    // 2,000 topics, two keywords each in `es` and `en`.
    let generated = Engine::builder()
        .max_triage_bytes(2 << 20)
        .compile(&generate::policy(2_000))
        .expect("the generated policy compiles");
    let words = fragments();
    for (policy, engine, topic) in [
        ("example", &example, 1),
        ("4000 keywords", &generated, 1_234),
    ] {
        for kind in ["ordinary", "fragments"] {
            let mut group = c.benchmark_group(format!("triage_linear/{policy}/{kind}"));
            group.sample_size(10);
            for bytes in SIZES {
                let text = match kind {
                    "ordinary" => generate::customer_text(topic, bytes, "es", 7),
                    _ => fragment_text(&words, bytes),
                };
                group.throughput(Throughput::Bytes(text.len() as u64));
                group.bench_with_input(BenchmarkId::from_parameter(bytes), &text, |b, text| {
                    b.iter(|| engine.triage(black_box(text), "es"))
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, triage_linear);
criterion_main!(benches);
