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

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Literal(Box<str>),
    Builtin(Builtin),
    /// A host-supplied value, by name.
    Value(Box<str>),
}

/// A parsed message text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    source: Box<str>,
    parts: Box<[Part]>,
}

/// Why a text could not be parsed as a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TemplateError {
    Unclosed { at: usize },
    StrayClose { at: usize },
    BadName { name: String },
    Unknown { name: String },
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
        }
    }
}

impl Template {
    /// Parses `text`; `{{` and `}}` are literal braces. `host` lists the placeholder names the
    /// host supplies.
    pub(crate) fn parse(text: &str, host: &[Box<str>]) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, c)| c) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(TemplateError::StrayClose { at: i }),
                '{' => {
                    let rest = text.get(i + 1..).unwrap_or("");
                    let Some(end) = rest.find('}') else {
                        return Err(TemplateError::Unclosed { at: i });
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
                    } else if host.iter().any(|h| &**h == name) {
                        Part::Value(name.into())
                    } else {
                        return Err(TemplateError::Unknown {
                            name: name.to_owned(),
                        });
                    };
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal).into()));
                    }
                    parts.push(part);
                    for _ in 0..=name.len() {
                        chars.next();
                    }
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal.into()));
        }
        Ok(Template {
            source: text.into(),
            parts: parts.into(),
        })
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
        let mut missing = None;
        for part in self.parts.iter() {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Builtin(b) => builtin(*b, out),
                Part::Value(name) => match values.value(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        if missing.is_none() {
                            missing = Some(MissingValue {
                                placeholder: name.to_string(),
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
        Template::parse(text, &["name".into()])
    }

    #[test]
    fn splits_literals_and_placeholders() {
        let t = parse("Hola {name}, vea {where}.").ok();
        let parts = t.map(|t| t.parts.to_vec()).unwrap_or_default();
        assert_eq!(
            parts,
            vec![
                Part::Literal("Hola ".into()),
                Part::Value("name".into()),
                Part::Literal(", vea ".into()),
                Part::Builtin(Builtin::Where),
                Part::Literal(".".into()),
            ]
        );
    }

    #[test]
    fn doubled_braces_are_literal() {
        let t = parse("a {{b}} c").ok();
        let mut out = String::new();
        if let Some(t) = t {
            let _ = t.render(&mut out, &|_, _| {}, &NoValues);
        }
        assert_eq!(out, "a {b} c");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(parse("a {b"), Err(TemplateError::Unclosed { at: 2 }));
        assert_eq!(parse("a } b"), Err(TemplateError::StrayClose { at: 2 }));
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
