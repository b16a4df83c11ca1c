//! Console pages of 互动交流: the letters of a site for its office, the letters assigned to
//! the signed-in account's unit, and one letter with its history and the steps the viewer may
//! take (转办, 拟写答复, 审核, 退回, 延期, 合并, 无效). The writer's name and phone are masked
//! everywhere; the office opens them in full with a button, and every such view is audited.

use std::sync::Arc;

use super::Form;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};
use zhanqun_core::letter_flow::{LetterStep, MAX_EXTENSION_DAYS};
use zhanqun_core::pii::Keyring;
use zhanqun_core::timeliness::WorkCalendar;
use zhanqun_core::{Error, LetterId, SiteId, UnitId};
use zhanqun_store::{LetterInFull, LetterLine, StepInput};

use super::{Notice, PageResult, Path, Query, interaction_page, outcome_page, paged};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

/// Beijing date and minute of a time, as the lists show it.
fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    zhanqun_core::beijing::minute_text(t)
}

/// The files of a letter or an application as their handlers' pages list them: no names, the
/// kind and size, each a link `{base}/{position}` (opened there, audited).
pub(super) fn file_links(base: &str, files: &[zhanqun_store::AttachmentLine]) -> Vec<JsonValue> {
    files
        .iter()
        .map(|f| {
            json!({
                "url": format!("{base}/{}", f.position),
                "n": f.position,
                "kind": attachment_kind(&f.mime),
                "size": size_text(f.size),
            })
        })
        .collect()
}

/// What a file is, as the pages name it.
fn attachment_kind(mime: &str) -> &'static str {
    match mime {
        "image/png" | "image/jpeg" => "图片",
        "application/pdf" => "PDF",
        _ => "Word 文档",
    }
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// What the store's letter functions take: the keys personal data is sealed with, the working
/// days' calendar and the time now.
fn letter_context(app: &App) -> (&Keyring, WorkCalendar, chrono::DateTime<chrono::Utc>) {
    (
        app.letters().keys(),
        app.config().calendar(),
        zhanqun_store::now(),
    )
}

fn line_view(l: &LetterLine) -> JsonValue {
    json!({
        "id": l.id, "kind": l.kind.label(), "subject": l.subject, "state": l.state.label(),
        "standing": l.standing.map(|s| s.label()),
        "late": l.standing.is_some_and(|s| !matches!(s, zhanqun_core::letter_flow::Standing::InTime)),
        "received": at(l.received_at), "due": at(l.due_at), "name": l.name, "phone": l.phone,
    })
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<String>,
    /// `all`: every letter; otherwise the open ones.
    show: Option<String>,
}

/// 留言办理: the letters of the sites whose office the account is, and those of its unit.
async fn my_letters(State(app): State<Arc<App>>, a: Authed) -> PageResult {
    let (keys, cal, now) = letter_context(&app);
    let unit: Vec<JsonValue> = app
        .store()
        .unit_letters(&a.actor, keys, &cal, now)
        .await?
        .iter()
        .map(line_view)
        .collect();
    let mut sites = Vec::new();
    for id in a.actor.principal.letter_office_sites() {
        if let Some(s) = app.store().site(id).await? {
            sites.push(json!({ "id": s.id, "name": s.name, "code": s.code }));
        }
    }
    Ok(interaction_page(
        &a,
        "letters.html",
        "留言办理",
        json!({ "unit": unit, "sites": sites,
                "auditor": a.actor.principal.sees_every_site() }),
    ))
}

/// A site's letters for its office (and the province auditor), newest first.
async fn site_letters(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let (keys, cal, now) = letter_context(&app);
    let site = app
        .store()
        .site(id)
        .await?
        .filter(|_| a.actor.principal.sees_site(id))
        .ok_or_else(|| Error::not_found("网站不存在"))?;
    let all = q.show.as_deref() == Some("all");
    let lines: Vec<LetterLine> = app
        .store()
        .site_letters(&a.actor, id, keys, &cal, now)
        .await?
        .into_iter()
        .filter(|l| all || l.state.is_open())
        .collect();
    let base = format!(
        "/sites/{}/letters{}",
        id,
        if all { "?show=all" } else { "" }
    );
    let (rows, paging) = paged(&lines, q.page.as_deref(), &base)?;
    let rows: Vec<JsonValue> = rows.iter().map(line_view).collect();
    Ok(interaction_page(
        &a,
        "site_letters.html",
        &format!("{} · 留言", site.name),
        json!({ "site": site, "rows": rows, "paging": paging, "all": all }),
    ))
}

/// One letter: what it says, where it is, its history, the viewer's steps; with the writer's
/// data in full when `full` was asked for (and allowed: audited either way).
async fn letter_page_with(
    app: &App,
    a: &Authed,
    id: LetterId,
    full: Option<LetterInFull>,
    n: Notice,
) -> PageResult {
    let (keys, cal, now) = letter_context(app);
    let c = app
        .store()
        .letter_case(&a.actor, id, keys, &cal, now)
        .await?;
    let site = app.store().site(c.site_id).await?;
    let units: Vec<JsonValue> = if c.steps.contains(&LetterStep::Assign) {
        app.store()
            .units(c.site_id)
            .await?
            .into_iter()
            .map(|(id, name)| json!({ "id": id, "name": name }))
            .collect()
    } else {
        Vec::new()
    };
    let steps: Vec<JsonValue> = c
        .steps
        .iter()
        .map(|s| json!({ "value": s.as_str(), "label": s.label(), "reason": s.needs_reason() }))
        .collect();
    let events: Vec<JsonValue> = c
        .events
        .iter()
        .map(|e| json!({ "at": at(e.at), "who": e.who, "step": e.step, "state": e.state, "note": e.note }))
        .collect();
    let view = json!({
        "letter": {
            "id": c.id, "kind": c.kind_label, "to": c.addressee, "subject": c.subject, "body": c.body,
            "public": c.public, "state": c.state_label, "standing": c.standing.map(|s| s.label()),
            "received": at(c.received_at), "due": at(c.due_at), "unit": c.unit,
            "name": c.name, "phone": c.phone, "reply_draft": c.reply_draft,
            "drafted_by": c.drafted_by, "reply_html": c.reply_html,
            "replied": c.replied_at.map(at), "rating": c.rating, "merged_into": c.merged_into,
            "attachments": file_links(&format!("/letters/{}/attachments", c.id), &c.attachments),
        },
        "site": site, "events": events, "steps": steps, "units": units,
        "office": c.office, "handler": c.handler, "full": full, "max_days": MAX_EXTENSION_DAYS,
        "flash": n.flash, "error": n.error,
    });
    Ok(interaction_page(
        a,
        "letter.html",
        &format!("留言：{}", c.subject),
        view,
    ))
}

async fn letter_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<LetterId>,
) -> PageResult {
    letter_page_with(&app, &a, id, None, Notice::default()).await
}

/// The office opens the writer's personal data (a POST: it is written to the audit log).
async fn letter_personal(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<LetterId>,
) -> PageResult {
    let full = app
        .store()
        .letter_in_full(&a.actor, id, app.letters().keys())
        .await?;
    let note = "已显示写信人的完整信息，本次查看已记入审计日志".to_string();
    letter_page_with(&app, &a, id, Some(full), Notice::done(note)).await
}

/// A file sent with the letter, for its handlers: every opening is audited.
async fn letter_attachment(
    State(app): State<Arc<App>>,
    a: Authed,
    Path((id, position)): Path<(LetterId, i64)>,
) -> PageResult {
    Ok(crate::service::letter_attachment(&app, &a.actor, id, position).await?)
}

#[derive(Deserialize)]
struct StepForm {
    step: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    merge_into: String,
}

impl StepForm {
    fn input(&self) -> Result<StepInput, Error> {
        let num = |v: &str, what: &str| -> Result<Option<i64>, Error> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<i64>()
                .map(Some)
                .map_err(|_| Error::invalid(format!("{what}应为数字")))
        };
        Ok(StepInput {
            step: Some(LetterStep::parse(self.step.trim())?),
            unit: num(&self.unit, "承办单位")?.map(UnitId),
            days: num(&self.days, "延期天数")?.map(|d| u32::try_from(d).unwrap_or(0)),
            reply: Some(self.reply.clone()),
            note: Some(self.note.clone()),
            merge_into: num(&self.merge_into, "留言编号")?.map(LetterId),
        })
    }
}

async fn letter_step(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<LetterId>,
    Form(f): Form<StepForm>,
) -> PageResult {
    let (cal, now) = (app.config().calendar(), zhanqun_store::now());
    let res = async {
        app.store()
            .letter_step(&a.actor, id, &f.input()?, &cal, now)
            .await
    }
    .await;
    outcome_page(
        res.map(|state| format!("已办理，留言现为“{}”", state.label())),
        |e| {
            matches!(
                e,
                Error::InvalidInput(_) | Error::Conflict(_) | Error::Forbidden(_)
            )
        },
        |n| letter_page_with(&app, &a, id, None, n),
    )
    .await
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/letters", Session, "留言办理", my_letters)
        .get("/sites/{id}/letters", Session, "网站的留言", site_letters)
        .get("/letters/{id}", Session, "留言详情与办理", letter_page)
        .post(
            "/letters/{id}/personal",
            Session,
            "查看写信人完整信息（记入审计日志）",
            letter_personal,
        )
        .post("/letters/{id}/step", Session, "办理留言", letter_step)
        .get(
            "/letters/{id}/attachments/{n}",
            Session,
            "下载留言附件（记入审计日志）",
            letter_attachment,
        )
}
