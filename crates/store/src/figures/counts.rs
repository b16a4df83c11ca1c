//! How many distinct articles appeared on a site, counted by the database: what a site's
//! statistics page shows of its last twelve months. Reading the year's placements as rows (some
//! 12,000 on a busy county of the national fixture) cost more than the rest of the page.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use zhanqun_core::*;

use crate::{Pool, Store, db_err, fetch, on_pool};

/// A site's appearances in `[$2, $3)`, as [`Store::publications`] counts them: its own
/// articles at their publish time, the others' at their placement on the site: the own ones by
/// `placements_site (site_id, sort_at, …)`, the others per column by `placements_reprint_column`.
const APPEARANCES: &str = "SELECT p.article_id, p.column_id, p.sort_at AS at FROM placements p \
     WHERE p.site_id = $1 AND p.live AND p.own AND p.sort_at >= $2 AND p.sort_at < $3 \
     UNION ALL \
     SELECT p.article_id, p.column_id, p.placed_at AS at FROM placements p \
     WHERE p.column_id IN (SELECT id FROM columns WHERE site_id = $1) \
     AND p.live AND NOT p.own AND p.placed_at >= $2 AND p.placed_at < $3";

/// Every site's appearances in `[$1, $2)` (its own articles at their publish time, the others'
/// at their placement), `{sites}` narrowing them to some sites.
fn every_appearance(sites: &str) -> String {
    format!(
        "SELECT site_id, article_id, sort_at AS at FROM placements \
         WHERE live AND own AND sort_at >= $1 AND sort_at < $2{sites} \
         UNION ALL \
         SELECT site_id, article_id, placed_at AS at FROM placements \
         WHERE live AND NOT own AND placed_at >= $1 AND placed_at < $2{sites}"
    )
}

/// What the province overview shows of its sites' publishing in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppearanceCounts {
    /// Distinct articles per site.
    pub sites: HashMap<SiteId, i64>,
    /// Distinct (site, article) per Beijing day.
    pub days: HashMap<NaiveDate, i64>,
}

/// Distinct articles of a site: per period, and per column and unit since two instants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteCounts {
    /// Per period `[edges[i], edges[i + 1])` of [`Store::site_counts`].
    pub periods: Vec<i64>,
    /// Per column: since `since.0`, since `since.1`.
    pub columns: HashMap<ColumnId, (i64, i64)>,
    /// Per unit (of the article): since `since.0`, since `since.1`.
    pub units: HashMap<UnitId, (i64, i64)>,
}

impl Store {
    /// Distinct articles that appeared on each site (of `sites`, or every site) in `[from, to)`,
    /// and distinct (site, article) per Beijing day: two grouped counts on the covering time
    /// indexes of migration 0019 (the province's month is some 24,000 appearances).
    pub async fn appearance_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        sites: Option<&[SiteId]>,
    ) -> Result<AppearanceCounts> {
        let narrow = match sites {
            None => String::new(),
            Some([]) => return Ok(AppearanceCounts::default()),
            Some(ids) => {
                let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 3)).collect();
                format!(" AND site_id IN ({})", marks.join(", "))
            }
        };
        let x = every_appearance(&narrow);
        let day = match &self.pool {
            Pool::Sqlite(_) => "date(at, '+8 hours')",
            Pool::Pg(_) => "CAST((at AT TIME ZONE 'Asia/Shanghai') AS DATE)",
        };
        let per_site =
            format!("SELECT site_id, COUNT(DISTINCT article_id) FROM ({x}) x GROUP BY site_id");
        let per_day = format!(
            "SELECT d, COUNT(*) FROM (SELECT DISTINCT {day} AS d, site_id, article_id FROM ({x}) x) y GROUP BY d"
        );
        let ids = sites.unwrap_or_default();
        // Two connections at once: each count sorts the period's appearances on its own.
        macro_rules! counted {
            ($sql:expr) => {
                async {
                    Ok::<_, Error>(on_pool!(self, |p| {
                        let mut q = sqlx::query_as(sqlx::AssertSqlSafe($sql))
                            .bind(from)
                            .bind(to);
                        for id in ids {
                            q = q.bind(id.0);
                        }
                        q.fetch_all(p).await.map_err(db_err)?
                    }))
                }
            };
        }
        let (by_site, by_day) = tokio::try_join!(counted!(per_site), counted!(per_day))?;
        Ok(AppearanceCounts {
            sites: by_site
                .into_iter()
                .map(|(s, n): (i64, i64)| (SiteId(s), n))
                .collect(),
            days: by_day.into_iter().collect::<HashMap<NaiveDate, i64>>(),
        })
    }

    /// Distinct articles that appeared on `site`: in each period between consecutive `edges`
    /// (ascending), and per column and per unit since each of `since` up to the last edge.
    /// Three grouped counts over the site's placements; no row per article leaves the database.
    pub async fn site_counts(
        &self,
        site: SiteId,
        edges: &[DateTime<Utc>],
        since: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<SiteCounts> {
        let (Some(first), Some(last)) = (edges.first(), edges.last()) else {
            return Err(Error::internal("site_counts: no periods"));
        };
        if edges.len() < 2 {
            return Err(Error::internal("site_counts: no periods"));
        }
        let lo = (*first).min(since.0).min(since.1);
        // The period of a row: the last edge at or before it ($4 … in descending order).
        let periods = edges.len().saturating_sub(1);
        let mut bucket = String::from("CAST(CASE");
        for i in (0..periods).rev() {
            bucket.push_str(&format!(" WHEN x.at >= ${} THEN {i}", 4 + i));
        }
        bucket.push_str(" END AS BIGINT)");
        let sql = format!(
            "SELECT {bucket} AS period, COUNT(DISTINCT x.article_id) FROM ({APPEARANCES}) x \
             WHERE x.at >= $4 GROUP BY 1"
        );
        let per_period = async {
            let rows: Vec<(Option<i64>, i64)> = on_pool!(self, |p| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(site.0)
                    .bind(lo)
                    .bind(*last);
                for e in &edges[..periods] {
                    q = q.bind(*e);
                }
                q.fetch_all(p).await.map_err(db_err)?
            });
            Ok::<_, Error>(rows)
        };
        // Per column, and per unit (of the article): since each of `since`.
        let grouped = |key: &'static str, from: &'static str| {
            let sql = format!(
                "SELECT {key}, COUNT(DISTINCT CASE WHEN x.at >= $4 THEN x.article_id END), \
                 COUNT(DISTINCT CASE WHEN x.at >= $5 THEN x.article_id END) \
                 FROM ({APPEARANCES}) x {from} GROUP BY {key}"
            );
            async move {
                let rows: Vec<(i64, i64, i64)> = fetch!(
                    self,
                    pool all,
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(site.0)
                        .bind(lo)
                        .bind(*last)
                        .bind(since.0)
                        .bind(since.1)
                )?;
                Ok::<_, Error>(rows.into_iter().map(|(k, a, b)| (k, (a, b))))
            }
        };
        // The three counts on three connections at once: each reads the site's year again.
        let (rows, columns, units) = tokio::try_join!(
            per_period,
            grouped("x.column_id", ""),
            grouped(
                "a.unit_id",
                "JOIN articles a ON a.id = x.article_id WHERE a.unit_id IS NOT NULL",
            )
        )?;
        let mut out = SiteCounts {
            periods: vec![0; periods],
            columns: columns.map(|(c, n)| (ColumnId(c), n)).collect(),
            units: units.map(|(u, n)| (UnitId(u), n)).collect(),
        };
        for (period, n) in rows {
            if let Some(slot) = period.and_then(|p| out.periods.get_mut(p as usize)) {
                *slot = n;
            }
        }
        Ok(out)
    }
}
