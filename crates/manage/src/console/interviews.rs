//! Console pages of 在线访谈: a site's interviews with the form that announces one, and each
//! interview's moderation — the questions visitors sent, each published with the guests' answer
//! or rejected. The site's office only.

use std::sync::Arc;

use super::Form;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::{ColumnId, Error, InterviewId, QuestionId, SiteId};
use zhanqun_store::NewInterview;

use super::{Notice, PageResult, Path, interaction_page, outcome_page, redirect_outcome};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

fn minute(t: chrono::DateTime<chrono::Utc>) -> String {
    zhanqun_core::beijing::minute_text(t)
}

async fn list_with(app: &App, a: &Authed, site: SiteId, n: Notice) -> PageResult {
    let s = crate::service::letter_office_site(app, &a.actor.principal, site).await?;
    let items: Vec<_> = app
        .store()
        .interviews(site)
        .await?
        .iter()
        .map(|i| {
            json!({ "id": i.id, "title": i.title, "guests": i.guests,
                         "starts": minute(i.starts_at), "ends": minute(i.ends_at) })
        })
        .collect();
    Ok(interaction_page(
        a,
        "interviews.html",
        &format!("{} · 在线访谈", s.name),
        json!({ "site": s, "interviews": items, "flash": n.flash, "error": n.error }),
    ))
}

async fn list(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> PageResult {
    list_with(&app, &a, id, Notice::default()).await
}

#[derive(Deserialize)]
struct InterviewForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    guests: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
}

/// A Beijing time as a `datetime-local` input sends it (`2026-12-05T10:00`).
fn at(v: &str, what: &str) -> Result<chrono::DateTime<chrono::Utc>, Error> {
    zhanqun_core::beijing::from_local_minute(v)
        .ok_or_else(|| Error::invalid(format!("{what}应为日期和时间，例如 2026-12-20 10:00")))
}

async fn create(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Form(f): Form<InterviewForm>,
) -> PageResult {
    let res = async {
        let i = NewInterview {
            title: f.title,
            guests: f.guests,
            intro: f.intro,
            starts_at: at(&f.starts, "开始时间")?,
            ends_at: at(&f.ends, "结束时间")?,
        };
        app.store()
            .create_interview(&a.actor, id, &i, zhanqun_store::now())
            .await
    }
    .await
    .map(|_| "访谈已发布".to_string());
    outcome_page(
        res,
        |e| matches!(e, Error::InvalidInput(_)),
        |n| list_with(&app, &a, id, n),
    )
    .await
}

async fn moderate_with(app: &App, a: &Authed, id: InterviewId, n: Notice) -> PageResult {
    let i = crate::service::office_interview(app, &a.actor.principal, id).await?;
    let questions: Vec<_> = app
        .store()
        .interview_questions(id, true)
        .await?
        .iter()
        .map(|q| {
            json!({ "id": q.id, "nickname": q.nickname, "question": q.question,
                         "asked": minute(q.asked_at), "state": q.state, "answer": q.answer })
        })
        .collect();
    // After the end, the transcript can become a draft of one of the site's list columns.
    let ended = !i.takes_questions(zhanqun_store::now());
    let columns: Vec<_> = if ended {
        app.store()
            .columns(i.site_id)
            .await?
            .into_iter()
            .filter(|c| c.kind == zhanqun_core::ColumnKind::List)
            .map(|c| json!({ "id": c.id, "name": c.name, "path": c.path }))
            .collect()
    } else {
        Vec::new()
    };
    Ok(interaction_page(
        a,
        "interview.html",
        &i.title,
        json!({
            "interview": { "id": i.id, "site_id": i.site_id, "title": i.title, "guests": i.guests,
                           "starts": minute(i.starts_at), "ends": minute(i.ends_at) },
            "questions": questions, "flash": n.flash, "error": n.error,
            "ended": ended, "columns": columns,
        }),
    ))
}

async fn moderate(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<InterviewId>,
) -> PageResult {
    moderate_with(&app, &a, id, Notice::default()).await
}

#[derive(Deserialize)]
struct TranscriptForm {
    #[serde(default)]
    column: String,
}

/// The ended interview's transcript as a draft of the chosen column; on to the draft.
async fn transcript(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<InterviewId>,
    Form(f): Form<TranscriptForm>,
) -> PageResult {
    let column = ColumnId(f.column.trim().parse::<i64>().unwrap_or(0));
    redirect_outcome(
        app.store()
            .transcript_draft(&a.actor, id, column, zhanqun_store::now())
            .await
            .map(|article| format!("/articles/{}", article.0)),
        |e| matches!(e, Error::InvalidInput(_) | Error::Forbidden(_)),
        |msg| moderate_with(&app, &a, id, Notice::refused(msg)),
    )
    .await
}

#[derive(Deserialize)]
struct ModerateForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    /// `publish` or `reject`.
    #[serde(default)]
    action: String,
}

async fn moderate_post(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<InterviewId>,
    Form(f): Form<ModerateForm>,
) -> PageResult {
    let answer = (f.action == "publish").then_some(f.answer.as_str());
    // The office is checked before the question: a wrong number is a conflict, not a hint.
    let question = QuestionId(f.question.trim().parse::<i64>().unwrap_or(0));
    let res = app
        .store()
        .moderate_question(&a.actor, id, question, answer, zhanqun_store::now())
        .await
        .map(|_| {
            let msg = if answer.is_some() {
                "已发布问题和回答"
            } else {
                "已不予选用"
            };
            msg.to_string()
        });
    outcome_page(
        res,
        |e| matches!(e, Error::InvalidInput(_) | Error::Conflict(_)),
        |n| moderate_with(&app, &a, id, n),
    )
    .await
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/sites/{id}/interviews", Session, "网站的在线访谈", list)
        .post("/sites/{id}/interviews", Session, "发布在线访谈", create)
        .get(
            "/interviews/{id}",
            Session,
            "在线访谈的提问与回答",
            moderate,
        )
        .post(
            "/interviews/{id}",
            Session,
            "发布或不予选用网友提问",
            moderate_post,
        )
        .post(
            "/interviews/{id}/transcript",
            Session,
            "把访谈文字实录生成为栏目稿件（访谈结束后）",
            transcript,
        )
}
