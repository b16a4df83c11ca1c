//! Public pages: which page a path names, and how each is rendered.
//!
//! Rendering reads the store and the site context, builds a view model and renders the site's
//! template. Each page declares the [`Dep`]s it shows so the cache can drop it exactly when one
//! of them changes.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde_json::{Value, json};
use zhanqun_core::paging::PAGE_SIZE;
use zhanqun_core::*;
use zhanqun_store::CatalogueFilter;

use crate::App;
use crate::cache::{ColumnTop, Dep};
use crate::directory::SiteCtx;

/// The page a request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home,
    Column {
        path: String,
        page: Page,
    },
    /// A column path without its trailing slash: redirected.
    ColumnNoSlash {
        path: String,
    },
    ColumnFeed {
        path: String,
    },
    Article(ArticleId),
    Catalogue {
        filter: CatalogueFilter,
        page: Page,
    },
    /// `/sitemap.xml`: every URL of a site of up to [`SITEMAP_SMALL`] articles, else an index
    /// of the parts below.
    Sitemap,
    /// `/sitemap-pages.xml` and `/sitemap-YYYY-MM.xml`: a large site's sitemap, in parts.
    SitemapPart(SitemapPart),
    SiteFeed,
    Robots,
    Search,
    Static {
        theme: String,
        file: String,
    },
    /// A file of the site's media library, by its generated storage name.
    Media(String),
}

/// A part of a large site's sitemap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SitemapPart {
    /// The home page, the catalogue and every column.
    Pages,
    /// The articles published in one month (UTC).
    Month { year: i32, month: u32 },
}

impl SitemapPart {
    fn parse(file: &str) -> Option<SitemapPart> {
        let stem = file.strip_prefix("sitemap-")?.strip_suffix(".xml")?;
        if stem == "pages" {
            return Some(SitemapPart::Pages);
        }
        let (y, m) = stem.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        ((1949..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(SitemapPart::Month { year, month })
    }

    fn file(&self) -> String {
        match self {
            SitemapPart::Pages => "sitemap-pages.xml".into(),
            SitemapPart::Month { year, month } => format!("sitemap-{year:04}-{month:02}.xml"),
        }
    }
}

/// A site with more published articles than this serves its sitemap as an index of monthly
/// parts, so that no miss renders more than a month of one site (the protocol's own limit is
/// 50,000 URLs a file).
pub const SITEMAP_SMALL: u64 = 1_000;

impl Route {
    /// Parses a decoded path and its query parameters. Unknown parameters are ignored (and so
    /// not part of the cache key).
    pub fn parse(path: &str, query: &HashMap<String, String>) -> Result<Route> {
        let page = || Page::parse(query.get("page").map(String::as_str));
        let p = path.strip_prefix('/').unwrap_or(path);
        Ok(match p {
            "" | "index.html" => Route::Home,
            "sitemap.xml" => Route::Sitemap,
            p if p.starts_with("sitemap-") => SitemapPart::parse(p)
                .map(Route::SitemapPart)
                .ok_or_else(|| Error::not_found("页面不存在"))?,
            "rss.xml" => Route::SiteFeed,
            "robots.txt" => Route::Robots,
            "search" => Route::Search,
            "xxgkml" | "xxgkml/" => {
                let topic = query
                    .get("topic")
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty());
                let organ = query
                    .get("organ")
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty());
                if topic.as_ref().is_some_and(|t| t.chars().count() > 100)
                    || organ.as_ref().is_some_and(|t| t.chars().count() > 100)
                {
                    return Err(Error::invalid("筛选条件过长"));
                }
                let year = match query
                    .get("year")
                    .map(|y| y.trim())
                    .filter(|y| !y.is_empty())
                {
                    None => None,
                    Some(y) => match y.parse::<i32>() {
                        Ok(y) if (1949..=2100).contains(&y) => Some(y),
                        _ => {
                            return Err(Error::invalid(format!(
                                "年份“{}”无效：请填写四位数年份，例如 2025",
                                y.chars().take(20).collect::<String>()
                            )));
                        }
                    },
                };
                Route::Catalogue {
                    filter: CatalogueFilter { topic, year, organ },
                    page: page()?,
                }
            }
            _ => {
                if let Some(rest) = p.strip_prefix("static/") {
                    let (theme, file) = rest
                        .split_once('/')
                        .ok_or_else(|| Error::not_found("没有这个文件"))?;
                    if file.is_empty()
                        || file
                            .split('/')
                            .any(|s| s.is_empty() || s == ".." || s == ".")
                    {
                        return Err(Error::not_found("没有这个文件"));
                    }
                    return Ok(Route::Static {
                        theme: theme.to_string(),
                        file: file.to_string(),
                    });
                }
                if let Some(name) = p.strip_prefix("media/") {
                    let ok = name.split_once('.').is_some_and(|(stem, ext)| {
                        stem.len() == 32
                            && stem.bytes().all(|b| b.is_ascii_hexdigit())
                            && (3..=4).contains(&ext.len())
                            && ext.bytes().all(|b| b.is_ascii_lowercase())
                    });
                    if !ok {
                        return Err(Error::not_found("没有这个文件"));
                    }
                    return Ok(Route::Media(name.to_string()));
                }
                if let Some(rest) = p.strip_prefix("art/") {
                    let id = rest
                        .strip_suffix(".html")
                        .and_then(|n| n.parse::<i64>().ok())
                        .filter(|n| *n > 0)
                        .ok_or_else(|| Error::not_found("您访问的信息不存在"))?;
                    return Ok(Route::Article(ArticleId(id)));
                }
                if let Some(col) = p.strip_suffix("/rss.xml") {
                    return Ok(Route::ColumnFeed {
                        path: ColumnPath::parse(col)
                            .map_err(|_| Error::not_found("页面不存在"))?
                            .to_string(),
                    });
                }
                let with_slash = p.ends_with('/');
                let col =
                    ColumnPath::parse(p).map_err(|_| Error::not_found("您访问的页面不存在"))?;
                if with_slash {
                    Route::Column {
                        path: col.to_string(),
                        page: page()?,
                    }
                } else {
                    Route::ColumnNoSlash {
                        path: col.to_string(),
                    }
                }
            }
        })
    }

    /// The page kind, a bounded metrics label.
    pub fn kind(&self) -> &'static str {
        match self {
            Route::Home => "home",
            Route::Column { .. } | Route::ColumnNoSlash { .. } => "column",
            Route::ColumnFeed { .. } | Route::SiteFeed => "feed",
            Route::Article(_) => "article",
            Route::Catalogue { .. } => "catalogue",
            Route::Sitemap | Route::SitemapPart(_) => "sitemap",
            Route::Robots => "robots",
            Route::Search => "search",
            Route::Static { .. } => "static",
            Route::Media(_) => "media",
        }
    }

    /// The cache key path: the page and only the parameters it reads. Pages with absolute URLs
    /// (feeds, sitemap, robots) are keyed by host too, since a site may have several.
    pub fn cache_key(&self, host: &str) -> Option<String> {
        Some(match self {
            Route::Home => "/".into(),
            Route::Column { path, page } => format!("/{path}/?page={}", page.number()),
            Route::Article(id) => format!("/art/{id}.html"),
            Route::Catalogue { filter, page } => format!(
                "/xxgkml/?topic={}&year={}&organ={}&page={}",
                filter.topic.as_deref().unwrap_or(""),
                filter.year.map(|y| y.to_string()).unwrap_or_default(),
                filter.organ.as_deref().unwrap_or(""),
                page.number()
            ),
            Route::ColumnFeed { path } => format!("{host}|/{path}/rss.xml"),
            Route::Sitemap => format!("{host}|/sitemap.xml"),
            Route::SitemapPart(part) => format!("{host}|/{}", part.file()),
            Route::SiteFeed => format!("{host}|/rss.xml"),
            Route::Robots => format!("{host}|/robots.txt"),
            Route::ColumnNoSlash { .. }
            | Route::Search
            | Route::Static { .. }
            | Route::Media(_) => return None,
        })
    }
}

/// A rendered page and what it shows.
pub struct Rendered {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
    pub deps: Vec<Dep>,
    /// The articles the page shows (titles or bodies): the first showing of a reprint is its
    /// delivery's `shown_at`.
    pub shown: Vec<ArticleId>,
}

pub const HTML: &str = "text/html; charset=utf-8";
const XML: &str = "application/xml; charset=utf-8";
const RSS: &str = "application/rss+xml; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// China Standard Time (UTC+8), in which dates are shown.
fn china(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    zhanqun_core::beijing::at(t)
}

fn column_url(c: &Column) -> String {
    match (&c.kind, &c.link_url) {
        (ColumnKind::Link, Some(u)) => u.clone(),
        _ => format!("/{}/", c.path),
    }
}

fn item(it: &ListItem) -> Value {
    json!({
        "title": it.title,
        "url": format!("/art/{}.html", it.article_id),
        "date": it.publish_date.format("%Y-%m-%d").to_string(),
        "summary": it.summary,
        "pinned": it.pinned,
        "index_number": it.index_number,
        "doc_number": it.doc_number,
        "organ": it.issuing_organ,
        "topic": it.topic,
    })
}

/// What every template knows of the site. `host` is the site's own first host name, never the
/// request's: a cached page is shared by every visitor, whatever `Host` the first one sent.
fn site_view(ctx: &SiteCtx, _request_host: &str) -> Value {
    let s = &ctx.site;
    let host = s.hosts.first().map(String::as_str).unwrap_or_default();
    let nav: Vec<Value> = ctx
        .children(None)
        .filter(|c| c.in_nav)
        .map(|c| json!({ "name": c.name, "url": column_url(c), "path": c.path.as_str() }))
        .collect();
    json!({
        "code": s.code.as_str(),
        "name": s.name,
        "kind": s.kind.as_str(),
        "kind_label": s.kind.label(),
        "host": host,
        "footer": {
            "organiser": s.footer.organiser,
            "operator": s.footer.operator,
            "contact": s.footer.contact,
            "icp": s.footer.icp,
            "psb": s.footer.psb,
        },
        "nav": nav,
        "static": format!("/static/{}/", s.theme),
    })
}

fn crumbs(ctx: &SiteCtx, col: ColumnId) -> Vec<Value> {
    ctx.trail(col)
        .into_iter()
        .map(|c| json!({ "name": c.name, "url": column_url(c) }))
        .collect()
}

fn pager(page: Page, total: u64, base: &str, extra: &str) -> Value {
    let last = Page::last_page(total);
    let n = page.number();
    let url = |p: u64| {
        if p == 1 && extra.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{extra}page={p}")
        }
    };
    json!({
        "page": n,
        "last": last,
        "total": total,
        "prev": (n > 1).then(|| url(n - 1)),
        "next": (n < last).then(|| url(n + 1)),
    })
}

/// A sitemap `<urlset>` being written.
struct Urlset {
    origin: String,
    xml: String,
}

impl Urlset {
    fn new(origin: &str) -> Urlset {
        Urlset {
            origin: origin.to_string(),
            xml: String::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
            ),
        }
    }

    fn url(&mut self, path: &str, lastmod: Option<DateTime<Utc>>, freq: &str, prio: &str) {
        self.xml.push_str("  <url><loc>");
        self.xml
            .push_str(&xml_escape(&format!("{}{path}", self.origin)));
        self.xml.push_str("</loc>");
        if let Some(t) = lastmod {
            self.xml.push_str(&format!(
                "<lastmod>{}</lastmod>",
                t.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        self.xml.push_str(&format!(
            "<changefreq>{freq}</changefreq><priority>{prio}</priority></url>\n"
        ));
    }

    fn article(&mut self, id: ArticleId, updated: DateTime<Utc>) {
        self.url(&format!("/art/{id}.html"), Some(updated), "monthly", "0.5");
    }

    fn finish(mut self) -> String {
        self.xml.push_str("</urlset>\n");
        self.xml
    }
}

/// The home page, the catalogue and every column of a site, in a sitemap.
fn site_pages(xml: &mut Urlset, ctx: &SiteCtx) {
    xml.url("/", None, "hourly", "1.0");
    xml.url("/xxgkml/", None, "daily", "0.8");
    for c in ctx.columns.iter().filter(|c| c.kind != ColumnKind::Link) {
        xml.url(&format!("/{}/", c.path), None, "daily", "0.6");
    }
}

impl App {
    fn render_html(&self, ctx: &SiteCtx, template: &str, page: &Value) -> Result<String> {
        self.themes()
            .render(&ctx.site.theme, ctx.site.code.as_str(), template, page)
    }

    /// The themed error page of a site (never cached).
    pub fn render_error(
        &self,
        ctx: &SiteCtx,
        host: &str,
        status: StatusCode,
        title: &str,
        message: &str,
    ) -> Result<String> {
        let page = json!({
            "site": site_view(ctx, host),
            "page_title": title,
            "nav_current": "-",
            "status": status.as_u16(),
            "title": title,
            "message": message,
        });
        self.render_html(ctx, "error.html", &page)
    }

    /// The search page of a site (never cached): `view` is the page's own context.
    pub fn render_search(&self, ctx: &SiteCtx, host: &str, view: &Value) -> Result<String> {
        let mut page = view.clone();
        page["site"] = site_view(ctx, host);
        page["page_title"] = json!(if page["scope_all"] == json!(true) {
            "全省政府网站搜索"
        } else {
            "站内搜索"
        });
        page["nav_current"] = json!("-");
        self.render_html(ctx, "search.html", &page)
    }

    /// The newest `n` articles of every column of the site's list sections, from the page
    /// cache's kept column tops; the columns not kept (or changed since) are read in one query.
    async fn column_tops(
        &self,
        ctx: &SiteCtx,
        n: u64,
    ) -> Result<HashMap<ColumnId, Arc<ColumnTop>>> {
        let mut wanted: Vec<ColumnId> = ctx
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::List)
            .flat_map(|c| ctx.subtree(c.id))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut tops = HashMap::with_capacity(wanted.len());
        let mut missing = Vec::new();
        for c in wanted {
            match self.pages().column_top(c) {
                Some(t) => {
                    tops.insert(c, t);
                }
                None => missing.push(c),
            }
        }
        if missing.is_empty() {
            return Ok(tops);
        }
        let generation = self.pages().generation();
        let mut read: HashMap<ColumnId, Vec<ListItem>> = HashMap::new();
        for it in self
            .store()
            .top_of_columns(ctx.site.id, &missing, n)
            .await?
        {
            read.entry(it.column_id).or_default().push(it);
        }
        for c in missing {
            let items = read.remove(&c).unwrap_or_default();
            let top = self
                .pages()
                .keep_column_top(ctx.site.id, c, items, generation);
            tops.insert(c, top);
        }
        Ok(tops)
    }

    /// Renders a cacheable page.
    pub async fn render(&self, ctx: &SiteCtx, route: &Route, host: &str) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        match route {
            Route::Home => {
                let per_col = self.column_tops(ctx, 8).await?;
                let mut blocks = serde_json::Map::new();
                let mut shown: Vec<ArticleId> = Vec::new();
                for c in ctx.columns.iter().filter(|c| c.kind == ColumnKind::List) {
                    let mut items: Vec<&ListItem> = ctx
                        .subtree(c.id)
                        .iter()
                        .flat_map(|id| {
                            per_col
                                .get(id)
                                .map(|t| t.items.iter())
                                .into_iter()
                                .flatten()
                        })
                        .collect();
                    items.sort_by(|a, b| {
                        b.pinned
                            .cmp(&a.pinned)
                            .then(b.published_at.cmp(&a.published_at))
                            .then(b.article_id.cmp(&a.article_id))
                    });
                    items.truncate(8);
                    shown.extend(items.iter().map(|i| i.article_id));
                    blocks.insert(
                        c.path.to_string(),
                        json!({ "id": c.id.0, "name": c.name, "url": column_url(c), "items": items.iter().map(|i| item(i)).collect::<Vec<_>>() }),
                    );
                }
                let headline = self.store().home_slot(site.id).await?;
                let page = json!({
                    "site": site_view(ctx, host), "page_title": "", "nav_current": "", "blocks": blocks,
                    "headline": headline.as_ref().map(item),
                });
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: HTML,
                    body: self.render_html(ctx, "home.html", &page)?,
                    deps: vec![base[0], Dep::SiteContent(site.id)],
                    shown: shown
                        .into_iter()
                        .chain(headline.iter().map(|h| h.article_id))
                        .collect(),
                })
            }
            Route::Column { path, page } => {
                let col = ctx
                    .column_by_path(path)
                    .ok_or_else(|| Error::not_found("您访问的栏目不存在"))?;
                let trail = ctx.trail(col.id);
                let section = trail.first().copied().unwrap_or(col);
                let mut section_children: Vec<Value> = ctx.children(Some(section.id)).map(|c| json!({ "name": c.name, "url": column_url(c), "path": c.path.as_str() })).collect();
                if section_children.is_empty() {
                    section_children.push(json!({ "name": section.name, "url": column_url(section), "path": section.path.as_str() }));
                }
                let mut deps: Vec<Dep> = vec![base[0]];
                let common = json!({
                    "site": site_view(ctx, host),
                    "page_title": col.name,
                    "nav_current": section.path.as_str(),
                    "column": { "name": col.name, "url": column_url(col), "path": col.path.as_str() },
                    "crumbs": crumbs(ctx, col.id),
                    "section": { "name": section.name, "url": column_url(section) },
                    "section_children": section_children,
                });
                let Value::Object(mut pagev) = common else {
                    return Err(Error::internal("view model"));
                };
                match col.kind {
                    ColumnKind::Page => {
                        deps.push(Dep::Column(col.id));
                        let (items, _) = self.store().list_column(site.id, col.id, 0, 1).await?;
                        let (body, updated) = match items.first() {
                            Some(it) => match self.store().article(it.article_id).await? {
                                Some(a) => (
                                    Some(a.body_html),
                                    Some(china(a.updated_at).format("%Y-%m-%d").to_string()),
                                ),
                                None => (col.body_html.clone(), None),
                            },
                            None => (col.body_html.clone(), None),
                        };
                        if let Some(it) = items.first() {
                            deps.push(Dep::Article(it.article_id));
                        }
                        pagev.insert("body".into(), json!(body));
                        pagev.insert("updated".into(), json!(updated));
                        let body = self.render_html(ctx, "page.html", &Value::Object(pagev))?;
                        Ok(Rendered {
                            status: StatusCode::OK,
                            content_type: HTML,
                            body,
                            deps,
                            shown: Vec::new(),
                        })
                    }
                    ColumnKind::List | ColumnKind::Link => {
                        let subtree = ctx.subtree(col.id);
                        deps.extend(subtree.iter().map(|c| Dep::Column(*c)));
                        // The count comes with the page; a page past the end is a 404.
                        let offset = (page.number() - 1)
                            .checked_mul(PAGE_SIZE)
                            .ok_or_else(|| Error::not_found("页码超出范围"))?;
                        let (items, total) = self
                            .store()
                            .list_column(site.id, col.id, offset, PAGE_SIZE)
                            .await?;
                        if page.offset_within(total).is_none() {
                            return Err(Error::not_found(format!(
                                "页码超出范围：本栏目共 {} 页",
                                Page::last_page(total)
                            )));
                        }
                        let url = column_url(col);
                        pagev.insert(
                            "items".into(),
                            json!(items.iter().map(item).collect::<Vec<_>>()),
                        );
                        pagev.insert("paging".into(), pager(*page, total, &url, ""));
                        pagev.insert("feed_url".into(), json!(format!("/{}/rss.xml", col.path)));
                        let body = self.render_html(ctx, "list.html", &Value::Object(pagev))?;
                        Ok(Rendered {
                            status: StatusCode::OK,
                            content_type: HTML,
                            body,
                            deps,
                            shown: items.iter().map(|i| i.article_id).collect(),
                        })
                    }
                }
            }
            Route::Article(id) => {
                let (a, col_id) = self
                    .store()
                    .article_on_site(*id, site.id)
                    .await?
                    .ok_or_else(|| Error::not_found("您访问的信息不存在"))?;
                match a.status {
                    ArticleStatus::Published => {}
                    ArticleStatus::Draft
                    | ArticleStatus::Submitted
                    | ArticleStatus::Reviewed
                    | ArticleStatus::Scheduled => {
                        return Err(Error::not_found("您访问的信息不存在"));
                    }
                    ArticleStatus::Withdrawn => return Err(Error::Gone("该信息已撤销".into())),
                }
                let mut deps = vec![base[0], Dep::Article(a.id)];
                let col = ctx.column(col_id);
                let policy = match a.interprets {
                    None => None,
                    Some(pid) => match self.store().article_on_site(pid, site.id).await? {
                        Some((p, _)) if p.status == ArticleStatus::Published => {
                            Some(json!({ "title": p.title, "url": format!("/art/{}.html", p.id) }))
                        }
                        _ => match self.store().article(pid).await? {
                            Some(p) if p.status == ArticleStatus::Published => {
                                Some(json!({ "title": p.title, "url": null }))
                            }
                            _ => None,
                        },
                    },
                };
                if let Some(pid) = a.interprets {
                    deps.push(Dep::Article(pid));
                }
                let mut interpretations = Vec::new();
                for (iid, title) in self.store().interpretations_of(a.id).await? {
                    deps.push(Dep::Article(iid));
                    if self.store().article_on_site(iid, site.id).await?.is_some() {
                        interpretations
                            .push(json!({ "title": title, "url": format!("/art/{iid}.html") }));
                    }
                }
                let disclosure = a.disclosure.as_ref().map(|d| {
                    json!({
                        "doc_number": d.doc_number,
                        "written_date": d.written_date.map(|w| w.format("%Y-%m-%d").to_string()),
                        "issuing_organ": d.issuing_organ,
                        "validity": d.validity.map(Validity::label),
                        "topic": d.topic,
                    })
                });
                let section = col
                    .and_then(|c| ctx.trail(c.id).first().map(|s| s.path.to_string()))
                    .unwrap_or_default();
                // An article of another site shown here (an adopted submission, a reprint
                // without its own attribution) names its origin as 来源, with a link to it.
                let (mut source, mut source_url) = (a.source.clone(), a.source_url.clone());
                if a.site_id != site.id
                    && source.as_deref().is_none_or(|s| s.trim().is_empty())
                    && let Some(origin) = self.store().site(a.site_id).await?
                {
                    deps.push(Dep::Site(origin.id));
                    source_url = origin.hosts.first().map(|h| {
                        format!("{}://{h}/art/{}.html", self.config().public_scheme, a.id)
                    });
                    source = Some(origin.name);
                }
                let page = json!({
                    "site": site_view(ctx, host),
                    "page_title": a.title,
                    "nav_current": section,
                    "column": { "name": col.map(|c| c.name.clone()).unwrap_or_default() },
                    "crumbs": col.map(|c| crumbs(ctx, c.id)).unwrap_or_default(),
                    "article": {
                        "title": a.title,
                        "subtitle": a.subtitle,
                        "cover": a.cover_url,
                        "date": a.publish_date.format("%Y-%m-%d").to_string(),
                        "datetime": china(a.published_at).format("%Y-%m-%d %H:%M").to_string(),
                        "source": source,
                        "source_url": source_url,
                        "author": a.author,
                        "index_number": a.index_number,
                        "body": a.body_html,
                        "disclosure": disclosure,
                        "policy": policy,
                        "interpretations": interpretations,
                    },
                });
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: HTML,
                    body: self.render_html(ctx, "article.html", &page)?,
                    deps,
                    shown: vec![a.id],
                })
            }
            Route::Catalogue { filter, page } => {
                // A filter value no document of this site has is a 404, never rendered or
                // cached: the cache holds one entry per value that exists, not per request.
                let facets = self.store().catalogue_facets(site.id).await?;
                if let Some(t) = filter.topic.as_ref().filter(|t| !facets.topics.contains(t)) {
                    return Err(Error::not_found(format!("本站没有主题为“{t}”的公开信息")));
                }
                if let Some(o) = filter.organ.as_ref().filter(|o| !facets.organs.contains(o)) {
                    return Err(Error::not_found(format!("本站没有“{o}”发布的公开信息")));
                }
                if let Some(y) = filter.year.filter(|y| !facets.years.contains(y)) {
                    return Err(Error::not_found(format!("本站没有 {y} 年的公开信息")));
                }
                let offset = (page.number() - 1)
                    .checked_mul(PAGE_SIZE)
                    .ok_or_else(|| Error::not_found("页码超出范围"))?;
                let total = facets.total(filter);
                let items = self
                    .store()
                    .catalogue_rows(site.id, filter, total, offset, PAGE_SIZE)
                    .await?;
                if page.offset_within(total).is_none() {
                    return Err(Error::not_found(format!(
                        "页码超出范围：共 {} 页",
                        Page::last_page(total)
                    )));
                }
                let enc = |s: &str| {
                    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                };
                let mut extra = String::new();
                if let Some(t) = &filter.topic {
                    extra.push_str(&format!("topic={}&", enc(t)));
                }
                if let Some(y) = filter.year {
                    extra.push_str(&format!("year={y}&"));
                }
                if let Some(o) = &filter.organ {
                    extra.push_str(&format!("organ={}&", enc(o)));
                }
                let pagev = json!({
                    "site": site_view(ctx, host),
                    "page_title": "政府信息公开目录",
                    "nav_current": "xxgkml",
                    "crumbs": [{ "name": "信息公开目录", "url": "/xxgkml/" }],
                    "items": items.iter().map(item).collect::<Vec<_>>(),
                    "facets": facets,
                    "filter": { "topic": filter.topic, "year": filter.year, "organ": filter.organ },
                    "paging": pager(*page, total, "/xxgkml/", &extra),
                });
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: HTML,
                    body: self.render_html(ctx, "catalogue.html", &pagev)?,
                    deps: vec![base[0], Dep::SiteContent(site.id)],
                    shown: Vec::new(),
                })
            }
            Route::Sitemap => {
                let origin = format!("{}://{}", self.config().public_scheme, host);
                let small = self
                    .store()
                    .sitemap_entries(site.id, SITEMAP_SMALL + 1)
                    .await?;
                let body = if small.len() as u64 <= SITEMAP_SMALL {
                    let mut xml = Urlset::new(&origin);
                    site_pages(&mut xml, ctx);
                    for (id, updated) in small {
                        xml.article(id, updated);
                    }
                    xml.finish()
                } else {
                    let mut xml = String::from(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
                    );
                    let mut part = |p: SitemapPart| {
                        xml.push_str(&format!(
                            "  <sitemap><loc>{}</loc></sitemap>\n",
                            xml_escape(&format!("{origin}/{}", p.file()))
                        ));
                    };
                    part(SitemapPart::Pages);
                    if let Some((first, last)) = self.store().published_span(site.id).await? {
                        let mut m = (last.year(), last.month());
                        while m >= (first.year(), first.month()) {
                            part(SitemapPart::Month {
                                year: m.0,
                                month: m.1,
                            });
                            m = if m.1 == 1 {
                                (m.0 - 1, 12)
                            } else {
                                (m.0, m.1 - 1)
                            };
                        }
                    }
                    xml.push_str("</sitemapindex>\n");
                    xml
                };
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: XML,
                    body,
                    deps: vec![base[0], Dep::SiteContent(site.id)],
                    shown: Vec::new(),
                })
            }
            Route::SitemapPart(part) => {
                let origin = format!("{}://{}", self.config().public_scheme, host);
                let mut xml = Urlset::new(&origin);
                match *part {
                    SitemapPart::Pages => site_pages(&mut xml, ctx),
                    SitemapPart::Month { year, month } => {
                        // Only the months the index lists exist: no entry for any other.
                        let span = self.store().published_span(site.id).await?;
                        let within = span.is_some_and(|(first, last)| {
                            (first.year(), first.month()) <= (year, month)
                                && (year, month) <= (last.year(), last.month())
                        });
                        let start = |y: i32, m: u32| {
                            chrono::NaiveDate::from_ymd_opt(y, m, 1)
                                .and_then(|d| d.and_hms_opt(0, 0, 0))
                                .map(|t| t.and_utc())
                        };
                        let next = if month == 12 {
                            (year + 1, 1)
                        } else {
                            (year, month + 1)
                        };
                        let (Some(from), Some(to), true) =
                            (start(year, month), start(next.0, next.1), within)
                        else {
                            return Err(Error::not_found("本站没有这个月的信息"));
                        };
                        for (id, updated) in self
                            .store()
                            .sitemap_between(site.id, from, to, 50_000)
                            .await?
                        {
                            xml.article(id, updated);
                        }
                    }
                }
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: XML,
                    body: xml.finish(),
                    deps: vec![base[0], Dep::SiteContent(site.id)],
                    shown: Vec::new(),
                })
            }
            Route::SiteFeed => {
                let items = self.store().latest_on_site(site.id, 20).await?;
                let body = self.feed(ctx, host, &site.name, "/", &items)?;
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: RSS,
                    body,
                    deps: vec![base[0], Dep::SiteContent(site.id)],
                    shown: Vec::new(),
                })
            }
            Route::ColumnFeed { path } => {
                let col = ctx
                    .column_by_path(path)
                    .ok_or_else(|| Error::not_found("您访问的栏目不存在"))?;
                let (items, _) = self.store().list_column(site.id, col.id, 0, 20).await?;
                let body = self.feed(
                    ctx,
                    host,
                    &format!("{} - {}", col.name, site.name),
                    &format!("/{}/", col.path),
                    &items,
                )?;
                let mut deps = vec![base[0]];
                deps.extend(ctx.subtree(col.id).into_iter().map(Dep::Column));
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: RSS,
                    body,
                    deps,
                    shown: Vec::new(),
                })
            }
            Route::Robots => {
                let body = format!(
                    "User-agent: *\nAllow: /\nSitemap: {}://{host}/sitemap.xml\n",
                    self.config().public_scheme
                );
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: TEXT,
                    body,
                    deps: base.to_vec(),
                    shown: Vec::new(),
                })
            }
            Route::ColumnNoSlash { .. }
            | Route::Search
            | Route::Static { .. }
            | Route::Media(_) => Err(Error::internal("route is not rendered")),
        }
    }

    fn feed(
        &self,
        ctx: &SiteCtx,
        host: &str,
        title: &str,
        path: &str,
        items: &[ListItem],
    ) -> Result<String> {
        let origin = format!("{}://{}", self.config().public_scheme, host);
        let rss_items: Vec<rss::Item> = items
            .iter()
            .map(|it| {
                let link = format!("{origin}/art/{}.html", it.article_id);
                rss::ItemBuilder::default()
                    .title(Some(it.title.clone()))
                    .link(Some(link.clone()))
                    .guid(Some(
                        rss::GuidBuilder::default()
                            .value(link)
                            .permalink(true)
                            .build(),
                    ))
                    .pub_date(Some(china(it.published_at).to_rfc2822()))
                    .description(it.summary.clone())
                    .build()
            })
            .collect();
        let channel = rss::ChannelBuilder::default()
            .title(title.to_string())
            .link(format!("{origin}{path}"))
            .description(format!(
                "{}（网站标识码 {}）最新信息",
                ctx.site.name, ctx.site.code
            ))
            .language(Some("zh-cn".to_string()))
            .last_build_date(items.first().map(|i| china(i.updated_at).to_rfc2822()))
            .items(rss_items)
            .build();
        Ok(channel.to_string())
    }
}

/// Escapes text for XML content.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn routes() {
        let none = q(&[]);
        assert_eq!(Route::parse("/", &none).ok(), Some(Route::Home));
        assert_eq!(
            Route::parse("/art/12.html", &none).ok(),
            Some(Route::Article(ArticleId(12)))
        );
        assert!(Route::parse("/art/0.html", &none).is_err());
        assert!(Route::parse("/art/x.html", &none).is_err());
        assert_eq!(
            Route::parse("/xwzx/zwyw/", &q(&[("page", "2")]))
                .ok()
                .map(|r| r.cache_key("h")),
            Some(Some("/xwzx/zwyw/?page=2".into()))
        );
        assert!(Route::parse("/xwzx/zwyw/", &q(&[("page", "0")])).is_err());
        assert_eq!(
            Route::parse("/xwzx", &none).ok(),
            Some(Route::ColumnNoSlash {
                path: "xwzx".into()
            })
        );
        assert!(Route::parse("/static/default/../x", &none).is_err());
        assert!(Route::parse("/xxgkml/", &q(&[("year", "abc")])).is_err());
        assert_eq!(
            Route::parse("/xwzx/rss.xml", &none).ok(),
            Some(Route::ColumnFeed {
                path: "xwzx".into()
            })
        );
        assert!(Route::parse("/%E4%BD%A0/", &none).is_err());
    }
}
