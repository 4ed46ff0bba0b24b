//! Issue 34: what staff read is what the engine does. Authorization goes to a rank the
//! department staffs (R4.3); the manual, the decision table and the queues say what `decide`
//! does, checked on generated policies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use unified_message::{Channel, Contact, Engine, Outcome, Progress, Responder};

/// A department `d` with agents and managers but no supervisors; topic `t` is `authorized`
/// with no approver (the rank above the responder) or with `approver`.
fn gap_policy(approver: Option<&str>, ranks: &str) -> String {
    let approver = approver.map_or(String::new(), |a| format!("approver = \"{a}\"\n"));
    format!(
        r#"[policy]
name = "Gap"
revision = "1"
locales = ["en"]
fallback = "t"

[departments]
d = {{ name = "D" }}

[systems.help]
tier = "explains"
name = "Help"
where = {{ web = "https://help.example" }}

[topics.t]
owner = "d"
explains = {{ system = "help", message = "guide" }}
answer = "answer"
authority = "authorized"
{approver}
[messages]
guide = {{ text = {{ en = "See {{system}}: {{where}}" }} }}
answer = {{ text = {{ en = "Here is the answer." }} }}

[roles]
d-agent = {{ department = "d", rank = "agent" }}
d-manager = {{ department = "d", rank = "manager" }}

[ranks]
order = [{ranks}]

[handover]
explains = {{ en = "{{system}} explains it: {{where}}" }}
serves = {{ en = "{{system}} does it: {{where}}" }}
route = {{ en = "Passing you to {{department}}." }}
authorize = {{ en = "Asking a {{rank}}." }}
escalate = {{ en = "Passing you to a {{rank}}." }}
review = {{ en = "We review it within {{within}}." }}
"#
    )
}

fn past_systems(topic: &str) -> Contact {
    Contact::new("c", Channel::Phone)
        .with_topic(topic)
        .with_progress(Progress::Served)
}

/// R4.3: with no approver, an agent of a department without supervisors asks a manager (the
/// next staffed rank), not a supervisor nobody holds; `check` warns about the gap.
#[test]
fn r4_3_authorization_goes_to_the_next_staffed_rank() {
    let policy = gap_policy(None, r#""agent", "supervisor", "manager""#);
    let engine = Engine::from_toml_str(&policy).unwrap();
    let d = engine.decide(&past_systems("t"), &Responder::staff("d-agent"));
    assert_eq!(
        (d.outcome(), d.department(), d.rank()),
        (Outcome::Authorize, Some("d"), Some("manager")),
        "{}",
        engine.explain(&past_systems("t"), &Responder::staff("d-agent"))
    );
    let report = engine.check();
    let w = report
        .with_code("approver-unstaffed")
        .next()
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(w.severity, unified_message::Severity::Warning);
    assert!(
        w.message.contains("`supervisor`") && w.message.contains("`manager`"),
        "{w}"
    );
    assert!(w.counterexample.is_some(), "{w}");
    assert!(report.is_clean(), "{report}");
    // The manager, at the top staffed rank, answers.
    let d = engine.decide(&past_systems("t"), &Responder::staff("d-manager"));
    assert_eq!(d.outcome(), Outcome::Answer);
}

/// R4.3: a named approver rank nobody holds: the next staffed rank above it authorizes.
#[test]
fn r4_3_an_unstaffed_approver_rank_passes_to_the_next_staffed_one() {
    let policy = gap_policy(Some("supervisor"), r#""agent", "supervisor", "manager""#);
    let engine = Engine::from_toml_str(&policy).unwrap();
    let d = engine.decide(&past_systems("t"), &Responder::staff("d-agent"));
    assert_eq!(
        (d.outcome(), d.rank()),
        (Outcome::Authorize, Some("manager"))
    );
    assert!(engine.check().has_code("approver-unstaffed"));
}

/// R4.3: nobody from the approver rank up: the review, never a rank nobody holds; `check`
/// keeps the `authorize-dead-end` error.
#[test]
fn r4_3_no_staffed_approver_goes_to_the_review() {
    let policy = gap_policy(Some("director"), r#""agent", "manager", "director""#);
    let engine = Engine::from_toml_str(&policy).unwrap();
    for role in ["d-agent", "d-manager"] {
        let d = engine.decide(&past_systems("t"), &Responder::staff(role));
        assert_eq!(d.outcome(), Outcome::Review, "{role}");
        assert_eq!(d.review_within(), Some("24h"));
        let why = engine
            .explain(&past_systems("t"), &Responder::staff(role))
            .to_string();
        assert!(why.contains("no rank from `director` up"), "{why}");
    }
    let report = engine.check();
    assert!(report.has_code("authorize-dead-end"), "{report}");
}

/// R4.3: a staffed approver rank is asked as before.
#[test]
fn r4_3_a_staffed_approver_is_asked() {
    let policy = gap_policy(None, r#""agent", "manager""#);
    let engine = Engine::from_toml_str(&policy).unwrap();
    let d = engine.decide(&past_systems("t"), &Responder::staff("d-agent"));
    assert_eq!(
        (d.outcome(), d.rank()),
        (Outcome::Authorize, Some("manager"))
    );
    assert!(!engine.check().has_code("approver-unstaffed"));
}

// ---------------------------------------------------------------------------------------------
// D. Generated policies: the manual, the decision table and the queues say what `decide` does.

use proptest::prelude::*;
use unified_message::Step;
use unified_message::queue::Queues;

const DEPTS: [&str; 2] = ["d0", "d1"];
const RANKS: [&str; 3] = ["r0", "r1", "r2"];
const CHANNELS: [&str; 5] = ["phone", "chat", "web", "email", "sms"];

#[derive(Clone, Debug)]
struct Spec {
    /// `(department, rank)` of each role; role `i` is `p{i}`.
    roles: Vec<(usize, usize)>,
    /// Per role: `(topic, authority)` grants.
    grants: Vec<Option<(usize, usize)>>,
    /// Per topic: owner, authority, approver.
    topics: Vec<(usize, usize, Option<usize>)>,
    /// The topics' answers have an `sms` text of their own.
    sms: bool,
    rules: Vec<RuleSpec>,
}

#[derive(Clone, Debug)]
struct RuleSpec {
    topic: usize,
    channel: Option<usize>,
    department: Option<usize>,
    rank: Option<usize>,
    fact: bool,
    /// 0 fixed answer, 1 skip the ladder, 2 authority, 3 route.
    effect: usize,
    value: usize,
}

const AUTHORITIES: [&str; 3] = ["own", "consensual", "authorized"];

fn spec() -> impl Strategy<Value = Spec> {
    let role = (0..2usize, 0..3usize);
    let rule = (
        0..2usize,
        proptest::option::of(0..2usize),
        proptest::option::of(0..2usize),
        proptest::option::of(0..3usize),
        any::<bool>(),
        0..4usize,
        0..3usize,
    )
        .prop_map(
            |(topic, channel, department, rank, fact, effect, value)| RuleSpec {
                topic,
                channel,
                department,
                rank,
                fact,
                effect,
                value,
            },
        );
    (
        proptest::collection::vec(role, 1..5),
        proptest::collection::vec(proptest::option::of((0..2usize, 0..3usize)), 5),
        proptest::collection::vec((0..2usize, 0..3usize, proptest::option::of(0..3usize)), 2),
        any::<bool>(),
        proptest::collection::vec(rule, 0..4),
    )
        .prop_map(|(roles, grants, topics, sms, rules)| Spec {
            roles,
            grants,
            topics,
            sms,
            rules,
        })
}

fn toml(s: &Spec) -> String {
    let mut out = String::from(
        "[policy]\nname = \"Gen\"\nrevision = \"1\"\nlocales = [\"en\"]\nfallback = \"t0\"\n\n\
         [departments]\nd0 = { name = \"Zero\" }\nd1 = { name = \"One\" }\n\n\
         [systems.help]\ntier = \"explains\"\nname = \"Help\"\nwhere = { web = \"https://help.example\", sms = \"help.example\" }\n\n",
    );
    for (t, (owner, authority, approver)) in s.topics.iter().enumerate() {
        out += &format!(
            "[topics.t{t}]\nowner = \"{}\"\nexplains = {{ system = \"help\", message = \"guide\" }}\nanswer = \"a{t}\"\n",
            DEPTS[*owner]
        );
        if *authority != 0 {
            out += &format!("authority = \"{}\"\n", AUTHORITIES[*authority]);
        }
        if let (2, Some(a)) = (authority, approver) {
            out += &format!("approver = \"{}\"\n", RANKS[*a]);
        }
        out += "\n";
    }
    out += "[messages]\nguide = { text = { en = \"See {system}: {where}\" } }\n";
    for t in 0..s.topics.len() {
        if s.sms {
            out += &format!(
                "a{t} = {{ text = {{ en = \"Answer {t}.\" }}, channels = {{ sms = {{ en = \"Answer {t} by sms.\" }} }} }}\n"
            );
        } else {
            out += &format!("a{t} = {{ text = {{ en = \"Answer {t}.\" }} }}\n");
        }
    }
    out += "fixed = { text = { en = \"A fixed answer.\" }, channels = { chat = { en = \"A fixed answer by chat.\" } } }\n\n";
    for (i, (d, r)) in s.roles.iter().enumerate() {
        out += &format!(
            "[roles.p{i}]\ndepartment = \"{}\"\nrank = \"{}\"\n",
            DEPTS[*d], RANKS[*r]
        );
        if let Some(Some((t, a))) = s.grants.get(i) {
            out += &format!("authority = {{ \"t{t}\" = \"{}\" }}\n", AUTHORITIES[*a]);
        }
        out += "\n";
    }
    out += "[ranks]\norder = [\"r0\", \"r1\", \"r2\"]\n\n[handover]\n\
            explains = { en = \"{system} explains it: {where}\" }\n\
            serves = { en = \"{system} does it: {where}\" }\n\
            route = { en = \"Passing you to {department}.\" }\n\
            authorize = { en = \"Asking a {rank}.\" }\n\
            escalate = { en = \"Passing you to a {rank}.\" }\n\
            review = { en = \"We review it within {within}.\" }\n";
    for (i, r) in s.rules.iter().enumerate() {
        let mut when = vec![format!("topic = \"t{}\"", r.topic)];
        if let Some(c) = r.channel {
            when.push(format!("channel = \"{}\"", CHANNELS[c]));
        }
        if let Some(d) = r.department {
            when.push(format!("department = \"{}\"", DEPTS[d]));
        }
        if let Some(k) = r.rank {
            when.push(format!("rank = \"{}\"", RANKS[k]));
        }
        if r.fact {
            when.push("facts = { plan = \"gold\" }".to_owned());
        }
        let then = match r.effect {
            0 => "answer = \"fixed\"".to_owned(),
            1 => "skip_ladder = true".to_owned(),
            2 => format!("authority = \"{}\"", AUTHORITIES[r.value]),
            _ => format!("route = \"{}\"", DEPTS[r.value % 2]),
        };
        out += &format!(
            "\n[[rules]]\nid = \"x{i}\"\nwhen = {{ {} }}\nthen = {{ {then} }}\n",
            when.join(", ")
        );
    }
    out
}

/// What the manual writes for a decision (`outcome_words`), from the decision itself.
fn words(d: &unified_message::Decision<'_>) -> String {
    let name = |id: &str| match id {
        "d0" => "Zero (`d0`)".to_owned(),
        _ => "One (`d1`)".to_owned(),
    };
    match d.outcome() {
        Outcome::Answer => format!("answer with `{}`", d.message_id()),
        Outcome::Route => format!("route to {}", name(d.department().unwrap_or_default())),
        Outcome::Authorize => format!(
            "request authorization from a `{}`",
            d.rank().unwrap_or_default()
        ),
        Outcome::Redirect => format!(
            "redirect to `{}`",
            d.system().map(|s| s.id).unwrap_or_default()
        ),
        Outcome::Escalate => format!("hand over to a `{}`", d.rank().unwrap_or_default()),
        Outcome::Review => "a review".to_owned(),
        _ => String::new(),
    }
}

/// Where the manual says the authority comes from, from `explain`'s steps.
fn source(engine: &Engine, contact: &Contact, role: &str) -> String {
    let x = engine.explain(contact, &Responder::staff(role));
    let Some(authority) = x.decision.authority() else {
        return String::new();
    };
    let a = authority.as_str();
    for step in &x.trail {
        match step {
            Step::RuleAuthority { rule, .. } => return format!("{a} (rule `{rule}`)"),
            Step::Grant { .. } => return format!("{a} (grant `"),
            Step::OwningDepartment { .. } => return format!("{a} (owning department)"),
            Step::OtherDepartment { .. } => return format!("{a} (another department's topic)"),
            _ => {}
        }
    }
    String::new()
}

/// The rows of topic `t`'s "who may answer" table: `(role, channels, authority, what)`; no
/// channels: every channel.
fn who_rows(manual: &str, t: usize) -> Vec<(String, Vec<String>, String, String)> {
    let start = manual
        .find(&format!("### `t{t}`"))
        .unwrap_or_else(|| panic!("no section for t{t}:\n{manual}"));
    let section = &manual[start..];
    let table = &section[section.find("| role |").unwrap()..];
    let table = &table[..table.find("\n\n").unwrap()];
    table
        .lines()
        .skip(2)
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            let (role, channels) = match cells[0].split_once(" (on ") {
                Some((r, rest)) => (
                    r,
                    rest.trim_end_matches(')')
                        .split(", ")
                        .map(str::to_owned)
                        .collect(),
                ),
                None => (cells[0], Vec::new()),
            };
            (
                role.trim_matches('`').to_owned(),
                channels,
                cells[3].to_owned(),
                cells[4].to_owned(),
            )
        })
        .collect()
}

/// The escalation chain the manual gives for department `d` in topic `t`'s section.
fn chain(manual: &str, t: usize, d: &str) -> Vec<String> {
    let start = manual.find(&format!("### `t{t}`")).unwrap();
    let section = &manual[start..];
    let prefix = format!("- {} (`{d}`): ", if d == "d0" { "Zero" } else { "One" });
    let line = section
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no chain for {d} in t{t}:\n{section}"));
    line[prefix.len()..]
        .split(" → ")
        .map(str::to_owned)
        .collect()
}

fn served(t: usize, channel: &str) -> Contact {
    Contact::new("c", Channel::from(channel))
        .with_topic(format!("t{t}"))
        .with_locale("en")
        .with_progress(Progress::Served)
}

fn check_manual(engine: &Engine, s: &Spec) -> Result<(), TestCaseError> {
    let manual = engine.manual(None, "en").unwrap();
    for t in 0..s.topics.len() {
        let rows = who_rows(&manual, t);
        for (i, (d, _)) in s.roles.iter().enumerate() {
            let role = format!("p{i}");
            let mine: Vec<_> = rows.iter().filter(|r| r.0 == role).collect();
            prop_assert!(!mine.is_empty(), "no row for {role} in t{t}:\n{manual}");
            // Every channel is covered by exactly one row, which says what `decide` does.
            for channel in CHANNELS {
                let covering: Vec<_> = mine
                    .iter()
                    .filter(|r| r.1.is_empty() || r.1.iter().any(|c| c == channel))
                    .collect();
                prop_assert_eq!(
                    covering.len(),
                    1,
                    "{} on {} in t{}:\n{}",
                    role,
                    channel,
                    t,
                    manual
                );
                let (_, _, authority, what) = covering[0];
                let contact = served(t, channel);
                let d = engine.decide(&contact, &Responder::staff(&role));
                prop_assert_eq!(
                    what,
                    &words(&d),
                    "{} on {} in t{}:\n{}",
                    role,
                    channel,
                    t,
                    manual
                );
                let want = source(engine, &contact, &role);
                prop_assert!(
                    authority.starts_with(&want),
                    "{role} on {channel} in t{t}: manual says {authority:?}, explain {want:?}:\n{manual}"
                );
                // Quoted texts: what a role that answers delivers on this channel is quoted.
                if d.outcome() == Outcome::Answer {
                    let said = d.text();
                    prop_assert!(
                        manual.contains(&format!("   > {said}\n")),
                        "{role} on {channel} says {said:?}, not quoted:\n{manual}"
                    );
                }
            }
            // The escalation chain of the role's own department.
            let dept = DEPTS[*d];
            let steps = chain(&manual, t, dept);
            let at = steps
                .iter()
                .position(|step| step.contains(&format!("`{role}`")))
                .unwrap_or_else(|| panic!("{role} not in {steps:?}"));
            let angry = served(t, "phone").asking_for_superior();
            let d = engine.decide(&angry, &Responder::staff(&role));
            let next = &steps[at + 1];
            match d.outcome() {
                Outcome::Escalate => prop_assert!(
                    next.starts_with(&format!("{} (", d.rank().unwrap())),
                    "{role}: {steps:?} vs {:?}",
                    d.rank()
                ),
                _ => prop_assert!(next.starts_with("a review"), "{role}: {steps:?}"),
            }
        }
    }
    Ok(())
}

fn check_table_and_queues(engine: &Engine, s: &Spec) -> Result<(), TestCaseError> {
    let table = engine.decision_table();
    for row in &table.rows {
        let channels: Vec<&str> = if row.channels.is_empty() {
            CHANNELS.to_vec()
        } else {
            row.channels.iter().map(String::as_str).collect()
        };
        for channel in channels {
            let mut contact = Contact::new("t", Channel::from(channel))
                .with_topic(row.topic.clone())
                .with_progress(row.progress);
            for (k, v) in &row.facts {
                contact = contact.with_fact(k.clone(), v.clone());
            }
            if row.asks_for_superior {
                contact = contact.asking_for_superior();
            }
            let d = engine.decide(&contact, &row.responder);
            prop_assert_eq!(
                &unified_message::DecisionBrief::from(&d),
                &row.decision,
                "{:?}",
                row
            );
        }
    }
    // Queues: a case goes where `decide` routes a person of no department.
    let mut queues = Queues::new();
    for t in 0..s.topics.len() {
        for channel in CHANNELS {
            for gold in [false, true] {
                let mut contact = served(t, channel);
                if gold {
                    contact = contact.with_fact("plan", "gold");
                }
                let d = engine.decide(&contact, &Responder::staff("nobody"));
                let routed = queues.route(engine, "case", &contact, 1);
                if d.outcome() == Outcome::Route {
                    prop_assert_eq!(Some(routed.department.as_str()), d.department());
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Issue 34: on generated policies, every "who may answer" row, "where to send", "who
    /// authorizes", escalation chain and quoted text of the manual is what `decide` does for
    /// the circumstances it covers; so are the decision table's rows and the queues.
    #[test]
    fn issue34_manual_table_and_queues_agree_with_decide(s in spec()) {
        let policy = toml(&s);
        let engine = match Engine::from_toml_str(&policy) {
            Ok(e) => e,
            Err(e) => return Err(TestCaseError::reject(format!("{e}"))),
        };
        check_manual(&engine, &s)?;
        check_table_and_queues(&engine, &s)?;
    }
}

/// The generator's policies compile (else the property would test nothing).
#[test]
fn issue34_generated_policies_compile() {
    let s = Spec {
        roles: vec![(0, 0), (0, 2), (1, 1)],
        grants: vec![Some((1, 2)), None, None, None, None],
        topics: vec![(0, 2, None), (1, 1, Some(2))],
        sms: true,
        rules: vec![RuleSpec {
            topic: 0,
            channel: Some(0),
            department: Some(1),
            rank: None,
            fact: false,
            effect: 2,
            value: 0,
        }],
    };
    let engine = Engine::from_toml_str(&toml(&s)).unwrap_or_else(|e| panic!("{e}\n{}", toml(&s)));
    check_manual(&engine, &s).unwrap();
    check_table_and_queues(&engine, &s).unwrap();
}

// ---------------------------------------------------------------------------------------------
// C. The manual's statements, point by point, on the example policy with one rule added.

fn example_with(rule: &str) -> Engine {
    let policy = format!("{}\n[[rules]]\n{rule}\n", unified_message::EXAMPLE_POLICY);
    Engine::from_toml_str(&policy).unwrap()
}

/// The "who may answer" section of topic `topic` in `manual`.
fn section<'m>(manual: &'m str, topic: &str) -> &'m str {
    let start = manual.find(&format!("### `{topic}`")).unwrap();
    let rest = &manual[start..];
    &rest[..rest[4..].find("\n### ").map_or(rest.len(), |i| i + 4)]
}

/// Point 1: a rule on one channel gives the role one row per channel group, each what
/// `decide` does there — not the phone's decision claimed for every channel.
#[test]
fn issue34_1_who_may_answer_has_a_row_per_channel_group() {
    let engine = example_with(
        "id = \"sales-phone\"\nwhen = { topic = \"domain.delegation\", channel = \"phone\", department = \"sales\" }\nthen = { authority = \"own\" }",
    );
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "domain.delegation");
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.starts_with("| `sales-agent`"))
        .collect();
    assert_eq!(rows.len(), 2, "{s}");
    assert!(
        rows[0].starts_with("| `sales-agent` (on phone) |") && rows[0].contains("answer with"),
        "{rows:?}"
    );
    assert!(
        !rows[1].contains("phone") && rows[1].contains("chat") && rows[1].contains("route to"),
        "{rows:?}"
    );
    for channel in [Channel::Phone, Channel::Chat] {
        let d = engine.decide(
            &Contact::new("c", channel.clone())
                .with_topic("domain.delegation")
                .with_progress(Progress::Served),
            &Responder::staff("sales-agent"),
        );
        let expected = if channel == Channel::Phone {
            Outcome::Answer
        } else {
            Outcome::Route
        };
        assert_eq!(d.outcome(), expected);
    }
}

/// Point 2: a message's channel texts are quoted after its default text.
#[test]
fn issue34_2_channel_texts_are_quoted() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let manual = engine.manual(Some("billing"), "en").unwrap();
    let contact = Contact::new("c", Channel::from("sms"))
        .with_topic("billing.invoice")
        .with_locale("en");
    let d = engine.decide(&contact, &Responder::system("self-diagnosis"));
    let sms = d.text();
    assert!(
        manual.contains(&format!("   On sms:\n\n   > {sms}\n")),
        "{sms}\n{manual}"
    );
}

/// Point 5: the authority's source is the one `explain` gives (the role's grant), not a
/// `skip_ladder` rule the decision names.
#[test]
fn issue34_5_authority_source_is_the_one_explain_gives() {
    let engine = example_with(
        "id = \"invoice-now\"\nwhen = { topic = \"billing.invoice\" }\nthen = { skip_ladder = true }",
    );
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "billing.invoice");
    let row = s
        .lines()
        .find(|l| l.starts_with("| `billing-agent` |"))
        .unwrap();
    assert!(row.contains("own (grant `billing.invoice`)"), "{row}");
    assert!(!row.contains("invoice-now"), "{row}");
    let d = engine.decide(
        &Contact::new("c", Channel::Phone).with_topic("billing.invoice"),
        &Responder::staff("billing-agent"),
    );
    assert_eq!(d.rule(), Some("invoice-now"));
}

/// Point 6: a rule with no condition that fixes the answer, or the route, is stated.
#[test]
fn issue34_6_unconditional_rules_are_shown() {
    let engine = example_with(
        "id = \"invoices-fixed\"\nwhen = { topic = \"billing.invoice\" }\nthen = { answer = \"general-answer\" }",
    );
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "billing.invoice");
    assert!(s.contains("Rule `invoices-fixed` holds for every contact: every responder, system or person, gives `general-answer`:"), "{s}");
    let d = engine.decide(
        &Contact::new("c", Channel::Chat)
            .with_topic("billing.invoice")
            .with_locale("en"),
        &Responder::system("self-diagnosis"),
    );
    assert!(s.contains(&format!("   > {}\n", d.text())), "{s}");

    let engine = example_with(
        "id = \"invoices-to-sales\"\nwhen = { topic = \"billing.invoice\" }\nthen = { route = \"sales\" }",
    );
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "billing.invoice");
    assert!(s.contains("Rule `invoices-to-sales` holds for every contact: the topic is handled by Ventas (`sales`)"), "{s}");
}

/// Point 7: the company-wide manual gives each department's own chain, as `decide` escalates.
#[test]
fn issue34_7_each_department_has_its_own_chain() {
    let mut policy = unified_message::EXAMPLE_POLICY.to_owned();
    for role in ["sales-supervisor", "sales-manager"] {
        let start = policy.find(&format!("[roles.{role}]")).unwrap();
        let end = start + policy[start..].find("\n\n").unwrap();
        policy.replace_range(start..end, "");
    }
    let engine = Engine::from_toml_str(&policy).unwrap();
    let manual = engine.manual(None, "en").unwrap();
    let s = section(&manual, "email.setup");
    assert!(
        s.contains("- Ventas (`sales`): agent (`sales-agent`) → a review within 24h"),
        "{s}"
    );
    assert!(
        s.contains("- Soporte técnico (`support`): agent (`support-agent`) → supervisor"),
        "{s}"
    );
    let angry = Contact::new("c", Channel::Phone)
        .with_topic("email.setup")
        .asking_for_superior();
    let d = engine.decide(&angry, &Responder::staff("sales-agent"));
    assert_eq!(d.outcome(), Outcome::Review);
}

/// The manual says which circumstances "who may answer" covers: with no facts, where a rule's
/// facts would change the rows (`premium-refund` makes billing's refunds `own` for premium).
#[test]
fn issue34_the_manual_says_which_circumstances_it_covers() {
    let covers = "These rows hold when none of the facts the rules below test applies";
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let manual = engine.manual(Some("billing"), "en").unwrap();
    assert!(section(&manual, "billing.refund").contains(covers));
    let row = section(&manual, "billing.refund")
        .lines()
        .find(|l| l.starts_with("| `billing-agent` |"))
        .unwrap();
    assert!(row.contains("request authorization"), "{row}");
    let premium = Contact::new("c", Channel::Phone)
        .with_topic("billing.refund")
        .with_progress(Progress::Served)
        .with_fact("plan", "premium");
    let d = engine.decide(&premium, &Responder::staff("billing-agent"));
    assert_eq!(d.outcome(), Outcome::Answer);

    let engine = Engine::from_toml_str(&gap_policy(None, r#""agent", "manager""#)).unwrap();
    assert!(!engine.manual(None, "en").unwrap().contains(covers));
}
