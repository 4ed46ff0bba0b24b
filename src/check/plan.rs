//! How the circumstance space is visited: per topic, one representative per class of fact
//! values (`TopicSpace`), the plan of what `check`, `diff` and the table will enumerate and
//! what it costs (`plan`, `per_class`), the located `space-too-large` finding, and the rule
//! dominance used to skip circumstances no rule can tell apart (`dominance`).

use std::collections::HashMap;

use super::classes::{Classes, Conditions, TooLarge};
use super::space::{TopicFacts, responders};
use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::engine::{Engine, FactKeyIx, FactValueIx, RuleIx, TopicIx};
use crate::model::{Facts, Progress};

/// What a row of the decision table (or an entry of a diff) counts against `max_table_size`,
/// besides one per fact it names: its columns.
pub(crate) const ROW_CELLS: u64 = 16;

/// One topic's fact assignments, one representative per class the rules cannot tell apart
/// (see `classes.rs`).
#[derive(Debug)]
pub(crate) struct TopicSpace {
    facts: TopicFacts,
    classes: Classes,
}

impl TopicSpace {
    /// The classes of topic `t`, at most `max_classes`, spending at most `max_work`.
    pub(crate) fn new(
        engine: &Engine,
        t: TopicIx,
        max_classes: u64,
        max_work: u64,
    ) -> Result<TopicSpace, TooLarge> {
        let facts = TopicFacts::new(engine, t);
        let local: HashMap<FactKeyIx, usize> = facts
            .keys
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (*k, i))
            .collect();
        let digits: Vec<HashMap<FactValueIx, u32>> = facts
            .keys
            .iter()
            .map(|(_, values)| {
                values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (*v, i as u32 + 1))
                    .collect()
            })
            .collect();
        let mut conditions = Conditions {
            values: facts.keys.iter().map(|(_, v)| v.len() as u32).collect(),
            rules: Vec::new(),
            dominance: Vec::new(),
        };
        let (keep, dominance) = dominance(engine, t, 0);
        conditions.dominance = dominance;
        for (&r, keep) in engine
            .rules_for(t)
            .iter()
            .filter(|&&r| {
                engine
                    .parts()
                    .rules
                    .get(r)
                    .is_some_and(|x| !x.facts.is_empty())
            })
            .zip(keep)
        {
            let Some(rule) = engine.parts().rules.get(r) else {
                continue;
            };
            if !keep {
                continue;
            }
            let conds = rule
                .facts
                .iter()
                .filter_map(|(k, values)| {
                    let l = *local.get(k)?;
                    let map = digits.get(l)?;
                    let mut ds: Vec<u32> =
                        values.iter().filter_map(|v| map.get(v)).copied().collect();
                    ds.sort_unstable();
                    ds.dedup();
                    Some((l as u32, ds))
                })
                .collect();
            conditions.rules.push((r.index(), conds));
        }
        let classes = Classes::new(
            &conditions,
            max_classes,
            max_work,
            engine.parts().space.exhaustive,
        )?;
        Ok(TopicSpace { facts, classes })
    }

    /// How many classes.
    pub(crate) fn len(&self) -> usize {
        self.classes.len()
    }

    /// How many fact keys the topic's rules test: the most facts a row of it names.
    pub(crate) fn keys(&self) -> usize {
        self.facts.keys.len()
    }

    /// How many fact assignments class `c` stands for (saturating).
    pub(crate) fn count(&self, c: usize) -> u64 {
        self.classes.count(c)
    }

    /// The work spent finding the classes.
    pub(crate) fn work(&self) -> u64 {
        self.classes.work()
    }

    /// Writes the first assignment of class `c` into `out` (indexed by fact key; `NONE` is
    /// absent).
    pub(crate) fn fill(&self, c: usize, out: &mut [FactValueIx]) {
        self.fill_digits(self.classes.rep(c), out);
    }

    /// The first assignment of class `c`: a digit per key.
    pub(crate) fn rep(&self, c: usize) -> &[u32] {
        self.classes.rep(c)
    }

    /// Writes an assignment given as a digit per key into `out`.
    pub(crate) fn fill_digits(&self, digits: &[u32], out: &mut [FactValueIx]) {
        for ((key, values), d) in self.facts.keys.iter().zip(digits) {
            if let Some(slot) = out.get_mut((*key).index()) {
                *slot = d
                    .checked_sub(1)
                    .and_then(|i| values.get(i as usize))
                    .copied()
                    .unwrap_or(FactValueIx::NONE);
            }
        }
    }

    /// The facts of an assignment given as a digit per key, by name.
    pub(crate) fn facts(&self, engine: &Engine, digits: &[u32]) -> Facts {
        self.facts
            .keys
            .iter()
            .zip(digits)
            .filter_map(|((key, values), d)| {
                let v = values.get(d.checked_sub(1)? as usize)?;
                Some((
                    engine.parts().fact_keys.get(*key)?.to_string(),
                    engine.parts().fact_values.get(*v)?.to_string(),
                ))
            })
            .collect()
    }

    /// Calls `f` with every member of class `c` (a digit per key), in no particular order.
    pub(crate) fn for_each_member(&self, c: usize, f: impl FnMut(&[u32])) {
        self.classes.for_each_member(c, f);
    }
}

/// How many circumstances one fact class of a topic stands for in `check` and the table:
/// progress × request for a superior × responders × channels.
pub(crate) fn per_class(engine: &Engine) -> u64 {
    (Progress::ALL.len() as u64 * 2)
        .saturating_mul(responders(engine).len() as u64)
        .saturating_mul(engine.parts().channels.len() as u64)
}

/// The topics' spaces within the engine's `max_circumstances`, and a `space-too-large` error
/// for each topic left out (the largest first, until the rest fit).
pub(crate) struct Plan {
    pub(crate) spaces: Vec<Option<TopicSpace>>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// The circumstance spaces of every topic of `engine`, each class standing for `per_class`
/// circumstances.
pub(crate) fn plan(engine: &Engine, per_class: u64) -> Plan {
    let budget = engine.parts().space.max_circumstances;
    let per_class = per_class.max(1);
    let mut work_left = budget;
    let mut spaces = Vec::with_capacity(engine.parts().topics.len());
    let mut diagnostics = Vec::new();
    let mut sizes: Vec<(u64, usize)> = Vec::new();
    for t in 0..engine.parts().topics.len() {
        match TopicSpace::new(engine, TopicIx::new(t), budget / per_class, work_left) {
            Ok(space) => {
                work_left = work_left.saturating_sub(space.work());
                sizes.push(((space.len() as u64).saturating_mul(per_class), t));
                spaces.push(Some(space));
            }
            Err(e) => {
                diagnostics.push(too_large(engine, TopicIx::new(t), e, per_class));
                spaces.push(None);
            }
        }
    }
    let mut total = sizes.iter().fold(0u64, |n, (s, _)| n.saturating_add(*s));
    if total > budget {
        // Leave the largest topics out until the rest fit; each is an error.
        sizes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (size, t) in sizes {
            if total <= budget {
                break;
            }
            total = total.saturating_sub(size);
            let blame = blame(engine, TopicIx::new(t));
            diagnostics.push(too_large(
                engine,
                TopicIx::new(t),
                TooLarge {
                    rule: blame,
                    needed: size / per_class,
                },
                per_class,
            ));
            if let Some(slot) = spaces.get_mut(t) {
                *slot = None;
            }
        }
    }
    Plan {
        spaces,
        diagnostics,
    }
}

/// The rule of topic `t` testing the most facts: the one to name when the topic's space is
/// too large though no single step was.
fn blame(engine: &Engine, t: TopicIx) -> usize {
    engine
        .rules_for(t)
        .iter()
        .copied()
        .filter(|&r| {
            engine
                .parts()
                .rules
                .get(r)
                .is_some_and(|x| !x.facts.is_empty())
        })
        .max_by_key(|&r| {
            (
                engine.parts().rules.get(r).map_or(0, |x| x.facts.len()),
                std::cmp::Reverse(r),
            )
        })
        // No rule tests facts: the topic's own circumstances are too many (`usize::MAX`
        // names no rule).
        .map_or(usize::MAX, |r| r.index())
}

/// The `space-too-large` error of topic `t`.
pub(crate) fn too_large(engine: &Engine, t: TopicIx, e: TooLarge, per_class: u64) -> Diagnostic {
    let rule = engine.parts().rules.get(RuleIx::new(e.rule));
    let facts: Vec<String> = rule
        .map(|r| {
            r.facts
                .iter()
                .take(5)
                .filter_map(|(k, _)| engine.parts().fact_keys.get(*k))
                .map(|k| format!("`{}`", cut(k)))
                .collect()
        })
        .unwrap_or_default();
    let more = rule.map_or(0, |r| r.facts.len().saturating_sub(facts.len()));
    let topic = engine.parts().topics.id(t);
    let Some(rule) = rule else {
        return Diagnostic::error(
            Code::SpaceTooLarge,
            DocPath::root().key("topics").key(topic),
            format!(
                "topic `{}` is left out: its {per_class} circumstances (progress × request for a superior × responders × channels) exceed what is left of the limit of {}",
                cut(topic),
                engine.parts().space.max_circumstances
            ),
            "raise the limit (`EngineBuilder::max_circumstances`), or use fewer responders or channels",
        );
    };
    let rule = Some(rule);
    let why = if e.needed == 0 {
        format!(
            "telling its fact values apart takes more than {} steps",
            engine.parts().space.max_circumstances
        )
    } else {
        format!(
            "it needs at least {} circumstances to be decided ({} classes of fact values that its rules tell apart × {per_class}), more than the limit of {}",
            e.needed.saturating_mul(per_class),
            e.needed,
            engine.parts().space.max_circumstances,
        )
    };
    Diagnostic::error(
        Code::SpaceTooLarge,
        DocPath::root().key("rules").index(e.rule),
        format!(
            "topic `{}` is left out: {why}; its facts are tested by rule `{}` ({}{}) and the other rules of the topic",
            cut(topic),
            cut(rule.map_or("", |r| &*r.id)),
            facts.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            },
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

/// Whether rule `r` applies only where rule `o` does, facts aside (conservative: `false` when
/// unsure).
fn implies(r: &crate::engine::Rule, o: &crate::engine::Rule) -> bool {
    // A rule's lists are sorted (compile/rules.rs): binary searches.
    fn sub<I: Ord>(a: &Option<Box<[I]>>, b: &Option<Box<[I]>>) -> bool {
        match (a, b) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(b)) => a.iter().all(|x| b.binary_search(x).is_ok()),
        }
    }
    sub(&r.channels, &o.channels)
        && r.progress & !o.progress == 0
        && sub(&r.departments, &o.departments)
        && sub(&r.roles, &o.roles)
        && sub(&r.ranks, &o.ranks)
}

/// The effect kinds a rule has: answer, skip_ladder, authority, route.
fn effect_kinds(r: &crate::engine::Rule) -> [bool; 4] {
    [
        r.answer.is_some(),
        r.skip_ladder,
        r.authority.is_some(),
        r.route.is_some(),
    ]
}

/// The most rules with fact conditions one topic may have for [`dominance`] to compare them
/// pairwise; beyond, no rule is dropped and none dominates (still exact).
const MAX_DOMINANCE_RULES: usize = 512;

/// For the rules of topic `t` with fact conditions, in order: whether each matters at all
/// (`false`: every effect it has is decided wherever it applies by an earlier rule without
/// fact conditions, so it is never the first of its effects), and for each one kept, per
/// effect kind it has that is not decided so, the earlier kept rules (their positions among
/// the kept ones, plus `offset`) that decide that effect wherever it applies. See
/// `Conditions::dominance`.
pub(crate) fn dominance(
    engine: &Engine,
    t: TopicIx,
    offset: u32,
) -> (Vec<bool>, Vec<Vec<Vec<u32>>>) {
    let rules: Vec<&crate::engine::Rule> = engine
        .rules_for(t)
        .iter()
        .filter_map(|&r| engine.parts().rules.get(r))
        .collect();
    let with_facts = rules.iter().filter(|r| !r.facts.is_empty()).count();
    if engine.parts().space.exhaustive || with_facts > MAX_DOMINANCE_RULES {
        return (vec![true; with_facts], vec![vec![Vec::new()]; with_facts]);
    }
    let mut keep = Vec::with_capacity(with_facts);
    let mut out: Vec<Vec<Vec<u32>>> = Vec::new();
    // The kept rules with facts so far: (rule, position among the kept).
    let mut kept: Vec<&crate::engine::Rule> = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        if r.facts.is_empty() {
            continue;
        }
        let kinds = effect_kinds(r);
        let mut lists: Vec<Vec<u32>> = Vec::new();
        for (e, has) in kinds.iter().enumerate() {
            if !has {
                continue;
            }
            let decided = rules.iter().take(i).any(|o| {
                o.facts.is_empty()
                    && effect_kinds(o).get(e).copied().unwrap_or(false)
                    && implies(r, o)
            });
            if decided {
                continue;
            }
            lists.push(
                kept.iter()
                    .enumerate()
                    .filter(|(_, o)| {
                        effect_kinds(o).get(e).copied().unwrap_or(false) && implies(r, o)
                    })
                    .map(|(j, _)| offset + j as u32)
                    .collect(),
            );
        }
        if lists.is_empty() {
            keep.push(false);
            continue;
        }
        keep.push(true);
        kept.push(r);
        out.push(lists);
    }
    (keep, out)
}
