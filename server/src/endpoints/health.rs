//! `GET /health/live` and `GET /health/ready`: whether the process answers, and whether it
//! takes requests.

use std::sync::atomic::Ordering;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};

/// A health answer.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// `live`, `ready`, `stopping`, `pin_store_unavailable` (the pin store cannot be reached)
    /// or `behind` (the revision in force is older than the one `?revision=` asks for).
    pub status: String,
    /// The revision in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Why the service is not ready, when an error code says it (`pin_store_unavailable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// Why the service is not ready, for a person (never the pin store's own error: that
    /// names its host and relations, and goes to the log only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Health {
    fn status(status: &str, revision: Option<String>) -> Health {
        Health {
            status: status.to_owned(),
            revision,
            code: None,
            error: None,
        }
    }
}

/// The query of `GET /health/ready`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadyQuery {
    /// Ready only when the revision in force is this one or newer (in the order of pin
    /// revisions): the readiness probe of old nodes during a rolling deploy, so that they
    /// leave the pool once the new revision is out.
    #[serde(default)]
    pub revision: Option<String>,
}

/// Whether the process answers.
#[utoipa::path(get, path = "/health/live", tag = "health",
    responses((status = 200, description = "The process answers", body = Health)))]
pub async fn live() -> axum::Json<Health> {
    axum::Json(Health::status("live", None))
}

/// Whether the service takes requests: a policy is in force, shutdown has not begun, the pin
/// store answers its probe, and (with `?revision=R`) the revision in force is `R` or newer.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    params(ReadyQuery),
    responses(
        (status = 200, description = "Ready, with the revision in force", body = Health),
        (status = 400, description = "A query that cannot be read: code `invalid_query`", body = ErrorBody),
        (status = 503, description = "Stopping; or the pin store cannot be reached (status and code `pin_store_unavailable`; the cause is in the service's log only); or the revision in force is older than `?revision=` (status `behind`)", body = Health),
    ))]
pub async fn ready(
    State(shared): State<AppState>,
    query: Result<Query<ReadyQuery>, QueryRejection>,
) -> Response {
    let unavailable =
        |health: Health| (StatusCode::SERVICE_UNAVAILABLE, axum::Json(health)).into_response();
    if !shared.ready.load(Ordering::Relaxed) {
        return unavailable(Health {
            code: Some(ErrorCode::Stopping),
            ..Health::status("stopping", None)
        });
    }
    let loaded = shared.engine();
    let revision = loaded.engine.revision().to_owned();
    if shared.store.failure().is_some() {
        // The probe's error names the store's host, port and relations: it goes to the log
        // (with its cause chain), never to this endpoint, which answers without a token.
        return unavailable(Health {
            code: Some(ErrorCode::PinStoreUnavailable),
            ..Health::status(ErrorCode::PinStoreUnavailable.as_str(), Some(revision))
        });
    }
    let wanted = match query {
        Ok(Query(q)) => q.revision,
        Err(e) => {
            return ApiError::InvalidQuery {
                field: "revision",
                message: e.body_text(),
            }
            .into_response();
        }
    };
    if let Some(wanted) = wanted {
        if unified_message::pins::compare_revisions(&revision, &wanted).is_lt() {
            return unavailable(Health {
                error: Some(format!(
                    "the revision in force, `{revision}`, is older than `{wanted}`"
                )),
                ..Health::status("behind", Some(revision))
            });
        }
    }
    axum::Json(Health::status("ready", Some(revision))).into_response()
}
