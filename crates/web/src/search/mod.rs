//! Site search on this node: its index (zhanqun-search), kept up to date from the store's
//! change log, and the search pages of the sites.
//!
//! Freshness: a change made on this node is noted by the store's change listener and wakes the
//! indexer at once; a change made elsewhere (another node, the CLI) is found in the change log,
//! read by the indexer every [`POLL`]. Either way the indexer reads the article as it now is
//! (published and placed: indexed; anything else: removed) and commits, with the change-log id
//! it has read up to recorded in the commit. A node that starts replays the log from there, or
//! rebuilds from the store when the log no longer reaches back (pruned after a day) or the
//! index does not hold what the store says it should.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zhanqun_core::{ArticleId, ColumnKind, Error, Result, SiteKind, SiteStatus};
use zhanqun_search::{RANKED_MAX, SearchDoc, SearchIndex, SearchQuery};
use zhanqun_store::{Change, Searchable};

use crate::App;
use crate::directory::SiteCtx;
pub use crate::index::CatchUp;
use crate::index::REBUILD_OVER;
use crate::pages::HTML;

mod console;
pub use console::console;

/// How often the indexer reads the change log for changes made elsewhere.
pub const POLL: Duration = Duration::from_millis(250);
/// Change-log ids read again on every poll: PostgreSQL may commit ids out of order.
const OVERLAP: i64 = 200;
/// Articles read from the store per batch of a rebuild.
const BATCH: u64 = 1_000;
/// Results per page.
const PER_PAGE: usize = 10;
/// How often progress is recorded in the index when only other changes happened.
const MARK_EVERY: Duration = Duration::from_secs(30);

const MARK_PREFIX: &str = "zhanqun-search/1 change ";

/// An article as the index holds it: its body as text.
pub fn doc_of(s: &Searchable) -> SearchDoc {
    let a = &s.article;
    let d = a.disclosure.as_ref();
    SearchDoc {
        article: a.id,
        title: a.title.clone(),
        subtitle: a.subtitle.clone().unwrap_or_default(),
        summary: a.summary.clone().unwrap_or_default(),
        body: html_text(&a.body_html),
        // Where it comes from: the source and, for a disclosure document, its issuing organ.
        source: [
            a.source.as_deref(),
            d.and_then(|d| d.issuing_organ.as_deref()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" "),
        doc_number: d.and_then(|d| d.doc_number.clone()).unwrap_or_default(),
        topic: d.and_then(|d| d.topic.clone()).unwrap_or_default(),
        published_at: a.published_at,
        placements: s.placements.clone(),
    }
}

/// The text of an article body (sanitised HTML): paragraphs and cells kept apart by a space.
fn html_text(html: &str) -> String {
    let doc = scraper::Html::parse_fragment(html);
    let mut out = String::with_capacity(html.len() / 2);
    for t in doc.root_element().text() {
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
    }
    out
}

fn parse_mark(mark: Option<String>) -> Option<i64> {
    mark?.strip_prefix(MARK_PREFIX)?.trim().parse().ok()
}

/// Runs blocking index work off the async workers.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(format!("search task: {e}")))?
}

impl App {
    /// Opens this node's search index (the server does, at start; one process per index
    /// directory). Names of sites and units join the dictionary.
    pub async fn open_search(&self) -> Result<Arc<SearchIndex>> {
        if let Some(i) = self.search_state().index() {
            return Ok(i.clone());
        }
        let dir = self.config().search_dir();
        let mut words = self.store().search_words().await?;
        // 佳县人民政府 → also 佳县; 榆林市应急管理局 stays whole.
        let short: Vec<String> = words
            .iter()
            .filter_map(|w| w.strip_suffix("人民政府").map(str::to_string))
            .collect();
        words.extend(short);
        let index = blocking(move || SearchIndex::open(&dir, &words)).await?;
        let index = Arc::new(index);
        let state = self.search_state();
        let _ = state.index.set(index.clone());
        state.feed.active.store(true, Ordering::Relaxed);
        self.metrics().search_docs.set(index.len() as i64);
        Ok(index)
    }

    /// Brings the index up to date at start: replays the change log from the index's mark, or
    /// rebuilds when the log no longer reaches back or the index misses articles.
    pub async fn search_catch_up(&self) -> Result<CatchUp> {
        let index = self.open_search().await?;
        let store = self.store();
        let last = store.last_change_id().await?;
        let first = store.first_change_id().await?;
        let mut replayed = 0;
        let reason = match parse_mark(index.mark()) {
            None => Some("no index yet"),
            Some(m) if m > last => Some("the index is ahead of the store (another database?)"),
            Some(m) if first.is_some_and(|f| f > m + 1) => {
                Some("the change log was pruned past the index")
            }
            Some(m) => {
                {
                    let mut c = self.search_state().feed.cursor.lock().await;
                    c.last = m;
                    c.marked = m;
                }
                replayed = self.search_step().await?;
                let want = store.searchable_count().await?;
                (index.len() != want).then_some("the index does not hold every published article")
            }
        };
        if let Some(reason) = reason {
            tracing::info!(reason, "search index: rebuilding");
            return Ok(CatchUp::Rebuilt(self.search_rebuild(|_, _| {}).await?));
        }
        tracing::info!(
            articles = replayed,
            "search index: caught up from the change log"
        );
        Ok(CatchUp::Replayed(replayed))
    }

    /// One round of the indexer: what was noted here and what the change log says changed
    /// elsewhere, read from the store and committed. Returns the articles updated.
    pub async fn search_step(&self) -> Result<usize> {
        let Some(index) = self.search_state().index().cloned() else {
            return Ok(0);
        };
        let feed = self.search_state().feed.clone();
        let mut cur = feed.cursor.lock().await;
        let (mut articles, mut rebuild) = feed.take();
        let store = self.store();
        let mut after = (cur.last - OVERLAP).max(0);
        let mut scanned = 0usize;
        loop {
            let rows = store.all_changes_since(after).await?;
            let n = rows.len();
            for (id, change) in rows {
                after = id;
                cur.last = cur.last.max(id);
                if !cur.seen.insert(id) {
                    continue;
                }
                match change {
                    Change::Article { article, .. } => {
                        articles.insert(article);
                    }
                    Change::All => rebuild |= id > cur.rebuilt_at,
                    Change::Site(_) => {}
                }
            }
            scanned += n;
            if n < 1000 {
                break;
            }
            if scanned > REBUILD_OVER {
                rebuild = true;
                cur.last = store.last_change_id().await?;
                break;
            }
        }
        let keep = cur.last - OVERLAP;
        cur.seen.retain(|id| *id > keep);
        if rebuild || articles.len() > REBUILD_OVER {
            let mark = cur.last;
            cur.rebuilt_at = mark;
            drop(cur);
            return self.rebuild_to(&index, mark, |_, _| {}).await;
        }
        let due = cur.marked != cur.last && cur.marked_at.is_none_or(|t| t.elapsed() > MARK_EVERY);
        if articles.is_empty() && !due {
            return Ok(0);
        }
        let ids: Vec<ArticleId> = articles.into_iter().collect();
        let found = store.searchable(&ids).await?;
        let mark = cur.last;
        let n = ids.len();
        let idx = index.clone();
        blocking(move || {
            let mut by_id: HashMap<ArticleId, &Searchable> =
                found.iter().map(|s| (s.article.id, s)).collect();
            for id in &ids {
                match by_id.remove(id) {
                    Some(s) => idx.upsert(&doc_of(s))?,
                    None => idx.remove(*id),
                }
            }
            idx.commit_marked(&format!("{MARK_PREFIX}{mark}"))
        })
        .await?;
        cur.marked = mark;
        cur.marked_at = Some(Instant::now());
        self.metrics().search_updates.inc_by(n as u64);
        self.metrics().search_docs.set(index.len() as i64);
        Ok(n)
    }

    /// Rebuilds the index from the store, calling `progress(done, total)` after each batch.
    /// Searches see the old index until the new one is committed. Returns the articles indexed.
    pub async fn search_rebuild(&self, progress: impl Fn(u64, u64)) -> Result<usize> {
        let index = self.open_search().await?;
        let feed = self.search_state().feed.clone();
        let mut cur = feed.cursor.lock().await;
        // Everything up to here is in what the rebuild reads.
        cur.last = self.store().last_change_id().await?;
        cur.seen.clear();
        let mark = cur.last;
        cur.rebuilt_at = mark;
        let n = self.rebuild_to(&index, mark, progress).await?;
        cur.marked = mark;
        cur.marked_at = Some(Instant::now());
        Ok(n)
    }

    async fn rebuild_to(
        &self,
        index: &Arc<SearchIndex>,
        mark: i64,
        progress: impl Fn(u64, u64),
    ) -> Result<usize> {
        let feed = &self.search_state().feed;
        feed.building.store(true, Ordering::Relaxed);
        let result = async {
            let store = self.store();
            let total = store.searchable_count().await?;
            let idx = index.clone();
            blocking(move || idx.clear()).await?;
            let mut after = ArticleId(0);
            let mut done = 0u64;
            progress(0, total);
            loop {
                let batch = store.searchable_after(after, BATCH).await?;
                let Some(last) = batch.last() else { break };
                after = last.article.id;
                done += batch.len() as u64;
                let idx = index.clone();
                blocking(move || {
                    for s in &batch {
                        idx.insert(&doc_of(s))?;
                    }
                    Ok(())
                })
                .await?;
                progress(done, total.max(done));
            }
            let idx = index.clone();
            blocking(move || idx.commit_marked(&format!("{MARK_PREFIX}{mark}"))).await?;
            Ok::<_, Error>(done as usize)
        }
        .await;
        feed.building.store(false, Ordering::Relaxed);
        let done = result?;
        self.metrics().search_updates.inc_by(done as u64);
        self.metrics().search_docs.set(index.len() as i64);
        tracing::info!(articles = done, "search index rebuilt");
        Ok(done)
    }
}

/// Parameters of a search page, as typed (bad values are reported on the page, not refused).
#[derive(Debug, Default)]
struct Params {
    q: String,
    scope_all: bool,
    column: Option<String>,
    year: Option<i32>,
    topic: Option<String>,
    site: Option<String>,
    page: usize,
    notes: Vec<String>,
}

fn params(query: &HashMap<String, String>) -> Params {
    let mut p = Params {
        q: query
            .get("q")
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        scope_all: query.get("scope").is_some_and(|s| s == "all"),
        page: 1,
        ..Default::default()
    };
    let given = |k: &str| {
        query
            .get(k)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(100).collect::<String>())
    };
    p.column = given("column");
    p.topic = given("topic");
    p.site = given("site");
    if let Some(y) = given("year") {
        match y.parse::<i32>() {
            Ok(y) if (1949..=2100).contains(&y) => p.year = Some(y),
            _ => p.notes.push(format!(
                "年份“{y}”无效（应为四位数年份），已按全部年份搜索。"
            )),
        }
    }
    if let Some(n) = given("page") {
        match n.parse::<usize>() {
            Ok(n) if n >= 1 => p.page = n,
            _ => p.notes.push(format!("页码“{n}”无效，已显示第 1 页。")),
        }
    }
    p
}

/// Query string of a search page with these parameters (page left out).
fn link(p: &Params, site: Option<&str>) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let mut parts = vec![format!("q={}", enc(&p.q))];
    if p.scope_all {
        parts.push("scope=all".into());
    }
    if let Some(c) = &p.column {
        parts.push(format!("column={}", enc(c)));
    }
    if let Some(y) = p.year {
        parts.push(format!("year={y}"));
    }
    if let Some(t) = &p.topic {
        parts.push(format!("topic={}", enc(t)));
    }
    if let Some(s) = site {
        parts.push(format!("site={}", enc(s)));
    }
    format!("/search?{}", parts.join("&"))
}

/// The port of a Host header (`:8080`), kept on links to other sites of the platform.
fn port_of(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if host[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &host[i..],
        _ => "",
    }
}

/// The host name a site is reached at: its first host, or `<code>.localhost` (which every
/// node serves) for a site without one.
fn site_host(site: &zhanqun_core::Site) -> String {
    site.hosts
        .first()
        .cloned()
        .unwrap_or_else(|| format!("{}.localhost", site.code))
}

/// A top column of the site, to search within.
#[derive(Serialize)]
struct ColumnChoice<'a> {
    path: &'a str,
    name: &'a str,
}

/// A result: where to read it (this site, or the site that shows it), its highlighted title and
/// snippet, and on how many other sites it stands.
#[derive(Serialize)]
struct Found<'a> {
    url: String,
    title_html: &'a str,
    snippet_html: &'a str,
    date: String,
    doc_number: &'a str,
    site_name: String,
    others: usize,
}

/// A site in the province-wide facet, with its count of results.
#[derive(Serialize)]
struct SiteCount {
    name: String,
    count: usize,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct Paging {
    page: usize,
    last: usize,
    prev: Option<String>,
    next: Option<String>,
}

/// The results of a query: the ranked page, the sites they stand on (province-wide), the links
/// to search the whole province.
#[derive(Serialize)]
struct Results<'a> {
    total: usize,
    hits: Vec<Found<'a>>,
    /// The words looked for (after the query was cut into words).
    words: &'a [String],
    facet: Vec<SiteCount>,
    all_url: String,
    /// The same query on this site alone.
    site_url: String,
    paging: Paging,
}

/// The search page: the query and its filters as chosen, the results when there are any, the
/// notes that say what was done with the query.
#[derive(Serialize)]
struct SearchPage<'a> {
    q: &'a str,
    province: bool,
    scope_all: bool,
    columns: Vec<ColumnChoice<'a>>,
    column: Option<&'a str>,
    topics: &'a [String],
    topic: Option<&'a str>,
    years: Vec<i32>,
    year: Option<i32>,
    building: bool,
    /// The site picked in the province-wide facet.
    #[serde(skip_serializing_if = "Option::is_none")]
    picked: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    results: Option<Results<'a>>,
    notes: &'a [String],
}

/// The search page of a site: `/search?q=…` (never cached: `no-store`).
pub async fn page(
    app: &App,
    ctx: &SiteCtx,
    host: &str,
    query: &HashMap<String, String>,
) -> Result<Response> {
    let mut p = params(query);
    let province = ctx.site.kind == SiteKind::ProvincePortal;
    if !province {
        p.scope_all = false;
        p.site = None;
    }
    let started = Instant::now();
    let scope = if p.scope_all { "province" } else { "site" };
    // The column filter: a column of this site and every column below it.
    let columns: Vec<ColumnChoice> = ctx
        .columns
        .iter()
        .filter(|c| c.parent_id.is_none() && c.kind == ColumnKind::List)
        .map(|c| ColumnChoice {
            path: c.path.as_str(),
            name: &c.name,
        })
        .collect();
    let mut filter_columns = Vec::new();
    if let Some(path) = &p.column {
        match ctx.column_by_path(path) {
            Some(c) if !p.scope_all => filter_columns = ctx.subtree(c.id),
            Some(_) => {}
            None => {
                p.notes.push("没有这个栏目，已按全部栏目搜索。".to_string());
                p.column = None;
            }
        }
    }
    let topics = app
        .catalogue_facets(ctx.site.id)
        .await
        .map(|f| f.topics.clone())
        .unwrap_or_default();
    let this_year = zhanqun_core::beijing::year(chrono::Utc::now());
    let years: Vec<i32> = (this_year - 9..=this_year).rev().collect();
    // Province-wide: one site picked from the facet.
    let mut picked: Option<Arc<SiteCtx>> = None;
    if let Some(code) = &p.site {
        if let Ok(code) = zhanqun_core::SiteCode::parse(code)
            && let Some(s) = app.store().site_by_code(&code).await?
        {
            picked = app.directory().ctx(s.id).await?;
        }
        if picked.is_none() {
            p.notes.push("没有这个网站，已按全省搜索。".to_string());
            p.site = None;
        }
    }
    let building = app.search_state().feed.building();
    let index = app.search_state().index().cloned();
    let results = if p.q.is_empty() {
        p.notes
            .push("请输入要查找的关键词，例如“安全生产”或文号。".to_string());
        None
    } else if let Some(index) = index.filter(|_| app.config().search.enabled) {
        let offset = (p.page - 1) * PER_PAGE;
        if offset >= RANKED_MAX {
            p.notes.push(format!(
                "最多显示前 {} 条结果，请增加关键词缩小范围。",
                RANKED_MAX
            ));
            p.page = 1;
        }
        let sq = SearchQuery {
            text: p.q.clone(),
            site: if p.scope_all {
                picked.as_ref().map(|c| c.site.id)
            } else {
                Some(ctx.site.id)
            },
            columns: filter_columns,
            year: p.year,
            topic: p.topic.clone(),
            offset: (p.page - 1) * PER_PAGE,
            limit: PER_PAGE,
            facet: p.scope_all,
            within: None,
        };
        let r = tokio::task::spawn_blocking(move || index.search(&sq))
            .await
            .map_err(|e| Error::internal(format!("search task: {e}")))??;
        Some(r)
    } else {
        p.notes
            .push("站内搜索暂不可用，请稍后再试，或通过栏目导航和信息公开目录查找。".to_string());
        None
    };
    let mut shown = None;
    if let Some(r) = &results {
        if r.truncated {
            p.notes.push(format!(
                "关键词过长，只按前 {} 个字查找。",
                zhanqun_search::QUERY_MAX_CHARS
            ));
        }
        if r.partial {
            p.notes.push(
                "没有同时包含全部关键词的信息，已略去找不到的词语，以下是包含其余关键词的结果。"
                    .to_string(),
            );
        }
        if r.words.is_empty() {
            p.notes
                .push("关键词中没有可查找的字词（只有标点或符号），请换一个关键词。".to_string());
        }
        let port = port_of(host);
        let scheme = &app.config().public_scheme;
        let mut hits = Vec::with_capacity(r.hits.len());
        for h in &r.hits {
            // Where to read it: this site when it shows it, else the picked site, else the
            // first active site that shows it.
            let on_here = h.sites.contains(&ctx.site.id);
            let mut target: Option<Arc<SiteCtx>> = None;
            if !on_here {
                if let Some(pc) = picked.as_ref().filter(|c| h.sites.contains(&c.site.id)) {
                    target = Some(pc.clone());
                } else {
                    for s in &h.sites {
                        if let Some(c) = app.directory().ctx(*s).await?
                            && c.site.status == SiteStatus::Active
                        {
                            target = Some(c);
                            break;
                        }
                    }
                }
                if target.is_none() {
                    continue;
                }
            }
            let (url, site_name) = match &target {
                None => (format!("/art/{}.html", h.article), ctx.site.name.clone()),
                Some(t) => (
                    format!(
                        "{scheme}://{}{port}/art/{}.html",
                        site_host(&t.site),
                        h.article
                    ),
                    t.site.name.clone(),
                ),
            };
            let others = h.sites.len().saturating_sub(1);
            hits.push(Found {
                url,
                title_html: &h.title_html,
                snippet_html: &h.snippet_html,
                date: zhanqun_core::beijing::day_text(h.published_at),
                doc_number: &h.doc_number,
                site_name,
                others,
            });
        }
        let mut facet = Vec::new();
        if p.scope_all {
            for (s, n) in r.by_site.iter().take(30) {
                if let Some(c) = app.directory().ctx(*s).await?
                    && c.site.status == SiteStatus::Active
                {
                    let mut q = Params {
                        q: p.q.clone(),
                        scope_all: true,
                        ..Default::default()
                    };
                    q.year = p.year;
                    facet.push(SiteCount {
                        name: c.site.name.clone(),
                        count: *n,
                        url: link(&q, Some(c.site.code.as_str())),
                        current: picked.as_ref().is_some_and(|pc| pc.site.id == c.site.id),
                    });
                }
            }
        }
        let shown_total = r.total.min(RANKED_MAX);
        let last = shown_total.div_ceil(PER_PAGE).max(1);
        let base = link(&p, p.site.as_deref());
        shown = Some(Results {
            total: r.total,
            hits,
            words: &r.words,
            facet,
            site_url: link(
                &Params {
                    q: p.q.clone(),
                    ..Default::default()
                },
                None,
            ),
            all_url: link(
                &Params {
                    q: p.q.clone(),
                    scope_all: true,
                    ..Default::default()
                },
                None,
            ),
            paging: Paging {
                page: p.page,
                last,
                prev: (p.page > 1).then(|| format!("{base}&page={}", p.page - 1)),
                next: (p.page < last).then(|| format!("{base}&page={}", p.page + 1)),
            },
        });
    }
    let view = SearchPage {
        q: &p.q,
        province,
        scope_all: p.scope_all,
        columns,
        column: p.column.as_deref(),
        topics: &topics,
        topic: p.topic.as_deref(),
        years,
        year: p.year,
        building,
        picked: shown
            .as_ref()
            .and(picked.as_ref())
            .map(|c| c.site.name.as_str()),
        results: shown,
        notes: &p.notes,
    };
    let m = app.metrics();
    if !p.q.is_empty() {
        m.search_queries.with_label_values(&[scope]).inc();
        m.search_seconds
            .with_label_values(&[scope])
            .observe(started.elapsed().as_secs_f64());
    }
    let title = if view.scope_all {
        "全省政府网站搜索"
    } else {
        "站内搜索"
    };
    let body = app.render_own(ctx, "search.html", title, "-", &view)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HTML),
            // Results change with every publication, and a query can be personal.
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
