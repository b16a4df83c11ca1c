//! What the editors of structured articles share (办事事项 in `services.rs`, 数据集 in
//! `datasets.rs`): who may open the editor, and saving the posted form as a draft. Each editor
//! keeps only what is its own: turning its form into an `ArticleInput` and back, and its page.

use axum::response::{IntoResponse, Redirect, Response};
use zhanqun_core::{Article, ArticleId, ArticleStatus, Column, ColumnId, Error};
use zhanqun_store::ArticleInput;
use zhanqun_web::App;

use super::{PageError, column_of};
use crate::auth::Authed;

/// Where a posted form goes: a new draft in a column, or an existing draft.
pub(super) enum Draft {
    New(ColumnId),
    Edit(ArticleId),
}

/// The column a new item is written in, refused to a person who may not edit there.
pub(super) async fn new_in(app: &App, a: &Authed, column: ColumnId) -> Result<Column, PageError> {
    let (column, can_edit) = column_of(app, a, column).await?;
    if !can_edit {
        return Err(PageError(Error::forbidden("您没有在该栏目“编辑”的权限")));
    }
    Ok(column)
}

/// A draft to edit and its column, refused when the person may not edit there or when it has
/// gone on to review (`gone_on` says so in the editor's words).
pub(super) async fn draft_of(
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
pub(super) async fn column_for(app: &App, a: &Authed, to: &Draft) -> Result<Column, PageError> {
    let column = match to {
        Draft::New(column) => *column,
        Draft::Edit(id) => app.store().editorial_article(&a.actor, *id).await?.2,
    };
    Ok(column_of(app, a, column).await?.0)
}

/// Saves a posted form (`input`, or why it could not be read) as a draft. `Ok(Ok(page))` is the
/// article's page to go to; `Ok(Err(message))` is what the person should fix, for the editor to
/// show with the form as posted; anything else is the error page.
pub(super) async fn save(
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
