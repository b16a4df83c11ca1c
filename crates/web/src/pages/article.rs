//! An article page (a service item's guide and a data set are articles too).

use serde::Serialize;

use super::view::Framed;
use super::*;

/// A link to another article (the policy an interpretation explains, its interpretations):
/// `url` is none when the article is not on this site.
#[derive(Serialize)]
struct Linked {
    title: String,
    url: Option<String>,
}

/// The metadata of a document of the 信息公开目录.
#[derive(Serialize)]
struct DisclosureView<'a> {
    doc_number: Option<&'a str>,
    written_date: Option<String>,
    issuing_organ: Option<&'a str>,
    validity: Option<&'static str>,
    topic: Option<&'a str>,
}

/// The article's own fields, as article.html (and service.html, dataset.html) read them.
#[derive(Serialize)]
struct ArticleView<'a> {
    id: ArticleId,
    title: &'a str,
    subtitle: Option<&'a str>,
    cover: Option<&'a str>,
    date: String,
    datetime: String,
    /// 来源: the article's own, or the site it came from.
    source: Option<&'a str>,
    source_url: Option<&'a str>,
    author: Option<&'a str>,
    index_number: &'a str,
    body: &'a str,
    disclosure: Option<DisclosureView<'a>>,
    policy: Option<Linked>,
    interpretations: Vec<Linked>,
}

#[derive(Serialize)]
struct ColumnName<'a> {
    name: &'a str,
}

/// The article page: the column and the way down to it, the article, and a service item's
/// guide or a data set's description when it is one.
#[derive(Serialize)]
struct ArticlePage<'a> {
    column: ColumnName<'a>,
    crumbs: Vec<Link<'a>>,
    article: ArticleView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    guide: Option<super::services::GuideView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dataset: Option<super::datasets::DatasetView<'a>>,
}

impl App {
    pub(super) async fn render_article(&self, ctx: &SiteCtx, id: ArticleId) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let zhanqun_store::ArticlePage {
            article: mut a,
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
                Some((p, _)) if p.status == ArticleStatus::Published => Some(Linked {
                    url: Some(format!("/art/{}.html", p.id)),
                    title: p.title,
                }),
                _ => match self.store().article(pid).await? {
                    Some(p) if p.status == ArticleStatus::Published => Some(Linked {
                        title: p.title,
                        url: None,
                    }),
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
                interpretations.push(Linked {
                    title,
                    url: Some(format!("/art/{iid}.html")),
                });
            }
        }
        let disclosure = a.disclosure.as_ref().map(|d| DisclosureView {
            doc_number: d.doc_number.as_deref(),
            written_date: d.written_date.map(|w| w.format("%Y-%m-%d").to_string()),
            issuing_organ: d.issuing_organ.as_deref(),
            validity: d.validity.map(Validity::label),
            topic: d.topic.as_deref(),
        });
        let section = col
            .and_then(|c| ctx.trail(c.id).first().map(|s| s.path.to_string()))
            .unwrap_or_default();
        // An article of another site shown here (an adopted submission, a reprint
        // without its own attribution) names its origin as 来源, with a link to it.
        let (mut source, mut source_url) = (a.source.take(), a.source_url.take());
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
        // A service item shows its guide (办事指南) in place of an article body, a data set its
        // description and files.
        let (template, guide, dataset) = match &structured {
            Some(zhanqun_store::Structured::Guide(g)) => {
                ("service.html", Some(super::services::guide_view(g)), None)
            }
            Some(zhanqun_store::Structured::Dataset(m)) => (
                "dataset.html",
                None,
                Some(super::datasets::dataset_view(a.id, m, a.updated_at)),
            ),
            None => ("article.html", None, None),
        };
        let page = Framed {
            site: SiteView::of(ctx),
            page_title: &a.title,
            nav_current: &section,
            view: ArticlePage {
                column: ColumnName {
                    name: col.map(|c| c.name.as_str()).unwrap_or_default(),
                },
                crumbs: col.map(|c| crumbs(ctx, c.id)).unwrap_or_default(),
                article: ArticleView {
                    id: a.id,
                    title: &a.title,
                    subtitle: a.subtitle.as_deref(),
                    cover: a.cover_url.as_deref(),
                    date: a.publish_date.format("%Y-%m-%d").to_string(),
                    datetime: china(a.published_at).format("%Y-%m-%d %H:%M").to_string(),
                    source: source.as_deref(),
                    source_url: source_url.as_deref(),
                    author: a.author.as_deref(),
                    index_number: &a.index_number,
                    body: &a.body_html,
                    disclosure,
                    policy,
                    interpretations,
                },
                guide,
                dataset,
            },
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
