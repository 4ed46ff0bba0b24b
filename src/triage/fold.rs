//! Folding: the customer's text as triage reads it (NFD, combining marks dropped, lowercase),
//! with a byte map back to the original for the spans of matches.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Folds `text` for matching: NFD, combining marks dropped, lowercase. Also returns, for each
/// byte of the folded text, the byte offset in `text` of the character it comes from.
pub(super) fn fold_with_map(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    for (offset, c) in text.char_indices() {
        let before = folded.len();
        push_folded(c, &mut folded);
        map.resize(map.len() + (folded.len() - before), offset);
    }
    (folded, map)
}

/// Folds one character into `out`: its canonical decomposition without combining marks,
/// lowercased.
fn push_folded(c: char, out: &mut String) {
    // ASCII has no accents to drop: the fast path for most customer text (folding was half
    // the cost of triaging 2 KB, benches/scale.rs).
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    decompose_canonical(c, |d| {
        if !is_combining_mark(d) {
            out.extend(d.to_lowercase());
        }
    });
}

/// Folds `text` as triage reads it: canonical decomposition (NFD), combining marks dropped,
/// lowercase.
///
/// Useful to see what a keyword is matched against, or to write keywords for a new locale.
///
/// # Examples
///
/// ```
/// assert_eq!(unified_message::triage::fold_text("Configuración del CORREO"), "configuracion del correo");
/// assert_eq!(unified_message::triage::fold_text("SEÑAL"), "senal");
/// ```
pub fn fold_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_folded(c, &mut out);
    }
    out
}

/// Folds one character as the text is folded.
pub(super) fn fold_char(c: char) -> String {
    let mut out = String::new();
    push_folded(c, &mut out);
    out
}

/// The span in the original text of folded bytes `start..end`: from the start of the first
/// character to the end of the last one, with any combining marks that follow it.
pub(super) fn original_span(text: &str, map: &[usize], start: usize, end: usize) -> (usize, usize) {
    let Some(&from) = map.get(start) else {
        return (text.len(), text.len());
    };
    let last = end
        .checked_sub(1)
        .and_then(|e| map.get(e))
        .copied()
        .unwrap_or(from)
        .max(from);
    let rest = text.get(last..).unwrap_or("");
    let mut to = last;
    for (i, c) in rest.char_indices() {
        if i > 0 && !is_combining_mark(c) {
            break;
        }
        to = last + i + c.len_utf8();
    }
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_case() {
        assert_eq!(fold_text("Configuración"), "configuracion");
        assert_eq!(fold_text("SEÑAL"), "senal");
        assert_eq!(fold_text("e\u{301}"), "e");
        assert_eq!(fold_text("Ça été"), "ca ete");
    }

    #[test]
    fn map_points_to_original_characters() {
        let (folded, map) = fold_with_map("Añó x");
        assert_eq!(folded, "ano x");
        assert_eq!(map, vec![0, 1, 3, 5, 6]);
        assert_eq!(original_span("Añó x", &map, 0, 3), (0, 5));
        let text = "cafe\u{301}!";
        let (folded, map) = fold_with_map(text);
        assert_eq!(folded, "cafe!");
        assert_eq!(original_span(text, &map, 0, 4), (0, 6));
    }
}
