//! A column's list page, at any page depth (keyset over the column's own placements).

use serde::Serialize;

use super::view::Framed;
use super::*;

/// A column or section as the list and single pages name it.
#[derive(Serialize)]
struct ColumnView<'a> {
    name: &'a str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

/// What a list page and a single page share: the column, the way down to it, its section and
/// the section's columns (the side navigation).
#[derive(Serialize)]
struct Frame<'a> {
    column: ColumnView<'a>,
    crumbs: Vec<Link<'a>>,
    section: ColumnView<'a>,
    section_children: Vec<Link<'a>>,
    #[serde(flatten)]
    page: Body<'a>,
}

/// What the column shows: a single page or a page of its list.
#[derive(Serialize)]
#[serde(untagged)]
enum Body<'a> {
    Single(SinglePage),
    List(ListPage<'a>),
}

/// A single-page column: the body of its one article (or the column's own), and when it changed.
#[derive(Serialize)]
struct SinglePage {
    body: Option<String>,
    updated: Option<String>,
}

/// A list column's page of items.
#[derive(Serialize)]
struct ListPage<'a> {
    items: Vec<Item<'a>>,
    paging: Pager,
    feed_url: String,
}

impl App {
    pub(super) async fn render_column(
        &self,
        ctx: &SiteCtx,
        path: &str,
        page: Page,
    ) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let col = ctx.column_at(path)?;
        let trail = ctx.trail(col.id);
        let section = trail.first().copied().unwrap_or(col);
        let mut section_children: Vec<Link> = ctx
            .children(Some(section.id))
            .map(|c| Link::column(c, true))
            .collect();
        if section_children.is_empty() {
            section_children.push(Link::column(section, true));
        }
        let mut deps: Vec<Dep> = vec![base[0]];
        let framed = |page| Framed {
            site: SiteView::of(ctx),
            page_title: &col.name,
            nav_current: section.path.as_str(),
            view: Frame {
                column: ColumnView {
                    name: &col.name,
                    url: column_url(col),
                    path: Some(col.path.as_str()),
                },
                crumbs: crumbs(ctx, col.id),
                section: ColumnView {
                    name: &section.name,
                    url: column_url(section),
                    path: None,
                },
                section_children,
                page,
            },
        };
        match col.kind {
            ColumnKind::Page => {
                deps.push(Dep::Column(col.id));
                let (items, _) = self.store().list_column(site.id, col.id, 0, 1).await?;
                let (body, updated) = match items.first() {
                    Some(it) => match self.store().article(it.article_id).await? {
                        Some(a) => (
                            Some(a.body_html),
                            Some(china(a.updated_at).format("%Y-%m-%d").to_string()),
                        ),
                        None => (col.body_html.clone(), None),
                    },
                    None => (col.body_html.clone(), None),
                };
                if let Some(it) = items.first() {
                    deps.push(Dep::Article(it.article_id));
                }
                let body = self.render_html(
                    ctx,
                    "page.html",
                    &framed(Body::Single(SinglePage { body, updated })),
                )?;
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: HTML,
                    body,
                    deps,
                    shown: Vec::new(),
                })
            }
            ColumnKind::List | ColumnKind::Link => {
                let subtree = ctx.subtree(col.id);
                deps.extend(subtree.iter().map(|c| Dep::Column(*c)));
                // The count comes with the page; a page past the end is a 404.
                let offset = (page.number() - 1)
                    .checked_mul(PAGE_SIZE)
                    .ok_or_else(|| Error::not_found("页码超出范围"))?;
                let (items, total) = self
                    .store()
                    .list_column(site.id, col.id, offset, PAGE_SIZE)
                    .await?;
                if page.offset_within(total).is_none() {
                    return Err(Error::not_found(format!(
                        "页码超出范围：本栏目共 {} 页",
                        Page::last_page(total)
                    )));
                }
                let url = column_url(col);
                let view = framed(Body::List(ListPage {
                    items: Item::all(&items),
                    paging: Pager::new(page, total, &url, ""),
                    feed_url: format!("/{}/rss.xml", col.path),
                }));
                let body = self.render_html(ctx, "list.html", &view)?;
                Ok(Rendered {
                    status: StatusCode::OK,
                    content_type: HTML,
                    body,
                    deps,
                    shown: items.iter().map(|i| i.article_id).collect(),
                })
            }
        }
    }
}
