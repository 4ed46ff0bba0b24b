//! Running scenarios: [`Engine::run_scenarios`], deciding each contact and comparing the
//! decision with what the scenario expects.

use crate::decision::{DecisionRecord, Flags};
use crate::engine::Engine;
use crate::explain::StepRecord;
use crate::model::Authority;

use super::expect::{Mismatch, compare, compare_flag, field_order, shown};
use super::file::{Scenario, Scenarios};
use super::report::{ScenarioReport, ScenarioResult};

/// What the scenario's contact names that the policy does not know: a channel it neither
/// declares nor has as a standard one, a fact neither a rule nor an urgency weight reads. Either would silently test
/// something else (a rule that never fires, the default `where`), as a misspelt topic would.
fn unknown_names(engine: &Engine, read: &[&str], scenario: &Scenario, out: &mut Vec<Mismatch>) {
    let contact = &scenario.contact;
    if engine.channel_ix(&contact.channel).is_none() {
        out.push(Mismatch {
            field: "contact.channel".to_owned(),
            expected: format!(
                "a channel of the policy ({})",
                crate::bounded::list(engine.parts().channels.items().iter().map(|c| &**c))
            ),
            actual: format!("`{}`", crate::bounded::cut(contact.channel.as_str())),
        });
    }
    // Bounded (issue 19): a binary search in `read` (sorted once per run), not a scan; at most
    // a few known facts listed, a suggestion under a budget of work, long names cut.
    let mut suggester = crate::bounded::Suggester::new(crate::compile::DEFAULT_MAX_SUGGESTION_WORK);
    for key in contact.facts.keys() {
        if read.binary_search(&key.as_str()).is_err() {
            let known = if read.is_empty() {
                "none".to_owned()
            } else {
                crate::bounded::list(read.iter().copied())
            };
            let closest = suggester
                .closest(read.iter().copied(), key)
                .map_or(String::new(), |k| {
                    format!("; did you mean `{}`?", crate::bounded::cut(k))
                });
            out.push(Mismatch {
                field: format!("contact.facts.{}", crate::bounded::cut(key)),
                expected: format!("a fact the policy reads ({known}){closest}"),
                actual: format!("`{}`", crate::bounded::cut(key)),
            });
        }
    }
}

/// The facts a policy reads (its rules' and its urgency weights'), sorted, once per run.
fn facts_read(engine: &Engine) -> Vec<&str> {
    let mut read: Vec<&str> = engine
        .parts()
        .fact_keys
        .items()
        .iter()
        .map(|k| &**k)
        .chain(engine.parts().urgency.fact_names())
        .collect();
    read.sort_unstable();
    read.dedup();
    read
}

fn mismatches(
    engine: &Engine,
    read: &[&str],
    scenario: &Scenario,
    d: &DecisionRecord,
) -> Vec<Mismatch> {
    let e = &scenario.expect;
    let mut out = Vec::new();
    unknown_names(engine, read, scenario, &mut out);
    out.extend(e.brief_mismatches(&d.brief()));
    compare(&mut out, "topic", e.topic.as_deref(), Some(&d.topic));
    compare(
        &mut out,
        "locale",
        e.locale.as_deref(),
        Some(&d.message.locale),
    );
    if let Some(a) = e.authority {
        if Some(a) != d.authority {
            out.push(Mismatch {
                field: "authority".to_owned(),
                expected: format!("`{a}`"),
                actual: shown(d.authority.map(Authority::as_str)),
            });
        }
    }
    if let Some(needle) = &e.text_contains {
        if !d.message.text.contains(needle.as_str()) {
            out.push(Mismatch {
                field: "text_contains".to_owned(),
                expected: format!("a text containing `{needle}`"),
                actual: format!("`{}`", d.message.text),
            });
        }
    }
    let f: &Flags = &d.flags;
    let ef = &e.flags;
    compare_flag(&mut out, "system_gap", ef.system_gap, f.system_gap);
    // A misspelt topic or role must not silently test the fallback.
    let fallback = ef
        .fallback_topic
        .or(scenario.contact.topic.as_ref().map(|_| false));
    compare_flag(&mut out, "fallback_topic", fallback, f.fallback_topic);
    // Likewise a misspelt locale must not silently test the default locale.
    let locale_fallback = ef
        .locale_fallback
        .or(scenario.contact.locale.as_ref().map(|_| false));
    compare_flag(
        &mut out,
        "locale_fallback",
        locale_fallback,
        f.locale_fallback,
    );
    compare_flag(
        &mut out,
        "unknown_responder",
        ef.unknown_responder.or(Some(false)),
        f.unknown_responder,
    );
    compare_flag(
        &mut out,
        "ladder_skipped",
        ef.ladder_skipped,
        f.ladder_skipped,
    );
    compare_flag(&mut out, "stale_key", ef.stale_key, f.stale_key);
    compare_flag(
        &mut out,
        "ambiguous_topic",
        ef.ambiguous_topic,
        f.ambiguous_topic,
    );
    // In the order of the `expect` fields, whichever part compared them (stable: the
    // contact's and the flags' keep theirs).
    out.sort_by_key(|m| field_order(&m.field));
    out
}

impl Engine {
    /// Runs every scenario: decides its contact with its responder and compares the decision
    /// with what it expects. Never fails; a failed scenario carries expected vs. actual per
    /// field and the explanation of the decision.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Engine, Outcome, Responder};
    /// use unified_message::scenario::{Expectation, Scenario, Scenarios};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let mut wrong = Scenario::new(
    ///     "a sales agent explains domain delegation (wrong on purpose)",
    ///     Contact::new("c-1", Channel::Phone).with_topic("domain.delegation"),
    ///     Responder::staff("sales-agent"),
    /// );
    /// wrong.expect = Expectation::outcome(Outcome::Answer);
    /// let mut scenarios = Scenarios::default();
    /// scenarios.scenarios.push(wrong);
    ///
    /// let report = engine.run_scenarios(&scenarios);
    /// assert!(!report.is_success());
    /// let failure = &report.results[0];
    /// assert_eq!(failure.mismatches[0].field, "outcome");
    /// assert_eq!(failure.mismatches[0].actual, "`redirect`");
    /// assert!(report.to_string().contains("why:"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_scenarios(&self, scenarios: &Scenarios) -> ScenarioReport {
        let read = facts_read(self);
        let results: Vec<ScenarioResult> = scenarios
            .scenarios
            .iter()
            .map(|s| {
                let explanation = self.explain(&s.contact, &s.responder);
                let decision = explanation.decision.to_record();
                let mismatches = mismatches(self, &read, s, &decision);
                let passed = mismatches.is_empty();
                ScenarioResult {
                    name: s.name.clone(),
                    location: s.location,
                    passed,
                    mismatches,
                    decision,
                    explanation: if passed {
                        Vec::new()
                    } else {
                        explanation.trail.iter().map(StepRecord::from).collect()
                    },
                }
            })
            .collect();
        let failed = results.iter().filter(|r| !r.passed).count();
        ScenarioReport {
            policy: self.name().to_owned(),
            revision: self.revision().to_owned(),
            passed: results.len() - failed,
            failed,
            results,
        }
    }
}
