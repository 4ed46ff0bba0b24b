//! Building triage: a policy's `[triage]` settings validated, and every topic's keywords
//! checked, then compiled into matchers per locale.

use super::compiled::{DEFAULT_MAX_TRIAGE_BYTES, DEFAULT_THRESHOLD, Triage};
use super::{keyword, locale};
use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::document::PolicyDocument;
use crate::engine::ids::TopicIx;

impl Triage {
    /// Compiles the keywords of every topic of `doc` (topic `i` of the document is topic `i`
    /// of the engine) into matchers per locale, and validates them and `[triage]`. Keywords
    /// of an undeclared locale are validated but not compiled: the compiler has reported
    /// their locale.
    pub(crate) fn build(
        locales: &[Box<str>],
        doc: &PolicyDocument,
        size_limit: usize,
        diags: &mut Vec<Diagnostic>,
    ) -> Triage {
        let mut threshold = DEFAULT_THRESHOLD;
        if let Some(t) = doc.triage.as_ref().and_then(|t| t.threshold) {
            if t.is_finite() && (0.0..=1.0).contains(&t) {
                threshold = t;
            } else {
                diags.push(Diagnostic::error(
                    Code::BadThreshold,
                    DocPath::root().key("triage").key("threshold"),
                    format!("triage threshold `{t}` is not a number between 0 and 1"),
                    format!(
                        "use a confidence such as `{DEFAULT_THRESHOLD}` (the default): below it, triage answers with the fallback topic"
                    ),
                ));
            }
        }
        let tpath = DocPath::root().key("topics");
        // Keywords of an undeclared locale (reported by the compiler) are checked all the
        // same, so that declaring the locale brings no new error.
        for (id, topic) in doc.topics.iter() {
            for (locale, patterns) in topic.keywords.iter() {
                if locales.iter().any(|l| **l == *locale) {
                    continue;
                }
                for (i, pattern) in patterns.iter().enumerate() {
                    let path = || tpath.key(id).key("keywords").key(locale).index(i);
                    keyword::keyword(TopicIx::new(0), pattern, size_limit, path, diags);
                }
            }
        }
        let mut built = Vec::with_capacity(locales.len());
        for locale in locales {
            let mut pending = Vec::new();
            for (ti, (id, topic)) in doc.topics.iter().enumerate() {
                let Some(patterns) = topic.keywords.get(locale) else {
                    continue;
                };
                for (i, pattern) in patterns.iter().enumerate() {
                    let path = || tpath.key(id).key("keywords").key(&**locale).index(i);
                    if let Some(p) =
                        keyword::keyword(TopicIx::new(ti), pattern, size_limit, path, diags)
                    {
                        pending.push(p);
                    }
                }
            }
            built.push(locale::locale(pending, size_limit, locale, &tpath, diags));
        }
        Triage {
            threshold,
            size_limit,
            max_text: DEFAULT_MAX_TRIAGE_BYTES,
            locales: built.into(),
        }
    }
}
