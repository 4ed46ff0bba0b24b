//! The checks of policy changes and customer ids (issue 23 points 1, 2 and 6), written once
//! over [`AsyncPinStore`]:
//!
//! - **`newer policy`**: a pin written under a newer revision — the slot names another
//!   message, a rule gives another fixed answer — is never moved back by an older one, which
//!   delivers nothing; the other order (old pin, newer move) moves it once, with a notice;
//! - **`removed message`**: a pin on a message the new policy removed moves to the new text
//!   without a notice quoting nothing, and no older revision moves it back;
//! - **`customer ids`**: the longest valid id, full of characters stores escape, holds pins
//!   (pinned decisions and every store call); an id over the limit or with a NUL character
//!   fails with `InvalidCustomer` and never reaches the store.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::engine::Engine;
use crate::model::{Contact, Progress, Responder};
use crate::pins::{MAX_CUSTOMER_ID_BYTES, Pin, PinErrorKind, PinKey, PinStatus, Slot, Timestamp};
use crate::{AsyncPinStore, PinError, PinStoreError, PinnedDecision};

use super::common::{Nonconformance, bot, contact, engines, ensure, later_engines, ok, pin};

/// The three checks, in order.
pub(super) async fn changes<S: AsyncPinStore + ?Sized>(
    store: &S,
    run: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    newer_policy(store, run, written).await?;
    removed_message(store, run, written).await?;
    customer_ids(store, run, written).await
}

/// A pinned decision that must succeed during `check`.
fn decided<'e>(
    check: &'static str,
    what: &str,
    r: Result<PinnedDecision<'e>, PinError>,
) -> Result<PinnedDecision<'e>, Nonconformance> {
    r.map_err(|e| Nonconformance {
        check,
        detail: format!("{what} failed: {e}"),
    })
}

/// `engine`, older than the pin in force on `key`, delivers nothing and leaves the pin.
async fn stays_behind<S: AsyncPinStore + ?Sized>(
    check: &'static str,
    store: &S,
    engine: &Engine,
    contact: &Contact,
    key: &PinKey,
) -> Result<(), Nonconformance> {
    let before = ok(check, "get", store.get(key).await)?;
    let got = engine
        .decide_pinned_async(contact, &bot(), store, Timestamp::from_unix_seconds(50))
        .await;
    let after = ok(check, "get", store.get(key).await)?;
    match got {
        Ok(d) => {
            return Err(Nonconformance {
                check,
                detail: format!(
                    "revision `{}` told {} v{} ({:?}) over a pin written by a newer revision ({before:?})",
                    engine.revision(),
                    d.decision().message_id(),
                    d.decision().version(),
                    d.status()
                ),
            });
        }
        Err(e) => ensure!(
            check,
            e.kind() == PinErrorKind::Ahead,
            "revision `{}` failed with {e}, expected a pin from a newer revision (Ahead)",
            engine.revision()
        ),
    }
    ensure!(
        check,
        after == before,
        "revision `{}` moved the pin back from {before:?} to {after:?}",
        engine.revision()
    );
    Ok(())
}

/// Point 1: whatever changed, an older revision never moves a newer revision's pin back.
async fn newer_policy<S: AsyncPinStore + ?Sized>(
    store: &S,
    run: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "newer policy";
    let (r1, r2) = engines()?;
    let (r3, _) = later_engines()?;
    let at = Timestamp::from_unix_seconds;

    // The new revision first: the slot names `email-setup-guide-2`; kit-1 and kit-2 (which
    // name `email-setup-guide`) must not flip it back.
    let customer = format!("{run}-newer");
    let key = PinKey::new(customer.as_str(), "email.setup", Slot::Explains);
    written.push(key.clone());
    let c = contact(&customer, 0);
    let first = decided(
        check,
        "a first contact",
        r3.decide_pinned_async(&c, &bot(), store, at(1)).await,
    )?;
    ensure!(
        check,
        first.decision().message_id() == "email-setup-guide-2",
        "revision kit-3 delivered {}",
        first.decision().message_id()
    );
    for old in [r1, r2, r1] {
        stays_behind(check, store, old, &c, &key).await?;
    }
    let again = decided(
        check,
        "the new revision again",
        r3.decide_pinned_async(&c, &bot(), store, at(2)).await,
    )?;
    ensure!(
        check,
        again.status() == PinStatus::Kept && again.notice().is_none(),
        "after older revisions were refused, the new one gave {:?} with notice {:?}",
        again.status(),
        again.notice()
    );

    // A rule's fixed answer changed.
    let outage = c.clone().with_fact("outage", "email");
    let rule = PinKey::new(
        customer.as_str(),
        "email.setup",
        Slot::Rule("email-outage".into()),
    );
    written.push(rule.clone());
    let notice = decided(
        check,
        "an outage contact",
        r3.decide_pinned_async(&outage, &bot(), store, at(3)).await,
    )?;
    ensure!(
        check,
        notice.decision().message_id() == "email-outage-notice-2",
        "revision kit-3's outage answer is {}",
        notice.decision().message_id()
    );
    stays_behind(check, store, r1, &outage, &rule).await?;

    // The old revision first: the new one moves the pin once, with a notice; then the old
    // one is refused.
    let customer = format!("{run}-newer-2");
    let key = PinKey::new(customer.as_str(), "email.setup", Slot::Explains);
    written.push(key.clone());
    let c = contact(&customer, 1);
    let old = decided(
        check,
        "a first contact",
        r1.decide_pinned_async(&c, &bot(), store, at(1)).await,
    )?;
    let moved = decided(
        check,
        "the new revision's contact",
        r3.decide_pinned_async(&c, &bot(), store, at(2)).await,
    )?;
    ensure!(
        check,
        moved.status() == PinStatus::Moved
            && moved.notice().is_some_and(|n| n.contains(&old.text())),
        "the slot naming another message gave {:?} with notice {:?}",
        moved.status(),
        moved.notice()
    );
    stays_behind(check, store, r1, &c, &key).await
}

/// Point 2: a removed message moves the pin without an empty quote.
async fn removed_message<S: AsyncPinStore + ?Sized>(
    store: &S,
    run: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "removed message";
    let (r1, _) = engines()?;
    let (r3, r4) = later_engines()?;
    let at = Timestamp::from_unix_seconds;
    let customer = format!("{run}-removed");
    let key = PinKey::new(customer.as_str(), "email.setup", Slot::Explains);
    written.push(key.clone());
    let c = contact(&customer, 2);
    let first = decided(
        check,
        "a first contact",
        r1.decide_pinned_async(&c, &bot(), store, at(1)).await,
    )?;
    let moved = decided(
        check,
        "the contact after the removal",
        r4.decide_pinned_async(&c, &bot(), store, at(2)).await,
    )?;
    ensure!(
        check,
        moved.status() == PinStatus::Moved
            && moved.decision().message_id() == "email-setup-guide-2",
        "a pin on a removed message gave {:?} {}",
        moved.status(),
        moved.decision().message_id()
    );
    ensure!(
        check,
        moved.notice().is_none() && moved.decision().previous().is_none(),
        "the removed message cannot be quoted, yet the notice is {:?}",
        moved.notice()
    );
    ensure!(
        check,
        moved.replaced() == first.pin(),
        "the moved pin replaced {:?}, not {:?}",
        moved.replaced(),
        first.pin()
    );
    // kit-3 says the same words as kit-4 on this slot: it keeps; kit-1 is refused.
    let kept = decided(
        check,
        "an older revision that agrees",
        r3.decide_pinned_async(&c, &bot(), store, at(3)).await,
    )?;
    ensure!(
        check,
        kept.status() == PinStatus::Kept && kept.pin() == moved.pin(),
        "revision kit-3, which says the same words, gave {:?} with pin {:?}",
        kept.status(),
        kept.pin()
    );
    stays_behind(check, store, r1, &c, &key).await
}

/// A store around the store under test that counts the calls that reach it.
struct Counting<'s, S: ?Sized> {
    inner: &'s S,
    calls: AtomicUsize,
}

impl<S: AsyncPinStore + ?Sized> AsyncPinStore for Counting<'_, S> {
    async fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.get(key).await
    }

    async fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.get_many(keys).await
    }

    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.insert_if_absent(key, pin).await
    }

    async fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.compare_and_replace(key, expected, new).await
    }
}

/// Point 6: every valid id holds pins on the store; no invalid one reaches it.
async fn customer_ids<S: AsyncPinStore + ?Sized>(
    store: &S,
    run: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "customer ids";
    let (r1, _) = engines()?;
    let at = Timestamp::from_unix_seconds;
    // What ids hold in the wild, and what stores escape or quote.
    let odd = format!("{run}-ids ü€😀 \"'`;--%:*?[a]{{}}\\ \t\n\r/");
    let longest = format!(
        "{odd}{}",
        "x".repeat(MAX_CUSTOMER_ID_BYTES.saturating_sub(odd.len()))
    );
    ensure!(
        check,
        longest.len() == MAX_CUSTOMER_ID_BYTES,
        "the kit's longest id is {} bytes",
        longest.len()
    );
    for id in [&odd, &longest] {
        let key = PinKey::new(id.as_str(), "email.setup", Slot::Explains);
        written.push(key.clone());
        let c = contact(id, 3);
        let first = decided(
            check,
            &format!("a first contact of a {}-byte id", id.len()),
            r1.decide_pinned_async(&c, &bot(), store, at(1)).await,
        )?;
        let got = ok(check, "get", store.get(&key).await)?;
        ensure!(
            check,
            first.status() == PinStatus::New && got.as_ref() == first.pin(),
            "a {}-byte id: the first contact gave {:?}, the store holds {got:?}",
            id.len(),
            first.status()
        );
        let again = decided(
            check,
            "a second contact",
            r1.decide_pinned_async(&c, &bot(), store, at(2)).await,
        )?;
        ensure!(
            check,
            again.status() == PinStatus::Kept,
            "a {}-byte id: the second contact gave {:?}",
            id.len(),
            again.status()
        );
        let raw = PinKey::new(id.as_str(), "kit.ids", Slot::Rule("kit-rule".into()));
        written.push(raw.clone());
        let (one, two) = (pin("kit-id", 1, "r1", 1), pin("kit-id", 2, "r2", 2));
        let inserted = ok(
            check,
            "insert",
            store.insert_if_absent(&raw, one.clone()).await,
        )?;
        let replaced = ok(
            check,
            "replace",
            store.compare_and_replace(&raw, &one, two.clone()).await,
        )?;
        let many = ok(
            check,
            "get_many",
            store.get_many(&[raw.clone(), key.clone()]).await,
        )?;
        ensure!(
            check,
            inserted == one
                && replaced.as_ref() == Some(&two)
                && many == vec![Some(two.clone()), first.pin().cloned()],
            "a {}-byte id: insert {inserted:?}, replace {replaced:?}, get_many {many:?}",
            id.len()
        );
    }

    let counting = Counting {
        inner: store,
        calls: AtomicUsize::new(0),
    };
    let too_long = format!("{longest}y");
    let nul = format!("{run}-nul\0id");
    for id in [&too_long, &nul] {
        let routed = contact(id, 1).with_progress(Progress::Served);
        for (c, responder) in [
            (contact(id, 0), bot()),
            (routed, Responder::staff("sales-agent")),
        ] {
            let got = r1
                .decide_pinned_async(&c, &responder, &counting, at(3))
                .await;
            match got {
                Err(e) => ensure!(
                    check,
                    e.kind() == PinErrorKind::InvalidCustomer,
                    "an invalid id ({} bytes) failed with {e}, expected InvalidCustomer",
                    id.len()
                ),
                Ok(d) => {
                    return Err(Nonconformance {
                        check,
                        detail: format!(
                            "an invalid id ({} bytes) was decided ({:?})",
                            id.len(),
                            d.status()
                        ),
                    });
                }
            }
        }
    }
    let calls = counting.calls.load(Ordering::SeqCst);
    ensure!(
        check,
        calls == 0,
        "invalid ids reached the store ({calls} calls)"
    );
    Ok(())
}
