//! Writes by another process (the CLI, another node) reach a running server through the store's
//! change log: `sites apply`, `sites status` or an edit made elsewhere refreshes its pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::*;
use zhanqun_store::Store;
use zhanqun_tests::steps::{column_at, published, site_by_code};
use zhanqun_tests::{TestApp, fixture_sites};

const JIA: &str = "6108280001.localhost";

#[tokio::test]
async fn another_process_changes_reach_the_server() {
    // The poll is an hour: on SQLite the log is read when the test says so. On PostgreSQL each
    // commit also wakes the server (NOTIFY), so it may have read it already.
    let t = TestApp::spawn_with(|c| c.jobs.change_poll_ms = 3_600_000).await;
    let notified = zhanqun_tests::backend_name() == "postgres";
    // "The CLI": its own connection, so its own origin in the change log.
    let cli = Store::connect(&t.url).await.unwrap();
    zhanqun_sites::apply(&cli, &fixture_sites()).await.unwrap();
    let jia = site_by_code(&cli, "6108280001").await;
    let col = column_at(&cli, jia.id, "xwzx/zwyw").await;
    let id = cli
        .create_article(jia.id, published("原标题", "<p>x</p>"), &[col.id])
        .await
        .unwrap();
    t.app.sync_changes().await.unwrap();
    let path = format!("/art/{id}.html");
    assert!(t.page(JIA, &path, 200).await.contains("原标题"));
    assert!(t.page(JIA, "/", 200).await.contains("原标题"));

    // An edit elsewhere: the cached pages stay until the log is read, then refresh.
    cli.update_article(id, published("新标题", "<p>x</p>"))
        .await
        .unwrap();
    if !notified {
        assert!(
            t.page(JIA, &path, 200).await.contains("原标题"),
            "served from cache before the log is read"
        );
        assert_eq!(t.app.sync_changes().await.unwrap(), 1);
    } else {
        t.app.sync_changes().await.unwrap();
    }
    assert!(t.page(JIA, &path, 200).await.contains("新标题"));
    assert!(t.page(JIA, "/", 200).await.contains("新标题"));

    // Site status and site settings from another process.
    cli.set_site_status(jia.id, SiteStatus::Suspended)
        .await
        .unwrap();
    t.app.sync_changes().await.unwrap();
    assert_eq!(t.get(JIA, "/").await.status().as_u16(), 503);
    cli.set_site_status(jia.id, SiteStatus::Active)
        .await
        .unwrap();
    t.app.sync_changes().await.unwrap();
    t.page(JIA, "/", 200).await;

    // The server's own writes are not applied twice, and reading again applies nothing new.
    t.store
        .update_article(id, published("本进程修改", "<p>x</p>"))
        .await
        .unwrap();
    assert_eq!(t.app.sync_changes().await.unwrap(), 0);
    assert!(t.page(JIA, &path, 200).await.contains("本进程修改"));

    // Without anyone calling sync_changes, a server's own poller picks changes up (within a
    // few seconds; the loop is bounded, it does not sleep and hope): a node polling every
    // 100 ms.
    let t = t.another_node(|c| c.jobs.change_poll_ms = 100).await;
    assert!(t.page(JIA, &path, 200).await.contains("本进程修改"));
    cli.update_article(id, published("轮询可见", "<p>x</p>"))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if t.page(JIA, &path, 200).await.contains("轮询可见") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the poller applied the change within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
