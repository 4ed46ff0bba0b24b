//! `SqlitePinStore`: the [`PinStore`] contract of `unified-message` on SQLite, with real
//! transactions — the embedded default for a single-node host, with nothing to run.
//!
//! ```
//! use unified_message::{Channel, Contact, Engine, Responder};
//! use unified_message::pins::{PinStatus, Timestamp};
//! use unified_message_sqlite::SqlitePinStore;
//!
//! let dir = std::env::temp_dir().join(format!("um-sqlite-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let store = SqlitePinStore::open(dir.join("pins.sqlite3"))?;
//! let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
//! let chat = Contact::new("customer-42", Channel::Chat).with_topic("email.setup");
//! let now = Timestamp::from_unix_seconds(1_764_201_600);
//! let first = engine.decide_pinned(&chat, &Responder::system("self-diagnosis"), &store, now)?;
//! assert_eq!(first.status(), PinStatus::New);
//! # drop(store);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! One table keyed by `(customer, topic, slot)`. Each write is one `BEGIN IMMEDIATE`
//! transaction that writes and reads back, so that the pin it returns is the pin in force:
//!
//! - insert-if-absent: `INSERT … ON CONFLICT DO NOTHING`, then `SELECT`;
//! - compare-and-replace: `UPDATE … WHERE` every column of the expected pin matches, then
//!   `SELECT`.
//!
//! Connections are opened on demand and kept for reuse, one per concurrent caller, so threads
//! (and other processes sharing the file) really race inside SQLite: its write lock, not a
//! mutex of ours, makes each step atomic. WAL mode lets readers proceed during a write; the
//! busy timeout makes a writer wait for the lock instead of failing.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use unified_message::pins::{Pin, PinKey, Slot, Timestamp};
use unified_message::{PinStore, PinStoreError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS pins (
    customer TEXT    NOT NULL,
    topic    TEXT    NOT NULL,
    slot     TEXT    NOT NULL,
    message  TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    revision TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (customer, topic, slot)
) WITHOUT ROWID;
";

const SELECT: &str = "SELECT message, version, revision, at FROM pins
                      WHERE customer = ?1 AND topic = ?2 AND slot = ?3";

/// How long a call may take; the same name and meaning as `timeout` in
/// `unified_message_postgres::StoreOptions` and `unified_message_redis::StoreOptions`. The
/// file is the namespace: one file per policy (or tenant), whose table is `pins`, as in each
/// PostgreSQL namespace.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoreOptions {
    /// How long one store call may wait for another connection's (or process's) write lock
    /// before it fails with a [`PinStoreError`] (SQLite's busy timeout). Default 10 s.
    pub timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            timeout: Duration::from_secs(10),
        }
    }
}

impl StoreOptions {
    /// These options with calls limited to `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A [`PinStore`] in an SQLite database file; several processes may share the file.
#[derive(Debug)]
pub struct SqlitePinStore {
    path: PathBuf,
    timeout: Duration,
    /// Connections not in use; a caller takes one, or opens one when there is none.
    idle: Mutex<Vec<Connection>>,
}

impl SqlitePinStore {
    /// Opens (or creates) the database at `path`, in WAL mode, with the `pins` table (created
    /// if missing: opening is the migration, and it is idempotent), with the default
    /// [`StoreOptions`].
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the file cannot be opened or set up.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, PinStoreError> {
        SqlitePinStore::open_with(path, StoreOptions::default())
    }

    /// Opens (or creates) the database at `path` as [`SqlitePinStore::open`], with `options`.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the file cannot be opened or set up.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Self, PinStoreError> {
        let path = path.as_ref().to_path_buf();
        let store = SqlitePinStore {
            path,
            timeout: options.timeout,
            idle: Mutex::new(Vec::new()),
        };
        let conn = store.connect()?;
        let setup = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .and_then(|_| conn.execute_batch(SCHEMA));
        setup.map_err(|e| store.error("set up", None, e))?;
        store.release(conn);
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many pins the database holds.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the database cannot be read.
    pub fn count(&self) -> Result<i64, PinStoreError> {
        self.with("count", None, |conn| {
            conn.query_row("SELECT count(*) FROM pins", [], |row| row.get(0))
        })
    }

    /// Erases the pin of `key` (a customer's data deleted); returns whether there was one.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the database cannot be written.
    pub fn remove(&self, key: &PinKey) -> Result<bool, PinStoreError> {
        self.with("erase", Some(key), |conn| {
            conn.execute(
                "DELETE FROM pins WHERE customer = ?1 AND topic = ?2 AND slot = ?3",
                params![key.customer, key.topic, key.slot.to_string()],
            )
            .map(|n| n > 0)
        })
    }

    /// Every pin of `customer`, ordered by topic and slot.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the database cannot be read.
    pub fn pins_of(&self, customer: &str) -> Result<Vec<(PinKey, Pin)>, PinStoreError> {
        self.with("list", None, |conn| {
            let mut stmt = conn.prepare(
                "SELECT topic, slot, message, version, revision, at FROM pins
                 WHERE customer = ?1 ORDER BY topic, slot",
            )?;
            let rows = stmt.query_map([customer], |row| {
                let slot: String = row.get(1)?;
                let slot: Slot = slot.parse().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(1, Type::Text, Box::new(e))
                })?;
                Ok((
                    PinKey::new(customer, row.get::<_, String>(0)?, slot),
                    Pin::new(
                        row.get::<_, String>(2)?,
                        row.get::<_, u32>(3)?,
                        row.get::<_, String>(4)?,
                        Timestamp::from_unix_seconds(row.get(5)?),
                    ),
                ))
            })?;
            rows.collect()
        })
    }

    fn connect(&self) -> Result<Connection, PinStoreError> {
        let conn = Connection::open(&self.path).map_err(|e| self.error("open", None, e))?;
        conn.busy_timeout(self.timeout)
            .map_err(|e| self.error("configure", None, e))?;
        Ok(conn)
    }

    fn release(&self, conn: Connection) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
    }

    /// Runs `f` on a connection of its own.
    fn with<T>(
        &self,
        what: &str,
        key: Option<&PinKey>,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, PinStoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        // A transaction that fails is rolled back when it is dropped, inside `f`.
        let result = f(&mut conn);
        self.release(conn);
        result.map_err(|e| self.error(what, key, e))
    }

    fn error(&self, what: &str, key: Option<&PinKey>, e: rusqlite::Error) -> PinStoreError {
        let of = key.map(|k| format!(" the pin of {k}")).unwrap_or_default();
        PinStoreError::with_source(
            format!("sqlite could not {what}{of} in `{}`", self.path.display()),
            e,
        )
    }
}

fn read(conn: &Connection, key: &PinKey) -> rusqlite::Result<Option<Pin>> {
    conn.query_row(
        SELECT,
        params![key.customer, key.topic, key.slot.to_string()],
        |row| {
            Ok(Pin::new(
                row.get::<_, String>(0)?,
                row.get::<_, u32>(1)?,
                row.get::<_, String>(2)?,
                Timestamp::from_unix_seconds(row.get(3)?),
            ))
        },
    )
    .optional()
}

/// Reads back the pin a write just left in force, inside the write's transaction.
fn read_back(conn: &Connection, key: &PinKey) -> rusqlite::Result<Pin> {
    read(conn, key)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
}

impl PinStore for SqlitePinStore {
    fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        self.with("read", Some(key), |conn| read(conn, key))
    }

    /// One statement when the keys share a customer and topic (a handoff's case): one round
    /// trip, and the pins read are a consistent snapshot.
    fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        let Some(first) = keys.first() else {
            return Ok(Vec::new());
        };
        if keys
            .iter()
            .any(|k| k.customer != first.customer || k.topic != first.topic)
        {
            return keys.iter().map(|k| self.get(k)).collect();
        }
        let found = self.with("read", Some(first), |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT slot, message, version, revision, at FROM pins
                 WHERE customer = ?1 AND topic = ?2",
            )?;
            let rows = stmt.query_map(params![first.customer, first.topic], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    Pin::new(
                        row.get::<_, String>(1)?,
                        row.get::<_, u32>(2)?,
                        row.get::<_, String>(3)?,
                        Timestamp::from_unix_seconds(row.get(4)?),
                    ),
                ))
            })?;
            rows.collect::<rusqlite::Result<Vec<(String, Pin)>>>()
        })?;
        Ok(keys
            .iter()
            .map(|k| {
                let slot = k.slot.to_string();
                found
                    .iter()
                    .find(|(s, _)| *s == slot)
                    .map(|(_, pin)| pin.clone())
            })
            .collect())
    }

    fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        self.with("insert", Some(key), |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO pins (customer, topic, slot, message, version, revision, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (customer, topic, slot) DO NOTHING",
                params![
                    key.customer,
                    key.topic,
                    key.slot.to_string(),
                    pin.message,
                    pin.version,
                    pin.revision,
                    pin.at.as_unix_seconds(),
                ],
            )?;
            let in_force = read_back(&tx, key)?;
            tx.commit()?;
            Ok(in_force)
        })
    }

    fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        self.with("replace", Some(key), |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE pins SET message = ?4, version = ?5, revision = ?6, at = ?7
                 WHERE customer = ?1 AND topic = ?2 AND slot = ?3
                   AND message = ?8 AND version = ?9 AND revision = ?10 AND at = ?11",
                params![
                    key.customer,
                    key.topic,
                    key.slot.to_string(),
                    new.message,
                    new.version,
                    new.revision,
                    new.at.as_unix_seconds(),
                    expected.message,
                    expected.version,
                    expected.revision,
                    expected.at.as_unix_seconds(),
                ],
            )?;
            let in_force = read(&tx, key)?;
            tx.commit()?;
            Ok(in_force)
        })
    }
}
