//! The decision procedure (the guide's `docs/decisions.md`) over a compiled [`Engine`]: the
//! rules that match a resolved contact, then the ladder, authority and escalation rungs.

use std::ops::ControlFlow;

use crate::decision::Decision;
use crate::explain::{Step, Trace};
use crate::model::{Authority, Facts, Tier};

use super::compiled::{Engine, Resolved, ResponderIx};
use super::ids::{
    DepartmentIx, FactKeyIx, FactValueIx, MessageIx, RankIx, RoleIx, RuleIx, TopicIx,
};
use super::parts::{Role, Rule, Topic};

/// Where rule conditions read facts from.
pub(crate) trait FactSource {
    /// Whether fact `key` has one of `values`.
    fn has(&self, engine: &Engine, key: FactKeyIx, values: &[FactValueIx]) -> bool;

    /// Whether fact `key` has exactly `value` (a rule guard's test).
    fn is(&self, engine: &Engine, key: FactKeyIx, value: FactValueIx) -> bool {
        self.has(engine, key, std::slice::from_ref(&value))
    }
}

impl FactSource for Facts {
    fn has(&self, engine: &Engine, key: FactKeyIx, values: &[FactValueIx]) -> bool {
        let Some(name) = engine.parts.fact_keys.get(key) else {
            return false;
        };
        let Some(value) = self.get(&**name) else {
            return false;
        };
        values.iter().any(|&v| {
            engine
                .parts
                .fact_values
                .get(v)
                .is_some_and(|s| super::index::same_bytes(s.as_bytes(), value.as_bytes()))
        })
    }
}

/// The value of each fact key, by key index (`NONE`: absent or not a value the rules name).
impl FactSource for [FactValueIx] {
    fn has(&self, _: &Engine, key: FactKeyIx, values: &[FactValueIx]) -> bool {
        self.get(key.index())
            .is_some_and(|v| !v.is_none() && values.contains(v))
    }

    #[inline]
    fn is(&self, _: &Engine, key: FactKeyIx, value: FactValueIx) -> bool {
        !value.is_none() && self.get(key.index()) == Some(&value)
    }
}

/// The effects of the rules that match a circumstance, each from the first rule that has it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RuleEffects {
    pub(crate) answer: Option<(MessageIx, RuleIx)>,
    pub(crate) skip_ladder: Option<RuleIx>,
    pub(crate) authority: Option<(Authority, RuleIx)>,
    pub(crate) route: Option<(DepartmentIx, RuleIx)>,
}

impl Engine {
    /// The rules that can apply to topic `t`, in document order.
    pub(crate) fn rules_for(&self, t: TopicIx) -> &[RuleIx] {
        let start = self
            .parts
            .topic_rule_start
            .get(t.index())
            .copied()
            .unwrap_or(0) as usize;
        let end = self
            .parts
            .topic_rule_start
            .get(t.index() + 1)
            .copied()
            .unwrap_or(0) as usize;
        self.parts.topic_rules.get(start..end).unwrap_or(&[])
    }

    fn rule_matches<F: FactSource + ?Sized>(
        &self,
        rule: &Rule,
        c: &Resolved,
        facts: &F,
        staff: Option<&Role>,
        responder_role: RoleIx,
    ) -> bool {
        // A rule's lists are sorted (compile/rules.rs): a binary search.
        fn in_list<I: Ord>(list: &Option<Box<[I]>>, x: I) -> bool {
            super::parts::listed(list.as_deref(), &x)
        }
        if rule.staff_only() {
            let Some(role) = staff else {
                return false;
            };
            if !in_list(&rule.departments, role.department)
                || !in_list(&rule.roles, responder_role)
                || !in_list(&rule.ranks, role.rank)
            {
                return false;
            }
        }
        in_list(&rule.channels, c.channel)
            && rule.progress & c.progress.bit() != 0
            && rule
                .facts
                .iter()
                .all(|(key, values)| facts.has(self, *key, values))
    }

    /// The effects of every rule that matches, each from the first rule that has it.
    pub(crate) fn rule_effects<'e, F: FactSource + ?Sized, T: Trace<'e>>(
        &'e self,
        c: &Resolved,
        facts: &F,
        responder: ResponderIx,
        trace: &mut T,
    ) -> RuleEffects {
        use super::hot::effect;
        let (staff, role_ix) = match responder {
            ResponderIx::Staff(r) => (self.parts.roles.get(r), r),
            _ => (None, RoleIx::NONE),
        };
        // A system's decision reads only a fixed answer; a person's, every effect.
        let mut wanted = match responder {
            ResponderIx::System(_) | ResponderIx::UnknownSystem => effect::ANSWER,
            ResponderIx::Staff(_) | ResponderIx::UnknownStaff => effect::ALL,
        };
        let progress = c.progress.bit();
        let mut fx = RuleEffects::default();
        // Each rule's guard (`hot.rs`) rejects most contacts before the rule is read. Without
        // a trace, rules that can add no wanted effect are skipped, and the walk stops once
        // every wanted effect is found: the effects are the same, each from the first rule
        // that has it.
        for &r in self.rules_for(c.topic) {
            let Some(g) = self.hot.guards.get(r.index()) else {
                continue;
            };
            if (!T::ACTIVE && g.effects & wanted == 0)
                || g.progress & progress == 0
                || (!g.key.is_none() && !facts.is(self, g.key, g.value))
                || (g.staff_only && staff.is_none())
            {
                continue;
            }
            if !g.complete
                && !self
                    .parts
                    .rules
                    .get(r)
                    .is_some_and(|rule| self.rule_matches(rule, c, facts, staff, role_ix))
            {
                continue;
            }
            trace.step(|| Step::RuleMatches {
                rule: self.parts.rules.id(r),
                why: self.parts.rules.get(r).and_then(|r| r.why.as_deref()),
            });
            let new = g.effects & wanted;
            if new & effect::ANSWER != 0 {
                fx.answer = Some((g.answer, r));
            }
            if new & effect::SKIP_LADDER != 0 {
                fx.skip_ladder = Some(r);
            }
            if new & effect::AUTHORITY != 0 {
                fx.authority = g.authority.map(|a| (a, r));
            }
            if new & effect::ROUTE != 0 {
                fx.route = Some((g.route, r));
            }
            wanted &= !g.effects;
            if wanted == 0 && !T::ACTIVE {
                break;
            }
        }
        fx
    }

    /// The decision procedure (the guide's `docs/decisions.md`), step by step.
    pub(crate) fn run<'e, F: FactSource + ?Sized>(
        &'e self,
        c: &Resolved,
        facts: &F,
        responder: ResponderIx,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let d = Decision::new(self, c);
        let fx = self.rule_effects(c, facts, responder, trace);
        if let Some((m, r)) = fx.answer {
            let staff = matches!(responder, ResponderIx::Staff(_) | ResponderIx::UnknownStaff);
            if !(staff && c.asks_for_superior) {
                trace.step(|| Step::FixedAnswer {
                    rule: self.parts.rules.id(r),
                    message: self.parts.messages.id(m),
                });
                return d.answer(m, r);
            }
            // R3.3: a request for a superior is always honoured by a person; the superior
            // then gives the same fixed answer.
            trace.step(|| Step::FixedAnswerAfterSuperior {
                rule: self.parts.rules.id(r),
                message: self.parts.messages.id(m),
            });
        }
        let Some(topic) = self.parts.topics.get(c.topic) else {
            return d;
        };
        match responder {
            ResponderIx::System(_) | ResponderIx::UnknownSystem => {
                self.system_answer(d, topic, responder, trace)
            }
            ResponderIx::Staff(_) | ResponderIx::UnknownStaff => {
                self.staff_answer(d, topic, responder, &fx, trace)
            }
        }
    }

    /// A system's decision: the topic's message for the system's tier (R0.1, R0.9).
    fn system_answer<'e>(
        &'e self,
        mut d: Decision<'e>,
        topic: &Topic,
        responder: ResponderIx,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let tier = match responder {
            ResponderIx::System(s) => self.parts.systems.get(s).map_or(Tier::Explains, |s| s.tier),
            _ => {
                d.flags.unknown_responder = true;
                trace.step(|| Step::UnknownSystem);
                Tier::Explains
            }
        };
        let preferred = match tier {
            Tier::Serves => topic.serves.or(topic.explains),
            _ => topic.explains.or(topic.serves),
        };
        match preferred {
            Some(tr) => {
                trace.step(|| Step::SystemMessage {
                    tier,
                    message: self.parts.messages.id(tr.message),
                });
                d.system_message(tr)
            }
            None => {
                // The topic has no system at all: the general self-diagnosis explains, and the
                // gap is flagged so that the systems get fixed (R0.9).
                let general = self
                    .parts
                    .topics
                    .get(self.parts.fallback)
                    .and_then(|t| t.explains);
                trace.step(|| Step::NoSystemMessage);
                d.flags.system_gap = true;
                match general {
                    Some(tr) => d.system_message(tr),
                    None => d,
                }
            }
        }
    }

    /// A person's decision: the rungs of the guide in order, each deciding or passing on.
    fn staff_answer<'e>(
        &'e self,
        mut d: Decision<'e>,
        topic: &Topic,
        responder: ResponderIx,
        fx: &RuleEffects,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let role = match responder {
            ResponderIx::Staff(r) => self.parts.roles.get(r).map(|role| (r, role)),
            _ => None,
        };
        if role.is_none() {
            d.flags.unknown_responder = true;
            trace.step(|| Step::UnknownRole);
        }
        let rank = role.map_or(RankIx::new(0), |(_, r)| r.rank);
        let department = role.map_or(DepartmentIx::NONE, |(_, r)| r.department);
        // 1. A superior was asked for (R3.3).
        if d.asks_for_superior() {
            return self.to_superior(d, department, rank, trace);
        }
        // 2. The ladder (R0.4, R0.5).
        let mut d = match self.ladder(d, topic, fx, trace) {
            ControlFlow::Break(redirect) => return redirect,
            ControlFlow::Continue(d) => d,
        };
        // 3. Authority (R4.3, R0.2, R0.8).
        let (owner, owner_rule) = self.owner(topic, fx, trace);
        let (authority, rule) =
            self.authority(d.topic_ix(), topic, role, owner, owner_rule, fx, trace);
        if rule.is_some() && d.rule.is_none() {
            d.rule = rule;
        }
        d.authority = Some(authority);
        // 4. What the authority lets the responder do.
        match authority {
            Authority::Own => {
                trace.step(|| Step::OwnAnswer {
                    message: self.parts.messages.id(topic.answer),
                });
                d.staff_answer(topic.answer)
            }
            Authority::Consensual => {
                trace.step(|| Step::Consult {
                    department: self.parts.departments.id(owner),
                });
                d.route(owner)
            }
            Authority::Authorized => self.authorized(d, topic, department, rank, owner, trace),
        }
    }

    /// Rung 1: the next rank up with a role in the department, or the review (R3.3).
    fn to_superior<'e>(
        &'e self,
        d: Decision<'e>,
        department: DepartmentIx,
        rank: RankIx,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let next = self.superior_rank(department, rank);
        if !next.is_none() {
            trace.step(|| Step::Superior {
                rank: self.parts.ranks.id(next),
            });
            d.escalate(department, next)
        } else {
            trace.step(|| Step::NoSuperior {
                rank: self.parts.ranks.id(rank),
                review_within: &self.parts.review_within_text,
            });
            d.review()
        }
    }

    /// Rung 2: a redirect to the first system of the topic the customer has not been through
    /// (R0.5), unless a rule skips the ladder (R0.4); past it, a person answers.
    fn ladder<'e>(
        &'e self,
        mut d: Decision<'e>,
        topic: &Topic,
        fx: &RuleEffects,
        trace: &mut impl Trace<'e>,
    ) -> ControlFlow<Decision<'e>, Decision<'e>> {
        if let Some(r) = fx.skip_ladder {
            d.flags.ladder_skipped = true;
            d.rule = Some(r);
            trace.step(|| Step::LadderSkipped {
                rule: self.parts.rules.id(r),
            });
            return ControlFlow::Continue(d);
        }
        for (tier, tr) in topic.tiers() {
            if !d.progress().has_passed(tier) {
                trace.step(|| Step::NotThroughSystem {
                    tier,
                    system: self.parts.systems.id(tr.system),
                });
                return ControlFlow::Break(d.redirect(tier, tr));
            }
        }
        d.flags.system_gap = true;
        trace.step(|| Step::ThroughEverySystem);
        ControlFlow::Continue(d)
    }

    /// The department that owns the topic, and the rule that routed it there, if one did.
    fn owner<'e>(
        &'e self,
        topic: &Topic,
        fx: &RuleEffects,
        trace: &mut impl Trace<'e>,
    ) -> (DepartmentIx, Option<RuleIx>) {
        match fx.route {
            Some((department, r)) => {
                trace.step(|| Step::RuleRoutes {
                    rule: self.parts.rules.id(r),
                    department: self.parts.departments.id(department),
                });
                (department, Some(r))
            }
            None => (topic.owner, None),
        }
    }

    /// Rung 3: the responder's authority, and the rule behind it if any: a rule's, else the
    /// role's explicit grant, else the topic's within the owning department, else
    /// `consensual` (R4.3, R0.2, R0.8).
    #[allow(clippy::too_many_arguments)]
    fn authority<'e>(
        &'e self,
        topic_ix: TopicIx,
        topic: &Topic,
        role: Option<(RoleIx, &'e Role)>,
        owner: DepartmentIx,
        owner_rule: Option<RuleIx>,
        fx: &RuleEffects,
        trace: &mut impl Trace<'e>,
    ) -> (Authority, Option<RuleIx>) {
        if let Some((authority, r)) = fx.authority {
            trace.step(|| Step::RuleAuthority {
                rule: self.parts.rules.id(r),
                authority,
            });
            return (authority, Some(r));
        }
        if let Some(authority) = role.and_then(|(ix, _)| self.grant(ix, topic_ix)) {
            trace.step(|| Step::Grant {
                role: role.map_or("", |(_, r)| &*r.id),
                authority,
            });
            return (authority, owner_rule);
        }
        let department = role.map_or(DepartmentIx::NONE, |(_, r)| r.department);
        if department == owner {
            trace.step(|| Step::OwningDepartment {
                department: self.parts.departments.id(owner),
                authority: topic.authority,
            });
            (topic.authority, owner_rule)
        } else {
            trace.step(|| Step::OtherDepartment {
                owner: self.parts.departments.id(owner),
            });
            (Authority::Consensual, owner_rule)
        }
    }

    /// `authorized` authority: an approver answers; anyone else requests authorization from
    /// the approving rank (the topic's, or the next one up) if the department staffs it, else
    /// from the next staffed rank above it, else the review (R4.3, R3.3).
    fn authorized<'e>(
        &'e self,
        d: Decision<'e>,
        topic: &Topic,
        department: DepartmentIx,
        rank: RankIx,
        owner: DepartmentIx,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let approver = if topic.approver.is_none() {
            rank.above()
        } else {
            topic.approver
        };
        if !self.parts.ranks.contains(approver) || approver <= rank {
            trace.step(|| Step::Approver {
                rank: self.parts.ranks.id(rank),
                message: self.parts.messages.id(topic.answer),
            });
            return d.staff_answer(topic.answer);
        }
        let department = if department.is_none() {
            owner
        } else {
            department
        };
        // The first rank at or above the approver's that has a role in the department.
        let mut staffed = self.superior_rank(department, rank);
        while !staffed.is_none() && staffed < approver {
            staffed = self.superior_rank(department, staffed);
        }
        if staffed.is_none() {
            trace.step(|| Step::NoApprover {
                approver: self.parts.ranks.id(approver),
                review_within: &self.parts.review_within_text,
            });
            return d.review();
        }
        trace.step(|| Step::RequestAuthorization {
            approver: self.parts.ranks.id(staffed),
        });
        d.authorize(department, staffed)
    }
}
