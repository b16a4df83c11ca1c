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
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = tx.send(true);
    });
    let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    // Changes made by other processes reach this one through the store's change log; the same
    // loop runs scheduled publishing.
    {
        let (app, stop) = (app.clone(), wait(rx.clone()));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tokio::pin!(stop);
            let mut ticks: u64 = 0;
            loop {
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tick.tick() => {
                        if let Err(e) = app.sync_changes().await {
                            tracing::warn!(error = %e, "change log unavailable");
                        }
                        if let Err(e) = app.flush_shown().await {
                            tracing::warn!(error = %e, "reprint shown times not recorded");
                        }
                        ticks += 1;
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
                        if ticks.is_multiple_of(5) {
                            match app.store().run_due(zhanqun_store::now()).await {
                                Ok((0, 0)) => {}
                                Ok((p, u)) => tracing::info!(published = p, unpublished = u, "scheduled articles"),
                                Err(e) => tracing::warn!(error = %e, "scheduled publishing failed"),
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
        let node = uuid::Uuid::now_v7().to_string();
        tokio::spawn(async move {
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
                        if let Err(e) = crate::feeds::raise_alerts(&app).await {
                            tracing::warn!(error = %e, "reprint alerts failed");
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
    .with_graceful_shutdown(wait(rx));
    let (a, b) = tokio::join!(async { public.await }, async { manage.await });
    // The last counts, after the last request.
    if let Err(e) = app.visits().flush(app.store()).await {
        tracing::warn!(error = %e, "visit counts of the last seconds not recorded");
    }
    a.and(b)
        .map_err(|e| Error::internal(format!("server: {e}")))
}
