//! Why a command stopped before its result, printed once: on standard error (with the
//! policy's errors drawn on its source lines) and, under `--format json`, as JSON on standard
//! output too.

use std::io::Write;
use std::path::Path;

use unified_message::Diagnostic;
use unified_message::document::Location;
use unified_message::render::SourceFile;

use crate::output::{Out, render};

/// The exit status of a usage error or of input that cannot be read.
pub(crate) const USAGE: u8 = 2;

/// Why a command stopped before its result.
pub(crate) enum Fatal {
    /// Printed on stderr (and as JSON on stdout under `--format json`), exit 2.
    Failed(Failure),
    /// Standard output was closed (`| head`): stop quietly.
    Closed,
}

/// A command that could not run: what, in which file, where in it, and a policy's errors.
/// Under `--format json` it is printed as `{"error": "…", "file": …, "location": …,
/// "diagnostics": […]}`.
#[derive(Default, serde::Serialize)]
pub(crate) struct Failure {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
    /// The text of `file`, to draw the diagnostics with their source lines on stderr.
    #[serde(skip)]
    pub source: Option<String>,
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

    /// Prints the failure on `stderr`, and as JSON on standard output when `json_out`.
    /// Streams that cannot be written change nothing: the exit status says it already.
    pub fn print(&self, mut out: Out<'_>, stderr: &mut dyn Write, json_out: bool) {
        if let Some(file) = &self.file {
            let text = self.source.as_deref().unwrap_or_default();
            let shown = SourceFile::new(text, file);
            let drawn = render(&shown, &self.diagnostics, out.console.stderr_style);
            let _ = stderr.write_all(drawn.as_bytes());
        }
        let at = match (&self.file, self.location) {
            (Some(file), Some(l)) => format!("{file}:{}:{}: ", l.line, l.column),
            // A message that names the file already says where.
            (Some(file), None) if !self.error.contains(&format!("`{file}`")) => {
                format!("{file}: ")
            }
            _ => String::new(),
        };
        let _ = writeln!(stderr, "unified-message: {at}{}", self.error);
        let _ = stderr.flush();
        if json_out {
            // The error as JSON too, so a pipeline reading stdout sees why (exit 2), with
            // its machine-readable `code` (issue 25 point 7).
            if let Ok(mut value) = serde_json::to_value(self) {
                if let Some(fields) = value.as_object_mut() {
                    fields.insert("code".to_owned(), self.code().into());
                }
                if let Ok(text) = serde_json::to_string_pretty(&value) {
                    let _ = writeln!(out.stream(), "{text}");
                    let _ = out.stream().flush();
                }
            }
        }
    }
}

/// A failure with nothing but its message.
pub(crate) fn fatal(message: impl Into<String>) -> Fatal {
    Fatal::Failed(Failure {
        error: message.into(),
        ..Failure::default()
    })
}

/// A failure about file `path`.
pub(crate) fn fatal_in(path: &Path, message: impl Into<String>) -> Fatal {
    Fatal::Failed(Failure {
        error: message.into(),
        file: Some(path.display().to_string()),
        ..Failure::default()
    })
}
