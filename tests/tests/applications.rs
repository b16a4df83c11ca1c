//! 在线办理 over HTTP, on SQLite and PostgreSQL: a citizen applies online for a published service
//! item (bad input said, nothing lost), gets a 受理编号 and a 查询码; the business unit accepts it
//! in the console; the department's business system pushes the result with its site's service
//! token; the applicant sees it with the 受理编号 (状态查询) and everyone in 结果公示, without
//! personal data. Another site's token, a revoked token and no token are refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_core::AccountId;
use zhanqun_tests::TestApp;
use zhanqun_tests::letters::{between, fill_time, open_form_at, post, post_files};
use zhanqun_tests::services::{ServiceOffice, status_query};

const A: &str = "6108280001";
const HOST: &str = "www.jiaxian.gov.cn";

/// Pushes a status with a bearer token: status and JSON.
async fn push(
    t: &TestApp,
    token: &str,
    receipt: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res = t
        .client
        .post(format!(
            "http://{}/api/v1/service-applications/{receipt}/status",
            t.manage
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

#[tokio::test]
async fn an_online_application_is_accepted_in_the_console_and_finished_by_a_business_system() {
    let ServiceOffice {
        t,
        a,
        b,
        ad,
        rv: _,
        mz,
        item,
    } = ServiceOffice::start().await;

    // The item page offers the application; a draft or another site's item does not exist here.
    let page = t.page(HOST, &format!("/art/{item}.html"), 200).await;
    assert!(page.contains(&format!("/banshi/shenqing/{item}")), "{page}");
    t.page(HOST, "/banshi/shenqing/999999", 404).await;

    let path = format!("/banshi/shenqing/{item}");
    let form = open_form_at(&t, HOST, &path).await;
    fill_time().await;
    let mut fields = vec![
        ("name", "王小明"),
        ("id_number", "110101199003078514"),
        ("phone", "13812345678"),
        ("note", "申请预约12月10日上午办理结婚登记。"),
        ("ticket", form.ticket.as_str()),
        ("answer", form.answer.as_str()),
    ];
    let (s, page) = post(&t, HOST, &path, &fields).await;
    assert_eq!(s, 400, "{page}");
    assert!(page.contains("身份证号"), "{page}");
    assert!(page.contains("申请预约12月10日上午办理结婚登记"), "kept");
    fields[1] = ("id_number", "110101199003078515");
    // 申请材料 go with it: a scanned form (PDF) and a photo.
    let pdf = b"%PDF-1.4\n1 0 obj << /Title (CAILIAO-7731) >> endobj\n%%EOF\n".to_vec();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    let (s, page) = post_files(
        &t,
        HOST,
        &path,
        &fields,
        "materials",
        &[("结婚登记申请表.pdf", pdf.clone()), ("合影.png", png)],
    )
    .await;
    assert_eq!(s, 200, "{page}");
    let receipt = between(&page, "受理编号：<strong class=\"code\">", "<").unwrap();
    let code = between(&page, "查询码：<strong class=\"code\">", "<").unwrap();
    assert!(receipt.starts_with(&format!("{A}-")), "{receipt}");

    // The back office accepts it in the console (the applicant masked there).
    let (s, list) = ad.page(&format!("/sites/{}/applications", a.0)).await;
    assert_eq!(s, 200);
    assert!(
        list.contains(&receipt) && list.contains("王*") && !list.contains("王小明"),
        "{list}"
    );
    let app_id = between(&list, "action=\"/applications/", "/move").unwrap();
    assert!(
        list.contains("材料1（PDF，1 KB）") && list.contains("材料2（图片，1 KB）"),
        "{list}"
    );
    let res = ad
        .client
        .get(format!("{}/applications/{app_id}/materials/1", ad.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
    let other = mz
        .client
        .get(format!("{}/applications/{app_id}/materials/1", mz.base))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 404, "another site's administrator");
    let opened: Vec<_> = t
        .store
        .audit_records(200, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "service_application.view_material")
        .collect();
    assert_eq!(
        opened.len(),
        2,
        "the opening and the refused attempt: {opened:?}"
    );
    let (s, page) = ad
        .form(
            &format!("/applications/{app_id}/move"),
            &[("to", "done"), ("note", "已登记")],
        )
        .await;
    assert_eq!(s, 409, "done before accepted: {page}");
    let (s, page) = ad
        .form(
            &format!("/applications/{app_id}/move"),
            &[("to", "accepted")],
        )
        .await;
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("申请现为“已受理，办理中”"));
    // Another site's administrator: not there.
    assert_eq!(
        mz.form(
            &format!("/applications/{app_id}/move"),
            &[("to", "refused"), ("note", "越权")]
        )
        .await
        .0,
        404
    );
    assert!(
        !mz.page(&format!("/sites/{}/applications", b.0))
            .await
            .1
            .contains(&receipt)
    );

    // Tokens: 佳县's administrator makes one (shown once); 米脂's makes theirs.
    let (s, page) = ad
        .form(
            &format!("/sites/{}/service-tokens", a.0),
            &[("name", "县民政业务系统")],
        )
        .await;
    assert_eq!(s, 200, "{page}");
    let token_a = between(&page, "<code class=\"token\">", "<").unwrap();
    let (_, again) = ad.page(&format!("/sites/{}/service-tokens", a.0)).await;
    assert!(!again.contains(&token_a), "a token is shown once");
    assert_eq!(
        mz.page(&format!("/sites/{}/service-tokens", a.0)).await.0,
        404
    );
    let (_, page) = mz
        .form(
            &format!("/sites/{}/service-tokens", b.0),
            &[("name", "米脂县业务系统")],
        )
        .await;
    let token_b = between(&page, "<code class=\"token\">", "<").unwrap();

    // Another site's token, a made-up token, no token: refused.
    let done = json!({"state": "done", "note": "准予登记，已颁发结婚证"});
    assert_eq!(push(&t, &token_b, &receipt, done.clone()).await.0, 404);
    assert_eq!(push(&t, "zqs_nope", &receipt, done.clone()).await.0, 401);
    let res = t
        .client
        .post(format!(
            "http://{}/api/v1/service-applications/{receipt}/status",
            t.manage
        ))
        .json(&done)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // A bad body is said so.
    let (s, body) = push(&t, &token_a, &receipt, json!({"state": "approved"})).await;
    assert_eq!(s, 400, "{body}");
    let (s, body) = push(&t, &token_a, &receipt, json!({"state": "done"})).await;
    assert_eq!(s, 400, "a result is needed: {body}");
    // The site's own token finishes it.
    let (s, body) = push(&t, &token_a, &receipt, done.clone()).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["state"], "done");

    // The applicant: 状态查询 with the 受理编号 and 查询码; a wrong code is not enough. The
    // form itself first (it answered 500 once: its template read a form that GET never gave).
    let form = t.page(HOST, "/banshi/chaxun", 200).await;
    assert!(form.contains("name=\"receipt\"") && form.contains("name=\"code\""));
    let (s, status) = status_query(&t, &receipt, &code).await;
    assert_eq!(s, 200, "{status}");
    assert!(
        status.contains("已办结") && status.contains("准予登记，已颁发结婚证"),
        "{status}"
    );
    assert!(status.contains("王*") && !status.contains("王小明"));
    let (s, _) = status_query(&t, &receipt, "AAAA-BBBB-CCCC").await;
    assert!(s == 400 || s == 404, "{s}");
    // 结果公示: on the site, masked; not on another site.
    let results = t.page(HOST, "/banshi/gongshi", 200).await;
    assert!(
        results.contains(&receipt) && results.contains("准予登记"),
        "{results}"
    );
    assert!(!results.contains("王小明") && !results.contains("13812345678"));
    let mizhi = t.store.site(b).await.unwrap().unwrap().hosts[0].clone();
    assert!(
        !t.page(&mizhi, "/banshi/gongshi", 200)
            .await
            .contains(&receipt)
    );

    // The annual report counts the item and the application (政务服务事项数量, 办件量).
    let year = zhanqun_core::beijing::year(chrono::Utc::now());
    let report = t
        .store
        .annual_report(a, year, &t.app.config().deadlines())
        .await
        .unwrap();
    assert_eq!(report.count("政务服务事项数量（项）"), Some(1));
    assert_eq!(
        report.count("可全程在线办理政务服务事项数量（项）"),
        Some(0),
        "its 办理形式 names no online way"
    );
    assert_eq!(report.count("办件量（件）"), Some(1));
    assert_eq!(report.count("办件量：自然人办件量（件）"), Some(1));
    assert_eq!(report.count("办件量：法人办件量（件）"), Some(0));

    // 网上办事统计: the site's office and the province auditor see it, per site and per unit;
    // another site's administrator does not see this site.
    let row = |html: &str| {
        let from = html.find("<tbody>").unwrap();
        let cells: Vec<String> = html[from..]
            .split("<td>")
            .skip(1)
            .map(|c| c.split('<').next().unwrap_or_default().to_string())
            .collect();
        cells
    };
    let (s, html) = ad.page(&format!("/stats/applications?year={year}")).await;
    assert_eq!(s, 200, "{html}");
    // 收到, 受理, 不予受理, 办结, 承诺时限内办结 (5 working days), 未办结, 超过承诺时限.
    assert_eq!(
        row(&html)[1..8],
        ["1", "1", "0", "1", "1", "0", "0"],
        "{html}"
    );
    let (s, html) = ad
        .page(&format!("/stats/applications?year={year}&site={}", a.0))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("按办理部门"), "{html}");
    let (s, csv) = ad
        .page(&format!("/stats/applications.csv?year={year}"))
        .await;
    assert_eq!(s, 200);
    assert!(
        csv.starts_with("\u{feff}年度,网站标识码") || csv.starts_with("年度,网站标识码"),
        "{csv}"
    );
    assert!(csv.contains(&format!("{year},{A},")), "{csv}");
    assert_eq!(
        mz.page(&format!("/stats/applications?year={year}&site={}", a.0))
            .await
            .0,
        404
    );
    assert!(!mz.page("/stats/applications").await.1.contains("佳县"));

    // A revoked token no longer works.
    let tokens = t
        .store
        .service_tokens(&t.actor(AccountId(ad.id)).await, a)
        .await
        .unwrap();
    let (s, _) = ad
        .form(&format!("/service-tokens/{}/revoke", tokens[0].id), &[])
        .await;
    assert_eq!(s, 200);
    assert_eq!(push(&t, &token_a, &receipt, done).await.0, 401);
    // The OpenAPI document names the route and its token.
    let doc = t.openapi().await;
    let op = &doc["paths"]["/api/v1/service-applications/{receipt}/status"]["post"];
    assert_eq!(op["security"][0]["service_token"], json!([]));
}

/// The back office through the JSON API: the site's applications (the applicant masked) and a
/// move by id with the same rules as the console's; another site's administrator gets 404.
#[tokio::test]
async fn the_back_office_lists_and_moves_applications_through_the_api() {
    let ServiceOffice {
        t, a, ad, mz, item, ..
    } = ServiceOffice::start().await;
    let path = format!("/banshi/shenqing/{item}");
    let form = open_form_at(&t, HOST, &path).await;
    fill_time().await;
    let (s, page) = post(
        &t,
        HOST,
        &path,
        &[
            ("name", "王小明"),
            ("id_number", "110101199003078515"),
            ("phone", "13812345678"),
            ("note", "网上申请结婚登记。"),
            ("ticket", &form.ticket),
            ("answer", &form.answer),
        ],
    )
    .await;
    assert_eq!(s, 200, "{page}");
    let receipt = between(&page, "受理编号：<strong class=\"code\">", "<").unwrap();
    let code = between(&page, "查询码：<strong class=\"code\">", "<").unwrap();

    let list = ad.get(&format!("/api/v1/sites/{}/applications", a.0)).await;
    assert_eq!(list.status, 200, "{}", list.json);
    let rows = list.json["applications"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["receipt_no"], receipt.as_str());
    assert!(
        rows[0]["applicant"].as_str().unwrap().starts_with("王*"),
        "masked: {}",
        rows[0]
    );
    assert!(!list.json.to_string().contains("王小明"));
    let id = rows[0]["id"].as_i64().unwrap();

    let moves = format!("/api/v1/applications/{id}/moves");
    let bad = ad.post(&moves, json!({"state": "flying"})).await;
    assert_eq!(bad.status, 400, "{}", bad.json);
    let no_reason = ad.post(&moves, json!({"state": "refused"})).await;
    assert_eq!(
        no_reason.status, 400,
        "a refusal needs its reason: {}",
        no_reason.json
    );
    assert_eq!(
        mz.post(&moves, json!({"state": "accepted"})).await.status,
        404
    );
    assert_eq!(
        mz.get(&format!("/api/v1/sites/{}/applications", a.0))
            .await
            .status,
        404
    );
    let took = ad.post(&moves, json!({"state": "accepted"})).await;
    assert_eq!(took.status, 200, "{}", took.json);
    assert_eq!(took.json["label"], "已受理，办理中");
    let done = ad
        .post(
            &moves,
            json!({"state": "done", "note": "已登记，请携带身份证领取结婚证。"}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.json);
    let (_, status) = status_query(&t, &receipt, &code).await;
    assert!(
        status.contains("已办结") && status.contains("请携带身份证领取结婚证"),
        "{status}"
    );
}
