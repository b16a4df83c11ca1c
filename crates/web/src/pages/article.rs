//! An article page, and a single-page column.

use super::*;

impl App {
    pub(super) async fn render_article(&self, ctx: &SiteCtx, id: ArticleId) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let zhanqun_store::ArticlePage {
            article: a,
            column: col_id,
            structured,
            interpreted,
        } = self
            .store()
            .article_page(id, site.id)
            .await?
            .ok_or_else(|| Error::not_found("您访问的信息不存在"))?;
        match a.status {
            ArticleStatus::Published => {}
            ArticleStatus::Draft
            | ArticleStatus::Submitted
            | ArticleStatus::Reviewed
            | ArticleStatus::Scheduled => {
                return Err(Error::not_found("您访问的信息不存在"));
            }
            ArticleStatus::Withdrawn => return Err(Error::Gone("该信息已撤销".into())),
        }
        let mut deps = vec![base[0], Dep::Article(a.id)];
        let col = ctx.column(col_id);
        let policy = match a.interprets {
            None => None,
            Some(pid) => match self.store().article_on_site(pid, site.id).await? {
                Some((p, _)) if p.status == ArticleStatus::Published => {
                    Some(json!({ "title": p.title, "url": format!("/art/{}.html", p.id) }))
                }
                _ => match self.store().article(pid).await? {
                    Some(p) if p.status == ArticleStatus::Published => {
                        Some(json!({ "title": p.title, "url": null }))
                    }
                    _ => None,
                },
            },
        };
        if let Some(pid) = a.interprets {
            deps.push(Dep::Article(pid));
        }
        let mut interpretations = Vec::new();
        let read = if interpreted {
            self.store().interpretations_of(a.id).await?
        } else {
            Vec::new()
        };
        for (iid, title) in read {
            deps.push(Dep::Article(iid));
            if self.store().article_on_site(iid, site.id).await?.is_some() {
                interpretations.push(json!({ "title": title, "url": format!("/art/{iid}.html") }));
            }
        }
        let disclosure = a.disclosure.as_ref().map(|d| {
            json!({
                "doc_number": d.doc_number,
                "written_date": d.written_date.map(|w| w.format("%Y-%m-%d").to_string()),
                "issuing_organ": d.issuing_organ,
                "validity": d.validity.map(Validity::label),
                "topic": d.topic,
            })
        });
        let section = col
            .and_then(|c| ctx.trail(c.id).first().map(|s| s.path.to_string()))
            .unwrap_or_default();
        // An article of another site shown here (an adopted submission, a reprint
        // without its own attribution) names its origin as 来源, with a link to it.
        let (mut source, mut source_url) = (a.source.clone(), a.source_url.clone());
        if a.site_id != site.id
            && source.as_deref().is_none_or(|s| s.trim().is_empty())
            && let Some(origin) = self.directory().ctx(a.site_id).await?
        {
            deps.push(Dep::Site(origin.site.id));
            source_url = origin
                .site
                .hosts
                .first()
                .map(|h| format!("{}://{h}/art/{}.html", self.config().public_scheme, a.id));
            source = Some(origin.site.name.clone());
        }
        let page = json!({
            "site": SiteView::of(ctx),
            "page_title": a.title,
            "nav_current": section,
            "column": { "name": col.map(|c| c.name.clone()).unwrap_or_default() },
            "crumbs": col.map(|c| crumbs(ctx, c.id)).unwrap_or_default(),
            "article": {
                "id": a.id.0,
                "title": a.title,
                "subtitle": a.subtitle,
                "cover": a.cover_url,
                "date": a.publish_date.format("%Y-%m-%d").to_string(),
                "datetime": china(a.published_at).format("%Y-%m-%d %H:%M").to_string(),
                "source": source,
                "source_url": source_url,
                "author": a.author,
                "index_number": a.index_number,
                "body": a.body_html,
                "disclosure": disclosure,
                "policy": policy,
                "interpretations": interpretations,
            },
        });
        // A service item shows its guide (办事指南) in place of an article body, a data set its
        // description and files.
        let mut page = page;
        let template = match structured {
            Some(zhanqun_store::Structured::Guide(g)) => {
                page["guide"] = super::services::guide_view(&g);
                "service.html"
            }
            Some(zhanqun_store::Structured::Dataset(m)) => {
                page["dataset"] = super::datasets::dataset_view(a.id, &m, a.updated_at);
                "dataset.html"
            }
            None => "article.html",
        };
        Ok(Rendered {
            status: StatusCode::OK,
            content_type: HTML,
            body: self.render_html(ctx, template, &page)?,
            deps,
            shown: vec![a.id],
        })
    }
}
