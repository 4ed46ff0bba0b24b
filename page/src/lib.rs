#![doc = include_str!("../../docs/playground.md")]
//!
//! # The crate
//!
//! [`router`] is the whole playground: the page at `/`, its assets under
//! `/playground/assets/`, and its JSON endpoints under `/playground/api/`. Each endpoint takes
//! the policy *in the editor* (the draft, not a served one) in its request body, compiles it
//! with the library's limits ([`Limits::builder`]) and answers from it; nothing is kept
//! between requests but a few compiled drafts, so that typing a case does not compile the
//! same policy again.

mod api;
mod assets;
mod manual;
mod vocabulary;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use unified_message::EngineBuilder;

/// What the playground lets one request cost. Strangers send these policies: every limit of
/// the library applies ([`Limits::builder`]), and the service adds its own around them.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use unified_message_page::{Limits, router_with};
///
/// let router: axum::Router = router_with(Limits {
///     timeout: Duration::from_secs(5),
///     ..Limits::default()
/// });
/// # drop(router);
/// ```
#[derive(Clone, Debug)]
pub struct Limits {
    /// The largest request body, in bytes; a larger one is refused with 413 before it is
    /// read. 2 MiB by default (the policy limit plus the case).
    pub max_body_bytes: usize,
    /// The largest policy text, in bytes (the library's `max_policy_bytes`): 1 MiB by
    /// default, twenty times the example policy.
    pub max_policy_bytes: usize,
    /// The most circumstances `check` and the decision table decide (the library's
    /// `max_circumstances`): 1 Mi by default, about a second of work at the worst.
    pub max_circumstances: u64,
    /// The most entries of a derived table and cells of the decision table (the library's
    /// `max_table_size`): 1 Mi by default.
    pub max_table_size: usize,
    /// The most errors one compilation reports (the library's `max_errors`): 200 by default,
    /// what a person reads.
    pub max_errors: usize,
    /// The most rows of the decision table one response carries, after filtering: 300 by
    /// default; the response says how many matched.
    pub max_table_rows: usize,
    /// How long one request may take, waiting for its turn included; past it the answer is
    /// 503 (the work, already bounded by the limits above, finishes in the background while
    /// still holding its turn). 10 s by default.
    pub timeout: Duration,
    /// How many requests compile or decide at once; the others wait for a turn, within
    /// `timeout`. 2 by default (one per core of a small machine).
    pub max_concurrent_jobs: usize,
    /// How many compiled drafts are kept, most recently used first, so that trying cases
    /// against the same draft does not compile it again. 4 by default.
    pub cached_drafts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 2 << 20,
            max_policy_bytes: 1 << 20,
            max_circumstances: 1 << 20,
            max_table_size: 1 << 20,
            max_errors: 200,
            max_table_rows: 300,
            timeout: Duration::from_secs(10),
            max_concurrent_jobs: 2,
            cached_drafts: 4,
        }
    }
}

impl Limits {
    /// The engine builder with these limits, the library's defaults for the rest.
    pub fn builder(&self) -> EngineBuilder {
        EngineBuilder::default()
            .max_policy_bytes(self.max_policy_bytes)
            .max_circumstances(self.max_circumstances)
            .max_table_size(self.max_table_size)
            .max_errors(self.max_errors)
    }
}

/// The playground with the default [`Limits`]: the page at `/`, its assets under
/// `/playground/assets/` and its JSON endpoints under `/playground/api/`.
///
/// # Examples
///
/// ```no_run
/// # async fn serve() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, unified_message_page::router()).await
/// # }
/// ```
pub fn router() -> Router {
    router_with(Limits::default())
}

/// The playground with the given [`Limits`].
pub fn router_with(limits: Limits) -> Router {
    let body = limits.max_body_bytes;
    let timeout = limits.timeout;
    let state = Arc::new(api::State::new(limits));
    let api = Router::new()
        .route("/check", post(api::check))
        .route("/decide", post(api::decide))
        .route("/table", post(api::table))
        .route("/manual", post(api::manual))
        .with_state(state)
        .layer(DefaultBodyLimit::max(body))
        .layer(RequestBodyLimitLayer::new(body))
        // The endpoints time their own work (503); this bounds a request whose body is slow
        // to arrive.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout.saturating_add(Duration::from_secs(5)),
        ))
        // What these layers refuse is answered in the endpoints' error shape too.
        .layer(axum::middleware::map_response(api::json_errors));
    Router::new()
        .route("/", get(assets::index))
        .route("/playground/assets/app.js", get(assets::script))
        .route("/playground/assets/style.css", get(assets::style))
        .nest("/playground/api", api)
}
