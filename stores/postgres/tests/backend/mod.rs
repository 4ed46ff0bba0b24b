//! The PostgreSQL store as the conformance kit's [`Backend`], shared by the tests and the
//! benchmark (`#[path]`-included there).
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use unified_message::PinStoreError;
use unified_message::pins::PinKey;
use unified_message::testing::pin_store::Backend;
use unified_message_postgres::{PostgresPinStore, StoreOptions};

/// The server: `UM_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`.
pub fn url() -> String {
    std::env::var("UM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// The kit's [`Backend`]: a node is a store with a pool of its own on the schema named by
/// the namespace, its connections named after it (`application_name`), so that a test can
/// find them.
pub struct Postgres(pub StoreOptions);

impl Postgres {
    /// Calls limited to 1.5 s.
    pub fn fast() -> Self {
        Postgres(StoreOptions::default().with_timeout(Duration::from_millis(1500)))
    }
}

impl Backend for Postgres {
    type Store = PostgresPinStore;

    fn describe(&self) -> String {
        format!("PostgreSQL at {}", url())
    }

    async fn connect(&self, namespace: &str) -> Result<PostgresPinStore, PinStoreError> {
        let url = url();
        let sep = if url.contains('?') { '&' } else { '?' };
        let named = format!("{url}{sep}application_name={namespace}");
        PostgresPinStore::connect(&named, self.0.clone().with_namespace(namespace)).await
    }

    async fn remove(&self, store: &PostgresPinStore, key: PinKey) -> Result<(), PinStoreError> {
        store.remove(&key).await.map(drop)
    }

    async fn count(
        &self,
        store: &PostgresPinStore,
        namespace: &str,
    ) -> Result<usize, PinStoreError> {
        let client = store
            .pool()
            .get()
            .await
            .map_err(|e| PinStoreError::with_source("pool", e))?;
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM \"{namespace}\".pins"), &[])
            .await
            .map_err(|e| PinStoreError::with_source("count", e))?
            .get(0);
        Ok(usize::try_from(n).unwrap())
    }

    async fn clear(&self, store: &PostgresPinStore, _: &str) -> Result<(), PinStoreError> {
        store.drop_schema().await
    }
}
