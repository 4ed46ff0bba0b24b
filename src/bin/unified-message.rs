//! The `unified-message` command-line tool: checks, scenario tests, decisions as JSON lines,
//! explanations, the decision table, the service manual and policy diffs.
//!
//! A thin shell: it parses arguments, reads files and standard input, and dispatches with one
//! `match` to the library, where the logic lives and is tested. Exit codes: 0 clean, 1
//! violations, failed scenarios, bad request lines or diff errors, 2 usage or unreadable input.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use unified_message::{
    Contact, Diagnostic, Engine, PolicyError, RenderStyle, Report, Responder, Scenarios,
    SourceFile, WorkProgress, report,
};

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
        #[arg(long, value_enum, default_value_t = FindingsFormat::Text)]
        format: FindingsFormat,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// How `check` and `diff` print their findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FindingsFormat {
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
enum TestFormat {
    Text,
    Json,
    /// JUnit XML, one test case per scenario.
    Junit,
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

/// How diagnostics are drawn on a stream: coloured on a terminal, plain otherwise; `NO_COLOR`
/// (set and not empty) always turns colour off, `CLICOLOR_FORCE` (not `0`) turns it on
/// elsewhere (<https://no-color.org>, <https://bixense.com/clicolors/>).
fn style_for(stream: &impl IsTerminal) -> RenderStyle {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        RenderStyle::Plain
    } else if set("CLICOLOR_FORCE") || stream.is_terminal() {
        RenderStyle::Colored
    } else {
        RenderStyle::Plain
    }
}

/// Runs `work` with a progress bar of topics on standard error when it is a terminal; nothing
/// in pipes, files or CI. The bar is cleared when the work is done.
fn with_progress<T>(what: &str, work: impl FnOnce(&mut dyn FnMut(WorkProgress)) -> T) -> T {
    if !io::stderr().is_terminal() {
        return work(&mut |_| {});
    }
    let bar = ProgressBar::new(0).with_message(what.to_owned());
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} topics ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let result = work(&mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
    });
    bar.finish_and_clear();
    result
}

/// Diagnostics with their source lines, each followed by a blank line.
fn render(source: &SourceFile<'_>, diagnostics: &[Diagnostic], style: RenderStyle) -> String {
    let mut text = String::new();
    for d in diagnostics {
        text.push_str(&source.render(d, style));
        text.push_str("\n\n");
    }
    text
}

fn print_errors(path: &Path, source: &str, err: &PolicyError) {
    let file = path.display().to_string();
    let source = SourceFile::new(source, &file);
    eprint!(
        "{}",
        render(&source, err.diagnostics(), style_for(&io::stderr()))
    );
}

/// A policy that must compile for the command to run: its errors end the command (exit 2).
fn load(path: &Path) -> Result<Engine, Fatal> {
    // The extension first: an unknown one is a usage error even for a missing file.
    let compile = loader(path)?;
    let source = read(path)?;
    compile(&source).map_err(|err| {
        print_errors(path, &source, &err);
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

fn check(path: &Path, format: FindingsFormat) -> Outcome {
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
        Ok(engine) => {
            let report = with_progress("checking", |p| engine.check_with(p));
            if is_toml(path) {
                report.located_in_toml(&source)
            } else {
                report
            }
        }
    };
    match format {
        FindingsFormat::Text => {
            let shown = SourceFile::new(&source, &file);
            let mut text = render(&shown, &report.diagnostics, style_for(&io::stdout()));
            let (errors, warnings) = (report.errors().count(), report.warnings().count());
            text.push_str(&format!(
                "{file}: {errors} error{}, {warnings} warning{} ({} circumstances checked)",
                if errors == 1 { "" } else { "s" },
                if warnings == 1 { "" } else { "s" },
                report.circumstances
            ));
            out(&text)?;
        }
        FindingsFormat::Json => out(&json(&report)?)?,
        FindingsFormat::Github => put(&report::github(&report.diagnostics, &file))?,
        FindingsFormat::Sarif => out(&report::sarif(&report.diagnostics, &file))?,
        FindingsFormat::Gitlab => out(&report::gitlab(&report.diagnostics, &file))?,
    }
    Ok(exit(!report.is_clean()))
}

fn test(policy: &Path, scenarios: &Path, format: TestFormat) -> Outcome {
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
        TestFormat::Text => out(&report.to_string())?,
        TestFormat::Json => out(&json(&report)?)?,
        TestFormat::Junit => put(&report::junit(&report, &scenarios.display().to_string()))?,
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
    let engine = load(policy)?;
    let table = with_progress("deciding", |p| engine.decision_table_with(p));
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

fn diff(old: &Path, new: &Path, format: FindingsFormat) -> Outcome {
    let (old_engine, new_engine) = (load(old)?, load(new)?);
    let mut changes = with_progress("comparing", |p| {
        unified_message::diff_with(&old_engine, &new_engine, p)
    });
    let new_source = read(new)?;
    // Findings are about the new revision: locate them in its TOML source.
    if is_toml(new) {
        let mut located = Report::default();
        located.diagnostics = std::mem::take(&mut changes.diagnostics);
        changes.diagnostics = located.located_in_toml(&new_source).diagnostics;
    }
    let file = new.display().to_string();
    match format {
        FindingsFormat::Text => {
            let findings = std::mem::take(&mut changes.diagnostics);
            let mut text = changes.to_string();
            if !findings.is_empty() {
                let shown = SourceFile::new(&new_source, &file);
                text.push_str("\n\n");
                text.push_str(render(&shown, &findings, style_for(&io::stdout())).trim_end());
            }
            changes.diagnostics = findings;
            out(&text)?;
        }
        FindingsFormat::Json => out(&json(&changes)?)?,
        FindingsFormat::Github => put(&report::github(&changes.diagnostics, &file))?,
        FindingsFormat::Sarif => out(&report::sarif(&changes.diagnostics, &file))?,
        FindingsFormat::Gitlab => out(&report::gitlab(&changes.diagnostics, &file))?,
    }
    Ok(exit(!changes.is_clean()))
}
