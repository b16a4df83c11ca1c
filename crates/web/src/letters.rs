//! 互动交流 on every site's public listener, under `/hudong/`: the letter form (领导信箱, 咨询,
//! 投诉, 建议, 我为政府网站找错), the 查询码 lookup with the reply and its rating, and the replies
//! writers agreed to publish. The first anonymous write path of the platform, so:
//!
//! - a browser's POST from another origin is refused by the public router (CSRF layer), and
//!   every POST carries a [`FormTicket`] (CSRF, the human check, once-only), opened for this site
//!   only; a form sent again finds the letter it made instead of making another;
//! - limits per client address and per site (counted in `crate::desk`), refused with 429 and a message;
//! - bodies over `forms::MAX_BODY` are refused before parsing; every field is checked in core with a
//!   message that says what to fix, and the form comes back filled in (never the answer);
//! - no page here is cached or caches the writer's data: they are answered `no-store`, and the
//!   replies list carries nothing of the writer.

use std::net::IpAddr;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use zhanqun_core::letter_flow::LetterState;
use zhanqun_core::letters::{self, LetterKind, QueryCode};
use zhanqun_core::{Error, LetterId, Page, Result};
use zhanqun_store::{NewLetter, PublicReply};

use crate::App;
use crate::desk::LetterPage;
use crate::directory::SiteCtx;
use crate::forms::Incoming;
use crate::forms::{FileLimits, LETTER, Ticket, Upload, admit_write, checked_files, own};
use crate::pages::Pager;

/// The letter form as posted, and as it is shown again after an error (never the answer or the
/// ticket). Every field optional here: what is missing is said by the checks.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct LetterForm {
    kind: String,
    to: String,
    subject: String,
    body: String,
    name: String,
    phone: String,
    email: String,
    id_number: String,
    address: String,
    /// Ticked: any value sent (the letter is stored as public the same way); shown again as a bool.
    #[serde(serialize_with = "ticked")]
    public: Option<String>,
    #[serde(skip_serializing)]
    answer: String,
    #[serde(skip_serializing)]
    ticket: String,
}

fn ticked<S: serde::Serializer>(v: &Option<String>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_bool(v.is_some())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CodeForm {
    code: String,
    rating: String,
}

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl LetterForm {
    fn letter(&self) -> NewLetter {
        NewLetter {
            kind: LetterKind::parse(self.kind.trim()).ok(),
            to: some(&self.to),
            subject: self.subject.clone(),
            body: self.body.clone(),
            public: self.public.is_some(),
            name: self.name.clone(),
            phone: some(&self.phone),
            email: some(&self.email),
            id_number: some(&self.id_number),
            address: some(&self.address),
            form_nonce: None,
            attachments: Vec::new(),
        }
    }
}

/// Answers a request for a page under `/hudong/`.
pub async fn serve(app: &App, ctx: &SiteCtx, req: Incoming<'_>) -> Result<Response> {
    let page = req.page;
    let (post, client) = (req.post, req.client);
    if post && !page.takes_post() {
        return Err(Error::invalid("这个页面不接受提交"));
    }
    match page {
        LetterPage::Index { page } => index(app, ctx, *page).await,
        LetterPage::Reply(id) => reply(app, ctx, *id).await,
        LetterPage::Faq { q, page } => faq(app, ctx, q.as_deref(), *page).await,
        LetterPage::FaqSimilar { q } => {
            // Asked as a visitor types (one request per pause): a generous hourly limit per
            // address, past which the list is simply empty.
            let limit = app
                .config()
                .letters
                .lookups_per_address_per_hour
                .saturating_mul(20);
            if app.letters().hit(&format!("x:{client}")) > limit {
                faq_similar(app, ctx, "").await
            } else {
                faq_similar(app, ctx, q).await
            }
        }
        LetterPage::Surveys
        | LetterPage::Survey(_)
        | LetterPage::Interviews
        | LetterPage::Interview(_)
        | LetterPage::Disclosure
        | LetterPage::DisclosureLookup
        | LetterPage::Apply(_)
        | LetterPage::ApplyLookup
        | LetterPage::ApplyResults => Err(Error::internal(
            "surveys, interviews, 依申请公开 and 在线办理 are answered by their own modules",
        )),
        LetterPage::Write { kind } if !post => {
            let form = LetterForm {
                kind: kind.map(|k| k.as_str()).unwrap_or_default().to_string(),
                ..LetterForm::default()
            };
            form_page(app, ctx, StatusCode::OK, &form, None)
        }
        LetterPage::Write { .. } => {
            let max = letters::MAX_ATTACHMENTS;
            let (form, files): (LetterForm, _) =
                req.form_with_files(app, "attachments", max).await?;
            write(app, ctx, form, files, client).await
        }
        LetterPage::Lookup if !post => status_page(app, ctx, StatusCode::OK, &Status::default()),
        LetterPage::Lookup | LetterPage::Rate => {
            let rate = matches!(page, LetterPage::Rate);
            lookup(app, ctx, req.form().await?, client, rate).await
        }
    }
}

/// A kind of letter the site takes: its value on the form, its label, and (on 互动交流's index)
/// the form's address for it.
#[derive(Serialize)]
struct KindChoice {
    value: &'static str,
    label: &'static str,
    url: String,
}

fn kinds(ctx: &SiteCtx) -> Vec<KindChoice> {
    ctx.site
        .letters
        .kinds
        .iter()
        .map(|k| KindChoice {
            value: k.as_str(),
            label: k.label(),
            url: format!("/hudong/xiexin?kind={}", k.as_str()),
        })
        .collect()
}

/// The letter form: `form` filled in as sent, `error` what to fix.
#[derive(Serialize)]
struct FormPage<'a> {
    form: &'a LetterForm,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten)]
    ticket: Ticket,
    kinds: Vec<KindChoice>,
    /// The leaders a 领导信箱 letter may be written to.
    leaders: &'a [String],
    attachments: FileLimits,
}

/// The letter form with a fresh ticket.
fn form_page(
    app: &App,
    ctx: &SiteCtx,
    status: StatusCode,
    form: &LetterForm,
    error: Option<String>,
) -> Result<Response> {
    let view = FormPage {
        form,
        error,
        ticket: Ticket::new(app, ctx, Utc::now())?,
        kinds: kinds(ctx),
        leaders: &ctx.site.letters.leaders,
        attachments: FileLimits::new(app, letters::MAX_ATTACHMENTS),
    };
    own(app, ctx, status, "letter_form.html", "我要写信", view)
}

async fn write(
    app: &App,
    ctx: &SiteCtx,
    form: LetterForm,
    files: Result<Vec<Upload>>,
    client: IpAddr,
) -> Result<Response> {
    let (limits, desk, now) = (&app.config().letters, app.letters(), Utc::now());
    let checked = admit_write(app, ctx, &LETTER, client, &form.ticket, &form.answer, now);
    let mut letter = form.letter();
    let with_files = files.as_ref().map_or(true, |f| !f.is_empty());
    // The files are looked into only once the form is admitted.
    let checked = match checked {
        Ok(c) => checked_files(files).await.map(|f| (c, f)),
        Err(e) => Err(e),
    };
    let result = match checked {
        Ok(((ticket, keys), files)) => {
            letter.form_nonce = Some(ticket.nonce);
            letter.attachments = files;
            let kind = letter.kind.unwrap_or(LetterKind::Consultation);
            app.store()
                .submit_letter(
                    ctx.site.id,
                    &letter,
                    desk.keys(),
                    &app.config().calendar(),
                    limits.days(kind),
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
                app.metrics().letters_received.inc();
            }
            let view = Status {
                done: Some(Made {
                    code: sent.code.display(),
                    again: sent.again,
                    kind: letter.kind.map(|k| k.label()),
                    days: letter.kind.map(|k| limits.days(k)),
                }),
                ..Status::default()
            };
            own(
                app,
                ctx,
                StatusCode::OK,
                "letter_status.html",
                "留言已提交",
                view,
            )
        }
        Err(e @ (Error::InvalidInput(_) | Error::Locked(_) | Error::TooLarge(_))) => {
            let status = crate::status_of(e.code());
            let mut error = e.public_message();
            if with_files {
                // A browser cannot fill a file field in again.
                error.push_str("（附件需重新选择）");
            }
            form_page(app, ctx, status, &form, Some(error))
        }
        Err(e) => Err(e),
    }
}

/// A letter just sent: its 查询码, whether the same form had sent it before, its kind and the
/// working days to answer it.
#[derive(Serialize)]
struct Made {
    code: String,
    again: bool,
    kind: Option<&'static str>,
    days: Option<u32>,
}

/// A letter found by its 查询码, as the writer reads it (the reply once it is given).
#[derive(Serialize)]
struct Found<'a> {
    kind: &'static str,
    to: Option<&'a str>,
    subject: &'a str,
    body: &'a str,
    state: &'static str,
    received: String,
    due: String,
    reply_html: Option<&'a str>,
    replied: Option<String>,
    rating: Option<i64>,
    may_rate: bool,
}

/// The 留言查询 page: the 查询码 typed (`code`), what was found or sent, a notice or what to fix.
#[derive(Default, Serialize)]
struct Status<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    done: Option<Made>,
    #[serde(skip_serializing_if = "Option::is_none")]
    letter: Option<Found<'a>>,
}

/// The 留言查询 page (the form to type a 查询码, what was found, or what to fix).
fn status_page(app: &App, ctx: &SiteCtx, status: StatusCode, view: &Status) -> Result<Response> {
    own(app, ctx, status, "letter_status.html", "留言查询", view)
}

async fn lookup(
    app: &App,
    ctx: &SiteCtx,
    form: CodeForm,
    client: IpAddr,
    rate: bool,
) -> Result<Response> {
    let shown_code = form.code.trim().chars().take(20).collect::<String>();
    let again = |status: StatusCode, msg: String| {
        let view = Status {
            code: Some(shown_code.clone()),
            error: Some(msg),
            ..Status::default()
        };
        status_page(app, ctx, status, &view)
    };
    let code = match crate::forms::lookup_checked(app, client, || QueryCode::parse(&form.code)) {
        Ok(c) => c,
        Err((status, msg)) => return again(status, msg),
    };
    let mut notice = None;
    if rate {
        let rating = form.rating.trim().parse::<u8>().unwrap_or(0);
        match app.store().rate_letter(ctx.site.id, &code, rating).await {
            Ok(()) => notice = Some("感谢您的评价！"),
            Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
                return again(StatusCode::BAD_REQUEST, e.public_message());
            }
            Err(e) => return Err(e),
        }
    }
    let status = match app.store().letter_status(ctx.site.id, &code).await {
        Ok(s) => s,
        Err(e @ Error::NotFound(_)) => return again(StatusCode::NOT_FOUND, e.public_message()),
        Err(e) => return Err(e),
    };
    let replied = status.state == LetterState::Replied;
    let view = Status {
        code: Some(code.display()),
        notice,
        letter: Some(Found {
            kind: status.kind.label(),
            to: status.addressee.as_deref(),
            subject: &status.subject,
            body: &status.body,
            state: if status.state.is_open() {
                "办理中"
            } else {
                status.state.label()
            },
            received: zhanqun_core::beijing::day_text(status.received_at),
            due: zhanqun_core::beijing::day_text(status.due_at),
            reply_html: status.reply_html.as_deref().filter(|_| replied),
            replied: status.replied_at.map(zhanqun_core::beijing::day_text),
            rating: status.rating,
            may_rate: replied && status.rating.is_none(),
        }),
        ..Status::default()
    };
    status_page(app, ctx, StatusCode::OK, &view)
}

/// A published reply in 互动交流's list: nothing of the writer.
#[derive(Serialize)]
struct Line<'a> {
    url: String,
    subject: &'a str,
    kind: &'static str,
    unit: Option<&'a str>,
    replied: Option<String>,
}

impl<'a> Line<'a> {
    fn of(r: &'a PublicReply) -> Line<'a> {
        Line {
            url: format!("/hudong/huifu/{}.html", r.id),
            subject: &r.subject,
            kind: LetterKind::parse(&r.kind).map(|k| k.label()).unwrap_or(""),
            unit: r.unit.as_deref(),
            replied: r.replied_at.map(zhanqun_core::beijing::day_text),
        }
    }
}

/// A published reply on its own page: the letter's text (nothing of the writer) and the reply.
#[derive(Serialize)]
struct Reply<'a> {
    #[serde(flatten)]
    line: Line<'a>,
    body: &'a str,
    received: String,
    reply_html: Option<&'a str>,
}

async fn index(app: &App, ctx: &SiteCtx, page: Page) -> Result<Response> {
    #[derive(Serialize)]
    struct View<'a> {
        kinds: Vec<KindChoice>,
        replies: Vec<Line<'a>>,
        paging: Pager,
    }
    let (rows, total) = app.store().public_replies(ctx.site.id, page).await?;
    let view = View {
        kinds: kinds(ctx),
        replies: rows.iter().map(Line::of).collect(),
        paging: Pager::new(page, total, "/hudong/", ""),
    };
    own(app, ctx, StatusCode::OK, "hudong.html", "互动交流", view)
}

/// An answered question of the 知识库.
#[derive(Serialize)]
struct FaqView<'a> {
    question: &'a str,
    answer_html: &'a str,
    date: String,
}

async fn faq(app: &App, ctx: &SiteCtx, q: Option<&str>, page: Page) -> Result<Response> {
    #[derive(Serialize)]
    struct View<'a> {
        /// What was searched for: the page's own search box shows it, and so does the site's
        /// box in the header (base.html fills it when `q` is defined).
        #[serde(skip_serializing_if = "Option::is_none")]
        q: Option<&'a str>,
        faqs: Vec<FaqView<'a>>,
        paging: Pager,
    }
    let (rows, total) = app.store().faqs(ctx.site.id, q, page).await?;
    let extra = q
        .map(|q| format!("q={}&", utf8_percent_encode(q, NON_ALPHANUMERIC)))
        .unwrap_or_default();
    let view = View {
        q,
        faqs: rows
            .iter()
            .map(|f| FaqView {
                question: &f.question,
                answer_html: &f.answer_html,
                date: zhanqun_core::beijing::day_text(f.created_at),
            })
            .collect(),
        paging: Pager::new(page, total, "/hudong/zhishiku/", &extra),
    };
    own(app, ctx, StatusCode::OK, "faq.html", "知识库", view)
}

/// The answered questions most like what a visitor is writing (at most five), as JSON: each
/// question with the 知识库 search that shows its answer. Never cached: every text is new.
async fn faq_similar(app: &App, ctx: &SiteCtx, q: &str) -> Result<Response> {
    #[derive(Serialize)]
    struct Similar<'a> {
        question: &'a str,
        url: String,
    }
    #[derive(Serialize)]
    struct Answer<'a> {
        similar: Vec<Similar<'a>>,
    }
    let found = if q.chars().count() < 2 {
        Vec::new()
    } else {
        app.store().similar_faqs(ctx.site.id, q, 5).await?
    };
    let answer = Answer {
        similar: found
            .iter()
            .map(|f| Similar {
                question: &f.question,
                url: format!(
                    "/hudong/zhishiku/?q={}",
                    utf8_percent_encode(&f.question, NON_ALPHANUMERIC)
                ),
            })
            .collect(),
    };
    let body = serde_json::to_string(&answer).map_err(Error::internal)?;
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(body))
        .map_err(Error::internal)
}

async fn reply(app: &App, ctx: &SiteCtx, id: LetterId) -> Result<Response> {
    #[derive(Serialize)]
    struct View<'a> {
        reply: Reply<'a>,
    }
    let r = app.store().public_reply(ctx.site.id, id).await?;
    let view = View {
        reply: Reply {
            line: Line::of(&r),
            body: &r.body,
            received: zhanqun_core::beijing::day_text(r.received_at),
            reply_html: r.reply_html.as_deref(),
        },
    };
    let mut res = own(
        app,
        ctx,
        StatusCode::OK,
        "letter_reply.html",
        &r.subject,
        view,
    )?;
    // Public text without the writer's data: proxies may keep it briefly.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=60"),
    );
    Ok(res)
}
