//! The server interrupted mid-run (issue 13 point 7), on any [`Backend`]: two nodes, their
//! connections cut while [`WRITERS`] first contacts run, then the server stalled past the
//! stores' timeout, then recovery. Errors, never a wrong or a second pin; once the server
//! answers again, decisions succeed and tell one story. What cuts and stalls the server is
//! the store's own ([`Outage`]): `pg_terminate_backend` and a table lock, `CLIENT KILL` and
//! `CLIENT PAUSE`.

use std::future::Future;
use std::pin::Pin as Pinned;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::engine::Engine;
use crate::pins::{Pin, PinErrorKind, Timestamp};
use crate::{AsyncPinStore, PinError, PinStoreError};

use super::backend::{Backend, connect_nodes, email_key, finish, fresh_name};
use super::common::{Nonconformance, WRITERS, bot, contact, engines, ensure, ok};
use super::exec::JoinAll;
use super::race::{Seen, seen};

/// What a test does to the server under [`run_interruption`], with the server's own client.
pub trait Outage {
    /// Cuts every connection of the stores on `namespace` (the kit's decisions are running
    /// meanwhile); the stores must reconnect by themselves.
    fn cut(&self, namespace: &str) -> impl Future<Output = ()>;

    /// Makes the server stall every call on `namespace` past the stores' timeout; returns
    /// once the stall holds.
    fn stall(&self, namespace: &str) -> impl Future<Output = ()>;

    /// Ends the stall; returns once the server answers again.
    fn resume(&self, namespace: &str) -> impl Future<Output = ()>;

    /// Waits `pause` on the test's runtime (the kit has no timer): between reads after the
    /// cut, while the stores reconnect.
    fn wait(&self, pause: Duration) -> impl Future<Output = ()>;
}

/// What [`run_interruption`] saw, for the test's own report and store-specific checks.
#[derive(Debug)]
#[non_exhaustive]
pub struct Interrupted {
    /// How many decisions during the cut failed (with a store error); the [`WRITERS`]
    /// writers decide again and again until the cut is done.
    pub failed_during_cut: usize,
    /// How many decisions during the cut delivered (the pin in force).
    pub delivered_during_cut: usize,
    /// The errors of the [`WRITERS`] decisions during the stall, every one a store error.
    pub stalled: Vec<PinError>,
}

/// Whether `e` is a store failure (a read, insert or replace the store could not do, with
/// the store's error): never contention, a pin ahead, or a bad id.
fn unavailable(e: &PinError) -> bool {
    matches!(
        e.kind(),
        PinErrorKind::Read | PinErrorKind::Insert | PinErrorKind::Replace
    ) && e.store_error().is_some()
}

/// How many contacts one writer makes at most while [`contacts`] waits for `also`.
const ROUNDS: usize = 500;

/// [`WRITERS`] writers contacting for `customer` across `nodes` while `also` runs on the same
/// task: each makes one contact, or, with `until_also`, contacts again and again until `also`
/// is done (at most [`ROUNDS`] times), so that the contacts surely overlap it. Every result.
async fn contacts<S: AsyncPinStore + ?Sized>(
    engine: &Engine,
    nodes: &[&S],
    customer: &str,
    also: impl Future<Output = ()>,
    until_also: bool,
) -> Vec<Result<Seen, PinError>> {
    type Step<'a> = Pinned<Box<dyn Future<Output = Vec<Result<Seen, PinError>>> + 'a>>;
    let done = AtomicBool::new(false);
    let contacts: Vec<_> = (0..WRITERS).map(|i| contact(customer, i)).collect();
    let responder = bot();
    let mut steps: Vec<Step<'_>> = Vec::new();
    for (i, c) in contacts.iter().enumerate() {
        let (responder, done) = (&responder, &done);
        let node = nodes.get(i % nodes.len().max(1)).copied();
        steps.push(Box::pin(async move {
            let mut seen_all = Vec::new();
            let Some(node) = node else {
                return seen_all;
            };
            let at = Timestamp::from_unix_seconds(i64::try_from(i).unwrap_or(0));
            for _ in 0..ROUNDS {
                let result = engine.decide_pinned_async(c, responder, node, at).await;
                seen_all.push(result.map(|d| seen(&d)));
                if !until_also || done.load(Ordering::SeqCst) {
                    break;
                }
            }
            seen_all
        }));
    }
    let done = &done;
    steps.push(Box::pin(async move {
        also.await;
        done.store(true, Ordering::SeqCst);
        Vec::new()
    }));
    JoinAll::new(steps).await.into_iter().flatten().collect()
}

/// The server interrupted mid-run, on two nodes of `backend` in a fresh namespace:
///
/// 1. [`WRITERS`] writers contacting for one customer across the nodes, again and again,
///    while [`Outage::cut`] cuts their connections: each contact fails with a store error or
///    delivers the pin in force, which the stores read again once reconnected;
/// 2. [`WRITERS`] first contacts of another customer while the server stalls
///    ([`Outage::stall`]): every one fails with a store error, nothing is delivered;
/// 3. after [`Outage::resume`], [`WRITERS`] contacts of each customer all succeed and tell one
///    story, the pin in force; the namespace holds exactly one pin per customer.
///
/// Skips (`Ok(None)`, after saying so) when the server does not answer, unless
/// [`services_required`](super::services_required).
///
/// # Errors
///
/// The first [`Nonconformance`] (`interruption`, or `setup` and `erase` as
/// [`run_backend`](super::run_backend)).
pub async fn run_interruption<B: Backend + ?Sized, O: Outage + ?Sized>(
    backend: &B,
    outage: &O,
    test: &str,
) -> Result<Option<Interrupted>, Nonconformance> {
    let namespace = fresh_name(test);
    let Some(stores) = connect_nodes(backend, test, &namespace, 2).await? else {
        return Ok(None);
    };
    let nodes: Vec<&B::Store> = stores.iter().collect();
    let Some(first) = nodes.first().copied() else {
        return Ok(None);
    };
    let mut report = Interrupted {
        failed_during_cut: 0,
        delivered_during_cut: 0,
        stalled: Vec::new(),
    };
    let checks = interruption(&nodes, outage, &namespace, &mut report).await;
    // The warm-up customer and the two interrupted ones: one pin each.
    finish(backend, first, &namespace, checks, 3).await?;
    Ok(Some(report))
}

async fn interruption<S: AsyncPinStore + ?Sized, O: Outage + ?Sized>(
    nodes: &[&S],
    outage: &O,
    namespace: &str,
    report: &mut Interrupted,
) -> Result<(), Nonconformance> {
    let check = "interruption";
    let (engine, _) = engines()?;
    // Every node's pool or connection is open before the cut.
    for node in nodes {
        let c = contact("warm", 0);
        let warm = engine
            .decide_pinned_async(&c, &bot(), *node, Timestamp::from_unix_seconds(0))
            .await;
        ensure!(
            check,
            warm.is_ok(),
            "a decision before the cut failed: {warm:?}"
        );
    }

    // 1. The connections cut while the contacts run.
    let (cut, stalled) = ("cut", "stalled");
    let during = contacts(engine, nodes, cut, outage.cut(namespace), true).await;
    let mut delivered = Vec::new();
    for result in during {
        match result {
            Ok(seen) => delivered.push(seen),
            Err(e) => {
                ensure!(
                    check,
                    unavailable(&e),
                    "during the cut a decision failed with {e}, not a store error"
                );
                report.failed_during_cut += 1;
            }
        }
    }
    report.delivered_during_cut = delivered.len();
    // A store may still hand out a connection the server cut: that read fails cleanly, and a
    // later one gets a fresh connection.
    let mut in_force = nodes_get(nodes, cut).await;
    for _ in 0..40 {
        if in_force.is_ok() {
            break;
        }
        outage.wait(Duration::from_millis(50)).await;
        in_force = nodes_get(nodes, cut).await;
    }
    let in_force = ok(check, "reading the pin after the cut", in_force)?;
    for (_, _, _, pin) in &delivered {
        ensure!(
            check,
            pin.is_some() && *pin == in_force,
            "a decision during the cut delivered {pin:?}, the pin in force is {in_force:?}"
        );
    }

    // 2. The server stalled past the timeout: every contact fails, none delivers.
    outage.stall(namespace).await;
    let during = contacts(engine, nodes, stalled, async {}, false).await;
    outage.resume(namespace).await;
    for result in during {
        match result {
            Ok(seen) => {
                return Err(Nonconformance {
                    check,
                    detail: format!("a decision delivered {seen:?} while the server stalled"),
                });
            }
            Err(e) => {
                ensure!(
                    check,
                    unavailable(&e),
                    "during the stall a decision failed with {e}, not a store error"
                );
                report.stalled.push(e);
            }
        }
    }

    // 3. Recovery: the same customers, one pin each, one story.
    for customer in [cut, stalled] {
        let after = contacts(engine, nodes, customer, async {}, false).await;
        let in_force = ok(
            check,
            "reading the pin after recovery",
            nodes_get(nodes, customer).await,
        )?;
        for result in after {
            let (_, message, version, pin) = result.map_err(|e| Nonconformance {
                check,
                detail: format!("{customer}: a decision after recovery failed: {e}"),
            })?;
            ensure!(
                check,
                pin.is_some() && pin == in_force,
                "{customer}: after recovery a decision delivered {message} v{version} ({pin:?}), the pin in force is {in_force:?}"
            );
        }
    }
    Ok(())
}

/// The pin in force for `customer`'s first contacts, read through the first node.
async fn nodes_get<S: AsyncPinStore + ?Sized>(
    nodes: &[&S],
    customer: &str,
) -> Result<Option<Pin>, PinStoreError> {
    match nodes.first() {
        Some(node) => node.get(&email_key(customer)).await,
        None => Ok(None),
    }
}
