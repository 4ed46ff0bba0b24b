//! The work budget: what one triage may do beyond its pass over the text (units per byte of
//! text), its counters, and the cut of a text to the bytes triage reads.

/// The work a triage may do beyond its one pass over the text, in units — a byte searched by a
/// keyword's NFA, an anchor occurrence, or a keyword handed one: this many per byte of
/// (folded) text, plus [`WORK_BASE`]. Ordinary text uses a fraction of it; what it cannot pay
/// for is not done, and the result is marked truncated.
const WORK_PER_BYTE: usize = 16;

/// See [`WORK_PER_BYTE`]: what any text may use, however short.
const WORK_BASE: usize = 256 * 1024;

/// The work of one triage, counted (`Engine::triage_work`): it is linear in the text's length
/// whatever the number of keywords — what `tests/hostile/triage.rs` holds it to. Public with
/// the feature `testing` (a test hook).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TriageWork {
    /// The bytes of the folded text triage read.
    pub text: usize,
    /// The bytes scanned by a locale's anchor automaton and keyword set (one pass each).
    pub scanned: usize,
    /// The anchor occurrences the automaton reported.
    pub occurrences: usize,
    /// The keywords those occurrences were handed to.
    pub visits: usize,
    /// The bytes given to keywords' NFAs (windows and whole-text searches).
    pub searched: usize,
    /// Whether triage stopped at a limit (see [`TriageResult::truncated`]).
    ///
    /// [`TriageResult::truncated`]: super::TriageResult::truncated
    pub truncated: bool,
}

#[cfg(feature = "testing")]
impl TriageWork {
    /// Every unit of work counted.
    pub fn total(&self) -> usize {
        self.scanned + self.occurrences + self.visits + self.searched
    }
}

/// The budget and counters of one triage.
pub(super) struct Work {
    /// The bytes NFAs may still search.
    pub(super) budget: usize,
    pub(super) truncated: bool,
    pub(super) counted: TriageWork,
}

impl Work {
    pub(super) fn new(folded_len: usize, cut: bool) -> Work {
        Work {
            budget: folded_len
                .saturating_mul(WORK_PER_BYTE)
                .saturating_add(WORK_BASE),
            truncated: cut,
            counted: TriageWork {
                text: folded_len,
                ..TriageWork::default()
            },
        }
    }
}

/// `text` cut to at most `max` bytes at a character boundary, and whether it was cut.
pub(super) fn cut(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text.get(..end).unwrap_or(""), true)
}
