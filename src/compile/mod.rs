//! The one explicit step from document to engine: resolve every reference, intern every id,
//! parse every text, and report every error at once with its document path.
//!
//! Compiling reads the document's sections in a fixed order, each after the ones it refers
//! to, so that diagnostics come out in the same order for the same policy
//! (`run`):
//!
//! 1. `[policy]` but its fallback: name, revision, locales, placeholders (`policy`);
//! 2. `[departments]`, then `[ranks]` (`departments_ranks`);
//! 3. `[systems]` (`systems`);
//! 4. `[messages]`, ids only: topics and rules refer to them (`messages`);
//! 5. `[topics]`, then `[policy].fallback`, a topic (`topics`, `policy`);
//! 6. `[roles]` (`roles`); then the tables derived from the sections (roles × topics,
//!    topics × rules, departments × ranks) are checked against `max_table_size`, and a
//!    policy past it stops here; then the grant and escalation tables are built (`roles`);
//! 7. `[messages]`' texts, then `[handover]`'s (`messages`, `handover`, `texts`);
//! 8. `[style]` (`style`);
//! 9. `[[rules]]` (`rules`), then every usage of a message checked against its
//!    placeholders, and the rules indexed by topic;
//! 10. `[triage]` and `[urgency]` (`crate::triage`, `crate::urgency`), then the engine.
//!
//! An error does not stop the compilation (but for a table past its size): every section is
//! read, and every error reported, up to `max_errors`.
//!
//! The rest: `builder` holds [`EngineBuilder`] and the entry points; `limits` the limits the
//! builder passes to `parse` and the compiler, as values; `parse` reads a policy text into a
//! [`PolicyDocument`](crate::document::PolicyDocument); `run` compiles the sections in order;
//! `compiler` holds the state and helpers every section shares; `patterns` matches topic
//! patterns.

pub(crate) mod builder;
mod compiler;
mod departments_ranks;
mod handover;
mod lengths;
pub(crate) mod limits;
mod messages;
mod parse;
mod patterns;
mod policy;
mod roles;
mod rules;
mod run;
mod style;
mod systems;
mod texts;
mod topics;

pub(crate) use limits::DEFAULT_MAX_SUGGESTION_WORK;
pub(crate) use patterns::pattern_specificity;
