//! Fact classes: the assignments of one topic's facts that no rule condition tells apart.
//!
//! A rule's fact conditions only ever ask "is fact `k` one of these values?", and the decision
//! procedure reads the facts only through which rules' conditions hold (`Engine::rule_matches`).
//! Two assignments under which exactly the same rules' fact conditions hold therefore decide
//! identically for every responder, channel, progress and request for a superior: deciding
//! one representative per class is exact, and the class's size (how many assignments of the
//! full product it stands for) keeps the counts exact.
//!
//! The classes are found without walking the product:
//! - per fact key, values that every rule treats alike are one *atom* (1,000 values named by
//!   one rule are two atoms: named or not; absence is an atom with the values no rule names);
//! - keys that no rule tests together are independent *components*; within one, the keys are
//!   visited one at a time and partial assignments that killed the same rules merge, so the
//!   work is the number of distinct "rules still possible" sets, not the product;
//! - the classes are the combinations of the components' classes (distinct satisfiable rule
//!   sets), folded one component at a time; sets that differ only by rules that cannot decide
//!   there merge (`Conditions::dominance`: a rule each of whose effects an earlier rule that
//!   holds decides wherever the rule applies is never the first of its effects), so 60 rules
//!   on 60 independent facts with one effect are 61 classes, not 2^60.
//!
//! The representative of a class is its first assignment in the order of
//! [`crate::Engine::circumstances`] (the first key varying fastest), so a counterexample is the
//! one the full enumeration would have found first. The paths of the merged states are kept,
//! so the members of a class can be listed (for the table and the diff) in time proportional
//! to their number.
//!
//! Every step counts its work against a budget and stops with [`TooLarge`] when it is spent.
//!
//! One job in one file (about 770 lines, and its tests): atoms, components, the fold of their
//! classes and the listing of a class's members share one state and one budget, and each
//! step's exactness argument refers to the others; cut apart, they would be read in turns.

use std::collections::HashMap;

/// The fact conditions of one topic's rules, in local indices.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    /// Per key (the first varying fastest): how many values the rules mention. Digit 0 is
    /// "absent (or a value no rule names)", digit `i` the `i`-th mentioned value.
    pub(crate) values: Vec<u32>,
    /// Per rule with fact conditions: the caller's index for it and its `(key, accepted
    /// digits)` conditions.
    pub(crate) rules: Vec<(usize, Vec<Condition>)>,
    /// Which rules never decide when others hold (empty: no such reduction). Per rule (as
    /// `rules`) and effect kind (answer, skip_ladder, authority, route) it has and that no
    /// earlier rule without fact conditions decides wherever it applies: the earlier rules of
    /// `rules` that decide that effect wherever this one applies. A rule whose every such
    /// effect has a witness that holds is never the first of its effects, so dropping it from
    /// the set of rules that hold changes no decision.
    pub(crate) dominance: Vec<Vec<Vec<u32>>>,
}

/// One fact condition of a rule: the key and the digits it accepts.
pub(crate) type Condition = (u32, Vec<u32>);

/// The budget was spent: the space is too large.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TooLarge {
    /// The caller's index of the rule whose facts made the space large: the rule testing the
    /// most facts in the largest component.
    pub(crate) rule: usize,
    /// How many classes were needed, at least (saturating); 0 when the work to find them ran
    /// out first.
    pub(crate) needed: u64,
}

/// Values of one key that every rule of a component treats alike.
#[derive(Debug)]
struct Atom {
    /// The digits, ascending.
    digits: Vec<u32>,
    /// The component's local rules that accept these values, ascending.
    accepted: Vec<u32>,
}

/// Keys that rules test together, and the merged states of their assignments.
#[derive(Debug)]
struct Component {
    /// Local keys, most significant (highest) first: the order of the layers.
    keys: Vec<u32>,
    /// Per key (layer): its atoms.
    atoms: Vec<Vec<Atom>>,
    /// Per layer `j + 1` and state: the `(state of layer j, atom)` transitions into it.
    incoming: Vec<Vec<Vec<(u32, u32)>>>,
    /// The states of the last layer: `(first member's digits per key of `keys`, members)`.
    finals: Vec<(Vec<u32>, u64)>,
    /// Per final state: the rules (indices of `Conditions::rules`) whose conditions hold.
    truths: Vec<Vec<u32>>,
    /// The caller's index of the rule testing the most facts here, for [`TooLarge`].
    widest: usize,
}

/// One class: which final state of each component, its first member and its size.
#[derive(Debug)]
struct Class {
    parts: Vec<u32>,
    /// The first member's digit per local key.
    rep: Vec<u32>,
    count: u64,
}

/// The classes of one topic's fact assignments, in the order of their first members.
#[derive(Debug)]
pub(crate) struct Classes {
    keys: usize,
    /// With `Conditions::dominance`: per component (layer) and state, the `(state of the
    /// layer before, final state of the component)` transitions into it; a class's `parts` is
    /// then its state in the last layer.
    fold: Option<Vec<Layer>>,
    /// The work spent finding them.
    work: u64,
    components: Vec<Component>,
    classes: Vec<Class>,
}

/// Per state of a layer: the `(state of the layer before, atom or final state)` transitions
/// into it.
type Layer = Vec<Vec<(u32, u32)>>;

/// `a` before `b` in the enumeration order: the last key is the most significant.
fn order(a: &[u32], b: &[u32]) -> std::cmp::Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

struct Meter {
    spent: u64,
    limit: u64,
}

impl Meter {
    fn spend(&mut self, n: usize, rule: usize) -> Result<(), TooLarge> {
        self.spent = self.spent.saturating_add(n as u64);
        if self.spent > self.limit {
            return Err(TooLarge { rule, needed: 0 });
        }
        Ok(())
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while let Some(&p) = parent.get(x as usize) {
        if p == x {
            break;
        }
        let gp = parent.get(p as usize).copied().unwrap_or(p);
        if let Some(slot) = parent.get_mut(x as usize) {
            *slot = gp;
        }
        x = gp;
    }
    x
}

impl Classes {
    /// The classes of `conditions`, at most `max_classes` of them, with at most `max_work`
    /// steps of work. `exhaustive`: every assignment is its own class (the full product, for
    /// cross-checking the reduction).
    pub(crate) fn new(
        conditions: &Conditions,
        max_classes: u64,
        max_work: u64,
        exhaustive: bool,
    ) -> Result<Classes, TooLarge> {
        let nkeys = conditions.values.len();
        let mut meter = Meter {
            spent: 0,
            limit: max_work,
        };
        // Components: keys joined by the rules that test them together.
        let mut parent: Vec<u32> = (0..nkeys as u32).collect();
        for (_, conds) in &conditions.rules {
            let mut first = None;
            for (k, _) in conds {
                let root = find(&mut parent, *k);
                match first {
                    None => first = Some(root),
                    Some(f) => {
                        if let Some(slot) = parent.get_mut(root as usize) {
                            *slot = f;
                        }
                    }
                }
            }
        }
        let mut slot_of: HashMap<u32, usize> = HashMap::new();
        let mut comp_keys: Vec<Vec<u32>> = Vec::new();
        for k in 0..nkeys as u32 {
            let root = find(&mut parent, k);
            let slot = *slot_of.entry(root).or_insert_with(|| {
                comp_keys.push(Vec::new());
                comp_keys.len() - 1
            });
            if let Some(list) = comp_keys.get_mut(slot) {
                list.push(k);
            }
        }
        let mut comp_rules: Vec<Vec<usize>> = vec![Vec::new(); comp_keys.len()];
        for (i, (_, conds)) in conditions.rules.iter().enumerate() {
            if let Some((k, _)) = conds.first() {
                let root = find(&mut parent, *k);
                if let Some(list) = slot_of.get(&root).and_then(|&s| comp_rules.get_mut(s)) {
                    list.push(i);
                }
            }
        }
        let mut components = Vec::with_capacity(comp_keys.len());
        for (mut keys, rules) in comp_keys.into_iter().zip(comp_rules) {
            keys.reverse();
            components.push(Self::component(
                conditions, keys, &rules, exhaustive, &mut meter,
            )?);
        }
        if !conditions.dominance.is_empty() && !exhaustive {
            return Self::fold(conditions, nkeys, components, max_classes, meter);
        }
        // The classes: the product of the components' final states.
        let total = components
            .iter()
            .fold(1u64, |n, c| n.saturating_mul(c.finals.len() as u64));
        let widest = components
            .iter()
            .max_by_key(|c| c.finals.len())
            .map_or(0, |c| c.widest);
        if total > max_classes {
            return Err(TooLarge {
                rule: widest,
                needed: total,
            });
        }
        let mut classes = Vec::with_capacity(total as usize);
        let mut parts = vec![0u32; components.len()];
        loop {
            meter.spend(nkeys + components.len(), widest)?;
            let mut rep = vec![0u32; nkeys];
            let mut count = 1u64;
            for (c, &p) in components.iter().zip(&parts) {
                if let Some((digits, n)) = c.finals.get(p as usize) {
                    for (k, d) in c.keys.iter().zip(digits) {
                        if let Some(slot) = rep.get_mut(*k as usize) {
                            *slot = *d;
                        }
                    }
                    count = count.saturating_mul(*n);
                }
            }
            classes.push(Class {
                parts: parts.clone(),
                rep,
                count,
            });
            // Next combination, the first component fastest.
            let mut carry = true;
            for (slot, c) in parts.iter_mut().zip(&components) {
                *slot += 1;
                if (*slot as usize) < c.finals.len() {
                    carry = false;
                    break;
                }
                *slot = 0;
            }
            if carry {
                break;
            }
        }
        classes.sort_by(|a, b| order(&a.rep, &b.rep));
        Ok(Classes {
            keys: nkeys,
            fold: None,
            work: meter.spent,
            components,
            classes,
        })
    }

    /// The classes across components, merging the sets of rules that hold when they differ
    /// only by rules that never decide (`Conditions::dominance`).
    fn fold(
        conditions: &Conditions,
        nkeys: usize,
        components: Vec<Component>,
        max_classes: u64,
        mut meter: Meter,
    ) -> Result<Classes, TooLarge> {
        let m = conditions.rules.len();
        let words = m.div_ceil(64).max(1);
        struct State {
            set: Box<[u64]>,
            count: u64,
            rep: Vec<u32>,
        }
        let mut states = vec![State {
            set: vec![0u64; words].into_boxed_slice(),
            count: 1,
            rep: vec![0u32; nkeys],
        }];
        let mut layers = Vec::with_capacity(components.len());
        // The witnesses as bit sets: a rule is checked in `words` steps per effect.
        let mut witnesses: Vec<Vec<Box<[u64]>>> = Vec::with_capacity(m);
        for effects in &conditions.dominance {
            meter.spend(
                effects.len() * words + 1,
                components.first().map_or(0, |c| c.widest),
            )?;
            witnesses.push(
                effects
                    .iter()
                    .map(|ws| {
                        let mut bits = vec![0u64; words].into_boxed_slice();
                        for &x in ws {
                            if let Some(w) = bits.get_mut(x as usize / 64) {
                                *w |= 1 << (x % 64);
                            }
                        }
                        bits
                    })
                    .collect(),
            );
        }
        for comp in &components {
            let mut next: Vec<State> = Vec::new();
            let mut into: Vec<Vec<(u32, u32)>> = Vec::new();
            let mut index: HashMap<Box<[u64]>, usize> = HashMap::new();
            for (si, s) in states.iter().enumerate() {
                for (fi, ((digits, count), truth)) in
                    comp.finals.iter().zip(&comp.truths).enumerate()
                {
                    meter.spend(nkeys + words + truth.len() + 1, comp.widest)?;
                    let mut set = s.set.clone();
                    for &r in truth {
                        if let Some(w) = set.get_mut(r as usize / 64) {
                            *w |= 1 << (r % 64);
                        }
                    }
                    // Drop the rules that never decide here: each of their effects has an
                    // earlier witness that holds.
                    let mut kept = set.clone();
                    for (w, word) in set.iter().enumerate() {
                        let mut bits = *word;
                        while bits != 0 {
                            let r = w * 64 + bits.trailing_zeros() as usize;
                            bits &= bits - 1;
                            let Some(effects) = witnesses.get(r) else {
                                continue;
                            };
                            meter.spend(effects.len() * words + 1, comp.widest)?;
                            let dominated = effects
                                .iter()
                                .all(|ws| ws.iter().zip(set.iter()).any(|(a, b)| a & b != 0));
                            if dominated {
                                if let Some(k) = kept.get_mut(w) {
                                    *k &= !(1 << (r % 64));
                                }
                            }
                        }
                    }
                    let count = s.count.saturating_mul(*count);
                    let mut rep = s.rep.clone();
                    for (k, d) in comp.keys.iter().zip(digits) {
                        if let Some(slot) = rep.get_mut(*k as usize) {
                            *slot = *d;
                        }
                    }
                    match index.get(&kept).copied() {
                        Some(t) => {
                            if let Some(target) = next.get_mut(t) {
                                target.count = target.count.saturating_add(count);
                                if order(&rep, &target.rep) == std::cmp::Ordering::Less {
                                    target.rep = rep;
                                }
                            }
                            if let Some(list) = into.get_mut(t) {
                                list.push((si as u32, fi as u32));
                            }
                        }
                        None => {
                            index.insert(kept.clone(), next.len());
                            next.push(State {
                                set: kept,
                                count,
                                rep,
                            });
                            into.push(vec![(si as u32, fi as u32)]);
                        }
                    }
                }
            }
            if next.len() as u64 > max_classes {
                return Err(TooLarge {
                    rule: comp.widest,
                    needed: next.len() as u64,
                });
            }
            states = next;
            layers.push(into);
        }
        let mut classes: Vec<Class> = states
            .into_iter()
            .enumerate()
            .map(|(i, s)| Class {
                parts: vec![i as u32],
                rep: s.rep,
                count: s.count,
            })
            .collect();
        classes.sort_by(|a, b| order(&a.rep, &b.rep));
        Ok(Classes {
            keys: nkeys,
            fold: Some(layers),
            work: meter.spent,
            components,
            classes,
        })
    }

    /// The merged states of one component, its keys most significant first.
    fn component(
        conditions: &Conditions,
        keys: Vec<u32>,
        rules: &[usize],
        exhaustive: bool,
        meter: &mut Meter,
    ) -> Result<Component, TooLarge> {
        let rule_at = |local: usize| {
            rules
                .get(local)
                .and_then(|&i| conditions.rules.get(i))
                .map_or(0, |(caller, _)| *caller)
        };
        let widest = rules
            .iter()
            .enumerate()
            .max_by_key(|&(l, i)| {
                let n = conditions.rules.get(*i).map_or(0, |(_, c)| c.len());
                (n, std::cmp::Reverse(l))
            })
            .map_or(0, |(l, _)| rule_at(l));
        let words = rules.len().div_ceil(64).max(1);
        // Per key: the local rules testing it, and which digits each accepts.
        let mut position: HashMap<u32, usize> = HashMap::new();
        for (j, k) in keys.iter().enumerate() {
            position.insert(*k, j);
        }
        let mut testing: Vec<Vec<(u32, &[u32])>> = vec![Vec::new(); keys.len()];
        for (local, &i) in rules.iter().enumerate() {
            if let Some((_, conds)) = conditions.rules.get(i) {
                for (k, digits) in conds {
                    if let Some(list) = position.get(k).and_then(|&j| testing.get_mut(j)) {
                        list.push((local as u32, digits.as_slice()));
                    }
                }
            }
        }
        // Atoms: the digits of a key grouped by the rules that accept them.
        let mut atoms: Vec<Vec<Atom>> = Vec::with_capacity(keys.len());
        let mut masks: Vec<Vec<u64>> = Vec::with_capacity(keys.len());
        for (k, tests) in keys.iter().zip(&testing) {
            let n = conditions.values.get(*k as usize).copied().unwrap_or(0) as usize;
            meter.spend(n + 1, widest)?;
            let mut accepted: Vec<Vec<u32>> = vec![Vec::new(); n + 1];
            let mut mask = vec![0u64; words];
            for (local, digits) in tests {
                meter.spend(digits.len() + 1, widest)?;
                if let Some(w) = mask.get_mut(*local as usize / 64) {
                    *w |= 1 << (local % 64);
                }
                for d in digits.iter() {
                    if let Some(list) = accepted.get_mut(*d as usize) {
                        if list.last() != Some(local) {
                            list.push(*local);
                        }
                    }
                }
            }
            let mut list: Vec<Atom> = Vec::new();
            let mut by_rules: HashMap<Vec<u32>, usize> = HashMap::new();
            for (d, acc) in accepted.into_iter().enumerate() {
                if exhaustive {
                    list.push(Atom {
                        digits: vec![d as u32],
                        accepted: acc,
                    });
                    continue;
                }
                match by_rules.get(&acc) {
                    Some(&a) => {
                        if let Some(atom) = list.get_mut(a) {
                            atom.digits.push(d as u32);
                        }
                    }
                    None => {
                        by_rules.insert(acc.clone(), list.len());
                        list.push(Atom {
                            digits: vec![d as u32],
                            accepted: acc,
                        });
                    }
                }
            }
            atoms.push(list);
            masks.push(mask);
        }
        // The layers: a state is the set of rules already failed; merged when equal. Each
        // state keeps the transition of its first member: the first member's prefix in the
        // layer before (by its rank there), then the digit.
        struct State {
            dead: Box<[u64]>,
            count: u64,
            /// `(rank of the previous state, first digit, previous state)`.
            best: (u32, u32, u32),
        }
        let mut states = vec![State {
            dead: vec![0u64; words].into_boxed_slice(),
            count: 1,
            best: (0, 0, 0),
        }];
        let mut rank: Vec<u32> = vec![0];
        // Per layer and state: the previous state of its first member, and its digit.
        let mut firsts: Vec<Vec<(u32, u32)>> = Vec::with_capacity(keys.len());
        let mut incoming = Vec::with_capacity(keys.len());
        for (layer, mask) in atoms.iter().zip(&masks) {
            let mut next: Vec<State> = Vec::new();
            let mut into: Vec<Vec<(u32, u32)>> = Vec::new();
            let mut index: HashMap<Box<[u64]>, usize> = HashMap::new();
            for (si, s) in states.iter().enumerate() {
                let r = rank.get(si).copied().unwrap_or(0);
                for (ai, atom) in layer.iter().enumerate() {
                    meter.spend(2 * words + atom.accepted.len() + 1, widest)?;
                    let mut dead: Box<[u64]> =
                        s.dead.iter().zip(mask).map(|(d, m)| d | m).collect();
                    for a in &atom.accepted {
                        let (w, bit) = (*a as usize / 64, 1u64 << (a % 64));
                        let was = s.dead.get(w).is_some_and(|x| x & bit != 0);
                        if let Some(x) = dead.get_mut(w) {
                            if was {
                                *x |= bit;
                            } else {
                                *x &= !bit;
                            }
                        }
                    }
                    let first = atom.digits.first().copied().unwrap_or(0);
                    let count = s.count.saturating_mul(atom.digits.len() as u64);
                    let best = (r, first, si as u32);
                    let merged = if exhaustive {
                        None
                    } else {
                        index.get(&dead).copied()
                    };
                    match merged.and_then(|t| next.get_mut(t).map(|x| (t, x))) {
                        Some((t, target)) => {
                            target.count = target.count.saturating_add(count);
                            if (best.0, best.1) < (target.best.0, target.best.1) {
                                target.best = best;
                            }
                            if let Some(list) = into.get_mut(t) {
                                list.push((si as u32, ai as u32));
                            }
                        }
                        None => {
                            if !exhaustive {
                                index.insert(dead.clone(), next.len());
                            }
                            next.push(State { dead, count, best });
                            into.push(vec![(si as u32, ai as u32)]);
                        }
                    }
                }
            }
            // The order of the new states' first members.
            let mut by_first: Vec<usize> = (0..next.len()).collect();
            by_first.sort_unstable_by_key(|&i| next.get(i).map(|s| (s.best.0, s.best.1)));
            rank = vec![0; next.len()];
            for (r, i) in by_first.into_iter().enumerate() {
                if let Some(slot) = rank.get_mut(i) {
                    *slot = r as u32;
                }
            }
            firsts.push(next.iter().map(|s| (s.best.2, s.best.1)).collect());
            states = next;
            incoming.push(into);
        }
        // The first member of each final state, back along the kept transitions.
        let mut finals = Vec::with_capacity(states.len());
        let mut truths = Vec::with_capacity(states.len());
        for (si, s) in states.iter().enumerate() {
            truths.push(
                rules
                    .iter()
                    .enumerate()
                    .filter(|(l, _)| s.dead.get(l / 64).is_none_or(|w| w & (1 << (l % 64)) == 0))
                    .map(|(_, &i)| i as u32)
                    .collect(),
            );
            meter.spend(keys.len() + 1, widest)?;
            let mut rep = vec![0u32; keys.len()];
            let mut at = si;
            for (j, layer) in firsts.iter().enumerate().rev() {
                let Some(&(prev, digit)) = layer.get(at) else {
                    break;
                };
                if let Some(slot) = rep.get_mut(j) {
                    *slot = digit;
                }
                at = prev as usize;
            }
            finals.push((rep, s.count));
        }
        Ok(Component {
            keys,
            atoms,
            incoming,
            finals,
            truths,
            widest,
        })
    }

    /// How many classes.
    pub(crate) fn len(&self) -> usize {
        self.classes.len()
    }

    /// The work spent finding them.
    pub(crate) fn work(&self) -> u64 {
        self.work
    }

    /// The first member of class `c`: a digit per local key.
    pub(crate) fn rep(&self, c: usize) -> &[u32] {
        self.classes.get(c).map_or(&[], |x| &x.rep)
    }

    /// How many assignments class `c` stands for (saturating).
    pub(crate) fn count(&self, c: usize) -> u64 {
        self.classes.get(c).map_or(0, |x| x.count)
    }

    /// Calls `f` with every member of class `c` (a digit per local key), in no particular
    /// order. Costs time proportional to the number of members times the keys: bound
    /// [`Classes::count`] first.
    pub(crate) fn for_each_member(&self, c: usize, mut f: impl FnMut(&[u32])) {
        let Some(class) = self.classes.get(c) else {
            return;
        };
        if let Some(layers) = &self.fold {
            self.fold_members(layers, class.parts.first().copied().unwrap_or(0), f);
            return;
        }
        // Each component's members of its state, then their product.
        let mut lists: Vec<Vec<Vec<u32>>> = Vec::with_capacity(self.components.len());
        for (comp, &p) in self.components.iter().zip(&class.parts) {
            lists.push(comp.members(p as usize));
        }
        let mut digits = vec![0u32; self.keys];
        let mut at = vec![0usize; lists.len()];
        if lists.iter().any(Vec::is_empty) {
            return;
        }
        loop {
            for ((comp, list), &i) in self.components.iter().zip(&lists).zip(&at) {
                if let Some(m) = list.get(i) {
                    for (k, d) in comp.keys.iter().zip(m) {
                        if let Some(slot) = digits.get_mut(*k as usize) {
                            *slot = *d;
                        }
                    }
                }
            }
            f(&digits);
            let mut carry = true;
            for (slot, list) in at.iter_mut().zip(&lists) {
                *slot += 1;
                if *slot < list.len() {
                    carry = false;
                    break;
                }
                *slot = 0;
            }
            if carry {
                break;
            }
        }
    }
}

impl Classes {
    /// The members of state `s` of the last layer of the fold, back along its transitions.
    fn fold_members(&self, layers: &[Layer], s: u32, mut f: impl FnMut(&[u32])) {
        let mut cache: HashMap<(usize, u32), Vec<Vec<u32>>> = HashMap::new();
        let mut digits = vec![0u32; self.keys];
        // (layer, state, transition, member)
        let mut stack: Vec<(usize, u32, usize, usize)> = vec![(layers.len(), s, 0, 0)];
        while let Some(top) = stack.last_mut() {
            let (layer, state, t, mi) = *top;
            let Some(below) = layer.checked_sub(1) else {
                f(&digits);
                stack.pop();
                continue;
            };
            let Some(&(prev, fin)) = layers
                .get(below)
                .and_then(|l| l.get(state as usize))
                .and_then(|l| l.get(t))
            else {
                stack.pop();
                continue;
            };
            let Some(comp) = self.components.get(below) else {
                stack.pop();
                continue;
            };
            let members = cache
                .entry((below, fin))
                .or_insert_with(|| comp.members(fin as usize));
            let Some(member) = members.get(mi) else {
                top.2 += 1;
                top.3 = 0;
                continue;
            };
            for (k, d) in comp.keys.iter().zip(member) {
                if let Some(slot) = digits.get_mut(*k as usize) {
                    *slot = *d;
                }
            }
            top.3 += 1;
            stack.push((below, prev, 0, 0));
        }
    }
}

impl Component {
    /// The members of final state `s`: a digit per key of `self.keys`.
    fn members(&self, s: usize) -> Vec<Vec<u32>> {
        let layers = self.keys.len();
        let mut out = Vec::new();
        let mut digits = vec![0u32; layers];
        // (layer, state, transition, digit)
        let mut stack: Vec<(usize, usize, usize, usize)> = vec![(layers, s, 0, 0)];
        while let Some(top) = stack.last_mut() {
            let (layer, state, t, d) = *top;
            let Some(below) = layer.checked_sub(1) else {
                out.push(digits.clone());
                stack.pop();
                continue;
            };
            let Some(&(prev, atom)) = self
                .incoming
                .get(below)
                .and_then(|l| l.get(state))
                .and_then(|l| l.get(t))
            else {
                stack.pop();
                continue;
            };
            let Some(&digit) = self
                .atoms
                .get(below)
                .and_then(|l| l.get(atom as usize))
                .and_then(|a| a.digits.get(d))
            else {
                top.2 += 1;
                top.3 = 0;
                continue;
            };
            top.3 += 1;
            if let Some(slot) = digits.get_mut(below) {
                *slot = digit;
            }
            stack.push((below, prev as usize, 0, 0));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// Every assignment of `values` (the first key fastest), by brute force.
    fn product(values: &[u32]) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new()];
        for &n in values {
            let mut next = Vec::new();
            for d in 0..=n {
                for a in &out {
                    let mut a: Vec<u32> = a.clone();
                    a.push(d);
                    next.push(a);
                }
            }
            out = next;
        }
        // The first key fastest.
        out.sort_by(|a, b| order(a, b));
        out
    }

    fn profile(c: &Conditions, a: &[u32]) -> Vec<bool> {
        c.rules
            .iter()
            .map(|(_, conds)| conds.iter().all(|(k, ds)| ds.contains(&a[*k as usize])))
            .collect()
    }

    fn agrees(c: &Conditions) {
        let classes = Classes::new(c, u64::MAX, u64::MAX, false).unwrap();
        let all = product(&c.values);
        let mut seen = std::collections::HashSet::new();
        let mut total = 0u64;
        for i in 0..classes.len() {
            let mut members = Vec::new();
            classes.for_each_member(i, |m| members.push(m.to_vec()));
            assert_eq!(members.len() as u64, classes.count(i));
            total += classes.count(i);
            let p = profile(c, classes.rep(i));
            assert!(seen.insert(p.clone()), "two classes with one profile");
            for m in &members {
                assert_eq!(profile(c, m), p);
            }
            // The representative is the first member in the enumeration order.
            let first = all.iter().find(|a| profile(c, a) == p).unwrap();
            assert_eq!(first.as_slice(), classes.rep(i));
            if i > 0 {
                assert_eq!(
                    order(classes.rep(i - 1), classes.rep(i)),
                    std::cmp::Ordering::Less
                );
            }
        }
        assert_eq!(total, all.len() as u64);
        let exhaustive = Classes::new(c, u64::MAX, u64::MAX, true).unwrap();
        assert_eq!(exhaustive.len(), all.len());
        for (i, a) in all.iter().enumerate() {
            assert_eq!(exhaustive.rep(i), a.as_slice());
        }
    }

    #[test]
    fn classes_partition_the_product_exactly() {
        agrees(&Conditions::default());
        agrees(&Conditions {
            values: vec![2, 1, 3],
            rules: vec![
                (0, vec![(0, vec![1, 2]), (2, vec![3])]),
                (1, vec![(1, vec![1])]),
                (2, vec![(2, vec![1, 3])]),
                (3, vec![(0, vec![2])]),
            ],
            dominance: Vec::new(),
        });
        agrees(&Conditions {
            values: vec![1, 1, 1, 1],
            rules: vec![(
                7,
                vec![(0, vec![1]), (1, vec![1]), (2, vec![1]), (3, vec![1])],
            )],
            dominance: Vec::new(),
        });
        // The fold across components, with no rule ever dominated: the same classes.
        agrees(&Conditions {
            values: vec![2, 1, 3, 2],
            rules: vec![
                (0, vec![(0, vec![1, 2]), (2, vec![3])]),
                (1, vec![(1, vec![1])]),
                (2, vec![(3, vec![1])]),
                (3, vec![(0, vec![2])]),
            ],
            dominance: vec![vec![Vec::new()]; 4],
        });
    }

    #[test]
    fn one_rule_over_thirty_keys_is_two_classes() {
        let c = Conditions {
            values: vec![1; 30],
            rules: vec![(0, (0..30).map(|k| (k, vec![1])).collect())],
            dominance: Vec::new(),
        };
        let classes = Classes::new(&c, 10, 1_000, false).unwrap();
        assert_eq!(classes.len(), 2);
        assert_eq!(classes.count(0) + classes.count(1), 1 << 30);
        assert_eq!(classes.count(1), 1);
        assert!(Classes::new(&c, 10, 1_000, true).is_err());
    }
}
