//! The decision log, as OPA's: one JSON line per decision, written by a thread of its own so
//! that a slow disk never holds a request.
//!
//! Each line: `time` (RFC 3339, UTC), `request_id`, `token` (the name of the client's token,
//! when it sent one; never its value), `revision`, `request` (the contact and
//! responder as sent; placeholder values are left out, only their names are kept), `outcome`,
//! `topic`, `message` (id, version, locale), `flags`, `pin_status` for pinned decisions, and
//! `latency_us` (the whole request's, shared by the lines of a batch). With
//! `--hash-customer-ids`, `request.contact.customer` is `hmac-sha256:HEX`, the HMAC-SHA256 of
//! the id under the service's key: the same customer gives the same value, no one without
//! the key can tell the id back, and no personal id reaches the log.
//!
//! A log file can be rotated (issue 25 point 12): the writer reopens its path on `SIGUSR1`
//! ([`DecisionLog::reopen`]) and by itself when the file at the path is no longer the one it
//! writes (moved away or replaced: its device and inode are checked at most once a second,
//! on write or while idle). Every line queued before the reopen goes to the old file, every
//! line after it to the new one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use hmac::{KeyInit, Mac};
use serde::Serialize;
use unified_message::pins::PinStatus;
use unified_message::{DecideRequest, DecisionRecord, Flags};

use crate::metrics::Metrics;

/// How many lines may wait for the writer; beyond, lines are dropped and counted.
const QUEUE: usize = 64 * 1024;

/// How customer ids appear in the service's own log (standard error): hashed as in the
/// decision log with `--hash-customer-ids`, and always JSON-escaped and quoted, so that an id
/// can neither reveal a person nor forge a log line (a newline in an id is written `\n`).
#[derive(Clone, Debug, Default)]
pub struct LoggedIds {
    key: Option<Vec<u8>>,
}

impl LoggedIds {
    /// Ids hashed under `key`, or shown as sent (escaped) without one.
    pub fn new(key: Option<Vec<u8>>) -> LoggedIds {
        LoggedIds { key }
    }

    /// Whether ids are hashed.
    pub fn hashes(&self) -> bool {
        self.key.is_some()
    }

    /// `customer` as the log may show it, before escaping.
    pub fn customer(&self, customer: &str) -> String {
        match &self.key {
            None => customer.to_owned(),
            Some(key) => hash_customer(key, customer),
        }
    }
}

/// `text` as one JSON string (quoted, with every control character, quote and backslash
/// escaped): a value that goes into a log line whole, without breaking or forging a line.
pub fn escaped(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// How often a log file's path is checked for a rotation (moved away or replaced).
const ROTATION_CHECK: Duration = Duration::from_secs(1);

/// What the writer thread is sent.
#[derive(Debug)]
enum Message {
    /// A line to write.
    Line(String),
    /// Reopen the file (`SIGUSR1`).
    Reopen,
    /// Write what is queued and stop.
    Close,
}

/// Where decisions are logged.
#[derive(Debug)]
pub struct DecisionLog {
    sender: SyncSender<Message>,
    key: Option<Vec<u8>>,
    reopen: Arc<AtomicBool>,
}

/// The writer thread, joined at shutdown once every sender is gone.
#[derive(Debug)]
pub struct LogWriter(JoinHandle<()>);

impl LogWriter {
    /// Waits until every line sent is written.
    pub fn finish(self) {
        let _ = self.0.join();
    }
}

#[derive(Serialize)]
struct Line<'a> {
    time: String,
    request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
    revision: &'a str,
    request: LoggedRequest<'a>,
    outcome: &'static str,
    topic: &'a str,
    message: LoggedMessage<'a>,
    flags: Flags,
    #[serde(skip_serializing_if = "Option::is_none")]
    pin_status: Option<&'static str>,
    latency_us: u128,
}

#[derive(Serialize)]
struct LoggedRequest<'a> {
    contact: serde_json::Value,
    responder: &'a unified_message::Responder,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    values: Vec<&'a str>,
}

#[derive(Serialize)]
struct LoggedMessage<'a> {
    id: &'a str,
    version: u32,
    locale: &'a str,
}

/// One decision to log.
#[derive(Debug)]
pub struct Entry<'a> {
    /// The request id.
    pub request_id: &'a str,
    /// The name of the client's token (never its value), when it sent one.
    pub token: Option<&'a str>,
    /// The request.
    pub request: &'a DecideRequest,
    /// The decision.
    pub record: &'a DecisionRecord,
    /// The pin status, for a pinned decision.
    pub pin_status: Option<PinStatus>,
    /// The request's latency, in microseconds.
    pub latency_us: u128,
}

impl DecisionLog {
    /// A log writing to `out` on a thread of its own; `key` hashes customer ids.
    pub fn start(
        out: Box<dyn Write + Send>,
        key: Option<Vec<u8>>,
        metrics: Arc<Metrics>,
    ) -> (DecisionLog, LogWriter) {
        DecisionLog::spawn(Sink::Stream(out), key, metrics)
    }

    /// A log appending to the file at `path` (created if need be), reopened when rotated.
    ///
    /// # Errors
    ///
    /// Why the file cannot be opened.
    pub fn start_file(
        path: &Path,
        key: Option<Vec<u8>>,
        metrics: Arc<Metrics>,
    ) -> Result<(DecisionLog, LogWriter), String> {
        let file = FileSink::open(path)
            .map_err(|e| format!("cannot open the decision log `{}`: {e}", path.display()))?;
        Ok(DecisionLog::spawn(Sink::File(file), key, metrics))
    }

    fn spawn(sink: Sink, key: Option<Vec<u8>>, metrics: Arc<Metrics>) -> (DecisionLog, LogWriter) {
        let (sender, receiver) = sync_channel(QUEUE);
        let reopen = Arc::new(AtomicBool::new(false));
        let flag = reopen.clone();
        let handle = std::thread::Builder::new()
            .name("decision-log".to_owned())
            .spawn(move || write_lines(receiver, sink, &flag, &metrics));
        let handle = match handle {
            Ok(h) => h,
            // No thread: the lines are dropped (and counted) rather than the service stopped.
            Err(e) => {
                tracing::error!("cannot start the decision log writer: {e}");
                std::thread::spawn(|| ())
            }
        };
        (
            DecisionLog {
                sender,
                key,
                reopen,
            },
            LogWriter(handle),
        )
    }

    /// Ends the log: the writer writes every line queued before this call, then stops.
    pub fn close(&self) {
        let _ = self.sender.send(Message::Close);
    }

    /// Reopens the log file at its path (`SIGUSR1`, after a rotation): the lines queued before
    /// go to the file open now, the later ones to the file at the path. Nothing for standard
    /// output.
    pub fn reopen(&self) {
        self.reopen.store(true, Ordering::SeqCst);
        // Wakes an idle writer; a full queue is written first, and the flag is seen then.
        let _ = self.sender.try_send(Message::Reopen);
    }

    /// `customer` as it may appear in the log.
    pub fn customer(&self, customer: &str) -> String {
        match &self.key {
            None => customer.to_owned(),
            Some(key) => hash_customer(key, customer),
        }
    }

    /// Queues the line of one decision; `false` when it was dropped (the writer is behind).
    pub fn log(&self, entry: &Entry<'_>) -> bool {
        let mut contact = serde_json::to_value(&entry.request.contact).unwrap_or_default();
        if let Some(customer) = contact.get_mut("customer") {
            *customer = serde_json::Value::String(self.customer(&entry.request.contact.customer));
        }
        let record = entry.record;
        let line = Line {
            time: humantime::format_rfc3339_micros(SystemTime::now()).to_string(),
            request_id: entry.request_id,
            token: entry.token,
            revision: &record.revision,
            request: LoggedRequest {
                contact,
                responder: &entry.request.responder,
                values: entry.request.values.keys().map(String::as_str).collect(),
            },
            outcome: record.outcome.as_str(),
            topic: &record.topic,
            message: LoggedMessage {
                id: &record.message.id,
                version: record.message.version,
                locale: &record.message.locale,
            },
            flags: record.flags,
            pin_status: entry.pin_status.map(PinStatus::as_str),
            latency_us: entry.latency_us,
        };
        let Ok(text) = serde_json::to_string(&line) else {
            return false;
        };
        match self.sender.try_send(Message::Line(text)) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }
}

/// `hmac-sha256:` and the hex HMAC-SHA256 of `customer` under `key`.
pub fn hash_customer(key: &[u8], customer: &str) -> String {
    use std::fmt::Write as _;
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
        // HMAC takes keys of any length; never happens.
        return "hmac-sha256:".to_owned();
    };
    mac.update(customer.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(12 + 64);
    out.push_str("hmac-sha256:");
    for b in digest.iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Where the writer writes.
enum Sink {
    /// Standard output, or any stream: never reopened.
    Stream(Box<dyn Write + Send>),
    /// A file, reopened at its path when rotated.
    File(FileSink),
}

/// A log file and what it was when opened.
struct FileSink {
    path: PathBuf,
    file: std::fs::File,
    id: Option<(u64, u64)>,
    checked: Instant,
}

/// The device and inode of `file`, or of the file at a path.
#[cfg(unix)]
fn file_id(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

impl FileSink {
    fn open(path: &Path) -> std::io::Result<FileSink> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let id = file.metadata().ok().as_ref().and_then(file_id);
        Ok(FileSink {
            path: path.to_owned(),
            file,
            id,
            checked: Instant::now(),
        })
    }

    /// Whether the path no longer leads to the file open (moved away, or another file there).
    fn rotated(&mut self) -> bool {
        self.checked = Instant::now();
        match std::fs::metadata(&self.path) {
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            Ok(metadata) => self.id.is_some() && file_id(&metadata) != self.id,
        }
    }

    /// Opens the file at the path in place of the one open; keeps the old one if it cannot.
    fn reopen(&mut self) {
        match FileSink::open(&self.path) {
            Ok(new) => {
                *self = new;
                tracing::info!(path = %self.path.display(), "reopened the decision log");
            }
            Err(e) => tracing::warn!(
                path = %self.path.display(),
                "cannot reopen the decision log: {e}; still writing to the file open"
            ),
        }
    }
}

impl Sink {
    fn out(&mut self) -> &mut dyn Write {
        match self {
            Sink::Stream(out) => out,
            Sink::File(file) => &mut file.file,
        }
    }

    /// Reopens the file when asked, or when it was rotated (checked once a second). The
    /// buffer is written to the old file first.
    fn rotate(&mut self, buffer: &mut Vec<u8>, asked: bool, metrics: &Metrics) {
        let Sink::File(file) = self else {
            return;
        };
        if asked || (file.checked.elapsed() >= ROTATION_CHECK && file.rotated()) {
            write_out(&mut file.file, buffer, metrics);
            file.reopen();
        }
    }
}

/// Writes `buffer` (whole lines) to `out` and empties it.
fn write_out(out: &mut dyn Write, buffer: &mut Vec<u8>, metrics: &Metrics) {
    if buffer.is_empty() {
        return;
    }
    if let Err(e) = out.write_all(buffer).and_then(|()| out.flush()) {
        tracing::warn!("cannot write the decision log: {e}");
        metrics.log_dropped();
    }
    buffer.clear();
}

fn write_lines(
    receiver: Receiver<Message>,
    mut sink: Sink,
    reopen: &AtomicBool,
    metrics: &Metrics,
) {
    let mut buffer: Vec<u8> = Vec::with_capacity(64 * 1024);
    loop {
        let first = match receiver.recv_timeout(ROTATION_CHECK) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => {
                // Idle: a rotated file is still reopened, so the new one appears.
                let asked = reopen.swap(false, Ordering::SeqCst);
                sink.rotate(&mut buffer, asked, metrics);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut next = Some(first);
        // Write what is queued, then flush once.
        while let Some(message) = next {
            match message {
                Message::Line(line) => {
                    buffer.extend_from_slice(line.as_bytes());
                    buffer.push(b'\n');
                    if buffer.len() >= 64 * 1024 {
                        write_out(sink.out(), &mut buffer, metrics);
                    }
                }
                Message::Reopen => {
                    if reopen.swap(false, Ordering::SeqCst) {
                        sink.rotate(&mut buffer, true, metrics);
                    }
                }
                Message::Close => {
                    write_out(sink.out(), &mut buffer, metrics);
                    return;
                }
            }
            next = receiver.try_recv().ok();
        }
        let asked = reopen.swap(false, Ordering::SeqCst);
        sink.rotate(&mut buffer, asked, metrics);
        write_out(sink.out(), &mut buffer, metrics);
    }
    write_out(sink.out(), &mut buffer, metrics);
}
