//! Building a locale: its keywords' anchors chosen and indexed into one Aho-Corasick
//! automaton, and the keywords without an anchor (or of no bounded length) joined into one
//! multi-pattern regex.

use aho_corasick::AhoCorasick;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::{MatchKind, meta};
use regex_syntax::hir::Hir;
use std::collections::HashMap;

use super::keyword::{Keyword, Pending};
use super::literals::{Literals, shortest};
use crate::diagnostic::{Code, Diagnostic, DocPath};

/// Above this many keywords without a required literal in a locale, their set is built
/// without a literal prefilter (see `Triage::build`).
const PREFILTER_MAX_KEYWORDS: usize = 2_000;

/// The keywords of one locale.
///
/// Every match of a keyword contains one of its *anchors*, literals chosen from its pattern
/// (`word` for `\bword\b`; `factura` or `recibo` for `(factura|recibo)s?`). One Aho-Corasick
/// automaton finds every anchor of the locale in one pass over the text, in time linear in
/// its length; only the keywords whose anchors occur are then run, each alone. The keywords
/// with no literal to anchor them (`\d{5}`) or of no bounded length (`lent[a-z]*`) are
/// scanned together by one multi-pattern regex.
#[derive(Debug)]
pub(super) struct LocaleKeywords {
    /// The anchors of every keyword that has them (`None`: none has).
    pub(super) anchors: Option<AhoCorasick>,
    /// The keywords of anchor `a`: `anchor_keywords[anchor_start[a]..anchor_start[a + 1]]`.
    pub(super) anchor_start: Box<[u32]>,
    pub(super) anchor_keywords: Box<[u32]>,
    /// The keywords without anchors, and those of no bounded length (or longer than
    /// [`MAX_WINDOW`]), as one multi-pattern regex; its pattern `i` is keyword
    /// `unanchored[i]`.
    ///
    /// [`MAX_WINDOW`]: super::keyword::MAX_WINDOW
    pub(super) set: Option<meta::Regex>,
    pub(super) unanchored: Box<[u32]>,
    pub(super) keywords: Box<[Keyword]>,
}

impl LocaleKeywords {
    /// The keywords anchor `anchor` stands for. Asked once per anchor occurrence
    /// (`Triage::found`), from another file: inlined there as when the two shared one.
    #[inline]
    pub(super) fn anchored(&self, anchor: usize) -> &[u32] {
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

/// A locale's keywords sorted by how they are found.
struct Assigned {
    /// Every anchor, once, numbered in the order it was first chosen.
    anchor_index: HashMap<Vec<u8>, u32>,
    /// `(anchor, keyword)`: the keywords each anchor stands for.
    pairs: Vec<(u32, u32)>,
    /// The keywords of the keyword set, and their parsed patterns, in the same order.
    unanchored: Vec<u32>,
    hirs: Vec<Hir>,
    /// Every keyword, in the order of the policy.
    keywords: Vec<Keyword>,
}

/// Assigns each keyword either to the anchors `chosen` for it or to the keyword set (a
/// keyword without anchors, or of no bounded length, or longer than a window).
fn assign(pending: Vec<Pending>, chosen: Vec<Option<usize>>) -> Assigned {
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
    Assigned {
        anchor_index,
        pairs,
        unanchored,
        hirs,
        keywords,
    }
}

/// A locale's anchors by number, and the keywords of each: anchor `a`'s are
/// `anchor_keywords[anchor_start[a]..anchor_start[a + 1]]` (see [`LocaleKeywords::anchored`]).
struct AnchorTable {
    anchors: Vec<Vec<u8>>,
    anchor_start: Box<[u32]>,
    anchor_keywords: Box<[u32]>,
}

/// Indexes the anchors of [`assign`] and the keywords they stand for.
fn anchor_table(anchor_index: HashMap<Vec<u8>, u32>, mut pairs: Vec<(u32, u32)>) -> AnchorTable {
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
    AnchorTable {
        anchors: anchors.into_iter().map(|(lit, _)| lit).collect(),
        anchor_start: anchor_start.into(),
        anchor_keywords: pairs.iter().map(|&(_, k)| k).collect(),
    }
}

/// Builds the matchers of one locale's keywords, in steps: each keyword's anchors are
/// chosen ([`choose_anchors`]), each keyword is assigned to its anchors or to the keyword
/// set ([`assign`]), the anchors are indexed ([`anchor_table`]), then the anchor automaton
/// ([`anchor_automaton`]) and the keyword set ([`unanchored_set`]) are
/// built. What does not build is reported, and its keywords are never found.
pub(super) fn locale(
    pending: Vec<Pending>,
    size_limit: usize,
    locale: &str,
    tpath: &DocPath,
    diags: &mut Vec<Diagnostic>,
) -> LocaleKeywords {
    let chosen = choose_anchors(&pending);
    let assigned = assign(pending, chosen);
    let table = anchor_table(assigned.anchor_index, assigned.pairs);
    let automaton = anchor_automaton(&table.anchors, locale, tpath, diags);
    let set = unanchored_set(&assigned.hirs, size_limit, locale, tpath, diags);
    let unanchored = if set.is_some() {
        assigned.unanchored.into()
    } else {
        Box::default()
    };
    LocaleKeywords {
        anchors: automaton,
        anchor_start: table.anchor_start,
        anchor_keywords: table.anchor_keywords,
        set,
        unanchored,
        keywords: assigned.keywords.into(),
    }
}

/// One Aho-Corasick automaton for a locale's anchors (`None`: there are none, or it does
/// not build, which is reported).
fn anchor_automaton(
    anchors: &[Vec<u8>],
    locale: &str,
    tpath: &DocPath,
    diags: &mut Vec<Diagnostic>,
) -> Option<AhoCorasick> {
    if anchors.is_empty() {
        return None;
    }
    let built = AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::Standard)
        .build(anchors);
    match built {
        Ok(automaton) => Some(automaton),
        Err(e) => {
            too_big(locale, tpath, &e.to_string(), diags);
            None
        }
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
            too_big(locale, tpath, &detail, diags);
            None
        }
    }
}

/// Reports that the keywords of `locale` could not be compiled together.
fn too_big(locale: &str, tpath: &DocPath, detail: &str, diags: &mut Vec<Diagnostic>) {
    diags.push(Diagnostic::error(
        Code::KeywordsTooBig,
        tpath.clone(),
        format!("the keywords of locale `{locale}` together {detail}"),
        "simplify the keywords (prefer literal words to large classes such as `\\w{50}`), or raise the engine's regex size limit",
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

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
        .filter_map(|p| {
            crate::triage::keyword::keyword(
                crate::engine::ids::TopicIx::new(0),
                p,
                1 << 20,
                DocPath::root,
                &mut diags,
            )
        })
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
}
