//! Issue 23, point 7: the service's own log (standard error) says why the pin store failed —
//! the store's error and the driver's under it — and never writes a customer id raw: hashed
//! with `--hash-customer-ids`, and always escaped, so that an id cannot forge a log line. The
//! store fails for real: its PostgreSQL schema is dropped under the running service
//! (`UM_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`). Without a
//! server the test says `SKIPPED` and passes, unless `UM_REQUIRE_SERVICES=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::{Scratch, Service, client, email_request, eventually, policy_text};
use unified_message::testing::pin_store;
use unified_message_postgres::PostgresPinStore;
use unified_message_server::decision_log::hash_customer;

/// The PostgreSQL store as the conformance kit's backend, shared with stores/postgres.
#[path = "../../stores/postgres/tests/backend/mod.rs"]
mod backend;
use backend::{Postgres, url};

/// An id that would forge a line of the log if written raw.
const FORGING_ID: &str = "mallory\nFORGED 2026-12-07T00:00:00Z INFO all is well";

async fn store(label: &str) -> Option<(PostgresPinStore, String)> {
    let schema = pin_store::fresh_name(&format!("server_log_{label}"));
    let test = "the service log of a failing store";
    let store = pin_store::connect_or_skip(&Postgres(Default::default()), test, &schema)
        .await
        .unwrap()?;
    Some((store, schema))
}

/// Starts a service on the store, checks it works, drops the schema under it, and asks for
/// `FORGING_ID`'s pinned decision: a 503. Returns the service's log once it tells the failure.
async fn failing_store_log(label: &str, args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    let (store, schema) = store(label).await?;
    let dir = Scratch::new(label);
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let url = url();
    let mut all = vec!["--pins", url.as_str(), "--pins-namespace", schema.as_str()];
    all.extend_from_slice(args);
    let s = Service::start_env(&policy, &all, env);
    let c = client();
    let ok = c
        .post(s.url("/v1/decide?pin=true"))
        .json(&email_request("someone"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    store.drop_schema().await.unwrap();
    let r = c
        .post(s.url("/v1/decide?pin=true"))
        .json(&email_request(FORGING_ID))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    eventually("the failure reaches the log", || async {
        s.stderr_text().contains("pinned decision failed")
    })
    .await;
    Some(s.stderr_text())
}

fn failure_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("pinned decision failed"))
        .collect()
}

#[tokio::test]
async fn issue23_7_the_store_error_and_its_cause_reach_the_log() {
    let Some(log) = failing_store_log("cause", &[], &[]).await else {
        return;
    };
    let lines = failure_lines(&log);
    assert_eq!(lines.len(), 1, "{log}");
    let line = lines[0];
    // The library's message, the store's, and PostgreSQL's own under them.
    assert!(line.contains("the pin store could not"), "{line}");
    assert!(line.contains("caused by: "), "{line}");
    assert!(line.contains("does not exist"), "{line}");
}

#[tokio::test]
async fn issue23_7_customer_ids_in_the_log_are_hashed_when_asked() {
    let key = "log-key";
    let Some(log) =
        failing_store_log("hashed", &["--hash-customer-ids"], &[("UM_HASH_KEY", key)]).await
    else {
        return;
    };
    assert!(!log.contains("mallory"), "a raw id reached the log:\n{log}");
    assert!(!log.contains("someone"), "a raw id reached the log:\n{log}");
    let line = failure_lines(&log)[0];
    assert!(
        line.contains(&hash_customer(key.as_bytes(), FORGING_ID)),
        "{line}"
    );
    assert!(line.contains("does not exist"), "{line}");
    assert!(!log.lines().any(|l| l.starts_with("FORGED")), "{log}");
}

#[tokio::test]
async fn issue23_7_customer_ids_in_the_log_are_escaped() {
    let Some(log) = failing_store_log("escaped", &[], &[]).await else {
        return;
    };
    assert!(
        !log.lines().any(|l| l.starts_with("FORGED")),
        "an id forged a log line:\n{log}"
    );
    let line = failure_lines(&log)[0];
    assert!(line.contains(r"mallory\nFORGED"), "{line}");
}
