//! Online applications (在线办理) in numbers: per site, and per unit within a site (the unit that
//! carries the item), for a period — received, accepted, refused, finished and finished within
//! the guide's 承诺办结时限, still open and past that limit now, and the mean time from
//! acceptance to the result. Aggregated in Rust over one read of the period's applications
//! (each item's guide coming once, with its first application).

use std::collections::{BTreeMap, HashMap};

use zhanqun_core::service::{ServiceGuide, TimeLimit};
use zhanqun_core::service_flow::AppState;
use zhanqun_core::timeliness::WorkCalendar;

use super::*;

/// One row of the applications' statistics: a site, or one unit of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationStat {
    pub site_id: SiteId,
    pub code: String,
    pub site: String,
    pub unit: Option<String>,
    /// Sent in the period.
    pub received: i64,
    /// Accepted (受理) in the period.
    pub accepted: i64,
    /// Refused (不予受理) in the period.
    pub refused: i64,
    /// Finished (办结) in the period, and of those within the promised limit (counted from
    /// acceptance; items whose guide states no limit that can be read are not counted either way).
    pub done: i64,
    pub on_time: i64,
    /// Open now, and of those accepted and past the promised limit.
    pub open: i64,
    pub overdue: i64,
    /// Mean calendar days from acceptance to the result, over those finished in the period.
    pub mean_days: Option<f64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    site_id: i64,
    code: String,
    site: String,
    unit: Option<String>,
    article_id: i64,
    state: String,
    submitted_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    /// The item's guide, on the first of its applications only.
    guide: Option<String>,
}

impl Store {
    /// The applications' statistics of `sites` (every site: `None`) for `[from, to)`, one row a
    /// site or, with `by_unit`, a row per unit of each site; open and overdue as of `now`, limits
    /// on `cal`. Sites without applications have no row.
    pub async fn application_stats(
        &self,
        sites: Option<&[SiteId]>,
        by_unit: bool,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        now: DateTime<Utc>,
        cal: &WorkCalendar,
    ) -> Result<Vec<ApplicationStat>> {
        let rows: Vec<Row> = fetch!(
            self,
            pool all,
            sqlx::query_as(
                "SELECT sa.site_id, s.code, s.name AS site, u.name AS unit, sa.article_id, sa.state, \
                 sa.submitted_at, sa.accepted_at, sa.finished_at, \
                 CASE WHEN ROW_NUMBER() OVER (PARTITION BY sa.article_id ORDER BY sa.id) = 1 \
                 THEN si.guide END AS guide \
                 FROM service_applications sa \
                 JOIN sites s ON s.id = sa.site_id JOIN articles a ON a.id = sa.article_id \
                 LEFT JOIN units u ON u.id = a.unit_id \
                 LEFT JOIN service_items si ON si.article_id = sa.article_id \
                 WHERE sa.state IN ('submitted', 'more_needed', 'accepted') \
                 OR (sa.submitted_at >= $1 AND sa.submitted_at < $2) \
                 OR (sa.finished_at >= $1 AND sa.finished_at < $2) \
                 OR (sa.accepted_at >= $1 AND sa.accepted_at < $2)"
            )
            .bind(from)
            .bind(to)
        )?;
        // Each item's promised limit, read from its guide (which comes with the item's first
        // application of the read).
        let limits: HashMap<i64, Option<TimeLimit>> = rows
            .iter()
            .filter(|r| r.guide.is_some())
            .map(|r| {
                let limit = r
                    .guide
                    .as_deref()
                    .and_then(|g| serde_json::from_str::<ServiceGuide>(g).ok())
                    .and_then(|g| TimeLimit::parse(&g.promised_limit));
                (r.article_id, limit)
            })
            .collect();
        let mut out: BTreeMap<(String, Option<String>), (ApplicationStat, f64)> = BTreeMap::new();
        let within = |t: Option<DateTime<Utc>>| t.is_some_and(|t| t >= from && t < to);
        for r in rows {
            if sites.is_some_and(|s| !s.contains(&SiteId(r.site_id))) {
                continue;
            }
            let limit = limits.get(&r.article_id).copied().flatten();
            let unit = if by_unit { r.unit.clone() } else { None };
            let (stat, days) = out
                .entry((r.code.clone(), unit.clone()))
                .or_insert_with(|| {
                    (
                        ApplicationStat {
                            site_id: SiteId(r.site_id),
                            code: r.code.clone(),
                            site: r.site.clone(),
                            unit,
                            received: 0,
                            accepted: 0,
                            refused: 0,
                            done: 0,
                            on_time: 0,
                            open: 0,
                            overdue: 0,
                            mean_days: None,
                        },
                        0.0,
                    )
                });
            let state = AppState::parse(&r.state)?;
            let due = |from: DateTime<Utc>| limit.map(|l| l.due(cal, from));
            if within(Some(r.submitted_at)) {
                stat.received += 1;
            }
            if within(r.accepted_at) {
                stat.accepted += 1;
            }
            match state {
                AppState::Refused if within(r.finished_at) => stat.refused += 1,
                AppState::Done if within(r.finished_at) => {
                    stat.done += 1;
                    let (Some(finished), started) =
                        (r.finished_at, r.accepted_at.unwrap_or(r.submitted_at))
                    else {
                        continue;
                    };
                    if due(started).is_some_and(|d| finished <= d) {
                        stat.on_time += 1;
                    }
                    *days += (finished - started).num_seconds() as f64 / 86_400.0;
                }
                AppState::Submitted | AppState::MoreNeeded | AppState::Accepted => {
                    stat.open += 1;
                    if let Some(accepted) = r.accepted_at
                        && state == AppState::Accepted
                        && due(accepted).is_some_and(|d| now > d)
                    {
                        stat.overdue += 1;
                    }
                }
                _ => {}
            }
        }
        Ok(out
            .into_values()
            .map(|(mut s, days)| {
                s.mean_days = (s.done > 0).then(|| days / s.done as f64);
                s
            })
            .collect())
    }
}
