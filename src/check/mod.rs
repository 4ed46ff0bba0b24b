//! `check`: the invariants I1–I5 proven over the whole circumstance space, the style of every
//! text (R2.3), static diagnostics about rules and unused parts; `screen` for drafts.
//!
//! [`Engine::check`] returns a [`Report`]; the evidence its findings
//! carry ([`Counterexample`], [`Response`], [`ScreenMatch`]) and the circumstance space
//! ([`Circumstances`], [`Circumstance`]) live here.
//!
//! ```
//! use unified_message::Engine;
//! use unified_message::check::{Circumstance, Report};
//!
//! let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
//! let report: Report = engine.check();
//! assert_eq!(report.errors().count(), 0, "{report}");
//! let first: Option<Circumstance> = engine.circumstances().next();
//! assert!(first.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod approvers;
mod classes;
mod counterexamples;
mod invariants;
mod plan;
mod rules;
mod space;
mod style;
mod usage;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Engine;

pub use crate::diagnostic::{Counterexample, Response, ScreenMatch};
pub(crate) use classes::{Classes, Conditions, TooLarge};
pub(crate) use plan::{ROW_CELLS, dominance, per_class, plan};
pub(crate) use space::responder as responder_of;
pub(crate) use space::{ANY_CUSTOMER, TopicFacts, responders};
pub use space::{Circumstance, Circumstances};

/// What `check` found in a policy: errors and warnings, each with a stable code, its document
/// path, a sentence, a hint and, for a violated invariant, a counterexample.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let report = engine.check();
/// assert!(report.is_clean(), "{report}");
/// assert!(report.circumstances > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Report {
    /// Every finding: the compile warnings first, then the texts, the rules, the invariants
    /// and what is unused.
    pub diagnostics: Vec<Diagnostic>,
    /// How many circumstances the invariants were proven over: every circumstance of
    /// [`Engine::circumstances`] in the topics that fit the engine's `max_circumstances`.
    pub circumstances: u64,
    /// How many circumstances were decided to prove them: one per class of fact values that
    /// the rules cannot tell apart, so often far fewer than `circumstances`.
    #[serde(default)]
    pub decided: u64,
}

impl Report {
    /// The errors: a CI fails on any.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// Whether there is no error (warnings allowed).
    pub fn is_clean(&self) -> bool {
        self.errors().next().is_none()
    }

    /// Whether some finding has `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.diagnostics.iter().any(|d| d.code == code)
    }

    /// This report with the line and column of each finding in `source`, the TOML text the
    /// engine was compiled from (compile warnings already carry theirs).
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let policy = unified_message::EXAMPLE_POLICY
    ///     .replace("Hacemos una copia", "Eso no nos compete. Hacemos una copia");
    /// let report = Engine::from_toml_str(&policy)?.check().located_in_toml(&policy);
    /// let finding = report.with_code("forbidden-phrase").next().unwrap();
    /// let line = finding.location.unwrap().line;
    /// assert!(policy.lines().nth(line - 1).unwrap().contains("Eso no nos compete"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "toml")]
    #[must_use]
    pub fn located_in_toml(mut self, source: &str) -> Report {
        self.diagnostics = crate::source::locate_toml(source, self.diagnostics);
        self
    }

    /// The findings with `code`.
    pub fn with_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Diagnostic> {
        self.diagnostics.iter().filter(move |d| d.code == code)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
            if let Some(m) = &d.matched {
                writeln!(f, "  matched: {m}")?;
            }
            if let Some(c) = &d.counterexample {
                write!(f, "{c}")?;
            }
        }
        let errors = self.errors().count();
        let warnings = self.warnings().count();
        write!(
            f,
            "{errors} error{}, {warnings} warning{} ({} circumstances checked)",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
            self.circumstances
        )
    }
}

impl Engine {
    /// Proves the policy consistent, or shows where it is not: the invariants I1–I5 of the
    /// design over every circumstance of [`Engine::circumstances`], the style of every text
    /// (R2.3), rules that never fire, are shadowed or conflict, and unused parts. Also
    /// reports the warnings of the compile step.
    ///
    /// Codes (errors unless noted): `channel-dependent` (I1) and `channel-specific-rule`
    /// (warning: a rule that names a channel, the one allowed exception); `answers-differ`
    /// (I2); `ladder-order` (I3); `empty-text`, `route-dead-end`, `authorize-dead-end`,
    /// `escalation-dead-end`, `missing-locale`, `missing-handover` (I4), `rank-gap` (warning: a
    /// department without a role at some rank above its lowest, R3.3); `out-of-lane` (I5); `forbidden-phrase`,
    /// `missing-change-notice` (warning); `rule-never-fires`, `shadowed-rule` (warning),
    /// `conflicting-rules`; `unused-message`, `unused-system`, `unused-role`,
    /// `topic-without-explanation` (warnings); `department-unanswerable`.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let policy = unified_message::EXAMPLE_POLICY.replace(
    ///     "Hacemos una copia de seguridad diaria",
    ///     "Eso no nos compete, pero hacemos una copia de seguridad diaria",
    /// );
    /// let report = Engine::from_toml_str(&policy)?.check();
    /// assert!(!report.is_clean());
    /// let finding = report.with_code("forbidden-phrase").next().unwrap();
    /// assert_eq!(finding.path.to_string(), "messages.backup-guide.text.es");
    /// assert_eq!(finding.matched.as_ref().unwrap().text, "Eso no nos compete");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self) -> Report {
        self.check_with(&mut |_| {})
    }

    /// [`Engine::check`], telling `progress` how far it has got (topics proven of all), for
    /// a host that shows progress on a large policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let mut seen = Vec::new();
    /// let report = engine.check_with(&mut |p| seen.push((p.done, p.total)));
    /// assert!(report.is_clean());
    /// let topics = engine.topics().count() as u64;
    /// assert_eq!(seen.first(), Some(&(0, topics)));
    /// assert_eq!(seen.last(), Some(&(topics, topics)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_with(&self, progress: &mut dyn FnMut(crate::progress::WorkProgress)) -> Report {
        let mut diagnostics = self.parts().warnings.to_vec();
        style::check(self, &mut diagnostics);
        rules::check(self, &mut diagnostics);
        let coverage = invariants::check(self, &mut diagnostics, progress);
        crate::progress::report(
            progress,
            self.parts().topics.len(),
            self.parts().topics.len(),
        );
        usage::check(self, &coverage, &mut diagnostics);
        Report {
            diagnostics,
            circumstances: coverage.circumstances,
            decided: coverage.decided,
        }
    }

    /// The warnings of the compile step (an approver without `authorized` authority, …);
    /// [`Engine::check`] reports them too.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// assert!(engine.compile_warnings().iter().all(|w| !w.is_error()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile_warnings(&self) -> &[Diagnostic] {
        &self.parts().warnings
    }
}
