//! Reprint (first slice of issue 4): one canonical article fanned out to every subscribed site in
//! one transaction — at once (with the home-page slot) or after the site's reviewer — exactly
//! once, with each site's delivery times recorded; a correction and a withdrawal show everywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::{ArticleId, ArticleStatus, SiteRole};
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
        .create_source(
            Some(&owner),
            &NewSource {
                name: "国务院文件".into(),
                kind: "manual".into(),
                url: None,
                attribution: "中国政府网".into(),
                owner: f.site(OWNER),
                owner_column: f.column(&format!("{OWNER}/tzgg")),
                poll_seconds: None,
                extract_selector: None,
            },
        )
        .await
        .unwrap();
    // Only a site's own administrator subscribes it.
    let refused = t
        .store
        .subscribe(
            Some(&jx),
            source,
            f.column(&format!("{MIZHI}/xwzx/tzgg")),
            ReprintMode::Publish,
            false,
        )
        .await;
    assert!(
        matches!(refused, Err(zhanqun_core::Error::Forbidden(_))),
        "{refused:?}"
    );
    t.store
        .subscribe(
            Some(&jx),
            source,
            f.column(&format!("{JIAXIAN}/xwzx/tzgg")),
            ReprintMode::Publish,
            true,
        )
        .await
        .unwrap();
    t.store
        .subscribe(
            Some(&mz),
            source,
            f.column(&format!("{MIZHI}/xwzx/tzgg")),
            ReprintMode::Review,
            false,
        )
        .await
        .unwrap();

    let item = NewItem {
        guid: "https://www.gov.cn/zhengce/2026-11/22/content_0001.htm".into(),
        title: "国务院办公厅关于做好今冬明春能源保供工作的通知".into(),
        summary: Some("做好能源保供".into()),
        body_html: "<p>各省、自治区、直辖市人民政府：</p><script>alert(1)</script>".into(),
        link: Some("https://www.gov.cn/zhengce/2026-11/22/content_0001.htm".into()),
        published_at: chrono::Utc::now() - chrono::Duration::minutes(5),
        hash: None,
    };
    let first = t.store.ingest(Some(&owner), source, &item).await.unwrap();
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
    let headline = &home[home.find(r#"class="headline""#).unwrap()..];
    assert!(headline[..600.min(headline.len())].contains(title));
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
    assert_eq!(done[0].state, "placed");
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
    for host in ["www.jiaxian.gov.cn", "www.mizhi.gov.cn"] {
        assert_eq!(
            t.get(host, &format!("/art/{id}.html")).await.status(),
            410,
            "{host}"
        );
        assert!(
            !t.page(host, "/xwzx/tzgg/", 200).await.contains("（更正）"),
            "{host}"
        );
    }
    let records = t.store.audit_records(200, 0).await.unwrap();
    for action in [
        "reprint.source.create",
        "reprint.subscribe",
        "reprint.ingest",
        "reprint.approve",
    ] {
        assert!(records.iter().any(|r| r.action == action), "{action}");
    }
}
