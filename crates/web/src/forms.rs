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

/// Largest form body taken, in bytes (a letter of 5,000 characters is about 45 KB encoded).
pub const MAX_BODY: usize = 64 * 1024;

/// The form of a POST, at most [`MAX_BODY`] bytes.
pub(crate) async fn read_form<T: serde::de::DeserializeOwned>(body: Body) -> Result<T> {
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Error::TooLarge("提交的内容过长，请删减后再提交".into()))?;
    serde_urlencoded::from_bytes(&bytes).map_err(|_| Error::invalid("提交的表单无效，请重新填写"))
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
