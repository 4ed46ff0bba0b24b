//! The service manual per department (R2.2, R2.6), in Markdown, generated from the compiled
//! engine: what the systems say, who may answer and how, the rank chain, the words never to
//! use. The manual's own wording is in Spanish for Spanish locales and in English otherwise;
//! the policy's texts are in the requested locale.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use crate::compile::pattern_specificity;
use crate::decision::{Decision, Outcome};
use crate::engine::{
    ChannelIx, DepartmentIx, Engine, Handover, LocaleIx, MessageIx, RoleIx, Rule, SystemIx,
    TierRef, TopicIx,
};
use crate::model::{Authority, Channel, Contact, Progress, Responder, Tier};
use crate::table::{md_cell, md_code, slug};
use crate::template::Builtin;

/// Why a service manual could not be written: a department or a locale the policy does not
/// declare (the error names the declared ones).
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let err = engine.manual(Some("suport"), "es").unwrap_err();
/// assert!(err.to_string().contains("`support`"));
/// assert_eq!(err.department(), Some("suport"));
///
/// let err = engine.manual(None, "fr").unwrap_err();
/// assert_eq!(err.locale(), Some("fr"));
/// assert!(err.to_string().contains("`es`, `en`"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
// Bounded whatever the policy and the request (issue 19): the name asked for is cut, at most a
// few names are listed, and the suggestion's work has a budget.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown {} `{}`{}; the policy's {} are {}",
    .kind.what(),
    crate::bounded::cut(.kind.asked()),
    self.suggestion(),
    .kind.plural(),
    crate::bounded::list(.known.iter().map(String::as_str))
)]
pub struct ManualError {
    kind: ManualErrorKind,
    known: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ManualErrorKind {
    Department(String),
    Locale(String),
}

impl ManualError {
    /// The department asked for, when it is the department that is unknown.
    pub fn department(&self) -> Option<&str> {
        match &self.kind {
            ManualErrorKind::Department(d) => Some(d),
            ManualErrorKind::Locale(_) => None,
        }
    }

    /// The locale asked for, when it is the locale that the policy does not declare.
    pub fn locale(&self) -> Option<&str> {
        match &self.kind {
            ManualErrorKind::Locale(l) => Some(l),
            ManualErrorKind::Department(_) => None,
        }
    }
}

impl ManualError {
    /// `` (did you mean `NAME`?)`` for the closest known name, or nothing.
    fn suggestion(&self) -> String {
        crate::bounded::Suggester::new(crate::compile::DEFAULT_MAX_SUGGESTION_WORK)
            .closest(self.known.iter().map(String::as_str), self.kind.asked())
            .map_or(String::new(), |k| {
                format!(" (did you mean `{}`?)", crate::bounded::cut(k))
            })
    }
}

impl ManualErrorKind {
    /// What was asked for, as the error names it.
    fn what(&self) -> &'static str {
        match self {
            ManualErrorKind::Department(_) => "department",
            ManualErrorKind::Locale(_) => "locale",
        }
    }

    /// The plural of [`ManualErrorKind::what`].
    fn plural(&self) -> &'static str {
        match self {
            ManualErrorKind::Department(_) => "departments",
            ManualErrorKind::Locale(_) => "locales",
        }
    }

    /// The name asked for.
    fn asked(&self) -> &str {
        match self {
            ManualErrorKind::Department(name) | ManualErrorKind::Locale(name) => name,
        }
    }
}

impl Engine {
    /// The service manual (R2.2, R2.6) in Markdown, for one department (its own topics in
    /// full, then what its staff do with other departments' topics) or, with `None`, for the
    /// whole company. The policy's texts are in `locale` (an empty `locale`: the policy's
    /// default one); the manual's own wording is Spanish for a Spanish locale, else English.
    ///
    /// Per topic: the ladder and what each tier says (system, where, the message text), who
    /// may answer and with what authority, the rank chain up to the review, and the rules
    /// that touch it; then the handover texts, the words never to use with their reasons, and
    /// every rule with its `why`. Headings and an index; the output is deterministic.
    ///
    /// # Errors
    ///
    /// [`ManualError`] when `department` is not in the policy, or `locale` is neither empty
    /// (the default locale) nor a declared locale (matched as a contact's locale is: case
    /// aside, and `es-MX` finds `es`).
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let manual = engine.manual(Some("billing"), "en")?;
    /// assert!(manual.starts_with("# Service manual — Acme Hosting"));
    /// assert!(manual.contains("## Index"));
    /// assert!(manual.contains("`billing.refund`"));
    /// assert!(manual.contains("eso no nos compete"));
    ///
    /// let es = engine.manual(Some("billing"), "es")?;
    /// assert!(es.starts_with("# Manual de atención al cliente — Acme Hosting"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn manual(&self, department: Option<&str>, locale: &str) -> Result<String, ManualError> {
        let dept = match department {
            None => None,
            Some(d) => match self.parts().departments.find(d) {
                Some(i) => Some(i),
                None => {
                    return Err(ManualError {
                        kind: ManualErrorKind::Department(d.to_owned()),
                        known: self.departments().map(str::to_owned).collect(),
                    });
                }
            },
        };
        let (locale_ix, undeclared) = if locale.is_empty() {
            (LocaleIx::new(0), false)
        } else {
            self.locale_ix(Some(locale))
        };
        if undeclared {
            return Err(ManualError {
                kind: ManualErrorKind::Locale(locale.to_owned()),
                known: self.locales().map(str::to_owned).collect(),
            });
        }
        let locale = locale_ix;
        let language = self.parts().locales.id(locale);
        let words =
            if language == "es" || language.starts_with("es-") || language.starts_with("es_") {
                &ES
            } else {
                &EN
            };
        let mut out = String::new();
        let _ = Manual {
            engine: self,
            dept,
            locale,
            w: words,
        }
        .write(&mut out);
        Ok(out)
    }
}

/// The manual's own wording in one language. `{0}`, `{1}` mark arguments.
struct Words {
    title: &'static str,
    generated: &'static str,
    header: &'static str,
    department: &'static str,
    every_department: &'static str,
    intro: &'static str,
    index: &'static str,
    how: &'static str,
    topics: &'static str,
    others: &'static str,
    handover: &'static str,
    ranks: &'static str,
    forbidden: &'static str,
    rules: &'static str,
    how_lines: [&'static str; 5],
    owner: &'static str,
    ladder: &'static str,
    explains: &'static str,
    serves: &'static str,
    person: &'static str,
    message: &'static str,
    who: &'static str,
    who_intro: &'static str,
    approver_above: &'static str,
    approver: &'static str,
    who_header: &'static str,
    grant: &'static str,
    owning: &'static str,
    other_department: &'static str,
    by_rule: &'static str,
    answer_with: &'static str,
    route_to: &'static str,
    authorize_from: &'static str,
    redirect_to: &'static str,
    escalate_to: &'static str,
    review: &'static str,
    superior: &'static str,
    review_within: &'static str,
    touching: &'static str,
    never: &'static str,
    others_intro: &'static str,
    others_header: &'static str,
    handover_intro: &'static str,
    handover_labels: [&'static str; 7],
    ranks_intro: &'static str,
    forbidden_intro: &'static str,
    forbidden_header: &'static str,
    rules_intro: &'static str,
    when: &'static str,
    then: &'static str,
    why: &'static str,
    summary: &'static str,
    or: &'static str,
    topic: &'static str,
    channel: &'static str,
    in_department: &'static str,
    role: &'static str,
    rank: &'static str,
    progress: &'static str,
    fact: &'static str,
    always: &'static str,
    fixed_answer: &'static str,
    skips_ladder: &'static str,
    authority_is: &'static str,
    owner_is: &'static str,
}

const EN: Words = Words {
    title: "Service manual",
    generated: "Generated by unified-message from the policy; edit the policy, not this file.",
    header: "Revision `{0}` · locale `{1}` · {2}.",
    department: "department {0}",
    every_department: "every department",
    intro: "Every channel, chatbot and person gives the texts below for the same circumstance (R0.1): this manual is generated from the same policy the systems run.",
    index: "Index",
    how: "How we answer",
    topics: "Topics",
    others: "Other departments' topics",
    handover: "Handing the customer on",
    ranks: "The rank chain",
    forbidden: "Words and phrases never to use",
    rules: "Rules",
    how_lines: [
        "**The ladder (R0.4).** The first contact is always a system that explains; then a system that serves; a person last.",
        "**A person reached too early (R0.5)** does not answer in the systems' place: they point the customer to the system with the handover text of this manual, framed as the customer's benefit.",
        "**Systems exhausted (R0.6, R0.9).** A person answers with the canonical answer below, and reports the gap so that the system gets fixed.",
        "**Authority (R4.3).** `own`: answer now. `consensual`: route to the owning department, with everything the customer said. `authorized`: request the approver's authorization and follow it up.",
        "**There is always a superior (R3.3).** A customer who asks for one gets the next rank; above the top rank, a review of the whole conversation.",
    ],
    owner: "Owner: {0}.",
    ladder: "The ladder",
    explains: "A system that explains",
    serves: "A system that serves",
    person: "A person",
    message: "once the customer has been through every system above.",
    who: "Who may answer",
    who_intro: "The owning department answers with authority `{0}`{1}; other departments route to it unless a grant says otherwise (R0.2, R4.3). Once the systems are exhausted:",
    approver_above: " (approver: the rank above the responder)",
    approver: " (approver: `{0}`)",
    who_header: "| role | department | rank | authority | what they do |",
    grant: "{0} (grant `{1}`)",
    owning: "{0} (owning department)",
    other_department: "{0} (another department's topic)",
    by_rule: "{0} (rule `{1}`)",
    answer_with: "answer with `{0}`",
    route_to: "route to {0}",
    authorize_from: "request authorization from a `{0}`",
    redirect_to: "redirect to `{0}`",
    escalate_to: "hand over to a `{0}`",
    review: "a review",
    superior: "If the customer asks for a superior",
    review_within: "a review within {0}",
    touching: "Rules that touch it",
    never: "Never say any of the [words and phrases never to use](#{0}).",
    others_intro: "You are not expected to know other departments' procedures (R0.2). Before the systems, point the customer to them as for your own topics; once the systems are exhausted:",
    others_header: "| topic | owner | role | authority | what you do |",
    handover_intro: "The same words for the same handover, whoever hands the customer on. `{…}` is filled in for each case.",
    handover_labels: [
        "Pointing to a system that explains (`redirect`)",
        "Pointing to a system that serves (`redirect`)",
        "Routing to the owning department (`route`)",
        "Requesting an authorization (`authorize`)",
        "Handing over to a superior (`escalate`)",
        "Above the top rank (`review`)",
        "When what we said before has changed (change notice)",
    ],
    ranks_intro: "A customer who asks for a superior gets the next rank of the department that answers; above the top rank, the conversation is reviewed and answered within {0} — \"there is nobody else\" is never an answer (R3.3).",
    forbidden_intro: "No message and no person says anything that matches these patterns (R2.3):",
    forbidden_header: "| pattern | why |",
    rules_intro: "Rules apply in this order; for each effect, the first matching rule wins.",
    when: "When",
    then: "Then",
    why: "Why",
    summary: "when {0}, {1}",
    or: " or ",
    topic: "topic {0}",
    channel: "channel {0}",
    in_department: "department {0}",
    role: "role {0}",
    rank: "rank {0}",
    progress: "progress {0}",
    fact: "fact `{0}` is {1}",
    always: "always",
    fixed_answer: "every responder gives the fixed answer `{0}` (a person asked for a superior hands over first, and the superior gives it)",
    skips_ladder: "a person answers without the systems first",
    authority_is: "the authority is `{0}`",
    owner_is: "the owner is {0}",
};

const ES: Words = Words {
    title: "Manual de atención al cliente",
    generated: "Generado por unified-message a partir de la política; edite la política, no este archivo.",
    header: "Revisión `{0}` · idioma `{1}` · {2}.",
    department: "departamento {0}",
    every_department: "todos los departamentos",
    intro: "Todos los canales, chatbots y personas dan los textos de este manual ante la misma circunstancia (R0.1): se genera a partir de la misma política con la que funcionan los sistemas.",
    index: "Índice",
    how: "Cómo respondemos",
    topics: "Temas",
    others: "Temas de otros departamentos",
    handover: "Al derivar al cliente",
    ranks: "La cadena de superiores",
    forbidden: "Palabras y frases que nunca se usan",
    rules: "Reglas",
    how_lines: [
        "**La escalera (R0.4).** El primer contacto es siempre un sistema que explica; después, un sistema que resuelve; una persona, al final.",
        "**Una persona a la que se llega demasiado pronto (R0.5)** no responde en lugar de los sistemas: dirige al cliente al sistema con el texto de derivación de este manual, presentado como lo mejor para el cliente.",
        "**Sistemas agotados (R0.6, R0.9).** Una persona responde con la respuesta canónica de abajo e informa de la carencia para que el sistema se corrija.",
        "**Atribuciones (R4.3).** `own` (propias): responder ya. `consensual` (consensuadas): derivar al departamento responsable, con todo lo que contó el cliente. `authorized` (autorizadas): pedir la autorización del aprobador y hacer el seguimiento.",
        "**Siempre hay un superior (R3.3).** El cliente que lo pide pasa al rango siguiente; por encima del rango más alto, se revisa la conversación completa.",
    ],
    owner: "Responsable: {0}.",
    ladder: "La escalera",
    explains: "Un sistema que explica",
    serves: "Un sistema que resuelve",
    person: "Una persona",
    message: "cuando el cliente ya ha pasado por todos los sistemas anteriores.",
    who: "Quién puede responder",
    who_intro: "El departamento responsable responde con la atribución `{0}`{1}; los demás departamentos le derivan el caso salvo que una atribución diga otra cosa (R0.2, R4.3). Con los sistemas agotados:",
    approver_above: " (aprueba: el rango superior al de quien responde)",
    approver: " (aprueba: `{0}`)",
    who_header: "| rol | departamento | rango | atribución | qué hace |",
    grant: "{0} (atribución `{1}`)",
    owning: "{0} (departamento responsable)",
    other_department: "{0} (tema de otro departamento)",
    by_rule: "{0} (regla `{1}`)",
    answer_with: "responde con `{0}`",
    route_to: "deriva a {0}",
    authorize_from: "pide autorización a un `{0}`",
    redirect_to: "dirige a `{0}`",
    escalate_to: "pasa a un `{0}`",
    review: "una revisión",
    superior: "Si el cliente pide un superior",
    review_within: "una revisión en {0}",
    touching: "Reglas que le afectan",
    never: "No use nunca las [palabras y frases que nunca se usan](#{0}).",
    others_intro: "No se espera que conozca los procedimientos de otros departamentos (R0.2). Antes de los sistemas, dirija al cliente a ellos como en sus propios temas; con los sistemas agotados:",
    others_header: "| tema | responsable | rol | atribución | qué hace |",
    handover_intro: "Las mismas palabras para la misma derivación, la haga quien la haga. `{…}` se completa en cada caso.",
    handover_labels: [
        "Al dirigir a un sistema que explica (`redirect`)",
        "Al dirigir a un sistema que resuelve (`redirect`)",
        "Al derivar al departamento responsable (`route`)",
        "Al pedir una autorización (`authorize`)",
        "Al pasar a un superior (`escalate`)",
        "Por encima del rango más alto (`review`)",
        "Cuando lo que dijimos antes ha cambiado (aviso de cambio)",
    ],
    ranks_intro: "El cliente que pide un superior pasa al rango siguiente del departamento que responde; por encima del rango más alto, la conversación se revisa y se responde en {0}: «no hay nadie más» nunca es una respuesta (R3.3).",
    forbidden_intro: "Ningún mensaje ni ninguna persona dice nada que coincida con estos patrones (R2.3):",
    forbidden_header: "| patrón | por qué |",
    rules_intro: "Las reglas se aplican en este orden; para cada efecto, gana la primera regla que coincide.",
    when: "Cuándo",
    then: "Entonces",
    why: "Por qué",
    summary: "cuando {0}, {1}",
    or: " o ",
    topic: "tema {0}",
    channel: "canal {0}",
    in_department: "departamento {0}",
    role: "rol {0}",
    rank: "rango {0}",
    progress: "progreso {0}",
    fact: "el dato `{0}` es {1}",
    always: "siempre",
    fixed_answer: "todos dan la respuesta fija `{0}` (si el cliente pide un superior, quien atiende lo pasa primero con él, y el superior la da)",
    skips_ladder: "una persona responde sin pasar antes por los sistemas",
    authority_is: "la atribución es `{0}`",
    owner_is: "el responsable es {0}",
};

/// Fills `{0}`, `{1}`, … in `template`, in one pass (an argument is never filled again).
fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        let arg = after
            .get(1..)
            .and_then(|a| a.split_once('}'))
            .and_then(|(n, tail)| Some((args.get(n.parse::<usize>().ok()?)?, tail)));
        match arg {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

struct Manual<'e> {
    engine: &'e Engine,
    dept: Option<DepartmentIx>,
    locale: LocaleIx,
    w: &'static Words,
}

const SEC_HOW: &str = "how-we-answer";
const SEC_TOPICS: &str = "topics";
const SEC_OTHERS: &str = "other-departments-topics";
const SEC_HANDOVER: &str = "handing-the-customer-on";
const SEC_RANKS: &str = "the-rank-chain";
const SEC_FORBIDDEN: &str = "words-and-phrases-never-to-use";
const SEC_RULES: &str = "rules";

impl<'e> Manual<'e> {
    fn department_name(&self, d: DepartmentIx) -> String {
        self.engine
            .parts()
            .departments
            .get(d)
            .map_or_else(String::new, |d| format!("{} (`{}`)", d.name, d.id))
    }

    fn own_topics(&self) -> Vec<TopicIx> {
        let e = self.engine;
        e.parts()
            .topics
            .ixs()
            .filter(|&t| {
                self.dept.is_none_or(|d| {
                    e.parts()
                        .topics
                        .get(t)
                        .is_some_and(|topic| topic.owner == d)
                })
            })
            .collect()
    }

    fn other_topics(&self) -> Vec<TopicIx> {
        let e = self.engine;
        match self.dept {
            None => Vec::new(),
            Some(d) => e
                .parts()
                .topics
                .ixs()
                .filter(|&t| {
                    e.parts()
                        .topics
                        .get(t)
                        .is_some_and(|topic| topic.owner != d)
                })
                .collect(),
        }
    }

    fn roles(&self) -> Vec<RoleIx> {
        let e = self.engine;
        e.parts()
            .roles
            .ixs()
            .filter(|&r| {
                self.dept.is_none_or(|d| {
                    e.parts()
                        .roles
                        .get(r)
                        .is_some_and(|role| role.department == d)
                })
            })
            .collect()
    }

    /// The text of message `m` (current version) in the manual's locale, with `{system}` and
    /// `{where}` filled for `system` (its web address, else its first entry: every entry is
    /// listed beside the text) and host placeholders shown as `{name}`.
    fn text(&self, m: MessageIx, system: SystemIx) -> String {
        let e = self.engine;
        let Some(template) = e
            .parts()
            .messages
            .get(m)
            .and_then(|msg| msg.version(msg.current()))
            .and_then(|v| v.text(self.locale, ChannelIx::NONE))
        else {
            return String::new();
        };
        let sys = e.parts().systems.get(system);
        let web = e.channel_ix(&Channel::Web);
        // Host placeholders stay visible as `{name}`: every `{…}` of the source may be one
        // (a name that is not one is never asked for).
        let values: BTreeMap<String, String> = template
            .source()
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .map(|name| (name.to_owned(), format!("{{{name}}}")))
            .collect();
        let mut out = String::new();
        let _ = template.render(
            &mut out,
            &|b, o| match b {
                Builtin::System => o.push_str(sys.map_or("{system}", |s| &s.name)),
                Builtin::Where => o.push_str(sys.map_or("{where}", |s| s.where_for(web))),
                other => {
                    o.push('{');
                    o.push_str(other.name());
                    o.push('}');
                }
            },
            &values,
        );
        out
    }

    /// The text of message `m` as written, placeholders and all.
    fn source(&self, m: MessageIx) -> String {
        self.engine
            .parts()
            .messages
            .get(m)
            .and_then(|msg| msg.version(msg.current()))
            .and_then(|v| v.text(self.locale, ChannelIx::NONE))
            .map_or_else(String::new, |t| t.source().to_owned())
    }

    fn version(&self, m: MessageIx) -> u32 {
        self.engine
            .parts()
            .messages
            .get(m)
            .map_or(0, |m| m.current())
    }

    fn quote(out: &mut String, text: &str) -> fmt::Result {
        for line in text.lines() {
            writeln!(out, "   > {line}")?;
        }
        Ok(())
    }

    fn section(out: &mut String, anchor: &str, title: &str) -> fmt::Result {
        writeln!(out)?;
        writeln!(out, "<a id=\"{anchor}\"></a>")?;
        writeln!(out)?;
        writeln!(out, "## {title}")
    }

    fn write(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        writeln!(out, "# {} — {}", w.title, e.parts().name)?;
        writeln!(out)?;
        writeln!(out, "<!-- {} -->", w.generated)?;
        writeln!(out)?;
        let scope = match self.dept {
            Some(d) => fill(w.department, &[&self.department_name(d)]),
            None => w.every_department.to_owned(),
        };
        writeln!(
            out,
            "{}",
            fill(
                w.header,
                &[
                    &e.parts().revision,
                    e.parts().locales.id(self.locale),
                    &scope
                ]
            )
        )?;
        writeln!(out)?;
        writeln!(out, "{}", w.intro)?;
        writeln!(out)?;
        self.index(out)?;
        Self::section(out, SEC_HOW, w.how)?;
        writeln!(out)?;
        for (i, line) in w.how_lines.iter().enumerate() {
            writeln!(out, "{}. {line}", i + 1)?;
        }
        Self::section(out, SEC_TOPICS, w.topics)?;
        for t in self.own_topics() {
            self.topic(out, t)?;
        }
        if self.dept.is_some() {
            self.others(out)?;
        }
        self.handover(out)?;
        self.ranks(out)?;
        self.forbidden(out)?;
        self.rules(out)
    }

    fn index(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        writeln!(out, "## {}", w.index)?;
        writeln!(out)?;
        writeln!(out, "1. [{}](#{SEC_HOW})", w.how)?;
        writeln!(out, "2. [{}](#{SEC_TOPICS})", w.topics)?;
        for t in self.own_topics() {
            let id = e.parts().topics.id(t);
            writeln!(out, "   - [`{id}`](#topic-{})", slug(id))?;
        }
        let mut n = 3;
        if self.dept.is_some() {
            writeln!(out, "{n}. [{}](#{SEC_OTHERS})", w.others)?;
            n += 1;
        }
        for (title, anchor) in [
            (w.handover, SEC_HANDOVER),
            (w.ranks, SEC_RANKS),
            (w.forbidden, SEC_FORBIDDEN),
            (w.rules, SEC_RULES),
        ] {
            writeln!(out, "{n}. [{title}](#{anchor})")?;
            n += 1;
        }
        Ok(())
    }

    fn tier_line(&self, out: &mut String, n: usize, tier: Tier, tr: TierRef) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        let what = match tier {
            Tier::Explains => w.explains,
            _ => w.serves,
        };
        match e.parts().systems.get(tr.system) {
            Some(s) => {
                let wheres = s
                    .wheres
                    .iter()
                    .map(|(c, place)| {
                        format!("{}: {place}", e.parts().channels.get(*c).map_or("", |c| c))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                writeln!(out, "{n}. **{what}** — {} (`{}`) · {wheres}", s.name, s.id)?;
            }
            None => writeln!(out, "{n}. **{what}**")?,
        }
        writeln!(
            out,
            "   `{}` v{}:",
            e.parts().messages.id(tr.message),
            self.version(tr.message)
        )?;
        writeln!(out)?;
        Self::quote(out, &self.text(tr.message, tr.system))?;
        writeln!(out)
    }

    /// What staff of `role` do on topic `t` once the systems are exhausted, with no facts.
    fn staff_decision(&self, t: TopicIx, role: RoleIx) -> Option<Decision<'e>> {
        let e = self.engine;
        let topic = e.parts().topics.get(t)?;
        let role = e.parts().roles.get(role)?;
        let contact = Contact::new("manual", Channel::Phone)
            .with_topic(&*topic.id)
            .with_locale(e.parts().locales.id(self.locale))
            .with_progress(Progress::Served);
        Some(e.decide(&contact, &Responder::staff(&*role.id)))
    }

    fn outcome_words(&self, d: &Decision<'_>) -> String {
        let w = self.w;
        match d.outcome() {
            Outcome::Answer => fill(w.answer_with, &[d.message_id()]),
            Outcome::Route => fill(
                w.route_to,
                &[&d.department()
                    .and_then(|id| self.engine.parts().departments.find(id))
                    .map_or_else(String::new, |i| self.department_name(i))],
            ),
            Outcome::Authorize => fill(w.authorize_from, &[d.rank().unwrap_or_default()]),
            Outcome::Redirect => fill(
                w.redirect_to,
                &[d.system().map(|s| s.id).unwrap_or_default()],
            ),
            Outcome::Escalate => fill(w.escalate_to, &[d.rank().unwrap_or_default()]),
            Outcome::Review => w.review.to_owned(),
        }
    }

    /// The authority a role has on a topic, and where it comes from.
    fn authority_source(&self, t: TopicIx, role: RoleIx, d: &Decision<'_>) -> String {
        let (e, w) = (self.engine, self.w);
        let Some(authority) = d.authority() else {
            return String::new();
        };
        let authority = authority.as_str();
        if let Some(rule) = d.rule() {
            return fill(w.by_rule, &[authority, rule]);
        }
        let topic_id = e.parts().topics.id(t);
        let grant = e.parts().roles.get(role).and_then(|r| {
            r.grants
                .iter()
                .filter_map(|(p, _)| pattern_specificity(p, topic_id).map(|s| (s, p)))
                .max_by_key(|(s, _)| *s)
                .map(|(_, p)| p.to_string())
        });
        match grant {
            Some(p) => fill(w.grant, &[authority, &p]),
            None => match e.parts().roles.get(role) {
                Some(r)
                    if e.parts()
                        .topics
                        .get(t)
                        .is_some_and(|tp| tp.owner == r.department) =>
                {
                    fill(w.owning, &[authority])
                }
                _ => fill(w.other_department, &[authority]),
            },
        }
    }

    fn topic(&self, out: &mut String, t: TopicIx) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        let Some(topic) = e.parts().topics.get(t) else {
            return Ok(());
        };
        writeln!(out)?;
        writeln!(out, "<a id=\"topic-{}\"></a>", slug(&topic.id))?;
        writeln!(out)?;
        writeln!(out, "### `{}`", topic.id)?;
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            fill(w.owner, &[&self.department_name(topic.owner)])
        )?;
        writeln!(out)?;
        writeln!(out, "#### {}", w.ladder)?;
        writeln!(out)?;
        let mut n = 1;
        for (tier, tr) in topic.tiers() {
            self.tier_line(out, n, tier, tr)?;
            n += 1;
        }
        writeln!(out, "{n}. **{}** — {}", w.person, w.message)?;
        writeln!(
            out,
            "   `{}` v{}:",
            e.parts().messages.id(topic.answer),
            self.version(topic.answer)
        )?;
        writeln!(out)?;
        Self::quote(out, &self.text(topic.answer, SystemIx::NONE))?;
        writeln!(out)?;
        writeln!(out, "#### {}", w.who)?;
        writeln!(out)?;
        let approver = match (topic.authority, topic.approver) {
            (Authority::Authorized, a) if a.is_none() => w.approver_above.to_owned(),
            (Authority::Authorized, a) => fill(w.approver, &[e.parts().ranks.id(a)]),
            _ => String::new(),
        };
        writeln!(
            out,
            "{}",
            fill(w.who_intro, &[topic.authority.as_str(), &approver])
        )?;
        writeln!(out)?;
        writeln!(out, "{}", w.who_header)?;
        writeln!(out, "|---|---|---|---|---|")?;
        for (r, role) in e.parts().roles.items().iter().enumerate() {
            let Some(d) = self.staff_decision(t, RoleIx::new(r)) else {
                continue;
            };
            writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                role.id,
                md_cell(
                    e.parts()
                        .departments
                        .get(role.department)
                        .map_or("", |d| &d.name)
                ),
                e.parts().ranks.id(role.rank),
                md_cell(&self.authority_source(t, RoleIx::new(r), &d)),
                md_cell(&self.outcome_words(&d))
            )?;
        }
        writeln!(out)?;
        writeln!(out, "#### {}", w.superior)?;
        writeln!(out)?;
        writeln!(out, "{}", self.chain(topic.owner))?;
        let rules = e.rules_for(t);
        if !rules.is_empty() {
            writeln!(out)?;
            writeln!(out, "#### {}", w.touching)?;
            writeln!(out)?;
            for &r in rules {
                if let Some(rule) = e.parts().rules.get(r) {
                    writeln!(
                        out,
                        "- [`{}`](#rule-{}): {}.",
                        rule.id,
                        slug(&rule.id),
                        self.rule_summary(rule)
                    )?;
                }
            }
        }
        writeln!(out)?;
        writeln!(out, "{}", fill(w.never, &[SEC_FORBIDDEN]))
    }

    /// The rank chain of department `d`, with its roles, up to the review: what a customer
    /// asking for a superior goes through, as the engine escalates (staffed ranks only).
    fn chain(&self, d: DepartmentIx) -> String {
        let e = self.engine;
        let mut steps = Vec::new();
        let mut rank = e
            .parts()
            .roles
            .items()
            .iter()
            .filter(|r| r.department == d)
            .map(|r| r.rank)
            .min();
        while let Some(r) = rank {
            let roles: Vec<String> = e
                .parts()
                .roles
                .items()
                .iter()
                .filter(|role| role.department == d && role.rank == r)
                .map(|role| format!("`{}`", role.id))
                .collect();
            steps.push(format!("{} ({})", e.parts().ranks.id(r), roles.join(", ")));
            let next = e.superior_rank(d, r);
            rank = (!next.is_none() && next > r).then_some(next);
        }
        steps.push(fill(self.w.review_within, &[&e.parts().review_within_text]));
        steps.join(" → ")
    }

    fn rule_when(&self, rule: &Rule) -> String {
        let (e, w) = (self.engine, self.w);
        let mut parts = Vec::new();
        let list = |ids: Vec<&str>| {
            ids.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(w.or)
        };
        if let Some(topics) = &rule.topics {
            parts.push(fill(
                w.topic,
                &[&list(topics.iter().map(|s| &**s).collect())],
            ));
        }
        if let Some(channels) = &rule.channels {
            let ids = channels
                .iter()
                .map(|c| e.parts().channels.get(*c).map_or("", |c| c))
                .collect();
            parts.push(fill(w.channel, &[&list(ids)]));
        }
        if let Some(ds) = &rule.departments {
            let ids = ds.iter().map(|d| e.parts().departments.id(*d)).collect();
            parts.push(fill(w.in_department, &[&list(ids)]));
        }
        if let Some(rs) = &rule.roles {
            let ids = rs
                .iter()
                .map(|r| e.parts().roles.get(*r).map_or("", |r| &r.id))
                .collect();
            parts.push(fill(w.role, &[&list(ids)]));
        }
        if let Some(rs) = &rule.ranks {
            let ids = rs.iter().map(|r| e.parts().ranks.id(*r)).collect();
            parts.push(fill(w.rank, &[&list(ids)]));
        }
        let all = Progress::ALL.iter().fold(0, |acc, p| acc | p.bit());
        if rule.progress & all != all {
            let ids = Progress::ALL
                .iter()
                .filter(|p| rule.progress & p.bit() != 0)
                .map(|p| p.as_str())
                .collect();
            parts.push(fill(w.progress, &[&list(ids)]));
        }
        for (k, values) in rule.facts.iter() {
            let ids = values
                .iter()
                .map(|v| e.parts().fact_values.get(*v).map_or("", |v| v))
                .collect();
            parts.push(fill(
                w.fact,
                &[e.parts().fact_keys.get(*k).map_or("", |k| k), &list(ids)],
            ));
        }
        if parts.is_empty() {
            w.always.to_owned()
        } else {
            parts.join(", ")
        }
    }

    fn rule_then(&self, rule: &Rule) -> String {
        let (e, w) = (self.engine, self.w);
        let mut parts = Vec::new();
        if let Some(m) = rule.answer {
            parts.push(fill(w.fixed_answer, &[e.parts().messages.id(m)]));
        }
        if rule.skip_ladder {
            parts.push(w.skips_ladder.to_owned());
        }
        if let Some(a) = rule.authority {
            parts.push(fill(w.authority_is, &[a.as_str()]));
        }
        if let Some(d) = rule.route {
            parts.push(fill(w.owner_is, &[&self.department_name(d)]));
        }
        parts.join("; ")
    }

    fn rule_summary(&self, rule: &Rule) -> String {
        fill(
            self.w.summary,
            &[&self.rule_when(rule), &self.rule_then(rule)],
        )
    }

    fn others(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_OTHERS, w.others)?;
        writeln!(out)?;
        writeln!(out, "{}", w.others_intro)?;
        writeln!(out)?;
        writeln!(out, "{}", w.others_header)?;
        writeln!(out, "|---|---|---|---|---|")?;
        for t in self.other_topics() {
            let owner = e
                .parts()
                .topics
                .get(t)
                .map_or_else(String::new, |tp| self.department_name(tp.owner));
            for r in self.roles() {
                let Some(d) = self.staff_decision(t, r) else {
                    continue;
                };
                writeln!(
                    out,
                    "| `{}` | {} | `{}` | {} | {} |",
                    e.parts().topics.id(t),
                    md_cell(&owner),
                    e.parts().roles.get(r).map_or("", |r| &r.id),
                    md_cell(&self.authority_source(t, r, &d)),
                    md_cell(&self.outcome_words(&d))
                )?;
            }
        }
        Ok(())
    }

    fn handover(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_HANDOVER, w.handover)?;
        writeln!(out)?;
        writeln!(out, "{}", w.handover_intro)?;
        for (h, label) in Handover::ALL.into_iter().zip(w.handover_labels) {
            let m = e.handover_message(h);
            if m.is_none() {
                continue;
            }
            writeln!(out)?;
            writeln!(out, "- **{label}:**")?;
            writeln!(out)?;
            Self::quote(out, &self.source(m))?;
        }
        Ok(())
    }

    fn ranks(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_RANKS, w.ranks)?;
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            fill(w.ranks_intro, &[&e.parts().review_within_text])
        )?;
        writeln!(out)?;
        let departments: Vec<DepartmentIx> = match self.dept {
            Some(d) => vec![d],
            None => e.parts().departments.ixs().collect(),
        };
        for d in departments {
            writeln!(out, "- {}: {}", self.department_name(d), self.chain(d))?;
        }
        Ok(())
    }

    fn forbidden(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_FORBIDDEN, w.forbidden)?;
        writeln!(out)?;
        writeln!(out, "{}", w.forbidden_intro)?;
        writeln!(out)?;
        writeln!(out, "{}", w.forbidden_header)?;
        writeln!(out, "|---|---|")?;
        for f in e.parts().forbidden.iter() {
            writeln!(
                out,
                "| {} | {} |",
                md_code(f.regex.as_str()),
                md_cell(&f.why)
            )?;
        }
        Ok(())
    }

    fn rules(&self, out: &mut String) -> fmt::Result {
        let (e, w) = (self.engine, self.w);
        Self::section(out, SEC_RULES, w.rules)?;
        writeln!(out)?;
        writeln!(out, "{}", w.rules_intro)?;
        for rule in e.parts().rules.items().iter() {
            writeln!(out)?;
            writeln!(out, "<a id=\"rule-{}\"></a>", slug(&rule.id))?;
            writeln!(out)?;
            writeln!(out, "### `{}`", rule.id)?;
            writeln!(out)?;
            writeln!(out, "- **{}:** {}.", w.when, self.rule_when(rule))?;
            writeln!(out, "- **{}:** {}.", w.then, self.rule_then(rule))?;
            if let Some(why) = &rule.why {
                writeln!(out, "- **{}:** {why}", w.why)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn fill_is_one_pass() {
        assert_eq!(fill("a {0} b {1} {x} {", &["{1}", "c"]), "a {1} b c {x} {");
    }
}
