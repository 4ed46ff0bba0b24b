//! The race: many writers on one customer's first contact — threads for a sync store, futures
//! polled concurrently (no runtime of ours) for an async one.

use std::sync::Barrier;

use crate::model::Contact;
use crate::pins::{Pin, PinKey, PinStatus, Slot, Timestamp};
use crate::{AsyncPinStore, PinError, PinStore, PinStoreError, PinnedDecision};

use super::common::{Nonconformance, WRITERS, bot, contact, engines, ensure, ok, pin};
use super::exec::JoinAll;

/// What a racing writer saw: status, delivered message and version, pin in force.
pub(super) type Seen = (PinStatus, String, u32, Option<Pin>);

pub(super) fn seen(d: &PinnedDecision<'_>) -> Seen {
    (
        d.status(),
        d.decision().message_id().to_owned(),
        d.decision().version(),
        d.pin().cloned(),
    )
}

/// One pin, one writer made it, every writer delivers it; a failure is reported as `check`.
pub(super) fn judge_race(
    check: &'static str,
    in_force: Option<Pin>,
    results: &[Result<Seen, PinError>],
) -> Result<(), Nonconformance> {
    let Some(pin) = in_force else {
        return Err(Nonconformance {
            check,
            detail: format!("{WRITERS} first contacts left no pin"),
        });
    };
    let mut news = 0;
    for r in results {
        let (status, message, version, delivered) = r.as_ref().map_err(|e| Nonconformance {
            check,
            detail: format!("a racing writer failed: {e}"),
        })?;
        news += usize::from(*status == PinStatus::New);
        ensure!(
            check,
            (message.as_str(), *version) == (pin.message.as_str(), pin.version),
            "a writer delivered {message} v{version} while the pin in force is {pin:?}"
        );
        ensure!(
            check,
            delivered.as_ref() == Some(&pin),
            "a writer reports the pin {delivered:?}, not the one in force {pin:?}"
        );
    }
    ensure!(
        check,
        news == 1,
        "{news} of {WRITERS} writers say they made the pin; exactly one must"
    );
    Ok(())
}

pub(super) fn race_sync<S: PinStore + Sync + ?Sized>(
    store: &S,
    run: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "race";
    let (_, r2) = engines()?;
    let customer = format!("{run}-race");
    let key = PinKey::new(customer.as_str(), "email.setup", Slot::Explains);
    written.push(key.clone());
    let barrier = Barrier::new(WRITERS);
    let results: Vec<Result<Seen, PinError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|i| {
                let (barrier, customer) = (&barrier, &customer);
                s.spawn(move || {
                    let c = contact(customer, i);
                    barrier.wait();
                    r2.decide_pinned(&c, &bot(), store, Timestamp::from_unix_seconds(i as i64))
                        .map(|d| seen(&d))
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    ensure!(check, results.len() == WRITERS, "a writer thread panicked");
    judge_race(check, ok(check, "get", store.get(&key))?, &results)?;

    let raw = PinKey::new(customer.as_str(), "kit.race.raw", Slot::Answer);
    written.push(raw.clone());
    let barrier = Barrier::new(WRITERS);
    let winners: Vec<Result<Pin, PinStoreError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|i| {
                let (barrier, raw) = (&barrier, &raw);
                s.spawn(move || {
                    barrier.wait();
                    store.insert_if_absent(raw, pin("kit-raw", 1, &format!("writer-{i}"), 0))
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    judge_raw(ok(check, "get", store.get(&raw))?, winners)
}

/// Every raw insert returned the pin in force.
fn judge_raw(
    in_force: Option<Pin>,
    winners: Vec<Result<Pin, PinStoreError>>,
) -> Result<(), Nonconformance> {
    let check = "race";
    ensure!(check, winners.len() == WRITERS, "a writer was lost");
    for w in winners {
        let w = ok(check, "insert", w)?;
        ensure!(
            check,
            Some(&w) == in_force.as_ref(),
            "a racing insert returned {w:?}, the pin in force is {in_force:?}"
        );
    }
    Ok(())
}

pub(super) async fn race_async<S: AsyncPinStore + ?Sized>(
    store: &S,
    run: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "race";
    let (_, r2) = engines()?;
    let customer = format!("{run}-race");
    let key = PinKey::new(customer.as_str(), "email.setup", Slot::Explains);
    written.push(key.clone());
    let contacts: Vec<Contact> = (0..WRITERS).map(|i| contact(&customer, i)).collect();
    let responder = bot();
    let results = JoinAll::new(contacts.iter().zip(0..).map(|(c, i)| {
        let responder = &responder;
        async move {
            r2.decide_pinned_async(c, responder, store, Timestamp::from_unix_seconds(i))
                .await
                .map(|d| seen(&d))
        }
    }))
    .await;
    judge_race(check, ok(check, "get", store.get(&key).await)?, &results)?;

    let raw = PinKey::new(customer.as_str(), "kit.race.raw", Slot::Answer);
    written.push(raw.clone());
    let raw = &raw;
    let winners = JoinAll::new((0..WRITERS).map(|i| async move {
        store
            .insert_if_absent(raw, pin("kit-raw", 1, &format!("writer-{i}"), 0))
            .await
    }))
    .await;
    judge_raw(ok(check, "get", store.get(raw).await)?, winners)
}
