//! A chatbot on the example policy: an explaining system (R0.4) that finds the topic behind the
//! customer's words and gives the canonical explanation — the same one the web help centre and
//! the phone line give (R0.1).
//!
//! It reads customer lines on stdin and answers each on stdout:
//!
//! - a new inquiry is triaged (R1.4) and answered with the topic's explaining message;
//! - "it didn't work" moves the customer up the ladder: the serving system's message, and once
//!   the systems are exhausted, what a person will do;
//! - asking for a person ("persona", "agente", "person", "agent", …) gets what the policy says
//!   happens next, decided for the front-line role of the department that owns the topic: a
//!   redirect to the system the customer has not used yet (R0.5), an answer, a route to the
//!   owning department, an authorization;
//! - asking for a superior gets the escalation (R3.3).
//!
//! Each answer is followed by a line in brackets for the host's logs: topic, outcome, message
//! and progress.
//!
//! ```sh
//! printf 'no puedo configurar el correo\nno me ha funcionado\nquiero hablar con una persona\n' \
//!   | cargo run --example chatbot
//! cargo run --example chatbot -- --locale en
//! ```

use std::io::{self, BufRead, Read, Write};

use regex::Regex;
use unified_message::triage::fold_text;
use unified_message::{Channel, Contact, Decision, Engine, Outcome, Progress, Responder, Tier};

/// The system id the bot answers as: any explaining system gives the same message (I2).
const EXPLAINER: &str = "self-diagnosis";

/// What the customer wants from a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Intent {
    /// A superior (R3.3).
    Superior,
    /// A person instead of the bot.
    Person,
    /// The last explanation did not solve it.
    NotSolved,
    /// Anything else: an inquiry to triage.
    Inquiry,
}

/// Phrases, matched on folded text (no accents, lowercase), in Spanish and English.
struct Phrases {
    superior: Regex,
    person: Regex,
    not_solved: Regex,
}

impl Phrases {
    fn new() -> Result<Self, regex::Error> {
        Ok(Phrases {
            superior: Regex::new(r"\b(supervisor|superior|encargado|jefe|responsable|manager)\b")?,
            person: Regex::new(
                r"\b(persona|agente|humano|operador|alguien de verdad|person|agent|human|operator|someone real|real person|representative)\b",
            )?,
            not_solved: Regex::new(
                r"\b(no (me )?(ha )?(funciona(do)?|sirve|servido|va)|sigue (sin|igual|fallando)|tampoco|didn.?t work|did not work|does ?n.?t work|not working|still (not|doesn.?t|broken|the same)|no luck)\b",
            )?,
        })
    }

    fn intent(&self, line: &str) -> Intent {
        let folded = fold_text(line);
        if self.superior.is_match(&folded) {
            Intent::Superior
        } else if self.person.is_match(&folded) {
            Intent::Person
        } else if self.not_solved.is_match(&folded) {
            Intent::NotSolved
        } else {
            Intent::Inquiry
        }
    }
}

/// The bot's own words around the policy's messages, per locale.
struct Words {
    not_understood: &'static str,
    person: &'static str,
    next: &'static str,
    handoff: &'static str,
}

fn words(locale: &str) -> Words {
    if locale.starts_with("en") {
        Words {
            not_understood: "I could not place your question on a specific topic, so here is where to start:",
            person: "If you talk to a person now, this is what happens:",
            next: "Since that did not solve it:",
            handoff: "Since the self-service options did not solve it, a person takes over your case:",
        }
    } else {
        Words {
            not_understood: "No he podido situar su consulta en un tema concreto; este es el mejor punto de partida:",
            person: "Si habla ahora con una persona, esto es lo que ocurre:",
            next: "Como no se ha resuelto:",
            handoff: "Como los sistemas no lo han resuelto, una persona se ocupa de su caso:",
        }
    }
}

/// One customer's conversation: the topic found so far and how far up the ladder they are.
struct Conversation<'e> {
    engine: &'e Engine,
    phrases: Phrases,
    locale: String,
    topic: Option<String>,
    progress: Progress,
}

impl<'e> Conversation<'e> {
    fn contact(&self, topic: &str) -> Contact {
        Contact::new("chat-customer", Channel::Chat)
            .with_topic(topic)
            .with_locale(self.locale.as_str())
            .with_progress(self.progress)
    }

    /// The front-line role of the department that owns `topic`.
    fn staff(&self, topic: &str) -> Responder {
        let role = self
            .engine
            .topic_owner(topic)
            .and_then(|d| self.engine.department_roles(d).next())
            .or_else(|| self.engine.roles().next())
            .unwrap_or("agent");
        Responder::staff(role)
    }

    /// Answers one line of the customer.
    fn reply(&mut self, line: &str, out: &mut impl Write) -> io::Result<()> {
        let words = words(&self.locale);
        let intent = self.phrases.intent(line);
        let topic = match (&self.topic, intent) {
            (Some(topic), Intent::Superior | Intent::Person | Intent::NotSolved) => topic.clone(),
            (None, Intent::Superior | Intent::Person) => {
                // Asking for a person in the first line: the topic, if any, comes from the rest
                // of the words ("a person about my invoice").
                let triage = self.engine.triage(line, &self.locale);
                triage
                    .candidates
                    .iter()
                    .map(|c| c.topic.as_str())
                    .find(|t| *t != self.engine.fallback_topic())
                    .unwrap_or(&triage.topic)
                    .to_owned()
            }
            _ => return self.explain(line, out),
        };
        self.topic = Some(topic.clone());
        match intent {
            Intent::Superior => {
                let contact = self.contact(&topic).asking_for_superior();
                let decision = self.engine.decide(&contact, &self.staff(&topic));
                say(out, &decision, self.progress, None)
            }
            Intent::Person => {
                let decision = self
                    .engine
                    .decide(&self.contact(&topic), &self.staff(&topic));
                say(out, &decision, self.progress, Some(words.person))
            }
            _ => self.next_rung(&topic, &words, out),
        }
    }

    /// A new inquiry: triage, then the topic's explanation.
    fn explain(&mut self, line: &str, out: &mut impl Write) -> io::Result<()> {
        let triage = self.engine.triage(line, &self.locale);
        if triage.is_fallback() && self.topic.is_some() {
            // Small talk in the middle of a conversation ("ok", "gracias") keeps the topic.
            return Ok(());
        }
        if self.topic.as_deref() != Some(triage.topic.as_str()) {
            self.progress = Progress::Fresh;
        }
        self.topic = Some(triage.topic.clone());
        let decision = self
            .engine
            .decide(&self.contact(&triage.topic), &Responder::system(EXPLAINER));
        self.progress = self.progress.max(Progress::after(Tier::Explains));
        let preface = triage
            .is_fallback()
            .then_some(words(&self.locale).not_understood);
        say(out, &decision, self.progress, preface)?;
        writeln!(
            out,
            "     [triage confidence={:.2} reason={}]",
            triage.confidence, triage.reason
        )
    }

    /// The last rung did not solve it: what the policy says comes next — the next system's
    /// message, or what a person does once the systems are exhausted.
    fn next_rung(&mut self, topic: &str, words: &Words, out: &mut impl Write) -> io::Result<()> {
        let staff = self.staff(topic);
        let decision = self.engine.decide(&self.contact(topic), &staff);
        if decision.outcome() == Outcome::Redirect {
            if let Some(system) = decision.system() {
                // The customer has not used this system yet: the bot gives its message.
                let given = self
                    .engine
                    .decide(&self.contact(topic), &Responder::system(system.id));
                self.progress = self.progress.max(Progress::after(system.tier));
                return say(out, &given, self.progress, Some(words.next));
            }
        }
        self.progress = Progress::Served;
        say(out, &decision, self.progress, Some(words.handoff))
    }
}

/// Writes a decision: the text, then a bracketed line for the logs.
fn say(
    out: &mut impl Write,
    decision: &Decision<'_>,
    progress: Progress,
    preface: Option<&str>,
) -> io::Result<()> {
    match preface {
        Some(p) => writeln!(out, "bot: {p} {}", decision.text())?,
        None => writeln!(out, "bot: {}", decision.text())?,
    }
    write!(
        out,
        "     [topic={} outcome={} message={} v{} progress={}",
        decision.topic(),
        decision.outcome(),
        decision.message_id(),
        decision.version(),
        progress
    )?;
    if let Some(system) = decision.system() {
        write!(out, " system={}", system.id)?;
    }
    if let Some(department) = decision.department() {
        write!(out, " department={department}")?;
    }
    if let Some(rank) = decision.rank() {
        write!(out, " rank={rank}")?;
    }
    writeln!(out, "]")
}

/// The longest customer message read, in bytes: the rest of a longer line is skipped, so a
/// line that never ends cannot exhaust memory.
const MAX_MESSAGE: usize = 64 << 10;

/// The next line of `input` (without its line break), at most [`MAX_MESSAGE`] bytes of it;
/// text that is not UTF-8 is read with U+FFFD in place of the bad bytes, never an error that
/// would end the conversation. `None` at the end of the input.
fn next_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Option<String>> {
    buf.clear();
    let limit = u64::try_from(MAX_MESSAGE).unwrap_or(u64::MAX);
    if input.by_ref().take(limit).read_until(b'\n', buf)? == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        // Over the limit (or the last line): skip to the end of the line, keeping nothing.
        loop {
            let chunk = input.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    input.consume(i + 1);
                    break;
                }
                None => {
                    let n = chunk.len();
                    input.consume(n);
                }
            }
        }
    }
    Ok(Some(String::from_utf8_lossy(buf).into_owned()))
}

/// The conversation loop: one reply per non-empty line of `input`.
fn chat(
    engine: &Engine,
    locale: &str,
    mut input: impl BufRead,
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut conversation = Conversation {
        engine,
        phrases: Phrases::new()?,
        locale: locale.to_owned(),
        topic: None,
        progress: Progress::Fresh,
    };
    let mut buf = Vec::new();
    while let Some(line) = next_line(&mut input, &mut buf)? {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        conversation.reply(line, out)?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut locale = "es".to_owned();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--locale" => {
                locale = args
                    .next()
                    .ok_or("`--locale` needs a value, such as `en`")?
            }
            other => {
                return Err(format!("unknown argument `{other}`; use `--locale LOCALE`").into());
            }
        }
    }
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    chat(&engine, &locale, io::stdin().lock(), &mut out)?;
    out.flush()?;
    Ok(())
}
