//! The page's JSON endpoints. Each takes the draft policy in its body, compiles it (or finds
//! it among the drafts compiled last) on tokio's blocking pool, one of at most
//! `max_concurrent_jobs` at once, within `timeout`; a policy that does not compile is an
//! answer with its diagnostics, never a server error.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Json;
use axum::extract::State as Extract;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use unified_message::document::Location;
use unified_message::render::SourceFile;
use unified_message::table::{DecisionTable, TableRow};
use unified_message::triage::TriageReason;
use unified_message::{Contact, Diagnostic, Engine, ExplanationRecord, Responder, Severity};

use crate::Limits;
use crate::vocabulary::Vocabulary;

/// The most diagnostics one response lists; the rest are counted.
const MAX_DIAGNOSTICS: usize = 500;
/// The most triage candidates one decision shows.
const MAX_CANDIDATES: usize = 10;

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
                counts: Counts::of(e.diagnostics()),
                diagnostics: located(text, e.diagnostics()),
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

/// A policy that does not compile: what the page shows of its diagnostics, and how many.
struct Rejected {
    diagnostics: Vec<PageDiagnostic>,
    counts: Counts,
}

impl From<Rejected> for ApiError {
    fn from(rejected: Rejected) -> Self {
        ApiError::Policy(rejected.diagnostics)
    }
}

/// Errors, warnings, and diagnostics past the first 500.
#[derive(Clone, Copy)]
struct Counts {
    errors: usize,
    warnings: usize,
    omitted: usize,
}

impl Counts {
    fn of(all: &[Diagnostic]) -> Counts {
        Counts {
            errors: all.iter().filter(|d| d.is_error()).count(),
            warnings: all.iter().filter(|d| !d.is_error()).count(),
            omitted: all.len().saturating_sub(MAX_DIAGNOSTICS),
        }
    }
}

/// Why an endpoint did not answer.
pub(crate) enum ApiError {
    /// The body was not the request it should be (its status: 400, 413, 415, 422).
    Request(StatusCode, String),
    /// The policy does not compile: 422 with its diagnostics.
    Policy(Vec<PageDiagnostic>),
    /// Something the request names is not in the policy: 422.
    Unknown(String),
    /// No answer within the timeout: 503.
    Timeout,
    /// The work failed unexpectedly: 500.
    Internal,
}

#[derive(Serialize)]
struct ErrorBody {
    error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diagnostics: Vec<PageDiagnostic>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, diagnostics) = match self {
            ApiError::Request(status, message) => (status, message, Vec::new()),
            ApiError::Policy(diagnostics) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "the policy does not compile".to_owned(),
                diagnostics,
            ),
            ApiError::Unknown(message) => (StatusCode::UNPROCESSABLE_ENTITY, message, Vec::new()),
            ApiError::Timeout => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the playground is busy or the work took too long; try again".to_owned(),
                Vec::new(),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the work failed".to_owned(),
                Vec::new(),
            ),
        };
        (status, Json(ErrorBody { error, diagnostics })).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Request(rejection.status(), rejection.body_text())
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

/// A diagnostic as the page shows it: where (line and column, from 1, and where its span
/// ends), what, the hint, and a counterexample or the matched phrase when there is one.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PageDiagnostic {
    code: String,
    severity: &'static str,
    message: String,
    hint: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counterexample: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched: Option<String>,
}

fn located(text: &str, diagnostics: &[Diagnostic]) -> Vec<PageDiagnostic> {
    let source = SourceFile::new(text, "policy.toml");
    diagnostics
        .iter()
        .take(MAX_DIAGNOSTICS)
        .map(|d| {
            let end = source.span(d).map(|span| {
                // The last character of the span, not the one after it.
                let last = text
                    .get(..span.end)
                    .and_then(|t| t.char_indices().next_back())
                    .map_or(span.end, |(i, _)| i.max(span.start));
                Location::of_offset(text, last)
            });
            PageDiagnostic {
                code: d.code.to_string(),
                severity: match d.severity {
                    Severity::Error => "error",
                    _ => "warning",
                },
                message: d.message.clone(),
                hint: d.hint.clone(),
                path: d.path.to_string(),
                line: d.location.map(|l| l.line),
                column: d.location.map(|l| l.column),
                end_line: end.map(|l| l.line),
                end_column: end.map(|l| l.column),
                counterexample: d.counterexample.as_ref().map(|c| c.to_string()),
                matched: d
                    .matched
                    .as_ref()
                    .map(|m| format!("“{}” — {}", m.text, m.why)),
            }
        })
        .collect()
}

/// The body of every endpoint: the draft policy, and what the endpoint needs besides.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckRequest {
    policy: String,
}

/// What `check` found, and what the form offers when the policy compiles.
#[derive(Serialize)]
pub(crate) struct CheckResponse {
    compiles: bool,
    errors: usize,
    warnings: usize,
    /// Diagnostics left out of `diagnostics` (past the first 500).
    omitted: usize,
    diagnostics: Vec<PageDiagnostic>,
    circumstances: u64,
    decided: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    vocabulary: Option<Vocabulary>,
}

/// `POST /playground/api/check`: compiles the draft and, when it compiles, checks it.
pub(crate) async fn check(
    Extract(state): Extract<Arc<State>>,
    body: Result<Json<CheckRequest>, JsonRejection>,
) -> Result<Json<CheckResponse>, ApiError> {
    let Json(request) = body?;
    run(&state, move |state| {
        Ok(match state.compile(&request.policy) {
            Ok(draft) => {
                let report = draft.engine.check().located_in_toml(&request.policy);
                let counts = Counts::of(&report.diagnostics);
                CheckResponse {
                    compiles: true,
                    errors: counts.errors,
                    warnings: counts.warnings,
                    omitted: counts.omitted,
                    diagnostics: located(&request.policy, &report.diagnostics),
                    circumstances: report.circumstances,
                    decided: report.decided,
                    vocabulary: Some(draft.vocabulary.clone()),
                }
            }
            Err(rejected) => CheckResponse {
                compiles: false,
                errors: rejected.counts.errors.max(1),
                warnings: rejected.counts.warnings,
                omitted: rejected.counts.omitted,
                diagnostics: rejected.diagnostics,
                circumstances: 0,
                decided: 0,
                vocabulary: None,
            },
        })
    })
    .await
    .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecideRequest {
    policy: String,
    contact: Contact,
    responder: Responder,
    #[serde(default)]
    values: BTreeMap<String, String>,
}

/// A decision as the page shows it: the library's explain answer (revision, steps with their
/// kind and text, decision) and, for the customer's own words, the triage.
#[derive(Serialize)]
pub(crate) struct DecideResponse {
    #[serde(flatten)]
    explanation: ExplanationRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    triage: Option<TriageView>,
}

#[derive(Serialize)]
struct TriageView {
    topic: String,
    confidence: f64,
    threshold: f64,
    reason: TriageReason,
    ambiguous: Vec<String>,
    truncated: bool,
    candidates: Vec<CandidateView>,
}

#[derive(Serialize)]
struct CandidateView {
    topic: String,
    score: f64,
    share: f64,
    matches: Vec<MatchView>,
}

/// A keyword's match in the customer's text; `start` and `end` count UTF-16 code units, as
/// the page's JavaScript strings do.
#[derive(Serialize)]
struct MatchView {
    pattern: String,
    text: String,
    start: usize,
    end: usize,
}

fn utf16_offset(text: &str, byte: usize) -> usize {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    text.get(..byte).map_or(0, |t| t.encode_utf16().count())
}

/// `POST /playground/api/decide`: the decision for a contact and a responder, the steps that
/// led to it and, for the customer's own words, the triage.
pub(crate) async fn decide(
    Extract(state): Extract<Arc<State>>,
    body: Result<Json<DecideRequest>, JsonRejection>,
) -> Result<Json<DecideResponse>, ApiError> {
    let Json(request) = body?;
    run(&state, move |state| {
        let draft = state.compile(&request.policy)?;
        let engine = &draft.engine;
        let explanation = engine.explain(&request.contact, &request.responder);
        let explained = explanation.to_record_with(&request.values);
        let triage = match (&request.contact.topic, &request.contact.text) {
            (None, Some(text)) => {
                let default = engine.locales().next().unwrap_or_default();
                let locale = request.contact.locale.as_deref().unwrap_or(default);
                let result = engine.triage(text, locale);
                Some(TriageView {
                    topic: result.topic,
                    confidence: result.confidence,
                    threshold: result.threshold,
                    reason: result.reason,
                    ambiguous: result.ambiguous,
                    truncated: result.truncated,
                    candidates: result
                        .candidates
                        .into_iter()
                        .take(MAX_CANDIDATES)
                        .map(|c| CandidateView {
                            topic: c.topic,
                            score: c.score,
                            share: c.share,
                            matches: c
                                .matches
                                .into_iter()
                                .map(|m| MatchView {
                                    start: utf16_offset(text, m.start),
                                    end: utf16_offset(text, m.end),
                                    pattern: m.pattern,
                                    text: m.text,
                                })
                                .collect(),
                        })
                        .collect(),
                })
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

/// The decision table, filtered.
#[derive(Serialize)]
pub(crate) struct TableResponse {
    /// Rows in the whole table.
    total: usize,
    /// Rows that pass the filters.
    matched: usize,
    /// The first of them, at most `max_table_rows`.
    rows: Vec<TableRow>,
    /// Topics the table had to leave out (`table-too-large`, `space-too-large`).
    diagnostics: Vec<PageDiagnostic>,
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
) -> Result<Json<TableResponse>, ApiError> {
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
        Ok(TableResponse {
            total: table.rows.len(),
            matched,
            rows: table
                .rows
                .iter()
                .filter(keep)
                .take(state.limits.max_table_rows)
                .cloned()
                .collect(),
            diagnostics: located(&request.policy, &table.diagnostics),
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
            .map_err(|e| ApiError::Unknown(e.to_string()))?;
        Ok(ManualResponse {
            html: crate::manual::to_html(&markdown),
            markdown,
        })
    })
    .await
    .map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_count_what_javascript_counts() {
        let text = "ñ😀 outlook";
        let start = text.find("outlook").unwrap_or(0);
        assert_eq!(utf16_offset(text, start), 4);
        assert_eq!(utf16_offset(text, text.len() + 5), 11);
        assert_eq!(utf16_offset(text, 1), 0, "inside `ñ`: the char's start");
    }
}
