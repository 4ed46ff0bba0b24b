//! The service manual per department (R2.2, R2.6), in Markdown, generated from the compiled
//! engine: what the systems say, who may answer and how, the rank chain, the words never to
//! use. The manual's own wording is in Spanish for Spanish locales and in English otherwise;
//! the policy's texts are in the requested locale.
//!
//! The entry point, [`Engine::manual`], is here; the error it returns is in `error`, the
//! manual's own wording (English, Spanish) in `wording`, the document's frame (title, index,
//! lookups) in `frame`, each topic's section in `topics`, and the closing sections
//! (other departments' topics, handover, ranks, forbidden words, rules) in `sections`; every
//! string of the policy goes through `escape` (text, or a code span) before it is written.

mod error;
mod escape;
mod frame;
mod sections;
mod topics;
mod wording;

pub use self::error::ManualError;

use crate::engine::{Engine, LocaleIx};

use self::error::ManualErrorKind;
use self::frame::Manual;
use self::wording::{EN, ES};

impl Engine {
    /// The service manual (R2.2, R2.6) in Markdown, for one department (its own topics in
    /// full, then what its staff do with other departments' topics) or, with `None`, for the
    /// whole company. The policy's texts are in `locale` (an empty `locale`: the policy's
    /// default one); the manual's own wording is Spanish for a Spanish locale, else English.
    ///
    /// Per topic: the ladder and what each tier says (system, where, the message text), who
    /// may answer and with what authority, the rank chain up to the review, and the rules
    /// that touch it; then the handover texts, the words never to use with their reasons, and
    /// every rule with its `why`. Headings and an index; the output is deterministic.
    ///
    /// # Errors
    ///
    /// [`ManualError`] when `department` is not in the policy, or `locale` is neither empty
    /// (the default locale) nor a declared locale (matched as a contact's locale is: case
    /// aside, and `es-MX` finds `es`).
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let manual = engine.manual(Some("billing"), "en")?;
    /// assert!(manual.starts_with("# Service manual — Acme Hosting"));
    /// assert!(manual.contains("## Index"));
    /// assert!(manual.contains("`billing.refund`"));
    /// assert!(manual.contains("eso no nos compete"));
    ///
    /// let es = engine.manual(Some("billing"), "es")?;
    /// assert!(es.starts_with("# Manual de atención al cliente — Acme Hosting"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn manual(&self, department: Option<&str>, locale: &str) -> Result<String, ManualError> {
        let dept = match department {
            None => None,
            Some(d) => match self.parts().departments.find(d) {
                Some(i) => Some(i),
                None => {
                    return Err(ManualError {
                        kind: ManualErrorKind::Department(d.to_owned()),
                        known: self.departments().map(str::to_owned).collect(),
                    });
                }
            },
        };
        let (locale_ix, undeclared) = if locale.is_empty() {
            (LocaleIx::new(0), false)
        } else {
            self.locale_ix(Some(locale))
        };
        if undeclared {
            return Err(ManualError {
                kind: ManualErrorKind::Locale(locale.to_owned()),
                known: self.locales().map(str::to_owned).collect(),
            });
        }
        let locale = locale_ix;
        let language = self.parts().locales.id(locale);
        let words =
            if language == "es" || language.starts_with("es-") || language.starts_with("es_") {
                &ES
            } else {
                &EN
            };
        let mut out = String::new();
        let _ = Manual {
            engine: self,
            dept,
            locale,
            w: words,
        }
        .write(&mut out);
        Ok(out)
    }
}
