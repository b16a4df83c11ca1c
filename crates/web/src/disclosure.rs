//! 依申请公开 on every site's public listener, under `/ysqgk/`: the application form (自然人 or
//! 法人、其他组织; what is asked; how it is to be delivered) and the 查询码 lookup with the state,
//! the deadline, what to complete (补正) and the answer. The same defences as the letter form
//! (`crate::letters`): the form's ticket (CSRF, human check, once only), limits per address and
//! per site, bounded bodies, checks with messages that say what to fix, pages never cached.

use std::net::IpAddr;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use zhanqun_core::disclosure::{Applicant, Delivery, RequestState};
use zhanqun_core::letters::QueryCode;
use zhanqun_core::{Error, Result};
use zhanqun_store::NewInfoRequest;

use crate::App;
use crate::desk::LetterPage;
use crate::directory::SiteCtx;
use crate::forms::Incoming;
use crate::forms::{INFO_REQUEST, Ticket, admit_write, own_in};
use crate::pages::Choice;

/// The application form as posted, and as it is shown again after an error (never the answer or
/// the ticket).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct RequestForm {
    applicant: String,
    organisation: String,
    name: String,
    id_number: String,
    phone: String,
    email: String,
    address: String,
    content: String,
    delivery: String,
    #[serde(skip_serializing)]
    answer: String,
    #[serde(skip_serializing)]
    ticket: String,
}

impl RequestForm {
    fn request(&self) -> NewInfoRequest {
        NewInfoRequest {
            applicant: Applicant::parse(self.applicant.trim()).ok(),
            organisation: self.organisation.clone(),
            name: self.name.clone(),
            id_number: self.id_number.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
            content: self.content.clone(),
            delivery: Delivery::parse(self.delivery.trim()).ok(),
            form_nonce: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CodeForm {
    code: String,
}

const NAV: &str = "zwgk";

/// Answers a request for a page under `/ysqgk/`.
pub async fn serve(app: &App, ctx: &SiteCtx, req: Incoming<'_>) -> Result<Response> {
    let page = req.page;
    let client = req.client;
    match page {
        LetterPage::Disclosure if !req.post => {
            form_page(app, ctx, StatusCode::OK, &RequestForm::default(), None)
        }
        LetterPage::Disclosure => apply(app, ctx, req.form().await?, client).await,
        LetterPage::DisclosureLookup if !req.post => {
            status_page(app, ctx, StatusCode::OK, &Status::default())
        }
        LetterPage::DisclosureLookup => lookup(app, ctx, req.form().await?, client).await,
        _ => Err(Error::internal("not a 依申请公开 page")),
    }
}

/// The application form: `form` filled in as sent, and `error` what to fix.
#[derive(Serialize)]
struct FormPage<'a> {
    form: &'a RequestForm,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten)]
    ticket: Ticket,
    applicants: Vec<Choice>,
    deliveries: Vec<Choice>,
}

fn form_page(
    app: &App,
    ctx: &SiteCtx,
    status: StatusCode,
    form: &RequestForm,
    error: Option<String>,
) -> Result<Response> {
    let view = FormPage {
        form,
        error,
        ticket: Ticket::new(app, ctx, Utc::now())?,
        applicants: Choice::all(Applicant::ALL, Applicant::as_str, Applicant::label),
        deliveries: Choice::all(Delivery::ALL, Delivery::as_str, Delivery::label),
    };
    own_in(
        app,
        ctx,
        status,
        "disclosure_form.html",
        "政府信息公开申请",
        NAV,
        view,
    )
}

/// An application just made: its 查询码, whether the same form had made it before, and the
/// statutory days to answer.
#[derive(Serialize)]
struct Made {
    code: String,
    again: bool,
    days: u32,
}

/// An application found by its 查询码, as the applicant reads it.
#[derive(Serialize)]
struct Found<'a> {
    content: &'a str,
    state: &'static str,
    received: String,
    due: Option<String>,
    correction: Option<&'a str>,
    outcome: Option<&'static str>,
    answer_html: Option<&'a str>,
    answered: Option<String>,
}

/// The 依申请公开查询 page: the 查询码 typed (`code`), what was found or made, or what to fix.
#[derive(Default, Serialize)]
struct Status<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    done: Option<Made>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<Found<'a>>,
}

async fn apply(app: &App, ctx: &SiteCtx, form: RequestForm, client: IpAddr) -> Result<Response> {
    let (desk, now) = (app.letters(), Utc::now());
    let checked = admit_write(
        app,
        ctx,
        &INFO_REQUEST,
        client,
        &form.ticket,
        &form.answer,
        now,
    );
    let mut request = form.request();
    let result = match checked {
        Ok((ticket, keys)) => {
            request.form_nonce = Some(ticket.nonce);
            app.store()
                .submit_info_request(
                    ctx.site.id,
                    &request,
                    desk.keys(),
                    &app.config().calendar(),
                    now,
                )
                .await
                .map(|sent| (sent, keys))
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((sent, keys)) => {
            if !sent.again {
                keys.made(app);
            }
            let view = Status {
                done: Some(Made {
                    code: sent.code.display(),
                    again: sent.again,
                    days: zhanqun_core::disclosure::ANSWER_DAYS,
                }),
                ..Status::default()
            };
            own_in(
                app,
                ctx,
                StatusCode::OK,
                "disclosure_status.html",
                "申请已提交",
                NAV,
                view,
            )
        }
        Err(e @ (Error::InvalidInput(_) | Error::Locked(_) | Error::TooLarge(_))) => {
            let status = crate::status_of(e.code());
            form_page(app, ctx, status, &form, Some(e.public_message()))
        }
        Err(e) => Err(e),
    }
}

/// The 依申请公开查询 page (the form to type a 查询码, what was found, or what to fix).
fn status_page(app: &App, ctx: &SiteCtx, status: StatusCode, view: &Status) -> Result<Response> {
    own_in(
        app,
        ctx,
        status,
        "disclosure_status.html",
        "依申请公开查询",
        NAV,
        view,
    )
}

async fn lookup(app: &App, ctx: &SiteCtx, form: CodeForm, client: IpAddr) -> Result<Response> {
    let shown = form.code.trim().chars().take(20).collect::<String>();
    let again = |status: StatusCode, msg: String| {
        let view = Status {
            code: Some(shown.clone()),
            error: Some(msg),
            ..Status::default()
        };
        status_page(app, ctx, status, &view)
    };
    let code = match crate::forms::lookup_checked(app, client, || QueryCode::parse(&form.code)) {
        Ok(c) => c,
        Err((status, msg)) => return again(status, msg),
    };
    let s = match app.store().info_request_status(ctx.site.id, &code).await {
        Ok(s) => s,
        Err(e @ Error::NotFound(_)) => return again(StatusCode::NOT_FOUND, e.public_message()),
        Err(e) => return Err(e),
    };
    let answered = s.state == RequestState::Answered;
    let view = Status {
        code: Some(code.display()),
        request: Some(Found {
            content: &s.content,
            state: s.state.label(),
            received: zhanqun_core::beijing::day_text(s.received_at),
            due: s.due_on.map(|d| d.to_string()),
            correction: s.correction.as_deref(),
            outcome: s.outcome.filter(|_| answered).map(|o| o.label()),
            answer_html: s.answer_html.as_deref().filter(|_| answered),
            answered: s.answered_at.map(zhanqun_core::beijing::day_text),
        }),
        ..Status::default()
    };
    status_page(app, ctx, StatusCode::OK, &view)
}
