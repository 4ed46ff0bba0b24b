//! Several nodes on one backend: each node is a store of its own (its own connection pool,
//! its own handle on the database file) and they share the backend, as the app nodes of a
//! support desk behind a load balancer do.
//!
//! - **`many nodes`**: [`WRITERS`] first contacts of one customer at once, split across the
//!   nodes, leave exactly one pin and every writer delivers that pin's text (R0.3);
//! - **`rolling deploy`**: the customer pinned by an old node; a node on the new revision
//!   (a substantive change) moves the pin; then [`WRITERS`] decisions on the new revision,
//!   across all nodes, all tell the new text; and an old node, asked again, delivers nothing
//!   (`PinErrorKind::Ahead`) and leaves the pin where the new node put it. Then nodes on four
//!   revisions — a substantive version, the slot naming another message, that message's
//!   predecessor removed — answer one customer in turn and all at once: no contact tells a
//!   text older than one the customer heard, none quotes nothing (issue 23).

use std::sync::Barrier;

use crate::engine::Engine;
use crate::model::Contact;
use crate::pins::{Pin, PinErrorKind, PinKey, PinStatus, Slot, Timestamp, compare_revisions};
use crate::{AsyncPinStore, PinError, PinStore, PinnedDecision};

use super::common::{
    Nonconformance, WRITERS, bot, contact, engines, ensure, later_engines, ok, run_id,
};
use super::exec::{Blocking, JoinAll, ready};
use super::race::{Seen, judge_race, seen};

/// At least two nodes, or the checks would prove nothing about sharing.
fn enough<S: ?Sized>(nodes: &[&S]) -> Result<(), Nonconformance> {
    ensure!(
        "setup",
        nodes.len() >= 2,
        "{} node(s) given: the node checks need at least two stores on one backend",
        nodes.len()
    );
    Ok(())
}

fn key(customer: &str) -> PinKey {
    PinKey::new(customer, "email.setup", Slot::Explains)
}

/// The node that serves writer `i`.
fn node<'s, S: ?Sized>(nodes: &[&'s S], i: usize) -> Result<&'s S, Nonconformance> {
    let n = nodes.len().max(1);
    nodes.get(i % n).copied().ok_or_else(|| Nonconformance {
        check: "setup",
        detail: "no nodes given".to_owned(),
    })
}

/// The rolling deploy on async stores (sync ones run through [`Blocking`] and [`ready`]).
async fn rolling_deploy<S: AsyncPinStore + ?Sized>(
    nodes: &[&S],
    customer: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "rolling deploy";
    let (old, new) = engines()?;
    let key = key(customer);
    written.push(key.clone());
    let (old_node, new_node) = (node(nodes, 1)?, node(nodes, 0)?);
    let c = contact(customer, 0);
    let pinned = |r: Result<_, PinError>, what: &str| {
        r.map_err(|e| Nonconformance {
            check,
            detail: format!("{what} failed: {e}"),
        })
    };
    let first = pinned(
        old.decide_pinned_async(&c, &bot(), old_node, Timestamp::from_unix_seconds(0))
            .await,
        "the old node's first contact",
    )?;
    let old_said = (
        first.decision().message_id().to_owned(),
        first.decision().version(),
    );
    let moved = pinned(
        new.decide_pinned_async(&c, &bot(), new_node, Timestamp::from_unix_seconds(1))
            .await,
        "the new node's decision",
    )?;
    ensure!(
        check,
        moved.status() == PinStatus::Moved,
        "the new revision's substantive change did not move the pin: {:?}",
        moved.status()
    );
    let new_said = (
        moved.decision().message_id().to_owned(),
        moved.decision().version(),
    );
    let in_force = ok(check, "get", new_node.get(&key).await)?;

    // The customer writes again on every channel, to every node (the text differs by channel
    // where the policy says so; the message and its version must not).
    let contacts: Vec<Contact> = (0..WRITERS).map(|i| contact(customer, i)).collect();
    let responder = bot();
    let said = JoinAll::new(contacts.iter().zip(0..).map(|(c, i)| {
        let responder = &responder;
        async move {
            let store = node(nodes, i)?;
            let at = Timestamp::from_unix_seconds(2 + i as i64);
            new.decide_pinned_async(c, responder, store, at)
                .await
                .map(|d| (d.decision().message_id().to_owned(), d.decision().version()))
                .map_err(|e| Nonconformance {
                    check,
                    detail: format!("a new node's decision failed: {e}"),
                })
        }
    }))
    .await;
    for said in said {
        let said = said?;
        ensure!(
            check,
            said != old_said,
            "a node on the new revision told the old text ({} v{})",
            old_said.0,
            old_said.1
        );
        ensure!(
            check,
            said == new_said,
            "a node on the new revision told {} v{}, not {} v{}",
            said.0,
            said.1,
            new_said.0,
            new_said.1
        );
    }

    let later = old
        .decide_pinned_async(&c, &bot(), old_node, Timestamp::from_unix_seconds(99))
        .await;
    let after = ok(check, "get", old_node.get(&key).await)?;
    match later {
        Ok(d) => {
            return Err(Nonconformance {
                check,
                detail: format!(
                    "the old node told {:?} after the pin moved to the new revision",
                    d.text()
                ),
            });
        }
        Err(e) => ensure!(
            check,
            e.kind() == PinErrorKind::Ahead,
            "the old node failed with {e}, expected a pin from a newer revision (Ahead)"
        ),
    }
    ensure!(
        check,
        after == in_force,
        "the old node changed the pin from {in_force:?} to {after:?}"
    );
    Ok(())
}

/// What a contact in the deploy of changed messages delivered: the message, its version and
/// the revision that wrote the pin delivered; or `None` when it delivered nothing.
type Heard = Option<(String, u32, String)>;

/// Judges one contact of [`deploy_changes`]: a delivery is the pin in force and no older
/// than what the customer heard before (`newest`); a refusal is `Ahead`, by a revision older
/// than the pin's, and leaves the pin alone.
fn judge_heard(
    engine: &Engine,
    result: Result<PinnedDecision<'_>, PinError>,
    before: Option<&Pin>,
    after: Option<&Pin>,
    newest: &mut Option<String>,
) -> Result<Heard, Nonconformance> {
    let check = "rolling deploy";
    let revision = engine.revision();
    match result {
        Ok(d) => {
            let Some(pin) = after else {
                return Err(Nonconformance {
                    check,
                    detail: format!("revision `{revision}` delivered, and no pin is in force"),
                });
            };
            let said = (d.decision().message_id(), d.decision().version());
            ensure!(
                check,
                said == (pin.message.as_str(), pin.version) && d.pin() == Some(pin),
                "revision `{revision}` told {} v{} while the pin in force is {pin:?}",
                said.0,
                said.1
            );
            ensure!(
                check,
                d.notice()
                    .is_none_or(|n| !n.contains("“”") && !n.contains("«»")),
                "revision `{revision}` gave a notice quoting nothing: {:?}",
                d.notice()
            );
            if let Some(heard) = newest.as_deref() {
                ensure!(
                    check,
                    compare_revisions(&pin.revision, heard) != std::cmp::Ordering::Less,
                    "revision `{revision}` told a text of revision `{}` after the customer heard revision `{heard}`'s",
                    pin.revision
                );
            }
            *newest = Some(pin.revision.clone());
            Ok(Some((said.0.to_owned(), said.1, pin.revision.clone())))
        }
        Err(e) => {
            ensure!(
                check,
                e.kind() == PinErrorKind::Ahead,
                "revision `{revision}` failed with {e}"
            );
            ensure!(
                check,
                before.is_some_and(
                    |p| compare_revisions(&p.revision, revision) == std::cmp::Ordering::Greater
                ),
                "revision `{revision}` refused the pin {before:?}, which is not newer"
            );
            ensure!(
                check,
                before == after,
                "revision `{revision}` delivered nothing yet moved the pin from {before:?} to {after:?}"
            );
            Ok(None)
        }
    }
}

/// The rolling deploy of changed messages (issue 23): nodes on four revisions — the example
/// policy, a substantive version, the slot naming another message (and a rule another fixed
/// answer), that message's predecessor removed — answer one customer in turn, then
/// [`WRITERS`] contacts at once across all four revisions. No contact tells a text older than
/// one the customer already heard, none quotes nothing, and every refusal is an older
/// revision's.
async fn deploy_changes<S: AsyncPinStore + ?Sized>(
    nodes: &[&S],
    customer: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "rolling deploy";
    let (r1, r2) = engines()?;
    let (r3, r4) = later_engines()?;
    // One customer sees the slot change (kit-3 moves the pin to the new message, with a
    // notice); another is pinned to a version of the message kit-4 removes (kit-4 moves the
    // pin without a notice). Old revisions answer in between.
    let slot_change: [(&Engine, usize); 8] = [
        (r1, 1),
        (r3, 0),
        (r1, 1),
        (r2, 0),
        (r4, 1),
        (r3, 0),
        (r1, 1),
        (r2, 0),
    ];
    let removal: [(&Engine, usize); 8] = [
        (r1, 1),
        (r2, 0),
        (r1, 1),
        (r4, 0),
        (r3, 1),
        (r2, 0),
        (r1, 1),
        (r4, 0),
    ];
    let mut key = self::key(customer);
    for (who, turns) in [("slot", slot_change), ("removed", removal)] {
        key = self::key(&format!("{customer}-{who}"));
        written.push(key.clone());
        let mut newest = None;
        let mut last = None;
        for (i, (engine, n)) in turns.into_iter().enumerate() {
            let store = node(nodes, n)?;
            let before = ok(check, "get", store.get(&key).await)?;
            let at = Timestamp::from_unix_seconds(i as i64);
            let c = contact(&key.customer, i);
            let result = engine.decide_pinned_async(&c, &bot(), store, at).await;
            let after = ok(check, "get", store.get(&key).await)?;
            let heard = judge_heard(engine, result, before.as_ref(), after.as_ref(), &mut newest)?;
            last = heard.or(last);
        }
        ensure!(
            check,
            last.as_ref()
                .is_some_and(|(m, _, _)| m == "email-setup-guide-2"),
            "after the deploy the customer last heard {last:?}, not email-setup-guide-2"
        );
    }
    let customer = key.customer.clone();
    let customer = customer.as_str();
    let newest = ok(check, "get", node(nodes, 0)?.get(&key).await)?.map(|p| p.revision);

    // Every revision at once, on every node.
    let all = [r1, r2, r3, r4];
    let contacts: Vec<Contact> = (0..WRITERS).map(|i| contact(customer, i)).collect();
    let before = ok(check, "get", node(nodes, 0)?.get(&key).await)?;
    let responder = bot();
    let results = JoinAll::new(contacts.iter().zip(0..).map(|(c, i)| {
        let responder = &responder;
        async move {
            let engine = all.get(i % all.len()).copied().unwrap_or(r4);
            let store = node(nodes, i)?;
            let at = Timestamp::from_unix_seconds(100 + i as i64);
            Ok::<_, Nonconformance>((
                engine,
                engine.decide_pinned_async(c, responder, store, at).await,
            ))
        }
    }))
    .await;
    let after = ok(check, "get", node(nodes, 1)?.get(&key).await)?;
    ensure!(
        check,
        before == after,
        "contacts on four revisions at once moved the newest revision's pin from {before:?} to {after:?}"
    );
    for result in results {
        let (engine, result) = result?;
        let mut at_least = newest.clone();
        judge_heard(
            engine,
            result,
            before.as_ref(),
            after.as_ref(),
            &mut at_least,
        )?;
    }
    Ok(())
}

/// Checks that stores sharing one backend tell one customer one story ([`WRITERS`] first
/// contacts split across `nodes`, then a rolling deploy between two revisions). Each element
/// of `nodes` is a separate store on the same backend (two pools on one PostgreSQL database,
/// two connections to one Redis, two handles on one SQLite file); at least two. `erase`
/// removes a pin, as in [`run_sync`](super::run_sync).
///
/// # Errors
///
/// The first [`Nonconformance`] (`many nodes`, `rolling deploy`, or `setup` for fewer than two
/// nodes).
///
/// # Examples
///
/// ```
/// use unified_message::MemoryPinStore;
/// use unified_message::testing::pin_store;
///
/// // One in-memory store seen by two "nodes" of one process.
/// let store = MemoryPinStore::new();
/// pin_store::run_nodes_sync(&[&store, &store], |key| {
///     store.remove(key);
///     Ok(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_nodes_sync<S, E>(nodes: &[&S], erase: E) -> Result<(), Nonconformance>
where
    S: PinStore + Sync + ?Sized,
    E: Fn(&PinKey) -> Result<(), crate::PinStoreError>,
{
    enough(nodes)?;
    let run = run_id();
    let mut written = Vec::new();
    let checks = many_nodes_sync(nodes, &format!("{run}-nodes"), &mut written).and_then(|()| {
        let blocking: Vec<Blocking<'_, S>> = nodes.iter().map(|s| Blocking(*s)).collect();
        let views: Vec<&Blocking<'_, S>> = blocking.iter().collect();
        ready(rolling_deploy(
            &views,
            &format!("{run}-deploy"),
            &mut written,
        ))
        .and_then(|()| {
            ready(deploy_changes(
                &views,
                &format!("{run}-changes"),
                &mut written,
            ))
        })
    });
    let cleanup = written.iter().try_for_each(&erase);
    checks?;
    ok("erase", "erasing the kit's pins", cleanup)
}

/// The async counterpart of [`run_nodes_sync`]: await it on the runtime the stores' client
/// needs.
///
/// # Errors
///
/// As [`run_nodes_sync`].
pub async fn run_nodes_async<S, E, F>(nodes: &[&S], erase: E) -> Result<(), Nonconformance>
where
    S: AsyncPinStore + ?Sized,
    E: Fn(PinKey) -> F,
    F: std::future::Future<Output = Result<(), crate::PinStoreError>>,
{
    enough(nodes)?;
    let run = run_id();
    let mut written = Vec::new();
    let mut checks = many_nodes_async(nodes, &format!("{run}-nodes"), &mut written).await;
    if checks.is_ok() {
        checks = rolling_deploy(nodes, &format!("{run}-deploy"), &mut written).await;
    }
    if checks.is_ok() {
        checks = deploy_changes(nodes, &format!("{run}-changes"), &mut written).await;
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

fn many_nodes_sync<S: PinStore + Sync + ?Sized>(
    nodes: &[&S],
    customer: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "many nodes";
    let (_, new) = engines()?;
    let key = key(customer);
    written.push(key.clone());
    let barrier = Barrier::new(WRITERS);
    let results: Vec<Result<Seen, PinError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .filter_map(|i| node(nodes, i).ok().map(|store| (i, store)))
            .map(|(i, store)| {
                let barrier = &barrier;
                s.spawn(move || {
                    let c = contact(customer, i);
                    barrier.wait();
                    new.decide_pinned(&c, &bot(), store, Timestamp::from_unix_seconds(i as i64))
                        .map(|d| seen(&d))
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    ensure!(check, results.len() == WRITERS, "a writer thread panicked");
    let in_force = ok(check, "get", node(nodes, 1)?.get(&key))?;
    judge_race(check, in_force, &results)
}

async fn many_nodes_async<S: AsyncPinStore + ?Sized>(
    nodes: &[&S],
    customer: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "many nodes";
    let (_, new) = engines()?;
    let key = key(customer);
    written.push(key.clone());
    let contacts: Vec<Contact> = (0..WRITERS).map(|i| contact(customer, i)).collect();
    let responder = bot();
    let mut futures = Vec::new();
    for (i, c) in contacts.iter().enumerate() {
        let (store, responder) = (node(nodes, i)?, &responder);
        futures.push(async move {
            new.decide_pinned_async(c, responder, store, Timestamp::from_unix_seconds(i as i64))
                .await
                .map(|d| seen(&d))
        });
    }
    let results: Vec<Result<Seen, PinError>> = JoinAll::new(futures).await;
    let in_force: Option<Pin> = ok(check, "get", node(nodes, 1)?.get(&key).await)?;
    judge_race(check, in_force, &results)
}
