//! Issue 14 as a client sees it: the real binary on an ephemeral port, spoken to over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Scratch, Service, client, email_request, eventually, policy_text};
use unified_message::Engine;

async fn post(
    c: &reqwest::Client,
    url: &str,
    body: &Value,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = c.post(url).json(body).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body: Value = r.json().await.unwrap();
    (status, body, headers)
}

async fn get(c: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

fn start(label: &str, args: &[&str]) -> (Scratch, Service) {
    let dir = Scratch::new(label);
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let service = Service::start(&policy, args);
    (dir, service)
}

#[tokio::test]
async fn issue14_1_decide_answers_the_cli_json_line() {
    let (_dir, s) = start("decide", &[]);
    let c = client();
    let request = email_request("c-1");
    let (status, body, headers) = post(&c, &s.url("/v1/decide"), &request).await;
    assert_eq!(status, 200, "{body}");
    // One schema with `unified-message decide`: the same record, field for field.
    let engine = Engine::from_toml_str(&policy_text("r1", None)).unwrap();
    let line = engine
        .decide_json_line(1, &request.to_string())
        .unwrap()
        .unwrap();
    assert_eq!(body, serde_json::from_str::<Value>(&line).unwrap());
    assert_eq!(body["revision"], "r1");
    assert_eq!(headers["x-policy-revision"], "r1");
    assert!(headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn issue14_1_a_batch_is_answered_in_order_by_one_revision() {
    let (_dir, s) = start("batch", &[]);
    let c = client();
    let mut batch = Vec::new();
    for i in 0..100 {
        let mut r = email_request(&format!("c-{i}"));
        if i % 2 == 1 {
            r["responder"] = json!({"staff": "support-agent"});
        }
        batch.push(r);
    }
    let (status, body, _) = post(&c, &s.url("/v1/decide"), &Value::Array(batch)).await;
    assert_eq!(status, 200, "{body}");
    let items = body.as_array().unwrap();
    assert_eq!(items.len(), 100);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["revision"], "r1");
        let expected = if i % 2 == 0 { "answer" } else { "redirect" };
        assert_eq!(item["outcome"], expected, "item {i}: {item}");
    }
}

#[tokio::test]
async fn issue14_3_pinned_decide_returns_status_notice_and_handoff() {
    let (_dir, s) = start("pinned", &["--pins", "memory"]);
    let c = client();
    let url = s.url("/v1/decide?pin=true");
    let (status, first, _) = post(&c, &url, &email_request("ana")).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "new");
    assert_eq!(first["decision"]["revision"], "r1");
    let mut phone = email_request("ana");
    phone["contact"]["channel"] = json!("phone");
    let (_, again, _) = post(&c, &url, &phone).await;
    assert_eq!(again["status"], "kept");
    assert_eq!(again["pin"], first["pin"]);
    // A person takes over: the handoff says what the customer was told.
    let mut superior = email_request("ana");
    superior["contact"]["asks_for_superior"] = json!(true);
    superior["contact"]["progress"] = json!("served");
    superior["responder"] = json!({"staff": "support-agent"});
    let (status, handed, _) = post(&c, &url, &superior).await;
    assert_eq!(status, 200, "{handed}");
    let handoff = &handed["handoff"];
    assert_eq!(handoff["customer"], "ana", "{handed}");
    assert!(!handoff["told"].as_array().unwrap().is_empty(), "{handed}");
}

#[tokio::test]
async fn issue14_3_pinned_without_a_store_is_a_400_naming_pin() {
    let (_dir, s) = start("nopins", &["--pins", "none"]);
    let (status, body, _) = post(
        &client(),
        &s.url("/v1/decide?pin=true"),
        &email_request("c"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["field"], "pin");
}

#[tokio::test]
async fn issue14_3_sqlite_pins_keep_the_story_across_restarts() {
    let dir = Scratch::new("sqlite");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let pins = format!("sqlite:{}", dir.path("pins.sqlite3").display());
    let c = client();
    let first = {
        let s = Service::start(&policy, &["--pins", &pins]);
        post(&c, &s.url("/v1/decide?pin=true"), &email_request("ana"))
            .await
            .1
    };
    assert_eq!(first["status"], "new");
    let s = Service::start(&policy, &["--pins", &pins]);
    let (_, again, _) = post(&c, &s.url("/v1/decide?pin=true"), &email_request("ana")).await;
    assert_eq!(again["status"], "kept");
    assert_eq!(again["pin"], first["pin"]);
}

#[tokio::test]
async fn issue14_1_triage_explain_check_policy_health() {
    let (_dir, s) = start("endpoints", &[]);
    let c = client();
    let (status, t, h) = post(
        &c,
        &s.url("/v1/triage"),
        &json!({"text": "no puedo configurar el correo en outlook", "locale": "es"}),
    )
    .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["topic"], "email.setup");
    assert_eq!(t["revision"], "r1");
    assert_eq!(h["x-policy-revision"], "r1");

    let (status, e, _) = post(&c, &s.url("/v1/explain"), &email_request("c")).await;
    assert_eq!(status, 200, "{e}");
    assert!(!e["steps"].as_array().unwrap().is_empty());
    assert_eq!(e["decision"]["outcome"], "answer");
    // Issue 24 point 2: the library's explain shape, each step with its kind and its text.
    assert_eq!(e["revision"], "r1");
    assert_eq!(e["steps"][0]["kind"], "topic");
    assert_eq!(
        e["steps"][0]["text"],
        "the contact is about topic `email.setup`"
    );

    // A draft with an error: its diagnostic has a line and a column.
    let draft =
        policy_text("draft", None).replace("fallback = \"general\"", "fallback = \"nowhere\"");
    let (status, k, _) = post(&c, &s.url("/v1/check"), &json!({"policy": draft})).await;
    assert_eq!(status, 200, "{k}");
    assert_eq!(k["ok"], false);
    let d = &k["diagnostics"][0];
    assert!(d["location"]["line"].as_u64().unwrap() > 1, "{k}");
    assert!(d["location"]["column"].as_u64().unwrap() >= 1, "{k}");
    let (status, k, _) = post(
        &c,
        &s.url("/v1/check"),
        &json!({"policy": policy_text("ok", None)}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(k["ok"], true, "{k}");
    assert!(k["circumstances"].as_u64().unwrap() > 0);
    let (status, k, _) = post(
        &c,
        &s.url("/v1/check"),
        &json!({"policy": "[policy", "format": "toml"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(k["ok"], false);

    let (status, p) = get(&c, &s.url("/v1/policy")).await;
    assert_eq!(status, 200);
    assert_eq!(p["name"], "Acme Hosting");
    assert_eq!(p["revision"], "r1");
    assert!(p["counts"]["topics"].as_u64().unwrap() > 5);
    assert_eq!(p["last_reload"]["result"], "ok");

    assert_eq!(get(&c, &s.url("/health/live")).await.0, 200);
    let (status, r) = get(&c, &s.url("/health/ready")).await;
    assert_eq!((status, r["revision"].as_str()), (200, Some("r1")));

    let (status, doc) = get(&c, &s.url("/v1/openapi.json")).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/decide",
        "/v1/triage",
        "/v1/explain",
        "/v1/check",
        "/v1/policy",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    // Without an admin token there is no upload.
    assert!(doc["paths"]["/v1/policy"]["put"].is_null());
    assert!(doc["components"]["schemas"]["DecisionRecord"].is_object());
}

#[tokio::test]
async fn issue14_1_metrics_count_outcomes_gaps_fallbacks_and_reloads() {
    let (_dir, s) = start("metrics", &[]);
    let c = client();
    post(&c, &s.url("/v1/decide"), &email_request("c")).await;
    let mut gap = email_request("c");
    gap["contact"]["progress"] = json!("served");
    gap["responder"] = json!({"staff": "support-agent"});
    let (_, g, _) = post(&c, &s.url("/v1/decide"), &gap).await;
    assert_eq!(g["flags"]["system_gap"], true, "{g}");
    let mut unknown = email_request("c");
    unknown["contact"]["topic"] = json!("no.such.topic");
    post(&c, &s.url("/v1/decide"), &unknown).await;
    let text = c
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "unified_message_decisions_total{outcome=\"answer\"}",
        "unified_message_system_gap_total{topic=\"email.setup\"} 1",
        "unified_message_fallback_topic_total 1",
        "unified_message_reloads_total{result=\"ok\"} 1",
        "unified_message_reloads_total{result=\"error\"} 0",
        "unified_message_request_duration_seconds_bucket",
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
}

#[tokio::test]
async fn issue14_5_bad_input_gets_json_errors_never_500() {
    let (_dir, s) = start("errors", &["--max-body-bytes", "4096", "--max-batch", "3"]);
    let c = client();
    // 400 naming the field.
    let mut bad = email_request("c");
    bad["contact"]["channel"] = json!("");
    let (status, body, _) = post(&c, &s.url("/v1/decide"), &bad).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "contact.channel", "{body}");
    let mut bad = email_request("c");
    bad["responder"] = json!({"robot": "x"});
    let (status, body, _) = post(&c, &s.url("/v1/decide"), &bad).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("responder")),
        "{body}"
    );
    let (status, body, _) = post(
        &c,
        &s.url("/v1/decide"),
        &json!([email_request("a"), {"contact": 1}]),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("[1].contact")),
        "{body}"
    );
    let r = c
        .post(s.url("/v1/decide"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.json::<Value>().await.unwrap()["error"].is_string());
    // 415.
    let r = c
        .post(s.url("/v1/decide"))
        .header("content-type", "text/plain")
        .body(email_request("c").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    assert!(r.json::<Value>().await.unwrap()["error"].is_string());
    // 413: the body, and the batch.
    let big = json!({"text": "x".repeat(10_000)});
    let (status, body, _) = post(&c, &s.url("/v1/triage"), &big).await;
    assert_eq!(status, 413, "{body}");
    let four = Value::Array((0..4).map(|i| email_request(&i.to_string())).collect());
    assert_eq!(post(&c, &s.url("/v1/decide"), &four).await.0, 413);
    // 404 and 405, as JSON.
    let (status, body) = get(&c, &s.url("/v1/nothing")).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
    let (status, body) = get(&c, &s.url("/v1/decide")).await;
    assert_eq!(status, 405);
    assert!(body["error"].is_string());
    let r = c
        .put(s.url("/v1/policy"))
        .json(&json!({"policy": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405, "no admin token: no upload");
    // A bad query parameter.
    let (status, body, _) = post(&c, &s.url("/v1/decide?pin=maybe"), &email_request("c")).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("pin")));
}

#[tokio::test]
async fn issue14_2_reload_on_change_keeps_the_revision_on_errors_and_on_sighup() {
    let dir = Scratch::new("reload");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &[]);
    let c = client();
    dir.write_atomic("policy.toml", &policy_text("r2", Some("b")));
    eventually("the new revision is served", || async {
        post(&c, &s.url("/v1/decide"), &email_request("c")).await.1["revision"] == "r2"
    })
    .await;
    let (_, d, _) = post(&c, &s.url("/v1/decide"), &email_request("c")).await;
    assert!(
        d["message"]["text"]
            .as_str()
            .unwrap()
            .contains("imap-b.acme.example")
    );

    // A broken policy: the revision in force stays, and /v1/policy says why.
    dir.write_atomic(
        "policy.toml",
        &policy_text("r3", None).replace("[policy]", "[policy\n"),
    );
    eventually("the failed reload is reported", || async {
        get(&c, &s.url("/v1/policy")).await.1["last_reload"]["result"] == "error"
    })
    .await;
    let (_, p) = get(&c, &s.url("/v1/policy")).await;
    assert_eq!(p["revision"], "r2");
    assert!(
        !p["last_reload"]["errors"].as_array().unwrap().is_empty(),
        "{p}"
    );
    let metrics = c
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("unified_message_reloads_total{result=\"error\"}"));
    assert!(
        !metrics.contains("unified_message_reloads_total{result=\"error\"} 0"),
        "{metrics}"
    );
    assert!(s.stderr_text().contains("does not compile"));
    assert_eq!(
        post(&c, &s.url("/v1/decide"), &email_request("c")).await.1["revision"],
        "r2"
    );

    // SIGHUP reloads without a watch.
    drop(s);
    dir.write_atomic("policy.toml", &policy_text("r4", None));
    let s = Service::start(&policy, &["--no-watch"]);
    std::fs::write(&policy, policy_text("r5", None)).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(get(&c, &s.url("/v1/policy")).await.1["revision"], "r4");
    s.signal("HUP");
    eventually("SIGHUP reloads", || async {
        get(&c, &s.url("/v1/policy")).await.1["revision"] == "r5"
    })
    .await;
    assert_eq!(
        get(&c, &s.url("/v1/policy")).await.1["last_reload"]["trigger"],
        "sighup"
    );
}

#[tokio::test]
async fn issue14_5_upload_needs_the_admin_token() {
    let dir = Scratch::new("upload");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start_env(&policy, &[], &[("UM_ADMIN_TOKEN", "s3cret")]);
    let c = client();
    let body = json!({"policy": policy_text("uploaded", None)});
    let r = c.put(s.url("/v1/policy")).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c
        .put(s.url("/v1/policy"))
        .bearer_auth("wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let bad = json!({"policy": "[policy"});
    let r = c
        .put(s.url("/v1/policy"))
        .bearer_auth("s3cret")
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(
        !r.json::<Value>().await.unwrap()["diagnostics"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let r = c
        .put(s.url("/v1/policy"))
        .bearer_auth("s3cret")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let info: Value = r.json().await.unwrap();
    assert_eq!(
        (info["revision"].as_str(), info["source"].as_str()),
        (Some("uploaded"), Some("upload"))
    );
    assert_eq!(
        post(&c, &s.url("/v1/decide"), &email_request("c")).await.1["revision"],
        "uploaded"
    );
    let (_, doc) = get(&c, &s.url("/v1/openapi.json")).await;
    assert!(doc["paths"]["/v1/policy"]["put"].is_object());
}

#[tokio::test]
async fn issue14_4_decision_log_has_one_line_per_decision_without_personal_ids() {
    let dir = Scratch::new("log");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let log = dir.path("decisions.jsonl");
    let mut s = Service::start_env(
        &policy,
        &[
            "--decision-log",
            log.to_str().unwrap(),
            "--hash-customer-ids",
        ],
        &[("UM_HASH_KEY", "k3y")],
    );
    let c = client();
    let r = c
        .post(s.url("/v1/decide"))
        .header("x-request-id", "req-42")
        .json(&email_request("ana.garcia@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "req-42");
    post(
        &c,
        &s.url("/v1/decide?pin=true"),
        &json!([
            email_request("ana.garcia@example.com"),
            email_request("bob")
        ]),
    )
    .await;
    s.signal("TERM");
    let status = s.wait(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        s.stderr_text()
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains("ana.garcia") && !text.contains("bob"),
        "{text}"
    );
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let first = &lines[0];
    assert_eq!(first["request_id"], "req-42");
    assert_eq!(first["revision"], "r1");
    assert_eq!(first["outcome"], "answer");
    assert_eq!(first["message"]["id"], "email-setup-guide");
    assert!(first["time"].as_str().unwrap().ends_with('Z'));
    assert!(first["latency_us"].is_u64());
    assert!(first["flags"].is_object());
    let hashed = first["request"]["contact"]["customer"].as_str().unwrap();
    assert_eq!(
        hashed,
        unified_message_server::decision_log::hash_customer(b"k3y", "ana.garcia@example.com")
    );
    assert_eq!(lines[1]["request"]["contact"]["customer"], hashed);
    assert_ne!(lines[2]["request"]["contact"]["customer"], hashed);
    assert_eq!(lines[1]["pin_status"], "new");
}

#[tokio::test]
async fn issue14_5_sigterm_finishes_requests_in_flight() {
    use std::io::{Read as _, Write as _};
    let (_dir, mut s) = start("shutdown", &[]);
    // A request in flight: its headers and half its body sent before SIGTERM, the rest after.
    let body = email_request("c").to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let address = s.base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /v1/decide HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    // New connections are refused once shutdown began; the one in flight is served.
    stream.write_all(tail.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"revision\":\"r1\""), "{reply}");
    let status = s.wait(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        s.stderr_text()
    );
}

#[tokio::test]
async fn issue14_5_listens_on_loopback_by_default() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_unified-message-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("[default: 127.0.0.1:8080]"), "{help}");
}

/// Issue 15: with `--playground` the service serves the page at `/` and its endpoints check the
/// draft sent to them; without the flag, `/` is a JSON 404 and nothing of the page is served.
#[tokio::test]
async fn issue15_the_service_serves_the_playground_only_when_asked() {
    let c = client();
    let (_dir, plain) = start("no-playground", &[]);
    let (status, body) = get(&c, &plain.url("/")).await;
    assert_eq!(status, 404, "{body}");
    let r = c
        .post(plain.url("/playground/api/check"))
        .json(&json!({"policy": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);

    let (_dir, with) = start("playground", &["--playground"]);
    let page = c.get(with.url("/")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().contains("Policy playground"));
    let draft = policy_text("r1", None).replace("owner = \"billing\"", "owner = \"bilingual\"");
    let (status, body, _) = post(
        &c,
        &with.url("/playground/api/check"),
        &json!({"policy": draft}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.to_string().contains("unknown-department"), "{body}");
    // The service's own API is unchanged beside it.
    let (status, body, _) = post(&c, &with.url("/v1/decide"), &email_request("c-1")).await;
    assert_eq!(status, 200, "{body}");
}
