//! The evidence a finding of `check` carries: the counterexample of a violated invariant, the
//! forbidden phrase of a text. Owned here, beside [`Diagnostic`](super::Diagnostic) that embeds
//! them; `check` produces them and re-exports them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decision::record::DecisionRecord;
use crate::model::{Channel, Contact, Responder};

/// One concrete circumstance that violates an invariant, and the responses that disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Counterexample {
    /// The contact (on the channel of the first response).
    pub contact: Contact,
    /// What each responder involved does, on which channel.
    pub responses: Vec<Response>,
}

/// What one responder does in a [`Counterexample`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Response {
    /// Who answers.
    pub responder: Responder,
    /// On which channel.
    pub channel: Channel,
    /// The decision, rendered in the contact's locale.
    pub decision: DecisionRecord,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.contact;
        write!(
            f,
            "  counterexample: topic `{}`, progress `{}`",
            c.topic.as_deref().unwrap_or(""),
            c.progress
        )?;
        for (k, v) in &c.facts {
            write!(f, ", {k} = `{v}`")?;
        }
        if c.asks_for_superior {
            write!(f, ", asks for a superior")?;
        }
        writeln!(f)?;
        for r in &self.responses {
            let d = &r.decision;
            write!(
                f,
                "    {} on `{}`: {} `{}` v{}",
                r.responder, r.channel, d.outcome, d.message.id, d.message.version
            )?;
            if let Some(s) = &d.system {
                write!(f, " (system `{}`)", s.id)?;
            }
            if let Some(dept) = &d.department {
                write!(f, " (department `{dept}`)")?;
            }
            if let Some(rank) = &d.rank {
                write!(f, " (rank `{rank}`)")?;
            }
            if let Some(rule) = &d.rule {
                write!(f, " (rule `{rule}`)")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// A forbidden phrase found in a text: where, what matched, which pattern and why the policy
/// forbids it.
///
/// Spans are byte offsets into the text that was screened (for a policy's message, the text
/// as written, placeholders included).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ScreenMatch {
    /// The byte offset where the match starts.
    pub start: usize,
    /// The byte offset just past the match.
    pub end: usize,
    /// The matched text.
    pub text: String,
    /// The policy's pattern (`[style].forbidden[i].pattern`).
    pub pattern: String,
    /// The policy's reason (`[style].forbidden[i].why`).
    pub why: String,
}

impl fmt::Display for ScreenMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` at bytes {}..{} (pattern `{}`)",
            self.text, self.start, self.end, self.pattern
        )?;
        if !self.why.is_empty() {
            write!(f, ": {}", self.why)?;
        }
        Ok(())
    }
}
