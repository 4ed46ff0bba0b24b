//! One or more tests per requirement of `SEEDS.md` that the engine covers, named after it
//! (issue 2, point 8). Only the public API; the expected values come from the policy document
//! (parsed with `PolicyDocument::from_toml_str`), never from the engine's own answers.

#![cfg(feature = "toml")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::LazyLock;
use std::time::Duration;

use unified_message::document::PolicyDocument;
use unified_message::{
    Authority, Channel, Contact, Decision, EXAMPLE_POLICY, Engine, Outcome, Progress, Responder,
    Tier,
};

static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(EXAMPLE_POLICY).unwrap_or_else(|e| panic!("{e}")));
static DOC: LazyLock<PolicyDocument> =
    LazyLock::new(|| PolicyDocument::from_toml_str(EXAMPLE_POLICY).unwrap());

fn engine() -> &'static Engine {
    &ENGINE
}

fn doc() -> &'static PolicyDocument {
    &DOC
}

/// Every standard channel, a custom channel the policy knows (`sms`) and one it does not.
fn channels() -> Vec<Channel> {
    let mut all = Channel::STANDARD.to_vec();
    all.push(Channel::from("sms"));
    all.push(Channel::from("kiosk"));
    all
}

fn systems_of_tier(tier: Tier) -> Vec<&'static str> {
    doc()
        .systems
        .iter()
        .filter(|(_, s)| s.tier == Some(tier))
        .map(|(id, _)| id)
        .collect()
}

fn contact(topic: &str, progress: Progress) -> Contact {
    Contact::new("cust", Channel::Phone)
        .with_topic(topic)
        .with_locale("en")
        .with_progress(progress)
}

fn staff(role: &str) -> Responder {
    Responder::staff(role)
}

/// The system tiers a topic has, from the document.
fn topic_tiers(topic: &str) -> Vec<(Tier, &'static str)> {
    let t = doc().topics.get(topic).unwrap();
    let mut tiers = Vec::new();
    if let Some(e) = &t.explains {
        tiers.push((Tier::Explains, e.system.as_str()));
    }
    if let Some(s) = &t.serves {
        tiers.push((Tier::Serves, s.system.as_str()));
    }
    tiers
}

/// A handover text of the document, with `{system}` / `{where}` filled by hand.
fn handover_text(kind: &str, locale: &str) -> &'static str {
    let h = doc().handover.as_ref().unwrap();
    let text = match kind {
        "explains" => &h.explains,
        "serves" => &h.serves,
        "route" => &h.route,
        "authorize" => &h.authorize,
        "escalate" => &h.escalate,
        "review" => &h.review,
        other => panic!("{other}"),
    };
    text.as_ref().unwrap().get(locale).unwrap()
}

fn rank_index(rank: &str) -> usize {
    let order = &doc().ranks.as_ref().unwrap().order;
    order.iter().position(|r| r == rank).unwrap()
}

/// Everything a decision says, except the rendered text.
type Shape<'e> = (
    Outcome,
    &'e str,
    u32,
    Option<&'e str>,
    Option<&'e str>,
    Option<&'e str>,
    Option<Authority>,
    unified_message::Flags,
    Option<&'e str>,
);

fn what<'e>(d: &Decision<'e>) -> Shape<'e> {
    (
        d.outcome(),
        d.message_id(),
        d.version(),
        d.rule(),
        d.department(),
        d.rank(),
        d.authority(),
        d.flags(),
        d.system().map(|s| s.id),
    )
}

// ---------------------------------------------------------------------------------------------
// R0.1: the same message on every channel, whoever answers.
// ---------------------------------------------------------------------------------------------

#[test]
fn r0_1_every_explaining_system_gives_the_same_message_on_every_channel() {
    let explaining = systems_of_tier(Tier::Explains);
    assert!(explaining.len() >= 2, "the example has web and IVR");
    for topic in engine().topics() {
        let expected = &doc()
            .topics
            .get(topic)
            .unwrap()
            .explains
            .as_ref()
            .unwrap()
            .message;
        for progress in Progress::ALL {
            for channel in channels() {
                for locale in ["es", "en"] {
                    let c = contact(topic, progress)
                        .with_channel(channel.clone())
                        .with_locale(locale);
                    let decisions: Vec<Decision<'_>> = explaining
                        .iter()
                        .map(|s| engine().decide(&c, &Responder::system(*s)))
                        .collect();
                    for d in &decisions {
                        assert_eq!(d.outcome(), Outcome::Answer, "{d:?}");
                        assert_eq!(d.message_id(), expected, "{topic} on {channel}: {d:?}");
                    }
                    // Not only the id: the very same words.
                    let texts: Vec<String> = decisions.iter().map(Decision::text).collect();
                    assert!(
                        texts.windows(2).all(|w| w[0] == w[1]),
                        "{topic} on {channel}: {texts:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn r0_1_every_serving_system_gives_the_same_message() {
    let serving = systems_of_tier(Tier::Serves);
    assert!(serving.len() >= 2);
    for topic in engine().topics() {
        let t = doc().topics.get(topic).unwrap();
        // The serving message, or the explaining one when the topic has no serving tier.
        let expected = t.serves.as_ref().or(t.explains.as_ref()).unwrap();
        for channel in channels() {
            let c = contact(topic, Progress::Explained).with_channel(channel);
            for s in &serving {
                let d = engine().decide(&c, &Responder::system(*s));
                assert_eq!(d.outcome(), Outcome::Answer);
                assert_eq!(d.message_id(), expected.message, "{topic} by {s}");
                assert_eq!(d.system().map(|s| s.id), Some(expected.system.as_str()));
            }
        }
    }
}

#[test]
fn r0_1_staff_decide_the_same_on_every_channel() {
    let fact_sets: [&[(&str, &str)]; 4] = [
        &[],
        &[("accessibility", "true")],
        &[("outage", "email")],
        &[("plan", "premium")],
    ];
    for role in engine().roles() {
        for topic in engine().topics() {
            for progress in Progress::ALL {
                for facts in fact_sets {
                    for superior in [false, true] {
                        let mut c = contact(topic, progress);
                        for (k, v) in facts {
                            c = c.with_fact(*k, *v);
                        }
                        if superior {
                            c = c.asking_for_superior();
                        }
                        let on = |ch: Channel| {
                            engine().decide(&c.clone().with_channel(ch), &staff(role))
                        };
                        let reference = on(Channel::Phone);
                        let reference_text = reference.text();
                        for channel in channels() {
                            let d = on(channel.clone());
                            assert_eq!(what(&d), what(&reference), "{role} {topic} on {channel}");
                            // Answers carry no `{where}`: on the standard channels (no variant)
                            // the words are the same too.
                            if d.outcome() == Outcome::Answer
                                && Channel::STANDARD.contains(&channel)
                            {
                                assert_eq!(d.text(), reference_text, "{role} {topic} on {channel}");
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn r0_1_one_substantive_answer_per_topic_whoever_answers() {
    // Whenever a person answers a topic (no rule involved), it is with the topic's answer.
    for role in engine().roles() {
        for topic in engine().topics() {
            let answer = doc().topics.get(topic).unwrap().answer.as_deref().unwrap();
            for progress in Progress::ALL {
                let d = engine().decide(&contact(topic, progress), &staff(role));
                if d.outcome() == Outcome::Answer {
                    assert_eq!(d.message_id(), answer, "{role} on {topic}");
                    assert_eq!(d.rule(), None);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// R0.2 / R0.8: staff do not improvise other departments' procedures.
// ---------------------------------------------------------------------------------------------

#[test]
fn r0_8_sales_never_explains_domain_delegation() {
    for role in ["sales-agent", "sales-supervisor"] {
        for progress in Progress::ALL {
            let d = engine().decide(&contact("domain.delegation", progress), &staff(role));
            assert_ne!(d.outcome(), Outcome::Answer, "{role} at {progress}: {d:?}");
        }
        let d = engine().decide(
            &contact("domain.delegation", Progress::Served),
            &staff(role),
        );
        assert_eq!(d.outcome(), Outcome::Route);
        assert_eq!(d.department(), Some("support"));
        assert_eq!(d.authority(), Some(Authority::Consensual));
        assert_eq!(d.message_id(), "handover.route");
        let support = doc()
            .departments
            .get("support")
            .unwrap()
            .name
            .as_deref()
            .unwrap();
        assert_eq!(
            d.text(),
            handover_text("route", "en").replace("{department}", support)
        );
    }
}

#[test]
fn r0_8_projects_never_explain_a_ping() {
    // dns.ping has only an explaining system: once explained, the ladder is exhausted.
    let d = engine().decide(
        &contact("dns.ping", Progress::Explained),
        &staff("projects-agent"),
    );
    assert_eq!(d.outcome(), Outcome::Route, "{d:?}");
    assert_eq!(d.department(), Some("support"));
    assert_eq!(d.authority(), Some(Authority::Consensual));
    // The owning department answers the same circumstance.
    let d = engine().decide(
        &contact("dns.ping", Progress::Explained),
        &staff("support-agent"),
    );
    assert_eq!(d.outcome(), Outcome::Answer);
    assert_eq!(d.message_id(), "dns-ping-answer");
}

#[test]
fn r0_2_other_departments_route_without_a_grant() {
    // Support has no grant on billing topics: it routes to billing instead of answering.
    for topic in ["billing.invoice", "billing.refund"] {
        let d = engine().decide(&contact(topic, Progress::Served), &staff("support-agent"));
        assert_eq!(d.outcome(), Outcome::Route, "{topic}");
        assert_eq!(d.department(), Some("billing"));
        assert_eq!(d.authority(), Some(Authority::Consensual));
    }
}

// ---------------------------------------------------------------------------------------------
// R0.4: the first contact is an explaining system.
// ---------------------------------------------------------------------------------------------

#[test]
fn r0_4_a_fresh_contact_is_sent_to_the_explaining_system() {
    for role in engine().roles() {
        for topic in engine().topics() {
            let d = engine().decide(&contact(topic, Progress::Fresh), &staff(role));
            let (tier, system) = topic_tiers(topic)[0];
            assert_eq!(tier, Tier::Explains);
            assert_eq!(d.outcome(), Outcome::Redirect, "{role} on {topic}");
            assert_eq!(
                d.system().map(|s| (s.id, s.tier)),
                Some((system, Tier::Explains))
            );
            assert_eq!(d.message_id(), "handover.explains");
        }
    }
}

#[test]
fn r0_4_an_unknown_topic_falls_back_to_the_general_self_diagnosis() {
    let fallback = doc().policy.fallback.as_deref().unwrap();
    let general = doc()
        .topics
        .get(fallback)
        .unwrap()
        .explains
        .as_ref()
        .unwrap();
    assert_eq!(engine().fallback_topic(), fallback);
    let unplaceable = [
        Contact::new("c", Channel::Web).with_topic("no.such.topic"),
        Contact::new("c", Channel::Web),
        Contact::new("c", Channel::Web).with_text("xyzzy plugh"),
    ];
    for c in &unplaceable {
        let d = engine().decide(c, &Responder::system("self-diagnosis"));
        assert_eq!(d.topic(), fallback, "{c:?}");
        assert!(d.flags().fallback_topic, "{c:?}");
        assert_eq!(d.outcome(), Outcome::Answer);
        assert_eq!(d.message_id(), general.message);
        assert_eq!(d.system().map(|s| s.id), Some(general.system.as_str()));
        // A person reached first sends the customer to that same explaining system.
        let d = engine().decide(c, &staff("support-agent"));
        assert_eq!(d.outcome(), Outcome::Redirect);
        assert_eq!(d.system().map(|s| s.id), Some(general.system.as_str()));
        assert!(d.flags().fallback_topic);
    }
    // A known topic, or text triage can place, is not flagged.
    let d = engine().decide(
        &contact("email.setup", Progress::Fresh),
        &staff("support-agent"),
    );
    assert!(!d.flags().fallback_topic);
    let c = Contact::new("c", Channel::Chat)
        .with_text("no puedo configurar el correo en outlook")
        .with_locale("es");
    let d = engine().decide(&c, &Responder::system("self-diagnosis"));
    assert_eq!(d.topic(), "email.setup");
    assert!(!d.flags().fallback_topic);
}

// ---------------------------------------------------------------------------------------------
// R0.5: a person reached too early points to the systems, framed as the customer's benefit.
// ---------------------------------------------------------------------------------------------

#[test]
fn r0_5_a_person_reached_too_early_redirects_with_the_handover_text() {
    let agent = staff("support-agent");
    let ladder = topic_tiers("email.setup");
    for (progress, (tier, system)) in [Progress::Fresh, Progress::Explained]
        .into_iter()
        .zip(ladder)
    {
        for locale in ["es", "en"] {
            let c = contact("email.setup", progress).with_locale(locale);
            let d = engine().decide(&c, &agent);
            assert_eq!(d.outcome(), Outcome::Redirect);
            let s = d.system().unwrap();
            assert_eq!((s.id, s.tier), (system, tier));
            assert_eq!(d.message_id(), format!("handover.{tier}"));
            let sys = doc().systems.get(system).unwrap();
            let location = sys
                .where_
                .get("phone")
                .or_else(|| sys.where_.iter().next().map(|(_, w)| w))
                .unwrap();
            assert_eq!(s.location, location);
            let expected = handover_text(tier.as_str(), locale)
                .replace("{system}", sys.name.as_deref().unwrap())
                .replace("{where}", location);
            assert_eq!(d.text(), expected);
            assert!(!d.flags().system_gap);
        }
    }
    // Then it serves.
    let d = engine().decide(&contact("email.setup", Progress::Served), &agent);
    assert_eq!(d.outcome(), Outcome::Answer);
    assert_eq!(d.message_id(), "email-setup-answer");
}

#[test]
fn r0_5_r2_3_no_decision_uses_a_forbidden_phrase() {
    let forbidden: Vec<regex::Regex> = doc()
        .style
        .forbidden
        .iter()
        .map(|f| regex::Regex::new(&f.pattern).unwrap())
        .collect();
    assert!(!forbidden.is_empty());
    let mut responders: Vec<Responder> = engine().roles().map(Responder::staff).collect();
    responders.extend(engine().systems().map(Responder::system));
    for r in &responders {
        for topic in engine().topics() {
            for progress in Progress::ALL {
                for locale in ["es", "en"] {
                    for superior in [false, true] {
                        let mut c = contact(topic, progress).with_locale(locale);
                        if superior {
                            c = c.asking_for_superior();
                        }
                        let text = engine().decide(&c, r).text();
                        assert!(!text.is_empty());
                        for f in &forbidden {
                            assert!(!f.is_match(&text), "`{f}` in {text}");
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// R0.6 / R0.9: persons advise only when the systems failed, and the gap is flagged.
// ---------------------------------------------------------------------------------------------

#[test]
fn r0_6_a_person_answers_only_after_every_system_of_the_topic() {
    for role in engine().roles() {
        for topic in engine().topics() {
            for progress in Progress::ALL {
                let d = engine().decide(&contact(topic, progress), &staff(role));
                let ahead = topic_tiers(topic)
                    .into_iter()
                    .find(|(tier, _)| !progress.has_passed(*tier));
                match ahead {
                    Some((tier, system)) => {
                        assert_eq!(d.outcome(), Outcome::Redirect, "{role} {topic} {progress}");
                        assert_eq!(d.system().map(|s| (s.id, s.tier)), Some((system, tier)));
                    }
                    None => assert!(
                        matches!(
                            d.outcome(),
                            Outcome::Answer | Outcome::Route | Outcome::Authorize
                        ),
                        "{role} {topic} {progress}: {d:?}"
                    ),
                }
            }
        }
    }
}

#[test]
fn r0_9_system_gap_is_flagged_exactly_when_a_person_takes_over_from_the_systems() {
    for role in engine().roles() {
        for topic in engine().topics() {
            for progress in Progress::ALL {
                let d = engine().decide(&contact(topic, progress), &staff(role));
                let past_the_systems = d.outcome() != Outcome::Redirect;
                assert_eq!(
                    d.flags().system_gap,
                    past_the_systems,
                    "{role} {topic} {progress}"
                );
            }
        }
    }
    // Systems answering their own topics report no gap.
    for system in engine().systems() {
        for topic in engine().topics() {
            let d = engine().decide(&contact(topic, Progress::Fresh), &Responder::system(system));
            assert!(!d.flags().system_gap, "{system} {topic}");
        }
    }
    // dns.ping has only an explaining system: once explained, support answers and flags it.
    let d = engine().decide(
        &contact("dns.ping", Progress::Explained),
        &staff("support-agent"),
    );
    assert_eq!(d.outcome(), Outcome::Answer);
    assert!(d.flags().system_gap);
}

// ---------------------------------------------------------------------------------------------
// R2.4: protocols for specific groups (a skip-ladder rule).
// ---------------------------------------------------------------------------------------------

#[test]
fn r2_4_accessibility_lets_a_person_answer_without_the_systems() {
    let c = contact("email.setup", Progress::Fresh).with_fact("accessibility", "true");
    let d = engine().decide(&c, &staff("support-agent"));
    assert_eq!(d.outcome(), Outcome::Answer);
    assert_eq!(d.message_id(), "email-setup-answer");
    assert_eq!(d.rule(), Some("accessibility"));
    assert!(d.flags().ladder_skipped);
    assert!(
        !d.flags().system_gap,
        "a skipped ladder is not a system gap"
    );

    // Another department still routes, but without sending the customer to the systems.
    let c = contact("domain.delegation", Progress::Fresh).with_fact("accessibility", "true");
    let d = engine().decide(&c, &staff("sales-agent"));
    assert_eq!(d.outcome(), Outcome::Route);
    assert_eq!(d.department(), Some("support"));
    assert_eq!(d.rule(), Some("accessibility"));
    assert!(!d.flags().system_gap);

    // Any other value of the fact: the ladder as usual.
    let c = contact("email.setup", Progress::Fresh).with_fact("accessibility", "false");
    let d = engine().decide(&c, &staff("support-agent"));
    assert_eq!(d.outcome(), Outcome::Redirect);
    assert!(!d.flags().ladder_skipped);
}

#[test]
fn r2_4_no_staff_redirect_anywhere_under_the_accessibility_protocol() {
    for role in engine().roles() {
        for topic in engine().topics() {
            for progress in Progress::ALL {
                let c = contact(topic, progress).with_fact("accessibility", "true");
                let d = engine().decide(&c, &staff(role));
                assert_ne!(d.outcome(), Outcome::Redirect, "{role} {topic} {progress}");
                assert!(!d.flags().system_gap);
                assert!(d.flags().ladder_skipped);
                assert_eq!(d.rule(), Some("accessibility"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// R3.3: there is always a superior, and at the top a review.
// ---------------------------------------------------------------------------------------------

#[test]
/// R3.3: escalation goes to the next rank that has a role in the department, and above the
/// last one to the review — never to a rank nobody holds.
fn r3_3_a_superior_at_every_rank_and_a_review_at_the_top() {
    let order = &doc().ranks.as_ref().unwrap().order;
    let window = doc()
        .ranks
        .as_ref()
        .unwrap()
        .review_within
        .as_deref()
        .unwrap();
    assert_eq!(engine().review_within(), Duration::from_secs(24 * 3600));
    for (role_id, role) in doc().roles.iter() {
        let rank = rank_index(role.rank.as_deref().unwrap());
        for progress in Progress::ALL {
            for topic in ["email.setup", "billing.refund"] {
                let c = contact(topic, progress).asking_for_superior();
                let d = engine().decide(&c, &staff(role_id));
                assert!(d.asks_for_superior());
                // The next rank above with someone of the same department in it.
                let next = order.iter().skip(rank + 1).find(|r| {
                    doc().roles.iter().any(|(_, other)| {
                        other.department == role.department
                            && other.rank.as_deref() == Some(r.as_str())
                    })
                });
                match next {
                    Some(next) => {
                        assert_eq!(d.outcome(), Outcome::Escalate, "{role_id}");
                        assert_eq!(d.rank(), Some(next.as_str()));
                        assert_eq!(d.department(), role.department.as_deref());
                        assert_eq!(d.message_id(), "handover.escalate");
                        assert_eq!(
                            d.text(),
                            handover_text("escalate", "en").replace("{rank}", next)
                        );
                        assert_eq!(d.review_within(), None);
                    }
                    None => {
                        assert_eq!(d.outcome(), Outcome::Review, "{role_id}");
                        assert_eq!(d.review_within(), Some(window));
                        assert_eq!(d.message_id(), "handover.review");
                        assert_eq!(
                            d.text(),
                            handover_text("review", "en").replace("{within}", window)
                        );
                    }
                }
            }
        }
    }
}

/// R3.3 (issue 19 decision): a request for a superior is always honoured by a person, even
/// when a rule fixes the answer — the person hands over (escalate, or review at the top), and
/// the superior, not asked again, gives that same fixed answer. Systems ignore the request.
#[test]
fn r3_3_a_superior_is_always_honoured_even_when_a_rule_fixes_the_answer() {
    let outage = |progress| contact("email.setup", progress).with_fact("outage", "email");
    for progress in Progress::ALL {
        // The chain: agent → supervisor → manager → review, each asked for a superior.
        let steps: Vec<(Outcome, Option<&str>)> =
            ["support-agent", "support-supervisor", "support-manager"]
                .iter()
                .map(|r| {
                    let d = engine().decide(&outage(progress).asking_for_superior(), &staff(r));
                    assert_ne!(d.message_id(), "email-outage-notice", "{r}");
                    (d.outcome(), d.rank())
                })
                .collect();
        assert_eq!(
            steps,
            [
                (Outcome::Escalate, Some("supervisor")),
                (Outcome::Escalate, Some("manager")),
                (Outcome::Review, None),
            ],
            "{progress}"
        );
        // The superior, reached, gives the fixed answer.
        for r in ["support-supervisor", "support-manager", "sales-agent"] {
            let d = engine().decide(&outage(progress), &staff(r));
            assert_eq!(
                (d.outcome(), d.message_id(), d.rule()),
                (Outcome::Answer, "email-outage-notice", Some("email-outage")),
                "{r}"
            );
        }
        // An unknown role is a person too: it hands over.
        let d = engine().decide(
            &outage(progress).asking_for_superior(),
            &staff("night-shift"),
        );
        assert_eq!(d.outcome(), Outcome::Escalate);
        // A system ignores the request: the fixed answer.
        let d = engine().decide(
            &outage(progress).asking_for_superior(),
            &Responder::system("self-diagnosis"),
        );
        assert_eq!(
            (d.outcome(), d.message_id()),
            (Outcome::Answer, "email-outage-notice")
        );
    }
    // `explain` says why the fixed answer was not given.
    let steps = engine()
        .explain(
            &outage(Progress::Served).asking_for_superior(),
            &staff("support-agent"),
        )
        .trail
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        steps.contains("asks for a superior") && steps.contains("(R3.3)"),
        "{steps}"
    );
}

#[test]
fn r3_3_the_support_chain_goes_agent_supervisor_manager_review() {
    let c = contact("email.setup", Progress::Served).asking_for_superior();
    let steps: Vec<(Outcome, Option<&str>)> =
        ["support-agent", "support-supervisor", "support-manager"]
            .iter()
            .map(|r| {
                let d = engine().decide(&c, &staff(r));
                (d.outcome(), d.rank())
            })
            .collect();
    assert_eq!(
        steps,
        [
            (Outcome::Escalate, Some("supervisor")),
            (Outcome::Escalate, Some("manager")),
            (Outcome::Review, None),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// R4.3: authority levels.
// ---------------------------------------------------------------------------------------------

#[test]
fn r4_3_own_answers_now() {
    let d = engine().decide(
        &contact("email.setup", Progress::Served),
        &staff("support-agent"),
    );
    assert_eq!(d.outcome(), Outcome::Answer);
    assert_eq!(d.authority(), Some(Authority::Own));
    assert_eq!(d.message_id(), "email-setup-answer");
}

#[test]
fn r4_3_consensual_routes_to_the_owning_department() {
    let d = engine().decide(
        &contact("billing.invoice", Progress::Served),
        &staff("projects-agent"),
    );
    assert_eq!(d.outcome(), Outcome::Route);
    assert_eq!(d.authority(), Some(Authority::Consensual));
    assert_eq!(d.department(), Some("billing"));
}

#[test]
fn r4_3_authorized_asks_the_approver_rank() {
    let d = engine().decide(
        &contact("billing.refund", Progress::Explained),
        &staff("billing-agent"),
    );
    assert_eq!(d.outcome(), Outcome::Authorize);
    assert_eq!(d.authority(), Some(Authority::Authorized));
    assert_eq!(d.rank(), Some("supervisor"));
    assert_eq!(d.department(), Some("billing"));
    assert_eq!(d.message_id(), "handover.authorize");
    assert_eq!(
        d.text(),
        handover_text("authorize", "en").replace("{rank}", "supervisor")
    );
}

#[test]
fn r4_3_premium_refund_rule_overrides_the_authority() {
    let c = contact("billing.refund", Progress::Explained).with_fact("plan", "premium");
    let d = engine().decide(&c, &staff("billing-agent"));
    assert_eq!(d.outcome(), Outcome::Answer);
    assert_eq!(d.authority(), Some(Authority::Own));
    assert_eq!(d.rule(), Some("premium-refund"));
    assert_eq!(d.message_id(), "refund-granted");
    // The rule names the billing department: support still routes there.
    let d = engine().decide(&c, &staff("support-agent"));
    assert_eq!(d.outcome(), Outcome::Route);
    assert_eq!(d.department(), Some("billing"));
    assert_eq!(d.rule(), None);
    // Without the fact, authorization as usual.
    let d = engine().decide(
        &contact("billing.refund", Progress::Explained).with_fact("plan", "basic"),
        &staff("billing-agent"),
    );
    assert_eq!(d.outcome(), Outcome::Authorize);
}

/// Whether topic pattern `pattern` matches `id`, and how specifically (the README's rule).
fn specificity(pattern: &str, id: &str) -> Option<usize> {
    if pattern == "*" {
        Some(0)
    } else if let Some(prefix) = pattern.strip_suffix(".*") {
        id.strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.'))
            .then_some(prefix.len() + 1)
    } else {
        (pattern == id).then_some(usize::MAX)
    }
}

#[test]
fn r4_3_every_role_on_every_topic_follows_the_authority_procedure() {
    // A small, independent reading of DESIGN.md step 4.3-4.4, checked over the whole example.
    let ranks = &doc().ranks.as_ref().unwrap().order;
    for (role_id, role) in doc().roles.iter() {
        let department = role.department.as_deref().unwrap();
        let rank = rank_index(role.rank.as_deref().unwrap());
        for (topic_id, topic) in doc().topics.iter() {
            let owner = topic.owner.as_deref().unwrap();
            let grant = role
                .authority
                .iter()
                .filter_map(|(p, a)| specificity(p, topic_id).map(|s| (s, *a)))
                .max_by_key(|(s, _)| *s)
                .map(|(_, a)| a);
            let authority = grant.unwrap_or(if department == owner {
                topic.authority.unwrap_or_default()
            } else {
                Authority::Consensual
            });
            let d = engine().decide(&contact(topic_id, Progress::Served), &staff(role_id));
            assert_eq!(d.authority(), Some(authority), "{role_id} on {topic_id}");
            let answer = topic.answer.as_deref().unwrap();
            match authority {
                Authority::Own => {
                    assert_eq!((d.outcome(), d.message_id()), (Outcome::Answer, answer));
                }
                Authority::Consensual => {
                    assert_eq!((d.outcome(), d.department()), (Outcome::Route, Some(owner)));
                }
                Authority::Authorized => {
                    let approver = topic.approver.as_deref().map_or(rank + 1, rank_index);
                    if approver <= rank || approver >= ranks.len() {
                        assert_eq!((d.outcome(), d.message_id()), (Outcome::Answer, answer));
                    } else {
                        assert_eq!(d.outcome(), Outcome::Authorize, "{role_id} on {topic_id}");
                        assert_eq!(d.rank(), Some(ranks[approver].as_str()));
                        assert_eq!(d.department(), Some(department));
                    }
                }
            }
        }
    }
}

/// A policy for the corners of authority the example does not exercise.
const AUTHORITY_POLICY: &str = r#"
[policy]
name = "Authority corners"
revision = "r1"
locales = ["en"]
fallback = "general"

[departments]
support = { name = "Support" }
billing = { name = "Billing" }

[systems.help]
tier = "explains"
where = { web = "https://help.example" }

[topics.general]
owner = "support"
explains = { system = "help", message = "guide" }
answer = "answer"

[topics."email.setup"]
owner = "support"
explains = { system = "help", message = "guide" }
answer = "answer"

[topics."email.webmail"]
owner = "support"
explains = { system = "help", message = "guide" }
answer = "answer"

[topics."billing.refund"]
owner = "billing"
explains = { system = "help", message = "guide" }
answer = "answer"
authority = "authorized"
approver = "supervisor"

[topics."billing.credit"]
owner = "billing"
explains = { system = "help", message = "guide" }
answer = "answer"
authority = "authorized"

[messages.guide]
text.en = "Guide: {where}"

[messages.answer]
text.en = "The answer."

[messages.notice-a]
text.en = "Notice A."

[messages.notice-b]
text.en = "Notice B."

[roles.billing-agent]
department = "billing"
rank = "agent"

[roles.billing-supervisor]
department = "billing"
rank = "supervisor"

[roles.billing-manager]
department = "billing"
rank = "manager"

[roles.specialist]
department = "support"
rank = "agent"
authority = { "email.setup" = "own", "*" = "consensual", "email.*" = "authorized" }

[ranks]
order = ["agent", "supervisor", "manager"]
review_within = "2d"

[handover]
explains.en = "See {system}: {where}"
serves.en = "Use {system}: {where}"
route.en = "Passing you to {department}."
authorize.en = "Asking a {rank}."
escalate.en = "A {rank} takes over."
review.en = "We reply within {within}."

[[rules]]
id = "chat-email-notice"
when = { topic = "email.*", channel = "chat" }
then = { answer = "notice-a" }

[[rules]]
id = "setup-notice"
when = { topic = "email.setup" }
then = { answer = "notice-b" }

[[rules]]
id = "general-to-billing"
when = { topic = "general", progress = "explained", rank = "agent" }
then = { route = "billing" }

[[rules]]
id = "vip-billing"
when = { topic = "billing.*", facts = { vip = true }, department = ["billing", "support"] }
then = { skip_ladder = true }
"#;

static CORNERS: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml_str(AUTHORITY_POLICY).unwrap_or_else(|e| panic!("{e}")));

fn explained(topic: &str) -> Contact {
    Contact::new("c", Channel::Phone)
        .with_topic(topic)
        .with_progress(Progress::Explained)
}

#[test]
fn r4_3_a_responder_at_or_above_the_approver_rank_answers() {
    let e = &*CORNERS;
    let outcome = |role: &str, topic: &str| {
        let d = e.decide(&explained(topic), &staff(role));
        (d.outcome(), d.rank())
    };
    // An explicit approver: below it, authorize; at or above it, answer.
    assert_eq!(
        outcome("billing-agent", "billing.refund"),
        (Outcome::Authorize, Some("supervisor"))
    );
    assert_eq!(
        outcome("billing-supervisor", "billing.refund"),
        (Outcome::Answer, None)
    );
    assert_eq!(
        outcome("billing-manager", "billing.refund"),
        (Outcome::Answer, None)
    );
    // No approver: the rank above the responder, and the top rank answers.
    assert_eq!(
        outcome("billing-agent", "billing.credit"),
        (Outcome::Authorize, Some("supervisor"))
    );
    assert_eq!(
        outcome("billing-supervisor", "billing.credit"),
        (Outcome::Authorize, Some("manager"))
    );
    assert_eq!(
        outcome("billing-manager", "billing.credit"),
        (Outcome::Answer, None)
    );
}

#[test]
fn r4_3_the_most_specific_grant_wins_whatever_its_position() {
    let e = &*CORNERS;
    let decide = |topic: &str| {
        e.decide(
            &explained(topic).with_channel(Channel::Phone),
            &staff("specialist"),
        )
    };
    // The grants are written exact, `*`, prefix: `email.*` beats `*` on webmail, and `*`
    // applies where nothing more specific matches.
    let webmail = decide("email.webmail");
    assert_eq!(webmail.authority(), Some(Authority::Authorized));
    // Support staffs no rank above the specialist's: authorization nobody of the department
    // can give goes to the review, never to a rank nobody holds (R4.3, issue 34).
    assert_eq!((webmail.outcome(), webmail.rank()), (Outcome::Review, None));
    let refund = decide("billing.refund");
    assert_eq!(refund.authority(), Some(Authority::Consensual));
    assert_eq!(
        (refund.outcome(), refund.department()),
        (Outcome::Route, Some("billing"))
    );
    // An explicit grant applies even inside the role's own department.
    let general = e.decide(
        &explained("general").with_progress(Progress::Served),
        &staff("specialist"),
    );
    assert_eq!(general.authority(), Some(Authority::Consensual));
    assert_eq!(general.outcome(), Outcome::Route);

    // Without its rules, the exact grant `own` answers email.setup.
    let mut doc = PolicyDocument::from_toml_str(AUTHORITY_POLICY).unwrap();
    doc.rules.clear();
    let bare = Engine::compile(&doc).unwrap();
    let d = bare.decide(&explained("email.setup"), &staff("specialist"));
    assert_eq!(
        (d.outcome(), d.authority()),
        (Outcome::Answer, Some(Authority::Own))
    );
}

// ---------------------------------------------------------------------------------------------
// Rules: fixed answers for everyone, document order, conditions.
// ---------------------------------------------------------------------------------------------

/// A rule's fixed answer is given by every responder (the contacts here do not ask for a
/// superior: a person asked for one hands over first, see
/// `r3_3_a_superior_is_always_honoured_even_when_a_rule_fixes_the_answer`).
#[test]
fn rules_a_fixed_answer_is_given_by_every_responder() {
    let mut responders: Vec<Responder> = engine().systems().map(Responder::system).collect();
    responders.extend(engine().roles().map(Responder::staff));
    responders.push(Responder::system("unknown-bot"));
    responders.push(Responder::staff("unknown-role"));
    for topic in ["email.setup", "email.webmail"] {
        for progress in Progress::ALL {
            for channel in channels() {
                let c = contact(topic, progress)
                    .with_channel(channel.clone())
                    .with_fact("outage", "email");
                for r in &responders {
                    let d = engine().decide(&c, r);
                    assert_eq!(d.outcome(), Outcome::Answer, "{r} {topic} {channel}");
                    assert_eq!(d.message_id(), "email-outage-notice", "{r} {topic}");
                    assert_eq!(d.rule(), Some("email-outage"));
                }
            }
        }
    }
    // The rule names `email.*` only.
    let c = contact("dns.ping", Progress::Fresh).with_fact("outage", "email");
    let d = engine().decide(&c, &Responder::system("self-diagnosis"));
    assert_eq!(d.message_id(), "dns-ping-guide");
    assert_eq!(d.rule(), None);
}

#[test]
fn rules_are_deterministic_and_apply_in_document_order() {
    let e = &*CORNERS;
    let chat = explained("email.setup").with_channel(Channel::Chat);
    let phone = explained("email.setup");
    let d = e.decide(&chat, &Responder::system("help"));
    assert_eq!(
        (d.message_id(), d.rule()),
        ("notice-a", Some("chat-email-notice"))
    );
    let d = e.decide(&phone, &Responder::system("help"));
    assert_eq!(
        (d.message_id(), d.rule()),
        ("notice-b", Some("setup-notice"))
    );
    // Same input, same decision, every time.
    for _ in 0..3 {
        assert_eq!(
            e.decide(&chat, &staff("specialist")),
            e.decide(&chat, &staff("specialist"))
        );
    }
    // Swap the two rules: on chat, the other one now comes first.
    let mut doc = PolicyDocument::from_toml_str(AUTHORITY_POLICY).unwrap();
    doc.rules.swap(0, 1);
    let swapped = Engine::compile(&doc).unwrap();
    let d = swapped.decide(&chat, &Responder::system("help"));
    assert_eq!(
        (d.message_id(), d.rule()),
        ("notice-b", Some("setup-notice"))
    );
}

#[test]
fn rules_route_to_another_department_under_their_conditions() {
    let e = &*CORNERS;
    let billing = e.departments().find(|d| *d == "billing").unwrap();
    // progress = explained, rank = agent: billing owns `general` for the circumstance.
    let d = e.decide(&explained("general"), &staff("specialist"));
    assert_eq!(
        (d.outcome(), d.department()),
        (Outcome::Route, Some(billing))
    );
    assert_eq!(d.rule(), Some("general-to-billing"));
    let d = e.decide(&explained("general"), &staff("billing-agent"));
    assert_eq!(
        (d.outcome(), d.authority()),
        (Outcome::Answer, Some(Authority::Own))
    );
    assert_eq!(d.rule(), Some("general-to-billing"));
    // Another progress or rank: the topic's own owner.
    let served = explained("general").with_progress(Progress::Served);
    let d = e.decide(&served, &staff("billing-agent"));
    assert_eq!(
        (d.outcome(), d.department(), d.rule()),
        (Outcome::Route, Some("support"), None)
    );
    let d = e.decide(&explained("general"), &staff("billing-supervisor"));
    assert_eq!(
        (d.outcome(), d.department(), d.rule()),
        (Outcome::Route, Some("support"), None)
    );
}

// ---------------------------------------------------------------------------------------------
// Unknown roles, systems and locales: a decision all the same, flagged.
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unknown_role_is_the_lowest_rank_of_no_department() {
    let who = staff("night-shift");
    let d = engine().decide(&contact("email.setup", Progress::Fresh), &who);
    assert!(d.flags().unknown_responder);
    assert_eq!(d.outcome(), Outcome::Redirect);
    let d = engine().decide(&contact("email.setup", Progress::Served), &who);
    assert!(d.flags().unknown_responder);
    assert_eq!(
        (d.outcome(), d.department()),
        (Outcome::Route, Some("support"))
    );
    let d = engine().decide(
        &contact("email.setup", Progress::Served).asking_for_superior(),
        &who,
    );
    assert_eq!(
        (d.outcome(), d.rank(), d.department()),
        (Outcome::Escalate, Some("supervisor"), None)
    );
    // Known roles are not flagged.
    let d = engine().decide(
        &contact("email.setup", Progress::Served),
        &staff("support-agent"),
    );
    assert!(!d.flags().unknown_responder);
}

#[test]
fn an_unknown_system_explains() {
    let d = engine().decide(
        &contact("email.setup", Progress::Fresh),
        &Responder::system("whatsapp-bot"),
    );
    assert!(d.flags().unknown_responder);
    assert_eq!(d.outcome(), Outcome::Answer);
    assert_eq!(d.message_id(), "email-setup-guide");
    assert_eq!(d.system().map(|s| s.tier), Some(Tier::Explains));
}

#[test]
fn locales_fall_back_by_language_then_to_the_default() {
    let default = engine().locales().next().unwrap();
    let by = |locale: &str| {
        engine().decide(
            &contact("email.setup", Progress::Served).with_locale(locale),
            &staff("support-agent"),
        )
    };
    let en = by("en");
    for (asked, got, flagged) in [
        ("en", "en", false),
        ("en-GB", "en", false),
        ("en_US", "en", false),
        ("EN", "en", false),
        ("es-AR", "es", false),
        ("fr", default, true),
        ("", default, true),
    ] {
        let d = by(asked);
        assert_eq!(d.locale(), got, "{asked}");
        assert_eq!(d.flags().locale_fallback, flagged, "{asked}");
        assert_eq!(d.message_id(), en.message_id());
    }
    assert_eq!(by("en-GB").text(), en.text());
    assert_ne!(by("fr").text(), en.text());
    // No locale at all is the default, without a flag: the host said nothing wrong.
    let d = engine().decide(
        &Contact::new("c", Channel::Phone).with_topic("email.setup"),
        &staff("support-agent"),
    );
    assert_eq!((d.locale(), d.flags().locale_fallback), (default, false));
}

#[test]
fn rules_read_boolean_fact_values_as_text_and_match_lists() {
    let e = &*CORNERS;
    let fresh = |topic: &str| Contact::new("c", Channel::Phone).with_topic(topic);
    // `vip = true` in the policy matches the fact value "true"; the department list matches
    // either department.
    let d = e.decide(
        &fresh("billing.refund").with_fact("vip", "true"),
        &staff("billing-agent"),
    );
    assert_eq!(
        (d.outcome(), d.rule()),
        (Outcome::Authorize, Some("vip-billing"))
    );
    assert!(d.flags().ladder_skipped);
    let d = e.decide(
        &fresh("billing.credit").with_fact("vip", "true"),
        &staff("specialist"),
    );
    assert_eq!(
        (d.outcome(), d.rule()),
        (Outcome::Route, Some("vip-billing"))
    );
    // Another value, or a responder the rule does not name: the ladder.
    let d = e.decide(
        &fresh("billing.refund").with_fact("vip", "false"),
        &staff("billing-agent"),
    );
    assert_eq!((d.outcome(), d.rule()), (Outcome::Redirect, None));
    let d = e.decide(
        &fresh("billing.refund").with_fact("vip", "true"),
        &staff("temp"),
    );
    assert_eq!((d.outcome(), d.rule()), (Outcome::Redirect, None));
}
