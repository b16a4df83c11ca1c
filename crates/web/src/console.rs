//! The console: server-rendered Chinese pages on the management listener. No build step: the
//! templates and assets are compiled into the binary; the editor is Squire over a textarea that
//! works without JavaScript. Every page calls the same domain functions as the JSON API.

use std::sync::{Arc, LazyLock};

use axum::extract::{ConnectInfo, Form, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use minijinja::Environment;
use serde::{Deserialize, Serialize};
use serde_json::{Value as JsonValue, json};
use zhanqun_core::{Act, ArticleId, ArticleStatus, ColumnId, Error, ErrorCode, SiteId, Validity};
use zhanqun_store::{Transition, WorkItem};

mod admin;
mod dashboards;
mod reprint;
mod stats;

use crate::App;
use crate::api::{ArticleBody, DisclosureBody, login_with, next_step, qr_svg, revision_diff};
use crate::auth::{self, Access, Authed, Routes};

/// Every console template, compiled in (a test checks none in the folder is left out).
macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../console/templates/", $name)))),+]
    };
}

static TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "login.html",
    "totp.html",
    "enrol.html",
    "password.html",
    "work_list.html",
    "work.html",
    "review.html",
    "search.html",
    "sites.html",
    "column.html",
    "editor.html",
    "article.html",
    "diff.html",
    "media.html",
    "accounts.html",
    "audit.html",
    "error.html",
    "reprint.html",
    "reprint_site.html",
    "reprint_board.html",
    "submissions.html",
    "checks.html",
    "stats_overview.html",
    "stats_site.html",
    "stats_column.html",
    "stats_reports.html",
    "stats_report.html",
);

type Asset = (&'static str, &'static str, &'static [u8]);

static ASSETS: &[Asset] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_bytes!("../console/static/console.css"),
    ),
    (
        "editor.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/static/editor.js"),
    ),
    (
        "squire.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/static/squire.js"),
    ),
    (
        "squire.LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../console/static/squire.LICENSE"),
    ),
];

/// China Standard Time (UTC+8), what people read and type.
fn cst() -> FixedOffset {
    zhanqun_core::beijing::OFFSET
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, src) in TEMPLATES {
        if let Err(e) = env.add_template(name, src) {
            tracing::error!(template = name, error = %e, "console template does not parse");
        }
    }
    env.add_filter("dt", |v: String| -> String {
        DateTime::parse_from_rfc3339(&v)
            .map(|t| t.with_timezone(&cst()).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or(v)
    });
    // 1234567 → 1,234,567
    env.add_filter("num", |v: i64| -> String {
        let digits = v.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if v < 0 { format!("-{out}") } else { out }
    });
    env.add_filter("status", |v: String| -> String {
        ArticleStatus::parse(&v)
            .map(|s| s.label().to_string())
            .unwrap_or(v)
    });
    env.add_filter("action", |v: String| -> String {
        match v.as_str() {
            "create" => "新建",
            "submit" => "送审",
            "approve" => "审核通过",
            "sign" => "签发",
            "reject" => "退回",
            "withdraw" => "撤稿",
            "article.publish_scheduled" => "定时发布",
            "article.unpublish_scheduled" => "定时下线",
            other => other,
        }
        .to_string()
    });
    env
});

/// Renders a console page.
fn render(name: &str, ctx: JsonValue) -> Response {
    match ENV
        .get_template(name)
        .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "console render failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务器内部错误，请稍后再试。",
            )
                .into_response()
        }
    }
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

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
    let (me, role_text) = match a {
        Some(a) => {
            let p = &a.actor.principal;
            let role_text = match p.platform_role() {
                Some(r) => r.label().to_string(),
                None => {
                    let mut roles: Vec<&str> = p.grants.iter().map(|g| g.role.label()).collect();
                    roles.sort();
                    roles.dedup();
                    if roles.is_empty() {
                        "未授权".into()
                    } else {
                        roles.join("、")
                    }
                }
            };
            (json!(&p.account), role_text)
        }
        None => (JsonValue::Null, String::new()),
    };
    let mut v = json!({ "me": me, "role_text": role_text, "nav": nav, "title": title });
    if let (Some(o), JsonValue::Object(extra)) = (v.as_object_mut(), extra) {
        o.extend(extra);
    }
    v
}

/// A console error page (used by the guard and handlers).
pub fn error_page(code: ErrorCode, message: &str) -> Response {
    let status =
        StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    with_status(
        render(
            "error.html",
            page(
                None,
                "",
                code.title(),
                json!({ "heading": code.title(), "message": message }),
            ),
        ),
        status,
    )
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

crate::extract::edge_extractors!(PageError);

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

// ---- login --------------------------------------------------------------------------------

async fn login_page() -> Response {
    render("login.html", page(None, "", "登录", json!({})))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login_submit(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let client = app.client_ip(Some(peer), &headers).to_string();
    match login_with(&app, &headers, &client, &f.username, &f.password).await {
        Ok((account, token)) => {
            let to = match next_step(&app, account.totp_enrolled) {
                "totp" => "/login/totp",
                "enrol" => "/login/enrol",
                _ => "/",
            };
            let cookie = auth::session_cookie(&token, auth::secure_request(&headers));
            ([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response()
        }
        Err(e) => {
            let status =
                StatusCode::from_u16(e.code().http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let ctx = json!({ "error": e.public_message(), "username": f.username });
            with_status(render("login.html", page(None, "", "登录", ctx)), status)
        }
    }
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap, a: Authed) -> PageResult {
    a.logout(&app).await?;
    let cookie = auth::clear_cookie(auth::secure_request(&headers));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

async fn totp_page(a: Authed) -> Response {
    if !a.actor.principal.account.totp_enrolled {
        return Redirect::to("/login/enrol").into_response();
    }
    render("totp.html", page(None, "", "动态口令", json!({})))
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn totp_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Form(f): Form<CodeForm>,
) -> PageResult {
    let ok = a.verify_totp(&app, &f.code).await?;
    if ok {
        return Ok(Redirect::to("/").into_response());
    }
    let ctx = json!({ "error": "动态口令错误或已使用过，请输入新的口令" });
    Ok(with_status(
        render("totp.html", page(None, "", "动态口令", ctx)),
        StatusCode::UNAUTHORIZED,
    ))
}

async fn enrol_page(State(app): State<Arc<App>>, a: Authed) -> PageResult {
    let account = &a.actor.principal.account;
    if account.totp_enrolled {
        return Ok(Redirect::to("/login/totp").into_response());
    }
    let secret = app.store().totp_begin(account).await?;
    let url = zhanqun_core::totp::otpauth_url(&secret, &account.username)?;
    let svg = qr_svg(&url)?;
    Ok(render(
        "enrol.html",
        page(
            None,
            "",
            "绑定动态口令",
            json!({ "secret": secret, "qr_svg": svg }),
        ),
    ))
}

async fn enrol_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Form(f): Form<CodeForm>,
) -> PageResult {
    let done = a.confirm_totp(&app, &f.code).await?;
    if done {
        Ok(Redirect::to("/").into_response())
    } else {
        Ok(error_page(
            ErrorCode::InvalidInput,
            "动态口令不正确：请返回重新扫码并输入新的口令",
        ))
    }
}

async fn password_page(a: Authed) -> Response {
    render("password.html", page(Some(&a), "", "修改密码", json!({})))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

async fn password_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Form(f): Form<PasswordForm>,
) -> Response {
    let res = if f.new_password != f.new_password_again {
        Err(Error::invalid("两次输入的新密码不一致"))
    } else {
        app.store()
            .change_password(
                &a.actor,
                Some(&a.token),
                &f.current_password,
                &f.new_password,
                &zhanqun_core::password::PasswordPolicy::default(),
            )
            .await
    };
    match res {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e @ (Error::InvalidInput(_) | Error::Locked(_))) => with_status(
            render(
                "password.html",
                page(
                    Some(&a),
                    "",
                    "修改密码",
                    json!({ "error": e.public_message() }),
                ),
            ),
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => fail(e),
    }
}

// ---- media -------------------------------------------------------------------------------

async fn media_page_with(
    app: &App,
    a: &Authed,
    site: SiteId,
    flash: Option<String>,
    error: Option<String>,
) -> PageResult {
    let files = app.store().media_of_site(&a.actor, site).await?;
    let s = app
        .store()
        .list_sites()
        .await?
        .into_iter()
        .find(|s| s.id == site)
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
        "can_upload": can_upload, "flash": flash, "error": error,
    });
    Ok(render("media.html", page(Some(a), "sites", "媒体库", ctx)))
}

async fn media_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> PageResult {
    media_page_with(&app, &a, SiteId(id), None, None).await
}

/// A file of the library as the console previews it, published or not.
async fn media_preview(
    State(app): State<Arc<App>>,
    a: Authed,
    headers: HeaderMap,
    Path((id, name)): Path<(i64, String)>,
) -> PageResult {
    Ok(crate::media::preview(&app, &a.actor, SiteId(id), &name, &headers).await?)
}

async fn media_upload(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    multipart: axum::extract::Multipart,
) -> PageResult {
    match crate::media::receive(&app, &a.actor, SiteId(id), multipart).await {
        Ok(up) => {
            let msg = format!("已上传“{}”，正文中可引用地址 {}", up.name, up.url);
            media_page_with(&app, &a, SiteId(id), Some(msg), None).await
        }
        Err(e @ (Error::InvalidInput(_) | Error::TooLarge(_))) => {
            let status =
                StatusCode::from_u16(e.code().http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            let res = media_page_with(&app, &a, SiteId(id), None, Some(e.public_message())).await?;
            Ok(with_status(res, status))
        }
        Err(e) => Err(e.into()),
    }
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
    let view = crate::search::console(
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
    let visible: Vec<zhanqun_core::Site> = app
        .store()
        .list_sites()
        .await?
        .into_iter()
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
    Path(id): Path<i64>,
    Query(q): Query<StatusQuery>,
) -> PageResult {
    let status = if q.status.is_empty() {
        None
    } else {
        Some(ArticleStatus::parse(&q.status)?)
    };
    let (column, can_edit) = column_of(&app, &a, ColumnId(id)).await?;
    let items: Vec<WorkItem> = app
        .store()
        .column_articles(&a.actor, ColumnId(id), status)
        .await?;
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

// ---- editor -------------------------------------------------------------------------------

/// The editor form as posted (all text: the browser sends strings).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct ArticleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    subtitle: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    cover_url: Option<String>,
    /// For an interpretation (政策解读): the policy's article number.
    #[serde(default)]
    interprets: Option<String>,
    #[serde(default)]
    body_html: String,
    #[serde(default)]
    is_disclosure: Option<String>,
    #[serde(default)]
    doc_number: Option<String>,
    #[serde(default)]
    issuing_organ: Option<String>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    written_date: Option<String>,
    #[serde(default)]
    validity: Option<String>,
}

impl ArticleForm {
    fn to_input(&self) -> Result<zhanqun_store::ArticleInput, Error> {
        let f = self.clone();
        let written_date =
            match f.written_date.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    Error::invalid(format!("成文日期“{d}”不是有效日期（年-月-日）"))
                })?),
            };
        let interprets = match f.interprets.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(n.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                Error::invalid(format!("所解读的政策文件编号“{n}”不是有效的编号"))
            })?),
        };
        let disclosure = f.is_disclosure.is_some().then_some(DisclosureBody {
            doc_number: f.doc_number,
            written_date,
            issuing_organ: f.issuing_organ,
            validity: f.validity,
            topic: f.topic,
        });
        ArticleBody {
            title: f.title,
            subtitle: f.subtitle,
            summary: f.summary,
            author: f.author,
            source: f.source,
            source_url: None,
            cover_url: f.cover_url,
            body_html: f.body_html,
            disclosure,
            interprets,
        }
        .into_input()
    }

    fn from_article(a: &zhanqun_core::Article) -> ArticleForm {
        let d = a.disclosure.clone().unwrap_or_default();
        ArticleForm {
            title: a.title.clone(),
            subtitle: a.subtitle.clone(),
            summary: a.summary.clone(),
            author: a.author.clone(),
            source: a.source.clone(),
            cover_url: a.cover_url.clone(),
            interprets: a.interprets.map(|p| p.0.to_string()),
            body_html: a.body_html.clone(),
            is_disclosure: a.disclosure.is_some().then(|| "1".into()),
            doc_number: d.doc_number,
            issuing_organ: d.issuing_organ,
            topic: d.topic,
            written_date: d.written_date.map(|w| w.to_string()),
            validity: d.validity.map(|v| v.as_str().to_string()),
        }
    }
}

/// The editor page; with `error`, the form comes back as it was posted (nothing is lost).
fn editor(
    a: &Authed,
    column: &zhanqun_core::Column,
    article_id: Option<i64>,
    f: &ArticleForm,
    error: Option<String>,
) -> Response {
    let action = match article_id {
        Some(id) => format!("/articles/{id}/edit"),
        None => format!("/columns/{}/new", column.id.0),
    };
    let validities: Vec<(&str, &str)> = Validity::ALL
        .iter()
        .map(|v| (v.as_str(), v.label()))
        .collect();
    let failed = error.is_some();
    let ctx = json!({ "column": column, "action": action, "article_id": article_id, "f": f, "validities": validities, "error": error });
    let res = render("editor.html", page(Some(a), "sites", "编辑信息", ctx));
    if failed {
        with_status(res, StatusCode::BAD_REQUEST)
    } else {
        res
    }
}

async fn new_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> PageResult {
    let (column, can_edit) = column_of(&app, &a, ColumnId(id)).await?;
    if !can_edit {
        return Err(PageError(Error::forbidden("您没有在该栏目“编辑”的权限")));
    }
    Ok(editor(&a, &column, None, &ArticleForm::default(), None))
}

async fn new_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<ArticleForm>,
) -> PageResult {
    let (column, _) = column_of(&app, &a, ColumnId(id)).await?;
    let res = match f.to_input() {
        Ok(input) => {
            app.store()
                .create_draft(&a.actor, ColumnId(id), input)
                .await
        }
        Err(e) => Err(e),
    };
    match res {
        Ok(article) => Ok(Redirect::to(&format!("/articles/{}", article.0)).into_response()),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            Ok(editor(&a, &column, None, &f, Some(e.public_message())))
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> PageResult {
    let (article, _, col) = app
        .store()
        .editorial_article(&a.actor, ArticleId(id))
        .await?;
    let (column, can_edit) = column_of(&app, &a, col).await?;
    if !can_edit {
        return Err(PageError(Error::forbidden("您没有在该栏目“编辑”的权限")));
    }
    if article.status != ArticleStatus::Draft {
        return Err(PageError(Error::conflict(
            "只有草稿可以修改：该信息已提交审核或已发布",
        )));
    }
    let form = ArticleForm::from_article(&article);
    Ok(editor(&a, &column, Some(id), &form, None))
}

async fn edit_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<ArticleForm>,
) -> PageResult {
    let (_, _, col) = app
        .store()
        .editorial_article(&a.actor, ArticleId(id))
        .await?;
    let (column, _) = column_of(&app, &a, col).await?;
    let res = match f.to_input() {
        Ok(input) => app.store().edit_draft(&a.actor, ArticleId(id), input).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/articles/{id}")).into_response()),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            Ok(editor(&a, &column, Some(id), &f, Some(e.public_message())))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- article view and workflow --------------------------------------------------------------

async fn article_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> PageResult {
    let (article, workflow, col) = app
        .store()
        .editorial_article(&a.actor, ArticleId(id))
        .await?;
    let (site, anc, _) = app
        .store()
        .column_ancestry(col)
        .await?
        .ok_or_else(|| Error::not_found("栏目不存在"))?;
    let (column, _) = column_of(&app, &a, col).await?;
    let events = app.store().article_events(&a.actor, ArticleId(id)).await?;
    let revisions = app.store().revisions(&a.actor, ArticleId(id)).await?;
    let p = &a.actor.principal;
    use ArticleStatus as S;
    use zhanqun_core::workflow::{Hands, Step, may_take};
    let st = article.status;
    let hands = Hands {
        created_by: workflow.created_by,
        submitted_by: workflow.submitted_by,
        reviewed_by: workflow.reviewed_by,
    };
    let may = |step: Step| may_take(step, st, &hands, p.id(), |act| p.may(act, site, &anc));
    let can = json!({
        "edit": st == S::Draft && p.may(Act::Edit, site, &anc),
        "review": may(Step::Approve),
        "sign": may(Step::Sign),
        "reject": may(Step::Reject),
        "withdraw": may(Step::Withdraw),
        "pin": st == S::Published && p.may(Act::Pin, site, &anc),
        "submit_to": st == S::Published && p.may(Act::Edit, site, &anc),
    });
    // 信息报送: the parent portals first (upward), then every other site (sideways).
    let all_sites = app.store().list_sites().await?;
    let mut submit_targets = Vec::new();
    let mut up = all_sites
        .iter()
        .find(|s| s.id == site)
        .and_then(|s| s.parent_id);
    while let Some(parent) = up {
        let Some(s) = all_sites.iter().find(|s| s.id == parent) else {
            break;
        };
        submit_targets.push(json!({ "id": s.id.0, "name": s.name, "up": true }));
        up = s.parent_id;
        if submit_targets.len() > 8 {
            break;
        }
    }
    for s in &all_sites {
        if s.id != site && !submit_targets.iter().any(|t| t["id"] == s.id.0) {
            submit_targets.push(json!({ "id": s.id.0, "name": s.name, "up": false }));
        }
    }
    let pinned = app.store().is_pinned(ArticleId(id), site).await?;
    let headline = app.store().in_home_slot(ArticleId(id), site).await?;
    let host = app
        .store()
        .list_sites()
        .await?
        .into_iter()
        .find(|x| x.id == article.site_id)
        .and_then(|s| s.hosts.first().cloned())
        .unwrap_or_default();
    let public_url = format!(
        "{}://{host}/art/{}.html",
        app.config().public_scheme,
        article.id.0
    );
    let title = article.title.clone();
    let ctx = json!({ "a": &article, "w": &workflow, "column": &column, "events": events, "revisions": revisions, "can": can, "pinned": pinned, "headline": headline, "public_url": public_url, "submit_targets": submit_targets });
    Ok(render("article.html", page(Some(&a), "work", &title, ctx)))
}

#[derive(Deserialize)]
struct TransitionForm {
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    secrecy_confirmed: Option<String>,
    #[serde(default)]
    publish_at: String,
}

/// A `datetime-local` value (China Standard Time) → UTC.
fn parse_local(s: &str) -> Result<Option<DateTime<Utc>>, Error> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .map_err(|_| Error::invalid(format!("发布时间“{s}”格式不正确")))?;
    Ok(cst()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc)))
}

async fn transition_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<TransitionForm>,
) -> PageResult {
    let publish_at = parse_local(&f.publish_at)?;
    let step = match f.action.as_str() {
        "submit" => Transition::Submit {
            secrecy_confirmed: f.secrecy_confirmed.is_some(),
        },
        "approve" => Transition::Approve {
            publish_at,
            unpublish_at: None,
        },
        "sign" => Transition::Sign {
            publish_at,
            unpublish_at: None,
        },
        "reject" => Transition::Reject { reason: f.reason },
        "withdraw" => Transition::Withdraw { reason: f.reason },
        other => return Err(PageError(Error::invalid(format!("未知的操作“{other}”")))),
    };
    let was = app.store().article(ArticleId(id)).await?.map(|x| x.status);
    app.store()
        .transition(&a.actor, ArticleId(id), step)
        .await?;
    let now = app.store().article(ArticleId(id)).await?.map(|x| x.status);
    if now == Some(zhanqun_core::ArticleStatus::Published) && was != now {
        app.metrics()
            .publishes
            .with_label_values(&["workflow"])
            .inc();
    }
    Ok(Redirect::to(&format!("/articles/{id}")).into_response())
}

#[derive(Deserialize)]
struct PinForm {
    #[serde(default)]
    pinned: String,
}

async fn home_slot_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<PinForm>,
) -> PageResult {
    app.store()
        .set_home_slot(&a.actor, ArticleId(id), f.pinned == "1")
        .await?;
    Ok(Redirect::to(&format!("/articles/{id}")).into_response())
}

async fn pin_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<PinForm>,
) -> PageResult {
    app.store()
        .pin(&a.actor, ArticleId(id), f.pinned == "1")
        .await?;
    Ok(Redirect::to(&format!("/articles/{id}")).into_response())
}

#[derive(Deserialize)]
struct DiffQuery {
    from: i64,
    to: i64,
}

async fn diff_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> PageResult {
    let revs = app.store().revisions(&a.actor, ArticleId(id)).await?;
    let text = revision_diff(&revs, q.from, q.to)?;
    let lines: Vec<(&str, &str)> = text
        .lines()
        .map(|l| {
            let class = if l.starts_with("@@") {
                "hunk"
            } else if l.starts_with('+') {
                "add"
            } else if l.starts_with('-') {
                "del"
            } else {
                ""
            };
            (class, l)
        })
        .collect();
    let title = revs.first().map(|r| r.title.clone()).unwrap_or_default();
    Ok(render(
        "diff.html",
        page(
            Some(&a),
            "work",
            "版本比较",
            json!({ "id": id, "lines": lines, "title": title }),
        ),
    ))
}

/// Adds the console's routes, each with its declared access.
pub fn routes(r: Routes) -> Routes {
    let r = r.answering(crate::auth::Shape::Page);
    use Access::*;
    let r = dashboards::routes(stats::routes(reprint::routes(admin::routes(r))));
    let upload_limit = axum::extract::DefaultBodyLimit::max(crate::api::upload_limit(r.app()));
    r.add(
        Method::GET,
        "/console/static/{name}",
        Public,
        "控制台静态文件",
        get(asset),
    )
    .add(Method::GET, "/login", Public, "登录页", get(login_page))
    .add(Method::POST, "/login", Public, "登录", post(login_submit))
    .add(Method::POST, "/logout", Password, "退出登录", post(logout))
    .add(
        Method::GET,
        "/login/totp",
        Password,
        "动态口令页",
        get(totp_page),
    )
    .add(
        Method::POST,
        "/login/totp",
        Password,
        "提交动态口令",
        post(totp_submit),
    )
    .add(
        Method::GET,
        "/login/enrol",
        Password,
        "绑定动态口令页",
        get(enrol_page),
    )
    .add(
        Method::POST,
        "/login/enrol",
        Password,
        "确认绑定动态口令",
        post(enrol_submit),
    )
    .add(
        Method::GET,
        "/sites/{id}/media",
        Session,
        "媒体库",
        get(media_page),
    )
    .add(
        Method::POST,
        "/sites/{id}/media",
        Session,
        "上传文件",
        post(media_upload).layer(upload_limit),
    )
    .add(
        Method::GET,
        "/sites/{id}/media/{name}",
        Session,
        "预览媒体文件（发布前只在后台可见）",
        get(media_preview),
    )
    .add(
        Method::GET,
        "/password",
        Session,
        "修改密码页",
        get(password_page),
    )
    .add(
        Method::POST,
        "/password",
        Session,
        "修改密码",
        post(password_submit),
    )
    .add(Method::GET, "/", Session, "我的工作", get(my_work))
    .add(
        Method::GET,
        "/review",
        Session,
        "审核队列",
        get(review_queue),
    )
    .add(Method::GET, "/sites", Session, "网站与栏目", get(sites))
    .add(Method::GET, "/search", Session, "搜索", get(search_page))
    .add(
        Method::GET,
        "/columns/{id}",
        Session,
        "栏目信息列表",
        get(column_list),
    )
    .add(
        Method::GET,
        "/columns/{id}/new",
        Session,
        "新建信息",
        get(new_page),
    )
    .add(
        Method::POST,
        "/columns/{id}/new",
        Session,
        "保存新信息",
        post(new_submit),
    )
    .add(
        Method::GET,
        "/articles/{id}",
        Session,
        "信息详情",
        get(article_page),
    )
    .add(
        Method::GET,
        "/articles/{id}/edit",
        Session,
        "修改草稿",
        get(edit_page),
    )
    .add(
        Method::POST,
        "/articles/{id}/edit",
        Session,
        "保存草稿",
        post(edit_submit),
    )
    .add(
        Method::POST,
        "/articles/{id}/transition",
        Session,
        "流程操作",
        post(transition_submit),
    )
    .add(
        Method::POST,
        "/articles/{id}/home-slot",
        Session,
        "设为或撤下首页头条",
        post(home_slot_submit),
    )
    .add(
        Method::POST,
        "/articles/{id}/pin",
        Session,
        "置顶或取消置顶",
        post(pin_submit),
    )
    .add(
        Method::GET,
        "/articles/{id}/diff",
        Session,
        "版本比较",
        get(diff_page),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_in_the_folder_is_compiled_in_and_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console/templates");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = TEMPLATES.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
        for (name, _) in TEMPLATES {
            assert!(ENV.get_template(name).is_ok(), "{name}");
        }
    }
}
