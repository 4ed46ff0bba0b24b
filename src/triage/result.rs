//! Results: a text cut, folded and scored, turned into what `decide` needs ([`Best`]), the
//! work counted ([`TriageWork`]), or the full [`TriageResult`] with spans in the original text.

use super::answer::{KeywordMatch, TriageCandidate, TriageReason, TriageResult};
#[cfg(feature = "testing")]
use super::budget::TriageWork;
use super::budget::{Work, cut};
use super::compiled::Triage;
use super::fold::{fold_text, fold_with_map, original_span};
use super::score::Score;
use crate::engine::compiled::Engine;
use crate::engine::ids::{LocaleIx, TopicIx};

impl Triage {
    /// Folds the first [`Triage::max_text`] bytes of `text` and scores them.
    fn evidence(&self, text: &str, locale: LocaleIx) -> (Vec<Score>, Work) {
        let (text, was_cut) = cut(text, self.max_text);
        let folded = fold_text(text);
        let mut work = Work::new(folded.len(), was_cut);
        let scores = self.scores(&folded, locale, &mut work);
        (scores, work)
    }

    /// What `decide` uses: the topic for `text` if triage is confident enough (`None`: the
    /// fallback topic applies), the confidence, and whether other topics tie with the best.
    pub(crate) fn best(&self, text: &str, locale: LocaleIx) -> Best {
        let (scores, _) = self.evidence(text, locale);
        let confidence = Self::confidence(&scores);
        Best {
            topic: scores
                .first()
                .filter(|_| confidence >= self.threshold)
                .map(|best| best.topic),
            confidence,
            tied: Self::tied(&scores),
        }
    }

    /// The work triaging `text` takes, counted.
    #[cfg(feature = "testing")]
    pub(crate) fn work(&self, text: &str, locale: LocaleIx) -> TriageWork {
        let (_, work) = self.evidence(text, locale);
        TriageWork {
            truncated: work.truncated,
            ..work.counted
        }
    }

    /// The full result, for [`Engine::triage`].
    pub(super) fn run(&self, engine: &Engine, text: &str, locale: LocaleIx) -> TriageResult {
        let (text, was_cut) = cut(text, self.max_text);
        let (folded, map) = fold_with_map(text);
        let mut work = Work::new(folded.len(), was_cut);
        let scores = self.scores(&folded, locale, &mut work);
        let confidence = Self::confidence(&scores);
        let total: f64 = scores.iter().map(|s| s.score).sum();
        let keywords = self.locales.get(locale.index()).map(|l| &l.keywords[..]);
        let candidates: Vec<TriageCandidate> = scores
            .iter()
            .map(|s| TriageCandidate {
                topic: engine.parts().topics.id(s.topic).to_owned(),
                score: s.score,
                share: if total > 0.0 { s.score / total } else { 0.0 },
                specificity: s.specificity as f64 / 1000.0,
                matches: s
                    .hits
                    .iter()
                    .map(|h| {
                        let (start, end) = original_span(text, &map, h.start, h.end);
                        KeywordMatch {
                            pattern: keywords
                                .and_then(|k| k.get(h.keyword))
                                .map_or_else(String::new, |k| k.source.to_string()),
                            start,
                            end,
                            text: text.get(start..end).unwrap_or("").to_owned(),
                            weight: h.weight,
                        }
                    })
                    .collect(),
            })
            .collect();
        let (topic, reason) = match scores.first() {
            None => (engine.fallback_topic().to_owned(), TriageReason::NoMatch),
            Some(_) if confidence < self.threshold => (
                engine.fallback_topic().to_owned(),
                TriageReason::BelowThreshold,
            ),
            Some(best) => (
                engine.parts().topics.id(best.topic).to_owned(),
                TriageReason::Keywords,
            ),
        };
        let tied = Self::tied(&scores);
        let ambiguous = if tied > 1 {
            candidates
                .iter()
                .take(tied)
                .map(|c| c.topic.clone())
                .collect()
        } else {
            Vec::new()
        };
        TriageResult {
            topic,
            confidence,
            threshold: self.threshold,
            reason,
            candidates,
            ambiguous,
            truncated: work.truncated,
        }
    }
}

/// What `decide` needs of triage.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Best {
    /// The topic, if triage is confident enough (`None`: the fallback topic applies).
    pub(crate) topic: Option<TopicIx>,
    pub(crate) confidence: f64,
    /// How many topics share the best evidence (1: the best is the only one; 0: no match).
    pub(crate) tied: usize,
}
