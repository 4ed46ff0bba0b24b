//! Policy diff: what a new revision changes for customers — every circumstance whose outcome
//! or message changes, every message whose text changed — and whether the message history
//! was kept (the first message wins, R0.3).
//!
//! [`diff`] gives a [`PolicyDiff`]; the changes it lists ([`DecisionChange`],
//! [`MessageChange`], [`MessageChangeKind`], [`FallbackChange`], [`DefaultLocaleChange`]) and
//! [`diff_with`] (with progress) live here too.
//!
//! The types are in `types`, their text in `text`; topics and messages are compared in
//! `messages`, decisions in `decisions`.

mod decisions;
mod messages;
mod text;
mod types;

pub use self::types::{
    DecisionChange, DefaultLocaleChange, FallbackChange, MessageChange, MessageChangeKind,
    PolicyDiff,
};

use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::engine::Engine;

use self::decisions::decisions;
use self::messages::{default_locale, messages, topics};

/// Compares two revisions of a policy: every circumstance (the space of
/// [`Engine::circumstances`], over the topics and responders both policies have, the
/// channels and rule facts of either) whose outcome or message changes, and every message
/// whose text changed. A text changed without a new version is a
/// `text-changed-without-version` error, and so is a changed policy that kept its `revision`
/// label (`revision-unchanged`); a new substantive version is a `substantive-change` warning
/// (customers pinned to the old one get a change notice); editorial versions are listed.
///
/// A message removed whole is a `message-removed` error, as removed versions are
/// (`versions-removed`): customers may be pinned to it. A changed `[policy].fallback` is a
/// `fallback-changed` warning, and the decisions it changes for the contacts with an unknown
/// topic, no topic or a text below the triage threshold are listed under the pseudo-topic
/// `(unknown topic / no topic)` ([`DecisionChange::unknown_topic`], [`PolicyDiff::fallback`]):
/// one more topic's circumstances. A changed default locale is a `default-locale-changed`
/// warning naming the messages that contacts without a known locale hear in other words
/// ([`PolicyDiff::default_locale`]).
///
/// # Examples
///
/// ```
/// use unified_message::diff::diff;
/// use unified_message::{Engine, Outcome};
///
/// let old = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// // Billing agents may now grant every refund themselves, from the next revision.
/// let new = Engine::from_toml_str(
///     &unified_message::EXAMPLE_POLICY
///         .replace(
///             r#"authority = { "billing.invoice" = "own", "general" = "own" }"#,
///             r#"authority = { "billing.*" = "own", "general" = "own" }"#,
///         )
///         .replace(r#"revision = "2026-11-27""#, r#"revision = "2026-11-28""#),
/// )?;
/// let d = diff(&old, &new);
/// assert!(d.is_clean());
/// let change = d.decisions.iter().find(|c| c.contact.topic.as_deref() == Some("billing.refund")).unwrap();
/// assert_eq!(change.before.outcome, Outcome::Authorize);
/// assert_eq!(change.after.outcome, Outcome::Answer);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff(old: &Engine, new: &Engine) -> PolicyDiff {
    diff_with(old, new, &mut |_| {})
}

/// [`diff`], telling `progress` how far it has got (topics of the old policy compared of
/// all), for a host that shows progress on a large policy.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let mut last = None;
/// let changes = unified_message::diff::diff_with(&engine, &engine, &mut |p| last = Some((p.done, p.total)));
/// assert!(changes.is_clean());
/// let topics = engine.topics().count() as u64;
/// assert_eq!(last, Some((topics, topics)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff_with(
    old: &Engine,
    new: &Engine,
    progress: &mut dyn FnMut(crate::progress::WorkProgress),
) -> PolicyDiff {
    let mut out = PolicyDiff {
        old_revision: old.revision().to_owned(),
        new_revision: new.revision().to_owned(),
        ..PolicyDiff::default()
    };
    topics(old, new, &mut out);
    messages(old, new, &mut out);
    default_locale(old, new, &mut out);
    decisions(old, new, &mut out, progress);
    crate::progress::report(progress, old.parts().topics.len(), old.parts().topics.len());
    if !out.is_empty() && old.revision() == new.revision() {
        out.diagnostics.push(Diagnostic::error(
            Code::RevisionUnchanged,
            DocPath::root().key("policy").key("revision"),
            format!(
                "both policies are revision `{}`, but what customers hear differs: decisions and pins name the revision, so records of the two could not be told apart",
                new.revision()
            ),
            "give the new policy its own `revision`, e.g. the date of the change",
        ));
    }
    out
}
