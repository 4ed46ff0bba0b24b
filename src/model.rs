//! The vocabulary of a contact: channels, the ladder, authority, progress, contacts and
//! responders. Everything here is plain data with serde, so a chatbot can send a contact as
//! JSON and a host can store it.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a contact arrives. The channel never changes *what* is said (R0.1), only how it may
/// be rendered (a per-channel variant of the same message).
///
/// Serialized as its name: `"phone"`, `"in_person"`, or any custom name such as `"sms"`.
///
/// # Examples
///
/// ```
/// use unified_message::Channel;
///
/// assert_eq!(Channel::from("chat"), Channel::Chat);
/// assert_eq!(Channel::from("sms"), Channel::Custom("sms".into()));
/// assert_eq!(Channel::from("Phone"), Channel::Phone);
/// assert_eq!(Channel::from("SMS"), Channel::Custom("sms".into()));
/// assert_eq!(Channel::InPerson.as_str(), "in_person");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Channel {
    /// A phone call with a person.
    Phone,
    /// An interactive voice response system.
    Ivr,
    /// The web site (self-diagnosis, forms, control panel).
    Web,
    /// E-mail.
    Email,
    /// Live chat or a chatbot.
    Chat,
    /// Social networks.
    Social,
    /// Messaging apps.
    Messaging,
    /// A visit or a meeting.
    InPerson,
    /// A ticket system.
    Ticket,
    /// Any other channel, by name (`"sms"`, `"kiosk"`).
    Custom(String),
}

impl Channel {
    /// The standard channels, in the order of their dense indices inside an engine.
    pub const STANDARD: [Channel; 9] = [
        Channel::Phone,
        Channel::Ivr,
        Channel::Web,
        Channel::Email,
        Channel::Chat,
        Channel::Social,
        Channel::Messaging,
        Channel::InPerson,
        Channel::Ticket,
    ];

    /// The channel's name as written in policies and JSON.
    pub fn as_str(&self) -> &str {
        match self {
            Channel::Phone => "phone",
            Channel::Ivr => "ivr",
            Channel::Web => "web",
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Social => "social",
            Channel::Messaging => "messaging",
            Channel::InPerson => "in_person",
            Channel::Ticket => "ticket",
            Channel::Custom(name) => name,
        }
    }

    /// The index of a standard channel in [`Channel::STANDARD`], `None` for a custom one.
    pub(crate) fn standard_index(&self) -> Option<usize> {
        Some(match self {
            Channel::Phone => 0,
            Channel::Ivr => 1,
            Channel::Web => 2,
            Channel::Email => 3,
            Channel::Chat => 4,
            Channel::Social => 5,
            Channel::Messaging => 6,
            Channel::InPerson => 7,
            Channel::Ticket => 8,
            Channel::Custom(_) => return None,
        })
    }
}

impl From<&str> for Channel {
    /// The channel of that name. Names are read without surrounding spaces and without regard
    /// to ASCII case (`"Phone"` is [`Channel::Phone`]; `"SMS"` is the custom channel `sms`), so
    /// a host's spelling never turns a standard channel into a custom one.
    fn from(name: &str) -> Self {
        let name = name.trim();
        Channel::STANDARD
            .iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name))
            .cloned()
            .unwrap_or_else(|| Channel::Custom(name.to_ascii_lowercase()))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Channel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name.trim().is_empty() {
            return Err(serde::de::Error::custom("a channel name cannot be empty"));
        }
        Ok(Channel::from(name.as_str()))
    }
}

/// A rung of the three-tier ladder (R0.4), ordered `explains < serves < person`.
///
/// # Examples
///
/// ```
/// use unified_message::Tier;
/// assert!(Tier::Explains < Tier::Serves && Tier::Serves < Tier::Person);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// A system that explains: self-diagnosis, an IVR that explains, tutorials, a chatbot.
    Explains,
    /// A system that serves: a control panel, webmail, forms that collect content.
    Serves,
    /// A person.
    Person,
}

impl Tier {
    /// The tier's name as written in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Explains => "explains",
            Tier::Serves => "serves",
            Tier::Person => "person",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far up the ladder the customer has already gone for this topic: the highest system
/// tier they have been through.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// Nothing yet: the first contact must be an explaining system (R0.4).
    #[default]
    Fresh,
    /// The customer went through the explaining system.
    Explained,
    /// The customer went through the serving system too.
    Served,
}

impl Progress {
    /// All values, in ladder order.
    pub const ALL: [Progress; 3] = [Progress::Fresh, Progress::Explained, Progress::Served];

    /// The name as written in policies and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Fresh => "fresh",
            Progress::Explained => "explained",
            Progress::Served => "served",
        }
    }

    /// Whether the customer has already been through a system of `tier`.
    pub fn has_passed(self, tier: Tier) -> bool {
        match tier {
            Tier::Explains => self >= Progress::Explained,
            Tier::Serves => self >= Progress::Served,
            Tier::Person => false,
        }
    }

    /// The progress reached once a system of `tier` has explained or served.
    pub fn after(tier: Tier) -> Progress {
        match tier {
            Tier::Explains => Progress::Explained,
            Tier::Serves | Tier::Person => Progress::Served,
        }
    }

    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Authority levels, *atribuciones* (R4.3), ordered from the broadest to the narrowest.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// Level 1: the responder answers now with a solution of their own.
    #[default]
    Own,
    /// Level 2: the answer comes after consulting the owning department, or the customer is
    /// routed to it.
    Consensual,
    /// Level 3: no answer without prior authorization by an approver, followed up.
    Authorized,
}

impl Authority {
    /// The name as written in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Authority::Own => "own",
            Authority::Consensual => "consensual",
            Authority::Authorized => "authorized",
        }
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts a host knows about a contact (`plan = "premium"`, `accessibility = "true"`),
/// which rules and urgency weights read.
pub type Facts = BTreeMap<String, String>;

/// One customer contact: the input of a decision.
///
/// Built with [`Contact::new`] and the `with_*` methods, or deserialized from JSON.
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Progress};
///
/// let contact = Contact::new("customer-42", Channel::Phone)
///     .with_topic("email.setup")
///     .with_locale("es")
///     .with_progress(Progress::Explained)
///     .with_fact("plan", "premium");
///
/// let json = serde_json::to_string(&contact)?;
/// let back: Contact = serde_json::from_str(&json)?;
/// assert_eq!(back, contact);
///
/// // A chatbot sends only what it knows; the rest takes its default.
/// let from_bot: Contact = serde_json::from_str(
///     r#"{"customer": "c-7", "channel": "chat", "text": "no puedo configurar el correo"}"#,
/// )?;
/// assert_eq!(from_bot.progress, Progress::Fresh);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Contact {
    /// The customer, as an opaque id of the host.
    pub customer: String,
    /// How the contact arrives.
    pub channel: Channel,
    /// The topic id, when the host knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The customer's own words, triaged to a topic when `topic` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The customer's locale (`"es"`, `"en-GB"`); the policy's default when absent or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The highest system tier already gone through for this topic.
    #[serde(default)]
    pub progress: Progress,
    /// Facts supplied by the host. In JSON, numbers and booleans are read as their text
    /// (`"recent_contacts": 7` is the fact `"7"`); a number too long to keep exactly (an
    /// integer beyond 2^53 that the parser reads as a float, a fraction of more than 15
    /// significant digits) is an error that asks to quote it, and `null` is an error.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "facts_from_scalars"
    )]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::wire::contact_facts_schema")
    )]
    pub facts: Facts,
    /// Whether the customer asks for a superior (R3.3).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asks_for_superior: bool,
}

/// Reads facts whose values are strings, numbers or booleans, keeping each as text.
///
/// An integer is kept exactly (`123456789012345678901234567890` in YAML stays those digits). A
/// number that arrives as a double-precision float is kept only when its text is exact: an
/// integer beyond 2^53 (such as a JSON integer beyond the 64-bit range, which JSON parsers read
/// as a float) or a fraction with more than 15 significant digits is an error that says to
/// quote it, never a silently different value. `null` is an error in words.
fn facts_from_scalars<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Facts, D::Error> {
    struct FactsVisitor;
    impl<'de> Visitor<'de> for FactsVisitor {
        type Value = Facts;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table of facts, such as {\"plan\": \"premium\"}")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Facts, A::Error> {
            let mut facts = Facts::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = map.next_value_seed(FactValue(&key))?;
                facts.insert(key, value);
            }
            Ok(facts)
        }
    }
    deserializer.deserialize_map(FactsVisitor)
}

/// One fact's value, as text; `.0` is the fact's key, for the error messages.
struct FactValue<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for FactValue<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// The text of a number that a parser read as a double (`1.5`; a JSON integer beyond the
/// 64-bit range), when that text is certainly the number written: an integer below 2^53 or a
/// fraction of at most 15 significant digits. Otherwise why not, to follow the fact's name or
/// "value": the number is too long to keep exactly, and should be written in quotes.
pub(crate) fn exact_float_text(v: f64) -> Result<String, String> {
    if !v.is_finite() {
        return Err("is not a finite number; write it as a string, in quotes".to_owned());
    }
    let text = v.to_string();
    let significant = text
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len();
    let inexact = if v.fract() == 0.0 {
        v.abs() >= EXACT_FLOAT_INTEGER
    } else {
        significant > EXACT_FLOAT_DIGITS
    };
    if inexact {
        return Err(format!(
            "is a number too long to keep exactly (it would read as {}); write it as a string, in quotes",
            crate::bounded::cut(&text)
        ));
    }
    Ok(text)
}

/// Integers of a double below this magnitude are exact.
const EXACT_FLOAT_INTEGER: f64 = 9_007_199_254_740_992.0; // 2^53

/// The most significant digits of a fraction that a double keeps exactly.
const EXACT_FLOAT_DIGITS: usize = 15;

impl<'de> Visitor<'de> for FactValue<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fact `{}` to be a string, a number or a boolean",
            crate::bounded::cut(self.0)
        )
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        exact_float_text(v)
            .map_err(|why| E::custom(format_args!("fact `{}` {why}", crate::bounded::cut(self.0))))
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom(format_args!(
            "fact `{}` is null; leave out a fact that has no value, or give it one such as \"unknown\"",
            crate::bounded::cut(self.0)
        )))
    }
    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        self.visit_unit()
    }
}

impl Contact {
    /// A fresh contact of `customer` on `channel`, with no topic, text, locale or facts.
    pub fn new(customer: impl Into<String>, channel: Channel) -> Self {
        Contact {
            customer: customer.into(),
            channel,
            topic: None,
            text: None,
            locale: None,
            progress: Progress::Fresh,
            facts: Facts::new(),
            asks_for_superior: false,
        }
    }

    /// This contact about `topic`.
    #[must_use]
    pub fn with_topic(mut self, topic: impl Into<String>) -> Self {
        self.topic = Some(topic.into());
        self
    }

    /// This contact with the customer's own words, to triage when there is no topic.
    #[must_use]
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// This contact in `locale`.
    #[must_use]
    pub fn with_locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }

    /// This contact on another channel (the same customer switching from chat to phone).
    #[must_use]
    pub fn with_channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }

    /// This contact with the customer's progress on the ladder.
    #[must_use]
    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = progress;
        self
    }

    /// This contact with one more fact.
    #[must_use]
    pub fn with_fact(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.facts.insert(key.into(), value.into());
        self
    }

    /// This contact with the customer asking for a superior (R3.3).
    #[must_use]
    pub fn asking_for_superior(mut self) -> Self {
        self.asks_for_superior = true;
        self
    }
}

/// Who is about to answer: a system (by system id) or a staff member (by role id).
///
/// Serialized as `{"system": "ivr"}` or `{"staff": "support-agent"}`.
///
/// # Examples
///
/// ```
/// use unified_message::Responder;
/// let r: Responder = serde_json::from_str(r#"{"staff": "sales-agent"}"#)?;
/// assert_eq!(r, Responder::staff("sales-agent"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Responder {
    /// A tier-1 or tier-2 system, by its id in the policy.
    System(String),
    /// A person, by the id of their role in the policy.
    Staff(String),
}

impl Responder {
    /// A system responding.
    pub fn system(id: impl Into<String>) -> Self {
        Responder::System(id.into())
    }

    /// A staff member of `role` responding.
    pub fn staff(role: impl Into<String>) -> Self {
        Responder::Staff(role.into())
    }
}

/// `{"system": "ID"}` or `{"staff": "ROLE"}`: exactly one key, with a clear error for none,
/// both, or another key.
impl<'de> Deserialize<'de> for Responder {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ResponderVisitor;
        const SHAPE: &str = r#"a responder is `{"system": "SYSTEM"}` or `{"staff": "ROLE"}`"#;
        impl<'de> Visitor<'de> for ResponderVisitor {
            type Value = Responder;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(SHAPE)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Responder, A::Error> {
                let mut found: Option<Responder> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let id: String = map.next_value()?;
                    let responder = match key.as_str() {
                        "system" => Responder::System(id),
                        "staff" => Responder::Staff(id),
                        other => {
                            return Err(de::Error::custom(format_args!(
                                "unknown responder kind `{}`: {SHAPE}",
                                crate::bounded::cut(other)
                            )));
                        }
                    };
                    if found.is_some() {
                        return Err(de::Error::custom(format_args!(
                            "a responder is a system or a staff role, not both: keep one of `system` and `staff`"
                        )));
                    }
                    found = Some(responder);
                }
                found.ok_or_else(|| {
                    de::Error::custom(format_args!("the responder is empty: {SHAPE}"))
                })
            }
        }
        deserializer.deserialize_map(ResponderVisitor)
    }
}

impl fmt::Display for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Responder::System(id) => write!(f, "system `{id}`"),
            Responder::Staff(id) => write!(f, "staff role `{id}`"),
        }
    }
}

/// The first number written in `text` (JSON, or TOML when `toml`: `#` comments and `'…'`
/// strings too) that a double cannot keep exactly — a fraction or an exponent with more than
/// 15 significant digits, such as `0.30000000000000000001`, which a parser reads as `0.3` —
/// as its byte offset and its text (issue 25 point 5). Integers are kept exactly, whatever
/// their length, and are not reported. Linear in the text: strings and comments are skipped,
/// every other byte is read once.
///
/// A parser gives the double, not the digits written, so the check must read the text: the
/// policy parsers and the scenario files (what a person writes) call it before parsing. A
/// request's facts (the `decide` lines, the service's bodies) follow the narrower rule of
/// [`request::inexact_fact_number`](crate::request::inexact_fact_number): integers within
/// ±(2^53 − 1), decimals as strings.
pub fn inexact_number(text: &str, toml: bool) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0usize;
    // Whether the previous byte ends a token (a number may start after it).
    let mut boundary = true;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' | b'\'' if b == b'"' || toml => {
                let triple = toml && bytes.get(i..i + 3) == Some(&[b, b, b][..]);
                i = string_end(bytes, i, b, triple);
                boundary = true;
            }
            b'#' if toml => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' if boundary => {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || b"+-._:".contains(c))
                {
                    i += 1;
                }
                let token = text.get(start..i).unwrap_or("");
                if too_precise(token) {
                    return Some((start, token));
                }
                boundary = false;
            }
            _ => {
                boundary = !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
                i += 1;
            }
        }
    }
    None
}

/// Where the string opened by `quote` at `start` ends (just past its closing quote, or the
/// end of the text); `"` strings have backslash escapes, `'` strings (TOML literals) none.
fn string_end(bytes: &[u8], start: usize, quote: u8, triple: bool) -> usize {
    let width = if triple { 3 } else { 1 };
    let mut i = start + width;
    while let Some(&c) = bytes.get(i) {
        if c == b'\\' && quote == b'"' {
            i += 2;
            continue;
        }
        if c == quote && (!triple || bytes.get(i..i + 3) == Some(&[quote; 3][..])) {
            // A closing `"""` may be followed by up to two more quotes of the text.
            let mut end = i + width;
            while triple && bytes.get(end) == Some(&quote) && end < i + 5 {
                end += 1;
            }
            return end;
        }
        if c == b'\n' && !triple {
            return i;
        }
        i += 1;
    }
    i
}

/// Whether `token` is a decimal number (a fraction or an exponent; `_` separators allowed)
/// with more significant digits than a double keeps exactly.
fn too_precise(token: &str) -> bool {
    let unsigned = token.trim_start_matches(['+', '-']);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(e) => (unsigned.get(..e).unwrap_or(""), unsigned.get(e + 1..)),
        None => (unsigned, None),
    };
    let is_number = !mantissa.is_empty()
        && mantissa
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b'_')
        && mantissa.bytes().filter(|&c| c == b'.').count() <= 1
        && mantissa.bytes().any(|c| c.is_ascii_digit())
        && exponent.is_none_or(|e| {
            let e = e.trim_start_matches(['+', '-']);
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit() || c == b'_')
        });
    if !is_number || (exponent.is_none() && !mantissa.contains('.')) {
        return false;
    }
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant > EXACT_FLOAT_DIGITS
}

/// [`inexact_number`] for YAML, where a plain scalar is a number only when it is the whole
/// value: each value of a line (after `key:`, after `- `, or an item of a flow `[…]` or
/// `{…}`) that is a decimal with more significant digits than a double keeps, as its byte
/// offset and text. Quoted scalars and comments are skipped; a number inside a sentence is
/// text, never reported. Linear in the text.
#[cfg(feature = "yaml")]
pub(crate) fn inexact_yaml_number(text: &str) -> Option<(usize, &str)> {
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let mut piece_start = 0usize;
        let mut quote: Option<char> = None;
        let check = |from: usize, to: usize| -> Option<(usize, &str)> {
            let piece = line.get(from..to)?;
            // After a mapping key or a sequence dash, the value.
            let value = match piece.rfind(": ") {
                Some(colon) => piece.get(colon + 2..)?,
                None => piece,
            };
            let value = value.trim_start_matches([' ', '\t']);
            let value = value.strip_prefix("- ").unwrap_or(value);
            let trimmed = value.trim();
            let lead = value.len() - value.trim_start().len();
            let at = start + to - piece.len() + (piece.len() - value.len()) + lead;
            (too_precise(trimmed)).then_some((at, trimmed))
        };
        let mut prev = ' ';
        for (i, c) in line.char_indices() {
            match quote {
                Some(q) => {
                    if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    '"' | '\'' if matches!(prev, ' ' | '[' | '{' | ',' | ':') => quote = Some(c),
                    '#' if matches!(prev, ' ' | '\t') => {
                        if let Some(found) = check(piece_start, i) {
                            return Some(found);
                        }
                        piece_start = line.len();
                        break;
                    }
                    '[' | ']' | '{' | '}' | ',' => {
                        if let Some(found) = check(piece_start, i) {
                            return Some(found);
                        }
                        piece_start = i + 1;
                    }
                    _ => {}
                },
            }
            prev = c;
        }
        if quote.is_none() {
            if let Some(found) = check(piece_start, line.len()) {
                return Some(found);
            }
        }
    }
    None
}
