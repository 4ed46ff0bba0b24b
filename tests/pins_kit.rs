//! Issue 13 point 2: the pin-store conformance kit (`testing::pin_store`) passes the in-crate
//! store, sync and async, and catches stores that break the contract.
#![cfg(feature = "testing")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use unified_message::pins::{Pin, PinKey};
use unified_message::testing::pin_store::{self, Backend, Outage};
use unified_message::{MemoryPinStore, PinStore, PinStoreError};

#[test]
fn issue13_2_memory_store_passes_the_kit_sync_and_async() {
    let store = MemoryPinStore::new();
    pin_store::run_sync(&store, |key| {
        store.remove(key);
        Ok(())
    })
    .unwrap();
    assert!(store.is_empty(), "the kit erases what it wrote");
    pollster::block_on(pin_store::run_async(&store, async |key| {
        store.remove(&key);
        Ok(())
    }))
    .unwrap();
    assert!(store.is_empty());
}

/// What a broken store gets wrong.
#[derive(Clone, Copy, PartialEq)]
enum Bug {
    /// Overwrites on insert.
    InsertOverwrites,
    /// Compares `message` and `version` only.
    ComparesTwoFields,
    /// Drops the time's sign (stores `at` as unsigned).
    LosesNegativeTime,
    /// Returns the keys' pins in another order.
    ShufflesMany,
    /// Ignores the erase.
    NeverErases,
    /// Holds customer ids of at most 255 bytes (a `VARCHAR(255)` column).
    ShortIds,
}

impl Broken {
    fn too_long(&self, key: &PinKey) -> Result<(), PinStoreError> {
        if self.bug == Bug::ShortIds && key.customer.len() > 255 {
            return Err(PinStoreError::new(
                "value too long for type character varying(255)",
            ));
        }
        Ok(())
    }
}

struct Broken {
    inner: MemoryPinStore,
    bug: Bug,
}

impl PinStore for Broken {
    fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        self.too_long(key)?;
        let mut pin = self.inner.get(key)?;
        if self.bug == Bug::LosesNegativeTime {
            if let Some(p) = &mut pin {
                p.at = unified_message::pins::Timestamp::from_unix_seconds(
                    p.at.as_unix_seconds().saturating_abs(),
                );
            }
        }
        Ok(pin)
    }

    fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        let mut pins: Vec<_> = keys.iter().map(|k| self.get(k)).collect::<Result<_, _>>()?;
        if self.bug == Bug::ShufflesMany {
            pins.reverse();
        }
        Ok(pins)
    }

    fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        self.too_long(key)?;
        if self.bug == Bug::InsertOverwrites {
            self.inner.remove(key);
        }
        self.inner.insert_if_absent(key, pin)
    }

    fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        if self.bug == Bug::ComparesTwoFields {
            if let Some(current) = self.inner.get(key)? {
                if current.message == expected.message && current.version == expected.version {
                    return self.inner.compare_and_replace(key, &current, new);
                }
            }
        }
        self.inner.compare_and_replace(key, expected, new)
    }
}

#[test]
fn issue13_2_issue23_6_the_kit_names_what_a_broken_store_gets_wrong() {
    for (bug, check) in [
        (Bug::InsertOverwrites, "insert_if_absent"),
        (Bug::ComparesTwoFields, "compare_and_replace"),
        (Bug::LosesNegativeTime, "values"),
        (Bug::ShufflesMany, "get_many"),
        (Bug::NeverErases, "erase"),
        // Issue 23 point 6: every id the library accepts must fit.
        (Bug::ShortIds, "customer ids"),
    ] {
        let store = Broken {
            inner: MemoryPinStore::new(),
            bug,
        };
        let err = pin_store::run_sync(&store, |key| {
            if bug != Bug::NeverErases {
                store.inner.remove(key);
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.check(), check, "{err}");
        assert!(err.to_string().contains(check), "{err}");
    }
}

/// A store error while the kit runs is reported, with the check it broke.
#[test]
fn issue13_2_a_failing_store_does_not_pass() {
    struct Down;
    impl PinStore for Down {
        fn get(&self, _: &PinKey) -> Result<Option<Pin>, PinStoreError> {
            Err(PinStoreError::new("connection refused"))
        }
        fn insert_if_absent(&self, _: &PinKey, _: Pin) -> Result<Pin, PinStoreError> {
            Err(PinStoreError::new("connection refused"))
        }
        fn compare_and_replace(
            &self,
            _: &PinKey,
            _: &Pin,
            _: Pin,
        ) -> Result<Option<Pin>, PinStoreError> {
            Err(PinStoreError::new("connection refused"))
        }
    }
    let err = pin_store::run_sync(&Down, |_| Ok(())).unwrap_err();
    assert_eq!(err.check(), "insert_if_absent");
    assert!(err.detail().contains("connection refused"), "{err}");
}

/// Issue 13 point 7 in the kit: nodes sharing one store tell one story; two stores that do
/// not share a backend are caught (`many nodes`), and so is a single node.
#[test]
fn issue13_7_nodes_on_one_backend_pass_the_node_checks_sync_and_async() {
    let store = MemoryPinStore::new();
    pin_store::run_nodes_sync(&[&store, &store, &store], |key| {
        store.remove(key);
        Ok(())
    })
    .unwrap();
    assert!(store.is_empty(), "the node checks erase what they wrote");
    pollster::block_on(pin_store::run_nodes_async(&[&store, &store], async |key| {
        store.remove(&key);
        Ok(())
    }))
    .unwrap();
    assert!(store.is_empty());

    let (a, b) = (MemoryPinStore::new(), MemoryPinStore::new());
    let apart = pin_store::run_nodes_sync(&[&a, &b], |key| {
        a.remove(key);
        b.remove(key);
        Ok(())
    })
    .unwrap_err();
    assert_eq!(apart.check(), "many nodes", "{apart}");
    let alone = pin_store::run_nodes_sync(&[&a], |_| Ok(())).unwrap_err();
    assert_eq!(alone.check(), "setup", "{alone}");
}

/// A store of [`Memory`]: one namespace's pins, and whether the "server" is down.
#[derive(Clone)]
struct Node {
    pins: Arc<MemoryPinStore>,
    down: Arc<AtomicBool>,
}

impl Node {
    fn up(&self) -> Result<(), PinStoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(PinStoreError::new("the server stalls"));
        }
        Ok(())
    }
}

impl unified_message::AsyncPinStore for Node {
    async fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        self.up()?;
        PinStore::get(&*self.pins, key)
    }
    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        self.up()?;
        PinStore::insert_if_absent(&*self.pins, key, pin)
    }
    async fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        self.up()?;
        PinStore::compare_and_replace(&*self.pins, key, expected, new)
    }
}

/// An in-process "server": namespaces of pins, each node of a namespace sharing its pins;
/// `absent` answers no connection.
#[derive(Default)]
struct Memory {
    namespaces: Mutex<HashMap<String, Arc<MemoryPinStore>>>,
    down: Arc<AtomicBool>,
    absent: bool,
}

impl Backend for Memory {
    type Store = Node;

    fn describe(&self) -> String {
        "the in-process server".to_owned()
    }

    async fn connect(&self, namespace: &str) -> Result<Node, PinStoreError> {
        if self.absent {
            return Err(PinStoreError::new("connection refused"));
        }
        let mut namespaces = self.namespaces.lock().unwrap();
        let pins = namespaces.entry(namespace.to_owned()).or_default();
        Ok(Node {
            pins: Arc::clone(pins),
            down: Arc::clone(&self.down),
        })
    }

    async fn remove(&self, store: &Node, key: PinKey) -> Result<(), PinStoreError> {
        store.pins.remove(&key);
        Ok(())
    }

    async fn count(&self, store: &Node, _: &str) -> Result<usize, PinStoreError> {
        Ok(store.pins.len())
    }

    async fn clear(&self, _: &Node, namespace: &str) -> Result<(), PinStoreError> {
        self.namespaces.lock().unwrap().remove(namespace);
        Ok(())
    }
}

impl Outage for Memory {
    async fn cut(&self, _: &str) {}

    async fn stall(&self, _: &str) {
        self.down.store(true, Ordering::SeqCst);
    }

    async fn resume(&self, _: &str) {
        self.down.store(false, Ordering::SeqCst);
    }

    async fn wait(&self, _: std::time::Duration) {}
}

/// Issue 24 point 7: the scaffolding the store crates' tests share runs on any `Backend` —
/// the kit and the node checks in a fresh namespace, removed afterwards; the interruption
/// (every stalled decision a store error, then one pin per customer); a missing server
/// skipped, or a `setup` failure with `UM_REQUIRE_SERVICES=1`; pins left behind caught.
#[test]
fn issue24_7_a_backend_runs_the_kit_the_nodes_and_the_interruption() {
    let memory = Memory::default();
    pollster::block_on(pin_store::run_backend(&memory, "memory kit")).unwrap();
    pollster::block_on(pin_store::run_backend_nodes(&memory, "memory nodes", 3)).unwrap();
    let seen = pollster::block_on(pin_store::run_interruption(
        &memory,
        &memory,
        "memory outage",
    ))
    .unwrap()
    .unwrap();
    assert_eq!(seen.failed_during_cut, 0);
    assert!(seen.delivered_during_cut >= pin_store::WRITERS, "{seen:?}");
    assert_eq!(seen.stalled.len(), pin_store::WRITERS);
    assert!(
        memory.namespaces.lock().unwrap().is_empty(),
        "every namespace removed"
    );

    let absent = Memory {
        absent: true,
        ..Memory::default()
    };
    let skipped = pollster::block_on(pin_store::run_backend(&absent, "memory absent"));
    if pin_store::services_required() {
        let e = skipped.unwrap_err();
        assert_eq!(e.check(), "setup", "{e}");
        assert!(e.detail().contains("UM_REQUIRE_SERVICES=1"), "{e}");
    } else {
        skipped.unwrap();
    }

    /// A backend whose erase does nothing: the pins left are caught.
    struct Leaky(Memory);
    impl Backend for Leaky {
        type Store = Node;
        fn describe(&self) -> String {
            self.0.describe()
        }
        async fn connect(&self, namespace: &str) -> Result<Node, PinStoreError> {
            self.0.connect(namespace).await
        }
        async fn remove(&self, _: &Node, _: PinKey) -> Result<(), PinStoreError> {
            Ok(())
        }
        async fn count(&self, store: &Node, namespace: &str) -> Result<usize, PinStoreError> {
            self.0.count(store, namespace).await
        }
        async fn clear(&self, store: &Node, namespace: &str) -> Result<(), PinStoreError> {
            self.0.clear(store, namespace).await
        }
    }
    let e = pollster::block_on(pin_store::run_backend_nodes(
        &Leaky(Memory::default()),
        "leaky",
        2,
    ))
    .unwrap_err();
    assert_eq!(e.check(), "erase", "{e}");
}

#[test]
fn issue24_7_fresh_names_are_unique_identifiers() {
    let names: std::collections::BTreeSet<String> = (0..100)
        .map(|_| pin_store::fresh_name("Kit: nodes"))
        .collect();
    assert_eq!(names.len(), 100);
    for name in &names {
        assert!(name.len() <= 63, "{name}");
        assert!(name.starts_with("um_test_kit__nodes_"), "{name}");
        assert!(
            name.chars()
                .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_')),
            "{name}"
        );
    }
}
