//! Issue 23: a rolling deploy as Kubernetes makes one — two service processes sharing one
//! SQLite pin store, each with the policy of its own ConfigMap volume (a symlink swapped by
//! the kubelet) — and no customer ever hears an older text after a newer one: the node not yet
//! rolled delivers nothing rather than the text a rolled node already replaced.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod kube;
mod support;

use std::collections::BTreeMap;

use kube::ConfigMap;
use serde_json::{Value, json};
use support::{
    Scratch, Service, client, email_request, eventually, policy_text, policy_with_guide,
};

/// Revision `revision` of the example policy with `added` new versions of the e-mail setup
/// guide appended, each a substantive change.
fn with_versions(revision: &str, added: u32) -> String {
    let mut text = policy_text(revision, None);
    for n in 1..=added {
        text.push_str(&format!(
            "\n[[messages.email-setup-guide.versions]]\nchange = \"substantive\"\ntext.es = \"Procedimiento de correo número {n}.\"\ntext.en = \"E-mail procedure number {n}.\"\n"
        ));
    }
    text
}

/// The order in which the texts of this test were introduced: the guide's versions, then the
/// second guide, then the third (whose policy removes the older guides).
fn ordinal(message: &str, version: u64) -> u64 {
    match message {
        "email-setup-guide" => version,
        "email-setup-guide-2" => 100 + version,
        "email-setup-guide-3" => 200 + version,
        other => panic!("unexpected message {other}"),
    }
}

/// What customers heard, in order: the ordinal (see [`ordinal`]) and text of each delivered
/// answer.
#[derive(Default)]
struct Heard(BTreeMap<String, Vec<(u64, String)>>);

impl Heard {
    /// Asks `node` for `customer`'s pinned decision: `true` when something was delivered (a 503
    /// delivers nothing); asserts the customer never goes back to an older text.
    async fn ask(&mut self, c: &reqwest::Client, node: &Service, customer: &str) -> bool {
        let mut request = email_request(customer);
        request["contact"]["channel"] = json!("chat");
        let r = c
            .post(node.url("/v1/decide?pin=true"))
            .json(&request)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        if status == 503 {
            return false;
        }
        assert_eq!(status, 200, "{body}");
        assert!(
            !body.to_string().contains("“”"),
            "a notice quotes nothing: {body}"
        );
        let message = &body["decision"]["message"];
        let version = ordinal(
            message["id"].as_str().unwrap(),
            message["version"].as_u64().unwrap(),
        );
        let text = message["text"].as_str().unwrap().to_owned();
        let told = self.0.entry(customer.to_owned()).or_default();
        if let Some((last, last_text)) = told.last() {
            assert!(
                version >= *last,
                "{customer} heard version {version} after version {last} ({last_text:?}): {body}"
            );
            if version == *last {
                assert_eq!(&text, last_text, "{customer}: one version, two texts");
            }
        }
        told.push((version, text));
        true
    }

    fn last(&self, customer: &str) -> u64 {
        self.0[customer].last().unwrap().0
    }
}

async fn revision(c: &reqwest::Client, s: &Service) -> String {
    c.get(s.url("/v1/policy"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["revision"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn rolled(c: &reqwest::Client, s: &Service, to: &str) {
    eventually("the node serves the swapped ConfigMap", || async {
        revision(c, s).await == to
    })
    .await;
}

#[tokio::test]
async fn issue23_a_rolling_deploy_by_symlink_swap_never_tells_an_older_text_after_a_newer() {
    let dir = Scratch::new("rolling");
    let pins = format!("sqlite:{}", dir.path("pins.db").display());
    std::fs::create_dir(dir.path("a")).unwrap();
    std::fs::create_dir(dir.path("b")).unwrap();
    let mut volume_a = ConfigMap::new(&dir.path("a"));
    let mut volume_b = ConfigMap::new(&dir.path("b"));
    volume_a.publish(&with_versions("r1", 0));
    volume_b.publish(&with_versions("r1", 0));
    let a = Service::start(&volume_a.policy(), &["--pins", pins.as_str()]);
    let b = Service::start(&volume_b.policy(), &["--pins", pins.as_str()]);
    let c = client();
    let customers: Vec<String> = (0..4).map(|i| format!("customer-{i}")).collect();
    let mut heard = Heard::default();
    for customer in &customers {
        assert!(heard.ask(&c, &a, customer).await);
        assert!(heard.ask(&c, &b, customer).await);
    }
    let first = heard.last(&customers[0]);

    // Two rolls, each appending a version: B first, then A; meanwhile customers go back and
    // forth between the nodes.
    let mut refused = 0;
    for (roll, revision) in [(1, "r2"), (2, "r3")] {
        volume_b.publish(&with_versions(revision, roll));
        rolled(&c, &b, revision).await;
        for _ in 0..2 {
            for customer in &customers {
                assert!(heard.ask(&c, &b, customer).await);
                if !heard.ask(&c, &a, customer).await {
                    refused += 1;
                }
            }
        }
        volume_a.publish(&with_versions(revision, roll));
        rolled(&c, &a, revision).await;
        for customer in &customers {
            assert!(heard.ask(&c, &a, customer).await);
            assert!(heard.ask(&c, &b, customer).await);
            assert_eq!(heard.last(customer), first + u64::from(roll), "{customer}");
        }
    }
    // The old node was asked after the new one had told the newer text: it refused.
    assert!(refused > 0);

    // Two more rolls that no version number orders: the slot names a new message (r4), then
    // a third one while the older guides are removed (r5). The node not yet rolled never moves
    // a pin back to the message it still names, and never quotes a removed text.
    let mut refused = 0;
    for (revision, guide, remove_old) in [
        ("r4", "email-setup-guide-2", false),
        ("r5", "email-setup-guide-3", true),
    ] {
        volume_b.publish(&policy_with_guide(revision, guide, remove_old));
        rolled(&c, &b, revision).await;
        for _ in 0..2 {
            for customer in &customers {
                assert!(heard.ask(&c, &b, customer).await);
                if !heard.ask(&c, &a, customer).await {
                    refused += 1;
                }
            }
        }
        volume_a.publish(&policy_with_guide(revision, guide, remove_old));
        rolled(&c, &a, revision).await;
        for customer in &customers {
            assert!(heard.ask(&c, &a, customer).await);
            assert!(heard.ask(&c, &b, customer).await);
            assert_eq!(heard.last(customer), ordinal(guide, 1), "{customer}");
        }
    }
    assert!(refused > 0);
}
