//! Editorial work: grants, drafts, the review workflow, revisions, scheduled publishing.
//!
//! Every function here takes the [`Actor`] and decides with [`Principal::may`] before it
//! writes; what the request asked for never widens that. Each write commits together with its
//! audit record (fail closed); a refusal is audited as a failure.

use crate::BeginWrite;
use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::workflow;
use zhanqun_core::*;

use crate::audit::append_audit;
use crate::media::publish_media;
use crate::reprint::fan_out;
use crate::{ArticleInput, AuditEntry, Change, Outcome, Store, db_err, log_change, now, on_pool};

/// Who does something, from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub client: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// The audit record of an action by this actor.
    pub fn entry(
        &self,
        role: &str,
        site_code: Option<&str>,
        action: &str,
        object: impl Into<String>,
        outcome: Outcome,
        detail: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            actor: format!("user:{}", self.principal.account.username),
            role: role.to_string(),
            site_code: site_code.map(str::to_string),
            client: self.client.clone(),
            action: action.to_string(),
            object: Some(object.into()),
            outcome,
            request_id: self.request_id.clone(),
            detail,
        }
    }
}

/// Writes a revision row inside a transaction.
macro_rules! record_revision {
    ($tx:expr, $article:expr, $rev:expr, $account:expr, $input:expr, $ts:expr) => {{
        let input: &$crate::ArticleInput = &$input;
        sqlx::query(
            "INSERT INTO revisions (article_id, rev, at, account_id, title, body_html, fields) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($article)
        .bind($rev)
        .bind($ts)
        .bind($account)
        .bind(input.title.trim())
        .bind(&input.body_html)
        .bind($crate::editorial::revision_fields(input))
        .execute(&mut *$tx)
        .await
        .map_err($crate::db_err)?;
    }};
}
pub(crate) use record_revision;

/// Writes a workflow event row inside a transaction.
macro_rules! record_event {
    ($tx:expr, $article:expr, $account:expr, $action:expr, $from:expr, $to:expr, $reason:expr, $ts:expr) => {{
        sqlx::query(
            "INSERT INTO article_events (article_id, at, account_id, action, from_status, to_status, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($article)
        .bind($ts)
        .bind($account)
        .bind($action)
        .bind($from)
        .bind($to)
        .bind($reason)
        .execute(&mut *$tx)
        .await
        .map_err($crate::db_err)?;
    }};
}
pub(crate) use record_event;

/// The fields of a revision besides title and body, as readable text lines (for the diff).
pub(crate) fn revision_fields(input: &ArticleInput) -> String {
    let mut lines = Vec::new();
    let mut push = |k: &str, v: Option<&str>| {
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            lines.push(format!("{k}：{}", v.trim()));
        }
    };
    push("副标题", input.subtitle.as_deref());
    push("摘要", input.summary.as_deref());
    push("作者", input.author.as_deref());
    push("来源", input.source.as_deref());
    push("封面", input.cover_url.as_deref());
    if let Some(d) = &input.disclosure {
        push("文号", d.doc_number.as_deref());
        push("发文机关", d.issuing_organ.as_deref());
        push("主题分类", d.topic.as_deref());
        let written = d.written_date.map(|w| w.to_string());
        push("成文日期", written.as_deref());
        push("有效性", d.validity.map(Validity::label));
    }
    lines.join("\n")
}

/// Where an article is in the workflow, who moved it and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Workflow {
    pub home_column_id: Option<i64>,
    pub created_by: Option<i64>,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub secrecy_confirmed: bool,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub signed_by: Option<i64>,
    pub signed_at: Option<DateTime<Utc>>,
    pub reject_reason: Option<String>,
    pub withdraw_reason: Option<String>,
    pub publish_at: Option<DateTime<Utc>>,
    pub unpublish_at: Option<DateTime<Utc>>,
    pub revision: i64,
}

const WORKFLOW_COLS: &str = "home_column_id, created_by, submitted_by, submitted_at, secrecy_confirmed, reviewed_by, \
     reviewed_at, signed_by, signed_at, reject_reason, withdraw_reason, publish_at, unpublish_at, revision";

/// One step of an article's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ArticleEvent {
    pub at: DateTime<Utc>,
    pub account: Option<String>,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub reason: Option<String>,
}

/// A kept version of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Revision {
    pub rev: i64,
    pub at: DateTime<Utc>,
    pub account: Option<String>,
    pub title: String,
    pub body_html: String,
    pub fields: String,
}

/// A line of a work list (my drafts, the review queue, a column's articles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct WorkItem {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub site_id: i64,
    pub site_name: String,
    pub column_id: Option<i64>,
    pub column_name: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub author: Option<String>,
    pub reject_reason: Option<String>,
    /// Who wrote, submitted and reviewed it (what the four-eyes rules read; not shown).
    #[serde(skip)]
    pub created_by: Option<i64>,
    #[serde(skip)]
    pub submitted_by: Option<i64>,
    #[serde(skip)]
    pub reviewed_by: Option<i64>,
}

impl WorkItem {
    pub fn hands(&self) -> zhanqun_core::workflow::Hands {
        zhanqun_core::workflow::Hands {
            created_by: self.created_by,
            submitted_by: self.submitted_by,
            reviewed_by: self.reviewed_by,
        }
    }
}

/// The console's "my work" page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MyWork {
    pub drafts: Vec<WorkItem>,
    pub rejected: Vec<WorkItem>,
    pub submitted: Vec<WorkItem>,
    pub to_review: Vec<WorkItem>,
    pub to_sign: Vec<WorkItem>,
}

/// A workflow step asked for by an actor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Transition {
    /// 送审: the submitter confirms the secrecy check (保密审查).
    Submit {
        #[serde(default)]
        secrecy_confirmed: bool,
    },
    /// 审核通过. With a future `publish_at`, the article waits to be published then.
    Approve {
        #[serde(default)]
        publish_at: Option<DateTime<Utc>>,
        #[serde(default)]
        unpublish_at: Option<DateTime<Utc>>,
    },
    /// 签发.
    Sign {
        #[serde(default)]
        publish_at: Option<DateTime<Utc>>,
        #[serde(default)]
        unpublish_at: Option<DateTime<Utc>>,
    },
    /// 退回 with a reason, back to draft.
    Reject { reason: String },
    /// 撤稿: off every site, with a reason.
    Withdraw { reason: String },
}

impl Transition {
    /// The workflow step it asks for (the rules are in [`zhanqun_core::workflow`]).
    pub fn step(&self) -> zhanqun_core::workflow::Step {
        use zhanqun_core::workflow::Step;
        match self {
            Transition::Submit { .. } => Step::Submit,
            Transition::Approve { .. } => Step::Approve,
            Transition::Sign { .. } => Step::Sign,
            Transition::Reject { .. } => Step::Reject,
            Transition::Withdraw { .. } => Step::Withdraw,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Transition::Submit { .. } => "submit",
            Transition::Approve { .. } => "approve",
            Transition::Sign { .. } => "sign",
            Transition::Reject { .. } => "reject",
            Transition::Withdraw { .. } => "withdraw",
        }
    }
}

/// An article with its column's place in the tree: what decisions need.
pub(crate) struct Located {
    pub(crate) site: SiteId,
    pub(crate) site_code: String,
    pub(crate) column: ColumnId,
    pub(crate) ancestry: Vec<ColumnId>,
    pub(crate) needs_signoff: bool,
    pub(crate) status: ArticleStatus,
    pub(crate) workflow: Workflow,
}

fn work_item_sql(filter: &str) -> String {
    format!(
        "SELECT a.id, a.title, a.status, a.site_id, s.name AS site_name, a.home_column_id AS column_id, \
         c.name AS column_name, a.updated_at, u.display_name AS author, a.reject_reason, \
         a.created_by, a.submitted_by, a.reviewed_by \
         FROM articles a JOIN sites s ON s.id = a.site_id LEFT JOIN columns c ON c.id = a.home_column_id \
         LEFT JOIN accounts u ON u.id = a.created_by WHERE {filter} ORDER BY a.updated_at DESC, a.id DESC LIMIT 200"
    )
}

/// Sets the publish time of an article to `$ts` and re-sorts its placements.
macro_rules! publish_now {
    ($tx:expr, $id:expr, $ts:expr) => {{
        let ts: DateTime<Utc> = $ts;
        // The files the article uses become public with it.
        let (site, body, cover): (i64, String, Option<String>) =
            sqlx::query_as("SELECT site_id, body_html, cover_url FROM articles WHERE id = $1")
                .bind($id)
                .fetch_one(&mut *$tx)
                .await
                .map_err(db_err)?;
        publish_media!($tx, site, &body, cover.as_deref(), ts);
        sqlx::query("UPDATE articles SET published_at = $1, publish_date = $2 WHERE id = $3")
            .bind(ts)
            .bind(ts.date_naive())
            .bind($id)
            .execute(&mut *$tx)
            .await
            .map_err(db_err)?;
        sqlx::query("UPDATE placements SET sort_at = $1 WHERE article_id = $2")
            .bind(ts)
            .bind($id)
            .execute(&mut *$tx)
            .await
            .map_err(db_err)?;
        // A reprint item entered by hand fans out when its own site publishes it.
        let held: Option<(i64, i64, i64, String)> = sqlx::query_as(
            "SELECT i.id, i.source_id, s.owner_site_id, t.code FROM reprint_items i \
             JOIN reprint_sources s ON s.id = i.source_id JOIN sites t ON t.id = s.owner_site_id \
             WHERE i.article_id = $1 AND i.held",
        )
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await
        .map_err(db_err)?;
        if let Some((item, source, owner, code)) = held {
            sqlx::query("UPDATE reprint_items SET held = FALSE WHERE id = $1")
                .bind(item)
                .execute(&mut *$tx)
                .await
                .map_err(db_err)?;
            let (placed, pending, _) = fan_out!($tx, item, $id, source, owner, ts);
            let entry = AuditEntry {
                site_code: Some(code),
                ..crate::reprint::system_entry(
                    "reprint.fanout",
                    format!("source:{source} article:{}", $id),
                    Some(format!(
                        "已发布到 {placed} 个网站，{pending} 个网站待本站审核"
                    )),
                )
            };
            append_audit!($tx, &entry);
        }
    }};
}

/// The change of an article for the page cache: every place it is shown, and its policy.
macro_rules! article_change {
    ($tx:expr, $id:expr) => {{
        let placements: Vec<(i64, i64)> =
            sqlx::query_as("SELECT site_id, column_id FROM placements WHERE article_id = $1")
                .bind($id)
                .fetch_all(&mut *$tx)
                .await
                .map_err(db_err)?;
        let policy: Option<i64> =
            sqlx::query_scalar("SELECT interprets_id FROM articles WHERE id = $1")
                .bind($id)
                .fetch_one(&mut *$tx)
                .await
                .map_err(db_err)?;
        Change::Article {
            article: ArticleId($id),
            placements: placements
                .into_iter()
                .map(|(s, c)| (SiteId(s), ColumnId(c)))
                .collect(),
            related: policy.map(ArticleId).into_iter().collect(),
        }
    }};
}
pub(crate) use article_change;

impl Store {
    /// A site's code by id.
    async fn site_code_of(&self, site: SiteId) -> Result<String> {
        on_pool!(self, |p| sqlx::query_scalar(
            "SELECT code FROM sites WHERE id = $1"
        )
        .bind(site.0)
        .fetch_optional(p)
        .await
        .map_err(db_err))?
        .ok_or_else(|| Error::not_found(format!("网站 {site} 不存在")))
    }

    /// The column, then its parents up to the top, with its site and whether it needs sign-off.
    pub async fn column_ancestry(
        &self,
        column: ColumnId,
    ) -> Result<Option<(SiteId, Vec<ColumnId>, bool)>> {
        let rows: Vec<(i64, i64, bool, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
            "WITH RECURSIVE up(id, parent_id, site_id, needs_signoff, depth) AS ( \
               SELECT id, parent_id, site_id, needs_signoff, CAST(0 AS BIGINT) FROM columns WHERE id = $1 \
               UNION ALL SELECT c.id, c.parent_id, c.site_id, c.needs_signoff, up.depth + 1 \
               FROM columns c JOIN up ON c.id = up.parent_id WHERE up.depth < 32) \
             SELECT id, site_id, needs_signoff, depth FROM up ORDER BY depth"
        )
        .bind(column.0)
        .fetch_all(p)
        .await
        .map_err(db_err)
        })?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let (site, signoff) = (SiteId(first.1), first.2);
        Ok(Some((
            site,
            rows.iter().map(|r| ColumnId(r.0)).collect(),
            signoff,
        )))
    }

    pub(crate) async fn locate(&self, id: ArticleId) -> Result<Located> {
        #[derive(sqlx::FromRow)]
        struct Row {
            site_id: i64,
            status: String,
            #[sqlx(flatten)]
            workflow: Workflow,
        }
        let sql = format!("SELECT site_id, status, {WORKFLOW_COLS} FROM articles WHERE id = $1");
        let row: Option<Row> =
            on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id.0)
                .fetch_optional(p)
                .await
                .map_err(db_err))?;
        let row = row.ok_or_else(|| Error::not_found(format!("信息 {id} 不存在")))?;
        let column = row
            .workflow
            .home_column_id
            .map(ColumnId)
            .ok_or_else(|| Error::not_found(format!("信息 {id} 没有所属栏目")))?;
        let (site, ancestry, needs_signoff) = self
            .column_ancestry(column)
            .await?
            .ok_or_else(|| Error::not_found(format!("栏目 {column} 不存在")))?;
        if site.0 != row.site_id {
            return Err(Error::internal(format!(
                "article {id} home column {column} is on another site"
            )));
        }
        Ok(Located {
            site,
            site_code: self.site_code_of(site).await?,
            column,
            ancestry,
            needs_signoff,
            status: ArticleStatus::parse(&row.status)?,
            workflow: row.workflow,
        })
    }

    /// Audits a refusal (outside any transaction: the refused action wrote nothing) and
    /// returns the error.
    pub(crate) async fn refused<T>(
        &self,
        actor: &Actor,
        site_code: Option<&str>,
        action: &str,
        object: String,
        err: Error,
    ) -> Result<T> {
        if matches!(
            err,
            Error::Forbidden(_) | Error::Conflict(_) | Error::InvalidInput(_)
        ) {
            let entry = actor.entry(
                &actor.principal.role_text(),
                site_code,
                action,
                object,
                Outcome::Failure,
                Some(err.to_string()),
            );
            self.audit(&entry).await?;
        }
        Err(err)
    }

    // ---- grants and platform roles -------------------------------------------------------

    pub async fn grants_of(&self, account: i64) -> Result<Vec<Grant>> {
        let rows: Vec<(i64, i64, String, i64, Option<i64>)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, account_id, role, site_id, column_id FROM grants WHERE account_id = $1 ORDER BY id"
        )
        .bind(account)
        .fetch_all(p)
        .await
        .map_err(db_err)
        })?;
        rows.into_iter()
            .map(|(id, account_id, role, site, column)| {
                Ok(Grant {
                    id,
                    account_id,
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
        account: i64,
        role: SiteRole,
        site: SiteId,
        column: Option<ColumnId>,
    ) -> Result<i64> {
        let object = format!(
            "account:{account} {} site:{site} column:{column:?}",
            role.as_str()
        );
        let res = self
            .grant_inner(actor, account, role, site, column, &object)
            .await;
        match res {
            Ok(v) => Ok(v),
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
            .account(account)
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
        let res: Result<i64> = async { on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO grants (account_id, role, site_id, column_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(account)
            .bind(role.as_str())
            .bind(site.0)
            .bind(column.map(|c| c.0))
            .bind(ts)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
            append_audit!(tx, &entry);
            tx.commit().await.map_err(db_err)?;
            Ok(id)
        }) }
        .await;
        res.map_err(|e| match e {
            Error::Conflict(_) => Error::conflict("该账号已有这项授权"),
            other => other,
        })
    }

    /// Grants a role as the system itself (demo setup from the command line), audited with the
    /// actor `system`. Granting what is already granted does nothing.
    pub async fn grant_as_system(
        &self,
        account: i64,
        role: SiteRole,
        site: SiteId,
        column: Option<ColumnId>,
    ) -> Result<()> {
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
    pub async fn revoke_grant(&self, actor: &Actor, grant: i64) -> Result<()> {
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
            append_audit!(tx, &entry);
            tx.commit().await.map_err(db_err)?;
            Ok(())
        })
    }

    /// Sets an account's platform role (security administrator). An account holds at most one
    /// of system, security and audit administrator, and none of them with site roles.
    pub async fn set_platform_role(
        &self,
        actor: &Actor,
        account: i64,
        role: Option<PlatformRole>,
    ) -> Result<()> {
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
                .account(account)
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
                && !self.grants_of(account).await?.is_empty()
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
            append_audit!(tx, &entry);
            tx.commit().await.map_err(db_err)?;
            Ok(())
        })
    }

    /// Creates an account (system administrator); platform roles are set by the security
    /// administrator afterwards.
    pub async fn create_account_by(
        &self,
        actor: &Actor,
        account: &crate::NewAccount,
    ) -> Result<i64> {
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
        account: i64,
        disabled: bool,
    ) -> Result<()> {
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
                .account(account)
                .await?
                .ok_or_else(|| Error::not_found(format!("账号 {account} 不存在")))?;
            if let Err(e) = zhanqun_core::access::check_administrator_change(target.platform_role) {
                return self.refused(actor, None, action, object, e).await;
            }
        }
        self.set_account_disabled(account, disabled).await?;
        self.audit(&actor.entry("system_admin", None, action, object, Outcome::Success, None))
            .await?;
        Ok(())
    }

    // ---- articles ---------------------------------------------------------------------------

    /// A policy an interpretation may link to: published, or readable by the actor.
    async fn check_policy_link(&self, actor: &Actor, input: &ArticleInput) -> Result<()> {
        let Some(policy) = input.interprets else {
            return Ok(());
        };
        let visible = match self.article(policy).await? {
            Some(a) if a.status == ArticleStatus::Published => true,
            Some(_) => self.locate_for(actor, policy, Act::Read).await.is_ok(),
            None => false,
        };
        if visible {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "所解读的政策文件 {policy} 不存在或未发布"
            )))
        }
    }

    /// Creates a draft in `column` (an editor of that column, or the site administrator).
    pub async fn create_draft(
        &self,
        actor: &Actor,
        column: ColumnId,
        mut input: ArticleInput,
    ) -> Result<ArticleId> {
        input.published = false;
        input.published_at = None;
        input.body_html = sanitize::clean_html(&input.body_html);
        let object = format!("column:{column}");
        let Some((site, ancestry, _)) = self.column_ancestry(column).await? else {
            return self
                .refused(
                    actor,
                    None,
                    "article.create",
                    object,
                    Error::forbidden("您没有在该栏目“编辑”的权限"),
                )
                .await;
        };
        let code = self.site_code_of(site).await?;
        let role = match actor.principal.require(Act::Edit, site, &ancestry) {
            Ok(r) => r,
            Err(e) => {
                return self
                    .refused(actor, Some(&code), "article.create", object, e)
                    .await;
            }
        };
        if let Err(e) = self.check_policy_link(actor, &input).await {
            return self
                .refused(actor, Some(&code), "article.create", object, e)
                .await;
        }
        if input.unit.is_none() {
            input.unit = actor.principal.account.unit_id;
        }
        let entry = actor.entry(
            &role,
            Some(&code),
            "article.create",
            format!("column:{column} “{}”", input.title.trim()),
            Outcome::Success,
            None,
        );
        let ids = self
            .create_articles_with(
                site,
                vec![(input, vec![column])],
                Some((actor.principal.id(), &entry)),
            )
            .await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| Error::internal("no draft created"))
    }

    /// Edits a draft (an editor of its column). Submitted and published articles are not edited.
    pub async fn edit_draft(
        &self,
        actor: &Actor,
        id: ArticleId,
        mut input: ArticleInput,
    ) -> Result<()> {
        input.published_at = None;
        input.body_html = sanitize::clean_html(&input.body_html);
        let object = format!("article:{id}");
        let loc = match self.locate_for(actor, id, Act::Edit).await {
            Ok(l) => l,
            Err(e) => return self.refused(actor, None, "article.edit", object, e).await,
        };
        let (loc, role) = loc;
        if let Err(e) = self.check_policy_link(actor, &input).await {
            return self
                .refused(actor, Some(&loc.site_code), "article.edit", object, e)
                .await;
        }
        let entry = actor.entry(
            &role,
            Some(&loc.site_code),
            "article.edit",
            object.clone(),
            Outcome::Success,
            Some(format!("revision {}", loc.workflow.revision + 1)),
        );
        match self
            .update_article_with(id, input, Some((actor.principal.id(), &entry)))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) => {
                self.refused(actor, Some(&loc.site_code), "article.edit", object, e)
                    .await
            }
        }
    }

    /// Locates an article and checks the actor may do `act` in its column. An article the
    /// actor may not even read is reported as not found.
    async fn locate_for(
        &self,
        actor: &Actor,
        id: ArticleId,
        act: Act,
    ) -> Result<(Located, String)> {
        let loc = self.locate(id).await?;
        if !actor.principal.may(Act::Read, loc.site, &loc.ancestry) {
            return Err(Error::not_found(format!("信息 {id} 不存在")));
        }
        let role = actor.principal.require(act, loc.site, &loc.ancestry)?;
        Ok((loc, role))
    }

    /// An article with its workflow state, for an actor who may read its column.
    pub async fn editorial_article(
        &self,
        actor: &Actor,
        id: ArticleId,
    ) -> Result<(Article, Workflow, ColumnId)> {
        let (loc, _) = self.locate_for(actor, id, Act::Read).await?;
        let article = self
            .article(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("信息 {id} 不存在")))?;
        Ok((article, loc.workflow, loc.column))
    }

    /// Moves an article one step in the workflow, if the actor's grants allow that step in the
    /// article's column; nobody approves or signs what they wrote or submitted.
    pub async fn transition(&self, actor: &Actor, id: ArticleId, step: Transition) -> Result<()> {
        let action = format!("article.{}", step.name());
        let object = format!("article:{id}");
        let planned = self.plan_transition(actor, id, &step).await;
        let (loc, role, to) = match planned {
            Ok(p) => p,
            Err(e) => {
                let code = self.locate(id).await.ok().map(|l| l.site_code);
                return self
                    .refused(actor, code.as_deref(), &action, object, e)
                    .await;
            }
        };
        let detail = match &step {
            Transition::Reject { reason } | Transition::Withdraw { reason } => {
                Some(reason.trim().to_string())
            }
            Transition::Submit { .. } => Some("保密审查已确认".to_string()),
            _ => None,
        };
        let entry = actor.entry(
            &role,
            Some(&loc.site_code),
            &action,
            object,
            Outcome::Success,
            detail.clone(),
        );
        let ts = now();
        let me = actor.principal.id();
        let (publish_at, unpublish_at) = match &step {
            Transition::Approve {
                publish_at,
                unpublish_at,
            }
            | Transition::Sign {
                publish_at,
                unpublish_at,
            } => (*publish_at, *unpublish_at),
            _ => (None, None),
        };
        let from = loc.status;
        let change = async { on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = sqlx::query(
                "UPDATE articles SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            )
            .bind(to.as_str())
            .bind(ts)
            .bind(id.0)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if n == 0 {
                return Err(Error::conflict("该信息的状态刚刚已被他人改变，请刷新后再试"));
            }
            match &step {
                Transition::Submit { .. } => {
                    sqlx::query(
                        "UPDATE articles SET submitted_by = $1, submitted_at = $2, secrecy_confirmed = TRUE, \
                         reject_reason = NULL WHERE id = $3",
                    )
                    .bind(me)
                    .bind(ts)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
                Transition::Approve { .. } => {
                    sqlx::query("UPDATE articles SET reviewed_by = $1, reviewed_at = $2 WHERE id = $3")
                        .bind(me)
                        .bind(ts)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                }
                Transition::Sign { .. } => {
                    sqlx::query("UPDATE articles SET signed_by = $1, signed_at = $2 WHERE id = $3")
                        .bind(me)
                        .bind(ts)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                }
                Transition::Reject { reason } => {
                    sqlx::query(
                        "UPDATE articles SET reject_reason = $1, reviewed_by = NULL, reviewed_at = NULL WHERE id = $2",
                    )
                    .bind(reason.trim())
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
                Transition::Withdraw { reason } => {
                    sqlx::query("UPDATE articles SET withdraw_reason = $1, unpublish_at = NULL WHERE id = $2")
                        .bind(reason.trim())
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                }
            }
            if to == ArticleStatus::Scheduled || to == ArticleStatus::Published {
                sqlx::query("UPDATE articles SET publish_at = $1, unpublish_at = $2 WHERE id = $3")
                    .bind(publish_at)
                    .bind(unpublish_at)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            if to == ArticleStatus::Published {
                publish_now!(tx, id.0, ts);
            }
            record_event!(tx, id.0, me, step.name(), from.as_str(), to.as_str(), detail.clone(), ts);
            append_audit!(tx, &entry);
            let change = if to == ArticleStatus::Published || from == ArticleStatus::Published {
                let change = article_change!(tx, id.0);
                log_change!(self, tx, &change);
                Some(change)
            } else {
                None
            };
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(change)
        }) }
        .await;
        match change {
            Ok(change) => {
                if let Some(c) = change {
                    self.notify(c);
                }
                Ok(())
            }
            Err(e) => {
                self.refused(
                    actor,
                    Some(&loc.site_code),
                    &action,
                    format!("article:{id}"),
                    e,
                )
                .await
            }
        }
    }

    /// Decides a transition: the article's current state, the role that allows it, the state
    /// it goes to.
    async fn plan_transition(
        &self,
        actor: &Actor,
        id: ArticleId,
        step: &Transition,
    ) -> Result<(Located, String, ArticleStatus)> {
        use zhanqun_core::workflow::Hands;
        let loc = self.locate(id).await?;
        let kind = step.step();
        let (loc, role) = self.locate_for(actor, id, kind.act(loc.status)).await?;
        let w = &loc.workflow;
        let hands = Hands {
            created_by: w.created_by,
            submitted_by: w.submitted_by,
            reviewed_by: w.reviewed_by,
        };
        let to = workflow::next(
            kind,
            loc.status,
            &hands,
            actor.principal.id(),
            loc.needs_signoff,
        )?;
        // What the step carries: the secrecy check, a reason, a publish time.
        let to = match step {
            Transition::Submit { secrecy_confirmed } if !secrecy_confirmed => {
                return Err(Error::invalid(
                    "送审前请确认该信息已通过保密审查（勾选“已保密审查”）",
                ));
            }
            Transition::Reject { reason } if reason.trim().is_empty() => {
                return Err(Error::invalid("退回时请填写退回理由"));
            }
            Transition::Withdraw { reason } if reason.trim().is_empty() => {
                return Err(Error::invalid("撤稿时请填写撤稿理由"));
            }
            Transition::Approve { publish_at, .. } | Transition::Sign { publish_at, .. }
                if to == ArticleStatus::Published =>
            {
                match publish_at {
                    Some(t) if *t > now() => ArticleStatus::Scheduled,
                    _ => ArticleStatus::Published,
                }
            }
            _ => to,
        };
        Ok((loc, role, to))
    }

    /// Publishes scheduled articles whose time has come and takes down published ones whose
    /// unpublish time has passed. Run by the server every few seconds; the schedule is in the
    /// store, so it survives restarts. Returns (published, unpublished).
    pub async fn run_due(&self, at: DateTime<Utc>) -> Result<(u64, u64)> {
        let due: Vec<(i64, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT a.id, s.code FROM articles a JOIN sites s ON s.id = a.site_id \
             WHERE a.status = 'scheduled' AND a.publish_at <= $1 ORDER BY a.publish_at LIMIT 100"
        )
        .bind(at)
        .fetch_all(p)
        .await
        .map_err(db_err))?;
        let expired: Vec<(i64, String)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT a.id, s.code FROM articles a JOIN sites s ON s.id = a.site_id \
             WHERE a.status = 'published' AND a.unpublish_at IS NOT NULL AND a.unpublish_at <= $1 LIMIT 100"
        )
        .bind(at)
        .fetch_all(p)
        .await
        .map_err(db_err)
        })?;
        let mut counts = (0, 0);
        for (list, from, to, action) in [
            (&due, "scheduled", "published", "article.publish_scheduled"),
            (
                &expired,
                "published",
                "withdrawn",
                "article.unpublish_scheduled",
            ),
        ] {
            for (id, code) in list {
                let entry = AuditEntry {
                    actor: "system".into(),
                    role: "system".into(),
                    site_code: Some(code.clone()),
                    client: None,
                    action: action.into(),
                    object: Some(format!("article:{id}")),
                    outcome: Outcome::Success,
                    request_id: None,
                    detail: None,
                };
                let ts = now();
                let change = async { on_pool!(self, |p| {
                    let mut tx = p.begin_write().await.map_err(db_err)?;
                    let n = sqlx::query(
                        "UPDATE articles SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
                    )
                    .bind(to)
                    .bind(ts)
                    .bind(id)
                    .bind(from)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if n == 0 {
                        // Another node got there first.
                        return Ok::<_, Error>(None);
                    }
                    if to == "published" {
                        publish_now!(tx, *id, ts);
                    } else {
                        sqlx::query("UPDATE articles SET withdraw_reason = '定时下线' WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    record_event!(tx, *id, None::<i64>, action, from, to, None::<String>, ts);
                    append_audit!(tx, &entry);
                    let change = article_change!(tx, *id);
                    log_change!(self, tx, &change);
                    tx.commit().await.map_err(db_err)?;
                    Ok::<_, Error>(Some(change))
                }) }
                .await?;
                if let Some(c) = change {
                    self.notify(c);
                    if to == "published" {
                        counts.0 += 1;
                    } else {
                        counts.1 += 1;
                    }
                }
            }
        }
        Ok(counts)
    }

    /// Pins an article in its columns on its own site, or unpins it (site administrator or
    /// reviewer of the column).
    pub async fn pin(&self, actor: &Actor, id: ArticleId, pinned: bool) -> Result<()> {
        let object = format!("article:{id}");
        let action = if pinned {
            "article.pin"
        } else {
            "article.unpin"
        };
        let (loc, role) = match self.locate_for(actor, id, Act::Pin).await {
            Ok(v) => v,
            Err(e) => return self.refused(actor, None, action, object, e).await,
        };
        let entry = actor.entry(
            &role,
            Some(&loc.site_code),
            action,
            object,
            Outcome::Success,
            None,
        );
        let change = on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            sqlx::query("UPDATE placements SET pinned = $1 WHERE article_id = $2 AND site_id = $3")
                .bind(pinned)
                .bind(id.0)
                .bind(loc.site.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            append_audit!(tx, &entry);
            let change = article_change!(tx, id.0);
            log_change!(self, tx, &change);
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(change)
        })?;
        self.notify(change);
        Ok(())
    }

    /// Puts an article in its site's home-page slot (首页头条), replacing the one there, or takes
    /// it out (site administrator or reviewer of its column). Only a published article.
    pub async fn set_home_slot(&self, actor: &Actor, id: ArticleId, on: bool) -> Result<()> {
        let object = format!("article:{id}");
        let action = if on {
            "article.home_slot"
        } else {
            "article.home_slot_clear"
        };
        let (loc, role) = match self.locate_for(actor, id, Act::Pin).await {
            Ok(v) => v,
            Err(e) => return self.refused(actor, None, action, object, e).await,
        };
        if on && loc.status != ArticleStatus::Published {
            let e = Error::conflict("只有已发布的信息可以设为首页头条");
            return self
                .refused(actor, Some(&loc.site_code), action, object, e)
                .await;
        }
        let entry = actor.entry(
            &role,
            Some(&loc.site_code),
            action,
            object,
            Outcome::Success,
            None,
        );
        let change = on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let previous: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT article_id FROM placements WHERE site_id = $1 AND home_slot",
            )
            .bind(loc.site.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            if on {
                sqlx::query(
                    "UPDATE placements SET home_slot = FALSE WHERE site_id = $1 AND home_slot",
                )
                .bind(loc.site.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            sqlx::query(
                "UPDATE placements SET home_slot = $1 WHERE id = (SELECT MIN(id) FROM placements WHERE article_id = $2 AND site_id = $3)",
            )
            .bind(on)
            .bind(id.0)
            .bind(loc.site.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            append_audit!(tx, &entry);
            let mut change = article_change!(tx, id.0);
            if let Change::Article { related, .. } = &mut change {
                related.extend(previous.into_iter().map(ArticleId));
            }
            log_change!(self, tx, &change);
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(change)
        })?;
        self.notify(change);
        Ok(())
    }

    /// The article in a site's home-page slot, if one is there and published.
    pub async fn home_slot(&self, site: SiteId) -> Result<Option<ListItem>> {
        let row: Option<crate::rows::ListRow> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            crate::rows::list_cols!(),
            " FROM placements p JOIN articles a ON a.id = p.article_id ",
            "WHERE p.site_id = $1 AND p.home_slot AND p.live LIMIT 1"
        ))
        .bind(site.0)
        .fetch_optional(p)
        .await
        .map_err(db_err))?;
        Ok(row.map(ListItem::from))
    }

    /// Whether an article is in its site's home-page slot.
    pub async fn in_home_slot(&self, id: ArticleId, site: SiteId) -> Result<bool> {
        let n: i64 = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM placements WHERE article_id = $1 AND site_id = $2 AND home_slot"
        )
        .bind(id.0)
        .bind(site.0)
        .fetch_one(p)
        .await
        .map_err(db_err)
        })?;
        Ok(n > 0)
    }

    /// Whether an article is pinned on a site.
    pub async fn is_pinned(&self, id: ArticleId, site: SiteId) -> Result<bool> {
        let pinned: Option<bool> = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT pinned FROM placements WHERE article_id = $1 AND site_id = $2 ORDER BY id LIMIT 1"
        )
        .bind(id.0)
        .bind(site.0)
        .fetch_optional(p)
        .await
        .map_err(db_err)
        })?;
        Ok(pinned.unwrap_or(false))
    }

    /// History of an article (readers of its column).
    pub async fn article_events(&self, actor: &Actor, id: ArticleId) -> Result<Vec<ArticleEvent>> {
        self.locate_for(actor, id, Act::Read).await?;
        on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT e.at, u.display_name AS account, e.action, e.from_status, e.to_status, e.reason \
             FROM article_events e LEFT JOIN accounts u ON u.id = e.account_id WHERE e.article_id = $1 ORDER BY e.id"
        )
        .bind(id.0)
        .fetch_all(p)
        .await
        .map_err(db_err)
        })
    }

    /// Kept versions of an article, newest first (readers of its column).
    pub async fn revisions(&self, actor: &Actor, id: ArticleId) -> Result<Vec<Revision>> {
        self.locate_for(actor, id, Act::Read).await?;
        on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT r.rev, r.at, u.display_name AS account, r.title, r.body_html, r.fields \
             FROM revisions r LEFT JOIN accounts u ON u.id = r.account_id WHERE r.article_id = $1 ORDER BY r.rev DESC"
        )
        .bind(id.0)
        .fetch_all(p)
        .await
        .map_err(db_err)
        })
    }

    /// The console's "my work": my drafts, my rejected drafts, what I submitted, and what waits
    /// for my review or sign-off in the columns granted to me (not my own articles).
    pub async fn my_work(&self, actor: &Actor) -> Result<MyWork> {
        let me = actor.principal.id();
        let mine_sql = work_item_sql("a.created_by = $1 AND a.status = $2");
        let fetch = |status: &'static str| {
            let sql = mine_sql.clone();
            async move {
                on_pool!(self, |p| sqlx::query_as::<_, WorkItem>(
                    sqlx::AssertSqlSafe(sql)
                )
                .bind(me)
                .bind(status)
                .fetch_all(p)
                .await
                .map_err(db_err))
            }
        };
        let drafts_all = fetch("draft").await?;
        let (rejected, drafts) = drafts_all
            .into_iter()
            .partition(|w| w.reject_reason.is_some());
        let mut submitted = fetch("submitted").await?;
        submitted.extend(fetch("reviewed").await?);
        let to_review = self
            .queue(actor, ArticleStatus::Submitted, workflow::Step::Approve)
            .await?;
        let to_sign = self
            .queue(actor, ArticleStatus::Reviewed, workflow::Step::Sign)
            .await?;
        Ok(MyWork {
            drafts,
            rejected,
            submitted,
            to_review,
            to_sign,
        })
    }

    /// Articles in `status` on the actor's sites on which the actor may take `step` now
    /// ([`workflow::may_take`]: their rights in the column and the four-eyes rules).
    async fn queue(
        &self,
        actor: &Actor,
        status: ArticleStatus,
        step: workflow::Step,
    ) -> Result<Vec<WorkItem>> {
        let me = actor.principal.id();
        let mut out = Vec::new();
        for site in actor.principal.sites() {
            let sql = work_item_sql("a.site_id = $1 AND a.status = $2");
            let items: Vec<WorkItem> =
                on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(site.0)
                    .bind(status.as_str())
                    .fetch_all(p)
                    .await
                    .map_err(db_err))?;
            for item in items {
                let Some(col) = item.column_id else { continue };
                if let Some((s, ancestry, _)) = self.column_ancestry(ColumnId(col)).await?
                    && workflow::may_take(step, status, &item.hands(), me, |act| {
                        actor.principal.may(act, s, &ancestry)
                    })
                {
                    out.push(item);
                }
            }
        }
        Ok(out)
    }

    /// Articles whose home is `column` or below, any status, for readers of that column.
    pub async fn column_articles(
        &self,
        actor: &Actor,
        column: ColumnId,
        status: Option<ArticleStatus>,
    ) -> Result<Vec<WorkItem>> {
        let (site, ancestry, _) = self
            .column_ancestry(column)
            .await?
            .ok_or_else(|| Error::not_found(format!("栏目 {column} 不存在")))?;
        if !actor.principal.may(Act::Read, site, &ancestry) {
            return Err(Error::not_found(format!("栏目 {column} 不存在")));
        }
        let status = status.map(ArticleStatus::as_str).unwrap_or("");
        let sql = format!(
            "WITH RECURSIVE sub(id) AS (SELECT id FROM columns WHERE id = $1 \
             UNION ALL SELECT c.id FROM columns c JOIN sub ON c.parent_id = sub.id) {}",
            work_item_sql(
                "a.home_column_id IN (SELECT id FROM sub) AND ($2 = '' OR a.status = $2)"
            )
        );
        on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(column.0)
            .bind(status)
            .fetch_all(p)
            .await
            .map_err(db_err))
    }

    /// Articles not (or no longer) published whose title contains `text`, newest first, at most
    /// 200, of the sites listed (every site when `sites` is `None`). The caller keeps those in
    /// columns the actor may read: drafts are not in the search index, which holds only what
    /// the public sees.
    pub async fn unpublished_titled(
        &self,
        text: &str,
        sites: Option<&[SiteId]>,
    ) -> Result<Vec<WorkItem>> {
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let list = match sites {
            None => String::new(),
            Some([]) => return Ok(Vec::new()),
            Some(ids) => format!(
                " AND a.site_id IN ({})",
                ids.iter()
                    .map(|s| s.0.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        // Only numbers (site ids) are spliced in; the text is bound.
        let sql = work_item_sql(&format!(
            "a.status <> 'published' AND a.title LIKE $1 ESCAPE '\\'{list}"
        ));
        on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(&pattern)
            .fetch_all(p)
            .await
            .map_err(db_err))
    }

    /// The columns of a site an actor may read (for the console's column picker).
    pub async fn readable_columns(&self, actor: &Actor, site: SiteId) -> Result<Vec<Column>> {
        let columns = self.columns(site).await?;
        let readable = columns
            .iter()
            .filter(|c| {
                actor
                    .principal
                    .may(Act::Read, site, &ancestry(&columns, c.id))
            })
            .cloned()
            .collect();
        Ok(readable)
    }
}
