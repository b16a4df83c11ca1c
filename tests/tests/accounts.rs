//! Accounts on SQLite and PostgreSQL: no default credentials, one generated first administrator,
//! user names unique after case folding, argon2id hashes, and every creation audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::{Error, PlatformRole, password};
use zhanqun_store::NewAccount;
use zhanqun_tests::fresh_store;

#[tokio::test]
async fn accounts_story() {
    let db = fresh_store().await;
    let store = &db.store;
    assert_eq!(store.account_count().await.unwrap(), 0);
    assert!(
        store.account_for_login("admin").await.unwrap().is_none(),
        "no default credentials on a clean store"
    );

    let (user, pw) = store
        .ensure_first_admin()
        .await
        .unwrap()
        .expect("first admin created");
    assert_eq!(user, "admin");
    assert!(
        password::PasswordPolicy::default()
            .check(&pw, "admin")
            .is_ok()
    );
    assert!(
        store.ensure_first_admin().await.unwrap().is_none(),
        "only once"
    );
    let (admin, hash) = store
        .account_for_login("ADMIN")
        .await
        .unwrap()
        .expect("case-insensitive lookup");
    assert_eq!(admin.platform_role, Some(PlatformRole::SystemAdmin));
    assert!(admin.must_change_password);
    assert!(hash.starts_with("$argon2id$"));
    assert!(password::verify(&pw, &hash));
    assert!(!password::verify("admin", &hash));

    let new = |name: &str| NewAccount {
        username: name.into(),
        display_name: "编辑".into(),
        password_hash: password::hash("Jiaxian-2026-editor").unwrap(),
        platform_role: None,
        must_change_password: false,
    };
    store.create_account(&new("LiMing")).await.unwrap();
    let dup = store.create_account(&new("liming")).await;
    assert!(
        matches!(dup, Err(Error::Conflict(ref m)) if m.contains("不区分大小写")),
        "{dup:?}"
    );
    store
        .create_account(&new("佳县应急局信息员"))
        .await
        .unwrap();
    for bad in ["a", "has space", "semi;colon", ""] {
        assert!(
            matches!(
                store.create_account(&new(bad)).await,
                Err(Error::InvalidInput(_))
            ),
            "{bad}"
        );
    }
    let plain = NewAccount {
        password_hash: "secret".into(),
        ..new("plaintext")
    };
    assert!(
        store.create_account(&plain).await.is_err(),
        "only argon2id hashes are stored"
    );
    assert_eq!(store.accounts().await.unwrap().len(), 3);

    // The first administrator's creation is in the audit log, and the chain verifies.
    let records = store.audit_records(10, 0).await.unwrap();
    assert!(records.iter().any(|r| r.action == "account.create"
        && r.object.as_deref().is_some_and(|o| o.contains("admin"))));
    assert!(store.audit_verify().await.unwrap().ok());
}
