//! One keyword: checked (syntax, size limit, folding), parsed once, and compiled to its own
//! Thompson NFA the first time it may match.

use regex_automata::nfa::thompson::pikevm::PikeVM;
use regex_automata::nfa::thompson::{self, NFA, WhichCaptures};
use regex_syntax::ast;
use regex_syntax::hir::{Class, Hir, HirKind};
use std::fmt;
use std::sync::OnceLock;

use super::literals::{Literals, exact, required, shortest};
use super::rewrite::fold_ast;
use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::engine::ids::TopicIx;

/// A keyword that can match more than this many bytes is searched over the whole text rather
/// than in windows around its anchors.
pub(super) const MAX_WINDOW: usize = 512;

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
pub(super) struct Keyword {
    pub(super) topic: TopicIx,
    /// The pattern as written in the policy.
    pub(super) source: Box<str>,
    /// The pattern as matched, its literals folded, when that differs from `source`.
    pub(super) folded: Option<Box<str>>,
    /// The pattern is one literal, its anchor: where the anchor first occurs is its match.
    pub(super) literal: bool,
    /// The longest text the pattern can match, in bytes (`None`: no bound, as in `\w+`).
    pub(super) max_len: Option<u32>,
    /// How many bytes of any match the pattern spells out: the sum of the shortest literal of
    /// each set of required literals (8 for `err_cert[a-z_]*`, 4 for `err_[a-z_]+`). Over
    /// the match's length, it is how specific the match is (see `Engine::triage`).
    pub(super) literal_bytes: u32,
    /// The folded pattern's Thompson NFA, built the first time the keyword may match a text,
    /// to confirm and locate its match (`None`: it does not build, which cannot happen once
    /// the compiler accepted the keyword under the same limit). An NFA takes one or two KB; a
    /// whole `regex::Regex` per keyword, with its lazy DFA's cache, took 15 to 50 KB, which an
    /// engine that had seen every keyword of a 10,000-topic policy would have held for good.
    pub(super) nfa: OnceLock<Option<NFA>>,
}

impl Keyword {
    pub(super) fn folded(&self) -> &str {
        self.folded.as_deref().unwrap_or(&self.source)
    }

    /// The keyword's window around an anchor occurrence, its longest match in bytes
    /// (`None`: no bound, or above [`MAX_WINDOW`]: it is searched over the whole text).
    /// Asked once per keyword handed an occurrence (`Triage::found`), from another file: inlined
    /// there as when the two shared one.
    #[inline]
    pub(super) fn window(&self) -> Option<usize> {
        self.max_len
            .map(|max| max as usize)
            .filter(|&max| max <= MAX_WINDOW && !self.literal)
    }

    pub(super) fn pikevm(&self, size_limit: usize) -> Option<PikeVM> {
        let nfa = self.nfa.get_or_init(|| {
            thompson::Compiler::new()
                .configure(nfa_config(size_limit))
                .build(self.folded())
                .ok()
        });
        PikeVM::new_from_nfa(nfa.clone()?).ok()
    }
}

/// A keyword of a locale being compiled: the keyword, its parsed pattern, its required
/// literals.
pub(super) struct Pending {
    pub(super) keyword: Keyword,
    pub(super) hir: Hir,
    pub(super) options: Vec<Literals>,
}

/// Checks one keyword — syntax, size limit, folding — and parses it for matching.
///
/// Each keyword is parsed once (twice when folding rewrites it), and only its Thompson
/// NFA is built to hold it to the size limit: parsing is most of the cost of compiling a
/// policy with many keywords, and a whole `regex::Regex` per keyword also extracts
/// literal prefilters, which for a case-insensitive keyword costs 10 to 40 times more
/// (`benches/compile.rs`).
pub(super) fn keyword(
    topic: TopicIx,
    pattern: &str,
    size_limit: usize,
    path: impl Fn() -> DocPath,
    diags: &mut Vec<Diagnostic>,
) -> Option<Pending> {
    let bad_regex = |e: &dyn fmt::Display, diags: &mut Vec<Diagnostic>| {
        let detail = e.to_string().lines().last().unwrap_or("").trim().to_owned();
        diags.push(Diagnostic::error(
            Code::BadRegex,
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
                        Code::BadKeyword,
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
                Code::UnfoldableKeyword,
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
                Code::RegexTooBig,
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
            Code::KeywordMatchesEmpty,
            path(),
            format!("keyword `{pattern}` can match empty text, so it would match every inquiry"),
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

#[cfg(test)]
mod tests {
    use super::*;

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
            // The limit `keyword` would otherwise check, set to the bound.
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
}
