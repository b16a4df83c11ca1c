//! The 信息公开目录 (disclosure catalogue) with its filters: topic, organ, year, validity.

use serde::Serialize;

use super::view::Framed;
use super::*;

/// The filter applied, as the catalogue's form shows it chosen.
#[derive(Serialize)]
struct FilterView<'a> {
    topic: Option<&'a str>,
    year: Option<i32>,
    organ: Option<&'a str>,
}

/// A page of the catalogue: its items, every filter value the site has, the one chosen.
#[derive(Serialize)]
struct CataloguePage<'a> {
    crumbs: [Link<'static>; 1],
    items: Vec<Item<'a>>,
    facets: &'a zhanqun_store::Facets,
    filter: FilterView<'a>,
    paging: Pager,
}

impl App {
    pub(super) async fn render_catalogue(
        &self,
        ctx: &SiteCtx,
        filter: &CatalogueFilter,
        page: Page,
    ) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        // A filter value no document of this site has is a 404, never rendered or
        // cached: the cache holds one entry per value that exists, not per request.
        let facets = self.catalogue_facets(site.id).await?;
        if let Some(t) = filter.topic.as_ref().filter(|t| !facets.topics.contains(t)) {
            return Err(Error::not_found(format!("本站没有主题为“{t}”的公开信息")));
        }
        if let Some(o) = filter.organ.as_ref().filter(|o| !facets.organs.contains(o)) {
            return Err(Error::not_found(format!("本站没有“{o}”发布的公开信息")));
        }
        if let Some(y) = filter.year.filter(|y| !facets.years.contains(y)) {
            return Err(Error::not_found(format!("本站没有 {y} 年的公开信息")));
        }
        let offset = (page.number() - 1)
            .checked_mul(PAGE_SIZE)
            .ok_or_else(|| Error::not_found("页码超出范围"))?;
        let total = facets.total(filter);
        let items = self
            .store()
            .catalogue_rows(site.id, filter, &facets, offset, PAGE_SIZE)
            .await?;
        if page.offset_within(total).is_none() {
            return Err(Error::not_found(format!(
                "页码超出范围：共 {} 页",
                Page::last_page(total)
            )));
        }
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let mut extra = String::new();
        if let Some(t) = &filter.topic {
            extra.push_str(&format!("topic={}&", enc(t)));
        }
        if let Some(y) = filter.year {
            extra.push_str(&format!("year={y}&"));
        }
        if let Some(o) = &filter.organ {
            extra.push_str(&format!("organ={}&", enc(o)));
        }
        let pagev = Framed {
            site: SiteView::of(ctx),
            page_title: "政府信息公开目录",
            nav_current: "xxgkml",
            view: CataloguePage {
                crumbs: [Link {
                    name: "信息公开目录",
                    url: "/xxgkml/".into(),
                    path: None,
                }],
                items: Item::all(&items),
                facets: &facets,
                filter: FilterView {
                    topic: filter.topic.as_deref(),
                    year: filter.year,
                    organ: filter.organ.as_deref(),
                },
                paging: Pager::new(page, total, "/xxgkml/", &extra),
            },
        };
        Ok(Rendered {
            status: StatusCode::OK,
            content_type: HTML,
            body: self.render_html(ctx, "catalogue.html", &pagev)?,
            deps: vec![base[0], Dep::SiteContent(site.id)],
            shown: Vec::new(),
        })
    }

    /// A site's catalogue facets, kept in the page cache until an article of the site changes
    /// (the catalogue and the search page read them on every render).
    pub(crate) async fn catalogue_facets(
        &self,
        site: SiteId,
    ) -> Result<Arc<zhanqun_store::Facets>> {
        if let Some(f) = self.pages().catalogue_facets(site) {
            return Ok(f);
        }
        let generation = self.pages().generation();
        let facets = self.store().catalogue_facets(site).await?;
        Ok(self.pages().keep_catalogue_facets(site, facets, generation))
    }
}
