//! The circumstance space of `check`, `diff` and the decision table (issue 19, items 5 and 6):
//! one circumstance decided per class of fact values that the rules tell apart, an explicit
//! `max_circumstances` budget that names the rule, table rows and diff entries bounded by
//! `max_table_size`, and no quadratic step in topics or fact values.
//!
//! The work is counted (circumstances decided: `Report::decided`; rows; entries), never timed.

use std::fmt::Write as _;

use unified_message::Engine;
use unified_message::diff::diff;

use crate::policies::{MINIMAL, many_topics, many_values, no_rules, wide_rule};

/// The control policy with `rules` instead of its own.
fn with(rules: &str) -> Engine {
    Engine::from_toml_str(&format!("{}\n{rules}", no_rules())).unwrap()
}

/// Item 5: one rule testing 20 or 30 facts together makes two classes (the rule holds or
/// not): `check` decides as many circumstances as for one fact, and proves all 2^30 × … of
/// the product.
#[test]
fn i19_5_one_rule_over_thirty_facts_decides_as_much_as_over_one() {
    let mut decided = Vec::new();
    let mut rows = Vec::new();
    for keys in [1, 20, 30] {
        let engine = with(&wide_rule(keys, "general-answer"));
        let report = engine.check();
        assert_eq!(
            report.circumstances,
            engine.circumstances().len() as u64,
            "every circumstance of the product is proven"
        );
        assert!(report.circumstances >= 1 << keys);
        decided.push(report.decided);
        let table = engine.decision_table();
        assert!(table.diagnostics.is_empty(), "{:?}", table.diagnostics);
        // The rule's row names every fact it tests, once.
        assert!(table.rows.iter().any(|r| r.facts.len() == keys));
        rows.push(table.rows.len());
        let same = diff(&engine, &engine);
        assert!(same.is_empty() && same.diagnostics.is_empty(), "{same}");
        assert_eq!(same.circumstances, engine.circumstances().len() as u64);
    }
    assert_eq!(decided[0], decided[1], "20 facts decide as much as 1");
    assert_eq!(decided[0], decided[2], "30 facts decide as much as 1");
    assert_eq!(rows[0], rows[1]);
    assert_eq!(rows[0], rows[2]);
}

/// Items 5 and 6: beside a rule on every topic (`accessibility`), a rule of 30 facts makes
/// the table list every combination of the 30 facts where `accessibility` changes the
/// decision — 2^30 rows for each place: the table's own definition (a fact row wherever the
/// decision differs from the one without facts). `check` still decides 4 classes; the table
/// counts its rows before making any and refuses with `table-too-large`.
#[test]
fn i19_5_a_table_that_would_be_exponential_is_refused_by_counting() {
    let engine =
        Engine::from_toml_str(&format!("{MINIMAL}\n{}", wide_rule(30, "general-answer"))).unwrap();
    let alone = with(&wide_rule(30, "general-answer")).check().decided;
    let report = engine.check();
    assert_eq!(report.circumstances, engine.circumstances().len() as u64);
    // Two rules, two independent components: at most 2 × 2 classes per topic.
    assert!(report.decided <= 2 * alone, "{} vs {alone}", report.decided);
    let table = engine.decision_table();
    let e = table
        .diagnostics
        .iter()
        .find(|d| d.code == "table-too-large")
        .unwrap();
    assert!(e.message.contains("`email.setup`"), "{}", e.message);
    assert!(table.rows.iter().all(|r| r.topic != "email.setup"));
    assert!(table.rows.iter().any(|r| r.topic == "general"));
}

/// Item 5, `diff`: a change under a rule of 30 facts is listed once (the one combination
/// where the rule holds), over a space of 2^30 combinations.
#[test]
fn i19_5_diff_over_thirty_facts_lists_the_one_changed_combination() {
    let old = with(&wide_rule(30, "general-answer"));
    let new = Engine::from_toml_str(
        &format!("{}\n{}", no_rules(), wide_rule(30, "email-answer"))
            .replace("revision = \"1\"", "revision = \"2\""),
    )
    .unwrap();
    let d = diff(&old, &new);
    assert!(d.is_clean(), "{d}");
    assert!(!d.decisions.is_empty());
    for change in &d.decisions {
        assert_eq!(change.contact.facts.len(), 30, "{change:?}");
        assert!(change.contact.facts.values().all(|v| v == "v"));
        assert_eq!(change.after.message, "email-answer");
    }
    assert!(d.circumstances >= 1 << 30);
}

/// Item 5: 60 rules on 60 independent facts with the same effect are 61 classes, not 2^60:
/// an earlier rule that holds decides the effect wherever a later one applies, so which later
/// ones hold too changes nothing.
#[test]
fn i19_5_independent_rules_with_one_effect_are_as_many_classes_as_rules() {
    let rules = |n: usize| {
        let mut rules = String::new();
        for k in 0..n {
            writeln!(
                rules,
                "[[rules]]\nid = \"r{k}\"\nwhen = {{ topic = \"email.setup\", facts = {{ k{k} = \"v\" }} }}\nthen = {{ skip_ladder = true }}"
            )
            .unwrap();
        }
        rules
    };
    let (one, sixty) = (with(&rules(1)), with(&rules(60)));
    let (a, b) = (one.check(), sixty.check());
    assert!(!b.has_code("space-too-large"), "{b}");
    assert_eq!(b.circumstances, sixty.circumstances().len() as u64);
    // One class more per rule: `email.setup` goes from 2 to 61 classes.
    let per_class = a.decided - with("").check().decided;
    assert_eq!(b.decided, a.decided + 59 * per_class);
}

/// Item 5: rules on many independent facts that decide differently (each on its own channel)
/// really do make an exponential space (7^10 distinct sets of rules that matter); the budget
/// stops it with a `space-too-large` error that names a rule, the topic is left out, and the
/// other topics are still checked.
#[test]
fn i19_5_independent_fact_rules_stop_at_the_budget_naming_a_rule() {
    const CHANNELS: [&str; 10] = [
        "phone",
        "ivr",
        "web",
        "email",
        "chat",
        "social",
        "messaging",
        "in_person",
        "ticket",
        "sms",
    ];
    let mut rules = String::new();
    for k in 0..60 {
        writeln!(
            rules,
            "[[rules]]\nid = \"r{k}\"\nwhen = {{ topic = \"email.setup\", channel = \"{}\", facts = {{ k{k} = \"v\" }} }}\nthen = {{ skip_ladder = true }}",
            CHANNELS[k % 10]
        )
        .unwrap();
    }
    let engine = with(&rules);
    let report = engine.check();
    let e = report
        .with_code("space-too-large")
        .next()
        .unwrap_or_else(|| panic!("{report}"));
    assert!(e.is_error());
    assert!(e.path.to_string().starts_with("rules["), "{}", e.path);
    assert!(e.message.contains("`email.setup`"), "{}", e.message);
    assert!(e.message.contains("rule `r"), "{}", e.message);
    assert!(e.hint.contains("max_circumstances"), "{}", e.hint);
    // The other topics are proven; the work stayed within the budget.
    assert!(report.decided > 0);
    assert!(report.decided <= 1 << 26);
    let table = engine.decision_table();
    assert!(
        table
            .diagnostics
            .iter()
            .any(|d| d.code == "space-too-large")
    );
    assert!(table.rows.iter().all(|r| r.topic != "email.setup"));
    assert!(table.rows.iter().any(|r| r.topic == "general"));
    let err = engine.try_decision_table().unwrap_err();
    assert!(err.has_code("space-too-large"), "{err}");
    let d = diff(&engine, &engine);
    assert!(
        d.diagnostics.iter().any(|d| d.code == "space-too-large"),
        "{d}"
    );
}

/// Item 5: `max_circumstances` is the host's limit, exactly.
#[test]
fn i19_5_max_circumstances_is_a_builder_limit() {
    let source = unified_message::EXAMPLE_POLICY;
    let decided = Engine::from_toml_str(source).unwrap().check().decided;
    let at = Engine::builder()
        .max_circumstances(decided)
        .from_toml_str(source)
        .unwrap()
        .check();
    assert!(at.is_clean(), "{at}");
    assert_eq!(at.decided, decided);
    let below = Engine::builder()
        .max_circumstances(decided - 1)
        .from_toml_str(source)
        .unwrap()
        .check();
    assert!(below.has_code("space-too-large"), "{below}");
    assert!(below.decided < decided);
}

/// Items 5 and 6: 1,000 values of one fact are two classes for `check`; the table lists the
/// 1,000 values (its size), within `max_table_size`, and refuses past it.
#[test]
fn i19_6_a_thousand_values_of_one_fact() {
    let none = Engine::from_toml_str(no_rules()).unwrap().decision_table();
    let one = with(&many_values(1));
    let thousand = with(&many_values(1_000));
    assert_eq!(one.check().decided, thousand.check().decided);
    let per_value = one.decision_table().rows.len() - none.rows.len();
    assert!(per_value > 0);
    let table = thousand.decision_table();
    assert_eq!(table.rows.len(), none.rows.len() + 1_000 * per_value);
    for v in [0, 500, 999] {
        let value = format!("p{v}");
        assert_eq!(
            table
                .rows
                .iter()
                .filter(|r| r.facts.get("plan") == Some(&value))
                .count(),
            per_value
        );
    }
    // The rows are bounded by `max_table_size` (each counts its 16 columns and its facts).
    let limit = table.rows.len();
    let small = Engine::builder()
        .max_table_size(limit)
        .from_toml_str(&format!("{}\n{}", no_rules(), many_values(1_000)))
        .unwrap();
    let cut = small.decision_table();
    assert!(cut.rows.len() <= limit);
    let e = cut
        .diagnostics
        .iter()
        .find(|d| d.code == "table-too-large")
        .unwrap();
    assert!(e.hint.contains("max_table_size"), "{}", e.hint);
    assert!(small.try_decision_table().is_err());
}

/// Item 6: the table of 10,000 topics has the same rows for every topic, and its Markdown one
/// section per topic (grouping is hashed, not a scan of the topics per row).
#[test]
fn i19_6_ten_thousand_topics_table() {
    let engine = Engine::from_toml_str(&many_topics(10_000)).unwrap();
    let table = engine.decision_table();
    assert!(table.diagnostics.is_empty());
    let per_topic = table.rows.iter().filter(|r| r.topic == "t0").count();
    assert!(per_topic > 0);
    assert_eq!(table.rows.len(), 10_000 * per_topic);
    assert_eq!(table.rows.last().unwrap().topic, "t9999");
    let markdown = table.to_markdown();
    assert_eq!(markdown.matches("\n## `t").count(), 10_000);
    let report = engine.check();
    assert_eq!(report.circumstances, engine.circumstances().len() as u64);
    assert_eq!(
        report.decided, report.circumstances,
        "no facts: nothing to merge"
    );
}

/// Item 5, the same class in `check`'s rule analysis: rules are compared pairwise (shadowed,
/// conflicting), so 3,000 rules are 4.5 M pairs; the comparison stops at `max_circumstances`
/// steps with a `space-too-large` error naming the first rule not compared.
#[test]
fn i19_5_pairwise_rule_analysis_stops_at_the_budget() {
    let mut rules = String::new();
    for r in 0..3_000 {
        writeln!(
            rules,
            "[[rules]]\nid = \"same{r}\"\nwhen = {{ topic = \"general\", progress = [\"served\"] }}\nthen = {{ skip_ladder = true }}"
        )
        .unwrap();
    }
    let source = format!("{}\n{rules}", no_rules());
    let engine = Engine::builder()
        .max_circumstances(1_000_000)
        .from_toml_str(&source)
        .unwrap();
    let report = engine.check();
    let e = report
        .with_code("space-too-large")
        .next()
        .unwrap_or_else(|| panic!("{report}"));
    assert!(e.message.contains("pairwise"), "{}", e.message);
    assert!(e.path.to_string().starts_with("rules["), "{}", e.path);
    let shadowed = report.with_code("shadowed-rule").count();
    assert!(shadowed > 0 && shadowed < 2_999, "{shadowed}");
    // Within the default limit, every later rule is found shadowed by the first.
    let full = Engine::from_toml_str(&source).unwrap().check();
    assert!(!full.has_code("space-too-large"), "{full}");
    assert_eq!(full.with_code("shadowed-rule").count(), 2_999);
}
