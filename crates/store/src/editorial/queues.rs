//! What the console lists: an article's history and revisions, "my work" and its queues, a
//! column's articles, unpublished titles.

use super::*;
use crate::fetch;

impl Store {
    /// History of an article (readers of its column).
    pub async fn article_events(&self, actor: &Actor, id: ArticleId) -> Result<Vec<ArticleEvent>> {
        self.locate_for(actor, id, Act::Read).await?;
        fetch!(self, all, sqlx::query_as(
            "SELECT e.at, u.display_name AS account, e.action, e.from_status, e.to_status, e.reason \
             FROM article_events e LEFT JOIN accounts u ON u.id = e.account_id WHERE e.article_id = $1 ORDER BY e.id"
        )
        .bind(id.0))
    }

    /// Kept versions of an article, newest first (readers of its column).
    pub async fn revisions(&self, actor: &Actor, id: ArticleId) -> Result<Vec<Revision>> {
        self.locate_for(actor, id, Act::Read).await?;
        fetch!(self, all, sqlx::query_as(
            "SELECT r.rev, r.at, u.display_name AS account, r.title, r.body_html, r.fields \
             FROM revisions r LEFT JOIN accounts u ON u.id = r.account_id WHERE r.article_id = $1 ORDER BY r.rev DESC"
        )
        .bind(id.0))
    }

    /// The console's "my work": my drafts, my rejected drafts, what I submitted, and what waits
    /// for my review or sign-off in the columns granted to me (not my own articles).
    pub async fn my_work(&self, actor: &Actor) -> Result<MyWork> {
        let me = actor.principal.id();
        let mine_sql = work_item_sql("a.created_by = $1 AND a.status = $2");
        let fetch = |status: &'static str| {
            let sql = mine_sql.clone();
            async move {
                fetch!(
                    self,
                    all,
                    sqlx::query_as::<_, WorkItem>(sqlx::AssertSqlSafe(sql))
                        .bind(me)
                        .bind(status)
                )
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
            let items: Vec<WorkItem> = fetch!(
                self,
                all,
                sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(site.0)
                    .bind(status.as_str())
            )?;
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
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(column.0)
                .bind(status)
        )
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
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(&pattern)
        )
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
