//! The policy in force and its reloads: compiled and checked off the request path, swapped in
//! atomically, so that every request is decided by one whole revision.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use unified_message::{Diagnostic, Engine, EngineBuilder, PolicyError};

use crate::decision_log::DecisionLog;
use crate::metrics::Metrics;
use crate::pins::Pins;
use crate::wire::{PolicyFormat, ReloadStatus};

/// A compiled policy and where it came from.
#[derive(Debug)]
pub struct Loaded {
    /// The engine.
    pub engine: Arc<Engine>,
    /// When it was loaded.
    pub at: SystemTime,
    /// `file` or `upload`.
    pub source: &'static str,
}

/// What every request shares.
#[derive(Debug)]
pub struct Shared {
    /// The policy in force.
    pub current: ArcSwap<Loaded>,
    /// The last reload attempt.
    pub last_reload: Mutex<ReloadStatus>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The pin store, when one is configured.
    pub pins: Option<Pins>,
    /// The decision log, when one is configured.
    pub log: Option<DecisionLog>,
    /// The tokens clients authenticate with (`--tokens-file`, `--admin-token`).
    pub auth: Arc<crate::auth::Auth>,
    /// The policy file.
    pub path: PathBuf,
    /// Limits.
    pub limits: Limits,
    /// False once shutdown began.
    pub ready: AtomicBool,
    /// Bounds the `/v1/check` and upload compilations running at once.
    pub compiling: tokio::sync::Semaphore,
}

/// The limits of the service.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The most requests in one batch.
    pub max_batch: usize,
    /// The largest policy file.
    pub max_policy_bytes: usize,
    /// The largest request body.
    pub max_body_bytes: usize,
    /// The most circumstances a draft's check goes through.
    pub max_check_circumstances: u64,
}

impl Shared {
    /// The policy in force, for one request (one revision for the whole request).
    pub fn engine(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// The builder for drafts that strangers send: the library's limits, tighter.
    pub fn draft_builder(&self) -> EngineBuilder {
        Engine::builder()
            .max_policy_bytes(self.limits.max_body_bytes)
            .max_circumstances(self.limits.max_check_circumstances)
    }

    /// Records a reload attempt in the status, the metrics and the log.
    pub fn record_reload(&self, trigger: &str, result: &Result<String, Vec<Diagnostic>>) {
        let status = ReloadStatus {
            at: rfc3339(SystemTime::now()),
            trigger: trigger.to_owned(),
            result: if result.is_ok() { "ok" } else { "error" }.to_owned(),
            revision: result.as_ref().ok().cloned(),
            errors: match result {
                Ok(_) => Vec::new(),
                Err(d) => d
                    .iter()
                    .filter_map(|d| serde_json::to_value(d).ok())
                    .collect(),
            },
        };
        self.metrics.reload(result.is_ok());
        match result {
            Ok(revision) => tracing::info!(trigger, revision, "policy loaded"),
            Err(diagnostics) => {
                let first = diagnostics
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                tracing::error!(
                    trigger,
                    errors = diagnostics.len(),
                    first = %first,
                    "the policy does not compile; the revision in force stays"
                );
            }
        }
        *self
            .last_reload
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = status;
    }

    /// Swaps `engine` in.
    pub fn swap(&self, engine: Engine, source: &'static str) {
        let at = SystemTime::now();
        self.metrics.loaded(unix_seconds(at));
        self.current.store(Arc::new(Loaded {
            engine: Arc::new(engine),
            at,
            source,
        }));
    }

    /// Reads, compiles and checks the policy file, and swaps it in when it compiles; else
    /// the revision in force stays and the diagnostics are reported.
    pub async fn reload(self: &Arc<Self>, trigger: &str) {
        let shared = self.clone();
        let result = tokio::task::spawn_blocking(move || {
            load_file(&shared.path, shared.limits.max_policy_bytes)
        })
        .await
        .unwrap_or_else(|e| Err(vec![plain_error(format!("the reload task failed: {e}"))]));
        let outcome = result.map(|engine| {
            let revision = engine.revision().to_owned();
            self.swap(engine, "file");
            revision
        });
        self.record_reload(trigger, &outcome);
    }
}

/// The format of a policy file, by its extension.
pub fn format_of(path: &Path) -> Result<PolicyFormat, String> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("toml") => Ok(PolicyFormat::Toml),
        Some("json") => Ok(PolicyFormat::Json),
        Some("yaml" | "yml") => Ok(PolicyFormat::Yaml),
        _ => Err(format!(
            "cannot tell the format of `{}`: name the policy file .toml, .json, .yaml or .yml",
            path.display()
        )),
    }
}

/// Compiles `source` in `format` with `builder`.
pub fn compile(
    builder: &EngineBuilder,
    format: PolicyFormat,
    source: &[u8],
) -> Result<Engine, PolicyError> {
    match format {
        PolicyFormat::Toml => builder.from_toml_slice(source),
        PolicyFormat::Json => builder.from_json_slice(source),
        PolicyFormat::Yaml => builder.from_yaml_slice(source),
    }
}

/// Reads and compiles the policy file, within `max_bytes`.
pub fn load_file(path: &Path, max_bytes: usize) -> Result<Engine, Vec<Diagnostic>> {
    use std::io::Read as _;
    let format = format_of(path).map_err(|e| vec![plain_error(e)])?;
    let file = std::fs::File::open(path).map_err(|e| {
        vec![plain_error(format!(
            "cannot read `{}`: {e}",
            path.display()
        ))]
    })?;
    let mut source = Vec::new();
    file.take(max_bytes as u64 + 1)
        .read_to_end(&mut source)
        .map_err(|e| {
            vec![plain_error(format!(
                "cannot read `{}`: {e}",
                path.display()
            ))]
        })?;
    if source.len() > max_bytes {
        return Err(vec![plain_error(format!(
            "`{}` is larger than {max_bytes} bytes (raise `--max-policy-bytes`)",
            path.display()
        ))]);
    }
    let builder = Engine::builder().max_policy_bytes(max_bytes);
    compile(&builder, format, &source).map_err(|e| e.diagnostics().to_vec())
}

/// A diagnostic for a failure outside the policy's text (a file that cannot be read).
pub fn plain_error(message: String) -> Diagnostic {
    Diagnostic::error(
        unified_message::Code::PolicyUnreadable,
        unified_message::DocPath::root(),
        message,
        "fix the policy file; the revision in force keeps serving",
    )
}

/// RFC 3339, UTC, with milliseconds.
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// Seconds since the Unix epoch.
pub fn unix_seconds(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Watches the policy file (its directory, so that a file replaced by a rename is seen too)
/// and reloads after each burst of changes has settled. The watcher lives as long as the
/// returned value.
///
/// # Errors
///
/// When the directory cannot be watched.
pub fn watch(shared: Arc<Shared>) -> Result<notify::RecommendedWatcher, notify::Error> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let path = shared.path.clone();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(ToOwned::to_owned);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let ours = event.paths.iter().any(|p| p.file_name() == name.as_deref());
        if ours {
            // A full channel already holds a pending reload.
            let _ = tx.try_send(());
        }
    })?;
    watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Let the burst of events of one write settle.
            loop {
                match tokio::time::timeout(Duration::from_millis(30), rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            shared.reload("watch").await;
        }
    });
    Ok(watcher)
}

/// Whether the service still takes requests.
pub fn is_ready(shared: &Shared) -> bool {
    shared.ready.load(Ordering::Relaxed)
}
