//! The national check indicators on real data (SQLite and PostgreSQL), with an injected clock:
//! a news column last updated 15 days ago is overdue and 13 days ago is not; blank columns are
//! counted and five fail the site; a reprint past its deadline is a finding.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use zhanqun_core::checks::{Indicator, Thresholds};
use zhanqun_store::{ArticleInput, NewItem, NewSource, ReprintMode};
use zhanqun_tests::TestApp;

const JIAXIAN: &str = "6108280001";

#[tokio::test]
async fn news_columns_blank_columns_and_late_reprints() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let jx = f.site(JIAXIAN);
    let now = Utc::now();
    let publish = |title: &str, days: i64, column: &str| {
        let input = ArticleInput {
            title: title.into(),
            body_html: "<p>正文</p>".into(),
            published: true,
            published_at: Some(now - Duration::days(days)),
            ..Default::default()
        };
        (input, vec![f.column(&format!("{JIAXIAN}/{column}"))])
    };
    t.store
        .create_articles(
            jx,
            vec![
                publish("十五天前的政务要闻", 15, "xwzx/zwyw"),
                publish("十三天前的部门动态", 13, "xwzx/bmdt"),
            ],
        )
        .await
        .unwrap();
    let th = Thresholds::default();
    let deadlines = t.app.config().deadlines();
    let check = t
        .store
        .site_checks(Some(jx), now, &th, &deadlines)
        .await
        .unwrap();
    assert_eq!(check.len(), 1);
    let findings = &check[0].findings;
    let overdue: Vec<&str> = findings
        .iter()
        .filter(|x| x.indicator == Indicator::ColumnNotUpdated)
        .map(|x| x.column.as_deref().unwrap())
        .collect();
    assert_eq!(overdue, vec!["政务要闻"], "15 days: overdue; 13 days: not");
    assert!(
        !findings
            .iter()
            .any(|x| x.indicator == Indicator::HomeNotUpdated),
        "the home page changed 13 days ago"
    );
    // Every other list column of the portal is blank: counted, and five or more fail the site.
    let blank = findings
        .iter()
        .filter(|x| x.indicator == Indicator::BlankColumn)
        .count();
    assert!(blank >= 5, "{blank}");
    assert!(check[0].fails);
    assert_eq!(findings[0].indicator, Indicator::TooManyBlank);

    // Two days later the home page is stale as well (veto), and so is 部门动态.
    let later = now + Duration::days(2);
    let check = t
        .store
        .site_checks(Some(jx), later, &th, &deadlines)
        .await
        .unwrap();
    let f2 = &check[0].findings;
    assert!(
        f2.iter()
            .any(|x| x.indicator == Indicator::HomeNotUpdated && x.veto)
    );
    assert_eq!(
        f2.iter()
            .filter(|x| x.indicator == Indicator::ColumnNotUpdated)
            .count(),
        3,
        "政务要闻, 部门动态 and their parent 新闻中心"
    );

    // A reprint waiting past its hour is a finding.
    let source = t
        .store
        .create_source(
            None,
            &NewSource {
                name: "国务院文件".into(),
                kind: "manual".into(),
                url: None,
                attribution: "中国政府网".into(),
                owner: f.site("6100000003"),
                owner_column: f.column("6100000003/tzgg"),
                poll_seconds: None,
                extract_selector: None,
            },
        )
        .await
        .unwrap();
    t.store
        .subscribe(
            None,
            source,
            f.column(&format!("{JIAXIAN}/zwgk/zcwj")),
            ReprintMode::Review,
            false,
        )
        .await
        .unwrap();
    t.store
        .ingest(
            None,
            source,
            &NewItem {
                guid: "late-1".into(),
                title: "国务院关于某项工作的通知".into(),
                summary: None,
                body_html: "<p>正文</p>".into(),
                link: None,
                published_at: now - Duration::hours(2),
                hash: None,
            },
        )
        .await
        .unwrap();
    let check = t
        .store
        .site_checks(Some(jx), now, &th, &deadlines)
        .await
        .unwrap();
    let late = check[0]
        .findings
        .iter()
        .find(|x| x.indicator == Indicator::ReprintLate)
        .unwrap();
    assert!(late.message.contains("1 条"), "{}", late.message);

    // The province view lists every active site, failing ones first.
    let all = t
        .store
        .site_checks(None, now, &th, &deadlines)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].fails >= w[1].fails));
}

#[tokio::test]
async fn the_auditor_sees_every_site_and_a_site_admin_their_own() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let auditor = t
        .account(
            "sx-auditor",
            Some(zhanqun_core::PlatformRole::ProvinceAuditor),
        )
        .await;
    let _ = auditor;
    let admin = t.account("jx-admin", None).await;
    t.grant(
        admin,
        zhanqun_core::SiteRole::SiteAdmin,
        f.site(JIAXIAN),
        None,
    )
    .await;
    let auditor = t.login("sx-auditor").await;
    let admin = t.login("jx-admin").await;
    let (status, page) = auditor.page("/stats/checks").await;
    assert_eq!(status, 200);
    for name in ["佳县人民政府", "米脂县人民政府", "陕西省教育厅"] {
        assert!(page.contains(name), "{name}");
    }
    assert!(page.contains("单项否决") && page.contains("首页没有任何信息"));
    let (status, page) = admin.page("/stats/checks").await;
    assert_eq!(status, 200);
    assert!(page.contains("佳县人民政府") && !page.contains("米脂县人民政府"));
    let res = auditor
        .client
        .get(format!("{}/stats/checks.csv", auditor.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8_lossy(&bytes[3..]).to_string();
    assert!(text.starts_with("网站标识码,网站名称,结论"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("6108270001,米脂县人民政府,不合格"))
    );
}

#[tokio::test]
async fn the_province_check_is_kept_between_runs_and_shown_a_page_at_a_time() {
    // As in production: the auditor's pages read the kept run until it is an hour old.
    let t = TestApp::spawn_with(|c| c.jobs.checks_max_age_seconds = 3600).await;
    let f = t.fixture().await;
    t.account(
        "sx-auditor",
        Some(zhanqun_core::PlatformRole::ProvinceAuditor),
    )
    .await;
    let auditor = t.login("sx-auditor").await;
    let first = auditor.get("/api/v1/stats/checks").await;
    assert_eq!(first.status, 200, "{}", first.json);
    let total = first.json["total"].as_u64().unwrap();
    assert!(total >= 3, "{}", first.json);
    assert_eq!(first.json["sites"].as_array().unwrap().len() as u64, total);
    // A change to the content does not start a new run for every page view: the same run
    // (and its time) answers until it is older than the limit.
    t.store
        .create_articles(
            f.site(JIAXIAN),
            vec![(
                ArticleInput {
                    title: "今天的政务要闻".into(),
                    body_html: "<p>正文</p>".into(),
                    published: true,
                    ..Default::default()
                },
                vec![f.column(&format!("{JIAXIAN}/xwzx/zwyw"))],
            )],
        )
        .await
        .unwrap();
    let again = auditor.get("/api/v1/stats/checks").await;
    assert_eq!(again.json["checked_at"], first.json["checked_at"]);
    let (status, page) = auditor.page("/stats/checks").await;
    assert_eq!(status, 200);
    assert!(page.contains("计算于"), "the page says when the run was");

    // Pages: every site once, failing ones first; past the end a 404, bad numbers a 400.
    let mut seen = Vec::new();
    for n in 1..=total {
        let a = auditor
            .get(&format!("/api/v1/stats/checks?per_page=1&page={n}"))
            .await;
        assert_eq!(a.status, 200, "{}", a.json);
        assert_eq!(a.json["pages"].as_u64(), Some(total));
        seen.push(a.json["sites"][0]["code"].as_str().unwrap().to_string());
    }
    let all: Vec<String> = first.json["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, all);
    let past = auditor
        .get(&format!(
            "/api/v1/stats/checks?per_page=1&page={}",
            total + 1
        ))
        .await;
    assert_eq!(past.status, 404, "{}", past.json);
    for bad in [
        "per_page=0",
        "per_page=501",
        "per_page=x",
        "page=0",
        "page=-1",
    ] {
        let a = auditor.get(&format!("/api/v1/stats/checks?{bad}")).await;
        assert_eq!(a.status, 400, "{bad}: {}", a.json);
        assert_eq!(a.code(), "invalid_input", "{bad}");
    }
    let (status, _) = auditor.page("/stats/checks?page=99").await;
    assert_eq!(status, 404);
    let (status, _) = auditor.page("/stats?page=abc").await;
    assert_eq!(status, 400);
}
