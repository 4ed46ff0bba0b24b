//! The pin-store conformance kit (issue 13 point 2): run the [`PinStore`] contract against
//! your own store, sync or async, in one call.
//!
//! [`run_sync`] checks a [`PinStore`], [`run_async`] an [`AsyncPinStore`]. Each checks, on keys
//! of its own (a fresh customer id per run, so a shared database is fine and the kit can run
//! in parallel with itself), and erases what it wrote at the end:
//!
//! - **`insert_if_absent`**: the first pin is stored; a second returns the winner; idempotent;
//! - **`compare_and_replace`**: replaces only when the pin in force equals the expected one on
//!   *all four* fields (a difference in `message`, `version`, `revision` or `at` alone
//!   prevents it); returns the pin in force; `None` and nothing written on an empty key;
//! - **`values`**: pins come back exactly as written (the extremes of `version` and `at`,
//!   non-ASCII text, every kind of [`Slot`](crate::pins::Slot));
//! - **`get_many`**: several keys (present and absent, other slots, topics and customers), in
//!   the order asked; no keys, no pins;
//! - **`erase`**: a pin the host erased (with the `erase` function you pass) is gone, cannot
//!   be replaced, and a pinned decision then starts afresh;
//! - **`race`**: 16 writers on one customer's first contact at once — 16 threads for a sync
//!   store, 16 futures polled concurrently for an async one — leave exactly one pin, one
//!   writer made it, and every writer delivers its text; 16 raw `insert_if_absent`s of
//!   different pins all return the same winner;
//! - **`store error`**: when the store fails to read, insert or replace, a pinned decision
//!   delivers nothing and the pin in force does not change;
//! - **`newer policy`** (issue 23 point 1): a pin written under a newer revision — the slot
//!   names another message, a rule gives another fixed answer, a newer version — is never
//!   moved back by an older revision, which delivers nothing and leaves the pin;
//! - **`removed message`** (issue 23 point 2): a pin on a message the new policy removed
//!   moves to the new text without a notice quoting nothing;
//! - **`customer ids`** (issue 23 point 6): the longest valid id
//!   ([`MAX_CUSTOMER_ID_BYTES`](crate::pins::MAX_CUSTOMER_ID_BYTES) bytes, with non-ASCII,
//!   quotes, `%`, `:`, glob characters and control characters) holds pins through every
//!   store call; an id over the limit or with a NUL character fails with
//!   `PinErrorKind::InvalidCustomer` and never reaches the store.
//!
//! [`run_nodes_sync`] and [`run_nodes_async`] check several stores on one backend (two pools
//! on one database: the nodes of a support desk): **`many nodes`**, [`WRITERS`] first contacts
//! of one customer split across the nodes leave one pin and one story; **`rolling deploy`**, once
//! a node on a new revision moved a pin, no node tells that customer the old text again — also
//! through a deploy whose revisions change a slot's message and remove a message, with nodes
//! on four revisions answering in turn and at once (issue 23).
//!
//! # Stores on a shared server
//!
//! A store crate's tests against a real server (issue 24 point 7) implement [`Backend`] with
//! the store's own client — connect a node on a namespace, erase a pin, count the pins,
//! remove the namespace — and call the kit: [`run_backend`] (the contract in a fresh
//! namespace, which it then checks empty and removes), [`run_backend_nodes`] (the node checks
//! on several nodes of one namespace) and [`run_interruption`] (connections cut and the
//! server stalled mid-run, with the store's own [`Outage`]). A server that does not answer
//! skips the test with a plain `SKIPPED` line, unless `UM_REQUIRE_SERVICES=1`
//! ([`services_required`]) makes it a failure; [`connect_or_skip`], [`connect_nodes`] and
//! [`fresh_name`] serve the store's own tests. The kit depends on no database client.
//!
//! The first failed check is returned as a [`Nonconformance`] naming the check; a store error
//! where none was expected is one too.
//!
//! # No runtime in the library
//!
//! [`run_async`] is an `async fn`: await it on your own runtime (`tokio`'s `block_on` or a
//! `#[tokio::test]`). Its race polls the 16 futures concurrently with a small join written with
//! `std` only (every future polled whenever the task is woken), so the store's I/O runs on
//! your runtime and really overlaps; spawn nothing. [`run_sync`] uses threads
//! (`std::thread::scope`) for its race.
//!
//! # Examples
//!
//! ```
//! use unified_message::testing::pin_store;
//! use unified_message::MemoryPinStore;
//!
//! let store = MemoryPinStore::new();
//! pin_store::run_sync(&store, |key| {
//!     store.remove(key);
//!     Ok(())
//! })?;
//!
//! // The same store through its async face, on any executor.
//! pollster::block_on(pin_store::run_async(&store, async |key| {
//!     store.remove(&key);
//!     Ok(())
//! }))?;
//! assert!(store.is_empty(), "the kit erased what it wrote");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::Future;

use crate::pins::PinKey;
use crate::{AsyncPinStore, PinStore, PinStoreError};

mod backend;
mod changes;
mod common;
mod contract;
mod exec;
mod faults;
mod nodes;
mod outage;
mod race;

use self::changes::changes;
use self::common::{ok, run_id};
use self::contract::contract;
use self::exec::{Blocking, ready};
use self::faults::{Failing, failures};
use self::race::{race_async, race_sync};

pub use self::backend::{
    Backend, REQUIRE_SERVICES, connect_nodes, connect_or_skip, decide_email, email_contact,
    email_key, fresh_name, run_backend, run_backend_nodes, services_required, skipped,
};
pub use self::common::{Nonconformance, WRITERS};
pub use self::nodes::{run_nodes_async, run_nodes_sync};
pub use self::outage::{Interrupted, Outage, run_interruption};

/// Checks the [`PinStore`] contract on `store`; `erase` removes the pin of a key, as the host
/// does (a customer's data deleted, an expiry). The store must be shareable across threads:
/// the race runs [`WRITERS`] threads.
///
/// # Errors
///
/// The first [`Nonconformance`]: a check the store fails, or a store error where none was
/// expected.
pub fn run_sync<S, E>(store: &S, erase: E) -> Result<(), Nonconformance>
where
    S: PinStore + Sync + ?Sized,
    E: Fn(&PinKey) -> Result<(), PinStoreError>,
{
    let run = run_id();
    let blocking = Blocking(store);
    let erase_async = |key: PinKey| {
        let done = erase(&key);
        async move { done }
    };
    let mut written = Vec::new();
    let checks = ready(contract(&blocking, &erase_async, &run, &mut written))
        .and_then(|()| race_sync(store, &run, &mut written))
        .and_then(|()| ready(failures(&Failing::new(&blocking), &run, &mut written)))
        .and_then(|()| ready(changes(&blocking, &run, &mut written)));
    let cleanup = written.iter().try_for_each(&erase);
    checks?;
    ok("erase", "erasing the kit's pins", cleanup)
}

/// Checks the [`AsyncPinStore`] contract on `store`; `erase` removes the pin of a key, as the
/// host does. Await it on the runtime the store's client needs.
///
/// # Errors
///
/// The first [`Nonconformance`]: a check the store fails, or a store error where none was
/// expected.
pub async fn run_async<S, E, F>(store: &S, erase: E) -> Result<(), Nonconformance>
where
    S: AsyncPinStore + ?Sized,
    E: Fn(PinKey) -> F,
    F: Future<Output = Result<(), PinStoreError>>,
{
    let run = run_id();
    let mut written = Vec::new();
    let mut checks = contract(store, &erase, &run, &mut written).await;
    if checks.is_ok() {
        checks = race_async(store, &run, &mut written).await;
    }
    if checks.is_ok() {
        checks = failures(&Failing::new(store), &run, &mut written).await;
    }
    if checks.is_ok() {
        checks = changes(store, &run, &mut written).await;
    }
    let mut cleanup = Ok(());
    for key in written {
        if let Err(e) = erase(key).await {
            cleanup = Err(e);
        }
    }
    checks?;
    ok("erase", "erasing the kit's pins", cleanup)
}
