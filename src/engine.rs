//! The compiled engine: ids interned to dense indices, rules indexed by topic, messages
//! pre-split into templates. Immutable and `Send + Sync`; `decide` is a few array lookups.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::time::Duration;

use crate::decision::{Decision, Flags};
use crate::document::Change;
use crate::model::{Authority, Channel, Contact, Facts, Progress, Responder, Tier};
use crate::template::Template;

use crate::explain::{Explanation, Step};
pub(crate) use crate::explain::{NoTrace, Trace};

pub(crate) type Ix = u32;
pub(crate) const NONE: Ix = Ix::MAX;

/// Handover texts, by position in `Engine::handover`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handover {
    Explains = 0,
    Serves = 1,
    Route = 2,
    Authorize = 3,
    Escalate = 4,
    Review = 5,
    Changed = 6,
}

impl Handover {
    pub(crate) const ALL: [Handover; 7] = [
        Handover::Explains,
        Handover::Serves,
        Handover::Route,
        Handover::Authorize,
        Handover::Escalate,
        Handover::Review,
        Handover::Changed,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Handover::Explains => "explains",
            Handover::Serves => "serves",
            Handover::Route => "route",
            Handover::Authorize => "authorize",
            Handover::Escalate => "escalate",
            Handover::Review => "review",
            Handover::Changed => "changed",
        }
    }

    pub(crate) fn for_tier(tier: Tier) -> Handover {
        match tier {
            Tier::Explains => Handover::Explains,
            _ => Handover::Serves,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Department {
    pub(crate) id: Box<str>,
    pub(crate) name: Box<str>,
}

#[derive(Debug)]
pub(crate) struct System {
    pub(crate) id: Box<str>,
    pub(crate) tier: Tier,
    pub(crate) name: Box<str>,
    /// `(channel index, where)`, in document order; the first serves other channels.
    pub(crate) wheres: Box<[(Ix, Box<str>)]>,
}

impl System {
    pub(crate) fn where_for(&self, channel: Ix) -> &str {
        self.wheres
            .iter()
            .find(|(c, _)| *c == channel)
            .or_else(|| self.wheres.first())
            .map_or("", |(_, w)| w)
    }
}

/// A topic's system tier: the system and its message.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TierRef {
    pub(crate) system: Ix,
    pub(crate) message: Ix,
}

#[derive(Debug)]
pub(crate) struct Topic {
    pub(crate) id: Box<str>,
    pub(crate) owner: Ix,
    pub(crate) explains: Option<TierRef>,
    pub(crate) serves: Option<TierRef>,
    pub(crate) answer: Ix,
    pub(crate) authority: Authority,
    /// The approver rank for `authorized`; `NONE`: the rank above the responder.
    pub(crate) approver: Ix,
    pub(crate) severity: f64,
}

impl Topic {
    /// The topic's system tiers, in ladder order.
    pub(crate) fn tiers(&self) -> impl Iterator<Item = (Tier, TierRef)> + '_ {
        [(Tier::Explains, self.explains), (Tier::Serves, self.serves)]
            .into_iter()
            .filter_map(|(t, r)| r.map(|r| (t, r)))
    }
}

#[derive(Debug)]
pub(crate) struct Version {
    pub(crate) change: Option<Change>,
    /// One text per declared locale.
    pub(crate) texts: Box<[Template]>,
    /// `(channel index, one text per locale)`.
    pub(crate) variants: Box<[(Ix, Box<[Template]>)]>,
}

impl Version {
    pub(crate) fn text(&self, locale: usize, channel: Ix) -> Option<&Template> {
        self.variants
            .iter()
            .find(|(c, _)| *c == channel)
            .and_then(|(_, texts)| texts.get(locale))
            .or_else(|| self.texts.get(locale))
    }
}

#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) id: Box<str>,
    /// Oldest first; never empty.
    pub(crate) versions: Box<[Version]>,
    /// Written as `[[messages.ID.versions]]` (not a single `text`): for document paths.
    pub(crate) versioned: bool,
}

impl Message {
    /// The current version's number, from 1.
    pub(crate) fn current(&self) -> u32 {
        self.versions.len() as u32
    }

    pub(crate) fn version(&self, number: u32) -> Option<&Version> {
        self.versions.get((number as usize).checked_sub(1)?)
    }
}

#[derive(Debug)]
pub(crate) struct Role {
    pub(crate) id: Box<str>,
    pub(crate) department: Ix,
    pub(crate) rank: Ix,
    /// Grants as written: `(pattern, authority)`.
    pub(crate) grants: Box<[(Box<str>, Authority)]>,
}

/// A compiled rule. `None` lists match everything.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) id: Box<str>,
    pub(crate) why: Option<Box<str>>,
    pub(crate) topics: Option<Box<[Box<str>]>>,
    pub(crate) channels: Option<Box<[Ix]>>,
    pub(crate) departments: Option<Box<[Ix]>>,
    pub(crate) roles: Option<Box<[Ix]>>,
    pub(crate) ranks: Option<Box<[Ix]>>,
    /// Bit `p` set: progress `p` matches.
    pub(crate) progress: u8,
    /// `(fact key index, allowed value indices)`.
    pub(crate) facts: Box<[(Ix, Box<[Ix]>)]>,
    pub(crate) answer: Option<Ix>,
    pub(crate) skip_ladder: bool,
    pub(crate) authority: Option<Authority>,
    pub(crate) route: Option<Ix>,
}

impl Rule {
    /// Whether the rule can only match staff responders.
    pub(crate) fn staff_only(&self) -> bool {
        self.departments.is_some() || self.roles.is_some() || self.ranks.is_some()
    }
}

#[derive(Debug)]
pub(crate) struct Forbidden {
    pub(crate) regex: regex::Regex,
    pub(crate) why: Box<str>,
}

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
    pub(crate) name: Box<str>,
    pub(crate) revision: Box<str>,
    pub(crate) locales: Box<[Box<str>]>,
    /// Standard channels first (in `Channel::STANDARD` order), then custom names.
    pub(crate) channels: Box<[Box<str>]>,
    pub(crate) departments: Box<[Department]>,
    pub(crate) department_index: HashMap<Box<str>, Ix>,
    pub(crate) systems: Box<[System]>,
    pub(crate) system_index: HashMap<Box<str>, Ix>,
    pub(crate) topics: Box<[Topic]>,
    pub(crate) topic_index: HashMap<Box<str>, Ix>,
    pub(crate) messages: Box<[Message]>,
    pub(crate) message_index: HashMap<Box<str>, Ix>,
    pub(crate) roles: Box<[Role]>,
    pub(crate) role_index: HashMap<Box<str>, Ix>,
    /// `grants[role * topics + topic]`: 0 none, else `Authority as u8 + 1`.
    pub(crate) grants: Box<[u8]>,
    /// `superior[department * ranks + rank]`: the next rank above `rank` that has a role in
    /// the department, `NONE` when there is none (then the review, R3.3).
    pub(crate) superior: Box<[Ix]>,
    pub(crate) ranks: Box<[Box<str>]>,
    pub(crate) review_within: Duration,
    pub(crate) review_within_text: Box<str>,
    /// Message indices of the handover texts, by `Handover`; `NONE` when absent.
    pub(crate) handover: [Ix; 7],
    pub(crate) rules: Box<[Rule]>,
    /// Rules that can apply to topic `t`: `topic_rules[topic_rule_start[t]..topic_rule_start[t+1]]`.
    pub(crate) topic_rule_start: Box<[Ix]>,
    pub(crate) topic_rules: Box<[Ix]>,
    pub(crate) fact_keys: Box<[Box<str>]>,
    pub(crate) fact_values: Box<[Box<str>]>,
    pub(crate) fact_value_index: HashMap<Box<str>, Ix>,
    pub(crate) forbidden: Box<[Forbidden]>,
    pub(crate) fallback: Ix,
    pub(crate) triage: crate::triage::Triage,
    pub(crate) urgency: crate::urgency::Weights,
    /// The warnings of the compile step, reported again by `check`.
    pub(crate) warnings: Box<[crate::diagnostic::Diagnostic]>,
    /// The limits of `check`, `diff` and the decision table (`EngineBuilder`).
    pub(crate) space: crate::check::SpaceLimits,
    /// A fingerprint of the ids behind every dense index, so that keys prepared by another
    /// engine are recognized (`decide_prepared`).
    pub(crate) stamp: u64,
    /// The decision path's own indexes, derived from the fields above (`HotPath::new`).
    pub(crate) hot: crate::hot::HotPath,
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
    pub(crate) stamp: u64,
    pub(crate) topic: Ix,
    pub(crate) channel: Ix,
    pub(crate) locale: Ix,
    pub(crate) progress: Progress,
    pub(crate) asks_for_superior: bool,
    pub(crate) flags: Flags,
    /// The value index of each fact key the policy mentions, `NONE` when absent or unknown.
    pub(crate) facts: Box<[Ix]>,
}

/// A responder resolved against one engine, by [`Engine::responder_key`]. Given to another
/// engine (after a reload), it is an unknown responder, with the flag `stale_key` set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResponderKey {
    pub(crate) ix: ResponderIx,
    /// The stamp of the engine that made it.
    pub(crate) stamp: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ResponderIx {
    System(Ix),
    Staff(Ix),
    UnknownSystem,
    UnknownStaff,
}

/// Topic, channel, locale and progress of a contact, as indices.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resolved {
    pub(crate) topic: Ix,
    pub(crate) channel: Ix,
    pub(crate) locale: Ix,
    pub(crate) progress: Progress,
    pub(crate) asks_for_superior: bool,
    pub(crate) flags: Flags,
}

/// Where rule conditions read facts from.
pub(crate) trait FactSource {
    fn has(&self, engine: &Engine, key: Ix, values: &[Ix]) -> bool;

    /// Whether fact `key` has exactly `value` (a rule guard's test).
    fn is(&self, engine: &Engine, key: Ix, value: Ix) -> bool {
        self.has(engine, key, std::slice::from_ref(&value))
    }
}

impl FactSource for Facts {
    fn has(&self, engine: &Engine, key: Ix, values: &[Ix]) -> bool {
        let Some(name) = engine.fact_keys.get(key as usize) else {
            return false;
        };
        let Some(value) = self.get(&**name) else {
            return false;
        };
        values.iter().any(|&v| {
            engine
                .fact_values
                .get(v as usize)
                .is_some_and(|s| crate::hot::same_bytes(s.as_bytes(), value.as_bytes()))
        })
    }
}

impl FactSource for [Ix] {
    fn has(&self, _: &Engine, key: Ix, values: &[Ix]) -> bool {
        self.get(key as usize)
            .is_some_and(|v| *v != NONE && values.contains(v))
    }

    #[inline]
    fn is(&self, _: &Engine, key: Ix, value: Ix) -> bool {
        value != NONE && self.get(key as usize) == Some(&value)
    }
}

/// The effects of the rules that match a circumstance, each from the first rule that has it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RuleEffects {
    pub(crate) answer: Option<(Ix, Ix)>,
    pub(crate) skip_ladder: Option<Ix>,
    pub(crate) authority: Option<(Authority, Ix)>,
    pub(crate) route: Option<(Ix, Ix)>,
}

impl Engine {
    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The policy's revision, carried by every decision.
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// The declared locales; the first is the default.
    pub fn locales(&self) -> impl ExactSizeIterator<Item = &str> {
        self.locales.iter().map(|l| &**l)
    }

    /// The topic ids, in document order.
    pub fn topics(&self) -> impl ExactSizeIterator<Item = &str> {
        self.topics.iter().map(|t| &*t.id)
    }

    /// The role ids, in document order.
    pub fn roles(&self) -> impl ExactSizeIterator<Item = &str> {
        self.roles.iter().map(|r| &*r.id)
    }

    /// The system ids, in document order.
    pub fn systems(&self) -> impl ExactSizeIterator<Item = &str> {
        self.systems.iter().map(|s| &*s.id)
    }

    /// The department ids, in document order.
    pub fn departments(&self) -> impl ExactSizeIterator<Item = &str> {
        self.departments.iter().map(|d| &*d.id)
    }

    /// The rank ids, lowest first.
    pub fn ranks(&self) -> impl ExactSizeIterator<Item = &str> {
        self.ranks.iter().map(|r| &**r)
    }

    /// The fallback topic's id.
    pub fn fallback_topic(&self) -> &str {
        self.topics
            .get(self.fallback as usize)
            .map_or("", |t| &t.id)
    }

    /// The review window above the top rank (R3.3).
    pub fn review_within(&self) -> Duration {
        self.review_within
    }

    /// The canonical response for `contact` answered by `responder`. Never fails: unknown
    /// topics, roles, systems and locales resolve as described in the guide (`docs/decisions.md`), and the
    /// decision's [`Flags`] say so.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Engine, Outcome, Responder};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let contact = Contact::new("c-1", Channel::Web).with_topic("domain.delegation");
    /// let by_web = engine.decide(&contact, &Responder::system("self-diagnosis"));
    /// let by_ivr = engine.decide(&contact.clone().with_channel(Channel::Phone), &Responder::system("ivr"));
    /// // Every explaining system gives the same message (R0.1).
    /// assert_eq!(by_web.message_id(), by_ivr.message_id());
    /// assert_eq!(by_web.outcome(), Outcome::Answer);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide(&self, contact: &Contact, responder: &Responder) -> Decision<'_> {
        let resolved = self.resolve(contact);
        let responder = self.responder_key(responder);
        self.run(&resolved, &contact.facts, responder.ix, &mut NoTrace)
    }

    /// [`Engine::decide`] on a contact and responder resolved in advance: no hashing, no
    /// allocation, a few array lookups.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Engine, Responder};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let contact = Contact::new("c-1", Channel::Chat).with_topic("billing.invoice");
    /// let prepared = engine.prepare(&contact);
    /// let agent = engine.responder_key(&Responder::staff("billing-agent"));
    /// assert_eq!(
    ///     engine.decide_prepared(&prepared, agent),
    ///     engine.decide(&contact, &Responder::staff("billing-agent")),
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_prepared(
        &self,
        contact: &PreparedContact,
        responder: ResponderKey,
    ) -> Decision<'_> {
        // Keys prepared by another engine (a policy reload) hold indices that may mean other
        // topics here: the contact gets the fallback topic and the responder is unknown, and
        // the flags say so, rather than a confident decision about the wrong topic.
        if contact.stamp != self.stamp {
            let mut flags = contact.flags;
            flags.fallback_topic = true;
            flags.stale_key = true;
            let resolved = Resolved {
                topic: self.fallback,
                channel: if (contact.channel as usize) < Channel::STANDARD.len() {
                    contact.channel
                } else {
                    NONE
                },
                locale: 0,
                progress: contact.progress,
                asks_for_superior: contact.asks_for_superior,
                flags,
            };
            let responder = self.checked_responder(responder);
            return self.run(&resolved, &[][..], responder, &mut NoTrace);
        }
        let resolved = Resolved {
            topic: if (contact.topic as usize) < self.topics.len() {
                contact.topic
            } else {
                self.fallback
            },
            channel: contact.channel,
            locale: if (contact.locale as usize) < self.locales.len() {
                contact.locale
            } else {
                0
            },
            progress: contact.progress,
            asks_for_superior: contact.asks_for_superior,
            flags: contact.flags,
        };
        let mut d = self.run(
            &resolved,
            &*contact.facts,
            self.checked_responder(responder),
            &mut NoTrace,
        );
        if responder.stamp != self.stamp {
            d.flags.stale_key = true;
        }
        d
    }

    /// The responder of a key, or an unknown one of the same kind when the key was made by
    /// another engine.
    fn checked_responder(&self, key: ResponderKey) -> ResponderIx {
        if key.stamp == self.stamp {
            return key.ix;
        }
        match key.ix {
            ResponderIx::System(_) | ResponderIx::UnknownSystem => ResponderIx::UnknownSystem,
            ResponderIx::Staff(_) | ResponderIx::UnknownStaff => ResponderIx::UnknownStaff,
        }
    }

    /// Resolves `contact` once, for repeated [`Engine::decide_prepared`] calls.
    pub fn prepare(&self, contact: &Contact) -> PreparedContact {
        let r = self.resolve(contact);
        let facts = self
            .fact_keys
            .iter()
            .map(|k| {
                contact
                    .facts
                    .get(&**k)
                    .and_then(|v| self.fact_value_index.get(v.as_str()).copied())
                    .unwrap_or(NONE)
            })
            .collect();
        PreparedContact {
            stamp: self.stamp,
            topic: r.topic,
            channel: r.channel,
            locale: r.locale,
            progress: r.progress,
            asks_for_superior: r.asks_for_superior,
            flags: r.flags,
            facts,
        }
    }

    /// Resolves a responder once, for repeated [`Engine::decide_prepared`] calls.
    pub fn responder_key(&self, responder: &Responder) -> ResponderKey {
        let ix = match responder {
            Responder::System(id) => self
                .hot
                .systems
                .get(id, |i| self.systems.get(i as usize).map(|s| &*s.id))
                .map_or(ResponderIx::UnknownSystem, ResponderIx::System),
            Responder::Staff(id) => self
                .hot
                .roles
                .get(id, |i| self.roles.get(i as usize).map(|r| &*r.id))
                .map_or(ResponderIx::UnknownStaff, ResponderIx::Staff),
        };
        ResponderKey {
            ix,
            stamp: self.stamp,
        }
    }

    /// The steps behind [`Engine::decide`]'s decision, in words: the topic, the rules that
    /// matched, why a redirect, which authority grant applied.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Engine, Progress, Responder};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let contact = Contact::new("c-1", Channel::Phone)
    ///     .with_topic("domain.delegation")
    ///     .with_progress(Progress::Served);
    /// let explanation = engine.explain(&contact, &Responder::staff("sales-agent"));
    /// assert!(explanation.to_string().contains("consensual"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain(&self, contact: &Contact, responder: &Responder) -> Explanation<'_> {
        let mut steps = Vec::new();
        let resolved = self.resolve_traced(contact, &mut steps);
        let key = self.responder_key(responder);
        let decision = self.run(&resolved, &contact.facts, key.ix, &mut steps);
        Explanation::new(decision, steps)
    }

    pub(crate) fn resolve(&self, contact: &Contact) -> Resolved {
        self.resolve_traced(contact, &mut NoTrace)
    }

    fn resolve_traced<'e>(&'e self, contact: &Contact, trace: &mut impl Trace<'e>) -> Resolved {
        let mut flags = Flags::default();
        let topic = match (&contact.topic, &contact.text) {
            (Some(topic), _) => match self
                .hot
                .topics
                .get(topic, |i| self.topics.get(i as usize).map(|t| &*t.id))
            {
                Some(t) => {
                    trace.step(|| Step::Topic {
                        topic: self.topic_id(t),
                    });
                    t
                }
                None => {
                    flags.fallback_topic = true;
                    trace.step(|| Step::UnknownTopic {
                        named: topic.clone(),
                        fallback: self.fallback_topic(),
                    });
                    self.fallback
                }
            },
            (None, Some(text)) => {
                let crate::triage::Best {
                    topic: t,
                    confidence,
                    tied,
                } = self.triage.best(text, self.locale_of(contact).0);
                // A tie is decided as the topic mentioned first, and flagged (Engine::triage).
                flags.ambiguous_topic = tied > 1;
                match t {
                    Some(t) => {
                        trace.step(|| Step::Triaged {
                            topic: self.topic_id(t),
                            confidence,
                            tied,
                        });
                        t
                    }
                    None => {
                        flags.fallback_topic = true;
                        trace.step(|| Step::Untriaged {
                            confidence,
                            threshold: self.triage_threshold(),
                            tied,
                            fallback: self.fallback_topic(),
                        });
                        self.fallback
                    }
                }
            }
            (None, None) => {
                flags.fallback_topic = true;
                trace.step(|| Step::NoTopic {
                    fallback: self.fallback_topic(),
                });
                self.fallback
            }
        };
        let (locale, locale_fallback) = self.locale_of(contact);
        flags.locale_fallback = locale_fallback;
        if locale_fallback {
            trace.step(|| Step::UnknownLocale {
                named: contact.locale.clone().unwrap_or_default(),
                default: self.locale_id(locale),
            });
        }
        Resolved {
            topic,
            channel: self.channel_ix(&contact.channel),
            locale,
            progress: contact.progress,
            asks_for_superior: contact.asks_for_superior,
            flags,
        }
    }

    /// The locale index for a contact, and whether the default was used for a locale that is
    /// not declared. `es-AR` falls back to `es` before the default.
    pub(crate) fn locale_of(&self, contact: &Contact) -> (Ix, bool) {
        self.locale_ix(contact.locale.as_deref())
    }

    /// [`Engine::locale_of`] for a locale name.
    pub(crate) fn locale_ix(&self, wanted: Option<&str>) -> (Ix, bool) {
        let Some(wanted) = wanted else {
            return (0, false);
        };
        // The declared locales packed into integers: one comparison each (`hot.rs`).
        if let Some(i) = crate::hot::pack_locale(wanted)
            .and_then(|w| self.hot.locales.iter().position(|&l| l == w))
        {
            return (i as Ix, false);
        }
        let find = |l: &str| {
            self.locales
                .iter()
                .position(|d| d.eq_ignore_ascii_case(l))
                .map(|i| i as Ix)
        };
        if let Some(i) = find(wanted) {
            return (i, false);
        }
        let language = wanted.split(['-', '_']).next().unwrap_or(wanted);
        match find(language) {
            Some(i) => (i, false),
            None => (0, true),
        }
    }

    pub(crate) fn channel_ix(&self, channel: &Channel) -> Ix {
        match channel.standard_index() {
            Some(i) => i as Ix,
            None => self
                .hot
                .channels
                .get(channel.as_str(), |i| {
                    self.channels.get(i as usize).map(|c| &**c)
                })
                .unwrap_or(NONE),
        }
    }

    /// The rank a customer asking for a superior goes to: the next rank above `rank` with a
    /// role in `department` (any next rank for a responder of no known department); `NONE`
    /// means the review.
    pub(crate) fn superior_rank(&self, department: Ix, rank: Ix) -> Ix {
        if department == NONE {
            let next = rank.saturating_add(1);
            return if (next as usize) < self.ranks.len() {
                next
            } else {
                NONE
            };
        }
        (department as usize)
            .checked_mul(self.ranks.len())
            .and_then(|i| i.checked_add(rank as usize))
            .and_then(|i| self.superior.get(i))
            .copied()
            .unwrap_or(NONE)
    }

    pub(crate) fn handover_message(&self, h: Handover) -> Ix {
        self.handover.get(h as usize).copied().unwrap_or(NONE)
    }

    pub(crate) fn topic_id(&self, t: Ix) -> &str {
        self.topics.get(t as usize).map_or("", |t| &t.id)
    }

    pub(crate) fn locale_id(&self, l: Ix) -> &str {
        self.locales.get(l as usize).map_or("", |l| l)
    }

    pub(crate) fn rank_id(&self, r: Ix) -> &str {
        self.ranks.get(r as usize).map_or("", |r| r)
    }

    pub(crate) fn department_id(&self, d: Ix) -> &str {
        self.departments.get(d as usize).map_or("", |d| &d.id)
    }

    pub(crate) fn message_id(&self, m: Ix) -> &str {
        self.messages.get(m as usize).map_or("", |m| &m.id)
    }

    pub(crate) fn rule_id(&self, r: Ix) -> &str {
        self.rules.get(r as usize).map_or("", |r| &r.id)
    }

    pub(crate) fn grant(&self, role: Ix, topic: Ix) -> Option<Authority> {
        let i = (role as usize)
            .checked_mul(self.topics.len())?
            .checked_add(topic as usize)?;
        match self.grants.get(i)? {
            1 => Some(Authority::Own),
            2 => Some(Authority::Consensual),
            3 => Some(Authority::Authorized),
            _ => None,
        }
    }

    /// The rules that can apply to topic `t`, in document order.
    pub(crate) fn rules_for(&self, t: Ix) -> &[Ix] {
        let start = self.topic_rule_start.get(t as usize).copied().unwrap_or(0) as usize;
        let end = self
            .topic_rule_start
            .get(t as usize + 1)
            .copied()
            .unwrap_or(0) as usize;
        self.topic_rules.get(start..end).unwrap_or(&[])
    }

    fn rule_matches<F: FactSource + ?Sized>(
        &self,
        rule: &Rule,
        c: &Resolved,
        facts: &F,
        staff: Option<&Role>,
        responder_role: Ix,
    ) -> bool {
        let in_list =
            |list: &Option<Box<[Ix]>>, x: Ix| list.as_ref().is_none_or(|l| l.contains(&x));
        if rule.staff_only() {
            let Some(role) = staff else {
                return false;
            };
            if !in_list(&rule.departments, role.department)
                || !in_list(&rule.roles, responder_role)
                || !in_list(&rule.ranks, role.rank)
            {
                return false;
            }
        }
        in_list(&rule.channels, c.channel)
            && rule.progress & c.progress.bit() != 0
            && rule
                .facts
                .iter()
                .all(|(key, values)| facts.has(self, *key, values))
    }

    /// The effects of every rule that matches, each from the first rule that has it.
    pub(crate) fn rule_effects<'e, F: FactSource + ?Sized, T: Trace<'e>>(
        &'e self,
        c: &Resolved,
        facts: &F,
        responder: ResponderIx,
        trace: &mut T,
    ) -> RuleEffects {
        use crate::hot::effect;
        let (staff, role_ix) = match responder {
            ResponderIx::Staff(r) => (self.roles.get(r as usize), r),
            _ => (None, NONE),
        };
        // A system's decision reads only a fixed answer; a person's, every effect.
        let mut wanted = match responder {
            ResponderIx::System(_) | ResponderIx::UnknownSystem => effect::ANSWER,
            ResponderIx::Staff(_) | ResponderIx::UnknownStaff => effect::ALL,
        };
        let progress = c.progress.bit();
        let mut fx = RuleEffects::default();
        // Each rule's guard (`hot.rs`) rejects most contacts before the rule is read. Without
        // a trace, rules that can add no wanted effect are skipped, and the walk stops once
        // every wanted effect is found: the effects are the same, each from the first rule
        // that has it.
        for &r in self.rules_for(c.topic) {
            let Some(g) = self.hot.guards.get(r as usize) else {
                continue;
            };
            if (!T::ACTIVE && g.effects & wanted == 0)
                || g.progress & progress == 0
                || (g.key != NONE && !facts.is(self, g.key, g.value))
                || (g.staff_only && staff.is_none())
            {
                continue;
            }
            if !g.complete
                && !self
                    .rules
                    .get(r as usize)
                    .is_some_and(|rule| self.rule_matches(rule, c, facts, staff, role_ix))
            {
                continue;
            }
            trace.step(|| Step::RuleMatches {
                rule: self.rule_id(r),
                why: self.rules.get(r as usize).and_then(|r| r.why.as_deref()),
            });
            let new = g.effects & wanted;
            if new & effect::ANSWER != 0 {
                fx.answer = Some((g.answer, r));
            }
            if new & effect::SKIP_LADDER != 0 {
                fx.skip_ladder = Some(r);
            }
            if new & effect::AUTHORITY != 0 {
                fx.authority = g.authority.map(|a| (a, r));
            }
            if new & effect::ROUTE != 0 {
                fx.route = Some((g.route, r));
            }
            wanted &= !g.effects;
            if wanted == 0 && !T::ACTIVE {
                break;
            }
        }
        fx
    }

    /// The decision procedure (the guide's `docs/decisions.md`), step by step.
    pub(crate) fn run<'e, F: FactSource + ?Sized>(
        &'e self,
        c: &Resolved,
        facts: &F,
        responder: ResponderIx,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let d = Decision::new(self, c);
        let fx = self.rule_effects(c, facts, responder, trace);
        if let Some((m, r)) = fx.answer {
            let staff = matches!(responder, ResponderIx::Staff(_) | ResponderIx::UnknownStaff);
            if !(staff && c.asks_for_superior) {
                trace.step(|| Step::FixedAnswer {
                    rule: self.rule_id(r),
                    message: self.message_id(m),
                });
                return d.answer(m, r);
            }
            // R3.3: a request for a superior is always honoured by a person; the superior
            // then gives the same fixed answer.
            trace.step(|| Step::FixedAnswerAfterSuperior {
                rule: self.rule_id(r),
                message: self.message_id(m),
            });
        }
        let Some(topic) = self.topics.get(c.topic as usize) else {
            return d;
        };
        match responder {
            ResponderIx::System(_) | ResponderIx::UnknownSystem => {
                self.system_answer(d, topic, responder, trace)
            }
            ResponderIx::Staff(_) | ResponderIx::UnknownStaff => {
                self.staff_answer(d, topic, responder, &fx, trace)
            }
        }
    }

    /// A system's decision: the topic's message for the system's tier (R0.1, R0.9).
    fn system_answer<'e>(
        &'e self,
        mut d: Decision<'e>,
        topic: &Topic,
        responder: ResponderIx,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let tier = match responder {
            ResponderIx::System(s) => self
                .systems
                .get(s as usize)
                .map_or(Tier::Explains, |s| s.tier),
            _ => {
                d.flags.unknown_responder = true;
                trace.step(|| Step::UnknownSystem);
                Tier::Explains
            }
        };
        let preferred = match tier {
            Tier::Serves => topic.serves.or(topic.explains),
            _ => topic.explains.or(topic.serves),
        };
        match preferred {
            Some(tr) => {
                trace.step(|| Step::SystemMessage {
                    tier,
                    message: self.message_id(tr.message),
                });
                d.system_message(tr)
            }
            None => {
                // The topic has no system at all: the general self-diagnosis explains, and the
                // gap is flagged so that the systems get fixed (R0.9).
                let general = self
                    .topics
                    .get(self.fallback as usize)
                    .and_then(|t| t.explains);
                trace.step(|| Step::NoSystemMessage);
                d.flags.system_gap = true;
                match general {
                    Some(tr) => d.system_message(tr),
                    None => d,
                }
            }
        }
    }

    /// A person's decision: the rungs of the guide in order, each deciding or passing on.
    fn staff_answer<'e>(
        &'e self,
        mut d: Decision<'e>,
        topic: &Topic,
        responder: ResponderIx,
        fx: &RuleEffects,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let role = match responder {
            ResponderIx::Staff(r) => self.roles.get(r as usize).map(|role| (r, role)),
            _ => None,
        };
        if role.is_none() {
            d.flags.unknown_responder = true;
            trace.step(|| Step::UnknownRole);
        }
        let rank = role.map_or(0, |(_, r)| r.rank);
        let department = role.map_or(NONE, |(_, r)| r.department);
        // 1. A superior was asked for (R3.3).
        if d.asks_for_superior() {
            return self.to_superior(d, department, rank, trace);
        }
        // 2. The ladder (R0.4, R0.5).
        let mut d = match self.ladder(d, topic, fx, trace) {
            ControlFlow::Break(redirect) => return redirect,
            ControlFlow::Continue(d) => d,
        };
        // 3. Authority (R4.3, R0.2, R0.8).
        let (owner, owner_rule) = self.owner(topic, fx, trace);
        let (authority, rule) =
            self.authority(d.topic_ix(), topic, role, owner, owner_rule, fx, trace);
        if rule.is_some() && d.rule.is_none() {
            d.rule = rule;
        }
        d.authority = Some(authority);
        // 4. What the authority lets the responder do.
        match authority {
            Authority::Own => {
                trace.step(|| Step::OwnAnswer {
                    message: self.message_id(topic.answer),
                });
                d.staff_answer(topic.answer)
            }
            Authority::Consensual => {
                trace.step(|| Step::Consult {
                    department: self.department_id(owner),
                });
                d.route(owner)
            }
            Authority::Authorized => self.authorized(d, topic, department, rank, owner, trace),
        }
    }

    /// Rung 1: the next rank up with a role in the department, or the review (R3.3).
    fn to_superior<'e>(
        &'e self,
        d: Decision<'e>,
        department: Ix,
        rank: Ix,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let next = self.superior_rank(department, rank);
        if next != NONE {
            trace.step(|| Step::Superior {
                rank: self.rank_id(next),
            });
            d.escalate(department, next)
        } else {
            trace.step(|| Step::NoSuperior {
                rank: self.rank_id(rank),
                review_within: &self.review_within_text,
            });
            d.review()
        }
    }

    /// Rung 2: a redirect to the first system of the topic the customer has not been through
    /// (R0.5), unless a rule skips the ladder (R0.4); past it, a person answers.
    fn ladder<'e>(
        &'e self,
        mut d: Decision<'e>,
        topic: &Topic,
        fx: &RuleEffects,
        trace: &mut impl Trace<'e>,
    ) -> ControlFlow<Decision<'e>, Decision<'e>> {
        if let Some(r) = fx.skip_ladder {
            d.flags.ladder_skipped = true;
            d.rule = Some(r);
            trace.step(|| Step::LadderSkipped {
                rule: self.rule_id(r),
            });
            return ControlFlow::Continue(d);
        }
        for (tier, tr) in topic.tiers() {
            if !d.progress().has_passed(tier) {
                trace.step(|| Step::NotThroughSystem {
                    tier,
                    system: self.systems.get(tr.system as usize).map_or("", |s| &*s.id),
                });
                return ControlFlow::Break(d.redirect(tier, tr));
            }
        }
        d.flags.system_gap = true;
        trace.step(|| Step::ThroughEverySystem);
        ControlFlow::Continue(d)
    }

    /// The department that owns the topic, and the rule that routed it there, if one did.
    fn owner<'e>(
        &'e self,
        topic: &Topic,
        fx: &RuleEffects,
        trace: &mut impl Trace<'e>,
    ) -> (Ix, Option<Ix>) {
        match fx.route {
            Some((department, r)) => {
                trace.step(|| Step::RuleRoutes {
                    rule: self.rule_id(r),
                    department: self.department_id(department),
                });
                (department, Some(r))
            }
            None => (topic.owner, None),
        }
    }

    /// Rung 3: the responder's authority, and the rule behind it if any: a rule's, else the
    /// role's explicit grant, else the topic's within the owning department, else
    /// `consensual` (R4.3, R0.2, R0.8).
    #[allow(clippy::too_many_arguments)]
    fn authority<'e>(
        &'e self,
        topic_ix: Ix,
        topic: &Topic,
        role: Option<(Ix, &'e Role)>,
        owner: Ix,
        owner_rule: Option<Ix>,
        fx: &RuleEffects,
        trace: &mut impl Trace<'e>,
    ) -> (Authority, Option<Ix>) {
        if let Some((authority, r)) = fx.authority {
            trace.step(|| Step::RuleAuthority {
                rule: self.rule_id(r),
                authority,
            });
            return (authority, Some(r));
        }
        if let Some(authority) = role.and_then(|(ix, _)| self.grant(ix, topic_ix)) {
            trace.step(|| Step::Grant {
                role: role.map_or("", |(_, r)| &*r.id),
                authority,
            });
            return (authority, owner_rule);
        }
        let department = role.map_or(NONE, |(_, r)| r.department);
        if department == owner {
            trace.step(|| Step::OwningDepartment {
                department: self.department_id(owner),
                authority: topic.authority,
            });
            (topic.authority, owner_rule)
        } else {
            trace.step(|| Step::OtherDepartment {
                owner: self.department_id(owner),
            });
            (Authority::Consensual, owner_rule)
        }
    }

    /// `authorized` authority: an approver answers; anyone else requests authorization from
    /// the approving rank (the topic's, or the next one up).
    fn authorized<'e>(
        &'e self,
        d: Decision<'e>,
        topic: &Topic,
        department: Ix,
        rank: Ix,
        owner: Ix,
        trace: &mut impl Trace<'e>,
    ) -> Decision<'e> {
        let approver = if topic.approver == NONE {
            rank.saturating_add(1)
        } else {
            topic.approver
        };
        if (approver as usize) >= self.ranks.len() || approver <= rank {
            trace.step(|| Step::Approver {
                rank: self.rank_id(rank),
                message: self.message_id(topic.answer),
            });
            return d.staff_answer(topic.answer);
        }
        trace.step(|| Step::RequestAuthorization {
            approver: self.rank_id(approver),
        });
        let department = if department == NONE {
            owner
        } else {
            department
        };
        d.authorize(department, approver)
    }
}
