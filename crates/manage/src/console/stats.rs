//! Console pages of statistics: the national check indicators, province-wide for the province
//! auditor (read-only) and per site for those with a role on it; exportable as CSV.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;

use serde_json::json;
use zhanqun_store::SiteCheck;

use super::{PageResult, Query, csv_download, page, paged, render};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

/// The checks the signed-in account may see: every site for the province auditor, otherwise
/// the sites it has a role on.
async fn visible_checks(app: &App, a: &Authed) -> zhanqun_core::Result<Arc<Vec<SiteCheck>>> {
    Ok(app.checks_for(&a.actor.principal).await?.1)
}

#[derive(serde::Deserialize)]
struct ChecksQuery {
    page: Option<String>,
}

async fn checks_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<ChecksQuery>,
) -> PageResult {
    let (at, checks) = app.checks_for(&a.actor.principal).await?;
    let failing = checks.iter().filter(|s| s.fails).count();
    let with_findings = checks.iter().filter(|s| !s.findings.is_empty()).count();
    let (shown, paging) = paged(&checks, q.page.as_deref(), "/stats/checks")?;
    let th = &app.config().checks;
    Ok(render(
        "checks.html",
        page(
            Some(&a),
            "stats",
            "网站检查指标",
            json!({
                "checks": shown, "sites": checks.len(), "failing": failing,
                "with_findings": with_findings, "passing": checks.len() - with_findings,
                "th": th, "paging": paging, "checked_at": at,
            }),
        ),
    ))
}

async fn checks_csv(State(app): State<Arc<App>>, a: Authed) -> Result<Response, super::PageError> {
    let checks = visible_checks(&app, &a).await?;
    let mut w = zhanqun_report::csv::Csv::new();
    w.row([
        "网站标识码",
        "网站名称",
        "结论",
        "否决项",
        "指标",
        "栏目",
        "最后更新",
        "问题",
    ])?;
    for s in checks.iter() {
        let verdict = zhanqun_core::checks::Verdict::of(Some((s.fails, s.findings.len()))).label();
        if s.findings.is_empty() {
            w.row([
                s.code.as_str(),
                s.name.as_str(),
                verdict,
                "",
                "",
                "",
                "",
                "",
            ])?;
        }
        for f in &s.findings {
            let indicator = serde_json::to_value(f.indicator)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let last = f
                .last_update
                .map(zhanqun_core::beijing::day_text)
                .unwrap_or_default();
            w.row([
                s.code.as_str(),
                s.name.as_str(),
                verdict,
                if f.veto { "是" } else { "否" },
                indicator.as_str(),
                f.column.as_deref().unwrap_or(""),
                last.as_str(),
                f.message.as_str(),
            ])?;
        }
    }
    Ok(csv_download("checks.csv", w.finish()?))
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/stats/checks", Session, "网站检查指标", checks_page)
        .get(
            "/stats/checks.csv",
            Session,
            "导出检查指标（CSV）",
            checks_csv,
        )
}
