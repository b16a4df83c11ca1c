//! What the public forms share (the letters, the surveys): reading a bounded form body, and a
//! page of the site's own that is never cached.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zhanqun_core::{Error, Result};

use chrono::{DateTime, Utc};
use zhanqun_core::form::FormTicket;

use crate::App;
use crate::directory::SiteCtx;
use crate::pages::HTML;

/// What a page under `/hudong/`, `/ysqgk/` or `/banshi/` reads of its request: which page, whether
/// it is a POST, the body a POST brings, the visitor's address (for the hourly limits) and the headers
/// (the survey's answered-cookie, a multipart form's boundary).
pub struct Incoming<'a> {
    pub page: &'a crate::desk::LetterPage,
    pub post: bool,
    pub body: Body,
    pub client: std::net::IpAddr,
    pub headers: &'a axum::http::HeaderMap,
}

impl Incoming<'_> {
    /// The posted form, parsed (see [`read_form`]).
    pub(crate) async fn form<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        read_form(self.body).await
    }

    /// The posted form and its files under `field` (see [`read_form_with_files`]).
    pub(crate) async fn form_with_files<T: serde::de::DeserializeOwned>(
        self,
        app: &App,
        field: &str,
        max_files: usize,
    ) -> Result<(T, Result<Vec<Upload>>)> {
        let content_type = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let max_file = app.config().letters.attachment_max_bytes;
        read_form_with_files(content_type, self.body, field, max_files, max_file).await
    }
}

/// A fresh ticket for a form of a site, as the form's template reads it: the sealed `ticket`
/// for the hidden field and the human check's `question`. Flattened into a form page's view.
#[derive(Debug, Serialize)]
pub(crate) struct Ticket {
    ticket: String,
    question: String,
}

impl Ticket {
    /// A new ticket for a form of `ctx`'s site.
    pub(crate) fn new(app: &App, ctx: &SiteCtx, now: DateTime<Utc>) -> Result<Ticket> {
        let ticket = FormTicket::new(ctx.site.id, now);
        Ok(Ticket {
            ticket: ticket.seal(app.letters().keys())?,
            question: ticket.question().to_string(),
        })
    }
}

/// How many files a form takes, and how large each may be (in MB), as the form says it.
#[derive(Debug, Serialize)]
pub(crate) struct FileLimits {
    pub count: usize,
    pub mb: u64,
}

impl FileLimits {
    pub(crate) fn new(app: &App, count: usize) -> FileLimits {
        FileLimits {
            count,
            mb: app
                .config()
                .letters
                .attachment_max_bytes
                .div_ceil(1024 * 1024),
        }
    }
}

/// A form let in by [`admit`] was stored (`again`: the same one had been before): a first one
/// counts against `key`'s hourly limit. Gives the thank-you to show.
pub(crate) fn counted<'a>(
    app: &App,
    key: &str,
    again: bool,
    first: &'a str,
    repeat: &'a str,
) -> &'a str {
    if again {
        repeat
    } else {
        app.letters().hit(key);
        first
    }
}

/// Counts a status look-up from `client` (留言, 依申请公开 and 办件 share one count per address)
/// and says whether it is past `[letters] lookups_per_address_per_hour`.
pub(crate) fn too_many_lookups(app: &App, client: std::net::IpAddr) -> bool {
    app.letters().hit(&format!("q:{client}")) > app.config().letters.lookups_per_address_per_hour
}

/// What a visitor past [`too_many_lookups`] is told.
pub(crate) const TOO_MANY_LOOKUPS: &str = "查询过于频繁，请一小时后再试";

/// The first checks of a status look-up from `client`: counted against the address's hourly
/// limit (past it: 429), then what was typed read by `parse` (not read: 400). Answers what was
/// read, or the status and message the look-up page shows again.
pub(crate) fn lookup_checked<T>(
    app: &App,
    client: std::net::IpAddr,
    parse: impl FnOnce() -> Result<T>,
) -> std::result::Result<T, (StatusCode, String)> {
    if too_many_lookups(app, client) {
        return Err((StatusCode::TOO_MANY_REQUESTS, TOO_MANY_LOOKUPS.into()));
    }
    parse().map_err(|e| (StatusCode::BAD_REQUEST, e.public_message()))
}

/// Admits a form sent to `ctx`'s site: under the hourly limit of `key` (`[letters]
/// per_address_per_hour`), with a good ticket of this site and the right answer to its human
/// check. A survey's answer and an interview's question come through here; the letter form has
/// limits of its own (per site, and every attempt counted).
pub(crate) fn admit(
    app: &App,
    ctx: &SiteCtx,
    key: &str,
    ticket: &str,
    answer: &str,
    now: DateTime<Utc>,
) -> Result<FormTicket> {
    if app.letters().hits(key) >= app.config().letters.per_address_per_hour {
        return Err(Error::Locked("您提交得太频繁，请稍后再试".into()));
    }
    let t = FormTicket::open(app.letters().keys(), ctx.site.id, ticket, now)?;
    t.check_answer(answer)?;
    Ok(t)
}

/// The hourly counters of one kind of public write (letters, 依申请公开, online applications)
/// for one client and one site, counted once the write is made.
pub(crate) struct WriteKeys {
    addr: String,
    site: String,
}

impl WriteKeys {
    /// Counts a write that was made (not one the same form had made before).
    pub(crate) fn made(&self, app: &App) {
        app.letters().hit(&self.addr);
        app.letters().hit(&self.site);
    }
}

/// A kind of public write, with its own hourly counters: a short tag, and what to say when the
/// site's limit is reached.
pub(crate) struct WriteKind {
    tag: &'static str,
    busy: &'static str,
}

pub(crate) const LETTER: WriteKind = WriteKind {
    tag: "w",
    busy: "本网站此刻收到的留言太多，请稍后再试",
};
pub(crate) const INFO_REQUEST: WriteKind = WriteKind {
    tag: "d",
    busy: "本网站此刻收到的申请太多，请稍后再试",
};
pub(crate) const APPLICATION: WriteKind = WriteKind {
    tag: "b",
    busy: "本网站此刻收到的申请太多，请稍后再试",
};

/// Admits a write of `kind` on a public form (a letter, an 依申请公开 application, an online
/// application) from `client` to `ctx`'s site: every attempt counts toward six times the hourly
/// limit per address (guessing the human check is no way in), made writes toward the limits per
/// address and per site (`[letters]`), then the ticket of this site and its answer.
pub(crate) fn admit_write(
    app: &App,
    ctx: &SiteCtx,
    kind: &WriteKind,
    client: std::net::IpAddr,
    ticket: &str,
    answer: &str,
    now: DateTime<Utc>,
) -> Result<(FormTicket, WriteKeys)> {
    let (kind, busy) = (kind.tag, kind.busy);
    let limits = &app.config().letters;
    let desk = app.letters();
    let keys = WriteKeys {
        addr: format!("{kind}:{client}"),
        site: format!("{kind}s:{}", ctx.site.id),
    };
    let attempts = desk.hit(&format!("{kind}a:{client}"));
    if attempts > limits.per_address_per_hour.saturating_mul(6)
        || desk.hits(&keys.addr) >= limits.per_address_per_hour
    {
        return Err(Error::Locked(
            "您提交得太频繁，请一小时后再试。如有急事，请拨打页面下方的联系电话".into(),
        ));
    }
    if desk.hits(&keys.site) >= limits.per_site_per_hour {
        return Err(Error::Locked(busy.into()));
    }
    let t = FormTicket::open(desk.keys(), ctx.site.id, ticket, now)?;
    t.check_answer(answer)?;
    Ok((t, keys))
}

/// Largest form body taken, in bytes (a letter of 5,000 characters is about 45 KB encoded).
pub const MAX_BODY: usize = 64 * 1024;

/// The form of a POST, at most [`MAX_BODY`] bytes.
pub(crate) async fn read_form<T: serde::de::DeserializeOwned>(body: Body) -> Result<T> {
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Error::TooLarge("提交的内容过长，请删减后再提交".into()))?;
    serde_urlencoded::from_bytes(&bytes).map_err(|_| Error::invalid("提交的表单无效，请重新填写"))
}

/// A file of a multipart form as sent: the name the browser gave it, its bytes.
pub(crate) struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Multipart posts read at once on this node: each may hold a few MB until it is sealed.
static MULTIPART: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(8);

/// A form that may carry files (`multipart/form-data`; an urlencoded one is read as by
/// [`read_form`]): its text fields, deserialized as [`read_form`] does, and the files of field
/// `files` that were chosen — or what is wrong with them (more than `max_files`, one over
/// `max_file` bytes, empty), said on the form, which comes back filled in, rather than lost with
/// it: a file too large is read to its end and dropped. Text fields are at most 64 KB in all; the
/// whole body is bounded (64 KB and `max_files` files) and at most eight such bodies are read at
/// once on a node.
pub(crate) async fn read_form_with_files<T: serde::de::DeserializeOwned>(
    content_type: Option<&str>,
    body: Body,
    files: &str,
    max_files: usize,
    max_file: u64,
) -> Result<(T, Result<Vec<Upload>>)> {
    let Some(boundary) = content_type
        .filter(|ct| ct.starts_with("multipart/form-data"))
        .and_then(|ct| multer::parse_boundary(ct).ok())
    else {
        return Ok((read_form(body).await?, Ok(Vec::new())));
    };
    let _permit = MULTIPART
        .try_acquire()
        .map_err(|_| Error::Locked("此刻提交的附件太多，请稍后再试".into()))?;
    let mb = max_file.div_ceil(1024 * 1024);
    let too_large = || {
        Error::TooLarge(format!(
            "提交的内容过大：每个文件不超过 {mb} MB，最多 {max_files} 个，文字不超过 64 KB"
        ))
    };
    let whole = MAX_BODY as u64 + max_file.saturating_add(4096) * (max_files as u64 + 1);
    let limits = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(whole)
            .per_field(MAX_BODY as u64)
            .for_field(files.to_string(), whole),
    );
    let mut form = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
    let unreadable = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            too_large()
        }
        _ => Error::invalid("提交的表单无效，请重新填写"),
    };
    let (mut text, mut uploads) = (Vec::<(String, String)>::new(), Vec::<Upload>::new());
    let mut problem: Option<Error> = None;
    let mut text_bytes = 0usize;
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if name != files {
            let value = field.text().await.map_err(unreadable)?;
            text_bytes += name.len() + value.len();
            if text_bytes > MAX_BODY {
                return Err(too_large());
            }
            text.push((name, value));
            continue;
        }
        let shown = zhanqun_core::media::clean_name(field.file_name().unwrap_or_default());
        let chosen = field.file_name().is_some_and(|n| !n.is_empty());
        let mut bytes: Vec<u8> = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if over || (bytes.len() + chunk.len()) as u64 > max_file {
                over = true; // read on to the end, keep nothing
                bytes = Vec::new();
            } else {
                bytes.extend_from_slice(&chunk);
            }
        }
        if !chosen && bytes.is_empty() && !over {
            continue; // the file input left empty
        }
        if problem.is_some() {
            continue;
        }
        problem = if uploads.len() == max_files {
            Some(Error::invalid(format!("最多附 {max_files} 个文件")))
        } else if over {
            Some(Error::TooLarge(format!(
                "文件“{shown}”过大：每个文件不超过 {mb} MB"
            )))
        } else if bytes.is_empty() {
            Some(Error::invalid(format!("文件“{shown}”是空的")))
        } else {
            uploads.push(Upload { name: shown, bytes });
            None
        };
    }
    let encoded = serde_urlencoded::to_string(&text)
        .map_err(|_| Error::invalid("提交的表单无效，请重新填写"))?;
    let fields = serde_urlencoded::from_str(&encoded)
        .map_err(|_| Error::invalid("提交的表单无效，请重新填写"))?;
    Ok((fields, problem.map_or(Ok(uploads), Err)))
}

/// Files sent with a letter or an application, each recognised by its content: a photo or a
/// document (`letters::attachment_type`), a PDF without scripts, a Word file that is one.
/// Checked off the async threads (a PDF's streams are inflated to look inside).
pub(crate) async fn checked_files(
    files: Result<Vec<Upload>>,
) -> Result<Vec<zhanqun_store::NewAttachment>> {
    let files = files?;
    if files.is_empty() {
        return Ok(Vec::new());
    }
    tokio::task::spawn_blocking(move || {
        files
            .into_iter()
            .map(|f| {
                let head = &f.bytes[..f.bytes.len().min(8192)];
                let kind = zhanqun_core::letters::attachment_type(head, &f.name)?;
                crate::media::check_bytes(&f.bytes, kind)?;
                Ok(zhanqun_store::NewAttachment {
                    name: f.name,
                    mime: kind.mime.to_string(),
                    bytes: f.bytes,
                })
            })
            .collect()
    })
    .await
    .map_err(|e| Error::internal(format!("file check: {e}")))?
}

/// A page of the site under 互动交流 (`template` with `view`), answered `no-store`.
pub(crate) fn own(
    app: &App,
    ctx: &SiteCtx,
    status: StatusCode,
    template: &str,
    title: &str,
    view: impl Serialize,
) -> Result<Response> {
    own_in(app, ctx, status, template, title, "hdjl", view)
}

/// As [`own`], under the navigation entry `nav`.
pub(crate) fn own_in(
    app: &App,
    ctx: &SiteCtx,
    status: StatusCode,
    template: &str,
    title: &str,
    nav: &str,
    view: impl Serialize,
) -> Result<Response> {
    let html = app.render_own(ctx, template, title, nav, &view)?;
    Ok((
        status,
        [
            (header::CONTENT_TYPE, HTML),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response())
}
