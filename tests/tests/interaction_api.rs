//! 互动交流 in the JSON API, on SQLite and PostgreSQL: a site's office reads its surveys with
//! their results, its interviews with every question and moderates them, and keeps its 知识库;
//! another site's administrator gets "not found" for each, and bad bodies get a Chinese
//! message with a stable code. The isolation crawler (isolation.rs) tries every route with site
//! B's ids as well.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_core::{AccountId, InterviewId, SiteRole};
use zhanqun_tests::steps::{Offices, column_id};

const HOST_A: &str = "www.jiaxian.gov.cn";

#[tokio::test]
async fn the_office_reads_and_moderates_its_interaction_through_the_api() {
    let Offices { t, a, b, o, w } = Offices::start().await;
    let now = chrono::Utc::now();

    // A survey, answered on the store's side (the public form has its own tests).
    let actor = t.actor(AccountId(o.id)).await;
    let survey = t
        .store
        .create_survey(
            &actor,
            a,
            &zhanqun_store::NewSurvey {
                document: None,
                title: "政务服务满意度调查".into(),
                intro: String::new(),
                questions: "单选：您对服务是否满意？\n满意\n不满意\n\n填空：其他建议".into(),
                opens_at: now - chrono::Duration::hours(1),
                closes_at: now + chrono::Duration::days(7),
            },
            now,
        )
        .await
        .unwrap();
    let r = o.get(&format!("/api/v1/sites/{}/surveys", a.0)).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["surveys"][0]["title"], "政务服务满意度调查");
    assert_eq!(r.json["surveys"][0]["open"], true);
    let r = o
        .get(&format!("/api/v1/surveys/{}/results", survey.0))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["results"][0]["text"], "您对服务是否满意？");
    for path in [
        format!("/api/v1/sites/{}/surveys", a.0),
        format!("/api/v1/surveys/{}/results", survey.0),
    ] {
        let r = w.get(&path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.json);
        assert_eq!(r.json["code"], "not_found");
    }

    // An interview with two questions from visitors.
    let interview = t
        .store
        .create_interview(
            &actor,
            a,
            &zhanqun_store::NewInterview {
                title: "就业创业政策解读".into(),
                guests: "县人社局局长".into(),
                intro: String::new(),
                starts_at: now,
                ends_at: now + chrono::Duration::hours(2),
            },
            now,
        )
        .await
        .unwrap();
    for (nonce, q) in [
        ("n1", "大学生回乡创业有哪些补贴政策？"),
        ("n2", "这是一条广告内容请忽略"),
    ] {
        t.store
            .ask_interview(a, interview, "佳县青年", q, nonce, now)
            .await
            .unwrap();
    }
    let r = o.get(&format!("/api/v1/sites/{}/interviews", a.0)).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["interviews"][0]["title"], "就业创业政策解读");
    let questions = format!("/api/v1/interviews/{}/questions", interview.0);
    let r = o.get(&questions).await;
    assert_eq!(r.status, 200, "{}", r.json);
    let ids: Vec<i64> = r.json["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(r.json["questions"][0]["state"] == "pending");

    let moderation = format!("/api/v1/interviews/{}/moderation", interview.0);
    let r = o
        .post(&moderation, json!({"question": ids[0], "action": "maybe"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json["code"], "invalid_input");
    assert!(r.json["message"].as_str().unwrap().contains("publish"));
    let r = o
        .post(
            &moderation,
            json!({"question": ids[0], "action": "publish"}),
        )
        .await;
    assert_eq!(r.status, 400, "an answer is needed: {}", r.json);
    assert!(r.json["message"].as_str().unwrap().contains("回答"));
    // Not another site's administrator, not even for a real question of this interview.
    let r = w
        .post(&moderation, json!({"question": ids[1], "action": "reject"}))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(w.get(&questions).await.status, 404);
    let r = o
        .post(
            &moderation,
            json!({"question": ids[0], "action": "publish", "answer": "可申请一次性创业补贴和创业担保贷款。"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["state"], "published");
    let r = o
        .post(&moderation, json!({"question": ids[1], "action": "reject"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = o
        .post(&moderation, json!({"question": ids[1], "action": "reject"}))
        .await;
    assert_eq!(r.status, 409, "already handled: {}", r.json);
    let page = t
        .page(
            HOST_A,
            &format!("/hudong/fangtan/{}.html", interview.0),
            200,
        )
        .await;
    assert!(page.contains("创业担保贷款") && !page.contains("广告内容"));
    let published = t
        .store
        .interview_questions(InterviewId(interview.0), false)
        .await
        .unwrap();
    assert_eq!(published.len(), 1);

    // Its transcript (文字实录) becomes a draft article once the interview has ended: not
    // before, not in another site's column; the published exchange in it, not the rejected one.
    let column = column_id(&t.store, a, "xwzx/tzgg").await;
    let (s, html) = o
        .form(
            &format!("/interviews/{}/transcript", interview.0),
            &[("column", &column.0.to_string())],
        )
        .await;
    assert_eq!(s, 400, "{html}");
    assert!(html.contains("访谈结束后才能生成文字实录"), "{html}");
    let admin = t.account("jx-admin", None).await;
    t.grant(admin, SiteRole::SiteAdmin, a, None).await;
    let admin = t.actor(admin).await;
    let later = now + chrono::Duration::hours(3);
    let other = column_id(&t.store, b, "xwzx/tzgg").await;
    let e = t
        .store
        .transcript_draft(&admin, interview, other, later)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("本网站的栏目"), "{e}");
    let draft = t
        .store
        .transcript_draft(&admin, interview, column, later)
        .await
        .unwrap();
    let again = t
        .store
        .transcript_draft(&admin, interview, column, later)
        .await
        .unwrap();
    assert_eq!(
        again, draft,
        "a second click finds the draft the first made"
    );
    let article = t.store.article(draft).await.unwrap().unwrap();
    assert_eq!(article.status, zhanqun_core::ArticleStatus::Draft);
    assert_eq!(article.title, "“就业创业政策解读”在线访谈文字实录");
    assert!(
        article.body_html.contains("大学生回乡创业有哪些补贴政策？")
            && article.body_html.contains("创业担保贷款")
            && !article.body_html.contains("广告内容"),
        "{}",
        article.body_html
    );

    // The 知识库: added, found, removed by the office; not by another site.
    let faq = format!("/api/v1/sites/{}/faq", a.0);
    let r = o
        .post(
            &faq,
            json!({"question": "城乡居民医保什么时候缴费？", "answer": "每年9月至12月。"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let entry = r.json["id"].as_i64().unwrap();
    let r = o.post(&faq, json!({"question": "短", "answer": ""})).await;
    assert_eq!(r.status, 400, "{}", r.json);
    let r = o
        .post(&faq, json!({"question": "多余字段", "extra": 1}))
        .await;
    assert_eq!(r.status, 400, "{}", r.json);
    let r = o.get(&format!("{faq}?q=医保")).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["total"], 1);
    assert_eq!(r.json["faqs"][0]["question"], "城乡居民医保什么时候缴费？");
    assert_eq!(o.get(&format!("{faq}?q=社保")).await.json["total"], 0);
    assert_eq!(o.get(&format!("{faq}?page=0")).await.status, 400);
    let r = w.get(&faq).await;
    assert_eq!(r.status, 404);
    let r = w
        .post(
            &faq,
            json!({"question": "越权加入的问题", "answer": "越权"}),
        )
        .await;
    assert!(matches!(r.status, 403 | 404), "{}", r.status);
    let r = w
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/faq/{entry}"),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    let r = o
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/faq/{entry}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(o.get(&faq).await.json["total"], 0);

    // Every route is in the OpenAPI document.
    let r = o.get("/api/openapi.json").await;
    for path in [
        "/api/v1/sites/{id}/surveys",
        "/api/v1/surveys/{id}/results",
        "/api/v1/sites/{id}/interviews",
        "/api/v1/interviews/{id}/questions",
        "/api/v1/interviews/{id}/moderation",
        "/api/v1/sites/{id}/faq",
        "/api/v1/faq/{id}",
    ] {
        assert!(
            r.json["paths"].get(path).is_some(),
            "{path} not in the OpenAPI document"
        );
    }
}
