//! `unified-message-server`: the engine over HTTP for apps in any language, beside them as
//! OPA's server or cedar-agent run beside theirs. JSON in, JSON out, one schema with the
//! CLI's JSON lines; the policy file is watched and reloaded without a torn answer; pins live
//! in the workspace's stores. The chapter below is `docs/service.md`.
//!
//! The binary is the product; this library holds its parts so that the tests and benchmarks
//! can reach them.

pub mod auth;
pub mod config;
pub mod decision_log;
pub mod draft;
pub mod endpoints;
pub mod error;
pub mod hosts;
pub mod listener;
pub mod metrics;
pub mod openapi;
pub mod pins;
pub mod ready;
pub mod router;
pub mod state;
pub mod tls;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use sha2::Digest;

use crate::config::Args;
use crate::decision_log::{DecisionLog, LogWriter};
use crate::metrics::Metrics;
use crate::pins::Pins;
use crate::state::{Limits, Loaded, Reloads, Shared, load_file_digest};

/// The service chapter of the guide (`docs/service.md`): running the service, its API,
/// reload, pins, the decision log, its safe defaults, clients and benchmark figures.
#[doc = include_str!("../../docs/service.md")]
pub mod chapter {}

/// The SHA-256 of `bytes` (tokens are compared as their hashes, in constant time).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(bytes).into()
}

/// Starts the service described by `args` and serves until SIGTERM or Ctrl-C, then finishes
/// the requests in flight. Prints `listening on http://ADDR` (`https://` with `--tls-cert`) on
/// standard output once bound.
///
/// # Errors
///
/// When the policy does not compile at start, the pin store or the decision log cannot be
/// opened, or the address cannot be bound.
pub async fn run(args: Args) -> Result<(), String> {
    let metrics = Arc::new(Metrics::new());
    let path = args.policy.clone();
    let max_policy = args.max_policy_bytes;
    let (engine, digest) = tokio::task::spawn_blocking(move || load_file_digest(&path, max_policy))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|diagnostics| {
            let mut text = format!("`{}` does not compile:", args.policy.display());
            for d in diagnostics.iter().take(20) {
                text.push_str(&format!("\n  {d}"));
            }
            text
        })?;
    let pins = Pins::open(&args.pins, &args.pins_namespace).await?;
    let (log, writer) = open_log(&args, &metrics)?;
    let auth = auth::Auth::load(
        args.tokens_file.as_deref(),
        args.admin_token.as_deref(),
        args.protect_metrics,
    )?;
    // A bad `--allowed-hosts` is told before the address is bound (the names are made again
    // once the port is known).
    hosts::AllowedHosts::new(args.listen, &args.allowed_hosts)?;
    let revision = engine.revision().to_owned();
    let now = std::time::SystemTime::now();
    metrics.loaded(state::unix_seconds(now));
    let shared = Arc::new(Shared {
        current: ArcSwap::from_pointee(Loaded {
            engine: Arc::new(engine),
            at: now,
            source: "file",
        }),
        last_reload: Mutex::new(endpoints::policy::ReloadStatus {
            at: state::rfc3339(now),
            trigger: "start".to_owned(),
            result: "ok".to_owned(),
            revision: Some(revision.clone()),
            errors: Vec::new(),
        }),
        metrics: metrics.clone(),
        pins,
        log,
        auth: Arc::new(auth),
        path: args.policy.clone(),
        limits: Limits {
            max_batch: args.max_batch,
            max_policy_bytes: args.max_policy_bytes,
            max_body_bytes: args.max_body_bytes,
            max_check_circumstances: args.max_check_circumstances,
            timeout: args.timeout(),
        },
        ready: AtomicBool::new(true),
        compiling: tokio::sync::Semaphore::new(2),
        reloads: Reloads::new(digest),
        ids: decision_log::LoggedIds::new(hash_key(&args)?),
        store: ready::StoreHealth::default(),
    });
    ready::spawn_probe(shared.clone(), args.pins_probe());
    metrics.reload(true);

    let _watcher = if args.no_watch {
        None
    } else {
        Some(state::watch(shared.clone()).map_err(|e| {
            format!(
                "cannot watch `{}`: {e} (or pass --no-watch)",
                args.policy.display()
            )
        })?)
    };
    spawn_sighup(shared.clone());
    spawn_sigusr1(shared.clone());

    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::Tls::load(cert, key, args.tls_client_ca.as_deref())?),
        _ => None,
    };
    let _tls_watch = tls.as_ref().map(tls::Tls::watch).transpose()?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let _ = writeln!(out, "listening on {scheme}://{bound}");
        let _ = out.flush();
    }
    tracing::info!(
        address = %bound,
        revision,
        pins = shared.pins.as_ref().map_or("none", Pins::kind),
        "serving"
    );
    shared.auth.log_start();
    let mut app = router::router(shared.clone(), args.max_concurrency, args.timeout());
    if args.playground {
        // The page's routes (`/`, `/playground/…`) keep their own body, time and concurrency
        // limits; the service's layers above apply to its own API.
        app = app.merge(unified_message_page::router());
        if shared.auth.required() {
            tracing::warn!(
                "the playground (`/`, `/playground/…`) takes no token: anyone who reaches the \
                 service may compile drafts there (it never sees the policy served nor pins)"
            );
        }
    }
    // Host names and headers wrap everything, the playground included.
    let hosts = hosts::AllowedHosts::new(bound, &args.allowed_hosts)?;
    let app = app
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(hosts),
            hosts::check,
        ))
        .layer(axum::middleware::from_fn(hosts::headers));
    let stopping = shared.clone();
    let limits = listener::ConnLimits::from_args(&args);
    listener::serve(listener, app, limits, tls, async move {
        shutdown_signal().await;
        stopping.ready.store(false, Ordering::Relaxed);
        tracing::info!("stopping: finishing the requests in flight");
    })
    .await;
    // Every handler is done: the last lines reach the log.
    if let Some(log) = &shared.log {
        log.close();
    }
    if let Some(writer) = writer {
        tokio::task::spawn_blocking(move || writer.finish())
            .await
            .map_err(|e| e.to_string())?;
    }
    tracing::info!("stopped");
    Ok(())
}

/// The key of `--hash-customer-ids`, when it is on.
fn hash_key(args: &Args) -> Result<Option<Vec<u8>>, String> {
    match (args.hash_customer_ids, args.hash_key.as_deref()) {
        (false, _) => Ok(None),
        (true, Some(key)) if !key.is_empty() => Ok(Some(key.as_bytes().to_vec())),
        (true, _) => {
            Err("--hash-customer-ids needs a key: set UM_HASH_KEY (or --hash-key)".to_owned())
        }
    }
}

fn open_log(
    args: &Args,
    metrics: &Arc<Metrics>,
) -> Result<(Option<DecisionLog>, Option<LogWriter>), String> {
    let key = hash_key(args)?;
    let (log, writer) = match args.decision_log.as_deref() {
        None => return Ok((None, None)),
        Some("-") => DecisionLog::start(Box::new(std::io::stdout()), key, metrics.clone()),
        // A file is reopened when rotated (`SIGUSR1`, or moved away).
        Some(path) => DecisionLog::start_file(std::path::Path::new(path), key, metrics.clone())?,
    };
    Ok((Some(log), Some(writer)))
}

fn spawn_sighup(shared: Arc<Shared>) {
    // The handler is in place before the service says it listens: a SIGHUP sent at once
    // reloads instead of ending the process.
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(mut hangup) => {
            tokio::spawn(async move {
                while hangup.recv().await.is_some() {
                    shared.reload("sighup").await;
                }
            });
        }
        Err(_) => tracing::warn!("cannot listen for SIGHUP; the file watch still reloads"),
    }
    #[cfg(not(unix))]
    let _ = shared;
}

/// `SIGUSR1` reopens the decision log file (after a rotation); in place before the service
/// says it listens, so the signal never ends the process.
fn spawn_sigusr1(shared: Arc<Shared>) {
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1()) {
        Ok(mut usr1) => {
            tokio::spawn(async move {
                while usr1.recv().await.is_some() {
                    if let Some(log) = &shared.log {
                        log.reopen();
                    }
                }
            });
        }
        Err(_) => tracing::warn!("cannot listen for SIGUSR1; a moved log is still reopened"),
    }
    #[cfg(not(unix))]
    let _ = shared;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
