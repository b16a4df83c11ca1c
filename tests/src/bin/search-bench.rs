//! Search benchmark on the national fixture: one site per county-level division of China (2,979
//! from `../shared/data/divisions/areas.csv`) and 1,000,000 generated articles in the words of
//! government sites (meetings, notices, policy documents with document numbers, State Council
//! reprints shown on every site). Measures the index build (time, size on disk) and query
//! latency, p50 and p99, for common and rare terms, on one site and province-wide (with the
//! per-site facet). The reference, measured in the same run on the same articles, is what a CMS
//! without a search engine does: `LIKE '%…%'` over titles and bodies in SQLite.
//!
//! `search-bench [ARTICLES] [AREAS_CSV]` prints Markdown; `tests/bench/search.sh` runs it and
//! writes docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use zhanqun_core::{ArticleId, ColumnId, SiteId};
use zhanqun_search::{SearchDoc, SearchIndex, SearchQuery};
use zhanqun_tests::words::{Rng, SENTENCES, TITLES, TOPICS, fill};

fn fail(msg: String) -> ! {
    eprintln!("search-bench: {msg}");
    std::process::exit(1)
}

/// The name of every division of areas.csv.
fn areas(path: &std::path::Path) -> Vec<String> {
    zhanqun_tests::areas::read(path)
        .unwrap_or_else(|e| fail(format!("{}: {e}", path.display())))
        .into_iter()
        .map(|a| a.name)
        .collect()
}

/// Article `i`, deterministic: its site, text and placements. One in 2,000 is a State Council
/// item reprinted on every site; one in 20,000 mentions 碳普惠 (a rare word); one in four has a
/// document number.
fn article(i: u64, places: &[String], rng: &mut Rng) -> SearchDoc {
    let site = (i % places.len() as u64) as usize;
    let place = &places[site];
    let topic = rng.pick(TOPICS);
    let year = 2016 + (i % 10) as i32;
    let tpl = rng.pick(TITLES);
    let mut title = fill(tpl, place, topic, year, rng);
    let mut body = String::new();
    for _ in 0..(4 + rng.next() % 5) {
        let tpl = rng.pick(SENTENCES);
        body.push_str(&fill(tpl, place, topic, year, rng));
    }
    if i % 20_000 == 7 {
        body.push_str("探索建立碳普惠机制，鼓励群众践行绿色低碳生活方式。");
    }
    let sites = places.len() as i64;
    let mut placements = vec![(SiteId(site as i64 + 1), ColumnId(site as i64 * 10 + 1))];
    if i.is_multiple_of(2_000) {
        title = format!("国务院办公厅关于{topic}工作的通知");
        placements = (0..sites)
            .map(|s| (SiteId(s + 1), ColumnId(s * 10 + 2)))
            .collect();
    }
    let doc_number = if i % 4 == 1 {
        let abbr: String = place.chars().next().into_iter().collect();
        format!("{abbr}政办发〔{year}〕{}号", i / 4)
    } else {
        String::new()
    };
    let day = (i % 3_650) as i64;
    SearchDoc {
        article: ArticleId(i as i64 + 1),
        title,
        subtitle: String::new(),
        summary: String::new(),
        body,
        source: format!("{place}人民政府办公室"),
        doc_number,
        topic: topic.to_string(),
        published_at: Utc.with_ymd_and_hms(2026, 11, 1, 2, 0, 0).unwrap()
            - chrono::Duration::days(day),
        placements,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Freshness on a running server (the fixture province on SQLite): from the store's publish
/// call returning until the site's search page lists the article, and from the withdrawal until
/// it no longer does. Returns the sorted times of each.
async fn freshness(rounds: usize) -> (Vec<Duration>, Vec<Duration>) {
    let t = zhanqun_tests::TestApp::spawn().await;
    let f = t.fixture().await;
    let site = f.site("6108280001");
    let column = f.column("6108280001/xwzx/zwyw");
    let listed = |word: String, id: zhanqun_core::ArticleId| {
        let t = &t;
        async move {
            let page = t
                .page(
                    "www.jiaxian.gov.cn",
                    &format!("/search?q=%E4%BD%B3%E5%8E%BF{word}"),
                    200,
                )
                .await;
            page.contains(&format!("/art/{id}.html"))
        }
    };
    let (mut published, mut withdrawn) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        // A word no other article has: 佳县 and a number.
        let word = format!("{}", 910_000 + r);
        let id = t
            .store
            .create_article(
                site,
                zhanqun_store::ArticleInput {
                    title: format!("佳县{word}号公告"),
                    body_html: "<p>公告正文。</p>".into(),
                    published: true,
                    ..Default::default()
                },
                &[column],
            )
            .await
            .unwrap_or_else(|e| fail(e.to_string()));
        let start = Instant::now();
        while !listed(word.clone(), id).await {
            if start.elapsed() > Duration::from_secs(10) {
                fail(format!("article {id} not found in 10 s"));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        published.push(start.elapsed());
        t.store
            .set_article_status(id, zhanqun_core::ArticleStatus::Withdrawn)
            .await
            .unwrap_or_else(|e| fail(e.to_string()));
        let start = Instant::now();
        while listed(word.clone(), id).await {
            if start.elapsed() > Duration::from_secs(10) {
                fail(format!("article {id} still found after 10 s"));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        withdrawn.push(start.elapsed());
    }
    published.sort();
    withdrawn.sort();
    (published, withdrawn)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| fail(format!("not a number: {s}")))
        })
        .unwrap_or(1_000_000);
    let csv = args.get(2).cloned().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/divisions/areas.csv"
        )
        .into()
    });
    // A developer's loop: SEARCH_BENCH_INDEX=DIR keeps the index there, and a later run with
    // the same DIR and article count only measures the queries (no build, no reference).
    let kept = std::env::var_os("SEARCH_BENCH_INDEX").map(std::path::PathBuf::from);
    if let Some(dir) = kept.as_ref().filter(|d| d.join("meta.json").exists()) {
        queries_only(dir, n, &csv);
        return;
    }
    let (published, withdrawn) = freshness(50).await;
    eprintln!(
        "search-bench: freshness p50 {} ms publish, {} ms withdraw",
        ms(percentile(&published, 0.5)),
        ms(percentile(&withdrawn, 0.5))
    );
    let places = areas(std::path::Path::new(&csv));
    if places.is_empty() {
        fail(format!("{csv}: no divisions"));
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| fail(format!("tempdir: {e}")));
    let index_dir = kept.unwrap_or_else(|| tmp.path().join("search"));
    let index = open_index(&index_dir, &places);

    // The reference store: the same articles in SQLite, as a CMS without search keeps them.
    let db = tmp.path().join("reference.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", db.display()))
        .await
        .unwrap_or_else(|e| fail(format!("sqlite: {e}")));
    for sql in [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = OFF",
        "CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, doc_number TEXT NOT NULL, published INTEGER NOT NULL)",
        "CREATE TABLE placements (article_id INTEGER NOT NULL, site_id INTEGER NOT NULL)",
    ] {
        sqlx::query(sql)
            .execute(&pool)
            .await
            .unwrap_or_else(|e| fail(format!("{sql}: {e}")));
    }

    eprintln!("search-bench: {n} articles on {} sites", places.len());
    // The reference store first; then the index, timed on its own (same articles: the same
    // seed), the articles generated on the fly as a rebuild reads them from the store.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut text_bytes = 0u64;
    let mut placements = 0u64;
    let mut doc_numbers = Vec::new();
    let mut tx = pool.begin().await.unwrap_or_else(|e| fail(e.to_string()));
    for i in 0..n {
        let d = article(i, &places, &mut rng);
        text_bytes += (d.title.len() + d.body.len()) as u64;
        placements += d.placements.len() as u64;
        if !d.doc_number.is_empty() && i % 997 == 1 {
            doc_numbers.push(d.doc_number.clone());
        }
        sqlx::query("INSERT INTO articles (id, title, body, doc_number, published) VALUES ($1, $2, $3, $4, $5)")
            .bind(d.article.0)
            .bind(&d.title)
            .bind(&d.body)
            .bind(&d.doc_number)
            .bind(d.published_at.timestamp())
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| fail(e.to_string()));
        for (s, _) in &d.placements {
            sqlx::query("INSERT INTO placements (article_id, site_id) VALUES ($1, $2)")
                .bind(d.article.0)
                .bind(s.0)
                .execute(&mut *tx)
                .await
                .unwrap_or_else(|e| fail(e.to_string()));
        }
        if (i + 1) % 100_000 == 0 {
            eprintln!("  reference: {} articles", i + 1);
            tx.commit().await.unwrap_or_else(|e| fail(e.to_string()));
            tx = pool.begin().await.unwrap_or_else(|e| fail(e.to_string()));
        }
    }
    tx.commit().await.unwrap_or_else(|e| fail(e.to_string()));
    sqlx::query("CREATE INDEX placements_site ON placements (site_id, article_id)")
        .execute(&pool)
        .await
        .unwrap_or_else(|e| fail(e.to_string()));

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    for i in 0..n {
        let d = article(i, &places, &mut rng);
        index.insert(&d).unwrap_or_else(|e| fail(e.to_string()));
        if (i + 1) % 100_000 == 0 {
            eprintln!(
                "  index: {} articles, {:.0} s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    index.commit().unwrap_or_else(|e| fail(e.to_string()));
    let build = started.elapsed();
    // Merges started by the commit finish in the background; size once they settle.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let size = dir_size(&index_dir);
    eprintln!(
        "search-bench: index built in {:.1} s, {} MB",
        build.as_secs_f64(),
        size / 1_000_000
    );

    let rows = measure(&index, &places, &doc_numbers, &mut rng);
    // The reference: LIKE over titles and bodies (a few runs: each reads every article).
    let mut reference = Vec::new();
    for (class, text) in [("common", "安全生产"), ("rare", "碳普惠")] {
        for scope in ["site", "province"] {
            let mut times = Vec::new();
            for _ in 0..3 {
                let pattern = format!("%{text}%");
                let t = Instant::now();
                let rows: Vec<(i64,)> = if scope == "site" {
                    let site = (rng.next() % places.len() as u64) as i64 + 1;
                    sqlx::query_as("SELECT a.id FROM articles a JOIN placements p ON p.article_id = a.id WHERE p.site_id = $1 AND (a.title LIKE $2 OR a.body LIKE $2) ORDER BY a.published DESC LIMIT 10")
                        .bind(site)
                        .bind(&pattern)
                        .fetch_all(&pool)
                        .await
                } else {
                    sqlx::query_as("SELECT id FROM articles WHERE title LIKE $1 OR body LIKE $1 ORDER BY published DESC LIMIT 10")
                        .bind(&pattern)
                        .fetch_all(&pool)
                        .await
                }
                .unwrap_or_else(|e| fail(e.to_string()));
                let _ = rows;
                times.push(t.elapsed());
            }
            times.sort();
            reference.push((class, scope, times[times.len() / 2]));
        }
    }

    println!(
        "| articles | sites | placements | text | build | articles/s | index size |\n|---|---|---|---|---|---|---|"
    );
    println!(
        "| {n} | {} | {placements} | {} MB | {:.1} s | {:.0} | {} MB |",
        places.len(),
        text_bytes / 1_000_000,
        build.as_secs_f64(),
        n as f64 / build.as_secs_f64(),
        size / 1_000_000
    );
    println!();
    println!(
        "| terms | scope | p50 (ms) | p99 (ms) | matches (mean) | reference: SQLite LIKE, median (ms) |\n|---|---|---|---|---|---|"
    );
    for (class, scope, p50, p99, hits) in rows {
        let r = reference
            .iter()
            .find(|(c, s, _)| *c == class && *s == scope)
            .map(|(_, _, d)| ms(*d))
            .unwrap_or_default();
        println!(
            "| {class} | {scope} | {} | {} | {hits:.1} | {r} |",
            ms(p50),
            ms(p99)
        );
    }
    println!();
    println!(
        "| freshness (50 rounds, a running server) | p50 (ms) | p99 (ms) | max (ms) |\n|---|---|---|---|"
    );
    for (what, times) in [
        ("publish → listed by the site's search", &published),
        ("withdraw → no longer listed", &withdrawn),
    ] {
        println!(
            "| {what} | {} | {} | {} |",
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        );
    }
}

type Row = (&'static str, &'static str, Duration, Duration, f64);

/// Query latency: 300 queries a row, common and rare terms, one site and province-wide.
fn measure(
    index: &SearchIndex,
    places: &[String],
    doc_numbers: &[String],
    rng: &mut Rng,
) -> Vec<Row> {
    // Queries: (class, texts). Common: words in a large share of the articles; rare: a word in
    // one article in 20,000, a document number, a place and a topic together.
    let common: Vec<String> = ["安全生产", "乡村振兴", "工作会议", "通知"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut rare: Vec<String> = vec!["碳普惠".into()];
    rare.extend(doc_numbers.iter().take(20).cloned());
    rare.extend(
        (0..20)
            .map(|_| {
                let place = &places[(rng.next() % places.len() as u64) as usize];
                format!("{place}{}", rng.pick(TOPICS))
            })
            .collect::<Vec<_>>(),
    );
    let runs = 300;
    let mut rows: Vec<Row> = Vec::new();
    for (class, texts) in [("common", &common), ("rare", &rare)] {
        for scope in ["site", "province"] {
            let mut times = Vec::with_capacity(runs);
            let mut hits = 0usize;
            for r in 0..runs {
                let text = &texts[r % texts.len()];
                let q = SearchQuery {
                    text: text.clone(),
                    site: (scope == "site")
                        .then(|| SiteId((rng.next() % places.len() as u64) as i64 + 1)),
                    limit: 10,
                    facet: scope == "province",
                    ..Default::default()
                };
                let t = Instant::now();
                let res = index.search(&q).unwrap_or_else(|e| fail(e.to_string()));
                times.push(t.elapsed());
                hits += res.total;
            }
            times.sort();
            rows.push((
                class,
                scope,
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                hits as f64 / runs as f64,
            ));
        }
    }
    // The same common terms province-wide with two visitors at once: a province-wide query
    // counts on every core, so this is what it costs when the cores are shared.
    let clients = 2;
    let mut times: Vec<Duration> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|c| {
                let common = &common;
                scope.spawn(move || {
                    let mut times = Vec::with_capacity(runs / clients);
                    for r in 0..runs / clients {
                        let q = SearchQuery {
                            text: common[(r + c) % common.len()].clone(),
                            limit: 10,
                            facet: true,
                            ..Default::default()
                        };
                        let t = Instant::now();
                        index.search(&q).unwrap_or_else(|e| fail(e.to_string()));
                        times.push(t.elapsed());
                    }
                    times
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|_| fail("a client failed".into())))
            .collect()
    });
    times.sort();
    let same = rows
        .iter()
        .find(|r| r.0 == "common" && r.1 == "province")
        .map_or(0.0, |r| r.4);
    rows.push((
        "common",
        "province, 2 visitors at once",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        same,
    ));
    rows
}

fn open_index(dir: &std::path::Path, places: &[String]) -> SearchIndex {
    let mut words: Vec<String> = places.to_vec();
    words.extend(places.iter().map(|p| format!("{p}人民政府")));
    SearchIndex::open(dir, &words).unwrap_or_else(|e| fail(e.to_string()))
}

/// Measures the queries on an index kept by an earlier run (SEARCH_BENCH_INDEX).
fn queries_only(dir: &std::path::Path, n: u64, csv: &str) {
    let places = areas(std::path::Path::new(csv));
    let index = open_index(dir, &places);
    if index.len() != n {
        fail(format!(
            "{} holds {} articles, not {n}: remove it to rebuild",
            dir.display(),
            index.len()
        ));
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut doc_numbers = Vec::new();
    for i in 0..n {
        let d = article(i, &places, &mut rng);
        if !d.doc_number.is_empty() && i % 997 == 1 {
            doc_numbers.push(d.doc_number);
        }
    }
    let rows = measure(&index, &places, &doc_numbers, &mut rng);
    println!("| terms | scope | p50 (ms) | p99 (ms) | matches (mean) |\n|---|---|---|---|---|");
    for (class, scope, p50, p99, hits) in rows {
        println!(
            "| {class} | {scope} | {} | {} | {hits:.1} |",
            ms(p50),
            ms(p99)
        );
    }
}
