//! What the search index reads: published articles and where they are shown.

use std::collections::HashMap;

use zhanqun_core::*;

use crate::rows::{ArticleRow, article_cols};
use crate::{Store, db_err, fetch, on_pool};

/// A published article and every (site, column) that shows it, reprints included.
#[derive(Debug, Clone)]
pub struct Searchable {
    pub article: Article,
    pub placements: Vec<(SiteId, ColumnId)>,
}

/// Ids per query when reading articles by id (well under both backends' bind limits).
const CHUNK: usize = 200;

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Published, placed articles with an id above `after`, by id, at most `limit`: a rebuild
    /// reads the store in these batches.
    pub async fn searchable_after(&self, after: ArticleId, limit: u64) -> Result<Vec<Searchable>> {
        let rows: Vec<ArticleRow> = fetch!(
            self,
            all,
            sqlx::query_as(concat!(
                "SELECT ",
                article_cols!(),
                " FROM articles a WHERE a.id > $1 AND a.status = 'published' ",
                // `p.article_id > $1` repeats what a.id > $1 implies: without it PostgreSQL
                // merged with the placements index read from its start, every batch (72-77 ms a
                // batch at a million articles, the whole rebuild's reading quadratic).
                "AND EXISTS (SELECT 1 FROM placements p WHERE p.article_id = a.id AND p.article_id > $1) ",
                "ORDER BY a.id LIMIT $2"
            ))
            .bind(after.0)
            .bind(limit as i64)
        )?;
        let Some(last) = rows.last().map(|r| r.id) else {
            return Ok(Vec::new());
        };
        let places: Vec<(i64, i64, i64)> = fetch!(self, all, sqlx::query_as(
            "SELECT article_id, site_id, column_id FROM placements WHERE article_id > $1 AND article_id <= $2 ORDER BY id"
        )
        .bind(after.0)
        .bind(last))?;
        join(rows, places)
    }

    /// The listed articles that are published and placed somewhere; the others (drafts,
    /// withdrawn, deleted) are left out, so the index removes them.
    pub async fn searchable(&self, ids: &[ArticleId]) -> Result<Vec<Searchable>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let list = placeholders(1, chunk.len());
            let sql = format!(
                "SELECT {} FROM articles a WHERE a.status = 'published' AND a.id IN ({list}) ORDER BY a.id",
                article_cols!()
            );
            let rows: Vec<ArticleRow> = on_pool!(self, |p| {
                // Only placeholders are spliced in; the ids are bound.
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for id in chunk {
                    q = q.bind(id.0);
                }
                q.fetch_all(p).await.map_err(db_err)
            })?;
            if rows.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT article_id, site_id, column_id FROM placements WHERE article_id IN ({list}) ORDER BY id"
            );
            let places: Vec<(i64, i64, i64)> = on_pool!(self, |p| {
                // Only placeholders are spliced in; the ids are bound.
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for id in chunk {
                    q = q.bind(id.0);
                }
                q.fetch_all(p).await.map_err(db_err)
            })?;
            out.extend(join(rows, places)?);
        }
        Ok(out)
    }

    /// How many articles the index should hold (published and placed).
    pub async fn searchable_count(&self) -> Result<u64> {
        let n: i64 = fetch!(
            self,
            one,
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM articles a WHERE a.status = 'published' AND EXISTS (SELECT 1 FROM placements p WHERE p.article_id = a.id)"
            )
        )?;
        Ok(n.max(0) as u64)
    }

    /// Names that must stay whole words when text is cut: sites and their units (佳县人民政府,
    /// 佳县应急管理局).
    pub async fn search_words(&self) -> Result<Vec<String>> {
        let words: Vec<String> = fetch!(
            self,
            all,
            sqlx::query_scalar("SELECT name FROM sites UNION SELECT name FROM units")
        )?;
        Ok(words)
    }

    /// The oldest change-log id still kept (older rows are pruned), if any.
    pub async fn first_change_id(&self) -> Result<Option<i64>> {
        fetch!(
            self,
            one,
            sqlx::query_scalar("SELECT MIN(id) FROM change_log")
        )
    }
}

fn join(rows: Vec<ArticleRow>, places: Vec<(i64, i64, i64)>) -> Result<Vec<Searchable>> {
    let mut by_article: HashMap<i64, Vec<(SiteId, ColumnId)>> = HashMap::new();
    for (a, s, c) in places {
        by_article
            .entry(a)
            .or_default()
            .push((SiteId(s), ColumnId(c)));
    }
    rows.into_iter()
        .map(|r| {
            let placements = by_article.remove(&r.id).unwrap_or_default();
            Ok(Searchable {
                article: Article::try_from(r)?,
                placements,
            })
        })
        .collect()
}
