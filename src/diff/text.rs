//! A policy diff as text: the `Display` of [`PolicyDiff`].

use std::fmt;

use crate::model::Channel;

use super::types::{PolicyDiff, UNKNOWN_TOPIC};

impl fmt::Display for PolicyDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "policy diff: revision `{}` -> `{}`",
            self.old_revision, self.new_revision
        )?;
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        for t in &self.added_topics {
            writeln!(f, "topic added: `{t}`")?;
        }
        for t in &self.removed_topics {
            writeln!(f, "topic removed: `{t}`")?;
        }
        if let Some(fallback) = &self.fallback {
            writeln!(
                f,
                "fallback topic: `{}` -> `{}` (contacts with an unknown topic, no topic or a text below the triage threshold: decisions listed as {})",
                fallback.old, fallback.new, UNKNOWN_TOPIC
            )?;
        }
        if let Some(locale) = &self.default_locale {
            write!(
                f,
                "default locale: `{}` -> `{}` (contacts without a known locale: {} message(s) heard in other words",
                locale.old,
                locale.new,
                locale.messages.len()
            )?;
            if !locale.messages.is_empty() {
                write!(f, ": {}", locale.messages.join(", "))?;
            }
            writeln!(f, ")")?;
        }
        for m in &self.messages {
            write!(f, "message `{}`: {}", m.id, m.kind)?;
            if let (Some(o), Some(n)) = (m.old_version, m.new_version) {
                write!(f, " (v{o} -> v{n})")?;
            }
            if !m.texts.is_empty() {
                write!(f, " [{}]", m.texts.join(", "))?;
            }
            writeln!(f)?;
        }
        for c in &self.decisions {
            let channels: Vec<&str> = c.channels.iter().map(Channel::as_str).collect();
            if c.unknown_topic {
                write!(f, "{UNKNOWN_TOPIC}, progress `{}`", c.contact.progress)?;
            } else {
                write!(
                    f,
                    "topic `{}`, progress `{}`",
                    c.contact.topic.as_deref().unwrap_or(""),
                    c.contact.progress
                )?;
            }
            for (k, v) in &c.contact.facts {
                write!(f, ", {k} = `{v}`")?;
            }
            if c.contact.asks_for_superior {
                write!(f, ", asks for a superior")?;
            }
            writeln!(
                f,
                ", {} on {}: {} -> {}",
                c.responder,
                channels.join("/"),
                c.before,
                c.after
            )?;
        }
        write!(
            f,
            "{} message change(s), {} decision change(s) over {} circumstances",
            self.messages.len(),
            self.decisions.len(),
            self.circumstances
        )
    }
}
