//! What the public forms share (the letters, the surveys): reading a bounded form body, and a
//! page of the site's own that is never cached.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use zhanqun_core::{Error, Result};

use chrono::{DateTime, Utc};
use zhanqun_core::form::FormTicket;

use crate::App;
use crate::directory::SiteCtx;
use crate::pages::HTML;

/// Puts a fresh ticket for a form of `ctx`'s site into `view`: the sealed `ticket` for the
/// hidden field and the human check's `question`.
pub(crate) fn with_ticket(
    app: &App,
    ctx: &SiteCtx,
    view: &mut Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let ticket = FormTicket::new(ctx.site.id, now);
    view["ticket"] = serde_json::json!(ticket.seal(app.letters().keys())?);
    view["question"] = serde_json::json!(ticket.question());
    Ok(())
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

/// A form that may carry files (`multipart/form-data`; an urlencoded one is read as by
/// [`read_form`]): its text fields, deserialized as [`read_form`] does, and the files of field
/// `files` that were chosen (at most `max_files`, each at most `max_file` bytes, refused with a
/// message that names the file). The whole body is bounded before it is read.
pub(crate) async fn read_form_with_files<T: serde::de::DeserializeOwned>(
    content_type: Option<&str>,
    body: Body,
    files: &str,
    max_files: usize,
    max_file: u64,
) -> Result<(T, Vec<Upload>)> {
    let Some(boundary) = content_type
        .filter(|ct| ct.starts_with("multipart/form-data"))
        .and_then(|ct| multer::parse_boundary(ct).ok())
    else {
        return Ok((read_form(body).await?, Vec::new()));
    };
    let mb = max_file.div_ceil(1024 * 1024);
    let too_large = || {
        Error::TooLarge(format!(
            "提交的内容过大：每个附件不超过 {mb} MB，最多 {max_files} 个，正文不超过 64 KB"
        ))
    };
    let whole = MAX_BODY as u64 + max_file.saturating_add(4096) * max_files as u64;
    let limits = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(whole)
            .per_field(max_file.max(MAX_BODY as u64) + 1),
    );
    let mut form = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
    let unreadable = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            too_large()
        }
        _ => Error::invalid("提交的表单无效，请重新填写"),
    };
    let (mut text, mut uploads) = (Vec::<(String, String)>::new(), Vec::<Upload>::new());
    let mut text_bytes = 0usize;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == files {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(unreadable)?;
            if file_name.is_empty() && bytes.is_empty() {
                continue; // the file input left empty
            }
            if uploads.len() == max_files {
                return Err(Error::invalid(format!("最多附 {max_files} 个文件")));
            }
            let shown = zhanqun_core::media::clean_name(&file_name);
            if bytes.len() as u64 > max_file {
                return Err(Error::TooLarge(format!(
                    "附件“{shown}”过大：每个附件不超过 {mb} MB"
                )));
            }
            if bytes.is_empty() {
                return Err(Error::invalid(format!("附件“{shown}”是空的")));
            }
            uploads.push(Upload {
                name: shown,
                bytes: bytes.to_vec(),
            });
        } else {
            let value = field.text().await.map_err(unreadable)?;
            text_bytes += name.len() + value.len();
            if text_bytes > MAX_BODY {
                return Err(too_large());
            }
            text.push((name, value));
        }
    }
    let encoded = serde_urlencoded::to_string(&text)
        .map_err(|_| Error::invalid("提交的表单无效，请重新填写"))?;
    let fields = serde_urlencoded::from_str(&encoded)
        .map_err(|_| Error::invalid("提交的表单无效，请重新填写"))?;
    Ok((fields, uploads))
}

/// A page of the site under 互动交流 (`template` with `view`), answered `no-store`.
pub(crate) fn own(
    app: &App,
    ctx: &SiteCtx,
    status: StatusCode,
    template: &str,
    title: &str,
    view: Value,
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
    view: Value,
) -> Result<Response> {
    let html = app.render_own(ctx, template, title, nav, view)?;
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
