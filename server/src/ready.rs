//! Readiness that reflects the pin store (issue 25 point 9b): a probe task reads a reserved
//! key of the store every `--pins-probe-ms`, bounded by the same time, and `/health/ready`
//! answers 503 `pin_store_unavailable` while the last probe failed; it recovers with the
//! store. One probe per interval, whatever the traffic (never one per request).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use unified_message::pins::{PinKey, Slot};
use unified_message::{AsyncPinStore, PinStore};

use crate::pins::Pins;
use crate::state::Shared;

/// The customer id of the key the probe reads: never a customer's (a customer id with
/// spaces and a colon is not one a host sends; a pin there is never written).
pub const PROBE_CUSTOMER: &str = "unified-message: readiness probe";

/// What the last probe of the pin store found.
#[derive(Debug)]
pub struct StoreHealth {
    ok: AtomicBool,
    error: Mutex<Option<String>>,
}

impl Default for StoreHealth {
    fn default() -> Self {
        StoreHealth {
            ok: AtomicBool::new(true),
            error: Mutex::new(None),
        }
    }
}

impl StoreHealth {
    /// `None` while the store answers; else why the last probe failed, in full (for the log:
    /// `/health/ready`, open without a token, answers only the code).
    pub fn failure(&self) -> Option<String> {
        if self.ok.load(Ordering::Relaxed) {
            return None;
        }
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .or_else(|| Some("the pin store cannot be reached".to_owned()))
    }

    fn set(&self, result: Result<(), String>) {
        let was_ok = self.ok.load(Ordering::Relaxed);
        match result {
            Ok(()) => {
                if !was_ok {
                    tracing::info!("the pin store answers again: ready");
                }
                self.ok.store(true, Ordering::Relaxed);
            }
            Err(e) => {
                if was_ok {
                    tracing::warn!(error = %crate::decision_log::escaped(&e), "the pin store cannot be reached: not ready");
                }
                *self.error.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                self.ok.store(false, Ordering::Relaxed);
            }
        }
    }
}

/// An error's text with its cause chain (for the log only: it names hosts, ports, relations).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": caused by: ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// One probe: a read of the reserved key within `timeout`.
pub async fn probe(pins: &Pins, timeout: Duration) -> Result<(), String> {
    let key = PinKey::new(PROBE_CUSTOMER, "unified-message.health", Slot::Answer);
    let read = async {
        match pins {
            Pins::Memory(_) => Ok(()),
            Pins::Postgres(store) => AsyncPinStore::get(store, &key)
                .await
                .map(|_| ())
                .map_err(|e| with_causes(&e)),
            Pins::Redis(store) => AsyncPinStore::get(store, &key)
                .await
                .map(|_| ())
                .map_err(|e| with_causes(&e)),
            Pins::Sqlite(store) => {
                let store = store.clone();
                tokio::task::spawn_blocking(move || PinStore::get(&*store, &key).map(|_| ()))
                    .await
                    .map_err(|e| with_causes(&e))?
                    .map_err(|e| with_causes(&e))
            }
        }
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(result) => result.map_err(|e| format!("the pin store cannot be reached: {e}")),
        Err(_) => Err(format!(
            "the pin store did not answer within {} ms",
            timeout.as_millis()
        )),
    }
}

/// Probes the store of `shared` every `interval` (each probe bounded by it), until the
/// process ends.
pub fn spawn_probe(shared: Arc<Shared>, interval: Duration) {
    let Some(pins) = shared.pins.clone() else {
        return;
    };
    if matches!(pins, Pins::Memory(_)) {
        return;
    }
    let interval = interval.max(Duration::from_millis(10));
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            shared.store.set(probe(&pins, interval).await);
        }
    });
}
