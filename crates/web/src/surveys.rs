//! 征集调查 on the public listener: the site's surveys, each one's form while it is open and its
//! results once it has closed (as bars with their numbers). Answers come with a form ticket like
//! the letters (CSRF, the human check, one answer per form) and an hourly limit per address and
//! survey (`[letters] per_address_per_hour`); what visitors typed is never shown publicly.
//!
//! One answer per visitor, as far as that can be told without accounts: a browser that has
//! answered keeps a cookie for the survey (no identifier in it, only that it answered), is shown
//! its thanks instead of the form, and is refused if it sends the form again. A visitor who
//! clears cookies or changes browsers can answer again, within the hourly limit of the address.

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use serde::Serialize;
use zhanqun_core::survey::{QuestionKind, check_answers};
use zhanqun_core::{Error, Result, SurveyId};

use crate::App;
use crate::desk::LetterPage;
use crate::directory::SiteCtx;
use crate::forms::Incoming;
use crate::forms::{Ticket, admit, own};

pub async fn serve(app: &App, ctx: &SiteCtx, req: Incoming<'_>) -> Result<Response> {
    let page = req.page;
    match page {
        LetterPage::Surveys => list(app, ctx).await,
        LetterPage::Survey(id) if req.post => {
            let (client, before) = (req.client, answered(req.headers, *id));
            let form: Vec<(String, String)> = req.form().await?;
            answer(app, ctx, *id, form, client, before).await
        }
        LetterPage::Survey(id) if answered(req.headers, *id) => {
            show(app, ctx, *id, StatusCode::OK, Some((true, ANSWERED.into()))).await
        }
        LetterPage::Survey(id) => show(app, ctx, *id, StatusCode::OK, None).await,
        _ => Err(Error::internal("not a survey page")),
    }
}

/// What a browser that has answered is told instead of the form.
const ANSWERED: &str = "您已参加过本次调查，感谢参与！调查结束后将在本页公布结果。";

/// The name of the cookie that says this browser has answered survey `id`.
fn cookie_name(id: SurveyId) -> String {
    format!("zq_survey_{}", id.0)
}

/// Whether the request carries the cookie of survey `id`.
fn answered(headers: &HeaderMap, id: SurveyId) -> bool {
    let name = cookie_name(id);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.split_once('=').is_some_and(|(k, _)| k.trim() == name))
}

/// The cookie kept after answering survey `id`: for this survey's pages only, until a day after
/// it closes, out of scripts' reach.
fn answered_cookie(
    id: SurveyId,
    closes: chrono::DateTime<Utc>,
    now: chrono::DateTime<Utc>,
) -> Option<HeaderValue> {
    let seconds = (closes - now).num_seconds().max(0) + 86_400;
    HeaderValue::from_str(&format!(
        "{}=1; Path=/hudong/zhengji/{}.html; Max-Age={seconds}; HttpOnly; SameSite=Lax",
        cookie_name(id),
        id.0
    ))
    .ok()
}

fn day(t: chrono::DateTime<Utc>) -> String {
    zhanqun_core::beijing::day_text(t)
}

/// A survey in the list.
#[derive(Serialize)]
struct Listed<'a> {
    url: String,
    title: &'a str,
    open: bool,
    opens: String,
    closes: String,
    /// A consultation on a draft document (意见征集) rather than a questionnaire.
    draft: bool,
}

async fn list(app: &App, ctx: &SiteCtx) -> Result<Response> {
    #[derive(Serialize)]
    struct View<'a> {
        surveys: Vec<Listed<'a>>,
    }
    let now = Utc::now();
    let all = app.store().surveys(ctx.site.id).await?;
    let surveys = all
        .iter()
        .filter(|s| s.opens_at <= now)
        .map(|s| Listed {
            url: format!("/hudong/zhengji/{}.html", s.id),
            title: &s.title,
            open: s.is_open(now),
            opens: day(s.opens_at),
            closes: day(s.closes_at),
            draft: s.document.is_some(),
        })
        .collect();
    own(
        app,
        ctx,
        StatusCode::OK,
        "surveys.html",
        "征集调查",
        View { surveys },
    )
}

/// A survey's own fields on its page.
#[derive(Serialize)]
struct SurveyView<'a> {
    id: SurveyId,
    title: &'a str,
    intro: &'a str,
    document: Option<&'a str>,
    opens: String,
    closes: String,
    answers: i64,
    feedback_html: Option<&'a str>,
}

/// A question of an open survey, as its form asks it (`q0`, `q1`, … posted).
#[derive(Serialize)]
struct Asked<'a> {
    name: String,
    kind: QuestionKind,
    label: &'static str,
    text: &'a str,
    choices: &'a [String],
}

/// A closed survey's results for one choice question.
#[derive(Serialize)]
struct Tally<'a> {
    text: &'a str,
    label: &'static str,
    choices: Vec<Bar<'a>>,
}

/// One choice's bar: how many chose it, its share in percent (one decimal) and the bar's width.
#[derive(Serialize)]
struct Bar<'a> {
    choice: &'a str,
    count: i64,
    percent: String,
    width: i64,
}

/// The survey page: `thanks` or `error` after an answer, the questions with a ticket while open,
/// the results once closed.
#[derive(Serialize)]
struct Page<'a> {
    survey: SurveyView<'a>,
    open: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    thanks: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten)]
    ticket: Option<Ticket>,
    questions: Vec<Asked<'a>>,
    results: Vec<Tally<'a>>,
}

/// A survey: its form with a fresh ticket while open, its results once closed.
async fn show(
    app: &App,
    ctx: &SiteCtx,
    id: SurveyId,
    status: StatusCode,
    note: Option<(bool, String)>,
) -> Result<Response> {
    let now = Utc::now();
    let s = app.store().survey(ctx.site.id, id).await?;
    if now < s.opens_at {
        return Err(Error::not_found("没有这个调查"));
    }
    let open = s.is_open(now);
    let results = if open {
        Vec::new()
    } else {
        app.store().survey_results(ctx.site.id, id, false).await?.1
    };
    let (thanks, error) = match note {
        Some((true, text)) => (Some(text), None),
        Some((false, text)) => (None, Some(text)),
        None => (None, None),
    };
    let view = Page {
        survey: SurveyView {
            id: s.id,
            title: &s.title,
            intro: &s.intro,
            document: s.document.as_deref(),
            opens: day(s.opens_at),
            closes: day(s.closes_at),
            answers: s.answers,
            feedback_html: s.feedback_html.as_deref(),
        },
        open,
        thanks,
        error,
        ticket: open.then(|| Ticket::new(app, ctx, now)).transpose()?,
        questions: if open {
            s.questions
                .iter()
                .enumerate()
                .map(|(i, q)| Asked {
                    name: format!("q{i}"),
                    kind: q.kind,
                    label: q.kind.label(),
                    text: &q.text,
                    choices: &q.choices,
                })
                .collect()
        } else {
            Vec::new()
        },
        results: results
            .iter()
            .filter(|r| !r.choices.is_empty())
            .map(|r| Tally {
                text: &r.text,
                label: r.kind.label(),
                choices: r
                    .choices
                    .iter()
                    .map(|(c, n, p)| Bar {
                        choice: c,
                        count: *n,
                        percent: format!("{p:.1}"),
                        width: p.round() as i64,
                    })
                    .collect(),
            })
            .collect(),
    };
    own(app, ctx, status, "survey.html", &s.title, view)
}

async fn answer(
    app: &App,
    ctx: &SiteCtx,
    id: SurveyId,
    form: Vec<(String, String)>,
    client: IpAddr,
    answered_before: bool,
) -> Result<Response> {
    let now = Utc::now();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let survey = app.store().survey(ctx.site.id, id).await?;
    let key = format!("v:{client}:{}", id.0);
    // As many answers to one survey from one address in an hour as letters: a family behind one
    // address may answer, a script may not flood.
    let checked = if answered_before {
        Err(Error::Conflict(ANSWERED.into()))
    } else {
        admit(app, ctx, &key, field("ticket"), field("answer"), now)
            .and_then(|t| Ok((t, check_answers(&survey.questions, &form)?)))
    };
    let result = match checked {
        Ok((ticket, answers)) => {
            app.store()
                .answer_survey(ctx.site.id, id, &answers, &ticket.nonce, now)
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
                "提交成功，感谢您参与！调查结束后将在本页公布结果。",
                "这份问卷已经提交过，无需重复提交。",
            );
            let mut page = show(app, ctx, id, StatusCode::OK, Some((true, text.into()))).await?;
            if let Some(cookie) = answered_cookie(id, survey.closes_at, now) {
                page.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(page)
        }
        // A browser that has answered is thanked again, without the form (409).
        Err(Error::Conflict(_)) if answered_before => {
            show(
                app,
                ctx,
                id,
                StatusCode::CONFLICT,
                Some((true, ANSWERED.into())),
            )
            .await
        }
        Err(
            e @ (Error::InvalidInput(_)
            | Error::Locked(_)
            | Error::TooLarge(_)
            | Error::Conflict(_)),
        ) => {
            let status = crate::status_of(e.code());
            show(app, ctx, id, status, Some((false, e.public_message()))).await
        }
        Err(e) => Err(e),
    }
}
