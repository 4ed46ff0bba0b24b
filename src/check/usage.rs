//! Unused messages, systems and roles; topics without an explaining system; departments
//! whose topics nobody can answer.

use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::engine::{Engine, Id};

use super::invariants::Coverage;

pub(super) fn check(engine: &Engine, coverage: &Coverage, diags: &mut Vec<Diagnostic>) {
    let root = DocPath::root();
    let mut message_used = vec![false; engine.parts().messages.len()];
    let mut system_used = vec![false; engine.parts().systems.len()];
    fn mark<I: Id>(v: &mut [bool], i: I) {
        if let Some(slot) = v.get_mut(i.index()) {
            *slot = true;
        }
    }
    for h in engine.parts().handover.iter().filter(|h| !h.is_none()) {
        mark(&mut message_used, *h);
    }
    for t in engine.parts().topics.items().iter() {
        for (_, tr) in t.tiers() {
            mark(&mut message_used, tr.message);
            mark(&mut system_used, tr.system);
        }
        mark(&mut message_used, t.answer);
    }
    for r in engine.parts().rules.items().iter() {
        if let Some(m) = r.answer {
            mark(&mut message_used, m);
        }
    }
    for (m, used) in engine.parts().messages.items().iter().zip(&message_used) {
        if !used && !m.id.starts_with("handover.") {
            diags.push(Diagnostic::warning(
                Code::UnusedMessage,
                root.key("messages").key(&*m.id),
                format!("message `{}` is never delivered: no topic or rule names it", m.id),
                "use it in a topic (`explains`, `serves`, `answer`) or a rule's `answer`, or remove it",
            ));
        }
    }
    for (s, used) in engine.parts().systems.items().iter().zip(&system_used) {
        if !used {
            diags.push(Diagnostic::warning(
                Code::UnusedSystem,
                root.key("systems").key(&*s.id),
                format!("system `{}` explains or serves no topic", s.id),
                "name it in a topic's `explains` or `serves`, or remove it",
            ));
        }
    }
    for (r, acts) in engine.parts().roles.items().iter().zip(&coverage.role_acts) {
        if !acts {
            diags.push(Diagnostic::warning(
                Code::UnusedRole,
                root.key("roles").key(&*r.id),
                format!(
                    "role `{}` never answers nor requests an authorization in any circumstance: it only redirects, routes or escalates",
                    r.id
                ),
                "give it authority on some topic, or remove it",
            ));
        }
    }
    for t in engine.parts().topics.items().iter() {
        if t.explains.is_none() {
            diags.push(Diagnostic::warning(
                Code::TopicWithoutExplanation,
                root.key("topics").key(&*t.id).key("explains"),
                format!(
                    "topic `{}` has no explaining system: the customer's first contact is not a system that explains (R0.4)",
                    t.id
                ),
                "add `explains = { system = \"…\", message = \"…\" }`; until then systems give the fallback topic's explanation, flagged `system_gap`",
            ));
        }
    }
    for (di, dept) in engine.parts().departments.items().iter().enumerate() {
        let unanswered: Vec<String> = engine
            .parts()
            .topics
            .items()
            .iter()
            .zip(&coverage.topic_answered)
            .filter(|(t, answered)| t.owner.index() == di && !**answered)
            .map(|(t, _)| format!("`{}`", t.id))
            .collect();
        if !unanswered.is_empty() {
            diags.push(Diagnostic::error(
                Code::DepartmentUnanswerable,
                root.key("departments").key(&*dept.id),
                format!(
                    "nobody can answer {} of department `{}`, in any circumstance",
                    unanswered.join(", "),
                    dept.id
                ),
                format!(
                    "add a role with `department = \"{}\"`, or grant a role `own` authority on these topics",
                    dept.id
                ),
            ));
        }
    }
}
