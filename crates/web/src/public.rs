//! The public listener: every site, by host name.
//!
//! Life of a request: `Host` → site context (directory) → status check → path and query →
//! [`Route`] → page cache → (on a miss) render and insert → response with ETag, encoding and
//! Cache-Control. Unknown hosts get a plain 404 that names no site.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use zhanqun_core::visits::PageKind;
use zhanqun_core::{ColumnKind, Error, SiteStatus};

use crate::App;
use crate::cache::CachedPage;
use crate::directory::SiteCtx;
use crate::pages::{HTML, Route};

/// Headers on every public response (including errors): no sniffing, no framing by others, a
/// Content-Security-Policy without `unsafe-inline` (themes use no inline script or style).
static SECURITY_HEADERS: [(HeaderName, HeaderValue); 4] = [
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    ),
    (
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    ),
    (
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'",
        ),
    ),
];

pub fn router(app: Arc<App>) -> Router {
    let timeout = std::time::Duration::from_secs(app.config().request_timeout_seconds);
    // The letter forms are the public listener's only writes: a browser's POST from another
    // origin (Sec-Fetch-Site, Origin) is refused before it reaches them.
    let csrf = tower_http::csrf::CsrfLayer::new().with_rejection_response(|_| {
        plain(
            StatusCode::FORBIDDEN,
            "403 Forbidden\n提交来自其他网站，已拒绝。请在本站页面上填写后提交。\n",
        )
    });
    Router::new()
        .fallback(handle)
        .with_state(app)
        .layer(csrf)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::map_response(
            |mut res: Response| async move {
                let h = res.headers_mut();
                for (name, value) in SECURITY_HEADERS.iter() {
                    if !h.contains_key(name) {
                        h.insert(name.clone(), value.clone());
                    }
                }
                res
            },
        ))
}

async fn handle(State(app): State<Arc<App>>, req: axum::extract::Request) -> Response {
    let start = Instant::now();
    let (parts, body) = req.into_parts();
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let over_tls = parts.extensions.get::<OverTls>().is_some();
    let local_port = parts.extensions.get::<LocalPort>().map(|p| p.0);
    // Every event of the request carries the site and the page kind once they are known. At
    // debug level (`ZHANQUN_LOG__FILTER=info,zhanqun_web::public=debug`): formatting a span's
    // fields on every request costs more than the cached answer itself, and errors name their
    // site anyway.
    let span = tracing::debug_span!(
        "public",
        method = %parts.method,
        path = %parts.uri.path(),
        site.code = tracing::field::Empty,
        page = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let (kind, res) = tracing::Instrument::instrument(
        serve(
            &app,
            Req {
                method: &parts.method,
                headers: &parts.headers,
                uri: &parts.uri,
                peer,
            },
            over_tls,
            local_port,
            body,
        ),
        span.clone(),
    )
    .await;
    span.record("page", kind);
    span.record("status", res.status().as_u16());
    let m = app.metrics();
    m.requests
        .with_label_values(&[kind, res.status().as_str()])
        .inc();
    m.latency
        .with_label_values(&[kind])
        .observe(start.elapsed().as_secs_f64());
    // Per site, by status class only: a series count bounded by the sites in the directory.
    let site = res
        .extensions()
        .get::<SiteLabel>()
        .map(|s| s.0.as_str())
        .unwrap_or("unknown");
    m.site_requests
        .with_label_values(&[site, status_class(res.status())])
        .inc();
    res
}

/// `2xx` … `5xx`, with 503 apart: a suspended site answers 503 on purpose.
fn status_class(s: StatusCode) -> &'static str {
    match s.as_u16() {
        503 => "503",
        500..=599 => "5xx",
        400..=499 => "4xx",
        300..=399 => "3xx",
        _ => "2xx",
    }
}

fn not_allowed() -> Response {
    let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed\n");
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    r
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

fn redirect(status: StatusCode, to: &str) -> Response {
    Response::builder()
        .status(status)
        .header(header::LOCATION, to)
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .body(Body::empty())
        .unwrap_or_default()
}

/// A themed error page; internal errors are logged here, once, and never shown.
fn error_page(app: &App, ctx: &SiteCtx, path: &str, err: &Error) -> Response {
    let code = err.code();
    if let Error::Internal(detail) = err {
        tracing::error!(site.code = %ctx.site.code, path, error = %detail, "public page failed");
    }
    let status = crate::status_of(code);
    themed(app, ctx, status, code.title(), &err.public_message())
}

fn themed(app: &App, ctx: &SiteCtx, status: StatusCode, title: &str, message: &str) -> Response {
    match app.render_error(ctx, status, title, message) {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, HTML),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(site.code = %ctx.site.code, error = %e, "error page failed to render");
            plain(status, "出错了，请稍后再试。")
        }
    }
}

/// Counts a served page as a visit: pages people read (home, column, article, catalogue),
/// shown (200) or revalidated (304), by GET.
fn count_visit(
    app: &App,
    ctx: &SiteCtx,
    route: &Route,
    method: &Method,
    peer: Option<std::net::SocketAddr>,
    headers: &HeaderMap,
    res: &Response,
) {
    if method != Method::GET
        || !(res.status() == StatusCode::OK || res.status() == StatusCode::NOT_MODIFIED)
    {
        return;
    }
    let (page, target) = match route {
        Route::Home => (PageKind::Home, 0),
        Route::Column { path, .. } => match ctx.column_by_path(path) {
            Some(c) => (PageKind::Column, c.id.0),
            None => return,
        },
        Route::Article(id) => (PageKind::Article, id.0),
        Route::Catalogue { .. } => (PageKind::Catalogue, 0),
        _ => return,
    };
    app.visits().count(ctx.site.id, page, target, peer, headers);
}

/// Marks a request that came over HTTPS (set by the HTTPS listener).
#[derive(Clone, Copy, Debug)]
pub struct OverTls;

/// The port of the listener a request came in on (set by the accept loop).
#[derive(Clone, Copy, Debug)]
pub struct LocalPort(pub u16);

/// What the serving steps read of a request (its body travels apart: only the letter forms
/// read it).
#[derive(Clone, Copy)]
struct Req<'a> {
    method: &'a Method,
    headers: &'a HeaderMap,
    uri: &'a Uri,
    peer: Option<std::net::SocketAddr>,
}

async fn serve(
    app: &App,
    req: Req<'_>,
    over_tls: bool,
    local_port: Option<u16>,
    body: Body,
) -> (&'static str, Response) {
    let (method, headers, uri) = (req.method, req.headers, req.uri);
    // POST only to the letter pages (checked once the route is known).
    if method != Method::GET && method != Method::HEAD && method != Method::POST {
        return ("method", not_allowed());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("");
    // The host, parsed once: as sites are looked up by, and as absolute URLs and cache keys use
    // it (a port only when it is ours).
    let tls = &app.config().tls;
    let ports: Vec<u16> = local_port
        .into_iter()
        .chain(tls.enabled.then_some(tls.public_port))
        .collect();
    let unknown = || {
        (
            "unknown_host",
            plain(StatusCode::NOT_FOUND, "404 Not Found\n未找到该网站。\n"),
        )
    };
    let Ok((site_host, authority)) = zhanqun_core::Host::authority(host, &ports) else {
        return unknown();
    };
    let ctx = match app.directory().resolve_host(&site_host).await {
        Ok(Some(ctx)) => ctx,
        Ok(None) => return unknown(),
        Err(e) => {
            tracing::error!(error = %e, "site directory unavailable");
            return (
                "error",
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "503 Service Unavailable\n服务暂时不可用，请稍后再试。\n",
                ),
            );
        }
    };
    tracing::Span::current().record("site.code", ctx.site.code.as_str());
    // With HTTPS on, plain HTTP only redirects (a known site's host only: never an open
    // redirect), except the ACME http-01 challenge a certificate authority fetches over HTTP.
    if tls.enabled
        && tls.redirect_http
        && !over_tls
        && !uri.path().starts_with("/.well-known/acme-challenge/")
    {
        let name = site_host.as_str();
        let port = match tls.public_port {
            443 => String::new(),
            p => format!(":{p}"),
        };
        let pq = uri.path_and_query().map_or("/", |p| p.as_str());
        let to = format!("https://{}{port}{pq}", name.to_ascii_lowercase());
        let mut r = redirect(StatusCode::PERMANENT_REDIRECT, &to);
        r.extensions_mut().insert(SiteLabel(ctx.site.code.clone()));
        return ("redirect", r);
    }
    let site = ctx.site.code.clone();
    let (kind, mut res) = serve_site(app, ctx, &authority, req, body).await;
    res.extensions_mut().insert(SiteLabel(site));
    (kind, res)
}

/// Which site answered a request, for the per-site request counter.
#[derive(Clone)]
struct SiteLabel(zhanqun_core::SiteCode);

/// A request to a known site.
async fn serve_site(
    app: &App,
    ctx: Arc<SiteCtx>,
    host: &str,
    req: Req<'_>,
    body: Body,
) -> (&'static str, Response) {
    let (method, headers, uri, peer) = (req.method, req.headers, req.uri, req.peer);
    // Lower case but with its port: absolute URLs (feeds, sitemap) and their cache keys need it.
    let host = host.to_ascii_lowercase();
    let raw_path = uri.path();
    let Ok(path) = percent_encoding::percent_decode_str(raw_path).decode_utf8() else {
        let err = Error::invalid("网址中含有无效字符，请检查后重试。");
        return ("error", error_page(app, &ctx, raw_path, &err));
    };
    let query: HashMap<String, String> = match Query::<HashMap<String, String>>::try_from_uri(uri) {
        Ok(Query(q)) => q,
        Err(_) => {
            return (
                "error",
                error_page(
                    app,
                    &ctx,
                    &path,
                    &Error::invalid("网址参数无效，请检查后重试。"),
                ),
            );
        }
    };
    let route = match Route::parse(&path, &query) {
        Ok(r) => r,
        Err(e) => return ("error", error_page(app, &ctx, &path, &e)),
    };
    if method == Method::POST && !matches!(route, Route::Letters(_)) {
        return ("method", not_allowed());
    }
    if let Route::Static { theme, file } = &route {
        return ("static", static_asset(app, theme, file, headers));
    }
    match ctx.site.status {
        SiteStatus::Active => {}
        SiteStatus::Suspended => {
            let mut r = themed(
                app,
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                "网站维护中",
                "本网站正在维护，请稍后访问。",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
            return ("unavailable", r);
        }
        SiteStatus::Archived => {
            return (
                "unavailable",
                themed(
                    app,
                    &ctx,
                    StatusCode::GONE,
                    "网站已关停",
                    "本网站已关停，相关信息请访问上级政府门户网站。",
                ),
            );
        }
    }
    let kind = route.kind();
    if let Route::DataFile { dataset, n } = &route {
        return match crate::media::serve_dataset_file(app, ctx.site.id, *dataset, *n, headers).await
        {
            Ok(res) => (kind, res),
            Err(e) => ("error", error_page(app, &ctx, &path, &e)),
        };
    }
    if let Route::Media(name) = &route {
        return match crate::media::serve(app, ctx.site.id, name, headers).await {
            Ok(res) => (kind, res),
            Err(e) => ("error", error_page(app, &ctx, &path, &e)),
        };
    }
    match &route {
        Route::ColumnNoSlash { path: col } => {
            return match ctx.column_by_path(col) {
                Some(_) => (
                    kind,
                    redirect(StatusCode::MOVED_PERMANENTLY, &format!("/{col}/")),
                ),
                None => (
                    kind,
                    error_page(app, &ctx, &path, &Error::not_found("您访问的页面不存在")),
                ),
            };
        }
        Route::Column { path: col, .. } => {
            if let Some(c) = ctx.column_by_path(col)
                && let (ColumnKind::Link, Some(url)) = (c.kind, &c.link_url)
            {
                return (kind, redirect(StatusCode::FOUND, url));
            }
        }
        Route::Search => {
            return match crate::search::page(app, &ctx, &host, &query).await {
                Ok(r) => (kind, r),
                Err(e) => ("error", error_page(app, &ctx, &path, &e)),
            };
        }
        Route::Letters(page) => {
            use crate::desk::LetterPage as P;
            let req = crate::forms::Incoming {
                page,
                post: method == Method::POST,
                body,
                client: app.client_ip(peer, headers),
                headers,
            };
            let answered = match page {
                P::Surveys | P::Survey(_) => crate::surveys::serve(app, &ctx, req).await,
                P::Interviews | P::Interview(_) => crate::interviews::serve(app, &ctx, req).await,
                P::Disclosure | P::DisclosureLookup => {
                    crate::disclosure::serve(app, &ctx, req).await
                }
                P::Apply(_) | P::ApplyLookup | P::ApplyResults => {
                    crate::applications::serve(app, &ctx, req).await
                }
                _ => crate::letters::serve(app, &ctx, req).await,
            };
            return match answered {
                Ok(r) => (kind, r),
                Err(e) => ("error", error_page(app, &ctx, &path, &e)),
            };
        }
        _ => {}
    }
    let Some(key_path) = route.cache_key(&host) else {
        return (
            "error",
            error_page(app, &ctx, &path, &Error::not_found("您访问的页面不存在")),
        );
    };
    let key = (ctx.site.id, key_path.into_boxed_str());
    let max_age = app.config().cache.max_age;
    if let Some(page) = app.pages().get(&key) {
        app.metrics().cache_hits.inc();
        let res = page.respond(headers, max_age);
        count_visit(app, &ctx, &route, method, peer, headers, &res);
        return (kind, res);
    }
    app.metrics().cache_misses.inc();
    let generation = app.pages().generation();
    let started = Instant::now();
    let rendered = app.render(&ctx, &route, &host).await;
    app.metrics()
        .render
        .with_label_values(&[kind])
        .observe(started.elapsed().as_secs_f64());
    match rendered {
        Ok(r) => {
            if r.status == StatusCode::OK && !r.shown.is_empty() {
                // Reprint timeliness: what this page shows, recorded in a batch by the
                // server's one-second loop — no write on the request path.
                app.note_shown(ctx.site.id, r.shown);
            }
            let page = Arc::new(CachedPage::new(
                r.status,
                r.content_type,
                r.body,
                r.deps,
                generation,
            ));
            app.pages().insert(key, page.clone());
            let res = page.respond(headers, max_age);
            count_visit(app, &ctx, &route, method, peer, headers, &res);
            (kind, res)
        }
        Err(e) => (kind, error_page(app, &ctx, &path, &e)),
    }
}

fn static_asset(app: &App, theme: &str, file: &str, headers: &HeaderMap) -> Response {
    let Some(asset) = app.themes().asset(theme, file) else {
        return plain(StatusCode::NOT_FOUND, "404 Not Found\n");
    };
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == &*asset.etag)
        });
    let b = Response::builder()
        .header(header::ETAG, &*asset.etag)
        .header(header::CACHE_CONTROL, "public, max-age=86400");
    if cached {
        return b
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    b.header(header::CONTENT_TYPE, asset.content_type)
        .body(Body::from(asset.bytes))
        .unwrap_or_default()
}
