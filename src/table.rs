//! The decision table: every circumstance and what the policy says in it, as CSV or Markdown,
//! generated from the compiled engine, so it says exactly what the systems and staff do.

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::decision::{Decision, Flags, Outcome};
use crate::engine::{Engine, Ix};
use crate::model::{Authority, Channel, Contact, Facts, Progress, Responder};

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
pub(crate) fn md_cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

/// A code span for a Markdown table cell; empty text stays empty.
pub(crate) fn md_code(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("`{}`", md_cell(text))
    }
}

/// A stable anchor id: lowercase ASCII letters and digits, everything else `-`.
pub(crate) fn slug(text: &str) -> String {
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
