//! `EngineBuilder`: the limits of compiling a policy, and the entry points that parse a policy
//! text and compile it (`EngineBuilder::from_*`, `Engine::compile`, `Engine::from_*`).

use crate::diagnostic::{Diagnostic, PolicyError};
use crate::document::PolicyDocument;
use crate::engine::Engine;
use crate::format::PolicyFormat;

use super::compiler::Compiler;
use super::limits::{CompileLimits, LengthLimits, ParseLimits};
#[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
use super::parse::utf8;
#[cfg(feature = "toml")]
use super::parse::without_bom;

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
    pub(super) regex_size_limit: usize,
    pub(super) max_table_size: usize,
    // Limits on reading a policy (issue 19): the text's size (aliases expanded), its nesting,
    // the work spent on suggestions, the errors reported.
    pub(super) limits: ParseLimits,
    // Triage limits (issue 19, item 7).
    pub(super) max_triage_bytes: usize,
    // Issue 19, items 5–6: the circumstance space of `check`, `diff` and the decision table.
    max_circumstances: u64,
    exhaustive_circumstances: bool,
    // Issue 25 point 3: the longest id, name and text.
    lengths: LengthLimits,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            regex_size_limit: 1 << 20,
            max_table_size: 1 << 24,
            limits: ParseLimits::default(),
            max_triage_bytes: crate::triage::DEFAULT_MAX_TRIAGE_BYTES,
            // Issue 19, items 5–6.
            max_circumstances: crate::limits::DEFAULT_MAX_CIRCUMSTANCES,
            exhaustive_circumstances: false,
            lengths: LengthLimits::default(),
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

    /// The longest id, in bytes, the policy may write (the key of a department, system, topic,
    /// message, role, a locale, a rank, a channel, a placeholder, a rule's id, a fact's key and
    /// value, and every reference to one); a longer one is a `too-long` error at its place.
    /// Generated outputs repeat ids (the manual, the decision table, a diff, `check`'s
    /// findings), so that their size is linear in the policy's only while ids are bounded.
    /// 256 bytes by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let long = "d".repeat(300);
    /// let policy = unified_message::EXAMPLE_POLICY.replace("support", &long);
    /// let err = Engine::from_toml_str(&policy).unwrap_err();
    /// assert!(err.has_code("too-long"));
    /// assert!(Engine::builder().max_id_bytes(512).from_toml_str(&policy).is_ok());
    /// ```
    #[must_use]
    pub fn max_id_bytes(mut self, bytes: usize) -> Self {
        self.lengths.max_id_bytes = bytes;
        self
    }

    /// The longest name, in bytes: the policy's `name` and `revision`, a department's or a
    /// system's `name`, a system's `where` (`{department}`, `{system}`, `{where}`: repeated
    /// wherever a text names them); a longer one is a `too-long` error. 1 KiB by default.
    #[must_use]
    pub fn max_name_bytes(mut self, bytes: usize) -> Self {
        self.lengths.max_name_bytes = bytes;
        self
    }

    /// The longest text, in bytes: a message's text in a locale or on a channel, a handover
    /// text, a keyword, a forbidden phrase, a `why`; a longer one is a `too-long` error.
    /// 1 MiB by default.
    #[must_use]
    pub fn max_text_bytes(mut self, bytes: usize) -> Self {
        self.lengths.max_text_bytes = bytes;
        self
    }

    /// How many bytes of a customer's text triage reads ([`Engine::triage`], and `decide` on
    /// a contact with text but no topic): the rest is not read, and
    /// [`TriageResult::truncated`](crate::TriageResult::truncated) says so. 64 KiB by default
    /// ([`DEFAULT_MAX_TRIAGE_BYTES`](crate::triage::DEFAULT_MAX_TRIAGE_BYTES)), some thirty pages:
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
    ///
    /// A test hook: feature `testing`.
    #[cfg(feature = "testing")]
    #[must_use]
    pub fn exhaustive_circumstances(mut self, yes: bool) -> Self {
        self.exhaustive_circumstances = yes;
        self
    }

    /// What the compiler reads of these limits.
    fn compile_limits(&self) -> CompileLimits {
        CompileLimits {
            regex_size_limit: self.regex_size_limit,
            max_table_size: self.max_table_size,
            max_suggestion_work: self.limits.max_suggestion_work,
            max_errors: self.limits.max_errors,
            lengths: self.lengths,
        }
    }

    fn space_limits(&self) -> crate::limits::SpaceLimits {
        crate::limits::SpaceLimits {
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
        let (engine, diagnostics) = Compiler::new(doc, self.compile_limits()).run();
        match engine {
            Some(mut engine) if !diagnostics.iter().any(Diagnostic::is_error) => {
                // Kept so that `check` reports them.
                engine.configure(
                    diagnostics.into(),
                    self.max_triage_bytes,
                    self.space_limits(),
                );
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
                if !engine.parts().warnings.is_empty() {
                    engine.map_warnings(|warnings| crate::source::locate_toml(source, warnings));
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

    /// Parses and compiles a policy written in `format` (told by
    /// [`PolicyFormat::from_path`] or by name): one entry point for hosts that read any
    /// format.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`], as for the format's own `from_*_str`; a format whose cargo feature
    /// is off is a `policy-unreadable` error naming the feature.
    pub fn from_str_as(&self, source: &str, format: PolicyFormat) -> Result<Engine, PolicyError> {
        match format {
            #[cfg(feature = "toml")]
            PolicyFormat::Toml => self.from_toml_str(source),
            #[cfg(feature = "json")]
            PolicyFormat::Json => self.from_json_str(source),
            #[cfg(feature = "yaml")]
            PolicyFormat::Yaml => self.from_yaml_str(source),
            #[allow(unreachable_patterns)]
            other => {
                let _ = source;
                Err(other.disabled())
            }
        }
    }

    /// Parses and compiles a policy written in `format`, read as bytes (a file's contents):
    /// bytes that are not UTF-8 are an `invalid-utf8` error with line and column, in every
    /// format; see [`EngineBuilder::from_str_as`].
    ///
    /// # Errors
    ///
    /// A [`PolicyError`], as for [`EngineBuilder::from_str_as`], or `invalid-utf8`.
    pub fn from_slice_as(
        &self,
        source: &[u8],
        format: PolicyFormat,
    ) -> Result<Engine, PolicyError> {
        #[cfg(any(feature = "toml", feature = "json", feature = "yaml"))]
        if format.is_enabled() {
            return self.from_str_as(utf8(source)?, format);
        }
        let _ = source;
        Err(format.disabled())
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
    /// use unified_message::Engine;
    /// use unified_message::document::PolicyDocument;
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

    /// Parses and compiles a policy written in `format`, with the default limits.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`]; see [`EngineBuilder::from_str_as`].
    pub fn from_str_as(source: &str, format: PolicyFormat) -> Result<Engine, PolicyError> {
        EngineBuilder::default().from_str_as(source, format)
    }

    /// Parses and compiles a policy written in `format`, read as bytes, with the default
    /// limits.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`]; bytes that are not UTF-8 are an `invalid-utf8` error. See
    /// [`EngineBuilder::from_slice_as`].
    pub fn from_slice_as(source: &[u8], format: PolicyFormat) -> Result<Engine, PolicyError> {
        EngineBuilder::default().from_slice_as(source, format)
    }
}
