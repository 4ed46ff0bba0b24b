//! `[policy]`: the name and revision every decision carries, the declared locales and
//! placeholders every text is checked against, and the fallback topic.

use std::collections::HashMap;

use crate::diagnostic::{Code, DocPath};
use crate::engine::{Topic, TopicIx};
use crate::template::Builtin;

use super::compiler::Compiler;

impl Compiler<'_> {
    /// Compiles `[policy]` (at `hp`) but its fallback, which names a topic: returns the name
    /// and the revision, and keeps the locales and placeholders for the texts.
    pub(super) fn policy(&mut self, hp: &DocPath) -> (String, String) {
        let doc = self.doc;
        let name = doc.policy.name.clone().unwrap_or_else(|| {
            self.error(
                Code::MissingName,
                hp.key("name"),
                "the policy has no name".to_owned(),
                "add `name = \"…\"` under `[policy]`",
            );
            String::new()
        });
        let revision = doc.policy.revision.clone().unwrap_or_else(|| {
            self.error(
                Code::MissingRevision,
                hp.key("revision"),
                "the policy has no revision".to_owned(),
                "add `revision = \"2026-11-27\"` (or any label) under `[policy]`: every decision carries it",
            );
            String::new()
        });
        if doc.policy.locales.is_empty() {
            self.error(
                Code::NoLocales,
                hp.key("locales"),
                "the policy declares no locale".to_owned(),
                "add `locales = [\"es\", \"en\"]` under `[policy]`; the first is the default",
            );
        }
        for (i, l) in doc.policy.locales.iter().enumerate() {
            if l.trim().is_empty() {
                self.error(
                    Code::BadLocale,
                    hp.key("locales").index(i),
                    "a locale is empty".to_owned(),
                    "use a language tag such as `es` or `en-GB`",
                );
            } else if !self.locale_set.insert(l.as_str().into()) {
                self.error(
                    Code::DuplicateLocale,
                    hp.key("locales").index(i),
                    format!("locale `{l}` is declared twice"),
                    "remove the repeated entry",
                );
            } else {
                self.locales.push(l.as_str().into());
            }
        }
        for (i, p) in doc.policy.placeholders.iter().enumerate() {
            let valid = !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                self.error(
                    Code::BadPlaceholder,
                    hp.key("placeholders").index(i),
                    format!("`{p}` is not a placeholder name"),
                    "use lowercase letters, digits and `_`",
                );
            } else if Builtin::ALL.iter().any(|b| b.name() == p) {
                self.error(
                    Code::ReservedPlaceholder,
                    hp.key("placeholders").index(i),
                    format!("`{{{p}}}` is a built-in placeholder"),
                    "remove it from `placeholders`: the engine fills it",
                );
            } else {
                self.placeholders.insert(p.as_str().into());
            }
        }
        (name, revision)
    }

    /// Resolves `[policy].fallback` (at `hp`) once the topics are compiled: a topic with an
    /// explaining system.
    pub(super) fn fallback(
        &mut self,
        hp: &DocPath,
        topics: &[Topic],
        topic_index: &HashMap<Box<str>, TopicIx>,
    ) -> TopicIx {
        let doc = self.doc;
        match &doc.policy.fallback {
            None => {
                self.error(
                    Code::MissingFallback,
                    hp.key("fallback"),
                    "the policy has no fallback topic".to_owned(),
                    "add `fallback = \"general\"` under `[policy]`, naming a topic whose explaining system is the general self-diagnosis",
                );
                TopicIx::NONE
            }
            Some(f) => {
                let t = self.lookup(topic_index, f, hp.key("fallback"), "topic", "topics");
                if let Some(topic) = topics.get(t.index()) {
                    if topic.explains.is_none() {
                        self.error(
                            Code::FallbackWithoutExplanation,
                            DocPath::root()
                                .key("topics")
                                .key(f.as_str())
                                .key("explains"),
                            format!("the fallback topic `{f}` has no explaining system"),
                            "add `explains = { system = \"…\", message = \"…\" }`: the first contact is always an explaining system (R0.4)",
                        );
                    }
                }
                t
            }
        }
    }
}
