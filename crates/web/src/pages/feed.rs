//! RSS feeds of a site and of a column.

use super::*;

impl App {
    pub(super) async fn render_site_feed(&self, ctx: &SiteCtx, host: &str) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let items = self.store().latest_on_site(site.id, 20).await?;
        let body = self.feed(ctx, host, &site.name, "/", &items)?;
        Ok(Rendered {
            status: StatusCode::OK,
            content_type: RSS,
            body,
            deps: vec![base[0], Dep::SiteContent(site.id)],
            shown: Vec::new(),
        })
    }

    pub(super) async fn render_column_feed(
        &self,
        ctx: &SiteCtx,
        host: &str,
        path: &str,
    ) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let col = ctx.column_at(path)?;
        let (items, _) = self.store().list_column(site.id, col.id, 0, 20).await?;
        let body = self.feed(
            ctx,
            host,
            &format!("{} - {}", col.name, site.name),
            &format!("/{}/", col.path),
            &items,
        )?;
        let mut deps = vec![base[0]];
        deps.extend(ctx.subtree(col.id).into_iter().map(Dep::Column));
        Ok(Rendered {
            status: StatusCode::OK,
            content_type: RSS,
            body,
            deps,
            shown: Vec::new(),
        })
    }

    fn feed(
        &self,
        ctx: &SiteCtx,
        host: &str,
        title: &str,
        path: &str,
        items: &[ListItem],
    ) -> Result<String> {
        let origin = format!("{}://{}", self.config().public_scheme, host);
        let rss_items: Vec<rss::Item> = items
            .iter()
            .map(|it| {
                let link = format!("{origin}/art/{}.html", it.article_id);
                rss::ItemBuilder::default()
                    .title(Some(it.title.clone()))
                    .link(Some(link.clone()))
                    .guid(Some(
                        rss::GuidBuilder::default()
                            .value(link)
                            .permalink(true)
                            .build(),
                    ))
                    .pub_date(Some(china(it.published_at).to_rfc2822()))
                    .description(it.summary.clone())
                    .build()
            })
            .collect();
        let channel = rss::ChannelBuilder::default()
            .title(title.to_string())
            .link(format!("{origin}{path}"))
            .description(format!(
                "{}（网站标识码 {}）最新信息",
                ctx.site.name, ctx.site.code
            ))
            .language(Some("zh-cn".to_string()))
            .last_build_date(items.first().map(|i| china(i.updated_at).to_rfc2822()))
            .items(rss_items)
            .build();
        Ok(channel.to_string())
    }
}
