//! What the editors of structured articles share (办事事项 in `services.rs`, 数据集 in
//! `datasets.rs`): their four handlers, who may open the editor, and saving the posted form as a
//! draft. Each editor implements [`Editor`]: only what is its own, turning its form into an
//! `ArticleInput` and back, and its page.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value as JsonValue, json};
use zhanqun_core::{Article, ArticleId, ArticleStatus, Column, ColumnId, Error};
use zhanqun_store::ArticleInput;
use zhanqun_web::App;

use super::{Form, PageError, PageResult, Path, column_of, page, render, with_status};
use crate::auth::Authed;

/// A form as posted: every field by name (rows as `m{n}_{field}` and the like).
pub(super) type Fields = HashMap<String, String>;

/// One kind of structured article's editor.
pub(super) trait Editor {
    /// Why a draft that went on to review cannot be edited, in this editor's words.
    const GONE_ON: &'static str;
    /// The form of a new item.
    fn blank() -> JsonValue;
    /// The form of a saved draft.
    fn load(app: &App, article: &Article) -> impl Future<Output = Result<JsonValue, Error>> + Send;
    /// The posted form as an article, or what to fix.
    fn from_form(f: &Fields) -> Result<ArticleInput, Error>;
    /// The posted form as the editor shows it again.
    fn refill(f: &Fields) -> JsonValue;
    /// The editor's template, its page title, and the last part of its address
    /// (`/articles/{id}/<slug>`, `/columns/{id}/new-<slug>`).
    const TEMPLATE: &'static str;
    const TITLE: &'static str;
    const SLUG: &'static str;
    /// What the template needs besides the form, the column and the media library.
    fn view(app: &App, form: &JsonValue) -> JsonValue;
}

/// The editor page: with `error`, 400 and what to fix above the form as it was posted.
async fn show<E: Editor>(
    app: &App,
    a: &Authed,
    column: &Column,
    article: Option<ArticleId>,
    form: JsonValue,
    error: Option<String>,
) -> PageResult {
    let media: Vec<JsonValue> = app
        .store()
        .media_of_site(&a.actor, column.site_id)
        .await?
        .into_iter()
        .map(|m| json!({ "url": format!("/media/{}", m.storage_name), "name": m.original_name }))
        .collect();
    let action = match article {
        Some(id) => format!("/articles/{}/{}", id.0, E::SLUG),
        None => format!("/columns/{}/new-{}", column.id.0, E::SLUG),
    };
    let mut view = E::view(app, &form);
    if let Some(v) = view.as_object_mut() {
        for (k, x) in [
            ("column", json!(column)),
            ("action", json!(action)),
            ("article_id", json!(article.map(|x| x.0))),
            ("f", form),
            ("media", json!(media)),
            ("error", json!(error)),
        ] {
            v.insert(k.to_string(), x);
        }
    }
    let failed = error.is_some();
    let res = render(E::TEMPLATE, page(Some(a), "sites", E::TITLE, view));
    Ok(if failed {
        with_status(res, StatusCode::BAD_REQUEST)
    } else {
        res
    })
}

pub(super) async fn new_page<E: Editor>(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ColumnId>,
) -> PageResult {
    let column = new_in(&app, &a, id).await?;
    show::<E>(&app, &a, &column, None, E::blank(), None).await
}

pub(super) async fn edit_page<E: Editor>(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
) -> PageResult {
    let (article, column) = draft_of(&app, &a, id, E::GONE_ON).await?;
    let form = E::load(&app, &article).await?;
    show::<E>(&app, &a, &column, Some(id), form, None).await
}

pub(super) async fn new_submit<E: Editor>(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ColumnId>,
    Form(f): Form<Fields>,
) -> PageResult {
    submit::<E>(&app, &a, Draft::New(id), &f).await
}

pub(super) async fn edit_submit<E: Editor>(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Form(f): Form<Fields>,
) -> PageResult {
    submit::<E>(&app, &a, Draft::Edit(id), &f).await
}

/// A posted form saved as a draft, or the editor again with the form as posted and what to fix.
async fn submit<E: Editor>(app: &App, a: &Authed, to: Draft, f: &Fields) -> PageResult {
    // The column first: another site's column or draft is not found, whatever was posted.
    let column = column_for(app, a, &to).await?;
    match save(app, a, &to, E::from_form(f)).await? {
        Ok(page) => Ok(page),
        Err(message) => {
            let article = match to {
                Draft::Edit(id) => Some(id),
                Draft::New(_) => None,
            };
            show::<E>(app, a, &column, article, E::refill(f), Some(message)).await
        }
    }
}

/// Where a posted form goes: a new draft in a column, or an existing draft.
enum Draft {
    New(ColumnId),
    Edit(ArticleId),
}

/// The column a new item is written in, refused to a person who may not edit there.
async fn new_in(app: &App, a: &Authed, column: ColumnId) -> Result<Column, PageError> {
    let (column, can_edit) = column_of(app, a, column).await?;
    if !can_edit {
        return Err(PageError(Error::forbidden("您没有在该栏目“编辑”的权限")));
    }
    Ok(column)
}

/// A draft to edit and its column, refused when the person may not edit there or when it has
/// gone on to review (`gone_on` says so in the editor's words).
async fn draft_of(
    app: &App,
    a: &Authed,
    id: ArticleId,
    gone_on: &str,
) -> Result<(Article, Column), PageError> {
    let (article, _, column) = app.store().editorial_article(&a.actor, id).await?;
    let column = new_in(app, a, column).await?;
    if article.status != ArticleStatus::Draft {
        return Err(PageError(Error::conflict(gone_on)));
    }
    Ok((article, column))
}

/// The column of what a form is posted to, found before anything is saved: another site's
/// column or draft is "not found" (not "forbidden") whatever was posted, and the editor is shown
/// again there on a refusal.
async fn column_for(app: &App, a: &Authed, to: &Draft) -> Result<Column, PageError> {
    let column = match to {
        Draft::New(column) => *column,
        Draft::Edit(id) => app.store().editorial_article(&a.actor, *id).await?.2,
    };
    Ok(column_of(app, a, column).await?.0)
}

/// Saves a posted form (`input`, or why it could not be read) as a draft. `Ok(Ok(page))` is the
/// article's page to go to; `Ok(Err(message))` is what the person should fix, for the editor to
/// show with the form as posted; anything else is the error page.
async fn save(
    app: &App,
    a: &Authed,
    to: &Draft,
    input: Result<ArticleInput, Error>,
) -> Result<Result<Response, String>, PageError> {
    let saved = match (input, to) {
        (Err(e), _) => Err(e),
        (Ok(input), Draft::New(column)) => app.store().create_draft(&a.actor, *column, input).await,
        (Ok(input), Draft::Edit(id)) => app
            .store()
            .edit_draft(&a.actor, *id, input)
            .await
            .map(|()| *id),
    };
    match saved {
        Ok(id) => Ok(Ok(
            Redirect::to(&format!("/articles/{}", id.0)).into_response()
        )),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => Ok(Err(e.public_message())),
        Err(e) => Err(e.into()),
    }
}
