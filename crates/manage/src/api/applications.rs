//! 在线办理 in the JSON API for business systems: a department's system, holding a service token
//! of its site (`Authorization: Bearer zqs_…`, made in the console), pushes the status and the
//! result of an online application by its 受理编号 — the same moves, checks and audit as the
//! console's. A token of another site finds no such application.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::ArticleId;
use zhanqun_core::service_flow::parse_receipt;
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

pub fn routes(r: Routes) -> Routes {
    let r = r
        .answering(crate::auth::Shape::Json)
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
        );
    r.post(
        "/api/v1/service-applications/{receipt}/status",
        Access::ServiceToken,
        "业务系统推送网上申请的办理状态和结果（业务系统令牌，仅本网站的申请）",
        push_status,
    )
}
