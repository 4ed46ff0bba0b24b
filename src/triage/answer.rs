//! What triage answers: [`TriageResult`] and its parts, data only.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why triage chose its topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TriageReason {
    /// The keywords place the text on the topic with enough confidence.
    Keywords,
    /// Keywords matched, but the best topic's confidence is below the policy's threshold:
    /// the fallback topic applies.
    BelowThreshold,
    /// No keyword matched: the fallback topic applies.
    NoMatch,
}

impl fmt::Display for TriageReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TriageReason::Keywords => "keywords",
            TriageReason::BelowThreshold => "below threshold",
            TriageReason::NoMatch => "no match",
        })
    }
}

/// A keyword that matched the customer's text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct KeywordMatch {
    /// The keyword as written in the policy.
    pub pattern: String,
    /// Where its first match starts in the original text, in bytes.
    pub start: usize,
    /// Where its first match ends in the original text, in bytes.
    pub end: usize,
    /// The matched words as the customer wrote them (`text[start..end]`).
    pub text: String,
    /// What the match adds to its topic's score: 1, plus ½ per extra word, up to 3.
    pub weight: f64,
}

/// A topic that some keyword placed the text on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TriageCandidate {
    /// The topic's id.
    pub topic: String,
    /// The sum of the weights of its matching keywords, where keywords whose matches overlap
    /// count once, with the heaviest weight.
    pub score: f64,
    /// Its score over the sum of every candidate's score.
    pub share: f64,
    /// How specific its evidence is where it competes with other topics, what settles
    /// candidates of equal score: for each stretch of text keywords of several topics matched,
    /// the share of it one of this topic's keywords spells out literally (0.38 for
    /// `err_cert[a-z_]*` on `err_cert_date_invalid`, 0.19 for `err_[a-z_]+` on it, 1 for a
    /// plain word), summed. 0 when no other topic matched the same words.
    #[serde(default)]
    pub specificity: f64,
    /// Its keywords that matched, each once, in the order of the policy.
    pub matches: Vec<KeywordMatch>,
}

/// What triage made of a customer's words: the topic, how sure it is, and why.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
/// use unified_message::triage::TriageReason;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let result = engine.triage("No puedo configurar el correo en Outlook", "es");
/// assert_eq!(result.topic, "email.setup");
/// assert_eq!(result.reason, TriageReason::Keywords);
/// let best = &result.candidates[0];
/// assert!(best.matches.iter().any(|m| m.text == "Outlook"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TriageResult {
    /// The topic: the best candidate, or the policy's fallback topic when no candidate is
    /// confident enough.
    pub topic: String,
    /// The confidence in the best candidate, from 0 to 1 (0 when nothing matched).
    pub confidence: f64,
    /// The policy's threshold the confidence was compared with.
    pub threshold: f64,
    /// Why `topic` was chosen.
    pub reason: TriageReason,
    /// Every topic with a matching keyword, best first.
    pub candidates: Vec<TriageCandidate>,
    /// The topics tied for best — the same score and the same specificity — in the order of
    /// `candidates` (first mentioned in the text first); empty when one topic has the best
    /// evidence alone. A chatbot can ask the customer which one they mean; `topic` is the
    /// first of them (or the fallback topic, below the threshold).
    #[serde(default)]
    pub ambiguous: Vec<String>,
    /// Triage stopped at a limit: the text is longer than the engine's
    /// [`max_triage_bytes`](crate::EngineBuilder::max_triage_bytes) (only its beginning was
    /// read), or a keyword's anchors occur so often, or the keywords to confirm are so many,
    /// that some were not looked for. Some evidence may be missing; never so for ordinary
    /// messages.
    #[serde(default)]
    pub truncated: bool,
}

impl TriageResult {
    /// Whether the fallback topic applies because triage could not place the text.
    pub fn is_fallback(&self) -> bool {
        !matches!(self.reason, TriageReason::Keywords)
    }

    /// Whether several topics tie for best (listed in [`TriageResult::ambiguous`]).
    pub fn is_ambiguous(&self) -> bool {
        !self.ambiguous.is_empty()
    }
}
