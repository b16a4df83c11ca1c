//! The store's connections when the database server ends them (a restart, a failover, an
//! operator's `pg_terminate_backend`): each open session fails at most the one read that finds
//! it ended, and reads answer again without restarting the process. SQLite has no server that
//! could end a session; there the test only reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use sqlx::Connection;
use zhanqun_tests::{TestStore, backend_name, fresh_store};

/// A fresh store whose reading connections and a pool connection have each read once; `None`
/// on SQLite, after those reads (there is no server to end a session).
async fn store_read_on_every_connection() -> Option<TestStore> {
    let db = fresh_store().await;
    for _ in 0..8 {
        assert_eq!(db.store.article_count().await.unwrap(), 0);
    }
    (backend_name() == "postgres").then_some(db)
}

/// Ends every session of the store's database but the caller's; how many it ended.
async fn end_every_session(url: &str) -> i64 {
    let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();
    assert!(
        ended > i64::try_from(zhanqun_store::READERS).unwrap(),
        "the store's readers and its pool had {ended} sessions"
    );
    ended
}

#[tokio::test]
async fn reads_answer_again_after_the_server_ends_every_session() {
    let Some(db) = store_read_on_every_connection().await else {
        return;
    };
    let ended = end_every_session(&db.url).await;
    let mut failed = 0;
    for _ in 0..60 {
        if db.store.article_count().await.is_err() {
            failed += 1;
        }
    }
    assert!(
        failed <= ended,
        "{failed} reads failed after {ended} sessions were ended: a connection was lent again \
         after the server had ended its session"
    );
    for _ in 0..20 {
        assert_eq!(
            db.store.article_count().await.unwrap(),
            0,
            "reads answer again"
        );
    }
}

/// A connection idle for longer than the store lets one sit unchecked is pinged before it is
/// lent, and one whose session the server ended is replaced: with that time set to nothing (every
/// connection counts as idle), no read at all fails after the server ended every session. With
/// the ping skipped, reads fail as in the test above (at most one for each ended session).
#[tokio::test]
async fn an_idle_connection_is_pinged_before_it_is_lent() {
    let Some(db) = store_read_on_every_connection().await else {
        return;
    };
    db.store.set_ping_idle(Duration::ZERO);
    let ended = end_every_session(&db.url).await;
    for i in 0..40 {
        let read = db.store.article_count().await;
        assert!(
            read.is_ok(),
            "read {i} failed after {ended} sessions were ended, though every connection is pinged \
             before it is lent: {read:?}"
        );
    }
}
