//! 依申请公开 on every site's public listener, under `/ysqgk/`: the application form (自然人 or
//! 法人、其他组织; what is asked; how it is to be delivered) and the 查询码 lookup with the state,
//! the deadline, what to complete (补正) and the answer. The same defences as the letter form
//! (`crate::letters`): the form's ticket (CSRF, human check, once only), limits per address and
//! per site, bounded bodies, checks with messages that say what to fix, pages never cached.

use std::net::IpAddr;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use zhanqun_core::disclosure::{Applicant, Delivery, RequestState};
use zhanqun_core::letters::QueryCode;
use zhanqun_core::{Error, Result};
use zhanqun_store::NewInfoRequest;

use crate::App;
use crate::desk::LetterPage;
use crate::directory::SiteCtx;
use crate::forms::{INFO_REQUEST, admit_write, own_in, read_form, with_ticket};

/// The application form as posted.
#[derive(Debug, Default, Deserialize)]
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
    answer: String,
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

    /// What the form shows again after an error (never the answer or the ticket).
    fn refill(&self) -> Value {
        json!({
            "applicant": self.applicant, "organisation": self.organisation, "name": self.name,
            "id_number": self.id_number, "phone": self.phone, "email": self.email,
            "address": self.address, "content": self.content, "delivery": self.delivery,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CodeForm {
    code: String,
}

const NAV: &str = "zwgk";

/// Answers a request for a page under `/ysqgk/`.
pub async fn serve(
    app: &App,
    ctx: &SiteCtx,
    page: &LetterPage,
    method: &Method,
    body: Body,
    client: IpAddr,
) -> Result<Response> {
    let post = method == Method::POST;
    match page {
        LetterPage::Disclosure if !post => {
            form_page(app, ctx, StatusCode::OK, &mut json!({ "form": {} }))
        }
        LetterPage::Disclosure => {
            let form: RequestForm = read_form(body).await?;
            apply(app, ctx, form, client).await
        }
        LetterPage::DisclosureLookup if !post => status_page(app, ctx, StatusCode::OK, json!({})),
        LetterPage::DisclosureLookup => {
            let form: CodeForm = read_form(body).await?;
            lookup(app, ctx, form, client).await
        }
        _ => Err(Error::internal("not a 依申请公开 page")),
    }
}

fn options<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Value {
    all.iter()
        .map(|x| json!({ "value": value(*x), "label": label(*x) }))
        .collect()
}

fn form_page(app: &App, ctx: &SiteCtx, status: StatusCode, v: &mut Value) -> Result<Response> {
    with_ticket(app, ctx, v, Utc::now())?;
    v["applicants"] = options(Applicant::ALL, Applicant::as_str, Applicant::label);
    v["deliveries"] = options(Delivery::ALL, Delivery::as_str, Delivery::label);
    own_in(
        app,
        ctx,
        status,
        "disclosure_form.html",
        "政府信息公开申请",
        NAV,
        v.take(),
    )
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
            own_in(
                app,
                ctx,
                StatusCode::OK,
                "disclosure_status.html",
                "申请已提交",
                NAV,
                json!({ "done": { "code": sent.code.display(), "again": sent.again,
                                   "days": zhanqun_core::disclosure::ANSWER_DAYS } }),
            )
        }
        Err(e @ (Error::InvalidInput(_) | Error::Locked(_) | Error::TooLarge(_))) => {
            let status = crate::status_of(e.code());
            let mut v = json!({ "form": form.refill(), "error": e.public_message() });
            form_page(app, ctx, status, &mut v)
        }
        Err(e) => Err(e),
    }
}

/// The 依申请公开查询 page (the form to type a 查询码, what was found, or what to fix).
fn status_page(app: &App, ctx: &SiteCtx, status: StatusCode, view: Value) -> Result<Response> {
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
        status_page(app, ctx, status, json!({ "code": shown, "error": msg }))
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
    status_page(
        app,
        ctx,
        StatusCode::OK,
        json!({
            "code": code.display(),
            "request": {
                "content": s.content,
                "state": s.state.label(),
                "received": zhanqun_core::beijing::day_text(s.received_at),
                "due": s.due_on.map(|d| d.to_string()),
                "correction": s.correction,
                "outcome": s.outcome.filter(|_| answered).map(|o| o.label()),
                "answer_html": s.answer_html.filter(|_| answered),
                "answered": s.answered_at.map(zhanqun_core::beijing::day_text),
            },
        }),
    )
}
