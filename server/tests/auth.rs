//! Issue 30 point 2 as a client sees it: bearer tokens with scopes, from a file of digests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Scratch, Service, client, email_request, policy_text, token_line};

/// Sends `body` to `path` with `token`; the status, the body and the `WWW-Authenticate`.
async fn call(
    c: &reqwest::Client,
    s: &Service,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value, Option<String>) {
    let mut request = c.request(method, s.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body, challenge)
}

fn tokens_file(dir: &Scratch) -> std::path::PathBuf {
    let text = [
        "# name scopes sha256\n".to_owned(),
        token_line("chatbot", "decide", "chat-s3cret"),
        token_line("channel", "decide,pin", "chan-s3cret"),
        token_line("author", "check", "auth-s3cret"),
        token_line("ops", "admin", "ops-s3cret"),
        token_line("prometheus", "metrics", "prom-s3cret"),
    ]
    .concat();
    dir.write_atomic("tokens", &text)
}

#[tokio::test]
async fn issue30_2_without_tokens_the_service_takes_anyone_and_says_so() {
    let dir = Scratch::new("auth-open");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &["--pins", "memory"]);
    let c = client();
    let post = reqwest::Method::POST;
    let (status, body, _) = call(
        &c,
        &s,
        post.clone(),
        "/v1/decide?pin=true",
        None,
        Some(&email_request("ana")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = call(&c, &s, reqwest::Method::GET, "/v1/policy", None, None).await;
    assert_eq!(status, 200);
    assert!(
        s.stderr_text()
            .contains("accepting unauthenticated clients"),
        "{}",
        s.stderr_text()
    );
}

#[tokio::test]
async fn issue30_2_scopes_401_and_403_with_codes_and_the_log_names_the_token() {
    let dir = Scratch::new("auth-scopes");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let tokens = tokens_file(&dir);
    let log = dir.path("decisions.jsonl");
    let mut s = Service::start(
        &policy,
        &[
            "--tokens-file",
            tokens.to_str().unwrap(),
            "--pins",
            "memory",
            "--decision-log",
            log.to_str().unwrap(),
        ],
    );
    let c = client();
    let (get, post, put) = (
        reqwest::Method::GET,
        reqwest::Method::POST,
        reqwest::Method::PUT,
    );
    let ana = email_request("ana");

    // No token: 401 with the challenge and the code.
    let (status, body, challenge) =
        call(&c, &s, post.clone(), "/v1/decide", None, Some(&ana)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "unauthenticated", "{body}");
    assert!(challenge.unwrap().starts_with("Bearer"));
    // A token the service does not know: 401, `invalid_token`.
    let (status, body, challenge) = call(
        &c,
        &s,
        post.clone(),
        "/v1/decide",
        Some("guess"),
        Some(&ana),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_token"))
    );
    assert!(challenge.unwrap().contains("invalid_token"));

    // `decide` decides, triages and explains, but may not pin: 403 and no pin written.
    let chat = Some("chat-s3cret");
    let (status, body, _) = call(&c, &s, post.clone(), "/v1/decide", chat, Some(&ana)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body, challenge) = call(
        &c,
        &s,
        post.clone(),
        "/v1/decide?pin=true",
        chat,
        Some(&ana),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "insufficient_scope");
    assert!(challenge.unwrap().contains("scope=\"pin\""));
    let triage = json!({"text": "no puedo configurar el correo", "locale": "es"});
    let (status, _, _) = call(&c, &s, post.clone(), "/v1/triage", chat, Some(&triage)).await;
    assert_eq!(status, 200);
    let (status, _, _) = call(&c, &s, post.clone(), "/v1/explain", chat, Some(&ana)).await;
    assert_eq!(status, 200);
    // `/v1/check` is its own scope.
    let draft = json!({"policy": policy_text("draft", None)});
    let (status, body, _) = call(&c, &s, post.clone(), "/v1/check", chat, Some(&draft)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("insufficient_scope"))
    );
    let (status, body, _) = call(
        &c,
        &s,
        post.clone(),
        "/v1/check",
        Some("auth-s3cret"),
        Some(&draft),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // No spelling of the path gets past the check: a path that is not the route's is no
    // route at all.
    for path in [
        "/v1/%64ecide?pin=true",
        "/v1/decide/?pin=true",
        "//v1/decide?pin=true",
        "/v1/decide?pin=true&pin=true",
        "/v1/decide?pin=1",
    ] {
        let (status, body, _) = call(&c, &s, post.clone(), path, chat, Some(&ana)).await;
        assert!(matches!(status, 400 | 403 | 404), "{path}: {status} {body}");
    }

    // `pin` pins; the pin is new: the refused request wrote none.
    let (status, body, _) = call(
        &c,
        &s,
        post.clone(),
        "/v1/decide?pin=true",
        Some("chan-s3cret"),
        Some(&ana),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "new", "{body}");

    // The policy: any token reads it; only `admin` uploads.
    let (status, _, _) = call(&c, &s, get.clone(), "/v1/policy", None, None).await;
    assert_eq!(status, 401);
    let (status, _, _) = call(&c, &s, get.clone(), "/v1/policy", chat, None).await;
    assert_eq!(status, 200);
    let upload = json!({"policy": policy_text("uploaded", None)});
    let (status, body, _) = call(&c, &s, put.clone(), "/v1/policy", chat, Some(&upload)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("insufficient_scope"))
    );
    let (status, body, _) = call(
        &c,
        &s,
        put.clone(),
        "/v1/policy",
        Some("ops-s3cret"),
        Some(&upload),
    )
    .await;
    assert_eq!((status, body["revision"].as_str()), (200, Some("uploaded")));

    // Health, metrics and the document stay open; the document declares the scheme, and no
    // operation that needs a token offers the empty requirement.
    for path in [
        "/health/live",
        "/health/ready",
        "/metrics",
        "/v1/openapi.json",
    ] {
        let (status, _, _) = call(&c, &s, get.clone(), path, None, None).await;
        assert_eq!(status, 200, "{path}");
    }
    let (_, doc, _) = call(&c, &s, get.clone(), "/v1/openapi.json", None, None).await;
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let security = doc["paths"]["/v1/decide"]["post"]["security"]
        .as_array()
        .unwrap();
    assert!(!security.is_empty());
    assert!(security.iter().all(|r| r != &json!({})), "{security:?}");
    assert!(s.stderr_text().contains("bearer tokens"));
    assert!(!s.stderr_text().contains("accepting unauthenticated"));

    // The log names the token, never its value.
    s.signal("TERM");
    assert!(
        s.wait(Duration::from_secs(10))
            .is_some_and(|st| st.success())
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("s3cret"), "{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l["token"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["chatbot", "channel"], "{text}");
}

#[tokio::test]
async fn issue30_2_metrics_are_scoped_by_a_flag() {
    let dir = Scratch::new("auth-metrics");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let tokens = tokens_file(&dir);
    let s = Service::start(
        &policy,
        &[
            "--tokens-file",
            tokens.to_str().unwrap(),
            "--protect-metrics",
        ],
    );
    let c = client();
    let get = reqwest::Method::GET;
    let (status, _, _) = call(&c, &s, get.clone(), "/metrics", None, None).await;
    assert_eq!(status, 401);
    let (status, _, _) = call(&c, &s, get.clone(), "/metrics", Some("chat-s3cret"), None).await;
    assert_eq!(status, 403);
    let (status, body, _) = call(&c, &s, get.clone(), "/metrics", Some("prom-s3cret"), None).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = call(&c, &s, get, "/health/live", None, None).await;
    assert_eq!(status, 200);
}

#[test]
fn issue30_2_a_tokens_file_with_a_plain_token_is_refused_at_start() {
    let dir = Scratch::new("auth-bad");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let tokens = dir.write_atomic("tokens", "chatbot decide my-plain-token\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_unified-message-server"))
        .arg(&policy)
        .args(["--listen", "127.0.0.1:0", "--tokens-file"])
        .arg(&tokens)
        .env_remove("UM_ADMIN_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1") && err.contains("sha256sum") && !err.contains("my-plain-token"),
        "{err}"
    );
}
