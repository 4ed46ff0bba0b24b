//! Scenario tests: a policy repository's own cases, written as data (a TOML file of
//! `[[scenario]]` entries), run against an engine, each failure shown as expected vs. actual
//! with the explanation of the decision.
//!
//! [`Scenarios`] (also at the crate root) is a file of them; one [`Scenario`] holds a contact, a
//! responder and an [`Expectation`]; running them gives a [`ScenarioReport`] of
//! [`ScenarioResult`]s, each failure a list of [`Mismatch`]es.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::decision::{DecisionBrief, DecisionRecord, Flags, Outcome};
use crate::diagnostic::Location;
use crate::engine::Engine;
use crate::model::{Authority, Channel, Contact, Facts, Progress, Responder};

/// A file of scenario tests: the cases a policy must keep deciding as written.
///
/// Loaded from TOML by [`Scenarios::from_toml_str`] (or built in code), run by
/// [`Engine::run_scenarios`]. The format:
///
/// ```toml
/// [[scenario]]
/// name = "r0_8 sales does not explain domain delegation"
/// contact = { channel = "phone", topic = "domain.delegation", progress = "served" }
/// responder = { staff = "sales-agent" }
/// expect = { outcome = "route", department = "support" }
/// ```
///
/// `contact` takes the fields of a [`Contact`] (`customer` may be left out); `responder` is
/// `{ staff = "ROLE" }` or `{ system = "SYSTEM" }`; `expect` names any of `outcome`, `topic`,
/// `message`, `version`, `locale`, `system`, `department`, `rank`, `rule`, `authority`,
/// `text_contains` and `flags = { system_gap = true, … }`. An empty string expects the field
/// to be absent (`rule = ""`: no rule shaped the decision).
///
/// # Examples
///
/// ```
/// use unified_message::{Engine, Scenarios};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let scenarios = Scenarios::from_toml_str(r#"
///     [[scenario]]
///     name = "a person reached first points to the help centre"
///     contact = { channel = "phone", topic = "email.setup" }
///     responder = { staff = "support-agent" }
///     expect = { outcome = "redirect", system = "self-diagnosis" }
/// "#)?;
/// let report = engine.run_scenarios(&scenarios);
/// assert!(report.is_success(), "{report}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Scenarios {
    /// The scenarios, in file order.
    #[serde(rename = "scenario", default)]
    pub scenarios: Vec<Scenario>,
}

/// One scenario: a contact, who answers it, and what the decision must be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Scenario {
    /// A name that says what is being tested (name the requirement: `r0_5 …`).
    pub name: String,
    /// The contact.
    #[serde(deserialize_with = "contact_with_defaults")]
    pub contact: Contact,
    /// Who answers.
    pub responder: Responder,
    /// What the decision must be; fields left out are not checked.
    pub expect: Expectation,
    /// Where the scenario starts in its file, when loaded from TOML text.
    #[serde(skip)]
    pub location: Option<Location>,
}

impl Scenario {
    /// A scenario with no expectation yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, Expectation, Outcome, Responder, Scenario};
    ///
    /// let mut scenario = Scenario::new(
    ///     "billing answers an invoice once the systems failed",
    ///     Contact::new("c-1", Channel::Email).with_topic("billing.invoice"),
    ///     Responder::staff("billing-agent"),
    /// );
    /// scenario.expect = Expectation::outcome(Outcome::Redirect);
    /// ```
    pub fn new(name: impl Into<String>, contact: Contact, responder: Responder) -> Self {
        Scenario {
            name: name.into(),
            contact,
            responder,
            expect: Expectation::default(),
            location: None,
        }
    }
}

/// The contact of a scenario file: a [`Contact`] whose `customer` may be left out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactDoc {
    #[serde(default)]
    customer: Option<String>,
    channel: Channel,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    progress: Progress,
    #[serde(default)]
    facts: Facts,
    #[serde(default)]
    asks_for_superior: bool,
}

fn contact_with_defaults<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Contact, D::Error> {
    let doc = ContactDoc::deserialize(deserializer)?;
    Ok(Contact {
        customer: doc.customer.unwrap_or_else(|| "scenario".to_owned()),
        channel: doc.channel,
        topic: doc.topic,
        text: doc.text,
        locale: doc.locale,
        progress: doc.progress,
        facts: doc.facts,
        asks_for_superior: doc.asks_for_superior,
    })
}

/// What a scenario's decision must be. Every field left as `None` is not checked; a string
/// field set to `""` expects the decision to have no such value.
///
/// Its `outcome`, `message`, `version`, `system`, `department`, `rank` and `rule` are the
/// partial form of a [`DecisionBrief`], compared by [`Expectation::brief_mismatches`]; the
/// other fields check what a brief leaves out (the topic, the locale, the authority, the
/// rendered text, the flags).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Expectation {
    /// The outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The topic decided on (after triage or fallback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The message id (`handover.redirect`-style ids for handover texts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The message version, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The locale rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The system pointed to or spoken about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The department routed to, or whose ranks are climbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The rank that authorizes or takes over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// The rule that shaped the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The authority that applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    /// A piece of text the rendered message must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_contains: Option<String>,
    /// Flags that must be set (`true`) or clear (`false`).
    #[serde(default, skip_serializing_if = "ExpectedFlags::is_empty")]
    pub flags: ExpectedFlags,
}

impl Expectation {
    /// An expectation of just an outcome.
    pub fn outcome(outcome: Outcome) -> Self {
        Expectation {
            outcome: Some(outcome),
            ..Expectation::default()
        }
    }

    /// Whether nothing is expected (such a scenario could never fail).
    pub fn is_empty(&self) -> bool {
        *self == Expectation::default()
    }

    /// What this expectation says of the decision in brief (`outcome`, `message`, `version`,
    /// `system`, `department`, `rank`, `rule`) that `brief` does not bear out, one
    /// [`Mismatch`] per field in that order; the other fields are not compared here.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Channel, Contact, DecisionBrief, Engine, Expectation, Outcome, Responder};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let contact = Contact::new("c-1", Channel::Phone).with_topic("email.setup");
    /// let brief = DecisionBrief::from(&engine.decide(&contact, &Responder::staff("support-agent")));
    /// assert!(Expectation::outcome(Outcome::Redirect).brief_mismatches(&brief).is_empty());
    /// let wrong = Expectation::outcome(Outcome::Answer).brief_mismatches(&brief);
    /// assert_eq!((wrong[0].expected.as_str(), wrong[0].actual.as_str()), ("`answer`", "`redirect`"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn brief_mismatches(&self, brief: &DecisionBrief) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if let Some(o) = self.outcome {
            if o != brief.outcome {
                out.push(Mismatch {
                    field: "outcome".to_owned(),
                    expected: format!("`{o}`"),
                    actual: format!("`{}`", brief.outcome),
                });
            }
        }
        compare(
            &mut out,
            "message",
            self.message.as_deref(),
            Some(&brief.message),
        );
        if let Some(v) = self.version {
            if v != brief.version {
                out.push(Mismatch {
                    field: "version".to_owned(),
                    expected: v.to_string(),
                    actual: brief.version.to_string(),
                });
            }
        }
        for (field, expected, actual) in [
            ("system", &self.system, &brief.system),
            ("department", &self.department, &brief.department),
            ("rank", &self.rank, &brief.rank),
            ("rule", &self.rule, &brief.rule),
        ] {
            compare(&mut out, field, expected.as_deref(), actual.as_deref());
        }
        out
    }
}

/// The fields of `expect`, in the order a scenario's mismatches are listed (after those of
/// its contact).
const EXPECT_FIELDS: [&str; 12] = [
    "outcome",
    "topic",
    "message",
    "version",
    "locale",
    "system",
    "department",
    "rank",
    "rule",
    "authority",
    "text_contains",
    "flags",
];

/// Where a mismatch goes in a scenario's list: the contact's first, then by [`EXPECT_FIELDS`]
/// (`flags.*` with `flags`).
fn field_order(field: &str) -> usize {
    let head = field.split('.').next().unwrap_or(field);
    EXPECT_FIELDS
        .iter()
        .position(|f| *f == head)
        .map_or(0, |i| i + 1)
}

/// Flags a scenario expects set or clear; `None` is not checked.
///
/// `unknown_responder`, and `fallback_topic` and `locale_fallback` for a contact that names a
/// topic or a locale, are expected clear unless said otherwise, so that a misspelt role, topic
/// or locale fails the scenario instead of silently testing the fallback. (A channel or a fact
/// the policy does not know fails it too.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ExpectedFlags {
    /// See [`Flags::system_gap`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_gap: Option<bool>,
    /// See [`Flags::fallback_topic`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_topic: Option<bool>,
    /// See [`Flags::locale_fallback`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale_fallback: Option<bool>,
    /// See [`Flags::unknown_responder`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_responder: Option<bool>,
    /// See [`Flags::ladder_skipped`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ladder_skipped: Option<bool>,
}

impl ExpectedFlags {
    /// Whether no flag is expected.
    pub fn is_empty(&self) -> bool {
        *self == ExpectedFlags::default()
    }
}

/// Why a scenario file could not be loaded: what is wrong and, for TOML text, where.
///
/// # Examples
///
/// ```
/// use unified_message::Scenarios;
///
/// let err = Scenarios::from_toml_str("[[scenario]]\nname = \"x\"\ncontact = { chanel = \"phone\" }\n")
///     .unwrap_err();
/// assert_eq!(err.location().map(|l| l.line), Some(3));
/// assert!(err.message().contains("chanel"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", At(*.location))]
pub struct ScenarioError {
    message: String,
    location: Option<Location>,
}

impl ScenarioError {
    /// What is wrong, and what would fix it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The line and column in the scenario file, when known.
    pub fn location(&self) -> Option<Location> {
        self.location
    }
}

/// The start of a [`ScenarioError`]'s text: `line L, column C: `, or nothing.
struct At(Option<Location>);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(l) => write!(f, "line {}, column {}: ", l.line, l.column),
            None => Ok(()),
        }
    }
}

impl Scenarios {
    /// Parses a TOML file of `[[scenario]]` entries (see [`Scenarios`] for the format).
    ///
    /// # Errors
    ///
    /// A [`ScenarioError`] with line and column: TOML syntax, an unknown or missing field, a
    /// scenario with an empty `expect` (it could never fail), two scenarios with one name, or
    /// no scenario at all (an empty or comment-only file proves nothing).
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Scenarios;
    ///
    /// let err = Scenarios::from_toml_str("# to do\n").unwrap_err();
    /// assert!(err.message().contains("no `[[scenario]]`"), "{err}");
    /// ```
    #[cfg(feature = "toml")]
    pub fn from_toml_str(source: &str) -> Result<Scenarios, ScenarioError> {
        let mut scenarios: Scenarios = toml::from_str(source).map_err(|e| ScenarioError {
            message: crate::bounded::cut_quoted(format!(
                "{}; the scenario fields are `name`, `contact`, `responder` and `expect`",
                e.message().trim()
            )),
            location: e.span().map(|s| Location::of_offset(source, s.start)),
        })?;
        if scenarios.scenarios.is_empty() {
            return Err(ScenarioError {
                message: "the file has no `[[scenario]]` entry, so it proves nothing; add at least one scenario (`name`, `contact`, `responder`, `expect`)".to_owned(),
                location: None,
            });
        }
        let starts = scenario_starts(source);
        for (i, s) in scenarios.scenarios.iter_mut().enumerate() {
            s.location = starts.get(i).copied();
        }
        // A set, not a list: a file of 100,000 scenarios must not be quadratic to load.
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for s in &scenarios.scenarios {
            if s.expect.is_empty() {
                return Err(ScenarioError {
                    message: format!(
                        "scenario `{}` expects nothing, so it could never fail; add at least one field to its `expect`, such as `outcome`",
                        crate::bounded::cut(&s.name)
                    ),
                    location: s.location,
                });
            }
            if !seen.insert(s.name.as_str()) {
                return Err(ScenarioError {
                    message: format!(
                        "two scenarios are named `{}`; give each a name of its own so that a failure says which one",
                        crate::bounded::cut(&s.name)
                    ),
                    location: s.location,
                });
            }
        }
        Ok(scenarios)
    }

    /// [`Scenarios::from_toml_str`] for a file read as bytes: bytes that are not UTF-8 are an
    /// error at the line and column of the first bad one; a byte-order mark is skipped.
    ///
    /// # Errors
    ///
    /// A [`ScenarioError`], as for [`Scenarios::from_toml_str`], or text that is not UTF-8.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Scenarios;
    ///
    /// let err = Scenarios::from_toml_slice(b"[[scenario]]\nname = \"caf\xe9\"\n").unwrap_err();
    /// assert_eq!(err.location().map(|l| (l.line, l.column)), Some((2, 12)));
    /// ```
    #[cfg(feature = "toml")]
    pub fn from_toml_slice(source: &[u8]) -> Result<Scenarios, ScenarioError> {
        let source = source.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(source);
        match std::str::from_utf8(source) {
            Ok(text) => Scenarios::from_toml_str(text),
            Err(e) => {
                let valid = source
                    .get(..e.valid_up_to())
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .unwrap_or("");
                Err(ScenarioError {
                    message: format!(
                        "the scenario file is not valid UTF-8: byte {} cannot start or continue a character; save the file as UTF-8",
                        e.valid_up_to() + 1
                    ),
                    location: Some(Location::of_offset(valid, valid.len())),
                })
            }
        }
    }

    /// The number of scenarios.
    pub fn len(&self) -> usize {
        self.scenarios.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.scenarios.is_empty()
    }
}

/// Where each `[[scenario]]` entry starts in TOML text.
#[cfg(feature = "toml")]
fn scenario_starts(source: &str) -> Vec<Location> {
    use toml::de::{DeTable, DeValue};
    let Ok(root) = DeTable::parse(source) else {
        return Vec::new();
    };
    let Some(array) = root
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "scenario")
        .and_then(|(_, v)| match v.get_ref() {
            DeValue::Array(a) => Some(a),
            _ => None,
        })
    else {
        return Vec::new();
    };
    // One pass over the text for every start (they come in order): locating each from the
    // beginning of the file made 20,000 scenarios quadratic.
    let mut locations = Vec::with_capacity(array.len());
    let (mut at, mut line, mut column) = (0, 1, 1);
    for item in array.iter() {
        let offset = item.span().start.clamp(at, source.len());
        let between = source.get(at..offset).unwrap_or("");
        match between.rfind('\n') {
            Some(last) => {
                line += between.matches('\n').count();
                column = between.get(last + 1..).map_or(0, |s| s.chars().count()) + 1;
            }
            None => column += between.chars().count(),
        }
        at = offset;
        locations.push(Location { line, column });
    }
    locations
}

/// One expected field that the decision did not have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mismatch {
    /// The field of `expect` (`outcome`, `flags.system_gap`).
    pub field: String,
    /// What the scenario expected (`(none)` for an expected absence).
    pub expected: String,
    /// What the decision had (`(none)` when absent).
    pub actual: String,
}

/// The result of one scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: String,
    /// Where the scenario starts in its file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Whether every expectation held.
    pub passed: bool,
    /// Every expectation that did not hold; empty when passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<Mismatch>,
    /// The decision made.
    pub decision: DecisionRecord,
    /// For a failure: the steps behind the decision ([`Engine::explain`]), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanation: Vec<String>,
}

/// What [`Engine::run_scenarios`] found: one result per scenario, in file order.
///
/// `Display` prints one line per scenario and, for each failure, expected vs. actual per
/// field and the explanation of the decision; serde gives the same as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScenarioReport {
    /// The policy's name.
    pub policy: String,
    /// The policy's revision.
    pub revision: String,
    /// How many scenarios passed.
    pub passed: usize,
    /// How many failed.
    pub failed: usize,
    /// One result per scenario.
    pub results: Vec<ScenarioResult>,
}

impl ScenarioReport {
    /// Whether every scenario passed, and there was at least one: a report of no scenarios
    /// proves nothing, so it is not a success.
    pub fn is_success(&self) -> bool {
        self.failed == 0 && !self.results.is_empty()
    }

    /// The failed scenarios.
    pub fn failures(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.results.iter().filter(|r| !r.passed)
    }
}

impl fmt::Display for ScenarioReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            let at = r
                .location
                .map(|l| format!(" (line {})", l.line))
                .unwrap_or_default();
            if r.passed {
                writeln!(f, "ok    {}", r.name)?;
                continue;
            }
            writeln!(f, "FAIL  {}{at}", r.name)?;
            let width = r
                .mismatches
                .iter()
                .map(|m| m.field.len())
                .max()
                .unwrap_or(0);
            for m in &r.mismatches {
                writeln!(
                    f,
                    "      {:width$}  expected {}, got {}",
                    m.field, m.expected, m.actual
                )?;
            }
            writeln!(f, "      why:")?;
            for (i, step) in r.explanation.iter().enumerate() {
                writeln!(f, "        {}. {step}", i + 1)?;
            }
        }
        if self.results.is_empty() {
            return f
                .write_str("0 scenarios: nothing was tested, which proves nothing (a failure)");
        }
        write!(
            f,
            "{} scenario{}: {} passed, {} failed",
            self.results.len(),
            if self.results.len() == 1 { "" } else { "s" },
            self.passed,
            self.failed
        )
    }
}

fn shown(value: Option<&str>) -> String {
    match value {
        Some(v) if !v.is_empty() => format!("`{v}`"),
        _ => "(none)".to_owned(),
    }
}

/// Compares one optional string field; `""` expects absence.
fn compare(out: &mut Vec<Mismatch>, field: &str, expected: Option<&str>, actual: Option<&str>) {
    let Some(expected) = expected else { return };
    let actual_value = actual.unwrap_or("");
    if expected != actual_value {
        out.push(Mismatch {
            field: field.to_owned(),
            expected: shown(Some(expected)),
            actual: shown(actual),
        });
    }
}

fn compare_flag(out: &mut Vec<Mismatch>, field: &str, expected: Option<bool>, actual: bool) {
    if let Some(expected) = expected {
        if expected != actual {
            out.push(Mismatch {
                field: format!("flags.{field}"),
                expected: expected.to_string(),
                actual: actual.to_string(),
            });
        }
    }
}

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
    /// use unified_message::{Channel, Contact, Engine, Expectation, Outcome, Responder, Scenario, Scenarios};
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
                        let verdict = explanation.to_string();
                        let mut steps = explanation.steps.clone();
                        steps.extend(verdict.lines().last().map(str::to_owned));
                        steps
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
