//! `POST /v1/triage`: places the customer's own words on a topic.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AppState, answer, json_object};
use crate::error::{ApiError, ErrorBody};
use crate::openapi::composite::TriageResponse;

/// The body of `POST /v1/triage`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    /// The customer's own words.
    pub text: String,
    /// Their locale; the policy's default when absent or unknown.
    #[serde(default)]
    pub locale: Option<String>,
}

/// The answer: the library's `TriageResult` and the revision that triaged.
#[derive(Serialize)]
struct Triaged<'a> {
    revision: &'a str,
    #[serde(flatten)]
    result: unified_message::TriageResult,
}

/// Places the customer's own words on a topic.
#[utoipa::path(
    post,
    path = "/v1/triage",
    tag = "decisions",
    security((), ("bearer" = ["decide"])),
    request_body(content = TriageRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The topic, the confidence and the evidence", body = TriageResponse,
            headers(("x-policy-revision" = String, description = "The revision that triaged"))),
        (status = 400, description = "A bad request: `field` names the bad field", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out", body = ErrorBody),
    )
)]
pub async fn triage(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let request: TriageRequest = json_object(&headers, body)?;
    let loaded = shared.engine();
    let result = loaded
        .engine
        .triage(&request.text, request.locale.as_deref().unwrap_or(""));
    let revision = loaded.engine.revision();
    shared.metrics.latency(start.elapsed().as_secs_f64());
    Ok(answer(revision, &Triaged { revision, result }))
}
