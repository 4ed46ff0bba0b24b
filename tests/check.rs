//! `check` (issue 4, point 1) and `screen` (point 2): every check has a policy that violates
//! it in `tests/data/check/`, with the expected codes in `# expect:` lines; the example
//! policy is clean.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use unified_message::check::Report;
use unified_message::{Engine, Outcome, Progress, Severity};

fn cases() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check");
    let mut cases: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    cases.sort();
    cases
}

/// `(errors, warnings)` named by the case's `# expect: error CODE` lines.
fn expected(source: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut errors = BTreeSet::new();
    let mut warnings = BTreeSet::new();
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("# expect:") {
            let mut words = rest.split_whitespace();
            match (words.next(), words.next()) {
                (Some("error"), Some(code)) => errors.insert(code.to_owned()),
                (Some("warning"), Some(code)) => warnings.insert(code.to_owned()),
                other => panic!("bad expect line {other:?}"),
            };
        }
    }
    (errors, warnings)
}

fn check(name: &str, source: &str) -> Report {
    let engine = Engine::from_toml_str(source)
        .unwrap_or_else(|e| panic!("case `{name}` does not compile:\n{e}"));
    engine.check().located_in_toml(source)
}

/// Replays a counterexample: deciding its contact again gives the recorded decisions.
fn replay(engine: &Engine, report: &Report) {
    for d in &report.diagnostics {
        let Some(c) = &d.counterexample else { continue };
        assert!(!c.responses.is_empty(), "{d}");
        for r in &c.responses {
            let contact = c.contact.clone().with_channel(r.channel.clone());
            let decision = engine.decide(&contact, &r.responder);
            assert_eq!(decision.to_record(), r.decision, "{d}");
        }
    }
}

#[test]
fn r2_3_r3_3_r0_5_every_violating_policy_gets_exactly_its_errors() {
    let mut seen = HashSet::new();
    for (name, source) in cases() {
        let (errors, warnings) = expected(&source);
        let report = check(&name, &source);
        let found: BTreeSet<String> = report.errors().map(|d| d.code.to_string()).collect();
        assert_eq!(found, errors, "case `{name}`:\n{report}");
        for w in &warnings {
            assert!(
                report.with_code(w).any(|d| d.severity == Severity::Warning),
                "case `{name}` lacks warning `{w}`:\n{report}"
            );
        }
        assert_eq!(report.is_clean(), errors.is_empty());
        seen.extend(errors);
        seen.extend(warnings);
        replay(&Engine::from_toml_str(&source).unwrap(), &report);
    }
    // Every check that a policy can trigger has a case.
    for code in [
        "channel-specific-rule",
        "answers-differ",
        "ladder-order",
        "empty-text",
        "route-dead-end",
        "authorize-dead-end",
        "rank-gap",
        "out-of-lane",
        "forbidden-phrase",
        "missing-change-notice",
        "rule-never-fires",
        "shadowed-rule",
        "conflicting-rules",
        "unused-message",
        "unused-system",
        "unused-role",
        "topic-without-explanation",
        "department-unanswerable",
        "approver-without-authorized",
    ] {
        assert!(seen.contains(code), "no case for `{code}`");
    }
}

#[test]
fn the_clean_case_has_no_finding_at_all() {
    let (_, source) = cases().into_iter().find(|(n, _)| n == "clean").unwrap();
    let report = check("clean", &source);
    assert!(report.diagnostics.is_empty(), "{report}");
    assert!(report.circumstances > 0);
}

#[test]
fn r0_1_the_example_policy_is_consistent() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let report = engine.check();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.circumstances, engine.circumstances().len() as u64);
}

#[test]
fn violations_carry_a_counterexample_path_and_hint() {
    let invariant_codes = [
        "answers-differ",
        "ladder-order",
        "route-dead-end",
        "authorize-dead-end",
        "escalation-dead-end",
        "rank-gap",
        "out-of-lane",
        "conflicting-rules",
    ];
    for (name, source) in cases() {
        let report = check(&name, &source);
        for d in &report.diagnostics {
            assert!(!d.message.is_empty() && !d.hint.is_empty(), "{d}");
            assert!(!d.path.segments().is_empty(), "{d}");
            if invariant_codes.contains(&d.code.as_str()) {
                assert!(d.counterexample.is_some(), "case `{name}`: {d}");
            }
            // Findings are located in the TOML text.
            assert!(d.location.is_some(), "{d}");
        }
    }
}

#[test]
fn r3_3_rank_gap_names_the_department_and_the_missing_rank() {
    let (_, source) = cases().into_iter().find(|(n, _)| n == "rank-gap").unwrap();
    let report = check("rank-gap", &source);
    let d = report.with_code("rank-gap").next().unwrap();
    assert_eq!(d.path.to_string(), "departments.billing");
    assert_eq!(d.severity, Severity::Warning);
    assert!(d.message.contains("`lead`"), "{d}");
    let c = d.counterexample.as_ref().unwrap();
    assert!(c.contact.asks_for_superior);
    assert_eq!(
        c.responses[0].responder,
        unified_message::Responder::staff("billing-agent")
    );
    assert_eq!(c.responses[0].decision.outcome, Outcome::Review);
}

#[test]
fn r0_8_out_of_lane_points_at_the_rule() {
    let (_, source) = cases()
        .into_iter()
        .find(|(n, _)| n == "out-of-lane")
        .unwrap();
    let report = check("out-of-lane", &source);
    let d = report.with_code("out-of-lane").next().unwrap();
    assert_eq!(d.path.to_string(), "rules[0]");
    let c = d.counterexample.as_ref().unwrap();
    assert_eq!(
        c.contact.facts.get("plan").map(String::as_str),
        Some("premium")
    );
    assert_eq!(c.responses[0].decision.outcome, Outcome::Answer);
    assert!(
        matches!(&c.responses[0].responder, unified_message::Responder::Staff(r) if r.starts_with("support"))
    );
}

#[test]
fn r0_8_a_rule_that_names_the_department_is_an_explicit_grant() {
    let (_, source) = cases()
        .into_iter()
        .find(|(n, _)| n == "out-of-lane")
        .unwrap();
    let explicit = source.replace(
        r#"when = { topic = "billing.invoice", facts = { plan = "premium" } }"#,
        r#"when = { topic = "billing.invoice", department = "support", facts = { plan = "premium" } }"#,
    );
    assert_ne!(explicit, source);
    let report = check("explicit grant", &explicit);
    assert!(!report.has_code("out-of-lane"), "{report}");
}

#[test]
fn r2_4_routing_a_customer_who_skipped_the_ladder_is_not_a_dead_end() {
    // Support skips the ladder for accessibility and routes invoices to billing, whose
    // agents first point to the systems: billing can still answer, past them.
    let (_, source) = cases().into_iter().find(|(n, _)| n == "clean").unwrap();
    let policy = format!(
        "{source}\n[[rules]]\nid = \"accessibility\"\nwhen = {{ department = \"support\", facts = {{ accessibility = \"true\" }} }}\nthen = {{ skip_ladder = true }}\n"
    );
    let report = check("accessibility", &policy);
    assert!(report.is_clean(), "{report}");
    let engine = Engine::from_toml_str(&policy).unwrap();
    let contact = unified_message::Contact::new("c", unified_message::Channel::Phone)
        .with_topic("billing.invoice")
        .with_fact("accessibility", "true");
    let routed = engine.decide(
        &contact,
        &unified_message::Responder::staff("support-agent"),
    );
    assert_eq!(routed.outcome(), Outcome::Route);
}

#[test]
fn r0_1_i2_answers_differ_shows_both_answers() {
    let (_, source) = cases()
        .into_iter()
        .find(|(n, _)| n == "answers-differ")
        .unwrap();
    let report = check("answers-differ", &source);
    let d = report.with_code("answers-differ").next().unwrap();
    let c = d.counterexample.as_ref().unwrap();
    assert_eq!(c.responses.len(), 2);
    assert_ne!(
        c.responses[0].decision.message.id,
        c.responses[1].decision.message.id
    );
    assert!(
        c.responses
            .iter()
            .all(|r| r.decision.outcome == Outcome::Answer)
    );
}

#[test]
fn r2_3_forbidden_phrases_are_found_in_messages_and_handovers_with_spans() {
    let (_, source) = cases()
        .into_iter()
        .find(|(n, _)| n == "forbidden-phrase")
        .unwrap();
    let report = check("forbidden-phrase", &source);
    let found: Vec<_> = report.with_code("forbidden-phrase").collect();
    let paths: BTreeSet<String> = found.iter().map(|d| d.path.to_string()).collect();
    assert_eq!(
        paths,
        BTreeSet::from([
            "handover.review.en".to_owned(),
            "messages.invoice-lead-answer.text.en".to_owned()
        ])
    );
    let m = found
        .iter()
        .find(|d| d.path.to_string() == "handover.review.en")
        .and_then(|d| d.matched.as_deref())
        .unwrap();
    assert_eq!((m.start, m.end), (0, "That's not our concern".len()));
    assert_eq!(m.text, "That's not our concern");
    assert!(m.why.contains("brushed off"));
}

#[test]
fn r2_3_forbidden_phrases_are_found_in_every_version_and_channel_variant() {
    let policy = unified_message::EXAMPLE_POLICY.replace(
        r#"channels.sms.es = "Copias diarias de 30 días. Cómo restaurar: {where}""#,
        r#"channels.sms.es = "Eso no nos compete. Cómo restaurar: {where}""#,
    );
    let report = Engine::from_toml_str(&policy)
        .unwrap()
        .check()
        .located_in_toml(&policy);
    let d = report.with_code("forbidden-phrase").next().unwrap();
    assert_eq!(d.path.to_string(), "messages.backup-guide.channels.sms.es");
    assert!(d.location.is_some());
    assert!(!report.is_clean());
}

#[test]
fn r2_3_forbidden_phrases_are_found_in_old_versions_too() {
    // Pinned customers still hear old versions (R0.3): they are screened as well.
    let policy = unified_message::EXAMPLE_POLICY.replacen(
        r#"channels.sms.en = "E-mail: IMAP and SMTP mail.acme.example (993/465). Guide: {where}""#,
        r#"channels.sms.en = "That's not our concern: IMAP and SMTP mail.acme.example. Guide: {where}""#,
        1,
    );
    assert_ne!(policy, unified_message::EXAMPLE_POLICY);
    let report = Engine::from_toml_str(&policy)
        .unwrap()
        .check()
        .located_in_toml(&policy);
    let d = report.with_code("forbidden-phrase").next().unwrap();
    assert_eq!(
        d.path.to_string(),
        "messages.email-setup-guide.versions[0].channels.sms.en"
    );
    let line = d.location.unwrap().line;
    assert!(
        policy
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("That's not our concern")
    );
    assert_eq!(d.matched.as_ref().unwrap().start, 0);
}

#[test]
fn r2_3_screen_finds_eso_no_nos_compete_with_its_span_and_reason() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let draft = "Buenos días. Mire, eso no nos compete: llame al banco. Ni idea.";
    let found = engine.screen(draft, "es");
    assert_eq!(found.len(), 2, "{found:?}");
    let start = draft.find("eso no nos compete").unwrap();
    assert_eq!(
        (found[0].start, found[0].end),
        (start, start + "eso no nos compete".len())
    );
    assert_eq!(&draft[found[0].start..found[0].end], found[0].text);
    assert!(found[0].why.contains("exclusión"));
    assert!(found[0].pattern.contains("eso no nos compete"));
    assert_eq!(found[1].text, "Ni idea");
    assert!(
        engine
            .screen("Le paso con Administración, que lleva su caso.", "es")
            .is_empty()
    );
    // Case-insensitive because the policy's pattern says so.
    assert_eq!(engine.screen("ESO NO NOS COMPETE", "es").len(), 1);
}

#[test]
fn the_circumstance_space_is_the_documented_product_without_repeats() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let all: Vec<_> = engine.circumstances().collect();
    let responders = engine.systems().len() + engine.roles().len();
    let channels = all
        .iter()
        .map(|c| c.contact.channel.clone())
        .collect::<HashSet<_>>()
        .len();
    // Standard channels plus the custom `sms` the policy names.
    assert_eq!(channels, 10);
    // Facts per topic: the email topics see `accessibility` and `outage`, the refund topic
    // `accessibility` and `plan`, the rest `accessibility` only.
    let combos: usize = engine
        .topics()
        .map(|t| {
            if t.starts_with("email.") || t == "billing.refund" {
                4
            } else {
                2
            }
        })
        .sum();
    assert_eq!(all.len(), combos * 3 * 2 * responders * channels);
    let keys: HashSet<String> = all
        .iter()
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    assert_eq!(keys.len(), all.len());
    assert!(all.iter().any(|c| c.contact.progress == Progress::Served
        && c.contact.facts.get("outage").map(String::as_str) == Some("email")));
}

#[test]
fn compile_warnings_are_kept_and_reported() {
    let (_, source) = cases()
        .into_iter()
        .find(|(n, _)| n == "approver-without-authorized")
        .unwrap();
    let engine = Engine::from_toml_str(&source).unwrap();
    assert_eq!(engine.compile_warnings().len(), 1);
    assert_eq!(
        engine.compile_warnings()[0].code,
        "approver-without-authorized"
    );
    assert!(engine.compile_warnings()[0].location.is_some());
    let report = engine.check();
    assert!(report.is_clean());
    assert!(report.has_code("approver-without-authorized"));
}

#[test]
fn reports_serialize_and_display() {
    let (_, source) = cases()
        .into_iter()
        .find(|(n, _)| n == "out-of-lane")
        .unwrap();
    let report = check("out-of-lane", &source);
    let json = serde_json::to_string(&report).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    let text = report.to_string();
    assert!(text.contains("error[out-of-lane]: rules[0]"), "{text}");
    assert!(
        text.contains("counterexample: topic `billing.invoice`"),
        "{text}"
    );
    assert!(text.contains("1 error"), "{text}");
}

#[test]
fn engine_check_is_send_and_sync_friendly() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Report>();
    assert_send_sync::<unified_message::check::Circumstance>();
}

/// The example policy's `premium-refund` rule for every department, at `authority`.
fn premium_refund_for_everyone(authority: &str) -> String {
    let policy = unified_message::EXAMPLE_POLICY
        .replacen(
            r#"when = { topic = "billing.refund", department = "billing", facts = { plan = "premium" } }
then = { authority = "own" }"#,
            &format!(
                "when = {{ topic = \"billing.refund\", facts = {{ plan = \"premium\" }} }}\nthen = {{ authority = \"{authority}\" }}"
            ),
            1,
        );
    assert_ne!(policy, unified_message::EXAMPLE_POLICY);
    policy
}

/// Issue 23, point 10: I5 holds under every authority that lets a person answer. A rule that
/// gives every department `authorized` authority on premium refunds lets a sales supervisor
/// (at the approving rank) answer billing's refund itself: out of its lane, like under `own`.
#[test]
fn issue23_10_out_of_lane_under_authorized_authority() {
    let policy = premium_refund_for_everyone("authorized");
    let engine = Engine::from_toml_str(&policy).unwrap();
    // The decision the issue reports: a sales supervisor grants the refund.
    let contact = unified_message::Contact::new("c", unified_message::Channel::Phone)
        .with_topic("billing.refund")
        .with_progress(Progress::Explained)
        .with_fact("plan", "premium");
    let d = engine.decide(
        &contact,
        &unified_message::Responder::staff("sales-supervisor"),
    );
    assert_eq!(d.outcome(), Outcome::Answer);
    assert_eq!(d.message_id(), "refund-granted");

    let report = engine.check().located_in_toml(&policy);
    let lanes: Vec<_> = report.with_code("out-of-lane").collect();
    assert!(!lanes.is_empty(), "{report}");
    assert!(!report.is_clean());
    // Every department but billing is out of its lane, each named once, at the rule.
    let named: BTreeSet<&str> = lanes
        .iter()
        .map(|d| {
            assert_eq!(d.path.to_string(), "rules[2]", "{d}");
            assert!(d.location.is_some(), "{d}");
            assert!(d.message.contains("with `authorized` authority"), "{d}");
            d.message.split('`').nth(1).unwrap()
        })
        .collect();
    assert!(named.contains("sales"), "{report}");
    assert!(!named.contains("billing"), "{report}");
    assert_eq!(named.len(), lanes.len(), "{report}");
    // The counterexample is an answer of a role outside billing, and replays.
    for d in &lanes {
        let c = d.counterexample.as_ref().unwrap();
        let r = &c.responses[0];
        assert_eq!(r.decision.outcome, Outcome::Answer, "{d}");
        assert_eq!(r.decision.message.id, "refund-granted", "{d}");
        assert!(
            matches!(&r.responder, unified_message::Responder::Staff(s) if !s.starts_with("billing")),
            "{d}"
        );
    }
    replay(&engine, &report);

    // Under `own`, as before.
    let own = Engine::from_toml_str(&premium_refund_for_everyone("own")).unwrap();
    assert!(own.check().has_code("out-of-lane"));
}

/// Issue 23, point 10: an explicit grant still clears I5 under `authorized` — the rule
/// restricted to billing (the example policy), or a role granted `authorized` on refunds.
#[test]
fn issue23_10_an_explicit_grant_is_in_lane_under_authorized() {
    let restricted = unified_message::EXAMPLE_POLICY.replacen(
        r#"then = { authority = "own" }"#,
        r#"then = { authority = "authorized" }"#,
        1,
    );
    assert_ne!(restricted, unified_message::EXAMPLE_POLICY);
    let report = Engine::from_toml_str(&restricted).unwrap().check();
    assert!(!report.has_code("out-of-lane"), "{report}");

    // Every sales, support and projects role granted `authorized` on refunds: explicit.
    let mut granted = premium_refund_for_everyone("authorized");
    for role in ["sales", "support", "projects"] {
        for rank in ["agent", "supervisor", "manager"] {
            let header = format!("[roles.{role}-{rank}]\n");
            let at = granted.find(&header).unwrap() + header.len();
            let rest = &granted[at..];
            let line_end = rest.find("\n\n").unwrap_or(rest.len());
            let block = &rest[..line_end];
            let new_block = if let Some(i) = block.find("authority = { ") {
                let mut b = block.to_owned();
                b.insert_str(
                    i + "authority = { ".len(),
                    "\"billing.refund\" = \"authorized\", ",
                );
                b
            } else {
                format!("{block}\nauthority = {{ \"billing.refund\" = \"authorized\" }}")
            };
            granted.replace_range(at..at + line_end, &new_block);
        }
    }
    let report = Engine::from_toml_str(&granted).unwrap().check();
    assert!(!report.has_code("out-of-lane"), "{report}");
}
