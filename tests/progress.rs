//! Issue 18, point 3: progress on long work. The library reports how far `check`, the
//! decision table and `diff` have got through a callback, with counts that only grow; the
//! command-line tool draws a bar on standard error only when it is a terminal.
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

#[cfg(feature = "cli")]
mod cli {
    use std::path::PathBuf;
    use std::process::{Command, Stdio};

    const BIN: &str = env!("CARGO_BIN_EXE_unified-message");

    /// A generated policy as the TOML file `name` (large enough to take a while in a debug
    /// build, small enough for the test suite).
    fn large_policy(name: &str) -> PathBuf {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("progress-tests");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let text = toml::to_string(&super::generate::policy(20)).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Piped (as in CI): no progress at all on standard error.
    #[test]
    fn issue18_no_progress_in_pipes() {
        let policy = large_policy("piped.toml");
        let policy = policy.to_str().unwrap();
        for args in [
            vec!["check", policy],
            vec!["table", policy],
            vec!["diff", policy, policy],
        ] {
            let o = Command::new(BIN)
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output()
                .unwrap();
            assert!(o.status.code().is_some_and(|c| c < 2), "{args:?}: {o:?}");
            assert_eq!(
                String::from_utf8_lossy(&o.stderr),
                "",
                "{args:?}: progress or anything else on a piped standard error"
            );
        }
    }

    /// On a terminal (a pseudo-terminal made by util-linux `script`, where it exists): a bar
    /// of topics, then cleared.
    #[test]
    fn issue18_progress_on_a_terminal() {
        let Ok(status) = Command::new("script").arg("--version").output() else {
            eprintln!("`script` is not installed: the terminal case is not exercised");
            return;
        };
        if !status.status.success() {
            eprintln!("`script` does not run here: the terminal case is not exercised");
            return;
        }
        let policy = large_policy("terminal.toml");
        let command = format!("{BIN} table {} > /dev/null", policy.display());
        let o = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_remove("NO_COLOR")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let terminal = String::from_utf8_lossy(&o.stdout);
        assert!(
            terminal.contains("deciding") && terminal.contains(" topics"),
            "no progress bar on the terminal: {terminal:?}"
        );
    }
}
