//! The media library of a site: records of uploaded files (the bytes live on disk under a
//! generated name). Uploading needs an editing role somewhere on the site.

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::*;

use crate::audit::insert_audited;
use crate::{Actor, Outcome, Store, fetch, now};

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MediaRecord {
    pub id: i64,
    pub site_id: i64,
    pub storage_name: String,
    pub original_name: String,
    pub content_type: String,
    pub bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<String>,
    pub at: DateTime<Utc>,
    /// When an article using it was first published: from then on the public site serves it.
    pub published_at: Option<DateTime<Utc>>,
}

/// A file to record (already on disk under `storage_name`).
#[derive(Debug, Clone)]
pub struct NewMedia {
    pub storage_name: String,
    pub original_name: String,
    pub content_type: String,
    pub bytes: i64,
    pub sha256: String,
}

/// Inside a publishing transaction: the site's files that an article's body or cover uses
/// become public (they are served on the site from then on).
macro_rules! publish_media {
    ($tx:expr, $site:expr, $body:expr, $cover:expr, $ts:expr) => {{
        for name in zhanqun_core::media::referenced($body, $cover) {
            sqlx::query(
                "UPDATE media SET published_at = $1 \
                 WHERE site_id = $2 AND storage_name = $3 AND published_at IS NULL",
            )
            .bind($ts)
            .bind($site)
            .bind(name)
            .execute(&mut *$tx)
            .await
            .map_err(db_err)?;
        }
    }};
}
pub(crate) use publish_media;

const MEDIA_SQL: &str = "SELECT m.id, m.site_id, m.storage_name, m.original_name, m.content_type, m.bytes, m.sha256, \
     u.display_name AS uploaded_by, m.at, m.published_at FROM media m LEFT JOIN accounts u ON u.id = m.uploaded_by";

impl Store {
    /// Whether the actor may upload to the site's media library (`Forbidden` otherwise).
    pub fn may_upload(&self, actor: &Actor, site: SiteId) -> Result<()> {
        if actor.principal.may_on_site(Act::Edit, site) {
            Ok(())
        } else {
            Err(Error::forbidden("您没有在该网站上传文件的权限"))
        }
    }

    /// Records an uploaded file, with its audit record.
    pub async fn add_media(&self, actor: &Actor, site: SiteId, m: &NewMedia) -> Result<i64> {
        self.may_upload(actor, site)?;
        let code: String = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT code FROM sites WHERE id = $1").bind(site.0)
        )?
        .ok_or_else(|| Error::not_found(format!("网站 {site} 不存在")))?;
        let entry = actor.entry(
            &actor.principal.role_text(),
            Some(&code),
            "media.upload",
            format!(
                "media {} “{}” {} bytes",
                m.storage_name, m.original_name, m.bytes
            ),
            Outcome::Success,
            Some(format!("sha256 {}", m.sha256)),
        );
        let ts = now();
        insert_audited!(
            self,
            sqlx::query_scalar(
                "INSERT INTO media (site_id, storage_name, original_name, content_type, bytes, sha256, uploaded_by, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(site.0)
            .bind(&m.storage_name)
            .bind(&m.original_name)
            .bind(&m.content_type)
            .bind(m.bytes)
            .bind(&m.sha256)
            .bind(actor.principal.id())
            .bind(ts),
            &entry
        )
    }

    /// A site's media library, newest first (readers of the site).
    pub async fn media_of_site(&self, actor: &Actor, site: SiteId) -> Result<Vec<MediaRecord>> {
        if !actor.principal.may_on_site(Act::Read, site) {
            return Err(Error::not_found(format!("网站 {site} 不存在")));
        }
        let sql = format!("{MEDIA_SQL} WHERE m.site_id = $1 ORDER BY m.id DESC LIMIT 500");
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(site.0)
        )
    }

    /// A published file of a site by its storage name (public serving: only that site's files,
    /// and only once an article using them is published).
    pub async fn media_file(
        &self,
        site: SiteId,
        storage_name: &str,
    ) -> Result<Option<MediaRecord>> {
        Ok(self
            .media_record(site, storage_name)
            .await?
            .filter(|m| m.published_at.is_some()))
    }

    /// A file of a site for the console's preview, published or not (readers of the site).
    pub async fn media_file_for(
        &self,
        actor: &Actor,
        site: SiteId,
        storage_name: &str,
    ) -> Result<Option<MediaRecord>> {
        if !actor.principal.may_on_site(Act::Read, site) {
            return Ok(None);
        }
        self.media_record(site, storage_name).await
    }

    async fn media_record(&self, site: SiteId, storage_name: &str) -> Result<Option<MediaRecord>> {
        let sql = format!("{MEDIA_SQL} WHERE m.site_id = $1 AND m.storage_name = $2");
        fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(site.0)
                .bind(storage_name)
        )
    }
}
