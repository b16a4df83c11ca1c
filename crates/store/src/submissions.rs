//! Submissions between sites: a unit's editor submits a published article upward to a higher
//! portal (信息报送: county → city → province) or offers it sideways to another site; the
//! receiving site's reviewer adopts it into one of its columns (a placement of the same article,
//! with its origin shown as 来源) or declines it with a reason the submitter sees. Counted per
//! unit and site per period.

use crate::BeginWrite;
use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::*;

use crate::audit::{commit_audited, insert_audited};
use crate::{Actor, Change, Outcome, Store, db_err, fetch, log_change, now, on_pool};

/// Decides the pending submission `$id` inside `$tx`: `$sql` sets its state, who decided
/// (`$1`), when (`$2`) and what the decision keeps (`$3`: the column, the reason). One decided
/// meanwhile is a conflict, and the enclosing function answers it.
macro_rules! decide {
    ($tx:expr, $sql:expr, $by:expr, $ts:expr, $kept:expr, $id:expr) => {{
        let n = sqlx::query($sql)
            .bind($by)
            .bind($ts)
            .bind($kept)
            .bind($id)
            .execute(&mut *$tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if n == 0 {
            return Err(Error::conflict("该报送已处理"));
        }
    }};
}

/// One submission, as the inbox, the submitter and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Submission {
    #[sqlx(try_from = "i64")]
    pub id: SubmissionId,
    #[sqlx(try_from = "i64")]
    pub article_id: ArticleId,
    pub title: String,
    #[sqlx(try_from = "i64")]
    pub from_site_id: SiteId,
    pub from_site: String,
    pub to_site_id: i64,
    pub to_site: String,
    /// `up` (to a higher portal) or `offer` (to another site).
    pub kind: String,
    pub unit: Option<String>,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub note: Option<String>,
    /// `pending`, `adopted` or `declined`.
    #[sqlx(try_from = "String")]
    pub state: SubmissionState,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub column_id: Option<i64>,
}

/// Submitted, adopted and declined counts of one unit of one site in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SubmissionCount {
    pub site_code: String,
    pub site_name: String,
    pub unit: Option<String>,
    pub submitted: i64,
    pub adopted: i64,
    pub declined: i64,
}

const SUBMISSION_COLS: &str = "SELECT x.id, x.article_id, a.title, x.from_site_id, f.name AS from_site, \
     x.to_site_id, t.name AS to_site, x.kind, u.name AS unit, acc.display_name AS submitted_by, x.submitted_at, \
     x.note, x.state, x.decided_at, x.reason, x.column_id \
     FROM submissions x JOIN articles a ON a.id = x.article_id JOIN sites f ON f.id = x.from_site_id \
     JOIN sites t ON t.id = x.to_site_id LEFT JOIN units u ON u.id = x.unit_id \
     JOIN accounts acc ON acc.id = x.submitted_by";

impl Store {
    /// Submits (or offers) a published article of the actor's site to another site. Upward when
    /// the receiving site is an ancestor of the article's site, sideways otherwise.
    pub async fn submit_article(
        &self,
        actor: &Actor,
        article: ArticleId,
        to: SiteId,
        note: Option<&str>,
    ) -> Result<i64> {
        let loc = self.locate(article).await?;
        if !actor.principal.may(Act::Read, loc.site, &loc.ancestry) {
            return Err(Error::not_found(format!("信息 {article} 不存在")));
        }
        let role = actor
            .principal
            .require(Act::Edit, loc.site, &loc.ancestry)?;
        if loc.status != ArticleStatus::Published {
            return Err(Error::invalid("只有已发布的信息可以报送或推荐"));
        }
        if to == loc.site {
            return Err(Error::invalid("不能报送给本网站"));
        }
        let target = self
            .site(to)
            .await?
            .ok_or_else(|| Error::not_found(format!("网站 {to} 不存在")))?;
        // Upward when `to` is on the chain of parents of the article's site.
        let mut kind = "offer";
        let mut at = self.site(loc.site).await?.and_then(|s| s.parent_id);
        let mut guard = 0;
        while let Some(parent) = at {
            if parent == to {
                kind = "up";
                break;
            }
            guard += 1;
            if guard > 16 {
                break;
            }
            at = self.site(parent).await?.and_then(|s| s.parent_id);
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 500) {
            return Err(Error::invalid("报送说明不能超过 500 字"));
        }
        let entry = actor.entry(
            &role,
            Some(&loc.site_code),
            if kind == "up" {
                "submission.submit"
            } else {
                "submission.offer"
            },
            format!("article:{article} to:{}", target.code),
            Outcome::Success,
            note.map(str::to_string),
        );
        let ts = now();
        let unit = actor.principal.account.unit_id.map(|u| u.0);
        let res = insert_audited!(
            self,
            sqlx::query_scalar(
                "INSERT INTO submissions (article_id, from_site_id, to_site_id, kind, unit_id, submitted_by, submitted_at, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(article.0)
            .bind(loc.site.0)
            .bind(to.0)
            .bind(kind)
            .bind(unit)
            .bind(actor.principal.id())
            .bind(ts)
            .bind(note),
            &entry
        );
        res.map_err(|e| e.conflict_as(format!("该信息已报送给{}", target.name)))
    }

    /// Submissions received by a site, pending first: for anyone with a role on that site.
    pub async fn submissions_to(&self, actor: &Actor, site: SiteId) -> Result<Vec<Submission>> {
        if !actor.principal.grants.iter().any(|g| g.site_id == site)
            && !actor.principal.may_on_site(Act::Read, site)
        {
            return Err(Error::forbidden("您在该网站没有角色，不能查看其收到的报送"));
        }
        let sql = format!(
            "{SUBMISSION_COLS} WHERE x.to_site_id = $1 \
             ORDER BY CASE WHEN x.state = 'pending' THEN 0 ELSE 1 END, x.submitted_at DESC LIMIT 500"
        );
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(site.0)
        )
    }

    /// What the actor submitted, newest first, with each decision and its reason.
    pub async fn my_submissions(&self, actor: &Actor) -> Result<Vec<Submission>> {
        let sql = format!(
            "{SUBMISSION_COLS} WHERE x.submitted_by = $1 ORDER BY x.submitted_at DESC LIMIT 200"
        );
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(actor.principal.id())
        )
    }

    /// Submission `id` and the site it was sent to, for one with a role on that site: for
    /// anyone else it is not there.
    async fn received_submission(&self, actor: &Actor, id: i64) -> Result<(Submission, SiteId)> {
        let sql = format!("{SUBMISSION_COLS} WHERE x.id = $1");
        let row: Option<Submission> = fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id)
        )?;
        let sub = row.ok_or_else(|| Error::not_found(format!("报送 {id} 不存在")))?;
        let to = SiteId(sub.to_site_id);
        if !actor.principal.grants.iter().any(|g| g.site_id == to) {
            return Err(Error::not_found(format!("报送 {id} 不存在")));
        }
        Ok((sub, to))
    }

    /// The receiving site's reviewer adopts a submission into one of the site's columns: the
    /// same article gets a placement there, its origin shown as 来源.
    pub async fn adopt_submission(
        &self,
        actor: &Actor,
        id: SubmissionId,
        column: ColumnId,
    ) -> Result<()> {
        let id = id.0;
        let (sub, to) = self.received_submission(actor, id).await?;
        let (site, ancestry, _) = self
            .column_ancestry(column)
            .await?
            .ok_or_else(|| Error::not_found(format!("栏目 {column} 不存在")))?;
        if site != to {
            return Err(Error::invalid("采用的栏目须属于接收报送的网站"));
        }
        let role = actor.principal.require(Act::Review, site, &ancestry)?;
        if sub.state != SubmissionState::Pending {
            return Err(Error::conflict("该报送已处理"));
        }
        let code = self.site(to).await?.map(|s| s.code.to_string());
        let entry = actor.entry(
            &role,
            code.as_deref(),
            "submission.adopt",
            format!("submission:{id} article:{}", sub.article_id),
            Outcome::Success,
            None,
        );
        let ts = now();
        let change = Change::Article {
            article: sub.article_id,
            placements: vec![(to, column)],
            related: Vec::new(),
        };
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            decide!(
                tx,
                "UPDATE submissions SET state = 'adopted', decided_by = $1, decided_at = $2, column_id = $3 \
                 WHERE id = $4 AND state = 'pending'",
                actor.principal.id(),
                ts,
                column.0,
                id
            );
            sqlx::query(
                "INSERT INTO placements (article_id, site_id, column_id, pinned, sort_at, placed_at, home_slot) \
                 VALUES ($1, $2, $3, FALSE, $4, $4, FALSE) ON CONFLICT (article_id, site_id, column_id) DO NOTHING",
            )
            .bind(sub.article_id.0)
            .bind(to.0)
            .bind(column.0)
            .bind(ts)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            log_change!(self, tx, &change);
            commit_audited!(tx, &entry);
            Ok::<_, Error>(())
        })?;
        self.notify(change);
        Ok(())
    }

    /// The receiving site's reviewer declines a submission; the reason is shown to the submitter.
    pub async fn decline_submission(
        &self,
        actor: &Actor,
        id: SubmissionId,
        reason: &str,
    ) -> Result<()> {
        let id = id.0;
        let (sub, to) = self.received_submission(actor, id).await?;
        if !actor.principal.may_on_site(Act::Review, to) {
            return Err(Error::forbidden("只有接收网站的审核人员可以处理报送"));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::invalid("请填写不采用的理由，报送人会看到它"));
        }
        if reason.chars().count() > 500 {
            return Err(Error::invalid("理由不能超过 500 字"));
        }
        if sub.state != SubmissionState::Pending {
            return Err(Error::conflict("该报送已处理"));
        }
        let code = self.site(to).await?.map(|s| s.code.to_string());
        let entry = actor.entry(
            &actor.principal.role_text(),
            code.as_deref(),
            "submission.decline",
            format!("submission:{id} article:{}", sub.article_id),
            Outcome::Success,
            Some(reason.to_string()),
        );
        let ts = now();
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            decide!(
                tx,
                "UPDATE submissions SET state = 'declined', decided_by = $1, decided_at = $2, reason = $3 \
                 WHERE id = $4 AND state = 'pending'",
                actor.principal.id(),
                ts,
                reason,
                id
            );
            commit_audited!(tx, &entry);
            Ok::<_, Error>(())
        })
    }

    /// Submitted, adopted and declined counts per sending site and unit, for submissions made in
    /// `[from, to)`, optionally only those received by one site.
    pub async fn submission_counts(
        &self,
        to_site: Option<SiteId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SubmissionCount>> {
        fetch!(self, all, sqlx::query_as(
                "SELECT f.code AS site_code, f.name AS site_name, u.name AS unit, COUNT(*) AS submitted, \
                 SUM(CASE WHEN x.state = 'adopted' THEN 1 ELSE 0 END) AS adopted, \
                 SUM(CASE WHEN x.state = 'declined' THEN 1 ELSE 0 END) AS declined \
                 FROM submissions x JOIN sites f ON f.id = x.from_site_id LEFT JOIN units u ON u.id = x.unit_id \
                 WHERE x.submitted_at >= $1 AND x.submitted_at < $2 AND ($3 IS NULL OR x.to_site_id = $3) \
                 GROUP BY f.code, f.name, u.name ORDER BY f.code, u.name",
            )
            .bind(from)
            .bind(to)
            .bind(to_site.map(|s| s.0)))
    }
}
