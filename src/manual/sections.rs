//! The manual's closing sections: other departments' topics, handing the customer on, the
//! rank chain, the words never to use, and every rule with its `why`.

use std::fmt::{self, Write as _};

use crate::engine::{DepartmentIx, Handover, Rule};
use crate::model::Progress;
use crate::table::{md_cell, slug};

use super::escape::{code, text};
use super::frame::{Manual, SEC_FORBIDDEN, SEC_HANDOVER, SEC_OTHERS, SEC_RANKS, SEC_RULES};
use super::wording::fill;

impl Manual<'_> {
    pub(super) fn rule_when(&self, rule: &Rule) -> String {
        let (e, w) = (self.engine, self.w);
        let mut parts = Vec::new();
        let list = |ids: Vec<&str>| ids.iter().map(|s| code(s)).collect::<Vec<_>>().join(w.or);
        if let Some(topics) = &rule.topics {
            parts.push(fill(
                w.topic,
                &[&list(topics.iter().map(|s| &**s).collect())],
            ));
        }
        if let Some(channels) = &rule.channels {
            let ids = channels
                .iter()
                .map(|c| e.parts().channels.get(*c).map_or("", |c| c))
                .collect();
            parts.push(fill(w.channel, &[&list(ids)]));
        }
        if let Some(ds) = &rule.departments {
            let ids = ds.iter().map(|d| e.parts().departments.id(*d)).collect();
            parts.push(fill(w.in_department, &[&list(ids)]));
        }
        if let Some(rs) = &rule.roles {
            let ids = rs
                .iter()
                .map(|r| e.parts().roles.get(*r).map_or("", |r| &r.id))
                .collect();
            parts.push(fill(w.role, &[&list(ids)]));
        }
        if let Some(rs) = &rule.ranks {
            let ids = rs.iter().map(|r| e.parts().ranks.id(*r)).collect();
            parts.push(fill(w.rank, &[&list(ids)]));
        }
        let all = Progress::ALL.iter().fold(0, |acc, p| acc | p.bit());
        if rule.progress & all != all {
            let ids = Progress::ALL
                .iter()
                .filter(|p| rule.progress & p.bit() != 0)
                .map(|p| p.as_str())
                .collect();
            parts.push(fill(w.progress, &[&list(ids)]));
        }
        for (k, values) in rule.facts.iter() {
            let ids = values
                .iter()
                .map(|v| e.parts().fact_values.get(*v).map_or("", |v| v))
                .collect();
            parts.push(fill(
                w.fact,
                &[
                    &code(e.parts().fact_keys.get(*k).map_or("", |k| k)),
                    &list(ids),
                ],
            ));
        }
        if parts.is_empty() {
            w.always.to_owned()
        } else {
            parts.join(", ")
        }
    }

    pub(super) fn rule_then(&self, rule: &Rule) -> String {
        let (e, w) = (self.engine, self.w);
        let mut parts = Vec::new();
        if let Some(m) = rule.answer {
            parts.push(fill(w.fixed_answer, &[&code(e.parts().messages.id(m))]));
        }
        if rule.skip_ladder {
            parts.push(w.skips_ladder.to_owned());
        }
        if let Some(a) = rule.authority {
            parts.push(fill(w.authority_is, &[a.as_str()]));
        }
        if let Some(d) = rule.route {
            parts.push(fill(w.owner_is, &[&self.department_name(d)]));
        }
        parts.join("; ")
    }

    pub(super) fn rule_summary(&self, rule: &Rule) -> String {
        fill(
            self.w.summary,
            &[&self.rule_when(rule), &self.rule_then(rule)],
        )
    }

    pub(super) fn others(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_OTHERS, w.others)?;
        writeln!(out)?;
        writeln!(out, "{}", w.others_intro)?;
        writeln!(out)?;
        writeln!(out, "{}", w.others_header)?;
        writeln!(out, "|---|---|---|---|---|")?;
        for t in self.other_topics() {
            let owner = e
                .parts()
                .topics
                .get(t)
                .map_or_else(String::new, |tp| self.department_name(tp.owner));
            for r in self.roles() {
                for (on, authority, what) in self.staff_rows(t, r) {
                    let id = code(e.parts().roles.get(r).map_or("", |r| &r.id));
                    let name = if on.is_empty() {
                        id
                    } else {
                        format!("{id} ({on})")
                    };
                    writeln!(
                        out,
                        "| {} | {} | {} | {} | {} |",
                        md_cell(&code(e.parts().topics.id(t))),
                        md_cell(&owner),
                        md_cell(&name),
                        md_cell(&authority),
                        md_cell(&what)
                    )?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn handover(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_HANDOVER, w.handover)?;
        writeln!(out)?;
        writeln!(out, "{}", w.handover_intro)?;
        for (h, label) in Handover::ALL.into_iter().zip(w.handover_labels) {
            let m = e.handover_message(h);
            if m.is_none() {
                continue;
            }
            writeln!(out)?;
            writeln!(out, "- **{label}:**")?;
            writeln!(out)?;
            Self::quote(out, &self.source(m))?;
        }
        Ok(())
    }

    pub(super) fn ranks(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_RANKS, w.ranks)?;
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            fill(w.ranks_intro, &[&text(&e.parts().review_within_text)])
        )?;
        writeln!(out)?;
        let departments: Vec<DepartmentIx> = match self.dept {
            Some(d) => vec![d],
            None => e.parts().departments.ixs().collect(),
        };
        for d in departments {
            writeln!(out, "- {}: {}", self.department_name(d), self.chain(d))?;
        }
        Ok(())
    }

    pub(super) fn forbidden(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_FORBIDDEN, w.forbidden)?;
        writeln!(out)?;
        writeln!(out, "{}", w.forbidden_intro)?;
        writeln!(out)?;
        writeln!(out, "{}", w.forbidden_header)?;
        writeln!(out, "|---|---|")?;
        for f in e.parts().forbidden.iter() {
            writeln!(
                out,
                "| {} | {} |",
                md_cell(&code(f.regex.as_str())),
                md_cell(&text(&f.why))
            )?;
        }
        Ok(())
    }

    pub(super) fn rules(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_RULES, w.rules)?;
        writeln!(out)?;
        writeln!(out, "{}", w.rules_intro)?;
        for rule in e.parts().rules.items().iter() {
            writeln!(out)?;
            writeln!(out, "<a id=\"rule-{}\"></a>", slug(&rule.id))?;
            writeln!(out)?;
            writeln!(out, "### {}", code(&rule.id))?;
            writeln!(out)?;
            writeln!(out, "- **{}:** {}.", w.when, self.rule_when(rule))?;
            writeln!(out, "- **{}:** {}.", w.then, self.rule_then(rule))?;
            if let Some(why) = &rule.why {
                writeln!(out, "- **{}:** {}", w.why, text(why))?;
            }
            // The fixed answer's texts, as every responder gives them (issue 34).
            if let Some(m) = rule.answer {
                writeln!(out)?;
                self.quote_texts(out, m, crate::engine::SystemIx::NONE)?;
            }
        }
        Ok(())
    }
}
