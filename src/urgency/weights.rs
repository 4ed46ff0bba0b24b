//! The compiled `[urgency]` weights of an engine, and their validation: data below the
//! engine's parts, importing nothing that reads an engine.

use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::document::UrgencyDoc;

/// Points when a fact equals a value.
#[derive(Debug)]
pub(super) struct FactWeight {
    pub(super) fact: Box<str>,
    pub(super) equals: Box<str>,
    pub(super) points: f64,
}

/// Points per unit of a numeric fact, up to a cap in magnitude.
#[derive(Debug)]
pub(super) struct CountWeight {
    pub(super) fact: Box<str>,
    pub(super) per: f64,
    pub(super) max: Option<f64>,
}

/// The compiled urgency weights.
#[derive(Debug)]
pub(crate) struct Weights {
    pub(super) facts: Box<[FactWeight]>,
    pub(super) counts: Box<[CountWeight]>,
    /// Points per unit of the topic's severity.
    pub(super) severity: f64,
}

impl Weights {
    /// Every fact the weights read.
    pub(crate) fn fact_names(&self) -> impl Iterator<Item = &str> {
        self.facts
            .iter()
            .map(|w| &*w.fact)
            .chain(self.counts.iter().map(|w| &*w.fact))
    }
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            facts: Box::new([]),
            counts: Box::new([]),
            severity: 1.0,
        }
    }
}

/// Checks that `value` is finite, reporting a `bad-number` error at `path` otherwise.
fn finite(value: f64, path: DocPath, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
    if value.is_finite() {
        return true;
    }
    diags.push(Diagnostic::error(
        Code::BadNumber,
        path,
        format!("{what} `{value}` is not a finite number"),
        "use a number such as `10`",
    ));
    false
}

fn non_empty_fact(fact: &str, path: DocPath, diags: &mut Vec<Diagnostic>) -> bool {
    if !fact.trim().is_empty() {
        return true;
    }
    diags.push(Diagnostic::error(
        Code::EmptyFact,
        path,
        "an urgency weight names no fact".to_owned(),
        "name the fact the host supplies, such as `plan` or `recent_contacts`",
    ));
    false
}

impl Weights {
    /// Validates and compiles `[urgency]`: finite numbers, caps not negative, facts named.
    pub(crate) fn build(doc: Option<&UrgencyDoc>, diags: &mut Vec<Diagnostic>) -> Weights {
        let Some(doc) = doc else {
            return Weights::default();
        };
        let upath = DocPath::root().key("urgency");
        let mut facts = Vec::with_capacity(doc.facts.len());
        for (i, w) in doc.facts.iter().enumerate() {
            let p = upath.key("facts").index(i);
            let named = non_empty_fact(&w.fact, p.key("fact"), diags);
            if finite(w.points, p.key("points"), "points", diags) && named {
                facts.push(FactWeight {
                    fact: w.fact.as_str().into(),
                    equals: w.equals.as_str().into(),
                    points: w.points,
                });
            }
        }
        let mut counts = Vec::with_capacity(doc.counts.len());
        for (i, w) in doc.counts.iter().enumerate() {
            let p = upath.key("counts").index(i);
            let named = non_empty_fact(&w.fact, p.key("fact"), diags);
            let per_ok = finite(w.per, p.key("per"), "points per unit", diags);
            let max_ok = match w.max {
                None => true,
                Some(max) if max.is_finite() && max >= 0.0 => true,
                Some(max) => {
                    diags.push(Diagnostic::error(
                        Code::BadNumber,
                        p.key("max"),
                        format!("cap `{max}` is not a finite number of at least 0"),
                        "use the most points this fact may add, such as `25`, or remove `max`",
                    ));
                    false
                }
            };
            if named && per_ok && max_ok {
                counts.push(CountWeight {
                    fact: w.fact.as_str().into(),
                    per: w.per,
                    max: w.max,
                });
            }
        }
        let severity = match doc.severity {
            None => 1.0,
            Some(s) if finite(s, upath.key("severity"), "severity weight", diags) => s,
            Some(_) => 1.0,
        };
        Weights {
            facts: facts.into(),
            counts: counts.into(),
            severity,
        }
    }
}
