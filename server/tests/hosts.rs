//! Issue 30 point 4 as a client sees it: only the service's own host names are answered,
//! every answer says `nosniff` and how long it may be kept, and `GET /v1/policy` tells no
//! file path nor parser message to a client without the `admin` scope.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::Value;
use support::{Scratch, Service, client, email_request, eventually, policy_text, token_line};

fn port(s: &Service) -> u16 {
    s.base.rsplit(':').next().unwrap().parse().unwrap()
}

async fn pinned(c: &reqwest::Client, s: &Service, host: &str, customer: &str) -> (u16, Value) {
    let r = c
        .post(s.url("/v1/decide?pin=true"))
        .header("host", host)
        .json(&email_request(customer))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn issue30_4_a_rebound_host_name_cannot_write_a_pin() {
    let dir = Scratch::new("hosts-rebind");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &["--pins", "memory"]);
    let c = client();
    let p = port(&s);
    // A page of rebind.attacker.example whose name now points at 127.0.0.1.
    let (status, body) = pinned(&c, &s, &format!("rebind.attacker.example:{p}"), "ana").await;
    assert_eq!(status, 421, "{body}");
    assert_eq!(body["code"], "host_not_allowed", "{body}");
    // No pin was written: the customer's first pinned decision is still new.
    let (status, body) = pinned(&c, &s, &format!("127.0.0.1:{p}"), "ana").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("new")),
        "{body}"
    );
    // The names a client on the machine uses are answered.
    for host in [format!("localhost:{p}"), format!("[::1]:{p}")] {
        let (status, body) = pinned(&c, &s, &host, "bob").await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    // Health too is refused to a foreign name (a probe uses the address).
    let r = c
        .get(s.url("/health/live"))
        .header("host", "rebind.attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 421);
}

#[tokio::test]
async fn issue30_4_allowed_hosts_adds_names() {
    let dir = Scratch::new("hosts-flag");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(
        &policy,
        &["--pins", "memory", "--allowed-hosts", "decide.example.com"],
    );
    let c = client();
    let (status, body) = pinned(&c, &s, "decide.example.com:443", "ana").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = pinned(&c, &s, "other.example.com", "ana").await;
    assert_eq!(status, 421);
}

#[tokio::test]
async fn issue30_4_every_answer_is_nosniff_with_a_fitting_cache_control() {
    let dir = Scratch::new("hosts-headers");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &["--pins", "memory", "--playground"]);
    let c = client();
    let cases: [(reqwest::Method, &str, &str); 7] = [
        (reqwest::Method::POST, "/v1/decide?pin=true", "no-store"),
        (reqwest::Method::POST, "/v1/decide", "no-store"),
        (reqwest::Method::GET, "/v1/policy", "no-store"),
        (reqwest::Method::GET, "/health/ready", "no-store"),
        (reqwest::Method::GET, "/v1/nothing", "no-store"),
        (
            reqwest::Method::GET,
            "/v1/openapi.json",
            "public, max-age=300",
        ),
        (reqwest::Method::GET, "/", "no-cache"),
    ];
    for (method, path, cache) in cases {
        let r = c
            .request(method, s.url(path))
            .json(&email_request("ana"))
            .send()
            .await
            .unwrap();
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["cache-control"], cache, "{path}");
    }
}

#[tokio::test]
async fn issue30_4_policy_tells_no_path_nor_parser_message_without_admin() {
    let dir = Scratch::new("hosts-policy");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let tokens = dir.write_atomic(
        "tokens",
        &[
            token_line("chatbot", "decide", "chat-s3cret"),
            token_line("ops", "admin", "ops-s3cret"),
        ]
        .concat(),
    );
    let open = Service::start(&policy, &[]);
    let closed = Service::start(&policy, &["--tokens-file", tokens.to_str().unwrap()]);
    let c = client();
    let dir_text = dir.0.to_str().unwrap().to_owned();
    // The file goes away: the reload fails with the file's absolute path.
    std::fs::remove_file(&policy).unwrap();
    let read = |s: &Service, token: Option<&str>| {
        let mut r = c.get(s.url("/v1/policy"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { r.send().await.unwrap().text().await.unwrap() }
    };
    for s in [&open, &closed] {
        eventually("the failed reload", || async {
            let token = std::ptr::eq(s, &closed).then_some("ops-s3cret");
            read(s, token).await.contains("\"result\":\"error\"")
        })
        .await;
    }
    let admin = read(&closed, Some("ops-s3cret")).await;
    assert!(admin.contains(&dir_text), "{admin}");
    for text in [
        read(&open, None).await,
        read(&closed, Some("chat-s3cret")).await,
    ] {
        let info: Value = serde_json::from_str(&text).unwrap();
        let errors = info["last_reload"]["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{text}");
        assert_eq!(errors[0]["code"], "policy-unreadable", "{text}");
        assert!(!text.contains(&dir_text), "{text}");
        assert!(!text.contains("No such file"), "{text}");
    }
    // A policy that does not parse: the parser's words stay out too.
    dir.write_atomic("policy.toml", "[policy\nname = ");
    eventually("the parse error", || async {
        let t = read(&open, None).await;
        t.contains("\"result\":\"error\"") && !t.contains("policy-unreadable")
    })
    .await;
    let text = read(&open, None).await;
    let info: Value = serde_json::from_str(&text).unwrap();
    for e in info["last_reload"]["errors"].as_array().unwrap() {
        assert!(
            e["message"].as_str().unwrap().contains("the service's log"),
            "{text}"
        );
        assert!(e.get("location").is_none(), "{text}");
    }
}

#[test]
fn issue30_4_a_bad_allowed_host_is_refused_before_listening() {
    let dir = Scratch::new("hosts-bad");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_unified-message-server"))
        .arg(&policy)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--allowed-hosts",
            "https://x.example/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--allowed-hosts") && err.contains("https://x.example/"),
        "{err}"
    );
}

/// Review: the clients choose the `Host`; every refusal used to be a warning, so a client
/// chose the log's volume. Now one warning says how many were refused (at most one a minute),
/// each refusal at debug only.
#[tokio::test]
async fn issue30_4_refused_hosts_are_warned_once_with_their_count() {
    let dir = Scratch::new("hosts-log");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&policy, &[]);
    let c = client();
    for i in 0..50 {
        let r = c
            .get(s.url("/health/live"))
            .header("host", format!("flood-{i}.attacker.example"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 421);
    }
    let log = s.stderr_text();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("attacker.example"))
        .collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(warnings[0].contains("refused=1"), "{log}");
}
