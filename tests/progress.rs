//! Issue 18, point 3: progress on long work. The library reports how far `check`, the
//! decision table and `diff` have got through a callback, with counts that only grow; the
//! command-line tool draws a bar on standard error only when it is a terminal
//! (`cli/tests/progress.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/generate.rs"]
mod generate;

use unified_message::Engine;
use unified_message::progress::WorkProgress;

const TOPICS: usize = 60;

fn engine() -> Engine {
    Engine::compile(&generate::policy(TOPICS)).unwrap()
}

/// The counts a callback saw: from 0 to the number of topics, each larger than the last.
fn assert_counts(what: &str, seen: &[WorkProgress], topics: u64) {
    assert!(!seen.is_empty(), "{what}: no progress reported");
    assert_eq!(seen[0].done, 0, "{what}: {seen:?}");
    assert_eq!(seen.last().unwrap().done, topics, "{what}: {seen:?}");
    assert!(seen.iter().all(|p| p.total == topics), "{what}: {seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0].done < w[1].done),
        "{what}: counts must increase: {seen:?}"
    );
    // One report per topic, and one at the end.
    assert_eq!(seen.len() as u64, topics + 1, "{what}: {seen:?}");
}

#[test]
fn issue18_check_reports_increasing_progress() {
    let engine = engine();
    let topics = engine.topics().count() as u64;
    let mut seen = Vec::new();
    let report = engine.check_with(&mut |p| seen.push(p));
    assert_counts("check", &seen, topics);
    assert_eq!(report, engine.check());
}

#[test]
fn issue18_decision_table_reports_increasing_progress() {
    let engine = engine();
    let topics = engine.topics().count() as u64;
    let mut seen = Vec::new();
    let table = engine.decision_table_with(&mut |p| seen.push(p));
    assert_counts("decision table", &seen, topics);
    assert_eq!(table, engine.decision_table());
}

#[test]
fn issue18_diff_reports_increasing_progress() {
    let old = engine();
    let new = engine();
    let topics = old.topics().count() as u64;
    let mut seen = Vec::new();
    let changes = unified_message::diff::diff_with(&old, &new, &mut |p| seen.push(p));
    assert_counts("diff", &seen, topics);
    assert_eq!(changes, unified_message::diff::diff(&old, &new));
}
