//! Uploads to a site's media library and serving them.
//!
//! An upload is streamed to a temporary file in `<data_dir>/media/<site id>/`, counting bytes as
//! they come: past the limit it stops. Its type is decided by its first bytes (and must match its
//! name); a zip-based file must hold the parts of its type and no macros, a PDF must carry no
//! script or other active content ([`zhanqun_core::media`]). It is stored under a generated name
//! (UUID v7 + the type's extension) and recorded with its SHA-256. The temporary file is removed
//! on every way out — refusal, error, or the request's time limit dropping the upload midway.
//!
//! The public site serves a file only once an article using it is published; until then the
//! console previews it (`/sites/{id}/media/{name}`). Files are streamed from disk with range
//! requests (tower-http's `ServeFile`), never read whole into memory, with `nosniff`, a
//! sandboxing CSP, and `Content-Disposition` that is `inline` only for images.

use std::path::{Path, PathBuf};

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

/// A temporary upload file, removed when dropped unless kept: every exit path, including the
/// request's time limit dropping the upload future, leaves nothing behind.
struct TempUpload(Option<PathBuf>);

impl TempUpload {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }

    /// Renames it into place; from then on it is no longer temporary.
    async fn keep_as(mut self, to: &Path) -> Result<()> {
        let from = self.0.take().unwrap_or_default();
        if let Err(e) = tokio::fs::rename(&from, to).await {
            let _ = std::fs::remove_file(&from);
            return Err(Error::internal(format!("store upload: {e}")));
        }
        Ok(())
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// What the container of an upload holds, checked against its type (zip parts, PDF names).
async fn check_content(path: &Path, kind: zhanqun_core::media::MediaType) -> Result<()> {
    let path = path.to_path_buf();
    let checked = tokio::task::spawn_blocking(move || -> Result<()> {
        if kind.mime == "application/pdf" || is_zip(kind) {
            let bytes =
                std::fs::read(&path).map_err(|e| Error::internal(format!("read upload: {e}")))?;
            check_bytes(&bytes, kind)?;
        }
        Ok(())
    })
    .await;
    checked.map_err(|e| Error::internal(format!("content check: {e}")))?
}

fn is_zip(kind: zhanqun_core::media::MediaType) -> bool {
    kind.mime.contains("openxmlformats") || kind.mime == "application/zip"
}

/// [`check_content`] on a file in memory (a letter's attachment): a PDF without scripts, a zip
/// container whose parts are those of its type. Blocking: small files only.
pub(crate) fn check_bytes(bytes: &[u8], kind: zhanqun_core::media::MediaType) -> Result<()> {
    let (mime, ext) = (kind.mime, kind.ext);
    if mime == "application/pdf" {
        if let Some(name) = zhanqun_core::media::pdf_active_content(bytes)? {
            return Err(Error::invalid(format!(
                "PDF 中含有脚本或可执行内容（/{name}），不能上传：请另存为普通 PDF（如“打印为 PDF”）后重试"
            )));
        }
    } else if is_zip(kind) {
        let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
            Error::invalid(format!(
                "文件不是有效的 .{ext} 文件（压缩结构损坏），请检查后重新上传"
            ))
        })?;
        let names: Vec<String> = zip
            .file_names()
            .map(|n| n.map(|n| n.into_owned()))
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| Error::invalid(format!("文件不是有效的 .{ext} 文件（文件名编码损坏）")))?;
        zhanqun_core::media::check_container(mime, ext, &names)?;
    }
    Ok(())
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
        let tmp = TempUpload(Some(
            dir.join(format!(".upload-{}", uuid::Uuid::now_v7().simple())),
        ));
        let (size, kind, sha256) = async {
            let mut file = tokio::fs::File::create(tmp.path())
                .await
                .map_err(|e| Error::internal(format!("create {}: {e}", tmp.path().display())))?;
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
            drop(file);
            check_content(tmp.path(), kind).await?;
            Ok::<_, Error>((size, kind, hex::encode(hasher.finalize())))
        }
        .await?;
        let storage_name = format!("{}.{}", uuid::Uuid::now_v7().simple(), kind.ext);
        let path = dir.join(&storage_name);
        tmp.keep_as(&path).await?;
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

/// Serves a published file of a site's media library on the public listener.
pub async fn serve(app: &App, site: SiteId, name: &str, headers: &HeaderMap) -> Result<Response> {
    let record = app
        .store()
        .media_file(site, name)
        .await?
        .ok_or_else(|| Error::not_found("没有这个文件"))?;
    respond(app, site, &record, headers, "public, max-age=86400").await
}

/// Serves the `n`th file of data set `dataset` of `site` (published there) at its stable
/// address: the media library's file, byte for byte.
pub async fn serve_dataset_file(
    app: &App,
    site: SiteId,
    dataset: zhanqun_core::ArticleId,
    n: usize,
    headers: &HeaderMap,
) -> Result<Response> {
    let missing = || Error::not_found("没有这个数据集或文件");
    let (a, _) = app
        .store()
        .article_on_site(dataset, site)
        .await?
        .ok_or_else(missing)?;
    if a.site_id != site || a.status != zhanqun_core::ArticleStatus::Published {
        return Err(missing());
    }
    let meta = app.store().dataset(dataset).await?.ok_or_else(missing)?;
    let file = n
        .checked_sub(1)
        .and_then(|i| meta.files.get(i))
        .ok_or_else(missing)?;
    serve(app, site, file.stored_name(), headers).await
}

/// Serves a file, published or not, to the console (preview before publication).
pub async fn preview(
    app: &App,
    actor: &Actor,
    site: SiteId,
    name: &str,
    headers: &HeaderMap,
) -> Result<Response> {
    let record = app
        .store()
        .media_file_for(actor, site, name)
        .await?
        .ok_or_else(|| Error::not_found("没有这个文件"))?;
    respond(app, site, &record, headers, "private, no-store").await
}

/// The file streamed from disk (ranges honoured), with our headers.
async fn respond(
    app: &App,
    site: SiteId,
    record: &zhanqun_store::MediaRecord,
    headers: &HeaderMap,
    cache: &str,
) -> Result<Response> {
    let etag = format!("\"{}\"", record.sha256);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    // Only the headers ServeFile reads: ranges. (Its date validators are ours to skip: the ETag
    // above is the content's hash.)
    let mut req = axum::http::Request::new(Body::empty());
    for h in [header::RANGE, header::IF_RANGE] {
        if let Some(v) = headers.get(&h) {
            req.headers_mut().insert(h, v.clone());
        }
    }
    let path = site_dir(app, site).join(&record.storage_name);
    let served = tower::ServiceExt::oneshot(tower_http::services::ServeFile::new(&path), req)
        .await
        .map_err(|e| Error::internal(format!("media file {}: {e}", record.storage_name)))?;
    if served.status() == StatusCode::NOT_FOUND {
        return Err(Error::internal(format!(
            "media file {} missing on disk",
            record.storage_name
        )));
    }
    let mut res = served.map(Body::new);
    let inline = record.content_type.starts_with("image/");
    let disposition = disposition(&record.original_name, inline);
    let h = res.headers_mut();
    h.remove(header::LAST_MODIFIED);
    let mut set = |k: header::HeaderName, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set(header::CONTENT_TYPE, &record.content_type);
    set(header::CONTENT_DISPOSITION, &disposition);
    set(header::ETAG, &etag);
    set(header::CACHE_CONTROL, cache);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; img-src 'self'; style-src 'none'; sandbox",
    );
    Ok(res)
}

/// `Content-Disposition` for a file named `name`: an ASCII fallback and the UTF-8 name.
fn disposition(name: &str, inline: bool) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(name, NON_ALPHANUMERIC)
    )
}

/// A private file (a letter's attachment) as a download: never shown inline, never cached,
/// never sniffed into something that runs.
pub fn private_download(name: &str, mime: &str, bytes: Vec<u8>) -> Response {
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    let mut set = |k: header::HeaderName, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set(header::CONTENT_TYPE, mime);
    set(header::CONTENT_DISPOSITION, &disposition(name, false));
    set(header::CACHE_CONTROL, "no-store");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; sandbox",
    );
    res
}
