//! The reprint and submissions part of the JSON API (`/api/v1/reprint/…`, `/api/v1/submissions/…`):
//! the same domain calls as the console pages.

use std::sync::Arc;
use zhanqun_core::{DeliveryId, SourceId, SubmissionId, SubscriptionId};

use axum::extract::State;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::{ArticleId, Error, SiteCode, SiteId};
use zhanqun_store::{HandItem, NewItem, NewSource, ReprintMode};

use crate::api::{ApiResult, Body, Path, Query, ok};
use crate::auth::{Access, Authed, Routes};
use crate::service::column_by_path;
use zhanqun_web::App;

async fn site_by_code(app: &App, code: &str) -> Result<SiteId, Error> {
    let code = SiteCode::parse(code)?;
    Ok(app
        .store()
        .site_by_code(&code)
        .await?
        .ok_or_else(|| Error::not_found(format!("网站 {code} 不存在")))?
        .id)
}

async fn sources(State(app): State<Arc<App>>, a: Authed) -> ApiResult {
    Ok(ok(
        json!({ "sources": app.store().sources_for(&a.actor).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceBody {
    name: String,
    kind: String,
    #[serde(default)]
    url: Option<String>,
    attribution: String,
    /// The owner site's code.
    site: String,
    /// The owner's column path.
    column: String,
    #[serde(default)]
    poll_seconds: Option<i64>,
    #[serde(default)]
    extract_selector: Option<String>,
}

async fn create_source(
    State(app): State<Arc<App>>,
    a: Authed,
    Body(b): Body<SourceBody>,
) -> ApiResult {
    let owner = site_by_code(&app, &b.site).await?;
    let column = column_by_path(&app, owner, &b.column).await?;
    let id = app
        .store()
        .create_source(
            Some(&a.actor),
            &NewSource {
                name: b.name,
                kind: b.kind,
                url: b.url,
                attribution: b.attribution,
                owner,
                owner_column: column,
                poll_seconds: b.poll_seconds,
                extract_selector: b.extract_selector,
            },
        )
        .await?;
    Ok(ok(json!({ "id": id })))
}

async fn poll_now(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SourceId>) -> ApiResult {
    app.store().poll_now(Some(&a.actor), id).await?;
    Ok(ok(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemBody {
    title: String,
    body_html: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    link: Option<String>,
    /// Unique within the source; default: the link, or a new id.
    #[serde(default)]
    guid: Option<String>,
    /// When the source published it; default: now.
    #[serde(default)]
    published_at: Option<DateTime<Utc>>,
}

async fn ingest(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SourceId>,
    Body(b): Body<ItemBody>,
) -> ApiResult {
    let item = NewItem::by_hand(
        &HandItem {
            title: &b.title,
            summary: b.summary.as_deref(),
            body_html: &b.body_html,
            link: b.link.as_deref(),
            guid: b.guid.as_deref(),
            published_at: b.published_at,
        },
        zhanqun_store::now(),
    )?;
    let done = app.store().ingest(Some(&a.actor), id, &item).await?;
    Ok(ok(json!(done)))
}

#[derive(Deserialize)]
struct SiteQuery {
    site: String,
}

/// The site of `code` when its reprint records are the actor's to read: only someone with a
/// role on the site (or the province auditor) reads them.
async fn readable_site(app: &App, a: &Authed, code: &str) -> Result<SiteId, Error> {
    let site = site_by_code(app, code).await?;
    if a.actor.principal.sees_site(site) {
        Ok(site)
    } else {
        Err(Error::not_found("网站不存在"))
    }
}

async fn subscriptions(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<SiteQuery>,
) -> ApiResult {
    let site = readable_site(&app, &a, &q.site).await?;
    Ok(ok(
        json!({ "subscriptions": app.store().subscriptions(None, Some(site)).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscribeBody {
    source: SourceId,
    site: String,
    column: String,
    mode: ReprintMode,
    #[serde(default)]
    home_slot: bool,
}

async fn subscribe(
    State(app): State<Arc<App>>,
    a: Authed,
    Body(b): Body<SubscribeBody>,
) -> ApiResult {
    let site = site_by_code(&app, &b.site).await?;
    let column = column_by_path(&app, site, &b.column).await?;
    let id = app
        .store()
        .subscribe(Some(&a.actor), b.source, column, b.mode, b.home_slot)
        .await?;
    Ok(ok(json!({ "id": id })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BackfillBody {
    days: i64,
}

async fn backfill(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SubscriptionId>,
    Body(b): Body<BackfillBody>,
) -> ApiResult {
    let n = app.store().backfill(Some(&a.actor), id, b.days).await?;
    Ok(ok(json!({ "taken": n })))
}

async fn deliveries(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<SiteQuery>,
) -> ApiResult {
    let site = readable_site(&app, &a, &q.site).await?;
    let deadlines = app.config().deadlines();
    let now = zhanqun_store::now();
    let list: Vec<serde_json::Value> = app
        .store()
        .deliveries(site)
        .await?
        .iter()
        .map(|d| {
            let mut v = json!(d);
            v["standing"] = json!(deadlines.standing(d.source_published_at, d.placed_at, now));
            v
        })
        .collect();
    Ok(ok(json!({ "deliveries": list })))
}

async fn approve(State(app): State<Arc<App>>, a: Authed, Path(id): Path<DeliveryId>) -> ApiResult {
    app.store().approve_delivery(&a.actor, id).await?;
    Ok(ok(json!({ "ok": true })))
}

async fn detach(State(app): State<Arc<App>>, a: Authed, Path(id): Path<DeliveryId>) -> ApiResult {
    let copy = app.store().detach(&a.actor, id).await?;
    Ok(ok(json!({ "article": copy })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    /// The receiving site's code.
    to: String,
    #[serde(default)]
    note: Option<String>,
}

async fn submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Body(b): Body<SubmitBody>,
) -> ApiResult {
    let to = site_by_code(&app, &b.to).await?;
    let sid = app
        .store()
        .submit_article(&a.actor, id, to, b.note.as_deref())
        .await?;
    Ok(ok(json!({ "id": sid })))
}

async fn inbox(State(app): State<Arc<App>>, a: Authed, Query(q): Query<SiteQuery>) -> ApiResult {
    let site = site_by_code(&app, &q.site).await?;
    Ok(ok(
        json!({ "submissions": app.store().submissions_to(&a.actor, site).await? }),
    ))
}

async fn mine(State(app): State<Arc<App>>, a: Authed) -> ApiResult {
    Ok(ok(
        json!({ "submissions": app.store().my_submissions(&a.actor).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdoptBody {
    /// A column path of the receiving site.
    column: String,
}

async fn adopt(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SubmissionId>,
    Body(b): Body<AdoptBody>,
) -> ApiResult {
    // The column is resolved on each site the actor has a role on; adopt checks it belongs to
    // the receiving site.
    let mut column = None;
    for g in &a.actor.principal.grants {
        if let Ok(c) = column_by_path(&app, g.site_id, &b.column).await {
            let subs = app.store().submissions_to(&a.actor, g.site_id).await?;
            if subs.iter().any(|s| s.id == id) {
                column = Some(c);
                break;
            }
        }
    }
    let column = column
        .ok_or_else(|| Error::not_found(format!("报送 {id} 不存在，或接收网站没有该栏目")))?;
    app.store().adopt_submission(&a.actor, id, column).await?;
    Ok(ok(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclineBody {
    reason: String,
}

async fn decline(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SubmissionId>,
    Body(b): Body<DeclineBody>,
) -> ApiResult {
    app.store()
        .decline_submission(&a.actor, id, &b.reason)
        .await?;
    Ok(ok(json!({ "ok": true })))
}

#[derive(Deserialize)]
struct CountsQuery {
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    site: String,
}

async fn counts(State(app): State<Arc<App>>, a: Authed, Query(q): Query<CountsQuery>) -> ApiResult {
    let site = readable_site(&app, &a, &q.site).await?;
    if q.to < q.from {
        return Err(Error::invalid("结束日期不能早于开始日期").into());
    }
    let from = q.from.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
    let to =
        q.to.succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc());
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Error::invalid("日期无效").into());
    };
    Ok(ok(
        json!({ "counts": app.store().submission_counts(Some(site), from, to).await? }),
    ))
}

pub fn routes(r: Routes) -> Routes {
    let r = r.answering(crate::auth::Shape::Json);
    use Access::*;
    r.get("/api/v1/reprint/sources", Session, "转载来源列表", sources)
        .post(
            "/api/v1/reprint/sources",
            Session,
            "新建转载来源",
            create_source,
        )
        .post(
            "/api/v1/reprint/sources/{id}/poll",
            Session,
            "立即抓取订阅源",
            poll_now,
        )
        .post(
            "/api/v1/reprint/sources/{id}/items",
            Session,
            "手工录入转载信息（成为来源网站的草稿，经审核签发发布后分发）",
            ingest,
        )
        .get(
            "/api/v1/reprint/subscriptions",
            Session,
            "网站的订阅（?site=网站标识码）",
            subscriptions,
        )
        .post(
            "/api/v1/reprint/subscriptions",
            Session,
            "订阅转载来源",
            subscribe,
        )
        .post(
            "/api/v1/reprint/subscriptions/{id}/backfill",
            Session,
            "补录订阅前的信息",
            backfill,
        )
        .get(
            "/api/v1/reprint/deliveries",
            Session,
            "网站的转载记录与时效（?site=网站标识码）",
            deliveries,
        )
        .post(
            "/api/v1/reprint/deliveries/{id}/approve",
            Session,
            "审核通过转载",
            approve,
        )
        .post(
            "/api/v1/reprint/deliveries/{id}/detach",
            Session,
            "转为本站副本",
            detach,
        )
        .post(
            "/api/v1/articles/{id}/submissions",
            Session,
            "报送或推荐信息",
            submit,
        )
        .get(
            "/api/v1/submissions/inbox",
            Session,
            "网站收到的报送（?site=网站标识码）",
            inbox,
        )
        .get("/api/v1/submissions/mine", Session, "我报送的信息", mine)
        .post("/api/v1/submissions/{id}/adopt", Session, "采用报送", adopt)
        .post(
            "/api/v1/submissions/{id}/decline",
            Session,
            "退回报送",
            decline,
        )
        .get(
            "/api/v1/submissions/counts",
            Session,
            "报送与采用统计（?site=&from=&to=）",
            counts,
        )
}
