//! The content store: one facade, two backends.
//!
//! `Store` holds either a SQLite pool (the embedded default) or a PostgreSQL pool (scale-out),
//! chosen once from the database URL. Every query is written once with `$N` placeholders and
//! compiled for both pools through [`on_pool!`]; where the dialects differ, the difference is
//! spelled out next to the query. Migrations live in `migrations/<backend>/` at the repository
//! root and are applied at start-up.
//!
//! Every write that changes what a public page shows reports a [`Change`] to the registered
//! listeners, synchronously and after the commit, so that the page cache is correct on the very
//! next request.

mod accounts;
mod actor;
mod applications;
mod appointments;
pub mod audit;
pub mod backup;
pub mod bulk;
mod checkpoint;
mod content;
mod datasets;
pub mod editorial;
mod faq;
pub mod figures;
mod generated;
mod history;
mod info_requests;
mod info_reviews;
mod input;
mod interview;
mod letter_handling;
mod letters;
mod media;
pub mod ops;
mod read_paths;
mod readers;
pub mod reprint;
mod rows;
mod sealed_files;
mod search;
mod services;
mod sessions;
mod sites;
pub mod stats;
mod submissions;
mod survey;
pub mod visits;

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use zhanqun_core::{ArticleId, ColumnId, Error, Result, SiteId};

pub use accounts::{NewAccount, check_username};
pub use actor::Actor;
pub use applications::{
    ApplicationView, Mover, NewApplication, Received, ServiceCaller, ServiceToken, Which,
};
pub use appointments::{Booking, NewSlot, Slot};
pub use audit::{AuditEntry, AuditRecord, AuditReport, Outcome};
pub use bulk::BulkArticle;
pub use content::{ArticlePage, CatalogueFilter, Facets};
pub use datasets::{DatasetEntry, Structured};
pub use editorial::{ArticleEvent, MyWork, Revision, Transition, WorkItem, Workflow};
pub use faq::{Faq, NewFaq};
pub use figures::{
    AnnualReport, AppearanceCounts, Publication, ReportRow, ReportValue, SiteCounts,
};
pub use info_requests::{
    InfoRequestEvent, InfoRequestInFull, InfoRequestLine, InfoRequestStatus, NewInfoRequest,
    RequestStepInput,
};
pub use input::{ArticleInput, DisclosureInput};
pub use interview::{Interview, InterviewQuestion, NewInterview};
pub use letter_handling::{LetterCase, LetterEvent, PublicReply, StepInput};
pub use letters::{LetterInFull, LetterLine, LetterStatus, NewLetter, Submitted};
pub use media::{MediaRecord, NewMedia};
pub use read_paths::ReadPathDrift;
pub use readers::READERS;
pub use reprint::{
    Alert, Delivery, DeliveryTime, HandItem, Ingested, NewItem, NewSource, PollOutcome,
    ReprintMode, Source, Subscription,
};
pub use sealed_files::{AttachmentFile, AttachmentLine, NewAttachment};
pub use search::Searchable;
pub use services::{ServiceFacets, ServiceFilter, ServiceLine};
pub use sessions::{LoginError, LoginLock, LoginPolicy};
pub use sites::{ColumnInput, SiteInput, SiteRecord};
pub use stats::SiteCheck;
pub use submissions::{Submission, SubmissionCount};
pub use survey::{NewSurvey, QuestionResult, Survey};
pub use visits::{PageViews, VisitDay, VisitTotals};

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// Runs the same body against whichever pool the store holds; `$p` is bound to the pool.
macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Pg($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// One query on whichever store, its database error mapped:
/// `fetch!(self, all, sqlx::query_as(SQL).bind(x))` is a `Result<Vec<_>>`; `optional` and `one`
/// fetch an `Option` and exactly one row. It is [`on_reader!`] with one statement: one of the
/// store's reading connections ([`readers`]), outside any transaction. `fetch!(self, pool all, …)`
/// runs on the pool instead: a write with `RETURNING`, or a report that reads for long.
macro_rules! fetch {
    (@run all, $q:expr, $e:expr) => {
        $q.fetch_all($e).await
    };
    (@run optional, $q:expr, $e:expr) => {
        $q.fetch_optional($e).await
    };
    (@run one, $q:expr, $e:expr) => {
        $q.fetch_one($e).await
    };
    ($store:expr, pool $how:ident, $q:expr) => {
        $crate::on_pool!($store, |p| $crate::fetch!(@run $how, $q, p)
            .map_err($crate::db_err))
    };
    ($store:expr, $how:ident, $q:expr) => {
        $crate::on_reader!($store, |c| async { $crate::fetch!(@run $how, $q, &mut *c) })
    };
}
pub(crate) use fetch;

/// Several reads in a row on one connection, outside any transaction: one of the store's
/// reading connections ([`readers`]), held until the last statement (a page that reads a count
/// and then its rows pays no pool hand-over and no ping per statement). `on_reader!(self, |c| async { … })`: `c` is a `&mut`
/// connection of either backend, reborrowed for each statement (`.fetch_all(&mut *c)`), and the
/// block answers `Result<T, sqlx::Error>`; the macro answers `Result<T>`.
macro_rules! on_reader {
    ($store:expr, |$c:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite(_) => $crate::on_reader!(@lent $store.readers.get().await, |$c| $body),
            $crate::Pool::Pg(_) => $crate::on_reader!(@lent $store.pg_readers.get().await, |$c| $body),
        }
    };
    (@lent $lent:expr, |$c:ident| $body:expr) => {
        match $lent {
            Some(mut reader) => match reader.conn() {
                Some($c) => {
                    let r = $body.await;
                    reader.finish(&r);
                    r.map_err($crate::db_err)
                }
                None => Err($crate::readers::closed()),
            },
            None => Err($crate::readers::closed()),
        }
    };
}
pub(crate) use on_reader;

/// Runs one statement that returns no rows on the pool: the rows it changed, or the error.
macro_rules! exec {
    ($store:expr, $q:expr) => {
        $crate::on_pool!($store, |p| $q
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err($crate::db_err))
    };
}
pub(crate) use exec;

/// Starting a write transaction. On SQLite it is `BEGIN IMMEDIATE`, which takes the write lock
/// at once and waits for it under the busy timeout. A deferred `BEGIN` would start as a reader:
/// if another connection commits before it writes, SQLite answers SQLITE_BUSY at once, without
/// waiting. On PostgreSQL it is a plain `BEGIN`.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>,
    > + Send;
}

impl BeginWrite for sqlx::SqlitePool {
    type Db = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>,
    > + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for sqlx::PgPool {
    type Db = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>,
    > + Send {
        self.begin()
    }
}

/// Records a change in the change log, inside the transaction `$tx` that makes it.
macro_rules! log_change {
    ($store:expr, $tx:expr, $change:expr) => {
        sqlx::query("INSERT INTO change_log (origin, payload, at) VALUES ($1, $2, $3)")
            .bind(&*$store.origin)
            .bind(
                serde_json::to_string($change)
                    .map_err(|e| Error::internal(format!("change: {e}")))?,
            )
            .bind($crate::now())
            .execute(&mut *$tx)
            .await
            .map_err($crate::db_err)?
    };
}
pub(crate) use log_change;

/// What changed, as far as public pages are concerned. Recorded in the change log (as JSON) in
/// the transaction that makes the change, and announced to this process's listeners after commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    /// A site's settings, hosts or columns changed (or the site was created).
    Site(SiteId),
    /// An article changed: every (site, column) that shows it, and the articles whose pages
    /// mention it (the policy an interpretation explains).
    Article {
        article: ArticleId,
        placements: Vec<(SiteId, ColumnId)>,
        related: Vec<ArticleId>,
    },
    /// Everything may have changed (demo reload, restore).
    All,
}

type Listener = Arc<dyn Fn(&Change) + Send + Sync>;

/// The content store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    listeners: Arc<RwLock<Vec<Listener>>>,
    /// Identifies this process's writes in the change log.
    origin: Arc<str>,
    /// The key elements a service item's guide needs before review and publication.
    service_elements: Arc<[zhanqun_core::service::Element]>,
    /// Where the media library keeps its files (`<root>/<site id>/<stored name>`), when known:
    /// the check indicators then count a linked file missing there as broken.
    media_root: Option<Arc<Path>>,
    /// The reading connections ([`fetch!`], [`on_reader!`]) of a SQLite store (none on
    /// PostgreSQL) and of a PostgreSQL store (none on SQLite).
    readers: readers::Readers<sqlx::Sqlite>,
    pg_readers: readers::Readers<sqlx::Postgres>,
    /// How long a PostgreSQL connection may sit idle and still be lent without a ping.
    ping_idle: readers::PingIdle,
    /// A SQLite store's checkpoint task ([`checkpoint`]), stopped by [`Store::close`] or with
    /// the last clone.
    checkpoints: Option<Arc<checkpoint::Checkpoints>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

pub(crate) fn db_err(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return Error::Conflict("数据重复：与已有记录冲突".to_string());
    }
    Error::internal(format!("database: {e}"))
}

/// The durability a SQLite connection must have, given what it read back of `journal_mode`,
/// `synchronous` and `foreign_keys`: WAL, FULL (2) and on. The pool and every reader check it.
pub(crate) fn durable(mode: &str, sync: i64, fk: i64) -> Result<()> {
    if mode.eq_ignore_ascii_case("wal") && sync == 2 && fk == 1 {
        return Ok(());
    }
    Err(Error::internal(format!(
        "SQLite durability settings not in force: journal_mode={mode} synchronous={sync} foreign_keys={fk}"
    )))
}

/// Crash-test hook: when the `ZHANQUN_FAILPOINT` variable names this point, the process aborts
/// here — no unwinding, no cleanup, as `kill -9` or a power cut would. Read once; otherwise costs
/// one comparison. Used by the test that kills a fan-out half-way.
pub(crate) fn failpoint(name: &str) {
    static POINT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if POINT
        .get_or_init(|| std::env::var("ZHANQUN_FAILPOINT").ok())
        .as_deref()
        == Some(name)
    {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}

/// How much of a SQLite store each connection reads through a memory map rather than
/// `read` calls into its own 2 MB page cache. On the national fixture (2.7 GB) a cache-missed
/// page reads scattered rows of several indexes and of `articles`; without the map most of its
/// CPU went to copying pages from the kernel (issue 17). The mapped pages are the kernel's page
/// cache, shared by every connection, counted in the process's resident file pages
/// (`RssFile`) and given back under memory pressure. SQLite's own cap is 2 GiB, less than a
/// province's store: the bundled SQLite is built with a 1 TiB cap (`.cargo/config.toml`), and
/// the map is asked for up to 256 GiB (SQLite maps no more than the file's size).
pub const SQLITE_MMAP_BYTES: u64 = 256 << 30;

/// Connections of a SQLite store's pool opened when the store is opened (one after another:
/// a start or a CLI command takes that much longer) and kept open: sqlx opens the others when
/// asked, and renews an idle one after ten minutes in the background. The statistics overview
/// reads with five statements at once while a background job may hold one; each connection
/// opened for it cost 2 to 9 ms before its first statement on the national fixture, and the
/// auditor's first overview after a start opened two or three (issue 17).
pub const SQLITE_POOL_KEPT: u32 = 6;

/// Rows a SQLite connection's thread reads ahead of the task that takes them (sqlx's default is
/// 50): the overview's deliveries and a year's statistics read 10,000 rows and more, and each
/// time the buffer fills the thread waits for the task to be woken and drain it.
pub const SQLITE_ROW_BUFFER: usize = 1024;

/// How long a PostgreSQL connection (one of the store's readers or of its pool) may sit idle
/// and still be lent without a ping first, unless [`Store::set_ping_idle`] changes it.
pub const PG_PING_IDLE: Duration = Duration::from_secs(30);

/// Current time, truncated to microseconds so both backends store the same value.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

impl Store {
    /// Opens the store named by `url` (`sqlite://path` or `postgres://…`). For SQLite the file
    /// and its directory are created when missing; WAL, `synchronous=FULL` and foreign keys are
    /// set and read back: a store that cannot guarantee them is refused.
    pub async fn connect(url: &str) -> Result<Store> {
        let ping_idle = readers::PingIdle::new(PG_PING_IDLE);
        let mut checkpoints = None;
        let (pool, readers, pg_readers) = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| Error::invalid(format!("数据库地址“{url}”无法解析：{e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
                // Commits do not checkpoint; the store's own task does ([`checkpoint`]).
                .pragma("wal_autocheckpoint", "0")
                .pragma("journal_size_limit", checkpoint::LOG_KEPT_BYTES.to_string())
                .row_buffer_size(SQLITE_ROW_BUFFER);
            if let Some(dir) = opts.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::invalid(format!("无法创建数据目录 {}：{e}", dir.display()))
                })?;
            }
            // Sixteen: the statistics pages read with up to five statements at once, and
            // pages and writes must still find a connection while two of them are open.
            let pool = SqlitePoolOptions::new()
                .max_connections(16)
                .min_connections(SQLITE_POOL_KEPT)
                .test_before_acquire(false)
                .connect_with(opts.clone())
                .await
                .map_err(|e| Error::invalid(format!("无法打开 SQLite 数据库 {url}：{e}")))?;
            let readers =
                match readers::Readers::open(&opts, readers::READERS, &pool, &ping_idle).await {
                    Ok(r) => r,
                    Err(e) => {
                        pool.close().await;
                        return Err(Error::invalid(format!("无法打开 SQLite 数据库 {url}：{e}")));
                    }
                };
            match checkpoint::Checkpoints::start(&opts).await {
                Ok(c) => checkpoints = Some(Arc::new(c)),
                Err(e) => {
                    readers.close().await;
                    pool.close().await;
                    return Err(Error::invalid(format!("无法打开 SQLite 数据库 {url}：{e}")));
                }
            }
            (Pool::Sqlite(pool), readers, readers::Readers::default())
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)
                .map_err(|e| Error::invalid(format!("数据库地址无法解析：{e}")))?;
            // An idle connection is pinged before it is lent only when it has been idle for a
            // while (sqlx pings every one by default: a round trip to the server for each
            // statement of a busy server, to catch the rare connection lost while idle).
            let idle = ping_idle.clone();
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .before_acquire(move |conn, meta| {
                    let after = idle.get();
                    Box::pin(async move {
                        if meta.idle_for >= after {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(opts.clone())
                .await
                .map_err(|e| Error::invalid(format!("无法连接 PostgreSQL：{e}")))?;
            let readers =
                match readers::Readers::open(&opts, readers::READERS, &pool, &ping_idle).await {
                    Ok(r) => r,
                    Err(e) => {
                        pool.close().await;
                        return Err(Error::invalid(format!("无法连接 PostgreSQL：{e}")));
                    }
                };
            (Pool::Pg(pool), readers::Readers::default(), readers)
        } else {
            return Err(Error::invalid(format!(
                "数据库地址“{url}”不受支持：请使用 sqlite://路径 或 postgres://用户@主机/库名"
            )));
        };
        let store = Store {
            pool,
            listeners: Arc::new(RwLock::new(Vec::new())),
            origin: Arc::from(uuid::Uuid::now_v7().to_string()),
            service_elements: Arc::from(zhanqun_core::service::Element::NATIONAL.as_slice()),
            media_root: None,
            readers,
            pg_readers,
            ping_idle,
            checkpoints,
        };
        store.check_durability().await?;
        Ok(store)
    }

    /// The default SQLite URL for a data directory.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("zhanqun.db").display())
    }

    /// How long a PostgreSQL connection (a reader or one of the pool's) may sit idle and still
    /// be lent without a ping first: [`PG_PING_IDLE`] until changed (a test sets it to nothing,
    /// to see every connection pinged without waiting half a minute). No effect on SQLite, whose
    /// connections are never pinged for having been idle.
    pub fn set_ping_idle(&self, d: Duration) {
        self.ping_idle.set(d);
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Pg(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations of this backend, then fills the values kept beside each service
    /// guide that are still missing (`fill_service_elements`, one seek on the partial index of
    /// migration 0046 when there are none).
    pub async fn migrate(&self) -> Result<()> {
        let res = match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("../../migrations/sqlite").run(p).await,
            Pool::Pg(p) => sqlx::migrate!("../../migrations/postgres").run(p).await,
        };
        res.map_err(|e| Error::internal(format!("migration failed: {e}")))?;
        self.fill_service_elements().await
    }

    async fn check_durability(&self) -> Result<()> {
        match self.sqlite_pragmas().await? {
            Some((mode, sync, fk)) => durable(&mode, sync, fk),
            None => Ok(()),
        }
    }

    /// Reads back the SQLite durability pragmas (journal mode, synchronous, foreign keys).
    pub async fn sqlite_pragmas(&self) -> Result<Option<(String, i64, i64)>> {
        let Pool::Sqlite(p) = &self.pool else {
            return Ok(None);
        };
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(p)
            .await
            .map_err(db_err)?;
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(p)
            .await
            .map_err(db_err)?;
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(p)
            .await
            .map_err(db_err)?;
        Ok(Some((mode, sync, fk)))
    }

    /// The options the SQLite library was built with (`PRAGMA compile_options`); `None` on
    /// PostgreSQL. `.cargo/config.toml` adds some to the bundled build.
    pub async fn sqlite_compile_options(&self) -> Result<Option<Vec<String>>> {
        let Pool::Sqlite(p) = &self.pool else {
            return Ok(None);
        };
        let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
            .fetch_all(p)
            .await
            .map_err(db_err)?;
        Ok(Some(options))
    }

    /// Whether the store can answer queries (for `/readyz`).
    pub async fn ping(&self) -> bool {
        on_pool!(self, |p| sqlx::query_scalar::<_, i64>(
            "SELECT CAST(1 AS BIGINT)"
        )
        .fetch_one(p)
        .await
        .is_ok())
    }

    /// Number of connections and idle ones, for metrics: the pool's and the readers (each
    /// reader counted, also while its failed connection waits to be reopened).
    pub fn pool_stats(&self) -> (u32, usize) {
        let (size, idle) = on_pool!(self, |p| (p.size(), p.num_idle()));
        let (readers, free) = self.readers.stats();
        let (pg_readers, pg_free) = self.pg_readers.stats();
        (
            size.saturating_add(readers).saturating_add(pg_readers),
            idle.saturating_add(free).saturating_add(pg_free),
        )
    }

    /// Registers a listener called after every committed change that public pages can show.
    pub fn on_change(&self, f: impl Fn(&Change) + Send + Sync + 'static) {
        if let Ok(mut l) = self.listeners.write() {
            l.push(Arc::new(f));
        }
    }

    pub(crate) fn notify(&self, change: Change) {
        let listeners = match self.listeners.read() {
            Ok(l) => l.clone(),
            Err(_) => return,
        };
        for l in listeners {
            l(&change);
        }
    }

    /// The newest change-log id (0 when empty): where a new reader starts.
    pub async fn last_change_id(&self) -> Result<i64> {
        let id: Option<i64> = fetch!(
            self,
            one,
            sqlx::query_scalar("SELECT MAX(id) FROM change_log")
        )?;
        Ok(id.unwrap_or(0))
    }

    /// Changes made by other processes with an id above `after`, oldest first (at most 1,000).
    pub async fn changes_since(&self, after: i64) -> Result<Vec<(i64, Change)>> {
        self.changes_after(after, &self.origin).await
    }

    /// Changes of every process (this one's included) with an id above `after`, oldest first,
    /// at most 1,000: what a node's search index replays when it starts.
    pub async fn all_changes_since(&self, after: i64) -> Result<Vec<(i64, Change)>> {
        // No process has the empty origin.
        self.changes_after(after, "").await
    }

    async fn changes_after(&self, after: i64, skip_origin: &str) -> Result<Vec<(i64, Change)>> {
        let rows: Vec<(i64, String)> = fetch!(self, all, sqlx::query_as(
            "SELECT id, payload FROM change_log WHERE id > $1 AND origin <> $2 ORDER BY id LIMIT 1000"
        )
        .bind(after)
        .bind(skip_origin))?;
        rows.into_iter()
            .map(|(id, payload)| {
                serde_json::from_str(&payload)
                    .map(|c| (id, c))
                    .map_err(|e| Error::internal(format!("change log row {id}: {e}")))
            })
            .collect()
    }

    /// Deletes change-log rows older than `before`.
    pub async fn prune_changes(&self, before: DateTime<Utc>) -> Result<u64> {
        exec!(
            self,
            sqlx::query("DELETE FROM change_log WHERE at < $1").bind(before)
        )
    }

    /// Closes the reading connections and the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.readers.close().await;
        self.pg_readers.close().await;
        if let Some(c) = &self.checkpoints {
            c.close().await;
        }
        on_pool!(self, |p| p.close().await)
    }
}
