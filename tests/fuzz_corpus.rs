//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the same target
//! bodies as `cargo fuzz` (`fuzz/src/lib.rs`), so CI, which does not run the fuzzer,
//! exercises every input the fuzzer kept — including the ones that once crashed (issue 7.3).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../fuzz/src/lib.rs"]
mod bodies;

use std::path::Path;

/// Runs `body` on every file of `fuzz/corpus/<target>/` and returns how many there were.
fn replay(target: &str, body: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target);
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    for path in entries {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{target}: {} fails", path.display());
        n += 1;
    }
    assert!(n > 0, "no corpus for {target}");
    n
}

#[test]
fn r0_fuzz_corpus_policy_toml_replays() {
    replay("policy_toml", bodies::policy_toml);
}

#[test]
fn r0_fuzz_corpus_policy_json_replays() {
    replay("policy_json", bodies::policy_json);
}

#[test]
fn r0_fuzz_corpus_decide_contact_replays() {
    replay("decide_contact", bodies::decide_contact);
}

#[test]
fn r2_fuzz_corpus_render_values_replays() {
    replay("render_values", bodies::render_values);
}

/// The hand-written seeds are valid policies, so the fuzzer starts from compiled engines.
#[test]
fn r0_fuzz_seeds_compile() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus");
    let toml = std::fs::read(dir.join("policy_toml").join("seed-minimal.toml")).unwrap();
    unified_message::Engine::from_toml_slice(&toml).unwrap();
    let json = std::fs::read(dir.join("policy_json").join("seed-minimal.json")).unwrap();
    unified_message::Engine::from_json_slice(&json).unwrap();
}

#[test]
fn r2_3_fuzz_corpus_screen_text_replays() {
    replay("screen_text", bodies::screen_text);
}

#[test]
fn r0_3_fuzz_corpus_pins_sequence_replays() {
    replay("pins_sequence", bodies::pins_sequence);
}

#[test]
fn r1_4_fuzz_corpus_triage_text_replays() {
    replay("triage_text", bodies::triage_text);
}
