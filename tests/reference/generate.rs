//! Random *valid* policies, contacts and responders for the differential and property tests.
//!
//! Proptest generates a stream of choices (small integers); the builders below read it with
//! `pick(n)` and turn it into a policy, so shrinking a failing case shrinks the stream towards
//! zeros and a shorter length — towards the smallest policy and contact that still fail.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use unified_message::document::PolicyDocument;
use unified_message::{Channel, Contact, Progress, Responder};

/// Dotted topic ids that share prefixes (`a` / `a.b` / `a.b.c` / `ab`), so that prefix
/// patterns, exact ids and near misses all occur.
pub const TOPIC_POOL: [&str; 8] = ["a", "a.b", "a.b.c", "a.c", "ab", "ab.c", "b", "b.a"];
/// Channels a policy mentions (`sms` is custom).
pub const POLICY_CHANNELS: [&str; 5] = ["phone", "web", "chat", "sms", "email"];
/// Channels a contact arrives on (`kiosk` is custom and unknown to every policy).
pub const CONTACT_CHANNELS: [&str; 6] = ["phone", "web", "chat", "sms", "email", "kiosk"];
pub const LOCALES: [&str; 2] = ["en", "es"];
pub const AUTHORITIES: [&str; 3] = ["own", "consensual", "authorized"];
pub const PROGRESS: [&str; 3] = ["fresh", "explained", "served"];
/// A host value that looks like a placeholder: rendering must insert it literally.
pub const HOST_VALUES: [(&str, &str); 1] = [("name", "{system}{{where}}")];

/// A stream of choices.
pub struct Choices<'a> {
    stream: &'a [u16],
    at: usize,
}

impl<'a> Choices<'a> {
    pub fn new(stream: &'a [u16]) -> Self {
        Choices { stream, at: 0 }
    }

    /// A number in `0..n` (0 once the stream is exhausted).
    pub fn pick(&mut self, n: usize) -> usize {
        let v = self.stream.get(self.at).copied().unwrap_or(0) as usize;
        self.at += 1;
        if n == 0 { 0 } else { v % n }
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.pick(one_in) == 0
    }
}

/// The strategy of a choice stream.
pub fn choices(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u16>> {
    prop::collection::vec(any::<u16>(), len)
}

/// A grant or rule pattern that matches topic `id`: exact, a prefix, or `*`.
fn pattern_for(c: &mut Choices<'_>, id: &str) -> String {
    let segments: Vec<&str> = id.split('.').collect();
    match c.pick(4) {
        0 => id.to_owned(),
        1 if segments.len() > 1 => format!("{}.*", segments[0]),
        2 if segments.len() > 2 => format!("{}.{}.*", segments[0], segments[1]),
        3 => "*".to_owned(),
        _ => id.to_owned(),
    }
}

fn locale_text(locales: &[&str], f: impl Fn(&str) -> String) -> Value {
    let mut m = Map::new();
    for l in locales {
        m.insert((*l).to_owned(), Value::String(f(l)));
    }
    Value::Object(m)
}

/// A message: a single text or 1–3 versions, maybe a channel variant. Tier messages may use
/// `{system}` and `{where}`; answers only the host placeholder `{name}` and literal braces.
fn message(c: &mut Choices<'_>, id: &str, locales: &[&str], tier: bool) -> Value {
    let template = c.pick(4);
    let text = |tag: &str, l: &str| -> String {
        let base = format!("{id}/{tag}/{l}");
        match (tier, template) {
            (true, 1) => format!("{base} {{system}} at {{where}}"),
            (true, 2) => format!("{base} {{{{literal}}}} for {{name}}"),
            (true, 3) => format!("{base} ünï {{where}}."),
            (false, 1) => format!("{base} {{{{x}}}} for {{name}}"),
            (false, 2) => format!("{base} ✓"),
            _ => base,
        }
    };
    let variant = (c.chance(3)).then(|| POLICY_CHANNELS[c.pick(POLICY_CHANNELS.len())]);
    let versions = c.pick(4);
    if versions == 0 {
        let mut m = json!({ "text": locale_text(locales, |l| text("v1", l)) });
        if let Some(ch) = variant {
            m["channels"] = json!({ ch: locale_text(locales, |l| text(&format!("v1-{ch}"), l)) });
        }
        return m;
    }
    let vs: Vec<Value> = (1..=versions)
        .map(|v| {
            let mut ver = json!({ "text": locale_text(locales, |l| text(&format!("v{v}"), l)) });
            if v > 1 {
                ver["change"] = json!(if c.chance(2) {
                    "editorial"
                } else {
                    "substantive"
                });
            }
            if let Some(ch) = variant {
                ver["channels"] =
                    json!({ ch: locale_text(locales, |l| text(&format!("v{v}-{ch}"), l)) });
            }
            ver
        })
        .collect();
    json!({ "versions": vs })
}

/// A random valid policy, as a document.
pub fn policy(stream: &[u16]) -> PolicyDocument {
    let v = policy_json(stream);
    serde_json::from_value(v).expect("the generator writes the document's shape")
}

/// A random valid policy, as JSON.
pub fn policy_json(stream: &[u16]) -> Value {
    let c = &mut Choices::new(stream);
    let locales = &LOCALES[..1 + c.pick(2)];
    let departments: Vec<String> = (0..1 + c.pick(3)).map(|i| format!("d{i}")).collect();
    let ranks: Vec<String> = (0..1 + c.pick(3)).map(|i| format!("r{i}")).collect();

    // Systems: the first explains (the fallback needs one).
    let mut systems = Map::new();
    let mut explaining = Vec::new();
    let mut serving = Vec::new();
    for i in 0..1 + c.pick(4) {
        let id = format!("s{i}");
        let serves = i > 0 && c.chance(2);
        let mut s = json!({ "tier": if serves { "serves" } else { "explains" } });
        if c.chance(2) {
            s["name"] = json!(format!("System {i}"));
        }
        let mut wheres = Map::new();
        for _ in 0..c.pick(3) {
            let ch = POLICY_CHANNELS[c.pick(POLICY_CHANNELS.len())];
            wheres.insert(ch.to_owned(), json!(format!("{id} via {ch}")));
        }
        if !wheres.is_empty() {
            s["where"] = Value::Object(wheres);
        }
        systems.insert(id.clone(), s);
        if serves {
            &mut serving
        } else {
            &mut explaining
        }
        .push(id);
    }

    // Messages: tier messages and answers.
    let tier_messages: Vec<String> = (0..1 + c.pick(4)).map(|i| format!("t{i}")).collect();
    let answers: Vec<String> = (0..1 + c.pick(3)).map(|i| format!("a{i}")).collect();
    let mut messages = Map::new();
    for id in &tier_messages {
        messages.insert(id.clone(), message(c, id, locales, true));
    }
    for id in &answers {
        messages.insert(id.clone(), message(c, id, locales, false));
    }

    // Topics: 1–6 ids of the pool; the first is the fallback and always explained.
    let start = c.pick(TOPIC_POOL.len());
    let mut ids: Vec<&str> = Vec::new();
    for k in 0..TOPIC_POOL.len() {
        let id = TOPIC_POOL[(start + k) % TOPIC_POOL.len()];
        if ids.is_empty() || c.chance(2) {
            ids.push(id);
        }
        if ids.len() == 6 {
            break;
        }
    }
    let mut topics = Map::new();
    for (i, id) in ids.iter().enumerate() {
        let mut t = json!({
            "owner": departments[c.pick(departments.len())],
            "answer": answers[c.pick(answers.len())],
        });
        if i == 0 || c.pick(4) > 0 {
            t["explains"] = json!({
                "system": explaining[c.pick(explaining.len())],
                "message": tier_messages[c.pick(tier_messages.len())],
            });
        }
        if !serving.is_empty() && c.chance(2) {
            t["serves"] = json!({
                "system": serving[c.pick(serving.len())],
                "message": tier_messages[c.pick(tier_messages.len())],
            });
        }
        if c.chance(2) {
            t["authority"] = json!(AUTHORITIES[c.pick(3)]);
        }
        if c.chance(3) {
            t["approver"] = json!(ranks[c.pick(ranks.len())]);
        }
        topics.insert((*id).to_owned(), t);
    }

    // Roles with grants by pattern.
    let mut roles = Map::new();
    let role_ids: Vec<String> = (0..c.pick(5)).map(|i| format!("role{i}")).collect();
    for id in &role_ids {
        let mut grants = Map::new();
        for _ in 0..c.pick(4) {
            let t = ids[c.pick(ids.len())];
            let p = pattern_for(c, t);
            grants.insert(p, json!(AUTHORITIES[c.pick(3)]));
        }
        roles.insert(
            id.clone(),
            json!({
                "department": departments[c.pick(departments.len())],
                "rank": ranks[c.pick(ranks.len())],
                "authority": grants,
            }),
        );
    }

    // Rules with random conditions and effects.
    let mut rules = Vec::new();
    for i in 0..c.pick(5) {
        let mut when = Map::new();
        if c.chance(2) {
            let list: Vec<String> = (0..1 + c.pick(2))
                .map(|_| {
                    let t = ids[c.pick(ids.len())];
                    pattern_for(c, t)
                })
                .collect();
            when.insert("topic".into(), json!(list));
        }
        if c.chance(4) {
            let list: Vec<&str> = (0..1 + c.pick(2))
                .map(|_| POLICY_CHANNELS[c.pick(POLICY_CHANNELS.len())])
                .collect();
            when.insert("channel".into(), json!(list));
        }
        if c.chance(4) {
            when.insert(
                "department".into(),
                json!(departments[c.pick(departments.len())]),
            );
        }
        if !role_ids.is_empty() && c.chance(5) {
            when.insert("role".into(), json!(role_ids[c.pick(role_ids.len())]));
        }
        if c.chance(5) {
            when.insert("rank".into(), json!([ranks[c.pick(ranks.len())]]));
        }
        if c.chance(4) {
            let list: Vec<&str> = (0..1 + c.pick(2)).map(|_| PROGRESS[c.pick(3)]).collect();
            when.insert("progress".into(), json!(list));
        }
        let mut facts = Map::new();
        for _ in 0..c.pick(3) {
            let key = ["k1", "k2"][c.pick(2)];
            let values: Vec<String> = (0..1 + c.pick(2))
                .map(|_| format!("v{}", 1 + c.pick(3)))
                .collect();
            facts.insert(key.to_owned(), json!(values));
        }
        if !facts.is_empty() {
            when.insert("facts".into(), Value::Object(facts));
        }
        let mut then = Map::new();
        if c.chance(4) {
            then.insert("answer".into(), json!(answers[c.pick(answers.len())]));
        }
        if c.chance(3) {
            then.insert("skip_ladder".into(), json!(true));
        }
        if c.chance(3) {
            then.insert("authority".into(), json!(AUTHORITIES[c.pick(3)]));
        }
        if c.chance(4) {
            then.insert(
                "route".into(),
                json!(departments[c.pick(departments.len())]),
            );
        }
        if then.is_empty() {
            then.insert("skip_ladder".into(), json!(true));
        }
        rules.push(json!({ "id": format!("rule{i}"), "when": when, "then": then }));
    }

    let mut dept_map = Map::new();
    for d in &departments {
        let v = if c.chance(2) {
            json!({ "name": format!("Department {d}") })
        } else {
            json!({})
        };
        dept_map.insert(d.clone(), v);
    }
    let mut rank_doc = json!({ "order": ranks });
    match c.pick(4) {
        1 => rank_doc["review_within"] = json!("2d"),
        2 => rank_doc["review_within"] = json!(" 90m "),
        3 => rank_doc["review_within"] = json!("1h30m"),
        _ => {}
    }
    let handover = json!({
        "explains": locale_text(locales, |l| format!("[{l}] explains: {{system}} at {{where}}")),
        "serves": locale_text(locales, |l| format!("[{l}] serves: {{system}} at {{where}}")),
        "route": locale_text(locales, |l| format!("[{l}] route to {{department}}")),
        "authorize": locale_text(locales, |l| format!("[{l}] a {{rank}} of {{department}} authorizes")),
        "escalate": locale_text(locales, |l| format!("[{l}] escalate to {{rank}} in {{department}}")),
        "review": locale_text(locales, |l| format!("[{l}] review within {{within}}, {{name}}")),
    });
    json!({
        "policy": {
            "name": "generated",
            "revision": format!("rev-{}", c.pick(1000)),
            "locales": locales,
            "fallback": ids[0],
            "placeholders": ["name"],
        },
        "departments": dept_map,
        "systems": systems,
        "topics": topics,
        "messages": messages,
        "roles": roles,
        "ranks": rank_doc,
        "handover": handover,
        "rules": rules,
    })
}

/// A random contact for `doc`: known and unknown topics, locales, channels, facts that rules
/// mention and that they don't, progress, a superior asked for.
pub fn contact(c: &mut Choices<'_>, doc: &PolicyDocument) -> Contact {
    let channel = Channel::from(CONTACT_CHANNELS[c.pick(CONTACT_CHANNELS.len())]);
    let mut contact = Contact::new(format!("customer-{}", c.pick(4)), channel);
    let topics: Vec<&str> = doc.topics.keys().collect();
    match c.pick(topics.len() + 4) {
        n if n < topics.len() => contact = contact.with_topic(topics[n]),
        n if n == topics.len() => contact = contact.with_topic("zz.unknown"),
        n if n == topics.len() + 1 => contact = contact.with_topic("a.b.c.d"),
        n if n == topics.len() + 2 => contact = contact.with_text("some words {system}"),
        _ => {}
    }
    let locales = &doc.policy.locales;
    match c.pick(locales.len() + 4) {
        n if n < locales.len() => contact = contact.with_locale(locales[n].as_str()),
        n if n == locales.len() => contact = contact.with_locale("ES"),
        n if n == locales.len() + 1 => contact = contact.with_locale("en-GB"),
        n if n == locales.len() + 2 => contact = contact.with_locale("xx"),
        _ => {}
    }
    contact = contact.with_progress(Progress::ALL[c.pick(3)]);
    for key in ["k1", "k2", "k3"] {
        let v = c.pick(5);
        if v > 0 {
            contact = contact.with_fact(key, format!("v{v}"));
        }
    }
    if c.chance(4) {
        contact = contact.asking_for_superior();
    }
    contact
}

/// Every responder of `doc`, plus an unknown role and an unknown system.
pub fn responders(doc: &PolicyDocument) -> Vec<Responder> {
    doc.roles
        .keys()
        .map(Responder::staff)
        .chain(doc.systems.keys().map(Responder::system))
        .chain([
            Responder::staff("no-such-role"),
            Responder::system("no-such-system"),
        ])
        .collect()
}
