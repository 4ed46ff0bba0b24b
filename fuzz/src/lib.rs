//! The bodies of the fuzz targets (issue 7.3), shared by `fuzz/fuzz_targets/*.rs` and by
//! `tests/fuzz_corpus.rs`, which replays the committed corpus as ordinary tests.
//!
//! Each body must never panic on any input, except through its `assert!`s: those are the
//! oracles (a decision agrees with its prepared twin, a record survives JSON, a value is never
//! expanded again), and a failed one is a finding like any crash.

use std::sync::OnceLock;

use unified_message::{Channel, Contact, DecisionRecord, Engine, NoValues, Progress, Responder};

/// Decides a sample of the circumstances of a compiled policy: a few topics × responders ×
/// progress × superior, rendered, with the invariants every decision must keep.
pub fn exercise(engine: &Engine) {
    let mut responders: Vec<Responder> = engine.roles().take(4).map(Responder::staff).collect();
    responders.extend(engine.systems().take(3).map(Responder::system));
    responders.push(Responder::staff("unknown-role"));
    responders.push(Responder::system("unknown-system"));
    let topics: Vec<String> = engine
        .topics()
        .take(4)
        .map(str::to_owned)
        .chain(["no.such.topic".to_owned()])
        .collect();
    for topic in &topics {
        for (i, progress) in Progress::ALL.into_iter().enumerate() {
            let channel = [Channel::Phone, Channel::Web, Channel::from("sms")][i].clone();
            let mut contact = Contact::new("fuzz", channel)
                .with_topic(topic.as_str())
                .with_progress(progress);
            if i == 1 {
                contact = contact.asking_for_superior();
            }
            if let Some(l) = engine.locales().last() {
                contact = contact.with_locale(l);
            }
            for responder in &responders {
                check_decision(engine, &contact, responder);
            }
        }
    }
}

/// One decision and its invariants: total, prepared twin equal, explain equal, the record
/// round-trips through JSON, the revision is the engine's.
pub fn check_decision(engine: &Engine, contact: &Contact, responder: &Responder) {
    let decision = engine.decide(contact, responder);
    let prepared = engine.prepare(contact);
    let key = engine.responder_key(responder);
    assert_eq!(decision, engine.decide_prepared(&prepared, key));
    assert_eq!(decision, engine.explain(contact, responder).decision);
    assert_eq!(decision.revision(), engine.revision());
    let mut text = String::new();
    let _ = decision.render_into(&mut text, &NoValues);
    assert_eq!(text, decision.text());
    let record = decision.to_record();
    let json = serde_json::to_string(&record).unwrap_or_default();
    let back: Result<DecisionRecord, _> = serde_json::from_str(&json);
    assert_eq!(back.ok().as_ref(), Some(&record), "{json}");
}

/// Policy parse + compile from TOML bytes; a compiled policy is then decided.
pub fn policy_toml(data: &[u8]) {
    if let Ok(engine) = Engine::from_toml_slice(data) {
        exercise(&engine);
    }
}

/// Policy parse + compile from JSON bytes; a compiled policy is then decided.
pub fn policy_json(data: &[u8]) {
    if let Ok(engine) = Engine::from_json_slice(data) {
        exercise(&engine);
    }
}

/// The example policy, compiled once.
pub fn example() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(
        || match Engine::from_toml_str(unified_message::EXAMPLE_POLICY) {
            Ok(e) => e,
            Err(e) => panic!("the example policy compiles: {e}"),
        },
    )
}

/// A keyword of the example policy, already folded as written, with its own regex: what
/// triage must find.
pub struct ExampleKeyword {
    topic: String,
    locale: String,
    pattern: String,
    regex: regex::Regex,
}

/// The example policy's keywords that are written folded (lowercase, no accents), so that
/// they can be run alone on the folded text without folding the pattern.
pub fn example_keywords() -> &'static [ExampleKeyword] {
    static KEYWORDS: OnceLock<Vec<ExampleKeyword>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let Ok(doc) = unified_message::document::PolicyDocument::from_toml_str(
            unified_message::EXAMPLE_POLICY,
        ) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (topic, t) in doc.topics.iter() {
            for (locale, patterns) in t.keywords.iter() {
                for pattern in patterns {
                    let plain = pattern
                        .chars()
                        .all(|c| c.is_ascii() && !c.is_ascii_uppercase());
                    if let (true, Ok(regex)) = (plain, regex::Regex::new(pattern)) {
                        out.push(ExampleKeyword {
                            topic: topic.to_owned(),
                            locale: locale.to_owned(),
                            pattern: pattern.clone(),
                            regex,
                        });
                    }
                }
            }
        }
        out
    })
}

/// `decide` on an arbitrary contact (JSON) against the example policy, for every responder.
pub fn decide_contact(data: &[u8]) {
    let Ok(contact) = serde_json::from_slice::<Contact>(data) else {
        return;
    };
    let engine = example();
    let responders = engine
        .roles()
        .map(Responder::staff)
        .chain(engine.systems().map(Responder::system))
        .chain([Responder::staff(""), Responder::system("")]);
    for responder in responders {
        check_decision(engine, &contact, &responder);
    }
}

/// What a template renders to when built-ins and `{name}` are filled once, literally.
fn expected_render(template: &str, value: Option<&str>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{{") || rest.starts_with("}}") {
            out.push(c);
            rest = rest.get(2..).unwrap_or("");
        } else if c == '{' {
            let end = rest.find('}').unwrap_or(rest.len());
            match rest.get(1..end).unwrap_or("") {
                "system" => out.push_str("Sys {where}"),
                "where" => out.push_str("https://w.example/{name}"),
                "name" => out.push_str(value.unwrap_or("")),
                _ => {}
            }
            rest = rest.get(end + 1..).unwrap_or("");
        } else {
            out.push(c);
            rest = rest.get(c.len_utf8()..).unwrap_or("");
        }
    }
    out
}

/// Rendering with arbitrary values: the input is a message template, a NUL byte, and the
/// value of the host placeholder `{name}`. When the template compiles, the rendered text is
/// the template with each placeholder filled once: a value (or a system name) containing
/// `{…}` stays literal.
pub fn render_values(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (template, value) = text.split_once('\0').unwrap_or((&text, ""));
    let policy = serde_json::json!({
        "policy": {"name": "fuzz", "revision": "1", "locales": ["en"], "fallback": "general",
                   "placeholders": ["name"]},
        "departments": {"d": {}},
        "systems": {"s": {"tier": "explains", "name": "Sys {where}",
                          "where": {"web": "https://w.example/{name}"}}},
        "topics": {"general": {"owner": "d", "explains": {"system": "s", "message": "guide"},
                               "answer": "ans"}},
        "messages": {"guide": {"text": {"en": template}}, "ans": {"text": {"en": "ok"}}},
        "ranks": {"order": ["agent"]},
        "handover": {"explains": {"en": "e"}, "serves": {"en": "s"}, "route": {"en": "r"},
                     "authorize": {"en": "a"}, "escalate": {"en": "x"}, "review": {"en": "v"}},
    });
    let Ok(engine) = Engine::from_json_str(&policy.to_string()) else {
        return;
    };
    let contact = Contact::new("fuzz", Channel::Web).with_topic("general");
    let decision = engine.decide(&contact, &Responder::system("s"));
    let values = [("name", value)];
    let mut out = String::new();
    let result = decision.render_into(&mut out, &values.as_slice());
    assert!(result.is_ok());
    assert_eq!(out, expected_render(template, Some(value)));
    let mut without = String::new();
    let missing = decision.render_into(&mut without, &NoValues);
    assert_eq!(
        missing.is_err(),
        template.replace("{{", "").contains("{name}")
    );
    assert_eq!(without, expected_render(template, None));
}

/// `screen` on arbitrary text: the first byte picks the locale, the rest is the draft. Every
/// match is a non-empty span on character boundaries of the draft, with the policy's reason.
pub fn screen_text(data: &[u8]) {
    let (locale, text) = match data.split_first() {
        Some((l, rest)) => (["es", "en", "xx", ""][usize::from(*l) % 4], rest),
        None => ("es", data),
    };
    let text = String::from_utf8_lossy(text);
    for found in example().screen(&text, locale) {
        assert!(found.start < found.end && found.end <= text.len());
        assert_eq!(text.get(found.start..found.end), Some(found.text.as_str()));
        assert!(!found.why.is_empty());
    }
}

/// Three revisions of the example policy: as is, with an editorial version of the refund
/// policy, and then a substantive one.
fn revisions() -> &'static [Engine; 3] {
    static ENGINES: OnceLock<[Engine; 3]> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let base = unified_message::EXAMPLE_POLICY.to_owned();
        let editorial = format!(
            "{}\n[[messages.refund-policy.versions]]\nchange = \"editorial\"\ntext.es = \"Devolución: 30 días.\"\ntext.en = \"Refunds: 30 days.\"\n",
            base.replace("revision = \"2026-11-27\"", "revision = \"r2\"")
        );
        let substantive = format!(
            "{}\n[[messages.refund-policy.versions]]\nchange = \"substantive\"\ntext.es = \"Devolución: 14 días.\"\ntext.en = \"Refunds: 14 days.\"\n",
            editorial.replace("revision = \"r2\"", "revision = \"r3\"")
        );
        [base, editorial, substantive].map(|s| match Engine::from_toml_str(&s) {
            Ok(e) => e,
            Err(e) => panic!("the revisions compile: {e}"),
        })
    })
}

/// Pins against the in-memory store: the input is a sequence of 3-byte steps (revision and
/// customer; topic and channel; responder and progress). The store never fails, a pin always
/// names what was delivered, a moved pin carries a change notice, deciding the same step
/// again keeps what was just pinned, and an older revision meeting a pin of a newer one
/// delivers nothing and changes no pin.
pub fn pins_sequence(data: &[u8]) {
    use unified_message::MemoryPinStore;
    use unified_message::pins::{PinStatus, Timestamp};
    let engines = revisions();
    let store = MemoryPinStore::new();
    let topics: Vec<&str> = engines[0].topics().chain(["no.such.topic"]).collect();
    let responders = [
        Responder::system("self-diagnosis"),
        Responder::system("control-panel"),
        Responder::staff("support-agent"),
        Responder::staff("billing-agent"),
        Responder::staff("billing-supervisor"),
        Responder::staff("nobody"),
    ];
    for (at, step) in data.chunks_exact(3).take(64).enumerate() {
        let (a, b, c) = match step {
            [a, b, c] => (usize::from(*a), usize::from(*b), usize::from(*c)),
            _ => return,
        };
        let engine = &engines[a % 3];
        let channel = [Channel::Chat, Channel::Phone, Channel::from("sms")][(b / 16) % 3].clone();
        let contact = Contact::new(format!("c{}", (a / 3) % 3), channel)
            .with_topic(topics[b % topics.len()])
            .with_locale(["es", "en"][c % 2])
            .with_progress(Progress::ALL[(c / 6) % 3]);
        let responder = &responders[c % responders.len()];
        let now = Timestamp::from_unix_seconds(at as i64);
        let before = store.snapshot();
        let first = match engine.decide_pinned(&contact, responder, &store, now) {
            Ok(p) => p,
            // A pin written by a newer revision (R0.3 across a rolling deploy): nothing is
            // delivered and no pin changes, never the older text.
            Err(e) if e.kind() == unified_message::pins::PinErrorKind::Ahead => {
                assert!(
                    !std::ptr::eq(engine, &engines[2]),
                    "the newest revision is never behind"
                );
                assert_eq!(store.snapshot(), before, "{e}");
                continue;
            }
            Err(e) => panic!("the memory store never fails: {e}"),
        };
        let d = first.decision();
        match first.status() {
            PinStatus::Unpinned => assert!(first.pin().is_none()),
            status => {
                let pin = first.pin().map(|p| (p.message.as_str(), p.version));
                assert_eq!(pin, Some((d.message_id(), d.version())), "{status:?}");
                assert_eq!(
                    status == PinStatus::Moved,
                    d.previous().is_some(),
                    "{status:?}"
                );
            }
        }
        let again = match engine.decide_pinned(&contact, responder, &store, now) {
            Ok(p) => p,
            Err(e) => panic!("the memory store never fails: {e}"),
        };
        assert!(matches!(
            again.status(),
            PinStatus::Kept | PinStatus::Unpinned
        ));
        assert_eq!(again.text(), first.text());
        assert_eq!(again.decision().version(), d.version());
    }
}

/// Triage on arbitrary text: the first byte picks the locale, the rest is the customer's
/// words. The topic is one of the policy's; the confidence is in 0..=1 and above the
/// threshold exactly when keywords decided; every match is the text at its span; and
/// `decide` on the same words lands on the same topic.
pub fn triage_text(data: &[u8]) {
    let (locale, text) = match data.split_first() {
        Some((l, rest)) => (["es", "en", "es-AR", "xx"][usize::from(*l) % 4], rest),
        None => ("es", data),
    };
    let text = String::from_utf8_lossy(text);
    let engine = example();
    let result = engine.triage(&text, locale);
    assert!(engine.topics().any(|t| t == result.topic));
    assert!(
        (0.0..=1.0).contains(&result.confidence),
        "{}",
        result.confidence
    );
    if result.is_fallback() {
        assert_eq!(result.topic, engine.fallback_topic());
    } else {
        assert!(result.confidence >= result.threshold);
        assert_eq!(
            result.candidates.first().map(|c| c.topic.as_str()),
            Some(result.topic.as_str())
        );
    }
    for candidate in &result.candidates {
        for m in &candidate.matches {
            assert_eq!(text.get(m.start..m.end), Some(m.text.as_str()));
        }
    }
    let contact = Contact::new("fuzz", Channel::Chat)
        .with_text(text.as_ref())
        .with_locale(locale);
    let decision = engine.decide(&contact, &Responder::system("self-diagnosis"));
    assert_eq!(decision.topic(), result.topic);
    assert_eq!(decision.flags().fallback_topic, result.is_fallback());
    // A tie is flagged by `decide` as the result reports it (issue 19, "triage ties").
    assert_eq!(decision.flags().ambiguous_topic, result.is_ambiguous());
    assert!(result.ambiguous.len() != 1, "{:?}", result.ambiguous);
    // In the locale triage used (the decision's), every keyword the anchors select agrees
    // with the keyword run alone on the folded text.
    let folded = unified_message::triage::fold_text(&text);
    let mut found: Vec<(&str, &str)> = result
        .candidates
        .iter()
        .flat_map(|c| {
            c.matches
                .iter()
                .map(|m| (c.topic.as_str(), m.pattern.as_str()))
        })
        .collect();
    let mut expected: Vec<(&str, &str)> = example_keywords()
        .iter()
        .filter(|k| k.locale == decision.locale() && k.regex.is_match(&folded))
        .map(|k| (k.topic.as_str(), k.pattern.as_str()))
        .collect();
    found.retain(|(_, p)| example_keywords().iter().any(|k| k.pattern == *p));
    found.sort_unstable();
    expected.sort_unstable();
    if result.truncated {
        // A limit cut triage short (issue 19.7): what it found is right, some may be missing.
        assert!(found.iter().all(|f| expected.contains(f)), "{folded:?}");
    } else {
        assert_eq!(found, expected, "keywords of {folded:?}");
    }
}
