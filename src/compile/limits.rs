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
    /// The longest id, name and text (issue 25 point 3).
    pub(super) lengths: LengthLimits,
}

/// The longest id, name and text a policy may write, in bytes (issue 25 point 3): generated
/// outputs (the manual, the decision table, a diff, reports) repeat them, so that a long one
/// would make an output grow with the product of its length and its uses.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LengthLimits {
    pub(crate) max_id_bytes: usize,
    pub(crate) max_name_bytes: usize,
    pub(crate) max_text_bytes: usize,
}

impl Default for LengthLimits {
    fn default() -> Self {
        LengthLimits {
            max_id_bytes: DEFAULT_MAX_ID_BYTES,
            max_name_bytes: DEFAULT_MAX_NAME_BYTES,
            max_text_bytes: DEFAULT_MAX_TEXT_BYTES,
        }
    }
}

/// The default of [`EngineBuilder::max_id_bytes`](crate::EngineBuilder::max_id_bytes): 256 bytes.
pub const DEFAULT_MAX_ID_BYTES: usize = 256;
/// The default of [`EngineBuilder::max_name_bytes`](crate::EngineBuilder::max_name_bytes): 1 KiB.
pub const DEFAULT_MAX_NAME_BYTES: usize = 1024;
/// The default of [`EngineBuilder::max_text_bytes`](crate::EngineBuilder::max_text_bytes): 1 MiB
/// (a message of 1 MB renders, R0.1).
pub const DEFAULT_MAX_TEXT_BYTES: usize = 1 << 20;
