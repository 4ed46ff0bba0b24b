//! The handoff that travels with a customer handed to a person (R3.6): what they were told.

use serde::{Deserialize, Serialize};

use super::value::{Pin, PinKey, Slot};
use crate::decision::{Decision, Outcome};
use crate::engine::{Engine, RuleIx, SystemIx, TierRef, TopicIx};
use crate::model::{Channel, Contact, Facts, Progress};

/// One thing a customer was already told about a topic, in a [`Handoff`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Told {
    /// Which of the topic's messages.
    pub slot: Slot,
    /// The pin: message, version, policy revision and time.
    pub pin: Pin,
    /// The pinned version's text in the contact's locale and channel, without host values;
    /// `None` when the current policy no longer holds that message or version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// What the next person needs so that the customer repeats nothing (R3.6): carried by
/// `route`, `authorize`, `escalate` and `review` decisions from [`Engine::decide_pinned`].
///
/// Owned and serializable: the host attaches it to the case it hands over.
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Engine, MemoryPinStore, Outcome, Progress, Responder};
/// use unified_message::pins::{Slot, Timestamp};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let store = MemoryPinStore::new();
/// let now = Timestamp::from_unix_seconds(1_764_201_600);
/// let chat = Contact::new("c-9", Channel::Chat).with_topic("domain.delegation").with_locale("en");
/// // The help centre explains delegation on chat; the pin records it.
/// engine.decide_pinned(&chat, &Responder::system("self-diagnosis"), &store, now)?;
///
/// // Later the customer phones sales, which routes them to support with a handoff.
/// let phone = chat
///     .with_channel(Channel::Phone)
///     .with_progress(Progress::Served)
///     .with_text("my domain does not point to my new site");
/// let routed = engine.decide_pinned(&phone, &Responder::staff("sales-agent"), &store, now)?;
/// let handoff = routed.handoff().expect("a route carries a handoff");
/// assert_eq!(handoff.outcome, Outcome::Route);
/// assert_eq!(handoff.department.as_deref(), Some("support"));
/// assert_eq!(handoff.words.as_deref(), Some("my domain does not point to my new site"));
/// assert_eq!(handoff.told[0].slot, Slot::Explains);
/// assert_eq!(handoff.told[0].pin.message, "domain-delegation-guide");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Handoff {
    /// The customer.
    pub customer: String,
    /// The topic.
    pub topic: String,
    /// How the customer is handed on.
    pub outcome: Outcome,
    /// The department the customer goes to, or whose ranks are climbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The rank that takes over or authorizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// The channel the customer is on now.
    pub channel: Channel,
    /// The locale of the conversation.
    pub locale: String,
    /// How far up the ladder the customer already went for this topic.
    pub progress: Progress,
    /// The facts the host supplied.
    #[serde(default, skip_serializing_if = "Facts::is_empty")]
    pub facts: Facts,
    /// The customer's own words, when the contact carried them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<String>,
    /// Whether the customer asked for a superior.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asks_for_superior: bool,
    /// What this customer was already told about this topic, in ladder order (explains,
    /// serves, answer, then rules' fixed answers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub told: Vec<Told>,
}

impl Engine {
    /// The keys a handoff reads: every pin of this customer on the decision's topic, in ladder
    /// order (explains, serves, answer, then the fixed answers of the topic's rules).
    pub(super) fn handoff_keys(&self, contact: &Contact, decision: &Decision<'_>) -> Vec<PinKey> {
        let t = decision.topic_ix();
        let mut slots = vec![Slot::Explains, Slot::Serves, Slot::Answer];
        slots.extend(
            self.rules_for(t)
                .iter()
                .filter_map(|&r| self.parts().rules.get(r))
                .filter(|r| r.answer.is_some())
                .map(|r| Slot::Rule(r.id.to_string())),
        );
        slots
            .into_iter()
            .map(|slot| PinKey::new(contact.customer.as_str(), decision.topic(), slot))
            .collect()
    }

    /// The handoff for a handover decision: the contact and the pins read for `keys` (from
    /// [`Engine::handoff_keys`], in order), with the pinned texts.
    pub(super) fn handoff_from(
        &self,
        contact: &Contact,
        decision: &Decision<'_>,
        keys: Vec<PinKey>,
        pins: Vec<Option<Pin>>,
    ) -> Handoff {
        let t = decision.topic_ix();
        let told = keys
            .into_iter()
            .zip(pins)
            .filter_map(|(key, pin)| {
                let pin = pin?;
                let text = self.told_text(contact, t, &key.slot, &pin);
                Some(Told {
                    slot: key.slot,
                    pin,
                    text,
                })
            })
            .collect();
        self.handoff_told(contact, decision, told)
    }

    /// The handoff of `decision`, with what the customer was `told`.
    pub(super) fn handoff_told(
        &self,
        contact: &Contact,
        decision: &Decision<'_>,
        told: Vec<Told>,
    ) -> Handoff {
        Handoff {
            customer: contact.customer.clone(),
            topic: decision.topic().to_owned(),
            outcome: decision.outcome(),
            department: decision.department().map(str::to_owned),
            rank: decision.rank().map(str::to_owned),
            channel: contact.channel.clone(),
            locale: decision.locale().to_owned(),
            progress: contact.progress,
            facts: contact.facts.clone(),
            words: contact.text.clone(),
            asks_for_superior: contact.asks_for_superior,
            told,
        }
    }

    /// The pinned version's text, rendered as the slot's responder would have said it.
    fn told_text(
        &self,
        contact: &Contact,
        topic: TopicIx,
        slot: &Slot,
        pin: &Pin,
    ) -> Option<String> {
        let message = self.parts().messages.find(pin.message.as_str())?;
        self.parts().messages.get(message)?.version(pin.version)?;
        let mut resolved = self.resolve(contact);
        resolved.topic = topic;
        let blank = Decision::new(self, &resolved);
        let t = self.parts().topics.get(topic)?;
        let system_of = |tier: Option<TierRef>| {
            tier.or_else(|| {
                self.parts()
                    .topics
                    .get(self.parts().fallback)
                    .and_then(|f| f.explains)
            })
            .map_or(SystemIx::NONE, |r| r.system)
        };
        let mut d = match slot {
            Slot::Explains => blank.system_message(TierRef {
                system: system_of(t.explains),
                message,
            }),
            Slot::Serves => blank.system_message(TierRef {
                system: system_of(t.serves),
                message,
            }),
            Slot::Answer => blank.staff_answer(message),
            Slot::Rule(id) => {
                let r = self
                    .parts()
                    .rules
                    .items()
                    .iter()
                    .position(|r| *r.id == **id)?;
                blank.answer(message, RuleIx::new(r))
            }
        };
        d.set_version(pin.version);
        Some(d.text())
    }
}
