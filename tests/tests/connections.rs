//! The store's connections when the database server ends them (a restart, a failover, an
//! operator's `pg_terminate_backend`): each open session fails at most the one read that finds
//! it ended, and reads answer again without restarting the process. SQLite has no server that
//! could end a session; there the test only reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::Connection;
use zhanqun_tests::{backend_name, fresh_store};

#[tokio::test]
async fn reads_answer_again_after_the_server_ends_every_session() {
    let db = fresh_store().await;
    // Every reading connection and a pool connection have read once.
    for _ in 0..8 {
        assert_eq!(db.store.article_count().await.unwrap(), 0);
    }
    if backend_name() != "postgres" {
        return;
    }
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
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
