//! Stores on a shared server (issue 24 point 7): what every store crate's tests against a
//! real PostgreSQL, Redis or other server need — a fresh namespace per test, a plain `SKIPPED`
//! when the server is absent (a failure with `UM_REQUIRE_SERVICES=1`), several nodes on one
//! namespace, the kit run on them and everything cleaned up — written once over a
//! [`Backend`], which the store's test implements with its own client. The kit depends on no
//! database client: the backend makes the stores.

use std::future::Future;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::engine::Engine;
use crate::model::{Channel, Contact, Responder};
use crate::pins::{Pin, PinKey, Slot, Timestamp};
use crate::{AsyncPinStore, PinError, PinStoreError};

use super::common::{Nonconformance, ok};
use super::{run_async, run_nodes_async};

/// The environment variable that makes a missing server a failure instead of a skip:
/// `UM_REQUIRE_SERVICES=1` (as CI sets it).
pub const REQUIRE_SERVICES: &str = "UM_REQUIRE_SERVICES";

/// Whether a missing server (or a missing server binary) fails the test:
/// [`REQUIRE_SERVICES`] is `1`.
pub fn services_required() -> bool {
    std::env::var(REQUIRE_SERVICES).is_ok_and(|v| v == "1")
}

/// Says plainly that `test` is skipped and why, on the process's real stderr: not through
/// `eprintln!`, which the test harness captures and hides for a passing test — `cargo test`
/// must say what it skipped.
pub fn skipped(test: &str, why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {test}: {why}; set {REQUIRE_SERVICES}=1 to fail instead"
    );
}

/// A name no other test or run uses, for a namespace (a PostgreSQL schema, a Redis key
/// prefix) or a scratch directory: `um_test_<label>_<process>_<counter>_<time>`, lowercase
/// letters, digits and `_` only (a valid PostgreSQL identifier), at most 63 bytes. Other
/// characters of `label` become `_`.
///
/// # Examples
///
/// ```
/// use unified_message::testing::pin_store::fresh_name;
///
/// let (a, b) = (fresh_name("kit"), fresh_name("kit"));
/// assert_ne!(a, b);
/// assert!(a.starts_with("um_test_kit_") && a.len() <= 63);
/// assert!(fresh_name("Many Nodes!").starts_with("um_test_many_nodes__"));
/// ```
pub fn fresh_name(label: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let label: String = label
        .chars()
        .take(20)
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '_',
        })
        .collect();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "um_test_{label}_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    )
}

/// A pin store on a shared server, as a store crate's tests reach it: each call of
/// [`connect`](Backend::connect) is one node (its own pool or connection) on the namespace
/// it names. Implement it in the store's tests with the store's own client; the kit's
/// [`run_backend`], [`run_backend_nodes`] and [`run_interruption`](super::run_interruption)
/// do the rest.
pub trait Backend {
    /// The store under test.
    type Store: AsyncPinStore;

    /// The server, for messages: `PostgreSQL at postgres://…`.
    fn describe(&self) -> String;

    /// A new store (a node) on `namespace`, a name from [`fresh_name`] (the store creates
    /// what it needs: a schema, nothing for key prefixes).
    fn connect(&self, namespace: &str) -> impl Future<Output = Result<Self::Store, PinStoreError>>;

    /// Erases the pin of `key`, as the host does.
    fn remove(
        &self,
        store: &Self::Store,
        key: PinKey,
    ) -> impl Future<Output = Result<(), PinStoreError>>;

    /// How many pins `namespace` holds (`store` is a node on it).
    fn count(
        &self,
        store: &Self::Store,
        namespace: &str,
    ) -> impl Future<Output = Result<usize, PinStoreError>>;

    /// Removes `namespace` and everything in it (`store` is a node on it).
    fn clear(
        &self,
        store: &Self::Store,
        namespace: &str,
    ) -> impl Future<Output = Result<(), PinStoreError>>;
}

/// A store on `namespace`; `None` after saying plainly that `test` is skipped when the server
/// does not answer, unless [`services_required`].
///
/// # Errors
///
/// A `setup` [`Nonconformance`] when the server does not answer and
/// [`services_required`].
pub async fn connect_or_skip<B: Backend + ?Sized>(
    backend: &B,
    test: &str,
    namespace: &str,
) -> Result<Option<B::Store>, Nonconformance> {
    match backend.connect(namespace).await {
        Ok(store) => Ok(Some(store)),
        Err(e) if !services_required() => {
            skipped(test, &format!("no {} ({e})", backend.describe()));
            Ok(None)
        }
        Err(e) => Err(Nonconformance {
            check: "setup",
            detail: format!(
                "{} is required ({REQUIRE_SERVICES}=1): {e}",
                backend.describe()
            ),
        }),
    }
}

/// `count` nodes on `namespace` (at least one); `None` after saying plainly that `test` is
/// skipped when the server does not answer, unless [`services_required`].
///
/// # Errors
///
/// A `setup` [`Nonconformance`] when the server does not answer and [`services_required`],
/// or when a node after the first cannot connect.
pub async fn connect_nodes<B: Backend + ?Sized>(
    backend: &B,
    test: &str,
    namespace: &str,
    count: usize,
) -> Result<Option<Vec<B::Store>>, Nonconformance> {
    let Some(first) = connect_or_skip(backend, test, namespace).await? else {
        return Ok(None);
    };
    let mut nodes = vec![first];
    while nodes.len() < count {
        let node = ok(
            "setup",
            "connecting another node",
            backend.connect(namespace).await,
        )?;
        nodes.push(node);
    }
    Ok(Some(nodes))
}

/// The end of a run on a backend: `checks`' failure first, then that the run left no pin in
/// the namespace (`expected` pins, for a scenario that leaves some), then the namespace
/// removed.
pub(super) async fn finish<B: Backend + ?Sized>(
    backend: &B,
    store: &B::Store,
    namespace: &str,
    checks: Result<(), Nonconformance>,
    expected: usize,
) -> Result<(), Nonconformance> {
    let left = backend.count(store, namespace).await;
    let cleared = backend.clear(store, namespace).await;
    checks?;
    let left = ok("erase", "counting the pins left", left)?;
    super::common::ensure!(
        "erase",
        left == expected,
        "{left} pin(s) left in the namespace, {expected} expected: the run did not erase what it wrote"
    );
    ok("erase", "removing the namespace", cleared)
}

/// [`run_async`] on a store of `backend` in a fresh namespace, then checks that the kit
/// erased what it wrote and removes the namespace. Skips (`Ok`, after saying so) when the
/// server does not answer, unless [`services_required`].
///
/// # Errors
///
/// The first [`Nonconformance`], as [`run_async`]; `erase` when pins are left; `setup` when
/// the server is required and absent.
pub async fn run_backend<B: Backend + ?Sized>(
    backend: &B,
    test: &str,
) -> Result<(), Nonconformance> {
    let namespace = fresh_name(test);
    let Some(store) = connect_or_skip(backend, test, &namespace).await? else {
        return Ok(());
    };
    let checks = run_async(&store, |key| backend.remove(&store, key)).await;
    finish(backend, &store, &namespace, checks, 0).await
}

/// [`run_nodes_async`] on `nodes` stores of `backend` (each its own pool or connection) in
/// one fresh namespace, then checks that the node checks erased what they wrote and removes
/// the namespace. Skips as [`run_backend`].
///
/// # Errors
///
/// As [`run_nodes_async`], and as [`run_backend`].
pub async fn run_backend_nodes<B: Backend + ?Sized>(
    backend: &B,
    test: &str,
    nodes: usize,
) -> Result<(), Nonconformance> {
    let namespace = fresh_name(test);
    let Some(stores) = connect_nodes(backend, test, &namespace, nodes).await? else {
        return Ok(());
    };
    let views: Vec<&B::Store> = stores.iter().collect();
    let Some(first) = stores.first() else {
        return Ok(());
    };
    let checks = run_nodes_async(&views, |key| backend.remove(first, key)).await;
    finish(backend, first, &namespace, checks, 0).await
}

/// A contact of `customer` about `email.setup`, by chat, in English: the first contact of the
/// store crates' own scenarios.
pub fn email_contact(customer: &str) -> Contact {
    Contact::new(customer, Channel::Chat)
        .with_topic("email.setup")
        .with_locale("en")
}

/// The key of `customer`'s explaining pin on `email.setup`, which [`email_contact`] writes.
pub fn email_key(customer: &str) -> PinKey {
    PinKey::new(customer, "email.setup", Slot::Explains)
}

/// The pin in force after `engine` answers [`email_contact`]`(customer)` through `store`
/// (the self-diagnosis bot answering, at time 1).
///
/// # Errors
///
/// The pinned decision's [`PinError`].
pub async fn decide_email<S: AsyncPinStore + ?Sized>(
    engine: &Engine,
    store: &S,
    customer: &str,
) -> Result<Option<Pin>, PinError> {
    engine
        .decide_pinned_async(
            &email_contact(customer),
            &Responder::system("self-diagnosis"),
            store,
            Timestamp::from_unix_seconds(1),
        )
        .await
        .map(|d| d.pin().cloned())
}
