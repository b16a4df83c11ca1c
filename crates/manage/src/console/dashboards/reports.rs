//! The annual reports (工作年度报表): the list, one report, its CSV / XLSX / HTML files and
//! one-action publishing by the site's administrator.

use super::*;

// ---- annual reports ----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(super) struct YearQuery {
    year: Option<i32>,
    /// The page of the list of reports (50 sites a page).
    page: Option<String>,
}

fn year_of(q: &YearQuery) -> i32 {
    q.year
        .unwrap_or_else(|| china_day(zhanqun_store::now()).year())
}

pub(super) async fn reports_page(
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
    let visible = visible_sites(&app, &a).await?;
    let (shown, paging) = paged(
        &visible,
        q.page.as_deref(),
        &format!("/stats/reports?year={year}"),
    )?;
    let sites: Vec<JsonValue> = shown
        .iter()
        .map(|s| {
            json!({
                "id": s.id.0, "code": s.code.as_str(), "name": s.name, "kind": kind_label(s),
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
                "published": published.len(), "total": visible.len(), "paging": paging,
            }),
        ),
    ))
}

pub(super) async fn report_page_with(
    app: &App,
    a: &Authed,
    id: i64,
    year: i32,
    n: Notice,
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
                "host": site.hosts.first(), "flash": n.flash, "error": n.error,
            }),
        ),
    ))
}

pub(super) async fn report_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    report_page_with(&app, &a, id, year_of(&q), Notice::default()).await
}

pub(super) async fn report_file(
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

pub(super) async fn report_csv(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    report_file(&app, &a, id, &q, false).await
}

pub(super) async fn report_xlsx(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    report_file(&app, &a, id, &q, true).await
}

#[derive(Debug, Deserialize)]
pub(super) struct PublishForm {
    /// Missing or bad: refused with a message after the access check, not before it.
    #[serde(default)]
    year: String,
}

pub(super) async fn report_publish(
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
            year_of(&YearQuery {
                year: None,
                page: None,
            }),
            Notice::refused("年份无效，请选择要发布的年度".into()),
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
            refusal_page(e, |msg| {
                report_page_with(&app, &a, id, year, Notice::refused(msg))
            })
            .await
        }
        Err(e) => Err(PageError(e)),
    }
}
