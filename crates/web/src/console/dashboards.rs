//! Statistics dashboards: the province overview (sites by kind, check status, visits and
//! publishing trends, reprint timeliness, every site in a table), a site's drill-down (its
//! trends, columns, units, most read articles, findings), a column's drill-down, and the annual
//! reports (工作年度报表) with their CSV / XLSX downloads and one-action publishing.
//!
//! The province auditor sees every site, read-only; everyone else sees the sites they hold a
//! role on; only a site's administrator publishes its report. Charts are server-side SVG
//! (`crate::charts`); every table has a CSV export.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};
use zhanqun_core::checks::Verdict;
use zhanqun_core::visits::{PageKind, china_day};
use zhanqun_core::{ArticleId, ColumnId, ColumnKind, Error, Site, SiteId};
use zhanqun_store::Publication;
use zhanqun_store::figures::{
    PublishingFigures, ReprintFigures, SubmissionFigures, beijing_year, publishing_total,
};

use super::{PageError, PageResult, Path, Query, page, paged, render, with_status};
use crate::App;
use crate::auth::{Access, Authed, Routes};
use zhanqun_report::charts::{self, Series};

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
        .store()
        .list_sites()
        .await?
        .into_iter()
        .filter(|s| may_see(a, s.id))
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

/// Distinct (site, article) per Beijing day, of (site, article, when) appearances.
fn per_day_of(
    appearances: impl Iterator<Item = (SiteId, ArticleId, DateTime<Utc>)>,
    dates: &[NaiveDate],
) -> Vec<i64> {
    let mut seen: BTreeMap<NaiveDate, BTreeSet<(SiteId, i64)>> = BTreeMap::new();
    for (site, article, at) in appearances {
        seen.entry(china_day(at))
            .or_default()
            .insert((site, article.0));
    }
    dates
        .iter()
        .map(|d| seen.get(d).map(|s| s.len() as i64).unwrap_or(0))
        .collect()
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
    let body = w.finish()?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

fn kind_label(s: &Site) -> &'static str {
    s.kind.label()
}

// ---- the province overview ----------------------------------------------------------------

struct SiteLine {
    id: i64,
    code: String,
    name: String,
    kind: &'static str,
    views: i64,
    articles: i64,
    reprints: i64,
    late: i64,
    verdict: zhanqun_core::checks::Verdict,
    findings: usize,
}

struct Overview {
    period: Period,
    lines: Vec<SiteLine>,
    kinds: Vec<(&'static str, usize)>,
    failing: usize,
    with_findings: usize,
    views: Vec<i64>,
    visitors: Vec<i64>,
    visitors_note: &'static str,
    published: Vec<i64>,
    reprints: i64,
    late: i64,
    pending: i64,
}

async fn overview_data(app: &App, a: &Authed, q: &PeriodQuery) -> zhanqun_core::Result<Overview> {
    let period = Period::of(q);
    let (from, to) = period.instants();
    let sites = visible_sites(app, a).await?;
    let ids: BTreeSet<SiteId> = sites.iter().map(|s| s.id).collect();
    let mut kinds: BTreeMap<&'static str, usize> = BTreeMap::new();
    for s in &sites {
        *kinds.entry(kind_label(s)).or_default() += 1;
    }
    let checks: HashMap<SiteId, (bool, usize)> = app
        .checks_for(&a.actor.principal)
        .await?
        .1
        .into_iter()
        .filter(|c| ids.contains(&c.site_id))
        .map(|c| (c.site_id, (c.fails, c.findings.len())))
        .collect();
    let dates = period.dates();
    // Visits: the province's merged days for the auditor; otherwise the own sites' days added
    // (a person visiting two of them counts twice there, and the page says so).
    let (views, visitors, visitors_note) = if sees_all(a) {
        let days: HashMap<NaiveDate, (i64, i64)> = app
            .store()
            .visit_days(None, period.from, period.to)
            .await?
            .into_iter()
            .map(|d| (d.day, (d.views, d.visitors)))
            .collect();
        let v = dates
            .iter()
            .map(|d| days.get(d).map(|x| x.0).unwrap_or(0))
            .collect();
        let u = dates
            .iter()
            .map(|d| days.get(d).map(|x| x.1).unwrap_or(0))
            .collect();
        (v, u, "全省去重")
    } else {
        let mut v = vec![0; dates.len()];
        let mut u = vec![0; dates.len()];
        for s in &ids {
            for d in app
                .store()
                .visit_days(Some(*s), period.from, period.to)
                .await?
            {
                if let Some(i) = dates.iter().position(|x| *x == d.day) {
                    v[i] += d.views;
                    u[i] += d.visitors;
                }
            }
        }
        (v, u, "各网站访客数之和")
    };
    let site_views = app.store().views_by_site(period.from, period.to).await?;
    let seen = app.store().appearances(from, to).await?;
    let mine = || seen.iter().filter(|p| ids.contains(&p.0)).copied();
    let published = per_day_of(mine(), &dates);
    let mut articles: HashMap<SiteId, BTreeSet<i64>> = HashMap::new();
    for (site, article, _) in mine() {
        articles.entry(site).or_default().insert(article.0);
    }
    let deadlines = app.config().deadlines();
    let now = zhanqun_store::now();
    let mut reprints: HashMap<i64, (i64, i64)> = HashMap::new();
    let (mut total, mut late, mut pending) = (0, 0, 0);
    for d in app.store().delivery_times_since(from).await? {
        if !ids.contains(&SiteId(d.site_id)) {
            continue;
        }
        let e = reprints.entry(d.site_id).or_default();
        e.0 += 1;
        total += 1;
        if deadlines
            .standing(d.source_published_at, d.placed_at, now)
            .is_late()
        {
            e.1 += 1;
            late += 1;
        }
        if d.state == "pending" {
            pending += 1;
        }
    }
    let mut lines: Vec<SiteLine> = sites
        .iter()
        .map(|s| {
            let (_, findings) = checks.get(&s.id).copied().unwrap_or((false, 0));
            let r = reprints.get(&s.id.0).copied().unwrap_or((0, 0));
            SiteLine {
                id: s.id.0,
                code: s.code.to_string(),
                name: s.name.clone(),
                kind: kind_label(s),
                views: site_views.get(&s.id).copied().unwrap_or(0),
                articles: articles.get(&s.id).map(|a| a.len() as i64).unwrap_or(0),
                reprints: r.0,
                late: r.1,
                verdict: zhanqun_core::checks::Verdict::of(checks.get(&s.id).copied()),
                findings,
            }
        })
        .collect();
    // Failing sites first, then the most visited.
    lines.sort_by(|x, y| {
        (x.verdict != Verdict::Fails)
            .cmp(&(y.verdict != Verdict::Fails))
            .then(y.views.cmp(&x.views))
            .then(x.code.cmp(&y.code))
    });
    Ok(Overview {
        failing: checks.values().filter(|c| c.0).count(),
        with_findings: checks.values().filter(|c| c.1 > 0).count(),
        kinds: kinds.into_iter().collect(),
        period,
        lines,
        views,
        visitors,
        visitors_note,
        published,
        reprints: total,
        late,
        pending,
    })
}

async fn overview(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    let o = overview_data(&app, &a, &q).await?;
    let labels = o.period.labels();
    let visits_chart = charts::lines(
        &format!("近 {} 天访问量", o.period.days),
        &labels,
        &[
            Series {
                name: "浏览量",
                values: o.views.clone(),
                colour: BLUE,
            },
            Series {
                name: "访客数",
                values: o.visitors.clone(),
                colour: GREEN,
            },
        ],
    );
    let publish_chart = charts::bars(
        &format!("近 {} 天信息发布量", o.period.days),
        &labels,
        &[Series {
            name: "发布信息（条）",
            values: o.published.clone(),
            colour: ORANGE,
        }],
    );
    let (shown, paging) = paged(
        &o.lines,
        q.page.as_deref(),
        &format!("/stats?days={}", o.period.days),
    )?;
    let lines: Vec<JsonValue> = shown
        .iter()
        .map(|l| {
            json!({
                "id": l.id, "code": l.code, "name": l.name, "kind": l.kind, "views": l.views,
                "articles": l.articles, "reprints": l.reprints, "late": l.late,
                "verdict": l.verdict.label(), "findings": l.findings,
            })
        })
        .collect();
    let on_time = if o.reprints > 0 {
        format!(
            "{:.1}%",
            100.0 * (o.reprints - o.late) as f64 / o.reprints as f64
        )
    } else {
        "—".into()
    };
    Ok(render(
        "stats_overview.html",
        page(
            Some(&a),
            "dashboard",
            "统计概览",
            json!({
                "days": o.period.days, "from": o.period.from, "to": o.period.to,
                "sees_all": sees_all(&a), "kinds": o.kinds, "sites": lines, "paging": paging,
                "site_count": o.lines.len(),
                "failing": o.failing, "with_findings": o.with_findings,
                "views": o.views.iter().sum::<i64>(), "published": o.published.iter().sum::<i64>(),
                "visitors_note": o.visitors_note,
                "reprints": o.reprints, "late": o.late, "pending": o.pending, "on_time": on_time,
                "visits_chart": visits_chart, "publish_chart": publish_chart,
            }),
        ),
    ))
}

async fn overview_csv(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let o = overview_data(&app, &a, &q).await?;
    let mut rows = vec![vec![
        "网站标识码".to_string(),
        "网站名称".into(),
        "类型".into(),
        format!("浏览量（{} 至 {}）", o.period.from, o.period.to),
        "发布信息（条）".into(),
        "转载（条）".into(),
        "其中超时（条）".into(),
        "检查结论".into(),
        "问题数".into(),
    ]];
    for l in &o.lines {
        rows.push(vec![
            l.code.clone(),
            l.name.clone(),
            l.kind.into(),
            l.views.to_string(),
            l.articles.to_string(),
            l.reprints.to_string(),
            l.late.to_string(),
            l.verdict.label().into(),
            l.findings.to_string(),
        ]);
    }
    rows.push(vec![]);
    rows.push(vec![
        "日期".into(),
        "浏览量".into(),
        format!("访客数（{}）", o.visitors_note),
        "发布信息（条）".into(),
    ]);
    for (i, d) in o.period.dates().iter().enumerate() {
        rows.push(vec![
            d.to_string(),
            o.views[i].to_string(),
            o.visitors[i].to_string(),
            o.published[i].to_string(),
        ]);
    }
    csv_response("stats-sites.csv", rows)
}

// ---- a site -----------------------------------------------------------------------------------

struct ColumnLine {
    id: i64,
    name: String,
    path: String,
    category: &'static str,
    articles: i64,
    year: i64,
    last: Option<DateTime<Utc>>,
    views: i64,
}

struct SiteData {
    period: Period,
    views: Vec<i64>,
    visitors: Vec<i64>,
    total_views: i64,
    total_visitors: i64,
    year_views: i64,
    year_visitors: i64,
    months: Vec<(i32, u32)>,
    monthly: Vec<i64>,
    columns: Vec<ColumnLine>,
    units: Vec<(String, i64, i64)>,
    top: Vec<(i64, String, i64)>,
    figures: PublishingFigures,
    reprints: ReprintFigures,
    submissions: SubmissionFigures,
}

async fn site_data(app: &App, site: &Site, q: &PeriodQuery) -> zhanqun_core::Result<SiteData> {
    let store = app.store();
    let period = Period::of(q);
    let (from, to) = period.instants();
    let dates = period.dates();
    let days: HashMap<NaiveDate, (i64, i64)> = store
        .visit_days(Some(site.id), period.from, period.to)
        .await?
        .into_iter()
        .map(|d| (d.day, (d.views, d.visitors)))
        .collect();
    let totals = store
        .visit_totals(Some(site.id), period.from, period.to)
        .await?;
    let today = china_day(zhanqun_store::now());
    let jan1 = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let year = store.visit_totals(Some(site.id), jan1, today).await?;
    let months = last_twelve_months();
    let (first_month, _) = months.first().copied().unwrap_or((today.year(), 1));
    let since = month_start(first_month, months.first().map(|m| m.1).unwrap_or(1));
    let pubs = store.publications(Some(site.id), since, to).await?;
    let all: Vec<&Publication> = pubs.iter().collect();
    let monthly = per_month(&all, &months);
    let (year_start, _) = beijing_year(today.year())?;
    let activity = store
        .column_activity(Some(site.id), zhanqun_store::now())
        .await?;
    let col_views: HashMap<i64, i64> = store
        .page_views(
            site.id,
            Some(PageKind::Column),
            period.from,
            period.to,
            10_000,
        )
        .await?
        .into_iter()
        .map(|p| (p.target_id, p.views))
        .collect();
    let count = |f: &dyn Fn(&Publication) -> bool| {
        pubs.iter()
            .filter(|p| f(p))
            .map(|p| p.article_id)
            .collect::<BTreeSet<_>>()
            .len() as i64
    };
    let columns = store
        .columns(site.id)
        .await?
        .into_iter()
        .filter(|c| c.kind != ColumnKind::Link)
        .map(|c| ColumnLine {
            id: c.id.0,
            articles: count(&|p| p.column_id == c.id && p.at >= from),
            year: count(&|p| p.column_id == c.id && p.at >= year_start),
            last: activity.get(&c.id).and_then(|x| x.last_update),
            views: col_views.get(&c.id.0).copied().unwrap_or(0),
            category: c.update_category.label(),
            path: c.path.as_str().to_string(),
            name: c.name,
        })
        .collect();
    let units = store
        .units(site.id)
        .await?
        .into_iter()
        .map(|(id, name)| {
            (
                name,
                count(&|p| p.unit_id == Some(id) && p.at >= from),
                count(&|p| p.unit_id == Some(id) && p.at >= year_start),
            )
        })
        .collect();
    let in_period: Vec<&Publication> = pubs.iter().filter(|p| p.at >= from).collect();
    let figures = publishing_total(&in_period);
    let reprints = store
        .reprint_figures(
            site.id,
            from,
            to,
            &app.config().deadlines(),
            zhanqun_store::now(),
        )
        .await?;
    let submissions = store.submission_figures(site.id, from, to).await?;
    let mut top = Vec::new();
    for pv in store
        .page_views(site.id, Some(PageKind::Article), period.from, period.to, 10)
        .await?
    {
        let title = store
            .article(zhanqun_core::ArticleId(pv.target_id))
            .await?
            .map(|a| a.title)
            .unwrap_or_else(|| "（已删除）".into());
        top.push((pv.target_id, title, pv.views));
    }
    Ok(SiteData {
        views: dates
            .iter()
            .map(|d| days.get(d).map(|x| x.0).unwrap_or(0))
            .collect(),
        visitors: dates
            .iter()
            .map(|d| days.get(d).map(|x| x.1).unwrap_or(0))
            .collect(),
        total_views: totals.views,
        total_visitors: totals.visitors,
        year_views: year.views,
        year_visitors: year.visitors,
        period,
        months,
        monthly,
        columns,
        units,
        top,
        figures,
        reprints,
        submissions,
    })
}

async fn site_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    let site = site_or_404(&app, &a, id).await?;
    let d = site_data(&app, &site, &q).await?;
    let labels = d.period.labels();
    let visits_chart = charts::lines(
        &format!("{}近 {} 天访问量", site.name, d.period.days),
        &labels,
        &[
            Series {
                name: "浏览量",
                values: d.views.clone(),
                colour: BLUE,
            },
            Series {
                name: "访客数",
                values: d.visitors.clone(),
                colour: GREEN,
            },
        ],
    );
    let month_labels: Vec<String> = d
        .months
        .iter()
        .map(|(y, m)| format!("{y}-{m:02}"))
        .collect();
    let publish_chart = charts::bars(
        &format!("{}近 12 个月信息发布量", site.name),
        &month_labels,
        &[Series {
            name: "发布信息（条）",
            values: d.monthly.clone(),
            colour: ORANGE,
        }],
    );
    let checks = app
        .store()
        .site_checks(
            Some(site.id),
            zhanqun_store::now(),
            &app.config().checks,
            &app.config().deadlines(),
        )
        .await?;
    let columns: Vec<JsonValue> = d
        .columns
        .iter()
        .map(|c| {
            json!({"id": c.id, "name": c.name, "path": c.path, "category": c.category,
                   "articles": c.articles, "year": c.year, "last": c.last, "views": c.views})
        })
        .collect();
    Ok(render(
        "stats_site.html",
        page(
            Some(&a),
            "dashboard",
            &format!("{} 统计", site.name),
            json!({
                "site": site, "days": d.period.days, "from": d.period.from, "to": d.period.to,
                "views": d.total_views, "visitors": d.total_visitors,
                "year_views": d.year_views, "year_visitors": d.year_visitors,
                "visits_chart": visits_chart, "publish_chart": publish_chart,
                "columns": columns, "units": d.units, "top": d.top,
                "figures": d.figures, "reprints": d.reprints, "submissions": d.submissions,
                "check": checks.first(), "year": china_day(zhanqun_store::now()).year(),
            }),
        ),
    ))
}

async fn site_csv(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let site = site_or_404(&app, &a, id).await?;
    let d = site_data(&app, &site, &q).await?;
    let mut rows = vec![vec![
        "栏目".to_string(),
        "路径".into(),
        "更新类别".into(),
        format!("发布信息（{} 至 {}）", d.period.from, d.period.to),
        "本年发布信息".into(),
        "最后更新".into(),
        "栏目页浏览量".into(),
    ]];
    for c in &d.columns {
        rows.push(vec![
            c.name.clone(),
            c.path.clone(),
            c.category.into(),
            c.articles.to_string(),
            c.year.to_string(),
            c.last.map(|t| china_day(t).to_string()).unwrap_or_default(),
            c.views.to_string(),
        ]);
    }
    rows.push(vec![]);
    rows.push(vec![
        "单位".into(),
        "".into(),
        "".into(),
        "发布信息".into(),
        "本年发布信息".into(),
    ]);
    for (name, n, y) in &d.units {
        rows.push(vec![
            name.clone(),
            "".into(),
            "".into(),
            n.to_string(),
            y.to_string(),
        ]);
    }
    rows.push(vec![]);
    rows.push(vec!["日期".into(), "浏览量".into(), "访客数".into()]);
    for (i, day) in d.period.dates().iter().enumerate() {
        rows.push(vec![
            day.to_string(),
            d.views[i].to_string(),
            d.visitors[i].to_string(),
        ]);
    }
    csv_response(&format!("stats-{}.csv", site.code), rows)
}

// ---- a column --------------------------------------------------------------------------------

async fn column_data(
    app: &App,
    site: &Site,
    column: i64,
    q: &PeriodQuery,
) -> zhanqun_core::Result<(
    zhanqun_core::Column,
    Period,
    Vec<(i32, u32)>,
    Vec<i64>,
    Vec<i64>,
    Vec<JsonValue>,
)> {
    let store = app.store();
    let col = store
        .columns(site.id)
        .await?
        .into_iter()
        .find(|c| c.id == ColumnId(column))
        .ok_or_else(|| Error::not_found("栏目不存在"))?;
    let period = Period::of(q);
    let months = last_twelve_months();
    let (y0, m0) = months.first().copied().unwrap_or((2000, 1));
    let (_, to) = period.instants();
    let pubs = store
        .publications(Some(site.id), month_start(y0, m0), to)
        .await?;
    let mine: Vec<&Publication> = pubs.iter().filter(|p| p.column_id == col.id).collect();
    let monthly = per_month(&mine, &months);
    let by_day: HashMap<NaiveDate, i64> = store
        .page_views_by_day(site.id, PageKind::Column, col.id.0, period.from, period.to)
        .await?
        .into_iter()
        .collect();
    let views: Vec<i64> = period
        .dates()
        .iter()
        .map(|d| by_day.get(d).copied().unwrap_or(0))
        .collect();
    let article_views: HashMap<i64, i64> = store
        .page_views(
            site.id,
            Some(PageKind::Article),
            period.from,
            period.to,
            100_000,
        )
        .await?
        .into_iter()
        .map(|p| (p.target_id, p.views))
        .collect();
    let mut articles = Vec::new();
    for p in mine.iter().rev().take(50) {
        let title = store
            .article(p.article_id)
            .await?
            .map(|a| a.title)
            .unwrap_or_default();
        articles.push(json!({
            "id": p.article_id.0, "title": title, "at": p.at, "own": p.own,
            "views": article_views.get(&p.article_id.0).copied().unwrap_or(0),
        }));
    }
    Ok((col, period, months, monthly, views, articles))
}

async fn column_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path((id, column)): Path<(i64, i64)>,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    let site = site_or_404(&app, &a, id).await?;
    let (col, period, months, monthly, views, articles) =
        column_data(&app, &site, column, &q).await?;
    let month_labels: Vec<String> = months.iter().map(|(y, m)| format!("{y}-{m:02}")).collect();
    let publish_chart = charts::bars(
        &format!("{}近 12 个月发布量", col.name),
        &month_labels,
        &[Series {
            name: "发布信息（条）",
            values: monthly,
            colour: ORANGE,
        }],
    );
    let views_chart = charts::lines(
        &format!("{}近 {} 天栏目页浏览量", col.name, period.days),
        &period.labels(),
        &[Series {
            name: "栏目页浏览量",
            values: views.clone(),
            colour: BLUE,
        }],
    );
    Ok(render(
        "stats_column.html",
        page(
            Some(&a),
            "dashboard",
            &format!("{} · {} 统计", site.name, col.name),
            json!({
                "site": site, "column": col, "days": period.days,
                "category": col.update_category.label(),
                "views": views.iter().sum::<i64>(), "articles": articles,
                "publish_chart": publish_chart, "views_chart": views_chart,
            }),
        ),
    ))
}

async fn column_csv(
    State(app): State<Arc<App>>,
    a: Authed,
    Path((id, column)): Path<(i64, i64)>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let site = site_or_404(&app, &a, id).await?;
    let (col, period, months, monthly, views, articles) =
        column_data(&app, &site, column, &q).await?;
    let mut rows = vec![vec![
        "月份".to_string(),
        format!("{}发布信息（条）", col.name),
    ]];
    for (i, (y, m)) in months.iter().enumerate() {
        rows.push(vec![format!("{y}-{m:02}"), monthly[i].to_string()]);
    }
    rows.push(vec![]);
    rows.push(vec!["日期".into(), "栏目页浏览量".into()]);
    for (i, d) in period.dates().iter().enumerate() {
        rows.push(vec![d.to_string(), views[i].to_string()]);
    }
    rows.push(vec![]);
    rows.push(vec!["信息".into(), "标题".into(), "浏览量".into()]);
    for a in &articles {
        rows.push(vec![
            a["id"].to_string(),
            a["title"].as_str().unwrap_or("").to_string(),
            a["views"].to_string(),
        ]);
    }
    csv_response(
        &format!(
            "stats-{}-{}.csv",
            site.code,
            col.path.as_str().replace('/', "-")
        ),
        rows,
    )
}

// ---- annual reports ----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct YearQuery {
    year: Option<i32>,
}

fn year_of(q: &YearQuery) -> i32 {
    q.year
        .unwrap_or_else(|| china_day(zhanqun_store::now()).year())
}

async fn reports_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let year = year_of(&q);
    beijing_year(year)?;
    let published: HashMap<SiteId, i64> = app
        .store()
        .annual_report_articles(year)
        .await?
        .into_iter()
        .map(|(s, a)| (s, a.0))
        .collect();
    let sites: Vec<JsonValue> = visible_sites(&app, &a)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id.0, "code": s.code.as_str(), "name": s.name, "kind": kind_label(&s),
                "host": s.hosts.first(), "article": published.get(&s.id),
                "can_publish": is_site_admin(&a, s.id),
            })
        })
        .collect();
    let this = china_day(zhanqun_store::now()).year();
    Ok(render(
        "stats_reports.html",
        page(
            Some(&a),
            "dashboard",
            "网站工作年度报表",
            json!({
                "year": year, "years": [this, this - 1, this - 2], "sites": sites,
                "published": published.len(),
            }),
        ),
    ))
}

async fn report_page_with(
    app: &App,
    a: &Authed,
    id: i64,
    year: i32,
    flash: Option<String>,
    error: Option<String>,
) -> PageResult {
    let site = site_or_404(app, a, id).await?;
    let report = app
        .store()
        .annual_report(site.id, year, &app.config().deadlines())
        .await?;
    let article = app.store().annual_report_article(site.id, year).await?;
    let this = china_day(zhanqun_store::now()).year();
    Ok(render(
        "stats_report.html",
        page(
            Some(a),
            "dashboard",
            &zhanqun_report::annual::title(&report),
            json!({
                "site": site, "year": year, "years": [this, this - 1, this - 2],
                "rows": report.rows.iter().map(|r| json!({
                    "section": r.section, "item": r.item, "value": r.value.to_string(),
                    "na": matches!(r.value, zhanqun_store::ReportValue::NotApplicable),
                })).collect::<Vec<_>>(),
                "article": article.map(|x| x.0), "can_publish": is_site_admin(a, site.id),
                "host": site.hosts.first(), "flash": flash, "error": error,
            }),
        ),
    ))
}

async fn report_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    report_page_with(&app, &a, id, year_of(&q), None, None).await
}

async fn report_file(
    app: &App,
    a: &Authed,
    id: i64,
    q: &YearQuery,
    xlsx: bool,
) -> Result<Response, PageError> {
    let site = site_or_404(app, a, id).await?;
    let year = year_of(q);
    let report = app
        .store()
        .annual_report(site.id, year, &app.config().deadlines())
        .await?;
    let (body, ctype, ext) = if xlsx {
        (
            zhanqun_report::annual::to_xlsx(&report)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        (
            zhanqun_report::annual::to_csv(&report)?,
            "text/csv; charset=utf-8",
            "csv",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"annual-report-{}-{year}.{ext}\"",
                    site.code
                ),
            ),
        ],
        body,
    )
        .into_response())
}

async fn report_csv(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    report_file(&app, &a, id, &q, false).await
}

async fn report_xlsx(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    report_file(&app, &a, id, &q, true).await
}

#[derive(Debug, Deserialize)]
struct PublishForm {
    /// Missing or bad: refused with a message after the access check, not before it.
    #[serde(default)]
    year: String,
}

async fn report_publish(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> PageResult {
    let site = site_or_404(&app, &a, id).await?;
    let Ok(year) = f.year.trim().parse::<i32>() else {
        let page = report_page_with(
            &app,
            &a,
            id,
            year_of(&YearQuery { year: None }),
            None,
            Some("年份无效，请选择要发布的年度".into()),
        )
        .await?;
        return Ok(with_status(page, StatusCode::BAD_REQUEST));
    };
    let res = async {
        let report = app
            .store()
            .annual_report(site.id, year, &app.config().deadlines())
            .await?;
        let body = zhanqun_report::annual::to_html_table(&report);
        app.store()
            .publish_annual_report(&a.actor, &report, body)
            .await
    }
    .await;
    match res {
        Ok(_) => Ok(Redirect::to(&format!("/stats/sites/{id}/report?year={year}")).into_response()),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_) | Error::Forbidden(_))) => {
            let status =
                StatusCode::from_u16(e.code().http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            let page = report_page_with(&app, &a, id, year, None, Some(e.public_message())).await?;
            Ok(with_status(page, status))
        }
        Err(e) => Err(PageError(e)),
    }
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.add(Method::GET, "/stats", Session, "统计概览", get(overview))
        .add(
            Method::GET,
            "/stats/sites.csv",
            Session,
            "导出各网站统计（CSV）",
            get(overview_csv),
        )
        .add(
            Method::GET,
            "/stats/sites/{id}",
            Session,
            "网站统计",
            get(site_page),
        )
        .add(
            Method::GET,
            "/stats/sites/{id}/columns.csv",
            Session,
            "导出网站栏目统计（CSV）",
            get(site_csv),
        )
        .add(
            Method::GET,
            "/stats/sites/{id}/columns/{column}",
            Session,
            "栏目统计",
            get(column_page),
        )
        .add(
            Method::GET,
            "/stats/sites/{id}/columns/{column}/stats.csv",
            Session,
            "导出栏目统计（CSV）",
            get(column_csv),
        )
        .add(
            Method::GET,
            "/stats/reports",
            Session,
            "网站工作年度报表",
            get(reports_page),
        )
        .add(
            Method::GET,
            "/stats/sites/{id}/report",
            Session,
            "网站年度报表",
            get(report_page),
        )
        .add(
            Method::GET,
            "/stats/sites/{id}/report.csv",
            Session,
            "下载年度报表（CSV）",
            get(report_csv),
        )
        .add(
            Method::GET,
            "/stats/sites/{id}/report.xlsx",
            Session,
            "下载年度报表（XLSX）",
            get(report_xlsx),
        )
        .add(
            Method::POST,
            "/stats/sites/{id}/report/publish",
            Session,
            "发布年度报表到信息公开栏目",
            post(report_publish),
        )
}
