#![doc = include_str!("../README.md")]

pub mod document;
pub mod guide;

mod bounded;
mod check;
mod compile;
mod decision;
mod diagnostic;
mod diff;
mod engine;
mod explain;
mod limits;
mod lines;
mod manual;
mod model;
pub mod pins;
#[cfg(any(feature = "yaml", feature = "json"))]
mod prescan;
mod progress;
mod queue;
mod render;
#[cfg(feature = "reports")]
pub mod report;
mod scenario;
#[cfg(feature = "schema")]
mod schema;
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
pub use crate::compile::{
    DEFAULT_MAX_NESTING_DEPTH, DEFAULT_MAX_POLICY_BYTES, DEFAULT_MAX_SUGGESTION_WORK, EngineBuilder,
};
pub use crate::decision::{
    Decision, DecisionBrief, DecisionRecord, Flags, MessageRecord, Outcome, PreviousRecord,
    SystemRecord, SystemRef,
};
pub use crate::diagnostic::{
    Code, Diagnostic, DocPath, InFile, Location, PathSegment, PolicyError, Severity, UnknownCode,
};
pub use crate::diff::{
    DecisionChange, MessageChange, MessageChangeKind, PolicyDiff, diff, diff_with,
};
/// The typed indices of a compiled policy (internal; public only so that the documentation
/// can show that one kind of index does not pass for another).
#[doc(hidden)]
pub use crate::engine::ids;
pub use crate::engine::{Engine, PreparedContact, ResponderKey};
pub use crate::explain::{Explanation, Step};
pub use crate::lines::DecideRequest;
#[cfg(feature = "json")]
pub use crate::lines::DecideStream;
pub use crate::manual::ManualError;
pub use crate::model::{Authority, Channel, Contact, Facts, Progress, Responder, Tier};
pub use crate::pins::{
    AsyncPinStore, Handoff, MemoryPinStore, ParseSlotError, Pin, PinError, PinErrorKind, PinKey,
    PinStatus, PinStore, PinStoreError, PinnedDecision, PinnedRecord, Slot, Timestamp, Told,
};
pub use crate::progress::WorkProgress;
pub use crate::queue::{Queue, QueuedCase, Queues, Routed};
pub use crate::render::{RenderStyle, SourceFile};
pub use crate::scenario::{
    Expectation, ExpectedFlags, Mismatch, Scenario, ScenarioError, ScenarioReport, ScenarioResult,
    Scenarios,
};
pub use crate::table::{DecisionTable, TABLE_COLUMNS, TableRow};
pub use crate::template::{MissingValue, NoValues, Values};
pub use crate::triage::{
    DEFAULT_MAX_TRIAGE_BYTES, DEFAULT_THRESHOLD, KeywordMatch, TriageCandidate, TriageReason,
    TriageResult, TriageWork, fold_text,
};
pub use crate::urgency::{Contribution, ContributionKind, Urgency};

/// The example policy of the hosting company of seed 000, in TOML: what the quickstart runs.
pub const EXAMPLE_POLICY: &str = include_str!("../examples/policies/acme-hosting.toml");
