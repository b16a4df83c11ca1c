//! Statistics in the JSON API: `GET /api/v1/stats/checks` — the check indicators of every site
//! the caller may see (all for the province auditor), failing sites first; and
//! `GET /api/v1/stats/sites/{id}/figures` — a site's publishing figures by period.

use std::sync::Arc;

use axum::extract::State;

use crate::api::{Path, Query};

use chrono::{Duration, NaiveDate};
use serde_json::json;
use zhanqun_core::Act;
use zhanqun_core::visits::china_day;
use zhanqun_core::{Error, SiteId};
use zhanqun_store::Publication;
use zhanqun_store::figures::{Granularity, publishing_figures, publishing_total};

use crate::api::{ApiResult, ok};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

#[derive(Debug, serde::Deserialize)]
struct ChecksQuery {
    page: Option<String>,
    per_page: Option<String>,
}

/// Sites a page of `GET /api/v1/stats/checks` holds unless `per_page` says otherwise (at most
/// `CHECKS_MAX_PER_PAGE`): a province's full list is megabytes.
const CHECKS_PER_PAGE: usize = 100;
const CHECKS_MAX_PER_PAGE: usize = 500;

async fn checks(State(app): State<Arc<App>>, a: Authed, Query(q): Query<ChecksQuery>) -> ApiResult {
    let page = zhanqun_core::Page::parse(q.page.as_deref())?;
    let per_page = match q.per_page.as_deref() {
        None => CHECKS_PER_PAGE,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=CHECKS_MAX_PER_PAGE).contains(&n) => n,
            _ => {
                return Err(Error::invalid(format!(
                    "参数 per_page“{}”无效：应为 1 到 {CHECKS_MAX_PER_PAGE} 的整数",
                    v.chars().take(20).collect::<String>()
                ))
                .into());
            }
        },
    };
    let (at, visible) = app.checks_for(&a.actor.principal).await?;
    let rows = page
        .rows(visible.len(), per_page)
        .ok_or_else(|| Error::not_found("页码超出范围"))?;
    Ok(ok(json!({
        "checked_at": at,
        "total": visible.len(),
        "failing": visible.iter().filter(|s| s.fails).count(),
        "page": page.number(),
        "per_page": per_page,
        "pages": zhanqun_core::Page::count(visible.len(), per_page),
        "sites": &visible[rows],
    })))
}

pub fn routes(r: Routes) -> Routes {
    let r = r.answering(crate::auth::Shape::Json);
    r.get(
        "/api/v1/stats/checks",
        Access::Session,
        "网站检查指标（省级监管员看全部网站）",
        checks,
    )
    .get(
        "/api/v1/stats/sites/{id}/figures",
        Access::Session,
        "网站发布数据（按日、周、月、年，可按栏目、单位）",
        site_figures,
    )
}

#[derive(Debug, serde::Deserialize)]
struct FiguresQuery {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
    column: Option<i64>,
    unit: Option<i64>,
}

fn day_param(name: &str, v: Option<&str>, default: NaiveDate) -> Result<NaiveDate, Error> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| Error::invalid(format!("参数 {name}“{s}”不是日期，请写成 YYYY-MM-DD"))),
    }
}

/// `GET /api/v1/stats/sites/{id}/figures`: a site's publishing figures per day, week, month or
/// year (`by`), optionally of one column or unit, from `from` to `to` (Beijing days, default
/// the last 30), with the period's visits, reprints (and their delays) and submissions.
async fn site_figures(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<FiguresQuery>,
) -> ApiResult {
    let p = &a.actor.principal;
    let site = id;
    let visible = p.may_on_site(Act::Read, site);
    let s = match app.store().site(site).await? {
        Some(s) if visible => s,
        _ => return Err(Error::not_found("网站不存在或无权查看").into()),
    };
    let today = china_day(zhanqun_store::now());
    let to = day_param("to", q.to.as_deref(), today)?;
    let from = day_param("from", q.from.as_deref(), to - Duration::days(29))?;
    if from > to || (to - from).num_days() > 3660 {
        return Err(Error::invalid("from 须不晚于 to，且跨度不超过 10 年").into());
    }
    let by = Granularity::parse(q.by.as_deref().unwrap_or("day"))?;
    let start = zhanqun_core::beijing::start_of;
    let (t0, t1) = (start(from), start(to + Duration::days(1)));
    let pubs = app.store().publications(site, None, t0, t1).await?;
    let chosen: Vec<&Publication> = pubs
        .iter()
        .filter(|x| q.column.is_none_or(|c| x.column_id.0 == c))
        .filter(|x| q.unit.is_none_or(|u| x.unit_id.map(|i| i.0) == Some(u)))
        .collect();
    let reprints = app
        .store()
        .reprint_figures(
            site,
            t0,
            t1,
            &app.config().deadlines(),
            zhanqun_store::now(),
        )
        .await?;
    let submissions = app.store().submission_figures(site, t0, t1).await?;
    let visits = app.store().visit_totals(Some(site), from, to).await?;
    Ok(ok(json!({
        "site": {"id": id, "code": s.code.as_str(), "name": s.name},
        "from": from, "to": to, "by": by,
        "column": q.column, "unit": q.unit,
        "total": publishing_total(&chosen),
        "figures": publishing_figures(&chosen, by),
        "visits": visits,
        "reprints": reprints,
        "submissions": submissions,
    })))
}
