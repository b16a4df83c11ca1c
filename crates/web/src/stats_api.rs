//! Statistics in the JSON API: `GET /api/v1/stats/checks` — the check indicators of every site
//! the caller may see (all for the province auditor), failing sites first.

use std::sync::Arc;

use axum::extract::State;
use axum::http::Method;
use axum::routing::get;
use serde_json::json;
use zhanqun_core::PlatformRole;

use crate::App;
use crate::api::{ApiResult, ok};
use crate::auth::{Access, Authed, Routes};

async fn checks(State(app): State<Arc<App>>, a: Authed) -> ApiResult {
    let p = &a.actor.principal;
    let all = app
        .store()
        .site_checks(
            None,
            zhanqun_store::now(),
            &app.config().checks,
            &app.config().deadlines(),
        )
        .await?;
    let visible: Vec<_> = all
        .into_iter()
        .filter(|s| {
            p.is(PlatformRole::ProvinceAuditor) || p.grants.iter().any(|g| g.site_id == s.site_id)
        })
        .collect();
    Ok(ok(json!({ "sites": visible })))
}

pub fn routes(r: Routes) -> Routes {
    r.add(
        Method::GET,
        "/api/v1/stats/checks",
        Access::Session,
        "网站检查指标（省级监管员看全部网站）",
        get(checks),
    )
}
