//! Accounts, platform roles and grants (system administrators), and the audit log with its
//! CSV export (auditors).

use super::*;
use zhanqun_core::{AccountId, GrantId};

// ---- accounts, roles, grants ---------------------------------------------------------------

async fn accounts(State(app): State<Arc<App>>) -> ApiResult {
    Ok(ok(json!({ "accounts": app.store().accounts().await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    pub username: String,
    pub display_name: String,
    pub password: String,
    #[serde(default)]
    pub unit_id: Option<i64>,
}

async fn create_account(
    State(app): State<Arc<App>>,
    a: Authed,
    Body(b): Body<NewAccountBody>,
) -> ApiResult {
    password::PasswordPolicy::default().check(&b.password, &b.username)?;
    let id = app
        .store()
        .create_account_by(
            &a.actor,
            &NewAccount {
                username: b.username,
                display_name: b.display_name,
                password_hash: password::hash(&b.password)?,
                platform_role: None,
                must_change_password: true,
                unit: b.unit_id.map(UnitId),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn disable_account(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<AccountId>,
) -> ApiResult {
    app.store()
        .set_account_disabled_by(&a.actor, id, true)
        .await?;
    Ok(ok(json!({ "ok": true })))
}

async fn enable_account(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<AccountId>,
) -> ApiResult {
    app.store()
        .set_account_disabled_by(&a.actor, id, false)
        .await?;
    Ok(ok(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: Option<String>,
}

async fn set_role(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<AccountId>,
    Body(b): Body<RoleBody>,
) -> ApiResult {
    let role = b
        .role
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(PlatformRole::parse)
        .transpose()?;
    app.store().set_platform_role(&a.actor, id, role).await?;
    Ok(ok(json!({ "ok": true })))
}

async fn account_grants(State(app): State<Arc<App>>, Path(id): Path<AccountId>) -> ApiResult {
    Ok(ok(json!({ "grants": app.store().grants_of(id).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    role: String,
    site_id: i64,
    #[serde(default)]
    column_id: Option<i64>,
}

async fn add_grant(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<AccountId>,
    Body(b): Body<GrantBody>,
) -> ApiResult {
    let role = SiteRole::parse(&b.role)?;
    let gid = app
        .store()
        .grant(
            &a.actor,
            id,
            role,
            SiteId(b.site_id),
            b.column_id.map(ColumnId),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": gid }))).into_response())
}

async fn remove_grant(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<GrantId>,
) -> ApiResult {
    app.store().revoke_grant(&a.actor, id).await?;
    Ok(ok(json!({ "ok": true })))
}

// ---- audit --------------------------------------------------------------------------------

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    limit: Option<u64>,
}

async fn audit_list(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<AuditQuery>,
) -> ApiResult {
    let limit = q.limit.unwrap_or(100).min(1000);
    let records = app
        .store()
        .audit_records(limit, q.offset.unwrap_or(0))
        .await?;
    let read = format!("records {}", records.len());
    crate::service::audit_reading(&app, &a.actor, "audit.read", read).await?;
    Ok(ok(json!({ "records": records })))
}

async fn audit_export(State(app): State<Arc<App>>, a: Authed) -> ApiResult {
    let records = app.store().audit_records(1_000_000, 0).await?;
    let read = format!("records {}", records.len());
    crate::service::audit_reading(&app, &a.actor, "audit.export", read).await?;
    let mut w = zhanqun_report::csv::Csv::new();
    w.row([
        "seq",
        "at",
        "actor",
        "role",
        "site",
        "client",
        "action",
        "object",
        "outcome",
        "request_id",
        "detail",
        "hash",
    ])?;
    for r in &records {
        w.row([
            r.seq.to_string(),
            r.at.to_rfc3339(),
            r.actor.clone(),
            r.role.clone(),
            r.site_code.clone().unwrap_or_default(),
            r.client.clone().unwrap_or_default(),
            r.action.clone(),
            r.object.clone().unwrap_or_default(),
            r.outcome.clone(),
            r.request_id.clone().unwrap_or_default(),
            r.detail.clone().unwrap_or_default(),
            r.hash.clone(),
        ])?;
    }
    let bytes = w.finish()?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}

/// The routes of this file, each with its declared access.
pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    use PlatformRole::*;
    r.get("/api/v1/accounts", Admins, "账号列表", accounts)
        .post(
            "/api/v1/accounts",
            Platform(SystemAdmin),
            "新建账号",
            create_account,
        )
        .post(
            "/api/v1/accounts/{id}/disable",
            Platform(SystemAdmin),
            "停用账号",
            disable_account,
        )
        .post(
            "/api/v1/accounts/{id}/enable",
            Platform(SystemAdmin),
            "启用账号",
            enable_account,
        )
        .put(
            "/api/v1/accounts/{id}/platform-role",
            Platform(SecurityAdmin),
            "设置平台角色",
            set_role,
        )
        .get(
            "/api/v1/accounts/{id}/grants",
            Platform(SecurityAdmin),
            "账号的授权",
            account_grants,
        )
        .post(
            "/api/v1/accounts/{id}/grants",
            Platform(SecurityAdmin),
            "授予网站或栏目角色",
            add_grant,
        )
        .delete(
            "/api/v1/grants/{id}",
            Platform(SecurityAdmin),
            "撤销授权",
            remove_grant,
        )
        .get(
            "/api/v1/audit",
            Platform(AuditAdmin),
            "审计日志",
            audit_list,
        )
        .get(
            "/api/v1/audit/export",
            Platform(AuditAdmin),
            "导出审计日志（CSV）",
            audit_export,
        )
}
