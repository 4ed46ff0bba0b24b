//! Issue 25 point 12: the decision log can be rotated. The file is renamed while requests are
//! answered (a bounded load); the service reopens its path on `SIGUSR1`, or by itself once it
//! sees the file moved away. No line is lost (the old file and the new hold every decision
//! answered, once), and no line reaches the old file after the new one appeared. It used to
//! write into the renamed file forever.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{Scratch, Service, client, email_request, eventually, policy_text};

/// The request ids of the lines of `path`.
fn ids(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["request_id"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Sends `total` decisions from 4 clients, ids `rot-N`; `sent` counts those answered.
async fn load(s: Arc<Service>, total: usize, sent: Arc<AtomicUsize>) -> Vec<String> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (s, next, sent) = (s.clone(), next.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            let c = client();
            let mut ok = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= total {
                    return ok;
                }
                let id = format!("rot-{n}");
                let r = c
                    .post(s.url("/v1/decide"))
                    .header("x-request-id", &id)
                    .json(&email_request(&format!("c-{n}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200);
                ok.push(id);
                sent.fetch_add(1, Ordering::SeqCst);
                // Spread the load over the rotation.
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

async fn rotate_under_load(label: &str, signal: bool) {
    let dir = Scratch::new(label);
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let log = dir.path("decisions.log");
    let rotated = dir.path("decisions.log.1");
    let s = Arc::new(Service::start(
        &policy,
        &["--decision-log", log.to_str().unwrap()],
    ));
    let total = 600;
    let sent = Arc::new(AtomicUsize::new(0));
    let running = tokio::spawn(load(s.clone(), total, sent.clone()));
    // Under load: the file is renamed as logrotate does.
    eventually("a third of the load answered", || {
        let sent = sent.clone();
        async move { sent.load(Ordering::SeqCst) >= total / 3 }
    })
    .await;
    std::fs::rename(&log, &rotated).unwrap();
    if signal {
        s.signal("USR1");
    }
    eventually("the service opened a new file at the path", || {
        let log = log.clone();
        async move { log.exists() }
    })
    .await;
    let reopened_at = sent.load(Ordering::SeqCst);
    let old_len = std::fs::metadata(&rotated).unwrap().len();
    let answered = running.await.unwrap();
    assert!(
        reopened_at < total * 9 / 10,
        "the reopen came after the load ({reopened_at} of {total}): nothing tested"
    );
    // Every line is written at shutdown.
    let mut s = Arc::into_inner(s).unwrap();
    s.signal("TERM");
    assert!(s.wait(Duration::from_secs(10)).is_some());
    assert_eq!(
        std::fs::metadata(&rotated).unwrap().len(),
        old_len,
        "lines reached the old file after the new one appeared"
    );
    let old = ids(&rotated);
    let new = ids(&log);
    assert!(
        !old.is_empty() && !new.is_empty(),
        "{} / {}",
        old.len(),
        new.len()
    );
    let mut logged: Vec<String> = old.iter().chain(&new).cloned().collect();
    let lines = logged.len();
    logged.sort();
    logged.dedup();
    assert_eq!(lines, logged.len(), "a line written twice");
    let logged: BTreeSet<String> = logged.into_iter().collect();
    let answered: BTreeSet<String> = answered.into_iter().collect();
    assert_eq!(answered.len(), total);
    assert_eq!(logged, answered, "a line lost");
}

#[tokio::test]
async fn issue25_12_sigusr1_reopens_the_log_under_load() {
    rotate_under_load("rotate-usr1", true).await;
}

#[tokio::test]
async fn issue25_12_a_log_moved_away_is_reopened_by_itself() {
    rotate_under_load("rotate-moved", false).await;
}
