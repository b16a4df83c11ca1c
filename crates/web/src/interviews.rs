//! 在线访谈 on the public listener: the site's interviews, and each one's page — the guests, the
//! time, the questions the office published with their answers (the transcript once it is over)
//! and, until the end, a form to ask (the form ticket like the letters; as many questions an hour
//! per address and interview as letters, `[letters] per_address_per_hour`). Questions not published are never shown.

use std::net::IpAddr;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use zhanqun_core::{Error, InterviewId, Result};

use crate::App;
use crate::desk::LetterPage;
use crate::directory::SiteCtx;
use crate::forms::{admit, own, read_form, with_ticket};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AskForm {
    nickname: String,
    question: String,
    answer: String,
    ticket: String,
}

pub async fn serve(
    app: &App,
    ctx: &SiteCtx,
    page: &LetterPage,
    method: &Method,
    body: Body,
    client: IpAddr,
) -> Result<Response> {
    match page {
        LetterPage::Interviews => list(app, ctx).await,
        LetterPage::Interview(id) if method == Method::POST => {
            let form: AskForm = read_form(body).await?;
            ask(app, ctx, *id, form, client).await
        }
        LetterPage::Interview(id) => show(app, ctx, *id, StatusCode::OK, None, None).await,
        _ => Err(Error::internal("not an interview page")),
    }
}

fn minute(t: chrono::DateTime<Utc>) -> String {
    zhanqun_core::beijing::minute_text(t)
}

/// Where an interview is at `now`, in words.
fn phase(i: &zhanqun_store::Interview, now: chrono::DateTime<Utc>) -> &'static str {
    if now < i.starts_at {
        "预告"
    } else if now < i.ends_at {
        "正在直播"
    } else {
        "文字实录"
    }
}

async fn list(app: &App, ctx: &SiteCtx) -> Result<Response> {
    let now = Utc::now();
    let items: Vec<Value> = app
        .store()
        .interviews(ctx.site.id)
        .await?
        .iter()
        .map(|i| {
            json!({ "url": format!("/hudong/fangtan/{}.html", i.id), "title": i.title,
                    "guests": i.guests, "phase": phase(i, now), "starts": minute(i.starts_at),
                    "date": zhanqun_core::beijing::day_text(i.starts_at) })
        })
        .collect();
    own(
        app,
        ctx,
        StatusCode::OK,
        "interviews.html",
        "在线访谈",
        json!({ "interviews": items }),
    )
}

async fn show(
    app: &App,
    ctx: &SiteCtx,
    id: InterviewId,
    status: StatusCode,
    thanks: Option<&str>,
    error: Option<(String, &AskForm)>,
) -> Result<Response> {
    let now = Utc::now();
    let i = app.store().interview(Some(ctx.site.id), id).await?;
    let qa: Vec<Value> = app
        .store()
        .interview_questions(id, false)
        .await?
        .iter()
        .map(|q| {
            json!({ "nickname": q.nickname, "question": q.question,
                    "answer_html": q.answer.as_deref().map(zhanqun_core::letter_flow::reply_html),
                    "at": q.answered_at.map(minute) })
        })
        .collect();
    let mut view = json!({
        "interview": { "id": i.id, "title": i.title, "guests": i.guests, "intro": i.intro,
                       "starts": minute(i.starts_at), "ends": minute(i.ends_at),
                       "phase": phase(&i, now) },
        "qa": qa, "thanks": thanks,
    });
    if let Some((msg, form)) = error {
        view["error"] = json!(msg);
        view["form"] = json!({ "nickname": form.nickname, "question": form.question });
    }
    if i.takes_questions(now) {
        with_ticket(app, ctx, &mut view, now)?;
    }
    own(app, ctx, status, "interview.html", &i.title, view)
}

async fn ask(
    app: &App,
    ctx: &SiteCtx,
    id: InterviewId,
    form: AskForm,
    client: IpAddr,
) -> Result<Response> {
    let now = Utc::now();
    let key = format!("i:{client}:{}", id.0);
    let checked = admit(app, ctx, &key, &form.ticket, &form.answer, now);
    let result = match checked {
        Ok(t) => {
            app.store()
                .ask_interview(
                    ctx.site.id,
                    id,
                    &form.nickname,
                    &form.question,
                    &t.nonce,
                    now,
                )
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(again) => {
            let text = crate::forms::counted(
                app,
                &key,
                again,
                "问题已提交，经主持人选用后将与嘉宾的回答一起显示在本页。",
                "这个问题已经提交过，无需重复提交。",
            );
            show(app, ctx, id, StatusCode::OK, Some(text), None).await
        }
        Err(e @ (Error::InvalidInput(_) | Error::Locked(_) | Error::TooLarge(_))) => {
            let status = crate::status_of(e.code());
            show(
                app,
                ctx,
                id,
                status,
                None,
                Some((e.public_message(), &form)),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
