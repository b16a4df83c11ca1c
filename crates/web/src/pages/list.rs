//! A column's list page, at any page depth (keyset over the column's own placements).

use super::*;

impl App {
    pub(super) async fn render_column(
        &self,
        ctx: &SiteCtx,
        path: &str,
        page: Page,
    ) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let col = ctx
            .column_by_path(path)
            .ok_or_else(|| Error::not_found("您访问的栏目不存在"))?;
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
        let common = json!({
            "site": SiteView::of(ctx),
            "page_title": col.name,
            "nav_current": section.path.as_str(),
            "column": { "name": col.name, "url": column_url(col), "path": col.path.as_str() },
            "crumbs": crumbs(ctx, col.id),
            "section": { "name": section.name, "url": column_url(section) },
            "section_children": section_children,
        });
        let Value::Object(mut pagev) = common else {
            return Err(Error::internal("view model"));
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
                pagev.insert("body".into(), json!(body));
                pagev.insert("updated".into(), json!(updated));
                let body = self.render_html(ctx, "page.html", &Value::Object(pagev))?;
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
                pagev.insert("items".into(), json!(Item::all(&items)));
                pagev.insert("paging".into(), json!(Pager::new(page, total, &url, "")));
                pagev.insert("feed_url".into(), json!(format!("/{}/rss.xml", col.path)));
                let body = self.render_html(ctx, "list.html", &Value::Object(pagev))?;
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
