//! Reprint fan-out benchmark: one article to every county-level division of China (2,979 sites
//! from `../shared/data/divisions/areas.csv`), measured from the ingest call until every site's
//! home page shows it, against the reference of fetching the same 2,979 home pages from the
//! page cache in the same run. Runs on SQLite, or on PostgreSQL when
//! `ZHANQUN_TEST_DATABASE_URL` is set. Prints a Markdown table row; `tests/bench/reprint.sh`
//! runs it on both backends and writes docs/BENCHMARKS.md.
//!
//! With `REPRINT_BENCH_STORE=<database URL>` it runs on that store instead of empty sites: the
//! national fixture of page-bench (every portal of China with its million articles), whose
//! State Council source (国务院最新政策（基准）) every portal already subscribes to.

use std::time::{Duration, Instant};
use zhanqun_core::SourceId;

use zhanqun_store::{NewItem, NewSource, ReprintMode};
use zhanqun_tests::TestApp;

const TITLE: &str = "国务院关于做好今冬明春农村供暖保障工作的通知（基准测试）";

fn fail(msg: String) -> ! {
    eprintln!("reprint-bench: {msg}");
    std::process::exit(1)
}

/// (division code, name) of every division of areas.csv.
fn areas(path: &std::path::Path) -> Vec<(String, String)> {
    zhanqun_tests::areas::read(path)
        .unwrap_or_else(|e| fail(format!("{}: {e}", path.display())))
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect()
}

/// Fetches every host's home page, `conc` at a time; returns the hosts whose page lacks `needle`.
async fn fetch_all(
    t: &TestApp,
    hosts: &[String],
    needle: Option<&str>,
    conc: usize,
) -> Vec<String> {
    use tokio::task::JoinSet;
    let mut missing = Vec::new();
    let mut set = JoinSet::new();
    let mut iter = hosts.iter().cloned();
    let client = t.client.clone();
    let base = format!("http://{}/", t.public);
    let spawn = |set: &mut JoinSet<(String, bool)>, host: String| {
        let (client, base, needle) = (client.clone(), base.clone(), needle.map(str::to_string));
        set.spawn(async move {
            let body = match client.get(&base).header("host", &host).send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let ok = match &needle {
                Some(n) => body.contains(n.as_str()),
                None => !body.is_empty(),
            };
            (host, ok)
        });
    };
    for _ in 0..conc {
        if let Some(h) = iter.next() {
            spawn(&mut set, h);
        }
    }
    while let Some(res) = set.join_next().await {
        if let Ok((host, ok)) = res
            && !ok
        {
            missing.push(host);
        }
        if let Some(h) = iter.next() {
            spawn(&mut set, h);
        }
    }
    missing
}

#[tokio::main]
async fn main() {
    let csv = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data/divisions/areas.csv".into());
    let areas = areas(std::path::Path::new(&csv));
    if areas.is_empty() {
        fail(format!("no divisions in {csv}"));
    }
    let tweak = |c: &mut zhanqun_web::Config| {
        c.reprint.poll = false;
        c.cache.max_bytes = 1 << 30;
        c.allow_nondurable_database = true;
    };
    if let Ok(url) = std::env::var("REPRINT_BENCH_STORE") {
        let db = zhanqun_tests::TestStore::existing(&url).await;
        // Search off: the app's search index would be a fresh one, rebuilt from the million
        // articles on both cores during the measurement (the pages section is measured so too).
        let t = TestApp::spawn_configured(db, |c| {
            tweak(c);
            c.search.enabled = false;
        })
        .await;
        return on_fixture(t).await;
    }
    let t = TestApp::spawn_with(tweak).await;
    let backend = zhanqun_tests::backend_name();

    // The national fixture: one county portal per division.
    let started = Instant::now();
    let files: Vec<(String, String)> = areas
        .iter()
        .map(|(code, name)| {
            let site = format!("{code}0001");
            (
                format!("{site}.toml"),
                format!(
                    "code = \"{site}\"\nname = \"{name}人民政府\"\nkind = \"county\"\nregion = \"{code}\"\ntemplate = \"portal\"\n\n[footer]\norganiser = \"{name}人民政府办公室\"\n"
                ),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let inputs = zhanqun_tests::parse(&refs).unwrap_or_else(|e| fail(format!("{e:?}")));
    t.store
        .apply_sites(&inputs)
        .await
        .unwrap_or_else(|e| fail(e.to_string()));
    let sites = t
        .store
        .list_sites()
        .await
        .unwrap_or_else(|e| fail(e.to_string()));
    let columns = t
        .store
        .all_columns()
        .await
        .unwrap_or_else(|e| fail(e.to_string()));
    let col = |site: zhanqun_core::SiteId| {
        columns
            .iter()
            .find(|c| c.site_id == site && c.path.as_str() == "zwgk/zcwj")
            .map(|c| c.id)
            .unwrap_or_else(|| fail(format!("site {site} has no zwgk/zcwj")))
    };
    let owner = sites[0].id;
    let source = t
        .store
        .create_source(
            None,
            &NewSource {
                name: "国务院最新政策".into(),
                kind: "manual".into(),
                url: None,
                attribution: "中国政府网".into(),
                owner,
                owner_column: col(owner),
                poll_seconds: None,
                extract_selector: None,
            },
        )
        .await
        .unwrap_or_else(|e| fail(e.to_string()));
    for s in sites.iter().filter(|s| s.id != owner) {
        t.store
            .subscribe(None, source, col(s.id), ReprintMode::Publish, true)
            .await
            .unwrap_or_else(|e| fail(e.to_string()));
    }
    let setup = started.elapsed();
    measure(
        &t,
        source.0,
        &sites,
        &format!("{backend}, empty sites"),
        setup,
    )
    .await;
}

/// On the national fixture: its State Council source and every site that subscribes to it.
async fn on_fixture(t: TestApp) {
    let source = t
        .store
        .sources()
        .await
        .unwrap_or_else(|e| fail(e.to_string()))
        .into_iter()
        .find(|s| s.name == "国务院最新政策（基准）")
        .unwrap_or_else(|| {
            fail("the store has no 国务院最新政策（基准） source: not the national fixture".into())
        });
    // The subscribers (the item goes to their home pages) and the source's own site.
    let subscribed: std::collections::HashSet<i64> = t
        .store
        .subscriptions(Some(source.id.0), None)
        .await
        .unwrap_or_else(|e| fail(e.to_string()))
        .into_iter()
        .map(|x| x.site_id)
        .chain([source.owner_site_id])
        .collect();
    let sites: Vec<zhanqun_core::Site> = t
        .store
        .list_sites()
        .await
        .unwrap_or_else(|e| fail(e.to_string()))
        .into_iter()
        .filter(|s| subscribed.contains(&s.id.0))
        .collect();
    let articles = t.store.article_count().await.unwrap_or(0);
    let label = format!(
        "{}, national fixture ({} articles)",
        zhanqun_tests::backend_name(),
        articles
    );
    measure(&t, source.id.0, &sites, &label, Duration::ZERO).await;
}

/// Ingests one item into `source` and fetches every site's home page until each shows it,
/// with the reference (the same pages from the cache) first.
async fn measure(
    t: &TestApp,
    source: i64,
    sites: &[zhanqun_core::Site],
    label: &str,
    setup: Duration,
) {
    let hosts: Vec<String> = sites
        .iter()
        .map(|s| {
            s.hosts
                .first()
                .cloned()
                .unwrap_or_else(|| format!("{}.localhost", s.code))
        })
        .collect();
    let conc = 16;

    // Warm every home page into the cache, then the reference: all of them from the cache.
    let _ = fetch_all(t, &hosts, None, conc).await;
    let r0 = Instant::now();
    let _ = fetch_all(t, &hosts, None, conc).await;
    let cached = r0.elapsed();

    // The measurement: ingest, then every home page until all show the title (new each run: a
    // fixture store keeps the items of earlier runs).
    let run = uuid::Uuid::now_v7().simple().to_string();
    let title = format!("{TITLE}{}", &run[run.len() - 6..]);
    let home = t.app.metrics().render.with_label_values(&["home"]);
    let (sum0, n0) = (home.get_sample_sum(), home.get_sample_count());
    let t0 = Instant::now();
    let done = t
        .store
        .ingest(
            None,
            SourceId(source),
            &NewItem {
                guid: format!("bench-{run}"),
                title: title.clone(),
                summary: None,
                body_html: "<p>各省、自治区、直辖市人民政府：</p>".into(),
                link: None,
                published_at: chrono::Utc::now(),
                hash: None,
            },
        )
        .await
        .unwrap_or_else(|e| fail(e.to_string()));
    let ingest = t0.elapsed();
    let mut missing = fetch_all(t, &hosts, Some(&title), conc).await;
    let mut rounds = 1;
    while !missing.is_empty() && rounds < 50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        missing = fetch_all(t, &missing, Some(&title), conc).await;
        rounds += 1;
    }
    let everywhere = t0.elapsed();
    let renders = home.get_sample_count() - n0;
    let render_ms = if renders > 0 {
        (home.get_sample_sum() - sum0) * 1000.0 / renders as f64
    } else {
        0.0
    };
    if !missing.is_empty() {
        fail(format!(
            "{} home pages never showed the item",
            missing.len()
        ));
    }
    let deliveries = t
        .store
        .deliveries_since(chrono::Utc::now() - chrono::Duration::hours(1))
        .await
        .unwrap_or_else(|e| fail(e.to_string()));
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    println!(
        "| {label} | {} | {} | {} | {} | {} | {} | {renders} × {render_ms:.2} ms | {} |",
        sites.len(),
        done.placed,
        deliveries.len(),
        ms(ingest),
        ms(everywhere),
        ms(cached),
        ms(setup),
    );
    eprintln!(
        "{label}: {} sites, ingest {} , every home page {} (rounds {rounds}), cached reference {}",
        sites.len(),
        ms(ingest),
        ms(everywhere),
        ms(cached)
    );
}
