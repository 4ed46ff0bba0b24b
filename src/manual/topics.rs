//! One topic's section of the manual: its ladder, who may answer and with what authority,
//! the rank chain up to the review.

use std::fmt::{self, Write as _};

use crate::compile::pattern_specificity;
use crate::decision::{Decision, Outcome};
use crate::engine::{ChannelIx, DepartmentIx, MessageIx, RoleIx, Rule, SystemIx, TierRef, TopicIx};
use crate::explain::{Explanation, Step};
use crate::model::{Authority, Channel, Contact, Progress, Responder, Tier};
use crate::table::{md_cell, slug};

use super::escape::{code, text};
use super::frame::{Manual, SEC_FORBIDDEN};
use super::wording::fill;

impl<'e> Manual<'e> {
    pub(super) fn tier_line(
        &self,
        out: &mut String,
        n: usize,
        tier: Tier,
        tr: TierRef,
    ) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        let what = match tier {
            Tier::Explains => w.explains,
            _ => w.serves,
        };
        match e.parts().systems.get(tr.system) {
            Some(s) => {
                let wheres = s
                    .wheres
                    .iter()
                    .map(|(c, place)| {
                        format!(
                            "{}: {}",
                            text(e.parts().channels.get(*c).map_or("", |c| c)),
                            text(place)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                writeln!(
                    out,
                    "{n}. **{what}** — {} ({}) · {wheres}",
                    text(&s.name),
                    code(&s.id)
                )?;
            }
            None => writeln!(out, "{n}. **{what}**")?,
        }
        writeln!(
            out,
            "   {} v{}:",
            code(e.parts().messages.id(tr.message)),
            self.version(tr.message)
        )?;
        writeln!(out)?;
        self.quote_texts(out, tr.message, tr.system)?;
        writeln!(out)
    }

    /// Quotes message `m`'s text, then its text on each channel that has its own (issue 34
    /// point 2).
    pub(super) fn quote_texts(
        &self,
        out: &mut String,
        m: MessageIx,
        system: SystemIx,
    ) -> fmt::Result {
        Self::quote(out, &self.text(m, system))?;
        for ch in self.variant_channels(m) {
            writeln!(out)?;
            writeln!(
                out,
                "   {}",
                fill(
                    self.w.channel_text,
                    &[&text(self.engine.parts().channels.id(ch))]
                )
            )?;
            writeln!(out)?;
            Self::quote(out, &self.text_on(m, system, ch))?;
        }
        Ok(())
    }

    /// What staff of `role` do on topic `t` once the systems are exhausted, with no facts, on
    /// `channel`: `decide`'s explanation, which also says where the authority comes from.
    pub(super) fn staff_decision(
        &self,
        t: TopicIx,
        role: RoleIx,
        channel: ChannelIx,
    ) -> Option<Explanation<'e>> {
        let e = self.engine;
        let topic = e.parts().topics.get(t)?;
        let role = e.parts().roles.get(role)?;
        let contact = Contact::new("manual", Channel::from(e.parts().channels.id(channel)))
            .with_topic(&*topic.id)
            .with_locale(e.parts().locales.id(self.locale))
            .with_progress(Progress::Served);
        Some(e.explain(&contact, &Responder::staff(&*role.id)))
    }

    /// What a role does on topic `t` once the systems are exhausted: one row per group of
    /// channels on which `decide` gives the same authority and outcome, each `(channels, authority,
    /// what they do)`; the channels are named only when the groups are several (issue 34).
    pub(super) fn staff_rows(&self, t: TopicIx, role: RoleIx) -> Vec<(String, String, String)> {
        let e = self.engine;
        // Only a rule that names a channel can make one decide differently (I1).
        let channel_rule = e
            .rules_for(t)
            .iter()
            .any(|&r| e.parts().rules.get(r).is_some_and(|r| r.channels.is_some()));
        let channels: Vec<ChannelIx> = if channel_rule {
            e.parts().channels.ixs().collect()
        } else {
            vec![e.channel_ix(&Channel::Phone)]
        };
        let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
        for ch in channels {
            let Some(x) = self.staff_decision(t, role, ch) else {
                continue;
            };
            let authority = self.authority_source(t, role, &x);
            let what = self.outcome_words(&x.decision);
            let name = text(e.parts().channels.id(ch));
            match groups
                .iter_mut()
                .find(|(a, w, _)| *a == authority && *w == what)
            {
                Some((_, _, names)) => names.push(name),
                None => groups.push((authority, what, vec![name])),
            }
        }
        let single = groups.len() == 1;
        groups
            .into_iter()
            .map(|(a, w, names)| {
                let on = if single {
                    String::new()
                } else {
                    fill(self.w.on_channels, &[&names.join(", ")])
                };
                (on, a, w)
            })
            .collect()
    }

    pub(super) fn outcome_words(&self, d: &Decision<'_>) -> String {
        let w = self.w;
        match d.outcome() {
            Outcome::Answer => fill(w.answer_with, &[&code(d.message_id())]),
            Outcome::Route => fill(
                w.route_to,
                &[&d.department()
                    .and_then(|id| self.engine.parts().departments.find(id))
                    .map_or_else(String::new, |i| self.department_name(i))],
            ),
            Outcome::Authorize => fill(w.authorize_from, &[&code(d.rank().unwrap_or_default())]),
            Outcome::Redirect => fill(
                w.redirect_to,
                &[&code(d.system().map(|s| s.id).unwrap_or_default())],
            ),
            Outcome::Escalate => fill(w.escalate_to, &[&code(d.rank().unwrap_or_default())]),
            Outcome::Review => w.review.to_owned(),
        }
    }

    /// The authority a role has on a topic, and where it comes from: the step of `decide`'s
    /// explanation that set it (a rule's, the role's grant, the owning department's or
    /// another department's), never the rule the decision names for another effect.
    pub(super) fn authority_source(&self, t: TopicIx, role: RoleIx, x: &Explanation<'_>) -> String {
        let (e, w) = (self.engine, self.w);
        let Some(authority) = x.decision.authority() else {
            return String::new();
        };
        let authority = authority.as_str();
        for step in &x.trail {
            match step {
                Step::RuleAuthority { rule, .. } => {
                    return fill(w.by_rule, &[authority, &code(rule)]);
                }
                Step::Grant { .. } => {
                    let topic_id = e.parts().topics.id(t);
                    let grant = e.parts().roles.get(role).and_then(|r| {
                        r.grants
                            .iter()
                            .filter_map(|(p, _)| pattern_specificity(p, topic_id).map(|s| (s, p)))
                            .max_by_key(|(s, _)| *s)
                            .map(|(_, p)| p.to_string())
                    });
                    return fill(w.grant, &[authority, &code(&grant.unwrap_or_default())]);
                }
                Step::OwningDepartment { .. } => return fill(w.owning, &[authority]),
                Step::OtherDepartment { .. } => return fill(w.other_department, &[authority]),
                _ => {}
            }
        }
        String::new()
    }

    /// The first rule of topic `t` with an answer (`answer`) or a route (`!answer`), if it has
    /// no condition at all: then it holds for every contact (issue 34 point 6).
    pub(super) fn unconditional(&self, t: TopicIx, answer: bool) -> Option<&'e Rule> {
        let e = self.engine;
        let rule = e
            .rules_for(t)
            .iter()
            .filter_map(|&r| e.parts().rules.get(r))
            .find(|r| {
                if answer {
                    r.answer.is_some()
                } else {
                    r.route.is_some()
                }
            })?;
        let always = rule.channels.is_none()
            && rule.facts.is_empty()
            && !rule.staff_only()
            && Progress::ALL.iter().all(|p| rule.progress & p.bit() != 0);
        always.then_some(rule)
    }

    pub(super) fn topic(&self, out: &mut String, t: TopicIx) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        let Some(topic) = e.parts().topics.get(t) else {
            return Ok(());
        };
        writeln!(out)?;
        writeln!(out, "<a id=\"topic-{}\"></a>", slug(&topic.id))?;
        writeln!(out)?;
        writeln!(out, "### {}", code(&topic.id))?;
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            fill(w.owner, &[&self.department_name(topic.owner)])
        )?;
        writeln!(out)?;
        if let Some(rule) = self.unconditional(t, false) {
            let dept = rule
                .route
                .map_or_else(String::new, |d| self.department_name(d));
            writeln!(out, "{}", fill(w.routed_for_all, &[&code(&rule.id), &dept]))?;
            writeln!(out)?;
        }
        if let Some((rule, m)) = self
            .unconditional(t, true)
            .and_then(|r| r.answer.map(|m| (r, m)))
        {
            writeln!(
                out,
                "{}",
                fill(
                    w.fixed_for_all,
                    &[&code(&rule.id), &code(e.parts().messages.id(m))]
                )
            )?;
            writeln!(out)?;
            self.quote_texts(out, m, SystemIx::NONE)?;
            writeln!(out)?;
        }
        writeln!(out, "#### {}", w.ladder)?;
        writeln!(out)?;
        let mut n = 1;
        for (tier, tr) in topic.tiers() {
            self.tier_line(out, n, tier, tr)?;
            n += 1;
        }
        writeln!(out, "{n}. **{}** — {}", w.person, w.message)?;
        writeln!(
            out,
            "   {} v{}:",
            code(e.parts().messages.id(topic.answer)),
            self.version(topic.answer)
        )?;
        writeln!(out)?;
        self.quote_texts(out, topic.answer, SystemIx::NONE)?;
        writeln!(out)?;
        writeln!(out, "#### {}", w.who)?;
        writeln!(out)?;
        let approver = match (topic.authority, topic.approver) {
            (Authority::Authorized, a) if a.is_none() => w.approver_above.to_owned(),
            (Authority::Authorized, a) => fill(w.approver, &[&code(e.parts().ranks.id(a))]),
            _ => String::new(),
        };
        writeln!(
            out,
            "{}",
            fill(w.who_intro, &[topic.authority.as_str(), &approver])
        )?;
        writeln!(out)?;
        // The rows are decided with no facts: say so where a rule's facts would change them.
        let fact_rule = e
            .rules_for(t)
            .iter()
            .any(|&r| e.parts().rules.get(r).is_some_and(|r| !r.facts.is_empty()));
        if fact_rule {
            writeln!(out, "{}", w.without_facts)?;
            writeln!(out)?;
        }
        writeln!(out, "{}", w.who_header)?;
        writeln!(out, "|---|---|---|---|---|")?;
        for (r, role) in e.parts().roles.items().iter().enumerate() {
            for (on, authority, what) in self.staff_rows(t, RoleIx::new(r)) {
                let name = if on.is_empty() {
                    code(&role.id)
                } else {
                    format!("{} ({on})", code(&role.id))
                };
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    md_cell(&name),
                    md_cell(&text(
                        e.parts()
                            .departments
                            .get(role.department)
                            .map_or("", |d| &d.name)
                    )),
                    md_cell(&text(e.parts().ranks.id(role.rank))),
                    md_cell(&authority),
                    md_cell(&what)
                )?;
            }
        }
        writeln!(out)?;
        writeln!(out, "#### {}", w.superior)?;
        writeln!(out)?;
        // The chain of the reader's department; in the company-wide manual, each
        // department's, since each person escalates within their own (issue 34 point 7).
        match self.dept {
            Some(d) => writeln!(out, "{}", self.chain(d))?,
            None => {
                for d in e.parts().departments.ixs() {
                    writeln!(out, "- {}: {}", self.department_name(d), self.chain(d))?;
                }
            }
        }
        let rules = e.rules_for(t);
        if !rules.is_empty() {
            writeln!(out)?;
            writeln!(out, "#### {}", w.touching)?;
            writeln!(out)?;
            for &r in rules {
                if let Some(rule) = e.parts().rules.get(r) {
                    writeln!(
                        out,
                        "- [{}](#rule-{}): {}.",
                        code(&rule.id),
                        slug(&rule.id),
                        self.rule_summary(rule)
                    )?;
                }
            }
        }
        writeln!(out)?;
        writeln!(out, "{}", fill(w.never, &[SEC_FORBIDDEN]))
    }

    /// The rank chain of department `d`, with its roles, up to the review: what a customer
    /// asking for a superior goes through, as the engine escalates (staffed ranks only).
    pub(super) fn chain(&self, d: DepartmentIx) -> String {
        let e = self.engine;
        let mut steps = Vec::new();
        let mut rank = e
            .parts()
            .roles
            .items()
            .iter()
            .filter(|r| r.department == d)
            .map(|r| r.rank)
            .min();
        while let Some(r) = rank {
            let roles: Vec<String> = e
                .parts()
                .roles
                .items()
                .iter()
                .filter(|role| role.department == d && role.rank == r)
                .map(|role| code(&role.id))
                .collect();
            steps.push(format!(
                "{} ({})",
                text(e.parts().ranks.id(r)),
                roles.join(", ")
            ));
            let next = e.superior_rank(d, r);
            rank = (!next.is_none() && next > r).then_some(next);
        }
        steps.push(fill(
            self.w.review_within,
            &[&text(&e.parts().review_within_text)],
        ));
        steps.join(" → ")
    }
}
