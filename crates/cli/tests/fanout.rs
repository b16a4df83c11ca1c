//! The binary under failure: a reprint fan-out killed half way leaves nothing and its retry
//! places exactly once; the national check's veto indicators give exit code 6.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{GOOD_A, stderr, stdout, tenants, zhanqun};

/// A county portal's tenants file.
fn county(code: &str, name: &str) -> String {
    format!(
        "code = \"{code}\"\nname = \"{name}\"\nkind = \"county\"\nregion = \"{}\"\ntemplate = \"portal\"\n\n[footer]\norganiser = \"{name}办公室\"\n",
        &code[..6]
    )
}

/// `zhanqun reprint subscribe` of every site's zwgk/zcwj to `source`, with `more` arguments.
fn subscribe_all(data: &Path, source: &str, more: &[&str]) -> Output {
    let mut args = vec![
        "reprint",
        "subscribe",
        "--source",
        source,
        "--all",
        "--column",
        "zwgk/zcwj",
    ];
    args.extend_from_slice(more);
    zhanqun(data, &args)
}

/// `zhanqun stats report` of 佳县 (6108280001) for `year`, with `more` arguments.
fn jiaxian_report(data: &Path, year: &str, more: &[&str]) -> Output {
    let mut args = vec!["stats", "report", "--site", "6108280001", "--year", year];
    args.extend_from_slice(more);
    zhanqun(data, &args)
}

#[test]
fn a_fan_out_killed_half_way_leaves_nothing_and_the_retry_places_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let dir = tmp.path().join("tenants");
    let files: Vec<(String, String)> = (0..8)
        .map(|n| {
            let code = format!("61082{n}0001");
            (
                format!("{code}.toml"),
                county(&code, &format!("测试{n}县人民政府")),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    tenants(&dir, &refs);
    let ok = |o: Output| {
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    ok(zhanqun(
        &data,
        &["sites", "apply", "--tenants-dir", dir.to_str().unwrap()],
    ));
    let source = ok(zhanqun(
        &data,
        &[
            "reprint",
            "add-source",
            "--name",
            "国务院文件",
            "--kind",
            "manual",
            "--owner",
            "6108200001",
            "--column",
            "zwgk/zcwj",
        ],
    ));
    let source = source.trim();
    let subscribed = ok(subscribe_all(&data, source, &["--home-slot"]));
    assert_eq!(subscribed.trim(), "7", "every site but the owner");
    let ingest = [
        "reprint",
        "ingest",
        "--source",
        source,
        "--guid",
        "gov-1",
        "--title",
        "国务院关于做好冬季安全生产工作的通知",
        "--body",
        "<p>各地区、各部门：</p>",
    ];

    // Killed half-way through the fan-out (SIGABRT, no cleanup): nothing is left behind.
    let crashed = Command::new(env!("CARGO_BIN_EXE_zhanqun"))
        .args(ingest)
        .env("ZHANQUN_DATA_DIR", &data)
        .env("ZHANQUN_FAILPOINT", "reprint.fanout")
        .env_remove("ZHANQUN_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!crashed.status.success());
    assert!(
        stderr(&crashed).contains("failpoint reprint.fanout"),
        "{}",
        stderr(&crashed)
    );
    let deliveries = |data: &Path| -> Vec<serde_json::Value> {
        let o = zhanqun(data, &["reprint", "deliveries", "--format", "json"]);
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    assert!(deliveries(&data).is_empty(), "no half fan-out");

    // After the restart the same item goes out again: exactly one placement a site.
    let first: serde_json::Value = serde_json::from_str(&ok(zhanqun(&data, &ingest))).unwrap();
    assert_eq!(
        (first["new"].as_bool(), first["placed"].as_u64()),
        (Some(true), Some(8))
    );
    let again: serde_json::Value = serde_json::from_str(&ok(zhanqun(&data, &ingest))).unwrap();
    assert_eq!(
        (again["new"].as_bool(), again["placed"].as_u64()),
        (Some(false), Some(0))
    );
    let list = deliveries(&data);
    let mut sites: Vec<&str> = list
        .iter()
        .map(|d| d["site_code"].as_str().unwrap())
        .collect();
    sites.sort();
    sites.dedup();
    assert_eq!((list.len(), sites.len()), (8, 8));
    let article = first["article"].as_i64().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let per_site: Vec<(i64, i64)> = rt.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", data.join("zhanqun.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_as(
            "SELECT site_id, COUNT(*) FROM placements WHERE article_id = $1 GROUP BY site_id",
        )
        .bind(article)
        .fetch_all(&mut conn)
        .await
        .unwrap()
    });
    assert_eq!(per_site.len(), 8);
    assert!(per_site.iter().all(|(_, n)| *n == 1), "{per_site:?}");

    // Bad input: a clear message, nothing written.
    let bad = subscribe_all(&data, source, &["--mode", "later"]);
    assert_eq!(bad.status.code(), Some(3));
    assert!(stderr(&bad).contains("publish"), "{}", stderr(&bad));
    let bad = zhanqun(
        &data,
        &[
            "reprint", "ingest", "--source", "999", "--title", "x", "--body", "y",
        ],
    );
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("转载来源 999 不存在"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn stats_check_exits_6_when_a_veto_indicator_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let dir = tmp.path().join("tenants");
    tenants(&dir, &[("6108280001.toml", GOOD_A)]);
    let o = zhanqun(
        &data,
        &["sites", "apply", "--tenants-dir", dir.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // A new site has no content at all: its home page and its blank columns fail.
    let o = zhanqun(&data, &["stats", "check"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("【否决】首页没有任何信息"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("1 个网站有单项否决指标不合格"));
    let o = zhanqun(
        &data,
        &["stats", "check", "--format", "json", "--site", "6108280001"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["fails"], true);
    let o = zhanqun(&data, &["stats", "check", "--site", "61082800"]);
    assert_eq!(o.status.code(), Some(3), "a bad site code is invalid input");

    // The annual report: CSV to standard output, XLSX and HTML to files.
    let o = jiaxian_report(&data, "2026", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("网站基本信息,网站名称,佳县人民政府"), "{csv}");
    assert!(csv.contains("信息发布,信息发布总数（条）,0"), "{csv}");
    let xlsx = tmp.path().join("report.xlsx");
    let o = jiaxian_report(
        &data,
        "2026",
        &["--format", "xlsx", "--output", xlsx.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "an XLSX is a zip file"
    );
    let o = jiaxian_report(&data, "2026", &["--format", "html"]);
    assert!(stdout(&o).contains("<title>佳县人民政府网站工作年度报表（2026年度）</title>"));
    // Bad input: a year out of range, an unknown site, an unknown format.
    let o = jiaxian_report(&data, "1900", &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("年份 1900 无效"), "{}", stderr(&o));
    let o = zhanqun(
        &data,
        &["stats", "report", "--site", "6108270001", "--year", "2026"],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let o = jiaxian_report(&data, "2026", &["--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Visits of the day: none yet.
    let o = zhanqun(
        &data,
        &[
            "stats",
            "visits",
            "--site",
            "6108280001",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (v["views"].as_i64(), v["visitors"].as_i64()),
        (Some(0), Some(0))
    );
    let o = zhanqun(
        &data,
        &[
            "stats",
            "visits",
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
