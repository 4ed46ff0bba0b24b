//! The chatbot example (`examples/chatbot.rs`) run as a process, with scripted conversations
//! piped into it (R0.4, R0.5, R1.4, R3.3): each reply is checked against what the library
//! decides for the same circumstance.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use unified_message::{Channel, Contact, Engine, Progress, Responder};

/// Builds the example once (with the features this test was built with) and returns its path.
fn chatbot() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let mut features = Vec::new();
        for (enabled, name) in [
            (cfg!(feature = "toml"), "toml"),
            (cfg!(feature = "json"), "json"),
            (cfg!(feature = "yaml"), "yaml"),
            (cfg!(feature = "testing"), "testing"),
        ] {
            if enabled {
                features.push(name);
            }
        }
        let status = Command::new(env!("CARGO"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "build",
                "--quiet",
                "--example",
                "chatbot",
                "--no-default-features",
            ])
            .arg(format!("--features={}", features.join(",")))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the chatbot example failed");
        // This test runs from target/<profile>/deps/; examples live in target/<profile>/examples/.
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(|d| d.parent()).unwrap();
        let path = profile_dir
            .join("examples")
            .join(format!("chatbot{}", std::env::consts::EXE_SUFFIX));
        assert!(path.exists(), "no chatbot at {}", path.display());
        path
    })
}

/// One reply of the bot: its text and its bracketed log line.
#[derive(Debug)]
struct Reply {
    text: String,
    log: String,
}

impl Reply {
    fn field(&self, name: &str) -> Option<&str> {
        self.log
            .trim_matches(|c| c == '[' || c == ']')
            .split(' ')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    }
}

fn converse(args: &[&str], lines: &str) -> Vec<Reply> {
    converse_bytes(args, lines.as_bytes())
}

fn converse_bytes(args: &[&str], lines: &[u8]) -> Vec<Reply> {
    let mut child = Command::new(chatbot())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(lines).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "chatbot failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut replies = Vec::new();
    for line in stdout.lines() {
        if let Some(text) = line.strip_prefix("bot: ") {
            replies.push(Reply {
                text: text.to_owned(),
                log: String::new(),
            });
        } else if line.trim_start().starts_with("[topic=") {
            replies.last_mut().expect("a log line follows a reply").log = line.trim().to_owned();
        }
    }
    replies
}

fn engine() -> Engine {
    Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap()
}

fn chat(topic: &str, locale: &str, progress: Progress) -> Contact {
    Contact::new("chat-customer", Channel::Chat)
        .with_topic(topic)
        .with_locale(locale)
        .with_progress(progress)
}

/// R0.4, R0.5, R1.4, R3.3: a whole conversation climbs the ladder, and each reply is what the
/// policy decides for that rung.
#[test]
fn r0_4_chatbot_explains_then_climbs_the_ladder() {
    let engine = engine();
    let replies = converse(
        &[],
        "no puedo configurar el correo\n\
         quiero hablar con una persona\n\
         no me ha funcionado\n\
         SIGUE SIN FUNCIONAR\n\
         quiero hablar con un supervisor\n",
    );
    assert_eq!(replies.len(), 5, "{replies:#?}");
    let agent = Responder::staff("support-agent");

    // Triage finds the topic; the bot gives the explaining system's canonical message.
    let explained = engine.decide(
        &chat("email.setup", "es", Progress::Fresh),
        &Responder::system("self-diagnosis"),
    );
    assert!(replies[0].text.ends_with(&explained.text()), "{replies:#?}");
    assert_eq!(replies[0].field("topic"), Some("email.setup"));
    assert_eq!(replies[0].field("message"), Some(explained.message_id()));
    assert_eq!(replies[0].field("progress"), Some("explained"));

    // A person, asked for after the explanation, points to the serving system (R0.5).
    let person = engine.decide(&chat("email.setup", "es", Progress::Explained), &agent);
    assert!(replies[1].text.ends_with(&person.text()), "{replies:#?}");
    assert_eq!(replies[1].field("outcome"), Some("redirect"));
    assert_eq!(replies[1].field("system"), Some("control-panel"));

    // "It didn't work": the serving system's message.
    let served = engine.decide(
        &chat("email.setup", "es", Progress::Explained),
        &Responder::system("control-panel"),
    );
    assert!(replies[2].text.ends_with(&served.text()), "{replies:#?}");
    assert_eq!(replies[2].field("progress"), Some("served"));

    // Still not solved: the systems are exhausted, the owning department answers.
    let answered = engine.decide(&chat("email.setup", "es", Progress::Served), &agent);
    assert!(replies[3].text.ends_with(&answered.text()), "{replies:#?}");
    assert_eq!(replies[3].field("outcome"), Some("answer"));

    // A superior (R3.3).
    assert_eq!(replies[4].field("outcome"), Some("escalate"));
    assert_eq!(replies[4].field("rank"), Some("supervisor"));
}

/// R4.3: in English, a refund that is not solved by the explanation needs authorization, and
/// the bot says so in the policy's words.
#[test]
fn r4_3_chatbot_tells_what_happens_next_for_an_authorized_topic() {
    let engine = engine();
    let replies = converse(
        &["--locale", "en"],
        "Hi, I'd like a refund for my hosting\ncan I talk to a person?\n",
    );
    assert_eq!(replies.len(), 2, "{replies:#?}");
    assert_eq!(replies[0].field("topic"), Some("billing.refund"));
    let person = engine.decide(
        &chat("billing.refund", "en", Progress::Explained),
        &Responder::staff("billing-agent"),
    );
    assert_eq!(replies[1].field("outcome"), Some("authorize"));
    assert!(replies[1].text.ends_with(&person.text()), "{replies:#?}");
}

/// The line `.ci/run` pipes into the example, and a customer who says nothing the policy knows.
#[test]
fn r1_4_chatbot_ci_conversation_and_fallback() {
    let replies = converse(
        &[],
        "no puedo configurar el correo\nquiero hablar con una persona\n",
    );
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0].field("topic"), Some("email.setup"));

    let engine = engine();
    let replies = converse(&[], "hola, buenas\n");
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].field("topic"), Some(engine.fallback_topic()));
}

/// Issue 19 (the class of item 8, in the example hosts copy): a line of invalid UTF-8 and a
/// 4 MB line do not end the conversation (`lines()` stopped it with an error) — the bad bytes
/// read as U+FFFD, the long line up to its first 64 KiB — and the next line is answered in
/// the same conversation.
#[test]
fn issue_19_chatbot_goes_on_past_invalid_utf8_and_an_endless_line() {
    let mut input = b"no puedo configurar el correo\n\xff\xfe caf\xe9\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 4 << 20));
    input.extend_from_slice(b"\nno me ha funcionado\n");
    let replies = converse_bytes(&[], &input);
    // The two unplaceable lines are small talk: the conversation keeps its topic, silently.
    assert_eq!(replies.len(), 2, "{replies:#?}");
    assert_eq!(replies[0].field("topic"), Some("email.setup"));
    assert_eq!(replies[1].field("topic"), Some("email.setup"));
    assert_eq!(replies[1].field("progress"), Some("served"));
}
