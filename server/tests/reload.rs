//! Issue 23, points 3 to 5: the policy in force follows real deployments — a symlink swapped as
//! Kubernetes does, a file written in two parts, and the watch, `SIGHUP` and `PUT /v1/policy`
//! at once — against the real binary.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod kube;
mod support;

use std::io::Write as _;
use std::time::{Duration, Instant};

use kube::ConfigMap;
use serde_json::{Value, json};
use support::{Scratch, Service, client, email_request, eventually, policy_text};
use unified_message::Engine;

async fn policy(c: &reqwest::Client, s: &Service) -> Value {
    c.get(s.url("/v1/policy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn revision(c: &reqwest::Client, s: &Service) -> String {
    policy(c, s).await["revision"].as_str().unwrap().to_owned()
}

async fn decide(c: &reqwest::Client, s: &Service, body: &Value) -> Value {
    let r = c.post(s.url("/v1/decide")).json(body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

/// An e-mail contact during the e-mail outage: the `email-outage` rule answers it.
fn outage_request() -> Value {
    let mut r = email_request("olga");
    r["contact"]["facts"] = json!({"outage": "email"});
    r
}

#[tokio::test]
async fn issue23_3_a_kubernetes_configmap_symlink_swap_is_served_without_sighup() {
    let dir = Scratch::new("kube");
    let mut volume = ConfigMap::new(&dir.0);
    volume.publish(&policy_text("r1", None));
    let s = Service::start(&volume.policy(), &[]);
    let c = client();
    assert_eq!(revision(&c, &s).await, "r1");

    volume.publish(&policy_text("r2", Some("two")));
    eventually("the swapped ..data is served", || async {
        revision(&c, &s).await == "r2"
    })
    .await;
    let d = decide(&c, &s, &email_request("c")).await;
    assert_eq!(d["revision"], "r2");
    assert!(
        d["message"]["text"]
            .as_str()
            .unwrap()
            .contains("imap-two.acme.example"),
        "{d}"
    );
    assert_eq!(policy(&c, &s).await["last_reload"]["trigger"], "watch");

    // The watch follows the new target: a second swap, then the file the chain now ends in
    // written in place (through the symlink), are both seen.
    volume.publish(&policy_text("r3", None));
    eventually("the second swap is served", || async {
        revision(&c, &s).await == "r3"
    })
    .await;
    std::fs::write(volume.policy(), policy_text("r4", None)).unwrap();
    eventually(
        "a write into the file behind the symlinks is served",
        || async { revision(&c, &s).await == "r4" },
    )
    .await;
    assert_eq!(
        std::fs::read_to_string(volume.target()).unwrap(),
        policy_text("r4", None)
    );
}

#[tokio::test]
async fn issue23_4_a_file_written_in_two_parts_is_never_served_half_written() {
    let full = policy_text("r2", None);
    // The first part: every line before the rules. It compiles on its own, as revision r2,
    // and decides the outage contact otherwise than the whole file.
    let cut = full.find("\n[[rules]]").unwrap() + 1;
    let (first, rest) = full.split_at(cut);
    let truncated = Engine::from_toml_str(first).expect("the first part compiles on its own");
    assert_eq!(truncated.revision(), "r2");
    assert!(first.lines().count() > 1000);

    let dir = Scratch::new("half");
    let path = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start(&path, &[]);
    let c = client();
    let before = decide(&c, &s, &outage_request()).await;
    assert_eq!(before["message"]["id"], "email-outage-notice", "{before}");

    // The writer truncates the file, writes the first part, and pauses far longer than a
    // debounce before it writes the rest and closes the file.
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(first.as_bytes()).unwrap();
    file.flush().unwrap();
    file.sync_data().unwrap();
    let pause = Instant::now();
    let mut polls = 0;
    while pause.elapsed() < Duration::from_millis(1500) {
        let d = decide(&c, &s, &outage_request()).await;
        assert_eq!(d["revision"], "r1", "the half-written file was served: {d}");
        assert_eq!(d["message"]["id"], "email-outage-notice", "{d}");
        assert_eq!(revision(&c, &s).await, "r1");
        polls += 1;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(polls >= 3, "{polls} polls in the pause");
    file.write_all(rest.as_bytes()).unwrap();
    drop(file);

    eventually("the whole file is served once closed", || async {
        revision(&c, &s).await == "r2"
    })
    .await;
    let after = decide(&c, &s, &outage_request()).await;
    assert_eq!(after["revision"], "r2");
    assert_eq!(after["message"]["id"], "email-outage-notice", "{after}");
    assert_eq!(policy(&c, &s).await["last_reload"]["result"], "ok");
}

#[tokio::test]
async fn issue23_4_a_changed_text_under_the_revision_in_force_is_refused() {
    let dir = Scratch::new("same-revision");
    let path = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start_env(&path, &[], &[("UM_ADMIN_TOKEN", "s3cret")]);
    let c = client();
    let before = decide(&c, &s, &email_request("c")).await;

    // The file: another text, the same revision.
    dir.write_atomic("policy.toml", &policy_text("r1", Some("other")));
    eventually("the reload is reported as failed", || async {
        policy(&c, &s).await["last_reload"]["result"] == "error"
    })
    .await;
    let p = policy(&c, &s).await;
    assert_eq!(p["revision"], "r1");
    let errors = p["last_reload"]["errors"].to_string();
    assert!(errors.contains("the revision in force"), "{errors}");
    let d = decide(&c, &s, &email_request("c")).await;
    assert_eq!(d["message"]["text"], before["message"]["text"]);

    // An upload: the same rule, a 422.
    let r = c
        .put(s.url("/v1/policy"))
        .bearer_auth("s3cret")
        .json(&json!({"policy": policy_text("r1", Some("uploaded"))}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["diagnostics"]
            .to_string()
            .contains("revision in force"),
        "{body}"
    );
    let d = decide(&c, &s, &email_request("c")).await;
    assert_eq!(d["message"]["text"], before["message"]["text"]);

    // A new revision is served as ever.
    dir.write_atomic("policy.toml", &policy_text("r2", Some("other")));
    eventually("a new revision is served", || async {
        revision(&c, &s).await == "r2"
    })
    .await;
}

async fn upload(c: &reqwest::Client, s: &Service, text: &str) -> Value {
    let r = c
        .put(s.url("/v1/policy"))
        .bearer_auth("s3cret")
        .json(&json!({"policy": text}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

/// Polls for `hold`: the revision in force stays `expected` throughout.
async fn holds(c: &reqwest::Client, s: &Service, expected: &str, hold: Duration) {
    let start = Instant::now();
    while start.elapsed() < hold {
        let p = policy(c, s).await;
        assert_eq!(
            p["revision"], expected,
            "an older change replaced the last one: {p}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn issue23_5_the_watch_sighup_and_an_upload_at_once_leave_the_last_change_in_force() {
    let dir = Scratch::new("serial");
    let path = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let s = Service::start_env(&path, &[], &[("UM_ADMIN_TOKEN", "s3cret")]);
    let c = client();

    for round in 0..3 {
        // A file change (seen by the watch), SIGHUP, and an upload, one right after the other:
        // the upload is the last change.
        let file = format!("f{round}");
        let uploaded = format!("u{round}");
        dir.write_atomic("policy.toml", &policy_text(&file, None));
        s.signal("HUP");
        // The upload is sent once the service has taken the signal and loaded the file for
        // it (a fixed pause would let a slow signal task load the file after the upload).
        // The revision tells this round's SIGHUP from the one ending the previous round.
        eventually("the SIGHUP reload is recorded", || async {
            let p = policy(&c, &s).await;
            p["last_reload"]["trigger"] == "sighup" && p["last_reload"]["revision"] == file.as_str()
        })
        .await;
        let info = upload(&c, &s, &policy_text(&uploaded, Some("up"))).await;
        assert_eq!(info["revision"], uploaded.as_str(), "{info}");
        holds(&c, &s, &uploaded, Duration::from_millis(800)).await;
        assert_eq!(policy(&c, &s).await["source"], "upload");

        // A file change, then an upload before the watch has even read it: the upload stays.
        let file = format!("h{round}");
        let uploaded = format!("w{round}");
        dir.write_atomic("policy.toml", &policy_text(&file, None));
        upload(&c, &s, &policy_text(&uploaded, Some("up"))).await;
        holds(&c, &s, &uploaded, Duration::from_millis(800)).await;

        // An upload, then a file change seen by the watch alone: the file is the last change.
        let uploaded = format!("x{round}");
        let file = format!("k{round}");
        upload(&c, &s, &policy_text(&uploaded, Some("up"))).await;
        dir.write_atomic("policy.toml", &policy_text(&file, None));
        eventually("the file written after the upload is served", || async {
            revision(&c, &s).await == file
        })
        .await;

        // An upload, then a file change and SIGHUP: the file is the last change.
        let uploaded = format!("v{round}");
        let file = format!("g{round}");
        upload(&c, &s, &policy_text(&uploaded, Some("up"))).await;
        dir.write_atomic("policy.toml", &policy_text(&file, None));
        s.signal("HUP");
        eventually("the file written last is served", || async {
            revision(&c, &s).await == file
        })
        .await;
        holds(&c, &s, &file, Duration::from_millis(500)).await;
        assert_eq!(policy(&c, &s).await["source"], "file");
    }
}
