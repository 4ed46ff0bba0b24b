#![doc = include_str!("../README.md")]

pub mod document;
pub mod guide;

mod bounded;
pub mod check;
mod compile;
mod decision;
mod diagnostic;
pub mod diff;
mod engine;
mod explain;
pub mod format;
mod limits;
mod lines;
mod manual;
mod model;
pub mod pins;
#[cfg(any(feature = "yaml", feature = "json"))]
mod prescan;
mod progress;
pub mod queue;
mod render;
#[cfg(feature = "reports")]
pub mod report;
pub mod scenario;
#[cfg(feature = "schema")]
mod schema;
#[cfg(feature = "toml")]
mod source;
mod table;
mod template;
#[cfg(feature = "testing")]
pub mod testing;
pub mod triage;
mod urgency;

// The names most hosts use, at the crate root. The rest live in their module (`check::`,
// `diff::`, `pins::`, `queue::`, `scenario::`, `triage::`) and are documented there; their
// former root paths still work (hidden re-exports below), so no user code breaks.
pub use crate::check::Report;
pub use crate::compile::{
    DEFAULT_MAX_ID_BYTES, DEFAULT_MAX_NAME_BYTES, DEFAULT_MAX_NESTING_DEPTH,
    DEFAULT_MAX_POLICY_BYTES, DEFAULT_MAX_SUGGESTION_WORK, DEFAULT_MAX_TEXT_BYTES, EngineBuilder,
};
pub use crate::decision::{
    Decision, DecisionBrief, DecisionRecord, Flags, MessageRecord, Outcome, PreviousRecord,
    SystemRecord, SystemRef,
};
pub use crate::diagnostic::{
    Code, Diagnostic, DocPath, InFile, Location, PathSegment, PolicyError, Severity, UnknownCode,
};
pub use crate::diff::{PolicyDiff, diff};
/// The typed indices of a compiled policy (internal; public only so that the documentation
/// can show that one kind of index does not pass for another).
#[doc(hidden)]
pub use crate::engine::ids;
pub use crate::engine::{Engine, PreparedContact, ResponderKey};
pub use crate::explain::{Explanation, Step};
pub use crate::format::PolicyFormat;
pub use crate::lines::DecideRequest;
#[cfg(feature = "json")]
pub use crate::lines::DecideStream;
pub use crate::manual::ManualError;
pub use crate::model::{
    Authority, Channel, Contact, Facts, Progress, Responder, Tier, inexact_number,
};
pub use crate::pins::{
    AsyncPinStore, Handoff, MemoryPinStore, Pin, PinError, PinKey, PinStatus, PinStore,
    PinStoreError, PinnedDecision, Slot, Timestamp,
};
pub use crate::progress::WorkProgress;
pub use crate::queue::Queues;
pub use crate::render::{RenderStyle, SourceFile};
pub use crate::scenario::Scenarios;
pub use crate::table::{DecisionTable, TABLE_COLUMNS, TableRow};
pub use crate::template::{MissingValue, NoValues, Values};
pub use crate::triage::TriageResult;
pub use crate::urgency::{Contribution, ContributionKind, Urgency};

// Former root paths of names that now live in their module (see the CHANGELOG).
#[doc(hidden)]
pub use crate::check::{Circumstance, Circumstances, Counterexample, Response, ScreenMatch};
#[doc(hidden)]
pub use crate::diff::{DecisionChange, MessageChange, MessageChangeKind, diff_with};
#[doc(hidden)]
pub use crate::pins::{ParseSlotError, PinErrorKind, PinnedRecord, Told};
#[doc(hidden)]
pub use crate::queue::{Queue, QueuedCase, Routed};
#[doc(hidden)]
pub use crate::scenario::{
    Expectation, ExpectedFlags, Mismatch, Scenario, ScenarioError, ScenarioReport, ScenarioResult,
};
#[doc(hidden)]
pub use crate::triage::{
    DEFAULT_MAX_TRIAGE_BYTES, DEFAULT_THRESHOLD, KeywordMatch, TriageCandidate, TriageReason,
    TriageWork, fold_text,
};

/// The example policy of the hosting company of seed 000, in TOML: what the quickstart runs.
pub const EXAMPLE_POLICY: &str = include_str!("../examples/policies/acme-hosting.toml");
