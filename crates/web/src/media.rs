//! Uploads to a site's media library and serving them.
//!
//! An upload is streamed to a temporary file in `<data_dir>/media/<site id>/`, counting bytes as
//! they come: past the limit it stops and the partial file is removed. Its type is decided by its
//! first bytes (and must match its name); it is stored under a generated name (UUID v7 + the
//! type's extension) and recorded with its SHA-256. Served with `nosniff`, a sandboxing CSP, and
//! `Content-Disposition` that is `inline` only for images.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::Multipart;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use zhanqun_core::media::{clean_name, detect};
use zhanqun_core::{Error, Result, SiteId};
use zhanqun_store::{Actor, NewMedia};

use crate::App;

/// The folder of a site's files.
pub fn site_dir(app: &App, site: SiteId) -> PathBuf {
    app.config().data_dir.join("media").join(site.0.to_string())
}

/// What an upload became.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Uploaded {
    pub id: i64,
    pub url: String,
    pub name: String,
    pub content_type: String,
    pub bytes: i64,
}

fn multipart_err(e: axum::extract::multipart::MultipartError, max: u64) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::TooLarge(format!("文件过大：不能超过 {} MB", max / (1024 * 1024)))
    } else {
        Error::invalid(format!("上传内容无法读取：{}", e.body_text()))
    }
}

/// Receives the `file` field of a multipart upload into the site's media library.
pub async fn receive(
    app: &App,
    actor: &Actor,
    site: SiteId,
    mut multipart: Multipart,
) -> Result<Uploaded> {
    // Refuse before reading a byte of the body.
    app.store().may_upload(actor, site)?;
    let max = app.config().console.max_upload_bytes;
    let dir = site_dir(app, site);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| Error::internal(format!("media dir {}: {e}", dir.display())))?;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_err(e, max))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let original = clean_name(field.file_name().unwrap_or("附件"));
        let tmp = dir.join(format!(".upload-{}", uuid::Uuid::now_v7().simple()));
        let result = async {
            let mut file = tokio::fs::File::create(&tmp)
                .await
                .map_err(|e| Error::internal(format!("create {}: {e}", tmp.display())))?;
            let mut size: u64 = 0;
            let mut head: Vec<u8> = Vec::with_capacity(8192);
            let mut hasher = Sha256::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_err(e, max))? {
                size += chunk.len() as u64;
                if size > max {
                    return Err(Error::TooLarge(format!(
                        "文件过大：不能超过 {} MB",
                        max / (1024 * 1024)
                    )));
                }
                if head.len() < 8192 {
                    let take = (8192 - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk[..take]);
                }
                hasher.update(&chunk);
                file.write_all(&chunk)
                    .await
                    .map_err(|e| Error::internal(format!("write upload: {e}")))?;
            }
            file.sync_all()
                .await
                .map_err(|e| Error::internal(format!("sync upload: {e}")))?;
            if size == 0 {
                return Err(Error::invalid("上传的文件是空的"));
            }
            let kind = detect(&head, &original)?;
            Ok((size, kind, hex::encode(hasher.finalize())))
        }
        .await;
        let (size, kind, sha256) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let storage_name = format!("{}.{}", uuid::Uuid::now_v7().simple(), kind.ext);
        let path = dir.join(&storage_name);
        if let Err(e) = tokio::fs::rename(&tmp, &path).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(Error::internal(format!("store upload: {e}")));
        }
        let record = NewMedia {
            storage_name: storage_name.clone(),
            original_name: original.clone(),
            content_type: kind.mime.to_string(),
            bytes: i64::try_from(size).unwrap_or(i64::MAX),
            sha256,
        };
        return match app.store().add_media(actor, site, &record).await {
            Ok(id) => Ok(Uploaded {
                id,
                url: format!("/media/{storage_name}"),
                name: original,
                content_type: record.content_type,
                bytes: record.bytes,
            }),
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                Err(e)
            }
        };
    }
    Err(Error::invalid("请选择要上传的文件（表单字段 file）"))
}

/// Serves a file of a site's media library on the public listener.
pub async fn serve(app: &App, site: SiteId, name: &str, headers: &HeaderMap) -> Result<Response> {
    let record = app
        .store()
        .media_file(site, name)
        .await?
        .ok_or_else(|| Error::not_found("没有这个文件"))?;
    let etag = format!("\"{}\"", record.sha256);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let bytes = tokio::fs::read(site_dir(app, site).join(&record.storage_name))
        .await
        .map_err(|e| Error::internal(format!("media file {}: {e}", record.storage_name)))?;
    let inline = record.content_type.starts_with("image/");
    let ascii: String = record
        .original_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(&record.original_name, NON_ALPHANUMERIC)
    );
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    let mut set = |k: header::HeaderName, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set(header::CONTENT_TYPE, &record.content_type);
    set(header::CONTENT_DISPOSITION, &disposition);
    set(header::ETAG, &etag);
    set(header::CACHE_CONTROL, "public, max-age=86400");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; img-src 'self'; style-src 'none'; sandbox",
    );
    Ok(res)
}
