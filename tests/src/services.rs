//! A service item as the 在线办理 story tests need one: 结婚登记 of 佳县 with every key element
//! of its guide, published through the column's review.

use serde_json::json;

use crate::User;

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
