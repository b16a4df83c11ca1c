//! Tenant isolation: a route crawler takes every declared route of the management listener,
//! fills it with the ids of site B's resources (drafts, published articles, columns, the site,
//! its accounts and grants, reprints, submissions, media and letters from the public) and calls it with every one of site A's accounts — all refused, and
//! nothing of site B changes or shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_core::{AccountId, ArticleId, SiteRole};
use zhanqun_manage::auth::Access;
use zhanqun_tests::TestApp;

const A: &str = "6108280001";
const B: &str = "6108270001";
const B_DRAFT: &str = "米脂县尚未发布的草稿XYZ";
const B_LIVE: &str = "米脂县已发布信息QRS";
const B_LETTER: &str = "米脂县来信路灯损坏LMN";

#[tokio::test]
async fn site_a_accounts_cannot_reach_anything_of_site_b() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let (site_a, site_b) = (f.site(A), f.site(B));
    let col_a = f.column(&format!("{A}/xwzx/tzgg"));
    let col_b = f.column(&format!("{B}/xwzx/tzgg"));

    // Site B: an editor's draft and a published article.
    let (ebu, rbu) = t
        .editor_and_reviewer("mz-editor", "mz-reviewer", site_b, col_b)
        .await;
    let (eb, rb) = (AccountId(ebu.id), AccountId(rbu.id));
    let new = |title: &str| json!({"title": title, "body_html": "<p>米脂</p>"});
    // The draft is a service item: its guide is site B's as much as its title.
    let mut b_draft = new(B_DRAFT);
    b_draft["service"] = json!({"basis": B_DRAFT, "materials": [{"name": B_DRAFT}]});
    let draft = ebu
        .post(&format!("/api/v1/columns/{}/articles", col_b.0), b_draft)
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let live = ebu
        .post(
            &format!("/api/v1/columns/{}/articles", col_b.0),
            new(B_LIVE),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    ebu.submit(live).await;
    let r = rbu.act(live, json!({"action": "approve"})).await;
    assert_eq!(r.json["status"], "published");
    let b_grant = t.store.grants_of(eb).await.unwrap()[0].id;
    // Site B's reprint source, its delivery and subscription, and a submission of B's article.
    let b_source = t
        .store
        .create_source(
            None,
            &zhanqun_store::NewSource {
                name: "米脂县转载源".into(),
                kind: "manual".into(),
                url: None,
                attribution: "米脂县".into(),
                owner: site_b,
                owner_column: col_b,
                poll_seconds: None,
                extract_selector: None,
            },
        )
        .await
        .unwrap();
    t.store
        .ingest(
            None,
            b_source,
            &zhanqun_store::NewItem {
                guid: "b-1".into(),
                title: "米脂县转载信息".into(),
                summary: None,
                body_html: "<p>米脂</p>".into(),
                link: None,
                published_at: chrono::Utc::now(),
                hash: None,
            },
        )
        .await
        .unwrap();
    let b_delivery = t.store.deliveries(site_b).await.unwrap()[0].id;
    let b_sub = t.store.subscriptions(Some(b_source.0), None).await.unwrap()[0].id;
    let ebu_actor = t.actor(eb).await;
    let b_submission = t
        .store
        .submit_article(&ebu_actor, ArticleId(live), f.site("6100000003"), None)
        .await
        .unwrap();
    // Site B's upload, not yet public: previewed in B's console only.
    let b_media = "0193a0c27e1f7c4d9a536b1d3c2e8f10.png";
    let media_dir = t
        .app
        .config()
        .data_dir
        .join("media")
        .join(site_b.0.to_string());
    std::fs::create_dir_all(&media_dir).unwrap();
    std::fs::write(media_dir.join(b_media), b"\x89PNG\r\n\x1a\nsite B").unwrap();
    t.store
        .add_media(
            &ebu_actor,
            site_b,
            &zhanqun_store::NewMedia {
                storage_name: b_media.into(),
                original_name: "米脂县内部照片.png".into(),
                content_type: "image/png".into(),
                bytes: 14,
                sha256: "0".repeat(64),
            },
        )
        .await
        .unwrap();
    // A letter from the public to site B.
    let b_letter = t
        .store
        .submit_letter(
            site_b,
            &zhanqun_store::NewLetter {
                kind: Some(zhanqun_core::letters::LetterKind::Complaint),
                subject: B_LETTER.into(),
                body: "米脂县某路段路灯损坏，夜间不安全。".into(),
                public: false,
                name: "李四".into(),
                phone: Some("13987654321".into()),
                attachments: vec![zhanqun_store::NewAttachment {
                    name: "路灯.pdf".into(),
                    mime: "application/pdf".into(),
                    bytes: format!("%PDF-1.4\n{B_LETTER}\n%%EOF\n").into_bytes(),
                }],
                ..Default::default()
            },
            t.app.letters().keys(),
            &t.app.config().calendar(),
            15,
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .code;
    let b_letter_id: i64 = t
        .store
        .site_letters(
            &t.actor(rb).await,
            site_b,
            t.app.letters().keys(),
            &t.app.config().calendar(),
            chrono::Utc::now(),
        )
        .await
        .unwrap()[0]
        .id
        .0;
    // A 依申请公开 application to site B (its content carries B's letter mark for the lists).
    t.store
        .submit_info_request(
            site_b,
            &zhanqun_store::NewInfoRequest {
                applicant: Some(zhanqun_core::disclosure::Applicant::Person),
                name: "李四".into(),
                id_number: "110101199003078515".into(),
                phone: "13987654321".into(),
                content: format!("{B_LETTER}：米脂县路灯维修合同"),
                delivery: Some(zhanqun_core::disclosure::Delivery::Pickup),
                ..Default::default()
            },
            t.app.letters().keys(),
            &t.app.config().calendar(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let b_request = t
        .store
        .site_info_requests(
            &t.actor(rb).await,
            site_b,
            t.app.letters().keys(),
            &t.app.config().calendar(),
            chrono::Utc::now(),
        )
        .await
        .unwrap()[0]
        .id;
    // A published service item of site B, an online application for it, and B's service token.
    let b_item = t
        .store
        .create_article(
            site_b,
            zhanqun_store::ArticleInput {
                title: "米脂县办事事项".into(),
                published: true,
                service: Some(zhanqun_core::service::ServiceGuide {
                    basis: "依据".into(),
                    conditions: "条件".into(),
                    agency: "米脂县民政局".into(),
                    fee: "不收费".into(),
                    process: "申请".into(),
                    place: "米脂县政务服务中心".into(),
                    hours: "工作日".into(),
                    consult_phone: "0912-1234567".into(),
                    materials: vec![zhanqun_core::service::Material {
                        name: "身份证".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            },
            &[col_b],
        )
        .await
        .unwrap();
    t.store
        .submit_application(
            site_b,
            &zhanqun_store::NewApplication {
                item: b_item,
                organisation: String::new(),
                name: "李四".into(),
                id_number: "110101199003078515".into(),
                phone: "13987654321".into(),
                note: format!("{B_LETTER}：网上申请"),
                slot: None,
                form_nonce: None,
                materials: vec![zhanqun_store::NewAttachment {
                    name: "申请表.pdf".into(),
                    mime: "application/pdf".into(),
                    bytes: format!("%PDF-1.4\n{B_LETTER}\n%%EOF\n").into_bytes(),
                }],
            },
            t.app.letters().keys(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let b_application = t
        .store
        .site_applications(&t.actor(rb).await, site_b, t.app.letters().keys())
        .await
        .unwrap()[0]
        .id;
    // An appointment slot of site B's service item.
    // 10:00 Beijing time in two days: a slot from "now" plus two days crossed midnight when the
    // test ran after 23:00 Beijing time, and a slot must stay within one day.
    let in_two_days = zhanqun_core::beijing::start_of(
        zhanqun_core::beijing::day(chrono::Utc::now()) + chrono::Duration::days(2),
    ) + chrono::Duration::hours(10);
    let b_slot = t
        .store
        .open_slot(
            &t.actor(rb).await,
            b_item,
            &zhanqun_store::NewSlot {
                starts_at: in_two_days,
                ends_at: in_two_days + chrono::Duration::hours(1),
                place: "米脂县政务服务中心 1 号窗口".into(),
                capacity: 3,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let mb = t.account("mz-admin", None).await;
    t.grant(mb, SiteRole::SiteAdmin, site_b, None).await;
    let (b_token, _) = t
        .store
        .create_service_token(
            &t.actor(mb).await,
            site_b,
            "米脂县业务系统",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    // An entry of site B's 知识库.
    let b_faq = t
        .store
        .add_faq(
            &t.actor(rb).await,
            site_b,
            &zhanqun_store::NewFaq {
                question: "米脂县知识库问题".into(),
                answer: "米脂县知识库答案".into(),
                letter: None,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .0;
    // A survey of site B.
    let b_survey = t
        .store
        .create_survey(
            &t.actor(rb).await,
            site_b,
            &zhanqun_store::NewSurvey {
                document: None,
                title: "米脂县调查".into(),
                intro: String::new(),
                questions: "单选：米脂县的问题\n甲\n乙".into(),
                opens_at: chrono::Utc::now(),
                closes_at: chrono::Utc::now() + chrono::Duration::days(7),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .0;
    // An interview of site B.
    let b_interview = t
        .store
        .create_interview(
            &t.actor(rb).await,
            site_b,
            &zhanqun_store::NewInterview {
                title: "米脂县访谈".into(),
                guests: "米脂县嘉宾".into(),
                intro: String::new(),
                starts_at: chrono::Utc::now(),
                ends_at: chrono::Utc::now() + chrono::Duration::hours(2),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .0;
    // A visitor's question to it, waiting for site B's office.
    t.store
        .ask_interview(
            site_b,
            zhanqun_core::InterviewId(b_interview),
            "米脂网友",
            "米脂县的问题什么时候回答？",
            "isolation-nonce",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let b_question = t
        .store
        .interview_questions(zhanqun_core::InterviewId(b_interview), true)
        .await
        .unwrap()[0]
        .id
        .0;
    let before = (
        t.store.article(ArticleId(draft)).await.unwrap().unwrap(),
        t.store.article(ArticleId(live)).await.unwrap().unwrap(),
    );

    // Site A: every site role.
    let mut users = Vec::new();
    for (name, role, column) in [
        ("jx-admin", SiteRole::SiteAdmin, None),
        ("jx-editor", SiteRole::Editor, Some(col_a)),
        ("jx-reviewer", SiteRole::Reviewer, None),
        ("jx-signer", SiteRole::Signer, None),
    ] {
        let id = t.account(name, None).await;
        t.grant(id, role, site_a, column).await;
        users.push(t.login(name).await);
    }

    // Which of site B's ids a route with an id is tried with: the first of these parts its
    // path has (`true`: only at the start of the path).
    let b_ids: Vec<(&str, bool, Vec<i64>)> = vec![
        ("/articles/{id}", false, vec![draft, live]),
        ("/columns/{id}", false, vec![col_b.0]),
        ("/sites/{id}", false, vec![site_b.0]),
        ("/accounts/{id}", false, vec![eb.0, rb.0]),
        ("/grants/{id}", false, vec![b_grant.0]),
        ("/sources/{id}", false, vec![b_source.0]),
        ("/deliveries/{id}", false, vec![b_delivery.0]),
        ("/subscriptions/{id}", false, vec![b_sub]),
        ("/submissions/{id}", false, vec![b_submission]),
        ("/letters/{id}", false, vec![b_letter_id]),
        ("/faq/{id}", false, vec![b_faq]),
        ("/surveys/{id}", false, vec![b_survey]),
        ("/interviews/{id}", false, vec![b_interview]),
        ("/ysqgk/{id}", true, vec![b_request]),
        ("/info-requests/{id}", false, vec![b_request]),
        ("/applications/{id}", true, vec![b_application]),
        ("/api/v1/applications/{id}", true, vec![b_application]),
        ("/service-tokens/{id}", true, vec![b_token]),
        ("/slots/{id}", false, vec![b_slot]),
    ];
    let (_, specs) = zhanqun_manage::route_table(t.app.clone());
    let mut tried = 0;
    for user in &users {
        for s in &specs {
            if matches!(s.access, Access::Public | Access::Password) {
                continue;
            }
            let ids: Vec<i64> = b_ids
                .iter()
                .find(|(part, at_start, _)| {
                    if *at_start {
                        s.path.starts_with(*part)
                    } else {
                        s.path.contains(*part)
                    }
                })
                .map(|(_, _, ids)| ids.clone())
                .unwrap_or_default();
            // A new route with an id must say here which of site B's ids it is tried with.
            assert!(
                !s.path.contains("{id}") || !ids.is_empty(),
                "{} {}: no id of site B to try",
                s.method,
                s.path
            );
            let method = reqwest::Method::from_bytes(s.method.as_bytes()).unwrap();
            if !s.path.contains("{id}") {
                // Lists: whatever they answer, nothing of site B is in it.
                if s.method == "GET" {
                    let (_, body) = user.page(s.path).await;
                    assert!(
                        !body.contains(B_DRAFT)
                            && !body.contains(B_LIVE)
                            && !body.contains(B_LETTER),
                        "{} {} shows site B",
                        user.username,
                        s.path
                    );
                }
                continue;
            }
            for id in ids {
                let mut path = s
                    .path
                    .replace("{id}", &id.to_string())
                    .replace("{column}", &col_b.0.to_string())
                    .replace("{name}", b_media)
                    .replace("{n}", "1");
                if path.ends_with("/diff") {
                    path.push_str("?from=1&to=1");
                }
                let status = if s.path.ends_with("/media") && s.method == "POST" {
                    // A real upload: only the permission can refuse it.
                    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
                    let res = user.post_file(&path, "a.png", png).await;
                    res.status().as_u16()
                } else if s.path.starts_with("/api/") {
                    // A body valid for the route, so that only the permission can refuse it.
                    let body = if s.path.ends_with("/transitions") {
                        json!({"action": "withdraw", "reason": "越权"})
                    } else if s.path.ends_with("/home-slot") {
                        json!({"on": true})
                    } else if s.path.ends_with("/pin") {
                        json!({"pinned": true})
                    } else if s.path.ends_with("/grants") {
                        json!({"role": "editor", "site_id": site_a.0})
                    } else if s.path.ends_with("/platform-role") {
                        json!({"role": "audit_admin"})
                    } else if s.path.ends_with("/articles")
                        || s.path.ends_with("/articles/{id}")
                        || s.path.ends_with("/items")
                    {
                        json!({"title": "被篡改", "body_html": "<p>x</p>"})
                    } else if s.path.ends_with("/submissions") {
                        json!({"to": A})
                    } else if s.path.ends_with("/adopt") {
                        json!({"column": "xwzx/tzgg"})
                    } else if s.path.ends_with("/decline") {
                        json!({"reason": "越权"})
                    } else if s.path.ends_with("/backfill") {
                        json!({"days": 7})
                    } else if s.path.ends_with("/letters/{id}/steps") {
                        json!({"step": "mark_invalid", "note": "越权"})
                    } else if s.path.ends_with("/info-requests/{id}/steps") {
                        json!({"step": "accept"})
                    } else if s.path.ends_with("/info-requests/reviews") {
                        json!({"review": [9, 0, 0, 0], "direct_suit": [0, 0, 0, 0], "suit_after_review": [0, 0, 0, 0]})
                    } else if s.path.ends_with("/moves") {
                        json!({"state": "accepted"})
                    } else if s.path.ends_with("/slots") {
                        let at = chrono::Utc::now() + chrono::Duration::days(2);
                        json!({"starts_at": at, "ends_at": at + chrono::Duration::hours(1), "place": "越权开放的窗口", "capacity": 5})
                    } else if s.path.ends_with("/moderation") {
                        json!({"question": b_question, "action": "publish", "answer": "越权发布的回答"})
                    } else if s.path.ends_with("/faq") {
                        json!({"question": "越权加入的问题", "answer": "越权加入的答案"})
                    } else {
                        json!({})
                    };
                    let r = user.send(method.clone(), &path, Some(body)).await;
                    assert!(!r.json.to_string().contains(B_DRAFT), "{path} leaks");
                    r.status
                } else if s.method == "POST" {
                    // Fields valid for the form, so that only the permission can refuse it.
                    let (col_a_id, site_a_id, sub) =
                        (col_a.0.to_string(), site_a.0.to_string(), b_sub.to_string());
                    let source = b_source.to_string();
                    let fields: Vec<(&str, &str)> = if s.path.ends_with("/adopt") {
                        vec![("column", &col_a_id)]
                    } else if s.path.ends_with("/subscriptions") {
                        vec![
                            ("source", &source),
                            ("column", "xwzx/tzgg"),
                            ("mode", "publish"),
                        ]
                    } else if s.path.ends_with("/backfill") {
                        vec![("subscription", &sub), ("days", "7")]
                    } else if s.path.ends_with("/submit-to") {
                        vec![("to", &site_a_id), ("note", "越权")]
                    } else if s.path.ends_with("/step") {
                        vec![("step", "mark_invalid"), ("note", "越权")]
                    } else if s.path.ends_with("/faq") {
                        vec![("question", "越权加入的问题"), ("answer", "越权加入的答案")]
                    } else if s.path.ends_with("/capacity") {
                        vec![("capacity", "9")]
                    } else {
                        vec![
                            ("title", "被篡改"),
                            ("body_html", "<p>x</p>"),
                            ("action", "withdraw"),
                            ("reason", "越权"),
                            ("secrecy_confirmed", "1"),
                        ]
                    };
                    user.form(&path, &fields).await.0
                } else {
                    let (status, body) = user.page(&path).await;
                    assert!(
                        !body.contains(B_DRAFT) && !body.contains(B_LETTER),
                        "{path} leaks"
                    );
                    status
                };
                assert!(
                    matches!(status, 403 | 404),
                    "{} {} {path} answered {status}",
                    user.username,
                    s.method
                );
                tried += 1;
            }
        }
    }
    assert!(tried >= 100, "{tried} requests");
    eprintln!("isolation: {tried} requests with site B's ids, all refused");

    // Site B is as it was, and its audit shows the refusals.
    let after = (
        t.store.article(ArticleId(draft)).await.unwrap().unwrap(),
        t.store.article(ArticleId(live)).await.unwrap().unwrap(),
    );
    assert_eq!(before, after);
    let (faqs, _) = t
        .store
        .faqs(site_b, None, zhanqun_core::Page::FIRST)
        .await
        .unwrap();
    assert_eq!(faqs.len(), 1, "site B's 知识库 untouched");
    let questions = t
        .store
        .interview_questions(zhanqun_core::InterviewId(b_interview), true)
        .await
        .unwrap();
    assert_eq!(
        (questions.len(), questions[0].state.as_str()),
        (1, "pending"),
        "site B's interview question untouched"
    );
    let (_, _, b_slots) = t
        .store
        .office_slots(&t.actor(rb).await, b_item, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        b_slots
            .iter()
            .map(|s| (s.id, s.capacity))
            .collect::<Vec<_>>(),
        vec![(b_slot, 3)],
        "site B's slot untouched"
    );
    let letter = t.store.letter_status(site_b, &b_letter).await.unwrap();
    assert_eq!(letter.state.label(), "待分办", "site B's letter untouched");
    assert_eq!(t.store.grants_of(eb).await.unwrap().len(), 1);
    assert_eq!(t.store.deliveries(site_b).await.unwrap().len(), 1);
    assert_eq!(
        t.store
            .subscriptions(None, Some(site_b))
            .await
            .unwrap()
            .len(),
        1
    );
    let dept = t.store.sources().await.unwrap();
    assert_eq!(
        (dept.len(), dept[0].items),
        (1, 1),
        "no item entered into B's source"
    );
    assert!(!t.store.account(eb).await.unwrap().unwrap().disabled);

    // The public side: site A's host does not show site B's articles.
    assert_eq!(
        t.get("www.jiaxian.gov.cn", &format!("/art/{live}.html"))
            .await
            .status(),
        404
    );
    assert_eq!(
        t.get("www.mizhi.gov.cn", &format!("/art/{live}.html"))
            .await
            .status(),
        200
    );
    assert_eq!(
        t.get("www.mizhi.gov.cn", &format!("/art/{draft}.html"))
            .await
            .status(),
        404
    );
    // Nor lists B's service items (a draft on B's own host neither).
    for host in ["www.jiaxian.gov.cn", "www.mizhi.gov.cn"] {
        let list = t.page(host, "/banshi/", 200).await;
        assert!(
            !list.contains(B_DRAFT),
            "{host} lists B's draft service item"
        );
    }
}

/// The site list of the API is paged (a province has thousands of sites) and still shows an
/// account only the sites it holds a role on.
#[tokio::test]
async fn the_site_list_is_paged_and_shows_only_ones_own_sites() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let (admin, auditor) = t.admin_and_auditor("a-admin", f.site(A)).await;

    let all = auditor.get("/api/v1/sites").await;
    assert_eq!(all.status, 200, "{}", all.json);
    let total = all.json["total"].as_u64().unwrap();
    assert!(total >= 2, "{}", all.json);
    assert_eq!(all.json["sites"].as_array().unwrap().len() as u64, total);
    assert_eq!(
        (all.json["page"].as_u64(), all.json["last"].as_u64()),
        (Some(1), Some(1))
    );

    let mine = admin.get("/api/v1/sites?page=1").await;
    assert_eq!(mine.json["total"], 1, "{}", mine.json);
    assert_eq!(mine.json["sites"][0]["code"], A);

    let past = auditor.get("/api/v1/sites?page=2").await;
    assert_eq!(
        (past.status, past.code()),
        (404, "not_found"),
        "{}",
        past.json
    );
    for bad in ["0", "abc", "-1"] {
        let r = auditor.get(&format!("/api/v1/sites?page={bad}")).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_input"),
            "{bad}: {}",
            r.json
        );
    }
    let unknown = auditor.get("/api/v1/sites?size=5000").await;
    assert_eq!(unknown.status, 400, "{}", unknown.json);
}
