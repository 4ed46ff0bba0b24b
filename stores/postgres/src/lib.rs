//! `PostgresPinStore`: the pin store of `unified-message` on PostgreSQL, shared by every node
//! of a support desk or a chatbot fleet, so that the customer who phoned node A and writes to
//! node B hears the same story.
//!
//! Async ([`AsyncPinStore`]), on `tokio-postgres` with a `deadpool-postgres` pool; await it
//! from a tokio runtime with the time driver enabled (`#[tokio::main]` enables it).
//!
//! - **Schema**: versioned SQL migrations (`migrations/0001_pins.sql`, …) applied by
//!   [`PostgresPinStore::migrate`] — idempotent, and safe when several nodes start at once
//!   (one transaction under an advisory lock, versions recorded in
//!   `<schema>.unified_message_migrations`). [`PostgresPinStore::connect`] runs it.
//! - **Atomic steps**: the first pin is one `INSERT … ON CONFLICT DO NOTHING RETURNING`; a
//!   move is one `UPDATE … WHERE` all four old fields are equal `RETURNING`. When the write
//!   did not happen (another node won), the pin in force is read by a second statement, which
//!   sees the winner's committed row (a statement of the first would not, under read
//!   committed, and could return a pin that has already moved).
//! - **`get_many`** is one query (`unnest` of the keys).
//! - **Failures**: a connection refused or lost, a pool exhausted, a statement over the
//!   timeout — each is a [`PinStoreError`] naming what failed; the pinned decision then
//!   delivers nothing. The pool replaces broken connections, so the store recovers when the
//!   server is back.
//!
//! # Examples
//!
//! ```no_run
//! use unified_message::{Channel, Contact, Engine, Responder};
//! use unified_message::pins::Timestamp;
//! use unified_message_postgres::{PostgresPinStore, StoreOptions};
//!
//! # async fn host() -> Result<(), Box<dyn std::error::Error>> {
//! let store = PostgresPinStore::connect(
//!     "postgres://postgres@127.0.0.1:5432/test",
//!     StoreOptions::default(),
//! )
//! .await?;
//! let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
//! let contact = Contact::new("customer-42", Channel::Chat).with_topic("email.setup");
//! let now = Timestamp::from(std::time::SystemTime::now());
//! let pinned = engine
//!     .decide_pinned_async(&contact, &Responder::system("self-diagnosis"), &store, now)
//!     .await?;
//! println!("{}", pinned.text());
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;
use unified_message::pins::{Pin, PinKey, Timestamp};
use unified_message::{AsyncPinStore, PinStoreError};

/// The `docs/stores.md` chapter of the guide, whose Rust examples are compiled as doctests here
/// (this crate has the dependencies they use).
#[cfg(doctest)]
#[doc = include_str!("../../../docs/stores.md")]
pub struct PinsAndStoresChapter;

/// The migrations, in order: (version, SQL with `{schema}` for the schema).
const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("../migrations/0001_pins.sql"))];

/// Where the pins live and how long calls may take; the same names and meanings as
/// `unified_message_redis::StoreOptions` and `unified_message_sqlite::StoreOptions` for the
/// concepts they share (`namespace`, `timeout`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoreOptions {
    /// The namespace of the pins: the PostgreSQL schema (PostgreSQL's own catalog calls
    /// schemas namespaces) holding the `pins` table, created if missing; one per policy (or
    /// tenant), as the service's `--pins-namespace`. A lowercase SQL identifier
    /// (`[a-z_][a-z0-9_]*`, at most 63 bytes). Default `unified_message`.
    pub namespace: String,
    /// The most connections the pool opens. Default 16.
    pub max_connections: usize,
    /// How long one store call may take, from waiting for a connection to the answer;
    /// beyond it the call fails with a [`PinStoreError`]. Default 5 s.
    pub timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions::new("unified_message")
    }
}

impl StoreOptions {
    /// Pins in the schema `namespace`, with at most 16 connections and a 5 s timeout.
    pub fn new(namespace: impl Into<String>) -> Self {
        StoreOptions {
            namespace: namespace.into(),
            max_connections: 16,
            timeout: Duration::from_secs(5),
        }
    }

    /// These options with the pins in the schema `namespace`.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// These options with at most `max` connections.
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// These options with calls limited to `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// An [`AsyncPinStore`] in PostgreSQL. Cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct PostgresPinStore {
    pool: Pool,
    /// The quoted schema, as it appears in SQL.
    schema: String,
    timeout: Duration,
    sql: Sql,
}

/// The statements, with the schema filled in.
#[derive(Clone, Debug)]
struct Sql {
    get: String,
    get_many: String,
    insert: String,
    replace: String,
    remove: String,
}

impl Sql {
    fn new(schema: &str) -> Self {
        let t = format!("{schema}.pins");
        Sql {
            get: format!(
                "SELECT message, version, revision, at FROM {t} \
                 WHERE customer = $1 AND topic = $2 AND slot = $3"
            ),
            get_many: format!(
                "SELECT k.i, p.message, p.version, p.revision, p.at \
                 FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(customer, topic, slot, i) \
                 JOIN {t} p ON p.customer = k.customer AND p.topic = k.topic AND p.slot = k.slot"
            ),
            insert: format!(
                "INSERT INTO {t} (customer, topic, slot, message, version, revision, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (customer, topic, slot) DO NOTHING \
                 RETURNING message, version, revision, at"
            ),
            replace: format!(
                "UPDATE {t} SET message = $4, version = $5, revision = $6, at = $7 \
                 WHERE customer = $1 AND topic = $2 AND slot = $3 \
                   AND message = $8 AND version = $9 AND revision = $10 AND at = $11 \
                 RETURNING message, version, revision, at"
            ),
            remove: format!("DELETE FROM {t} WHERE customer = $1 AND topic = $2 AND slot = $3"),
        }
    }
}

/// Whether `schema` is a plain lowercase identifier.
fn valid_schema(schema: &str) -> bool {
    let mut chars = schema.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && schema.len() <= 63
}

fn pin_of(row: &tokio_postgres::Row, from: usize) -> Result<Pin, tokio_postgres::Error> {
    let version: i64 = row.try_get(from + 1)?;
    Ok(Pin::new(
        row.try_get::<_, String>(from)?,
        // The column's CHECK keeps it within u32.
        u32::try_from(version).unwrap_or(u32::MAX),
        row.try_get::<_, String>(from + 2)?,
        Timestamp::from_unix_seconds(row.try_get(from + 3)?),
    ))
}

impl PostgresPinStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`, or the key-value
    /// form), and applies the migrations ([`PostgresPinStore::migrate`]).
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the URL or the schema name is invalid, the server does not
    /// answer in time, or a migration fails.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, PinStoreError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            PinStoreError::with_source(
                format!("`{url}` is not a PostgreSQL connection string (postgres://user@host:port/database)"),
                e,
            )
        })?;
        config.connect_timeout(options.timeout);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .recycle_timeout(Some(options.timeout))
            .build()
            .map_err(|e| PinStoreError::with_source("could not build the PostgreSQL pool", e))?;
        let store = PostgresPinStore::from_pool(pool, &options)?;
        store.migrate().await?;
        Ok(store)
    }

    /// A store on the host's own `pool`, with `options`' namespace (schema) and timeout
    /// (`max_connections` is the pool's business). Does not migrate: call
    /// [`PostgresPinStore::migrate`].
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the schema name is not a plain lowercase identifier.
    pub fn from_pool(pool: Pool, options: &StoreOptions) -> Result<Self, PinStoreError> {
        if !valid_schema(&options.namespace) {
            return Err(PinStoreError::new(format!(
                "`{}` is not a usable schema name: use lowercase letters, digits and `_`, not starting with a digit, at most 63 bytes",
                options.namespace
            )));
        }
        let schema = format!("\"{}\"", options.namespace);
        Ok(PostgresPinStore {
            pool,
            sql: Sql::new(&schema),
            schema,
            timeout: options.timeout,
        })
    }

    /// The pool, for the host's own statements or to see its state.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Applies the migrations not yet applied, in order, each in one transaction under a
    /// transaction-level advisory lock: idempotent, and safe when several nodes run it at
    /// once. Creates the schema if missing.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the server does not answer or a statement fails; a failed
    /// migration is rolled back.
    pub async fn migrate(&self) -> Result<(), PinStoreError> {
        let schema = self.schema.clone();
        self.timed("migrate", None, async move |client| {
            let tx = client.transaction().await?;
            // One lock for every store of this database: migrations of two schemas wait for
            // each other, which costs nothing at startup.
            tx.execute("SELECT pg_advisory_xact_lock(7236591304117)", &[])
                .await?;
            tx.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}; \
                 CREATE TABLE IF NOT EXISTS {schema}.unified_message_migrations \
                 (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            ))
            .await?;
            for (version, sql) in MIGRATIONS {
                let done = tx
                    .query_opt(
                        &format!(
                            "SELECT 1 FROM {schema}.unified_message_migrations WHERE version = $1"
                        ),
                        &[version],
                    )
                    .await?;
                if done.is_none() {
                    tx.batch_execute(&sql.replace("{schema}", &schema)).await?;
                    tx.execute(
                        &format!(
                            "INSERT INTO {schema}.unified_message_migrations (version) VALUES ($1)"
                        ),
                        &[version],
                    )
                    .await?;
                }
            }
            tx.commit().await
        })
        .await
    }

    /// Drops the schema and everything in it (pins and migration records): for tests and
    /// for a host that retires the store.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the server does not answer or the statement fails.
    pub async fn drop_schema(&self) -> Result<(), PinStoreError> {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        self.timed("drop the schema", None, async move |client| {
            client.batch_execute(&sql).await
        })
        .await
    }

    /// Erases the pin of `key` (a customer's data deleted); whether there was one.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the server does not answer or the statement fails.
    pub async fn remove(&self, key: &PinKey) -> Result<bool, PinStoreError> {
        let slot = key.slot.to_string();
        self.timed("erase", Some(key), async |client| {
            let stmt = client.prepare_cached(&self.sql.remove).await?;
            let n = client
                .execute(&stmt, &[&key.customer, &key.topic, &slot])
                .await?;
            Ok(n > 0)
        })
        .await
    }

    /// Runs `f` on a pooled connection within the timeout; errors become [`PinStoreError`]s
    /// saying `what` failed on `key`.
    async fn timed<T, F>(&self, what: &str, key: Option<&PinKey>, f: F) -> Result<T, PinStoreError>
    where
        F: AsyncFnOnce(&mut deadpool_postgres::Client) -> Result<T, tokio_postgres::Error>,
    {
        let of = || key.map(|k| format!(" the pin of {k}")).unwrap_or_default();
        let work = async {
            let mut client = self.pool.get().await.map_err(|e| {
                PinStoreError::with_source(
                    format!("postgres could not {what}{}: no connection", of()),
                    e,
                )
            })?;
            f(&mut client).await.map_err(|e| {
                PinStoreError::with_source(format!("postgres could not {what}{}", of()), e)
            })
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(result) => result,
            Err(elapsed) => Err(PinStoreError::with_source(
                format!(
                    "postgres could not {what}{} within {} ms",
                    of(),
                    self.timeout.as_millis()
                ),
                elapsed,
            )),
        }
    }

    async fn read(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        let slot = key.slot.to_string();
        self.timed("read", Some(key), async |client| {
            let stmt = client.prepare_cached(&self.sql.get).await?;
            let row = client
                .query_opt(&stmt, &[&key.customer, &key.topic, &slot])
                .await?;
            row.map(|r| pin_of(&r, 0)).transpose()
        })
        .await
    }
}

impl AsyncPinStore for PostgresPinStore {
    fn get(&self, key: &PinKey) -> impl Future<Output = Result<Option<Pin>, PinStoreError>> + Send {
        self.read(key)
    }

    async fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let customers: Vec<&str> = keys.iter().map(|k| k.customer.as_str()).collect();
        let topics: Vec<&str> = keys.iter().map(|k| k.topic.as_str()).collect();
        let slots: Vec<String> = keys.iter().map(|k| k.slot.to_string()).collect();
        let rows = self
            .timed("read", keys.first(), async |client| {
                let stmt = client.prepare_cached(&self.sql.get_many).await?;
                let params: [&(dyn ToSql + Sync); 3] = [&customers, &topics, &slots];
                let rows = client.query(&stmt, &params).await?;
                rows.iter()
                    .map(|r| Ok((r.try_get::<_, i64>(0)?, pin_of(r, 1)?)))
                    .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            })
            .await?;
        let mut pins = vec![None; keys.len()];
        for (i, pin) in rows {
            // WITH ORDINALITY counts from 1.
            if let Some(slot) = usize::try_from(i - 1).ok().and_then(|i| pins.get_mut(i)) {
                *slot = Some(pin);
            }
        }
        Ok(pins)
    }

    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        let slot = key.slot.to_string();
        let version = i64::from(pin.version);
        let at = pin.at.as_unix_seconds();
        // A pin erased between the conflict and the read: insert again (bounded).
        for _ in 0..3 {
            let inserted = self
                .timed("insert", Some(key), async |client| {
                    let stmt = client.prepare_cached(&self.sql.insert).await?;
                    let row = client
                        .query_opt(
                            &stmt,
                            &[
                                &key.customer,
                                &key.topic,
                                &slot,
                                &pin.message,
                                &version,
                                &pin.revision,
                                &at,
                            ],
                        )
                        .await?;
                    row.map(|r| pin_of(&r, 0)).transpose()
                })
                .await?;
            if let Some(mine) = inserted {
                return Ok(mine);
            }
            if let Some(winner) = self.read(key).await? {
                return Ok(winner);
            }
        }
        Err(PinStoreError::new(format!(
            "postgres could not insert the pin of {key}: it was erased as fast as it was written"
        )))
    }

    async fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        let slot = key.slot.to_string();
        let (new_version, new_at) = (i64::from(new.version), new.at.as_unix_seconds());
        let (old_version, old_at) = (i64::from(expected.version), expected.at.as_unix_seconds());
        let replaced = self
            .timed("replace", Some(key), async |client| {
                let stmt = client.prepare_cached(&self.sql.replace).await?;
                let row = client
                    .query_opt(
                        &stmt,
                        &[
                            &key.customer,
                            &key.topic,
                            &slot,
                            &new.message,
                            &new_version,
                            &new.revision,
                            &new_at,
                            &expected.message,
                            &old_version,
                            &expected.revision,
                            &old_at,
                        ],
                    )
                    .await?;
                row.map(|r| pin_of(&r, 0)).transpose()
            })
            .await?;
        match replaced {
            Some(pin) => Ok(Some(pin)),
            // Not replaced: the pin in force, read by a statement of its own (see the crate
            // documentation).
            None => self.read(key).await,
        }
    }
}
