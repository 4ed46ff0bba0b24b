//! The policy in force and its reloads: compiled and checked off the request path, swapped in
//! atomically, so that every request is decided by one whole revision.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use unified_message::{Diagnostic, Engine, EngineBuilder};

use crate::decision_log::DecisionLog;
use crate::draft::PolicyText;
use crate::endpoints::policy::ReloadStatus;
use crate::metrics::Metrics;
use crate::pins::Pins;

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
    /// The reload queue: every change of the policy in force goes through it, in order.
    pub reloads: Reloads,
    /// How customer ids appear in the service's log.
    pub ids: crate::decision_log::LoggedIds,
    /// What the last probe of the pin store found (issue 25 point 9b).
    pub store: crate::ready::StoreHealth,
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
    /// `--timeout-ms`: a pinned batch decides no item after half of it (issue 25 point 11).
    pub timeout: std::time::Duration,
}

impl Shared {
    /// The policy in force, for one request (one revision for the whole request).
    pub fn engine(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// The builder for an upload (`PUT /v1/policy`): within the body limit.
    pub fn upload_builder(&self) -> EngineBuilder {
        Engine::builder().max_policy_bytes(self.limits.max_body_bytes)
    }

    /// The builder for drafts that strangers send (`POST /v1/check`): the library's limits,
    /// tighter.
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
                    "the policy does not compile or is refused; the revision in force stays"
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

    /// Reloads the policy file now (`trigger`: `sighup`, `watch`), after every change queued
    /// before this call, and returns once it is done: swapped in when it compiles, else the
    /// revision in force stays and the diagnostics are reported. See [`Reloads`].
    pub async fn reload(self: &Arc<Self>, trigger: &'static str) {
        let (done, wait) = tokio::sync::oneshot::channel();
        if self
            .reloads
            .queue(
                self,
                Job::File {
                    trigger,
                    at: std::time::Instant::now(),
                    done: Some(done),
                },
            )
            .is_ok()
        {
            let _ = wait.await;
        }
    }

    /// Serves an uploaded policy, after every change queued before it (`PUT /v1/policy`): the
    /// revision it serves, or why it does not compile (the revision in force stays).
    pub async fn upload(self: &Arc<Self>, draft: PolicyText) -> Result<String, Vec<Diagnostic>> {
        let (done, wait) = tokio::sync::oneshot::channel();
        let at = std::time::Instant::now();
        self.reloads
            .queue(self, Job::Upload { draft, at, done })
            .map_err(|()| vec![plain_error("the service is stopping".to_owned())])?;
        wait.await
            .unwrap_or_else(|_| Err(vec![plain_error("the reload task ended".to_owned())]))
    }
}

/// The format of a policy file, by its extension (the library's one list of them).
pub fn format_of(path: &Path) -> Result<unified_message::PolicyFormat, String> {
    unified_message::PolicyFormat::from_path(path).ok_or_else(|| {
        format!(
            "cannot tell the format of `{}`: name the policy file .toml, .json, .yaml or .yml",
            path.display()
        )
    })
}

/// Reads and compiles the policy file, within `max_bytes`.
pub fn load_file(path: &Path, max_bytes: usize) -> Result<Engine, Vec<Diagnostic>> {
    load_file_digest(path, max_bytes).map(|(engine, _)| engine)
}

/// Reads and compiles the policy file, within `max_bytes`: the engine and the SHA-256 of the
/// text it was compiled from.
pub fn load_file_digest(
    path: &Path,
    max_bytes: usize,
) -> Result<(Engine, [u8; 32]), Vec<Diagnostic>> {
    let source = read_bounded(path, max_bytes)?;
    let engine = compile_file(path, &source, max_bytes)?;
    Ok((engine, crate::sha256(&source)))
}

/// The bytes of `path`, at most `max_bytes`.
fn read_bounded(path: &Path, max_bytes: usize) -> Result<Vec<u8>, Vec<Diagnostic>> {
    use std::io::Read as _;
    format_of(path).map_err(|e| vec![plain_error(e)])?;
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
    Ok(source)
}

/// Compiles the text `source` of the policy file `path` (its format by its extension).
fn compile_file(path: &Path, source: &[u8], max_bytes: usize) -> Result<Engine, Vec<Diagnostic>> {
    let format = format_of(path).map_err(|e| vec![plain_error(e)])?;
    let builder = Engine::builder().max_policy_bytes(max_bytes);
    builder
        .from_slice_as(source, format)
        .map_err(|e| e.diagnostics().to_vec())
}

/// A diagnostic for a failure outside the policy's text (a file that cannot be read).
pub fn plain_error(message: String) -> Diagnostic {
    Diagnostic::error(
        unified_message::Code::PolicyUnreadable,
        unified_message::document::DocPath::root(),
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

/// How long the events of one write must be quiet, and the file's size and modification time
/// unchanged, before the file is read.
pub const SETTLE: Duration = Duration::from_millis(50);

/// How many settle windows a file may keep changing before its reload fails.
const SETTLE_ATTEMPTS: u32 = 40;

/// Whether the platform reports when a writer closes a file (inotify's `IN_CLOSE_WRITE`); where
/// it does, a file being written is loaded only once closed.
const CLOSE_EVENTS: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// The reloads of a service, serialized: the file watch, `SIGHUP` and `PUT /v1/policy` queue
/// their change, and one task applies them in the order they came, each compiled to the end
/// before the next starts, so that the last change is the one in force — never an older file
/// that happened to compile more slowly.
///
/// The rules (see `docs/service.md`):
/// - a file being written (modified, and not yet closed by its writer) is never read; it is
///   loaded when the writer closes it or renames it into place, and only once its size and
///   modification time have held still for [`SETTLE`];
/// - the watch follows what the policy path resolves to: the path's directory and every
///   directory its symlinks lead through (a Kubernetes `..data` swap is seen), and a change
///   counts when the bytes the path resolves to differ from the ones last read;
/// - a policy whose revision is the one in force while its text differs is refused (a failed
///   reload): pins record revisions, and one revision must name one text.
#[derive(Debug)]
pub struct Reloads {
    queue: OnceLock<tokio::sync::mpsc::UnboundedSender<Job>>,
    files: Arc<Mutex<Files>>,
    watch: Mutex<Option<Watched>>,
}

/// What the reload task knows of the files.
#[derive(Debug)]
struct Files {
    /// The SHA-256 of the text in force.
    in_force: [u8; 32],
    /// When the policy in force was uploaded; `None` while it came from the file. A file that
    /// changed before that upload does not replace it.
    upload_at: Option<std::time::Instant>,
    /// The SHA-256 of the policy file when it was last read.
    last_read: Option<[u8; 32]>,
    /// The files modified (or created) in the watched directories and not closed since.
    writing: HashSet<PathBuf>,
}

struct Watched {
    watcher: notify::RecommendedWatcher,
    dirs: BTreeSet<PathBuf>,
}

impl std::fmt::Debug for Watched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watched").field("dirs", &self.dirs).finish()
    }
}

/// A change queued for the reload task.
#[derive(Debug)]
enum Job {
    /// Read the policy file again.
    File {
        trigger: &'static str,
        /// When the change was made: the last event the watch heard, or the signal.
        at: std::time::Instant,
        done: Option<tokio::sync::oneshot::Sender<()>>,
    },
    /// Serve an uploaded policy.
    Upload {
        draft: PolicyText,
        /// When the upload came.
        at: std::time::Instant,
        done: tokio::sync::oneshot::Sender<Result<String, Vec<Diagnostic>>>,
    },
}

impl Reloads {
    /// The reloads of a service whose policy in force has the text of SHA-256 `in_force`.
    pub fn new(in_force: [u8; 32]) -> Reloads {
        Reloads {
            queue: OnceLock::new(),
            files: Arc::new(Mutex::new(Files {
                in_force,
                upload_at: None,
                last_read: Some(in_force),
                writing: HashSet::new(),
            })),
            watch: Mutex::new(None),
        }
    }

    fn files(&self) -> std::sync::MutexGuard<'_, Files> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job`, starting the task on first use.
    fn queue(&self, shared: &Arc<Shared>, job: Job) -> Result<(), ()> {
        let sender = self.queue.get_or_init(|| {
            let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(run_reloads(shared.clone(), receiver));
            sender
        });
        sender.send(job).map_err(|_| ())
    }
}

/// The reload task: one change at a time, in the order queued.
async fn run_reloads(shared: Arc<Shared>, mut queue: tokio::sync::mpsc::UnboundedReceiver<Job>) {
    let mut next: VecDeque<Job> = VecDeque::new();
    loop {
        let job = match next.pop_front() {
            Some(job) => job,
            None => match queue.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        match job {
            Job::File { trigger, at, done } => {
                // File reloads queued one after another read the file once.
                let (mut trigger, mut at) = (trigger, at);
                let mut dones = vec![done];
                while let Ok(job) = queue.try_recv() {
                    match job {
                        Job::File {
                            trigger: t,
                            at: a,
                            done,
                        } => {
                            if t != "watch" {
                                trigger = t;
                            }
                            at = at.max(a);
                            dones.push(done);
                        }
                        upload @ Job::Upload { .. } => {
                            next.push_back(upload);
                            break;
                        }
                    }
                }
                reload_file(&shared, trigger, at).await;
                for done in dones.into_iter().flatten() {
                    let _ = done.send(());
                }
            }
            Job::Upload { draft, at, done } => {
                let result = reload_upload(&shared, draft, at).await;
                let _ = done.send(result);
            }
        }
    }
}

/// What reading the policy file found.
enum Read {
    /// The file is being written, or has not changed since it was last read: nothing to do.
    Nothing(&'static str),
    /// The SHA-256 of the file's text, and what it compiled to.
    Compiled([u8; 32], Result<Box<Engine>, Vec<Diagnostic>>),
}

async fn reload_file(shared: &Arc<Shared>, trigger: &'static str, at: std::time::Instant) {
    let task = shared.clone();
    let read = tokio::task::spawn_blocking(move || read_file(&task, trigger))
        .await
        .unwrap_or_else(|e| {
            Read::Compiled(
                [0; 32],
                Err(vec![plain_error(format!("the reload task failed: {e}"))]),
            )
        });
    let (digest, compiled) = match read {
        Read::Nothing(why) => {
            tracing::debug!(trigger, "no reload: {why}");
            return;
        }
        Read::Compiled(digest, compiled) => (digest, compiled),
    };
    // A change the watch heard is as old as the file: its change time as the kernel recorded
    // it, not the moment the event reached this task (late on a loaded machine), so that a
    // file written before an upload stays older than the upload however late it is read.
    let at = if trigger == "watch" {
        changed_at(&shared.path).unwrap_or(at)
    } else {
        at
    };
    let uploaded = shared.reloads.files().upload_at;
    if trigger == "watch" && uploaded.is_some_and(|upload| at < upload) {
        // The file changed before the change in force (an upload) was made: the upload is the
        // last change, and stays.
        tracing::info!(
            "the policy file changed before the policy in force was uploaded: it is not loaded (SIGHUP loads it)"
        );
        return;
    }
    let outcome = compiled.and_then(|engine| admit(shared, *engine, digest, "file", at));
    shared.record_reload(trigger, &outcome);
}

/// When the policy file last changed: the latest status-change time (`ctime`, which no tool
/// can set back, unlike the modification time that `cp -p` or `rsync -t` keep) of the path and
/// every symlink it leads through, as an `Instant` of this process; `None` where the platform
/// has no such time.
fn changed_at(path: &Path) -> Option<std::time::Instant> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let ctime = |m: &std::fs::Metadata| {
            let secs = u64::try_from(m.ctime()).ok()?;
            let nanos = u32::try_from(m.ctime_nsec()).ok()?;
            Some(SystemTime::UNIX_EPOCH + Duration::new(secs, nanos))
        };
        let mut latest: Option<SystemTime> = None;
        let mut at = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        for _ in 0..40 {
            let meta = std::fs::symlink_metadata(&at).ok()?;
            latest = latest.max(ctime(&meta));
            if !meta.file_type().is_symlink() {
                break;
            }
            let to = std::fs::read_link(&at).ok()?;
            at = at.parent().map_or_else(|| to.clone(), |p| p.join(&to));
        }
        let age = SystemTime::now()
            .duration_since(latest?)
            .unwrap_or(Duration::ZERO);
        std::time::Instant::now().checked_sub(age)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Swaps `engine` (of text `digest`) in, unless its revision is the one in force while its
/// text differs.
fn admit(
    shared: &Shared,
    engine: Engine,
    digest: [u8; 32],
    source: &'static str,
    at: std::time::Instant,
) -> Result<String, Vec<Diagnostic>> {
    let revision = engine.revision().to_owned();
    let mut files = shared.reloads.files();
    let current = shared.engine();
    if files.in_force != digest && current.engine.revision() == revision {
        return Err(vec![plain_error(format!(
            "this policy has revision `{revision}`, the revision in force, but its text differs: \
             give every change a new `revision` (pins record the revision that told each text)"
        ))]);
    }
    files.in_force = digest;
    // Only an upload is compared with later file events: the file's own changes follow one
    // another, and its change time (coarse, a few milliseconds behind the clock) may read
    // earlier than the moment the previous file was loaded.
    files.upload_at = (source == "upload").then_some(at);
    shared.swap(engine, source);
    Ok(revision)
}

/// Resolves, waits for a complete write, reads and compiles the policy file (blocking).
fn read_file(shared: &Shared, trigger: &'static str) -> Read {
    let path = &shared.path;
    let chain = resolve(path);
    shared.reloads.follow(&chain);
    let target = chain.target.clone().unwrap_or_else(|| path.clone());
    let mut attempts = 0;
    let source = loop {
        if CLOSE_EVENTS && shared.reloads.files().writing.contains(&target) {
            // Its writer has not closed it: the close (a watch event) reloads it.
            return Read::Nothing("the policy file is being written; it loads once closed");
        }
        match read_settled(path, shared.limits.max_policy_bytes) {
            Ok(Some(source)) => break source,
            Ok(None) if attempts < SETTLE_ATTEMPTS => attempts += 1,
            Ok(None) => {
                return Read::Compiled(
                    [0; 32],
                    Err(vec![plain_error(format!(
                        "`{}` kept changing for {} ms; it is read once its size and time hold still",
                        path.display(),
                        SETTLE.as_millis() * u128::from(SETTLE_ATTEMPTS)
                    ))]),
                );
            }
            Err(e) => return Read::Compiled([0; 32], Err(e)),
        }
    };
    let digest = crate::sha256(&source);
    {
        let mut files = shared.reloads.files();
        if trigger == "watch" && files.last_read == Some(digest) {
            return Read::Nothing("the policy file has not changed");
        }
        files.last_read = Some(digest);
        if trigger == "watch" && files.in_force == digest {
            return Read::Nothing("the policy file holds the text in force");
        }
    }
    Read::Compiled(
        digest,
        compile_file(path, &source, shared.limits.max_policy_bytes).map(Box::new),
    )
}

/// The file's bytes once its size and modification time held still over [`SETTLE`] and the
/// read; `None` while they change.
fn read_settled(path: &Path, max_bytes: usize) -> Result<Option<Vec<u8>>, Vec<Diagnostic>> {
    let stamp = |path: &Path| {
        std::fs::metadata(path)
            .map(|m| (m.len(), m.modified().ok()))
            .map_err(|e| {
                vec![plain_error(format!(
                    "cannot read `{}`: {e}",
                    path.display()
                ))]
            })
    };
    let before = stamp(path)?;
    std::thread::sleep(SETTLE);
    if stamp(path)? != before {
        return Ok(None);
    }
    let source = read_bounded(path, max_bytes)?;
    let after = stamp(path)?;
    if after != before || after.0 != source.len() as u64 {
        return Ok(None);
    }
    Ok(Some(source))
}

async fn reload_upload(
    shared: &Arc<Shared>,
    draft: PolicyText,
    at: std::time::Instant,
) -> Result<String, Vec<Diagnostic>> {
    let digest = crate::sha256(draft.policy.as_bytes());
    let compiled = crate::draft::compile(shared.upload_builder(), draft, |_, compiled| compiled)
        .await
        .unwrap_or_else(|e| {
            Err(vec![plain_error(format!(
                "the upload could not finish: {e}"
            ))])
        });
    let outcome = compiled.and_then(|engine| admit(shared, engine, digest, "upload", at));
    shared.record_reload("upload", &outcome);
    outcome
}

/// What the policy path resolves to.
#[derive(Debug, Default)]
struct Chain {
    /// The directories to watch: the path's own, and every one its symlinks lead through.
    dirs: BTreeSet<PathBuf>,
    /// The file at the end of the symlinks, canonical, when it exists.
    target: Option<PathBuf>,
}

/// Follows the symlinks of `path` (at most 40, as the kernel does).
fn resolve(path: &Path) -> Chain {
    let mut chain = Chain::default();
    let mut at = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    for _ in 0..40 {
        let parent = match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        chain
            .dirs
            .insert(std::fs::canonicalize(&parent).unwrap_or_else(|_| parent.clone()));
        match std::fs::read_link(&at) {
            Ok(to) => at = parent.join(to),
            Err(_) => break,
        }
    }
    chain.target = std::fs::canonicalize(&at).ok();
    if let Some(dir) = chain.target.as_deref().and_then(Path::parent) {
        chain.dirs.insert(dir.to_path_buf());
    }
    chain
}

impl Reloads {
    /// Watches the directories of `chain`, and stops watching those it no longer goes through.
    fn follow(&self, chain: &Chain) {
        use notify::{RecursiveMode, Watcher};
        let mut guard = self.watch.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(watched) = guard.as_mut() else {
            return;
        };
        for dir in chain.dirs.difference(&watched.dirs.clone()) {
            match watched.watcher.watch(dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    watched.dirs.insert(dir.clone());
                }
                Err(e) => tracing::warn!(
                    dir = %dir.display(),
                    "cannot watch a directory the policy path leads through: {e}"
                ),
            }
        }
        let gone: Vec<PathBuf> = watched.dirs.difference(&chain.dirs).cloned().collect();
        for dir in gone {
            // A directory removed is no longer watched already.
            let _ = watched.watcher.unwatch(&dir);
            watched.dirs.remove(&dir);
        }
    }
}

/// Keeps the policy file watched; dropping it ends the watch.
#[derive(Debug)]
pub struct Watching(Arc<Shared>);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self
            .0
            .reloads
            .watch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

/// Watches the policy path — its directory and every directory its symlinks lead through, so
/// that a file replaced by a rename or a swapped symlink (a Kubernetes ConfigMap's `..data`) is
/// seen — and queues a reload after each complete write, once its events have been quiet for
/// [`SETTLE`] (the rules of [`Reloads`]).
///
/// # Errors
///
/// When the policy's directory cannot be watched.
pub fn watch(shared: Arc<Shared>) -> Result<Watching, notify::Error> {
    use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind};
    use notify::{EventKind, RecursiveMode, Watcher};
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
    let files = shared.reloads.files.clone();
    // When the watch last heard of a change, as the event came.
    let heard = Arc::new(Mutex::new(std::time::Instant::now()));
    let heard_at = heard.clone();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let wake = {
            let mut files = files.lock().unwrap_or_else(PoisonError::into_inner);
            match event.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
                    for p in &event.paths {
                        files.writing.remove(p);
                    }
                    true
                }
                EventKind::Access(_) => false,
                // A file written in place: its close (or a rename over it) reloads it.
                EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) if CLOSE_EVENTS => {
                    files.writing.extend(event.paths.iter().cloned());
                    false
                }
                EventKind::Create(CreateKind::File | CreateKind::Any) if CLOSE_EVENTS => {
                    for p in &event.paths {
                        // A new file opened for writing; a symlink made in place counts at once.
                        if std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file()) {
                            files.writing.insert(p.clone());
                        }
                    }
                    true
                }
                EventKind::Modify(ModifyKind::Name(_)) | EventKind::Remove(_) => {
                    for p in &event.paths {
                        files.writing.remove(p);
                    }
                    true
                }
                _ => true,
            }
        };
        if wake {
            *heard_at.lock().unwrap_or_else(PoisonError::into_inner) = std::time::Instant::now();
            // A full channel already holds a pending reload.
            let _ = tx.try_send(());
        }
    })?;
    let chain = resolve(&shared.path);
    let dir = chain
        .dirs
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let mut watched = Watched {
        watcher,
        dirs: BTreeSet::new(),
    };
    // The path's own directory must be watched; the others are followed as they come.
    let own = {
        let at = std::path::absolute(&shared.path).unwrap_or_else(|_| shared.path.clone());
        at.parent()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
            .unwrap_or(dir)
    };
    watched.watcher.watch(&own, RecursiveMode::NonRecursive)?;
    watched.dirs.insert(own);
    *shared
        .reloads
        .watch
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(watched);
    shared.reloads.follow(&chain);
    let task = shared.clone();
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Let the burst of events of one write settle; the change is as recent as its last
            // event.
            loop {
                match tokio::time::timeout(SETTLE, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            let at = *heard.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = task.reloads.queue(
                &task,
                Job::File {
                    trigger: "watch",
                    at,
                    done: None,
                },
            );
        }
    });
    Ok(Watching(shared))
}

/// Whether the service still takes requests.
pub fn is_ready(shared: &Shared) -> bool {
    shared.ready.load(Ordering::Relaxed)
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn issue23_3_resolve_follows_a_configmap_symlink_chain() {
        let dir = std::env::temp_dir().join(format!("um-resolve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("..2026_1")).unwrap();
        std::fs::write(dir.join("..2026_1/policy.toml"), "x").unwrap();
        std::os::unix::fs::symlink("..2026_1", dir.join("..data")).unwrap();
        std::os::unix::fs::symlink("..data/policy.toml", dir.join("policy.toml")).unwrap();
        let dir = std::fs::canonicalize(&dir).unwrap();
        let chain = resolve(&dir.join("policy.toml"));
        assert_eq!(chain.target, Some(dir.join("..2026_1/policy.toml")));
        assert!(chain.dirs.contains(&dir), "{chain:?}");
        assert!(chain.dirs.contains(&dir.join("..2026_1")), "{chain:?}");

        // Swapped as the kubelet does: the chain now ends in the new directory.
        std::fs::create_dir_all(dir.join("..2026_2")).unwrap();
        std::fs::write(dir.join("..2026_2/policy.toml"), "y").unwrap();
        std::os::unix::fs::symlink("..2026_2", dir.join("..data_tmp")).unwrap();
        std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
        let chain = resolve(&dir.join("policy.toml"));
        assert_eq!(chain.target, Some(dir.join("..2026_2/policy.toml")));
        assert!(!chain.dirs.contains(&dir.join("..2026_1")), "{chain:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
