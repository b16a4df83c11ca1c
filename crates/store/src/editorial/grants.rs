//! Accounts and grants: who holds which role where, given and taken by the platform's
//! administrators, each change with its audit record.

use super::*;
use crate::fetch;

impl Store {
    pub async fn grants_of(&self, account: AccountId) -> Result<Vec<Grant>> {
        let account = account.0;
        let rows: Vec<(i64, i64, String, i64, Option<i64>)> = fetch!(self, all, sqlx::query_as(
            "SELECT id, account_id, role, site_id, column_id FROM grants WHERE account_id = $1 ORDER BY id"
        )
        .bind(account))?;
        rows.into_iter()
            .map(|(id, account_id, role, site, column)| {
                Ok(Grant {
                    id: GrantId(id),
                    account_id: AccountId(account_id),
                    role: SiteRole::parse(&role)?,
                    site_id: SiteId(site),
                    column_id: column.map(ColumnId),
                })
            })
            .collect()
    }

    /// The account with its grants.
    pub async fn principal(&self, account: Account) -> Result<Principal> {
        let grants = self.grants_of(account.id).await?;
        Ok(Principal { account, grants })
    }

    /// Grants `role` on `site` (or only on `column` and below) to an account. Only the security
    /// administrator grants; the three platform administrators never hold site roles (三权分立).
    pub async fn grant(
        &self,
        actor: &Actor,
        account: AccountId,
        role: SiteRole,
        site: SiteId,
        column: Option<ColumnId>,
    ) -> Result<GrantId> {
        let account = account.0;
        let object = format!(
            "account:{account} {} site:{site} column:{column:?}",
            role.as_str()
        );
        let res = self
            .grant_inner(actor, account, role, site, column, &object)
            .await;
        match res {
            Ok(v) => Ok(GrantId(v)),
            Err(e) => self.refused(actor, None, "grant.add", object, e).await,
        }
    }

    async fn grant_inner(
        &self,
        actor: &Actor,
        account: i64,
        role: SiteRole,
        site: SiteId,
        column: Option<ColumnId>,
        object: &str,
    ) -> Result<i64> {
        actor
            .principal
            .require_platform(PlatformRole::SecurityAdmin)?;
        zhanqun_core::access::check_grant_scope(role, column)?;
        let target = self
            .account(AccountId(account))
            .await?
            .ok_or_else(|| Error::not_found(format!("账号 {account} 不存在")))?;
        if let Some(r) = target.platform_role
            && r != PlatformRole::ProvinceAuditor
        {
            return Err(Error::conflict(format!(
                "三权分立：{}不能同时担任网站角色",
                r.label()
            )));
        }
        let code = self.site_code_of(site).await?;
        if let Some(c) = column {
            match self.column_ancestry(c).await? {
                Some((s, _, _)) if s == site => {}
                _ => return Err(Error::invalid(format!("栏目 {c} 不属于网站 {site}"))),
            }
        }
        let entry = actor.entry(
            "security_admin",
            Some(&code),
            "grant.add",
            object,
            Outcome::Success,
            None,
        );
        let ts = now();
        let res = insert_audited!(
            self,
            sqlx::query_scalar(
                "INSERT INTO grants (account_id, role, site_id, column_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(account)
            .bind(role.as_str())
            .bind(site.0)
            .bind(column.map(|c| c.0))
            .bind(ts),
            &entry
        );
        res.map_err(|e| e.conflict_as("该账号已有这项授权"))
    }

    /// Grants a role as the system itself (demo setup from the command line), audited with the
    /// actor `system`. Granting what is already granted does nothing.
    pub async fn grant_as_system(
        &self,
        account: AccountId,
        role: SiteRole,
        site: SiteId,
        column: Option<ColumnId>,
    ) -> Result<()> {
        let account = account.0;
        let code = self.site_code_of(site).await?;
        let entry = AuditEntry {
            actor: "system".into(),
            role: "system".into(),
            site_code: Some(code),
            client: None,
            action: "grant.add".into(),
            object: Some(format!(
                "account:{account} {} site:{site} column:{column:?}",
                role.as_str()
            )),
            outcome: Outcome::Success,
            request_id: None,
            detail: Some("演示数据".into()),
        };
        let ts = now();
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = sqlx::query(
                "INSERT INTO grants (account_id, role, site_id, column_id, created_at) \
                 SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM grants WHERE account_id = $1 \
                 AND role = $2 AND site_id = $3 AND COALESCE(column_id, 0) = COALESCE($4, 0))",
            )
            .bind(account)
            .bind(role.as_str())
            .bind(site.0)
            .bind(column.map(|c| c.0))
            .bind(ts)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if n > 0 {
                append_audit!(tx, &entry);
            }
            tx.commit().await.map_err(db_err)?;
            Ok(())
        })
    }

    /// Removes a grant (security administrator).
    pub async fn revoke_grant(&self, actor: &Actor, grant: GrantId) -> Result<()> {
        let grant = grant.0;
        let object = format!("grant:{grant}");
        if let Err(e) = actor
            .principal
            .require_platform(PlatformRole::SecurityAdmin)
        {
            return self.refused(actor, None, "grant.remove", object, e).await;
        }
        let entry = actor.entry(
            "security_admin",
            None,
            "grant.remove",
            object,
            Outcome::Success,
            None,
        );
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = sqlx::query("DELETE FROM grants WHERE id = $1")
                .bind(grant)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            if n == 0 {
                return Err(Error::not_found(format!("授权 {grant} 不存在")));
            }
            commit_audited!(tx, &entry);
            Ok(())
        })
    }

    /// Sets an account's platform role (security administrator). An account holds at most one
    /// of system, security and audit administrator, and none of them with site roles.
    pub async fn set_platform_role(
        &self,
        actor: &Actor,
        account: AccountId,
        role: Option<PlatformRole>,
    ) -> Result<()> {
        let account = account.0;
        let object = format!(
            "account:{account} role:{}",
            role.map_or("none", PlatformRole::as_str)
        );
        let res = async {
            actor
                .principal
                .require_platform(PlatformRole::SecurityAdmin)?;
            if account == actor.principal.id() {
                return Err(Error::forbidden("不能修改自己的平台角色"));
            }
            let target = self
                .account(AccountId(account))
                .await?
                .ok_or_else(|| Error::not_found(format!("账号 {account} 不存在")))?;
            if let (Some(old), Some(new)) = (target.platform_role, role)
                && old != new
            {
                return Err(Error::conflict(format!(
                    "三权分立：该账号已是{}，不能再担任{}；请先撤销原角色",
                    old.label(),
                    new.label()
                )));
            }
            if target.platform_role != role {
                zhanqun_core::access::check_administrator_change(target.platform_role)?;
            }
            if let Some(new) = role
                && new != PlatformRole::ProvinceAuditor
                && !self.grants_of(AccountId(account)).await?.is_empty()
            {
                return Err(Error::conflict(format!(
                    "三权分立：该账号持有网站角色，不能担任{}",
                    new.label()
                )));
            }
            Ok(())
        }
        .await;
        if let Err(e) = res {
            return self.refused(actor, None, "account.role", object, e).await;
        }
        let entry = actor.entry(
            "security_admin",
            None,
            "account.role",
            object,
            Outcome::Success,
            None,
        );
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            sqlx::query("UPDATE accounts SET platform_role = $1 WHERE id = $2")
                .bind(role.map(PlatformRole::as_str))
                .bind(account)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            commit_audited!(tx, &entry);
            Ok(())
        })
    }

    /// Creates an account (system administrator); platform roles are set by the security
    /// administrator afterwards.
    pub async fn create_account_by(
        &self,
        actor: &Actor,
        account: &crate::NewAccount,
    ) -> Result<AccountId> {
        let object = format!("account {}", account.username.trim());
        if let Err(e) = actor.principal.require_platform(PlatformRole::SystemAdmin) {
            return self.refused(actor, None, "account.create", object, e).await;
        }
        if account.platform_role.is_some() {
            return self
                .refused(
                    actor,
                    None,
                    "account.create",
                    object,
                    Error::forbidden("平台角色由安全管理员分配"),
                )
                .await;
        }
        let entry = actor.entry(
            "system_admin",
            None,
            "account.create",
            object,
            Outcome::Success,
            None,
        );
        self.create_account_audited(account, &entry).await
    }

    /// Disables or re-enables an account (system administrator); disabling ends its sessions.
    pub async fn set_account_disabled_by(
        &self,
        actor: &Actor,
        account: AccountId,
        disabled: bool,
    ) -> Result<()> {
        let account = account.0;
        let action = if disabled {
            "account.disable"
        } else {
            "account.enable"
        };
        let object = format!("account:{account}");
        if let Err(e) = actor.principal.require_platform(PlatformRole::SystemAdmin) {
            return self.refused(actor, None, action, object, e).await;
        }
        if account == actor.principal.id() {
            return self
                .refused(
                    actor,
                    None,
                    action,
                    object,
                    Error::forbidden("不能停用自己的账号"),
                )
                .await;
        }
        if disabled {
            let target = self
                .account(AccountId(account))
                .await?
                .ok_or_else(|| Error::not_found(format!("账号 {account} 不存在")))?;
            if let Err(e) = zhanqun_core::access::check_administrator_change(target.platform_role) {
                return self.refused(actor, None, action, object, e).await;
            }
        }
        self.set_account_disabled(AccountId(account), disabled)
            .await?;
        self.audit(&actor.entry("system_admin", None, action, object, Outcome::Success, None))
            .await?;
        Ok(())
    }

    // ---- articles ---------------------------------------------------------------------------
}
