//! A site's drill-down (its trends, columns, units, most read articles, findings) and a
//! column's, each with its CSV.

use super::*;

// ---- a site -----------------------------------------------------------------------------------

pub(super) struct ColumnLine {
    id: i64,
    name: String,
    path: String,
    category: &'static str,
    articles: i64,
    year: i64,
    last: Option<DateTime<Utc>>,
    views: i64,
}

pub(super) struct SiteData {
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

/// Views of `site`'s pages of `kind` in the period, by the page's id (the `limit` most viewed).
async fn views_by_page(
    app: &App,
    site: SiteId,
    kind: PageKind,
    period: &Period,
    limit: i64,
) -> zhanqun_core::Result<HashMap<i64, i64>> {
    Ok(app
        .store()
        .page_views(site, Some(kind), period.from, period.to, limit)
        .await?
        .into_iter()
        .map(|p| (p.target_id, p.views))
        .collect())
}

pub(super) async fn site_data(
    app: &App,
    site: &Site,
    q: &PeriodQuery,
) -> zhanqun_core::Result<SiteData> {
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
    let mut edges: Vec<DateTime<Utc>> = months.iter().map(|(y, m)| month_start(*y, *m)).collect();
    edges.push(to);
    let (year_start, _) = beijing_year(today.year())?;
    // Distinct articles per month, and per column and unit in the period and since January,
    // counted by the database (a county shows some 12,000 a year).
    let counts = store
        .site_counts(site.id, &edges, (from, year_start))
        .await?;
    let monthly = counts.periods.clone();
    let activity = store
        .column_activity(Some(site.id), zhanqun_store::now())
        .await?;
    let col_views = views_by_page(app, site.id, PageKind::Column, &period, 10_000).await?;
    let columns = store
        .columns(site.id)
        .await?
        .into_iter()
        .filter(|c| c.kind != ColumnKind::Link)
        .map(|c| {
            let (articles, year) = counts.columns.get(&c.id).copied().unwrap_or((0, 0));
            ColumnLine {
                id: c.id.0,
                articles,
                year,
                last: activity.get(&c.id).and_then(|x| x.last_update),
                views: col_views.get(&c.id.0).copied().unwrap_or(0),
                category: c.update_category.label(),
                path: c.path.as_str().to_string(),
                name: c.name,
            }
        })
        .collect();
    let units = store
        .units(site.id)
        .await?
        .into_iter()
        .map(|(id, name)| {
            let (period, year) = counts.units.get(&id).copied().unwrap_or((0, 0));
            (name, period, year)
        })
        .collect();
    let pubs = store.publications(site.id, None, from, to).await?;
    let in_period: Vec<&Publication> = pubs.iter().collect();
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

pub(super) async fn site_page(
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

pub(super) async fn site_csv(
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

pub(super) async fn column_data(
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
        .publications(site.id, Some(col.id), month_start(y0, m0), to)
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
    let article_views = views_by_page(app, site.id, PageKind::Article, &period, 100_000).await?;
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

pub(super) async fn column_page(
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

pub(super) async fn column_csv(
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
