//! Issue 13 point 2: the pin-store conformance kit (`testing::pin_store`) passes the in-crate
//! store, sync and async, and catches stores that break the contract.
#![cfg(feature = "testing")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use unified_message::pins::{Pin, PinKey};
use unified_message::testing::pin_store;
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
