//! The service's accept loop (issue 30 point 1): every connection is bounded in time and in
//! number, so that slow or idle clients cannot take the service from the others.
//!
//! - **Headers**: a client has `--header-timeout-ms` to send a request's line and headers,
//!   counted from the connection's opening (TLS handshake included) or, on a kept-alive
//!   connection, from the first byte of the next request.
//! - **Idle**: a kept-alive connection waits `--idle-timeout-ms` for its next request.
//! - **In progress**: a request whose headers arrived is bounded by the request timeout
//!   (`--timeout-ms`, the router's layer); its answer must then be taken by the client within
//!   the header time limit again, or the connection is closed.
//! - **Count**: at most `--max-connections` are open, and never more than the open-file limit
//!   less a reserve (`max_connections`). Beyond it, a new connection takes the place of the
//!   oldest one without a request in progress (idle, or still sending its headers: the slow
//!   clients), which is closed; when every connection has a request in progress, the new one
//!   is closed at once. Nothing waits in a queue of the service's own.
//!
//! Each connection is hyper's HTTP/1 connection (the one under `axum::serve`), watched by its
//! own task; the bytes it reads tell when a request begins, the answer's body when it ends.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt as _;

use crate::config::Args;
use crate::tls::Tls;

/// The bounds of every connection.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ConnLimits {
    /// The time a client has to send a request's line and headers.
    pub header_timeout: Duration,
    /// The time a kept-alive connection waits for its next request.
    pub idle_timeout: Duration,
    /// The time from a request's headers to its answer taken by the client.
    pub exchange_timeout: Duration,
    /// The most connections open at once (already kept below the open-file limit).
    pub max_connections: usize,
}

impl ConnLimits {
    /// The limits the command line asks for, the connection count kept below the open-file
    /// limit of the process.
    pub fn from_args(args: &Args) -> ConnLimits {
        let header_timeout = args.header_timeout();
        ConnLimits {
            header_timeout,
            idle_timeout: args.idle_timeout(),
            exchange_timeout: args.timeout().saturating_add(header_timeout),
            max_connections: max_connections(args.max_connections, open_file_limit()),
        }
    }
}

/// `wanted` kept below `open_files` (the soft open-file limit, `None` when unlimited or
/// unknown) less a reserve for the service's own files: the listener, the pin store's
/// connections, the decision log, the watches. At least 1.
pub fn max_connections(wanted: usize, open_files: Option<u64>) -> usize {
    let Some(limit) = open_files else {
        return wanted.max(1);
    };
    let reserve = (limit / 8).clamp(32, 256);
    let room = usize::try_from(limit.saturating_sub(reserve)).unwrap_or(usize::MAX);
    wanted.min(room).max(1)
}

/// The soft limit of open files of this process (`ulimit -n`), `None` when unlimited.
pub fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Serves `app` on `listener` (over TLS with `tls`) within `limits` until `shutdown` ends;
/// then stops accepting, lets the requests in progress finish (at most the time of one
/// exchange) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    tls: Option<Arc<Tls>>,
    shutdown: impl Future<Output = ()>,
) {
    tracing::info!(
        max_connections = limits.max_connections,
        header_timeout_ms = limits.header_timeout.as_millis(),
        idle_timeout_ms = limits.idle_timeout.as_millis(),
        "connection limits"
    );
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let open = Arc::new(Open::default());
    let (stop, stopped) = watch::channel(false);
    tokio::pin!(shutdown);
    let mut next_id = 0u64;
    let mut last_warning: Option<Instant> = None;
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was taken: wait
                    // a little rather than spin, and say so once a second at most.
                    if last_warning.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                        tracing::warn!(error = %e, "cannot accept a connection");
                        last_warning = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            }
        };
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            // Full: the oldest connection without a request in progress hands its place over
            // (and closes), or the new one is closed at once.
            Err(_) => match open.evict_one() {
                Some(permit) => permit,
                None => {
                    tracing::debug!("connection refused: every connection is busy");
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let conn = Arc::new(Conn::new(next_id, permit));
        open.insert(conn.clone());
        let registered = Registered(open.clone(), conn.clone());
        let app = app.clone();
        let tls = tls.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            let _registered = registered;
            match tls {
                None => serve_one(stream, app, conn, limits, stopped).await,
                Some(tls) => {
                    let mut stop = stopped.clone();
                    let handshake = tokio::select! {
                        r = tokio::time::timeout(
                            limits.header_timeout,
                            tls.acceptor().accept(stream),
                        ) => r,
                        () = conn.evict.notified() => return,
                        _ = stop.changed() => return,
                    };
                    match handshake {
                        Ok(Ok(stream)) => serve_one(stream, app, conn, limits, stopped).await,
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake: out of time"),
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection gives its permit back when it ends.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.exchange_timeout, permits.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("stopping: connections still open after the time of one request");
    }
}

/// Serves one connection until it ends, runs out of time, makes room for a new one or the
/// service stops.
async fn serve_one<I>(
    io: I,
    app: Router,
    conn: Arc<Conn>,
    limits: ConnLimits,
    mut stopped: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let watched = conn.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
        let exchange = Exchange::begin(watched.clone());
        let app = app.clone();
        async move {
            let response = match app.oneshot(request.map(Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            Ok::<_, Infallible>(response.map(|body| Answer {
                body,
                _exchange: exchange,
            }))
        }
    });
    let io = hyper_util::rt::TokioIo::new(Watched {
        io,
        conn: conn.clone(),
    });
    let connection = hyper::server::conn::http1::Builder::new()
        // The deadlines are kept here, by the task (hyper's own timer would count the idle
        // time of a kept-alive connection as header time).
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        let deadline = conn.deadline(&limits);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended");
                }
                return;
            }
            () = conn.evict.notified() => {
                tracing::debug!("connection closed to make room for a new one");
                return;
            }
            () = conn.changed.notified() => {}
            () = tokio::time::sleep_until(deadline) => {
                if Instant::now() >= conn.deadline(&limits) {
                    tracing::debug!("connection closed: out of time");
                    return;
                }
            }
            _ = stopped.changed(), if !stopping => {
                // Idle connections close now; one with a request in progress after its answer.
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// The connections open, oldest first.
#[derive(Default)]
struct Open(Mutex<BTreeMap<u64, Arc<Conn>>>);

impl Open {
    fn insert(&self, conn: Arc<Conn>) {
        if let Ok(mut open) = self.0.lock() {
            open.insert(conn.id, conn);
        }
    }

    /// Asks the oldest connection without a request in progress to close, and takes its
    /// place; `None` when there is none.
    fn evict_one(&self) -> Option<OwnedSemaphorePermit> {
        let open = self.0.lock().ok()?;
        for conn in open.values() {
            if conn.busy.load(Ordering::Acquire) == 0 && !conn.evicted.swap(true, Ordering::AcqRel)
            {
                let permit = conn.permit.lock().ok().and_then(|mut p| p.take());
                conn.evict.notify_one();
                if permit.is_some() {
                    return permit;
                }
            }
        }
        None
    }
}

/// Removes a connection from [`Open`] and gives its place back when its task ends.
struct Registered(Arc<Open>, Arc<Conn>);

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut open) = (self.0).0.lock() {
            open.remove(&self.1.id);
        }
        if let Ok(mut permit) = self.1.permit.lock() {
            permit.take();
        }
    }
}

/// What the task of one connection knows of it. Times are milliseconds since `opened`, plus
/// one (0: not yet).
struct Conn {
    id: u64,
    opened: Instant,
    /// Its place among `--max-connections` (handed to a new connection when evicted).
    permit: Mutex<Option<OwnedSemaphorePermit>>,
    /// Requests between their headers and their answer's last byte handed to the socket.
    busy: AtomicUsize,
    /// The first byte of the next request, while no request is in progress.
    head_at: AtomicU64,
    /// The headers of the request in progress.
    exchange_at: AtomicU64,
    /// The end of the last answer.
    done_at: AtomicU64,
    /// The deadline moved earlier (a request began to arrive).
    changed: Notify,
    /// Asked to close to make room.
    evict: Notify,
    evicted: AtomicBool,
}

impl Conn {
    fn new(id: u64, permit: OwnedSemaphorePermit) -> Conn {
        Conn {
            id,
            opened: Instant::now(),
            permit: Mutex::new(Some(permit)),
            busy: AtomicUsize::new(0),
            head_at: AtomicU64::new(0),
            exchange_at: AtomicU64::new(0),
            done_at: AtomicU64::new(0),
            changed: Notify::new(),
            evict: Notify::new(),
            evicted: AtomicBool::new(false),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    fn at(&self, mark: u64) -> Instant {
        self.opened + Duration::from_millis(mark.saturating_sub(1))
    }

    /// When the connection is out of time, as things stand.
    fn deadline(&self, limits: &ConnLimits) -> Instant {
        if self.busy.load(Ordering::Acquire) > 0 {
            return self.at(self.exchange_at.load(Ordering::Acquire)) + limits.exchange_timeout;
        }
        match (
            self.done_at.load(Ordering::Acquire),
            self.head_at.load(Ordering::Acquire),
        ) {
            // The first request: from the opening, whenever its first byte came.
            (0, _) => self.opened + limits.header_timeout,
            (done, 0) => self.at(done) + limits.idle_timeout,
            (_, head) => self.at(head) + limits.header_timeout,
        }
    }

    /// Bytes arrived.
    fn read_some(&self) {
        if self.busy.load(Ordering::Acquire) == 0 && self.head_at.load(Ordering::Acquire) == 0 {
            self.head_at.store(self.now(), Ordering::Release);
            self.changed.notify_one();
        }
    }
}

/// One request, from its headers to the end of its answer.
struct Exchange(Arc<Conn>);

impl Exchange {
    fn begin(conn: Arc<Conn>) -> Exchange {
        conn.exchange_at.store(conn.now(), Ordering::Release);
        conn.head_at.store(0, Ordering::Release);
        conn.busy.fetch_add(1, Ordering::AcqRel);
        Exchange(conn)
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        self.0.done_at.store(self.0.now(), Ordering::Release);
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An answer's body; the exchange ends when hyper has taken all of it.
struct Answer {
    body: Body,
    _exchange: Exchange,
}

impl http_body::Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The connection's stream, telling [`Conn`] when bytes arrive.
struct Watched<I> {
    io: I,
    conn: Arc<Conn>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Watched<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.conn.read_some();
        }
        poll
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Watched<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::max_connections;

    #[test]
    fn issue30_1_the_connection_cap_stays_below_the_open_file_limit() {
        assert_eq!(max_connections(1024, None), 1024);
        assert_eq!(max_connections(1024, Some(20_000)), 1024);
        assert_eq!(max_connections(1024, Some(1024)), 896);
        assert_eq!(max_connections(1024, Some(100)), 68);
        assert_eq!(max_connections(1024, Some(10)), 1);
        assert_eq!(max_connections(0, None), 1);
    }
}
