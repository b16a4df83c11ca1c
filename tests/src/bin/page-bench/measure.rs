//! Measuring a series: server CPU from `/proc`, the background jobs' idle share, and one
//! series of distinct URLs asked for by one client or several at once.

use std::time::{Duration, Instant};

use zhanqun_tests::process::Process;

use crate::fail;

/// CPU time (user + system) of a process, in seconds.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat; 12 and 13 of what follows the ')'.
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds of the server and of its database: `zhanqun serve` itself, plus every
/// `postgres` process on the machine (the throwaway cluster of tests/with-postgres.sh, whose
/// backends do the queries; none runs during the SQLite series).
pub(crate) fn server_cpu(pid: u32) -> f64 {
    let mut total = cpu_seconds(pid);
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            if comm.trim() == "postgres" {
                total += cpu_seconds(p);
            }
        }
    }
    total
}

/// One measured series: URLs (host, path) of one page kind, asked for by `clients` clients at
/// once (each its own connection; 1 for every kind but one).
pub(crate) struct Series {
    pub kind: &'static str,
    pub urls: Vec<(String, String)>,
    pub clients: usize,
}

pub(crate) struct Measured {
    pub kind: &'static str,
    pub n: usize,
    pub cpu_ms: f64,
    pub p50: f64,
    pub p99: f64,
    pub status: String,
}

/// The server's metrics (Prometheus text), or nothing while it does not answer.
pub(crate) async fn metrics(server: &Process) -> String {
    match reqwest::get(format!("http://{}/metrics", server.manage)).await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits until the server's start-up run of the national check is over (it reads every column
/// of the store once, seconds of CPU at full size), then measures the process's CPU while no
/// request comes: the background jobs' share (reprint gauges every 15 s, the change log every
/// second), in CPU seconds a wall second, which `measure` takes off each series.
pub(crate) async fn settle(server: &Process) -> f64 {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(120) {
        let text = metrics(server).await;
        if text
            .lines()
            .any(|l| l.starts_with("zhanqun_job_runs_total{job=\"checks_report\""))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let pid = server.pid();
    let (cpu0, w0) = (server_cpu(pid), Instant::now());
    tokio::time::sleep(Duration::from_secs(16)).await;
    (server_cpu(pid) - cpu0) / w0.elapsed().as_secs_f64()
}

/// Waits (at most a minute) until the server is back to its idle CPU, give or take 10 ms a
/// second, for eight seconds running: longer than the visit counter's flush period (5 s by
/// default), so the counts of the series before are flushed, and a check run under way is
/// finished. The console series then measures its pages, not the work before.
pub(crate) async fn quiet(server: &Process, idle: f64) {
    const CALM_SECONDS: u32 = 8;
    let pid = server.pid();
    let t0 = Instant::now();
    let mut calm = 0;
    while calm < CALM_SECONDS {
        if t0.elapsed() > Duration::from_secs(60) {
            eprintln!("page-bench: the server did not come back to its idle CPU within 60 s");
            return;
        }
        let (cpu0, w0) = (server_cpu(pid), Instant::now());
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rate = (server_cpu(pid) - cpu0) / w0.elapsed().as_secs_f64();
        calm = if rate <= idle + 0.010 { calm + 1 } else { 0 };
    }
}

pub(crate) async fn measure(
    server: &Process,
    s: &Series,
    per_kind: usize,
    budget: Duration,
    idle: f64,
) -> Measured {
    let connect = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap_or_else(|e| fail(format!("{e:?}")))
    };
    let base = format!("http://{}", server.public);
    let pid = server.pid();
    let cpu0 = server_cpu(pid);
    let t0 = Instant::now();
    let clients = s.clients.max(1);
    // Client k asks for URLs k, k + clients, …, one after the other, on its own connection.
    let mut walkers = Vec::new();
    for k in 0..clients {
        let urls: Vec<(String, String)> = s
            .urls
            .iter()
            .take(per_kind.saturating_mul(clients))
            .skip(k)
            .step_by(clients)
            .cloned()
            .collect();
        // A client of its own, so each keeps one connection (a shared one with a single idle
        // slot would open and close spare connections while the others are busy).
        let (client, base) = (connect(), base.clone());
        walkers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut statuses = std::collections::BTreeMap::new();
            for (host, path) in urls {
                let r0 = Instant::now();
                let status = match client
                    .get(format!("{base}{path}"))
                    .header("host", host)
                    .send()
                    .await
                {
                    Ok(r) => {
                        let st = r.status().as_u16();
                        let _ = r.bytes().await;
                        st
                    }
                    Err(_) => 0,
                };
                lat.push(r0.elapsed().as_secs_f64() * 1000.0);
                *statuses.entry(status).or_insert(0) += 1;
                if t0.elapsed() > budget {
                    break;
                }
            }
            (lat, statuses)
        }));
    }
    let mut lat = Vec::new();
    let mut statuses = std::collections::BTreeMap::new();
    for w in walkers {
        let (l, st) = w.await.unwrap_or_else(|e| fail(format!("{e:?}")));
        lat.extend(l);
        for (k, v) in st {
            *statuses.entry(k).or_insert(0) += v;
        }
    }
    let cpu = (server_cpu(pid) - cpu0 - idle * t0.elapsed().as_secs_f64()).max(0.0);
    lat.sort_by(f64::total_cmp);
    let q = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    Measured {
        kind: s.kind,
        n: lat.len(),
        cpu_ms: cpu * 1000.0 / lat.len().max(1) as f64,
        p50: q(0.5),
        p99: q(0.99),
        status: statuses
            .iter()
            .map(|(k, v)| format!("{k}×{v}"))
            .collect::<Vec<_>>()
            .join(" "),
    }
}
