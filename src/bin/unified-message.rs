//! The `unified-message` command-line tool: checks, scenario tests, decisions as JSON lines,
//! explanations, the decision table, the service manual and policy diffs.
//!
//! A thin shell: it parses arguments, reads files and standard input, and dispatches with one
//! `match` to the library, where the logic lives and is tested. Exit codes: 0 clean, 1
//! violations, failed scenarios, bad request lines or diff errors, 2 usage or unreadable input.
//!
//! Every read is bounded: files (policies, scenarios) are read as bytes up to
//! `--max-input-bytes`, so a device (`/dev/zero`), a pipe that never ends or a huge file stops
//! with an error naming the limit; `decide` reads its standard input in chunks through the
//! library's `DecideStream`, which keeps at most `--max-line-bytes` of a line.
//!
//! One file for one job (about 600 lines): the commands' arguments with their help texts
//! (clap derive) beside the short function that runs each; apart, a command's options and
//! what it does with them would be read in two places.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use unified_message::check::Report;
use unified_message::document::Location;
use unified_message::progress::WorkProgress;
use unified_message::render::{RenderStyle, SourceFile};
use unified_message::scenario::Scenarios;
use unified_message::{Contact, DecideStream, Diagnostic, Engine, PolicyError, Responder, ci};

/// The default of `--max-input-bytes`: 64 MiB.
const DEFAULT_MAX_INPUT_BYTES: u64 = 64 << 20;

/// One voice for every channel: check, test and run a unified-message policy.
#[derive(Debug, Parser)]
#[command(name = "unified-message", version, about)]
struct Cli {
    /// The largest file read (a policy or a scenario file), in bytes; a larger file, a device
    /// or a pipe that goes on past it is an error.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = DEFAULT_MAX_INPUT_BYTES)]
    max_input_bytes: u64,
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
    /// Printed on stderr (and as JSON on stdout under `--format json`), exit 2.
    Failed(Failure),
    /// Standard output was closed (`| head`): stop quietly.
    Closed,
}

/// A command that could not run: what, in which file, where in it, and a policy's errors.
/// Under `--format json` it is printed as `{"error": "…", "file": …, "location": …,
/// "diagnostics": […]}`.
#[derive(Default, serde::Serialize)]
struct Failure {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diagnostics: Vec<Diagnostic>,
    /// The text of `file`, to draw the diagnostics with their source lines on stderr.
    #[serde(skip)]
    source: Option<String>,
}

impl Failure {
    /// The machine-readable code of the failure, as the service names it: `policy_invalid`
    /// when a policy's errors stopped the command, else `invalid_input` (a file that cannot be
    /// read, is over `--max-input-bytes`, or is not what the command takes).
    fn code(&self) -> &'static str {
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            "policy_invalid"
        } else {
            "invalid_input"
        }
    }
}

fn fatal(message: impl Into<String>) -> Fatal {
    Fatal::Failed(Failure {
        error: message.into(),
        ..Failure::default()
    })
}

/// A failure about file `path`.
fn fatal_in(path: &Path, message: impl Into<String>) -> Fatal {
    Fatal::Failed(Failure {
        error: message.into(),
        file: Some(path.display().to_string()),
        ..Failure::default()
    })
}

type Outcome = Result<ExitCode, Fatal>;

const VIOLATIONS: u8 = 1;

fn main() -> ExitCode {
    // Clap exits with 2 on a usage error, 0 for `--help` and `--version`.
    let cli = Cli::parse();
    let limit = cli.max_input_bytes;
    // Under `--format json` a failure is printed on stdout as JSON too.
    let json_out = match &cli.command {
        Command::Check { format, .. } | Command::Diff { format, .. } => {
            *format == FindingsFormat::Json
        }
        Command::Test { format, .. } => *format == TestFormat::Json,
        Command::Explain { format, .. } => *format == Format::Json,
        Command::Decide { .. } | Command::Table { .. } | Command::Manual { .. } => false,
    };
    let result = match cli.command {
        Command::Check { policy, format } => check(&policy, format, limit),
        Command::Test {
            policy,
            scenarios,
            format,
        } => test(&policy, &scenarios, format, limit),
        Command::Decide {
            policy,
            max_line_bytes,
        } => decide(&policy, limit, max_line_bytes),
        Command::Explain {
            policy,
            contact,
            responder,
            format,
        } => explain(&policy, &contact, &responder, format, limit),
        Command::Table { policy, format } => table(&policy, format, limit),
        Command::Manual {
            policy,
            department,
            locale,
        } => manual(&policy, department.as_deref(), &locale, limit),
        Command::Diff { old, new, format } => diff(&old, &new, format, limit),
    };
    match result {
        Ok(code) => code,
        Err(Fatal::Closed) => ExitCode::SUCCESS,
        Err(Fatal::Failed(failure)) => {
            if let Some(file) = &failure.file {
                let text = failure.source.as_deref().unwrap_or_default();
                let shown = SourceFile::new(text, file);
                eprint!(
                    "{}",
                    render(&shown, &failure.diagnostics, style_for(&io::stderr()))
                );
            }
            let at = match (&failure.file, failure.location) {
                (Some(file), Some(l)) => format!("{file}:{}:{}: ", l.line, l.column),
                // A message that names the file already says where.
                (Some(file), None) if !failure.error.contains(&format!("`{file}`")) => {
                    format!("{file}: ")
                }
                _ => String::new(),
            };
            eprintln!("unified-message: {at}{}", failure.error);
            if json_out {
                // The error as JSON too, so a pipeline reading stdout sees why (exit 2), with
                // its machine-readable `code` (issue 25 point 7).
                if let Ok(mut value) = serde_json::to_value(&failure) {
                    if let Some(fields) = value.as_object_mut() {
                        fields.insert("code".to_owned(), failure.code().into());
                    }
                    if let Ok(text) = serde_json::to_string_pretty(&value) {
                        let _ = writeln!(io::stdout(), "{text}");
                    }
                }
            }
            ExitCode::from(2)
        }
    }
}

/// The bytes of file `path`, at most `limit` of them, without a byte-order mark. A regular
/// file larger than the limit is refused before reading; a device or a pipe is read up to
/// the limit and refused past it, so nothing is read or kept without bound.
fn read(path: &Path, limit: u64) -> Result<Vec<u8>, Fatal> {
    let cannot = |e: io::Error| fatal_in(path, format!("cannot read `{}`: {e}", path.display()));
    let too_large = || {
        fatal_in(
            path,
            format!(
                "cannot read `{}`: it is larger than the input limit of {}; raise the limit with `--max-input-bytes BYTES` if the file is meant to be that large",
                path.display(),
                bytes_text(limit)
            ),
        )
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_dir() {
        return Err(fatal_in(
            path,
            format!("cannot read `{}`: it is a directory", path.display()),
        ));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    Ok(bytes)
}

/// `bytes` for a reader: `64 MiB (67108864 bytes)`, or `1000 bytes`.
fn bytes_text(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB ({bytes} bytes)", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// The UTF-8 byte-order mark, accepted at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

fn is_toml(path: &Path) -> bool {
    extension(path).as_deref() == Some("toml")
}

/// What parses and compiles a policy read as bytes, by the file's extension: text that is not
/// UTF-8 is an `invalid-utf8` error with line and column.
type Loader = fn(&[u8]) -> Result<Engine, PolicyError>;

fn loader(path: &Path) -> Result<Loader, Fatal> {
    Ok(match extension(path).as_deref() {
        Some("toml") => Engine::from_toml_slice,
        Some("json") => Engine::from_json_slice,
        Some("yaml" | "yml") => from_yaml_slice,
        _ => {
            return Err(fatal_in(
                path,
                format!(
                    "cannot tell the format of `{}`: name the policy file .toml, .json, .yaml or .yml",
                    path.display()
                ),
            ));
        }
    })
}

/// A YAML policy read as bytes. The library has no YAML slice loader yet: text that is not
/// UTF-8 gets the slice loaders' own `invalid-utf8` error (the same for every format, with
/// line and column), from the JSON one, which checks the encoding before parsing.
fn from_yaml_slice(source: &[u8]) -> Result<Engine, PolicyError> {
    match std::str::from_utf8(source) {
        Ok(text) => Engine::from_yaml_str(text),
        Err(_) => Engine::from_json_slice(source),
    }
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

/// A policy that must compile for the command to run: its errors end the command (exit 2).
/// Returns the engine and the policy's text.
fn load(path: &Path, limit: u64) -> Result<(Engine, Vec<u8>), Fatal> {
    // The extension first: an unknown one is a usage error even for a missing file.
    let compile = loader(path)?;
    let source = read(path, limit)?;
    match compile(&source) {
        Ok(engine) => Ok((engine, source)),
        Err(err) => Err(Fatal::Failed(Failure {
            error: format!(
                "`{}` does not compile; run `unified-message check {}` for details",
                path.display(),
                path.display()
            ),
            file: Some(path.display().to_string()),
            location: None,
            diagnostics: err.diagnostics().to_vec(),
            source: Some(String::from_utf8_lossy(&source).into_owned()),
        })),
    }
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

fn check(path: &Path, format: FindingsFormat, limit: u64) -> Outcome {
    let file = path.display().to_string();
    let compile = loader(path)?;
    let source = read(path, limit)?;
    let report = match compile(&source) {
        // A policy that does not compile: its errors are the report.
        Err(err) => {
            let mut report = Report::default();
            report.diagnostics = err.diagnostics().to_vec();
            report
        }
        Ok(engine) => located(
            path,
            &source,
            with_progress("checking", |p| engine.check_with(p)),
        ),
    };
    match format {
        FindingsFormat::Text => {
            let text = String::from_utf8_lossy(&source);
            let shown = SourceFile::new(&text, &file);
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
        FindingsFormat::Github => put(&ci::github(&report.diagnostics, &file))?,
        FindingsFormat::Sarif => out(&ci::sarif(&report.diagnostics, &file))?,
        FindingsFormat::Gitlab => out(&ci::gitlab(&report.diagnostics, &file))?,
    }
    Ok(exit(!report.is_clean()))
}

/// A report about the policy `source` of `path`, located in it when it is TOML.
fn located(path: &Path, source: &[u8], report: Report) -> Report {
    match std::str::from_utf8(source) {
        Ok(text) if is_toml(path) => report.located_in_toml(text),
        _ => report,
    }
}

fn test(policy: &Path, scenarios: &Path, format: TestFormat, limit: u64) -> Outcome {
    let (engine, _) = load(policy, limit)?;
    let parsed = Scenarios::from_toml_slice(&read(scenarios, limit)?).map_err(|e| {
        Fatal::Failed(Failure {
            error: e.message().to_owned(),
            file: Some(scenarios.display().to_string()),
            location: e.location(),
            ..Failure::default()
        })
    })?;
    let report = engine.run_scenarios(&parsed);
    match format {
        TestFormat::Text => out(&report.to_string())?,
        TestFormat::Json => out(&json(&report)?)?,
        TestFormat::Junit => put(&ci::junit(&report, &scenarios.display().to_string()))?,
    }
    Ok(exit(!report.is_success()))
}

/// The stream of `decide`: standard input is read in chunks as they come (a chatbot waiting
/// for its answer gets it as soon as its line is in) and handed to the library's
/// `DecideStream`, which splits lines, keeps at most `max_line` bytes of one, and answers a
/// bad line (not JSON, not UTF-8, too long) with an error line.
fn decide(policy: &Path, limit: u64, max_line: usize) -> Outcome {
    let (engine, _) = load(policy, limit)?;
    let mut stream = engine.decide_stream().max_line_bytes(max_line);
    let mut stdout = io::stdout().lock();
    let mut stdin = io::stdin().lock();
    let mut write = |line: &str| writeln!(stdout, "{line}");
    loop {
        let chunk = match stdin.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(fatal(format!("cannot read standard input: {e}"))),
        };
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len();
        stream.push(chunk, &mut write).map_err(write_error)?;
        stdin.consume(n);
        io::stdout().flush().map_err(write_error)?;
    }
    stream.finish(&mut write).map_err(write_error)?;
    io::stdout().flush().map_err(write_error)?;
    Ok(exit(stream.errors() > 0))
}

fn explain(policy: &Path, contact: &str, responder: &str, format: Format, limit: u64) -> Outcome {
    let (engine, _) = load(policy, limit)?;
    if let Some((_, number)) = unified_message::document::inexact_number(contact, false) {
        return Err(fatal(format!(
            "invalid `--contact`: the number `{number}` has more significant digits than a number can keep exactly (15); write it as a string, in quotes"
        )));
    }
    let contact: Contact =
        serde_json::from_str(contact).map_err(|e| fatal(format!("invalid `--contact`: {e}")))?;
    let responder: Responder = serde_json::from_str(responder).map_err(|e| {
        fatal(format!(
            "invalid `--responder`: {e}; write {{\"staff\": \"ROLE\"}} or {{\"system\": \"SYSTEM\"}}"
        ))
    })?;
    let explanation = engine.explain(&contact, &responder);
    match format {
        Format::Text => out(&format!("{explanation}\n\n{}", explanation.decision.text()))?,
        Format::Json => out(&json(&explanation)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn table(policy: &Path, format: TableFormat, limit: u64) -> Outcome {
    let (engine, source) = load(policy, limit)?;
    let table = with_progress("deciding", |p| engine.decision_table_with(p));
    // An incomplete table (a topic beyond the engine's limits) is not printed: exit 2.
    if table.diagnostics.iter().any(Diagnostic::is_error) {
        let mut report = Report::default();
        report.diagnostics = table.diagnostics;
        return Err(Fatal::Failed(Failure {
            error: format!("the decision table of `{}` is too large", policy.display()),
            file: Some(policy.display().to_string()),
            location: None,
            diagnostics: located(policy, &source, report).diagnostics,
            source: Some(String::from_utf8_lossy(&source).into_owned()),
        }));
    }
    match format {
        TableFormat::Csv => put(&table.to_csv())?,
        TableFormat::Markdown => put(&table.to_markdown())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn manual(policy: &Path, department: Option<&str>, locale: &str, limit: u64) -> Outcome {
    let (engine, _) = load(policy, limit)?;
    let manual = engine
        .manual(department, locale)
        .map_err(|e| fatal(e.to_string()))?;
    put(&manual)?;
    Ok(ExitCode::SUCCESS)
}

fn diff(old: &Path, new: &Path, format: FindingsFormat, limit: u64) -> Outcome {
    let (old_engine, _) = load(old, limit)?;
    let (new_engine, new_source) = load(new, limit)?;
    let mut changes = with_progress("comparing", |p| {
        unified_message::diff::diff_with(&old_engine, &new_engine, p)
    });
    // Findings are about the new revision: locate them in its TOML source (read once).
    let mut report = Report::default();
    report.diagnostics = std::mem::take(&mut changes.diagnostics);
    changes.diagnostics = located(new, &new_source, report).diagnostics;
    let file = new.display().to_string();
    match format {
        FindingsFormat::Text => {
            let findings = std::mem::take(&mut changes.diagnostics);
            let mut text = changes.to_string();
            if !findings.is_empty() {
                let new_text = String::from_utf8_lossy(&new_source);
                let shown = SourceFile::new(&new_text, &file);
                text.push_str("\n\n");
                text.push_str(render(&shown, &findings, style_for(&io::stdout())).trim_end());
            }
            changes.diagnostics = findings;
            out(&text)?;
        }
        FindingsFormat::Json => out(&json(&changes)?)?,
        FindingsFormat::Github => put(&ci::github(&changes.diagnostics, &file))?,
        FindingsFormat::Sarif => out(&ci::sarif(&changes.diagnostics, &file))?,
        FindingsFormat::Gitlab => out(&ci::gitlab(&changes.diagnostics, &file))?,
    }
    Ok(exit(!changes.is_clean()))
}
