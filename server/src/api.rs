//! The HTTP API: handlers, the router with its safety layers, and the OpenAPI document.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::error_handling::HandleErrorLayer;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use unified_message::check::Report;
use unified_message::pins::{PinErrorKind, PinStatus, Timestamp};
use unified_message::{DecideRequest, DecisionRecord, Engine};
use utoipa::OpenApi;

use crate::decision_log::{Entry, escaped};
use crate::error::{ApiError, ErrorCode, json_body};
use crate::pins::PinFailure;
use crate::state::{Loaded, Shared, compile, rfc3339};
use crate::wire::{
    CheckResponse, DecideBodySchema, DecideQuery, DecideRequestSchema, DecideResponseSchema,
    ErrorBody, ExplainResponseSchema, Health, PolicyCounts, PolicyInfo, PolicyText, ReadyQuery,
    TriageRequest, TriageResponseSchema,
};

/// The header naming the revision that answered.
pub const REVISION_HEADER: &str = "x-policy-revision";
/// The header carrying the request id (the client's, or one made up).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

type AppState = Arc<Shared>;

/// A JSON response naming the revision that answered.
fn answer(revision: &str, body: &impl Serialize) -> Response {
    let mut response = match serde_json::to_vec(body) {
        Ok(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => ApiError::new(ErrorCode::Internal, format!("cannot write the answer: {e}"))
            .into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(revision) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REVISION_HEADER), value);
    }
    response
}

fn request_id(headers: &HeaderMap) -> &str {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// One decision of a response: plain, or pinned; or, in a pinned batch, the error of one
/// item (nothing delivered for it, no pin written for it).
#[derive(Serialize)]
#[serde(untagged)]
enum Item {
    Decision(Box<DecisionRecord>),
    Pinned(Box<unified_message::pins::PinnedRecord>),
    Failed(Box<ErrorBody>),
}

impl Item {
    fn decision(&self) -> Option<&DecisionRecord> {
        match self {
            Item::Decision(d) => Some(d),
            Item::Pinned(p) => Some(&p.decision),
            Item::Failed(_) => None,
        }
    }

    fn pin_status(&self) -> Option<PinStatus> {
        match self {
            Item::Pinned(p) => Some(p.status),
            Item::Decision(_) | Item::Failed(_) => None,
        }
    }
}

/// The error of one pinned request, with its code: a customer id no store can hold (the
/// request's fault, at `field`), a pin ahead of this node's policy (another node answers), the
/// pin kept moving, or the store failed. Logged, but for a bad id.
fn pin_error(
    shared: &Shared,
    headers: &HeaderMap,
    request: &DecideRequest,
    field: String,
    e: PinFailure,
) -> ApiError {
    if let PinFailure::Pin(e) = &e {
        if e.invalid_customer().is_some() {
            // A customer id no pin store can hold (issue 23 point 6): the request's fault.
            return ApiError::field(ErrorCode::InvalidCustomerId, field, e.to_string());
        }
    }
    shared.metrics.pin_error();
    // The cause chain reaches the log; the id is hashed when asked, and every value is escaped
    // (an id cannot forge a line).
    let customer = shared.ids.customer(&request.contact.customer);
    tracing::warn!(
        request_id = request_id(headers),
        customer = %escaped(&customer),
        error = %escaped(&e.for_log(&shared.ids)),
        "pinned decision failed"
    );
    match e {
        PinFailure::Pin(e) => match e.kind() {
            PinErrorKind::Ahead => ApiError::new(
                ErrorCode::PinAhead,
                format!(
                    "the customer's pin is from a newer policy than this node's; nothing was \
                     delivered: retry on a node that runs the newer revision: {e}"
                ),
            ),
            PinErrorKind::Contention => ApiError::new(
                ErrorCode::PinContention,
                format!("nothing was delivered for this customer; retry: {e}"),
            ),
            _ => ApiError::new(
                ErrorCode::PinStoreUnavailable,
                format!("the pin store failed, so nothing may be delivered for this customer: {e}"),
            ),
        },
        PinFailure::Task(e) => ApiError::new(ErrorCode::PinStoreUnavailable, e),
    }
}

/// Decides one request or a batch; with `?pin=true`, against the customer's pins.
#[utoipa::path(
    post,
    path = "/v1/decide",
    tag = "decisions",
    params(DecideQuery),
    security((), ("bearer" = ["decide"]), ("bearer" = ["pin"])),
    request_body(content = DecideBodySchema, content_type = "application/json",
        description = "One request (a line of `unified-message decide`) or an array of them, decided by one revision"),
    responses(
        (status = 200, description = "The decision (a `PinnedRecord` with `?pin=true`), or an array in the batch's order; in a pinned batch, an item that failed is its own error (`error`, `code`), the others are answered",
            body = DecideResponseSchema,
            headers(("x-policy-revision" = String, description = "The revision that decided"))),
        (status = 400, description = "A bad request: `field` names the bad field", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the scope (`decide`; `pin` with `?pin=true`): code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body or the batch is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "Nothing was delivered, with `Retry-After`: code `pin_ahead` (the customer's pin is from a newer policy: retry on another node), `pin_store_unavailable`, `pin_contention`, `overloaded`, `timeout`", body = ErrorBody,
            headers(("retry-after" = u32, description = "Seconds before a retry"))),
    )
)]
async fn decide(
    State(shared): State<AppState>,
    arrived: Option<axum::Extension<Arrived>>,
    client: Option<axum::Extension<crate::auth::Client>>,
    query: Result<Query<DecideQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let Query(query) =
        query.map_err(|e| ApiError::field(ErrorCode::InvalidQuery, "pin", e.body_text()))?;
    let batch = matches!(
        body.as_ref()
            .ok()
            .and_then(|b| b.iter().find(|c| !c.is_ascii_whitespace())),
        Some(b'[')
    );
    let requests: Vec<DecideRequest> = if batch {
        let requests: Vec<DecideRequest> = json_body(&headers, body)?;
        if requests.len() > shared.limits.max_batch {
            return Err(ApiError::new(
                ErrorCode::BatchTooLarge,
                format!(
                    "the batch has {} requests, more than the limit of {} (`--max-batch`); split it",
                    requests.len(),
                    shared.limits.max_batch
                ),
            ));
        }
        requests
    } else {
        vec![json_body(&headers, body)?]
    };
    let pins = match (query.pin, &shared.pins) {
        (false, _) => None,
        (true, Some(pins)) => Some(pins),
        (true, None) => {
            return Err(ApiError::field(
                ErrorCode::PinsNotConfigured,
                "pin",
                "this service has no pin store: start it with `--pins memory|sqlite:PATH|postgres://…|redis://…`",
            ));
        }
    };
    // One revision for the whole request, batch included.
    let loaded = shared.engine();
    let engine = &loaded.engine;
    let mut items = Vec::with_capacity(requests.len());
    let now = Timestamp::from(SystemTime::now());
    // A pinned request owns its time limit (the router's limit does not cut it, see
    // `limit_time`): `--timeout-ms` from its arrival, body read included. Each store call is
    // bounded by the time left; once none is left, the later items of a batch are answered
    // `timeout` (nothing delivered, no pin written), and the items decided are always answered
    // with the pins they wrote.
    let deadline = arrived.map_or(start, |a| a.0.0) + shared.limits.timeout;
    for (index, request) in requests.iter().enumerate() {
        let field = || {
            if batch {
                format!("[{index}].contact.customer")
            } else {
                "contact.customer".to_owned()
            }
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if pins.is_some() && left.is_zero() {
            let error = ApiError::field(
                ErrorCode::Timeout,
                field(),
                "not decided: the request used the service's time limit (`--timeout-ms`) \
                 before this item; nothing was delivered for it and no pin written: send it \
                 again, or send smaller batches",
            );
            if !batch {
                return Err(error);
            }
            items.push(Item::Failed(Box::new(error.body)));
            continue;
        }
        let item = match pins {
            None => Item::Decision(Box::new(
                engine
                    .decide(&request.contact, &request.responder)
                    .to_record_with(&request.values),
            )),
            Some(pins) => match tokio::time::timeout(left, pins.decide(engine, request, now)).await
            {
                Ok(Ok(record)) => Item::Pinned(Box::new(record)),
                Err(_) => {
                    shared.metrics.pin_error();
                    tracing::warn!(
                        request_id = request_id(&headers),
                        "the pin store did not answer within the time left (`--timeout-ms`)"
                    );
                    let error = ApiError::field(
                        ErrorCode::Timeout,
                        field(),
                        "not delivered: the pin store did not answer within the service's time \
                         limit (`--timeout-ms`); the pin may have been written all the same: \
                         send it again (a pin written answers `kept`, with the same message)",
                    );
                    if !batch {
                        return Err(error);
                    }
                    Item::Failed(Box::new(error.body))
                }
                Ok(Err(e)) => {
                    let error = pin_error(&shared, &headers, request, field(), e);
                    if !batch {
                        return Err(error);
                    }
                    // A batch is answered item by item: the items before and after keep
                    // their records (and the pins written for them).
                    Item::Failed(Box::new(error.body))
                }
            },
        };
        items.push(item);
    }
    let latency = start.elapsed();
    shared.metrics.latency(latency.as_secs_f64());
    for (request, item) in requests.iter().zip(&items) {
        let Some(decision) = item.decision() else {
            continue;
        };
        shared.metrics.decision(decision);
        if let Some(log) = &shared.log {
            let logged = log.log(&Entry {
                request_id: request_id(&headers),
                token: client.as_ref().and_then(|c| c.token.as_deref()),
                request,
                record: decision,
                pin_status: item.pin_status(),
                latency_us: latency.as_micros(),
            });
            if !logged {
                shared.metrics.log_dropped();
            }
        }
    }
    let revision = engine.revision();
    Ok(if batch {
        answer(revision, &items)
    } else {
        match items.first() {
            Some(item) => answer(revision, item),
            None => answer(revision, &items),
        }
    })
}

/// Places the customer's own words on a topic.
#[utoipa::path(
    post,
    path = "/v1/triage",
    tag = "decisions",
    security((), ("bearer" = ["decide"])),
    request_body(content = TriageRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The topic, the confidence and the evidence", body = TriageResponseSchema,
            headers(("x-policy-revision" = String, description = "The revision that triaged"))),
        (status = 400, description = "A bad request: `field` names the bad field", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out", body = ErrorBody),
    )
)]
async fn triage(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let request: TriageRequest = json_body(&headers, body)?;
    let loaded = shared.engine();
    let result = loaded
        .engine
        .triage(&request.text, request.locale.as_deref().unwrap_or(""));
    #[derive(Serialize)]
    struct Triaged<'a> {
        revision: &'a str,
        #[serde(flatten)]
        result: unified_message::TriageResult,
    }
    let revision = loaded.engine.revision();
    shared.metrics.latency(start.elapsed().as_secs_f64());
    Ok(answer(revision, &Triaged { revision, result }))
}

/// Decides one request and tells why, step by step.
#[utoipa::path(
    post,
    path = "/v1/explain",
    tag = "decisions",
    security((), ("bearer" = ["decide"])),
    request_body(content = DecideRequestSchema, content_type = "application/json"),
    responses(
        (status = 200, description = "The steps and the decision", body = ExplainResponseSchema,
            headers(("x-policy-revision" = String, description = "The revision that decided"))),
        (status = 400, description = "A bad request: `field` names the bad field", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out", body = ErrorBody),
    )
)]
async fn explain(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let request: DecideRequest = json_body(&headers, body)?;
    let loaded = shared.engine();
    let explanation = loaded.engine.explain(&request.contact, &request.responder);
    let body = explanation.to_record_with(&request.values);
    shared.metrics.latency(start.elapsed().as_secs_f64());
    Ok(answer(loaded.engine.revision(), &body))
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
async fn check(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let draft: PolicyText = json_body(&headers, body)?;
    let _permit = shared
        .compiling
        .acquire()
        .await
        .map_err(|_| ApiError::new(ErrorCode::Stopping, "the service is stopping"))?;
    let builder = shared.draft_builder();
    let report = tokio::task::spawn_blocking(move || {
        let report = match compile(&builder, draft.format, draft.policy.as_bytes()) {
            Err(e) => {
                let mut report = Report::default();
                report.diagnostics = e.diagnostics().to_vec();
                report
            }
            Ok(engine) => engine.check(),
        };
        match draft.format {
            crate::wire::PolicyFormat::Toml => report.located_in_toml(&draft.policy),
            _ => report,
        }
    })
    .await
    .map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("the check could not finish: {e}"),
        )
    })?;
    let body = CheckResponse {
        ok: report.is_clean(),
        errors: report.errors().count(),
        warnings: report.warnings().count(),
        circumstances: report.circumstances,
        diagnostics: report
            .diagnostics
            .iter()
            .filter_map(|d| serde_json::to_value(d).ok())
            .collect(),
    };
    Ok(axum::Json(body).into_response())
}

fn policy_info(shared: &Shared, loaded: &Loaded) -> PolicyInfo {
    let engine: &Engine = &loaded.engine;
    PolicyInfo {
        name: engine.name().to_owned(),
        revision: engine.revision().to_owned(),
        loaded_at: rfc3339(loaded.at),
        source: loaded.source.to_owned(),
        counts: PolicyCounts {
            topics: engine.topics().len(),
            roles: engine.roles().len(),
            systems: engine.systems().len(),
            departments: engine.departments().len(),
            ranks: engine.ranks().len(),
            locales: engine.locales().len(),
        },
        last_reload: shared
            .last_reload
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone(),
    }
}

/// The policy in force and the last reload attempt.
#[utoipa::path(
    get,
    path = "/v1/policy",
    tag = "policy",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The policy in force; `last_reload.errors` says why the last reload failed, if it did (in full for a token with the `admin` scope; else only each error's code and place in the policy: no file path, no parser message)", body = PolicyInfo,
            headers(("x-policy-revision" = String, description = "The revision in force"))),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`)", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out", body = ErrorBody),
    )
)]
async fn policy(
    State(shared): State<AppState>,
    client: Option<axum::Extension<crate::auth::Client>>,
) -> Response {
    let loaded = shared.engine();
    let mut info = policy_info(&shared, &loaded);
    if !client.is_some_and(|c| c.has(crate::auth::Scope::Admin)) {
        info.last_reload.errors = crate::auth::redacted(&info.last_reload.errors);
    }
    answer(loaded.engine.revision(), &info)
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
        (status = 200, description = "The policy uploaded is in force", body = PolicyInfo),
        (status = 400, description = "A bad request: `field` names the bad field", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know", body = ErrorBody),
        (status = 403, description = "The token lacks the `admin` scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "The policy does not compile: the one in force stays", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out", body = ErrorBody),
    )
)]
async fn upload(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    // The route exists only with an `admin` token, and the `auth` layer let only such a
    // token through.
    let draft: PolicyText = json_body(&headers, body)?;
    let _permit = shared
        .compiling
        .acquire()
        .await
        .map_err(|_| ApiError::new(ErrorCode::Stopping, "the service is stopping"))?;
    // Queued behind every change before it; the last change is the one in force.
    let compiled = shared.upload(draft).await;
    match compiled {
        Ok(_) => {
            let loaded = shared.engine();
            Ok(answer(
                loaded.engine.revision(),
                &policy_info(&shared, &loaded),
            ))
        }
        Err(diagnostics) => {
            let mut e = ApiError::new(
                ErrorCode::PolicyInvalid,
                "the policy does not compile; the revision in force stays",
            );
            e.body.diagnostics = diagnostics
                .iter()
                .filter_map(|d| serde_json::to_value(d).ok())
                .collect();
            Err(e)
        }
    }
}

/// Whether the process answers.
#[utoipa::path(get, path = "/health/live", tag = "health",
    responses((status = 200, description = "The process answers", body = Health)))]
async fn live() -> axum::Json<Health> {
    axum::Json(Health {
        status: "live".to_owned(),
        revision: None,
        code: None,
        error: None,
    })
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
async fn ready(
    State(shared): State<AppState>,
    query: Result<Query<ReadyQuery>, QueryRejection>,
) -> Response {
    let unavailable =
        |health: Health| (StatusCode::SERVICE_UNAVAILABLE, axum::Json(health)).into_response();
    if !shared.ready.load(Ordering::Relaxed) {
        return unavailable(Health {
            status: "stopping".to_owned(),
            revision: None,
            code: Some(ErrorCode::Stopping),
            error: None,
        });
    }
    let loaded = shared.engine();
    let revision = loaded.engine.revision().to_owned();
    if shared.store.failure().is_some() {
        // The probe's error names the store's host, port and relations: it goes to the log
        // (with its cause chain), never to this endpoint, which answers without a token.
        return unavailable(Health {
            status: ErrorCode::PinStoreUnavailable.as_str().to_owned(),
            revision: Some(revision),
            code: Some(ErrorCode::PinStoreUnavailable),
            error: None,
        });
    }
    let wanted = match query {
        Ok(Query(q)) => q.revision,
        Err(e) => {
            return ApiError::field(ErrorCode::InvalidQuery, "revision", e.body_text())
                .into_response();
        }
    };
    if let Some(wanted) = wanted {
        if unified_message::pins::compare_revisions(&revision, &wanted).is_lt() {
            return unavailable(Health {
                status: "behind".to_owned(),
                error: Some(format!(
                    "the revision in force, `{revision}`, is older than `{wanted}`"
                )),
                revision: Some(revision),
                code: None,
            });
        }
    }
    axum::Json(Health {
        status: "ready".to_owned(),
        revision: Some(revision),
        code: None,
        error: None,
    })
    .into_response()
}

/// The metrics, in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Decisions by outcome, `system_gap` by topic, fallback topics, latency, reloads by result",
        body = String, content_type = "application/openmetrics-text")))]
async fn metrics(State(shared): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        shared.metrics.encode(),
    )
        .into_response()
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
async fn openapi(State(doc): State<Arc<String>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc.as_str().to_owned(),
    )
        .into_response()
}

/// The OpenAPI document, derived from the handlers and the wire types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "unified-message-server",
        description = "The unified-message engine over HTTP: one canonical answer or redirect for a customer's circumstance, whichever channel asks. Bodies are the JSON of `unified-message decide`."
    ),
    paths(decide, triage, explain, check, policy, upload, live, ready, metrics, openapi),
    modifiers(&Bearer),
)]
#[derive(Debug)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token of the service's `--tokens-file` (`Authorization: Bearer TOKEN`); \
                         the requirement's list names the scope the operation needs: `decide`, \
                         `pin`, `check`, `admin`. Without `--tokens-file` only `admin` is asked for.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of a service, as JSON: without `PUT /v1/policy` when it has no admin
/// token (the endpoint does not exist then); when tokens are required (`--tokens-file`), the
/// operations that need one no longer offer the empty security requirement.
pub fn openapi_json(with_upload: bool, tokens_required: bool) -> String {
    let mut doc = ApiDoc::openapi();
    if !with_upload {
        if let Some(item) = doc.paths.paths.get_mut("/v1/policy") {
            item.put = None;
        }
    }
    let Ok(mut value) = serde_json::to_value(&doc) else {
        return "{}".to_owned();
    };
    if tokens_required {
        if let Some(paths) = value.get_mut("paths").and_then(|p| p.as_object_mut()) {
            for operation in paths.values_mut().filter_map(|p| p.as_object_mut()) {
                for op in operation.values_mut() {
                    if let Some(security) = op.get_mut("security").and_then(|s| s.as_array_mut()) {
                        security.retain(|r| r.as_object().is_none_or(|o| !o.is_empty()));
                    }
                }
            }
        }
    }
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_owned())
}

async fn not_found() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "no such endpoint: see /v1/openapi.json",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this endpoint does not take this method: see /v1/openapi.json",
    )
}

async fn overloaded(error: tower::BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(
            ErrorCode::Timeout,
            "the request took longer than the service's limit (`--timeout-ms`)",
        )
    } else if error.is::<tower::load_shed::error::Overloaded>() {
        ApiError::new(
            ErrorCode::Overloaded,
            "too many requests in flight (`--max-concurrency`); retry shortly",
        )
    } else {
        ApiError::new(ErrorCode::Internal, format!("unavailable: {error}"))
    }
}

/// When a request reached the service, before its body was read (set by [`limit_time`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arrived(Instant);

/// The service's time limit (`--timeout-ms`) on each request, except a pinned decision
/// (`POST /v1/decide?pin=true`): its handler owns the limit, bounding each pin store call by
/// the time left and answering the items of a batch it decided (cutting it from outside would
/// drop the answers of items whose pins are written).
async fn limit_time(
    State(timeout): State<std::time::Duration>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    request.extensions_mut().insert(Arrived(Instant::now()));
    let pinned = request.method() == axum::http::Method::POST
        && request.uri().path() == "/v1/decide"
        && Query::<DecideQuery>::try_from_uri(request.uri()).is_ok_and(|q| q.pin);
    if pinned {
        return next.run(request).await;
    }
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorCode::Timeout,
            "the request took longer than the service's limit (`--timeout-ms`)",
        )
        .into_response(),
    }
}

/// The router of a service, with its limits.
pub fn router(shared: AppState, max_concurrency: usize, timeout: std::time::Duration) -> Router {
    let doc = Arc::new(openapi_json(
        shared.auth.upload_enabled(),
        shared.auth.required(),
    ));
    let max_body = shared.limits.max_body_bytes;
    let auth = shared.auth.clone();
    let policy_route = if shared.auth.upload_enabled() {
        get(policy).put(upload)
    } else {
        get(policy)
    };
    let api = Router::new()
        .route("/v1/decide", post(decide))
        .route("/v1/triage", post(triage))
        .route("/v1/explain", post(explain))
        .route("/v1/check", post(check))
        .route("/v1/policy", policy_route)
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(shared);
    let doc_route = Router::new()
        .route("/v1/openapi.json", get(openapi))
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
