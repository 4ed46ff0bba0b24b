//! The limits of compiling a policy, as values: those that bound reading a policy text
//! ([`ParseLimits`], for `parse`) and those the compiler reads ([`CompileLimits`]), both set
//! on the builder.

/// The limits of [`EngineBuilder`](crate::EngineBuilder) that bound reading a policy (issue 19).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParseLimits {
    pub(crate) max_policy_bytes: usize,
    pub(crate) max_nesting_depth: usize,
    pub(crate) max_suggestion_work: u64,
    pub(crate) max_errors: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_policy_bytes: DEFAULT_MAX_POLICY_BYTES,
            max_nesting_depth: DEFAULT_MAX_NESTING_DEPTH,
            max_suggestion_work: DEFAULT_MAX_SUGGESTION_WORK,
            max_errors: DEFAULT_MAX_ERRORS,
        }
    }
}

/// The default of [`EngineBuilder::max_policy_bytes`](crate::EngineBuilder::max_policy_bytes): 32 MiB.
pub const DEFAULT_MAX_POLICY_BYTES: usize = 32 << 20;
/// The default of [`EngineBuilder::max_nesting_depth`](crate::EngineBuilder::max_nesting_depth): 64 levels.
pub const DEFAULT_MAX_NESTING_DEPTH: usize = 64;
/// The default of [`EngineBuilder::max_suggestion_work`](crate::EngineBuilder::max_suggestion_work): 10 million cells.
pub const DEFAULT_MAX_SUGGESTION_WORK: u64 = 10_000_000;
/// The default of [`EngineBuilder::max_errors`](crate::EngineBuilder::max_errors): 10,000 errors.
pub const DEFAULT_MAX_ERRORS: usize = 10_000;

/// The limits of the builder that the compiler reads, passed to it as a value.
#[derive(Clone, Copy, Debug)]
pub(super) struct CompileLimits {
    /// The most memory one compiled regular expression may take.
    pub(super) regex_size_limit: usize,
    /// The most entries of a derived table.
    pub(super) max_table_size: usize,
    /// The budget of edit-distance cells for suggestions.
    pub(super) max_suggestion_work: u64,
    /// The most errors reported.
    pub(super) max_errors: usize,
}
