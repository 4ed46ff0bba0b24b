//! Issue 13 points 2 and 5: the SQLite store passes the pin-store conformance kit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use unified_message::testing::pin_store;
use unified_message_sqlite::SqlitePinStore;

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("um-sqlite-{label}-{}-{nanos}", std::process::id()));
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
