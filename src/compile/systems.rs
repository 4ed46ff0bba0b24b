//! `[systems]`: the systems that explain or serve before a person does, each with its tier
//! and where it is found on each channel.

use std::collections::HashMap;

use crate::diagnostic::{Code, DocPath};
use crate::engine::{System, SystemIx};
use crate::model::Tier;

use super::compiler::Compiler;

impl Compiler<'_> {
    /// Compiles `[systems]`: the systems, in order, and their index by id. A system whose
    /// tier is missing or `person` gets tier `Person`, which marks it as already reported.
    pub(super) fn systems(&mut self) -> (Vec<System>, HashMap<Box<str>, SystemIx>) {
        let doc = self.doc;
        let spath = DocPath::root().key("systems");
        let system_index = self.intern(&doc.systems, &spath, "system");
        let mut systems = Vec::with_capacity(doc.systems.len());
        for (id, s) in doc.systems.iter() {
            let p = spath.key(id);
            let tier = match s.tier {
                Some(Tier::Person) => {
                    self.error(
                        Code::PersonIsNotASystem,
                        p.key("tier"),
                        format!("system `{id}` has tier `person`"),
                        "a system is anything that is not a person: use `explains` or `serves` (R0.4)",
                    );
                    // Marks the tier as unknown, so that topics naming it report nothing more.
                    Tier::Person
                }
                Some(t) => t,
                None => {
                    self.error(
                        Code::MissingTier,
                        p.key("tier"),
                        format!("system `{id}` has no tier"),
                        "add `tier = \"explains\"` or `tier = \"serves\"`",
                    );
                    Tier::Person
                }
            };
            self.duplicate_keys(&s.where_, &p.key("where"), "channel");
            let wheres = s
                .where_
                .iter()
                .map(|(channel, w)| (self.channel(channel), w.as_str().into()))
                .collect();
            systems.push(System {
                id: id.into(),
                tier,
                name: s.name.as_deref().unwrap_or(id).into(),
                wheres,
            });
        }
        (systems, system_index)
    }
}
