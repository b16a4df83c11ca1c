//! Login with failure lockout, and server-side sessions. Time is passed in (`now`) so that
//! lockout and timeouts are tested with an injected clock.

use crate::BeginWrite;
use crate::exec;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use zhanqun_core::password::{self, fold_username};
use zhanqun_core::{Account, AccountId, Error, Result};

use crate::{AuditEntry, Outcome, Store, db_err, fetch, on_pool};

/// Lockout and session timeouts (等保 defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    pub max_failures: i64,
    pub lock: Duration,
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            max_failures: 5,
            lock: Duration::minutes(15),
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// Why a login was refused. Unknown user, wrong password and disabled account look the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// 用户名或密码错误.
    BadCredentials,
    /// Too many failures: locked until then.
    Locked(DateTime<Utc>),
    Store(String),
}

impl LoginError {
    pub fn message(&self) -> String {
        match self {
            LoginError::BadCredentials => "用户名或密码错误".into(),
            LoginError::Locked(_) => "登录失败次数过多，请 15 分钟后再试".into(),
            LoginError::Store(_) => "服务器内部错误，请稍后再试。".into(),
        }
    }
}

impl From<Error> for LoginError {
    fn from(e: Error) -> Self {
        LoginError::Store(e.to_string())
    }
}

/// A login lock in force, for the security administrator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoginLock {
    /// `user:<name>` or `client:<address>`.
    pub key: String,
    /// 账号 or 地址.
    pub kind: &'static str,
    pub name: String,
    pub reason: String,
    pub locked_at: Option<DateTime<Utc>>,
    pub locked_until: DateTime<Utc>,
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 256 bits from the operating system's generator, hex encoded.
fn new_token() -> String {
    let mut b = argon2_salt().to_vec();
    b.extend_from_slice(&argon2_salt());
    hex::encode(b)
}

fn argon2_salt() -> [u8; 16] {
    zhanqun_core::password::random_bytes()
}

/// Verifying against this when the user does not exist keeps the timing of both answers alike.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash("zhanqun-dummy-password").unwrap_or_default())
}

/// Why an account or an address is locked after repeated failures.
const REASON: &str = "密码或动态口令连续错误";

/// The throttle's key of an account (its name folded as logins compare it).
fn account_key(username: &str) -> String {
    format!("user:{}", fold_username(username))
}

impl Store {
    /// Takes an attempt on `key` before any secret is checked: the attempt is counted as a
    /// failure in the same statement that reads the lock, so concurrent attempts cannot get
    /// past the limit (issue 18: 40 concurrent wrong passwords were 35 password checks); an
    /// attempt that succeeds gives its count back ([`Store::throttle_passed`]). Returns this
    /// attempt's number, or the end of the lock.
    async fn throttle_take(
        &self,
        key: &str,
        now: DateTime<Utc>,
        policy: &LoginPolicy,
        reason: &str,
    ) -> Result<Result<i64, DateTime<Utc>>> {
        let (failures, until): (i64, Option<DateTime<Utc>>) = fetch!(self, pool one, sqlx::query_as(
                "INSERT INTO login_throttle (key, failures, locked_until) VALUES ($1, 1, NULL) \
                 ON CONFLICT (key) DO UPDATE SET failures = CASE \
                   WHEN login_throttle.locked_until IS NOT NULL AND login_throttle.locked_until > $2 \
                   THEN login_throttle.failures ELSE login_throttle.failures + 1 END \
                 RETURNING failures, locked_until",
            )
            .bind(key)
            .bind(now))?;
        if let Some(until) = until.filter(|u| *u > now) {
            return Ok(Err(until));
        }
        if failures > policy.max_failures {
            return Ok(Err(self.throttle_lock(key, now, policy, reason).await?));
        }
        Ok(Ok(failures))
    }

    /// The attempt numbered `attempt` failed: the last one allowed locks the key. Returns the
    /// end of the lock when it does.
    async fn throttle_failed(
        &self,
        key: &str,
        attempt: i64,
        now: DateTime<Utc>,
        policy: &LoginPolicy,
        reason: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        if attempt >= policy.max_failures {
            return Ok(Some(self.throttle_lock(key, now, policy, reason).await?));
        }
        Ok(None)
    }

    async fn throttle_lock(
        &self,
        key: &str,
        now: DateTime<Utc>,
        policy: &LoginPolicy,
        reason: &str,
    ) -> Result<DateTime<Utc>> {
        let until = now + policy.lock;
        exec!(self, sqlx::query(
            "UPDATE login_throttle SET failures = 0, locked_until = $1, locked_at = $2, reason = $3 \
             WHERE key = $4"
        )
        .bind(until)
        .bind(now)
        .bind(reason)
        .bind(key))?;
        Ok(until)
    }

    /// An attempt succeeded: its count is given back; with `clear`, the earlier failures are
    /// forgotten too (a login that passed every factor).
    async fn throttle_passed(&self, key: &str, clear: bool) -> Result<()> {
        let sql = if clear {
            "DELETE FROM login_throttle WHERE key = $1"
        } else {
            "UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0"
        };
        exec!(self, sqlx::query(sql).bind(key))?;
        Ok(())
    }

    /// Takes an attempt on the account's own key for a check of its current password (a
    /// password change): the same count as logins, so a stolen session cannot guess it.
    pub(crate) async fn throttle_password_check(
        &self,
        username: &str,
        now: DateTime<Utc>,
        policy: &LoginPolicy,
    ) -> Result<i64> {
        let key = account_key(username);
        match self
            .throttle_take(&key, now, policy, "修改密码时当前密码错误次数过多")
            .await?
        {
            Ok(attempt) => Ok(attempt),
            Err(_) => Err(Error::Locked(LoginError::Locked(now).message())),
        }
    }

    /// The outcome of a check taken with [`Store::throttle_password_check`].
    pub(crate) async fn throttle_password_checked(
        &self,
        username: &str,
        attempt: i64,
        ok: bool,
        now: DateTime<Utc>,
        policy: &LoginPolicy,
    ) -> Result<()> {
        let key = account_key(username);
        if ok {
            self.throttle_passed(&key, false).await
        } else {
            self.throttle_failed(&key, attempt, now, policy, "修改密码时当前密码错误次数过多")
                .await
                .map(|_| ())
        }
    }

    /// Audits a failed login step `action` (`why`) and, when it locked the account or the
    /// address, the lockout.
    async fn audit_login_failed(
        &self,
        user: &str,
        client: &str,
        action: &str,
        why: &str,
        locked: Option<DateTime<Utc>>,
    ) -> Result<()> {
        self.audit_login(user, client, action, Outcome::Failure, Some(why.into()))
            .await?;
        if let Some(until) = locked {
            self.audit_login(
                user,
                client,
                "login.lockout",
                Outcome::Success,
                Some(format!("until {until}")),
            )
            .await?;
        }
        Ok(())
    }

    async fn audit_login(
        &self,
        user: &str,
        client: &str,
        action: &str,
        outcome: Outcome,
        detail: Option<String>,
    ) -> Result<()> {
        self.audit(&AuditEntry {
            actor: format!("user:{}", fold_username(user)),
            role: "-".into(),
            site_code: None,
            client: Some(client.into()),
            action: action.into(),
            object: None,
            outcome,
            request_id: None,
            detail,
        })
        .await
        .map(|_| ())
    }

    /// Checks the credentials; on success starts a session and returns its token (to be sent
    /// as a cookie, never stored). Failures are counted per user name and per client address;
    /// at `max_failures` either is locked for `lock`, and a locked login fails even with the
    /// right password. Every outcome is audited.
    pub async fn login(
        &self,
        username: &str,
        password_text: &str,
        client: &str,
        now: DateTime<Utc>,
        policy: &LoginPolicy,
    ) -> Result<(Account, String), LoginError> {
        let user_key = account_key(username);
        let client_key = format!("client:{client}");
        let refused = |until| async move {
            self.audit_login_failed(username, client, "login", "locked", None)
                .await?;
            Err::<(Account, String), LoginError>(LoginError::Locked(until))
        };
        let user_attempt = match self.throttle_take(&user_key, now, policy, REASON).await? {
            Ok(n) => n,
            Err(until) => return refused(until).await,
        };
        let client_attempt = match self.throttle_take(&client_key, now, policy, REASON).await? {
            Ok(n) => n,
            Err(until) => {
                // The address is locked: this attempt does not count against the account.
                self.throttle_passed(&user_key, false).await?;
                return refused(until).await;
            }
        };
        let found = self.account_for_login(username).await?;
        let ok = match &found {
            Some((account, hash)) => password::verify(password_text, hash) && !account.disabled,
            None => {
                let _ = password::verify(password_text, dummy_hash());
                false
            }
        };
        let account = match (ok, found) {
            (true, Some((account, _))) => account,
            _ => {
                let mut locked = None;
                for (key, attempt) in [(&user_key, user_attempt), (&client_key, client_attempt)] {
                    if let Some(until) = self
                        .throttle_failed(key, attempt, now, policy, REASON)
                        .await?
                    {
                        locked = Some(until);
                    }
                }
                self.audit_login_failed(username, client, "login", "bad credentials", locked)
                    .await?;
                return Err(LoginError::BadCredentials);
            }
        };
        // The account's failures are forgotten only when no second factor follows: password and
        // code failures count together until the whole login succeeds.
        self.throttle_passed(&user_key, !account.totp_enrolled)
            .await?;
        self.throttle_passed(&client_key, false).await?;
        let token = new_token();
        exec!(self, sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, client, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)"
        )
        .bind(token_hash(&token))
        .bind(account.id.0)
        .bind(client)
        .bind(now))?;
        self.audit_login(username, client, "login", Outcome::Success, None)
            .await?;
        Ok((account, token))
    }

    /// The account a session token belongs to, if the session is still valid: not idle longer
    /// than `idle`, not older than `absolute`, account not disabled. Touches the session.
    pub async fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
        policy: &LoginPolicy,
    ) -> Result<Option<Account>> {
        Ok(self
            .session_state(token, now, policy)
            .await?
            .map(|(a, _)| a))
    }

    /// As [`Store::session`], with whether the second factor was given in this session.
    pub async fn session_state(
        &self,
        token: &str,
        now: DateTime<Utc>,
        policy: &LoginPolicy,
    ) -> Result<Option<(Account, bool)>> {
        let hash = token_hash(token);
        let row: Option<(i64, DateTime<Utc>, DateTime<Utc>, bool)> = fetch!(self, optional, sqlx::query_as(
            "SELECT account_id, created_at, last_seen_at, mfa_done FROM sessions WHERE token_hash = $1"
        )
        .bind(&hash))?;
        let Some((account_id, created, seen, mfa_done)) = row else {
            return Ok(None);
        };
        if now - seen > policy.idle || now - created > policy.absolute {
            self.logout(token).await?;
            return Ok(None);
        }
        let account = self.account(AccountId(account_id)).await?;
        match account {
            Some(a) if !a.disabled => {
                exec!(
                    self,
                    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                        .bind(now)
                        .bind(&hash)
                )?;
                Ok(Some((a, mfa_done)))
            }
            _ => Ok(None),
        }
    }

    /// Ends one session.
    pub async fn logout(&self, token: &str) -> Result<()> {
        exec!(
            self,
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token))
        )?;
        Ok(())
    }

    /// Disables (or re-enables) an account; disabling ends all its sessions.
    /// Sets an account's platform role on the server (`zhanqun accounts role`, the operators'
    /// path for replacing one of the three administrators). An account holding site roles
    /// cannot become one of them (三权分立).
    pub async fn assign_platform_role(
        &self,
        account_id: AccountId,
        role: Option<zhanqun_core::PlatformRole>,
    ) -> Result<()> {
        let account_id = account_id.0;
        if role.is_some_and(zhanqun_core::PlatformRole::separated)
            && !self.grants_of(AccountId(account_id)).await?.is_empty()
        {
            return Err(Error::conflict(
                "三权分立：该账号持有网站角色，须先撤销其网站授权",
            ));
        }
        let n = exec!(
            self,
            sqlx::query("UPDATE accounts SET platform_role = $1 WHERE id = $2")
                .bind(role.map(zhanqun_core::PlatformRole::as_str))
                .bind(account_id)
        )?;
        if n == 0 {
            return Err(Error::not_found(format!("账号 {account_id} 不存在")));
        }
        Ok(())
    }

    pub async fn set_account_disabled(&self, account_id: AccountId, disabled: bool) -> Result<()> {
        let account_id = account_id.0;
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = sqlx::query("UPDATE accounts SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(account_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            if n == 0 {
                return Err(Error::not_found(format!("账号 {account_id} 不存在")));
            }
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(())
        })
    }
}

impl Store {
    /// Marks a session as having passed the second factor.
    async fn complete_mfa(&self, token: &str) -> Result<()> {
        exec!(
            self,
            sqlx::query("UPDATE sessions SET mfa_done = TRUE WHERE token_hash = $1")
                .bind(token_hash(token))
        )
        .map(|_| ())
    }

    /// Starts TOTP enrolment: a new secret, kept pending until a code from it is confirmed.
    /// Refused once a second factor is enrolled (a reset is an administrator's action).
    pub async fn totp_begin(&self, account: &Account) -> Result<String> {
        if account.totp_enrolled {
            return Err(Error::conflict(
                "已绑定动态口令，如需更换请联系系统管理员重置",
            ));
        }
        let secret = zhanqun_core::totp::generate_secret();
        exec!(
            self,
            sqlx::query(
                "UPDATE accounts SET totp_pending = $1 WHERE id = $2 AND totp_secret IS NULL"
            )
            .bind(&secret)
            .bind(account.id.0)
        )?;
        Ok(secret)
    }

    /// Records that `step` was used; false when it (or a later one) already was: each code once.
    async fn totp_use_step(&self, account: i64, step: u64) -> Result<bool> {
        let step = i64::try_from(step).map_err(Error::internal)?;
        let n = exec!(self, sqlx::query(
            "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)"
        )
        .bind(step)
        .bind(account))?;
        Ok(n == 1)
    }

    /// Confirms enrolment with a code from the pending secret; the session passes the second
    /// factor. Audited either way.
    pub async fn totp_confirm(
        &self,
        token: &str,
        account: &Account,
        code: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let pending: Option<Option<String>> = fetch!(
            self,
            optional,
            sqlx::query_scalar(
                "SELECT totp_pending FROM accounts WHERE id = $1 AND totp_secret IS NULL"
            )
            .bind(account.id.0)
        )?;
        let Some(secret) = pending.flatten() else {
            return Err(Error::conflict("没有待确认的动态口令绑定，请重新开始绑定"));
        };
        let ok = match zhanqun_core::totp::check(&secret, code, now)? {
            Some(step) => {
                let step = i64::try_from(step).map_err(Error::internal)?;
                exec!(self, sqlx::query(
                    "UPDATE accounts SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1 \
                     WHERE id = $2 AND totp_secret IS NULL"
                )
                .bind(step)
                .bind(account.id.0))?;
                self.complete_mfa(token).await?;
                true
            }
            None => false,
        };
        self.audit_login(
            &account.username,
            client,
            "totp.enrol",
            Outcome::of(ok),
            None,
        )
        .await?;
        Ok(ok)
    }

    /// Checks a code from the enrolled secret; a code is accepted once. Failures count toward
    /// the login lockout of the account. On success the session passes the second factor.
    pub async fn totp_verify(
        &self,
        token: &str,
        account: &Account,
        code: &str,
        client: &str,
        now: DateTime<Utc>,
        policy: &LoginPolicy,
    ) -> Result<bool, LoginError> {
        let user_key = account_key(&account.username);
        let attempt = match self.throttle_take(&user_key, now, policy, REASON).await? {
            Ok(n) => n,
            Err(until) => {
                self.audit_login_failed(&account.username, client, "login.totp", "locked", None)
                    .await?;
                return Err(LoginError::Locked(until));
            }
        };
        let secret: Option<Option<String>> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT totp_secret FROM accounts WHERE id = $1").bind(account.id.0)
        )?;
        let Some(secret) = secret.flatten() else {
            return Err(LoginError::Store("no totp secret".into()));
        };
        let ok = match zhanqun_core::totp::check(&secret, code, now)? {
            Some(step) => self.totp_use_step(account.id.0, step).await?,
            None => false,
        };
        if ok {
            self.complete_mfa(token).await?;
            self.throttle_passed(&user_key, true).await?;
            self.audit_login(
                &account.username,
                client,
                "login.totp",
                Outcome::Success,
                None,
            )
            .await?;
        } else {
            let locked = self
                .throttle_failed(&user_key, attempt, now, policy, REASON)
                .await?;
            self.audit_login_failed(
                &account.username,
                client,
                "login.totp",
                "bad or reused code",
                locked,
            )
            .await?;
        }
        Ok(ok)
    }

    /// The login locks in force (security administrator): which account or address, why,
    /// since and until when.
    pub async fn login_locks(
        &self,
        actor: &crate::Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<LoginLock>> {
        actor
            .principal
            .require_platform(zhanqun_core::PlatformRole::SecurityAdmin)?;
        type Row = (String, Option<String>, Option<DateTime<Utc>>, DateTime<Utc>);
        let rows: Vec<Row> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT key, reason, locked_at, locked_until FROM login_throttle \
                     WHERE locked_until > $1 ORDER BY locked_until DESC, key LIMIT 500",
            )
            .bind(now)
        )?;
        Ok(rows
            .into_iter()
            .map(|(key, reason, locked_at, locked_until)| LoginLock {
                kind: if key.starts_with("client:") {
                    "地址"
                } else {
                    "账号"
                },
                name: key
                    .split_once(':')
                    .map_or(key.as_str(), |(_, n)| n)
                    .to_string(),
                key,
                reason: reason.unwrap_or_default(),
                locked_at,
                locked_until,
            })
            .collect())
    }

    /// Lifts a login lock (security administrator); audited with the lock's reason.
    pub async fn unlock_login(&self, actor: &crate::Actor, key: &str) -> Result<()> {
        let object = format!("login-lock {key}");
        if let Err(e) = actor
            .principal
            .require_platform(zhanqun_core::PlatformRole::SecurityAdmin)
        {
            return self.refused(actor, None, "login.unlock", object, e).await;
        }
        let reason: Option<Option<String>> = fetch!(
            self,
            pool optional,
            sqlx::query_scalar("DELETE FROM login_throttle WHERE key = $1 RETURNING reason")
                .bind(key)
        )?;
        let Some(reason) = reason else {
            return Err(Error::not_found("该锁定不存在或已解除"));
        };
        self.audit(&actor.entry(
            "security_admin",
            None,
            "login.unlock",
            object,
            Outcome::Success,
            reason,
        ))
        .await?;
        Ok(())
    }

    /// Ends every session of an account (after a password change or a TOTP reset).
    pub async fn end_sessions(&self, account: AccountId) -> Result<()> {
        let account = account.0;
        exec!(
            self,
            sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account)
        )
        .map(|_| ())
    }
}
