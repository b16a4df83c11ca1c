//! A node of zhanqun at run time: the listeners bound and served (public HTTP and HTTPS, the
//! management listener), each connection under [`conn`]'s limits, certificates from [`tls`], and
//! the node's background [`jobs`]. The routers come from `zhanqun-web` (public) and
//! `zhanqun-manage` (console and API).

pub mod conn;
pub mod jobs;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use zhanqun_core::{Error, Result};

use zhanqun_web::App;

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
    pub async fn bind_for(c: &zhanqun_web::Config) -> Result<Listeners> {
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
    let wait = jobs::stopped;
    jobs::spawn(&mut tasks, &app, &rx)?;
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
        jobs::every(&mut tasks, every_check, wait(rx.clone()), move || {
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
        zhanqun_manage::router(app.clone()),
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
    let router = zhanqun_web::public::router(app.clone());
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
