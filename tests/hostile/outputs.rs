//! Issue 25, points 2 to 4: what `check`, `diff` and the generated outputs write grows with
//! the policy, never with a product of its parts; the work is counted (circumstances decided,
//! entries, bytes written), never timed.

use std::fmt::Write as _;

use unified_message::Engine;
use unified_message::diff::diff;

use crate::policies::no_rules;

/// The control policy with one rule on `email.setup` for `channels` custom channels,
/// answering `answer`.
fn many_channels(channels: usize, answer: &str, revision: &str) -> Engine {
    let list: Vec<String> = (0..channels).map(|c| format!("\"c{c:05}\"")).collect();
    let rule = format!(
        "[[rules]]\nid = \"wide\"\nwhen = {{ topic = \"email.setup\", channel = [{}] }}\nthen = {{ answer = \"{answer}\" }}\n",
        list.join(", ")
    );
    Engine::builder()
        .max_circumstances(u64::MAX)
        .from_toml_str(&format!(
            "{}\n{rule}",
            no_rules().replace("revision = \"1\"", &format!("revision = \"{revision}\""))
        ))
        .unwrap()
}

/// Issue 25 point 4: the diff of a rule that names 20,000 channels decides each circumstance
/// once, lists each channel once, and writes a text linear in the channels; a rule's channels
/// are held sorted (membership by binary search), where a linear search in each decision made
/// the diff channels × channels.
#[test]
fn issue25_4_diff_of_a_rule_on_tens_of_thousands_of_channels_is_linear() {
    let mut per_channel = Vec::new();
    for channels in [2_000, 20_000] {
        let (old, new) = (
            many_channels(channels, "general-answer", "1"),
            many_channels(channels, "email-answer", "2"),
        );
        let d = diff(&old, &new);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        let listed: usize = d.decisions.iter().map(|c| c.channels.len()).sum();
        assert!(listed >= channels, "{listed} channels listed");
        let text = d.to_string();
        per_channel.push((d.circumstances / channels as u64, text.len() / channels));
    }
    // Ten times the channels: the same work and text per channel.
    assert_eq!(per_channel[0].0, per_channel[1].0, "{per_channel:?}");
    assert!(per_channel[1].1 <= per_channel[0].1 + 1, "{per_channel:?}");
}

/// `many_topics(topics)` with the department's name `name`.
fn named(topics: usize, name: &str) -> String {
    crate::policies::many_topics(topics).replace(
        "support = { name = \"Support\" }",
        &format!("support = {{ name = \"{name}\" }}"),
    )
}

/// Issue 25 point 3: a department name of 1 MB over 1,000 topics made `manual` write more
/// than 400 MB. Names, ids and texts are bounded at compile time (`too-long`, at the line of
/// the value, with the limit named), and with the longest name allowed the manual, the
/// decision table and the report of `check` are linear in the policy: the bytes written per
/// byte of policy are about the same for 100 and 1,000 topics.
#[test]
fn issue25_3_names_ids_and_texts_are_bounded_and_outputs_are_linear() {
    // A name of 1 MB, and of a byte above the limit: refused, located.
    for len in [1 << 20, unified_message::limits::DEFAULT_MAX_NAME_BYTES + 1] {
        let policy = named(1_000, &"N".repeat(len));
        let err = Engine::from_toml_str(&policy).unwrap_err();
        assert!(err.has_code("too-long"), "{err}");
        let d = &err.diagnostics()[0];
        assert_eq!(d.path.to_string(), "departments.support.name");
        assert_eq!(d.location.map(|l| l.line), Some(9), "{d:?}");
        assert!(d.message.contains(&format!("{len} bytes")), "{}", d.message);
        assert!(d.message.len() < 1_000, "the error quotes the name cut");
        assert!(d.hint.contains("max_name_bytes"), "{}", d.hint);
        // Raised on purpose, accepted.
        assert!(
            Engine::builder()
                .max_name_bytes(len)
                .from_toml_str(&policy)
                .is_ok()
        );
    }
    // An id, a text: likewise.
    let long_id = crate::policies::many_topics(3)
        .replace("[topics.t1]", &format!("[topics.t{}]", "1".repeat(300)));
    let err = Engine::from_toml_str(&long_id).unwrap_err();
    assert!(err.has_code("too-long"), "{err}");
    assert!(err.diagnostics()[0].hint.contains("max_id_bytes"));
    let long_text = crate::policies::many_topics(3).replace(
        "text = { en = \"Done.\" }",
        &format!(
            "text = {{ en = \"{}\" }}",
            "x".repeat(unified_message::limits::DEFAULT_MAX_TEXT_BYTES + 1)
        ),
    );
    let err = Engine::from_toml_str(&long_text).unwrap_err();
    assert!(err.has_code("too-long"), "{err}");
    assert!(err.diagnostics()[0].hint.contains("max_text_bytes"));

    // At the limit, the outputs are linear in the policy.
    let name = "N".repeat(unified_message::limits::DEFAULT_MAX_NAME_BYTES);
    let mut ratios = Vec::new();
    for topics in [100, 1_000] {
        let policy = named(topics, &name);
        let engine = Engine::from_toml_str(&policy).unwrap();
        let manual = engine.manual(None, "en").unwrap();
        let table = serde_json::to_string(&engine.decision_table()).unwrap();
        let report = serde_json::to_string(&engine.check()).unwrap();
        ratios.push([manual.len(), table.len(), report.len()].map(|n| n / policy.len()));
    }
    // Ten times the topics: about the same bytes written per byte of policy (the share of
    // the fixed header aside), never ten times more.
    for (small, large) in ratios[0].iter().zip(ratios[1]) {
        assert!(
            large <= small + 4 && large <= 64,
            "bytes per byte of policy: {ratios:?}"
        );
    }
}

/// `topics` topics of `support` routed (by a rule) to `sales`, whose `roles` roles have
/// authority on nothing the topics are: every route is a dead end, one cause — `sales` answers
/// none of them.
fn dead_ends(topics: usize, roles: usize) -> String {
    let mut s = crate::policies::many_topics(topics)
        .replace(
            "support = { name = \"Support\" }",
            "support = { name = \"Support\" }\nsales = { name = \"Sales\" }",
        )
        .replace(
            "owner = \"support\"",
            "owner = \"sales\"\nauthority = \"consensual\"",
        )
        .replace(
            "authority = { \"*\" = \"own\" }",
            "authority = { \"offers\" = \"own\" }",
        );
    for r in 0..roles {
        writeln!(
            s,
            "[roles.seller{r}]\ndepartment = \"sales\"\nrank = \"agent\"\nauthority = {{ \"offers\" = \"own\" }}"
        )
        .unwrap();
    }
    s.push_str("[topics.offers]\nowner = \"sales\"\nexplains = { system = \"help\", message = \"guide\" }\nanswer = \"answer\"\n");
    s
}

/// Issue 25 point 2: 300 dead-end topics and 300 roles wrote 53 MB of JSON, a finding per
/// topic each with a response per role. Findings with one cause are one finding, listing what
/// they cover with a count, with a bounded counterexample: the report grows with the policy,
/// never with topics × roles.
#[test]
fn issue25_2_findings_with_one_cause_are_one_finding() {
    let mut sizes = Vec::new();
    for (topics, roles) in [(30, 30), (300, 30), (30, 300), (300, 300)] {
        let policy = dead_ends(topics, roles);
        let engine = Engine::from_toml_str(&policy).unwrap();
        let report = engine.check();
        let dead: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "route-dead-end")
            .collect();
        let codes: Vec<_> = report
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.code.as_str(),
                    d.message.len(),
                    d.counterexample.as_ref().map(|c| c.responses.len()),
                )
            })
            .collect();
        assert_eq!(dead.len(), 1, "one cause, one finding: {codes:?}");
        assert!(
            dead[0].message.contains(&format!("{topics} topics")),
            "{}",
            dead[0].message
        );
        let json = serde_json::to_string(&report).unwrap();
        sizes.push((policy.len(), json.len()));
    }
    // The report is within a constant of the policy, whatever the product of its parts.
    for &(policy, json) in &sizes {
        assert!(json <= 2 * policy + 64 * 1024, "{sizes:?}");
    }
}

/// Issue 25 point 2, the same class: a rule that lets every person answer every topic with
/// `own` authority puts each department out of its lane on each topic of another — one
/// finding per department and owner, listing the topics, not one per topic and department.
#[test]
fn issue25_2_out_of_lane_is_one_finding_per_department() {
    for (topics, departments) in [(20, 5), (200, 50)] {
        let mut s = crate::policies::many_topics(topics);
        for d in 0..departments {
            writeln!(
                s,
                "[departments.d{d}]\nname = \"D{d}\"\n[roles.r{d}]\ndepartment = \"d{d}\"\nrank = \"agent\"\nauthority = {{ \"t0\" = \"consensual\" }}"
            )
            .unwrap();
        }
        s.push_str("[[rules]]\nid = \"everyone\"\nwhen = { topic = \"*\" }\nthen = { authority = \"own\" }\n");
        let engine = Engine::from_toml_str(&s).unwrap();
        let report = engine.check();
        let lanes = report
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "out-of-lane")
            .count();
        assert!(
            lanes >= 1 && lanes <= departments,
            "{lanes} findings for {topics} topics × {departments} departments"
        );
        let json = serde_json::to_string(&report).unwrap();
        assert!(
            json.len() <= 2 * s.len() + 64 * 1024,
            "{} bytes",
            json.len()
        );
    }
}
