//! Statistics dashboards: the province overview (sites by kind, check status, visits and
//! publishing trends, reprint timeliness, every site in a table), a site's drill-down (its
//! trends, columns, units, most read articles, findings), a column's drill-down, and the annual
//! reports (工作年度报表) with their CSV / XLSX downloads and one-action publishing.
//!
//! The province auditor sees every site, read-only; everyone else sees the sites they hold a
//! role on; only a site's administrator publishes its report. Charts are server-side SVG
//! (`zhanqun_report::charts`); every table has a CSV export.

mod overview;
mod reports;
mod site;

use overview::*;
use reports::*;
use site::*;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};
use zhanqun_core::checks::Verdict;
use zhanqun_core::visits::{PageKind, china_day};
use zhanqun_core::{ColumnId, ColumnKind, Error, Site, SiteId};
use zhanqun_store::Publication;
use zhanqun_store::figures::{
    PublishingFigures, ReprintFigures, SubmissionFigures, beijing_year, publishing_total,
};

use super::{
    Notice, PageError, PageResult, Path, Query, csv_download, page, paged, refusal_page, render,
    with_status,
};
use crate::auth::{Access, Authed, Routes};
use zhanqun_report::charts::{self, Series};
use zhanqun_web::App;

const BLUE: &str = "#1f5fae";
const GREEN: &str = "#2e8b57";
const ORANGE: &str = "#d2691e";

/// Whether the account sees every site (the province auditor).
fn sees_all(a: &Authed) -> bool {
    a.actor.principal.sees_every_site()
}

fn may_see(a: &Authed, site: SiteId) -> bool {
    a.actor.principal.sees_site(site)
}

fn is_site_admin(a: &Authed, site: SiteId) -> bool {
    a.actor.principal.is_site_admin(site)
}

async fn visible_sites(app: &App, a: &Authed) -> zhanqun_core::Result<Vec<Site>> {
    Ok(app
        .sites()
        .await?
        .iter()
        .filter(|s| may_see(a, s.id))
        .cloned()
        .collect())
}

async fn site_or_404(app: &App, a: &Authed, id: i64) -> Result<Site, PageError> {
    match app.store().site(SiteId(id)).await? {
        Some(s) if may_see(a, s.id) => Ok(s),
        _ => Err(PageError(Error::not_found("网站不存在或无权查看"))),
    }
}

#[derive(Debug, Deserialize)]
struct PeriodQuery {
    days: Option<i64>,
    /// The page of the overview's list of sites.
    page: Option<String>,
}

/// The period of a dashboard: the last `days` Beijing days up to today (7, 30, 90 or 365).
struct Period {
    days: i64,
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    fn of(q: &PeriodQuery) -> Period {
        let days = q
            .days
            .filter(|d| [7, 30, 90, 365].contains(d))
            .unwrap_or(30);
        let to = china_day(zhanqun_store::now());
        Period {
            days,
            from: to - Duration::days(days - 1),
            to,
        }
    }

    /// `[start, end)` in UTC.
    fn instants(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = zhanqun_core::beijing::start_of;
        (start(self.from), start(self.to + Duration::days(1)))
    }

    fn dates(&self) -> Vec<NaiveDate> {
        self.from
            .iter_days()
            .take_while(|d| *d <= self.to)
            .collect()
    }

    fn labels(&self) -> Vec<String> {
        self.dates()
            .iter()
            .map(|d| d.format("%m-%d").to_string())
            .collect()
    }
}

/// The twelve months up to this one, as (year, month).
fn last_twelve_months() -> Vec<(i32, u32)> {
    let today = china_day(zhanqun_store::now());
    let (mut y, mut m) = (today.year(), today.month());
    let mut out = Vec::new();
    for _ in 0..12 {
        out.push((y, m));
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}

fn month_start(y: i32, m: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, m, 1)
        .map(zhanqun_core::beijing::start_of)
        .unwrap_or_default()
}

/// Distinct articles per month of the last twelve.
fn per_month(pubs: &[&Publication], months: &[(i32, u32)]) -> Vec<i64> {
    months
        .iter()
        .map(|(y, m)| {
            pubs.iter()
                .filter(|p| {
                    let d = china_day(p.at);
                    d.year() == *y && d.month() == *m
                })
                .map(|p| (p.site_id, p.article_id))
                .collect::<BTreeSet<_>>()
                .len() as i64
        })
        .collect()
}

fn csv_response(name: &str, rows: Vec<Vec<String>>) -> Result<Response, PageError> {
    // Several tables in one file: records of different lengths, blank lines between.
    let mut w = zhanqun_report::csv::Csv::new();
    for r in rows {
        w.row(r)?;
    }
    Ok(csv_download(name, w.finish()?))
}

fn kind_label(s: &Site) -> &'static str {
    s.kind.label()
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/stats", Session, "统计概览", overview)
        .get(
            "/stats/sites.csv",
            Session,
            "导出各网站统计（CSV）",
            overview_csv,
        )
        .get("/stats/sites/{id}", Session, "网站统计", site_page)
        .get(
            "/stats/sites/{id}/columns.csv",
            Session,
            "导出网站栏目统计（CSV）",
            site_csv,
        )
        .get(
            "/stats/sites/{id}/columns/{column}",
            Session,
            "栏目统计",
            column_page,
        )
        .get(
            "/stats/sites/{id}/columns/{column}/stats.csv",
            Session,
            "导出栏目统计（CSV）",
            column_csv,
        )
        .get("/stats/reports", Session, "网站工作年度报表", reports_page)
        .get(
            "/stats/sites/{id}/report",
            Session,
            "网站年度报表",
            report_page,
        )
        .get(
            "/stats/sites/{id}/report.csv",
            Session,
            "下载年度报表（CSV）",
            report_csv,
        )
        .get(
            "/stats/sites/{id}/report.xlsx",
            Session,
            "下载年度报表（XLSX）",
            report_xlsx,
        )
        .post(
            "/stats/sites/{id}/report/publish",
            Session,
            "发布年度报表到信息公开栏目",
            report_publish,
        )
}
