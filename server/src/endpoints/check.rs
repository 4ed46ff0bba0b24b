//! `POST /v1/check`: compiles and checks a draft policy, without serving it.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use unified_message::check::Report;
use utoipa::ToSchema;

use super::{AppState, json_object};
use crate::draft::PolicyText;
use crate::error::{ApiError, ErrorBody};

/// The response of `POST /v1/check`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckResponse {
    /// No errors: the policy can be served.
    pub ok: bool,
    /// How many errors.
    pub errors: usize,
    /// How many warnings.
    pub warnings: usize,
    /// How many circumstances the check went through (0 when the policy did not compile).
    pub circumstances: u64,
    /// The diagnostics, with line and column for TOML.
    #[schema(schema_with = crate::openapi::diagnostics)]
    pub diagnostics: Vec<serde_json::Value>,
}

impl CheckResponse {
    fn new(report: &Report) -> CheckResponse {
        CheckResponse {
            ok: report.is_clean(),
            errors: report.errors().count(),
            warnings: report.warnings().count(),
            circumstances: report.circumstances,
            diagnostics: report
                .diagnostics
                .iter()
                .filter_map(|d| serde_json::to_value(d).ok())
                .collect(),
        }
    }
}

/// Compiles and checks a draft policy (not served): its diagnostics, with line and column.
#[utoipa::path(
    post,
    path = "/v1/check",
    tag = "policy",
    security((), ("bearer" = ["check"])),
    request_body(content = PolicyText, content_type = "application/json"),
    responses(
        (status = 200, description = "The draft's diagnostics; `ok` when it has no errors", body = CheckResponse),
        (status = 400, description = "A bad request: `field` names the bad field", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out", body = ErrorBody),
    )
)]
pub async fn check(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let draft: PolicyText = json_object(&headers, body)?;
    let _permit = shared
        .compiling
        .acquire()
        .await
        .map_err(|_| ApiError::Stopping)?;
    let report =
        crate::draft::compile(
            shared.draft_builder(),
            draft,
            |draft, compiled| match compiled {
                Err(diagnostics) => {
                    let mut report = Report::default();
                    report.diagnostics = diagnostics;
                    report
                }
                Ok(engine) => draft.locate(engine.check()),
            },
        )
        .await
        .map_err(|e| ApiError::Internal(format!("the check could not finish: {e}")))?;
    Ok(axum::Json(CheckResponse::new(&report)).into_response())
}
