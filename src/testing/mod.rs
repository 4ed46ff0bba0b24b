//! Proptest strategies and consistency assertions for hosts' own tests (feature `testing`).
//!
//! The strategies generate contacts and responders *valid for a given engine*: its topics,
//! channels (standard and custom), locales, every progress, the facts its rules mention
//! (absent or one of the values a rule names) and superior requests. Use them to test what
//! your host does with decisions; use [`assert_consistent`] to fail a test when the policy
//! itself is inconsistent.
//!
//! # Examples
//!
//! A host's own test: the policy is consistent, and whatever the contact, the channel never
//! changes what is said (R0.1).
//!
//! ```
//! use unified_message::testing::{self, proptest::prelude::*};
//! use unified_message::{Channel, Engine};
//!
//! let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
//! testing::assert_consistent(&engine);
//!
//! proptest!(|(contact in testing::contacts(&engine),
//!             responder in testing::responders(&engine),
//!             channel in testing::channels(&engine))| {
//!     let here = engine.decide(&contact, &responder);
//!     let there = engine.decide(&contact.clone().with_channel(channel), &responder);
//!     prop_assert_eq!(here.outcome(), there.outcome());
//!     prop_assert_eq!(here.message_id(), there.message_id());
//!     prop_assert!(!here.flags().fallback_topic);
//! });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use crate::engine::Engine;
use crate::model::{Channel, Contact, Facts, Progress, Responder};

/// The proptest version these strategies are built with, so that hosts use the same one.
pub use proptest;

/// A few of the compiled policy's typed indices (internal types; here only so that the
/// documentation's tests can show that one kind of index does not pass for another).
///
/// ```
/// use unified_message::testing::ids::{RoleIx, TopicIx};
///
/// fn topic_only(_: TopicIx) {}
/// topic_only(TopicIx::NONE);
/// # let _ = RoleIx::NONE;
/// ```
///
/// A role index where a topic index is expected does not compile:
///
/// ```compile_fail,E0308
/// use unified_message::testing::ids::{RoleIx, TopicIx};
///
/// fn topic_only(_: TopicIx) {}
/// topic_only(RoleIx::NONE);
/// ```
///
/// Nor does comparing two kinds:
///
/// ```compile_fail,E0308
/// use unified_message::testing::ids::{RankIx, RuleIx};
///
/// let _ = RankIx::NONE == RuleIx::NONE;
/// ```
pub mod ids {
    pub use crate::engine::ids::{RankIx, RoleIx, RuleIx, TopicIx};
}

fn pick<T: Clone + std::fmt::Debug + 'static>(values: Vec<T>, otherwise: T) -> BoxedStrategy<T> {
    if values.is_empty() {
        Just(otherwise).boxed()
    } else {
        proptest::sample::select(values).boxed()
    }
}

/// The channels of `engine`: the standard ones and the custom ones its policy names.
///
/// # Examples
///
/// ```
/// use unified_message::testing::{self, proptest::prelude::*};
/// use unified_message::{Channel, Engine};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// proptest!(|(channel in testing::channels(&engine))| {
///     prop_assert!(!channel.as_str().is_empty());
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn channels(engine: &Engine) -> BoxedStrategy<Channel> {
    let channels: Vec<Channel> = engine
        .parts()
        .channels
        .items()
        .iter()
        .map(|c| Channel::from(&**c))
        .collect();
    pick(channels, Channel::Phone)
}

/// Contacts valid for `engine`: one of its topics, channels and locales, any progress, the
/// facts its rules mention (each absent or one of the values a rule names), and whether the
/// customer asks for a superior. Customers are `customer-0` … `customer-9`.
///
/// # Examples
///
/// ```
/// use unified_message::testing::{self, proptest::prelude::*};
/// use unified_message::Engine;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// proptest!(|(contact in testing::contacts(&engine))| {
///     let topic = contact.topic.clone().unwrap();
///     prop_assert!(engine.topics().any(|t| t == topic));
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn contacts(engine: &Engine) -> BoxedStrategy<Contact> {
    let topics: Vec<String> = engine.topics().map(str::to_owned).collect();
    let locales: Vec<String> = engine.locales().map(str::to_owned).collect();
    // Every value any rule names for each fact key.
    let mut facts: Vec<(String, Vec<String>)> = engine
        .parts()
        .fact_keys
        .items()
        .iter()
        .map(|k| (k.to_string(), Vec::new()))
        .collect();
    for rule in engine.parts().rules.items().iter() {
        for (k, values) in rule.facts.iter() {
            if let Some((_, list)) = facts.get_mut((*k).index()) {
                for v in values.iter() {
                    let v = engine.parts().fact_values.get(*v).map_or("", |v| v);
                    if !list.iter().any(|x| x == v) {
                        list.push(v.to_owned());
                    }
                }
            }
        }
    }
    let fact_strategies: Vec<BoxedStrategy<Option<(String, String)>>> = facts
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(key, values)| {
            proptest::option::of(proptest::sample::select(values))
                .prop_map(move |v| v.map(|v| (key.clone(), v)))
                .boxed()
        })
        .collect();
    (
        0u8..10,
        channels(engine),
        pick(topics, String::new()),
        pick(locales, String::new()),
        proptest::sample::select(Progress::ALL.to_vec()),
        fact_strategies,
        any::<bool>(),
    )
        .prop_map(
            |(customer, channel, topic, locale, progress, facts, asks)| {
                let mut contact = Contact::new(format!("customer-{customer}"), channel)
                    .with_topic(topic)
                    .with_locale(locale)
                    .with_progress(progress);
                contact.facts = facts.into_iter().flatten().collect::<Facts>();
                contact.asks_for_superior = asks;
                contact
            },
        )
        .boxed()
}

/// Responders valid for `engine`: each of its systems and staff roles.
///
/// # Examples
///
/// ```
/// use unified_message::testing::{self, proptest::prelude::*};
/// use unified_message::{Engine, Responder};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// proptest!(|(responder in testing::responders(&engine))| {
///     let known = match &responder {
///         Responder::System(id) => engine.systems().any(|s| s == id),
///         Responder::Staff(id) => engine.roles().any(|r| r == id),
///         _ => false,
///     };
///     prop_assert!(known);
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn responders(engine: &Engine) -> BoxedStrategy<Responder> {
    let all: Vec<Responder> = engine
        .systems()
        .map(Responder::system)
        .chain(engine.roles().map(Responder::staff))
        .collect();
    pick(all, Responder::staff(""))
}

/// Contacts and responders together: `(contacts(engine), responders(engine))`.
pub fn circumstances(engine: &Engine) -> BoxedStrategy<(Contact, Responder)> {
    (contacts(engine), responders(engine)).boxed()
}

/// Checks `engine` ([`Engine::check`]) and fails the calling test when it finds an error.
///
/// # Panics
///
/// When the check finds an error; the panic message is the whole report, each finding with
/// its code, document path, hint and counterexample.
///
/// # Examples
///
/// ```
/// use unified_message::{testing, Engine};
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// testing::assert_consistent(&engine);
///
/// // Every department may now grant premium refunds: sales leaves its lane (I5).
/// let broken = Engine::from_toml_str(&unified_message::EXAMPLE_POLICY.replace(
///     r#"department = "billing", facts = { plan = "premium" }"#,
///     r#"facts = { plan = "premium" }"#,
/// ))?;
/// let panic = std::panic::catch_unwind(|| testing::assert_consistent(&broken));
/// assert!(panic.is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[track_caller]
pub fn assert_consistent(engine: &Engine) {
    let report = engine.check();
    if !report.is_clean() {
        #[expect(
            clippy::panic,
            reason = "an assertion for tests: failing is its purpose"
        )]
        {
            panic!("policy `{}` is not consistent:\n{report}", engine.name());
        }
    }
}

/// Work counted for tests of the crate's bounds (issue 19): the number of edit-distance cells
/// computed on this thread for "did you mean" suggestions since it started. Compare it before
/// and after a compilation to show that the work stays within
/// [`crate::EngineBuilder::max_suggestion_work`] however long the unknown ids are.
///
/// # Examples
///
/// ```
/// use unified_message::{testing, Engine};
///
/// let policy = unified_message::EXAMPLE_POLICY.replacen("owner = \"support\"", &format!("owner = \"{}\"", "x".repeat(100_000)), 1);
/// let before = testing::suggestion_cells();
/// assert!(Engine::from_toml_str(&policy).is_err());
/// assert!(testing::suggestion_cells() - before < 1_000);
/// ```
pub fn suggestion_cells() -> u64 {
    crate::bounded::cells_computed()
}
pub mod pin_store;
