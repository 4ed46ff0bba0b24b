//! SARIF 2.1.0: the static-analysis format of GitHub code scanning and many other viewers.

use serde::Serialize;

use super::shared::{details, fingerprints, to_json};
use crate::diagnostic::{Diagnostic, Severity};

/// The findings as a SARIF 2.1.0 log: one run of the tool `unified-message`, one rule per
/// diagnostic code (in order of first appearance) with its help text
/// ([`Code::help`](crate::Code::help)), and one result per finding with its physical location
/// in `file` (line and column, counted in Unicode code points) and its document path as a
/// logical location.
///
/// GitHub code scanning needs a line for every result: a finding without one (a policy read
/// from JSON or YAML) points to line 1, and its message names the document path. Each result
/// carries a partial fingerprint (`unifiedMessage/v1`) of the file, code, document path and
/// sentence, so viewers keep tracking it when lines move.
///
/// # Examples
///
/// ```
/// use unified_message::{Code, Diagnostic, ci};
/// use unified_message::document::{DocPath, Location};
///
/// let mut finding = Diagnostic::error(
///     Code::UnknownSystem,
///     DocPath::root().key("topics").key("email.setup").key("explains").key("system"),
///     "unknown system `self-diagnosys`",
///     "define it under `[systems]`",
/// );
/// finding.location = Some(Location { line: 12, column: 14 });
/// let log: serde_json::Value = serde_json::from_str(&ci::sarif(&[finding], "policy.toml"))?;
/// assert_eq!(log["version"], "2.1.0");
/// let run = &log["runs"][0];
/// assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "unknown-system");
/// let result = &run["results"][0];
/// assert_eq!(result["level"], "error");
/// let location = &result["locations"][0]["physicalLocation"];
/// assert_eq!(location["artifactLocation"]["uri"], "policy.toml");
/// assert_eq!(location["region"]["startLine"], 12);
/// assert_eq!(location["region"]["startColumn"], 14);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sarif(diagnostics: &[Diagnostic], file: &str) -> String {
    let mut rules: Vec<Rule<'_>> = Vec::new();
    let mut results = Vec::with_capacity(diagnostics.len());
    let uri = uri_reference(file);
    for (d, fingerprint) in diagnostics.iter().zip(fingerprints(diagnostics, file)) {
        let rule_index = match rules.iter().position(|r| r.id == d.code) {
            Some(i) => i,
            None => {
                rules.push(rule(d));
                rules.len() - 1
            }
        };
        let region = match d.location {
            Some(loc) => Region {
                start_line: loc.line,
                start_column: Some(loc.column),
            },
            None => Region {
                start_line: 1,
                start_column: None,
            },
        };
        let path = d.path.to_string();
        results.push(SarifResult {
            rule_id: d.code.as_str(),
            rule_index,
            level: level(d.severity),
            message: Text { text: details(d) },
            locations: vec![ResultLocation {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri.clone() },
                    region,
                },
                logical_locations: if d.path.segments().is_empty() {
                    Vec::new()
                } else {
                    vec![LogicalLocation {
                        fully_qualified_name: path,
                    }]
                },
            }],
            partial_fingerprints: PartialFingerprints {
                unified_message: fingerprint,
            },
        });
    }
    to_json(&Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "unified-message",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    })
}

/// The rule of `d`'s code, with the code's help.
fn rule(d: &Diagnostic) -> Rule<'_> {
    let help = d.code.help();
    let short = first_sentence(help).to_owned();
    let help = help.to_owned();
    Rule {
        id: d.code.as_str(),
        name: d.code.as_str(),
        short_description: Text { text: short },
        full_description: Text { text: help.clone() },
        help: Text { text: help },
        default_configuration: Configuration {
            level: level(d.severity),
        },
    }
}

fn first_sentence(text: &str) -> &str {
    text.find(". ").and_then(|i| text.get(..=i)).unwrap_or(text)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `path` as a URI reference: `/` separates segments; what a URI may not hold is
/// percent-encoded (RFC 3986).
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else if byte == b'\\' && cfg!(windows) {
            out.push('/');
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<ResultLocation>,
    partial_fingerprints: PartialFingerprints,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
}

#[derive(Serialize)]
struct PartialFingerprints {
    #[serde(rename = "unifiedMessage/v1")]
    unified_message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri_reference("policies/acme hosting.toml"),
            "policies/acme%20hosting.toml"
        );
        assert_eq!(
            uri_reference("políticas/a%b.toml"),
            "pol%C3%ADticas/a%25b.toml"
        );
        assert_eq!(uri_reference("./policy.toml"), "./policy.toml");
    }

    #[test]
    fn short_description_is_the_first_sentence() {
        assert_eq!(first_sentence("One. Two."), "One.");
        assert_eq!(first_sentence("Only one"), "Only one");
    }
}
