//! Binding and running the two listeners.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use zhanqun_core::{Error, Result};

use crate::App;

/// Both listeners, bound (so the chosen ports are known before serving).
pub struct Listeners {
    pub public: TcpListener,
    pub manage: TcpListener,
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
        })
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
    // and — on the one node holding the jobs lease — scheduled publishing.
    {
        let (app, stop) = (app.clone(), wait(rx.clone()));
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tokio::pin!(stop);
            let mut ticks: u64 = 0;
            loop {
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tick.tick() => {
                        ticks += 1;
                        if let Err(e) = app.flush_shown().await {
                            tracing::warn!(error = %e, "reprint shown times not recorded");
                        }
                        if let Err(e) = app.visits().refresh_salt(app.store()).await {
                            tracing::warn!(error = %e, "visit salt of the day not loaded");
                        }
                        if ticks.is_multiple_of(app.config().visits.flush_seconds) {
                            match app.visits().flush(app.store()).await {
                                Ok(n) => app.metrics().visits_flushed.inc_by(n),
                                Err(e) => tracing::warn!(error = %e, "visit counts not recorded; kept for the next flush"),
                            }
                        }
                        // Scheduled publishing and unpublishing: the schedule lives in the
                        // store, so a restart (or another node) picks it up.
                        if app.hold_jobs_lease().await && ticks.is_multiple_of(5) {
                            let runs = &app.metrics().job_runs;
                            match app.store().run_due(zhanqun_store::now()).await {
                                Ok((p, u)) => {
                                    runs.with_label_values(&["schedule", "ok"]).inc();
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
                }
            }
        });
    }
    // Reprint: feed polling (each poll leased in the store, so several nodes poll once) and
    // deadline alerts of pending approvals. Its own task: a slow feed never delays the change
    // log above.
    if app.config().reprint.poll {
        let (app, stop) = (app.clone(), wait(rx.clone()));
        let fetcher = crate::feeds::Fetcher::new(&app.config().reprint)?;
        let node = app.node().to_string();
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tick.tick() => {
                        if let Err(e) = crate::feeds::poll_due(&app, &fetcher, &node).await {
                            tracing::warn!(error = %e, "reprint polling failed");
                        }
                        if app.leads_jobs() {
                            let outcome = match crate::feeds::raise_alerts(&app).await {
                                Ok(_) => "ok",
                                Err(e) => {
                                    tracing::warn!(error = %e, "reprint alerts failed");
                                    "error"
                                }
                            };
                            app.metrics().job_runs.with_label_values(&["reprint_alerts", outcome]).inc();
                        }
                    }
                }
            }
        });
    }
    let public = listeners.public.tap_io(|s| {
        let _ = s.set_nodelay(true);
    });
    let public = axum::serve(
        public,
        crate::public::router(app.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(wait(rx.clone()));
    let manage = axum::serve(
        listeners.manage,
        crate::manage::router(app.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(wait(rx.clone()));
    // After the signal, requests in flight get `shutdown_grace_seconds` to finish.
    let grace = std::time::Duration::from_secs(app.config().shutdown_grace_seconds);
    let cut = {
        let stop = wait(rx.clone());
        async move {
            stop.await;
            tokio::time::sleep(grace).await;
        }
    };
    let served = async { tokio::join!(async { public.await }, async { manage.await }) };
    let result = tokio::select! {
        (a, b) = served => a.and(b).map_err(|e| Error::internal(format!("server: {e}"))),
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
