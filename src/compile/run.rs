//! `run`: compiles the sections in the order of the module's documentation and assembles the
//! engine. Above the sections (it calls them), which import only the compiler's state below.

use crate::diagnostic::{Diagnostic, DocPath};
use crate::engine::{Engine, EngineParts, IdTable};

use super::compiler::Compiler;
use super::patterns::TopicIds;
use super::roles::{grant_table, superior_table};
use super::rules::{RuleRefs, topic_rule_index};

impl Compiler<'_> {
    /// Compiles the document, section by section in the order of the module's documentation,
    /// and assembles the engine: `None` when a derived table would pass the size limit (the
    /// diagnostics say which); otherwise an engine, usable only if no diagnostic is an error.
    pub(super) fn run(mut self) -> (Option<Engine>, Vec<Diagnostic>) {
        let doc = self.doc;
        let root = DocPath::root();
        let hp = root.key("policy");
        let mpath = root.key("messages");
        // Every id, name and text within its limit before any section repeats one.
        if !self.lengths() {
            return (None, self.diags);
        }

        let (name, revision) = self.policy(&hp);
        let (departments, department_index) = self.departments();
        let ranks = self.ranks();
        let (systems, system_index) = self.systems();
        // Messages are interned first, compiled once their usages are known.
        let (mut message_index, mut usages) = self.intern_messages(&mpath);
        let (topics, topic_index) = self.topics(
            &department_index,
            &ranks.index,
            &systems,
            &system_index,
            &message_index,
            &mut usages,
        );
        let fallback = self.fallback(&hp, &topics, &topic_index);
        let topic_ids = TopicIds::new(doc.topics.keys());
        let (roles, role_index) = self.roles(&department_index, &ranks.index, &topics, &topic_ids);

        // The derived tables, each within the size limit.
        let grants_fit = self.table_fits((roles.len(), "roles"), (topics.len(), "topics"));
        let rules_fit = self.table_fits((topics.len(), "topics"), (doc.rules.len(), "rules"));
        if !grants_fit || !rules_fit {
            return (None, self.diags);
        }
        let grants = grant_table(&roles, &topics);
        // Escalation (R3.3): per department and rank, the next rank that has a role there.
        if !self.table_fits(
            (departments.len(), "departments"),
            (ranks.list.len(), "ranks"),
        ) {
            return (None, self.diags);
        }
        let superior = superior_table(departments.len(), ranks.list.len(), &roles);

        let mut messages = self.messages(&mpath);
        let handover = self.handover(&mut messages, &mut message_index);
        let forbidden = self.forbidden();
        let refs = RuleRefs {
            topics: &topics,
            topic_ids: &topic_ids,
            departments: &department_index,
            roles: &role_index,
            ranks: &ranks.index,
            messages: &message_index,
        };
        let (rules, fact_keys, fact_values) = self.rules(&refs, &mut usages);
        self.check_usages(&messages, &usages);
        let (topic_rule_start, topic_rules) = topic_rule_index(&topics, &rules);
        let triage = crate::triage::Triage::build(
            &self.locales,
            doc,
            self.regex_size_limit,
            &mut self.diags,
        );
        let urgency = crate::urgency::Weights::build(doc.urgency.as_ref(), &mut self.diags);

        let engine = Engine::new(EngineParts {
            name: name.into(),
            revision: revision.into(),
            locales: IdTable::new(self.locales),
            channels: IdTable::new(self.channels),
            departments: IdTable::new(departments),
            systems: IdTable::new(systems),
            topics: IdTable::new(topics),
            messages: IdTable::new(messages),
            roles: IdTable::new(roles),
            grants: grants.into(),
            superior: superior.into(),
            ranks: IdTable::new(ranks.list),
            review_within: ranks.review_within,
            review_within_text: ranks.review_within_text,
            handover,
            rules: IdTable::new(rules),
            topic_rule_start: topic_rule_start.into(),
            topic_rules: topic_rules.into(),
            fact_keys: IdTable::new(fact_keys),
            fact_values: IdTable::new(fact_values),
            placeholders: doc
                .policy
                .placeholders
                .iter()
                .map(|p| p.as_str().into())
                .collect(),
            forbidden: forbidden.into(),
            fallback,
            triage,
            urgency,
            warnings: Box::new([]),
            space: crate::limits::SpaceLimits::default(),
        });
        (Some(engine), self.diags)
    }
}
