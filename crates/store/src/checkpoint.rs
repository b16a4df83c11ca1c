//! A SQLite store's checkpoints, off the writers' path.
//!
//! In WAL mode a commit appends the pages it changed to the write-ahead log; a checkpoint copies
//! them back into the database file. By default SQLite checkpoints at the end of any commit that
//! leaves more than 1,000 pages in the log, in the committing connection, before the commit
//! returns. A State Council reprint on the national fixture writes about 55,000 pages in its one
//! transaction (a placement and its index, list and count rows on each of 3,341 sites), and its
//! commit then spent about half a second copying them into the database file and syncing it
//! (sqlite3 shell on a copy of the fixture: commit 0.90–0.96 s with the automatic checkpoint,
//! 0.46–0.50 s without) while every home page waited for the ingest to return (issue 17).
//!
//! So every connection of a SQLite store has `wal_autocheckpoint = 0`, and one task of the store
//! checkpoints on a connection of its own: once no other connection has committed for [`QUIET`],
//! and at the latest [`LONGEST`] after the first commit it has not copied, so that what waits in
//! the log stays bounded under a steady stream of writes. It sees commits through
//! `PRAGMA data_version`, which changes when any other connection, of this process or another
//! (the CLI), commits. Its checkpoints are `PASSIVE`: they never wait for a reader or a writer,
//! and copy what no reader still needs. A log that was wholly copied but is [`TRUNCATE_AT`]
//! pages or more is then truncated (`TRUNCATE`, waiting at most [`TRUNCATE_WAIT`] for a writer
//! or a reader to finish): SQLite writes the log from its start again only when a write begins
//! after a complete checkpoint, which a writer busy in a long series of transactions (a bulk
//! load, a run of migrations) would otherwise never see, and the file would grow with the whole
//! series. Every connection also has a `journal_size_limit`, the size a log file is cut back to
//! when it is reset. An error makes the task wait longer before it tries again (up to
//! [`BACKOFF_MAX`]); a connection that broke is opened again. Durability is unchanged: a commit
//! is durable once its log pages are synced, before and after this change. The last connection
//! to close checkpoints what is left, as SQLite always does: the CLI closes every store it
//! opened before it exits.

use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

/// How long the store must go without a commit before its log is copied back.
pub const QUIET: Duration = Duration::from_secs(1);

/// The longest a commit waits in the log while writes go on.
pub const LONGEST: Duration = Duration::from_secs(10);

/// How often the task looks at `data_version`.
const LOOK: Duration = Duration::from_millis(200);

/// A wholly copied log of this many pages (16 MB) or more is truncated.
pub const TRUNCATE_AT: i64 = 4_096;

/// How long the truncating checkpoint waits for a writer or a reader to finish (it holds new
/// writers back meanwhile).
pub const TRUNCATE_WAIT: Duration = Duration::from_millis(100);

/// The longest wait before trying again after an error or a checkpoint that could not copy
/// everything (a reader still needed older pages).
pub const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// The size (bytes) a log file is cut back to when it is reset, on every connection.
pub const LOG_KEPT_BYTES: u64 = 64 << 20;

/// When to checkpoint, from what `data_version` said at each look.
#[derive(Debug)]
pub(crate) struct Pacer {
    version: Option<i64>,
    /// When a commit was last seen, and when the first commit not yet copied was seen.
    last_commit: Option<Instant>,
    first_uncopied: Option<Instant>,
}

impl Pacer {
    pub(crate) fn new() -> Pacer {
        Pacer {
            version: None,
            last_commit: None,
            first_uncopied: None,
        }
    }

    /// Takes the `data_version` read at `now`; true when a checkpoint is due. The first reading
    /// counts as a commit: whatever an earlier process left in the log is copied once the store
    /// is quiet.
    pub(crate) fn look(&mut self, version: i64, now: Instant) -> bool {
        if self.version != Some(version) {
            self.version = Some(version);
            self.last_commit = Some(now);
            self.first_uncopied.get_or_insert(now);
        }
        let (Some(last), Some(first)) = (self.last_commit, self.first_uncopied) else {
            return false;
        };
        now.duration_since(last) >= QUIET || now.duration_since(first) >= LONGEST
    }

    /// The log was copied up to what was committed when `data_version` was last read.
    pub(crate) fn copied(&mut self) {
        self.first_uncopied = None;
    }
}

/// The store's handle on its checkpoint task: the task ends, closing its connection, at
/// [`Checkpoints::close`] or when the handle is dropped (with the last clone of the store).
#[derive(Debug)]
pub(crate) struct Checkpoints {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpoints {
    /// Starts the checkpoint task of the SQLite store opened with `opts`.
    pub(crate) async fn start(opts: &SqliteConnectOptions) -> sqlx::Result<Checkpoints> {
        let opts = opts.clone().busy_timeout(TRUNCATE_WAIT);
        let conn = opts.connect().await?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(opts, conn, stopped));
        Ok(Checkpoints {
            stop,
            task: Mutex::new(Some(task)),
        })
    }

    /// Stops the task and waits until its connection is closed (a second caller waits too).
    pub(crate) async fn close(&self) {
        let _ = self.stop.send(true);
        let mut task = self.task.lock().await;
        if let Some(t) = task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn run(
    opts: SqliteConnectOptions,
    conn: SqliteConnection,
    mut stopped: watch::Receiver<bool>,
) {
    let mut conn = Some(conn);
    let mut pacer = Pacer::new();
    let mut wait = LOOK;
    loop {
        tokio::select! {
            _ = stopped.wait_for(|s| *s) => break,
            _ = tokio::time::sleep(wait) => {}
        }
        wait = match round(&opts, &mut conn, &mut pacer).await {
            Ok(true) => LOOK,
            Ok(false) => (wait * 2).min(BACKOFF_MAX),
            Err(e) => {
                tracing::warn!(error = %e, "SQLite checkpoint failed; trying again later");
                if matches!(
                    e,
                    sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) | sqlx::Error::Protocol(_)
                ) && let Some(c) = conn.take()
                {
                    let _ = c.close().await;
                }
                (wait * 2).min(BACKOFF_MAX)
            }
        };
    }
    if let Some(c) = conn {
        let _ = c.close().await;
    }
}

/// One look at the store, and its checkpoint when one is due: false when the log could not be
/// copied in full (a reader still needs older pages, or another checkpoint was running).
async fn round(
    opts: &SqliteConnectOptions,
    conn: &mut Option<SqliteConnection>,
    pacer: &mut Pacer,
) -> sqlx::Result<bool> {
    let c = match conn {
        Some(c) => c,
        None => conn.insert(opts.connect().await?),
    };
    let version: i64 = sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(&mut *c)
        .await?;
    if !pacer.look(version, Instant::now()) {
        return Ok(true);
    }
    let (busy, log, copied) = checkpoint(c, Mode::Passive).await?;
    tracing::debug!(busy, log, copied, "SQLite checkpoint");
    if busy != 0 || copied < log {
        return Ok(false);
    }
    if log >= TRUNCATE_AT {
        // Not done when a writer or a reader held on past the wait: the next write restarts the
        // log from its start anyway when nothing was committed since.
        let (busy, log, copied) = checkpoint(c, Mode::Truncate).await?;
        tracing::debug!(busy, log, copied, "SQLite log truncated");
    }
    pacer.copied();
    Ok(true)
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Mode {
    Passive,
    Truncate,
}

/// One checkpoint: (1 when it could not run or finish, pages in the log, pages copied).
pub(crate) async fn checkpoint(
    conn: &mut SqliteConnection,
    mode: Mode,
) -> sqlx::Result<(i64, i64, i64)> {
    let sql = match mode {
        Mode::Passive => "PRAGMA wal_checkpoint(PASSIVE)",
        Mode::Truncate => "PRAGMA wal_checkpoint(TRUNCATE)",
    };
    sqlx::query_as(sql).fetch_one(conn).await
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{Pool, Store};

    /// A directory removed when the test ends, passed or not.
    struct TempDir(std::path::PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A store on a fresh file and the file's path.
    async fn store() -> (Store, std::path::PathBuf, TempDir) {
        let dir = std::env::temp_dir().join(format!("zq-checkpoint-{}", uuid::Uuid::now_v7()));
        let dir = TempDir(dir);
        let path = dir.0.join("zhanqun.db");
        let store = Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("open the store");
        (store, path, dir)
    }

    #[tokio::test]
    async fn the_store_task_copies_what_another_connection_committed() {
        let (store, path, _dir) = store().await;
        let Pool::Sqlite(pool) = &store.pool else {
            unreachable!("a SQLite store")
        };
        let every: Vec<i64> = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_all(pool)
            .await
            .expect("read the pragma");
        assert_eq!(every, vec![0], "a commit never checkpoints");
        // The task's first look counts as a commit: let it pass, so that what follows is copied
        // because the task saw another connection commit.
        tokio::time::sleep(QUIET + LOOK * 3).await;
        // Another connection that does not checkpoint either (as another process's store),
        // writing one transaction of about 5,000 pages: five times what makes a commit
        // checkpoint by default, and more than TRUNCATE_AT.
        let mut other = SqliteConnectOptions::new()
            .filename(&path)
            .pragma("wal_autocheckpoint", "0")
            .connect()
            .await
            .expect("another connection");
        sqlx::query("CREATE TABLE scratch (b BLOB)")
            .execute(&mut other)
            .await
            .expect("create");
        let before = std::fs::metadata(&path).expect("the file").len();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
             INSERT INTO scratch SELECT randomblob(4000) FROM n",
        )
        .execute(&mut other)
        .await
        .expect("insert");
        // Copied into the file once the store has been quiet for a second, and the log (over
        // TRUNCATE_AT pages) truncated.
        let wal = path.with_extension("db-wal");
        let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
        for _ in 0..300 {
            if size(&path) > before + 1_000 * 4096 && size(&wal) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            size(&path) > before + 1_000 * 4096,
            "the log was copied into the file: {before} → {} bytes",
            size(&path)
        );
        assert_eq!(size(&wal), 0, "the log was truncated");
        other.close().await.expect("close");
        store.close().await;
    }

    #[test]
    fn a_checkpoint_waits_for_a_quiet_store_but_not_forever() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut p = Pacer::new();
        assert!(
            !p.look(1, at(0)),
            "just opened: what was left waits for quiet"
        );
        assert!(p.look(1, at(1_000)), "quiet for a second");
        p.copied();
        assert!(!p.look(1, at(1_200)), "nothing new since");
        assert!(!p.look(1, at(60_000)), "still nothing");
        // A commit every 200 ms: the log is copied after ten seconds all the same.
        let mut v = 1;
        let mut due = Vec::new();
        for ms in (60_200..75_000).step_by(200) {
            v += 1;
            if p.look(v, at(ms)) {
                due.push(ms);
                p.copied();
            }
        }
        assert_eq!(due, vec![70_200]);
        assert!(!p.look(v, at(75_000)), "the last commit 200 ms ago");
        assert!(p.look(v, at(75_800)), "then quiet");
    }
}
