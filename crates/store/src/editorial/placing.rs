//! Where a published article stands on its site: pinned in its columns, in the home-page slot.

use super::*;
use crate::fetch;

impl Store {
    /// Article `id` located for `actor`'s step `action` on where it stands (site administrator
    /// or reviewer of the column), with the role the step is taken in; a refusal is audited.
    async fn locate_to_pin(
        &self,
        actor: &Actor,
        id: ArticleId,
        action: &str,
    ) -> Result<(Located, String)> {
        match self.locate_for(actor, id, Act::Pin).await {
            Ok(v) => Ok(v),
            Err(e) => {
                self.refused(actor, None, action, format!("article:{id}"), e)
                    .await
            }
        }
    }

    /// Pins an article in its columns on its own site, or unpins it (site administrator or
    /// reviewer of the column).
    pub async fn pin(&self, actor: &Actor, id: ArticleId, pinned: bool) -> Result<()> {
        let action = if pinned {
            "article.pin"
        } else {
            "article.unpin"
        };
        let (loc, role) = self.locate_to_pin(actor, id, action).await?;
        let entry = actor.entry(
            &role,
            Some(&loc.site_code),
            action,
            format!("article:{id}"),
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
            Ok::<_, Error>(commit_article_change!(self, tx, id.0))
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
        let (loc, role) = self.locate_to_pin(actor, id, action).await?;
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
            Ok::<_, Error>(crate::history::commit_change!(self, tx, change))
        })?;
        self.notify(change);
        Ok(())
    }

    /// The article in a site's home-page slot, if one is there and published.
    pub async fn home_slot(&self, site: SiteId) -> Result<Option<ListItem>> {
        Ok(self.home_reads(site, &[], 0, true).await?.1)
    }

    /// Whether an article is in its site's home-page slot.
    pub async fn in_home_slot(&self, id: ArticleId, site: SiteId) -> Result<bool> {
        let n: i64 = fetch!(self, one, sqlx::query_scalar(
            "SELECT COUNT(*) FROM placements WHERE article_id = $1 AND site_id = $2 AND home_slot"
        )
        .bind(id.0)
        .bind(site.0))?;
        Ok(n > 0)
    }

    /// Whether an article is pinned on a site.
    pub async fn is_pinned(&self, id: ArticleId, site: SiteId) -> Result<bool> {
        let pinned: Option<bool> = fetch!(self, optional, sqlx::query_scalar(
            "SELECT pinned FROM placements WHERE article_id = $1 AND site_id = $2 ORDER BY id LIMIT 1"
        )
        .bind(id.0)
        .bind(site.0))?;
        Ok(pinned.unwrap_or(false))
    }
}
