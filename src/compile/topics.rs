//! `[topics]`: what a contact is about — the department that owns it, the systems that
//! explain and serve it with their messages, the answer a person gives, the authority it
//! needs and who approves, its severity and its triage keywords' locales.

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::document::TierRefDoc;
use crate::engine::{DepartmentIx, MessageIx, RankIx, System, SystemIx, TierRef, Topic, TopicIx};
use crate::model::{Authority, Tier};

use super::compiler::Compiler;
use super::messages::Usages;
use super::patterns::valid_topic_id;
use super::texts::Usage;

impl Compiler<'_> {
    /// Compiles `[topics]` against the departments, ranks, systems and messages they name,
    /// recording each message's usage: the topics, in order, and their index by id.
    pub(super) fn topics(
        &mut self,
        department_index: &HashMap<Box<str>, DepartmentIx>,
        rank_index: &HashMap<Box<str>, RankIx>,
        systems: &[System],
        system_index: &HashMap<Box<str>, SystemIx>,
        message_index: &HashMap<Box<str>, MessageIx>,
        usages: &mut Usages,
    ) -> (Vec<Topic>, HashMap<Box<str>, TopicIx>) {
        let doc = self.doc;
        let tpath = DocPath::root().key("topics");
        let topic_index = self.intern(&doc.topics, &tpath, "topic");
        let mut topics = Vec::with_capacity(doc.topics.len());
        for (id, t) in doc.topics.iter() {
            let p = tpath.key(id);
            if !valid_topic_id(id) {
                self.error(
                    Code::BadTopicId,
                    p.clone(),
                    format!("`{id}` is not a topic id"),
                    "use dotted names of letters, digits, `-` and `_`, such as `email.setup`",
                );
            }
            let owner = match &t.owner {
                Some(o) => self.lookup(
                    department_index,
                    o,
                    p.key("owner"),
                    "department",
                    "departments",
                ),
                None => {
                    self.error(
                        Code::MissingOwner,
                        p.key("owner"),
                        format!("topic `{id}` has no owner"),
                        "add `owner = \"<department>\"`: every topic belongs to a department (R0.2)",
                    );
                    DepartmentIx::NONE
                }
            };
            let mut tier_ref =
                |this: &mut Self, r: &Option<TierRefDoc>, tier: Tier| -> Option<TierRef> {
                    let r = r.as_ref()?;
                    let tp = p.key(tier.as_str());
                    let system = this.lookup(
                        system_index,
                        &r.system,
                        tp.key("system"),
                        "system",
                        "systems",
                    );
                    if let Some(s) = systems.get(system.index()) {
                        // `Person`: the system's own tier is already reported as wrong.
                        if s.tier != tier && s.tier != Tier::Person {
                            this.error(
                                Code::WrongTier,
                                tp.key("system"),
                                format!(
                                    "system `{}` is a system that {}, not one that {}",
                                    r.system, s.tier, tier
                                ),
                                &format!("name a system with `tier = \"{tier}\"` here"),
                            );
                        }
                    }
                    let message = this.lookup(
                        message_index,
                        &r.message,
                        tp.key("message"),
                        "message",
                        "messages",
                    );
                    if let Some(u) = usages.get_mut(message.index()) {
                        u.push((Usage::TierMessage, tp.key("message")));
                    }
                    Some(TierRef { system, message })
                };
            let explains = tier_ref(self, &t.explains, Tier::Explains);
            let serves = tier_ref(self, &t.serves, Tier::Serves);
            let answer = match &t.answer {
                Some(a) => {
                    let m = self.lookup(message_index, a, p.key("answer"), "message", "messages");
                    if let Some(u) = usages.get_mut(m.index()) {
                        u.push((Usage::Answer, p.key("answer")));
                    }
                    m
                }
                None => {
                    self.error(
                        Code::MissingAnswer,
                        p.key("answer"),
                        format!("topic `{id}` has no answer for a person to give"),
                        "add `answer = \"<message id>\"`: the answer once the systems are exhausted",
                    );
                    MessageIx::NONE
                }
            };
            let authority = t.authority.unwrap_or_default();
            let approver = match &t.approver {
                Some(a) => {
                    if authority != Authority::Authorized {
                        self.diags.push(Diagnostic::warning(
                            Code::ApproverWithoutAuthorized,
                            p.key("approver"),
                            format!(
                                "topic `{id}` names an approver but its authority is `{authority}`"
                            ),
                            "remove `approver`, or set `authority = \"authorized\"`",
                        ));
                    }
                    self.lookup(rank_index, a, p.key("approver"), "rank", "ranks")
                }
                None => RankIx::NONE,
            };
            if let Some(s) = t.severity {
                if !s.is_finite() || s < 0.0 {
                    self.error(
                        Code::BadNumber,
                        p.key("severity"),
                        format!("severity `{s}` is not a non-negative number"),
                        "use a number such as `3`",
                    );
                }
            }
            // Keywords are validated and compiled by triage, which parses each once.
            self.duplicate_keys(&t.keywords, &p.key("keywords"), "locale");
            for (locale, _) in t.keywords.iter() {
                if !self.locale_set.contains(locale) {
                    self.error(
                        Code::UnknownLocale,
                        p.key("keywords").key(locale),
                        format!("locale `{locale}` is not declared in `[policy].locales`"),
                        "declare it, or fix the locale's name",
                    );
                }
            }
            topics.push(Topic {
                id: id.into(),
                owner,
                explains,
                serves,
                answer,
                authority,
                approver,
                severity: t
                    .severity
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .unwrap_or(0.0),
            });
        }
        (topics, topic_index)
    }
}
