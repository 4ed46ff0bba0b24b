//! Triage (R1.4): keywords compiled per locale, case- and accent-insensitive matching, ranked
//! candidates with the matched words, the threshold and the fallback topic, compile-time
//! validation, and `decide` on free text.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use unified_message::document::{IdMap, PolicyDocument, TriageDoc};
use unified_message::triage::{TriageReason, fold_text};
use unified_message::{Channel, Contact, Engine, PolicyError, Responder, Severity};

fn example() -> PolicyDocument {
    PolicyDocument::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap()
}

/// The example policy with `keywords` for `topic` (every other topic keeps its own).
fn with_keywords(topic: &str, keywords: &[(&str, &[&str])]) -> PolicyDocument {
    let mut doc = example();
    let (_, t) = doc.topics.0.iter_mut().find(|(id, _)| id == topic).unwrap();
    t.keywords = keywords
        .iter()
        .map(|(l, ks)| (*l, ks.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>()))
        .collect::<IdMap<_>>();
    doc
}

fn with_threshold(mut doc: PolicyDocument, threshold: &str) -> PolicyDocument {
    doc.triage = Some(toml::from_str::<TriageDoc>(&format!("threshold = {threshold}")).unwrap());
    doc
}

fn errors(result: Result<Engine, PolicyError>) -> PolicyError {
    result.expect_err("the policy should not compile")
}

#[test]
fn r1_4_matching_ignores_case_and_accents_in_text_and_keywords() {
    // Keywords written with accents and capitals match text without them, and the reverse.
    let doc = with_keywords(
        "dns.ping",
        &[
            ("es", &["sin señal", "Configuración del servidor"]),
            ("en", &["no signal"]),
        ],
    );
    let engine = Engine::compile(&doc).unwrap();
    for text in [
        "mi web: SIN SEÑAL desde ayer",
        "mi web sin senal",
        "Sin Senal",
        "CONFIGURACION DEL SERVIDOR",
        "configuración del servidor",
        "configuracio\u{301}n del servidor", // already decomposed (NFD)
    ] {
        let result = engine.triage(text, "es");
        assert_eq!(result.topic, "dns.ping", "{text}: {result:?}");
        assert_eq!(result.reason, TriageReason::Keywords);
    }
    // The example policy's keywords are written without accents: accented text finds them.
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    assert_eq!(
        engine.triage("Configuración del CORREO", "es").topic,
        "email.setup"
    );
    assert_eq!(
        engine.triage("configuracion del correo", "es").topic,
        "email.setup"
    );
    assert_eq!(fold_text("SEÑAL"), "senal");
}

#[test]
fn r1_4_matches_report_the_keyword_and_the_words_as_written() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let text = "¡Hola! No sé CONFIGURAR EL CORREO en Outlook";
    let result = engine.triage(text, "es");
    assert_eq!(result.topic, "email.setup");
    let best = &result.candidates[0];
    assert_eq!(best.topic, "email.setup");
    assert!(best.matches.len() >= 2, "{best:?}");
    for m in &best.matches {
        // Spans index the original text, accents and case included.
        assert_eq!(&text[m.start..m.end], m.text);
        assert!(!m.pattern.is_empty());
    }
    assert!(
        best.matches
            .iter()
            .any(|m| m.text == "CONFIGURAR EL CORREO")
    );
    assert!(best.matches.iter().any(|m| m.text == "Outlook"));
    // A three-word match weighs more than a one-word one.
    let weight = |w: &str| best.matches.iter().find(|m| m.text == w).unwrap().weight;
    assert!(weight("CONFIGURAR EL CORREO") > weight("Outlook"));
    assert!(result.confidence > 0.0 && result.confidence <= 1.0);
}

#[test]
fn r1_4_candidates_are_ranked_and_share_the_score() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let result = engine.triage(
        "my website is down and I need a refund, I want my money back",
        "en",
    );
    assert_eq!(result.topic, "billing.refund");
    let topics: Vec<&str> = result.candidates.iter().map(|c| c.topic.as_str()).collect();
    assert_eq!(topics, ["billing.refund", "dns.ping"]);
    assert!(result.candidates[0].score > result.candidates[1].score);
    let shares: f64 = result.candidates.iter().map(|c| c.share).sum();
    assert!((shares - 1.0).abs() < 1e-9);
    // The confidence is the best share times how much evidence it has.
    assert!(result.confidence < result.candidates[0].share);
}

#[test]
fn r1_4_overlapping_keywords_of_a_topic_count_once() {
    let doc = with_keywords(
        "billing.invoice",
        &[("en", &["invoice", "wrong invoice", "invoice"])],
    );
    let engine = Engine::compile(&doc).unwrap();
    let result = engine.triage("a wrong invoice", "en");
    let invoice = &result.candidates[0];
    assert_eq!(invoice.matches.len(), 3);
    // "wrong invoice" (1.5) covers "invoice" (1): the stretch counts once, at its heaviest.
    assert_eq!(invoice.score, 1.5);
}

/// Decision "Triage ties" (issue 19): a real tie — the same score, equally specific keywords
/// — is reported ambiguous with the tied topics, for a chatbot to ask which one is meant; the
/// topic is the one mentioned first, so the result stays deterministic, and `decide` flags it.
#[test]
fn r1_4_a_real_tie_is_reported_ambiguous_with_both_topics() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let a = engine.triage("padlock, and also a refund", "en");
    let b = engine.triage("a refund, and also the padlock", "en");
    assert_eq!(a.candidates[0].score, a.candidates[1].score);
    assert_eq!(a.candidates[0].specificity, a.candidates[1].specificity);
    assert!(a.is_ambiguous() && b.is_ambiguous());
    assert_eq!(a.ambiguous, ["ssl.certificate", "billing.refund"]);
    assert_eq!(b.ambiguous, ["billing.refund", "ssl.certificate"]);
    assert_eq!(a.topic, "ssl.certificate");
    assert_eq!(b.topic, "billing.refund");
    // Not settled by the order of the policy: listed the other way round, the same result.
    let mut doc = example();
    doc.topics.0.reverse();
    let reversed = Engine::compile(&doc).unwrap();
    assert_eq!(reversed.triage("padlock, and also a refund", "en"), a);

    // `decide` answers about the topic mentioned first, and flags the ambiguity.
    let bot = Responder::system("self-diagnosis");
    let contact = Contact::new("c", Channel::Chat)
        .with_text("padlock, and also a refund")
        .with_locale("en");
    let decision = engine.decide(&contact, &bot);
    assert_eq!(decision.topic(), "ssl.certificate");
    assert!(decision.flags().ambiguous_topic);
    assert!(!decision.flags().fallback_topic);
    let explanation = engine.explain(&contact, &bot);
    assert!(
        explanation.trail[0].to_string().contains("ambiguous"),
        "{explanation}"
    );
    let json = serde_json::to_string(&decision.flags()).unwrap();
    assert!(json.contains(r#""ambiguous_topic":true"#), "{json}");

    // One topic with better evidence: not ambiguous, not flagged.
    let clear = engine.triage("padlock and certificate, and also a refund", "en");
    assert!(!clear.is_ambiguous(), "{clear:?}");
    let contact = contact.with_text("padlock and certificate, and also a refund");
    assert!(!engine.decide(&contact, &bot).flags().ambiguous_topic);
}

/// Decision "Triage ties" (issue 19): between topics of equal score, the more specific
/// evidence wins. "ERR_CERT_DATE_INVALID" matches `err_cert[a-z_]*` of `ssl.certificate` and
/// `err_[a-z_]+` of `dns.ping`, one word each; the first spells out more of it, so the
/// certificate wins — it went to `dns.ping`, the topic listed first, before.
#[test]
fn r1_4_the_more_specific_evidence_wins() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    for (text, locale) in [
        ("NET::ERR_CERT_DATE_INVALID on my website", "en"),
        ("me sale NET::ERR_CERT_AUTHORITY_INVALID en la tienda", "es"),
    ] {
        let result = engine.triage(text, locale);
        assert_eq!(result.topic, "ssl.certificate", "{text}: {result:?}");
        assert!(!result.is_ambiguous(), "{result:?}");
        let [ssl, dns] = &result.candidates[..] else {
            panic!("{result:?}");
        };
        assert_eq!(
            (ssl.topic.as_str(), dns.topic.as_str()),
            ("ssl.certificate", "dns.ping")
        );
        // Equal scores; the specificity settles it.
        assert_eq!(ssl.score, dns.score);
        assert!(ssl.specificity > dns.specificity, "{result:?}");
        assert_eq!(result.reason, TriageReason::Keywords);
    }
    // Whatever order the policy lists its topics in.
    let mut doc = example();
    doc.topics.0.reverse();
    let reversed = Engine::compile(&doc).unwrap();
    let result = reversed.triage("NET::ERR_CERT_DATE_INVALID on my website", "en");
    assert_eq!(result.topic, "ssl.certificate");
    // And through `decide`, unflagged.
    let contact = Contact::new("c", Channel::Chat)
        .with_text("NET::ERR_CERT_DATE_INVALID on my website")
        .with_locale("en");
    let decision = engine.decide(&contact, &Responder::system("self-diagnosis"));
    assert_eq!(decision.topic(), "ssl.certificate");
    assert!(!decision.flags().ambiguous_topic);
}

/// A plain word is more specific evidence than a pattern that matches the same words by a
/// class: with equal scores, the keyword that spells out the words wins.
#[test]
fn r1_4_specificity_prefers_keywords_that_spell_out_the_words() {
    let mut doc = with_keywords("billing.invoice", &[("en", &["invoice"])]);
    let (_, t) = doc
        .topics
        .0
        .iter_mut()
        .find(|(id, _)| id == "billing.refund")
        .unwrap();
    t.keywords = [("en", vec!["inv[a-z]+".to_owned()])]
        .into_iter()
        .collect::<IdMap<_>>();
    let engine = Engine::compile(&doc).unwrap();
    let result = engine.triage("my invoice", "en");
    assert_eq!(result.topic, "billing.invoice");
    assert_eq!(result.candidates[0].specificity, 1.0);
    // `inv` of "invoice": 3 bytes of 7, in thousandths.
    assert!((result.candidates[1].specificity - 0.428).abs() < 1e-9);
    assert!(!result.is_ambiguous());
}

#[test]
fn r1_4_below_the_threshold_the_fallback_topic_applies_and_says_so() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    assert_eq!(engine.triage_threshold(), 0.3);
    // Three topics, one keyword each: nobody is confident.
    let result = engine.triage("padlock refund webmail", "en");
    assert_eq!(result.candidates.len(), 3);
    assert!(result.confidence < 0.3, "{result:?}");
    assert_eq!(result.reason, TriageReason::BelowThreshold);
    assert!(result.is_fallback());
    assert_eq!(result.topic, engine.fallback_topic());

    let none = engine.triage("good morning", "en");
    assert_eq!(none.reason, TriageReason::NoMatch);
    assert_eq!(none.confidence, 0.0);
    assert!(none.candidates.is_empty());

    // The same text passes with a lower threshold.
    let engine = Engine::compile(&with_threshold(example(), "0.1")).unwrap();
    let result = engine.triage("padlock refund webmail", "en");
    assert_eq!(result.reason, TriageReason::Keywords);
    assert_eq!(result.topic, "ssl.certificate");
}

#[test]
fn r1_4_the_default_threshold_is_documented() {
    let mut doc = example();
    doc.triage = None;
    let engine = Engine::compile(&doc).unwrap();
    assert_eq!(
        engine.triage_threshold(),
        unified_message::triage::DEFAULT_THRESHOLD
    );
}

#[test]
fn r1_4_decide_triages_text_without_a_topic() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let bot = Responder::system("self-diagnosis");
    let contact = Contact::new("c", Channel::Chat)
        .with_text("Quiero que me devolváis el dinero")
        .with_locale("es-AR");
    let decision = engine.decide(&contact, &bot);
    assert_eq!(decision.topic(), "billing.refund");
    assert!(!decision.flags().fallback_topic);
    let explanation = engine.explain(&contact, &bot);
    assert!(
        explanation.trail[0].to_string().contains("triage"),
        "{explanation}"
    );
    assert!(
        explanation.trail[0].to_string().contains("confidence"),
        "{explanation}"
    );

    // Below the threshold: the fallback topic, flagged.
    let vague = Contact::new("c", Channel::Chat)
        .with_text("padlock refund webmail")
        .with_locale("en");
    let decision = engine.decide(&vague, &bot);
    assert_eq!(decision.topic(), engine.fallback_topic());
    assert!(decision.flags().fallback_topic);
    let explanation = engine.explain(&vague, &bot);
    assert!(
        explanation.trail[0].to_string().contains("threshold 0.3"),
        "{explanation}"
    );

    // An explicit topic wins over the text.
    let both = contact.with_topic("ssl.certificate");
    assert_eq!(engine.decide(&both, &bot).topic(), "ssl.certificate");
}

#[test]
fn r1_4_locales_use_their_own_keywords() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    // "factura" is a Spanish keyword; in English it means nothing.
    assert_eq!(engine.triage("factura", "es").topic, "billing.invoice");
    assert_eq!(engine.triage("factura", "en").reason, TriageReason::NoMatch);
    // A regional variant uses its language; an unknown locale the default (`es`).
    assert_eq!(engine.triage("factura", "es-MX").topic, "billing.invoice");
    assert_eq!(engine.triage("factura", "xx").topic, "billing.invoice");
}

#[test]
fn r1_4_compile_validates_the_threshold() {
    for bad in ["1.5", "-0.1", "nan", "inf"] {
        let err = errors(Engine::compile(&with_threshold(example(), bad)));
        let d = err
            .diagnostics()
            .iter()
            .find(|d| d.code == "bad-threshold")
            .unwrap_or_else(|| panic!("{bad}: {err}"));
        assert_eq!(d.path.to_string(), "triage.threshold");
        let shown = format!("`{}`", bad.parse::<f64>().unwrap());
        assert!(d.message.contains(&shown), "{}", d.message);
    }
    for good in ["0", "1", "0.5"] {
        Engine::compile(&with_threshold(example(), good)).unwrap();
    }
}

#[test]
fn r1_4_compile_reports_bad_keywords_once_with_their_path() {
    let doc = with_keywords("ssl.certificate", &[("es", &["ok", "(sin cerrar"])]);
    let err = errors(Engine::compile(&doc));
    let bad: Vec<_> = err.diagnostics().iter().filter(|d| d.is_error()).collect();
    assert_eq!(bad.len(), 1, "{err}");
    assert_eq!(bad[0].code, "bad-regex");
    assert_eq!(
        bad[0].path.to_string(),
        r#"topics."ssl.certificate".keywords.es[1]"#
    );
}

/// R1.4: the keywords of an undeclared locale are checked all the same, so that declaring
/// the locale brings no new error.
#[test]
fn r1_4_keywords_of_an_undeclared_locale_are_checked_too() {
    let doc = with_keywords("ssl.certificate", &[("fr", &["ok", "(sin cerrar"])]);
    let err = errors(Engine::compile(&doc));
    let mut codes: Vec<_> = err
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code.as_str(), d.path.to_string()))
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            (
                "bad-regex",
                r#"topics."ssl.certificate".keywords.fr[1]"#.to_owned()
            ),
            (
                "unknown-locale",
                r#"topics."ssl.certificate".keywords.fr"#.to_owned()
            ),
        ]
    );
}

#[test]
fn r1_4_compile_rejects_keywords_that_cannot_be_folded() {
    let doc = with_keywords("ssl.certificate", &[("es", &["[한]"])]);
    let err = errors(Engine::compile(&doc));
    let d = err
        .diagnostics()
        .iter()
        .find(|d| d.code == "unfoldable-keyword")
        .unwrap();
    assert_eq!(
        d.path.to_string(),
        r#"topics."ssl.certificate".keywords.es[0]"#
    );
    // Outside a class the same character folds into a group and works.
    let doc = with_keywords("ssl.certificate", &[("es", &["한+"])]);
    let engine = Engine::compile(&doc).unwrap();
    assert_eq!(engine.triage("한한", "es").topic, "ssl.certificate");
}

#[test]
fn r1_4_keywords_that_match_empty_text_are_rejected() {
    // Such a keyword would place every inquiry on its topic.
    for keyword in ["(https)?", "x*", "^"] {
        let err = errors(Engine::compile(&with_keywords(
            "ssl.certificate",
            &[("es", &[keyword])],
        )));
        let d = err
            .diagnostics()
            .iter()
            .find(|d| d.code == "keyword-matches-empty")
            .unwrap();
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(
            d.path.to_string(),
            r#"topics."ssl.certificate".keywords.es[0]"#
        );
    }
}

#[test]
fn r1_4_keywords_compile_under_the_engine_size_limit() {
    let err = errors(
        Engine::builder()
            .regex_size_limit(4 * 1024)
            .compile(&example()),
    );
    assert!(
        err.has_code("keywords-too-big") || err.has_code("regex-too-big"),
        "{err}"
    );
    // A keyword too big on its own is reported at its path.
    let doc = with_keywords("ssl.certificate", &[("es", &[r"\w{200}"])]);
    let err = errors(Engine::builder().regex_size_limit(64 * 1024).compile(&doc));
    assert!(
        err.diagnostics().iter().any(|d| d
            .path
            .to_string()
            .starts_with(r#"topics."ssl.certificate".keywords.es"#)),
        "{err}"
    );
}

#[test]
fn r1_4_triage_results_serialize() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let result = engine.triage("No puedo entrar al webmail", "es");
    let json = serde_json::to_string(&result).unwrap();
    assert!(json.contains(r#""reason":"keywords""#), "{json}");
    assert!(json.contains(r#""ambiguous":[]"#), "{json}");
    assert!(json.contains(r#""truncated":false"#), "{json}");
    assert!(json.contains(r#""specificity":"#), "{json}");
    // A result written before these fields existed still reads.
    let old: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut old = old.as_object().unwrap().clone();
    old.remove("ambiguous");
    old.remove("truncated");
    let back: unified_message::TriageResult =
        serde_json::from_value(serde_json::Value::Object(old)).unwrap();
    assert!(!back.is_ambiguous() && !back.truncated);
    let back: unified_message::TriageResult = serde_json::from_str(&json).unwrap();
    assert_eq!(back, result);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Triage never panics, its confidence stays in [0, 1], and every span is a slice of the
    /// original text that reads as reported.
    #[test]
    fn r1_4_triage_is_total_on_any_text(text in any::<String>(), locale in "(es|en|xx)") {
        let engine = engine();
        let result = engine.triage(&text, &locale);
        prop_assert!((0.0..=1.0).contains(&result.confidence));
        for c in &result.candidates {
            for m in &c.matches {
                prop_assert_eq!(text.get(m.start..m.end), Some(m.text.as_str()));
            }
        }
    }

    /// Accented, capitalized or decomposed, the same words place the same topic.
    #[test]
    fn r1_4_triage_ignores_case_and_accents(
        words in prop::sample::select(vec![
            "configuración del correo", "devolución", "contraseña del correo", "migración",
            "certificado caducado", "copia de seguridad", "página caída",
        ]),
        upper in any::<bool>(),
    ) {
        use unicode_normalization::UnicodeNormalization;
        let engine = engine();
        let plain = engine.triage(&fold_text(words), "es").topic;
        let text = if upper { words.to_uppercase() } else { words.nfd().collect() };
        prop_assert_eq!(engine.triage(&text, "es").topic, plain);
    }
}

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap())
}

/// Words the keywords and texts of `r1_4_triage_finds_what_each_keyword_finds_alone` are
/// made of: some share prefixes (`pago`, `pagos`), some are inside others (`web`, `webmail`).
const VOCABULARY: [&str; 10] = [
    "factura", "pago", "pagos", "web", "webmail", "correo", "no", "dns", "error", "404",
];

/// A keyword of one of the shapes policies use, over [`VOCABULARY`]: a literal, a whole
/// word, alternatives, an optional part, a small class, a counted class, a repetition. None
/// can match empty text.
fn keyword() -> impl Strategy<Value = String> {
    let word = || prop::sample::select(VOCABULARY.to_vec());
    prop_oneof![
        word().prop_map(str::to_owned),
        word().prop_map(|w| format!(r"\b{w}\b")),
        (word(), word()).prop_map(|(a, b)| format!("({a}|{b})s?")),
        (word(), word()).prop_map(|(a, b)| format!("(no |quiero )?{a} (el |mi )?{b}")),
        word().prop_map(|w| format!("[{}x]{}", &w[..1], &w[1..])),
        Just(r"\d{3}".to_owned()),
        Just(r"[a-z]+mail".to_owned()),
        (word(), word()).prop_map(|(a, b)| format!(r"{a}\W+{b}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// R1.4: triage finds a keyword exactly where the keyword's own regex finds it in the
    /// folded text — the literal anchors that select which keywords to run never lose a
    /// match, and report the same span (the leftmost-first match).
    #[test]
    fn r1_4_triage_finds_what_each_keyword_finds_alone(
        keywords in prop::collection::vec(prop::collection::vec(keyword(), 1..4), 1..5),
        words in prop::collection::vec(
            prop::sample::select([VOCABULARY.to_vec(), vec!["el", "mi", "quiero", "xactura", "gmail", "s", ",", "!"]].concat()),
            0..40,
        ),
    ) {
        let text = words.join(" ");
        let mut doc = example();
        for (_, t) in &mut doc.topics.0 {
            t.keywords = IdMap::default();
        }
        let topics: Vec<String> = doc.topics.0.iter().map(|(id, _)| id.clone()).take(keywords.len()).collect();
        for ((_, t), ks) in doc.topics.0.iter_mut().zip(&keywords) {
            t.keywords = [("es", ks.clone())].into_iter().collect::<IdMap<_>>();
        }
        let engine = Engine::compile(&doc).unwrap();
        let mut expected = Vec::new();
        for (topic, ks) in topics.iter().zip(&keywords) {
            for k in ks {
                if let Some(m) = regex::Regex::new(k).unwrap().find(&text) {
                    expected.push((topic.clone(), k.clone(), m.start(), m.end()));
                }
            }
        }
        let mut found: Vec<_> = engine
            .triage(&text, "es")
            .candidates
            .iter()
            .flat_map(|c| c.matches.iter().map(|m| (c.topic.clone(), m.pattern.clone(), m.start, m.end)))
            .collect();
        expected.sort();
        found.sort();
        prop_assert_eq!(found, expected, "text {:?}", text);
    }
}
