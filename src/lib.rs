#![doc = include_str!("../README.md")]

pub mod document;

mod check;
mod compile;
mod decision;
mod diagnostic;
mod diff;
mod engine;
mod lines;
mod manual;
mod model;
pub mod pins;
mod queue;
#[cfg(feature = "reports")]
pub mod report;
mod scenario;
#[cfg(feature = "toml")]
mod source;
mod table;
mod template;
#[cfg(feature = "testing")]
pub mod testing;
mod triage;
mod urgency;

pub use crate::check::{
    Circumstance, Circumstances, Counterexample, Report, Response, ScreenMatch,
};
pub use crate::compile::EngineBuilder;
pub use crate::decision::{
    Decision, DecisionRecord, Flags, MessageRecord, Outcome, PreviousRecord, SystemRecord,
    SystemRef,
};
pub use crate::diagnostic::{
    Diagnostic, DocPath, InFile, Location, PathSegment, PolicyError, Severity,
};
pub use crate::diff::{
    DecisionChange, DecisionSummary, MessageChange, MessageChangeKind, PolicyDiff, diff,
};
pub use crate::engine::{Engine, Explanation, PreparedContact, ResponderKey};
pub use crate::lines::DecideRequest;
pub use crate::manual::ManualError;
pub use crate::model::{Authority, Channel, Contact, Facts, Progress, Responder, Tier};
pub use crate::pins::{
    AsyncPinStore, Handoff, MemoryPinStore, ParseSlotError, Pin, PinError, PinErrorKind, PinKey,
    PinStatus, PinStore, PinStoreError, PinnedDecision, PinnedRecord, Slot, Timestamp, Told,
};
pub use crate::queue::{Queue, QueuedCase, Queues, Routed};
pub use crate::scenario::{
    Expectation, ExpectedFlags, Mismatch, Scenario, ScenarioError, ScenarioReport, ScenarioResult,
    Scenarios,
};
pub use crate::table::{DecisionTable, TABLE_COLUMNS, TableRow};
pub use crate::template::{MissingValue, NoValues, Values};
pub use crate::triage::{
    DEFAULT_THRESHOLD, KeywordMatch, TriageCandidate, TriageReason, TriageResult, fold_text,
};
pub use crate::urgency::{Contribution, ContributionKind, Urgency};

/// The example policy of the hosting company of seed 000, in TOML: what the quickstart runs.
pub const EXAMPLE_POLICY: &str = include_str!("../examples/policies/acme-hosting.toml");
