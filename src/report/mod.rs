//! Reports in the formats CI systems show (feature `reports`): findings of `check` and `diff`
//! as GitHub workflow commands ([`github`]), SARIF 2.1.0 ([`sarif`]) or a GitLab Code Quality
//! report ([`gitlab`]), and scenario results as JUnit XML ([`junit`]).
//!
//! Each function renders into a `String` and does no I/O; `file` is the path of the policy (or
//! scenario) file as the CI system knows it, relative to the repository's root, so that the
//! findings land on its lines. The command-line tool's `--format github|sarif|gitlab|junit`
//! prints exactly these.
//!
//! # Examples
//!
//! ```
//! use unified_message::{Engine, report};
//!
//! let policy = unified_message::EXAMPLE_POLICY.replace(
//!     "Hacemos una copia de seguridad diaria",
//!     "Eso no nos compete, pero hacemos una copia de seguridad diaria",
//! );
//! let findings = Engine::from_toml_str(&policy)?.check().located_in_toml(&policy);
//!
//! // One workflow command per finding: GitHub shows it on the line of the policy.
//! let annotations = report::github(&findings.diagnostics, "policy.toml");
//! assert!(annotations.starts_with("::error file=policy.toml,line="));
//! assert!(annotations.contains(",title=forbidden-phrase::"));
//!
//! // The same findings as SARIF (code scanning) and as GitLab Code Quality.
//! let sarif: serde_json::Value = serde_json::from_str(&report::sarif(&findings.diagnostics, "policy.toml"))?;
//! assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "forbidden-phrase");
//! let quality: serde_json::Value = serde_json::from_str(&report::gitlab(&findings.diagnostics, "policy.toml"))?;
//! assert_eq!(quality[0]["check_name"], "forbidden-phrase");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod codes;
mod junit;
mod sarif;
mod shared;

use std::fmt::Write as _;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};

pub use codes::code_help;

pub use junit::junit;
pub use sarif::sarif;

use shared::{details, fingerprints, to_json};

/// The findings as GitHub Actions workflow commands, one line per finding:
/// `::error file=policy.toml,line=62,col=1,title=out-of-lane::rules[0]: …` (`::warning` for a
/// warning). GitHub shows each as an annotation on that line of the pull request's diff.
///
/// The message is the document path and the sentence, then the hint, the matched text of a
/// forbidden phrase and the counterexample of a violated invariant on lines of their own.
/// Data and properties are escaped as GitHub's toolkit does (`%`, CR and LF in the message;
/// also `:` and `,` in properties), so a message can never end the command early. A finding
/// without a line (a policy read from JSON or YAML) is annotated on the file.
///
/// # Examples
///
/// ```
/// use unified_message::{Code, Diagnostic, report};
/// use unified_message::document::{DocPath, Location};
///
/// let mut finding = Diagnostic::error(
///     Code::UnknownSystem,
///     DocPath::root().key("topics").key("email.setup").key("explains").key("system"),
///     "unknown system `self-diagnosys`",
///     "define it under `[systems]`, or did you mean `self-diagnosis`?",
/// );
/// finding.location = Some(Location { line: 12, column: 14 });
/// assert_eq!(
///     report::github(&[finding], "policies/acme.toml"),
///     "::error file=policies/acme.toml,line=12,col=14,title=unknown-system::\
///      topics.\"email.setup\".explains.system: unknown system `self-diagnosys`\
///      %0Ahint: define it under `[systems]`, or did you mean `self-diagnosis`?\n",
/// );
/// ```
pub fn github(diagnostics: &[Diagnostic], file: &str) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = format!("file={}", escape_property(file));
        if let Some(loc) = d.location {
            let _ = write!(properties, ",line={},col={}", loc.line, loc.column);
        }
        let _ = writeln!(
            out,
            "::{command} {properties},title={}::{}",
            escape_property(d.code.as_str()),
            escape_data(&details(d))
        );
    }
    out
}

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
/// use unified_message::{Code, Diagnostic, report};
/// use unified_message::document::DocPath;
///
/// let finding = Diagnostic::warning(
///     Code::UnusedSystem,
///     DocPath::root().key("systems").key("fax"),
///     "system `fax` explains or serves no topic",
///     "name it in a topic's `explains` or `serves`, or remove it",
/// );
/// let issues: serde_json::Value = serde_json::from_str(&report::gitlab(&[finding], "policy.yaml"))?;
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

/// GitHub's escaping of a workflow command's message (`escapeData` of `@actions/core`).
fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

/// GitHub's escaping of a workflow command's property value (`escapeProperty` of
/// `@actions/core`): the message's, and `:` and `,`, which end a property.
fn escape_property(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    /// Issue 17, point 1: GitHub's escaping (`@actions/core` `escapeData`/`escapeProperty`).
    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
    }

    #[test]
    fn repeated_findings_get_distinct_stable_fingerprints() {
        let d = Diagnostic::error(
            Code::UnknownSystem,
            crate::document::DocPath::root(),
            "m",
            "h",
        );
        let twice = fingerprints(&[d.clone(), d.clone()], "p.toml");
        assert_ne!(twice.first(), twice.get(1));
        assert_eq!(fingerprints(&[d.clone(), d], "p.toml"), twice);
        let other_file = fingerprints(
            &[Diagnostic::error(
                Code::UnknownSystem,
                crate::document::DocPath::root(),
                "m",
                "h",
            )],
            "q.toml",
        );
        assert_ne!(other_file.first(), twice.first());
    }
}
