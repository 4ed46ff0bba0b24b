//! Triage: free text to a topic (R1.4).

use crate::diagnostic::Diagnostic;
use crate::document::TriageDoc;
use crate::engine::{Engine, Ix, Topic};

/// Keyword matchers per locale, compiled once per engine.
#[derive(Debug, Default)]
pub(crate) struct Triage {
    /// Per locale: the set of every keyword, and the topic of each pattern.
    sets: Vec<(regex::RegexSet, Vec<Ix>)>,
}

impl Triage {
    pub(crate) fn build(
        topics: &[Topic],
        locales: &[Box<str>],
        _doc: Option<&TriageDoc>,
        _diags: &mut Vec<Diagnostic>,
    ) -> Triage {
        let mut sets = Vec::with_capacity(locales.len());
        for li in 0..locales.len() {
            let mut patterns = Vec::new();
            let mut owners = Vec::new();
            for (ti, t) in topics.iter().enumerate() {
                for k in t.keywords.get(li).map_or(&[][..], |k| &k[..]) {
                    patterns.push(format!("(?i:{k})"));
                    owners.push(ti as Ix);
                }
            }
            let set = regex::RegexSet::new(&patterns).unwrap_or_else(|_| regex::RegexSet::empty());
            sets.push((set, owners));
        }
        Triage { sets }
    }

    /// The topic with the most matching keywords, if any.
    pub(crate) fn best(&self, engine: &Engine, text: &str, locale: Ix) -> Option<Ix> {
        let (set, owners) = self.sets.get(locale as usize)?;
        let mut counts = vec![0u32; engine.topics.len()];
        for i in set.matches(text).iter() {
            if let Some(c) = owners.get(i).and_then(|&t| counts.get_mut(t as usize)) {
                *c += 1;
            }
        }
        let (best, n) = counts
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))?;
        (*n > 0).then_some(best as Ix)
    }
}
