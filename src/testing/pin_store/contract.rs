//! The store-level checks (insert-if-absent, compare-and-replace, values, `get_many`, erase),
//! written once over [`AsyncPinStore`]; sync stores run them through [`super::exec::Blocking`].

use std::future::Future;

use crate::pins::{PinKey, PinStatus, Slot, Timestamp};
use crate::{AsyncPinStore, PinStoreError};

use super::common::{Nonconformance, bot, contact, engines, ensure, ok, pin};

/// The store-level checks, once for both kinds of store.
pub(super) async fn contract<S, E, F>(
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
