//! The search page measured through HTTP on the store (issue 17, item 7): a server with search
//! on, its index built from the store (in the background, while it serves) or reused from the
//! last run, then `/search` asked for on random sites and province-wide on the province portal,
//! common and rare terms, at random result pages. Search pages are never cached, so every
//! request runs the query, the facets and the render.

use std::path::Path;
use std::time::{Duration, Instant};

use zhanqun_core::SiteKind;
use zhanqun_store::Store;
use zhanqun_tests::process::Process;
use zhanqun_tests::words::Rng;

use crate::{Series, fail, metrics, urlencode};

/// Terms in a large share of the fixture's articles (its topics and its commonest words).
const COMMON: [&str; 4] = ["安全生产", "乡村振兴", "工作会议", "通知"];

/// The series of search URLs: (kind, [(host, path)]).
pub async fn series(store: &Store, n: usize) -> Vec<Series> {
    let mut rng = Rng(0x5EA2_C4ED_0000_0017);
    let sites = store
        .list_sites()
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    let province = sites
        .iter()
        .find(|s| s.kind == SiteKind::ProvincePortal && s.code.as_str() == "6100000001")
        .unwrap_or_else(|| fail("no province portal 6100000001".into()));
    let host = |code: &str| format!("{code}.localhost");
    // Rare: a document number of the State Council items (one article in 5,000 is one, placed
    // on every site) or of a county's own documents, and a word no article has.
    let rare = |rng: &mut Rng| -> String {
        match rng.next() % 3 {
            0 => format!(
                "国办发〔{}〕{}号",
                2017 + rng.next() % 10,
                1 + rng.next() % 60
            ),
            1 => format!(
                "{}政办发",
                ["佳县", "榆林市", "米脂县", "神木市"][(rng.next() % 4) as usize]
            ),
            _ => "碳普惠".to_string(),
        }
    };
    let mut out = Vec::new();
    for (kind, province_wide, common) in [
        ("search page, one site, common term", false, true),
        ("search page, one site, rare term", false, false),
        ("search page, province-wide, common term", true, true),
        ("search page, province-wide, rare term", true, false),
    ] {
        let mut urls = Vec::new();
        for _ in 0..n {
            let q = if common {
                COMMON[(rng.next() % COMMON.len() as u64) as usize].to_string()
            } else {
                rare(&mut rng)
            };
            let page = 1 + rng.next() % 3;
            if province_wide {
                urls.push((
                    host(province.code.as_str()),
                    format!("/search?q={}&scope=all&page={page}", urlencode(&q)),
                ));
            } else {
                let s = &sites[(rng.next() % sites.len() as u64) as usize];
                urls.push((
                    host(s.code.as_str()),
                    format!("/search?q={}&page={page}", urlencode(&q)),
                ));
            }
        }
        out.push(Series {
            kind,
            urls,
            clients: 1,
        });
    }
    out
}

/// Starts a server with search on and waits until its index holds every searchable article
/// (a rebuild from the store the first time, the change log replayed after). Returns the server,
/// how long until it was ready to serve, and how long until the index was complete.
pub async fn start(bin: &Path, data: &Path, env: &[(&str, &str)]) -> (Process, f64, f64) {
    let mut env: Vec<(&str, &str)> = env
        .iter()
        .filter(|(k, _)| *k != "ZHANQUN_SEARCH__ENABLED")
        .copied()
        .collect();
    env.push(("ZHANQUN_SEARCH__ENABLED", "true"));
    let t0 = Instant::now();
    let server = Process::start(bin, data, &env).await;
    let ready = t0.elapsed().as_secs_f64();
    loop {
        if t0.elapsed() > Duration::from_secs(1800) {
            fail("the search index was not ready within 30 minutes".into());
        }
        let text = metrics(&server).await;
        // The indexer's first step runs once the catch-up (or rebuild) is over.
        if text
            .lines()
            .any(|l| l.starts_with("zhanqun_job_runs_total{job=\"search\",outcome=\"ok\"}"))
        {
            let docs = text
                .lines()
                .find_map(|l| l.strip_prefix("zhanqun_search_docs "))
                .unwrap_or("?")
                .to_string();
            eprintln!(
                "page-bench: search index complete after {:.0} s ({docs} articles)",
                t0.elapsed().as_secs_f64()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    (server, ready, t0.elapsed().as_secs_f64())
}
