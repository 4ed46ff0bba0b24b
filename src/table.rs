//! The decision table: every circumstance and what the policy says in it, as CSV or Markdown,
//! generated from the compiled engine, so it says exactly what the systems and staff do.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::check::Circumstance;
use crate::decision::{Decision, Flags, Outcome};
use crate::engine::Engine;
use crate::model::{Authority, Channel, Facts, Progress, Responder};

/// The whole decision table of a policy: the circumstance space of
/// [`Engine::circumstances`] (every topic × progress × responder × request for a superior ×
/// channel × the fact values its rules mention), with what the policy decides, collapsed so
/// that a reviewer can read it.
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

/// The circumstances that differ only by channel, decided.
struct Cell<'e> {
    circumstance: Circumstance,
    channels: Vec<Channel>,
    decisions: Vec<Decision<'e>>,
}

impl Cell<'_> {
    fn keys(&self) -> Vec<Key<'_>> {
        self.decisions.iter().map(key).collect()
    }
}

/// Where a row goes: topic, progress, responder, request for a superior, facts (each by
/// order of first appearance).
type RowOrder = (usize, Progress, usize, bool, usize);

/// The position of `x` in `list` (last when absent).
fn position<T: PartialEq>(list: &[T], x: &T) -> usize {
    list.iter().position(|y| y == x).unwrap_or(usize::MAX)
}

/// Whether two circumstances differ at most by their channel.
fn same_cell(a: &Circumstance, b: &Circumstance) -> bool {
    let (x, y) = (&a.contact, &b.contact);
    a.responder == b.responder
        && x.topic == y.topic
        && x.progress == y.progress
        && x.asks_for_superior == y.asks_for_superior
        && x.facts == y.facts
}

impl Engine {
    /// The whole decision table (see [`DecisionTable`]): [`Engine::circumstances`], decided
    /// and collapsed.
    pub fn decision_table(&self) -> DecisionTable {
        self.decision_table_with(&mut |_| {})
    }

    /// [`Engine::decision_table`], telling `progress` how far it has got (topics decided of
    /// all), for a host that shows progress on a large policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let mut last = None;
    /// let table = engine.decision_table_with(&mut |p| last = Some((p.done, p.total)));
    /// assert!(!table.rows.is_empty());
    /// let topics = engine.topics().count() as u64;
    /// assert_eq!(last, Some((topics, topics)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decision_table_with(
        &self,
        progress: &mut dyn FnMut(crate::WorkProgress),
    ) -> DecisionTable {
        let mut cells: Vec<Cell<'_>> = Vec::new();
        let mut topics_seen = 0;
        for c in self.circumstances() {
            // A new topic: the circumstances come topic by topic.
            if cells
                .last()
                .is_none_or(|cell| cell.circumstance.contact.topic != c.contact.topic)
            {
                crate::progress::report(progress, topics_seen, self.topics.len());
                topics_seen += 1;
            }
            let d = self.decide(&c.contact, &c.responder);
            match cells.last_mut() {
                Some(cell) if same_cell(&cell.circumstance, &c) => {
                    cell.channels.push(c.contact.channel.clone());
                    cell.decisions.push(d);
                }
                _ => cells.push(Cell {
                    channels: vec![c.contact.channel.clone()],
                    decisions: vec![d],
                    circumstance: c,
                }),
            }
        }
        // The order of first appearance of topics, responders and fact assignments.
        let mut topics: Vec<&str> = Vec::new();
        let mut responders: Vec<&Responder> = Vec::new();
        let mut facts: Vec<(&str, &Facts)> = Vec::new();
        for cell in &cells {
            let c = &cell.circumstance;
            let topic = c.contact.topic.as_deref().unwrap_or("");
            if !topics.contains(&topic) {
                topics.push(topic);
            }
            if !responders.contains(&&c.responder) {
                responders.push(&c.responder);
            }
            if !facts.contains(&(topic, &c.contact.facts)) {
                facts.push((topic, &c.contact.facts));
            }
        }
        // Where each cell is, to compare it with the same circumstance unasked or without facts.
        type CellKey<'a> = (&'a str, Progress, bool, &'a Responder, &'a Facts);
        let index: HashMap<CellKey<'_>, usize> = cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let c = &cell.circumstance;
                let k: CellKey<'_> = (
                    c.contact.topic.as_deref().unwrap_or(""),
                    c.contact.progress,
                    c.contact.asks_for_superior,
                    &c.responder,
                    &c.contact.facts,
                );
                (k, i)
            })
            .collect();
        let no_facts = Facts::new();
        let mut rows: Vec<(RowOrder, TableRow)> = Vec::new();
        for cell in &cells {
            let c = &cell.circumstance;
            let keys = cell.keys();
            let topic = c.contact.topic.as_deref().unwrap_or("");
            let same_but = |asks: bool, without_facts: bool| {
                let facts = if without_facts {
                    &no_facts
                } else {
                    &c.contact.facts
                };
                index
                    .get(&(topic, c.contact.progress, asks, &c.responder, facts))
                    .and_then(|&i| cells.get(i))
            };
            // A system ignores a request for a superior: no row unless a rule makes it differ.
            if c.contact.asks_for_superior && matches!(c.responder, Responder::System(_)) {
                if let Some(unasked) = same_but(false, false) {
                    if unasked.keys() == keys {
                        continue;
                    }
                }
            }
            // Facts appear only where a rule makes them matter.
            if !c.contact.facts.is_empty() {
                if let Some(base) = same_but(c.contact.asks_for_superior, true) {
                    if base.keys() == keys {
                        continue;
                    }
                }
            }
            let order = (
                position(&topics, &topic),
                c.contact.progress,
                position(&responders, &&c.responder),
                c.contact.asks_for_superior,
                position(&facts, &(topic, &c.contact.facts)),
            );
            push_groups(&cell.channels, &cell.decisions, &keys, |d| TableRow {
                topic: topic.to_owned(),
                progress: c.contact.progress,
                responder: c.responder.clone(),
                channels: Vec::new(),
                facts: c.contact.facts.clone(),
                asks_for_superior: c.contact.asks_for_superior,
                outcome: d.outcome(),
                message: d.message_id().to_owned(),
                version: d.version(),
                system: d.system().map(|s| s.id.to_owned()),
                department: d.department().map(str::to_owned),
                rank: d.rank().map(str::to_owned),
                rule: d.rule().map(str::to_owned),
                authority: d.authority(),
                flags: d.flags(),
            })
            .into_iter()
            .for_each(|row| rows.push((order, row)));
        }
        rows.sort_by_key(|(order, _)| *order);
        crate::progress::report(progress, self.topics.len(), self.topics.len());
        DecisionTable {
            policy: self.name().to_owned(),
            revision: self.revision().to_owned(),
            rows: rows.into_iter().map(|(_, row)| row).collect(),
        }
    }
}

/// One row per group of channels that agree; a single group holds on every channel.
fn push_groups<'e>(
    channels: &[Channel],
    decisions: &[Decision<'e>],
    keys: &[Key<'e>],
    row: impl Fn(&Decision<'e>) -> TableRow,
) -> Vec<TableRow> {
    let mut groups: Vec<(Key<'e>, &Decision<'e>, Vec<String>)> = Vec::new();
    for ((k, d), c) in keys.iter().zip(decisions).zip(channels) {
        match groups.iter_mut().find(|(g, _, _)| g == k) {
            Some((_, _, names)) => names.push(c.to_string()),
            None => groups.push((*k, d, vec![c.to_string()])),
        }
    }
    let single = groups.len() == 1;
    groups
        .into_iter()
        .map(|(_, d, names)| {
            let mut r = row(d);
            if !single {
                r.channels = names;
            }
            r
        })
        .collect()
}
