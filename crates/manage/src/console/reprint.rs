//! Console pages of reprint (转载) and submissions (信息报送): the sources with their polling
//! state and the province office's manual entry; each site's subscriptions and deliveries with
//! approval, detach and backfill; the timeliness board with the overdue list; the submissions
//! inbox with adopt and decline, and what the signed-in editor submitted.

use std::sync::Arc;
use zhanqun_core::SubscriptionId;
use zhanqun_core::{DeliveryId, SourceId, SubmissionId};

use super::Form;
use axum::extract::State;
use axum::response::Response;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};
use zhanqun_core::timeliness::Deadlines;
use zhanqun_core::{Act, ArticleId, ColumnId, ColumnKind, Error, SiteId};
use zhanqun_store::{Delivery, HandItem, NewItem, NewSource, ReprintMode};

use super::{Notice, PageError, PageResult, Path, outcome_page, page, redirect_outcome, render};
use crate::auth::{Access, Authed, Routes};
use crate::service::column_by_path;
use zhanqun_web::App;

/// A delivery as the pages show it: its delay and where it stands against the deadlines.
pub(super) fn delivery_view(d: &Delivery, deadlines: &Deadlines, now: DateTime<Utc>) -> JsonValue {
    let standing = deadlines.standing(d.source_published_at, d.placed_at, now);
    let delay = d
        .placed_at
        .map(|p| minutes_text((p - d.source_published_at).num_seconds()));
    let waited = minutes_text((now - d.source_published_at).num_seconds());
    json!({
        "id": d.id, "site_id": d.site_id, "site_code": d.site_code, "site_name": d.site_name,
        "article_id": d.article_id, "title": d.title, "state": d.state,
        "source_published_at": d.source_published_at, "ingested_at": d.ingested_at,
        "placed_at": d.placed_at, "shown_at": d.shown_at, "alerted": d.alerted_at.is_some(),
        "delay": delay, "waited": waited,
        "standing": standing, "standing_label": standing.label(), "late": standing.is_late(),
    })
}

/// "3 分 20 秒", "1 小时 5 分", "2 天 3 小时".
fn minutes_text(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s} 秒"),
        60..3600 => format!("{} 分 {} 秒", s / 60, s % 60),
        3600..86_400 => format!("{} 小时 {} 分", s / 3600, (s % 3600) / 60),
        _ => format!("{} 天 {} 小时", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A step on a site's reprint page, answered with that page (its outcome as a notice).
async fn back_to_site(
    app: &App,
    a: &Authed,
    site: SiteId,
    res: Result<String, Error>,
) -> PageResult {
    or_page(res, |n| site_page_with(app, a, site, n)).await
}

/// A step on the sources page, answered with that page.
async fn back_to_sources(app: &App, a: &Authed, res: Result<String, Error>) -> PageResult {
    or_page(res, |n| sources_page_with(app, a, n)).await
}

/// A POST that failed on bad input re-renders its page with the message (400/403/409/413);
/// anything else is an error page.
async fn or_page<F, Fut>(res: Result<String, Error>, ok_to: F) -> PageResult
where
    F: FnOnce(Notice) -> Fut,
    Fut: std::future::Future<Output = PageResult>,
{
    let shown = |e: &Error| {
        matches!(
            e,
            Error::InvalidInput(_) | Error::Conflict(_) | Error::Forbidden(_) | Error::TooLarge(_)
        )
    };
    outcome_page(res, shown, ok_to).await
}

/// Sites where the actor is site administrator.
pub(super) fn admin_sites(a: &Authed) -> Vec<SiteId> {
    a.actor.principal.admin_sites()
}

// ---- sources ------------------------------------------------------------------------------

/// Whether the user may enter items into `s` by hand: a reviewer or administrator of the column
/// it feeds on its own site, as `Store::ingest` requires.
async fn may_enter(
    app: &App,
    a: &Authed,
    s: &zhanqun_store::reprint::Source,
) -> zhanqun_core::Result<bool> {
    let owner = SiteId(s.owner_site_id);
    let (Some(column), Some(ctx)) = (s.owner_column_id, app.directory().ctx(owner).await?) else {
        return Ok(false);
    };
    let ancestry: Vec<ColumnId> = ctx.trail(ColumnId(column)).iter().map(|c| c.id).collect();
    Ok(a.actor.principal.may(Act::EnterReprint, owner, &ancestry))
}

async fn sources_page_with(app: &App, a: &Authed, n: Notice) -> PageResult {
    let sources = app.store().sources_for(&a.actor).await?;
    let sites = app.sites().await?;
    let admin = admin_sites(a);
    let p = &a.actor.principal;
    let mut rows: Vec<JsonValue> = Vec::with_capacity(sources.len());
    for s in &sources {
        let owner = SiteId(s.owner_site_id);
        rows.push(json!({
            "s": s,
            "can_admin": admin.contains(&owner),
            "can_enter": may_enter(app, a, s).await?,
        }));
    }
    let owner_sites: Vec<JsonValue> = sites
        .iter()
        .filter(|s| admin.contains(&s.id))
        .map(|s| json!({ "id": s.id.0, "name": s.name, "code": s.code.as_str() }))
        .collect();
    let my_sites: Vec<JsonValue> = sites
        .iter()
        .filter(|s| p.grants.iter().any(|g| g.site_id == s.id))
        .map(|s| json!({ "id": s.id.0, "name": s.name }))
        .collect();
    Ok(render(
        "reprint.html",
        page(
            Some(a),
            "reprint",
            "转载来源",
            json!({
                "sources": rows, "owner_sites": owner_sites, "my_sites": my_sites,
                "flash": n.flash, "error": n.error,
            }),
        ),
    ))
}

async fn sources_page(State(app): State<Arc<App>>, a: Authed) -> PageResult {
    sources_page_with(&app, &a, Notice::default()).await
}

#[derive(Deserialize)]
struct SourceForm {
    name: String,
    kind: String,
    #[serde(default)]
    url: String,
    attribution: String,
    owner: i64,
    column: String,
    #[serde(default)]
    poll_seconds: String,
    #[serde(default)]
    selector: String,
}

impl SourceForm {
    /// The source the form describes, feeding `column` of site `owner`.
    fn source(&self, owner: SiteId, column: ColumnId) -> Result<NewSource, Error> {
        let poll = match self.poll_seconds.trim() {
            "" => None,
            v => Some(
                v.parse::<i64>()
                    .map_err(|_| Error::invalid("抓取间隔须是秒数，例如 60"))?,
            ),
        };
        let blank = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        Ok(NewSource {
            name: self.name.clone(),
            kind: self.kind.clone(),
            url: blank(&self.url),
            attribution: self.attribution.clone(),
            owner,
            owner_column: column,
            poll_seconds: poll,
            extract_selector: blank(&self.selector),
        })
    }
}

async fn source_create(
    State(app): State<Arc<App>>,
    a: Authed,
    Form(f): Form<SourceForm>,
) -> PageResult {
    let res = async {
        let owner = SiteId(f.owner);
        let column = column_by_path(&app, owner, &f.column).await?;
        let source = f.source(owner, column)?;
        app.store().create_source(Some(&a.actor), &source).await?;
        Ok(format!("已创建转载来源“{}”", f.name.trim()))
    }
    .await;
    back_to_sources(&app, &a, res).await
}

async fn source_poll(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SourceId>,
) -> PageResult {
    let res = app
        .store()
        .poll_now(Some(&a.actor), id)
        .await
        .map(|()| "已安排立即抓取，几秒后刷新本页查看结果".to_string());
    back_to_sources(&app, &a, res).await
}

#[derive(Deserialize)]
struct ItemForm {
    title: String,
    #[serde(default)]
    summary: String,
    body_html: String,
    #[serde(default)]
    link: String,
}

async fn source_item(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SourceId>,
    Form(f): Form<ItemForm>,
) -> PageResult {
    let res = async {
        let item = NewItem::by_hand(
            &HandItem {
                title: &f.title,
                summary: Some(&f.summary),
                body_html: &f.body_html,
                link: Some(&f.link),
                ..Default::default()
            },
            zhanqun_store::now(),
        )?;
        let done = app.store().ingest(Some(&a.actor), id, &item).await?;
        Ok(if done.held {
            format!(
                "已作为草稿录入本站（信息 {}）：送审并经审核、签发发布后，再转发到各订阅网站",
                done.article
            )
        } else if done.new {
            format!(
                "已发布到 {} 个网站，{} 个网站待本站审核",
                done.placed, done.pending
            )
        } else {
            "这条信息此前已录入，未重复发布".to_string()
        })
    }
    .await;
    back_to_sources(&app, &a, res).await
}

// ---- a site's subscriptions and deliveries -----------------------------------------------

async fn site_page_with(app: &App, a: &Authed, site: SiteId, n: Notice) -> PageResult {
    let p = &a.actor.principal;
    let on_site = p.sees_site(site);
    let s = match app.store().site(site).await? {
        Some(s) if on_site => s,
        _ => return Err(PageError(Error::not_found("网站不存在"))),
    };
    let is_admin = admin_sites(a).contains(&site);
    let subs = app.store().subscriptions(None, Some(site)).await?;
    let sources = app.store().sources_for(&a.actor).await?;
    let columns: Vec<JsonValue> = app
        .store()
        .columns(site)
        .await?
        .into_iter()
        .filter(|c| c.kind == ColumnKind::List)
        .map(|c| json!({ "path": c.path.as_str(), "name": c.name }))
        .collect();
    let deadlines = app.config().deadlines();
    let now = zhanqun_store::now();
    let mut deliveries = Vec::new();
    for d in app.store().deliveries(site).await? {
        let mut v = delivery_view(&d, &deadlines, now);
        let ancestry = app
            .store()
            .column_ancestry(ColumnId(d.column_id))
            .await?
            .map(|(_, a, _)| a)
            .unwrap_or_default();
        v["can_approve"] = json!(d.state.awaits_review() && p.may(Act::Review, site, &ancestry));
        v["can_detach"] = json!(
            d.state.may_detach()
                && is_admin
                && app
                    .store()
                    .article(ArticleId(d.article_id))
                    .await?
                    .is_some_and(|a| a.site_id != site)
        );
        deliveries.push(v);
    }
    Ok(render(
        "reprint_site.html",
        page(
            Some(a),
            "reprint",
            "订阅与转载",
            json!({
                "site": s, "subs": subs, "sources": sources, "columns": columns,
                "deliveries": deliveries, "is_admin": is_admin,
                "deadline_minutes": app.config().reprint.deadline_minutes,
                "flash": n.flash, "error": n.error,
            }),
        ),
    ))
}

async fn site_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> PageResult {
    site_page_with(&app, &a, id, Notice::default()).await
}

#[derive(Deserialize)]
struct SubscribeForm {
    source: i64,
    column: String,
    mode: String,
    #[serde(default)]
    home_slot: Option<String>,
}

async fn subscribe_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Form(f): Form<SubscribeForm>,
) -> PageResult {
    let site = id;
    let res = async {
        if !admin_sites(&a).contains(&site) {
            return Err(Error::forbidden("只有本网站的网站管理员可以订阅转载来源"));
        }
        let column = column_by_path(&app, site, &f.column).await?;
        let mode = match f.mode.as_str() {
            "publish" => ReprintMode::Publish,
            "review" => ReprintMode::Review,
            _ => return Err(Error::invalid("请选择发布方式：立即发布或本站审核后发布")),
        };
        app.store()
            .subscribe(
                Some(&a.actor),
                SourceId(f.source),
                column,
                mode,
                f.home_slot.is_some(),
            )
            .await?;
        Ok("已订阅；此后的新信息会按所选方式转载到本站。可用“补录”获取最近的信息。".to_string())
    }
    .await;
    back_to_site(&app, &a, site, res).await
}

#[derive(Deserialize)]
struct BackfillForm {
    subscription: i64,
    days: i64,
}

async fn backfill_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Form(f): Form<BackfillForm>,
) -> PageResult {
    let site = id;
    let res = async {
        if !admin_sites(&a).contains(&site) {
            return Err(Error::forbidden("只有本网站的网站管理员可以补录"));
        }
        let own = app
            .store()
            .subscriptions(None, Some(site))
            .await?
            .iter()
            .any(|s| s.id == f.subscription);
        if !own {
            return Err(Error::invalid("该订阅不属于本网站"));
        }
        let n = app
            .store()
            .backfill(Some(&a.actor), SubscriptionId(f.subscription), f.days)
            .await?;
        Ok(format!("已补录 {n} 条信息"))
    }
    .await;
    back_to_site(&app, &a, site, res).await
}

async fn approve_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<DeliveryId>,
) -> PageResult {
    let d = app.store().delivery(&a.actor, id).await?;
    let res = app.store().approve_delivery(&a.actor, id).await;
    let res = res.map(|()| format!("“{}”已在本站发布", d.title));
    back_to_site(&app, &a, d.site_id, res).await
}

async fn detach_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<DeliveryId>,
) -> PageResult {
    let d = app.store().delivery(&a.actor, id).await?;
    let res = app.store().detach(&a.actor, id).await;
    let res = res.map(|copy| format!("已转为本站副本（信息 {copy}），此后不再随来源更正或撤回"));
    back_to_site(&app, &a, d.site_id, res).await
}

// ---- submissions --------------------------------------------------------------------------

async fn submissions_page_with(app: &App, a: &Authed, n: Notice) -> PageResult {
    let p = &a.actor.principal;
    let sites = app.sites().await?;
    let now = zhanqun_store::now();
    let month_start = now - chrono::Duration::days(30);
    let mut inboxes = Vec::new();
    let mut seen = Vec::new();
    for g in &p.grants {
        if seen.contains(&g.site_id) {
            continue;
        }
        seen.push(g.site_id);
        let Some(site) = sites.iter().find(|s| s.id == g.site_id) else {
            continue;
        };
        let items = app.store().submissions_to(&a.actor, site.id).await?;
        let columns: Vec<JsonValue> = app
            .store()
            .readable_columns(&a.actor, site.id)
            .await?
            .into_iter()
            .filter(|c| c.kind == ColumnKind::List)
            .map(|c| json!({ "id": c.id.0, "name": c.name, "path": c.path.as_str() }))
            .collect();
        let counts = app
            .store()
            .submission_counts(
                Some(site.id),
                month_start,
                now + chrono::Duration::seconds(1),
            )
            .await?;
        if items.is_empty() && !p.may_on_site(Act::Review, site.id) {
            continue;
        }
        inboxes.push(json!({
            "site": { "id": site.id.0, "name": site.name },
            "items": items, "columns": columns, "counts": counts,
            "pending": 0, "can_decide": p.may_on_site(Act::Review, site.id),
        }));
    }
    for ib in &mut inboxes {
        let n = ib["items"]
            .as_array()
            .map(|v| v.iter().filter(|s| s["state"] == "pending").count())
            .unwrap_or(0);
        ib["pending"] = json!(n);
    }
    let mine = app.store().my_submissions(&a.actor).await?;
    Ok(render(
        "submissions.html",
        page(
            Some(a),
            "submissions",
            "信息报送",
            json!({ "inboxes": inboxes, "mine": mine, "flash": n.flash, "error": n.error }),
        ),
    ))
}

async fn submissions_page(State(app): State<Arc<App>>, a: Authed) -> PageResult {
    submissions_page_with(&app, &a, Notice::default()).await
}

#[derive(Deserialize)]
struct AdoptForm {
    column: i64,
}

async fn adopt_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SubmissionId>,
    Form(f): Form<AdoptForm>,
) -> PageResult {
    let res = app
        .store()
        .adopt_submission(&a.actor, id, ColumnId(f.column))
        .await
        .map(|()| "已采用，信息已在所选栏目发布并注明来源".to_string());
    or_page(res, |n| submissions_page_with(&app, &a, n)).await
}

#[derive(Deserialize)]
struct DeclineForm {
    #[serde(default)]
    reason: String,
}

async fn decline_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SubmissionId>,
    Form(f): Form<DeclineForm>,
) -> PageResult {
    let res = app
        .store()
        .decline_submission(&a.actor, id, &f.reason)
        .await
        .map(|()| "已退回，报送人会看到理由".to_string());
    or_page(res, |n| submissions_page_with(&app, &a, n)).await
}

#[derive(Deserialize)]
struct SubmitForm {
    to: i64,
    #[serde(default)]
    note: String,
}

async fn submit_article(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Form(f): Form<SubmitForm>,
) -> Result<Response, PageError> {
    redirect_outcome(
        app.store()
            .submit_article(&a.actor, id, SiteId(f.to), Some(&f.note))
            .await
            .map(|_| "/submissions".to_string()),
        |e| matches!(e, Error::InvalidInput(_) | Error::Conflict(_)),
        |msg| submissions_page_with(&app, &a, Notice::refused(msg)),
    )
    .await
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/reprint", Session, "转载来源", sources_page)
        .post("/reprint/sources", Session, "新建转载来源", source_create)
        .post(
            "/reprint/sources/{id}/poll",
            Session,
            "立即抓取",
            source_poll,
        )
        .post(
            "/reprint/sources/{id}/items",
            Session,
            "手工录入转载信息",
            source_item,
        )
        .get(
            "/reprint/sites/{id}",
            Session,
            "网站的订阅与转载",
            site_page,
        )
        .post(
            "/reprint/sites/{id}/subscriptions",
            Session,
            "订阅转载来源",
            subscribe_submit,
        )
        .post(
            "/reprint/sites/{id}/backfill",
            Session,
            "补录订阅前的信息",
            backfill_submit,
        )
        .post(
            "/reprint/deliveries/{id}/approve",
            Session,
            "审核通过转载",
            approve_submit,
        )
        .post(
            "/reprint/deliveries/{id}/detach",
            Session,
            "转为本站副本",
            detach_submit,
        )
        .get("/submissions", Session, "信息报送", submissions_page)
        .post("/submissions/{id}/adopt", Session, "采用报送", adopt_submit)
        .post(
            "/submissions/{id}/decline",
            Session,
            "退回报送",
            decline_submit,
        )
        .post(
            "/articles/{id}/submit-to",
            Session,
            "报送或推荐信息",
            submit_article,
        )
}
