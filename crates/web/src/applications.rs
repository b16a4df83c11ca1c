//! 在线办理 on every site's public listener, under `/banshi/`: the online application form of a
//! service item (`/banshi/shenqing/<id>`), 状态查询 with the 受理编号 and 查询码
//! (`/banshi/chaxun`), and 结果公示 of finished applications without personal data
//! (`/banshi/gongshi`). The same defences as the letter form (`crate::letters`).

use std::net::IpAddr;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use zhanqun_core::letters::QueryCode;
use zhanqun_core::service_flow::{self, AppState};
use zhanqun_core::{ArticleId, Error, Result};
use zhanqun_store::{ApplicationView, NewApplication};

use crate::App;
use crate::desk::LetterPage;
use crate::directory::SiteCtx;
use crate::forms::Incoming;
use crate::forms::{APPLICATION, FileLimits, Ticket, Upload, admit_write, checked_files, own_in};

const NAV: &str = "zwfw";

/// The application form as posted, and as it is shown again after an error (never the answer or
/// the ticket).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
struct ApplyForm {
    organisation: String,
    name: String,
    id_number: String,
    phone: String,
    note: String,
    /// The appointment slot chosen (预约办理), empty for none.
    slot: String,
    #[serde(skip_serializing)]
    answer: String,
    #[serde(skip_serializing)]
    ticket: String,
}

impl ApplyForm {
    /// What the form shows again after `error`: what was typed, and no slot when the one chosen
    /// is gone (so the applicant chooses again).
    fn refill(&self, error: &Error) -> ApplyForm {
        let slot = if matches!(error, Error::Conflict(_)) {
            String::new()
        } else {
            self.slot.trim().to_string()
        };
        ApplyForm {
            slot,
            ..self.clone()
        }
    }

    /// The slot chosen, if any; a value that is not a slot number is refused.
    fn slot(&self) -> Result<Option<i64>> {
        match self.slot.trim() {
            "" => Ok(None),
            v => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(Some)
                .ok_or_else(|| Error::invalid("请从列表中选择预约时段")),
        }
    }
}

/// A slot as the form and the receipt show it: `12月8日（周二）09:00—10:00，县政务服务中心 3 号窗口`.
fn slot_text(starts: chrono::DateTime<Utc>, ends: chrono::DateTime<Utc>, place: &str) -> String {
    use chrono::Datelike;
    let (s, e) = (
        zhanqun_core::beijing::at(starts),
        zhanqun_core::beijing::at(ends),
    );
    const WEEK: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    // The year only when it is not this one (a slot after New Year).
    let year = if s.year() == zhanqun_core::beijing::year(Utc::now()) {
        String::new()
    } else {
        format!("{}年", s.year())
    };
    format!(
        "{year}{}月{}日（周{}）{}—{}，{}",
        s.month(),
        s.day(),
        WEEK[s.weekday().num_days_from_monday() as usize],
        s.format("%H:%M"),
        e.format("%H:%M"),
        place
    )
}

/// The 状态查询 form as posted, and as it is shown again (`receipt` and `code`, cut short).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct LookupForm {
    receipt: String,
    code: String,
    /// `slot`: give up the appointment booked with the application.
    #[serde(skip_serializing)]
    cancel: String,
}

impl LookupForm {
    fn shown(&self) -> LookupForm {
        LookupForm {
            receipt: self.receipt.trim().chars().take(30).collect(),
            code: self.code.trim().chars().take(20).collect(),
            cancel: String::new(),
        }
    }
}

/// Answers a page under `/banshi/` that is not the catalogue.
pub async fn serve(app: &App, ctx: &SiteCtx, req: Incoming<'_>) -> Result<Response> {
    let page = req.page;
    let (post, client) = (req.post, req.client);
    match page {
        LetterPage::Apply(item) if !post => {
            let title = item_title(app, ctx, *item).await?;
            let form = ApplyForm::default();
            form_page(app, ctx, *item, &title, StatusCode::OK, &form, None).await
        }
        LetterPage::Apply(item) => {
            let max = zhanqun_core::service_flow::MAX_MATERIALS;
            let (form, files): (ApplyForm, _) = req.form_with_files(app, "materials", max).await?;
            apply(app, ctx, *item, form, files, client).await
        }
        LetterPage::ApplyLookup if !post => {
            let view = Status {
                form: LookupForm::default(),
                ..Status::default()
            };
            status_page(app, ctx, StatusCode::OK, &view)
        }
        LetterPage::ApplyLookup => lookup(app, ctx, req.form().await?, client).await,
        LetterPage::ApplyResults => results(app, ctx).await,
        _ => Err(Error::internal("not a 在线办理 page")),
    }
}

/// The title of `item` if it is a published service item of this site (else 404).
async fn item_title(app: &App, ctx: &SiteCtx, item: ArticleId) -> Result<String> {
    let missing = || Error::not_found("没有这个办事事项");
    let (a, _) = app
        .store()
        .article_on_site(item, ctx.site.id)
        .await?
        .ok_or_else(missing)?;
    let is_item = app.store().service_guide(item).await?.is_some();
    if a.site_id != ctx.site.id || a.status != zhanqun_core::ArticleStatus::Published || !is_item {
        return Err(missing());
    }
    Ok(a.title)
}

/// The item applied for.
#[derive(Serialize)]
struct ItemView<'a> {
    id: ArticleId,
    title: &'a str,
}

/// An appointment slot offered on the form (`id` as the radio button posts it).
#[derive(Serialize)]
struct SlotChoice {
    id: String,
    text: String,
    left: i64,
}

/// The application form: `form` filled in as sent, `error` what to fix.
#[derive(Serialize)]
struct FormPage<'a> {
    item: ItemView<'a>,
    form: &'a ApplyForm,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten)]
    ticket: Ticket,
    materials: FileLimits,
    slots: Vec<SlotChoice>,
}

async fn form_page(
    app: &App,
    ctx: &SiteCtx,
    item: ArticleId,
    title: &str,
    status: StatusCode,
    form: &ApplyForm,
    error: Option<String>,
) -> Result<Response> {
    let now = Utc::now();
    let slots = app.store().item_slots(item, now, true).await?;
    let view = FormPage {
        item: ItemView { id: item, title },
        form,
        error,
        ticket: Ticket::new(app, ctx, now)?,
        materials: FileLimits::new(app, zhanqun_core::service_flow::MAX_MATERIALS),
        slots: slots
            .iter()
            .map(|s| SlotChoice {
                id: s.id.to_string(),
                text: slot_text(s.starts_at, s.ends_at, &s.place),
                left: s.left(),
            })
            .collect(),
    };
    own_in(app, ctx, status, "apply_form.html", "在线申请", NAV, view)
}

async fn apply(
    app: &App,
    ctx: &SiteCtx,
    item: ArticleId,
    form: ApplyForm,
    files: Result<Vec<Upload>>,
    client: IpAddr,
) -> Result<Response> {
    let title = item_title(app, ctx, item).await?;
    let (desk, now) = (app.letters(), Utc::now());
    let checked = admit_write(
        app,
        ctx,
        &APPLICATION,
        client,
        &form.ticket,
        &form.answer,
        now,
    );
    let with_files = files.as_ref().map_or(true, |f| !f.is_empty());
    // The files are looked into only once the form is admitted.
    let checked = match checked.and_then(|ok| Ok((ok, form.slot()?))) {
        Ok((ok, slot)) => checked_files(files).await.map(|f| (ok, slot, f)),
        Err(e) => Err(e),
    };
    let result = match checked {
        Ok(((ticket, keys), slot, materials)) => {
            let a = NewApplication {
                item,
                organisation: form.organisation.clone(),
                name: form.name.clone(),
                id_number: form.id_number.clone(),
                phone: form.phone.clone(),
                note: form.note.clone(),
                slot,
                form_nonce: Some(ticket.nonce),
                materials,
            };
            app.store()
                .submit_application(ctx.site.id, &a, desk.keys(), now)
                .await
                .map(|r| (r, keys))
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((r, keys)) => {
            if !r.again {
                keys.made(app);
            }
            let booked = app
                .store()
                .application_status(ctx.site.id, &r.receipt, &r.code, app.letters().keys())
                .await?;
            let slot = booked
                .slot_starts_at
                .zip(booked.slot_ends_at)
                .map(|(s, e)| slot_text(s, e, booked.slot_place.as_deref().unwrap_or_default()));
            let view = Status {
                done: Some(Made {
                    receipt: r.receipt,
                    code: r.code.display(),
                    again: r.again,
                    item: &title,
                    slot,
                }),
                ..Status::default()
            };
            own_in(
                app,
                ctx,
                StatusCode::OK,
                "apply_status.html",
                "申请已提交",
                NAV,
                view,
            )
        }
        Err(
            e @ (Error::InvalidInput(_)
            | Error::Locked(_)
            | Error::TooLarge(_)
            | Error::Conflict(_)),
        ) => {
            let status = crate::status_of(e.code());
            let refill = form.refill(&e);
            let mut error = e.public_message();
            if with_files {
                // A browser cannot fill a file field in again.
                error.push_str("（申请材料需重新选择）");
            }
            form_page(app, ctx, item, &title, status, &refill, Some(error)).await
        }
        Err(e) => Err(e),
    }
}

/// An application as 状态查询 and 结果公示 show it (seed 003 第二十四条(四)(五)).
#[derive(Serialize)]
struct Shown<'a> {
    receipt: &'a str,
    item: &'a str,
    item_url: String,
    /// The organisation that applied, or the person's masked name.
    applicant: &'a str,
    unit: Option<&'a str>,
    state: &'static str,
    submitted: String,
    accepted: Option<String>,
    finished: Option<String>,
    reply: Option<&'a str>,
    result: Option<&'a str>,
    done: bool,
    slot: Option<String>,
    /// Given up online until the slot begins, while the application is still open.
    may_cancel: bool,
}

impl<'a> Shown<'a> {
    fn of(a: &'a ApplicationView) -> Shown<'a> {
        let day = |t: Option<chrono::DateTime<Utc>>| t.map(zhanqun_core::beijing::day_text);
        let state = AppState::parse(&a.state).ok();
        Shown {
            receipt: &a.receipt_no,
            item: &a.item,
            item_url: format!("/art/{}.html", a.item_id),
            applicant: a.organisation.as_deref().unwrap_or(&a.applicant),
            unit: a.unit.as_deref(),
            state: state.map(|s| s.label()).unwrap_or(""),
            submitted: zhanqun_core::beijing::day_text(a.submitted_at),
            accepted: day(a.accepted_at),
            finished: day(a.finished_at),
            reply: a.reply.as_deref(),
            result: a.result.as_deref(),
            done: state == Some(AppState::Done),
            slot: a
                .slot_starts_at
                .zip(a.slot_ends_at)
                .map(|(s, e)| slot_text(s, e, a.slot_place.as_deref().unwrap_or_default())),
            may_cancel: a.slot_starts_at.is_some_and(|s| s > Utc::now())
                && !matches!(state, Some(AppState::Done | AppState::Refused)),
        }
    }
}

/// An application just made: its 受理编号 and 查询码, the item, the slot booked.
#[derive(Serialize)]
struct Made<'a> {
    receipt: String,
    code: String,
    again: bool,
    item: &'a str,
    slot: Option<String>,
}

/// The 办件状态查询 page: the form as typed, what was found or made, a notice or what to fix.
#[derive(Default, Serialize)]
struct Status<'a> {
    form: LookupForm,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flash: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    done: Option<Made<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    application: Option<Shown<'a>>,
}

/// The 办件状态查询 page (the form to type a 受理编号 and 查询码, what was found, or what to fix).
fn status_page(app: &App, ctx: &SiteCtx, status: StatusCode, view: &Status) -> Result<Response> {
    own_in(
        app,
        ctx,
        status,
        "apply_status.html",
        "办件状态查询",
        NAV,
        view,
    )
}

async fn lookup(app: &App, ctx: &SiteCtx, form: LookupForm, client: IpAddr) -> Result<Response> {
    let desk = app.letters();
    let again = |status: StatusCode, msg: String| {
        let view = Status {
            form: form.shown(),
            error: Some(msg),
            ..Status::default()
        };
        status_page(app, ctx, status, &view)
    };
    let parsed = crate::forms::lookup_checked(app, client, || {
        service_flow::parse_receipt(&form.receipt)
            .and_then(|r| Ok((r, QueryCode::parse(&form.code)?)))
    });
    let (receipt, code) = match parsed {
        Ok(p) => p,
        Err((status, msg)) => return again(status, msg),
    };
    let (mut status, mut flash, mut error) = (StatusCode::OK, None, None);
    if form.cancel.trim() == "slot" {
        match app
            .store()
            .cancel_booking(ctx.site.id, &receipt, &code, Utc::now())
            .await
        {
            Ok(true) => flash = Some("已取消预约，这个时段的名额已释放。申请仍在办理中。"),
            Ok(false) => {}
            Err(e @ Error::InvalidInput(_)) => {
                status = StatusCode::BAD_REQUEST;
                error = Some(e.public_message());
            }
            Err(e @ Error::NotFound(_)) => {
                return again(StatusCode::NOT_FOUND, e.public_message());
            }
            Err(e) => return Err(e),
        }
    }
    match app
        .store()
        .application_status(ctx.site.id, &receipt, &code, desk.keys())
        .await
    {
        Ok(a) => {
            let view = Status {
                form: form.shown(),
                error,
                flash,
                application: Some(Shown::of(&a)),
                ..Status::default()
            };
            status_page(app, ctx, status, &view)
        }
        Err(e @ Error::NotFound(_)) => again(StatusCode::NOT_FOUND, e.public_message()),
        Err(e) => Err(e),
    }
}

async fn results(app: &App, ctx: &SiteCtx) -> Result<Response> {
    let rows = app
        .store()
        .application_results(ctx.site.id, app.letters().keys(), 100)
        .await?;
    #[derive(Serialize)]
    struct View<'a> {
        rows: Vec<Shown<'a>>,
    }
    let view = View {
        rows: rows.iter().map(Shown::of).collect(),
    };
    own_in(
        app,
        ctx,
        StatusCode::OK,
        "apply_results.html",
        "办件结果公示",
        NAV,
        view,
    )
}
