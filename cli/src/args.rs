//! The commands' arguments with their help texts (clap derive): what `--help` shows.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use unified_message::DecideStream;

/// The first line of `--help`.
const ABOUT: &str = "One voice for every channel: a pure rule engine that tells support apps, chatbots and staff the canonical answer or redirect for a customer's circumstance";

/// The default of `--max-input-bytes`: 64 MiB.
const DEFAULT_MAX_INPUT_BYTES: u64 = 64 << 20;

/// One voice for every channel: check, test and run a unified-message policy.
// `--help` shows `ABOUT`, the library's description, as it did when the tool was the library's
// binary (a doc comment of more than one paragraph would become the long help).
#[derive(Debug, Parser)]
#[command(name = "unified-message", version, about = ABOUT)]
pub(crate) struct Cli {
    /// The largest file read (a policy or a scenario file), in bytes; a larger file, a device
    /// or a pipe that goes on past it is an error.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = DEFAULT_MAX_INPUT_BYTES)]
    pub max_input_bytes: u64,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check a policy: compile errors, invariants and style. Exit 1 on any error.
    Check {
        /// The policy file (.toml, .json, .yaml or .yml).
        policy: PathBuf,
        #[arg(long, value_enum, default_value_t = FindingsFormat::Text)]
        format: FindingsFormat,
    },
    /// Run scenario tests against a policy. Exit 1 when a scenario fails.
    Test {
        /// The policy file.
        policy: PathBuf,
        /// The scenario file (TOML, `[[scenario]]` entries).
        scenarios: PathBuf,
        #[arg(long, value_enum, default_value_t = TestFormat::Text)]
        format: TestFormat,
    },
    /// Decide JSON lines from standard input: each line `{"contact": {…}, "responder": {…}}`;
    /// one decision (or `{"error": …, "line": N}`) per line out.
    Decide {
        /// The policy file.
        policy: PathBuf,
        /// The longest request line, in bytes: a longer line gets an error line and the
        /// stream goes on.
        #[arg(long, value_name = "BYTES", default_value_t = DecideStream::DEFAULT_MAX_LINE_BYTES)]
        max_line_bytes: usize,
    },
    /// Explain one decision step by step.
    Explain {
        /// The policy file.
        policy: PathBuf,
        /// The contact, as JSON: `{"customer": "c-1", "channel": "phone", "topic": "email.setup"}`.
        #[arg(long)]
        contact: String,
        /// The responder, as JSON: `{"staff": "support-agent"}` or `{"system": "ivr"}`.
        #[arg(long)]
        responder: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Export the whole decision table.
    Table {
        /// The policy file.
        policy: PathBuf,
        #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
        format: TableFormat,
    },
    /// Write the service manual in Markdown.
    Manual {
        /// The policy file.
        policy: PathBuf,
        /// Only this department's manual (its topics in full, then other departments').
        #[arg(long)]
        department: Option<String>,
        /// The locale of the texts, one the policy declares (the policy's default when not
        /// given).
        #[arg(long, default_value = "")]
        locale: String,
    },
    /// Compare two revisions of a policy. Exit 1 when the change has errors.
    Diff {
        /// The old policy file.
        old: PathBuf,
        /// The new policy file.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = FindingsFormat::Text)]
        format: FindingsFormat,
    },
}

impl Command {
    /// Whether the command prints JSON on standard output (`--format json`), so that a
    /// failure is printed there as JSON too.
    pub fn prints_json(&self) -> bool {
        match self {
            Command::Check { format, .. } | Command::Diff { format, .. } => {
                *format == FindingsFormat::Json
            }
            Command::Test { format, .. } => *format == TestFormat::Json,
            Command::Explain { format, .. } => *format == Format::Json,
            Command::Decide { .. } | Command::Table { .. } | Command::Manual { .. } => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

/// How `check` and `diff` print their findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FindingsFormat {
    Text,
    Json,
    /// GitHub Actions workflow commands: annotations on the policy's lines.
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// A GitLab Code Quality report.
    Gitlab,
}

/// How `test` prints its results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestFormat {
    Text,
    Json,
    /// JUnit XML, one test case per scenario.
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum TableFormat {
    Csv,
    Markdown,
}
