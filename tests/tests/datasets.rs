//! 数据开放 over HTTP, on SQLite and PostgreSQL: a department uploads a CSV file to the media
//! library and describes a data set through the API; it cannot be sent for review without its
//! licence; once approved, the site's machine-readable catalogue lists it in JSON and CSV, and
//! its stable download address gives back the uploaded bytes exactly. Before approval, and on
//! another site, neither the entry nor the file is there. A data set the platform generates gets
//! its file written by the platform, and a new one each month.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Datelike;
use serde_json::json;
use zhanqun_core::{AccountId, ColumnId, SiteId, SiteRole};
use zhanqun_tests::steps::Newsroom;
use zhanqun_tests::{Fixture, TestApp, User};

const A: &str = "6108280001";
const B: &str = "6108270001";
const HOST: &str = "www.jiaxian.gov.cn";

/// Where both stories start: the app, the fixture's ids, 佳县, its 财政资金 column, the column's
/// editor (`cz-editor`) and the site's reviewer (`jx-reviewer`), logged in.
async fn budget_office() -> (TestApp, Fixture, SiteId, ColumnId, User, User) {
    let n = Newsroom::start(&format!("{A}/zwgk/czzj"), "cz-editor", "jx-reviewer").await;
    (n.t, n.f, n.site, n.column, n.ed, n.rv)
}

#[tokio::test]
async fn a_data_set_is_reviewed_then_catalogued_and_its_file_downloads_byte_for_byte() {
    let (t, f, a, col, ed, rv) = budget_office().await;
    let b = f.site(B);

    // A data file: CSV in UTF-8 (with a BOM, Chinese, a quoted comma); a binary file named .csv
    // is refused.
    let csv_bytes = "\u{feff}功能分类,预算数（万元）\n教育支出,52310\n\"社会保障,就业\",41280\n"
        .as_bytes()
        .to_vec();
    let (s, body) = ed
        .upload(a.0, "bad.csv", vec![0, 1, 2, 3, 0xff, 0xfe])
        .await;
    assert_eq!(s, 400, "{body}");
    let (s, up) = ed
        .upload(a.0, "2026年预算支出.csv", csv_bytes.clone())
        .await;
    assert_eq!(s, 201, "{up}");
    let file = up["url"].as_str().unwrap().to_string();

    let meta = json!({
        "frequency": "yearly",
        "licence": "",
        "keywords": ["财政、预算"],
        "fields": [{"name": "功能分类", "kind": "文本"}, {"name": "预算数（万元）", "kind": "数值"}],
        "files": [{"title": "2026年预算支出", "file": file}]
    });
    let id = ed
        .draft(
            col.0,
            json!({"title": "佳县2026年一般公共预算支出", "summary": "按功能分类", "dataset": meta}),
        )
        .await;
    let r = ed.submit(id).await;
    assert_eq!(r.status, 400, "{}", r.json);
    assert!(
        r.json.to_string().contains("数据集缺少开放许可"),
        "{}",
        r.json
    );
    // Not public before release: neither the catalogue entry nor the file.
    assert!(
        !t.page(HOST, "/data/catalog.json", 200)
            .await
            .contains("佳县2026年一般公共预算支出")
    );
    assert_eq!(t.get(HOST, &format!("/data/{id}/1")).await.status(), 404);

    let mut meta2 = meta.clone();
    meta2["licence"] = json!("CC BY 4.0");
    let r = ed
        .put(
            &format!("/api/v1/articles/{id}"),
            json!({"title": "佳县2026年一般公共预算支出", "summary": "按功能分类", "dataset": meta2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(ed.submit(id).await.status, 200);
    assert_eq!(rv.act(id, json!({"action": "approve"})).await.status, 200);

    // The JSON catalogue parses and carries the entry, DCAT-like, with absolute addresses.
    let text = t.page(HOST, "/data/catalog.json", 200).await;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["@type"], "dcat:Catalog");
    let set = doc["dataset"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"] == "佳县2026年一般公共预算支出")
        .expect("the data set is catalogued");
    assert_eq!(set["accrualPeriodicity"], "R/P1Y");
    assert_eq!(set["license"], "CC BY 4.0");
    assert_eq!(set["keyword"], json!(["财政", "预算"]));
    assert_eq!(set["outOfDate"], false);
    let url = set["distribution"][0]["downloadURL"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(set["distribution"][0]["format"], "CSV");
    let path = url.split_once(HOST).map(|(_, p)| p.to_string()).unwrap();
    assert_eq!(path, format!("/data/{id}/1"));
    let res = t.get(HOST, "/data/catalog.json").await;
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );

    // The CSV catalogue parses, one row per file, with the same download address.
    let csv_text = t.page(HOST, "/data/catalog.csv", 200).await;
    let mut rdr = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "identifier");
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let row = rows
        .iter()
        .find(|r| &r[1] == "佳县2026年一般公共预算支出")
        .expect("a CSV row");
    assert_eq!(&row[7], url.as_str());
    assert_eq!(&row[8], "false");

    // The download is the upload, byte for byte, as an attachment that is not sniffed.
    let res = t.get(HOST, &path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().to_vec(), csv_bytes);
    assert_eq!(t.get(HOST, &format!("/data/{id}/2")).await.status(), 404);

    // The people's page and the data set page.
    let list = t.page(HOST, "/data/", 200).await;
    assert!(list.contains("佳县2026年一般公共预算支出"), "{list}");
    let page = t.page(HOST, &format!("/art/{id}.html"), 200).await;
    assert!(
        page.contains("数据项说明") && page.contains(&path),
        "{page}"
    );

    // Another site: no entry, no file.
    let mizhi = t.store.site(b).await.unwrap().unwrap().hosts[0].clone();
    assert!(
        !t.page(&mizhi, "/data/catalog.json", 200)
            .await
            .contains("佳县2026年")
    );
    assert_eq!(t.get(&mizhi, &path).await.status(), 404);
}

/// The `YYYY-MM,n` rows of a generated publishing file.
fn rows_of(csv: &[u8]) -> Vec<(String, i64)> {
    let text = String::from_utf8(csv.to_vec()).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte order mark");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("月份,发布信息数（条）"));
    lines
        .map(|l| {
            let (m, n) = l.split_once(',').unwrap();
            (m.to_string(), n.parse().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn a_generated_data_set_gets_its_file_from_the_platform_and_a_new_one_each_month() {
    let (t, f, a, col, ed, rv) = budget_office().await;
    let media = t.app.config().data_dir.join("media");

    // A generator that does not exist is refused, through the API and the console's form,
    // and nothing is written.
    let r = ed
        .post(
            &format!("/api/v1/columns/{}/articles", col.0),
            json!({"title": "天气统计", "dataset": {"generated": "weather", "licence": "CC BY 4.0"}}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.json);
    let (status, page) = ed
        .form(
            &format!("/columns/{}/new-dataset", col.0),
            &[
                ("title", "天气统计"),
                ("generated", "weather"),
                ("frequency", "monthly"),
                ("licence", "CC BY 4.0"),
                ("field_rows", "0"),
                ("file_rows", "0"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("数据来源只能是上传文件或平台生成的统计"),
        "{page}"
    );
    assert!(!t.page(HOST, "/data/", 200).await.contains("天气统计"));

    // Chosen as generated, with a licence and nothing else: it goes through review like any
    // data set, and needs no file of its own.
    let id = ed
        .draft(
            col.0,
            json!({"title": "佳县政府网站信息发布月度统计", "dataset": {
                "generated": "publishing", "frequency": "yearly", "licence": "CC BY 4.0"}}),
        )
        .await;
    assert_eq!(ed.submit(id).await.status, 200);
    assert_eq!(rv.act(id, json!({"action": "approve"})).await.status, 200);

    // The platform writes its file: the twelve whole months before the run's month, the
    // site's publishing counted. Run next month, this month is the last row.
    // The first day of next month and of the one after, Beijing time (whatever today is).
    let month_after = |n: u32| {
        let today = zhanqun_core::beijing::day(chrono::Utc::now());
        let first = today.with_day(1).unwrap() + chrono::Months::new(n);
        zhanqun_core::beijing::start_of(first) + chrono::Duration::hours(1)
    };
    let next_month = month_after(1);
    let written = t
        .store
        .regenerate_datasets(&media, next_month)
        .await
        .unwrap();
    assert_eq!(written, 1);
    let doc: serde_json::Value =
        serde_json::from_str(&t.page(HOST, "/data/catalog.json", 200).await).unwrap();
    let set = doc["dataset"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"] == "佳县政府网站信息发布月度统计")
        .expect("catalogued")
        .clone();
    assert_eq!(
        set["accrualPeriodicity"], "R/P1M",
        "generated sets are monthly"
    );
    assert_eq!(set["fields"][1]["name"], "发布信息数（条）");
    let first = t.get(HOST, &format!("/data/{id}/1")).await;
    assert_eq!(first.status(), 200);
    let rows = rows_of(&first.bytes().await.unwrap());
    assert_eq!(rows.len(), 12);
    let this_month = zhanqun_core::beijing::at(chrono::Utc::now())
        .format("%Y-%m")
        .to_string();
    let (month, before) = rows.last().unwrap().clone();
    assert_eq!(month, this_month);
    assert!(before >= 1, "the data set itself came out this month");

    // Again in the same month: nothing to write.
    assert_eq!(
        t.store
            .regenerate_datasets(&media, next_month)
            .await
            .unwrap(),
        0
    );

    // One more article this month; the next month's file counts it, at the same address.
    let news = f.column(&format!("{A}/xwzx/zwyw"));
    t.grant(AccountId(ed.id), SiteRole::Editor, a, Some(news))
        .await;
    let art = ed
        .draft(news.0, json!({"title": "县政府召开常务会议"}))
        .await;
    assert_eq!(ed.submit(art).await.status, 200);
    assert_eq!(rv.act(art, json!({"action": "approve"})).await.status, 200);
    let later = month_after(2);
    assert_eq!(t.store.regenerate_datasets(&media, later).await.unwrap(), 1);
    let second = t.get(HOST, &format!("/data/{id}/1")).await;
    let rows = rows_of(&second.bytes().await.unwrap());
    let counted = rows
        .iter()
        .find(|(m, _)| *m == this_month)
        .expect("this month is still within the twelve")
        .1;
    assert_eq!(counted, before + 1);
    let page = t.page(HOST, &format!("/art/{id}.html"), 200).await;
    assert!(
        page.contains("由站群平台每月初根据本网站信息发布月度统计自动生成"),
        "{page}"
    );

    // Written by the system, audited; the earlier file stays in the media library.
    let audit = t
        .store
        .audit_records(50, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "dataset.generate" && e.actor == "system")
        .count();
    assert_eq!(audit, 2);

    // The history shows both files as the platform's revisions and events, by no account;
    // the newest revision names the newest file only, and the one before it the first.
    let revs = ed.get(&format!("/api/v1/articles/{id}/revisions")).await;
    assert_eq!(revs.status, 200);
    let revs = revs.json["revisions"].as_array().unwrap().clone();
    let files = |r: &serde_json::Value| -> Vec<String> {
        let fields = r["fields"].as_str().unwrap_or_default();
        fields
            .lines()
            .filter(|l| l.starts_with("数据文件："))
            .map(str::to_string)
            .collect()
    };
    let (newest, before) = (&revs[0], &revs[1]);
    assert!(newest["account"].is_null(), "{newest}");
    assert!(before["account"].is_null(), "{before}");
    assert_eq!(
        newest["rev"].as_i64(),
        before["rev"].as_i64().map(|r| r + 1)
    );
    let (new_files, old_files) = (files(newest), files(before));
    assert_eq!(new_files.len(), 1, "{newest}");
    assert_eq!(old_files.len(), 1, "{before}");
    assert_ne!(new_files, old_files, "each revision names its own file");
    assert!(
        files(&revs[2]).is_empty(),
        "the reviewed revision had no file yet: {}",
        revs[2]
    );
    let events = ed.get(&format!("/api/v1/articles/{id}/events")).await;
    let generated: Vec<&serde_json::Value> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "dataset.generate")
        .collect();
    assert_eq!(generated.len(), 2, "{}", events.json);
    assert!(generated.iter().all(|e| e["account"].is_null()
        && e["to_status"] == "published"
        && e["reason"].as_str().is_some_and(|r| r.contains(".csv"))));
    assert!(
        newest["fields"]
            .as_str()
            .is_some_and(|f| f.contains("数据来源：") && f.contains("开放许可：CC BY 4.0")),
        "the revision keeps the description: {newest}"
    );

    // A set made with no revision of its own (as the demo and an import make them): its first
    // file's revision holds the whole description too, not the file alone.
    let meta = zhanqun_core::dataset::DatasetMeta {
        generated: Some(zhanqun_core::dataset::Generator::Letters),
        licence: "CC BY 4.0".into(),
        ..Default::default()
    }
    .cleaned()
    .unwrap();
    let loaded = t
        .store
        .create_article(
            a,
            zhanqun_store::ArticleInput {
                title: "佳县领导信箱来信月度统计".into(),
                published: true,
                dataset: Some(meta),
                ..Default::default()
            },
            &[col],
        )
        .await
        .unwrap();
    assert_eq!(t.store.regenerate_datasets(&media, later).await.unwrap(), 1);
    let revs = ed
        .get(&format!("/api/v1/articles/{}/revisions", loaded.0))
        .await;
    let revs = revs.json["revisions"].as_array().unwrap().clone();
    assert_eq!(revs.len(), 1, "{revs:?}");
    let fields = revs[0]["fields"].as_str().unwrap_or_default();
    assert!(
        fields.contains("开放许可：CC BY 4.0") && files(&revs[0]).len() == 1,
        "{fields}"
    );
}
