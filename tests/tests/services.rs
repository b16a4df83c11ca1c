//! 办事服务 over HTTP, on SQLite and PostgreSQL: a department writes a service item (an article
//! with its guide) through the API and the console; it cannot go for review or be published
//! while a key element of the guide is missing; once approved, the site shows the guide and
//! lists the item in its catalogue (and the province portal in the province's); the check
//! indicator 服务不实用 turns on and off with the site's items.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use serde_json::json;
use zhanqun_core::SiteRole;
use zhanqun_core::checks::{Indicator, Thresholds};
use zhanqun_core::service::Element;
use zhanqun_tests::{TestApp, raw_sql};

const JIAXIAN: &str = "6108280001";
const MIZHI: &str = "6108270001";
const HOST: &str = "www.jiaxian.gov.cn";

fn guide() -> serde_json::Value {
    json!({
        "item_type": "行政许可",
        "audience": "legal",
        "theme": "准营准办",
        "basis": "《危险化学品安全管理条例》第三十三条",
        "conditions": "有符合国家标准的经营场所",
        "agency": "佳县应急管理局",
        "fee": "不收费",
        "process": "申请\n受理\n审查\n决定",
        "place": "佳县政务服务中心二楼",
        "hours": "法定工作日 9:00—17:30",
        "consult_phone": "0912-6722699",
        "materials": [{"name": "危险化学品经营许可证申请表", "kind": "原件", "copies": "原件1份，A4"}]
    })
}

#[tokio::test]
async fn a_service_item_needs_its_key_elements_before_review_and_is_shown_once_approved() {
    let t = TestApp::spawn().await;
    let f = t.province_fixture().await;
    let a = f.site(JIAXIAN);
    let col = f.column(&format!("{JIAXIAN}/zwfw/bszn"));
    let (ed, rv) = t
        .editor_and_reviewer("yjj-editor", "jx-reviewer", a, col)
        .await;

    // A guide with an unknown item type is refused at once, with what to fix.
    let mut bad = guide();
    bad["item_type"] = json!("行政审批");
    let r = ed
        .post(
            &format!("/api/v1/columns/{}/articles", col.0),
            json!({"title": "危险化学品经营许可", "service": bad}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.json);
    assert!(
        r.json.to_string().contains("事项类型“行政审批”不存在"),
        "{}",
        r.json
    );

    // A draft may lack elements; sending it for review may not.
    let mut partial = guide();
    partial["basis"] = json!("");
    partial["materials"] = json!([]);
    let id = ed
        .draft(
            col.0,
            json!({"title": "危险化学品经营许可", "service": partial}),
        )
        .await;
    let r = ed.submit(id).await;
    assert_eq!(r.status, 400, "{}", r.json);
    assert!(
        r.json
            .to_string()
            .contains("办事指南缺少关键要素：设定依据、申请材料"),
        "{}",
        r.json
    );
    let (_, page) = ed.page(&format!("/articles/{id}")).await;
    assert!(page.contains("缺少关键要素：设定依据、申请材料"), "{page}");

    // Completed in the console's service editor (materials as rows), it goes through.
    let (s, form) = ed.page(&format!("/articles/{id}/service")).await;
    assert_eq!(s, 200);
    assert!(form.contains("value=\"佳县应急管理局\""), "{form}");
    let g = guide();
    let text = |k: &str| g[k].as_str().unwrap().to_string();
    let fields: Vec<(String, String)> = [
        "item_type",
        "audience",
        "theme",
        "basis",
        "conditions",
        "agency",
        "fee",
        "process",
        "place",
        "hours",
        "consult_phone",
    ]
    .iter()
    .map(|k| (k.to_string(), text(k)))
    .chain([
        ("title".into(), "危险化学品经营许可".into()),
        ("rows".into(), "3".into()),
        ("m1_name".into(), "危险化学品经营许可证申请表".into()),
        ("m1_kind".into(), "原件".into()),
        ("m2_name".into(), String::new()),
        ("m2_kind".into(), "复印件".into()),
    ])
    .collect();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // A material row without its name comes back with the message and what was typed.
    let (s, back) = ed.form(&format!("/articles/{id}/service"), &pairs).await;
    assert_eq!(s, 400, "{back}");
    assert!(back.contains("第 2 项材料没有填写名称"), "{back}");
    assert!(back.contains("《危险化学品安全管理条例》第三十三条"));
    let pairs: Vec<(&str, &str)> = pairs.into_iter().filter(|(k, _)| *k != "m2_kind").collect();
    let (s, _) = ed.form(&format!("/articles/{id}/service"), &pairs).await;
    assert!(s == 303 || s == 200, "{s}");
    let r = ed.submit(id).await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = rv.act(id, json!({"action": "approve"})).await;
    assert_eq!(r.status, 200, "{}", r.json);

    // The site shows the guide, and lists the item by theme and audience.
    let page = t.page(HOST, &format!("/art/{id}.html"), 200).await;
    assert!(page.contains("<h2>办事指南</h2>"), "{page}");
    assert!(page.contains("《危险化学品安全管理条例》第三十三条"));
    assert!(page.contains("危险化学品经营许可证申请表"));
    let list = t.page(HOST, "/banshi/", 200).await;
    assert!(list.contains(&format!("/art/{id}.html")), "{list}");
    let list = t
        .page(HOST, "/banshi/?theme=准营准办&audience=legal", 200)
        .await;
    assert!(list.contains("危险化学品经营许可"));
    let list = t.page(HOST, "/banshi/?audience=person", 200).await;
    assert!(!list.contains("危险化学品经营许可"));
    // A theme no item has is a 404 (never a cached page).
    t.page(HOST, "/banshi/?theme=不存在的主题", 404).await;
    t.page(HOST, "/banshi/?audience=robot", 400).await;
    // Another county does not list it; the province portal does, linked to 佳县's own page.
    let mizhi = t.store.site(f.site(MIZHI)).await.unwrap().unwrap().hosts[0].clone();
    assert!(
        !t.page(&mizhi, "/banshi/", 200)
            .await
            .contains("危险化学品经营许可")
    );
    let province = t
        .store
        .site(f.site("6100000001"))
        .await
        .unwrap()
        .unwrap()
        .hosts[0]
        .clone();
    let all = t.page(&province, "/banshi/", 200).await;
    assert!(all.contains(&format!("://{HOST}/art/{id}.html")), "{all}");
    // The guide's revision is kept with the article's.
    let revs = ed.get(&format!("/api/v1/articles/{id}/revisions")).await;
    assert!(revs.json.to_string().contains("设定依据"), "{}", revs.json);
}

/// The site's 服务不实用 finding under `th`, if any: (veto, message).
async fn service_useless(
    t: &TestApp,
    site: zhanqun_core::SiteId,
    th: &Thresholds,
) -> Option<(bool, String)> {
    let deadlines = t.app.config().deadlines();
    let c = t
        .store
        .site_checks(Some(site), Utc::now(), th, &deadlines)
        .await
        .unwrap();
    c[0].findings
        .iter()
        .find(|x| x.indicator == Indicator::ServiceUseless)
        .map(|x| (x.veto, x.message.clone()))
}

#[tokio::test]
async fn service_useless_turns_on_and_off_with_the_sites_items() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(JIAXIAN);
    let col = f.column(&format!("{JIAXIAN}/zwfw/bszn"));
    let [ad, rv] = t
        .staff([
            ("jx-admin", SiteRole::SiteAdmin, a),
            ("jx-reviewer", SiteRole::Reviewer, a),
        ])
        .await;
    let th = Thresholds::default();
    let deadlines = t.app.config().deadlines();
    let useless = || service_useless(&t, a, &th);
    // A county portal with no service item fails.
    let (veto, why) = useless().await.expect("no services: 服务不实用");
    assert!(veto);
    assert!(why.contains("未提供任何办事服务事项"), "{why}");
    // A department site is not expected to list any.
    let dept = t.store.list_sites().await.unwrap();
    if let Some(d) = dept
        .iter()
        .find(|s| s.kind == zhanqun_core::SiteKind::Department)
    {
        let c = t
            .store
            .site_checks(Some(d.id), Utc::now(), &th, &deadlines)
            .await
            .unwrap();
        assert!(
            !c[0]
                .findings
                .iter()
                .any(|x| x.indicator == Indicator::ServiceUseless)
        );
    }

    let id = ad
        .draft(
            col.0,
            json!({"title": "危险化学品经营许可", "service": guide()}),
        )
        .await;
    assert_eq!(ad.submit(id).await.status, 200);
    assert_eq!(rv.act(id, json!({"action": "approve"})).await.status, 200);
    assert_eq!(useless().await, None, "a complete item: the site passes");

    // A form that no file of the site answers cannot be downloaded: the site fails again.
    let mut g = guide();
    g["materials"][0]["form"] = json!("/media/0123456789abcdef0123456789abcdef.docx");
    let id2 = ad
        .draft(
            col.0,
            json!({"title": "成品油零售经营资格审批", "service": g}),
        )
        .await;
    assert_eq!(ad.submit(id2).await.status, 200);
    assert_eq!(rv.act(id2, json!({"action": "approve"})).await.status, 200);
    let (_, why) = useless().await.expect("a dead form link: 服务不实用");
    assert!(why.contains("1 个表格或样本无法下载"), "{why}");

    // A key element made required after publishing: the items lack it. The check reads what
    // is kept beside each guide (migration 0045); with the kept values wiped, as an older binary
    // leaves them, it reads the guides, and migrating the store fills them again.
    let stricter = Thresholds {
        service_elements: [Element::NATIONAL.as_slice(), &[Element::ComplaintPhone]].concat(),
        ..Thresholds::default()
    };
    let lacking = || async {
        service_useless(&t, a, &stricter)
            .await
            .map(|(_, why)| why)
            .unwrap_or_default()
    };
    let why = lacking().await;
    assert!(why.contains("2 个事项的办事指南缺少关键要素"), "{why}");
    assert!(why.contains("1 个表格或样本无法下载"), "{why}");
    raw_sql(
        &t.url,
        "UPDATE service_items SET elements = NULL, media_links = ''",
    )
    .await
    .unwrap();
    let unfilled = lacking().await;
    assert!(
        unfilled.contains("2 个事项的办事指南缺少关键要素"),
        "read from the guides: {unfilled}"
    );
    assert!(unfilled.contains("1 个表格或样本无法下载"), "{unfilled}");
    t.store.migrate().await.unwrap();
    let again = lacking().await;
    assert!(again.contains("2 个事项的办事指南缺少关键要素"), "{again}");
    assert!(again.contains("1 个表格或样本无法下载"), "{again}");
    assert!(useless().await.is_some(), "the dead link is found again");
    // Withdrawn, it no longer counts.
    let r = ad
        .act(id2, json!({"action": "withdraw", "reason": "表格待更新"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(useless().await, None);
}

#[tokio::test]
async fn another_sites_editor_cannot_open_or_write_a_service_item() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(JIAXIAN);
    let b = f.site(MIZHI);
    let col = f.column(&format!("{JIAXIAN}/zwfw/bszn"));
    let editor = t.account("jx-editor", None).await;
    t.grant(editor, SiteRole::Editor, a, Some(col)).await;
    let stranger = t.account("mz-admin", None).await;
    t.grant(stranger, SiteRole::SiteAdmin, b, None).await;
    let ed = t.login("jx-editor").await;
    let mz = t.login("mz-admin").await;
    let id = ed
        .draft(col.0, json!({"title": "结婚登记", "service": guide()}))
        .await;
    assert_eq!(mz.page(&format!("/articles/{id}/service")).await.0, 404);
    assert_eq!(
        mz.form(&format!("/articles/{id}/service"), &[("title", "越权修改")])
            .await
            .0,
        404
    );
    assert_eq!(
        mz.page(&format!("/columns/{}/new-service", col.0)).await.0,
        404
    );
    assert_eq!(
        mz.form(
            &format!("/columns/{}/new-service", col.0),
            &[("title", "越权新建")]
        )
        .await
        .0,
        404
    );
    let (s, page) = ed.page(&format!("/columns/{}/new-service", col.0)).await;
    assert_eq!(s, 200);
    assert!(page.contains("关键要素（事项名称、设定依据"), "{page}");
}

/// The demo's service items on 佳县 offer their blank forms: every material that is a form to
/// fill in links an .xlsx of the site's media library, the public page links it, the download is
/// the file written, and 服务不实用 finds no form missing. Loading again writes nothing more.
#[tokio::test]
async fn the_demo_service_items_offer_their_blank_forms() {
    let db = zhanqun_tests::fresh_store().await;
    zhanqun_sites::demo::load(
        &db.store,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        &|_, _| {},
    )
    .await
    .unwrap();
    zhanqun_sites::demo::accounts(&db.store).await.unwrap();
    let t = TestApp::spawn_on(db).await;
    let media = t.app.config().data_dir.join("media");
    zhanqun_sites::demo_data::load(&t.store, &media)
        .await
        .unwrap();
    let jx = zhanqun_tests::site_id(&t.store, JIAXIAN).await;
    let lines = t
        .store
        .service_lines(Some(jx), &Default::default(), None, 200)
        .await
        .unwrap();
    assert_eq!(lines.len(), 13, "佳县's demo items");
    let mut forms = 0;
    for line in &lines {
        let guide = t.store.service_guide(line.id).await.unwrap().unwrap();
        let html = t.page(HOST, &format!("/art/{}.html", line.id.0), 200).await;
        for m in &guide.materials {
            assert_eq!(
                m.form.is_some(),
                zhanqun_sites::demo_forms::is_form(&m.name),
                "{}: {}",
                line.title,
                m.name
            );
            let Some(link) = &m.form else { continue };
            assert!(
                html.contains(&format!("href=\"{link}\"")),
                "{}: the page links {link}",
                line.title
            );
            let r = t.get(HOST, link).await;
            assert_eq!(r.status(), 200, "{link}");
            let bytes = r.bytes().await.unwrap();
            let name = link.trim_start_matches("/media/");
            let written = std::fs::read(media.join(jx.0.to_string()).join(name)).unwrap();
            assert_eq!(
                bytes.as_ref(),
                written.as_slice(),
                "{link} is the file written"
            );
            assert!(bytes.starts_with(b"PK"), "{link} is an .xlsx");
            forms += 1;
        }
    }
    assert!(forms >= 10, "{forms} forms");
    // The server's store knows the media folder: a form whose file is gone from the disk is a
    // broken link for 服务不实用, though its record says it is published.
    let standing = |store: zhanqun_store::Store| async move {
        store
            .service_standings(Some(jx), &zhanqun_core::service::Element::NATIONAL)
            .await
            .unwrap()
            .remove(&jx)
            .unwrap()
    };
    let s = standing(t.app.store().clone()).await;
    assert_eq!((s.items, s.broken_links), (13, 0));
    assert_eq!(s.failure(), None);
    let mut gone = None;
    for line in &lines {
        let guide = t.store.service_guide(line.id).await.unwrap().unwrap();
        gone = gone.or(guide.materials.into_iter().find_map(|m| m.form));
    }
    let gone = gone.unwrap();
    std::fs::remove_file(
        media
            .join(jx.0.to_string())
            .join(gone.trim_start_matches("/media/")),
    )
    .unwrap();
    let s = standing(t.app.store().clone()).await;
    assert_eq!(s.broken_links, 1);
    assert!(
        s.failure().unwrap().contains("1 个表格或样本无法下载"),
        "{:?}",
        s.failure()
    );
    assert_eq!(
        zhanqun_sites::demo_forms::load(&t.store, &media)
            .await
            .unwrap(),
        0,
        "loaded once"
    );
}
