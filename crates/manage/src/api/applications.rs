//! 在线办理 in the JSON API for business systems: a department's system, holding a service token
//! of its site (`Authorization: Bearer zqs_…`, made in the console), pushes the status and the
//! result of an online application by its 受理编号 — the same moves, checks and audit as the
//! console's. A token of another site finds no such application.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::service_flow::parse_receipt;
use zhanqun_store::{Mover, ServiceCaller, Which};

use crate::api::{ApiResult, Body, Path, ok};
use crate::auth::{Access, Routes};
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

pub fn routes(r: Routes) -> Routes {
    r.post(
        "/api/v1/service-applications/{receipt}/status",
        Access::ServiceToken,
        "业务系统推送网上申请的办理状态和结果（业务系统令牌，仅本网站的申请）",
        push_status,
    )
}
