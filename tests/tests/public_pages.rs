//! Public serving over real HTTP: host routing, every page kind, errors, cache, formats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, TimeZone, Utc};
use zhanqun_core::*;
use zhanqun_store::ArticleInput;
use zhanqun_tests::steps::{column_at, column_id, published, site_by_code};
use zhanqun_tests::{TestApp, fixture_sites, fresh_store};

const JIA: &str = "6108280001.localhost";
const MI: &str = "6108270001.localhost";
const EDU: &str = "6100000003.localhost";

/// The fixture sites with a few articles; returns (app, ids of interest).
struct Fixture {
    t: TestApp,
    a: ArticleId,
    b: ArticleId,
    policy: ArticleId,
    draft: ArticleId,
    mi_only: ArticleId,
}

async fn fixture() -> Fixture {
    let db = fresh_store().await;
    let store = db.store.clone();
    zhanqun_sites::apply(&store, &fixture_sites())
        .await
        .unwrap();
    let jia = site_by_code(&store, "6108280001").await;
    let mi = site_by_code(&store, "6108270001").await;
    let cols = store.columns(jia.id).await.unwrap();
    let col = |p: &str| cols.iter().find(|c| c.path.as_str() == p).unwrap().id;
    let art = |title: &str, day: u32| ArticleInput {
        title: title.into(),
        summary: Some(format!("{title}摘要")),
        body_html: format!("<p>{title}正文</p>"),
        published: true,
        published_at: Some(Utc.with_ymd_and_hms(2026, 10, day, 2, 0, 0).unwrap()),
        ..Default::default()
    };
    // `input` as an article of 佳县 in its column at `path`.
    let add = async |input: ArticleInput, path: &str| {
        store
            .create_article(jia.id, input, &[col(path)])
            .await
            .unwrap()
    };
    let a = add(art("佳县召开安全生产工作会议", 20), "xwzx/zwyw").await;
    let b = add(art("关于做好冬季供暖工作的通知", 10), "xwzx/tzgg").await;
    let policy = add(
        ArticleInput {
            disclosure: Some(zhanqun_store::DisclosureInput {
                doc_number: Some("佳政办函〔2019〕54号".into()),
                written_date: NaiveDate::from_ymd_opt(2019, 9, 16),
                issuing_organ: Some("佳县人民政府办公室".into()),
                validity: Some(Validity::Valid),
                topic: Some("综合政务".into()),
            }),
            ..art(
                "佳县人民政府办公室关于进一步加强县政府门户网站建设和管理工作的通知",
                5,
            )
        },
        "zwgk/zcwj",
    )
    .await;
    add(
        ArticleInput {
            interprets: Some(policy),
            ..art(
                "《关于进一步加强县政府门户网站建设和管理工作的通知》解读",
                6,
            )
        },
        "zwgk/zcjd",
    )
    .await;
    add(art("佳县概况", 1), "zjgk/gk").await;
    let draft = add(
        ArticleInput {
            published: false,
            ..art("绝密草稿标题XYZZY", 21)
        },
        "xwzx/zwyw",
    )
    .await;
    let mi_news = column_at(&store, mi.id, "xwzx/zwyw").await.id;
    let mi_only = store
        .create_article(mi.id, art("米脂县独有信息", 15), &[mi_news])
        .await
        .unwrap();
    // 25 more for paging.
    store
        .create_articles(
            jia.id,
            (1..=25)
                .map(|i| {
                    (
                        art(&format!("部门动态{i:02}"), 1 + (i % 9) as u32),
                        vec![col("xwzx/bmdt")],
                    )
                })
                .collect(),
        )
        .await
        .unwrap();
    Fixture {
        t: TestApp::spawn_on(db).await,
        a,
        b,
        policy,
        draft,
        mi_only,
    }
}

#[tokio::test]
async fn every_demo_site_serves_its_own_home() {
    let db = fresh_store().await;
    zhanqun_sites::demo::load(
        &db.store,
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        &|_, _| {},
    )
    .await
    .unwrap();
    let t = TestApp::spawn_on(db).await;
    let sites = t.store.list_sites().await.unwrap();
    assert_eq!(sites.len(), 123);
    for s in &sites {
        let host = format!("{}.localhost", s.code);
        let html = t.page(&host, "/", 200).await;
        assert!(
            html.contains(&format!("<title>{}</title>", s.name)),
            "{} home shows its name",
            s.code
        );
        for c in t
            .store
            .columns(s.id)
            .await
            .unwrap()
            .iter()
            .filter(|c| c.in_nav)
        {
            assert!(
                html.contains(&c.name),
                "{} home shows column {}",
                s.code,
                c.name
            );
        }
        assert!(
            html.contains(&format!("网站标识码：{}", s.code)),
            "{} footer",
            s.code
        );
    }
    // Configured host names work too, with or without a port, in any case.
    assert!(
        t.page("www.jiaxian.gov.cn", "/", 200)
            .await
            .contains("佳县人民政府")
    );
    assert!(
        t.page("WWW.Shaanxi.gov.cn:8080", "/", 200)
            .await
            .contains("陕西省人民政府")
    );
}

#[tokio::test]
async fn pages_of_a_site() {
    let f = fixture().await;
    let t = &f.t;
    let home = t.page(JIA, "/", 200).await;
    assert!(
        home.contains("佳县召开安全生产工作会议") && home.contains("关于做好冬季供暖工作的通知")
    );
    assert!(
        !home.contains("米脂县独有信息"),
        "another site's article is not on this home page"
    );

    let list = t.page(JIA, "/xwzx/bmdt/", 200).await;
    assert!(list.matches("部门动态").count() >= 20);
    assert!(list.contains("第 1 / 2 页，共 25 条"));
    let page2 = t.page(JIA, "/xwzx/bmdt/?page=2", 200).await;
    assert!(page2.contains("第 2 / 2 页"));
    t.page(JIA, "/xwzx/bmdt/?page=3", 404).await;
    t.page(JIA, "/xwzx/bmdt/?page=0", 400).await;
    t.page(JIA, "/xwzx/bmdt/?page=1000000000000", 404).await;
    t.page(JIA, "/xwzx/bmdt/?page=99999999999999999999999", 400)
        .await;
    t.page(JIA, "/xwzx/bmdt/?page=-1", 400).await;
    // Parent columns list their subtree.
    assert!(
        t.page(JIA, "/xwzx/", 200)
            .await
            .contains("佳县召开安全生产工作会议")
    );

    let art = t.page(JIA, &format!("/art/{}.html", f.a), 200).await;
    assert!(art.contains("佳县召开安全生产工作会议正文") && art.contains("6108280001/202610-"));
    // Disclosure metadata, and the policy ↔ interpretation link both ways.
    let pol = t.page(JIA, &format!("/art/{}.html", f.policy), 200).await;
    for needle in [
        "索引号",
        "发文字号",
        "佳政办函〔2019〕54号",
        "成文日期",
        "2019-09-16",
        "发布机构",
        "公文时效",
        "有效",
        "政策解读",
    ] {
        assert!(pol.contains(needle), "policy page shows {needle}");
    }
    let interp_url = pol
        .split("政策解读</h2><ul><li><a href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    assert!(
        t.page(JIA, &interp_url, 200)
            .await
            .contains(&format!("/art/{}.html", f.policy))
    );

    // Single-page column shows its article's body.
    assert!(t.page(JIA, "/zjgk/gk/", 200).await.contains("佳县概况正文"));
    // Catalogue with filters.
    let cat = t.page(JIA, "/xxgkml/", 200).await;
    assert!(cat.contains("佳政办函〔2019〕54号"));
    assert!(
        t.page(
            JIA,
            "/xxgkml/?year=2026&topic=%E7%BB%BC%E5%90%88%E6%94%BF%E5%8A%A1",
            200
        )
        .await
        .contains("佳政办函〔2019〕54号")
    );
    // Filters offer only the values the site's documents have; any other is a 404.
    assert!(
        t.page(JIA, "/xxgkml/?year=2025", 404)
            .await
            .contains("本站没有 2025 年的公开信息")
    );
    assert!(
        t.page(
            JIA,
            "/xxgkml/?year=2026&organ=%E4%BD%B3%E5%8E%BF%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C%E5%8A%9E%E5%85%AC%E5%AE%A4",
            200
        )
        .await
        .contains("佳政办函〔2019〕54号")
    );
    t.page(JIA, "/xxgkml/?year=abc", 400).await;
    // A column without its slash is redirected; unknown things are themed 404s.
    let r = t.get(JIA, "/xwzx").await;
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers().get("location").and_then(|v| v.to_str().ok())
        ),
        (301, Some("/xwzx/"))
    );
    let nf = t.page(JIA, "/no-such-column/", 404).await;
    assert!(
        nf.contains("页面不存在") && nf.contains("佳县人民政府"),
        "themed 404"
    );
    t.page(JIA, "/art/0.html", 404).await;
    t.page(JIA, "/art/abc.html", 404).await;
    t.page(JIA, "/%FF%FE/", 400).await;
    t.page(JIA, "/static/default/../../etc/passwd", 404).await;
    t.page(JIA, "/static/default/site.css", 200).await;
}

/// The catalogue's filter values are kept beside the page cache (issue 17): a value that a newly
/// published document brings is offered at once, though the answer without it was read first.
#[tokio::test]
async fn a_filter_value_a_new_document_brings_is_offered_at_once() {
    let f = fixture().await;
    let t = &f.t;
    let topic = "/xxgkml/?topic=%E5%9F%8E%E4%B9%A1%E5%BB%BA%E8%AE%BE";
    t.page(JIA, "/xxgkml/?year=2025", 404).await;
    t.page(JIA, topic, 404).await;
    let jia = site_by_code(&t.store, "6108280001").await;
    let files = column_id(&t.store, jia.id, "zwgk/zcwj").await;
    t.store
        .create_article(
            jia.id,
            ArticleInput {
                title: "佳县2025年城乡建设规划".into(),
                body_html: "<p>规划正文</p>".into(),
                published: true,
                published_at: Some(Utc.with_ymd_and_hms(2025, 3, 1, 2, 0, 0).unwrap()),
                disclosure: Some(zhanqun_store::DisclosureInput {
                    topic: Some("城乡建设".into()),
                    issuing_organ: Some("佳县住建局".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &[files],
        )
        .await
        .unwrap();
    for path in ["/xxgkml/?year=2025", topic] {
        assert!(
            t.page(JIA, path, 200)
                .await
                .contains("佳县2025年城乡建设规划"),
            "{path}"
        );
    }
}

/// Issue 17: what a visitor cannot use to fill the page cache. Filter values no document has,
/// pages past the end and query parameters a page does not read are answered without a new
/// cache entry; the values that exist are cached once each.
#[tokio::test]
async fn unknown_filters_and_pages_past_the_end_are_not_cached() {
    let f = fixture().await;
    let t = &f.t;
    t.page(JIA, "/xxgkml/", 200).await;
    t.page(JIA, "/xwzx/bmdt/", 200).await;
    let before = t.app.pages().entry_count();
    for (path, status) in [
        (
            "/xxgkml/?topic=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E4%B8%BB%E9%A2%98",
            404,
        ),
        ("/xxgkml/?organ=%E6%9F%90%E6%9F%90%E5%B1%80", 404),
        ("/xxgkml/?year=1999", 404),
        ("/xxgkml/?page=40", 404),
        ("/xxgkml/?year=2026&page=9", 404),
        ("/xwzx/bmdt/?page=500", 404),
        ("/xwzx/bmdt/?page=18446744073709551615", 404),
        ("/xwzx/bmdt/?utm_source=x&page=1", 200),
        ("/xxgkml/?unread=1&another=2", 200),
    ] {
        t.page(JIA, path, status).await;
        assert_eq!(
            t.app.pages().entry_count(),
            before,
            "{path} left the page cache as it was"
        );
    }
    // A value that exists is a page of its own, cached once.
    t.page(JIA, "/xxgkml/?year=2026", 200).await;
    t.page(JIA, "/xxgkml/?year=2026&zzz=1", 200).await;
    assert_eq!(t.app.pages().entry_count(), before + 1);
}

#[tokio::test]
async fn tenant_isolation_on_public_pages() {
    let f = fixture().await;
    let t = &f.t;
    // Another site's article, a draft: not found, with nothing of the other site in the page.
    let other = t.page(JIA, &format!("/art/{}.html", f.mi_only), 404).await;
    assert!(!other.contains("米脂县独有信息"));
    let draft = t.page(JIA, &format!("/art/{}.html", f.draft), 404).await;
    assert!(!draft.contains("XYZZY"));
    // The sitemap part of the month the other site's article was published in.
    let when = t
        .store
        .article(f.mi_only)
        .await
        .unwrap()
        .unwrap()
        .published_at;
    let month = when.format("/sitemap-%Y-%m.xml").to_string();
    for path in [
        "/",
        "/xwzx/",
        "/xwzx/zwyw/",
        "/rss.xml",
        "/xwzx/zwyw/rss.xml",
        "/sitemap.xml",
        "/sitemap-pages.xml",
        &month,
        "/xxgkml/",
    ] {
        let body = t.page(JIA, path, 200).await;
        assert!(!body.contains("XYZZY"), "draft title leaked on {path}");
        assert!(
            !body.contains("米脂县独有信息"),
            "other site leaked on {path}"
        );
        assert!(
            !body.contains(&format!("/art/{}.html", f.draft)),
            "draft URL leaked on {path}"
        );
    }
    // Unknown host: a plain 404 that names no site.
    for host in [
        "evil.example",
        "9999999999.localhost",
        "localhost",
        "",
        "..",
        "www.jiaxian.gov.cn.evil.example",
    ] {
        let r = t.get(host, "/").await;
        assert_eq!(r.status().as_u16(), 404, "host {host:?}");
        let body = r.text().await.unwrap();
        assert!(
            !body.contains("人民政府") && !body.contains("教育厅"),
            "unknown host page names a site: {body}"
        );
    }
    let r = t
        .client
        .post(format!("http://{}/", t.public))
        .header("host", JIA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
}

#[tokio::test]
async fn site_status_suspended_and_archived() {
    let f = fixture().await;
    let t = &f.t;
    let mi = site_by_code(&t.store, "6108270001").await;
    t.page(MI, "/", 200).await;
    t.store
        .set_site_status(mi.id, SiteStatus::Suspended)
        .await
        .unwrap();
    let r = t.get(MI, "/").await;
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("维护"));
    t.store
        .set_site_status(mi.id, SiteStatus::Archived)
        .await
        .unwrap();
    assert_eq!(t.get(MI, "/xwzx/").await.status().as_u16(), 410);
    t.store
        .set_site_status(mi.id, SiteStatus::Active)
        .await
        .unwrap();
    t.page(MI, "/", 200).await;
    t.page(JIA, "/", 200).await;
}

#[tokio::test]
async fn editing_an_article_refreshes_exactly_its_pages() {
    let f = fixture().await;
    let t = &f.t;
    let a_path = format!("/art/{}.html", f.a);
    let b_path = format!("/art/{}.html", f.b);
    // Reprint A onto 米脂 too: its pages there must follow the edit.
    let mi = site_by_code(&t.store, "6108270001").await;
    let mi_news = column_at(&t.store, mi.id, "xwzx/zwyw").await;
    t.store.place_article(f.a, mi.id, mi_news.id).await.unwrap();
    let pages = [
        (JIA, a_path.as_str()),
        (JIA, "/xwzx/zwyw/"),
        (JIA, "/"),
        (MI, a_path.as_str()),
        (MI, "/xwzx/zwyw/"),
        (MI, "/"),
    ];
    for (h, p) in pages {
        assert!(
            t.page(h, p, 200).await.contains("佳县召开安全生产工作会议"),
            "{h}{p} before"
        );
    }
    t.page(JIA, &b_path, 200).await;
    t.page(JIA, "/xwzx/tzgg/", 200).await;
    // Warm: all cached now.
    let hits0 = t.metric("zhanqun_page_cache_hits_total").await;
    let misses0 = t.metric("zhanqun_page_cache_misses_total").await;
    t.page(JIA, &b_path, 200).await;
    t.page(JIA, "/xwzx/tzgg/", 200).await;
    assert_eq!(t.metric("zhanqun_page_cache_hits_total").await - hits0, 2.0);
    assert_eq!(t.metric("zhanqun_page_cache_misses_total").await, misses0);

    // Edit A through the store.
    let mut edited = published("佳县召开安全生产工作会议（更正稿）", "<p>更正后的正文</p>");
    edited.published_at = Some(t.store.article(f.a).await.unwrap().unwrap().published_at);
    t.store.update_article(f.a, edited).await.unwrap();

    let hits1 = t.metric("zhanqun_page_cache_hits_total").await;
    let misses1 = t.metric("zhanqun_page_cache_misses_total").await;
    for (h, p) in pages {
        assert!(
            t.page(h, p, 200).await.contains("（更正稿）"),
            "{h}{p} shows the edit on the next request"
        );
    }
    assert_eq!(
        t.metric("zhanqun_page_cache_misses_total").await - misses1,
        pages.len() as f64,
        "each affected page re-rendered once"
    );
    // Untouched pages come from the cache.
    t.page(JIA, &b_path, 200).await;
    t.page(JIA, "/xwzx/tzgg/", 200).await;
    assert_eq!(
        t.metric("zhanqun_page_cache_hits_total").await - hits1,
        2.0,
        "untouched pages are cache hits"
    );
    assert_eq!(
        t.metric("zhanqun_page_cache_misses_total").await - misses1,
        pages.len() as f64
    );

    // Withdrawing takes it down everywhere: 410 on its URL, gone from lists.
    t.store
        .set_article_status(f.a, ArticleStatus::Withdrawn)
        .await
        .unwrap();
    t.page(JIA, &a_path, 410).await;
    t.page(MI, &a_path, 410).await;
    assert!(!t.page(MI, "/xwzx/zwyw/", 200).await.contains("更正稿"));
    assert!(!t.page(JIA, "/rss.xml", 200).await.contains("更正稿"));
}

#[tokio::test]
async fn conditional_requests_and_compression() {
    let f = fixture().await;
    let t = &f.t;
    let r = t.get(JIA, "/").await;
    let etag = r
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        r.headers().get("cache-control").unwrap(),
        "public, max-age=60"
    );
    assert!(
        r.headers()
            .get("vary")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Accept-Encoding")
    );
    let identity = r.bytes().await.unwrap();
    let r = t.get_with(JIA, "/", &[("if-none-match", &etag)]).await;
    assert_eq!(r.status().as_u16(), 304);
    for enc in ["gzip", "br"] {
        let r = t.get_with(JIA, "/", &[("accept-encoding", enc)]).await;
        assert_eq!(r.headers().get("content-encoding").unwrap(), enc);
        let tag = r
            .headers()
            .get("etag")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let body = r.bytes().await.unwrap();
        assert!(body.len() < identity.len() / 2, "{enc} compresses");
        assert_eq!(
            zhanqun_web::cache::decode(Some(enc), &body).unwrap(),
            identity.to_vec()
        );
        assert_eq!(
            t.get_with(
                JIA,
                "/",
                &[("if-none-match", &tag), ("accept-encoding", enc)]
            )
            .await
            .status()
            .as_u16(),
            304
        );
    }
    // Security headers on pages, errors and unknown hosts alike.
    for (h, p) in [(JIA, "/"), (JIA, "/nope/"), ("unknown.example", "/")] {
        let r = t.get(h, p).await;
        assert_eq!(
            r.headers().get("x-content-type-options").unwrap(),
            "nosniff",
            "{h}{p}"
        );
        let csp = r
            .headers()
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("object-src 'none'") && !csp.contains("unsafe-inline"));
    }
}

/// Checks a `<urlset>` against the sitemap schema with xmllint.
fn assert_valid_sitemap(name: &str, body: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, body).unwrap();
    let xsd = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sitemap.xsd");
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
        .expect("xmllint (Debian libxml2-utils) must be installed");
    assert!(
        out.status.success(),
        "{name} invalid: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A site with more than a thousand articles serves /sitemap.xml as an index of monthly parts
/// (the protocol allows 50,000 URLs a file; a month keeps every miss small), each part valid
/// against the sitemap schema; a month the index does not list is a 404 and caches nothing.
#[tokio::test]
async fn a_large_site_serves_a_sitemap_index() {
    let f = fixture().await;
    let t = &f.t;
    let jia = site_by_code(&t.store, "6108280001").await;
    let news = column_id(&t.store, jia.id, "xwzx/zwyw").await;
    let items: Vec<zhanqun_store::BulkArticle> = (0..1_050)
        .map(|i| zhanqun_store::BulkArticle {
            site: jia.id,
            input: ArticleInput {
                title: format!("往年信息{i}"),
                body_html: "<p>正文</p>".into(),
                published: true,
                // 350 articles in each of January, February and March 2024.
                published_at: Some(
                    Utc.with_ymd_and_hms(2024, 1 + i / 350, 1 + (i % 28), 3, 0, 0)
                        .unwrap(),
                ),
                ..Default::default()
            },
            columns: vec![news],
            elsewhere: Vec::new(),
        })
        .collect();
    t.store.bulk_load(&items).await.unwrap();
    let index = t.page(JIA, "/sitemap.xml", 200).await;
    assert!(index.contains("<sitemapindex"), "{index}");
    for part in [
        "sitemap-pages.xml",
        "sitemap-2024-01.xml",
        "sitemap-2024-03.xml",
        "sitemap-2024-07.xml",
    ] {
        assert!(
            index.contains(&format!("<loc>http://6108280001.localhost/{part}</loc>")),
            "{part} listed"
        );
    }
    assert!(!index.contains("sitemap-2023-12.xml"));
    let feb = t.page(JIA, "/sitemap-2024-02.xml", 200).await;
    assert_eq!(feb.matches("<url>").count(), 350);
    let pages = t.page(JIA, "/sitemap-pages.xml", 200).await;
    assert!(pages.contains("<loc>http://6108280001.localhost/xwzx/zwyw/</loc>"));
    assert_valid_sitemap("sitemap-2024-02.xml", &feb);
    assert_valid_sitemap("sitemap-pages.xml", &pages);
    let before = t.app.pages().entry_count();
    for path in [
        "/sitemap-2023-12.xml",
        "/sitemap-2099-01.xml",
        "/sitemap-2024-13.xml",
        "/sitemap-x.xml",
    ] {
        t.page(JIA, path, 404).await;
    }
    assert_eq!(t.app.pages().entry_count(), before);
}

#[tokio::test]
async fn feeds_sitemap_and_html_are_valid() {
    let f = fixture().await;
    let t = &f.t;
    // RSS parses in a standard feed parser, per site and per column.
    for path in ["/rss.xml", "/xwzx/rss.xml", "/xwzx/bmdt/rss.xml"] {
        let r = t.get(JIA, path).await;
        assert_eq!(
            r.headers().get("content-type").unwrap(),
            "application/rss+xml; charset=utf-8"
        );
        let feed = feed_rs::parser::parse(&r.bytes().await.unwrap()[..])
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(!feed.entries.is_empty(), "{path} has entries");
        assert!(feed.entries.iter().all(|e| {
            e.links
                .first()
                .is_some_and(|l| l.href.starts_with("http://6108280001.localhost/art/"))
        }));
    }
    // The sitemap is valid against the sitemap schema (xmllint).
    let sitemap = t.page(JIA, "/sitemap.xml", 200).await;
    assert!(sitemap.contains(&format!("http://6108280001.localhost/art/{}.html", f.a)));
    assert_valid_sitemap("sitemap.xml", &sitemap);
    // HTML of every page kind parses without errors (html5ever, the HTML5 parsing algorithm).
    let pages = [
        "/".to_string(),
        "/xwzx/".to_string(),
        "/xwzx/bmdt/?page=2".to_string(),
        format!("/art/{}.html", f.a),
        format!("/art/{}.html", f.policy),
        "/zjgk/gk/".to_string(),
        "/xxgkml/".to_string(),
        "/nope/".to_string(),
    ];
    for host in [JIA, EDU] {
        for p in &pages {
            let html = t.get(host, p).await.text().await.unwrap();
            let doc = scraper::Html::parse_document(&html);
            assert!(
                doc.errors.is_empty(),
                "{host}{p}: HTML parse errors {:?}",
                doc.errors
            );
        }
    }
}

#[tokio::test]
async fn themes_per_site_and_overrides() {
    let f = fixture().await;
    let t = &f.t;
    let edu = t.page(EDU, "/", 200).await;
    assert!(
        edu.contains("/static/department/site.css") && edu.contains("dept-intro"),
        "department theme"
    );
    let jia = t.page(JIA, "/", 200).await;
    assert!(jia.contains("/static/default/site.css"));
    assert!(jia.contains("notice-bar"), "佳县's own home.html override");
    assert!(
        !t.page(MI, "/", 200).await.contains("notice-bar"),
        "overrides are per site"
    );
    let css = t.get(EDU, "/static/department/site.css").await;
    assert_eq!(
        css.headers().get("content-type").unwrap(),
        "text/css; charset=utf-8"
    );
    // Department theme falls back to default assets.
    t.page(EDU, "/static/department/emblem.svg", 200).await;
    // Index numbers follow the site's own pattern.
    let edu_site = site_by_code(&t.store, "6100000003").await;
    let col = column_at(&t.store, edu_site.id, "xwdt").await;
    let id = t
        .store
        .create_article(
            edu_site.id,
            published("教育厅召开会议", "<p>x</p>"),
            &[col.id],
        )
        .await
        .unwrap();
    assert!(
        t.page(EDU, &format!("/art/{id}.html"), 200)
            .await
            .contains("SXJYT-")
    );
}

#[tokio::test]
async fn management_listener() {
    let t = TestApp::spawn().await;
    let get = |p: &str| t.client.get(format!("http://{}{p}", t.manage)).send();
    assert_eq!(get("/healthz").await.unwrap().status().as_u16(), 200);
    assert_eq!(get("/readyz").await.unwrap().status().as_u16(), 200);
    let m = get("/metrics").await.unwrap();
    assert!(m.headers().get("x-request-id").is_some());
    let text = m.text().await.unwrap();
    assert!(
        text.contains("zhanqun_page_cache_hits_total")
            && text.contains("zhanqun_db_pool_connections")
    );
    assert_eq!(get("/nope").await.unwrap().status().as_u16(), 404);
    // The public listener does not serve management paths.
    assert_eq!(t.get(JIA, "/metrics").await.status().as_u16(), 404);

    // After some traffic, every family has samples: the exposition parses as Prometheus text
    // (promtool, which tests/run.sh installs), and the labels are the bounded ones.
    t.store
        .apply_sites(&zhanqun_tests::fixture_sites())
        .await
        .unwrap();
    t.app.sync_changes().await.unwrap();
    t.page(JIA, "/", 200).await;
    t.get("unknown.example", "/").await;
    let text = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(text.contains("zhanqun_site_requests_total{class=\"2xx\",site=\"6108280001\"} 1"));
    assert!(text.contains("zhanqun_site_requests_total{class=\"4xx\",site=\"unknown\"} 2"));
    assert!(text.contains(
        "zhanqun_manage_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"} 1"
    ));
    assert!(
        text.contains("route=\"unmatched\",status=\"404\""),
        "{text}"
    );
    let mut promtool = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus; tests/run.sh installs it)");
    use std::io::Write as _;
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = promtool.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The rendered disclosure article, as a snapshot: any change to what a visitor sees on a policy
/// page shows up in review (`cargo insta review`).
#[tokio::test]
async fn policy_page_snapshot() {
    let f = fixture().await;
    let html = f.t.page(JIA, &format!("/art/{}.html", f.policy), 200).await;
    let main = html
        .split("<main id=\"main\" class=\"wrap\" tabindex=\"-1\">")
        .nth(1)
        .and_then(|r| r.split("</main>").next())
        .unwrap();
    // Ids depend on insertion order only, but keep the snapshot independent of them.
    let mut redacted = main.to_string();
    for (id, name) in [(f.policy, "POLICY"), (f.a, "A"), (f.b, "B")] {
        redacted = redacted.replace(&format!("/art/{id}.html"), &format!("/art/[{name}].html"));
    }
    let redacted = regex_lite_ids(&redacted);
    insta::assert_snapshot!("policy_page_main", redacted);
}

/// Replaces the remaining article ids in URLs (the interpretation's) with `[ID]`.
fn regex_lite_ids(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("/art/") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("[ID]");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// Issue 18, rows 9 and 10: the `Host` a visitor sent was printed into cached HTML
/// (`<meta name="SiteDomain">`, case, port and trailing dot kept), and feeds, sitemaps and
/// robots.txt were cached once per `host:port` a visitor chose. Now pages print the site's own
/// host name, and those files are keyed by the normalised name and a port the server serves on.
#[tokio::test]
async fn the_host_a_visitor_sends_neither_shows_in_pages_nor_floods_the_cache() {
    let f = fixture().await;
    let t = &f.t;
    let meta = r#"<meta name="SiteDomain" content="www.jiaxian.gov.cn">"#;
    // The first visitor after a change sends an odd Host; what is cached is the site's own.
    let home = t.page("WWW.JiaXian.GOV.cn.:31337", "/", 200).await;
    assert!(home.contains(meta), "{home}");
    assert!(!home.contains("31337") && !home.contains("JiaXian"));
    assert!(t.page(JIA, "/", 200).await.contains(meta));

    let files = [
        "/rss.xml",
        "/sitemap.xml",
        "/robots.txt",
        "/xwzx/bmdt/rss.xml",
    ];
    for path in files {
        t.page("www.jiaxian.gov.cn", path, 200).await;
    }
    let before = t.app.pages().entry_count();
    for port in 1000..1030 {
        for (i, path) in files.iter().enumerate() {
            let host = if i % 2 == 0 {
                format!("WWW.jiaxian.gov.cn.:{port}")
            } else {
                format!("www.jiaxian.gov.cn:{port}")
            };
            let body = t.page(&host, path, 200).await;
            assert!(!body.contains(&format!(":{port}")), "{host}{path}: {body}");
            assert!(!body.contains("gov.cn./"), "{host}{path}: {body}");
        }
    }
    assert_eq!(
        t.app.pages().entry_count(),
        before,
        "120 requests with chosen ports added no cache entry"
    );
}

/// The main content of the pages a visitor reads most, as snapshots (article ids redacted): a
/// change in what a page shows is seen in review, not found by a visitor.
#[tokio::test]
async fn main_pages_snapshots() {
    let f = fixture().await;
    for (name, path) in [
        ("home_main", "/".to_string()),
        ("column_list_page_2_main", "/xwzx/bmdt/?page=2".to_string()),
        ("catalogue_main", "/xxgkml/".to_string()),
        ("news_article_main", format!("/art/{}.html", f.a)),
    ] {
        let html = f.t.page(JIA, &path, 200).await;
        let main = html
            .split("<main id=\"main\" class=\"wrap\" tabindex=\"-1\">")
            .nth(1)
            .and_then(|r| r.split("</main>").next())
            .unwrap_or_else(|| panic!("{path} has its <main>"));
        insta::assert_snapshot!(name, regex_lite_ids(main));
    }
}
