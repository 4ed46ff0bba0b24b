//! The OpenAPI document of the service, served at `GET /v1/openapi.json`: the operations from
//! the endpoints' annotations (utoipa), the shapes from the library. Every request and answer
//! the service shares with the CLI and the bindings (a request, a decision, a pinned decision,
//! an explanation, triage, a diagnostic, the policy's counts and lists) is the library's own
//! JSON Schema (`unified_message::wire::schemas`), named by reference here ([`library`]); the
//! schemas of the service's own envelopes (errors, health, the policy in force, a draft) are
//! derived on its types; [`composite`] holds the shapes that combine them (one request or a
//! batch, one answer or an array).

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};

use crate::endpoints::{
    REQUEST_ID_HEADER, check, decide, explain, health, metrics, policy, triage,
};

/// Where the document's component schemas are: the prefix of every `$ref`.
pub const SCHEMAS: &str = "#/components/schemas/";

/// A reference to the schema `name` of the document's components.
fn named(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

/// An array of the schema `name`.
fn array_of(name: &str) -> ArrayBuilder {
    ArrayBuilder::new().items(named(name))
}

/// The schema of a list of diagnostics: the library's `Diagnostic`, by reference.
pub fn diagnostics() -> ArrayBuilder {
    array_of("Diagnostic")
}

/// Types that stand for a schema by its name in the operations' annotations.
macro_rules! by_name {
    ($($(#[$doc:meta])* $name:ident => $schema:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                stringify!($name).into()
            }
        }
    )*};
}

/// The library's schemas the operations name: each a reference, resolved by the library's own
/// schema that [`json()`] puts in the document's components under the same name.
pub mod library {
    use super::{Cow, RefOr, Schema, named};

    by_name! {
        /// The library's `DecideRequest`: a line of `unified-message decide`.
        DecideRequest => named("DecideRequest");
        /// The library's `DecisionRecord`.
        DecisionRecord => named("DecisionRecord");
        /// The library's `PinnedRecord`.
        PinnedRecord => named("PinnedRecord");
        /// The library's `ExplanationRecord`.
        ExplanationRecord => named("ExplanationRecord");
        /// The library's `PolicyCounts`.
        PolicyCounts => named("PolicyCounts");
        /// The library's `PolicyDetail`.
        PolicyDetail => named("PolicyDetail");
        /// The library's `PolicyFormat`: `toml`, `json` or `yaml`.
        PolicyFormat => named("PolicyFormat");
    }
}

/// The shapes of the service that combine the library's: one request or a batch, one answer or
/// an array, an item's record or its error; and the triage answer, the library's
/// `TriageResult` with the revision.
pub mod composite {
    use super::{ArrayBuilder, Cow, OneOfBuilder, RefOr, Schema, array_of, named};

    fn one_of(description: &str, items: impl IntoIterator<Item = RefOr<Schema>>) -> RefOr<Schema> {
        let mut one_of = OneOfBuilder::new().description(Some(description));
        for item in items {
            one_of = one_of.item(item);
        }
        one_of.into()
    }

    fn array(builder: ArrayBuilder) -> RefOr<Schema> {
        builder.build().into()
    }

    by_name! {
        /// The body of `POST /v1/decide`: one request, or a batch.
        DecideBody => one_of(
            "One request (a line of `unified-message decide`), or an array of them decided by one revision.",
            [named("DecideRequest"), array(array_of("DecideRequest"))],
        );
        /// One item of `POST /v1/decide`'s answer.
        DecideItem => one_of(
            "A decision; a pinned decision with `?pin=true`; in a pinned batch, the error of an item (nothing was delivered for it and no pin written; the other items keep their records).",
            [named("DecisionRecord"), named("PinnedRecord"), named("ErrorBody")],
        );
        /// The answer of `POST /v1/decide`: one item, or an array in the batch's order.
        DecideResponse => one_of(
            "One decision, or an array in the batch's order.",
            [named("DecideItem"), array(array_of("DecideItem"))],
        );
        /// One item of a pinned batch's answer.
        PinnedItem => one_of(
            "A pinned decision, or the error of this item (its `code`: `pin_ahead`, `pin_store_unavailable`, `pin_contention`, `timeout`, `invalid_customer_id` with `field` `[i].contact.customer`): nothing was delivered for it and no pin written; the other items keep their records.",
            [named("PinnedRecord"), named("ErrorBody")],
        );
        /// The answer of `POST /v1/triage` (made from the library's `TriageResult` by [`super::json()`]).
        TriageResponse => named("TriageResult");
    }
}

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
    components(schemas(composite::DecideBody, composite::DecideItem, composite::DecideResponse, composite::PinnedItem)),
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
/// declares the `x-request-id` header. The component schemas are the library's
/// (`unified_message::wire::schemas`) and the service's own.
pub fn json(with_upload: bool, tokens_required: bool) -> String {
    serde_json::to_string_pretty(&document_value(with_upload, tokens_required))
        .unwrap_or_else(|_| "{}".to_owned())
}

/// The document of [`json()`], as a JSON value.
pub fn document_value(with_upload: bool, tokens_required: bool) -> Value {
    let mut doc = ApiDoc::openapi();
    if !with_upload {
        if let Some(item) = doc.paths.paths.get_mut("/v1/policy") {
            item.put = None;
        }
    }
    let Ok(mut value) = serde_json::to_value(&doc) else {
        return json!({});
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
    if let Some(schemas) = value
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let library = unified_message::wire::schemas(SCHEMAS);
        // The triage answer: the library's result with the revision that triaged.
        if let Some(mut triage) = library.get("TriageResult").cloned() {
            if let Some(object) = triage.as_object_mut() {
                object.insert("title".to_owned(), json!("TriageResponse"));
                object.insert(
                    "description".to_owned(),
                    json!("The answer of `POST /v1/triage`: the library's `TriageResult` and the revision that triaged."),
                );
                if let Some(properties) =
                    object.get_mut("properties").and_then(Value::as_object_mut)
                {
                    properties.insert(
                        "revision".to_owned(),
                        json!({"type": "string", "description": "The policy revision that triaged."}),
                    );
                }
                if let Some(required) = object.get_mut("required").and_then(Value::as_array_mut) {
                    required.insert(0, json!("revision"));
                }
            }
            schemas.insert("TriageResponse".to_owned(), triage);
        }
        // The library's shapes, each under its name (the references of [`library`] resolve to
        // them).
        schemas.extend(library);
    }
    value
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
