//! `diff` (issue 4, point 5): circumstances whose decision changes, messages whose text
//! changed, and the history of versions kept (R0.3, R0.7a).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use unified_message::{
    Engine, MessageChangeKind, Outcome, PolicyDiff, Progress, Responder, Severity, diff,
};

fn example() -> Engine {
    Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap()
}

/// The example policy with `from` replaced by `to`, as the next revision.
fn edited(from: &str, to: &str) -> Engine {
    let policy = unified_message::EXAMPLE_POLICY.replacen(from, to, 1);
    assert_ne!(
        policy,
        unified_message::EXAMPLE_POLICY,
        "`{from}` is not in the policy"
    );
    next_revision(&policy)
}

/// `policy` compiled as the revision after the example's.
fn next_revision(policy: &str) -> Engine {
    let policy = policy.replacen(
        r#"revision = "2026-11-27""#,
        r#"revision = "2026-11-28""#,
        1,
    );
    Engine::from_toml_str(&policy).unwrap()
}

#[test]
fn r0_7_a_policy_against_itself_changes_nothing() {
    let d = diff(&example(), &example());
    assert!(d.is_empty(), "{d}");
    assert!(d.is_clean());
    assert!(d.diagnostics.is_empty());
    assert_eq!(d.circumstances, example().circumstances().len() as u64);
}

#[test]
fn r0_3_a_text_changed_without_a_new_version_is_an_error() {
    let new = edited(
        "Restauraremos nosotros la copia de seguridad",
        "Restauraremos la copia de seguridad",
    );
    let d = diff(&example(), &new);
    assert!(!d.is_clean());
    let e = d.errors().next().unwrap();
    assert_eq!(e.code, "text-changed-without-version");
    assert_eq!(e.path.to_string(), "messages.backup-answer");
    let m = d.messages.iter().find(|m| m.id == "backup-answer").unwrap();
    assert_eq!(m.kind, MessageChangeKind::Unversioned);
    assert_eq!(m.texts, ["es"]);
    assert_eq!((m.old_version, m.new_version), (Some(1), Some(1)));
    // The outcome of no circumstance changes: only the words.
    assert!(d.decisions.is_empty(), "{d}");
}

const NEW_VERSION_TEMPLATE: &str = r#"[[messages.backup-answer.versions]]
text.es = "Restauraremos nosotros la copia de seguridad de la fecha que nos indique y comprobaremos con usted que su web y sus datos quedan como estaban. Le avisaremos en cuanto termine la restauración."
text.en = "We will restore the backup from the date you tell us ourselves and check with you that your website and data are back as they were. We will let you know as soon as the restore is finished."

[[messages.backup-answer.versions]]
change = "CHANGE"
text.es = "Restauramos la copia de la fecha que nos indique en menos de 4 horas y le avisamos al terminar."
text.en = "We restore the backup from the date you tell us within 4 hours and let you know when it is done."
"#;

fn versioned(change: &str) -> Engine {
    let start = unified_message::EXAMPLE_POLICY
        .find("[messages.backup-answer]")
        .unwrap();
    let end = start
        + unified_message::EXAMPLE_POLICY[start..]
            .find("\n\n")
            .unwrap();
    let mut policy = unified_message::EXAMPLE_POLICY.to_owned();
    policy.replace_range(
        start..end,
        NEW_VERSION_TEMPLATE.replace("CHANGE", change).trim_end(),
    );
    next_revision(&policy)
}

#[test]
fn r0_3_a_substantive_version_is_called_out() {
    let d = diff(&example(), &versioned("substantive"));
    assert!(d.is_clean(), "{d}");
    let w = d
        .diagnostics
        .iter()
        .find(|w| w.code == "substantive-change")
        .unwrap();
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.message.contains("change notice"), "{w}");
    assert!(w.message.contains("v1"), "{w}");
    let m = d.messages.iter().find(|m| m.id == "backup-answer").unwrap();
    assert_eq!(m.kind, MessageChangeKind::Substantive);
    assert_eq!((m.old_version, m.new_version), (Some(1), Some(2)));
    assert_eq!(m.texts, ["en", "es"]);
}

#[test]
fn r0_3_an_editorial_version_is_noted_without_a_warning() {
    let d = diff(&example(), &versioned("editorial"));
    assert!(d.is_clean(), "{d}");
    assert!(d.diagnostics.is_empty(), "{d}");
    let m = d.messages.iter().find(|m| m.id == "backup-answer").unwrap();
    assert_eq!(m.kind, MessageChangeKind::Editorial);
}

#[test]
fn r0_3_rewriting_or_dropping_history_is_an_error() {
    let old = versioned("substantive");
    // Version 1 edited in place, version 2 kept.
    let policy_text = NEW_VERSION_TEMPLATE.replace("CHANGE", "substantive");
    let rewritten = policy_text.replacen("Restauraremos nosotros", "Restauraremos", 1);
    let start = unified_message::EXAMPLE_POLICY
        .find("[messages.backup-answer]")
        .unwrap();
    let end = start
        + unified_message::EXAMPLE_POLICY[start..]
            .find("\n\n")
            .unwrap();
    let mut policy = unified_message::EXAMPLE_POLICY.to_owned();
    policy.replace_range(start..end, rewritten.trim_end());
    let new = Engine::from_toml_str(&policy).unwrap();
    let d = diff(&old, &new);
    assert_eq!(d.errors().next().unwrap().code, "version-history-changed");

    // Back to one version: the pinned version 2 no longer exists.
    let d = diff(&old, &example());
    assert_eq!(d.errors().next().unwrap().code, "versions-removed");
}

#[test]
fn r4_3_an_authority_change_lists_every_circumstance_it_changes() {
    // Billing agents may now grant refunds themselves.
    let new = edited(
        r#"authority = { "billing.invoice" = "own", "general" = "own" }"#,
        r#"authority = { "billing.*" = "own", "general" = "own" }"#,
    );
    let d = diff(&example(), &new);
    assert!(d.is_clean(), "{d}");
    assert!(d.messages.is_empty());
    assert!(!d.decisions.is_empty());
    for c in &d.decisions {
        assert_eq!(c.contact.topic.as_deref(), Some("billing.refund"), "{d}");
        assert_eq!(c.responder, Responder::staff("billing-agent"));
        assert_eq!(c.before.outcome, Outcome::Authorize);
        assert_eq!(c.after.outcome, Outcome::Answer);
        assert_eq!(c.after.message, "refund-granted");
        // The same change on every channel is one entry.
        assert_eq!(c.channels.len(), 10);
        assert!(!c.contact.asks_for_superior);
    }
    // Past the ladder, without a premium plan (premium refunds were already `own`).
    assert!(
        d.decisions
            .iter()
            .all(|c| c.contact.progress == Progress::Explained
                || c.contact.progress == Progress::Served
                || c.contact.facts.contains_key("accessibility"))
    );
    assert!(
        d.decisions
            .iter()
            .all(|c| c.contact.facts.get("plan").map(String::as_str) != Some("premium"))
    );
}

#[test]
fn r0_4_a_new_serving_system_changes_redirects_and_topics_are_listed() {
    let new = edited(
        "explains = { system = \"self-diagnosis\", message = \"dns-ping-guide\" }",
        "explains = { system = \"self-diagnosis\", message = \"dns-ping-guide\" }\nserves = { system = \"control-panel\", message = \"ssl-panel\" }",
    );
    let d = diff(&example(), &new);
    let redirect = d
        .decisions
        .iter()
        .find(|c| {
            c.contact.topic.as_deref() == Some("dns.ping") && c.after.outcome == Outcome::Redirect
        })
        .unwrap();
    assert_eq!(redirect.after.system.as_deref(), Some("control-panel"));
    assert_eq!(redirect.contact.progress, Progress::Explained);

    let removed = Engine::from_toml_str(
        &unified_message::EXAMPLE_POLICY
            .replace("[topics.\"ssl.certificate\"]", "[topics.\"ssl.cert\"]"),
    )
    .unwrap();
    let d = diff(&example(), &removed);
    assert_eq!(d.removed_topics, ["ssl.certificate"]);
    assert_eq!(d.added_topics, ["ssl.cert"]);
    assert!(d.diagnostics.iter().any(|w| w.code == "topic-removed"));
}

#[test]
fn diffs_serialize_and_display() {
    let new = edited(
        "Restauraremos nosotros la copia de seguridad",
        "Restauraremos la copia de seguridad",
    );
    let d = diff(&example(), &new);
    let json = serde_json::to_string(&d).unwrap();
    let back: PolicyDiff = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
    let text = d.to_string();
    assert!(
        text.contains("error[text-changed-without-version]"),
        "{text}"
    );
    assert!(
        text.contains("message `backup-answer`: text changed without a new version"),
        "{text}"
    );
}

/// R0.7: two different policies under one `revision` label are an error — decisions and pins
/// name the revision, so their records could not be told apart; a new label clears it, and
/// an identical policy under the same label is fine.
#[test]
fn r0_7_a_changed_policy_needs_its_own_revision() {
    let granted = |revision: &str| {
        let policy = unified_message::EXAMPLE_POLICY
            .replace(
                r#"authority = { "billing.invoice" = "own", "general" = "own" }"#,
                r#"authority = { "billing.*" = "own", "general" = "own" }"#,
            )
            .replace(
                r#"revision = "2026-11-27""#,
                &format!("revision = \"{revision}\""),
            );
        Engine::from_toml_str(&policy).unwrap()
    };
    let d = diff(&example(), &granted("2026-11-27"));
    assert!(!d.decisions.is_empty());
    let codes: Vec<&str> = d.errors().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, ["revision-unchanged"]);
    assert_eq!(
        d.errors().next().unwrap().path.to_string(),
        "policy.revision"
    );
    assert!(diff(&example(), &granted("2026-11-28")).is_clean());
    assert!(diff(&example(), &example()).is_clean());
}
