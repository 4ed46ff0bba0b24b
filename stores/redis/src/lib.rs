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
//!
//! # Examples
//!
//! ```no_run
//! use unified_message::{Channel, Contact, Engine, Responder, Timestamp};
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

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use unified_message::{AsyncPinStore, Pin, PinKey, PinStoreError};

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

/// Where the pins live in Redis and how long calls may take.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoreOptions {
    /// The prefix of every key: one per policy (or tenant). Must not be empty.
    pub namespace: String,
    /// How long a pin lives after the last contact that read or wrote it (a kept pin is
    /// read, so it lives on while the customer keeps writing); `None` (the default): until
    /// erased.
    pub expiry: Option<Duration>,
    /// How long connecting, and each command, may take before the call fails. Default 5 s.
    pub timeout: Duration,
}

impl StoreOptions {
    /// Pins under `namespace`, without expiry, with a 5 s timeout.
    pub fn new(namespace: impl Into<String>) -> Self {
        StoreOptions {
            namespace: namespace.into(),
            expiry: None,
            timeout: Duration::from_secs(5),
        }
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

/// An [`AsyncPinStore`] in Redis. Cheap to clone (the connection manager is shared).
#[derive(Clone)]
pub struct RedisPinStore {
    connection: ConnectionManager,
    namespace: String,
    /// The expiry in milliseconds, 0 for none.
    expiry_ms: u64,
    replace: Script,
}

impl std::fmt::Debug for RedisPinStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPinStore")
            .field("namespace", &self.namespace)
            .field("expiry_ms", &self.expiry_ms)
            .finish_non_exhaustive()
    }
}

/// `%` and `:` percent-encoded, so that the parts of a key cannot run into each other.
fn part(text: &str) -> String {
    text.replace('%', "%25").replace(':', "%3A")
}

fn error(
    what: &str,
    key: Option<&PinKey>,
    e: impl std::error::Error + Send + Sync + 'static,
) -> PinStoreError {
    let of = key.map(|k| format!(" the pin of {k}")).unwrap_or_default();
    PinStoreError::with_source(format!("redis could not {what}{of}: {e}"), e)
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
    /// Connects to Redis at `url` (`redis://host:port/db`).
    ///
    /// # Errors
    ///
    /// [`PinStoreError`] when the URL or the namespace is invalid, or the server does not
    /// answer in time.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, PinStoreError> {
        if options.namespace.is_empty() {
            return Err(PinStoreError::new(
                "the Redis pin store needs a namespace (the policy's name, for example): keys would collide with other data",
            ));
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
        Ok(RedisPinStore {
            connection,
            namespace: part(&options.namespace),
            expiry_ms: options.expiry.map_or(0, |d| {
                u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
            }),
            replace: Script::new(REPLACE),
        })
    }

    /// The Redis key of a pin.
    pub fn key(&self, key: &PinKey) -> String {
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
            // Each read renews the pin's expiry: one pipeline of `GETEX`.
            let mut pipe = redis::pipe();
            for k in keys {
                pipe.add_command(self.read(self.key(k)));
            }
            pipe.query_async(&mut c).await
        } else {
            let names: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
            redis::cmd("MGET").arg(&names).query_async(&mut c).await
        }
        .map_err(|e| error("read", Some(first), e))?;
        keys.iter().zip(values).map(|(k, v)| decode(k, v)).collect()
    }

    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        let mut c = self.connection.clone();
        let value = encode(key, &pin)?;
        let mut set = redis::cmd("SET");
        set.arg(self.key(key)).arg(&value).arg("NX").arg("GET");
        if self.expiry_ms > 0 {
            set.arg("PX").arg(self.expiry_ms);
        }
        let before: Option<String> = set
            .query_async(&mut c)
            .await
            .map_err(|e| error("insert", Some(key), e))?;
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
        let mut c = self.connection.clone();
        let after: Option<String> = self
            .replace
            .key(self.key(key))
            .arg(encode(key, expected)?)
            .arg(encode(key, &new)?)
            .arg(self.expiry_ms)
            .invoke_async(&mut c)
            .await
            .map_err(|e| error("replace", Some(key), e))?;
        decode(key, after)
    }
}
