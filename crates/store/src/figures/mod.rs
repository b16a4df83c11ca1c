//! Publishing figures: what each site published, where, by which unit and when — the raw
//! material of the dashboards' trends and of the annual report (工作年度报表).
//!
//! An article counts on a site when the site shows it: the site's own articles from their
//! publish time, other sites' articles (reprints, adopted submissions) from their placement on
//! the site. Aggregation by period, column, unit and category is plain Rust over these rows
//! ([`Publication`]), so every view counts the same way; where a page would read a year of a
//! busy site's rows only to count them, the database counts them on the same terms
//! (`counts.rs`: the site's statistics page, the province overview).

use std::collections::HashMap;

use crate::BeginWrite;
use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::*;

use crate::{ArticleInput, Change, Store, db_err, fetch, on_pool};

mod annual;
mod applications;
mod counts;
mod letters;

pub use annual::{AnnualReport, ReportRow, ReportValue, beijing_year};
pub use applications::ApplicationStat;
pub use counts::{AppearanceCounts, SiteCounts};
pub use letters::{LetterFigures, LetterStat};

/// One article placed in one column of a site, with what the figures group by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Publication {
    pub site_id: SiteId,
    pub article_id: ArticleId,
    pub column_id: ColumnId,
    pub unit_id: Option<UnitId>,
    pub category: UpdateCategory,
    /// Filed in the disclosure catalogue (信息公开目录).
    pub disclosure: bool,
    /// The site's own article (not a reprint or an adopted submission).
    pub own: bool,
    /// An interpretation of a policy (解读).
    pub interpretation: bool,
    /// When it appeared on the site.
    pub at: DateTime<Utc>,
}

type PublicationRow = (i64, i64, Option<i64>, bool, bool, bool, DateTime<Utc>);

impl Store {
    /// The published articles that appeared on `site` in `[from, to)` (or only in its column
    /// `column`), one row per column they are placed in.
    pub async fn publications(
        &self,
        site: SiteId,
        column: Option<ColumnId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Publication>> {
        // A site's own articles count at their publish time (`sort_at`), reprints and adopted
        // ones at their placement time (`placed_at`, migration 0018): two ranges, each on its
        // index (migration 0019). The site: its own placements by (site_id, sort_at), its
        // reprints per column by `placements_reprint_column`; one column: that column's
        // placements only (a column's statistics page read the whole site's year before).
        macro_rules! publications_sql {
            ($own:literal, $reprint:literal) => {
                concat!(
                    "SELECT a.id, p.column_id, a.unit_id, a.is_disclosure, ",
                    "p.own, a.interprets_id IS NOT NULL, p.sort_at AS at ",
                    "FROM placements p JOIN articles a ON a.id = p.article_id ",
                    "WHERE ",
                    $own,
                    " AND p.live AND p.own AND p.sort_at >= $2 AND p.sort_at < $3 ",
                    "UNION ALL ",
                    "SELECT a.id, p.column_id, a.unit_id, a.is_disclosure, ",
                    "p.own, a.interprets_id IS NOT NULL, p.placed_at AS at ",
                    "FROM placements p JOIN articles a ON a.id = p.article_id ",
                    "WHERE ",
                    $reprint,
                    " AND p.live AND NOT p.own AND p.placed_at >= $2 AND p.placed_at < $3 ",
                    "ORDER BY at"
                )
            };
        }
        let sql = match column {
            None => publications_sql!(
                "p.site_id = $1 AND $4 = 0",
                "p.column_id IN (SELECT id FROM columns WHERE site_id = $1) AND $4 = 0"
            ),
            Some(_) => publications_sql!(
                "p.site_id = $1 AND p.column_id = $4",
                "p.column_id = $4 AND p.site_id = $1"
            ),
        };
        let rows: Vec<PublicationRow> = fetch!(
            self,
            pool all,
            sqlx::query_as(sql)
                .bind(site.0)
                .bind(from)
                .bind(to)
                .bind(column.map(|c| c.0).unwrap_or(0))
        )?;
        // Every row is a placement in a column of the site: the column's category is looked up
        // here, not joined and carried on each row. Read after the rows, so a column made in
        // between is there too (a column with placements cannot be deleted).
        let categories: HashMap<i64, UpdateCategory> = self
            .columns(site)
            .await?
            .into_iter()
            .map(|c| (c.id.0, c.update_category))
            .collect();
        rows.into_iter()
            .map(
                |(article, column, unit, disclosure, own, interpretation, at)| {
                    Ok(Publication {
                        site_id: site,
                        article_id: ArticleId(article),
                        column_id: ColumnId(column),
                        unit_id: unit.map(UnitId),
                        category: categories.get(&column).copied().ok_or_else(|| {
                            Error::internal(format!("column {column} is not of site {site}"))
                        })?,
                        disclosure,
                        own,
                        interpretation,
                        at,
                    })
                },
            )
            .collect()
    }
}

/// The period a figure is bucketed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    /// Weeks start on Monday.
    Week,
    Month,
    Year,
}

impl Granularity {
    pub fn parse(s: &str) -> Result<Granularity> {
        match s {
            "day" => Ok(Granularity::Day),
            "week" => Ok(Granularity::Week),
            "month" => Ok(Granularity::Month),
            "year" => Ok(Granularity::Year),
            _ => Err(Error::invalid(format!(
                "统计周期“{s}”无效，可选 day、week、month、year"
            ))),
        }
    }

    /// The first Beijing day of the bucket `day` falls in.
    pub fn start(self, day: chrono::NaiveDate) -> chrono::NaiveDate {
        use chrono::Datelike;
        match self {
            Granularity::Day => day,
            Granularity::Week => {
                day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()))
            }
            Granularity::Month => day.with_day(1).unwrap_or(day),
            Granularity::Year => chrono::NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
        }
    }
}

/// What a site (or a column, or a unit) published in one period: distinct articles by
/// category. 概况 are the static-category columns', 政务动态 the news columns', 信息公开目录
/// those filed in the catalogue; reprints and adopted submissions are the others' articles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublishingFigures {
    pub period: Option<chrono::NaiveDate>,
    pub total: i64,
    pub overview: i64,
    pub news: i64,
    pub notices: i64,
    pub personnel: i64,
    pub disclosure: i64,
    pub interpretations: i64,
    pub own: i64,
    pub from_other_sites: i64,
}

/// The whole of `pubs` as one figure (no period).
pub fn publishing_total(pubs: &[&Publication]) -> PublishingFigures {
    publishing_buckets(pubs, None).pop().unwrap_or_default()
}

/// Buckets publications by period, counting each article once per bucket (and once per
/// category it falls in).
pub fn publishing_figures(pubs: &[&Publication], by: Granularity) -> Vec<PublishingFigures> {
    publishing_buckets(pubs, Some(by))
}

fn publishing_buckets(pubs: &[&Publication], by: Option<Granularity>) -> Vec<PublishingFigures> {
    use std::collections::{BTreeMap, BTreeSet};
    type Sets = [BTreeSet<(SiteId, ArticleId)>; 9];
    let mut buckets: BTreeMap<Option<chrono::NaiveDate>, Sets> = BTreeMap::new();
    for p in pubs {
        let start = by.map(|b| b.start(zhanqun_core::visits::china_day(p.at)));
        let s = buckets.entry(start).or_default();
        let key = (p.site_id, p.article_id);
        let flags = [
            true,
            p.category == UpdateCategory::Static,
            p.category == UpdateCategory::News,
            p.category == UpdateCategory::Notice,
            p.category == UpdateCategory::Personnel,
            p.disclosure,
            p.interpretation,
            p.own,
            !p.own,
        ];
        for (i, on) in flags.iter().enumerate() {
            if *on {
                s[i].insert(key);
            }
        }
    }
    buckets
        .into_iter()
        .map(|(start, s)| {
            let n = |i: usize| s[i].len() as i64;
            PublishingFigures {
                period: start,
                total: n(0),
                overview: n(1),
                news: n(2),
                notices: n(3),
                personnel: n(4),
                disclosure: n(5),
                interpretations: n(6),
                own: n(7),
                from_other_sites: n(8),
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(article: i64, category: UpdateCategory, day: u32, own: bool) -> Publication {
        Publication {
            site_id: SiteId(1),
            article_id: ArticleId(article),
            column_id: ColumnId(article % 3),
            unit_id: None,
            category,
            disclosure: article % 2 == 0,
            own,
            interpretation: false,
            // Noon in Beijing.
            at: chrono::NaiveDate::from_ymd_opt(2026, 11, day)
                .unwrap()
                .and_hms_opt(4, 0, 0)
                .unwrap()
                .and_utc(),
        }
    }

    #[test]
    fn figures_count_each_article_once_per_period_and_category() {
        // 2026-11-16 is a Monday; the 22nd a Sunday, the 23rd the next Monday.
        let pubs = [
            p(1, UpdateCategory::News, 16, true),
            p(1, UpdateCategory::News, 16, true), // the same article in a second column
            p(2, UpdateCategory::Static, 22, true),
            p(3, UpdateCategory::News, 23, false),
        ];
        let refs: Vec<&Publication> = pubs.iter().collect();
        let weeks = publishing_figures(&refs, Granularity::Week);
        assert_eq!(weeks.len(), 2);
        assert_eq!(
            weeks[0].period,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 16)
        );
        assert_eq!(
            (
                weeks[0].total,
                weeks[0].news,
                weeks[0].overview,
                weeks[0].disclosure
            ),
            (2, 1, 1, 1)
        );
        assert_eq!(
            (weeks[1].total, weeks[1].from_other_sites, weeks[1].own),
            (1, 1, 0)
        );
        let days = publishing_figures(&refs, Granularity::Day);
        assert_eq!(days.len(), 3);
        let months = publishing_figures(&refs, Granularity::Month);
        assert_eq!((months.len(), months[0].total), (1, 3));
        assert_eq!(
            Granularity::Year.start(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
        assert!(Granularity::parse("fortnight").is_err());
    }
}

/// A site's reprints of items its sources published in a period, and their delays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReprintFigures {
    pub total: i64,
    pub placed: i64,
    /// Placed within the deadline.
    pub on_time: i64,
    /// Past the deadline (or overdue and still not placed).
    pub late: i64,
    /// From the source's publication to the placement, over the placed ones.
    pub mean_delay_minutes: Option<i64>,
}

/// What a site submitted to other sites in a period, and what became of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SubmissionFigures {
    pub submitted: i64,
    pub adopted: i64,
    pub declined: i64,
}

impl Store {
    pub async fn reprint_figures(
        &self,
        site: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        deadlines: &zhanqun_core::timeliness::Deadlines,
        now: DateTime<Utc>,
    ) -> Result<ReprintFigures> {
        let mut f = ReprintFigures::default();
        let mut delay = 0i64;
        for d in self.site_deliveries_since(site, from).await? {
            if d.source_published_at >= to || d.source_published_at < from {
                continue;
            }
            f.total += 1;
            let late = deadlines
                .standing(d.source_published_at, d.placed_at, now)
                .is_late();
            if late {
                f.late += 1;
            } else if d.placed_at.is_some() {
                f.on_time += 1;
            }
            if let Some(at) = d.placed_at {
                f.placed += 1;
                delay += (at - d.source_published_at).num_seconds().max(0);
            }
        }
        f.mean_delay_minutes = (f.placed > 0).then(|| delay / f.placed / 60);
        Ok(f)
    }

    pub async fn submission_figures(
        &self,
        site: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<SubmissionFigures> {
        let code = self
            .site(site)
            .await?
            .map(|s| s.code.to_string())
            .unwrap_or_default();
        let mut f = SubmissionFigures::default();
        for c in self.submission_counts(None, from, to).await? {
            if c.site_code == code {
                f.submitted += c.submitted;
                f.adopted += c.adopted;
                f.declined += c.declined;
            }
        }
        Ok(f)
    }
}
