//! Issue 18, point 3: progress on long work, as the command-line tool shows it — a bar on
//! standard error only when it is a terminal (the binary's `Console::detect`), nothing in
//! pipes. The library's callbacks are tested in the library's `tests/progress.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// The generator of large realistic policies of the library's tests.
#[path = "../../tests/support/generate.rs"]
mod generate;

use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_unified-message");

/// A generated policy as the TOML file `name` (large enough to take a while in a debug
/// build, small enough for the test suite).
fn large_policy(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("progress-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let text = toml::to_string(&generate::policy(20)).unwrap();
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
