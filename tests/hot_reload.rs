//! Hot reload under load (issue 7.5): four threads decide while another compiles and swaps
//! 1,000 policy revisions through an `ArcSwap<Engine>` — the host pattern of the README's
//! "Reliability" section. Every decision is internally consistent (its message, version,
//! text and revision come from one engine), nothing panics, and nothing is lost.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

use arc_swap::ArcSwap;
use unified_message::{Channel, Contact, Engine, Outcome, Progress, Responder};

const REVISIONS: usize = 1_000;
const DECIDERS: usize = 4;

/// Revision `n`: every text names the revision, and the answer has `1 + n % 3` versions.
fn policy(n: usize) -> String {
    let versions: String = (1..=1 + n % 3)
        .map(|v| {
            let change = if v > 1 {
                "change = \"editorial\"\n"
            } else {
                ""
            };
            format!("[[messages.answer.versions]]\n{change}text.en = \"answer v{v} of rev-{n}\"\n")
        })
        .collect();
    format!(
        r#"
[policy]
name = "reload"
revision = "rev-{n}"
locales = ["en"]
fallback = "general"

[departments]
support = {{}}

[systems.help]
tier = "explains"
where = {{ web = "https://help.example/{n}" }}

[topics.general]
owner = "support"
explains = {{ system = "help", message = "guide" }}
answer = "answer"

[messages.guide]
text.en = "guide of rev-{n}: {{where}}"

{versions}
[roles.agent]
department = "support"
rank = "agent"

[ranks]
order = ["agent", "supervisor"]

[handover]
explains.en = "redirect of rev-{n} to {{system}}"
serves.en = "serves of rev-{n}"
route.en = "route of rev-{n}"
authorize.en = "authorize of rev-{n}"
escalate.en = "escalate of rev-{n} to {{rank}}"
review.en = "review of rev-{n}"
"#
    )
}

/// The revision number a decision claims, after checking that its text, message version and
/// system location all belong to that same revision.
fn check(d: &unified_message::Decision<'_>) -> usize {
    let n: usize = d.revision().strip_prefix("rev-").unwrap().parse().unwrap();
    let text = d.text();
    assert!(
        text.contains(&format!("of rev-{n}")),
        "{text} in {}",
        d.revision()
    );
    match d.outcome() {
        Outcome::Answer if d.message_id() == "answer" => {
            let version = 1 + n % 3;
            assert_eq!(d.version() as usize, version);
            assert_eq!(text, format!("answer v{version} of rev-{n}"));
        }
        Outcome::Answer => {
            assert_eq!(text, format!("guide of rev-{n}: https://help.example/{n}"));
        }
        _ => {}
    }
    n
}

#[test]
fn r0_3_hot_reload_under_load_keeps_every_decision_consistent() {
    let current = Arc::new(ArcSwap::from_pointee(
        Engine::from_toml_str(&policy(0)).unwrap(),
    ));
    let done = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<(usize, usize)>();

    let deciders: Vec<_> = (0..DECIDERS)
        .map(|t| {
            let current = Arc::clone(&current);
            let done = Arc::clone(&done);
            let tx = tx.clone();
            thread::spawn(move || {
                let contacts = [
                    (
                        Contact::new("c", Channel::Web).with_topic("general"),
                        Responder::system("help"),
                    ),
                    (
                        Contact::new("c", Channel::Phone)
                            .with_topic("general")
                            .with_progress(Progress::Explained),
                        Responder::staff("agent"),
                    ),
                    (
                        Contact::new("c", Channel::Phone).with_topic("general"),
                        Responder::staff("agent"),
                    ),
                    (
                        Contact::new("c", Channel::Chat).asking_for_superior(),
                        Responder::staff("agent"),
                    ),
                ];
                let mut made = 0usize;
                let mut last = 0usize;
                let mut i = t;
                // Keep deciding until the swapper is done (a decision made after that sees
                // the last revision), and at least a hundred times.
                loop {
                    let finished = done.load(Ordering::Acquire);
                    let engine = current.load();
                    let (contact, responder) = &contacts[i % contacts.len()];
                    let n = check(&engine.decide(contact, responder));
                    // One writer stores revisions in order: a reader never goes back.
                    assert!(n >= last, "thread {t} saw rev-{n} after rev-{last}");
                    last = n;
                    tx.send((t, n)).unwrap();
                    made += 1;
                    i += 1;
                    if finished && made >= 100 {
                        assert_eq!(n, REVISIONS);
                        break;
                    }
                }
                made
            })
        })
        .collect();
    drop(tx);

    let swapper = {
        let current = Arc::clone(&current);
        let done = Arc::clone(&done);
        thread::spawn(move || {
            for n in 1..=REVISIONS {
                current.store(Arc::new(Engine::from_toml_str(&policy(n)).unwrap()));
            }
            done.store(true, Ordering::Release);
        })
    };

    swapper.join().unwrap();
    let made: usize = deciders.into_iter().map(|h| h.join().unwrap()).sum();
    let received: Vec<(usize, usize)> = rx.iter().collect();
    // Nothing lost: every decision made was received.
    assert_eq!(received.len(), made);
    for t in 0..DECIDERS {
        assert!(received.iter().filter(|(x, _)| *x == t).count() >= 100);
    }
    // The swaps happened under load: decisions came from many revisions, up to the last.
    let mut revisions: Vec<usize> = received.iter().map(|(_, n)| *n).collect();
    revisions.sort_unstable();
    revisions.dedup();
    assert!(
        revisions.len() > 10,
        "only {} revisions seen",
        revisions.len()
    );
    assert_eq!(current.load().revision(), format!("rev-{REVISIONS}"));
    assert_eq!(revisions.last(), Some(&REVISIONS));
}
