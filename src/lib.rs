// The README's links to the guide's chapters (`docs/*.md` on GitHub, by its own link
// definitions at its end) lead to the same chapters rendered in `guide` here: the first
// definition of a link label wins.
#![doc = "[guide-checking]: crate::guide::checking\n[guide-ci]: crate::guide::ci\n[guide-cli]: crate::guide::cli\n[guide-decisions]: crate::guide::decisions\n[guide-format]: crate::guide::format\n[guide-format-editor]: crate::guide::format#editor-support-completion-and-validation\n[guide-performance]: crate::guide::performance\n[guide-pins]: crate::guide::pins\n[guide-reliability]: crate::guide::reliability\n[guide-scenarios]: crate::guide::scenarios\n[guide-table-and-manual]: crate::guide::table_and_manual\n[guide-triage]: crate::guide::triage\n[guide-urgency]: crate::guide::urgency"]
#![doc = include_str!("../README.md")]

//! # The crate root
//!
//! The root holds the names a host uses every day, and nothing else; every other public name
//! has one home, its module, and one path. The groups, and why each is here:
//!
//! - **Loading a policy**: [`Engine`] (compile once, decide many times), [`EngineBuilder`]
//!   (limits and options), [`PolicyFormat`] (TOML, JSON or YAML, by a file's extension or a
//!   name) and [`EXAMPLE_POLICY`] (what the quickstart runs).
//! - **When a policy is wrong**: [`PolicyError`], made of [`Diagnostic`]s, each with a
//!   [`Severity`] and a stable [`Code`] ([`UnknownCode`] when a code's text is not one).
//! - **What a host sends**: a [`Contact`] on a [`Channel`] with its [`Progress`] and
//!   [`Facts`], answered by a [`Responder`] (whose [`Tier`] and [`Authority`] a decision
//!   names); over the wire, a [`DecideRequest`] (and, feature `json`, a `DecideStream` of them).
//! - **What it gets back**: a [`Decision`] with its [`Outcome`] and [`Flags`], the
//!   [`SystemRef`] it points to, as a serializable [`DecisionRecord`] (made of a
//!   [`MessageRecord`], [`SystemRecord`] and [`PreviousRecord`]) or a comparable
//!   [`DecisionBrief`]; why, as an [`Explanation`] of [`Step`]s (serializable as an
//!   [`ExplanationRecord`] of [`StepRecord`]s); where free text landed, as a [`TriageResult`].
//! - **Filling a message's placeholders**: [`Values`], [`NoValues`] and [`MissingValue`].
//! - **The first message wins**: a [`PinnedDecision`], the [`PinStore`] and [`AsyncPinStore`]
//!   traits a host implements (or [`MemoryPinStore`]), and their errors [`PinError`] and
//!   [`PinStoreError`].
//!
//! The rest lives in its module: [`check`] (the policy's findings), [`diff`] (two revisions
//! compared), [`scenario`] (a policy's own tests), [`table`] (the decision table), [`queue`]
//! (routing to queues), [`pins`] (keys, slots, timestamps, the store's steps), [`triage`]
//! (candidates and reasons), [`urgency`], [`engine`] (the hot path's prepared contacts),
//! [`render`] (diagnostics with their source), [`progress`], [`request`] (the numbers a
//! request's facts may hold, [`request::inexact_fact_number`]), [`format`](mod@format) (a name
//! that is no format), [`limits`] (the builder's defaults), [`manual`], [`document`] (the
//! policy's serde shapes, paths and locations in it), [`info`] (what a policy holds,
//! [`Engine::policy_info`]), feature `schema`, `wire` (the JSON Schema of every shape a host
//! sends or receives) and, feature `reports`, `ci` (the formats CI systems show). A test in
//! `tests/public_api.rs` pins this list of root names, so that the root grows only on purpose.

pub mod document;
pub mod guide;

mod bounded;
pub mod check;
#[cfg(feature = "reports")]
pub mod ci;
mod compile;
mod decision;
mod diagnostic;
pub mod diff;
pub mod engine;
mod explain;
pub mod format;
pub mod info;
pub mod limits;
mod lines;
pub mod manual;
mod model;
pub mod pins;
#[cfg(any(feature = "yaml", feature = "json"))]
mod prescan;
pub mod progress;
pub mod queue;
pub mod render;
pub mod request;
pub mod scenario;
#[cfg(feature = "schema")]
mod schema;
#[cfg(feature = "toml")]
mod source;
pub mod table;
mod template;
#[cfg(feature = "testing")]
pub mod testing;
pub mod triage;
pub mod urgency;
#[cfg(feature = "schema")]
pub mod wire;

// Loading a policy.
pub use crate::compile::builder::EngineBuilder;
pub use crate::engine::compiled::Engine;
pub use crate::format::PolicyFormat;
// When a policy is wrong.
pub use crate::diagnostic::code::{Code, UnknownCode};
pub use crate::diagnostic::{Diagnostic, PolicyError, Severity};
// What a host sends.
#[cfg(feature = "json")]
pub use crate::lines::DecideStream;
pub use crate::model::{Authority, Channel, Contact, Facts, Progress, Responder, Tier};
pub use crate::request::DecideRequest;
// What it gets back.
pub use crate::decision::{
    Decision, DecisionBrief, DecisionRecord, Flags, MessageRecord, Outcome, PreviousRecord,
    SystemRecord, SystemRef,
};
pub use crate::explain::{Explanation, ExplanationRecord, Step, StepRecord};
pub use crate::triage::answer::TriageResult;
// Filling a message's placeholders.
pub use crate::template::{MissingValue, NoValues, Values};
// The first message wins.
pub use crate::pins::error::{PinError, PinStoreError};
pub use crate::pins::outcome::PinnedDecision;
pub use crate::pins::store::{AsyncPinStore, MemoryPinStore, PinStore};

/// The example policy of the hosting company of seed 000, in TOML: what the quickstart runs.
pub const EXAMPLE_POLICY: &str = include_str!("../examples/policies/acme-hosting.toml");
