//! Issue 13 points 4, 6 and 7 against a real Redis (`UM_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`). Without a server the tests say `SKIPPED` and pass, unless
//! `UM_REQUIRE_SERVICES=1` (as `.ci/run` sets), which makes a missing server a failure. Each
//! test uses a namespace of its own, whose keys it deletes at the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use unified_message::pins::{Pin, PinKey, Slot, Timestamp};
use unified_message::testing::pin_store;
use unified_message::{AsyncPinStore, Channel, Contact, Engine, Responder};
use unified_message_redis::{RedisPinStore, StoreOptions};

/// The interruption test kills and pauses every client of the server: it runs alone, the
/// other tests of this file share the server meanwhile.
static SERVER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

fn url() -> String {
    std::env::var("UM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

fn namespace(label: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "um-test:{label}:{}:{}:{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn required() -> bool {
    std::env::var("UM_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// A store, or `None` after saying plainly that the test is skipped.
async fn store(label: &str, options: StoreOptions) -> Option<RedisPinStore> {
    let url = url();
    match RedisPinStore::connect(&url, options).await {
        Ok(store) => Some(store),
        Err(e) if !required() => {
            // Written to the real stderr, not through `eprintln!`, which the test harness
            // captures and hides for a passing test: `cargo test` must say what it skipped.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {label}: no Redis at {url} ({e}); set UM_REQUIRE_SERVICES=1 to fail instead"
            );
            None
        }
        Err(e) => panic!("Redis at {url} is required (UM_REQUIRE_SERVICES=1): {e}"),
    }
}

/// A plain connection for the test's own commands.
async fn admin() -> redis::aio::MultiplexedConnection {
    redis::Client::open(url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Deletes every key of `store`'s namespace.
async fn clean(store: &RedisPinStore) {
    let mut c = admin().await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(store.pattern())
        .query_async(&mut c)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut c)
            .await
            .unwrap();
    }
}

async fn count(store: &RedisPinStore) -> usize {
    let mut c = admin().await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(store.pattern())
        .query_async(&mut c)
        .await
        .unwrap();
    keys.len()
}

fn engine(revision: &str, changed: bool) -> Engine {
    let mut text = unified_message::EXAMPLE_POLICY.replace(
        "revision = \"2026-11-27\"",
        &format!("revision = \"{revision}\""),
    );
    if changed {
        text.push_str(
            "\n[[messages.email-setup-guide.versions]]\nchange = \"substantive\"\n\
             text.es = \"Use una contraseña de aplicación. {system}: {where}\"\n\
             text.en = \"Use an app password. {system}: {where}\"\n",
        );
    }
    Engine::from_toml_str(&text).unwrap()
}

fn contact(customer: &str) -> Contact {
    Contact::new(customer, Channel::Chat)
        .with_topic("email.setup")
        .with_locale("en")
}

fn bot() -> Responder {
    Responder::system("self-diagnosis")
}

fn key(customer: &str) -> PinKey {
    PinKey::new(customer, "email.setup", Slot::Explains)
}

fn options(label: &str) -> StoreOptions {
    StoreOptions::new(namespace(label)).with_timeout(Duration::from_millis(1500))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue13_4_redis_store_passes_the_kit() {
    let _server = SERVER.read().await;
    let Some(store) = store("redis kit", options("kit")).await else {
        return;
    };
    let result = pin_store::run_async(&store, |key| {
        let store = store.clone();
        async move { store.remove(&key).await.map(drop) }
    })
    .await;
    let left = count(&store).await;
    clean(&store).await;
    result.unwrap();
    assert_eq!(left, 0, "the kit erased what it wrote");
}

/// Keys are namespaced per policy, with their parts escaped: two policies never share a pin,
/// and a `:` in an id cannot forge another key.
#[tokio::test]
async fn issue13_4_keys_are_namespaced_and_escaped() {
    let _server = SERVER.read().await;
    let Some(acme) = store("redis namespaces", options("acme")).await else {
        return;
    };
    let other = store("redis namespaces", options("other")).await.unwrap();
    let k = PinKey::new("c:1", "email:setup", Slot::Rule("a:b".into()));
    assert!(
        acme.key(&k)
            .ends_with(":pin:c%3A1:email%3Asetup:rule%3Aa%3Ab"),
        "{}",
        acme.key(&k)
    );
    let pin = Pin::new("m", 1, "r", Timestamp::from_unix_seconds(1));
    acme.insert_if_absent(&k, pin.clone()).await.unwrap();
    assert_eq!(
        other.get(&k).await.unwrap(),
        None,
        "another policy's namespace"
    );
    assert_eq!(acme.get(&k).await.unwrap(), Some(pin));
    clean(&acme).await;
}

/// The optional expiry: a pin lives that long after its last write.
#[tokio::test]
async fn issue13_4_optional_expiry_per_key() {
    let _server = SERVER.read().await;
    let Some(store) = store(
        "redis expiry",
        options("ttl").with_expiry(Duration::from_secs(60)),
    )
    .await
    else {
        return;
    };
    let k = key("c-ttl");
    let first = Pin::new("m", 1, "r", Timestamp::from_unix_seconds(1));
    store.insert_if_absent(&k, first.clone()).await.unwrap();
    let mut c = admin().await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(store.key(&k))
        .query_async(&mut c)
        .await
        .unwrap();
    assert!((50_000..=60_000).contains(&ttl), "{ttl}");
    let second = Pin::new("m", 2, "r", Timestamp::from_unix_seconds(2));
    store.compare_and_replace(&k, &first, second).await.unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(store.key(&k))
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(
        (50_000..=60_000).contains(&ttl),
        "a move renews the expiry: {ttl}"
    );
    let plain = self::store("redis expiry", options("plain")).await.unwrap();
    plain.insert_if_absent(&k, first).await.unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(plain.key(&k))
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(ttl, -1, "no expiry unless asked");
    clean(&store).await;
    clean(&plain).await;
}

/// Issue 13 point 7 through the kit's node checks: three nodes, each with its own connection,
/// on one Redis. 16 concurrent first contacts split across them leave exactly one pin and one
/// story; after a rolling deploy's move no node tells the old text, and the old node delivers
/// nothing. The kit erases its pins: no key is left in the namespace.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue13_7_many_nodes_and_a_rolling_deploy_tell_one_story() {
    let _server = SERVER.read().await;
    let opts = options("nodes");
    let Some(a) = store("redis many nodes", opts.clone()).await else {
        return;
    };
    let b = store("redis many nodes", opts.clone()).await.unwrap();
    let c = store("redis many nodes", opts).await.unwrap();
    let result = pin_store::run_nodes_async(&[&a, &b, &c], |key| {
        let a = a.clone();
        async move { a.remove(&key).await.map(drop) }
    })
    .await;
    let left = count(&a).await;
    clean(&a).await;
    result.unwrap();
    assert_eq!(left, 0, "the node checks erased what they wrote");
}

/// The server interrupted mid-run: every client connection killed (`CLIENT KILL TYPE
/// normal`), then all clients paused past the store's timeout (`CLIENT PAUSE`). Errors, never
/// a wrong or duplicated pin; once the server answers again, decisions succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue13_7_server_interruption_errors_then_recovery() {
    let _server = SERVER.write().await;
    let opts = options("interrupt").with_timeout(Duration::from_millis(400));
    let Some(a) = store("redis interruption", opts.clone()).await else {
        return;
    };
    let b = store("redis interruption", opts).await.unwrap();
    let engine = Arc::new(engine("r1", false));
    let run = |customer: &'static str| {
        (0..16)
            .map(|i| {
                let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                let engine = Arc::clone(&engine);
                tokio::spawn(async move {
                    engine
                        .decide_pinned_async(
                            &contact(customer),
                            &bot(),
                            &store,
                            Timestamp::from_unix_seconds(i),
                        )
                        .await
                        .map(|d| (d.text(), d.pin().cloned()))
                })
            })
            .collect::<Vec<_>>()
    };
    let mut admin = admin().await;

    // 1. Every client connection killed while 16 first contacts run.
    let tasks = run("c-killed");
    let _: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .arg("SKIPME")
        .arg("yes")
        .query_async(&mut admin)
        .await
        .unwrap();
    let (mut errors, mut delivered) = (0, Vec::new());
    for t in tasks {
        match t.await.unwrap() {
            Ok(d) => delivered.push(d),
            Err(e) => {
                assert!(e.to_string().contains("no text was delivered"), "{e}");
                errors += 1;
            }
        }
    }
    // The admin connection was spared (SKIPME); the stores reconnect by themselves.
    let in_force = a.get(&key("c-killed")).await;
    if let Ok(in_force) = in_force {
        for (_, pin) in &delivered {
            assert_eq!(pin, &in_force, "every delivered pin is the one in force");
        }
    }
    eprintln!(
        "CLIENT KILL: {errors} of 16 decisions failed, {} delivered",
        delivered.len()
    );

    // 2. All clients paused for 1.5 s, past the 400 ms timeout: every decision fails.
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(1500)
        .arg("ALL")
        .query_async(&mut admin)
        .await
        .unwrap();
    let tasks = run("c-paused");
    for t in tasks {
        let e = t.await.unwrap().unwrap_err();
        assert!(e.to_string().contains("no text was delivered"), "{e}");
    }
    // The pause ends by itself (a paused server does not answer this client's UNPAUSE
    // before its own timeout either).
    tokio::time::sleep(Duration::from_millis(1600)).await;

    // 3. Recovery: one pin per customer, one story.
    for customer in ["c-killed", "c-paused"] {
        let mut texts = BTreeSet::new();
        for t in run(customer) {
            texts.insert(t.await.unwrap().unwrap().0);
        }
        assert_eq!(texts.len(), 1, "{customer}: one story after recovery");
    }
    assert_eq!(count(&a).await, 2, "exactly one pin per customer");
    clean(&a).await;
}

/// Issue 23 point 8: a namespace with glob characters (`a[bc]`, `a?c`, `a*`, `a\b`) has a
/// pattern that matches its own keys and no other namespace's: code that erases by the
/// pattern never deletes another tenant's pins.
#[tokio::test]
async fn issue23_8_glob_characters_in_a_namespace_match_only_its_own_keys() {
    let _server = SERVER.read().await;
    let base = namespace("glob");
    let names = [
        "a[bc]", "ab", "ac", "a[bc", "a?c", "axc", "a*", "azz", "a\\b", "a\\\\b", "a]",
    ];
    let mut stores = Vec::new();
    for name in names {
        let opts =
            StoreOptions::new(format!("{base}-{name}")).with_timeout(Duration::from_millis(1500));
        let Some(store) = store("redis glob namespaces", opts).await else {
            return;
        };
        stores.push(store);
    }
    let pin = Pin::new("m", 1, "r", Timestamp::from_unix_seconds(1));
    for store in &stores {
        store
            .insert_if_absent(&key("c-glob"), pin.clone())
            .await
            .unwrap();
    }
    let mut c = admin().await;
    for (store, name) in stores.iter().zip(names) {
        let matched: Vec<String> = redis::cmd("KEYS")
            .arg(store.pattern())
            .query_async(&mut c)
            .await
            .unwrap();
        assert_eq!(
            matched,
            vec![store.key(&key("c-glob"))],
            "the pattern of namespace `{name}` ({}) matches only its own key",
            store.pattern()
        );
    }
    // Erase one tenant by its pattern: every other tenant keeps its pin.
    clean(&stores[0]).await;
    assert_eq!(stores[0].get(&key("c-glob")).await.unwrap(), None);
    for (store, name) in stores.iter().zip(names).skip(1) {
        assert_eq!(
            store.get(&key("c-glob")).await.unwrap(),
            Some(pin.clone()),
            "erasing `a[bc]` by its pattern deleted `{name}`'s pin"
        );
    }
    for store in &stores {
        clean(store).await;
    }
}

/// Issue 23 point 9: with an expiry, a pin that is kept because the customer keeps writing
/// renews its expiry on every read (`get` and `get_many`), so an active customer never loses
/// it; a silent one does.
#[tokio::test]
async fn issue23_9_a_kept_pin_renews_its_expiry() {
    let _server = SERVER.read().await;
    let expiry = Duration::from_millis(3000);
    let Some(store) = store("redis kept expiry", options("keep-ttl").with_expiry(expiry)).await
    else {
        return;
    };
    let engine = engine("r1", false);
    let first = engine
        .decide_pinned_async(
            &contact("c-active"),
            &bot(),
            &store,
            Timestamp::from_unix_seconds(0),
        )
        .await
        .unwrap();
    engine
        .decide_pinned_async(
            &contact("c-silent"),
            &bot(),
            &store,
            Timestamp::from_unix_seconds(0),
        )
        .await
        .unwrap();
    // Five contacts a second apart: 5 s in all, well past the 3 s expiry of the first write,
    // and a stall of up to 2 s on a loaded machine still leaves the pin alive.
    for i in 1..=5 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let kept = if i % 2 == 0 {
            // A handoff reads the customer's pins with `get_many`.
            let routed = contact("c-active")
                .with_progress(unified_message::Progress::Served)
                .with_text("it still does not work");
            let d = engine
                .decide_pinned_async(
                    &routed,
                    &Responder::staff("sales-agent"),
                    &store,
                    Timestamp::from_unix_seconds(i),
                )
                .await
                .unwrap();
            d.handoff().unwrap().told.first().map(|t| t.pin.clone())
        } else {
            let d = engine
                .decide_pinned_async(
                    &contact("c-active"),
                    &bot(),
                    &store,
                    Timestamp::from_unix_seconds(i),
                )
                .await
                .unwrap();
            assert_eq!(
                d.status(),
                unified_message::pins::PinStatus::Kept,
                "contact {i}"
            );
            d.pin().cloned()
        };
        assert_eq!(
            kept.as_ref(),
            first.pin(),
            "contact {i}: the first pin holds"
        );
    }
    let mut c = admin().await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(store.key(&key("c-active")))
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(ttl > 0, "the active customer's pin lives on: {ttl}");
    assert_eq!(
        store.get(&key("c-silent")).await.unwrap(),
        None,
        "the silent customer's pin expired"
    );
    clean(&store).await;
}
