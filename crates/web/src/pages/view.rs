//! What the themes' templates see, as typed values: the site (name, footer, navigation), a
//! list item, a breadcrumb, a pager, and the frame every page's own view goes in. Each page kind
//! builds its own view struct from these, so what a page gives its template is written in one
//! place and checked by the compiler on our side; a template that names a field no view has
//! still gets an empty value, which only a test looking for that value catches. The names are
//! the templates' contract (each template's first line lists what it reads; see
//! `themes/default/templates`).

use serde::Serialize;
use zhanqun_core::{Column, ColumnId, Footer, ListItem, Page};

use crate::directory::SiteCtx;

use super::column_url;

/// A link in the navigation, a section's children or the breadcrumb.
#[derive(Debug, Serialize)]
pub(crate) struct Link<'a> {
    pub name: &'a str,
    pub url: String,
    /// The column's path (navigation only: the template marks the current section with it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a str>,
}

impl<'a> Link<'a> {
    /// A column's link, with its path when `with_path`.
    pub fn column(c: &'a Column, with_path: bool) -> Link<'a> {
        Link {
            name: &c.name,
            url: column_url(c),
            path: with_path.then_some(c.path.as_str()),
        }
    }
}

/// What every template knows of the site. `host` is the site's own first host name, never the
/// request's: a cached page is shared by every visitor, whatever `Host` the first one sent.
#[derive(Debug, Serialize)]
pub(crate) struct SiteView<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub kind_label: &'a str,
    pub host: &'a str,
    pub footer: &'a Footer,
    pub nav: Vec<Link<'a>>,
    #[serde(rename = "static")]
    pub static_root: String,
    /// The kinds of letter the site takes (serialized as `LetterKind::as_str`): pages link only
    /// to these. Borrowed: every page render builds a SiteView.
    pub takes: &'a [zhanqun_core::letters::LetterKind],
}

impl<'a> SiteView<'a> {
    pub fn of(ctx: &'a SiteCtx) -> SiteView<'a> {
        let s = &ctx.site;
        SiteView {
            code: s.code.as_str(),
            name: &s.name,
            kind: s.kind.as_str(),
            kind_label: s.kind.label(),
            host: s.hosts.first().map(String::as_str).unwrap_or_default(),
            footer: &s.footer,
            takes: &s.letters.kinds,
            nav: ctx
                .children(None)
                .filter(|c| c.in_nav)
                .map(|c| Link::column(c, true))
                .collect(),
            static_root: format!("/static/{}/", s.theme),
        }
    }
}

/// A page's own view in the site's frame: what every template knows of the site, the page's
/// title and the navigation entry it is under, beside the page's own fields.
#[derive(Debug, Serialize)]
pub(crate) struct Framed<'a, V> {
    pub site: SiteView<'a>,
    pub page_title: &'a str,
    pub nav_current: &'a str,
    #[serde(flatten)]
    pub view: V,
}

/// One choice of a select or radio group: the value posted and the label shown.
#[derive(Debug, Serialize)]
pub(crate) struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

impl Choice {
    /// Every value of an enum, each with its label.
    pub fn all<T: Copy>(
        all: &[T],
        value: fn(T) -> &'static str,
        label: fn(T) -> &'static str,
    ) -> Vec<Choice> {
        all.iter()
            .map(|x| Choice {
                value: value(*x),
                label: label(*x),
            })
            .collect()
    }
}

/// An article in a list.
#[derive(Debug, Serialize)]
pub(crate) struct Item<'a> {
    pub title: &'a str,
    pub url: String,
    pub date: String,
    pub summary: Option<&'a str>,
    pub pinned: bool,
    pub index_number: &'a str,
    pub doc_number: Option<&'a str>,
    pub organ: Option<&'a str>,
    pub topic: Option<&'a str>,
}

impl<'a> Item<'a> {
    pub fn of(it: &'a ListItem) -> Item<'a> {
        Item {
            title: &it.title,
            url: format!("/art/{}.html", it.article_id),
            // `NaiveDate`'s `Display` writes what `%Y-%m-%d` does, without parsing a format
            // string for every item of every list.
            date: it.publish_date.to_string(),
            summary: it.summary.as_deref(),
            pinned: it.pinned,
            index_number: &it.index_number,
            doc_number: it.doc_number.as_deref(),
            organ: it.issuing_organ.as_deref(),
            topic: it.topic.as_deref(),
        }
    }

    pub fn all(items: &'a [ListItem]) -> Vec<Item<'a>> {
        items.iter().map(Item::of).collect()
    }
}

/// The breadcrumb down to column `col`.
pub(crate) fn crumbs(ctx: &SiteCtx, col: ColumnId) -> Vec<Link<'_>> {
    ctx.trail(col)
        .into_iter()
        .map(|c| Link::column(c, false))
        .collect()
}

/// The pager of a list: page `page` of `total` items at `base` (`extra` is the other query
/// parameters, each ending in `&`).
#[derive(Debug, Serialize)]
pub(crate) struct Pager {
    pub page: u64,
    pub last: u64,
    pub total: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(page: Page, total: u64, base: &str, extra: &str) -> Pager {
        let last = Page::last_page(total);
        let n = page.number();
        let url = |p: u64| {
            if p == 1 && extra.is_empty() {
                base.to_string()
            } else {
                format!("{base}?{extra}page={p}")
            }
        };
        Pager {
            page: n,
            last,
            total,
            prev: (n > 1).then(|| url(n - 1)),
            next: (n < last).then(|| url(n + 1)),
        }
    }
}
