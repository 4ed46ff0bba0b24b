//! The playground's JSON endpoints, called in-process: they answer from the draft policy in
//! the request, a policy that does not compile is diagnostics (never a server error), and
//! every limit holds (body size 413, timeout and turns 503).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use unified_message::EXAMPLE_POLICY;
use unified_message_page::{Limits, router, router_with};

async fn call(app: Router, path: &str, body: Body) -> (StatusCode, Value) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

async fn post(path: &str, body: Value) -> (StatusCode, Value) {
    call(router(), path, Body::from(body.to_string())).await
}

/// The example with the owner of `billing.invoice` misspelt; the line where it is.
fn unknown_department() -> (String, usize) {
    let at = EXAMPLE_POLICY.find("[topics.\"billing.invoice\"]").unwrap();
    let owner = at + EXAMPLE_POLICY[at..].find("owner = \"billing\"").unwrap();
    let line = EXAMPLE_POLICY[..owner].lines().count() + 1;
    let mut policy = EXAMPLE_POLICY.to_owned();
    policy.replace_range(
        owner..owner + "owner = \"billing\"".len(),
        "owner = \"bilin\"",
    );
    (policy, line)
}

#[tokio::test]
async fn check_of_the_example_is_clean_and_offers_the_form_its_choices() {
    let (status, body) = post("/playground/api/check", json!({"policy": EXAMPLE_POLICY})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["compiles"], true);
    assert_eq!(body["errors"], 0);
    assert!(body["circumstances"].as_u64().unwrap() > 0);
    let v = &body["vocabulary"];
    assert_eq!(v["topics"][0], "general");
    assert_eq!(v["locales"], json!(["es", "en"]));
    assert!(v["channels"].as_array().unwrap().contains(&json!("sms")));
    assert!(
        v["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("sales-agent"))
    );
    assert!(
        v["systems"]
            .as_array()
            .unwrap()
            .contains(&json!("self-diagnosis"))
    );
    assert_eq!(
        v["departments"],
        json!(["support", "sales", "projects", "billing"])
    );
    let plan = v["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "plan")
        .unwrap();
    assert_eq!(plan["values"], json!(["premium"]));
}

#[tokio::test]
async fn a_bad_policy_is_diagnostics_with_line_column_and_hint_not_a_server_error() {
    let (policy, line) = unknown_department();
    let (status, body) = post("/playground/api/check", json!({"policy": policy})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["compiles"], false);
    assert_eq!(body["errors"], 1);
    let d = &body["diagnostics"][0];
    assert_eq!(d["code"], "unknown-department");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], line);
    assert_eq!(d["column"], 1);
    assert_eq!(d["end_line"], line);
    assert_eq!(d["end_column"], "owner = \"bilin\"".len());
    assert!(
        d["hint"]
            .as_str()
            .unwrap()
            .contains("did you mean `billing`"),
        "{d}"
    );
    assert!(body.get("vocabulary").is_none());

    // Not TOML at all: still a located diagnostic.
    let (status, body) = post(
        "/playground/api/check",
        json!({"policy": "[policy\nname = 1"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["diagnostics"][0]["code"], "parse-error");
    assert_eq!(body["diagnostics"][0]["line"], 1);

    // The endpoints that need a compiled policy say why they cannot answer: 422.
    for path in [
        "/playground/api/decide",
        "/playground/api/table",
        "/playground/api/manual",
    ] {
        let request = if path.ends_with("decide") {
            json!({"policy": policy, "contact": {"customer": "c", "channel": "web", "topic": "general"}, "responder": {"system": "ivr"}})
        } else {
            json!({"policy": policy})
        };
        let (status, body) = post(path, request).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(body["diagnostics"][0]["line"], line, "{path}");
    }
}

#[tokio::test]
async fn check_shows_a_warning_with_its_counterexample_or_match() {
    let policy = EXAMPLE_POLICY.replace(
        "Hacemos una copia de seguridad diaria",
        "Eso no nos compete, pero hacemos una copia de seguridad diaria",
    );
    let (status, body) = post("/playground/api/check", json!({"policy": policy})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found = body["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "forbidden-phrase")
        .unwrap();
    let line = found["line"].as_u64().unwrap() as usize;
    assert!(
        policy
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("Eso no nos compete")
    );
    assert!(
        found["matched"]
            .as_str()
            .unwrap()
            .contains("Eso no nos compete"),
        "{found}"
    );
}

#[tokio::test]
async fn decide_gives_outcome_text_system_department_rank_flags_and_steps() {
    let (status, body) = post(
        "/playground/api/decide",
        json!({
            "policy": EXAMPLE_POLICY,
            "contact": {"customer": "c-1", "channel": "phone", "topic": "domain.delegation", "progress": "served", "locale": "en"},
            "responder": {"staff": "sales-agent"},
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d = &body["decision"];
    assert_eq!(d["outcome"], "route");
    assert_eq!(d["department"], "support");
    assert!(
        d["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("I am passing you to"),
        "{d}"
    );
    assert!(d["flags"].is_object());
    assert!(body["steps"].as_array().unwrap().len() >= 2, "{body}");
    // Issue 24 point 2: the library's explain shape, each step with its kind and its text.
    assert_eq!(body["steps"][0]["kind"], "topic", "{body}");
    assert!(body["steps"][0]["text"].is_string(), "{body}");
    assert_eq!(body["revision"], "2026-11-27", "{body}");
    assert!(body.get("triage").is_none());

    let (_, body) = post(
        "/playground/api/decide",
        json!({
            "policy": EXAMPLE_POLICY,
            "contact": {"customer": "c-1", "channel": "phone", "topic": "billing.refund", "progress": "served", "asks_for_superior": true},
            "responder": {"staff": "billing-agent"},
        }),
    )
    .await;
    assert_eq!(body["decision"]["outcome"], "escalate", "{body}");
    assert_eq!(body["decision"]["rank"], "supervisor");
}

#[tokio::test]
async fn decide_on_the_customers_words_shows_the_triage_and_where_each_word_matched() {
    let text = "¡Hola! No puedo configurar el correo en Outlook";
    let (status, body) = post(
        "/playground/api/decide",
        json!({
            "policy": EXAMPLE_POLICY,
            "contact": {"customer": "c-1", "channel": "chat", "text": text, "locale": "es"},
            "responder": {"system": "self-diagnosis"},
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"]["topic"], "email.setup");
    let triage = &body["triage"];
    assert_eq!(triage["topic"], "email.setup");
    let chosen = &triage["candidates"][0];
    assert_eq!(chosen["topic"], "email.setup");
    // Offsets count UTF-16 code units, as JavaScript does ("¡" is one).
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let mut words = Vec::new();
    for m in chosen["matches"].as_array().unwrap() {
        let (start, end) = (
            m["start"].as_u64().unwrap() as usize,
            m["end"].as_u64().unwrap() as usize,
        );
        words.push(String::from_utf16(&utf16[start..end]).unwrap());
    }
    assert!(
        words.contains(&"configurar el correo".to_owned()),
        "{words:?}"
    );
    assert!(words.contains(&"Outlook".to_owned()), "{words:?}");
}

#[tokio::test]
async fn the_table_filters_by_topic_role_and_outcome() {
    let (status, all) = post("/playground/api/table", json!({"policy": EXAMPLE_POLICY})).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let total = all["total"].as_u64().unwrap();
    assert_eq!(all["matched"], total);
    assert_eq!(
        all["rows"].as_array().unwrap().len(),
        300,
        "the first 300 rows"
    );

    let (_, some) = post(
        "/playground/api/table",
        json!({"policy": EXAMPLE_POLICY, "topic": "domain.delegation", "responder": "sales-agent", "outcome": "route"}),
    )
    .await;
    let rows = some["rows"].as_array().unwrap();
    assert!(!rows.is_empty(), "{some}");
    assert!((some["matched"].as_u64().unwrap()) < total);
    for row in rows {
        assert_eq!(row["topic"], "domain.delegation");
        assert_eq!(row["responder"], json!({"staff": "sales-agent"}));
        assert_eq!(row["outcome"], "route");
    }
}

#[tokio::test]
async fn the_manual_is_written_per_department_as_safe_html() {
    let (status, body) = post(
        "/playground/api/manual",
        json!({"policy": EXAMPLE_POLICY, "department": "billing", "locale": "en"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["markdown"]
            .as_str()
            .unwrap()
            .starts_with("# Service manual — Acme Hosting")
    );
    let html = body["html"].as_str().unwrap();
    assert!(html.contains("<h1>Service manual — Acme Hosting</h1>"));
    assert!(html.contains("billing.refund"));
    assert!(!html.contains("support.") || html.contains("Other departments"));

    let (status, body) = post(
        "/playground/api/manual",
        json!({"policy": EXAMPLE_POLICY, "department": "nowhere"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A message with HTML in it is shown, not run.
    let policy = EXAMPLE_POLICY.replace(
        "Hacemos una copia de seguridad diaria",
        "<script>alert(1)</script> Hacemos una copia de seguridad diaria",
    );
    let (_, body) = post(
        "/playground/api/manual",
        json!({"policy": policy, "department": "support", "locale": "es"}),
    )
    .await;
    let html = body["html"].as_str().unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"));
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let limits = Limits {
        max_body_bytes: 32 * 1024,
        ..Limits::default()
    };
    let body = json!({"policy": EXAMPLE_POLICY}).to_string();
    assert!(body.len() > 32 * 1024);
    let (status, _) = call(
        router_with(limits.clone()),
        "/playground/api/check",
        Body::from(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // Without a length announced (a stream): refused all the same once read past the limit.
    let chunks: Vec<Result<String, std::io::Error>> = body
        .as_bytes()
        .chunks(4096)
        .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
        .collect();
    let stream = Body::from_stream(futures_util::stream::iter(chunks));
    let (status, _) = call(router_with(limits), "/playground/api/check", stream).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // The default limit takes the example with room to spare.
    let (status, _) = call(router(), "/playground/api/check", Body::from(body)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_policy_over_the_policy_limit_is_a_diagnostic() {
    let limits = Limits {
        max_policy_bytes: 1024,
        ..Limits::default()
    };
    let (status, body) = call(
        router_with(limits),
        "/playground/api/check",
        Body::from(json!({"policy": EXAMPLE_POLICY}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["diagnostics"][0]["code"], "policy-too-large");
}

#[tokio::test]
async fn malformed_requests_are_client_errors_with_a_reason() {
    let (status, body) = call(router(), "/playground/api/check", Body::from("{not json")).await;
    assert!(status.is_client_error(), "{status}");
    assert!(body["error"].is_string(), "{body}");
    let (status, body) = post("/playground/api/check", json!({"policy": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = post(
        "/playground/api/decide",
        json!({"policy": EXAMPLE_POLICY, "contact": {"customer": "c", "channel": "web"}, "responder": {"boss": "x"}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn work_past_the_timeout_or_without_a_turn_is_503() {
    let late = Limits {
        timeout: Duration::ZERO,
        ..Limits::default()
    };
    let (status, body) = call(
        router_with(late),
        "/playground/api/check",
        Body::from(json!({"policy": EXAMPLE_POLICY}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body["error"].is_string());

    // No turn ever free: the request waits for one within the timeout, then gives up.
    let closed = Limits {
        max_concurrent_jobs: 0,
        timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let (status, _) = call(
        router_with(closed),
        "/playground/api/check",
        Body::from(json!({"policy": EXAMPLE_POLICY}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn the_page_is_served_with_no_other_origin_allowed() {
    let response = router()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"));
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let page = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(page.contains("Acme Hosting"));
    for asset in ["/playground/assets/app.js", "/playground/assets/style.css"] {
        let response = router()
            .oneshot(Request::get(asset).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_turns_wait_for_one_instead_of_failing() {
    let one = Limits {
        max_concurrent_jobs: 1,
        ..Limits::default()
    };
    let app = router_with(one);
    let policies = [
        EXAMPLE_POLICY.to_owned(),
        EXAMPLE_POLICY.replace("Acme Hosting", "Acme One"),
        EXAMPLE_POLICY.replace("Acme Hosting", "Acme Two"),
    ];
    let calls = policies.map(|policy| {
        let app = app.clone();
        tokio::spawn(async move {
            call(
                app,
                "/playground/api/check",
                Body::from(json!({"policy": policy}).to_string()),
            )
            .await
        })
    });
    for call in calls {
        let (status, body) = call.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["errors"], 0);
    }
}

#[tokio::test]
async fn issue30_4_a_department_name_is_no_link_in_the_playground_manual() {
    let phish = "**[Your session expired: sign in again](https://evil.example/login)**";
    let policy = EXAMPLE_POLICY.replace(
        "billing = { name = \"Administración\" }",
        &format!("billing = {{ name = \"{phish}\" }}"),
    );
    let (status, body) = post(
        "/playground/api/manual",
        json!({"policy": policy, "department": "billing", "locale": "en"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let html = body["html"].as_str().unwrap();
    assert!(!html.contains("href=\"https://evil.example"), "{html}");
    assert!(!html.contains("<strong>Your session"), "{html}");
    assert!(
        html.contains("**[Your session expired: sign in again](https://evil.example/login)**"),
        "{html}"
    );
}
