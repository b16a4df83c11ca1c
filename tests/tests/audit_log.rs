//! The audit log is append-only and tamper-evident, on SQLite and on PostgreSQL: a row edited or
//! deleted directly in SQL is caught by `audit_verify`; a purge never goes below 180 days.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use zhanqun_store::{AuditEntry, Outcome};
use zhanqun_tests::{backend_name, fresh_store, raw_sql};

fn entry(i: usize) -> AuditEntry {
    AuditEntry {
        actor: format!("editor{i}"),
        role: "editor".into(),
        site_code: Some("6108280001".into()),
        client: Some("203.0.113.7".into()),
        action: "article.submit".into(),
        object: Some(format!("article:{i}")),
        outcome: if i.is_multiple_of(3) {
            Outcome::Failure
        } else {
            Outcome::Success
        },
        request_id: Some(format!("req-{i}")),
        detail: Some("含换行\r\n的说明".into()),
    }
}

fn drop_trigger() -> &'static str {
    if backend_name() == "postgres" {
        "DROP TRIGGER audit_log_no_update ON audit_log"
    } else {
        "DROP TRIGGER audit_log_no_update"
    }
}

#[tokio::test]
async fn audit_chain_detects_edits_and_deletions() {
    let db = fresh_store().await;
    let store = &db.store;
    assert!(
        store.audit_verify().await.unwrap().ok(),
        "an empty log verifies"
    );
    for i in 1..=6 {
        assert_eq!(store.audit(&entry(i)).await.unwrap(), i as i64);
    }
    let r = store.audit_verify().await.unwrap();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.rows, r.first_seq, r.last_seq), (6, 1, 6));
    let newest = &store.audit_records(1, 0).await.unwrap()[0];
    assert_eq!(
        (newest.seq, newest.actor.as_str(), newest.outcome.as_str()),
        (6, "editor6", "failure")
    );
    assert!(
        store
            .audit(&AuditEntry {
                actor: " ".into(),
                ..entry(1)
            })
            .await
            .is_err(),
        "no record without an actor"
    );

    // The trigger refuses updates outright.
    assert!(
        raw_sql(
            &db.url,
            "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"
        )
        .await
        .is_err(),
        "append-only"
    );
    // Someone who drops the trigger and edits a row is still caught.
    raw_sql(&db.url, drop_trigger()).await.unwrap();
    raw_sql(
        &db.url,
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3",
    )
    .await
    .unwrap();
    let r = store.audit_verify().await.unwrap();
    assert!(!r.ok());
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("第 3 条") && p.contains("改动")),
        "{:?}",
        r.problems
    );
    raw_sql(
        &db.url,
        "UPDATE audit_log SET actor = 'editor3' WHERE seq = 3",
    )
    .await
    .unwrap();
    assert!(
        store.audit_verify().await.unwrap().ok(),
        "restored row verifies again"
    );
    // Deleting a row in the middle, and the newest row, both show.
    raw_sql(&db.url, "DELETE FROM audit_log WHERE seq = 4")
        .await
        .unwrap();
    let r = store.audit_verify().await.unwrap();
    assert!(
        r.problems.iter().any(|p| p.contains("缺失")),
        "{:?}",
        r.problems
    );
    let db2 = fresh_store().await;
    for i in 1..=3 {
        db2.store.audit(&entry(i)).await.unwrap();
    }
    raw_sql(&db2.url, "DELETE FROM audit_log WHERE seq = 3")
        .await
        .unwrap();
    let r = db2.store.audit_verify().await.unwrap();
    assert!(
        r.problems.iter().any(|p| p.contains("最新的记录被删除")),
        "{:?}",
        r.problems
    );
}

#[tokio::test]
async fn purge_keeps_at_least_180_days_and_the_chain_verifies_after() {
    let db = fresh_store().await;
    let store = &db.store;
    for i in 1..=5 {
        store.audit(&entry(i)).await.unwrap();
    }
    let now = Utc::now();
    // Anything younger than 180 days is refused, and nothing is deleted.
    assert!(
        store
            .audit_purge(now - Duration::days(179), now)
            .await
            .is_err()
    );
    assert!(
        store
            .audit_purge(now + Duration::days(1), now)
            .await
            .is_err()
    );
    assert_eq!(store.audit_verify().await.unwrap().rows, 5);
    // 400 days later (an injected clock), the records are past retention and may go.
    let later = now + Duration::days(400);
    assert_eq!(
        store
            .audit_purge(later - Duration::days(200), later)
            .await
            .unwrap(),
        5
    );
    let r = store.audit_verify().await.unwrap();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!(r.rows, 0);
    // The chain continues from the purge anchor.
    store.audit(&entry(6)).await.unwrap();
    let r = store.audit_verify().await.unwrap();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.rows, r.first_seq, r.last_seq), (1, 6, 6));
}

#[tokio::test]
async fn concurrent_appends_form_one_chain() {
    let db = fresh_store().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = db.store.clone();
        tasks.push(tokio::spawn(async move { s.audit(&entry(i)).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let r = db.store.audit_verify().await.unwrap();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!(r.rows, 40);
}
