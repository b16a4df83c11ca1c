//! Reprint (first slice of issue 4): one canonical article fanned out to every subscribed site in
//! one transaction — at once (with the home-page slot) or after the site's reviewer — exactly
//! once, with each site's delivery times recorded; a correction and a withdrawal show everywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_core::SubmissionId;
use zhanqun_core::SubscriptionId;
use zhanqun_core::{ArticleId, ArticleStatus, ColumnId, SiteRole, SourceId};
use zhanqun_store::{Actor, NewItem, NewSource, ReprintMode};
use zhanqun_tests::TestApp;

const OWNER: &str = "6100000003"; // stands in for the province office
const JIAXIAN: &str = "6108280001";
const MIZHI: &str = "6108270001";

async fn actor(
    t: &TestApp,
    name: &str,
    role: SiteRole,
    code: &str,
    f: &zhanqun_tests::Fixture,
) -> Actor {
    let id = t.account(name, None).await;
    t.grant(id, role, f.site(code), None).await;
    let account = t.store.account(id).await.unwrap().unwrap();
    Actor {
        principal: t.store.principal(account).await.unwrap(),
        client: Some("test".into()),
        request_id: None,
    }
}

/// A source owned by the office's 通知公告 column, attributed to 中国政府网, with no poll
/// interval or extraction selector of its own.
fn new_source(
    f: &zhanqun_tests::Fixture,
    name: impl Into<String>,
    kind: &str,
    url: Option<String>,
) -> NewSource {
    NewSource {
        name: name.into(),
        kind: kind.into(),
        url,
        attribution: "中国政府网".into(),
        owner: f.site(OWNER),
        owner_column: f.column(&format!("{OWNER}/tzgg")),
        poll_seconds: None,
        extract_selector: None,
    }
}

/// Subscribes `column` to `source` as `by`: the subscription's id (the test fails when it is
/// refused).
async fn subscribe(
    t: &TestApp,
    by: Option<&Actor>,
    source: SourceId,
    column: ColumnId,
    mode: ReprintMode,
    home_slot: bool,
) -> i64 {
    t.store
        .subscribe(by, source, column, mode, home_slot)
        .await
        .unwrap()
}

/// An item as a feed brings it: no summary and no link to an original page.
fn item(
    guid: impl Into<String>,
    title: impl Into<String>,
    body_html: &str,
    published_at: chrono::DateTime<chrono::Utc>,
    hash: Option<String>,
) -> NewItem {
    NewItem {
        guid: guid.into(),
        title: title.into(),
        summary: None,
        body_html: body_html.into(),
        link: None,
        published_at,
        hash,
    }
}

/// Whether `title` is in the home page's headline slot (within `within` bytes of its start).
fn in_headline(home: &str, title: &str, within: usize) -> bool {
    let headline = &home[home.find(r#"class="headline""#).unwrap()..];
    headline[..within.min(headline.len())].contains(title)
}

/// Waits until the last poll of `source` has a status `done` accepts.
async fn until_polled(t: &TestApp, source: SourceId, what: &str, done: fn(Option<&str>) -> bool) {
    eventually(what, || async {
        t.store
            .source(source)
            .await
            .unwrap()
            .is_some_and(|s| done(s.last_status.as_deref()))
    })
    .await;
}

/// Article `id` answers 410 on both counties' sites and `list` there no longer shows `text`.
async fn gone_everywhere(t: &TestApp, id: i64, list: &str, text: &str) {
    for host in ["www.jiaxian.gov.cn", "www.mizhi.gov.cn"] {
        assert_eq!(
            t.get(host, &format!("/art/{id}.html")).await.status(),
            410,
            "{host}"
        );
        assert!(!t.page(host, list, 200).await.contains(text), "{host}");
    }
}

/// Issue 18, row 1: an editor whose one grant was a column of the source's site posted an item
/// over the API and it went live at once on every subscribing site. Entering by hand is now for
/// the column's reviewers and the site's administrators, and the item is a draft of the
/// source's site until that site's review and sign-off publish it; only then does it fan out.
#[tokio::test]
async fn an_item_entered_by_hand_waits_for_its_own_sites_review_and_sign_off() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let owner = actor(&t, "office", SiteRole::SiteAdmin, OWNER, &f).await;
    let jx = actor(&t, "jx-admin", SiteRole::SiteAdmin, JIAXIAN, &f).await;
    let fed = f.column(&format!("{OWNER}/tzgg"));
    let source = t
        .store
        .create_source(Some(&owner), &new_source(&f, "国务院文件", "manual", None))
        .await
        .unwrap();
    let jx_col = f.column(&format!("{JIAXIAN}/xwzx/tzgg"));
    subscribe(&t, Some(&jx), source, jx_col, ReprintMode::Publish, true).await;
    for (name, role, column) in [
        ("tz-editor", SiteRole::Editor, Some(fed)),
        ("tz-reviewer", SiteRole::Reviewer, Some(fed)),
        ("owner-signer", SiteRole::Signer, None),
    ] {
        let id = t.account(name, None).await;
        t.grant(id, role, f.site(OWNER), column).await;
    }
    let office_admin = t.account("office-web", None).await;
    t.grant(office_admin, SiteRole::SiteAdmin, f.site(OWNER), None)
        .await;
    let title = "国务院关于进一步做好冬季安全生产工作的通知（手工录入）";
    let item = json!({"title": title, "body_html": "<p>各省、自治区、直辖市人民政府：</p>"});
    let items = format!("/api/v1/reprint/sources/{source}/items");

    // The column's own editor may not: nothing is created, the refusal is audited.
    let editor = t.login("tz-editor").await;
    let r = editor.post(&items, item.clone()).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.json);
    let src = t.store.source(source).await.unwrap().unwrap();
    assert_eq!(src.items, 0);
    let records = t.store.audit_records(50, 0).await.unwrap();
    assert!(records.iter().any(|r| r.action == "reprint.ingest"
        && r.outcome == "failure"
        && r.site_code.as_deref() == Some(OWNER)));

    // The site's administrator enters it: a draft of the source's column, shown nowhere.
    let admin = t.login("office-web").await;
    let r = admin.post(&items, item.clone()).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        (&r.json["held"], &r.json["placed"]),
        (&json!(true), &json!(0))
    );
    let id = r.json["article"].as_i64().unwrap();
    let jx_home = || t.page("www.jiaxian.gov.cn", "/", 200);
    assert!(!jx_home().await.contains(title));
    assert_eq!(
        t.get("www.jiaxian.gov.cn", &format!("/art/{id}.html"))
            .await
            .status(),
        404
    );
    assert!(
        t.store
            .deliveries(f.site(JIAXIAN))
            .await
            .unwrap()
            .is_empty()
    );
    let records = t.store.audit_records(50, 0).await.unwrap();
    let entered = records
        .iter()
        .find(|r| r.action == "reprint.ingest" && r.outcome == "success")
        .expect("the entry is audited");
    assert_eq!(entered.site_code.as_deref(), Some(OWNER));
    assert!(
        entered.detail.as_deref().unwrap_or("").contains("1 个网站"),
        "{entered:?}"
    );

    // The site's own workflow: submitted, reviewed, signed; only then on every subscriber.
    let step = |user: zhanqun_tests::User, body: serde_json::Value| async move {
        let r = user
            .post(&format!("/api/v1/articles/{id}/transitions"), body)
            .await;
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["status"].as_str().unwrap().to_string()
    };
    step(
        admin,
        json!({"action": "submit", "secrecy_confirmed": true}),
    )
    .await;
    let reviewed = step(t.login("tz-reviewer").await, json!({"action": "approve"})).await;
    if reviewed != "published" {
        assert!(
            !jx_home().await.contains(title),
            "not before it is published"
        );
        assert_eq!(
            step(t.login("owner-signer").await, json!({"action": "sign"})).await,
            "published"
        );
    }
    assert!(in_headline(&jx_home().await, title, 600));
    let delivered = t.store.deliveries(f.site(JIAXIAN)).await.unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].state.as_str(), "placed");
    let records = t.store.audit_records(50, 0).await.unwrap();
    let fanned = records
        .iter()
        .find(|r| r.action == "reprint.fanout")
        .expect("the fan-out is audited");
    assert_eq!(fanned.site_code.as_deref(), Some(OWNER));
    // Exactly one fan-out.
    assert_eq!(
        records
            .iter()
            .filter(|r| r.action == "reprint.fanout")
            .count(),
        1
    );
}

#[tokio::test]
async fn one_item_reaches_every_subscribed_site_once() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let owner = actor(&t, "office", SiteRole::SiteAdmin, OWNER, &f).await;
    let jx = actor(&t, "jx-admin", SiteRole::SiteAdmin, JIAXIAN, &f).await;
    let mz = actor(&t, "mz-admin", SiteRole::SiteAdmin, MIZHI, &f).await;
    let mz_reviewer = actor(&t, "mz-reviewer", SiteRole::Reviewer, MIZHI, &f).await;

    let source = t
        .store
        .create_source(Some(&owner), &new_source(&f, "国务院文件", "manual", None))
        .await
        .unwrap();
    // Only a site's own administrator subscribes it.
    let jx_col = f.column(&format!("{JIAXIAN}/xwzx/tzgg"));
    let mz_col = f.column(&format!("{MIZHI}/xwzx/tzgg"));
    let refused = t
        .store
        .subscribe(Some(&jx), source, mz_col, ReprintMode::Publish, false)
        .await;
    assert!(
        matches!(refused, Err(zhanqun_core::Error::Forbidden(_))),
        "{refused:?}"
    );
    subscribe(&t, Some(&jx), source, jx_col, ReprintMode::Publish, true).await;
    subscribe(&t, Some(&mz), source, mz_col, ReprintMode::Review, false).await;

    let link = "https://www.gov.cn/zhengce/2026-11/22/content_0001.htm";
    let item = NewItem {
        summary: Some("做好能源保供".into()),
        link: Some(link.into()),
        ..item(
            link,
            "国务院办公厅关于做好今冬明春能源保供工作的通知",
            "<p>各省、自治区、直辖市人民政府：</p><script>alert(1)</script>",
            chrono::Utc::now() - chrono::Duration::minutes(5),
            None,
        )
    };
    // As a feed delivers it (by hand, an item waits for review: see the next test).
    let first = t.store.ingest(None, source, &item).await.unwrap();
    assert!(first.new);
    assert_eq!(
        (first.placed, first.pending),
        (2, 1),
        "owner and 佳县 at once, 米脂 waits"
    );
    let id = first.article.0;
    let title = "国务院办公厅关于做好今冬明春能源保供工作的通知";

    // 佳县: in the column and the home-page slot; attribution kept; body sanitised.
    let home = t.page("www.jiaxian.gov.cn", "/", 200).await;
    assert!(in_headline(&home, title, 600));
    assert!(
        t.page("www.jiaxian.gov.cn", "/xwzx/tzgg/", 200)
            .await
            .contains(title)
    );
    let page = t
        .page("www.jiaxian.gov.cn", &format!("/art/{id}.html"), 200)
        .await;
    assert!(page.contains("中国政府网") && !page.contains("alert(1)"));
    // 米脂 waits for its reviewer.
    assert!(
        !t.page("www.mizhi.gov.cn", "/xwzx/tzgg/", 200)
            .await
            .contains(title)
    );
    assert_eq!(
        t.get("www.mizhi.gov.cn", &format!("/art/{id}.html"))
            .await
            .status(),
        404
    );

    // The same item again changes nothing: exactly one placement a site.
    let again = t.store.ingest(None, source, &item).await.unwrap();
    assert_eq!(
        (again.new, again.article, again.placed),
        (false, first.article, 0)
    );

    // 米脂's reviewer places it; the delay is on record.
    let pending = t.store.deliveries(f.site(MIZHI)).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].state.as_str(), pending[0].placed_at),
        ("pending", None)
    );
    let refused = t.store.approve_delivery(&jx, pending[0].id).await;
    assert!(refused.is_err(), "not another site's account");
    t.store
        .approve_delivery(&mz_reviewer, pending[0].id)
        .await
        .unwrap();
    assert!(
        t.page("www.mizhi.gov.cn", "/xwzx/tzgg/", 200)
            .await
            .contains(title)
    );
    let done = t.store.deliveries(f.site(MIZHI)).await.unwrap();
    assert_eq!(done[0].state.as_str(), "placed");
    assert!(done[0].placed_at.unwrap() >= done[0].ingested_at);
    assert!(done[0].ingested_at > done[0].source_published_at);
    let jx_delivery = &t.store.deliveries(f.site(JIAXIAN)).await.unwrap()[0];
    assert_eq!(
        jx_delivery.placed_at,
        Some(jx_delivery.ingested_at),
        "placed at ingest"
    );

    // A correction at the source shows on every site; a withdrawal takes it off everywhere.
    let mut fixed = t.store.article(first.article).await.unwrap().unwrap();
    fixed.title = "国务院办公厅关于做好今冬明春能源保供工作的通知（更正）".into();
    let input = zhanqun_store::ArticleInput {
        title: fixed.title.clone(),
        body_html: fixed.body_html.clone(),
        source: fixed.source.clone(),
        ..Default::default()
    };
    t.store.update_article(first.article, input).await.unwrap();
    for host in ["www.jiaxian.gov.cn", "www.mizhi.gov.cn"] {
        assert!(
            t.page(host, "/xwzx/tzgg/", 200).await.contains("（更正）"),
            "{host}"
        );
    }
    t.store
        .set_article_status(ArticleId(id), ArticleStatus::Withdrawn)
        .await
        .unwrap();
    gone_everywhere(&t, id, "/xwzx/tzgg/", "（更正）").await;
    t.audited(
        200,
        "reprint.source.create reprint.subscribe reprint.ingest reprint.approve",
    )
    .await;
}

/// Waits (up to 30 s) until `check` holds; the poll loop ticks every 2 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for: {what}");
}

async fn feed_source(t: &TestApp, f: &zhanqun_tests::Fixture, url: &str) -> zhanqun_core::SourceId {
    let source = NewSource {
        poll_seconds: Some(600),
        extract_selector: Some("#UCAP-CONTENT".into()),
        ..new_source(f, "国务院最新政策", "feed", Some(url.into()))
    };
    t.store.create_source(None, &source).await.unwrap()
}

#[tokio::test]
async fn a_feed_reaches_every_site_within_one_poll_and_follows_corrections() {
    let feed = zhanqun_tests::feed::FeedServer::spawn().await;
    let t = TestApp::spawn_with(|c| {
        c.reprint.allow_private = true;
        c.reprint.allow_http = true;
        c.reprint.alert_minutes = 10;
    })
    .await;
    let f = t.fixture().await;
    let office = actor(&t, "office", SiteRole::SiteAdmin, OWNER, &f).await;
    let mz_reviewer = actor(&t, "mz-reviewer", SiteRole::Reviewer, MIZHI, &f).await;
    let source = feed_source(&t, &f, &feed.url).await;
    let jx_col = f.column(&format!("{JIAXIAN}/zwgk/zcwj"));
    subscribe(&t, None, source, jx_col, ReprintMode::Publish, true).await;
    let mz_col = f.column(&format!("{MIZHI}/zwgk/zcwj"));
    subscribe(&t, None, source, mz_col, ReprintMode::Review, false).await;

    // One poll brings all three items to 佳县 (the newest in the home-page slot); 米脂 waits.
    eventually("three items at 佳县", || async {
        t.store.deliveries(f.site(JIAXIAN)).await.unwrap().len() == 3
    })
    .await;
    let items = feed.items();
    let newest = &items[0].title;
    let home = t.page("www.jiaxian.gov.cn", "/", 200).await;
    assert!(in_headline(&home, newest.as_str(), 800));
    let list = t.page("www.jiaxian.gov.cn", "/zwgk/zcwj/", 200).await;
    for it in &items {
        assert!(list.contains(&it.title), "{}", it.title);
    }
    // The first item's feed entry has only a summary: the body came from its page.
    let supply = t.store.deliveries(f.site(JIAXIAN)).await.unwrap();
    let heating = supply
        .iter()
        .find(|d| d.title.contains("农村供暖"))
        .unwrap();
    let page = t
        .page(
            "www.jiaxian.gov.cn",
            &format!("/art/{}.html", heating.article_id),
            200,
        )
        .await;
    assert!(page.contains("压实属地责任") && page.contains("中国政府网"));
    assert!(
        !page.contains("中国政府网（演示替身）"),
        "only the body was taken"
    );
    // Every site's delay is on record; the first showing too, once a page showed it.
    for d in &supply {
        assert_eq!(d.state.as_str(), "placed");
        assert!(d.placed_at.unwrap() >= d.source_published_at);
    }
    eventually("shown times recorded", || async {
        t.store
            .deliveries(f.site(JIAXIAN))
            .await
            .unwrap()
            .iter()
            .all(|d| d.shown_at.is_some())
    })
    .await;
    let mizhi = t.store.deliveries(f.site(MIZHI)).await.unwrap();
    assert!(mizhi.iter().all(|d| d.state.as_str() == "pending"));
    assert!(
        !t.page("www.mizhi.gov.cn", "/zwgk/zcwj/", 200)
            .await
            .contains(newest.as_str())
    );
    // Pending approvals past the alert time (10 min here) alert once: the items published 20
    // and 12 minutes ago, not the one published 6 minutes ago.
    eventually("alerts raised", || async {
        t.store
            .deliveries(f.site(MIZHI))
            .await
            .unwrap()
            .iter()
            .filter(|d| d.alerted_at.is_some())
            .count()
            == 2
    })
    .await;
    assert!(
        t.app
            .metrics()
            .render()
            .contains("zhanqun_reprint_alerts_total 2")
    );
    // 米脂's reviewer places the newest.
    let newest_mz = mizhi.iter().find(|d| &d.title == newest).unwrap();
    t.store
        .approve_delivery(&mz_reviewer, newest_mz.id)
        .await
        .unwrap();
    assert!(
        t.page("www.mizhi.gov.cn", "/zwgk/zcwj/", 200)
            .await
            .contains(newest.as_str())
    );

    // Nothing changed: the next poll is a conditional GET answered 304.
    let (_, not_modified) = feed.requests();
    t.store.poll_now(None, source).await.unwrap();
    eventually("a 304", || async { feed.requests().1 > not_modified }).await;
    assert_eq!(t.store.deliveries(f.site(JIAXIAN)).await.unwrap().len(), 3);

    // The source corrects the item: every site shows the correction on the next request.
    let id = items[0].id;
    let fixed = format!("{newest}（更正）");
    feed.correct(
        id,
        &fixed,
        "<p>更正后的正文：行政村全覆盖提前至2027年。</p>",
    );
    t.store.poll_now(None, source).await.unwrap();
    let article = newest_mz.article_id;
    eventually("the correction everywhere", || async {
        let a = t
            .page("www.jiaxian.gov.cn", &format!("/art/{article}.html"), 200)
            .await;
        let b = t
            .page("www.mizhi.gov.cn", &format!("/art/{article}.html"), 200)
            .await;
        a.contains(&fixed) && b.contains(&fixed) && a.contains("提前至2027年")
    })
    .await;
    assert_eq!(
        t.store.deliveries(f.site(JIAXIAN)).await.unwrap().len(),
        3,
        "a correction is not a new item"
    );

    // The province office withdraws it: gone everywhere (410), and off the lists.
    t.store
        .transition(
            &office,
            ArticleId(article),
            zhanqun_store::Transition::Withdraw {
                reason: "来源已撤回".into(),
            },
        )
        .await
        .unwrap();
    gone_everywhere(&t, article, "/zwgk/zcwj/", &fixed).await;
    let records = t.store.audit_records(500, 0).await.unwrap();
    assert!(records.iter().any(|r| r.action == "reprint.update"));
}

/// Issue 18, row 13: a plain-http feed fed the fan-out. Now feeds are https unless the operator
/// opts in (`reprint.allow_http`); the feed server is never asked.
#[tokio::test]
async fn plain_http_feeds_need_an_explicit_opt_in() {
    let feed = zhanqun_tests::feed::FeedServer::spawn().await;
    let t = TestApp::spawn_with(|c| c.reprint.allow_private = true).await;
    let f = t.fixture().await;
    let source = feed_source(&t, &f, &feed.url).await;
    until_polled(&t, source, "the poll refused", |s| s == Some("error")).await;
    let err = t.store.source(source).await.unwrap().unwrap().last_error;
    assert!(
        err.as_deref().unwrap_or("").contains("只允许 https"),
        "{err:?}"
    );
    assert_eq!(feed.requests().0, 0, "the feed server was never reached");
}

#[tokio::test]
async fn feeds_on_internal_addresses_are_refused() {
    let feed = zhanqun_tests::feed::FeedServer::spawn().await;
    // allow_private = false, as in production (http allowed: the feed server speaks no TLS).
    let t = TestApp::spawn_with(|c| c.reprint.allow_http = true).await;
    let f = t.fixture().await;
    let port = feed.base.rsplit(':').next().unwrap().to_string();
    let literal = feed_source(&t, &f, &feed.url).await;
    let url = format!("http://localhost:{port}/rss.xml");
    let named = t
        .store
        .create_source(
            None,
            &new_source(&f, "经由域名的内网地址", "feed", Some(url)),
        )
        .await
        .unwrap();
    for (source, why) in [(literal, "127.0.0.1"), (named, "localhost")] {
        until_polled(&t, source, "the poll refused", |s| s == Some("error")).await;
        let s = t.store.source(source).await.unwrap().unwrap();
        let err = s.last_error.unwrap_or_default();
        assert!(err.contains("内网"), "{why}: {err}");
    }
    assert_eq!(feed.requests().0, 0, "the feed server was never reached");
    assert!(t.store.deliveries(f.site(OWNER)).await.unwrap().is_empty());

    // Bad sources are refused with a message that says what to fix.
    for (kind, url, poll) in [
        ("feed", None, None),
        ("feed", Some("ftp://www.gov.cn/rss.xml"), None),
        ("rss", Some("https://www.gov.cn/rss.xml"), None),
        ("feed", Some("https://www.gov.cn/rss.xml"), Some(1)),
    ] {
        let bad = NewSource {
            poll_seconds: poll,
            ..new_source(
                &f,
                format!("坏来源 {kind} {url:?} {poll:?}"),
                kind,
                url.map(str::to_string),
            )
        };
        let r = t.store.create_source(None, &bad).await;
        assert!(
            matches!(r, Err(zhanqun_core::Error::InvalidInput(_))),
            "{kind} {url:?}: {r:?}"
        );
    }
}

const PROVINCE_PORTAL: &str = r#"code = "6100000001"
name = "陕西省人民政府"
kind = "province"
region = "610000"
template = "portal"
hosts = ["www.shaanxi.gov.cn"]
units = ["陕西省人民政府办公厅"]

[footer]
organiser = "陕西省人民政府办公厅"
"#;

#[tokio::test]
async fn a_county_submits_upward_and_the_province_adopts_or_declines() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    // The province portal, and 佳县 under it.
    let jx_file = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenants/6108280001.toml"),
    )
    .unwrap();
    let jx_file = format!("parent = \"6100000001\"\n{jx_file}");
    let inputs = zhanqun_tests::parse(&[
        ("6100000001.toml", PROVINCE_PORTAL),
        ("6108280001.toml", jx_file.as_str()),
    ])
    .unwrap();
    t.store.apply_sites(&inputs).await.unwrap();
    let f2 = t.fixture().await; // (applies the fixture again: 佳县 without its parent)
    t.store.apply_sites(&inputs).await.unwrap();
    let province = f2.site("6100000001");

    // A 佳县 editor (应急管理局, delegated 部门动态) writes and publishes two articles.
    let unit = t.unit(f.site(JIAXIAN), "佳县应急管理局").await;
    let editor_id = t.unit_account("jx-yjj", "佳县应急管理局编辑", unit).await;
    t.grant(
        editor_id,
        SiteRole::Editor,
        f.site(JIAXIAN),
        Some(f.column(&format!("{JIAXIAN}/xwzx/bmdt"))),
    )
    .await;
    let editor = t.actor(editor_id).await;
    let mut ids = Vec::new();
    for title in ["佳县开展冬季消防安全大检查", "佳县举行防汛应急演练"] {
        let id = t
            .store
            .create_article(
                f.site(JIAXIAN),
                zhanqun_store::ArticleInput {
                    title: title.into(),
                    body_html: "<p>正文</p>".into(),
                    published: true,
                    ..Default::default()
                },
                &[f.column(&format!("{JIAXIAN}/xwzx/bmdt"))],
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let p_reviewer = actor(&t, "sx-reviewer", SiteRole::Reviewer, "6100000001", &f2).await;
    let mz_admin = actor(&t, "mz-admin", SiteRole::SiteAdmin, MIZHI, &f).await;

    let up = t
        .store
        .submit_article(&editor, ids[0], province, Some("请省政府网站采用"))
        .await
        .unwrap();
    let up2 = t
        .store
        .submit_article(&editor, ids[1], province, None)
        .await
        .unwrap();
    let offer = t
        .store
        .submit_article(&editor, ids[1], f.site(MIZHI), None)
        .await
        .unwrap();
    // Twice to the same site is refused; a draft can't be submitted.
    assert!(matches!(
        t.store
            .submit_article(&editor, ids[0], province, None)
            .await,
        Err(zhanqun_core::Error::Conflict(_))
    ));
    let inbox = t.store.submissions_to(&p_reviewer, province).await.unwrap();
    assert_eq!(inbox.len(), 2);
    assert!(
        inbox
            .iter()
            .all(|s| s.kind == "up" && s.state.as_str() == "pending"),
        "{inbox:?}"
    );
    assert_eq!(inbox[0].unit.as_deref(), Some("佳县应急管理局"));
    let mz_inbox = t
        .store
        .submissions_to(&mz_admin, f.site(MIZHI))
        .await
        .unwrap();
    assert_eq!((mz_inbox.len(), mz_inbox[0].kind.as_str()), (1, "offer"));
    // Another site's staff can't see or decide the province's inbox.
    assert!(t.store.submissions_to(&mz_admin, province).await.is_err());
    assert!(
        t.store
            .adopt_submission(
                &mz_admin,
                SubmissionId(up),
                f2.column("6100000001/xwzx/bmdt")
            )
            .await
            .is_err()
    );

    // The province adopts one: it shows on the province portal with 佳县 as 来源.
    let col = f2.column("6100000001/xwzx/bmdt");
    t.store
        .adopt_submission(&p_reviewer, SubmissionId(up), col)
        .await
        .unwrap();
    let page = t
        .page("www.shaanxi.gov.cn", &format!("/art/{}.html", ids[0]), 200)
        .await;
    assert!(page.contains("佳县开展冬季消防安全大检查") && page.contains("来源"));
    assert!(page.contains("佳县人民政府"));
    assert!(
        t.page("www.shaanxi.gov.cn", "/xwzx/bmdt/", 200)
            .await
            .contains("佳县开展冬季消防安全大检查")
    );
    // It declines the other, with a reason the submitter sees.
    assert!(matches!(
        t.store
            .decline_submission(&p_reviewer, SubmissionId(up2), "  ")
            .await,
        Err(zhanqun_core::Error::InvalidInput(_))
    ));
    t.store
        .decline_submission(&p_reviewer, SubmissionId(up2), "内容与省级门户定位不符")
        .await
        .unwrap();
    assert!(matches!(
        t.store
            .adopt_submission(&p_reviewer, SubmissionId(up2), col)
            .await,
        Err(zhanqun_core::Error::Conflict(_))
    ));
    let mine = t.store.my_submissions(&editor).await.unwrap();
    let declined = mine.iter().find(|s| s.id == SubmissionId(up2)).unwrap();
    assert_eq!(
        (declined.state.as_str(), declined.reason.as_deref()),
        ("declined", Some("内容与省级门户定位不符"))
    );
    assert_eq!(
        mine.iter()
            .find(|s| s.id == SubmissionId(offer))
            .unwrap()
            .state
            .as_str(),
        "pending"
    );

    // Counts per unit and site for the period.
    let now = chrono::Utc::now();
    let counts = t
        .store
        .submission_counts(
            Some(province),
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(
        (
            counts[0].site_code.as_str(),
            counts[0].unit.as_deref(),
            counts[0].submitted,
            counts[0].adopted,
            counts[0].declined
        ),
        (JIAXIAN, Some("佳县应急管理局"), 2, 1, 1)
    );
    let all = t
        .store
        .submission_counts(
            None,
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!(all[0].submitted, 3);
    t.audited(
        200,
        "submission.submit submission.offer submission.adopt submission.decline",
    )
    .await;
}

#[tokio::test]
async fn a_site_detaches_its_copy_and_a_late_subscriber_backfills() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let jx = actor(&t, "jx-admin", SiteRole::SiteAdmin, JIAXIAN, &f).await;
    let jx_editor = actor(&t, "jx-editor", SiteRole::Editor, JIAXIAN, &f).await;
    let mz = actor(&t, "mz-admin", SiteRole::SiteAdmin, MIZHI, &f).await;
    let source = feed_source(&t, &f, "https://www.gov.cn/rss.xml").await;
    let jx_col = f.column(&format!("{JIAXIAN}/zwgk/zcwj"));
    subscribe(&t, Some(&jx), source, jx_col, ReprintMode::Publish, true).await;
    let mut articles = Vec::new();
    for (n, title) in ["国务院关于甲的通知", "国务院关于乙的通知"]
        .iter()
        .enumerate()
    {
        let new = item(
            format!("item-{n}"),
            *title,
            "<p>原文</p>",
            chrono::Utc::now(),
            Some(format!("h{n}")),
        );
        let done = t.store.ingest(None, source, &new).await.unwrap();
        articles.push(done.article);
    }
    // Detaching needs the site administrator.
    let d = t.store.deliveries(f.site(JIAXIAN)).await.unwrap();
    let first = d.iter().find(|d| d.article_id == articles[0].0).unwrap();
    assert!(matches!(
        t.store.detach(&jx_editor, first.id).await,
        Err(zhanqun_core::Error::Forbidden(_))
    ));
    let copy = t.store.detach(&jx, first.id).await.unwrap();
    assert_ne!(copy, articles[0]);
    // A correction at the source no longer reaches 佳县's copy; the canonical one moves on.
    let fixed = item(
        "item-0",
        "国务院关于甲的通知（更正）",
        "<p>更正</p>",
        chrono::Utc::now(),
        Some("h0-fixed".into()),
    );
    t.store.ingest(None, source, &fixed).await.unwrap();
    let list = t.page("www.jiaxian.gov.cn", "/zwgk/zcwj/", 200).await;
    assert!(list.contains("国务院关于甲的通知") && !list.contains("（更正）"));
    assert_eq!(
        t.get("www.jiaxian.gov.cn", &format!("/art/{}.html", articles[0]))
            .await
            .status(),
        404,
        "the canonical article left the site"
    );
    let d = t.store.deliveries(f.site(JIAXIAN)).await.unwrap();
    assert_eq!(
        d.iter().find(|x| x.id == first.id).unwrap().state.as_str(),
        "detached"
    );
    assert!(
        t.store
            .audit_records(100, 0)
            .await
            .unwrap()
            .iter()
            .any(|r| r.action == "reprint.detach")
    );

    // 米脂 subscribes late and backfills the last week: both items, once.
    let mz_col = f.column(&format!("{MIZHI}/zwgk/zcwj"));
    let sub = subscribe(&t, Some(&mz), source, mz_col, ReprintMode::Publish, false).await;
    assert_eq!(
        t.store
            .backfill(Some(&mz), SubscriptionId(sub), 7)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        t.store
            .backfill(Some(&mz), SubscriptionId(sub), 7)
            .await
            .unwrap(),
        0
    );
    assert!(
        t.store
            .backfill(Some(&jx), SubscriptionId(sub), 7)
            .await
            .is_err()
    );
    assert!(
        t.store
            .backfill(Some(&mz), SubscriptionId(sub), 0)
            .await
            .is_err()
    );
    let list = t.page("www.mizhi.gov.cn", "/zwgk/zcwj/", 200).await;
    assert!(list.contains("国务院关于甲的通知（更正）") && list.contains("国务院关于乙的通知"));
}

#[tokio::test]
async fn one_node_at_a_time_polls_a_source() {
    let t = TestApp::spawn_with(|c| c.reprint.poll = false).await;
    let f = t.fixture().await;
    let source = feed_source(&t, &f, "https://www.gov.cn/rss.xml").await;
    let now = zhanqun_store::now();
    let ttl = chrono::Duration::seconds(60);
    // A second process on the same store stands in for a second node.
    let other = zhanqun_store::Store::connect(&t.url).await.unwrap();
    assert_eq!(t.store.due_sources(now).await.unwrap().len(), 1);
    assert!(
        t.store
            .take_lease(source, "node-a", now, ttl)
            .await
            .unwrap()
    );
    assert!(!other.take_lease(source, "node-b", now, ttl).await.unwrap());
    assert!(
        t.store.due_sources(now).await.unwrap().is_empty(),
        "leased: not due"
    );
    // A lease that ran out (the node died mid-poll) is taken over.
    let later = now + chrono::Duration::seconds(61);
    assert!(
        other
            .take_lease(source, "node-b", later, ttl)
            .await
            .unwrap()
    );
    // Only the holder records the poll, which schedules the next one and frees the source.
    let ok = zhanqun_store::PollOutcome {
        status: "ok",
        ..Default::default()
    };
    t.store
        .finish_poll(source, "node-a", &ok, later)
        .await
        .unwrap();
    assert_eq!(
        t.store.source(source).await.unwrap().unwrap().last_status,
        None
    );
    other
        .finish_poll(source, "node-b", &ok, later)
        .await
        .unwrap();
    let s = t.store.source(source).await.unwrap().unwrap();
    assert_eq!(s.last_status.as_deref(), Some("ok"));
    assert_eq!(
        s.next_poll_at.unwrap(),
        later + chrono::Duration::seconds(600)
    );
    assert!(t.store.due_sources(later).await.unwrap().is_empty());
    assert_eq!(
        t.store
            .due_sources(later + chrono::Duration::seconds(600))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn redirects_to_internal_addresses_are_refused() {
    let feed = zhanqun_tests::feed::FeedServer::spawn().await;
    // Only the feed server's own address is exempt, as an internal feed host would be.
    let t = TestApp::spawn_with(|c| {
        c.reprint.allow_ips = vec!["127.0.0.1".parse().unwrap()];
        c.reprint.allow_http = true;
    })
    .await;
    let f = t.fixture().await;
    let port = feed.base.rsplit(':').next().unwrap().to_string();
    let mut sources = Vec::new();
    for (n, target) in [
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.1/rss.xml".to_string(),
        "http://[::1]/rss.xml".to_string(),
        format!("http://[::ffff:10.0.0.1]:{port}/rss.xml"),
        // IPv6 forms that reach an IPv4 address (issue 18, row 13): IPv4-compatible, NAT64, 6to4.
        format!("http://[::127.0.0.2]:{port}/rss.xml"),
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/".to_string(),
        "http://[2002:a00:1::1]/rss.xml".to_string(),
    ]
    .iter()
    .enumerate()
    {
        let url = format!("{}/redirect?to={target}", feed.base);
        let id = t
            .store
            .create_source(
                None,
                &new_source(&f, format!("重定向 {n}"), "feed", Some(url)),
            )
            .await
            .unwrap();
        sources.push((id, target.clone()));
    }
    // The exempt address itself works.
    let good = feed_source(&t, &f, &feed.url).await;
    until_polled(&t, good, "the exempt feed polled", |s| s == Some("ok")).await;
    for (id, target) in sources {
        until_polled(&t, id, "the redirect refused", |s| s.is_some()).await;
        let s = t.store.source(id).await.unwrap().unwrap();
        assert_eq!(s.last_status.as_deref(), Some("error"), "{target}");
        let err = s.last_error.unwrap_or_default();
        assert!(err.contains("重定向被拒绝"), "{target}: {err}");
    }
    assert_eq!(
        t.store.deliveries(f.site(OWNER)).await.unwrap().len(),
        3,
        "only the good feed's items"
    );
}

#[tokio::test]
async fn the_console_pages_work_for_their_roles() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let source = feed_source(&t, &f, "https://www.gov.cn/rss.xml").await;
    let jx_col = f.column(&format!("{JIAXIAN}/zwgk/zcwj"));
    subscribe(&t, None, source, jx_col, ReprintMode::Review, true).await;
    let title = "国务院关于做好岁末年初根治欠薪工作的通知";
    let late = chrono::Utc::now() - chrono::Duration::minutes(70);
    let new = item("console-1", title, "<p>正文</p>", late, None);
    t.store.ingest(None, source, &new).await.unwrap();
    for (name, role) in [
        ("jx-admin", SiteRole::SiteAdmin),
        ("jx-reviewer", SiteRole::Reviewer),
    ] {
        let id = t.account(name, None).await;
        t.grant(id, role, f.site(JIAXIAN), None).await;
    }
    let admin = t.login("jx-admin").await;
    let reviewer = t.login("jx-reviewer").await;
    let jx = f.site(JIAXIAN).0;

    // The reviewer's 我的工作 shows the pending reprint, already past the one-hour target.
    let (status, work) = reviewer.page("/").await;
    assert_eq!(status, 200);
    assert!(work.contains("待审核的转载") && work.contains(title) && work.contains("超时"));
    let (status, site) = reviewer.page(&format!("/reprint/sites/{jx}")).await;
    assert_eq!(status, 200);
    assert!(site.contains(title) && site.contains("审核通过并发布"));
    assert!(
        !site.contains("转为本站副本"),
        "only the administrator detaches"
    );
    let delivery = t.store.deliveries(f.site(JIAXIAN)).await.unwrap()[0].id;
    let (status, done) = reviewer
        .form(&format!("/reprint/deliveries/{delivery}/approve"), &[])
        .await;
    assert_eq!(status, 200);
    assert!(done.contains("已在本站发布"));
    let (status, again) = reviewer
        .form(&format!("/reprint/deliveries/{delivery}/approve"), &[])
        .await;
    assert_eq!(status, 409);
    assert!(again.contains("该转载已处理"));

    // The administrator: sources, the board (the late approval is listed), subscriptions.
    let (status, sources) = admin.page("/reprint").await;
    assert_eq!(status, 200);
    assert!(
        sources.contains("国务院最新政策") && sources.contains("尚未抓取"),
        "{sources}"
    );
    let (status, board) = admin.page("/reprint/board").await;
    assert_eq!(status, 200);
    assert!(board.contains("佳县人民政府") && board.contains("超时"));
    let (status, page) = admin.page(&format!("/reprint/sites/{jx}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("转为本站副本") && page.contains("补录"));
    let (status, bad) = admin
        .form(
            &format!("/reprint/sites/{jx}/subscriptions"),
            &[
                ("source", &source.to_string()),
                ("column", "no/such"),
                ("mode", "publish"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        bad.contains("该网站没有路径为“no&#x2f;such”的栏目"),
        "{bad}"
    );
    let (status, bad) = admin
        .form(
            &format!("/reprint/sites/{jx}/backfill"),
            &[("subscription", "999999"), ("days", "7")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(bad.contains("该订阅不属于本网站"));
    let (status, subs) = admin.page("/submissions").await;
    assert_eq!(status, 200);
    assert!(subs.contains("我报送的信息"));
}

/// Issue 18, row 14: any session listed every site's reprint sources with their addresses,
/// validators and last errors. Now only those with a role on the owning site and the province
/// auditor see them; a subscribing site sees the name, owner and state.
#[tokio::test]
async fn a_source_s_address_and_errors_are_for_its_own_site() {
    let t = TestApp::spawn_with(|c| c.reprint.poll = false).await;
    let f = t.fixture().await;
    let url = "https://feeds.internal.example/gov/rss.xml";
    let source = NewSource {
        extract_selector: Some("#UCAP-CONTENT".into()),
        ..new_source(&f, "国务院最新政策", "feed", Some(url.into()))
    };
    let source = t.store.create_source(None, &source).await.unwrap();
    let owner_editor = t.account("owner-editor", None).await;
    t.grant(owner_editor, SiteRole::Editor, f.site(OWNER), None)
        .await;
    let other_admin = t.account("other-admin", None).await;
    t.grant(other_admin, SiteRole::SiteAdmin, f.site(JIAXIAN), None)
        .await;
    t.account("auditor", Some(zhanqun_core::PlatformRole::ProvinceAuditor))
        .await;
    async fn listed(u: &zhanqun_tests::User, source: i64) -> serde_json::Value {
        let r = u.get("/api/v1/reprint/sources").await;
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == source)
            .cloned()
            .expect("the source is listed")
    }
    for who in ["owner-editor", "auditor"] {
        let s = listed(&t.login(who).await, source.0).await;
        assert_eq!(
            s["url"], "https://feeds.internal.example/gov/rss.xml",
            "{who}"
        );
        assert_eq!(s["extract_selector"], "#UCAP-CONTENT", "{who}");
    }
    let other = t.login("other-admin").await;
    let s = listed(&other, source.0).await;
    assert_eq!(s["name"], "国务院最新政策");
    for hidden in [
        "url",
        "etag",
        "last_modified",
        "last_error",
        "extract_selector",
    ] {
        assert!(s[hidden].is_null(), "{hidden}: {s}");
    }
    let (status, html) = other.page("/reprint").await;
    assert_eq!(status, 200);
    assert!(html.contains("国务院最新政策"));
    assert!(!html.contains("feeds.internal.example"), "{html}");
}
