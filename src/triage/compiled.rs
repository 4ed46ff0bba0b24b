//! The compiled triage of an engine: the keyword matchers per locale and the settings, data
//! only. The procedures that build and run it (`build.rs`, `search.rs`, `score.rs`,
//! `result.rs`) import it; it imports only the per-locale matchers below it.

use super::locale::LocaleKeywords;

/// The confidence below which triage answers with the fallback topic when the policy's
/// `[triage]` section sets no `threshold`.
pub const DEFAULT_THRESHOLD: f64 = 0.3;

/// How many bytes of a customer's text triage reads unless the engine is built with
/// another [`EngineBuilder::max_triage_bytes`](crate::EngineBuilder::max_triage_bytes):
/// 64 KiB, some thirty pages. The rest is not read, and [`TriageResult::truncated`](crate::TriageResult::truncated) says so.
pub const DEFAULT_MAX_TRIAGE_BYTES: usize = 64 * 1024;

/// Keyword matchers per locale, compiled once per engine.
#[derive(Debug)]
pub(crate) struct Triage {
    pub(super) threshold: f64,
    /// The engine's regex size limit, for the keywords compiled on their first match.
    pub(super) size_limit: usize,
    /// How many bytes of a text triage reads.
    pub(super) max_text: usize,
    /// By locale index.
    pub(super) locales: Box<[LocaleKeywords]>,
}

impl Default for Triage {
    fn default() -> Self {
        Triage {
            threshold: DEFAULT_THRESHOLD,
            size_limit: 1 << 20,
            max_text: DEFAULT_MAX_TRIAGE_BYTES,
            locales: Box::new([]),
        }
    }
}

impl Triage {
    /// Sets how many bytes of a text triage reads ([`DEFAULT_MAX_TRIAGE_BYTES`] by default).
    pub(crate) fn set_max_text(&mut self, bytes: usize) {
        self.max_text = bytes;
    }
}
