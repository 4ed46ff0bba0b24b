//! `[departments]` and `[ranks]`: who owns topics and staffs roles, the order of ranks from
//! the lowest to the highest, and how soon a review is due (`review_within`, a duration).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::diagnostic::{Code, DocPath};
use crate::engine::{Department, DepartmentIx, RankIx};

use super::compiler::Compiler;

/// `[ranks]`, compiled.
pub(super) struct Ranks {
    /// The ranks, from the lowest to the highest.
    pub(super) list: Vec<Box<str>>,
    /// Each rank's place in `list`.
    pub(super) index: HashMap<Box<str>, RankIx>,
    /// How soon a review is due, and as the policy wrote it (`24h` when it does not).
    pub(super) review_within: Duration,
    pub(super) review_within_text: Box<str>,
}

impl Compiler<'_> {
    /// Compiles `[departments]`: the departments, in order, and their index by id.
    pub(super) fn departments(&mut self) -> (Vec<Department>, HashMap<Box<str>, DepartmentIx>) {
        let doc = self.doc;
        let dpath = DocPath::root().key("departments");
        let department_index = self.intern(&doc.departments, &dpath, "department");
        let departments: Vec<Department> = doc
            .departments
            .iter()
            .map(|(id, d)| Department {
                id: id.into(),
                name: d.name.as_deref().unwrap_or(id).into(),
            })
            .collect();
        (departments, department_index)
    }

    /// Compiles `[ranks]`: the order (each rank once) and the review delay.
    pub(super) fn ranks(&mut self) -> Ranks {
        let doc = self.doc;
        let rpath = DocPath::root().key("ranks");
        let mut ranks: Vec<Box<str>> = Vec::new();
        let mut review_within = Duration::from_secs(24 * 3600);
        let mut review_within_text: Box<str> = "24h".into();
        match &doc.ranks {
            None => self.error(
                Code::MissingRanks,
                rpath.clone(),
                "the policy has no `[ranks]`".to_owned(),
                "add `[ranks]` with `order = [\"agent\", \"supervisor\", \"manager\"]`: there is always a superior (R3.3)",
            ),
            Some(r) => {
                if r.order.is_empty() {
                    self.error(
                        Code::EmptyRankOrder,
                        rpath.key("order"),
                        "the rank order is empty".to_owned(),
                        "list the ranks from the lowest to the highest, e.g. `[\"agent\", \"supervisor\", \"manager\"]`",
                    );
                }
                let mut seen: HashSet<&str> = HashSet::with_capacity(r.order.len());
                for (i, rank) in r.order.iter().enumerate() {
                    if !seen.insert(rank.as_str()) {
                        self.error(
                            Code::DuplicateId,
                            rpath.key("order").index(i),
                            format!("rank `{rank}` is listed twice"),
                            "each rank appears once, from the lowest to the highest",
                        );
                    } else {
                        ranks.push(rank.as_str().into());
                    }
                }
                if let Some(w) = &r.review_within {
                    match parse_duration(w) {
                        Some(d) => {
                            review_within = d;
                            review_within_text = w.trim().into();
                        }
                        None => self.error(
                            Code::BadDuration,
                            rpath.key("review_within"),
                            format!("`{w}` is not a duration"),
                            "write a number and a unit: `24h`, `2d`, `90m`, `1h30m`",
                        ),
                    }
                }
            }
        }
        let rank_index: HashMap<Box<str>, RankIx> = ranks
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), RankIx::new(i)))
            .collect();
        Ranks {
            list: ranks,
            index: rank_index,
            review_within,
            review_within_text,
        }
    }
}

/// Parses `24h`, `2d`, `90m`, `1h30m`, `45s`.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut saw_unit = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
        } else if c.is_whitespace() {
            continue;
        } else {
            let n: u64 = number.parse().ok()?;
            number.clear();
            let unit = match c {
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return None,
            };
            total = total.checked_add(n.checked_mul(unit)?)?;
            saw_unit = true;
        }
    }
    (number.is_empty() && saw_unit && total > 0).then(|| Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("24"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("0h"), None);
        assert_eq!(parse_duration("3 weeks"), None);
    }
}
