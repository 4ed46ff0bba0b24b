//! `GET /v1/policy` (the policy in force and the last reload attempt) and `PUT /v1/policy`
//! (an upload, served until the next change of the policy file).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use unified_message::info::{PolicyCounts, PolicyDetail};
use utoipa::ToSchema;

use super::{AppState, answer, json_object};
use crate::auth::{Client, Scope};
use crate::draft::PolicyText;
use crate::error::{ApiError, ErrorBody};
use crate::openapi::library;
use crate::state::{Loaded, Shared, rfc3339};

/// The last reload attempt.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReloadStatus {
    /// When, RFC 3339.
    pub at: String,
    /// What caused it: `start`, `watch`, `sighup` or `upload`.
    pub trigger: String,
    /// `ok` or `error`.
    pub result: String,
    /// The revision the reload found, when it compiled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Why it failed (the policy in force stays), empty when it succeeded.
    #[schema(schema_with = crate::openapi::diagnostics)]
    pub errors: Vec<serde_json::Value>,
}

/// The response of `GET /v1/policy` (and `PUT /v1/policy`): the library's `PolicyInfo` of the
/// policy in force, where it came from, and the last reload attempt.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyStatus {
    /// The policy's name.
    pub name: String,
    /// The revision in force.
    pub revision: String,
    /// When it was loaded, RFC 3339.
    pub loaded_at: String,
    /// Where it came from: `file` or `upload`.
    pub source: String,
    /// What it declares.
    #[schema(value_type = library::PolicyCounts)]
    pub counts: PolicyCounts,
    /// The last reload attempt, successful or not.
    pub last_reload: ReloadStatus,
    /// The lists it declares (its topics, messages, systems, departments, roles, ranks,
    /// locales, channels and the facts its rules read), with `?detail=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<library::PolicyDetail>)]
    pub detail: Option<PolicyDetail>,
}

impl PolicyStatus {
    /// What `loaded`, the policy in force in `shared`, is (with its lists when `detail`), and
    /// the last reload attempt.
    fn new(shared: &Shared, loaded: &Loaded, detail: bool) -> PolicyStatus {
        let info = loaded.engine.policy_info(detail);
        PolicyStatus {
            name: info.name,
            revision: info.revision,
            loaded_at: rfc3339(loaded.at),
            source: loaded.source.to_owned(),
            counts: info.counts,
            last_reload: shared
                .last_reload
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
            detail: info.detail,
        }
    }
}

/// The query of `GET /v1/policy`.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PolicyQuery {
    /// With the lists the policy declares (`detail`): `true`, `True` or `1`; `false`,
    /// `False` or `0`.
    #[serde(default, deserialize_with = "super::flag")]
    pub detail: bool,
}

/// The policy in force and the last reload attempt.
#[utoipa::path(
    get,
    path = "/v1/policy",
    tag = "policy",
    params(PolicyQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The policy in force; `last_reload.errors` says why the last reload failed, if it did (in full for a token with the `admin` scope; else only each error's code and place in the policy: no file path, no parser message)", body = PolicyStatus,
            headers(("x-policy-revision" = String, description = "The revision in force"))),
        (status = 400, description = "A query that cannot be read: code `invalid_query`", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`)", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out", body = ErrorBody),
    )
)]
pub async fn policy(
    State(shared): State<AppState>,
    client: Option<Extension<Client>>,
    query: Result<Query<PolicyQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::InvalidQuery {
        field: "detail",
        message: e.body_text(),
    })?;
    let loaded = shared.engine();
    let mut status = PolicyStatus::new(&shared, &loaded, query.detail);
    if !client.is_some_and(|c| c.has(Scope::Admin)) {
        status.last_reload.errors = crate::auth::redacted(&status.last_reload.errors);
    }
    Ok(answer(loaded.engine.revision(), &status))
}

/// Uploads a policy and serves it (until the next change of the policy file). Exists only
/// when the service has an admin token.
#[utoipa::path(
    put,
    path = "/v1/policy",
    tag = "policy",
    request_body(content = PolicyText, content_type = "application/json"),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The policy uploaded is in force", body = PolicyStatus),
        (status = 400, description = "A bad request: `field` names the bad field", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know", body = ErrorBody),
        (status = 403, description = "The token lacks the `admin` scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "The policy does not compile: the one in force stays", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out", body = ErrorBody),
    )
)]
pub async fn upload(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    // The route exists only with an `admin` token, and the `auth` layer let only such a
    // token through.
    let draft: PolicyText = json_object(&headers, body)?;
    let _permit = shared
        .compiling
        .acquire()
        .await
        .map_err(|_| ApiError::Stopping)?;
    // Queued behind every change before it; the last change is the one in force.
    shared
        .upload(draft)
        .await
        .map_err(ApiError::PolicyInvalid)?;
    let loaded = shared.engine();
    Ok(answer(
        loaded.engine.revision(),
        &PolicyStatus::new(&shared, &loaded, false),
    ))
}
