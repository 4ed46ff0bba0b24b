//! Scenario tests: a policy repository's own cases, written as data (a TOML file of
//! `[[scenario]]` entries), run against an engine, each failure shown as expected vs. actual
//! with the explanation of the decision.
//!
//! [`Scenarios`] is a file of them; one [`Scenario`] holds a contact, a
//! responder and an [`Expectation`]; running them gives a [`ScenarioReport`] of
//! [`ScenarioResult`]s, each failure a list of [`Mismatch`]es.
//!
//! The file's types and loading are in `file`, expectations and their comparison in `expect`,
//! the running in `run`, the report in `report`.

mod expect;
mod file;
mod report;
mod run;

pub use self::expect::{Expectation, ExpectedFlags, Mismatch};
pub use self::file::{Scenario, ScenarioError, Scenarios};
pub use self::report::{ScenarioReport, ScenarioResult};
