//! Triage: the customer's own words to a topic (R1.4).
//!
//! The keywords of every topic are compiled once per engine into one multi-pattern regex per
//! locale, so a text is scanned once, in time linear in its length, whatever the number of
//! keywords. The set says which keywords match; the few that do are then located (one linear
//! search each) to weigh them and to report where they matched.
//!
//! Case and accents never matter. The customer's text is *folded* — canonical decomposition
//! (NFD, with the `unicode-normalization` crate), combining marks dropped, lowercased — so
//! "CONFIGURACIÓN" is read as "configuracion". Keywords are folded the same way without
//! touching their syntax: each pattern is parsed with `regex-syntax`, and only its literal
//! characters are rewritten (`Configuración` → `configuracion`, `[NÑ]` → `[nn]`), while
//! escapes and classes such as `\W` or `\p{Lu}` stay as written (`\p{Lu}` therefore never
//! matches: the text is lowercase). The set is then compiled case-sensitively, which is much
//! cheaper than a case-insensitive set.

use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::{Input, MatchKind, PatternSet};
use std::fmt;
use std::sync::OnceLock;

use regex_syntax::ast::{self, Ast, ClassSetItem};
use serde::{Deserialize, Serialize};
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use crate::diagnostic::{Diagnostic, DocPath};
use crate::document::PolicyDocument;
use crate::engine::{Engine, Ix, Topic};

/// The confidence below which triage answers with the fallback topic when the policy's
/// `[triage]` section sets no `threshold`.
pub const DEFAULT_THRESHOLD: f64 = 0.3;

/// How much evidence halves the confidence: a topic scoring `s` is trusted `s / (s + DOUBT)`.
/// With one plain keyword (weight 1) and no rival, the confidence is 2/3.
const DOUBT: f64 = 0.5;

/// The weight of a keyword match of `words` words: 1, plus ½ per extra word, up to 3.
fn weight_of(words: usize) -> f64 {
    let extra = words.saturating_sub(1).min(4);
    1.0 + 0.5 * extra as f64
}

/// Folds `text` for matching: NFD, combining marks dropped, lowercase. Also returns, for each
/// byte of the folded text, the byte offset in `text` of the character it comes from.
fn fold_with_map(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    for (offset, c) in text.char_indices() {
        let before = folded.len();
        push_folded(c, &mut folded);
        map.resize(map.len() + (folded.len() - before), offset);
    }
    (folded, map)
}

/// Folds one character into `out`: its canonical decomposition without combining marks,
/// lowercased.
fn push_folded(c: char, out: &mut String) {
    // ASCII has no accents to drop: the fast path for most customer text (folding was half
    // the cost of triaging 2 KB, benches/scale.rs).
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    decompose_canonical(c, |d| {
        if !is_combining_mark(d) {
            out.extend(d.to_lowercase());
        }
    });
}

/// Folds `text` as triage reads it: canonical decomposition (NFD), combining marks dropped,
/// lowercase.
///
/// Useful to see what a keyword is matched against, or to write keywords for a new locale.
///
/// # Examples
///
/// ```
/// assert_eq!(unified_message::fold_text("Configuración del CORREO"), "configuracion del correo");
/// assert_eq!(unified_message::fold_text("SEÑAL"), "senal");
/// ```
pub fn fold_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_folded(c, &mut out);
    }
    out
}

/// Folds one character as the text is folded.
fn fold_char(c: char) -> String {
    let mut out = String::new();
    push_folded(c, &mut out);
    out
}

/// A literal of a pattern that folding rewrites: its byte span, and whether it sits in a
/// character class (where only a single character can replace it).
struct Rewrite {
    start: usize,
    end: usize,
    c: char,
    in_class: bool,
}

#[derive(Default)]
struct LiteralCollector {
    rewrites: Vec<Rewrite>,
}

impl LiteralCollector {
    fn literal(&mut self, lit: &ast::Literal, in_class: bool) {
        if lit.c.is_ascii() && !lit.c.is_ascii_uppercase() {
            return;
        }
        let folded = fold_char(lit.c);
        if folded.chars().eq(std::iter::once(lit.c)) {
            return;
        }
        self.rewrites.push(Rewrite {
            start: lit.span.start.offset,
            end: lit.span.end.offset,
            c: lit.c,
            in_class,
        });
    }
}

impl ast::Visitor for &mut LiteralCollector {
    type Output = ();
    type Err = std::convert::Infallible;

    fn finish(self) -> Result<(), Self::Err> {
        Ok(())
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), Self::Err> {
        if let Ast::Literal(lit) = ast {
            self.literal(lit, false);
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), Self::Err> {
        match item {
            ClassSetItem::Literal(lit) => self.literal(lit, true),
            ClassSetItem::Range(range) => {
                self.literal(&range.start, true);
                self.literal(&range.end, true);
            }
            _ => {}
        }
        Ok(())
    }
}

/// The outcome of folding a keyword pattern.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FoldedPattern {
    /// The pattern, its literals folded.
    Folded(String),
    /// The pattern does not parse (the compiler has already reported it).
    Invalid,
    /// A literal inside a character class folds to several characters or none, which a class
    /// cannot express.
    Unfoldable(char),
}

/// Rewrites the literal characters of `pattern` as the text is folded (no accents, lowercase),
/// leaving its syntax alone: `Configuración` → `configuracion`, `[NÑ]` → `[nn]`, `\x{c9}` → `e`,
/// while `\W` or `\p{Lu}` stay as written.
pub(crate) fn fold_pattern(pattern: &str) -> FoldedPattern {
    let Ok(parsed) = ast::parse::Parser::new().parse(pattern) else {
        return FoldedPattern::Invalid;
    };
    let mut collector = LiteralCollector::default();
    if ast::visit(&parsed, &mut collector).is_err() {
        return FoldedPattern::Invalid;
    }
    let mut out = String::with_capacity(pattern.len());
    let mut at = 0;
    let mut rewrites = collector.rewrites;
    rewrites.sort_by_key(|r| r.start);
    for r in rewrites {
        let (Some(before), true) = (pattern.get(at..r.start), r.start >= at) else {
            continue;
        };
        out.push_str(before);
        let folded = fold_char(r.c);
        let mut chars = folded.chars();
        match (chars.next(), chars.next(), r.in_class) {
            (Some(one), None, _) => out.push_str(&regex_syntax::escape(&one.to_string())),
            (_, _, true) => return FoldedPattern::Unfoldable(r.c),
            // Outside a class a group keeps a repetition applying to the whole replacement.
            _ => {
                out.push_str("(?:");
                out.push_str(&regex_syntax::escape(&folded));
                out.push(')');
            }
        }
        at = r.end;
    }
    out.push_str(pattern.get(at..).unwrap_or(""));
    FoldedPattern::Folded(out)
}

/// Above this many keywords in a locale, the keyword set is built without a literal
/// prefilter (see `Triage::build`).
const PREFILTER_MAX_KEYWORDS: usize = 2_000;

/// One compiled keyword.
#[derive(Debug)]
struct Keyword {
    topic: Ix,
    /// The pattern as written in the policy.
    source: Box<str>,
    /// The pattern as matched: its literals folded.
    folded: Box<str>,
    /// The folded pattern alone, to locate its first match once the set says it matches;
    /// compiled on the first match (`None`: it does not compile alone, which cannot happen
    /// once the set it belongs to compiled under the same limit).
    regex: OnceLock<Option<regex::Regex>>,
}

impl Keyword {
    fn regex(&self, size_limit: usize) -> Option<&regex::Regex> {
        self.regex
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.folded)
                    .size_limit(size_limit)
                    .dfa_size_limit(size_limit)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// The keywords of one locale: one set for the scan, and each keyword alone to locate it.
#[derive(Debug)]
struct LocaleKeywords {
    /// Every keyword of the locale as one multi-pattern regex (`None`: no keywords).
    set: Option<meta::Regex>,
    keywords: Box<[Keyword]>,
}

/// Keyword matchers per locale, compiled once per engine.
#[derive(Debug)]
pub(crate) struct Triage {
    threshold: f64,
    /// The engine's regex size limit, for the keywords compiled on their first match.
    size_limit: usize,
    /// By locale index.
    locales: Box<[LocaleKeywords]>,
}

impl Default for Triage {
    fn default() -> Self {
        Triage {
            threshold: DEFAULT_THRESHOLD,
            size_limit: 1 << 20,
            locales: Box::new([]),
        }
    }
}

/// One keyword that matched, in folded-text offsets.
#[derive(Clone, Copy, Debug)]
struct Hit {
    keyword: usize,
    start: usize,
    end: usize,
    weight: f64,
}

/// A topic's evidence.
#[derive(Debug)]
struct Score {
    topic: Ix,
    score: f64,
    /// Where its earliest keyword match starts, in the folded text.
    first: usize,
    hits: Vec<Hit>,
}

impl Triage {
    /// Compiles the keywords of every topic of `doc` (topic `i` of the document is topic `i`
    /// of the engine) into one set per locale, and validates `[triage]`.
    ///
    /// Keywords the compiler rejected (not valid regular expressions, too big alone, or in an
    /// undeclared locale) have already been reported and are skipped here.
    pub(crate) fn build(
        topics: &[Topic],
        locales: &[Box<str>],
        doc: &PolicyDocument,
        size_limit: usize,
        diags: &mut Vec<Diagnostic>,
    ) -> Triage {
        let mut threshold = DEFAULT_THRESHOLD;
        if let Some(t) = doc.triage.as_ref().and_then(|t| t.threshold) {
            if t.is_finite() && (0.0..=1.0).contains(&t) {
                threshold = t;
            } else {
                diags.push(Diagnostic::error(
                    "bad-threshold",
                    DocPath::root().key("triage").key("threshold"),
                    format!("triage threshold `{t}` is not a number between 0 and 1"),
                    format!(
                        "use a confidence such as `{DEFAULT_THRESHOLD}` (the default): below it, triage answers with the fallback topic"
                    ),
                ));
            }
        }
        let tpath = DocPath::root().key("topics");
        let mut built = Vec::with_capacity(locales.len());
        for (li, locale) in locales.iter().enumerate() {
            let mut keywords = Vec::new();
            // The parsed keywords, built into the set without parsing them again.
            let mut hirs = Vec::new();
            for (ti, (id, topic)) in doc.topics.iter().enumerate() {
                let Some(patterns) = topic.keywords.get(locale) else {
                    continue;
                };
                // The keywords the compiler accepted (valid, and under the size limit alone).
                let accepted = topics
                    .get(ti)
                    .and_then(|t| t.keywords.get(li))
                    .map_or(&[][..], |k| &k[..]);
                for (i, pattern) in patterns.iter().enumerate() {
                    if !accepted.iter().any(|k| **k == **pattern) {
                        continue;
                    }
                    let path = || tpath.key(id).key("keywords").key(&**locale).index(i);
                    let folded = match fold_pattern(pattern) {
                        FoldedPattern::Folded(f) => f,
                        FoldedPattern::Invalid => continue,
                        FoldedPattern::Unfoldable(c) => {
                            diags.push(Diagnostic::error(
                                "unfoldable-keyword",
                                path(),
                                format!(
                                    "keyword `{pattern}` has `{c}` in a character class, and `{c}` without its accents is not a single character"
                                ),
                                "write the character class without accents: triage matches text with accents removed",
                            ));
                            continue;
                        }
                    };
                    let hir = match regex_syntax::Parser::new().parse(&folded) {
                        Ok(hir) => hir,
                        Err(e) => {
                            // Reported by the compiler when the pattern as written fails too.
                            if folded != *pattern {
                                let detail =
                                    e.to_string().lines().last().unwrap_or("").trim().to_owned();
                                diags.push(Diagnostic::error(
                                    "bad-keyword",
                                    path(),
                                    format!(
                                        "keyword `{pattern}` is no longer a valid regular expression once folded to `{folded}`: {detail}"
                                    ),
                                    "write the keyword in lowercase without accents, as triage reads the text",
                                ));
                            }
                            continue;
                        }
                    };
                    if hir.properties().minimum_len() == Some(0) {
                        diags.push(Diagnostic::error(
                            "keyword-matches-empty",
                            path(),
                            format!(
                                "keyword `{pattern}` can match empty text, so it would match every inquiry"
                            ),
                            "make it require at least one character, e.g. `colou?r` instead of `(colou?r)?`",
                        ));
                        continue;
                    }
                    keywords.push(Keyword {
                        topic: ti as Ix,
                        source: pattern.as_str().into(),
                        folded: folded.as_str().into(),
                        regex: OnceLock::new(),
                    });
                    hirs.push(hir);
                }
            }
            // Each keyword is held to the size limit alone; the set, their union, to the sum
            // of those limits. One limit for the whole set rejected every policy of about a
            // thousand topics with two keywords each, and a lazy-DFA cache of one keyword's
            // limit made the set fall back to the PikeVM: 5.7 ms to triage 64 bytes against
            // 1,000 topics (benches/scale.rs).
            let set_limit = size_limit.saturating_mul(hirs.len().max(1));
            let config = meta::Config::new()
                .match_kind(MatchKind::All)
                .utf8_empty(true)
                .which_captures(WhichCaptures::None)
                .nfa_size_limit(Some(set_limit))
                .hybrid_cache_capacity(set_limit)
                // Extracting a prefilter's literals is quadratic in the number of keywords, and
                // over a few thousand keywords the prefilter is given up anyway: above that,
                // compiling a 10,000-topic policy spent half its time there.
                .auto_prefilter(hirs.len() <= PREFILTER_MAX_KEYWORDS);
            let set = if hirs.is_empty() {
                Ok(None)
            } else {
                meta::Builder::new()
                    .configure(config)
                    .build_many_from_hir(&hirs)
                    .map(Some)
            };
            let set = match set {
                Ok(set) => set,
                Err(e) => {
                    let detail = match e.size_limit() {
                        Some(limit) => format!("compile to more than {limit} bytes"),
                        None => e.to_string().lines().last().unwrap_or("").to_owned(),
                    };
                    diags.push(Diagnostic::error(
                        "keywords-too-big",
                        tpath.clone(),
                        format!("the keywords of locale `{locale}` together {detail}"),
                        "simplify the keywords (prefer literal words to large classes such as `\\w{50}`), or raise the engine's regex size limit",
                    ));
                    keywords.clear();
                    None
                }
            };
            built.push(LocaleKeywords {
                set,
                keywords: keywords.into(),
            });
        }
        Triage {
            threshold,
            size_limit,
            locales: built.into(),
        }
    }

    /// The evidence for each topic with a matching keyword, best first; `folded` is the text
    /// as matched.
    fn scores(&self, folded: &str, locale: Ix) -> Vec<Score> {
        let Some(lk) = self.locales.get(locale as usize) else {
            return Vec::new();
        };
        let mut scores: Vec<Score> = Vec::new();
        let Some(set) = &lk.set else {
            return Vec::new();
        };
        let mut which = PatternSet::new(set.pattern_len());
        set.which_overlapping_matches(&Input::new(folded), &mut which);
        for k in which.iter().map(|p| p.as_usize()) {
            let Some(keyword) = lk.keywords.get(k) else {
                continue;
            };
            let Some(m) = keyword.regex(self.size_limit).and_then(|r| r.find(folded)) else {
                continue;
            };
            let words = m
                .as_str()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .count();
            let hit = Hit {
                keyword: k,
                start: m.start(),
                end: m.end(),
                weight: weight_of(words.max(1)),
            };
            match scores.iter_mut().find(|s| s.topic == keyword.topic) {
                Some(s) => s.hits.push(hit),
                None => scores.push(Score {
                    topic: keyword.topic,
                    score: 0.0,
                    first: hit.start,
                    hits: vec![hit],
                }),
            }
        }
        for s in &mut scores {
            s.first = s.hits.iter().map(|h| h.start).min().unwrap_or(0);
            s.score = stretch_score(&s.hits);
        }
        scores.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.first.cmp(&b.first))
                .then(a.topic.cmp(&b.topic))
        });
        scores
    }

    /// The confidence in the best of `scores` (sorted, best first).
    fn confidence(scores: &[Score]) -> f64 {
        let Some(best) = scores.first() else {
            return 0.0;
        };
        let total: f64 = scores.iter().map(|s| s.score).sum();
        if total <= 0.0 || best.score <= 0.0 {
            return 0.0;
        }
        (best.score / total) * (best.score / (best.score + DOUBT))
    }

    /// The topic for `text` if triage is confident enough (`None`: the fallback topic
    /// applies), and the confidence. What `decide` uses.
    pub(crate) fn best(&self, text: &str, locale: Ix) -> (Option<Ix>, f64) {
        let scores = self.scores(&fold_text(text), locale);
        let confidence = Self::confidence(&scores);
        let topic = scores
            .first()
            .filter(|_| confidence >= self.threshold)
            .map(|best| best.topic);
        (topic, confidence)
    }

    /// The full result, for [`Engine::triage`].
    fn run(&self, engine: &Engine, text: &str, locale: Ix) -> TriageResult {
        let (folded, map) = fold_with_map(text);
        let scores = self.scores(&folded, locale);
        let confidence = Self::confidence(&scores);
        let total: f64 = scores.iter().map(|s| s.score).sum();
        let keywords = self.locales.get(locale as usize).map(|l| &l.keywords[..]);
        let candidates: Vec<TriageCandidate> = scores
            .iter()
            .map(|s| TriageCandidate {
                topic: engine.topic_id(s.topic).to_owned(),
                score: s.score,
                share: if total > 0.0 { s.score / total } else { 0.0 },
                matches: s
                    .hits
                    .iter()
                    .map(|h| {
                        let (start, end) = original_span(text, &map, h.start, h.end);
                        KeywordMatch {
                            pattern: keywords
                                .and_then(|k| k.get(h.keyword))
                                .map_or_else(String::new, |k| k.source.to_string()),
                            start,
                            end,
                            text: text.get(start..end).unwrap_or("").to_owned(),
                            weight: h.weight,
                        }
                    })
                    .collect(),
            })
            .collect();
        let (topic, reason) = match scores.first() {
            None => (engine.fallback_topic().to_owned(), TriageReason::NoMatch),
            Some(_) if confidence < self.threshold => (
                engine.fallback_topic().to_owned(),
                TriageReason::BelowThreshold,
            ),
            Some(best) => (
                engine.topic_id(best.topic).to_owned(),
                TriageReason::Keywords,
            ),
        };
        TriageResult {
            topic,
            confidence,
            threshold: self.threshold,
            reason,
            candidates,
        }
    }
}

/// A topic's score: each stretch of text counts once, so keywords of the topic whose matches
/// overlap add only the heaviest of their weights.
fn stretch_score(hits: &[Hit]) -> f64 {
    let mut spans: Vec<(usize, usize, f64)> =
        hits.iter().map(|h| (h.start, h.end, h.weight)).collect();
    spans.sort_by_key(|&(start, end, _)| (start, end));
    let mut total = 0.0;
    let mut cluster: Option<(usize, f64)> = None;
    for (start, end, weight) in spans {
        cluster = match cluster {
            Some((cluster_end, best)) if start < cluster_end => {
                Some((cluster_end.max(end), best.max(weight)))
            }
            Some((_, best)) => {
                total += best;
                Some((end, weight))
            }
            None => Some((end, weight)),
        };
    }
    total + cluster.map_or(0.0, |(_, best)| best)
}

/// The span in the original text of folded bytes `start..end`: from the start of the first
/// character to the end of the last one, with any combining marks that follow it.
fn original_span(text: &str, map: &[usize], start: usize, end: usize) -> (usize, usize) {
    let Some(&from) = map.get(start) else {
        return (text.len(), text.len());
    };
    let last = end
        .checked_sub(1)
        .and_then(|e| map.get(e))
        .copied()
        .unwrap_or(from)
        .max(from);
    let rest = text.get(last..).unwrap_or("");
    let mut to = last;
    for (i, c) in rest.char_indices() {
        if i > 0 && !is_combining_mark(c) {
            break;
        }
        to = last + i + c.len_utf8();
    }
    (from, to)
}

/// Why triage chose its topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TriageReason {
    /// The keywords place the text on the topic with enough confidence.
    Keywords,
    /// Keywords matched, but the best topic's confidence is below the policy's threshold:
    /// the fallback topic applies.
    BelowThreshold,
    /// No keyword matched: the fallback topic applies.
    NoMatch,
}

impl fmt::Display for TriageReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TriageReason::Keywords => "keywords",
            TriageReason::BelowThreshold => "below threshold",
            TriageReason::NoMatch => "no match",
        })
    }
}

/// A keyword that matched the customer's text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeywordMatch {
    /// The keyword as written in the policy.
    pub pattern: String,
    /// Where its first match starts in the original text, in bytes.
    pub start: usize,
    /// Where its first match ends in the original text, in bytes.
    pub end: usize,
    /// The matched words as the customer wrote them (`text[start..end]`).
    pub text: String,
    /// What the match adds to its topic's score: 1, plus ½ per extra word, up to 3.
    pub weight: f64,
}

/// A topic that some keyword placed the text on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TriageCandidate {
    /// The topic's id.
    pub topic: String,
    /// The sum of the weights of its matching keywords, where keywords whose matches overlap
    /// count once, with the heaviest weight.
    pub score: f64,
    /// Its score over the sum of every candidate's score.
    pub share: f64,
    /// Its keywords that matched, each once, in the order of the policy.
    pub matches: Vec<KeywordMatch>,
}

/// What triage made of a customer's words: the topic, how sure it is, and why.
///
/// # Examples
///
/// ```
/// use unified_message::{Engine, TriageReason};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let result = engine.triage("No puedo configurar el correo en Outlook", "es");
/// assert_eq!(result.topic, "email.setup");
/// assert_eq!(result.reason, TriageReason::Keywords);
/// let best = &result.candidates[0];
/// assert!(best.matches.iter().any(|m| m.text == "Outlook"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TriageResult {
    /// The topic: the best candidate, or the policy's fallback topic when no candidate is
    /// confident enough.
    pub topic: String,
    /// The confidence in the best candidate, from 0 to 1 (0 when nothing matched).
    pub confidence: f64,
    /// The policy's threshold the confidence was compared with.
    pub threshold: f64,
    /// Why `topic` was chosen.
    pub reason: TriageReason,
    /// Every topic with a matching keyword, best first.
    pub candidates: Vec<TriageCandidate>,
}

impl TriageResult {
    /// Whether the fallback topic applies because triage could not place the text.
    pub fn is_fallback(&self) -> bool {
        !matches!(self.reason, TriageReason::Keywords)
    }
}

impl Engine {
    /// Places the customer's own words on a topic (R1.4), with the keywords of `locale` (an
    /// undeclared locale uses the policy's default, `es-AR` uses `es`).
    ///
    /// Case and accents do not matter. Each keyword that matches adds its weight to its topic
    /// (1, plus ½ for each extra word it matched, up to 3; each keyword counts once, and
    /// keywords of a topic whose matches overlap count once, at the heaviest weight). The
    /// confidence in the best topic is its share of all candidates' scores times `s / (s + ½)`
    /// of its own score `s`: one plain keyword alone gives ⅔, two topics tied give ⅓ at most.
    /// Ties go to the topic mentioned first in the text. Below the policy's
    /// `[triage] threshold` (0.3 by default) the result is the fallback topic, and
    /// [`TriageResult::reason`] says so. Never fails; linear in the text's length.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::{Engine, TriageReason};
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// // No accents, any case: still the topic of "configuración".
    /// assert_eq!(engine.triage("CONFIGURACION DEL CORREO", "es").topic, "email.setup");
    ///
    /// let vague = engine.triage("hola, buenas tardes", "es");
    /// assert_eq!(vague.topic, engine.fallback_topic());
    /// assert_eq!(vague.reason, TriageReason::NoMatch);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn triage(&self, text: &str, locale: &str) -> TriageResult {
        let (locale, _) = self.locale_ix(Some(locale));
        self.triage.run(self, text, locale)
    }

    /// The confidence below which triage answers with the fallback topic: the policy's
    /// `[triage] threshold`, or 0.3.
    pub fn triage_threshold(&self) -> f64 {
        self.triage.threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_case() {
        assert_eq!(fold_text("Configuración"), "configuracion");
        assert_eq!(fold_text("SEÑAL"), "senal");
        assert_eq!(fold_text("e\u{301}"), "e");
        assert_eq!(fold_text("Ça été"), "ca ete");
    }

    #[test]
    fn map_points_to_original_characters() {
        let (folded, map) = fold_with_map("Añó x");
        assert_eq!(folded, "ano x");
        assert_eq!(map, vec![0, 1, 3, 5, 6]);
        assert_eq!(original_span("Añó x", &map, 0, 3), (0, 5));
        let text = "cafe\u{301}!";
        let (folded, map) = fold_with_map(text);
        assert_eq!(folded, "cafe!");
        assert_eq!(original_span(text, &map, 0, 4), (0, 6));
    }

    #[test]
    fn patterns_fold_literals_only() {
        let f = |p: &str| match fold_pattern(p) {
            FoldedPattern::Folded(f) => f,
            other => panic!("{p}: {other:?}"),
        };
        assert_eq!(f("configuración"), "configuracion");
        assert_eq!(f("contrase[nñ]a"), "contrase[nn]a");
        assert_eq!(f(r"\bmigraci[oó]n\b"), r"\bmigraci[oo]n\b");
        assert_eq!(f(r"\x{e9}t\u00E9"), "ete");
        assert_eq!(f(r"\p{Lu}\W"), r"\p{Lu}\W");
        assert_eq!(f("Outlook|[A-Z]+"), "outlook|[a-z]+");
        assert_eq!(f("SEÑAL"), "senal");
        assert_eq!(f("한+"), "(?:\u{1112}\u{1161}\u{11ab})+");
        assert_eq!(fold_pattern("[한]"), FoldedPattern::Unfoldable('한'));
        assert_eq!(fold_pattern("(unclosed"), FoldedPattern::Invalid);
    }
}
