//! The console and the JSON API at province scale (issue 17, item 4): the auditor's overview,
//! sites, checks and statistics pages, the review queue and 我的工作, the reprint board, and
//! their JSON twins, as the people who use them see them: logged in over HTTP on the
//! management listener of the same running server, on the same store as the public series.
//!
//! Console pages are not cached, so each URL is asked for a few times in a row and the series
//! reports server CPU per request, latency and the size of the answer. The first request to
//! each URL is timed on its own and left out of the others: it may be the first to read
//! something the server then keeps (the list of sites, the national check's run), so it tells
//! what the first person to open a page after a start waits, and the rest what a running
//! server pays.

use std::time::Instant;

use zhanqun_core::{PlatformRole, SiteId, SiteRole};
use zhanqun_store::Store;
use zhanqun_tests::User;
use zhanqun_tests::process::Process;

use crate::{fail, server_cpu};

/// The bench's own accounts (password `zhanqun_tests::TEST_PASSWORD`), created when missing:
/// the province auditor, the system and audit administrators, and the site administrators of the
/// province portal (the largest site) and of 佳县 (a county with a decade of archives).
const ACCOUNTS: [(&str, Option<PlatformRole>, Option<&str>); 5] = [
    ("bench-auditor", Some(PlatformRole::ProvinceAuditor), None),
    ("bench-sysadmin", Some(PlatformRole::SystemAdmin), None),
    ("bench-auditadmin", Some(PlatformRole::AuditAdmin), None),
    ("bench-office", None, Some("6100000001")),
    ("bench-jx-admin", None, Some("6108280001")),
];

/// What the console series needs from the store: the bench accounts, and the ids in its URLs.
pub struct Plan {
    province: SiteId,
    county: SiteId,
    policies: i64,
}

/// Creates the bench accounts when missing and finds the ids the URLs name.
pub async fn prepare(store: &Store) -> Plan {
    let site = |code: &'static str| async move {
        let code = zhanqun_core::SiteCode::parse(code).unwrap_or_else(|e| fail(format!("{e:?}")));
        store
            .site_by_code(&code)
            .await
            .unwrap_or_else(|e| fail(format!("{e:?}")))
            .unwrap_or_else(|| fail(format!("no site {code}")))
            .id
    };
    let (province, county) = (site("6100000001").await, site("6108280001").await);
    let existing = store
        .accounts()
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    for (username, role, admin_of) in ACCOUNTS {
        if existing.iter().any(|a| a.username == username) {
            continue;
        }
        let id = zhanqun_tests::create_account(store, username, role).await;
        if let Some(code) = admin_of {
            store
                .grant_as_system(id, SiteRole::SiteAdmin, site(code).await, None)
                .await
                .unwrap_or_else(|e| fail(format!("{e:?}")));
        }
    }
    let policies = store
        .column_by_path(province, "zwgk/zcwj")
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")))
        .unwrap_or_else(|| fail("the province portal has no zwgk/zcwj".into()))
        .0;
    Plan {
        province,
        county,
        policies,
    }
}

/// One measured console URL.
pub struct Measured {
    pub who: &'static str,
    pub path: String,
    /// The latency of the first request, in ms.
    pub first: f64,
    pub cpu_ms: f64,
    pub p50: f64,
    pub p99: f64,
    pub kb: f64,
    pub status: u16,
}

/// Every URL of the series, by account.
fn urls(p: &Plan) -> Vec<(&'static str, String)> {
    let (prov, county, col) = (p.province.0, p.county.0, p.policies);
    let mut v: Vec<(&'static str, String)> = Vec::new();
    for path in [
        "/stats".to_string(),
        "/stats/checks".into(),
        "/stats/checks?page=60".into(),
        "/stats/reports".into(),
        format!("/stats/sites/{prov}"),
        format!("/stats/sites/{county}"),
        format!("/stats/sites/{prov}/columns/{col}"),
        "/sites".into(),
        "/".into(),
        "/reprint/board".into(),
        format!("/reprint/sites/{county}"),
        "/api/v1/stats/checks".into(),
        format!("/api/v1/stats/sites/{county}/figures"),
        "/api/v1/sites".into(),
        "/api/v1/me/work".into(),
        "/api/v1/reprint/deliveries?site=6108280001".into(),
    ] {
        v.push(("bench-auditor", path));
    }
    for path in [
        "/".to_string(),
        "/review".into(),
        "/sites".into(),
        format!("/columns/{col}"),
        "/reprint".into(),
        "/submissions".into(),
        format!("/stats/sites/{prov}"),
        "/api/v1/me/work".into(),
        format!("/api/v1/columns/{col}/articles"),
        "/api/v1/submissions/inbox?site=6100000001".into(),
        "/api/v1/reprint/deliveries?site=6100000001".into(),
    ] {
        v.push(("bench-office", path));
    }
    for path in [
        "/".to_string(),
        "/review".into(),
        format!("/stats/sites/{county}"),
        "/api/v1/me/work".into(),
    ] {
        v.push(("bench-jx-admin", path));
    }
    for path in ["/sites", "/accounts", "/api/v1/accounts"] {
        v.push(("bench-sysadmin", path.to_string()));
    }
    // The audit log is the audit administrator's alone (三权分立).
    for path in ["/audit", "/api/v1/audit"] {
        v.push(("bench-auditadmin", path.to_string()));
    }
    v
}

/// Logs the bench accounts in and asks for every URL once, then `reps` times measured.
pub async fn measure(server: &Process, plan: &Plan, reps: usize, idle: f64) -> Vec<Measured> {
    let mut users: Vec<(&'static str, User)> = Vec::new();
    for (username, _, _) in ACCOUNTS {
        let u = User::try_login(server.manage, username)
            .await
            .unwrap_or_else(|e| fail(e));
        users.push((username, u));
    }
    let pid = server.pid();
    let mut out = Vec::new();
    for (who, path) in urls(plan) {
        let Some((_, user)) = users.iter().find(|(n, _)| *n == who) else {
            continue;
        };
        let url = format!("{}{path}", user.base);
        let (mut lat, mut bytes, mut status) = (Vec::new(), 0usize, 0u16);
        let mut ask = async || {
            let r0 = Instant::now();
            match user.client.get(&url).send().await {
                Ok(r) => {
                    status = r.status().as_u16();
                    bytes = r.bytes().await.map(|b| b.len()).unwrap_or(0);
                }
                Err(e) => fail(format!("{url}: {e}")),
            }
            r0.elapsed().as_secs_f64() * 1000.0
        };
        let first = ask().await;
        let (cpu0, t0) = (server_cpu(pid), Instant::now());
        for _ in 0..reps {
            lat.push(ask().await);
        }
        let cpu = (server_cpu(pid) - cpu0 - idle * t0.elapsed().as_secs_f64()).max(0.0);
        lat.sort_by(f64::total_cmp);
        let q = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
        let m = Measured {
            who,
            path,
            first,
            cpu_ms: cpu * 1000.0 / lat.len().max(1) as f64,
            p50: q(0.5),
            p99: q(0.99),
            kb: bytes as f64 / 1024.0,
            status,
        };
        eprintln!(
            "page-bench: console {} {}: first {:.1} ms, then {:.1} ms CPU, p50 {:.1} ms, {:.0} KB ({})",
            m.who, m.path, m.first, m.cpu_ms, m.p50, m.kb, m.status
        );
        out.push(m);
    }
    out
}
