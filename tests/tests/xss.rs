//! XSS: payloads posted straight to the API (no editor in between) into every text field of an
//! article, written into every field of the public letter form (file names too) and into a reply,
//! and into the other public forms (survey, interview, 依申请公开, 在线办理); the stored
//! and rendered HTML (public pages, the writer's status page, the console) carry nothing that runs, and
//! headless Chromium, opening what was rendered, sees no dialog. A control page with one
//! unsanitised payload proves the browser check can fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_core::SiteRole;
use zhanqun_tests::TestApp;
use zhanqun_tests::steps::Newsroom;

const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\">",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<a href=\"javascript:alert(1)\">点我</a>",
    "<a href=\"JAVASCRIPT:alert(1)\">点我</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">点我</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">点我</a>",
    "<a href=\"vbscript:msgbox(1)\">点我</a>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=20 y=20>XSS</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<div style=\"width: expression(alert(1));\">x</div>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<style>body{background:url(\"javascript:alert(1)\")}</style>",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<form action=\"javascript:alert(1)\"><input type=submit></form>",
    "<input onfocus=alert(1) autofocus>",
    "<select onfocus=alert(1) autofocus>",
    "<textarea onfocus=alert(1) autofocus>",
    "<keygen onfocus=alert(1) autofocus>",
    "<video><source onerror=\"alert(1)\">",
    "<audio src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<p onmouseover=\"alert(1)\">悬停</p>",
    "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
    "<td background=\"javascript:alert(1)\">",
    "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<img src=x onerror=alert(1)//",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<template><script>alert(1)</script></template>",
    "<xmp><p title=\"</xmp><img src=x onerror=alert(1)>\">",
    "<img src=x:alert(1) onerror=eval(src)>",
    "<a href=\" javascript:alert(1)\">空格</a>",
];

/// What must never appear in HTML we render from editor input.
fn assert_inert(html: &str, context: &str) {
    let doc = scraper::Html::parse_document(html);
    let all = scraper::Selector::parse("*").unwrap();
    for el in doc.select(&all) {
        let name = el.value().name();
        assert!(
            !matches!(
                name,
                "iframe" | "frame" | "object" | "embed" | "base" | "style" | "svg" | "math"
            ),
            "{context}: <{name}> in {}",
            el.html()
        );
        if name == "meta" {
            assert!(
                el.value().attr("http-equiv").is_none(),
                "{context}: {}",
                el.html()
            );
        }
        if name == "link" {
            assert!(
                el.value().attr("href").is_some_and(|h| h.starts_with('/')),
                "{context}: {}",
                el.html()
            );
        }
        if name == "form" {
            assert!(
                el.value().attr("action").is_none_or(|h| h.starts_with('/')),
                "{context}: {}",
                el.html()
            );
        }
        if name == "script" {
            let src = el.value().attr("src").unwrap_or("");
            assert!(src.starts_with('/'), "{context}: script {}", el.html());
        }
        for (attr, value) in el.value().attrs() {
            assert!(!attr.starts_with("on"), "{context}: {attr} on <{name}>");
            if matches!(
                attr,
                "href" | "src" | "action" | "background" | "formaction" | "data"
            ) {
                let v: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_lowercase();
                assert!(
                    !v.starts_with("javascript:")
                        && !v.starts_with("data:")
                        && !v.starts_with("vbscript:"),
                    "{context}: {attr}={value}"
                );
            }
            if attr == "style" {
                assert!(
                    name == "html" || name == "body" || !value.contains("javascript"),
                    "{context}: style"
                );
            }
        }
    }
}

#[tokio::test]
async fn payloads_posted_to_the_api_are_stored_and_rendered_inert() {
    assert!(PAYLOADS.len() >= 50);
    let Newsroom {
        t, column, ed, rv, ..
    } = Newsroom::start("6108280001/xwzx/tzgg", "ed", "rv").await;

    let mut rendered = Vec::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let body = json!({
            "title": format!("标题{i}{p}"),
            "subtitle": p, "summary": p, "author": p, "source": p,
            "body_html": format!("<p>正文{i}</p>{p}<p>结尾</p>"),
            "disclosure": {"doc_number": p, "issuing_organ": p, "topic": p},
        });
        let r = ed
            .post(&format!("/api/v1/columns/{}/articles", column.0), body)
            .await;
        assert_eq!(r.status, 201, "{p}: {}", r.json);
        let id = r.json["id"].as_i64().unwrap();
        ed.submit(id).await;
        let r = rv.act(id, json!({"action": "approve"})).await;
        assert_eq!(r.json["status"], "published", "{}", r.json);

        let stored = t
            .store
            .article(zhanqun_core::ArticleId(id))
            .await
            .unwrap()
            .unwrap();
        assert_inert(
            &stored.body_html,
            &format!("stored body of payload {i} {p}"),
        );
        assert!(
            stored.body_html.contains(&format!("正文{i}")),
            "content kept"
        );

        let public = t
            .page("www.jiaxian.gov.cn", &format!("/art/{id}.html"), 200)
            .await;
        assert_inert(&public, &format!("public page of payload {i} {p}"));
        let (status, console) = ed.page(&format!("/articles/{id}")).await;
        assert_eq!(status, 200);
        assert_inert(&console, &format!("console page of payload {i} {p}"));
        let (_, editor) = ed.page(&format!("/articles/{id}/edit")).await;
        assert_inert(&editor, &format!("editor of payload {i} {p}"));
        rendered.push(public);
        rendered.push(console);
    }
    // The list and home pages show every title, escaped.
    let list = t.page("www.jiaxian.gov.cn", "/xwzx/tzgg/", 200).await;
    assert_inert(&list, "column list");
    let (_, work) = ed.page("/").await;
    assert_inert(&work, "my work");

    browser_sees_no_dialog(&rendered, "正文0");
}

/// The first `n` characters of `s`.
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// `s` as the templates print it (minijinja's HTML escaping).
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn payloads_written_into_every_letter_field_are_shown_inert() {
    use zhanqun_tests::letters::{between, fill_time, open_form, post, post_files, send};
    // The hourly limit per address is lifted: every payload goes through every field, one letter
    // each (the flood test in letter_forms.rs holds the limit).
    let t = TestApp::spawn_with(|c| {
        c.letters.per_address_per_hour = 1000;
        c.letters.lookups_per_address_per_hour = 1000;
    })
    .await;
    let f = t.fixture().await;
    let site = f.site("6108280001");
    let host = "www.jiaxian.gov.cn";
    let [o, o2] = t
        .staff([
            ("office", SiteRole::Reviewer, site),
            ("office2", SiteRole::SiteAdmin, site),
        ])
        .await;
    let unit = t.unit(site, "佳县应急管理局").await;
    let worker = t.unit_account("jx-yingji", "应急局办理人", unit).await;
    t.grant(worker, SiteRole::Editor, site, None).await;
    let u = t.login("jx-yingji").await;

    // Letter i carries payload i in its subject, i+1 in the writer's name, i+2 in the address
    // (each cut to the field's length) and i+3 in the body: every payload in every field that a
    // letter keeps. The first two bodies carry the whole corpus.
    let n = PAYLOADS.len();
    let all: String = PAYLOADS.join("\n");
    let mut forms = Vec::new();
    for _ in 0..n {
        forms.push(open_form(&t, host).await);
    }
    let refused = open_form(&t, host).await;
    fill_time().await;
    let mut codes = Vec::new();
    for (i, form) in forms.iter().enumerate() {
        let subject = format!("来信{i}{}", cut(PAYLOADS[i], 90));
        let name = cut(PAYLOADS[(i + 1) % n], 50);
        let address = cut(PAYLOADS[(i + 2) % n], 200);
        let body = if i < 2 {
            cut(&all, 5000)
        } else {
            format!("来信内容：{}", PAYLOADS[(i + 3) % n])
        };
        let (status, html) = send(
            &t,
            host,
            form,
            &[
                ("kind", "consultation"),
                ("subject", &subject),
                ("body", &body),
                ("name", &name),
                ("phone", "13812345678"),
                ("email", "writer@example.com"),
                ("address", &address),
                ("public", "1"),
            ],
        )
        .await;
        assert_eq!(status, 200, "payload {i}: {html}");
        assert_inert(&html, "the sent page");
        codes.push(between(&html, "class=\"code\">", "<").unwrap());
    }
    // A form sent back with errors shows what was typed, escaped: every payload in every field,
    // the ones a kept letter cannot hold too (the leader written to, the e-mail, the phone,
    // echoed in the error message itself).
    let mut rendered = Vec::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let (status, refilled) = send(
            &t,
            host,
            &refused,
            &[
                ("kind", if i % 2 == 0 { "mailbox" } else { p }),
                ("to", p),
                ("subject", p),
                ("body", &cut(&all, 5000)),
                ("name", p),
                ("phone", p),
                ("email", p),
                ("id_number", p),
                ("address", p),
            ],
        )
        .await;
        assert_eq!(status, 400, "payload {i}");
        assert!(
            refilled.contains(&escaped(p)),
            "payload {i} is shown back, escaped: {refilled}"
        );
        assert_inert(&refilled, &format!("the form sent back with payload {i}"));
        if i < 2 {
            rendered.push(refilled);
        }
    }
    // File names are echoed when a file is refused (a script saved as .pdf).
    let bad = b"<html><script>alert(1)</script></html>".to_vec();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let name = format!("{}.pdf", cut(p, 100));
        let (status, html) = post_files(
            &t,
            host,
            "/hudong/xiexin",
            &[
                ("kind", "consultation"),
                ("subject", "附件名称"),
                ("body", "请看附件中的材料，谢谢。"),
                ("name", "张三"),
                ("phone", "13812345678"),
                ("ticket", &refused.ticket),
                ("answer", &refused.answer),
            ],
            "attachments",
            &[(&name, bad.clone())],
        )
        .await;
        assert_eq!(status, 400, "file name {i}: {html}");
        assert!(html.contains("不能提交"), "{html}");
        // Named as the server keeps names: no path, no markup characters, then escaped.
        let shown = zhanqun_core::media::clean_name(&name);
        assert!(
            html.contains(&escaped(&shown)),
            "file name {i} is named, escaped: {html}"
        );
        assert_inert(&html, &format!("the form refusing file name {i}"));
        if i < 2 {
            rendered.push(html);
        }
    }

    // The office's list (every page), each letter in full, and two replies full of payloads
    // published.
    let mut ids: Vec<String> = Vec::new();
    for page in 1.. {
        let (s, list) = o
            .page(&format!("/sites/{}/letters?show=all&page={page}", site.0))
            .await;
        if s == 404 && page > 1 {
            break;
        }
        assert_eq!(s, 200, "{list}");
        assert_inert(&list, "the office's list");
        let mut rest = list.as_str();
        while let Some(i) = rest.find("<a href=\"/letters/") {
            rest = &rest[i + 18..];
            let id = &rest[..rest.find('"').unwrap()];
            if !ids.iter().any(|x| x == id) {
                ids.push(id.to_string());
            }
        }
        rendered.push(list);
    }
    assert_eq!(ids.len(), n, "{ids:?}");
    for (k, id) in ids.iter().enumerate() {
        let (_, full) = o.form(&format!("/letters/{id}/personal"), &[]).await;
        assert_inert(&full, "a letter with the writer's data");
        rendered.push(full);
        if k >= 2 {
            continue;
        }
        // 转办 to the unit, which reads it in its own list and drafts the reply.
        let step = format!("/letters/{id}/step");
        let unit_id = unit.0.to_string();
        assert_eq!(
            o.form(&step, &[("step", "assign"), ("unit", &unit_id)])
                .await
                .0,
            200
        );
        let (_, mine) = u.page("/letters").await;
        assert!(mine.contains(&format!("/letters/{id}")), "{mine}");
        assert_inert(&mine, "the unit's letters");
        let (_, case) = u.page(&format!("/letters/{id}")).await;
        assert_inert(&case, "the letter as the unit sees it");
        rendered.extend([mine, case]);
        let reply = format!("您好：{}", cut(&all, 4000));
        assert_eq!(
            u.form(&step, &[("step", "draft"), ("reply", &reply)])
                .await
                .0,
            200
        );
        let (status, approved) = o2.form(&step, &[("step", "approve")]).await;
        assert_eq!(status, 200);
        assert_inert(&approved, "the letter with its reply");
        rendered.push(approved);
    }
    let index = t.page(host, "/hudong/", 200).await;
    assert_inert(&index, "the published replies");
    rendered.push(index.clone());
    let url = between(&index, "<a href=\"/hudong/huifu/", "\"").unwrap();
    let public = t.page(host, &format!("/hudong/huifu/{url}"), 200).await;
    assert_inert(&public, "a published reply");
    assert!(public.contains("您好："), "the reply is there");
    rendered.push(public);
    for code in &codes {
        let (_, status) = post(&t, host, "/hudong/chaxun", &[("code", code)]).await;
        assert_inert(&status, "the writer's status page");
        rendered.push(status);
    }
    browser_sees_no_dialog(&rendered, "您好：");
}

/// The 在线办理 form of a service item: payloads in the applicant's name, organisation and note
/// of kept applications, and in every field of a refused one (the 身份证号 and phone echoed in
/// their error messages), and in the back office's note; shown inert on the form sent back, the
/// receipt, the back office's list and the applicant's status page.
#[tokio::test]
async fn payloads_written_into_an_online_application_are_shown_inert() {
    use zhanqun_tests::letters::{between, fill_time, open_form_at, post};
    use zhanqun_tests::services::{ServiceOffice, status_query};
    let ServiceOffice { t, a, ad, item, .. } = ServiceOffice::start().await;
    let host = "www.jiaxian.gov.cn";
    let path = format!("/banshi/shenqing/{item}");
    let all: String = PAYLOADS.join("\n");
    // Five kept applications (the hourly limit per address), the payloads spread over them.
    let forms = [
        open_form_at(&t, host, &path).await,
        open_form_at(&t, host, &path).await,
        open_form_at(&t, host, &path).await,
        open_form_at(&t, host, &path).await,
        open_form_at(&t, host, &path).await,
    ];
    let refused = open_form_at(&t, host, &path).await;
    fill_time().await;
    // Twelve refused sends (every attempt counts toward six times the hourly limit), each field
    // carrying every twelfth payload, rotated so that each field gets them all.
    let mut rendered = Vec::new();
    let mix = |k: usize| -> String {
        PAYLOADS
            .iter()
            .skip(k % 12)
            .step_by(12)
            .copied()
            .collect::<Vec<_>>()
            .concat()
    };
    for k in 0..12 {
        let (s, html) = post(
            &t,
            host,
            &path,
            &[
                ("organisation", &mix(k)),
                ("name", &mix(k + 1)),
                ("id_number", &mix(k + 2)),
                ("phone", &mix(k + 3)),
                ("note", &mix(k + 4)),
                ("slot", &mix(k + 5)),
                ("ticket", &refused.ticket),
                ("answer", &refused.answer),
            ],
        )
        .await;
        assert_eq!(s, 400, "send {k}: {html}");
        assert!(
            html.contains(&escaped(&mix(k + 4))),
            "the note of send {k} is shown back, escaped: {html}"
        );
        assert_inert(&html, &format!("the application sent back, send {k}"));
        if k < 2 {
            rendered.push(html);
        }
    }
    let mut lookups = Vec::new();
    for (k, form) in forms.iter().enumerate() {
        let names: Vec<&str> = PAYLOADS
            .iter()
            .skip(k)
            .step_by(forms.len())
            .copied()
            .collect();
        let (s, html) = post(
            &t,
            host,
            &path,
            &[
                ("organisation", &cut(&names.concat(), 100)),
                ("name", &cut(names[0], 50)),
                ("id_number", "110101199003078515"),
                ("phone", "13812345678"),
                (
                    "note",
                    &format!("申请说明{k}：{}", cut(&names.join("\n"), 900)),
                ),
                ("ticket", &form.ticket),
                ("answer", &form.answer),
            ],
        )
        .await;
        assert_eq!(s, 200, "application {k}: {html}");
        assert_inert(&html, "the receipt");
        let receipt = between(&html, "受理编号：<strong class=\"code\">", "<").unwrap();
        let code = between(&html, "查询码：<strong class=\"code\">", "<").unwrap();
        lookups.push((receipt, code));
        rendered.push(html);
    }
    let (s, list) = ad.page(&format!("/sites/{}/applications", a.0)).await;
    assert_eq!(s, 200);
    assert_inert(&list, "the back office's list");
    let mut rest = list.as_str();
    let mut ids: Vec<String> = Vec::new();
    while let Some(i) = rest.find("action=\"/applications/") {
        rest = &rest[i + 22..];
        let id = &rest[..rest.find('/').unwrap()];
        if !ids.iter().any(|x| x == id) {
            ids.push(id.to_string());
        }
    }
    assert_eq!(ids.len(), forms.len(), "{ids:?}");
    rendered.push(list);
    // The back office asks for more with a note full of payloads; the applicant reads it.
    let (s, moved) = ad
        .form(
            &format!("/applications/{}/move", ids[0]),
            &[("to", "more_needed"), ("note", &cut(&all, 1900))],
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    assert_inert(&moved, "the list after the step");
    rendered.push(moved);
    for (receipt, code) in &lookups {
        let (s, status) = status_query(&t, receipt, code).await;
        assert_eq!(s, 200, "{status}");
        assert_inert(&status, "the applicant's status page");
        rendered.push(status);
    }
    browser_sees_no_dialog(&rendered, "申请说明");
}

/// The other public forms: a survey's text answer, a question to an online interview (and the
/// office's answer to it), a 依申请公开 application; each shown where it is read (the office's
/// results, the interview page, the console's request and its full view, the applicant's status
/// page), and the office's own survey and interview texts on the public pages.
#[tokio::test]
async fn payloads_written_into_surveys_interviews_and_disclosure_requests_are_shown_inert() {
    use zhanqun_tests::letters::{between, fill_time, open_form_at, post};
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let site = f.site("6108280001");
    let host = "www.jiaxian.gov.cn";
    let [o] = t.staff([("office", SiteRole::SiteAdmin, site)]).await;
    let p = |i: usize, n: usize| cut(PAYLOADS[i % PAYLOADS.len()], n);
    let all: String = PAYLOADS.join("\n");
    let mut rendered = Vec::new();

    // A survey whose title and intro carry payloads, answered with payloads in its text question.
    let today = zhanqun_core::beijing::day_text(chrono::Utc::now());
    let later = zhanqun_core::beijing::day_text(chrono::Utc::now() + chrono::Duration::days(7));
    let questions = "单选：您对服务是否满意？\n满意\n不满意\n\n填空：其他意见和建议";
    let (s, html) = o
        .form(
            &format!("/sites/{}/surveys", site.0),
            &[
                ("title", &format!("满意度调查{}", p(1, 60))),
                ("intro", &p(2, 200)),
                ("opens", &today),
                ("closes", &later),
                ("questions", questions),
            ],
        )
        .await;
    assert_eq!(s, 200, "{html}");
    let survey = between(&html, "<a href=\"/surveys/", "\"").unwrap();
    let path = format!("/hudong/zhengji/{survey}.html");
    let forms = [
        open_form_at(&t, host, &path).await,
        open_form_at(&t, host, &path).await,
    ];
    // The interview and the application forms are opened now, so that one wait covers them all.
    let at = |h: i64| {
        (chrono::Utc::now() + chrono::Duration::hours(h))
            .with_timezone(&zhanqun_core::beijing::OFFSET)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let (s, html) = o
        .form(
            &format!("/sites/{}/interviews", site.0),
            &[
                ("title", &format!("政策解读{}", p(5, 60))),
                ("guests", &p(6, 80)),
                ("intro", &p(7, 200)),
                ("starts", &at(1)),
                ("ends", &at(2)),
            ],
        )
        .await;
    assert_eq!(s, 200, "{html}");
    let interview = between(&html, "<a href=\"/interviews/", "\"").unwrap();
    let ipath = format!("/hudong/fangtan/{interview}.html");
    let asks = [
        open_form_at(&t, host, &ipath).await,
        open_form_at(&t, host, &ipath).await,
    ];
    let apply = open_form_at(&t, host, "/ysqgk/").await;
    fill_time().await;
    for (n, form) in forms.iter().enumerate() {
        let (s, html) = post(
            &t,
            host,
            &path,
            &[
                ("ticket", &form.ticket),
                ("answer", &form.answer),
                ("q0", "0"),
                (
                    "q1",
                    &all.chars().skip(n * 300).take(500).collect::<String>(),
                ),
            ],
        )
        .await;
        assert_eq!(s, 200, "{html}");
        assert_inert(&html, "the survey answered");
    }
    let public = t.page(host, &path, 200).await;
    assert_inert(&public, "the survey on the site");
    rendered.push(public);
    let (_, results) = o.page(&format!("/surveys/{survey}")).await;
    assert!(results.contains("共 2 份问卷"), "{results}");
    assert_inert(&results, "the survey's results with the texts");
    rendered.push(results);

    // Questions to the interview, one published with an answer full of payloads.
    for (n, form) in asks.iter().enumerate() {
        let (s, html) = post(
            &t,
            host,
            &ipath,
            &[
                ("nickname", &p(n + 9, 20)),
                ("question", &format!("请问{}", p(n * 13 + 4, 300))),
                ("ticket", &form.ticket),
                ("answer", &form.answer),
            ],
        )
        .await;
        assert_eq!(s, 200, "{html}");
        assert_inert(&html, "the question sent");
    }
    let (_, moderation) = o.page(&format!("/interviews/{interview}")).await;
    assert_inert(&moderation, "the questions waiting");
    let question = between(&moderation, "name=\"question\" value=\"", "\"").unwrap();
    let (s, html) = o
        .form(
            &format!("/interviews/{interview}"),
            &[
                ("question", &question),
                ("action", "publish"),
                ("answer", &format!("答复：{}", cut(&all, 2000))),
            ],
        )
        .await;
    assert_eq!(s, 200, "{html}");
    assert_inert(&html, "the interview after publishing");
    rendered.push(moderation);
    let shown = t.page(host, &ipath, 200).await;
    assert!(shown.contains("答复："), "the answer is published: {shown}");
    assert_inert(&shown, "the interview on the site");
    rendered.push(shown);
    let listed = t.page(host, "/hudong/fangtan/", 200).await;
    assert_inert(&listed, "the interviews on the site");
    rendered.push(listed);

    // A 依申请公开 application with payloads in every free-text field.
    let (s, html) = post(
        &t,
        host,
        "/ysqgk/",
        &[
            ("applicant", "company"),
            ("organisation", &p(15, 100)),
            ("name", &p(16, 50)),
            ("phone", "13812345678"),
            ("address", &p(17, 200)),
            ("content", &format!("申请公开以下信息：{}", cut(&all, 2900))),
            ("delivery", "paper"),
            ("ticket", &apply.ticket),
            ("answer", &apply.answer),
        ],
    )
    .await;
    assert_eq!(s, 200, "{html}");
    assert_inert(&html, "the application sent");
    let code = between(&html, "class=\"code\">", "<").unwrap();
    let (_, list) = o.page(&format!("/sites/{}/ysqgk", site.0)).await;
    assert_inert(&list, "the office's applications");
    let id = between(&list, "<a href=\"/ysqgk/", "\"").unwrap();
    let (_, request) = o.page(&format!("/ysqgk/{id}")).await;
    assert_inert(&request, "an application");
    let (s, full) = o.form(&format!("/ysqgk/{id}/personal"), &[]).await;
    assert_eq!(s, 200, "{full}");
    assert_inert(&full, "an application with the applicant's data");
    let (_, status) = post(&t, host, "/ysqgk/chaxun", &[("code", &code)]).await;
    assert!(status.contains("申请公开以下信息"), "{status}");
    assert_inert(&status, "the applicant's status page");
    rendered.extend([list, request, full, status]);
    browser_sees_no_dialog(&rendered, "答复：");
}

/// Opens the rendered pages in headless Chromium with the dialog functions replaced by a marker
/// (no CSP in the way: the markup alone must be inert).
fn browser_sees_no_dialog(pages: &[String], marker: &str) {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        assert!(
            std::env::var("ZHANQUN_NO_BROWSER").is_ok(),
            "Chromium is needed for the XSS browser check (apt-get install chromium), or set ZHANQUN_NO_BROWSER=1"
        );
        return;
    };
    let hook = "<script>['alert','confirm','prompt','print'].forEach(function(n){window[n]=function(){document.documentElement.setAttribute('data-xss','fired')}});</script>";
    let bodies: String = pages
        .iter()
        .map(|p| {
            let start = p.find("<body").unwrap_or(0);
            let end = p.rfind("</body>").unwrap_or(p.len());
            format!("<section>{}</section>", &p[start..end])
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, html: String| -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, html).unwrap();
        let out = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--virtual-time-budget=3000",
                "--dump-dom",
            ])
            .arg(format!("file://{}", path.display()))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let control = run(
        "control.html",
        format!(
            "<!doctype html><html><head>{hook}</head><body><img src=x onerror=alert(1)></body></html>"
        ),
    );
    assert!(
        control.contains("data-xss=\"fired\""),
        "the browser check must be able to fail: {control}"
    );
    let dom = run(
        "pages.html",
        format!(
            "<!doctype html><html><head><meta charset=utf-8>{hook}</head><body>{bodies}</body></html>"
        ),
    );
    assert!(dom.contains(marker), "the pages were rendered");
    assert!(
        !dom.contains("data-xss=\"fired\""),
        "a dialog was opened by rendered content"
    );
}
