//! Statistics over the store: each column's activity, and the check indicators of every site
//! (evaluated by `zhanqun_core::checks` with an injected clock).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::checks::{Activity, Finding, Interaction, Thresholds, evaluate};
use zhanqun_core::timeliness::Deadlines;
use zhanqun_core::*;

use crate::{Store, fetch};

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

/// Check results in the order every list shows them: failing sites first, then by how many
/// findings, then by site code.
pub fn order(checks: &mut [SiteCheck]) {
    checks.sort_by(|a, b| {
        b.fails
            .cmp(&a.fails)
            .then(b.findings.len().cmp(&a.findings.len()))
            .then(a.code.cmp(&b.code))
    });
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
        // time of reprints and adopted ones (`own`, migration 0018): per column one seek on
        // each of `placements_activity` (own placements only, migration 0049: `p.own` bare, as
        // the index's condition says it, or SQLite does not see the partial index applies) and
        // `placements_reprint_column` (migration 0019), and the kept count (`column_counts`). No
        // placement is read beyond the latest of each kind.
        macro_rules! activity_sql {
            ($columns:literal) => {
                concat!(
                    "SELECT c.id, ",
                    "(SELECT MAX(p.sort_at) FROM placements p WHERE p.column_id = c.id AND p.live ",
                    "AND p.own AND p.sort_at <= $1), ",
                    "(SELECT MAX(p.placed_at) FROM placements p WHERE p.column_id = c.id AND p.live ",
                    "AND NOT p.own AND p.placed_at <= $1), ",
                    "COALESCE((SELECT k.n FROM column_counts k WHERE k.column_id = c.id), 0) ",
                    "FROM columns c WHERE ", $columns
                )
            };
        }
        let sql = match site {
            Some(_) => activity_sql!("c.site_id = $2"),
            None => activity_sql!("$2 = 0"),
        };
        type Row = (i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>, i64);
        let rows: Vec<Row> = fetch!(
            self,
            pool all,
            sqlx::query_as(sql)
                .bind(now)
                .bind(site.map(|s| s.0).unwrap_or(0))
        )?;
        Ok(rows
            .into_iter()
            .filter(|r| r.1.is_some() || r.2.is_some() || r.3 > 0)
            .map(|(c, own, reprint, n)| {
                (
                    ColumnId(c),
                    Activity {
                        last_update: own.max(reprint),
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
        let sites = match site {
            Some(id) => self.site(id).await?.into_iter().collect(),
            None => self.list_sites().await?,
        };
        let activity = self.column_activity(site, now).await?;
        let mut columns: HashMap<SiteId, Vec<Column>> = HashMap::new();
        let all = match site {
            Some(id) => self.columns(id).await?,
            None => self.all_columns().await?,
        };
        for c in all {
            columns.entry(c.site_id).or_default().push(c);
        }
        let mut late: HashMap<i64, usize> = HashMap::new();
        let since = now - chrono::Duration::days(30);
        let deliveries: Vec<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = match site {
            Some(id) => self
                .site_deliveries_since(id, since)
                .await?
                .into_iter()
                .map(|d| (d.site_id.0, d.source_published_at, d.placed_at))
                .collect(),
            None => self
                .delivery_times_since(since)
                .await?
                .into_iter()
                .map(|d| (d.site_id, d.source_published_at, d.placed_at))
                .collect(),
        };
        for (site_id, published, placed) in deliveries {
            if deadlines.standing(published, placed, now).is_late() {
                *late.entry(site_id).or_default() += 1;
            }
        }
        let unanswered = self.unanswered_letters(site, now).await?;
        let mut services = self.service_standings(site, &th.service_elements).await?;
        let mut out = Vec::new();
        for s in sites
            .iter()
            .filter(|s| s.status == SiteStatus::Active && site.is_none_or(|id| id == s.id))
        {
            let cols = columns.remove(&s.id).unwrap_or_default();
            let mut standing = services.remove(&s.id).unwrap_or_default();
            standing.expected = s.kind.is_portal() || standing.items > 0;
            let findings = evaluate(
                &cols,
                &|c| activity.get(&c).copied().unwrap_or_default(),
                late.get(&s.id.0).copied().unwrap_or(0),
                Interaction {
                    channel: s.letters.has_consultation_channel(),
                    unanswered: unanswered.get(&s.id).copied(),
                },
                &standing,
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
        order(&mut out);
        Ok(out)
    }
}
