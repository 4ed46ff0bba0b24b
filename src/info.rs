//! What a compiled policy holds, for hosts that offer its choices (the page's contact form, a
//! client's menus, the service's `GET /v1/policy`): [`PolicyInfo`], from
//! [`Engine::policy_info`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::model::Tier;

/// What a policy holds: its name and revision, how many of each thing it declares and, when
/// asked ([`Engine::policy_info`] with `detail`), the lists themselves.
///
/// The short form (no `detail`) is the policy part of the service's `GET /v1/policy`.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let info = engine.policy_info(true);
/// assert_eq!(info.counts.locales, 2);
/// let detail = info.detail.as_ref().ok_or("no detail")?;
/// assert_eq!(detail.locales, ["es", "en"]);
/// assert!(detail.facts.iter().any(|f| f.name == "plan"));
/// assert!(engine.policy_info(false).detail.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PolicyInfo {
    /// The policy's name.
    pub name: String,
    /// Its revision, carried by every decision.
    pub revision: String,
    /// How many of each thing it declares.
    pub counts: PolicyCounts,
    /// The lists, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<PolicyDetail>,
}

/// How many of each thing a policy declares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PolicyCounts {
    /// Topics.
    pub topics: usize,
    /// Staff roles.
    pub roles: usize,
    /// Systems.
    pub systems: usize,
    /// Departments.
    pub departments: usize,
    /// Ranks.
    pub ranks: usize,
    /// Locales.
    pub locales: usize,
}

/// The lists a policy declares, each in document order unless said otherwise.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PolicyDetail {
    /// The topic ids.
    pub topics: Vec<String>,
    /// The fallback topic's id (one of `topics`).
    pub fallback_topic: String,
    /// The message ids, handover texts (`handover.route`…) included.
    pub messages: Vec<String>,
    /// The systems, with their tier.
    pub systems: Vec<SystemInfo>,
    /// The department ids.
    pub departments: Vec<String>,
    /// The staff role ids.
    pub roles: Vec<String>,
    /// The rank ids, lowest first.
    pub ranks: Vec<String>,
    /// The declared locales; the first is the default.
    pub locales: Vec<String>,
    /// The channels: the standard ones, then those the policy names, in order of first use.
    pub channels: Vec<String>,
    /// The facts the rules read, by name, each with the values the rules compare it with
    /// (sorted).
    pub facts: Vec<FactInfo>,
    /// The placeholders whose values the host supplies (`[policy].placeholders`).
    pub placeholders: Vec<String>,
}

/// A system of a policy: its id, tier and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SystemInfo {
    /// The system's id.
    pub id: String,
    /// Its tier.
    pub tier: Tier,
    /// Its name, as texts say it.
    pub name: String,
}

/// A fact the rules of a policy read, and the values they compare it with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FactInfo {
    /// The fact's name.
    pub name: String,
    /// The values rules name, sorted.
    pub values: Vec<String>,
}

impl Engine {
    /// What the policy holds: name, revision and counts, with the lists when `detail`.
    pub fn policy_info(&self, detail: bool) -> PolicyInfo {
        let parts = self.parts();
        PolicyInfo {
            name: self.name().to_owned(),
            revision: self.revision().to_owned(),
            counts: PolicyCounts {
                topics: parts.topics.len(),
                roles: parts.roles.len(),
                systems: parts.systems.len(),
                departments: parts.departments.len(),
                ranks: parts.ranks.len(),
                locales: parts.locales.len(),
            },
            detail: detail.then(|| self.policy_detail()),
        }
    }

    fn policy_detail(&self) -> PolicyDetail {
        let parts = self.parts();
        let owned = |it: &mut dyn Iterator<Item = &str>| it.map(str::to_owned).collect();
        let mut facts: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for rule in parts.rules.items() {
            for (key, values) in rule.facts.iter() {
                let entry = facts.entry(parts.fact_keys.id(*key)).or_default();
                entry.extend(values.iter().map(|v| parts.fact_values.id(*v)));
            }
        }
        PolicyDetail {
            topics: owned(&mut self.topics()),
            fallback_topic: self.fallback_topic().to_owned(),
            messages: owned(&mut parts.messages.items().iter().map(|m| &*m.id)),
            systems: parts
                .systems
                .items()
                .iter()
                .map(|s| SystemInfo {
                    id: s.id.to_string(),
                    tier: s.tier,
                    name: s.name.to_string(),
                })
                .collect(),
            departments: owned(&mut self.departments()),
            roles: owned(&mut self.roles()),
            ranks: owned(&mut self.ranks()),
            locales: owned(&mut self.locales()),
            channels: owned(&mut parts.channels.items().iter().map(|c| &**c)),
            facts: facts
                .into_iter()
                .map(|(name, values)| FactInfo {
                    name: name.to_owned(),
                    values: values.into_iter().map(str::to_owned).collect(),
                })
                .collect(),
            placeholders: owned(&mut parts.placeholders.iter().map(|p| &**p)),
        }
    }
}
