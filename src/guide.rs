//! The guide: every chapter of `docs/` (Markdown, readable on GitHub), included here so that
//! rustdoc shows it beside the API and `cargo test --doc` compiles every Rust sample in it.
//!
//! Start with the [crate's front page](crate) (the README): what the crate is, who it is for,
//! the two commands and embedding in ten lines. Then, by subject:
//!
//! - [`format`](mod@format): the policy format reference, and editor support (JSON Schema).
//! - [`decisions`]: embedding, the outcomes, how a decision is made.
//! - [`checking`]: `check`, `diff`, and checking a policy repository in CI.
//! - [`ci`]: the report formats CI systems show (GitHub, SARIF, GitLab, JUnit) and workflows.
//! - [`pins`]: keeping customers' messages consistent — pins and the host's store.
//! - `docs/stores.md`: the pin stores of the workspace (SQLite, PostgreSQL, Redis), async
//!   pinned decisions and the conformance kit. Its Rust samples use the store crates, so they
//!   are compiled as doctests of `unified-message-postgres`, which includes the chapter.
//! - [`triage`]: placing a customer's own words on a topic.
//! - [`urgency`]: the urgency score and the queues per department.
//! - [`scenarios`]: a policy repository's own test cases.
//! - [`table_and_manual`]: the decision table and the service manual.
//! - [`cli`]: the command-line tool.
//! - [`reliability`]: how the crate is tested: differential, properties, fuzzing, hostile input.
//! - [`performance`]: the measured figures and how to reproduce them.

#[doc = "[guide-cli]: crate::guide::cli"]
#[doc = include_str!("../docs/format.md")]
pub mod format {}

#[doc = include_str!("../docs/decisions.md")]
pub mod decisions {}

#[doc = "[guide-ci]: crate::guide::ci"]
#[doc = include_str!("../docs/checking.md")]
pub mod checking {}

#[doc = include_str!("../docs/ci.md")]
pub mod ci {}

#[doc = include_str!("../docs/pins.md")]
pub mod pins {}

#[doc = include_str!("../docs/triage.md")]
pub mod triage {}

#[doc = include_str!("../docs/urgency.md")]
pub mod urgency {}

#[doc = include_str!("../docs/scenarios.md")]
pub mod scenarios {}

#[doc = include_str!("../docs/table-and-manual.md")]
pub mod table_and_manual {}

#[doc = include_str!("../docs/cli.md")]
pub mod cli {}

#[doc = include_str!("../docs/reliability.md")]
pub mod reliability {}

#[doc = include_str!("../docs/performance.md")]
pub mod performance {}
