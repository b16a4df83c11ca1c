//! The console's search (`/search` on the management listener): the index's published
//! articles and the store's unpublished ones, each only where the editor may read.

use std::time::Instant;

use serde_json::{Value, json};
use zhanqun_core::{Error, Result};
use zhanqun_search::{RANKED_MAX, SearchQuery};

use crate::App;

/// The console's search: published articles from the index and, by title, articles not
/// published (drafts, in review, withdrawn) from the store — in the columns the editor may
/// read only (the province auditor reads everything).
pub async fn console(
    app: &App,
    p: &zhanqun_core::access::Principal,
    text: &str,
    page: Option<&str>,
) -> Result<Value> {
    use zhanqun_core::{Act, ColumnId, PlatformRole, SiteRole};
    let text: String = text
        .trim()
        .chars()
        .take(zhanqun_search::QUERY_MAX_CHARS)
        .collect();
    let mut notes: Vec<String> = Vec::new();
    let page = match page.map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=RANKED_MAX / 20).contains(&n) => n,
            _ => {
                notes.push(format!(
                    "页码“{}”无效，已显示第 1 页。",
                    n.chars().take(20).collect::<String>()
                ));
                1
            }
        },
    };
    if text.is_empty() {
        notes.push("请输入要查找的关键词：标题、正文或文号。".to_string());
        return Ok(json!({ "q": "", "notes": notes }));
    }
    let started = Instant::now();
    let auditor = p.is(PlatformRole::ProvinceAuditor);
    // What this editor may read: whole sites, or column subtrees.
    let within = if auditor {
        None
    } else {
        let mut w = zhanqun_search::Within::default();
        for g in &p.grants {
            match g.column_id {
                Some(c) if g.role != SiteRole::SiteAdmin => {
                    if let Some(ctx) = app.directory().ctx(g.site_id).await? {
                        w.columns.extend(ctx.subtree(c));
                    }
                }
                _ => w.sites.push(g.site_id),
            }
        }
        Some(w)
    };
    let per_page = 20;
    let mut published = Vec::new();
    let mut total = 0;
    if let Some(index) = app.search_state().index().cloned() {
        let sq = SearchQuery {
            text: text.clone(),
            offset: (page - 1) * per_page,
            limit: per_page,
            within,
            ..Default::default()
        };
        let r = tokio::task::spawn_blocking(move || index.search(&sq))
            .await
            .map_err(|e| Error::internal(format!("search task: {e}")))??;
        if r.partial {
            notes.push(
                "没有同时包含全部关键词的信息，已略去找不到的词语，以下是包含其余关键词的结果。"
                    .to_string(),
            );
        }
        total = r.total;
        for h in &r.hits {
            let mut sites = Vec::new();
            for s in &h.sites {
                if (auditor || p.may_on_site(Act::Read, *s))
                    && let Some(c) = app.directory().ctx(*s).await?
                {
                    sites.push(c.site.name.clone());
                }
            }
            published.push(json!({
                "id": h.article.0,
                "title_html": h.title_html,
                "snippet_html": h.snippet_html,
                "date": zhanqun_core::beijing::day_text(h.published_at),
                "doc_number": h.doc_number,
                "sites": sites,
            }));
        }
    } else {
        notes.push("搜索索引暂不可用（服务启动中）；下方仅列出标题匹配的未发布信息。".to_string());
    }
    // Not published: by title, in the columns this editor may read.
    let sites = (!auditor).then(|| p.sites());
    let mut unpublished = Vec::new();
    for w in app
        .store()
        .unpublished_titled(&text, sites.as_deref())
        .await?
    {
        let site = zhanqun_core::SiteId(w.site_id);
        let Some(ctx) = app.directory().ctx(site).await? else {
            continue;
        };
        let ancestry = match w.column_id {
            Some(c) => zhanqun_core::ancestry(&ctx.columns, ColumnId(c)),
            None => Vec::new(),
        };
        if p.may(Act::Read, site, &ancestry) {
            unpublished.push(w);
        }
    }
    let last = total.min(RANKED_MAX).div_ceil(per_page).max(1);
    let enc = percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC);
    app.metrics()
        .search_queries
        .with_label_values(&["console"])
        .inc();
    app.metrics()
        .search_seconds
        .with_label_values(&["console"])
        .observe(started.elapsed().as_secs_f64());
    Ok(json!({
        "q": text,
        "notes": notes,
        "total": total,
        "published": published,
        "unpublished": unpublished,
        "paging": {
            "page": page,
            "last": last,
            "prev": (page > 1).then(|| format!("/search?q={enc}&page={}", page - 1)),
            "next": (page < last).then(|| format!("/search?q={enc}&page={}", page + 1)),
        },
    }))
}
