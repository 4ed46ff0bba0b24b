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
    // What the schema says a fact's number is (issue 24 point 9): an integer (in any notation,
    // `2.0` and `1e3` included) that a double keeps exactly, within ±(2^53 − 1). Any other
    // number is refused, and asked for as a string: one with more digits than a double holds
    // would be rounded by the parser, so a fact of `0.30000000000000000001` would match a rule
    // on `0.3` (issue 25 point 5), as the library refuses it in policies and request lines.
    if let Some((at, number)) = std::str::from_utf8(&bytes).ok().and_then(non_integer) {
        let message = if unified_message::document::inexact_number(number, false).is_some() {
            format!(
                "invalid request: the number `{number}` (byte {at}) has more significant digits \
                 than a fact compares exactly; send it as a string (\"{number}\") to compare it \
                 as written"
            )
        } else {
            format!(
                "invalid request: the number `{number}` (byte {at}) is not an integer within \
                 ±(2^53 − 1); send it as a string (\"{number}\") to compare it as written"
            )
        };
        return Err(ApiError::InvalidRequest {
            field: None,
            message: cut(message),
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

/// The largest integer a double keeps exactly, and every one below it: 2^53 − 1.
const EXACT: u64 = (1 << 53) - 1;

/// Whether the JSON number `token` is an integer within ±(2^53 − 1), in whatever notation
/// (`-0`, `2.0`, `1e3`, `1500e-1`), read as decimal text: never rounded.
fn exact_integer(token: &str) -> bool {
    let unsigned = token.strip_prefix('-').unwrap_or(token);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(e) => (
            unsigned.get(..e).unwrap_or(""),
            unsigned.get(e + 1..).unwrap_or(""),
        ),
        None => (unsigned, "0"),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let Ok(exponent) = exponent
        .strip_prefix('+')
        .unwrap_or(exponent)
        .parse::<i64>()
    else {
        return false;
    };
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|c| c.is_ascii_digit())
    {
        return false;
    }
    // The digits, and where the point stands among them once the exponent is applied.
    let digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).collect();
    let Ok(point) = i64::try_from(whole.len()).map(|w| w.saturating_add(exponent)) else {
        return false;
    };
    let mut value: u64 = 0;
    for (i, &d) in digits.iter().enumerate() {
        let digit = u64::from(d - b'0');
        let Ok(place) = i64::try_from(i) else {
            return false;
        };
        if place >= point {
            // Past the point: only zeros keep the number whole.
            if digit != 0 {
                return false;
            }
            continue;
        }
        value = match value.checked_mul(10).and_then(|v| v.checked_add(digit)) {
            Some(v) if v <= EXACT => v,
            _ => return false,
        };
    }
    // Zeros the exponent adds after the digits.
    let shown = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    for _ in shown..point {
        value = match value.checked_mul(10) {
            Some(v) if v <= EXACT => v,
            _ => return false,
        };
        if value == 0 {
            // `0e400`: zero whatever the exponent.
            break;
        }
    }
    true
}

/// The first number of the JSON text `text` (outside its strings) that is not an integer
/// within ±(2^53 − 1), with its byte offset.
fn non_integer(text: &str) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += if c == b'\\' { 2 } else { 1 };
                    if c == b'"' {
                        break;
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || b"+-.eE".contains(c))
                {
                    i += 1;
                }
                let token = text.get(start..i).unwrap_or("");
                if !exact_integer(token) {
                    return Some((start, token));
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::non_integer;

    #[test]
    fn issue24_9_a_number_is_an_integer_within_2_53() {
        for text in [
            r#"{"a": 1, "b": -9007199254740991, "c": 9007199254740991, "d": [0, -0]}"#,
            r#"{"a": 2.0, "b": 1e3, "c": 1500e-1, "d": -9007199254740991.0, "e": 0e400, "f": 1E+2}"#,
            r#"{"a": "1.5 and 1e300", "b\"1.5": "x\\", "c": true}"#,
        ] {
            assert_eq!(non_integer(text), None, "{text}");
        }
        for (text, number) in [
            (r#"{"a": 1.5}"#, "1.5"),
            (r#"{"a": 9007199254740992}"#, "9007199254740992"),
            (r#"{"a": -9007199254740992}"#, "-9007199254740992"),
            (r#"{"a": 1e16}"#, "1e16"),
            (r#"{"a": 1.25e1}"#, "1.25e1"),
            (r#"{"a": 9007199254740991.5}"#, "9007199254740991.5"),
            (r#"{"a": 0.30000000000000000001}"#, "0.30000000000000000001"),
            (r#"{"a": "\\", "b": 2.5}"#, "2.5"),
        ] {
            assert_eq!(non_integer(text).unwrap().1, number, "{text}");
        }
    }
}
