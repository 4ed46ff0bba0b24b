//! What running scenarios found: [`ScenarioResult`] per scenario, [`ScenarioReport`] and its
//! text.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decision::DecisionRecord;
use crate::diagnostic::Location;

use super::expect::Mismatch;

/// The result of one scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: String,
    /// Where the scenario starts in its file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Whether every expectation held.
    pub passed: bool,
    /// Every expectation that did not hold; empty when passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<Mismatch>,
    /// The decision made.
    pub decision: DecisionRecord,
    /// For a failure: the steps behind the decision
    /// ([`Engine::explain`](crate::Engine::explain)), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanation: Vec<String>,
}

/// What [`Engine::run_scenarios`](crate::Engine::run_scenarios) found: one result per scenario,
/// in file order.
///
/// `Display` prints one line per scenario and, for each failure, expected vs. actual per
/// field and the explanation of the decision; serde gives the same as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ScenarioReport {
    /// The policy's name.
    pub policy: String,
    /// The policy's revision.
    pub revision: String,
    /// How many scenarios passed.
    pub passed: usize,
    /// How many failed.
    pub failed: usize,
    /// One result per scenario.
    pub results: Vec<ScenarioResult>,
}

impl ScenarioReport {
    /// Whether every scenario passed, and there was at least one: a report of no scenarios
    /// proves nothing, so it is not a success.
    pub fn is_success(&self) -> bool {
        self.failed == 0 && !self.results.is_empty()
    }

    /// The failed scenarios.
    pub fn failures(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.results.iter().filter(|r| !r.passed)
    }
}

impl fmt::Display for ScenarioReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            let at = r
                .location
                .map(|l| format!(" (line {})", l.line))
                .unwrap_or_default();
            if r.passed {
                writeln!(f, "ok    {}", r.name)?;
                continue;
            }
            writeln!(f, "FAIL  {}{at}", r.name)?;
            let width = r
                .mismatches
                .iter()
                .map(|m| m.field.len())
                .max()
                .unwrap_or(0);
            for m in &r.mismatches {
                writeln!(
                    f,
                    "      {:width$}  expected {}, got {}",
                    m.field, m.expected, m.actual
                )?;
            }
            writeln!(f, "      why:")?;
            for (i, step) in r.explanation.iter().enumerate() {
                writeln!(f, "        {}. {step}", i + 1)?;
            }
        }
        if self.results.is_empty() {
            return f
                .write_str("0 scenarios: nothing was tested, which proves nothing (a failure)");
        }
        write!(
            f,
            "{} scenario{}: {} passed, {} failed",
            self.results.len(),
            if self.results.len() == 1 { "" } else { "s" },
            self.passed,
            self.failed
        )
    }
}
