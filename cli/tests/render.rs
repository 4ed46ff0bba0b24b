//! Issue 18: diagnostics drawn with their source by the command-line tool — plain in pipes,
//! coloured where `CLICOLOR_FORCE` asks, never where `NO_COLOR` forbids; `--format json`
//! unchanged. How a diagnostic is drawn is tested in the library's `tests/render.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

/// The repository's root (the library's folder).
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_unified-message");

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Piped: plain, with the source line and the underline, for `check` (stdout) and for a
/// command whose policy does not compile (stderr).
#[test]
fn issue18_cli_plain_in_pipes() {
    let bad = format!("{ROOT}/tests/data/bad/unknown-system.toml");
    let o = run(&["check", &bad], &[]);
    let out = text(&o.stdout);
    assert!(!out.contains('\x1b'), "{out}");
    assert!(
        out.contains(
            "32 | explains = { system = \"self-diagnosys\", message = \"email-guide\" }\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("   = hint: define it under `[systems]`\n"),
        "{out}"
    );

    let o = run(&["table", &bad], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(!err.contains('\x1b'), "{err}");
    assert!(
        err.contains("^^^^^^^^^^^^^^^^^^^^^^^^^ topics.\"email.setup\".explains.system"),
        "{err}"
    );
}

/// `CLICOLOR_FORCE` colours where there is no terminal; `NO_COLOR` wins over everything.
#[test]
fn issue18_cli_colour_forced_and_no_color_honoured() {
    let bad = format!("{ROOT}/tests/data/bad/unknown-system.toml");
    let o = run(&["check", &bad], &[("CLICOLOR_FORCE", "1")]);
    assert!(text(&o.stdout).contains("\x1b["), "{}", text(&o.stdout));
    let o = run(&["table", &bad], &[("CLICOLOR_FORCE", "1")]);
    assert!(text(&o.stderr).contains("\x1b["), "{}", text(&o.stderr));

    let o = run(
        &["check", &bad],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!text(&o.stdout).contains('\x1b'), "{}", text(&o.stdout));
    let o = run(
        &["table", &bad],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!text(&o.stderr).contains('\x1b'), "{}", text(&o.stderr));
}

/// `--format json` is what it was: no source, no colour.
#[test]
fn issue18_cli_json_has_no_rendering() {
    let bad = format!("{ROOT}/tests/data/bad/unknown-system.toml");
    let o = run(
        &["check", &bad, "--format", "json"],
        &[("CLICOLOR_FORCE", "1")],
    );
    let out = text(&o.stdout);
    assert!(!out.contains('\x1b') && !out.contains(" | "), "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["diagnostics"][0]["code"], "unknown-system");
}
