//! The engine's public entry points: a contact and a responder resolved against the policy
//! (ids to indices, the locale, the flags of what was unknown), then handed to the decision
//! procedure of `decide.rs`; `prepare` / `responder_key` for hosts that decide many times.

use crate::decision::Decision;
use crate::decision::record::Flags;
use crate::explain::{Explanation, NoTrace, Step, Trace};
use crate::model::{Channel, Contact, Responder};

use super::compiled::{Engine, PreparedContact, Resolved, ResponderIx, ResponderKey};
use super::ids::{ChannelIx, FactValueIx, LocaleIx};

impl Engine {
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
                topic: self.parts.fallback,
                channel: if contact.channel.index() < Channel::STANDARD.len() {
                    contact.channel
                } else {
                    ChannelIx::NONE
                },
                locale: LocaleIx::new(0),
                progress: contact.progress,
                asks_for_superior: contact.asks_for_superior,
                flags,
            };
            let responder = self.checked_responder(responder);
            return self.run(&resolved, &[][..], responder, &mut NoTrace);
        }
        let resolved = Resolved {
            topic: if self.parts.topics.contains(contact.topic) {
                contact.topic
            } else {
                self.parts.fallback
            },
            channel: contact.channel,
            locale: if self.parts.locales.contains(contact.locale) {
                contact.locale
            } else {
                LocaleIx::new(0)
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
            .parts
            .fact_keys
            .items()
            .iter()
            .map(|k| {
                contact
                    .facts
                    .get(&**k)
                    .and_then(|v| self.parts.fact_values.find(v))
                    .unwrap_or(FactValueIx::NONE)
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
                .parts
                .systems
                .find(id)
                .map_or(ResponderIx::UnknownSystem, ResponderIx::System),
            Responder::Staff(id) => self
                .parts
                .roles
                .find(id)
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
            (Some(topic), _) => match self.parts.topics.find(topic) {
                Some(t) => {
                    trace.step(|| Step::Topic {
                        topic: self.parts.topics.id(t),
                    });
                    t
                }
                None => {
                    flags.fallback_topic = true;
                    trace.step(|| Step::UnknownTopic {
                        named: topic.clone(),
                        fallback: self.fallback_topic(),
                    });
                    self.parts.fallback
                }
            },
            (None, Some(text)) => {
                let crate::triage::result::Best {
                    topic: t,
                    confidence,
                    tied,
                } = self.parts.triage.best(text, self.locale_of(contact).0);
                // A tie is decided as the topic mentioned first, and flagged (Engine::triage).
                flags.ambiguous_topic = tied > 1;
                match t {
                    Some(t) => {
                        trace.step(|| Step::Triaged {
                            topic: self.parts.topics.id(t),
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
                        self.parts.fallback
                    }
                }
            }
            (None, None) => {
                flags.fallback_topic = true;
                trace.step(|| Step::NoTopic {
                    fallback: self.fallback_topic(),
                });
                self.parts.fallback
            }
        };
        let (locale, locale_fallback) = self.locale_of(contact);
        flags.locale_fallback = locale_fallback;
        if locale_fallback {
            trace.step(|| Step::UnknownLocale {
                named: contact.locale.clone().unwrap_or_default(),
                default: self.parts.locales.id(locale),
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
}
