//! Running the `unified-message` binary in tests, shared by `cli/tests/cli.rs`,
//! `cli/tests/reports.rs`, `cli/tests/stream.rs` and the others of `cli/tests/`, included with
//! `#[path = "support/cli.rs"] mod cli_support;`.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_unified-message");
/// The repository's root (the library's folder), where the example policies and the test
/// data are.
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The example policy's path.
pub fn example() -> String {
    format!("{ROOT}/examples/policies/acme-hosting.toml")
}

/// The example policy's scenario file.
pub fn example_scenarios() -> String {
    format!("{ROOT}/examples/policies/acme-hosting.scenarios.toml")
}

/// A file of `tests/data/`.
pub fn data(name: &str) -> String {
    format!("{ROOT}/tests/data/{name}")
}

/// A file written in the scratch directory `dir` of the tests' temporary folder.
pub fn scratch_in(dir: &str, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// The exit code, or -1 when a signal ended the process.
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Standard output, which must be UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Standard error (lossy: a test may feed the tool bytes that are not UTF-8).
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
