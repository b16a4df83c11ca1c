//! 留言统计 and 网上办事统计, for a year, per site (the province auditor sees every site, a
//! site's office its own) and per unit within one site, each also as CSV. Letters: received,
//! answered, on time, open and overdue now, the mean time and the writers' satisfaction. Online
//! applications: received, accepted, refused, finished and finished within the guide's promised
//! limit, open and past it now, the mean time from acceptance to the result.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::{Error, SiteId};
use zhanqun_store::figures::{ApplicationStat, LetterStat, beijing_year};

use super::{PageError, PageResult, Query, csv_download, interaction_page};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

#[derive(Deserialize)]
struct StatsQuery {
    site: Option<String>,
    year: Option<String>,
}

/// What the caller may see for the query: the sites (`None`: every site), the year with its
/// bounds, and the site picked (if any).
struct Scope {
    sites: Option<Vec<SiteId>>,
    year: i32,
    period: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    site: Option<SiteId>,
}

/// The letters' rows the caller may see for the query, the year and the site picked (if any).
async fn visible(
    app: &App,
    a: &Authed,
    q: &StatsQuery,
) -> Result<(Vec<LetterStat>, i32, Option<SiteId>), PageError> {
    let sc = scope(a, q, "留言统计")?;
    let (from, to) = sc.period;
    let rows = app
        .store()
        .letter_stats(
            sc.sites.as_deref(),
            sc.site.is_some(),
            &app.config().calendar(),
            from,
            to,
            zhanqun_store::now(),
        )
        .await?;
    Ok((rows, sc.year, sc.site))
}

/// The applications' rows the caller may see for the query, with the scope.
async fn visible_applications(
    app: &App,
    a: &Authed,
    q: &StatsQuery,
) -> Result<(Vec<ApplicationStat>, Scope), PageError> {
    let sc = scope(a, q, "网上办事统计")?;
    let rows = app
        .store()
        .application_stats(
            sc.sites.as_deref(),
            sc.site.is_some(),
            sc.period,
            zhanqun_store::now(),
            &app.config().calendar(),
        )
        .await?;
    Ok((rows, sc))
}

/// Who sees what: the province auditor every site, a site's office (its administrators and
/// reviewers) its own sites; a year and a site as the query asks.
fn scope(a: &Authed, q: &StatsQuery, what: &str) -> Result<Scope, PageError> {
    let p = &a.actor.principal;
    let now = zhanqun_store::now();
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => zhanqun_core::beijing::year(now),
        Some(y) => y
            .parse::<i32>()
            .map_err(|_| Error::invalid("年份应为四位数字，例如 2026"))?,
    };
    let (from, to) = beijing_year(year)?;
    let site = match q.site.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(SiteId(
            s.parse::<i64>()
                .map_err(|_| Error::invalid("网站参数无效"))?,
        )),
    };
    let office = p.letter_office_sites();
    if !p.sees_every_site() && office.is_empty() {
        return Err(Error::forbidden(format!(
            "{what}供网站办公室（网站管理员、审核员）和省级监管员查看"
        ))
        .into());
    }
    if let Some(s) = site
        && !(p.sees_every_site() || office.contains(&s))
    {
        return Err(Error::not_found("网站不存在").into());
    }
    let sites: Option<Vec<SiteId>> = match site {
        Some(s) => Some(vec![s]),
        None if p.sees_every_site() => None,
        None => Some(office),
    };
    Ok(Scope {
        sites,
        year,
        period: (from, to),
        site,
    })
}

fn days(v: Option<f64>) -> String {
    v.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into())
}

async fn stats_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<StatsQuery>,
) -> PageResult {
    let (rows, year, site) = visible(&app, &a, &q).await?;
    let view: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "site_id": r.site_id, "code": r.code, "site": r.site,
                "unit": r.unit.as_deref().unwrap_or("网站办公室／未转办"),
                "received": r.received, "answered": r.answered, "on_time": r.on_time,
                "open": r.open, "overdue": r.overdue, "mean_days": days(r.mean_days),
                "mean_working_days": days(r.mean_working_days),
                "rating": r.mean_rating.map(|x| format!("{x:.1}")), "rated": r.rated,
            })
        })
        .collect();
    let query = format!(
        "year={year}{}",
        site.map(|s| format!("&site={}", s.0)).unwrap_or_default()
    );
    Ok(interaction_page(
        &a,
        "letter_stats.html",
        "留言统计",
        json!({ "rows": view, "year": year, "by_unit": site.is_some(),
                "site_name": rows.first().map(|r| r.site.clone()), "query": query }),
    ))
}

async fn stats_csv(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<StatsQuery>,
) -> Result<Response, PageError> {
    let (rows, year, _) = visible(&app, &a, &q).await?;
    let mut w = zhanqun_report::csv::Csv::new();
    w.row([
        "年度",
        "网站标识码",
        "网站名称",
        "承办单位",
        "收到",
        "办结",
        "按时办结",
        "未办结",
        "已超期",
        "平均办理天数",
        "平均办理工作日",
        "评价数",
        "平均满意度",
    ])?;
    for r in &rows {
        let cells = [
            year.to_string(),
            r.code.clone(),
            r.site.clone(),
            r.unit.clone().unwrap_or_default(),
            r.received.to_string(),
            r.answered.to_string(),
            r.on_time.to_string(),
            r.open.to_string(),
            r.overdue.to_string(),
            days(r.mean_days),
            days(r.mean_working_days),
            r.rated.to_string(),
            r.mean_rating.map(|x| format!("{x:.1}")).unwrap_or_default(),
        ];
        w.row(cells.iter().map(String::as_str))?;
    }
    Ok(csv_download("letters.csv", w.finish()?))
}

async fn applications_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<StatsQuery>,
) -> PageResult {
    let (rows, sc) = visible_applications(&app, &a, &q).await?;
    let view: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "site_id": r.site_id, "site": r.site,
                "unit": r.unit.as_deref().unwrap_or("未指定办理部门"),
                "received": r.received, "accepted": r.accepted, "refused": r.refused,
                "done": r.done, "on_time": r.on_time, "open": r.open, "overdue": r.overdue,
                "mean_days": days(r.mean_days),
            })
        })
        .collect();
    let query = format!(
        "year={}{}",
        sc.year,
        sc.site
            .map(|s| format!("&site={}", s.0))
            .unwrap_or_default()
    );
    Ok(interaction_page(
        &a,
        "application_stats.html",
        "网上办事统计",
        json!({ "rows": view, "year": sc.year, "by_unit": sc.site.is_some(),
                "site_name": rows.first().map(|r| r.site.clone()), "query": query }),
    ))
}

async fn applications_csv(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<StatsQuery>,
) -> Result<Response, PageError> {
    let (rows, sc) = visible_applications(&app, &a, &q).await?;
    let mut w = zhanqun_report::csv::Csv::new();
    w.row([
        "年度",
        "网站标识码",
        "网站名称",
        "办理部门",
        "收到申请",
        "受理",
        "不予受理",
        "办结",
        "承诺时限内办结",
        "未办结",
        "超过承诺时限",
        "平均办理天数",
    ])?;
    for r in &rows {
        let cells = [
            sc.year.to_string(),
            r.code.clone(),
            r.site.clone(),
            r.unit.clone().unwrap_or_default(),
            r.received.to_string(),
            r.accepted.to_string(),
            r.refused.to_string(),
            r.done.to_string(),
            r.on_time.to_string(),
            r.open.to_string(),
            r.overdue.to_string(),
            days(r.mean_days),
        ];
        w.row(cells.iter().map(String::as_str))?;
    }
    Ok(csv_download("applications.csv", w.finish()?))
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get(
        "/stats/letters",
        Session,
        "留言统计（按网站、按承办单位）",
        stats_page,
    )
    .get(
        "/stats/letters.csv",
        Session,
        "导出留言统计（CSV）",
        stats_csv,
    )
    .get(
        "/stats/applications",
        Session,
        "网上办事统计（按网站、按办理部门）",
        applications_page,
    )
    .get(
        "/stats/applications.csv",
        Session,
        "导出网上办事统计（CSV）",
        applications_csv,
    )
}
