//! The defaults of the limits set on [`EngineBuilder`](crate::EngineBuilder): how large a
//! policy text, how deep its nesting, how long its ids, names and texts may be, and how much
//! work suggesting a name may take. (The triage's own defaults are in
//! [`triage`](crate::triage).)
//!
//! Inside the crate, also the limits of the circumstance space that `check`, `diff` and the
//! decision table walk: set on the builder, held by the engine, read by the procedures (a
//! module of its own, so that the engine's data imports none of them).

pub use crate::compile::limits::{
    DEFAULT_MAX_ID_BYTES, DEFAULT_MAX_NAME_BYTES, DEFAULT_MAX_NESTING_DEPTH,
    DEFAULT_MAX_POLICY_BYTES, DEFAULT_MAX_SUGGESTION_WORK, DEFAULT_MAX_TEXT_BYTES,
};

/// The limits of the circumstance space, set on [`crate::EngineBuilder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SpaceLimits {
    /// The most circumstances `check`, `diff` and the decision table decide.
    pub(crate) max_circumstances: u64,
    /// The most cells of the decision table and of a diff's decision changes: each row or
    /// entry counts as `check::ROW_CELLS` plus the facts it names.
    pub(crate) max_rows: u64,
    /// Decide every circumstance of the product, one class per assignment (for tests that
    /// cross-check the reduction).
    pub(crate) exhaustive: bool,
}

/// 64 Mi circumstances: about a minute of `check` on one core at the worst, with no memory
/// held per circumstance.
pub(crate) const DEFAULT_MAX_CIRCUMSTANCES: u64 = 1 << 26;

impl Default for SpaceLimits {
    fn default() -> Self {
        SpaceLimits {
            max_circumstances: DEFAULT_MAX_CIRCUMSTANCES,
            max_rows: 1 << 24,
            exhaustive: false,
        }
    }
}
