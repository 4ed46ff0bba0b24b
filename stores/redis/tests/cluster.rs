//! Issue 25 point 9: the pins on a Redis Cluster of three masters with one replica each, which
//! the test starts on loopback itself (`redis-server --cluster-enabled yes` in a scratch
//! directory, `redis-cli --cluster create`) and kills at the end, also on failure. Without the
//! binaries the test says `SKIPPED` and passes, unless `UM_REQUIRE_SERVICES=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use unified_message::pins::{Pin, PinKey, Slot};
use unified_message::testing::pin_store::{self, email_key as key};
use unified_message::{AsyncPinStore, Engine};
use unified_message_redis::{RedisPinStore, StoreOptions};

const SERVER: &str = "/usr/bin/redis-server";
const CLI: &str = "/usr/bin/redis-cli";

/// Six `redis-server`s on loopback; every process is killed and the scratch directory removed
/// when this is dropped, whatever happened.
struct Cluster {
    dir: PathBuf,
    nodes: Vec<(u16, Child)>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (_, child) in &mut self.nodes {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Cluster {
    fn pid(&self, port: u16) -> u32 {
        self.nodes.iter().find(|(p, _)| *p == port).unwrap().1.id()
    }

    fn signal(&self, port: u16, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid(port).to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} of the node on {port}");
    }

    fn kill(&mut self, port: u16) {
        let (_, child) = self.nodes.iter_mut().find(|(p, _)| *p == port).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

/// Whether `port` and its cluster bus port (`port + 10000`) are free on loopback.
fn free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
        && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok()
}

/// Six free ports in 21000–29999 (their bus ports in 31000–39999).
fn ports() -> Vec<u16> {
    let start = 21_000 + u16::try_from(std::process::id() % 800).unwrap() * 10;
    let mut ports = Vec::new();
    let mut port = start;
    while ports.len() < 6 {
        if free(port) {
            ports.push(port);
        }
        port += 1;
        if port >= 30_000 {
            port = 21_000;
        }
        assert_ne!(port, start, "no six free ports");
    }
    ports
}

async fn admin(port: u16) -> redis::aio::MultiplexedConnection {
    redis::Client::open(format!("redis://127.0.0.1:{port}"))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn info(port: u16, section: &str, field: &str) -> Option<String> {
    let mut c = redis::Client::open(format!("redis://127.0.0.1:{port}"))
        .ok()?
        .get_multiplexed_async_connection()
        .await
        .ok()?;
    let text: String = redis::cmd(if section == "cluster" {
        "CLUSTER"
    } else {
        "INFO"
    })
    .arg(if section == "cluster" {
        "INFO"
    } else {
        section
    })
    .query_async(&mut c)
    .await
    .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(|v| v.trim().to_owned())
}

/// Waits until `check` holds, at most `limit`.
async fn until<F: AsyncFnMut() -> bool>(what: &str, limit: Duration, mut check: F) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts the cluster, or `None` after saying plainly that the test is skipped.
async fn start(label: &str) -> Option<Cluster> {
    if !Path::new(SERVER).exists() || !Path::new(CLI).exists() {
        assert!(
            !pin_store::services_required(),
            "{SERVER} and {CLI} are required (UM_REQUIRE_SERVICES=1)"
        );
        pin_store::skipped(label, &format!("no {SERVER} or {CLI}"));
        return None;
    }
    let dir = std::env::temp_dir().join(pin_store::fresh_name("redis_cluster"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cluster = Cluster {
        dir: dir.clone(),
        nodes: Vec::new(),
    };
    for port in ports() {
        let node = dir.join(port.to_string());
        std::fs::create_dir_all(&node).unwrap();
        let child = Command::new(SERVER)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes", "--cluster-node-timeout", "3000"])
            // A replica whose link is down may still be promoted (the test cuts links).
            .args(["--cluster-replica-validity-factor", "0"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(&node)
            .arg("--logfile")
            .arg(node.join("log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        cluster.nodes.push((port, child));
    }
    let ports: Vec<u16> = cluster.nodes.iter().map(|(p, _)| *p).collect();
    for &port in &ports {
        until("a node answers", Duration::from_secs(10), async || {
            info(port, "server", "redis_version").await.is_some()
        })
        .await;
    }
    let status = Command::new(CLI)
        .arg("--cluster")
        .arg("create")
        .args(ports.iter().map(|p| format!("127.0.0.1:{p}")))
        .args(["--cluster-replicas", "1", "--cluster-yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "redis-cli --cluster create");
    for &port in &ports {
        until("the cluster is ok", Duration::from_secs(20), async || {
            info(port, "cluster", "cluster_state").await.as_deref() == Some("ok")
        })
        .await;
        until(
            "the replicas are in sync",
            Duration::from_secs(20),
            async || match info(port, "replication", "role").await.as_deref() {
                Some("master") => {
                    info(port, "replication", "connected_slaves")
                        .await
                        .as_deref()
                        == Some("1")
                }
                Some(_) => {
                    info(port, "replication", "master_link_status")
                        .await
                        .as_deref()
                        == Some("up")
                }
                None => false,
            },
        )
        .await;
    }
    Some(cluster)
}

/// (port, master's port or `None` for a master, the master's slot ranges) of each live node,
/// as `CLUSTER NODES` on `port` sees them.
async fn topology(port: u16) -> Vec<(u16, Option<String>, String, Vec<(u16, u16)>)> {
    let mut c = admin(port).await;
    let text: String = redis::cmd("CLUSTER")
        .arg("NODES")
        .query_async(&mut c)
        .await
        .unwrap();
    text.lines()
        .filter(|l| !l.contains("fail"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let port: u16 = f[1].split(['@', ':']).nth(1).unwrap().parse().unwrap();
            let master = (f[3] != "-").then(|| f[3].to_owned());
            let ranges = f[8..]
                .iter()
                .filter(|r| !r.starts_with('['))
                .map(|r| {
                    let (a, b) = r.split_once('-').unwrap_or((r, r));
                    (a.parse().unwrap(), b.parse().unwrap())
                })
                .collect();
            (port, master, f[0].to_owned(), ranges)
        })
        .collect()
}

/// The port of the master serving `slot`, and of its replica.
async fn owner(any: u16, slot: u16) -> (u16, Option<u16>) {
    let nodes = topology(any).await;
    let (port, _, id, _) = nodes
        .iter()
        .find(|(_, m, _, r)| m.is_none() && r.iter().any(|(a, b)| (*a..=*b).contains(&slot)))
        .unwrap();
    let replica = nodes
        .iter()
        .find(|(_, m, _, _)| m.as_deref() == Some(id.as_str()))
        .map(|n| n.0);
    (*port, replica)
}

/// The cluster slot of `name`, computed here (CRC16/XMODEM of the hash tag, modulo 16384);
/// `keyslot` asks the server.
fn slot_of(name: &str) -> u16 {
    let mut bytes = name.as_bytes();
    if let Some(open) = name.find('{') {
        if let Some(close) = name[open + 1..].find('}') {
            if close > 0 {
                bytes = &name.as_bytes()[open + 1..open + 1 + close];
            }
        }
    }
    let mut crc: u16 = 0;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc % 16_384
}

async fn keyslot(any: u16, name: &str) -> u16 {
    let mut c = admin(any).await;
    redis::cmd("CLUSTER")
        .arg("KEYSLOT")
        .arg(name)
        .query_async(&mut c)
        .await
        .unwrap()
}

async fn decide(engine: &Engine, store: &RedisPinStore, customer: &str) -> Result<Pin, String> {
    pin_store::decide_email(engine, store, customer)
        .await
        .map(|pin| pin.unwrap())
        .map_err(|e| format!("{e}: {:?}", e.store_error().map(|s| s.message().to_owned())))
}

/// `count` customers named `prefix-i` whose pins live on the master `on` (or anywhere).
async fn customers(
    store: &RedisPinStore,
    any: u16,
    prefix: &str,
    on: u16,
    count: usize,
) -> Vec<String> {
    let mut found = Vec::new();
    for i in 0.. {
        let customer = format!("{prefix}-{i}");
        let slot = keyslot(any, &store.key(&key(&customer))).await;
        if owner(any, slot).await.0 == on {
            found.push(customer);
            if found.len() == count {
                return found;
            }
        }
    }
    unreachable!()
}

/// Runs decisions for fresh customers through `store` until `stop`, at most `limit` of them,
/// skipping customers whose slot is in `avoid`; the (customer, pin) of each acknowledged one,
/// and the number of failures.
fn load(
    engine: Arc<Engine>,
    store: RedisPinStore,
    prefix: &'static str,
    stop: Arc<AtomicBool>,
    limit: usize,
    avoid: Vec<(u16, u16)>,
) -> tokio::task::JoinHandle<(Vec<(String, Pin)>, usize)> {
    tokio::spawn(async move {
        let (mut acked, mut failed) = (Vec::new(), 0);
        for i in 0..limit {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let customer = format!("{prefix}-{i}");
            let slot = slot_of(&store.key(&key(&customer)));
            if avoid.iter().any(|(a, b)| (*a..=*b).contains(&slot)) {
                continue;
            }
            match decide(&engine, &store, &customer).await {
                Ok(pin) => acked.push((customer, pin)),
                Err(_) => {
                    failed += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        (acked, failed)
    })
}

/// Kills the master `master` (then resumes the stopped node `resume`) and waits until
/// `replica` serves its slots and the cluster is ok.
async fn fail_over(
    cluster: &mut Cluster,
    master: u16,
    resume: Option<u16>,
    replica: u16,
) -> Duration {
    let start = Instant::now();
    cluster.kill(master);
    if let Some(stopped) = resume {
        cluster.signal(stopped, "CONT");
    }
    until(
        "the replica is promoted",
        Duration::from_secs(30),
        async || {
            info(replica, "replication", "role").await.as_deref() == Some("master")
                && info(replica, "cluster", "cluster_state").await.as_deref() == Some("ok")
        },
    )
    .await;
    start.elapsed()
}

/// Point 9: the store on a cluster of three masters with a replica each. Phase 1 (no write
/// acknowledgement): the replica of one master is stopped and its link cut, pins are
/// acknowledged by that master alone, then the master is killed mid-load and the replica
/// promoted: the pins replicated before survive, the pins acknowledged during the cut are
/// lost — while a store with `WAIT 1` refused to acknowledge any write during the cut. Phase
/// 2 (`WAIT 1`): another master is killed mid-load; every pin the store acknowledged is in
/// force after the failover.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue25_9_redis_cluster_failover_with_and_without_wait() {
    let Some(mut cluster) = start("redis cluster failover").await else {
        return;
    };
    let ports: Vec<u16> = cluster.nodes.iter().map(|(p, _)| *p).collect();
    let url = format!(
        "redis+cluster://{}",
        ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let options = StoreOptions::new("um-cluster").with_timeout(Duration::from_millis(1000));
    let plain = RedisPinStore::connect(&url, options.clone()).await.unwrap();
    // The acknowledgement as the service sets it, in the URL.
    let acked = RedisPinStore::connect(&format!("{url}?wait=1&wait_timeout_ms=200"), options)
        .await
        .unwrap();
    assert!(
        format!("{acked:?}").contains("wait_replicas: 1"),
        "{acked:?}"
    );
    assert_eq!(
        plain.key(&PinKey::new("a{b}:c", "t", Slot::Explains)),
        "um-cluster:pin:{=a%7Bb%7D%3Ac}:t:explains"
    );
    let engine = Arc::new(Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap());
    let any = ports[0];

    // Every pin of one customer is in one slot, and a handoff reads them in one call.
    let handoff: Vec<PinKey> = [Slot::Explains, Slot::Serves, Slot::Answer]
        .into_iter()
        .map(|s| PinKey::new("c-handoff", "email.setup", s))
        .collect();
    let mut slots = Vec::new();
    for k in &handoff {
        slots.push(keyslot(any, &plain.key(k)).await);
    }
    assert!(slots.windows(2).all(|w| w[0] == w[1]), "{slots:?}");
    assert_eq!(slots[0], slot_of(&plain.key(&handoff[0])));
    decide(&engine, &plain, "c-handoff").await.unwrap();
    let many = plain.get_many(&handoff).await.unwrap();
    assert!(many[0].is_some(), "{many:?}");

    // The whole store contract on the cluster, with an expiry (reads renew it: `GETEX`
    // pipelines, one per customer's slot) and `WAIT 1` after each write.
    let kit = RedisPinStore::connect(
        &url,
        StoreOptions::new("um-cluster-kit")
            .with_expiry(Duration::from_secs(600))
            .with_wait(1, Duration::from_secs(5)),
    )
    .await
    .unwrap();
    pin_store::run_async(&kit, async |key| kit.remove(&key).await.map(drop))
        .await
        .unwrap();

    // Phase 1: no acknowledgement from a replica.
    let (m1, r1) = owner(any, keyslot(any, &plain.key(&key("c-handoff"))).await).await;
    let r1 = r1.expect("the master has a replica");
    let before = customers(&plain, any, "before", m1, 8).await;
    let gap = customers(&plain, any, "gap", m1, 8).await;
    let refused = customers(&plain, any, "refused", m1, 3).await;
    let mut kept = Vec::new();
    for c in &before {
        kept.push((c.clone(), decide(&engine, &plain, c).await.unwrap()));
    }
    until(
        "the replica caught up",
        Duration::from_secs(10),
        async || {
            let master = info(m1, "replication", "master_repl_offset").await;
            let replica = info(r1, "replication", "slave_repl_offset").await;
            master.is_some() && master == replica
        },
    )
    .await;
    cluster.signal(r1, "STOP");
    let mut m1_admin = admin(m1).await;
    let cut: u64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "replica"])
        .query_async(&mut m1_admin)
        .await
        .unwrap();
    assert_eq!(cut, 1, "the replica's link was cut");
    let mut lost = Vec::new();
    for c in &gap {
        lost.push((c.clone(), decide(&engine, &plain, c).await.unwrap()));
    }
    for c in &refused {
        let e = decide(&engine, &acked, c).await.unwrap_err();
        assert!(e.contains("replicas required"), "{e}");
    }
    // Mid-load: decisions for fresh customers run while the master dies.
    let stop = Arc::new(AtomicBool::new(false));
    let running = load(
        Arc::clone(&engine),
        plain.clone(),
        "load1",
        Arc::clone(&stop),
        20_000,
        Vec::new(),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The master dies first, so that the replica, resumed, cannot catch up.
    let took = fail_over(&mut cluster, m1, Some(r1), r1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let (load1, failed1) = running.await.unwrap();
    // The store recovers by itself: the failed-over slots answer again.
    let promoted = customers(&plain, any, "after", r1, 1).await;
    let mut after = decide(&engine, &plain, &promoted[0]).await;
    for _ in 0..50 {
        if after.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = decide(&engine, &plain, &promoted[0]).await;
    }
    after.unwrap();
    for (c, pin) in &kept {
        assert_eq!(
            plain.get(&key(c)).await.unwrap().as_ref(),
            Some(pin),
            "{c}: replicated before the cut, kept"
        );
    }
    for (c, _) in &lost {
        assert_eq!(
            plain.get(&key(c)).await.unwrap(),
            None,
            "{c}: acknowledged by the master alone, lost in the failover"
        );
    }
    // Pins on the other masters are all kept; on the failed-over one, those acknowledged
    // during the cut are lost.
    let failed_over = topology(r1)
        .await
        .into_iter()
        .find(|n| n.0 == r1)
        .map(|n| n.3)
        .unwrap();
    let mut survived1 = 0;
    for (c, pin) in &load1 {
        let kept = plain.get(&key(c)).await.unwrap().as_ref() == Some(pin);
        let slot = slot_of(&plain.key(&key(c)));
        assert!(
            kept || failed_over.iter().any(|(a, b)| (*a..=*b).contains(&slot)),
            "{c}: on a master that did not fail, kept"
        );
        survived1 += usize::from(kept);
    }
    eprintln!(
        "phase 1 (no WAIT): failover in {took:?}; {} pins replicated before kept, {} acknowledged during the cut lost, {} refused with WAIT 1; load: {} acknowledged, {survived1} survived, {failed1} failed",
        kept.len(),
        lost.len(),
        refused.len(),
        load1.len()
    );

    // Phase 2: `WAIT 1`, another master killed mid-load.
    let any = r1;
    let nodes = topology(any).await;
    let (m2, r2) = {
        let mut pair = None;
        for (port, master, _, ranges) in &nodes {
            if master.is_none() && *port != r1 && !ranges.is_empty() {
                let (m, r) = owner(any, ranges[0].0).await;
                if let Some(r) = r {
                    pair = Some((m, r));
                    break;
                }
            }
        }
        pair.unwrap()
    };
    // The promoted replica has no replica of its own: `WAIT 1` refuses its writes (as it
    // should), so the load keeps to the other masters' slots.
    let orphan = nodes
        .iter()
        .find(|n| n.0 == r1)
        .map(|n| n.3.clone())
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let running = load(
        Arc::clone(&engine),
        acked.clone(),
        "load2",
        Arc::clone(&stop),
        20_000,
        orphan.clone(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let took = fail_over(&mut cluster, m2, None, r2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let (load2, failed2) = running.await.unwrap();
    let mut on_m2 = 0;
    for (c, pin) in &load2 {
        let slot = keyslot(any, &acked.key(&key(c))).await;
        on_m2 += usize::from(owner(any, slot).await.0 == r2);
        assert_eq!(
            acked.get(&key(c)).await.unwrap().as_ref(),
            Some(pin),
            "{c}: acknowledged with WAIT 1, kept through the failover"
        );
    }
    assert!(
        on_m2 > 0,
        "some acknowledged pins were on the master killed"
    );
    eprintln!(
        "phase 2 (WAIT 1): failover in {took:?}; load: {} acknowledged ({on_m2} on the master killed), all kept; {failed2} failed",
        load2.len()
    );
    // And a write on the orphaned master's slots is refused by `WAIT 1`.
    for i in 0.. {
        let customer = format!("orphan-{i}");
        let slot = slot_of(&acked.key(&key(&customer)));
        if orphan.iter().any(|(a, b)| (*a..=*b).contains(&slot)) {
            let e = decide(&engine, &acked, &customer).await.unwrap_err();
            assert!(e.contains("0 of the 1 replicas required"), "{e}");
            break;
        }
    }
    drop(cluster);
}

/// A write acknowledgement in the URL that is not a number is a clear error, before any
/// connection.
#[tokio::test]
async fn issue25_9_wait_in_the_url_is_checked() {
    for url in [
        "redis+cluster://127.0.0.1:1,127.0.0.1:2?wait=one",
        "redis://127.0.0.1:1?wait_timeout_ms=-5",
    ] {
        let e = RedisPinStore::connect(url, StoreOptions::default())
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("is not a number: use wait=REPLICAS"),
            "{e}"
        );
    }
    let e = RedisPinStore::connect("redis+cluster://", StoreOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("names no node"), "{e}");
}
