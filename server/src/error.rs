//! Every error of the API as JSON: `{"error": "…", "field": "…"}`, with the status that says
//! whose fault it is. Bad input is a 4xx, never a 500.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::wire::ErrorBody;

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error: message.into(),
                code: None,
                field: None,
                diagnostics: Vec::new(),
            },
        }
    }

    /// An error with `status`, the machine-readable `code` and `message`.
    pub fn coded(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        let mut e = ApiError::new(status, message);
        e.body.code = Some(code.to_owned());
        e
    }

    /// A 400 about `field`.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, message);
        e.body.field = Some(field.into());
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
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
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as JSON, with `Content-Type: application/json`",
        ));
    }
    let bytes = body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "the body is larger than the service's limit (`--max-body-bytes`); send a smaller batch",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {rejection}"),
            )
        }
    })?;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = cut(format!("invalid request: {inner}"));
        if path == "." || path.is_empty() {
            ApiError::new(StatusCode::BAD_REQUEST, message)
        } else {
            ApiError::field(path, message)
        }
    })?;
    de.end().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("invalid request: {e}: one JSON value per body"),
        )
    })?;
    Ok(value)
}
