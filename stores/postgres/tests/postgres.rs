//! Issue 13 points 3, 6 and 7 against a real PostgreSQL (`UM_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`). Without a server the tests say `SKIPPED` and
//! pass, unless `UM_REQUIRE_SERVICES=1` (as `.ci/run` sets), which makes a missing server a
//! failure. Each test works in a schema of its own, dropped at the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use unified_message::testing::pin_store::{self, Outage};
use unified_message_postgres::{PostgresPinStore, StoreOptions};

mod backend;
use backend::{Postgres, url};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue13_3_postgres_store_passes_the_kit() {
    pin_store::run_backend(&Postgres::fast(), "postgres kit")
        .await
        .unwrap();
}

/// The migration is idempotent and safe when several nodes start at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue13_3_migrations_run_once_whoever_starts() {
    let schema = pin_store::fresh_name("migrate");
    let backend = Postgres::fast();
    let Some(first) = pin_store::connect_or_skip(&backend, "postgres migrations", &schema)
        .await
        .unwrap()
    else {
        return;
    };
    let others: Vec<_> = (0..4)
        .map(|_| {
            let options = backend.0.clone().with_namespace(&schema);
            tokio::spawn(async move { PostgresPinStore::connect(&url(), options).await })
        })
        .collect();
    for other in others {
        let other = other.await.unwrap().unwrap();
        other.migrate().await.unwrap();
    }
    let client = first.pool().get().await.unwrap();
    let rows = client
        .query(
            &format!("SELECT version FROM \"{schema}\".unified_message_migrations"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "migration 1 recorded once");
    drop(client);
    first.drop_schema().await.unwrap();
}

/// A bad schema name or an unreachable server is a clear store error, not a panic.
#[tokio::test]
async fn issue13_3_bad_settings_are_store_errors() {
    let err = PostgresPinStore::connect(&url(), StoreOptions::new("Robert'); DROP"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not a usable schema name"),
        "{err}"
    );
    let err = PostgresPinStore::connect(
        "postgres://postgres@127.0.0.1:1/test",
        StoreOptions::default().with_timeout(Duration::from_millis(500)),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().starts_with("postgres could not migrate"),
        "{err}"
    );
}

/// Issue 13 point 7 through the kit's node checks: three nodes, each with its own pool, on one
/// database. 16 concurrent first contacts for one customer split across them leave exactly one
/// pin and one story; a rolling deploy (one node on a new revision with a substantive change)
/// never lets a node tell the old text again, and the old node delivers nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue13_7_many_nodes_and_a_rolling_deploy_tell_one_story() {
    pin_store::run_backend_nodes(&Postgres::fast(), "postgres many nodes", 3)
        .await
        .unwrap();
}

/// What interrupts PostgreSQL: the pools' connections killed with `pg_terminate_backend`
/// (found by their `application_name`), and the pins table locked past the stores' timeout.
#[derive(Default)]
struct Interrupt {
    locker: std::sync::Mutex<Option<tokio_postgres::Client>>,
}

async fn admin() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

impl Outage for Interrupt {
    async fn cut(&self, namespace: &str) {
        let killed = admin()
            .await
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&namespace],
            )
            .await
            .unwrap();
        assert!(!killed.is_empty(), "the pools' connections were found");
    }

    async fn stall(&self, namespace: &str) {
        let locker = admin().await;
        locker
            .batch_execute(&format!(
                "BEGIN; LOCK TABLE \"{namespace}\".pins IN ACCESS EXCLUSIVE MODE"
            ))
            .await
            .unwrap();
        *self.locker.lock().unwrap() = Some(locker);
    }

    async fn resume(&self, _: &str) {
        let locker = self.locker.lock().unwrap().take().unwrap();
        locker.batch_execute("ROLLBACK").await.unwrap();
        // Statements that timed out on our side may still be queued behind the lock; their
        // connections are dropped by the pool. Nothing was written.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    async fn wait(&self, pause: Duration) {
        tokio::time::sleep(pause).await;
    }
}

/// Issue 13 point 7: the server interrupted mid-run (the kit's interruption, with a 400 ms
/// timeout). Errors, never a wrong or duplicated pin; once the server answers again,
/// decisions succeed; a stalled call says it ran out of time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue13_7_server_interruption_errors_then_recovery() {
    let backend = Postgres(StoreOptions::default().with_timeout(Duration::from_millis(400)));
    let Some(seen) =
        pin_store::run_interruption(&backend, &Interrupt::default(), "postgres interruption")
            .await
            .unwrap()
    else {
        return;
    };
    for e in &seen.stalled {
        assert!(
            e.store_error()
                .is_some_and(|s| s.message().contains("within 400 ms")),
            "{e:?}"
        );
    }
    eprintln!(
        "pg_terminate_backend: {} decisions failed, {} delivered",
        seen.failed_during_cut, seen.delivered_during_cut
    );
}
