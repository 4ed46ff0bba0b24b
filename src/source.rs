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
    // Where each line starts, so that locating thousands of diagnostics in a large policy
    // does not rescan the text from the start for each one.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let locate = |offset: usize| {
        let offset = offset.min(source.len());
        let line = line_starts.partition_point(|&start| start <= offset).max(1);
        let start = line_starts.get(line - 1).copied().unwrap_or(0);
        let column = source.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        Location { line, column }
    };
    for d in &mut diagnostics {
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
        d.location = Some(locate(span.start));
    }
    diagnostics
}
