//! The storage story: one suite, run on SQLite (default) and on PostgreSQL
//! (`ZHANQUN_TEST_DATABASE_URL`). It goes through the store the way the platform does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, TimeZone, Utc};
use zhanqun_core::*;
use zhanqun_store::{ArticleInput, CatalogueFilter, Change, DisclosureInput};
use zhanqun_tests::steps::{column_at, site_by_code};
use zhanqun_tests::{backend_name, fixture_sites, fresh_store, parse};

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap()
}

fn article(title: &str, when: chrono::DateTime<Utc>) -> ArticleInput {
    ArticleInput {
        title: title.into(),
        body_html: format!("<p>{title}</p>"),
        published: true,
        published_at: Some(when),
        ..Default::default()
    }
}

#[tokio::test]
async fn storage_story() {
    eprintln!("storage story on {}", backend_name());
    let db = fresh_store().await;
    let store = &db.store;
    if let Some((mode, sync, fk)) = store.sqlite_pragmas().await.unwrap() {
        assert_eq!(
            (mode.as_str(), sync, fk),
            ("wal", 2, 1),
            "SQLite must run with WAL, synchronous=FULL, foreign keys"
        );
    }
    if let Some(options) = store.sqlite_compile_options().await.unwrap() {
        // .cargo/config.toml: without the planner's stability guarantee every statement with a
        // bound LIMIT is parsed and planned again each time it runs.
        for wanted in [
            "ENABLE_QPSG",
            "DEFAULT_MEMSTATUS=0",
            "MAX_MMAP_SIZE=1099511627776",
        ] {
            assert!(
                options.iter().any(|o| o == wanted),
                "SQLite built without {wanted} (is .cargo/config.toml in force?): {options:?}"
            );
        }
    }
    let changes = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Change>::new()));
    {
        let c = changes.clone();
        store.on_change(move |ch| c.lock().unwrap().push(ch.clone()));
    }

    // Sites as code: plan, apply, and apply again changes nothing.
    let sites = fixture_sites();
    let plan = zhanqun_sites::plan(store, &sites).await.unwrap();
    assert_eq!(plan.counts(), (3, 0, 0));
    zhanqun_sites::apply(store, &sites).await.unwrap();
    let again = zhanqun_sites::plan(store, &sites).await.unwrap();
    assert!(again.is_empty(), "second plan must be empty:\n{again}");
    let listed = store.list_sites().await.unwrap();
    assert_eq!(listed.len(), 3);
    let jia = site_by_code(store, "6108280001").await;
    assert_eq!(jia.hosts, vec!["www.jiaxian.gov.cn", "jiaxian.gov.cn"]);
    assert_eq!(jia.footer.icp, "陕ICP备05001234号");
    let mi = site_by_code(store, "6108270001").await;
    let edu = site_by_code(store, "6100000003").await;
    assert_eq!(edu.theme, "department");

    // The column tree came from the template plus the site's own column.
    let cols = store.columns(jia.id).await.unwrap();
    let col = |path: &str| {
        cols.iter()
            .find(|c| c.path.as_str() == path)
            .unwrap_or_else(|| panic!("column {path}"))
            .clone()
    };
    let news = col("xwzx/zwyw");
    assert!(news.mandatory);
    assert_eq!(news.parent_id, Some(col("xwzx").id));
    assert_eq!(col("xwzx/xzdt").name, "镇街动态");
    assert!(col("xwzx/xzdt").unit_id.is_some());
    assert!(col("xwzx").in_nav && !news.in_nav);
    assert_eq!(col("zjgk/gk").kind, ColumnKind::Page);

    // Articles: index numbers per site, per month, never reused; placements in columns.
    let ids = store
        .create_articles(
            jia.id,
            (1..=25)
                .map(|i| {
                    (
                        article(
                            &format!("佳县要闻{i:02}"),
                            at(2025, 3, 1) + chrono::Duration::hours(i),
                        ),
                        vec![news.id],
                    )
                })
                .collect(),
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 25);
    let first = store.article(ids[0]).await.unwrap().unwrap();
    assert_eq!(first.index_number, "6108280001/202503-00001");
    assert_eq!(
        store.article(ids[24]).await.unwrap().unwrap().index_number,
        "6108280001/202503-00025"
    );
    let april = store
        .create_article(jia.id, article("四月信息", at(2025, 4, 2)), &[news.id])
        .await
        .unwrap();
    assert_eq!(
        store.article(april).await.unwrap().unwrap().index_number,
        "6108280001/202504-00001"
    );
    let edu_col = column_at(store, edu.id, "xwdt").await;
    let e1 = store
        .create_article(edu.id, article("教育厅动态", at(2025, 4, 2)), &[edu_col.id])
        .await
        .unwrap();
    assert_eq!(
        store.article(e1).await.unwrap().unwrap().index_number,
        "SXJYT-2025-0001"
    );

    // Lists: newest first, 20 a page, subtree included, counts right.
    let (page1, total) = store.list_column(jia.id, news.id, 0, 20).await.unwrap();
    assert_eq!(total, 26);
    assert_eq!(page1.len(), 20);
    assert_eq!(page1[0].title, "四月信息");
    assert_eq!(page1[1].title, "佳县要闻25");
    let (page2, _) = store.list_column(jia.id, news.id, 20, 20).await.unwrap();
    assert_eq!(page2.len(), 6);
    let (_, parent_total) = store
        .list_column(jia.id, col("xwzx").id, 0, 20)
        .await
        .unwrap();
    assert_eq!(parent_total, 26, "a parent column lists its subtree");

    // A draft is stored but shown nowhere.
    let draft = store
        .create_article(
            jia.id,
            ArticleInput {
                published: false,
                ..article("草稿不可见", at(2025, 5, 1))
            },
            &[news.id],
        )
        .await
        .unwrap();
    assert_eq!(
        store.list_column(jia.id, news.id, 0, 20).await.unwrap().1,
        26
    );
    assert!(
        !store
            .latest_on_site(jia.id, 50)
            .await
            .unwrap()
            .iter()
            .any(|i| i.article_id == draft)
    );
    assert!(
        !store
            .sitemap_entries(jia.id, 100)
            .await
            .unwrap()
            .iter()
            .any(|(id, _)| *id == draft)
    );

    // Disclosure documents and the catalogue filters.
    let policy = store
        .create_article(
            jia.id,
            ArticleInput {
                disclosure: Some(DisclosureInput {
                    doc_number: Some("佳政办函〔2019〕54号".into()),
                    written_date: NaiveDate::from_ymd_opt(2019, 9, 16),
                    issuing_organ: Some("政务信息化服务中心".into()),
                    validity: Some(Validity::Valid),
                    topic: Some("综合政务".into()),
                }),
                ..article(
                    "佳县人民政府办公室关于进一步加强县政府门户网站建设和管理工作的通知",
                    at(2019, 10, 29),
                )
            },
            &[col("zwgk/zcwj").id],
        )
        .await
        .unwrap();
    let p = store.article(policy).await.unwrap().unwrap();
    assert_eq!(p.index_number, "6108280001/201910-00001");
    assert_eq!(
        p.disclosure
            .as_ref()
            .and_then(|d| d.doc_number.clone())
            .as_deref(),
        Some("佳政办函〔2019〕54号")
    );
    let interp = store
        .create_article(
            jia.id,
            ArticleInput {
                interprets: Some(policy),
                ..article("政策解读：门户网站建设", at(2019, 10, 30))
            },
            &[col("zwgk/zcjd").id],
        )
        .await
        .unwrap();
    assert_eq!(
        store.interpretations_of(policy).await.unwrap(),
        vec![(interp, "政策解读：门户网站建设".to_string())]
    );
    let all = CatalogueFilter::default();
    assert_eq!(store.catalogue(jia.id, &all, 0, 20).await.unwrap().1, 1);
    let y2019 = CatalogueFilter {
        year: Some(2019),
        ..Default::default()
    };
    assert_eq!(store.catalogue(jia.id, &y2019, 0, 20).await.unwrap().1, 1);
    let y2020 = CatalogueFilter {
        year: Some(2020),
        ..Default::default()
    };
    assert_eq!(store.catalogue(jia.id, &y2020, 0, 20).await.unwrap().1, 0);
    let topic = CatalogueFilter {
        topic: Some("综合政务".into()),
        organ: Some("政务信息化服务中心".into()),
        ..Default::default()
    };
    assert_eq!(store.catalogue(jia.id, &topic, 0, 20).await.unwrap().1, 1);
    let facets = store.catalogue_facets(jia.id).await.unwrap();
    assert_eq!(
        (facets.topics.clone(), facets.years.clone()),
        (vec!["综合政务".to_string()], vec![2019])
    );
    assert_eq!(
        store.catalogue(mi.id, &all, 0, 20).await.unwrap().1,
        0,
        "another site's documents are not in this catalogue"
    );

    // A reprint is a placement on another site, not a copy; an edit shows everywhere.
    let mi_news = column_at(store, mi.id, "xwzx/zwyw").await;
    changes.lock().unwrap().clear();
    store
        .place_article(ids[0], mi.id, mi_news.id)
        .await
        .unwrap();
    store
        .place_article(ids[0], mi.id, mi_news.id)
        .await
        .unwrap();
    assert_eq!(
        store.list_column(mi.id, mi_news.id, 0, 20).await.unwrap().1,
        1,
        "placing twice is a no-op"
    );
    assert!(
        store
            .article_on_site(ids[0], mi.id)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .article_on_site(ids[1], mi.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.article_count().await.unwrap(), 30, "no copy was made");
    changes.lock().unwrap().clear();
    store
        .update_article(ids[0], article("佳县要闻01（更正）", at(2025, 3, 1)))
        .await
        .unwrap();
    let seen = changes.lock().unwrap().clone();
    match seen.as_slice() {
        [
            Change::Article {
                article,
                placements,
                ..
            },
        ] => {
            assert_eq!(*article, ids[0]);
            assert!(
                placements.contains(&(jia.id, news.id))
                    && placements.contains(&(mi.id, mi_news.id))
            );
        }
        other => panic!("expected one article change, got {other:?}"),
    }
    assert_eq!(
        store.list_column(mi.id, mi_news.id, 0, 20).await.unwrap().0[0].title,
        "佳县要闻01（更正）"
    );
    assert_eq!(
        store.article(ids[0]).await.unwrap().unwrap().index_number,
        "6108280001/202503-00001",
        "index numbers never change"
    );

    // Withdraw takes it off every site.
    store
        .set_article_status(ids[0], ArticleStatus::Withdrawn)
        .await
        .unwrap();
    assert_eq!(
        store.list_column(mi.id, mi_news.id, 0, 20).await.unwrap().1,
        0
    );
    assert_eq!(
        store.list_column(jia.id, news.id, 0, 20).await.unwrap().1,
        25
    );

    // Home page query: the newest n of every column at once.
    let top = store.top_per_column(jia.id, 3).await.unwrap();
    assert_eq!(top.iter().filter(|i| i.column_id == news.id).count(), 3);

    // Bad writes leave nothing behind.
    let before = store.article_count().await.unwrap();
    let err = store
        .create_articles(
            jia.id,
            vec![
                (article("好的", at(2025, 6, 1)), vec![news.id]),
                (article("错的", at(2025, 6, 1)), vec![mi_news.id]),
            ],
        )
        .await;
    assert!(
        matches!(err, Err(Error::InvalidInput(_))),
        "a column of another site is refused: {err:?}"
    );
    assert_eq!(
        store.article_count().await.unwrap(),
        before,
        "all or nothing"
    );
    assert!(
        store
            .create_article(jia.id, article("   ", at(2025, 6, 1)), &[news.id])
            .await
            .is_err()
    );
    assert!(
        store
            .update_article(ArticleId(999_999), article("x", at(2025, 6, 1)))
            .await
            .is_err()
    );

    // Sites: a duplicate host across sites is a conflict, and nothing is half-written.
    let mut clash = sites.clone();
    let idx = clash
        .iter()
        .position(|s| s.code.as_str() == "6108270001")
        .unwrap();
    clash[idx]
        .hosts
        .push(Host::parse("www.jiaxian.gov.cn").unwrap());
    clash[idx].name = "改名不应生效".into();
    let err = store.apply_sites(&clash).await;
    assert!(matches!(err, Err(Error::Conflict(_))), "{err:?}");
    assert_eq!(
        store.site(mi.id).await.unwrap().unwrap().name,
        "米脂县人民政府"
    );
    // A column that holds articles cannot be dropped.
    let mut fewer = sites.clone();
    let j = fewer
        .iter()
        .position(|s| s.code.as_str() == "6108280001")
        .unwrap();
    fewer[j]
        .columns
        .retain(|c| !c.path.as_str().starts_with("zwgk/zcwj"));
    assert!(matches!(
        store.apply_sites(&fewer).await,
        Err(Error::Conflict(_))
    ));
    assert!(
        store
            .columns(jia.id)
            .await
            .unwrap()
            .iter()
            .any(|c| c.path.as_str() == "zwgk/zcwj")
    );
    // An empty one can; the plan says so first.
    let mut drop_empty = sites.clone();
    drop_empty[j]
        .columns
        .retain(|c| c.path.as_str() != "hdjl/zjdc");
    let plan = zhanqun_sites::plan(store, &drop_empty).await.unwrap();
    assert!(plan.to_string().contains("- hdjl/zjdc"), "{plan}");
    zhanqun_sites::apply(store, &drop_empty).await.unwrap();
    assert!(
        !store
            .columns(jia.id)
            .await
            .unwrap()
            .iter()
            .any(|c| c.path.as_str() == "hdjl/zjdc")
    );

    // Status changes.
    store
        .set_site_status(mi.id, SiteStatus::Suspended)
        .await
        .unwrap();
    assert_eq!(
        store.site(mi.id).await.unwrap().unwrap().status,
        SiteStatus::Suspended
    );

    // A site whose parent is unknown is refused by the parser, with the file and line.
    let err = parse(&[("tenants/x.toml", "code = \"6108280009\"\nname = \"x\"\nkind = \"county\"\nparent = \"6108000001\"\nregion = \"610828\"\ntemplate = \"portal\"\n[footer]\norganiser = \"x\"\n")]).unwrap_err();
    assert_eq!(
        (err[0].path.as_str(), err[0].line, err[0].field.as_str()),
        ("tenants/x.toml", 4, "parent")
    );

    // Wipe (demo reload) empties everything.
    store.wipe().await.unwrap();
    assert_eq!(store.site_count().await.unwrap(), 0);
    assert_eq!(store.article_count().await.unwrap(), 0);
}

#[tokio::test]
async fn demo_province_loads_and_reloads() {
    let db = fresh_store().await;
    let anchor = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let s = zhanqun_sites::demo::load(&db.store, anchor, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(s.sites, 123);
    assert!(s.articles >= 123 * 30, "{} articles", s.articles);
    // What the public pages read (kept by triggers) agrees with the articles it comes from.
    let drift = db.store.read_path_drift().await.unwrap();
    assert!(drift.is_clean(), "{drift:?}");
    // Every portal has at least 30 articles, dated over the year before the anchor.
    for site in db.store.list_sites().await.unwrap() {
        let items = db.store.latest_on_site(site.id, 1000).await.unwrap();
        assert!(
            items.len() >= 30,
            "{} has {} articles",
            site.code,
            items.len()
        );
        let oldest = items.iter().map(|i| i.publish_date).min().unwrap();
        let newest = items.iter().map(|i| i.publish_date).max().unwrap();
        assert!(
            newest <= anchor
                && (anchor - oldest).num_days() <= 366
                && (newest - oldest).num_days() > 180,
            "{}: {oldest}..{newest}",
            site.code
        );
    }
    // Reloading gives the same province (deterministic), not a second copy.
    let s2 = zhanqun_sites::demo::load(&db.store, anchor, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(s, s2);
    assert_eq!(db.store.site_count().await.unwrap(), 123);
}
