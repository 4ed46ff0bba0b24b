//! A deterministic generator of realistic policies, shared by the benchmarks (`benches/`) and
//! the tests (`tests/generated_policies.rs`, `tests/alloc.rs`), included with
//! `#[path = "../tests/support/generate.rs"] mod generate;`.
//!
//! A policy of `n` topics has about `√n / 2` departments (at least 2), each with three roles
//! (agent, supervisor, manager) and grants by topic pattern; three explaining systems shared by
//! every topic and one serving system per department; topics with keywords in two locales
//! (`es`, `en`), an explaining message (a third of them with three versions — editorial, then
//! substantive — and an `sms` variant), a serving message for every other topic, an answer, and
//! authorities (`own`, some `consensual`, some `authorized` by a supervisor); a global
//! accessibility rule and, per department, an outage rule (topic pattern + fact → fixed answer)
//! and a premium rule (topic pattern + department + fact → authority); the handover texts and
//! style rules of a real policy.
//!
//! Everything is derived from the topic count and a seed, with a fixed pseudo-random sequence
//! (SplitMix64, written out below so that the generated policies never change with a
//! dependency's version): the same call gives the same policy on every machine.

#![allow(
    dead_code,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use unified_message::Authority;
use unified_message::Tier;
use unified_message::document::{
    Change, DepartmentDoc, ForbiddenDoc, HandoverDoc, IdMap, LocaleText, MessageDoc, OneOrMany,
    PolicyDocument, RanksDoc, RoleDoc, RuleDoc, SystemDoc, TierRefDoc, TopicDoc, VersionDoc,
};

/// The sizes every benchmark and test runs over.
pub const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// The seed of [`policy`].
pub const SEED: u64 = 0x5EED_0000_0006;

/// The locales of every generated policy; the first is the default.
pub const LOCALES: [&str; 2] = ["es", "en"];

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, well-studied generator whose output is fixed
/// forever, unlike a library RNG whose sequence may change between versions.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pu", "da", "fe", "gi", "ho", "ja", "bu",
];

/// The made-up product word of topic `i`: four consonant-vowel syllables, unique for
/// `i < 65 536`, never a substring of another topic's word (every word starts on a consonant
/// and has the same length).
pub fn word(i: usize) -> String {
    (0..4)
        .map(|k| SYLLABLES[(i >> (4 * (3 - k))) & 15])
        .collect()
}

/// The number of departments of a policy of `topics` topics.
pub fn department_count(topics: usize) -> usize {
    (topics.isqrt() / 2).max(2)
}

/// The id of department `d`.
pub fn department_id(d: usize) -> String {
    format!("d{d:03}")
}

/// The department that owns topic `i` (topic 0 is `general`, owned by department 0).
pub fn owner_of(i: usize, departments: usize) -> usize {
    i % departments
}

/// The id of topic `i` of a policy of `topics` topics: `general` for 0, else
/// `dNNN.<word>`.
pub fn topic_id(i: usize, topics: usize) -> String {
    if i == 0 {
        "general".to_owned()
    } else {
        let d = owner_of(i, department_count(topics));
        format!("{}.{}", department_id(d), word(i))
    }
}

/// Role ids of department `d`, lowest rank first.
pub fn role_ids(d: usize) -> [String; 3] {
    let id = department_id(d);
    [
        format!("{id}-agent"),
        format!("{id}-supervisor"),
        format!("{id}-manager"),
    ]
}

fn locale_text(es: String, en: String) -> LocaleText {
    let mut t = IdMap::new();
    t.insert("es", es);
    t.insert("en", en);
    t
}

fn plain_message(es: String, en: String) -> MessageDoc {
    let mut m = MessageDoc::default();
    m.text = Some(locale_text(es, en));
    m
}

fn tier_ref(system: &str, message: &str) -> TierRefDoc {
    let mut t = TierRefDoc::default();
    t.system = system.to_owned();
    t.message = message.to_owned();
    t
}

const ES_VERBS: [&str; 6] = [
    "configurar",
    "activar",
    "cancelar",
    "renovar",
    "contratar",
    "revisar",
];
const EN_VERBS: [&str; 6] = ["set up", "activate", "cancel", "renew", "buy", "check"];

/// The explaining message of topic `i`: a third of the topics have three versions (the second
/// editorial, the third substantive) and an `sms` variant.
fn guide(i: usize, w: &str, rng: &mut Rng) -> MessageDoc {
    let es = |v: usize| {
        format!(
            "Para {verb} {w} (revisión {v}), siga los pasos de la guía: compruebe sus datos de acceso, \
             elija la opción {opt} y confirme el cambio; tarda menos de {min} minutos. {{system}} le \
             muestra cada paso con capturas: {{where}}",
            verb = ES_VERBS[i % ES_VERBS.len()],
            opt = i % 9 + 1,
            min = 2 + i % 7,
        )
    };
    let en = |v: usize| {
        format!(
            "To {verb} {w} (revision {v}), follow the guide: check your sign-in details, choose \
             option {opt} and confirm the change; it takes less than {min} minutes. {{system}} \
             shows you every step with screenshots: {{where}}",
            verb = EN_VERBS[i % EN_VERBS.len()],
            opt = i % 9 + 1,
            min = 2 + i % 7,
        )
    };
    if i % 3 != 0 {
        return plain_message(es(1), en(1));
    }
    let mut m = MessageDoc::default();
    for (v, change) in [
        (1, None),
        (2, Some(Change::Editorial)),
        (3, Some(Change::Substantive)),
    ] {
        let mut version = VersionDoc::default();
        version.change = change;
        version.text = locale_text(es(v), en(v));
        if rng.below(2) == 0 || v == 3 {
            version.channels.insert(
                "sms",
                locale_text(
                    format!("{w} v{v}: guía en {{where}}"),
                    format!("{w} v{v}: guide at {{where}}"),
                ),
            );
        }
        m.versions.push(version);
    }
    m
}

/// A policy of `topics` topics (at least 1) from the fixed [`SEED`].
pub fn policy(topics: usize) -> PolicyDocument {
    policy_seeded(topics, SEED)
}

/// A policy of `topics` topics (at least 1) from `seed`.
pub fn policy_seeded(topics: usize, seed: u64) -> PolicyDocument {
    let topics = topics.max(1);
    let mut rng = Rng::new(seed ^ topics as u64);
    let departments = department_count(topics);
    let mut doc = PolicyDocument::default();

    doc.policy.name = Some(format!("Generated policy of {topics} topics"));
    doc.policy.revision = Some(format!("gen-{seed:x}-{topics}"));
    doc.policy.locales = LOCALES.iter().map(|l| (*l).to_owned()).collect();
    doc.policy.fallback = Some("general".to_owned());

    for d in 0..departments {
        let mut dep = DepartmentDoc::default();
        dep.name = Some(format!("Departamento {d}"));
        doc.departments.insert(department_id(d), dep);
    }

    // Systems: three that explain, one that serves per department.
    for (id, name, wheres) in [
        (
            "self-diagnosis",
            "Centro de ayuda",
            &[
                ("web", "https://ayuda.example"),
                ("phone", "IVR, opción 2"),
                ("sms", "ayuda.example"),
            ][..],
        ),
        (
            "ivr",
            "Línea informativa",
            &[("phone", "900 100 200, opción 1")][..],
        ),
        (
            "chatbot",
            "Asistente virtual",
            &[("chat", "https://ayuda.example/chat")][..],
        ),
    ] {
        let mut s = SystemDoc::default();
        s.tier = Some(Tier::Explains);
        s.name = Some(name.to_owned());
        for (c, w) in wheres {
            s.where_.insert(*c, (*w).to_owned());
        }
        doc.systems.insert(id, s);
    }
    for d in 0..departments {
        let mut s = SystemDoc::default();
        s.tier = Some(Tier::Serves);
        s.name = Some(format!("Panel {d}"));
        s.where_
            .insert("web", format!("https://panel.example/{}", department_id(d)));
        s.where_.insert("sms", format!("panel.example/{d}"));
        doc.systems.insert(format!("panel-{}", department_id(d)), s);
    }

    // Topics and their messages.
    for i in 0..topics {
        let id = topic_id(i, topics);
        let w = if i == 0 { "ayuda".to_owned() } else { word(i) };
        let d = owner_of(i, departments);
        let mut t = TopicDoc::default();
        t.owner = Some(department_id(d));
        if i > 0 {
            let es_verb = ES_VERBS[i % ES_VERBS.len()];
            let en_verb = EN_VERBS[i % EN_VERBS.len()];
            t.keywords.insert(
                "es",
                vec![
                    format!(r"\b{w}\b"),
                    format!(r"(no puedo |quiero )?{es_verb} (el |la |mi )?{w}"),
                ],
            );
            t.keywords.insert(
                "en",
                vec![
                    format!(r"\b{w}\b"),
                    format!(r"(cannot |can't |want to )?{en_verb} (the |my )?{w}"),
                ],
            );
        }
        let explaining = match i % 7 {
            3 => "ivr",
            5 => "chatbot",
            _ => "self-diagnosis",
        };
        let guide_id = format!("{id}.guide");
        t.explains = Some(tier_ref(explaining, &guide_id));
        doc.messages.insert(guide_id, guide(i, &w, &mut rng));
        if i % 2 == 1 {
            let panel_id = format!("{id}.panel");
            t.serves = Some(tier_ref(&format!("panel-{}", department_id(d)), &panel_id));
            doc.messages.insert(
                panel_id,
                plain_message(
                    format!(
                        "Puede gestionar {w} usted mismo en {{system}}, sección {w}: {{where}}."
                    ),
                    format!("You can manage {w} yourself in {{system}}, under {w}: {{where}}."),
                ),
            );
        }
        let answer_id = format!("{id}.answer");
        t.answer = Some(answer_id.clone());
        doc.messages.insert(
            answer_id,
            plain_message(
                format!(
                    "Revisaremos {w} con usted paso a paso hasta que funcione; si el fallo es nuestro, \
                     lo corregimos y actualizamos la guía para que no le vuelva a ocurrir a nadie."
                ),
                format!(
                    "We will go through {w} with you step by step until it works; if the fault is \
                     ours, we fix it and update the guide so that it happens to nobody else."
                ),
            ),
        );
        if i > 0 && i % 10 == 0 {
            t.authority = Some(Authority::Authorized);
            t.approver = Some("supervisor".to_owned());
        } else if i > 0 && i % 13 == 0 {
            t.authority = Some(Authority::Consensual);
        }
        t.severity = Some((rng.below(5) + 1) as f64);
        doc.topics.insert(id, t);
    }

    // Roles: agent, supervisor and manager per department.
    for d in 0..departments {
        let [agent, supervisor, manager] = role_ids(d);
        let own = format!("{}.*", department_id(d));
        let neighbour = format!("{}.*", department_id((d + 1) % departments));
        for (id, rank, grants) in [
            (
                agent,
                "agent",
                vec![
                    ("general".to_owned(), Authority::Own),
                    (neighbour, Authority::Consensual),
                ],
            ),
            (supervisor, "supervisor", vec![(own, Authority::Own)]),
            (manager, "manager", vec![]),
        ] {
            let mut r = RoleDoc::default();
            r.department = Some(department_id(d));
            r.rank = Some(rank.to_owned());
            for (pattern, authority) in grants {
                r.authority.insert(pattern, authority);
            }
            doc.roles.insert(id, r);
        }
    }
    let mut ranks = RanksDoc::default();
    ranks.order = ["agent", "supervisor", "manager"]
        .map(str::to_owned)
        .to_vec();
    ranks.review_within = Some("24h".to_owned());
    doc.ranks = Some(ranks);

    let mut h = HandoverDoc::default();
    h.explains = Some(locale_text(
        "Para darle la información más actualizada y sin esperas, {system} le guía paso a paso: {where}.".to_owned(),
        "To give you the most up-to-date information without any wait, {system} guides you step by step: {where}.".to_owned(),
    ));
    h.serves = Some(locale_text(
        "Puede resolverlo ahora mismo, sin esperas, en {system}: {where}.".to_owned(),
        "You can sort it out right now, without waiting, in {system}: {where}.".to_owned(),
    ));
    h.route = Some(locale_text(
        "Le paso con {department}, el equipo que mejor puede ayudarle, con todo lo que nos ha contado.".to_owned(),
        "I am passing you to {department}, the team that can help you best, with everything you told us.".to_owned(),
    ));
    h.authorize = Some(locale_text(
        "Solicito ahora la autorización de un {rank}; le avisaremos en cuanto la tengamos.".to_owned(),
        "I am requesting authorization from a {rank} now; we will let you know as soon as we have it.".to_owned(),
    ));
    h.escalate = Some(locale_text(
        "Le comunico ahora con un {rank}, con su caso completo.".to_owned(),
        "I am putting you through to a {rank} now, with your full case.".to_owned(),
    ));
    h.review = Some(locale_text(
        "Revisaremos su conversación completa y le responderemos dentro de {within}.".to_owned(),
        "We will review your whole conversation and reply within {within}.".to_owned(),
    ));
    h.changed = Some(locale_text(
        "El procedimiento ha cambiado; entonces le indicamos: «{previous}».".to_owned(),
        "The procedure has changed; at that time we told you: “{previous}”.".to_owned(),
    ));
    doc.handover = Some(h);

    for (pattern, why) in [
        ("(?i)eso no nos compete", "frase de exclusión (R2.3)"),
        (
            "(?i)not (my|our) (department|problem)",
            "exclusion phrase (R2.3)",
        ),
        ("(?i)no hay nadie m[aá]s", "siempre hay un superior (R3.3)"),
        (
            "(?i)\\bi (don.t|do not) know\\b",
            "point to the explaining system (R0.9)",
        ),
    ] {
        let mut f = ForbiddenDoc::default();
        f.pattern = pattern.to_owned();
        f.why = why.to_owned();
        doc.style.forbidden.push(f);
    }

    // Rules: accessibility for everyone; per department an outage notice and a premium grant.
    let mut accessibility = RuleDoc::default();
    accessibility.id = Some("accessibility".to_owned());
    accessibility.why = Some("Protocolo de accesibilidad (R2.4)".to_owned());
    accessibility
        .when
        .facts
        .insert("accessibility", OneOrMany::from("true".to_owned()));
    accessibility.then.skip_ladder = Some(true);
    doc.rules.push(accessibility);
    for d in 0..departments {
        let dep = department_id(d);
        let notice = format!("{dep}-outage-notice");
        doc.messages.insert(
            notice.clone(),
            plain_message(
                format!("Estamos resolviendo una incidencia general en {dep}; le avisaremos al terminar."),
                format!("We are fixing a general incident in {dep}; we will let you know when it is over."),
            ),
        );
        let mut outage = RuleDoc::default();
        outage.id = Some(format!("{dep}-outage"));
        outage.when.topic = Some(OneOrMany::from(format!("{dep}.*")));
        outage
            .when
            .facts
            .insert("outage", OneOrMany::from(dep.clone()));
        outage.then.answer = Some(notice);
        doc.rules.push(outage);

        let mut premium = RuleDoc::default();
        premium.id = Some(format!("{dep}-premium"));
        premium.when.topic = Some(OneOrMany::from(format!("{dep}.*")));
        premium.when.department = Some(OneOrMany::from(dep.clone()));
        premium
            .when
            .facts
            .insert("plan", OneOrMany::from("premium".to_owned()));
        premium.then.authority = Some(Authority::Own);
        doc.rules.push(premium);
    }
    doc
}

const FILLER_ES: [&str; 12] = [
    "hola", "buenas", "tardes", "tengo", "una", "duda", "desde", "ayer", "porque", "cuando",
    "intento", "entrar",
];
const FILLER_EN: [&str; 12] = [
    "hello",
    "good",
    "afternoon",
    "i",
    "have",
    "a",
    "question",
    "since",
    "yesterday",
    "because",
    "when",
    "trying",
];

/// A customer's message of about `bytes` bytes in `locale` (`"es"` or `"en"`): ordinary words,
/// with one sentence about topic `topic` (its keyword phrase) in the middle.
pub fn customer_text(topic: usize, bytes: usize, locale: &str, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let (filler, phrase): (&[&str], String) = if locale == "es" {
        (
            &FILLER_ES,
            format!(
                "no puedo {} mi {}",
                ES_VERBS[topic % ES_VERBS.len()],
                word(topic)
            ),
        )
    } else {
        (
            &FILLER_EN,
            format!(
                "cannot {} my {}",
                EN_VERBS[topic % EN_VERBS.len()],
                word(topic)
            ),
        )
    };
    let mut out = String::with_capacity(bytes + 64);
    let mut placed = false;
    while out.len() + phrase.len() < bytes || !placed {
        if !placed && out.len() >= bytes.saturating_sub(phrase.len()) / 2 {
            out.push_str(&phrase);
            out.push_str(". ");
            placed = true;
            continue;
        }
        out.push_str(rng.pick::<&str>(filler));
        out.push(' ');
    }
    while out.len() < bytes {
        out.push_str(rng.pick::<&str>(filler));
        out.push(' ');
    }
    out.truncate(bytes.max(phrase.len()));
    out
}

/// A staff member's draft of about `bytes` bytes, for style screening: ordinary sentences
/// and, when `with_forbidden`, one forbidden phrase near the end.
pub fn draft(bytes: usize, with_forbidden: bool) -> String {
    const SENTENCES: [&str; 4] = [
        "Gracias por escribirnos. ",
        "Hemos revisado su cuenta y todo está en orden. ",
        "Le enviamos los pasos por correo en unos minutos. ",
        "Si lo prefiere, puede hacerlo usted mismo desde el panel. ",
    ];
    let mut out = String::with_capacity(bytes + 64);
    let mut i = 0;
    while out.len() < bytes.saturating_sub(40) {
        out.push_str(SENTENCES[i % SENTENCES.len()]);
        i += 1;
    }
    if with_forbidden {
        out.push_str("Lo siento, eso no nos compete. ");
    }
    while out.len() < bytes {
        out.push(' ');
    }
    out
}

/// `count` contacts and responders spread over `engine`'s whole policy (any policy, the
/// example included): every topic, progress, locale, staff role and system, some channels,
/// and the facts the generated rules read (`plan`, `accessibility`, `outage`) now and then.
/// What a busy support platform asks, in a fixed pseudo-random order.
pub fn workload(
    engine: &unified_message::Engine,
    count: usize,
    seed: u64,
) -> Vec<(unified_message::Contact, unified_message::Responder)> {
    use unified_message::{Channel, Contact, Progress, Responder};
    let mut rng = Rng::new(seed);
    let topics: Vec<&str> = engine.topics().collect();
    let roles: Vec<&str> = engine.roles().collect();
    let systems: Vec<&str> = engine.systems().collect();
    let locales: Vec<&str> = engine.locales().collect();
    let departments: Vec<&str> = engine.departments().collect();
    let channels = [
        Channel::Phone,
        Channel::Web,
        Channel::Chat,
        Channel::Email,
        Channel::Custom("sms".to_owned()),
    ];
    (0..count)
        .map(|_| {
            let mut c = Contact::new(
                format!("customer-{}", rng.below(100_000)),
                rng.pick(&channels).clone(),
            )
            .with_topic(*rng.pick(&topics))
            .with_locale(*rng.pick(&locales))
            .with_progress(*rng.pick(&Progress::ALL));
            match rng.below(8) {
                0 => c = c.with_fact("plan", "premium"),
                1 => c = c.with_fact("accessibility", "true"),
                2 => c = c.with_fact("outage", *rng.pick(&departments)),
                3 => c = c.asking_for_superior(),
                _ => c = c.with_fact("plan", "basic"),
            }
            let responder = if rng.below(3) == 0 {
                Responder::system(*rng.pick(&systems))
            } else {
                Responder::staff(*rng.pick(&roles))
            };
            (c, responder)
        })
        .collect()
}
