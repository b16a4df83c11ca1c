//! The JSON API on the management listener (`/api/v1/…`): the console's operations for other
//! government systems. Handlers are thin: parse, call the store's domain functions with the
//! actor, answer. Errors are `{"code": …, "message": …}` with the stable codes of `ErrorCode`.

mod accounts;
mod applications;
mod articles;
mod disclosure;
mod interaction;
mod letters;
pub mod reprint;
pub mod stats;

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, extract::ConnectInfo};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use zhanqun_core::{
    ArticleId, ArticleStatus, ColumnId, Error, PlatformRole, SiteId, SiteRole, UnitId, password,
};
use zhanqun_store::{NewAccount, Transition};

use crate::auth::{self, Authed};
use crate::service::{ArticleBody, login_with, next_step, qr_svg, revision_diff, upload_limit};
use zhanqun_web::App;

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

// ---- the table ----------------------------------------------------------------------------

use crate::auth::{Access, Routes};
use axum::http::Method;
use axum::routing::post;

/// Adds the API's routes, each with its declared access.
pub fn routes(r: Routes) -> Routes {
    let r = r.answering(auth::Shape::Json);
    use Access::*;
    let r = disclosure::routes(applications::routes(letters::routes(articles::routes(
        accounts::routes(r),
    ))));
    let r = interaction::routes(r);
    r.post("/api/v1/session", Public, "用户名密码登录", login)
        .get("/api/v1/session", Session, "当前账号与授权", whoami)
        .delete("/api/v1/session", Password, "退出登录", logout)
        .post(
            "/api/v1/session/totp",
            Password,
            "输入动态口令",
            totp_verify,
        )
        .post(
            "/api/v1/session/totp/enrol",
            Password,
            "开始绑定动态口令",
            totp_enrol,
        )
        .post(
            "/api/v1/session/totp/confirm",
            Password,
            "确认绑定动态口令",
            totp_confirm,
        )
        .post(
            "/api/v1/session/password",
            Session,
            "修改本人密码",
            change_password,
        )
}
