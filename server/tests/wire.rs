//! Issue 24 point 1: the OpenAPI document's shapes are the library's own schemas
//! (`unified_message::wire::schemas`), with no mirror in the service: every `$ref` resolves,
//! the service's own schemas are apart from the library's, and every answer the service gives
//! (decisions, pinned decisions, batches, triage, explanations, checks, the policy, health,
//! errors) validates against the schema its operation declares for its status.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::{Value, json};
use support::{Scratch, Service, client, email_request, policy_text};
use unified_message::pins::Timestamp;
use unified_message::{Channel, Contact, Engine, MemoryPinStore, Progress, Responder};

/// The document a service serves.
async fn document(s: &Service) -> Value {
    client()
        .get(s.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every `$ref` of `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// A validator of `schema`, whose references point into the document's components.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.as_object().cloned().unwrap_or_default();
    root.insert("components".to_owned(), doc["components"].clone());
    jsonschema::validator_for(&Value::Object(root)).unwrap()
}

fn assert_fits(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let errors: Vec<String> = validator(doc, schema)
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}\n{instance}");
}

#[tokio::test]
async fn issue24_1_every_reference_resolves_to_the_library_or_the_service() {
    let dir = Scratch::new("wire-refs");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start_env(&policy, &[], &[("UM_ADMIN_TOKEN", "admin-secret-token-24")]);
    let doc = document(&s).await;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 50, "{}", all.len());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(schemas.contains_key(name), "{r} does not resolve");
    }
    // The library's shapes are the library's schemas, as it derives them.
    let library = unified_message::wire::schemas("#/components/schemas/");
    for name in [
        "DecideRequest",
        "DecisionRecord",
        "PinnedRecord",
        "ExplanationRecord",
        "Diagnostic",
    ] {
        assert_eq!(schemas[name], library[name], "{name}");
    }
    // No schema is a mere reference to itself, and the service's own names are apart from
    // the library's.
    for (name, schema) in schemas {
        assert_ne!(
            schema["$ref"],
            json!(format!("#/components/schemas/{name}")),
            "{name}"
        );
    }
    // Issue 24 point 4: one `PolicyFormat`, the library's, for the check and upload bodies too.
    assert!(library.contains_key("PolicyFormat"));
    assert_eq!(
        schemas["PolicyText"]["properties"]["format"]["$ref"],
        json!("#/components/schemas/PolicyFormat")
    );
    for own in [
        "ErrorBody",
        "ErrorCode",
        "CheckResponse",
        "PolicyStatus",
        "ReloadStatus",
        "PolicyText",
        "Health",
        "TriageRequest",
        "DecideBody",
        "DecideItem",
        "DecideResponse",
        "PinnedItem",
    ] {
        assert!(schemas.contains_key(own), "{own}");
        assert!(!library.contains_key(own), "{own} is also the library's");
    }
}

/// One request to the service, and the schema its operation declares for the answer's status.
async fn exchange(
    s: &Service,
    doc: &Value,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value, Value) {
    let c = client();
    let request = match method {
        "get" => c.get(s.url(path)),
        "put" => c.put(s.url(path)).bearer_auth("admin-secret-token-24"),
        _ => c.post(s.url(path)),
    };
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let answer: Value = r.json().await.unwrap();
    let route = path.split('?').next().unwrap();
    let declared = &doc["paths"][route][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        declared.is_object(),
        "{method} {path}: {status} is not declared: {answer}"
    );
    (status, answer, declared.clone())
}

#[tokio::test]
async fn issue24_1_every_answer_fits_the_schema_of_its_operation() {
    let dir = Scratch::new("wire-answers");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start_env(
        &policy,
        &["--pins", "memory"],
        &[("UM_ADMIN_TOKEN", "admin-secret-token-24")],
    );
    let doc = document(&s).await;
    // The validators see the schemas (a record without its fields does not fit).
    let record = json!({"$ref": "#/components/schemas/DecisionRecord"});
    assert!(!validator(&doc, &record).is_valid(&json!({"outcome": "answer"})));
    let one = email_request("ana");
    let mut asking = email_request("bea");
    asking["contact"]["asks_for_superior"] = json!(true);
    asking["responder"] = json!({"staff": "support-agent"});
    asking["contact"]["facts"] = json!({"plan": "premium", "seats": 3, "vip": true});
    let batch = json!([one, asking]);
    let mut bad_item = email_request("bad\u{0}id");
    bad_item["contact"]["progress"] = json!("served");
    let draft = json!({"policy": unified_message::EXAMPLE_POLICY});
    let broken = json!({"policy": policy_text("r2", None).replace("[policy]", "[policy\n")});
    let cases: Vec<(&str, &str, Option<Value>, u16)> = vec![
        ("post", "/v1/decide", Some(one.clone()), 200),
        ("post", "/v1/decide", Some(batch.clone()), 200),
        ("post", "/v1/decide?pin=true", Some(asking.clone()), 200),
        (
            "post",
            "/v1/decide?pin=1",
            Some(json!([one, bad_item])),
            200,
        ),
        ("post", "/v1/decide/one", Some(asking.clone()), 200),
        ("post", "/v1/decide/pinned", Some(asking.clone()), 200),
        ("post", "/v1/decide/batch", Some(batch.clone()), 200),
        (
            "post",
            "/v1/decide/pinned/batch",
            Some(json!([asking, bad_item])),
            200,
        ),
        ("post", "/v1/decide/one", Some(json!({"contact": {}})), 400),
        ("post", "/v1/decide/pinned", Some(bad_item.clone()), 400),
        (
            "post",
            "/v1/triage",
            Some(json!({"text": "no puedo configurar el correo", "locale": "es"})),
            200,
        ),
        ("post", "/v1/triage", Some(json!({"text": 1})), 400),
        ("post", "/v1/explain", Some(asking.clone()), 200),
        ("post", "/v1/check", Some(draft.clone()), 200),
        ("post", "/v1/check", Some(broken.clone()), 200),
        ("get", "/v1/policy", None, 200),
        ("get", "/v1/policy?detail=true", None, 200),
        ("get", "/v1/policy?detail=maybe", None, 400),
        ("put", "/v1/policy", Some(broken), 422),
        (
            "put",
            "/v1/policy",
            Some(json!({"policy": policy_text("r2", None)})),
            200,
        ),
        ("get", "/health/live", None, 200),
        ("get", "/health/ready", None, 200),
        ("get", "/health/ready?revision=r9", None, 503),
    ];
    for (method, path, body, expected) in cases {
        let (status, answer, schema) = exchange(&s, &doc, method, path, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        assert_fits(&doc, &schema, &answer, &format!("{method} {path} {status}"));
    }
}

#[tokio::test]
async fn issue24_1_policy_detail_lists_what_the_policy_holds() {
    let dir = Scratch::new("wire-detail");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &[]);
    let get = |path: &'static str| {
        let url = s.url(path);
        async move {
            client()
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let short = get("/v1/policy").await;
    assert!(
        short.get("detail").is_none(),
        "the short form stays: {short}"
    );
    for flag in ["true", "True", "1"] {
        let path: &'static str = match flag {
            "true" => "/v1/policy?detail=true",
            "True" => "/v1/policy?detail=True",
            _ => "/v1/policy?detail=1",
        };
        let long = get(path).await;
        let engine = Engine::from_toml_str(&policy_text("r1", None)).unwrap();
        let topics: Vec<&str> = engine.topics().collect();
        assert_eq!(long["detail"]["topics"], json!(topics), "{flag}: {long}");
        let mut without = long.clone();
        without.as_object_mut().unwrap().remove("detail");
        assert_eq!(without["counts"], short["counts"]);
    }
}

fn contacts(engine: &Engine) -> Vec<(Contact, Responder)> {
    let mut out = Vec::new();
    let responders: Vec<Responder> = engine
        .roles()
        .map(Responder::staff)
        .chain(engine.systems().map(Responder::system))
        .chain([Responder::staff("nobody")])
        .collect();
    for topic in engine.topics().chain(["no.such.topic"]) {
        for progress in Progress::ALL {
            for responder in &responders {
                for channel in [Channel::Web, Channel::Phone, Channel::from("sms")] {
                    let c = Contact::new("c-1", channel)
                        .with_topic(topic)
                        .with_progress(progress)
                        .with_locale("fr");
                    out.push((c.clone(), responder.clone()));
                    out.push((c.asking_for_superior(), responder.clone()));
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn issue14_1_every_decision_record_fits_the_documents_schema() {
    let dir = Scratch::new("wire-records");
    let policy = dir.write_atomic("policy.toml", unified_message::EXAMPLE_POLICY);
    let s = Service::start(&policy, &[]);
    let doc = document(&s).await;
    let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let (records, pinned, requests) = (
        validator(&doc, &schema("DecisionRecord")),
        validator(&doc, &schema("PinnedRecord")),
        validator(&doc, &schema("DecideRequest")),
    );
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let store = MemoryPinStore::new();
    for (i, (contact, responder)) in contacts(&engine).into_iter().enumerate() {
        let record = serde_json::to_value(engine.decide(&contact, &responder).to_record()).unwrap();
        assert!(records.is_valid(&record), "{record}");
        let request = unified_message::DecideRequest::new(contact.clone(), responder.clone());
        let request = serde_json::to_value(&request).unwrap();
        assert!(requests.is_valid(&request), "{request}");
        let now = Timestamp::from_unix_seconds(i as i64);
        let p = engine
            .decide_pinned(&contact, &responder, &store, now)
            .unwrap();
        let p = serde_json::to_value(p.to_record()).unwrap();
        assert!(pinned.is_valid(&p), "{p}");
    }
}

/// Issue 24 points 9 and 11: the document's enumerations, the library's and the service's,
/// are each one `enum` (no `oneOf` of constants, which client generators misread), and a
/// fact's number is the library's rule as the library's schema says it: the service patches
/// neither.
#[test]
fn i24_p9_the_document_keeps_the_librarys_enums_and_facts() {
    fn no_constant_chains(value: &Value, path: &str) {
        match value {
            Value::Object(o) => {
                if let Some(items) = o.get("oneOf").and_then(Value::as_array) {
                    assert!(
                        !items.iter().all(|i| i.get("const").is_some()),
                        "{path}: a oneOf of constants"
                    );
                }
                for (k, v) in o {
                    no_constant_chains(v, &format!("{path}/{k}"));
                }
            }
            Value::Array(a) => a.iter().for_each(|v| no_constant_chains(v, path)),
            _ => {}
        }
    }
    for (upload, tokens) in [(true, false), (false, true)] {
        let doc = unified_message_server::openapi::document_value(upload, tokens);
        no_constant_chains(&doc, "");
        let library = unified_message::wire::schemas(unified_message_server::openapi::SCHEMAS);
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for (name, schema) in &library {
            assert_eq!(&schemas[name], schema, "{name}");
        }
        let facts = &schemas["Contact"]["properties"]["facts"]["additionalProperties"];
        assert_eq!(
            facts["maximum"],
            json!(unified_message::request::MAX_FACT_INTEGER)
        );
    }
}
