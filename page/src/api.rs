//! The page's JSON endpoints. Each takes the draft policy in its body, compiles it (or finds
//! it among the drafts compiled last) on tokio's blocking pool, one of at most
//! `max_concurrent_jobs` at once, within `timeout`; a policy that does not compile is an
//! answer with its diagnostics, never a server error.

use std::sync::{Arc, Mutex, OnceLock};

use axum::Json;
use axum::extract::State as Extract;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use tokio::sync::Semaphore;
use unified_message::check::Report;
use unified_message::table::{DecisionTable, TableRow};
use unified_message::{
    DecideRequest, Diagnostic, Engine, ExplanationRecord, Responder, TriageResult,
};

use crate::Limits;
use crate::vocabulary::Vocabulary;

/// A compiled draft and what was derived from it on demand.
struct Draft {
    text: String,
    engine: Engine,
    vocabulary: Vocabulary,
    table: OnceLock<DecisionTable>,
}

/// What the endpoints share: the limits, the turns, the last drafts compiled.
pub(crate) struct State {
    limits: Limits,
    jobs: Arc<Semaphore>,
    drafts: Mutex<Vec<Arc<Draft>>>,
}

impl State {
    pub(crate) fn new(limits: Limits) -> State {
        State {
            jobs: Arc::new(Semaphore::new(limits.max_concurrent_jobs)),
            drafts: Mutex::new(Vec::new()),
            limits,
        }
    }

    /// The draft compiled from `text`, from the cache when it is there.
    fn compile(&self, text: &str) -> Result<Arc<Draft>, Rejected> {
        if let Ok(mut drafts) = self.drafts.lock() {
            if let Some(at) = drafts.iter().position(|d| d.text == text) {
                let draft = drafts.remove(at);
                drafts.insert(0, Arc::clone(&draft));
                return Ok(draft);
            }
        }
        let engine = self
            .limits
            .builder()
            .from_toml_str(text)
            .map_err(|e| Rejected {
                diagnostics: e.diagnostics().to_vec(),
            })?;
        // What the form offers, from the engine itself (the policy is not parsed again).
        let vocabulary = Vocabulary::of(&engine);
        let draft = Arc::new(Draft {
            text: text.to_owned(),
            engine,
            vocabulary,
            table: OnceLock::new(),
        });
        if let Ok(mut drafts) = self.drafts.lock() {
            drafts.insert(0, Arc::clone(&draft));
            drafts.truncate(self.limits.cached_drafts);
        }
        Ok(draft)
    }
}

/// A policy that does not compile: its errors, located in its text (each with the `end` of
/// its span).
struct Rejected {
    diagnostics: Vec<Diagnostic>,
}

impl From<Rejected> for ApiError {
    fn from(rejected: Rejected) -> Self {
        ApiError::Policy(rejected.diagnostics)
    }
}

/// Why an endpoint did not answer.
pub(crate) enum ApiError {
    /// The body was not the request it should be: its status (400, 413, 415, 422), its code
    /// and why.
    Request(StatusCode, &'static str, String),
    /// The policy does not compile: 422 with its diagnostics.
    Policy(Vec<Diagnostic>),
    /// Something the request names is not in the policy: 422, with the request's field.
    Unknown(&'static str, String),
    /// No answer within the timeout: 503.
    Timeout,
    /// The work failed unexpectedly: 500.
    Internal,
}

/// Every error of the playground, in the shape of the decision service's errors
/// (`server/src/error.rs`): what is wrong, a machine-readable code of the service's list
/// (`invalid_json`, `invalid_request`, `unknown_field`, `unsupported_media_type`,
/// `body_too_large`, `policy_invalid`, `timeout`, `internal`), the request's field at fault
/// when known, and for a policy that does not compile, the library's diagnostics.
#[derive(Serialize)]
struct ErrorBody {
    error: String,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diagnostics: Vec<Diagnostic>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = ErrorBody {
            error: String::new(),
            code: "internal",
            field: None,
            diagnostics: Vec::new(),
        };
        let status = match self {
            ApiError::Request(status, code, message) => {
                body.code = code;
                body.error = message;
                status
            }
            ApiError::Policy(diagnostics) => {
                body.code = "policy_invalid";
                body.error = "the policy does not compile".to_owned();
                body.diagnostics = diagnostics;
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Unknown(field, message) => {
                body.code = "invalid_request";
                body.field = Some(field);
                body.error = message;
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Timeout => {
                body.code = "timeout";
                body.error =
                    "the playground is busy or the work took too long; try again".to_owned();
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal => {
                body.error = "the work failed".to_owned();
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, Json(body)).into_response()
    }
}

/// The refusals of the body limit (413) and of the slow-body timeout (408), which the layers
/// answer as plain text, in the endpoints' error shape.
pub(crate) async fn json_errors(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::Request(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the body is larger than the playground takes".to_owned(),
        )
        .into_response(),
        StatusCode::REQUEST_TIMEOUT => ApiError::Request(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the body took too long to arrive".to_owned(),
        )
        .into_response(),
        _ => response,
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let message = rejection.body_text();
        let code = match &rejection {
            JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
            JsonRejection::JsonSyntaxError(_) => "invalid_json",
            JsonRejection::JsonDataError(_) if message.contains("unknown field") => "unknown_field",
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
            _ => "invalid_request",
        };
        ApiError::Request(status, code, message)
    }
}

/// Runs `job` on the blocking pool once a turn is free, all within the timeout. A job that
/// outlives the timeout keeps its turn until it ends (its work is bounded by the limits), so
/// abandoned work never piles up beyond `max_concurrent_jobs`.
async fn run<T: Send + 'static>(
    state: &Arc<State>,
    job: impl FnOnce(&State) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let shared = Arc::clone(state);
    let work = async move {
        let permit = Arc::clone(&shared.jobs)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Internal)?;
        tokio::task::spawn_blocking(move || {
            let _turn = permit;
            job(&shared)
        })
        .await
        .map_err(|_| ApiError::Internal)?
    };
    tokio::time::timeout(state.limits.timeout, work)
        .await
        .unwrap_or(Err(ApiError::Timeout))
}

/// The body of every endpoint: the draft policy, and what the endpoint needs besides.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckRequest {
    policy: String,
}

/// What `check` found: the library's [`Report`] (with the located diagnostics of a policy
/// that does not compile, and no circumstance), and what the form offers when the policy
/// compiles — its presence says that it does.
#[derive(Serialize)]
pub(crate) struct CheckAnswer {
    #[serde(flatten)]
    report: Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    vocabulary: Option<Vocabulary>,
}

/// `POST /playground/api/check`: compiles the draft and, when it compiles, checks it.
pub(crate) async fn check(
    Extract(state): Extract<Arc<State>>,
    body: Result<Json<CheckRequest>, JsonRejection>,
) -> Result<Json<CheckAnswer>, ApiError> {
    let Json(request) = body?;
    run(&state, move |state| {
        Ok(match state.compile(&request.policy) {
            Ok(draft) => CheckAnswer {
                report: draft.engine.check().located_in_toml(&request.policy),
                vocabulary: Some(draft.vocabulary.clone()),
            },
            Err(rejected) => {
                let mut report = Report::default();
                report.diagnostics = rejected.diagnostics;
                CheckAnswer {
                    report,
                    vocabulary: None,
                }
            }
        })
    })
    .await
    .map(Json)
}

/// A request of the library with the draft policy beside its fields: `{"policy": …, …}`.
/// Unknown fields are refused as the library's type refuses them.
pub(crate) struct Drafted<T> {
    policy: String,
    request: T,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Drafted<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let policy = match fields.remove("policy") {
            Some(serde_json::Value::String(policy)) => policy,
            Some(_) => return Err(D::Error::custom("`policy`: expected the policy's text")),
            None => return Err(D::Error::missing_field("policy")),
        };
        let request =
            T::deserialize(serde_json::Value::Object(fields)).map_err(D::Error::custom)?;
        Ok(Drafted { policy, request })
    }
}

/// A decision as the page shows it: the library's explain answer (revision, steps with their
/// kind and text, decision) and, for the customer's own words, the library's triage result
/// (its offsets count bytes of the text; the page's script turns them into its own).
#[derive(Serialize)]
pub(crate) struct DecideResponse {
    #[serde(flatten)]
    explanation: ExplanationRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    triage: Option<TriageResult>,
}

/// `POST /playground/api/decide`: the library's [`DecideRequest`] with the draft policy; the
/// decision, the steps that led to it and, for the customer's own words, the triage.
pub(crate) async fn decide(
    Extract(state): Extract<Arc<State>>,
    body: Result<Json<Drafted<DecideRequest>>, JsonRejection>,
) -> Result<Json<DecideResponse>, ApiError> {
    let Json(Drafted { policy, request }) = body?;
    run(&state, move |state| {
        let draft = state.compile(&policy)?;
        let engine = &draft.engine;
        let explanation = engine.explain(&request.contact, &request.responder);
        let explained = explanation.to_record_with(&request.values);
        let triage = match (&request.contact.topic, &request.contact.text) {
            (None, Some(text)) => {
                let default = engine.locales().next().unwrap_or_default();
                let locale = request.contact.locale.as_deref().unwrap_or(default);
                Some(engine.triage(text, locale))
            }
            _ => None,
        };
        Ok(DecideResponse {
            explanation: explained,
            triage,
        })
    })
    .await
    .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TableRequest {
    policy: String,
    /// Only rows of this topic (empty: all).
    #[serde(default)]
    topic: String,
    /// Only rows of this responder, a role or a system id (empty: all).
    #[serde(default)]
    responder: String,
    /// Only rows with this outcome (empty: all).
    #[serde(default)]
    outcome: String,
}

/// The decision table, filtered: the library's [`DecisionTable`] (`rows`, the first
/// `max_table_rows` that pass the filters; `diagnostics`, the topics it had to leave out) and
/// how many rows there are in all and pass the filters.
#[derive(Serialize)]
pub(crate) struct TableAnswer {
    #[serde(flatten)]
    table: DecisionTable,
    /// Rows in the whole table.
    total: usize,
    /// Rows that pass the filters.
    matched: usize,
}

fn responder_id(responder: &Responder) -> &str {
    match responder {
        Responder::System(id) | Responder::Staff(id) => id,
        // A responder of a later kind: no filter matches it.
        _ => "",
    }
}

/// `POST /playground/api/table`: the decision table, filtered by topic, responder, outcome.
pub(crate) async fn table(
    Extract(state): Extract<Arc<State>>,
    body: Result<Json<TableRequest>, JsonRejection>,
) -> Result<Json<TableAnswer>, ApiError> {
    let Json(request) = body?;
    run(&state, move |state| {
        let draft = state.compile(&request.policy)?;
        let table = draft.table.get_or_init(|| draft.engine.decision_table());
        let keep = |row: &&TableRow| {
            (request.topic.is_empty() || row.topic == request.topic)
                && (request.responder.is_empty()
                    || responder_id(&row.responder) == request.responder)
                && (request.outcome.is_empty() || row.decision.outcome.as_str() == request.outcome)
        };
        let matched = table.rows.iter().filter(keep).count();
        let mut shown = DecisionTable::default();
        shown.rows = table
            .rows
            .iter()
            .filter(keep)
            .take(state.limits.max_table_rows)
            .cloned()
            .collect();
        shown.diagnostics = table.diagnostics.clone();
        shown.policy = table.policy.clone();
        shown.revision = table.revision.clone();
        Ok(TableAnswer {
            table: shown,
            total: table.rows.len(),
            matched,
        })
    })
    .await
    .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ManualRequest {
    policy: String,
    /// The department (empty: the whole manual).
    #[serde(default)]
    department: String,
    /// The locale (empty: the policy's default).
    #[serde(default)]
    locale: String,
}

/// The service manual, as Markdown and as HTML safe to show.
#[derive(Serialize)]
pub(crate) struct ManualResponse {
    markdown: String,
    html: String,
}

/// `POST /playground/api/manual`: the service manual of one department, or the whole one.
pub(crate) async fn manual(
    Extract(state): Extract<Arc<State>>,
    body: Result<Json<ManualRequest>, JsonRejection>,
) -> Result<Json<ManualResponse>, ApiError> {
    let Json(request) = body?;
    run(&state, move |state| {
        let draft = state.compile(&request.policy)?;
        let department = (!request.department.is_empty()).then_some(request.department.as_str());
        let markdown = draft
            .engine
            .manual(department, &request.locale)
            .map_err(|e| {
                let field = if e.locale().is_some() {
                    "locale"
                } else {
                    "department"
                };
                ApiError::Unknown(field, e.to_string())
            })?;
        Ok(ManualResponse {
            html: crate::manual::to_html(&markdown),
            markdown,
        })
    })
    .await
    .map(Json)
}
