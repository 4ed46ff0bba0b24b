//! `--pins`: where the customers' pins live, through the workspace's stores.

use std::sync::Arc;

use unified_message::pins::{PinnedRecord, Timestamp};
use unified_message::{DecideRequest, Engine, MemoryPinStore, PinError};
use unified_message_postgres::PostgresPinStore;
use unified_message_redis::RedisPinStore;
use unified_message_sqlite::SqlitePinStore;

use crate::decision_log::LoggedIds;

/// A pin store named on the command line.
#[derive(Debug, Clone)]
pub enum Pins {
    /// In this process only.
    Memory(Arc<MemoryPinStore>),
    /// An SQLite file (blocking calls, run off the async threads).
    Sqlite(Arc<SqlitePinStore>),
    /// PostgreSQL, shared by every node.
    Postgres(PostgresPinStore),
    /// Redis, shared by every node.
    Redis(RedisPinStore),
}

/// Why a pinned decision failed.
#[derive(Debug)]
pub enum PinFailure {
    /// The store failed or the pin kept moving: nothing was delivered.
    Pin(PinError),
    /// The blocking task of the SQLite store could not finish.
    Task(String),
}

impl std::fmt::Display for PinFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinFailure::Pin(e) => write!(f, "{e}"),
            PinFailure::Task(e) => write!(f, "the pin store's task failed: {e}"),
        }
    }
}

impl PinFailure {
    /// The failure for the service's log: its message and the chain of its causes — the
    /// store's own error, the driver's under it — each after `: caused by: `, with the customer
    /// id as `ids` shows it (hashed with `--hash-customer-ids`: then any other occurrence of an
    /// id of 3 characters or more, such as in a database's detail line, is replaced too). Not
    /// escaped: the caller escapes the whole line's values.
    pub fn for_log(&self, ids: &LoggedIds) -> String {
        use std::error::Error as _;
        match self {
            PinFailure::Pin(e) => {
                // The library's and the stores' messages name the pin's key (`customer `ID``).
                let id = &e.key().customer;
                let customer = ids.customer(id);
                let raw = format!("customer `{id}`");
                let shown = format!("customer {customer}");
                let mut text = e.to_string();
                let mut cause = e.source();
                while let Some(c) = cause {
                    text.push_str(": caused by: ");
                    text.push_str(&c.to_string());
                    cause = c.source();
                }
                let text = text.replace(&raw, &shown);
                if ids.hashes() && id.chars().count() >= 3 {
                    text.replace(id.as_str(), &customer)
                } else {
                    text
                }
            }
            PinFailure::Task(e) => format!("the pin store's task failed: {e}"),
        }
    }
}

impl Pins {
    /// Opens the store `spec` names (`memory`, `sqlite:PATH`, `postgres://…`, `redis://…`,
    /// `redis+cluster://host:port,…`);
    /// `None` for `none`.
    ///
    /// # Errors
    ///
    /// What is wrong with `spec`, or why the store cannot be reached.
    pub async fn open(spec: &str, namespace: &str) -> Result<Option<Pins>, String> {
        if spec == "none" {
            return Ok(None);
        }
        if spec == "memory" {
            return Ok(Some(Pins::Memory(Arc::new(MemoryPinStore::new()))));
        }
        if let Some(path) = spec.strip_prefix("sqlite:") {
            let path = path.to_owned();
            let store = tokio::task::spawn_blocking(move || SqlitePinStore::open(&path))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("cannot open the SQLite pin store: {e}"))?;
            return Ok(Some(Pins::Sqlite(Arc::new(store))));
        }
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            let options = unified_message_postgres::StoreOptions::new(namespace);
            let store = PostgresPinStore::connect(spec, options)
                .await
                .map_err(|e| format!("cannot open the PostgreSQL pin store: {e}"))?;
            return Ok(Some(Pins::Postgres(store)));
        }
        if spec.starts_with("redis://")
            || spec.starts_with("rediss://")
            || spec.starts_with("redis+cluster://")
        {
            let options = unified_message_redis::StoreOptions::new(namespace);
            let store = RedisPinStore::connect(spec, options)
                .await
                .map_err(|e| format!("cannot open the Redis pin store: {e}"))?;
            return Ok(Some(Pins::Redis(store)));
        }
        Err(format!(
            "unknown pin store `{spec}`: use `memory`, `sqlite:PATH`, `postgres://…`, `redis://…`, `redis+cluster://host:port,host:port` or `none`"
        ))
    }

    /// The store's kind, for the log.
    pub fn kind(&self) -> &'static str {
        match self {
            Pins::Memory(_) => "memory",
            Pins::Sqlite(_) => "sqlite",
            Pins::Postgres(_) => "postgres",
            Pins::Redis(_) => "redis",
        }
    }

    /// Decides `request` against the customer's pins, with its placeholder values.
    ///
    /// # Errors
    ///
    /// [`PinFailure`] when the store fails: nothing is delivered then.
    pub async fn decide(
        &self,
        engine: &Arc<Engine>,
        request: &DecideRequest,
        now: Timestamp,
    ) -> Result<PinnedRecord, PinFailure> {
        let (contact, responder) = (&request.contact, &request.responder);
        let pinned = match self {
            Pins::Memory(store) => engine
                .decide_pinned_async(contact, responder, &**store, now)
                .await
                .map(|p| record(&p, request)),
            Pins::Postgres(store) => engine
                .decide_pinned_async(contact, responder, store, now)
                .await
                .map(|p| record(&p, request)),
            Pins::Redis(store) => engine
                .decide_pinned_async(contact, responder, store, now)
                .await
                .map(|p| record(&p, request)),
            Pins::Sqlite(store) => {
                let (engine, store, request) = (engine.clone(), store.clone(), request.clone());
                return tokio::task::spawn_blocking(move || {
                    engine
                        .decide_pinned(&request.contact, &request.responder, &*store, now)
                        .map(|p| record(&p, &request))
                })
                .await
                .map_err(|e| PinFailure::Task(e.to_string()))?
                .map_err(PinFailure::Pin);
            }
        };
        pinned.map_err(PinFailure::Pin)
    }
}

/// The record of a pinned decision, rendered with the request's values.
fn record(pinned: &unified_message::PinnedDecision<'_>, request: &DecideRequest) -> PinnedRecord {
    pinned.to_record_with(&request.values)
}
