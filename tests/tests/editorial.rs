//! Editorial work over real HTTP with cookie jars: the bureau editor's article goes through
//! review and sign-off to the public site; what the editor may not do is refused; a column
//! without sign-off publishes at review; rejection, withdrawal, revisions, scheduling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_core::{ArticleId, PlatformRole, SiteRole};
use zhanqun_tests::TestApp;
use zhanqun_tests::steps::{Newsroom, has_outcome};

const JIAXIAN: &str = "6108280001";
const MIZHI: &str = "6108270001";
const HOST: &str = "www.jiaxian.gov.cn";

#[tokio::test]
async fn bureau_editor_to_public_site_through_review_and_sign_off() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(JIAXIAN);
    let policy = f.column(&format!("{JIAXIAN}/zwgk/zcwj")); // needs sign-off
    let notices = f.column(&format!("{JIAXIAN}/xwzx/tzgg"));
    let other_site = f.column(&format!("{MIZHI}/xwzx/tzgg"));

    let editor = t.account("yjj-editor", None).await;
    let other_editor = t.account("bgs-editor", None).await;
    let reviewer = t.account("jx-reviewer", None).await;
    let signer = t.account("jx-signer", None).await;
    t.grant(editor, SiteRole::Editor, a, Some(policy)).await;
    t.grant(other_editor, SiteRole::Editor, a, Some(notices))
        .await;
    t.grant(reviewer, SiteRole::Reviewer, a, None).await;
    t.grant(signer, SiteRole::Signer, a, None).await;

    let ed = t.login("yjj-editor").await;
    let body = json!({
        "title": "佳县应急管理局关于做好冬季安全生产工作的通知",
        "summary": "冬季安全生产",
        "body_html": "<h2>一、总体要求</h2><p>各乡镇、各部门：</p><table><tr><th>事项</th><td>时限</td></tr></table>",
        "disclosure": {"doc_number": "佳应急发〔2026〕9号", "issuing_organ": "佳县应急管理局", "topic": "安全生产", "validity": "valid"}
    });
    let created = ed
        .post(
            &format!("/api/v1/columns/{}/articles", policy.0),
            body.clone(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let id = created.json["id"].as_i64().unwrap();

    // A draft is not public.
    assert_eq!(t.get(HOST, &format!("/art/{id}.html")).await.status(), 404);

    // Not in another column, not on another site.
    let r = ed
        .post(
            &format!("/api/v1/columns/{}/articles", notices.0),
            body.clone(),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.json);
    let r = ed
        .post(
            &format!("/api/v1/columns/{}/articles", other_site.0),
            body.clone(),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.json);

    // Another column's editor can neither see nor change the draft.
    let other = t.login("bgs-editor").await;
    assert_eq!(
        other.get(&format!("/api/v1/articles/{id}")).await.status,
        404
    );
    let r = other
        .put(
            &format!("/api/v1/articles/{id}"),
            json!({"title": "改", "body_html": ""}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.json);
    let r = other.submit(id).await;
    assert_eq!(r.status, 404, "{}", r.json);
    assert!(
        other.get("/api/v1/me/work").await.json["drafts"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The editor cannot publish directly: no such field, no such right.
    let r = ed
        .put(
            &format!("/api/v1/articles/{id}"),
            json!({"title": "x", "status": "published"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_input"), "{}", r.json);
    let r = ed.act(id, json!({"action": "approve"})).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = ed.act(id, json!({"action": "sign"})).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));

    // A cover image is a media-library file or an https address, nothing else.
    for bad in [
        "javascript:alert(1)",
        "http://evil.example/x.png",
        "/media/../../etc/passwd",
    ] {
        let mut b = body.clone();
        b["cover_url"] = json!(bad);
        let r = ed.put(&format!("/api/v1/articles/{id}"), b).await;
        assert_eq!((r.status, r.code()), (400, "invalid_input"), "{bad}");
    }

    // Edit → revision 2; submit needs the secrecy check.
    let mut edited = body.clone();
    edited["cover_url"] = json!("https://www.jiaxian.gov.cn/images/winter.jpg");
    edited["title"] = json!("佳县应急管理局关于切实做好冬季安全生产工作的通知");
    let r = ed.put(&format!("/api/v1/articles/{id}"), edited).await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = ed.act(id, json!({"action": "submit"})).await;
    assert_eq!((r.status, r.code()), (400, "invalid_input"));
    assert!(r.json["message"].as_str().unwrap().contains("保密审查"));
    let r = ed.submit(id).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["status"], "submitted");
    assert_eq!(r.json["workflow"]["submitted_by"], ed.id);
    assert!(r.json["workflow"]["submitted_at"].is_string());
    assert_eq!(r.json["workflow"]["secrecy_confirmed"], true);
    // Submitted: no more editing.
    let r = ed
        .put(&format!("/api/v1/articles/{id}"), body.clone())
        .await;
    assert_eq!((r.status, r.code()), (409, "conflict"));

    // Review, then sign-off (this column needs it); the reviewer cannot sign.
    let rev = t.login("jx-reviewer").await;
    let queue = rev.get("/api/v1/me/work").await;
    assert_eq!(queue.json["to_review"][0]["id"], id, "{}", queue.json);
    let r = rev.act(id, json!({"action": "approve"})).await;
    assert_eq!(r.json["status"], "reviewed", "{}", r.json);
    assert_eq!(t.get(HOST, &format!("/art/{id}.html")).await.status(), 404);
    let r = rev.act(id, json!({"action": "sign"})).await;
    assert_eq!(r.status, 403);
    let sig = t.login("jx-signer").await;
    let r = sig.act(id, json!({"action": "sign"})).await;
    assert_eq!(r.json["status"], "published", "{}", r.json);

    // On the public site, sanitised, with its disclosure metadata.
    let page = t.page(HOST, &format!("/art/{id}.html"), 200).await;
    assert!(page.contains("关于切实做好冬季安全生产工作的通知"));
    assert!(page.contains("佳应急发〔2026〕9号"));
    assert!(page.contains("<h2>一、总体要求</h2>"));
    assert!(page.contains(r#"<img src="https://www.jiaxian.gov.cn/images/winter.jpg" alt="">"#));

    // History and revisions, with a readable diff.
    let ev = sig.get(&format!("/api/v1/articles/{id}/events")).await;
    let actions: Vec<&str> = ev.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "submit", "approve", "sign"]);
    let diff = ed
        .get(&format!("/api/v1/articles/{id}/diff?from=1&to=2"))
        .await;
    let d = diff.json["diff"].as_str().unwrap();
    assert!(
        d.contains("+标题：佳县应急管理局关于切实做好") && d.contains("-标题："),
        "{d}"
    );

    // Each step wrote one complete audit record.
    let records = t.store.audit_records(500, 0).await.unwrap();
    for action in [
        "article.create",
        "article.edit",
        "article.submit",
        "article.approve",
        "article.sign",
    ] {
        let r: Vec<_> = records
            .iter()
            .filter(|r| r.action == action && r.outcome == "success")
            .collect();
        assert_eq!(r.len(), 1, "{action}");
        let r = r[0];
        assert!(r.actor.starts_with("user:"), "{action}");
        assert!(!r.role.is_empty() && r.role != "-", "{action}");
        assert_eq!(r.site_code.as_deref(), Some(JIAXIAN), "{action}");
        assert_eq!(r.client.as_deref(), Some("127.0.0.1"), "{action}");
        assert!(
            r.request_id.as_deref().is_some_and(|x| x.len() == 36),
            "{action}"
        );
        assert_eq!(
            r.object
                .as_deref()
                .map(|o| o.starts_with("article:") || o.starts_with("column:")),
            Some(true)
        );
    }
    assert!(has_outcome(&records, "article.approve", "failure"));
    assert!(t.store.audit_verify().await.unwrap().ok());

    // Withdraw (撤稿) with a reason takes it off the site.
    let r = sig
        .act(id, json!({"action": "withdraw", "reason": ""}))
        .await;
    assert_eq!(r.status, 400);
    let r = sig
        .act(id, json!({"action": "withdraw", "reason": "文件已废止"}))
        .await;
    assert_eq!(r.json["status"], "withdrawn", "{}", r.json);
    assert_eq!(t.get(HOST, &format!("/art/{id}.html")).await.status(), 410);
}

#[tokio::test]
async fn nobody_approves_their_own_article_and_rejection_comes_back_with_reason() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(JIAXIAN);
    let notices = f.column(&format!("{JIAXIAN}/xwzx/tzgg")); // review only
    let both = t.account("editor-reviewer", None).await;
    let reviewer = t.account("reviewer", None).await;
    t.grant(both, SiteRole::Editor, a, Some(notices)).await;
    t.grant(both, SiteRole::Reviewer, a, None).await;
    t.grant(reviewer, SiteRole::Reviewer, a, None).await;

    let me = t.login("editor-reviewer").await;
    let id = me
        .draft(
            notices.0,
            json!({"title": "停水通知", "body_html": "<p>因管网检修停水。</p>"}),
        )
        .await;
    me.submit(id).await;
    let r = me.act(id, json!({"action": "approve"})).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.json);
    assert!(
        me.get("/api/v1/me/work").await.json["to_review"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let rev = t.login("reviewer").await;
    let r = rev
        .act(id, json!({"action": "reject", "reason": " "}))
        .await;
    assert_eq!(r.status, 400);
    let r = rev
        .act(id, json!({"action": "reject", "reason": "请补充停水时间"}))
        .await;
    assert_eq!(r.json["status"], "draft", "{}", r.json);
    let work = me.get("/api/v1/me/work").await.json;
    assert_eq!(work["rejected"][0]["reject_reason"], "请补充停水时间");

    // Resubmitted and approved: no sign-off in this column, so it is published at review.
    me.put(
        &format!("/api/v1/articles/{id}"),
        json!({"title": "停水通知", "body_html": "<p>12月1日8时至18时停水。</p>"}),
    )
    .await;
    me.submit(id).await;
    let r = rev.act(id, json!({"action": "approve"})).await;
    assert_eq!(r.json["status"], "published", "{}", r.json);
    assert!(
        t.page(HOST, &format!("/art/{id}.html"), 200)
            .await
            .contains("12月1日8时至18时停水")
    );
    assert!(t.page(HOST, "/xwzx/tzgg/", 200).await.contains("停水通知"));

    // Pinning: the reviewer may, the editor may not; pinned comes first in its column.
    let later = me
        .draft(
            notices.0,
            json!({"title": "较新的通知", "body_html": "<p>新</p>"}),
        )
        .await;
    me.submit(later).await;
    rev.act(later, json!({"action": "approve"})).await;
    let list = t.page(HOST, "/xwzx/tzgg/", 200).await;
    assert!(list.find("较新的通知").unwrap() < list.find("停水通知").unwrap());
    let plain = t.account("plain-editor", None).await;
    t.grant(plain, SiteRole::Editor, a, Some(notices)).await;
    let plain = t.login("plain-editor").await;
    let r = plain
        .post(
            &format!("/api/v1/articles/{id}/pin"),
            json!({"pinned": true}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = rev
        .post(
            &format!("/api/v1/articles/{id}/pin"),
            json!({"pinned": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let list = t.page(HOST, "/xwzx/tzgg/", 200).await;
    assert!(
        list.find("停水通知").unwrap() < list.find("较新的通知").unwrap(),
        "pinned first"
    );
    // Also in the parent column's list (kept with its ancestors' lists, issue 17).
    let parent = t.page(HOST, "/xwzx/", 200).await;
    assert!(
        parent.find("停水通知").unwrap() < parent.find("较新的通知").unwrap(),
        "pinned first in the parent's list too"
    );
    let drift = t.store.read_path_drift().await.unwrap();
    assert!(drift.is_clean(), "{drift:?}");

    // The home-page slot (首页头条): one article a site, set by a reviewer, not by an editor.
    // The home page's headline section ("" when the site shows none).
    let headline = |html: &str| match html.find(r#"class="headline""#) {
        Some(start) => html[start..].chars().take(300).collect::<String>(),
        None => String::new(),
    };
    let r = plain
        .post(
            &format!("/api/v1/articles/{later}/home-slot"),
            json!({"on": true}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = rev
        .post(
            &format!("/api/v1/articles/{later}/home-slot"),
            json!({"on": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert!(headline(&t.page(HOST, "/", 200).await).contains("较新的通知"));
    let r = rev
        .post(
            &format!("/api/v1/articles/{id}/home-slot"),
            json!({"on": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    let home = headline(&t.page(HOST, "/", 200).await);
    assert!(
        home.contains("停水通知") && !home.contains("较新的通知"),
        "replaced: {home}"
    );
    let r = rev
        .post(
            &format!("/api/v1/articles/{id}/home-slot"),
            json!({"on": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(!headline(&t.page(HOST, "/", 200).await).contains("停水通知"));
}

#[tokio::test]
async fn scheduled_publishing_is_done_by_the_job_and_survives_a_restart() {
    let Newsroom {
        t,
        column: notices,
        ed,
        rv,
        ..
    } = Newsroom::start(&format!("{JIAXIAN}/xwzx/tzgg"), "ed", "rv").await;
    let id = ed
        .draft(
            notices.0,
            json!({"title": "元旦放假通知", "body_html": "<p>放假安排</p>"}),
        )
        .await;
    ed.submit(id).await;
    let at = chrono::Utc::now() + chrono::Duration::hours(2);
    let r = rv.act(id, json!({"action": "approve", "publish_at": at, "unpublish_at": at + chrono::Duration::days(30)})).await;
    assert_eq!(r.json["status"], "scheduled", "{}", r.json);
    assert_eq!(t.get(HOST, &format!("/art/{id}.html")).await.status(), 404);

    // The schedule is in the store: a fresh store handle (another process) runs it.
    let other = zhanqun_store::Store::connect(&t.url).await.unwrap();
    assert_eq!(other.run_due(chrono::Utc::now()).await.unwrap(), (0, 0));
    assert_eq!(
        other
            .run_due(at + chrono::Duration::seconds(1))
            .await
            .unwrap(),
        (1, 0)
    );
    t.app.sync_changes().await.unwrap();
    assert_eq!(t.get(HOST, &format!("/art/{id}.html")).await.status(), 200);
    assert_eq!(
        other
            .run_due(at + chrono::Duration::days(31))
            .await
            .unwrap(),
        (0, 1)
    );
    t.app.sync_changes().await.unwrap();
    assert_eq!(t.get(HOST, &format!("/art/{id}.html")).await.status(), 410);
    let article = t.store.article(ArticleId(id)).await.unwrap().unwrap();
    assert_eq!(article.status, zhanqun_core::ArticleStatus::Withdrawn);
}

#[tokio::test]
async fn three_platform_roles_stay_apart() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let sys = t.account("sysadmin", Some(PlatformRole::SystemAdmin)).await;
    let admin = t.security_admin().await;
    // A system administrator cannot also be the audit administrator, nor hold site roles.
    let r = t
        .store
        .set_platform_role(&admin, sys, Some(PlatformRole::AuditAdmin))
        .await;
    assert!(matches!(r, Err(zhanqun_core::Error::Conflict(_))), "{r:?}");
    let r = t
        .store
        .grant(&admin, sys, SiteRole::Editor, f.site(JIAXIAN), None)
        .await;
    assert!(matches!(r, Err(zhanqun_core::Error::Conflict(_))), "{r:?}");
    // Over HTTP: 409 with the stable code.
    let sec = t.login("test-secadmin").await;
    let r = sec
        .put(
            &format!("/api/v1/accounts/{sys}/platform-role"),
            json!({"role": "security_admin"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "conflict"), "{}", r.json);
    // An editor with grants cannot be made an administrator either.
    let ed = t.account("ed", None).await;
    t.grant(ed, SiteRole::Editor, f.site(JIAXIAN), None).await;
    let r = sec
        .put(
            &format!("/api/v1/accounts/{ed}/platform-role"),
            json!({"role": "audit_admin"}),
        )
        .await;
    assert_eq!(r.status, 409);
    // The system administrator cannot grant roles.
    let sysu = t.login("sysadmin").await;
    let r = sysu
        .post(
            &format!("/api/v1/accounts/{ed}/grants"),
            json!({"role": "reviewer", "site_id": f.site(JIAXIAN).0}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
}

/// Issue 19: the workflow rules were written three times and disagreed — a reviewer who also
/// holds the signer's role saw in 待签发 the article they had reviewed, which the transition then
/// refused to let them sign. Now the queue, the buttons and the transition ask the same rules
/// (`zhanqun_core::workflow`).
#[tokio::test]
async fn a_reviewer_who_also_signs_is_not_offered_what_they_reviewed() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(JIAXIAN);
    let policy = f.column(&format!("{JIAXIAN}/zwgk/zcwj")); // needs sign-off
    let writer = t.account("zc-writer", None).await;
    let both = t.account("zc-both", None).await;
    let signer = t.account("zc-signer", None).await;
    t.grant(writer, SiteRole::Editor, a, Some(policy)).await;
    t.grant(both, SiteRole::Reviewer, a, None).await;
    t.grant(both, SiteRole::Signer, a, None).await;
    t.grant(signer, SiteRole::Signer, a, None).await;
    let w = t.login("zc-writer").await;
    let b = t.login("zc-both").await;
    let s = t.login("zc-signer").await;

    let created = w
        .post(
            &format!("/api/v1/columns/{}/articles", policy.0),
            json!({"title": "佳县关于四眼原则的通知", "body_html": "<p>正文</p>"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let id = created.json["id"].as_i64().unwrap();
    async fn step(
        u: &zhanqun_tests::User,
        id: i64,
        body: serde_json::Value,
    ) -> zhanqun_tests::Answer {
        u.post(&format!("/api/v1/articles/{id}/transitions"), body)
            .await
    }
    async fn queued(u: &zhanqun_tests::User, list: &str, id: i64) -> bool {
        u.get("/api/v1/me/work").await.json[list]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id)
    }
    assert_eq!(
        step(
            &w,
            id,
            json!({"action": "submit", "secrecy_confirmed": true})
        )
        .await
        .status,
        200
    );
    assert!(queued(&b, "to_review", id).await);
    let r = step(&b, id, json!({"action": "approve"})).await;
    assert_eq!(
        (r.status, r.json["status"].as_str()),
        (200, Some("reviewed")),
        "{}",
        r.json
    );

    // Not offered to the one who reviewed it, neither in the queue nor as a button …
    assert!(
        !queued(&b, "to_sign", id).await,
        "待签发 offers what its reader reviewed"
    );
    let (_, html) = b.page(&format!("/articles/{id}")).await;
    assert!(!html.contains("value=\"sign\""), "{html}");
    // … and refused if tried anyway; the other signer has it and signs it.
    assert_eq!(step(&b, id, json!({"action": "sign"})).await.status, 403);
    assert!(queued(&s, "to_sign", id).await);
    let r = step(&s, id, json!({"action": "sign"})).await;
    assert_eq!(
        (r.status, r.json["status"].as_str()),
        (200, Some("published")),
        "{}",
        r.json
    );
}

/// Ids, times, dates and index numbers (which carry the month) replaced, for snapshots.
fn redacted(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let hide = k == "id"
                        || k.ends_with("_id")
                        || k.ends_with("_at")
                        || k.ends_with("_by")
                        || k.ends_with("date")
                        || k == "index_number"
                        || k == "at";
                    let v = if hide && !v.is_null() {
                        Value::String(format!("[{k}]"))
                    } else {
                        redacted(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

/// The main API answers of the workflow, as snapshots: an article as the API returns it, its
/// history, and the reviewer's work list.
#[tokio::test]
async fn api_answers_snapshots() {
    // The app is kept (`_t`) while its users talk to it.
    let Newsroom {
        t: _t,
        column: notices,
        ed,
        rv,
        ..
    } = Newsroom::start(
        &format!("{JIAXIAN}/xwzx/tzgg"),
        "snap-editor",
        "snap-reviewer",
    )
    .await;
    let created = ed
        .post(
            &format!("/api/v1/columns/{}/articles", notices.0),
            json!({
                "title": "佳县关于做好元旦期间安全工作的通知",
                "summary": "元旦安全",
                "body_html": "<p>各乡镇、各部门：</p><ul><li>加强值守</li></ul>"
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let id = created.json["id"].as_i64().unwrap();
    let r = ed.submit(id).await;
    assert_eq!(r.status, 200, "{}", r.json);
    insta::assert_json_snapshot!("api_article_submitted", redacted(&r.json));
    let events = ed.get(&format!("/api/v1/articles/{id}/events")).await;
    insta::assert_json_snapshot!("api_article_events", redacted(&events.json));
    let work = rv.get("/api/v1/me/work").await;
    insta::assert_json_snapshot!("api_reviewer_work", redacted(&work.json));
}
