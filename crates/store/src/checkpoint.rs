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
//! and at the latest [`LONGEST`] after the first commit it has not copied, so that the log
//! stays bounded under a steady stream of writes. It sees commits through `PRAGMA data_version`,
//! which changes when any other connection, of this process or another (the CLI), commits. Its
//! checkpoints are `PASSIVE`: they never wait for a reader or a writer, and copy what no
//! reader still needs. Durability is unchanged: a commit is durable once its log pages are
//! synced, before and after this change. The last connection to close checkpoints what is
//! left, as SQLite always does.

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
/// [`Checkpoints::close`] or once every clone of the store is gone.
#[derive(Debug)]
pub(crate) struct Checkpoints {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpoints {
    /// Starts the checkpoint task of the SQLite store opened with `opts`.
    pub(crate) async fn start(opts: &SqliteConnectOptions) -> sqlx::Result<Checkpoints> {
        let conn = opts.connect().await?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(conn, stopped));
        Ok(Checkpoints {
            stop,
            task: Mutex::new(Some(task)),
        })
    }

    /// Stops the task and waits until its connection is closed.
    pub(crate) async fn close(&self) {
        let _ = self.stop.send(true);
        let task = self.task.lock().await.take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn run(mut conn: SqliteConnection, mut stopped: watch::Receiver<bool>) {
    let mut pacer = Pacer::new();
    let mut tick = tokio::time::interval(LOOK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.wait_for(|s| *s) => break,
            _ = tick.tick() => {}
        }
        let version: i64 = match sqlx::query_scalar("PRAGMA data_version")
            .fetch_one(&mut conn)
            .await
        {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "SQLite checkpoints stopped: data_version unreadable");
                break;
            }
        };
        if !pacer.look(version, Instant::now()) {
            continue;
        }
        match checkpoint(&mut conn).await {
            Ok((busy, log, copied)) => {
                tracing::debug!(busy, log, copied, "SQLite checkpoint");
                // Not all of it (a reader still needs older pages, or another checkpoint was
                // running): again at the next look.
                if busy == 0 && copied >= log {
                    pacer.copied();
                }
            }
            Err(e) => tracing::warn!(error = %e, "SQLite checkpoint failed"),
        }
    }
    let _ = conn.close().await;
}

/// One `PASSIVE` checkpoint: (1 when it could not run at all, pages in the log, pages copied).
pub(crate) async fn checkpoint(conn: &mut SqliteConnection) -> sqlx::Result<(i64, i64, i64)> {
    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(conn)
        .await
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
    async fn commits_leave_the_log_to_the_store_task_which_copies_it() {
        let (store, path, _dir) = store().await;
        let Pool::Sqlite(pool) = &store.pool else {
            unreachable!("a SQLite store")
        };
        let every: Vec<i64> = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_all(pool)
            .await
            .expect("read the pragma");
        assert_eq!(every, vec![0], "a commit never checkpoints");
        // One transaction of about 2,000 pages, twice what makes a commit checkpoint by default.
        sqlx::query("CREATE TABLE scratch (b BLOB)")
            .execute(pool)
            .await
            .expect("create");
        let before = std::fs::metadata(&path).expect("the file").len();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
             INSERT INTO scratch SELECT randomblob(4000) FROM n",
        )
        .execute(pool)
        .await
        .expect("insert");
        // The task copies the log into the file once the store has been quiet for a second.
        let mut grown = std::fs::metadata(&path).expect("the file").len();
        for _ in 0..300 {
            if grown > before + 1_000 * 4096 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            grown = std::fs::metadata(&path).expect("the file").len();
        }
        assert!(
            grown > before + 1_000 * 4096,
            "the log was copied into the file: {before} → {grown} bytes"
        );
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
