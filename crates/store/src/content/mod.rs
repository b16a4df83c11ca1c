//! Articles and placements: writing them, and the reads public pages need.

use crate::BeginWrite;
use chrono::{DateTime, NaiveDate, Utc};
use zhanqun_core::*;

use crate::input::ArticleInput;
use crate::rows::{ArticleRow, ListRow, article_cols, list_cols};
use crate::{Change, Store, db_err, fetch, log_change, now, on_pool};

/// What an article page shows: [`Store::article_page`].
#[derive(Debug, Clone)]
pub struct ArticlePage {
    pub article: Article,
    /// The column of the site the article is shown in (its first placement there).
    pub column: ColumnId,
    pub structured: Option<crate::Structured>,
    /// Whether a published interpretation points at this article (only then are they read).
    pub interpreted: bool,
}

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
/// `$6` limit, `$7` offset; `$filter` names the index (each variant mentions every parameter),
/// `$order` the end the offset counts from ([`zhanqun_core::paging::window`]).
macro_rules! catalogue_sql {
    ($filter:literal, $order:literal) => {
        concat!(
            "SELECT ",
            shown_cols!(),
            " FROM (SELECT article_id, sort_at FROM site_articles ",
            "WHERE site_id = $1 AND live AND disclosure ",
            $filter,
            "AND sort_at >= $4 AND sort_at < $5 ORDER BY ",
            $order,
            " LIMIT $6 OFFSET $7) s ",
            "JOIN articles a ON a.id = s.article_id ORDER BY s.sort_at DESC, s.article_id DESC"
        )
    };
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
                    let q = sqlx::query_scalar(concat!(
                        "INSERT INTO articles (site_id, unit_id, index_number, title, subtitle, summary, author, source, source_url, ",
                        "body_html, status, publish_date, published_at, is_disclosure, doc_number, written_date, issuing_organ, ",
                        "validity, topic, interprets_id, created_at, updated_at, home_column_id, created_by, revision, cover_url) ",
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22, $23, $24, $25) ",
                        "RETURNING id"
                    ))
                    .bind(site.0)
                    .bind(input.unit.map(|u| u.0))
                    .bind(&index_number);
                    let q = crate::input::bind_text!(q, &input)
                    .bind(if input.published { "published" } else { "draft" })
                    .bind(date)
                    .bind(published_at);
                    let id: i64 = crate::input::bind_disclosure!(q, &input)
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
                    crate::services::save_guide!(tx, id, input);
                    crate::datasets::save_dataset!(tx, id, input);
                    if let Some((account, _)) = by {
                        crate::history::record_revision!(tx, id, 1_i64, account, input, ts);
                        crate::history::record_event!(
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
            if let Some(g) = input.service.as_ref().filter(|_| input.published) {
                zhanqun_core::service::publishable(&input.title, g, &self.service_elements)?;
            }
            if let Some(d) = input.dataset.as_ref().filter(|_| input.published) {
                d.publishable()?;
            }
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
                    &format!("{} {}", input.body_html, linked_files(input)),
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
        let change = on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let current: Option<(DateTime<Utc>, Option<i64>, i64, String)> = sqlx::query_as(
                "SELECT published_at, interprets_id, site_id, status FROM articles WHERE id = $1",
            )
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
            let (current, old_policy, owner, status) =
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
                crate::history::record_revision!(tx, id.0, rev, account, input, ts);
                crate::audit::append_audit!(tx, entry);
            }
            let published_at = input.published_at.unwrap_or(current);
            let q = sqlx::query(
                "UPDATE articles SET title = $1, subtitle = $2, summary = $3, author = $4, source = $5, source_url = $6, \
                 body_html = $7, publish_date = $8, published_at = $9, is_disclosure = $10, doc_number = $11, \
                 written_date = $12, issuing_organ = $13, validity = $14, topic = $15, interprets_id = $16, updated_at = $17, \
                 cover_url = $19 WHERE id = $18",
            );
            let q = crate::input::bind_text!(q, &input)
                .bind(published_at.date_naive())
                .bind(published_at);
            crate::input::bind_disclosure!(q, &input)
                .bind(ts)
                .bind(id.0)
                .bind(&input.cover_url)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            crate::services::save_guide!(tx, id.0, input);
            crate::datasets::save_dataset!(tx, id.0, input);
            if ArticleStatus::parse(&status)? == ArticleStatus::Published {
                // A published article edited in place (the demo's forms): the files it now
                // links become public with it, as they would have on publication.
                crate::media::publish_media!(
                    tx,
                    owner,
                    &format!("{} {}", input.body_html, linked_files(&input)),
                    input.cover_url.as_deref(),
                    ts
                );
            }
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
            Ok::<_, Error>(crate::history::commit_change!(self, tx, change))
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
            Ok::<_, Error>(crate::history::commit_article_change!(self, tx, id.0))
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
                "DELETE FROM list_months",
                "DELETE FROM placements",
                "DELETE FROM site_articles",
                "DELETE FROM catalogue_counts",
                "DELETE FROM column_counts",
                "UPDATE articles SET interprets_id = NULL",
                "DELETE FROM service_items",
                "DELETE FROM datasets",
                "DELETE FROM articles",
                "DELETE FROM index_counters",
                "UPDATE columns SET parent_id = NULL",
                "DELETE FROM columns",
                "DELETE FROM service_application_events",
                "DELETE FROM service_applications",
                "DELETE FROM service_tokens",
                "DELETE FROM receipt_counters",
                "DELETE FROM info_request_events",
                "DELETE FROM info_requests",
                "DELETE FROM faqs",
                "DELETE FROM interview_questions",
                "DELETE FROM interviews",
                "DELETE FROM survey_answers",
                "DELETE FROM surveys",
                "DELETE FROM letter_events",
                "DELETE FROM letters",
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
        fetch!(
            self,
            one,
            sqlx::query_scalar("SELECT COUNT(*) FROM articles")
        )
    }
}

// After the macros above (`macro_rules!` reach the modules declared below them).
mod catalogue;
mod reads;

pub(crate) use catalogue::year_range;
pub use catalogue::{CatalogueFilter, Facets};

/// The `/media/…` links of an article's guide (forms, samples) and data set (its files), as
/// one text for `publish_media!`.
fn linked_files(input: &ArticleInput) -> String {
    let mut links: Vec<&str> = Vec::new();
    if let Some(g) = &input.service {
        links.extend(g.media_links());
    }
    if let Some(d) = &input.dataset {
        links.extend(d.media_links());
    }
    links.join(" ")
}
