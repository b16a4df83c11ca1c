//! Site search (issue 7): a site's own search, the province-wide search of the province portal,
//! freshness after publishing and withdrawing, reprints found on every site that shows them,
//! drafts found nowhere, a node catching up from the change log, and any input answered.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use zhanqun_core::*;
use zhanqun_store::{ArticleInput, DisclosureInput, NewItem, NewSource, ReprintMode};
use zhanqun_tests::TestApp;
use zhanqun_web::search::CatchUp;

const JIA: &str = "www.jiaxian.gov.cn";
const MIZHI: &str = "www.mizhi.gov.cn";
const PROVINCE: &str = "www.shaanxi.gov.cn";

/// The fixture province and its portal: (佳县, 米脂, 省政府) ids and the lookup of columns.
async fn province(t: &TestApp) -> zhanqun_tests::Fixture {
    t.province_fixture().await
}

fn article(title: &str, body: &str) -> ArticleInput {
    ArticleInput {
        title: title.into(),
        body_html: format!("<p>{body}</p>"),
        published: true,
        ..Default::default()
    }
}

/// The search page of `host` for `query` (a raw query string).
async fn search(t: &TestApp, host: &str, query: &str) -> String {
    t.page(host, &format!("/search?{query}"), 200).await
}

fn q(text: &str) -> String {
    format!(
        "q={}",
        percent_encoding_lite(text) // spaces and reserved characters escaped
    )
}

fn percent_encoding_lite(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Result titles of a search page, markup removed.
fn titles(page: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(".hits h2 a").unwrap();
    doc.select(&sel)
        .map(|a| a.text().collect::<String>())
        .collect()
}

/// Waits (up to `limit`) until `host`'s search for `text` satisfies `ok`; returns how long it
/// took, or None.
async fn until(
    t: &TestApp,
    host: &str,
    text: &str,
    limit: Duration,
    ok: impl Fn(&[String]) -> bool,
) -> Option<Duration> {
    let start = Instant::now();
    loop {
        let found = titles(&search(t, host, &q(text)).await);
        if ok(&found) {
            return Some(start.elapsed());
        }
        if start.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_site_finds_its_own_published_articles() {
    let t = TestApp::spawn().await;
    let f = province(&t).await;
    let jia = f.site("6108280001");
    let mizhi = f.site("6108270001");
    t.store
        .create_article(
            jia,
            article(
                "关于进一步加强安全生产工作的通知",
                "各镇人民政府：为切实做好安全生产工作，现将有关事项通知如下。",
            ),
            &[f.column("6108280001/zwgk/zcwj")],
        )
        .await
        .unwrap();
    t.store
        .create_article(
            jia,
            article(
                "佳县召开防汛工作部署会",
                "佳县人民政府召开会议，部署防汛工作。",
            ),
            &[f.column("6108280001/xwzx/zwyw")],
        )
        .await
        .unwrap();
    t.store
        .create_article(
            mizhi,
            article("米脂县召开安全生产工作会议", "米脂县部署安全生产大检查。"),
            &[f.column("6108270001/xwzx/zwyw")],
        )
        .await
        .unwrap();
    let mut doc = article(
        "佳县人民政府办公室关于印发佳县城乡环境整治方案的函",
        "现将方案印发给你们，请认真贯彻执行。",
    );
    doc.disclosure = Some(DisclosureInput {
        doc_number: Some("佳政办函〔2019〕54号".into()),
        topic: Some("城乡建设、环境保护".into()),
        ..Default::default()
    });
    t.store
        .create_article(jia, doc, &[f.column("6108280001/zwgk/zcwj")])
        .await
        .unwrap();

    // 安全生产 finds the safety notice, on 佳县's site only 佳县's.
    until(&t, JIA, "安全生产", Duration::from_secs(5), |r| {
        !r.is_empty()
    })
    .await
    .expect("indexed");
    let page = search(&t, JIA, &q("安全生产")).await;
    assert_eq!(titles(&page), vec!["关于进一步加强安全生产工作的通知"]);
    assert!(page.contains("<b>安全生产</b>"), "highlighted");
    assert_eq!(
        titles(&search(&t, MIZHI, &q("安全生产")).await),
        vec!["米脂县召开安全生产工作会议"]
    );
    // 佳县 finds 佳县's items (a place name is one word: not 佳 and 县).
    let found = titles(&search(&t, JIA, &q("佳县")).await);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(titles(&search(&t, MIZHI, &q("佳县")).await).is_empty());
    // A document number finds its document, first; half-width brackets too.
    for number in ["佳政办函〔2019〕54号", "佳政办函[2019]54号"] {
        let found = titles(&search(&t, JIA, &q(number)).await);
        assert_eq!(
            found.first().map(String::as_str),
            Some("佳县人民政府办公室关于印发佳县城乡环境整治方案的函"),
            "{number}: {found:?}"
        );
    }
    // Filters: topic, column, year.
    let by_topic = search(
        &t,
        JIA,
        &format!(
            "{}&topic={}",
            q("佳县"),
            percent_encoding_lite("城乡建设、环境保护")
        ),
    )
    .await;
    assert_eq!(titles(&by_topic).len(), 1);
    let by_column = search(&t, JIA, &format!("{}&column=xwzx", q("佳县"))).await;
    assert_eq!(titles(&by_column), vec!["佳县召开防汛工作部署会"]);
    assert!(titles(&search(&t, JIA, &format!("{}&year=2001", q("佳县"))).await).is_empty());
    // Results are never cached by browsers or proxies.
    let res = t.get(JIA, &format!("/search?{}", q("佳县"))).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(
        t.metric(r#"zhanqun_search_queries_total{scope="site"}"#)
            .await
            >= 1.0
    );
}

#[tokio::test]
async fn publish_and_withdraw_show_in_search_within_a_second() {
    let t = TestApp::spawn().await;
    let f = province(&t).await;
    let jia = f.site("6108280001");
    let title = "佳县开展冬季供暖保障专项检查";
    let id = t
        .store
        .create_article(
            jia,
            article(title, "检查供暖设施运行情况。"),
            &[f.column("6108280001/xwzx/zwyw")],
        )
        .await
        .unwrap();
    let took = until(&t, JIA, "供暖保障", Duration::from_secs(1), |r| {
        r.iter().any(|x| x == title)
    })
    .await;
    assert!(took.is_some(), "published, not found within 1 s");
    // An edit: the new title is found, the old one no longer.
    let mut edited = article("佳县开展冬季取暖安全专项检查", "检查取暖设施运行情况。");
    edited.published = true;
    t.store.update_article(id, edited).await.unwrap();
    let took = until(&t, JIA, "供暖保障", Duration::from_secs(1), |r| {
        r.is_empty()
    })
    .await;
    assert!(took.is_some(), "edited, old title still found after 1 s");
    assert!(
        until(&t, JIA, "取暖安全", Duration::from_secs(1), |r| r.len()
            == 1)
        .await
        .is_some()
    );
    // Withdrawn: gone within a second.
    t.store
        .set_article_status(id, ArticleStatus::Withdrawn)
        .await
        .unwrap();
    let took = until(&t, JIA, "取暖安全", Duration::from_secs(1), |r| {
        r.is_empty()
    })
    .await;
    assert!(took.is_some(), "withdrawn, still found after 1 s");
    eprintln!("withdrawn article gone from search after {took:?}");
}

#[tokio::test]
async fn a_draft_is_found_nowhere() {
    let t = TestApp::spawn().await;
    let f = province(&t).await;
    let jia = f.site("6108280001");
    let secret = "内部草稿关于调整干部任免事项的请示";
    let mut draft = article(secret, "尚未审核的草稿正文。");
    draft.published = false;
    let id = t
        .store
        .create_article(jia, draft, &[f.column("6108280001/zwgk/zcwj")])
        .await
        .unwrap();
    // Something published after it, so that the index has certainly taken both in.
    t.store
        .create_article(
            jia,
            article("佳县公布冬季供暖热线", "供暖热线电话。"),
            &[f.column("6108280001/zwgk/zcwj")],
        )
        .await
        .unwrap();
    until(&t, JIA, "供暖热线", Duration::from_secs(5), |r| {
        r.len() == 1
    })
    .await
    .expect("indexed");
    for host in [JIA, MIZHI, PROVINCE] {
        for query in [q(secret), q("干部任免"), format!("{}&scope=all", q(secret))] {
            let page = search(&t, host, &query).await;
            assert!(titles(&page).is_empty(), "{host} {query}");
            assert!(!page.contains(&format!("/art/{id}.html")), "{host} {query}");
            assert!(!page.contains("草稿正文"), "{host} {query}");
        }
    }
    for path in ["/rss.xml", "/zwgk/zcwj/rss.xml", "/sitemap.xml"] {
        let body = t.get(JIA, path).await.text().await.unwrap();
        assert!(!body.contains("干部任免"), "{path}");
        assert!(!body.contains(&format!("/art/{id}.html")), "{path}");
    }
}

#[tokio::test]
async fn a_reprinted_item_is_found_on_every_site_that_shows_it_and_province_wide() {
    let t = TestApp::spawn().await;
    let f = province(&t).await;
    let admin = |name: &'static str, code: &'static str| {
        let t = &t;
        let f = &f;
        async move {
            let id = t.account(name, None).await;
            t.grant(id, SiteRole::SiteAdmin, f.site(code), None).await;
            let account = t.store.account(id).await.unwrap().unwrap();
            zhanqun_store::Actor {
                principal: t.store.principal(account).await.unwrap(),
                client: Some("test".into()),
                request_id: None,
            }
        }
    };
    let office = admin("office", "6100000001").await;
    let source = t
        .store
        .create_source(
            Some(&office),
            &NewSource {
                name: "国务院文件".into(),
                kind: "manual".into(),
                url: None,
                attribution: "中国政府网".into(),
                owner: f.site("6100000001"),
                owner_column: f.column("6100000001/xwzx/xzdt"),
                poll_seconds: None,
                extract_selector: None,
            },
        )
        .await
        .unwrap();
    for (name, code) in [("jx-admin", "6108280001"), ("mz-admin", "6108270001")] {
        let site_admin = admin(name, code).await;
        let col = "xwzx/tzgg";
        t.store
            .subscribe(
                Some(&site_admin),
                source,
                f.column(&format!("{code}/{col}")),
                ReprintMode::Publish,
                false,
            )
            .await
            .unwrap();
    }
    let title = "国务院办公厅关于做好今冬明春能源保供工作的通知";
    // As the feed poller brings it (an item entered by hand waits for review; see reprint.rs).
    t.store
        .ingest(
            None,
            source,
            &NewItem {
                guid: "https://www.gov.cn/zhengce/content_0001.htm".into(),
                title: title.into(),
                summary: None,
                body_html: "<p>各省、自治区、直辖市人民政府：做好能源保供工作。</p>".into(),
                link: Some("https://www.gov.cn/zhengce/content_0001.htm".into()),
                published_at: chrono::Utc::now() - chrono::Duration::minutes(5),
                hash: None,
            },
        )
        .await
        .unwrap();
    // A county item too, for the province-wide facet.
    t.store
        .create_article(
            f.site("6108280001"),
            article("佳县做好能源保供", "保障群众温暖过冬。"),
            &[f.column("6108280001/xwzx/zwyw")],
        )
        .await
        .unwrap();
    for host in [JIA, MIZHI, PROVINCE] {
        let found = until(&t, host, "能源保供", Duration::from_secs(5), |r| {
            r.iter().any(|x| x == title)
        })
        .await;
        assert!(found.is_some(), "{host}");
    }
    // Each site links to its own copy.
    let page = search(&t, MIZHI, &q("能源保供")).await;
    assert!(page.contains(r#"href="/art/"#), "{page}");

    // The province portal: all sites, a facet per site, links to each item's site.
    let all = format!("{}&scope=all", q("能源保供"));
    let start = Instant::now();
    let mut page = search(&t, PROVINCE, &all).await;
    while titles(&page).len() < 2 && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        page = search(&t, PROVINCE, &all).await;
    }
    let found = titles(&page);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(page.contains("按网站"));
    for name in ["佳县人民政府", "米脂县人民政府", "陕西省人民政府"] {
        assert!(page.contains(name), "{name} in the facet");
    }
    assert!(page.contains("http://www.jiaxian.gov.cn"), "{page}");
    // Picking a site in the facet keeps the facet and narrows the results.
    let page = search(
        &t,
        PROVINCE,
        &format!("{}&scope=all&site=6108270001", q("能源保供")),
    )
    .await;
    assert_eq!(titles(&page), vec![title]);
    assert!(page.contains("佳县人民政府"), "the facet stays");
    // A county site has no province-wide scope.
    let page = search(&t, MIZHI, &format!("{}&scope=all", q("能源保供"))).await;
    assert_eq!(titles(&page), vec![title]);
    assert!(!page.contains("按网站"));
}

#[tokio::test]
async fn any_input_gets_a_page_not_an_error() {
    let t = TestApp::spawn().await;
    let f = province(&t).await;
    let id = t
        .store
        .create_article(
            f.site("6108280001"),
            article("佳县2026年GDP增长6.5%", "全县生产总值增长6.5%。"),
            &[f.column("6108280001/xwzx/zwyw")],
        )
        .await
        .unwrap();
    // Markup typed as text in a title or body is shown as text in results, never as markup.
    t.store
        .create_article(
            f.site("6108280001"),
            article(
                "佳县网页<img src=x onerror=alert(2)>检查",
                "正文提到 &lt;img src=x onerror=alert(3)&gt; 网页检查。",
            ),
            &[f.column("6108280001/xwzx/zwyw")],
        )
        .await
        .unwrap();
    until(&t, JIA, "GDP", Duration::from_secs(5), |r| r.len() == 1)
        .await
        .expect("indexed");
    until(&t, JIA, "网页检查", Duration::from_secs(5), |r| {
        r.len() == 1
    })
    .await
    .expect("indexed");
    let page = search(&t, JIA, &q("网页检查 onerror")).await;
    assert!(page.contains("&lt;img"), "{page}");
    assert!(!page.contains("<img src=x"), "{page}");
    // Ten thousand characters (as many as a URL can carry of them).
    let long = "安全GDP".repeat(2_000);
    let link = format!("/art/{id}.html");
    let found = link.as_str();
    let cases: Vec<(String, &str)> = vec![
        ("q=".into(), "请输入要查找的关键词"),
        (String::new(), "请输入要查找的关键词"),
        (q("   "), "请输入要查找的关键词"),
        (q(&long), "关键词过长"),
        (
            q("\"GDP\" AND (title:佳县) OR * ~ ^ [a TO b] -q +w"),
            "已略去找不到的词语",
        ),
        (q("GDP AND title:佳县"), found),
        (q("ＧＤＰ增长"), found),
        (q("gdp 6.5%"), found),
        (q("！，。？、"), "没有可查找的字词"),
        (q("<script>alert(1)</script>"), "&lt;script&gt;alert(1)"),
        (format!("{}&page=abc", q("GDP")), "页码“abc”无效"),
        (format!("{}&page=999999999", q("GDP")), "最多显示前"),
        (format!("{}&year=20x6", q("GDP")), "年份“20x6”无效"),
        (format!("{}&column=nope", q("GDP")), "没有这个栏目"),
        (format!("{}&scope=all&site=9999999999", q("GDP")), found),
    ];
    for (query, expect) in cases {
        let res = t.get(JIA, &format!("/search?{query}")).await;
        assert_eq!(res.status(), 200, "{query}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains(expect),
            "{query}: no {expect}: {}",
            page.split("<main").nth(1).unwrap_or("")
        );
        assert!(!page.contains("<script>alert(1)"), "{query}: escaped");
    }
    // The province portal's own province-wide search, with a site that does not exist.
    let page = search(
        &t,
        PROVINCE,
        &format!("{}&scope=all&site=9999999999", q("GDP")),
    )
    .await;
    assert!(page.contains("没有这个网站"));
    assert!(page.contains(found));
}

#[tokio::test]
async fn a_node_that_was_down_catches_up_from_the_change_log() {
    let t = TestApp::spawn().await;
    let f = province(&t).await;
    let jia = f.site("6108280001");
    let col = f.column("6108280001/xwzx/zwyw");
    let first = t
        .store
        .create_article(jia, article("佳县春耕备耕工作有序推进", "春耕。"), &[col])
        .await
        .unwrap();
    let dir = t.app.config().data_dir.join("search-node-b");
    let (url, base) = (t.url.clone(), t.app.config().clone());
    let node = |dir: std::path::PathBuf| {
        let (url, mut config) = (url.clone(), base.clone());
        async move {
            config.search.dir = dir;
            let store = zhanqun_store::Store::connect(&url).await.unwrap();
            zhanqun_web::App::new(config, store).await.unwrap()
        }
    };
    let found = |app: &zhanqun_web::App, text: &str| {
        app.search_state()
            .index()
            .unwrap()
            .search(&zhanqun_search::SearchQuery {
                text: text.into(),
                site: Some(jia),
                limit: 10,
                ..Default::default()
            })
            .unwrap()
            .total
    };
    // Node B starts with no index: it builds one from the store.
    let b = node(dir.clone()).await;
    assert_eq!(b.search_catch_up().await.unwrap(), CatchUp::Rebuilt(1));
    assert_eq!(found(&b, "春耕备耕"), 1);
    drop(b);

    // While B is down: one article published, the first withdrawn.
    t.store
        .create_article(jia, article("佳县秋收工作全面展开", "秋收。"), &[col])
        .await
        .unwrap();
    t.store
        .set_article_status(first, ArticleStatus::Withdrawn)
        .await
        .unwrap();

    // B starts again on its index and replays what it missed.
    let b = node(dir.clone()).await;
    let caught = b.search_catch_up().await.unwrap();
    assert!(
        matches!(caught, CatchUp::Replayed(n) if n >= 2),
        "{caught:?}"
    );
    assert_eq!(found(&b, "秋收工作"), 1);
    assert_eq!(found(&b, "春耕备耕"), 0);
    drop(b);

    // An index of another store (ahead of this store's log) is rebuilt, not trusted.
    let other = zhanqun_tests::fresh_store().await;
    let mut config = t.app.config().clone();
    config.search.dir = dir;
    let c = zhanqun_web::App::new(config, other.store.clone())
        .await
        .unwrap();
    assert!(matches!(
        c.search_catch_up().await.unwrap(),
        CatchUp::Rebuilt(0)
    ));
    assert_eq!(found(&c, "秋收工作"), 0);
}

/// A node that starts just after a bulk load (which logs "everything changed") rebuilds its
/// index once. The indexer re-reads the last ids of the change log on every poll; it used to
/// take that same "everything changed" for a new one and rebuild a second time (five minutes of
/// both cores on the national fixture).
#[tokio::test]
async fn a_rebuild_is_not_repeated_for_the_load_it_already_read() {
    let t = TestApp::spawn().await;
    let f = province(&t).await;
    let jia = f.site("6108280001");
    let col = f.column("6108280001/xwzx/zwyw");
    let loaded = t
        .store
        .bulk_load(&[zhanqun_store::BulkArticle {
            site: jia,
            input: article("佳县历史档案批量载入", "档案。"),
            columns: vec![col],
            elsewhere: Vec::new(),
        }])
        .await
        .unwrap();
    assert_eq!(loaded, 1);
    let mut config = t.app.config().clone();
    config.search.dir = t.app.config().data_dir.join("search-after-load");
    let store = zhanqun_store::Store::connect(&t.url).await.unwrap();
    let node = zhanqun_web::App::new(config, store).await.unwrap();
    assert!(matches!(
        node.search_catch_up().await.unwrap(),
        CatchUp::Rebuilt(_)
    ));
    let indexed = node.metrics().search_updates.get();
    // The next rounds find nothing new: no second rebuild.
    for _ in 0..3 {
        assert_eq!(node.search_step().await.unwrap(), 0);
    }
    assert_eq!(node.metrics().search_updates.get(), indexed);
    // A load after the rebuild is still taken in.
    t.store
        .bulk_load(&[zhanqun_store::BulkArticle {
            site: jia,
            input: article("佳县第二批档案载入", "档案。"),
            columns: vec![col],
            elsewhere: Vec::new(),
        }])
        .await
        .unwrap();
    assert!(node.search_step().await.unwrap() > 0);
}

#[tokio::test]
async fn editors_search_within_their_grants() {
    let t = TestApp::spawn().await;
    let f = province(&t).await;
    let (jia, mizhi) = (f.site("6108280001"), f.site("6108270001"));
    let news = f.column("6108280001/xwzx/zwyw");
    let policy = f.column("6108280001/zwgk/zcwj");
    let draft = |title: &str| ArticleInput {
        published: false,
        ..article(title, "草稿正文。")
    };
    let items = [
        (jia, draft("佳县供暖草稿甲"), news),
        (jia, draft("佳县供暖草稿乙"), policy),
        (
            mizhi,
            draft("米脂供暖草稿丙"),
            f.column("6108270001/xwzx/zwyw"),
        ),
        (jia, article("佳县供暖工作推进会", "供暖。"), news),
        (jia, article("佳县供暖补贴政策", "供暖。"), policy),
        (
            mizhi,
            article("米脂供暖工作动员会", "供暖。"),
            f.column("6108270001/xwzx/zwyw"),
        ),
    ];
    for (site, input, col) in items {
        t.store.create_article(site, input, &[col]).await.unwrap();
    }
    until(&t, MIZHI, "供暖", Duration::from_secs(5), |r| {
        r.len() == 1
    })
    .await
    .expect("indexed");
    until(&t, JIA, "供暖", Duration::from_secs(5), |r| r.len() == 2)
        .await
        .expect("indexed");
    // An editor of 佳县's news column: that column's drafts and published articles, nothing else.
    let id = t.account("jx-news-editor", None).await;
    t.grant(id, SiteRole::Editor, jia, Some(f.column("6108280001/xwzx")))
        .await;
    let editor = t.login("jx-news-editor").await;
    let (status, page) = editor.page(&format!("/search?{}", q("供暖"))).await;
    assert_eq!(status, 200, "{page}");
    for seen in ["佳县供暖草稿甲", "推进会"] {
        assert!(page.contains(seen), "{seen}: {page}");
    }
    for unseen in ["草稿乙", "草稿丙", "补贴政策", "动员会"] {
        assert!(!page.contains(unseen), "{unseen}");
    }
    // Bad input: a page with a message.
    let (status, page) = editor.page("/search?q=").await;
    assert_eq!(status, 200);
    assert!(page.contains("请输入要查找的关键词"));
    let (status, page) = editor.page(&format!("/search?{}&page=x", q("%_\\"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("页码“x”无效"));
    // The province auditor reads everything.
    t.account("auditor", Some(PlatformRole::ProvinceAuditor))
        .await;
    let auditor = t.login("auditor").await;
    let (_, page) = auditor.page(&format!("/search?{}", q("供暖"))).await;
    for seen in ["草稿甲", "草稿乙", "草稿丙", "推进会", "补贴政策", "动员会"] {
        assert!(page.contains(seen), "{seen}");
    }
}
