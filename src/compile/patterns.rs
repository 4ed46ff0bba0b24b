//! Topic patterns (`email.setup`, `email.*`, `*`): which topics they match and how
//! specifically, looked up fast for long lists, and checked in a policy (valid, matching
//! some topic).

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Code, DocPath};
use crate::engine::Topic;

use super::compiler::Compiler;

/// Whether `pattern` matches topic `id`, and how specifically: an exact id beats a longer
/// prefix, which beats a shorter one; `*` matches every topic.
pub(crate) fn pattern_specificity(pattern: &str, id: &str) -> Option<usize> {
    if pattern == "*" {
        return Some(0);
    }
    if let Some(prefix) = pattern.strip_suffix(".*") {
        let rest = id.strip_prefix(prefix)?;
        return rest.starts_with('.').then_some(prefix.len() + 1);
    }
    (pattern == id).then_some(usize::MAX)
}

/// Topic patterns looked up by a topic id: a short list is scanned, a long one is looked up
/// per prefix of the id, so a role with 100,000 grants or a rule naming 100,000 topics costs a
/// few lookups per topic, not a scan of every pattern.
pub(super) struct PatternSet<'p> {
    /// The patterns, in order.
    list: Vec<&'p str>,
    /// For a long list: exact ids, prefixes (without `.*`) and `*`, each with its first index.
    exact: HashMap<&'p str, usize>,
    prefix: HashMap<&'p str, usize>,
    star: Option<usize>,
}

impl<'p> PatternSet<'p> {
    /// The longest list that is scanned.
    const SCAN: usize = 8;

    pub(super) fn new(patterns: impl IntoIterator<Item = &'p str>) -> Self {
        let list: Vec<&str> = patterns.into_iter().collect();
        let mut set = PatternSet {
            list,
            exact: HashMap::new(),
            prefix: HashMap::new(),
            star: None,
        };
        if set.list.len() > Self::SCAN {
            for (i, &p) in set.list.iter().enumerate() {
                if p == "*" {
                    set.star.get_or_insert(i);
                } else if let Some(prefix) = p.strip_suffix(".*") {
                    set.prefix.entry(prefix).or_insert(i);
                } else {
                    set.exact.entry(p).or_insert(i);
                }
            }
        }
        set
    }

    /// The most specific pattern that matches `id` (as [`pattern_specificity`] ranks them;
    /// among equals, the last), by index.
    pub(super) fn best(&self, id: &str) -> Option<usize> {
        if self.list.len() <= Self::SCAN {
            return self
                .list
                .iter()
                .enumerate()
                .filter_map(|(i, p)| pattern_specificity(p, id).map(|s| (s, i)))
                .max_by_key(|(s, _)| *s)
                .map(|(_, i)| i);
        }
        if let Some(&i) = self.exact.get(id) {
            return Some(i);
        }
        // The longest prefix first: `a.b.*` beats `a.*`.
        let mut end = id.len();
        while let Some(dot) = id.get(..end).and_then(|s| s.rfind('.')) {
            if let Some(&i) = id.get(..dot).and_then(|p| self.prefix.get(p)) {
                return Some(i);
            }
            end = dot;
        }
        self.star
    }
}

/// Every topic id and every prefix of one (`email` and `email.setup` for `email.setup.imap`):
/// whether a pattern matches some topic is one lookup.
pub(super) struct TopicIds<'d> {
    ids: HashSet<&'d str>,
    prefixes: HashSet<&'d str>,
}

impl<'d> TopicIds<'d> {
    pub(super) fn new(ids: impl Iterator<Item = &'d str>) -> Self {
        let mut t = TopicIds {
            ids: HashSet::new(),
            prefixes: HashSet::new(),
        };
        for id in ids {
            t.ids.insert(id);
            for (dot, _) in id.match_indices('.') {
                if let Some(prefix) = id.get(..dot) {
                    t.prefixes.insert(prefix);
                }
            }
        }
        t
    }

    /// Whether `pattern` matches at least one topic.
    fn any_match(&self, pattern: &str) -> bool {
        if pattern == "*" {
            return !self.ids.is_empty();
        }
        match pattern.strip_suffix(".*") {
            Some(prefix) => self.prefixes.contains(prefix),
            None => self.ids.contains(pattern),
        }
    }
}

fn valid_pattern(pattern: &str) -> bool {
    let body = pattern.strip_suffix(".*").unwrap_or(pattern);
    pattern == "*" || (!body.is_empty() && valid_topic_id(body))
}

pub(super) fn valid_topic_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && !id.ends_with('.')
        && !id.contains("..")
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

impl Compiler<'_> {
    /// Checks a topic pattern: valid, and matching at least one topic.
    pub(super) fn topic_pattern(
        &mut self,
        pattern: &str,
        path: DocPath,
        topics: &[Topic],
        ids: &TopicIds<'_>,
        what: &str,
    ) {
        if !valid_pattern(pattern) {
            self.error(
                Code::BadPattern,
                path,
                format!("`{pattern}` is not a topic pattern"),
                "use a topic id (`email.setup`), a prefix (`email.*`) or `*`",
            );
        } else if !ids.any_match(pattern) {
            let known = self.suggest(topics.iter().map(|t| &*t.id), pattern);
            self.error(
                Code::matches_no_topic(what),
                path,
                format!("`{pattern}` matches no topic"),
                &format!("fix the pattern or define the topic under `[topics]`{known}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_specificity_prefers_exact_then_longer_prefix() {
        assert_eq!(
            pattern_specificity("email.setup", "email.setup"),
            Some(usize::MAX)
        );
        assert!(
            pattern_specificity("email.*", "email.setup") > pattern_specificity("*", "email.setup")
        );
        assert_eq!(pattern_specificity("email.*", "emailx.setup"), None);
        assert_eq!(pattern_specificity("email.*", "email"), None);
    }
}
