//! Letters from the public, on SQLite and PostgreSQL: what a writer may send (and what they are
//! told to fix), the 查询码 they follow it with, personal data masked in the office's list and
//! opened only for the office of the letter's site, each full view in the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::letters::{LetterKind, QueryCode};
use zhanqun_core::pii::Keyring;
use zhanqun_core::timeliness::WorkCalendar;
use zhanqun_core::{AccountId, PlatformRole, SiteRole};
use zhanqun_store::{Actor, NewLetter};
use zhanqun_tests::TestApp;

const A: &str = "6108280001";
const B: &str = "6108270001";

async fn actor(t: &TestApp, account: AccountId) -> Actor {
    Actor {
        principal: t
            .store
            .principal(t.store.account(account).await.unwrap().unwrap())
            .await
            .unwrap(),
        client: Some("test".into()),
        request_id: None,
    }
}

fn letter() -> NewLetter {
    NewLetter {
        kind: Some(LetterKind::Consultation),
        to: None,
        subject: "咨询新生儿医保办理".into(),
        body: "请问新生儿医保在哪里办理，需要带哪些材料？".into(),
        public: true,
        name: "张三".into(),
        phone: Some("138 1234 5678".into()),
        email: None,
        id_number: Some("11010519491231002x".into()),
        address: Some("佳县佳芦镇".into()),
        form_nonce: None,
        attachments: Vec::new(),
    }
}

#[tokio::test]
async fn a_letter_is_received_followed_and_read_only_by_its_office() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let (a, b) = (f.site(A), f.site(B));
    let keys = Keyring::parse(&Keyring::new_key_line("k1")).unwrap();
    let cal = WorkCalendar::default();
    let now = zhanqun_store::now();

    // What the writer is told to fix; nothing is stored.
    for (bad, why) in [
        (
            NewLetter {
                phone: None,
                ..letter()
            },
            "手机号码或电子邮箱",
        ),
        (
            NewLetter {
                phone: Some("12345".into()),
                ..letter()
            },
            "电话号码",
        ),
        (
            NewLetter {
                body: "你好".into(),
                ..letter()
            },
            "至少 5 个字",
        ),
        (
            NewLetter {
                subject: " ".into(),
                ..letter()
            },
            "请填写标题",
        ),
        (
            NewLetter {
                kind: None,
                ..letter()
            },
            "留言类型",
        ),
        (
            NewLetter {
                id_number: Some("110105194912310021".into()),
                ..letter()
            },
            "校验位",
        ),
        (
            NewLetter {
                name: "张\u{0}三".into(),
                ..letter()
            },
            "控制字符",
        ),
    ] {
        let e = t
            .store
            .submit_letter(a, &bad, &keys, &cal, 5, now)
            .await
            .unwrap_err();
        assert!(e.to_string().contains(why), "{why}: {e}");
    }

    let code = t
        .store
        .submit_letter(a, &letter(), &keys, &cal, 5, now)
        .await
        .unwrap()
        .code;
    // The writer follows it with the code, typed any way; it shows nothing of their data.
    let typed = QueryCode::parse(&code.display().to_lowercase()).unwrap();
    let status = t.store.letter_status(a, &typed).await.unwrap();
    assert_eq!(status.subject, "咨询新生儿医保办理");
    assert_eq!(status.state.label(), "待分办");
    assert!(status.due_at > now);
    let shown = serde_json::to_string(&status).unwrap();
    for private in ["张三", "13812345678", "11010519491231002X", "佳芦镇"] {
        assert!(!shown.contains(private), "{private} in {shown}");
    }
    // Not on another site, not with another code.
    assert!(t.store.letter_status(b, &code).await.is_err());
    let other = QueryCode::from_random([1; 11]);
    let e = t.store.letter_status(a, &other).await.unwrap_err();
    assert!(e.to_string().contains("查询码"), "{e}");

    // The office of site A, another site's administrator, the province auditor.
    let office = t.account("a-office", None).await;
    t.grant(office, SiteRole::Reviewer, a, None).await;
    let other_admin = t.account("b-admin", None).await;
    t.grant(other_admin, SiteRole::SiteAdmin, b, None).await;
    let auditor = t
        .account("sx-auditor", Some(PlatformRole::ProvinceAuditor))
        .await;
    let (office, other_admin, auditor) = (
        actor(&t, office).await,
        actor(&t, other_admin).await,
        actor(&t, auditor).await,
    );

    let list = t
        .store
        .site_letters(&office, a, &keys, &cal, now)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "张*");
    assert_eq!(list[0].phone.as_deref(), Some("138****5678"));
    assert_eq!(list[0].standing.map(|s| s.label()), Some("期限内"));
    let masked = t
        .store
        .site_letters(&auditor, a, &keys, &cal, now)
        .await
        .unwrap();
    assert_eq!(masked[0].name, "张*");
    assert!(
        t.store
            .site_letters(&other_admin, a, &keys, &cal, now)
            .await
            .is_err()
    );

    let full = t
        .store
        .letter_in_full(&office, list[0].id, &keys)
        .await
        .unwrap();
    assert_eq!(full.name, "张三");
    assert_eq!(full.phone.as_deref(), Some("13812345678"));
    assert_eq!(full.id_number.as_deref(), Some("11010519491231002X"));
    assert_eq!(full.address.as_deref(), Some("佳县佳芦镇"));
    // Another site's administrator: not there at all; the auditor: refused.
    let e = t
        .store
        .letter_in_full(&other_admin, list[0].id, &keys)
        .await
        .unwrap_err();
    assert_eq!(e.code().as_str(), "not_found");
    let e = t
        .store
        .letter_in_full(&auditor, list[0].id, &keys)
        .await
        .unwrap_err();
    assert_eq!(e.code().as_str(), "forbidden");
    // With another key file the sealed data does not open.
    let wrong = Keyring::parse(&Keyring::new_key_line("k1")).unwrap();
    assert!(
        t.store
            .letter_in_full(&office, list[0].id, &wrong)
            .await
            .is_err()
    );

    // Every full view, and every refusal, is audited; no personal data is in the log.
    let log = t.store.audit_records(50, 0).await.unwrap();
    let views: Vec<_> = log
        .iter()
        .filter(|r| r.action == "letter.view_personal")
        .collect();
    assert_eq!(views.len(), 4, "{views:?}");
    assert_eq!(
        views.iter().filter(|r| r.outcome == "success").count(),
        2,
        "{views:?}"
    );
    let text = format!("{log:?}");
    for private in ["张三", "13812345678", "11010519491231002X"] {
        assert!(!text.contains(private), "{private} in the audit log");
    }
    assert!(log.iter().any(|r| r.action == "letter.receive"));
}

#[tokio::test]
async fn a_new_key_reseals_old_letters_and_a_lost_key_file_stops_the_server() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(A);
    let old_line = Keyring::new_key_line("k1");
    let old = Keyring::parse(&old_line).unwrap();
    let cal = WorkCalendar::default();
    let now = zhanqun_store::now();
    for _ in 0..2 {
        t.store
            .submit_letter(a, &letter(), &old, &cal, 5, now)
            .await
            .unwrap();
    }
    // One with a file: the file is re-sealed too.
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    t.store
        .submit_letter(
            a,
            &NewLetter {
                attachments: vec![zhanqun_store::NewAttachment {
                    name: "现场情况.pdf".into(),
                    mime: "application/pdf".into(),
                    bytes: pdf.clone(),
                }],
                ..letter()
            },
            &old,
            &cal,
            5,
            now,
        )
        .await
        .unwrap();
    // The new key on top, the old one below: everything opens, three letters and one file are
    // re-sealed.
    let both = Keyring::parse(&format!("{}\n{old_line}", Keyring::new_key_line("k2"))).unwrap();
    assert_eq!(t.store.reseal_letters(&both, i64::MAX).await.unwrap(), 4);
    assert_eq!(t.store.reseal_letters(&both, i64::MAX).await.unwrap(), 0);
    // Without the old key now.
    let office = t.account("a-office", None).await;
    t.grant(office, SiteRole::Reviewer, a, None).await;
    let office = actor(&t, office).await;
    let list = t
        .store
        .site_letters(&office, a, &both, &cal, now)
        .await
        .unwrap();
    for l in &list {
        let full = t.store.letter_in_full(&office, l.id, &both).await.unwrap();
        assert_eq!(full.name, "张三");
    }
    let with_file = list.iter().map(|l| l.id).max().unwrap();
    let file = t
        .store
        .letter_attachment(&office, with_file, 1, &both)
        .await
        .unwrap();
    assert_eq!((file.name.as_str(), file.bytes), ("现场情况.pdf", pdf));
    assert!(
        t.store
            .letter_attachment(&office, with_file, 1, &old)
            .await
            .is_err()
    );
    // The old key alone no longer opens them.
    assert!(
        t.store
            .letter_in_full(&office, list[0].id, &old)
            .await
            .is_err()
    );

    // A server whose key file is gone while letters exist does not start, and says why.
    let dir = t.app.config().data_dir.clone();
    let url = t.url.clone();
    let store = zhanqun_store::Store::connect(&url).await.unwrap();
    let mut config = t.app.config().clone();
    config.data_dir = dir.join("elsewhere");
    config.letters.key_file = std::path::PathBuf::new();
    let e = zhanqun_web::App::new(config, store).await.unwrap_err();
    assert!(e.to_string().contains("密钥文件"), "{e}");
    assert!(e.to_string().contains("3 封留言"), "{e}");
}

#[tokio::test]
async fn three_months_unanswered_fail_the_site_until_a_year_after_the_answer() {
    use zhanqun_core::checks::{Indicator, Thresholds};
    use zhanqun_core::letter_flow::LetterStep;
    use zhanqun_store::StepInput;

    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(A);
    let keys = Keyring::parse(&Keyring::new_key_line("k1")).unwrap();
    let cal = WorkCalendar::default();
    let t0 = zhanqun_store::now();
    let days = |n: i64| t0 + chrono::Duration::days(n);
    let th = Thresholds::default();
    let deadlines = t.app.config().deadlines();
    let poor = |checks: &[zhanqun_store::SiteCheck]| {
        checks[0]
            .findings
            .iter()
            .any(|f| f.indicator == Indicator::InteractionPoor && f.veto)
    };
    // A 找错 report and an invalid letter never count; the consultation does.
    let consultation = t
        .store
        .submit_letter(a, &letter(), &keys, &cal, 5, t0)
        .await
        .unwrap();
    t.store
        .submit_letter(
            a,
            &NewLetter {
                kind: Some(LetterKind::SiteError),
                ..letter()
            },
            &keys,
            &cal,
            3,
            t0,
        )
        .await
        .unwrap();
    let at = |n: i64| {
        let t = &t;
        let (th, deadlines) = (&th, &deadlines);
        async move {
            t.store
                .site_checks(Some(a), days(n), th, deadlines)
                .await
                .unwrap()
        }
    };
    assert!(!poor(&at(60).await), "two months: not yet");
    let four = at(120).await;
    assert!(poor(&four), "four months unanswered: 互动回应差");
    assert!(four[0].fails);
    let message = four[0]
        .findings
        .iter()
        .find(|f| f.indicator == Indicator::InteractionPoor)
        .unwrap()
        .message
        .clone();
    assert!(
        message.contains("1 件公众留言超过三个月未答复"),
        "{message}"
    );

    // Answered at four months: it still counts for a year after the answer, then not.
    let office = t.account("a-office", None).await;
    t.grant(office, SiteRole::Reviewer, a, None).await;
    let office2 = t.account("a-admin", None).await;
    t.grant(office2, SiteRole::SiteAdmin, a, None).await;
    let (office, office2) = (actor(&t, office).await, actor(&t, office2).await);
    let id = t
        .store
        .site_letters(&office, a, &keys, &cal, t0)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.kind == LetterKind::Consultation)
        .unwrap()
        .id;
    let step = |s: LetterStep| StepInput {
        step: Some(s),
        reply: Some("您好，新生儿医保在政务服务中心办理。".into()),
        ..Default::default()
    };
    for (who, s) in [
        (&office, LetterStep::Assign),
        (&office, LetterStep::Draft),
        (&office2, LetterStep::Approve),
    ] {
        t.store
            .letter_step(who, id, &step(s), &cal, days(120))
            .await
            .unwrap();
    }
    assert!(
        poor(&at(150).await),
        "answered late: counts for the year after"
    );
    assert!(
        !poor(&at(120 + 370).await),
        "a year after the late answer: no longer"
    );
    let status = t.store.letter_status(a, &consultation.code).await.unwrap();
    assert_eq!(status.state.label(), "已答复");

    // The annual report of that year counts it.
    let year = zhanqun_core::beijing::year(days(120));
    let report = t.store.annual_report(a, year, &deadlines).await.unwrap();
    assert_eq!(report.count("办结留言数量（条）"), Some(1));
    assert_eq!(report.count("公开答复数量（条）"), Some(1));
}

#[tokio::test]
async fn a_deadline_counts_working_days_across_a_holiday_and_warns_the_day_before() {
    use zhanqun_core::letter_flow::{LetterStep, Standing};
    use zhanqun_store::StepInput;
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(A);
    let keys = Keyring::parse(&Keyring::new_key_line("k1")).unwrap();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // National Day 2026: 10-01 to 10-07 off (the weekend inside it too), Saturday 10-10 worked.
    let cal = WorkCalendar::new(
        [
            "2026-10-01",
            "2026-10-02",
            "2026-10-05",
            "2026-10-06",
            "2026-10-07",
        ]
        .map(day),
        ["2026-10-10"].map(day),
    );
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    // Received on Wednesday 09-30 with 3 working days: 10-08, 10-09 and the make-up 10-10.
    let received = at("2026-09-30T16:00:00+08:00");
    t.store
        .submit_letter(a, &letter(), &keys, &cal, 3, received)
        .await
        .unwrap();
    let office = t.account("a-office", None).await;
    t.grant(office, SiteRole::Reviewer, a, None).await;
    let office = actor(&t, office).await;
    let standing = |now: &'static str| {
        let (t, office, keys, cal) = (&t, &office, &keys, &cal);
        async move {
            let l = t
                .store
                .site_letters(office, a, keys, cal, at(now))
                .await
                .unwrap();
            (l[0].due_at, l[0].standing)
        }
    };
    let (due, s) = standing("2026-10-03T10:00:00+08:00").await;
    assert_eq!(
        due,
        at("2026-10-10T23:59:59+08:00"),
        "due on the make-up Saturday"
    );
    assert_eq!(s, Some(Standing::InTime), "during the holiday");
    assert_eq!(
        standing("2026-10-08T10:00:00+08:00").await.1,
        Some(Standing::InTime)
    );
    assert_eq!(
        standing("2026-10-09T10:00:00+08:00").await.1,
        Some(Standing::DueSoon),
        "the warning: due by the end of the next working day"
    );
    assert_eq!(
        standing("2026-10-11T08:00:00+08:00").await.1,
        Some(Standing::Overdue)
    );

    // Answered on the make-up Saturday: in time, three working days (and ten calendar days) in
    // the statistics, counted as the deadline is.
    let office2 = t.account("a-admin", None).await;
    t.grant(office2, SiteRole::SiteAdmin, a, None).await;
    let office2 = actor(&t, office2).await;
    let id = t
        .store
        .site_letters(&office, a, &keys, &cal, received)
        .await
        .unwrap()[0]
        .id;
    let answered = at("2026-10-10T16:00:00+08:00");
    for (who, s) in [
        (&office, LetterStep::Assign),
        (&office, LetterStep::Draft),
        (&office2, LetterStep::Approve),
    ] {
        let input = StepInput {
            step: Some(s),
            reply: Some("您好，已办理。".into()),
            ..Default::default()
        };
        t.store
            .letter_step(who, id, &input, &cal, answered)
            .await
            .unwrap();
    }
    let stats = t
        .store
        .letter_stats(
            Some(&[a]),
            false,
            &cal,
            at("2026-01-01T00:00:00+08:00"),
            at("2027-01-01T00:00:00+08:00"),
            answered,
        )
        .await
        .unwrap();
    assert_eq!((stats[0].answered, stats[0].on_time), (1, 1), "{stats:?}");
    assert_eq!(stats[0].mean_working_days, Some(3.0));
    assert_eq!(stats[0].mean_days, Some(10.0));
}

#[tokio::test]
async fn the_metrics_count_open_letters_by_standing() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(A);
    let (keys, cal) = (t.app.letters().keys(), t.app.config().calendar());
    let now = zhanqun_store::now();
    for days_ago in [1, 30, 120] {
        t.store
            .submit_letter(
                a,
                &letter(),
                keys,
                &cal,
                5,
                now - chrono::Duration::days(days_ago),
            )
            .await
            .unwrap();
    }
    // What the jobs node runs every minute, run now (not waited for).
    t.app.report_letters().await.unwrap();
    let seen = (
        t.metric("zhanqun_letters_open{standing=\"in_time\"}").await,
        t.metric("zhanqun_letters_open{standing=\"overdue\"}").await,
        t.metric("zhanqun_letters_open{standing=\"veto\"}").await,
    );
    assert_eq!(
        seen,
        (1.0, 1.0, 1.0),
        "one in time, one overdue, one past three months"
    );
}
