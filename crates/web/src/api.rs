//! The JSON API on the management listener (`/api/v1/…`): the console's operations for other
//! government systems. Handlers are thin: parse, call the store's domain functions with the
//! actor, answer. Errors are `{"code": …, "message": …}` with the stable codes of `ErrorCode`.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, extract::ConnectInfo};
use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use zhanqun_core::{
    ArticleId, ArticleStatus, ColumnId, Error, PlatformRole, SiteId, SiteRole, UnitId, Validity,
    password,
};
use zhanqun_store::{ArticleInput, DisclosureInput, LoginError, NewAccount, Transition};

use crate::App;
use crate::auth::{self, Authed};

/// An API error response.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        auth::fail(auth::Shape::Json, self.0)
    }
}

pub(crate) type ApiResult<T = Response> = Result<T, ApiError>;

crate::extract::edge_extractors!(ApiError);

/// JSON body whose rejection is one of our errors, in Chinese.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) => Err(ApiError(Error::invalid(match e {
                JsonRejection::JsonDataError(d) => {
                    let detail = std::error::Error::source(&d)
                        .map(ToString::to_string)
                        .unwrap_or_else(|| d.body_text());
                    format!("请求内容有误（{detail}）：字段见 /api/openapi.json")
                }
                JsonRejection::JsonSyntaxError(_) => "请求体不是有效的 JSON".to_string(),
                JsonRejection::MissingJsonContentType(_) => {
                    "请求需要 Content-Type: application/json".to_string()
                }
                other => format!("请求无法读取：{}", other.body_text()),
            }))),
        }
    }
}

pub(crate) fn ok(v: serde_json::Value) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Json(v)).into_response()
}

// ---- session ------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

/// What comes after a password login: the TOTP code, enrolment, or nothing.
pub fn next_step(app: &App, totp_enrolled: bool) -> &'static str {
    if !app.config().console.require_totp {
        "done"
    } else if totp_enrolled {
        "totp"
    } else {
        "enrol"
    }
}

/// Logs in with a password: ends any session the request carried and starts a new one.
pub async fn login_with(
    app: &App,
    headers: &HeaderMap,
    client: &str,
    username: &str,
    password_text: &str,
) -> Result<(zhanqun_core::Account, String), Error> {
    if let Some(old) = auth::session_token(headers) {
        app.store().logout(&old).await?;
    }
    app.store()
        .login(
            username,
            password_text,
            client,
            zhanqun_store::now(),
            &auth::policy(),
        )
        .await
        .map_err(login_error)
}

pub fn login_error(e: LoginError) -> Error {
    match e {
        LoginError::Store(detail) => Error::internal(detail),
        LoginError::Locked(_) => Error::Locked(e.message()),
        other => Error::Unauthenticated(other.message()),
    }
}

async fn login(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Body(body): Body<LoginBody>,
) -> ApiResult {
    let client = app.client_ip(Some(peer), &headers).to_string();
    let (account, token) =
        login_with(&app, &headers, &client, &body.username, &body.password).await?;
    let secure = auth::secure_request(&headers);
    let next = next_step(&app, account.totp_enrolled);
    Ok((
        [
            (header::SET_COOKIE, auth::session_cookie(&token, secure)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Json(json!({ "next": next, "token": token, "account": account })),
    )
        .into_response())
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap, a: Authed) -> ApiResult {
    a.logout(&app).await?;
    Ok((
        [(
            header::SET_COOKIE,
            auth::clear_cookie(auth::secure_request(&headers)),
        )],
        Json(json!({ "ok": true })),
    )
        .into_response())
}

async fn whoami(a: Authed) -> ApiResult {
    Ok(ok(json!({
        "account": a.actor.principal.account,
        "grants": a.actor.principal.grants,
        "second_factor": a.mfa_done,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    pub code: String,
}

async fn totp_verify(State(app): State<Arc<App>>, a: Authed, Body(b): Body<CodeBody>) -> ApiResult {
    let ok_ = a.verify_totp(&app, &b.code).await?;
    if !ok_ {
        return Err(Error::Unauthenticated("动态口令错误或已使用过，请输入新的口令".into()).into());
    }
    Ok(ok(json!({ "ok": true })))
}

/// A QR code (SVG) of an `otpauth://` URL.
pub fn qr_svg(url: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(Error::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

async fn totp_enrol(State(app): State<Arc<App>>, a: Authed) -> ApiResult {
    let account = &a.actor.principal.account;
    let secret = app.store().totp_begin(account).await?;
    let url = zhanqun_core::totp::otpauth_url(&secret, &account.username)?;
    Ok(ok(
        json!({ "secret": secret, "otpauth_url": url, "qr_svg": qr_svg(&url)? }),
    ))
}

async fn totp_confirm(
    State(app): State<Arc<App>>,
    a: Authed,
    Body(b): Body<CodeBody>,
) -> ApiResult {
    let done = a.confirm_totp(&app, &b.code).await?;
    if !done {
        return Err(Error::invalid("动态口令不正确，请核对手机上的口令后重试").into());
    }
    Ok(ok(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
}

async fn change_password(
    State(app): State<Arc<App>>,
    a: Authed,
    Body(b): Body<PasswordBody>,
) -> ApiResult {
    app.store()
        .change_password(
            &a.actor,
            Some(&a.token),
            &b.current_password,
            &b.new_password,
            &password::PasswordPolicy::default(),
        )
        .await?;
    Ok(ok(json!({ "ok": true })))
}

// ---- articles -----------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureBody {
    pub doc_number: Option<String>,
    pub written_date: Option<NaiveDate>,
    pub issuing_organ: Option<String>,
    pub validity: Option<String>,
    pub topic: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleBody {
    pub title: String,
    #[serde(default)]
    pub subtitle: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub source_url: Option<String>,
    /// Cover image: `/media/…` of the site, or an https URL.
    #[serde(default)]
    pub cover_url: Option<String>,
    #[serde(default)]
    pub body_html: String,
    #[serde(default)]
    pub disclosure: Option<DisclosureBody>,
    #[serde(default)]
    pub interprets: Option<i64>,
}

fn opt(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl ArticleBody {
    /// The domain input; the store sanitises the body.
    pub fn into_input(self) -> Result<ArticleInput, Error> {
        if let Some(url) = self.source_url.as_deref().filter(|u| !u.trim().is_empty())
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(Error::invalid("来源网址须以 http:// 或 https:// 开头"));
        }
        let disclosure = match self.disclosure {
            Some(d) => Some(DisclosureInput {
                doc_number: opt(d.doc_number),
                written_date: d.written_date,
                issuing_organ: opt(d.issuing_organ),
                validity: opt(d.validity)
                    .as_deref()
                    .map(Validity::parse)
                    .transpose()?,
                topic: opt(d.topic),
            }),
            None => None,
        };
        Ok(ArticleInput {
            title: self.title,
            subtitle: opt(self.subtitle),
            summary: opt(self.summary),
            author: opt(self.author),
            source: opt(self.source),
            source_url: opt(self.source_url),
            cover_url: opt(self.cover_url),
            body_html: self.body_html,
            published: false,
            published_at: None,
            disclosure,
            interprets: self.interprets.map(ArticleId),
            unit: None,
        })
    }
}

async fn create_article(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(column): Path<i64>,
    Body(b): Body<ArticleBody>,
) -> ApiResult {
    let id = app
        .store()
        .create_draft(&a.actor, ColumnId(column), b.into_input()?)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id.0 }))).into_response())
}

async fn get_article(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> ApiResult {
    let (article, workflow, column) = app
        .store()
        .editorial_article(&a.actor, ArticleId(id))
        .await?;
    Ok(ok(
        json!({ "article": article, "workflow": workflow, "column_id": column.0 }),
    ))
}

async fn edit_article(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Body(b): Body<ArticleBody>,
) -> ApiResult {
    app.store()
        .edit_draft(&a.actor, ArticleId(id), b.into_input()?)
        .await?;
    Ok(ok(json!({ "ok": true })))
}

async fn transition(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Body(step): Body<Transition>,
) -> ApiResult {
    let was = app
        .store()
        .editorial_article(&a.actor, ArticleId(id))
        .await?
        .0
        .status;
    app.store()
        .transition(&a.actor, ArticleId(id), step)
        .await?;
    let (article, workflow, _) = app
        .store()
        .editorial_article(&a.actor, ArticleId(id))
        .await?;
    if article.status == zhanqun_core::ArticleStatus::Published && was != article.status {
        app.metrics()
            .publishes
            .with_label_values(&["workflow"])
            .inc();
    }
    Ok(ok(
        json!({ "status": article.status, "workflow": workflow }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PinBody {
    pinned: bool,
}

async fn pin(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Body(b): Body<PinBody>,
) -> ApiResult {
    app.store().pin(&a.actor, ArticleId(id), b.pinned).await?;
    Ok(ok(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HomeSlotBody {
    on: bool,
}

async fn home_slot(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Body(b): Body<HomeSlotBody>,
) -> ApiResult {
    app.store()
        .set_home_slot(&a.actor, ArticleId(id), b.on)
        .await?;
    Ok(ok(json!({ "ok": true })))
}

async fn events(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> ApiResult {
    let ev = app.store().article_events(&a.actor, ArticleId(id)).await?;
    Ok(ok(json!({ "events": ev })))
}

async fn revisions(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> ApiResult {
    let revs = app.store().revisions(&a.actor, ArticleId(id)).await?;
    Ok(ok(json!({ "revisions": revs })))
}

#[derive(Deserialize)]
struct DiffQuery {
    from: i64,
    to: i64,
}

/// A readable line diff between two revisions (title, fields, body as text lines).
pub fn revision_diff(
    revs: &[zhanqun_store::Revision],
    from: i64,
    to: i64,
) -> Result<String, Error> {
    let find = |r: i64| {
        revs.iter()
            .find(|x| x.rev == r)
            .ok_or_else(|| Error::not_found(format!("版本 {r} 不存在")))
    };
    let text = |r: &zhanqun_store::Revision| {
        format!(
            "标题：{}\n{}\n{}\n",
            r.title,
            r.fields,
            r.body_html
                .replace("</p>", "</p>\n")
                .replace("<br>", "<br>\n")
        )
    };
    let (a, b) = (text(find(from)?), text(find(to)?));
    let diff = similar::TextDiff::from_lines(&a, &b);
    Ok(diff
        .unified_diff()
        .context_radius(2)
        .header(&format!("版本 {from}"), &format!("版本 {to}"))
        .to_string())
}

async fn diff(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> ApiResult {
    let revs = app.store().revisions(&a.actor, ArticleId(id)).await?;
    Ok(ok(json!({ "diff": revision_diff(&revs, q.from, q.to)? })))
}

async fn my_work(State(app): State<Arc<App>>, a: Authed) -> ApiResult {
    Ok(ok(json!(app.store().my_work(&a.actor).await?)))
}

#[derive(Deserialize)]
struct StatusQuery {
    #[serde(default)]
    status: Option<String>,
}

async fn column_articles(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(column): Path<i64>,
    Query(q): Query<StatusQuery>,
) -> ApiResult {
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(ArticleStatus::parse)
        .transpose()?;
    let items = app
        .store()
        .column_articles(&a.actor, ColumnId(column), status)
        .await?;
    Ok(ok(json!({ "articles": items })))
}

async fn sites(State(app): State<Arc<App>>, a: Authed) -> ApiResult {
    let all = app.store().list_sites().await?;
    let p = &a.actor.principal;
    let visible: Vec<_> = if p.lists_every_site() {
        all
    } else {
        let mine = p.sites();
        all.into_iter().filter(|s| mine.contains(&s.id)).collect()
    };
    Ok(ok(json!({ "sites": visible })))
}

async fn site_columns(State(app): State<Arc<App>>, a: Authed, Path(site): Path<i64>) -> ApiResult {
    let cols = app.store().readable_columns(&a.actor, SiteId(site)).await?;
    if cols.is_empty() && !a.actor.principal.is(PlatformRole::SecurityAdmin) {
        return Err(Error::not_found(format!("网站 {site} 不存在")).into());
    }
    Ok(ok(json!({ "columns": cols })))
}

async fn upload_media(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(site): Path<i64>,
    multipart: axum::extract::Multipart,
) -> ApiResult {
    let up = crate::media::receive(&app, &a.actor, SiteId(site), multipart).await?;
    Ok((StatusCode::CREATED, Json(json!(up))).into_response())
}

async fn list_media(State(app): State<Arc<App>>, a: Authed, Path(site): Path<i64>) -> ApiResult {
    let files = app.store().media_of_site(&a.actor, SiteId(site)).await?;
    Ok(ok(json!({ "media": files })))
}

/// The request body limit of upload routes: the configured file limit plus room for the form.
pub fn upload_limit(app: &App) -> usize {
    usize::try_from(app.config().console.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024)
}

// ---- accounts, roles, grants ---------------------------------------------------------------

async fn accounts(State(app): State<Arc<App>>) -> ApiResult {
    Ok(ok(json!({ "accounts": app.store().accounts().await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    pub username: String,
    pub display_name: String,
    pub password: String,
    #[serde(default)]
    pub unit_id: Option<i64>,
}

async fn create_account(
    State(app): State<Arc<App>>,
    a: Authed,
    Body(b): Body<NewAccountBody>,
) -> ApiResult {
    password::PasswordPolicy::default().check(&b.password, &b.username)?;
    let id = app
        .store()
        .create_account_by(
            &a.actor,
            &NewAccount {
                username: b.username,
                display_name: b.display_name,
                password_hash: password::hash(&b.password)?,
                platform_role: None,
                must_change_password: true,
                unit: b.unit_id.map(UnitId),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn disable_account(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> ApiResult {
    app.store()
        .set_account_disabled_by(&a.actor, id, true)
        .await?;
    Ok(ok(json!({ "ok": true })))
}

async fn enable_account(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> ApiResult {
    app.store()
        .set_account_disabled_by(&a.actor, id, false)
        .await?;
    Ok(ok(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: Option<String>,
}

async fn set_role(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Body(b): Body<RoleBody>,
) -> ApiResult {
    let role = b
        .role
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(PlatformRole::parse)
        .transpose()?;
    app.store().set_platform_role(&a.actor, id, role).await?;
    Ok(ok(json!({ "ok": true })))
}

async fn account_grants(State(app): State<Arc<App>>, Path(id): Path<i64>) -> ApiResult {
    Ok(ok(json!({ "grants": app.store().grants_of(id).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    role: String,
    site_id: i64,
    #[serde(default)]
    column_id: Option<i64>,
}

async fn add_grant(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Body(b): Body<GrantBody>,
) -> ApiResult {
    let role = SiteRole::parse(&b.role)?;
    let gid = app
        .store()
        .grant(
            &a.actor,
            id,
            role,
            SiteId(b.site_id),
            b.column_id.map(ColumnId),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": gid }))).into_response())
}

async fn remove_grant(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> ApiResult {
    app.store().revoke_grant(&a.actor, id).await?;
    Ok(ok(json!({ "ok": true })))
}

// ---- audit --------------------------------------------------------------------------------

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    limit: Option<u64>,
}

async fn audit_list(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<AuditQuery>,
) -> ApiResult {
    let limit = q.limit.unwrap_or(100).min(1000);
    let records = app
        .store()
        .audit_records(limit, q.offset.unwrap_or(0))
        .await?;
    app.store()
        .audit(&a.actor.entry(
            "audit_admin",
            None,
            "audit.read",
            format!("records {}", records.len()),
            zhanqun_store::Outcome::Success,
            None,
        ))
        .await?;
    Ok(ok(json!({ "records": records })))
}

async fn audit_export(State(app): State<Arc<App>>, a: Authed) -> ApiResult {
    let records = app.store().audit_records(1_000_000, 0).await?;
    app.store()
        .audit(&a.actor.entry(
            "audit_admin",
            None,
            "audit.export",
            format!("records {}", records.len()),
            zhanqun_store::Outcome::Success,
            None,
        ))
        .await?;
    let mut w = zhanqun_report::csv::Csv::new();
    w.row([
        "seq",
        "at",
        "actor",
        "role",
        "site",
        "client",
        "action",
        "object",
        "outcome",
        "request_id",
        "detail",
        "hash",
    ])?;
    for r in &records {
        w.row([
            r.seq.to_string(),
            r.at.to_rfc3339(),
            r.actor.clone(),
            r.role.clone(),
            r.site_code.clone().unwrap_or_default(),
            r.client.clone().unwrap_or_default(),
            r.action.clone(),
            r.object.clone().unwrap_or_default(),
            r.outcome.clone(),
            r.request_id.clone().unwrap_or_default(),
            r.detail.clone().unwrap_or_default(),
            r.hash.clone(),
        ])?;
    }
    let bytes = w.finish()?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}

// ---- the table ----------------------------------------------------------------------------

use crate::auth::{Access, Routes};
use axum::http::Method;
use axum::routing::{delete, get, post, put};

/// Adds the API's routes, each with its declared access.
pub fn routes(r: Routes) -> Routes {
    let r = r.answering(auth::Shape::Json);
    use Access::*;
    use PlatformRole::*;
    let limit = axum::extract::DefaultBodyLimit::max(upload_limit(r.app()));
    r.add(
        Method::POST,
        "/api/v1/sites/{id}/media",
        Session,
        "上传文件到网站媒体库",
        post(upload_media).layer(limit),
    )
    .add(
        Method::GET,
        "/api/v1/sites/{id}/media",
        Session,
        "网站媒体库",
        get(list_media),
    )
    .add(
        Method::POST,
        "/api/v1/session",
        Public,
        "用户名密码登录",
        post(login),
    )
    .add(
        Method::GET,
        "/api/v1/session",
        Session,
        "当前账号与授权",
        get(whoami),
    )
    .add(
        Method::DELETE,
        "/api/v1/session",
        Password,
        "退出登录",
        delete(logout),
    )
    .add(
        Method::POST,
        "/api/v1/session/totp",
        Password,
        "输入动态口令",
        post(totp_verify),
    )
    .add(
        Method::POST,
        "/api/v1/session/totp/enrol",
        Password,
        "开始绑定动态口令",
        post(totp_enrol),
    )
    .add(
        Method::POST,
        "/api/v1/session/totp/confirm",
        Password,
        "确认绑定动态口令",
        post(totp_confirm),
    )
    .add(
        Method::POST,
        "/api/v1/session/password",
        Session,
        "修改本人密码",
        post(change_password),
    )
    .add(
        Method::GET,
        "/api/v1/me/work",
        Session,
        "我的工作",
        get(my_work),
    )
    .add(
        Method::GET,
        "/api/v1/sites",
        Session,
        "可见网站",
        get(sites),
    )
    .add(
        Method::GET,
        "/api/v1/sites/{id}/columns",
        Session,
        "网站中可见栏目",
        get(site_columns),
    )
    .add(
        Method::GET,
        "/api/v1/columns/{id}/articles",
        Session,
        "栏目信息列表",
        get(column_articles),
    )
    .add(
        Method::POST,
        "/api/v1/columns/{id}/articles",
        Session,
        "在栏目中新建草稿",
        post(create_article),
    )
    .add(
        Method::GET,
        "/api/v1/articles/{id}",
        Session,
        "信息详情与流程状态",
        get(get_article),
    )
    .add(
        Method::PUT,
        "/api/v1/articles/{id}",
        Session,
        "修改草稿",
        put(edit_article),
    )
    .add(
        Method::POST,
        "/api/v1/articles/{id}/transitions",
        Session,
        "送审、审核、签发、退回、撤稿",
        post(transition),
    )
    .add(
        Method::POST,
        "/api/v1/articles/{id}/pin",
        Session,
        "置顶或取消置顶",
        post(pin),
    )
    .add(
        Method::POST,
        "/api/v1/articles/{id}/home-slot",
        Session,
        "设为或撤下首页头条",
        post(home_slot),
    )
    .add(
        Method::GET,
        "/api/v1/articles/{id}/events",
        Session,
        "流程记录",
        get(events),
    )
    .add(
        Method::GET,
        "/api/v1/articles/{id}/revisions",
        Session,
        "历史版本",
        get(revisions),
    )
    .add(
        Method::GET,
        "/api/v1/articles/{id}/diff",
        Session,
        "版本比较",
        get(diff),
    )
    .add(
        Method::GET,
        "/api/v1/accounts",
        Admins,
        "账号列表",
        get(accounts),
    )
    .add(
        Method::POST,
        "/api/v1/accounts",
        Platform(SystemAdmin),
        "新建账号",
        post(create_account),
    )
    .add(
        Method::POST,
        "/api/v1/accounts/{id}/disable",
        Platform(SystemAdmin),
        "停用账号",
        post(disable_account),
    )
    .add(
        Method::POST,
        "/api/v1/accounts/{id}/enable",
        Platform(SystemAdmin),
        "启用账号",
        post(enable_account),
    )
    .add(
        Method::PUT,
        "/api/v1/accounts/{id}/platform-role",
        Platform(SecurityAdmin),
        "设置平台角色",
        put(set_role),
    )
    .add(
        Method::GET,
        "/api/v1/accounts/{id}/grants",
        Platform(SecurityAdmin),
        "账号的授权",
        get(account_grants),
    )
    .add(
        Method::POST,
        "/api/v1/accounts/{id}/grants",
        Platform(SecurityAdmin),
        "授予网站或栏目角色",
        post(add_grant),
    )
    .add(
        Method::DELETE,
        "/api/v1/grants/{id}",
        Platform(SecurityAdmin),
        "撤销授权",
        delete(remove_grant),
    )
    .add(
        Method::GET,
        "/api/v1/audit",
        Platform(AuditAdmin),
        "审计日志",
        get(audit_list),
    )
    .add(
        Method::GET,
        "/api/v1/audit/export",
        Platform(AuditAdmin),
        "导出审计日志（CSV）",
        get(audit_export),
    )
}
