//! Policy diff: what a new revision changes for customers — every circumstance whose outcome
//! or message changes, every message whose text changed — and whether the message history
//! was kept (the first message wins, R0.3).
//!
//! [`diff`] and [`PolicyDiff`] are also at the crate root; the changes it lists
//! ([`DecisionChange`], [`MessageChange`], [`MessageChangeKind`]) and [`diff_with`] (with
//! progress) live here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::check::{Classes, Conditions, TooLarge, TopicFacts};
use crate::decision::{Decision, DecisionBrief};
use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::document::Change;
use crate::engine::{Engine, LocaleIx, Message, RuleIx, Version};
use crate::model::{Channel, Contact, Progress, Responder};

/// What changed between two revisions of a policy, from [`diff`].
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let old = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let new = Engine::from_toml_str(&unified_message::EXAMPLE_POLICY.replace(
///     "Restauraremos nosotros la copia",
///     "Restauraremos la copia",
/// ))?;
/// let diff = unified_message::diff(&old, &new);
/// // The text changed without a new version: customers who heard the old words cannot be
/// // told apart from those who heard the new ones.
/// assert!(diff.diagnostics.iter().any(|d| d.code == "text-changed-without-version"));
/// assert!(!diff.is_clean());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PolicyDiff {
    /// The old policy's revision.
    pub old_revision: String,
    /// The new policy's revision.
    pub new_revision: String,
    /// Errors (a text changed without a new version, history rewritten) and warnings (a
    /// substantive change, a removed topic).
    pub diagnostics: Vec<Diagnostic>,
    /// Every message whose text changed, was added or removed, in id order.
    pub messages: Vec<MessageChange>,
    /// Topics only in the new policy.
    pub added_topics: Vec<String>,
    /// Topics only in the old policy: their contacts now get the fallback topic.
    pub removed_topics: Vec<String>,
    /// Every circumstance (of the topics and responders both policies have) whose outcome,
    /// message, system, department or rank changes; identical changes on several channels
    /// are one entry.
    pub decisions: Vec<DecisionChange>,
    /// How many circumstances were compared.
    pub circumstances: u64,
}

impl PolicyDiff {
    /// The errors: a CI fails on any.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// Whether there is no error.
    pub fn is_clean(&self) -> bool {
        self.errors().next().is_none()
    }

    /// Whether nothing customers hear changes.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
            && self.decisions.is_empty()
            && self.added_topics.is_empty()
            && self.removed_topics.is_empty()
    }
}

/// How a message changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageChangeKind {
    /// The message is new.
    Added,
    /// The message was removed.
    Removed,
    /// New versions, all editorial: pinned customers keep hearing their version's words.
    Editorial,
    /// A new substantive version: customers pinned to an older one get a change notice.
    Substantive,
    /// The text changed without a new version (an error).
    Unversioned,
    /// An existing version's text was edited (an error: add a version instead).
    HistoryRewritten,
    /// Versions were removed (an error: pins may name them).
    VersionsRemoved,
    /// A handover text was reworded (handover texts have no versions).
    Handover,
}

impl MessageChangeKind {
    /// The kind in words, for people.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageChangeKind::Added => "added",
            MessageChangeKind::Removed => "removed",
            MessageChangeKind::Editorial => "editorial",
            MessageChangeKind::Substantive => "substantive",
            MessageChangeKind::Unversioned => "text changed without a new version",
            MessageChangeKind::HistoryRewritten => "history rewritten",
            MessageChangeKind::VersionsRemoved => "versions removed",
            MessageChangeKind::Handover => "handover text reworded",
        }
    }
}

impl fmt::Display for MessageChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message whose text changed, in a [`PolicyDiff`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageChange {
    /// The message id (`handover.<outcome>` for handover texts).
    pub id: String,
    /// How it changed.
    pub kind: MessageChangeKind,
    /// The current version in the old policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_version: Option<u32>,
    /// The current version in the new policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version: Option<u32>,
    /// The texts that differ, as `locale` or `channel/locale`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<String>,
}

/// A circumstance whose decision changes, in a [`PolicyDiff`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecisionChange {
    /// The contact (on the first of `channels`).
    pub contact: Contact,
    /// Who answers.
    pub responder: Responder,
    /// Every channel on which the change is the same.
    pub channels: Vec<Channel>,
    /// The old decision, in brief.
    pub before: DecisionBrief,
    /// The new decision, in brief.
    pub after: DecisionBrief,
}

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
            write!(
                f,
                "topic `{}`, progress `{}`",
                c.contact.topic.as_deref().unwrap_or(""),
                c.contact.progress
            )?;
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

/// Compares two revisions of a policy: every circumstance (the space of
/// [`Engine::circumstances`], over the topics and responders both policies have, the
/// channels and rule facts of either) whose outcome or message changes, and every message
/// whose text changed. A text changed without a new version is a
/// `text-changed-without-version` error, and so is a changed policy that kept its `revision`
/// label (`revision-unchanged`); a new substantive version is a `substantive-change` warning
/// (customers pinned to the old one get a change notice); editorial versions are listed.
///
/// # Examples
///
/// ```
/// use unified_message::{diff, Engine, Outcome};
///
/// let old = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// // Billing agents may now grant every refund themselves, from the next revision.
/// let new = Engine::from_toml_str(
///     &unified_message::EXAMPLE_POLICY
///         .replace(
///             r#"authority = { "billing.invoice" = "own", "general" = "own" }"#,
///             r#"authority = { "billing.*" = "own", "general" = "own" }"#,
///         )
///         .replace(r#"revision = "2026-11-27""#, r#"revision = "2026-11-28""#),
/// )?;
/// let d = diff(&old, &new);
/// assert!(d.is_clean());
/// let change = d.decisions.iter().find(|c| c.contact.topic.as_deref() == Some("billing.refund")).unwrap();
/// assert_eq!(change.before.outcome, Outcome::Authorize);
/// assert_eq!(change.after.outcome, Outcome::Answer);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff(old: &Engine, new: &Engine) -> PolicyDiff {
    diff_with(old, new, &mut |_| {})
}

/// [`diff`], telling `progress` how far it has got (topics of the old policy compared of
/// all), for a host that shows progress on a large policy.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let mut last = None;
/// let changes = unified_message::diff_with(&engine, &engine, &mut |p| last = Some((p.done, p.total)));
/// assert!(changes.is_clean());
/// let topics = engine.topics().count() as u64;
/// assert_eq!(last, Some((topics, topics)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff_with(
    old: &Engine,
    new: &Engine,
    progress: &mut dyn FnMut(crate::WorkProgress),
) -> PolicyDiff {
    let mut out = PolicyDiff {
        old_revision: old.revision().to_owned(),
        new_revision: new.revision().to_owned(),
        ..PolicyDiff::default()
    };
    topics(old, new, &mut out);
    messages(old, new, &mut out);
    decisions(old, new, &mut out, progress);
    crate::progress::report(progress, old.parts().topics.len(), old.parts().topics.len());
    if !out.is_empty() && old.revision() == new.revision() {
        out.diagnostics.push(Diagnostic::error(
            Code::RevisionUnchanged,
            DocPath::root().key("policy").key("revision"),
            format!(
                "both policies are revision `{}`, but what customers hear differs: decisions and pins name the revision, so records of the two could not be told apart",
                new.revision()
            ),
            "give the new policy its own `revision`, e.g. the date of the change",
        ));
    }
    out
}

fn topics(old: &Engine, new: &Engine, out: &mut PolicyDiff) {
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

fn messages(old: &Engine, new: &Engine, out: &mut PolicyDiff) {
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
            (Some(_), None) => {
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

/// The facts both policies' rules test for one topic, by name, and the classes of their
/// values that no rule of either policy tells apart.
struct UnionSpace {
    /// Keys in name order (the first varying fastest), each with its values in order of first
    /// mention (the old policy's first).
    keys: Vec<(String, Vec<String>)>,
    classes: Classes,
}

impl UnionSpace {
    fn new(
        old: &Engine,
        new: &Engine,
        topic: &str,
        max_classes: u64,
        max_work: u64,
    ) -> Result<UnionSpace, TooLarge> {
        // Hashed: linear in the rules' conditions.
        let mut named: BTreeMap<&str, (Vec<&str>, HashMap<&str, u32>)> = BTreeMap::new();
        let engines = [old, new];
        for e in engines {
            let Some(t) = e.parts().topics.find(topic) else {
                continue;
            };
            for (k, values) in TopicFacts::new(e, t).keys() {
                let (list, digit) = named
                    .entry(e.parts().fact_keys.get(*k).map_or("", |k| k))
                    .or_default();
                for v in values {
                    let v = e.parts().fact_values.get(*v).map_or("", |v| v);
                    if !digit.contains_key(v) {
                        list.push(v);
                        digit.insert(v, list.len() as u32);
                    }
                }
            }
        }
        let local: HashMap<&str, usize> = named.keys().enumerate().map(|(i, k)| (*k, i)).collect();
        let maps: Vec<&HashMap<&str, u32>> = named.values().map(|(_, m)| m).collect();
        let mut conditions = Conditions {
            values: named.values().map(|(l, _)| l.len() as u32).collect(),
            rules: Vec::new(),
            dominance: Vec::new(),
        };
        for (which, e) in engines.into_iter().enumerate() {
            let Some(t) = e.parts().topics.find(topic) else {
                continue;
            };
            // Rules dominate only rules of their own policy.
            let (keep, dominance) = crate::check::dominance(e, t, conditions.rules.len() as u32);
            conditions.dominance.extend(dominance);
            for (&r, keep) in e
                .rules_for(t)
                .iter()
                .filter(|&&r| e.parts().rules.get(r).is_some_and(|x| !x.facts.is_empty()))
                .zip(keep)
            {
                let Some(rule) = e.parts().rules.get(r) else {
                    continue;
                };
                if !keep {
                    continue;
                }
                let conds = rule
                    .facts
                    .iter()
                    .filter_map(|(k, values)| {
                        let l = *local.get(e.parts().fact_keys.get(*k).map_or("", |k| &**k))?;
                        let map = maps.get(l)?;
                        let mut ds: Vec<u32> = values
                            .iter()
                            .filter_map(|v| {
                                map.get(e.parts().fact_values.get(*v).map_or("", |v| &**v))
                            })
                            .copied()
                            .collect();
                        ds.sort_unstable();
                        ds.dedup();
                        Some((l as u32, ds))
                    })
                    .collect();
                conditions.rules.push((2 * r.index() + which, conds));
            }
        }
        let exhaustive = old.parts().space.exhaustive || new.parts().space.exhaustive;
        let classes = Classes::new(&conditions, max_classes, max_work, exhaustive)?;
        Ok(UnionSpace {
            keys: named
                .into_iter()
                .map(|(k, (l, _))| (k.to_owned(), l.into_iter().map(str::to_owned).collect()))
                .collect(),
            classes,
        })
    }

    /// Sets the facts of an assignment (a digit per key) on `contact`.
    fn set(&self, digits: &[u32], contact: &mut Contact) {
        contact.facts.clear();
        for ((k, values), d) in self.keys.iter().zip(digits) {
            if let Some(v) = d.checked_sub(1).and_then(|i| values.get(i as usize)) {
                contact.facts.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The `space-too-large` error of a topic of the diff.
fn too_large(old: &Engine, new: &Engine, topic: &str, e: TooLarge, limit: u64) -> Diagnostic {
    let (engine, which) = if e.rule % 2 == 0 {
        (old, "old")
    } else {
        (new, "new")
    };
    let rule = engine
        .parts()
        .rules
        .get(RuleIx::new(e.rule / 2))
        .map_or("", |r| &*r.id);
    let why = if e.needed == 0 {
        format!("telling its fact values apart takes more than {limit} steps")
    } else {
        format!(
            "it needs at least {} classes of fact values, more circumstances than the limit of {limit}",
            e.needed
        )
    };
    Diagnostic::error(
        Code::SpaceTooLarge,
        DocPath::root().key("topics").key(topic),
        format!(
            "topic `{}` is left out of the diff: {why}; its facts are tested by rule `{}` of the {which} policy and the other rules of the topic",
            cut(topic),
            cut(rule),
        ),
        "each rule with its own fact conditions can double its topics' circumstances: test these facts in fewer rules, with fewer distinct values, or raise the limit (`EngineBuilder::max_circumstances`)",
    )
}

/// An id quoted in a message, cut to 80 characters.
fn cut(id: &str) -> String {
    match id.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", id.get(..end).unwrap_or("")),
        None => id.to_owned(),
    }
}

fn decisions(
    old: &Engine,
    new: &Engine,
    out: &mut PolicyDiff,
    progress: &mut dyn FnMut(crate::WorkProgress),
) {
    // Hashed: linear in the channels.
    let mut channels: Vec<&str> = old.parts().channels.items().iter().map(|c| &**c).collect();
    let mut seen: HashSet<&str> = channels.iter().copied().collect();
    for c in new.parts().channels.items().iter() {
        if seen.insert(c) {
            channels.push(c);
        }
    }
    let responders: Vec<Responder> = old
        .systems()
        .filter(|s| new.parts().systems.find(s).is_some())
        .map(Responder::system)
        .chain(
            old.roles()
                .filter(|r| new.parts().roles.find(r).is_some())
                .map(Responder::staff),
        )
        .collect();
    let keys: Vec<_> = responders
        .iter()
        .map(|r| (old.responder_key(r), new.responder_key(r)))
        .collect();
    let budget = old
        .parts()
        .space
        .max_circumstances
        .min(new.parts().space.max_circumstances);
    let max_entries = old.parts().space.max_rows.min(new.parts().space.max_rows);
    let per_class = (Progress::ALL.len() as u64 * 2)
        .saturating_mul(channels.len() as u64)
        .saturating_mul(responders.len() as u64)
        .max(1);
    let mut left = budget;
    let mut entries: u64 = 0;
    let mut current: Vec<Option<usize>> = vec![None; responders.len()];
    for (done, topic) in old.topics().enumerate() {
        crate::progress::report(progress, done, old.parts().topics.len());
        if new.parts().topics.find(topic).is_none() {
            continue;
        }
        let space = match UnionSpace::new(old, new, topic, left / per_class, left) {
            Ok(space) => space,
            Err(e) => {
                out.diagnostics.push(too_large(old, new, topic, e, budget));
                continue;
            }
        };
        let classes = &space.classes;
        left = left
            .saturating_sub(classes.work())
            .saturating_sub((classes.len() as u64).saturating_mul(per_class));
        // The changes of each class's first member, then of every member.
        let mut changed: Vec<(usize, Vec<DecisionChange>)> = Vec::new();
        let mut contact = Contact::new(crate::check::ANY_CUSTOMER, Channel::Phone)
            .with_topic(topic)
            .with_locale(old.parts().locales.id(LocaleIx::new(0)));
        for class in 0..classes.len() {
            let weight = classes.count(class);
            space.set(classes.rep(class), &mut contact);
            let mut found: Vec<DecisionChange> = Vec::new();
            for progress in Progress::ALL {
                for asks in [false, true] {
                    contact.progress = progress;
                    contact.asks_for_superior = asks;
                    current.fill(None);
                    for channel in &channels {
                        contact.channel = Channel::from(*channel);
                        let (po, pn) = (old.prepare(&contact), new.prepare(&contact));
                        for (i, (ko, kn)) in keys.iter().enumerate() {
                            let a = old.decide_prepared(&po, *ko);
                            let b = new.decide_prepared(&pn, *kn);
                            out.circumstances = out.circumstances.saturating_add(weight);
                            if same(&a, &b) {
                                continue;
                            }
                            let (before, after) =
                                (DecisionBrief::from(&a), DecisionBrief::from(&b));
                            let slot = current.get_mut(i);
                            let existing = slot
                                .as_ref()
                                .and_then(|s| **s)
                                .and_then(|j| found.get_mut(j))
                                .filter(|c| c.before == before && c.after == after);
                            match existing {
                                Some(c) => c.channels.push(contact.channel.clone()),
                                None => {
                                    if let Some(slot) = slot {
                                        *slot = Some(found.len());
                                    }
                                    found.push(DecisionChange {
                                        contact: contact.clone(),
                                        responder: responders
                                            .get(i)
                                            .cloned()
                                            .unwrap_or_else(|| Responder::staff("")),
                                        channels: vec![contact.channel.clone()],
                                        before,
                                        after,
                                    });
                                }
                            }
                        }
                    }
                }
            }
            if !found.is_empty() {
                changed.push((class, found));
            }
        }
        // Each entry counts its columns and the facts it may name.
        let cells = crate::check::ROW_CELLS + space.keys.len() as u64;
        let listed = changed.iter().fold(0u64, |n, (class, found)| {
            let each = (found.len() as u64).saturating_mul(cells);
            n.saturating_add(each.saturating_mul(classes.count(*class)))
        });
        if entries.saturating_add(listed) > max_entries {
            // Each class's first member only: still every kind of change, not every one.
            out.diagnostics.push(Diagnostic::error(
                Code::DiffTooLarge,
                DocPath::root().key("topics").key(topic),
                format!(
                    "the decision changes of topic `{}` would take up to {listed} cells ({} columns and the facts of each entry), past the limit of {max_entries} (`max_table_size`): only the first combination of fact values of each kind of change is listed",
                    cut(topic),
                    crate::check::ROW_CELLS,
                ),
                "name fewer fact values in the topic's rules, or raise the limit (`EngineBuilder::max_table_size`)",
            ));
            for (_, found) in changed {
                entries = entries.saturating_add((found.len() as u64).saturating_mul(cells));
                out.decisions.extend(found);
            }
            continue;
        }
        entries = entries.saturating_add(listed);
        let mut members: Vec<(Vec<u32>, usize)> = Vec::new();
        for (ci, (class, _)) in changed.iter().enumerate() {
            classes.for_each_member(*class, |m| members.push((m.to_vec(), ci)));
        }
        members.sort_by(|a, b| a.0.iter().rev().cmp(b.0.iter().rev()));
        for (digits, ci) in members {
            let Some((_, found)) = changed.get(ci) else {
                continue;
            };
            space.set(&digits, &mut contact);
            for change in found {
                let mut change = change.clone();
                change.contact.facts.clone_from(&contact.facts);
                out.decisions.push(change);
            }
        }
    }
}

/// Whether two decisions say the same: outcome, message and what they point to.
fn same(a: &Decision<'_>, b: &Decision<'_>) -> bool {
    a.outcome() == b.outcome()
        && a.message_id() == b.message_id()
        && a.system().map(|s| s.id) == b.system().map(|s| s.id)
        && a.department() == b.department()
        && a.rank() == b.rank()
}
