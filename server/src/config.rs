//! The command line of `unified-message-server`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// The engine over HTTP: decide, triage, explain and check as JSON, with live policy reload.
#[derive(Clone, Debug, Parser)]
#[command(name = "unified-message-server", version, about)]
pub struct Args {
    /// The policy file (.toml, .json, .yaml or .yml). Watched: a change is compiled, checked
    /// and swapped in; a policy that does not compile leaves the one in force.
    pub policy: PathBuf,

    /// The address to listen on. Port 0 picks a free port; the bound address is printed on
    /// standard output (`listening on http://ADDR`).
    #[arg(long, env = "UM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Where pins live: `memory` (this process only, lost on restart), `sqlite:PATH`,
    /// `postgres://…` (or `postgresql://…`), `redis://…`, `redis+cluster://host:port,host:port`
    /// (a Redis Cluster, through any of its nodes), or `none` (pinned requests fail with 400).
    #[arg(long, env = "UM_PINS", default_value = "memory")]
    pub pins: String,

    /// The PostgreSQL schema or the Redis key prefix of the pins.
    #[arg(long, env = "UM_PINS_NAMESPACE", default_value = "unified_message")]
    pub pins_namespace: String,

    /// Writes one JSON line per decision to this file (appended), or to standard output
    /// with `-`.
    #[arg(long, env = "UM_DECISION_LOG")]
    pub decision_log: Option<String>,

    /// Replaces customer ids in the decision log by their HMAC-SHA256 under the key of
    /// `--hash-key` (or `UM_HASH_KEY`), so that no personal id reaches the log while one
    /// customer's lines still share one value.
    #[arg(long)]
    pub hash_customer_ids: bool,

    /// The key of `--hash-customer-ids` (prefer the environment variable: a command line is
    /// visible to other users of the machine).
    #[arg(long, env = "UM_HASH_KEY", hide_env_values = true)]
    pub hash_key: Option<String>,

    /// Enables `PUT /v1/policy` (upload a policy) for requests bearing this token
    /// (`Authorization: Bearer TOKEN`): a token named `admin-token` with the `admin` scope,
    /// beside those of `--tokens-file`. Without an `admin` token the endpoint does not exist.
    #[arg(long, env = "UM_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// The largest request body, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body_bytes: usize,

    /// The most requests in one batch of `POST /v1/decide`.
    #[arg(long, default_value_t = 1000)]
    pub max_batch: usize,

    /// The most requests served at once; more get 503 at once (load shedding).
    #[arg(long, default_value_t = 512)]
    pub max_concurrency: usize,

    /// How long one request may take, in milliseconds; beyond it, 503. At most 86400000 (a
    /// day): a larger value is taken as a day.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,

    /// The largest policy file, in bytes (the file watched, and drafts sent to
    /// `/v1/check` are bounded by `--max-body-bytes`).
    #[arg(long, default_value_t = unified_message::limits::DEFAULT_MAX_POLICY_BYTES)]
    pub max_policy_bytes: usize,

    /// The most circumstances `POST /v1/check` goes through for one draft.
    #[arg(long, default_value_t = 200_000)]
    pub max_check_circumstances: u64,

    /// Do not watch the policy file (reload on SIGHUP only).
    #[arg(long)]
    pub no_watch: bool,

    /// Serve the policy playground at `/`: a page where a policy is written, checked and tried
    /// in the browser (its own endpoints under `/playground/api/`, which compile the draft
    /// sent to them, within their own limits; nothing of the served policy changes).
    #[arg(long, env = "UM_PLAYGROUND")]
    pub playground: bool,

    // Issue 30: connection limits and TLS (see `listener.rs`, `tls.rs`).
    /// How long a client has to send a request's line and headers, in milliseconds: from the
    /// connection's opening (TLS handshake included) or from the first byte of a later request
    /// on a kept-alive connection. Beyond it the connection is closed. At most 86400000 (a
    /// day): a larger value is taken as a day.
    #[arg(long, env = "UM_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,

    /// How long a kept-alive connection may wait for its next request, in milliseconds, before
    /// it is closed. At most 86400000 (a day): a larger value is taken as a day.
    #[arg(long, env = "UM_IDLE_TIMEOUT_MS", default_value_t = 60_000)]
    pub idle_timeout_ms: u64,

    /// The most connections open at once. Beyond it a new connection closes the oldest one that
    /// has no request in progress (idle, or still sending its headers) or, when all are busy, is
    /// closed at once. Kept below the open-file limit (`ulimit -n`) less a reserve for the
    /// service's own files, whatever the flag says.
    #[arg(long, env = "UM_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Serves HTTPS with this certificate chain (PEM, the server's certificate first); needs
    /// `--tls-key`. Both files are watched: a new pair is served to new connections.
    #[arg(long, env = "UM_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of `--tls-cert` (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "UM_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Serves only clients that show a certificate issued by a CA of this file (PEM; mutual
    /// TLS). Watched and reloaded with the certificate.
    #[arg(long, env = "UM_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    // Who may call (issue 30 points 2 and 4): tokens and host names.
    /// Requires a bearer token with the right scope on every endpoint but health, metrics
    /// and the OpenAPI document: a file of lines `NAME SCOPES SHA256-HEX` (scopes `decide`,
    /// `pin`, `check`, `admin`, `metrics`, comma-separated; the digest made with
    /// `printf %s "$TOKEN" | sha256sum`). Without it the service takes unauthenticated
    /// clients and says so at start.
    #[arg(long, env = "UM_TOKENS_FILE")]
    pub tokens_file: Option<PathBuf>,

    /// `/metrics` needs a token with the `metrics` scope (with `--tokens-file`).
    #[arg(long)]
    pub protect_metrics: bool,

    /// More host names the service answers (comma-separated; `name` for any port,
    /// `name:port` for one; `*` for any, when a proxy in front checks it). Always answered:
    /// `localhost`, `127.0.0.1`, `[::1]` and the listen address, with the port listened on or
    /// none (any IP address with that port when listening on every address). Other names get
    /// 421, so that a web page rebinding its DNS name to this address cannot use a browser.
    #[arg(long, env = "UM_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    // Issue 25 point 9b: readiness reflects the pin store.
    /// How often the pin store is probed (a read of a reserved key, bounded by the same time),
    /// in milliseconds: `/health/ready` answers 503 `pin_store_unavailable` while the last
    /// probe failed. At most 86400000 (a day): a larger value is taken as a day.
    #[arg(long, env = "UM_PINS_PROBE_MS", default_value_t = 1_000)]
    pub pins_probe_ms: u64,
}

/// The longest time limit a flag takes, in milliseconds (a day): times beyond it are taken as
/// it, so that no deadline (an `Instant` plus a limit) can overflow.
pub const MAX_TIME_LIMIT_MS: u64 = 86_400_000;

/// `ms` as a time limit: at least 1 ms, at most [`MAX_TIME_LIMIT_MS`].
pub fn time_limit(ms: u64) -> Duration {
    Duration::from_millis(ms.clamp(1, MAX_TIME_LIMIT_MS))
}

impl Args {
    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        time_limit(self.timeout_ms)
    }

    /// The header time limit of a connection.
    pub fn header_timeout(&self) -> Duration {
        time_limit(self.header_timeout_ms)
    }

    /// The idle time limit of a kept-alive connection.
    pub fn idle_timeout(&self) -> Duration {
        time_limit(self.idle_timeout_ms)
    }

    /// How often the pin store is probed.
    pub fn pins_probe(&self) -> Duration {
        time_limit(self.pins_probe_ms)
    }
}
