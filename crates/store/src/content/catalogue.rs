//! The disclosure catalogue (信息公开目录): its filters, the options they offer on a site with
//! the kept counts, and its pages.

use super::*;
use crate::fetch;

/// Filters of the disclosure catalogue. Empty strings and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CatalogueFilter {
    pub topic: Option<String>,
    pub year: Option<i32>,
    pub organ: Option<String>,
}

/// What the catalogue's filters can offer on a site.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Facets {
    pub topics: Vec<String>,
    pub organs: Vec<String>,
    pub years: Vec<i32>,
    /// The kept counts they come from: (topic, organ, year, documents).
    #[serde(skip)]
    counts: Vec<(String, String, i32, i64)>,
}

impl Facets {
    /// Roughly the memory the facets take (for a cache's weigher).
    pub fn bytes(&self) -> usize {
        let text = |v: &[String]| v.iter().map(|s| s.len() + 24).sum::<usize>();
        text(&self.topics)
            + text(&self.organs)
            + self.years.len() * 4
            + self
                .counts
                .iter()
                .map(|(t, o, _, _)| t.len() + o.len() + 64)
                .sum::<usize>()
            + 128
    }

    /// How many published documents match `f` (from the counts read with the facets, so a
    /// catalogue page needs no second count).
    pub fn total(&self, f: &CatalogueFilter) -> u64 {
        self.counts
            .iter()
            .filter(|(t, o, y, _)| {
                f.topic.as_ref().is_none_or(|x| x == t)
                    && f.organ.as_ref().is_none_or(|x| x == o)
                    && f.year.is_none_or(|x| x == *y)
            })
            .map(|c| c.3.max(0) as u64)
            .sum()
    }

    /// How many published documents match `f` in each year, newest year first (the periods a
    /// deep catalogue page is sought in).
    pub fn per_year(&self, f: &CatalogueFilter) -> Vec<(i32, u64)> {
        let mut years = std::collections::BTreeMap::<i32, u64>::new();
        for (t, o, y, n) in &self.counts {
            if f.topic.as_ref().is_none_or(|x| x == t)
                && f.organ.as_ref().is_none_or(|x| x == o)
                && f.year.is_none_or(|x| x == *y)
            {
                *years.entry(*y).or_default() += (*n).max(0) as u64;
            }
        }
        years.into_iter().rev().filter(|(_, n)| *n > 0).collect()
    }
}

impl Store {
    /// Disclosure documents shown on `site`, filtered; and how many match.
    ///
    /// The rows come from one of three partial indexes of `site_articles` (all, by topic, by
    /// organ; a year is a range of the publish time in each), the total from
    /// `catalogue_counts`; a page past the end reads no rows.
    pub async fn catalogue(
        &self,
        site: SiteId,
        f: &CatalogueFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<ListItem>, u64)> {
        let facets = self.catalogue_facets(site).await?;
        Ok((
            self.catalogue_rows(site, f, &facets, offset, limit).await?,
            facets.total(f),
        ))
    }

    /// One page of [`Store::catalogue`] when the caller holds the site's facets (their counts
    /// say how many match, [`Facets::total`]): no row is read past the total, and a deep page
    /// is sought within its year ([`zhanqun_core::paging::in_period`]), so it steps over at
    /// most one year's documents.
    pub async fn catalogue_rows(
        &self,
        site: SiteId,
        f: &CatalogueFilter,
        facets: &Facets,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<ListItem>> {
        let Some(mut w) = zhanqun_core::paging::window(facets.total(f), offset, limit) else {
            return Ok(Vec::new());
        };
        let topic = f.topic.clone().unwrap_or_default();
        let organ = f.organ.clone().unwrap_or_default();
        let (mut from, mut to) = year_range(f.year);
        if w.offset > zhanqun_core::paging::DIRECT_SKIP && f.year.is_none() {
            let years = facets.per_year(f);
            let seek = zhanqun_core::paging::period_of(years.iter().map(|y| y.1), offset).and_then(
                |(i, before)| {
                    let (year, n) = years[i];
                    // year_range knows years 1000–9999 only (others read all time).
                    if !(1000..9999).contains(&year) {
                        return None;
                    }
                    let m = zhanqun_core::paging::in_period(offset, w.limit, before, n)?;
                    (m.offset < w.offset).then_some((year, m))
                },
            );
            if let Some((year, m)) = seek {
                let (start, end) = year_range(Some(year));
                if m.oldest_first {
                    from = start;
                }
                to = end;
                w = m;
            }
        }
        let rows_sql = match (topic.is_empty(), organ.is_empty(), w.oldest_first) {
            (true, true, false) => {
                catalogue_sql!("AND $2 = '' AND $3 = '' ", "sort_at DESC, article_id DESC")
            }
            (false, true, false) => catalogue_sql!(
                "AND topic = $2 AND $3 = '' ",
                "sort_at DESC, article_id DESC"
            ),
            (true, false, false) => catalogue_sql!(
                "AND $2 = '' AND organ = $3 ",
                "sort_at DESC, article_id DESC"
            ),
            (false, false, false) => catalogue_sql!(
                "AND topic = $2 AND organ = $3 ",
                "sort_at DESC, article_id DESC"
            ),
            (true, true, true) => catalogue_sql!("AND $2 = '' AND $3 = '' ", "sort_at, article_id"),
            (false, true, true) => {
                catalogue_sql!("AND topic = $2 AND $3 = '' ", "sort_at, article_id")
            }
            (true, false, true) => {
                catalogue_sql!("AND $2 = '' AND organ = $3 ", "sort_at, article_id")
            }
            (false, false, true) => {
                catalogue_sql!("AND topic = $2 AND organ = $3 ", "sort_at, article_id")
            }
        };
        let rows: Vec<ListRow> = fetch!(
            self,
            all,
            sqlx::query_as(rows_sql)
                .bind(site.0)
                .bind(&topic)
                .bind(&organ)
                .bind(from)
                .bind(to)
                .bind(w.limit as i64)
                .bind(w.offset as i64)
        )?;
        Ok(rows.into_iter().map(ListItem::from).collect())
    }

    /// The values the catalogue's filters can take on `site`: those at least one published
    /// document has, read from `catalogue_counts`.
    pub async fn catalogue_facets(&self, site: SiteId) -> Result<Facets> {
        let rows: Vec<(String, String, i32, i64)> =
            fetch!(self, all, sqlx::query_as(
                "SELECT topic, organ, year, n FROM catalogue_counts WHERE site_id = $1 AND n > 0",
            )
            .bind(site.0))?;
        let mut topics = std::collections::BTreeSet::new();
        let mut organs = std::collections::BTreeSet::new();
        let mut years = std::collections::BTreeSet::new();
        for (t, o, y, _) in &rows {
            if !t.is_empty() {
                topics.insert(t.clone());
            }
            if !o.is_empty() {
                organs.insert(o.clone());
            }
            years.insert(*y);
        }
        Ok(Facets {
            topics: topics.into_iter().collect(),
            organs: organs.into_iter().collect(),
            years: years.into_iter().rev().collect(),
            counts: rows,
        })
    }
}

/// The publish times of `year` (UTC, as `publish_date` is the UTC date), or of all time.
pub(crate) fn year_range(year: Option<i32>) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |y: i32| {
        NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    };
    // Four-digit years only: SQLite compares times as text.
    match year.and_then(|y| Some((start(y)?, start(y + 1)?))) {
        Some(r) if year.is_some_and(|y| (1000..9999).contains(&y)) => r,
        _ => (
            start(1000).unwrap_or_default(),
            start(9999).unwrap_or_default(),
        ),
    }
}
