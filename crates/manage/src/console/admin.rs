//! Console pages of the platform administrators (三权分立): accounts (system administrator),
//! platform roles and grants (security administrator), the audit log (audit administrator).

use std::sync::Arc;
use zhanqun_core::{AccountId, GrantId};

use super::Form;
use axum::extract::State;
use axum::http::StatusCode;

use serde::{Deserialize, Serialize};
use serde_json::json;
use zhanqun_core::{Error, PlatformRole, SiteRole};

use super::{PageResult, Path, Query, page, redirect_outcome, render, with_status};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

#[derive(Serialize)]
struct GrantLine {
    id: i64,
    label: String,
}

async fn accounts_page_with(
    app: &App,
    a: &Authed,
    created: Option<(String, String)>,
    error: Option<String>,
) -> PageResult {
    let sites = app.store().list_sites().await?;
    let mut rows = Vec::new();
    for account in app.store().accounts().await? {
        let mut grants = Vec::new();
        for g in app.store().grants_of(account.id).await? {
            let site = sites.iter().find(|s| s.id == g.site_id);
            let column = match (site, g.column_id) {
                (Some(s), Some(c)) => app
                    .store()
                    .columns(s.id)
                    .await?
                    .into_iter()
                    .find(|x| x.id == c)
                    .map(|x| format!(" / {}", x.name)),
                _ => None,
            };
            grants.push(GrantLine {
                id: g.id.0,
                label: format!(
                    "{}：{}{}",
                    g.role.label(),
                    site.map_or("?", |s| s.name.as_str()),
                    column.unwrap_or_default()
                ),
            });
        }
        let role_label = account.platform_role.map(PlatformRole::label);
        rows.push(json!({ "account": account, "grants": grants, "role_label": role_label }));
    }
    let site_roles: Vec<(&str, &str)> = SiteRole::ALL
        .iter()
        .map(|r| (r.as_str(), r.label()))
        .collect();
    let platform_roles: Vec<(&str, &str)> = PlatformRole::ALL
        .iter()
        .map(|r| (r.as_str(), r.label()))
        .collect();
    let locks = if a.actor.principal.is(PlatformRole::SecurityAdmin) {
        app.store()
            .login_locks(&a.actor, zhanqun_store::now())
            .await?
    } else {
        Vec::new()
    };
    let failed = error.is_some();
    let ctx = json!({
        "accounts": rows, "site_roles": site_roles, "platform_roles": platform_roles,
        "created": created, "error": error, "locks": locks,
    });
    let res = render(
        "accounts.html",
        page(Some(a), "accounts", "账号与授权", ctx),
    );
    Ok(if failed {
        with_status(res, StatusCode::BAD_REQUEST)
    } else {
        res
    })
}

async fn accounts_page(State(app): State<Arc<App>>, a: Authed) -> PageResult {
    accounts_page_with(&app, &a, None, None).await
}

/// After an administrator's form: back to the list, with the refusal shown when there was one.
async fn after(app: &App, a: &Authed, res: Result<(), Error>) -> PageResult {
    redirect_outcome(
        res.map(|()| "/accounts".to_string()),
        |e| {
            matches!(
                e,
                Error::InvalidInput(_) | Error::Conflict(_) | Error::NotFound(_)
            )
        },
        |msg| accounts_page_with(app, a, None, Some(msg)),
    )
    .await
}

#[derive(Deserialize)]
struct NewAccountForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
}

/// Creates an account with a generated initial password, shown once; it must be changed at
/// first login.
async fn create(
    State(app): State<Arc<App>>,
    a: Authed,
    Form(f): Form<NewAccountForm>,
) -> PageResult {
    let password = zhanqun_core::password::generate();
    let username = f.username.trim().to_string();
    let res = async {
        let account = zhanqun_store::NewAccount {
            username: username.clone(),
            display_name: f.display_name.trim().to_string(),
            password_hash: zhanqun_core::password::hash(&password)?,
            platform_role: None,
            must_change_password: true,
            unit: None,
        };
        app.store().create_account_by(&a.actor, &account).await
    }
    .await;
    match res {
        Ok(_) => accounts_page_with(&app, &a, Some((username, password)), None).await,
        Err(e) => after(&app, &a, Err(e)).await,
    }
}

async fn disable(State(app): State<Arc<App>>, a: Authed, Path(id): Path<AccountId>) -> PageResult {
    let res = app
        .store()
        .set_account_disabled_by(&a.actor, id, true)
        .await;
    after(&app, &a, res).await
}

async fn enable(State(app): State<Arc<App>>, a: Authed, Path(id): Path<AccountId>) -> PageResult {
    let res = app
        .store()
        .set_account_disabled_by(&a.actor, id, false)
        .await;
    after(&app, &a, res).await
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn set_role(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<AccountId>,
    Form(f): Form<RoleForm>,
) -> PageResult {
    let res = async {
        let role = if f.role.is_empty() {
            None
        } else {
            Some(PlatformRole::parse(&f.role)?)
        };
        app.store().set_platform_role(&a.actor, id, role).await
    }
    .await;
    after(&app, &a, res).await
}

#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    site_code: String,
    #[serde(default)]
    column_path: String,
}

async fn grant(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<AccountId>,
    Form(f): Form<GrantForm>,
) -> PageResult {
    let res = async {
        let role = SiteRole::parse(&f.role)?;
        let code = f.site_code.trim();
        let site = app
            .store()
            .list_sites()
            .await?
            .into_iter()
            .find(|s| s.code.as_str() == code)
            .ok_or_else(|| Error::invalid(format!("网站标识码“{code}”不存在")))?;
        let path = f.column_path.trim().trim_matches('/');
        let column = if path.is_empty() {
            None
        } else {
            let found = app
                .store()
                .columns(site.id)
                .await?
                .into_iter()
                .find(|c| c.path.as_str() == path)
                .map(|c| c.id);
            Some(found.ok_or_else(|| Error::invalid(format!("网站 {code} 没有栏目“{path}”")))?)
        };
        app.store()
            .grant(&a.actor, id, role, site.id, column)
            .await
            .map(|_| ())
    }
    .await;
    after(&app, &a, res).await
}

async fn revoke(State(app): State<Arc<App>>, a: Authed, Path(id): Path<GrantId>) -> PageResult {
    let res = app.store().revoke_grant(&a.actor, id).await;
    after(&app, &a, res).await
}

#[derive(Deserialize)]
struct OffsetQuery {
    #[serde(default)]
    offset: u64,
}

/// The audit log, 100 records a page, with the hash chain's verification; reading it is audited.
async fn audit_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Query(q): Query<OffsetQuery>,
) -> PageResult {
    const PAGE: u64 = 100;
    let records = app.store().audit_records(PAGE + 1, q.offset).await?;
    let more = records.len() as u64 > PAGE;
    let records: Vec<_> = records.into_iter().take(PAGE as usize).collect();
    let report = app.store().audit_verify().await?;
    let read = format!("offset {} records {}", q.offset, records.len());
    crate::service::audit_reading(&app, &a.actor, "audit.read", read).await?;
    let ctx = json!({
        "records": records, "more": more, "offset": q.offset,
        "prev": q.offset.saturating_sub(PAGE), "next": q.offset + PAGE,
        "chain_ok": report.ok(), "rows": report.rows, "problems": report.problems,
    });
    Ok(render(
        "audit.html",
        page(Some(&a), "audit", "审计日志", ctx),
    ))
}

#[derive(Deserialize)]
struct UnlockForm {
    #[serde(default)]
    key: String,
}

/// Lifts a login lock (security administrator).
async fn unlock(State(app): State<Arc<App>>, a: Authed, Form(f): Form<UnlockForm>) -> PageResult {
    let res = app.store().unlock_login(&a.actor, f.key.trim()).await;
    after(&app, &a, res).await
}

/// The administrators' console routes.
pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    use PlatformRole::*;
    r.get("/accounts", Admins, "账号与授权", accounts_page)
        .post("/accounts", Platform(SystemAdmin), "新建账号", create)
        .post(
            "/accounts/{id}/disable",
            Platform(SystemAdmin),
            "停用账号",
            disable,
        )
        .post(
            "/accounts/{id}/enable",
            Platform(SystemAdmin),
            "启用账号",
            enable,
        )
        .post(
            "/accounts/{id}/role",
            Platform(SecurityAdmin),
            "设置平台角色",
            set_role,
        )
        .post(
            "/accounts/{id}/grants",
            Platform(SecurityAdmin),
            "授予网站或栏目角色",
            grant,
        )
        .post(
            "/grants/{id}/revoke",
            Platform(SecurityAdmin),
            "撤销授权",
            revoke,
        )
        .post(
            "/login-locks/unlock",
            Platform(SecurityAdmin),
            "解除登录锁定",
            unlock,
        )
        .get("/audit", Platform(AuditAdmin), "审计日志", audit_page)
}
