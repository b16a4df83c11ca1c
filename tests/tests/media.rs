//! The media library: uploads checked by content and size while streaming, stored under
//! generated names, served only on their own site with nosniff and a safe disposition.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::{ColumnId, PlatformRole, SiteId, SiteRole};
use zhanqun_tests::TestApp;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

/// Publishes an article of `column` that links `url` (as an editor's article would).
async fn publish_using(t: &TestApp, site: SiteId, column: ColumnId, url: &str) {
    t.store
        .create_article(
            site,
            zhanqun_store::ArticleInput {
                title: "附件".into(),
                body_html: format!(r#"<p><a href="{url}">附件</a></p>"#),
                published: true,
                ..Default::default()
            },
            &[column],
        )
        .await
        .unwrap();
}

/// A zip file with these entries (stored, not compressed).
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        std::io::Write::write_all(&mut w, bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
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
    let (status, up) = ed.upload(a.0, "../../现场照片.png", PNG.to_vec()).await;
    assert_eq!(status, 201, "{up}");
    let url = up["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/media/") && !url.contains("现场"), "{url}");
    assert_eq!(up["name"], "现场照片.png");
    publish_using(&t, a, f.column("6108280001/xwzx/tzgg"), &url).await;
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
    let (status, pdf) = ed
        .upload(
            a.0,
            "关于开展检查的通知.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{pdf}");
    publish_using(
        &t,
        a,
        f.column("6108280001/xwzx/tzgg"),
        pdf["url"].as_str().unwrap(),
    )
    .await;
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
        let (status, body) = ed.upload(a.0, name, bytes).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_input")),
            "{name}: {body}"
        );
    }
    // Too large: stopped while streaming, nothing left behind.
    let mut big = PNG.to_vec();
    big.resize(300 * 1024, 0);
    let (status, body) = ed.upload(a.0, "big.png", big).await;
    assert_eq!(status, 413, "{body}");
    let dir = t.app.config().data_dir.join("media").join(a.0.to_string());
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| !n.starts_with(".upload")));

    // Not to another site's library, not by the auditor.
    let (status, _) = ed.upload(b.0, "x.png", PNG.to_vec()).await;
    assert_eq!(status, 403);
    let au = t.login("auditor").await;
    let (status, _) = au.upload(a.0, "x.png", PNG.to_vec()).await;
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

/// Issue 18, rows 7, 8 and 11: uploads were public on the site at once, from any editor, before
/// any article using them was approved; a 39-byte file starting with `PK\x03\x04` passed as a
/// .docx and a PDF with a script as a PDF; files were read whole into memory per request (no
/// ranges); an upload cut by the request time limit left its temporary file.
#[tokio::test]
async fn uploads_wait_for_publication_are_checked_inside_and_served_in_ranges() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site("6108280001");
    let column = f.column("6108280001/xwzx/tzgg");
    let ed = t.account("ed", None).await;
    t.grant(ed, SiteRole::Editor, a, Some(column)).await;
    let ed = t.login("ed").await;

    // Not public until an article using it is published; the console previews it meanwhile.
    let mut big = PNG.to_vec();
    big.extend((0..100_000u32).map(|i| (i % 251) as u8));
    let (status, up) = ed.upload(a.0, "图.png", big.clone()).await;
    assert_eq!(status, 201, "{up}");
    let url = up["url"].as_str().unwrap().to_string();
    assert_eq!(t.get("www.jiaxian.gov.cn", &url).await.status(), 404);
    let name = url.trim_start_matches("/media/");
    let (status, _) = ed.page(&format!("/sites/{}/media/{name}", a.0)).await;
    assert_eq!(status, 200, "the console previews it");
    let (_, html) = ed.page(&format!("/sites/{}/media", a.0)).await;
    assert!(html.contains("待文章发布"), "{html}");
    publish_using(&t, a, column, &url).await;
    let res = t.get("www.jiaxian.gov.cn", &url).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), big.as_slice());

    // Ranges: streamed from disk, the asked-for bytes only.
    let res = t
        .get_with("www.jiaxian.gov.cn", &url, &[("range", "bytes=1000-1999")])
        .await;
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 1000-1999/{}", big.len()).as_str()
    );
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), &big[1000..2000]);

    // Containers are opened: a .docx must be one, without macros; a PDF must not act.
    let fake_docx = b"PK\x03\x04\x14\x00\x00\x00\x08\x00fake-docx-content-here!".to_vec();
    let no_parts = zip_of(&[("readme.txt", b"hello")]);
    let macros = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document/>"),
        ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0"),
    ]);
    let script_pdf = b"%PDF-1.7\n1 0 obj <</Type/Catalog/OpenAction 2 0 R>> endobj\n2 0 obj <</S/JavaScript/JS(app.launchURL('http://evil.example'))>> endobj\n%%EOF\n".to_vec();
    let escaped_pdf =
        b"%PDF-1.7\n1 0 obj <</OpenAction <</S/J#61vaScript/JS(x)>>>> endobj\n".to_vec();
    for (name, bytes, says) in [
        ("通知.docx", fake_docx, "不是有效"),
        ("通知.docx", no_parts, "缺少"),
        ("通知.docx", macros, "宏"),
        ("通知.pdf", script_pdf, "脚本"),
        ("通知.pdf", escaped_pdf, "脚本"),
    ] {
        let (status, body) = ed.upload(a.0, name, bytes).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_input")),
            "{name}: {body}"
        );
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{name}: {body}"
        );
    }
    let docx = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document/>"),
    ]);
    let (status, body) = ed.upload(a.0, "通知.docx", docx).await;
    assert_eq!(status, 201, "{body}");

    // Nothing temporary is left by the refusals.
    let dir = t.app.config().data_dir.join("media").join(a.0.to_string());
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".upload"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn an_upload_cut_by_the_time_limit_leaves_no_temporary_file() {
    let t = TestApp::spawn_with(|c| {
        c.console_timeout_seconds = 1;
        c.console.require_totp = false;
    })
    .await;
    let f = t.fixture().await;
    let a = f.site("6108280001");
    let ed = t.account("ed", None).await;
    t.grant(ed, SiteRole::Editor, a, None).await;
    let login: serde_json::Value = t
        .client
        .post(format!("http://{}/api/v1/session", t.manage))
        .json(&serde_json::json!({"username": "ed", "password": zhanqun_tests::TEST_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();

    // A multipart body that starts, sends some of the file, then stalls.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(t.manage).await.unwrap();
    let head = format!(
        "POST /api/v1/sites/{}/media HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 1000000\r\n\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n",
        a.0, t.manage
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(PNG).await.unwrap();
    conn.write_all(&[0u8; 20_000]).await.unwrap();
    let dir = t.app.config().data_dir.join("media").join(a.0.to_string());
    let temporary = || {
        std::fs::read_dir(&dir)
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().starts_with(".upload"))
                })
                .count()
            })
            .unwrap_or(0)
    };
    // The upload is under way (its temporary file exists), then the time limit answers 408.
    // Seen first, so that the test cannot pass on an upload that never wrote its file.
    let mut seen = false;
    for _ in 0..80 {
        if temporary() == 1 {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        seen,
        "the stalled upload's temporary file was never written"
    );
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(30), conn.read(&mut buf))
        .await
        .expect("answered within the time limit")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(temporary(), 0, "the temporary file is gone");
    assert!(
        t.store
            .audit_records(50, 0)
            .await
            .unwrap()
            .iter()
            .all(|r| r.action != "media.upload")
    );
}
