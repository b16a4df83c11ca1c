//! Accounts on SQLite and PostgreSQL: no default credentials, one generated first administrator,
//! user names unique after case folding, argon2id hashes, and every creation audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::{Error, PlatformRole, password};
use zhanqun_store::NewAccount;
use zhanqun_tests::fresh_store;
use zhanqun_tests::steps::has_outcome;

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
        unit: None,
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

#[tokio::test]
async fn login_lockout_and_session_timeouts() {
    use chrono::{Duration, Utc};
    use zhanqun_store::{LoginError, LoginPolicy};
    let db = fresh_store().await;
    let store = &db.store;
    let policy = LoginPolicy::default();
    let (_, pw) = store.ensure_first_admin().await.unwrap().unwrap();
    let t0 = Utc::now();
    let ip = "203.0.113.1";

    // Five wrong passwords lock the account; then even the right one is refused.
    for i in 0..5 {
        let r = store
            .login(
                "admin",
                "Wrong-pass-1",
                ip,
                t0 + Duration::seconds(i),
                &policy,
            )
            .await;
        assert_eq!(r.err(), Some(LoginError::BadCredentials), "attempt {i}");
    }
    let r = store
        .login("admin", &pw, ip, t0 + Duration::seconds(10), &policy)
        .await;
    assert!(
        matches!(r, Err(LoginError::Locked(_))),
        "locked after 5 failures"
    );
    // An unknown user gets the same answers, in the same words.
    let other_ip = "203.0.113.2";
    let mut messages = Vec::new();
    for i in 0..6 {
        let e = store
            .login(
                "ghost",
                "Wrong-pass-1",
                other_ip,
                t0 + Duration::seconds(i),
                &policy,
            )
            .await
            .unwrap_err();
        messages.push(e.message());
    }
    assert_eq!(messages[0], LoginError::BadCredentials.message());
    assert_eq!(
        messages[5],
        LoginError::Locked(t0).message(),
        "unknown users lock the same way"
    );

    // Fifteen minutes later the right password works and starts a session.
    let t1 = t0 + Duration::minutes(16);
    let (account, token) = store.login("Admin", &pw, ip, t1, &policy).await.unwrap();
    assert_eq!(account.username, "admin");
    assert!(token.len() >= 64, "256-bit token");
    assert_eq!(
        store
            .session(&token, t1 + Duration::minutes(10), &policy)
            .await
            .unwrap()
            .map(|a| a.id),
        Some(account.id)
    );
    // Idle timeout: 30 minutes without a request ends it.
    assert!(
        store
            .session(&token, t1 + Duration::minutes(41), &policy)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .session(&token, t1 + Duration::minutes(42), &policy)
            .await
            .unwrap()
            .is_none(),
        "ended for good"
    );
    // Absolute timeout: 12 hours, however active.
    let (_, token) = store.login("admin", &pw, ip, t1, &policy).await.unwrap();
    let mut t = t1;
    while t < t1 + Duration::hours(12) - Duration::minutes(20) {
        t += Duration::minutes(20);
        assert!(
            store.session(&token, t, &policy).await.unwrap().is_some(),
            "active at {t}"
        );
    }
    assert!(
        store
            .session(
                &token,
                t1 + Duration::hours(12) + Duration::minutes(1),
                &policy
            )
            .await
            .unwrap()
            .is_none()
    );
    // Logout ends a session; disabling an account ends all of them and refuses its logins.
    let (_, a) = store.login("admin", &pw, ip, t1, &policy).await.unwrap();
    let (_, b) = store.login("admin", &pw, ip, t1, &policy).await.unwrap();
    assert_ne!(a, b, "a new session id at every login");
    store.logout(&a).await.unwrap();
    assert!(store.session(&a, t1, &policy).await.unwrap().is_none());
    assert!(store.session(&b, t1, &policy).await.unwrap().is_some());
    store.set_account_disabled(account.id, true).await.unwrap();
    assert!(store.session(&b, t1, &policy).await.unwrap().is_none());
    assert_eq!(
        store
            .login("admin", &pw, "198.51.100.1", t1, &policy)
            .await
            .err(),
        Some(LoginError::BadCredentials)
    );
    assert!(
        store
            .session("not-a-token", t1, &policy)
            .await
            .unwrap()
            .is_none()
    );

    // A client address that fails five times (over several names) is locked too.
    store.set_account_disabled(account.id, false).await.unwrap();
    let bad_ip = "198.51.100.9";
    for i in 0..5 {
        let _ = store
            .login(&format!("user{i}"), "Wrong-pass-1", bad_ip, t1, &policy)
            .await;
    }
    assert!(matches!(
        store.login("admin", &pw, bad_ip, t1, &policy).await,
        Err(LoginError::Locked(_))
    ));
    assert!(
        store
            .login("admin", &pw, "198.51.100.10", t1, &policy)
            .await
            .is_ok(),
        "other addresses are not affected"
    );

    // Every attempt is in the audit log, and the chain verifies.
    let log = store.audit_records(200, 0).await.unwrap();
    assert!(log.iter().any(|r| r.action == "login.lockout"));
    assert!(has_outcome(&log, "login", "success"));
    assert!(
        log.iter().any(|r| r.action == "login"
            && r.outcome == "failure"
            && r.client.as_deref() == Some(ip))
    );
    assert!(store.audit_verify().await.unwrap().ok());
}
