//! Public pages at volume: the cost of a cache miss per page kind, at demo size and on the
//! national fixture (`zhanqun_tests::national`: every division of China, a million articles and
//! more), in the same run, through HTTP to a running `zhanqun serve` (the release binary).
//!
//! For each page kind it requests distinct URLs, one at a time (one kind: four clients at once,
//! `--per-kind` requests each), each once (so each is a cache miss), and reports server CPU per request (utime + stime of the server process, and of the
//! PostgreSQL backends when the store is PostgreSQL, from
//! `/proc/<pid>/stat`, over the whole series) and the latency p50/p99 seen by the client. A kind
//! stops after `--per-kind` requests or `--seconds`, whichever comes first (slow kinds show
//! fewer requests: the table says how many). Before the page kinds, every site is asked for its
//! robots.txt once: a site's context is read on its first request after start and kept for the
//! process's life, so that first series measures the context's read and the page kinds measure
//! what a running server pays for a page it has not cached.
//!
//! The fixture is built once and reused: SQLite under `--dir`, or, when
//! `ZHANQUN_TEST_DATABASE_URL` names a PostgreSQL server, a database `zq_national_<N>` on it.
//!
//! Then the console and the JSON API (module `console`): the auditor's, a site office's and the
//! system administrator's pages, logged in over HTTP, server CPU and size per answer.
//!
//! Then, with `--parts …,search`, the search page (module `search`): a second server on the same
//! store with search on, once its index is complete.
//!
//! `page-bench [--articles N] [--divisions DIR] [--dir DIR] [--per-kind N] [--seconds S]
//! [--parts public,console,search] [--console-reps N]` prints Markdown; `tests/bench/pages.sh` runs it on both backends and writes
//! docs/BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sqlx::Connection;
use zhanqun_core::paging::PAGE_SIZE;
use zhanqun_core::{ColumnKind, SiteId};
use zhanqun_store::Store;
use zhanqun_tests::process::Process;
use zhanqun_tests::words::Rng;

mod console;
mod measure;
mod search;
mod services;

use measure::{Series, measure, metrics, quiet, server_cpu, settle};

fn fail(msg: String) -> ! {
    eprintln!("page-bench: {msg}");
    std::process::exit(1)
}

struct Args {
    articles: u64,
    divisions: PathBuf,
    dir: PathBuf,
    per_kind: usize,
    seconds: u64,
    /// Which parts run: `public` (the page kinds), `console` (console and API), `search` (the
    /// search page, on a server with search on), comma-separated.
    parts: String,
    /// How many times each console URL is asked for.
    console_reps: usize,
}

fn args() -> Args {
    let mut a = Args {
        articles: 1_000_000,
        divisions: "../shared/data/divisions".into(),
        dir: "target/bench/pages".into(),
        per_kind: 300,
        seconds: 20,
        parts: "public,console,search".into(),
        console_reps: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it
            .next()
            .unwrap_or_else(|| fail(format!("{k} needs a value")));
        let num = |v: &str| -> u64 {
            v.replace('_', "")
                .parse()
                .unwrap_or_else(|_| fail(format!("{k}: not a number: {v}")))
        };
        match k.as_str() {
            "--articles" => a.articles = num(&v),
            "--divisions" => a.divisions = v.into(),
            "--dir" => a.dir = v.into(),
            "--per-kind" => a.per_kind = num(&v) as usize,
            "--seconds" => a.seconds = num(&v),
            "--parts" => a.parts = v,
            "--console-reps" => a.console_reps = num(&v).max(1) as usize,
            _ => fail(format!("unknown option {k}")),
        }
    }
    a
}

/// The anchor day of the generated content (fixed, so a reused fixture is the same fixture).
fn anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()
}

/// A store at `url`, created (demo province, plus the national fixture when `articles` > 0)
/// unless `done` marks it as built already.
async fn prepare(url: &str, articles: u64, divisions: &Path, done: &Path) -> Store {
    let store = Store::connect(url)
        .await
        .unwrap_or_else(|e| fail(format!("{url}: {e}")));
    store
        .migrate()
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    if done.exists() {
        eprintln!("page-bench: reusing {url}");
        return store;
    }
    let t0 = Instant::now();
    zhanqun_sites::demo::load(&store, anchor(), &|_, _| {})
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    zhanqun_sites::demo::accounts(&store)
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    if articles > 0 {
        let divisions = zhanqun_tests::national::divisions(divisions)
            .unwrap_or_else(|e| fail(format!("{}: {e}", divisions.display())));
        let summary =
            zhanqun_tests::national::build(&store, &divisions, articles, anchor(), &|done, all| {
                if done % 100_000 == 0 || done == all {
                    eprintln!(
                        "page-bench: {done}/{all} articles, {:.0} s",
                        t0.elapsed().as_secs_f64()
                    );
                }
            })
            .await
            .unwrap_or_else(|e| fail(format!("{e:?}")));
        eprintln!(
            "page-bench: fixture built in {:.0} s: {} sites, {} articles, {} placements",
            t0.elapsed().as_secs_f64(),
            summary.sites,
            summary.articles,
            summary.placements
        );
        println!(
            "Fixture build ({:?}): {:.0} s for {} sites, {} articles, {} placements.\n",
            store.backend(),
            t0.elapsed().as_secs_f64(),
            summary.sites,
            summary.articles,
            summary.placements
        );
    }
    std::fs::write(done, "built\n").unwrap_or_else(|e| fail(format!("{e:?}")));
    store
}

/// Distinct cache-missing URLs of every page kind, chosen with a fixed seed. Half of the list
/// and catalogue URLs are taken from the sites with the most articles, at any page depth.
async fn series(store: &Store, n: usize) -> (Vec<Series>, Vec<(String, String)>) {
    let mut rng = Rng(0x0BAD_5EED_1234_5678);
    let sites = store
        .list_sites()
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    let columns = store
        .all_columns()
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    let host = |id: SiteId| -> String {
        let s = sites.iter().find(|s| s.id == id).unwrap_or(&sites[0]);
        format!("{}.localhost", s.code.as_str())
    };
    // The sites with the most articles in 政务要闻 (heavy) and the rest. (Not the catalogue's
    // count: before issue 17's fix that read the whole store per call.)
    let mut by_size: Vec<(u64, SiteId)> = Vec::new();
    for s in &sites {
        let Some(c) = columns
            .iter()
            .find(|c| c.site_id == s.id && c.path.as_str() == "xwzx/zwyw")
        else {
            continue;
        };
        let (_, total) = store
            .list_column(s.id, c.id, 0, 1)
            .await
            .unwrap_or((Vec::new(), 0));
        by_size.push((total, s.id));
    }
    by_size.sort_by(|a, b| b.cmp(a));
    let heavy: Vec<SiteId> = by_size.iter().take(4).map(|x| x.1).collect();
    let pick_site = |rng: &mut Rng, i: usize| -> SiteId {
        if i.is_multiple_of(2) {
            heavy[(rng.next() % heavy.len() as u64) as usize]
        } else {
            sites[(rng.next() % sites.len() as u64) as usize].id
        }
    };

    let mut home = Vec::new();
    let mut order: Vec<usize> = (0..sites.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    for &i in order.iter().take(n) {
        home.push((host(sites[i].id), "/".to_string()));
    }

    let mut list = Vec::new();
    let mut articles = Vec::new();
    let mut crowd = Vec::new();
    // Each article once across both article series (a portal's section lists its children's
    // articles too, so two sampled pages can share some).
    let mut taken = std::collections::HashSet::new();
    let mut deep = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..n * 3 {
        if list.len() >= n {
            break;
        }
        let site = pick_site(&mut rng, i);
        let cols: Vec<_> = columns
            .iter()
            .filter(|c| c.site_id == site && c.kind == ColumnKind::List)
            .collect();
        if cols.is_empty() {
            continue;
        }
        let col = cols[(rng.next() % cols.len() as u64) as usize];
        let (items, total) = store
            .list_column(site, col.id, 0, 1)
            .await
            .unwrap_or((Vec::new(), 0));
        if items.is_empty() {
            continue;
        }
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = 1 + rng.next() % pages;
        if !seen.insert((site, col.id, page)) {
            continue;
        }
        if pages >= 20 {
            deep.push((site, col.id, col.path.as_str().to_string(), pages));
        }
        list.push((host(site), format!("/{}/?page={page}", col.path.as_str())));
        let (items, _) = store
            .list_column(site, col.id, (page - 1) * PAGE_SIZE, PAGE_SIZE)
            .await
            .unwrap_or((Vec::new(), 0));
        let pick = (rng.next() % items.len().max(1) as u64) as usize;
        if let Some(a) = items.get(pick)
            && taken.insert((site, a.article_id))
        {
            articles.push((host(site), format!("/art/{}.html", a.article_id.0)));
        }
        // Four more of the same page for the series of four clients at once.
        let more = items
            .iter()
            .enumerate()
            .filter(|(j, a)| *j != pick && taken.insert((site, a.article_id)));
        for (_, a) in more.take(4) {
            crowd.push((host(site), format!("/art/{}.html", a.article_id.0)));
        }
    }
    // The same long columns at their first and at their last page: what depth costs.
    let (mut first_pages, mut last_pages) = (Vec::new(), Vec::new());
    deep.sort();
    deep.dedup_by_key(|d| (d.0, d.1));
    for (site, col, path, pages) in deep {
        if !seen.contains(&(site, col, 1)) && !seen.contains(&(site, col, pages)) {
            first_pages.push((host(site), format!("/{path}/")));
            last_pages.push((host(site), format!("/{path}/?page={pages}")));
        }
    }
    articles.sort();
    articles.dedup();
    for i in (1..articles.len()).rev() {
        articles.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }

    let mut catalogue = Vec::new();
    for i in 0..n * 3 {
        if catalogue.len() >= n {
            break;
        }
        let site = pick_site(&mut rng, i);
        // Filter values the site's documents have (the facets the page offers), any of the
        // eight combinations, at any page of the result.
        let facets = store
            .catalogue_facets(site)
            .await
            .unwrap_or_else(|e| fail(format!("{e:?}")));
        let mut filter = zhanqun_store::CatalogueFilter::default();
        let mut query = Vec::new();
        if rng.next().is_multiple_of(2) && !facets.topics.is_empty() {
            let t = facets.topics[(rng.next() % facets.topics.len() as u64) as usize].clone();
            query.push(format!("topic={}", urlencode(&t)));
            filter.topic = Some(t);
        }
        if rng.next().is_multiple_of(2) && !facets.years.is_empty() {
            let y = facets.years[(rng.next() % facets.years.len() as u64) as usize];
            query.push(format!("year={y}"));
            filter.year = Some(y);
        }
        if rng.next().is_multiple_of(3) && !facets.organs.is_empty() {
            let o = facets.organs[(rng.next() % facets.organs.len() as u64) as usize].clone();
            query.push(format!("organ={}", urlencode(&o)));
            filter.organ = Some(o);
        }
        let (_, total) = store
            .catalogue(site, &filter, 0, 0)
            .await
            .unwrap_or_else(|e| fail(format!("{e:?}")));
        if total == 0 {
            continue;
        }
        query.push(format!(
            "page={}",
            1 + rng.next() % total.div_ceil(PAGE_SIZE)
        ));
        let path = format!("/xxgkml/?{}", query.join("&"));
        if seen_path(&mut seen, site, &path) {
            catalogue.push((host(site), path));
        }
    }

    let mut feeds = Vec::new();
    let mut sitemaps = Vec::new();
    let mut months = Vec::new();
    let mut missing = Vec::new();
    for (k, &i) in order.iter().take(n).enumerate() {
        let id = sites[i].id;
        feeds.push((host(id), "/rss.xml".to_string()));
        sitemaps.push((host(id), "/sitemap.xml".to_string()));
        // A month of a large site's sitemap (half from the heaviest sites).
        let site = pick_site(&mut rng, k);
        if let Ok(Some((first, last))) = store.published_span(site).await {
            use chrono::Datelike;
            let span = (last.year() * 12 + last.month0() as i32)
                - (first.year() * 12 + first.month0() as i32);
            let m =
                first.year() * 12 + first.month0() as i32 + (rng.next() % (span as u64 + 1)) as i32;
            let path = format!("/sitemap-{:04}-{:02}.xml", m / 12, m % 12 + 1);
            if seen_path(&mut seen, site, &path) {
                months.push((host(site), path));
            }
        }
        missing.push((host(id), format!("/art/{}.html", 900_000_000 + k)));
    }
    let every_home = sites
        .iter()
        .map(|s| (format!("{}.localhost", s.code.as_str()), "/".to_string()))
        .collect();
    let every_robots = sites
        .iter()
        .map(|s| {
            (
                format!("{}.localhost", s.code.as_str()),
                "/robots.txt".to_string(),
            )
        })
        .collect();
    let series = vec![
        // First, every site once: a site's context (its row, host names and columns) is read on
        // the first request after start and then kept for the process's life, so the page
        // series below measure what a running server pays for a page it has not cached. This row
        // says what that first request costs.
        Series {
            kind: "first request to a site after start (robots.txt, the site's context read)",
            urls: every_robots,
            clients: 1,
        },
        Series {
            kind: "home",
            urls: home,
            clients: 1,
        },
        Series {
            kind: "column list (any page)",
            urls: list,
            clients: 1,
        },
        Series {
            kind: "column list, first page (columns of 20+ pages)",
            urls: first_pages,
            clients: 1,
        },
        Series {
            kind: "column list, last page (the same columns)",
            urls: last_pages,
            clients: 1,
        },
        Series {
            kind: "article",
            urls: articles,
            clients: 1,
        },
        // What a crawler does: several pages at once. Server CPU a page here is what capacity
        // depends on; one client at a time leaves the server's threads asleep between pages.
        Series {
            kind: "article, four clients at once",
            urls: crowd,
            clients: 4,
        },
        Series {
            kind: "信息公开目录 (any filter, any page)",
            urls: catalogue,
            clients: 1,
        },
        Series {
            kind: "site RSS",
            urls: feeds,
            clients: 1,
        },
        Series {
            kind: "sitemap.xml (an index above 1,000 articles)",
            urls: sitemaps,
            clients: 1,
        },
        Series {
            kind: "sitemap, one month",
            urls: months,
            clients: 1,
        },
        Series {
            kind: "404 (no such article)",
            urls: missing,
            clients: 1,
        },
    ];
    (series, every_home)
}

fn seen_path(
    seen: &mut std::collections::HashSet<(SiteId, zhanqun_core::ColumnId, u64)>,
    site: SiteId,
    path: &str,
) -> bool {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut h);
    seen.insert((site, zhanqun_core::ColumnId(-1), h.finish()))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A database URL for `name`: a SQLite file under `dir`, or a database on the PostgreSQL
/// server of `ZHANQUN_TEST_DATABASE_URL` (created when missing).
async fn database(dir: &Path, name: &str) -> (String, PathBuf) {
    let done = dir.join(format!("{name}.built"));
    match std::env::var("ZHANQUN_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| fail(format!("{admin}: {e}")));
            let exists: Option<i32> =
                sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(name)
                    .fetch_optional(&mut conn)
                    .await
                    .unwrap_or_else(|e| fail(format!("{e:?}")));
            let done = dir.join(format!("{name}.pg.built"));
            if exists.is_none() {
                let _ = std::fs::remove_file(&done);
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| fail(format!("{e:?}")));
            }
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            (format!("{base}/{name}"), done)
        }
        _ => {
            let d = dir.join(name);
            std::fs::create_dir_all(&d).unwrap_or_else(|e| fail(format!("{e:?}")));
            (format!("sqlite://{}", d.join("zhanqun.db").display()), done)
        }
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    std::fs::create_dir_all(&a.dir).unwrap_or_else(|e| fail(format!("{e:?}")));
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("zhanqun")))
        .filter(|p| p.exists())
        .unwrap_or_else(|| fail("build the zhanqun binary first (cargo build --release)".into()));
    let mut rows = Vec::new();
    let mut console_rows = Vec::new();
    for (label, articles) in [("demo", 0), ("national", a.articles)] {
        let name = if articles == 0 {
            "zq_bench_demo".to_string()
        } else {
            format!("zq_national_{articles}")
        };
        let (url, done) = database(&a.dir, &name).await;
        let store = prepare(&url, articles, &a.divisions, &done).await;
        let total = store.article_count().await.unwrap_or(0);
        let sites = store.site_count().await.unwrap_or(0);
        let (mut series, every_home) = series(&store, a.per_kind).await;
        series.extend(services::series(&store, a.per_kind).await);
        let plan = console::prepare(&store).await;
        let searches = if a.parts.contains("search") {
            search::series(&store, a.per_kind).await
        } else {
            Vec::new()
        };
        store.close().await;
        let public = a.parts.contains("public");
        // A data directory per backend: the search index built from one store is not the
        // other's (both hold the same generated articles, and a reused index would hide the
        // rebuild being measured).
        let backend = if url.starts_with("postgres") {
            "pg"
        } else {
            "sqlite"
        };
        let data = a.dir.join(format!("{name}.{backend}.serve"));
        std::fs::create_dir_all(&data).unwrap_or_else(|e| fail(format!("{e:?}")));
        let mut env = vec![("ZHANQUN_SEARCH__ENABLED", "false")];
        if url.starts_with("postgres") {
            // tests/with-postgres.sh runs its throwaway cluster with fsync off.
            env.push(("ZHANQUN_ALLOW_NONDURABLE_DATABASE", "true"));
        }
        env.push(("ZHANQUN_DATABASE_URL", url.as_str()));
        let t0 = Instant::now();
        let server = Process::start(&bin, &data, &env).await;
        let ready = t0.elapsed();
        let rss0 = rss_mb(server.pid());
        let idle = settle(&server).await;
        eprintln!(
            "page-bench: {label}: background jobs while idle {:.1} ms CPU a second (taken off each series)",
            idle * 1000.0
        );
        for (i, s) in series
            .iter()
            .enumerate()
            .filter(|(_, s)| public && !s.urls.is_empty())
        {
            // The first series (every site's first request) is not cut short.
            let (n, budget) = if i == 0 {
                (usize::MAX, Duration::from_secs(600))
            } else {
                (a.per_kind, Duration::from_secs(a.seconds))
            };
            let m = measure(&server, s, n, budget, idle).await;
            eprintln!(
                "page-bench: {label} {}: {} requests, {:.3} ms CPU, p50 {:.2} ms, p99 {:.2} ms ({})",
                m.kind, m.n, m.cpu_ms, m.p50, m.p99, m.status
            );
            rows.push((label, sites, total, m));
        }
        let rss1 = rss_mb(server.pid());
        if public {
            // Memory with every site's home page rendered and cached.
            let t1 = Instant::now();
            let homes = Series {
                kind: "every site's home page",
                urls: every_home,
                clients: 1,
            };
            let m = measure(&server, &homes, usize::MAX, Duration::from_secs(600), idle).await;
            eprintln!(
                "page-bench: {label}: ready in {:.2} s, RSS {rss0} after start, {rss1} after the series, \
                 {} after every site's home page ({} sites in {:.1} s, {:.3} ms CPU each, {})",
                ready.as_secs_f64(),
                rss_mb(server.pid()),
                m.n,
                t1.elapsed().as_secs_f64(),
                m.cpu_ms,
                m.status
            );
        }
        if a.parts.contains("console") {
            quiet(&server, idle).await;
            for m in console::measure(&server, &plan, a.console_reps, idle).await {
                console_rows.push((label, sites, total, m));
            }
        }
        drop(server);
        if !searches.is_empty() {
            // A second server on the same store with search on: the index is built from the
            // store (or reused), then the search pages are measured like the others.
            let (server, ready, indexed) = search::start(&bin, &data, &env).await;
            let idle = settle(&server).await;
            // This server reads each site's context afresh too: every site first, unmeasured.
            if let Some(first) = series.first() {
                measure(&server, first, usize::MAX, Duration::from_secs(600), idle).await;
            }
            for s in &searches {
                let m = measure(&server, s, a.per_kind, Duration::from_secs(a.seconds), idle).await;
                eprintln!(
                    "page-bench: {label} {}: {} requests, {:.3} ms CPU, p50 {:.2} ms, p99 {:.2} ms ({})",
                    m.kind, m.n, m.cpu_ms, m.p50, m.p99, m.status
                );
                rows.push((label, sites, total, m));
            }
            eprintln!(
                "page-bench: {label}: with search on, ready in {ready:.2} s, index complete after {indexed:.0} s, RSS {} after the search series",
                rss_mb(server.pid())
            );
            drop(server);
        }
        // PAGE_BENCH_HOLD=<seconds>: keep the store (and a throwaway cluster) for a while after
        // the series, to look at query plans by hand.
        if let Some(hold) = std::env::var("PAGE_BENCH_HOLD")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|_| label == "national")
        {
            eprintln!("page-bench: {label}: holding {url} for {hold} s");
            tokio::time::sleep(Duration::from_secs(hold)).await;
        }
    }
    println!(
        "| page (cache miss) | store | requests | server CPU / request | p50 | p99 | answers |"
    );
    println!("|---|---|---:|---:|---:|---:|---|");
    for (label, sites, total, m) in &rows {
        println!(
            "| {} | {label}: {sites} sites, {total} articles | {} | {:.3} ms | {:.2} ms | {:.2} ms | {} |",
            m.kind, m.n, m.cpu_ms, m.p50, m.p99, m.status
        );
    }
    if console_rows.is_empty() {
        return;
    }
    println!();
    println!(
        "Console and JSON API (not cached; each URL asked for once, then {} times in a row for the CPU and latency columns):",
        a.console_reps
    );
    println!();
    println!(
        "| account | URL | store | first request | server CPU / request | p50 | p99 | size | status |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---|");
    for (label, sites, total, m) in &console_rows {
        println!(
            "| {} | `{}` | {label}: {sites} sites, {total} articles | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} KB | {} |",
            m.who, m.path, m.first, m.cpu_ms, m.p50, m.p99, m.kb, m.status
        );
    }
}

/// Resident memory of a process: the whole, and the part that is the process's own (anonymous)
/// memory rather than file pages mapped from the store (SQLite reads through a memory map, whose
/// pages the kernel counts as resident while they are cached and drops under pressure).
fn rss_mb(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let mb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    };
    format!(
        "{:.0} MB ({:.0} MB its own, {:.0} MB mapped files)",
        mb("VmRSS:"),
        mb("RssAnon:"),
        mb("RssFile:") + mb("RssShmem:")
    )
}
