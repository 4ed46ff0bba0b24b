//! Issue 25 point 10: PostgreSQL restarted mid-load, on a private instance the test creates
//! itself (`initdb` in a scratch directory, run as the `postgres` user, its own port on
//! loopback) and stops at the end, also on failure — never the shared server. Without the
//! binaries the test says `SKIPPED` and passes, unless `UM_REQUIRE_SERVICES=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use unified_message::pins::{Pin, PinErrorKind};
use unified_message::testing::pin_store::{self, email_key as key};
use unified_message::{AsyncPinStore, Engine, PinError};
use unified_message_postgres::{PostgresPinStore, StoreOptions};

/// The server binaries of the newest PostgreSQL that Debian installed
/// (`/usr/lib/postgresql/VERSION/bin`).
fn bin() -> PathBuf {
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path())))
        .max_by_key(|(version, _)| *version)
        .map(|(_, path)| path);
    newest
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15"))
        .join("bin")
}

/// A private PostgreSQL: stopped (`pg_ctl stop -m immediate`, then the postmaster killed if
/// it is still there) and its directory removed when this is dropped, whatever happened.
struct Private {
    dir: PathBuf,
    port: u16,
}

impl Private {
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `pg_ctl` as the `postgres` user.
    fn pg_ctl(&self, args: &[&str]) -> bool {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin().join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log");
        assert!(
            self.pg_ctl(&[
                "start",
                "-w",
                "-t",
                "30",
                "-o",
                &options,
                "-l",
                &log.to_string_lossy()
            ]),
            "pg_ctl start (see {})",
            log.display()
        );
    }

    fn stop(&self) {
        assert!(
            self.pg_ctl(&["stop", "-w", "-m", "immediate"]),
            "pg_ctl stop"
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        if !self.pg_ctl(&["stop", "-w", "-m", "immediate"]) {
            // Not running, or pg_ctl failed: kill the postmaster it recorded, if any.
            if let Ok(text) = std::fs::read_to_string(self.data().join("postmaster.pid")) {
                if let Some(pid) = text.lines().next() {
                    let _ = Command::new("kill").args(["-9", pid.trim()]).status();
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A free port on loopback, away from the shared server's.
fn port() -> u16 {
    let start = 41_000 + u16::try_from(std::process::id() % 4000).unwrap();
    (start..start + 2000)
        .find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .unwrap()
}

/// Creates and starts the private server, or `None` after saying plainly that the test is
/// skipped.
fn private(label: &str) -> Option<Private> {
    let usable = ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|b| bin().join(b).exists())
        && Command::new("id")
            .arg("postgres")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !usable {
        assert!(
            !pin_store::services_required(),
            "{}/initdb, pg_ctl, postgres and a `postgres` user are required (UM_REQUIRE_SERVICES=1)",
            bin().display()
        );
        pin_store::skipped(
            label,
            &format!("no {}/initdb or no `postgres` user", bin().display()),
        );
        return None;
    }
    let dir = std::env::temp_dir().join(pin_store::fresh_name("pg_restart"));
    std::fs::create_dir_all(&dir).unwrap();
    let server = Private { dir, port: port() };
    let chown = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(&server.dir)
        .status()
        .unwrap();
    assert!(chown.success(), "chown of {}", server.dir.display());
    // initdb refuses to run as root: as the `postgres` user, without syncing (a test).
    let initdb = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(bin().join("initdb"))
        .args(["-N", "-A", "trust", "-U", "postgres", "-D"])
        .arg(server.data())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(initdb.success(), "initdb in {}", server.dir.display());
    server.start();
    Some(server)
}

async fn decide(
    engine: &Engine,
    store: &PostgresPinStore,
    customer: &str,
) -> Result<Pin, PinError> {
    pin_store::decide_email(engine, store, customer)
        .await
        .map(|pin| pin.unwrap())
}

/// A store failure, as the service reports one: a read, insert or replace that failed in the
/// store, with the store's error saying so — never contention, a pin ahead, or a bad id.
fn assert_unavailable(e: &PinError) {
    assert!(
        matches!(
            e.kind(),
            PinErrorKind::Read | PinErrorKind::Insert | PinErrorKind::Replace
        ),
        "{e}"
    );
    let store = e.store_error().expect("the store's error");
    assert!(store.message().starts_with("postgres could not"), "{store}");
}

/// Point 10: the private server restarted (`pg_ctl stop -m immediate`, a crash for the
/// database, then `pg_ctl start`) while decisions run. During the outage every decision fails
/// with a store error and delivers nothing; afterwards the same store answers again by itself
/// (its pool replaces the dead connections); every pin acknowledged before the restart, and
/// during the load, is in force after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue25_10_postgres_restart_mid_load_loses_no_pin() {
    let Some(server) = private("postgres restart") else {
        return;
    };
    let store = PostgresPinStore::connect(
        &server.url(),
        StoreOptions::new("um_restart")
            .with_max_connections(4)
            .with_timeout(Duration::from_millis(1000)),
    )
    .await
    .unwrap();
    let engine = Arc::new(Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap());
    let mut before = Vec::new();
    for i in 0..20 {
        let customer = format!("before-{i}");
        before.push((
            customer.clone(),
            decide(&engine, &store, &customer).await.unwrap(),
        ));
    }

    // The load: fresh customers one after another, each result with the phase it ended in
    // (0 before the stop, 1 down, 2 restarted).
    let phase = Arc::new(AtomicU8::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let (engine, store) = (Arc::clone(&engine), store.clone());
        let (phase, stop) = (Arc::clone(&phase), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut results = Vec::new();
            for i in 0..3000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let customer = format!("load-{i}");
                let result = decide(&engine, &store, &customer).await;
                let failed = result.is_err();
                results.push((phase.load(Ordering::Relaxed), customer, result));
                if failed {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            results
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    phase.store(1, Ordering::Relaxed);
    server.stop();
    for i in 0..3 {
        let e = decide(&engine, &store, &format!("outage-{i}"))
            .await
            .unwrap_err();
        assert_unavailable(&e);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.start();
    phase.store(2, Ordering::Relaxed);
    // Recovery by itself: the same store, no reconnect asked for.
    let start = Instant::now();
    let mut recovered = decide(&engine, &store, "after").await;
    while recovered.is_err() && start.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        recovered = decide(&engine, &store, "after").await;
    }
    let recovered_in = start.elapsed();
    recovered.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let results = running.await.unwrap();

    for (customer, pin) in &before {
        assert_eq!(
            store.get(&key(customer)).await.unwrap().as_ref(),
            Some(pin),
            "{customer}: written before the restart, kept"
        );
    }
    let mut counts = [[0usize; 2]; 3];
    for (phase, customer, result) in &results {
        match result {
            Ok(pin) => {
                counts[usize::from(*phase)][0] += 1;
                assert_eq!(
                    store.get(&key(customer)).await.unwrap().as_ref(),
                    Some(pin),
                    "{customer}: acknowledged in phase {phase}, kept"
                );
            }
            Err(e) => {
                counts[usize::from(*phase)][1] += 1;
                assert_unavailable(e);
            }
        }
    }
    assert!(
        counts[0][0] > 0,
        "the load ran before the restart: {counts:?}"
    );
    assert!(counts[1][1] > 0, "the load failed while down: {counts:?}");
    assert!(counts[2][0] > 0, "the load recovered by itself: {counts:?}");
    eprintln!(
        "restart: recovered in {recovered_in:?}; load [acknowledged, failed] before/down/after: {counts:?}; every acknowledged pin kept"
    );
    store.drop_schema().await.unwrap();
    drop(server);
}
