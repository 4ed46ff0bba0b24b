//! The decision side of a diff: every circumstance of the union of both policies' spaces
//! whose outcome or message changes.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::check::{Classes, Conditions, TooLarge, TopicFacts};
use crate::decision::{Decision, DecisionBrief};
use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::engine::{Engine, LocaleIx, ResponderKey, RuleIx};
use crate::model::{Channel, Contact, Progress, Responder};

use super::types::{DecisionChange, PolicyDiff};

/// The facts both policies' rules test for one topic, by name, and the classes of their
/// values that no rule of either policy tells apart.
struct UnionSpace {
    /// Keys in name order (the first varying fastest), each with its values in order of first
    /// mention (the old policy's first).
    keys: Vec<(String, Vec<String>)>,
    classes: Classes,
}

impl UnionSpace {
    /// `topics` names the topic in each policy: the same one, or each policy's fallback for
    /// the contacts without a known topic.
    fn new(
        old: &Engine,
        new: &Engine,
        topics: [&str; 2],
        max_classes: u64,
        max_work: u64,
    ) -> Result<UnionSpace, TooLarge> {
        // Hashed: linear in the rules' conditions.
        let mut named: BTreeMap<&str, (Vec<&str>, HashMap<&str, u32>)> = BTreeMap::new();
        let engines = [old, new];
        for (e, topic) in engines.into_iter().zip(topics) {
            let Some(t) = e.parts().topics.find(topic) else {
                continue;
            };
            for (k, values) in TopicFacts::new(e, t).keys() {
                let (list, digit) = named
                    .entry(e.parts().fact_keys.get(*k).map_or("", |k| k))
                    .or_default();
                for v in values {
                    let v = e.parts().fact_values.get(*v).map_or("", |v| v);
                    if !digit.contains_key(v) {
                        list.push(v);
                        digit.insert(v, list.len() as u32);
                    }
                }
            }
        }
        let local: HashMap<&str, usize> = named.keys().enumerate().map(|(i, k)| (*k, i)).collect();
        let maps: Vec<&HashMap<&str, u32>> = named.values().map(|(_, m)| m).collect();
        let mut conditions = Conditions {
            values: named.values().map(|(l, _)| l.len() as u32).collect(),
            rules: Vec::new(),
            dominance: Vec::new(),
        };
        for (which, (e, topic)) in engines.into_iter().zip(topics).enumerate() {
            let Some(t) = e.parts().topics.find(topic) else {
                continue;
            };
            // Rules dominate only rules of their own policy.
            let (keep, dominance) = crate::check::dominance(e, t, conditions.rules.len() as u32);
            conditions.dominance.extend(dominance);
            for (&r, keep) in e
                .rules_for(t)
                .iter()
                .filter(|&&r| e.parts().rules.get(r).is_some_and(|x| !x.facts.is_empty()))
                .zip(keep)
            {
                let Some(rule) = e.parts().rules.get(r) else {
                    continue;
                };
                if !keep {
                    continue;
                }
                let conds = rule
                    .facts
                    .iter()
                    .filter_map(|(k, values)| {
                        let l = *local.get(e.parts().fact_keys.get(*k).map_or("", |k| &**k))?;
                        let map = maps.get(l)?;
                        let mut ds: Vec<u32> = values
                            .iter()
                            .filter_map(|v| {
                                map.get(e.parts().fact_values.get(*v).map_or("", |v| &**v))
                            })
                            .copied()
                            .collect();
                        ds.sort_unstable();
                        ds.dedup();
                        Some((l as u32, ds))
                    })
                    .collect();
                conditions.rules.push((2 * r.index() + which, conds));
            }
        }
        let exhaustive = old.parts().space.exhaustive || new.parts().space.exhaustive;
        let classes = Classes::new(&conditions, max_classes, max_work, exhaustive)?;
        Ok(UnionSpace {
            keys: named
                .into_iter()
                .map(|(k, (l, _))| (k.to_owned(), l.into_iter().map(str::to_owned).collect()))
                .collect(),
            classes,
        })
    }

    /// Sets the facts of an assignment (a digit per key) on `contact`.
    fn set(&self, digits: &[u32], contact: &mut Contact) {
        contact.facts.clear();
        for ((k, values), d) in self.keys.iter().zip(digits) {
            if let Some(v) = d.checked_sub(1).and_then(|i| values.get(i as usize)) {
                contact.facts.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The `space-too-large` error of a topic of the diff.
fn too_large(old: &Engine, new: &Engine, topic: &Compared, e: TooLarge, limit: u64) -> Diagnostic {
    let (engine, which) = if e.rule % 2 == 0 {
        (old, "old")
    } else {
        (new, "new")
    };
    let rule = engine
        .parts()
        .rules
        .get(RuleIx::new(e.rule / 2))
        .map_or("", |r| &*r.id);
    let why = if e.needed == 0 {
        format!("telling its fact values apart takes more than {limit} steps")
    } else {
        format!(
            "it needs at least {} classes of fact values, more circumstances than the limit of {limit}",
            e.needed
        )
    };
    Diagnostic::error(
        Code::SpaceTooLarge,
        topic.path(),
        format!(
            "{} is left out of the diff: {why}; its facts are tested by rule `{}` of the {which} policy and the other rules of the topic",
            topic.name(),
            cut(rule),
        ),
        "each rule with its own fact conditions can double its topics' circumstances: test these facts in fewer rules, with fewer distinct values, or raise the limit (`EngineBuilder::max_circumstances`)",
    )
}

/// An id quoted in a message, cut to 80 characters.
fn cut(id: &str) -> String {
    match id.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", id.get(..end).unwrap_or("")),
        None => id.to_owned(),
    }
}

/// What one pass of the decision diff compares: a topic both policies have, or the contacts
/// without a known topic when the fallback changed.
enum Compared<'a> {
    /// A topic of both policies.
    Topic(&'a str),
    /// The contacts with an unknown topic, no topic or a text below the triage threshold:
    /// decided for each policy's fallback topic.
    Unknown { old: &'a str, new: &'a str },
}

impl Compared<'_> {
    /// The topic's name in each policy.
    fn topics(&self) -> [&str; 2] {
        match *self {
            Compared::Topic(t) => [t, t],
            Compared::Unknown { old, new } => [old, new],
        }
    }

    /// Where a finding about it points.
    fn path(&self) -> DocPath {
        match self {
            Compared::Topic(t) => DocPath::root().key("topics").key(*t),
            Compared::Unknown { .. } => DocPath::root().key("policy").key("fallback"),
        }
    }

    /// The topic in words, for a finding.
    fn name(&self) -> String {
        match self {
            Compared::Topic(t) => format!("topic `{}`", cut(t)),
            Compared::Unknown { old, new } => format!(
                "the {} (fallback `{}` -> `{}`)",
                super::types::UNKNOWN_TOPIC,
                cut(old),
                cut(new)
            ),
        }
    }
}

/// The state of the decision diff across topics: what is compared, and the budgets left.
struct Run<'a> {
    old: &'a Engine,
    new: &'a Engine,
    channels: Vec<&'a str>,
    responders: Vec<Responder>,
    keys: Vec<(ResponderKey, ResponderKey)>,
    budget: u64,
    max_entries: u64,
    per_class: u64,
    left: u64,
    entries: u64,
    current: Vec<Option<usize>>,
}

pub(super) fn decisions(
    old: &Engine,
    new: &Engine,
    out: &mut PolicyDiff,
    progress: &mut dyn FnMut(crate::progress::WorkProgress),
) {
    // Hashed: linear in the channels.
    let mut channels: Vec<&str> = old.parts().channels.items().iter().map(|c| &**c).collect();
    let mut seen: HashSet<&str> = channels.iter().copied().collect();
    for c in new.parts().channels.items().iter() {
        if seen.insert(c) {
            channels.push(c);
        }
    }
    let responders: Vec<Responder> = old
        .systems()
        .filter(|s| new.parts().systems.find(s).is_some())
        .map(Responder::system)
        .chain(
            old.roles()
                .filter(|r| new.parts().roles.find(r).is_some())
                .map(Responder::staff),
        )
        .collect();
    let keys: Vec<_> = responders
        .iter()
        .map(|r| (old.responder_key(r), new.responder_key(r)))
        .collect();
    let budget = old
        .parts()
        .space
        .max_circumstances
        .min(new.parts().space.max_circumstances);
    let max_entries = old.parts().space.max_rows.min(new.parts().space.max_rows);
    let per_class = (Progress::ALL.len() as u64 * 2)
        .saturating_mul(channels.len() as u64)
        .saturating_mul(responders.len() as u64)
        .max(1);
    let mut run = Run {
        old,
        new,
        channels,
        current: vec![None; responders.len()],
        responders,
        keys,
        budget,
        max_entries,
        per_class,
        left: budget,
        entries: 0,
    };
    for (done, topic) in old.topics().enumerate() {
        crate::progress::report(progress, done, old.parts().topics.len());
        if new.parts().topics.find(topic).is_none() {
            continue;
        }
        run.compare(&Compared::Topic(topic), out);
    }
    // The contacts without a known topic are decided for the fallback: when it names another
    // topic, theirs is one more topic to compare (once, not once per topic).
    let (old_fallback, new_fallback) = (old.fallback_topic(), new.fallback_topic());
    if old_fallback != new_fallback {
        let before = out.decisions.len();
        run.compare(
            &Compared::Unknown {
                old: old_fallback,
                new: new_fallback,
            },
            out,
        );
        let changed = out.decisions.get(before..).map_or(0, <[_]>::len);
        out.fallback = Some(super::types::FallbackChange {
            old: old_fallback.to_owned(),
            new: new_fallback.to_owned(),
        });
        out.diagnostics.push(Diagnostic::warning(
            Code::FallbackChanged,
            DocPath::root().key("policy").key("fallback"),
            format!(
                "the fallback topic changed from `{}` to `{}`: every contact with an unknown topic, no topic or a text below the triage threshold is now decided for `{}` ({changed} decision change(s), listed as the {})",
                cut(old_fallback),
                cut(new_fallback),
                cut(new_fallback),
                super::types::UNKNOWN_TOPIC,
            ),
            "make sure the new fallback is meant for every contact whose topic is not known, or restore `fallback`",
        ));
    }
}

impl Run<'_> {
    /// Compares the decisions of one topic (or of the contacts without a known topic) and
    /// lists those that change.
    fn compare(&mut self, topic: &Compared<'_>, out: &mut PolicyDiff) {
        let (old, new) = (self.old, self.new);
        let space = match UnionSpace::new(
            old,
            new,
            topic.topics(),
            self.left / self.per_class,
            self.left,
        ) {
            Ok(space) => space,
            Err(e) => {
                out.diagnostics
                    .push(too_large(old, new, topic, e, self.budget));
                return;
            }
        };
        let classes = &space.classes;
        self.left = self
            .left
            .saturating_sub(classes.work())
            .saturating_sub((classes.len() as u64).saturating_mul(self.per_class));
        let unknown = matches!(topic, Compared::Unknown { .. });
        // The changes of each class's first member, then of every member.
        let mut changed: Vec<(usize, Vec<DecisionChange>)> = Vec::new();
        let mut contact = Contact::new(crate::check::ANY_CUSTOMER, Channel::Phone)
            .with_locale(old.parts().locales.id(LocaleIx::new(0)));
        if let Compared::Topic(t) = topic {
            contact = contact.with_topic(*t);
        }
        let current = &mut self.current;
        for class in 0..classes.len() {
            let weight = classes.count(class);
            space.set(classes.rep(class), &mut contact);
            let mut found: Vec<DecisionChange> = Vec::new();
            for progress in Progress::ALL {
                for asks in [false, true] {
                    contact.progress = progress;
                    contact.asks_for_superior = asks;
                    current.fill(None);
                    for channel in &self.channels {
                        contact.channel = Channel::from(*channel);
                        let (po, pn) = (old.prepare(&contact), new.prepare(&contact));
                        for (i, (ko, kn)) in self.keys.iter().enumerate() {
                            let a = old.decide_prepared(&po, *ko);
                            let b = new.decide_prepared(&pn, *kn);
                            out.circumstances = out.circumstances.saturating_add(weight);
                            if same(&a, &b) {
                                continue;
                            }
                            let (before, after) =
                                (DecisionBrief::from(&a), DecisionBrief::from(&b));
                            let slot = current.get_mut(i);
                            let existing = slot
                                .as_ref()
                                .and_then(|s| **s)
                                .and_then(|j| found.get_mut(j))
                                .filter(|c| c.before == before && c.after == after);
                            match existing {
                                Some(c) => c.channels.push(contact.channel.clone()),
                                None => {
                                    if let Some(slot) = slot {
                                        *slot = Some(found.len());
                                    }
                                    found.push(DecisionChange {
                                        contact: contact.clone(),
                                        responder: self
                                            .responders
                                            .get(i)
                                            .cloned()
                                            .unwrap_or_else(|| Responder::staff("")),
                                        channels: vec![contact.channel.clone()],
                                        before,
                                        after,
                                        unknown_topic: unknown,
                                    });
                                }
                            }
                        }
                    }
                }
            }
            if !found.is_empty() {
                changed.push((class, found));
            }
        }
        // Each entry counts its columns and the facts it may name.
        let cells = crate::check::ROW_CELLS + space.keys.len() as u64;
        let listed = changed.iter().fold(0u64, |n, (class, found)| {
            let each = (found.len() as u64).saturating_mul(cells);
            n.saturating_add(each.saturating_mul(classes.count(*class)))
        });
        if self.entries.saturating_add(listed) > self.max_entries {
            // Each class's first member only: still every kind of change, not every one.
            out.diagnostics.push(Diagnostic::error(
                Code::DiffTooLarge,
                topic.path(),
                format!(
                    "the decision changes of {} would take up to {listed} cells ({} columns and the facts of each entry), past the limit of {} (`max_table_size`): only the first combination of fact values of each kind of change is listed",
                    topic.name(),
                    crate::check::ROW_CELLS,
                    self.max_entries,
                ),
                "name fewer fact values in the topic's rules, or raise the limit (`EngineBuilder::max_table_size`)",
            ));
            for (_, found) in changed {
                self.entries = self
                    .entries
                    .saturating_add((found.len() as u64).saturating_mul(cells));
                out.decisions.extend(found);
            }
            return;
        }
        self.entries = self.entries.saturating_add(listed);
        let mut members: Vec<(Vec<u32>, usize)> = Vec::new();
        for (ci, (class, _)) in changed.iter().enumerate() {
            classes.for_each_member(*class, |m| members.push((m.to_vec(), ci)));
        }
        members.sort_by(|a, b| a.0.iter().rev().cmp(b.0.iter().rev()));
        for (digits, ci) in members {
            let Some((_, found)) = changed.get(ci) else {
                continue;
            };
            space.set(&digits, &mut contact);
            for change in found {
                let mut change = change.clone();
                change.contact.facts.clone_from(&contact.facts);
                out.decisions.push(change);
            }
        }
    }
}

/// Whether two decisions say the same: outcome, message and what they point to.
fn same(a: &Decision<'_>, b: &Decision<'_>) -> bool {
    a.outcome() == b.outcome()
        && a.message_id() == b.message_id()
        && a.system().map(|s| s.id) == b.system().map(|s| s.id)
        && a.department() == b.department()
        && a.rank() == b.rank()
}
