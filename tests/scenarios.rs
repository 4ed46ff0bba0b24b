//! Scenario tests (issue 4, point 3): the example policy's scenario file passes, and failing
//! scenarios are reported precisely.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use unified_message::{Engine, Scenarios};

const EXAMPLE_SCENARIOS: &str = include_str!("../examples/policies/acme-hosting.scenarios.toml");

fn engine() -> Engine {
    Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap()
}

/// R0.1–R4.4: every seed case of the example policy, as scenarios, passes.
#[test]
fn r0_example_policy_scenarios_pass() {
    let scenarios = Scenarios::from_toml_str(EXAMPLE_SCENARIOS).unwrap();
    assert!(scenarios.len() >= 20, "only {} scenarios", scenarios.len());
    let report = engine().run_scenarios(&scenarios);
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed, scenarios.len());
}
