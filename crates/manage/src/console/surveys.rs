//! Console pages of 征集调查: a site's surveys with the form that opens one (the questions
//! written as text, see `zhanqun_core::survey`), and each survey's results with the texts
//! visitors typed. The site's office only.

use std::sync::Arc;

use super::Form;
use axum::extract::State;
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::{Error, SiteId, SurveyId};
use zhanqun_store::NewSurvey;

use super::{Notice, PageResult, Path, interaction_page, outcome_page, redirect_outcome};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

async fn list_with(app: &App, a: &Authed, site: SiteId, n: Notice) -> PageResult {
    let s = crate::service::letter_office_site(app, &a.actor.principal, site).await?;
    let now = zhanqun_store::now();
    let surveys: Vec<_> = app
        .store()
        .surveys(site)
        .await?
        .into_iter()
        .map(|v| {
            json!({ "id": v.id, "title": v.title, "open": v.is_open(now), "answers": v.answers,
                         "document": v.document,
                         "opens": zhanqun_core::beijing::day_text(v.opens_at),
                         "closes": zhanqun_core::beijing::day_text(v.closes_at) })
        })
        .collect();
    Ok(interaction_page(
        a,
        "surveys.html",
        &format!("{} · 征集调查", s.name),
        json!({ "site": s, "surveys": surveys, "flash": n.flash, "error": n.error }),
    ))
}

async fn list(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> PageResult {
    list_with(&app, &a, id, Notice::default()).await
}

#[derive(Deserialize)]
struct SurveyForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    document: String,
    #[serde(default)]
    questions: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
}

/// A Beijing date as typed (`2026-12-05`): its start, or its end when `end`.
fn date(v: &str, what: &str, end: bool) -> Result<chrono::DateTime<chrono::Utc>, Error> {
    let d = NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(format!("{what}应为日期，例如 2026-12-31")))?;
    let t = if end { d.succ_opt().unwrap_or(d) } else { d };
    Ok(zhanqun_core::beijing::OFFSET
        .from_local_datetime(&t.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default())
}

async fn create(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Form(f): Form<SurveyForm>,
) -> PageResult {
    let res = async {
        let s = NewSurvey {
            title: f.title,
            intro: f.intro,
            document: Some(f.document),
            questions: f.questions,
            opens_at: date(&f.opens, "开始日期", false)?,
            closes_at: date(&f.closes, "结束日期", true)?,
        };
        app.store()
            .create_survey(&a.actor, id, &s, zhanqun_store::now())
            .await
    }
    .await
    .map(|_| "调查已发布".to_string());
    outcome_page(
        res,
        |e| matches!(e, Error::InvalidInput(_)),
        |n| list_with(&app, &a, id, n),
    )
    .await
}

async fn results(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SurveyId>) -> PageResult {
    results_with(&app, &a, id, None).await
}

async fn results_with(app: &App, a: &Authed, id: SurveyId, error: Option<String>) -> PageResult {
    let site = crate::service::office_survey_site(app, &a.actor.principal, id).await?;
    let (s, results) = app.store().survey_results(site, id, true).await?;
    let closed = zhanqun_store::now() >= s.closes_at;
    Ok(interaction_page(
        a,
        "survey_results.html",
        &s.title,
        json!({ "survey": s, "results": results, "site_id": site, "error": error, "closed": closed }),
    ))
}

#[derive(Deserialize)]
struct FeedbackForm {
    #[serde(default)]
    feedback: String,
}

/// The office publishes how the comments were taken up (采纳情况), shown with the results.
async fn feedback(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SurveyId>,
    Form(f): Form<FeedbackForm>,
) -> PageResult {
    redirect_outcome(
        app.store()
            .set_survey_feedback(&a.actor, id, &f.feedback, zhanqun_store::now())
            .await
            .map(|_| format!("/surveys/{}", id.0)),
        |e| matches!(e, Error::InvalidInput(_) | Error::Conflict(_)),
        |msg| results_with(&app, &a, id, Some(msg)),
    )
    .await
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/sites/{id}/surveys", Session, "网站的征集调查", list)
        .post("/sites/{id}/surveys", Session, "发布征集调查", create)
        .get(
            "/surveys/{id}",
            Session,
            "征集调查结果（含填写内容）",
            results,
        )
        .post(
            "/surveys/{id}/feedback",
            Session,
            "发布意见采纳情况",
            feedback,
        )
}
