//! Diagnostics: what is wrong in a policy, where, and what would fix it.
//!
//! [`Code`] names each kind of finding (`code`); the evidence a `check` finding carries lives
//! in `evidence`. The module depends on the policy's model and decision records only, never
//! on the passes that produce diagnostics.

pub(crate) mod code;
mod evidence;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use code::Code;
pub use evidence::{Counterexample, Response, ScreenMatch};

/// A path into the policy document, printed as `topics."email.setup".explains.system`.
///
/// # Examples
///
/// ```
/// use unified_message::document::DocPath;
///
/// let path = DocPath::root().key("topics").key("email.setup").key("explains").key("system");
/// assert_eq!(path.to_string(), r#"topics."email.setup".explains.system"#);
/// assert_eq!(DocPath::root().key("rules").index(2).key("then").to_string(), "rules[2].then");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct DocPath(Vec<PathSegment>);

/// One step of a [`DocPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum PathSegment {
    /// A table key.
    Key(String),
    /// An array index, from 0.
    Index(usize),
}

impl DocPath {
    /// The document itself.
    pub fn root() -> Self {
        DocPath(Vec::new())
    }

    /// This path followed by a table key.
    #[must_use]
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Key(key.into()));
        DocPath(segments)
    }

    /// This path followed by an array index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Index(index));
        DocPath(segments)
    }

    /// The segments, from the root.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }
}

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Index(n) => write!(f, "[{n}]")?,
                PathSegment::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    // A long key (a 100 KB topic id) is cut: a path stays a line long.
                    let k = crate::bounded::cut(k);
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                    if bare {
                        f.write_str(&k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look; does not fail a check.
    Warning,
    /// The policy is wrong; compilation or `check` fails.
    Error,
}

/// A line and column in the policy's source text, both from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column in characters, from 1.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `source`.
    pub fn of_offset(source: &str, offset: usize) -> Location {
        let offset = offset.min(source.len());
        let before = source.get(..offset).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Location { line, column }
    }
}

/// One finding about a policy: a stable code, where, what is wrong and what would fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Diagnostic {
    /// A stable code, written `unknown-system`, that CI can match on.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Where in the document.
    pub path: DocPath,
    /// Line and column in the source text, when the policy was loaded from TOML text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What would fix it.
    pub hint: String,
    /// For a violated invariant found by `check`: one concrete circumstance and the
    /// responses that disagree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Box<Counterexample>>,
    /// For a forbidden phrase found by `check`: the text that matched, its span and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<Box<ScreenMatch>>,
}

impl Diagnostic {
    /// An error. Values quoted in the message and the hint (between backticks or double
    /// quotes) longer than 120 characters are cut to their first 80, an ellipsis and their
    /// length: a diagnostic never repeats a whole long value.
    pub fn error(
        code: Code,
        path: DocPath,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            path,
            location: None,
            message: crate::bounded::cut_quoted(message.into()),
            hint: crate::bounded::cut_quoted(hint.into()),
            counterexample: None,
            matched: None,
        }
    }

    /// A warning; quoted values are cut as for [`Diagnostic::error`].
    pub fn warning(
        code: Code,
        path: DocPath,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, message, hint)
        }
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}[{}]: {}", self.code, self.path)?;
        if let Some(loc) = self.location {
            write!(f, " (line {}, column {})", loc.line, loc.column)?;
        }
        write!(f, ": {}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "; {}", self.hint)?;
        }
        Ok(())
    }
}

/// Why a policy could not be loaded or compiled: every problem found, at once.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let err = Engine::from_toml_str("[policy]\nname = \"x\"\n").unwrap_err();
/// assert!(err.diagnostics().iter().any(|d| d.code == "missing-revision"));
/// assert!(err.to_string().contains("policy.revision"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the policy has {}{}", errors(.diagnostics.len()), Lines(.diagnostics))]
pub struct PolicyError {
    diagnostics: Vec<Diagnostic>,
}

impl PolicyError {
    pub(crate) fn new(mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.retain(Diagnostic::is_error);
        PolicyError { diagnostics }
    }

    /// Every error found: for a TOML source in the order of their line and column, otherwise
    /// section by section, in the order of the document's entries.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Whether some error has `code`, written as its string (`"missing-revision"`).
    pub fn has_code(&self, code: &str) -> bool {
        self.diagnostics.iter().any(|d| d.code == code)
    }
}

/// `1 error`, `2 errors`.
fn errors(n: usize) -> String {
    format!("{n} error{}", if n == 1 { "" } else { "s" })
}

/// Each diagnostic on its own indented line, after a line break.
struct Lines<'a>(&'a [Diagnostic]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0 {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

impl Diagnostic {
    /// This diagnostic as a compiler-style line for the policy file `file`:
    /// `policy.toml:12:5: error[unknown-system]: topics."email.setup".explains.system: …`,
    /// with the hint on a second line, then the matched text or the counterexample of a
    /// `check` finding. What the command-line tool prints.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let err = Engine::from_toml_str("[policy]\nname = \"x\"\nrevision = 1\n").unwrap_err();
    /// let line = err.diagnostics()[0].in_file("policy.toml").to_string();
    /// assert!(line.starts_with("policy.toml:3:12: error[parse-error]: "), "{line}");
    /// ```
    pub fn in_file<'a>(&'a self, file: &'a str) -> InFile<'a> {
        InFile {
            diagnostic: self,
            file,
        }
    }
}

/// A [`Diagnostic`] shown for a file, from [`Diagnostic::in_file`].
#[derive(Clone, Copy, Debug)]
pub struct InFile<'a> {
    diagnostic: &'a Diagnostic,
    file: &'a str,
}

impl fmt::Display for InFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diagnostic;
        f.write_str(self.file)?;
        if let Some(loc) = d.location {
            write!(f, ":{}:{}", loc.line, loc.column)?;
        }
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {level}[{}]: ", d.code)?;
        if !d.path.segments().is_empty() {
            write!(f, "{}: ", d.path)?;
        }
        f.write_str(&d.message)?;
        if !d.hint.is_empty() {
            write!(f, "\n  = hint: {}", d.hint)?;
        }
        if let Some(m) = &d.matched {
            write!(f, "\n  matched: {m}")?;
        }
        if let Some(c) = &d.counterexample {
            write!(f, "\n{}", c.to_string().trim_end())?;
        }
        Ok(())
    }
}
