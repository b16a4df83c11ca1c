//! The home page: the newest items of every list column (from the cache's kept column tops)
//! and the home-page headline.

use std::collections::BTreeMap;

use serde::Serialize;

use super::view::Framed;
use super::*;

/// A list column's block on the home page: its newest items.
#[derive(Serialize)]
struct Block<'a> {
    id: ColumnId,
    name: &'a str,
    url: String,
    items: Vec<Item<'a>>,
}

/// The home page: a block per list column, by its path (a theme places the ones it wants), and
/// the headline.
#[derive(Serialize)]
struct HomePage<'a> {
    blocks: BTreeMap<&'a str, Block<'a>>,
    headline: Option<Item<'a>>,
}

impl App {
    pub(super) async fn render_home(&self, ctx: &SiteCtx) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let (per_col, headline) = self.column_tops_and_slot(ctx, 8).await?;
        let mut blocks = BTreeMap::new();
        let mut shown: Vec<ArticleId> = Vec::new();
        for c in ctx.columns.iter().filter(|c| c.kind == ColumnKind::List) {
            let mut items: Vec<&ListItem> = ctx
                .subtree(c.id)
                .iter()
                .flat_map(|id| {
                    per_col
                        .get(id)
                        .map(|t| t.items.iter())
                        .into_iter()
                        .flatten()
                })
                .collect();
            items.sort_by(|a, b| {
                b.pinned
                    .cmp(&a.pinned)
                    .then(b.published_at.cmp(&a.published_at))
                    .then(b.article_id.cmp(&a.article_id))
            });
            items.truncate(8);
            shown.extend(items.iter().map(|i| i.article_id));
            blocks.insert(
                c.path.as_str(),
                Block {
                    id: c.id,
                    name: &c.name,
                    url: column_url(c),
                    items: items.into_iter().map(Item::of).collect(),
                },
            );
        }
        let page = Framed {
            site: SiteView::of(ctx),
            page_title: "",
            nav_current: "",
            view: HomePage {
                blocks,
                headline: headline.as_ref().map(Item::of),
            },
        };
        Ok(Rendered {
            status: StatusCode::OK,
            content_type: HTML,
            body: self.render_html(ctx, "home.html", &page)?,
            deps: vec![base[0], Dep::SiteContent(site.id)],
            shown: shown
                .into_iter()
                .chain(headline.iter().map(|h| h.article_id))
                .collect(),
        })
    }

    /// The newest `n` articles of every column of the site's list sections, from the page
    /// cache's kept column tops, and the article in the home-page slot: the columns not kept (or
    /// changed since) are read in one query, on the same reading connection as the slot.
    async fn column_tops_and_slot(
        &self,
        ctx: &SiteCtx,
        n: u64,
    ) -> Result<(HashMap<ColumnId, Arc<ColumnTop>>, Option<ListItem>)> {
        let mut wanted: Vec<ColumnId> = ctx
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::List)
            .flat_map(|c| ctx.subtree(c.id))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut tops = HashMap::with_capacity(wanted.len());
        let mut missing = Vec::new();
        for c in wanted {
            match self.pages().column_top(c) {
                Some(t) => {
                    tops.insert(c, t);
                }
                None => missing.push(c),
            }
        }
        if missing.is_empty() {
            return Ok((tops, self.store().home_slot(ctx.site.id).await?));
        }
        let generation = self.pages().generation();
        let mut read: HashMap<ColumnId, Vec<ListItem>> = HashMap::new();
        let (items, headline) = self
            .store()
            .home_reads(ctx.site.id, &missing, n, true)
            .await?;
        for it in items {
            read.entry(it.column_id).or_default().push(it);
        }
        for c in missing {
            let items = read.remove(&c).unwrap_or_default();
            let top = self
                .pages()
                .keep_column_top(ctx.site.id, c, items, generation);
            tops.insert(c, top);
        }
        Ok((tops, headline))
    }
}
