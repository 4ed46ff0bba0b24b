//! Scoring: the keywords found, as evidence per topic — weights, overlapping matches counted
//! once, specificity where topics contest the same words — ranked, with the ties and the
//! confidence in the best.

use super::budget::Work;
use super::compiled::Triage;
use crate::engine::ids::{LocaleIx, TopicIx};

/// How much evidence halves the confidence: a topic scoring `s` is trusted `s / (s + DOUBT)`.
/// With one plain keyword (weight 1) and no rival, the confidence is 2/3.
const DOUBT: f64 = 0.5;

/// The weight of a keyword match of `words` words: 1, plus ½ per extra word, up to 3.
fn weight_of(words: usize) -> f64 {
    let extra = words.saturating_sub(1).min(4);
    1.0 + 0.5 * extra as f64
}

/// One keyword that matched, in folded-text offsets.
#[derive(Clone, Copy, Debug)]
pub(super) struct Hit {
    pub(super) keyword: usize,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) weight: f64,
    /// The share of the match its keyword spells out, in thousandths.
    pub(super) coverage: u64,
}

/// A topic's evidence.
#[derive(Debug)]
pub(super) struct Score {
    pub(super) topic: TopicIx,
    pub(super) score: f64,
    /// Over the stretches of text keywords of several topics matched, the best share of the
    /// stretch one of its keywords spells out, summed, in thousandths (an integer, so that
    /// ties are exact). See [`contest`].
    pub(super) specificity: u64,
    /// Where its earliest keyword match starts, in the folded text.
    pub(super) first: usize,
    pub(super) hits: Vec<Hit>,
}

impl Triage {
    /// The evidence for each topic with a matching keyword, best first (see
    /// [`Engine::triage`] for the order); `folded` is the text as matched.
    ///
    /// [`Engine::triage`]: crate::Engine::triage
    pub(super) fn scores(&self, folded: &str, locale: LocaleIx, work: &mut Work) -> Vec<Score> {
        let Some(lk) = self.locales.get(locale.index()) else {
            return Vec::new();
        };
        let mut scores: Vec<Score> = Vec::new();
        // Each topic's place in `scores`: a lookup, not a scan per keyword found (thousands of
        // topics may each have keywords found).
        let mut place: std::collections::HashMap<TopicIx, usize> = std::collections::HashMap::new();
        for (k, start, end) in self.found(lk, folded, work) {
            let Some(keyword) = lk.keywords.get(k as usize) else {
                continue;
            };
            let words = folded
                .get(start..end)
                .unwrap_or("")
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .count();
            let len = end.saturating_sub(start).max(1);
            let literal = (keyword.literal_bytes as usize).min(len);
            let hit = Hit {
                keyword: k as usize,
                start,
                end,
                weight: weight_of(words.max(1)),
                coverage: (literal * 1000 / len) as u64,
            };
            match place.get(&keyword.topic).and_then(|&i| scores.get_mut(i)) {
                Some(s) => s.hits.push(hit),
                None => {
                    place.insert(keyword.topic, scores.len());
                    scores.push(Score {
                        topic: keyword.topic,
                        score: 0.0,
                        specificity: 0,
                        first: hit.start,
                        hits: vec![hit],
                    });
                }
            }
        }
        for s in &mut scores {
            s.first = s.hits.iter().map(|h| h.start).min().unwrap_or(0);
            s.score = stretch_score(&s.hits);
        }
        contest(&mut scores);
        scores.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.specificity.cmp(&a.specificity))
                .then(a.first.cmp(&b.first))
                .then(a.topic.cmp(&b.topic))
        });
        scores
    }

    /// How many of `scores` (sorted, best first) tie with the best: same score, same
    /// specificity.
    pub(super) fn tied(scores: &[Score]) -> usize {
        let Some(best) = scores.first() else {
            return 0;
        };
        scores
            .iter()
            .take_while(|s| s.score == best.score && s.specificity == best.specificity)
            .count()
    }

    /// The confidence in the best of `scores` (sorted, best first).
    pub(super) fn confidence(scores: &[Score]) -> f64 {
        let Some(best) = scores.first() else {
            return 0.0;
        };
        let total: f64 = scores.iter().map(|s| s.score).sum();
        if total <= 0.0 || best.score <= 0.0 {
            return 0.0;
        }
        (best.score / total) * (best.score / (best.score + DOUBT))
    }
}

/// A topic's score: each stretch of text counts once, so keywords of the topic whose matches
/// overlap add only the heaviest of their weights.
fn stretch_score(hits: &[Hit]) -> f64 {
    let mut spans: Vec<(usize, usize, f64)> =
        hits.iter().map(|h| (h.start, h.end, h.weight)).collect();
    spans.sort_by_key(|&(start, end, _)| (start, end));
    let mut total = 0.0;
    let mut cluster: Option<(usize, f64)> = None;
    for (start, end, weight) in spans {
        cluster = match cluster {
            Some((cluster_end, best)) if start < cluster_end => {
                Some((cluster_end.max(end), best.max(weight)))
            }
            Some((_, best)) => {
                total += best;
                Some((end, weight))
            }
            None => Some((end, weight)),
        };
    }
    total + cluster.map_or(0.0, |(_, best)| best)
}

/// Sets each topic's specificity: over the *contested* stretches of text — overlapping
/// matches of keywords of several topics, as `ERR_CERT_DATE_INVALID` is matched by
/// `err_cert[a-z_]*` and `err_[a-z_]+` — the best coverage of the stretch by one of its
/// keywords, summed. Words only one topic matched settle nothing: two topics each with words
/// of its own are a real ambiguity. Sorting makes it `O(h log h)` in the `h` matches.
fn contest(scores: &mut [Score]) {
    let mut all: Vec<(usize, usize, usize, u64)> = scores
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.hits.iter().map(move |h| (h.start, h.end, i, h.coverage)))
        .collect();
    all.sort_unstable();
    // The stretch being grown: its end, and the best coverage of each topic in it, with
    // each topic's place in it (`usize::MAX`: not in it) — no scan of the stretch per match,
    // where keywords of many topics overlap (`a`, `aa`, `aaa`, …).
    let mut end = 0;
    let mut stretch: Vec<(usize, u64)> = Vec::new();
    let mut at = vec![usize::MAX; scores.len()];
    let settle = |stretch: &mut Vec<(usize, u64)>, at: &mut [usize], scores: &mut [Score]| {
        for &(i, coverage) in stretch.iter() {
            if let Some(slot) = at.get_mut(i) {
                *slot = usize::MAX;
            }
            if stretch.len() > 1 {
                if let Some(s) = scores.get_mut(i) {
                    s.specificity += coverage;
                }
            }
        }
        stretch.clear();
    };
    for (start, stop, i, coverage) in all {
        if start >= end {
            settle(&mut stretch, &mut at, scores);
        }
        end = end.max(stop);
        let Some(slot) = at.get_mut(i) else {
            continue;
        };
        match stretch.get_mut(*slot) {
            Some((_, best)) => *best = (*best).max(coverage),
            None => {
                *slot = stretch.len();
                stretch.push((i, coverage));
            }
        }
    }
    settle(&mut stretch, &mut at, scores);
}
