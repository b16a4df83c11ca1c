//! A service item as the 在线办理 story tests need one: 结婚登记 of 佳县 with every key element
//! of its guide, published through the column's review.

use serde_json::json;
use zhanqun_core::{SiteId, SiteRole};

use crate::{TestApp, User};

/// The guide of 结婚登记 (佳县民政局), every key element filled in.
pub fn marriage_guide() -> serde_json::Value {
    json!({
        "item_type": "行政确认", "audience": "person", "theme": "婚姻登记",
        "basis": "《婚姻登记条例》", "conditions": "双方自愿", "agency": "佳县民政局",
        "fee": "不收费", "process": "申请\n受理\n登记", "place": "佳县民政局婚姻登记处",
        "hours": "工作日", "consult_phone": "0912-6722699", "promised_limit": "5个工作日",
        "materials": [{"name": "居民身份证"}]
    })
}

/// 结婚登记 as a published service item of `column`: drafted and sent by the site's
/// administrator, approved by its reviewer. Fails the test when a step is refused.
pub async fn published_marriage_item(admin: &User, reviewer: &User, column: i64) -> i64 {
    let id = admin
        .draft(
            column,
            json!({"title": "结婚登记", "service": marriage_guide()}),
        )
        .await;
    assert_eq!(admin.submit(id).await.status, 200);
    assert_eq!(
        reviewer.act(id, json!({"action": "approve"})).await.status,
        200
    );
    id
}

/// Where the 在线办理 stories start: a fresh app with the fixture sites; 佳县's administrator
/// (`ad`) and reviewer (`rv`) and 米脂's administrator (`mz`), logged in; and 结婚登记
/// published in 佳县's 办事指南 (`item`).
pub struct ServiceOffice {
    pub t: TestApp,
    /// 佳县 (6108280001).
    pub a: SiteId,
    /// 米脂 (6108270001).
    pub b: SiteId,
    pub ad: User,
    pub rv: User,
    pub mz: User,
    pub item: i64,
}

impl ServiceOffice {
    /// Spawns the app and sets the office up (the accounts in the order 佳县 administrator,
    /// 佳县 reviewer, 米脂 administrator).
    pub async fn start() -> ServiceOffice {
        let (t, f, a, b) = crate::steps::two_counties().await;
        let col = f.column("6108280001/zwfw/bszn");
        let [ad, rv, mz] = t
            .staff([
                ("jx-admin", SiteRole::SiteAdmin, a),
                ("jx-reviewer", SiteRole::Reviewer, a),
                ("mz-admin", SiteRole::SiteAdmin, b),
            ])
            .await;
        let item = published_marriage_item(&ad, &rv, col.0).await;
        ServiceOffice {
            t,
            a,
            b,
            ad,
            rv,
            mz,
            item,
        }
    }
}

/// 状态查询 on 佳县's site: the applicant posts the 受理编号 and the 查询码 (status and page).
pub async fn status_query(t: &TestApp, receipt: &str, code: &str) -> (u16, String) {
    crate::letters::post(
        t,
        "www.jiaxian.gov.cn",
        "/banshi/chaxun",
        &[("receipt", receipt), ("code", code)],
    )
    .await
}
