//! The history side of a diff: topics added and removed, and every message whose text changed
//! (with or without a new version).

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::document::Change;
use crate::engine::{Engine, LocaleIx, Message, Version};

use super::types::{MessageChange, MessageChangeKind, PolicyDiff};

pub(super) fn topics(old: &Engine, new: &Engine, out: &mut PolicyDiff) {
    for t in new.topics() {
        if old.parts().topics.find(t).is_none() {
            out.added_topics.push(t.to_owned());
        }
    }
    for t in old.topics() {
        if new.parts().topics.find(t).is_none() {
            out.removed_topics.push(t.to_owned());
            out.diagnostics.push(Diagnostic::warning(
                Code::TopicRemoved,
                DocPath::root().key("topics").key(t),
                format!(
                    "topic `{t}` was removed: its contacts now get the fallback topic `{}`",
                    new.fallback_topic()
                ),
                "keep the topic, or make sure the fallback's explanation covers it",
            ));
        }
    }
}

/// A version's texts by `locale` or `channel/locale`.
fn texts<'e>(engine: &'e Engine, v: &'e Version) -> BTreeMap<String, &'e str> {
    let mut map = BTreeMap::new();
    for (li, t) in v.texts.iter().enumerate() {
        map.insert(
            engine.parts().locales.id(LocaleIx::new(li)).to_owned(),
            t.source(),
        );
    }
    for (c, list) in v.variants.iter() {
        let channel = engine.parts().channels.get(*c).map_or("", |c| c);
        for (li, t) in list.iter().enumerate() {
            map.insert(
                format!("{channel}/{}", engine.parts().locales.id(LocaleIx::new(li))),
                t.source(),
            );
        }
    }
    map
}

/// The keys whose texts differ.
fn differing(old: &BTreeMap<String, &str>, new: &BTreeMap<String, &str>) -> Vec<String> {
    let mut keys: Vec<String> = old
        .iter()
        .filter(|(k, v)| new.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    for k in new.keys() {
        if !old.contains_key(k) {
            keys.push(k.clone());
        }
    }
    keys.sort();
    keys
}

fn message_path(m: &Message) -> DocPath {
    match m.id.strip_prefix("handover.") {
        Some(kind) => DocPath::root().key("handover").key(kind),
        None => DocPath::root().key("messages").key(&*m.id),
    }
}

pub(super) fn messages(old: &Engine, new: &Engine, out: &mut PolicyDiff) {
    let mut ids: Vec<&str> = old
        .parts()
        .messages
        .items()
        .iter()
        .chain(new.parts().messages.items().iter())
        .map(|m| &*m.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let o = old
            .parts()
            .messages
            .find(id)
            .and_then(|i| old.parts().messages.get(i));
        let n = new
            .parts()
            .messages
            .find(id)
            .and_then(|i| new.parts().messages.get(i));
        let change = |kind, texts| MessageChange {
            id: id.to_owned(),
            kind,
            old_version: o.map(Message::current),
            new_version: n.map(Message::current),
            texts,
        };
        let (o, n) = match (o, n) {
            (None, None) => continue,
            (None, Some(_)) => {
                out.messages
                    .push(change(MessageChangeKind::Added, Vec::new()));
                continue;
            }
            (Some(o), None) => {
                // Handover texts are not pinned; a message is, in any of its versions.
                if !id.starts_with("handover.") {
                    out.diagnostics.push(Diagnostic::error(
                        Code::MessageRemoved,
                        message_path(o),
                        format!(
                            "message `{id}` was removed, with its {} version(s): customers pinned to it could not be told what they heard before",
                            o.versions.len()
                        ),
                        "keep the message with every version (it may stay unused: stop naming it in topics and rules instead)",
                    ));
                }
                out.messages
                    .push(change(MessageChangeKind::Removed, Vec::new()));
                continue;
            }
            (Some(o), Some(n)) => (o, n),
        };
        let path = message_path(n);
        if id.starts_with("handover.") {
            let (Some(ov), Some(nv)) = (o.versions.last(), n.versions.last()) else {
                continue;
            };
            let diff = differing(&texts(old, ov), &texts(new, nv));
            if !diff.is_empty() {
                out.messages.push(change(MessageChangeKind::Handover, diff));
            }
            continue;
        }
        // The versions both have must be unchanged: history is what customers were told.
        let mut edited = Vec::new();
        for (vi, (ov, nv)) in o.versions.iter().zip(n.versions.iter()).enumerate() {
            for k in differing(&texts(old, ov), &texts(new, nv)) {
                edited.push((vi + 1, k));
            }
        }
        let (ocount, ncount) = (o.versions.len(), n.versions.len());
        if ncount < ocount {
            out.diagnostics.push(Diagnostic::error(
                Code::VersionsRemoved,
                path.clone(),
                format!(
                    "message `{id}` had {ocount} versions and now has {ncount}: customers pinned to a removed version cannot be told what changed"
                ),
                "keep every version and add a new one at the end",
            ));
            out.messages
                .push(change(MessageChangeKind::VersionsRemoved, Vec::new()));
            continue;
        }
        if !edited.is_empty() {
            let texts: Vec<String> = edited.iter().map(|(_, k)| k.clone()).collect();
            // Editing the current version is a change without a version; editing an older
            // one (or the old current while adding a new one) rewrites history.
            let history = ncount > ocount || edited.iter().any(|(v, _)| *v < ocount);
            let (code, kind, what) = if !history {
                (
                    Code::TextChangedWithoutVersion,
                    MessageChangeKind::Unversioned,
                    format!(
                        "the text of message `{id}` changed ({}) without a new version: customers pinned to it would silently hear other words",
                        texts.join(", ")
                    ),
                )
            } else {
                (
                    Code::VersionHistoryChanged,
                    MessageChangeKind::HistoryRewritten,
                    format!(
                        "version {} of message `{id}` was edited ({}): it is what earlier customers were told",
                        edited
                            .iter()
                            .find(|(v, _)| *v < ocount || ncount > ocount)
                            .map_or(0, |(v, _)| *v),
                        texts.join(", ")
                    ),
                )
            };
            out.diagnostics.push(Diagnostic::error(
                code,
                path.clone(),
                what,
                "keep the old text and add a version with `change = \"editorial\"` (same instructions, better words) or `change = \"substantive\"` (the procedure changed)",
            ));
            out.messages.push(change(kind, texts));
            continue;
        }
        if ncount > ocount {
            let added = n.versions.get(ocount..).unwrap_or(&[]);
            let substantive = added.iter().any(|v| v.change == Some(Change::Substantive));
            let changed: Vec<String> = match (o.versions.last(), n.versions.last()) {
                (Some(ov), Some(nv)) => differing(&texts(old, ov), &texts(new, nv)),
                _ => Vec::new(),
            };
            if substantive {
                out.diagnostics.push(Diagnostic::warning(
                    Code::SubstantiveChange,
                    path.clone(),
                    format!(
                        "message `{id}` changes substantively (v{ocount} -> v{ncount}): customers pinned to v{ocount} or earlier will get a change notice",
                    ),
                    "make sure the `[handover].changed` notice and the new text explain what changed",
                ));
                out.messages
                    .push(change(MessageChangeKind::Substantive, changed));
            } else {
                out.messages
                    .push(change(MessageChangeKind::Editorial, changed));
            }
        }
    }
}

/// A version's texts in the default locale (the first declared): its own, and each channel's
/// variant by channel.
fn default_texts<'e>(engine: &'e Engine, v: &'e Version) -> (&'e str, BTreeMap<&'e str, &'e str>) {
    let first = LocaleIx::new(0);
    let base = v.texts.get(first.index()).map_or("", |t| t.source());
    let variants = v
        .variants
        .iter()
        .filter_map(|(c, list)| {
            let channel = engine.parts().channels.get(*c)?;
            Some((&**channel, list.get(first.index())?.source()))
        })
        .collect();
    (base, variants)
}

/// Whether a contact without a known locale hears other words from `o` (in the old policy)
/// than from `n` (in the new), in some version both have, on some channel.
fn default_text_differs(old: &Engine, o: &Message, new: &Engine, n: &Message) -> bool {
    o.versions.iter().zip(n.versions.iter()).any(|(ov, nv)| {
        let (ob, ovar) = default_texts(old, ov);
        let (nb, nvar) = default_texts(new, nv);
        ob != nb
            || ovar
                .keys()
                .chain(nvar.keys())
                .any(|c| ovar.get(c).unwrap_or(&ob) != nvar.get(c).unwrap_or(&nb))
    })
}

/// A changed default locale: every contact without a known locale hears it, so every message
/// whose text in it differs is heard in other words (linear in the messages' texts).
pub(super) fn default_locale(old: &Engine, new: &Engine, out: &mut PolicyDiff) {
    let (o, n) = (
        old.parts().locales.id(LocaleIx::new(0)),
        new.parts().locales.id(LocaleIx::new(0)),
    );
    if o == n {
        return;
    }
    let mut messages: Vec<String> = old
        .parts()
        .messages
        .items()
        .iter()
        .filter_map(|m| {
            let nm = new
                .parts()
                .messages
                .find(&m.id)
                .and_then(|i| new.parts().messages.get(i))?;
            default_text_differs(old, m, new, nm).then(|| m.id.to_string())
        })
        .collect();
    messages.sort_unstable();
    out.diagnostics.push(Diagnostic::warning(
        Code::DefaultLocaleChanged,
        DocPath::root().key("policy").key("locales"),
        format!(
            "the default locale changed from `{o}` to `{n}`: every contact without a locale, or with one the policy does not declare, now hears {} message(s) in other words",
            messages.len()
        ),
        format!(
            "make sure contacts without a known locale should hear `{n}`, or list `{o}` first in `locales` again"
        ),
    ));
    out.default_locale = Some(super::types::DefaultLocaleChange {
        old: o.to_owned(),
        new: n.to_owned(),
        messages,
    });
}
