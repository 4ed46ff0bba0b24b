//! What a store error does: a store that fails on demand around the store under test, and
//! the check that a failure delivers nothing and changes no pin.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::{Progress, Responder};
use crate::pins::{Pin, PinErrorKind, PinKey, PinStatus, Slot, Timestamp};
use crate::{AsyncPinStore, PinStoreError};

use super::common::{Nonconformance, bot, contact, engines, ensure, ok};
use super::race::seen;

/// A store whose reads, inserts and replaces fail on demand, around the store under test.
pub(super) struct Failing<'s, S: ?Sized> {
    inner: &'s S,
    reads: AtomicBool,
    inserts: AtomicBool,
    replaces: AtomicBool,
}

impl<'s, S: ?Sized> Failing<'s, S> {
    pub(super) fn new(inner: &'s S) -> Self {
        Failing {
            inner,
            reads: AtomicBool::new(false),
            inserts: AtomicBool::new(false),
            replaces: AtomicBool::new(false),
        }
    }

    fn set(&self, reads: bool, inserts: bool, replaces: bool) {
        self.reads.store(reads, Ordering::SeqCst);
        self.inserts.store(inserts, Ordering::SeqCst);
        self.replaces.store(replaces, Ordering::SeqCst);
    }

    fn fault(flag: &AtomicBool, what: &str) -> Result<(), PinStoreError> {
        if flag.load(Ordering::SeqCst) {
            return Err(PinStoreError::new(format!(
                "the kit's injected failure on {what}"
            )));
        }
        Ok(())
    }
}

impl<S: AsyncPinStore + ?Sized> AsyncPinStore for Failing<'_, S> {
    async fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        Self::fault(&self.reads, "read")?;
        self.inner.get(key).await
    }

    async fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        Self::fault(&self.reads, "read")?;
        self.inner.get_many(keys).await
    }

    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        Self::fault(&self.inserts, "insert")?;
        self.inner.insert_if_absent(key, pin).await
    }

    async fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        Self::fault(&self.replaces, "replace")?;
        self.inner.compare_and_replace(key, expected, new).await
    }
}

/// A store error delivers nothing and changes no pin.
pub(super) async fn failures<S: AsyncPinStore + ?Sized>(
    failing: &Failing<'_, S>,
    run: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance> {
    let check = "store error";
    let (r1, r2) = engines()?;
    let customer = format!("{run}-fail");
    let key = PinKey::new(customer.as_str(), "email.setup", Slot::Explains);
    written.push(key.clone());
    let c = contact(&customer, 0);
    let at = Timestamp::from_unix_seconds;
    let store = failing.inner;

    failing.set(false, true, false);
    let err = r1
        .decide_pinned_async(&c, &bot(), failing, at(1))
        .await
        .map(|d| seen(&d));
    ensure!(
        check,
        matches!(&err, Err(e) if e.kind() == PinErrorKind::Insert),
        "with inserts failing, a first contact gave {err:?}, not an insert error"
    );
    let got = ok(check, "get", store.get(&key).await)?;
    ensure!(check, got.is_none(), "a failed insert left {got:?}");

    failing.set(false, false, false);
    let first = r1.decide_pinned_async(&c, &bot(), failing, at(2)).await;
    let first = first.map_err(|e| Nonconformance {
        check,
        detail: format!("a pinned decision failed: {e}"),
    })?;
    let held = ok(check, "get", store.get(&key).await)?;
    ensure!(
        check,
        held.as_ref() == first.pin(),
        "the pin in force {held:?} is not the one delivered"
    );

    failing.set(false, false, true);
    let err = r2
        .decide_pinned_async(&c, &bot(), failing, at(3))
        .await
        .map(|d| seen(&d));
    ensure!(
        check,
        matches!(&err, Err(e) if e.kind() == PinErrorKind::Replace),
        "with replaces failing, a substantive change gave {err:?}, not a replace error"
    );
    let now = ok(check, "get", store.get(&key).await)?;
    ensure!(
        check,
        now == held,
        "a failed replace changed the pin from {held:?} to {now:?}"
    );

    failing.set(true, false, false);
    let err = r1
        .decide_pinned_async(&c, &bot(), failing, at(4))
        .await
        .map(|d| seen(&d));
    ensure!(
        check,
        matches!(&err, Err(e) if e.kind() == PinErrorKind::Read),
        "with reads failing, a decision gave {err:?}, not a read error"
    );
    let routed = c.clone().with_progress(Progress::Served);
    let err = r1
        .decide_pinned_async(&routed, &Responder::staff("sales-agent"), failing, at(4))
        .await
        .map(|d| seen(&d));
    ensure!(
        check,
        matches!(&err, Err(e) if e.kind() == PinErrorKind::Read),
        "with reads failing, a handoff gave {err:?}, not a read error"
    );
    failing.set(false, false, false);

    let moved = r2.decide_pinned_async(&c, &bot(), failing, at(5)).await;
    let moved = moved.map_err(|e| Nonconformance {
        check,
        detail: format!("once the store answers, the decision failed: {e}"),
    })?;
    ensure!(
        check,
        moved.status() == PinStatus::Moved,
        "once the store answers, the change moves the pin ({})",
        moved.status()
    );
    Ok(())
}
