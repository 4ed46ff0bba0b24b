//! GitHub Actions workflow commands: [`github`](super::github), one annotation per finding.

use std::fmt::Write as _;

use super::shared::details;
use crate::diagnostic::{Diagnostic, Severity};

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
/// use unified_message::{Code, Diagnostic, ci};
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
///     ci::github(&[finding], "policies/acme.toml"),
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

    /// Issue 17, point 1: GitHub's escaping (`@actions/core` `escapeData`/`escapeProperty`).
    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
    }
}
