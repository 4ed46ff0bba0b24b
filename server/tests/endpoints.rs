//! Issue 24 points 5 and 11: the typed forms of `POST /v1/decide` answer exactly what the
//! general route answers, each in one shape; `?pin=` takes what HTTP clients send; the OpenAPI
//! document gives each form its own operation and declares the headers every answer carries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::{Value, json};
use support::{Scratch, Service, client, email_request, policy_text, token_line};

async fn post(s: &Service, path: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
    let mut request = client().post(s.url(path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn issue24_11_pin_takes_true_true_and_1_and_their_opposites() {
    let dir = Scratch::new("pin-flags");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &["--pins", "memory"]);
    for (i, value) in ["true", "True", "1"].into_iter().enumerate() {
        let customer = format!("c-{i}");
        let (status, body) = post(
            &s,
            &format!("/v1/decide?pin={value}"),
            &email_request(&customer),
            None,
        )
        .await;
        assert_eq!(status, 200, "pin={value}: {body}");
        assert_eq!(body["status"], "new", "pin={value} pins: {body}");
    }
    for value in ["false", "False", "0"] {
        let (status, body) = post(
            &s,
            &format!("/v1/decide?pin={value}"),
            &email_request("c-plain"),
            None,
        )
        .await;
        assert_eq!(status, 200, "pin={value}: {body}");
        assert!(body["status"].is_null(), "pin={value} does not pin: {body}");
        assert!(body["outcome"].is_string(), "{body}");
    }
    for value in ["maybe", "TRUE", "yes", "", "2"] {
        let (status, body) = post(
            &s,
            &format!("/v1/decide?pin={value}"),
            &email_request("c-bad"),
            None,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str(), body["field"].as_str()),
            (400, Some("invalid_query"), Some("pin")),
            "pin={value}: {body}"
        );
    }
}

#[tokio::test]
async fn issue24_11_each_form_of_decide_answers_what_the_general_route_answers() {
    let dir = Scratch::new("decide-forms");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &["--pins", "memory"]);
    let one = email_request("ana");
    let batch = json!([email_request("bea"), email_request("cy")]);

    let (status, general) = post(&s, "/v1/decide", &one, None).await;
    assert_eq!(status, 200);
    assert_eq!(post(&s, "/v1/decide/one", &one, None).await, (200, general));

    let (status, general) = post(&s, "/v1/decide", &batch, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        post(&s, "/v1/decide/batch", &batch, None).await,
        (200, general)
    );

    // Pinned: the first answer pins (`new`), the second keeps (`kept`), whichever form.
    let (status, pinned) = post(&s, "/v1/decide/pinned", &email_request("dan"), None).await;
    assert_eq!((status, pinned["status"].as_str()), (200, Some("new")));
    let (status, again) = post(&s, "/v1/decide?pin=true", &email_request("dan"), None).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("kept")));
    assert_eq!(pinned["decision"], again["decision"]);
    let (status, items) = post(&s, "/v1/decide/pinned/batch", &batch, None).await;
    assert_eq!(status, 200, "{items}");
    let statuses: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["new", "new"], "{items}");

    // Each typed form takes its one shape: an array sent for one request is refused whole
    // (serde would read `[contact, responder]` as the struct's fields), an object sent for a
    // batch too.
    let as_fields = json!([one["contact"], one["responder"]]);
    for (path, body) in [
        ("/v1/decide/one", &as_fields),
        ("/v1/decide/pinned", &as_fields),
        ("/v1/decide/one", &batch),
        ("/v1/decide/pinned", &batch),
        ("/v1/decide/batch", &one),
        ("/v1/decide/pinned/batch", &one),
    ] {
        let (status, error) = post(&s, path, body, None).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (400, Some("invalid_request")),
            "{path}: {error}"
        );
    }
}

#[tokio::test]
async fn issue24_11_pinned_forms_need_the_pin_scope_and_pins() {
    let dir = Scratch::new("decide-forms-auth");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let tokens = dir.write_atomic(
        "tokens",
        &(token_line("chat", "decide", "chat-s3cret") + &token_line("pins", "pin", "pin-s3cret")),
    );
    let s = Service::start(
        &policy,
        &[
            "--pins",
            "memory",
            "--tokens-file",
            tokens.to_str().unwrap(),
        ],
    );
    let one = email_request("ana");
    let batch = json!([email_request("bea")]);
    for (path, body) in [
        ("/v1/decide/pinned", &one),
        ("/v1/decide/pinned/batch", &batch),
        ("/v1/decide?pin=1", &one),
        ("/v1/decide?pin=True", &one),
    ] {
        let (status, error) = post(&s, path, body, Some("chat-s3cret")).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (403, Some("insufficient_scope")),
            "{path}: {error}"
        );
        assert_eq!(
            post(&s, path, body, Some("pin-s3cret")).await.0,
            200,
            "{path}"
        );
    }
    for (path, body) in [("/v1/decide/one", &one), ("/v1/decide/batch", &batch)] {
        assert_eq!(post(&s, path, body, Some("chat-s3cret")).await.0, 200);
        assert_eq!(post(&s, path, body, Some("pin-s3cret")).await.0, 403);
        assert_eq!(post(&s, path, body, None).await.0, 401);
    }

    // Without a pin store, a pinned form is the request's fault, as `?pin=true` is.
    let plain = Service::start(&policy, &["--pins", "none"]);
    let (status, error) = post(&plain, "/v1/decide/pinned", &one, None).await;
    assert_eq!(
        (status, error["code"].as_str(), error["field"].as_str()),
        (400, Some("pins_not_configured"), Some("pin"))
    );
}

/// The operation of `path`'s POST.
fn operation<'a>(doc: &'a Value, path: &str) -> &'a Value {
    let op = &doc["paths"][path]["post"];
    assert!(op.is_object(), "no POST {path}");
    op
}

#[tokio::test]
async fn issue24_11_the_document_gives_each_form_one_operation_and_declares_headers() {
    let dir = Scratch::new("decide-forms-doc");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &[]);
    let doc: Value = client()
        .get(s.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ok = |path: &str| {
        operation(&doc, path)["responses"]["200"]["content"]["application/json"]["schema"].clone()
    };
    for (path, id, answer) in [
        (
            "/v1/decide/one",
            "decide_one",
            json!({"$ref": "#/components/schemas/DecisionRecord"}),
        ),
        (
            "/v1/decide/pinned",
            "decide_pinned",
            json!({"$ref": "#/components/schemas/PinnedRecord"}),
        ),
        (
            "/v1/decide/batch",
            "decide_batch",
            json!({"type": "array", "items": {"$ref": "#/components/schemas/DecisionRecord"}}),
        ),
        (
            "/v1/decide/pinned/batch",
            "decide_pinned_batch",
            json!({"type": "array", "items": {"$ref": "#/components/schemas/PinnedItem"}}),
        ),
    ] {
        assert_eq!(operation(&doc, path)["operationId"], id, "{path}");
        assert_eq!(ok(path), answer, "{path}");
    }
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        ids.len(),
        "one operation id per operation: {ids:?}"
    );

    // Every answer of every operation declares `x-request-id`; the decisions name their
    // revision; the bearer scheme is declared.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                assert_eq!(
                    response["headers"]["x-request-id"]["schema"]["type"], "string",
                    "{method} {path} {status}"
                );
            }
        }
    }
    for path in [
        "/v1/decide",
        "/v1/decide/one",
        "/v1/decide/pinned",
        "/v1/decide/batch",
    ] {
        assert!(
            operation(&doc, path)["responses"]["200"]["headers"]["x-policy-revision"].is_object(),
            "{path}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    // And the service answers the header it declares.
    let r = client()
        .post(s.url("/v1/decide/one"))
        .json(&email_request("ana"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(r.headers()["x-policy-revision"], "r1");
}

#[tokio::test]
async fn issue24_9_a_fact_number_is_an_integer_a_double_keeps() {
    let dir = Scratch::new("fact-numbers");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &[]);
    // Built as text: a JSON value would round the long ones already.
    let body = |number: &str| {
        email_request("ana").to_string().replacen(
            "\"contact\":{",
            &format!("\"contact\":{{\"facts\":{{\"plan\":{number}}},"),
            1,
        )
    };
    let send = |text: String| {
        let url = s.url("/v1/decide/one");
        async move {
            let r = client()
                .post(url)
                .header("content-type", "application/json")
                .body(text)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    // The schema's integers, in any notation, are taken.
    for number in [
        "0",
        "-0",
        "9007199254740991",
        "-9007199254740991",
        "2.0",
        "1e3",
        "1500e-1",
    ] {
        let (status, answer) = send(body(number)).await;
        assert_eq!(status, 200, "{number}: {answer}");
    }
    // Anything else is refused, and asked for as a string.
    for number in [
        "9007199254740992",
        "-1e16",
        "1.5",
        "0.25e1",
        "0.30000000000000000001",
    ] {
        let (status, error) = send(body(number)).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (400, Some("invalid_request")),
            "{number}: {error}"
        );
        let message = error["error"].as_str().unwrap();
        assert!(
            message.contains(&format!("send it as a string (\"{number}\")")),
            "{message}"
        );
    }
    // The document says so.
    let doc: Value = client()
        .get(s.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let number =
        &doc["components"]["schemas"]["Contact"]["properties"]["facts"]["additionalProperties"];
    assert_eq!(
        (
            number["type"].clone(),
            number["maximum"].as_f64(),
            number["minimum"].as_f64()
        ),
        (
            json!(["string", "integer", "boolean"]),
            Some(9007199254740991.0),
            Some(-9007199254740991.0)
        ),
        "{number}"
    );
}
