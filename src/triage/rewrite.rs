//! Rewriting keywords: the literal characters of a pattern folded as the text is, its syntax
//! untouched (`Configuración` → `configuracion`, `[NÑ]` → `[nn]`, `\p{Lu}` as written).

use regex_syntax::ast::{self, Ast, ClassSetItem};

use super::fold::fold_char;

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
pub(super) fn fold_ast(pattern: &str, parsed: &Ast) -> Result<Option<String>, char> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
