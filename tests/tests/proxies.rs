//! `X-Forwarded-For` names the client only when a configured proxy sends it: the login
//! throttle and the audit log record the real client behind the load balancer, and a client
//! that forges the header is recorded as itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_tests::{TEST_PASSWORD, TestApp};

async fn login_from(t: &TestApp, forwarded: &str) -> u16 {
    t.client
        .post(format!("http://{}/api/v1/session", t.manage))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"username": "proxied", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn last_login_client(t: &TestApp) -> Option<String> {
    t.store
        .audit_records(50, 0)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.action == "login")
        .and_then(|r| r.client)
}

#[tokio::test]
async fn forwarded_addresses_are_believed_from_trusted_proxies_only() {
    // The test client connects from 127.0.0.1: as the load balancer.
    let t = TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    t.account("proxied", None).await;
    assert_eq!(login_from(&t, "203.0.113.7").await, 200);
    assert_eq!(last_login_client(&t).await.as_deref(), Some("203.0.113.7"));
    // A chain: the nearest untrusted hop is the client, whatever it claims before.
    assert_eq!(login_from(&t, "10.9.9.9, 198.51.100.4").await, 200);
    assert_eq!(last_login_client(&t).await.as_deref(), Some("198.51.100.4"));

    // Without the proxy configured the header is anyone's to forge: ignored.
    let t = TestApp::spawn().await;
    t.account("proxied", None).await;
    assert_eq!(login_from(&t, "203.0.113.7").await, 200);
    assert_eq!(last_login_client(&t).await.as_deref(), Some("127.0.0.1"));
}
