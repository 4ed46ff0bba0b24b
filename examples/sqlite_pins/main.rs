//! The first message wins (R0.3), on a real database: a customer on chat, then phone, then
//! e-mail, while the policy is reloaded twice — an editorial change, then a substantive one —
//! with the pins in SQLite.
//!
//! The store is the workspace crate `unified-message-sqlite` (`stores/sqlite`).
//!
//! Run with `cargo run --example sqlite_pins`. The database lives in a fresh directory under
//! the system's temporary directory, removed at the end.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use unified_message::pins::Timestamp;
use unified_message::{
    Channel, Contact, EXAMPLE_POLICY, Engine, PinnedDecision, Progress, Responder,
};

use unified_message_sqlite::SqlitePinStore;

/// Revision 2 rewords the e-mail set-up guide: same instructions, better words.
const EDITORIAL: &str = r#"
[[messages.email-setup-guide.versions]]
change = "editorial"
text.es = "Para configurar su correo en Outlook, Thunderbird o el móvil, indique imap.acme.example como servidor de entrada (IMAP, puerto 993, SSL) y smtp.acme.example como servidor de salida (SMTP, puerto 587, STARTTLS); el usuario es su dirección de correo completa. {system} tiene una guía con capturas para cada programa: {where}"
text.en = "To set up your e-mail in Outlook, Thunderbird or on your phone, enter imap.acme.example as the incoming server (IMAP, port 993, SSL) and smtp.acme.example as the outgoing server (SMTP, port 587, STARTTLS); the username is your full e-mail address. {system} has a guide with screenshots for each program: {where}"
"#;

/// Revision 3 changes the procedure: mail programs now sign in with an app password.
const SUBSTANTIVE: &str = r#"
[[messages.email-setup-guide.versions]]
change = "substantive"
text.es = "Los programas de correo ya no usan su contraseña habitual, sino una contraseña de aplicación: créela en el panel de control, en Correo > Contraseñas de aplicación, y úsela con imap.acme.example (IMAP, 993, SSL) y smtp.acme.example (SMTP, 587, STARTTLS). {system} le guía paso a paso: {where}"
text.en = "E-mail programs no longer use your usual password but an app password: create one in the control panel under E-mail > App passwords, and use it with imap.acme.example (IMAP, 993, SSL) and smtp.acme.example (SMTP, 587, STARTTLS). {system} guides you step by step: {where}"
"#;

/// The example policy as revision `revision`, with `versions` appended, as a host would load
/// the policy repository's next commit.
fn policy(revision: &str, versions: &[&str]) -> String {
    let mut text = EXAMPLE_POLICY.replace(
        "revision = \"2026-11-27\"",
        &format!("revision = \"{revision}\""),
    );
    for v in versions {
        text.push_str(v);
    }
    text
}

/// A directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "unified-message-sqlite-pins-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir(&dir)?;
        Ok(TempDir(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn show(title: &str, pinned: &PinnedDecision<'_>) {
    let d = pinned.decision();
    println!("— {title}");
    println!(
        "  policy {} → {} with `{}` v{}  [pin: {}]",
        d.revision(),
        d.outcome(),
        d.message_id(),
        d.version(),
        pinned.status()
    );
    if let Some(notice) = pinned.notice() {
        println!("  notice: « {notice} »");
    }
    println!("  « {} »", pinned.text());
    if let Some(handoff) = pinned.handoff() {
        println!(
            "  handoff to {}: topic `{}`, progress `{}`, facts {:?}",
            handoff.department.as_deref().unwrap_or("?"),
            handoff.topic,
            handoff.progress,
            handoff.facts
        );
        if let Some(words) = &handoff.words {
            println!("    in the customer's words: « {words} »");
        }
        println!("    already told:");
        for told in &handoff.told {
            println!(
                "      {} `{}` v{} (policy {}, at {}): « {} »",
                told.slot,
                told.pin.message,
                told.pin.version,
                told.pin.revision,
                told.pin.at,
                told.text.as_deref().unwrap_or("(no longer in the policy)")
            );
        }
    }
    println!();
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = TempDir::new()?;
    let db = dir.path().join("pins.sqlite3");
    let store = SqlitePinStore::open(&db)?;
    println!("pins in {}\n", store.path().display());

    // The host keeps the live engine behind an `ArcSwap` and swaps it on every reload.
    let live = ArcSwap::from_pointee(Engine::from_toml_str(&policy("2026-11-27", &[]))?);
    let day = |n: i64| Timestamp::from_unix_seconds(1_764_201_600 + n * 86_400);
    let chat = Contact::new("customer-42", Channel::Chat)
        .with_topic("email.setup")
        .with_locale("en");

    let engine = live.load_full();
    let pinned =
        engine.decide_pinned(&chat, &Responder::system("self-diagnosis"), &store, day(0))?;
    show(
        "day 1, chat: the chatbot explains how to set up e-mail",
        &pinned,
    );

    live.store(Arc::new(Engine::from_toml_str(&policy(
        "2026-12-02",
        &[EDITORIAL],
    ))?));
    let engine = live.load_full();
    let phone = chat.clone().with_channel(Channel::Phone);
    let pinned = engine.decide_pinned(&phone, &Responder::system("ivr"), &store, day(1))?;
    show(
        "day 2, phone, after an editorial change: the IVR says what the chatbot said",
        &pinned,
    );
    let newcomer = Contact::new("customer-7", Channel::Phone)
        .with_topic("email.setup")
        .with_locale("en");
    let pinned = engine.decide_pinned(&newcomer, &Responder::system("ivr"), &store, day(1))?;
    show(
        "day 2, phone: a new customer hears the reworded guide",
        &pinned,
    );

    live.store(Arc::new(Engine::from_toml_str(&policy(
        "2026-12-09",
        &[EDITORIAL, SUBSTANTIVE],
    ))?));
    let engine = live.load_full();
    let email = chat.clone().with_channel(Channel::Email);
    let pinned =
        engine.decide_pinned(&email, &Responder::system("self-diagnosis"), &store, day(2))?;
    show(
        "day 3, e-mail, after a substantive change: the new procedure, and what changed",
        &pinned,
    );

    let stuck = phone
        .with_progress(Progress::Served)
        .with_fact("plan", "business")
        .with_text("Outlook keeps asking for my password");
    let pinned = engine.decide_pinned(&stuck, &Responder::staff("sales-agent"), &store, day(3))?;
    show(
        "day 4, phone: the systems did not help and sales routes the customer to support",
        &pinned,
    );

    // Pins are data: close the database, open it again, and they are all there.
    drop(store);
    let store = SqlitePinStore::open(&db)?;
    println!("after reopening: {} pins; customer-42's:", store.count()?);
    for (key, pin) in store.pins_of("customer-42")? {
        println!(
            "  {} / {} → `{}` v{} (policy {}, at {})",
            key.topic, key.slot, pin.message, pin.version, pin.revision, pin.at
        );
    }
    Ok(())
}
