//! The invariants I1–I5, proven by deciding every circumstance of the space.

use std::collections::HashMap;

use crate::decision::{Decision, Outcome};
use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::engine::{
    ChannelIx, DepartmentIx, Engine, FactValueIx, LocaleIx, MessageIx, RankIx, Resolved,
    ResponderIx, RoleIx, Topic, TopicIx, listed,
};
use crate::explain::NoTrace;
use crate::model::{Authority, Progress, Tier};

use super::counterexamples::{counterexample, response, single_counterexample};
use super::plan::{per_class, plan};
use super::space::responders;

/// What the enumeration saw, for the checks of unused parts.
pub(super) struct Coverage {
    /// The circumstances proven: each decided one times the fact assignments it stands for.
    pub(super) circumstances: u64,
    /// The circumstances decided.
    pub(super) decided: u64,
    /// Per role: it answers or requests authorization somewhere.
    pub(super) role_acts: Vec<bool>,
    /// Per topic: some staff member answers it somewhere (its answer or a rule's).
    pub(super) topic_answered: Vec<bool>,
}

/// Violations found so far, one diagnostic per kind and subject, with a count.
#[derive(Default)]
struct Findings {
    index: HashMap<(Code, usize, usize), usize>,
    found: Vec<(Diagnostic, u64)>,
    /// Per finding of one cause over several topics (`add_covering`), the topics it covers,
    /// in the order found (empty for the others).
    covered: Vec<Vec<TopicIx>>,
    /// How many circumstances the one being decided stands for (its fact class's size).
    weight: u64,
}

impl Findings {
    /// Counts a violation; builds its diagnostic (with the counterexample) only the first time.
    fn add(&mut self, key: (Code, usize, usize), make: impl FnOnce() -> Diagnostic) {
        match self.index.get(&key) {
            Some(&i) => {
                if let Some((_, n)) = self.found.get_mut(i) {
                    *n = n.saturating_add(self.weight);
                }
            }
            None => {
                self.index.insert(key, self.found.len());
                self.found.push((make(), self.weight));
                self.covered.push(Vec::new());
            }
        }
    }

    /// [`Findings::add`] for a finding whose cause is not the topic (`key` does not name it):
    /// one finding for every topic it covers, which it lists with their count (issue 25
    /// point 2: a report grows with the policy, never with topics × roles).
    fn add_covering(
        &mut self,
        key: (Code, usize, usize),
        topic: TopicIx,
        make: impl FnOnce() -> Diagnostic,
    ) {
        self.add(key, make);
        if let Some(topics) = self.index.get(&key).and_then(|&i| self.covered.get_mut(i)) {
            // Topics are decided one after the other: a topic already listed is the last one.
            if topics.last() != Some(&topic) {
                topics.push(topic);
            }
        }
    }

    fn finish(self, engine: &Engine, diags: &mut Vec<Diagnostic>) {
        for ((mut d, n), topics) in self.found.into_iter().zip(self.covered) {
            if topics.len() > 1 {
                d.message.push_str(&format!(
                    "; so are {} other topics ({} topics in all): {}",
                    topics.len() - 1,
                    topics.len(),
                    crate::bounded::list(
                        topics.iter().skip(1).map(|&t| engine.parts().topics.id(t))
                    )
                ));
            }
            if n > 1 {
                d.message.push_str(&format!(" ({n} circumstances in all)"));
            }
            diags.push(d);
        }
    }
}

/// The most responses of other roles a finding's counterexample shows: the rest answer alike.
const MAX_RESPONSES: usize = 3;

fn topic_path(engine: &Engine, t: TopicIx) -> DocPath {
    DocPath::root()
        .key("topics")
        .key(engine.parts().topics.id(t))
}

/// `has[department][rank]`: a role of that department has that rank.
fn ranks_by_department(engine: &Engine) -> Vec<Vec<bool>> {
    let mut has = vec![vec![false; engine.parts().ranks.len()]; engine.parts().departments.len()];
    for role in engine.parts().roles.items().iter() {
        if let Some(slot) = has
            .get_mut(role.department.index())
            .and_then(|d| d.get_mut(role.rank.index()))
        {
            *slot = true;
        }
    }
    has
}

/// The key of a decision for I1 and I2: outcome and message.
fn key(d: &Decision<'_>) -> (Outcome, MessageIx) {
    (d.outcome(), d.message_ix())
}

struct Ctx<'e> {
    engine: &'e Engine,
    responders: Vec<ResponderIx>,
    has_rank: Vec<Vec<bool>>,
    findings: Findings,
    coverage: Coverage,
    /// Per responder: the decision key on the first channel (I1).
    first: Vec<(Outcome, MessageIx)>,
    /// Per department: some role of it answers or can get authorization (I4 routes).
    dept_can_answer: Vec<bool>,
    routes: Vec<(usize, DepartmentIx)>,
}

pub(super) fn check(
    engine: &Engine,
    diags: &mut Vec<Diagnostic>,
    progress: &mut dyn FnMut(crate::progress::WorkProgress),
) -> Coverage {
    let responders = responders(engine);
    let mut cx = Ctx {
        engine,
        first: vec![(Outcome::Answer, MessageIx::NONE); responders.len()],
        responders,
        has_rank: ranks_by_department(engine),
        findings: Findings::default(),
        coverage: Coverage {
            circumstances: 0,
            decided: 0,
            role_acts: vec![false; engine.parts().roles.len()],
            topic_answered: vec![false; engine.parts().topics.len()],
        },
        dept_can_answer: vec![false; engine.parts().departments.len()],
        routes: Vec::new(),
    };
    // One circumstance per class of fact values the rules cannot tell apart, weighted by the
    // class's size: exact, and bounded by `max_circumstances`.
    let plan = plan(engine, per_class(engine));
    diags.extend(plan.diagnostics);
    let mut values = vec![FactValueIx::NONE; engine.parts().fact_keys.len()];
    for ((t, topic), space) in engine
        .parts()
        .topics
        .items()
        .iter()
        .enumerate()
        .zip(&plan.spaces)
    {
        crate::progress::report(progress, t, engine.parts().topics.len());
        let Some(space) = space else { continue };
        let t = TopicIx::new(t);
        let channel_rule = engine.rules_for(t).iter().any(|&r| {
            engine
                .parts()
                .rules
                .get(r)
                .is_some_and(|r| r.channels.is_some())
        });
        values.fill(FactValueIx::NONE);
        for class in 0..space.len() {
            space.fill(class, &mut values);
            cx.findings.weight = space.count(class);
            for progress in Progress::ALL {
                for asks_for_superior in [false, true] {
                    for channel in 0..engine.parts().channels.len() {
                        let c = Resolved {
                            topic: t,
                            channel: ChannelIx::new(channel),
                            locale: LocaleIx::new(0),
                            progress,
                            asks_for_superior,
                            flags: crate::decision::Flags::default(),
                        };
                        cx.circumstance(topic, &c, &values, channel_rule);
                    }
                }
            }
        }
    }
    cx.findings.finish(engine, diags);
    rank_gaps(engine, &cx.has_rank, diags);
    cx.coverage
}

/// R3.3 "there is always a superior": a department staffed at some rank but not at a rank
/// above it sends a customer asking for a superior past the missing rank, or straight to the
/// review.
fn rank_gaps(engine: &Engine, has_rank: &[Vec<bool>], diags: &mut Vec<Diagnostic>) {
    for (di, ranks) in has_rank.iter().enumerate() {
        let Some(lowest) = ranks.iter().position(|x| *x) else {
            continue;
        };
        let missing: Vec<usize> = (lowest..ranks.len())
            .filter(|&k| !ranks.get(k).copied().unwrap_or(true))
            .collect();
        let Some(&first) = missing.first() else {
            continue;
        };
        let names: Vec<String> = missing
            .iter()
            .map(|&k| format!("`{}`", engine.parts().ranks.id(RankIx::new(k))))
            .collect();
        let department = engine.parts().departments.id(DepartmentIx::new(di));
        let mut d = Diagnostic::warning(
            Code::RankGap,
            DocPath::root().key("departments").key(department),
            format!(
                "department `{department}` has no role of rank {}: a customer asking for a superior skips it, or goes straight to the review (R3.3)",
                names.join(", ")
            ),
            format!(
                "add a role with `department = \"{department}\"` and `rank = \"{}\"`: there is always a superior",
                engine.parts().ranks.id(RankIx::new(first))
            ),
        );
        // The role just below the gap, asked for a superior.
        let below = engine
            .parts()
            .roles
            .items()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.department.index() == di && r.rank.index() < first)
            .max_by_key(|(_, r)| r.rank);
        if let Some((ri, _)) = below {
            let c = Resolved {
                topic: engine.parts().fallback,
                channel: ChannelIx::new(0),
                locale: LocaleIx::new(0),
                progress: Progress::Fresh,
                asks_for_superior: true,
                flags: crate::decision::Flags::default(),
            };
            let values = vec![FactValueIx::NONE; engine.parts().fact_keys.len()];
            let r = ResponderIx::Staff(RoleIx::new(ri));
            d.counterexample = Some(counterexample(
                engine,
                &c,
                &values,
                vec![response(engine, &c, &values, r)],
            ));
        }
        diags.push(d);
    }
}

impl Ctx<'_> {
    /// Decides one circumstance for every responder and checks what they do.
    fn circumstance(
        &mut self,
        topic: &Topic,
        c: &Resolved,
        values: &[FactValueIx],
        channel_rule: bool,
    ) {
        let engine = self.engine;
        let t = c.topic;
        self.dept_can_answer.fill(false);
        self.routes.clear();
        // I2: the first answer per group: explaining systems, serving systems, staff.
        let mut answers: [Option<(usize, MessageIx)>; 3] = [None; 3];
        let tier_ahead = topic.tiers().any(|(tier, _)| !c.progress.has_passed(tier));
        for i in 0..self.responders.len() {
            let Some(&r) = self.responders.get(i) else {
                continue;
            };
            let d = engine.run(c, values, r, &mut NoTrace);
            self.coverage.circumstances = self
                .coverage
                .circumstances
                .saturating_add(self.findings.weight);
            self.coverage.decided += 1;
            let k = key(&d);
            // I1: channel independence.
            if c.channel == ChannelIx::new(0) {
                if let Some(slot) = self.first.get_mut(i) {
                    *slot = k;
                }
            } else if !channel_rule && self.first.get(i).is_some_and(|f| *f != k) {
                self.findings.add((Code::ChannelDependent, t.index(), usize::MAX), || {
                    let first = Resolved { channel: ChannelIx::new(0), ..*c };
                    let mut d = Diagnostic::error(
                        Code::ChannelDependent,
                        topic_path(engine, t),
                        format!(
                            "topic `{}` gets a different decision on channel `{}` than on `{}` though no rule names a channel (I1)",
                            engine.parts().topics.id(t),
                            engine.parts().channels.get(c.channel).map_or("", |c| c),
                            engine.parts().channels.id(ChannelIx::new(0)),
                        ),
                        "the channel may change how a message is rendered, never what is said (R0.1)",
                    );
                    d.counterexample = Some(counterexample(
                        engine,
                        &first,
                        values,
                        vec![
                            response(engine, &first, values, r),
                            response(engine, c, values, r),
                        ],
                    ));
                    d
                });
            }
            let role = match r {
                ResponderIx::Staff(ri) => engine.parts().roles.get(ri).map(|role| (ri, role)),
                _ => None,
            };
            // I2: one substantive answer per tier.
            if d.outcome() == Outcome::Answer {
                let group = match r {
                    ResponderIx::System(s) => match engine.parts().systems.get(s).map(|s| s.tier) {
                        Some(Tier::Serves) => 1,
                        _ => 0,
                    },
                    _ => 2,
                };
                if let Some(slot) = answers.get_mut(group) {
                    match *slot {
                        None => *slot = Some((i, d.message_ix())),
                        Some((j, m)) if m != d.message_ix() => {
                            let other = self.responders.get(j).copied().unwrap_or(r);
                            self.findings.add((Code::AnswersDiffer, t.index(), group), || {
                                let mut diag = Diagnostic::error(
                                    Code::AnswersDiffer,
                                    topic_path(engine, t),
                                    format!(
                                        "two {} answer the same circumstance of topic `{}` with different messages, `{}` and `{}` (I2)",
                                        match group {
                                            0 => "explaining systems",
                                            1 => "serving systems",
                                            _ => "staff members",
                                        },
                                        engine.parts().topics.id(t),
                                        engine.parts().messages.id(m),
                                        engine.parts().messages.id(d.message_ix()),
                                    ),
                                    "give every responder of the same tier the same message: a rule's fixed `answer` applies to everyone, a rule restricted to a department or role makes staff disagree",
                                );
                                diag.counterexample = Some(counterexample(
                                    engine,
                                    c,
                                    values,
                                    vec![
                                        response(engine, c, values, other),
                                        response(engine, c, values, r),
                                    ],
                                ));
                                diag
                            });
                        }
                        Some(_) => {}
                    }
                }
            }
            let Some((ri, role)) = role else { continue };
            self.staff(
                &d,
                c,
                values,
                (i, r),
                ri,
                role.department,
                tier_ahead,
                topic,
            );
        }
        // I4: every route reaches a department where someone answers.
        for k in 0..self.routes.len() {
            let Some(&(i, dept)) = self.routes.get(k) else {
                continue;
            };
            if self
                .dept_can_answer
                .get(dept.index())
                .copied()
                .unwrap_or(false)
            {
                continue;
            }
            let r = self
                .responders
                .get(i)
                .copied()
                .unwrap_or(ResponderIx::UnknownStaff);
            // One cause, the department: one finding for every topic routed there, with
            // the responses of at most a few of its roles (issue 25 point 2).
            self.findings.add_covering((Code::RouteDeadEnd, dept.index(), usize::MAX), t, || {
                let mut responses = vec![response(engine, c, values, r)];
                let others = self.responders.iter().enumerate().filter(|&(j, other)| {
                    j != i
                        && matches!(other, ResponderIx::Staff(o)
                            if engine.parts().roles.get(*o).is_some_and(|x| x.department == dept))
                });
                for (_, &other) in others.take(MAX_RESPONSES) {
                    responses.push(response(engine, c, values, other));
                }
                let mut diag = Diagnostic::error(
                    Code::RouteDeadEnd,
                    topic_path(engine, t),
                    format!(
                        "topic `{}` is routed to department `{}`, where no role can answer it (I4)",
                        engine.parts().topics.id(t),
                        engine.parts().departments.id(dept)
                    ),
                    format!(
                        "give a role of `{}` authority on the topic (`own`, or `authorized` with an approver rank it has), or route to another department",
                        engine.parts().departments.id(dept)
                    ),
                );
                diag.counterexample = Some(counterexample(engine, c, values, responses));
                diag
            });
        }
    }

    /// The checks of one staff decision: I3, I4 (authorize, escalate), I5, coverage.
    #[expect(clippy::too_many_arguments, reason = "one call site; the loop's state")]
    fn staff(
        &mut self,
        d: &Decision<'_>,
        c: &Resolved,
        values: &[FactValueIx],
        (index, r): (usize, ResponderIx),
        ri: RoleIx,
        department: DepartmentIx,
        tier_ahead: bool,
        topic: &Topic,
    ) {
        let engine = self.engine;
        let t = c.topic;
        // R4.3: an approver rank nobody in the department holds (`approvers.rs`).
        let rank = engine
            .parts()
            .roles
            .get(ri)
            .map_or(RankIx::new(0), |role| role.rank);
        if let Some(u) = super::approvers::unstaffed(engine, topic, rank, department, d) {
            self.findings.add_covering(
                (u.code, u.department.index(), u.approver.index()),
                t,
                || u.diagnostic(engine, c, values, r, d),
            );
        }
        let rule = d.rule.and_then(|x| engine.parts().rules.get(x));
        // A rule's fixed answer given by systems too is not staff improvising.
        let fixed_for_all =
            rule.is_some_and(|x| !x.staff_only() && x.answer.is_some_and(|m| m == d.message_ix()));
        let fixed = rule.is_some_and(|x| x.answer.is_some_and(|m| m == d.message_ix()));
        match d.outcome() {
            Outcome::Answer => {
                if let Some(slot) = self.dept_can_answer.get_mut(department.index()) {
                    *slot = true;
                }
                if !fixed {
                    if let Some(slot) = self.coverage.role_acts.get_mut(ri.index()) {
                        *slot = true;
                    }
                }
                if let Some(slot) = self.coverage.topic_answered.get_mut(t.index()) {
                    *slot = true;
                }
                // I3: no staff answer while a system tier is ahead.
                if tier_ahead && !d.flags().ladder_skipped && !fixed_for_all {
                    self.findings.add((Code::LadderOrder, t.index(), usize::MAX), || {
                        let mut diag = Diagnostic::error(
                            Code::LadderOrder,
                            topic_path(engine, t),
                            format!(
                                "a person answers topic `{}` with `{}` before the customer has been through its systems (I3)",
                                engine.parts().topics.id(t),
                                engine.parts().messages.id(d.message_ix())
                            ),
                            "a person points the customer to the systems first (R0.5); give the fixed answer to every responder, or skip the ladder explicitly with `skip_ladder = true`",
                        );
                        diag.counterexample =
                            Some(single_counterexample(engine, c, values, r));
                        diag
                    });
                }
                // I5: departments stay in their lane, under every authority that lets a
                // person answer: `own`, and `authorized` (the approver answers).
                // Only a grant that lets the role answer so is explicit — `own`, or the
                // authority the answer is given under: a rule that raises a `consensual`
                // grant for everyone is not.
                let authority = d.authority().unwrap_or(Authority::Consensual);
                let grant = engine.grant(ri, t);
                if authority != Authority::Consensual
                    && !fixed
                    && grant != Some(Authority::Own)
                    && grant != Some(authority)
                {
                    let fx = engine.rule_effects(c, values, r, &mut NoTrace);
                    let owner = fx.route.map_or(topic.owner, |(dept, _)| dept);
                    // A rule that names the role or its department is an explicit grant.
                    let named = fx
                        .authority
                        .and_then(|(_, rule)| engine.parts().rules.get(rule))
                        .is_some_and(|rule| {
                            (rule.roles.is_some() && listed(rule.roles.as_deref(), &ri))
                                || (rule.departments.is_some()
                                    && listed(rule.departments.as_deref(), &department))
                        });
                    if department != owner && !named {
                        // One cause, the department answering (under one rule, or none):
                        // one finding over the topics, listed (issue 25 point 2).
                        let rule = fx.authority.map_or(usize::MAX, |(_, rule)| rule.index());
                        let lane = department
                            .index()
                            .saturating_mul(engine.parts().departments.len())
                            .saturating_add(owner.index());
                        self.findings.add_covering((Code::OutOfLane, lane, rule), t, || {
                            let mut diag = Diagnostic::error(
                                Code::OutOfLane,
                                fx.authority.map_or_else(
                                    || topic_path(engine, t),
                                    |(_, rule)| DocPath::root().key("rules").index(rule.index()),
                                ),
                                format!(
                                    "a role of `{}` answers topic `{}`, owned by `{}`, with `{authority}` authority and no explicit grant (I5)",
                                    engine.parts().departments.id(department),
                                    engine.parts().topics.id(t),
                                    engine.parts().departments.id(owner)
                                ),
                                format!(
                                    "restrict the rule to `department = \"{}\"`, or grant the role authority on the topic explicitly (R0.2, R0.8)",
                                    engine.parts().departments.id(owner)
                                ),
                            );
                            diag.counterexample = Some(single_counterexample(engine, c, values, r));
                            diag
                        });
                    }
                }
            }
            Outcome::Authorize => {
                if let Some(slot) = self.coverage.role_acts.get_mut(ri.index()) {
                    *slot = true;
                }
                let dept = d.department_ix();
                let rank = d.rank_ix();
                let reachable = self
                    .has_rank
                    .get(dept.index())
                    .is_some_and(|ranks| ranks.iter().skip(rank.index()).any(|x| *x));
                if reachable {
                    if let Some(slot) = self.dept_can_answer.get_mut(department.index()) {
                        *slot = true;
                    }
                } else {
                    self.findings.add_covering((Code::AuthorizeDeadEnd, dept.index(), rank.index()), t, || {
                        let mut diag = Diagnostic::error(
                            Code::AuthorizeDeadEnd,
                            DocPath::root().key("departments").key(engine.parts().departments.id(dept)),
                            format!(
                                "authorization for topic `{}` is requested from a `{}` of `{}`, but the department has no role of that rank or above (I4)",
                                engine.parts().topics.id(t),
                                engine.parts().ranks.id(rank),
                                engine.parts().departments.id(dept)
                            ),
                            format!(
                                "add a role with `department = \"{}\"` and `rank = \"{}\"`, or change the topic's `approver`",
                                engine.parts().departments.id(dept),
                                engine.parts().ranks.id(rank)
                            ),
                        );
                        diag.counterexample = Some(single_counterexample(engine, c, values, r));
                        diag
                    });
                }
            }
            Outcome::Redirect => {
                // Sending the customer to the systems first is not a dead end: past them, the
                // department's answer is checked in the circumstance where they have been.
                if let Some(slot) = self.dept_can_answer.get_mut(department.index()) {
                    *slot = true;
                }
            }
            Outcome::Route => {
                // The responder's position is known: no scan of the responders per decision.
                self.routes.push((index, d.department_ix()));
            }
            Outcome::Escalate => {
                let dept = d.department_ix();
                let rank = d.rank_ix();
                let exists = self
                    .has_rank
                    .get(dept.index())
                    .and_then(|ranks| ranks.get(rank.index()))
                    .copied()
                    .unwrap_or(false);
                if !exists {
                    self.findings.add((Code::EscalationDeadEnd, dept.index(), rank.index()), || {
                        let mut diag = Diagnostic::error(
                            Code::EscalationDeadEnd,
                            DocPath::root().key("departments").key(engine.parts().departments.id(dept)),
                            format!(
                                "a customer asking for a superior in `{}` is handed to a `{}`, but the department has no role of that rank: the rank chain does not reach the review (I4, R3.3)",
                                engine.parts().departments.id(dept),
                                engine.parts().ranks.id(rank)
                            ),
                            format!(
                                "add a role with `department = \"{}\"` and `rank = \"{}\"`: there is always a superior",
                                engine.parts().departments.id(dept),
                                engine.parts().ranks.id(rank)
                            ),
                        );
                        diag.counterexample = Some(single_counterexample(engine, c, values, r));
                        diag
                    });
                }
            }
            _ => {}
        }
    }
}
