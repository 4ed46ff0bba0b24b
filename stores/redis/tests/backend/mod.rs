//! The Redis store as the conformance kit's [`Backend`], and the test's own commands on the
//! server, shared by the tests and the benchmark (`#[path]`-included there).
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use unified_message::PinStoreError;
use unified_message::pins::PinKey;
use unified_message::testing::pin_store::Backend;
use unified_message_redis::{RedisPinStore, StoreOptions};

/// The server: `UM_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`.
pub fn url() -> String {
    std::env::var("UM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// The kit's [`Backend`]: a node is a store with a connection of its own, under the
/// namespace.
pub struct Redis(pub StoreOptions);

impl Redis {
    /// Calls limited to 1.5 s.
    pub fn fast() -> Self {
        Redis(StoreOptions::default().with_timeout(Duration::from_millis(1500)))
    }
}

impl Backend for Redis {
    type Store = RedisPinStore;

    fn describe(&self) -> String {
        format!("Redis at {}", url())
    }

    async fn connect(&self, namespace: &str) -> Result<RedisPinStore, PinStoreError> {
        RedisPinStore::connect(&url(), self.0.clone().with_namespace(namespace)).await
    }

    async fn remove(&self, store: &RedisPinStore, key: PinKey) -> Result<(), PinStoreError> {
        store.remove(&key).await.map(drop)
    }

    async fn count(&self, store: &RedisPinStore, _: &str) -> Result<usize, PinStoreError> {
        Ok(keys(store).await.len())
    }

    async fn clear(&self, store: &RedisPinStore, _: &str) -> Result<(), PinStoreError> {
        clean(store).await;
        Ok(())
    }
}

/// A plain connection for the test's own commands.
pub async fn admin() -> redis::aio::MultiplexedConnection {
    redis::Client::open(url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Every key of `store`'s namespace.
pub async fn keys(store: &RedisPinStore) -> Vec<String> {
    redis::cmd("KEYS")
        .arg(store.pattern())
        .query_async(&mut admin().await)
        .await
        .unwrap()
}

/// Deletes every key of `store`'s namespace.
pub async fn clean(store: &RedisPinStore) {
    let keys = keys(store).await;
    for chunk in keys.chunks(1000) {
        let _: () = redis::cmd("DEL")
            .arg(chunk)
            .query_async(&mut admin().await)
            .await
            .unwrap();
    }
}
