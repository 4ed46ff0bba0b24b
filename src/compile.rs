//! The one explicit step from document to engine: resolve every reference, intern every id,
//! parse every text, and report every error at once with its document path.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::diagnostic::{Diagnostic, DocPath, PolicyError};
use crate::document::{
    IdMap, LocaleText, MessageDoc, OneOrMany, PolicyDocument, TierRefDoc, VersionDoc,
};
use crate::engine::{
    Department, Engine, Forbidden, Handover, Ix, Message, NONE, Role, Rule, System, TierRef, Topic,
    Version,
};
use crate::model::{Authority, Channel, Progress, Tier};
use crate::template::{Builtin, Template};

/// Options for compiling a policy: limits that keep hostile policies from costing unbounded
/// time or memory.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let engine = Engine::builder()
///     .regex_size_limit(512 * 1024)
///     .from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// assert_eq!(engine.name(), "Acme Hosting");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct EngineBuilder {
    regex_size_limit: usize,
    max_table_size: usize,
    // Limits on reading a policy (issue 19): the text's size (aliases expanded), its nesting,
    // the work spent on suggestions, the errors reported.
    limits: ParseLimits,
    // Triage limits (issue 19, item 7).
    max_triage_bytes: usize,
    // Issue 19, items 5–6: the circumstance space of `check`, `diff` and the decision table.
    max_circumstances: u64,
    exhaustive_circumstances: bool,
}

/// The limits of [`EngineBuilder`] that bound reading a policy (issue 19).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParseLimits {
    pub(crate) max_policy_bytes: usize,
    pub(crate) max_nesting_depth: usize,
    pub(crate) max_suggestion_work: u64,
    pub(crate) max_errors: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_policy_bytes: DEFAULT_MAX_POLICY_BYTES,
            max_nesting_depth: DEFAULT_MAX_NESTING_DEPTH,
            max_suggestion_work: DEFAULT_MAX_SUGGESTION_WORK,
            max_errors: DEFAULT_MAX_ERRORS,
        }
    }
}

/// The default of [`EngineBuilder::max_policy_bytes`]: 32 MiB.
pub const DEFAULT_MAX_POLICY_BYTES: usize = 32 << 20;
/// The default of [`EngineBuilder::max_nesting_depth`]: 64 levels.
pub const DEFAULT_MAX_NESTING_DEPTH: usize = 64;
/// The default of [`EngineBuilder::max_suggestion_work`]: 10 million cells.
pub const DEFAULT_MAX_SUGGESTION_WORK: u64 = 10_000_000;
/// The default of [`EngineBuilder::max_errors`]: 10,000 errors.
pub const DEFAULT_MAX_ERRORS: usize = 10_000;

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            regex_size_limit: 1 << 20,
            max_table_size: 1 << 24,
            limits: ParseLimits::default(),
            max_triage_bytes: crate::triage::DEFAULT_MAX_TRIAGE_BYTES,
            // Issue 19, items 5–6.
            max_circumstances: crate::check::DEFAULT_MAX_CIRCUMSTANCES,
            exhaustive_circumstances: false,
        }
    }
}

impl EngineBuilder {
    /// The most memory, in bytes, one compiled regular expression of the policy (a keyword or
    /// a forbidden phrase) may take; a larger one is a `regex-too-big` error. 1 MiB by default.
    #[must_use]
    pub fn regex_size_limit(mut self, bytes: usize) -> Self {
        self.regex_size_limit = bytes;
        self
    }

    /// The most entries a table the engine derives from the policy may have: roles × topics
    /// (the authority grants), topics × rules (the rules that can apply to each topic) and
    /// departments × ranks (who is the superior of whom).
    /// A policy beyond it is a `policy-too-large` error instead of gigabytes of memory.
    /// 16 Mi entries by default (a 10,000-topic policy with 1,600 roles and 1,600 rules).
    ///
    /// It also bounds what [`Engine::decision_table`] and [`crate::diff`] list, in cells: each
    /// row or decision change counts its 16 columns plus the facts it may name. A topic past
    /// it is left out of the table (`table-too-large`), and a diff lists only the first
    /// combination of fact values of each change (`diff-too-large`).
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// // The example policy has 13 topics, 10 roles and 3 rules.
    /// let err = Engine::builder()
    ///     .max_table_size(100)
    ///     .from_toml_str(unified_message::EXAMPLE_POLICY)
    ///     .unwrap_err();
    /// assert!(err.has_code("policy-too-large"));
    /// ```
    #[must_use]
    pub fn max_table_size(mut self, entries: usize) -> Self {
        self.max_table_size = entries;
        self
    }

    /// The largest policy text, in bytes, that `from_*_str` and `from_*_slice` read; in YAML
    /// and JSON, the text with every YAML alias expanded (an alias repeats its anchor's node;
    /// the size of each is bounded from above by a linear scan before parsing). A larger one is
    /// a `policy-too-large` error before parsing. Loading TOML takes about 15 times the text's
    /// size in heap (the TOML parser's tree of spanned values; up to 45 times in resident
    /// memory), JSON 3 to 6 times: the default, 32 MiB, keeps one load under about 1.5 GiB.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let err = Engine::builder()
    ///     .max_policy_bytes(1024)
    ///     .from_toml_str(unified_message::EXAMPLE_POLICY)
    ///     .unwrap_err();
    /// assert!(err.has_code("policy-too-large"));
    /// assert!(err.to_string().contains("max_policy_bytes"));
    /// ```
    #[must_use]
    pub fn max_policy_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_policy_bytes = bytes;
        self
    }

    /// The deepest nesting of lists and tables a YAML or JSON policy text may have, checked
    /// by a linear scan before parsing (the YAML parser takes time quadratic in the depth);
    /// deeper is a `too-deep` error at the line and column where the limit is passed. A policy
    /// needs about 8 levels; 64 by default. (TOML is not scanned: its parser refuses deep
    /// nesting by itself, with a `parse-error`.)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "yaml")] {
    /// use unified_message::Engine;
    ///
    /// let yaml = format!("policy: {}1{}", "[".repeat(100), "]".repeat(100));
    /// let err = Engine::from_yaml_str(&yaml).unwrap_err();
    /// assert!(err.has_code("too-deep"));
    /// assert!(err.to_string().contains("line 1, column 72"), "{err}");
    /// # }
    /// ```
    #[must_use]
    pub fn max_nesting_depth(mut self, levels: usize) -> Self {
        self.limits.max_nesting_depth = levels;
        self
    }

    /// The most work, in cells of edit distance, spent on "did you mean" suggestions for
    /// unknown ids over one compilation (an id longer than 128 characters is never compared);
    /// past it, errors come without a suggestion. 10 million cells by default (milliseconds).
    #[must_use]
    pub fn max_suggestion_work(mut self, cells: u64) -> Self {
        self.limits.max_suggestion_work = cells;
        self
    }

    /// The most errors one compilation reports. Errors can outnumber the lines of a policy (a
    /// text missing in each of 100,000 declared locales, for each message); past the limit,
    /// one `too-many-errors` error closes the list and the checks that would find more are
    /// skipped. 10,000 by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let policy = unified_message::EXAMPLE_POLICY.replace("owner = \"", "owner = \"x");
    /// let err = Engine::builder().max_errors(2).from_toml_str(&policy).unwrap_err();
    /// assert_eq!(err.diagnostics().len(), 3);
    /// assert!(err.has_code("too-many-errors"));
    /// ```
    #[must_use]
    pub fn max_errors(mut self, errors: usize) -> Self {
        self.limits.max_errors = errors;
        self
    }

    /// How many bytes of a customer's text triage reads ([`Engine::triage`], and `decide` on
    /// a contact with text but no topic): the rest is not read, and
    /// [`TriageResult::truncated`](crate::TriageResult::truncated) says so. 64 KiB by default
    /// ([`DEFAULT_MAX_TRIAGE_BYTES`](crate::DEFAULT_MAX_TRIAGE_BYTES)), some thirty pages:
    /// the words that say what a message is about come first. The work of a triage is linear
    /// in the bytes read whatever the number of keywords; this bounds it for a host that
    /// passes whatever it receives.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::builder()
    ///     .max_triage_bytes(16)
    ///     .from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// // "refund" lies past the 16 bytes read.
    /// let result = engine.triage("hello, good morning, I want a refund", "en");
    /// assert!(result.truncated);
    /// assert!(result.candidates.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_triage_bytes(mut self, bytes: usize) -> Self {
        self.max_triage_bytes = bytes;
        self
    }

    /// The most circumstances [`Engine::check`], [`crate::diff`] and
    /// [`Engine::decision_table`] decide, and the most steps they spend telling fact values
    /// apart. They decide one circumstance per class of fact values that the rules cannot tell
    /// apart (not every combination), so a policy reaches the limit only with many rules on
    /// many independent facts; then the topics that do not fit are left out, each with a
    /// `space-too-large` error that names the rule whose facts made it large.
    /// 64 Mi circumstances by default (about a minute of `check` on one core at the worst).
    ///
    /// The decision table's rows and a diff's entries are bounded by
    /// [`EngineBuilder::max_table_size`] (`table-too-large`, `diff-too-large`).
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::builder()
    ///     .max_circumstances(1_000)
    ///     .from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let report = engine.check();
    /// assert!(report.has_code("space-too-large"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_circumstances(mut self, circumstances: u64) -> Self {
        self.max_circumstances = circumstances;
        self
    }

    /// Makes `check`, `diff` and the decision table decide every combination of fact values,
    /// one by one, instead of one per class: exponential, only for tests that cross-check the
    /// reduction (`max_circumstances` still applies).
    #[doc(hidden)]
    #[must_use]
    pub fn exhaustive_circumstances(mut self, yes: bool) -> Self {
        self.exhaustive_circumstances = yes;
        self
    }

    fn space_limits(&self) -> crate::check::SpaceLimits {
        crate::check::SpaceLimits {
            max_circumstances: self.max_circumstances,
            max_rows: self.max_table_size as u64,
            exhaustive: self.exhaustive_circumstances,
        }
    }

    /// Compiles a policy document.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with every error found, each with its document path.
    pub fn compile(&self, doc: &PolicyDocument) -> Result<Engine, PolicyError> {
        let (engine, diagnostics) = Compiler::new(doc, self).run();
        match engine {
            Some(mut engine) if !diagnostics.iter().any(Diagnostic::is_error) => {
                // Kept so that `check` reports them.
                engine.warnings = diagnostics.into();
                engine.triage.set_max_text(self.max_triage_bytes);
                engine.space = self.space_limits();
                Ok(engine)
            }
            _ => Err(PolicyError::new(diagnostics)),
        }
    }

    /// Parses and compiles a TOML policy; errors carry line and column.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`]: the TOML syntax or shape error, or every compile error.
    #[cfg(feature = "toml")]
    pub fn from_toml_str(&self, source: &str) -> Result<Engine, PolicyError> {
        let source = without_bom(source);
        let doc = PolicyDocument::parse_toml(source, &self.limits)?;
        let compiled = self.compile(&doc);
        // The document goes before the text is parsed again to locate diagnostics: the two
        // trees are never in memory together.
        drop(doc);
        match compiled {
            Ok(mut engine) => {
                if !engine.warnings.is_empty() {
                    let warnings = std::mem::take(&mut engine.warnings).into_vec();
                    engine.warnings = crate::source::locate_toml(source, warnings).into();
                }
                Ok(engine)
            }
            Err(e) => {
                let mut diagnostics = crate::source::locate_toml(source, e.diagnostics().to_vec());
                // Top to bottom, as a reader goes through the file (stable: ties keep their order).
                diagnostics.sort_by_key(|d| d.location);
                Err(PolicyError::new(diagnostics))
            }
        }
    }

    /// Parses and compiles a TOML policy read as bytes (a file's contents): bytes that are
    /// not UTF-8 are an `invalid-utf8` error at the line and column of the first bad byte. A
    /// byte-order mark at the start (as some editors write) is skipped, in every format.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`], as for [`EngineBuilder::from_toml_str`], or `invalid-utf8`.
    #[cfg(feature = "toml")]
    pub fn from_toml_slice(&self, source: &[u8]) -> Result<Engine, PolicyError> {
        self.from_toml_str(utf8(source)?)
    }

    /// Parses and compiles a JSON policy read as bytes; see [`EngineBuilder::from_toml_slice`].
    ///
    /// # Errors
    ///
    /// A [`PolicyError`], as for [`EngineBuilder::from_json_str`], or `invalid-utf8`.
    #[cfg(feature = "json")]
    pub fn from_json_slice(&self, source: &[u8]) -> Result<Engine, PolicyError> {
        self.from_json_str(utf8(source)?)
    }

    /// Parses and compiles a JSON policy.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`]: the JSON syntax or shape error, or every compile error.
    #[cfg(feature = "json")]
    pub fn from_json_str(&self, source: &str) -> Result<Engine, PolicyError> {
        self.compile(&PolicyDocument::parse_json(source, &self.limits)?)
    }

    /// Parses and compiles a YAML policy.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`]: the YAML syntax or shape error, or every compile error.
    #[cfg(feature = "yaml")]
    pub fn from_yaml_str(&self, source: &str) -> Result<Engine, PolicyError> {
        self.compile(&PolicyDocument::parse_yaml(source, &self.limits)?)
    }

    /// Parses and compiles a YAML policy read as bytes; see [`EngineBuilder::from_toml_slice`].
    ///
    /// # Errors
    ///
    /// A [`PolicyError`], as for [`EngineBuilder::from_yaml_str`], or `invalid-utf8`.
    #[cfg(feature = "yaml")]
    pub fn from_yaml_slice(&self, source: &[u8]) -> Result<Engine, PolicyError> {
        self.from_yaml_str(utf8(source)?)
    }
}

impl Engine {
    /// Options for compiling; [`Engine::compile`] uses the defaults.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Compiles a policy document with the default limits.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with every error found, each with its document path.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{document::PolicyDocument, Engine};
    ///
    /// let doc: PolicyDocument = serde_json::from_str(r#"{"policy": {"name": "x", "revision": "1", "locales": ["en"]}}"#)?;
    /// let err = Engine::compile(&doc).unwrap_err();
    /// assert!(err.has_code("missing-fallback"));
    /// assert!(err.has_code("missing-ranks"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile(doc: &PolicyDocument) -> Result<Engine, PolicyError> {
        EngineBuilder::default().compile(doc)
    }

    /// Parses and compiles a TOML policy with the default limits.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] whose diagnostics carry line and column.
    #[cfg(feature = "toml")]
    pub fn from_toml_str(source: &str) -> Result<Engine, PolicyError> {
        EngineBuilder::default().from_toml_str(source)
    }

    /// Parses and compiles a TOML policy read as bytes, with the default limits.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`]; bytes that are not UTF-8 are an `invalid-utf8` error.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let err = Engine::from_toml_slice(b"[policy]\nname = \"Caf\xe9\"\n").unwrap_err();
    /// assert!(err.has_code("invalid-utf8"));
    /// assert!(err.to_string().contains("line 2, column 12"));
    /// ```
    #[cfg(feature = "toml")]
    pub fn from_toml_slice(source: &[u8]) -> Result<Engine, PolicyError> {
        EngineBuilder::default().from_toml_slice(source)
    }

    /// Parses and compiles a JSON policy read as bytes, with the default limits.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`]; bytes that are not UTF-8 are an `invalid-utf8` error.
    #[cfg(feature = "json")]
    pub fn from_json_slice(source: &[u8]) -> Result<Engine, PolicyError> {
        EngineBuilder::default().from_json_slice(source)
    }

    /// Parses and compiles a JSON policy with the default limits.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with every error found.
    #[cfg(feature = "json")]
    pub fn from_json_str(source: &str) -> Result<Engine, PolicyError> {
        EngineBuilder::default().from_json_str(source)
    }

    /// Parses and compiles a YAML policy with the default limits.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with every error found.
    #[cfg(feature = "yaml")]
    pub fn from_yaml_str(source: &str) -> Result<Engine, PolicyError> {
        EngineBuilder::default().from_yaml_str(source)
    }

    /// Parses and compiles a YAML policy read as bytes, with the default limits.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`]; bytes that are not UTF-8 are an `invalid-utf8` error.
    #[cfg(feature = "yaml")]
    pub fn from_yaml_slice(source: &[u8]) -> Result<Engine, PolicyError> {
        EngineBuilder::default().from_yaml_slice(source)
    }
}

/// `source` as text, or an `invalid-utf8` error at the first byte that is not UTF-8.
#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
fn utf8(source: &[u8]) -> Result<&str, PolicyError> {
    std::str::from_utf8(source).map_err(|e| {
        let valid = source
            .get(..e.valid_up_to())
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("");
        let mut d = Diagnostic::error(
            "invalid-utf8",
            DocPath::root(),
            format!(
                "the policy is not valid UTF-8: byte {} cannot start or continue a character",
                e.valid_up_to() + 1
            ),
            "save the file as UTF-8",
        );
        d.location = Some(crate::diagnostic::Location::of_offset(valid, valid.len()));
        PolicyError::new(vec![d])
    })
}

/// Where a message is used, which decides the built-in placeholders it may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Usage {
    /// A `[messages]` entry while it is parsed: checked against each of its usages afterwards.
    Unchecked,
    TierMessage,
    Answer,
    Handover(Handover),
}

impl Usage {
    fn allows(self, b: Builtin) -> bool {
        match self {
            Usage::Unchecked => true,
            Usage::TierMessage => matches!(b, Builtin::System | Builtin::Where),
            Usage::Answer => false,
            Usage::Handover(h) => match h {
                Handover::Explains | Handover::Serves => {
                    matches!(b, Builtin::System | Builtin::Where)
                }
                Handover::Route => b == Builtin::Department,
                Handover::Authorize => matches!(b, Builtin::Rank | Builtin::Department),
                Handover::Escalate => matches!(b, Builtin::Rank | Builtin::Department),
                Handover::Review => b == Builtin::Within,
                Handover::Changed => b == Builtin::Previous,
            },
        }
    }

    fn describe(self) -> String {
        match self {
            Usage::Unchecked => "a message".to_owned(),
            Usage::TierMessage => "a topic's `explains` or `serves` message".to_owned(),
            Usage::Answer => "an answer".to_owned(),
            Usage::Handover(h) => format!("the `{}` handover text", h.name()),
        }
    }
}

/// Whether `pattern` matches topic `id`, and how specifically: an exact id beats a longer
/// prefix, which beats a shorter one; `*` matches every topic.
pub(crate) fn pattern_specificity(pattern: &str, id: &str) -> Option<usize> {
    if pattern == "*" {
        return Some(0);
    }
    if let Some(prefix) = pattern.strip_suffix(".*") {
        let rest = id.strip_prefix(prefix)?;
        return rest.starts_with('.').then_some(prefix.len() + 1);
    }
    (pattern == id).then_some(usize::MAX)
}

/// Topic patterns looked up by a topic id: a short list is scanned, a long one is looked up
/// per prefix of the id, so a role with 100,000 grants or a rule naming 100,000 topics costs a
/// few lookups per topic, not a scan of every pattern.
struct PatternSet<'p> {
    /// The patterns, in order.
    list: Vec<&'p str>,
    /// For a long list: exact ids, prefixes (without `.*`) and `*`, each with its first index.
    exact: HashMap<&'p str, usize>,
    prefix: HashMap<&'p str, usize>,
    star: Option<usize>,
}

impl<'p> PatternSet<'p> {
    /// The longest list that is scanned.
    const SCAN: usize = 8;

    fn new(patterns: impl IntoIterator<Item = &'p str>) -> Self {
        let list: Vec<&str> = patterns.into_iter().collect();
        let mut set = PatternSet {
            list,
            exact: HashMap::new(),
            prefix: HashMap::new(),
            star: None,
        };
        if set.list.len() > Self::SCAN {
            for (i, &p) in set.list.iter().enumerate() {
                if p == "*" {
                    set.star.get_or_insert(i);
                } else if let Some(prefix) = p.strip_suffix(".*") {
                    set.prefix.entry(prefix).or_insert(i);
                } else {
                    set.exact.entry(p).or_insert(i);
                }
            }
        }
        set
    }

    /// The most specific pattern that matches `id` (as [`pattern_specificity`] ranks them;
    /// among equals, the last), by index.
    fn best(&self, id: &str) -> Option<usize> {
        if self.list.len() <= Self::SCAN {
            return self
                .list
                .iter()
                .enumerate()
                .filter_map(|(i, p)| pattern_specificity(p, id).map(|s| (s, i)))
                .max_by_key(|(s, _)| *s)
                .map(|(_, i)| i);
        }
        if let Some(&i) = self.exact.get(id) {
            return Some(i);
        }
        // The longest prefix first: `a.b.*` beats `a.*`.
        let mut end = id.len();
        while let Some(dot) = id.get(..end).and_then(|s| s.rfind('.')) {
            if let Some(&i) = id.get(..dot).and_then(|p| self.prefix.get(p)) {
                return Some(i);
            }
            end = dot;
        }
        self.star
    }
}

/// Every topic id and every prefix of one (`email` and `email.setup` for `email.setup.imap`):
/// whether a pattern matches some topic is one lookup.
struct TopicIds<'d> {
    ids: HashSet<&'d str>,
    prefixes: HashSet<&'d str>,
}

impl<'d> TopicIds<'d> {
    fn new(ids: impl Iterator<Item = &'d str>) -> Self {
        let mut t = TopicIds {
            ids: HashSet::new(),
            prefixes: HashSet::new(),
        };
        for id in ids {
            t.ids.insert(id);
            for (dot, _) in id.match_indices('.') {
                if let Some(prefix) = id.get(..dot) {
                    t.prefixes.insert(prefix);
                }
            }
        }
        t
    }

    /// Whether `pattern` matches at least one topic.
    fn any_match(&self, pattern: &str) -> bool {
        if pattern == "*" {
            return !self.ids.is_empty();
        }
        match pattern.strip_suffix(".*") {
            Some(prefix) => self.prefixes.contains(prefix),
            None => self.ids.contains(pattern),
        }
    }
}

fn valid_pattern(pattern: &str) -> bool {
    let body = pattern.strip_suffix(".*").unwrap_or(pattern);
    pattern == "*" || (!body.is_empty() && valid_topic_id(body))
}

fn valid_topic_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && !id.ends_with('.')
        && !id.contains("..")
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Parses `24h`, `2d`, `90m`, `1h30m`, `45s`.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut saw_unit = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
        } else if c.is_whitespace() {
            continue;
        } else {
            let n: u64 = number.parse().ok()?;
            number.clear();
            let unit = match c {
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return None,
            };
            total = total.checked_add(n.checked_mul(unit)?)?;
            saw_unit = true;
        }
    }
    (number.is_empty() && saw_unit && total > 0).then(|| Duration::from_secs(total))
}

struct Compiler<'d> {
    doc: &'d PolicyDocument,
    regex_size_limit: usize,
    max_table_size: usize,
    /// How many more unknown references get a "did you mean" (each costs a scan of the ids).
    suggestions_left: usize,
    /// The suggestions, under the builder's budget of edit-distance cells.
    suggester: crate::bounded::Suggester,
    /// The errors found so far, and the most that are reported.
    errors: usize,
    max_errors: usize,
    diags: Vec<Diagnostic>,
    locales: Vec<Box<str>>,
    /// The declared locales, for lookups by name.
    locale_set: HashSet<Box<str>>,
    placeholders: HashSet<Box<str>>,
    channels: Vec<Box<str>>,
    channel_index: HashMap<Box<str>, Ix>,
}

fn err(diags: &mut Vec<Diagnostic>, code: &str, path: DocPath, message: String, hint: &str) {
    diags.push(Diagnostic::error(code, path, message, hint));
}

impl<'d> Compiler<'d> {
    fn new(doc: &'d PolicyDocument, builder: &EngineBuilder) -> Self {
        let channels: Vec<Box<str>> = Channel::STANDARD
            .iter()
            .map(|c| c.as_str().into())
            .collect();
        let channel_index = channels
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i as Ix))
            .collect();
        Compiler {
            doc,
            regex_size_limit: builder.regex_size_limit,
            max_table_size: builder.max_table_size,
            suggestions_left: 100,
            suggester: crate::bounded::Suggester::new(builder.limits.max_suggestion_work),
            errors: 0,
            max_errors: builder.limits.max_errors,
            diags: Vec::new(),
            locales: Vec::new(),
            locale_set: HashSet::new(),
            placeholders: HashSet::new(),
            channels,
            channel_index,
        }
    }

    fn error(&mut self, code: &str, path: DocPath, message: String, hint: &str) {
        self.errors = self.errors.saturating_add(1);
        if self.errors <= self.max_errors {
            err(&mut self.diags, code, path, message, hint);
        } else if self.errors == self.max_errors + 1 {
            err(
                &mut self.diags,
                "too-many-errors",
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
    fn errors_full(&self) -> bool {
        self.errors > self.max_errors
    }

    fn channel(&mut self, name: &str) -> Ix {
        // The same spelling rules as a contact's channel: `Phone` is `phone`, `SMS` is `sms`.
        let channel = Channel::from(name);
        let name = channel.as_str();
        if let Some(&i) = self.channel_index.get(name) {
            return i;
        }
        let i = self.channels.len() as Ix;
        self.channels.push(name.into());
        self.channel_index.insert(name.into(), i);
        i
    }

    /// Interns the ids of a table, reporting duplicates.
    fn intern<V>(&mut self, map: &IdMap<V>, path: &DocPath, what: &str) -> HashMap<Box<str>, Ix> {
        let mut index = HashMap::with_capacity(map.len());
        for (i, (id, _)) in map.0.iter().enumerate() {
            if id.is_empty() {
                self.error(
                    "empty-id",
                    path.key(id.as_str()),
                    format!("a {what} has an empty id"),
                    "give it a short, stable id",
                );
            }
            if index.insert(id.as_str().into(), i as Ix).is_some() {
                self.error(
                    "duplicate-id",
                    path.key(id.as_str()),
                    format!("{what} `{id}` is defined twice"),
                    "merge the two definitions or rename one of them",
                );
            }
        }
        index
    }

    fn lookup(
        &mut self,
        index: &HashMap<Box<str>, Ix>,
        id: &str,
        path: DocPath,
        what: &str,
        section: &str,
    ) -> Ix {
        match index.get(id) {
            Some(&i) => i,
            None => {
                let known = self.suggest(index.keys().map(|k| &**k), id);
                self.error(
                    &format!("unknown-{what}"),
                    path,
                    format!("unknown {what} `{}`", crate::bounded::cut(id)),
                    &format!("define it under `[{section}]`{known}"),
                );
                NONE
            }
        }
    }

    /// [`suggest`], for the first unknown references only: a policy with thousands of them
    /// among thousands of ids would otherwise cost their product in edit distances.
    fn suggest<'a>(&mut self, known: impl Iterator<Item = &'a str>, wanted: &str) -> String {
        if self.suggestions_left == 0 {
            return String::new();
        }
        self.suggestions_left -= 1;
        self.suggester.did_you_mean(known, wanted)
    }

    /// Whether a derived table of `rows` × `columns` entries fits the limit; reports
    /// `policy-too-large` when it does not.
    fn table_fits(&mut self, rows: (usize, &str), columns: (usize, &str)) -> bool {
        let size = rows.0.saturating_mul(columns.0);
        if size <= self.max_table_size {
            return true;
        }
        self.error(
            "policy-too-large",
            DocPath::root(),
            format!(
                "{} {} × {} {} make {size} entries, more than the limit of {}",
                rows.0, rows.1, columns.0, columns.1, self.max_table_size
            ),
            "split the policy, use fewer roles or rules, or raise the engine's `max_table_size`",
        );
        false
    }

    fn regex(
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
                    "regex-too-big",
                    path,
                    format!("the regular expression `{pattern}` compiles to more than {limit} bytes"),
                    "simplify it (avoid large counted repetitions such as `{1000}`), or raise the engine's regex size limit",
                );
                None
            }
            Err(e) => {
                let detail = e.to_string().lines().last().unwrap_or("").trim().to_owned();
                self.error(
                    "bad-regex",
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
    fn duplicate_keys<V>(&mut self, map: &IdMap<V>, path: &DocPath, what: &str) {
        if map.0.len() < 2 {
            return;
        }
        // A set, not a scan of the earlier keys: a table of 100,000 keys costs 100,000 lookups.
        let mut seen: HashSet<&str> = HashSet::with_capacity(map.0.len());
        for (key, _) in &map.0 {
            if !seen.insert(key.as_str()) {
                self.error(
                    "duplicate-key",
                    path.key(key.as_str()),
                    format!("{what} `{key}` is written twice"),
                    "keep one entry: only one of them could apply",
                );
            }
        }
    }

    /// One text per declared locale, parsed.
    fn locale_texts(&mut self, text: &LocaleText, path: &DocPath, usage: Usage) -> Box<[Template]> {
        if self.errors_full() {
            // The engine will not be built; each text missing in each locale would cost
            // texts × locales.
            return Box::new([]);
        }
        self.duplicate_keys(text, path, "locale");
        for (locale, _) in text.iter() {
            if !self.locale_set.contains(locale) {
                self.error(
                    "unknown-locale",
                    path.key(locale),
                    format!("locale `{locale}` is not declared in `[policy].locales`"),
                    "declare it, or fix the locale's name",
                );
            }
        }
        // The text's entries by locale (the first of a duplicate, as `IdMap::get`): a lookup
        // per declared locale, not a scan of the entries.
        // (A short text, the usual one or two locales, is scanned.)
        let by_locale: Option<HashMap<&str, &String>> =
            (text.len() > 8).then(|| text.0.iter().rev().map(|(k, v)| (k.as_str(), v)).collect());
        let mut out = Vec::with_capacity(self.locales.len());
        for locale in self.locales.clone() {
            let found = match &by_locale {
                Some(map) => map.get(&*locale).copied(),
                None => text.get(&locale),
            };
            let Some(source) = found else {
                self.error(
                    "missing-locale",
                    path.clone(),
                    format!("no text for locale `{locale}`"),
                    &format!("add `{locale} = \"…\"`: every declared locale needs every text"),
                );
                out.push(Template::empty());
                continue;
            };
            match Template::parse(source, &self.placeholders) {
                Ok(t) => {
                    for b in t.builtins() {
                        if !usage.allows(b) {
                            self.error(
                                "placeholder-not-available",
                                path.key(locale.as_ref()),
                                format!(
                                    "placeholder `{{{}}}` has no value in {}",
                                    b.name(),
                                    usage.describe()
                                ),
                                "remove it, or use the message where it has a value",
                            );
                        }
                    }
                    out.push(t);
                }
                Err(e) => {
                    let (message, hint) = e.describe();
                    self.error("bad-placeholder", path.key(locale.as_ref()), message, &hint);
                    out.push(Template::empty());
                }
            }
        }
        out.into()
    }

    fn version(&mut self, v: &VersionDoc, path: &DocPath, usage: Usage) -> Version {
        let texts = self.locale_texts(&v.text, &path.key("text"), usage);
        let variants = self.variants(&v.channels, &path.key("channels"), usage);
        Version {
            change: v.change,
            texts,
            variants,
        }
    }

    fn variants(
        &mut self,
        channels: &IdMap<LocaleText>,
        path: &DocPath,
        usage: Usage,
    ) -> Box<[(Ix, Box<[Template]>)]> {
        self.duplicate_keys(channels, path, "channel");
        channels
            .iter()
            .map(|(channel, text)| {
                let c = self.channel(channel);
                (c, self.locale_texts(text, &path.key(channel), usage))
            })
            .collect()
    }

    fn message(&mut self, id: &str, m: &MessageDoc, path: &DocPath, usage: Usage) -> Message {
        let versions: Vec<Version> = match (&m.text, m.versions.is_empty()) {
            (Some(text), true) => vec![self.version(
                &VersionDoc {
                    change: None,
                    text: text.clone(),
                    channels: m.channels.clone(),
                },
                path,
                usage,
            )],
            (None, false) => {
                if !m.channels.is_empty() {
                    self.error(
                        "ambiguous-message",
                        path.key("channels"),
                        format!(
                            "message `{id}` has versions and also channel variants outside them"
                        ),
                        "move `channels` into each version",
                    );
                }
                let vpath = path.key("versions");
                m.versions
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        if i > 0 && v.change.is_none() {
                            self.error(
                                "missing-change",
                                vpath.index(i),
                                format!(
                                    "version {} of message `{id}` does not say what changed",
                                    i + 1
                                ),
                                "add `change = \"editorial\"` (same instructions, better words) or `change = \"substantive\"` (the procedure changed)",
                            );
                        }
                        self.version(v, &vpath.index(i), usage)
                    })
                    .collect()
            }
            (Some(_), false) => {
                self.error(
                    "ambiguous-message",
                    path.clone(),
                    format!("message `{id}` has both `text` and `versions`"),
                    "keep `text` for a single version, or move it into the first of `versions`",
                );
                Vec::new()
            }
            (None, true) => {
                self.error(
                    "empty-message",
                    path.clone(),
                    format!("message `{id}` has no text"),
                    "add `text = { … }` with one entry per locale, or `[[messages.ID.versions]]`",
                );
                Vec::new()
            }
        };
        let versions = if versions.is_empty() {
            vec![Version {
                change: None,
                texts: self.locales.iter().map(|_| Template::empty()).collect(),
                variants: Box::new([]),
            }]
        } else {
            versions
        };
        Message {
            id: id.into(),
            versions: versions.into(),
            versioned: !m.versions.is_empty(),
        }
    }

    fn run(mut self) -> (Option<Engine>, Vec<Diagnostic>) {
        let doc = self.doc;
        let root = DocPath::root();
        let hp = root.key("policy");

        // [policy]
        let name = doc.policy.name.clone().unwrap_or_else(|| {
            self.error(
                "missing-name",
                hp.key("name"),
                "the policy has no name".to_owned(),
                "add `name = \"…\"` under `[policy]`",
            );
            String::new()
        });
        let revision = doc.policy.revision.clone().unwrap_or_else(|| {
            self.error(
                "missing-revision",
                hp.key("revision"),
                "the policy has no revision".to_owned(),
                "add `revision = \"2026-11-27\"` (or any label) under `[policy]`: every decision carries it",
            );
            String::new()
        });
        if doc.policy.locales.is_empty() {
            self.error(
                "no-locales",
                hp.key("locales"),
                "the policy declares no locale".to_owned(),
                "add `locales = [\"es\", \"en\"]` under `[policy]`; the first is the default",
            );
        }
        for (i, l) in doc.policy.locales.iter().enumerate() {
            if l.trim().is_empty() {
                self.error(
                    "bad-locale",
                    hp.key("locales").index(i),
                    "a locale is empty".to_owned(),
                    "use a language tag such as `es` or `en-GB`",
                );
            } else if !self.locale_set.insert(l.as_str().into()) {
                self.error(
                    "duplicate-locale",
                    hp.key("locales").index(i),
                    format!("locale `{l}` is declared twice"),
                    "remove the repeated entry",
                );
            } else {
                self.locales.push(l.as_str().into());
            }
        }
        for (i, p) in doc.policy.placeholders.iter().enumerate() {
            let valid = !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                self.error(
                    "bad-placeholder",
                    hp.key("placeholders").index(i),
                    format!("`{p}` is not a placeholder name"),
                    "use lowercase letters, digits and `_`",
                );
            } else if Builtin::ALL.iter().any(|b| b.name() == p) {
                self.error(
                    "reserved-placeholder",
                    hp.key("placeholders").index(i),
                    format!("`{{{p}}}` is a built-in placeholder"),
                    "remove it from `placeholders`: the engine fills it",
                );
            } else {
                self.placeholders.insert(p.as_str().into());
            }
        }

        // [departments]
        let dpath = root.key("departments");
        let department_index = self.intern(&doc.departments, &dpath, "department");
        let departments: Vec<Department> = doc
            .departments
            .iter()
            .map(|(id, d)| Department {
                id: id.into(),
                name: d.name.as_deref().unwrap_or(id).into(),
            })
            .collect();

        // [ranks]
        let rpath = root.key("ranks");
        let mut ranks: Vec<Box<str>> = Vec::new();
        let mut review_within = Duration::from_secs(24 * 3600);
        let mut review_within_text: Box<str> = "24h".into();
        match &doc.ranks {
            None => self.error(
                "missing-ranks",
                rpath.clone(),
                "the policy has no `[ranks]`".to_owned(),
                "add `[ranks]` with `order = [\"agent\", \"supervisor\", \"manager\"]`: there is always a superior (R3.3)",
            ),
            Some(r) => {
                if r.order.is_empty() {
                    self.error(
                        "empty-rank-order",
                        rpath.key("order"),
                        "the rank order is empty".to_owned(),
                        "list the ranks from the lowest to the highest, e.g. `[\"agent\", \"supervisor\", \"manager\"]`",
                    );
                }
                let mut seen: HashSet<&str> = HashSet::with_capacity(r.order.len());
                for (i, rank) in r.order.iter().enumerate() {
                    if !seen.insert(rank.as_str()) {
                        self.error(
                            "duplicate-id",
                            rpath.key("order").index(i),
                            format!("rank `{rank}` is listed twice"),
                            "each rank appears once, from the lowest to the highest",
                        );
                    } else {
                        ranks.push(rank.as_str().into());
                    }
                }
                if let Some(w) = &r.review_within {
                    match parse_duration(w) {
                        Some(d) => {
                            review_within = d;
                            review_within_text = w.trim().into();
                        }
                        None => self.error(
                            "bad-duration",
                            rpath.key("review_within"),
                            format!("`{w}` is not a duration"),
                            "write a number and a unit: `24h`, `2d`, `90m`, `1h30m`",
                        ),
                    }
                }
            }
        }
        let rank_index: HashMap<Box<str>, Ix> = ranks
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), i as Ix))
            .collect();

        // [systems]
        let spath = root.key("systems");
        let system_index = self.intern(&doc.systems, &spath, "system");
        let mut systems = Vec::with_capacity(doc.systems.len());
        for (id, s) in doc.systems.iter() {
            let p = spath.key(id);
            let tier = match s.tier {
                Some(Tier::Person) => {
                    self.error(
                        "person-is-not-a-system",
                        p.key("tier"),
                        format!("system `{id}` has tier `person`"),
                        "a system is anything that is not a person: use `explains` or `serves` (R0.4)",
                    );
                    // Marks the tier as unknown, so that topics naming it report nothing more.
                    Tier::Person
                }
                Some(t) => t,
                None => {
                    self.error(
                        "missing-tier",
                        p.key("tier"),
                        format!("system `{id}` has no tier"),
                        "add `tier = \"explains\"` or `tier = \"serves\"`",
                    );
                    Tier::Person
                }
            };
            self.duplicate_keys(&s.where_, &p.key("where"), "channel");
            let wheres = s
                .where_
                .iter()
                .map(|(channel, w)| (self.channel(channel), w.as_str().into()))
                .collect();
            systems.push(System {
                id: id.into(),
                tier,
                name: s.name.as_deref().unwrap_or(id).into(),
                wheres,
            });
        }

        // [messages]: interned first, compiled once their usages are known.
        let mpath = root.key("messages");
        let mut message_index = self.intern(&doc.messages, &mpath, "message");
        for id in doc.messages.keys() {
            if id.starts_with("handover.") {
                self.error(
                    "reserved-id",
                    mpath.key(id),
                    format!(
                        "message id `{id}` starts with `handover.`, which names the handover texts"
                    ),
                    "rename the message",
                );
            }
        }
        let mut usages: Vec<Vec<(Usage, DocPath)>> = vec![Vec::new(); doc.messages.len()];

        // [topics]
        let tpath = root.key("topics");
        let topic_index = self.intern(&doc.topics, &tpath, "topic");
        let mut topics = Vec::with_capacity(doc.topics.len());
        for (id, t) in doc.topics.iter() {
            let p = tpath.key(id);
            if !valid_topic_id(id) {
                self.error(
                    "bad-topic-id",
                    p.clone(),
                    format!("`{id}` is not a topic id"),
                    "use dotted names of letters, digits, `-` and `_`, such as `email.setup`",
                );
            }
            let owner = match &t.owner {
                Some(o) => self.lookup(
                    &department_index,
                    o,
                    p.key("owner"),
                    "department",
                    "departments",
                ),
                None => {
                    self.error(
                        "missing-owner",
                        p.key("owner"),
                        format!("topic `{id}` has no owner"),
                        "add `owner = \"<department>\"`: every topic belongs to a department (R0.2)",
                    );
                    NONE
                }
            };
            let mut tier_ref =
                |this: &mut Self, r: &Option<TierRefDoc>, tier: Tier| -> Option<TierRef> {
                    let r = r.as_ref()?;
                    let tp = p.key(tier.as_str());
                    let system = this.lookup(
                        &system_index,
                        &r.system,
                        tp.key("system"),
                        "system",
                        "systems",
                    );
                    if let Some(s) = systems.get(system as usize) {
                        // `Person`: the system's own tier is already reported as wrong.
                        if s.tier != tier && s.tier != Tier::Person {
                            this.error(
                                "wrong-tier",
                                tp.key("system"),
                                format!(
                                    "system `{}` is a system that {}, not one that {}",
                                    r.system, s.tier, tier
                                ),
                                &format!("name a system with `tier = \"{tier}\"` here"),
                            );
                        }
                    }
                    let message = this.lookup(
                        &message_index,
                        &r.message,
                        tp.key("message"),
                        "message",
                        "messages",
                    );
                    if let Some(u) = usages.get_mut(message as usize) {
                        u.push((Usage::TierMessage, tp.key("message")));
                    }
                    Some(TierRef { system, message })
                };
            let explains = tier_ref(&mut self, &t.explains, Tier::Explains);
            let serves = tier_ref(&mut self, &t.serves, Tier::Serves);
            let answer = match &t.answer {
                Some(a) => {
                    let m = self.lookup(&message_index, a, p.key("answer"), "message", "messages");
                    if let Some(u) = usages.get_mut(m as usize) {
                        u.push((Usage::Answer, p.key("answer")));
                    }
                    m
                }
                None => {
                    self.error(
                        "missing-answer",
                        p.key("answer"),
                        format!("topic `{id}` has no answer for a person to give"),
                        "add `answer = \"<message id>\"`: the answer once the systems are exhausted",
                    );
                    NONE
                }
            };
            let authority = t.authority.unwrap_or_default();
            let approver = match &t.approver {
                Some(a) => {
                    if authority != Authority::Authorized {
                        self.diags.push(Diagnostic::warning(
                            "approver-without-authorized",
                            p.key("approver"),
                            format!(
                                "topic `{id}` names an approver but its authority is `{authority}`"
                            ),
                            "remove `approver`, or set `authority = \"authorized\"`",
                        ));
                    }
                    self.lookup(&rank_index, a, p.key("approver"), "rank", "ranks")
                }
                None => NONE,
            };
            if let Some(s) = t.severity {
                if !s.is_finite() || s < 0.0 {
                    self.error(
                        "bad-number",
                        p.key("severity"),
                        format!("severity `{s}` is not a non-negative number"),
                        "use a number such as `3`",
                    );
                }
            }
            // Keywords are validated and compiled by triage, which parses each once.
            self.duplicate_keys(&t.keywords, &p.key("keywords"), "locale");
            for (locale, _) in t.keywords.iter() {
                if !self.locale_set.contains(locale) {
                    self.error(
                        "unknown-locale",
                        p.key("keywords").key(locale),
                        format!("locale `{locale}` is not declared in `[policy].locales`"),
                        "declare it, or fix the locale's name",
                    );
                }
            }
            topics.push(Topic {
                id: id.into(),
                owner,
                explains,
                serves,
                answer,
                authority,
                approver,
                severity: t
                    .severity
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .unwrap_or(0.0),
            });
        }

        // fallback
        let fallback = match &doc.policy.fallback {
            None => {
                self.error(
                    "missing-fallback",
                    hp.key("fallback"),
                    "the policy has no fallback topic".to_owned(),
                    "add `fallback = \"general\"` under `[policy]`, naming a topic whose explaining system is the general self-diagnosis",
                );
                NONE
            }
            Some(f) => {
                let t = self.lookup(&topic_index, f, hp.key("fallback"), "topic", "topics");
                if let Some(topic) = topics.get(t as usize) {
                    if topic.explains.is_none() {
                        self.error(
                            "fallback-without-explanation",
                            tpath.key(f.as_str()).key("explains"),
                            format!("the fallback topic `{f}` has no explaining system"),
                            "add `explains = { system = \"…\", message = \"…\" }`: the first contact is always an explaining system (R0.4)",
                        );
                    }
                }
                t
            }
        };

        let topic_ids = TopicIds::new(doc.topics.keys());

        // [roles]
        let ropath = root.key("roles");
        let role_index = self.intern(&doc.roles, &ropath, "role");
        let mut roles = Vec::with_capacity(doc.roles.len());
        for (id, r) in doc.roles.iter() {
            let p = ropath.key(id);
            let department = match &r.department {
                Some(d) => self.lookup(
                    &department_index,
                    d,
                    p.key("department"),
                    "department",
                    "departments",
                ),
                None => {
                    self.error(
                        "missing-department",
                        p.key("department"),
                        format!("role `{id}` has no department"),
                        "add `department = \"<department>\"`",
                    );
                    NONE
                }
            };
            let rank = match &r.rank {
                Some(k) => self.lookup(&rank_index, k, p.key("rank"), "rank", "ranks"),
                None => {
                    self.error(
                        "missing-rank",
                        p.key("rank"),
                        format!("role `{id}` has no rank"),
                        "add `rank = \"<rank>\"` from `[ranks].order`",
                    );
                    NONE
                }
            };
            self.duplicate_keys(&r.authority, &p.key("authority"), "topic pattern");
            for (pattern, _) in r.authority.iter() {
                self.topic_pattern(
                    pattern,
                    p.key("authority").key(pattern),
                    &topics,
                    &topic_ids,
                    "grant",
                );
            }
            roles.push(Role {
                id: id.into(),
                department,
                rank,
                grants: r
                    .authority
                    .iter()
                    .map(|(pattern, a)| (pattern.into(), *a))
                    .collect(),
            });
        }
        let grants_fit = self.table_fits((roles.len(), "roles"), (topics.len(), "topics"));
        let rules_fit = self.table_fits((topics.len(), "topics"), (doc.rules.len(), "rules"));
        if !grants_fit || !rules_fit {
            return (None, self.diags);
        }
        let mut grants = vec![0u8; roles.len().saturating_mul(topics.len())];
        for (ri, role) in roles.iter().enumerate() {
            let patterns = PatternSet::new(role.grants.iter().map(|(p, _)| &**p));
            for (ti, topic) in topics.iter().enumerate() {
                let best = patterns
                    .best(&topic.id)
                    .and_then(|i| role.grants.get(i))
                    .map(|(_, a)| *a);
                if let (Some(a), Some(slot)) = (best, grants.get_mut(ri * topics.len() + ti)) {
                    *slot = a as u8 + 1;
                }
            }
        }

        // Escalation (R3.3): per department and rank, the next rank that has a role there.
        if !self.table_fits((departments.len(), "departments"), (ranks.len(), "ranks")) {
            return (None, self.diags);
        }
        // Which (department, rank) pairs some role holds: one pass over the roles, so that
        // the table below costs departments × ranks, not × roles too.
        let mut staffed = vec![false; departments.len().saturating_mul(ranks.len())];
        for role in &roles {
            let i = (role.department as usize)
                .checked_mul(ranks.len())
                .and_then(|i| i.checked_add(role.rank as usize));
            if let (true, Some(slot)) = (
                (role.rank as usize) < ranks.len(),
                i.and_then(|i| staffed.get_mut(i)),
            ) {
                *slot = true;
            }
        }
        let mut superior = vec![NONE; staffed.len()];
        for d in 0..departments.len() {
            let mut above = NONE;
            for r in (0..ranks.len()).rev() {
                let i = d.saturating_mul(ranks.len()).saturating_add(r);
                if let Some(slot) = superior.get_mut(i) {
                    *slot = above;
                }
                if staffed.get(i).copied().unwrap_or(false) {
                    above = r as Ix;
                }
            }
        }

        // [handover]
        let hopath = root.key("handover");
        let mut handover = [NONE; 7];
        let mut messages: Vec<Message> = Vec::with_capacity(doc.messages.len() + 7);
        for (id, m) in doc.messages.iter() {
            // Checked against each usage once the rules are known, below.
            let usage = Usage::Unchecked;
            messages.push(self.message(id, m, &mpath.key(id), usage));
        }
        let empty = crate::document::HandoverDoc::default();
        let h = doc.handover.as_ref().unwrap_or(&empty);
        for kind in Handover::ALL {
            let text = match kind {
                Handover::Explains => &h.explains,
                Handover::Serves => &h.serves,
                Handover::Route => &h.route,
                Handover::Authorize => &h.authorize,
                Handover::Escalate => &h.escalate,
                Handover::Review => &h.review,
                Handover::Changed => &h.changed,
            };
            let path = hopath.key(kind.name());
            match text {
                Some(text) => {
                    let id = format!("handover.{}", kind.name());
                    let texts = self.locale_texts(text, &path, Usage::Handover(kind));
                    if let Some(slot) = handover.get_mut(kind as usize) {
                        *slot = messages.len() as Ix;
                    }
                    message_index.insert(id.as_str().into(), messages.len() as Ix);
                    messages.push(Message {
                        id: id.into(),
                        versions: vec![Version {
                            change: None,
                            texts,
                            variants: Box::new([]),
                        }]
                        .into(),
                        versioned: false,
                    });
                }
                None if kind == Handover::Changed => {}
                None => self.error(
                    "missing-handover",
                    path,
                    format!("there is no `{}` handover text", kind.name()),
                    "add it under `[handover]` with one text per locale: the customer hears the same words whoever hands them over",
                ),
            }
        }

        // [style]
        let stpath = root.key("style").key("forbidden");
        let mut forbidden = Vec::new();
        for (i, f) in doc.style.forbidden.iter().enumerate() {
            if let Some(regex) = self.regex(&f.pattern, stpath.index(i).key("pattern"), false) {
                forbidden.push(Forbidden {
                    regex,
                    why: f.why.as_str().into(),
                });
            }
        }

        // [[rules]]
        let (rules, fact_keys, fact_values) = self.rules(
            &topics,
            &topic_ids,
            &department_index,
            &role_index,
            &rank_index,
            &message_index,
            &mut usages,
        );
        for (m, list) in usages.iter().enumerate() {
            let Some(msg) = messages.get(m) else { continue };
            if list.is_empty() {
                continue;
            }
            // The built-ins the message's texts use, in order of first use, gathered once:
            // a message of many texts used many times costs texts + usages, not their product.
            let mut used: Vec<Builtin> = Vec::new();
            for b in msg
                .versions
                .iter()
                .flat_map(|v| {
                    v.texts
                        .iter()
                        .chain(v.variants.iter().flat_map(|(_, t)| t.iter()))
                })
                .flat_map(Template::builtins)
            {
                if !used.contains(&b) {
                    used.push(b);
                }
            }
            // Answers (a topic's or a rule's) have no system to name; a tier message names only
            // its system. Each usage is reported once, with the first placeholder it cannot fill.
            for (usage, path) in list {
                let unavailable = used.iter().copied().find(|b| !usage.allows(*b));
                if let Some(b) = unavailable {
                    self.error(
                        "placeholder-not-available",
                        path.clone(),
                        format!(
                            "message `{}` is used as {} but has placeholder `{{{}}}`, which has no value there",
                            msg.id,
                            usage.describe(),
                            b.name()
                        ),
                        "remove the placeholder, or use another message here",
                    );
                }
            }
        }
        let mut topic_rule_start = Vec::with_capacity(topics.len() + 1);
        let mut topic_rules = Vec::new();
        let rule_patterns: Vec<Option<PatternSet<'_>>> = rules
            .iter()
            .map(|r| {
                r.topics
                    .as_ref()
                    .map(|ps| PatternSet::new(ps.iter().map(|p| &**p)))
            })
            .collect();
        for topic in &topics {
            topic_rule_start.push(topic_rules.len() as Ix);
            for (ri, patterns) in rule_patterns.iter().enumerate() {
                let applies = patterns
                    .as_ref()
                    .is_none_or(|ps| ps.best(&topic.id).is_some());
                if applies {
                    topic_rules.push(ri as Ix);
                }
            }
        }
        topic_rule_start.push(topic_rules.len() as Ix);

        let triage = crate::triage::Triage::build(
            &self.locales,
            doc,
            self.regex_size_limit,
            &mut self.diags,
        );
        let urgency = crate::urgency::Weights::build(doc.urgency.as_ref(), &mut self.diags);

        let fact_value_index = fact_values
            .iter()
            .enumerate()
            .map(|(i, v)| (Box::<str>::from(&**v), i as Ix))
            .collect();
        let engine = Engine {
            name: name.into(),
            revision: revision.into(),
            locales: self.locales.into(),
            channels: self.channels.into(),
            departments: departments.into(),
            department_index,
            systems: systems.into(),
            system_index,
            topics: topics.into(),
            topic_index,
            messages: messages.into(),
            message_index,
            roles: roles.into(),
            role_index,
            grants: grants.into(),
            superior: superior.into(),
            ranks: ranks.into(),
            review_within,
            review_within_text,
            handover,
            rules: rules.into(),
            topic_rule_start: topic_rule_start.into(),
            topic_rules: topic_rules.into(),
            fact_keys: fact_keys.into(),
            fact_values: fact_values.into(),
            fact_value_index,
            forbidden: forbidden.into(),
            fallback,
            triage,
            urgency,
            warnings: Box::new([]),
            space: crate::check::SpaceLimits::default(),
            stamp: 0,
            hot: crate::hot::HotPath::default(),
        };
        let engine = Engine {
            stamp: stamp_of(&engine),
            hot: crate::hot::HotPath::new(&engine),
            ..engine
        };
        (Some(engine), self.diags)
    }

    /// Checks a topic pattern: valid, and matching at least one topic.
    fn topic_pattern(
        &mut self,
        pattern: &str,
        path: DocPath,
        topics: &[Topic],
        ids: &TopicIds<'_>,
        what: &str,
    ) {
        if !valid_pattern(pattern) {
            self.error(
                "bad-pattern",
                path,
                format!("`{pattern}` is not a topic pattern"),
                "use a topic id (`email.setup`), a prefix (`email.*`) or `*`",
            );
        } else if !ids.any_match(pattern) {
            let known = self.suggest(topics.iter().map(|t| &*t.id), pattern);
            self.error(
                &format!("{what}-matches-no-topic"),
                path,
                format!("`{pattern}` matches no topic"),
                &format!("fix the pattern or define the topic under `[topics]`{known}"),
            );
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the compiler's tables, passed once"
    )]
    fn rules(
        &mut self,
        topics: &[Topic],
        topic_ids: &TopicIds<'_>,
        departments: &HashMap<Box<str>, Ix>,
        roles: &HashMap<Box<str>, Ix>,
        ranks: &HashMap<Box<str>, Ix>,
        messages: &HashMap<Box<str>, Ix>,
        usages: &mut [Vec<(Usage, DocPath)>],
    ) -> (Vec<Rule>, Vec<Box<str>>, Vec<Box<str>>) {
        let doc = self.doc;
        let rpath = DocPath::root().key("rules");
        let mut rules = Vec::with_capacity(doc.rules.len());
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut fact_keys = Interner::default();
        let mut fact_values = Interner::default();
        for (i, r) in doc.rules.iter().enumerate() {
            let p = rpath.index(i);
            let id = match &r.id {
                Some(id) if !id.is_empty() => {
                    if let Some(first) = ids.insert(id, i) {
                        self.error(
                            "duplicate-id",
                            p.key("id"),
                            format!("rule id `{id}` is already used by rules[{first}]"),
                            "give every rule its own id",
                        );
                    }
                    id.clone()
                }
                _ => {
                    self.error(
                        "missing-rule-id",
                        p.key("id"),
                        format!("rule {i} has no id"),
                        "add `id = \"…\"`: decisions name the rule that shaped them",
                    );
                    format!("rules[{i}]")
                }
            };
            let w = &r.when;
            let t = &r.then;
            if t.answer.is_none()
                && t.skip_ladder != Some(true)
                && t.authority.is_none()
                && t.route.is_none()
            {
                self.error(
                    "empty-rule",
                    p.key("then"),
                    format!("rule `{id}` changes nothing"),
                    "give it an effect: `answer`, `skip_ladder = true`, `authority` or `route`",
                );
            }
            let wp = p.key("when");
            let topics_list = w.topic.as_ref().map(|list| {
                for (k, pattern) in list.0.iter().enumerate() {
                    let path = if list.0.len() == 1 {
                        wp.key("topic")
                    } else {
                        wp.key("topic").index(k)
                    };
                    self.topic_pattern(pattern, path, topics, topic_ids, "rule");
                }
                list.0
                    .iter()
                    .map(|s| s.as_str().into())
                    .collect::<Box<[Box<str>]>>()
            });
            let ids_of = |this: &mut Self,
                          list: &Option<OneOrMany<String>>,
                          key: &str,
                          index: &HashMap<Box<str>, Ix>,
                          what: &str,
                          section: &str| {
                list.as_ref().map(|l| {
                    l.0.iter()
                        .enumerate()
                        .map(|(k, id)| {
                            let path = if l.0.len() == 1 {
                                wp.key(key)
                            } else {
                                wp.key(key).index(k)
                            };
                            this.lookup(index, id, path, what, section)
                        })
                        .collect::<Box<[Ix]>>()
                })
            };
            let departments_list = ids_of(
                self,
                &w.department,
                "department",
                departments,
                "department",
                "departments",
            );
            let roles_list = ids_of(self, &w.role, "role", roles, "role", "roles");
            let ranks_list = ids_of(self, &w.rank, "rank", ranks, "rank", "ranks");
            let channels = w
                .channel
                .as_ref()
                .map(|l| l.0.iter().map(|c| self.channel(c)).collect::<Box<[Ix]>>());
            let progress = match &w.progress {
                None => Progress::ALL.iter().fold(0, |m, p| m | p.bit()),
                Some(list) => list.0.iter().fold(0, |m, p| m | p.bit()),
            };
            self.duplicate_keys(&w.facts, &wp.key("facts"), "fact");
            let mut facts = Vec::new();
            for (key, values) in w.facts.iter() {
                let k = fact_keys.intern(key);
                let vs: Box<[Ix]> = values.0.iter().map(|v| fact_values.intern(v)).collect();
                if vs.is_empty() {
                    self.error(
                        "empty-condition",
                        wp.key("facts").key(key),
                        format!("fact `{key}` lists no value, so rule `{id}` can never match"),
                        "list the values that match",
                    );
                }
                facts.push((k, vs));
            }
            let tp = p.key("then");
            let answer = t.answer.as_ref().map(|m| {
                let ix = self.lookup(messages, m, tp.key("answer"), "message", "messages");
                if let Some(u) = usages.get_mut(ix as usize) {
                    u.push((Usage::Answer, tp.key("answer")));
                }
                ix
            });
            let route = t
                .route
                .as_ref()
                .map(|d| self.lookup(departments, d, tp.key("route"), "department", "departments"));
            rules.push(Rule {
                id: id.into(),
                why: r.why.as_deref().map(Into::into),
                topics: topics_list,
                channels,
                departments: departments_list,
                roles: roles_list,
                ranks: ranks_list,
                progress,
                facts: facts.into(),
                answer,
                skip_ladder: t.skip_ladder == Some(true),
                authority: t.authority,
                route,
            });
        }
        (rules, fact_keys.list, fact_values.list)
    }
}

/// A fingerprint of every id list behind the engine's dense indices (not the texts, nor the
/// revision): two engines with the same
/// stamp resolve a prepared key to the same things.
fn stamp_of(engine: &Engine) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    engine.locales.hash(&mut h);
    engine.channels.hash(&mut h);
    for t in engine.topics.iter() {
        t.id.hash(&mut h);
    }
    for r in engine.roles.iter() {
        r.id.hash(&mut h);
    }
    for s in engine.systems.iter() {
        s.id.hash(&mut h);
    }
    engine.fact_keys.hash(&mut h);
    engine.fact_values.hash(&mut h);
    h.finish()
}

/// Strings interned in order of first appearance: the list and its index (a hash map, so
/// 100,000 values of one fact condition cost 100,000 lookups, not a scan each).
#[derive(Default)]
struct Interner {
    list: Vec<Box<str>>,
    index: HashMap<Box<str>, Ix>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> Ix {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as Ix;
        self.list.push(s.into());
        self.index.insert(s.into(), i);
        i
    }
}

impl PolicyDocument {
    /// Parses a TOML policy document (shape only; compile it to check references), with the
    /// default limits of [`EngineBuilder`].
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with one `parse-error` (or `policy-too-large`) diagnostic carrying
    /// line and column.
    #[cfg(feature = "toml")]
    pub fn from_toml_str(source: &str) -> Result<PolicyDocument, PolicyError> {
        Self::parse_toml(source, &ParseLimits::default())
    }

    #[cfg(feature = "toml")]
    pub(crate) fn parse_toml(
        source: &str,
        limits: &ParseLimits,
    ) -> Result<PolicyDocument, PolicyError> {
        let source = without_bom(source);
        check_size(source, limits)?;
        toml::from_str(source).map_err(|e| {
            let mut d = Diagnostic::error(
                "parse-error",
                DocPath::root(),
                e.message().trim().to_owned(),
                "fix the TOML at that line and column; field names are listed in the policy format reference (docs/format.md) and in schema/policy.schema.json",
            );
            // An error without a span (a key nested too deeply) is located at the first line
            // that is not blank or a comment: where the document's trouble starts.
            let at = e.span().map_or_else(|| first_content(source), |s| s.start);
            d.location = Some(crate::diagnostic::Location::of_offset(source, at));
            PolicyError::new(vec![d])
        })
    }

    /// Parses a JSON policy document (shape only), with the default limits of
    /// [`EngineBuilder`].
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with one `parse-error` (or `too-deep`, `policy-too-large`,
    /// `empty-policy`) diagnostic carrying line and column.
    #[cfg(feature = "json")]
    pub fn from_json_str(source: &str) -> Result<PolicyDocument, PolicyError> {
        Self::parse_json(source, &ParseLimits::default())
    }

    #[cfg(feature = "json")]
    pub(crate) fn parse_json(
        source: &str,
        limits: &ParseLimits,
    ) -> Result<PolicyDocument, PolicyError> {
        let source = without_bom(source);
        check_size(source, limits)?;
        check_not_empty(
            source,
            false,
            "a JSON policy is one object: `{\"policy\": {…}, …}`",
        )?;
        crate::prescan::scan_yaml(source, scan_limits(limits))?;
        serde_json::from_str(source).map_err(|e| {
            let mut d = Diagnostic::error(
                "parse-error",
                DocPath::root(),
                e.to_string(),
                "fix the JSON at that line and column",
            );
            d.location = Some(crate::diagnostic::Location {
                line: e.line().max(1),
                column: e.column().max(1),
            });
            PolicyError::new(vec![d])
        })
    }

    /// Parses a YAML policy document (shape only), with the default limits of
    /// [`EngineBuilder`]: nesting and aliases are bounded before parsing.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] with one `parse-error` (or `too-deep`, `policy-too-large`,
    /// `empty-policy`) diagnostic carrying line and column.
    #[cfg(feature = "yaml")]
    pub fn from_yaml_str(source: &str) -> Result<PolicyDocument, PolicyError> {
        Self::parse_yaml(source, &ParseLimits::default())
    }

    #[cfg(feature = "yaml")]
    pub(crate) fn parse_yaml(
        source: &str,
        limits: &ParseLimits,
    ) -> Result<PolicyDocument, PolicyError> {
        let source = without_bom(source);
        check_size(source, limits)?;
        check_not_empty(
            source,
            true,
            "a YAML policy is a mapping: `policy:`, `topics:`, …",
        )?;
        crate::prescan::scan_yaml(source, scan_limits(limits))?;
        serde_norway::from_str(source).map_err(|e| {
            let mut d = Diagnostic::error(
                "parse-error",
                DocPath::root(),
                e.to_string(),
                "fix the YAML at that line and column",
            );
            d.location = e.location().map(|l| crate::diagnostic::Location {
                line: l.line().max(1),
                column: l.column().max(1),
            });
            // The YAML reader reports some errors (a control character such as NUL) at 1:1
            // with the byte's offset in the message; locate them at that character.
            if d.location == Some(crate::diagnostic::Location { line: 1, column: 1 })
                && d.message.contains("control characters")
            {
                if let Some(at) = source
                    .find(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{85}'))
                {
                    d.location = Some(crate::diagnostic::Location::of_offset(source, at));
                }
            }
            PolicyError::new(vec![d])
        })
    }
}

/// `source` without a leading byte-order mark: a file saved "with BOM" reads as the same
/// policy, and lines and columns count from after it, as editors show them.
#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
fn without_bom(source: &str) -> &str {
    source.strip_prefix('\u{feff}').unwrap_or(source)
}

/// The limits of the pre-scan of YAML and JSON text.
#[cfg(any(feature = "yaml", feature = "json"))]
fn scan_limits(limits: &ParseLimits) -> crate::prescan::ScanLimits {
    crate::prescan::ScanLimits {
        max_depth: limits.max_nesting_depth,
        max_bytes: limits.max_policy_bytes,
    }
}

/// A `policy-too-large` error for a text longer than [`EngineBuilder::max_policy_bytes`].
#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
fn check_size(source: &str, limits: &ParseLimits) -> Result<(), PolicyError> {
    if source.len() <= limits.max_policy_bytes {
        return Ok(());
    }
    Err(PolicyError::new(vec![Diagnostic::error(
        "policy-too-large",
        DocPath::root(),
        format!(
            "the policy text is {} bytes long, more than the limit of {} bytes",
            source.len(),
            limits.max_policy_bytes
        ),
        "split the policy, or raise the engine's `max_policy_bytes`",
    )]))
}

/// An `empty-policy` error for a text that is blank (or, in YAML, only comments), whose
/// parser would say "EOF while parsing" at column 0.
#[cfg(any(feature = "json", feature = "yaml"))]
fn check_not_empty(source: &str, comments: bool, shape: &str) -> Result<(), PolicyError> {
    let blank = source
        .lines()
        .all(|l| l.trim().is_empty() || (comments && l.trim_start().starts_with('#')));
    if !blank {
        return Ok(());
    }
    let mut d = Diagnostic::error(
        "empty-policy",
        DocPath::root(),
        "the policy is empty",
        format!("write the policy: {shape}"),
    );
    d.location = Some(crate::diagnostic::Location { line: 1, column: 1 });
    Err(PolicyError::new(vec![d]))
}

/// The byte offset of the first line that is not blank or a comment (0 when there is none).
#[cfg(feature = "toml")]
fn first_content(source: &str) -> usize {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') {
            return offset + (line.len() - line.trim_start().len());
        }
        offset += line.len();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("24"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("0h"), None);
        assert_eq!(parse_duration("3 weeks"), None);
    }

    #[test]
    fn pattern_specificity_prefers_exact_then_longer_prefix() {
        assert_eq!(
            pattern_specificity("email.setup", "email.setup"),
            Some(usize::MAX)
        );
        assert!(
            pattern_specificity("email.*", "email.setup") > pattern_specificity("*", "email.setup")
        );
        assert_eq!(pattern_specificity("email.*", "emailx.setup"), None);
        assert_eq!(pattern_specificity("email.*", "email"), None);
    }
}
