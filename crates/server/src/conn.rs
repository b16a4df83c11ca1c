//! One accept loop for every listener (public HTTP, public HTTPS, management, management over
//! HTTPS): a bound on open connections, the TLS handshake (with its own time limit), HTTP/1.1 or
//! HTTP/2, and a watchdog per connection that closes it when it is idle or stuck:
//!
//! - no request in flight for `header_read_timeout_seconds` after it opened, or for
//!   `idle_timeout_seconds` after its last answer (a client that sends nothing, or only the
//!   HTTP/2 preface, or only pings);
//! - an answer that has not moved for `stall_timeout_seconds` (a client that stopped reading).
//!
//! A request's handler is bounded by the listener's request time limit; its answer counts as
//! being sent until the last byte of its body is, so a long download to a slow reader that keeps
//! reading is never cut. HTTP/1.1 header reads are also
//! timed by hyper itself. On shutdown the loop stops accepting and waits for open connections to
//! finish their requests.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

/// How long a connection may be idle or stuck, and how many there may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read: Duration,
    pub idle: Duration,
    pub stall: Duration,
    pub max: usize,
}

impl Limits {
    pub fn from_config(c: &zhanqun_web::config::ConnectionsConfig, max: usize) -> Limits {
        Limits {
            header_read: Duration::from_secs(c.header_read_timeout_seconds),
            idle: Duration::from_secs(c.idle_timeout_seconds),
            stall: Duration::from_secs(c.stall_timeout_seconds),
            max,
        }
    }
}

/// What the watchdog of one connection reads: milliseconds since the connection opened of the
/// last request edge (arrival, answer, last byte of the answer's body) and of the last byte
/// written; the requests whose handler runs, the answers being sent, and the requests seen.
#[derive(Debug)]
struct Activity {
    born: Instant,
    edge_ms: AtomicU64,
    written_ms: AtomicU64,
    handling: AtomicUsize,
    sending: AtomicUsize,
    seen: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            born: Instant::now(),
            edge_ms: AtomicU64::new(0),
            written_ms: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
            sending: AtomicUsize::new(0),
            seen: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn mark(&self, at: &AtomicU64) {
        at.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Why the connection should be closed now, if it should.
    fn verdict(&self, limits: &Limits) -> Option<&'static str> {
        let now = self.now_ms();
        let since =
            |at: &AtomicU64| Duration::from_millis(now.saturating_sub(at.load(Ordering::Relaxed)));
        if self.handling.load(Ordering::Acquire) > 0 {
            // A handler is at work: its own time limit (answered 408) bounds it.
            None
        } else if self.sending.load(Ordering::Acquire) > 0 {
            let quiet = since(&self.edge_ms).min(since(&self.written_ms));
            (quiet > limits.stall).then_some("stalled")
        } else {
            let limit = if self.seen.load(Ordering::Relaxed) == 0 {
                limits.header_read
            } else {
                limits.idle
            };
            (since(&self.edge_ms) > limit).then_some("idle")
        }
    }
}

/// A request whose handler runs.
struct Handling(Arc<Activity>);

impl Handling {
    fn start(a: &Arc<Activity>) -> Handling {
        a.handling.fetch_add(1, Ordering::AcqRel);
        a.seen.fetch_add(1, Ordering::Relaxed);
        a.mark(&a.edge_ms);
        Handling(a.clone())
    }

    /// The handler answered: now its body is being sent.
    fn answered(self) -> Sending {
        let a = self.0.clone();
        a.sending.fetch_add(1, Ordering::AcqRel);
        drop(self);
        Sending(a)
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.mark(&self.0.edge_ms);
        self.0.handling.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An answer whose body is being sent; dropped when it is done (or abandoned).
struct Sending(Arc<Activity>);

impl Drop for Sending {
    fn drop(&mut self) {
        self.0.mark(&self.0.edge_ms);
        self.0.sending.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its answer counted as being sent until it is.
struct Tracked {
    inner: Body,
    _sending: Sending,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The router of one connection, counting its requests for the watchdog: a request is being
/// handled from its arrival until the router answers, then its body is being sent. It also puts
/// the connection's facts on each request (peer, local port, TLS). A plain service rather than
/// a middleware or router layers: no boxed future per request, no re-wrapping of every route
/// per connection.
#[derive(Clone)]
struct Track {
    inner: axum::Router,
    activity: Arc<Activity>,
    peer: SocketAddr,
    local_port: u16,
    over_tls: bool,
}

impl<B> tower::Service<axum::http::Request<B>> for Track
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Tracking;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        tower::Service::<axum::http::Request<B>>::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Tracking {
        let ext = req.extensions_mut();
        ext.insert(axum::extract::ConnectInfo(self.peer));
        ext.insert(zhanqun_web::public::LocalPort(self.local_port));
        if self.over_tls {
            ext.insert(zhanqun_web::public::OverTls);
        }
        Tracking {
            handling: Some(Handling::start(&self.activity)),
            inner: tower::Service::call(&mut self.inner, req),
        }
    }
}

pin_project_lite::pin_project! {
    /// A request being handled; its answer's body keeps it counted until sent.
    struct Tracking {
        #[pin]
        inner: axum::routing::future::RouteFuture<std::convert::Infallible>,
        handling: Option<Handling>,
    }
}

impl std::future::Future for Tracking {
    type Output = Result<Response, std::convert::Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Poll::Ready(Ok(res)) = this.inner.poll(cx) else {
            return Poll::Pending;
        };
        let Some(handling) = this.handling.take() else {
            return Poll::Ready(Ok(res));
        };
        let (parts, body) = res.into_parts();
        let body = Tracked {
            inner: body,
            _sending: handling.answered(),
        };
        Poll::Ready(Ok(Response::from_parts(parts, Body::new(body))))
    }
}

/// The connection's bytes, with the time of the last one written.
struct Watched<IO> {
    io: IO,
    activity: Arc<Activity>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.mark(&this.activity.written_ms);
        }
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.mark(&this.activity.written_ms);
        }
        r
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

/// Accepts and serves connections until `stop`, then waits for the open ones to finish their
/// requests. `router` gets each connection's peer (`ConnectInfo`) and local port
/// ([`zhanqun_web::public::LocalPort`]) as extensions; over TLS, [`zhanqun_web::public::OverTls`] too.
pub async fn serve(
    what: &'static str,
    listener: TcpListener,
    router: axum::Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: Limits,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let local_port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        // Wait for a free slot before accepting: past the bound, connections queue in the kernel.
        let slot = tokio::select! {
            _ = stop.wait_for(|v| *v) => break,
            s = slots.clone().acquire_owned() => s,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            _ = stop.wait_for(|v| *v) => break,
            r = listener.accept() => r,
        };
        let (tcp, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                tracing::warn!(listener = what, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let svc = Track {
            inner: router.clone(),
            activity: activity.clone(),
            peer,
            local_port,
            over_tls: tls.is_some(),
        };
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _slot = slot;
            match tls {
                None => connection(tcp, svc, watcher, peer, activity, limits).await,
                Some(acceptor) => {
                    // A client that never finishes its handshake is dropped after the header time.
                    match tokio::time::timeout(limits.header_read, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            connection(stream, svc, watcher, peer, activity, limits).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// One connection: HTTP/1.1 (headers within the header time, against slowloris) or HTTP/2,
/// under the watchdog.
async fn connection<IO>(
    io: IO,
    svc: Track,
    watcher: hyper_util::server::graceful::Watcher,
    peer: SocketAddr,
    activity: Arc<Activity>,
    limits: Limits,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;

    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(128);
    let io = Watched {
        io,
        activity: activity.clone(),
    };
    let conn = watcher.watch(
        builder
            .serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(svc))
            .into_owned(),
    );
    tokio::pin!(conn);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            r = &mut conn => {
                if let Err(e) = r {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                break;
            }
            _ = tick.tick() => {
                if let Some(why) = activity.verdict(&limits) {
                    tracing::debug!(%peer, why, "connection closed by the watchdog");
                    break;
                }
            }
        }
    }
}
