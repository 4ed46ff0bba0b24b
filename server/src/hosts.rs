//! The browser is not a way in: the service answers only the host names it is configured
//! for (`--allowed-hosts`), so that a web page whose DNS name is rebound to the service's
//! address cannot use a visitor's browser to decide or write pins; and every answer says
//! `X-Content-Type-Options: nosniff` and how long it may be cached.
//!
//! The default names are those a client on the machine uses: `localhost`, `127.0.0.1`,
//! `[::1]` and the listen address, each with the port listened on (or none); when the service
//! listens on every address (`0.0.0.0`, `[::]`), any IP address with that port too (an IP
//! address is never a rebound DNS name). `--allowed-hosts` adds names: `api.example.com` (any
//! port) or `api.example.com:8443` (that port only); `*` turns the check off (for a proxy in
//! front that checks the host itself). A request without a `Host` (HTTP/1.0) is served: every
//! browser sends one.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The ports a host name is answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Port {
    /// Any port (`--allowed-hosts name`).
    Any,
    /// This port only (`--allowed-hosts name:port`); a `Host` without a port means 80.
    Is(u16),
    /// This port, or none said (the defaults: a raw client on the machine may leave it out,
    /// and no rebound name is among them).
    IsOrAbsent(u16),
}

/// The host names the service answers.
#[derive(Clone, Debug)]
pub struct AllowedHosts {
    /// `(name, port)`: the name lowercase, without a trailing dot, IPv6 in brackets.
    names: Vec<(String, Port)>,
    /// Any IP address with this port (the service listens on every address).
    any_ip_on: Option<u16>,
    /// `*`: no check.
    any: bool,
    /// The requests refused, for the log (shared by the clones).
    refusals: Arc<Refusals>,
}

/// How often, at most, refused hosts are logged at `warn` (each one is logged at `debug`): the
/// clients choose the `Host`, and must not choose the log's volume.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// The requests refused since the last warning.
#[derive(Debug, Default)]
struct Refusals {
    count: AtomicU64,
    last_warning: Mutex<Option<Instant>>,
}

impl Refusals {
    /// Counts one refusal; when a warning is due (the first, then one per [`WARN_EVERY`]),
    /// how many were refused since the last one, this one included.
    fn refused(&self) -> Option<u64> {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut last = self
            .last_warning
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < WARN_EVERY) {
            return None;
        }
        *last = Some(now);
        Some(self.count.swap(0, Ordering::Relaxed))
    }
}

impl AllowedHosts {
    /// The defaults for `bound` and the names of `--allowed-hosts` (comma-separated).
    ///
    /// # Errors
    ///
    /// When a name is not a host name or has a bad port.
    pub fn new(bound: SocketAddr, extra: &[String]) -> Result<AllowedHosts, String> {
        let port = bound.port();
        let mut hosts = AllowedHosts {
            names: ["localhost", "127.0.0.1", "[::1]"]
                .into_iter()
                .map(|n| (n.to_owned(), Port::IsOrAbsent(port)))
                .collect(),
            any_ip_on: bound.ip().is_unspecified().then_some(port),
            any: false,
            refusals: Arc::default(),
        };
        let ip = match bound.ip() {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        hosts.names.push((ip, Port::IsOrAbsent(port)));
        for entry in extra.iter().flat_map(|e| e.split(',')) {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                hosts.any = true;
                continue;
            }
            let (name, port) = split_host(entry).ok_or_else(|| {
                format!(
                    "--allowed-hosts: `{entry}` is not a host name (`api.example.com`, \
                     `api.example.com:8443`, `10.0.0.5`, `[::1]:8080` or `*`)"
                )
            })?;
            hosts.names.push((name, port.map_or(Port::Any, Port::Is)));
        }
        Ok(hosts)
    }

    /// Whether `host` (a `Host` header's value) is one the service answers.
    pub fn allows(&self, host: &str) -> bool {
        if self.any {
            return true;
        }
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        if let Some(on) = self.any_ip_on {
            let bare = name.trim_start_matches('[').trim_end_matches(']');
            if port == Some(on) && bare.parse::<IpAddr>().is_ok() {
                return true;
            }
        }
        self.names.iter().any(|(n, p)| {
            *n == name
                && match (*p, port) {
                    (Port::Any, _) | (Port::IsOrAbsent(_), None) => true,
                    (Port::Is(p) | Port::IsOrAbsent(p), Some(q)) => p == q,
                    // No port in the header: the scheme's (80 for plain HTTP).
                    (Port::Is(p), None) => p == 80,
                }
        })
    }
}

/// `name[:port]` as `(lowercase name without a trailing dot, port)`.
fn split_host(text: &str) -> Option<(String, Option<u16>)> {
    let text = text.trim();
    let (name, port) = if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        inside.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (format!("[{}]", inside.to_ascii_lowercase()), port)
    } else {
        match text.rsplit_once(':') {
            Some((n, p)) => (n.to_owned(), Some(p)),
            None => (text.to_owned(), None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().ok()?),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let plain = !name.is_empty()
        && (name.starts_with('[')
            || name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')));
    plain.then_some((name, port))
}

/// The middleware: a request for a host the service does not answer gets 421 with the code
/// `host_not_allowed`, before any handler sees it.
pub async fn check(
    State(hosts): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    // The `Host` header, and the authority of a request in absolute form (`POST
    // http://name/v1/decide`), which a server is to prefer: both must be allowed.
    let header_host = request
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("\u{fffd}"));
    let uri_host = request.uri().authority().map(|a| a.as_str());
    let refused = [header_host, uri_host]
        .into_iter()
        .flatten()
        .find(|host| !hosts.allows(host));
    match refused {
        Some(host) => {
            let shown = host.get(..100).unwrap_or(host);
            tracing::debug!(
                host = shown,
                "refused a request for a host name the service does not answer"
            );
            if let Some(refused) = hosts.refusals.refused() {
                tracing::warn!(
                    refused,
                    last_host = shown,
                    "refused requests for host names the service does not answer (since the \
                     last such warning; at most one a minute, each one at debug)"
                );
            }
            // The body was not read: the error closes the connection.
            ApiError::HostNotAllowed.into_response()
        }
        None => next.run(request).await,
    }
}

/// The middleware adding `X-Content-Type-Options: nosniff` to every answer, and a
/// `Cache-Control` to those without one: the OpenAPI document may be cached for five
/// minutes; everything else (decisions, pins, the policy, errors) is `no-store`.
pub async fn headers(request: Request, next: Next) -> Response {
    let cacheable = request.uri().path() == "/v1/openapi.json";
    let mut response = next.run(request).await;
    let cacheable = cacheable && response.status().is_success();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if cacheable {
                "public, max-age=300"
            } else {
                "no-store"
            }),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn issue30_4_default_hosts_are_the_listen_address_and_localhost() {
        let hosts = AllowedHosts::new("127.0.0.1:8080".parse().unwrap(), &[]).unwrap();
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST.:8080",
            "[::1]:8080",
            "localhost",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "rebind.attacker.example:8080",
            "rebind.attacker.example",
            "localhost:9999",
            "10.0.0.5:8080",
            "",
            "a b",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
        let every = AllowedHosts::new(
            "0.0.0.0:8080".parse().unwrap(),
            &["api.example.com,Other.example:8443".to_owned()],
        )
        .unwrap();
        assert!(every.allows("10.0.0.5:8080"));
        assert!(every.allows("[fe80::1]:8080"));
        assert!(every.allows("api.example.com:1234"));
        assert!(every.allows("other.example:8443"));
        assert!(!every.allows("other.example:8080"));
        assert!(!every.allows("rebind.attacker.example:8080"));
        assert!(AllowedHosts::new("127.0.0.1:1".parse().unwrap(), &["a/b".to_owned()]).is_err());
        let any = AllowedHosts::new("127.0.0.1:1".parse().unwrap(), &["*".to_owned()]).unwrap();
        assert!(any.allows("rebind.attacker.example"));
    }
}
