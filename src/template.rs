//! Message texts pre-split into literal parts and placeholders, rendered into a caller's
//! buffer. Values are inserted literally: a value that contains `{x}` is not expanded again.

use std::collections::{BTreeMap, HashMap};

/// A built-in placeholder, filled from the decision itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Builtin {
    /// `{system}`: the name of the system the text is about.
    System,
    /// `{where}`: where to find that system on the contact's channel.
    Where,
    /// `{department}`: the department the customer is routed to.
    Department,
    /// `{rank}`: the rank that authorizes or takes over.
    Rank,
    /// `{within}`: the review window.
    Within,
    /// `{previous}`: what the customer was told before (change notices).
    Previous,
}

impl Builtin {
    pub(crate) const ALL: [Builtin; 6] = [
        Builtin::System,
        Builtin::Where,
        Builtin::Department,
        Builtin::Rank,
        Builtin::Within,
        Builtin::Previous,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Builtin::System => "system",
            Builtin::Where => "where",
            Builtin::Department => "department",
            Builtin::Rank => "rank",
            Builtin::Within => "within",
            Builtin::Previous => "previous",
        }
    }

    fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// A part of a template, as a byte range of its source (so that the text is kept once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Literal text: `source[start..end]`. A doubled brace `{{` is the range of its first
    /// brace, so literal text around it is split into parts.
    Literal(u32, u32),
    Builtin(Builtin),
    /// A host-supplied value, by name: `source[start..end]`.
    Value(u32, u32),
}

/// A parsed message text.
///
/// The source is kept once; the parts are ranges of it. A text with no placeholder and no
/// doubled brace has no parts at all: it renders as its source. (Texts are most of a
/// compiled policy: keeping each one twice, as the source and as literal parts, cost a
/// fifth of the engine's memory, `benches/memory.rs`.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    source: Box<str>,
    parts: Box<[Part]>,
}

/// Why a text could not be parsed as a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TemplateError {
    Unclosed {
        at: usize,
    },
    StrayClose {
        at: usize,
    },
    BadName {
        name: String,
    },
    Unknown {
        name: String,
    },
    /// Longer than the 4 GiB a part can address.
    TooLong {
        len: usize,
    },
}

impl TemplateError {
    pub(crate) fn describe(&self) -> (String, String) {
        match self {
            TemplateError::Unclosed { at } => (
                format!("the placeholder opened at character {} is never closed", at + 1),
                "close it with `}`, or write `{{` for a literal brace".to_owned(),
            ),
            TemplateError::StrayClose { at } => (
                format!("the `}}` at character {} closes no placeholder", at + 1),
                "write `}}` for a literal brace".to_owned(),
            ),
            TemplateError::BadName { name } => (
                format!("`{{{name}}}` is not a placeholder name"),
                "placeholder names are lowercase letters, digits and `_`; write `{{` for a literal brace"
                    .to_owned(),
            ),
            TemplateError::Unknown { name } => (
                format!("unknown placeholder `{{{name}}}`"),
                format!(
                    "use one of the built-in placeholders ({}) or declare `{name}` in `[policy].placeholders`",
                    Builtin::ALL.map(|b| format!("`{{{}}}`", b.name())).join(", ")
                ),
            ),
            TemplateError::TooLong { len } => (
                format!("the text is {len} bytes long, more than a message can be (4 GiB)"),
                "shorten it: a message is read to a customer".to_owned(),
            ),
        }
    }
}

/// The number of characters of `text` before byte `byte`: where an error is, as the
/// message says it ("at character N", counted from 1 by `describe`).
fn char_at(text: &str, byte: usize) -> usize {
    text.get(..byte)
        .map_or(byte, |before| before.chars().count())
}

impl Template {
    /// Parses `text`; `{{` and `}}` are literal braces. `host` holds the placeholder names the
    /// host supplies (a set: a text of many placeholders among many declared names costs a
    /// lookup each, not a scan).
    pub(crate) fn parse(
        text: &str,
        host: &std::collections::HashSet<Box<str>>,
    ) -> Result<Template, TemplateError> {
        if u32::try_from(text.len()).is_err() {
            // Not reachable through a policy document (the parsers refuse such a string
            // first); a part could not address it.
            return Err(TemplateError::TooLong { len: text.len() });
        }
        let mut parts = Vec::new();
        // The literal text since the last part: `from..at`.
        let mut from = 0;
        let mut chars = text.char_indices().peekable();
        let literal = |parts: &mut Vec<Part>, start: usize, end: usize| {
            if start < end {
                parts.push(Part::Literal(start as u32, end as u32));
            }
        };
        while let Some((i, c)) = chars.next() {
            match c {
                '{' | '}' if chars.peek().map(|&(_, d)| d) == Some(c) => {
                    // The literal up to and including the first brace; the second is skipped.
                    chars.next();
                    literal(&mut parts, from, i + 1);
                    from = i + 2;
                }
                '}' => {
                    return Err(TemplateError::StrayClose {
                        at: char_at(text, i),
                    });
                }
                '{' => {
                    let rest = text.get(i + 1..).unwrap_or("");
                    let Some(end) = rest.find('}') else {
                        return Err(TemplateError::Unclosed {
                            at: char_at(text, i),
                        });
                    };
                    let name = rest.get(..end).unwrap_or("");
                    let valid = !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                    if !valid {
                        return Err(TemplateError::BadName {
                            name: name.to_owned(),
                        });
                    }
                    let part = if let Some(b) = Builtin::from_name(name) {
                        Part::Builtin(b)
                    } else if host.contains(name) {
                        Part::Value((i + 1) as u32, (i + 1 + end) as u32)
                    } else {
                        return Err(TemplateError::Unknown {
                            name: name.to_owned(),
                        });
                    };
                    literal(&mut parts, from, i);
                    parts.push(part);
                    for _ in 0..=name.len() {
                        chars.next();
                    }
                    from = i + 2 + end;
                }
                _ => {}
            }
        }
        if parts.is_empty() {
            // Plain text: it renders as its source.
            return Ok(Template {
                source: text.into(),
                parts: Box::new([]),
            });
        }
        literal(&mut parts, from, text.len());
        Ok(Template {
            source: text.into(),
            parts: parts.into(),
        })
    }

    /// The text of `start..end` of the source.
    fn slice(&self, start: u32, end: u32) -> &str {
        self.source.get(start as usize..end as usize).unwrap_or("")
    }

    /// The empty text.
    pub(crate) fn empty() -> Template {
        Template {
            source: "".into(),
            parts: Box::new([]),
        }
    }

    /// The text as written in the policy.
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// The built-in placeholders the text uses.
    pub(crate) fn builtins(&self) -> impl Iterator<Item = Builtin> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Builtin(b) => Some(*b),
            _ => None,
        })
    }

    /// Renders into `out`: built-ins from `builtin`, host values from `values`. A missing
    /// value renders as nothing; its name is returned so the host can tell.
    pub(crate) fn render<'t>(
        &'t self,
        out: &mut String,
        builtin: &dyn Fn(Builtin, &mut String),
        values: &dyn Values,
    ) -> Result<(), MissingValue> {
        if self.parts.is_empty() {
            out.push_str(&self.source);
            return Ok(());
        }
        let mut missing = None;
        for part in self.parts.iter() {
            match *part {
                Part::Literal(start, end) => out.push_str(self.slice(start, end)),
                Part::Builtin(b) => builtin(b, out),
                Part::Value(start, end) => match values.value(self.slice(start, end)) {
                    Some(v) => out.push_str(v),
                    None => {
                        if missing.is_none() {
                            missing = Some(MissingValue {
                                placeholder: self.slice(start, end).to_owned(),
                            });
                        }
                    }
                },
            }
        }
        missing.map_or(Ok(()), Err)
    }
}

/// Values the host supplies for the placeholders declared in `[policy].placeholders`.
///
/// Implemented for maps of strings (so a contact's [`crate::Facts`] can be passed), slices of
/// pairs, and [`NoValues`].
///
/// # Examples
///
/// ```
/// use unified_message::Values;
/// let values = [("customer_name", "Ana")];
/// assert_eq!(values.as_slice().value("customer_name"), Some("Ana"));
/// ```
pub trait Values {
    /// The value of placeholder `name`, if the host has one.
    fn value(&self, name: &str) -> Option<&str>;
}

/// No host values: declared placeholders render as nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoValues;

impl Values for NoValues {
    fn value(&self, _: &str) -> Option<&str> {
        None
    }
}

impl Values for BTreeMap<String, String> {
    fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl<S: std::hash::BuildHasher> Values for HashMap<String, String, S> {
    fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Values for [(&str, &str)] {
    fn value(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

impl<V: Values + ?Sized> Values for &V {
    fn value(&self, name: &str) -> Option<&str> {
        (**self).value(name)
    }
}

/// A declared placeholder had no value when rendering; it rendered as nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no value for placeholder `{{{placeholder}}}`; pass it in the values given to render")]
pub struct MissingValue {
    /// The placeholder's name.
    pub placeholder: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Template, TemplateError> {
        Template::parse(text, &["name".into()].into_iter().collect())
    }

    #[test]
    fn splits_literals_and_placeholders() {
        let t = parse("Hola {name}, vea {where}.").ok();
        let parts = t.map(|t| t.parts.to_vec()).unwrap_or_default();
        assert_eq!(
            parts,
            vec![
                Part::Literal(0, 5),
                Part::Value(6, 10),
                Part::Literal(11, 17),
                Part::Builtin(Builtin::Where),
                Part::Literal(24, 25),
            ]
        );
    }

    #[test]
    fn doubled_braces_are_literal() {
        for (text, rendered) in [
            ("a {{b}} c", "a {b} c"),
            ("{{", "{"),
            ("}}{{}}", "}{}"),
            ("{{{where}}}", "{W}"),
            ("x{{{{y", "x{{y"),
            ("ñ{{é}}", "ñ{é}"),
        ] {
            let mut out = String::new();
            let t = parse(text).ok();
            if let Some(t) = &t {
                let _ = t.render(&mut out, &|_, out| out.push('W'), &NoValues);
            }
            assert_eq!(out, rendered, "{text}");
        }
    }

    /// A text without placeholders or doubled braces is kept once, with no parts.
    #[test]
    fn plain_text_has_no_parts() {
        let t = parse("Sin marcadores: ñandú.").ok();
        assert_eq!(t.as_ref().map(|t| t.parts.len()), Some(0));
        let mut out = String::new();
        if let Some(t) = &t {
            let _ = t.render(&mut out, &|_, _| {}, &NoValues);
        }
        assert_eq!(out, "Sin marcadores: ñandú.");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(parse("a {b"), Err(TemplateError::Unclosed { at: 2 }));
        assert_eq!(parse("a } b"), Err(TemplateError::StrayClose { at: 2 }));
        // Characters, not bytes: `ñ` and `é` take two bytes each.
        assert_eq!(parse("ñé {b"), Err(TemplateError::Unclosed { at: 3 }));
        assert_eq!(parse("ñé } b"), Err(TemplateError::StrayClose { at: 3 }));
        assert!(matches!(
            parse("{Bad Name}"),
            Err(TemplateError::BadName { .. })
        ));
        assert!(matches!(
            parse("{nope}"),
            Err(TemplateError::Unknown { .. })
        ));
    }

    #[test]
    fn values_are_inserted_literally() {
        let t = parse("Hi {name}").ok();
        let mut out = String::new();
        if let Some(t) = t {
            let _ = t.render(&mut out, &|_, _| {}, &[("name", "{where}")].as_slice());
        }
        assert_eq!(out, "Hi {where}");
    }
}
