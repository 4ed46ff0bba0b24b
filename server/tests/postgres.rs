//! Issue 14, point 3: two service processes on different ports, sharing one PostgreSQL
//! (`UM_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`), tell one
//! customer one story. Without a server the test says `SKIPPED` and passes, unless
//! `UM_REQUIRE_SERVICES=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::{Value, json};
use support::{Scratch, Service, client, email_request, eventually, policy_text};
use unified_message::testing::pin_store;

/// The PostgreSQL store as the conformance kit's backend, shared with stores/postgres.
#[path = "../../stores/postgres/tests/backend/mod.rs"]
mod backend;
use backend::{Postgres, url};

async fn decide(c: &reqwest::Client, s: &Service, body: &Value) -> Value {
    let r = c
        .post(s.url("/v1/decide?pin=true"))
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn issue14_3_two_services_sharing_postgres_tell_one_story() {
    let schema = pin_store::fresh_name("server");
    let test = "two services on PostgreSQL";
    let Some(store) = pin_store::connect_or_skip(&Postgres(Default::default()), test, &schema)
        .await
        .unwrap()
    else {
        return;
    };
    let url = url();
    let dir = Scratch::new("postgres");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let args = ["--pins", url.as_str(), "--pins-namespace", schema.as_str()];
    let a = Service::start(&policy, &args);
    let b = Service::start(&policy, &args);
    assert_ne!(a.base, b.base);
    let c = client();
    let chat = {
        let mut r = email_request("maria");
        r["contact"]["channel"] = json!("chat");
        r
    };
    let first = decide(&c, &a, &chat).await;
    assert_eq!(first["status"], "new");
    let mut phone = email_request("maria");
    phone["contact"]["channel"] = json!("phone");
    let again = decide(&c, &b, &phone).await;
    assert_eq!(again["status"], "kept", "{again}");
    assert_eq!(again["pin"], first["pin"]);
    assert_eq!(
        again["decision"]["message"]["version"],
        first["decision"]["message"]["version"]
    );

    // The procedure changes substantively: both services reload; the first to speak to the
    // customer moves the pin and gives the notice, the other keeps the new story.
    let changed = format!(
        "{}\n[[messages.email-setup-guide.versions]]\nchange = \"substantive\"\ntext.es = \"Nuevo procedimiento de correo.\"\ntext.en = \"New e-mail procedure.\"\n",
        policy_text("r2", None)
    );
    dir.write_atomic("policy.toml", &changed);
    for s in [&a, &b] {
        eventually("both services serve r2", || async {
            c.get(s.url("/v1/policy"))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["revision"]
                == "r2"
        })
        .await;
    }
    let moved = decide(&c, &b, &chat).await;
    assert_eq!(moved["status"], "moved", "{moved}");
    assert_eq!(
        moved["decision"]["message"]["text"],
        "Nuevo procedimiento de correo."
    );
    assert!(
        moved["decision"]["previous"]["notice"].is_string(),
        "{moved}"
    );
    let after = decide(&c, &a, &phone).await;
    assert_eq!(after["status"], "kept", "{after}");
    assert_eq!(after["pin"], moved["pin"]);
    assert_eq!(
        after["decision"]["message"]["text"],
        "Nuevo procedimiento de correo."
    );
    assert!(after["decision"].get("previous").is_none());
    drop((a, b));
    store.drop_schema().await.unwrap();
}
