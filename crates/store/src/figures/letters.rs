//! Letters from the public in numbers: per site, and per unit within a site, for a period —
//! received, answered (on time or not), still open and overdue, the mean time to answer and the
//! writers' satisfaction; and the annual report's figures. Merged and invalid letters are left
//! out everywhere. Aggregated in Rust over one read of the period's letters, so every view counts
//! the same way.

use std::collections::BTreeMap;

use super::*;

/// A site's letters of a period, as the annual report counts them: received, answered in the
/// period, their mean time to answer in days, and the answers published.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LetterFigures {
    pub received: i64,
    pub answered: i64,
    pub mean_days: Option<f64>,
    pub published: i64,
}

/// One row of the letters' statistics: a site, or one unit of it (`unit` none: the site's
/// office answered itself, or the letter is not assigned yet).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LetterStat {
    pub site_id: SiteId,
    pub code: String,
    pub site: String,
    pub unit: Option<String>,
    pub received: i64,
    pub answered: i64,
    pub on_time: i64,
    /// Still open now, and of those past their deadline.
    pub open: i64,
    pub overdue: i64,
    pub mean_days: Option<f64>,
    /// The same in working days of the platform's calendar (the days the deadlines count).
    pub mean_working_days: Option<f64>,
    pub rated: i64,
    pub mean_rating: Option<f64>,
}

#[derive(sqlx::FromRow)]
struct StatRow {
    site_id: i64,
    code: String,
    site: String,
    unit: Option<String>,
    state: String,
    received_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    replied_at: Option<DateTime<Utc>>,
    rating: Option<i64>,
}

/// A row being summed: the stat, its answers' days, their working days and the ratings.
type Summing = (LetterStat, f64, u64, i64);

impl Store {
    /// The letter figures of `site` for `[from, to)`.
    pub async fn letter_figures(
        &self,
        site: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<LetterFigures> {
        let rows: Vec<(DateTime<Utc>, Option<DateTime<Utc>>, bool)> = fetch!(
            self,
            pool all,
            sqlx::query_as(
                "SELECT received_at, replied_at, public FROM letters WHERE site_id = $1 \
                 AND state NOT IN ('merged', 'invalid') \
                 AND ((received_at >= $2 AND received_at < $3) OR (replied_at >= $2 AND replied_at < $3))"
            )
            .bind(site.0)
            .bind(from)
            .bind(to)
        )?;
        let mut f = LetterFigures::default();
        let mut days = 0.0;
        for (received, replied, public) in rows {
            if received >= from && received < to {
                f.received += 1;
            }
            if let Some(r) = replied.filter(|r| *r >= from && *r < to) {
                f.answered += 1;
                days += (r - received).num_seconds() as f64 / 86_400.0;
                if public {
                    f.published += 1;
                }
            }
        }
        f.mean_days = (f.answered > 0).then(|| days / f.answered as f64);
        Ok(f)
    }

    /// The letters' statistics of `sites` (every site: `None`) for `[from, to)`, one row a site
    /// or, with `by_unit`, a row per unit of each site; open and overdue as of `now`; the mean
    /// time to answer in calendar days and in working days of `cal`. Sites without letters have
    /// no row.
    pub async fn letter_stats(
        &self,
        sites: Option<&[SiteId]>,
        by_unit: bool,
        cal: &zhanqun_core::timeliness::WorkCalendar,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<LetterStat>> {
        let rows: Vec<StatRow> = fetch!(
            self,
            pool all,
            sqlx::query_as(
                "SELECT l.site_id, s.code, s.name AS site, u.name AS unit, l.state, l.received_at, \
                 l.due_at, l.replied_at, l.rating FROM letters l JOIN sites s ON s.id = l.site_id \
                 LEFT JOIN units u ON u.id = l.unit_id \
                 WHERE l.state NOT IN ('merged', 'invalid') AND (l.state IN ('received', 'assigned', 'drafted') \
                 OR (l.received_at >= $1 AND l.received_at < $2) OR (l.replied_at >= $1 AND l.replied_at < $2))"
            )
            .bind(from)
            .bind(to)
        )?;
        let mut out: BTreeMap<(String, Option<String>), Summing> = BTreeMap::new();
        for r in rows {
            if sites.is_some_and(|s| !s.contains(&SiteId(r.site_id))) {
                continue;
            }
            let unit = if by_unit { r.unit.clone() } else { None };
            let (stat, days, working, ratings) = out
                .entry((r.code.clone(), unit.clone()))
                .or_insert_with(|| {
                    (
                        LetterStat {
                            site_id: SiteId(r.site_id),
                            code: r.code.clone(),
                            site: r.site.clone(),
                            unit,
                            received: 0,
                            answered: 0,
                            on_time: 0,
                            open: 0,
                            overdue: 0,
                            mean_days: None,
                            mean_working_days: None,
                            rated: 0,
                            mean_rating: None,
                        },
                        0.0,
                        0,
                        0,
                    )
                });
            if r.received_at >= from && r.received_at < to {
                stat.received += 1;
            }
            let open = zhanqun_core::letter_flow::LetterState::parse(&r.state)?.is_open();
            if open {
                stat.open += 1;
                if now > r.due_at {
                    stat.overdue += 1;
                }
            }
            if let Some(at) = r.replied_at.filter(|t| *t >= from && *t < to) {
                stat.answered += 1;
                if at <= r.due_at {
                    stat.on_time += 1;
                }
                *days += (at - r.received_at).num_seconds() as f64 / 86_400.0;
                *working += u64::from(cal.working_days_between(
                    zhanqun_core::beijing::day(r.received_at),
                    zhanqun_core::beijing::day(at),
                ));
                if let Some(n) = r.rating {
                    stat.rated += 1;
                    *ratings += n;
                }
            }
        }
        Ok(out
            .into_values()
            .map(|(mut s, days, working, ratings)| {
                s.mean_days = (s.answered > 0).then(|| days / s.answered as f64);
                s.mean_working_days = (s.answered > 0).then(|| working as f64 / s.answered as f64);
                s.mean_rating = (s.rated > 0).then(|| ratings as f64 / s.rated as f64);
                s
            })
            .collect())
    }
}
