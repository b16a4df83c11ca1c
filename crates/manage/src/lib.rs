//! The management listener: the console (server-rendered pages), the JSON API under `/api/v1`,
//! its OpenAPI document, `/healthz` (the process answers), `/readyz` (the store answers) and
//! `/metrics` (Prometheus text). Every route is declared with its access level (see
//! [`crate::auth`]); cross-origin writes are refused before any handler runs.

use std::sync::Arc;

pub mod api;
pub mod auth;
pub mod console;
pub(crate) mod extract;
pub mod service;
pub mod view;

use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};

use axum::{Json, Router};
use serde_json::json;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use tower_http::csrf::CsrfLayer;
use zhanqun_core::{Error, ErrorCode};

use crate::auth::{Access, RouteSpec, Routes};
use zhanqun_web::App;

#[derive(Clone, Copy)]
struct UuidV7;

impl MakeRequestId for UuidV7 {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// Every route of the management listener with its declared access (the permission table).
pub fn route_table(app: Arc<App>) -> (Router<Arc<App>>, Vec<RouteSpec>) {
    let r = Routes::new(app)
        .get("/healthz", Access::Public, "进程存活", healthz)
        .get("/readyz", Access::Public, "数据库可用", readyz)
        .get("/metrics", Access::Public, "Prometheus 指标", metrics)
        .get("/api/openapi.json", Access::Public, "OpenAPI 文档", openapi);
    let r = crate::api::stats::routes(crate::api::reprint::routes(crate::api::routes(r)));
    crate::console::routes(r).finish()
}

pub fn router(app: Arc<App>) -> Router {
    let (routes, _) = route_table(app.clone());
    let csrf = CsrfLayer::new().with_rejection_response(|_| {
        auth::fail_code(
            auth::Shape::Json,
            ErrorCode::CrossOrigin,
            &Error::forbidden("请求来源无效：跨站提交已被拒绝（CSRF 防护）"),
        )
    });
    let timeout = std::time::Duration::from_secs(app.config().console_timeout_seconds);
    routes
        .fallback(not_found)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(app.clone(), track))
        .with_state(app.clone())
        .layer(axum::middleware::from_fn(crate::console::security_headers))
        .layer(csrf)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(UuidV7))
        .layer(axum::middleware::from_fn(drop_unfit_request_id))
        .layer(axum::middleware::from_fn_with_state(app, real_scheme))
}

/// States once, for every handler, the scheme a request really came by: `X-Forwarded-Proto` is
/// believed only from a trusted proxy, and is `https` on our own TLS listener. The session
/// cookie's `Secure` flag follows it ([`auth::secure_request`]).
async fn real_scheme(
    State(app): State<Arc<App>>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let over_tls = req
        .extensions()
        .get::<zhanqun_web::public::OverTls>()
        .is_some();
    let from_proxy = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|c| app.trusts_proxy(c.0.ip()));
    if over_tls {
        req.headers_mut()
            .insert("x-forwarded-proto", HeaderValue::from_static("https"));
    } else if !from_proxy {
        req.headers_mut().remove("x-forwarded-proto");
    }
    next.run(req).await
}

/// A client may name its request (`X-Request-Id`, echoed back and kept in the audit log), but only
/// with a short plain token ([`zhanqun_core::sanitize::request_id_ok`]); any other value is dropped
/// here, before [`SetRequestIdLayer`], which then gives the request an id of its own.
async fn drop_unfit_request_id(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let unfit = req.headers().get_all("x-request-id").iter().count() > 1
        || req.headers().get("x-request-id").is_some_and(|v| {
            v.to_str()
                .map_or(true, |v| !zhanqun_core::sanitize::request_id_ok(v))
        });
    if unfit {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}

/// Counts console and API requests by method, matched route (the pattern, such as
/// `/api/v1/articles/{id}`, never the raw path: a bounded label) and status, and their latency.
async fn track(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().clone();
    let start = std::time::Instant::now();
    let res = next.run(req).await;
    let m = app.metrics();
    m.manage_requests
        .with_label_values(&[method.as_str(), &route, res.status().as_str()])
        .inc();
    m.manage_latency
        .with_label_values(&[&route])
        .observe(start.elapsed().as_secs_f64());
    res
}

/// The OpenAPI 3.1 document of the JSON API, generated from the route table so that it lists
/// exactly the routes that exist, with their access levels.
async fn openapi(State(app): State<Arc<App>>) -> Response {
    let (_, specs) = route_table(app);
    let mut paths = serde_json::Map::new();
    for s in specs.iter().filter(|s| s.path.starts_with("/api/v1/")) {
        let entry = paths.entry(s.path.to_string()).or_insert_with(|| json!({}));
        let params: Vec<_> = s
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')))
            .map(|name| {
                let kind = if name == "receipt" {
                    "string"
                } else {
                    "integer"
                };
                json!({"name": name, "in": "path", "required": true, "schema": {"type": kind}})
            })
            .collect();
        let security = match s.access {
            Access::Public => json!([]),
            Access::ServiceToken => json!([{"service_token": []}]),
            _ => json!([{"session": []}, {"bearer": []}]),
        };
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(
                s.method.to_lowercase(),
                json!({
                    "summary": s.summary,
                    "parameters": params,
                    "security": security,
                    "x-zhanqun-access": s.access,
                    "responses": {
                        "200": {"description": "成功", "content": {"application/json": {}}},
                        "default": {"description": "错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                    }
                }),
            );
        }
    }
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "zhanqun 站群平台 API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "__Host-zq_session"},
                "bearer": {"type": "http", "scheme": "bearer"},
                "service_token": {"type": "http", "scheme": "bearer", "description": "业务系统令牌（zqs_ 开头，由网站管理员在控制台创建）"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "enum": codes},
                        "message": {"type": "string", "description": "给人看的中文说明"}
                    }
                }
            }
        }
    });
    ([(header::CACHE_CONTROL, "no-store")], Json(doc)).into_response()
}

async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok\n")
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    if app.store().ping().await {
        ([(header::CACHE_CONTROL, "no-store")], "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CACHE_CONTROL, "no-store")],
            "database unavailable\n",
        )
            .into_response()
    }
}

/// `/metrics`: to an allowed address and with the token, when those are configured.
async fn metrics(
    State(app): State<Arc<App>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
) -> Response {
    let cfg = &app.config().metrics;
    if !cfg.allow.is_empty() && !cfg.allow.iter().any(|n| n.contains(&peer.ip())) {
        return (StatusCode::FORBIDDEN, "403 Forbidden\n").into_response();
    }
    if !cfg.token.is_empty() {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !zhanqun_core::password::same_secret(given, &cfg.token) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "401 Unauthorized\n",
            )
                .into_response();
        }
    }
    let m = app.metrics();
    m.cache_entries
        .set(i64::try_from(app.pages().entry_count()).unwrap_or(i64::MAX));
    m.cache_bytes
        .set(i64::try_from(app.pages().weighted_size()).unwrap_or(i64::MAX));
    let (size, idle) = app.store().pool_stats();
    m.db_connections.set(i64::from(size));
    m.db_idle.set(i64::try_from(idle).unwrap_or(0));
    m.sites
        .set(i64::try_from(app.directory().site_count()).unwrap_or(0));
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        m.render(),
    )
        .into_response()
}

async fn not_found(uri: axum::http::Uri) -> Response {
    auth::fail(
        auth::Shape::unrouted(uri.path()),
        Error::not_found("没有这个页面或接口"),
    )
}
