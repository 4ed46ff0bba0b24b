//! Who may call the API: bearer tokens with scopes, read from a file of token digests
//! (`--tokens-file`), never from the command line.
//!
//! Each line of the file is `NAME SCOPES SHA256-HEX`: a name for the logs (letters, digits,
//! `.`, `_`, `-`), the scopes the token grants separated by commas (`decide`, `pin`, `check`,
//! `admin`, `metrics`), and the hex SHA-256 of the token (`printf %s "$TOKEN" | sha256sum`).
//! Blank lines and lines starting with `#` are skipped. A request's token is hashed and
//! compared with every digest in constant time; the decision log names the token, never its
//! value.
//!
//! Which scope each endpoint needs ([`needed`]): `POST /v1/decide` `decide`, and `pin` with
//! `?pin=true`; `POST /v1/triage` and `/v1/explain` `decide`; `POST /v1/check` `check`;
//! `GET /v1/policy` any valid token (the reload errors in full with `admin`);
//! `PUT /v1/policy` `admin`; `/metrics` open, or `metrics` with `--protect-metrics`;
//! `/health/*` and `/v1/openapi.json` open. No token: 401 with `WWW-Authenticate: Bearer`
//! and code `unauthenticated` (`invalid_token` for a token that is not in the file); a
//! valid token without the scope: 403 with code `insufficient_scope`.
//!
//! Without `--tokens-file` the service takes unauthenticated clients, as before; the
//! `--admin-token` of earlier versions is a token named `admin-token` with the `admin` scope,
//! alone or beside the file's.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// A right a token grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// Decisions (`POST /v1/decide` without pins), triage and explain.
    Decide,
    /// Pinned decisions (`POST /v1/decide?pin=true`), which write pins.
    Pin,
    /// Compiling drafts (`POST /v1/check`).
    Check,
    /// Uploading a policy (`PUT /v1/policy`) and reading reload errors in full.
    Admin,
    /// The metrics, with `--protect-metrics`.
    Metrics,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [
        Scope::Decide,
        Scope::Pin,
        Scope::Check,
        Scope::Admin,
        Scope::Metrics,
    ];

    /// The scope's name in the tokens file.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Decide => "decide",
            Scope::Pin => "pin",
            Scope::Check => "check",
            Scope::Admin => "admin",
            Scope::Metrics => "metrics",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Scope::Decide => 1,
            Scope::Pin => 2,
            Scope::Check => 4,
            Scope::Admin => 8,
            Scope::Metrics => 16,
        }
    }

    fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One token the service knows: its name, its scopes and the SHA-256 of its value.
#[derive(Clone)]
struct Token {
    name: String,
    scopes: u8,
    digest: [u8; 32],
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the digest: a log line is no place for it either.
        f.debug_struct("Token")
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// The tokens a service takes, and whether a token is required at all.
#[derive(Clone, Debug, Default)]
pub struct Auth {
    tokens: Vec<Token>,
    required: bool,
    protect_metrics: bool,
}

/// The client a request was authenticated as (a request extension, read by the handlers).
#[derive(Clone, Debug)]
pub struct Client {
    /// The token's name in the tokens file; `None` for an unauthenticated client.
    pub token: Option<Arc<str>>,
    scopes: u8,
}

impl Client {
    /// Whether the client's token grants `scope`.
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes & scope.bit() != 0
    }
}

/// The name of the token made from `--admin-token`.
pub const ADMIN_TOKEN_NAME: &str = "admin-token";

impl Auth {
    /// The tokens of `tokens_file` (when given: then every protected endpoint needs a
    /// token) and of `admin_token` (a token named `admin-token` with the `admin` scope).
    ///
    /// # Errors
    ///
    /// When the file cannot be read, or a line is not `NAME SCOPES SHA256-HEX`: the message
    /// names the file, the line and the fix.
    pub fn load(
        tokens_file: Option<&Path>,
        admin_token: Option<&str>,
        protect_metrics: bool,
    ) -> Result<Auth, String> {
        let mut auth = Auth {
            tokens: Vec::new(),
            required: tokens_file.is_some(),
            protect_metrics,
        };
        if let Some(path) = tokens_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the tokens file `{}`: {e}", path.display()))?;
            auth.tokens = parse_tokens(&text)
                .map_err(|e| format!("the tokens file `{}`: {e}", path.display()))?;
        }
        match admin_token {
            None => {}
            Some("") => return Err("the admin token is empty".to_owned()),
            Some(token) => {
                if auth.tokens.iter().any(|t| t.name == ADMIN_TOKEN_NAME) {
                    return Err(format!(
                        "the tokens file names a token `{ADMIN_TOKEN_NAME}`, the name of the \
                         `--admin-token`: rename it, or leave `--admin-token` out"
                    ));
                }
                auth.tokens.push(Token {
                    name: ADMIN_TOKEN_NAME.to_owned(),
                    scopes: Scope::Admin.bit(),
                    digest: crate::sha256(token.as_bytes()),
                });
            }
        }
        if protect_metrics && !auth.required {
            return Err(
                "--protect-metrics needs --tokens-file (a token with the `metrics` scope)"
                    .to_owned(),
            );
        }
        Ok(auth)
    }

    /// Whether every protected endpoint needs a token (a tokens file was given).
    pub fn required(&self) -> bool {
        self.required
    }

    /// Whether some token may upload a policy (`PUT /v1/policy` exists then).
    pub fn upload_enabled(&self) -> bool {
        self.tokens
            .iter()
            .any(|t| t.scopes & Scope::Admin.bit() != 0)
    }

    /// How many tokens are known.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether no token is known.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The token whose value is `given`: every digest is compared, in constant time, so
    /// that the time taken tells nothing of which one matched or how much of it.
    fn find(&self, given: &str) -> Option<&Token> {
        let digest = crate::sha256(given.as_bytes());
        let mut found = None;
        for token in &self.tokens {
            if bool::from(token.digest.ct_eq(&digest)) {
                found = Some(token);
            }
        }
        found
    }

    /// Says at start what clients the service takes.
    pub fn log_start(&self) {
        if self.required {
            tracing::info!(
                tokens = self.tokens.len(),
                "clients authenticate with bearer tokens (--tokens-file)"
            );
        } else if self.upload_enabled() {
            tracing::warn!(
                "accepting unauthenticated clients for decisions, pins, triage, explain and \
                 check (pass --tokens-file to require tokens); policy upload needs the admin token"
            );
        } else {
            tracing::warn!(
                "accepting unauthenticated clients: anyone who reaches the service may decide \
                 and write pins (pass --tokens-file to require tokens)"
            );
        }
    }
}

/// Reads the lines of a tokens file.
fn parse_tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens: Vec<Token> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [name, scopes, digest] = fields.as_slice() else {
            return Err(format!(
                "line {n}: expected `NAME SCOPES SHA256-HEX` (three fields separated by spaces), \
                 found {} field(s)",
                fields.len()
            ));
        };
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(format!(
                "line {n}: the name `{name}` may hold only letters, digits, `.`, `_` and `-`"
            ));
        }
        if tokens.iter().any(|t| t.name == *name) {
            return Err(format!(
                "line {n}: the name `{name}` is already used by an earlier line; give each token \
                 a name of its own"
            ));
        }
        let mut bits = 0;
        for scope in scopes.split(',') {
            let Some(scope) = Scope::parse(scope) else {
                return Err(format!(
                    "line {n}: unknown scope `{scope}`; the scopes are {}, separated by commas",
                    Scope::ALL.map(Scope::as_str).join(", ")
                ));
            };
            bits |= scope.bit();
        }
        let Some(digest) = parse_hex(digest) else {
            return Err(format!(
                "line {n}: the third field must be the token's SHA-256 in hex (64 characters: \
                 `printf %s \"$TOKEN\" | sha256sum`), never the token itself"
            ));
        };
        if tokens.iter().any(|t| t.digest == digest) {
            return Err(format!(
                "line {n}: the token of `{name}` is the same as an earlier line's; make one token \
                 per client"
            ));
        }
        tokens.push(Token {
            name: (*name).to_owned(),
            scopes: bits,
            digest,
        });
    }
    Ok(tokens)
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let s = std::str::from_utf8(pair).ok()?;
        *o = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// What a request needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needed {
    /// Nothing: health, the OpenAPI document, unknown paths.
    Open,
    /// A valid token, of any scope.
    AnyToken,
    /// A token with this scope.
    Scope(Scope),
}

/// What `method` on `uri` needs, when tokens are required.
pub fn needed(method: &Method, uri: &Uri, protect_metrics: bool) -> Needed {
    // The handler reads the query the same way: a pin is written only when it says
    // `pin=true` (or a pinned route is asked), and then the `pin` scope was needed (a query it
    // cannot read is a 400 there, and writes nothing).
    if let Some(pinned) = crate::endpoints::decide::pinned(method, uri) {
        return Needed::Scope(if pinned { Scope::Pin } else { Scope::Decide });
    }
    match (method.as_str(), uri.path()) {
        ("POST", "/v1/triage" | "/v1/explain") => Needed::Scope(Scope::Decide),
        ("POST", "/v1/check") => Needed::Scope(Scope::Check),
        ("PUT", "/v1/policy") => Needed::Scope(Scope::Admin),
        ("GET" | "HEAD", "/v1/policy") => Needed::AnyToken,
        ("GET" | "HEAD", "/metrics") if protect_metrics => Needed::Scope(Scope::Metrics),
        _ => Needed::Open,
    }
}

fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The middleware: finds the request's token, refuses it when it lacks the scope the
/// endpoint needs, and hands the [`Client`] to the handlers.
pub async fn require(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    let client = match bearer(&request) {
        None => None,
        Some(given) => match auth.find(given) {
            Some(token) => Some(Client {
                token: Some(Arc::from(token.name.as_str())),
                scopes: token.scopes,
            }),
            None => {
                // A wrong token is refused wherever it is sent: a client with a stale token
                // learns it at once.
                return ApiError::InvalidToken.into_response();
            }
        },
    };
    let needed = needed(request.method(), request.uri(), auth.protect_metrics);
    let client = client.unwrap_or(Client {
        token: None,
        scopes: 0,
    });
    let allowed = match needed {
        Needed::Open => true,
        // No `admin` token: `PUT /v1/policy` does not exist (405).
        Needed::Scope(Scope::Admin) if !auth.upload_enabled() => true,
        // Without a tokens file everything is open but the upload.
        Needed::AnyToken if !auth.required => true,
        Needed::Scope(s) if !auth.required && s != Scope::Admin => true,
        Needed::AnyToken => client.token.is_some(),
        Needed::Scope(s) => client.has(s),
    };
    let check = match needed {
        _ if allowed => Ok(()),
        _ if client.token.is_none() => Err(None),
        Needed::Scope(s) => Err(Some(s)),
        Needed::Open | Needed::AnyToken => Ok(()),
    };
    match check {
        Ok(()) => {
            request.extensions_mut().insert(client);
            next.run(request).await
        }
        Err(None) => ApiError::Unauthenticated.into_response(),
        Err(Some(scope)) => ApiError::InsufficientScope {
            token: client.token.as_deref().unwrap_or("").to_owned(),
            scope,
        }
        .into_response(),
    }
}

/// A reload's errors as a client without the `admin` scope sees them: each error's code,
/// severity and place in the policy, with neither the message nor the hint (they may hold the
/// policy file's absolute path or the parser's words); the service's log has them in full.
pub fn redacted(errors: &[serde_json::Value]) -> Vec<serde_json::Value> {
    errors
        .iter()
        .map(|e| {
            let mut out = serde_json::Map::new();
            for key in ["code", "severity", "path"] {
                if let Some(v) = e.get(key) {
                    out.insert(key.to_owned(), v.clone());
                }
            }
            out.insert(
                "message".to_owned(),
                serde_json::Value::from(
                    "the policy file did not compile; the revision in force stays (the details \
                     are in the service's log, or in this answer with a token of the `admin` scope)",
                ),
            );
            out.insert(
                "hint".to_owned(),
                serde_json::Value::from("fix the policy file"),
            );
            serde_json::Value::Object(out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    const DIGEST: &str = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b";

    #[test]
    fn issue30_2_tokens_file_lines_and_their_errors() {
        let tokens = parse_tokens(&format!("# comment\n\nchatbot decide,pin {DIGEST}\n")).unwrap();
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].name, "chatbot");
        assert_eq!(tokens[0].scopes, Scope::Decide.bit() | Scope::Pin.bit());
        assert_eq!(tokens[0].digest, crate::sha256(b"secret"));
        let e = parse_tokens("chatbot decide secret\n").unwrap_err();
        assert!(e.contains("line 1") && e.contains("sha256sum"), "{e}");
        let e = parse_tokens(&format!("a decide,write {DIGEST}\n")).unwrap_err();
        assert!(e.contains("unknown scope `write`"), "{e}");
        let e = parse_tokens(&format!("a decide {DIGEST}\nb pin {DIGEST}\n")).unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = parse_tokens("a decide\n").unwrap_err();
        assert!(e.contains("three fields"), "{e}");
    }

    #[test]
    fn issue30_2_pin_true_needs_the_pin_scope() {
        let post = Method::POST;
        let uri = |s: &str| s.parse::<Uri>().unwrap();
        assert_eq!(
            needed(&post, &uri("/v1/decide?pin=true"), false),
            Needed::Scope(Scope::Pin)
        );
        assert_eq!(
            needed(&post, &uri("/v1/decide?pin=false"), false),
            Needed::Scope(Scope::Decide)
        );
        assert_eq!(
            needed(&post, &uri("/v1/decide"), false),
            Needed::Scope(Scope::Decide)
        );
        assert_eq!(needed(&Method::GET, &uri("/metrics"), false), Needed::Open);
        assert_eq!(
            needed(&Method::GET, &uri("/metrics"), true),
            Needed::Scope(Scope::Metrics)
        );
    }
}
