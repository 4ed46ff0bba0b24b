//! Triage: the customer's own words to a topic (R1.4).
//!
//! The keywords of every topic are compiled once per engine. Every match of a keyword
//! contains one of a few literals of its pattern, its *anchors* (`correo` for
//! `(no puedo )?configurar (el )?correo`, chosen as the literal the fewest other keywords
//! share); one Aho-Corasick automaton per locale finds every anchor in one pass over the text.
//! Each occurrence is handed, during that pass, to the keywords it anchors: only those are
//! run, each alone and only over short windows around its anchors, merged and searched once
//! the pass is past them (its NFA, built on first use), to confirm them and report where they
//! matched; a keyword that is its anchor needs no run at all. The keywords without a literal
//! to anchor them (`\d{5}`) or of no bounded length (`lent[a-z]*`) are scanned together by one
//! multi-pattern regex, and only those it finds are run, over the whole text. A work budget per
//! byte of text bounds all of it, so triage is linear in the text whatever the number of
//! keywords (`Triage::found`). A single regex set over all keywords, the first design, took
//! 1.5 s and 6 KB of memory per topic to compile a 10,000-topic policy (`benches/compile.rs`,
//! `benches/memory.rs`).
//!
//! Topics are ranked by score (more and longer matched keywords), then by specificity (how
//! much of the matched words the keywords spell out); a tie that remains is reported as
//! ambiguous, never settled silently by the order of the policy.
//!
//! Case and accents never matter. The customer's text is *folded* — canonical decomposition
//! (NFD, with the `unicode-normalization` crate), combining marks dropped, lowercased — so
//! "CONFIGURACIÓN" is read as "configuracion". Keywords are folded the same way without
//! touching their syntax: each pattern is parsed with `regex-syntax`, and only its literal
//! characters are rewritten (`Configuración` → `configuracion`, `[NÑ]` → `[nn]`), while
//! escapes and classes such as `\W` or `\p{Lu}` stay as written (`\p{Lu}` therefore never
//! matches: the text is lowercase). Keywords are then compiled case-sensitively, which is much
//! cheaper than case-insensitive matching.
//!
//! [`Engine::triage`] gives a [`TriageResult`] (at the crate root): the
//! chosen topic, its [`TriageCandidate`]s with their [`KeywordMatch`]es, and the
//! [`TriageReason`]; `TriageWork` (feature `testing`) counts the work done; [`fold_text`] folds a text as triage
//! reads it.
//!
//! ```
//! use unified_message::Engine;
//! use unified_message::triage::{TriageReason, fold_text};
//!
//! let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
//! let result = engine.triage("No puedo CONFIGURAR el correo", "es");
//! assert_eq!(result.topic, "email.setup");
//! assert_eq!(fold_text("CONFIGURACIÓN"), "configuracion");
//! assert!(!matches!(result.reason, TriageReason::BelowThreshold));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where it is
//!
//! - `fold` — the text folded, with a byte map back to the original;
//! - `rewrite` — a keyword's literals folded the same way, its syntax untouched;
//! - `literals` — the literals every match of a keyword contains;
//! - `keyword` — one keyword checked, parsed, and its NFA built on first use;
//! - `locale` — one locale's anchor automaton and keyword set;
//! - `build` — the policy's `[triage]` and every topic's keywords, per locale;
//! - `budget` — the work one triage may do, counted;
//! - `search` — the pass over the text and the keywords it confirms;
//! - `score` — the evidence per topic, ranked, and the confidence;
//! - `result` — what `decide`, tests and [`Engine::triage`] get back;
//! - `compiled.rs` — `Triage`, the compiled keywords of every locale (data, below the rest);
//! - `answer.rs` — the public result types ([`TriageResult`], [`TriageCandidate`], …);
//! - here — the engine's triage methods and the re-exports.

pub(crate) mod answer;
mod budget;
mod build;
pub(crate) mod compiled;
mod fold;
mod keyword;
mod literals;
mod locale;
pub(crate) mod result;
mod rewrite;
mod score;
mod search;

use crate::engine::compiled::Engine;

#[cfg(feature = "testing")]
pub use budget::TriageWork;
pub use fold::fold_text;

pub(crate) use answer::TriageResult;
pub use answer::{KeywordMatch, TriageCandidate, TriageReason};
pub(crate) use compiled::Triage;
pub use compiled::{DEFAULT_MAX_TRIAGE_BYTES, DEFAULT_THRESHOLD};

impl Engine {
    /// Places the customer's own words on a topic (R1.4), with the keywords of `locale` (an
    /// undeclared locale uses the policy's default, `es-AR` uses `es`).
    ///
    /// Case and accents do not matter. Each keyword that matches adds its weight to its topic
    /// (1, plus ½ for each extra word it matched, up to 3; each keyword counts once, and
    /// keywords of a topic whose matches overlap count once, at the heaviest weight). The
    /// confidence in the best topic is its share of all candidates' scores times `s / (s + ½)`
    /// of its own score `s`: one plain keyword alone gives ⅔, two topics tied give ⅓ at most.
    /// Below the policy's `[triage] threshold` (0.3 by default) the result is the fallback
    /// topic, and [`TriageResult::reason`] says so.
    ///
    /// Between topics of equal score the more specific evidence wins: where keywords of
    /// several topics matched the same words, the one that spells out more of them
    /// ([`TriageCandidate::specificity`]; for "ERR_CERT_DATE_INVALID", `err_cert[a-z_]*` of
    /// `ssl.certificate` over `err_[a-z_]+` of `dns.ping`). Topics still tied — each with
    /// evidence of its own, as "my padlock, and a refund" — are a real ambiguity: [`TriageResult::ambiguous`] lists
    /// them, and the result is the one the text mentions first (then the one the policy lists
    /// first), so that it is deterministic; `decide` sets [`Flags::ambiguous_topic`](crate::Flags::ambiguous_topic).
    ///
    /// Never fails; the work is linear in the text's length whatever the number of keywords.
    /// Only the first [`max_triage_bytes`](crate::EngineBuilder::max_triage_bytes) of the text
    /// are read (64 KiB by default), and [`TriageResult::truncated`] says when a limit cut the
    /// work short.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    /// use unified_message::triage::TriageReason;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// // No accents, any case: still the topic of "configuración".
    /// assert_eq!(engine.triage("CONFIGURACION DEL CORREO", "es").topic, "email.setup");
    ///
    /// let vague = engine.triage("hola, buenas tardes", "es");
    /// assert_eq!(vague.topic, engine.fallback_topic());
    /// assert_eq!(vague.reason, TriageReason::NoMatch);
    ///
    /// // Two topics, each with words of its own: a real tie, reported so that a chatbot can
    /// // ask which one the customer means; the topic is the one mentioned first.
    /// let tie = engine.triage("padlock, and also a refund", "en");
    /// assert_eq!(tie.ambiguous, ["ssl.certificate", "billing.refund"]);
    /// assert_eq!(tie.topic, "ssl.certificate");
    ///
    /// // The same words matched by two topics' keywords: the more specific one wins.
    /// let cert = engine.triage("NET::ERR_CERT_DATE_INVALID", "en");
    /// assert_eq!(cert.topic, "ssl.certificate");
    /// assert!(!cert.is_ambiguous());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn triage(&self, text: &str, locale: &str) -> TriageResult {
        let (locale, _) = self.locale_ix(Some(locale));
        self.parts().triage.run(self, text, locale)
    }

    /// The confidence below which triage answers with the fallback topic: the policy's
    /// `[triage] threshold`, or 0.3.
    pub fn triage_threshold(&self) -> f64 {
        self.parts().triage.threshold
    }

    /// The work triaging `text` takes, counted rather than timed: for tests that hold triage
    /// linear in the text (`tests/hostile/triage.rs`). A test hook: feature `testing`.
    #[cfg(feature = "testing")]
    pub fn triage_work(&self, text: &str, locale: &str) -> TriageWork {
        let (locale, _) = self.locale_ix(Some(locale));
        self.parts().triage.work(text, locale)
    }
}
