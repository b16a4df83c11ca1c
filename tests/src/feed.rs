//! A stand-in for the State Council's policy feed (中国政府网 “最新政策”), for tests and the demo:
//! RSS 2.0 with items written for this purpose (not copied articles), item pages that carry the
//! body in `#UCAP-CONTENT` as the real site does, and conditional GET (ETag, Last-Modified, 304).
//!
//! Items are added, corrected and removed through [`FeedServer`]'s methods, or over HTTP:
//! `POST /admin/items` (JSON `{title, summary, body_html, full_content}`), `PUT /admin/items/{id}`,
//! `DELETE /admin/items/{id}`. Run it alone with `cargo run -p zhanqun-tests --bin gov-feed`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use chrono::{DateTime, Duration, Utc};

/// One policy item of the stand-in feed.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct FeedItem {
    #[serde(default)]
    pub id: u32,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    /// Whether the feed carries the full text (`content:encoded`); otherwise only the summary,
    /// and the body is on the item's page.
    #[serde(default)]
    pub full_content: bool,
    #[serde(default = "Utc::now")]
    pub published: DateTime<Utc>,
    #[serde(default)]
    pub updated: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct FeedState {
    items: Vec<FeedItem>,
    next_id: u32,
    version: u64,
    modified: DateTime<Utc>,
    /// Feed requests, and those answered 304.
    requests: u64,
    not_modified: u64,
}

type Shared = Arc<Mutex<FeedState>>;

/// A running stand-in feed.
#[derive(Debug, Clone)]
pub struct FeedServer {
    /// `http://127.0.0.1:port`
    pub base: String,
    /// The feed's URL.
    pub url: String,
    state: Shared,
}

/// Items to start with: policies written for the demo.
pub fn sample_items(now: DateTime<Utc>) -> Vec<FeedItem> {
    let p = |title: &str, summary: &str, paras: &[&str], full: bool, minutes: i64| FeedItem {
        id: 0,
        title: title.into(),
        summary: summary.into(),
        body_html: paras.iter().map(|t| format!("<p>{t}</p>")).collect(),
        full_content: full,
        published: now - Duration::minutes(minutes),
        updated: None,
    };
    vec![
        p(
            "国务院关于做好今冬明春农村供暖保障工作的通知",
            "要求各地压实属地责任，保障农村居民温暖过冬。",
            &[
                "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
                "为切实保障农村居民温暖过冬，现就做好今冬明春农村供暖保障工作通知如下。",
                "一、压实属地责任。各地要把农村供暖保障作为重要民生工作，逐村逐户摸清取暖需求。",
                "二、保障能源供应。统筹做好煤炭、天然气、电力调度，优先保障居民生活用能。",
                "三、加强安全管理。广泛开展防范一氧化碳中毒宣传，及时排查取暖设施安全隐患。",
            ],
            false,
            20,
        ),
        p(
            "国务院办公厅关于推进基层政务公开标准化规范化的实施意见",
            "对基层政务公开事项目录、公开平台和公众参与提出要求。",
            &[
                "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
                "推进基层政务公开标准化规范化，是提升基层治理能力的重要举措。经国务院同意，提出以下意见。",
                "一、编制公开事项目录。县级人民政府要按照领域编制并动态更新政务公开事项标准目录。",
                "二、用好政府网站。县级政府门户网站要集中发布本级政府及部门的政府信息，方便公众查阅。",
                "三、扩大公众参与。涉及群众切身利益的重要决策，要通过网站征集意见并反馈采纳情况。",
            ],
            true,
            12,
        ),
        p(
            "国务院关于加强县域应急广播体系建设的指导意见",
            "到2028年基本建成覆盖城乡的县域应急广播体系。",
            &[
                "各省、自治区、直辖市人民政府：",
                "应急广播是突发事件预警信息发布的重要渠道。为加强县域应急广播体系建设，提出如下意见。",
                "一、完善覆盖网络。统筹利用有线、无线和互联网手段，实现行政村全覆盖。",
                "二、规范播发流程。建立预警信息快速审核发布机制，确保信息准确及时。",
            ],
            false,
            6,
        ),
    ]
}

impl FeedServer {
    /// Starts on a free local port with the sample items.
    pub async fn spawn() -> FeedServer {
        Self::bind(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            sample_items(Utc::now()),
        )
        .await
        .unwrap_or_else(|e| panic!("feed server: {e}"))
    }

    /// Starts on `addr` with `items`.
    pub async fn bind(addr: SocketAddr, items: Vec<FeedItem>) -> std::io::Result<FeedServer> {
        let state: Shared = Arc::new(Mutex::new(FeedState {
            next_id: 1,
            modified: Utc::now(),
            version: 1,
            ..Default::default()
        }));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let base = format!("http://{local}");
        let server = FeedServer {
            url: format!("{base}/rss.xml"),
            base,
            state: state.clone(),
        };
        for it in items {
            server.add(it);
        }
        let app = Router::new()
            .route("/rss.xml", get(feed))
            .route("/zhengce/content/{id}", get(page))
            .route("/redirect", get(redirect))
            .route("/admin/items", axum::routing::post(add_http))
            .route("/admin/items/{id}", put(correct_http).delete(remove_http))
            .with_state(server.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(server)
    }

    fn with<T>(&self, f: impl FnOnce(&mut FeedState) -> T) -> T {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut st)
    }

    /// Adds an item; returns its id.
    pub fn add(&self, mut item: FeedItem) -> u32 {
        self.with(|st| {
            item.id = st.next_id;
            st.next_id += 1;
            st.items.insert(0, item);
            st.version += 1;
            st.modified = Utc::now();
            st.next_id - 1
        })
    }

    /// Corrects an item's title and body (its update time moves).
    pub fn correct(&self, id: u32, title: &str, body_html: &str) -> bool {
        self.with(|st| {
            let Some(it) = st.items.iter_mut().find(|i| i.id == id) else {
                return false;
            };
            it.title = title.into();
            it.body_html = body_html.into();
            it.updated = Some(Utc::now());
            st.version += 1;
            st.modified = Utc::now();
            true
        })
    }

    /// Takes an item out of the feed.
    pub fn remove(&self, id: u32) -> bool {
        self.with(|st| {
            let before = st.items.len();
            st.items.retain(|i| i.id != id);
            st.version += 1;
            st.modified = Utc::now();
            st.items.len() != before
        })
    }

    /// The items, newest first.
    pub fn items(&self) -> Vec<FeedItem> {
        self.with(|st| st.items.clone())
    }

    /// Feed requests so far, and how many were answered 304 Not Modified.
    pub fn requests(&self) -> (u64, u64) {
        self.with(|st| (st.requests, st.not_modified))
    }

    /// The URL of an item's page.
    pub fn item_url(&self, id: u32) -> String {
        format!("{}/zhengce/content/{id}.htm", self.base)
    }
}

async fn feed(State(s): State<FeedServer>, headers: HeaderMap) -> Response {
    let (etag, modified, items) = s.with(|st| {
        st.requests += 1;
        (
            format!("\"v{}\"", st.version),
            st.modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            st.items.clone(),
        )
    });
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        s.with(|st| st.not_modified += 1);
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let rss_items: Vec<rss::Item> = items
        .iter()
        .map(|it| {
            let mut item = rss::Item::default();
            item.set_title(it.title.clone());
            item.set_link(s.item_url(it.id));
            item.set_guid(rss::Guid {
                value: format!("gov-policy-{}", it.id),
                permalink: false,
            });
            item.set_description(it.summary.clone());
            item.set_pub_date(it.published.to_rfc2822());
            if it.full_content {
                item.set_content(it.body_html.clone());
            }
            item
        })
        .collect();
    let mut channel = rss::Channel::default();
    channel.set_title("最新政策（演示用替身源）");
    channel.set_link(s.base.clone());
    channel.set_description("供 zhanqun 测试和演示使用的国务院政策替身订阅源，内容为虚构。");
    channel.set_language("zh-CN".to_string());
    channel.set_items(rss_items);
    (
        [
            (
                header::CONTENT_TYPE,
                "application/rss+xml; charset=utf-8".to_string(),
            ),
            (header::ETAG, etag),
            (header::LAST_MODIFIED, modified),
        ],
        channel.to_string(),
    )
        .into_response()
}

async fn page(State(s): State<FeedServer>, Path(file): Path<String>) -> Response {
    let id: Option<u32> = file.strip_suffix(".htm").and_then(|n| n.parse().ok());
    let item = id.and_then(|id| s.items().into_iter().find(|i| i.id == id));
    match item {
        Some(it) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!(
                "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\
                 <body><div class=\"header\">中国政府网（演示替身）</div><h1>{t}</h1>\
                 <div id=\"UCAP-CONTENT\">{b}</div><div class=\"footer\">版权所有（演示）</div></body></html>",
                t = it.title,
                b = it.body_html
            ),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[derive(serde::Deserialize)]
struct RedirectTo {
    to: String,
}

/// `302` to `?to=` — for the test that redirects to internal addresses are refused.
async fn redirect(axum::extract::Query(q): axum::extract::Query<RedirectTo>) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, q.to)]).into_response()
}

async fn add_http(
    State(s): State<FeedServer>,
    axum::Json(item): axum::Json<FeedItem>,
) -> impl IntoResponse {
    let id = s.add(item);
    (
        StatusCode::CREATED,
        axum::Json(serde_json::json!({ "id": id })),
    )
}

#[derive(serde::Deserialize)]
struct Correction {
    title: String,
    body_html: String,
}

async fn correct_http(
    State(s): State<FeedServer>,
    Path(id): Path<u32>,
    axum::Json(c): axum::Json<Correction>,
) -> StatusCode {
    if s.correct(id, &c.title, &c.body_html) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn remove_http(State(s): State<FeedServer>, Path(id): Path<u32>) -> StatusCode {
    if s.remove(id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}
