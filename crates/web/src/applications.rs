//! 在线办理 on every site's public listener, under `/banshi/`: the online application form of a
//! service item (`/banshi/shenqing/<id>`), 状态查询 with the 受理编号 and 查询码
//! (`/banshi/chaxun`), and 结果公示 of finished applications without personal data
//! (`/banshi/gongshi`). The same defences as the letter form (`crate::letters`).

use std::net::IpAddr;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use zhanqun_core::letters::QueryCode;
use zhanqun_core::service_flow::{self, AppState};
use zhanqun_core::{ArticleId, Error, Result};
use zhanqun_store::{ApplicationView, NewApplication};

use crate::App;
use crate::desk::LetterPage;
use crate::directory::SiteCtx;
use crate::forms::{
    APPLICATION, Upload, admit_write, checked_files, own_in, read_form, read_form_with_files,
    with_ticket,
};

const NAV: &str = "zwfw";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ApplyForm {
    organisation: String,
    name: String,
    id_number: String,
    phone: String,
    note: String,
    /// The appointment slot chosen (预约办理), empty for none.
    slot: String,
    answer: String,
    ticket: String,
}

impl ApplyForm {
    fn refill(&self) -> Value {
        json!({ "organisation": self.organisation, "name": self.name, "id_number": self.id_number,
                "phone": self.phone, "note": self.note, "slot": self.slot.trim() })
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LookupForm {
    receipt: String,
    code: String,
    /// `slot`: give up the appointment booked with the application.
    cancel: String,
}

/// Answers a page under `/banshi/` that is not the catalogue.
pub async fn serve(
    app: &App,
    ctx: &SiteCtx,
    page: &LetterPage,
    method: &Method,
    body: Body,
    client: IpAddr,
    content_type: Option<&str>,
) -> Result<Response> {
    let post = method == Method::POST;
    match page {
        LetterPage::Apply(item) if !post => {
            let title = item_title(app, ctx, *item).await?;
            form_page(
                app,
                ctx,
                *item,
                &title,
                StatusCode::OK,
                &mut json!({ "form": {} }),
            )
            .await
        }
        LetterPage::Apply(item) => {
            let (form, files): (ApplyForm, _) = read_form_with_files(
                content_type,
                body,
                "materials",
                zhanqun_core::service_flow::MAX_MATERIALS,
                app.config().letters.attachment_max_bytes,
            )
            .await?;
            apply(app, ctx, *item, form, files, client).await
        }
        LetterPage::ApplyLookup if !post => status_page(
            app,
            ctx,
            StatusCode::OK,
            json!({ "form": { "receipt": "", "code": "" } }),
        ),
        LetterPage::ApplyLookup => {
            let form: LookupForm = read_form(body).await?;
            lookup(app, ctx, form, client).await
        }
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

async fn form_page(
    app: &App,
    ctx: &SiteCtx,
    item: ArticleId,
    title: &str,
    status: StatusCode,
    v: &mut Value,
) -> Result<Response> {
    let now = Utc::now();
    with_ticket(app, ctx, v, now)?;
    v["item"] = json!({ "id": item.0, "title": title });
    v["materials"] = json!({
        "count": zhanqun_core::service_flow::MAX_MATERIALS,
        "mb": app.config().letters.attachment_max_bytes.div_ceil(1024 * 1024),
    });
    v["slots"] = app
        .store()
        .item_slots(item, now, true)
        .await?
        .iter()
        .map(|s| json!({ "id": s.id.to_string(), "text": slot_text(s.starts_at, s.ends_at, &s.place), "left": s.left() }))
        .collect();
    own_in(
        app,
        ctx,
        status,
        "apply_form.html",
        "在线申请",
        NAV,
        v.take(),
    )
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
            own_in(
                app,
                ctx,
                StatusCode::OK,
                "apply_status.html",
                "申请已提交",
                NAV,
                json!({ "done": { "receipt": r.receipt, "code": r.code.display(),
                                   "again": r.again, "item": title, "slot": slot } }),
            )
        }
        Err(
            e @ (Error::InvalidInput(_)
            | Error::Locked(_)
            | Error::TooLarge(_)
            | Error::Conflict(_)),
        ) => {
            let status = crate::status_of(e.code());
            let mut refill = form.refill();
            if matches!(e, Error::Conflict(_)) {
                // The slot chosen is gone: none is ticked, so the applicant chooses again.
                refill["slot"] = json!("");
            }
            let mut error = e.public_message();
            if with_files {
                // A browser cannot fill a file field in again.
                error.push_str("（申请材料需重新选择）");
            }
            let mut v = json!({ "form": refill, "error": error });
            form_page(app, ctx, item, &title, status, &mut v).await
        }
        Err(e) => Err(e),
    }
}

/// An application as 状态查询 and 结果公示 show it (seed 003 第二十四条(四)(五)).
fn view(a: &ApplicationView) -> Value {
    let day = |t: Option<chrono::DateTime<Utc>>| t.map(zhanqun_core::beijing::day_text);
    let state = AppState::parse(&a.state).ok();
    json!({
        "receipt": a.receipt_no, "item": a.item,
        "item_url": format!("/art/{}.html", a.item_id),
        "applicant": a.organisation.clone().unwrap_or_else(|| a.applicant.clone()),
        "unit": a.unit, "state": state.map(|s| s.label()).unwrap_or(""),
        "submitted": zhanqun_core::beijing::day_text(a.submitted_at),
        "accepted": day(a.accepted_at), "finished": day(a.finished_at),
        "reply": a.reply, "result": a.result,
        "done": state == Some(AppState::Done),
        "slot": a.slot_starts_at.zip(a.slot_ends_at)
            .map(|(s, e)| slot_text(s, e, a.slot_place.as_deref().unwrap_or_default())),
        // Given up online until the slot begins, while the application is still open.
        "may_cancel": a.slot_starts_at.is_some_and(|s| s > Utc::now())
            && !matches!(state, Some(AppState::Done | AppState::Refused)),
    })
}

/// The 办件状态查询 page (the form to type a 受理编号 and 查询码, what was found, or what to fix).
fn status_page(app: &App, ctx: &SiteCtx, status: StatusCode, view: Value) -> Result<Response> {
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
    let shown = json!({
        "receipt": form.receipt.trim().chars().take(30).collect::<String>(),
        "code": form.code.trim().chars().take(20).collect::<String>(),
    });
    let again = |status: StatusCode, msg: String| {
        status_page(app, ctx, status, json!({ "form": shown, "error": msg }))
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
        Ok(a) => status_page(
            app,
            ctx,
            status,
            json!({ "form": shown, "application": view(&a), "flash": flash, "error": error }),
        ),
        Err(e @ Error::NotFound(_)) => again(StatusCode::NOT_FOUND, e.public_message()),
        Err(e) => Err(e),
    }
}

async fn results(app: &App, ctx: &SiteCtx) -> Result<Response> {
    let rows = app
        .store()
        .application_results(ctx.site.id, app.letters().keys(), 100)
        .await?;
    let rows: Vec<Value> = rows.iter().map(view).collect();
    own_in(
        app,
        ctx,
        StatusCode::OK,
        "apply_results.html",
        "办件结果公示",
        NAV,
        json!({ "rows": rows }),
    )
}
