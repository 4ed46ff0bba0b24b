//! One topic's section of the manual: its ladder, who may answer and with what authority,
//! the rank chain up to the review.

use std::fmt::{self, Write as _};

use crate::compile::pattern_specificity;
use crate::decision::{Decision, Outcome};
use crate::engine::{DepartmentIx, RoleIx, SystemIx, TierRef, TopicIx};
use crate::model::{Authority, Channel, Contact, Progress, Responder, Tier};
use crate::table::{md_cell, slug};

use super::document::{Manual, SEC_FORBIDDEN};
use super::escape::{code, text};
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
        Self::quote(out, &self.text(tr.message, tr.system))?;
        writeln!(out)
    }

    /// What staff of `role` do on topic `t` once the systems are exhausted, with no facts.
    pub(super) fn staff_decision(&self, t: TopicIx, role: RoleIx) -> Option<Decision<'e>> {
        let e = self.engine;
        let topic = e.parts().topics.get(t)?;
        let role = e.parts().roles.get(role)?;
        let contact = Contact::new("manual", Channel::Phone)
            .with_topic(&*topic.id)
            .with_locale(e.parts().locales.id(self.locale))
            .with_progress(Progress::Served);
        Some(e.decide(&contact, &Responder::staff(&*role.id)))
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

    /// The authority a role has on a topic, and where it comes from.
    pub(super) fn authority_source(&self, t: TopicIx, role: RoleIx, d: &Decision<'_>) -> String {
        let (e, w) = (self.engine, self.w);
        let Some(authority) = d.authority() else {
            return String::new();
        };
        let authority = authority.as_str();
        if let Some(rule) = d.rule() {
            return fill(w.by_rule, &[authority, &code(rule)]);
        }
        let topic_id = e.parts().topics.id(t);
        let grant = e.parts().roles.get(role).and_then(|r| {
            r.grants
                .iter()
                .filter_map(|(p, _)| pattern_specificity(p, topic_id).map(|s| (s, p)))
                .max_by_key(|(s, _)| *s)
                .map(|(_, p)| p.to_string())
        });
        match grant {
            Some(p) => fill(w.grant, &[authority, &code(&p)]),
            None => match e.parts().roles.get(role) {
                Some(r)
                    if e.parts()
                        .topics
                        .get(t)
                        .is_some_and(|tp| tp.owner == r.department) =>
                {
                    fill(w.owning, &[authority])
                }
                _ => fill(w.other_department, &[authority]),
            },
        }
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
        Self::quote(out, &self.text(topic.answer, SystemIx::NONE))?;
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
        writeln!(out, "{}", w.who_header)?;
        writeln!(out, "|---|---|---|---|---|")?;
        for (r, role) in e.parts().roles.items().iter().enumerate() {
            let Some(d) = self.staff_decision(t, RoleIx::new(r)) else {
                continue;
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md_cell(&code(&role.id)),
                md_cell(&text(
                    e.parts()
                        .departments
                        .get(role.department)
                        .map_or("", |d| &d.name)
                )),
                md_cell(&text(e.parts().ranks.id(role.rank))),
                md_cell(&self.authority_source(t, RoleIx::new(r), &d)),
                md_cell(&self.outcome_words(&d))
            )?;
        }
        writeln!(out)?;
        writeln!(out, "#### {}", w.superior)?;
        writeln!(out)?;
        writeln!(out, "{}", self.chain(topic.owner))?;
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
