//! Test harness: [`TestApp`] runs the real router on real listeners (port 0) over a fresh
//! database — a SQLite file in a temporary directory, or, when `ZHANQUN_TEST_DATABASE_URL` is
//! set, a new PostgreSQL database created for the test on that server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

pub mod areas;
pub mod feed;
pub mod letters;
pub mod national;
pub mod process;
pub mod services;
pub mod steps;
pub mod words;

/// The allocator of the `zhanqun` binary (see the workspace Cargo.toml), for every binary that
/// links this library: the story tests and the benches that run the app in their own process
/// (reprint-bench, search-bench) run it on the allocator it has in production (without the
/// deployment's `MIMALLOC_ALLOW_THP=0`). On the national fixture glibc's malloc was a quarter
/// of reprint-bench's home-page re-render CPU (`_int_malloc`, `malloc_consolidate`, `free`
/// under perf). Code of `crates/cli/src` must not use this library: it has an allocator of its
/// own, and a binary may have only one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use sqlx::Connection;
use zhanqun_server::{Listeners, serve};
use zhanqun_sites::Source;
use zhanqun_store::{SiteInput, Store};
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

impl TestStore {
    /// An existing store (a benchmark's fixture), migrated; its data directory is temporary.
    pub async fn existing(url: &str) -> TestStore {
        let store = Store::connect(url).await.expect("connect store");
        store.migrate().await.expect("migrate");
        TestStore {
            store,
            url: url.to_string(),
            _dir: tempfile::tempdir().expect("tempdir"),
        }
    }
}

/// Runs `sql` on the database at `url` over a connection of its own: what a test does behind
/// the store's back (an operator's edit, a store from before a migration).
pub async fn raw_sql(url: &str, sql: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("sqlite:") {
        let p = sqlx::SqlitePool::connect(url).await?;
        sqlx::raw_sql(sql).execute(&p).await?;
        p.close().await;
    } else {
        let p = sqlx::PgPool::connect(url).await?;
        sqlx::raw_sql(sql).execute(&p).await?;
        p.close().await;
    }
    Ok(())
}

/// An empty database of the backend under test (a fresh PostgreSQL database, or a SQLite file
/// in a temporary folder, kept alive by the folder returned), not migrated.
pub async fn fresh_database() -> (String, tempfile::TempDir) {
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
    (url, dir)
}

/// Runs the migrations up to and including `version` on the database at `url`: a store as an
/// older release left it, for a test of what a later migration does to its rows.
pub async fn migrate_to(url: &str, version: i64) {
    if url.starts_with("sqlite:") {
        let opts: sqlx::sqlite::SqliteConnectOptions = url.parse().expect("sqlite url");
        let p = sqlx::SqlitePool::connect_with(opts.create_if_missing(true))
            .await
            .expect("connect");
        sqlx::migrate!("../migrations/sqlite")
            .run_to(version, &p)
            .await
            .expect("migrate");
        p.close().await;
    } else {
        let p = sqlx::PgPool::connect(url).await.expect("connect");
        sqlx::migrate!("../migrations/postgres")
            .run_to(version, &p)
            .await
            .expect("migrate");
        p.close().await;
    }
}

pub async fn fresh_store() -> TestStore {
    let (url, dir) = fresh_database().await;
    let store = Store::connect(&url).await.expect("connect store");
    store.migrate().await.expect("migrate");
    TestStore {
        store,
        url,
        _dir: dir,
    }
}

/// The id of the site with `code` (a test's fixture site; panics when there is none).
pub async fn site_id(store: &Store, code: &str) -> zhanqun_core::SiteId {
    let code = zhanqun_core::SiteCode::parse(code).expect("site code");
    store
        .site_by_code(&code)
        .await
        .expect("read site")
        .unwrap_or_else(|| panic!("no site {code}"))
        .id
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
    /// The HTTPS listener, when the configuration enables it.
    pub https: Option<SocketAddr>,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
    /// The database and data directory (held by the first node only).
    _db: Option<TestStore>,
}

impl TestApp {
    /// Starts the app on a fresh store that `setup` fills first.
    pub async fn spawn() -> TestApp {
        let db = fresh_store().await;
        Self::spawn_on(db).await
    }

    pub async fn spawn_on(db: TestStore) -> TestApp {
        Self::spawn_configured(db, |_| {}).await
    }

    /// Starts the app on a fresh store with a configuration tweak.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_configured(fresh_store().await, tweak).await
    }

    pub async fn spawn_configured(db: TestStore, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let (store, url, dir) = (
            db.store.clone(),
            db.url.clone(),
            db._dir.path().to_path_buf(),
        );
        Self::start(store, url, dir, Some(db), tweak).await
    }

    /// Another node on the same database (its own store connection, so its own origin in the
    /// change log, its own caches and listeners), sharing the data directory.
    /// Takes the database (and data directory) from this node, so that it outlives the node:
    /// a test that stops the first node of several keeps it.
    pub fn take_database(&mut self) -> Option<TestStore> {
        self._db.take()
    }

    pub async fn another_node(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let store = Store::connect(&self.url)
            .await
            .expect("connect second node");
        let dir = self.app.config().data_dir.clone();
        // Each node keeps its own search index.
        let search = dir.join(format!("search-{}", uuid::Uuid::now_v7()));
        Self::start(store, self.url.clone(), dir, None, move |c| {
            c.search.dir = search;
            tweak(c)
        })
        .await
    }

    async fn start(
        store: Store,
        url: String,
        data_dir: std::path::PathBuf,
        db: Option<TestStore>,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config = Config {
            public_addr: "127.0.0.1:0".parse().unwrap(),
            manage_addr: "127.0.0.1:0".parse().unwrap(),
            database_url: url.clone(),
            data_dir,
            demo_on_empty: false,
            // The throwaway PostgreSQL of tests/with-postgres.sh runs with fsync off.
            allow_nondurable_database: true,
            ..Config::default()
        };
        // The stories change content and look at the checks at once: no kept run (the kept
        // run has its own test, which tweaks this back).
        config.jobs.checks_max_age_seconds = 0;
        tweak(&mut config);
        let listeners = Listeners::bind_for(&config).await.expect("bind");
        let (public, manage) = listeners.addrs().expect("addrs");
        let https = listeners.https_addr();
        let app = App::new(config, store.clone()).await.expect("app");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        let served = tokio::spawn(async move {
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
            url,
            public,
            manage,
            https,
            client,
            stop: Some(tx),
            served: Some(served),
            _db: db,
        }
    }

    /// Stops the node the way a crash does: its listeners and background jobs end at once,
    /// nothing is flushed and no lease is given up.
    pub fn kill(&mut self) {
        if let Some(h) = self.served.take() {
            h.abort();
        }
        self.stop.take();
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

    /// GET `path` on the management listener, with no session.
    pub async fn manage_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("http://{}{path}", self.manage))
            .send()
            .await
            .expect("request")
    }

    /// The OpenAPI document the management listener serves to anyone.
    pub async fn openapi(&self) -> serde_json::Value {
        self.manage_get("/api/openapi.json")
            .await
            .json()
            .await
            .unwrap()
    }

    /// A metric's value from `/metrics` on the management listener (0 when absent).
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self.manage_get("/metrics").await.text().await.unwrap();
        text.lines()
            .find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|r| r.strip_prefix(' '))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(0.0)
    }
}

/// A back-office user of a [`TestApp`]: a cookie jar on the management listener.
pub struct User {
    pub client: reqwest::Client,
    pub base: String,
    pub username: String,
    pub id: i64,
    /// The TOTP secret enrolled at first login (what the user's phone holds).
    pub totp_secret: Option<String>,
}

/// A JSON answer: status and body.
pub struct Answer {
    pub status: u16,
    pub json: serde_json::Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or("")
    }
}

impl User {
    /// Logs in over HTTP with a cookie jar: password, then TOTP enrolment with a code computed
    /// from the secret the enrolment shows (as an authenticator app would).
    pub async fn login(manage: SocketAddr, username: &str) -> User {
        Self::try_login(manage, username)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// As [`User::login`], an error instead of a panic (a server killed during the login).
    pub async fn try_login(manage: SocketAddr, username: &str) -> Result<User, String> {
        crypto();
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let base = format!("http://{manage}");
        let user = User {
            client,
            base,
            username: username.into(),
            id: 0,
            totp_secret: None,
        };
        let a = user
            .try_send(
                reqwest::Method::POST,
                "/api/v1/session",
                Some(serde_json::json!({"username": username, "password": TEST_PASSWORD})),
            )
            .await?;
        if a.status != 200 {
            return Err(format!("login {username}: {} {}", a.status, a.json));
        }
        let id = a.json["account"]["id"]
            .as_i64()
            .ok_or_else(|| format!("login {username}: no account id"))?;
        let mut totp_secret = None;
        if a.json["next"] == "enrol" {
            let e = user
                .post("/api/v1/session/totp/enrol", serde_json::json!({}))
                .await;
            assert_eq!(e.status, 200, "{}", e.json);
            let secret = e.json["secret"].as_str().unwrap().to_string();
            let code = zhanqun_core::totp::code_at(&secret, chrono::Utc::now()).unwrap();
            let c = user
                .post(
                    "/api/v1/session/totp/confirm",
                    serde_json::json!({"code": code}),
                )
                .await;
            assert_eq!(c.status, 200, "{}", c.json);
            totp_secret = Some(secret);
        }
        Ok(User {
            id,
            totp_secret,
            ..user
        })
    }

    /// As [`User::send`], but a failed connection is an error, not a panic (a server killed
    /// under load).
    pub async fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Answer, String> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let text = res.text().await.map_err(|e| e.to_string())?;
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        Ok(Answer { status, json })
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Answer {
        self.try_send(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("request {path}: {e}"))
    }

    /// Writes a draft in column `column` through the API and returns its id; the test fails
    /// when the draft is not created.
    pub async fn draft(&self, column: i64, body: serde_json::Value) -> i64 {
        let a = self
            .post(&format!("/api/v1/columns/{column}/articles"), body)
            .await;
        a.json["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("draft not created: {} {}", a.status, a.json))
    }

    /// A workflow step on article `id` (`{"action": …}` and its fields).
    pub async fn act(&self, id: i64, body: serde_json::Value) -> Answer {
        self.post(&format!("/api/v1/articles/{id}/transitions"), body)
            .await
    }

    /// Sends article `id` for review, its secrecy check confirmed.
    pub async fn submit(&self, id: i64) -> Answer {
        self.act(
            id,
            serde_json::json!({"action": "submit", "secrecy_confirmed": true}),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> Answer {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: serde_json::Value) -> Answer {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    /// A console form post: status and body.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("request");
        (res.status().as_u16(), res.text().await.unwrap_or_default())
    }

    /// A console page: status and HTML.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        (res.status().as_u16(), res.text().await.unwrap_or_default())
    }

    /// POST `path` as a multipart form of one part, `file`: `bytes` under the file name `name`
    /// (as a browser uploads a file).
    pub async fn post_file(&self, path: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let file = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("file", file);
        let req = self.client.post(format!("{}{path}", self.base));
        req.multipart(form).send().await.expect("request")
    }

    /// Uploads `bytes` as `name` to the media library of site `site`: the status and the JSON
    /// answer (null when the body is not JSON).
    pub async fn upload(&self, site: i64, name: &str, bytes: Vec<u8>) -> (u16, serde_json::Value) {
        let res = self
            .post_file(&format!("/api/v1/sites/{site}/media"), name, bytes)
            .await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// Installs the process's TLS crypto provider (ring), as the server does; needed before the
/// first HTTP client is built in a process that runs no server.
pub fn crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The password every test account gets.
pub const TEST_PASSWORD: &str = "Shaanxi-2026-test";

/// Creates an account (and its platform role) directly in the store.
pub async fn create_account(
    store: &Store,
    username: &str,
    role: Option<zhanqun_core::PlatformRole>,
) -> zhanqun_core::AccountId {
    store
        .create_account(&zhanqun_store::NewAccount {
            username: username.into(),
            display_name: format!("{username}（测试）"),
            password_hash: zhanqun_core::password::hash(TEST_PASSWORD).unwrap(),
            platform_role: role,
            must_change_password: false,
            unit: None,
        })
        .await
        .unwrap()
}

/// The security administrator used to grant roles (created on first use).
pub async fn security_admin(store: &Store) -> zhanqun_store::Actor {
    let existing = store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.username == "test-secadmin");
    let account = match existing {
        Some(a) => a,
        None => {
            let id = create_account(
                store,
                "test-secadmin",
                Some(zhanqun_core::PlatformRole::SecurityAdmin),
            )
            .await;
            store.account(id).await.unwrap().unwrap()
        }
    };
    zhanqun_store::Actor {
        principal: store.principal(account).await.unwrap(),
        client: Some("test".into()),
        request_id: None,
    }
}

impl TestApp {
    /// Creates an account (and its platform role) directly in the store.
    pub async fn account(
        &self,
        username: &str,
        role: Option<zhanqun_core::PlatformRole>,
    ) -> zhanqun_core::AccountId {
        create_account(&self.store, username, role).await
    }

    /// The security administrator used to grant roles (created on first use).
    pub async fn security_admin(&self) -> zhanqun_store::Actor {
        security_admin(&self.store).await
    }

    /// Grants a site role (on a column subtree when `column` is given).
    pub async fn grant(
        &self,
        account: zhanqun_core::AccountId,
        role: zhanqun_core::SiteRole,
        site: zhanqun_core::SiteId,
        column: Option<zhanqun_core::ColumnId>,
    ) {
        let admin = self.security_admin().await;
        self.store
            .grant(&admin, account, role, site, column)
            .await
            .unwrap();
    }

    /// Account `account` as the store's functions take a person: its principal with its
    /// grants, no client address or request id (what a story test calls the store with).
    pub async fn actor(&self, account: zhanqun_core::AccountId) -> zhanqun_store::Actor {
        let acc = self
            .store
            .account(account)
            .await
            .unwrap()
            .expect("the account exists");
        zhanqun_store::Actor {
            principal: self.store.principal(acc).await.unwrap(),
            client: None,
            request_id: None,
        }
    }

    /// Logs in over HTTP with a cookie jar: password, then TOTP enrolment with a code computed
    /// from the secret the enrolment shows (as an authenticator app would).
    pub async fn login(&self, username: &str) -> User {
        User::login(self.manage, username).await
    }

    /// The fixture sites applied, returning (site id, column id) lookups by code and path.
    /// The fixture sites and the province portal (`6100000001`) over them.
    pub async fn province_fixture(&self) -> Fixture {
        let mut sites = fixture_sites();
        let portal = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tenants/6100000001.toml"),
        )
        .unwrap_or_else(|e| panic!("province portal tenant: {e}"));
        sites.extend(parse(&[("6100000001.toml", &portal)]).unwrap_or_else(|e| panic!("{e:?}")));
        self.store
            .apply_sites(&sites)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        self.fixture().await
    }

    pub async fn fixture(&self) -> Fixture {
        self.store.apply_sites(&fixture_sites()).await.unwrap();
        let mut sites = std::collections::HashMap::new();
        let mut columns = std::collections::HashMap::new();
        for s in self.store.list_sites().await.unwrap() {
            for c in self.store.columns(s.id).await.unwrap() {
                columns.insert(format!("{}/{}", s.code, c.path), c.id);
            }
            sites.insert(s.code.to_string(), s.id);
        }
        Fixture { sites, columns }
    }
}

/// Ids of the fixture province.
pub struct Fixture {
    pub sites: std::collections::HashMap<String, zhanqun_core::SiteId>,
    pub columns: std::collections::HashMap<String, zhanqun_core::ColumnId>,
}

impl Fixture {
    pub fn site(&self, code: &str) -> zhanqun_core::SiteId {
        self.sites[code]
    }
    pub fn column(&self, code_path: &str) -> zhanqun_core::ColumnId {
        *self
            .columns
            .get(code_path)
            .unwrap_or_else(|| panic!("no column {code_path}"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
