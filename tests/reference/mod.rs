//! A deliberately simple reference implementation of the decision procedure, written straight
//! from the README's "How a decision is made" — no indexes, no interning, no precomputed grant
//! table: it reads the `PolicyDocument` as written, with strings and linear scans.
//!
//! It is only meant for *valid* policies (ones the engine compiles) and for contacts without
//! free text or with text on policies without keywords (triage is tested on its own). The
//! differential tests compare its answer with the engine's on every field of the decision.

#![allow(dead_code)]

pub mod generate;

use unified_message::document::{LocaleText, MessageDoc, PolicyDocument, RuleDoc, TierRefDoc};
use unified_message::{Authority, Contact, Outcome, Progress, Responder, Tier};

/// Every field of a decision, as the README describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefDecision {
    pub outcome: Outcome,
    pub topic: String,
    pub message: String,
    pub version: u32,
    pub locale: String,
    pub text: String,
    pub revision: String,
    pub rule: Option<String>,
    /// `(id, tier, name, where)`.
    pub system: Option<(String, Tier, String, String)>,
    pub department: Option<String>,
    pub rank: Option<String>,
    pub review_within: Option<String>,
    pub authority: Option<Authority>,
    pub system_gap: bool,
    pub fallback_topic: bool,
    pub locale_fallback: bool,
    pub unknown_responder: bool,
    pub ladder_skipped: bool,
}

/// Whether topic pattern `p` matches `id`: `*`, a prefix `a.*` (not `a` itself), or exact.
pub fn pattern_matches(p: &str, id: &str) -> bool {
    if p == "*" {
        return true;
    }
    match p.strip_suffix(".*") {
        Some(prefix) => id.starts_with(&format!("{prefix}.")),
        None => p == id,
    }
}

/// How specific a matching pattern is: `*` < shorter prefix < longer prefix < exact id.
fn specificity(p: &str) -> usize {
    if p == "*" {
        0
    } else if let Some(prefix) = p.strip_suffix(".*") {
        prefix.len() + 1
    } else {
        usize::MAX
    }
}

struct Ctx<'a> {
    doc: &'a PolicyDocument,
    contact: &'a Contact,
    topic: String,
    locale: String,
    d: RefDecision,
}

/// The decision for `contact` answered by `responder`, with `values` for host placeholders.
pub fn decide(
    doc: &PolicyDocument,
    contact: &Contact,
    responder: &Responder,
    values: &[(&str, &str)],
) -> RefDecision {
    // 1. Topic: the contact's, else triage of its text (no keywords here), else the fallback.
    let fallback = doc.policy.fallback.clone().unwrap_or_default();
    let (topic, fallback_topic) = match &contact.topic {
        Some(t) if doc.topics.get(t).is_some() => (t.clone(), false),
        _ => (fallback.clone(), true),
    };
    // Locale: exact (ignoring ASCII case), else its language, else the default (flagged).
    let locales = &doc.policy.locales;
    let find = |l: &str| locales.iter().find(|d| d.eq_ignore_ascii_case(l)).cloned();
    let (locale, locale_fallback) = match &contact.locale {
        None => (locales[0].clone(), false),
        Some(l) => match find(l).or_else(|| find(l.split(['-', '_']).next().unwrap())) {
            Some(found) => (found, false),
            None => (locales[0].clone(), true),
        },
    };
    let mut cx = Ctx {
        doc,
        contact,
        topic: topic.clone(),
        locale: locale.clone(),
        d: RefDecision {
            outcome: Outcome::Answer,
            topic,
            message: String::new(),
            version: 0,
            locale,
            text: String::new(),
            revision: doc.policy.revision.clone().unwrap_or_default(),
            rule: None,
            system: None,
            department: None,
            rank: None,
            review_within: None,
            authority: None,
            system_gap: false,
            fallback_topic,
            locale_fallback,
            unknown_responder: false,
            ladder_skipped: false,
        },
    };
    cx.run(responder);
    cx.render(values);
    cx.d
}

#[derive(Default)]
struct Effects<'a> {
    answer: Option<(&'a str, &'a str)>,
    skip_ladder: Option<&'a str>,
    authority: Option<(Authority, &'a str)>,
    route: Option<(&'a str, &'a str)>,
}

impl<'a> Ctx<'a> {
    fn ranks(&self) -> &'a [String] {
        &self.doc.ranks.as_ref().unwrap().order
    }

    fn rank_pos(&self, rank: &str) -> usize {
        self.ranks().iter().position(|r| r == rank).unwrap()
    }

    /// The role of a known staff responder: `(id, department, rank)`.
    fn role(&self, responder: &Responder) -> Option<(&'a str, &'a str, &'a str)> {
        match responder {
            Responder::Staff(id) => self.doc.roles.iter().find(|(k, _)| k == id).map(|(k, r)| {
                (
                    k,
                    r.department.as_deref().unwrap(),
                    r.rank.as_deref().unwrap(),
                )
            }),
            _ => None,
        }
    }

    fn rule_matches(&self, rule: &RuleDoc, responder: &Responder) -> bool {
        let w = &rule.when;
        let c = self.contact;
        let any = |list: &Option<unified_message::document::OneOrMany<String>>, x: &str| {
            list.as_ref().is_none_or(|l| l.0.iter().any(|v| v == x))
        };
        if let Some(topics) = &w.topic {
            if !topics.0.iter().any(|p| pattern_matches(p, &self.topic)) {
                return false;
            }
        }
        if !any(&w.channel, c.channel.as_str()) {
            return false;
        }
        if w.department.is_some() || w.role.is_some() || w.rank.is_some() {
            // Conditions on the responder hold only for a staff role of the policy.
            let Some((role, department, rank)) = self.role(responder) else {
                return false;
            };
            if !any(&w.department, department) || !any(&w.role, role) || !any(&w.rank, rank) {
                return false;
            }
        }
        if let Some(p) = &w.progress {
            if !p.0.contains(&c.progress) {
                return false;
            }
        }
        w.facts
            .iter()
            .all(|(key, values)| c.facts.get(key).is_some_and(|v| values.0.contains(v)))
    }

    /// Step 2: the matching rules in document order; each effect from the first that has it.
    fn effects(&self, responder: &Responder) -> Effects<'a> {
        let mut fx = Effects::default();
        for rule in &self.doc.rules {
            if !self.rule_matches(rule, responder) {
                continue;
            }
            let id = rule.id.as_deref().unwrap();
            let t = &rule.then;
            if fx.answer.is_none() {
                fx.answer = t.answer.as_deref().map(|m| (m, id));
            }
            if fx.skip_ladder.is_none() && t.skip_ladder == Some(true) {
                fx.skip_ladder = Some(id);
            }
            if fx.authority.is_none() {
                fx.authority = t.authority.map(|a| (a, id));
            }
            if fx.route.is_none() {
                fx.route = t.route.as_deref().map(|d| (d, id));
            }
        }
        fx
    }

    fn set_message(&mut self, outcome: Outcome, id: &str) {
        self.d.outcome = outcome;
        self.d.message = id.to_owned();
        self.d.version = match id.strip_prefix("handover.") {
            Some(_) => 1,
            None => {
                let m = self.doc.messages.get(id).unwrap();
                if m.versions.is_empty() {
                    1
                } else {
                    m.versions.len() as u32
                }
            }
        };
    }

    fn set_system(&mut self, id: &str) {
        let s = self.doc.systems.get(id).unwrap();
        let channel = self.contact.channel.as_str();
        let location = s
            .where_
            .get(channel)
            .or_else(|| s.where_.iter().next().map(|(_, w)| w))
            .cloned()
            .unwrap_or_default();
        self.d.system = Some((
            id.to_owned(),
            s.tier.unwrap(),
            s.name.clone().unwrap_or_else(|| id.to_owned()),
            location,
        ));
    }

    fn run(&mut self, responder: &Responder) {
        let fx = self.effects(responder);
        // A rule's fixed answer, for every responder — except a person asked for a superior,
        // who always hands over (R3.3); the superior then gives the fixed answer.
        let person = matches!(responder, Responder::Staff(_));
        if let Some((m, rule)) = fx.answer {
            if !(person && self.contact.asks_for_superior) {
                self.d.rule = Some(rule.to_owned());
                self.set_message(Outcome::Answer, m);
                return;
            }
        }
        let topic = self.doc.topics.get(&self.topic).unwrap();
        match responder {
            Responder::System(id) => {
                // 3. A system gives the topic's message for its tier (an unknown system is
                // treated as an explaining system); else the other tier's; else the fallback
                // topic's explanation, flagged.
                let tier = match self.doc.systems.get(id) {
                    Some(s) => s.tier.unwrap(),
                    None => {
                        self.d.unknown_responder = true;
                        Tier::Explains
                    }
                };
                let (first, second) = match tier {
                    Tier::Serves => (&topic.serves, &topic.explains),
                    _ => (&topic.explains, &topic.serves),
                };
                let chosen: Option<&TierRefDoc> = first.as_ref().or(second.as_ref());
                let chosen = match chosen {
                    Some(c) => c.clone(),
                    None => {
                        self.d.system_gap = true;
                        let fallback = self.doc.policy.fallback.as_deref().unwrap();
                        let general = self.doc.topics.get(fallback).unwrap();
                        general.explains.clone().unwrap()
                    }
                };
                self.set_system(&chosen.system);
                self.set_message(Outcome::Answer, &chosen.message);
            }
            _ => self.staff(responder, &fx),
        }
    }

    fn staff(&mut self, responder: &Responder, fx: &Effects<'a>) {
        let topic = self.doc.topics.get(&self.topic).unwrap();
        let role = self.role(responder);
        if role.is_none() {
            // An unknown role: the lowest rank of no department.
            self.d.unknown_responder = true;
        }
        let rank = role.map_or(0, |(_, _, r)| self.rank_pos(r));
        let department = role.map(|(_, d, _)| d);
        // 4.1 A superior.
        if self.contact.asks_for_superior {
            // The next rank above that some role of the department holds; for an unknown
            // role, simply the rank above the lowest.
            let next = match department {
                None => self.ranks().get(rank + 1),
                Some(dep) => self.ranks().iter().skip(rank + 1).find(|r| {
                    self.doc.roles.iter().any(|(_, role)| {
                        role.department.as_deref() == Some(dep) && role.rank.as_ref() == Some(*r)
                    })
                }),
            };
            match next {
                Some(next) => {
                    self.d.department = department.map(str::to_owned);
                    self.d.rank = Some(next.clone());
                    self.set_message(Outcome::Escalate, "handover.escalate");
                }
                None => {
                    self.d.review_within = Some(
                        self.doc
                            .ranks
                            .as_ref()
                            .and_then(|r| r.review_within.as_deref())
                            .map_or("24h".to_owned(), |w| w.trim().to_owned()),
                    );
                    self.set_message(Outcome::Review, "handover.review");
                }
            }
            return;
        }
        // 4.2 The ladder.
        if let Some(rule) = fx.skip_ladder {
            self.d.ladder_skipped = true;
            self.d.rule = Some(rule.to_owned());
        } else {
            for (tier, r) in [
                (Tier::Explains, &topic.explains),
                (Tier::Serves, &topic.serves),
            ] {
                let Some(r) = r else { continue };
                let passed = match tier {
                    Tier::Explains => self.contact.progress != Progress::Fresh,
                    _ => self.contact.progress == Progress::Served,
                };
                if !passed {
                    self.set_system(&r.system);
                    let handover = match tier {
                        Tier::Explains => "handover.explains",
                        _ => "handover.serves",
                    };
                    self.set_message(Outcome::Redirect, handover);
                    return;
                }
            }
            self.d.system_gap = true;
        }
        // 4.3 Authority.
        let (owner, owner_rule) = match fx.route {
            Some((d, rule)) => (d, Some(rule)),
            None => (topic.owner.as_deref().unwrap(), None),
        };
        let grant = role.and_then(|(id, _, _)| {
            let r = self.doc.roles.get(id).unwrap();
            r.authority
                .iter()
                .filter(|(p, _)| pattern_matches(p, &self.topic))
                .max_by_key(|(p, _)| specificity(p))
                .map(|(_, a)| *a)
        });
        let (authority, rule) = if let Some((a, rule)) = fx.authority {
            (a, Some(rule))
        } else if let Some(a) = grant {
            (a, owner_rule)
        } else if department == Some(owner) {
            (topic.authority.unwrap_or(Authority::Own), owner_rule)
        } else {
            (Authority::Consensual, owner_rule)
        };
        if self.d.rule.is_none() {
            self.d.rule = rule.map(str::to_owned);
        }
        self.d.authority = Some(authority);
        let answer = topic.answer.as_deref().unwrap();
        match authority {
            Authority::Own => self.set_message(Outcome::Answer, answer),
            Authority::Consensual => {
                self.d.department = Some(owner.to_owned());
                self.set_message(Outcome::Route, "handover.route");
            }
            Authority::Authorized => {
                let approver = match &topic.approver {
                    Some(a) => self.rank_pos(a),
                    None => rank + 1,
                };
                if approver <= rank || approver >= self.ranks().len() {
                    // Already at or above the approver rank: answer.
                    self.set_message(Outcome::Answer, answer);
                } else {
                    // The approver rank if the department staffs it, else the next staffed
                    // rank above it, else the review (R4.3).
                    let dep = department.unwrap_or(owner);
                    let staffed = self.ranks().iter().skip(approver).find(|r| {
                        self.doc.roles.iter().any(|(_, role)| {
                            role.department.as_deref() == Some(dep)
                                && role.rank.as_ref() == Some(*r)
                        })
                    });
                    match staffed {
                        Some(r) => {
                            self.d.department = Some(dep.to_owned());
                            self.d.rank = Some(r.clone());
                            self.set_message(Outcome::Authorize, "handover.authorize");
                        }
                        None => {
                            self.d.review_within = Some(
                                self.doc
                                    .ranks
                                    .as_ref()
                                    .and_then(|r| r.review_within.as_deref())
                                    .map_or("24h".to_owned(), |w| w.trim().to_owned()),
                            );
                            self.set_message(Outcome::Review, "handover.review");
                        }
                    }
                }
            }
        }
    }

    fn locale_text(&self, text: &'a LocaleText) -> String {
        text.get(&self.locale).cloned().unwrap_or_default()
    }

    /// The source text of the decision's message, for its locale and channel.
    fn source(&self) -> String {
        let channel = self.contact.channel.as_str();
        if let Some(kind) = self.d.message.strip_prefix("handover.") {
            let h = self.doc.handover.as_ref().unwrap();
            let text = match kind {
                "explains" => &h.explains,
                "serves" => &h.serves,
                "route" => &h.route,
                "authorize" => &h.authorize,
                "escalate" => &h.escalate,
                "review" => &h.review,
                _ => &h.changed,
            };
            return self.locale_text(text.as_ref().unwrap());
        }
        let m: &MessageDoc = self.doc.messages.get(&self.d.message).unwrap();
        let (text, channels) = match m.versions.last() {
            Some(v) => (&v.text, &v.channels),
            None => (m.text.as_ref().unwrap(), &m.channels),
        };
        match channels.get(channel) {
            Some(variant) => self.locale_text(variant),
            None => self.locale_text(text),
        }
    }

    /// Renders the source: `{{`/`}}` are braces, `{name}` a built-in or a host value, inserted
    /// as is.
    fn render(&mut self, values: &[(&str, &str)]) {
        let source = self.source();
        let mut out = String::new();
        let mut rest = source.as_str();
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("{{") || rest.starts_with("}}") {
                out.push(c);
                rest = &rest[2..];
            } else if c == '{' {
                let end = rest.find('}').unwrap();
                let name = &rest[1..end];
                out.push_str(&self.value(name, values));
                rest = &rest[end + 1..];
            } else {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        self.d.text = out;
    }

    fn value(&self, name: &str, values: &[(&str, &str)]) -> String {
        let d = &self.d;
        match name {
            "system" => d.system.as_ref().map_or(String::new(), |s| s.2.clone()),
            "where" => d.system.as_ref().map_or(String::new(), |s| s.3.clone()),
            "department" => d.department.as_ref().map_or(String::new(), |id| {
                let dep = self.doc.departments.get(id).unwrap();
                dep.name.clone().unwrap_or_else(|| id.clone())
            }),
            "rank" => d.rank.clone().unwrap_or_default(),
            "within" => self
                .doc
                .ranks
                .as_ref()
                .and_then(|r| r.review_within.as_deref())
                .map_or("24h".to_owned(), |w| w.trim().to_owned()),
            other => values
                .iter()
                .find(|(k, _)| *k == other)
                .map_or(String::new(), |(_, v)| (*v).to_owned()),
        }
    }
}

/// The fields of an engine decision that differ from the reference's, in words; empty when
/// they agree on everything.
pub fn differences(e: &unified_message::DecisionRecord, r: &RefDecision) -> Vec<String> {
    let mut out = Vec::new();
    let mut cmp = |what: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{what}: engine {a}, reference {b}"));
        }
    };
    cmp(
        "outcome",
        format!("{:?}", e.outcome),
        format!("{:?}", r.outcome),
    );
    cmp("topic", e.topic.clone(), r.topic.clone());
    cmp("message", e.message.id.clone(), r.message.clone());
    cmp(
        "version",
        e.message.version.to_string(),
        r.version.to_string(),
    );
    cmp("locale", e.message.locale.clone(), r.locale.clone());
    cmp(
        "text",
        format!("{:?}", e.message.text),
        format!("{:?}", r.text),
    );
    cmp("revision", e.revision.clone(), r.revision.clone());
    cmp("rule", format!("{:?}", e.rule), format!("{:?}", r.rule));
    cmp(
        "system",
        format!(
            "{:?}",
            e.system
                .as_ref()
                .map(|s| (s.id.clone(), s.tier, s.name.clone(), s.location.clone()))
        ),
        format!("{:?}", r.system),
    );
    cmp(
        "department",
        format!("{:?}", e.department),
        format!("{:?}", r.department),
    );
    cmp("rank", format!("{:?}", e.rank), format!("{:?}", r.rank));
    cmp(
        "review_within",
        format!("{:?}", e.review_within),
        format!("{:?}", r.review_within),
    );
    cmp(
        "authority",
        format!("{:?}", e.authority),
        format!("{:?}", r.authority),
    );
    let f = e.flags;
    cmp(
        "flags",
        format!(
            "gap={} fallback={} locale={} unknown={} skipped={}",
            f.system_gap,
            f.fallback_topic,
            f.locale_fallback,
            f.unknown_responder,
            f.ladder_skipped
        ),
        format!(
            "gap={} fallback={} locale={} unknown={} skipped={}",
            r.system_gap,
            r.fallback_topic,
            r.locale_fallback,
            r.unknown_responder,
            r.ladder_skipped
        ),
    );
    cmp(
        "previous",
        format!("{:?}", e.previous.is_some()),
        "false".to_owned(),
    );
    out
}
