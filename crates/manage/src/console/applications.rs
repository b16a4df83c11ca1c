//! Console pages of 在线办理: a site's online applications for the back office (the site's office
//! and the units that carry the items), each with the moves it allows (受理, 需补充材料, 不予受理,
//! 办结 with the result); and the site's service tokens, with which business systems push the
//! same moves over the API (made and revoked by the site's administrator; a token is shown once).

use std::sync::Arc;

use super::Form;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use zhanqun_core::service_flow::{self, AppState};
use zhanqun_core::{Error, SiteId};
use zhanqun_store::{Mover, Which};

use super::{Notice, PageError, PageResult, Path, interaction_page, outcome_page, refusal_page};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    zhanqun_core::beijing::minute_text(t)
}

async fn list_with(app: &App, a: &Authed, site: SiteId, n: Notice) -> PageResult {
    let s = app
        .store()
        .site(site)
        .await?
        .filter(|_| a.actor.principal.sees_site(site))
        .ok_or_else(|| Error::not_found("网站不存在"))?;
    let mut materials = app.store().site_application_materials(site).await?;
    let rows: Vec<Value> = app
        .store()
        .site_applications(&a.actor, site, app.letters().keys())
        .await?
        .into_iter()
        .map(|v| {
            let state = AppState::parse(&v.state).unwrap_or(AppState::Submitted);
            // The usual next move first (受理, then 办结); the applicant's 补充 is not the office's.
            let order = [AppState::Accepted, AppState::Done, AppState::MoreNeeded, AppState::Refused];
            let moves: Vec<Value> = order
                .iter()
                .filter(|to| service_flow::check_move(state, **to).is_ok())
                .map(|to| json!({ "value": to.as_str(), "label": to.label(), "note": service_flow::needs_note(*to) }))
                .collect();
            json!({
                "id": v.id, "receipt": v.receipt_no, "item": v.item, "unit": v.unit,
                "applicant": v.organisation.clone().unwrap_or(v.applicant.clone()),
                "note": v.note, "state": state.label(), "submitted": at(v.submitted_at),
                "reply": v.reply, "result": v.result, "moves": moves,
                "slot": v.slot_starts_at.map(at), "place": v.slot_place,
                "materials": super::letters::file_links(
                    &format!("/applications/{}/materials", v.id),
                    &materials.remove(&v.id).unwrap_or_default(),
                ),
            })
        })
        .collect();
    // The site's published service items, each with its appointment slots (预约办理).
    let items: Vec<Value> = app
        .store()
        .service_lines(
            Some(site),
            &zhanqun_store::ServiceFilter::default(),
            None,
            200,
        )
        .await?
        .into_iter()
        .map(|l| json!({ "id": l.id, "title": l.title }))
        .collect();
    Ok(interaction_page(
        a,
        "applications.html",
        &format!("{} · 在线办理", s.name),
        json!({ "site": s, "rows": rows, "flash": n.flash, "error": n.error, "items": items,
                "admin": a.actor.principal.is_site_admin(site),
                "office": a.actor.principal.is_letter_office(site) }),
    ))
}

async fn list(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> PageResult {
    list_with(&app, &a, id, Notice::default()).await
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

async fn move_one(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> PageResult {
    let site: Option<i64> = app.store().application_site(id).await?;
    let site = SiteId(site.ok_or_else(|| Error::not_found("没有这份办事申请"))?);
    let res = app
        .store()
        .move_application(
            Mover::Person(&a.actor),
            Which::Id(id),
            &f.to,
            &f.note,
            zhanqun_store::now(),
        )
        .await
        .map(|state| format!("已办理，申请现为“{}”", state.label()));
    outcome_page(
        res,
        |e| {
            matches!(
                e,
                Error::InvalidInput(_) | Error::Conflict(_) | Error::Forbidden(_)
            )
        },
        |n| list_with(&app, &a, site, n),
    )
    .await
}

async fn tokens_with(app: &App, a: &Authed, site: SiteId, n: Notice) -> PageResult {
    let tokens = app.store().service_tokens(&a.actor, site).await?;
    let s = app.store().site(site).await?;
    let rows: Vec<Value> = tokens
        .iter()
        .map(|t| {
            json!({ "id": t.id, "name": t.name, "created": at(t.created_at),
                    "revoked": t.revoked_at.map(at), "used": t.last_used_at.map(at) })
        })
        .collect();
    Ok(interaction_page(
        a,
        "service_tokens.html",
        "业务系统令牌",
        json!({ "site": s, "rows": rows, "fresh": n.flash, "error": n.error }),
    ))
}

async fn tokens(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> PageResult {
    tokens_with(&app, &a, id, Notice::default()).await
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn token_create(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    match app
        .store()
        .create_service_token(&a.actor, id, &f.name, zhanqun_store::now())
        .await
    {
        Ok((_, token)) => tokens_with(&app, &a, id, Notice::done(token)).await,
        Err(e @ Error::InvalidInput(_)) => {
            refusal_page(e, |msg| tokens_with(&app, &a, id, Notice::refused(msg))).await
        }
        Err(e) => Err(PageError(e)),
    }
}

async fn token_revoke(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> PageResult {
    let site = app
        .store()
        .revoke_service_token(&a.actor, id, zhanqun_store::now())
        .await?;
    tokens_with(&app, &a, site, Notice::default()).await
}

/// A file of an application's 申请材料, for its back office: every opening is audited.
async fn material(
    State(app): State<Arc<App>>,
    a: Authed,
    Path((id, position)): Path<(i64, i64)>,
) -> Result<axum::response::Response, PageError> {
    let f = app
        .store()
        .application_material(&a.actor, id, position, app.letters().keys())
        .await?;
    Ok(zhanqun_web::media::private_download(
        &f.name, &f.mime, f.bytes,
    ))
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::Session;
    r.get(
        "/sites/{id}/applications",
        Session,
        "在线办理（网上申请）",
        list,
    )
    .post("/applications/{id}/move", Session, "办理网上申请", move_one)
    .get(
        "/applications/{id}/materials/{n}",
        Session,
        "下载申请材料（记入审计日志）",
        material,
    )
    .get(
        "/sites/{id}/service-tokens",
        Session,
        "业务系统令牌",
        tokens,
    )
    .post(
        "/sites/{id}/service-tokens",
        Session,
        "新建业务系统令牌",
        token_create,
    )
    .post(
        "/service-tokens/{id}/revoke",
        Session,
        "吊销业务系统令牌",
        token_revoke,
    )
}
