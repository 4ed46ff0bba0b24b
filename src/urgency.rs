//! Urgency weights (R1.4).

use crate::diagnostic::Diagnostic;
use crate::document::UrgencyDoc;

/// The compiled urgency weights.
#[derive(Debug, Default)]
pub(crate) struct Weights {
    pub(crate) doc: UrgencyDoc,
}

impl Weights {
    pub(crate) fn build(doc: Option<&UrgencyDoc>, _diags: &mut Vec<Diagnostic>) -> Weights {
        Weights {
            doc: doc.cloned().unwrap_or_default(),
        }
    }
}
