//! R4.3: authorization goes to the approver rank if the department staffs it, else to the next
//! staffed rank above, else to the review. `check` says so when a decision does not reach the
//! approver rank the policy names: a warning when a higher rank authorizes instead, the
//! `authorize-dead-end` error when nobody from that rank up can (issue 34 point 3).

use crate::decision::{Decision, Outcome};
use crate::diagnostic::{Code, Diagnostic, DocPath};
use crate::engine::{DepartmentIx, Engine, FactValueIx, RankIx, Resolved, ResponderIx, Topic};
use crate::model::Authority;

use super::counterexamples::single_counterexample;

/// A finding about a person's `authorized` decision whose approver rank has no role in the
/// department: its code, its key (department, approver rank) and how to build it.
pub(super) struct Unstaffed {
    pub(super) code: Code,
    pub(super) department: DepartmentIx,
    pub(super) approver: RankIx,
}

/// The finding `d` (the decision of a role of `department` and `rank` on `topic`) calls for,
/// if its authorization does not reach the approver rank the policy names.
pub(super) fn unstaffed(
    engine: &Engine,
    topic: &Topic,
    rank: RankIx,
    department: DepartmentIx,
    d: &Decision<'_>,
) -> Option<Unstaffed> {
    if d.authority() != Some(Authority::Authorized) {
        return None;
    }
    let approver = if topic.approver.is_none() {
        rank.above()
    } else {
        topic.approver
    };
    if !engine.parts().ranks.contains(approver) || approver <= rank {
        return None;
    }
    match d.outcome() {
        Outcome::Authorize if d.rank_ix() != approver => Some(Unstaffed {
            code: Code::ApproverUnstaffed,
            department: d.department_ix(),
            approver,
        }),
        // Nobody from the approver rank up: the review (`decide.rs`'s `authorized`).
        Outcome::Review => Some(Unstaffed {
            code: Code::AuthorizeDeadEnd,
            department,
            approver,
        }),
        _ => None,
    }
}

impl Unstaffed {
    /// The diagnostic, with the circumstance as its counterexample.
    pub(super) fn diagnostic(
        &self,
        engine: &Engine,
        c: &Resolved,
        values: &[FactValueIx],
        r: ResponderIx,
        d: &Decision<'_>,
    ) -> Diagnostic {
        let parts = engine.parts();
        let dept = parts.departments.id(self.department);
        let topic = parts.topics.id(c.topic);
        let approver = parts.ranks.id(self.approver);
        let mut diag = if self.code == Code::ApproverUnstaffed {
            Diagnostic::warning(
                Code::ApproverUnstaffed,
                DocPath::root().key("departments").key(dept),
                format!(
                    "authorization for topic `{topic}` belongs to a `{approver}`, but `{dept}` has no role of that rank: it is requested from a `{}` (R4.3)",
                    parts.ranks.id(d.rank_ix())
                ),
                format!(
                    "add a role with `department = \"{dept}\"` and `rank = \"{approver}\"`, or set the topic's `approver = \"{}\"`",
                    parts.ranks.id(d.rank_ix())
                ),
            )
        } else {
            Diagnostic::error(
                Code::AuthorizeDeadEnd,
                DocPath::root().key("departments").key(dept),
                format!(
                    "authorization for topic `{topic}` belongs to a `{approver}` of `{dept}`, but the department has no role of that rank or above: the conversation goes to the review (I4, R4.3)"
                ),
                format!(
                    "add a role with `department = \"{dept}\"` and `rank = \"{approver}\"`, or change the topic's `approver`"
                ),
            )
        };
        diag.counterexample = Some(single_counterexample(engine, c, values, r));
        diag
    }
}
