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
//!   non-ASCII text, every kind of [`Slot`]);
//! - **`get_many`**: several keys (present and absent, other slots, topics and customers), in
//!   the order asked; no keys, no pins;
//! - **`erase`**: a pin the host erased (with the `erase` function you pass) is gone, cannot
//!   be replaced, and a pinned decision then starts afresh;
//! - **`race`**: 16 writers on one customer's first contact at once — 16 threads for a sync
//!   store, 16 futures polled concurrently for an async one — leave exactly one pin, one
//!   writer made it, and every writer delivers its text; 16 raw `insert_if_absent`s of
//!   different pins all return the same winner;
//! - **`store error`**: when the store fails to read, insert or replace, a pinned decision
//!   delivers nothing and the pin in force does not change.
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
use std::pin::Pin as Pinned;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::engine::Engine;
use crate::model::{Channel, Contact, Progress, Responder};
use crate::pins::{
    AsyncPinStore, Pin, PinError, PinErrorKind, PinKey, PinStatus, PinStore, PinStoreError,
    PinnedDecision, Slot, Timestamp,
};

/// How many writers race on one first contact.
pub const WRITERS: usize = 16;

/// A check of the kit that the store failed: which, and what was seen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the pin store fails the conformance check `{check}`: {detail}")]
pub struct Nonconformance {
    check: &'static str,
    detail: String,
}

impl Nonconformance {
    /// The check that failed (`insert_if_absent`, `compare_and_replace`, `values`,
    /// `get_many`, `erase`, `race`, `store error`).
    pub fn check(&self) -> &'static str {
        self.check
    }

    /// What was expected and what the store did.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// Fails `check` with a message unless `cond`.
macro_rules! ensure {
    ($check:expr, $cond:expr, $($detail:tt)+) => {
        if !$cond {
            return Err(Nonconformance { check: $check, detail: format!($($detail)+) });
        }
    };
}

/// A store call that must succeed during `check`.
fn ok<T>(
    check: &'static str,
    what: &str,
    r: Result<T, PinStoreError>,
) -> Result<T, Nonconformance> {
    r.map_err(|e| Nonconformance {
        check,
        detail: format!("{what} failed: {e}"),
    })
}

/// A substantive version 4 of `email-setup-guide` (version 3 in the example policy).
const SUBSTANTIVE: &str = r#"
[[messages.email-setup-guide.versions]]
change = "substantive"
text.es = "Los programas de correo usan ahora una contraseña de aplicación. {system}: {where}"
text.en = "E-mail programs now use an app password. {system}: {where}"
"#;

/// The example policy (revision `kit-1`) and a revision with a substantive change (`kit-2`).
fn engines() -> Result<&'static (Engine, Engine), Nonconformance> {
    static ENGINES: OnceLock<Result<(Engine, Engine), String>> = OnceLock::new();
    let built = ENGINES.get_or_init(|| {
        let line = "revision = \"2026-11-27\"";
        let first = crate::EXAMPLE_POLICY.replace(line, "revision = \"kit-1\"");
        let second = format!(
            "{}{SUBSTANTIVE}",
            crate::EXAMPLE_POLICY.replace(line, "revision = \"kit-2\"")
        );
        let build = |text: &str| Engine::from_toml_str(text).map_err(|e| e.to_string());
        Ok((build(&first)?, build(&second)?))
    });
    built.as_ref().map_err(|e| Nonconformance {
        check: "setup",
        detail: format!("the kit's policy does not compile: {e}"),
    })
}

/// A customer id no other run uses: the process, the time, a counter.
fn run_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "um-kit-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn pin(message: &str, version: u32, revision: &str, at: i64) -> Pin {
    Pin::new(message, version, revision, Timestamp::from_unix_seconds(at))
}

fn bot() -> Responder {
    Responder::system("self-diagnosis")
}

fn contact(customer: &str, i: usize) -> Contact {
    let channels = [Channel::Chat, Channel::Phone, Channel::Email, Channel::Web];
    let channel = channels
        .get(i % channels.len())
        .cloned()
        .unwrap_or(Channel::Chat);
    Contact::new(customer, channel)
        .with_topic("email.setup")
        .with_locale("en")
}

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
        .and_then(|()| ready(failures(&Failing::new(&blocking), &run, &mut written)));
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
    let mut cleanup = Ok(());
    for key in written {
        if let Err(e) = erase(key).await {
            cleanup = Err(e);
        }
    }
    checks?;
    ok("erase", "erasing the kit's pins", cleanup)
}

/// The store-level checks, once for both kinds of store.
async fn contract<S, E, F>(
    store: &S,
    erase: &E,
    run: &str,
    written: &mut Vec<PinKey>,
) -> Result<(), Nonconformance>
where
    S: AsyncPinStore + ?Sized,
    E: Fn(PinKey) -> F,
    F: Future<Output = Result<(), PinStoreError>>,
{
    // insert_if_absent
    let check = "insert_if_absent";
    let key = PinKey::new(run, "kit.insert", Slot::Explains);
    written.push(key.clone());
    let first = pin("kit-message", 1, "r1", 100);
    let second = pin("kit-message", 2, "r2", 200);
    ensure!(
        check,
        ok(check, "get", store.get(&key).await)?.is_none(),
        "a fresh key already holds a pin"
    );
    let got = ok(
        check,
        "insert",
        store.insert_if_absent(&key, first.clone()).await,
    )?;
    ensure!(
        check,
        got == first,
        "inserting into an empty key returned {got:?}, not the pin inserted"
    );
    let got = ok(
        check,
        "insert",
        store.insert_if_absent(&key, second.clone()).await,
    )?;
    ensure!(
        check,
        got == first,
        "a second insert returned {got:?}, not the winner {first:?}"
    );
    let got = ok(
        check,
        "insert",
        store.insert_if_absent(&key, first.clone()).await,
    )?;
    ensure!(
        check,
        got == first,
        "repeating the winning insert returned {got:?}"
    );
    let got = ok(check, "get", store.get(&key).await)?;
    ensure!(
        check,
        got.as_ref() == Some(&first),
        "after the inserts, get returned {got:?}"
    );

    // compare_and_replace
    let check = "compare_and_replace";
    let key = PinKey::new(run, "kit.replace", Slot::Serves);
    written.push(key.clone());
    let absent = ok(
        check,
        "replace",
        store
            .compare_and_replace(&key, &first, second.clone())
            .await,
    )?;
    ensure!(
        check,
        absent.is_none(),
        "replacing on an empty key returned {absent:?}, not None"
    );
    let got = ok(check, "get", store.get(&key).await)?;
    ensure!(
        check,
        got.is_none(),
        "replacing on an empty key wrote {got:?}"
    );
    ok(
        check,
        "insert",
        store.insert_if_absent(&key, first.clone()).await,
    )?;
    let near_misses = [
        ("message", pin("kit-other", 1, "r1", 100)),
        ("version", pin("kit-message", 7, "r1", 100)),
        ("revision", pin("kit-message", 1, "r1-other", 100)),
        ("at", pin("kit-message", 1, "r1", 101)),
    ];
    for (field, expected) in &near_misses {
        let got = ok(
            check,
            "replace",
            store
                .compare_and_replace(&key, expected, second.clone())
                .await,
        )?;
        ensure!(
            check,
            got.as_ref() == Some(&first),
            "an expected pin differing only in `{field}` returned {got:?}; it must not replace, and return the pin in force {first:?}"
        );
        let now = ok(check, "get", store.get(&key).await)?;
        ensure!(
            check,
            now.as_ref() == Some(&first),
            "an expected pin differing only in `{field}` replaced the pin: {now:?}"
        );
    }
    let got = ok(
        check,
        "replace",
        store
            .compare_and_replace(&key, &first, second.clone())
            .await,
    )?;
    ensure!(
        check,
        got.as_ref() == Some(&second),
        "replacing with the pin in force returned {got:?}, not the new pin"
    );
    let got = ok(
        check,
        "replace",
        store
            .compare_and_replace(&key, &second, second.clone())
            .await,
    )?;
    ensure!(
        check,
        got.as_ref() == Some(&second),
        "replacing a pin with itself returned {got:?}"
    );
    let got = ok(
        check,
        "replace",
        store.compare_and_replace(&key, &first, first.clone()).await,
    )?;
    ensure!(
        check,
        got.as_ref() == Some(&second),
        "a stale replace returned {got:?}, not the pin in force"
    );
    let got = ok(check, "get", store.get(&key).await)?;
    ensure!(
        check,
        got.as_ref() == Some(&second),
        "after the replaces, get returned {got:?}"
    );

    // values
    let check = "values";
    let odd = [
        (
            Slot::Answer,
            pin("kit-ü-€-😀", u32::MAX, "rev \"quoted\" 'x' ;--", i64::MIN),
        ),
        (Slot::Rule("kit-outage:x".into()), pin("m", 1, "", i64::MAX)),
        (Slot::Explains, pin("m", 0, "r", -1)),
    ];
    for (i, (slot, value)) in odd.iter().enumerate() {
        let key = PinKey::new(run, format!("kit.values.{i} ü"), slot.clone());
        written.push(key.clone());
        let got = ok(
            check,
            "insert",
            store.insert_if_absent(&key, value.clone()).await,
        )?;
        ensure!(
            check,
            got == *value,
            "{key}: inserted {value:?}, the store answered {got:?}"
        );
        let got = ok(check, "get", store.get(&key).await)?;
        ensure!(
            check,
            got.as_ref() == Some(value),
            "{key}: inserted {value:?}, read back {got:?}"
        );
        let again = ok(
            check,
            "replace",
            store.compare_and_replace(&key, value, first.clone()).await,
        )?;
        ensure!(
            check,
            again.as_ref() == Some(&first),
            "{key}: the exact pin read back did not compare equal on replace ({again:?})"
        );
    }

    // get_many
    let check = "get_many";
    let none = ok(check, "get_many", store.get_many(&[]).await)?;
    ensure!(check, none.is_empty(), "no keys returned {none:?}");
    let base = PinKey::new(run, "kit.many", Slot::Explains);
    let present = [
        (base.clone(), pin("a", 1, "r", 1)),
        (
            PinKey::new(run, "kit.many", Slot::Rule("kit-rule".into())),
            pin("b", 2, "r", 2),
        ),
        (
            PinKey::new(run, "kit.many.other", Slot::Serves),
            pin("c", 3, "r", 3),
        ),
        (
            PinKey::new(format!("{run}-other"), "kit.many", Slot::Answer),
            pin("d", 4, "r", 4),
        ),
    ];
    for (key, value) in &present {
        written.push(key.clone());
        ok(
            check,
            "insert",
            store.insert_if_absent(key, value.clone()).await,
        )?;
    }
    let [(k0, p0), (k1, p1), (k2, p2), (k3, p3)] = &present;
    let asked = vec![
        k1.clone(),
        PinKey::new(run, "kit.many", Slot::Serves),
        k0.clone(),
        k3.clone(),
        PinKey::new(run, "kit.many", Slot::Answer),
        k2.clone(),
        k0.clone(),
    ];
    let expected = vec![
        Some(p1.clone()),
        None,
        Some(p0.clone()),
        Some(p3.clone()),
        None,
        Some(p2.clone()),
        Some(p0.clone()),
    ];
    let got = ok(check, "get_many", store.get_many(&asked).await)?;
    ensure!(
        check,
        got == expected,
        "asked {asked:?}, expected {expected:?} in that order, got {got:?}"
    );

    // erase
    let check = "erase";
    let (_, r2) = engines()?;
    let customer = format!("{run}-erase");
    let key = PinKey::new(customer.as_str(), "email.setup", Slot::Explains);
    written.push(key.clone());
    let made = r2
        .decide_pinned_async(
            &contact(&customer, 0),
            &bot(),
            store,
            Timestamp::from_unix_seconds(10),
        )
        .await;
    let made = made.map_err(|e| Nonconformance {
        check,
        detail: format!("a pinned decision failed: {e}"),
    })?;
    ensure!(
        check,
        made.status() == PinStatus::New,
        "the first decision was {}",
        made.status()
    );
    ok(check, "erase", erase(key.clone()).await)?;
    let got = ok(check, "get", store.get(&key).await)?;
    ensure!(check, got.is_none(), "after erase, get returned {got:?}");
    let held = made.pin().cloned().unwrap_or_else(|| first.clone());
    let got = ok(
        check,
        "replace",
        store.compare_and_replace(&key, &held, second.clone()).await,
    )?;
    ensure!(
        check,
        got.is_none(),
        "after erase, replace returned {got:?}, not None"
    );
    let got = ok(check, "get", store.get(&key).await)?;
    ensure!(check, got.is_none(), "after erase, a replace wrote {got:?}");
    let again = r2
        .decide_pinned_async(
            &contact(&customer, 1),
            &bot(),
            store,
            Timestamp::from_unix_seconds(20),
        )
        .await;
    let again = again.map_err(|e| Nonconformance {
        check,
        detail: format!("a pinned decision failed: {e}"),
    })?;
    ensure!(
        check,
        again.status() == PinStatus::New,
        "after erase, the decision was {}, not new",
        again.status()
    );
    Ok(())
}

/// What a racing writer saw: status, delivered message and version, pin in force.
type Seen = (PinStatus, String, u32, Option<Pin>);

fn seen(d: &PinnedDecision<'_>) -> Seen {
    (
        d.status(),
        d.decision().message_id().to_owned(),
        d.decision().version(),
        d.pin().cloned(),
    )
}

/// One pin, one writer made it, every writer delivers it.
fn judge_race(
    in_force: Option<Pin>,
    results: &[Result<Seen, PinError>],
) -> Result<(), Nonconformance> {
    let check = "race";
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

fn race_sync<S: PinStore + Sync + ?Sized>(
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
    judge_race(ok(check, "get", store.get(&key))?, &results)?;

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

async fn race_async<S: AsyncPinStore + ?Sized>(
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
    judge_race(ok(check, "get", store.get(&key).await)?, &results)?;

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

/// A store whose reads, inserts and replaces fail on demand, around the store under test.
struct Failing<'s, S: ?Sized> {
    inner: &'s S,
    reads: AtomicBool,
    inserts: AtomicBool,
    replaces: AtomicBool,
}

impl<'s, S: ?Sized> Failing<'s, S> {
    fn new(inner: &'s S) -> Self {
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
async fn failures<S: AsyncPinStore + ?Sized>(
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

/// A sync [`PinStore`] seen as an [`AsyncPinStore`] whose futures are ready at once: the
/// store-level checks are written once, for both kinds.
struct Blocking<'s, S: ?Sized>(&'s S);

impl<S: PinStore + Sync + ?Sized> AsyncPinStore for Blocking<'_, S> {
    async fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        self.0.get(key)
    }

    async fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        self.0.get_many(keys)
    }

    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        self.0.insert_if_absent(key, pin)
    }

    async fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        self.0.compare_and_replace(key, expected, new)
    }
}

/// Runs a future made only of [`Blocking`] calls, which never waits: it is ready on its first
/// poll (polled again, yielding the thread, should it ever not be).
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

/// Polls several futures concurrently on the current task, with `std` only: whenever the task
/// is woken, every unfinished future is polled with its waker; resolves to their outputs, in
/// order, once all are ready.
struct JoinAll<F: Future> {
    futures: Vec<Pinned<Box<F>>>,
    outputs: Vec<Option<F::Output>>,
}

impl<F: Future> JoinAll<F> {
    fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
        let outputs = futures.iter().map(|_| None).collect();
        JoinAll { futures, outputs }
    }
}

// The futures are boxed and the outputs are never pinned: moving a `JoinAll` is fine.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pinned<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut pending = false;
        for (future, output) in this.futures.iter_mut().zip(this.outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(out) => *output = Some(out),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            return Poll::Pending;
        }
        Poll::Ready(this.outputs.iter_mut().filter_map(Option::take).collect())
    }
}
