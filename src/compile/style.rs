//! `[style]`: the forbidden phrases (regular expressions under the size limit) that no text
//! of the policy may contain.

use crate::diagnostic::DocPath;
use crate::engine::Forbidden;

use super::compiler::Compiler;

impl Compiler<'_> {
    /// Compiles `[style].forbidden`: the phrases whose pattern is a valid regular expression.
    pub(super) fn forbidden(&mut self) -> Vec<Forbidden> {
        let doc = self.doc;
        let stpath = DocPath::root().key("style").key("forbidden");
        let mut forbidden = Vec::new();
        for (i, f) in doc.style.forbidden.iter().enumerate() {
            if let Some(regex) = self.regex(&f.pattern, stpath.index(i).key("pattern"), false) {
                forbidden.push(Forbidden {
                    regex,
                    why: f.why.as_str().into(),
                });
            }
        }
        forbidden
    }
}
