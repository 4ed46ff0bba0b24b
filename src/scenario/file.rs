//! A scenario file: [`Scenarios`] and its [`Scenario`]s, and how one is loaded from TOML
//! ([`ScenarioError`] when it cannot be).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::diagnostic::Location;
use crate::model::{Channel, Contact, Facts, Progress, Responder};

use super::expect::Expectation;

/// A file of scenario tests: the cases a policy must keep deciding as written.
///
/// Loaded from TOML by [`Scenarios::from_toml_str`] (or built in code), run by
/// [`Engine::run_scenarios`](crate::Engine::run_scenarios). The format:
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
/// use unified_message::Engine;
/// use unified_message::scenario::Scenarios;
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
    /// use unified_message::{Channel, Contact, Outcome, Responder};
    /// use unified_message::scenario::{Expectation, Scenario};
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

/// Why a scenario file could not be loaded: what is wrong and, for TOML text, where.
///
/// # Examples
///
/// ```
/// use unified_message::scenario::Scenarios;
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
    /// scenario with an empty `expect` or `text_contains = ""` (it could never fail), two scenarios with one name, or
    /// no scenario at all (an empty or comment-only file proves nothing).
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::scenario::Scenarios;
    ///
    /// let err = Scenarios::from_toml_str("# to do\n").unwrap_err();
    /// assert!(err.message().contains("no `[[scenario]]`"), "{err}");
    /// ```
    #[cfg(feature = "toml")]
    pub fn from_toml_str(source: &str) -> Result<Scenarios, ScenarioError> {
        // A fact the parser would read rounded tests another value (issue 25 point 5).
        if let Some((at, number)) = crate::model::inexact_number(source, true) {
            return Err(ScenarioError {
                message: format!(
                    "the number `{}` has more significant digits than a number can keep exactly (15): it would be read as another number; write it as a string, in quotes",
                    crate::bounded::cut(number)
                ),
                location: Some(Location::of_offset(source, at)),
            });
        }
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
            if s.expect.text_contains.as_deref() == Some("") {
                return Err(ScenarioError {
                    message: format!(
                        "scenario `{}` expects `text_contains = \"\"`, which every text contains, so it could never fail; write a piece of the text the message must contain, or leave `text_contains` out",
                        crate::bounded::cut(&s.name)
                    ),
                    location: text_contains_location(source, s.location).or(s.location),
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
    /// use unified_message::scenario::Scenarios;
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

/// Where the first `text_contains` after the scenario that starts at `start` is written, for
/// an error about it (`None`: not found, the scenario's own location is used).
#[cfg(feature = "toml")]
fn text_contains_location(source: &str, start: Option<Location>) -> Option<Location> {
    let start = start?;
    let from: usize = source
        .split_inclusive('\n')
        .take(start.line.saturating_sub(1))
        .map(str::len)
        .sum();
    let at = source.get(from..)?.find("text_contains")?;
    Some(Location::of_offset(source, from + at))
}
