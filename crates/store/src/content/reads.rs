//! What public pages read: an article, a column's list at any depth, the newest items of
//! every column for a home page, a site's latest, sitemap entries.

use super::*;
use crate::{fetch, on_reader};

impl Store {
    pub async fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        let row: Option<ArticleRow> = fetch!(
            self,
            optional,
            sqlx::query_as(concat!(
                "SELECT ",
                article_cols!(),
                " FROM articles WHERE id = $1"
            ))
            .bind(id.0)
        )?;
        row.map(Article::try_from).transpose()
    }

    /// The article and the column it is shown in, if it is placed on `site` (any status).
    pub async fn article_on_site(
        &self,
        id: ArticleId,
        site: SiteId,
    ) -> Result<Option<(Article, ColumnId)>> {
        let col: Option<i64> = fetch!(self, optional, sqlx::query_scalar(
            "SELECT column_id FROM placements WHERE article_id = $1 AND site_id = $2 ORDER BY id LIMIT 1"
        )
        .bind(id.0)
        .bind(site.0))?;
        let Some(col) = col else { return Ok(None) };
        Ok(self.article(id).await?.map(|a| (a, ColumnId(col))))
    }

    /// What an article page reads, in one statement: the article if it is placed on `site` (any
    /// status), the column it is shown in, the guide or data set description it carries, and
    /// whether any published interpretation (政策解读) points at it. One row by primary key and
    /// one `placements_article` probe: a cache miss pays one round trip to the store, not four.
    pub async fn article_page(&self, id: ArticleId, site: SiteId) -> Result<Option<ArticlePage>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            article: ArticleRow,
            column_id: i64,
            guide: Option<String>,
            meta: Option<String>,
            interpreted: bool,
        }
        let row: Option<Row> = fetch!(
            self,
            optional,
            sqlx::query_as(concat!(
                "SELECT a.*, p.column_id, g.guide, d.meta, EXISTS (SELECT 1 FROM articles i ",
                "WHERE i.interprets_id = a.id AND i.status = 'published') AS interpreted ",
                "FROM (SELECT column_id FROM placements WHERE article_id = $1 AND site_id = $2 ",
                "ORDER BY id LIMIT 1) p ",
                "CROSS JOIN (SELECT ",
                article_cols!(),
                " FROM articles WHERE id = $1) a ",
                "LEFT JOIN service_items g ON g.article_id = a.id ",
                "LEFT JOIN datasets d ON d.article_id = a.id"
            ))
            .bind(id.0)
            .bind(site.0)
        )?;
        let Some(row) = row else { return Ok(None) };
        let structured = crate::datasets::structured_of(id, row.guide, row.meta)?;
        Ok(Some(ArticlePage {
            article: Article::try_from(row.article)?,
            column: ColumnId(row.column_id),
            structured,
            interpreted: row.interpreted,
        }))
    }

    /// Published interpretations (政策解读) of a policy.
    pub async fn interpretations_of(&self, policy: ArticleId) -> Result<Vec<(ArticleId, String)>> {
        let rows: Vec<(i64, String)> = fetch!(self, all, sqlx::query_as(
            "SELECT id, title FROM articles WHERE interprets_id = $1 AND status = 'published' ORDER BY published_at DESC"
        )
        .bind(policy.0))?;
        Ok(rows.into_iter().map(|(id, t)| (ArticleId(id), t)).collect())
    }

    /// Published articles placed in `column` or any column below it on `site`, pinned first,
    /// newest first; and how many there are in all.
    ///
    /// One range of the `list_entries_live` index (each placement is filed under its column and
    /// every ancestor), the total kept in `list_counts`; a page past the end reads no rows. A
    /// page in the older half is read from the oldest end ([`zhanqun_core::paging::window`]), so
    /// the last page costs what the first does and no page skips more than half the list.
    pub async fn list_column(
        &self,
        site: SiteId,
        column: ColumnId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<ListItem>, u64)> {
        let (rows, total): (Vec<ListRow>, i64) = on_reader!(self, |c| async {
            // No row: not a column of this site.
            let total: Option<i64> = sqlx::query_scalar(
                "SELECT COALESCE(lc.n, 0) FROM columns c LEFT JOIN list_counts lc ON lc.list_id = c.id \
                 WHERE c.id = $2 AND c.site_id = $1",
            )
            .bind(site.0)
            .bind(column.0)
            .fetch_optional(&mut *c)
            .await?;
            let total = total.unwrap_or(0);
            let rows = match zhanqun_core::paging::window(total.max(0) as u64, offset, limit) {
                None => Vec::new(),
                Some(w) => {
                    // A long skip: find the month that holds the page (list_months), then
                    // seek to it, when that skips less.
                    let mut seek = None;
                    if w.offset > zhanqun_core::paging::DIRECT_SKIP {
                        let months: Vec<(bool, String, i64)> = sqlx::query_as(LIST_MONTHS)
                            .bind(column.0)
                            .fetch_all(&mut *c)
                            .await?;
                        seek = month_of(&months, offset).and_then(|(month, before, n)| {
                            let m = zhanqun_core::paging::in_period(offset, w.limit, before, n)?;
                            let bounds = (
                                zhanqun_core::paging::month_start(month)?,
                                zhanqun_core::paging::month_end(month)?,
                            );
                            (m.offset < w.offset).then_some((m, bounds))
                        });
                    }
                    match seek {
                        Some((m, (start, end))) => {
                            let q = if m.oldest_first {
                                sqlx::query_as(LIST_IN_MONTH_OLDEST_FIRST)
                                    .bind(site.0)
                                    .bind(column.0)
                                    .bind(false)
                                    .bind(start)
                            } else {
                                sqlx::query_as(LIST_FROM_MONTH)
                                    .bind(site.0)
                                    .bind(column.0)
                                    .bind(false)
                            };
                            q.bind(end)
                                .bind(m.limit as i64)
                                .bind(m.offset as i64)
                                .fetch_all(&mut *c)
                                .await?
                        }
                        None => {
                            let sql = if w.oldest_first {
                                concat!(
                                    "SELECT ",
                                    list_cols!(),
                                    " FROM (SELECT column_id, article_id, pinned, sort_at FROM list_entries ",
                                    "WHERE list_id = $2 AND site_id = $1 AND live ",
                                    "ORDER BY pinned, sort_at, article_id LIMIT $3 OFFSET $4) p ",
                                    "JOIN articles a ON a.id = p.article_id ",
                                    "ORDER BY p.pinned DESC, p.sort_at DESC, p.article_id DESC"
                                )
                            } else {
                                concat!(
                                    "SELECT ",
                                    list_cols!(),
                                    " FROM (SELECT column_id, article_id, pinned, sort_at FROM list_entries ",
                                    "WHERE list_id = $2 AND site_id = $1 AND live ",
                                    "ORDER BY pinned DESC, sort_at DESC, article_id DESC LIMIT $3 OFFSET $4) p ",
                                    "JOIN articles a ON a.id = p.article_id ",
                                    "ORDER BY p.pinned DESC, p.sort_at DESC, p.article_id DESC"
                                )
                            };
                            sqlx::query_as(sql)
                                .bind(site.0)
                                .bind(column.0)
                                .bind(w.limit as i64)
                                .bind(w.offset as i64)
                                .fetch_all(&mut *c)
                                .await?
                        }
                    }
                }
            };
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok((
            rows.into_iter().map(ListItem::from).collect(),
            total.max(0) as u64,
        ))
    }

    /// The newest `n` published articles of every column of `site` (each column on its own,
    /// not its subtree), in one query of one index range a column: what a home page shows.
    pub async fn top_per_column(&self, site: SiteId, n: u64) -> Result<Vec<ListItem>> {
        let columns: Vec<i64> = fetch!(
            self,
            all,
            sqlx::query_scalar(
                "SELECT column_id FROM column_counts WHERE n > 0 AND column_id IN \
                 (SELECT id FROM columns WHERE site_id = $1) ORDER BY column_id",
            )
            .bind(site.0)
        )?;
        let columns: Vec<ColumnId> = columns.into_iter().map(ColumnId).collect();
        self.top_of_columns(site, &columns, n).await
    }

    /// The newest `n` live placements of each of `columns` of `site` (pinned first), ordered by
    /// column: one index seek per column (`placements_live`), then the articles of those rows.
    /// A column with nothing live has no rows.
    pub async fn top_of_columns(
        &self,
        site: SiteId,
        columns: &[ColumnId],
        n: u64,
    ) -> Result<Vec<ListItem>> {
        if columns.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.home_reads(site, columns, n, false).await?.0)
    }

    /// What a home page reads, on one reading connection: the newest `n` items of each of
    /// `columns` (as [`Store::top_of_columns`]; the columns the page cache does not keep) and,
    /// when `slot`, the article in the site's home-page slot (as [`Store::home_slot`]). A home
    /// page re-rendered after a State Council reprint needs both (the reprint takes the slot
    /// and one column), and each read of its own was one more hand-over to a reading thread.
    pub async fn home_reads(
        &self,
        site: SiteId,
        columns: &[ColumnId],
        n: u64,
        slot: bool,
    ) -> Result<(Vec<ListItem>, Option<ListItem>)> {
        let (rows, headline): (Vec<ListRow>, Option<ListRow>) = on_reader!(self, |c| async {
            let mut rows = Vec::new();
            // SQLite allows 500 terms in a compound SELECT.
            for chunk in columns.chunks(200) {
                let sql = newest_placements_sql(chunk.len());
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(site.0)
                    .bind(n as i64);
                for col in chunk {
                    q = q.bind(col.0);
                }
                let mut part: Vec<ListRow> = q.fetch_all(&mut *c).await?;
                rows.append(&mut part);
            }
            let headline = if slot {
                sqlx::query_as(HOME_SLOT)
                    .bind(site.0)
                    .fetch_optional(&mut *c)
                    .await?
            } else {
                None
            };
            Ok::<_, sqlx::Error>((rows, headline))
        })?;
        Ok((
            rows.into_iter().map(ListItem::from).collect(),
            headline.map(ListItem::from),
        ))
    }

    /// The newest published articles of a whole site, each once (the site feed), from the
    /// `site_articles_live` index.
    pub async fn latest_on_site(&self, site: SiteId, limit: u64) -> Result<Vec<ListItem>> {
        let rows: Vec<ListRow> =
            fetch!(self, all, sqlx::query_as(concat!(
                "SELECT ", shown_cols!(), " FROM (SELECT article_id, sort_at FROM site_articles ",
                "WHERE site_id = $1 AND live ORDER BY sort_at DESC, article_id DESC LIMIT $2) s ",
                "JOIN articles a ON a.id = s.article_id ORDER BY s.sort_at DESC, s.article_id DESC"
            ))
            .bind(site.0)
            .bind(limit as i64))?;
        Ok(rows.into_iter().map(ListItem::from).collect())
    }

    /// How many published articles `site` shows, counted up to `cap` only: the entries of the
    /// covering `site_articles_live` index, no article row (the sitemap asks whether a site is
    /// over its one-file size before it reads any).
    pub async fn shown_up_to(&self, site: SiteId, cap: u64) -> Result<u64> {
        let n: i64 = fetch!(
            self,
            one,
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT article_id FROM site_articles \
                 WHERE site_id = $1 AND live ORDER BY sort_at DESC LIMIT $2) s"
            )
            .bind(site.0)
            .bind(cap as i64)
        )?;
        Ok(n.max(0) as u64)
    }

    /// Published articles shown on `site` with their last change, newest first, at most
    /// `limit` (the sitemap), from the `site_articles_live` index.
    pub async fn sitemap_entries(
        &self,
        site: SiteId,
        limit: u64,
    ) -> Result<Vec<(ArticleId, DateTime<Utc>)>> {
        let (from, to) = year_range(None);
        self.sitemap_between(site, from, to, limit).await
    }

    /// As [`Store::sitemap_entries`], published in `[from, to)`.
    pub async fn sitemap_between(
        &self,
        site: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(ArticleId, DateTime<Utc>)>> {
        // `updated_at` is kept in site_articles (0041): the index alone, no article row.
        let rows: Vec<(i64, DateTime<Utc>)> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT article_id, updated_at FROM site_articles \
             WHERE site_id = $1 AND live AND sort_at >= $2 AND sort_at < $3 \
             ORDER BY sort_at DESC, article_id DESC LIMIT $4"
            )
            .bind(site.0)
            .bind(from)
            .bind(to)
            .bind(limit as i64)
        )?;
        Ok(rows.into_iter().map(|(id, t)| (ArticleId(id), t)).collect())
    }

    /// The publish times of the oldest and newest published article shown on `site`.
    pub async fn published_span(
        &self,
        site: SiteId,
    ) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
        let (first, last): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = fetch!(
            self,
            one,
            sqlx::query_as(
                "SELECT (SELECT MIN(sort_at) FROM site_articles WHERE site_id = $1 AND live), \
                        (SELECT MAX(sort_at) FROM site_articles WHERE site_id = $1 AND live)"
            )
            .bind(site.0)
        )?;
        Ok(first.zip(last))
    }
}

/// A list's kept month counts (`$1` the list), pinned first, then newest first: one row a month
/// the list has entries in, read off the primary key. Summed in Rust by `month_of`: the same sum
/// as a window function (`SUM(n) OVER (ORDER BY month DESC)`) cost SQLite about 0.3 ms for a
/// list of ten years, five times the read of its rows.
const LIST_MONTHS: &str = "SELECT pinned, month, n FROM list_months WHERE list_id = $1 AND n > 0 \
     ORDER BY pinned DESC, month DESC";

/// The month of a list's unpinned entries that holds the list's `offset`-th entry (newest first,
/// pinned entries first), from its `LIST_MONTHS` rows: the month, how many entries are newer than
/// it (the pinned ones included) and how many it has.
fn month_of(months: &[(bool, String, i64)], offset: u64) -> Option<(&str, u64, u64)> {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let pinned: u64 = months.iter().filter(|m| m.0).map(|m| count(m.2)).sum();
    let unpinned: Vec<&(bool, String, i64)> = months.iter().filter(|m| !m.0).collect();
    let counts = unpinned.iter().map(|m| count(m.2));
    let (i, before) = zhanqun_core::paging::period_of(counts, offset.saturating_sub(pinned))?;
    let m = unpinned[i];
    Some((m.1.as_str(), before + pinned, count(m.2)))
}

/// A page of a list's unpinned entries from the newer end of a month on (it may run on into
/// older months): `$3` false, `$4` the month's end, `$5` limit, `$6` entries to skip. One seek
/// into `list_entries_live`.
const LIST_FROM_MONTH: &str = concat!(
    "SELECT ",
    list_cols!(),
    " FROM (SELECT column_id, article_id, pinned, sort_at FROM list_entries ",
    "WHERE list_id = $2 AND site_id = $1 AND live AND pinned = $3 AND sort_at < $4 ",
    "ORDER BY pinned DESC, sort_at DESC, article_id DESC LIMIT $5 OFFSET $6) p ",
    "JOIN articles a ON a.id = p.article_id ",
    "ORDER BY p.pinned DESC, p.sort_at DESC, p.article_id DESC"
);

/// A page that lies within one month, read from the month's older end (`$4` its start, `$5` its
/// end, `$7` entries to skip from the start).
const LIST_IN_MONTH_OLDEST_FIRST: &str = concat!(
    "SELECT ",
    list_cols!(),
    " FROM (SELECT column_id, article_id, pinned, sort_at FROM list_entries ",
    "WHERE list_id = $2 AND site_id = $1 AND live AND pinned = $3 AND sort_at >= $4 AND sort_at < $5 ",
    "ORDER BY pinned, sort_at, article_id LIMIT $6 OFFSET $7) p ",
    "JOIN articles a ON a.id = p.article_id ",
    "ORDER BY p.pinned DESC, p.sort_at DESC, p.article_id DESC"
);

/// The published article in a site's home-page slot (`$1` site), if one is there.
const HOME_SLOT: &str = concat!(
    "SELECT ",
    list_cols!(),
    " FROM placements p JOIN articles a ON a.id = p.article_id ",
    "WHERE p.site_id = $1 AND p.home_slot AND p.live LIMIT 1"
);

/// The newest live placements of each of `n` columns (`$1` site, `$2` a column's limit,
/// columns from `$3`), one range of `placements_live` a column, column by column.
///
/// `site_id + 0`: the site is checked on the index entry, never sought. PostgreSQL plans a
/// prepared statement for its values five times, then for any value (the generic plan); that
/// plan, not knowing the column, sought `placements_column (site_id, column_id, sort_at)` and
/// sorted every placement of each column: 78 to 91 ms the province portal's newest items
/// (37,585 placements in its largest column, national fixture) instead of 0.3 ms. With the site
/// out of reach of that index (dropped since, migration 0048), every plan on both backends reads
/// `placements_live` backwards.
fn newest_placements_sql(n: usize) -> String {
    let union = (0..n)
        .map(|i| {
            format!(
                "SELECT * FROM (SELECT column_id, article_id, pinned, sort_at FROM placements \
                 WHERE column_id = ${} AND site_id + 0 = $1 AND live \
                 ORDER BY pinned DESC, sort_at DESC, article_id DESC LIMIT $2) t{i}",
                3 + i
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        "SELECT {} FROM ({union}) p JOIN articles a ON a.id = p.article_id \
         ORDER BY p.column_id, p.pinned DESC, p.sort_at DESC, p.article_id DESC",
        list_cols!()
    )
}

#[cfg(test)]
mod tests {
    use super::month_of;

    #[test]
    fn the_month_that_holds_an_entry_counts_the_pinned_entries_first() {
        let row = |pinned: bool, month: &str, n: i64| (pinned, month.to_string(), n);
        // Three pinned entries (in two months), then 5, 4 and 6 entries newest month first.
        let months = [
            row(true, "2025-11", 1),
            row(true, "2024-02", 2),
            row(false, "2026-03", 5),
            row(false, "2026-02", 4),
            row(false, "2026-01", 6),
        ];
        // Inside the pinned entries: the newest month, which `in_period` then declines.
        assert_eq!(month_of(&months, 0), Some(("2026-03", 3, 5)));
        assert_eq!(month_of(&months, 3), Some(("2026-03", 3, 5)));
        assert_eq!(month_of(&months, 7), Some(("2026-03", 3, 5)));
        assert_eq!(month_of(&months, 8), Some(("2026-02", 8, 4)));
        assert_eq!(month_of(&months, 12), Some(("2026-01", 12, 6)));
        assert_eq!(month_of(&months, 17), Some(("2026-01", 12, 6)));
        // Past the end of the list.
        assert_eq!(month_of(&months, 18), None);
        assert_eq!(month_of(&[], 0), None);
    }
}
