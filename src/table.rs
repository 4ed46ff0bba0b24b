//! The decision table (every circumstance and what the policy says in it, as CSV or Markdown)
//! and the service manual per department (R2.2, R2.6), both generated from the compiled
//! engine, so they say exactly what the systems and staff do.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::compile::pattern_specificity;
use crate::decision::{Decision, Flags, Outcome};
use crate::engine::{Engine, Handover, Ix, NONE, Rule, TierRef};
use crate::model::{Authority, Channel, Contact, Facts, Progress, Responder, Tier};
use crate::template::Builtin;

/// The whole decision table of a policy: every topic × progress × responder × request for a
/// superior, with what the policy decides.
///
/// Channels collapse: a row whose `channels` is empty holds on every channel; when a rule
/// makes a channel decide differently, the circumstance gets one row per group of channels
/// that agree. Facts that rules mention add a row only where they change the decision. A
/// system ignores a request for a superior, so systems get no such rows unless a rule makes
/// one differ.
///
/// # Examples
///
/// ```
/// use unified_message::{Engine, Outcome};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let table = engine.decision_table();
/// let row = table.rows.iter().find(|r| {
///     r.topic == "domain.delegation" && r.responder.to_string() == "staff role `sales-agent`"
///         && r.progress == unified_message::Progress::Served && !r.asks_for_superior
/// }).unwrap();
/// assert_eq!(row.outcome, Outcome::Route);
/// assert_eq!(row.department.as_deref(), Some("support"));
/// assert!(table.to_markdown().contains("| served | staff `sales-agent` |"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecisionTable {
    /// The policy's name.
    pub policy: String,
    /// The policy's revision.
    pub revision: String,
    /// The rows, by topic (document order), progress, responder (systems, then roles, in
    /// document order), request for a superior, facts and channels.
    pub rows: Vec<TableRow>,
}

/// One circumstance of a [`DecisionTable`] and its decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TableRow {
    /// The topic.
    pub topic: String,
    /// The customer's progress on the ladder.
    pub progress: Progress,
    /// Who answers.
    pub responder: Responder,
    /// The channels this row holds on; empty: every channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// Facts of the contact (only facts that rules mention, and only where they matter).
    #[serde(default, skip_serializing_if = "Facts::is_empty")]
    pub facts: Facts,
    /// Whether the customer asks for a superior.
    pub asks_for_superior: bool,
    /// The outcome.
    pub outcome: Outcome,
    /// The message id.
    pub message: String,
    /// The message version.
    pub version: u32,
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
    /// Flags of the decision.
    #[serde(default)]
    pub flags: Flags,
}

/// The column names of the CSV form, in order.
pub const TABLE_COLUMNS: [&str; 16] = [
    "topic",
    "progress",
    "responder",
    "channels",
    "facts",
    "asks_for_superior",
    "outcome",
    "message",
    "version",
    "system",
    "department",
    "rank",
    "rule",
    "authority",
    "system_gap",
    "ladder_skipped",
];

/// What a decision is, for comparing circumstances: everything but the rendering.
type Key<'e> = (
    Outcome,
    &'e str,
    u32,
    Option<&'e str>,
    Option<&'e str>,
    Option<&'e str>,
    Option<&'e str>,
    Option<Authority>,
    Flags,
);

fn key<'e>(d: &Decision<'e>) -> Key<'e> {
    (
        d.outcome(),
        d.message_id(),
        d.version(),
        d.system().map(|s| s.id),
        d.department(),
        d.rank(),
        d.rule(),
        d.authority(),
        d.flags(),
    )
}

fn responder_cell(r: &Responder) -> String {
    match r {
        Responder::System(id) => format!("system `{id}`"),
        Responder::Staff(id) => format!("staff `{id}`"),
        #[expect(unreachable_patterns, reason = "`Responder` is non-exhaustive")]
        other => other.to_string(),
    }
}

fn responder_plain(r: &Responder) -> String {
    match r {
        Responder::System(id) => format!("system:{id}"),
        Responder::Staff(id) => format!("staff:{id}"),
        #[expect(unreachable_patterns, reason = "`Responder` is non-exhaustive")]
        other => other.to_string(),
    }
}

fn facts_cell(facts: &Facts) -> String {
    facts
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl TableRow {
    /// The row's cells, in the order of [`TABLE_COLUMNS`].
    pub fn cells(&self) -> [String; 16] {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        [
            self.topic.clone(),
            self.progress.to_string(),
            responder_plain(&self.responder),
            self.channels.join(", "),
            facts_cell(&self.facts),
            self.asks_for_superior.to_string(),
            self.outcome.to_string(),
            self.message.clone(),
            self.version.to_string(),
            opt(&self.system),
            opt(&self.department),
            opt(&self.rank),
            opt(&self.rule),
            self.authority.map(|a| a.to_string()).unwrap_or_default(),
            self.flags.system_gap.to_string(),
            self.flags.ladder_skipped.to_string(),
        ]
    }
}

/// Escapes a Markdown table cell: pipes and line breaks.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

/// A code span for a Markdown table cell; empty text stays empty.
fn md_code(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("`{}`", md_cell(text))
    }
}

/// A stable anchor id: lowercase ASCII letters and digits, everything else `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

impl DecisionTable {
    /// The table as CSV (RFC 4180: fields with commas, quotes or line breaks are quoted), with
    /// a header row of [`TABLE_COLUMNS`]. An empty optional value is an empty field; a list of
    /// channels or facts is one field, comma-separated.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let csv = engine.decision_table().to_csv();
    /// assert!(csv.starts_with("topic,progress,responder,channels,facts,"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "csv")]
    pub fn to_csv(&self) -> String {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        // Writing to memory cannot fail; a failure would only shorten the output.
        let _ = writer.write_record(TABLE_COLUMNS);
        for row in &self.rows {
            let _ = writer.write_record(row.cells());
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// The table as Markdown: an index of topics, then one table per topic. Deterministic.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = self.write_markdown(&mut out);
        out
    }

    fn write_markdown(&self, out: &mut String) -> fmt::Result {
        writeln!(out, "# Decision table — {}", self.policy)?;
        writeln!(out)?;
        writeln!(
            out,
            "Revision `{}` · {} rows. Every topic × progress × responder × request for a superior; \
             an empty channel cell means every channel, and facts appear only where a rule makes them matter.",
            self.revision,
            self.rows.len()
        )?;
        let mut topics: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !topics.contains(&r.topic.as_str()) {
                topics.push(&r.topic);
            }
        }
        writeln!(out)?;
        writeln!(out, "## Index")?;
        writeln!(out)?;
        for t in &topics {
            writeln!(out, "- [`{t}`](#table-{})", slug(t))?;
        }
        for t in &topics {
            writeln!(out)?;
            writeln!(out, "<a id=\"table-{}\"></a>", slug(t))?;
            writeln!(out)?;
            writeln!(out, "## `{t}`")?;
            writeln!(out)?;
            writeln!(
                out,
                "| progress | responder | channels | facts | asks for superior | outcome | message | version | system | department | rank | rule | authority | flags |"
            )?;
            writeln!(
                out,
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
            )?;
            for r in self.rows.iter().filter(|r| r.topic == *t) {
                let mut flags = Vec::new();
                if r.flags.system_gap {
                    flags.push("system_gap");
                }
                if r.flags.ladder_skipped {
                    flags.push("ladder_skipped");
                }
                let opt = |o: &Option<String>| md_code(o.as_deref().unwrap_or(""));
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    r.progress,
                    md_cell(&responder_cell(&r.responder)),
                    md_cell(&r.channels.join(", ")),
                    md_code(&facts_cell(&r.facts)),
                    if r.asks_for_superior { "yes" } else { "no" },
                    r.outcome,
                    md_code(&r.message),
                    r.version,
                    opt(&r.system),
                    opt(&r.department),
                    opt(&r.rank),
                    opt(&r.rule),
                    r.authority.map(|a| a.to_string()).unwrap_or_default(),
                    flags.join(", ")
                )?;
            }
        }
        Ok(())
    }
}

/// The fact values the rules that can apply to topic `t` mention, by key, in document order.
fn rule_facts(engine: &Engine, t: Ix) -> Vec<(String, Vec<String>)> {
    let mut facts: Vec<(String, Vec<String>)> = Vec::new();
    for &r in engine.rules_for(t) {
        let Some(rule) = engine.rules.get(r as usize) else {
            continue;
        };
        for (k, values) in rule.facts.iter() {
            let Some(key) = engine.fact_keys.get(*k as usize) else {
                continue;
            };
            let i = match facts.iter().position(|(name, _)| **name == **key) {
                Some(i) => i,
                None => {
                    facts.push((key.to_string(), Vec::new()));
                    facts.len() - 1
                }
            };
            if let Some((_, known)) = facts.get_mut(i) {
                for v in values.iter() {
                    if let Some(value) = engine.fact_values.get(*v as usize) {
                        if !known.iter().any(|x| **x == **value) {
                            known.push(value.to_string());
                        }
                    }
                }
            }
        }
    }
    facts
}

/// Every assignment of the given facts (each absent or one of its values); the first is
/// "all absent".
fn assignments(facts: &[(String, Vec<String>)]) -> Vec<Facts> {
    let mut out = vec![Facts::new()];
    for (key, values) in facts {
        let mut next = Vec::with_capacity(out.len() * (values.len() + 1));
        for base in &out {
            next.push(base.clone());
            for v in values {
                let mut f = base.clone();
                f.insert(key.clone(), v.clone());
                next.push(f);
            }
        }
        out = next;
    }
    out
}

impl Engine {
    /// The whole decision table (see [`DecisionTable`]).
    pub fn decision_table(&self) -> DecisionTable {
        let channels: Vec<Channel> = self.channels.iter().map(|c| Channel::from(&**c)).collect();
        let responders: Vec<Responder> = self
            .systems()
            .map(Responder::system)
            .chain(self.roles().map(Responder::staff))
            .collect();
        let mut rows = Vec::new();
        for (t, topic) in self.topics.iter().enumerate() {
            let facts = assignments(&rule_facts(self, t as Ix));
            for progress in Progress::ALL {
                for responder in &responders {
                    let mut unasked: Vec<Vec<Key<'_>>> = Vec::new();
                    for asks in [false, true] {
                        let decided: Vec<(&Facts, Vec<Decision<'_>>)> = facts
                            .iter()
                            .map(|f| {
                                let decisions = channels
                                    .iter()
                                    .map(|channel| {
                                        let mut c = Contact::new("table", channel.clone())
                                            .with_topic(&*topic.id)
                                            .with_progress(progress);
                                        c.facts = f.clone();
                                        c.asks_for_superior = asks;
                                        self.decide(&c, responder)
                                    })
                                    .collect();
                                (f, decisions)
                            })
                            .collect();
                        let keys: Vec<Vec<Key<'_>>> = decided
                            .iter()
                            .map(|(_, ds)| ds.iter().map(key).collect())
                            .collect();
                        if !asks {
                            unasked = keys.clone();
                        } else if matches!(responder, Responder::System(_)) && keys == unasked {
                            // A system ignores a request for a superior: no rows unless a
                            // rule makes it differ.
                            continue;
                        }
                        let base = keys.first();
                        for (i, ((f, decisions), k)) in decided.iter().zip(&keys).enumerate() {
                            if i > 0 && Some(k) == base {
                                continue;
                            }
                            push_groups(&mut rows, &channels, decisions, k, |d| TableRow {
                                topic: topic.id.to_string(),
                                progress,
                                responder: responder.clone(),
                                channels: Vec::new(),
                                facts: (*f).clone(),
                                asks_for_superior: asks,
                                outcome: d.outcome(),
                                message: d.message_id().to_owned(),
                                version: d.version(),
                                system: d.system().map(|s| s.id.to_owned()),
                                department: d.department().map(str::to_owned),
                                rank: d.rank().map(str::to_owned),
                                rule: d.rule().map(str::to_owned),
                                authority: d.authority(),
                                flags: d.flags(),
                            });
                        }
                    }
                }
            }
        }
        DecisionTable {
            policy: self.name().to_owned(),
            revision: self.revision().to_owned(),
            rows,
        }
    }
}

/// One row per group of channels that agree; a single group holds on every channel.
fn push_groups<'e>(
    rows: &mut Vec<TableRow>,
    channels: &[Channel],
    decisions: &[Decision<'e>],
    keys: &[Key<'e>],
    row: impl Fn(&Decision<'e>) -> TableRow,
) {
    let mut groups: Vec<(Key<'e>, &Decision<'e>, Vec<String>)> = Vec::new();
    for ((k, d), c) in keys.iter().zip(decisions).zip(channels) {
        match groups.iter_mut().find(|(g, _, _)| g == k) {
            Some((_, _, names)) => names.push(c.to_string()),
            None => groups.push((*k, d, vec![c.to_string()])),
        }
    }
    let single = groups.len() == 1;
    for (_, d, names) in groups {
        let mut r = row(d);
        if !single {
            r.channels = names;
        }
        rows.push(r);
    }
}

/// Why a service manual could not be written.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let err = engine.manual(Some("suport"), "es").unwrap_err();
/// assert!(err.to_string().contains("`support`"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualError {
    department: String,
    known: Vec<String>,
}

impl fmt::Display for ManualError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown department `{}`; the policy's departments are {}",
            self.department,
            self.known
                .iter()
                .map(|d| format!("`{d}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl std::error::Error for ManualError {}

impl Engine {
    /// The service manual (R2.2, R2.6) in Markdown, for one department (its own topics in
    /// full, then what its staff do with other departments' topics) or, with `None`, for the
    /// whole company. Texts are in `locale` (the default locale when it is not declared).
    ///
    /// Per topic: the ladder and what each tier says (system, where, the message text), who
    /// may answer and with what authority, the rank chain up to the review, and the rules
    /// that touch it; then the handover texts, the words never to use with their reasons, and
    /// every rule with its `why`. Headings and an index; the output is deterministic.
    ///
    /// # Errors
    ///
    /// [`ManualError`] when `department` is not in the policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let manual = engine.manual(Some("billing"), "en")?;
    /// assert!(manual.starts_with("# Service manual — Acme Hosting"));
    /// assert!(manual.contains("## Index"));
    /// assert!(manual.contains("`billing.refund`"));
    /// assert!(manual.contains("eso no nos compete"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn manual(&self, department: Option<&str>, locale: &str) -> Result<String, ManualError> {
        let dept = match department {
            None => None,
            Some(d) => match self.department_index.get(d) {
                Some(&i) => Some(i),
                None => {
                    return Err(ManualError {
                        department: d.to_owned(),
                        known: self.departments().map(str::to_owned).collect(),
                    });
                }
            },
        };
        let (locale, _) =
            self.locale_of(&Contact::new("manual", Channel::Phone).with_locale(locale));
        let mut out = String::new();
        let _ = Manual {
            engine: self,
            dept,
            locale,
        }
        .write(&mut out);
        Ok(out)
    }
}

struct Manual<'e> {
    engine: &'e Engine,
    dept: Option<Ix>,
    locale: Ix,
}

const SEC_HOW: &str = "how-we-answer";
const SEC_TOPICS: &str = "topics";
const SEC_OTHERS: &str = "other-departments-topics";
const SEC_HANDOVER: &str = "handing-the-customer-on";
const SEC_RANKS: &str = "the-rank-chain";
const SEC_FORBIDDEN: &str = "words-and-phrases-never-to-use";
const SEC_RULES: &str = "rules";

impl<'e> Manual<'e> {
    fn department_name(&self, d: Ix) -> String {
        self.engine
            .departments
            .get(d as usize)
            .map_or_else(String::new, |d| format!("{} (`{}`)", d.name, d.id))
    }

    fn own_topics(&self) -> Vec<Ix> {
        (0..self.engine.topics.len() as Ix)
            .filter(|&t| {
                self.dept.is_none_or(|d| {
                    self.engine
                        .topics
                        .get(t as usize)
                        .is_some_and(|topic| topic.owner == d)
                })
            })
            .collect()
    }

    fn other_topics(&self) -> Vec<Ix> {
        match self.dept {
            None => Vec::new(),
            Some(d) => (0..self.engine.topics.len() as Ix)
                .filter(|&t| {
                    self.engine
                        .topics
                        .get(t as usize)
                        .is_some_and(|topic| topic.owner != d)
                })
                .collect(),
        }
    }

    fn roles(&self) -> Vec<Ix> {
        (0..self.engine.roles.len() as Ix)
            .filter(|&r| {
                self.dept.is_none_or(|d| {
                    self.engine
                        .roles
                        .get(r as usize)
                        .is_some_and(|role| role.department == d)
                })
            })
            .collect()
    }

    /// The text of message `m` (current version) in the manual's locale, with `{system}` and
    /// `{where}` filled for `system` (its web address, else its first entry: every entry is
    /// listed beside the text) and host placeholders shown as `{name}`.
    fn text(&self, m: Ix, system: Ix) -> String {
        let e = self.engine;
        let Some(template) = e
            .messages
            .get(m as usize)
            .and_then(|msg| msg.version(msg.current()))
            .and_then(|v| v.text(self.locale as usize, NONE))
        else {
            return String::new();
        };
        let sys = e.systems.get(system as usize);
        let web = e.channel_ix(&Channel::Web);
        let values: BTreeMap<String, String> = e
            .placeholders
            .iter()
            .map(|p| (p.to_string(), format!("{{{p}}}")))
            .collect();
        let mut out = String::new();
        let _ = template.render(
            &mut out,
            &|b, o| match b {
                Builtin::System => o.push_str(sys.map_or("{system}", |s| &s.name)),
                Builtin::Where => o.push_str(sys.map_or("{where}", |s| s.where_for(web))),
                other => {
                    o.push('{');
                    o.push_str(other.name());
                    o.push('}');
                }
            },
            &values,
        );
        out
    }

    fn source(&self, m: Ix) -> String {
        self.engine
            .messages
            .get(m as usize)
            .and_then(|msg| msg.version(msg.current()))
            .and_then(|v| v.text(self.locale as usize, NONE))
            .map_or_else(String::new, |t| t.source().to_owned())
    }

    fn version(&self, m: Ix) -> u32 {
        self.engine
            .messages
            .get(m as usize)
            .map_or(0, |m| m.current())
    }

    fn quote(out: &mut String, text: &str) -> fmt::Result {
        for line in text.lines() {
            writeln!(out, "   > {line}")?;
        }
        Ok(())
    }

    fn write(&self, out: &mut String) -> fmt::Result {
        let e = self.engine;
        writeln!(out, "# Service manual — {}", e.name)?;
        writeln!(out)?;
        writeln!(
            out,
            "<!-- Generated by unified-message from the policy; edit the policy, not this file. -->"
        )?;
        writeln!(out)?;
        let scope = match self.dept {
            Some(d) => format!("department {}", self.department_name(d)),
            None => "every department".to_owned(),
        };
        writeln!(
            out,
            "Revision `{}` · locale `{}` · {scope}.",
            e.revision,
            e.locale_id(self.locale)
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "Every channel, chatbot and person gives the texts below for the same circumstance (R0.1): \
             this manual is generated from the same policy the systems run."
        )?;
        writeln!(out)?;
        self.index(out)?;
        self.how(out)?;
        writeln!(out)?;
        writeln!(out, "<a id=\"{SEC_TOPICS}\"></a>")?;
        writeln!(out)?;
        writeln!(out, "## Topics")?;
        for t in self.own_topics() {
            self.topic(out, t)?;
        }
        if self.dept.is_some() {
            self.others(out)?;
        }
        self.handover(out)?;
        self.ranks(out)?;
        self.forbidden(out)?;
        self.rules(out)
    }

    fn index(&self, out: &mut String) -> fmt::Result {
        let e = self.engine;
        writeln!(out, "## Index")?;
        writeln!(out)?;
        writeln!(out, "1. [How we answer](#{SEC_HOW})")?;
        writeln!(out, "2. [Topics](#{SEC_TOPICS})")?;
        for t in self.own_topics() {
            let id = e.topic_id(t);
            writeln!(out, "   - [`{id}`](#topic-{})", slug(id))?;
        }
        let mut n = 3;
        if self.dept.is_some() {
            writeln!(out, "{n}. [Other departments' topics](#{SEC_OTHERS})")?;
            n += 1;
        }
        for (title, anchor) in [
            ("Handing the customer on", SEC_HANDOVER),
            ("The rank chain", SEC_RANKS),
            ("Words and phrases never to use", SEC_FORBIDDEN),
            ("Rules", SEC_RULES),
        ] {
            writeln!(out, "{n}. [{title}](#{anchor})")?;
            n += 1;
        }
        Ok(())
    }

    fn how(&self, out: &mut String) -> fmt::Result {
        writeln!(out)?;
        writeln!(out, "<a id=\"{SEC_HOW}\"></a>")?;
        writeln!(out)?;
        writeln!(out, "## How we answer")?;
        writeln!(out)?;
        for line in [
            "1. **The ladder (R0.4).** The first contact is always a system that explains; then a system that serves; a person last.",
            "2. **A person reached too early (R0.5)** does not answer in the systems' place: they point the customer to the system with the handover text of this manual, framed as the customer's benefit.",
            "3. **Systems exhausted (R0.6, R0.9).** A person answers with the canonical answer below, and reports the gap so that the system gets fixed.",
            "4. **Authority (R4.3).** `own`: answer now. `consensual`: route to the owning department, with everything the customer said. `authorized`: request the approver's authorization and follow it up.",
            "5. **There is always a superior (R3.3).** A customer who asks for one gets the next rank; above the top rank, a review of the whole conversation.",
        ] {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    fn tier_line(&self, out: &mut String, n: usize, tier: Tier, tr: TierRef) -> fmt::Result {
        let e = self.engine;
        let what = match tier {
            Tier::Explains => "A system that explains",
            _ => "A system that serves",
        };
        match e.systems.get(tr.system as usize) {
            Some(s) => {
                let wheres = s
                    .wheres
                    .iter()
                    .map(|(c, w)| format!("{}: {w}", e.channels.get(*c as usize).map_or("", |c| c)))
                    .collect::<Vec<_>>()
                    .join("; ");
                writeln!(out, "{n}. **{what}** — {} (`{}`) · {wheres}", s.name, s.id)?;
            }
            None => writeln!(out, "{n}. **{what}**")?,
        }
        writeln!(
            out,
            "   Message `{}` v{}:",
            e.message_id(tr.message),
            self.version(tr.message)
        )?;
        writeln!(out)?;
        Self::quote(out, &self.text(tr.message, tr.system))?;
        writeln!(out)
    }

    fn staff_decision(&self, t: Ix, role: Ix) -> Option<Decision<'e>> {
        let e = self.engine;
        let topic = e.topics.get(t as usize)?;
        let role = e.roles.get(role as usize)?;
        let contact = Contact::new("manual", Channel::Phone)
            .with_topic(&*topic.id)
            .with_locale(e.locale_id(self.locale))
            .with_progress(Progress::Served);
        Some(e.decide(&contact, &Responder::staff(&*role.id)))
    }

    fn outcome_words(&self, d: &Decision<'_>) -> String {
        match d.outcome() {
            Outcome::Answer => format!("answer with `{}`", d.message_id()),
            Outcome::Route => format!(
                "route to {}",
                d.department()
                    .and_then(|id| self.engine.department_index.get(id))
                    .map_or_else(String::new, |&i| self.department_name(i))
            ),
            Outcome::Authorize => format!(
                "request authorization from a `{}`",
                d.rank().unwrap_or_default()
            ),
            Outcome::Redirect => format!(
                "redirect to `{}`",
                d.system().map(|s| s.id).unwrap_or_default()
            ),
            Outcome::Escalate => format!("hand over to a `{}`", d.rank().unwrap_or_default()),
            Outcome::Review => "a review".to_owned(),
        }
    }

    /// Where the role's authority on the topic comes from.
    fn authority_source(&self, t: Ix, role: Ix, d: &Decision<'_>) -> String {
        let e = self.engine;
        let Some(authority) = d.authority() else {
            return String::new();
        };
        if let Some(rule) = d.rule() {
            return format!("{authority} (rule `{rule}`)");
        }
        let topic_id = e.topic_id(t);
        let grant = e.roles.get(role as usize).and_then(|r| {
            r.grants
                .iter()
                .filter_map(|(p, _)| pattern_specificity(p, topic_id).map(|s| (s, p)))
                .max_by_key(|(s, _)| *s)
                .map(|(_, p)| p.to_string())
        });
        match grant {
            Some(p) => format!("{authority} (grant `{p}`)"),
            None => match e.roles.get(role as usize) {
                Some(r)
                    if e.topics
                        .get(t as usize)
                        .is_some_and(|tp| tp.owner == r.department) =>
                {
                    format!("{authority} (owning department)")
                }
                _ => format!("{authority} (another department's topic)"),
            },
        }
    }

    fn topic(&self, out: &mut String, t: Ix) -> fmt::Result {
        let e = self.engine;
        let Some(topic) = e.topics.get(t as usize) else {
            return Ok(());
        };
        writeln!(out)?;
        writeln!(out, "<a id=\"topic-{}\"></a>", slug(&topic.id))?;
        writeln!(out)?;
        writeln!(out, "### `{}`", topic.id)?;
        writeln!(out)?;
        writeln!(out, "Owner: {}.", self.department_name(topic.owner))?;
        writeln!(out)?;
        writeln!(out, "#### The ladder")?;
        writeln!(out)?;
        let mut n = 1;
        for (tier, tr) in topic.tiers() {
            self.tier_line(out, n, tier, tr)?;
            n += 1;
        }
        writeln!(
            out,
            "{n}. **A person** — once the customer has been through every system above. Message `{}` v{}:",
            e.message_id(topic.answer),
            self.version(topic.answer)
        )?;
        writeln!(out)?;
        Self::quote(out, &self.text(topic.answer, NONE))?;
        writeln!(out)?;
        writeln!(out, "#### Who may answer")?;
        writeln!(out)?;
        let approver = match (topic.authority, topic.approver) {
            (Authority::Authorized, NONE) => " (approver: the rank above the responder)".to_owned(),
            (Authority::Authorized, a) => format!(" (approver: `{}`)", e.rank_id(a)),
            _ => String::new(),
        };
        writeln!(
            out,
            "The owning department answers with authority `{}`{approver}; other departments route to it unless a grant says otherwise (R0.2, R4.3). Once the systems are exhausted:",
            topic.authority
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| role | department | rank | authority | what they do |"
        )?;
        writeln!(out, "|---|---|---|---|---|")?;
        for (r, role) in e.roles.iter().enumerate() {
            let Some(d) = self.staff_decision(t, r as Ix) else {
                continue;
            };
            writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                role.id,
                md_cell(
                    e.departments
                        .get(role.department as usize)
                        .map_or("", |d| &d.name)
                ),
                e.rank_id(role.rank),
                md_cell(&self.authority_source(t, r as Ix, &d)),
                md_cell(&self.outcome_words(&d))
            )?;
        }
        writeln!(out)?;
        writeln!(out, "#### If the customer asks for a superior")?;
        writeln!(out)?;
        writeln!(out, "{}", self.chain(topic.owner))?;
        let rules: Vec<Ix> = e.rules_for(t).to_vec();
        if !rules.is_empty() {
            writeln!(out)?;
            writeln!(out, "#### Rules that touch it")?;
            writeln!(out)?;
            for r in rules {
                if let Some(rule) = e.rules.get(r as usize) {
                    writeln!(
                        out,
                        "- [`{}`](#rule-{}): {}.",
                        rule.id,
                        slug(&rule.id),
                        self.rule_summary(rule)
                    )?;
                }
            }
        }
        writeln!(out)?;
        writeln!(
            out,
            "Never say any of the [words and phrases never to use](#{SEC_FORBIDDEN})."
        )
    }

    /// The rank chain of department `d`, up to the review.
    fn chain(&self, d: Ix) -> String {
        let e = self.engine;
        let mut steps: Vec<String> = e
            .ranks
            .iter()
            .enumerate()
            .map(|(i, rank)| {
                let roles: Vec<String> = e
                    .roles
                    .iter()
                    .filter(|r| r.department == d && r.rank as usize == i)
                    .map(|r| format!("`{}`", r.id))
                    .collect();
                if roles.is_empty() {
                    format!("{rank}")
                } else {
                    format!("{rank} ({})", roles.join(", "))
                }
            })
            .collect();
        steps.push(format!("a review within {}", e.review_within_text));
        steps.join(" → ")
    }

    fn rule_when(&self, rule: &Rule) -> String {
        let e = self.engine;
        let mut parts = Vec::new();
        let list = |ids: &[String]| {
            ids.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        if let Some(topics) = &rule.topics {
            let ids: Vec<String> = topics.iter().map(|s| s.to_string()).collect();
            parts.push(format!("topic {}", list(&ids)));
        }
        if let Some(channels) = &rule.channels {
            let ids: Vec<String> = channels
                .iter()
                .map(|c| e.channels.get(*c as usize).map_or("", |c| c).to_owned())
                .collect();
            parts.push(format!("channel {}", list(&ids)));
        }
        if let Some(ds) = &rule.departments {
            let ids: Vec<String> = ds.iter().map(|d| e.department_id(*d).to_owned()).collect();
            parts.push(format!("department {}", list(&ids)));
        }
        if let Some(rs) = &rule.roles {
            let ids: Vec<String> = rs
                .iter()
                .map(|r| e.roles.get(*r as usize).map_or("", |r| &r.id).to_owned())
                .collect();
            parts.push(format!("role {}", list(&ids)));
        }
        if let Some(rs) = &rule.ranks {
            let ids: Vec<String> = rs.iter().map(|r| e.rank_id(*r).to_owned()).collect();
            parts.push(format!("rank {}", list(&ids)));
        }
        let all = Progress::ALL.iter().fold(0, |acc, p| acc | p.bit());
        if rule.progress & all != all {
            let ids: Vec<String> = Progress::ALL
                .iter()
                .filter(|p| rule.progress & p.bit() != 0)
                .map(|p| p.to_string())
                .collect();
            parts.push(format!("progress {}", list(&ids)));
        }
        for (k, values) in rule.facts.iter() {
            let ids: Vec<String> = values
                .iter()
                .map(|v| e.fact_values.get(*v as usize).map_or("", |v| v).to_owned())
                .collect();
            parts.push(format!(
                "fact `{}` is {}",
                e.fact_keys.get(*k as usize).map_or("", |k| k),
                list(&ids)
            ));
        }
        if parts.is_empty() {
            "always".to_owned()
        } else {
            parts.join(", ")
        }
    }

    fn rule_then(&self, rule: &Rule) -> String {
        let e = self.engine;
        let mut parts = Vec::new();
        if let Some(m) = rule.answer {
            parts.push(format!(
                "every responder gives the fixed answer `{}`",
                e.message_id(m)
            ));
        }
        if rule.skip_ladder {
            parts.push("a person answers without the systems first".to_owned());
        }
        if let Some(a) = rule.authority {
            parts.push(format!("the authority is `{a}`"));
        }
        if let Some(d) = rule.route {
            parts.push(format!("the owner is {}", self.department_name(d)));
        }
        parts.join("; ")
    }

    fn rule_summary(&self, rule: &Rule) -> String {
        format!("when {}, {}", self.rule_when(rule), self.rule_then(rule))
    }

    fn others(&self, out: &mut String) -> fmt::Result {
        let e = self.engine;
        writeln!(out)?;
        writeln!(out, "<a id=\"{SEC_OTHERS}\"></a>")?;
        writeln!(out)?;
        writeln!(out, "## Other departments' topics")?;
        writeln!(out)?;
        writeln!(
            out,
            "You are not expected to know other departments' procedures (R0.2). Before the systems, point the customer to them as for your own topics; once the systems are exhausted:"
        )?;
        writeln!(out)?;
        writeln!(out, "| topic | owner | role | authority | what you do |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for t in self.other_topics() {
            let owner = e
                .topics
                .get(t as usize)
                .map_or_else(String::new, |tp| self.department_name(tp.owner));
            for r in self.roles() {
                let Some(d) = self.staff_decision(t, r) else {
                    continue;
                };
                writeln!(
                    out,
                    "| `{}` | {} | `{}` | {} | {} |",
                    e.topic_id(t),
                    md_cell(&owner),
                    e.roles.get(r as usize).map_or("", |r| &r.id),
                    md_cell(&self.authority_source(t, r, &d)),
                    md_cell(&self.outcome_words(&d))
                )?;
            }
        }
        Ok(())
    }

    fn handover(&self, out: &mut String) -> fmt::Result {
        let e = self.engine;
        writeln!(out)?;
        writeln!(out, "<a id=\"{SEC_HANDOVER}\"></a>")?;
        writeln!(out)?;
        writeln!(out, "## Handing the customer on")?;
        writeln!(out)?;
        writeln!(
            out,
            "The same words for the same handover, whoever hands the customer on. `{{…}}` is filled in for each case."
        )?;
        for h in Handover::ALL {
            let when = match h {
                Handover::Explains => "Pointing to a system that explains (`redirect`)",
                Handover::Serves => "Pointing to a system that serves (`redirect`)",
                Handover::Route => "Routing to the owning department (`route`)",
                Handover::Authorize => "Requesting an authorization (`authorize`)",
                Handover::Escalate => "Handing over to a superior (`escalate`)",
                Handover::Review => "Above the top rank (`review`)",
                Handover::Changed => "When what we said before has changed (change notice)",
            };
            let m = e.handover_message(h);
            if m == NONE {
                continue;
            }
            writeln!(out)?;
            writeln!(out, "- **{when}:**")?;
            writeln!(out)?;
            Self::quote(out, &self.source(m))?;
        }
        Ok(())
    }

    fn ranks(&self, out: &mut String) -> fmt::Result {
        let e = self.engine;
        writeln!(out)?;
        writeln!(out, "<a id=\"{SEC_RANKS}\"></a>")?;
        writeln!(out)?;
        writeln!(out, "## The rank chain")?;
        writeln!(out)?;
        writeln!(
            out,
            "A customer who asks for a superior gets the next rank of the department that answers; above the top rank, the conversation is reviewed and answered within {} — \"there is nobody else\" is never an answer (R3.3).",
            e.review_within_text
        )?;
        writeln!(out)?;
        let departments: Vec<Ix> = match self.dept {
            Some(d) => vec![d],
            None => (0..e.departments.len() as Ix).collect(),
        };
        for d in departments {
            writeln!(out, "- {}: {}", self.department_name(d), self.chain(d))?;
        }
        Ok(())
    }

    fn forbidden(&self, out: &mut String) -> fmt::Result {
        let e = self.engine;
        writeln!(out)?;
        writeln!(out, "<a id=\"{SEC_FORBIDDEN}\"></a>")?;
        writeln!(out)?;
        writeln!(out, "## Words and phrases never to use")?;
        writeln!(out)?;
        writeln!(
            out,
            "No message and no person says anything that matches these patterns (R2.3):"
        )?;
        writeln!(out)?;
        writeln!(out, "| pattern | why |")?;
        writeln!(out, "|---|---|")?;
        for f in e.forbidden.iter() {
            writeln!(
                out,
                "| {} | {} |",
                md_code(f.regex.as_str()),
                md_cell(&f.why)
            )?;
        }
        Ok(())
    }

    fn rules(&self, out: &mut String) -> fmt::Result {
        let e = self.engine;
        writeln!(out)?;
        writeln!(out, "<a id=\"{SEC_RULES}\"></a>")?;
        writeln!(out)?;
        writeln!(out, "## Rules")?;
        writeln!(out)?;
        writeln!(
            out,
            "Rules apply in this order; for each effect, the first matching rule wins."
        )?;
        for rule in e.rules.iter() {
            writeln!(out)?;
            writeln!(out, "<a id=\"rule-{}\"></a>", slug(&rule.id))?;
            writeln!(out)?;
            writeln!(out, "### `{}`", rule.id)?;
            writeln!(out)?;
            writeln!(out, "- **When:** {}.", self.rule_when(rule))?;
            writeln!(out, "- **Then:** {}.", self.rule_then(rule))?;
            if let Some(why) = &rule.why {
                writeln!(out, "- **Why:** {why}")?;
            }
        }
        Ok(())
    }
}
