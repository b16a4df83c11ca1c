//! Test harness: [`TestApp`] runs the real router on real listeners (port 0) over a fresh
//! database — a SQLite file in a temporary directory, or, when `ZHANQUN_TEST_DATABASE_URL` is
//! set, a new PostgreSQL database created for the test on that server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use sqlx::Connection;
use zhanqun_sites::Source;
use zhanqun_store::{SiteInput, Store};
use zhanqun_web::server::{Listeners, serve};
use zhanqun_web::{App, Config};

/// A fresh, migrated store and what keeps it alive.
pub struct TestStore {
    pub store: Store,
    pub url: String,
    _dir: tempfile::TempDir,
}

/// Which backend the tests run on (for messages).
pub fn backend_name() -> &'static str {
    if std::env::var("ZHANQUN_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    }
}

pub async fn fresh_store() -> TestStore {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = match std::env::var("ZHANQUN_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("zq_{}", uuid::Uuid::now_v7().simple());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to ZHANQUN_TEST_DATABASE_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            conn.close().await.ok();
            match admin.rfind('/') {
                Some(i) if admin[..i].contains("://") && !admin[..i].ends_with('/') => {
                    format!("{}/{name}", &admin[..i])
                }
                _ => format!("{}/{name}", admin.trim_end_matches('/')),
            }
        }
        _ => format!("sqlite://{}", dir.path().join("zhanqun.db").display()),
    };
    let store = Store::connect(&url).await.expect("connect store");
    store.migrate().await.expect("migrate");
    TestStore {
        store,
        url,
        _dir: dir,
    }
}

/// The fixture province: two county portals and a department site (tests/fixtures/tenants).
pub fn fixture_sites() -> Vec<SiteInput> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenants");
    zhanqun_sites::load_dir(&dir).unwrap_or_else(|e| panic!("fixture tenants: {e:?}"))
}

/// Builds sources from (file name, text) pairs with the built-in templates.
pub fn parse(files: &[(&str, &str)]) -> Result<Vec<SiteInput>, Vec<zhanqun_sites::SpecError>> {
    let templates: Vec<Source> = zhanqun_sites::BUILTIN_TEMPLATES
        .iter()
        .map(|(p, t)| Source {
            path: p.to_string(),
            text: t.to_string(),
        })
        .collect();
    let tenants: Vec<Source> = files
        .iter()
        .map(|(p, t)| Source {
            path: p.to_string(),
            text: t.to_string(),
        })
        .collect();
    zhanqun_sites::parse_sources(&templates, &tenants)
}

pub struct TestApp {
    pub app: Arc<App>,
    pub store: Store,
    /// The database URL, for a second connection (another process, another node).
    pub url: String,
    pub public: SocketAddr,
    pub manage: SocketAddr,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _db: TestStore,
}

impl TestApp {
    /// Starts the app on a fresh store that `setup` fills first.
    pub async fn spawn() -> TestApp {
        let db = fresh_store().await;
        Self::spawn_on(db).await
    }

    pub async fn spawn_on(db: TestStore) -> TestApp {
        let config = Config {
            public_addr: "127.0.0.1:0".parse().unwrap(),
            manage_addr: "127.0.0.1:0".parse().unwrap(),
            database_url: db.url.clone(),
            demo_on_empty: false,
            ..Config::default()
        };
        let store = db.store.clone();
        let listeners = Listeners::bind(config.public_addr, config.manage_addr)
            .await
            .expect("bind");
        let (public, manage) = listeners.addrs().expect("addrs");
        let app = App::new(config, store.clone()).await.expect("app");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        tokio::spawn(async move {
            let _ = serve(served, listeners, async {
                let _ = rx.await;
            })
            .await;
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            app,
            store,
            url: db.url.clone(),
            public,
            manage,
            client,
            stop: Some(tx),
            _db: db,
        }
    }

    /// GET `path` on the public listener with the `Host` header `host`.
    pub async fn get(&self, host: &str, path: &str) -> reqwest::Response {
        self.get_with(host, path, &[]).await
    }

    pub async fn get_with(
        &self,
        host: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self
            .client
            .get(format!("http://{}{path}", self.public))
            .header("host", host);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("request")
    }

    /// GET the body text of a page, asserting its status.
    pub async fn page(&self, host: &str, path: &str, status: u16) -> String {
        let res = self.get(host, path).await;
        assert_eq!(res.status().as_u16(), status, "GET {host}{path}");
        res.text().await.expect("body")
    }

    /// A metric's value from `/metrics` on the management listener (0 when absent).
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self
            .client
            .get(format!("http://{}/metrics", self.manage))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|r| r.strip_prefix(' '))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(0.0)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
