//! Running the store in production: job leases across nodes, change notifications between
//! nodes, the integrity check, online backup of the database and a canonical content export
//! whose hash says whether two stores hold the same content.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zhanqun_core::*;

use crate::exec;
use crate::{Pool, Store, db_err, fetch};

/// A job lease as stored: who runs the job, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct JobLease {
    pub name: String,
    pub holder: String,
    pub expires_at: DateTime<Utc>,
    pub acquired_at: DateTime<Utc>,
}

/// What the integrity check found: empty when the store is sound.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Integrity {
    pub problems: Vec<String>,
    /// Rows checked of the main content tables.
    pub articles: i64,
    pub placements: i64,
    pub audit_records: i64,
}

impl Integrity {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Wakes a node when another node commits a change (PostgreSQL `LISTEN`).
pub struct ChangeWakeups(sqlx::postgres::PgListener);

impl ChangeWakeups {
    /// Waits for the next notification. A lost connection is re-established by the listener
    /// (notifications sent meanwhile are lost, which the periodic poll covers); this returns
    /// after reconnecting too, so the caller reads the log once more.
    pub async fn next(&mut self) -> Result<()> {
        self.0.recv().await.map(|_| ()).map_err(db_err)
    }
}

/// One line of the content export.
#[derive(Serialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum ExportLine {
    Site {
        id: i64,
        code: String,
        name: String,
        kind: String,
        status: String,
        theme: String,
        updated_at: DateTime<Utc>,
    },
    Host {
        host: String,
        site_id: i64,
    },
    Column {
        id: i64,
        site_id: i64,
        path: String,
        name: String,
        kind: String,
        body_html: Option<String>,
    },
    Article {
        id: i64,
        site_id: i64,
        index_number: String,
        title: String,
        body_html: String,
        status: String,
        published_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    },
    Placement {
        article_id: i64,
        site_id: i64,
        column_id: i64,
        pinned: bool,
    },
    Media {
        id: i64,
        site_id: i64,
        storage_name: String,
        bytes: i64,
        sha256: String,
    },
    Account {
        id: i64,
        username: String,
        display_name: String,
    },
}

impl Store {
    /// Takes or renews the lease on `job` for `ttl`: true when `holder` holds it afterwards.
    /// One statement, so two nodes can't both win; an expired lease is taken over.
    pub async fn hold_lease(
        &self,
        job: &str,
        holder: &str,
        at: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<bool> {
        let n = exec!(self, sqlx::query(
                "INSERT INTO job_leases (name, holder, expires_at, acquired_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, \
                   acquired_at = CASE WHEN job_leases.holder = excluded.holder \
                                      THEN job_leases.acquired_at ELSE excluded.acquired_at END \
                 WHERE job_leases.holder = excluded.holder OR job_leases.expires_at < excluded.acquired_at",
            )
            .bind(job)
            .bind(holder)
            .bind(at + ttl)
            .bind(at))?;
        Ok(n == 1)
    }

    /// Gives up a lease this holder has (a graceful stop), so another node takes over at once.
    pub async fn release_lease(&self, job: &str, holder: &str) -> Result<()> {
        exec!(
            self,
            sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2")
                .bind(job)
                .bind(holder)
        )
        .map(|_| ())
    }

    /// Every job lease, by name.
    pub async fn job_leases(&self) -> Result<Vec<JobLease>> {
        fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT name, holder, expires_at, acquired_at FROM job_leases ORDER BY name",
            )
        )
    }

    /// On PostgreSQL, a listener woken by every commit that writes the change log (a trigger
    /// sends `NOTIFY zhanqun_changes`); `None` on SQLite, where the periodic poll is all.
    pub async fn change_wakeups(&self) -> Result<Option<ChangeWakeups>> {
        match &self.pool {
            Pool::Sqlite(_) => Ok(None),
            Pool::Pg(p) => {
                let mut l = sqlx::postgres::PgListener::connect_with(p)
                    .await
                    .map_err(db_err)?;
                l.listen("zhanqun_changes").await.map_err(db_err)?;
                Ok(Some(ChangeWakeups(l)))
            }
        }
    }

    /// On PostgreSQL, the durability settings that are off (`fsync`, `synchronous_commit`,
    /// `full_page_writes`), each with its value: empty when a committed write survives a
    /// crash of the server or a power cut. Always empty on SQLite, whose settings are checked
    /// at connect.
    pub async fn pg_unsafe_settings(&self) -> Result<Vec<(String, String)>> {
        let Pool::Pg(p) = &self.pool else {
            return Ok(Vec::new());
        };
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, setting FROM pg_settings \
             WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name",
        )
        .fetch_all(p)
        .await
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter(|(_, v)| v == "off" || v == "local")
            .collect())
    }

    /// The integrity check: the database's own (SQLite `integrity_check` and
    /// `foreign_key_check`), the audit log's hash chain, and the content invariants the code
    /// relies on (every placement's column belongs to its site, every published article is
    /// placed somewhere).
    pub async fn integrity(&self) -> Result<Integrity> {
        let mut out = Integrity::default();
        if let Pool::Sqlite(p) = &self.pool {
            let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_all(p)
                .await
                .map_err(db_err)?;
            if rows != ["ok"] {
                out.problems.extend(
                    rows.into_iter()
                        .map(|r| format!("SQLite integrity_check: {r}")),
                );
            }
            let fk: Vec<(String, Option<i64>, String)> =
                sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
                    .fetch_all(p)
                    .await
                    .map_err(db_err)?;
            for (table, rowid, parent) in fk.into_iter().take(20) {
                // A table WITHOUT ROWID (list_entries, site_articles: migration 0050) has no
                // row number to name.
                out.problems.push(match rowid {
                    Some(r) => format!("foreign key: {table} row {r} points at a missing {parent}"),
                    None => format!("foreign key: a row of {table} points at a missing {parent}"),
                });
            }
        }
        let count =
            |sql: &'static str| async move { fetch!(self, one, sqlx::query_scalar::<_, i64>(sql)) };
        out.articles = count("SELECT COUNT(*) FROM articles").await?;
        out.placements = count("SELECT COUNT(*) FROM placements").await?;
        out.audit_records = count("SELECT COUNT(*) FROM audit_log").await?;
        let crossed = count(
            "SELECT COUNT(*) FROM placements p JOIN columns c ON c.id = p.column_id \
             WHERE c.site_id <> p.site_id",
        )
        .await?;
        if crossed > 0 {
            out.problems
                .push(format!("{crossed} placements in a column of another site"));
        }
        let unplaced = count(
            "SELECT COUNT(*) FROM articles a WHERE a.status = 'published' \
             AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.article_id = a.id)",
        )
        .await?;
        if unplaced > 0 {
            out.problems
                .push(format!("{unplaced} published articles placed in no column"));
        }
        let audit = self.audit_verify().await?;
        if !audit.ok() {
            out.problems
                .push(format!("audit log hash chain broken: {audit:?}"));
        }
        Ok(out)
    }

    /// The canonical content export: one JSON line per site, host, column, article, placement,
    /// media record and account, in key order — the same content gives the same bytes on
    /// either backend. Returns the lines' SHA-256 (hex) and count. (The audit log is not
    /// content: it has its own hash chain, and a restore adds a record to it.)
    pub async fn export(&self, out: &mut dyn std::io::Write) -> Result<(String, u64)> {
        let mut hasher = Sha256::new();
        let mut lines = 0u64;
        let mut emit = |line: ExportLine| -> Result<()> {
            let mut s = serde_json::to_string(&line).map_err(Error::internal)?;
            s.push('\n');
            hasher.update(s.as_bytes());
            out.write_all(s.as_bytes())
                .map_err(|e| Error::internal(format!("export: {e}")))?;
            lines += 1;
            Ok(())
        };
        type SiteRow = (i64, String, String, String, String, String, DateTime<Utc>);
        let sites: Vec<SiteRow> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT id, code, name, kind, status, theme, updated_at FROM sites ORDER BY id"
            )
        )?;
        for (id, code, name, kind, status, theme, updated_at) in sites {
            emit(ExportLine::Site {
                id,
                code,
                name,
                kind,
                status,
                theme,
                updated_at,
            })?;
        }
        let hosts: Vec<(String, i64)> = fetch!(
            self,
            all,
            sqlx::query_as("SELECT host, site_id FROM site_hosts ORDER BY host")
        )?;
        for (host, site_id) in hosts {
            emit(ExportLine::Host { host, site_id })?;
        }
        type ColumnRow = (i64, i64, String, String, String, Option<String>);
        let columns: Vec<ColumnRow> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT id, site_id, path, name, kind, body_html FROM columns ORDER BY id"
            )
        )?;
        for (id, site_id, path, name, kind, body_html) in columns {
            emit(ExportLine::Column {
                id,
                site_id,
                path,
                name,
                kind,
                body_html,
            })?;
        }
        // Articles in pages of a thousand: the export of a province does not fit in memory.
        let mut after = 0i64;
        loop {
            type ArticleRow = (
                i64,
                i64,
                String,
                String,
                String,
                String,
                DateTime<Utc>,
                DateTime<Utc>,
            );
            let page: Vec<ArticleRow> = fetch!(self, all, sqlx::query_as(
                "SELECT id, site_id, index_number, title, body_html, status, published_at, updated_at \
                 FROM articles WHERE id > $1 ORDER BY id LIMIT 1000"
            )
            .bind(after))?;
            let Some(last) = page.last() else { break };
            after = last.0;
            for (id, site_id, index_number, title, body_html, status, published_at, updated_at) in
                page
            {
                emit(ExportLine::Article {
                    id,
                    site_id,
                    index_number,
                    title,
                    body_html,
                    status,
                    published_at,
                    updated_at,
                })?;
            }
        }
        let mut after = 0i64;
        loop {
            let page: Vec<(i64, i64, i64, i64, bool)> = fetch!(
                self,
                all,
                sqlx::query_as(
                    "SELECT id, article_id, site_id, column_id, pinned FROM placements \
                 WHERE id > $1 ORDER BY id LIMIT 5000"
                )
                .bind(after)
            )?;
            let Some(last) = page.last() else { break };
            after = last.0;
            for (_, article_id, site_id, column_id, pinned) in page {
                emit(ExportLine::Placement {
                    article_id,
                    site_id,
                    column_id,
                    pinned,
                })?;
            }
        }
        let media: Vec<(i64, i64, String, i64, String)> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT id, site_id, storage_name, bytes, sha256 FROM media ORDER BY id"
            )
        )?;
        for (id, site_id, storage_name, bytes, sha256) in media {
            emit(ExportLine::Media {
                id,
                site_id,
                storage_name,
                bytes,
                sha256,
            })?;
        }
        let accounts: Vec<(i64, String, String)> = fetch!(
            self,
            all,
            sqlx::query_as("SELECT id, username, display_name FROM accounts ORDER BY id")
        )?;
        for (id, username, display_name) in accounts {
            emit(ExportLine::Account {
                id,
                username,
                display_name,
            })?;
        }
        Ok((hex::encode(hasher.finalize()), lines))
    }

    /// Writes a consistent copy of a SQLite store to `dest` while it is in use (`VACUUM INTO`:
    /// one read transaction, so the copy is a single moment). Refused on PostgreSQL, whose
    /// backup is `pg_dump` (see the operations guide).
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<()> {
        let Pool::Sqlite(p) = &self.pool else {
            return Err(Error::invalid(
                "PostgreSQL 存储请用 pg_dump 备份数据库、再复制上传文件目录（步骤见 ops/README.md）；zhanqun backup 只用于 SQLite",
            ));
        };
        if dest.exists() {
            return Err(Error::invalid(format!(
                "备份文件已存在：{}，请换一个目录",
                dest.display()
            )));
        }
        let path = dest
            .to_str()
            .ok_or_else(|| Error::invalid("备份路径须为 UTF-8"))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(p)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

/// An uploaded file as the store records it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediaFile {
    pub site_id: i64,
    pub storage_name: String,
    pub sha256: String,
    pub bytes: i64,
}

impl Store {
    /// Every uploaded file the store knows, by id (what a backup must copy).
    pub async fn media_files(&self) -> Result<Vec<MediaFile>> {
        fetch!(
            self,
            all,
            sqlx::query_as("SELECT site_id, storage_name, sha256, bytes FROM media ORDER BY id")
        )
    }
}
