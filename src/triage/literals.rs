//! Literal extraction: the literals every match of a keyword contains (its *required*
//! literals, from which its anchors are chosen), and the texts a small pattern matches.

use regex_syntax::hir::{Class, Hir, HirKind};

/// At most this many literals stand for one keyword: an alternation, or a few small
/// character classes in a row, expand to several.
const MAX_ANCHORS: usize = 32;

/// A character class of at most this many characters is expanded into literals.
const MAX_CLASS_CHARS: usize = 4;

/// A set of texts.
pub(super) type Literals = Vec<Vec<u8>>;

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
pub(super) fn exact(hir: &Hir) -> Option<Literals> {
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
pub(super) fn shortest(set: &Literals) -> Option<usize> {
    set.iter().map(Vec::len).min().filter(|&n| n > 0)
}

/// Pushes onto `out` sets of literals such that every match of `hir` contains a literal of
/// each set: its *required* literals, from which the keyword's anchor is chosen.
pub(super) fn required(hir: &Hir, out: &mut Vec<Literals>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
