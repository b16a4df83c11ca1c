//! Statistics over the store: each column's activity, and the check indicators of every site
//! (evaluated by `zhanqun_core::checks` with an injected clock).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::checks::{Activity, Finding, Thresholds, evaluate};
use zhanqun_core::timeliness::Deadlines;
use zhanqun_core::*;

use crate::{Store, db_err, on_pool};

/// One site's check result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteCheck {
    pub site_id: SiteId,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub findings: Vec<Finding>,
    /// A veto indicator failed: the site fails the check.
    pub fails: bool,
}

impl Store {
    /// Every column's own activity: its newest update (the publish time of the site's own
    /// articles, the placement time of reprints and adopted articles) and its published
    /// articles, as of `now` (what is scheduled later doesn't count).
    pub async fn column_activity(
        &self,
        site: Option<SiteId>,
        now: DateTime<Utc>,
    ) -> Result<HashMap<ColumnId, Activity>> {
        // A column's last update: the publish time of its site's own articles, the placement
        // time of reprints and adopted ones (`own`, migration 0018). One site: its placements
        // by the (site_id, sort_at) index; all sites: the covering `placements_activity` index,
        // no table visited.
        let rows: Vec<(i64, Option<DateTime<Utc>>, i64)> = on_pool!(self, |p| {
            match site {
                Some(site) => sqlx::query_as(
                    "SELECT column_id, MAX(CASE WHEN own THEN sort_at ELSE placed_at END), COUNT(*) \
                     FROM placements WHERE site_id = $2 AND live AND sort_at <= $1 GROUP BY column_id",
                )
                .bind(now)
                .bind(site.0)
                .fetch_all(p)
                .await
                .map_err(db_err),
                None => sqlx::query_as(
                    "SELECT column_id, MAX(CASE WHEN own THEN sort_at ELSE placed_at END), COUNT(*) \
                     FROM placements WHERE live AND sort_at <= $1 GROUP BY column_id",
                )
                .bind(now)
                .fetch_all(p)
                .await
                .map_err(db_err),
            }
        })?;
        Ok(rows
            .into_iter()
            .map(|(c, last, n)| {
                (
                    ColumnId(c),
                    Activity {
                        last_update: last,
                        articles: n,
                    },
                )
            })
            .collect())
    }

    /// The check indicators of every active site (or one) at `now`, failing sites first. Late
    /// reprints are those of the last 30 days past `deadlines`.
    pub async fn site_checks(
        &self,
        site: Option<SiteId>,
        now: DateTime<Utc>,
        th: &Thresholds,
        deadlines: &Deadlines,
    ) -> Result<Vec<SiteCheck>> {
        let sites = self.list_sites().await?;
        let activity = self.column_activity(site, now).await?;
        let mut columns: HashMap<SiteId, Vec<Column>> = HashMap::new();
        for c in self.all_columns().await? {
            columns.entry(c.site_id).or_default().push(c);
        }
        let mut late: HashMap<i64, usize> = HashMap::new();
        for d in self
            .deliveries_since(now - chrono::Duration::days(30))
            .await?
        {
            if deadlines
                .standing(d.source_published_at, d.placed_at, now)
                .is_late()
            {
                *late.entry(d.site_id).or_default() += 1;
            }
        }
        let mut out = Vec::new();
        for s in sites
            .iter()
            .filter(|s| s.status == SiteStatus::Active && site.is_none_or(|id| id == s.id))
        {
            let cols = columns.remove(&s.id).unwrap_or_default();
            let findings = evaluate(
                &cols,
                &|c| activity.get(&c).copied().unwrap_or_default(),
                late.get(&s.id.0).copied().unwrap_or(0),
                now,
                th,
            );
            out.push(SiteCheck {
                site_id: s.id,
                code: s.code.to_string(),
                name: s.name.clone(),
                kind: s.kind.as_str().to_string(),
                fails: findings.iter().any(|f| f.veto),
                findings,
            });
        }
        // Failing sites first, then by how many findings.
        out.sort_by(|a, b| {
            b.fails
                .cmp(&a.fails)
                .then(b.findings.len().cmp(&a.findings.len()))
                .then(a.code.cmp(&b.code))
        });
        Ok(out)
    }
}
