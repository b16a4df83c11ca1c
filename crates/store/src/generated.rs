//! Generated data sets (数据开放 from the platform's own figures): a published data set whose
//! description names a [`Generator`] gets its file written by the platform, and written again
//! once every month (Beijing time), so that it is never 待更新. The job of the node holding the
//! jobs lease calls [`Store::regenerate_datasets`]; the demo calls it once after loading.
//!
//! The data set went through review when it was released with its generator; a monthly file is
//! the platform's own published figures recounted, so it is written without a second review, as
//! the system, audited (`dataset.generate`), and the data set's 更新时间 moves to it. The earlier
//! files stay in the media library (links to them keep working).

use std::path::Path;

use chrono::{DateTime, Datelike, Months, Utc};
use sha2::{Digest, Sha256};
use zhanqun_core::dataset::{DatasetMeta, Distribution, Generator, regeneration_due};
use zhanqun_core::{Article, ArticleId, Error, Result, SiteId};

use crate::audit::{AuditEntry, Outcome};
use crate::rows::{ArticleRow, article_cols};
use crate::{ArticleInput, BeginWrite, Store, db_err, fetch, log_change, on_pool};

/// A generated data set as the job reads it: article, site, site code, description, when its
/// file was last written.
type DueRow = (i64, i64, String, String, Option<DateTime<Utc>>);

/// The twelve whole months (Beijing time) before the month of `now`, oldest first, as
/// `YYYY-MM`, with the instant each starts and the instant after the last one ends.
fn last_twelve_months(now: DateTime<Utc>) -> (Vec<String>, DateTime<Utc>, DateTime<Utc>) {
    let local = zhanqun_core::beijing::day(now);
    let this_month = local.with_day(1).unwrap_or(local);
    let first = this_month
        .checked_sub_months(Months::new(12))
        .unwrap_or(this_month);
    let months = (0..12)
        .filter_map(|i| first.checked_add_months(Months::new(i)))
        .map(|d| d.format("%Y-%m").to_string())
        .collect();
    (
        months,
        zhanqun_core::beijing::start_of(first),
        zhanqun_core::beijing::start_of(this_month),
    )
}

/// `times` counted per Beijing month of `months` (zero where none).
fn per_month(months: &[String], times: &[DateTime<Utc>]) -> Vec<i64> {
    let mut counts = vec![0_i64; months.len()];
    for t in times {
        let m = zhanqun_core::beijing::at(*t).format("%Y-%m").to_string();
        if let Some(i) = months.iter().position(|x| *x == m) {
            counts[i] += 1;
        }
    }
    counts
}

impl Store {
    /// The rows of `generator`'s file for `site`: the twelve whole months before `now`'s, each
    /// with its figures.
    pub async fn generated_figures(
        &self,
        site: SiteId,
        generator: Generator,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, Vec<i64>)>> {
        let (months, from, to) = last_twelve_months(now);
        let months = &months;
        let column = |sql: &'static str| async move {
            let times: Vec<DateTime<Utc>> = fetch!(
                self,
                all,
                sqlx::query_scalar(sql).bind(site.0).bind(from).bind(to)
            )?;
            Ok::<_, Error>(per_month(months, &times))
        };
        let columns = match generator {
            Generator::Publishing => vec![
                column(
                    "SELECT published_at FROM articles WHERE site_id = $1 AND status = 'published' \
                     AND published_at >= $2 AND published_at < $3",
                )
                .await?,
            ],
            Generator::Letters => vec![
                column(
                    "SELECT received_at FROM letters WHERE site_id = $1 \
                     AND state NOT IN ('merged', 'invalid') AND received_at >= $2 AND received_at < $3",
                )
                .await?,
                column(
                    "SELECT replied_at FROM letters WHERE site_id = $1 \
                     AND state NOT IN ('merged', 'invalid') AND replied_at >= $2 AND replied_at < $3",
                )
                .await?,
            ],
        };
        Ok(months
            .iter()
            .enumerate()
            .map(|(i, m)| (m.clone(), columns.iter().map(|c| c[i]).collect()))
            .collect())
    }

    /// Writes the file of every published generated data set of an active site that has none
    /// yet or none of `now`'s month, into the media library under `media_root`; answers how
    /// many were written. One that fails is logged and the others are still written; the run
    /// is then an error that says how many failed.
    pub async fn regenerate_datasets(
        &self,
        media_root: &Path,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let rows: Vec<DueRow> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT d.article_id, d.site_id, s.code, d.meta, d.generated_at \
                 FROM datasets d JOIN articles a ON a.id = d.article_id JOIN sites s ON s.id = d.site_id \
                 WHERE d.generator IS NOT NULL AND a.status = 'published' AND s.status = 'active' \
                 ORDER BY d.article_id"
            )
        )?;
        let (mut written, mut failed) = (0, 0);
        for (id, site, code, meta, last) in rows {
            if !regeneration_due(last, now) {
                continue;
            }
            let (id, site) = (ArticleId(id), SiteId(site));
            match self
                .regenerate(media_root, id, site, &code, &meta, now)
                .await
            {
                Ok(true) => written += 1,
                Ok(false) => {}
                Err(e) => {
                    failed += 1;
                    tracing::warn!(dataset = %id, site.code = %code, error = %e, "generated data set not written");
                }
            }
        }
        if failed > 0 {
            return Err(Error::internal(format!(
                "{failed} generated data set(s) not written ({written} written)"
            )));
        }
        Ok(written)
    }

    /// Writes one data set's file and records it; `false` when the data set changed since
    /// `stored` was read (an editor took it back): nothing is then kept.
    async fn regenerate(
        &self,
        media_root: &Path,
        id: ArticleId,
        site: SiteId,
        code: &str,
        stored: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut meta: DatasetMeta = serde_json::from_str(stored)
            .map_err(|e| Error::internal(format!("data set {id}: stored description: {e}")))?;
        let Some(generator) = meta.generated else {
            return Ok(false);
        };
        let rows = self.generated_figures(site, generator, now).await?;
        let last_month = rows.last().map(|r| r.0.clone()).unwrap_or_default();
        // With a byte order mark, as spreadsheet programs need to read UTF-8 as such.
        let bytes = format!("\u{feff}{}", generator.csv(&rows)).into_bytes();
        let sha = hex::encode(Sha256::digest(&bytes));
        let storage_name = format!("{}.csv", uuid::Uuid::now_v7().simple());
        let dir = media_root.join(site.0.to_string());
        let path = dir.join(&storage_name);
        write_durably(&dir, &path, &bytes).await.map_err(|e| {
            Error::internal(format!("data set {id}: write {}: {e}", path.display()))
        })?;
        let original = generator.file_name(&last_month);
        meta.files = vec![Distribution {
            title: original.trim_end_matches(".csv").to_string(),
            file: format!("/media/{storage_name}"),
        }];
        let json = serde_json::to_string(&meta)
            .map_err(|e| Error::internal(format!("data set {id}: {e}")))?;
        let entry = AuditEntry {
            actor: "system".into(),
            role: "system".into(),
            site_code: Some(code.to_string()),
            client: None,
            action: "dataset.generate".into(),
            object: Some(format!("article:{id}")),
            outcome: Outcome::Success,
            request_id: None,
            detail: Some(format!(
                "{} {storage_name} {} bytes sha256 {sha}",
                generator.label(),
                bytes.len()
            )),
        };
        // The transaction in its own future: a `?` inside ends it, not this function, so the
        // file is removed whatever went wrong.
        let written = async {
            on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                // Only the description read above, of a data set still published: an editor
                // who took it back in the meantime keeps their draft.
                let kept = sqlx::query(
                    "UPDATE datasets SET meta = $1, generated_at = $2 WHERE article_id = $3 AND meta = $4 \
                     AND EXISTS (SELECT 1 FROM articles a WHERE a.id = $3 AND a.status = 'published')",
                )
                .bind(&json)
                .bind(now)
                .bind(id.0)
                .bind(stored)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                if kept == 0 {
                    return Ok(None);
                }
                sqlx::query(
                    "INSERT INTO media (site_id, storage_name, original_name, content_type, bytes, sha256, uploaded_by, at, published_at) \
                     VALUES ($1, $2, $3, 'text/csv', $4, $5, NULL, $6, $6)",
                )
                .bind(site.0)
                .bind(&storage_name)
                .bind(&original)
                .bind(bytes.len() as i64)
                .bind(&sha)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                // A revision and an event, as an editor's change leaves: the history shows
                // which file the platform put in and when.
                let rev: Option<i64> = sqlx::query_scalar(
                    "UPDATE articles SET updated_at = $1, revision = revision + 1 \
                     WHERE id = $2 AND status = 'published' RETURNING revision",
                )
                .bind(now)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
                // Taken back between the two statements (PostgreSQL reads each statement's
                // own snapshot): nothing is kept.
                let Some(rev) = rev else { return Ok(None) };
                // The revision: the article as it stands, read after the row was taken (so
                // no edit can come between), with the new description, the fields as an
                // editor's save writes them.
                let row: ArticleRow = sqlx::query_as(concat!(
                    "SELECT ",
                    article_cols!(),
                    " FROM articles WHERE id = $1"
                ))
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                let input = ArticleInput {
                    dataset: Some(meta.clone()),
                    ..ArticleInput::republished(Article::try_from(row)?)
                };
                sqlx::query(
                    "INSERT INTO revisions (article_id, rev, at, account_id, title, body_html, fields) \
                     VALUES ($1, $2, $3, NULL, $4, $5, $6)",
                )
                .bind(id.0)
                .bind(rev)
                .bind(now)
                .bind(&input.title)
                .bind(&input.body_html)
                .bind(crate::input::revision_fields(&input))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                crate::history::record_event!(
                    tx,
                    id.0,
                    None::<i64>,
                    "dataset.generate",
                    "published",
                    "published",
                    Some(format!("{}：{original}", generator.label())),
                    now
                );
                let change = crate::history::article_change!(tx, id.0);
                log_change!(self, tx, &change);
                crate::audit::commit_audited!(tx, &entry);
                Ok::<_, Error>(Some(change))
            })
        }
        .await;
        match written {
            Ok(Some(change)) => {
                self.notify(change);
                Ok(true)
            }
            Ok(None) => {
                let _ = tokio::fs::remove_file(&path).await;
                Ok(false)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                Err(e)
            }
        }
    }
}

/// Writes `bytes` to `path` in `dir` as an upload is kept: a temporary file, synced, then
/// renamed into place, so that a crash never leaves a recorded file empty or cut short.
async fn write_durably(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    tokio::fs::create_dir_all(dir).await?;
    let tmp = dir.join(format!(".generated-{}", uuid::Uuid::now_v7().simple()));
    let written = async {
        let mut f = tokio::fs::File::create(&tmp).await?;
        f.write_all(bytes).await?;
        f.sync_all().await?;
        drop(f);
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    written
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn twelve_whole_beijing_months() {
        // 2026-12-31 17:00 UTC is 2027-01-01 01:00 in Beijing: the months are those of 2026.
        let now = DateTime::parse_from_rfc3339("2026-12-31T17:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (months, from, to) = last_twelve_months(now);
        assert_eq!(months.first().unwrap(), "2026-01");
        assert_eq!(months.last().unwrap(), "2026-12");
        assert_eq!(months.len(), 12);
        assert_eq!(from.to_rfc3339(), "2025-12-31T16:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-12-31T16:00:00+00:00");
        let inside = DateTime::parse_from_rfc3339("2026-03-31T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(per_month(&months, &[inside])[3], 1, "April in Beijing");
    }
}
