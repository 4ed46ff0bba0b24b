//! Work and output bounded whatever the input: "did you mean" suggestions computed with a
//! banded edit distance under a budget of cells, and user-given values cut to a bounded length
//! before they are quoted in a message.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The longest quoted value a message repeats whole, in characters; a longer one is cut to
/// its first [`QUOTE_HEAD`] characters, an ellipsis and its length.
pub(crate) const MAX_QUOTED_CHARS: usize = 120;

/// What is kept of a value longer than [`MAX_QUOTED_CHARS`].
const QUOTE_HEAD: usize = 80;

/// The longest id, in characters, that is compared for a suggestion: a longer unknown id is
/// not a typo of a known one (and comparing it would cost its length times each id's).
pub(crate) const MAX_SUGGESTED_CHARS: usize = 128;

/// `value` whole, or, when longer than [`MAX_QUOTED_CHARS`] characters, its beginning, an
/// ellipsis and its length: what a message quotes of a user-given value.
pub(crate) fn cut(value: &str) -> Cow<'_, str> {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        None => Cow::Borrowed(value),
        Some(_) => {
            let head_end = value
                .char_indices()
                .nth(QUOTE_HEAD)
                .map_or(value.len(), |(i, _)| i);
            let mut out = String::with_capacity(head_end + 32);
            out.push_str(value.get(..head_end).unwrap_or(""));
            let _ = write!(out, "… ({} characters)", value.chars().count());
            Cow::Owned(out)
        }
    }
}

/// `message` with every quoted value longer than [`MAX_QUOTED_CHARS`] cut by [`cut`]: the
/// values between backticks and between double quotes (serde's parse errors quote with
/// them). A message that repeats a 1 MB keyword stays a line long.
pub(crate) fn cut_quoted(message: String) -> String {
    if message.len() <= MAX_QUOTED_CHARS {
        return message;
    }
    let mut out = String::with_capacity(message.len().min(4 * MAX_QUOTED_CHARS));
    let mut rest = message.as_str();
    loop {
        let Some(open) = rest.find(['`', '"']) else {
            out.push_str(rest);
            break;
        };
        let quote = rest.get(open..=open).unwrap_or("`");
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find(quote) else {
            // An unpaired quote: what follows is cut as one value.
            out.push_str(rest.get(..=open).unwrap_or(""));
            out.push_str(&cut(after));
            break;
        };
        out.push_str(rest.get(..=open).unwrap_or(""));
        out.push_str(&cut(after.get(..close).unwrap_or("")));
        out.push_str(quote);
        rest = after.get(close + 1..).unwrap_or("");
    }
    out
}

/// The most ids a message lists (the known departments of an unknown one…).
pub(crate) const MAX_LISTED: usize = 10;

/// `` `a`, `b`, `c` `` for at most [`MAX_LISTED`] ids (each cut), then "and N more": a message
/// that lists what is known stays short whatever the policy's size.
pub(crate) fn list<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut more = 0usize;
    for (i, id) in ids.into_iter().enumerate() {
        if i >= MAX_LISTED {
            more += 1;
            continue;
        }
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "`{}`", cut(id));
    }
    if more > 0 {
        let _ = write!(out, " and {more} more");
    }
    out
}

/// Suggestions of known ids for unknown ones, under a budget of edit-distance cells shared by
/// every suggestion of one compilation: a policy of 100,000 ids with thousands of unknown
/// references costs at most the budget, not their product.
#[derive(Debug)]
pub(crate) struct Suggester {
    cells_left: u64,
}

impl Suggester {
    /// A suggester that computes at most `cells` cells of edit distance in all.
    pub(crate) fn new(cells: u64) -> Self {
        Suggester { cells_left: cells }
    }

    /// ", or did you mean `x`?" for the closest known id within a third of the length
    /// (at least 1 edit), or "" when there is none, `wanted` is longer than
    /// [`MAX_SUGGESTED_CHARS`], or the budget is spent.
    pub(crate) fn did_you_mean<'a>(
        &mut self,
        known: impl IntoIterator<Item = &'a str>,
        wanted: &str,
    ) -> String {
        self.closest(known, wanted).map_or(String::new(), |k| {
            format!(", or did you mean `{}`?", cut(k))
        })
    }

    /// The closest known id, as for [`Suggester::did_you_mean`].
    pub(crate) fn closest<'a>(
        &mut self,
        known: impl IntoIterator<Item = &'a str>,
        wanted: &str,
    ) -> Option<&'a str> {
        if self.cells_left == 0 {
            return None;
        }
        let wanted: Vec<char> = wanted.chars().take(MAX_SUGGESTED_CHARS + 1).collect();
        if wanted.len() > MAX_SUGGESTED_CHARS || wanted.is_empty() {
            return None;
        }
        let mut best: Option<(usize, &'a str)> = None;
        let mut candidate: Vec<char> = Vec::with_capacity(MAX_SUGGESTED_CHARS + 1);
        for k in known {
            // Reading the candidate counts as cells too: a million ids cost a million cells.
            let read = 1 + k.len().min(MAX_SUGGESTED_CHARS * 4) as u64;
            if self.cells_left < read {
                self.cells_left = 0;
                break;
            }
            self.cells_left -= read;
            record_cells(read);
            if k.len() > MAX_SUGGESTED_CHARS * 4 {
                continue;
            }
            candidate.clear();
            candidate.extend(k.chars().take(MAX_SUGGESTED_CHARS + 1));
            if candidate.len() > MAX_SUGGESTED_CHARS {
                continue;
            }
            // Within a third of the longer length, and better than the best so far (ties keep
            // the smallest id, as a sorted scan would).
            let mut limit = (candidate.len().max(wanted.len()) / 3).max(1);
            if let Some((d, _)) = best {
                limit = limit.min(d);
            }
            let Some(d) = banded_distance(&wanted, &candidate, limit, &mut self.cells_left) else {
                if self.cells_left == 0 {
                    break;
                }
                continue;
            };
            let better = match best {
                None => true,
                Some((bd, bk)) => d < bd || (d == bd && k < bk),
            };
            if better {
                best = Some((d, k));
            }
        }
        best.map(|(_, k)| k)
    }
}

/// The edit distance of `a` and `b` when it is at most `limit`, computed over the band of
/// width `2 × limit + 1` around the diagonal (the only cells that can stay within the limit)
/// and abandoned as soon as a whole row exceeds it; `None` when it is larger, or when the
/// cells in `budget` run out. Each cell computed is taken from `budget`.
fn banded_distance(a: &[char], b: &[char], limit: usize, budget: &mut u64) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    const FAR: usize = usize::MAX / 2;
    // row[j] = distance of a[..i] and b[..j]; cells outside the band stay FAR.
    let mut row: Vec<usize> = (0..=b.len())
        .map(|j| if j <= limit { j } else { FAR })
        .collect();
    for (i, ca) in a.iter().enumerate() {
        let i = i + 1;
        let lo = i.saturating_sub(limit).max(1);
        let hi = (i + limit).min(b.len());
        let width = (hi + 1).saturating_sub(lo) as u64;
        if *budget < width {
            *budget = 0;
            return None;
        }
        *budget -= width;
        record_cells(width);
        // The value of row[lo - 1] in the previous row (the diagonal of the first cell).
        let mut diagonal = row.get(lo - 1).copied().unwrap_or(FAR);
        if let Some(first) = row.get_mut(lo - 1) {
            *first = if lo == 1 && i <= limit { i } else { FAR };
        }
        let mut row_min = row.get(lo - 1).copied().unwrap_or(FAR);
        for j in lo..=hi {
            let cb = b.get(j - 1).copied();
            let above = row.get(j).copied().unwrap_or(FAR);
            let left = row.get(j - 1).copied().unwrap_or(FAR);
            let cost = usize::from(cb != Some(*ca));
            let value = (above + 1).min(left + 1).min(diagonal + cost);
            diagonal = above;
            if let Some(slot) = row.get_mut(j) {
                *slot = value;
            }
            row_min = row_min.min(value);
        }
        // The cell just past the band is out of reach from now on.
        if let Some(slot) = row.get_mut(hi + 1) {
            *slot = FAR;
        }
        if row_min > limit {
            return None;
        }
    }
    row.last().copied().filter(|&d| d <= limit)
}

#[cfg(feature = "testing")]
thread_local! {
    static CELLS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts edit-distance cells for the tests of feature `testing` (per thread: compiling
/// happens on the caller's thread).
#[cfg(feature = "testing")]
fn record_cells(cells: u64) {
    CELLS.with(|c| c.set(c.get().saturating_add(cells)));
}

#[cfg(not(feature = "testing"))]
fn record_cells(_: u64) {}

/// The number of edit-distance cells computed for suggestions on this thread so far.
#[cfg(feature = "testing")]
pub(crate) fn cells_computed() -> u64 {
    CELLS.with(std::cell::Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: &str, b: &str) -> usize {
        // The plain quadratic algorithm, as a reference.
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let sub = prev + usize::from(ca != *cb);
                prev = row[j + 1];
                row[j + 1] = (row[j + 1] + 1).min(row[j] + 1).min(sub);
            }
        }
        row[b.len()]
    }

    #[test]
    fn banded_distance_agrees_with_the_full_one_within_the_limit() {
        let words = [
            "",
            "a",
            "ab",
            "support",
            "suport",
            "sales",
            "billing",
            "biling",
            "xyz",
            "zyx",
            "email.setup",
            "email.setp",
            "emial.setup",
            "ñandú",
            "nandu",
            "aaaa",
            "bbbbbbbb",
        ];
        for a in words {
            for b in words {
                let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let full = distance(a, b);
                for limit in 0..10 {
                    let mut budget = u64::MAX;
                    let banded = banded_distance(&ac, &bc, limit, &mut budget);
                    let expected = (full <= limit).then_some(full);
                    assert_eq!(banded, expected, "{a} {b} {limit}");
                }
            }
        }
    }

    #[test]
    fn suggestions_name_the_closest_id() {
        let mut s = Suggester::new(u64::MAX);
        assert_eq!(
            s.did_you_mean(["support", "sales"], "suport"),
            ", or did you mean `support`?"
        );
        assert_eq!(s.did_you_mean(["support"], "zzz"), "");
        assert_eq!(s.did_you_mean(["support"], &"x".repeat(1000)), "");
    }

    #[test]
    fn an_exhausted_budget_suggests_nothing() {
        let mut s = Suggester::new(10);
        assert_eq!(s.did_you_mean(["support"], "suport"), "");
        assert_eq!(s.did_you_mean(["support"], "suport"), "");
    }

    #[test]
    fn lists_are_bounded() {
        assert_eq!(list(["a", "b"]), "`a`, `b`");
        let ids: Vec<String> = (0..25).map(|i| format!("d{i}")).collect();
        let l = list(ids.iter().map(String::as_str));
        assert!(l.ends_with("`d9` and 15 more"), "{l}");
    }

    #[test]
    fn long_values_are_cut() {
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(1000);
        let c = cut(&long);
        assert!(c.starts_with(&"é".repeat(QUOTE_HEAD)));
        assert!(c.ends_with("… (1000 characters)"), "{c}");
        let message = format!("unknown topic `{long}`; did you mean `x`? \"{long}\"");
        let m = cut_quoted(message);
        assert!(m.len() < 600, "{m}");
        assert!(m.contains("did you mean `x`?"));
        assert_eq!(cut_quoted("a `b` c".to_owned()), "a `b` c");
    }
}
