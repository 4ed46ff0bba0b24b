//! Triage: the customer's own words to a topic (R1.4).
//!
//! The keywords of every topic are compiled once per engine. Every match of a keyword
//! contains one of a few literals of its pattern, its *anchors* (`correo` for
//! `(no puedo )?configurar (el )?correo`, chosen as the literal the fewest other keywords
//! share); one Aho-Corasick automaton per locale finds every anchor in one pass over the text.
//! Each occurrence is handed, during that pass, to the keywords it anchors: only those are
//! run, each alone and only over short windows around its anchors, merged and searched once
//! the pass is past them (its NFA, built on first use), to confirm them and report where they
//! matched; a keyword that is its anchor needs no run at all. The keywords without a literal
//! to anchor them (`\d{5}`) or of no bounded length (`lent[a-z]*`) are scanned together by one
//! multi-pattern regex, and only those it finds are run, over the whole text. A work budget per
//! byte of text bounds all of it, so triage is linear in the text whatever the number of
//! keywords (`Triage::found`). A single regex set over all keywords, the first design, took
//! 1.5 s and 6 KB of memory per topic to compile a 10,000-topic policy (`benches/compile.rs`,
//! `benches/memory.rs`).
//!
//! Topics are ranked by score (more and longer matched keywords), then by specificity (how
//! much of the matched words the keywords spell out); a tie that remains is reported as
//! ambiguous, never settled silently by the order of the policy.
//!
//! Case and accents never matter. The customer's text is *folded* — canonical decomposition
//! (NFD, with the `unicode-normalization` crate), combining marks dropped, lowercased — so
//! "CONFIGURACIÓN" is read as "configuracion". Keywords are folded the same way without
//! touching their syntax: each pattern is parsed with `regex-syntax`, and only its literal
//! characters are rewritten (`Configuración` → `configuracion`, `[NÑ]` → `[nn]`), while
//! escapes and classes such as `\W` or `\p{Lu}` stay as written (`\p{Lu}` therefore never
//! matches: the text is lowercase). Keywords are then compiled case-sensitively, which is much
//! cheaper than case-insensitive matching.

use aho_corasick::AhoCorasick;
use regex_automata::meta;
use regex_automata::nfa::thompson::pikevm::{Cache as PikeCache, PikeVM};
use regex_automata::nfa::thompson::{self, NFA, WhichCaptures};
use regex_automata::{Input, MatchKind, PatternSet};
use std::fmt;
use std::sync::OnceLock;

use regex_syntax::ast::{self, Ast, ClassSetItem};
use regex_syntax::hir::{Class, Hir, HirKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use crate::diagnostic::{Diagnostic, DocPath};
use crate::document::PolicyDocument;
use crate::engine::{Engine, Ix};

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

/// Rewrites the literal characters of `pattern` (parsed as `parsed`) as the text is folded
/// (no accents, lowercase), leaving its syntax alone: `Configuración` → `configuracion`,
/// `[NÑ]` → `[nn]`, `\x{c9}` → `e`, while `\W` or `\p{Lu}` stay as written.
///
/// `Ok(None)`: nothing to rewrite. `Err(c)`: literal `c` sits in a character class and folds
/// to several characters or none, which a class cannot express.
fn fold_ast(pattern: &str, parsed: &Ast) -> Result<Option<String>, char> {
    let mut collector = LiteralCollector::default();
    let Ok(()) = ast::visit(parsed, &mut collector);
    if collector.rewrites.is_empty() {
        return Ok(None);
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
            (_, _, true) => return Err(r.c),
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
    Ok(Some(out))
}

/// Above this many keywords without a required literal in a locale, their set is built
/// without a literal prefilter (see `Triage::build`).
const PREFILTER_MAX_KEYWORDS: usize = 2_000;

/// At most this many literals stand for one keyword: an alternation, or a few small
/// character classes in a row, expand to several.
const MAX_ANCHORS: usize = 32;

/// A character class of at most this many characters is expanded into literals.
const MAX_CLASS_CHARS: usize = 4;

/// How many bytes of a customer's text triage reads unless the engine is built with
/// another [`EngineBuilder::max_triage_bytes`](crate::EngineBuilder::max_triage_bytes):
/// 64 KiB, some thirty pages. The rest is not read, and [`TriageResult::truncated`] says so.
pub const DEFAULT_MAX_TRIAGE_BYTES: usize = 64 * 1024;

/// A keyword that can match more than this many bytes is searched over the whole text rather
/// than in windows around its anchors.
const MAX_WINDOW: usize = 512;

/// The work a triage may do beyond its one pass over the text, in units — a byte searched by a
/// keyword's NFA, or a keyword handed an occurrence of its anchor: this many per byte of
/// (folded) text, plus [`WORK_BASE`]. Ordinary text uses a fraction of it; what it cannot pay
/// for is not done, and the result is marked truncated.
const WORK_PER_BYTE: usize = 16;

/// See [`WORK_PER_BYTE`]: what any text may use, however short.
const WORK_BASE: usize = 256 * 1024;

/// The work of one triage, counted (`Engine::triage_work`): it is linear in the text's length
/// whatever the number of keywords — what `tests/hostile/triage.rs` holds it to.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TriageWork {
    /// The bytes of the folded text triage read.
    pub text: usize,
    /// The bytes scanned by a locale's anchor automaton and keyword set (one pass each).
    pub scanned: usize,
    /// The anchor occurrences the automaton reported.
    pub occurrences: usize,
    /// The keywords those occurrences were handed to.
    pub visits: usize,
    /// The bytes given to keywords' NFAs (windows and whole-text searches).
    pub searched: usize,
    /// Whether triage stopped at a limit (see [`TriageResult::truncated`]).
    pub truncated: bool,
}

impl TriageWork {
    /// Every unit of work counted.
    pub fn total(&self) -> usize {
        self.scanned + self.occurrences + self.visits + self.searched
    }
}

/// A keyword's PikeVM and its cache, made on its first search of a triage (`None`: not yet).
type Vm = Option<(PikeVM, PikeCache)>;

/// The budget and counters of one triage.
struct Work {
    /// The bytes NFAs may still search.
    budget: usize,
    truncated: bool,
    counted: TriageWork,
}

impl Work {
    fn new(folded_len: usize, cut: bool) -> Work {
        Work {
            budget: folded_len
                .saturating_mul(WORK_PER_BYTE)
                .saturating_add(WORK_BASE),
            truncated: cut,
            counted: TriageWork {
                text: folded_len,
                ..TriageWork::default()
            },
        }
    }
}

/// `text` cut to at most `max` bytes at a character boundary, and whether it was cut.
fn cut(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text.get(..end).unwrap_or(""), true)
}

/// A set of texts.
type Literals = Vec<Vec<u8>>;

/// The texts of a small character class, each a literal (`None`: more than
/// [`MAX_CLASS_CHARS`]; a large class is never enumerated past that).
fn class_literals(class: &Class) -> Option<Literals> {
    let mut members: Box<dyn Iterator<Item = Vec<u8>> + '_> = match class {
        Class::Unicode(c) => Box::new(
            c.iter()
                .flat_map(|r| r.start()..=r.end())
                .map(|ch| ch.to_string().into_bytes()),
        ),
        Class::Bytes(c) => Box::new(c.iter().flat_map(|r| r.start()..=r.end()).map(|b| vec![b])),
    };
    let out: Literals = members.by_ref().take(MAX_CLASS_CHARS).collect();
    members.next().is_none().then_some(out)
}

/// Every text `a` followed by a text of `b`, if there are at most [`MAX_ANCHORS`].
fn cross(a: &Literals, b: &Literals) -> Option<Literals> {
    if a.len().saturating_mul(b.len()) > MAX_ANCHORS {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| [x.as_slice(), y].concat()))
            .collect(),
    )
}

/// Every text `hir` matches, if they are few: literals, small classes, and their
/// concatenations and alternations (`None`: anything else, such as a repetition or `\b`).
fn exact(hir: &Hir) -> Option<Literals> {
    match hir.kind() {
        HirKind::Empty => Some(vec![Vec::new()]),
        HirKind::Literal(lit) => Some(vec![lit.0.to_vec()]),
        HirKind::Class(class) => class_literals(class),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Concat(subs) => subs
            .iter()
            .try_fold(vec![Vec::new()], |acc, sub| cross(&acc, &exact(sub)?)),
        HirKind::Alternation(subs) => {
            let mut all = Vec::new();
            for sub in subs {
                all.extend(exact(sub)?);
                if all.len() > MAX_ANCHORS {
                    return None;
                }
            }
            Some(all)
        }
        HirKind::Look(_) | HirKind::Repetition(_) => None,
    }
}

/// The length of the shortest literal of a usable set (`None`: empty, or a literal is
/// empty, so the set says nothing about a match).
fn shortest(set: &Literals) -> Option<usize> {
    set.iter().map(Vec::len).min().filter(|&n| n > 0)
}

/// Pushes onto `out` sets of literals such that every match of `hir` contains a literal of
/// each set: its *required* literals, from which the keyword's anchor is chosen.
fn required(hir: &Hir, out: &mut Vec<Literals>) {
    if let Some(set) = exact(hir).filter(|s| shortest(s).is_some()) {
        out.push(set);
        return;
    }
    match hir.kind() {
        HirKind::Capture(c) => required(&c.sub, out),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub, out),
        HirKind::Concat(subs) => {
            // Consecutive exact parts are joined: `[Cc]olor` gives `Color` and `color`.
            let mut run: Option<Literals> = None;
            let flush = |run: Option<Literals>, out: &mut Vec<Literals>| {
                if let Some(set) = run.filter(|s| shortest(s).is_some()) {
                    out.push(set);
                }
            };
            for sub in subs {
                match exact(sub) {
                    Some(set) => {
                        run = match run {
                            None => Some(set),
                            Some(prev) => match cross(&prev, &set) {
                                Some(joined) => Some(joined),
                                None => {
                                    flush(Some(prev), out);
                                    Some(set)
                                }
                            },
                        }
                    }
                    None => {
                        flush(run.take(), out);
                        required(sub, out);
                    }
                }
            }
            flush(run, out);
        }
        HirKind::Alternation(subs) => {
            // Every branch must contribute: the best set of each, together.
            let mut union: Literals = Vec::new();
            for sub in subs {
                let mut sets = Vec::new();
                required(sub, &mut sets);
                let Some(best) = sets
                    .into_iter()
                    .max_by_key(|s| (shortest(s).unwrap_or(0).min(8), std::cmp::Reverse(s.len())))
                else {
                    return;
                };
                union.extend(best);
                if union.len() > MAX_ANCHORS {
                    return;
                }
            }
            union.sort();
            union.dedup();
            out.push(union);
        }
        _ => {}
    }
}

/// What an NFA state may cost at most, in bytes, in [`nfa_bound`]: twice the most one takes
/// (a literal byte of an alternation of literals becomes a byte-range state and a union
/// state, 68 bytes together).
const STATE_BOUND: usize = 160;

/// An upper bound of the size of the Thompson NFA of `hir`, for the simple patterns most
/// keywords are — literals, ASCII classes, alternations, `?`, `*` and `+` — so that they need
/// no NFA built only to be held to the size limit (a third of the time of compiling a policy
/// with 40,000 keywords). Every byte of a literal, range of a class, and node is counted as
/// a state of [`STATE_BOUND`] bytes, far above what the NFA spends on one (checked by the
/// test `nfa_bound_is_an_upper_bound`), plus its fixed parts. `None`: not simple (a counted
/// repetition, a Unicode class), so the NFA is built to tell, as it is built for matching
/// (with the implicit capture of the whole match).
fn nfa_bound(hir: &Hir) -> Option<usize> {
    fn states(hir: &Hir) -> Option<usize> {
        let own = match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => 1,
            HirKind::Literal(lit) => lit.0.len(),
            HirKind::Class(Class::Unicode(c)) => {
                if c.ranges().iter().any(|r| !r.end().is_ascii()) {
                    return None;
                }
                c.ranges().len() + 1
            }
            HirKind::Class(Class::Bytes(c)) => {
                if c.ranges().iter().any(|r| !r.end().is_ascii()) {
                    return None;
                }
                c.ranges().len() + 1
            }
            HirKind::Repetition(r) => {
                if r.min > 1 || r.max.is_some_and(|max| max > 1) {
                    return None;
                }
                return Some(states(&r.sub)? + 2);
            }
            HirKind::Capture(c) => return Some(states(&c.sub)? + 2),
            HirKind::Concat(subs) | HirKind::Alternation(subs) => {
                let mut total = subs.len() + 1;
                for sub in subs {
                    total += states(sub)?;
                }
                total
            }
        };
        Some(own)
    }
    // The unanchored prefix, the start and match states, and the NFA's fixed tables.
    Some((states(hir)? + 16).saturating_mul(STATE_BOUND) + 4096)
}

/// How a keyword's NFA is built, both to check it against the size limit and to run it:
/// the same configuration, so that a keyword accepted at compile time always builds.
fn nfa_config(size_limit: usize) -> thompson::Config {
    thompson::Config::new()
        .nfa_size_limit(Some(size_limit))
        .shrink(false)
        .which_captures(WhichCaptures::Implicit)
}

/// One compiled keyword.
#[derive(Debug)]
struct Keyword {
    topic: Ix,
    /// The pattern as written in the policy.
    source: Box<str>,
    /// The pattern as matched, its literals folded, when that differs from `source`.
    folded: Option<Box<str>>,
    /// The pattern is one literal, its anchor: where the anchor first occurs is its match.
    literal: bool,
    /// The longest text the pattern can match, in bytes (`None`: no bound, as in `\w+`).
    max_len: Option<u32>,
    /// How many bytes of any match the pattern spells out: the sum of the shortest literal of
    /// each set of required literals (8 for `err_cert[a-z_]*`, 4 for `err_[a-z_]+`). Over
    /// the match's length, it is how specific the match is (see `Engine::triage`).
    literal_bytes: u32,
    /// The folded pattern's Thompson NFA, built the first time the keyword may match a text,
    /// to confirm and locate its match (`None`: it does not build, which cannot happen once
    /// the compiler accepted the keyword under the same limit). An NFA takes one or two KB; a
    /// whole `regex::Regex` per keyword, with its lazy DFA's cache, took 15 to 50 KB, which an
    /// engine that had seen every keyword of a 10,000-topic policy would have held for good.
    nfa: OnceLock<Option<NFA>>,
}

impl Keyword {
    fn folded(&self) -> &str {
        self.folded.as_deref().unwrap_or(&self.source)
    }

    /// The keyword's window around an anchor occurrence, its longest match in bytes
    /// (`None`: no bound, or above [`MAX_WINDOW`]: it is searched over the whole text).
    fn window(&self) -> Option<usize> {
        self.max_len
            .map(|max| max as usize)
            .filter(|&max| max <= MAX_WINDOW && !self.literal)
    }

    fn pikevm(&self, size_limit: usize) -> Option<PikeVM> {
        let nfa = self.nfa.get_or_init(|| {
            thompson::Compiler::new()
                .configure(nfa_config(size_limit))
                .build(self.folded())
                .ok()
        });
        PikeVM::new_from_nfa(nfa.clone()?).ok()
    }
}

/// The keywords of one locale.
///
/// Every match of a keyword contains one of its *anchors*, literals chosen from its pattern
/// (`word` for `\bword\b`; `factura` or `recibo` for `(factura|recibo)s?`). One Aho-Corasick
/// automaton finds every anchor of the locale in one pass over the text, in time linear in
/// its length; only the keywords whose anchors occur are then run, each alone. The keywords
/// with no literal to anchor them (`\d{5}`) or of no bounded length (`lent[a-z]*`) are
/// scanned together by one multi-pattern regex.
#[derive(Debug)]
struct LocaleKeywords {
    /// The anchors of every keyword that has them (`None`: none has).
    anchors: Option<AhoCorasick>,
    /// The keywords of anchor `a`: `anchor_keywords[anchor_start[a]..anchor_start[a + 1]]`.
    anchor_start: Box<[u32]>,
    anchor_keywords: Box<[u32]>,
    /// The keywords without anchors, and those of no bounded length (or longer than
    /// [`MAX_WINDOW`]), as one multi-pattern regex; its pattern `i` is keyword
    /// `unanchored[i]`.
    set: Option<meta::Regex>,
    unanchored: Box<[u32]>,
    keywords: Box<[Keyword]>,
}

impl LocaleKeywords {
    fn anchored(&self, anchor: usize) -> &[u32] {
        let range = self
            .anchor_start
            .get(anchor)
            .zip(self.anchor_start.get(anchor + 1));
        range
            .and_then(|(&from, &to)| self.anchor_keywords.get(from as usize..to as usize))
            .unwrap_or(&[])
    }
}

/// Chooses each keyword's anchors among its sets of required literals: the set whose
/// literals the fewest other keywords also require (so that `(no puedo )?configurar el
/// correo` is anchored on `correo`, not on a verb many topics share), and of those the
/// longest. Sets of literals shorter than three bytes come last. `None`: no required literal.
fn choose_anchors(pending: &[Pending]) -> Vec<Option<usize>> {
    let mut sharing: HashMap<&[u8], u32> = HashMap::new();
    let mut mine: Vec<&[u8]> = Vec::new();
    for p in pending {
        mine.clear();
        mine.extend(p.options.iter().flatten().map(Vec::as_slice));
        mine.sort_unstable();
        mine.dedup();
        for &lit in &mine {
            *sharing.entry(lit).or_default() += 1;
        }
    }
    pending
        .iter()
        .map(|p| {
            let cost = |set: &Literals| {
                let short = shortest(set).unwrap_or(0);
                let shared: u64 = set
                    .iter()
                    .map(|l| u64::from(sharing.get(l.as_slice()).copied().unwrap_or(0)))
                    .sum();
                (short < 3, shared, std::cmp::Reverse(short))
            };
            (0..p.options.len()).min_by_key(|&i| p.options.get(i).map(cost))
        })
        .collect()
}

/// Keyword matchers per locale, compiled once per engine.
#[derive(Debug)]
pub(crate) struct Triage {
    threshold: f64,
    /// The engine's regex size limit, for the keywords compiled on their first match.
    size_limit: usize,
    /// How many bytes of a text triage reads.
    max_text: usize,
    /// By locale index.
    locales: Box<[LocaleKeywords]>,
}

impl Default for Triage {
    fn default() -> Self {
        Triage {
            threshold: DEFAULT_THRESHOLD,
            size_limit: 1 << 20,
            max_text: DEFAULT_MAX_TRIAGE_BYTES,
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
    /// The share of the match its keyword spells out, in thousandths.
    coverage: u64,
}

/// A topic's evidence.
#[derive(Debug)]
struct Score {
    topic: Ix,
    score: f64,
    /// Over the stretches of text keywords of several topics matched, the best share of the
    /// stretch one of its keywords spells out, summed, in thousandths (an integer, so that
    /// ties are exact). See [`contest`].
    specificity: u64,
    /// Where its earliest keyword match starts, in the folded text.
    first: usize,
    hits: Vec<Hit>,
}

/// A keyword of a locale being compiled: the keyword, its parsed pattern, its required
/// literals.
struct Pending {
    keyword: Keyword,
    hir: Hir,
    options: Vec<Literals>,
}

impl Triage {
    /// Compiles the keywords of every topic of `doc` (topic `i` of the document is topic `i`
    /// of the engine) into matchers per locale, and validates them and `[triage]`. Keywords
    /// of an undeclared locale are validated but not compiled: the compiler has reported
    /// their locale.
    pub(crate) fn build(
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
        // Keywords of an undeclared locale (reported by the compiler) are checked all the
        // same, so that declaring the locale brings no new error.
        for (id, topic) in doc.topics.iter() {
            for (locale, patterns) in topic.keywords.iter() {
                if locales.iter().any(|l| **l == *locale) {
                    continue;
                }
                for (i, pattern) in patterns.iter().enumerate() {
                    let path = || tpath.key(id).key("keywords").key(locale).index(i);
                    Self::keyword(0, pattern, size_limit, path, diags);
                }
            }
        }
        let mut built = Vec::with_capacity(locales.len());
        for locale in locales {
            let mut pending = Vec::new();
            for (ti, (id, topic)) in doc.topics.iter().enumerate() {
                let Some(patterns) = topic.keywords.get(locale) else {
                    continue;
                };
                for (i, pattern) in patterns.iter().enumerate() {
                    let path = || tpath.key(id).key("keywords").key(&**locale).index(i);
                    if let Some(p) = Self::keyword(ti as Ix, pattern, size_limit, path, diags) {
                        pending.push(p);
                    }
                }
            }
            built.push(Self::locale(pending, size_limit, locale, &tpath, diags));
        }
        Triage {
            threshold,
            size_limit,
            max_text: DEFAULT_MAX_TRIAGE_BYTES,
            locales: built.into(),
        }
    }

    /// Checks one keyword — syntax, size limit, folding — and parses it for matching.
    ///
    /// Each keyword is parsed once (twice when folding rewrites it), and only its Thompson
    /// NFA is built to hold it to the size limit: parsing is most of the cost of compiling a
    /// policy with many keywords, and a whole `regex::Regex` per keyword also extracts
    /// literal prefilters, which for a case-insensitive keyword costs 10 to 40 times more
    /// (`benches/compile.rs`).
    fn keyword(
        topic: Ix,
        pattern: &str,
        size_limit: usize,
        path: impl Fn() -> DocPath,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Pending> {
        let bad_regex = |e: &dyn fmt::Display, diags: &mut Vec<Diagnostic>| {
            let detail = e.to_string().lines().last().unwrap_or("").trim().to_owned();
            diags.push(Diagnostic::error(
                "bad-regex",
                path(),
                format!("`{pattern}` is not a valid regular expression: {detail}"),
                "fix the pattern; escape literal characters such as `(` or `.` with `\\`",
            ));
        };
        let ast = match ast::parse::Parser::new().parse(pattern) {
            Ok(ast) => ast,
            Err(e) => {
                bad_regex(&e, diags);
                return None;
            }
        };
        let as_written = regex_syntax::hir::translate::Translator::new().translate(pattern, &ast);
        let folded = fold_ast(pattern, &ast);
        let hir = match (as_written, &folded) {
            (Err(e), _) => {
                bad_regex(&e, diags);
                return None;
            }
            (Ok(hir), Ok(None)) => hir,
            (Ok(_), Ok(Some(folded))) => match regex_syntax::Parser::new().parse(folded) {
                Ok(hir) => hir,
                Err(e) => {
                    let detail = e.to_string().lines().last().unwrap_or("").trim().to_owned();
                    diags.push(Diagnostic::error(
                            "bad-keyword",
                            path(),
                            format!(
                                "keyword `{pattern}` is no longer a valid regular expression once folded to `{folded}`: {detail}"
                            ),
                            "write the keyword in lowercase without accents, as triage reads the text",
                        ));
                    return None;
                }
            },
            (Ok(_), Err(c)) => {
                diags.push(Diagnostic::error(
                    "unfoldable-keyword",
                    path(),
                    format!(
                        "keyword `{pattern}` has `{c}` in a character class, and `{c}` without its accents is not a single character"
                    ),
                    "write the character class without accents: triage matches text with accents removed",
                ));
                return None;
            }
        };
        let fits = nfa_bound(&hir).is_some_and(|bound| bound <= size_limit);
        let nfa = if fits {
            Ok(())
        } else {
            thompson::Compiler::new()
                .configure(nfa_config(size_limit))
                .build_from_hir(&hir)
                .map(drop)
        };
        if let Err(e) = nfa {
            match e.size_limit() {
                Some(limit) => diags.push(Diagnostic::error(
                    "regex-too-big",
                    path(),
                    format!("the regular expression `{pattern}` compiles to more than {limit} bytes"),
                    "simplify it (avoid large counted repetitions such as `{1000}`), or raise the engine's regex size limit",
                )),
                None => bad_regex(&e, diags),
            }
            return None;
        }
        if hir.properties().minimum_len() == Some(0) {
            diags.push(Diagnostic::error(
                "keyword-matches-empty",
                path(),
                format!(
                    "keyword `{pattern}` can match empty text, so it would match every inquiry"
                ),
                "make it require at least one character, e.g. `colou?r` instead of `(colou?r)?`",
            ));
            return None;
        }
        let mut options = Vec::new();
        required(&hir, &mut options);
        let literal_bytes = options.iter().filter_map(shortest).sum::<usize>();
        let literal = matches!(exact(&hir).as_deref(), Some([one]) if !one.is_empty());
        Some(Pending {
            keyword: Keyword {
                topic,
                folded: folded.ok().flatten().map(Into::into),
                source: pattern.into(),
                literal,
                max_len: hir
                    .properties()
                    .maximum_len()
                    .and_then(|n| u32::try_from(n).ok()),
                literal_bytes: u32::try_from(literal_bytes).unwrap_or(u32::MAX),
                nfa: OnceLock::new(),
            },
            hir,
            options,
        })
    }

    /// Builds the matchers of one locale's keywords.
    fn locale(
        pending: Vec<Pending>,
        size_limit: usize,
        locale: &str,
        tpath: &DocPath,
        diags: &mut Vec<Diagnostic>,
    ) -> LocaleKeywords {
        let chosen = choose_anchors(&pending);
        // Anchors, each once, and the keywords each one stands for.
        let mut anchor_index: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut unanchored = Vec::new();
        let mut hirs = Vec::new();
        let mut keywords = Vec::with_capacity(pending.len());
        for (k, (mut p, set)) in pending.into_iter().zip(chosen).enumerate() {
            // A keyword of no bounded length (`\brebot[a-z]*`), or longer than a window, joins
            // the set: one pass over the text tells which of them match, where searching each
            // whose anchor occurs would take a pass of its own, matching or not.
            let long = !p.keyword.literal && p.keyword.window().is_none();
            match set.and_then(|i| p.options.get_mut(i)).filter(|_| !long) {
                Some(set) => {
                    for lit in std::mem::take(set) {
                        let next = anchor_index.len() as u32;
                        let a = *anchor_index.entry(lit).or_insert(next);
                        pairs.push((a, k as u32));
                    }
                }
                None => {
                    unanchored.push(k as u32);
                    hirs.push(p.hir);
                }
            }
            keywords.push(p.keyword);
        }
        let mut anchors: Vec<(Vec<u8>, u32)> = anchor_index.into_iter().collect();
        anchors.sort_unstable_by_key(|&(_, a)| a);
        pairs.sort_unstable();
        pairs.dedup();
        // `pairs` sorted by anchor: anchor `a`'s keywords start where the first pair of `a`
        // does.
        let mut anchor_start = Vec::with_capacity(anchors.len() + 1);
        let mut at = 0;
        for a in 0..anchors.len() as u32 {
            anchor_start.push(at as u32);
            while pairs.get(at).is_some_and(|&(x, _)| x == a) {
                at += 1;
            }
        }
        anchor_start.push(at as u32);
        let anchors: Vec<Vec<u8>> = anchors.into_iter().map(|(lit, _)| lit).collect();
        let anchor_keywords: Box<[u32]> = pairs.iter().map(|&(_, k)| k).collect();
        let automaton = if anchors.is_empty() {
            None
        } else {
            let built = AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::Standard)
                .build(&anchors);
            match built {
                Ok(automaton) => Some(automaton),
                Err(e) => {
                    Self::too_big(locale, tpath, &e.to_string(), diags);
                    None
                }
            }
        };
        let set = Self::unanchored_set(&hirs, size_limit, locale, tpath, diags);
        let unanchored = if set.is_some() {
            unanchored.into()
        } else {
            Box::default()
        };
        LocaleKeywords {
            anchors: automaton,
            anchor_start: anchor_start.into(),
            anchor_keywords,
            set,
            unanchored,
            keywords: keywords.into(),
        }
    }

    /// One multi-pattern regex for the keywords without anchors or of no bounded length
    /// (`None`: there are none, or together they are too big, which is reported).
    fn unanchored_set(
        hirs: &[Hir],
        size_limit: usize,
        locale: &str,
        tpath: &DocPath,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<meta::Regex> {
        if hirs.is_empty() {
            return None;
        }
        // Each keyword is held to the size limit alone; the set, their union, to the sum of
        // those limits. One limit for the whole set rejected every policy of about a thousand
        // topics with two keywords each, and a lazy-DFA cache of one keyword's limit made the
        // set fall back to the PikeVM: 5.7 ms to triage 64 bytes against 1,000 topics
        // (benches/scale.rs).
        let set_limit = size_limit.saturating_mul(hirs.len());
        let config = meta::Config::new()
            .match_kind(MatchKind::All)
            .utf8_empty(true)
            .which_captures(WhichCaptures::None)
            .nfa_size_limit(Some(set_limit))
            .hybrid_cache_capacity(set_limit)
            // Extracting a prefilter's literals is quadratic in the number of keywords, and
            // over a few thousand keywords the prefilter is given up anyway.
            .auto_prefilter(hirs.len() <= PREFILTER_MAX_KEYWORDS);
        match meta::Builder::new()
            .configure(config)
            .build_many_from_hir(hirs)
        {
            Ok(set) => Some(set),
            Err(e) => {
                let detail = match e.size_limit() {
                    Some(limit) => format!("compile to more than {limit} bytes"),
                    None => e.to_string().lines().last().unwrap_or("").to_owned(),
                };
                Self::too_big(locale, tpath, &detail, diags);
                None
            }
        }
    }

    /// Reports that the keywords of `locale` could not be compiled together.
    fn too_big(locale: &str, tpath: &DocPath, detail: &str, diags: &mut Vec<Diagnostic>) {
        diags.push(Diagnostic::error(
            "keywords-too-big",
            tpath.clone(),
            format!("the keywords of locale `{locale}` together {detail}"),
            "simplify the keywords (prefer literal words to large classes such as `\\w{50}`), or raise the engine's regex size limit",
        ));
    }

    /// Searches `folded[from..to]` with keyword `k`'s NFA, within the work budget: the
    /// leftmost-first match there (`None`: no match, or the budget is spent, which marks the
    /// triage truncated).
    ///
    /// `vm` keeps the keyword's PikeVM and its cache between the searches of its windows
    /// (`None`: not made yet).
    fn search(
        &self,
        lk: &LocaleKeywords,
        k: u32,
        vm: &mut Vm,
        folded: &str,
        (from, to): (usize, usize),
        work: &mut Work,
    ) -> Option<(usize, usize)> {
        let cost = to.saturating_sub(from);
        if cost > work.budget {
            work.truncated = true;
            return None;
        }
        work.budget -= cost;
        work.counted.searched += cost;
        if vm.is_none() {
            let made = lk.keywords.get(k as usize)?.pikevm(self.size_limit)?;
            let cache = made.create_cache();
            *vm = Some((made, cache));
        }
        let (vm, cache) = vm.as_mut()?;
        let input = Input::new(folded).range(from..to);
        vm.find(cache, input).map(|m| (m.start(), m.end()))
    }

    /// Every keyword of locale `lk` that matches `folded`, with its first match — the one its
    /// regex alone would find — as `(keyword, start, end)`.
    ///
    /// One overlapping Aho-Corasick pass over the text reports every occurrence of every
    /// anchor, in the order of their ends; each occurrence is handed to the keywords it
    /// anchors that are not done with yet:
    ///
    /// - a keyword that is its anchor matches where the anchor first occurs;
    /// - a keyword of at most `L` bytes ([`MAX_WINDOW`] at most) has its every match that
    ///   contains an anchor occurrence `o` within `o.end - L .. o.start + L`, its *window*.
    ///   Merged where they overlap, the windows of its occurrences, in text order, hold every
    ///   match, each whole in one merged window; a merged window is searched with the
    ///   keyword's NFA as soon as the pass is past it, so the first merged window with a match
    ///   holds the first match, and no byte is searched twice for one keyword;
    /// - a longer keyword, or one without bound (`\w+ing`), is not anchored: it is in the
    ///   locale's keyword set with the keywords without anchors; one pass of the set tells
    ///   which of them match, and only those are searched, each over the whole text.
    ///
    /// An anchor whose keywords are all done is skipped from then on, and the pass stops when
    /// every anchor is. Each keyword handed an occurrence and each byte searched by an NFA
    /// costs a unit of the work budget ([`WORK_PER_BYTE`] units a byte of text): what it
    /// cannot pay for is not done, and the triage is marked truncated. So the work is linear
    /// in the text whatever the number of keywords (`Engine::triage_work` counts it).
    fn found(
        &self,
        lk: &LocaleKeywords,
        folded: &str,
        work: &mut Work,
    ) -> Vec<(u32, usize, usize)> {
        /// What is known of a keyword whose anchors occurred.
        #[derive(Default)]
        struct Track {
            done: bool,
            /// The merged window being grown (bounded keywords).
            window: Option<(usize, usize)>,
            /// The keyword's PikeVM and cache, once it has searched a window.
            vm: Vm,
        }
        let n = folded.len();
        let mut found = Vec::new();
        // Searched over the whole text once the pass is over.
        let mut long = Vec::new();
        if let Some(automaton) = &lk.anchors {
            let count = automaton.patterns_len();
            let mut skipped = vec![0u64; count.div_ceil(64)];
            let mut left = count;
            let mut tracks: HashMap<u32, Track> = HashMap::new();
            work.counted.scanned += n;
            'pass: for m in automaton.find_overlapping_iter(folded) {
                work.counted.occurrences += 1;
                let a = m.pattern().as_usize();
                let Some(bits) = skipped.get_mut(a / 64) else {
                    continue;
                };
                let bit = 1u64 << (a % 64);
                if *bits & bit != 0 {
                    continue;
                }
                let mut active = false;
                for &k in lk.anchored(a) {
                    let Some(keyword) = lk.keywords.get(k as usize) else {
                        continue;
                    };
                    let track = tracks.entry(k).or_default();
                    if track.done {
                        continue;
                    }
                    if work.budget == 0 {
                        work.truncated = true;
                        break 'pass;
                    }
                    work.budget -= 1;
                    work.counted.visits += 1;
                    match keyword.window() {
                        None if keyword.literal => {
                            found.push((k, m.start(), m.end()));
                            track.done = true;
                        }
                        None => {
                            long.push(k);
                            track.done = true;
                        }
                        Some(max) => {
                            let lo = m.end().saturating_sub(max);
                            let hi = m.start().saturating_add(max).min(n);
                            // Occurrences come by their end, so every later window of this
                            // keyword starts at or after `lo`: once past the merged window,
                            // it can be searched.
                            if let Some(window) = track.window.filter(|&(_, to)| lo > to) {
                                track.window = None;
                                let found_here =
                                    self.search(lk, k, &mut track.vm, folded, window, work);
                                if let Some((s, e)) = found_here {
                                    found.push((k, s, e));
                                    track.done = true;
                                    continue;
                                }
                            }
                            track.window = Some(match track.window {
                                Some((from, to)) => (from, to.max(hi)),
                                None => (lo, hi),
                            });
                            active = true;
                        }
                    }
                }
                if !active {
                    *bits |= bit;
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
            }
            // The windows still open, in keyword order (the budget is spent deterministically).
            let mut open: Vec<(u32, (usize, usize), Vm)> = tracks
                .into_iter()
                .filter(|(_, t)| !t.done)
                .filter_map(|(k, t)| Some((k, t.window?, t.vm)))
                .collect();
            open.sort_unstable_by_key(|&(k, _, _)| k);
            for (k, window, mut vm) in open {
                if let Some((s, e)) = self.search(lk, k, &mut vm, folded, window, work) {
                    found.push((k, s, e));
                }
            }
        }
        if let Some(set) = &lk.set {
            let mut which = PatternSet::new(set.pattern_len());
            work.counted.scanned += n;
            set.which_overlapping_matches(&Input::new(folded), &mut which);
            long.extend(
                which
                    .iter()
                    .filter_map(|p| lk.unanchored.get(p.as_usize()))
                    .copied(),
            );
        }
        long.sort_unstable();
        long.dedup();
        for k in long {
            if let Some((s, e)) = self.search(lk, k, &mut None, folded, (0, n), work) {
                found.push((k, s, e));
            }
        }
        found.sort_unstable();
        found
    }

    /// The evidence for each topic with a matching keyword, best first (see
    /// [`Engine::triage`] for the order); `folded` is the text as matched.
    fn scores(&self, folded: &str, locale: Ix, work: &mut Work) -> Vec<Score> {
        let Some(lk) = self.locales.get(locale as usize) else {
            return Vec::new();
        };
        let mut scores: Vec<Score> = Vec::new();
        for (k, start, end) in self.found(lk, folded, work) {
            let Some(keyword) = lk.keywords.get(k as usize) else {
                continue;
            };
            let words = folded
                .get(start..end)
                .unwrap_or("")
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .count();
            let len = end.saturating_sub(start).max(1);
            let literal = (keyword.literal_bytes as usize).min(len);
            let hit = Hit {
                keyword: k as usize,
                start,
                end,
                weight: weight_of(words.max(1)),
                coverage: (literal * 1000 / len) as u64,
            };
            match scores.iter_mut().find(|s| s.topic == keyword.topic) {
                Some(s) => s.hits.push(hit),
                None => scores.push(Score {
                    topic: keyword.topic,
                    score: 0.0,
                    specificity: 0,
                    first: hit.start,
                    hits: vec![hit],
                }),
            }
        }
        for s in &mut scores {
            s.first = s.hits.iter().map(|h| h.start).min().unwrap_or(0);
            s.score = stretch_score(&s.hits);
        }
        contest(&mut scores);
        scores.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.specificity.cmp(&a.specificity))
                .then(a.first.cmp(&b.first))
                .then(a.topic.cmp(&b.topic))
        });
        scores
    }

    /// How many of `scores` (sorted, best first) tie with the best: same score, same
    /// specificity.
    fn tied(scores: &[Score]) -> usize {
        let Some(best) = scores.first() else {
            return 0;
        };
        scores
            .iter()
            .take_while(|s| s.score == best.score && s.specificity == best.specificity)
            .count()
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

    /// Sets how many bytes of a text triage reads ([`DEFAULT_MAX_TRIAGE_BYTES`] by default).
    pub(crate) fn set_max_text(&mut self, bytes: usize) {
        self.max_text = bytes;
    }

    /// Folds the first [`Triage::max_text`] bytes of `text` and scores them.
    fn evidence(&self, text: &str, locale: Ix) -> (Vec<Score>, Work) {
        let (text, was_cut) = cut(text, self.max_text);
        let folded = fold_text(text);
        let mut work = Work::new(folded.len(), was_cut);
        let scores = self.scores(&folded, locale, &mut work);
        (scores, work)
    }

    /// What `decide` uses: the topic for `text` if triage is confident enough (`None`: the
    /// fallback topic applies), the confidence, and whether other topics tie with the best.
    pub(crate) fn best(&self, text: &str, locale: Ix) -> Best {
        let (scores, _) = self.evidence(text, locale);
        let confidence = Self::confidence(&scores);
        Best {
            topic: scores
                .first()
                .filter(|_| confidence >= self.threshold)
                .map(|best| best.topic),
            confidence,
            tied: Self::tied(&scores),
        }
    }

    /// The work triaging `text` takes, counted.
    pub(crate) fn work(&self, text: &str, locale: Ix) -> TriageWork {
        let (_, work) = self.evidence(text, locale);
        TriageWork {
            truncated: work.truncated,
            ..work.counted
        }
    }

    /// The full result, for [`Engine::triage`].
    fn run(&self, engine: &Engine, text: &str, locale: Ix) -> TriageResult {
        let (text, was_cut) = cut(text, self.max_text);
        let (folded, map) = fold_with_map(text);
        let mut work = Work::new(folded.len(), was_cut);
        let scores = self.scores(&folded, locale, &mut work);
        let confidence = Self::confidence(&scores);
        let total: f64 = scores.iter().map(|s| s.score).sum();
        let keywords = self.locales.get(locale as usize).map(|l| &l.keywords[..]);
        let candidates: Vec<TriageCandidate> = scores
            .iter()
            .map(|s| TriageCandidate {
                topic: engine.topic_id(s.topic).to_owned(),
                score: s.score,
                share: if total > 0.0 { s.score / total } else { 0.0 },
                specificity: s.specificity as f64 / 1000.0,
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
        let tied = Self::tied(&scores);
        let ambiguous = if tied > 1 {
            candidates
                .iter()
                .take(tied)
                .map(|c| c.topic.clone())
                .collect()
        } else {
            Vec::new()
        };
        TriageResult {
            topic,
            confidence,
            threshold: self.threshold,
            reason,
            candidates,
            ambiguous,
            truncated: work.truncated,
        }
    }
}

/// What `decide` needs of triage.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Best {
    /// The topic, if triage is confident enough (`None`: the fallback topic applies).
    pub(crate) topic: Option<Ix>,
    pub(crate) confidence: f64,
    /// How many topics share the best evidence (1: the best is the only one; 0: no match).
    pub(crate) tied: usize,
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

/// Sets each topic's specificity: over the *contested* stretches of text — overlapping
/// matches of keywords of several topics, as `ERR_CERT_DATE_INVALID` is matched by
/// `err_cert[a-z_]*` and `err_[a-z_]+` — the best coverage of the stretch by one of its
/// keywords, summed. Words only one topic matched settle nothing: two topics each with words
/// of its own are a real ambiguity. Sorting makes it `O(h log h)` in the `h` matches.
fn contest(scores: &mut [Score]) {
    let mut all: Vec<(usize, usize, usize, u64)> = scores
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.hits.iter().map(move |h| (h.start, h.end, i, h.coverage)))
        .collect();
    all.sort_unstable();
    // The stretch being grown: its end, and the best coverage of each topic in it.
    let mut end = 0;
    let mut stretch: Vec<(usize, u64)> = Vec::new();
    let settle = |stretch: &mut Vec<(usize, u64)>, scores: &mut [Score]| {
        if stretch.len() > 1 {
            for &(i, coverage) in stretch.iter() {
                if let Some(s) = scores.get_mut(i) {
                    s.specificity += coverage;
                }
            }
        }
        stretch.clear();
    };
    for (start, stop, i, coverage) in all {
        if start >= end {
            settle(&mut stretch, scores);
        }
        end = end.max(stop);
        match stretch.iter_mut().find(|(t, _)| *t == i) {
            Some((_, best)) => *best = (*best).max(coverage),
            None => stretch.push((i, coverage)),
        }
    }
    settle(&mut stretch, scores);
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
    /// How specific its evidence is where it competes with other topics, what settles
    /// candidates of equal score: for each stretch of text keywords of several topics matched,
    /// the share of it one of this topic's keywords spells out literally (0.38 for
    /// `err_cert[a-z_]*` on `err_cert_date_invalid`, 0.19 for `err_[a-z_]+` on it, 1 for a
    /// plain word), summed. 0 when no other topic matched the same words.
    #[serde(default)]
    pub specificity: f64,
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
    /// The topics tied for best — the same score and the same specificity — in the order of
    /// `candidates` (first mentioned in the text first); empty when one topic has the best
    /// evidence alone. A chatbot can ask the customer which one they mean; `topic` is the
    /// first of them (or the fallback topic, below the threshold).
    #[serde(default)]
    pub ambiguous: Vec<String>,
    /// Triage stopped at a limit: the text is longer than the engine's
    /// [`max_triage_bytes`](crate::EngineBuilder::max_triage_bytes) (only its beginning was
    /// read), or a keyword's anchors occur so often, or the keywords to confirm are so many,
    /// that some were not looked for. Some evidence may be missing; never so for ordinary
    /// messages.
    #[serde(default)]
    pub truncated: bool,
}

impl TriageResult {
    /// Whether the fallback topic applies because triage could not place the text.
    pub fn is_fallback(&self) -> bool {
        !matches!(self.reason, TriageReason::Keywords)
    }

    /// Whether several topics tie for best (listed in [`TriageResult::ambiguous`]).
    pub fn is_ambiguous(&self) -> bool {
        !self.ambiguous.is_empty()
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
    /// Below the policy's `[triage] threshold` (0.3 by default) the result is the fallback
    /// topic, and [`TriageResult::reason`] says so.
    ///
    /// Between topics of equal score the more specific evidence wins: where keywords of
    /// several topics matched the same words, the one that spells out more of them
    /// ([`TriageCandidate::specificity`]; for "ERR_CERT_DATE_INVALID", `err_cert[a-z_]*` of
    /// `ssl.certificate` over `err_[a-z_]+` of `dns.ping`). Topics still tied — each with
    /// evidence of its own, as "my padlock, and a refund" — are a real ambiguity: [`TriageResult::ambiguous`] lists
    /// them, and the result is the one the text mentions first (then the one the policy lists
    /// first), so that it is deterministic; `decide` sets [`Flags::ambiguous_topic`](crate::Flags::ambiguous_topic).
    ///
    /// Never fails; the work is linear in the text's length whatever the number of keywords.
    /// Only the first [`max_triage_bytes`](crate::EngineBuilder::max_triage_bytes) of the text
    /// are read (64 KiB by default), and [`TriageResult::truncated`] says when a limit cut the
    /// work short.
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
    ///
    /// // Two topics, each with words of its own: a real tie, reported so that a chatbot can
    /// // ask which one the customer means; the topic is the one mentioned first.
    /// let tie = engine.triage("padlock, and also a refund", "en");
    /// assert_eq!(tie.ambiguous, ["ssl.certificate", "billing.refund"]);
    /// assert_eq!(tie.topic, "ssl.certificate");
    ///
    /// // The same words matched by two topics' keywords: the more specific one wins.
    /// let cert = engine.triage("NET::ERR_CERT_DATE_INVALID", "en");
    /// assert_eq!(cert.topic, "ssl.certificate");
    /// assert!(!cert.is_ambiguous());
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

    /// The work triaging `text` takes, counted rather than timed: for tests that hold triage
    /// linear in the text (`tests/hostile/triage.rs`). Not a stable API.
    #[doc(hidden)]
    pub fn triage_work(&self, text: &str, locale: &str) -> TriageWork {
        let (locale, _) = self.locale_ix(Some(locale));
        self.triage.work(text, locale)
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

    /// `nfa_bound` is above the NFA the size limit is checked against, for simple patterns
    /// of every shape it accepts, and gives up on the others.
    #[test]
    fn nfa_bound_is_an_upper_bound() {
        // Long patterns too, where the fixed allowance cannot hide a per-byte cost above
        // `STATE_BOUND`: an alternation of literals compiles to a trie of two states a byte.
        let words: Vec<String> = (0..600).map(|i| format!("w{i}x{}", i * 7)).collect();
        let long = [
            format!("{}|{}", "a".repeat(8_100), "b".repeat(8_100)),
            "señal".repeat(3_000),
            words.join("|"),
            format!("({})+", words.join("|")),
            "(el |la )?x".repeat(1_000),
        ];
        let short = [
            r"\bfactura\b",
            "(no puedo |quiero )?configurar (el |la |mi )?correo",
            "a",
            "(?i)contrase[nñ]a",
            "[a-z]+ing|[0-9]*x?",
            "((((a|b|c|d)?e)*f)+g)",
            r"^\s?\w*$",
            "señal|configuración|問題",
            "(?s).+",
            "(a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|u|v|w|x|y|z)+",
        ];
        let mut bounded = 0;
        for pattern in short.iter().copied().chain(long.iter().map(String::as_str)) {
            let ascii = regex_syntax::ParserBuilder::new()
                .unicode(false)
                .utf8(false)
                .build()
                .parse(pattern)
                .ok();
            let hir = ascii.or_else(|| regex_syntax::Parser::new().parse(pattern).ok());
            let Some(hir) = hir else {
                panic!("{pattern} does not parse");
            };
            let Some(bound) = nfa_bound(&hir) else {
                continue;
            };
            // The limit `Triage::keyword` would otherwise check, set to the bound.
            let nfa = thompson::Compiler::new()
                .configure(nfa_config(bound))
                .build_from_hir(&hir);
            let shown: String = pattern.chars().take(60).collect();
            assert!(
                nfa.is_ok(),
                "{shown}…: the NFA is above the bound {bound}: {nfa:?}"
            );
            bounded += 1;
        }
        assert!(bounded >= 13, "only {bounded} patterns were bounded");
        let plain = |p: &str| regex_syntax::Parser::new().parse(p).ok();
        for complex in [r"\w+", "a{2,5}", "[à-ü]", r"\p{L}"] {
            let hir = plain(complex);
            assert!(hir.is_some_and(|h| nfa_bound(&h).is_none()), "{complex}");
        }
        let hir = plain(r"\bfactura\b");
        assert!(hir.is_some_and(|h| nfa_bound(&h).is_some()));
    }

    /// The literals every match of a keyword contains, from which its anchors are chosen.
    #[test]
    fn required_literals_of_keyword_shapes() {
        let required_of = |p: &str| {
            let hir = regex_syntax::Parser::new().parse(p).unwrap();
            let mut sets = Vec::new();
            required(&hir, &mut sets);
            sets.into_iter()
                .map(|set| {
                    set.into_iter()
                        .map(|l| String::from_utf8(l).unwrap())
                        .collect()
                })
                .collect::<Vec<Vec<String>>>()
        };
        assert_eq!(required_of(r"\bfactura\b"), [["factura"]]);
        assert_eq!(required_of("[Cc]olor"), [["Color", "color"]]);
        assert_eq!(required_of("(factura|recibo)s?"), [["factura", "recibo"]]);
        assert_eq!(required_of("colou?r"), [["colo"], ["r"]]);
        assert_eq!(
            required_of("(no puedo |quiero )?pagar (la )?factura"),
            [["pagar "], ["factura"]]
        );
        assert!(required_of(r"\d{3}").is_empty());
        assert!(required_of(r"[a-z]+").is_empty());
        assert!(
            required_of("a|[0-9]+").is_empty(),
            "every branch must have one"
        );
    }

    /// A keyword is anchored on the literal the fewest other keywords share: the topic's
    /// noun, not a verb many topics use.
    #[test]
    fn anchors_are_the_least_shared_required_literals() {
        let mut diags = Vec::new();
        let pending: Vec<Pending> = [
            "(no puedo )?configurar (el )?correo",
            "(no puedo )?configurar (el )?dns",
            "(no puedo )?configurar (la )?web",
            r"\bcorreo\b",
        ]
        .iter()
        .filter_map(|p| Triage::keyword(0, p, 1 << 20, DocPath::root, &mut diags))
        .collect();
        assert!(diags.is_empty(), "{diags:?}");
        let chosen = choose_anchors(&pending);
        let anchor = |k: usize| {
            let set = chosen[k].and_then(|i| pending[k].options.get(i)).unwrap();
            set.iter()
                .map(|l| String::from_utf8(l.clone()).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(anchor(0), ["correo"]);
        assert_eq!(anchor(1), ["dns"]);
        assert_eq!(anchor(2), ["web"]);
        assert_eq!(anchor(3), ["correo"]);
    }

    #[test]
    fn patterns_fold_literals_only() {
        let fold = |p: &str| {
            let parsed = ast::parse::Parser::new().parse(p).map_err(|_| None)?;
            fold_ast(p, &parsed).map_err(Some)
        };
        let f = |p: &str| match fold(p) {
            Ok(f) => f.unwrap_or_else(|| p.to_owned()),
            Err(e) => panic!("{p}: {e:?}"),
        };
        assert_eq!(f("configuración"), "configuracion");
        assert_eq!(f("contrase[nñ]a"), "contrase[nn]a");
        assert_eq!(f(r"\bmigraci[oó]n\b"), r"\bmigraci[oo]n\b");
        assert_eq!(f(r"\x{e9}t\u00E9"), "ete");
        assert_eq!(f(r"\p{Lu}\W"), r"\p{Lu}\W");
        assert_eq!(f("Outlook|[A-Z]+"), "outlook|[a-z]+");
        assert_eq!(f("SEÑAL"), "senal");
        assert_eq!(f("한+"), "(?:\u{1112}\u{1161}\u{11ab})+");
        assert_eq!(fold("[한]"), Err(Some('한')));
        assert_eq!(fold("(unclosed"), Err(None));
        assert_eq!(fold("plain words"), Ok(None));
    }
}
