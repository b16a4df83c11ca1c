//! The public pages' read paths (migrations 0014–0016): checking that what the triggers keep
//! agrees with the rows it is derived from.
//!
//! `placements.live`, `column_counts`, `site_articles`, `catalogue_counts`, `list_entries`,
//! `list_counts` and `list_months` (0040) are kept by triggers on every write, so that a page reads one index range and
//! never counts. This
//! module recomputes each of them from `articles` and `placements` the slow way and reports
//! every row that differs: the story tests run it after every kind of write, and an operator
//! can run it on a live store (`zhanqun` has no repair: a difference is a bug to report).

use crate::{Pool, Store};
use zhanqun_core::*;

/// Rows that differ between a kept read path and its source, per table. All zero is healthy.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadPathDrift {
    /// Placements whose `live` is not their article's published state, or whose `own` is
    /// not whether the article belongs to the placement's site.
    pub placements_live: i64,
    /// Columns whose kept count of published placements is wrong.
    pub column_counts: i64,
    /// (site, article) pairs missing, extra or stale in `site_articles`.
    pub site_articles: i64,
    /// (site, topic, organ, year) groups whose kept count is wrong.
    pub catalogue_counts: i64,
    /// (list, placement) entries missing, extra or stale in `list_entries`.
    pub list_entries: i64,
    /// Lists whose kept count of published entries is wrong.
    pub list_counts: i64,
    /// (list, pinned, month) groups whose kept count of published entries is wrong.
    pub list_months: i64,
    /// Service items whose `live` is not "article published and site active", or whose
    /// `unit_name` is not their article's unit's.
    pub service_items: i64,
}

impl ReadPathDrift {
    pub fn is_clean(&self) -> bool {
        *self == ReadPathDrift::default()
    }
}

/// `a EXCEPT b` and `b EXCEPT a`, counted.
fn symmetric(a: &str, b: &str) -> String {
    format!(
        "SELECT (SELECT COUNT(*) FROM ({a} EXCEPT {b}) x) + (SELECT COUNT(*) FROM ({b} EXCEPT {a}) y)"
    )
}

const LIVE: &str = "SELECT COUNT(*) FROM placements p JOIN articles a ON a.id = p.article_id \
                    WHERE p.live <> (a.status = 'published') OR p.own <> (a.site_id = p.site_id)";
const SERVICE_ITEMS: &str = "SELECT COUNT(*) FROM service_items si JOIN articles a ON a.id = si.article_id \
     JOIN sites s ON s.id = si.site_id LEFT JOIN units u ON u.id = a.unit_id \
     WHERE si.live <> (a.status = 'published' AND s.status = 'active') OR si.unit_name <> COALESCE(u.name, '')";
const COLUMNS_KEPT: &str = "SELECT column_id, n FROM column_counts WHERE n <> 0";
const COLUMNS_SOURCE: &str =
    "SELECT column_id, COUNT(*) FROM placements WHERE live GROUP BY column_id";
const SHOWN_KEPT: &str = "SELECT site_id, article_id, live, disclosure, sort_at, topic, organ, year, \
                          updated_at FROM site_articles";
const LIST_KEPT: &str = "SELECT list_id, placement_id, column_id, site_id, article_id, pinned, sort_at, live FROM list_entries";
/// Each placement under its column and every ancestor, walked with a recursive query (the
/// kept table uses the four-level `column_lineage` view).
const LIST_SOURCE: &str = "SELECT l.list_id, p.id, p.column_id, p.site_id, p.article_id, p.pinned, p.sort_at, \
     a.status = 'published' FROM placements p JOIN articles a ON a.id = p.article_id \
     JOIN (WITH RECURSIVE up(column_id, list_id) AS (SELECT id, id FROM columns \
           UNION ALL SELECT up.column_id, c.parent_id FROM up JOIN columns c ON c.id = up.list_id \
           WHERE c.parent_id IS NOT NULL) SELECT column_id, list_id FROM up) l ON l.column_id = p.column_id";
const LIST_COUNTS_KEPT: &str = "SELECT list_id, n FROM list_counts WHERE n <> 0";
const LIST_COUNTS_SOURCE: &str =
    "SELECT list_id, COUNT(*) FROM list_entries WHERE live GROUP BY list_id";
const LIST_MONTHS_KEPT: &str = "SELECT list_id, pinned, month, n FROM list_months WHERE n <> 0";
/// The rows `list_months` should hold; `month` is the backend's `YYYY-MM` of `sort_at`.
fn list_months_source(month: &str) -> String {
    format!(
        "SELECT list_id, pinned, {month}, COUNT(*) FROM list_entries WHERE live \
         GROUP BY list_id, pinned, {month}"
    )
}
const CATALOGUE_KEPT: &str =
    "SELECT site_id, topic, organ, year, n FROM catalogue_counts WHERE n <> 0";
const CATALOGUE_SOURCE: &str = "SELECT site_id, topic, organ, year, COUNT(*) FROM site_articles \
                                WHERE live AND disclosure GROUP BY site_id, topic, organ, year";

/// The rows `site_articles` should hold; `year` is the backend's year of a date.
fn shown_source(year: &str) -> String {
    format!(
        "SELECT DISTINCT p.site_id, a.id, a.status = 'published', a.is_disclosure, a.published_at, \
         COALESCE(a.topic, ''), COALESCE(a.issuing_organ, ''), {year}, a.updated_at \
         FROM placements p JOIN articles a ON a.id = p.article_id"
    )
}

impl Store {
    /// Recomputes the kept read paths from their sources and counts the rows that differ.
    /// Reads whole tables: for tests and operators, never for a page.
    pub async fn read_path_drift(&self) -> Result<ReadPathDrift> {
        let (year, month) = match &self.pool {
            Pool::Sqlite(_) => (
                "CAST(substr(a.publish_date, 1, 4) AS INTEGER)",
                "substr(sort_at, 1, 7)",
            ),
            Pool::Pg(_) => (
                "EXTRACT(YEAR FROM a.publish_date)::INTEGER",
                "to_char(sort_at AT TIME ZONE 'UTC', 'YYYY-MM')",
            ),
        };
        let queries = [
            LIVE.to_string(),
            symmetric(COLUMNS_KEPT, COLUMNS_SOURCE),
            symmetric(SHOWN_KEPT, &shown_source(year)),
            symmetric(CATALOGUE_KEPT, CATALOGUE_SOURCE),
            symmetric(LIST_KEPT, LIST_SOURCE),
            symmetric(LIST_COUNTS_KEPT, LIST_COUNTS_SOURCE),
            symmetric(LIST_MONTHS_KEPT, &list_months_source(month)),
            SERVICE_ITEMS.to_string(),
        ];
        let mut n = [0_i64; 8];
        for (slot, sql) in n.iter_mut().zip(queries) {
            *slot = crate::fetch!(self, one, sqlx::query_scalar(sqlx::AssertSqlSafe(sql)))?;
        }
        Ok(ReadPathDrift {
            placements_live: n[0],
            column_counts: n[1],
            site_articles: n[2],
            catalogue_counts: n[3],
            list_entries: n[4],
            list_counts: n[5],
            list_months: n[6],
            service_items: n[7],
        })
    }
}
