//! 留言统计: letters per site (the province auditor sees every site, a site's office its own)
//! and per unit within one site, for a year: received, answered, on time, open and overdue now,
//! the mean working time and the writers' satisfaction; the same table as CSV.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::{Error, SiteId};
use zhanqun_store::figures::{LetterStat, beijing_year};

use super::{PageError, PageResult, Query, page, render};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

#[derive(Deserialize)]
struct StatsQuery {
    site: Option<String>,
    year: Option<String>,
}

/// The rows the caller may see for the query, the year and the site picked (if any).
async fn visible(
    app: &App,
    a: &Authed,
    q: &StatsQuery,
) -> Result<(Vec<LetterStat>, i32, Option<SiteId>), PageError> {
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
        return Err(
            Error::forbidden("留言统计供网站办公室（网站管理员、审核员）和省级监管员查看").into(),
        );
    }
    if let Some(s) = site
        && !(p.sees_every_site() || office.contains(&s))
    {
        return Err(Error::not_found("网站不存在").into());
    }
    let scope: Option<Vec<SiteId>> = match site {
        Some(s) => Some(vec![s]),
        None if p.sees_every_site() => None,
        None => Some(office),
    };
    let rows = app
        .store()
        .letter_stats(scope.as_deref(), site.is_some(), from, to, now)
        .await?;
    Ok((rows, year, site))
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
                "rating": r.mean_rating.map(|x| format!("{x:.1}")), "rated": r.rated,
            })
        })
        .collect();
    let query = format!(
        "year={year}{}",
        site.map(|s| format!("&site={}", s.0)).unwrap_or_default()
    );
    Ok(render(
        "letter_stats.html",
        page(
            Some(&a),
            "letters",
            "留言统计",
            json!({ "rows": view, "year": year, "by_unit": site.is_some(),
                    "site_name": rows.first().map(|r| r.site.clone()), "query": query }),
        ),
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
            r.rated.to_string(),
            r.mean_rating.map(|x| format!("{x:.1}")).unwrap_or_default(),
        ];
        w.row(cells.iter().map(String::as_str))?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"letters.csv\"",
            ),
        ],
        w.finish()?,
    )
        .into_response())
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
}
