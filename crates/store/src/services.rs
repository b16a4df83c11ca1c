//! 办事服务 on the store: a service item is an article with its guide in `service_items`, written
//! in the article's own transaction (so the workflow, revisions and audit are the article's);
//! the public catalogue's reads; and what the check indicator 服务不实用 reads of a site.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::service::{
    Audience, Element, ServiceGuide, ServiceStanding, present_mask, required_mask,
};
use zhanqun_core::{ArticleId, Error, Result, SiteId};

use crate::{BeginWrite, Store, db_err, fetch, on_pool};

/// Writes (or replaces) the guide of article `$id` inside the caller's transaction, when the
/// input carries one.
macro_rules! save_guide {
    ($tx:expr, $id:expr, $input:expr) => {{
        if let Some(g) = &$input.service {
            let json = serde_json::to_string(g)
                .map_err(|e| zhanqun_core::Error::internal(format!("guide: {e}")))?;
            let (elements, links) = $crate::services::kept(&$input.title, g);
            sqlx::query(
                "INSERT INTO service_items (article_id, site_id, theme, audience, item_type, guide, elements, media_links) \
                 VALUES ($1, (SELECT site_id FROM articles WHERE id = $1), $2, $3, $4, $5, $6, $7) ON CONFLICT (article_id) DO UPDATE SET \
                 theme = excluded.theme, audience = excluded.audience, item_type = excluded.item_type, \
                 guide = excluded.guide, elements = excluded.elements, media_links = excluded.media_links",
            )
            .bind($id)
            .bind(&g.theme)
            .bind(g.audience.as_str())
            .bind(&g.item_type)
            .bind(json)
            .bind(elements)
            .bind(links)
            .execute(&mut *$tx)
            .await
            .map_err($crate::db_err)?;
        }
    }};
}
pub(crate) use save_guide;

/// What is kept beside a guide for the check indicator (migration 0045): the elements it has
/// ([`present_mask`]) and its media links, one per line.
pub(crate) fn kept(title: &str, g: &ServiceGuide) -> (i64, String) {
    (present_mask(title, g), g.media_links().join("\n"))
}

/// A line of the service catalogue.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ServiceLine {
    #[sqlx(try_from = "i64")]
    pub id: ArticleId,
    #[sqlx(try_from = "i64")]
    pub site_id: SiteId,
    pub site_name: String,
    pub title: String,
    pub unit: Option<String>,
    pub theme: String,
    pub audience: String,
    pub item_type: String,
    pub published_at: DateTime<Utc>,
}

/// What a visitor narrows the catalogue by. Values are checked against [`ServiceFacets`] before
/// a page is rendered (a value no item has is a 404, never a cached page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFilter {
    pub theme: Option<String>,
    pub unit: Option<String>,
    pub audience: Option<Audience>,
}

/// The values the catalogue offers, each with how many published items have it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceFacets {
    pub themes: Vec<(String, i64)>,
    pub units: Vec<(String, i64)>,
    pub total: i64,
}

/// Published service items of one site (`$1`), or of every active site when `site` is `None`
/// (`$1` is then bound to 0 and not read). `live` and `unit_name` are kept on the item by
/// triggers (migration 0043), so that the catalogue's facets and pages read `service_items` alone
/// by its indexes; they joined articles and sites for every item in scope (147 ms a page of the
/// province-wide catalogue on the national fixture).
fn published(site: Option<SiteId>) -> &'static str {
    match site {
        Some(_) => "FROM service_items si WHERE si.site_id = $1 AND si.live = TRUE",
        None => "FROM service_items si WHERE $1 = 0 AND si.live = TRUE",
    }
}

impl Store {
    /// Fills what migration 0045 keeps beside each guide, for the items saved before it (run by
    /// [`Store::migrate`] on the partial index of migration 0046; a store migrated once has none
    /// left). A guide the store cannot read counts as lacking every element, as the check read
    /// it before. Only a value still missing is written: a save in between keeps its own.
    /// A change to what `Element::present` reads needs a migration that sets `elements` back to
    /// NULL, so that the next start computes every item again.
    pub(crate) async fn fill_service_elements(&self) -> Result<()> {
        loop {
            let rows: Vec<(i64, String, String)> = fetch!(
                self,
                all,
                sqlx::query_as(
                    "SELECT si.article_id, COALESCE((SELECT a.title FROM articles a WHERE a.id = si.article_id), ''), \
                     si.guide FROM service_items si WHERE si.elements IS NULL LIMIT 2000"
                )
            )?;
            if rows.is_empty() {
                return Ok(());
            }
            let kept: Vec<(i64, i64, String)> = rows
                .into_iter()
                .map(
                    |(id, title, json)| match serde_json::from_str::<ServiceGuide>(&json) {
                        Ok(g) => {
                            let (mask, links) = kept(&title, &g);
                            (id, mask, links)
                        }
                        Err(_) => (id, 0, String::new()),
                    },
                )
                .collect();
            on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                for (id, mask, links) in &kept {
                    sqlx::query(
                        "UPDATE service_items SET elements = $1, media_links = $2 \
                         WHERE article_id = $3 AND elements IS NULL",
                    )
                    .bind(mask)
                    .bind(links)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
                tx.commit().await.map_err(db_err)?;
            });
        }
    }

    /// The guide of article `id`, if it is a service item.
    pub async fn service_guide(&self, id: ArticleId) -> Result<Option<ServiceGuide>> {
        let json: Option<String> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT guide FROM service_items WHERE article_id = $1").bind(id.0)
        )?;
        json.map(|j| {
            serde_json::from_str(&j)
                .map_err(|e| Error::internal(format!("service item {id}: stored guide: {e}")))
        })
        .transpose()
    }

    /// The key elements a guide needs before it is sent for review or published.
    pub fn service_elements(&self) -> &[Element] {
        &self.service_elements
    }

    /// The store with another list of key elements (the `[checks] service_elements` setting).
    pub fn with_service_elements(mut self, required: &[Element]) -> Store {
        self.service_elements = std::sync::Arc::from(required);
        self
    }

    /// The store knowing where the media library keeps its files (the data directory's
    /// `media`), so that 服务不实用 counts a linked file missing on disk as broken.
    pub fn with_media_root(mut self, root: &std::path::Path) -> Store {
        self.media_root = Some(std::sync::Arc::from(root));
        self
    }

    /// The themes and departments of the published items of `site` (every site: `None`), each
    /// with its count, most items first; at most `units` departments.
    pub async fn service_facets(&self, site: Option<SiteId>, units: i64) -> Result<ServiceFacets> {
        let scope = site.map(|s| s.0).unwrap_or(0);
        let themes: Vec<(String, i64)> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT si.theme, COUNT(*) {} AND si.theme <> '' GROUP BY si.theme ORDER BY COUNT(*) DESC, si.theme",
                published(site)
            )))
            .bind(scope)
        )?;
        let units: Vec<(String, i64)> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT si.unit_name, COUNT(*) {} AND si.unit_name <> '' GROUP BY si.unit_name \
                 ORDER BY COUNT(*) DESC, si.unit_name LIMIT $2",
                published(site)
            )))
            .bind(scope)
            .bind(units)
        )?;
        let total: i64 = fetch!(
            self,
            one,
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) {}",
                published(site)
            )))
            .bind(scope)
        )?;
        Ok(ServiceFacets {
            themes,
            units,
            total,
        })
    }

    /// Whether a published item of `site` (every site: `None`) is carried by the department
    /// named `unit` (one index probe).
    pub async fn service_unit_exists(&self, site: Option<SiteId>, unit: &str) -> Result<bool> {
        let found: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT si.article_id {} AND si.unit_name = $2 LIMIT 1",
                published(site)
            )))
            .bind(site.map(|s| s.0).unwrap_or(0))
            .bind(unit)
        )?;
        Ok(found.is_some())
    }

    /// One page of the catalogue, newest first: `limit` items published before item `before`
    /// (keyset: a deep page costs what the first does). The items are found in
    /// `service_items` alone (by the index of the theme or the department when one is asked
    /// for), then joined to their articles and sites for the page's `limit` lines.
    pub async fn service_lines(
        &self,
        site: Option<SiteId>,
        filter: &ServiceFilter,
        before: Option<ArticleId>,
        limit: i64,
    ) -> Result<Vec<ServiceLine>> {
        let audiences: Vec<&str> = match filter.audience {
            None => Audience::ALL.iter().map(|a| a.as_str()).collect(),
            Some(w) => Audience::ALL
                .iter()
                .filter(|a| a.serves(w))
                .map(|a| a.as_str())
                .collect(),
        };
        // A filter not asked for still reads its parameter (bound to ''), so that the text
        // names the same parameters either way; one asked for is a plain equality the
        // planner can serve from an index (`$2 = '' OR …` would hide it).
        let theme = if filter.theme.is_some() {
            "si.theme = $2"
        } else {
            "$2 = ''"
        };
        let unit = if filter.unit.is_some() {
            "si.unit_name = $3"
        } else {
            "$3 = ''"
        };
        let sql = format!(
            "SELECT a.id, si.site_id, s.name AS site_name, a.title, NULLIF(si.unit_name, '') AS unit, \
             si.theme, si.audience, si.item_type, a.published_at \
             FROM (SELECT si.article_id, si.site_id, si.theme, si.audience, si.item_type, si.unit_name \
                   {} AND {theme} AND {unit} AND si.audience IN ($4, $5, $6) \
                   AND si.article_id < $7 ORDER BY si.article_id DESC LIMIT $8) si \
             JOIN articles a ON a.id = si.article_id JOIN sites s ON s.id = si.site_id \
             ORDER BY si.article_id DESC",
            published(site)
        );
        let pick = |i: usize| {
            audiences
                .get(i)
                .or(audiences.first())
                .copied()
                .unwrap_or("")
        };
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(site.map(|s| s.0).unwrap_or(0))
                .bind(filter.theme.as_deref().unwrap_or(""))
                .bind(filter.unit.as_deref().unwrap_or(""))
                .bind(pick(0))
                .bind(pick(1))
                .bind(pick(2))
                .bind(before.map(|b| b.0).unwrap_or(i64::MAX))
                .bind(limit)
        )
    }

    /// How many service items `site` had published before `before` (the annual report's
    /// 政务服务事项数量).
    pub async fn service_item_count(&self, site: SiteId, before: DateTime<Utc>) -> Result<i64> {
        fetch!(
            self,
            one,
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM service_items si CROSS JOIN articles a \
                 WHERE a.id = si.article_id AND si.site_id = $1 \
                 AND a.status = 'published' AND a.published_at < $2"
            )
            .bind(site.0)
            .bind(before)
        )
    }

    /// How many of `site`'s items published before `before` can be handled entirely online
    /// ([`ServiceGuide::fully_online`]; the annual report's 可全程在线办理政务服务事项数量): each
    /// guide read once, as the report asks for it.
    pub async fn service_items_fully_online(
        &self,
        site: SiteId,
        before: DateTime<Utc>,
    ) -> Result<i64> {
        let guides: Vec<String> = fetch!(
            self,
            all,
            sqlx::query_scalar(
                "SELECT si.guide FROM service_items si CROSS JOIN articles a \
                 WHERE a.id = si.article_id AND si.site_id = $1 \
                 AND a.status = 'published' AND a.published_at < $2"
            )
            .bind(site.0)
            .bind(before)
        )?;
        let mut n = 0;
        for j in &guides {
            let g: ServiceGuide = serde_json::from_str(j)
                .map_err(|e| Error::internal(format!("service guide: {e}")))?;
            n += i64::from(g.fully_online());
        }
        Ok(n)
    }

    /// What 服务不实用 reads of each site (of `site`, or of every site): its published items,
    /// those lacking a key element of `required`, and their links to files the site does not
    /// serve (not in its media library, never published, or, when the store knows the media
    /// folder, missing on disk). `expected` is left to the caller (it depends on the
    /// site's kind).
    pub async fn service_standings(
        &self,
        site: Option<SiteId>,
        required: &[Element],
    ) -> Result<HashMap<SiteId, ServiceStanding>> {
        let scope = site.map(|s| s.0).unwrap_or(0);
        let mask = required_mask(required);
        // Items per site by the covering index; then only the items that lack an element or
        // carry a link, by what is kept beside each guide (migration 0045): no guide is parsed.
        let counts: Vec<(i64, i64)> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT si.site_id, COUNT(*) {} GROUP BY si.site_id",
                published(site)
            )))
            .bind(scope)
        )?;
        // An item whose kept values are missing (saved by an older binary after the
        // migration) is read from its guide, as before.
        type Row = (i64, Option<i64>, String, Option<String>, Option<String>);
        let items: Vec<Row> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT si.site_id, si.elements, si.media_links, \
                 CASE WHEN si.elements IS NULL OR (si.elements & $2) <> $2 THEN \
                 COALESCE((SELECT a.title FROM articles a WHERE a.id = si.article_id), '') END, \
                 CASE WHEN si.elements IS NULL THEN si.guide END \
                 {} AND (si.elements IS NULL OR (si.elements & $2) <> $2 OR si.media_links <> '')",
                published(site)
            )))
            .bind(scope)
            .bind(mask)
        )?;
        let served: Vec<(i64, String)> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT m.site_id, m.storage_name FROM media m \
                 WHERE m.published_at IS NOT NULL AND ($1 = 0 OR m.site_id = $1) \
                 AND m.site_id IN (SELECT site_id FROM service_items)"
            )
            .bind(scope)
        )?;
        let served: HashSet<(i64, String)> = served.into_iter().collect();
        let mut out: HashMap<SiteId, ServiceStanding> = HashMap::new();
        let mut published_links: Vec<(i64, String)> = Vec::new();
        for (site, n) in counts {
            out.entry(SiteId(site)).or_default().items = n as usize;
        }
        for (site, elements, links, title, guide) in items {
            let s = out.entry(SiteId(site)).or_default();
            let title = title.unwrap_or_default();
            let (elements, links) = match (elements, guide) {
                (Some(e), _) => (e, links),
                (None, guide) => guide
                    .and_then(|j| serde_json::from_str::<ServiceGuide>(&j).ok())
                    .map(|g| kept(&title, &g))
                    .unwrap_or_default(),
            };
            if elements & mask != mask {
                s.incomplete.push(title);
            }
            for l in links.lines() {
                let name = l.trim_start_matches("/media/").to_string();
                if served.contains(&(site, name.clone())) {
                    published_links.push((site, name));
                } else {
                    s.broken_links += 1;
                }
            }
        }
        // Published files whose file is not on disk (when the store knows the media folder),
        // looked for off the async threads, all in one go.
        if let Some(root) = self.media_root.clone() {
            let gone = tokio::task::spawn_blocking(move || {
                published_links
                    .into_iter()
                    .filter(|(site, name)| !root.join(site.to_string()).join(name).is_file())
                    .map(|(site, _)| site)
                    .collect::<Vec<i64>>()
            })
            .await
            .map_err(|e| Error::internal(format!("media check: {e}")))?;
            for site in gone {
                out.entry(SiteId(site)).or_default().broken_links += 1;
            }
        }
        Ok(out)
    }
}
