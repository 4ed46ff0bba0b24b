//! The compiled parts of a policy: departments, systems, topics, messages, roles and rules
//! with their ids interned to typed dense indices ([`super::ids`]), and [`EngineParts`], all
//! of them together, from which [`super::Engine::new`] derives the rest.

use std::time::Duration;

use crate::document::Change;
use crate::model::{Authority, Tier};
use crate::template::Template;

use super::ids::{
    ChannelIx, DepartmentIx, FactKeyIx, FactValueIx, HasId, IdTable, LocaleIx, MessageIx, RankIx,
    RoleIx, RuleIx, SystemIx, TopicIx,
};

/// Handover texts, by position in `Engine::handover`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handover {
    Explains = 0,
    Serves = 1,
    Route = 2,
    Authorize = 3,
    Escalate = 4,
    Review = 5,
    Changed = 6,
}

impl Handover {
    pub(crate) const ALL: [Handover; 7] = [
        Handover::Explains,
        Handover::Serves,
        Handover::Route,
        Handover::Authorize,
        Handover::Escalate,
        Handover::Review,
        Handover::Changed,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Handover::Explains => "explains",
            Handover::Serves => "serves",
            Handover::Route => "route",
            Handover::Authorize => "authorize",
            Handover::Escalate => "escalate",
            Handover::Review => "review",
            Handover::Changed => "changed",
        }
    }

    pub(crate) fn for_tier(tier: Tier) -> Handover {
        match tier {
            Tier::Explains => Handover::Explains,
            _ => Handover::Serves,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Department {
    pub(crate) id: Box<str>,
    pub(crate) name: Box<str>,
}

#[derive(Debug)]
pub(crate) struct System {
    pub(crate) id: Box<str>,
    pub(crate) tier: Tier,
    pub(crate) name: Box<str>,
    /// `(channel index, where)`, in document order; the first serves other channels.
    pub(crate) wheres: Box<[(ChannelIx, Box<str>)]>,
}

impl System {
    pub(crate) fn where_for(&self, channel: ChannelIx) -> &str {
        self.wheres
            .iter()
            .find(|(c, _)| *c == channel)
            .or_else(|| self.wheres.first())
            .map_or("", |(_, w)| w)
    }
}

/// A topic's system tier: the system and its message.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TierRef {
    pub(crate) system: SystemIx,
    pub(crate) message: MessageIx,
}

#[derive(Debug)]
pub(crate) struct Topic {
    pub(crate) id: Box<str>,
    pub(crate) owner: DepartmentIx,
    pub(crate) explains: Option<TierRef>,
    pub(crate) serves: Option<TierRef>,
    pub(crate) answer: MessageIx,
    pub(crate) authority: Authority,
    /// The approver rank for `authorized`; `NONE`: the rank above the responder.
    pub(crate) approver: RankIx,
    pub(crate) severity: f64,
}

impl Topic {
    /// The topic's system tiers, in ladder order.
    pub(crate) fn tiers(&self) -> impl Iterator<Item = (Tier, TierRef)> + '_ {
        [(Tier::Explains, self.explains), (Tier::Serves, self.serves)]
            .into_iter()
            .filter_map(|(t, r)| r.map(|r| (t, r)))
    }
}

#[derive(Debug)]
pub(crate) struct Version {
    pub(crate) change: Option<Change>,
    /// One text per declared locale.
    pub(crate) texts: Box<[Template]>,
    /// `(channel index, one text per locale)`.
    pub(crate) variants: Box<[(ChannelIx, Box<[Template]>)]>,
}

impl Version {
    pub(crate) fn text(&self, locale: LocaleIx, channel: ChannelIx) -> Option<&Template> {
        self.variants
            .iter()
            .find(|(c, _)| *c == channel)
            .and_then(|(_, texts)| texts.get(locale.index()))
            .or_else(|| self.texts.get(locale.index()))
    }
}

#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) id: Box<str>,
    /// Oldest first; never empty.
    pub(crate) versions: Box<[Version]>,
    /// Written as `[[messages.ID.versions]]` (not a single `text`): for document paths.
    pub(crate) versioned: bool,
}

impl Message {
    /// The current version's number, from 1.
    pub(crate) fn current(&self) -> u32 {
        self.versions.len() as u32
    }

    pub(crate) fn version(&self, number: u32) -> Option<&Version> {
        self.versions.get((number as usize).checked_sub(1)?)
    }
}

#[derive(Debug)]
pub(crate) struct Role {
    pub(crate) id: Box<str>,
    pub(crate) department: DepartmentIx,
    pub(crate) rank: RankIx,
    /// Grants as written: `(pattern, authority)`.
    pub(crate) grants: Box<[(Box<str>, Authority)]>,
}

/// A compiled rule. `None` lists match everything.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) id: Box<str>,
    pub(crate) why: Option<Box<str>>,
    pub(crate) topics: Option<Box<[Box<str>]>>,
    pub(crate) channels: Option<Box<[ChannelIx]>>,
    pub(crate) departments: Option<Box<[DepartmentIx]>>,
    pub(crate) roles: Option<Box<[RoleIx]>>,
    pub(crate) ranks: Option<Box<[RankIx]>>,
    /// Bit `p` set: progress `p` matches.
    pub(crate) progress: u8,
    /// `(fact key index, allowed value indices)`.
    pub(crate) facts: Box<[(FactKeyIx, Box<[FactValueIx]>)]>,
    pub(crate) answer: Option<MessageIx>,
    pub(crate) skip_ladder: bool,
    pub(crate) authority: Option<Authority>,
    pub(crate) route: Option<DepartmentIx>,
}

/// Whether `x` is in one of a rule's lists (`None`: the rule does not restrict it). The lists
/// are sorted and without repeats (compile/rules.rs), so this is a binary search: deciding every
/// channel of a rule that names tens of thousands of them is not quadratic (issue 25 point 4).
/// `decide`, `check` and `diff` ask through this one function.
#[inline]
pub(crate) fn listed<I: Ord>(list: Option<&[I]>, x: &I) -> bool {
    list.is_none_or(|l| l.binary_search(x).is_ok())
}

impl Rule {
    /// Whether the rule can only match staff responders.
    pub(crate) fn staff_only(&self) -> bool {
        self.departments.is_some() || self.roles.is_some() || self.ranks.is_some()
    }
}

#[derive(Debug)]
pub(crate) struct Forbidden {
    pub(crate) regex: regex::Regex,
    pub(crate) why: Box<str>,
}

macro_rules! has_id {
    ($($t:ty),*) => {$(
        impl HasId for $t {
            fn id(&self) -> &str {
                &self.id
            }
        }
    )*};
}

has_id!(Department, System, Topic, Message, Role, Rule);

/// Everything a compiled policy holds, as the compiler makes it; [`super::Engine::new`] adds
/// the derived indexes. Read-only once in an engine ([`super::Engine::parts`]).
#[derive(Debug)]
pub(crate) struct EngineParts {
    pub(crate) name: Box<str>,
    pub(crate) revision: Box<str>,
    /// The first is the default.
    pub(crate) locales: IdTable<LocaleIx, Box<str>>,
    /// Standard channels first (in `Channel::STANDARD` order), then custom names.
    pub(crate) channels: IdTable<ChannelIx, Box<str>>,
    pub(crate) departments: IdTable<DepartmentIx, Department>,
    pub(crate) systems: IdTable<SystemIx, System>,
    pub(crate) topics: IdTable<TopicIx, Topic>,
    pub(crate) messages: IdTable<MessageIx, Message>,
    pub(crate) roles: IdTable<RoleIx, Role>,
    /// `grants[role * topics + topic]`: 0 none, else `Authority as u8 + 1`.
    pub(crate) grants: Box<[u8]>,
    /// `superior[department * ranks + rank]`: the next rank above `rank` that has a role in
    /// the department, `NONE` when there is none (then the review, R3.3).
    pub(crate) superior: Box<[RankIx]>,
    /// Lowest first.
    pub(crate) ranks: IdTable<RankIx, Box<str>>,
    pub(crate) review_within: Duration,
    pub(crate) review_within_text: Box<str>,
    /// Message indices of the handover texts, by `Handover`; `NONE` when absent.
    pub(crate) handover: [MessageIx; 7],
    pub(crate) rules: IdTable<RuleIx, Rule>,
    /// Rules that can apply to topic `t`: `topic_rules[topic_rule_start[t]..topic_rule_start[t+1]]`.
    pub(crate) topic_rule_start: Box<[u32]>,
    pub(crate) topic_rules: Box<[RuleIx]>,
    pub(crate) fact_keys: IdTable<FactKeyIx, Box<str>>,
    pub(crate) fact_values: IdTable<FactValueIx, Box<str>>,
    /// The placeholders the host supplies (`[policy].placeholders`), as declared.
    pub(crate) placeholders: Box<[Box<str>]>,
    pub(crate) forbidden: Box<[Forbidden]>,
    pub(crate) fallback: TopicIx,
    pub(crate) triage: crate::triage::compiled::Triage,
    pub(crate) urgency: crate::urgency::weights::Weights,
    /// The warnings of the compile step, reported again by `check`.
    pub(crate) warnings: Box<[crate::diagnostic::Diagnostic]>,
    /// The limits of `check`, `diff` and the decision table (`EngineBuilder`).
    pub(crate) space: crate::limits::SpaceLimits,
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::cmp::Ordering;

    use super::listed;

    thread_local! {
        static COMPARISONS: Cell<u64> = const { Cell::new(0) };
    }

    /// An id that counts the comparisons made with it, for order and for equality (a linear
    /// `contains` would count too).
    struct Counted(u32);

    impl PartialEq for Counted {
        fn eq(&self, other: &Self) -> bool {
            COMPARISONS.with(|c| c.set(c.get() + 1));
            self.0 == other.0
        }
    }

    impl Eq for Counted {}

    impl PartialOrd for Counted {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }

    impl Ord for Counted {
        fn cmp(&self, other: &Self) -> Ordering {
            COMPARISONS.with(|c| c.set(c.get() + 1));
            self.0.cmp(&other.0)
        }
    }

    /// Issue 25 point 4: membership in a rule's list costs a logarithm of its length, counted
    /// in comparisons: asking for every one of n listed channels (what `diff` and `check` do
    /// when a rule names n channels) is n log n, not n².
    #[test]
    fn issue25_4_membership_in_a_rule_list_counts_logarithmic_work() {
        let mut per_lookup = Vec::new();
        for n in [2_000u32, 20_000, 200_000] {
            let list: Vec<Counted> = (0..n).map(|i| Counted(i * 2)).collect();
            COMPARISONS.with(|c| c.set(0));
            for i in 0..n {
                assert!(listed(Some(&list[..]), &Counted(i * 2)));
                assert!(!listed(Some(&list[..]), &Counted(i * 2 + 1)));
            }
            let comparisons = COMPARISONS.with(Cell::get);
            per_lookup.push(comparisons / u64::from(2 * n));
        }
        // log2(200,000) < 18: ten times the list adds a few comparisons per lookup, never ten
        // times as many.
        assert!(per_lookup.iter().all(|&c| c <= 19), "{per_lookup:?}");
        assert!(per_lookup[2] <= per_lookup[0] + 8, "{per_lookup:?}");
        assert!(listed::<u32>(None, &7), "no list: every value");
    }
}
