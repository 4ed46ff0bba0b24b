//! Issue 12, point 3: diagnostic codes are one enum — every code string written in the
//! library's source, docs and tests is a `Code`, and `ci::code_help` is `Code::help`.
//!
//! (The reports that CI systems show, as the command-line tool prints them, are tested in
//! `cli/tests/reports.rs`.)
#![cfg(feature = "reports")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use unified_message::ci;

/// Issue 12, point 3 (diagnostic codes are one enum): every code string still written in the
/// library's source, its docs and its tests — `has_code("…")`, `with_code("…")`,
/// `code_help("…")`, `d.code == "…"`, `assert_eq!(d.code, "…")`, `error[…]`, `"code": "…"` —
/// names a `Code`, so no comparison silently tests for a code that does not exist. That every
/// `Code` has its help is checked by the compiler: `Code::help` matches every variant.
#[test]
fn every_code_string_in_src_docs_and_tests_is_a_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut unknown = Vec::new();
    let mut seen = 0;
    let mut stack = vec![
        root.join("src"),
        root.join("docs"),
        root.join("tests"),
        root.join("cli"),
    ];
    let mut files = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let places = [
        ("has_code(\"", '"'),
        ("with_code(\"", '"'),
        ("code_help(\"", '"'),
        ("code == \"", '"'),
        (".code, \"", '"'),
        ("error[", ']'),
        ("warning[", ']'),
        ("\"code\": \"", '"'),
        ("\"code\":\"", '"'),
    ];
    for path in files {
        // Data files that are not text (a fuzz corpus) have no codes to check.
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (before, end) in places {
            for (at, _) in source.match_indices(before) {
                let code: String = source[at + before.len()..]
                    .chars()
                    .take_while(|&c| c != end)
                    .collect();
                let kebab = code.contains('-')
                    && code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                // `code_help("no-such-code")` shows what an unknown code gives.
                if !kebab || code == "no-such-code" {
                    continue;
                }
                seen += 1;
                if code.parse::<unified_message::Code>().is_err() {
                    unknown.push(format!("{code} ({})", path.display()));
                }
            }
        }
    }
    assert!(
        seen > 100,
        "only {seen} code strings found: the scan is broken"
    );
    assert!(unknown.is_empty(), "not a `Code`: {unknown:?}");
}

/// Issue 12, point 3: `ci::code_help` is `Code::help` for every code, and `None` for a
/// string that is no code.
#[test]
fn code_help_is_the_help_of_every_code() {
    for &code in unified_message::Code::ALL {
        assert!(!code.help().is_empty(), "{code}");
        assert_eq!(ci::code_help(code.as_str()), Some(code.help()), "{code}");
    }
    assert!(unified_message::Code::ALL.len() > 80);
    assert_eq!(ci::code_help("no-such-code"), None);
}
