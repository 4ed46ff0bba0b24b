//! A linear scan of a YAML (or JSON) policy text before it is parsed, for what the parser
//! cannot bound by itself: the nesting depth (the YAML scanner takes time quadratic in it) and
//! the size of the document once every alias is expanded (an alias repeats its anchor's node,
//! so a few kilobytes of aliases to aliases can stand for gigabytes).
//!
//! The scan knows just enough YAML to find the structure: comments, quoted scalars, block
//! scalars, flow collections, block indentation, anchors and aliases. It errs on the side of
//! counting more: an anchor's node is taken to run to the next line indented no deeper than the
//! anchor's own line (in a block) or to the end of its flow entry, an upper bound of its text.

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic, DocPath, Location, PolicyError};

/// What the scan refuses.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScanLimits {
    /// The deepest nesting of collections.
    pub(crate) max_depth: usize,
    /// The most bytes of text, aliases expanded.
    pub(crate) max_bytes: usize,
}

/// An anchor whose node is not finished yet.
#[derive(Debug)]
struct OpenAnchor<'s> {
    name: &'s str,
    start: usize,
    /// In a flow collection: the flow depth of its entry. In a block: `None`.
    flow_depth: Option<usize>,
    /// The indentation of the line it is on (a block anchor ends at the next line indented
    /// no deeper).
    line_indent: usize,
    /// Written after a `key:` on its line: a block sequence at the key's own indentation still
    /// belongs to it.
    after_key: bool,
    /// What aliases inside its node add when expanded.
    expansion: u64,
}

/// Scans a YAML (or JSON) text; `Err` with one diagnostic at the place where a limit is
/// passed.
pub(crate) fn scan_yaml(source: &str, limits: ScanLimits) -> Result<(), PolicyError> {
    scan(source, limits).map_err(|d| PolicyError::new(vec![*d]))
}

fn scan(source: &str, limits: ScanLimits) -> Result<(), Box<Diagnostic>> {
    Scan::new(source, limits).run()
}

struct Scan<'s> {
    source: &'s str,
    bytes: &'s [u8],
    limits: ScanLimits,
    i: usize,
    flow_depth: usize,
    /// Columns of the open block levels.
    block: Vec<usize>,
    /// At the start of a node: `[`, `{`, quotes, `|`, `>`, `&`, `*`, `-` and `?` are
    /// indicators here, not characters of a plain scalar.
    node_start: bool,
    /// Where the current line starts, its indentation, and whether a `key:` came before on it.
    line_begin: usize,
    line_indent: usize,
    after_key: bool,
    anchors: HashMap<&'s str, u64>,
    open: Vec<OpenAnchor<'s>>,
    /// What every alias adds to the text when expanded, in all.
    expansion: u64,
}

impl<'s> Scan<'s> {
    fn new(source: &'s str, limits: ScanLimits) -> Self {
        Scan {
            source,
            bytes: source.as_bytes(),
            limits,
            i: 0,
            flow_depth: 0,
            block: Vec::new(),
            node_start: true,
            line_begin: 0,
            line_indent: 0,
            after_key: false,
            anchors: HashMap::new(),
            open: Vec::new(),
            expansion: 0,
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    fn is_blank(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0)
    }

    fn too_deep(&self, at: usize) -> Box<Diagnostic> {
        let mut d = Diagnostic::error(
            Code::TooDeep,
            DocPath::root(),
            format!(
                "the policy nests lists and tables more than {} levels deep",
                self.limits.max_depth
            ),
            "a policy needs about 8 levels: flatten the structure, or raise the engine's `max_nesting_depth`",
        );
        d.location = Some(Location::of_offset(self.source, at));
        Box::new(d)
    }

    fn check_depth(&self, at: usize) -> Result<(), Box<Diagnostic>> {
        if self.block.len() + self.flow_depth > self.limits.max_depth {
            return Err(self.too_deep(at));
        }
        Ok(())
    }

    fn run(mut self) -> Result<(), Box<Diagnostic>> {
        self.line_start()?;
        while self.i < self.bytes.len() {
            let b = self.at(self.i);
            match b {
                b'\n' => {
                    self.i += 1;
                    self.line_start()?;
                    continue;
                }
                b' ' | b'\t' | b'\r' => {}
                b'#' if self.i == 0 || Self::is_blank(self.at(self.i - 1)) => {
                    self.skip_to_line_end();
                    continue;
                }
                b'"' | b'\'' if self.node_start => {
                    self.skip_quoted(b);
                    self.node_start = false;
                    continue;
                }
                b'[' | b'{' if self.node_start || self.flow_depth > 0 => {
                    self.flow_depth += 1;
                    self.check_depth(self.i)?;
                    self.node_start = true;
                }
                b']' | b'}' if self.flow_depth > 0 => {
                    self.close_flow_anchors(self.flow_depth);
                    self.flow_depth -= 1;
                    self.node_start = false;
                }
                b',' if self.flow_depth > 0 => {
                    // The entry ends, and the anchors of its nodes with it.
                    self.close_flow_anchors(self.flow_depth);
                    self.node_start = true;
                }
                b'&' | b'*' if self.node_start => {
                    let start = self.i;
                    let mut end = start + 1;
                    while end < self.bytes.len()
                        && !Self::is_blank(self.at(end))
                        && !matches!(self.at(end), b',' | b'[' | b']' | b'{' | b'}')
                    {
                        end += 1;
                    }
                    let name = self.source.get(start + 1..end).unwrap_or("");
                    if b == b'&' {
                        self.open.push(OpenAnchor {
                            name,
                            start,
                            flow_depth: (self.flow_depth > 0).then_some(self.flow_depth),
                            line_indent: self.line_indent,
                            after_key: self.after_key,
                            expansion: 0,
                        });
                        // A property: the node itself comes next.
                    } else {
                        let size = self.anchors.get(name).copied().unwrap_or(0);
                        self.expansion = self.expansion.saturating_add(size);
                        if let Some(top) = self.open.last_mut() {
                            top.expansion = top.expansion.saturating_add(size);
                        }
                        let total = (self.bytes.len() as u64).saturating_add(self.expansion);
                        if total > self.limits.max_bytes as u64 {
                            let mut d = Diagnostic::error(
                                Code::PolicyTooLarge,
                                DocPath::root(),
                                format!(
                                    "with its aliases expanded, the policy is more than {} bytes long (`*{}` repeats {size} bytes)",
                                    self.limits.max_bytes,
                                    crate::bounded::cut(name)
                                ),
                                "write the repeated part fewer times, or raise the engine's `max_policy_bytes`",
                            );
                            d.location = Some(Location::of_offset(self.source, start));
                            return Err(Box::new(d));
                        }
                        self.node_start = false;
                    }
                    self.i = end;
                    continue;
                }
                b'!' if self.node_start => {
                    // A tag: a property, the node comes next.
                    while self.i < self.bytes.len() && !Self::is_blank(self.at(self.i)) {
                        self.i += 1;
                    }
                    continue;
                }
                b'|' | b'>' if self.node_start && self.flow_depth == 0 => {
                    self.skip_block_scalar();
                    continue;
                }
                b'-' | b'?'
                    if self.node_start
                        && self.flow_depth == 0
                        && Self::is_blank(self.at(self.i + 1)) =>
                {
                    // A compact block entry: its content is one level deeper.
                    let mut content = self.i + 1;
                    while matches!(self.at(content), b' ' | b'\t') {
                        content += 1;
                    }
                    if !matches!(self.at(content), b'\n' | b'\r' | b'#' | 0) {
                        let column = self.column(content);
                        self.block.push(column);
                        self.check_depth(content)?;
                    }
                    self.i = content;
                    continue;
                }
                b':' if Self::is_blank(self.at(self.i + 1))
                    || (self.flow_depth > 0
                        && matches!(self.at(self.i + 1), b',' | b'[' | b']' | b'{' | b'}'))
                    || (self.flow_depth > 0
                        && matches!(self.at(self.i.wrapping_sub(1)), b'"' | b'\'')) =>
                {
                    if self.flow_depth == 0 {
                        self.after_key = true;
                    }
                    self.node_start = true;
                }
                _ => {
                    self.node_start = false;
                }
            }
            self.i += 1;
        }
        while !self.open.is_empty() {
            self.close_top(self.bytes.len());
        }
        Ok(())
    }

    /// The column (from 0, in bytes) of byte `at` of the current line.
    fn column(&self, at: usize) -> usize {
        at.saturating_sub(self.line_begin)
    }

    fn skip_to_line_end(&mut self) {
        while self.i < self.bytes.len() && self.at(self.i) != b'\n' {
            self.i += 1;
        }
    }

    /// Skips a quoted scalar, which may span lines.
    fn skip_quoted(&mut self, quote: u8) {
        self.i += 1;
        while self.i < self.bytes.len() {
            let b = self.at(self.i);
            if quote == b'"' && b == b'\\' {
                if self.at(self.i + 1) == b'\n' {
                    self.line_begin = self.i + 2;
                }
                self.i += 2;
                continue;
            }
            if b == b'\n' {
                self.line_begin = self.i + 1;
            }
            if b == quote {
                if quote == b'\'' && self.at(self.i + 1) == b'\'' {
                    self.i += 2;
                    continue;
                }
                self.i += 1;
                return;
            }
            self.i += 1;
        }
    }

    /// Skips a block scalar (`|` or `>`): its header line, then every line indented deeper
    /// than the level it belongs to (or blank).
    fn skip_block_scalar(&mut self) {
        // The level it belongs to: the entry of a `- |` (whose content column is the last
        // level), else the level of its key.
        let column = self.column(self.i);
        let parent = match self.block.as_slice() {
            [.., entry, content] if *content == column => *entry,
            [.., last] => *last,
            [] => 0,
        };
        self.skip_to_line_end();
        loop {
            if self.i >= self.bytes.len() {
                return;
            }
            // At a line break: look at the next line.
            let next = self.i + 1;
            let mut j = next;
            while self.at(j) == b' ' {
                j += 1;
            }
            let blank = matches!(self.at(j), b'\n' | b'\r') || j >= self.bytes.len();
            let indent = j - next;
            if blank || indent > parent {
                self.i = next;
                self.line_begin = next;
                self.skip_to_line_end();
            } else {
                return;
            }
        }
    }

    /// At the start of a line (not inside a quoted or block scalar): its indentation closes
    /// block levels and block anchors.
    fn line_start(&mut self) -> Result<(), Box<Diagnostic>> {
        self.after_key = false;
        self.line_begin = self.i;
        if self.flow_depth > 0 {
            return Ok(());
        }
        let mut j = self.i;
        while self.at(j) == b' ' {
            j += 1;
        }
        let b = self.at(j);
        if matches!(b, b'\n' | b'\r' | b'#') || j >= self.bytes.len() {
            // Blank or comment: no structure.
            self.i = j;
            return Ok(());
        }
        let indent = j - self.i;
        let document_marker = indent == 0
            && (self.source.get(j..j + 3) == Some("---")
                || self.source.get(j..j + 3) == Some("..."))
            && Self::is_blank(self.at(j + 3));
        let sequence_entry = b == b'-' && Self::is_blank(self.at(j + 1));
        // Close the block anchors this line is not part of.
        while let Some(top) = self.open.last() {
            let ends = top.flow_depth.is_none()
                && (document_marker
                    || indent < top.line_indent
                    || (indent == top.line_indent && !(top.after_key && sequence_entry)));
            if !ends {
                break;
            }
            self.close_top(self.i);
        }
        while self.block.last().is_some_and(|&c| c > indent) {
            self.block.pop();
        }
        if self.block.last() != Some(&indent) {
            self.block.push(indent);
            self.check_depth(j)?;
        }
        self.line_indent = indent;
        self.node_start = true;
        self.i = j;
        Ok(())
    }

    /// Closes the anchors of flow entries at depth `depth` or deeper.
    fn close_flow_anchors(&mut self, depth: usize) {
        while self
            .open
            .last()
            .is_some_and(|a| a.flow_depth.is_some_and(|d| d >= depth))
        {
            self.close_top(self.i);
        }
    }

    /// The innermost open anchor's node ends at `end`: its expanded size is known.
    fn close_top(&mut self, end: usize) {
        let Some(anchor) = self.open.pop() else {
            return;
        };
        let size = (end.saturating_sub(anchor.start) as u64).saturating_add(anchor.expansion);
        if let Some(parent) = self.open.last_mut() {
            parent.expansion = parent.expansion.saturating_add(anchor.expansion);
        }
        self.anchors.insert(anchor.name, size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ScanLimits = ScanLimits {
        max_depth: 64,
        max_bytes: 1 << 20,
    };

    fn depth_error(source: &str) -> Option<Location> {
        match scan(source, LIMITS) {
            Ok(()) => None,
            Err(d) => {
                assert_eq!(d.code, "too-deep", "{d}");
                d.location
            }
        }
    }

    #[test]
    fn flow_nesting_is_bounded() {
        let ok = format!("x: {}1{}", "[".repeat(60), "]".repeat(60));
        assert_eq!(depth_error(&ok), None);
        let deep = format!("x: {}1{}", "[".repeat(100_000), "]".repeat(100_000));
        // `x` is one level, the 64th `[` the 65th.
        assert_eq!(
            depth_error(&deep),
            Some(Location {
                line: 1,
                column: 67
            })
        );
    }

    #[test]
    fn block_nesting_is_bounded() {
        let deep = "- ".repeat(1000) + "x\n";
        assert!(depth_error(&deep).is_some());
        let mut indented = String::new();
        for i in 0..100 {
            indented.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        assert_eq!(depth_error(&indented).map(|l| l.line), Some(65));
    }

    #[test]
    fn brackets_in_scalars_and_comments_are_not_nesting() {
        let text = format!(
            "a: 'x{0}'\nb: \"{0}\"\nc: a{0}b\n# {0}\nd: |\n  {0}\n  more {0}\ne: >\n  {0}\n",
            "[".repeat(200)
        );
        assert_eq!(depth_error(&text), None);
    }

    #[test]
    fn alias_expansion_is_bounded() {
        let big = "x".repeat(10_000);
        let mut text = format!("a: &big {big}\nlist:\n");
        for _ in 0..99 {
            text.push_str("  - *big\n");
        }
        assert!(scan(&text, LIMITS).is_ok());
        for _ in 0..100 {
            text.push_str("  - *big\n");
        }
        let err = scan(&text, LIMITS).unwrap_err();
        assert_eq!(err.code, "policy-too-large");
        // The 104th alias passes 1 MiB: 104 × 10,006 bytes and the text itself.
        assert_eq!(err.location.map(|l| l.line), Some(106), "{err}");
    }

    #[test]
    fn nested_aliases_multiply() {
        // The billion laughs, in flow style: each level repeats the one before ten times.
        let mut text = String::from("a: &a [\"lol\"]\n");
        let mut prev = 'a';
        for level in ['b', 'c', 'd', 'e', 'f', 'g', 'h'] {
            let items = vec![format!("*{prev}"); 10].join(", ");
            text.push_str(&format!("{level}: &{level} [{items}]\n"));
            prev = level;
        }
        let err = scan(&text, LIMITS).unwrap_err();
        assert_eq!(err.code, "policy-too-large", "{err}");
    }
}
