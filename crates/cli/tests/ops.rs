//! Operating the binary: `kill -9` under publishing load loses nothing that was answered 2xx
//! and leaves a sound store; SIGTERM lets a request in flight finish; an online backup made
//! under load restores into a fresh directory with the same content.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zhanqun_core::{ArticleStatus, ColumnId, SiteCode, SiteId};
use zhanqun_store::Store;
use zhanqun_tests::process::{Crew, Process, create_crew};
use zhanqun_tests::{TEST_PASSWORD, User, fixture_sites};

const BIN: &str = env!("CARGO_BIN_EXE_zhanqun");
const HOST: &str = "6108280001.localhost";

/// A data directory with the fixture province and a publishing crew on 佳县.
async fn prepare(dir: &Path) -> (SiteId, ColumnId) {
    let store = Store::connect(&Store::sqlite_url(dir)).await.unwrap();
    store.migrate().await.unwrap();
    zhanqun_sites::apply(&store, &fixture_sites())
        .await
        .unwrap();
    let site = store
        .site_by_code(&SiteCode::parse("6108280001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let column = store
        .columns(site.id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.path.as_str() == "xwzx/zwyw")
        .unwrap();
    create_crew(&store, site.id).await;
    store.close().await;
    (site.id, column.id)
}

/// Publishing workers: each publishes until its server stops answering; the ids of the
/// publishes answered 2xx, with their titles.
fn publish_load(
    manage: std::net::SocketAddr,
    column: ColumnId,
    workers: usize,
    tag: &str,
    done: Arc<Mutex<Vec<(i64, String)>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..workers)
        .map(|w| {
            let (done, stop, tag) = (done.clone(), stop.clone(), tag.to_string());
            tokio::spawn(async move {
                // The server may be killed during the logins already.
                let Ok(crew) = Crew::try_login(manage).await else {
                    return;
                };
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let title = format!("压力发布{tag}-{w}-{i}");
                    match crew.publish(column, &title).await {
                        Ok(id) => done.lock().unwrap().push((id, title)),
                        Err(e) => {
                            eprintln!("worker {w} stops: {e}");
                            break;
                        }
                    }
                }
            })
        })
        .collect()
}

/// A small pseudo-random sequence (the test is repeatable from its seed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_publishing_load_loses_no_answered_publish() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, column) = prepare(tmp.path()).await;
    let mut p = Process::start(Path::new(BIN), tmp.path(), &[]).await;
    let done = Arc::new(Mutex::new(Vec::new()));
    let mut rng = Lcg(0x5eed_2026);
    let rounds = 20;
    for round in 0..rounds {
        if round > 0 {
            p.restart().await;
        }
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let workers = publish_load(
            p.manage,
            column,
            3,
            &round.to_string(),
            done.clone(),
            stop.clone(),
        );
        // Killed at a random moment of the load, once it publishes: the logins (argon2) take
        // the first moments, longer when other tests share the cores.
        let before = done.lock().unwrap().len();
        let t0 = std::time::Instant::now();
        while done.lock().unwrap().len() == before && t0.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.next(1200))).await;
        p.kill9();
        for w in workers {
            w.await.unwrap();
        }
        // After each crash the store is sound.
        let check = p.cli(&["check"]);
        assert!(
            check.status.success(),
            "round {round}: zhanqun check failed: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    }
    p.restart().await;
    let answered = done.lock().unwrap().clone();
    assert!(
        answered.len() >= rounds,
        "the load published too little to mean anything: {}",
        answered.len()
    );
    let client = reqwest::Client::new();
    for (id, title) in &answered {
        let res = client
            .get(format!("http://{}/art/{id}.html", p.public))
            .header("host", HOST)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "answered publish {id} lost");
        assert!(res.text().await.unwrap().contains(title.as_str()));
    }
    println!(
        "{rounds} kill -9 rounds: {} publishes answered 2xx, all present; check passed after each",
        answered.len()
    );
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish() {
    let tmp = tempfile::tempdir().unwrap();
    prepare(tmp.path()).await;
    let mut p = Process::start(Path::new(BIN), tmp.path(), &[]).await;
    // A login whose body arrives slowly: in flight when SIGTERM comes.
    let body =
        serde_json::json!({"username": "crew-editor", "password": TEST_PASSWORD}).to_string();
    let (first, rest) = body.split_at(10);
    let mut conn = std::net::TcpStream::connect(p.manage).unwrap();
    write!(
        conn,
        "POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    conn.flush().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    p.sigterm();
    tokio::time::sleep(Duration::from_millis(700)).await;
    // No new connections are accepted meanwhile.
    assert!(
        std::net::TcpStream::connect(p.manage).is_err()
            || reqwest::Client::new()
                .get(format!("http://{}/healthz", p.manage))
                .send()
                .await
                .is_err(),
        "a stopping server still accepts requests"
    );
    conn.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the request in flight did not complete: {answer}"
    );
    let status = tokio::task::spawn_blocking(move || p.wait()).await.unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_the_same_content() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, column) = prepare(tmp.path()).await;
    let p = Process::start(Path::new(BIN), tmp.path(), &[]).await;
    // An uploaded file, which the backup must carry.
    let editor = User::login(p.manage, "crew-editor").await;
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png.to_vec()).file_name("图.png"),
    );
    let up = editor
        .client
        .post(format!("{}/api/v1/sites/{}/media", editor.base, site.0))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status().as_u16(), 201);

    let done = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers = publish_load(p.manage, column, 2, "b", done.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before: Vec<(i64, String)> = done.lock().unwrap().clone();
    let backup = tmp.path().join("backup");
    let out = {
        let (bin, data, to) = (BIN, tmp.path().to_path_buf(), backup.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(bin)
                .args(["backup", "--to"])
                .arg(&to)
                .env("ZHANQUN_DATA_DIR", &data)
                .env_remove("ZHANQUN_DATABASE_URL")
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    let during = done.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    assert!(
        out.status.success(),
        "backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        done.lock().unwrap().len() > before.len(),
        "no load during the backup"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"].as_array().unwrap().len(), 1);

    // Restore into a fresh directory: the same content as the backup.
    let fresh = tmp.path().join("restored");
    let zq = |dir: &Path, args: &[&str]| {
        std::process::Command::new(BIN)
            .args(args)
            .env("ZHANQUN_DATA_DIR", dir)
            .env_remove("ZHANQUN_DATABASE_URL")
            .output()
            .unwrap()
    };
    let backup_arg = backup.to_str().unwrap();
    let r = zq(&fresh, &["restore", "--from", backup_arg]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let export = zq(&fresh, &["export"]);
    let hash = String::from_utf8_lossy(&export.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(hash, manifest["export_sha256"].as_str().unwrap());
    assert!(zq(&fresh, &["check"]).status.success());
    let restored = Store::connect(&Store::sqlite_url(&fresh)).await.unwrap();
    for (id, title) in &before {
        let a = restored
            .article(zhanqun_core::ArticleId(*id))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("publish {id} answered before the backup is missing"));
        assert_eq!(&a.title, title);
        assert_eq!(a.status, ArticleStatus::Published);
    }
    let media = restored.media_files().await.unwrap();
    assert_eq!(media.len(), 1);
    let file = fresh.join(format!(
        "media/{}/{}",
        media[0].site_id, media[0].storage_name
    ));
    assert_eq!(std::fs::read(file).unwrap(), png);
    restored.close().await;
    println!(
        "backup under load: {} publishes before it, {} by its end; restored export {hash}",
        before.len(),
        during
    );

    // Bad input: restoring over a data directory that has a store, or a damaged backup.
    let r = zq(&fresh, &["restore", "--from", backup_arg]);
    assert_eq!(r.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&r.stderr).contains("已有数据库"));
    let damaged = backup.join(manifest["files"][0]["path"].as_str().unwrap());
    std::fs::write(&damaged, b"not the file").unwrap();
    let other = tmp.path().join("other");
    let r = zq(&other, &["restore", "--from", backup_arg]);
    assert_eq!(
        r.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(String::from_utf8_lossy(&r.stderr).contains("已损坏"));
    assert!(!other.join("zhanqun.db").exists());
    assert!(
        walk(&other).is_empty(),
        "a failed restore left files: {:?}",
        walk(&other)
    );
    let r = zq(&other, &["restore", "--from", "/nonexistent"]);
    assert_eq!(r.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&r.stderr).contains("manifest.json"));
    let r = zq(tmp.path(), &["backup", "--to", backup_arg]);
    assert_eq!(r.status.code(), Some(3));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
