//! Visits counted on the public request path (SQLite and PostgreSQL): exact page views per
//! site, page and day; unique visitors by sketch, merged across flushes and nodes; crawlers,
//! tools, HEAD requests, errors and feeds not counted; no address or user agent stored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::HeaderMap;
use zhanqun_core::visits::{PageKind, Sketch, china_day};
use zhanqun_store::ArticleInput;
use zhanqun_tests::TestApp;
use zhanqun_web::App;

const JIA: &str = "www.jiaxian.gov.cn";
const JIAXIAN: &str = "6108280001";
const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

async fn view(t: &TestApp, path: &str, client: &str, ua: &str) -> u16 {
    t.get_with(
        JIA,
        path,
        &[("user-agent", ua), ("x-forwarded-for", client)],
    )
    .await
    .status()
    .as_u16()
}

async fn stored_sketches(url: &str) -> Vec<Vec<u8>> {
    let sql = "SELECT sketch FROM visit_days UNION ALL SELECT sketch FROM visit_province_days";
    let rows: Vec<(Vec<u8>,)> = if url.starts_with("sqlite:") {
        let p = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&p).await.unwrap()
    } else {
        let p = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&p).await.unwrap()
    };
    rows.into_iter().map(|r| r.0).collect()
}

/// Unique visitors are a HyperLogLog++ estimate of salted keys, and the salt is drawn afresh
/// for each day (so each run): at a few hundred visitors the sparse sketch is exact unless two
/// keys collide in its 25 bits, about one run in 500 (seen once). Two either way is still far
/// from counting a merged visitor twice (50 here).
fn near(visitors: i64, want: i64) {
    assert!(
        visitors.abs_diff(want) <= 2,
        "{visitors} unique visitors, expected {want}"
    );
}

#[tokio::test]
async fn page_views_are_exact_and_visitors_merge() {
    // The test flushes by hand; requests come "through" a trusted proxy on loopback so each
    // can carry its own client address.
    let t = TestApp::spawn_counting_visits().await;
    let f = t.fixture().await;
    let jx = f.site(JIAXIAN);
    let column = f.column(&format!("{JIAXIAN}/xwzx/zwyw"));
    let article = t
        .store
        .create_article(
            jx,
            ArticleInput {
                title: "访问统计测试文章".into(),
                body_html: "<p>正文</p>".into(),
                published: true,
                ..Default::default()
            },
            &[column],
        )
        .await
        .unwrap();
    let today = china_day(zhanqun_store::now());

    // One person: three home page views (the second and third from the page cache), a column,
    // an article and the catalogue.
    for _ in 0..3 {
        assert_eq!(view(&t, "/", "203.0.113.7", BROWSER).await, 200);
    }
    assert_eq!(view(&t, "/xwzx/zwyw/", "203.0.113.7", BROWSER).await, 200);
    assert_eq!(
        view(&t, &format!("/art/{article}.html"), "203.0.113.7", BROWSER).await,
        200
    );
    assert_eq!(view(&t, "/xxgkml/", "203.0.113.7", BROWSER).await, 200);
    // Not counted: crawlers, tools, errors, feeds, sitemaps, HEAD, prefetch.
    assert_eq!(
        view(
            &t,
            "/",
            "203.0.113.8",
            "Mozilla/5.0 (compatible; Baiduspider/2.0)"
        )
        .await,
        200
    );
    assert_eq!(view(&t, "/", "203.0.113.8", "curl/8.5.0").await, 200);
    assert_eq!(view(&t, "/", "203.0.113.8", "").await, 200);
    assert_eq!(
        view(&t, "/art/999999.html", "203.0.113.8", BROWSER).await,
        404
    );
    assert_eq!(view(&t, "/sitemap.xml", "203.0.113.8", BROWSER).await, 200);
    let head = t
        .client
        .head(format!("http://{}/", t.public))
        .header("host", JIA)
        .header("user-agent", BROWSER)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    let pre = t
        .get_with(
            JIA,
            "/",
            &[("user-agent", BROWSER), ("sec-purpose", "prefetch")],
        )
        .await;
    assert_eq!(pre.status(), 200);

    assert_eq!(t.app.visits().flush(&t.store).await.unwrap(), 6);
    let days = t.store.visit_days(Some(jx), today, today).await.unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!((days[0].views, days[0].visitors), (6, 1));
    let pages = t
        .store
        .page_views(jx, None, today, today, 10)
        .await
        .unwrap();
    let views = |kind: PageKind, target: i64| {
        pages
            .iter()
            .find(|p| p.kind == kind.as_str() && p.target_id == target)
            .map(|p| p.views)
    };
    assert_eq!(views(PageKind::Home, 0), Some(3));
    assert_eq!(views(PageKind::Column, column.0), Some(1));
    assert_eq!(views(PageKind::Article, article.0), Some(1));
    assert_eq!(views(PageKind::Catalogue, 0), Some(1));
    assert_eq!(pages.len(), 4);

    // Two flush periods with overlapping visitors: 1–200, then 101–300 (and the first
    // person again). Unique visitors merge (301), page views add up.
    for i in 1..=200u32 {
        view(&t, "/", &format!("198.51.{}.{}", i / 250, i % 250), BROWSER).await;
    }
    t.app.visits().flush(&t.store).await.unwrap();
    for i in 101..=300u32 {
        view(&t, "/", &format!("198.51.{}.{}", i / 250, i % 250), BROWSER).await;
    }
    view(&t, "/", "203.0.113.7", BROWSER).await;
    t.app.visits().flush(&t.store).await.unwrap();
    let day = t.store.visit_days(Some(jx), today, today).await.unwrap()[0];
    assert_eq!(day.views, 6 + 200 + 201);
    near(day.visitors, 301);

    // A second node on the same store counts some of the same people and some new ones: its
    // flush merges into the same day.
    let node2 = App::new(t.app.config().clone(), t.store.clone())
        .await
        .unwrap();
    for i in 251..=350u32 {
        let mut h = HeaderMap::new();
        h.insert("user-agent", BROWSER.parse().unwrap());
        h.insert(
            "x-forwarded-for",
            format!("198.51.{}.{}", i / 250, i % 250).parse().unwrap(),
        );
        node2.visits().count(
            jx,
            PageKind::Home,
            0,
            Some("127.0.0.1:40000".parse().unwrap()),
            &h,
        );
    }
    node2.visits().flush(&t.store).await.unwrap();
    let day = t.store.visit_days(Some(jx), today, today).await.unwrap()[0];
    assert_eq!(day.views, 407 + 100);
    // 50 of node 2's 100 visitors were already counted.
    near(day.visitors, 351);
    // The province's day is the same merge (one site visited), and the period total too.
    let province = t.store.visit_days(None, today, today).await.unwrap();
    assert_eq!(province[0].views, 507);
    near(province[0].visitors, 351);
    let totals = t.store.visit_totals(Some(jx), today, today).await.unwrap();
    assert_eq!(totals.views, 507);
    near(totals.visitors, 351);

    // Nothing identifying is stored: not the address, not the user agent, not a per-visitor
    // hash — a sketch, page counters and the day's salt.
    let sketches = stored_sketches(&t.url).await;
    assert!(!sketches.is_empty());
    for b in sketches {
        // Inflated, a sketch is register data: no address or browser in it.
        let mut json = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(&b[..]), &mut json)
            .unwrap();
        let json = String::from_utf8_lossy(&json);
        assert!(
            !json.contains("203.0.113") && !json.contains("198.51") && !json.contains("Mozilla")
        );
        Sketch::from_bytes(&b).unwrap();
    }
}

#[tokio::test]
async fn counting_can_be_switched_off() {
    let t = TestApp::spawn_with(|c| c.visits.count = false).await;
    let f = t.fixture().await;
    for _ in 0..3 {
        assert_eq!(
            t.get_with(JIA, "/", &[("user-agent", BROWSER)])
                .await
                .status(),
            200
        );
    }
    assert_eq!(t.app.visits().flush(&t.store).await.unwrap(), 0);
    let today = china_day(zhanqun_store::now());
    assert!(
        t.store
            .visit_days(Some(f.site(JIAXIAN)), today, today)
            .await
            .unwrap()
            .is_empty()
    );
}
