//! The manual as a document: its frame (title, sections, index) and the lookups the
//! sections share (a department's name, a topic's texts, a message's version).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use crate::engine::{
    ChannelIx, DepartmentIx, Engine, LocaleIx, MessageIx, RoleIx, SystemIx, TopicIx,
};
use crate::model::Channel;
use crate::table::slug;
use crate::template::Builtin;

use super::escape::{code, lines, text};
use super::wording::{Words, fill};

pub(super) struct Manual<'e> {
    pub(super) engine: &'e Engine,
    pub(super) dept: Option<DepartmentIx>,
    pub(super) locale: LocaleIx,
    pub(super) w: &'static Words,
}

pub(super) const SEC_HOW: &str = "how-we-answer";
pub(super) const SEC_TOPICS: &str = "topics";
pub(super) const SEC_OTHERS: &str = "other-departments-topics";
pub(super) const SEC_HANDOVER: &str = "handing-the-customer-on";
pub(super) const SEC_RANKS: &str = "the-rank-chain";
pub(super) const SEC_FORBIDDEN: &str = "words-and-phrases-never-to-use";
pub(super) const SEC_RULES: &str = "rules";

impl<'e> Manual<'e> {
    pub(super) fn department_name(&self, d: DepartmentIx) -> String {
        self.engine
            .parts()
            .departments
            .get(d)
            .map_or_else(String::new, |d| {
                format!("{} ({})", text(&d.name), code(&d.id))
            })
    }

    pub(super) fn own_topics(&self) -> Vec<TopicIx> {
        let e = self.engine;
        e.parts()
            .topics
            .ixs()
            .filter(|&t| {
                self.dept.is_none_or(|d| {
                    e.parts()
                        .topics
                        .get(t)
                        .is_some_and(|topic| topic.owner == d)
                })
            })
            .collect()
    }

    pub(super) fn other_topics(&self) -> Vec<TopicIx> {
        let e = self.engine;
        match self.dept {
            None => Vec::new(),
            Some(d) => e
                .parts()
                .topics
                .ixs()
                .filter(|&t| {
                    e.parts()
                        .topics
                        .get(t)
                        .is_some_and(|topic| topic.owner != d)
                })
                .collect(),
        }
    }

    pub(super) fn roles(&self) -> Vec<RoleIx> {
        let e = self.engine;
        e.parts()
            .roles
            .ixs()
            .filter(|&r| {
                self.dept.is_none_or(|d| {
                    e.parts()
                        .roles
                        .get(r)
                        .is_some_and(|role| role.department == d)
                })
            })
            .collect()
    }

    /// The text of message `m` (current version) in the manual's locale, with `{system}` and
    /// `{where}` filled for `system` (its web address, else its first entry: every entry is
    /// listed beside the text) and host placeholders shown as `{name}`.
    pub(super) fn text(&self, m: MessageIx, system: SystemIx) -> String {
        self.text_on(m, system, ChannelIx::NONE)
    }

    /// The channels on which message `m` (current version) has a text of its own.
    pub(super) fn variant_channels(&self, m: MessageIx) -> Vec<ChannelIx> {
        self.engine
            .parts()
            .messages
            .get(m)
            .and_then(|msg| msg.version(msg.current()))
            .map_or_else(Vec::new, |v| v.variants.iter().map(|(c, _)| *c).collect())
    }

    /// [`Manual::text`] on `channel`: its own text if it has one, else the default.
    pub(super) fn text_on(&self, m: MessageIx, system: SystemIx, channel: ChannelIx) -> String {
        let e = self.engine;
        let Some(template) = e
            .parts()
            .messages
            .get(m)
            .and_then(|msg| msg.version(msg.current()))
            .and_then(|v| v.text(self.locale, channel))
        else {
            return String::new();
        };
        let sys = e.parts().systems.get(system);
        let web = e.channel_ix(&Channel::Web);
        // Host placeholders stay visible as `{name}`: every `{…}` of the source may be one
        // (a name that is not one is never asked for).
        let values: BTreeMap<String, String> = template
            .source()
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .map(|name| (name.to_owned(), format!("{{{name}}}")))
            .collect();
        let mut out = String::new();
        let _ = template.render(
            &mut out,
            &|b, o| match b {
                Builtin::System => o.push_str(sys.map_or("{system}", |s| &s.name)),
                Builtin::Where => o.push_str(sys.map_or("{where}", |s| {
                    s.where_for(if channel.is_none() { web } else { channel })
                })),
                other => {
                    o.push('{');
                    o.push_str(other.name());
                    o.push('}');
                }
            },
            &values,
        );
        out
    }

    /// The text of message `m` as written, placeholders and all.
    pub(super) fn source(&self, m: MessageIx) -> String {
        self.engine
            .parts()
            .messages
            .get(m)
            .and_then(|msg| msg.version(msg.current()))
            .and_then(|v| v.text(self.locale, ChannelIx::NONE))
            .map_or_else(String::new, |t| t.source().to_owned())
    }

    pub(super) fn version(&self, m: MessageIx) -> u32 {
        self.engine
            .parts()
            .messages
            .get(m)
            .map_or(0, |m| m.current())
    }

    pub(super) fn quote(out: &mut String, text: &str) -> fmt::Result {
        for line in lines(text).lines() {
            writeln!(out, "   > {line}")?;
        }
        Ok(())
    }

    pub(super) fn section(out: &mut String, anchor: &str, title: &str) -> fmt::Result {
        writeln!(out)?;
        writeln!(out, "<a id=\"{anchor}\"></a>")?;
        writeln!(out)?;
        writeln!(out, "## {title}")
    }

    pub(super) fn write(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        writeln!(out, "# {} — {}", w.title, text(&e.parts().name))?;
        writeln!(out)?;
        writeln!(out, "<!-- {} -->", w.generated)?;
        writeln!(out)?;
        let scope = match self.dept {
            Some(d) => fill(w.department, &[&self.department_name(d)]),
            None => w.every_department.to_owned(),
        };
        writeln!(
            out,
            "{}",
            fill(
                w.header,
                &[
                    &code(&e.parts().revision),
                    &code(e.parts().locales.id(self.locale)),
                    &scope
                ]
            )
        )?;
        writeln!(out)?;
        writeln!(out, "{}", w.intro)?;
        writeln!(out)?;
        self.index(out)?;
        Self::section(out, SEC_HOW, w.how)?;
        writeln!(out)?;
        for (i, line) in w.how_lines.iter().enumerate() {
            writeln!(out, "{}. {line}", i + 1)?;
        }
        Self::section(out, SEC_TOPICS, w.topics)?;
        for t in self.own_topics() {
            self.topic(out, t)?;
        }
        if self.dept.is_some() {
            self.others(out)?;
        }
        self.handover(out)?;
        self.ranks(out)?;
        self.forbidden(out)?;
        self.rules(out)
    }

    pub(super) fn index(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        writeln!(out, "## {}", w.index)?;
        writeln!(out)?;
        writeln!(out, "1. [{}](#{SEC_HOW})", w.how)?;
        writeln!(out, "2. [{}](#{SEC_TOPICS})", w.topics)?;
        for t in self.own_topics() {
            let id = e.parts().topics.id(t);
            writeln!(out, "   - [{}](#topic-{})", code(id), slug(id))?;
        }
        let mut n = 3;
        if self.dept.is_some() {
            writeln!(out, "{n}. [{}](#{SEC_OTHERS})", w.others)?;
            n += 1;
        }
        for (title, anchor) in [
            (w.handover, SEC_HANDOVER),
            (w.ranks, SEC_RANKS),
            (w.forbidden, SEC_FORBIDDEN),
            (w.rules, SEC_RULES),
        ] {
            writeln!(out, "{n}. [{title}](#{anchor})")?;
            n += 1;
        }
        Ok(())
    }
}
