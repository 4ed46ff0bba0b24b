//! `RedisPinStore`: the pin store of `unified-message` on Redis, shared by every node of a
//! support desk or a chatbot fleet.
//!
//! Async ([`AsyncPinStore`]), on the `redis` crate's tokio [`ConnectionManager`], which
//! reconnects by itself after a lost connection; await it from a tokio runtime.
//!
//! - **Keys**, namespaced per policy: `<namespace>:pin:<customer>:<topic>:<slot>`, each part
//!   with `%` and `:` percent-encoded so that no two keys collide. Give each policy (each
//!   product, each tenant) its own namespace ([`StoreOptions::namespace`]).
//! - **Values**: the pin as compact JSON (`{"message":…,"version":…,"revision":…,"at":…}`);
//!   one pin serializes one way, so two pins are equal exactly when their values are.
//! - **First pin**: `SET key value NX GET` — one atomic command that stores the pin unless
//!   one is there and answers with the one that was (Redis 7.0 or later).
//! - **Move**: a Lua script that compares the value in force with the expected pin and
//!   replaces it only if equal, answering with the pin in force — atomic, as every script.
//! - **`get_many`**: one `MGET`.
//! - **Expiry** (optional, [`StoreOptions::expiry`]): each pin expires that long after the
//!   customer's last contact that read or wrote it — the first pin, a move, and every read
//!   (`GETEX … PX`, also in `get_many`), so a pin that is kept because the customer keeps
//!   writing never expires under them; a customer silent for longer starts afresh, as if the
//!   host had erased the pin. Without it, pins stay until erased
//!   ([`RedisPinStore::remove`]). Either way, run Redis with persistence (AOF) if pins must
//!   survive a restart, and read from the primary.
//! - **Failures**: a refused or lost connection, a response over the timeout — each is a
//!   [`PinStoreError`]; the pinned decision then delivers nothing, and the next calls
//!   succeed once the server is back.
//! - **Redis Cluster** ([`RedisPinStore::connect_cluster`], or a `redis+cluster://host:port,…`
//!   URL): the customer part of every key is a hash tag (`{=customer}`), so all pins of one customer
//!   live in one slot and a handoff's reads are one command on one node; the client follows
//!   the cluster's slots through resharding and failovers.
//! - **Write acknowledgement** (optional, [`StoreOptions::with_wait`]): every write is
//!   followed by `WAIT numreplicas timeout` on the same connection, and is acknowledged only
//!   when that many replicas hold it; otherwise the call fails and nothing is delivered.
//!   Without it, Redis replicates asynchronously and an acknowledged pin can be lost when its
//!   master fails over (see `docs/stores.md`).
//!
//! # Examples
//!
//! ```no_run
//! use unified_message::{Channel, Contact, Engine, Responder};
//! use unified_message::pins::Timestamp;
//! use unified_message_redis::{RedisPinStore, StoreOptions};
//!
//! # async fn host() -> Result<(), Box<dyn std::error::Error>> {
//! let store = RedisPinStore::connect(
//!     "redis://127.0.0.1:6379",
//!     StoreOptions::new("acme-hosting").with_expiry(std::time::Duration::from_secs(90 * 86_400)),
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

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{AsyncCommands, Cmd, Pipeline, RedisFuture, Script, Value};
use unified_message::pins::{Pin, PinKey};
use unified_message::{AsyncPinStore, PinStoreError};

/// Compare-and-replace: KEYS[1] the key, ARGV[1] the expected value, ARGV[2] the new one,
/// ARGV[3] the expiry in milliseconds (0: none). Answers the value in force after the call.
const REPLACE: &str = r"
local current = redis.call('GET', KEYS[1])
if not current then return false end
if current ~= ARGV[1] then return current end
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return ARGV[2]
";

/// Where the pins live in Redis and how long calls may take; the same names and meanings as
/// `unified_message_postgres::StoreOptions` and `unified_message_sqlite::StoreOptions` for the
/// concepts they share (`namespace`, `timeout`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoreOptions {
    /// The namespace of the pins: the prefix of every key; one per policy (or tenant), as the
    /// service's `--pins-namespace`. Must not be empty. Default `unified_message`.
    pub namespace: String,
    /// How long a pin lives after the last contact that read or wrote it (a kept pin is
    /// read, so it lives on while the customer keeps writing); `None` (the default): until
    /// erased.
    pub expiry: Option<Duration>,
    /// How long connecting, and each command, may take before the call fails. Default 5 s.
    pub timeout: Duration,
    /// How many replicas must hold a write before it is acknowledged (`WAIT`); 0 (the
    /// default): none, the master's answer is enough.
    pub wait_replicas: u32,
    /// How long a write waits for [`wait_replicas`](Self::wait_replicas) replicas before it
    /// fails. Default 1 s.
    pub wait_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions::new("unified_message")
    }
}

impl StoreOptions {
    /// Pins under `namespace`, without expiry, with a 5 s timeout.
    pub fn new(namespace: impl Into<String>) -> Self {
        StoreOptions {
            namespace: namespace.into(),
            expiry: None,
            timeout: Duration::from_secs(5),
            wait_replicas: 0,
            wait_timeout: Duration::from_secs(1),
        }
    }

    /// These options with the pins under `namespace`.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// These options with every write (a first pin, a move) acknowledged only once `replicas`
    /// replicas hold it: the write is followed by `WAIT replicas timeout` on the same
    /// connection, and fails (nothing delivered) when fewer replicas answered within
    /// `timeout`. With `replicas` ≥ 1, a pin a decision delivered is on a replica, so it
    /// survives the failover of its master to that replica; a master without a live replica
    /// then refuses every write. Each `WAIT` holds the store's connection to that server
    /// until the replicas answer (well under a millisecond on a healthy link).
    pub fn with_wait(mut self, replicas: u32, timeout: Duration) -> Self {
        self.wait_replicas = replicas;
        self.wait_timeout = timeout;
        self
    }

    /// These options with pins expiring `expiry` after the last contact that read or wrote
    /// them.
    pub fn with_expiry(mut self, expiry: Duration) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// These options with calls limited to `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The connection: one server, or a cluster.
#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(c) => c.req_packed_command(cmd),
            Connection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(c) => c.req_packed_commands(cmd, offset, count),
            Connection::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(c) => c.get_db(),
            Connection::Cluster(c) => c.get_db(),
        }
    }
}

/// An [`AsyncPinStore`] in Redis or a Redis Cluster. Cheap to clone (the connection is
/// shared).
#[derive(Clone)]
pub struct RedisPinStore {
    connection: Connection,
    namespace: String,
    /// The expiry in milliseconds, 0 for none.
    expiry_ms: u64,
    /// Whether the keys carry the customer as a hash tag (a cluster).
    cluster: bool,
    /// `WAIT` after each write: (replicas, timeout in milliseconds); 0 replicas for none.
    wait: (u32, u64),
    replace: Script,
}

impl std::fmt::Debug for RedisPinStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPinStore")
            .field("namespace", &self.namespace)
            .field("expiry_ms", &self.expiry_ms)
            .field("cluster", &self.cluster)
            .field("wait_replicas", &self.wait.0)
            .finish_non_exhaustive()
    }
}

/// `%` and `:` percent-encoded, so that the parts of a key cannot run into each other.
fn part(text: &str) -> String {
    text.replace('%', "%25").replace(':', "%3A")
}

/// [`part`], with `{` and `}` percent-encoded too: a part of a cluster key, where only the
/// store's own braces may delimit the hash tag.
fn cluster_part(text: &str) -> String {
    part(text).replace('{', "%7B").replace('}', "%7D")
}

/// `url` without its `wait` and `wait_timeout_ms` parameters, and `options` with them.
fn take_wait(
    url: &str,
    mut options: StoreOptions,
) -> Result<(String, StoreOptions), PinStoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), options));
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let number = |value: &str| {
            value.parse::<u32>().map_err(|_| {
                PinStoreError::new(format!(
                    "`{pair}` in `{url}` is not a number: use wait=REPLICAS (for example ?wait=1) and wait_timeout_ms=MILLISECONDS"
                ))
            })
        };
        if let Some(value) = pair.strip_prefix("wait=") {
            options.wait_replicas = number(value)?;
        } else if let Some(value) = pair.strip_prefix("wait_timeout_ms=") {
            options.wait_timeout = Duration::from_millis(u64::from(number(value)?));
        } else {
            kept.push(pair);
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, options))
}

/// The node URLs of `redis+cluster://host:port,host:port[/…]`.
fn cluster_nodes(url: &str) -> Option<Vec<String>> {
    let rest = url.strip_prefix("redis+cluster://")?;
    let hosts = rest.split(['/', '?']).next().unwrap_or_default();
    let nodes: Vec<String> = hosts
        .split(',')
        .filter(|h| !h.is_empty())
        .map(|h| format!("redis://{h}"))
        .collect();
    (!nodes.is_empty()).then_some(nodes)
}

fn error(
    what: &str,
    key: Option<&PinKey>,
    e: impl std::error::Error + Send + Sync + 'static,
) -> PinStoreError {
    let of = key.map(|k| format!(" the pin of {k}")).unwrap_or_default();
    PinStoreError::with_source(format!("redis could not {what}{of}: {e}"), e)
}

fn check_namespace(options: &StoreOptions) -> Result<(), PinStoreError> {
    if options.namespace.is_empty() {
        return Err(PinStoreError::new(
            "the Redis pin store needs a namespace (the policy's name, for example): keys would collide with other data",
        ));
    }
    Ok(())
}

fn decode(key: &PinKey, value: Option<String>) -> Result<Option<Pin>, PinStoreError> {
    value
        .map(|v| serde_json::from_str(&v).map_err(|e| error("decode", Some(key), e)))
        .transpose()
}

fn encode(key: &PinKey, pin: &Pin) -> Result<String, PinStoreError> {
    serde_json::to_string(pin).map_err(|e| error("encode", Some(key), e))
}

impl RedisPinStore {
    /// Connects to Redis at `url` (`redis://host:port/db`), or to a Redis Cluster through
    /// the nodes of `redis+cluster://host:port,host:port` ([`RedisPinStore::connect_cluster`]).
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the URL or the namespace is invalid, or the server does not
    /// answer in time.
    ///
    /// The URL may set the write acknowledgement ([`StoreOptions::with_wait`]) for hosts that
    /// only pass a URL, such as the service's `--pins`: `?wait=1&wait_timeout_ms=500`.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, PinStoreError> {
        check_namespace(&options)?;
        let (url, options) = take_wait(url, options)?;
        let url = url.as_str();
        if url.starts_with("redis+cluster://") {
            let nodes = cluster_nodes(url).ok_or_else(|| {
                PinStoreError::new(format!(
                    "`{url}` names no node: use redis+cluster://host:port,host:port"
                ))
            })?;
            return RedisPinStore::connect_cluster(&nodes, options).await;
        }
        let client = redis::Client::open(url).map_err(|e| {
            PinStoreError::with_source(
                format!("`{url}` is not a Redis URL (redis://host:port/db)"),
                e,
            )
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| error("connect to the server", None, e))?;
        Ok(RedisPinStore::with_connection(
            Connection::Single(connection),
            &options,
        ))
    }

    /// Connects to a Redis Cluster through any of its `nodes` (`redis://host:port` each; the
    /// client discovers the others and follows the slots as they move or fail over). Keys
    /// carry the customer as a hash tag: `<namespace>:pin:{=<customer>}:<topic>:<slot>`, with
    /// `{` and `}` percent-encoded in every part, so that all pins of one customer share a
    /// slot.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when a URL or the namespace is invalid, or no node answers in time.
    pub async fn connect_cluster(
        nodes: &[impl AsRef<str>],
        options: StoreOptions,
    ) -> Result<Self, PinStoreError> {
        check_namespace(&options)?;
        let urls: Vec<&str> = nodes.iter().map(AsRef::as_ref).collect();
        if urls.is_empty() {
            return Err(PinStoreError::new(
                "the Redis Cluster pin store needs at least one node (redis://host:port)",
            ));
        }
        let client = ClusterClientBuilder::new(urls.clone())
            .connection_timeout(options.timeout)
            .response_timeout(options.timeout)
            .build()
            .map_err(|e| {
                PinStoreError::with_source(
                    format!(
                        "`{}` are not Redis Cluster node URLs (redis://host:port)",
                        urls.join(",")
                    ),
                    e,
                )
            })?;
        let connection = client
            .get_async_connection()
            .await
            .map_err(|e| error("connect to the cluster", None, e))?;
        Ok(RedisPinStore::with_connection(
            Connection::Cluster(connection),
            &options,
        ))
    }

    fn with_connection(connection: Connection, options: &StoreOptions) -> Self {
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        RedisPinStore {
            cluster: matches!(connection, Connection::Cluster(_)),
            namespace: if matches!(connection, Connection::Cluster(_)) {
                cluster_part(&options.namespace)
            } else {
                part(&options.namespace)
            },
            expiry_ms: options.expiry.map_or(0, |d| millis(d).max(1)),
            wait: (options.wait_replicas, millis(options.wait_timeout)),
            replace: Script::new(REPLACE),
            connection,
        }
    }

    /// The Redis key of a pin (on a cluster, with the customer as the hash tag).
    pub fn key(&self, key: &PinKey) -> String {
        if self.cluster {
            // `{=…}`: never an empty tag (an empty tag would hash the whole key).
            return format!(
                "{}:pin:{{={}}}:{}:{}",
                self.namespace,
                cluster_part(&key.customer),
                cluster_part(&key.topic),
                cluster_part(&key.slot.to_string())
            );
        }
        format!(
            "{}:pin:{}:{}:{}",
            self.namespace,
            part(&key.customer),
            part(&key.topic),
            part(&key.slot.to_string())
        )
    }

    /// The pattern that matches every pin of this store's namespace, and only those (for
    /// `SCAN` or `KEYS`): every glob character of the namespace (`*`, `?`, `[`, `]`, `\`) is
    /// escaped, so that a namespace such as `a[bc]` matches neither `ab` nor `ac`.
    pub fn pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.namespace.len() + 8);
        for c in self.namespace.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push_str(":pin:*");
        pattern
    }

    /// The command that reads the pin under `name`: `GET`, or with an expiry `GETEX … PX`,
    /// which renews it (the customer is active).
    fn read(&self, name: String) -> redis::Cmd {
        if self.expiry_ms > 0 {
            let mut cmd = redis::cmd("GETEX");
            cmd.arg(name).arg("PX").arg(self.expiry_ms);
            cmd
        } else {
            let mut cmd = redis::cmd("GET");
            cmd.arg(name);
            cmd
        }
    }

    /// Runs the write `cmd` (`what` of the pin of `key`); with a write acknowledgement, in
    /// one pipeline with `WAIT`, which the cluster client sends to the key's master on the
    /// connection of the write, and fails unless enough replicas answered.
    async fn write(
        &self,
        cmd: Cmd,
        what: &str,
        key: &PinKey,
    ) -> Result<Option<String>, PinStoreError> {
        let mut c = self.connection.clone();
        let (replicas, timeout) = self.wait;
        if replicas == 0 {
            return cmd
                .query_async(&mut c)
                .await
                .map_err(|e| error(what, Some(key), e));
        }
        let mut pipe = redis::pipe();
        pipe.add_command(cmd).cmd("WAIT").arg(replicas).arg(timeout);
        let (answer, acknowledged): (Option<String>, u64) = pipe
            .query_async(&mut c)
            .await
            .map_err(|e| error(what, Some(key), e))?;
        if acknowledged < u64::from(replicas) {
            return Err(PinStoreError::new(format!(
                "redis could not {what} the pin of {key} safely: {acknowledged} of the {replicas} replicas required acknowledged it within {timeout} ms, so a failover could lose it"
            )));
        }
        Ok(answer)
    }

    /// Erases the pin of `key`; whether there was one.
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the server does not answer.
    pub async fn remove(&self, key: &PinKey) -> Result<bool, PinStoreError> {
        let mut c = self.connection.clone();
        let n: u64 = c
            .del(self.key(key))
            .await
            .map_err(|e| error("erase", Some(key), e))?;
        Ok(n > 0)
    }
}

impl AsyncPinStore for RedisPinStore {
    async fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        let mut c = self.connection.clone();
        let value: Option<String> = self
            .read(self.key(key))
            .query_async(&mut c)
            .await
            .map_err(|e| error("read", Some(key), e))?;
        decode(key, value)
    }

    async fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        let Some(first) = keys.first() else {
            return Ok(Vec::new());
        };
        let mut c = self.connection.clone();
        let values: Vec<Option<String>> = if self.expiry_ms > 0 {
            // Each read renews the pin's expiry: one pipeline of `GETEX` (on a cluster, one
            // per customer, whose pins share a slot).
            let mut values = vec![None; keys.len()];
            let mut customers: Vec<&str> = keys.iter().map(|k| k.customer.as_str()).collect();
            customers.sort_unstable();
            customers.dedup();
            let groups = if self.cluster { customers } else { vec![] };
            let all = groups.is_empty();
            for customer in groups.into_iter().map(Some).chain(all.then_some(None)) {
                let mut pipe = redis::pipe();
                let mut at = Vec::new();
                for (i, k) in keys.iter().enumerate() {
                    if customer.is_none_or(|c| c == k.customer) {
                        pipe.add_command(self.read(self.key(k)));
                        at.push(i);
                    }
                }
                let got: Vec<Option<String>> = pipe
                    .query_async(&mut c)
                    .await
                    .map_err(|e| error("read", Some(first), e))?;
                for (i, v) in at.into_iter().zip(got) {
                    if let Some(slot) = values.get_mut(i) {
                        *slot = v;
                    }
                }
            }
            values
        } else {
            // On a cluster, the client splits the `MGET` by slot.
            let names: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
            redis::cmd("MGET")
                .arg(&names)
                .query_async(&mut c)
                .await
                .map_err(|e| error("read", Some(first), e))?
        };
        keys.iter().zip(values).map(|(k, v)| decode(k, v)).collect()
    }

    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        let value = encode(key, &pin)?;
        let mut set = redis::cmd("SET");
        set.arg(self.key(key)).arg(&value).arg("NX").arg("GET");
        if self.expiry_ms > 0 {
            set.arg("PX").arg(self.expiry_ms);
        }
        let before: Option<String> = self.write(set, "insert", key).await?;
        match decode(key, before)? {
            // Another writer got there first: its pin is in force.
            Some(winner) => Ok(winner),
            None => Ok(pin),
        }
    }

    async fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        let (expected, new) = (encode(key, expected)?, encode(key, &new)?);
        let after: Option<String> = if self.wait.0 > 0 {
            // The script's text in the pipeline with `WAIT` (no `NOSCRIPT` retry there).
            let mut eval = redis::cmd("EVAL");
            eval.arg(REPLACE)
                .arg(1)
                .arg(self.key(key))
                .arg(expected)
                .arg(new)
                .arg(self.expiry_ms);
            self.write(eval, "replace", key).await?
        } else {
            let mut c = self.connection.clone();
            self.replace
                .key(self.key(key))
                .arg(expected)
                .arg(new)
                .arg(self.expiry_ms)
                .invoke_async(&mut c)
                .await
                .map_err(|e| error("replace", Some(key), e))?
        };
        decode(key, after)
    }
}
