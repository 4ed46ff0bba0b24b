//! Issue 13 points 2 and 5: the SQLite store passes the pin-store conformance kit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use unified_message::PinStore;
use unified_message::pins::{Pin, Timestamp};
use unified_message::testing::pin_store;
use unified_message_sqlite::{SqlitePinStore, StoreOptions};

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        let dir = std::env::temp_dir().join(pin_store::fresh_name(&format!("sqlite_{label}")));
        std::fs::create_dir(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn issue13_5_sqlite_store_passes_the_kit() {
    let dir = TempDir::new("kit");
    let store = SqlitePinStore::open(dir.0.join("pins.sqlite3")).unwrap();
    pin_store::run_sync(&store, |key| store.remove(key).map(drop)).unwrap();
    assert_eq!(store.count().unwrap(), 0, "the kit erased what it wrote");
}

/// Two stores on one file (two processes' worth of connections) pass the kit together: the
/// race crosses connections, SQLite's lock makes each step atomic.
#[test]
fn issue13_5_two_handles_on_one_file_pass_the_kit_at_once() {
    let dir = TempDir::new("kit2");
    let path = dir.0.join("pins.sqlite3");
    let a = SqlitePinStore::open(&path).unwrap();
    let b = SqlitePinStore::open(&path).unwrap();
    std::thread::scope(|s| {
        let ha = s.spawn(|| pin_store::run_sync(&a, |key| a.remove(key).map(drop)));
        let hb = s.spawn(|| pin_store::run_sync(&b, |key| b.remove(key).map(drop)));
        ha.join().unwrap().unwrap();
        hb.join().unwrap().unwrap();
    });
}

/// Issue 13 point 7 on SQLite: processes of one host sharing a database file — two handles on
/// one file — tell one customer one story, through a rolling deploy too.
#[test]
fn issue13_7_two_handles_on_one_file_pass_the_node_checks() {
    let dir = TempDir::new("nodes");
    let path = dir.0.join("pins.sqlite3");
    let a = SqlitePinStore::open(&path).unwrap();
    let b = SqlitePinStore::open(&path).unwrap();
    pin_store::run_nodes_sync(&[&a, &b], |key| a.remove(key).map(drop)).unwrap();
    assert_eq!(
        a.count().unwrap(),
        0,
        "the node checks erased what they wrote"
    );
}

/// Issue 24 point 7: `StoreOptions::with_timeout` means what it means for PostgreSQL and
/// Redis — how long one call may wait (here for another connection's write lock) before it
/// fails with a store error.
#[test]
fn issue24_7_the_timeout_option_bounds_a_call_waiting_for_the_lock() {
    let dir = TempDir::new("timeout");
    let path = dir.0.join("pins.sqlite3");
    let options = StoreOptions::default().with_timeout(Duration::from_millis(200));
    let store = SqlitePinStore::open_with(&path, options).unwrap();
    let locker = rusqlite::Connection::open(&path).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let start = Instant::now();
    let err = store
        .insert_if_absent(
            &pin_store::email_key("c-locked"),
            Pin::new("m", 1, "r", Timestamp::from_unix_seconds(1)),
        )
        .unwrap_err();
    let waited = start.elapsed();
    assert!(
        err.to_string().starts_with("sqlite could not insert"),
        "{err}"
    );
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_secs(5),
        "waited {waited:?} for a 200 ms timeout"
    );
    locker.execute_batch("ROLLBACK").unwrap();
    assert_eq!(store.count().unwrap(), 0);
}
