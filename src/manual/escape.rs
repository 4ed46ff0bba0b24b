//! The policy's strings as Markdown text: a policy is a stranger's text, and the manual is
//! rendered in the playground and pasted into wikis, so no name, text or `why` of the policy
//! may become a link, an emphasis, an image, raw HTML, a heading or a list there. Ordinary
//! text (letters, digits, spaces, `.,;:!?'"()-/{}`) is written as it is.

/// The characters that open inline Markdown (CommonMark, and GFM's strikethrough; a `|` in a
/// table cell is escaped by the cell), escaped wherever they stand.
const INLINE: &[char] = &['\\', '`', '*', '[', ']', '<', '~', '&'];

/// `text` as inline Markdown text: every character that opens inline syntax escaped (`_`
/// unless it stands between two letters or digits, where it cannot open nor close an
/// emphasis: `{customer_name}` stays as it is), a leading block marker (`#`, `>`, `-`, `+`,
/// `=`, `1.`, `1)`) escaped, line breaks as spaces.
pub(super) fn text(text: &str) -> String {
    let one_line = text.replace("\r\n", " ").replace(['\n', '\r'], " ");
    line(&one_line)
}

/// `text` as lines of Markdown text (each line escaped as [`text`] escapes its one line).
pub(super) fn lines(text: &str) -> String {
    text.lines().map(line).collect::<Vec<_>>().join("\n")
}

fn line(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let start = text.len() - text.trim_start().len();
    let (indent, rest) = text.split_at(start);
    out.push_str(indent);
    // A block marker at the start of a line: `#`, `-`, `+`, `=` (a setext underline), and the
    // `.` or `)` after leading digits (an ordered list).
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let mut before: Option<char> = None;
    let mut chars = rest.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        let marker = (i == 0 && matches!(c, '#' | '>' | '-' | '+' | '='))
            || (digits > 0 && i == digits && matches!(c, '.' | ')'));
        let intraword = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let underscore =
            c == '_' && !(intraword(before) && intraword(chars.peek().map(|(_, c)| *c)));
        if marker || underscore || INLINE.contains(&c) {
            out.push('\\');
        }
        out.push(c);
        before = Some(c);
    }
    out
}

/// `text` as a code span: fenced by more backticks than any run inside it (so a backtick in
/// an id cannot end the span early), line breaks as spaces.
pub(super) fn code(text: &str) -> String {
    let one_line = text.replace("\r\n", " ").replace(['\n', '\r'], " ");
    let mut longest = 0;
    let mut run = 0;
    for c in one_line.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    if longest == 0 {
        return format!("`{one_line}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {one_line} {fence}")
}

#[cfg(test)]
mod tests {
    use super::{code, lines, text};

    #[test]
    fn issue30_4_ordinary_text_is_unchanged_and_markup_is_escaped() {
        assert_eq!(
            text("Billing (Acme), 2nd line: ok?"),
            "Billing (Acme), 2nd line: ok?"
        );
        assert_eq!(
            text("**[Sign in](https://evil.example)**"),
            "\\*\\*\\[Sign in\\](https://evil.example)\\*\\*"
        );
        assert_eq!(text("# a\n- b"), "\\# a - b");
        assert_eq!(text("> a > b"), "\\> a > b");
        assert_eq!(text("{customer_name} _x_"), "{customer_name} \\_x\\_");
        assert_eq!(
            lines("1. one\n  - two\nthree"),
            "1\\. one\n  \\- two\nthree"
        );
        assert_eq!(code("billing"), "`billing`");
        assert_eq!(code("a`b"), "`` a`b ``");
    }
}
