//! The circumstance space: every topic × fact values its rules mention × progress × superior
//! request × responder × channel. Shared by `check`, `diff` and the decision table.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::engine::{
    ChannelIx, Engine, FactKeyIx, FactValueIx, LocaleIx, Resolved, ResponderIx, RoleIx, SystemIx,
    TopicIx,
};
use crate::model::{Channel, Contact, Facts, Progress, Responder};

/// The customer id of the contacts in the circumstance space: circumstances are about what is
/// said, not about whom.
pub(crate) const ANY_CUSTOMER: &str = "any";

/// One point of the circumstance space: a contact and who answers it.
///
/// Made by [`Engine::circumstances`]; decide it with
/// `engine.decide(&circumstance.contact, &circumstance.responder)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Circumstance {
    /// The contact: customer `"any"`, a topic, the default locale, a channel, a progress,
    /// facts and whether a superior is asked for.
    pub contact: Contact,
    /// The system or staff role answering.
    pub responder: Responder,
}

/// The fact values the rules of one topic mention: the facts dimension of its space.
#[derive(Clone, Debug, Default)]
pub(crate) struct TopicFacts {
    /// `(fact key index, mentioned value indices)`, keys in index order.
    pub(super) keys: Vec<(FactKeyIx, Vec<FactValueIx>)>,
}

impl TopicFacts {
    pub(crate) fn new(engine: &Engine, topic: TopicIx) -> Self {
        // Hashed: linear in the rules' conditions, however many keys and values they name.
        let mut slot_of: HashMap<FactKeyIx, usize> = HashMap::new();
        let mut keys: Vec<(FactKeyIx, Vec<FactValueIx>)> = Vec::new();
        let mut seen: Vec<HashSet<FactValueIx>> = Vec::new();
        for &r in engine.rules_for(topic) {
            let Some(rule) = engine.parts().rules.get(r) else {
                continue;
            };
            for (key, values) in rule.facts.iter() {
                let slot = *slot_of.entry(*key).or_insert_with(|| {
                    keys.push((*key, Vec::new()));
                    seen.push(HashSet::new());
                    keys.len() - 1
                });
                if let (Some((_, list)), Some(seen)) = (keys.get_mut(slot), seen.get_mut(slot)) {
                    for v in values.iter() {
                        if seen.insert(*v) {
                            list.push(*v);
                        }
                    }
                }
            }
        }
        keys.sort_unstable_by_key(|(k, _)| *k);
        TopicFacts { keys }
    }

    /// `(fact key index, mentioned value indices)`, keys in index order.
    pub(crate) fn keys(&self) -> &[(FactKeyIx, Vec<FactValueIx>)] {
        &self.keys
    }

    /// How many fact assignments: each key absent or one of its values.
    pub(crate) fn combinations(&self) -> usize {
        self.keys
            .iter()
            .fold(1usize, |n, (_, v)| n.saturating_mul(v.len() + 1))
    }

    /// Writes assignment `n` into `out` (indexed by fact key; `NONE` is absent). Keys this
    /// topic does not mention are left untouched.
    pub(crate) fn fill(&self, mut n: usize, out: &mut [FactValueIx]) {
        for (key, values) in &self.keys {
            let radix = values.len() + 1;
            let digit = n % radix;
            n /= radix;
            if let Some(slot) = out.get_mut((*key).index()) {
                *slot = match digit.checked_sub(1) {
                    Some(i) => values.get(i).copied().unwrap_or(FactValueIx::NONE),
                    None => FactValueIx::NONE,
                };
            }
        }
    }
}

/// Every responder of the policy: systems in document order, then roles.
pub(crate) fn responders(engine: &Engine) -> Vec<ResponderIx> {
    (0..engine.parts().systems.len())
        .map(|s| ResponderIx::System(SystemIx::new(s)))
        .chain((0..engine.parts().roles.len()).map(|r| ResponderIx::Staff(RoleIx::new(r))))
        .collect()
}

pub(crate) fn responder(engine: &Engine, r: ResponderIx) -> Responder {
    match r {
        ResponderIx::System(s) => {
            Responder::system(engine.parts().systems.get(s).map_or("", |s| &*s.id))
        }
        ResponderIx::Staff(r) => {
            Responder::staff(engine.parts().roles.get(r).map_or("", |r| &*r.id))
        }
        ResponderIx::UnknownSystem => Responder::system(""),
        ResponderIx::UnknownStaff => Responder::staff(""),
    }
}

pub(crate) fn channel(engine: &Engine, c: ChannelIx) -> Channel {
    Channel::from(engine.parts().channels.get(c).map_or("", |c| &**c))
}

/// The facts of an assignment, by name.
pub(crate) fn facts(engine: &Engine, values: &[FactValueIx]) -> Facts {
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_none())
        .filter_map(|(k, v)| {
            Some((
                engine.parts().fact_keys.get(FactKeyIx::new(k))?.to_string(),
                engine.parts().fact_values.get(*v)?.to_string(),
            ))
        })
        .collect()
}

/// The contact of a resolved circumstance, in the default locale.
pub(crate) fn contact(engine: &Engine, c: &Resolved, values: &[FactValueIx]) -> Contact {
    let mut contact = Contact::new(ANY_CUSTOMER, channel(engine, c.channel))
        .with_topic(engine.parts().topics.id(c.topic))
        .with_locale(engine.parts().locales.id(LocaleIx::new(0)))
        .with_progress(c.progress);
    contact.facts = facts(engine, values);
    contact.asks_for_superior = c.asks_for_superior;
    contact
}

/// The circumstances of one engine, in a fixed order; from [`Engine::circumstances`].
pub struct Circumstances<'e> {
    engine: &'e Engine,
    responders: Vec<ResponderIx>,
    space: TopicFacts,
    values: Vec<FactValueIx>,
    topic: usize,
    combination: usize,
    progress: usize,
    asks: usize,
    responder: usize,
    channel: usize,
    remaining: usize,
}

impl std::fmt::Debug for Circumstances<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Circumstances")
            .field("policy", &self.engine.name())
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl<'e> Circumstances<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        let responders = responders(engine);
        let per_topic = Progress::ALL.len() * 2 * responders.len() * engine.parts().channels.len();
        let remaining = (0..engine.parts().topics.len())
            .map(|t| TopicFacts::new(engine, TopicIx::new(t)).combinations())
            .fold(0usize, |n, c| n.saturating_add(c.saturating_mul(per_topic)));
        let mut values = vec![FactValueIx::NONE; engine.parts().fact_keys.len()];
        let space = TopicFacts::new(engine, TopicIx::new(0));
        space.fill(0, &mut values);
        Circumstances {
            engine,
            responders,
            space,
            values,
            topic: 0,
            combination: 0,
            progress: 0,
            asks: 0,
            responder: 0,
            channel: 0,
            remaining,
        }
    }

    fn advance(&mut self) {
        self.channel += 1;
        if self.channel < self.engine.parts().channels.len() {
            return;
        }
        self.channel = 0;
        self.responder += 1;
        if self.responder < self.responders.len() {
            return;
        }
        self.responder = 0;
        self.asks += 1;
        if self.asks < 2 {
            return;
        }
        self.asks = 0;
        self.progress += 1;
        if self.progress < Progress::ALL.len() {
            return;
        }
        self.progress = 0;
        self.combination += 1;
        if self.combination < self.space.combinations() {
            self.space.fill(self.combination, &mut self.values);
            return;
        }
        self.combination = 0;
        self.topic += 1;
        self.space = TopicFacts::new(self.engine, TopicIx::new(self.topic));
        self.values.fill(FactValueIx::NONE);
        self.space.fill(0, &mut self.values);
    }
}

impl Iterator for Circumstances<'_> {
    type Item = Circumstance;

    fn next(&mut self) -> Option<Circumstance> {
        if self.remaining == 0 {
            return None;
        }
        let resolved = Resolved {
            topic: TopicIx::new(self.topic),
            channel: ChannelIx::new(self.channel),
            locale: LocaleIx::new(0),
            progress: Progress::ALL
                .get(self.progress)
                .copied()
                .unwrap_or_default(),
            asks_for_superior: self.asks == 1,
            flags: crate::decision::Flags::default(),
        };
        let item = Circumstance {
            contact: contact(self.engine, &resolved, &self.values),
            responder: responder(
                self.engine,
                self.responders
                    .get(self.responder)
                    .copied()
                    .unwrap_or(ResponderIx::UnknownStaff),
            ),
        };
        self.remaining -= 1;
        if self.remaining > 0 {
            self.advance();
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Circumstances<'_> {}

impl Engine {
    /// Every circumstance the policy distinguishes, each once: what `check` proves its
    /// invariants over, what `diff` compares, and the rows of the decision table.
    ///
    /// The space is the product, per topic (in the order of [`Engine::topics`]), of: every assignment of the
    /// facts that the rules indexed for that topic mention (each fact absent or one of the
    /// values a rule names) × progress (`fresh`, `explained`, `served`) × whether the
    /// customer asks for a superior (no, yes) × every responder (systems in document order,
    /// then roles) × every channel (the standard ones, then the custom channels the policy
    /// names). The contacts are in the default locale, for customer `"any"`. The order is
    /// the one of that list, the channel varying fastest; it is part of the API.
    ///
    /// Facts that no rule of a topic mentions cannot change its decisions, so they are left
    /// out; locales change only the text, which `check` verifies separately for every locale.
    ///
    /// This product grows with the fact values the rules mention (2^30 combinations for one
    /// rule testing 30 facts); the iterator is lazy and [`ExactSizeIterator::len`] saturates.
    /// [`Engine::check`], [`crate::diff`] and [`Engine::decision_table`] do not walk it: they
    /// decide one circumstance per class of combinations under which the same rules' fact
    /// conditions hold (which decide alike), and count each class as all its members, within
    /// the engine's `max_circumstances` (see [`crate::EngineBuilder::max_circumstances`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Engine, Outcome};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let mut redirects = 0;
    /// for c in engine.circumstances() {
    ///     if engine.decide(&c.contact, &c.responder).outcome() == Outcome::Redirect {
    ///         redirects += 1;
    ///     }
    /// }
    /// assert!(redirects > 0);
    /// assert_eq!(engine.circumstances().len(), engine.circumstances().count());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn circumstances(&self) -> Circumstances<'_> {
        Circumstances::new(self)
    }
}
