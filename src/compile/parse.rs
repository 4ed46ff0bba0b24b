//! Policy text to `PolicyDocument`: the size limit, the byte-order mark, the pre-scan of
//! YAML and JSON, empty texts, UTF-8, and parse errors located at a line and column.

#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
use crate::diagnostic::{Code, Diagnostic, DocPath, PolicyError};
use crate::document::PolicyDocument;

#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
use super::limits::ParseLimits;

/// `source` as text, or an `invalid-utf8` error at the first byte that is not UTF-8.
#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
pub(super) fn utf8(source: &[u8]) -> Result<&str, PolicyError> {
    std::str::from_utf8(source).map_err(|e| {
        let valid = source
            .get(..e.valid_up_to())
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("");
        let mut d = Diagnostic::error(
            Code::InvalidUtf8,
            DocPath::root(),
            format!(
                "the policy is not valid UTF-8: byte {} cannot start or continue a character",
                e.valid_up_to() + 1
            ),
            "save the file as UTF-8",
        );
        d.location = Some(crate::diagnostic::Location::of_offset(valid, valid.len()));
        PolicyError::new(vec![d])
    })
}

impl PolicyDocument {
    /// Parses a TOML policy document (shape only; compile it to check references), with the
    /// default limits of [`EngineBuilder`](crate::EngineBuilder).
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with one `parse-error` (or `policy-too-large`) diagnostic carrying
    /// line and column.
    #[cfg(feature = "toml")]
    pub fn from_toml_str(source: &str) -> Result<PolicyDocument, PolicyError> {
        Self::parse_toml(source, &ParseLimits::default())
    }

    #[cfg(feature = "toml")]
    pub(crate) fn parse_toml(
        source: &str,
        limits: &ParseLimits,
    ) -> Result<PolicyDocument, PolicyError> {
        let source = without_bom(source);
        check_size(source, limits)?;
        check_numbers(source, true)?;
        toml::from_str(source).map_err(|e| {
            let mut d = Diagnostic::error(
                Code::ParseError,
                DocPath::root(),
                e.message().trim().to_owned(),
                "fix the TOML at that line and column; field names are listed in the policy format reference (docs/format.md) and in schema/policy.schema.json",
            );
            // An error without a span (a key nested too deeply) is located at the first line
            // that is not blank or a comment: where the document's trouble starts.
            let at = e.span().map_or_else(|| first_content(source), |s| s.start);
            d.location = Some(crate::diagnostic::Location::of_offset(source, at));
            PolicyError::new(vec![d])
        })
    }

    /// Parses a JSON policy document (shape only), with the default limits of
    /// [`EngineBuilder`](crate::EngineBuilder).
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with one `parse-error` (or `too-deep`, `policy-too-large`,
    /// `empty-policy`) diagnostic carrying line and column.
    #[cfg(feature = "json")]
    pub fn from_json_str(source: &str) -> Result<PolicyDocument, PolicyError> {
        Self::parse_json(source, &ParseLimits::default())
    }

    #[cfg(feature = "json")]
    pub(crate) fn parse_json(
        source: &str,
        limits: &ParseLimits,
    ) -> Result<PolicyDocument, PolicyError> {
        let source = without_bom(source);
        check_size(source, limits)?;
        check_not_empty(
            source,
            false,
            "a JSON policy is one object: `{\"policy\": {…}, …}`",
        )?;
        crate::prescan::scan_yaml(source, scan_limits(limits))?;
        check_numbers(source, false)?;
        serde_json::from_str(source).map_err(|e| {
            let mut d = Diagnostic::error(
                Code::ParseError,
                DocPath::root(),
                e.to_string(),
                "fix the JSON at that line and column",
            );
            d.location = Some(crate::diagnostic::Location {
                line: e.line().max(1),
                column: e.column().max(1),
            });
            PolicyError::new(vec![d])
        })
    }

    /// Parses a YAML policy document (shape only), with the default limits of
    /// [`EngineBuilder`](crate::EngineBuilder): nesting and aliases are bounded before parsing.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with one `parse-error` (or `too-deep`, `policy-too-large`,
    /// `empty-policy`) diagnostic carrying line and column.
    #[cfg(feature = "yaml")]
    pub fn from_yaml_str(source: &str) -> Result<PolicyDocument, PolicyError> {
        Self::parse_yaml(source, &ParseLimits::default())
    }

    #[cfg(feature = "yaml")]
    pub(crate) fn parse_yaml(
        source: &str,
        limits: &ParseLimits,
    ) -> Result<PolicyDocument, PolicyError> {
        let source = without_bom(source);
        check_size(source, limits)?;
        check_not_empty(
            source,
            true,
            "a YAML policy is a mapping: `policy:`, `topics:`, …",
        )?;
        crate::prescan::scan_yaml(source, scan_limits(limits))?;
        if let Some((at, number)) = crate::model::inexact_yaml_number(source) {
            return Err(inexact(source, at, number));
        }
        serde_norway::from_str(source).map_err(|e| {
            let mut d = Diagnostic::error(
                Code::ParseError,
                DocPath::root(),
                e.to_string(),
                "fix the YAML at that line and column",
            );
            d.location = e.location().map(|l| crate::diagnostic::Location {
                line: l.line().max(1),
                column: l.column().max(1),
            });
            // The YAML reader reports some errors (a control character such as NUL) at 1:1
            // with the byte's offset in the message; locate them at that character.
            if d.location == Some(crate::diagnostic::Location { line: 1, column: 1 })
                && d.message.contains("control characters")
            {
                if let Some(at) = source
                    .find(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{85}'))
                {
                    d.location = Some(crate::diagnostic::Location::of_offset(source, at));
                }
            }
            PolicyError::new(vec![d])
        })
    }
}

/// `source` without a leading byte-order mark: a file saved "with BOM" reads as the same
/// policy, and lines and columns count from after it, as editors show them.
#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
pub(super) fn without_bom(source: &str) -> &str {
    source.strip_prefix('\u{feff}').unwrap_or(source)
}

/// The limits of the pre-scan of YAML and JSON text.
#[cfg(any(feature = "yaml", feature = "json"))]
fn scan_limits(limits: &ParseLimits) -> crate::prescan::ScanLimits {
    crate::prescan::ScanLimits {
        max_depth: limits.max_nesting_depth,
        max_bytes: limits.max_policy_bytes,
    }
}

/// A `policy-too-large` error for a text longer than [`EngineBuilder::max_policy_bytes`].
#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
fn check_size(source: &str, limits: &ParseLimits) -> Result<(), PolicyError> {
    if source.len() <= limits.max_policy_bytes {
        return Ok(());
    }
    Err(PolicyError::new(vec![Diagnostic::error(
        Code::PolicyTooLarge,
        DocPath::root(),
        format!(
            "the policy text is {} bytes long, more than the limit of {} bytes",
            source.len(),
            limits.max_policy_bytes
        ),
        "split the policy, or raise the engine's `max_policy_bytes`",
    )]))
}

/// An `empty-policy` error for a text that is blank (or, in YAML, only comments), whose
/// parser would say "EOF while parsing" at column 0.
#[cfg(any(feature = "json", feature = "yaml"))]
fn check_not_empty(source: &str, comments: bool, shape: &str) -> Result<(), PolicyError> {
    let blank = source
        .lines()
        .all(|l| l.trim().is_empty() || (comments && l.trim_start().starts_with('#')));
    if !blank {
        return Ok(());
    }
    let mut d = Diagnostic::error(
        Code::EmptyPolicy,
        DocPath::root(),
        "the policy is empty",
        format!("write the policy: {shape}"),
    );
    d.location = Some(crate::diagnostic::Location { line: 1, column: 1 });
    Err(PolicyError::new(vec![d]))
}

/// The byte offset of the first line that is not blank or a comment (0 when there is none).
#[cfg(feature = "toml")]
fn first_content(source: &str) -> usize {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') {
            return offset + (line.len() - line.trim_start().len());
        }
        offset += line.len();
    }
    0
}

/// A `parse-error` at the first number of `source` that a double cannot keep exactly (see
/// [`crate::document::inexact_number`]): the parser would read it rounded, and a rule or a weight would
/// silently hold for another value (issue 25 point 5).
#[cfg(any(feature = "toml", feature = "json"))]
fn check_numbers(source: &str, toml: bool) -> Result<(), PolicyError> {
    match crate::model::inexact_number(source, toml) {
        Some((at, number)) => Err(inexact(source, at, number)),
        None => Ok(()),
    }
}

/// The `parse-error` of a number written at byte `at` of `source` that a double would round.
#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
fn inexact(source: &str, at: usize, number: &str) -> PolicyError {
    let mut d = Diagnostic::error(
        Code::ParseError,
        DocPath::root(),
        format!(
            "the number `{}` has more significant digits than a number can keep exactly (15): it would be read as another number",
            crate::bounded::cut(number)
        ),
        "write it as a string, in quotes (a fact's value is its text), or with at most 15 significant digits",
    );
    d.location = Some(crate::diagnostic::Location::of_offset(source, at));
    PolicyError::new(vec![d])
}
