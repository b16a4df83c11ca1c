//! Articles and placements: writing them, and the reads public pages need.

use crate::BeginWrite;
use chrono::{DateTime, NaiveDate, Utc};
use zhanqun_core::*;

use crate::rows::{ArticleRow, ListRow, article_cols, list_cols};
use crate::{Change, Store, db_err, log_change, now, on_pool};

/// The columns of a list read from [`Store::catalogue`], [`Store::latest_on_site`]: rows of
/// `site_articles` (`s`, bound site `$1`) joined to their article (`a`); the column is the
/// article's first on the site.
macro_rules! shown_cols {
    () => {
        "a.id AS article_id, (SELECT MIN(p.column_id) FROM placements p WHERE p.article_id = a.id AND p.site_id = $1) AS column_id, \
         a.title, a.summary, a.publish_date, a.published_at, a.updated_at, FALSE AS pinned, a.index_number, \
         a.doc_number, a.issuing_organ, a.topic, a.written_date"
    };
}

/// One page of the catalogue: `$1` site, `$2` topic, `$3` organ, `[$4, $5)` publish time,
/// `$6` limit, `$7` offset; `$filter` names the index (each variant mentions every parameter).
macro_rules! catalogue_sql {
    ($filter:literal) => {
        concat!(
            "SELECT ", shown_cols!(), " FROM (SELECT article_id, sort_at FROM site_articles ",
            "WHERE site_id = $1 AND live AND disclosure ", $filter,
            "AND sort_at >= $4 AND sort_at < $5 ORDER BY sort_at DESC, article_id DESC LIMIT $6 OFFSET $7) s ",
            "JOIN articles a ON a.id = s.article_id ORDER BY s.sort_at DESC, s.article_id DESC"
        )
    };
}

/// An article as written by an editor or a generator.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: Option<String>,
    pub author: Option<String>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    /// Cover image: `/media/…` of the site, or an https URL.
    pub cover_url: Option<String>,
    /// Already sanitised HTML.
    pub body_html: String,
    pub published: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub disclosure: Option<DisclosureInput>,
    pub interprets: Option<ArticleId>,
    pub unit: Option<UnitId>,
}

#[derive(Debug, Clone, Default)]
pub struct DisclosureInput {
    pub doc_number: Option<String>,
    pub written_date: Option<NaiveDate>,
    pub issuing_organ: Option<String>,
    pub validity: Option<Validity>,
    pub topic: Option<String>,
}

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
}

impl ArticleInput {
    pub(crate) fn check(&self) -> Result<()> {
        let title = self.title.trim();
        if title.is_empty() {
            return Err(Error::invalid("标题不能为空"));
        }
        if title.chars().count() > 200 {
            return Err(Error::invalid("标题过长：不能超过 200 个字"));
        }
        if let Some(c) = &self.cover_url {
            let media = c.strip_prefix("/media/").is_some_and(|n| {
                n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') && !n.contains("..")
            });
            let https = c.starts_with("https://") && !c.contains(['"', '<', '>', ' ']);
            if !(media || https) {
                return Err(Error::invalid(
                    "封面图片须是本站媒体库中的文件（/media/…）或 https:// 开头的地址",
                ));
            }
        }
        Ok(())
    }
}

/// Inserts articles of one site and their placements inside the caller's transaction `$tx`,
/// taking index numbers from the site's counter; pushes each article's [`Change`] to `$changes`
/// and evaluates to the new ids. Shared by editors' drafts, generated content and reprints, so
/// that each commits together with whatever else its caller writes.
macro_rules! insert_articles {
    ($tx:expr, $site:expr, $items:expr, $by:expr, $ts:expr, $changes:expr) => {{
        let site: SiteId = $site;
        let items: &[(ArticleInput, Vec<ColumnId>)] = $items;
        let by: Option<(i64, &crate::AuditEntry)> = $by;
        let ts: DateTime<Utc> = $ts;
        let changes: &mut Vec<Change> = &mut $changes;
        let tx = &mut *$tx;
                let (code, pattern): (String, String) =
                    sqlx::query_as("SELECT code, index_pattern FROM sites WHERE id = $1")
                        .bind(site.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(format!("网站 {site} 不存在")))?;
                let code = SiteCode::parse(&code)?;
                let pattern = IndexPattern::parse(&pattern)?;
                let mut ids = Vec::with_capacity(items.len());
                for (input, cols) in items {
                    let published_at = input.published_at.unwrap_or(ts);
                    let date = published_at.date_naive();
                    let period = pattern.period(date);
                    let serial: i64 = sqlx::query_scalar(
                        "INSERT INTO index_counters (site_id, period, last_serial) VALUES ($1, $2, 1) \
                         ON CONFLICT (site_id, period) DO UPDATE SET last_serial = index_counters.last_serial + 1 \
                         RETURNING last_serial",
                    )
                    .bind(site.0)
                    .bind(&period)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let index_number = pattern.format(&code, date, serial as u64);
                    let d = input.disclosure.clone().unwrap_or_default();
                    let id: i64 = sqlx::query_scalar(concat!(
                        "INSERT INTO articles (site_id, unit_id, index_number, title, subtitle, summary, author, source, source_url, ",
                        "body_html, status, publish_date, published_at, is_disclosure, doc_number, written_date, issuing_organ, ",
                        "validity, topic, interprets_id, created_at, updated_at, home_column_id, created_by, revision, cover_url) ",
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22, $23, $24, $25) ",
                        "RETURNING id"
                    ))
                    .bind(site.0)
                    .bind(input.unit.map(|u| u.0))
                    .bind(&index_number)
                    .bind(input.title.trim())
                    .bind(&input.subtitle)
                    .bind(&input.summary)
                    .bind(&input.author)
                    .bind(&input.source)
                    .bind(&input.source_url)
                    .bind(&input.body_html)
                    .bind(if input.published { "published" } else { "draft" })
                    .bind(date)
                    .bind(published_at)
                    .bind(input.disclosure.is_some())
                    .bind(&d.doc_number)
                    .bind(d.written_date)
                    .bind(&d.issuing_organ)
                    .bind(d.validity.map(Validity::as_str))
                    .bind(&d.topic)
                    .bind(input.interprets.map(|a| a.0))
                    .bind(ts)
                    .bind(cols.first().map(|c| c.0))
                    .bind(by.map(|(account, _)| account))
                    .bind(if by.is_some() { 1_i64 } else { 0 })
                    .bind(&input.cover_url)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    for col in cols {
                        let owner: Option<i64> =
                            sqlx::query_scalar("SELECT site_id FROM columns WHERE id = $1")
                                .bind(col.0)
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(db_err)?;
                        if owner != Some(site.0) {
                            return Err(Error::invalid(format!("栏目 {col} 不属于网站 {site}")));
                        }
                        sqlx::query(
                            "INSERT INTO placements (article_id, site_id, column_id, pinned, sort_at, placed_at) \
                             VALUES ($1, $2, $3, FALSE, $4, $5)",
                        )
                        .bind(id)
                        .bind(site.0)
                        .bind(col.0)
                        .bind(published_at)
                        .bind(ts)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    }
                    if let Some((account, _)) = by {
                        crate::editorial::record_revision!(tx, id, 1_i64, account, input, ts);
                        crate::editorial::record_event!(
                            tx,
                            id,
                            account,
                            "create",
                            "draft",
                            "draft",
                            None::<String>,
                            ts
                        );
                    }
                    changes.push(Change::Article {
                        article: ArticleId(id),
                        placements: cols.iter().map(|c| (site, *c)).collect(),
                        related: input.interprets.into_iter().collect(),
                    });
                    ids.push(ArticleId(id));
                }

        ids
    }};
}
pub(crate) use insert_articles;

impl Store {
    /// Creates one article owned by `site` and places it in `columns` of that site.
    pub async fn create_article(
        &self,
        site: SiteId,
        input: ArticleInput,
        columns: &[ColumnId],
    ) -> Result<ArticleId> {
        let ids = self
            .create_articles(site, vec![(input, columns.to_vec())])
            .await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| Error::internal("no article created"))
    }

    /// Creates several articles of one site in one transaction (all or none). Each gets its
    /// index number from the site's pattern and counter, which never changes afterwards.
    pub async fn create_articles(
        &self,
        site: SiteId,
        items: Vec<(ArticleInput, Vec<ColumnId>)>,
    ) -> Result<Vec<ArticleId>> {
        self.create_articles_with(site, items, None).await
    }

    /// As [`Store::create_articles`]; with `by`, the articles are an editor's drafts: the
    /// author is recorded, the first revision and a "create" event are written, and the audit
    /// record commits in the same transaction.
    pub(crate) async fn create_articles_with(
        &self,
        site: SiteId,
        items: Vec<(ArticleInput, Vec<ColumnId>)>,
        by: Option<(i64, &crate::AuditEntry)>,
    ) -> Result<Vec<ArticleId>> {
        for (input, cols) in &items {
            input.check()?;
            if cols.is_empty() {
                return Err(Error::invalid(format!("信息“{}”没有指定栏目", input.title)));
            }
        }
        let ts = now();
        let mut changes = Vec::with_capacity(items.len());
        let ids = on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let ids = insert_articles!(tx, site, &items, by, ts, changes);
            for (input, _) in items.iter().filter(|(i, _)| i.published) {
                crate::media::publish_media!(
                    tx,
                    site.0,
                    &input.body_html,
                    input.cover_url.as_deref(),
                    ts
                );
            }
            for c in &changes {
                log_change!(self, tx, c);
            }
            if let Some((_, entry)) = by {
                crate::audit::append_audit!(tx, entry);
            }
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(ids)
        })?;
        for c in changes {
            self.notify(c);
        }
        Ok(ids)
    }

    /// Edits an article's content; its index number and placements stay.
    pub async fn update_article(&self, id: ArticleId, input: ArticleInput) -> Result<()> {
        self.update_article_with(id, input, None).await
    }

    /// As [`Store::update_article`]; with `by`, an editor's edit of a draft: it must still be a
    /// draft (`Conflict` otherwise), a new revision is kept and the audit record commits with it.
    pub(crate) async fn update_article_with(
        &self,
        id: ArticleId,
        input: ArticleInput,
        by: Option<(i64, &crate::AuditEntry)>,
    ) -> Result<()> {
        input.check()?;
        let ts = now();
        let d = input.disclosure.clone().unwrap_or_default();
        let change = on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let current: Option<(DateTime<Utc>, Option<i64>)> =
                sqlx::query_as("SELECT published_at, interprets_id FROM articles WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
            let (current, old_policy) =
                current.ok_or_else(|| Error::not_found(format!("信息 {id} 不存在")))?;
            if let Some((account, entry)) = by {
                let rev: Option<i64> = sqlx::query_scalar(
                    "UPDATE articles SET revision = revision + 1 WHERE id = $1 AND status = 'draft' RETURNING revision",
                )
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
                let rev = rev.ok_or_else(|| {
                    Error::conflict("只有草稿可以修改：该信息已提交审核或已发布，请先退回或撤稿")
                })?;
                crate::editorial::record_revision!(tx, id.0, rev, account, input, ts);
                crate::audit::append_audit!(tx, entry);
            }
            let published_at = input.published_at.unwrap_or(current);
            sqlx::query(
                "UPDATE articles SET title = $1, subtitle = $2, summary = $3, author = $4, source = $5, source_url = $6, \
                 body_html = $7, publish_date = $8, published_at = $9, is_disclosure = $10, doc_number = $11, \
                 written_date = $12, issuing_organ = $13, validity = $14, topic = $15, interprets_id = $16, updated_at = $17, \
                 cover_url = $19 WHERE id = $18",
            )
            .bind(input.title.trim())
            .bind(&input.subtitle)
            .bind(&input.summary)
            .bind(&input.author)
            .bind(&input.source)
            .bind(&input.source_url)
            .bind(&input.body_html)
            .bind(published_at.date_naive())
            .bind(published_at)
            .bind(input.disclosure.is_some())
            .bind(&d.doc_number)
            .bind(d.written_date)
            .bind(&d.issuing_organ)
            .bind(d.validity.map(Validity::as_str))
            .bind(&d.topic)
            .bind(input.interprets.map(|a| a.0))
            .bind(ts)
            .bind(id.0)
            .bind(&input.cover_url)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query("UPDATE placements SET sort_at = $1 WHERE article_id = $2")
                .bind(published_at)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let placements: Vec<(i64, i64)> =
                sqlx::query_as("SELECT site_id, column_id FROM placements WHERE article_id = $1")
                    .bind(id.0)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db_err)?;
            let mut related: Vec<ArticleId> = old_policy.map(ArticleId).into_iter().collect();
            related.extend(input.interprets);
            let change = Change::Article {
                article: id,
                placements: placements
                    .into_iter()
                    .map(|(s, c)| (SiteId(s), ColumnId(c)))
                    .collect(),
                related,
            };
            log_change!(self, tx, &change);
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(change)
        })?;
        self.notify(change);
        Ok(())
    }

    /// Sets an article's status everywhere it is placed (publish, withdraw, back to draft).
    pub async fn set_article_status(&self, id: ArticleId, status: ArticleStatus) -> Result<()> {
        let change = on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = sqlx::query("UPDATE articles SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(now())
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            if n == 0 {
                return Err(Error::not_found(format!("信息 {id} 不存在")));
            }
            let placements: Vec<(i64, i64)> =
                sqlx::query_as("SELECT site_id, column_id FROM placements WHERE article_id = $1")
                    .bind(id.0)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db_err)?;
            let policy: Option<i64> =
                sqlx::query_scalar("SELECT interprets_id FROM articles WHERE id = $1")
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
            let change = Change::Article {
                article: id,
                placements: placements
                    .into_iter()
                    .map(|(s, c)| (SiteId(s), ColumnId(c)))
                    .collect(),
                related: policy.map(ArticleId).into_iter().collect(),
            };
            log_change!(self, tx, &change);
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(change)
        })?;
        self.notify(change);
        Ok(())
    }

    /// Shows an existing article in a column of another (or the same) site: a linked placement,
    /// not a copy. Placing it twice in the same column is a no-op.
    pub async fn place_article(
        &self,
        article: ArticleId,
        site: SiteId,
        column: ColumnId,
    ) -> Result<()> {
        let ts = now();
        let change = Change::Article {
            article,
            placements: vec![(site, column)],
            related: Vec::new(),
        };
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT site_id FROM columns WHERE id = $1")
                    .bind(column.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
            if owner != Some(site.0) {
                return Err(Error::invalid(format!("栏目 {column} 不属于网站 {site}")));
            }
            let sort_at: DateTime<Utc> =
                sqlx::query_scalar("SELECT published_at FROM articles WHERE id = $1")
                    .bind(article.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| Error::not_found(format!("信息 {article} 不存在")))?;
            sqlx::query(
                "INSERT INTO placements (article_id, site_id, column_id, pinned, sort_at, placed_at) VALUES ($1, $2, $3, FALSE, $4, $5) \
                 ON CONFLICT (article_id, site_id, column_id) DO NOTHING",
            )
            .bind(article.0)
            .bind(site.0)
            .bind(column.0)
            .bind(sort_at)
            .bind(ts)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            log_change!(self, tx, &change);
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(())
        })?;
        self.notify(change);
        Ok(())
    }

    pub async fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        let row: Option<ArticleRow> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            article_cols!(),
            " FROM articles WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(p)
        .await
        .map_err(db_err))?;
        row.map(Article::try_from).transpose()
    }

    /// The article and the column it is shown in, if it is placed on `site` (any status).
    pub async fn article_on_site(
        &self,
        id: ArticleId,
        site: SiteId,
    ) -> Result<Option<(Article, ColumnId)>> {
        let col: Option<i64> = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT column_id FROM placements WHERE article_id = $1 AND site_id = $2 ORDER BY id LIMIT 1"
        )
        .bind(id.0)
        .bind(site.0)
        .fetch_optional(p)
        .await
        .map_err(db_err)
        })?;
        let Some(col) = col else { return Ok(None) };
        Ok(self.article(id).await?.map(|a| (a, ColumnId(col))))
    }

    /// Published interpretations (政策解读) of a policy.
    pub async fn interpretations_of(&self, policy: ArticleId) -> Result<Vec<(ArticleId, String)>> {
        let rows: Vec<(i64, String)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, title FROM articles WHERE interprets_id = $1 AND status = 'published' ORDER BY published_at DESC"
        )
        .bind(policy.0)
        .fetch_all(p)
        .await
        .map_err(db_err)
        })?;
        Ok(rows.into_iter().map(|(id, t)| (ArticleId(id), t)).collect())
    }

    /// Published articles placed in `column` or any column below it on `site`, pinned first,
    /// newest first; and how many there are in all.
    ///
    /// One range of the `list_entries_live` index (each placement is filed under its column and
    /// every ancestor), the total kept in `list_counts`; a page past the end reads no rows.
    pub async fn list_column(
        &self,
        site: SiteId,
        column: ColumnId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<ListItem>, u64)> {
        let (rows, total): (Vec<ListRow>, i64) = on_pool!(self, |p| {
            // No row: not a column of this site.
            let total: Option<i64> = sqlx::query_scalar(
                "SELECT COALESCE(lc.n, 0) FROM columns c LEFT JOIN list_counts lc ON lc.list_id = c.id \
                 WHERE c.id = $2 AND c.site_id = $1",
            )
            .bind(site.0)
            .bind(column.0)
            .fetch_optional(p)
            .await
            .map_err(db_err)?;
            let total = total.unwrap_or(0);
            let rows = if limit == 0 || offset >= total.max(0) as u64 {
                Vec::new()
            } else {
                sqlx::query_as(concat!(
                    "SELECT ", list_cols!(), " FROM (SELECT column_id, article_id, pinned, sort_at FROM list_entries ",
                    "WHERE list_id = $2 AND site_id = $1 AND live ",
                    "ORDER BY pinned DESC, sort_at DESC, article_id DESC LIMIT $3 OFFSET $4) p ",
                    "JOIN articles a ON a.id = p.article_id ORDER BY p.pinned DESC, p.sort_at DESC, p.article_id DESC"
                ))
                .bind(site.0)
                .bind(column.0)
                .bind(limit as i64)
                .bind(offset as i64)
                .fetch_all(p)
                .await
                .map_err(db_err)?
            };
            Ok::<_, Error>((rows, total))
        })?;
        Ok((
            rows.into_iter().map(ListItem::from).collect(),
            total.max(0) as u64,
        ))
    }

    /// The newest `n` published articles of every column of `site` (each column on its own,
    /// not its subtree), in one query of one index range a column: what a home page shows.
    pub async fn top_per_column(&self, site: SiteId, n: u64) -> Result<Vec<ListItem>> {
        let columns: Vec<i64> = on_pool!(self, |p| {
            sqlx::query_scalar(
                "SELECT column_id FROM column_counts WHERE n > 0 AND column_id IN \
                 (SELECT id FROM columns WHERE site_id = $1) ORDER BY column_id",
            )
            .bind(site.0)
            .fetch_all(p)
            .await
            .map_err(db_err)
        })?;
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
        let rows: Vec<ListRow> = on_pool!(self, |p| {
            let mut rows = Vec::new();
            // SQLite allows 500 terms in a compound SELECT.
            for chunk in columns.chunks(200) {
                let sql = newest_placements_sql(chunk.len());
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(site.0)
                    .bind(n as i64);
                for c in chunk {
                    q = q.bind(c.0);
                }
                let mut part: Vec<ListRow> = q.fetch_all(p).await.map_err(db_err)?;
                rows.append(&mut part);
            }
            Ok::<_, Error>(rows)
        })?;
        Ok(rows.into_iter().map(ListItem::from).collect())
    }

    /// The newest published articles of a whole site, each once (the site feed), from the
    /// `site_articles_live` index.
    pub async fn latest_on_site(&self, site: SiteId, limit: u64) -> Result<Vec<ListItem>> {
        let rows: Vec<ListRow> =
            on_pool!(self, |p| {
                sqlx::query_as(concat!(
                "SELECT ", shown_cols!(), " FROM (SELECT article_id, sort_at FROM site_articles ",
                "WHERE site_id = $1 AND live ORDER BY sort_at DESC, article_id DESC LIMIT $2) s ",
                "JOIN articles a ON a.id = s.article_id ORDER BY s.sort_at DESC, s.article_id DESC"
            ))
            .bind(site.0)
            .bind(limit as i64)
            .fetch_all(p)
            .await
            .map_err(db_err)
            })?;
        Ok(rows.into_iter().map(ListItem::from).collect())
    }

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
        let total = self.catalogue_facets(site).await?.total(f);
        Ok((
            self.catalogue_rows(site, f, total, offset, limit).await?,
            total,
        ))
    }

    /// One page of [`Store::catalogue`] when the caller knows how many match
    /// ([`Facets::total`]): no row is read past `total`.
    pub async fn catalogue_rows(
        &self,
        site: SiteId,
        f: &CatalogueFilter,
        total: u64,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<ListItem>> {
        if limit == 0 || offset >= total {
            return Ok(Vec::new());
        }
        let topic = f.topic.clone().unwrap_or_default();
        let organ = f.organ.clone().unwrap_or_default();
        let (from, to) = year_range(f.year);
        let rows_sql = match (topic.is_empty(), organ.is_empty()) {
            (true, true) => catalogue_sql!("AND $2 = '' AND $3 = '' "),
            (false, true) => catalogue_sql!("AND topic = $2 AND $3 = '' "),
            (true, false) => catalogue_sql!("AND $2 = '' AND organ = $3 "),
            (false, false) => catalogue_sql!("AND topic = $2 AND organ = $3 "),
        };
        let rows: Vec<ListRow> = on_pool!(self, |p| {
            sqlx::query_as(rows_sql)
                .bind(site.0)
                .bind(&topic)
                .bind(&organ)
                .bind(from)
                .bind(to)
                .bind(limit as i64)
                .bind(offset as i64)
                .fetch_all(p)
                .await
                .map_err(db_err)
        })?;
        Ok(rows.into_iter().map(ListItem::from).collect())
    }

    /// The values the catalogue's filters can take on `site`: those at least one published
    /// document has, read from `catalogue_counts`.
    pub async fn catalogue_facets(&self, site: SiteId) -> Result<Facets> {
        let rows: Vec<(String, String, i32, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT topic, organ, year, n FROM catalogue_counts WHERE site_id = $1 AND n > 0",
            )
            .bind(site.0)
            .fetch_all(p)
            .await
            .map_err(db_err)
        })?;
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
        let rows: Vec<(i64, DateTime<Utc>)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT a.id, a.updated_at FROM (SELECT article_id, sort_at FROM site_articles \
             WHERE site_id = $1 AND live AND sort_at >= $2 AND sort_at < $3 \
             ORDER BY sort_at DESC, article_id DESC LIMIT $4) s JOIN articles a ON a.id = s.article_id \
             ORDER BY s.sort_at DESC, s.article_id DESC"
        )
        .bind(site.0)
        .bind(from)
        .bind(to)
        .bind(limit as i64)
        .fetch_all(p)
        .await
        .map_err(db_err)
        })?;
        Ok(rows.into_iter().map(|(id, t)| (ArticleId(id), t)).collect())
    }

    /// The publish times of the oldest and newest published article shown on `site`.
    pub async fn published_span(
        &self,
        site: SiteId,
    ) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
        let (first, last): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
            on_pool!(self, |p| sqlx::query_as(
                "SELECT (SELECT MIN(sort_at) FROM site_articles WHERE site_id = $1 AND live), \
                        (SELECT MAX(sort_at) FROM site_articles WHERE site_id = $1 AND live)"
            )
            .bind(site.0)
            .fetch_one(p)
            .await
            .map_err(db_err))?;
        Ok(first.zip(last))
    }

    /// Deletes all content and sites (used by `zhanqun demo` before reloading).
    pub async fn wipe(&self) -> Result<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            for sql in [
                "DELETE FROM visit_pages",
                "DELETE FROM visit_days",
                "DELETE FROM visit_province_days",
                "DELETE FROM annual_reports",
                "DELETE FROM list_entries",
                "DELETE FROM list_counts",
                "DELETE FROM placements",
                "DELETE FROM site_articles",
                "DELETE FROM catalogue_counts",
                "DELETE FROM column_counts",
                "UPDATE articles SET interprets_id = NULL",
                "DELETE FROM articles",
                "DELETE FROM index_counters",
                "UPDATE columns SET parent_id = NULL",
                "DELETE FROM columns",
                "DELETE FROM units",
                "DELETE FROM site_hosts",
                "UPDATE sites SET parent_id = NULL",
                "DELETE FROM sites",
            ] {
                sqlx::query(sql).execute(&mut *tx).await.map_err(db_err)?;
            }
            log_change!(self, tx, &Change::All);
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(())
        })?;
        self.notify(Change::All);
        Ok(())
    }

    /// Number of articles stored.
    pub async fn article_count(&self) -> Result<i64> {
        on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM articles"
        )
        .fetch_one(p)
        .await
        .map_err(db_err))
    }
}

/// The newest live placements of each of `n` columns (`$1` site, `$2` a column's limit,
/// columns from `$3`), one range of `placements_live` a column, column by column.
fn newest_placements_sql(n: usize) -> String {
    let union = (0..n)
        .map(|i| {
            format!(
                "SELECT * FROM (SELECT column_id, article_id, pinned, sort_at FROM placements \
                 WHERE column_id = ${} AND site_id = $1 AND live \
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
