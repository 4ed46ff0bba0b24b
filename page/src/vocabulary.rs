//! What the contact form offers: what a compiled policy holds
//! ([`PolicyInfo`](unified_message::PolicyInfo)), with the values of progress and the outcomes.

use serde::Serialize;
use unified_message::{Engine, Outcome, Progress};

/// The choices of the contact form and of the table's filters, from one policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Vocabulary {
    /// The policy's name.
    pub name: String,
    /// The topic ids, in document order.
    pub topics: Vec<String>,
    /// The channels: the standard ones, then those the policy names that are not.
    pub channels: Vec<String>,
    /// The declared locales; the first is the default.
    pub locales: Vec<String>,
    /// The values of progress on the ladder.
    pub progress: Vec<String>,
    /// The facts the rules read, each with the values they compare it with.
    pub facts: Vec<FactChoice>,
    /// The role ids, in document order.
    pub roles: Vec<String>,
    /// The system ids, in document order.
    pub systems: Vec<String>,
    /// The department ids, in document order.
    pub departments: Vec<String>,
    /// The placeholders whose values the host supplies (`[policy].placeholders`).
    pub placeholders: Vec<String>,
    /// The outcomes a decision can have.
    pub outcomes: Vec<String>,
}

/// A fact that some rule reads, and the values the rules compare it with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FactChoice {
    /// The fact's name.
    pub name: String,
    /// The values named by rules, sorted.
    pub values: Vec<String>,
}

impl Vocabulary {
    /// The vocabulary of `engine`: what the policy holds
    /// ([`Engine::policy_info`](unified_message::Engine::policy_info)), with the values of
    /// progress and the outcomes.
    pub fn of(engine: &Engine) -> Vocabulary {
        let info = engine.policy_info(true);
        let detail = info.detail.unwrap_or_default();
        Vocabulary {
            name: info.name,
            topics: detail.topics,
            channels: detail.channels,
            locales: detail.locales,
            progress: Progress::ALL
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            facts: detail
                .facts
                .into_iter()
                .map(|f| FactChoice {
                    name: f.name,
                    values: f.values,
                })
                .collect(),
            roles: detail.roles,
            systems: detail.systems.into_iter().map(|s| s.id).collect(),
            departments: detail.departments,
            placeholders: detail.placeholders,
            outcomes: Outcome::ALL.iter().map(|o| o.as_str().to_owned()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_example_vocabulary_names_what_the_form_offers() {
        let source = unified_message::EXAMPLE_POLICY;
        let engine = Engine::from_toml_str(source).unwrap();
        let v = Vocabulary::of(&engine);
        assert_eq!(v.topics.first().map(String::as_str), Some("general"));
        assert!(v.channels.iter().any(|c| c == "sms"), "{:?}", v.channels);
        assert_eq!(v.channels.first().map(String::as_str), Some("phone"));
        assert_eq!(v.locales, ["es", "en"]);
        let names: Vec<&str> = v.facts.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["accessibility", "outage", "plan"]);
        assert!(v.systems.iter().any(|s| s == "self-diagnosis"));
        assert!(v.roles.iter().any(|r| r == "sales-agent"));
        assert_eq!(v.outcomes.len(), 6);
    }
}
