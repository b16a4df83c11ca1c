//! Public pages: which page a path names, and how each is rendered.
//!
//! Rendering reads the store and the site context, builds a view model and renders the site's
//! template. Each page declares the [`Dep`]s it shows so the cache can drop it exactly when one
//! of them changes.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use zhanqun_core::paging::PAGE_SIZE;
use zhanqun_core::*;
use zhanqun_store::{CatalogueFilter, ServiceFilter};

mod article;
mod catalogue;
mod datasets;
mod feed;
mod home;
mod list;
mod services;
mod sitemap;
mod view;

use crate::App;
use crate::cache::{ColumnTop, Dep};
use crate::desk::LetterPage;
use crate::directory::SiteCtx;
pub(crate) use view::{Choice, Pager};
use view::{Item, Link, SiteView, crumbs};

pub use datasets::DataPage;

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
    /// `/banshi/`: the service catalogue (the whole province's on the province portal), by
    /// theme, department and audience, newest first, a page of items before `before`.
    Services {
        filter: ServiceFilter,
        before: Option<ArticleId>,
    },
    /// `/data/`, `/data/catalog.json`, `/data/catalog.csv`: the site's open data sets.
    Data(DataPage),
    /// `/data/<id>/<n>`: the `n`th file of data set `id`, as uploaded (never cached here: the
    /// media library serves it).
    DataFile {
        dataset: ArticleId,
        n: usize,
    },
    /// `/sitemap.xml`: every URL of a site of up to [`SITEMAP_SMALL`] articles, else an index
    /// of the parts below.
    Sitemap,
    /// `/sitemap-pages.xml` and `/sitemap-YYYY-MM.xml`: a large site's sitemap, in parts.
    SitemapPart(SitemapPart),
    SiteFeed,
    Robots,
    Search,
    /// `/hudong/…`: the letter forms, the 查询码 lookup and the published replies (never cached).
    Letters(LetterPage),
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
            p if p.starts_with("hudong/") => Route::Letters(LetterPage::parse(&p[7..], query)?),
            "ysqgk" => return Err(Error::not_found("您访问的页面不存在")),
            p if p.starts_with("ysqgk/") => Route::Letters(LetterPage::parse_disclosure(&p[6..])?),
            "banshi" | "banshi/" => services::parse(query)?,
            "data" => Route::Data(DataPage::Html),
            p if p.starts_with("data/") => {
                DataPage::parse(&p[5..]).ok_or_else(|| Error::not_found("没有这个数据集或文件"))?
            }
            p if p.starts_with("banshi/") => Route::Letters(LetterPage::parse_services(&p[7..])?),
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
            Route::Services { .. } => "services",
            Route::Data(_) | Route::DataFile { .. } => "data",
            Route::Sitemap | Route::SitemapPart(_) => "sitemap",
            Route::Robots => "robots",
            Route::Search => "search",
            Route::Letters(_) => "letters",
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
            Route::Services { filter, before } => services::cache_key(filter, *before),
            Route::Data(page) => page.cache_key(host),
            Route::ColumnFeed { path } => format!("{host}|/{path}/rss.xml"),
            Route::Sitemap => format!("{host}|/sitemap.xml"),
            Route::SitemapPart(part) => format!("{host}|/{}", part.file()),
            Route::SiteFeed => format!("{host}|/rss.xml"),
            Route::Robots => format!("{host}|/robots.txt"),
            Route::ColumnNoSlash { .. }
            | Route::Search
            | Route::Letters(_)
            | Route::Static { .. }
            | Route::DataFile { .. }
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

impl App {
    fn render_html(
        &self,
        ctx: &SiteCtx,
        template: &str,
        page: &impl serde::Serialize,
    ) -> Result<String> {
        self.themes()
            .render(&ctx.site.theme, ctx.site.code.as_str(), template, page)
    }

    /// The themed error page of a site (never cached).
    pub fn render_error(
        &self,
        ctx: &SiteCtx,
        status: StatusCode,
        title: &str,
        message: &str,
    ) -> Result<String> {
        #[derive(serde::Serialize)]
        struct ErrorPage<'a> {
            status: u16,
            title: &'a str,
            message: &'a str,
        }
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message,
        };
        self.render_own(ctx, "error.html", title, "-", &page)
    }

    /// A page of the site in the site's frame (`view` is the page's own view, `nav` the
    /// navigation entry it is under): the pages that are never cached (互动交流, 依申请公开,
    /// 在线办理, search) and the error page.
    pub fn render_own(
        &self,
        ctx: &SiteCtx,
        template: &str,
        title: &str,
        nav: &str,
        view: &impl serde::Serialize,
    ) -> Result<String> {
        let page = view::Framed {
            site: SiteView::of(ctx),
            page_title: title,
            nav_current: nav,
            view,
        };
        self.render_html(ctx, template, &page)
    }

    /// Renders a cacheable page: each kind in its own file of this folder.
    pub async fn render(&self, ctx: &SiteCtx, route: &Route, host: &str) -> Result<Rendered> {
        match route {
            Route::Home => self.render_home(ctx).await,
            Route::Column { path, page } => self.render_column(ctx, path, *page).await,
            Route::Article(id) => self.render_article(ctx, *id).await,
            Route::Catalogue { filter, page } => self.render_catalogue(ctx, filter, *page).await,
            Route::Services { filter, before } => self.render_services(ctx, filter, *before).await,
            Route::Data(page) => self.render_data(ctx, *page, host).await,
            Route::Sitemap => self.render_sitemap(ctx, host).await,
            Route::SitemapPart(part) => self.render_sitemap_part(ctx, host, part).await,
            Route::SiteFeed => self.render_site_feed(ctx, host).await,
            Route::ColumnFeed { path } => self.render_column_feed(ctx, host, path).await,
            Route::Robots => self.render_robots(ctx, host),
            Route::ColumnNoSlash { .. }
            | Route::Search
            | Route::Letters(_)
            | Route::Static { .. }
            | Route::DataFile { .. }
            | Route::Media(_) => Err(Error::internal("route is not rendered")),
        }
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
pub(crate) mod tests {
    use super::*;

    /// A query string's parameters, as the routers take them.
    pub(crate) fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
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
