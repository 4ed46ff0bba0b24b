//! The real binary, started on an ephemeral port, as a client finds it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The example policy.
pub fn example_policy() -> &'static str {
    unified_message::EXAMPLE_POLICY
}

/// The example policy as revision `revision`; with `marker`, the e-mail servers renamed so
/// that the text tells the revisions apart.
pub fn policy_text(revision: &str, marker: Option<&str>) -> String {
    let mut text = example_policy().replace(
        "revision = \"2026-11-27\"",
        &format!("revision = \"{revision}\""),
    );
    if let Some(marker) = marker {
        text = text.replace("imap.acme.example", &format!("imap-{marker}.acme.example"));
    }
    text
}

/// Revision `revision` of the example policy in which `email.setup`'s explaining system names
/// another message, `guide` (a new message id; the old guide's versions removed when
/// `remove_old`): the changes no version number orders (issue 23 points 1 and 2).
pub fn policy_with_guide(revision: &str, guide: &str, remove_old: bool) -> String {
    let mut text = policy_text(revision, None).replace(
        "message = \"email-setup-guide\" }",
        &format!("message = \"{guide}\" }}"),
    );
    if remove_old {
        // Every `[[messages.email-setup-guide.versions]]` block, up to the next message.
        let start = text
            .find("[[messages.email-setup-guide.versions]]")
            .expect("the example policy has the guide");
        let end = text[start..]
            .find("[messages.email-setup-panel]")
            .map(|i| start + i)
            .expect("the panel's message follows the guide");
        text.replace_range(start..end, "");
    }
    text.push_str(&format!(
        "\n[messages.{guide}]\ntext.es = \"Guía de correo {guide}: {{system}}, {{where}}\"\ntext.en = \"E-mail guide {guide}: {{system}}, {{where}}\"\n"
    ));
    text
}

/// Service A on the example policy (`2026-11-27`), B on `2026-11-28` whose `email.setup` guide
/// is another message (`email-setup-guide-2`), sharing one SQLite pin file in `dir`: once B
/// pinned the new guide, A withholds its older text.
pub fn two_revisions(dir: &Scratch) -> (Service, Service) {
    let old = dir.write_atomic("old.toml", &policy_text("2026-11-27", None));
    let new = dir.write_atomic(
        "new.toml",
        &policy_with_guide("2026-11-28", "email-setup-guide-2", false),
    );
    let pins = format!("sqlite:{}", dir.path("pins.sqlite3").display());
    (
        Service::start(&old, &["--pins", &pins]),
        Service::start(&new, &["--pins", &pins]),
    )
}

/// A scratch directory of its own, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(label: &str) -> Scratch {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "um-server-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `text` to `name` atomically (a temporary file renamed over it).
    pub fn write_atomic(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        let tmp = self.path(&format!(".{name}.tmp"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running service.
pub struct Service {
    pub child: Child,
    pub base: String,
    pub stderr: PathBuf,
}

impl Service {
    /// Starts the binary on `policy` with `args`, on an ephemeral loopback port.
    pub fn start(policy: &Path, args: &[&str]) -> Service {
        Service::start_env(policy, args, &[])
    }

    pub fn start_env(policy: &Path, args: &[&str], env: &[(&str, &str)]) -> Service {
        let stderr = policy.with_extension(format!(
            "stderr-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let mut command = Command::new(env!("CARGO_BIN_EXE_unified-message-server"));
        command
            .arg(policy)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("UM_ADMIN_TOKEN")
            .env_remove("UM_PINS")
            .env_remove("UM_DECISION_LOG")
            .env_remove("UM_TOKENS_FILE")
            .env_remove("UM_ALLOWED_HOSTS")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let Some(base) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            panic!(
                "the service did not start: {line:?}\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        };
        Service {
            base: base.to_owned(),
            child,
            stderr,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends `signal` (`TERM`, `HUP`) to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end, at most `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.stderr);
    }
}

/// A client with keep-alive.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The example request of the docs: e-mail setup, Spanish, on the web, to the help centre.
pub fn email_request(customer: &str) -> serde_json::Value {
    serde_json::json!({
        "contact": {"customer": customer, "channel": "web", "topic": "email.setup", "locale": "es"},
        "responder": {"system": "self-diagnosis"}
    })
}

/// Waits until `check` holds, at most 10 s.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 10 s");
}

/// The line of a tokens file for the token `value` named `name` with `scopes`.
pub fn token_line(name: &str, scopes: &str, value: &str) -> String {
    let digest = unified_message_server::sha256(value.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{name} {scopes} {hex}\n")
}
