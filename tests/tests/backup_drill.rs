//! The backup drill of ops/README.md, on the backend under test: SQLite through `zhanqun-web`'s
//! backup and restore; PostgreSQL through the documented `pg_dump --format=custom` and
//! `pg_restore` into a new database. Either way the restored store has the same content export
//! hash, passes the integrity check, and serves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use sqlx::Connection;
use zhanqun_store::{ArticleInput, Store};
use zhanqun_tests::{TestApp, backend_name};

fn pg_tool(name: &str) -> PathBuf {
    let dir = std::env::var("PGBIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    let p = PathBuf::from(dir).join(name);
    if p.exists() { p } else { PathBuf::from(name) }
}

async fn export_hash(store: &Store) -> (String, u64) {
    store.export(&mut std::io::sink()).await.unwrap()
}

#[tokio::test]
async fn a_backup_restores_to_the_same_content() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let site = f.site("6108280001");
    let column = f.column("6108280001/xwzx/zwyw");
    for i in 0..20 {
        t.store
            .create_article(
                site,
                ArticleInput {
                    title: format!("备份演练新闻{i}"),
                    body_html: format!("<p>第{i}篇</p>"),
                    published: true,
                    ..Default::default()
                },
                &[column],
            )
            .await
            .unwrap();
    }
    let (want, lines) = export_hash(&t.store).await;
    assert!(lines > 40, "{lines}");
    let work = tempfile::tempdir().unwrap();

    let restored = if backend_name() == "postgres" {
        let dump = work.path().join("zhanqun.pgdump");
        let out = Command::new(pg_tool("pg_dump"))
            .args(["--format=custom", "--file"])
            .arg(&dump)
            .arg(&t.url)
            .output()
            .expect("pg_dump");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // A new database on the same server, as `createdb` would make it.
        let admin = std::env::var("ZHANQUN_TEST_DATABASE_URL").unwrap();
        let name = format!("zq_restore_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.ok();
        let url = format!("{}/{name}", &admin[..admin.rfind('/').unwrap()]);
        let out = Command::new(pg_tool("pg_restore"))
            .args(["--no-owner", "--exit-on-error", "--dbname"])
            .arg(&url)
            .arg(&dump)
            .output()
            .expect("pg_restore");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = Store::connect(&url).await.unwrap();
        // The migrations table came with the dump: nothing left to apply.
        s.migrate().await.unwrap();
        s
    } else {
        let dest = work.path().join("backup");
        let m = zhanqun_store::backup::backup(&t.store, &t.app.config().data_dir, &dest)
            .await
            .unwrap();
        assert_eq!(m.export_sha256, want);
        let fresh = work.path().join("restored");
        zhanqun_store::backup::restore(&dest, &fresh).await.unwrap();
        Store::connect(&Store::sqlite_url(&fresh)).await.unwrap()
    };
    assert_eq!(export_hash(&restored).await, (want, lines));
    let integrity = restored.integrity().await.unwrap();
    assert!(integrity.ok(), "{:?}", integrity.problems);
    assert_eq!(
        integrity.articles,
        t.store.integrity().await.unwrap().articles
    );
    // The restored store is writable and notifies like the original (PostgreSQL trigger).
    restored
        .create_article(
            site,
            ArticleInput {
                title: "恢复后的第一篇".into(),
                body_html: "<p>x</p>".into(),
                published: true,
                ..Default::default()
            },
            &[column],
        )
        .await
        .unwrap();
    restored.close().await;
}
