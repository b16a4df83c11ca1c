//! 依申请公开 in the JSON API, for a site's office: its applications with their deadlines, one
//! application with its history and the steps it allows, the applicant's data in full (audited),
//! taking a statutory step, and the yearly report's tables 三 and 四. The same store functions as
//! the console's 依申请公开 pages: another site's staff get not found, the site's other staff
//! forbidden (the store's `Principal::refusal`).

use std::sync::Arc;

use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::SiteId;
use zhanqun_core::disclosure::{Outcome, RequestStep, Reviews};
use zhanqun_store::RequestStepInput;

use crate::api::{ApiResult, Body, Path, Query, ok};
use crate::auth::{Access, Authed, Routes};
use crate::service::{YearQuery, disclosure_tables, letter_office_site};
use zhanqun_web::App;

async fn list(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> ApiResult {
    letter_office_site(&app, &a.actor.principal, id).await?;
    let requests = app
        .store()
        .site_info_requests(
            &a.actor,
            id,
            app.letters().keys(),
            &app.config().calendar(),
            zhanqun_store::now(),
        )
        .await?;
    Ok(ok(json!({ "requests": requests })))
}

async fn one_with(app: &App, a: &Authed, id: i64, full: bool) -> ApiResult {
    let r = app
        .store()
        .info_request(
            &a.actor,
            id,
            app.letters().keys(),
            &app.config().calendar(),
            full,
        )
        .await?;
    Ok(ok(json!(r)))
}

/// One application, the applicant masked.
async fn one(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> ApiResult {
    one_with(&app, &a, id, false).await
}

/// One application with the applicant's data in full (every view audited).
async fn personal(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> ApiResult {
    one_with(&app, &a, id, true).await
}

/// A step as the API takes it: `step` is `accept`, `ask_correction`, `corrected`, `extend`,
/// `consult`, `consulted`, `charge`, `paid` or `answer` (the console's buttons); the other
/// fields as the step needs them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepBody {
    step: String,
    #[serde(default)]
    note: String,
    /// The day a correction came back (`corrected`), `YYYY-MM-DD`.
    on: Option<NaiveDate>,
    /// Working days of an extension (`extend`), at most 20.
    #[serde(default)]
    days: u32,
    /// 信息处理费 in yuan, when charged with the answer.
    #[serde(default)]
    amount: u32,
    /// Who approved an extension.
    #[serde(default)]
    approver: String,
    /// The answer's statutory type (`answer`).
    outcome: Option<String>,
    /// The answer's text (`answer`).
    #[serde(default)]
    answer: String,
}

async fn step(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Body(b): Body<StepBody>,
) -> ApiResult {
    let input = RequestStepInput {
        step: Some(RequestStep::parse(b.step.trim())?),
        note: b.note,
        on: b.on,
        days: b.days,
        amount: b.amount,
        approver: b.approver,
        outcome: b.outcome.as_deref().map(Outcome::parse).transpose()?,
        answer: b.answer,
    };
    let (cal, now) = (app.config().calendar(), zhanqun_store::now());
    let state = app
        .store()
        .info_request_step(&a.actor, id, &input, &cal, now)
        .await?;
    Ok(ok(json!({ "state": state, "label": state.label() })))
}

/// Tables 三 (computed from the applications) and 四 (as the office entered it) of a year.
async fn report(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<YearQuery>,
) -> ApiResult {
    let (_, year, table, reviews) = disclosure_tables(&app, &a, id, &q).await?;
    Ok(ok(
        json!({ "site_id": id, "year": year, "table3": table, "table4": reviews }),
    ))
}

/// Table 四 of a year, as the office enters it: `review`, `direct_suit`, `suit_after_review`,
/// four figures each (维持, 纠正, 其他, 尚未审结).
async fn save_reviews(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<YearQuery>,
    Body(r): Body<Reviews>,
) -> ApiResult {
    letter_office_site(&app, &a.actor.principal, id).await?;
    let year = q.year()?;
    app.store()
        .set_info_request_reviews(&a.actor, id, year, &r, zhanqun_store::now())
        .await?;
    Ok(ok(json!({ "site_id": id, "year": year, "table4": r })))
}

pub fn routes(r: Routes) -> Routes {
    use Access::Session;
    r.answering(crate::auth::Shape::Json)
        .get(
            "/api/v1/sites/{id}/info-requests",
            Session,
            "网站收到的依申请公开申请及其答复期限（申请人信息已脱敏；网站办公室）",
            list,
        )
        .get(
            "/api/v1/sites/{id}/info-requests/report",
            Session,
            "政府信息公开工作年度报告表三（由申请计算）和表四（?year=）",
            report,
        )
        .put(
            "/api/v1/sites/{id}/info-requests/reviews",
            Session,
            "填报年度报告表四：行政复议、行政诉讼情况（?year=）",
            save_reviews,
        )
        .get(
            "/api/v1/info-requests/{id}",
            Session,
            "依申请公开申请详情、办理记录与可办理的步骤",
            one,
        )
        .get(
            "/api/v1/info-requests/{id}/personal",
            Session,
            "申请人完整信息（仅本网站办公室；每次查看记入审计日志）",
            personal,
        )
        .post(
            "/api/v1/info-requests/{id}/steps",
            Session,
            "办理依申请公开：accept、ask_correction、corrected、extend、consult、consulted、charge、paid、answer",
            step,
        )
}
