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

use crate::audit::{append_audit, commit_audited, insert_audited};
use crate::history::{article_change, commit_article_change, record_event};
use crate::media::publish_media;
use crate::reprint::fan_out;
use crate::{
    Actor, ArticleInput, AuditEntry, Change, Outcome, Store, db_err, fetch, log_change, now,
    on_pool,
};

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
        // A service item's guide links its forms and samples: they become public too.
        // So do a data set's files.
        let (site, body, cover, guide): (i64, String, Option<String>, Option<String>) =
            sqlx::query_as(
                "SELECT a.site_id, a.body_html, a.cover_url, COALESCE(g.guide, d.meta) FROM articles a \
                 LEFT JOIN service_items g ON g.article_id = a.id \
                 LEFT JOIN datasets d ON d.article_id = a.id WHERE a.id = $1",
            )
            .bind($id)
            .fetch_one(&mut *$tx)
            .await
            .map_err(db_err)?;
        let body = format!("{body} {}", guide.unwrap_or_default());
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

impl Store {
    /// A site's code by id.
    pub(crate) async fn site_code_of(&self, site: SiteId) -> Result<String> {
        fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT code FROM sites WHERE id = $1").bind(site.0)
        )?
        .ok_or_else(|| Error::not_found(format!("网站 {site} 不存在")))
    }

    /// The column, then its parents up to the top, with its site and whether it needs sign-off.
    pub async fn column_ancestry(
        &self,
        column: ColumnId,
    ) -> Result<Option<(SiteId, Vec<ColumnId>, bool)>> {
        let rows: Vec<(i64, i64, bool, i64)> = fetch!(self, all, sqlx::query_as(
            "WITH RECURSIVE up(id, parent_id, site_id, needs_signoff, depth) AS ( \
               SELECT id, parent_id, site_id, needs_signoff, CAST(0 AS BIGINT) FROM columns WHERE id = $1 \
               UNION ALL SELECT c.id, c.parent_id, c.site_id, c.needs_signoff, up.depth + 1 \
               FROM columns c JOIN up ON c.id = up.parent_id WHERE up.depth < 32) \
             SELECT id, site_id, needs_signoff, depth FROM up ORDER BY depth"
        )
        .bind(column.0))?;
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
        let row: Option<Row> = fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0)
        )?;
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
}

mod drafts;
mod grants;
mod placing;
mod queues;
mod transitions;
