//! Memory of compiled policies, counted by `dhat`'s allocator (not a timing benchmark):
//! the heap bytes that stay allocated once each generated policy is compiled, per topic,
//! with and without triage keywords. Target: ≤ 4 KB per topic for 10,000 topics.
//!
//! `cargo bench --bench memory` prints one line per policy and whether the target is met,
//! then what triage adds once every keyword has been run: a keyword's NFA is built the first
//! time one of its anchors occurs in a text (`memory/warmed`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/generate.rs"]
mod generate;

use unified_message::Engine;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// The bytes that stay allocated by compiling `doc`, and the peak while compiling.
fn retained(doc: &unified_message::document::PolicyDocument) -> (usize, usize) {
    let before = dhat::HeapStats::get();
    let engine = Engine::compile(doc).unwrap();
    let after = dhat::HeapStats::get();
    let bytes = after.curr_bytes - before.curr_bytes;
    drop(engine);
    (bytes, after.max_bytes - before.curr_bytes)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list`: nothing to list but this binary
    }
    let _profiler = dhat::Profiler::builder().testing().build();
    println!("memory/compiled: heap bytes retained by the engine after compiling");
    for n in generate::SIZES {
        let doc = generate::policy(n);
        let (bytes, peak) = retained(&doc);
        let mut bare = doc.clone();
        for (_, t) in &mut bare.topics.0 {
            t.keywords = Default::default();
        }
        let (bare_bytes, _) = retained(&bare);
        println!(
            "memory/compiled/{n:<6} {bytes:>11} B  {:>6} B/topic  (without keywords {:>6} B/topic; peak while compiling {} B)",
            bytes / n,
            bare_bytes / n,
            peak
        );
        if n == 10_000 {
            let verdict = if bytes / n <= 4096 { "met" } else { "MISSED" };
            println!("memory/compiled/10000: target ≤ 4096 B/topic {verdict}");
        }
    }
    // Every keyword of the 10,000-topic policy run at least once: a text about each topic in
    // each locale (its phrase matches both of the topic's keywords).
    let n = 10_000;
    let engine = Engine::compile(&generate::policy(n)).unwrap();
    let before = dhat::HeapStats::get().curr_bytes;
    for topic in 1..n {
        for locale in generate::LOCALES {
            let text = generate::customer_text(topic, 64, locale, 7);
            std::hint::black_box(engine.triage(&text, locale));
        }
    }
    let grown = dhat::HeapStats::get().curr_bytes - before;
    println!(
        "memory/warmed/{n:<7} {grown:>11} B  {:>6} B/topic more once every keyword has been run",
        grown / n
    );
}
