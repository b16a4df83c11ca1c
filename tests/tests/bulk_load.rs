//! Bulk loading (the national fixture's path into the store): what it writes reads exactly like
//! published articles, index numbers continue the site's series, a reprint placement shows on
//! the other site, and a bad item leaves nothing behind. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use zhanqun_core::*;
use zhanqun_store::{ArticleInput, BulkArticle, CatalogueFilter, DisclosureInput};
use zhanqun_tests::steps::{column_id, fixture_store};

fn input(title: &str, day: u32, disclosure: bool) -> ArticleInput {
    ArticleInput {
        title: title.into(),
        body_html: format!("<p>{title}</p>"),
        published: true,
        published_at: Some(Utc.with_ymd_and_hms(2025, 3, day, 2, 0, 0).unwrap()),
        disclosure: disclosure.then(|| DisclosureInput {
            topic: Some("综合政务".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn bulk_loaded_articles_read_like_published_ones() {
    let (db, jia, mi) = fixture_store().await;
    let store = &db.store;
    let news = column_id(store, jia, "xwzx/zwyw").await;
    let files = column_id(store, jia, "zwgk/zcwj").await;
    let mi_files = column_id(store, mi, "zwgk/zcwj").await;

    // One article the ordinary way first: the bulk load continues its index-number series.
    let first = store
        .create_article(jia, input("逐条发布的信息", 1, false), &[news])
        .await
        .unwrap();
    let items: Vec<BulkArticle> = (2..=9)
        .map(|d| BulkArticle {
            site: jia,
            input: input(&format!("批量信息{d}"), d, d % 2 == 0),
            columns: vec![if d % 2 == 0 { files } else { news }],
            elsewhere: if d == 9 {
                vec![(mi, mi_files)]
            } else {
                Vec::new()
            },
        })
        .collect();
    assert_eq!(store.bulk_load(&items).await.unwrap(), 8);

    let (list, total) = store.list_column(jia, news, 0, 20).await.unwrap();
    assert_eq!(total, 5, "news: the first article and days 3, 5, 7, 9");
    assert_eq!(list[0].title, "批量信息9", "newest first");
    let (_, disclosed) = store
        .catalogue(jia, &CatalogueFilter::default(), 0, 20)
        .await
        .unwrap();
    assert_eq!(disclosed, 4, "days 2, 4, 6, 8 are disclosure documents");
    let (on_mi, n) = store.list_column(mi, mi_files, 0, 20).await.unwrap();
    assert_eq!(
        (n, on_mi[0].title.as_str()),
        (1, "批量信息9"),
        "placed on 米脂 too"
    );

    let numbers: Vec<String> = {
        let mut v = Vec::new();
        for it in &list {
            v.push(
                store
                    .article(it.article_id)
                    .await
                    .unwrap()
                    .unwrap()
                    .index_number,
            );
        }
        v
    };
    assert!(
        numbers.contains(&store.article(first).await.unwrap().unwrap().index_number),
        "the first article is listed with the bulk-loaded ones"
    );
    assert_eq!(
        numbers[0], "6108280001/202503-00009",
        "the load continued the series"
    );
    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        numbers.len(),
        "index numbers are unique: {numbers:?}"
    );

    // A column of another site refuses the whole load.
    let before = store.article_count().await.unwrap();
    let bad = vec![
        BulkArticle {
            site: jia,
            input: input("不应写入", 10, false),
            columns: vec![news],
            elsewhere: Vec::new(),
        },
        BulkArticle {
            site: jia,
            input: input("栏目不属于本站", 11, false),
            columns: vec![mi_files],
            elsewhere: Vec::new(),
        },
    ];
    let err = store.bulk_load(&bad).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err:?}");
    assert_eq!(
        store.article_count().await.unwrap(),
        before,
        "nothing written"
    );
    // A draft is refused too: a bulk load publishes.
    let mut draft = bad[0].clone();
    draft.input.published = false;
    assert!(store.bulk_load(&[draft]).await.is_err());

    // And a later ordinary article still gets a fresh number.
    let later = store
        .create_article(jia, input("之后逐条发布", 20, false), &[news])
        .await
        .unwrap();
    let n = store.article(later).await.unwrap().unwrap().index_number;
    assert!(!numbers.contains(&n), "{n} was already given");
}
