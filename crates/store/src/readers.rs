//! SQLite connections for short reads outside any transaction, held outside sqlx's pool.
//!
//! A SQLite connection in sqlx is a thread of its own: a statement is a message to that thread
//! and its rows are messages back. sqlx's pool adds a second round trip each time a connection
//! is given back: a spawned task sends the thread a `ping` and waits for the answer, so a page
//! that reads one row woke two threads twice. Measured on the national fixture (article pages
//! not cached, four clients at once, fresh server each round, two rounds each): 187–201 µs of
//! server CPU a page through the pool, 158–166 µs through these connections (issue 17).
//!
//! These few connections are opened with the pool's options plus `query_only` (a write through
//! them fails, in tests first) and lent out behind a fair semaphore; nothing is sent when a
//! statement finished. [`crate::fetch!`] uses them for one read, [`crate::on_reader!`] for a few
//! in a row (a list's count, then its rows); neither opens a transaction. Transactions, writes
//! and the long reports (`fetch!(self, pool all, …)`) stay on the pool, so that a few dashboards
//! cannot hold every reader while pages wait.
//!
//! A reader dropped before its statement finished (its request was cancelled) is not lent out
//! again until its thread has answered a ping: the thread may still be computing the old
//! statement, and the next borrower would wait behind it. A reader whose thread is gone or whose
//! connection failed is closed and opened again by a later borrower (at most once a second);
//! until then its borrowers read on a connection of the pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteConnection, SqlitePool};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};
use zhanqun_core::{Error, Result};

/// How many reading connections a SQLite store keeps (each is a thread and its page cache).
pub const SQLITE_READERS: usize = 4;

/// The reading connections (none on PostgreSQL).
#[derive(Clone, Default)]
pub(crate) struct Readers(Option<Arc<Inner>>);

struct Inner {
    opts: SqliteConnectOptions,
    /// Where a read goes while a reader's connection cannot be reopened.
    pool: SqlitePool,
    /// When a failed reader was last opened again (milliseconds since `epoch`): at most once a
    /// second, so a store that cannot be opened is not tried on every page.
    reopened_at: AtomicU64,
    epoch: Instant,
    conns: Vec<Arc<Mutex<Option<SqliteConnection>>>>,
    free: Arc<Semaphore>,
    next: AtomicUsize,
    closed: AtomicBool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Lent out; the statement has not finished (if dropped so, the thread may still be busy).
    Running,
    /// The statement finished: the connection can be lent out again at once.
    Done,
    /// The connection failed: close it, the next borrower opens a new one.
    Broken,
}

/// A lent connection; given back when dropped (the lock first, then the permit).
pub(crate) struct Reader {
    conn: Option<OwnedMutexGuard<Option<SqliteConnection>>>,
    permit: Option<OwnedSemaphorePermit>,
    state: State,
    /// A connection of the pool, in place of a reader that could not be reopened.
    pooled: Option<PoolConnection<Sqlite>>,
}

/// What a read answers once the store is closed or its connection cannot be opened.
pub(crate) fn closed() -> Error {
    Error::internal("数据库连接不可用（已关闭或无法打开）")
}

impl Reader {
    /// The connection: the reader's, or the pool's while the reader's cannot be reopened;
    /// `None` once the store is closed.
    pub(crate) fn conn(&mut self) -> Option<&mut SqliteConnection> {
        if let Some(c) = self.pooled.as_mut() {
            return Some(&mut **c);
        }
        self.conn.as_mut().and_then(|c| c.as_mut())
    }

    /// Records how the statement ended.
    pub(crate) fn finish<T>(&mut self, r: &std::result::Result<T, sqlx::Error>) {
        self.state = match r {
            Err(sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) | sqlx::Error::Protocol(_)) => {
                State::Broken
            }
            _ => State::Done,
        };
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if self.state == State::Done {
            return;
        }
        // A pooled stand-in goes back to the pool as usual (its permit and empty slot with it).
        let (Some(mut conn), Some(permit)) = (self.conn.take(), self.permit.take()) else {
            return;
        };
        if conn.is_none() {
            return;
        }
        let broken = self.state == State::Broken;
        // Without a runtime (the process is ending) the connection is simply dropped with its
        // lock: the slot is then empty and opened again if anyone asks.
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            conn.take();
            drop(conn);
            drop(permit);
            return;
        };
        rt.spawn(async move {
            let healthy = match conn.as_mut() {
                Some(c) if !broken => c.ping().await.is_ok(),
                _ => false,
            };
            if !healthy && let Some(c) = conn.take() {
                let _ = c.close_hard().await;
            }
            drop(conn);
            drop(permit);
        });
    }
}

/// Opens one reading connection and reads back the durability settings the store requires of
/// every connection.
async fn open_one(opts: &SqliteConnectOptions) -> Result<SqliteConnection> {
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

impl Inner {
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

impl Readers {
    /// Opens `n` connections with `opts` (and `query_only`), each checked for the durability
    /// settings the store requires of every connection.
    pub(crate) async fn open(
        opts: &SqliteConnectOptions,
        n: usize,
        pool: &SqlitePool,
    ) -> Result<Readers> {
        if n == 0 {
            return Ok(Readers(None));
        }
        let opts = opts.clone().pragma("query_only", "ON");
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            conns.push(Arc::new(Mutex::new(Some(open_one(&opts).await?))));
        }
        Ok(Readers(Some(Arc::new(Inner {
            opts,
            pool: pool.clone(),
            reopened_at: AtomicU64::new(0),
            epoch: Instant::now(),
            conns,
            free: Arc::new(Semaphore::new(n)),
            next: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }))))
    }

    /// A free connection, waiting in line when all are lent; `None` on PostgreSQL. Its
    /// connection is `None` once the store is closed, or when a failed one cannot be reopened.
    pub(crate) async fn get(&self) -> Option<Reader> {
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
                let open = guard.is_some();
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
        let mut pooled = None;
        if conn.is_none() && !inner.closed.load(Ordering::Acquire) {
            if inner.may_reopen() {
                match open_one(&inner.opts).await {
                    Ok(c) => *conn = Some(c),
                    Err(e) => {
                        tracing::warn!(error = %e, "a SQLite reading connection could not be reopened");
                    }
                }
            }
            if conn.is_none() {
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
            if let Some(conn) = slot.lock().await.take() {
                let _ = conn.close().await;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};

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
    async fn one_reader() -> (Readers, TempStore) {
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
        let readers = Readers::open(&opts, 1, &pool).await.expect("open a reader");
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
            let _ = slot.lock().await.take();
        };
        let answer = |mut r: Reader| async move {
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
