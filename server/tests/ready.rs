//! Issue 25 point 9b: `/health/ready` reflects the pin store. On the real PostgreSQL, a private
//! database of the test's own is made unreachable (new connections refused, the open ones
//! terminated): readiness answers 503 `pin_store_unavailable` and pinned decisions answer 503
//! with the same code; once connections are allowed again, both recover on their own. Point 8:
//! `/health/ready?revision=R` is ready only on a revision `R` or newer. The PostgreSQL run
//! needs a server (`UM_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`);
//! without one it says `SKIPPED`, unless `UM_REQUIRE_SERVICES=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::Write as _;

use serde_json::Value;
use support::{Scratch, Service, client, email_request, eventually, policy_text};
use unified_message_postgres::{PostgresPinStore, StoreOptions};

async fn ready(s: &Service, query: &str) -> (u16, Value) {
    let r = client()
        .get(s.url(&format!("/health/ready{query}")))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn pinned(s: &Service, customer: &str) -> (u16, Value) {
    let r = client()
        .post(s.url("/v1/decide?pin=true"))
        .json(&email_request(customer))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn issue25_9b_readiness_follows_the_postgres_pin_store() {
    let url = std::env::var("UM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let unique = format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000_000
    );
    // A connection to the shared database, for the statements of the test only.
    let admin = match PostgresPinStore::connect(
        &url,
        StoreOptions::new(format!("um_ready_admin_{unique}")),
    )
    .await
    {
        Ok(store) => store,
        Err(e) if !std::env::var("UM_REQUIRE_SERVICES").is_ok_and(|v| v == "1") => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: readiness on postgres: no PostgreSQL at {url} ({e}); set UM_REQUIRE_SERVICES=1 to fail instead"
            );
            return;
        }
        Err(e) => panic!("PostgreSQL at {url} is required (UM_REQUIRE_SERVICES=1): {e}"),
    };
    let sql = async |statement: String| {
        let client = admin.pool().get().await.unwrap();
        client.batch_execute(&statement).await.unwrap();
    };
    let db = format!("um_ready_{unique}");
    sql(format!("CREATE DATABASE {db}")).await;
    let (base, _) = url.rsplit_once('/').unwrap();
    let private = format!("{base}/{db}");

    let dir = Scratch::new("ready-pg");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let mut s = Service::start(&policy, &["--pins", &private, "--pins-probe-ms", "100"]);
    assert_eq!(ready(&s, "").await.0, 200);
    let (status, body) = pinned(&s, "rosa").await;
    assert_eq!(status, 200, "{body}");

    // The store goes away: no new connection, the open ones terminated.
    sql(format!("ALTER DATABASE {db} ALLOW_CONNECTIONS false")).await;
    sql(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
    ))
    .await;
    eventually("readiness says the store is down", || async {
        let (status, body) = ready(&s, "").await;
        status == 503 && body["code"] == "pin_store_unavailable"
    })
    .await;
    let (_, body) = ready(&s, "").await;
    assert_eq!(body["status"], "pin_store_unavailable", "{body}");
    // The endpoint answers without a token: the code only, never the store's error (its host,
    // port, database); that goes to the log, with its causes.
    assert!(body.get("error").is_none(), "{body}");
    let text = body.to_string();
    assert!(
        !text.contains(&db) && !text.contains("5432") && !text.contains("127.0.0.1"),
        "{text}"
    );
    eventually("the log says why the store is down", || async {
        s.stderr_text().contains("the pin store cannot be reached")
    })
    .await;
    for customer in ["rosa", "tom"] {
        let (status, body) = pinned(&s, customer).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["code"], "pin_store_unavailable", "{body}");
    }
    // Unpinned decisions do not need the store.
    let r = client()
        .post(s.url("/v1/decide"))
        .json(&email_request("tom"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // The store comes back: readiness and pinned decisions recover by themselves.
    sql(format!("ALTER DATABASE {db} ALLOW_CONNECTIONS true")).await;
    eventually("readiness recovers with the store", || async {
        ready(&s, "").await.0 == 200
    })
    .await;
    let (status, body) = pinned(&s, "rosa").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["status"], "kept",
        "the pin written before the outage: {body}"
    );

    s.signal("TERM");
    s.wait(std::time::Duration::from_secs(10));
    sql(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
    admin.drop_schema().await.unwrap();
}

#[tokio::test]
async fn issue25_8_readiness_can_wait_for_a_revision() {
    let dir = Scratch::new("ready-revision");
    let policy = dir.write_atomic("policy.toml", &policy_text("2026-11-27", None));
    let s = Service::start(&policy, &[]);
    assert_eq!(ready(&s, "?revision=2026-11-27").await.0, 200);
    assert_eq!(ready(&s, "?revision=2026-11-01").await.0, 200);
    let (status, body) = ready(&s, "?revision=2026-11-28").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "behind", "{body}");
    assert_eq!(body["revision"], "2026-11-27", "{body}");
    // Once the new revision is in force, the old probe says ready.
    dir.write_atomic("policy.toml", &policy_text("2026-11-28", None));
    eventually("the node reloads the new revision", || async {
        ready(&s, "?revision=2026-11-28").await.0 == 200
    })
    .await;
}
