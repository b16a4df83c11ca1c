//! The public pages' read paths (issue 17): the published flag on placements, the kept column
//! and catalogue counts and the one-row-a-site table are kept in step with every kind of
//! write — publish, withdraw, edits that move a document to another topic, organ or year,
//! placing on another site — and what the pages read from them equals what the articles say.
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use zhanqun_core::*;
use zhanqun_store::{ArticleInput, CatalogueFilter, DisclosureInput};
use zhanqun_tests::steps::{column_id, fixture_store};

fn doc(title: &str, year: i32, topic: &str, organ: &str, published: bool) -> ArticleInput {
    ArticleInput {
        title: title.into(),
        body_html: format!("<p>{title}</p>"),
        published,
        published_at: Some(Utc.with_ymd_and_hms(year, 6, 1, 2, 0, 0).unwrap()),
        disclosure: Some(DisclosureInput {
            topic: Some(topic.into()),
            issuing_organ: Some(organ.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn filter(topic: &str, year: Option<i32>, organ: &str) -> CatalogueFilter {
    CatalogueFilter {
        topic: (!topic.is_empty()).then(|| topic.to_string()),
        year,
        organ: (!organ.is_empty()).then(|| organ.to_string()),
    }
}

#[tokio::test]
async fn kept_read_paths_follow_every_write() {
    let (db, jia, mi) = fixture_store().await;
    let store = &db.store;
    let col = |s: SiteId, path: &'static str| async move {
        store.column_by_path(s, path).await.unwrap().unwrap()
    };
    let (files, news, xwzx) = (
        col(jia, "zwgk/zcwj").await,
        col(jia, "xwzx/zwyw").await,
        col(jia, "xwzx").await,
    );
    let mi_files = col(mi, "zwgk/zcwj").await;

    let ids = store
        .create_articles(
            jia,
            vec![
                (doc("甲", 2024, "综合政务", "县政府办", true), vec![files]),
                (doc("乙", 2024, "综合政务", "县发改局", true), vec![files]),
                (
                    doc("丙", 2025, "城乡建设", "县政府办", true),
                    vec![files, news],
                ),
                (doc("丁", 2025, "城乡建设", "县政府办", false), vec![files]),
            ],
        )
        .await
        .unwrap();
    let (a, b, c, d) = (ids[0], ids[1], ids[2], ids[3]);
    let check = || async {
        let drift = store.read_path_drift().await.unwrap();
        assert!(drift.is_clean(), "{drift:?}");
    };
    check().await;
    let total = |f: CatalogueFilter| async move { store.catalogue(jia, &f, 0, 20).await.unwrap() };
    // 丙 is in two columns but is one document; 丁 is a draft.
    assert_eq!(total(filter("", None, "")).await.1, 3);
    assert_eq!(total(filter("", None, "")).await.0.len(), 3);
    assert_eq!(total(filter("综合政务", None, "")).await.1, 2);
    assert_eq!(total(filter("城乡建设", Some(2025), "县政府办")).await.1, 1);
    assert_eq!(total(filter("", Some(2024), "县政府办")).await.1, 1);
    assert_eq!(total(filter("", Some(2023), "")).await.1, 0);
    let facets = store.catalogue_facets(jia).await.unwrap();
    assert_eq!(facets.topics, ["城乡建设", "综合政务"]);
    assert_eq!(facets.organs, ["县发改局", "县政府办"]);
    assert_eq!(facets.years, [2025, 2024]);
    // A parent column lists its subtree, with the kept count.
    assert_eq!(store.list_column(jia, xwzx, 0, 20).await.unwrap().1, 1);
    assert_eq!(store.list_column(jia, files, 0, 20).await.unwrap().1, 3);

    // Publishing, withdrawing and editing move the counts and the rows.
    store
        .set_article_status(d, ArticleStatus::Published)
        .await
        .unwrap();
    store
        .set_article_status(c, ArticleStatus::Withdrawn)
        .await
        .unwrap();
    store
        .update_article(a, doc("甲（修订）", 2023, "城乡建设", "县住建局", true))
        .await
        .unwrap();
    check().await;
    assert_eq!(store.list_column(jia, xwzx, 0, 20).await.unwrap().1, 0);
    assert_eq!(store.list_column(jia, files, 0, 20).await.unwrap().1, 3);
    let facets = store.catalogue_facets(jia).await.unwrap();
    assert_eq!(facets.topics, ["城乡建设", "综合政务"]);
    assert_eq!(facets.organs, ["县住建局", "县发改局", "县政府办"]);
    assert_eq!(facets.years, [2025, 2024, 2023]);
    let (rows, n) = total(filter("城乡建设", None, "")).await;
    assert_eq!(n, 2);
    assert_eq!(
        rows.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        ["丁", "甲（修订）"]
    );

    // Placed on another site: shown there too, counted there once.
    store.place_article(b, mi, mi_files).await.unwrap();
    check().await;
    let (on_mi, n) = store
        .catalogue(mi, &CatalogueFilter::default(), 0, 20)
        .await
        .unwrap();
    assert_eq!((on_mi.len(), n), (1, 1));
    assert_eq!(on_mi[0].column_id, mi_files);
    assert_eq!(store.latest_on_site(mi, 20).await.unwrap().len(), 1);

    // Pages past the end read nothing and still say how many there are.
    let (rows, n) = store.list_column(jia, files, 60, 20).await.unwrap();
    assert_eq!((rows.len(), n), (0, 3));
    let (rows, n) = total(filter("", None, "")).await;
    assert_eq!((rows.len(), n), (3, 3));
    let (rows, n) = store
        .catalogue(jia, &CatalogueFilter::default(), 3, 20)
        .await
        .unwrap();
    assert_eq!((rows.len(), n), (0, 3));
    // Another site's column is not this site's list.
    assert_eq!(store.list_column(jia, mi_files, 0, 20).await.unwrap().1, 0);

    // Everything goes with the content.
    store.wipe().await.unwrap();
    check().await;
}

/// Pages in the older half are read from the oldest end (`paging::window`): every page, put
/// together, is the whole list newest first, ties broken the same way, on lists and the
/// catalogue alike.
#[tokio::test]
async fn every_page_of_a_list_reads_the_same_rows_from_either_end() {
    let (db, jia, _) = fixture_store().await;
    let store = &db.store;
    let files = column_id(store, jia, "zwgk/zcwj").await;
    // Eleven documents over six years; two share a publish time (broken by id).
    let items = (0..11)
        .map(|i| {
            let year = 2020 + i / 2;
            let topic = if i % 3 == 0 {
                "城乡建设"
            } else {
                "综合政务"
            };
            (
                doc(&format!("文件{i}"), year, topic, "县政府办", true),
                vec![files],
            )
        })
        .collect();
    store.create_articles(jia, items).await.unwrap();
    let titles = |rows: Vec<ListItem>| rows.into_iter().map(|r| r.title).collect::<Vec<_>>();
    let (all, total) = store.list_column(jia, files, 0, 100).await.unwrap();
    assert_eq!(total, 11);
    let all = titles(all);
    for size in [1, 2, 3, 4, 5, 10] {
        let mut paged = Vec::new();
        for offset in (0..total).step_by(size as usize) {
            let (rows, n) = store.list_column(jia, files, offset, size).await.unwrap();
            assert_eq!(n, total);
            paged.extend(titles(rows));
        }
        assert_eq!(paged, all, "list pages of {size}");
    }
    for f in [
        CatalogueFilter::default(),
        filter("综合政务", None, ""),
        filter("", Some(2022), ""),
        filter("城乡建设", None, "县政府办"),
    ] {
        let (all, total) = store.catalogue(jia, &f, 0, 100).await.unwrap();
        assert!(total > 0, "{f:?}");
        let all = titles(all);
        for size in [1, 2, 3] {
            let mut paged = Vec::new();
            for offset in (0..total).step_by(size as usize) {
                paged.extend(titles(
                    store.catalogue(jia, &f, offset, size).await.unwrap().0,
                ));
            }
            assert_eq!(paged, all, "catalogue {f:?}, pages of {size}");
        }
    }
}

/// Deep pages of long lists are sought in their period — a column list's month
/// (`list_months`), the catalogue's year — instead of stepping over every entry before them.
/// On a list of 1,300 documents over 40 months, some pinned, some at a month's last second
/// and some sharing a month's first instant, every page of a parent column's list and of the catalogue (with and without a
/// topic) equals the whole list read at once, and the kept months stay right after pins and
/// unpins.
#[tokio::test]
async fn deep_pages_are_sought_in_their_month_or_year() {
    let (db, jia, _) = fixture_store().await;
    let store = &db.store;
    let (files, zwgk) = (
        column_id(store, jia, "zwgk/zcwj").await,
        column_id(store, jia, "zwgk").await,
    );
    let n = 1300_usize;
    let items = (0..n)
        .map(|i| {
            let month = i % 40;
            let (year, m) = (2021 + (month / 12) as i32, (month % 12) as u32 + 1);
            // Most on day 1..28 at their own minute; every 97th at the month's last second;
            // every 89th at the month's first instant (several of a month share it, so their
            // order is the id's).
            let at = if i % 89 == 0 {
                Utc.with_ymd_and_hms(year, m, 1, 0, 0, 0).unwrap()
            } else if i % 97 == 0 {
                let next = if m == 12 {
                    Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
                } else {
                    Utc.with_ymd_and_hms(year, m + 1, 1, 0, 0, 0)
                };
                next.unwrap() - chrono::Duration::seconds(1)
            } else {
                Utc.with_ymd_and_hms(year, m, (i % 28) as u32 + 1, (i % 24) as u32, 0, 0)
                    .unwrap()
                    + chrono::Duration::minutes((i / 40) as i64)
            };
            let topic = if i % 3 == 0 {
                "城乡建设"
            } else {
                "综合政务"
            };
            let mut d = doc(&format!("文件{i}"), year, topic, "县政府办", true);
            d.published_at = Some(at);
            (d, vec![files])
        })
        .collect();
    let ids = store.create_articles(jia, items).await.unwrap();
    // Three pinned, then one of them unpinned.
    let admin = zhanqun_tests::create_account(store, "jia-pager", None).await;
    let sec = zhanqun_tests::security_admin(store).await;
    store
        .grant(&sec, admin, SiteRole::SiteAdmin, jia, None)
        .await
        .unwrap();
    let acc = store.account(admin).await.unwrap().unwrap();
    let actor = zhanqun_store::Actor {
        principal: store.principal(acc).await.unwrap(),
        client: None,
        request_id: None,
    };
    for i in [5, 700, 1290] {
        store.pin(&actor, ids[i], true).await.unwrap();
    }
    store.pin(&actor, ids[700], false).await.unwrap();
    assert!(store.read_path_drift().await.unwrap().is_clean());

    let titles = |rows: Vec<ListItem>| rows.into_iter().map(|r| r.title).collect::<Vec<_>>();
    for list in [files, zwgk] {
        let (all, total) = store.list_column(jia, list, 0, 5000).await.unwrap();
        assert_eq!(total, n as u64);
        let all = titles(all);
        assert_eq!(
            &all[..2],
            ["文件1290", "文件5"],
            "pinned first, newest first"
        );
        for size in [20, 33] {
            let mut paged = Vec::new();
            for offset in (0..total).step_by(size) {
                let (rows, _) = store
                    .list_column(jia, list, offset, size as u64)
                    .await
                    .unwrap();
                paged.extend(titles(rows));
            }
            assert_eq!(paged, all, "list {list:?}, pages of {size}");
        }
    }
    for f in [CatalogueFilter::default(), filter("综合政务", None, "")] {
        let (all, total) = store.catalogue(jia, &f, 0, 5000).await.unwrap();
        assert!(total > 800, "{f:?}");
        let all = titles(all);
        for size in [20, 33] {
            let mut paged = Vec::new();
            for offset in (0..total).step_by(size) {
                paged.extend(titles(
                    store
                        .catalogue(jia, &f, offset, size as u64)
                        .await
                        .unwrap()
                        .0,
                ));
            }
            assert_eq!(paged, all, "catalogue {f:?}, pages of {size}");
        }
    }
}

/// The service catalogue reads `live` and `unit_name` kept on each item: they follow
/// publication, withdrawal and the site's status, and the facets and pages follow them.
#[tokio::test]
async fn service_items_follow_their_article_and_site() {
    let (db, jia, _) = fixture_store().await;
    let store = &db.store;
    let col = column_id(store, jia, "zwfw/bszn").await;
    let unit = store.units(jia).await.unwrap()[0].clone();
    let demo = zhanqun_sites::demo_services::items("佳县", "县", false);
    let item = |i: usize, published: bool| ArticleInput {
        title: demo[i].title.clone(),
        body_html: "<p>说明</p>".into(),
        published,
        unit: Some(unit.0),
        service: Some(demo[i].guide.clone()),
        ..Default::default()
    };
    let ids = store
        .create_articles(
            jia,
            vec![(item(0, true), vec![col]), (item(1, false), vec![col])],
        )
        .await
        .unwrap();
    let shown = || async {
        let drift = store.read_path_drift().await.unwrap();
        assert!(drift.is_clean(), "{drift:?}");
        let f = store.service_facets(Some(jia), 1000).await.unwrap();
        let all = store.service_facets(None, 100).await.unwrap();
        let lines = store
            .service_lines(Some(jia), &Default::default(), None, 20)
            .await
            .unwrap();
        assert_eq!(f.total as usize, lines.len());
        assert_eq!(
            all.total, f.total,
            "the fixture's other sites have no items"
        );
        (f, lines)
    };
    let (f, lines) = shown().await;
    assert_eq!(f.total, 1, "the draft is not shown");
    assert_eq!(f.units, vec![(unit.1.clone(), 1)]);
    assert_eq!(lines[0].unit.as_deref(), Some(unit.1.as_str()));
    let by_unit = zhanqun_store::ServiceFilter {
        unit: Some(unit.1.clone()),
        ..Default::default()
    };
    assert_eq!(
        store
            .service_lines(None, &by_unit, None, 20)
            .await
            .unwrap()
            .len(),
        1
    );
    // A department looked up on its own (the province lists only its largest).
    assert!(store.service_unit_exists(None, &unit.1).await.unwrap());
    assert!(store.service_unit_exists(Some(jia), &unit.1).await.unwrap());
    assert!(
        !store
            .service_unit_exists(None, "不存在的部门")
            .await
            .unwrap()
    );

    store
        .set_article_status(ids[1], ArticleStatus::Published)
        .await
        .unwrap();
    assert_eq!(shown().await.0.total, 2);
    store
        .set_article_status(ids[0], ArticleStatus::Withdrawn)
        .await
        .unwrap();
    let (f, lines) = shown().await;
    assert_eq!(f.total, 1);
    assert_eq!(lines[0].id, ids[1]);
    // A suspended site's items leave the catalogues, and come back with it.
    store
        .set_site_status(jia, SiteStatus::Suspended)
        .await
        .unwrap();
    assert_eq!(shown().await.0.total, 0);
    store
        .set_site_status(jia, SiteStatus::Active)
        .await
        .unwrap();
    assert_eq!(shown().await.0.total, 1);
}
