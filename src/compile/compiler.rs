//! The compiler: its state (the document, the limits, the diagnostics so far, the locales,
//! placeholders and channels every section shares) and the helpers every section uses (report,
//! intern, look up, suggest, bound a table, build a regex). `run` (in `run.rs`) compiles the
//! sections in order and assembles the engine.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::document::{IdMap, PolicyDocument};
use crate::engine::{ChannelIx, Id};
use crate::model::Channel;

use super::limits::{CompileLimits, LengthLimits};

/// One compilation of one document: what every section shares. The sections are compiled by
/// the `impl Compiler` blocks of their own files, in order by `run`.
pub(super) struct Compiler<'d> {
    pub(super) doc: &'d PolicyDocument,
    pub(super) regex_size_limit: usize,
    max_table_size: usize,
    /// How many more unknown references get a "did you mean" (each costs a scan of the ids).
    suggestions_left: usize,
    /// The suggestions, under the builder's budget of edit-distance cells.
    suggester: crate::bounded::Suggester,
    /// The errors found so far, and the most that are reported.
    errors: usize,
    max_errors: usize,
    pub(super) diags: Vec<Diagnostic>,
    /// The declared locales, in order (`[policy]`).
    pub(super) locales: Vec<Box<str>>,
    /// The declared locales, for lookups by name.
    pub(super) locale_set: HashSet<Box<str>>,
    /// The policy's own placeholders (`[policy]`).
    pub(super) placeholders: HashSet<Box<str>>,
    /// The channels named so far: the standard ones, then others in order of first use.
    pub(super) channels: Vec<Box<str>>,
    channel_index: HashMap<Box<str>, ChannelIx>,
    /// The longest id, name and text (`lengths.rs`).
    pub(super) lengths: LengthLimits,
}

/// Adds an error to `diags`.
fn err(diags: &mut Vec<Diagnostic>, code: Code, path: DocPath, message: String, hint: &str) {
    diags.push(Diagnostic::error(code, path, message, hint));
}

impl<'d> Compiler<'d> {
    pub(super) fn new(doc: &'d PolicyDocument, limits: CompileLimits) -> Self {
        let channels: Vec<Box<str>> = Channel::STANDARD
            .iter()
            .map(|c| c.as_str().into())
            .collect();
        let channel_index = channels
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), ChannelIx::new(i)))
            .collect();
        Compiler {
            doc,
            regex_size_limit: limits.regex_size_limit,
            max_table_size: limits.max_table_size,
            suggestions_left: 100,
            suggester: crate::bounded::Suggester::new(limits.max_suggestion_work),
            errors: 0,
            max_errors: limits.max_errors,
            diags: Vec::new(),
            locales: Vec::new(),
            locale_set: HashSet::new(),
            placeholders: HashSet::new(),
            channels,
            channel_index,
            lengths: limits.lengths,
        }
    }

    pub(super) fn error(&mut self, code: Code, path: DocPath, message: String, hint: &str) {
        self.errors = self.errors.saturating_add(1);
        if self.errors <= self.max_errors {
            err(&mut self.diags, code, path, message, hint);
        } else if self.errors == self.max_errors + 1 {
            err(
                &mut self.diags,
                Code::TooManyErrors,
                DocPath::root(),
                format!(
                    "the policy has more than {} errors; the rest are not reported",
                    self.max_errors
                ),
                "fix these first, or raise the engine's `max_errors`",
            );
        }
    }

    /// Whether no more errors are reported: checks whose work grows with the errors they find
    /// stop.
    pub(super) fn errors_full(&self) -> bool {
        self.errors > self.max_errors
    }

    pub(super) fn channel(&mut self, name: &str) -> ChannelIx {
        // The same spelling rules as a contact's channel: `Phone` is `phone`, `SMS` is `sms`.
        let channel = Channel::from(name);
        let name = channel.as_str();
        if let Some(&i) = self.channel_index.get(name) {
            return i;
        }
        let i = ChannelIx::new(self.channels.len());
        self.channels.push(name.into());
        self.channel_index.insert(name.into(), i);
        i
    }

    /// Interns the ids of a table, reporting duplicates.
    pub(super) fn intern<I: Id, V>(
        &mut self,
        map: &IdMap<V>,
        path: &DocPath,
        what: &str,
    ) -> HashMap<Box<str>, I> {
        let mut index = HashMap::with_capacity(map.len());
        for (i, (id, _)) in map.0.iter().enumerate() {
            if id.is_empty() {
                self.error(
                    Code::EmptyId,
                    path.key(id.as_str()),
                    format!("a {what} has an empty id"),
                    "give it a short, stable id",
                );
            }
            if index.insert(id.as_str().into(), I::new(i)).is_some() {
                self.error(
                    Code::DuplicateId,
                    path.key(id.as_str()),
                    format!("{what} `{id}` is defined twice"),
                    "merge the two definitions or rename one of them",
                );
            }
        }
        index
    }

    pub(super) fn lookup<I: Id>(
        &mut self,
        index: &HashMap<Box<str>, I>,
        id: &str,
        path: DocPath,
        what: &str,
        section: &str,
    ) -> I {
        match index.get(id) {
            Some(&i) => i,
            None => {
                let known = self.suggest(index.keys().map(|k| &**k), id);
                self.error(
                    Code::unknown(what),
                    path,
                    format!("unknown {what} `{}`", crate::bounded::cut(id)),
                    &format!("define it under `[{section}]`{known}"),
                );
                I::NONE
            }
        }
    }

    /// [`suggest`], for the first unknown references only: a policy with thousands of them
    /// among thousands of ids would otherwise cost their product in edit distances.
    pub(super) fn suggest<'a>(
        &mut self,
        known: impl Iterator<Item = &'a str>,
        wanted: &str,
    ) -> String {
        if self.suggestions_left == 0 {
            return String::new();
        }
        self.suggestions_left -= 1;
        self.suggester.did_you_mean(known, wanted)
    }

    /// Whether a derived table of `rows` × `columns` entries fits the limit; reports
    /// `policy-too-large` when it does not.
    pub(super) fn table_fits(&mut self, rows: (usize, &str), columns: (usize, &str)) -> bool {
        let size = rows.0.saturating_mul(columns.0);
        if size <= self.max_table_size {
            return true;
        }
        self.error(
            Code::PolicyTooLarge,
            DocPath::root(),
            format!(
                "{} {} × {} {} make {size} entries, more than the limit of {}",
                rows.0, rows.1, columns.0, columns.1, self.max_table_size
            ),
            "split the policy, use fewer roles or rules, or raise the engine's `max_table_size`",
        );
        false
    }

    pub(super) fn regex(
        &mut self,
        pattern: &str,
        path: DocPath,
        case_insensitive: bool,
    ) -> Option<regex::Regex> {
        let built = regex::RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .size_limit(self.regex_size_limit)
            .dfa_size_limit(self.regex_size_limit)
            .build();
        match built {
            Ok(r) => Some(r),
            Err(regex::Error::CompiledTooBig(limit)) => {
                self.error(
                    Code::RegexTooBig,
                    path,
                    format!("the regular expression `{pattern}` compiles to more than {limit} bytes"),
                    "simplify it (avoid large counted repetitions such as `{1000}`), or raise the engine's regex size limit",
                );
                None
            }
            Err(e) => {
                let detail = e.to_string().lines().last().unwrap_or("").trim().to_owned();
                self.error(
                    Code::BadRegex,
                    path,
                    format!("`{pattern}` is not a valid regular expression: {detail}"),
                    "fix the pattern; escape literal characters such as `(` or `.` with `\\`",
                );
                None
            }
        }
    }

    /// Reports keys written twice in a nested table (JSON and YAML allow them; TOML does not):
    /// the second would otherwise be ignored or silently win.
    pub(super) fn duplicate_keys<V>(&mut self, map: &IdMap<V>, path: &DocPath, what: &str) {
        if map.0.len() < 2 {
            return;
        }
        // A set, not a scan of the earlier keys: a table of 100,000 keys costs 100,000 lookups.
        let mut seen: HashSet<&str> = HashSet::with_capacity(map.0.len());
        for (key, _) in &map.0 {
            if !seen.insert(key.as_str()) {
                self.error(
                    Code::DuplicateKey,
                    path.key(key.as_str()),
                    format!("{what} `{key}` is written twice"),
                    "keep one entry: only one of them could apply",
                );
            }
        }
    }
}
