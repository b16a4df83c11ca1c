//! Bulk loading of published articles: the national benchmark fixture and, later, site imports.
//!
//! A bulk load writes many articles of many sites in one transaction with multi-row statements
//! (a few hundred rows each) instead of five statements an article: index numbers are taken from
//! each site's counter once per load, and the change log gets one [`Change::All`] for the whole
//! load instead of one row an article. What it writes is exactly what editors' publishing writes
//! (an article row, its placements, a service item's guide), so every page reads it the same way.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use zhanqun_core::{ColumnId, Error, IndexPattern, Result, SiteCode, SiteId};

use crate::input::ArticleInput;
use crate::{BeginWrite, Change, Store, db_err, log_change, now, on_pool};

/// One article of a bulk load: published, owned by `site`, shown in `columns` of that site and
/// in `elsewhere` (other sites' columns, as a reprint places it).
#[derive(Debug, Clone)]
pub struct BulkArticle {
    pub site: SiteId,
    pub input: ArticleInput,
    pub columns: Vec<ColumnId>,
    pub elsewhere: Vec<(SiteId, ColumnId)>,
}

/// Rows per multi-row statement: 26 binds a row stays under SQLite's 32,766 and PostgreSQL's
/// 65,535 bind limits.
const ROWS: usize = 500;

/// An article row ready to insert.
struct Row<'a> {
    site: SiteId,
    index_number: String,
    input: &'a ArticleInput,
    published_at: DateTime<Utc>,
    home_column: Option<ColumnId>,
}

impl Store {
    /// Writes `items` in one transaction (all or none) and returns how many articles were
    /// written. Every column must belong to the site it is given for; articles must be marked
    /// published and pass the same checks as an editor's. Listeners hear one [`Change::All`].
    pub async fn bulk_load(&self, items: &[BulkArticle]) -> Result<usize> {
        for it in items {
            it.input.check()?;
            if !it.input.published {
                return Err(Error::invalid(format!(
                    "批量载入只接受已发布的信息：“{}”",
                    it.input.title
                )));
            }
            if it.columns.is_empty() {
                return Err(Error::invalid(format!(
                    "信息“{}”没有指定栏目",
                    it.input.title
                )));
            }
        }
        let ts = now();
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            // Which site each column belongs to, and each site's index-number pattern.
            let columns: Vec<(i64, i64)> = sqlx::query_as("SELECT id, site_id FROM columns")
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
            let owner: HashMap<i64, i64> = columns.into_iter().collect();
            let placed = |site: SiteId, col: ColumnId| -> Result<()> {
                match owner.get(&col.0) {
                    Some(s) if *s == site.0 => Ok(()),
                    _ => Err(Error::invalid(format!("栏目 {col} 不属于网站 {site}"))),
                }
            };
            for it in items {
                for c in &it.columns {
                    placed(it.site, *c)?;
                }
                for (s, c) in &it.elsewhere {
                    placed(*s, *c)?;
                }
            }
            let mut patterns: HashMap<i64, (SiteCode, IndexPattern)> = HashMap::new();
            let mut serials: HashMap<(i64, String), i64> = HashMap::new();
            let mut rows = Vec::with_capacity(items.len());
            for it in items {
                if let Entry::Vacant(slot) = patterns.entry(it.site.0) {
                    let (code, pattern): (String, String) =
                        sqlx::query_as("SELECT code, index_pattern FROM sites WHERE id = $1")
                            .bind(it.site.0)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(db_err)?
                            .ok_or_else(|| Error::not_found(format!("网站 {} 不存在", it.site)))?;
                    let counters: Vec<(String, i64)> = sqlx::query_as(
                        "SELECT period, last_serial FROM index_counters WHERE site_id = $1",
                    )
                    .bind(it.site.0)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    for (period, last) in counters {
                        serials.insert((it.site.0, period), last);
                    }
                    slot.insert((SiteCode::parse(&code)?, IndexPattern::parse(&pattern)?));
                }
                let (code, pattern) = &patterns[&it.site.0];
                let published_at = it.input.published_at.unwrap_or(ts);
                let date = published_at.date_naive();
                let serial = serials
                    .entry((it.site.0, pattern.period(date)))
                    .or_insert(0);
                *serial += 1;
                rows.push(Row {
                    site: it.site,
                    index_number: pattern.format(code, date, *serial as u64),
                    input: &it.input,
                    published_at,
                    home_column: it.columns.first().copied(),
                });
            }

            // Articles, a chunk at a time; ids come back with their (unique) index numbers.
            let mut ids: HashMap<String, i64> = HashMap::with_capacity(rows.len());
            for chunk in rows.chunks(ROWS) {
                let mut q = QueryBuilder::new(concat!(
                    "INSERT INTO articles (site_id, unit_id, index_number, title, subtitle, summary, author, source, ",
                    "source_url, body_html, status, publish_date, published_at, is_disclosure, doc_number, ",
                    "written_date, issuing_organ, validity, topic, interprets_id, created_at, updated_at, ",
                    "home_column_id, created_by, revision, cover_url) "
                ));
                q.push_values(chunk, |mut b, r| {
                    let d = r.input.disclosure.clone().unwrap_or_default();
                    b.push_bind(r.site.0)
                        .push_bind(r.input.unit.map(|u| u.0))
                        .push_bind(r.index_number.clone())
                        .push_bind(r.input.title.trim().to_string())
                        .push_bind(r.input.subtitle.clone())
                        .push_bind(r.input.summary.clone())
                        .push_bind(r.input.author.clone())
                        .push_bind(r.input.source.clone())
                        .push_bind(r.input.source_url.clone())
                        .push_bind(r.input.body_html.clone())
                        .push_bind("published")
                        .push_bind(r.published_at.date_naive())
                        .push_bind(r.published_at)
                        .push_bind(r.input.disclosure.is_some())
                        .push_bind(d.doc_number)
                        .push_bind(d.written_date)
                        .push_bind(d.issuing_organ)
                        .push_bind(d.validity.map(|v| v.as_str()))
                        .push_bind(d.topic)
                        .push_bind(r.input.interprets.map(|a| a.0))
                        .push_bind(ts)
                        .push_bind(ts)
                        .push_bind(r.home_column.map(|c| c.0))
                        .push_bind(None::<i64>)
                        .push_bind(0_i64)
                        .push_bind(r.input.cover_url.clone());
                });
                q.push(" RETURNING id, index_number");
                let back: Vec<(i64, String)> = q
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db_err)?;
                ids.extend(back.into_iter().map(|(id, n)| (n, id)));
            }

            // Placements: the site's own columns, then the other sites'.
            let mut placements: Vec<(i64, i64, i64, DateTime<Utc>)> = Vec::new();
            for (it, r) in items.iter().zip(&rows) {
                let id = *ids
                    .get(&r.index_number)
                    .ok_or_else(|| Error::internal("bulk load: an article id is missing"))?;
                for c in &it.columns {
                    placements.push((id, it.site.0, c.0, r.published_at));
                }
                for (s, c) in &it.elsewhere {
                    placements.push((id, s.0, c.0, r.published_at));
                }
            }
            for chunk in placements.chunks(ROWS) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO placements (article_id, site_id, column_id, pinned, sort_at, placed_at) ",
                );
                q.push_values(chunk, |mut b, (article, site, column, at)| {
                    b.push_bind(*article)
                        .push_bind(*site)
                        .push_bind(*column)
                        .push_bind(false)
                        .push_bind(*at)
                        // An archive's placements were made when the article came out: the
                        // statistics and the check count a reprint from when it was placed.
                        .push_bind(*at);
                });
                q.build().execute(&mut *tx).await.map_err(db_err)?;
            }

            // Service items' guides, as an editor's save writes them (`save_guide`).
            type Guide<'g> = (
                i64,
                i64,
                &'g zhanqun_core::service::ServiceGuide,
                (i64, String),
            );
            let mut guides: Vec<Guide> = Vec::new();
            for (it, r) in items.iter().zip(&rows) {
                if let Some(g) = &it.input.service {
                    let kept = crate::services::kept(&it.input.title, g);
                    guides.push((ids[&r.index_number], it.site.0, g, kept));
                }
            }
            for chunk in guides.chunks(ROWS) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO service_items (article_id, site_id, theme, audience, item_type, guide, elements, media_links) ",
                );
                let mut bad = None;
                q.push_values(chunk, |mut b, (article, site, g, (elements, links))| {
                    let json = serde_json::to_string(g).unwrap_or_else(|e| {
                        bad = Some(e.to_string());
                        String::new()
                    });
                    b.push_bind(*article)
                        .push_bind(*site)
                        .push_bind(g.theme.clone())
                        .push_bind(g.audience.as_str())
                        .push_bind(g.item_type.clone())
                        .push_bind(json)
                        .push_bind(*elements)
                        .push_bind(links.clone());
                });
                if let Some(e) = bad {
                    return Err(Error::internal(format!("bulk load: guide: {e}")));
                }
                q.build().execute(&mut *tx).await.map_err(db_err)?;
            }

            // The counters end where the load left them, so later articles continue the series.
            for ((site, period), last) in &serials {
                sqlx::query(
                    "INSERT INTO index_counters (site_id, period, last_serial) VALUES ($1, $2, $3) \
                     ON CONFLICT (site_id, period) DO UPDATE SET last_serial = excluded.last_serial",
                )
                .bind(site)
                .bind(period)
                .bind(last)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            log_change!(self, tx, &Change::All);
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(())
        })?;
        self.notify(Change::All);
        Ok(items.len())
    }

    /// Refreshes the planner's statistics after a load (the demo province, a bulk load).
    ///
    /// On PostgreSQL, `ANALYZE`: until autovacuum gets to a freshly loaded table (a minute or
    /// more), the planner guesses its size and chose, for the article page's "has it an
    /// interpretation" probe, a bitmap AND over every published article (4,897 index entries on the
    /// demo province) instead of the `articles_interprets` probe: 340 µs of server and postgres
    /// CPU an article page instead of 230. On SQLite, nothing: its plans here are written and
    /// checked for the planner without `sqlite_stat1` (ARCHITECTURE.md, "which index serves each
    /// page"), and statistics could move them.
    pub async fn analyze(&self) -> Result<()> {
        if let crate::Pool::Pg(p) = &self.pool {
            sqlx::query("ANALYZE").execute(p).await.map_err(db_err)?;
        }
        Ok(())
    }
}
