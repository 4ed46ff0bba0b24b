//! Issue 26, point 3: the service against its HTTP stack's own ceiling.
//!
//! Two servers on loopback, driven by `wrk` in turns:
//!
//! - the service itself (the release binary, the example policy, no pins, default flags);
//! - a bare handler on the same framework (axum over hyper and tokio, this benchmark's binary
//!   run again with `UM_CEILING_BARE=1`): it parses the same request into the same
//!   `DecideRequest` (one or a batch), decides nothing, and answers the bytes the service
//!   answered for that request, with the same headers.
//!
//! Each round drives both, single requests and batches of 100, in an order that alternates
//! between rounds, so that both sides of a ratio see the same load; the ratio printed is the
//! median over the rounds of the bare handler's requests per second divided by the service's.
//! Target: ≤ 1.25.
//!
//! ```sh
//! apt-get install -y wrk     # or any `wrk` on PATH
//! cargo bench -p unified-message-server --bench ceiling
//! ```
//!
//! `UM_CEILING_ROUNDS` (default 5), `UM_CEILING_SECONDS` per run (default 2),
//! `UM_CEILING_CONNECTIONS` (default 32). Without `wrk` on PATH it prints SKIPPED and exits:
//! nothing about `wrk` is needed to build it (CI only builds the benchmarks).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use unified_message::DecideRequest;

const BATCH: usize = 100;
const POLICY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/policies/acme-hosting.toml"
);

fn request(i: usize) -> Value {
    json!({
        "contact": {"customer": format!("bench-{i}"), "channel": "web", "topic": "email.setup", "locale": "es"},
        "responder": {"system": "self-diagnosis"}
    })
}

/// A server started as a child process, on the address it printed.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(mut command: Command) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
            .to_owned();
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bare handler: parse, decide nothing, answer the recorded bytes.
fn bare() {
    let single: Bytes = std::fs::read(std::env::var("UM_CEILING_SINGLE").unwrap())
        .unwrap()
        .into();
    let batch: Bytes = std::fs::read(std::env::var("UM_CEILING_BATCH").unwrap())
        .unwrap()
        .into();
    let revision = HeaderValue::from_str(&std::env::var("UM_CEILING_REVISION").unwrap()).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let handler = move |body: Bytes| {
            let (single, batch, revision) = (single.clone(), batch.clone(), revision.clone());
            async move {
                let is_batch = body.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'[');
                let ok = if is_batch {
                    serde_json::from_slice::<Vec<DecideRequest>>(&body).is_ok()
                } else {
                    serde_json::from_slice::<DecideRequest>(&body).is_ok()
                };
                assert!(ok, "the bare handler got a bad request");
                let mut response: Response = (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    if is_batch { batch } else { single },
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(HeaderName::from_static("x-policy-revision"), revision);
                response
            }
        };
        let app = Router::new().route("/v1/decide", post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("listening on http://{}", listener.local_addr().unwrap());
        std::io::stdout().flush().unwrap();
        axum::serve(listener, app).await.unwrap();
    });
}

/// Requests per second of one `wrk` run posting `script`'s body to `url`.
fn wrk(url: &str, script: &std::path::Path, seconds: u64, connections: usize) -> f64 {
    let out = Command::new("wrk")
        .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s")])
        .arg("-s")
        .arg(script)
        .arg(url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("Non-2xx"),
        "wrk saw errors from {url}:\n{text}"
    );
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"))
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    if std::env::var("UM_CEILING_BARE").is_ok() {
        return bare();
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run only as a
    // benchmark.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("ceiling: SKIPPED: no `wrk` on PATH (apt-get install -y wrk)");
        return;
    }
    let rounds: usize = env_or("UM_CEILING_ROUNDS", 5);
    let seconds: u64 = env_or("UM_CEILING_SECONDS", 2);
    let connections: usize = env_or("UM_CEILING_CONNECTIONS", 32);
    let dir = std::env::temp_dir().join(format!("um-ceiling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let mut service = Command::new(env!("CARGO_BIN_EXE_unified-message-server"));
    service
        .arg(POLICY)
        .args(["--listen", "127.0.0.1:0", "--no-watch"]);
    let service = Server::start(service);

    // The service's own answers, recorded for the bare handler; the bodies as wrk scripts.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/v1/decide", service.base);
    let kinds = [
        ("single", request(0)),
        ("batch100", Value::Array((0..BATCH).map(request).collect())),
    ];
    let mut scripts = Vec::new();
    let mut revision = String::new();
    for (name, body) in &kinds {
        let body = serde_json::to_string(body).unwrap();
        let reply = runtime.block_on(async {
            let r = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.status());
            revision = r
                .headers()
                .get("x-policy-revision")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            r.bytes().await.unwrap()
        });
        std::fs::write(dir.join(format!("{name}.json")), &reply).unwrap();
        let script = dir.join(format!("{name}.lua"));
        // A Lua long string holds the JSON as it is.
        std::fs::write(
            &script,
            format!(
                "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [==[{body}]==]\n"
            ),
        )
        .unwrap();
        scripts.push((*name, script));
    }
    let mut bare = Command::new(std::env::current_exe().unwrap());
    bare.env("UM_CEILING_BARE", "1")
        .env("UM_CEILING_SINGLE", dir.join("single.json"))
        .env("UM_CEILING_BATCH", dir.join("batch100.json"))
        .env("UM_CEILING_REVISION", &revision);
    let bare = Server::start(bare);

    println!(
        "ceiling: the service and a bare axum handler, wrk -t1 -c{connections} -d{seconds}s, {rounds} interleaved rounds (load average {})",
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next().map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned())
    );
    for (name, script) in &scripts {
        let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let targets = [&service, &bare];
            let mut rps = [0.0; 2];
            for k in 0..2 {
                let which = (round + k) % 2;
                rps[which] = wrk(
                    &format!("{}/v1/decide", targets[which].base),
                    script,
                    seconds,
                    connections,
                );
            }
            ours.push(rps[0]);
            theirs.push(rps[1]);
            ratios.push(rps[1] / rps[0]);
        }
        let ratio = median(ratios);
        println!(
            "ceiling:   {name:<9} service {:>9.0} req/s   bare {:>9.0} req/s   ratio {ratio:.2}×  (target ≤ 1.25×) {}",
            median(ours),
            median(theirs),
            if ratio <= 1.25 {
                "✓"
            } else {
                "✗ over target"
            }
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
