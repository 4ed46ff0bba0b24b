//! `[[rules]]`: the exceptions to the ladder — conditions on the contact and the responder,
//! and the effects they have — compiled one step at a time, and indexed by the topics they
//! can apply to.

use std::collections::HashMap;

use crate::diagnostic::{Code, DocPath};
use crate::document::{IdMap, OneOrMany, RuleDoc, ThenDoc, WhenDoc};
use crate::engine::{
    ChannelIx, DepartmentIx, FactKeyIx, FactValueIx, Id, MessageIx, RankIx, RoleIx, Rule, RuleIx,
    Topic,
};
use crate::model::Progress;

use super::compiler::Compiler;
use super::messages::Usages;
use super::patterns::{PatternSet, TopicIds};
use super::texts::Usage;

/// What the rules refer to: the topics their patterns match, and the index of each section
/// they name.
pub(super) struct RuleRefs<'a> {
    pub(super) topics: &'a [Topic],
    pub(super) topic_ids: &'a TopicIds<'a>,
    pub(super) departments: &'a HashMap<Box<str>, DepartmentIx>,
    pub(super) roles: &'a HashMap<Box<str>, RoleIx>,
    pub(super) ranks: &'a HashMap<Box<str>, RankIx>,
    pub(super) messages: &'a HashMap<Box<str>, MessageIx>,
}

/// The fact keys and values the rules' conditions name, interned in order of first
/// appearance.
#[derive(Default)]
struct FactNames {
    keys: Interner<FactKeyIx>,
    values: Interner<FactValueIx>,
}

impl Compiler<'_> {
    /// Compiles `[[rules]]`, recording each message's usage as an answer: the rules, in order,
    /// and the fact keys and values they name.
    pub(super) fn rules(
        &mut self,
        refs: &RuleRefs<'_>,
        usages: &mut Usages,
    ) -> (Vec<Rule>, Vec<Box<str>>, Vec<Box<str>>) {
        let doc = self.doc;
        let rpath = DocPath::root().key("rules");
        let mut rules = Vec::with_capacity(doc.rules.len());
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut facts = FactNames::default();
        for (i, r) in doc.rules.iter().enumerate() {
            let rule = self.rule(r, &rpath.index(i), i, &mut ids, refs, &mut facts, usages);
            rules.push(rule);
        }
        (rules, facts.keys.list, facts.values.list)
    }

    /// Compiles rule `i` (at `p`): its id, that it has an effect, its conditions (`when`) and
    /// its effects (`then`), reporting in that order.
    #[expect(
        clippy::too_many_arguments,
        reason = "the rule, the rules' shared state and the tables, passed once"
    )]
    fn rule<'d>(
        &mut self,
        r: &'d RuleDoc,
        p: &DocPath,
        i: usize,
        ids: &mut HashMap<&'d str, usize>,
        refs: &RuleRefs<'_>,
        facts: &mut FactNames,
        usages: &mut Usages,
    ) -> Rule {
        let id = self.rule_id(r, p, i, ids);
        let w = &r.when;
        let t = &r.then;
        self.rule_has_effect(t, &id, p);
        let wp = p.key("when");
        let topics = self.rule_topics(w, &wp, refs);
        let departments = self.rule_ids(
            &w.department,
            &wp,
            "department",
            refs.departments,
            "department",
            "departments",
        );
        let roles = self.rule_ids(&w.role, &wp, "role", refs.roles, "role", "roles");
        let ranks = self.rule_ids(&w.rank, &wp, "rank", refs.ranks, "rank", "ranks");
        // Sorted and without repeats, as every list of the rule: membership is a binary
        // search, so a rule naming tens of thousands of channels is not quadratic to decide,
        // check or diff (issue 25 point 4).
        let channels = w.channel.as_ref().map(|l| {
            sorted(
                l.0.iter()
                    .map(|c| self.channel(c))
                    .collect::<Vec<ChannelIx>>(),
            )
        });
        let progress = match &w.progress {
            None => Progress::ALL.iter().fold(0, |m, p| m | p.bit()),
            Some(list) => list.0.iter().fold(0, |m, p| m | p.bit()),
        };
        let facts = self.rule_facts(&w.facts, &id, &wp, facts);
        let tp = p.key("then");
        let answer = t.answer.as_ref().map(|m| {
            let ix = self.lookup(refs.messages, m, tp.key("answer"), "message", "messages");
            if let Some(u) = usages.get_mut(ix.index()) {
                u.push((Usage::Answer, tp.key("answer")));
            }
            ix
        });
        let route = t.route.as_ref().map(|d| {
            self.lookup(
                refs.departments,
                d,
                tp.key("route"),
                "department",
                "departments",
            )
        });
        Rule {
            id: id.into(),
            why: r.why.as_deref().map(Into::into),
            topics,
            channels,
            departments,
            roles,
            ranks,
            progress,
            facts: facts.into(),
            answer,
            skip_ladder: t.skip_ladder == Some(true),
            authority: t.authority,
            route,
        }
    }

    /// The rule's id: given, not empty, and not used by an earlier rule (`ids`); a rule
    /// without one is named by its place, `rules[i]`.
    fn rule_id<'d>(
        &mut self,
        r: &'d RuleDoc,
        p: &DocPath,
        i: usize,
        ids: &mut HashMap<&'d str, usize>,
    ) -> String {
        match &r.id {
            Some(id) if !id.is_empty() => {
                if let Some(first) = ids.insert(id, i) {
                    self.error(
                        Code::DuplicateId,
                        p.key("id"),
                        format!("rule id `{id}` is already used by rules[{first}]"),
                        "give every rule its own id",
                    );
                }
                id.clone()
            }
            _ => {
                self.error(
                    Code::MissingRuleId,
                    p.key("id"),
                    format!("rule {i} has no id"),
                    "add `id = \"…\"`: decisions name the rule that shaped them",
                );
                format!("rules[{i}]")
            }
        }
    }

    /// Reports a rule whose `then` changes nothing.
    fn rule_has_effect(&mut self, t: &ThenDoc, id: &str, p: &DocPath) {
        if t.answer.is_none()
            && t.skip_ladder != Some(true)
            && t.authority.is_none()
            && t.route.is_none()
        {
            self.error(
                Code::EmptyRule,
                p.key("then"),
                format!("rule `{id}` changes nothing"),
                "give it an effect: `answer`, `skip_ladder = true`, `authority` or `route`",
            );
        }
    }

    /// The rule's topic patterns, each checked (valid, matching some topic).
    fn rule_topics(
        &mut self,
        w: &WhenDoc,
        wp: &DocPath,
        refs: &RuleRefs<'_>,
    ) -> Option<Box<[Box<str>]>> {
        w.topic.as_ref().map(|list| {
            for (k, pattern) in list.0.iter().enumerate() {
                let path = if list.0.len() == 1 {
                    wp.key("topic")
                } else {
                    wp.key("topic").index(k)
                };
                self.topic_pattern(pattern, path, refs.topics, refs.topic_ids, "rule");
            }
            list.0
                .iter()
                .map(|s| s.as_str().into())
                .collect::<Box<[Box<str>]>>()
        })
    }

    /// A condition listing ids of one section (`when.KEY`), each looked up in `index`.
    fn rule_ids<I: Id>(
        &mut self,
        list: &Option<OneOrMany<String>>,
        wp: &DocPath,
        key: &str,
        index: &HashMap<Box<str>, I>,
        what: &str,
        section: &str,
    ) -> Option<Box<[I]>> {
        list.as_ref().map(|l| {
            sorted(
                l.0.iter()
                    .enumerate()
                    .map(|(k, id)| {
                        let path = if l.0.len() == 1 {
                            wp.key(key)
                        } else {
                            wp.key(key).index(k)
                        };
                        self.lookup(index, id, path, what, section)
                    })
                    .collect::<Vec<I>>(),
            )
        })
    }

    /// The rule's fact conditions, interned: each key written once, each listing a value.
    fn rule_facts(
        &mut self,
        conditions: &IdMap<OneOrMany<String>>,
        id: &str,
        wp: &DocPath,
        names: &mut FactNames,
    ) -> Vec<(FactKeyIx, Box<[FactValueIx]>)> {
        self.duplicate_keys(conditions, &wp.key("facts"), "fact");
        let mut facts = Vec::new();
        for (key, values) in conditions.iter() {
            let k = names.keys.intern(key);
            let vs: Box<[FactValueIx]> = values.0.iter().map(|v| names.values.intern(v)).collect();
            if vs.is_empty() {
                self.error(
                    Code::EmptyCondition,
                    wp.key("facts").key(key),
                    format!("fact `{key}` lists no value, so rule `{id}` can never match"),
                    "list the values that match",
                );
            }
            facts.push((k, vs));
        }
        facts
    }
}

/// The rules that can apply to each topic (those whose patterns match it, or that name no
/// topic), in order: topic `t`'s are `rules[start[t]..start[t + 1]]`. Returns `(start,
/// rules)`. The caller checked topics × rules against the limit.
pub(super) fn topic_rule_index(topics: &[Topic], rules: &[Rule]) -> (Vec<u32>, Vec<RuleIx>) {
    let mut topic_rule_start = Vec::with_capacity(topics.len() + 1);
    let mut topic_rules = Vec::new();
    let rule_patterns: Vec<Option<PatternSet<'_>>> = rules
        .iter()
        .map(|r| {
            r.topics
                .as_ref()
                .map(|ps| PatternSet::new(ps.iter().map(|p| &**p)))
        })
        .collect();
    for topic in topics {
        topic_rule_start.push(topic_rules.len() as u32);
        for (ri, patterns) in rule_patterns.iter().enumerate() {
            let applies = patterns
                .as_ref()
                .is_none_or(|ps| ps.best(&topic.id).is_some());
            if applies {
                topic_rules.push(RuleIx::new(ri));
            }
        }
    }
    topic_rule_start.push(topic_rules.len() as u32);

    (topic_rule_start, topic_rules)
}

/// Strings interned in order of first appearance: the list and its index (a hash map, so
/// 100,000 values of one fact condition cost 100,000 lookups, not a scan each).
struct Interner<I> {
    list: Vec<Box<str>>,
    index: HashMap<Box<str>, I>,
}

impl<I> Default for Interner<I> {
    fn default() -> Self {
        Interner {
            list: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<I: Id> Interner<I> {
    fn intern(&mut self, s: &str) -> I {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = I::new(self.list.len());
        self.list.push(s.into());
        self.index.insert(s.into(), i);
        i
    }
}

/// A rule's list of indices, sorted and without repeats (membership by binary search).
fn sorted<I: Ord>(mut list: Vec<I>) -> Box<[I]> {
    list.sort_unstable();
    list.dedup();
    list.into_boxed_slice()
}
