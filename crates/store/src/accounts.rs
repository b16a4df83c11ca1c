//! Back-office accounts.

use crate::BeginWrite;
use zhanqun_core::password::fold_username;
use zhanqun_core::{Account, AccountId, Error, PlatformRole, Result};

use crate::{Store, db_err, fetch, now, on_pool};

/// A new account; the password is already hashed (argon2id PHC string).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub platform_role: Option<PlatformRole>,
    pub must_change_password: bool,
    pub unit: Option<zhanqun_core::UnitId>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: i64,
    username: String,
    display_name: String,
    platform_role: Option<String>,
    disabled: bool,
    must_change_password: bool,
    unit_id: Option<i64>,
    totp_enrolled: bool,
}

/// The columns an [`AccountRow`] is read from.
macro_rules! account_cols {
    () => {
        "id, username, display_name, platform_role, disabled, must_change_password, unit_id, \
         (totp_secret IS NOT NULL) AS totp_enrolled"
    };
}

impl TryFrom<AccountRow> for Account {
    type Error = Error;
    fn try_from(r: AccountRow) -> Result<Account> {
        Ok(Account {
            id: AccountId(r.id),
            username: r.username,
            display_name: r.display_name,
            platform_role: r
                .platform_role
                .as_deref()
                .map(PlatformRole::parse)
                .transpose()?,
            disabled: r.disabled,
            must_change_password: r.must_change_password,
            unit_id: r.unit_id.map(zhanqun_core::UnitId),
            totp_enrolled: r.totp_enrolled,
        })
    }
}

/// User names: 2–64 characters, letters (any script), digits, `.`, `_`, `-`.
pub fn check_username(name: &str) -> Result<()> {
    let n = name.trim();
    let ok_chars = n
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !(2..=64).contains(&n.chars().count()) || !ok_chars {
        return Err(Error::invalid(format!(
            "用户名“{n}”不正确：2–64 个字符，只能用字母、汉字、数字和 . _ -"
        )));
    }
    Ok(())
}

impl Store {
    /// Creates an account; a user name that differs from an existing one only in case is refused.
    pub async fn create_account(&self, a: &NewAccount) -> Result<AccountId> {
        self.create_account_with(a, None).await
    }

    /// Creates an account and its audit record in one transaction.
    pub(crate) async fn create_account_audited(
        &self,
        a: &NewAccount,
        entry: &crate::AuditEntry,
    ) -> Result<AccountId> {
        self.create_account_with(a, Some(entry)).await
    }

    async fn create_account_with(
        &self,
        a: &NewAccount,
        entry: Option<&crate::AuditEntry>,
    ) -> Result<AccountId> {
        check_username(&a.username)?;
        // One rule for every way an account is made (console, API, command line).
        let name = a.display_name.trim();
        if name.is_empty() {
            return Err(Error::invalid("请填写姓名"));
        }
        if name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(Error::invalid("姓名不能超过 64 个字，也不能含控制字符"));
        }
        if !a.password_hash.starts_with("$argon2id$") {
            return Err(Error::internal("password must be an argon2id hash"));
        }
        let ts = now();
        let res: Result<AccountId> = async { on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO accounts (username, username_folded, display_name, password_hash, platform_role, disabled, \
                 must_change_password, password_changed_at, created_at, unit_id) \
                 VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7, $7, $8) RETURNING id",
            )
            .bind(a.username.trim())
            .bind(fold_username(&a.username))
            .bind(a.display_name.trim())
            .bind(&a.password_hash)
            .bind(a.platform_role.map(PlatformRole::as_str))
            .bind(a.must_change_password)
            .bind(ts)
            .bind(a.unit.map(|u| u.0))
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
            if let Some(entry) = entry {
                crate::audit::append_audit!(tx, entry);
            }
            tx.commit().await.map_err(db_err)?;
            Ok(AccountId(id))
        }) }
        .await;
        res.map_err(|e| {
            e.conflict_as(format!(
                "用户名“{}”已存在（用户名不区分大小写）",
                a.username.trim()
            ))
        })
    }

    pub async fn account_count(&self) -> Result<i64> {
        fetch!(
            self,
            one,
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        )
    }

    /// One account by id.
    pub async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        let id = id.0;
        let row: Option<AccountRow> = fetch!(
            self,
            optional,
            sqlx::query_as(concat!(
                "SELECT ",
                account_cols!(),
                " FROM accounts WHERE id = $1"
            ))
            .bind(id)
        )?;
        row.map(Account::try_from).transpose()
    }

    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let rows: Vec<AccountRow> = fetch!(
            self,
            all,
            sqlx::query_as(concat!(
                "SELECT ",
                account_cols!(),
                " FROM accounts ORDER BY id"
            ))
        )?;
        rows.into_iter().map(Account::try_from).collect()
    }

    /// The account and its password hash, by user name in any case (for login).
    pub async fn account_for_login(&self, username: &str) -> Result<Option<(Account, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            account: AccountRow,
            password_hash: String,
        }
        let row: Option<Row> = fetch!(
            self,
            optional,
            sqlx::query_as(concat!(
                "SELECT ",
                account_cols!(),
                ", password_hash FROM accounts WHERE username_folded = $1"
            ))
            .bind(fold_username(username))
        )?;
        row.map(|r| Ok((Account::try_from(r.account)?, r.password_hash)))
            .transpose()
    }
}

impl Store {
    /// Changes one's own password: the current one must be right (its checks count toward
    /// the account's login lockout), the new one must meet the policy and differ; every other
    /// session of the account ends (`keep` is the session making the change). Audited either
    /// way.
    pub async fn change_password(
        &self,
        actor: &crate::Actor,
        keep: Option<&str>,
        current: &str,
        new: &str,
        policy: &zhanqun_core::password::PasswordPolicy,
    ) -> Result<()> {
        let account = &actor.principal.account;
        let object = format!("account:{}", account.id);
        let check = async {
            let (_, hash) = self
                .account_for_login(&account.username)
                .await?
                .ok_or_else(|| Error::not_found("账号不存在"))?;
            let lockout = crate::LoginPolicy::default();
            let at = now();
            let attempt = self
                .throttle_password_check(&account.username, at, &lockout)
                .await?;
            let right = zhanqun_core::password::verify(current, &hash);
            self.throttle_password_checked(&account.username, attempt, right, at, &lockout)
                .await?;
            if !right {
                return Err(Error::invalid("当前密码不正确"));
            }
            if current == new {
                return Err(Error::invalid("新密码不能与当前密码相同"));
            }
            policy.check(new, &account.username)?;
            zhanqun_core::password::hash(new)
        }
        .await;
        let hash = match check {
            Ok(h) => h,
            Err(e) => {
                let entry = actor.entry(
                    "-",
                    None,
                    "account.password",
                    object,
                    crate::Outcome::Failure,
                    Some(e.to_string()),
                );
                self.audit(&entry).await?;
                return Err(e);
            }
        };
        let entry = actor.entry(
            "-",
            None,
            "account.password",
            object,
            crate::Outcome::Success,
            None,
        );
        let ts = now();
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            sqlx::query(
                "UPDATE accounts SET password_hash = $1, must_change_password = FALSE, password_changed_at = $2 WHERE id = $3",
            )
            .bind(&hash)
            .bind(ts)
            .bind(account.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
                .bind(account.id.0)
                .bind(keep.map(crate::sessions::token_hash).unwrap_or_default())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            crate::audit::commit_audited!(tx, &entry);
            Ok::<_, Error>(())
        })
    }

    /// On a store without accounts, creates the first system administrator `admin` with a
    /// generated password (which must be changed at first login) and returns that password, to
    /// be shown once. There are no default credentials. Returns `None` when accounts exist.
    pub async fn ensure_first_admin(&self) -> Result<Option<(String, String)>> {
        if self.account_count().await? > 0 {
            return Ok(None);
        }
        let password = zhanqun_core::password::generate();
        let account = NewAccount {
            username: "admin".into(),
            display_name: "系统管理员".into(),
            password_hash: zhanqun_core::password::hash(&password)?,
            platform_role: Some(PlatformRole::SystemAdmin),
            must_change_password: true,
            unit: None,
        };
        match self.create_account(&account).await {
            Ok(id) => {
                self.audit(&crate::AuditEntry {
                    actor: "system".into(),
                    role: "system".into(),
                    site_code: None,
                    client: None,
                    action: "account.create".into(),
                    object: Some(format!("account:{id} admin (system_admin)")),
                    outcome: crate::Outcome::Success,
                    request_id: None,
                    detail: Some("首次启动生成的系统管理员".into()),
                })
                .await?;
                Ok(Some(("admin".into(), password)))
            }
            // Another process created it first.
            Err(Error::Conflict(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
