//! 数据开放 on the store: a data set is an article with its description for machines in
//! `datasets`, written in the article's own transaction (so review, revisions and audit are the
//! article's), and the reads of the public catalogue.

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::dataset::DatasetMeta;
use zhanqun_core::{ArticleId, Error, Result, SiteId};

use crate::{Store, fetch};

/// Writes (or replaces) the data set description of article `$id` inside the caller's
/// transaction, when the input carries one.
macro_rules! save_dataset {
    ($tx:expr, $id:expr, $input:expr) => {{
        if let Some(m) = &$input.dataset {
            let json = serde_json::to_string(m)
                .map_err(|e| zhanqun_core::Error::internal(format!("dataset: {e}")))?;
            sqlx::query(
                "INSERT INTO datasets (article_id, site_id, frequency, meta, generator) \
                 VALUES ($1, (SELECT site_id FROM articles WHERE id = $1), $2, $3, $4) \
                 ON CONFLICT (article_id) DO UPDATE SET frequency = excluded.frequency, meta = excluded.meta, \
                 generator = excluded.generator, \
                 generated_at = CASE WHEN COALESCE(datasets.generator, '') = COALESCE(excluded.generator, '') \
                 THEN datasets.generated_at END",
            )
            .bind($id)
            .bind(m.frequency.as_str())
            .bind(json)
            .bind(m.generated.map(|g| g.as_str()))
            .execute(&mut *$tx)
            .await
            .map_err($crate::db_err)?;
        }
    }};
}
pub(crate) use save_dataset;

/// A published data set of a site, as the catalogue lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetEntry {
    pub id: ArticleId,
    pub title: String,
    pub description: Option<String>,
    pub index_number: String,
    pub publisher: Option<String>,
    pub issued: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub meta: DatasetMeta,
}

type Row = (
    i64,
    String,
    Option<String>,
    String,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
    String,
);

fn parse(json: &str, id: i64) -> Result<DatasetMeta> {
    serde_json::from_str(json)
        .map_err(|e| Error::internal(format!("data set {id}: stored description: {e}")))
}

/// What an article carries besides its body: a service item's guide or a data set's description.
#[derive(Debug, Clone)]
pub enum Structured {
    Guide(Box<zhanqun_core::service::ServiceGuide>),
    Dataset(DatasetMeta),
}

/// The guide or data set description stored beside article `id` (a guide wins).
pub(crate) fn structured_of(
    id: ArticleId,
    guide: Option<String>,
    meta: Option<String>,
) -> Result<Option<Structured>> {
    Ok(match (guide, meta) {
        (Some(g), _) => Some(Structured::Guide(serde_json::from_str(&g).map_err(
            |e| Error::internal(format!("service item {id}: stored guide: {e}")),
        )?)),
        (None, Some(m)) => Some(Structured::Dataset(parse(&m, id.0)?)),
        (None, None) => None,
    })
}

impl Store {
    /// The guide or data set description of article `id`, if any, in one read (the article page
    /// asks on every render).
    pub async fn structured(&self, id: ArticleId) -> Result<Option<Structured>> {
        let row: Option<(Option<String>, Option<String>)> = fetch!(
            self,
            optional,
            sqlx::query_as(
                "SELECT g.guide, d.meta FROM articles a LEFT JOIN service_items g ON g.article_id = a.id \
                 LEFT JOIN datasets d ON d.article_id = a.id WHERE a.id = $1"
            )
            .bind(id.0)
        )?;
        match row {
            Some((guide, meta)) => structured_of(id, guide, meta),
            None => Ok(None),
        }
    }

    /// The description of article `id`, if it is a data set.
    pub async fn dataset(&self, id: ArticleId) -> Result<Option<DatasetMeta>> {
        let json: Option<String> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT meta FROM datasets WHERE article_id = $1").bind(id.0)
        )?;
        json.map(|j| parse(&j, id.0)).transpose()
    }

    /// The published data sets of `site`, newest update first (at most 500: a site's catalogue).
    pub async fn site_datasets(&self, site: SiteId) -> Result<Vec<DatasetEntry>> {
        let rows: Vec<Row> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT a.id, a.title, a.summary, a.index_number, u.name, a.published_at, a.updated_at, d.meta \
                 FROM datasets d JOIN articles a ON a.id = d.article_id LEFT JOIN units u ON u.id = a.unit_id \
                 WHERE d.site_id = $1 AND a.status = 'published' ORDER BY a.updated_at DESC, a.id DESC LIMIT 500"
            )
            .bind(site.0)
        )?;
        rows.into_iter()
            .map(
                |(id, title, description, index_number, publisher, issued, modified, meta)| {
                    Ok(DatasetEntry {
                        id: ArticleId(id),
                        title,
                        description,
                        index_number,
                        publisher,
                        issued,
                        modified,
                        meta: parse(&meta, id)?,
                    })
                },
            )
            .collect()
    }
}
