//! The console: server-rendered Chinese pages on the management listener. No build step: the
//! templates and assets are compiled into the binary; the editor is Squire over a textarea that
//! works without JavaScript. Every page calls the same domain functions as the JSON API.

use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value as JsonValue, json};
use zhanqun_core::{Act, ArticleId, ArticleStatus, ColumnId, Error, ErrorCode, SiteId, Validity};
use zhanqun_store::{Transition, WorkItem};

mod admin;
mod applications;
mod appointments;
mod articles;
mod dashboards;
mod datasets;
mod disclosure;
mod faq;
mod interviews;
mod letter_stats;
mod letters;
mod reprint;
mod reprint_board;
mod services;
mod session;
mod stats;
mod structured;
mod surveys;

use crate::auth::{self, Access, Authed, Routes};
use crate::service::{ArticleBody, DisclosureBody, login_with, next_step, qr_svg, revision_diff};
use crate::view::ASSETS;
pub(crate) use crate::view::{error_page, render, with_status};
use zhanqun_web::App;

/// The common values of a page (the signed-in account, navigation) merged with `extra`.
/// Rows a page of the console's long lists shows (sites of the province, check results).
const LIST_PAGE: usize = 50;

/// Page `raw` (`?page=`) of a console list and its pager for the templates (`paging`: page,
/// last, total, prev and next URLs). `base` is the list's URL with its other parameters. A
/// page beyond the last is a 404, a page number that is not one a 400.
fn paged<'a, T>(
    items: &'a [T],
    raw: Option<&str>,
    base: &str,
) -> Result<(&'a [T], JsonValue), PageError> {
    let page = zhanqun_core::Page::parse(raw)?;
    let rows = page
        .rows(items.len(), LIST_PAGE)
        .ok_or_else(|| Error::not_found("页码超出范围"))?;
    let last = zhanqun_core::Page::count(items.len(), LIST_PAGE) as u64;
    let n = page.number();
    let join = if base.contains('?') { '&' } else { '?' };
    let url = |p: u64| format!("{base}{join}page={p}");
    let pager = json!({
        "page": n, "last": last, "total": items.len(),
        "prev": (n > 1).then(|| url(n - 1)),
        "next": (n < last).then(|| url(n + 1)),
    });
    Ok((&items[rows], pager))
}

fn page(a: Option<&Authed>, nav: &str, title: &str, extra: JsonValue) -> JsonValue {
    crate::view::page_of(a.map(|a| &a.actor.principal), nav, title, extra)
}

fn fail(err: Error) -> Response {
    if let Error::Internal(detail) = &err {
        tracing::error!(error = %detail, "console request failed");
    }
    error_page(err.code(), &err.public_message())
}

/// A failed console request: rendered as a console error page.
pub struct PageError(Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        fail(self.0)
    }
}

type PageResult = Result<Response, PageError>;

/// A form the domain refused: its page again, drawn by `again` with the refusal's message, and
/// answered with the refusal's status (400, 403, 409…).
async fn refusal_page<Fut>(e: Error, again: impl FnOnce(String) -> Fut) -> PageResult
where
    Fut: std::future::Future<Output = PageResult>,
{
    let status = zhanqun_web::status_of(e.code());
    let page = again(e.public_message()).await?;
    Ok(with_status(page, status))
}

/// What a console page says above its content after a form: the notice of what was done, or the
/// refusal to show in red. On the service tokens page the notice is the new token, shown once, so
/// a `Notice` is never logged (it has no `Debug`).
#[derive(Default)]
pub(crate) struct Notice {
    pub flash: Option<String>,
    pub error: Option<String>,
}

impl Notice {
    pub fn done(msg: String) -> Notice {
        Notice {
            flash: Some(msg),
            error: None,
        }
    }

    pub fn refused(msg: String) -> Notice {
        Notice {
            flash: None,
            error: Some(msg),
        }
    }
}

/// A form's outcome on its own page, drawn by `page_with(notice)`: success as the notice,
/// a refusal that `shown` picks as the error with its status (see `refusal_page`), any other error
/// as the error page.
async fn outcome_page<Fut>(
    res: Result<String, Error>,
    shown: impl Fn(&Error) -> bool,
    page_with: impl FnOnce(Notice) -> Fut,
) -> PageResult
where
    Fut: std::future::Future<Output = PageResult>,
{
    match res {
        Ok(flash) => page_with(Notice::done(flash)).await,
        Err(e) if shown(&e) => refusal_page(e, |msg| page_with(Notice::refused(msg))).await,
        Err(e) => Err(PageError(e)),
    }
}

/// A form that goes on to another page: success as a redirect to the URL it answers, a refusal
/// that `shown` picks as the form's page again drawn by `again` (see `refusal_page`), any other
/// error as the error page.
async fn redirect_outcome<Fut>(
    res: Result<String, Error>,
    shown: impl Fn(&Error) -> bool,
    again: impl FnOnce(String) -> Fut,
) -> PageResult
where
    Fut: std::future::Future<Output = PageResult>,
{
    match res {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) if shown(&e) => refusal_page(e, again).await,
        Err(e) => Err(PageError(e)),
    }
}

/// A page of the 互动交流 section (letters, interviews, surveys, applications…).
fn interaction_page(a: &Authed, template: &str, title: &str, ctx: JsonValue) -> Response {
    render(template, page(Some(a), "letters", title, ctx))
}

/// A CSV file that the browser saves as `name`.
fn csv_download(name: &str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

crate::extract::edge_extractors!(PageError);

/// A posted console form, parsed at the edge: a body that does not fit the form (a number field
/// given letters, a field left out by a hand-made request) gets the Chinese error page that
/// names the field, not axum's English 422.
pub struct Form<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for Form<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Form::<T>::from_request(req, state)
            .await
            .map(|f| Form(f.0))
            .map_err(|e| PageError::from(crate::extract::form_error(&e)))
    }
}

/// Security headers of every management response: no caching of back-office pages, no
/// framing, a CSP that allows only our own scripts and styles.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        if !h.contains_key(&k) {
            h.insert(k, HeaderValue::from_static(v));
        }
    };
    set(h, header::CACHE_CONTROL, "no-store");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    res
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, ct, bytes)) => (
            [
                (header::CONTENT_TYPE, *ct),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *bytes,
        )
            .into_response(),
        None => error_page(ErrorCode::NotFound, "没有这个文件"),
    }
}

// ---- media -------------------------------------------------------------------------------

async fn media_page_with(app: &App, a: &Authed, site: SiteId, n: Notice) -> PageResult {
    let files = app.store().media_of_site(&a.actor, site).await?;
    let s = app
        .store()
        .site(site)
        .await?
        .ok_or_else(|| Error::not_found("网站不存在"))?;
    let base_url = format!(
        "{}://{}",
        app.config().public_scheme,
        s.hosts.first().cloned().unwrap_or_default()
    );
    let max_mb = app.config().console.max_upload_bytes / (1024 * 1024);
    let can_upload = a.actor.principal.may_on_site(Act::Edit, site);
    let ctx = json!({
        "site": &s, "files": files, "base_url": base_url, "max_mb": max_mb,
        "can_upload": can_upload, "flash": n.flash, "error": n.error,
    });
    Ok(render("media.html", page(Some(a), "sites", "媒体库", ctx)))
}

async fn media_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> PageResult {
    media_page_with(&app, &a, id, Notice::default()).await
}

/// A file of the library as the console previews it, published or not.
async fn media_preview(
    State(app): State<Arc<App>>,
    a: Authed,
    headers: HeaderMap,
    Path((id, name)): Path<(i64, String)>,
) -> PageResult {
    Ok(zhanqun_web::media::preview(&app, &a.actor, SiteId(id), &name, &headers).await?)
}

async fn media_upload(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let res = zhanqun_web::media::receive(&app, &a.actor, id, multipart)
        .await
        .map(|up| format!("已上传“{}”，正文中可引用地址 {}", up.name, up.url));
    outcome_page(
        res,
        |e| matches!(e, Error::InvalidInput(_) | Error::TooLarge(_)),
        |n| media_page_with(&app, &a, id, n),
    )
    .await
}

// ---- work ---------------------------------------------------------------------------------

async fn my_work(State(app): State<Arc<App>>, a: Authed) -> PageResult {
    let work = app.store().my_work(&a.actor).await?;
    // Reprints waiting for this reviewer, with their deadlines (the console side of the alert).
    let deadlines = app.config().deadlines();
    let now = zhanqun_store::now();
    let reprints: Vec<JsonValue> = app
        .store()
        .pending_for(&a.actor)
        .await?
        .iter()
        .map(|d| reprint::delivery_view(d, &deadlines, now))
        .collect();
    Ok(render(
        "work.html",
        page(
            Some(&a),
            "work",
            "我的工作",
            json!({ "work": work, "reprints": reprints, "deadline_minutes": app.config().reprint.deadline_minutes }),
        ),
    ))
}

#[derive(Deserialize)]
struct SearchParams {
    q: Option<String>,
    page: Option<String>,
}

/// Search within the editor's grants: published articles (index) and unpublished ones (titles).
async fn search_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<SearchParams>,
) -> PageResult {
    let view = zhanqun_web::search::console(
        &app,
        &a.actor.principal,
        q.q.as_deref().unwrap_or(""),
        q.page.as_deref(),
    )
    .await?;
    Ok(render(
        "search.html",
        page(Some(&a), "search", "搜索", view),
    ))
}

async fn review_queue(State(app): State<Arc<App>>, a: Authed) -> PageResult {
    let work = app.store().my_work(&a.actor).await?;
    Ok(render(
        "review.html",
        page(Some(&a), "review", "审核队列", json!({ "work": work })),
    ))
}

#[derive(Serialize)]
struct ColumnLine {
    id: i64,
    name: String,
    kind: &'static str,
    depth: usize,
    can_edit: bool,
}

#[derive(Deserialize)]
struct SitesQuery {
    /// Part of a site's name or code.
    #[serde(default)]
    q: String,
    page: Option<String>,
}

async fn sites(State(app): State<Arc<App>>, a: Authed, Query(q): Query<SitesQuery>) -> PageResult {
    let p = &a.actor.principal;
    // Platform administrators and the auditor see every site; others the sites granted to them.
    // A province holds thousands: they are found by name or code and shown a page at a time,
    // each with its columns.
    let all_sites = p.platform_role().is_some();
    let mine = p.sites();
    let wanted: String = q.q.trim().chars().take(50).collect();
    let wanted = wanted.as_str();
    let sites = app.sites().await?;
    let visible: Vec<&zhanqun_core::Site> = sites
        .iter()
        .filter(|s| all_sites || mine.contains(&s.id))
        .filter(|s| {
            wanted.is_empty() || s.name.contains(wanted) || s.code.as_str().contains(wanted)
        })
        .collect();
    let base = if wanted.is_empty() {
        "/sites".to_string()
    } else {
        format!(
            "/sites?q={}",
            percent_encoding::utf8_percent_encode(wanted, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    let (shown, paging) = paged(&visible, q.page.as_deref(), &base)?;
    let mut out = Vec::new();
    for site in shown {
        let columns = app.store().columns(site.id).await?;
        let mut lines = Vec::new();
        for c in &columns {
            let anc = zhanqun_core::ancestry(&columns, c.id);
            if !p.may(Act::Read, site.id, &anc) {
                continue;
            }
            lines.push(ColumnLine {
                id: c.id.0,
                name: c.name.clone(),
                kind: c.kind.label(),
                depth: anc.len().saturating_sub(1),
                can_edit: p.may(Act::Edit, site.id, &anc),
            });
        }
        out.push(json!({ "site": &site, "columns": lines }));
    }
    Ok(render(
        "sites.html",
        page(
            Some(&a),
            "sites",
            "网站与栏目",
            json!({ "sites": out, "paging": paging, "q": wanted, "searchable": all_sites || mine.len() > 1 }),
        ),
    ))
}

#[derive(Deserialize)]
struct StatusQuery {
    #[serde(default)]
    status: String,
}

async fn column_list(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ColumnId>,
    Query(q): Query<StatusQuery>,
) -> PageResult {
    let status = if q.status.is_empty() {
        None
    } else {
        Some(ArticleStatus::parse(&q.status)?)
    };
    let (column, can_edit) = column_of(&app, &a, id).await?;
    let items: Vec<WorkItem> = app.store().column_articles(&a.actor, id, status).await?;
    let statuses: Vec<(&str, &str)> = ArticleStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let title = column.name.clone();
    let ctx = json!({ "column": &column, "can_edit": can_edit, "items": items, "statuses": statuses, "status": q.status });
    Ok(render("column.html", page(Some(&a), "sites", &title, ctx)))
}

/// The column (if the actor may read it) and whether they may write in it.
async fn column_of(
    app: &App,
    a: &Authed,
    column: ColumnId,
) -> Result<(zhanqun_core::Column, bool), Error> {
    let not_found = || Error::not_found(format!("栏目 {column} 不存在"));
    let (site, anc, _) = app
        .store()
        .column_ancestry(column)
        .await?
        .ok_or_else(not_found)?;
    let p = &a.actor.principal;
    if !p.may(Act::Read, site, &anc) {
        return Err(not_found());
    }
    let col = app
        .store()
        .columns(site)
        .await?
        .into_iter()
        .find(|c| c.id == column)
        .ok_or_else(not_found)?;
    Ok((col, p.may(Act::Edit, site, &anc)))
}

/// Adds the console's routes, each with its declared access.
pub fn routes(r: Routes) -> Routes {
    let r = r.answering(crate::auth::Shape::Page);
    use Access::*;
    let r = reprint_board::routes(reprint::routes(admin::routes(r)));
    let r = dashboards::routes(stats::routes(r));
    let r = session::routes(articles::routes(letters::routes(letter_stats::routes(
        faq::routes(surveys::routes(interviews::routes(services::routes(
            disclosure::routes(applications::routes(datasets::routes(
                appointments::routes(r),
            ))),
        )))),
    ))));
    let upload_limit = axum::extract::DefaultBodyLimit::max(crate::service::upload_limit(r.app()));
    r.get("/console/static/{name}", Public, "控制台静态文件", asset)
        .get("/sites/{id}/media", Session, "媒体库", media_page)
        .add(
            Method::POST,
            "/sites/{id}/media",
            Session,
            "上传文件",
            post(media_upload).layer(upload_limit),
        )
        .get(
            "/sites/{id}/media/{name}",
            Session,
            "预览媒体文件（发布前只在后台可见）",
            media_preview,
        )
        .get("/", Session, "我的工作", my_work)
        .get("/review", Session, "审核队列", review_queue)
        .get("/sites", Session, "网站与栏目", sites)
        .get("/search", Session, "搜索", search_page)
        .get("/columns/{id}", Session, "栏目信息列表", column_list)
}
