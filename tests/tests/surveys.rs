//! 征集调查 over HTTP, on SQLite and PostgreSQL: the office opens a survey in the console, a
//! visitor answers it on the site (once per form and per browser, every choice question required), the office
//! reads the results with the texts, and a closed survey shows its results on the site as bars
//! without the texts. Another site sees none of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::AccountId;
use zhanqun_tests::letters::{between, fill_time, open_form_at, post};
use zhanqun_tests::steps::Offices;

const HOST_A: &str = "www.jiaxian.gov.cn";
const QUESTIONS: &str = "单选：您对政务服务中心的服务是否满意？\n满意\n基本满意\n不满意\n\n多选：您希望增加哪些网上办事事项？\n社保\n医保\n不动产登记\n\n填空：其他意见和建议";

#[tokio::test]
async fn a_survey_is_opened_answered_once_per_form_and_its_results_published() {
    let Offices { t, a, b, o, w } = Offices::start().await;
    let host_b = t.store.site(b).await.unwrap().unwrap().hosts[0].clone();

    let today = zhanqun_core::beijing::day_text(chrono::Utc::now());
    let later = zhanqun_core::beijing::day_text(chrono::Utc::now() + chrono::Duration::days(7));
    let new = format!("/sites/{}/surveys", a.0);
    let (s, html) = o
        .form(
            &new,
            &[
                ("title", "政务服务满意度调查"),
                ("opens", &today),
                ("closes", &later),
                ("questions", "问答：什么"),
            ],
        )
        .await;
    assert_eq!(s, 400);
    assert!(html.contains("第 1 题应以"), "{html}");
    // 意见征集 on a draft: the draft's address is on the site, never elsewhere.
    let (s, html) = o
        .form(
            &new,
            &[
                ("title", "政务服务满意度调查"),
                ("opens", &today),
                ("closes", &later),
                ("questions", QUESTIONS),
                ("document", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(s, 400);
    assert!(html.contains("应为本网站内的地址"), "{html}");
    let (s, html) = o
        .form(
            &new,
            &[
                ("title", "政务服务满意度调查"),
                ("intro", "请您花一分钟填写。"),
                ("opens", &today),
                ("closes", &later),
                ("questions", QUESTIONS),
                ("document", "/art/1.html"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("调查已发布") && html.contains("意见征集"),
        "{html}"
    );
    let id = between(&html, "<a href=\"/surveys/", "\"").unwrap();
    assert_eq!(
        w.form(
            &new,
            &[
                ("title", "越权"),
                ("opens", &today),
                ("closes", &later),
                ("questions", QUESTIONS)
            ]
        )
        .await
        .0,
        404
    );

    // On the site: listed, answered once per form, every choice question required.
    let list = t.page(HOST_A, "/hudong/zhengji/", 200).await;
    assert!(
        list.contains("【进行中】【意见征集】政务服务满意度调查"),
        "{list}"
    );
    let path = format!("/hudong/zhengji/{id}.html");
    let page = t.page(HOST_A, &path, 200).await;
    assert!(
        page.contains("征求意见稿：<a href=\"/art/1.html\">阅读征求意见稿全文</a>"),
        "{page}"
    );
    let form = open_form_at(&t, HOST_A, &path).await;
    let form2 = open_form_at(&t, HOST_A, &path).await;
    let form3 = open_form_at(&t, HOST_A, &path).await;
    fill_time().await;
    let with = |f: &zhanqun_tests::letters::OpenForm, extra: &[(&'static str, &'static str)]| {
        let mut v: Vec<(String, String)> = vec![
            ("ticket".into(), f.ticket.clone()),
            ("answer".into(), f.answer.clone()),
        ];
        v.extend(extra.iter().map(|(k, x)| (k.to_string(), x.to_string())));
        v
    };
    let send = |fields: Vec<(String, String)>| {
        let (t, path) = (&t, &path);
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            post(t, HOST_A, path, &pairs).await
        }
    };
    let (s, html) = send(with(&form, &[("q1", "0")])).await;
    assert_eq!(s, 400);
    assert!(html.contains("请回答第 1 题"), "{html}");
    let answer = [
        ("q0", "0"),
        ("q1", "1"),
        ("q1", "2"),
        ("q2", "<script>alert(1)</script>希望延长办公时间"),
    ];
    let (s, html) = send(with(&form, &answer)).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("提交成功"), "{html}");
    let (_, again) = send(with(&form, &answer)).await;
    assert!(again.contains("已经提交过"), "{again}");
    // One answer per visitor: the browser that answered keeps a cookie for this survey (only
    // that it answered), is thanked instead of shown the form, and another form it sends is
    // refused and not counted.
    let url = format!("http://{}{path}", t.public);
    let res = t
        .client
        .post(&url)
        .header("host", HOST_A)
        .form(&with(&form2, &[("q0", "2"), ("q1", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with(&format!("zq_survey_{id}=1;"))
            && cookie.contains(&format!("Path={path};"))
            && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let mark = cookie.split(';').next().unwrap().to_string();
    let shown = t
        .client
        .get(&url)
        .header("host", HOST_A)
        .header("cookie", format!("lang=zh; {mark}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        shown.contains("您已参加过本次调查") && !shown.contains("name=\"ticket\""),
        "{shown}"
    );
    let res = t
        .client
        .post(&url)
        .header("host", HOST_A)
        .header("cookie", &mark)
        .form(&with(&form3, &[("q0", "1"), ("q1", "0")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 409);
    let refused = res.text().await.unwrap();
    assert!(
        refused.contains("您已参加过本次调查") && !refused.contains("name=\"ticket\""),
        "thanked again, no form: {refused}"
    );
    // Not on another site.
    t.page(&host_b, &path, 404).await;

    // The office's results, texts included (escaped); not another site's administrator's.
    let (s, results) = o.page(&format!("/surveys/{id}")).await;
    assert_eq!(s, 200);
    assert!(results.contains("共 2 份问卷"), "{results}");
    assert!(
        results.contains("希望延长办公时间") && !results.contains("<script>alert"),
        "{results}"
    );
    assert_eq!(w.page(&format!("/surveys/{id}")).await.0, 404);

    // A survey that has closed shows its results on the site, without the texts.
    let office_actor = t.actor(AccountId(o.id)).await;
    let now = chrono::Utc::now();
    let closed = t
        .store
        .create_survey(
            &office_actor,
            a,
            &zhanqun_store::NewSurvey {
                document: None,
                title: "去年的调查".into(),
                intro: String::new(),
                questions: QUESTIONS.into(),
                opens_at: now - chrono::Duration::days(30),
                closes_at: now - chrono::Duration::days(2),
            },
            now,
        )
        .await
        .unwrap();
    let q = zhanqun_core::survey::parse_questions(QUESTIONS).unwrap();
    for (n, choice) in [0usize, 0, 2].into_iter().enumerate() {
        let form = vec![
            ("q0".to_string(), choice.to_string()),
            ("q1".into(), "0".into()),
            ("q2".into(), "私下的意见".into()),
        ];
        let answers = zhanqun_core::survey::check_answers(&q, &form).unwrap();
        t.store
            .answer_survey(
                a,
                closed,
                &answers,
                &format!("nonce{n}"),
                now - chrono::Duration::days(10),
            )
            .await
            .unwrap();
    }
    let late = t
        .store
        .answer_survey(a, closed, &[], "late", now)
        .await
        .unwrap_err();
    assert!(late.to_string().contains("已经结束"), "{late}");
    let shown = t
        .page(HOST_A, &format!("/hudong/zhengji/{}.html", closed.0), 200)
        .await;
    assert!(
        shown.contains("调查结果") && shown.contains("2 份（66.7%）"),
        "{shown}"
    );
    assert!(!shown.contains("私下的意见"), "texts are the office's");
    assert!(!shown.contains("name=\"ticket\""), "no form once closed");

    // 采纳情况: published by the office once closed, shown with the results.
    let (s, html) = o
        .form(
            &format!("/surveys/{id}/feedback"),
            &[("feedback", "尚未结束的调查")],
        )
        .await;
    assert_eq!(s, 409, "{html}");
    assert!(html.contains("调查结束后才能发布采纳情况"));
    assert_eq!(
        w.form(
            &format!("/surveys/{}/feedback", closed.0),
            &[("feedback", "越权发布的采纳情况")]
        )
        .await
        .0,
        404
    );
    let (s, _) = o
        .form(
            &format!("/surveys/{}/feedback", closed.0),
            &[("feedback", "共收到意见 3 条，采纳 2 条：延长周六办公时间。")],
        )
        .await;
    assert_eq!(s, 303);
    let shown = t
        .page(HOST_A, &format!("/hudong/zhengji/{}.html", closed.0), 200)
        .await;
    assert!(
        shown.contains("采纳情况") && shown.contains("延长周六办公时间"),
        "{shown}"
    );
}
