//! Issue 14, point 7: the service over loopback with keep-alive — decisions per second at 1,
//! 16 and 64 connections, one request or a batch of 100, with memory pins and PostgreSQL pins
//! — and the overhead against an in-process `decide`.
//!
//! ```sh
//! cargo bench -p unified-message-server --bench service
//! ```
//!
//! Criterion measures the throughput; a summary printed at the end gives decisions per second
//! and the p50/p99 latency of each configuration, from a fixed run of its own. PostgreSQL is
//! `UM_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`); without it the
//! PostgreSQL rows are skipped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use serde_json::{Value, json};
use unified_message::{Channel, Contact, Engine, Responder};

const CONNECTIONS: [usize; 3] = [1, 16, 64];
const BATCH: usize = 100;

struct Service {
    child: Child,
    base: String,
}

impl Service {
    fn start(args: &[&str]) -> Service {
        let policy = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/policies/acme-hosting.toml"
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_unified-message-server"))
            .arg(policy)
            .args(["--listen", "127.0.0.1:0", "--no-watch"])
            .args(args)
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
            .unwrap_or_else(|| panic!("the service did not start: {line:?}"))
            .to_owned();
        Service { child, base }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn request(i: usize) -> Value {
    json!({
        "contact": {"customer": format!("bench-{i}"), "channel": "web", "topic": "email.setup", "locale": "es"},
        "responder": {"system": "self-diagnosis"}
    })
}

/// A configuration: where it posts and what.
struct Load {
    url: String,
    body: Arc<Vec<u8>>,
    decisions: usize,
}

impl Load {
    fn new(service: &Service, pinned: bool, batch: bool) -> Load {
        let url = format!(
            "{}/v1/decide{}",
            service.base,
            if pinned { "?pin=true" } else { "" }
        );
        let (body, decisions) = if batch {
            (Value::Array((0..BATCH).map(request).collect()), BATCH)
        } else {
            (request(0), 1)
        };
        Load {
            url,
            body: Arc::new(serde_json::to_vec(&body).unwrap()),
            decisions,
        }
    }

    /// `total` requests over `connections` keep-alive connections; returns each latency.
    async fn run(&self, connections: usize, total: u64) -> Vec<Duration> {
        let per = total.div_ceil(connections as u64);
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (url, body) = (self.url.clone(), self.body.clone());
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .unwrap();
                let mut latencies = Vec::with_capacity(per as usize);
                for _ in 0..per {
                    let start = Instant::now();
                    let reply = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.as_ref().clone())
                        .send()
                        .await
                        .unwrap();
                    assert!(reply.status().is_success(), "{}", reply.status());
                    let _ = reply.bytes().await.unwrap();
                    latencies.push(start.elapsed());
                }
                latencies
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    }
}

fn postgres_url() -> String {
    std::env::var("UM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn schema() -> String {
    format!("um_bench_{}", std::process::id())
}

fn postgres() -> Option<Service> {
    let url = postgres_url();
    let schema = schema();
    let mut child = Command::new(env!("CARGO_BIN_EXE_unified-message-server"))
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/policies/acme-hosting.toml"
        ))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--no-watch",
            "--pins",
            &url,
            "--pins-namespace",
            &schema,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    match line.trim().strip_prefix("listening on ") {
        Some(base) => Some(Service {
            base: base.to_owned(),
            child,
        }),
        None => {
            eprintln!("SKIPPED: PostgreSQL pins: no PostgreSQL at {url}");
            let _ = child.wait();
            None
        }
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let memory = Service::start(&["--pins", "memory"]);
    let pg = postgres();
    let mut configs: Vec<(String, Load)> = Vec::new();
    for (store, service) in [("memory", Some(&memory)), ("postgres", pg.as_ref())] {
        let Some(service) = service else { continue };
        for batch in [false, true] {
            let kind = if batch { "batch100" } else { "single" };
            // Memory-pin figures are measured without pins too: the HTTP path alone.
            if store == "memory" {
                configs.push((format!("plain/{kind}"), Load::new(service, false, batch)));
            }
            configs.push((
                format!("{store}-pins/{kind}"),
                Load::new(service, true, batch),
            ));
        }
    }

    let mut group = c.benchmark_group("service");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_secs(1));
    for (name, load) in &configs {
        for connections in CONNECTIONS {
            group.throughput(Throughput::Elements(load.decisions as u64));
            group.bench_with_input(
                BenchmarkId::new(name, connections),
                &connections,
                |b, &n| {
                    b.to_async(&runtime).iter_custom(|iters| async move {
                        let start = Instant::now();
                        load.run(n, iters.max(n as u64)).await;
                        // Per request, as criterion expects from `iters` requests.
                        start
                            .elapsed()
                            .mul_f64(iters as f64 / iters.max(n as u64) as f64)
                    });
                },
            );
        }
    }
    group.finish();

    // In process: the same decision and its JSON, without HTTP.
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let contact = Contact::new("bench-0", Channel::Web)
        .with_topic("email.setup")
        .with_locale("es");
    let responder = Responder::system("self-diagnosis");
    let mut in_process = c.benchmark_group("in_process");
    in_process.throughput(Throughput::Elements(1));
    in_process.bench_function("decide+json", |b| {
        b.iter(|| serde_json::to_vec(&engine.decide(&contact, &responder).to_record()).unwrap());
    });
    in_process.finish();

    // The summary: decisions per second, p50 and p99, from a fixed run of each.
    // The best of five runs: on a shared machine, the least disturbed one.
    let n = 20_000u32;
    let in_process_us = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                std::hint::black_box(
                    serde_json::to_vec(&engine.decide(&contact, &responder).to_record()).unwrap(),
                );
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        })
        .fold(f64::INFINITY, f64::min);
    println!("\nsummary (decisions/s, p50 and p99 per request, over loopback with keep-alive)");
    println!("in process: decide + JSON {in_process_us:.2} µs per decision");
    for (name, load) in &configs {
        for connections in CONNECTIONS {
            let total = if load.decisions == 1 { 20_000 } else { 1_000 };
            let start = Instant::now();
            let mut latencies = runtime.block_on(load.run(connections, total));
            let elapsed = start.elapsed().as_secs_f64();
            latencies.sort();
            let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
            let per_second = (latencies.len() * load.decisions) as f64 / elapsed;
            println!(
                "{name:<22} {connections:>2} conn: {per_second:>9.0} decisions/s  p50 {:>8.1} µs  p99 {:>8.1} µs  (x{:.0} the in-process cost per decision)",
                at(0.50).as_secs_f64() * 1e6,
                at(0.99).as_secs_f64() * 1e6,
                1e6 / per_second / in_process_us,
            );
        }
    }
    if pg.is_some() {
        drop(pg);
        runtime.block_on(async {
            let options = unified_message_postgres::StoreOptions::new(schema());
            if let Ok(store) =
                unified_message_postgres::PostgresPinStore::connect(&postgres_url(), options).await
            {
                let _ = store.drop_schema().await;
            }
        });
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
