//! Visits in the store: the day's salt, flushing a node's counts, and reading them back.
//!
//! A flush is one transaction. Page views are added (`views = views + n`); each (site, day)
//! row is upserted first — which locks it on PostgreSQL and takes SQLite's write lock — and its
//! stored sketch is then read, merged with the node's and written back, so several nodes'
//! flushes of the same day merge instead of overwriting each other. Rows are written in key
//! order, so two nodes never wait on each other in opposite orders.

use crate::BeginWrite;
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use zhanqun_core::visits::{PageKind, Sketch, VisitBatch};
use zhanqun_core::*;

use crate::{Store, db_err, fetch, on_pool};

/// A day's views and (estimated) unique visitors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VisitDay {
    pub day: NaiveDate,
    pub views: i64,
    pub visitors: i64,
}

/// Views and unique visitors over a period (the visitors are a merge, not a sum).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VisitTotals {
    pub views: i64,
    pub visitors: i64,
}

/// Views of one page over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageViews {
    pub kind: String,
    pub target_id: i64,
    pub views: i64,
}

fn day_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| Error::internal(format!("stored visit day {s:?}: {e}")))
}

fn read_sketch(bytes: Option<Vec<u8>>) -> Result<Sketch> {
    match bytes {
        Some(b) => Sketch::from_bytes(&b),
        None => Ok(Sketch::new()),
    }
}

impl Store {
    /// The random salt of visitor keys for `day`, the same on every node: created by the first
    /// node to ask. Salts older than yesterday are deleted, so old keys can't be recomputed.
    pub async fn visit_salt(&self, day: NaiveDate) -> Result<[u8; 16]> {
        let fresh = uuid::Uuid::new_v4().into_bytes().to_vec();
        let d = day_str(day);
        let old = day_str(day - Duration::days(1));
        let salt: Vec<u8> = on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO visit_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING",
            )
            .bind(&d)
            .bind(&fresh)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query("DELETE FROM visit_salts WHERE day < $1")
                .bind(&old)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let (salt,): (Vec<u8>,) = sqlx::query_as("SELECT salt FROM visit_salts WHERE day = $1")
                .bind(&d)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(salt)
        })?;
        salt.try_into()
            .map_err(|_| Error::internal("stored visit salt is not 16 bytes"))
    }

    /// Adds a node's counts since its last flush, in one transaction.
    pub async fn record_visits(&self, batch: &VisitBatch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        // The province's days: every site's sketch of the day merged (a person who visits two
        // sites is one visitor of the province).
        let mut province: BTreeMap<NaiveDate, (u64, Sketch)> = BTreeMap::new();
        for ((_, day), c) in &batch.days {
            let e = province.entry(*day).or_default();
            e.0 += c.views;
            e.1.merge(&c.visitors)?;
        }
        let sketches: Vec<Vec<u8>> = batch
            .days
            .values()
            .map(|c| c.visitors.to_bytes())
            .collect::<Result<_>>()?;
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            for ((site, day, kind, target), n) in &batch.pages {
                sqlx::query(
                    "INSERT INTO visit_pages (site_id, day, kind, target_id, views) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (site_id, day, kind, target_id) DO UPDATE SET views = visit_pages.views + excluded.views",
                )
                .bind(site.0)
                .bind(day_str(*day))
                .bind(kind.as_str())
                .bind(target)
                .bind(*n as i64)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            for (((site, day), c), mine) in batch.days.iter().zip(&sketches) {
                let d = day_str(*day);
                // The upsert locks the row; the sketch is then merged under that lock.
                sqlx::query(
                    "INSERT INTO visit_days (site_id, day, views, sketch) VALUES ($1, $2, $3, NULL) \
                     ON CONFLICT (site_id, day) DO UPDATE SET views = visit_days.views + excluded.views",
                )
                .bind(site.0)
                .bind(&d)
                .bind(c.views as i64)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                let (stored,): (Option<Vec<u8>>,) =
                    sqlx::query_as("SELECT sketch FROM visit_days WHERE site_id = $1 AND day = $2")
                        .bind(site.0)
                        .bind(&d)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_err)?;
                let bytes = match stored {
                    None => mine.clone(),
                    Some(b) => {
                        let mut s = Sketch::from_bytes(&b)?;
                        s.merge(&c.visitors)?;
                        s.to_bytes()?
                    }
                };
                sqlx::query("UPDATE visit_days SET sketch = $1 WHERE site_id = $2 AND day = $3")
                    .bind(bytes)
                    .bind(site.0)
                    .bind(&d)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            for (day, (views, sketch)) in &province {
                let d = day_str(*day);
                sqlx::query(
                    "INSERT INTO visit_province_days (day, views, sketch) VALUES ($1, $2, NULL) \
                     ON CONFLICT (day) DO UPDATE SET views = visit_province_days.views + excluded.views",
                )
                .bind(&d)
                .bind(*views as i64)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                let (stored,): (Option<Vec<u8>>,) =
                    sqlx::query_as("SELECT sketch FROM visit_province_days WHERE day = $1")
                        .bind(&d)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_err)?;
                let mut s = read_sketch(stored)?;
                s.merge(sketch)?;
                sqlx::query("UPDATE visit_province_days SET sketch = $1 WHERE day = $2")
                    .bind(s.to_bytes()?)
                    .bind(&d)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(())
        })
    }

    /// Views and unique visitors per day from `from` to `to` (inclusive), of one site or (None)
    /// the whole province; days without visits are left out.
    pub async fn visit_days(
        &self,
        site: Option<SiteId>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<VisitDay>> {
        let rows: Vec<(String, i64, Option<Vec<u8>>)> = on_pool!(self, |p| {
            match site {
                Some(s) => sqlx::query_as(
                    "SELECT day, views, sketch FROM visit_days \
                     WHERE site_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
                )
                .bind(s.0)
                .bind(day_str(from))
                .bind(day_str(to))
                .fetch_all(p)
                .await
                .map_err(db_err),
                None => sqlx::query_as(
                    "SELECT day, views, sketch FROM visit_province_days \
                     WHERE day >= $1 AND day <= $2 ORDER BY day",
                )
                .bind(day_str(from))
                .bind(day_str(to))
                .fetch_all(p)
                .await
                .map_err(db_err),
            }
        })?;
        rows.into_iter()
            .map(|(day, views, sketch)| {
                Ok(VisitDay {
                    day: parse_day(&day)?,
                    views,
                    visitors: read_sketch(sketch)?.estimate() as i64,
                })
            })
            .collect()
    }

    /// Views and unique visitors over a period: the days' sketches merged.
    pub async fn visit_totals(
        &self,
        site: Option<SiteId>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<VisitTotals> {
        let rows: Vec<(i64, Option<Vec<u8>>)> = on_pool!(self, |p| {
            match site {
                Some(s) => sqlx::query_as(
                    "SELECT views, sketch FROM visit_days WHERE site_id = $1 AND day >= $2 AND day <= $3",
                )
                .bind(s.0)
                .bind(day_str(from))
                .bind(day_str(to))
                .fetch_all(p)
                .await
                .map_err(db_err),
                None => sqlx::query_as(
                    "SELECT views, sketch FROM visit_province_days WHERE day >= $1 AND day <= $2",
                )
                .bind(day_str(from))
                .bind(day_str(to))
                .fetch_all(p)
                .await
                .map_err(db_err),
            }
        })?;
        let mut all = Sketch::new();
        let mut views = 0;
        for (v, s) in rows {
            views += v;
            if let Some(b) = s {
                all.merge(&Sketch::from_bytes(&b)?)?;
            }
        }
        Ok(VisitTotals {
            views,
            visitors: all.estimate() as i64,
        })
    }

    /// Views per site over a period (province overview), by site id.
    pub async fn views_by_site(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<SiteId, i64>> {
        let rows: Vec<(i64, i64)> = fetch!(
            self,
            pool all,
            sqlx::query_as(
                "SELECT site_id, CAST(SUM(views) AS BIGINT) FROM visit_days \
                 WHERE day >= $1 AND day <= $2 GROUP BY site_id",
            )
            .bind(day_str(from))
            .bind(day_str(to))
        )?;
        Ok(rows.into_iter().map(|(s, v)| (SiteId(s), v)).collect())
    }

    /// Views of a site's pages over a period, most viewed first (at most `limit`); `kind`
    /// narrows to one kind of page.
    pub async fn page_views(
        &self,
        site: SiteId,
        kind: Option<PageKind>,
        from: NaiveDate,
        to: NaiveDate,
        limit: i64,
    ) -> Result<Vec<PageViews>> {
        let rows: Vec<(String, i64, i64)> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT kind, target_id, CAST(SUM(views) AS BIGINT) AS v FROM visit_pages \
                 WHERE site_id = $1 AND ($2 IS NULL OR kind = $2) AND day >= $3 AND day <= $4 \
                 GROUP BY kind, target_id ORDER BY v DESC, kind, target_id LIMIT $5",
            )
            .bind(site.0)
            .bind(kind.map(|k| k.as_str()))
            .bind(day_str(from))
            .bind(day_str(to))
            .bind(limit)
        )?;
        Ok(rows
            .into_iter()
            .map(|(kind, target_id, views)| PageViews {
                kind,
                target_id,
                views,
            })
            .collect())
    }
}

impl Store {
    /// Views of one page (a column or an article; target 0 for the home page) per day.
    pub async fn page_views_by_day(
        &self,
        site: SiteId,
        kind: PageKind,
        target: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, i64)>> {
        let rows: Vec<(String, i64)> = fetch!(self, all, sqlx::query_as(
                "SELECT day, views FROM visit_pages \
                 WHERE site_id = $1 AND kind = $2 AND target_id = $3 AND day >= $4 AND day <= $5 ORDER BY day",
            )
            .bind(site.0)
            .bind(kind.as_str())
            .bind(target)
            .bind(day_str(from))
            .bind(day_str(to)))?;
        rows.into_iter()
            .map(|(d, v)| Ok((parse_day(&d)?, v)))
            .collect()
    }
}
