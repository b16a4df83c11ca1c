//! Binding and running the two listeners.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use zhanqun_core::{Error, Result};

use crate::App;

/// The listeners, bound (so the chosen ports are known before serving): public HTTP,
/// management, and public HTTPS when `tls.enabled`.
pub struct Listeners {
    pub public: TcpListener,
    pub manage: TcpListener,
    pub https: Option<TcpListener>,
}

impl Listeners {
    pub async fn bind(public: SocketAddr, manage: SocketAddr) -> Result<Listeners> {
        let bind = |addr: SocketAddr, what: &'static str| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| Error::invalid(format!("无法监听{what}地址 {addr}：{e}")))
        };
        Ok(Listeners {
            public: bind(public, "公共").await?,
            manage: bind(manage, "管理").await?,
            https: None,
        })
    }

    /// The listeners a configuration asks for (HTTPS too when `tls.enabled`).
    pub async fn bind_for(c: &crate::Config) -> Result<Listeners> {
        let mut l = Listeners::bind(c.public_addr, c.manage_addr).await?;
        if c.tls.enabled {
            let addr = c.tls.https_addr;
            l.https = Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| Error::invalid(format!("无法监听 HTTPS 地址 {addr}：{e}")))?,
            );
        }
        Ok(l)
    }

    /// The HTTPS address, when bound.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn addrs(&self) -> Result<(SocketAddr, SocketAddr)> {
        let a = self.public.local_addr().map_err(Error::internal)?;
        let b = self.manage.local_addr().map_err(Error::internal)?;
        Ok((a, b))
    }
}

/// Serves both listeners until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    app: Arc<App>,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    // Every background task belongs to this call: when it returns, or is dropped (a node
    // killed in a test), they stop with it.
    let mut tasks = tokio::task::JoinSet::new();
    let (tx, rx) = tokio::sync::watch::channel(false);
    tasks.spawn(async move {
        shutdown.await;
        let _ = tx.send(true);
    });
    let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    // Changes made by other processes (the CLI, other nodes) reach this one through the
    // store's change log: read every `jobs.change_poll_ms`, and at once when PostgreSQL
    // notifies a commit.
    {
        let (app, stop) = (app.clone(), wait(rx.clone()));
        tasks.spawn(async move {
            let poll = std::time::Duration::from_millis(app.config().jobs.change_poll_ms);
            let mut tick = tokio::time::interval(poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut wakeups = match app.store().change_wakeups().await {
                Ok(w) => w,
                Err(e) => {
                    tracing::warn!(error = %e, "change notifications unavailable; polling only");
                    None
                }
            };
            tokio::pin!(stop);
            loop {
                let woken = async {
                    match wakeups.as_mut() {
                        Some(w) => w.next().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tick.tick() => {}
                    r = woken => {
                        if let Err(e) = r {
                            tracing::warn!(error = %e, "change notification lost");
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        }
                    }
                }
                if let Err(e) = app.sync_changes().await {
                    tracing::warn!(error = %e, "change log unavailable");
                }
            }
        });
    }
    // Housekeeping, every second: this node's own buffers (reprint shown times, visit counts),
    // and — on the one node holding the jobs lease — scheduled publishing and the job gauges.
    {
        let app = app.clone();
        let mut ticks: u64 = 0;
        every(
            &mut tasks,
            Duration::from_secs(1),
            wait(rx.clone()),
            move || {
                ticks += 1;
                let (app, ticks) = (app.clone(), ticks);
                async move { housekeeping(&app, ticks).await }
            },
        );
    }
    // Reprint: feed polling (each poll leased in the store, so several nodes poll once) and
    // deadline alerts of pending approvals. Its own task: a slow feed never delays the change
    // log above.
    if app.config().reprint.poll {
        let app = app.clone();
        let fetcher = Arc::new(crate::feeds::Fetcher::new(&app.config().reprint)?);
        every(
            &mut tasks,
            Duration::from_secs(2),
            wait(rx.clone()),
            move || {
                let (app, fetcher) = (app.clone(), fetcher.clone());
                async move { reprint_tick(&app, &fetcher).await }
            },
        );
    }
    // HTTPS: certificates loaded now (a bad default certificate stops the start), then watched.
    // The same certificates serve the management listener when `tls.manage`.
    let tls_cfg = &app.config().tls;
    let limits = |max| crate::conn::Limits::from_config(&app.config().connections, max);
    let public_limits = limits(app.config().connections.max_public);
    let acceptor = if tls_cfg.enabled || tls_cfg.manage {
        let sites = app.store().list_sites().await?;
        let certs = crate::tls::Certs::load(tls_cfg, &sites)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(certs.server_config()?);
        let every_check = Duration::from_secs(tls_cfg.reload_seconds);
        let app = app.clone();
        every(&mut tasks, every_check, wait(rx.clone()), move || {
            let (app, certs) = (app.clone(), certs.clone());
            async move { reload_certs(&app, &certs).await }
        });
        Some(acceptor)
    } else {
        None
    };
    let https = match (listeners.https, &acceptor) {
        (Some(l), Some(acceptor)) if tls_cfg.enabled => Some(crate::conn::serve(
            "https",
            l,
            public_router(&app, true),
            Some(acceptor.clone()),
            public_limits,
            rx.clone(),
        )),
        (Some(_), _) => {
            return Err(Error::invalid("HTTPS 监听已绑定但 tls.enabled 未开启"));
        }
        (None, _) if tls_cfg.enabled => {
            return Err(Error::invalid(
                "tls.enabled 已开启，但没有绑定 HTTPS 监听（请用 Listeners::bind_for）",
            ));
        }
        (None, _) => None,
    };
    // Search: this node's index, brought up to date (or rebuilt) in the background while the
    // sites are served, then fed: at once when this node changes an article, and from the
    // change log every `search::POLL` for changes made elsewhere.
    if app.config().search.enabled {
        let (app, stop) = (app.clone(), wait(rx.clone()));
        tasks.spawn(async move {
            // Opened here, not before serving: loading the dictionary takes a moment, and until
            // the index is open the search page says search is not available yet.
            let feed = app.search_state().feed.clone();
            let mut caught_up = false;
            let mut tried: Option<std::time::Instant> = None;
            tokio::pin!(stop);
            loop {
                if !caught_up {
                    // At start, and again every 10 s while it fails (a store not reachable yet,
                    // the index directory held by another process).
                    if tried.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
                        tried = Some(std::time::Instant::now());
                        match app.search_catch_up().await {
                            Ok(_) => caught_up = true,
                            Err(e) => {
                                tracing::error!(error = %e, "search index not brought up to date; retried in 10 s")
                            }
                        }
                    }
                }
                tokio::select! {
                    _ = &mut stop => break,
                    _ = feed.woken() => {}
                    _ = tokio::time::sleep(crate::search::POLL) => {}
                }
                if !caught_up {
                    continue;
                }
                let outcome = match app.search_step().await {
                    Ok(_) => "ok",
                    Err(e) => {
                        tracing::warn!(error = %e, "search index not updated; retried");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        "error"
                    }
                };
                app.metrics()
                    .job_runs
                    .with_label_values(&["search", outcome])
                    .inc();
            }
        });
    }
    // Every listener: one accept loop (connection bound, header, idle and stall time limits,
    // one way of draining at a stop).
    let public = crate::conn::serve(
        "public",
        listeners.public,
        public_router(&app, false),
        None,
        public_limits,
        rx.clone(),
    );
    let manage = crate::conn::serve(
        "manage",
        listeners.manage,
        crate::manage::router(app.clone()),
        if app.config().tls.manage {
            acceptor.clone()
        } else {
            None
        },
        limits(app.config().connections.max_manage),
        rx.clone(),
    );
    // After the signal, requests in flight get `shutdown_grace_seconds` to finish.
    let grace = std::time::Duration::from_secs(app.config().shutdown_grace_seconds);
    let cut = {
        let stop = wait(rx.clone());
        async move {
            stop.await;
            tokio::time::sleep(grace).await;
        }
    };
    let served = async {
        tokio::join!(public, manage, async {
            if let Some(h) = https {
                h.await;
            }
        })
    };
    let result = tokio::select! {
        ((), (), ()) = served => Ok(()),
        _ = cut => {
            tracing::warn!(seconds = grace.as_secs(), "requests still in flight after the grace period; stopping anyway");
            Ok(())
        }
    };
    // The last counts, after the last request; the jobs lease for another node at once.
    if let Err(e) = app.visits().flush(app.store()).await {
        tracing::warn!(error = %e, "visit counts of the last seconds not recorded");
    }
    app.release_jobs_lease().await;
    tracing::info!("stopped");
    result
}

/// The public router; over TLS its answers carry HSTS.
fn public_router(app: &Arc<App>, over_tls: bool) -> axum::Router {
    let router = crate::public::router(app.clone());
    let hsts = app.config().tls.hsts_max_age;
    if over_tls
        && hsts > 0
        && let Ok(v) = axum::http::HeaderValue::from_str(&format!("max-age={hsts}"))
    {
        return router.layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                axum::http::header::STRICT_TRANSPORT_SECURITY,
                v,
            ),
        );
    }
    router
}

/// Runs `job` every `period` until `stop` (a late tick waits, it never bursts).
fn every<F, Fut>(
    tasks: &mut tokio::task::JoinSet<()>,
    period: Duration,
    stop: impl Future<Output = ()> + Send + 'static,
    mut job: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tasks.spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                _ = tick.tick() => job().await,
            }
        }
    });
}

/// One second of housekeeping (`ticks` counts the seconds since the start).
async fn housekeeping(app: &App, ticks: u64) {
    if let Err(e) = app.flush_shown().await {
        tracing::warn!(error = %e, "reprint shown times not recorded");
    }
    if let Err(e) = app.visits().refresh_salt(app.store()).await {
        tracing::warn!(error = %e, "visit salt of the day not loaded");
    }
    if ticks.is_multiple_of(app.config().visits.flush_seconds) {
        match app.visits().flush(app.store()).await {
            Ok(n) => app.metrics().visits_flushed.inc_by(n),
            Err(e) => {
                tracing::warn!(error = %e, "visit counts not recorded; kept for the next flush")
            }
        }
    }
    // Scheduled publishing and unpublishing: the schedule lives in the
    // store, so a restart (or another node) picks it up.
    let leads = app.hold_jobs_lease().await;
    let runs = &app.metrics().job_runs;
    let outcome = |r: zhanqun_core::Result<()>, job: &str| match r {
        Ok(()) => runs.with_label_values(&[job, "ok"]).inc(),
        Err(e) => {
            runs.with_label_values(&[job, "error"]).inc();
            tracing::warn!(error = %e, job, "job failed");
        }
    };
    // The gauges of reprint timeliness every 15 s, the national check's
    // veto count every 5 minutes (first two seconds after the start).
    if leads && ticks.is_multiple_of(15) {
        outcome(app.report_reprint().await, "reprint_report");
    }
    if leads && (ticks % 300 == 2) {
        outcome(app.report_checks().await, "checks_report");
    }
    if leads && ticks.is_multiple_of(5) {
        match app.store().run_due(zhanqun_store::now()).await {
            Ok((p, u)) => {
                runs.with_label_values(&["schedule", "ok"]).inc();
                app.metrics()
                    .publishes
                    .with_label_values(&["schedule"])
                    .inc_by(p);
                if p + u > 0 {
                    tracing::info!(published = p, unpublished = u, "scheduled articles");
                }
            }
            Err(e) => {
                runs.with_label_values(&["schedule", "error"]).inc();
                tracing::warn!(error = %e, "scheduled publishing failed");
            }
        }
    }
}

/// Feed polling (each poll leased per source in the store) and, on the jobs node, the deadline
/// alerts of pending approvals.
async fn reprint_tick(app: &App, fetcher: &crate::feeds::Fetcher) {
    if let Err(e) = crate::feeds::poll_due(app, fetcher, app.node()).await {
        tracing::warn!(error = %e, "reprint polling failed");
    }
    if app.leads_jobs() {
        let outcome = match crate::feeds::raise_alerts(app).await {
            Ok(_) => "ok",
            Err(e) => {
                tracing::warn!(error = %e, "reprint alerts failed");
                "error"
            }
        };
        app.metrics()
            .job_runs
            .with_label_values(&["reprint_alerts", outcome])
            .inc();
    }
}

/// Reloads the certificates when a file or a site's settings changed.
async fn reload_certs(app: &App, certs: &crate::tls::Certs) {
    let sites = match app.store().list_sites().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "sites not read for the certificate check");
            return;
        }
    };
    match certs.reload(&app.config().tls, &sites, false) {
        Ok(true) => app.metrics().tls_reloads.with_label_values(&["ok"]).inc(),
        Ok(false) => {}
        Err(_) => app
            .metrics()
            .tls_reloads
            .with_label_values(&["error"])
            .inc(),
    }
}
