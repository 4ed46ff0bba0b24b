//! `[handover]`: the words a customer hears when a contact is handed over (to a system, a
//! department, a superior, a review…), one text per locale, compiled as messages named
//! `handover.KIND` after the policy's own.

use std::collections::HashMap;

use crate::diagnostic::{Code, DocPath};
use crate::engine::{Handover, Message, MessageIx, Version};

use super::compiler::Compiler;
use super::texts::Usage;

impl Compiler<'_> {
    /// Compiles `[handover]`: appends each text to `messages` (and its id to
    /// `message_index`), and returns the message of each handover kind (`NONE` for a missing
    /// one; every kind but `changed` is required).
    pub(super) fn handover(
        &mut self,
        messages: &mut Vec<Message>,
        message_index: &mut HashMap<Box<str>, MessageIx>,
    ) -> [MessageIx; 7] {
        let doc = self.doc;
        let hopath = DocPath::root().key("handover");
        let mut handover = [MessageIx::NONE; 7];
        let empty = crate::document::HandoverDoc::default();
        let h = doc.handover.as_ref().unwrap_or(&empty);
        for kind in Handover::ALL {
            let text = match kind {
                Handover::Explains => &h.explains,
                Handover::Serves => &h.serves,
                Handover::Route => &h.route,
                Handover::Authorize => &h.authorize,
                Handover::Escalate => &h.escalate,
                Handover::Review => &h.review,
                Handover::Changed => &h.changed,
            };
            let path = hopath.key(kind.name());
            match text {
                Some(text) => {
                    let id = format!("handover.{}", kind.name());
                    let texts = self.locale_texts(text, &path, Usage::Handover(kind));
                    if let Some(slot) = handover.get_mut(kind as usize) {
                        *slot = MessageIx::new(messages.len());
                    }
                    message_index.insert(id.as_str().into(), MessageIx::new(messages.len()));
                    messages.push(Message {
                        id: id.into(),
                        versions: vec![Version {
                            change: None,
                            texts,
                            variants: Box::new([]),
                        }]
                        .into(),
                        versioned: false,
                    });
                }
                None if kind == Handover::Changed => {}
                None => self.error(
                    Code::MissingHandover,
                    path,
                    format!("there is no `{}` handover text", kind.name()),
                    "add it under `[handover]` with one text per locale: the customer hears the same words whoever hands them over",
                ),
            }
        }
        handover
    }
}
