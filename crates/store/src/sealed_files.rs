//! Files the public sends with a letter (附件) or an online application (申请材料): sealed like
//! the sender's personal data (`zhanqun_core::pii`), their names too, each bound to its record
//! and its position, so that a file copied to another record does not open. Written in the
//! record's own transaction (`insert_files!`), listed without names, opened one at a time by
//! the caller once it has checked and audited who asks, re-sealed on key rotation.

use serde::Serialize;
use zhanqun_core::pii::Keyring;
use zhanqun_core::{Error, Result};

use crate::{Store, fetch};

/// A file as sent: its name as the sender's computer gave it (cleaned), its type as its content
/// showed (`zhanqun_core::letters::attachment_type`), its bytes.
#[derive(Debug, Clone, Default)]
pub struct NewAttachment {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// A file as a handler's list shows it: no name (it may say who sent it), its type and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AttachmentLine {
    pub position: i64,
    pub mime: String,
    pub size: i64,
}

/// A file opened for one of its handlers.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// Which records' files: where they are kept and what their sealed values are bound to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Files {
    /// `letter_attachments`, bound to `letter:<查询码>`.
    Letter,
    /// `application_materials`, bound to `service_application:<查询码>`.
    Application,
}

impl Files {
    pub(crate) fn table(self) -> &'static str {
        match self {
            Files::Letter => "letter_attachments",
            Files::Application => "application_materials",
        }
    }
    pub(crate) fn owner(self) -> &'static str {
        match self {
            Files::Letter => "letter_id",
            Files::Application => "application_id",
        }
    }
    fn records(self) -> (&'static str, &'static str) {
        match self {
            Files::Letter => ("letters", "letter"),
            Files::Application => ("service_applications", "service_application"),
        }
    }
    /// The INSERT of one file (owner, position, mime, size, name, data).
    pub(crate) fn insert_sql(self) -> String {
        format!(
            "INSERT INTO {} ({}, position, mime, size, name_sealed, data_sealed) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            self.table(),
            self.owner()
        )
    }
}

/// The sealed fields of file `position`: its name and its bytes.
fn fields(position: i64) -> (String, String) {
    (
        format!("attachment{position}_name"),
        format!("attachment{position}"),
    )
}

/// A file sealed, ready for `insert_files!`.
pub(crate) struct SealedFile {
    pub position: i64,
    pub mime: String,
    pub size: i64,
    pub name: String,
    /// `Keyring::seal_blob`: bytes, not their hex (migration 0047).
    pub data: Vec<u8>,
}

/// Seals `files` for the record `at` (positions from 1) with the newest key.
pub(crate) fn seal(keys: &Keyring, at: &str, files: &[NewAttachment]) -> Result<Vec<SealedFile>> {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let position = i as i64 + 1;
            let (name_field, data_field) = fields(position);
            Ok(SealedFile {
                position,
                mime: f.mime.clone(),
                size: f.bytes.len() as i64,
                name: keys.seal(&name_field, at, &f.name)?,
                data: keys.seal_blob(&data_field, at, &f.bytes)?,
            })
        })
        .collect()
}

/// Writes sealed files of record `$owner` in transaction `$tx`.
macro_rules! insert_files {
    ($tx:expr, $files:expr, $owner:expr, $sealed:expr) => {{
        let sql = $files.insert_sql();
        for f in $sealed {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind($owner)
                .bind(f.position)
                .bind(&f.mime)
                .bind(f.size)
                .bind(&f.name)
                .bind(&f.data)
                .execute(&mut *$tx)
                .await
                .map_err(db_err)?;
        }
    }};
}
pub(crate) use insert_files;

impl Store {
    /// The files of record `owner`, by position, without their names.
    pub(crate) async fn file_lines(&self, files: Files, owner: i64) -> Result<Vec<AttachmentLine>> {
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT position, mime, size FROM {} WHERE {} = $1 ORDER BY position",
                files.table(),
                files.owner()
            )))
            .bind(owner)
        )
    }

    /// File `position` of record `owner` (bound to `at`), opened; `None` when there is none.
    /// The caller has checked and audited who asks.
    pub(crate) async fn open_file(
        &self,
        files: Files,
        owner: i64,
        position: i64,
        at: &str,
        keys: &Keyring,
    ) -> Result<Option<AttachmentFile>> {
        let row: Option<(String, String, Vec<u8>)> = fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT mime, name_sealed, data_sealed FROM {} WHERE {} = $1 AND position = $2",
                files.table(),
                files.owner()
            )))
            .bind(owner)
            .bind(position)
        )?;
        let Some((mime, name, data)) = row else {
            return Ok(None);
        };
        let (name_field, data_field) = fields(position);
        Ok(Some(AttachmentFile {
            name: keys.open(&name_field, at, &name)?,
            mime,
            bytes: keys.open_blob(&data_field, at, &data)?,
        }))
    }

    /// Seals again, under the newest key, up to `batch` files still under an older one, each
    /// in its own UPDATE. Names are read first (a file's name and bytes are always sealed
    /// together, under one key); the bytes only of the files to re-seal.
    pub(crate) async fn reseal_files(
        &self,
        files: Files,
        keys: &Keyring,
        batch: i64,
    ) -> Result<usize> {
        let (records, prefix) = files.records();
        let (table, owner) = (files.table(), files.owner());
        let rows: Vec<(i64, i64, String, String)> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT f.{owner}, f.position, r.query_code, f.name_sealed FROM {table} f \
                 JOIN {records} r ON r.id = f.{owner} ORDER BY f.{owner}, f.position"
            )))
        )?;
        let mut done = 0;
        for (id, position, code, name) in rows {
            if done as i64 >= batch {
                break;
            }
            if keys.is_current(&name) {
                continue;
            }
            let data: Vec<u8> = fetch!(
                self,
                one,
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT data_sealed FROM {table} WHERE {owner} = $1 AND position = $2"
                )))
                .bind(id)
                .bind(position)
            )?;
            let at = format!("{prefix}:{code}");
            let (name_field, data_field) = fields(position);
            let name = keys.seal(&name_field, &at, &keys.open(&name_field, &at, &name)?)?;
            let data =
                keys.seal_blob(&data_field, &at, &keys.open_blob(&data_field, &at, &data)?)?;
            let update = format!(
                "UPDATE {table} SET name_sealed = $1, data_sealed = $2 \
                 WHERE {owner} = $3 AND position = $4"
            );
            crate::exec!(
                self,
                sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                    .bind(&name)
                    .bind(&data)
                    .bind(id)
                    .bind(position)
            )?;
            done += 1;
        }
        Ok(done)
    }
}

/// What a handler is told when the file asked for is not there.
pub(crate) fn no_such_file() -> Error {
    Error::not_found("没有这个附件")
}
