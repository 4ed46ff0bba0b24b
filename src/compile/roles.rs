//! `[roles]`: who a responder is — a department, a rank, and authority granted per topic
//! pattern — and the two tables derived from them: the grant of each role on each topic, and
//! each department and rank's superior (escalation, R3.3).

use std::collections::HashMap;

use crate::diagnostic::{Code, DocPath};
use crate::engine::{DepartmentIx, RankIx, Role, RoleIx, Topic};

use super::compiler::Compiler;
use super::patterns::{PatternSet, TopicIds};

impl Compiler<'_> {
    /// Compiles `[roles]` against the departments and ranks they name and the topics their
    /// grants match: the roles, in order, and their index by id.
    pub(super) fn roles(
        &mut self,
        department_index: &HashMap<Box<str>, DepartmentIx>,
        rank_index: &HashMap<Box<str>, RankIx>,
        topics: &[Topic],
        topic_ids: &TopicIds<'_>,
    ) -> (Vec<Role>, HashMap<Box<str>, RoleIx>) {
        let doc = self.doc;
        let ropath = DocPath::root().key("roles");
        let role_index = self.intern(&doc.roles, &ropath, "role");
        let mut roles = Vec::with_capacity(doc.roles.len());
        for (id, r) in doc.roles.iter() {
            let p = ropath.key(id);
            let department = match &r.department {
                Some(d) => self.lookup(
                    department_index,
                    d,
                    p.key("department"),
                    "department",
                    "departments",
                ),
                None => {
                    self.error(
                        Code::MissingDepartment,
                        p.key("department"),
                        format!("role `{id}` has no department"),
                        "add `department = \"<department>\"`",
                    );
                    DepartmentIx::NONE
                }
            };
            let rank = match &r.rank {
                Some(k) => self.lookup(rank_index, k, p.key("rank"), "rank", "ranks"),
                None => {
                    self.error(
                        Code::MissingRank,
                        p.key("rank"),
                        format!("role `{id}` has no rank"),
                        "add `rank = \"<rank>\"` from `[ranks].order`",
                    );
                    RankIx::NONE
                }
            };
            self.duplicate_keys(&r.authority, &p.key("authority"), "topic pattern");
            for (pattern, _) in r.authority.iter() {
                self.topic_pattern(
                    pattern,
                    p.key("authority").key(pattern),
                    topics,
                    topic_ids,
                    "grant",
                );
            }
            roles.push(Role {
                id: id.into(),
                department,
                rank,
                grants: r
                    .authority
                    .iter()
                    .map(|(pattern, a)| (pattern.into(), *a))
                    .collect(),
            });
        }
        (roles, role_index)
    }
}

/// The grant table, roles × topics: for each role and topic, the authority of the role's most
/// specific pattern matching the topic, plus one (0: no grant). The caller checked its size
/// against the limit.
pub(super) fn grant_table(roles: &[Role], topics: &[Topic]) -> Vec<u8> {
    let mut grants = vec![0u8; roles.len().saturating_mul(topics.len())];
    for (ri, role) in roles.iter().enumerate() {
        let patterns = PatternSet::new(role.grants.iter().map(|(p, _)| &**p));
        for (ti, topic) in topics.iter().enumerate() {
            let best = patterns
                .best(&topic.id)
                .and_then(|i| role.grants.get(i))
                .map(|(_, a)| *a);
            if let (Some(a), Some(slot)) = (best, grants.get_mut(ri * topics.len() + ti)) {
                *slot = a as u8 + 1;
            }
        }
    }
    grants
}

/// Escalation (R3.3): per department and rank (`departments` × `ranks`), the next rank above
/// that some role holds in that department, or `NONE`. The caller checked its size against
/// the limit.
pub(super) fn superior_table(departments: usize, ranks: usize, roles: &[Role]) -> Vec<RankIx> {
    // Which (department, rank) pairs some role holds: one pass over the roles, so that
    // the table below costs departments × ranks, not × roles too.
    let mut staffed = vec![false; departments.saturating_mul(ranks)];
    for role in roles {
        let i = role
            .department
            .index()
            .checked_mul(ranks)
            .and_then(|i| i.checked_add(role.rank.index()));
        if let (true, Some(slot)) = (
            role.rank.index() < ranks,
            i.and_then(|i| staffed.get_mut(i)),
        ) {
            *slot = true;
        }
    }
    let mut superior = vec![RankIx::NONE; staffed.len()];
    for d in 0..departments {
        let mut above = RankIx::NONE;
        for r in (0..ranks).rev() {
            let i = d.saturating_mul(ranks).saturating_add(r);
            if let Some(slot) = superior.get_mut(i) {
                *slot = above;
            }
            if staffed.get(i).copied().unwrap_or(false) {
                above = RankIx::new(r);
            }
        }
    }
    superior
}
