//! Property tests of the invariants (issue 7.2) on random valid policies
//! (`tests/reference/generate.rs`) and random contacts: the decision-level form of I1–I5,
//! determinism, and rendering that never expands a value again.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod reference;

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod bodies;

use proptest::prelude::*;
use reference::generate::{self, Choices, HOST_VALUES};
use unified_message::document::PolicyDocument;
use unified_message::{Authority, Channel, Contact, Engine, Outcome, Responder, Tier};

const CASES: u32 = 2_000;
const CONTACTS: usize = 8;

/// The policy, its engine, and random contacts.
fn setup(policy: &[u16], contacts: &[u16]) -> (PolicyDocument, Engine, Vec<Contact>) {
    let doc = generate::policy(policy);
    let engine = Engine::compile(&doc).unwrap();
    let c = &mut Choices::new(contacts);
    let contacts = (0..CONTACTS).map(|_| generate::contact(c, &doc)).collect();
    (doc, engine, contacts)
}

fn role_of<'d>(
    doc: &'d PolicyDocument,
    r: &Responder,
) -> Option<&'d unified_message::document::RoleDoc> {
    match r {
        Responder::Staff(id) => doc.roles.get(id),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// `decide` is deterministic: the same contact gives the same decision, on the same engine
    /// and on another engine compiled from the same document.
    #[test]
    fn r0_1_decide_is_deterministic(policy in generate::choices(16..160), contacts in generate::choices(0..120)) {
        let (doc, engine, contacts) = setup(&policy, &contacts);
        let again = Engine::compile(&doc).unwrap();
        for contact in &contacts {
            for r in generate::responders(&doc) {
                let a = engine.decide(contact, &r);
                prop_assert_eq!(a, engine.decide(contact, &r));
                prop_assert_eq!(a.to_record(), again.decide(contact, &r).to_record());
            }
        }
    }

    /// I1 channel independence: where no rule names a channel, every channel gets the same
    /// outcome and message id.
    #[test]
    fn r0_1_i1_channel_independence(policy in generate::choices(16..160), contacts in generate::choices(0..120)) {
        let (doc, engine, contacts) = setup(&policy, &contacts);
        prop_assume!(doc.rules.iter().all(|r| r.when.channel.is_none()));
        for contact in &contacts {
            for r in generate::responders(&doc) {
                let base = engine.decide(contact, &r);
                for ch in generate::CONTACT_CHANNELS {
                    let other = engine.decide(&contact.clone().with_channel(Channel::from(ch)), &r);
                    prop_assert_eq!(base.outcome(), other.outcome());
                    prop_assert_eq!(base.message_id(), other.message_id());
                }
            }
        }
    }

    /// I2 one substantive answer: every system of a tier gives the same message, and every
    /// staff member who answers gives the same message — unless a rule with a fixed answer
    /// is conditioned on the responder.
    #[test]
    fn r0_1_i2_one_substantive_answer(policy in generate::choices(16..160), contacts in generate::choices(0..120)) {
        let (doc, engine, contacts) = setup(&policy, &contacts);
        let per_responder = doc.rules.iter().any(|r| {
            r.then.answer.is_some() && (r.when.department.is_some() || r.when.role.is_some() || r.when.rank.is_some())
        });
        for contact in &contacts {
            let mut by_tier: Vec<(Tier, String)> = Vec::new();
            for r in generate::responders(&doc) {
                let d = engine.decide(contact, &r);
                if d.outcome() != Outcome::Answer {
                    continue;
                }
                let tier = match &r {
                    Responder::System(id) => doc.systems.get(id).and_then(|s| s.tier).unwrap_or(Tier::Explains),
                    _ if per_responder => continue,
                    _ => Tier::Person,
                };
                if let Some((_, m)) = by_tier.iter().find(|(t, _)| *t == tier) {
                    prop_assert_eq!(m.as_str(), d.message_id(), "tier {} on {:?}", tier, contact);
                } else {
                    by_tier.push((tier, d.message_id().to_owned()));
                }
            }
        }
    }

    /// I3 ladder order: a person answers from the topic only once the customer has been
    /// through every system tier of the topic, or a rule skipped the ladder; otherwise a
    /// person's answer is a rule's fixed answer.
    #[test]
    fn r0_5_i3_ladder_order(policy in generate::choices(16..160), contacts in generate::choices(0..120)) {
        let (doc, engine, contacts) = setup(&policy, &contacts);
        for contact in &contacts {
            for r in doc.roles.keys().map(Responder::staff).chain([Responder::staff("nobody")]) {
                let d = engine.decide(contact, &r);
                if d.outcome() != Outcome::Answer {
                    continue;
                }
                if d.authority().is_none() {
                    let rule = doc.rules.iter().find(|x| x.id.as_deref() == d.rule());
                    prop_assert!(rule.is_some_and(|x| x.then.answer.as_deref() == Some(d.message_id())));
                    continue;
                }
                let topic = doc.topics.get(d.topic()).unwrap();
                let passed = (topic.explains.is_none() || contact.progress.has_passed(Tier::Explains))
                    && (topic.serves.is_none() || contact.progress.has_passed(Tier::Serves));
                prop_assert!(d.flags().ladder_skipped || (passed && d.flags().system_gap),
                    "{:?} for {} on {:?}", d, r, contact);
            }
        }
    }

    /// I4 no dead ends: every decision has a message with a non-empty text in every declared
    /// locale; a route names a department; a superior asked for is the next rank, and above
    /// the top rank a review with its window — for every person asked, even where a rule
    /// fixes the answer (R3.3).
    #[test]
    fn r3_3_i4_no_dead_ends(policy in generate::choices(16..160), contacts in generate::choices(0..120)) {
        let (doc, engine, contacts) = setup(&policy, &contacts);
        let ranks = &doc.ranks.as_ref().unwrap().order;
        for contact in &contacts {
            for r in generate::responders(&doc) {
                for locale in &doc.policy.locales {
                    let d = engine.decide(&contact.clone().with_locale(locale.as_str()), &r);
                    // R3.3, always honoured (issue 19): a person asked for a superior hands
                    // over, whatever the rules fix.
                    if contact.asks_for_superior && matches!(r, Responder::Staff(_)) {
                        prop_assert!(matches!(d.outcome(), Outcome::Escalate | Outcome::Review),
                            "{:?} for {} on {:?}", d, r, contact);
                    }
                    prop_assert!(!d.message_id().is_empty());
                    prop_assert!(!d.text().is_empty(), "{:?}", d);
                    prop_assert_eq!(d.locale(), locale.as_str());
                    match d.outcome() {
                        Outcome::Route => prop_assert!(d.department().is_some_and(|x| doc.departments.get(x).is_some())),
                        Outcome::Authorize => prop_assert!(d.rank().is_some()),
                        // R4.3 (issue 34): authorization nobody of the department can give,
                        // from the approver rank up, goes to the review.
                        Outcome::Review if !contact.asks_for_superior => {
                            prop_assert_eq!(d.authority(), Some(unified_message::Authority::Authorized));
                            prop_assert!(d.review_within().is_some());
                        }
                        Outcome::Escalate | Outcome::Review => {
                            prop_assert!(contact.asks_for_superior);
                            let rank = role_of(&doc, &r).map_or(0, |role| {
                                ranks.iter().position(|x| Some(x) == role.rank.as_ref()).unwrap()
                            });
                            // The next staffed rank of the department (any rank for an
                            // unknown role): a superior exists, or the review.
                            let next = match role_of(&doc, &r) {
                                None => ranks.get(rank + 1),
                                Some(role) => ranks.iter().skip(rank + 1).find(|x| {
                                    doc.roles.iter().any(|(_, o)| o.department == role.department && o.rank.as_ref() == Some(*x))
                                }),
                            };
                            match next {
                                Some(next) => {
                                    prop_assert_eq!(d.outcome(), Outcome::Escalate);
                                    prop_assert_eq!(d.rank(), Some(next.as_str()));
                                }
                                None => {
                                    prop_assert_eq!(d.outcome(), Outcome::Review);
                                    prop_assert!(d.review_within().is_some());
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// I5 departments stay in their lane: a role outside the owning department gets `own`
    /// only through an explicit grant on the topic or a rule that sets the authority.
    #[test]
    fn r0_8_i5_departments_stay_in_their_lane(policy in generate::choices(16..160), contacts in generate::choices(0..120)) {
        let (doc, engine, contacts) = setup(&policy, &contacts);
        for contact in &contacts {
            for (id, role) in doc.roles.iter() {
                let d = engine.decide(contact, &Responder::staff(id));
                if d.authority() != Some(Authority::Own) {
                    continue;
                }
                let topic = doc.topics.get(d.topic()).unwrap();
                let routed_here = doc.rules.iter().any(|x| x.then.route.is_some() && x.then.route == role.department);
                if role.department == topic.owner || routed_here {
                    continue;
                }
                let granted = role.authority.iter().any(|(p, a)| {
                    *a == Authority::Own && reference::pattern_matches(p, d.topic())
                });
                let by_rule = doc.rules.iter().any(|x| {
                    x.then.authority == Some(Authority::Own)
                        && x.when.topic.as_ref().is_none_or(|ps| ps.0.iter().any(|p| reference::pattern_matches(p, d.topic())))
                });
                let owner = &topic.owner;
                prop_assert!(granted || by_rule, "{} got `own` on {} outside {:?}", id, d.topic(), owner);
            }
        }
    }

    /// For random policies that pass `Engine::check`, the invariants it proves hold on random
    /// contacts in their strict form: the same decision on every channel unless a rule names
    /// one (I1), every person who answers gives the same message (I2, with no exception for
    /// rules on the responder), every `route` reaches a department where some role does not
    /// route again (I4), and `own` outside the owning department comes only from the role's
    /// grant or a rule naming the role or its department (I5). I3 holds on every policy
    /// (`r0_5_i3_ladder_order`).
    #[test]
    fn r0_1_checked_policies_keep_i1_i2_i4_and_i5(policy in generate::choices(16..160), contacts in generate::choices(0..120)) {
        let (doc, engine, contacts) = setup(&policy, &contacts);
        if !engine.check().is_clean() {
            return Ok(());
        }
        let channel_rules = doc.rules.iter().any(|x| x.when.channel.is_some());
        for contact in &contacts {
            // I1, strict: unless a rule names a channel, every responder decides the same on
            // every channel.
            if !channel_rules {
                for r in generate::responders(&doc) {
                    let first = engine.decide(contact, &r);
                    for channel in Channel::STANDARD {
                        let d = engine.decide(&contact.clone().with_channel(channel.clone()), &r);
                        prop_assert_eq!((d.outcome(), d.message_id()), (first.outcome(), first.message_id()),
                            "I1: {} on {} vs {}", r, channel, contact.channel);
                    }
                }
            }
            let mut answered: Option<String> = None;
            for (id, role) in doc.roles.iter() {
                let d = engine.decide(contact, &Responder::staff(id));
                // I5, strict: `own` outside the owning department only through the role's own
                // grant or a rule that names the role or its department.
                if d.authority() == Some(Authority::Own) {
                    let topic = doc.topics.get(d.topic()).unwrap();
                    // The owning department, or one a rule routes the circumstance to.
                    let owner = topic.owner.clone();
                    let routed_here = doc
                        .rules
                        .iter()
                        .any(|x| x.then.route.is_some() && x.then.route == role.department);
                    if role.department != owner && !routed_here {
                        let granted = role.authority.iter().any(|(p, a)| {
                            *a == Authority::Own && reference::pattern_matches(p, d.topic())
                        });
                        let named = doc.rules.iter().any(|x| {
                            x.then.authority == Some(Authority::Own)
                                && (x.when.role.as_ref().is_some_and(|l| l.0.iter().any(|r| r == id))
                                    || x.when.department.as_ref().is_some_and(|l| {
                                        l.0.iter().any(|dep| Some(dep) == role.department.as_ref())
                                    }))
                        });
                        prop_assert!(granted || named, "I5: {} got `own` on {} outside {:?}\n{}\nrules: {:?}\nroles: {:?}",
                            id, d.topic(), owner, engine.explain(contact, &Responder::staff(id)), doc.rules, doc.roles);
                    }
                }
                match d.outcome() {
                    Outcome::Answer => {
                        if let Some(m) = &answered {
                            prop_assert_eq!(m.as_str(), d.message_id(), "I2 for {} on {:?}", id, contact);
                        }
                        answered = Some(d.message_id().to_owned());
                    }
                    Outcome::Route => {
                        let to = d.department().unwrap();
                        let reaches = doc.roles.iter().any(|(other, role)| {
                            role.department.as_deref() == Some(to)
                                && engine.decide(contact, &Responder::staff(other)).outcome() != Outcome::Route
                        });
                        prop_assert!(reaches, "I4: {} routes {:?} to {}, where every role routes again", id, contact, to);
                    }
                    _ => {}
                }
            }
        }
    }

    /// Rendering never expands a value again: a host value or a system name containing
    /// `{…}` stays literal (the render fuzz target's oracle, on random templates and values).
    #[test]
    fn r2_3_rendering_never_reexpands_a_value(
        template in "([a-z ]|\\{\\{|\\}\\}|\\{name\\}|\\{system\\}|\\{where\\}){0,12}",
        value in "([a-z]|\\{|\\}|\\{name\\}|\\{system\\}){0,6}",
    ) {
        bodies::render_values(format!("{template}\0{value}").as_bytes());
    }

    /// Host values in the generated policies render literally too (`{system}{{where}}`).
    #[test]
    fn r2_3_host_values_render_literally(policy in generate::choices(16..160), contacts in generate::choices(0..120)) {
        let (doc, engine, contacts) = setup(&policy, &contacts);
        for contact in &contacts {
            for r in generate::responders(&doc) {
                let d = engine.decide(contact, &r);
                let with = d.to_record_with(&HOST_VALUES.as_slice()).message.text;
                let without = d.text();
                let inserted = with.len() - without.len();
                prop_assert_eq!(inserted % HOST_VALUES[0].1.len(), 0);
                prop_assert_eq!(with.matches(HOST_VALUES[0].1).count() * HOST_VALUES[0].1.len(), inserted);
            }
        }
    }
}

/// Enough generated policies pass `check` for the property above to mean something.
#[test]
fn r0_1_some_generated_policies_pass_check() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) as u16
    };
    let mut clean = 0;
    for _ in 0..300 {
        let policy: Vec<u16> = (0..160).map(|_| next()).collect();
        let engine = Engine::compile(&generate::policy(&policy)).unwrap();
        if engine.check().is_clean() {
            clean += 1;
        }
    }
    eprintln!("{clean} of 300 generated policies pass check");
    assert!(
        clean >= 15,
        "only {clean} of 300 generated policies pass check"
    );
}
