//! The compiled engine's data: [`Engine`] and the keys it prepares ([`PreparedContact`],
//! [`ResponderKey`]), with the accessors other modules read the policy through. Imports the
//! parts and ids below it, never the decision procedures above it (`decide.rs`).

use std::time::Duration;

use crate::decision::record::Flags;
use crate::model::{Authority, Channel, Contact, Progress};

use super::hot;
use super::ids::{
    ChannelIx, DepartmentIx, FactValueIx, LocaleIx, MessageIx, RankIx, RoleIx, SystemIx, TopicIx,
};
use super::parts::{EngineParts, Handover};

/// A policy compiled for decisions: immutable, cheap to share behind an `Arc`, `Send + Sync`.
///
/// Built by [`Engine::compile`] from a [`crate::document::PolicyDocument`], or by
/// [`Engine::from_toml_str`] (and the JSON / YAML variants behind their features).
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Engine, Outcome, Progress, Responder};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let contact = Contact::new("c-1", Channel::Phone)
///     .with_topic("email.setup")
///     .with_locale("en");
/// // A person reached before the systems points the customer to them (R0.5).
/// let decision = engine.decide(&contact, &Responder::staff("support-agent"));
/// assert_eq!(decision.outcome(), Outcome::Redirect);
///
/// // Once both systems failed, the support agent answers.
/// let decision = engine.decide(
///     &contact.with_progress(Progress::Served),
///     &Responder::staff("support-agent"),
/// );
/// assert_eq!(decision.outcome(), Outcome::Answer);
/// assert!(decision.flags().system_gap);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Engine {
    /// The compiled policy, read-only.
    pub(super) parts: EngineParts,
    /// A fingerprint of the ids behind every dense index, so that keys prepared by another
    /// engine are recognized (`decide_prepared`).
    pub(super) stamp: u64,
    /// The decision path's own indexes, derived from the parts (`HotPath::new`).
    pub(super) hot: hot::HotPath,
}

/// A contact resolved against one engine: topic, channel, locale and facts as dense indices.
///
/// Made once by [`Engine::prepare`]; [`Engine::decide_prepared`] then costs a few array
/// lookups. Only valid for the engine that made it: after a policy reload, prepare again. Given
/// to another engine, it decides the fallback topic in the default locale, with the flags
/// `fallback_topic` and `stale_key` set, never a decision about whichever topic has the same
/// index there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedContact {
    /// The stamp of the engine that made it.
    pub(super) stamp: u64,
    pub(super) topic: TopicIx,
    pub(super) channel: ChannelIx,
    pub(super) locale: LocaleIx,
    pub(super) progress: Progress,
    pub(super) asks_for_superior: bool,
    pub(super) flags: Flags,
    /// The value index of each fact key the policy mentions, `NONE` when absent or unknown.
    pub(super) facts: Box<[FactValueIx]>,
}

/// A responder resolved against one engine, by [`Engine::responder_key`]. Given to another
/// engine (after a reload), it is an unknown responder, with the flag `stale_key` set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResponderKey {
    pub(super) ix: ResponderIx,
    /// The stamp of the engine that made it.
    pub(super) stamp: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ResponderIx {
    System(SystemIx),
    Staff(RoleIx),
    UnknownSystem,
    UnknownStaff,
}

/// Topic, channel, locale and progress of a contact, as indices.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resolved {
    pub(crate) topic: TopicIx,
    pub(crate) channel: ChannelIx,
    pub(crate) locale: LocaleIx,
    pub(crate) progress: Progress,
    pub(crate) asks_for_superior: bool,
    pub(crate) flags: Flags,
}

impl Engine {
    /// The engine of compiled `parts`, with the indexes derived from them.
    pub(crate) fn new(parts: EngineParts) -> Engine {
        let stamp = stamp_of(&parts);
        let hot = hot::HotPath::new(&parts);
        Engine { parts, stamp, hot }
    }

    /// The compiled policy, for the modules that read it (check, manual, diff, table…).
    #[inline]
    pub(crate) fn parts(&self) -> &EngineParts {
        &self.parts
    }

    /// The builder's settings, after compiling: the compile warnings (reported again by
    /// `check`), the triage text limit and the limits of `check`.
    pub(crate) fn configure(
        &mut self,
        warnings: Box<[crate::diagnostic::Diagnostic]>,
        max_triage_bytes: usize,
        space: crate::limits::SpaceLimits,
    ) {
        self.parts.warnings = warnings;
        self.parts.triage.set_max_text(max_triage_bytes);
        self.parts.space = space;
    }

    /// Rewrites the compile warnings (to locate them in the source text; TOML only).
    #[cfg(feature = "toml")]
    pub(crate) fn map_warnings(
        &mut self,
        f: impl FnOnce(Vec<crate::diagnostic::Diagnostic>) -> Vec<crate::diagnostic::Diagnostic>,
    ) {
        let warnings = std::mem::take(&mut self.parts.warnings).into_vec();
        self.parts.warnings = f(warnings).into();
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.parts.name
    }

    /// The policy's revision, carried by every decision.
    pub fn revision(&self) -> &str {
        &self.parts.revision
    }

    /// The declared locales; the first is the default.
    pub fn locales(&self) -> impl ExactSizeIterator<Item = &str> {
        self.parts.locales.items().iter().map(|l| &**l)
    }

    /// The topic ids, in document order.
    pub fn topics(&self) -> impl ExactSizeIterator<Item = &str> {
        self.parts.topics.items().iter().map(|t| &*t.id)
    }

    /// The role ids, in document order.
    pub fn roles(&self) -> impl ExactSizeIterator<Item = &str> {
        self.parts.roles.items().iter().map(|r| &*r.id)
    }

    /// The system ids, in document order.
    pub fn systems(&self) -> impl ExactSizeIterator<Item = &str> {
        self.parts.systems.items().iter().map(|s| &*s.id)
    }

    /// The department ids, in document order.
    pub fn departments(&self) -> impl ExactSizeIterator<Item = &str> {
        self.parts.departments.items().iter().map(|d| &*d.id)
    }

    /// The rank ids, lowest first.
    pub fn ranks(&self) -> impl ExactSizeIterator<Item = &str> {
        self.parts.ranks.items().iter().map(|r| &**r)
    }

    /// The fallback topic's id.
    pub fn fallback_topic(&self) -> &str {
        self.parts.topics.id(self.parts.fallback)
    }

    /// The review window above the top rank (R3.3).
    pub fn review_within(&self) -> Duration {
        self.parts.review_within
    }

    /// The locale index for a contact, and whether the default was used for a locale that is
    /// not declared. `es-AR` falls back to `es` before the default.
    pub(crate) fn locale_of(&self, contact: &Contact) -> (LocaleIx, bool) {
        self.locale_ix(contact.locale.as_deref())
    }

    /// [`Engine::locale_of`] for a locale name.
    pub(crate) fn locale_ix(&self, wanted: Option<&str>) -> (LocaleIx, bool) {
        let Some(wanted) = wanted else {
            return (LocaleIx::new(0), false);
        };
        // The declared locales packed into integers: one comparison each (`hot.rs`).
        if let Some(i) =
            hot::pack_locale(wanted).and_then(|w| self.hot.locales.iter().position(|&l| l == w))
        {
            return (LocaleIx::new(i), false);
        }
        let find = |l: &str| {
            self.parts
                .locales
                .iter()
                .find(|(_, d)| d.eq_ignore_ascii_case(l))
                .map(|(i, _)| i)
        };
        if let Some(i) = find(wanted) {
            return (i, false);
        }
        let language = wanted.split(['-', '_']).next().unwrap_or(wanted);
        match find(language) {
            Some(i) => (i, false),
            None => (LocaleIx::new(0), true),
        }
    }

    /// The index of a channel: standard ones by position, custom ones by name; `NONE` for a
    /// custom channel the policy does not name.
    pub(crate) fn channel_ix(&self, channel: &Channel) -> ChannelIx {
        match channel.standard_index() {
            Some(i) => ChannelIx::new(i),
            None => self
                .parts
                .channels
                .find(channel.as_str())
                .unwrap_or(ChannelIx::NONE),
        }
    }

    /// The rank a customer asking for a superior goes to: the next rank above `rank` with a
    /// role in `department` (any next rank for a responder of no known department); `NONE`
    /// means the review.
    pub(crate) fn superior_rank(&self, department: DepartmentIx, rank: RankIx) -> RankIx {
        if department.is_none() {
            let next = rank.above();
            return if self.parts.ranks.contains(next) {
                next
            } else {
                RankIx::NONE
            };
        }
        department
            .index()
            .checked_mul(self.parts.ranks.len())
            .and_then(|i| i.checked_add(rank.index()))
            .and_then(|i| self.parts.superior.get(i))
            .copied()
            .unwrap_or(RankIx::NONE)
    }

    /// The message of a handover text; `NONE` when the policy has none.
    pub(crate) fn handover_message(&self, h: Handover) -> MessageIx {
        self.parts
            .handover
            .get(h as usize)
            .copied()
            .unwrap_or(MessageIx::NONE)
    }

    /// The authority `role` is explicitly granted on `topic`.
    pub(crate) fn grant(&self, role: RoleIx, topic: TopicIx) -> Option<Authority> {
        let i = role
            .index()
            .checked_mul(self.parts.topics.len())?
            .checked_add(topic.index())?;
        match self.parts.grants.get(i)? {
            1 => Some(Authority::Own),
            2 => Some(Authority::Consensual),
            3 => Some(Authority::Authorized),
            _ => None,
        }
    }
}

/// A fingerprint of every id list behind the engine's dense indices (not the texts, nor the
/// revision): two engines with the same stamp resolve a prepared key to the same things.
fn stamp_of(parts: &EngineParts) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    parts.locales.items().hash(&mut h);
    parts.channels.items().hash(&mut h);
    for (_, t) in parts.topics.iter() {
        t.id.hash(&mut h);
    }
    for (_, r) in parts.roles.iter() {
        r.id.hash(&mut h);
    }
    for (_, s) in parts.systems.iter() {
        s.id.hash(&mut h);
    }
    parts.fact_keys.items().hash(&mut h);
    parts.fact_values.items().hash(&mut h);
    h.finish()
}
