//! `POST /v1/decide` and its typed forms: one request, a batch, each with or without the
//! customer's pins.
//!
//! `/v1/decide` takes one request or an array (a batch) and `?pin=true`, so its answer is one
//! of four shapes. `/v1/decide/one`, `/v1/decide/pinned`, `/v1/decide/batch` and
//! `/v1/decide/pinned/batch` are the same decisions, each with one request shape and one
//! answer shape: a client generated from the OpenAPI document types each answer as one type.

use std::time::{Instant, SystemTime};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use unified_message::pins::{PinErrorKind, PinStatus, PinnedRecord, Timestamp};
use unified_message::{DecideRequest, DecisionRecord};

use super::{AppState, answer, is_array, json_body, json_object, request_id};
use crate::auth::Client;
use crate::decision_log::{Entry, escaped};
use crate::error::{ApiError, ErrorBody};
use crate::openapi::composite::{DecideBody, DecideResponse, PinnedItem};
use crate::openapi::library;
use crate::pins::PinFailure;
use crate::router::Arrived;
use crate::state::Shared;

/// The general route: one request or a batch, `?pin=` for pins.
pub const PATH: &str = "/v1/decide";
/// One request, without pins.
pub const ONE: &str = "/v1/decide/one";
/// One request, against the customer's pins.
pub const PINNED: &str = "/v1/decide/pinned";
/// A batch, without pins.
pub const BATCH: &str = "/v1/decide/batch";
/// A batch, against the customers' pins.
pub const PINNED_BATCH: &str = "/v1/decide/pinned/batch";

/// The query of `POST /v1/decide`.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecideQuery {
    /// Decide against the customer's pins (the service's `--pins` store): the response is a
    /// `PinnedRecord` with the pin status, the change notice and the handoff. `true`, `True`
    /// or `1`; `false`, `False` or `0`.
    #[serde(default, deserialize_with = "super::flag")]
    pub pin: bool,
}

/// Whether `method` on `uri` is a pinned decision: `Some(true)` for one, `Some(false)` for a
/// decision without pins, `None` for any other request. The authentication middleware (which
/// asks for the `pin` scope), the router's time limit (which a pinned decision owns) and the
/// handler read the query the same way: a query that cannot be read is no pin (and a 400 in
/// the handler, which writes nothing).
pub fn pinned(method: &Method, uri: &Uri) -> Option<bool> {
    if method != Method::POST {
        return None;
    }
    match uri.path() {
        PATH => Some(Query::<DecideQuery>::try_from_uri(uri).is_ok_and(|q| q.pin)),
        ONE | BATCH => Some(false),
        PINNED | PINNED_BATCH => Some(true),
        _ => None,
    }
}

/// One decision of a response: plain, or pinned; or, in a pinned batch, the error of one
/// item (nothing delivered for it, no pin written for it).
#[derive(Serialize)]
#[serde(untagged)]
enum Item {
    Decision(Box<DecisionRecord>),
    Pinned(Box<PinnedRecord>),
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

/// The body of a route that takes one request: an object (serde would read an array as the
/// request's fields in order).
fn one_request(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<DecideRequest, ApiError> {
    if !is_array(&body) {
        return json_object(headers, body);
    }
    // The media type, the size and the syntax are told first, as for any body.
    json_body::<serde_json::Value>(headers, body)?;
    Err(ApiError::InvalidRequest {
        field: None,
        message: "invalid request: this route takes one request (a JSON object); send an array \
                  to the batch route"
            .to_owned(),
    })
}

/// What every form of the endpoint hands to [`decide_all`]: who asks, and when it arrived.
struct Caller {
    shared: AppState,
    arrived: Option<Arrived>,
    client: Option<Client>,
    headers: HeaderMap,
}

/// Decides one request or a batch; with `?pin=true`, against the customer's pins.
#[utoipa::path(
    post,
    path = "/v1/decide",
    operation_id = "decide",
    tag = "decisions",
    params(DecideQuery),
    security((), ("bearer" = ["decide"]), ("bearer" = ["pin"])),
    request_body(content = DecideBody, content_type = "application/json",
        description = "One request (a line of `unified-message decide`) or an array of them, decided by one revision"),
    responses(
        (status = 200, description = "The decision (a `PinnedRecord` with `?pin=true`), or an array in the batch's order; in a pinned batch, an item that failed is its own error (`error`, `code`), the others are answered. `/v1/decide/one`, `/v1/decide/pinned`, `/v1/decide/batch` and `/v1/decide/pinned/batch` answer each shape alone",
            body = DecideResponse,
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
pub async fn decide(
    State(shared): State<AppState>,
    arrived: Option<Extension<Arrived>>,
    client: Option<Extension<Client>>,
    query: Result<Query<DecideQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let Query(query) = query.map_err(|e| ApiError::InvalidQuery {
        field: "pin",
        message: e.body_text(),
    })?;
    let batch = is_array(&body);
    let requests = if batch {
        json_body(&headers, body)?
    } else {
        vec![json_body(&headers, body)?]
    };
    let caller = Caller::new(shared, arrived, client, headers);
    decide_all(caller, start, requests, batch, query.pin).await
}

/// Decides one request, without pins.
#[utoipa::path(
    post,
    path = "/v1/decide/one",
    operation_id = "decide_one",
    tag = "decisions",
    security((), ("bearer" = ["decide"])),
    request_body(content = library::DecideRequest, content_type = "application/json",
        description = "One request: a line of `unified-message decide`"),
    responses(
        (status = 200, description = "The decision", body = library::DecisionRecord,
            headers(("x-policy-revision" = String, description = "The revision that decided"))),
        (status = 400, description = "A bad request: `field` names the bad field", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the `decide` scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out, with `Retry-After`", body = ErrorBody,
            headers(("retry-after" = u32, description = "Seconds before a retry"))),
    )
)]
pub async fn decide_one(
    State(shared): State<AppState>,
    arrived: Option<Extension<Arrived>>,
    client: Option<Extension<Client>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let request = one_request(&headers, body)?;
    let caller = Caller::new(shared, arrived, client, headers);
    decide_all(caller, start, vec![request], false, false).await
}

/// Decides one request against the customer's pins.
#[utoipa::path(
    post,
    path = "/v1/decide/pinned",
    operation_id = "decide_pinned",
    tag = "decisions",
    security((), ("bearer" = ["pin"])),
    request_body(content = library::DecideRequest, content_type = "application/json",
        description = "One request: a line of `unified-message decide`"),
    responses(
        (status = 200, description = "The pinned decision: the pin status, the change notice and the handoff", body = library::PinnedRecord,
            headers(("x-policy-revision" = String, description = "The revision that decided"))),
        (status = 400, description = "A bad request: `field` names the bad field; code `pins_not_configured` on a service without `--pins`", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the `pin` scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "Nothing was delivered, with `Retry-After`: code `pin_ahead` (the customer's pin is from a newer policy: retry on another node), `pin_store_unavailable`, `pin_contention`, `overloaded`, `timeout`", body = ErrorBody,
            headers(("retry-after" = u32, description = "Seconds before a retry"))),
    )
)]
pub async fn decide_pinned(
    State(shared): State<AppState>,
    arrived: Option<Extension<Arrived>>,
    client: Option<Extension<Client>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let request = one_request(&headers, body)?;
    let caller = Caller::new(shared, arrived, client, headers);
    decide_all(caller, start, vec![request], false, true).await
}

/// Decides a batch, by one revision, without pins.
#[utoipa::path(
    post,
    path = "/v1/decide/batch",
    operation_id = "decide_batch",
    tag = "decisions",
    security((), ("bearer" = ["decide"])),
    request_body(content = Vec<library::DecideRequest>, content_type = "application/json",
        description = "The requests (at most `--max-batch`), decided by one revision"),
    responses(
        (status = 200, description = "The decisions, in the batch's order", body = Vec<library::DecisionRecord>,
            headers(("x-policy-revision" = String, description = "The revision that decided"))),
        (status = 400, description = "A bad request: `field` names the bad field (`[2].responder`)", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the `decide` scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body or the batch is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The service is overloaded or timed out, with `Retry-After`", body = ErrorBody,
            headers(("retry-after" = u32, description = "Seconds before a retry"))),
    )
)]
pub async fn decide_batch(
    State(shared): State<AppState>,
    arrived: Option<Extension<Arrived>>,
    client: Option<Extension<Client>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let requests: Vec<DecideRequest> = json_body(&headers, body)?;
    let caller = Caller::new(shared, arrived, client, headers);
    decide_all(caller, start, requests, true, false).await
}

/// Decides a batch, by one revision, against the customers' pins: answered item by item.
#[utoipa::path(
    post,
    path = "/v1/decide/pinned/batch",
    operation_id = "decide_pinned_batch",
    tag = "decisions",
    security((), ("bearer" = ["pin"])),
    request_body(content = Vec<library::DecideRequest>, content_type = "application/json",
        description = "The requests (at most `--max-batch`), decided by one revision"),
    responses(
        (status = 200, description = "The pinned decisions, in the batch's order; an item that failed is its own error (`error`, `code`, `field` `[i].contact.customer`): nothing was delivered for it and no pin written, the others are answered", body = Vec<PinnedItem>,
            headers(("x-policy-revision" = String, description = "The revision that decided"))),
        (status = 400, description = "A bad request: `field` names the bad field (`[2].responder`); code `pins_not_configured` on a service without `--pins`", body = ErrorBody),
        (status = 401, description = "No token, or one the service does not know (with `--tokens-file`): code `unauthenticated` or `invalid_token`", body = ErrorBody),
        (status = 403, description = "The token lacks the `pin` scope: code `insufficient_scope`", body = ErrorBody),
        (status = 413, description = "The body or the batch is over the limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The service is overloaded, with `Retry-After`", body = ErrorBody,
            headers(("retry-after" = u32, description = "Seconds before a retry"))),
    )
)]
pub async fn decide_pinned_batch(
    State(shared): State<AppState>,
    arrived: Option<Extension<Arrived>>,
    client: Option<Extension<Client>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let requests: Vec<DecideRequest> = json_body(&headers, body)?;
    let caller = Caller::new(shared, arrived, client, headers);
    decide_all(caller, start, requests, true, true).await
}

impl Caller {
    fn new(
        shared: AppState,
        arrived: Option<Extension<Arrived>>,
        client: Option<Extension<Client>>,
        headers: HeaderMap,
    ) -> Caller {
        Caller {
            shared,
            arrived: arrived.map(|a| a.0),
            client: client.map(|c| c.0),
            headers,
        }
    }
}

/// Decides `requests` (one, or a batch) by one revision, against the pins when `pinned`;
/// counts and logs each decision, and answers them.
async fn decide_all(
    caller: Caller,
    start: Instant,
    requests: Vec<DecideRequest>,
    batch: bool,
    pinned: bool,
) -> Result<Response, ApiError> {
    let Caller {
        shared,
        arrived,
        client,
        headers,
    } = caller;
    if batch && requests.len() > shared.limits.max_batch {
        return Err(ApiError::BatchTooLarge {
            len: requests.len(),
            max: shared.limits.max_batch,
        });
    }
    let pins = match (pinned, &shared.pins) {
        (false, _) => None,
        (true, Some(pins)) => Some(pins),
        (true, None) => return Err(ApiError::PinsNotConfigured),
    };
    // One revision for the whole request, batch included.
    let loaded = shared.engine();
    let engine = &loaded.engine;
    let mut items = Vec::with_capacity(requests.len());
    let now = Timestamp::from(SystemTime::now());
    // A pinned request owns its time limit (the router's limit does not cut it, see
    // `router::limit_time`): `--timeout-ms` from its arrival, body read included. Each store
    // call is bounded by the time left; once none is left, the later items of a batch are
    // answered `timeout` (nothing delivered, no pin written), and the items decided are always
    // answered with the pins they wrote.
    let deadline = arrived.map_or(start, Arrived::at) + shared.limits.timeout;
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
            let error = ApiError::NotDecided { field: field() };
            if !batch {
                return Err(error);
            }
            items.push(Item::Failed(Box::new(error.body())));
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
                    let error = ApiError::PinTimeout { field: field() };
                    if !batch {
                        return Err(error);
                    }
                    Item::Failed(Box::new(error.body()))
                }
                Ok(Err(e)) => {
                    let error = pin_error(&shared, &headers, request, field(), e);
                    if !batch {
                        return Err(error);
                    }
                    // A batch is answered item by item: the items before and after keep
                    // their records (and the pins written for them).
                    Item::Failed(Box::new(error.body()))
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
    Ok(match items.first() {
        Some(item) if !batch => answer(revision, item),
        _ => answer(revision, &items),
    })
}

/// The error of one pinned request: a customer id no store can hold (the request's fault, at
/// `field`), a pin ahead of this node's policy (another node answers), the pin kept moving, or
/// the store failed. Logged, but for a bad id.
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
            return ApiError::InvalidCustomerId {
                field,
                message: e.to_string(),
            };
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
            PinErrorKind::Ahead => ApiError::PinAhead(e.to_string()),
            PinErrorKind::Contention => ApiError::PinContention(e.to_string()),
            _ => ApiError::PinStoreFailed(e.to_string()),
        },
        PinFailure::Task(e) => ApiError::PinTask(e),
    }
}
