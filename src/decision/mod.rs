//! The output of a decision: an outcome, the canonical message, and what it points to.

use std::fmt;

use serde::Serialize;

use crate::engine::compiled::{Engine, Resolved};
use crate::engine::ids::{
    ChannelIx, DepartmentIx, LocaleIx, MessageIx, RankIx, RuleIx, SystemIx, TopicIx,
};
use crate::engine::parts::{Handover, TierRef};
use crate::model::{Authority, Progress, Tier};
use crate::template::{Builtin, MissingValue, NoValues, Template, Values};

pub(crate) mod record;

pub use record::{
    DecisionBrief, DecisionRecord, Flags, MessageRecord, Outcome, PreviousRecord, SystemRecord,
};

/// A system a decision points to or speaks about. Serialized as a [`SystemRecord`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SystemRef<'e> {
    /// The system's id.
    pub id: &'e str,
    /// Its tier.
    pub tier: Tier,
    /// Its name.
    pub name: &'e str,
    /// Where to find it on the contact's channel.
    #[serde(rename = "where")]
    pub location: &'e str,
}

/// The canonical response for one contact and responder, borrowed from the [`Engine`] that
/// made it: no allocation until the text is rendered.
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Engine, NoValues, Outcome, Responder};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let contact = Contact::new("c-1", Channel::Phone).with_topic("email.setup").with_locale("es");
/// let decision = engine.decide(&contact, &Responder::staff("support-agent"));
/// assert_eq!(decision.outcome(), Outcome::Redirect);
///
/// let mut text = String::new();
/// decision.render_into(&mut text, &NoValues)?;
/// assert_eq!(text, decision.text());
///
/// // The owned, serializable form a chatbot sends back as JSON.
/// let json = serde_json::to_string(&decision)?;
/// let record: unified_message::DecisionRecord = serde_json::from_str(&json)?;
/// assert_eq!(record, decision.to_record());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct Decision<'e> {
    engine: &'e Engine,
    outcome: Outcome,
    topic: TopicIx,
    message: MessageIx,
    version: u32,
    locale: LocaleIx,
    channel: ChannelIx,
    progress: Progress,
    asks_for_superior: bool,
    system: SystemIx,
    department: DepartmentIx,
    rank: RankIx,
    pub(crate) rule: Option<RuleIx>,
    pub(crate) authority: Option<Authority>,
    pub(crate) flags: Flags,
    /// What the customer was told before, when a pinned message changed substantively.
    pub(crate) previous: Option<(MessageIx, u32)>,
}

impl<'e> Decision<'e> {
    /// An empty decision about the resolved contact; the builders below fill it.
    pub(crate) fn new(engine: &'e Engine, c: &Resolved) -> Self {
        Decision {
            engine,
            outcome: Outcome::Answer,
            topic: c.topic,
            message: MessageIx::NONE,
            version: 0,
            locale: c.locale,
            channel: c.channel,
            progress: c.progress,
            asks_for_superior: c.asks_for_superior,
            system: SystemIx::NONE,
            department: DepartmentIx::NONE,
            rank: RankIx::NONE,
            rule: None,
            authority: None,
            flags: c.flags,
            previous: None,
        }
    }

    fn with_message(mut self, outcome: Outcome, message: MessageIx) -> Self {
        self.outcome = outcome;
        self.message = message;
        self.version = self
            .engine
            .parts()
            .messages
            .get(message)
            .map_or(0, |m| m.current());
        self
    }

    fn with_handover(self, outcome: Outcome, handover: Handover) -> Self {
        let message = self.engine.handover_message(handover);
        self.with_message(outcome, message)
    }

    pub(crate) fn answer(mut self, message: MessageIx, rule: RuleIx) -> Self {
        self.rule = Some(rule);
        self.with_message(Outcome::Answer, message)
    }

    pub(crate) fn system_message(mut self, tier: TierRef) -> Self {
        self.system = tier.system;
        self.with_message(Outcome::Answer, tier.message)
    }

    pub(crate) fn staff_answer(self, message: MessageIx) -> Self {
        self.with_message(Outcome::Answer, message)
    }

    pub(crate) fn redirect(mut self, tier: Tier, to: TierRef) -> Self {
        self.system = to.system;
        self.with_handover(Outcome::Redirect, Handover::for_tier(tier))
    }

    pub(crate) fn route(mut self, department: DepartmentIx) -> Self {
        self.department = department;
        self.with_handover(Outcome::Route, Handover::Route)
    }

    pub(crate) fn authorize(mut self, department: DepartmentIx, rank: RankIx) -> Self {
        self.department = department;
        self.rank = rank;
        self.with_handover(Outcome::Authorize, Handover::Authorize)
    }

    pub(crate) fn escalate(mut self, department: DepartmentIx, rank: RankIx) -> Self {
        self.department = department;
        self.rank = rank;
        self.with_handover(Outcome::Escalate, Handover::Escalate)
    }

    pub(crate) fn review(self) -> Self {
        self.with_handover(Outcome::Review, Handover::Review)
    }

    pub(crate) fn topic_ix(&self) -> TopicIx {
        self.topic
    }

    pub(crate) fn message_ix(&self) -> MessageIx {
        self.message
    }

    pub(crate) fn department_ix(&self) -> DepartmentIx {
        self.department
    }

    pub(crate) fn rank_ix(&self) -> RankIx {
        self.rank
    }

    /// Delivers `version` of the same message instead of the current one (a pin).
    pub(crate) fn set_version(&mut self, version: u32) {
        self.version = version;
    }

    /// Marks the decision as changing what the customer was told before.
    pub(crate) fn set_previous(&mut self, message: MessageIx, version: u32) {
        self.previous = Some((message, version));
    }

    /// Whether version `version` of `message` has a text for this decision's locale and
    /// channel: whether a change notice can quote it.
    pub(crate) fn can_quote(&self, message: MessageIx, version: u32) -> bool {
        self.template(message, version).is_some()
    }

    /// The engine that made this decision.
    pub fn engine(&self) -> &'e Engine {
        self.engine
    }

    /// What the responder does.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Whether the customer asked for a superior.
    pub fn asks_for_superior(&self) -> bool {
        self.asks_for_superior
    }

    /// The topic the decision is about (the fallback topic when none was known).
    pub fn topic(&self) -> &'e str {
        self.engine.parts().topics.id(self.topic)
    }

    /// The customer's progress on the ladder, as the contact said.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// The id of the message delivered; handover texts have ids `handover.<outcome>`.
    pub fn message_id(&self) -> &'e str {
        self.engine.parts().messages.id(self.message)
    }

    /// The version of the message delivered, from 1.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The locale the text is rendered in.
    pub fn locale(&self) -> &'e str {
        self.engine.parts().locales.id(self.locale)
    }

    /// The revision of the policy that made the decision.
    pub fn revision(&self) -> &'e str {
        &self.engine.parts().revision
    }

    /// The id of the rule that shaped the decision, if any.
    pub fn rule(&self) -> Option<&'e str> {
        self.rule.map(|r| self.engine.parts().rules.id(r))
    }

    /// The authority that applied, for a staff decision past the ladder.
    pub fn authority(&self) -> Option<Authority> {
        self.authority
    }

    /// The system a redirect points to, or whose message is delivered.
    pub fn system(&self) -> Option<SystemRef<'e>> {
        let s = self.engine.parts().systems.get(self.system)?;
        Some(SystemRef {
            id: &s.id,
            tier: s.tier,
            name: &s.name,
            location: s.where_for(self.channel),
        })
    }

    /// The department a route goes to, or whose ranks an escalation or authorization climbs.
    pub fn department(&self) -> Option<&'e str> {
        self.engine
            .parts()
            .departments
            .get(self.department)
            .map(|d| &*d.id)
    }

    /// The rank an escalation or authorization goes to.
    pub fn rank(&self) -> Option<&'e str> {
        self.engine.parts().ranks.get(self.rank).map(|r| &**r)
    }

    /// The review window, for a `review`.
    pub fn review_within(&self) -> Option<&'e str> {
        (self.outcome == Outcome::Review).then_some(&*self.engine.parts().review_within_text)
    }

    /// Flags the host logs.
    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// When a pinned message changed substantively: the id and version the customer got
    /// before. The notice is rendered by [`Decision::render_notice_into`].
    pub fn previous(&self) -> Option<(&'e str, u32)> {
        self.previous
            .map(|(m, v)| (self.engine.parts().messages.id(m), v))
    }

    fn template(&self, message: MessageIx, version: u32) -> Option<&'e Template> {
        self.engine
            .parts()
            .messages
            .get(message)?
            .version(version)?
            .text(self.locale, self.channel)
    }

    fn fill(&self, b: Builtin, out: &mut String, values: &dyn Values) {
        let e = self.engine;
        match b {
            Builtin::System => {
                if let Some(s) = self.system() {
                    out.push_str(s.name);
                }
            }
            Builtin::Where => {
                if let Some(s) = self.system() {
                    out.push_str(s.location);
                }
            }
            Builtin::Department => {
                if let Some(d) = e.parts().departments.get(self.department) {
                    out.push_str(&d.name);
                }
            }
            Builtin::Rank => {
                if let Some(r) = self.rank() {
                    out.push_str(r);
                }
            }
            Builtin::Within => out.push_str(&e.parts().review_within_text),
            Builtin::Previous => {
                if let Some(t) = self.previous.and_then(|(m, v)| self.template(m, v)) {
                    // Rendered with the same values; `{previous}` cannot nest.
                    let _ = t.render(out, &|b, o| self.fill_flat(b, o), values);
                }
            }
        }
    }

    fn fill_flat(&self, b: Builtin, out: &mut String) {
        if b != Builtin::Previous {
            self.fill(b, out, &NoValues);
        }
    }

    /// Renders the message for the contact's locale and channel into `out`, filling built-in
    /// placeholders from the decision and declared ones from `values`. Values are inserted
    /// literally, never expanded again.
    ///
    /// # Errors
    ///
    /// [`MissingValue`] when a declared placeholder has no value; the rest of the text is
    /// still rendered, with nothing in its place.
    pub fn render_into(&self, out: &mut String, values: &dyn Values) -> Result<(), MissingValue> {
        match self.template(self.message, self.version) {
            Some(t) => t.render(out, &|b, o| self.fill(b, o, values), values),
            None => Ok(()),
        }
    }

    /// Renders the change notice, when the message changed substantively since the customer
    /// first got it: the policy's `[handover].changed` text, naming what was said before.
    /// Renders nothing and returns `false` when there is no notice.
    ///
    /// # Errors
    ///
    /// [`MissingValue`], as for [`Decision::render_into`].
    pub fn render_notice_into(
        &self,
        out: &mut String,
        values: &dyn Values,
    ) -> Result<bool, MissingValue> {
        if self.previous.is_none() {
            return Ok(false);
        }
        let changed = self.engine.handover_message(Handover::Changed);
        match self.template(changed, 1) {
            Some(t) => t
                .render(out, &|b, o| self.fill(b, o, values), values)
                .map(|()| true),
            None => {
                // No notice text in the policy: say what was said before, as it was.
                self.fill(Builtin::Previous, out, values);
                Ok(true)
            }
        }
    }

    /// The rendered text, without host values: a declared placeholder (`[policy].placeholders`)
    /// renders as nothing. Use [`Decision::render_into`] or [`Decision::to_record_with`] with
    /// the host's values; both say which value was missing.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = self.render_into(&mut out, &NoValues);
        out
    }

    /// The change notice, if any, without host values.
    pub fn notice(&self) -> Option<String> {
        let mut out = String::new();
        match self.render_notice_into(&mut out, &NoValues) {
            Ok(true) | Err(_) => Some(out),
            Ok(false) => None,
        }
    }

    /// The owned, serializable form, rendered without host values.
    pub fn to_record(&self) -> DecisionRecord {
        self.to_record_with(&NoValues)
    }

    /// The owned, serializable form, rendered with `values`.
    pub fn to_record_with(&self, values: &dyn Values) -> DecisionRecord {
        let mut missing_values = Vec::new();
        let mut text = String::new();
        if let Err(e) = self.render_into(&mut text, values) {
            missing_values.push(e.placeholder);
        }
        let notice = self.previous.map(|_| {
            let mut n = String::new();
            if let Err(e) = self.render_notice_into(&mut n, values) {
                if !missing_values.contains(&e.placeholder) {
                    missing_values.push(e.placeholder);
                }
            }
            n
        });
        DecisionRecord {
            outcome: self.outcome,
            topic: self.topic().to_owned(),
            message: MessageRecord {
                id: self.message_id().to_owned(),
                version: self.version,
                locale: self.locale().to_owned(),
                text,
            },
            revision: self.revision().to_owned(),
            rule: self.rule().map(str::to_owned),
            system: self.system().map(|s| SystemRecord {
                id: s.id.to_owned(),
                tier: s.tier,
                name: s.name.to_owned(),
                location: s.location.to_owned(),
            }),
            department: self.department().map(str::to_owned),
            rank: self.rank().map(str::to_owned),
            review_within: self.review_within().map(str::to_owned),
            authority: self.authority,
            flags: self.flags,
            previous: self.previous().map(|(id, version)| PreviousRecord {
                id: id.to_owned(),
                version,
                notice: notice.unwrap_or_default(),
            }),
            missing_values,
        }
    }
}

/// The JSON of a [`DecisionRecord`], written from a [`Decision`] without building the record
/// (its owned strings): what `decide_json_line` writes. The same fields, in the same order,
/// omitted in the same cases as `DecisionRecord`'s derived `Serialize` — a test compares the
/// two on every circumstance of the example policy.
#[cfg(feature = "json")]
mod json {
    use serde::Serialize;

    use super::{Decision, Flags, Outcome, SystemRef};
    use crate::model::Authority;
    use crate::template::Values;

    #[derive(Serialize)]
    struct RecordRef<'a> {
        outcome: Outcome,
        topic: &'a str,
        message: MessageRef<'a>,
        revision: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        rule: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        system: Option<SystemRef<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        department: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        rank: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        review_within: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        authority: Option<Authority>,
        flags: Flags,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous: Option<PreviousRef<'a>>,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        missing_values: &'a [String],
    }

    #[derive(Serialize)]
    struct MessageRef<'a> {
        id: &'a str,
        version: u32,
        locale: &'a str,
        text: &'a str,
    }

    #[derive(Serialize)]
    struct PreviousRef<'a> {
        id: &'a str,
        version: u32,
        notice: &'a str,
    }

    impl Decision<'_> {
        /// `serde_json::to_string(&self.to_record_with(values))`, with one allocation for the
        /// text and one for the line.
        pub(crate) fn json_line_with(&self, values: &dyn Values) -> serde_json::Result<String> {
            let mut missing_values = Vec::new();
            let mut text = String::with_capacity(256);
            if let Err(e) = self.render_into(&mut text, values) {
                missing_values.push(e.placeholder);
            }
            let notice = self.previous.map(|_| {
                let mut n = String::new();
                if let Err(e) = self.render_notice_into(&mut n, values) {
                    if !missing_values.contains(&e.placeholder) {
                        missing_values.push(e.placeholder);
                    }
                }
                n
            });
            let record = RecordRef {
                outcome: self.outcome,
                topic: self.topic(),
                message: MessageRef {
                    id: self.message_id(),
                    version: self.version,
                    locale: self.locale(),
                    text: &text,
                },
                revision: self.revision(),
                rule: self.rule(),
                system: self.system(),
                department: self.department(),
                rank: self.rank(),
                review_within: self.review_within(),
                authority: self.authority,
                flags: self.flags,
                previous: self.previous().map(|(id, version)| PreviousRef {
                    id,
                    version,
                    notice: notice.as_deref().unwrap_or_default(),
                }),
                missing_values: &missing_values,
            };
            // Sized once: the text and notice, escaped, plus the fields around them.
            let size = text.len() + notice.as_ref().map_or(0, String::len) + 512;
            let mut out = Vec::with_capacity(size.next_power_of_two());
            serde_json::to_writer(&mut out, &record)?;
            String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
        }
    }
}

impl PartialEq for Decision<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.engine, other.engine)
            && self.outcome == other.outcome
            && self.topic == other.topic
            && self.message == other.message
            && self.version == other.version
            && self.locale == other.locale
            && self.channel == other.channel
            && self.progress == other.progress
            && self.asks_for_superior == other.asks_for_superior
            && self.system == other.system
            && self.department == other.department
            && self.rank == other.rank
            && self.rule == other.rule
            && self.authority == other.authority
            && self.flags == other.flags
            && self.previous == other.previous
    }
}

impl Eq for Decision<'_> {}

impl fmt::Debug for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decision")
            .field("outcome", &self.outcome)
            .field("topic", &self.topic())
            .field("message", &self.message_id())
            .field("version", &self.version)
            .field("locale", &self.locale())
            .field("system", &self.system().map(|s| s.id))
            .field("department", &self.department())
            .field("rank", &self.rank())
            .field("rule", &self.rule())
            .field("authority", &self.authority)
            .field("flags", &self.flags)
            .field("previous", &self.previous())
            .finish()
    }
}

impl Serialize for Decision<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_record().serialize(serializer)
    }
}

impl From<&Decision<'_>> for DecisionBrief {
    fn from(d: &Decision<'_>) -> Self {
        DecisionBrief::new(
            d.outcome(),
            d.message_id(),
            d.version(),
            d.system().map(|s| s.id),
            d.department(),
            d.rank(),
            d.rule(),
        )
    }
}

#[cfg(all(test, feature = "json"))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use crate::engine::Engine;
    use crate::model::{Contact, Responder};
    use crate::template::NoValues;

    /// Issue 24 point 1: the borrowed serializer of `decide_json_line` (`mod json`) writes
    /// byte for byte what serializing the owned `DecisionRecord` writes, over the whole
    /// circumstance space of the example policy (every topic, fact values its rules read,
    /// progress, superior request, responder and channel), in every locale, for unknown
    /// responders too, with and without host values, and with a change notice (`previous`).
    #[test]
    fn i24_p1_the_borrowed_json_line_is_the_owned_record_byte_for_byte() {
        let engine = Engine::from_toml_str(crate::EXAMPLE_POLICY).unwrap();
        let values: &[(&str, &str)] = &[("customer_name", "Ana \"A\" <b>\n"), ("ticket", "42")];
        let some_message = engine.parts().messages.ixs().next().unwrap();
        let locales: Vec<String> = engine.locales().map(str::to_owned).collect();
        let mut compared = 0usize;
        let mut compare = |contact: &Contact, responder: &Responder| {
            let mut decision = engine.decide(contact, responder);
            for _ in 0..2 {
                for v in [&NoValues as &dyn crate::template::Values, &values] {
                    let owned = serde_json::to_string(&decision.to_record_with(v)).unwrap();
                    let borrowed = decision.json_line_with(v).unwrap();
                    assert_eq!(borrowed, owned, "{contact:?} {responder}");
                    compared += 1;
                }
                decision.set_previous(some_message, 1);
            }
        };
        for c in engine.circumstances() {
            compare(&c.contact, &c.responder);
            if c.contact.channel == crate::model::Channel::Phone {
                for locale in &locales {
                    compare(
                        &c.contact.clone().with_locale(locale.as_str()),
                        &c.responder,
                    );
                }
                compare(&c.contact.clone().with_locale("xx"), &c.responder);
            }
        }
        let any = engine.circumstances().next().unwrap().contact;
        compare(&any, &Responder::system("no-such-system"));
        compare(&any, &Responder::staff("no-such-role"));
        compare(
            &any.clone().with_topic("no.such.topic"),
            &Responder::staff("no-such-role"),
        );
        assert!(compared > 10_000, "{compared}");
    }
}
