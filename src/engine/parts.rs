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
    pub(crate) forbidden: Box<[Forbidden]>,
    pub(crate) fallback: TopicIx,
    pub(crate) triage: crate::triage::compiled::Triage,
    pub(crate) urgency: crate::urgency::weights::Weights,
    /// The warnings of the compile step, reported again by `check`.
    pub(crate) warnings: Box<[crate::diagnostic::Diagnostic]>,
    /// The limits of `check`, `diff` and the decision table (`EngineBuilder`).
    pub(crate) space: crate::limits::SpaceLimits,
}
