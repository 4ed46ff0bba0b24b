//! Issue 24, point 4: the service tells its policy file's format by the library's one list
//! (`unified_message::PolicyFormat::from_path`): `.toml`, `.json`, `.yaml` and `.yml`, case
//! ignored.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::Value;
use support::{Scratch, Service, client, policy_text};
use unified_message::document::PolicyDocument;

#[tokio::test]
async fn i24_p4_policy_format_the_service_reads_every_extension() {
    let dir = Scratch::new("policy-format");
    let doc = PolicyDocument::from_toml_str(&policy_text("r-format", None)).unwrap();
    // JSON is YAML too: one text for both.
    let json = serde_json::to_string(&doc).unwrap();
    for (name, text) in [
        ("policy.TOML", policy_text("r-format", None)),
        ("policy.json", json.clone()),
        ("policy.yaml", json.clone()),
        ("policy.Yml", json),
    ] {
        let path = dir.write_atomic(name, &text);
        let service = Service::start(&path, &[]);
        let r = client()
            .get(service.url("/v1/policy"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{name}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["revision"], "r-format", "{name}");
    }
}
