//! The decision table: every circumstance and what the policy says in it, as CSV or Markdown,
//! generated from the compiled engine, so it says exactly what the systems and staff do.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::decision::{Decision, DecisionBrief, Flags, Outcome};
use crate::diagnostic::{Code, Diagnostic, DocPath, PolicyError};
use crate::engine::{ChannelIx, Engine, FactValueIx, LocaleIx, Resolved, ResponderIx, TopicIx};
use crate::explain::NoTrace;
use crate::model::{Authority, Facts, Progress, Responder};

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
/// assert_eq!(row.decision.outcome, Outcome::Route);
/// assert_eq!(row.decision.department.as_deref(), Some("support"));
/// assert!(table.to_markdown().contains("| served | staff `sales-agent` |"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct DecisionTable {
    /// The policy's name.
    pub policy: String,
    /// The policy's revision.
    pub revision: String,
    /// The rows, by topic (document order), progress, responder (systems, then roles, in
    /// document order), request for a superior, facts and channels.
    pub rows: Vec<TableRow>,
    /// Why topics are missing, when some are: `space-too-large` (their circumstances exceed
    /// the engine's `max_circumstances`) or `table-too-large` (their rows exceed its
    /// `max_table_size`). Empty for a complete table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

/// One circumstance of a [`DecisionTable`] and its decision: the decision in brief, the
/// channels it holds on, and the authority and flags behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// The decision in brief (serialized as its fields: `outcome`, `message`, `version`,
    /// `system`, `department`, `rank`, `rule`), the same on every channel of `channels`.
    #[serde(flatten)]
    pub decision: DecisionBrief,
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
            self.decision.outcome.to_string(),
            self.decision.message.clone(),
            self.decision.version.to_string(),
            opt(&self.decision.system),
            opt(&self.decision.department),
            opt(&self.decision.rank),
            opt(&self.decision.rule),
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
        // The rows of each topic, topics in order of first appearance: hashed, one pass.
        let mut slot: HashMap<&str, usize> = HashMap::new();
        let mut topics: Vec<(&str, Vec<&TableRow>)> = Vec::new();
        for r in &self.rows {
            let i = *slot.entry(r.topic.as_str()).or_insert_with(|| {
                topics.push((r.topic.as_str(), Vec::new()));
                topics.len() - 1
            });
            if let Some((_, list)) = topics.get_mut(i) {
                list.push(r);
            }
        }
        writeln!(out)?;
        writeln!(out, "## Index")?;
        writeln!(out)?;
        for (t, _) in &topics {
            writeln!(out, "- [`{t}`](#table-{})", slug(t))?;
        }
        for (t, list) in &topics {
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
            for r in list {
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
                    r.decision.outcome,
                    md_code(&r.decision.message),
                    r.decision.version,
                    opt(&r.decision.system),
                    opt(&r.decision.department),
                    opt(&r.decision.rank),
                    opt(&r.decision.rule),
                    r.authority.map(|a| a.to_string()).unwrap_or_default(),
                    flags.join(", ")
                )?;
            }
        }
        Ok(())
    }
}

impl Engine {
    /// The whole decision table (see [`DecisionTable`]): [`Engine::circumstances`], decided
    /// and collapsed.
    ///
    /// Each class of fact values that the rules cannot tell apart is decided once (not every
    /// combination), then its rows are listed for each combination in it, so the cost follows
    /// the table's size. A topic whose circumstances exceed the engine's `max_circumstances`
    /// (`space-too-large`), or whose rows would take the table past its `max_table_size`
    /// (`table-too-large`), is left out with an error in [`DecisionTable::diagnostics`]; see
    /// [`Engine::try_decision_table`].
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
        progress: &mut dyn FnMut(crate::progress::WorkProgress),
    ) -> DecisionTable {
        let responders = crate::check::responders(self);
        let named: Vec<Responder> = responders
            .iter()
            .map(|&r| crate::check::responder_of(self, r))
            .collect();
        let plan = crate::check::plan(self, crate::check::per_class(self));
        let mut diagnostics = plan.diagnostics;
        let max_rows = self.parts().space.max_rows;
        let mut total: u64 = 0;
        let mut rows: Vec<TableRow> = Vec::new();
        let mut values = vec![FactValueIx::NONE; self.parts().fact_keys.len()];
        for (t, space) in plan.spaces.iter().enumerate() {
            crate::progress::report(progress, t, self.parts().topics.len());
            let Some(space) = space else { continue };
            let t = TopicIx::new(t);
            let topic = self.parts().topics.id(t);
            // Per class: the rows of its first member, with their place (progress, responder,
            // request for a superior) and no facts yet.
            let mut base: Vec<Vec<Key<'_>>> = Vec::new();
            let mut templates: Vec<(usize, Vec<(RowPlace, TableRow)>)> = Vec::new();
            let mut topic_rows: u64 = 0;
            let row_cells = crate::check::ROW_CELLS + space.keys() as u64;
            values.fill(FactValueIx::NONE);
            for class in 0..space.len() {
                space.fill(class, &mut values);
                let mut cells: Vec<(RowPlace, Vec<Decision<'_>>, Vec<Key<'_>>)> = Vec::new();
                for progress in Progress::ALL {
                    for (ri, &r) in responders.iter().enumerate() {
                        for asks in [false, true] {
                            let decisions: Vec<Decision<'_>> = (0..self.parts().channels.len())
                                .map(|ch| {
                                    let c = Resolved {
                                        topic: t,
                                        channel: ChannelIx::new(ch),
                                        locale: LocaleIx::new(0),
                                        progress,
                                        asks_for_superior: asks,
                                        flags: Flags::default(),
                                    };
                                    self.run(&c, values.as_slice(), r, &mut NoTrace)
                                })
                                .collect();
                            let keys = decisions.iter().map(key).collect();
                            cells.push(((progress, ri, asks), decisions, keys));
                        }
                    }
                }
                let mut own = Vec::new();
                for (i, (place, decisions, keys)) in cells.iter().enumerate() {
                    let (progress, ri, asks) = *place;
                    // A system ignores a request for a superior: no row unless a rule makes
                    // it differ (the cell before is the same circumstance unasked).
                    if asks && matches!(responders.get(ri), Some(ResponderIx::System(_))) {
                        let unasked = i.checked_sub(1).and_then(|j| cells.get(j));
                        if unasked.is_some_and(|(_, _, k)| k == keys) {
                            continue;
                        }
                    }
                    // Facts appear only where a rule makes them matter: the first class holds
                    // the assignment without facts, the base of every other.
                    if class > 0 && base.get(i) == Some(keys) {
                        continue;
                    }
                    let responder = named
                        .get(ri)
                        .cloned()
                        .unwrap_or_else(|| Responder::staff(""));
                    for row in push_groups(self.parts().channels.items(), decisions, keys, |d| {
                        TableRow {
                            topic: topic.to_owned(),
                            progress,
                            responder: responder.clone(),
                            channels: Vec::new(),
                            facts: Facts::new(),
                            asks_for_superior: asks,
                            decision: DecisionBrief::from(d),
                            authority: d.authority(),
                            flags: d.flags(),
                        }
                    }) {
                        own.push((*place, row));
                    }
                }
                if class == 0 {
                    base = cells.into_iter().map(|(_, _, k)| k).collect();
                }
                if !own.is_empty() {
                    // The first class stands for the assignment without facts only: its other
                    // members decide like it, so they have no rows.
                    let members = if class == 0 { 1 } else { space.count(class) };
                    // Each row counts its columns and the facts it may name.
                    let cells = (own.len() as u64).saturating_mul(row_cells);
                    topic_rows = topic_rows.saturating_add(cells.saturating_mul(members));
                    templates.push((class, own));
                }
            }
            if total.saturating_add(topic_rows) > max_rows {
                diagnostics.push(Diagnostic::error(
                    Code::TableTooLarge,
                    DocPath::root().key("topics").key(topic),
                    format!(
                        "the rows of topic `{}` (up to {topic_rows} cells: {} columns and the facts of each row) would take the decision table past the limit of {max_rows} cells (`max_table_size`): it is left out",
                        cut(topic),
                        crate::check::ROW_CELLS,
                    ),
                    "each value a rule names for a fact can add rows for every responder and progress: name fewer fact values in the topic's rules, or raise the limit (`EngineBuilder::max_table_size`)",
                ));
                continue;
            }
            total = total.saturating_add(topic_rows);
            // Every member of a class with rows, in the order of the enumeration.
            let mut members: Vec<(Vec<u32>, usize)> = Vec::new();
            for (ti, (class, _)) in templates.iter().enumerate() {
                if *class == 0 {
                    members.push((space.rep(0).to_vec(), ti));
                } else {
                    space.for_each_member(*class, |m| members.push((m.to_vec(), ti)));
                }
            }
            members.sort_by(|a, b| a.0.iter().rev().cmp(b.0.iter().rev()));
            let mut placed: Vec<((RowPlace, usize), TableRow)> = Vec::new();
            for (m, (digits, ti)) in members.iter().enumerate() {
                let Some((_, own)) = templates.get(*ti) else {
                    continue;
                };
                let facts = space.facts(self, digits);
                for (place, row) in own {
                    let mut row = row.clone();
                    row.facts = facts.clone();
                    placed.push(((*place, m), row));
                }
            }
            placed.sort_by(|a, b| {
                let ((p, r, asks), m) = a.0;
                let ((q, s, asks2), n) = b.0;
                (p, r, asks, m).cmp(&(q, s, asks2, n))
            });
            rows.extend(placed.into_iter().map(|(_, row)| row));
        }
        crate::progress::report(
            progress,
            self.parts().topics.len(),
            self.parts().topics.len(),
        );
        DecisionTable {
            policy: self.name().to_owned(),
            revision: self.revision().to_owned(),
            rows,
            diagnostics,
        }
    }

    /// The whole decision table, or the errors that left topics out of it (`space-too-large`,
    /// `table-too-large`): what a host that must not publish an incomplete table calls.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with [`DecisionTable::diagnostics`] when it has an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// assert_eq!(engine.try_decision_table()?, engine.decision_table());
    /// let small = Engine::builder()
    ///     .max_table_size(10)
    ///     .from_toml_str(unified_message::EXAMPLE_POLICY);
    /// // `max_table_size` bounds the derived tables of the compile step too.
    /// assert!(small.is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_decision_table(&self) -> Result<DecisionTable, PolicyError> {
        let table = self.decision_table();
        if table.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(PolicyError::new(table.diagnostics));
        }
        Ok(table)
    }
}

/// Where a row goes within its topic: progress, responder (by position), request for a
/// superior.
type RowPlace = (Progress, usize, bool);

/// An id quoted in a message, cut to 80 characters.
fn cut(id: &str) -> String {
    match id.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", id.get(..end).unwrap_or("")),
        None => id.to_owned(),
    }
}

/// One row per group of channels that agree; a single group holds on every channel.
fn push_groups<'e>(
    channels: &[Box<str>],
    decisions: &[Decision<'e>],
    keys: &[Key<'e>],
    row: impl Fn(&Decision<'e>) -> TableRow,
) -> Vec<TableRow> {
    // Hashed: linear in the channels, however many groups.
    let mut slot: HashMap<&Key<'e>, usize> = HashMap::new();
    let mut groups: Vec<(&Decision<'e>, Vec<String>)> = Vec::new();
    for ((k, d), c) in keys.iter().zip(decisions).zip(channels) {
        match slot.get(k).and_then(|&i| groups.get_mut(i)) {
            Some((_, names)) => names.push(c.to_string()),
            None => {
                slot.insert(k, groups.len());
                groups.push((d, vec![c.to_string()]));
            }
        }
    }
    let single = groups.len() == 1;
    groups
        .into_iter()
        .map(|(d, names)| {
            let mut r = row(d);
            if !single {
                r.channels = names;
            }
            r
        })
        .collect()
}
