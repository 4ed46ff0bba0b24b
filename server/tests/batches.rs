//! Issue 25 point 11: a pinned batch is answered item by item. One failed item (a pin ahead of
//! the node's policy, a customer id no store can hold) used to turn the whole batch into an
//! error although the items before it had written their pins: the customers were recorded as
//! told a text that was never delivered. Now each item gets its record or its own error, in
//! order, and a pin is written only for a record that is returned.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::{Value, json};
use support::{Scratch, Service, client, email_request, policy_text};

async fn decide(s: &Service, body: &Value) -> (u16, Value) {
    let r = client()
        .post(s.url("/v1/decide?pin=true"))
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn issue25_11_a_pinned_batch_is_answered_item_by_item() {
    let dir = Scratch::new("batch-items");
    let old = dir.write_atomic("old.toml", &policy_text("2026-11-27", None));
    let guide = "explains = { system = \"self-diagnosis\", message = \"email-setup-guide\" }";
    let new_text = format!(
        "{}\n[messages.email-setup-guide-2]\ntext.es = \"Descargue el perfil en {{system}}: {{where}}\"\ntext.en = \"Download the profile from {{system}}: {{where}}\"\n",
        policy_text("2026-11-28", None).replace(
            guide,
            "explains = { system = \"self-diagnosis\", message = \"email-setup-guide-2\" }"
        )
    );
    let new = dir.write_atomic("new.toml", &new_text);
    let pins = format!("sqlite:{}", dir.path("pins.sqlite3").display());
    let a = Service::start(&old, &["--pins", &pins]);
    let b = Service::start(&new, &["--pins", &pins]);
    // B (the newer policy) tells maria the new guide first.
    let (status, maria) = decide(&b, &email_request("maria")).await;
    assert_eq!(status, 200, "{maria}");
    // A's batch: alice, maria (ahead of A), bob, an id no store can hold, carol.
    let batch = json!([
        email_request("alice"),
        email_request("maria"),
        email_request("bob"),
        email_request("bad\u{0}id"),
        email_request("carol"),
    ]);
    let (status, body) = decide(&a, &batch).await;
    assert_eq!(status, 200, "{body}");
    let items = body.as_array().unwrap();
    assert_eq!(items.len(), 5, "{body}");
    for i in [0, 2, 4] {
        assert_eq!(items[i]["status"], "new", "item {i}: {}", items[i]);
        assert!(items[i].get("code").is_none(), "{}", items[i]);
    }
    assert_eq!(items[1]["code"], "pin_ahead", "{}", items[1]);
    assert!(items[1]["decision"].is_null(), "{}", items[1]);
    assert_eq!(items[3]["code"], "invalid_customer_id", "{}", items[3]);
    assert_eq!(items[3]["field"], "[3].contact.customer", "{}", items[3]);
    // The pins of the records returned were written; maria's stays B's.
    for (customer, item) in [
        ("alice", &items[0]),
        ("bob", &items[2]),
        ("carol", &items[4]),
    ] {
        let (status, again) = decide(&a, &email_request(customer)).await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["status"], "kept", "{customer}: {again}");
        assert_eq!(again["pin"], item["pin"]);
    }
    let (status, again) = decide(&b, &email_request("maria")).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["status"], "kept", "{again}");
    assert_eq!(again["pin"], maria["pin"]);
    // A batch where every item succeeds is the array of records it always was.
    let (status, body) = decide(&a, &json!([email_request("dan"), email_request("alice")])).await;
    assert_eq!(status, 200, "{body}");
    for item in body.as_array().unwrap() {
        let keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(
            keys.iter()
                .all(|k| ["decision", "status", "pin", "replaced", "handoff"].contains(k)),
            "{keys:?}"
        );
    }
    // One request (not a batch) still answers its error with its status.
    let (status, body) = decide(&a, &email_request("maria")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "pin_ahead");
}
