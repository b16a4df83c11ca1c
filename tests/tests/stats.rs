//! Statistics on real data (SQLite and PostgreSQL): the annual report (工作年度报表) filled from
//! the data and read back from its XLSX; publishing it to the disclosure column with one action;
//! the dashboards (province overview for the auditor, a site for its administrator, a column)
//! with their SVG charts and CSV exports; and who may see what.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use calamine::{Data, Reader, Xlsx};
use chrono::Datelike;
use zhanqun_core::SiteRole;
use zhanqun_core::visits::{PageKind, china_day};
use zhanqun_store::{ArticleInput, DisclosureInput};
use zhanqun_tests::steps::has_actor;
use zhanqun_tests::{TestApp, User};

const JIA: &str = "www.jiaxian.gov.cn";
const JIAXIAN: &str = "6108280001";
const MIZHI: &str = "6108270001";
const BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36";

/// The XLSX report of a site, downloaded from the console and read back: item → cell.
async fn xlsx_report(user: &User, site: i64, year: i32) -> Vec<(String, Data)> {
    let res = user
        .client
        .get(format!(
            "{}/stats/sites/{site}/report.xlsx?year={year}",
            user.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    assert!(
        matches!(&rows[0][0], Data::String(t) if t.contains("网站工作年度报表")),
        "{:?}",
        rows[0]
    );
    rows.into_iter()
        .filter(|r| r.len() >= 3)
        .filter_map(|r| match &r[1] {
            Data::String(item) => Some((item.clone(), r[2].clone())),
            _ => None,
        })
        .collect()
}

/// `user` asks to publish the annual report of `site` for the year given as `year` (the
/// console's form): status and page.
async fn publish_report(user: &User, site: i64, year: &str) -> (u16, String) {
    user.form(
        &format!("/stats/sites/{site}/report/publish"),
        &[("year", year)],
    )
    .await
}

fn count(report: &[(String, Data)], item: &str) -> i64 {
    match report.iter().find(|(i, _)| i == item).map(|(_, v)| v) {
        Some(Data::Float(f)) => *f as i64,
        Some(Data::Int(n)) => *n,
        other => panic!("{item}: {other:?}"),
    }
}

fn text<'a>(report: &'a [(String, Data)], item: &str) -> &'a str {
    match report.iter().find(|(i, _)| i == item).map(|(_, v)| v) {
        Some(Data::String(s)) => s,
        other => panic!("{item}: {other:?}"),
    }
}

#[tokio::test]
async fn the_annual_report_is_filled_from_the_data_and_published_once() {
    let t = TestApp::spawn_counting_visits().await;
    let f = t.fixture().await;
    let jx = f.site(JIAXIAN);
    let (admin, auditor) = t.admin_and_auditor("jx-admin", jx).await;
    let year = china_day(zhanqun_store::now()).year();

    let before = xlsx_report(&admin, jx.0, year).await;
    // What the year adds: two news items, a policy filed in the catalogue and its
    // interpretation, and visits: 4 page views by 3 people (and a crawler, not counted).
    let news = f.column(&format!("{JIAXIAN}/xwzx/zwyw"));
    let policies = f.column(&format!("{JIAXIAN}/zwgk/zcwj"));
    let readings = f.column(&format!("{JIAXIAN}/zwgk/zcjd"));
    let published = |title: &str| ArticleInput {
        title: title.into(),
        body_html: "<p>正文</p>".into(),
        published: true,
        ..Default::default()
    };
    let first = t
        .store
        .create_article(jx, published("年报测试要闻一"), &[news])
        .await
        .unwrap();
    t.store
        .create_article(jx, published("年报测试要闻二"), &[news])
        .await
        .unwrap();
    let policy = t
        .store
        .create_article(
            jx,
            ArticleInput {
                disclosure: Some(DisclosureInput {
                    doc_number: Some("佳政发〔2026〕1号".into()),
                    ..Default::default()
                }),
                ..published("年报测试政策文件")
            },
            &[policies],
        )
        .await
        .unwrap();
    t.store
        .create_article(
            jx,
            ArticleInput {
                interprets: Some(policy),
                ..published("年报测试政策解读")
            },
            &[readings],
        )
        .await
        .unwrap();
    for (ip, path) in [
        ("203.0.113.1", "/".to_string()),
        ("203.0.113.1", format!("/art/{first}.html")),
        ("203.0.113.2", "/".to_string()),
        ("203.0.113.3", "/xwzx/zwyw/".to_string()),
    ] {
        let r = t
            .get_with(
                JIA,
                &path,
                &[("user-agent", BROWSER), ("x-forwarded-for", ip)],
            )
            .await;
        assert_eq!(r.status(), 200, "{path}");
    }
    t.get_with(JIA, "/", &[("user-agent", "Baiduspider")]).await;
    t.app.visits().flush(&t.store).await.unwrap();

    let after = xlsx_report(&admin, jx.0, year).await;
    let delta = |item: &str| count(&after, item) - count(&before, item);
    assert_eq!(delta("信息发布总数（条）"), 4);
    assert_eq!(delta("政务动态信息更新量（条）"), 2);
    assert_eq!(delta("信息公开目录信息更新量（条）"), 1);
    assert_eq!(delta("解读信息发布总数（条）"), 1);
    assert_eq!(delta("网站总访问量（次）"), 4);
    assert_eq!(delta("独立用户访问总量（个）"), 3);
    // The store's own figures agree with the sheet.
    let today = china_day(zhanqun_store::now());
    let jan1 = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    let totals = t.store.visit_totals(Some(jx), jan1, today).await.unwrap();
    assert_eq!(count(&after, "网站总访问量（次）"), totals.views);
    assert_eq!(count(&after, "独立用户访问总量（个）"), totals.visitors);
    let views = t
        .store
        .page_views(jx, Some(PageKind::Article), jan1, today, 10)
        .await
        .unwrap();
    assert_eq!(views[0].target_id, first.0);
    assert_eq!(text(&after, "政府网站标识码"), JIAXIAN);
    assert_eq!(text(&after, "网站名称"), "佳县人民政府");
    assert_eq!(text(&after, "首页网址"), JIA);
    // No letter, no service yet: counted as none, not 不适用 (every site takes letters and
    // online applications now).
    assert_eq!(count(&after, "收到留言数量（条）"), 0);
    assert_eq!(count(&after, "征集调查期数（期）"), 0);
    assert_eq!(count(&after, "在线访谈期数（期）"), 0);
    assert_eq!(count(&after, "政务服务事项数量（项）"), 0);
    assert_eq!(count(&after, "办件量（件）"), 0);
    assert!(text(&after, "回应公众关注热点或重大舆情数量（次）").starts_with("不适用"));

    // The API's figures by period count the same articles.
    let r = admin
        .get(&format!("/api/v1/stats/sites/{}/figures?by=week", jx.0))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["total"]["news"], 2);
    assert_eq!(r.json["total"]["disclosure"], 1);
    assert_eq!(r.json["total"]["interpretations"], 1);
    assert_eq!(r.json["total"]["total"], 4);
    let weeks = r.json["figures"].as_array().unwrap();
    assert_eq!(
        weeks
            .iter()
            .map(|w| w["total"].as_i64().unwrap())
            .sum::<i64>(),
        4
    );
    assert_eq!(r.json["visits"]["views"], 4);
    let r = admin
        .get(&format!(
            "/api/v1/stats/sites/{}/figures?by=day&column={}",
            jx.0, news.0
        ))
        .await;
    assert_eq!(r.json["total"]["total"], 2);
    for (q, code) in [
        ("by=fortnight", "invalid_input"),
        ("from=2026-13-01", "invalid_input"),
        ("from=2026-02-01&to=2026-01-01", "invalid_input"),
    ] {
        let r = admin
            .get(&format!("/api/v1/stats/sites/{}/figures?{q}", jx.0))
            .await;
        assert_eq!((r.status, r.code()), (400, code), "{q}: {}", r.json);
        assert!(
            r.json["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{4e00}')
        );
    }

    // CSV and the HTML view carry the same figures.
    let csv = admin
        .client
        .get(format!(
            "{}/stats/sites/{}/report.csv?year={year}",
            admin.base, jx.0
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let csv = String::from_utf8_lossy(&csv[3..]).to_string();
    let total = count(&after, "信息发布总数（条）");
    assert!(
        csv.contains(&format!("信息发布,信息发布总数（条）,{total}")),
        "{csv}"
    );
    let (status, html) = admin
        .page(&format!("/stats/sites/{}/report?year={year}", jx.0))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("发布到信息公开栏目") && html.contains("佳县人民政府网站工作年度报表"));

    // The auditor sees it but can't publish; the site's administrator publishes it once.
    let (_, html) = auditor
        .page(&format!("/stats/sites/{}/report?year={year}", jx.0))
        .await;
    assert!(!html.contains("发布到信息公开栏目"));
    let (status, _) = publish_report(&auditor, jx.0, &year.to_string()).await;
    assert_eq!(status, 403);
    assert!(
        t.store
            .annual_report_article(jx, year)
            .await
            .unwrap()
            .is_none()
    );
    let (status, _) = publish_report(&admin, jx.0, "abc").await;
    assert_eq!(status, 400);
    let (status, _) = publish_report(&admin, jx.0, &year.to_string()).await;
    assert_eq!(status, 303);
    let article = t
        .store
        .annual_report_article(jx, year)
        .await
        .unwrap()
        .unwrap();
    let a = t.store.article(article).await.unwrap().unwrap();
    assert!(a.disclosure.is_some() && a.body_html.contains("信息发布总数"));
    let page = t.page(JIA, &format!("/art/{article}.html"), 200).await;
    assert!(page.contains(&format!("佳县人民政府网站工作年度报表（{year}年度）")));
    assert!(page.contains("独立用户访问总量"));
    let list = t.page(JIA, "/zwgk/", 200).await;
    assert!(list.contains("网站工作年度报表"));
    let (status, html) = publish_report(&admin, jx.0, &year.to_string()).await;
    assert_eq!(status, 409);
    assert!(html.contains("不能重复发布"));
    let audit = t.store.audit_records(100, 0).await.unwrap();
    assert!(has_actor(&audit, "report.publish", "user:jx-admin"));
    // The province list shows who has published.
    let (_, html) = auditor.page(&format!("/stats/reports?year={year}")).await;
    assert!(html.contains("已发布") && html.contains("米脂县人民政府") && html.contains("未发布"));
    // The list is paged (a province has thousands of sites): a page past the end is not found,
    // a page that is not a number is refused in Chinese.
    let (status, _) = auditor
        .page(&format!("/stats/reports?year={year}&page=99"))
        .await;
    assert_eq!(status, 404);
    let (status, html) = auditor
        .page(&format!("/stats/reports?year={year}&page=x"))
        .await;
    assert_eq!(status, 400, "{html}");

    // Another site's administrator can neither read nor publish 佳县's report.
    let [other] = t
        .staff([("mz-admin", SiteRole::SiteAdmin, f.site(MIZHI))])
        .await;
    let (status, _) = other
        .page(&format!("/stats/sites/{}/report?year={year}", jx.0))
        .await;
    assert_eq!(status, 404);
    let res = other
        .client
        .get(format!(
            "{}/stats/sites/{}/report.xlsx?year={year}",
            other.base, jx.0
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (status, _) = publish_report(&other, jx.0, &(year - 1).to_string()).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn dashboards_show_the_province_a_site_and_a_column() {
    let t = TestApp::spawn_with(|c| {
        c.visits.flush_seconds = 3600;
    })
    .await;
    let f = t.fixture().await;
    let jx = f.site(JIAXIAN);
    let news = f.column(&format!("{JIAXIAN}/xwzx/zwyw"));
    // A published article on 佳县's 政务要闻, now.
    let publish = |title: &'static str| {
        let store = t.store.clone();
        async move {
            store
                .create_article(
                    jx,
                    ArticleInput {
                        title: title.into(),
                        body_html: "<p>正文</p>".into(),
                        published: true,
                        ..Default::default()
                    },
                    &[news],
                )
                .await
                .unwrap();
        }
    };
    publish("统计看板测试要闻").await;
    for _ in 0..3 {
        t.get_with(JIA, "/xwzx/zwyw/", &[("user-agent", BROWSER)])
            .await;
    }
    t.app.visits().flush(&t.store).await.unwrap();
    let (admin, auditor) = t.admin_and_auditor("jx-admin", jx).await;

    let (status, html) = auditor.page("/stats").await;
    assert_eq!(status, 200);
    assert!(html.contains("全省 3 个网站"), "{html}");
    for s in [
        "佳县人民政府",
        "米脂县人民政府",
        "陕西省教育厅",
        "<svg class=\"chart\"",
    ] {
        assert!(html.contains(s), "{s}");
    }
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 2);
    let (status, html) = auditor.page("/stats?days=7").await;
    assert_eq!(status, 200);
    assert!(html.contains("aria-current=\"page\">近 7 天"));
    // The site administrator sees their own site only.
    let (_, html) = admin.page("/stats").await;
    assert!(html.contains("佳县人民政府") && !html.contains("米脂县人民政府"));
    let (status, html) = admin.page(&format!("/stats/sites/{}", jx.0)).await;
    assert_eq!(status, 200);
    assert!(html.contains("政务要闻") && html.contains("<svg class=\"chart\""));
    let (status, _) = admin
        .page(&format!("/stats/sites/{}", f.site(MIZHI).0))
        .await;
    assert_eq!(status, 404);
    let (status, html) = admin
        .page(&format!("/stats/sites/{}/columns/{}", jx.0, news.0))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("统计看板测试要闻"));
    // The overview's counts (summed in the store): one more article on 佳县 today is one more
    // on its line and on today's, for the auditor (the province at once) and the site's
    // administrator (their own sites one by one) alike; 米脂 is unchanged.
    let today = china_day(zhanqun_store::now()).to_string();
    let figures = |csv: &str, code: &str| -> (i64, i64) {
        let field = |prefix: &str, i: usize| {
            csv.lines()
                .find(|l| l.trim_start_matches('\u{feff}').starts_with(prefix))
                .and_then(|l| l.split(',').nth(i))
                .map(|v| v.trim_matches('"').parse::<i64>().unwrap())
                .unwrap_or(0)
        };
        (field(code, 4), field(&today, 3))
    };
    // The site's columns, counted by the database (`Store::site_counts`): in the period and
    // since January.
    let columns_csv = format!("/stats/sites/{}/columns.csv", jx.0);
    let news_line = |csv: &str| -> (i64, i64) {
        let line = csv
            .lines()
            .find(|l| l.starts_with("政务要闻,xwzx/zwyw,"))
            .unwrap_or_else(|| panic!("{csv}"))
            .to_string();
        let field = |i: usize| line.split(',').nth(i).unwrap().parse::<i64>().unwrap();
        (field(3), field(4))
    };
    let (_, before) = auditor.page("/stats/sites.csv").await;
    let (_, mine_before) = admin.page("/stats/sites.csv").await;
    let (_, columns_before) = auditor.page(&columns_csv).await;
    publish("统计看板测试要闻二").await;
    let (_, after) = auditor.page("/stats/sites.csv").await;
    let (_, mine_after) = admin.page("/stats/sites.csv").await;
    let (_, columns_after) = auditor.page(&columns_csv).await;
    let (period, year) = news_line(&columns_before);
    assert!(period >= 1 && year >= 1, "{columns_before}");
    assert_eq!(news_line(&columns_after), (period + 1, year + 1));
    let (jx_before, day_before) = figures(&before, JIAXIAN);
    assert!(jx_before >= 1 && day_before >= 1, "{before}");
    assert_eq!(figures(&after, JIAXIAN), (jx_before + 1, day_before + 1));
    assert_eq!(figures(&after, MIZHI).0, figures(&before, MIZHI).0);
    assert_eq!(figures(&mine_before, JIAXIAN).0, jx_before);
    assert_eq!(
        figures(&mine_after, JIAXIAN),
        (jx_before + 1, figures(&mine_before, JIAXIAN).1 + 1)
    );

    // A column of another site through this site's URL: not found.
    let mz_news = f.column(&format!("{MIZHI}/xwzx/zwyw"));
    let (status, _) = auditor
        .page(&format!("/stats/sites/{}/columns/{}", jx.0, mz_news.0))
        .await;
    assert_eq!(status, 404);

    // Every table exports as CSV.
    for path in [
        "/stats/sites.csv".to_string(),
        format!("/stats/sites/{}/columns.csv", jx.0),
        format!("/stats/sites/{}/columns/{}/stats.csv", jx.0, news.0),
    ] {
        let res = auditor
            .client
            .get(format!("{}{path}", auditor.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let body = res.bytes().await.unwrap();
        assert!(body.starts_with(&[0xEF, 0xBB, 0xBF]), "{path}");
        let text = String::from_utf8_lossy(&body[3..]).to_string();
        if path.contains("columns.csv") {
            assert!(
                text.lines()
                    .any(|l| l.starts_with("政务要闻,xwzx/zwyw,") && l.ends_with(",3")),
                "{text}"
            );
        }
        if path == "/stats/sites.csv" {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(&format!("{JIAXIAN},佳县人民政府,")))
            );
        }
    }
}
