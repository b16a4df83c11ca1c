//! The media library: uploads checked by content and size while streaming, stored under
//! generated names, served only on their own site with nosniff and a safe disposition.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::multipart::{Form, Part};
use zhanqun_core::{PlatformRole, SiteRole};
use zhanqun_tests::{TestApp, User};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

async fn upload(u: &User, site: i64, name: &str, bytes: Vec<u8>) -> (u16, serde_json::Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    let res = u
        .client
        .post(format!("{}/api/v1/sites/{site}/media", u.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn uploads_are_checked_stored_under_generated_names_and_served_safely() {
    let t = TestApp::spawn_with(|c| c.console.max_upload_bytes = 200 * 1024).await;
    let f = t.fixture().await;
    let a = f.site("6108280001");
    let b = f.site("6108270001");
    let ed = t.account("ed", None).await;
    t.grant(
        ed,
        SiteRole::Editor,
        a,
        Some(f.column("6108280001/xwzx/tzgg")),
    )
    .await;
    let eb = t.account("eb", None).await;
    t.grant(eb, SiteRole::Editor, b, None).await;
    t.account("auditor", Some(PlatformRole::ProvinceAuditor))
        .await;
    let ed = t.login("ed").await;

    // An image: stored under a generated name, served inline on its own site only.
    let (status, up) = upload(&ed, a.0, "../../现场照片.png", PNG.to_vec()).await;
    assert_eq!(status, 201, "{up}");
    let url = up["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/media/") && !url.contains("现场"), "{url}");
    assert_eq!(up["name"], "现场照片.png");
    let res = t.get("www.jiaxian.gov.cn", &url).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    assert_eq!(
        t.get("www.mizhi.gov.cn", &url).await.status(),
        404,
        "not on another site"
    );

    // A PDF is an attachment with its name encoded.
    let (status, pdf) = upload(
        &ed,
        a.0,
        "关于开展检查的通知.pdf",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec(),
    )
    .await;
    assert_eq!(status, 201, "{pdf}");
    let res = t
        .get("www.jiaxian.gov.cn", pdf["url"].as_str().unwrap())
        .await;
    let cd = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''%E5%85%B3"),
        "{cd}"
    );

    // Refused by content: HTML dressed as an image, SVG, a program named .pdf, an empty file.
    for (name, bytes) in [
        (
            "photo.png",
            b"<html><script>alert(1)</script></html>".to_vec(),
        ),
        (
            "logo.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
        ("setup.pdf", b"MZ\x90\0\x03\0\0\0\x04\0\0\0".to_vec()),
        ("photo.pdf", PNG.to_vec()),
        ("empty.png", Vec::new()),
    ] {
        let (status, body) = upload(&ed, a.0, name, bytes).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_input")),
            "{name}: {body}"
        );
    }
    // Too large: stopped while streaming, nothing left behind.
    let mut big = PNG.to_vec();
    big.resize(300 * 1024, 0);
    let (status, body) = upload(&ed, a.0, "big.png", big).await;
    assert_eq!(status, 413, "{body}");
    let dir = t.app.config().data_dir.join("media").join(a.0.to_string());
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| !n.starts_with(".upload")));

    // Not to another site's library, not by the auditor.
    let (status, _) = upload(&ed, b.0, "x.png", PNG.to_vec()).await;
    assert_eq!(status, 403);
    let au = t.login("auditor").await;
    let (status, _) = upload(&au, a.0, "x.png", PNG.to_vec()).await;
    assert_eq!(status, 403);
    let list = ed.get(&format!("/api/v1/sites/{}/media", a.0)).await;
    assert_eq!(list.json["media"].as_array().unwrap().len(), 2);
    let ebu = t.login("eb").await;
    assert_eq!(
        ebu.get(&format!("/api/v1/sites/{}/media", a.0))
            .await
            .status,
        404
    );

    let records = t.store.audit_records(200, 0).await.unwrap();
    assert_eq!(
        records
            .iter()
            .filter(|r| r.action == "media.upload")
            .count(),
        2
    );
}
