//! The management listener: `/healthz` (the process answers), `/readyz` (the store answers),
//! `/metrics` (Prometheus text). The console and the JSON API will live here too.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::App;

#[derive(Clone, Copy)]
struct UuidV7;

impl MakeRequestId for UuidV7 {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
            .ok()
            .map(RequestId::new)
    }
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(app)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(UuidV7))
}

async fn index() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        "zhanqun 管理端口：/healthz /readyz /metrics\n",
    )
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

async fn metrics(State(app): State<Arc<App>>) -> Response {
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

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "code": "not_found", "message": "没有这个管理接口" })),
    )
        .into_response()
}
