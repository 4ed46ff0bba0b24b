//! The `unified-message` command-line tool as a library: checks, scenario tests, decisions as
//! JSON lines, explanations, the decision table, the service manual and policy diffs.
//!
//! [`run`] is the whole command: arguments in, bytes out on the streams it is given, an exit
//! code back. The binary `unified-message` is a few lines calling it with the process's own
//! streams; other packages (the bindings for other languages) call it in-process and get the
//! very same command, byte for byte. Nothing here writes to the process's standard streams,
//! looks at a terminal or ends the process: what depends on a terminal (colour, progress bars)
//! is the caller's choice, a [`Console`] ([`Console::detect`] is what the binary passes).
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
//! One module a job: `args` (the commands' arguments and their help texts, clap derive),
//! `console` (what the caller decides about the terminal), `input` (files read within the
//! limit, policies loaded by format), `output` (standard output and the findings drawn),
//! `failure` (why a command stopped, printed once), and one module per command.
//!
//! # Examples
//!
//! ```
//! use std::process::ExitCode;
//!
//! let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/policies/acme-hosting.toml");
//! let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
//! let code = unified_message_cli::run(
//!     ["unified-message", "check", policy, "--format", "json"],
//!     &mut std::io::empty(),
//!     &mut stdout,
//!     &mut stderr,
//! );
//! assert_eq!(code, ExitCode::SUCCESS);
//! let report: serde_json::Value = serde_json::from_slice(&stdout)?;
//! assert!(report["circumstances"].as_u64() > Some(0));
//! assert!(stderr.is_empty());
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::Parser;

mod args;
mod check;
mod console;
mod decide;
mod diff;
mod explain;
mod failure;
mod input;
mod manual;
mod output;
mod table;
mod test;

pub use console::{Console, Progress, TerminalProgress};

use args::{Cli, Command};
use failure::Fatal;
use output::Out;

/// Runs the command `args` (the program's name first, as `std::env::args_os` gives it) on
/// the streams given, with plain output and no progress ([`Console::plain`]): what the
/// binary does when its output is not a terminal.
///
/// Standard input is read only by `decide`; usage errors go to `stderr` and `--help` to
/// `stdout`, as clap prints them. The exit code is 0 (clean), 1 (violations, failed
/// scenarios, bad request lines, a change with errors) or 2 (usage, unreadable input).
pub fn run<I, T>(
    args: I,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    ExitCode::from(run_with(args, stdin, stdout, stderr, &mut Console::plain()))
}

/// Runs the command `args` as [`run`] does, with what `console` says about colour and
/// progress; returns the exit status as a number (0, 1 or 2), for callers that hand it on
/// (a binding returns it to its language).
pub fn run_with<I, T>(
    args: I,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    console: &mut Console,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => return usage(&err, stdout, stderr, console),
    };
    let limit = cli.max_input_bytes;
    let json_out = cli.command.prints_json();
    let mut out = Out::new(stdout, console);
    let result = match cli.command {
        Command::Check { policy, format } => check::run(&mut out, &policy, format, limit),
        Command::Test {
            policy,
            scenarios,
            format,
        } => test::run(&mut out, &policy, &scenarios, format, limit),
        Command::Decide {
            policy,
            max_line_bytes,
        } => decide::run(&mut out, stdin, &policy, limit, max_line_bytes),
        Command::Explain {
            policy,
            contact,
            responder,
            format,
        } => explain::run(&mut out, &policy, &contact, &responder, format, limit),
        Command::Table { policy, format } => table::run(&mut out, &policy, format, limit),
        Command::Manual {
            policy,
            department,
            locale,
        } => manual::run(&mut out, &policy, department.as_deref(), &locale, limit),
        Command::Diff { old, new, format } => diff::run(&mut out, &old, &new, format, limit),
    };
    match result {
        Ok(code) => code,
        Err(Fatal::Closed) => 0,
        Err(Fatal::Failed(failure)) => {
            failure.print(out, stderr, json_out);
            failure::USAGE
        }
    }
}

/// What clap has to say instead of a command (a usage error on `stderr`, `--help` or
/// `--version` on `stdout`), coloured as `console` says, and its exit code (2 or 0).
fn usage(
    err: &clap::Error,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    console: &Console,
) -> u8 {
    let (stream, ansi): (&mut dyn Write, bool) = if err.use_stderr() {
        (&mut *stderr, console.stderr_ansi)
    } else {
        (&mut *stdout, console.stdout_ansi)
    };
    let text = err.render();
    // As clap's own `exit` does: a stream that cannot be written changes nothing.
    let _ = if ansi {
        write!(stream, "{}", text.ansi())
    } else {
        write!(stream, "{text}")
    };
    let _ = stream.flush();
    // 0 for `--help` and `--version`, 2 for a usage error.
    u8::try_from(err.exit_code()).unwrap_or(failure::USAGE)
}
