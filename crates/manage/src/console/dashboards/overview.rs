//! The province overview: sites by kind, check status, visits and publishing trends, reprint
//! timeliness, every site in a table, and its CSV.

use super::*;

// ---- the province overview ----------------------------------------------------------------

pub(super) struct SiteLine {
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

pub(super) struct Overview {
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

pub(super) async fn overview_data(
    app: &App,
    a: &Authed,
    q: &PeriodQuery,
) -> zhanqun_core::Result<Overview> {
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
        .iter()
        .filter(|c| ids.contains(&c.site_id))
        .map(|c| (c.site_id, (c.fails, c.findings.len())))
        .collect();
    let dates = period.dates();
    // Visits: the province's merged days for the auditor; otherwise the own sites' days added
    // (a person visiting two of them counts twice there, and the page says so).
    let visits = async {
        if sees_all(a) {
            let days: HashMap<NaiveDate, (i64, i64)> = app
                .store()
                .visit_days(None, period.from, period.to)
                .await?
                .into_iter()
                .map(|d| (d.day, (d.views, d.visitors)))
                .collect();
            let v: Vec<i64> = dates
                .iter()
                .map(|d| days.get(d).map(|x| x.0).unwrap_or(0))
                .collect();
            let u: Vec<i64> = dates
                .iter()
                .map(|d| days.get(d).map(|x| x.1).unwrap_or(0))
                .collect();
            Ok::<_, zhanqun_core::Error>((v, u, "全省去重"))
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
            Ok((v, u, "各网站访客数之和"))
        }
    };
    // Counted by the database: the province's month is some 24,000 appearances.
    let narrow: Vec<SiteId> = ids.iter().copied().collect();
    let narrow = (!sees_all(a)).then_some(narrow.as_slice());
    // The four reads are independent: on separate connections at once, the page waits for the
    // slowest (the appearance counts), not for their sum.
    let ((views, visitors, visitors_note), site_views, seen, deliveries) = tokio::try_join!(
        visits,
        app.store().views_by_site(period.from, period.to),
        app.store().appearance_counts(from, to, narrow),
        app.store().delivery_times_since(from),
    )?;
    let published: Vec<i64> = dates
        .iter()
        .map(|d| seen.days.get(d).copied().unwrap_or(0))
        .collect();
    let deadlines = app.config().deadlines();
    let now = zhanqun_store::now();
    let mut reprints: HashMap<i64, (i64, i64)> = HashMap::new();
    let (mut total, mut late, mut pending) = (0, 0, 0);
    for d in deliveries {
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
        if d.state.awaits_review() {
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
                articles: seen.sites.get(&s.id).copied().unwrap_or(0),
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

pub(super) async fn overview(
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

pub(super) async fn overview_csv(
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
