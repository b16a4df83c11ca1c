//! Console pages of a site's 知识库: its entries with a form to add one by hand and a button
//! to remove each; an answered letter's page adds it (`/letters/{id}/faq`). The site's office
//! only (the store decides).

use std::sync::Arc;

use super::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::{Error, FaqId, LetterId, Page, SiteId};

use super::{Notice, PageResult, Path, Query, interaction_page, outcome_page};
use crate::auth::{Access, Authed, Routes};
use crate::service::add_to_faq;
use zhanqun_web::App;

#[derive(Deserialize)]
struct FaqQuery {
    page: Option<String>,
}

async fn faq_page_with(
    app: &App,
    a: &Authed,
    site: SiteId,
    page_no: Page,
    n: Notice,
) -> PageResult {
    let s = crate::service::letter_office_site(app, &a.actor.principal, site).await?;
    let (rows, total) = app.store().faqs(site, None, page_no).await?;
    let last = Page::last_page(total);
    let no = page_no.number();
    let url = |p: u64| format!("/sites/{}/faq?page={p}", site.0);
    Ok(interaction_page(
        a,
        "faq.html",
        &format!("{} · 知识库", s.name),
        json!({
            "site": s, "faqs": rows, "flash": n.flash, "error": n.error,
            "paging": { "page": no, "last": last, "total": total,
                        "prev": (no > 1).then(|| url(no - 1)), "next": (no < last).then(|| url(no + 1)) },
        }),
    ))
}

async fn faq_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<FaqQuery>,
) -> PageResult {
    let page_no = Page::parse(q.page.as_deref())?;
    faq_page_with(&app, &a, id, page_no, Notice::default()).await
}

#[derive(Deserialize)]
struct FaqForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
}

async fn faq_add(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Form(f): Form<FaqForm>,
) -> PageResult {
    let res = add_to_faq(&app, &a.actor, id, f.question, f.answer, None)
        .await
        .map(|_| "已加入知识库".to_string());
    outcome_page(
        res,
        |e| matches!(e, Error::InvalidInput(_) | Error::Conflict(_)),
        |n| faq_page_with(&app, &a, id, Page::FIRST, n),
    )
    .await
}

/// An answered letter into the 知识库, in the office's words; back to the site's 知识库.
async fn letter_to_faq(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<LetterId>,
    Form(f): Form<FaqForm>,
) -> PageResult {
    let (keys, cal) = (app.letters().keys(), app.config().calendar());
    let case = app
        .store()
        .letter_case(&a.actor, id, keys, &cal, zhanqun_store::now())
        .await?;
    add_to_faq(&app, &a.actor, case.site_id, f.question, f.answer, Some(id)).await?;
    Ok(Redirect::to(&format!("/sites/{}/faq", case.site_id.0)).into_response())
}

async fn faq_remove(State(app): State<Arc<App>>, a: Authed, Path(id): Path<FaqId>) -> PageResult {
    let site = app.store().remove_faq(&a.actor, id).await?;
    faq_page_with(
        &app,
        &a,
        site,
        Page::FIRST,
        Notice::done("已从知识库删除".into()),
    )
    .await
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/sites/{id}/faq", Session, "网站知识库", faq_page)
        .post("/sites/{id}/faq", Session, "添加知识库条目", faq_add)
        .post(
            "/letters/{id}/faq",
            Session,
            "已答复的留言加入知识库",
            letter_to_faq,
        )
        .post("/faq/{id}/delete", Session, "删除知识库条目", faq_remove)
}
