//! What a site takes from the public, as its tenants file says under `[letters]`, over HTTP on
//! SQLite and PostgreSQL: 佳县's 领导信箱 is written to one of its listed leaders, whom the writer,
//! the office's console and the API see; a leader not listed is refused with a message. A site
//! whose file takes only 找错 reports offers only that, refuses a complaint, and fails 互动回应差
//! for want of a 咨询建言 channel until its file gives one back (plan shows the change).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhanqun_core::SiteRole;
use zhanqun_core::checks::{Indicator, Thresholds};
use zhanqun_tests::letters::{between, consultation, fill_time, open_form, post, send};
use zhanqun_tests::{TestApp, parse};

const A: &str = "6108280001";
const B: &str = "6108270001";
const HOST_A: &str = "www.jiaxian.gov.cn";
const HOST_B: &str = "www.mizhi.gov.cn";

fn mailbox(to: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut f: Vec<(&str, &str)> = consultation()
        .into_iter()
        .map(|(k, v)| match k {
            "kind" => (k, "mailbox"),
            "subject" => (k, "建议增开佳县至榆林早班车"),
            _ => (k, v),
        })
        .collect();
    f.push(("to", to));
    f
}

/// The fixture's tenants files with `[letters]` of 米脂 set to `letters`, parsed.
fn parse_with_mizhi_letters(
    letters: &str,
) -> Result<Vec<zhanqun_store::SiteInput>, Vec<zhanqun_sites::SpecError>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenants");
    let files: Vec<(String, String)> = ["6100000003", A, B]
        .iter()
        .map(|code| {
            let path = format!("{code}.toml");
            let mut text = std::fs::read_to_string(dir.join(&path)).unwrap();
            if *code == B {
                text.push_str(&format!("\n[letters]\n{letters}\n"));
            }
            (path, text)
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    parse(&refs)
}

fn with_mizhi_letters(letters: &str) -> Vec<zhanqun_store::SiteInput> {
    parse_with_mizhi_letters(letters).unwrap_or_else(|e| panic!("{e:?}"))
}

#[tokio::test]
async fn a_mailbox_letter_goes_to_a_listed_leader_and_a_site_takes_only_its_kinds() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let (a, b) = (f.site(A), f.site(B));

    // The form offers 佳县's leaders; a letter to one of them says so to everyone who reads it.
    let page = t.page(HOST_A, "/hudong/xiexin?kind=mailbox", 200).await;
    assert!(
        page.contains("<select id=\"to\" name=\"to\">")
            && page.contains("<option value=\"县长 王建国\">县长 王建国</option>"),
        "{page}"
    );
    let form = open_form(&t, HOST_A).await;
    fill_time().await;
    let (s, html) = send(&t, HOST_A, &form, &mailbox("县委书记 张三")).await;
    assert_eq!(s, 400);
    assert!(html.contains("请从列表中选择收信的领导"), "{html}");
    let (s, html) = send(&t, HOST_A, &form, &mailbox("县长 王建国")).await;
    assert_eq!(s, 200, "{html}");
    let code = between(&html, "class=\"code\">", "<").expect("a query code");
    let (s, html) = post(&t, HOST_A, "/hudong/chaxun", &[("code", &code)]).await;
    assert_eq!(s, 200);
    assert!(html.contains("领导信箱（写给县长 王建国）"), "{html}");

    let [o] = t.staff([("jx-office", SiteRole::Reviewer, a)]).await;
    let (_, list) = o.page(&format!("/sites/{}/letters", a.0)).await;
    let id = between(&list, "<a href=\"/letters/", "\"").expect("a letter link");
    let (s, case) = o.page(&format!("/letters/{id}")).await;
    assert_eq!(s, 200);
    assert!(case.contains("写给县长 王建国"), "{case}");
    let api = o.get(&format!("/api/v1/letters/{id}")).await;
    assert_eq!(api.json["addressee"], "县长 王建国", "{}", api.json);

    // Any other kind is for the office: a leader sent with it is not kept.
    let form = open_form(&t, HOST_A).await;
    fill_time().await;
    let mut c = consultation();
    c.push(("to", "县长 王建国"));
    let (s, html) = send(&t, HOST_A, &form, &c).await;
    assert_eq!(s, 200, "{html}");
    let code = between(&html, "class=\"code\">", "<").unwrap();
    let (_, html) = post(&t, HOST_A, "/hudong/chaxun", &[("code", &code)]).await;
    assert!(html.contains("<td>咨询</td>"), "{html}");

    // 米脂 takes only 找错 reports: plan says so, the form offers nothing else, a complaint is
    // refused, and the site fails 互动回应差.
    let th = Thresholds::default();
    let deadlines = t.app.config().deadlines();
    let fails = |checks: &[zhanqun_store::SiteCheck]| {
        checks[0]
            .findings
            .iter()
            .any(|x| x.indicator == Indicator::InteractionPoor && x.veto)
    };
    let now = chrono::Utc::now();
    let before = t
        .store
        .site_checks(Some(b), now, &th, &deadlines)
        .await
        .unwrap();
    assert!(!fails(&before), "{:?}", before[0].findings);

    let errors_only = with_mizhi_letters("kinds = [\"site_error\"]");
    let plan = zhanqun_sites::plan(&t.store, &errors_only).await.unwrap();
    assert!(
        plan.to_string()
            .contains("letters.kinds: “mailbox, consultation, complaint, suggestion, site_error” → “site_error”"),
        "{plan}"
    );
    zhanqun_sites::apply(&t.store, &errors_only).await.unwrap();
    let page = t.page(HOST_B, "/hudong/xiexin", 200).await;
    assert!(page.contains("我为政府网站找错") && !page.contains("value=\"complaint\""));
    assert!(!page.contains("name=\"to\""), "米脂 lists no leader");
    // No page of the site sends a visitor to a kind it does not take.
    let faq = t.page(HOST_B, "/hudong/zhishiku/", 200).await;
    assert!(!faq.contains("kind=consultation"), "{faq}");
    let faq_a = t.page(HOST_A, "/hudong/zhishiku/", 200).await;
    assert!(
        faq_a.contains("kind=consultation"),
        "佳县 takes consultations"
    );
    let form = open_form(&t, HOST_B).await;
    fill_time().await;
    let complaint: Vec<(&str, &str)> = consultation()
        .into_iter()
        .map(|(k, v)| {
            if k == "kind" {
                (k, "complaint")
            } else {
                (k, v)
            }
        })
        .collect();
    let (s, html) = send(&t, HOST_B, &form, &complaint).await;
    assert_eq!(s, 400);
    assert!(html.contains("本网站不受理“投诉”"), "{html}");
    let after = t
        .store
        .site_checks(Some(b), now, &th, &deadlines)
        .await
        .unwrap();
    assert!(fails(&after), "{:?}", after[0].findings);
    assert!(
        after[0]
            .findings
            .iter()
            .any(|x| x.message.contains("未提供咨询、建议等互动渠道"))
    );

    // A site that takes no letter says so instead of an empty form.
    zhanqun_sites::apply(&t.store, &with_mizhi_letters("kinds = []"))
        .await
        .unwrap();
    let page = t.page(HOST_B, "/hudong/xiexin", 200).await;
    assert!(
        page.contains("本网站暂不受理网上留言") && !page.contains("提交留言"),
        "{page}"
    );

    // A bad file is refused with the field named.
    for (bad, why) in [
        ("kinds = [\"letter\"]", "请选择留言类型"),
        ("leaders = [\"县长 王建国\", \"县长 王建国\"]", "列了两次"),
        ("leader = [\"县长\"]", "leader"),
    ] {
        let e = parse_with_mizhi_letters(bad).unwrap_err();
        assert!(
            e.iter()
                .any(|e| e.path == "6108270001.toml" && e.to_string().contains(why)),
            "{bad}: {e:?}"
        );
    }
    zhanqun_sites::apply(
        &t.store,
        &with_mizhi_letters("kinds = [\"consultation\", \"site_error\"]"),
    )
    .await
    .unwrap();
    let back = t
        .store
        .site_checks(Some(b), now, &th, &deadlines)
        .await
        .unwrap();
    assert!(!fails(&back), "{:?}", back[0].findings);
}
