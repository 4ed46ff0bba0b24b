//! The OpenAPI document of the service, assembled from the endpoints' annotations and the
//! wire types, and served at `GET /v1/openapi.json`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::OpenApi;

use crate::endpoints::{
    REQUEST_ID_HEADER, check, decide, explain, health, metrics, policy, triage,
};

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
pub async fn document(State(doc): State<Arc<String>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc.as_str().to_owned(),
    )
        .into_response()
}

/// The OpenAPI document, derived from the endpoints and the wire types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "unified-message-server",
        description = "The unified-message engine over HTTP: one canonical answer or redirect for a customer's circumstance, whichever channel asks. Bodies are the JSON of `unified-message decide`."
    ),
    paths(
        decide::decide,
        decide::decide_one,
        decide::decide_pinned,
        decide::decide_batch,
        decide::decide_pinned_batch,
        triage::triage,
        explain::explain,
        check::check,
        policy::policy,
        policy::upload,
        health::live,
        health::ready,
        metrics::metrics,
        document
    ),
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
/// operations that need one no longer offer the empty security requirement. Every answer
/// declares the `x-request-id` header.
pub fn json(with_upload: bool, tokens_required: bool) -> String {
    let mut doc = ApiDoc::openapi();
    if !with_upload {
        if let Some(item) = doc.paths.paths.get_mut("/v1/policy") {
            item.put = None;
        }
    }
    let Ok(mut value) = serde_json::to_value(&doc) else {
        return "{}".to_owned();
    };
    for operation in operations(&mut value) {
        if tokens_required {
            if let Some(security) = operation.get_mut("security").and_then(Value::as_array_mut) {
                security.retain(|r| r.as_object().is_none_or(|o| !o.is_empty()));
            }
        }
        let responses = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|r| r.values_mut());
        for response in responses.filter_map(Value::as_object_mut) {
            let headers = response
                .entry("headers")
                .or_insert_with(|| json!({}))
                .as_object_mut();
            if let Some(headers) = headers {
                headers.insert(
                    REQUEST_ID_HEADER.to_owned(),
                    json!({
                        "description": "The request's id: the client's own `x-request-id`, or one the service made (it names the request in the service's log and the decision log)",
                        "schema": {"type": "string"}
                    }),
                );
            }
        }
    }
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_owned())
}

/// Every operation of the document (`paths.*.{get,post,…}`), as JSON objects.
fn operations(doc: &mut Value) -> impl Iterator<Item = &mut serde_json::Map<String, Value>> {
    doc.get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(Value::as_object_mut)
}
