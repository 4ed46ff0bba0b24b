//! The router: every route to its endpoint, and the layers every request goes through (host
//! names are checked outside it, in `lib.rs`): the request id, load shedding and the
//! concurrency limit, the time limit, the body limit, and the bearer tokens.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::endpoints::{
    AppState, REQUEST_ID_HEADER, check, decide, explain, health, metrics, policy, triage,
};
use crate::error::ApiError;

/// When a request reached the service, before its body was read (set by the router's time
/// limit).
#[derive(Clone, Copy, Debug)]
pub struct Arrived(Instant);

impl Arrived {
    /// The moment.
    pub fn at(self) -> Instant {
        self.0
    }
}

/// The router of a service, with its limits.
pub fn router(shared: AppState, max_concurrency: usize, timeout: Duration) -> Router {
    let doc = Arc::new(crate::openapi::json(
        shared.auth.upload_enabled(),
        shared.auth.required(),
    ));
    let max_body = shared.limits.max_body_bytes;
    let auth = shared.auth.clone();
    let policy_route = if shared.auth.upload_enabled() {
        get(policy::policy).put(policy::upload)
    } else {
        get(policy::policy)
    };
    let api = Router::new()
        .route(decide::PATH, post(decide::decide))
        .route(decide::ONE, post(decide::decide_one))
        .route(decide::PINNED, post(decide::decide_pinned))
        .route(decide::BATCH, post(decide::decide_batch))
        .route(decide::PINNED_BATCH, post(decide::decide_pinned_batch))
        .route("/v1/triage", post(triage::triage))
        .route("/v1/explain", post(explain::explain))
        .route("/v1/check", post(check::check))
        .route("/v1/policy", policy_route)
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::metrics))
        .with_state(shared);
    let doc_route = Router::new()
        .route("/v1/openapi.json", get(crate::openapi::document))
        .with_state(doc);
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    api.merge(doc_route)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            auth,
            crate::auth::require,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(timeout, limit_time))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(HandleErrorLayer::new(overloaded))
                .load_shed()
                .concurrency_limit(max_concurrency.max(1)),
        )
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

async fn overloaded(error: tower::BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::Timeout
    } else if error.is::<tower::load_shed::error::Overloaded>() {
        ApiError::Overloaded
    } else {
        ApiError::Internal(format!("unavailable: {error}"))
    }
}

/// The service's time limit (`--timeout-ms`) on each request, except a pinned decision: its
/// handler owns the limit, bounding each pin store call by the time left and answering the
/// items of a batch it decided (cutting it from outside would drop the answers of items whose
/// pins are written).
async fn limit_time(State(timeout): State<Duration>, mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(Arrived(Instant::now()));
    if decide::pinned(request.method(), request.uri()) == Some(true) {
        return next.run(request).await;
    }
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}
