//! 在线访谈 over HTTP, on SQLite and PostgreSQL: the office announces an interview, visitors ask
//! before and during it (once per form), the office publishes a question with the guest's
//! answer and rejects another; the site shows only what was published, and nothing to another
//! site.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_tests::letters::{between, fill_time, open_form_at, post};
use zhanqun_tests::steps::Offices;

const HOST_A: &str = "www.jiaxian.gov.cn";

#[tokio::test]
async fn visitors_ask_the_office_publishes_answers_and_the_page_keeps_them() {
    let Offices { t, a, b, o, w } = Offices::start().await;
    let host_b = t.store.site(b).await.unwrap().unwrap().hosts[0].clone();

    let cst = |d: chrono::Duration| {
        (chrono::Utc::now() + d)
            .with_timezone(&zhanqun_core::beijing::OFFSET)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let new = format!("/sites/{}/interviews", a.0);
    let (starts, ends) = (
        cst(chrono::Duration::hours(1)),
        cst(chrono::Duration::hours(3)),
    );
    let (s, html) = o
        .form(
            &new,
            &[
                ("title", "就业创业政策解读"),
                ("guests", "县人社局局长"),
                ("starts", &ends),
                ("ends", &starts),
            ],
        )
        .await;
    assert_eq!(s, 400);
    assert!(html.contains("结束时间应晚于开始时间"), "{html}");
    let (s, html) = o
        .form(
            &new,
            &[
                ("title", "就业创业政策解读"),
                ("guests", "县人社局局长"),
                ("intro", "欢迎网友提问"),
                ("starts", &starts),
                ("ends", &ends),
            ],
        )
        .await;
    assert_eq!(s, 200, "{html}");
    let id = between(&html, "<a href=\"/interviews/", "\"").unwrap();
    assert_eq!(
        w.form(
            &new,
            &[
                ("title", "越权"),
                ("guests", "x"),
                ("starts", &starts),
                ("ends", &ends)
            ]
        )
        .await
        .0,
        404
    );

    // Before it starts, visitors ask; the same form twice is one question.
    let list = t.page(HOST_A, "/hudong/fangtan/", 200).await;
    assert!(list.contains("【预告】就业创业政策解读"), "{list}");
    let path = format!("/hudong/fangtan/{id}.html");
    let f1 = open_form_at(&t, HOST_A, &path).await;
    let f2 = open_form_at(&t, HOST_A, &path).await;
    fill_time().await;
    let ask = |form: &zhanqun_tests::letters::OpenForm, q: &'static str| {
        let (ticket, answer) = (form.ticket.clone(), form.answer.clone());
        let (t, path) = (&t, path.clone());
        async move {
            post(
                t,
                HOST_A,
                &path,
                &[
                    ("nickname", "佳县青年"),
                    ("question", q),
                    ("ticket", &ticket),
                    ("answer", &answer),
                ],
            )
            .await
        }
    };
    let (s, html) = ask(&f1, "短").await;
    assert_eq!(s, 400);
    assert!(html.contains("问题至少 5 个字"), "{html}");
    let (s, html) = ask(&f1, "大学生回乡创业有哪些补贴政策？").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("问题已提交"), "{html}");
    let (_, again) = ask(&f1, "大学生回乡创业有哪些补贴政策？").await;
    assert!(again.contains("已经提交过"), "{again}");
    let (s, _) = ask(&f2, "<script>alert(1)</script>这是广告内容请忽略").await;
    assert_eq!(s, 200);
    // Nothing shows before the office publishes it.
    let page = t.page(HOST_A, &path, 200).await;
    assert!(
        !page.contains("大学生回乡创业") && !page.contains("广告内容"),
        "{page}"
    );

    // The office publishes one with the answer, rejects the other; not another site.
    let (_, m) = o.page(&format!("/interviews/{id}")).await;
    let first = between(&m, "name=\"question\" value=\"", "\"").unwrap();
    let rest = &m[m.find(&format!("value=\"{first}\"")).unwrap() + 10..];
    let second = between(rest, "name=\"question\" value=\"", "\"").unwrap();
    assert_eq!(
        w.form(
            &format!("/interviews/{id}"),
            &[("question", &first), ("action", "reject")]
        )
        .await
        .0,
        404
    );
    assert_eq!(w.page(&format!("/interviews/{id}")).await.0, 404);
    let (s, _) = o
        .form(
            &format!("/interviews/{id}"),
            &[
                ("question", &first),
                ("action", "publish"),
                ("answer", "可申请一次性创业补贴和创业担保贷款。"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = o
        .form(
            &format!("/interviews/{id}"),
            &[("question", &second), ("action", "reject")],
        )
        .await;
    assert_eq!(s, 200);
    let (s, html) = o
        .form(
            &format!("/interviews/{id}"),
            &[("question", &second), ("action", "reject")],
        )
        .await;
    assert_eq!(s, 409, "already handled: {html}");

    let page = t.page(HOST_A, &path, 200).await;
    assert!(
        page.contains("大学生回乡创业有哪些补贴政策？") && page.contains("创业担保贷款"),
        "{page}"
    );
    assert!(
        !page.contains("广告内容") && !page.contains("<script>alert"),
        "rejected stays hidden"
    );
    t.page(&host_b, &path, 404).await;
}
