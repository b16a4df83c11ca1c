//! Connections for short reads outside any transaction, held outside sqlx's pool, on SQLite and
//! on PostgreSQL.
//!
//! sqlx's pool sends a `ping` each time a connection is given back (a spawned task waits for the
//! answer), and by default another before lending an idle one out. A SQLite connection in sqlx
//! is a thread of its own, so a page that read one row woke two threads twice; a PostgreSQL
//! connection is a server process, so a page that read one row made three round trips to it
//! instead of one (two when the pool pings only a connection idle for a while, as ours does). Measured on the national SQLite fixture (article pages not cached, four
//! clients at once, fresh server each round, two rounds each): 187–201 µs of server CPU a page
//! through the pool, 158–166 µs through these connections (issue 17).
//!
//! These few connections are opened with the pool's options, made read-only (`query_only` on
//! SQLite, `default_transaction_read_only` on PostgreSQL: a write through them fails, on SQLite
//! in a unit test below), and lent out behind a fair semaphore; nothing is sent when a statement finished.
//! [`crate::fetch!`] uses them for one read, [`crate::on_reader!`] for a few in a row (a list's
//! count, then its rows); neither opens a transaction. Transactions, writes and the long reports
//! (`fetch!(self, pool all, …)`) stay on the pool, so that a few dashboards cannot hold every
//! reader while pages wait.
//!
//! A reader dropped before its statement finished (its request was cancelled) is not lent out
//! again until its connection has answered a ping: it may still be computing the old statement,
//! and the next borrower would wait behind it. On PostgreSQL a reader idle for
//! [`crate::PG_PING_IDLE`] (the store's [`PingIdle`]) is pinged before it is lent, as the pool's
//! connections are. A reader
//! whose connection failed (its thread gone, its socket closed, its PostgreSQL session ended, no
//! answer to a ping within five seconds) is closed and opened again by a later borrower (at most
//! once a second); until then its borrowers read on a connection of the pool. A session that
//! the server ended while it was busy fails the one statement that finds it so.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnectOptions};
use sqlx::{ConnectOptions, Connection, Database};
use tokio::sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};
use zhanqun_core::{Error, Result};

/// How many reading connections a store keeps (on SQLite each is a thread and its page cache, on
/// PostgreSQL a server process).
pub const READERS: usize = 4;

/// The longest a reader's ping or reopening may take: a server that does not answer costs a
/// request this long, not the minutes of TCP's own timeouts, and the reader is then reopened.
const WAIT: Duration = Duration::from_secs(5);

/// How long a PostgreSQL connection (a reader or one of the pool's) may sit idle and still be
/// lent without a ping first: [`crate::PG_PING_IDLE`] unless [`crate::Store::set_ping_idle`]
/// changed it. One value a store shares between its readers and its pool.
#[derive(Debug, Clone)]
pub(crate) struct PingIdle(Arc<AtomicU64>);

impl PingIdle {
    pub(crate) fn new(d: Duration) -> Self {
        let p = PingIdle(Arc::new(AtomicU64::new(0)));
        p.set(d);
        p
    }

    pub(crate) fn set(&self, d: Duration) {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        self.0.store(ms, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Duration {
        Duration::from_millis(self.0.load(Ordering::Relaxed))
    }
}

/// A backend's connection options.
type Options<DB> = <<DB as Database>::Connection as Connection>::Options;

/// What differs between the backends' readers: how the pool's options are made read-only and
/// how one connection is opened and checked.
pub(crate) trait ReaderDb: Database {
    /// Whether a reader idle for the store's [`PingIdle`] is pinged before it is lent: a server
    /// can end a connection while it waits (a restart, a failover); a SQLite file cannot.
    const PINGS_IDLE: bool;
    /// The pool's options, with writes refused.
    fn read_only(opts: &Options<Self>) -> Options<Self>;
    /// Opens one reading connection.
    fn open(opts: &Options<Self>) -> impl Future<Output = Result<Self::Connection>> + Send;
}

impl ReaderDb for Sqlite {
    const PINGS_IDLE: bool = false;

    fn read_only(opts: &SqliteConnectOptions) -> SqliteConnectOptions {
        opts.clone().pragma("query_only", "ON")
    }

    /// Opens the connection and reads back the durability settings the store requires of every
    /// connection.
    async fn open(opts: &SqliteConnectOptions) -> Result<sqlx::SqliteConnection> {
        let mut c = opts.connect().await.map_err(crate::db_err)?;
        let (mode, sync, fk): (String, i64, i64) = sqlx::query_as(
            "SELECT (SELECT journal_mode FROM pragma_journal_mode), \
             (SELECT synchronous FROM pragma_synchronous), \
             (SELECT foreign_keys FROM pragma_foreign_keys)",
        )
        .fetch_one(&mut c)
        .await
        .map_err(crate::db_err)?;
        if let Err(e) = crate::durable(&mode, sync, fk) {
            let _ = c.close_hard().await;
            return Err(e);
        }
        Ok(c)
    }
}

impl ReaderDb for Postgres {
    const PINGS_IDLE: bool = true;

    fn read_only(opts: &PgConnectOptions) -> PgConnectOptions {
        opts.clone()
            .options([("default_transaction_read_only", "on")])
    }

    async fn open(opts: &PgConnectOptions) -> Result<sqlx::PgConnection> {
        opts.connect().await.map_err(crate::db_err)
    }
}

/// A store's reading connections (none: every read goes to the pool).
pub(crate) struct Readers<DB: ReaderDb>(Option<Arc<Inner<DB>>>);

impl<DB: ReaderDb> Clone for Readers<DB> {
    fn clone(&self) -> Self {
        Readers(self.0.clone())
    }
}

impl<DB: ReaderDb> Default for Readers<DB> {
    fn default() -> Self {
        Readers(None)
    }
}

struct Inner<DB: ReaderDb> {
    opts: Options<DB>,
    /// Where a read goes while a reader's connection cannot be reopened.
    pool: sqlx::Pool<DB>,
    /// How long a reader may sit idle and still be lent without a ping (PostgreSQL).
    ping_idle: PingIdle,
    /// When a failed reader was last opened again (milliseconds since `epoch`): at most once a
    /// second, so a store that cannot be opened is not tried on every page.
    reopened_at: AtomicU64,
    epoch: Instant,
    conns: Vec<Arc<Mutex<Slot<DB::Connection>>>>,
    free: Arc<Semaphore>,
    next: AtomicUsize,
    closed: AtomicBool,
}

/// One reading connection (none while a failed one waits to be reopened), and when it was
/// last given back.
struct Slot<C> {
    conn: Option<C>,
    since: Instant,
}

impl<C> Slot<C> {
    fn new(conn: Option<C>) -> Self {
        Slot {
            conn,
            since: Instant::now(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Lent out; the statement has not finished (if dropped so, the connection may still be busy).
    Running,
    /// The statement finished: the connection can be lent out again at once.
    Done,
    /// The connection failed: close it, the next borrower opens a new one.
    Broken,
}

/// A lent connection; given back when dropped (the lock first, then the permit).
pub(crate) struct Reader<DB: ReaderDb> {
    conn: Option<OwnedMutexGuard<Slot<DB::Connection>>>,
    permit: Option<OwnedSemaphorePermit>,
    state: State,
    /// A connection of the pool, in place of a reader that could not be reopened.
    pooled: Option<PoolConnection<DB>>,
}

/// What a read answers once the store is closed or its connection cannot be opened.
pub(crate) fn closed() -> Error {
    Error::internal("数据库连接不可用（已关闭或无法打开）")
}

/// Whether a statement's error means its connection cannot be used again: SQLite's thread is
/// gone, the socket failed, or PostgreSQL ended the session (an error of severity FATAL or
/// PANIC: the server shutting down, the backend terminated, a timeout that ends the session).
fn breaks_connection(e: &sqlx::Error) -> bool {
    use sqlx::postgres::{PgDatabaseError, PgSeverity};
    match e {
        sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(d) => d
            .try_downcast_ref::<PgDatabaseError>()
            .is_some_and(|p| matches!(p.severity(), PgSeverity::Fatal | PgSeverity::Panic)),
        _ => false,
    }
}

impl<DB: ReaderDb> Reader<DB> {
    /// The connection: the reader's, or the pool's while the reader's cannot be reopened;
    /// `None` once the store is closed.
    pub(crate) fn conn(&mut self) -> Option<&mut DB::Connection> {
        if let Some(c) = self.pooled.as_mut() {
            return Some(&mut **c);
        }
        self.conn.as_mut().and_then(|c| c.conn.as_mut())
    }

    /// Records how the statement ended.
    pub(crate) fn finish<T>(&mut self, r: &std::result::Result<T, sqlx::Error>) {
        self.state = match r {
            Err(e) if breaks_connection(e) => State::Broken,
            _ => State::Done,
        };
    }
}

impl<DB: ReaderDb> Drop for Reader<DB> {
    fn drop(&mut self) {
        if self.state == State::Done {
            // Only a backend that pings idle readers reads the time.
            if DB::PINGS_IDLE
                && let Some(slot) = self.conn.as_mut()
            {
                slot.since = Instant::now();
            }
            return;
        }
        // A pooled stand-in goes back to the pool as usual (its permit and empty slot with it).
        let (Some(mut conn), Some(permit)) = (self.conn.take(), self.permit.take()) else {
            return;
        };
        if conn.conn.is_none() {
            return;
        }
        let broken = self.state == State::Broken;
        // Without a runtime (the process is ending) the connection is simply dropped with its
        // lock: the slot is then empty and opened again if anyone asks.
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            conn.conn.take();
            drop(conn);
            drop(permit);
            return;
        };
        rt.spawn(async move {
            let healthy = match conn.conn.as_mut() {
                Some(c) if !broken => {
                    matches!(tokio::time::timeout(WAIT, c.ping()).await, Ok(Ok(())))
                }
                _ => false,
            };
            if !healthy && let Some(c) = conn.conn.take() {
                let _ = c.close_hard().await;
            }
            conn.since = Instant::now();
            drop(conn);
            drop(permit);
        });
    }
}

impl<DB: ReaderDb> Inner<DB> {
    /// Whether a failed reader may be opened again now (at most once a second).
    fn may_reopen(&self) -> bool {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.reopened_at.load(Ordering::Relaxed);
        (last == 0 || now.saturating_sub(last) >= 1000)
            && self
                .reopened_at
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

impl<DB: ReaderDb> Readers<DB> {
    /// Opens `n` connections with `opts` made read-only, each checked as the backend requires.
    pub(crate) async fn open(
        opts: &Options<DB>,
        n: usize,
        pool: &sqlx::Pool<DB>,
        ping_idle: &PingIdle,
    ) -> Result<Self> {
        if n == 0 {
            return Ok(Readers(None));
        }
        let opts = DB::read_only(opts);
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            match DB::open(&opts).await {
                Ok(c) => conns.push(Arc::new(Mutex::new(Slot::new(Some(c))))),
                Err(e) => {
                    for slot in conns {
                        if let Some(c) = slot.lock().await.conn.take() {
                            let _ = c.close().await;
                        }
                    }
                    return Err(e);
                }
            }
        }
        Ok(Readers(Some(Arc::new(Inner {
            opts,
            pool: pool.clone(),
            ping_idle: ping_idle.clone(),
            reopened_at: AtomicU64::new(0),
            epoch: Instant::now(),
            conns,
            free: Arc::new(Semaphore::new(n)),
            next: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }))))
    }

    /// A free connection, waiting in line when all are lent; `None` when the store has no
    /// readers. Its connection is `None` once the store is closed, or when a failed one cannot
    /// be reopened.
    pub(crate) async fn get(&self) -> Option<Reader<DB>> {
        let inner = self.0.as_ref()?;
        let permit = Arc::clone(&inner.free).acquire_owned().await.ok()?;
        // With a permit, a lock is free unless `close` holds it (at shutdown): a reader gives its
        // lock back before its permit. Start at a different connection each time so all stay warm.
        let n = inner.conns.len();
        let start = inner.next.fetch_add(1, Ordering::Relaxed);
        // A free slot with its connection first; else a free empty one (its connection failed).
        let mut taken = None;
        for i in 0..n {
            if let Some(Ok(guard)) = inner
                .conns
                .get((start + i) % n)
                .map(|slot| Arc::clone(slot).try_lock_owned())
            {
                let open = guard.conn.is_some();
                if open || taken.is_none() {
                    taken = Some(guard);
                }
                if open {
                    break;
                }
            }
        }
        let mut conn = match taken {
            Some(guard) => guard,
            None => Arc::clone(inner.conns.get(start % n)?).lock_owned().await,
        };
        // Idle long enough that the server may have ended it: ping first; one that does not
        // answer is closed and, below, opened again.
        let idle = DB::PINGS_IDLE && conn.since.elapsed() >= inner.ping_idle.get();
        if idle
            && let Some(c) = conn.conn.as_mut()
            && !matches!(tokio::time::timeout(WAIT, c.ping()).await, Ok(Ok(())))
            && let Some(c) = conn.conn.take()
        {
            let _ = c.close_hard().await;
        }
        let mut pooled = None;
        if conn.conn.is_none() && !inner.closed.load(Ordering::Acquire) {
            if inner.may_reopen() {
                match tokio::time::timeout(WAIT, DB::open(&inner.opts))
                    .await
                    .unwrap_or_else(|_| Err(Error::internal("连接数据库超时")))
                {
                    Ok(c) => conn.conn = Some(c),
                    Err(e) => {
                        tracing::warn!(error = %e, backend = <DB as Database>::NAME, "a reading connection could not be reopened");
                    }
                }
            }
            if conn.conn.is_none() {
                pooled = inner.pool.acquire().await.ok();
            }
        }
        Some(Reader {
            conn: Some(conn),
            permit: Some(permit),
            state: State::Running,
            pooled,
        })
    }

    /// How many reading connections there are (slots: one whose connection failed counts until
    /// it is reopened), and how many of them are not lent out.
    pub(crate) fn stats(&self) -> (u32, usize) {
        let Some(inner) = &self.0 else { return (0, 0) };
        (
            u32::try_from(inner.conns.len()).unwrap_or(u32::MAX),
            inner.free.available_permits(),
        )
    }

    /// Closes every connection, waiting for those lent out; reads fail afterwards.
    pub(crate) async fn close(&self) {
        let Some(inner) = &self.0 else { return };
        inner.closed.store(true, Ordering::Release);
        for slot in &inner.conns {
            if let Some(conn) = slot.lock().await.conn.take() {
                let _ = conn.close().await;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteJournalMode, SqlitePool, SqliteSynchronous};

    /// Counts to three million: long enough to be cancelled half-way on any machine.
    const SLOW: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                        WHERE i < 3000000) SELECT COUNT(*) FROM n";

    /// A store file removed (with its WAL files) when the test ends, passed or not.
    struct TempStore(std::path::PathBuf);

    impl Drop for TempStore {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }

    /// A fresh store file with one reading connection.
    async fn one_reader() -> (Readers<Sqlite>, TempStore) {
        let path = std::env::temp_dir().join(format!("zq-readers-{}.db", uuid::Uuid::now_v7()));
        let opts = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true);
        // The file is made (and put in WAL mode) by a writing connection, as the pool does.
        let first = opts.connect().await.expect("create the store file");
        first.close().await.expect("close");
        let file = TempStore(path);
        let pool = SqlitePool::connect_with(opts.clone())
            .await
            .expect("the pool");
        let idle = PingIdle::new(crate::PG_PING_IDLE);
        let readers = Readers::open(&opts, 1, &pool, &idle)
            .await
            .expect("open a reader");
        (readers, file)
    }

    #[tokio::test]
    async fn a_reader_dropped_mid_statement_is_lent_again_after_its_thread_answers() {
        let (readers, _file) = one_reader().await;
        let mut r = readers.get().await.expect("a reader");
        let conn = r.conn().expect("open");
        let slow = sqlx::query_scalar::<_, i64>(SLOW).fetch_one(conn);
        let cut = tokio::time::timeout(std::time::Duration::from_millis(5), slow).await;
        assert!(cut.is_err(), "the statement was cancelled while it ran");
        drop(r);
        // Not lent again while its thread still counts: the task that waits for the thread's
        // answer holds it (the count runs for a good part of a second after the cut).
        assert_eq!(readers.stats(), (1, 0));
        let early = tokio::time::timeout(std::time::Duration::from_millis(20), readers.get()).await;
        assert!(early.is_err(), "a busy reader was lent out");
        let mut r = readers.get().await.expect("the same reader, once free");
        let conn = r.conn().expect("still open");
        let n = sqlx::query_scalar::<_, i64>("SELECT 41 + 1")
            .fetch_one(conn)
            .await;
        r.finish(&n);
        assert_eq!(n.expect("answered"), 42);
        drop(r);
        assert_eq!(
            readers.stats(),
            (1, 1),
            "a finished statement frees it at once"
        );
        readers.close().await;
        let mut r = readers.get().await.expect("a permit");
        assert!(r.conn().is_none(), "closed readers lend no connection");
        drop(r);
    }

    #[tokio::test]
    async fn a_reading_connection_refuses_to_write() {
        let (readers, _file) = one_reader().await;
        let mut r = readers.get().await.expect("a reader");
        let conn = r.conn().expect("open");
        let write = sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(conn)
            .await;
        r.finish(&write);
        assert!(write.is_err(), "query_only refuses a write");
        drop(r);
        readers.close().await;
    }

    #[tokio::test]
    async fn a_failed_reader_is_reopened_and_meanwhile_read_through_the_pool() {
        let (readers, _file) = one_reader().await;
        let inner = readers.0.clone().expect("readers");
        let lose = || async {
            let slot = inner.conns.first().expect("one slot");
            let _ = slot.lock().await.conn.take();
        };
        let answer = |mut r: Reader<Sqlite>| async move {
            let conn = r.conn().expect("a connection");
            let n = sqlx::query_scalar::<_, i64>("SELECT 6 * 7")
                .fetch_one(conn)
                .await;
            r.finish(&n);
            (n.expect("answered"), r.pooled.is_some())
        };
        // Lost, and no reopen tried lately: the next borrower opens it again.
        lose().await;
        let r = readers.get().await.expect("a permit");
        assert_eq!(answer(r).await, (42, false));
        // Lost again within the second after a reopen: the read goes to the pool meanwhile.
        lose().await;
        let r = readers.get().await.expect("a permit");
        assert_eq!(answer(r).await, (42, true));
        assert_eq!(
            readers.stats(),
            (1, 1),
            "the slot and its permit are given back"
        );
        readers.close().await;
    }
}
