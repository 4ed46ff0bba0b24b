//! Urgency (R1.4): a score from the policy's `[urgency]` weights over the contact's facts and
//! its topic's severity, with every contribution listed so an agent sees why a case is first.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::compiled::Engine;
use crate::engine::ids::TopicIx;
use crate::model::Contact;

pub(crate) mod weights;

pub(crate) use weights::Weights;
use weights::{CountWeight, FactWeight};

/// What a contribution to an urgency score comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContributionKind {
    /// A fact equal to a value (`plan = premium`): fixed points.
    Fact,
    /// A numeric fact (`recent_contacts = 3`): points per unit, up to a cap.
    Count,
    /// The topic's own severity times the policy's severity weight.
    Severity,
}

/// One term of an urgency score.
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Engine};
/// use unified_message::urgency::ContributionKind;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let contact = Contact::new("c-1", Channel::Email)
///     .with_topic("email.setup")
///     .with_fact("recent_contacts", "9");
/// let urgency = engine.urgency(&contact);
/// let count = urgency.contributions.iter().find(|c| c.kind == ContributionKind::Count).unwrap();
/// assert_eq!(count.points, 25.0); // 9 × 5 = 45, capped at 25
/// assert_eq!(count.to_string(), "`recent_contacts` = `9`: +25 (9 × 5, capped at 25)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contribution {
    /// What it comes from.
    pub kind: ContributionKind,
    /// The fact's key, or the topic's id for [`ContributionKind::Severity`].
    pub name: String,
    /// The fact's value as the host gave it, or the topic's severity.
    pub value: String,
    /// The points it adds (0 for a value that could not be read).
    pub points: f64,
    /// How the points were computed, or why the value was ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl fmt::Display for Contribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ContributionKind::Severity => write!(
                f,
                "topic `{}` severity {}: {:+}",
                self.name, self.value, self.points
            )?,
            _ => write!(f, "`{}` = `{}`: {:+}", self.name, self.value, self.points)?,
        }
        if let Some(note) = &self.note {
            write!(f, " ({note})")?;
        }
        Ok(())
    }
}

/// A contact's urgency score and what it is made of (R1.4), from [`Engine::urgency`].
///
/// The score is the sum of the contributions' points; queues order cases by it (highest
/// first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Urgency {
    /// The total: the sum of every contribution's points.
    pub score: f64,
    /// The topic the severity was taken from (the contact's, triaged, or the fallback).
    pub topic: String,
    /// Each term, in the policy's order: facts, counts, then the topic's severity.
    pub contributions: Vec<Contribution>,
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "urgency {}", self.score)?;
        for (i, c) in self.contributions.iter().enumerate() {
            f.write_str(if i == 0 { " = " } else { "; " })?;
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// `n` in a readable form: `25`, `2.5`.
fn number(n: f64) -> String {
    format!("{n}")
}

impl Engine {
    /// How urgent `contact` is (R1.4): the policy's `[urgency]` weights over its facts and
    /// its topic (the contact's topic, else triage of its text, else the fallback topic).
    ///
    /// - `facts = [{ fact, equals, points }]`: `points` when the fact equals `equals`.
    /// - `counts = [{ fact, per, max }]`: `per` points per unit of a numeric fact, at most
    ///   `max` points in magnitude. A value that is not a finite number of at least 0
    ///   (`"many"`, `"-2"`) adds nothing and is listed with 0 points and a note; an absent
    ///   fact is not listed.
    /// - `severity`: points per unit of the topic's `severity` (1 by default); always listed.
    ///
    /// Never fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Engine};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let premium = Contact::new("c-1", Channel::Phone)
    ///     .with_topic("email.webmail")
    ///     .with_fact("plan", "premium")
    ///     .with_fact("unresolved_complaints", "2");
    /// let urgency = engine.urgency(&premium);
    /// // plan premium 30 + 2 complaints × 10 + webmail severity 5 × 2
    /// assert_eq!(urgency.score, 60.0);
    /// assert_eq!(urgency.contributions.len(), 3);
    /// println!("{urgency}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn urgency(&self, contact: &Contact) -> Urgency {
        let topic = self.resolve(contact).topic;
        self.urgency_for(contact, topic)
    }

    /// [`Engine::urgency`] with the topic already resolved.
    pub(crate) fn urgency_for(&self, contact: &Contact, topic: TopicIx) -> Urgency {
        let w = &self.parts().urgency;
        let mut contributions = Vec::new();
        for FactWeight {
            fact,
            equals,
            points,
        } in w.facts.iter()
        {
            if contact
                .facts
                .get(&**fact)
                .is_some_and(|v| v.as_str() == &**equals)
            {
                contributions.push(Contribution {
                    kind: ContributionKind::Fact,
                    name: fact.to_string(),
                    value: equals.to_string(),
                    points: *points,
                    note: None,
                });
            }
        }
        for CountWeight { fact, per, max } in w.counts.iter() {
            let Some(raw) = contact.facts.get(&**fact) else {
                continue;
            };
            let units = raw
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0);
            let (points, note) = match units {
                None => (
                    0.0,
                    format!("`{raw}` is not a number of at least 0: ignored"),
                ),
                Some(n) => {
                    // A huge count times its weight could overflow to infinity, which JSON
                    // cannot carry: points stay finite.
                    let raw_points = (n * per).clamp(-f64::MAX, f64::MAX);
                    match max {
                        Some(m) if raw_points.abs() > *m => (
                            m.copysign(raw_points),
                            format!("{} × {}, capped at {}", number(n), number(*per), number(*m)),
                        ),
                        _ => (raw_points, format!("{} × {}", number(n), number(*per))),
                    }
                }
            };
            contributions.push(Contribution {
                kind: ContributionKind::Count,
                name: fact.to_string(),
                value: raw.clone(),
                points,
                note: Some(note),
            });
        }
        let severity = self.parts().topics.get(topic).map_or(0.0, |t| t.severity);
        contributions.push(Contribution {
            kind: ContributionKind::Severity,
            name: self.parts().topics.id(topic).to_owned(),
            value: number(severity),
            points: (severity * w.severity).clamp(-f64::MAX, f64::MAX),
            note: Some(format!(
                "{} × weight {}",
                number(severity),
                number(w.severity)
            )),
        });
        let score = contributions
            .iter()
            .map(|c| c.points)
            .sum::<f64>()
            .clamp(-f64::MAX, f64::MAX);
        Urgency {
            score,
            topic: self.parts().topics.id(topic).to_owned(),
            contributions,
        }
    }
}
