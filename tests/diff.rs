//! `diff` (issue 4, point 5): circumstances whose decision changes, messages whose text
//! changed, and the history of versions kept (R0.3, R0.7a).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use unified_message::diff::{MessageChangeKind, PolicyDiff, diff};
use unified_message::{Engine, Outcome, Progress, Responder, Severity};

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

/// The diff's findings located in the new policy's TOML text, as the command-line tool does.
fn located(d: &PolicyDiff, new_policy: &str) -> Vec<unified_message::Diagnostic> {
    let mut report = unified_message::check::Report::default();
    report.diagnostics = d.diagnostics.clone();
    report.located_in_toml(new_policy).diagnostics
}

/// Issue 23, point 2: a message removed whole is an error, as removed versions are — customers
/// may be pinned to it — located where the message was declared.
#[test]
fn issue23_2_a_removed_message_is_an_error() {
    // The outage rule now answers with a new message; the old one is deleted.
    let policy = unified_message::EXAMPLE_POLICY
        .replacen(
            "[messages.email-outage-notice]",
            "[messages.email-outage-notice-2]",
            1,
        )
        .replacen(
            r#"then = { answer = "email-outage-notice" }"#,
            r#"then = { answer = "email-outage-notice-2" }"#,
            1,
        )
        .replacen(
            r#"revision = "2026-11-27""#,
            r#"revision = "2026-11-28""#,
            1,
        );
    let new = Engine::from_toml_str(&policy).unwrap();
    let d = diff(&example(), &new);
    assert!(!d.is_clean(), "{d}");
    let errors: Vec<_> = d.errors().collect();
    assert_eq!(errors.len(), 1, "{d}");
    let e = errors[0];
    assert_eq!(e.code, unified_message::Code::MessageRemoved);
    assert_eq!(e.path.to_string(), "messages.email-outage-notice");
    assert!(e.message.contains("pinned"), "{e}");
    assert!(!e.hint.is_empty());
    let removed = d
        .messages
        .iter()
        .find(|m| m.id == "email-outage-notice")
        .unwrap();
    assert_eq!(removed.kind, MessageChangeKind::Removed);
    assert!(
        d.messages
            .iter()
            .any(|m| m.id == "email-outage-notice-2" && m.kind == MessageChangeKind::Added)
    );
    // Located in the new policy (at the nearest part that is still there: `messages`).
    let located = located(&d, &policy);
    let line = located
        .iter()
        .find(|d| d.code == "message-removed")
        .and_then(|d| d.location)
        .unwrap()
        .line;
    assert!(
        policy
            .lines()
            .nth(line - 1)
            .unwrap()
            .starts_with("[messages."),
        "line {line}"
    );
    assert!(d.to_string().contains("error[message-removed]"), "{d}");

    // Keeping the old message (unused) clears it.
    let kept = policy.replacen(
        "[messages.email-outage-notice-2]",
        &format!(
            "{}\n[messages.email-outage-notice-2]",
            &unified_message::EXAMPLE_POLICY[unified_message::EXAMPLE_POLICY
                .find("[messages.email-outage-notice]")
                .unwrap()..]
                .split("\n\n")
                .next()
                .unwrap()
        ),
        1,
    );
    let d = diff(&example(), &Engine::from_toml_str(&kept).unwrap());
    assert!(d.is_clean(), "{d}");
}

/// The example policy with `[policy].fallback` on `billing.invoice`, as the next revision.
fn billing_fallback() -> (String, Engine) {
    let policy = unified_message::EXAMPLE_POLICY
        .replacen(
            r#"fallback = "general""#,
            r#"fallback = "billing.invoice""#,
            1,
        )
        .replacen(
            r#"revision = "2026-11-27""#,
            r#"revision = "2026-11-28""#,
            1,
        );
    let engine = Engine::from_toml_str(&policy).unwrap();
    (policy, engine)
}

/// Issue 23, point 11: a changed fallback changes the decision of every contact without a
/// known topic; the diff lists those changes under the pseudo-topic "unknown topic / no
/// topic" and warns at `policy.fallback`.
#[test]
fn issue23_11_a_changed_fallback_lists_the_decisions_of_unknown_topics() {
    let (policy, new) = billing_fallback();
    let old = example();
    // What the issue saw: an unknown topic answered by a sales agent goes from answer to route.
    let contact = unified_message::Contact::new("c", unified_message::Channel::Email)
        .with_topic("no.such.topic")
        .with_progress(Progress::Served);
    let sales = Responder::staff("sales-agent");
    assert_eq!(old.decide(&contact, &sales).outcome(), Outcome::Answer);
    assert_eq!(new.decide(&contact, &sales).outcome(), Outcome::Route);

    let d = diff(&old, &new);
    assert!(d.is_clean(), "{d}");
    assert!(!d.is_empty());
    let fallback = d.fallback.as_ref().unwrap();
    assert_eq!(
        (&*fallback.old, &*fallback.new),
        ("general", "billing.invoice")
    );
    let unknown: Vec<_> = d.decisions.iter().filter(|c| c.unknown_topic).collect();
    assert!(!unknown.is_empty(), "{d}");
    // Only the pseudo-topic: the topics themselves did not change.
    assert_eq!(unknown.len(), d.decisions.len(), "{d}");
    for c in &unknown {
        assert_eq!(c.contact.topic, None);
        // Each change replays: the old and new decisions of a contact without a topic.
        let contact = c.contact.clone().with_channel(c.channels[0].clone());
        assert_eq!(
            unified_message::DecisionBrief::from(&old.decide(&contact, &c.responder)),
            c.before
        );
        assert_eq!(
            unified_message::DecisionBrief::from(&new.decide(&contact, &c.responder)),
            c.after
        );
    }
    let served = unknown
        .iter()
        .find(|c| {
            c.responder == sales
                && c.contact.progress == Progress::Served
                && c.contact.facts.is_empty()
                && !c.contact.asks_for_superior
        })
        .unwrap();
    assert_eq!(served.before.outcome, Outcome::Answer);
    assert_eq!(served.after.outcome, Outcome::Route);

    // A warning at `policy.fallback`, located there, in every format.
    let w = d
        .diagnostics
        .iter()
        .find(|w| w.code == "fallback-changed")
        .unwrap();
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(w.path.to_string(), "policy.fallback");
    assert!(w.message.contains("`general` to `billing.invoice`"), "{w}");
    assert!(w.message.contains("unknown topic / no topic"), "{w}");
    let line = located(&d, &policy)
        .iter()
        .find(|d| d.code == "fallback-changed")
        .and_then(|d| d.location)
        .unwrap()
        .line;
    assert!(
        policy
            .lines()
            .nth(line - 1)
            .unwrap()
            .starts_with("fallback =")
    );
    let text = d.to_string();
    assert!(
        text.contains("fallback topic: `general` -> `billing.invoice`"),
        "{text}"
    );
    assert!(
        text.contains("(unknown topic / no topic), progress `served`, staff role `sales-agent`"),
        "{text}"
    );
    assert!(!text.contains("topic ``"), "{text}");
    let json: serde_json::Value = serde_json::to_value(&d).unwrap();
    assert_eq!(json["fallback"]["old"], "general");
    assert_eq!(json["fallback"]["new"], "billing.invoice");
    assert!(
        json["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["unknown_topic"] == true && c["contact"].get("topic").is_none())
    );
    let back: PolicyDiff = serde_json::from_str(&json.to_string()).unwrap();
    assert_eq!(back, d);
    // One more topic's worth of circumstances, not a product.
    let same = diff(&old, &old);
    assert!(d.circumstances > same.circumstances);
    assert!(d.circumstances < 2 * same.circumstances);
}

/// Issue 23, point 11: without a changed fallback, nothing is labelled as unknown topics and
/// the JSON is as before.
#[test]
fn issue23_11_an_unchanged_fallback_adds_nothing() {
    let d = diff(
        &example(),
        &edited(
            r#"authority = { "billing.invoice" = "own", "general" = "own" }"#,
            r#"authority = { "billing.*" = "own", "general" = "own" }"#,
        ),
    );
    assert!(d.fallback.is_none());
    assert!(d.decisions.iter().all(|c| !c.unknown_topic));
    let json = serde_json::to_value(&d).unwrap();
    assert!(json.get("fallback").is_none());
    assert!(json.get("default_locale").is_none());
    assert!(json["decisions"][0].get("unknown_topic").is_none());
}

/// Issue 23, point 12: reordering `locales` changes what every contact without a known locale
/// hears: the diff names the new default and the messages heard in other words, and warns at
/// `policy.locales`; under the same revision label it is a changed policy.
#[test]
fn issue23_12_a_changed_default_locale_is_reported() {
    let policy = unified_message::EXAMPLE_POLICY.replacen(
        r#"locales = ["es", "en"]"#,
        r#"locales = ["en", "es"]"#,
        1,
    );
    let old = example();
    let same_label = Engine::from_toml_str(&policy).unwrap();
    // What the issue saw: a contact without a locale hears English now.
    let contact = unified_message::Contact::new("c", unified_message::Channel::Email)
        .with_topic("hosting.backup")
        .with_progress(Progress::Served);
    let agent = Responder::staff("support-agent");
    let (a, b) = (
        old.decide(&contact, &agent),
        same_label.decide(&contact, &agent),
    );
    assert_eq!(a.message_id(), b.message_id());
    assert_ne!(a.to_record().message.text, b.to_record().message.text);

    let d = diff(&old, &same_label);
    assert!(!d.is_empty(), "{d}");
    assert_eq!(
        d.errors().map(|e| e.code.as_str()).collect::<Vec<_>>(),
        ["revision-unchanged"]
    );
    let d = diff(&old, &next_revision(&policy));
    assert!(d.is_clean(), "{d}");
    assert!(!d.is_empty());
    let locale = d.default_locale.as_ref().unwrap();
    assert_eq!((&*locale.old, &*locale.new), ("es", "en"));
    assert!(locale.messages.iter().any(|m| m == "backup-answer"), "{d}");
    assert!(
        locale.messages.iter().any(|m| m.starts_with("handover.")),
        "{d}"
    );
    assert!(locale.messages.is_sorted());
    let w = d
        .diagnostics
        .iter()
        .find(|w| w.code == "default-locale-changed")
        .unwrap();
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(w.path.to_string(), "policy.locales");
    assert!(w.message.contains("`es` to `en`"), "{w}");
    let line = located(&d, &policy)
        .iter()
        .find(|d| d.code == "default-locale-changed")
        .and_then(|d| d.location)
        .unwrap()
        .line;
    assert!(
        policy
            .lines()
            .nth(line - 1)
            .unwrap()
            .starts_with("locales =")
    );
    let text = d.to_string();
    assert!(text.contains("default locale: `es` -> `en`"), "{text}");
    assert!(text.contains("backup-answer"), "{text}");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["default_locale"]["new"], "en");
    let back: PolicyDiff = serde_json::from_str(&json.to_string()).unwrap();
    assert_eq!(back, d);
    // Nothing about decisions: only the words.
    assert!(d.decisions.is_empty(), "{d}");
}

/// Issue 23, points 11 and 12: the CI formats carry the changed fallback and default locale
/// as warnings located on their line.
#[cfg(feature = "reports")]
#[test]
fn issue23_11_12_ci_formats_show_the_changed_fallback_and_locale() {
    let (policy, _) = billing_fallback();
    let policy = policy.replacen(r#"locales = ["es", "en"]"#, r#"locales = ["en", "es"]"#, 1);
    let new_locale = Engine::from_toml_str(&policy).unwrap();
    let d = diff(&example(), &new_locale);
    let findings = located(&d, &policy);
    let github = unified_message::ci::github(&findings, "policy.toml");
    assert!(
        github.contains(
            "::warning file=policy.toml,line=14,col=1,title=fallback-changed::policy.fallback: "
        ),
        "{github}"
    );
    assert!(
        github.contains("title=default-locale-changed::policy.locales: "),
        "{github}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&unified_message::ci::sarif(&findings, "policy.toml")).unwrap();
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"fallback-changed") && rules.contains(&"default-locale-changed"));
    let gitlab: serde_json::Value =
        serde_json::from_str(&unified_message::ci::gitlab(&findings, "policy.toml")).unwrap();
    assert!(
        gitlab
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["check_name"] == "fallback-changed" && i["location"]["lines"]["begin"] == 14),
        "{gitlab}"
    );
}
