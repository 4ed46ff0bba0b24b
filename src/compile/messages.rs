//! `[messages]`: interned first (topics and rules refer to them), compiled once every other
//! section is read, then checked against each of their usages (the placeholders a usage
//! fills).

use std::collections::HashMap;

use crate::diagnostic::{Code, DocPath};
use crate::document::{IdMap, LocaleText, MessageDoc, VersionDoc};
use crate::engine::{ChannelIx, Message, MessageIx, Version};
use crate::template::{Builtin, Template};

use super::compiler::Compiler;
use super::texts::Usage;

/// Where each message is used, by message index: the usage and the document path that uses
/// it.
pub(super) type Usages = Vec<Vec<(Usage, DocPath)>>;

impl Compiler<'_> {
    /// Interns the ids of `[messages]` (at `mpath`), reporting duplicates and reserved ids;
    /// the usages start empty, one list per message.
    pub(super) fn intern_messages(
        &mut self,
        mpath: &DocPath,
    ) -> (HashMap<Box<str>, MessageIx>, Usages) {
        let doc = self.doc;
        let message_index = self.intern(&doc.messages, mpath, "message");
        for id in doc.messages.keys() {
            if id.starts_with("handover.") {
                self.error(
                    Code::ReservedId,
                    mpath.key(id),
                    format!(
                        "message id `{id}` starts with `handover.`, which names the handover texts"
                    ),
                    "rename the message",
                );
            }
        }
        let usages: Usages = vec![Vec::new(); doc.messages.len()];
        (message_index, usages)
    }

    /// Compiles every message of `[messages]` (at `mpath`), in order, with room for the
    /// handover texts that follow them.
    pub(super) fn messages(&mut self, mpath: &DocPath) -> Vec<Message> {
        let doc = self.doc;
        let mut messages: Vec<Message> = Vec::with_capacity(doc.messages.len() + 7);
        for (id, m) in doc.messages.iter() {
            // Checked against each usage once the rules are known: `check_usages`.
            let usage = Usage::Unchecked;
            messages.push(self.message(id, m, &mpath.key(id), usage));
        }
        messages
    }

    /// Reports each usage of a message whose texts have a placeholder the usage cannot fill.
    pub(super) fn check_usages(&mut self, messages: &[Message], usages: &Usages) {
        for (m, list) in usages.iter().enumerate() {
            let Some(msg) = messages.get(m) else { continue };
            if list.is_empty() {
                continue;
            }
            // The built-ins the message's texts use, in order of first use, gathered once:
            // a message of many texts used many times costs texts + usages, not their product.
            let mut used: Vec<Builtin> = Vec::new();
            for b in msg
                .versions
                .iter()
                .flat_map(|v| {
                    v.texts
                        .iter()
                        .chain(v.variants.iter().flat_map(|(_, t)| t.iter()))
                })
                .flat_map(Template::builtins)
            {
                if !used.contains(&b) {
                    used.push(b);
                }
            }
            // Answers (a topic's or a rule's) have no system to name; a tier message names only
            // its system. Each usage is reported once, with the first placeholder it cannot fill.
            for (usage, path) in list {
                let unavailable = used.iter().copied().find(|b| !usage.allows(*b));
                if let Some(b) = unavailable {
                    self.error(
                        Code::PlaceholderNotAvailable,
                        path.clone(),
                        format!(
                            "message `{}` is used as {} but has placeholder `{{{}}}`, which has no value there",
                            msg.id,
                            usage.describe(),
                            b.name()
                        ),
                        "remove the placeholder, or use another message here",
                    );
                }
            }
        }
    }

    fn version(&mut self, v: &VersionDoc, path: &DocPath, usage: Usage) -> Version {
        let texts = self.locale_texts(&v.text, &path.key("text"), usage);
        let variants = self.variants(&v.channels, &path.key("channels"), usage);
        Version {
            change: v.change,
            texts,
            variants,
        }
    }

    fn variants(
        &mut self,
        channels: &IdMap<LocaleText>,
        path: &DocPath,
        usage: Usage,
    ) -> Box<[(ChannelIx, Box<[Template]>)]> {
        self.duplicate_keys(channels, path, "channel");
        channels
            .iter()
            .map(|(channel, text)| {
                let c = self.channel(channel);
                (c, self.locale_texts(text, &path.key(channel), usage))
            })
            .collect()
    }

    fn message(&mut self, id: &str, m: &MessageDoc, path: &DocPath, usage: Usage) -> Message {
        let versions: Vec<Version> = match (&m.text, m.versions.is_empty()) {
            (Some(text), true) => vec![self.version(
                &VersionDoc {
                    change: None,
                    text: text.clone(),
                    channels: m.channels.clone(),
                },
                path,
                usage,
            )],
            (None, false) => {
                if !m.channels.is_empty() {
                    self.error(
                        Code::AmbiguousMessage,
                        path.key("channels"),
                        format!(
                            "message `{id}` has versions and also channel variants outside them"
                        ),
                        "move `channels` into each version",
                    );
                }
                let vpath = path.key("versions");
                m.versions
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        if i > 0 && v.change.is_none() {
                            self.error(
                                Code::MissingChange,
                                vpath.index(i),
                                format!(
                                    "version {} of message `{id}` does not say what changed",
                                    i + 1
                                ),
                                "add `change = \"editorial\"` (same instructions, better words) or `change = \"substantive\"` (the procedure changed)",
                            );
                        }
                        self.version(v, &vpath.index(i), usage)
                    })
                    .collect()
            }
            (Some(_), false) => {
                self.error(
                    Code::AmbiguousMessage,
                    path.clone(),
                    format!("message `{id}` has both `text` and `versions`"),
                    "keep `text` for a single version, or move it into the first of `versions`",
                );
                Vec::new()
            }
            (None, true) => {
                self.error(
                    Code::EmptyMessage,
                    path.clone(),
                    format!("message `{id}` has no text"),
                    "add `text = { … }` with one entry per locale, or `[[messages.ID.versions]]`",
                );
                Vec::new()
            }
        };
        let versions = if versions.is_empty() {
            vec![Version {
                change: None,
                texts: self.locales.iter().map(|_| Template::empty()).collect(),
                variants: Box::new([]),
            }]
        } else {
            versions
        };
        Message {
            id: id.into(),
            versions: versions.into(),
            versioned: !m.versions.is_empty(),
        }
    }
}
