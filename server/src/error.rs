//! Every error of the API as JSON: `{"error": "…", "code": "…", "field": "…"}`, with the
//! status that says whose fault it is. Bad input is a 4xx, never a 500.
//!
//! Every code the service answers is an [`ErrorCode`]: its name on the wire
//! ([`ErrorCode::as_str`]), its HTTP status and whether retrying can help are listed here, in
//! one place; `docs/service.md` holds the table [`ErrorCode::markdown_table`] writes (a test
//! compares them).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wire::ErrorBody;

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

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
}

impl ApiError {
    /// An error with `code` (and its status) and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status: code.status(),
            body: ErrorBody {
                error: message.into(),
                code,
                field: None,
                diagnostics: Vec::new(),
            },
        }
    }

    /// An error with `code` about `field`.
    pub fn field(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = ApiError::new(code, message);
        e.body.field = Some(field.into());
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.body.code.retry_after();
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The longest error message, in characters: a message quoting a long value is cut.
const MESSAGE: usize = 500;

fn cut(message: String) -> String {
    if message.chars().count() <= MESSAGE {
        return message;
    }
    let mut out: String = message.chars().take(MESSAGE).collect();
    out.push('…');
    out
}

/// Reads a JSON body: 415 unless it says `application/json`, 413 over the limit, 400 naming
/// the bad field otherwise.
pub fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| {
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        });
    if !is_json {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON, with `Content-Type: application/json`",
        ));
    }
    let bytes = body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::BodyTooLarge,
                "the body is larger than the service's limit (`--max-body-bytes`); send a smaller batch",
            )
        } else {
            ApiError::new(
                ErrorCode::InvalidRequest,
                format!("cannot read the body: {rejection}"),
            )
        }
    })?;
    // A number with more digits than a double holds would be rounded by the parser, so a fact
    // of `0.30000000000000000001` would match a rule on `0.3` (issue 25 point 5): refused, as
    // the library refuses it in policies and request lines.
    if let Some((at, number)) = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| unified_message::document::inexact_number(text, false))
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            cut(format!(
                "invalid request: the number `{number}` (byte {at}) has more significant digits \
                 than a fact compares exactly; send it as a string (\"{number}\") to compare it \
                 as written"
            )),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let code = match inner.classify() {
            serde_json::error::Category::Data if inner.to_string().starts_with("unknown field") => {
                ErrorCode::UnknownField
            }
            serde_json::error::Category::Data => ErrorCode::InvalidRequest,
            _ => ErrorCode::InvalidJson,
        };
        let message = cut(format!("invalid request: {inner}"));
        if path == "." || path.is_empty() {
            ApiError::new(code, message)
        } else {
            ApiError::field(code, path, message)
        }
    })?;
    de.end().map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("invalid request: {e}: one JSON value per body"),
        )
    })?;
    Ok(value)
}
