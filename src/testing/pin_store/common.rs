//! What the checks of the kit share: the failure, the `ensure!` macro, the policies, the
//! fixtures.

use std::sync::OnceLock;

use crate::PinStoreError;
use crate::engine::Engine;
use crate::model::{Channel, Contact, Responder};
use crate::pins::{Pin, Timestamp};

/// How many writers race on one first contact.
pub const WRITERS: usize = 16;

/// A check of the kit that the store failed: which, and what was seen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the pin store fails the conformance check `{check}`: {detail}")]
pub struct Nonconformance {
    pub(super) check: &'static str,
    pub(super) detail: String,
}

impl Nonconformance {
    /// The check that failed (`insert_if_absent`, `compare_and_replace`, `values`,
    /// `get_many`, `erase`, `race`, `store error`, `newer policy`, `removed message`,
    /// `customer ids`; `many nodes`, `rolling deploy` and `setup` for the node checks;
    /// `interruption` for [`run_interruption`](super::run_interruption), and `setup` when a
    /// required server does not answer).
    pub fn check(&self) -> &'static str {
        self.check
    }

    /// What was expected and what the store did.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// Fails `check` with a message unless `cond`.
macro_rules! ensure {
    ($check:expr, $cond:expr, $($detail:tt)+) => {
        if !$cond {
            return Err(Nonconformance { check: $check, detail: format!($($detail)+) });
        }
    };
}
pub(super) use ensure;

/// A store call that must succeed during `check`.
pub(super) fn ok<T>(
    check: &'static str,
    what: &str,
    r: Result<T, PinStoreError>,
) -> Result<T, Nonconformance> {
    r.map_err(|e| Nonconformance {
        check,
        detail: format!("{what} failed: {e}"),
    })
}

/// A substantive version 4 of `email-setup-guide` (version 3 in the example policy).
const SUBSTANTIVE: &str = r#"
[[messages.email-setup-guide.versions]]
change = "substantive"
text.es = "Los programas de correo usan ahora una contraseña de aplicación. {system}: {where}"
text.en = "E-mail programs now use an app password. {system}: {where}"
"#;

/// The example policy (revision `kit-1`) and a revision with a substantive change (`kit-2`).
pub(super) fn engines() -> Result<&'static (Engine, Engine), Nonconformance> {
    static ENGINES: OnceLock<Result<(Engine, Engine), String>> = OnceLock::new();
    let built = ENGINES.get_or_init(|| {
        let line = "revision = \"2026-11-27\"";
        let first = crate::EXAMPLE_POLICY.replace(line, "revision = \"kit-1\"");
        let second = format!(
            "{}{SUBSTANTIVE}",
            crate::EXAMPLE_POLICY.replace(line, "revision = \"kit-2\"")
        );
        let build = |text: &str| Engine::from_toml_str(text).map_err(|e| e.to_string());
        Ok((build(&first)?, build(&second)?))
    });
    built.as_ref().map_err(|e| Nonconformance {
        check: "setup",
        detail: format!("the kit's policy does not compile: {e}"),
    })
}

/// A new message for `email.setup`'s explaining slot, and a new fixed answer of the
/// `email-outage` rule (issue 23 point 1: the message a slot names changes).
const GUIDE_2: &str = r#"
[messages.email-setup-guide-2]
text.es = "Su correo se configura ahora con el perfil automático de {system}: {where}"
text.en = "Your e-mail is now set up with the automatic profile from {system}: {where}"

[messages.email-outage-notice-2]
text.es = "La incidencia de correo continúa: use el webmail mientras la resolvemos."
text.en = "The e-mail incident goes on: use webmail while we fix it."
"#;

/// Two later revisions (issue 23 points 1 and 2): `kit-3`, `kit-2` where `email.setup`'s
/// explaining system names a new message `email-setup-guide-2` and the `email-outage` rule
/// gives a new fixed answer; and `kit-4`, `kit-3` without the message `email-setup-guide`.
pub(super) fn later_engines() -> Result<&'static (Engine, Engine), Nonconformance> {
    static ENGINES: OnceLock<Result<(Engine, Engine), String>> = OnceLock::new();
    let built = ENGINES.get_or_init(|| {
        let changed = |revision: &str| {
            let text = crate::EXAMPLE_POLICY
                .replace(
                    "revision = \"2026-11-27\"",
                    &format!("revision = \"{revision}\""),
                )
                .replace(
                    "message = \"email-setup-guide\" }",
                    "message = \"email-setup-guide-2\" }",
                )
                .replace(
                    "then = { answer = \"email-outage-notice\" }",
                    "then = { answer = \"email-outage-notice-2\" }",
                );
            format!("{text}{GUIDE_2}")
        };
        let third = format!("{}{SUBSTANTIVE}", changed("kit-3"));
        let fourth = changed("kit-4");
        let start = fourth.find("[[messages.email-setup-guide.versions]]");
        let end = fourth.find("[messages.email-setup-panel]");
        let fourth = match (start, end) {
            (Some(start), Some(end)) if start < end => {
                format!(
                    "{}{}",
                    fourth.get(..start).unwrap_or_default(),
                    fourth.get(end..).unwrap_or_default()
                )
            }
            _ => {
                return Err(
                    "the example policy's email-setup-guide is not where the kit expects it"
                        .to_owned(),
                );
            }
        };
        let build = |text: &str| Engine::from_toml_str(text).map_err(|e| e.to_string());
        Ok((build(&third)?, build(&fourth)?))
    });
    built.as_ref().map_err(|e| Nonconformance {
        check: "setup",
        detail: format!("the kit's later policies do not compile: {e}"),
    })
}

/// A customer id no other run uses: the process, a counter, the time
/// ([`fresh_name`](super::fresh_name)).
pub(super) fn run_id() -> String {
    super::fresh_name("kit")
}

pub(super) fn pin(message: &str, version: u32, revision: &str, at: i64) -> Pin {
    Pin::new(message, version, revision, Timestamp::from_unix_seconds(at))
}

pub(super) fn bot() -> Responder {
    Responder::system("self-diagnosis")
}

pub(super) fn contact(customer: &str, i: usize) -> Contact {
    let channels = [Channel::Chat, Channel::Phone, Channel::Email, Channel::Web];
    let channel = channels
        .get(i % channels.len())
        .cloned()
        .unwrap_or(Channel::Chat);
    Contact::new(customer, channel)
        .with_topic("email.setup")
        .with_locale("en")
}
