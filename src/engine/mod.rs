//! The engine's hot path, for hosts that decide for the same contact or responder many
//! times: a contact resolved once ([`PreparedContact`], from
//! [`Engine::prepare`](crate::Engine::prepare)) and a responder resolved once
//! ([`ResponderKey`]), passed to [`Engine::decide_prepared`](crate::Engine::decide_prepared).
//! The [`Engine`] itself is at the crate root.

// The compiled engine: ids interned to typed dense indices (`ids`), rules indexed by
// topic, messages pre-split into templates. Immutable and `Send + Sync`; `decide` is a few
// array lookups.
//
// - `compiled.rs`: `Engine`, its accessors, and the internal view other modules read the
//   compiled policy through (`Engine::parts`).
// - `ids`: the index types and `ids::IdTable`.
// - `parts`: the compiled departments, systems, topics, messages, roles and rules.
// - `decide.rs`: the decision procedure: the rules that match, then the ladder, authority
//   and escalation rungs.
// - `entry.rs`: the public `decide` / `decide_prepared` / `explain` / `prepare` /
//   `responder_key`, resolving contacts and responders to indices first.
// - `index.rs`: the id → index table behind every lookup; `hot.rs`: the decision path's own
//   indexes (packed locales, rule guards).

pub(crate) mod compiled;
mod decide;
mod entry;
mod hot;
pub(crate) mod ids;
mod index;
pub(crate) mod parts;

pub(crate) use compiled::Engine;
pub use compiled::{PreparedContact, ResponderKey};
pub(crate) use compiled::{Resolved, ResponderIx};
pub(crate) use ids::{
    ChannelIx, DepartmentIx, FactKeyIx, FactValueIx, Id, IdTable, LocaleIx, MessageIx, RankIx,
    RoleIx, RuleIx, SystemIx, TopicIx,
};
pub(crate) use parts::{
    Department, EngineParts, Forbidden, Handover, Message, Role, Rule, System, TierRef, Topic,
    Version, listed,
};
