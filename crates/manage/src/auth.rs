//! Sessions on the management listener: the session cookie, the route table with a declared
//! access level for every route (deny by default), and the guard that enforces it.
//!
//! A route is added only through [`Routes::add`], which records its method, path and
//! [`Access`]; the guard runs before the handler and puts the [`Actor`] in the request. Handlers
//! that need an actor take [`Authed`], which exists only when the guard let the request through.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{self, MethodRouter};
use serde::Serialize;
use zhanqun_core::{Error, ErrorCode, PlatformRole};
use zhanqun_store::{Actor, LoginError, LoginPolicy};

use zhanqun_web::App;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "role")]
pub enum Access {
    /// Anyone (login page, health, the OpenAPI document, static console assets).
    Public,
    /// A password session, second factor not yet given (TOTP entry and enrolment, logout).
    Password,
    /// A full session; what the actor may do with content is decided by the domain against
    /// their grants.
    Session,
    /// A full session of an account holding this platform role.
    Platform(PlatformRole),
    /// A full session of any of the platform administrators (account lists).
    Admins,
    /// A business system with a live service token of a site (`Authorization: Bearer zqs_…`):
    /// no account, no session; the handler gets the [`zhanqun_store::ServiceCaller`].
    ServiceToken,
}

/// A declared route.
#[derive(Debug, Clone, Serialize)]
pub struct RouteSpec {
    pub method: String,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
}

/// How a route answers a refusal: the JSON API's `{"code", "message"}`, or the console's page
/// (with redirects to the login steps). Chosen when the route is registered ([`Routes::answering`]),
/// never guessed from a request's path — except for a path no route has ([`Shape::unrouted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Json,
    Page,
}

impl Shape {
    /// For a request no route answers (the fallback): JSON under `/api/`, a page elsewhere.
    pub fn unrouted(path: &str) -> Shape {
        if path.starts_with("/api/") {
            Shape::Json
        } else {
            Shape::Page
        }
    }
}

/// Builds the router and the table of routes together.
pub struct Routes {
    app: Arc<App>,
    router: Router<Arc<App>>,
    specs: Vec<RouteSpec>,
    shape: Shape,
}

/// `Routes::get`, `post`, `put`, `delete`: `add` with the method said once.
macro_rules! method_routes {
    ($($(#[$doc:meta])* $name:ident $method:ident),+ $(,)?) => {$(
        $(#[$doc])*
        pub fn $name<H, T>(
            self,
            path: &'static str,
            access: Access,
            summary: &'static str,
            h: H,
        ) -> Routes
        where
            H: Handler<T, Arc<App>>,
            T: 'static,
        {
            self.add(Method::$method, path, access, summary, routing::$name(h))
        }
    )+};
}

impl Routes {
    pub fn new(app: Arc<App>) -> Routes {
        Routes {
            app,
            router: Router::new(),
            specs: Vec::new(),
            shape: Shape::Json,
        }
    }

    /// The routes added from now on answer refusals in `shape`.
    pub fn answering(mut self, shape: Shape) -> Routes {
        self.shape = shape;
        self
    }

    /// Adds a route with its access level; the guard runs before the handler.
    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        summary: &'static str,
        handler: MethodRouter<Arc<App>>,
    ) -> Routes {
        self.specs.push(RouteSpec {
            method: method.to_string(),
            path,
            access,
            summary,
        });
        let guarded = handler.route_layer(axum::middleware::from_fn_with_state(
            (self.app.clone(), access, self.shape),
            guard,
        ));
        self.router = self.router.route(path, guarded);
        self
    }

    method_routes!(
        /// A GET route: `add` with the method said once.
        get GET,
        /// A POST route.
        post POST,
        /// A PUT route.
        put PUT,
        /// A DELETE route.
        delete DELETE,
    );

    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    pub fn finish(self) -> (Router<Arc<App>>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}

/// The session cookie's name: `__Host-` (Secure, no Domain, Path=/) except on plain-HTTP
/// localhost, where browsers and tools cannot hold a Secure cookie.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-zq_session"
    } else {
        "zq_session"
    }
}

/// Whether this request came over HTTPS (then cookies are Secure): our own TLS listener, or a
/// trusted proxy that says so. `X-Forwarded-Proto` is set or dropped by the management router
/// before any handler sees it (`manage::real_scheme`), so here it states the real scheme.
pub fn secure_request(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The session token of a request: `Authorization: Bearer …` (API clients) or the cookie.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(t.trim().to_string());
    }
    let secure = secure_request(headers);
    let wanted = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == wanted)
        .map(|(_, v)| v.to_string())
}

/// The client address of a request: the peer, or the forwarded address when the peer is a
/// trusted proxy.
pub fn client_addr(app: &App, parts_ext: &axum::http::Extensions, headers: &HeaderMap) -> String {
    let peer = parts_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    app.client_ip(peer, headers).to_string()
}

pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| zhanqun_core::sanitize::request_id_ok(v))
        .map(str::to_string)
}

/// The authenticated actor of a request, put there by the guard.
#[derive(Debug, Clone)]
pub struct Authed {
    pub actor: Actor,
    pub token: String,
    /// The second factor was given in this session (or is not required).
    pub mfa_done: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Authed>().cloned().ok_or_else(|| {
            // Only on a route without the guard (a public one): no shape was registered.
            fail(
                Shape::unrouted(parts.uri.path()),
                Error::Unauthenticated("请先登录".into()),
            )
        })
    }
}

impl Authed {
    fn client(&self) -> String {
        self.actor.client.clone().unwrap_or_default()
    }

    /// Checks a TOTP code of the enrolled secret; on success the session has its second factor.
    pub async fn verify_totp(&self, app: &App, code: &str) -> Result<bool, Error> {
        let account = &self.actor.principal.account;
        if !account.totp_enrolled {
            return Err(Error::conflict("尚未绑定动态口令，请先绑定"));
        }
        app.store()
            .totp_verify(
                &self.token,
                account,
                code,
                &self.client(),
                zhanqun_store::now(),
                &policy(),
            )
            .await
            .map_err(login_error)
    }

    /// Confirms TOTP enrolment with a code of the pending secret.
    pub async fn confirm_totp(&self, app: &App, code: &str) -> Result<bool, Error> {
        let account = &self.actor.principal.account;
        let now = zhanqun_store::now();
        app.store()
            .totp_confirm(&self.token, account, code, &self.client(), now)
            .await
    }

    /// Ends this session, audited.
    pub async fn logout(&self, app: &App) -> Result<(), Error> {
        app.store().logout(&self.token).await?;
        let entry = self.actor.entry(
            "-",
            None,
            "logout",
            format!("account:{}", self.actor.principal.id()),
            zhanqun_store::Outcome::Success,
            None,
        );
        app.store().audit(&entry).await.map(|_| ())
    }
}

/// A failed login step in the words people read (a store failure stays internal).
pub fn login_error(e: LoginError) -> Error {
    match e {
        LoginError::Store(detail) => Error::internal(detail),
        LoginError::Locked(_) => Error::Locked(e.message()),
        other => Error::Unauthenticated(other.message()),
    }
}

/// The login policy of the running platform.
pub fn policy() -> LoginPolicy {
    LoginPolicy::default()
}

/// The error response of the management listener: JSON with a stable code for the API, a
/// redirect to the login page or a console page for people.
pub fn fail(shape: Shape, err: Error) -> Response {
    fail_code(shape, err.code(), &err)
}

pub fn fail_code(shape: Shape, code: ErrorCode, err: &Error) -> Response {
    if let Error::Internal(detail) = err {
        tracing::error!(error = %detail, "management request failed");
    }
    if shape == Shape::Page {
        match code {
            ErrorCode::Unauthenticated => return Redirect::to("/login").into_response(),
            ErrorCode::SecondFactorRequired => return Redirect::to("/login/totp").into_response(),
            ErrorCode::PasswordChangeRequired => return Redirect::to("/password").into_response(),
            _ => {}
        }
        return crate::view::error_page(code, &err.public_message());
    }
    let status = zhanqun_web::status_of(code);
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({
            "code": code.as_str(),
            "message": err.public_message(),
        })),
    )
        .into_response()
}

/// Enforces a route's access level, then passes the request (with its [`Authed`]) on.
async fn guard(
    State((app, access, shape)): State<(Arc<App>, Access, Shape)>,
    mut req: Request,
    next: Next,
) -> Response {
    if access == Access::Public {
        return next.run(req).await;
    }
    if access == Access::ServiceToken {
        let path = req.uri().path().to_string();
        let Some(token) = session_token(req.headers()) else {
            return fail(
                shape,
                Error::Unauthenticated("请在 Authorization 头中提供业务系统令牌".into()),
            );
        };
        return match app.store().service_caller(&token).await {
            Ok(Some(caller)) => {
                req.extensions_mut().insert(caller);
                next.run(req).await
            }
            Ok(None) => {
                // A refused token is audited with where it came from (a guess, or a revoked
                // token still in use).
                let entry = zhanqun_store::AuditEntry {
                    actor: "service-token:unknown".into(),
                    role: "business_system".into(),
                    site_code: None,
                    client: Some(client_addr(&app, req.extensions(), req.headers())),
                    action: "service_token.refused".into(),
                    object: Some(format!("{} {path}", req.method())),
                    outcome: zhanqun_store::Outcome::Failure,
                    request_id: request_id(req.headers()),
                    detail: None,
                };
                if let Err(e) = app.store().audit(&entry).await {
                    return fail(shape, e);
                }
                fail(
                    shape,
                    Error::Unauthenticated("业务系统令牌无效或已吊销".into()),
                )
            }
            Err(e) => fail(shape, e),
        };
    }
    let path = req.uri().path().to_string();
    let Some(token) = session_token(req.headers()) else {
        return fail(shape, Error::Unauthenticated("请先登录".into()));
    };
    let state = match app
        .store()
        .session_state(&token, zhanqun_store::now(), &policy())
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => {
            return fail(
                shape,
                Error::Unauthenticated("登录已过期，请重新登录".into()),
            );
        }
        Err(e) => return fail(shape, e),
    };
    let (account, mfa_done) = state;
    let mfa_done = mfa_done || !app.config().console.require_totp;
    if access != Access::Password && !mfa_done {
        let msg = if account.totp_enrolled {
            "请输入动态口令"
        } else {
            "请先绑定动态口令"
        };
        return fail_code(
            shape,
            ErrorCode::SecondFactorRequired,
            &Error::Unauthenticated(msg.into()),
        );
    }
    let principal = match app.store().principal(account).await {
        Ok(p) => p,
        Err(e) => return fail(shape, e),
    };
    let allowed = match access {
        Access::Public | Access::Password | Access::Session => true,
        // Answered above, before any session is looked at.
        Access::ServiceToken => false,
        Access::Platform(role) => principal.is(role),
        Access::Admins => matches!(
            principal.platform_role(),
            Some(PlatformRole::SystemAdmin | PlatformRole::SecurityAdmin)
        ),
    };
    // An initial password is changed before anything else.
    let own_password = matches!(path.as_str(), "/password" | "/api/v1/session/password");
    if principal.account.must_change_password && access != Access::Password && !own_password {
        return fail_code(
            shape,
            ErrorCode::PasswordChangeRequired,
            &Error::forbidden("这是初始密码：请先修改密码"),
        );
    }
    // The province auditor reads and never writes.
    let read_only_violation = principal.is(PlatformRole::ProvinceAuditor)
        && !matches!(*req.method(), Method::GET | Method::HEAD)
        && access != Access::Password
        && !own_password;
    if !allowed || read_only_violation {
        let actor = Actor {
            principal,
            client: Some(client_addr(&app, req.extensions(), req.headers())),
            request_id: request_id(req.headers()),
        };
        let entry = actor.entry(
            &actor.principal.role_text(),
            None,
            "access.denied",
            format!("{} {path}", req.method()),
            zhanqun_store::Outcome::Failure,
            None,
        );
        if let Err(e) = app.store().audit(&entry).await {
            return fail(shape, e);
        }
        let msg = if read_only_violation {
            "省级监管员只能查看，不能修改"
        } else {
            "您的账号没有这项操作的权限"
        };
        return fail(shape, Error::forbidden(msg));
    }
    let actor = Actor {
        principal,
        client: Some(client_addr(&app, req.extensions(), req.headers())),
        request_id: request_id(req.headers()),
    };
    req.extensions_mut().insert(Authed {
        actor,
        token,
        mfa_done,
    });
    next.run(req).await
}
