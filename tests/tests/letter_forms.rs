//! 互动交流 over HTTP, on SQLite and PostgreSQL: a letter written on 佳县's public form is
//! assigned to a unit, answered, reviewed by another person and published; its writer reads the
//! reply with the 查询码 and rates it. Bad input comes back with a Chinese message and the form
//! filled in; the same form sent twice makes one letter; a flood is refused; the database holds
//! none of the writer's personal data in clear.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::SiteRole;
use zhanqun_tests::TestApp;
use zhanqun_tests::letters::{
    OpenForm, between, consultation, fill_time, open_form, post, post_files, send,
};

const A: &str = "6108280001";
const B: &str = "6108270001";
const HOST_A: &str = "www.jiaxian.gov.cn";

fn with(
    fields: &[(&'static str, &'static str)],
    key: &str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    fields
        .iter()
        .map(|(k, v)| (*k, if *k == key { value } else { *v }))
        .collect()
}

#[tokio::test]
async fn a_letter_from_the_form_is_assigned_answered_reviewed_and_published() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let (a, b) = (f.site(A), f.site(B));
    let host_b = t.store.site(b).await.unwrap().unwrap().hosts[0].clone();

    let form = open_form(&t, HOST_A).await;
    fill_time().await;
    // Bad input: a message that says what to fix, the form filled in again, nothing stored.
    let (s, html) = send(&t, HOST_A, &form, &with(&consultation(), "phone", "12345")).await;
    assert_eq!(s, 400);
    assert!(html.contains("电话号码“12345”不正确"), "{html}");
    assert!(
        html.contains("value=\"咨询新生儿医保办理\""),
        "the subject is kept"
    );
    assert!(
        html.contains(r#"name="public" value="1" checked"#),
        "the consent to publish is kept"
    );
    // Any value sent is consent (as the letter would be stored); none is not.
    let (_, html) = send(
        &t,
        HOST_A,
        &form,
        &with(&with(&consultation(), "phone", "1"), "public", ""),
    )
    .await;
    assert!(
        html.contains(r#"name="public" value="1" checked"#),
        "{html}"
    );
    let unticked: Vec<_> = with(&consultation(), "phone", "1")
        .into_iter()
        .filter(|(k, _)| *k != "public")
        .collect();
    let (_, html) = send(&t, HOST_A, &form, &unticked).await;
    assert!(html.contains(r#"name="public" value="1">"#), "{html}");
    let wrong = OpenForm {
        ticket: form.ticket.clone(),
        answer: "99".into(),
    };
    let (s, html) = send(&t, HOST_A, &wrong, &consultation()).await;
    assert_eq!(s, 400);
    assert!(html.contains("验证问题的答案不正确"), "{html}");
    let (s, html) = post(&t, HOST_A, "/hudong/xiexin", &consultation()).await;
    assert_eq!(s, 400);
    assert!(html.contains("表单已失效"), "{html}");
    // A ticket of 佳县 is not one of 吴堡's.
    let (s, html) = send(&t, &host_b, &form, &consultation()).await;
    assert_eq!(s, 400);
    assert!(html.contains("表单已失效"), "{html}");
    // A browser's POST from another site's page.
    let res = t
        .client
        .post(format!("http://{}/hudong/xiexin", t.public))
        .header("host", HOST_A)
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&consultation())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // POST is refused on every other page.
    let (s, _) = post(&t, HOST_A, "/", &[]).await;
    assert_eq!(s, 405);

    let (s, html) = send(&t, HOST_A, &form, &consultation()).await;
    assert_eq!(s, 200, "{html}");
    let code = between(&html, "class=\"code\">", "<").expect("a query code");
    // The same form again (a double click): the same letter, not a second one.
    let (s, again) = send(&t, HOST_A, &form, &consultation()).await;
    assert_eq!(s, 200);
    assert!(again.contains("已经提交过"), "{again}");
    assert_eq!(
        between(&again, "class=\"code\">", "<").as_deref(),
        Some(code.as_str())
    );

    // The writer follows it: where it is, none of their data.
    let (s, html) = post(
        &t,
        HOST_A,
        "/hudong/chaxun",
        &[("code", &code.to_lowercase())],
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("咨询新生儿医保办理") && html.contains("办理中"),
        "{html}"
    );
    for private in ["张三", "13812345678", "11010519491231002X", "佳芦镇"] {
        assert!(!html.contains(private), "{private} on the status page");
    }
    let (s, html) = post(&t, &host_b, "/hudong/chaxun", &[("code", &code)]).await;
    assert_eq!(s, 404, "another site does not know the code");
    assert!(html.contains("没有找到"), "{html}");

    // The office (a reviewer of 佳县), a unit (应急管理局), another site's administrator.
    let office = t.account("jx-office", None).await;
    t.grant(office, SiteRole::Reviewer, a, None).await;
    let office2 = t.account("jx-office2", None).await;
    t.grant(office2, SiteRole::SiteAdmin, a, None).await;
    let unit = t.unit(a, "佳县应急管理局").await;
    let worker = t.unit_account("jx-yingji", "应急局办理人", unit).await;
    t.grant(worker, SiteRole::Editor, a, None).await;
    let stranger = t.account("wb-admin", None).await;
    t.grant(stranger, SiteRole::SiteAdmin, b, None).await;

    let o = t.login("jx-office").await;
    let (s, list) = o.page(&format!("/sites/{}/letters", a.0)).await;
    assert_eq!(s, 200);
    assert!(
        list.contains("咨询新生儿医保办理") && list.contains("张*"),
        "{list}"
    );
    assert!(!list.contains("张三") && !list.contains("13812345678"));
    let id = between(&list, "<a href=\"/letters/", "\"").expect("a letter link");
    let case = format!("/letters/{id}");
    let step = format!("/letters/{id}/step");

    // Another site's administrator: not there at all.
    let w = t.login("wb-admin").await;
    assert_eq!(w.page(&case).await.0, 404);
    assert_eq!(w.page(&format!("/sites/{}/letters", a.0)).await.0, 404);
    assert_eq!(
        w.form(&step, &[("step", "mark_invalid"), ("note", "x")])
            .await
            .0,
        404
    );

    // The JSON API answers the same: masked in the list, the steps the caller may take.
    let api = o.get(&format!("/api/v1/sites/{}/letters", a.0)).await;
    assert_eq!(api.status, 200, "{}", api.json);
    assert_eq!(api.json["letters"][0]["name"], "张*");
    assert!(!api.json.to_string().contains("13812345678"));
    let one = o.get(&format!("/api/v1/letters/{id}")).await;
    assert_eq!(one.json["state"], "received");
    assert_eq!(
        one.json["steps"],
        serde_json::json!(["assign", "merge", "mark_invalid"])
    );
    let bad = o
        .post(
            &format!("/api/v1/letters/{id}/steps"),
            serde_json::json!({"step": "extend", "days": 99, "note": "x"}),
        )
        .await;
    assert_eq!((bad.status, bad.code()), (409, "conflict"), "{}", bad.json);
    let bad = o
        .post(
            &format!("/api/v1/letters/{id}/steps"),
            serde_json::json!({"step": "fly"}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.code()),
        (400, "invalid_input"),
        "{}",
        bad.json
    );
    assert_eq!(w.get(&format!("/api/v1/letters/{id}")).await.status, 404);
    assert_eq!(
        w.get(&format!("/api/v1/letters/{id}/personal"))
            .await
            .status,
        404
    );

    // The full view, on request, audited.
    let (s, full) = o.form(&format!("{case}/personal"), &[]).await;
    assert_eq!(s, 200);
    assert!(full.contains("13812345678") && full.contains("11010519491231002X"));

    // 转办 to the unit; the unit drafts; it may not approve its own.
    let (s, html) = o
        .form(&step, &[("step", "assign"), ("unit", &unit.0.to_string())])
        .await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("佳县应急管理局"));
    let u = t.login("jx-yingji").await;
    let (_, mine) = u.page("/letters").await;
    assert!(mine.contains("咨询新生儿医保办理"), "{mine}");
    let (s, html) = u.form(&step, &[("step", "draft"), ("reply", "好")]).await;
    assert_eq!(s, 400);
    assert!(html.contains("至少 5 个字"), "{html}");
    let reply = "您好：\n新生儿医保在佳县政务服务中心一楼办理，请携带出生医学证明和户口簿。<script>alert(1)</script>";
    let (s, html) = u.form(&step, &[("step", "draft"), ("reply", reply)]).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("待审核"));
    assert_eq!(u.form(&step, &[("step", "approve")]).await.0, 409);
    // The office returns it once, then approves the redraft.
    let (s, _) = o
        .form(&step, &[("step", "return"), ("note", "请补充办理时间")])
        .await;
    assert_eq!(s, 200);
    let redraft = format!("{reply}\n办理时间：工作日 9:00—17:00。");
    assert_eq!(
        u.form(&step, &[("step", "draft"), ("reply", &redraft)])
            .await
            .0,
        200
    );
    let (s, html) = o.form(&step, &[("step", "approve")]).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("已答复"));
    assert!(
        html.contains("请补充办理时间"),
        "the history keeps the reason"
    );

    // Published without the writer's data; the writer reads it and rates it once.
    let index = t.page(HOST_A, "/hudong/", 200).await;
    let url = between(&index, "<a href=\"/hudong/huifu/", "\"").expect("a published reply");
    let public = t.page(HOST_A, &format!("/hudong/huifu/{url}"), 200).await;
    assert!(public.contains("政务服务中心一楼"), "{public}");
    assert!(!public.contains("<script>alert"), "the reply is text");
    for private in ["张三", "13812345678", "11010519491231002X", "佳芦镇"] {
        assert!(!public.contains(private), "{private} on the public reply");
    }
    t.page(&host_b, &format!("/hudong/huifu/{url}"), 404).await;
    let (_, status) = post(&t, HOST_A, "/hudong/chaxun", &[("code", &code)]).await;
    assert!(
        status.contains("政务服务中心一楼") && status.contains("提交评价"),
        "{status}"
    );
    let (s, html) = post(
        &t,
        HOST_A,
        "/hudong/pingjia",
        &[("code", &code), ("rating", "5")],
    )
    .await;
    assert_eq!(s, 200);
    assert!(html.contains("感谢您的评价"), "{html}");
    let (s, html) = post(
        &t,
        HOST_A,
        "/hudong/pingjia",
        &[("code", &code), ("rating", "1")],
    )
    .await;
    assert_eq!(s, 400);
    assert!(html.contains("已经评价过"), "{html}");

    // The answer into the 知识库, found by a search on the site, not on another site; only the
    // office removes it.
    let (s, _) = o
        .form(
            &format!("{case}/faq"),
            &[
                ("question", "新生儿医保在哪里办理？"),
                (
                    "answer",
                    "在佳县政务服务中心一楼医保窗口办理，也可在线办理。",
                ),
            ],
        )
        .await;
    assert_eq!(s, 303, "back to the site's 知识库");
    let found = t
        .page(HOST_A, "/hudong/zhishiku/?q=%E5%8C%BB%E4%BF%9D", 200)
        .await; // 医保
    assert!(
        found.contains("新生儿医保在哪里办理？") && found.contains("找到 1 条"),
        "{found}"
    );
    let none = t.page(HOST_A, "/hudong/zhishiku/?q=%25", 200).await; // a literal %
    assert!(none.contains("找到 0 条"), "{none}");
    let elsewhere = t.page(&host_b, "/hudong/zhishiku/", 200).await;
    assert!(
        !elsewhere.contains("新生儿医保在哪里办理"),
        "another site's 知识库"
    );
    // Without a search, the site's own search box is empty (it once read "None").
    assert!(
        elsewhere.contains(r#"maxlength="100">"#) && !elsewhere.contains("None"),
        "{elsewhere}"
    );
    // While a visitor writes a title in other words, the letter form's script is offered the
    // entry (JSON, never cached); not on another site, not for question words alone.
    let similar = |host: String, q: &'static str| {
        let t = &t;
        async move {
            let res = t
                .client
                .get(
                    reqwest::Url::parse_with_params(
                        &format!("http://{}/hudong/zhishiku/xiangsi", t.public),
                        &[("q", q)],
                    )
                    .unwrap(),
                )
                .header("host", host)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers()["cache-control"].to_str().unwrap(), "no-store");
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let j = similar(HOST_A.into(), "新生儿的医保去哪里办").await;
    assert_eq!(j["similar"][0]["question"], "新生儿医保在哪里办理？", "{j}");
    assert!(
        j["similar"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("/hudong/zhishiku/?q="),
        "{j}"
    );
    assert_eq!(
        similar(host_b.clone(), "新生儿的医保去哪里办").await["similar"],
        serde_json::json!([])
    );
    assert_eq!(
        similar(HOST_A.into(), "请问在哪里办理").await["similar"],
        serde_json::json!([])
    );
    assert_eq!(
        similar(HOST_A.into(), "医").await["similar"],
        serde_json::json!([])
    );
    let form = t.page(HOST_A, "/hudong/xiexin", 200).await;
    assert!(form.contains("id=\"faq-similar\""), "{form}");
    let (_, faq_page) = o.page(&format!("/sites/{}/faq", a.0)).await;
    let faq_id = between(&faq_page, "action=\"/faq/", "/delete").expect("an entry");
    assert_eq!(w.form(&format!("/faq/{faq_id}/delete"), &[]).await.0, 404);
    assert_eq!(w.page(&format!("/sites/{}/faq", a.0)).await.0, 404);
    let (s, _) = u
        .form(
            &format!("{case}/faq"),
            &[
                ("question", "单位不能加入知识库吗"),
                ("answer", "不能，由网站办公室维护。"),
            ],
        )
        .await;
    assert!(s == 403 || s == 404, "the unit may not: {s}");
    assert_eq!(o.form(&format!("/faq/{faq_id}/delete"), &[]).await.0, 200);
    let gone = t.page(HOST_A, "/hudong/zhishiku/", 200).await;
    assert!(!gone.contains("新生儿医保在哪里办理？"));

    // The statistics: per site for the office, per unit within the site, as CSV; not for
    // another site's administrator.
    let (s, stats) = o.page("/stats/letters").await;
    assert_eq!(s, 200);
    assert!(stats.contains("佳县人民政府"), "{stats}");
    let (s, units) = o.page(&format!("/stats/letters?site={}", a.0)).await;
    assert_eq!(s, 200);
    assert!(units.contains("佳县应急管理局"), "{units}");
    let (s, csv) = o.page(&format!("/stats/letters.csv?site={}", a.0)).await;
    assert_eq!(s, 200);
    let line = csv
        .lines()
        .find(|l| l.contains("佳县应急管理局"))
        .expect("the unit's row");
    // 收到 1, 办结 1, 按时 1, 未办结 0, 已超期 0, and the rating of 5.
    assert!(line.contains(",1,1,1,0,0,"), "{line}");
    assert!(line.ends_with(",1,5.0"), "{line}");
    assert_eq!(w.page(&format!("/stats/letters?site={}", a.0)).await.0, 404);
    let (_, theirs) = w.page("/stats/letters").await;
    assert!(
        !theirs.contains("佳县人民政府"),
        "another site's office sees only its own"
    );

    // Every step and the full view are in the audit log, none of the personal data.
    let log = t
        .audited(
            100,
            "letter.receive letter.view_personal letter.assign letter.draft \
             letter.return letter.approve",
        )
        .await;
    let text = format!("{log:?}");
    for private in ["张三", "13812345678", "11010519491231002X"] {
        assert!(!text.contains(private), "{private} in the audit log");
    }
}

/// Every table of the database as text: `pg_dump` or the `sqlite3` shell's `.dump`.
fn dump(url: &str) -> String {
    let out = if url.starts_with("postgres") {
        std::process::Command::new("pg_dump")
            .arg("--data-only")
            .arg(url)
            .output()
    } else {
        let path = url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        std::process::Command::new("sqlite3")
            .arg(path)
            .arg(".dump")
            .output()
    }
    .expect("dump tool");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_database_holds_no_personal_data_in_clear_and_a_flood_is_refused() {
    let t = TestApp::spawn_with(|c| c.letters.per_address_per_hour = 2).await;
    t.fixture().await;
    let forms = [
        open_form(&t, HOST_A).await,
        open_form(&t, HOST_A).await,
        open_form(&t, HOST_A).await,
    ];
    fill_time().await;
    let mut fields = consultation();
    fields.push(("email", "zhangsan@example.cn"));
    for f in &forms[..2] {
        let (s, html) = send(&t, HOST_A, f, &fields).await;
        assert_eq!(s, 200, "{html}");
    }
    // The third letter from the same address within the hour.
    let (s, html) = send(&t, HOST_A, &forms[2], &fields).await;
    assert_eq!(s, 429);
    assert!(html.contains("太频繁"), "{html}");
    // A script posting without reading the page gets nowhere, and soon not even a check.
    let mut last = 0;
    for _ in 0..20 {
        last = post(&t, HOST_A, "/hudong/xiexin", &fields).await.0;
        assert!(last == 400 || last == 429, "{last}");
    }
    assert_eq!(last, 429);
    assert_eq!(t.metric("zhanqun_letters_received_total").await, 2.0);

    let text = dump(&t.url);
    assert!(
        text.contains("咨询新生儿医保办理"),
        "the dump holds the letters"
    );
    for private in [
        "13812345678",
        "1381234",
        "11010519491231002X",
        "zhangsan@example.cn",
        "佳县佳芦镇",
        "张三",
    ] {
        assert!(
            !text.contains(private),
            "{private} in clear in the database"
        );
    }
}

/// Posts the letter form as a browser does with files chosen (`multipart/form-data`).
async fn send_with_files(
    t: &TestApp,
    form: &OpenForm,
    fields: &[(&'static str, &'static str)],
    files: &[(&str, Vec<u8>)],
) -> (u16, String) {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("ticket", &form.ticket));
    all.push(("answer", &form.answer));
    post_files(t, HOST_A, "/hudong/xiexin", &all, "attachments", files).await
}

#[tokio::test]
async fn files_go_with_a_letter_sealed_and_open_only_to_its_handlers() {
    let t = TestApp::spawn_with(|c| c.letters.attachment_max_bytes = 4096).await;
    let f = t.fixture().await;
    let (a, b) = (f.site(A), f.site(B));
    const MARK: &str = "FUJIAN-MIMI-7731";
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    let pdf = format!("%PDF-1.4\n1 0 obj << /Title ({MARK}) >> endobj\n%%EOF\n").into_bytes();

    let page = t.page(HOST_A, "/hudong/xiexin", 200).await;
    assert!(
        page.contains("enctype=\"multipart/form-data\"")
            && page.contains("type=\"file\"")
            && page.contains("每个不超过 1 MB"),
        "{page}"
    );
    let form = open_form(&t, HOST_A).await;
    fill_time().await;
    // What is refused, with what to fix; nothing is stored.
    let html_as_pdf = b"<html><script>alert(1)</script></html>".to_vec();
    let pdf_with_script = b"%PDF-1.4\n<< /JavaScript (app.alert(1)) >>\n%%EOF\n".to_vec();
    for (files, status, why) in [
        (vec![("a.png", png.clone()); 4], 400, "最多附 3 个文件"),
        (
            vec![("说明.pdf", html_as_pdf)],
            400,
            "文件“说明.pdf”不能提交",
        ),
        (vec![("说明.pdf", pdf_with_script)], 400, "PDF 中含有脚本"),
        (
            vec![("大图.png", vec![0x89; 5000])],
            413,
            "文件“大图.png”过大",
        ),
        (
            vec![(
                "压缩包.zip",
                b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
            )],
            400,
            "只能附图片（JPG、PNG）、PDF 或 Word 文档（.docx）",
        ),
    ] {
        let (s, html) = send_with_files(&t, &form, &consultation(), &files).await;
        assert_eq!(s, status, "{why}: {html}");
        assert!(html.contains(why), "{why}: {html}");
        // The form comes back filled in, asking for the files again.
        assert!(
            html.contains("value=\"咨询新生儿医保办理\"") && html.contains("附件需重新选择"),
            "{why}: {html}"
        );
    }
    let [o] = t.staff([("jx-office", SiteRole::Reviewer, a)]).await;
    let (s, list) = o.page(&format!("/sites/{}/letters", a.0)).await;
    assert_eq!(s, 200);
    assert!(
        !list.contains("<a href=\"/letters/"),
        "nothing stored: {list}"
    );

    let (s, html) = send_with_files(
        &t,
        &form,
        &consultation(),
        &[("现场照片.png", png.clone()), ("情况说明.pdf", pdf.clone())],
    )
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(between(&html, "class=\"code\">", "<").is_some(), "{html}");

    // The office sees two files, opens one, and the opening is audited.
    let (s, list) = o.page(&format!("/sites/{}/letters", a.0)).await;
    let id = between(&list, "<a href=\"/letters/", "\"").unwrap_or_else(|| panic!("{s} {list}"));
    let (_, case) = o.page(&format!("/letters/{id}")).await;
    assert!(
        case.contains("附件1（图片，1 KB）") && case.contains("附件2（PDF，1 KB）"),
        "{case}"
    );
    assert!(!case.contains("情况说明"), "no file name on the page");
    let res = o
        .client
        .get(format!("{}/letters/{id}/attachments/2", o.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
    let api = o
        .client
        .get(format!("{}/api/v1/letters/{id}/attachments/1", o.base))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 200);
    assert_eq!(api.bytes().await.unwrap().to_vec(), png);
    let one = o.get(&format!("/api/v1/letters/{id}")).await;
    assert_eq!(one.json["attachments"][1]["mime"], "application/pdf");
    assert_eq!(
        o.client
            .get(format!("{}/letters/{id}/attachments/3", o.base))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );

    // Another site's administrator: not there; the attempt is audited too.
    let [w] = t.staff([("wb-admin", SiteRole::SiteAdmin, b)]).await;
    let res = w
        .client
        .get(format!("{}/letters/{id}/attachments/2", w.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let log = t.store.audit_records(100, 0).await.unwrap();
    let opened: Vec<_> = log
        .iter()
        .filter(|r| r.action == "letter.view_attachment")
        .collect();
    assert_eq!(opened.len(), 3, "{opened:?}");

    // At rest the file is sealed: its contents are nowhere in a dump of the database.
    let dump = dump(&t.url);
    assert!(dump.contains("letter_attachments"), "the table is dumped");
    assert!(!dump.contains(MARK), "the file's text in clear");
    assert!(!dump.contains("情况说明"), "the file's name in clear");
}
