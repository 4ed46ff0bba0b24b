//! Texts: one template per declared locale, parsed, with the placeholders its usage fills
//! (`Usage`): what a message, a handover text or a channel variant is made of.

use std::collections::HashMap;

use crate::diagnostic::{Code, DocPath};
use crate::document::LocaleText;
use crate::engine::Handover;
use crate::template::{Builtin, Template};

use super::compiler::Compiler;

/// Where a message is used, which decides the built-in placeholders it may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Usage {
    /// A `[messages]` entry while it is parsed: checked against each of its usages afterwards.
    Unchecked,
    TierMessage,
    Answer,
    Handover(Handover),
}

impl Usage {
    pub(super) fn allows(self, b: Builtin) -> bool {
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

    pub(super) fn describe(self) -> String {
        match self {
            Usage::Unchecked => "a message".to_owned(),
            Usage::TierMessage => "a topic's `explains` or `serves` message".to_owned(),
            Usage::Answer => "an answer".to_owned(),
            Usage::Handover(h) => format!("the `{}` handover text", h.name()),
        }
    }
}

impl Compiler<'_> {
    /// One text per declared locale, parsed.
    pub(super) fn locale_texts(
        &mut self,
        text: &LocaleText,
        path: &DocPath,
        usage: Usage,
    ) -> Box<[Template]> {
        if self.errors_full() {
            // The engine will not be built; each text missing in each locale would cost
            // texts × locales.
            return Box::new([]);
        }
        self.duplicate_keys(text, path, "locale");
        for (locale, _) in text.iter() {
            if !self.locale_set.contains(locale) {
                self.error(
                    Code::UnknownLocale,
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
                    Code::MissingLocale,
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
                                Code::PlaceholderNotAvailable,
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
                    self.error(
                        Code::BadPlaceholder,
                        path.key(locale.as_ref()),
                        message,
                        &hint,
                    );
                    out.push(Template::empty());
                }
            }
        }
        out.into()
    }
}
