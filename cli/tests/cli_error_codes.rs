//! Issue 25 point 7 in the command-line tool: under `--format json`, a failure printed on
//! stdout carries a machine-readable `code`, named as the service names it
//! (`policy_invalid`), or `invalid_input` for a file that cannot be read or used.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

#[path = "support/cli.rs"]
mod cli_support;

use cli_support::{BIN, code, example, stdout};

#[test]
fn issue25_7_cli_json_failures_carry_a_code() {
    let broken = cli_support::scratch_in(
        "cli-error-codes",
        "broken.toml",
        "[policy]\nname = \"x\"\nrevision = \"1\"\n[topics.a]\nowner = \"nobody\"\n",
    );
    let o = Command::new(BIN)
        .args([
            "diff",
            broken.to_str().unwrap(),
            &example(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["code"], "policy_invalid", "{json}");
    assert!(!json["diagnostics"].as_array().unwrap().is_empty());

    let o = Command::new(BIN)
        .args(["check", "/nonexistent/policy.toml", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["code"], "invalid_input", "{json}");
    assert!(
        json["error"].as_str().unwrap().contains("cannot read"),
        "{json}"
    );
}
