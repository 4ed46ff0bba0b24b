//! Rules: never firing, shadowed by earlier ones, conflicting, naming a channel.
//!
//! A rule's conditions are independent per dimension (topic, channel, progress, each fact,
//! the responder), so matching sets are computed exactly per dimension, over the finite
//! topics, channels and roles of the policy.

use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::engine::{
    ChannelIx, Engine, FactKeyIx, FactValueIx, LocaleIx, Resolved, ResponderIx, RoleIx, Rule,
    SystemIx, TopicIx,
};
use crate::model::Progress;

/// A set of small indices, 64 to a word: subset and intersection tests cost the words, not
/// the members (rules are compared pairwise, over every topic and role).
#[derive(Clone, Debug, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Self {
        Bits(vec![0; len.div_ceil(64)])
    }

    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    fn any(&self) -> bool {
        self.0.iter().any(|w| *w != 0)
    }

    fn subset_of(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a & !b == 0)
    }

    fn first_common(&self, other: &Bits) -> Option<usize> {
        self.0
            .iter()
            .zip(&other.0)
            .enumerate()
            .find_map(|(i, (a, b))| {
                let both = a & b;
                (both != 0).then(|| i * 64 + both.trailing_zeros() as usize)
            })
    }
}

/// The circumstances one rule matches, per dimension.
struct Reach {
    topics: Bits,
    /// Matches system responders.
    systems: bool,
    roles: Bits,
    /// The fact conditions, keys and values sorted: compared by binary search.
    facts: Vec<(FactKeyIx, Vec<FactValueIx>)>,
}

fn reach(engine: &Engine) -> Vec<Reach> {
    let mut out: Vec<Reach> = engine
        .parts()
        .rules
        .items()
        .iter()
        .map(|rule| {
            let mut roles = Bits::new(engine.parts().roles.len());
            for (ri, role) in engine.parts().roles.items().iter().enumerate() {
                // A rule's lists are sorted (compile/rules.rs).
                fn ok<I: Ord>(list: &Option<Box<[I]>>, x: I) -> bool {
                    crate::engine::listed(list.as_deref(), &x)
                }
                if ok(&rule.departments, role.department)
                    && ok(&rule.roles, RoleIx::new(ri))
                    && ok(&rule.ranks, role.rank)
                {
                    roles.set(ri);
                }
            }
            let mut facts: Vec<(FactKeyIx, Vec<FactValueIx>)> = rule
                .facts
                .iter()
                .map(|(k, v)| {
                    let mut v = v.to_vec();
                    v.sort_unstable();
                    v.dedup();
                    (*k, v)
                })
                .collect();
            facts.sort_unstable_by_key(|(k, _)| *k);
            Reach {
                topics: Bits::new(engine.parts().topics.len()),
                systems: !rule.staff_only(),
                roles,
                facts,
            }
        })
        .collect();
    for t in 0..engine.parts().topics.len() {
        for &r in engine.rules_for(TopicIx::new(t)) {
            if let Some(x) = out.get_mut(r.index()) {
                x.topics.set(t);
            }
        }
    }
    out
}

/// The values a reach's facts allow for `key`, if it tests it.
fn values_of(reach: &Reach, key: FactKeyIx) -> Option<&[FactValueIx]> {
    let i = reach.facts.binary_search_by_key(&key, |(k, _)| *k).ok()?;
    reach.facts.get(i).map(|(_, v)| v.as_slice())
}

/// Whether every circumstance `later` matches is matched by `earlier`.
fn covers(earlier: (&Rule, &Reach), later: (&Rule, &Reach)) -> bool {
    let ((e, er), (l, lr)) = (earlier, later);
    let channels = match (&e.channels, &l.channels) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(ec), Some(lc)) => lc.iter().all(|c| ec.binary_search(c).is_ok()),
    };
    let facts = er.facts.iter().all(|(k, ev)| {
        values_of(lr, *k).is_some_and(|lv| lv.iter().all(|v| ev.binary_search(v).is_ok()))
    });
    lr.topics.subset_of(&er.topics)
        && channels
        && l.progress & !e.progress == 0
        && facts
        && (!lr.systems || er.systems)
        && lr.roles.subset_of(&er.roles)
}

/// One circumstance both rules match, if any: the resolved contact, its facts, a responder.
fn common(
    engine: &Engine,
    a: (&Rule, &Reach),
    b: (&Rule, &Reach),
) -> Option<(Resolved, Vec<FactValueIx>, ResponderIx)> {
    let ((a, ar), (b, br)) = (a, b);
    let topic = TopicIx::new(ar.topics.first_common(&br.topics)?);
    let channel = match (&a.channels, &b.channels) {
        (None, None) => ChannelIx::new(0),
        (Some(l), None) | (None, Some(l)) => *l.first()?,
        (Some(x), Some(y)) => *x.iter().find(|c| y.binary_search(c).is_ok())?,
    };
    let progress = *Progress::ALL
        .iter()
        .find(|p| a.progress & b.progress & p.bit() != 0)?;
    let mut values = vec![FactValueIx::NONE; engine.parts().fact_keys.len()];
    // The values in the order the rules write them; membership by binary search.
    for (k, av) in a.facts.iter() {
        let v = match values_of(br, *k) {
            Some(bv) => *av.iter().find(|v| bv.binary_search(v).is_ok())?,
            None => *av.first()?,
        };
        *values.get_mut((*k).index())? = v;
    }
    for (k, bv) in b.facts.iter() {
        if values_of(ar, *k).is_none() {
            *values.get_mut((*k).index())? = *bv.first()?;
        }
    }
    let responder = if ar.systems && br.systems && !engine.parts().systems.is_empty() {
        ResponderIx::System(SystemIx::new(0))
    } else {
        ResponderIx::Staff(RoleIx::new(br.roles.first_common(&ar.roles)?))
    };
    let resolved = Resolved {
        topic,
        channel,
        locale: LocaleIx::new(0),
        progress,
        asks_for_superior: false,
        flags: crate::decision::Flags::default(),
    };
    Some((resolved, values, responder))
}

/// Why a rule never fires, if it never does.
fn never_fires(engine: &Engine, rule: &Rule, reach: &Reach) -> Option<(&'static str, String)> {
    if !reach.topics.any() {
        return Some(("topic", "its topic list matches no topic".to_owned()));
    }
    if rule.channels.as_ref().is_some_and(|c| c.is_empty()) {
        return Some(("channel", "its channel list is empty".to_owned()));
    }
    if rule.progress == 0 {
        return Some(("progress", "its progress list is empty".to_owned()));
    }
    if let Some((k, _)) = rule.facts.iter().find(|(_, v)| v.is_empty()) {
        let key = engine.parts().fact_keys.get(*k).map_or("", |k| &**k);
        return Some(("facts", format!("fact `{key}` lists no value")));
    }
    if rule.staff_only() && !reach.roles.any() {
        return Some((
            "department",
            "no role of the policy has the department, role and rank it asks for together"
                .to_owned(),
        ));
    }
    None
}

/// The effects a rule has, as `(name, value)`; values compare within one effect kind.
fn effects(rule: &Rule) -> [(&'static str, Option<usize>); 4] {
    [
        ("answer", rule.answer.map(|m| m.index())),
        ("skip_ladder", rule.skip_ladder.then_some(1)),
        ("authority", rule.authority.map(|a| a as usize)),
        ("route", rule.route.map(|d| d.index())),
    ]
}

fn effect_value(engine: &Engine, rule: &Rule, name: &str) -> String {
    match name {
        "answer" => format!(
            "answer `{}`",
            rule.answer.map_or("", |m| engine.parts().messages.id(m))
        ),
        "authority" => format!("authority `{}`", rule.authority.unwrap_or_default()),
        "route" => format!(
            "route `{}`",
            rule.route.map_or("", |d| engine.parts().departments.id(d))
        ),
        _ => "skip_ladder".to_owned(),
    }
}

pub(super) fn check(engine: &Engine, diags: &mut Vec<Diagnostic>) {
    let reach = reach(engine);
    let path = |i: usize| DocPath::root().key("rules").index(i);
    let mut dead = vec![false; engine.parts().rules.len()];
    for (i, (rule, r)) in engine.parts().rules.items().iter().zip(&reach).enumerate() {
        if let Some(dead_slot) = dead.get_mut(i) {
            if let Some((key, why)) = never_fires(engine, rule, r) {
                *dead_slot = true;
                diags.push(Diagnostic::error(
                    Code::RuleNeverFires,
                    path(i).key("when").key(key),
                    format!("rule `{}` can never fire: {why}", rule.id),
                    "fix its `when` conditions so that some circumstance matches, or remove the rule",
                ));
                continue;
            }
        }
        if let Some(channels) = &rule.channels {
            let names: Vec<String> = channels
                .iter()
                .map(|c| format!("`{}`", engine.parts().channels.get(*c).map_or("", |c| c)))
                .collect();
            diags.push(Diagnostic::warning(
                Code::ChannelSpecificRule,
                path(i).key("when").key("channel"),
                format!(
                    "rule `{}` applies only on {}: the same circumstance gets a different decision on other channels",
                    rule.id,
                    names.join(", ")
                ),
                "make sure this is intended: the channel should change how a message is rendered, not what is said (R0.1)",
            ));
        }
    }
    // Rules are compared pairwise: the work is bounded by `max_circumstances` (each pair
    // costs its topic and role words), past which the rest is not compared, with an error.
    let budget = engine.parts().space.max_circumstances;
    let pair_cost = 1
        + (engine.parts().topics.len().div_ceil(64) + engine.parts().roles.len().div_ceil(64))
            as u64;
    let mut spent: u64 = 0;
    for (j, (later, lr)) in engine.parts().rules.items().iter().zip(&reach).enumerate() {
        if dead.get(j).copied().unwrap_or(true) {
            continue;
        }
        let kinds = effects(later).iter().filter(|(_, v)| v.is_some()).count() as u64;
        spent = spent.saturating_add((j as u64).saturating_mul(pair_cost).saturating_mul(kinds));
        if spent > budget {
            diags.push(Diagnostic::error(
                Code::SpaceTooLarge,
                path(j),
                format!(
                    "comparing the rules pairwise (shadowed, conflicting) takes more than the limit of {budget} steps: rule `{}` and the {} after it were not compared with the rules before them",
                    later.id,
                    engine.parts().rules.len().saturating_sub(j + 1)
                ),
                "use fewer rules (a rule can list several topics, roles and fact values), or raise the limit (`EngineBuilder::max_circumstances`)",
            ));
            break;
        }
        let mut shadowed: Vec<String> = Vec::new();
        let mut has_effects = 0;
        for (name, value) in effects(later) {
            let Some(value) = value else { continue };
            has_effects += 1;
            for (i, (earlier, er)) in engine
                .parts()
                .rules
                .items()
                .iter()
                .zip(&reach)
                .enumerate()
                .take(j)
            {
                if dead.get(i).copied().unwrap_or(true) {
                    continue;
                }
                let Some(other) = effects(earlier)
                    .into_iter()
                    .find(|(n, _)| *n == name)
                    .and_then(|(_, v)| v)
                else {
                    continue;
                };
                if other != value {
                    if let Some((c, values, responder)) = common(engine, (earlier, er), (later, lr))
                    {
                        let mut d = Diagnostic::error(
                            Code::ConflictingRules,
                            path(j).key("then").key(name),
                            format!(
                                "rules `{}` ({}) and `{}` ({}) can match the same circumstance: the first silently wins",
                                earlier.id,
                                effect_value(engine, earlier, name),
                                later.id,
                                effect_value(engine, later, name)
                            ),
                            format!(
                                "make their `when` conditions exclusive (e.g. a fact or department only one of them matches), or give both the same `{name}`"
                            ),
                        );
                        d.counterexample = Some(super::counterexamples::counterexample(
                            engine,
                            &c,
                            &values,
                            vec![super::counterexamples::response(
                                engine, &c, &values, responder,
                            )],
                        ));
                        diags.push(d);
                        break;
                    }
                } else if covers((earlier, er), (later, lr)) {
                    shadowed.push(format!("`{name}` by rule `{}`", earlier.id));
                    break;
                }
            }
        }
        if !shadowed.is_empty() {
            let all = shadowed.len() == has_effects;
            diags.push(Diagnostic::warning(
                Code::ShadowedRule,
                path(j),
                format!(
                    "{} of rule `{}` never {}: an earlier rule matches every circumstance it matches and has the same effect ({})",
                    if all { "every effect" } else { "some effects" },
                    later.id,
                    if all { "applies" } else { "apply" },
                    shadowed.join(", ")
                ),
                "remove the redundant rule or effect, or narrow the earlier rule",
            ));
        }
    }
}
