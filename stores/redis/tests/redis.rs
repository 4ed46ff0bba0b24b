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

use std::time::Duration;

use unified_message::pins::{Pin, PinKey, Slot, Timestamp};
use unified_message::testing::pin_store::{self, Outage, email_contact, email_key};
use unified_message::{AsyncPinStore, Engine, Responder};
use unified_message_redis::{RedisPinStore, StoreOptions};

mod backend;
use backend::{Redis, admin, clean, keys};

/// The interruption test kills and pauses every client of the server: it runs alone, the
/// other tests of this file share the server meanwhile.
static SERVER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// A store of `options` under a fresh namespace, or `None` after saying plainly that the test
/// is skipped.
async fn store(label: &str, options: StoreOptions) -> Option<RedisPinStore> {
    let namespace = pin_store::fresh_name(label);
    pin_store::connect_or_skip(&Redis(options), label, &namespace)
        .await
        .unwrap()
}

fn options() -> StoreOptions {
    Redis::fast().0
}

async fn pttl(store: &RedisPinStore, key: &PinKey) -> i64 {
    redis::cmd("PTTL")
        .arg(store.key(key))
        .query_async(&mut admin().await)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue13_4_redis_store_passes_the_kit() {
    let _server = SERVER.read().await;
    pin_store::run_backend(&Redis::fast(), "redis kit")
        .await
        .unwrap();
}

/// Keys are namespaced per policy, with their parts escaped: two policies never share a pin,
/// and a `:` in an id cannot forge another key.
#[tokio::test]
async fn issue13_4_keys_are_namespaced_and_escaped() {
    let _server = SERVER.read().await;
    let Some(acme) = store("redis namespaces", options()).await else {
        return;
    };
    let other = store("redis namespaces", options()).await.unwrap();
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
    let expiring = options().with_expiry(Duration::from_secs(60));
    let Some(store) = store("redis expiry", expiring).await else {
        return;
    };
    let k = email_key("c-ttl");
    let first = Pin::new("m", 1, "r", Timestamp::from_unix_seconds(1));
    store.insert_if_absent(&k, first.clone()).await.unwrap();
    let ttl = pttl(&store, &k).await;
    assert!((50_000..=60_000).contains(&ttl), "{ttl}");
    let second = Pin::new("m", 2, "r", Timestamp::from_unix_seconds(2));
    store.compare_and_replace(&k, &first, second).await.unwrap();
    let ttl = pttl(&store, &k).await;
    assert!(
        (50_000..=60_000).contains(&ttl),
        "a move renews the expiry: {ttl}"
    );
    let plain = self::store("redis expiry", options()).await.unwrap();
    plain.insert_if_absent(&k, first).await.unwrap();
    assert_eq!(pttl(&plain, &k).await, -1, "no expiry unless asked");
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
    pin_store::run_backend_nodes(&Redis::fast(), "redis many nodes", 3)
        .await
        .unwrap();
}

/// What interrupts Redis: every client connection killed (`CLIENT KILL TYPE normal`, the
/// admin connection spared), then all clients paused past the stores' timeout (`CLIENT
/// PAUSE`), a pause that ends by itself.
struct Interrupt;

impl Outage for Interrupt {
    async fn cut(&self, _: &str) {
        let _: i64 = redis::cmd("CLIENT")
            .arg(&["KILL", "TYPE", "normal", "SKIPME", "yes"])
            .query_async(&mut admin().await)
            .await
            .unwrap();
    }

    async fn stall(&self, _: &str) {
        let _: () = redis::cmd("CLIENT")
            .arg("PAUSE")
            .arg(1500)
            .arg("ALL")
            .query_async(&mut admin().await)
            .await
            .unwrap();
    }

    async fn resume(&self, _: &str) {
        // A paused server does not answer this client's UNPAUSE before its own timeout
        // either: the pause ends by itself.
        tokio::time::sleep(Duration::from_millis(1600)).await;
    }

    async fn wait(&self, pause: Duration) {
        tokio::time::sleep(pause).await;
    }
}

/// Issue 13 point 7: the server interrupted mid-run (the kit's interruption, with a 400 ms
/// timeout). Errors, never a wrong or duplicated pin; once the server answers again,
/// decisions succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue13_7_server_interruption_errors_then_recovery() {
    let _server = SERVER.write().await;
    let backend = Redis(options().with_timeout(Duration::from_millis(400)));
    let Some(seen) = pin_store::run_interruption(&backend, &Interrupt, "redis interruption")
        .await
        .unwrap()
    else {
        return;
    };
    eprintln!(
        "CLIENT KILL: {} decisions failed, {} delivered; CLIENT PAUSE: {} failed",
        seen.failed_during_cut,
        seen.delivered_during_cut,
        seen.stalled.len()
    );
}

/// Issue 23 point 8: a namespace with glob characters (`a[bc]`, `a?c`, `a*`, `a\b`) has a
/// pattern that matches its own keys and no other namespace's: code that erases by the
/// pattern never deletes another tenant's pins.
#[tokio::test]
async fn issue23_8_glob_characters_in_a_namespace_match_only_its_own_keys() {
    let _server = SERVER.read().await;
    let base = pin_store::fresh_name("glob");
    let names = [
        "a[bc]", "ab", "ac", "a[bc", "a?c", "axc", "a*", "azz", "a\\b", "a\\\\b", "a]",
    ];
    let mut stores = Vec::new();
    for name in names {
        let namespace = format!("{base}-{name}");
        let Some(store) =
            pin_store::connect_or_skip(&Redis::fast(), "redis glob namespaces", &namespace)
                .await
                .unwrap()
        else {
            return;
        };
        stores.push(store);
    }
    let pin = Pin::new("m", 1, "r", Timestamp::from_unix_seconds(1));
    for store in &stores {
        store
            .insert_if_absent(&email_key("c-glob"), pin.clone())
            .await
            .unwrap();
    }
    for (store, name) in stores.iter().zip(names) {
        assert_eq!(
            keys(store).await,
            vec![store.key(&email_key("c-glob"))],
            "the pattern of namespace `{name}` ({}) matches only its own key",
            store.pattern()
        );
    }
    // Erase one tenant by its pattern: every other tenant keeps its pin.
    clean(&stores[0]).await;
    assert_eq!(stores[0].get(&email_key("c-glob")).await.unwrap(), None);
    for (store, name) in stores.iter().zip(names).skip(1) {
        assert_eq!(
            store.get(&email_key("c-glob")).await.unwrap(),
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
    let Some(store) = store("redis kept expiry", options().with_expiry(expiry)).await else {
        return;
    };
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let first = pin_store::decide_email(&engine, &store, "c-active")
        .await
        .unwrap();
    pin_store::decide_email(&engine, &store, "c-silent")
        .await
        .unwrap();
    // Five contacts a second apart: 5 s in all, well past the 3 s expiry of the first write,
    // and a stall of up to 2 s on a loaded machine still leaves the pin alive.
    for i in 1..=5 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let kept = if i % 2 == 0 {
            // A handoff reads the customer's pins with `get_many`.
            let routed = email_contact("c-active")
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
                    &email_contact("c-active"),
                    &Responder::system("self-diagnosis"),
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
        assert_eq!(kept, first, "contact {i}: the first pin holds");
    }
    let ttl = pttl(&store, &email_key("c-active")).await;
    assert!(ttl > 0, "the active customer's pin lives on: {ttl}");
    assert_eq!(
        store.get(&email_key("c-silent")).await.unwrap(),
        None,
        "the silent customer's pin expired"
    );
    clean(&store).await;
}
