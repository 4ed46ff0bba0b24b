//! Line and column for diagnostics of policies loaded from TOML text: each diagnostic's
//! document path is looked up in the spanned TOML tree.

use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, Location, PathSegment};

/// Sets the location of every diagnostic whose path can be found in `source`; a path that
/// ends below what was written (a missing key) gets the location of its nearest ancestor.
pub(crate) fn locate_toml(source: &str, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let Ok(root) = DeTable::parse(source) else {
        return diagnostics;
    };
    // The byte offset where each diagnostic is and where its span ends, with its index.
    let mut offsets: Vec<(usize, usize, bool)> = Vec::new();
    let mut ends: std::collections::HashMap<usize, Option<usize>> =
        std::collections::HashMap::new();
    for (i, d) in diagnostics.iter().enumerate() {
        if d.location.is_some() {
            continue;
        }
        let mut span = root.span();
        let mut table = Some(root.get_ref());
        let mut value: Option<&DeValue<'_>> = None;
        for segment in d.path.segments() {
            let next = match segment {
                // A map lookup, not a scan: thousands of diagnostics in a table of
                // thousands of keys must not cost their product.
                PathSegment::Key(k) => table
                    .and_then(|t| t.get_key_value(k.as_str()))
                    .map(|(key, v)| (key.span(), v)),
                PathSegment::Index(i) => value
                    .and_then(DeValue::as_array)
                    .and_then(|a| a.get(*i))
                    .map(|v| (v.span(), v)),
            };
            let Some((key_span, v)) = next else { break };
            span = key_span;
            value = Some(v.get_ref());
            table = v.get_ref().as_table();
        }
        let start = span.start.min(source.len());
        offsets.push((start, i, false));
        // Where its span ends, in the same sweep; found once per place (thousands of
        // diagnostics at one long value cost it once), but a forbidden phrase's span is its
        // own.
        let end = if d.matched.is_some() {
            crate::render::span_at(source, start, d).map(|span| span.end)
        } else {
            *ends
                .entry(start)
                .or_insert_with(|| crate::render::span_at(source, start, d).map(|span| span.end))
        };
        if let Some(end) = end {
            offsets.push((end, i, true));
        }
    }
    // Line and column of every offset in one sweep of the text, in order of offset: thousands
    // of diagnostics on one long line cost the line once, not once each.
    offsets.sort_unstable();
    let (mut line, mut column, mut at) = (1, 1, 0);
    for (offset, i, is_end) in offsets {
        if let Some(passed) = source.get(at..offset) {
            for c in passed.chars() {
                if c == '\n' {
                    line += 1;
                    column = 1;
                } else {
                    column += 1;
                }
            }
            at = offset;
        }
        if let Some(d) = diagnostics.get_mut(i) {
            let at = Some(Location { line, column });
            if is_end {
                d.end = at;
            } else {
                d.location = at;
            }
        }
    }
    diagnostics
}
