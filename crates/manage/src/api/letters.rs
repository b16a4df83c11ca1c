//! Letters from the public in the JSON API: a site's letters for its office (personal data
//! masked), the letters of the caller's unit, one letter with its history and the steps the
//! caller may take, the writer's data in full (audited), and taking a step. The same store
//! functions as the console's 留言办理 pages.

use std::sync::Arc;

use axum::extract::State;
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::letter_flow::LetterStep;
use zhanqun_core::{Error, LetterId, SiteId, UnitId};
use zhanqun_store::StepInput;

use crate::api::{ApiResult, Body, Path, Query, ok};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

/// Letters a page of a site's list holds.
const PER_PAGE: usize = 50;

#[derive(Debug, Deserialize)]
struct ListQuery {
    page: Option<String>,
}

async fn site_letters(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let page = zhanqun_core::Page::parse(q.page.as_deref())?;
    let (keys, cal) = (app.letters().keys(), app.config().calendar());
    let all = app
        .store()
        .site_letters(&a.actor, id, keys, &cal, zhanqun_store::now())
        .await?;
    let rows = page
        .rows(all.len(), PER_PAGE)
        .ok_or_else(|| Error::not_found("页码超出范围"))?;
    Ok(ok(json!({
        "total": all.len(), "page": page.number(),
        "pages": zhanqun_core::Page::count(all.len(), PER_PAGE),
        "letters": &all[rows],
    })))
}

async fn my_letters(State(app): State<Arc<App>>, a: Authed) -> ApiResult {
    let (keys, cal) = (app.letters().keys(), app.config().calendar());
    let letters = app
        .store()
        .unit_letters(&a.actor, keys, &cal, zhanqun_store::now())
        .await?;
    Ok(ok(json!({ "letters": letters })))
}

async fn letter(State(app): State<Arc<App>>, a: Authed, Path(id): Path<LetterId>) -> ApiResult {
    let (keys, cal) = (app.letters().keys(), app.config().calendar());
    let case = app
        .store()
        .letter_case(&a.actor, id, keys, &cal, zhanqun_store::now())
        .await?;
    Ok(ok(json!(case)))
}

async fn personal(State(app): State<Arc<App>>, a: Authed, Path(id): Path<LetterId>) -> ApiResult {
    let full = app
        .store()
        .letter_in_full(&a.actor, id, app.letters().keys())
        .await?;
    Ok(ok(json!(full)))
}

/// A file sent with the letter, for its handlers (every opening audited): its bytes, as a
/// download.
async fn attachment(
    State(app): State<Arc<App>>,
    a: Authed,
    Path((id, position)): Path<(LetterId, i64)>,
) -> ApiResult {
    Ok(crate::service::letter_attachment(&app, &a.actor, id, position).await?)
}

/// A step as the API takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepBody {
    step: String,
    unit_id: Option<i64>,
    days: Option<u32>,
    reply: Option<String>,
    note: Option<String>,
    merge_into: Option<i64>,
}

async fn step(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<LetterId>,
    Body(b): Body<StepBody>,
) -> ApiResult {
    let input = StepInput {
        step: Some(LetterStep::parse(&b.step)?),
        unit: b.unit_id.map(UnitId),
        days: b.days,
        reply: b.reply,
        note: b.note,
        merge_into: b.merge_into.map(LetterId),
    };
    let (cal, now) = (app.config().calendar(), zhanqun_store::now());
    let state = app
        .store()
        .letter_step(&a.actor, id, &input, &cal, now)
        .await?;
    Ok(ok(json!({ "state": state, "label": state.label() })))
}

pub fn routes(r: Routes) -> Routes {
    let r = r.answering(crate::auth::Shape::Json);
    use Access::*;
    r.get(
        "/api/v1/sites/{id}/letters",
        Session,
        "网站收到的公众留言（写信人信息已脱敏；网站办公室与省级监管员）",
        site_letters,
    )
    .get(
        "/api/v1/me/letters",
        Session,
        "转办给本单位、尚未办结的留言",
        my_letters,
    )
    .get(
        "/api/v1/letters/{id}",
        Session,
        "留言详情、办理记录与可办理的步骤",
        letter,
    )
    .get(
        "/api/v1/letters/{id}/personal",
        Session,
        "写信人完整信息（仅本网站办公室；每次查看记入审计日志）",
        personal,
    )
    .get(
        "/api/v1/letters/{id}/attachments/{n}",
        Session,
        "留言附件（仅这件留言的办理人员；每次打开记入审计日志）",
        attachment,
    )
    .post(
        "/api/v1/letters/{id}/steps",
        Session,
        "办理留言：assign、hand_back、draft、approve、return、extend、merge、mark_invalid",
        step,
    )
}
