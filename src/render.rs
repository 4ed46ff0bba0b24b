//! Diagnostics shown with their source: the offending line(s), the span underlined, the
//! hint below — as cargo and rustc show theirs.
//!
//! [`SourceFile`] indexes a policy's text by line once, so that rendering thousands of
//! diagnostics of a large policy costs time linear in their number. The span of a diagnostic
//! is found from its [`Location`](crate::document::Location): the key there and its value
//! (`system = "self-diagnosys"`), or the token there. Rendering itself (feature `render`) is
//! done by the `annotate-snippets` crate; finding the span needs no feature.

use std::ops::Range;

use crate::diagnostic::Diagnostic;

pub use crate::diagnostic::InFile;
#[cfg(feature = "render")]
use crate::diagnostic::Severity;

/// How [`SourceFile::render`] draws a diagnostic.
///
/// The library never looks at a terminal: the host chooses (the command-line tool colours
/// when its output is a terminal and `NO_COLOR` is not set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RenderStyle {
    /// Plain text, for files, pipes and tests.
    #[default]
    Plain,
    /// ANSI colours, for a terminal.
    Colored,
}

/// A policy's source text and its name, indexed by line, to show diagnostics against.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
/// use unified_message::render::SourceFile;
///
/// let policy = unified_message::EXAMPLE_POLICY.replace(
///     r#"system = "self-diagnosis", message = "email-setup-guide""#,
///     r#"system = "self-diagnosys", message = "email-setup-guide""#,
/// );
/// let err = Engine::from_toml_str(&policy).unwrap_err();
/// let source = SourceFile::new(&policy, "policy.toml");
/// let d = &err.diagnostics()[0];
/// let span = source.span(d).unwrap();
/// assert_eq!(&policy[span], r#"system = "self-diagnosys""#);
/// ```
#[derive(Clone, Debug)]
pub struct SourceFile<'a> {
    text: &'a str,
    origin: &'a str,
    /// The byte offset where each line starts.
    line_starts: Vec<usize>,
}

/// How many lines a bracketed value may span before the underline stops at its first line.
const MAX_SPAN_LINES: usize = 20;

impl<'a> SourceFile<'a> {
    /// The source `text` of the policy named `origin` (a file name, or what the host calls it).
    pub fn new(text: &'a str, origin: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            text,
            origin,
            line_starts,
        }
    }

    /// The text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The name the text is shown under.
    pub fn origin(&self) -> &'a str {
        self.origin
    }

    /// The byte range of line `line` (from 1), without its line break.
    fn line_range(&self, line: usize) -> Option<Range<usize>> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        let end = if self.text.get(start..end)?.ends_with('\r') {
            end - 1
        } else {
            end
        };
        Some(start..end)
    }

    /// The byte offset of a diagnostic's location, if it lies in this text.
    fn offset(&self, d: &Diagnostic) -> Option<usize> {
        let loc = d.location?;
        let line = self.line_range(loc.line)?;
        let text = self.text.get(line.clone())?;
        let column = loc.column.checked_sub(1)?;
        let within = match text.char_indices().nth(column) {
            Some((i, _)) => i,
            // Just past the end of the line: where a missing value would go.
            None if text.chars().count() == column => text.len(),
            None => return None,
        };
        Some(line.start + within)
    }

    /// The byte range of `self.text()` that diagnostic `d` is about: at its location, a key
    /// with its value (`system = "self-diagnosys"`), a quoted string, a bracketed value (up
    /// to 20 lines), or a bare token; for a forbidden phrase, the phrase itself when the text
    /// there contains it. `None` when `d` has no location, or it lies outside the text or on
    /// a comment (the top of a document that lacks what the diagnostic's path names).
    pub fn span(&self, d: &Diagnostic) -> Option<Range<usize>> {
        let start = self.offset(d)?;
        let rest = self.text.get(start..)?;
        if rest.starts_with('#') {
            // A comment (the top of a document that lacks what the path names): nothing to
            // underline.
            return None;
        }
        let mut end = start + token_len(rest, MAX_SPAN_LINES);
        // A key: underline its value with it.
        let after = self.text.get(end..)?;
        let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
        let value = after
            .get(gap..)
            .and_then(|s| s.strip_prefix('=').or_else(|| s.strip_prefix(':')))
            .filter(|_| end > start);
        if let Some(value) = value {
            let value_gap = value.len() - value.trim_start_matches([' ', '\t']).len();
            let value_start = end + gap + 1 + value_gap;
            let len = self
                .text
                .get(value_start..)
                .map_or(0, |v| token_len(v, MAX_SPAN_LINES));
            if len > 0 {
                end = value_start + len;
            }
        }
        // A forbidden phrase: the phrase itself, when the value contains it as written.
        let phrase = d
            .matched
            .as_ref()
            .filter(|m| !m.text.is_empty())
            .and_then(|m| {
                let i = self.text.get(start..end)?.find(&m.text)?;
                Some(start + i..start + i + m.text.len())
            });
        if phrase.is_some() {
            return phrase;
        }
        Some(start..end)
    }

    /// The lines that `span` touches: their byte range and the first line's number.
    #[cfg(feature = "render")]
    fn lines_of(&self, span: &Range<usize>) -> Option<(Range<usize>, usize)> {
        let first = self.line_starts.partition_point(|&s| s <= span.start);
        let last = self
            .line_starts
            .partition_point(|&s| s < span.end.max(span.start + 1))
            .max(first);
        let start = self.line_range(first)?.start;
        let end = self.line_range(last)?.end.max(span.end);
        Some((start..end, first))
    }

    /// Diagnostic `d` as rustc shows an error: the code and message, `--> origin:line:col`,
    /// the offending line(s) with the span underlined and labelled with the document path,
    /// then the hint, the matched phrase and the counterexample. A diagnostic without a
    /// location in this text shows its document path instead of the source.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    /// use unified_message::render::{RenderStyle, SourceFile};
    ///
    /// let policy = "[policy]\nname = \"x\"\nrevision = 1\n";
    /// let err = Engine::from_toml_str(policy).unwrap_err();
    /// let shown = SourceFile::new(policy, "policy.toml").render(&err.diagnostics()[0], RenderStyle::Plain);
    /// assert!(shown.starts_with("error[parse-error]: "), "{shown}");
    /// assert!(shown.contains(" --> policy.toml:3:12\n"), "{shown}");
    /// assert!(shown.contains("3 | revision = 1\n"), "{shown}");
    /// assert!(shown.contains("  |            ^"), "{shown}");
    /// assert!(shown.contains("= hint: fix the TOML"), "{shown}");
    /// ```
    #[cfg(feature = "render")]
    pub fn render(&self, d: &Diagnostic, style: RenderStyle) -> String {
        use annotate_snippets::{AnnotationKind, Level, Origin, Renderer, Snippet};

        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let at = self
            .span(d)
            .and_then(|span| self.lines_of(&span).map(|lines| (span, lines)));
        let title = match at {
            Some(_) => d.message.clone(),
            None if d.path.segments().is_empty() => d.message.clone(),
            None => format!("{}: {}", d.path, d.message),
        };
        let title = level.primary_title(title).id(d.code.as_str());
        let mut group = match (&at, d.location) {
            (Some((span, (lines, first))), _) => {
                let source = self.text.get(lines.clone()).unwrap_or_default();
                let label = (!d.path.segments().is_empty()).then(|| d.path.to_string());
                title.element(
                    Snippet::source(source)
                        .line_start(*first)
                        .path(self.origin)
                        .annotation(
                            AnnotationKind::Primary
                                .span(span.start - lines.start..span.end - lines.start)
                                .label(label),
                        ),
                )
            }
            (None, Some(loc)) => title.element(
                Origin::path(self.origin)
                    .line(loc.line)
                    .char_column(loc.column),
            ),
            (None, None) => title.element(Origin::path(self.origin)),
        };
        if !d.hint.is_empty() {
            group = group.element(Level::HELP.with_name("hint").message(d.hint.as_str()));
        }
        if let Some(m) = &d.matched {
            group = group.element(Level::NOTE.with_name("matched").message(m.to_string()));
        }
        if let Some(c) = &d.counterexample {
            let text = c.to_string();
            let text = text
                .trim()
                .trim_start_matches("counterexample: ")
                .to_owned();
            group = group.element(Level::NOTE.with_name("counterexample").message(text));
        }
        let renderer = match style {
            RenderStyle::Plain => Renderer::plain(),
            RenderStyle::Colored => Renderer::styled(),
        };
        renderer.render(&[group])
    }
}

#[cfg(feature = "render")]
impl Diagnostic {
    /// This diagnostic with its source: see [`SourceFile::render`]. To show many
    /// diagnostics of one text, make one [`SourceFile`] and render each against it.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    /// use unified_message::render::RenderStyle;
    ///
    /// let policy = "[policy]\nname = \"x\"\nrevision = 1\n";
    /// let err = Engine::from_toml_str(policy).unwrap_err();
    /// let shown = err.diagnostics()[0].render(policy, "policy.toml", RenderStyle::Plain);
    /// assert!(shown.contains("3 | revision = 1"), "{shown}");
    /// ```
    pub fn render(&self, source: &str, origin: &str, style: RenderStyle) -> String {
        SourceFile::new(source, origin).render(self, style)
    }
}

/// The length in bytes of the token at the start of `text`: a quoted string, a bracketed
/// value (over at most `max_lines` lines, else to the end of the first line), or a bare
/// word; 0 at a line break or the end of the text.
fn token_len(text: &str, max_lines: usize) -> usize {
    let first_line = text.find(['\n', '\r']).unwrap_or(text.len());
    let Some(open) = text.chars().next() else {
        return 0;
    };
    match open {
        '"' | '\'' => {
            let triple: String = std::iter::repeat_n(open, 3).collect();
            if let Some(body) = text.strip_prefix(triple.as_str()) {
                // A multi-line string: to its closing quotes, or the end of the first line.
                return body
                    .find(triple.as_str())
                    .filter(|&end| {
                        body.get(..end)
                            .is_some_and(|s| s.lines().count() <= max_lines)
                    })
                    .map_or(first_line, |end| end + 6);
            }
            let mut escaped = false;
            for (i, c) in text.char_indices().skip(1) {
                match c {
                    '\n' | '\r' => return i,
                    '\\' if open == '"' && !escaped => escaped = true,
                    c if c == open && !escaped => return i + c.len_utf8(),
                    _ => escaped = false,
                }
            }
            first_line
        }
        '[' | '{' => {
            let mut depth = 0usize;
            let mut lines = 1;
            let mut quote: Option<char> = None;
            let mut escaped = false;
            let mut comment = false;
            for (i, c) in text.char_indices() {
                if c == '\n' {
                    lines += 1;
                    comment = false;
                    if lines > max_lines {
                        break;
                    }
                    continue;
                }
                if comment {
                    continue;
                }
                if let Some(q) = quote {
                    match c {
                        '\\' if q == '"' && !escaped => escaped = true,
                        c if c == q && !escaped => quote = None,
                        _ => escaped = false,
                    }
                    continue;
                }
                match c {
                    '"' | '\'' => quote = Some(c),
                    '#' => comment = true,
                    '[' | '{' => depth += 1,
                    ']' | '}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
            }
            first_line
        }
        _ => text
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '=' | ':' | ',' | '[' | ']' | '{' | '}' | '#')
            })
            .unwrap_or(text.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::token_len;

    #[test]
    fn tokens() {
        assert_eq!(token_len(r#""a\"b" = 1"#, 20), 6);
        assert_eq!(token_len("'a\\' x", 20), 4);
        assert_eq!(token_len("[1, [2], \"]\"] # x", 20), 13);
        assert_eq!(token_len("{ a = 1,\n b = 2 }\nc", 20), 17);
        assert_eq!(token_len("{ a = 1,\n b = 2 }\nc", 1), 8);
        assert_eq!(token_len("key.sub = 1", 20), 7);
        assert_eq!(token_len("\"\"\"a\nb\"\"\" x", 20), 9);
        assert_eq!(token_len("\nx", 20), 0);
        assert_eq!(token_len("", 20), 0);
    }
}
