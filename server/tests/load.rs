//! Issue 14, point 6: 16 clients for 20 s on loopback while the policy file is rewritten 100
//! times between two revisions — no request fails, and every answer's text belongs to the
//! revision it names (no torn answer). `UM_LOAD_SECONDS` shortens it for a quick run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use support::{Scratch, Service, email_request, policy_text};

const CLIENTS: usize = 16;
const REWRITES: u32 = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue14_6_load_with_100_rewrites_gives_no_failure_and_no_torn_answer() {
    let seconds: u64 = std::env::var("UM_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let dir = Scratch::new("load");
    let a = policy_text("rev-a", None);
    let b = policy_text("rev-b", Some("b"));
    let policy = dir.write_atomic("policy.toml", &b);
    let s = Service::start(&policy, &[]);
    let url = Arc::new(s.url("/v1/decide"));
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (seen_a, seen_b) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let (url, stop, ok, failed, seen_a, seen_b) = (
            url.clone(),
            stop.clone(),
            ok.clone(),
            failed.clone(),
            seen_a.clone(),
            seen_b.clone(),
        );
        clients.push(tokio::spawn(async move {
            let client = support::client();
            let request = email_request(&format!("load-{i}"));
            while !stop.load(Ordering::Relaxed) {
                let reply = client.post(url.as_str()).json(&request).send().await;
                let Ok(reply) = reply else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                if !reply.status().is_success() {
                    failed.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let header = reply.headers()["x-policy-revision"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                let body: Value = reply.json().await.unwrap();
                let revision = body["revision"].as_str().unwrap();
                let text = body["message"]["text"].as_str().unwrap();
                assert_eq!(header, revision);
                match revision {
                    "rev-a" => {
                        assert!(
                            text.contains("imap.acme.example") && !text.contains("imap-b."),
                            "torn answer: {body}"
                        );
                        seen_a.fetch_add(1, Ordering::Relaxed);
                    }
                    "rev-b" => {
                        assert!(text.contains("imap-b.acme.example"), "torn answer: {body}");
                        seen_b.fetch_add(1, Ordering::Relaxed);
                    }
                    other => panic!("unknown revision {other}"),
                }
                ok.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let pause = Duration::from_millis(seconds * 1000 / u64::from(REWRITES));
    for i in 0..REWRITES {
        tokio::time::sleep(pause).await;
        dir.write_atomic("policy.toml", if i % 2 == 0 { &a } else { &b });
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    assert_eq!(failed, 0, "{failed} failed requests of {}", ok + failed);
    assert!(ok > 100, "only {ok} requests");
    let (seen_a, seen_b) = (
        seen_a.load(Ordering::Relaxed),
        seen_b.load(Ordering::Relaxed),
    );
    assert!(
        seen_a > 0 && seen_b > 0,
        "answers by revision: a {seen_a}, b {seen_b}"
    );
    let metrics = support::client()
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let reloads: u64 = metrics
        .lines()
        .find(|l| l.starts_with("unified_message_reloads_total{result=\"ok\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    // Writes closer together than a compilation are coalesced into one reload, and the
    // last one is never lost: the file's final revision is served.
    assert!(reloads >= 2, "{reloads} reloads");
    let c = support::client();
    support::eventually("the last revision written is served", || async {
        let r = c
            .post(url.as_str())
            .json(&email_request("x"))
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["revision"] == "rev-b"
    })
    .await;
    eprintln!(
        "load: {ok} requests in {seconds} s (a {seen_a}, b {seen_b}), {reloads} reloads, 0 failed"
    );
}
