//! Every error of the API as JSON: `{"error": "…", "code": "…", "field": "…"}`, with the
//! status that says whose fault it is. Bad input is a 4xx, never a 500.
//!
//! Every code the service answers is an [`ErrorCode`]: its name on the wire
//! ([`ErrorCode::as_str`]), its HTTP status and whether retrying can help are listed here, in
//! one place; `docs/service.md` holds the table [`ErrorCode::markdown_table`] writes (a test
//! compares them). Every error the service answers is an [`ApiError`], typed by what went
//! wrong: its code, message, field and headers are derived from it here, in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The machine-readable code of an error: stable names a program acts on, whatever the
/// message says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The body is not sent as `application/json`.
    UnsupportedMediaType,
    /// The body is not JSON (a syntax error, a truncated body, two values).
    InvalidJson,
    /// The body is JSON but not a request: a field of the wrong type, a missing field, a bad
    /// value; `field` names it.
    InvalidRequest,
    /// The body has a field the endpoint does not know; `field` names where.
    UnknownField,
    /// The query string is not the endpoint's (`?pin=maybe`).
    InvalidQuery,
    /// The command line's input (`unified-message`) cannot be read, is over
    /// `--max-input-bytes`, or is not what the command takes. The CLI's code: kept in this
    /// list so that every code of the project is in one place.
    InvalidInput,
    /// The body is over `--max-body-bytes`.
    BodyTooLarge,
    /// The batch is over `--max-batch` requests.
    BatchTooLarge,
    /// A customer id no pin store can hold (a NUL, over 1,024 bytes).
    InvalidCustomerId,
    /// `?pin=true` on a service without `--pins`.
    PinsNotConfigured,
    /// An uploaded policy does not compile; `diagnostics` says why.
    PolicyInvalid,
    /// No bearer token where one is needed.
    Unauthenticated,
    /// A bearer token the service does not know.
    InvalidToken,
    /// A token without the scope the endpoint needs.
    InsufficientScope,
    /// No such endpoint.
    NotFound,
    /// The endpoint does not take this method.
    MethodNotAllowed,
    /// A `Host` the service does not answer.
    HostNotAllowed,
    /// The pin store cannot be reached or failed: nothing was delivered.
    PinStoreUnavailable,
    /// The customer's pin was written under a newer policy than this node's: another node
    /// (on the newer revision) can answer; this one withholds its older text.
    PinAhead,
    /// The customer's pin kept changing under every attempt (other nodes answering the same
    /// customer at the same moment).
    PinContention,
    /// Too many requests in flight (`--max-concurrency`).
    Overloaded,
    /// The request took longer than `--timeout-ms`.
    Timeout,
    /// The service is shutting down.
    Stopping,
    /// The service failed on its side (never for bad input).
    Internal,
}

impl ErrorCode {
    /// Every code, in the order of the documentation's table.
    pub const ALL: [ErrorCode; 24] = [
        ErrorCode::UnsupportedMediaType,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidRequest,
        ErrorCode::UnknownField,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidInput,
        ErrorCode::BodyTooLarge,
        ErrorCode::BatchTooLarge,
        ErrorCode::InvalidCustomerId,
        ErrorCode::PinsNotConfigured,
        ErrorCode::PolicyInvalid,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidToken,
        ErrorCode::InsufficientScope,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::HostNotAllowed,
        ErrorCode::PinStoreUnavailable,
        ErrorCode::PinAhead,
        ErrorCode::PinContention,
        ErrorCode::Overloaded,
        ErrorCode::Timeout,
        ErrorCode::Stopping,
        ErrorCode::Internal,
    ];

    /// The code on the wire (`pin_ahead`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::BatchTooLarge => "batch_too_large",
            ErrorCode::InvalidCustomerId => "invalid_customer_id",
            ErrorCode::PinsNotConfigured => "pins_not_configured",
            ErrorCode::PolicyInvalid => "policy_invalid",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::HostNotAllowed => "host_not_allowed",
            ErrorCode::PinStoreUnavailable => "pin_store_unavailable",
            ErrorCode::PinAhead => "pin_ahead",
            ErrorCode::PinContention => "pin_contention",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Stopping => "stopping",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status answered with the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::InvalidJson
            | ErrorCode::InvalidRequest
            | ErrorCode::UnknownField
            | ErrorCode::InvalidQuery
            | ErrorCode::InvalidInput
            | ErrorCode::InvalidCustomerId
            | ErrorCode::PinsNotConfigured => StatusCode::BAD_REQUEST,
            ErrorCode::BodyTooLarge | ErrorCode::BatchTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PolicyInvalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Unauthenticated | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
            ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::HostNotAllowed => StatusCode::MISDIRECTED_REQUEST,
            ErrorCode::PinStoreUnavailable
            | ErrorCode::PinAhead
            | ErrorCode::PinContention
            | ErrorCode::Overloaded
            | ErrorCode::Timeout
            | ErrorCode::Stopping => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether sending the same request again (later, or to another node) can succeed.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::PinStoreUnavailable
                | ErrorCode::PinAhead
                | ErrorCode::PinContention
                | ErrorCode::Overloaded
                | ErrorCode::Timeout
                | ErrorCode::Stopping
        )
    }

    /// The `Retry-After` answered with the code, in seconds: for the codes another node (or
    /// this one, shortly) can answer.
    pub fn retry_after(self) -> Option<u32> {
        self.retryable().then_some(1)
    }

    /// What the code means and what to do, for the documentation's table.
    pub fn meaning(self) -> &'static str {
        match self {
            ErrorCode::UnsupportedMediaType => "the body is not sent as `application/json`",
            ErrorCode::InvalidJson => "the body is not JSON",
            ErrorCode::InvalidRequest => "the body is not a request: `field` names the bad field",
            ErrorCode::UnknownField => "the body has a field the endpoint does not know (`field`)",
            ErrorCode::InvalidQuery => "the query string is not the endpoint's (`?pin=maybe`)",
            ErrorCode::InvalidInput => {
                "the CLI's input cannot be read, is over `--max-input-bytes`, or is not what the command takes"
            }
            ErrorCode::BodyTooLarge => "the body is over `--max-body-bytes`",
            ErrorCode::BatchTooLarge => "the batch is over `--max-batch` requests: split it",
            ErrorCode::InvalidCustomerId => {
                "a customer id no pin store can hold (a NUL, over 1,024 bytes): `contact.customer`"
            }
            ErrorCode::PinsNotConfigured => "`?pin=true` on a service without `--pins`",
            ErrorCode::PolicyInvalid => {
                "an uploaded policy does not compile (`diagnostics`); the one in force stays"
            }
            ErrorCode::Unauthenticated => "no bearer token where one is needed",
            ErrorCode::InvalidToken => "a bearer token the service does not know",
            ErrorCode::InsufficientScope => "the token lacks the scope the endpoint needs",
            ErrorCode::NotFound => "no such endpoint",
            ErrorCode::MethodNotAllowed => "the endpoint does not take this method",
            ErrorCode::HostNotAllowed => "a `Host` the service does not answer",
            ErrorCode::PinStoreUnavailable => {
                "the pin store cannot be reached or failed; nothing was delivered"
            }
            ErrorCode::PinAhead => {
                "the customer's pin is from a newer policy than this node's: another node answers"
            }
            ErrorCode::PinContention => {
                "the customer's pin kept changing under every attempt (other nodes at once)"
            }
            ErrorCode::Overloaded => "too many requests in flight (`--max-concurrency`)",
            ErrorCode::Timeout => "the request took longer than `--timeout-ms`",
            ErrorCode::Stopping => "the service is shutting down",
            ErrorCode::Internal => "the service failed on its side",
        }
    }

    /// The table of every code, as `docs/service.md` shows it (Markdown).
    pub fn markdown_table() -> String {
        let mut out = String::from("| Code | Status | Retry | When |\n|---|---|---|---|\n");
        for code in ErrorCode::ALL {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                code.as_str(),
                code.status().as_u16(),
                if code.retryable() { "yes" } else { "no" },
                code.meaning()
            ));
        }
        out
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error of the API, as JSON: what is wrong, and the field at fault when there is one.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// What is wrong, and how to fix it.
    pub error: String,
    /// The machine-readable code: one of a fixed list, with its status and whether a retry
    /// can help (`docs/service.md`, "Error codes").
    pub code: ErrorCode,
    /// The path of the bad field in the request body (`contact.channel`, `[2].responder`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A draft policy's errors, for an upload that does not compile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(schema_with = crate::openapi::diagnostics)]
    pub diagnostics: Vec<serde_json::Value>,
}

/// Every error the API answers, typed by what went wrong. Its code (and so its status and
/// whether a retry helps), its message and the field at fault are derived here, in one place
/// ([`ApiError::code`], [`ApiError::body`]); [`IntoResponse`] adds `Retry-After` for the
/// retryable codes, and `Connection: close` (with `WWW-Authenticate` for a token) where the
/// body was never read.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApiError {
    /// The body is not sent as `application/json`.
    UnsupportedMediaType,
    /// The body is over `--max-body-bytes`.
    BodyTooLarge,
    /// The body is not JSON (`field` where the parser stopped, when it knows).
    InvalidJson {
        /// The path of the field, when there is one.
        field: Option<String>,
        /// What the parser says.
        message: String,
    },
    /// The body is JSON but not the endpoint's request.
    InvalidRequest {
        /// The path of the bad field, when there is one.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The body has a field the endpoint does not know.
    UnknownField {
        /// Where.
        field: Option<String>,
        /// What the parser says.
        message: String,
    },
    /// The query string is not the endpoint's.
    InvalidQuery {
        /// The parameter.
        field: &'static str,
        /// What the query parser says.
        message: String,
    },
    /// The batch has more requests than `--max-batch`.
    BatchTooLarge {
        /// The requests sent.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A pinned decision on a service without `--pins`.
    PinsNotConfigured,
    /// A customer id no pin store can hold.
    InvalidCustomerId {
        /// `contact.customer` (or `[i].contact.customer` in a batch).
        field: String,
        /// The store's reason.
        message: String,
    },
    /// The customer's pin is from a newer policy than this node's.
    PinAhead(String),
    /// The customer's pin kept moving.
    PinContention(String),
    /// The pin store failed.
    PinStoreFailed(String),
    /// The pin store's blocking task could not finish.
    PinTask(String),
    /// A pinned item not decided: the request's time limit ran out before it.
    NotDecided {
        /// The item's `contact.customer`.
        field: String,
    },
    /// A pinned item whose store call did not answer within the time left.
    PinTimeout {
        /// The item's `contact.customer`.
        field: String,
    },
    /// An uploaded policy does not compile (the one in force stays).
    PolicyInvalid(Vec<unified_message::Diagnostic>),
    /// No bearer token where one is needed.
    Unauthenticated,
    /// A bearer token the service does not know.
    InvalidToken,
    /// A token without the scope the endpoint needs.
    InsufficientScope {
        /// The token's name.
        token: String,
        /// The scope needed.
        scope: crate::auth::Scope,
    },
    /// A `Host` the service does not answer.
    HostNotAllowed,
    /// No such endpoint.
    NotFound,
    /// The endpoint does not take this method.
    MethodNotAllowed,
    /// The request took longer than `--timeout-ms`.
    Timeout,
    /// Too many requests in flight.
    Overloaded,
    /// The service is shutting down.
    Stopping,
    /// The service failed on its side.
    Internal(String),
}

impl ApiError {
    /// The machine-readable code (and so the status).
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            ApiError::BodyTooLarge => ErrorCode::BodyTooLarge,
            ApiError::InvalidJson { .. } => ErrorCode::InvalidJson,
            ApiError::InvalidRequest { .. } => ErrorCode::InvalidRequest,
            ApiError::UnknownField { .. } => ErrorCode::UnknownField,
            ApiError::InvalidQuery { .. } => ErrorCode::InvalidQuery,
            ApiError::BatchTooLarge { .. } => ErrorCode::BatchTooLarge,
            ApiError::PinsNotConfigured => ErrorCode::PinsNotConfigured,
            ApiError::InvalidCustomerId { .. } => ErrorCode::InvalidCustomerId,
            ApiError::PinAhead(_) => ErrorCode::PinAhead,
            ApiError::PinContention(_) => ErrorCode::PinContention,
            ApiError::PinStoreFailed(_) | ApiError::PinTask(_) => ErrorCode::PinStoreUnavailable,
            ApiError::NotDecided { .. } | ApiError::PinTimeout { .. } | ApiError::Timeout => {
                ErrorCode::Timeout
            }
            ApiError::PolicyInvalid(_) => ErrorCode::PolicyInvalid,
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::InvalidToken => ErrorCode::InvalidToken,
            ApiError::InsufficientScope { .. } => ErrorCode::InsufficientScope,
            ApiError::HostNotAllowed => ErrorCode::HostNotAllowed,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ApiError::Overloaded => ErrorCode::Overloaded,
            ApiError::Stopping => ErrorCode::Stopping,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.code().status()
    }

    /// The path of the field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::InvalidJson { field, .. }
            | ApiError::InvalidRequest { field, .. }
            | ApiError::UnknownField { field, .. } => field.as_deref(),
            ApiError::InvalidQuery { field, .. } => Some(field),
            ApiError::PinsNotConfigured => Some("pin"),
            ApiError::InvalidCustomerId { field, .. }
            | ApiError::NotDecided { field }
            | ApiError::PinTimeout { field } => Some(field),
            _ => None,
        }
    }

    /// What is wrong, and how to fix it.
    pub fn message(&self) -> String {
        match self {
            ApiError::UnsupportedMediaType => {
                "send the body as JSON, with `Content-Type: application/json`".to_owned()
            }
            ApiError::BodyTooLarge => "the body is larger than the service's limit \
                                       (`--max-body-bytes`); send a smaller batch"
                .to_owned(),
            ApiError::InvalidJson { message, .. }
            | ApiError::InvalidRequest { message, .. }
            | ApiError::UnknownField { message, .. }
            | ApiError::InvalidQuery { message, .. }
            | ApiError::InvalidCustomerId { message, .. }
            | ApiError::PinTask(message)
            | ApiError::Internal(message) => message.clone(),
            ApiError::BatchTooLarge { len, max } => format!(
                "the batch has {len} requests, more than the limit of {max} (`--max-batch`); split it"
            ),
            ApiError::PinsNotConfigured => "this service has no pin store: start it with \
                                            `--pins memory|sqlite:PATH|postgres://…|redis://…`"
                .to_owned(),
            ApiError::PinAhead(e) => format!(
                "the customer's pin is from a newer policy than this node's; nothing was \
                 delivered: retry on a node that runs the newer revision: {e}"
            ),
            ApiError::PinContention(e) => {
                format!("nothing was delivered for this customer; retry: {e}")
            }
            ApiError::PinStoreFailed(e) => {
                format!("the pin store failed, so nothing may be delivered for this customer: {e}")
            }
            ApiError::NotDecided { .. } => "not decided: the request used the service's time \
                                            limit (`--timeout-ms`) before this item; nothing was \
                                            delivered for it and no pin written: send it again, \
                                            or send smaller batches"
                .to_owned(),
            ApiError::PinTimeout { .. } => "not delivered: the pin store did not answer within \
                                            the service's time limit (`--timeout-ms`); the pin \
                                            may have been written all the same: send it again \
                                            (a pin written answers `kept`, with the same message)"
                .to_owned(),
            ApiError::PolicyInvalid(_) => {
                "the policy does not compile; the revision in force stays".to_owned()
            }
            ApiError::Unauthenticated => {
                "this endpoint needs a token: send `Authorization: Bearer TOKEN`".to_owned()
            }
            ApiError::InvalidToken => "the bearer token is not one of the service's tokens; \
                                       send a token of `--tokens-file` as `Authorization: \
                                       Bearer TOKEN`"
                .to_owned(),
            ApiError::InsufficientScope { token, scope } => format!(
                "the token `{token}` lacks the `{scope}` scope this endpoint needs; add \
                 `{scope}` to its scopes in the tokens file"
            ),
            ApiError::HostNotAllowed => "this service does not answer this host name; if it \
                                         is the service's own name, add it to `--allowed-hosts`"
                .to_owned(),
            ApiError::NotFound => "no such endpoint: see /v1/openapi.json".to_owned(),
            ApiError::MethodNotAllowed => {
                "this endpoint does not take this method: see /v1/openapi.json".to_owned()
            }
            ApiError::Timeout => {
                "the request took longer than the service's limit (`--timeout-ms`)".to_owned()
            }
            ApiError::Overloaded => {
                "too many requests in flight (`--max-concurrency`); retry shortly".to_owned()
            }
            ApiError::Stopping => "the service is stopping".to_owned(),
        }
    }

    /// The body answered (for a pinned batch, one item's answer).
    pub fn body(self) -> ErrorBody {
        let error = self.message();
        let field = self.field().map(str::to_owned);
        let code = self.code();
        let diagnostics = match self {
            ApiError::PolicyInvalid(diagnostics) => diagnostics
                .iter()
                .filter_map(|d| serde_json::to_value(d).ok())
                .collect(),
            _ => Vec::new(),
        };
        ErrorBody {
            error,
            code,
            field,
            diagnostics,
        }
    }

    /// The `WWW-Authenticate` challenge of a refused token (RFC 6750).
    fn challenge(&self) -> Option<String> {
        let realm = "Bearer realm=\"unified-message\"";
        match self {
            ApiError::Unauthenticated => Some(realm.to_owned()),
            ApiError::InvalidToken => Some(format!("{realm}, error=\"invalid_token\"")),
            ApiError::InsufficientScope { scope, .. } => Some(format!(
                "{realm}, error=\"insufficient_scope\", scope=\"{scope}\""
            )),
            _ => None,
        }
    }

    /// Whether the error is answered before the body was read (a refused token or host):
    /// the connection cannot carry another request.
    fn body_unread(&self) -> bool {
        matches!(
            self,
            ApiError::Unauthenticated
                | ApiError::InvalidToken
                | ApiError::InsufficientScope { .. }
                | ApiError::HostNotAllowed
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.code().retry_after();
        let challenge = self.challenge();
        let close = self.body_unread();
        let mut response = (status, axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if close {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
