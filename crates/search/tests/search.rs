//! The index on disk, as a site's search uses it: words found in Chinese text, document numbers
//! found exactly, one site's results only, withdrawn articles gone after a commit, and any input
//! answered without an error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use zhanqun_core::{ArticleId, ColumnId, SiteId};
use zhanqun_search::{SearchDoc, SearchIndex, SearchQuery};

const JIA: SiteId = SiteId(1);
const MIZHI: SiteId = SiteId(2);
const PROVINCE: SiteId = SiteId(3);

fn doc(id: i64, title: &str, body: &str, sites: &[SiteId], day: u32) -> SearchDoc {
    SearchDoc {
        article: ArticleId(id),
        title: title.into(),
        body: body.into(),
        published_at: Utc.with_ymd_and_hms(2026, 3, day, 2, 0, 0).unwrap(),
        placements: sites.iter().map(|s| (*s, ColumnId(s.0 * 100))).collect(),
        ..Default::default()
    }
}

fn index(dir: &std::path::Path) -> SearchIndex {
    let words = ["佳县", "米脂县", "佳县应急管理局", "佳县人民政府办公室"].map(String::from);
    let ix = SearchIndex::open(dir, &words).unwrap();
    ix.upsert(&doc(
        1,
        "佳县应急管理局关于做好冬季安全生产工作的通知",
        "各乡镇、各部门：为切实做好冬季安全生产工作，防范化解重大风险，现将有关事项通知如下。",
        &[JIA],
        10,
    ))
    .unwrap();
    ix.upsert(&doc(
        2,
        "米脂县召开春季农业生产推进会",
        "会议部署春耕备耕工作，要求抓好粮食生产。",
        &[MIZHI],
        11,
    ))
    .unwrap();
    ix.upsert(&SearchDoc {
        doc_number: "佳政办函〔2019〕54号".into(),
        ..doc(
            3,
            "佳县人民政府办公室关于印发佳县政府信息公开工作要点的通知",
            "各乡镇人民政府，县政府各工作部门：现将工作要点印发给你们。",
            &[JIA],
            12,
        )
    })
    .unwrap();
    // A State Council policy reprinted on every site.
    ix.upsert(&doc(
        4,
        "国务院关于进一步优化政务服务提升行政效能的指导意见",
        "推动政务服务从“能办”向“好办”转变，GDP 增长 5% 左右，2026年目标。",
        &[JIA, MIZHI, PROVINCE],
        13,
    ))
    .unwrap();
    ix.commit().unwrap();
    ix
}

fn q(text: &str, site: Option<SiteId>) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        site,
        limit: 10,
        ..Default::default()
    }
}

fn ids(ix: &SearchIndex, query: &SearchQuery) -> Vec<i64> {
    ix.search(query)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.article.0)
        .collect()
}

#[test]
fn chinese_words_document_numbers_and_sites() {
    let dir = tempfile::tempdir().unwrap();
    let ix = index(dir.path());
    assert_eq!(ix.len(), 4);

    // 安全生产 finds the safety notice, not the farming news that only shares 生产.
    assert_eq!(ids(&ix, &q("安全生产", None)), vec![1]);
    let r = ix.search(&q("安全生产", None)).unwrap();
    assert!(
        r.hits[0].title_html.contains("<b>"),
        "{}",
        r.hits[0].title_html
    );
    assert!(
        r.hits[0].snippet_html.contains("<b>"),
        "{}",
        r.hits[0].snippet_html
    );

    // 佳县 is one word (the dictionary has the county's name): its items, not 米脂县's.
    let jia = ids(&ix, &q("佳县", None));
    assert!(
        jia.contains(&1) && jia.contains(&3) && !jia.contains(&2),
        "{jia:?}"
    );

    // A document number finds its document, first, also typed with half-width brackets.
    assert_eq!(ids(&ix, &q("佳政办函〔2019〕54号", None))[0], 3);
    assert_eq!(ids(&ix, &q(" 佳政办函〔2019〕54号 ", Some(JIA)))[0], 3);

    // A site's search shows its placements only; the reprint is found on every site showing it.
    assert_eq!(ids(&ix, &q("政务服务", Some(MIZHI))), vec![4]);
    assert_eq!(ids(&ix, &q("政务服务", Some(PROVINCE))), vec![4]);
    assert!(ids(&ix, &q("安全生产", Some(MIZHI))).is_empty());
    // A word no article has is left out (and said so); words some article has are not.
    let r = ix.search(&q("安全生产 xyzzy", None)).unwrap();
    assert!(r.partial && r.total == 1, "{r:?}");
    let r = ix.search(&q("安全生产 政务服务", None)).unwrap();
    assert!(!r.partial && r.total == 0, "{r:?}");

    // Province-wide: a facet per site, counting every match, also when one site is picked.
    let facet = |text: &str, site| SearchQuery {
        facet: true,
        ..q(text, site)
    };
    let r = ix.search(&facet("通知", None)).unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(r.by_site, vec![(JIA, 2)]);
    let r = ix.search(&facet("政务服务", None)).unwrap();
    assert_eq!(r.by_site.len(), 3);
    let r = ix.search(&facet("政务服务", Some(MIZHI))).unwrap();
    assert_eq!((r.total, r.by_site.len()), (1, 3));
    assert!(ix.search(&q("政务服务", None)).unwrap().by_site.is_empty());

    // Mixed Chinese, Latin and digits; full-width Latin folded.
    assert_eq!(ids(&ix, &q("GDP增长", None)), vec![4]);
    assert_eq!(ids(&ix, &q("ＧＤＰ", None)), vec![4]);
    assert_eq!(ids(&ix, &q("gdp", None)), vec![4]);
}

#[test]
fn any_input_gets_an_answer_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let ix = index(dir.path());
    for text in [
        "",
        "   ",
        "，。！？",
        "title:\"安全\" AND (生产 OR",
        "*?~^[]{}:\\/",
        "<script>alert(1)</script>",
        "🙂🙂",
    ] {
        let r = ix.search(&q(text, None)).unwrap();
        assert!(r.hits.len() <= 4, "{text}");
    }
    let long = "安全生产".repeat(2500);
    let r = ix.search(&q(&long, None)).unwrap();
    assert!(r.truncated);
    assert_eq!(r.hits[0].article.0, 1);
    // Markup in a query is text to look for, never markup in the answer.
    let r = ix.search(&q("<b>通知</b>", None)).unwrap();
    assert!(r.hits.iter().all(|h| !h.title_html.contains("<b><b>")));
}

#[test]
fn changes_show_after_a_commit_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let ix = index(dir.path());
        // Withdrawn: gone after the commit.
        ix.remove(ArticleId(1));
        assert_eq!(
            ids(&ix, &q("安全生产", None)),
            vec![1],
            "not before the commit"
        );
        ix.commit().unwrap();
        let r = ix.search(&q("安全生产", None)).unwrap();
        assert!(r.hits.is_empty(), "{r:?}");
        // Edited: the new title is found, the old one is not.
        ix.upsert(&doc(
            2,
            "米脂县召开春季植树造林动员会",
            "植树",
            &[MIZHI],
            11,
        ))
        .unwrap();
        ix.commit().unwrap();
        assert!(ids(&ix, &q("农业", None)).is_empty());
        assert_eq!(ids(&ix, &q("植树造林", None)), vec![2]);
        // No placement left (a draft again): not in the index.
        ix.upsert(&doc(2, "米脂县召开春季植树造林动员会", "植树", &[], 11))
            .unwrap();
        ix.commit().unwrap();
        assert!(ids(&ix, &q("植树造林", None)).is_empty());
    }
    let ix = SearchIndex::open(dir.path(), &[]).unwrap();
    assert_eq!(ix.len(), 2);
    assert_eq!(ids(&ix, &q("政务服务", None)), vec![4]);
}

#[test]
fn ties_in_relevance_go_to_the_newer_article() {
    let dir = tempfile::tempdir().unwrap();
    let ix = SearchIndex::open(dir.path(), &[]).unwrap();
    for (id, day) in [(10, 1), (11, 20), (12, 5)] {
        ix.upsert(&doc(id, "防汛工作部署", "防汛", &[JIA], day))
            .unwrap();
    }
    ix.commit().unwrap();
    assert_eq!(ids(&ix, &q("防汛", None)), vec![11, 12, 10]);
}

#[test]
fn an_index_of_another_schema_is_emptied_and_built_again() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut b = tantivy::schema::Schema::builder();
        let x = b.add_text_field("x", tantivy::schema::TEXT);
        let old = tantivy::Index::create_in_dir(dir.path(), b.build()).unwrap();
        let mut w: tantivy::IndexWriter = old.writer(15_000_000).unwrap();
        w.add_document(tantivy::doc!(x => "old")).unwrap();
        w.commit().unwrap();
    }
    let ix = SearchIndex::open(dir.path(), &[]).unwrap();
    assert!(ix.is_empty());
    assert_eq!(ix.mark(), None, "no mark: the node rebuilds it");
    ix.upsert(&doc(1, "佳县安全生产", "正文", &[JIA], 1))
        .unwrap();
    ix.commit().unwrap();
    assert_eq!(ix.len(), 1);
}

/// The per-site facet is exact: articles on one site, on several (the same set of sites or
/// different ones), edited onto other sites and withdrawn, in several segments, counted as a
/// count over the articles themselves counts them.
#[test]
fn the_facet_counts_every_site_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let ix = SearchIndex::open(dir.path(), &[]).unwrap();
    let sets: [&[SiteId]; 5] = [
        &[JIA],
        &[MIZHI],
        &[JIA, MIZHI, PROVINCE],
        &[MIZHI, PROVINCE],
        &[PROVINCE, JIA],
    ];
    let mut expected: std::collections::BTreeMap<i64, Vec<SiteId>> = Default::default();
    for id in 1..=300i64 {
        let sites = sets[(id as usize * 7) % sets.len()];
        let title = if id % 3 == 0 {
            "防汛抗旱工作通知"
        } else {
            "森林防火工作通知"
        };
        ix.upsert(&doc(id, title, "正文", sites, 1 + (id % 28) as u32))
            .unwrap();
        if id % 3 == 0 {
            expected.insert(id, sites.to_vec());
        }
        // A commit every 70 articles: several segments.
        if id % 70 == 0 {
            ix.commit().unwrap();
        }
    }
    // Withdrawn, and moved to another set of sites.
    for id in [3, 30, 33] {
        ix.remove(ArticleId(id));
        expected.remove(&id);
    }
    for id in [6, 60] {
        ix.upsert(&doc(id, "防汛抗旱工作通知", "正文", &[MIZHI, JIA], 2))
            .unwrap();
        expected.insert(id, vec![MIZHI, JIA]);
    }
    ix.commit().unwrap();
    let mut want: std::collections::BTreeMap<SiteId, usize> = Default::default();
    for sites in expected.values() {
        for s in sites {
            *want.entry(*s).or_default() += 1;
        }
    }
    for site in [None, Some(JIA), Some(PROVINCE)] {
        let r = ix
            .search(&SearchQuery {
                facet: true,
                ..q("防汛抗旱", site)
            })
            .unwrap();
        let got: std::collections::BTreeMap<SiteId, usize> = r.by_site.iter().copied().collect();
        assert_eq!(got, want, "site {site:?}");
        let total = match site {
            None => expected.len(),
            Some(s) => want[&s],
        };
        assert_eq!(r.total, total, "site {site:?}");
    }
}
