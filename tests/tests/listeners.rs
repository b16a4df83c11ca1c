//! Issue 18, rows 6 and 17: what both listeners do with connections and schemes. A connection
//! that sends nothing, only the HTTP/2 preface, or half a request, is closed after the header
//! time; a kept-alive one after the idle time; past the bound, connections wait. The management
//! listener serves HTTPS itself, the session cookie is Secure exactly when the request really
//! came over HTTPS, and `/metrics` can require a token or an address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zhanqun_tests::{TEST_PASSWORD, TestApp};

/// Reads until the server closes the connection (true) or `within` passes (false).
async fn closed_within(conn: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

async fn quick_limits() -> TestApp {
    TestApp::spawn_with(|c| {
        c.connections.header_read_timeout_seconds = 1;
        c.connections.idle_timeout_seconds = 2;
    })
    .await
}

#[tokio::test]
async fn silent_half_open_and_idle_connections_are_closed_on_both_listeners() {
    let t = quick_limits().await;
    for addr in [t.public, t.manage] {
        // Nothing at all.
        let mut silent = TcpStream::connect(addr).await.unwrap();
        // Only the HTTP/2 preface (the server answers with its settings, then waits).
        let mut preface = TcpStream::connect(addr).await.unwrap();
        preface
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            .await
            .unwrap();
        // Half a request line.
        let mut half = TcpStream::connect(addr).await.unwrap();
        half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        for (what, conn) in [
            ("silent", &mut silent),
            ("h2 preface", &mut preface),
            ("half request", &mut half),
        ] {
            assert!(
                closed_within(conn, Duration::from_secs(20)).await,
                "{what} connection to {addr} still open"
            );
        }
        // A kept-alive connection is answered, then closed when idle.
        let mut kept = TcpStream::connect(addr).await.unwrap();
        kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: 6108280001.localhost\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = kept.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 "), "{addr}");
        assert!(
            closed_within(&mut kept, Duration::from_secs(20)).await,
            "idle kept-alive connection to {addr} still open"
        );
    }
}

#[tokio::test]
async fn past_the_bound_connections_wait_for_a_free_one() {
    let t = TestApp::spawn_with(|c| {
        c.connections.max_public = 2;
        c.connections.header_read_timeout_seconds = 30;
    })
    .await;
    let a = TcpStream::connect(t.public).await.unwrap();
    let _b = TcpStream::connect(t.public).await.unwrap();
    // The third is queued by the kernel, not served, while the two hold their slots.
    let mut c = TcpStream::connect(t.public).await.unwrap();
    c.write_all(
        b"GET /robots.txt HTTP/1.1\r\nHost: 6108280001.localhost\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let early = tokio::time::timeout(Duration::from_millis(500), c.read(&mut buf)).await;
    assert!(early.is_err(), "answered past the bound: {early:?}");
    // One leaves: the third is served.
    drop(a);
    let n = tokio::time::timeout(Duration::from_secs(20), c.read(&mut buf))
        .await
        .expect("served once a slot is free")
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 "));
}

/// A login over `client` to `base`: the `Set-Cookie` the server answers with.
async fn login_cookie(client: &reqwest::Client, base: &str, proto: Option<&str>) -> String {
    let mut req = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "zhangsan", "password": TEST_PASSWORD}));
    if let Some(p) = proto {
        req = req.header("x-forwarded-proto", p);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.headers()["set-cookie"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_cookie_is_secure_exactly_when_the_request_came_over_https() {
    // Plain HTTP, a public host name, a forged X-Forwarded-Proto: not Secure (a browser would
    // not send a Secure cookie back over plain HTTP, and the header is anyone's to send).
    let t = TestApp::spawn().await;
    t.account("zhangsan", None).await;
    let client = reqwest::Client::new();
    let base = format!("http://{}", t.manage);
    for proto in [None, Some("https")] {
        let cookie = login_cookie(&client, &base, proto).await;
        assert!(
            cookie.starts_with("zq_session=") && !cookie.contains("Secure"),
            "{proto:?}: {cookie}"
        );
    }
    // From a trusted proxy that terminated TLS: Secure, __Host-.
    let t = TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    t.account("zhangsan", None).await;
    let cookie = login_cookie(&client, &format!("http://{}", t.manage), Some("https")).await;
    assert!(
        cookie.starts_with("__Host-zq_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn the_management_listener_serves_https_itself() {
    let certs = tempfile::tempdir().unwrap();
    let c = rcgen::generate_simple_self_signed(vec!["zhanqun.shaanxi.gov.cn".to_string()]).unwrap();
    std::fs::write(certs.path().join("default.crt"), c.cert.pem()).unwrap();
    std::fs::write(
        certs.path().join("default.key"),
        c.signing_key.serialize_pem(),
    )
    .unwrap();
    let dir = certs.path().to_path_buf();
    let t = TestApp::spawn_with(|cfg| {
        cfg.tls.manage = true;
        cfg.tls.dir = dir;
    })
    .await;
    t.account("zhangsan", None).await;
    let name = "zhanqun.shaanxi.gov.cn";
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_der(c.cert.der()).unwrap())
        .resolve(name, t.manage)
        .build()
        .unwrap();
    let base = format!("https://{name}:{}", t.manage.port());
    let res = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cookie = login_cookie(&client, &base, None).await;
    assert!(
        cookie.starts_with("__Host-zq_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    // Plain HTTP gets no answer from it.
    assert!(
        reqwest::Client::new()
            .get(format!("http://{}/healthz", t.manage))
            .send()
            .await
            .is_err()
    );
}

async fn metrics_status(addr: SocketAddr, token: Option<&str>) -> u16 {
    let mut req = reqwest::Client::new().get(format!("http://{addr}/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn metrics_can_require_a_token_or_an_address() {
    let t = TestApp::spawn_with(|c| c.metrics.token = "s3cret-scrape-token".into()).await;
    assert_eq!(metrics_status(t.manage, None).await, 401);
    assert_eq!(metrics_status(t.manage, Some("wrong")).await, 401);
    assert_eq!(
        metrics_status(t.manage, Some("s3cret-scrape-token")).await,
        200
    );

    let t = TestApp::spawn_with(|c| c.metrics.allow = vec!["10.0.0.0/8".parse().unwrap()]).await;
    assert_eq!(metrics_status(t.manage, None).await, 403);
    let t = TestApp::spawn_with(|c| c.metrics.allow = vec!["127.0.0.1".parse().unwrap()]).await;
    assert_eq!(metrics_status(t.manage, None).await, 200);
}
