//! Issue 23 in the service, as an operator deploys it. Point 1: two services on two policy
//! revisions sharing one pin store no longer flip a customer's pin between two messages.
//! Point 6: a customer id no pin store can hold (a NUL character, an id over 1,024 bytes) is a
//! 400 naming `contact.customer`, on every store — it used to be a 503 "retry" forever on
//! PostgreSQL. The PostgreSQL run needs a server
//! (`UM_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`); without one it
//! says `SKIPPED`, unless `UM_REQUIRE_SERVICES=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::Value;
use support::{Scratch, Service, client, email_request, policy_text, two_revisions};
use unified_message::testing::pin_store;

/// The PostgreSQL store as the conformance kit's backend, shared with stores/postgres.
#[path = "../../stores/postgres/tests/backend/mod.rs"]
mod backend;
use backend::{Postgres, url};

/// Posts a pinned decision for `customer`: the status and the body.
async fn decide(s: &Service, customer: &str) -> (u16, Value) {
    let r = client()
        .post(s.url("/v1/decide?pin=true"))
        .json(&email_request(customer))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The rule on one service: valid ids (the longest, with a newline) are decided, invalid ones
/// are a 400 naming the field, and the service keeps answering.
async fn ids_on(label: &str, pins: &str, schema: &str) {
    let dir = Scratch::new(label);
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &["--pins", pins, "--pins-namespace", schema]);
    let longest = format!("c-\n{}", "x".repeat(1024 - 3));
    let (status, body) = decide(&s, &longest).await;
    assert_eq!(status, 200, "{label}: the longest valid id: {body}");
    assert_eq!(body["status"], "new", "{body}");
    for bad in [
        "c-\0-nul".to_owned(),
        format!("{longest}y"),
        "z".repeat(5000),
    ] {
        let (status, body) = decide(&s, &bad).await;
        assert_eq!(status, 400, "{label}: {} bytes: {body}", bad.len());
        assert_eq!(body["field"], "contact.customer", "{body}");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains("customer id"), "{error}");
        assert!(!error.contains('\0') && error.len() < 600, "{error}");
    }
    let (status, body) = decide(&s, &longest).await;
    assert_eq!(status, 200, "{label}: still answering: {body}");
    assert_eq!(body["status"], "kept", "{body}");
}

#[tokio::test]
async fn issue23_6_an_id_no_store_can_hold_is_a_400_in_memory() {
    ids_on("ids-memory", "memory", "um_ids").await;
}

#[tokio::test]
async fn issue23_6_an_id_no_store_can_hold_is_a_400_on_postgres() {
    let schema = pin_store::fresh_name("ids");
    let test = "pin ids on postgres";
    let Some(store) = pin_store::connect_or_skip(&Postgres(Default::default()), test, &schema)
        .await
        .unwrap()
    else {
        return;
    };
    let url = url();
    ids_on("ids-postgres", &url, &schema).await;
    store.drop_schema().await.unwrap();
}

/// Point 1, the issue's reproduction: service A on the old policy, service B on a new one whose
/// `email.setup` explaining system names `email-setup-guide-2`, one SQLite pin file. Contacting
/// B, A, B, A used to give new → moved → moved → moved; now B pins the new guide, A answers 503
/// (a newer policy's pin: retry on a newer host) and leaves it, B keeps it.
#[tokio::test]
async fn issue23_1_two_services_on_two_revisions_do_not_flip_a_pin() {
    let dir = Scratch::new("flip");
    let (a, b) = two_revisions(&dir);
    let (status, first) = decide(&b, "maria").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "new");
    assert_eq!(first["decision"]["message"]["id"], "email-setup-guide-2");
    for round in 0..2 {
        let (status, body) = decide(&a, "maria").await;
        assert_eq!(
            status, 503,
            "round {round}: the old service answered {body}"
        );
        assert!(body["error"].as_str().unwrap().contains("newer"), "{body}");
        let (status, body) = decide(&b, "maria").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "kept", "round {round}: {body}");
        assert_eq!(body["pin"], first["pin"], "the pin never moved back");
        assert!(body["decision"]["previous"].is_null(), "no notice: {body}");
    }
}
