//! Shared by the pin tests: policy revisions built from the example policy, times, and a
//! temporary directory that removes itself.
#![allow(dead_code, reason = "each test binary uses a part")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use unified_message::EXAMPLE_POLICY;
use unified_message::pins::Timestamp;

/// An editorial version 4 of `email-setup-guide` (version 3 in the example policy).
pub const EDITORIAL: &str = r#"
[[messages.email-setup-guide.versions]]
change = "editorial"
text.es = "Para configurar su correo en Outlook, Thunderbird o el móvil, indique imap.acme.example como servidor de entrada (IMAP, puerto 993, SSL) y smtp.acme.example como servidor de salida (SMTP, puerto 587, STARTTLS); el usuario es su dirección de correo completa. {system} tiene una guía con capturas para cada programa: {where}"
text.en = "To set up your e-mail in Outlook, Thunderbird or on your phone, enter imap.acme.example as the incoming server (IMAP, port 993, SSL) and smtp.acme.example as the outgoing server (SMTP, port 587, STARTTLS); the username is your full e-mail address. {system} has a guide with screenshots for each program: {where}"
"#;

/// A substantive version 5 of `email-setup-guide`, after [`EDITORIAL`].
pub const SUBSTANTIVE: &str = r#"
[[messages.email-setup-guide.versions]]
change = "substantive"
text.es = "Los programas de correo ya no usan su contraseña habitual, sino una contraseña de aplicación: créela en el panel de control, en Correo > Contraseñas de aplicación. {system} le guía paso a paso: {where}"
text.en = "E-mail programs no longer use your usual password but an app password: create one in the control panel under E-mail > App passwords. {system} guides you step by step: {where}"
"#;

/// Another message for the `email.setup` explaining slot.
pub const WIZARD: &str = r#"
[messages.email-setup-wizard]
text.es = "El asistente de {system} configura su correo automáticamente: {where}"
text.en = "The {system} wizard sets up your e-mail automatically: {where}"
"#;

/// The example policy as revision `revision`, with TOML `extra` appended in order.
pub fn policy(revision: &str, extra: &[&str]) -> String {
    let line = "revision = \"2026-11-27\"";
    assert!(
        EXAMPLE_POLICY.contains(line),
        "the example policy's revision line changed"
    );
    let mut text = EXAMPLE_POLICY.replace(line, &format!("revision = \"{revision}\""));
    for e in extra {
        text.push_str(e);
    }
    text
}

/// `seconds` after a fixed day.
pub fn t(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(1_764_201_600 + seconds)
}

/// A fresh directory under the system's temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "unified-message-pins-{label}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A new message for the `email.setup` explaining slot (issue 23 point 1: the slot names
/// another message).
pub const GUIDE_2: &str = r#"
[messages.email-setup-guide-2]
text.es = "Su correo se configura ahora con el perfil automático que descarga en {system}; ya no hace falta escribir servidores ni puertos: {where}"
text.en = "Your e-mail is now set up with the automatic profile you download from {system}; there are no servers or ports to type any more: {where}"
"#;

/// A new fixed answer for the `email-outage` rule.
pub const OUTAGE_2: &str = r#"
[messages.email-outage-notice-2]
text.es = "La incidencia de correo continúa: use el webmail mientras la resolvemos. Estado: https://estado.acme.example"
text.en = "The e-mail incident goes on: use webmail while we fix it. Status: https://estado.acme.example"
"#;

/// `text` with `email.setup`'s explaining slot naming `email-setup-guide-2` (append
/// [`GUIDE_2`]).
pub fn slot_names_guide_2(text: &str) -> String {
    let from = "explains = { system = \"self-diagnosis\", message = \"email-setup-guide\" }";
    assert!(
        text.contains(from),
        "the example policy's email.setup slot changed"
    );
    text.replace(
        from,
        "explains = { system = \"self-diagnosis\", message = \"email-setup-guide-2\" }",
    )
}

/// `text` without the message `email-setup-guide` (all its versions).
pub fn without_guide(text: &str) -> String {
    let start = text
        .find("[[messages.email-setup-guide.versions]]")
        .expect("the example policy has email-setup-guide");
    let end = text
        .find("[messages.email-setup-panel]")
        .expect("the example policy has email-setup-panel");
    format!("{}{}", &text[..start], &text[end..])
}
