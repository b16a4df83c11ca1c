//! Articles through the API: write, read, move through the workflow, place (pin, home-page
//! slot), revisions and diffs, one's work, a column's list, sites and columns, media.

use super::*;

// ---- articles -----------------------------------------------------------------------------

async fn create_article(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(column): Path<ColumnId>,
    Body(b): Body<ArticleBody>,
) -> ApiResult {
    let id = app
        .store()
        .create_draft(&a.actor, column, b.into_input()?)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id.0 }))).into_response())
}

async fn get_article(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
) -> ApiResult {
    let (article, workflow, column) = app.store().editorial_article(&a.actor, id).await?;
    Ok(ok(
        json!({ "article": article, "workflow": workflow, "column_id": column.0 }),
    ))
}

async fn edit_article(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Body(b): Body<ArticleBody>,
) -> ApiResult {
    app.store()
        .edit_draft(&a.actor, id, b.into_input()?)
        .await?;
    Ok(ok(json!({ "ok": true })))
}

async fn transition(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Body(step): Body<Transition>,
) -> ApiResult {
    let was = app.store().editorial_article(&a.actor, id).await?.0.status;
    app.store().transition(&a.actor, id, step).await?;
    let (article, workflow, _) = app.store().editorial_article(&a.actor, id).await?;
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
    Path(id): Path<ArticleId>,
    Body(b): Body<PinBody>,
) -> ApiResult {
    app.store().pin(&a.actor, id, b.pinned).await?;
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
    Path(id): Path<ArticleId>,
    Body(b): Body<HomeSlotBody>,
) -> ApiResult {
    app.store().set_home_slot(&a.actor, id, b.on).await?;
    Ok(ok(json!({ "ok": true })))
}

async fn events(State(app): State<Arc<App>>, a: Authed, Path(id): Path<ArticleId>) -> ApiResult {
    let ev = app.store().article_events(&a.actor, id).await?;
    Ok(ok(json!({ "events": ev })))
}

async fn revisions(State(app): State<Arc<App>>, a: Authed, Path(id): Path<ArticleId>) -> ApiResult {
    let revs = app.store().revisions(&a.actor, id).await?;
    Ok(ok(json!({ "revisions": revs })))
}

#[derive(Deserialize)]
struct DiffQuery {
    from: i64,
    to: i64,
}

async fn diff(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Query(q): Query<DiffQuery>,
) -> ApiResult {
    let revs = app.store().revisions(&a.actor, id).await?;
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
    Path(column): Path<ColumnId>,
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
        .column_articles(&a.actor, column, status)
        .await?;
    Ok(ok(json!({ "articles": items })))
}

/// Sites a page of `/api/v1/sites` holds: a province has thousands.
const SITES_PER_PAGE: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    page: Option<String>,
}

async fn sites(State(app): State<Arc<App>>, a: Authed, Query(q): Query<PageQuery>) -> ApiResult {
    let all = app.sites().await?;
    let p = &a.actor.principal;
    let visible: Vec<&zhanqun_core::Site> = if p.lists_every_site() {
        all.iter().collect()
    } else {
        let mine = p.sites();
        all.iter().filter(|s| mine.contains(&s.id)).collect()
    };
    let page = zhanqun_core::Page::parse(q.page.as_deref())?;
    let rows = page
        .rows(visible.len(), SITES_PER_PAGE)
        .ok_or_else(|| Error::not_found("页码超出范围"))?;
    Ok(ok(json!({
        "sites": &visible[rows],
        "page": page.number(),
        "last": zhanqun_core::Page::count(visible.len(), SITES_PER_PAGE),
        "total": visible.len(),
    })))
}

async fn site_columns(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(site): Path<SiteId>,
) -> ApiResult {
    let cols = app.store().readable_columns(&a.actor, site).await?;
    if cols.is_empty() && !a.actor.principal.is(PlatformRole::SecurityAdmin) {
        return Err(Error::not_found(format!("网站 {site} 不存在")).into());
    }
    Ok(ok(json!({ "columns": cols })))
}

async fn upload_media(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(site): Path<SiteId>,
    multipart: axum::extract::Multipart,
) -> ApiResult {
    let up = zhanqun_web::media::receive(&app, &a.actor, site, multipart).await?;
    Ok((StatusCode::CREATED, Json(json!(up))).into_response())
}

async fn list_media(State(app): State<Arc<App>>, a: Authed, Path(site): Path<SiteId>) -> ApiResult {
    let files = app.store().media_of_site(&a.actor, site).await?;
    Ok(ok(json!({ "media": files })))
}

/// The routes of this file, each with its declared access.
pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    let limit = axum::extract::DefaultBodyLimit::max(upload_limit(r.app()));
    r.add(
        Method::POST,
        "/api/v1/sites/{id}/media",
        Session,
        "上传文件到网站媒体库",
        post(upload_media).layer(limit),
    )
    .get(
        "/api/v1/sites/{id}/media",
        Session,
        "网站媒体库",
        list_media,
    )
    .get("/api/v1/me/work", Session, "我的工作", my_work)
    .get("/api/v1/sites", Session, "可见网站", sites)
    .get(
        "/api/v1/sites/{id}/columns",
        Session,
        "网站中可见栏目",
        site_columns,
    )
    .get(
        "/api/v1/columns/{id}/articles",
        Session,
        "栏目信息列表",
        column_articles,
    )
    .post(
        "/api/v1/columns/{id}/articles",
        Session,
        "在栏目中新建草稿",
        create_article,
    )
    .get(
        "/api/v1/articles/{id}",
        Session,
        "信息详情与流程状态",
        get_article,
    )
    .put("/api/v1/articles/{id}", Session, "修改草稿", edit_article)
    .post(
        "/api/v1/articles/{id}/transitions",
        Session,
        "送审、审核、签发、退回、撤稿",
        transition,
    )
    .post("/api/v1/articles/{id}/pin", Session, "置顶或取消置顶", pin)
    .post(
        "/api/v1/articles/{id}/home-slot",
        Session,
        "设为或撤下首页头条",
        home_slot,
    )
    .get("/api/v1/articles/{id}/events", Session, "流程记录", events)
    .get(
        "/api/v1/articles/{id}/revisions",
        Session,
        "历史版本",
        revisions,
    )
    .get("/api/v1/articles/{id}/diff", Session, "版本比较", diff)
}
