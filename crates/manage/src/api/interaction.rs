//! 互动交流 beyond letters in the JSON API: a site's surveys and each one's results (with the
//! texts visitors typed), its online interviews with every question sent (moderation: publish
//! with an answer, or reject), and its 知识库 (list, search, add, remove). The site's letter
//! office only, as on the console's pages: the same guards (`crate::service`) and store
//! functions.

use std::sync::Arc;

use axum::extract::State;
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::{Error, FaqId, InterviewId, Page, QuestionId, SiteId, SurveyId};

use crate::api::{ApiResult, Body, Path, Query, ok};
use crate::auth::{Access, Authed, Routes};
use crate::service::{add_to_faq, letter_office_site, office_interview, office_survey_site};
use zhanqun_web::App;

async fn surveys(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> ApiResult {
    letter_office_site(&app, &a.actor.principal, id).await?;
    let now = zhanqun_store::now();
    let surveys: Vec<_> = app
        .store()
        .surveys(id)
        .await?
        .into_iter()
        .map(|s| {
            json!({ "id": s.id, "title": s.title, "open": s.is_open(now), "answers": s.answers,
                    "opens_at": s.opens_at, "closes_at": s.closes_at, "document": s.document,
                    "feedback_published": s.feedback_html.is_some() })
        })
        .collect();
    Ok(ok(json!({ "surveys": surveys })))
}

async fn survey_results(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SurveyId>,
) -> ApiResult {
    let site = office_survey_site(&app, &a.actor.principal, id).await?;
    let (survey, results) = app.store().survey_results(site, id, true).await?;
    Ok(ok(json!({ "survey": survey, "results": results })))
}

async fn interviews(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> ApiResult {
    letter_office_site(&app, &a.actor.principal, id).await?;
    let interviews = app.store().interviews(id).await?;
    Ok(ok(json!({ "interviews": interviews })))
}

async fn interview_questions(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<InterviewId>,
) -> ApiResult {
    let interview = office_interview(&app, &a.actor.principal, id).await?;
    let questions = app.store().interview_questions(id, true).await?;
    Ok(ok(
        json!({ "interview": interview, "questions": questions }),
    ))
}

/// A question of an interview, published with its answer or rejected.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Moderation {
    question: i64,
    /// `publish` (with `answer`) or `reject`.
    action: String,
    answer: Option<String>,
}

async fn moderate(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<InterviewId>,
    Body(b): Body<Moderation>,
) -> ApiResult {
    let answer = match b.action.as_str() {
        "publish" => Some(b.answer.as_deref().unwrap_or("")),
        "reject" => None,
        other => {
            return Err(Error::invalid(format!(
                "action 应为 publish（发布问题和回答）或 reject（不予选用），收到“{}”",
                other.chars().take(20).collect::<String>()
            ))
            .into());
        }
    };
    app.store()
        .moderate_question(
            &a.actor,
            id,
            QuestionId(b.question),
            answer,
            zhanqun_store::now(),
        )
        .await?;
    Ok(ok(
        json!({ "question": b.question, "state": if answer.is_some() { "published" } else { "rejected" } }),
    ))
}

#[derive(Debug, Deserialize)]
struct FaqQuery {
    q: Option<String>,
    page: Option<String>,
}

async fn faqs(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<FaqQuery>,
) -> ApiResult {
    letter_office_site(&app, &a.actor.principal, id).await?;
    let page = Page::parse(q.page.as_deref())?;
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 50) {
        return Err(Error::invalid("检索词不能超过 50 个字").into());
    }
    let (faqs, total) = app.store().faqs(id, search, page).await?;
    Ok(ok(json!({
        "total": total, "page": page.number(), "pages": Page::last_page(total), "faqs": faqs,
    })))
}

/// A 知识库 entry written by the office (plain text answer).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqBody {
    question: String,
    answer: String,
}

async fn add_faq(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Body(b): Body<FaqBody>,
) -> ApiResult {
    let created = add_to_faq(&app, &a.actor, id, b.question, b.answer, None).await?;
    Ok(ok(json!({ "id": created })))
}

async fn remove_faq(State(app): State<Arc<App>>, a: Authed, Path(id): Path<FaqId>) -> ApiResult {
    let site = app.store().remove_faq(&a.actor, id).await?;
    Ok(ok(json!({ "removed": id, "site_id": site })))
}

pub fn routes(r: Routes) -> Routes {
    let r = r.answering(crate::auth::Shape::Json);
    use Access::*;
    r.get(
        "/api/v1/sites/{id}/surveys",
        Session,
        "网站的征集调查（网站办公室）",
        surveys,
    )
    .get(
        "/api/v1/surveys/{id}/results",
        Session,
        "征集调查的结果，含填写的文字（网站办公室）",
        survey_results,
    )
    .get(
        "/api/v1/sites/{id}/interviews",
        Session,
        "网站的在线访谈（网站办公室）",
        interviews,
    )
    .get(
        "/api/v1/interviews/{id}/questions",
        Session,
        "在线访谈收到的全部网友提问（网站办公室）",
        interview_questions,
    )
    .post(
        "/api/v1/interviews/{id}/moderation",
        Session,
        "审核网友提问：publish（附回答，发布）或 reject（不予选用）",
        moderate,
    )
    .get(
        "/api/v1/sites/{id}/faq",
        Session,
        "网站知识库，可用 q 检索（网站办公室）",
        faqs,
    )
    .post(
        "/api/v1/sites/{id}/faq",
        Session,
        "向网站知识库加入一条问答（网站办公室）",
        add_faq,
    )
    .delete(
        "/api/v1/faq/{id}",
        Session,
        "从知识库移除一条问答（网站办公室）",
        remove_faq,
    )
}
