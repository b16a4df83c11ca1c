//! 在线访谈 on the public listener: the site's interviews, and each one's page — the guests, the
//! time, the questions the office published with their answers (the transcript once it is over)
//! and, until the end, a form to ask (the form ticket like the letters; as many questions an hour
//! per address and interview as letters, `[letters] per_address_per_hour`). Questions not published are never shown.

use std::net::IpAddr;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use zhanqun_core::{Error, InterviewId, Result};

use crate::App;
use crate::desk::LetterPage;
use crate::directory::SiteCtx;
use crate::forms::Incoming;
use crate::forms::{Ticket, admit, own};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AskForm {
    nickname: String,
    question: String,
    answer: String,
    ticket: String,
}

pub async fn serve(app: &App, ctx: &SiteCtx, req: Incoming<'_>) -> Result<Response> {
    let page = req.page;
    match page {
        LetterPage::Interviews => list(app, ctx).await,
        LetterPage::Interview(id) if req.post => {
            let client = req.client;
            ask(app, ctx, *id, req.form().await?, client).await
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

/// An interview in the list.
#[derive(Serialize)]
struct Listed<'a> {
    url: String,
    title: &'a str,
    guests: &'a str,
    phase: &'static str,
    starts: String,
    date: String,
}

async fn list(app: &App, ctx: &SiteCtx) -> Result<Response> {
    #[derive(Serialize)]
    struct View<'a> {
        interviews: Vec<Listed<'a>>,
    }
    let now = Utc::now();
    let all = app.store().interviews(ctx.site.id).await?;
    let interviews = all
        .iter()
        .map(|i| Listed {
            url: format!("/hudong/fangtan/{}.html", i.id),
            title: &i.title,
            guests: &i.guests,
            phase: phase(i, now),
            starts: minute(i.starts_at),
            date: zhanqun_core::beijing::day_text(i.starts_at),
        })
        .collect();
    own(
        app,
        ctx,
        StatusCode::OK,
        "interviews.html",
        "在线访谈",
        View { interviews },
    )
}

/// The interview's own fields on its page.
#[derive(Serialize)]
struct InterviewView<'a> {
    id: InterviewId,
    title: &'a str,
    guests: &'a str,
    intro: &'a str,
    starts: String,
    ends: String,
    phase: &'static str,
}

/// A published question with its answer (when given) and the minute it was answered.
#[derive(Serialize)]
struct Answered<'a> {
    nickname: &'a str,
    question: &'a str,
    answer_html: Option<String>,
    at: Option<String>,
}

/// What the question form shows again after an error (never the answer or the ticket).
#[derive(Serialize)]
struct Refill<'a> {
    nickname: &'a str,
    question: &'a str,
}

/// The interview page: the published questions, the form with a ticket while questions are
/// taken, `thanks` or `error` (with what was typed) after a question.
#[derive(Serialize)]
struct Page<'a> {
    interview: InterviewView<'a>,
    qa: Vec<Answered<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thanks: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    form: Option<Refill<'a>>,
    #[serde(flatten)]
    ticket: Option<Ticket>,
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
    let questions = app.store().interview_questions(id, false).await?;
    let (error, form) = match error {
        Some((msg, f)) => (
            Some(msg),
            Some(Refill {
                nickname: &f.nickname,
                question: &f.question,
            }),
        ),
        None => (None, None),
    };
    let view = Page {
        interview: InterviewView {
            id: i.id,
            title: &i.title,
            guests: &i.guests,
            intro: &i.intro,
            starts: minute(i.starts_at),
            ends: minute(i.ends_at),
            phase: phase(&i, now),
        },
        qa: questions
            .iter()
            .map(|q| Answered {
                nickname: &q.nickname,
                question: &q.question,
                answer_html: q
                    .answer
                    .as_deref()
                    .map(zhanqun_core::letter_flow::reply_html),
                at: q.answered_at.map(minute),
            })
            .collect(),
        thanks,
        error,
        form,
        ticket: i
            .takes_questions(now)
            .then(|| Ticket::new(app, ctx, now))
            .transpose()?,
    };
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
