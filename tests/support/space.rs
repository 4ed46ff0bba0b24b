//! Policies for the costs of `check`, `diff` and the decision table against the size of their
//! input (issue 19), shared by `benches/linear.rs` and `tests/hostile/space.rs`, included with
//! `#[path = "…/tests/support/space.rs"] mod policies;`. Each returns policy text.

#![allow(dead_code)]

use std::fmt::Write as _;

/// The valid control policy of the bad-policy corpus; its one rule (`accessibility`, on every
/// topic) is the last thing in it.
pub const MINIMAL: &str = include_str!("../data/minimal.toml");

/// The control policy without its rule.
pub fn no_rules() -> &'static str {
    MINIMAL.split("[[rules]]").next().unwrap_or(MINIMAL)
}

/// One rule on `email.setup` that tests `keys` facts together, each for one value.
pub fn wide_rule(keys: usize, answer: &str) -> String {
    let facts: Vec<String> = (0..keys).map(|k| format!("k{k} = \"v\"")).collect();
    format!(
        "[[rules]]\nid = \"wide\"\nwhen = {{ topic = \"email.setup\", facts = {{ {} }} }}\nthen = {{ answer = \"{answer}\" }}\n",
        facts.join(", ")
    )
}

/// One rule on `email.setup` that tests one fact for `values` values.
pub fn many_values(values: usize) -> String {
    let list: Vec<String> = (0..values).map(|v| format!("\"p{v}\"")).collect();
    format!(
        "[[rules]]\nid = \"plans\"\nwhen = {{ topic = \"email.setup\", facts = {{ plan = [{}] }} }}\nthen = {{ answer = \"general-answer\" }}\n",
        list.join(", ")
    )
}

/// A policy with `topics` topics, one system and one role.
pub fn many_topics(topics: usize) -> String {
    let mut s = String::from(
        r#"
[policy]
name = "many"
revision = "1"
locales = ["en"]
fallback = "t0"

[departments]
support = { name = "Support" }

[systems.help]
tier = "explains"
name = "Help"
where = { web = "https://help.example" }

[roles.agent]
department = "support"
rank = "agent"
authority = { "*" = "own" }

[ranks]
order = ["agent"]
review_within = "24h"

[handover]
explains = { en = "{system}: {where}" }
serves = { en = "{system}: {where}" }
route = { en = "To {department}." }
authorize = { en = "A {rank} authorizes." }
escalate = { en = "To a {rank}." }
review = { en = "Within {within}." }

[messages.guide]
text = { en = "See {system}: {where}" }

[messages.answer]
text = { en = "Done." }
"#,
    );
    for t in 0..topics {
        writeln!(
            s,
            "[topics.t{t}]\nowner = \"support\"\nexplains = {{ system = \"help\", message = \"guide\" }}\nanswer = \"answer\""
        )
        .unwrap_or_default();
    }
    s
}
