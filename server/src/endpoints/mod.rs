//! The endpoints, one module each, as mini-redis has one module per command: each reads its
//! own request (body and query) and writes its own response. What they share is here: the
//! state they run on, the reading of a JSON body, and the writing of a JSON answer that names
//! the revision.

pub mod check;
pub mod decide;
pub mod explain;
pub mod health;
pub mod metrics;
pub mod policy;
pub mod triage;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ApiError;
use crate::state::Shared;

/// The header naming the revision that answered.
pub const REVISION_HEADER: &str = "x-policy-revision";
/// The header carrying the request id (the client's, or one made up).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The state every endpoint of the API runs on.
pub type AppState = Arc<Shared>;

/// A JSON response naming the revision that answered.
pub fn answer(revision: &str, body: &impl Serialize) -> Response {
    let mut response = match serde_json::to_vec(body) {
        Ok(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => ApiError::Internal(format!("cannot write the answer: {e}")).into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(revision) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REVISION_HEADER), value);
    }
    response
}

/// The request's id (set by the router's request-id layer), for the service's log.
pub fn request_id(headers: &HeaderMap) -> &str {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A boolean of a query string as HTTP clients write it: `true`, `True`, `1` (Python's
/// `str(True)`, a form's checkbox), or `false`, `False`, `0`.
pub(crate) fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let text = String::deserialize(deserializer)?;
    match text.as_str() {
        "true" | "True" | "1" => Ok(true),
        "false" | "False" | "0" => Ok(false),
        _ => Err(serde::de::Error::custom(format!(
            "`{text}` is not a boolean: send `true`, `True` or `1`, `false`, `False` or `0`"
        ))),
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

/// Whether the body is a JSON array: its first byte that is not blank is `[`.
pub fn is_array(body: &Result<Bytes, BytesRejection>) -> bool {
    matches!(
        body.as_ref()
            .ok()
            .and_then(|b| b.iter().find(|c| !c.is_ascii_whitespace())),
        Some(b'[')
    )
}

/// Reads a JSON body that must be an object, as [`json_body`] does; an array is refused
/// whole (serde would read it as the fields of `T` in order).
///
/// # Errors
///
/// As [`json_body`]; [`ApiError::InvalidRequest`] for an array.
pub fn json_object<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    if !is_array(&body) {
        return json_body(headers, body);
    }
    // The media type, the size and the syntax are told first, as for any body.
    json_body::<serde_json::Value>(headers, body)?;
    Err(ApiError::InvalidRequest {
        field: None,
        message: "invalid request: invalid type: sequence, expected a JSON object".to_owned(),
    })
}

/// Reads a JSON body: 415 unless it says `application/json`, 413 over the limit, 400 naming
/// the bad field otherwise.
///
/// # Errors
///
/// [`ApiError::UnsupportedMediaType`], [`ApiError::BodyTooLarge`], [`ApiError::InvalidJson`],
/// [`ApiError::InvalidRequest`] or [`ApiError::UnknownField`].
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
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge
        } else {
            ApiError::InvalidRequest {
                field: None,
                message: format!("cannot read the body: {rejection}"),
            }
        }
    })?;
    // What the schema says a fact's number is (issue 24 point 9), the library's rule for a
    // request's facts: an integer within ±(2^53 − 1), in any notation; a decimal, or a larger
    // integer, is asked for as a string.
    let text = std::str::from_utf8(&bytes).ok();
    if let Some(number) = text.and_then(unified_message::request::inexact_fact_number) {
        return Err(ApiError::InvalidRequest {
            field: None,
            message: cut(format!("invalid request: {number}")),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = cut(format!("invalid request: {inner}"));
        let field = (path != "." && !path.is_empty()).then_some(path);
        match inner.classify() {
            serde_json::error::Category::Data if inner.to_string().starts_with("unknown field") => {
                ApiError::UnknownField { field, message }
            }
            serde_json::error::Category::Data => ApiError::InvalidRequest { field, message },
            _ => ApiError::InvalidJson { field, message },
        }
    })?;
    de.end().map_err(|e| ApiError::InvalidJson {
        field: None,
        message: format!("invalid request: {e}: one JSON value per body"),
    })?;
    Ok(value)
}
