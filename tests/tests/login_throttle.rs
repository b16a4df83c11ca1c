//! Security round two (issue 18, rows 2–5): one login throttle over HTTP. Password and
//! second-factor failures count together and atomically; the security administrator sees why a
//! login is locked and lifts it; a password change ends the account's other sessions and its
//! current-password check counts toward the same lock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_core::PlatformRole;
use zhanqun_tests::{TEST_PASSWORD, TestApp};

fn anon() -> reqwest::Client {
    zhanqun_tests::crypto();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn post(c: &reqwest::Client, t: &TestApp, path: &str, body: serde_json::Value) -> u16 {
    c.post(format!("http://{}{path}", t.manage))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Row 2: a right password used to clear the account's failures, so password + 4 wrong codes,
/// again and again, never locked. Now the password step gives back only its own count.
#[tokio::test]
async fn second_factor_guesses_lock_the_account_even_between_right_passwords() {
    let t = TestApp::spawn().await;
    t.account("wangwu", None).await;
    t.login("wangwu").await; // enrolled in TOTP
    let login = json!({"username": "wangwu", "password": TEST_PASSWORD});
    let mut statuses = Vec::new();
    for _round in 0..3 {
        let c = anon();
        let s = post(&c, &t, "/api/v1/session", login.clone()).await;
        statuses.push(s);
        if s != 200 {
            break;
        }
        for _ in 0..4 {
            let s = post(&c, &t, "/api/v1/session/totp", json!({"code": "000000"})).await;
            statuses.push(s);
            if s == 429 {
                break;
            }
        }
    }
    // Round 1: password, 4 wrong codes; round 2: password, then the fifth wrong code locks.
    assert_eq!(
        &statuses[..7],
        &[200, 401, 401, 401, 401, 200, 401],
        "{statuses:?}"
    );
    assert!(statuses[7..].iter().all(|s| *s == 429), "{statuses:?}");
    let c = anon();
    assert_eq!(post(&c, &t, "/api/v1/session", login).await, 429);
}

/// Row 3: the lock was read before the password check and the count raised after it, so 40
/// concurrent wrong passwords got 35 checks for a limit of 5. The count is now taken first.
#[tokio::test]
async fn concurrent_guesses_get_no_more_checks_than_the_limit() {
    let t = TestApp::spawn().await;
    t.account("zhaoliu", None).await;
    let c = anon();
    let mut all = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (c, url) = (c.clone(), format!("http://{}/api/v1/session", t.manage));
        all.spawn(async move {
            c.post(url)
                .json(&json!({"username": "zhaoliu", "password": format!("Wrong-password-{i}")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(s) = all.join_next().await {
        statuses.push(s.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + locked, 40, "{statuses:?}");
    assert!(checked <= 5, "{checked} passwords checked: {statuses:?}");
    let records = t.store.audit_records(200, 0).await.unwrap();
    let verified = records
        .iter()
        .filter(|r| r.actor == "user:zhaoliu" && r.detail.as_deref() == Some("bad credentials"))
        .count();
    assert!(verified <= 5, "{verified} password checks audited");
}

/// Row 4: a lock could not be lifted by anyone; now the security administrator sees who is
/// locked and why, and lifts it (audited). Nobody else can.
#[tokio::test]
async fn the_security_administrator_sees_and_lifts_a_lock() {
    let t = TestApp::spawn().await;
    t.account("sunqi", None).await;
    t.account("sec", Some(PlatformRole::SecurityAdmin)).await;
    t.account("sys", Some(PlatformRole::SystemAdmin)).await;
    let sec = t.login("sec").await;
    let sys = t.login("sys").await;
    let c = anon();
    for _ in 0..5 {
        let wrong = json!({"username": "sunqi", "password": "Wrong-password-1"});
        assert_eq!(post(&c, &t, "/api/v1/session", wrong).await, 401);
    }
    let right = json!({"username": "sunqi", "password": TEST_PASSWORD});
    assert_eq!(
        post(&anon(), &t, "/api/v1/session", right.clone()).await,
        429
    );

    let (status, html) = sec.page("/accounts").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("登录锁定") && html.contains("sunqi"),
        "{html}"
    );
    assert!(html.contains("密码或动态口令连续错误"));
    let (_, html) = sys.page("/accounts").await;
    assert!(
        !html.contains("登录锁定"),
        "only the security administrator sees locks"
    );
    let (status, _) = sys
        .form("/login-locks/unlock", &[("key", "user:sunqi")])
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        post(&anon(), &t, "/api/v1/session", right.clone()).await,
        429
    );

    let (status, _) = sec
        .form("/login-locks/unlock", &[("key", "user:sunqi")])
        .await;
    assert_eq!(status, 303);
    // The address that made the five failures is locked too; from another client's address
    // the account logs in again. (All test clients share 127.0.0.1: lift that lock as well.)
    let (status, _) = sec
        .form("/login-locks/unlock", &[("key", "client:127.0.0.1")])
        .await;
    assert_eq!(status, 303);
    assert_eq!(post(&anon(), &t, "/api/v1/session", right).await, 200);
    let (status, _) = sec
        .form("/login-locks/unlock", &[("key", "user:sunqi")])
        .await;
    assert_eq!(status, 404, "already lifted");
    let records = t.store.audit_records(100, 0).await.unwrap();
    let unlock = records
        .iter()
        .find(|r| r.action == "login.unlock" && r.outcome == "success")
        .expect("audited");
    assert_eq!(unlock.actor, "user:sec");
}

/// Row 5: changing a password left the account's other sessions open, and the current-password
/// check could be guessed without limit by whoever held a session.
#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_its_check_is_throttled() {
    let t = TestApp::spawn().await;
    t.account("zhouba", None).await;
    let here = t.login("zhouba").await;
    // A second session of the same account (another browser), through its second factor.
    let secret = here.totp_secret.clone().unwrap();
    let there = anon();
    let login = json!({"username": "zhouba", "password": TEST_PASSWORD});
    assert_eq!(post(&there, &t, "/api/v1/session", login).await, 200);
    let code =
        zhanqun_core::totp::code_at(&secret, chrono::Utc::now() + chrono::Duration::seconds(30))
            .unwrap();
    assert_eq!(
        post(&there, &t, "/api/v1/session/totp", json!({"code": code})).await,
        200
    );
    let work = |c: &reqwest::Client| c.get(format!("http://{}/api/v1/me/work", t.manage)).send();
    assert_eq!(work(&there).await.unwrap().status(), 200);

    let new_password = "Another-Passw0rd-2026";
    let r = here
        .post(
            "/api/v1/session/password",
            json!({"current_password": TEST_PASSWORD, "new_password": new_password}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        here.get("/api/v1/me/work").await.status,
        200,
        "this session stays"
    );
    assert_eq!(
        work(&there).await.unwrap().status(),
        401,
        "the other session ended"
    );

    // Five wrong current passwords lock the account, the right one included.
    for _ in 0..5 {
        let r = here
            .post(
                "/api/v1/session/password",
                json!({"current_password": "Wrong-password-1", "new_password": "Third-Passw0rd-2026"}),
            )
            .await;
        assert_eq!((r.status, r.code()), (400, "invalid_input"), "{}", r.json);
    }
    let r = here
        .post(
            "/api/v1/session/password",
            json!({"current_password": new_password, "new_password": "Third-Passw0rd-2026"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "locked"), "{}", r.json);
    let c = anon();
    let login = json!({"username": "zhouba", "password": new_password});
    assert_eq!(post(&c, &t, "/api/v1/session", login).await, 429);
}
