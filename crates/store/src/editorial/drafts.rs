//! Drafts: an editor creates and edits them in a column granted to them; each save keeps a
//! revision.

use super::*;

impl Store {
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
}
