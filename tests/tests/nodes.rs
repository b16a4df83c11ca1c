//! Several nodes on one database: a publish on node A shows on node B's public pages (on
//! PostgreSQL woken by NOTIFY, not by the poll), and the once-across-nodes jobs run on one node
//! at a time, another taking over when the holder dies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use zhanqun_tests::steps::{column_at, published, site_by_code};
use zhanqun_tests::{TestApp, backend_name, fixture_sites};

const JIA: &str = "6108280001.localhost";

#[tokio::test]
async fn a_publish_on_one_node_shows_on_the_other() {
    let pg = backend_name() == "postgres";
    // On PostgreSQL the poll is an hour: only the commit notification can refresh node B.
    let poll = if pg { 3_600_000 } else { 50 };
    let a = TestApp::spawn_with(|c| c.jobs.change_poll_ms = poll).await;
    let b = a.another_node(|c| c.jobs.change_poll_ms = poll).await;
    zhanqun_sites::apply(&a.store, &fixture_sites())
        .await
        .unwrap();
    b.app.sync_changes().await.unwrap();
    let jia = site_by_code(&a.store, "6108280001").await;
    let col = column_at(&a.store, jia.id, "xwzx/zwyw").await;

    let mut delays = Vec::new();
    for i in 0..10 {
        // B has the home page in its cache.
        let before = b.page(JIA, "/", 200).await;
        let title = format!("第二节点可见的新闻{i}");
        assert!(!before.contains(&title));
        let t0 = Instant::now();
        a.store
            .create_article(jia.id, published(title.clone(), "<p>正文</p>"), &[col.id])
            .await
            .unwrap();
        loop {
            if b.page(JIA, "/", 200).await.contains(&title) {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "node B never showed the publish of node A"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        delays.push(t0.elapsed());
    }
    delays.sort();
    println!(
        "{}: publish on A visible on B after {:?} (median), {:?} (max) of {} publishes",
        backend_name(),
        delays[delays.len() / 2],
        delays[delays.len() - 1],
        delays.len()
    );
}

#[tokio::test]
async fn jobs_run_on_one_node_and_move_when_it_dies() {
    let lease = 3;
    let a = TestApp::spawn_with(|c| c.jobs.lease_seconds = lease).await;
    let b = a.another_node(|c| c.jobs.lease_seconds = lease).await;

    // Within a couple of renewals one node holds the lease, never both.
    let t0 = Instant::now();
    until_one_leads(&a, &b, t0).await;
    for _ in 0..50 {
        assert!(
            !(a.app.leads_jobs() && b.app.leads_jobs()),
            "both nodes hold the jobs lease"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (mut holder, other) = if a.app.leads_jobs() { (a, b) } else { (b, a) };
    let leases = holder.store.job_leases().await.unwrap();
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0].holder, holder.app.node());
    let ran = r#"zhanqun_job_runs_total{job="schedule",outcome="ok"}"#;
    assert_eq!(
        other.metric(ran).await,
        0.0,
        "only the holder runs the jobs"
    );

    // The holder dies without giving the lease up: the other node takes over once it expires.
    let old = leases[0].clone();
    holder.kill();
    let killed = Instant::now();
    while !other.app.leads_jobs() {
        assert!(
            killed.elapsed() < Duration::from_secs(lease * 2 + 10),
            "the other node never took the lease over"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = killed.elapsed();
    let leases = other.store.job_leases().await.unwrap();
    assert_eq!(leases[0].holder, other.app.node());
    assert!(
        leases[0].acquired_at > old.expires_at,
        "taken over before the dead node's lease ran out"
    );
    println!(
        "{}: lease of {lease} s taken over {took:?} after the holder died",
        backend_name()
    );
    // And runs the jobs now (scheduled publishing every five seconds).
    let t0 = Instant::now();
    while other.metric(ran).await < 1.0 {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the new holder runs no job"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(other.metric("zhanqun_jobs_lease_held").await, 1.0);

    drop(holder);
}

#[tokio::test]
async fn a_graceful_stop_gives_the_lease_up() {
    // A lease of a minute: the other node can only take it this early if it was given up.
    let lease = 60;
    let mut a = TestApp::spawn_with(|c| c.jobs.lease_seconds = lease).await;
    // Either node may be the one stopped: the database outlives both.
    let _db = a.take_database();
    let b = a.another_node(|c| c.jobs.lease_seconds = lease).await;
    let t0 = Instant::now();
    until_one_leads(&a, &b, t0).await;
    let (holder, other) = if a.app.leads_jobs() { (a, b) } else { (b, a) };
    let held = holder.store.job_leases().await.unwrap()[0].clone();
    drop(holder);
    let stopped = Instant::now();
    while !other.app.leads_jobs() {
        assert!(
            stopped.elapsed() < Duration::from_secs(lease / 2),
            "a lease given up on a graceful stop was not taken"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let now = other.store.job_leases().await.unwrap()[0].clone();
    assert_eq!(now.holder, other.app.node());
    assert!(now.acquired_at < held.expires_at);
}

#[tokio::test]
async fn a_postgres_that_may_lose_commits_is_refused() {
    // tests/with-postgres.sh runs its throwaway cluster with fsync=off: exactly the setting a
    // production node must refuse. SQLite's settings are checked (and set) at connect.
    let db = zhanqun_tests::fresh_store().await;
    let config = zhanqun_web::Config {
        database_url: db.url.clone(),
        demo_on_empty: false,
        ..zhanqun_web::Config::default()
    };
    let unsafe_settings = db.store.pg_unsafe_settings().await.unwrap();
    let started = zhanqun_web::App::new(config, db.store.clone()).await;
    if backend_name() == "postgres" {
        assert_eq!(
            unsafe_settings,
            vec![("fsync".to_string(), "off".to_string())]
        );
        let err = started.unwrap_err().to_string();
        assert!(
            err.contains("fsync=off") && err.contains("allow_nondurable_database"),
            "{err}"
        );
    } else {
        assert!(unsafe_settings.is_empty());
        assert!(started.is_ok());
    }
}

/// Waits until node `a` or node `b` holds the jobs lease: within 10 s of `t0`, or the test
/// fails.
async fn until_one_leads(a: &TestApp, b: &TestApp, t0: Instant) {
    while !(a.app.leads_jobs() || b.app.leads_jobs()) {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "nobody took the jobs lease"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
