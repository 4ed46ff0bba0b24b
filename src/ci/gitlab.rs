//! GitLab Code Quality: [`gitlab`](super::gitlab), a JSON array of issues.

use serde::Serialize;

use super::shared::{details, fingerprints, to_json};
use crate::diagnostic::{Diagnostic, Severity};

/// The findings as a GitLab Code Quality report (`artifacts:reports:codequality`): a JSON
/// array with one issue per finding — `description`, `check_name` (the code), `fingerprint`,
/// `severity` (`major` for an error, `minor` for a warning) and `location` (`path`,
/// `lines.begin`). GitLab shows them in the merge request's widget and on the changed lines.
///
/// The fingerprint is a hash of the file, the code, the document path and the sentence (not
/// the line), so a finding keeps its identity when lines move above it; repeated identical
/// findings are told apart by their order. A finding without a line points to line 1.
///
/// # Examples
///
/// ```
/// use unified_message::{Code, Diagnostic, ci};
/// use unified_message::document::DocPath;
///
/// let finding = Diagnostic::warning(
///     Code::UnusedSystem,
///     DocPath::root().key("systems").key("fax"),
///     "system `fax` explains or serves no topic",
///     "name it in a topic's `explains` or `serves`, or remove it",
/// );
/// let issues: serde_json::Value = serde_json::from_str(&ci::gitlab(&[finding], "policy.yaml"))?;
/// assert_eq!(issues[0]["check_name"], "unused-system");
/// assert_eq!(issues[0]["severity"], "minor");
/// assert_eq!(issues[0]["location"]["path"], "policy.yaml");
/// assert_eq!(issues[0]["location"]["lines"]["begin"], 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn gitlab(diagnostics: &[Diagnostic], file: &str) -> String {
    let fingerprints = fingerprints(diagnostics, file);
    let issues: Vec<CodeQualityIssue<'_>> = diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| CodeQualityIssue {
            description: details(d),
            check_name: d.code.as_str(),
            fingerprint,
            severity: match d.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
            },
            location: CodeQualityLocation {
                path: file,
                lines: CodeQualityLines {
                    begin: d.location.map_or(1, |l| l.line),
                },
            },
        })
        .collect();
    to_json(&issues)
}

/// One issue of a GitLab Code Quality report.
#[derive(Serialize)]
struct CodeQualityIssue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: CodeQualityLocation<'a>,
}

#[derive(Serialize)]
struct CodeQualityLocation<'a> {
    path: &'a str,
    lines: CodeQualityLines,
}

#[derive(Serialize)]
struct CodeQualityLines {
    begin: usize,
}
