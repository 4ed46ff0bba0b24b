//! The `unified-message` command-line tool: checks, scenario tests, decisions as JSON lines,
//! explanations, the decision table, the service manual and policy diffs.
//!
//! A thin shell: it parses arguments, reads files and standard input, and dispatches with one
//! `match` to the library, where the logic lives and is tested. Exit codes: 0 clean, 1
//! violations, failed scenarios, bad request lines or diff errors, 2 usage or unreadable input.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use unified_message::{Contact, Engine, PolicyError, Report, Responder, Scenarios};

/// One voice for every channel: check, test and run a unified-message policy.
#[derive(Debug, Parser)]
#[command(name = "unified-message", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a policy: compile errors, invariants and style. Exit 1 on any error.
    Check {
        /// The policy file (.toml, .json, .yaml or .yml).
        policy: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run scenario tests against a policy. Exit 1 when a scenario fails.
    Test {
        /// The policy file.
        policy: PathBuf,
        /// The scenario file (TOML, `[[scenario]]` entries).
        scenarios: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Decide JSON lines from standard input: each line `{"contact": {…}, "responder": {…}}`;
    /// one decision (or `{"error": …, "line": N}`) per line out.
    Decide {
        /// The policy file.
        policy: PathBuf,
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
        /// The locale of the texts (the policy's default when not given or not declared).
        #[arg(long, default_value = "")]
        locale: String,
    },
    /// Compare two revisions of a policy. Exit 1 when the change has errors.
    Diff {
        /// The old policy file.
        old: PathBuf,
        /// The new policy file.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TableFormat {
    Csv,
    Markdown,
}

/// Why a command stopped before its result.
enum Fatal {
    /// Printed on stderr, exit 2.
    Message(String),
    /// Standard output was closed (`| head`): stop quietly.
    Closed,
}

fn fatal(message: impl Into<String>) -> Fatal {
    Fatal::Message(message.into())
}

type Outcome = Result<ExitCode, Fatal>;

const VIOLATIONS: u8 = 1;

fn main() -> ExitCode {
    // Clap exits with 2 on a usage error, 0 for `--help` and `--version`.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { policy, format } => check(&policy, format),
        Command::Test {
            policy,
            scenarios,
            format,
        } => test(&policy, &scenarios, format),
        Command::Decide { policy } => decide(&policy),
        Command::Explain {
            policy,
            contact,
            responder,
            format,
        } => explain(&policy, &contact, &responder, format),
        Command::Table { policy, format } => table(&policy, format),
        Command::Manual {
            policy,
            department,
            locale,
        } => manual(&policy, department.as_deref(), &locale),
        Command::Diff { old, new, format } => diff(&old, &new, format),
    };
    match result {
        Ok(code) => code,
        Err(Fatal::Closed) => ExitCode::SUCCESS,
        Err(Fatal::Message(message)) => {
            eprintln!("unified-message: {message}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &Path) -> Result<String, Fatal> {
    std::fs::read_to_string(path)
        .map_err(|e| fatal(format!("cannot read `{}`: {e}", path.display())))
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

fn is_toml(path: &Path) -> bool {
    extension(path).as_deref() == Some("toml")
}

/// What parses and compiles a policy, by the file's extension.
type Loader = fn(&str) -> Result<Engine, PolicyError>;

fn loader(path: &Path) -> Result<Loader, Fatal> {
    Ok(match extension(path).as_deref() {
        Some("toml") => Engine::from_toml_str,
        Some("json") => Engine::from_json_str,
        Some("yaml" | "yml") => Engine::from_yaml_str,
        _ => {
            return Err(fatal(format!(
                "cannot tell the format of `{}`: name the policy file .toml, .json, .yaml or .yml",
                path.display()
            )));
        }
    })
}

fn print_errors(path: &Path, err: &PolicyError) {
    let file = path.display().to_string();
    for d in err.diagnostics() {
        eprintln!("{}", d.in_file(&file));
    }
}

/// A policy that must compile for the command to run: its errors end the command (exit 2).
fn load(path: &Path) -> Result<Engine, Fatal> {
    // The extension first: an unknown one is a usage error even for a missing file.
    let compile = loader(path)?;
    compile(&read(path)?).map_err(|err| {
        print_errors(path, &err);
        fatal(format!(
            "`{}` does not compile; run `unified-message check {}` for details",
            path.display(),
            path.display()
        ))
    })
}

/// Writes `text` to standard output as it is.
fn put(text: &str) -> Result<(), Fatal> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(write_error)
}

fn write_error(e: io::Error) -> Fatal {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Fatal::Closed
    } else {
        fatal(format!("cannot write to standard output: {e}"))
    }
}

/// Writes `text` and a line break to standard output.
fn out(text: &str) -> Result<(), Fatal> {
    put(&format!("{text}\n"))
}

fn json(value: &impl serde::Serialize) -> Result<String, Fatal> {
    serde_json::to_string_pretty(value).map_err(|e| fatal(format!("cannot write JSON: {e}")))
}

fn exit(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(VIOLATIONS)
    } else {
        ExitCode::SUCCESS
    }
}

fn check(path: &Path, format: Format) -> Outcome {
    let file = path.display().to_string();
    let compile = loader(path)?;
    let source = read(path)?;
    let report = match compile(&source) {
        // A policy that does not compile: its errors are the report.
        Err(err) => {
            let mut report = Report::default();
            report.diagnostics = err.diagnostics().to_vec();
            report
        }
        Ok(engine) if is_toml(path) => engine.check().located_in_toml(&source),
        Ok(engine) => engine.check(),
    };
    match format {
        Format::Text => {
            let mut text = String::new();
            for d in &report.diagnostics {
                text.push_str(&format!("{}\n", d.in_file(&file)));
            }
            let (errors, warnings) = (report.errors().count(), report.warnings().count());
            text.push_str(&format!(
                "{file}: {errors} error{}, {warnings} warning{} ({} circumstances checked)",
                if errors == 1 { "" } else { "s" },
                if warnings == 1 { "" } else { "s" },
                report.circumstances
            ));
            out(&text)?;
        }
        Format::Json => out(&json(&report)?)?,
    }
    Ok(exit(!report.is_clean()))
}

fn test(policy: &Path, scenarios: &Path, format: Format) -> Outcome {
    let engine = load(policy)?;
    let parsed = Scenarios::from_toml_str(&read(scenarios)?).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line, l.column))
            .unwrap_or_default();
        fatal(format!("{}{at}: {}", scenarios.display(), e.message()))
    })?;
    let report = engine.run_scenarios(&parsed);
    match format {
        Format::Text => out(&report.to_string())?,
        Format::Json => out(&json(&report)?)?,
    }
    Ok(exit(!report.is_success()))
}

fn decide(policy: &Path) -> Outcome {
    let engine = load(policy)?;
    let mut stdout = io::stdout().lock();
    let mut bad = false;
    for (i, line) in io::stdin().lock().lines().enumerate() {
        let line = line.map_err(|e| fatal(format!("cannot read standard input: {e}")))?;
        if let Some(reply) = engine.decide_json_line(i + 1, &line) {
            bad |= reply.is_err();
            let reply = reply.unwrap_or_else(|error_line| error_line);
            writeln!(stdout, "{reply}")
                .and_then(|()| stdout.flush())
                .map_err(write_error)?;
        }
    }
    Ok(exit(bad))
}

fn explain(policy: &Path, contact: &str, responder: &str, format: Format) -> Outcome {
    let engine = load(policy)?;
    let contact: Contact =
        serde_json::from_str(contact).map_err(|e| fatal(format!("invalid `--contact`: {e}")))?;
    let responder: Responder = serde_json::from_str(responder).map_err(|e| {
        fatal(format!(
            "invalid `--responder`: {e}; write {{\"staff\": \"ROLE\"}} or {{\"system\": \"SYSTEM\"}}"
        ))
    })?;
    let explanation = engine.explain(&contact, &responder);
    let record = explanation.decision.to_record();
    match format {
        Format::Text => out(&format!("{explanation}\n\n{}", record.message.text))?,
        Format::Json => out(&json(&serde_json::json!({
            "steps": explanation.steps,
            "decision": record,
        }))?)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn table(policy: &Path, format: TableFormat) -> Outcome {
    // An incomplete table (a topic beyond the engine's limits) is not printed: exit 2.
    let table = load(policy)?.try_decision_table().map_err(|err| {
        print_errors(policy, &err);
        fatal(format!(
            "the decision table of `{}` is too large",
            policy.display()
        ))
    })?;
    match format {
        TableFormat::Csv => put(&table.to_csv())?,
        TableFormat::Markdown => put(&table.to_markdown())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn manual(policy: &Path, department: Option<&str>, locale: &str) -> Outcome {
    let engine = load(policy)?;
    let manual = engine
        .manual(department, locale)
        .map_err(|e| fatal(e.to_string()))?;
    put(&manual)?;
    Ok(ExitCode::SUCCESS)
}

fn diff(old: &Path, new: &Path, format: Format) -> Outcome {
    let mut changes = unified_message::diff(&load(old)?, &load(new)?);
    // Findings are about the new revision: locate them in its TOML source.
    if is_toml(new) {
        let mut located = Report::default();
        located.diagnostics = std::mem::take(&mut changes.diagnostics);
        changes.diagnostics = located.located_in_toml(&read(new)?).diagnostics;
    }
    match format {
        Format::Text => {
            let file = new.display().to_string();
            let findings = std::mem::take(&mut changes.diagnostics);
            let mut text = changes.to_string();
            for d in &findings {
                text.push_str(&format!("\n{}", d.in_file(&file)));
            }
            changes.diagnostics = findings;
            out(&text)?;
        }
        Format::Json => out(&json(&changes)?)?,
    }
    Ok(exit(!changes.is_clean()))
}
