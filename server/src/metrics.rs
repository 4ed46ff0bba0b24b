//! `GET /metrics`: the Prometheus text format, through the official client's data model.
//!
//! Every label value comes from the policy in force or a fixed set (outcomes, reload
//! results), never from a request, so a client cannot grow the number of series.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::OnceLock;

use unified_message::{DecisionRecord, Outcome};

type Labels = Vec<(&'static str, String)>;

/// The service's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    decisions: Family<Labels, Counter>,
    /// Each outcome's counter of `decisions`, taken from the family on its first decision
    /// (issue 26: otherwise every decision took the family's lock and built its label).
    by_outcome: [OnceLock<Counter>; Outcome::ALL.len()],
    system_gap: Family<Labels, Counter>,
    fallback_topic: Counter,
    latency: Histogram,
    reloads: Family<Labels, Counter>,
    pin_errors: Counter,
    log_dropped: Counter,
    loaded_at: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// The metrics, registered, all at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("unified_message");
        let decisions = Family::<Labels, Counter>::default();
        registry.register("decisions", "Decisions made, by outcome", decisions.clone());
        let system_gap = Family::<Labels, Counter>::default();
        registry.register(
            "system_gap",
            "Decisions where a person answers because the systems did not help (R0.9), by topic",
            system_gap.clone(),
        );
        let fallback_topic = Counter::default();
        registry.register(
            "fallback_topic",
            "Decisions where the topic was unknown, missing or not found by triage",
            fallback_topic.clone(),
        );
        // 10 µs to about 5 s.
        let latency = Histogram::new(exponential_buckets(0.000_01, 2.5, 15));
        registry.register(
            "request_duration_seconds",
            "Time to answer a decide, triage or explain request, in seconds",
            latency.clone(),
        );
        let reloads = Family::<Labels, Counter>::default();
        registry.register(
            "reloads",
            "Policy reloads, by result (ok, error)",
            reloads.clone(),
        );
        let pin_errors = Counter::default();
        registry.register(
            "pin_errors",
            "Pinned decisions that failed because the pin store did",
            pin_errors.clone(),
        );
        let log_dropped = Counter::default();
        registry.register(
            "decision_log_dropped",
            "Decision log lines dropped because the log writer fell behind",
            log_dropped.clone(),
        );
        let loaded_at = Gauge::default();
        registry.register(
            "policy_loaded_timestamp_seconds",
            "When the policy in force was loaded, in seconds since the Unix epoch",
            loaded_at.clone(),
        );
        for result in ["ok", "error"] {
            let _ = reloads.get_or_create(&vec![("result", result.to_owned())]);
        }
        Metrics {
            registry,
            decisions,
            by_outcome: std::array::from_fn(|_| OnceLock::new()),
            system_gap,
            fallback_topic,
            latency,
            reloads,
            pin_errors,
            log_dropped,
            loaded_at,
        }
    }

    /// Counts a decision.
    pub fn decision(&self, record: &DecisionRecord) {
        match Outcome::ALL.iter().position(|o| *o == record.outcome) {
            Some(i) => {
                if let Some(counter) = self.by_outcome.get(i) {
                    counter
                        .get_or_init(|| {
                            self.decisions.get_or_create_owned(&vec![(
                                "outcome",
                                record.outcome.as_str().to_owned(),
                            )])
                        })
                        .inc();
                }
            }
            None => {
                self.decisions
                    .get_or_create(&vec![("outcome", record.outcome.as_str().to_owned())])
                    .inc();
            }
        }
        if record.flags.system_gap {
            self.system_gap
                .get_or_create(&vec![("topic", record.topic.clone())])
                .inc();
        }
        if record.flags.fallback_topic {
            self.fallback_topic.inc();
        }
    }

    /// Records how long a request took.
    pub fn latency(&self, seconds: f64) {
        self.latency.observe(seconds);
    }

    /// Counts a reload.
    pub fn reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.reloads
            .get_or_create(&vec![("result", result.to_owned())])
            .inc();
    }

    /// Records when the policy in force was loaded.
    pub fn loaded(&self, unix_seconds: i64) {
        self.loaded_at.set(unix_seconds);
    }

    /// Counts a pin store failure.
    pub fn pin_error(&self) {
        self.pin_errors.inc();
    }

    /// Counts a dropped decision log line.
    pub fn log_dropped(&self) {
        self.log_dropped.inc();
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(4096);
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
