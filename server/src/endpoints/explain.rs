//! `POST /v1/explain`: decides one request and tells why, step by step.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::Response;
use unified_message::DecideRequest;

use super::{AppState, answer, json_object};
use crate::error::{ApiError, ErrorBody};
use crate::openapi::library;

/// Decides one request and tells why, step by step.
#[utoipa::path(
    post,
    path = "/v1/explain",
    tag = "decisions",
    security((), ("bearer" = ["decide"])),
    request_body(content = library::DecideRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The steps and the decision", body = library::ExplanationRecord,
            headers(("x-policy-revision" = String, description = "The revision that decided"))),
        (status = 400, description = "A bad request: `field` names the bad field", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out", body = ErrorBody),
    )
)]
pub async fn explain(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let request: DecideRequest = json_object(&headers, body)?;
    let loaded = shared.engine();
    let explanation = loaded.engine.explain(&request.contact, &request.responder);
    let body = explanation.to_record_with(&request.values);
    shared.metrics.latency(start.elapsed().as_secs_f64());
    Ok(answer(loaded.engine.revision(), &body))
}
