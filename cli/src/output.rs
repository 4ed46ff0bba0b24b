//! Standard output as the commands write it, and the findings drawn with their source.

use std::io::{self, Write};

use unified_message::Diagnostic;
use unified_message::render::{RenderStyle, SourceFile};

use crate::console::Console;
use crate::failure::{Fatal, fatal};

/// What a command ends with: its exit status, or why it stopped.
pub(crate) type Outcome = Result<u8, Fatal>;

/// The exit status of violations, failed scenarios, bad request lines or a change with errors.
const VIOLATIONS: u8 = 1;

/// Standard output and the console's choices, handed to every command.
pub(crate) struct Out<'a> {
    stdout: &'a mut dyn Write,
    /// Colour and progress, as the caller decided.
    pub console: &'a mut Console,
}

impl<'a> Out<'a> {
    pub fn new(stdout: &'a mut dyn Write, console: &'a mut Console) -> Out<'a> {
        Out { stdout, console }
    }

    /// Standard output itself (`decide` writes it line by line).
    pub fn stream(&mut self) -> &mut dyn Write {
        &mut *self.stdout
    }

    /// Writes `text` to standard output as it is.
    pub fn put(&mut self, text: &str) -> Result<(), Fatal> {
        self.stdout
            .write_all(text.as_bytes())
            .and_then(|()| self.stdout.flush())
            .map_err(write_error)
    }

    /// Writes `text` and a line break to standard output.
    pub fn line(&mut self, text: &str) -> Result<(), Fatal> {
        self.put(&format!("{text}\n"))
    }
}

/// A failure to write standard output: closed (`| head`) stops quietly, anything else is an
/// error.
pub(crate) fn write_error(e: io::Error) -> Fatal {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Fatal::Closed
    } else {
        fatal(format!("cannot write to standard output: {e}"))
    }
}

/// `value` as pretty JSON.
pub(crate) fn json(value: &impl serde::Serialize) -> Result<String, Fatal> {
    serde_json::to_string_pretty(value).map_err(|e| fatal(format!("cannot write JSON: {e}")))
}

/// The exit status: 1 when `failed`, else 0.
pub(crate) fn exit(failed: bool) -> u8 {
    if failed { VIOLATIONS } else { 0 }
}

/// Diagnostics with their source lines, each followed by a blank line.
pub(crate) fn render(
    source: &SourceFile<'_>,
    diagnostics: &[Diagnostic],
    style: RenderStyle,
) -> String {
    let mut text = String::new();
    for d in diagnostics {
        text.push_str(&source.render(d, style));
        text.push_str("\n\n");
    }
    text
}
