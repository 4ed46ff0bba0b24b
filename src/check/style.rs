//! Style (R2.3): forbidden phrases in every text and in drafts; every text present.

use crate::diagnostic::{Code, Diagnostic, DocPath, ScreenMatch};
use crate::document::Change;
use crate::engine::{Engine, Handover, LocaleIx};
use crate::template::Template;

impl Engine {
    /// The forbidden phrases of the policy's `[style]` in a free-text draft — an agent's
    /// reply, a chatbot's generated text — with their spans and the policy's reason, so that
    /// a support app can stop «eso no nos compete» before it is sent (R2.3). Ordered by
    /// position; empty when the draft is fine.
    ///
    /// `locale` is the draft's language. The policy's patterns apply to every locale today
    /// (each pattern is written for the phrases of its language); the parameter keeps calls
    /// stable when patterns get scoped by locale.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let draft = "Lo siento, eso no nos compete.";
    /// let found = engine.screen(draft, "es");
    /// assert_eq!(found.len(), 1);
    /// assert_eq!(&draft[found[0].start..found[0].end], "eso no nos compete");
    /// assert!(found[0].why.contains("exclusión"));
    /// assert!(engine.screen("Le paso con Administración.", "es").is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn screen(&self, text: &str, locale: &str) -> Vec<ScreenMatch> {
        // Every pattern applies to every locale (see above).
        let _ = locale;
        let mut found: Vec<ScreenMatch> = self
            .parts()
            .forbidden
            .iter()
            .flat_map(|f| {
                f.regex.find_iter(text).map(|m| ScreenMatch {
                    start: m.start(),
                    end: m.end(),
                    text: m.as_str().to_owned(),
                    pattern: f.regex.as_str().to_owned(),
                    why: f.why.to_string(),
                })
            })
            .collect();
        found.sort_by_key(|m| (m.start, m.end));
        found
    }
}

/// Every text of the policy with its document path: messages (every version, locale and
/// channel variant) and handover texts.
fn each_text(engine: &Engine, mut visit: impl FnMut(DocPath, &Template)) {
    for m in engine.parts().messages.items().iter() {
        let base = match m.id.strip_prefix("handover.") {
            Some(kind) => DocPath::root().key("handover").key(kind),
            None => DocPath::root().key("messages").key(&*m.id),
        };
        for (vi, v) in m.versions.iter().enumerate() {
            let vp = if m.versioned {
                base.key("versions").index(vi)
            } else {
                base.clone()
            };
            let text_path = if m.id.starts_with("handover.") {
                vp.clone()
            } else {
                vp.key("text")
            };
            for (li, t) in v.texts.iter().enumerate() {
                visit(
                    text_path.key(engine.parts().locales.id(LocaleIx::new(li))),
                    t,
                );
            }
            for (channel, texts) in v.variants.iter() {
                let name = engine.parts().channels.get(*channel).map_or("", |c| &**c);
                let cp = vp.key("channels").key(name);
                for (li, t) in texts.iter().enumerate() {
                    visit(cp.key(engine.parts().locales.id(LocaleIx::new(li))), t);
                }
            }
        }
    }
}

pub(super) fn check(engine: &Engine, diags: &mut Vec<Diagnostic>) {
    // Every message in every declared locale (compile guarantees it; asserted).
    for m in engine.parts().messages.items().iter() {
        let complete = m.versions.iter().all(|v| {
            v.texts.len() == engine.parts().locales.len()
                && v.variants
                    .iter()
                    .all(|(_, t)| t.len() == engine.parts().locales.len())
        });
        if !complete {
            diags.push(Diagnostic::error(
                Code::MissingLocale,
                DocPath::root().key("messages").key(&*m.id),
                format!("message `{}` lacks a text in some declared locale", m.id),
                "add one text per locale declared in `[policy].locales`",
            ));
        }
    }
    each_text(engine, |path, t| {
        if t.source().trim().is_empty() {
            diags.push(Diagnostic::error(
                Code::EmptyText,
                path.clone(),
                "the text is empty: customers in this locale would be told nothing",
                "write the text; every declared locale needs every text (I4)",
            ));
        }
        let locale = match path.segments().last() {
            Some(crate::diagnostic::PathSegment::Key(k)) => k.clone(),
            _ => String::new(),
        };
        for m in engine.screen(t.source(), &locale) {
            let mut d = Diagnostic::error(
                Code::ForbiddenPhrase,
                path.clone(),
                format!("the text contains the forbidden phrase `{}`", m.text),
                if m.why.is_empty() {
                    "reword it: the policy's `[style]` forbids this phrase (R2.3)".to_owned()
                } else {
                    format!("reword it: {}", m.why)
                },
            );
            d.matched = Some(Box::new(m));
            diags.push(d);
        }
    });
    // Every handover outcome has its words, in every locale (compile guarantees it; asserted).
    for kind in Handover::ALL {
        let path = DocPath::root().key("handover").key(kind.name());
        let present = !engine.handover_message(kind).is_none();
        match kind {
            Handover::Changed => {
                let substantive = engine.parts().messages.items().iter().any(|m| {
                    m.versions
                        .iter()
                        .any(|v| v.change == Some(Change::Substantive))
                });
                if !present && substantive {
                    diags.push(Diagnostic::warning(
                        Code::MissingChangeNotice,
                        path,
                        "a message has a substantive version but there is no `changed` handover text: customers who got the old version are told the previous text with no framing",
                        "add `[handover].changed` with `{previous}`, one text per locale",
                    ));
                }
            }
            _ if !present => diags.push(Diagnostic::error(
                Code::MissingHandover,
                path,
                format!("there is no `{}` handover text", kind.name()),
                "add it under `[handover]` with one text per locale",
            )),
            _ => {}
        }
    }
}
