//! What the contact form offers: the ids of a compiled policy, and what only its document
//! says (the channels it names, the facts its rules read and their values).

use std::collections::BTreeSet;

use serde::Serialize;
use unified_message::document::PolicyDocument;
use unified_message::{Channel, Engine, Outcome, Progress};

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
    /// The vocabulary of `engine`, compiled from `doc`.
    pub fn of(engine: &Engine, doc: &PolicyDocument) -> Vocabulary {
        let mut channels: Vec<String> = Channel::STANDARD
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        let mut named = BTreeSet::new();
        for (_, system) in doc.systems.iter() {
            named.extend(system.where_.keys().map(str::to_owned));
        }
        for (_, message) in doc.messages.iter() {
            named.extend(message.channels.keys().map(str::to_owned));
            for version in &message.versions {
                named.extend(version.channels.keys().map(str::to_owned));
            }
        }
        for rule in &doc.rules {
            if let Some(list) = &rule.when.channel {
                named.extend(list.0.iter().cloned());
            }
        }
        for name in named {
            let name = Channel::from(name.as_str()).as_str().to_owned();
            if !name.is_empty() && !channels.contains(&name) {
                channels.push(name);
            }
        }

        let mut facts: Vec<FactChoice> = Vec::new();
        for rule in &doc.rules {
            for (name, values) in rule.when.facts.iter() {
                let at = match facts.iter().position(|f| f.name == name) {
                    Some(at) => at,
                    None => {
                        facts.push(FactChoice {
                            name: name.to_owned(),
                            values: Vec::new(),
                        });
                        facts.len() - 1
                    }
                };
                if let Some(fact) = facts.get_mut(at) {
                    for value in &values.0 {
                        if !fact.values.contains(value) {
                            fact.values.push(value.clone());
                        }
                    }
                }
            }
        }
        for fact in &mut facts {
            fact.values.sort();
        }

        Vocabulary {
            name: engine.name().to_owned(),
            topics: engine.topics().map(str::to_owned).collect(),
            channels,
            locales: engine.locales().map(str::to_owned).collect(),
            progress: Progress::ALL
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            facts,
            roles: engine.roles().map(str::to_owned).collect(),
            systems: engine.systems().map(str::to_owned).collect(),
            departments: engine.departments().map(str::to_owned).collect(),
            placeholders: doc.policy.placeholders.clone(),
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
        let doc = PolicyDocument::from_toml_str(source).unwrap();
        let v = Vocabulary::of(&engine, &doc);
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
