//! 在线办理 in the JSON API. For business systems: a department's system, holding a service token
//! of its site (`Authorization: Bearer zqs_…`, made in the console), pushes the status and the
//! result of an online application by its 受理编号 — the same moves, checks and audit as the
//! console's. A token of another site finds no such application. For the back office (a session):
//! the site's applications it handles (the applicant masked) and the same moves by id; and the
//! appointment slots of an item.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::service_flow::parse_receipt;
use zhanqun_core::{ArticleId, SiteId};
use zhanqun_store::{Mover, NewSlot, ServiceCaller, Which};

use crate::api::{ApiResult, Body, Path, ok};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    /// `accepted`, `more_needed`, `refused` or `done`.
    state: String,
    /// What to add (for `more_needed`), why not (for `refused`), the result (for `done`).
    #[serde(default)]
    note: String,
}

async fn push_status(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<ServiceCaller>,
    Path(receipt): Path<String>,
    Body(b): Body<StatusBody>,
) -> ApiResult {
    let receipt = parse_receipt(&receipt)?;
    let state = app
        .store()
        .move_application(
            Mover::System(&caller),
            Which::Receipt(&receipt),
            &b.state,
            &b.note,
            zhanqun_store::now(),
        )
        .await?;
    Ok(ok(
        json!({ "receipt": receipt, "state": state.as_str(), "label": state.label() }),
    ))
}

/// The site's applications the caller handles (its office: all; a unit: its items'), newest
/// first, at most 500, the applicant masked.
async fn site_list(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> ApiResult {
    let applications = app
        .store()
        .site_applications(&a.actor, id, app.letters().keys())
        .await?;
    Ok(ok(json!({ "applications": applications })))
}

/// A move of the back office: `state` and `note` as a business system pushes them.
async fn move_one(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Body(b): Body<StatusBody>,
) -> ApiResult {
    let state = app
        .store()
        .move_application(
            Mover::Person(&a.actor),
            Which::Id(id),
            &b.state,
            &b.note,
            zhanqun_store::now(),
        )
        .await?;
    Ok(ok(
        json!({ "id": id, "state": state.as_str(), "label": state.label() }),
    ))
}

/// A service item's appointment slots still to come (the site's office).
async fn slots(State(app): State<Arc<App>>, a: Authed, Path(id): Path<ArticleId>) -> ApiResult {
    let (site, title, slots) = app
        .store()
        .office_slots(&a.actor, id, zhanqun_store::now())
        .await?;
    Ok(ok(
        json!({ "item": id, "title": title, "site_id": site, "slots": slots }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotBody {
    starts_at: chrono::DateTime<chrono::Utc>,
    ends_at: chrono::DateTime<chrono::Utc>,
    place: String,
    capacity: i64,
}

async fn open_slot(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Body(b): Body<SlotBody>,
) -> ApiResult {
    let slot = NewSlot {
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        place: b.place,
        capacity: b.capacity,
    };
    let created = app
        .store()
        .open_slot(&a.actor, id, &slot, zhanqun_store::now())
        .await?;
    Ok(ok(json!({ "id": created })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotChange {
    /// The new number of places (not below those booked); absent: stop taking bookings.
    capacity: Option<i64>,
}

/// 调整名额 (`{"capacity": n}`) or 停止预约 (`{}`) of one slot, for the site's office.
async fn change_slot(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Body(b): Body<SlotChange>,
) -> ApiResult {
    let item = app
        .store()
        .change_slot(&a.actor, id, b.capacity, zhanqun_store::now())
        .await?;
    Ok(ok(
        json!({ "slot": id, "item": item, "capacity": b.capacity, "closed": b.capacity.is_none() }),
    ))
}

/// Who booked a slot: 受理编号, the applicant masked, the state (the site's office).
async fn slot_bookings(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> ApiResult {
    let rows: Vec<_> = app
        .store()
        .slot_bookings(&a.actor, id, app.letters().keys())
        .await?
        .into_iter()
        .map(|b| json!({ "receipt": b.receipt, "applicant": b.name, "state": b.state }))
        .collect();
    Ok(ok(json!({ "slot": id, "bookings": rows })))
}

pub fn routes(r: Routes) -> Routes {
    let r = r
        .answering(crate::auth::Shape::Json)
        .get(
            "/api/v1/sites/{id}/applications",
            Access::Session,
            "网站收到的网上申请（申请人已脱敏；网站办公室全部，业务部门本部门事项的）",
            site_list,
        )
        .post(
            "/api/v1/applications/{id}/moves",
            Access::Session,
            "办理网上申请：{\"state\": \"accepted\" | \"more_needed\" | \"refused\" | \"done\", \"note\": \"…\"}",
            move_one,
        )
        .get(
            "/api/v1/articles/{id}/slots",
            Access::Session,
            "办事事项今后的预约时段及已预约人数（网站办公室）",
            slots,
        )
        .post(
            "/api/v1/articles/{id}/slots",
            Access::Session,
            "为办事事项开放一个预约时段（开始、结束时间，办理地点，可预约人数）",
            open_slot,
        )
        .post(
            "/api/v1/slots/{id}",
            Access::Session,
            "调整预约时段的人数（{\"capacity\": n}，不少于已预约人数）或停止预约（{}）",
            change_slot,
        )
        .get(
            "/api/v1/slots/{id}/bookings",
            Access::Session,
            "预约时段的预约人：受理编号、申请人（脱敏）、办理状态（网站办公室）",
            slot_bookings,
        );
    r.post(
        "/api/v1/service-applications/{receipt}/status",
        Access::ServiceToken,
        "业务系统推送网上申请的办理状态和结果（业务系统令牌，仅本网站的申请）",
        push_status,
    )
}
