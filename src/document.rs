//! The policy document: plain serde types, so TOML, JSON and YAML all load through the same
//! shapes. Field names are a contract with users (see the guide's policy format reference, `docs/format.md`).
//!
//! These types hold what was written, checked only for shape. [`crate::Engine::compile`]
//! resolves every reference and reports every semantic error at once.
//!
//! Here too: where in a document a diagnostic points ([`DocPath`], made of
//! [`PathSegment`]s, and its line and column, [`Location`]), and [`inexact_number`], the
//! check for numbers a parser would round, for hosts that parse contacts themselves.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{Authority, Progress, Tier};

pub use crate::diagnostic::{DocPath, Location, PathSegment};
pub use crate::model::inexact_number;

/// A table of named entries that keeps document order and keeps duplicates, so that a
/// duplicate id is reported by [`crate::Engine::compile`] with every other error instead of
/// being silently overwritten (JSON allows repeated keys).
///
/// # Examples
///
/// ```
/// use unified_message::document::IdMap;
///
/// let map: IdMap<String> = serde_json::from_str(r#"{"b": "1", "a": "2", "b": "3"}"#)?;
/// assert_eq!(map.len(), 3);
/// assert_eq!(map.get("a").map(String::as_str), Some("2"));
/// assert_eq!(map.keys().collect::<Vec<_>>(), ["b", "a", "b"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdMap<V>(pub Vec<(String, V)>);

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap(Vec::new())
    }
}

impl<V> IdMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        IdMap(Vec::new())
    }

    /// Appends an entry (a duplicate key is kept, to be reported on compile).
    pub fn insert(&mut self, key: impl Into<String>, value: V) {
        self.0.push((key.into(), value));
    }

    /// The first value under `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The number of entries, duplicates included.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys in document order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// The entries in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl<K: Into<String>, V> FromIterator<(K, V)> for IdMap<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        IdMap(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl<V: Serialize> Serialize for IdMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for IdMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = IdMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of named entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(4096));
                while let Some((k, v)) = access.next_entry::<String, V>()? {
                    entries.push((k, v));
                }
                Ok(IdMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// One value or a list of values: `channel = "phone"` or `channel = ["phone", "ivr"]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<T> From<T> for OneOrMany<T> {
    fn from(value: T) -> Self {
        OneOrMany(vec![value])
    }
}

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(serializer),
            many => many.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneVisitor<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                // `accessibility = true` reads as the fact value "true".
                self.visit_str(if v { "true" } else { "false" })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            // Numbers are kept as the digits written (issue 19): 128-bit integers exactly, a
            // double only when its text is certainly the one written.
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                match crate::model::exact_float_text(v) {
                    Ok(text) => self.visit_str(&text),
                    Err(why) => Err(E::custom(format_args!("the value {why}"))),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<T>()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
        }
        deserializer.deserialize_any(OneVisitor(PhantomData))
    }
}

/// Text per locale: `{ es = "…", en = "…" }`.
pub type LocaleText = IdMap<String>;

/// The whole policy document.
///
/// # Examples
///
/// ```
/// use unified_message::document::PolicyDocument;
///
/// let doc: PolicyDocument = toml::from_str(r#"
///     [policy]
///     name = "Acme"
///     revision = "1"
///     locales = ["en"]
/// "#)?;
/// assert_eq!(doc.policy.name.as_deref(), Some("Acme"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PolicyDocument {
    /// `[policy]`: name, revision, locales, fallback topic.
    #[serde(default)]
    pub policy: PolicyHeader,
    /// `[departments]`: who owns topics.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub departments: IdMap<DepartmentDoc>,
    /// `[systems.ID]`: explaining and serving systems.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub systems: IdMap<SystemDoc>,
    /// `[topics."dotted.id"]`: the circumstances the policy knows.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub topics: IdMap<TopicDoc>,
    /// `[messages.ID]`: canonical texts.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub messages: IdMap<MessageDoc>,
    /// `[roles.ID]`: staff roles.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub roles: IdMap<RoleDoc>,
    /// `[ranks]`: the rank order and the review window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranks: Option<RanksDoc>,
    /// `[handover]`: what is said when handing the customer on, per outcome and locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handover: Option<HandoverDoc>,
    /// `[style]`: forbidden phrases (R2.3).
    #[serde(default)]
    pub style: StyleDoc,
    /// `[[rules]]`, in evaluation order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleDoc>,
    /// `[triage]`: how free text is placed on a topic (R1.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<TriageDoc>,
    /// `[urgency]`: the weights of the urgency score (R1.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<UrgencyDoc>,
}

/// `[policy]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PolicyHeader {
    /// The company or policy name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The policy revision, carried by every decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The declared locales; the first is the default.
    #[serde(default)]
    pub locales: Vec<String>,
    /// The topic used when none is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// Names of placeholders whose values the host supplies when rendering
    /// (`{customer_name}`); any other placeholder that is not built in is an error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placeholders: Vec<String>,
}

/// `[departments.ID]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DepartmentDoc {
    /// The name customers hear (`{department}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `[systems.ID]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SystemDoc {
    /// `explains` or `serves` (a person is not a system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// The name customers hear (`{system}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where to find it, per channel (`{where}`); the first entry serves other channels.
    #[serde(rename = "where", default, skip_serializing_if = "IdMap::is_empty")]
    pub where_: IdMap<String>,
}

/// A topic's system tier: which system, and which message it gives.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TierRefDoc {
    /// The system's id.
    pub system: String,
    /// The message's id.
    pub message: String,
}

/// `[topics."dotted.id"]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TopicDoc {
    /// The owning department (R0.2, R0.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Triage keywords per locale: regular expressions (R1.4).
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub keywords: IdMap<Vec<String>>,
    /// The explaining system and its message (tier 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explains: Option<TierRefDoc>,
    /// The serving system and its message (tier 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serves: Option<TierRefDoc>,
    /// The message a person gives once the systems are exhausted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// The authority that answer needs inside the owning department (`own` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    /// The rank that authorizes, when `authority = "authorized"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// The topic's own weight in the urgency score (R1.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<f64>,
}

/// One version of a message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct VersionDoc {
    /// What changed since the previous version; meaningless on the first one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// The text per locale.
    #[serde(default)]
    pub text: LocaleText,
    /// Per-channel variants of the same content, per locale.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub channels: IdMap<LocaleText>,
}

/// `[messages.ID]`: a single text, or a list of versions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MessageDoc {
    /// The text per locale, for a message with a single version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<LocaleText>,
    /// Per-channel variants, for a message with a single version.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub channels: IdMap<LocaleText>,
    /// The versions, oldest first; the last is current.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<VersionDoc>,
}

/// What a new version of a message changes (R0.3, R0.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Same instructions, better words: customers keep hearing the version they first got.
    Editorial,
    /// The procedure changed: customers get the new text with a change notice.
    Substantive,
}

/// `[roles.ID]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RoleDoc {
    /// The role's department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The role's rank, from `[ranks].order`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// Authority grants by topic pattern (`"email.*" = "own"`); the most specific wins.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub authority: IdMap<Authority>,
}

/// `[ranks]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RanksDoc {
    /// Ranks from the lowest to the highest.
    #[serde(default)]
    pub order: Vec<String>,
    /// The window of the review above the top rank (`"24h"`, `"2d"`, `"90m"`); 24 h by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_within: Option<String>,
}

/// `[handover]`: what a person says when handing the customer on, per outcome and locale.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HandoverDoc {
    /// `redirect` to an explaining system: `{system}`, `{where}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explains: Option<LocaleText>,
    /// `redirect` to a serving system: `{system}`, `{where}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serves: Option<LocaleText>,
    /// `route` to the owning department: `{department}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<LocaleText>,
    /// `authorize`: `{rank}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize: Option<LocaleText>,
    /// `escalate` to the next rank: `{rank}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate: Option<LocaleText>,
    /// `review` above the top rank: `{within}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<LocaleText>,
    /// The notice given when a message changed substantively since the customer first got
    /// it: `{previous}` is what they were told before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<LocaleText>,
}

/// `[style]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StyleDoc {
    /// Phrases never to use (R2.3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forbidden: Vec<ForbiddenDoc>,
}

/// A forbidden phrase: a regular expression and why it is forbidden.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ForbiddenDoc {
    /// The regular expression (`(?i)` for case-insensitive).
    pub pattern: String,
    /// The reason, shown to whoever wrote the phrase.
    #[serde(default)]
    pub why: String,
}

/// `[[rules]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleDoc {
    /// The rule's id, carried by the decisions it shapes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What the rule is for, in words (shown by `explain` and the manual).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// When it applies; every condition given must hold.
    #[serde(default)]
    pub when: WhenDoc,
    /// What it changes.
    #[serde(default)]
    pub then: ThenDoc,
}

/// A rule's conditions. Each list matches any of its values; absent conditions match all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WhenDoc {
    /// Topic ids or prefixes (`"email.*"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<OneOrMany<String>>,
    /// Channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<OneOrMany<String>>,
    /// The responding staff member's department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<OneOrMany<String>>,
    /// The responding staff member's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<OneOrMany<String>>,
    /// The responding staff member's rank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<OneOrMany<String>>,
    /// The customer's progress on the ladder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<OneOrMany<Progress>>,
    /// Facts that must have one of the given values.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub facts: IdMap<OneOrMany<String>>,
}

/// A rule's effects.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ThenDoc {
    /// A fixed answer for every responder, system or staff (an outage notice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Staff answer without sending the customer through the systems first (R2.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_ladder: Option<bool>,
    /// The authority that applies instead of the role's or topic's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    /// The department that owns the circumstance instead of the topic's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
}

/// `[triage]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TriageDoc {
    /// The confidence (0–1) below which triage answers with the fallback topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

/// `[urgency]`: the weights of the urgency score (R1.4).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UrgencyDoc {
    /// Points when a fact equals a value: `[[urgency.facts]] fact = "plan", equals = "premium", points = 30`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<FactWeightDoc>,
    /// Points per unit of a numeric fact, capped: `recent_contacts`, `unresolved_complaints`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counts: Vec<CountWeightDoc>,
    /// Points per unit of a topic's `severity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<f64>,
}

/// Points when a fact has a given value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FactWeightDoc {
    /// The fact's key.
    pub fact: String,
    /// The value that scores.
    pub equals: String,
    /// The points it adds.
    pub points: f64,
}

/// Points per unit of a numeric fact, up to a cap.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CountWeightDoc {
    /// The fact's key; its value must parse as a number.
    pub fact: String,
    /// Points per unit.
    pub per: f64,
    /// The most points it can add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// The JSON Schema (draft 7, which editors' TOML and YAML language servers read) of a policy
/// document, as committed in `schema/policy.schema.json`.
///
/// Point an editor at the committed file for completion and validation as you type: a
/// `#:schema ./schema/policy.schema.json` first line in a TOML policy (Taplo, Even Better
/// TOML), `# yaml-language-server: $schema=./schema/policy.schema.json` in a YAML one. The
/// schema checks the shape (sections, field names and types, enumerations);
/// [`crate::Engine::compile`] still checks what a schema cannot (references, tiers, locales,
/// placeholders, regular expressions).
///
/// # Examples
///
/// ```
/// let schema = unified_message::document::policy_schema();
/// assert_eq!(schema["title"], "PolicyDocument");
/// assert_eq!(schema["additionalProperties"], false);
/// assert!(schema["properties"]["topics"].is_object());
/// ```
#[cfg(feature = "schema")]
pub fn policy_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<PolicyDocument>();
    schema.insert(
        "$comment".to_owned(),
        "Generated from the document types of the unified-message crate (src/document.rs): \
         `cargo run --example write_schema` writes it again."
            .into(),
    );
    schema.to_value()
}
