//! The console's data set editor (数据开放): an article of its column with its description for
//! machines — update frequency, licence, keywords, fields as rows, files picked from the media
//! library. Saving makes or edits a draft; the article page carries it through review like any
//! article, and the store refuses to send it on without a licence, its fields and a file.

use std::collections::HashMap;
use std::sync::Arc;

use super::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde_json::json;
use zhanqun_core::dataset::{DatasetMeta, Distribution, Field, Frequency};
use zhanqun_core::{ArticleId, ArticleStatus, ColumnId, Error};
use zhanqun_store::ArticleInput;

use super::{PageError, PageResult, Path, column_of, page, render, with_status};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

/// Spare rows the form offers below the filled ones.
const SPARE: usize = 3;

type Fields = HashMap<String, String>;

fn field(f: &Fields, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

fn rows(f: &Fields, k: &str) -> usize {
    field(f, k).parse().unwrap_or(0).min(200)
}

fn from_form(f: &Fields) -> Result<ArticleInput, Error> {
    let fields = (1..=rows(f, "field_rows"))
        .map(|n| Field {
            name: field(f, &format!("f{n}_name")),
            kind: field(f, &format!("f{n}_kind")),
            description: field(f, &format!("f{n}_description")),
        })
        .collect();
    let files = (1..=rows(f, "file_rows"))
        .map(|n| Distribution {
            title: field(f, &format!("d{n}_title")),
            file: field(f, &format!("d{n}_file")),
        })
        .collect();
    let meta = DatasetMeta {
        frequency: Frequency::parse(field(f, "frequency").trim())?,
        licence: field(f, "licence"),
        keywords: vec![field(f, "keywords")],
        fields,
        files,
    }
    .cleaned()?;
    let summary = field(f, "summary");
    Ok(ArticleInput {
        title: field(f, "title").trim().to_string(),
        summary: Some(summary.trim().to_string()).filter(|s| !s.is_empty()),
        body_html: zhanqun_core::letter_flow::reply_html(&summary),
        dataset: Some(meta),
        ..ArticleInput::default()
    })
}

/// The form's values: from a stored data set, or as posted.
fn to_form(title: &str, summary: Option<&str>, m: &DatasetMeta) -> serde_json::Value {
    json!({
        "title": title, "summary": summary.unwrap_or(""), "frequency": m.frequency.as_str(),
        "licence": m.licence, "keywords": m.keywords.join("、"),
        "fields": m.fields, "files": m.files,
    })
}

fn refill(f: &Fields) -> serde_json::Value {
    let mut v = json!(f);
    v["fields"] = (1..=rows(f, "field_rows"))
        .map(|n| {
            json!({ "name": field(f, &format!("f{n}_name")), "kind": field(f, &format!("f{n}_kind")),
                    "description": field(f, &format!("f{n}_description")) })
        })
        .filter(|x| x.as_object().is_some_and(|o| o.values().any(|v| v != "")))
        .collect();
    v["files"] = (1..=rows(f, "file_rows"))
        .map(|n| json!({ "title": field(f, &format!("d{n}_title")), "file": field(f, &format!("d{n}_file")) }))
        .filter(|x| x.as_object().is_some_and(|o| o.values().any(|v| v != "")))
        .collect();
    v
}

async fn editor(
    app: &App,
    a: &Authed,
    column: &zhanqun_core::Column,
    article: Option<ArticleId>,
    form: serde_json::Value,
    error: Option<String>,
) -> PageResult {
    let n = |k: &str| form[k].as_array().map(Vec::len).unwrap_or(0) + SPARE;
    let (field_rows, file_rows) = (n("fields"), n("files"));
    let files: Vec<serde_json::Value> = app
        .store()
        .media_of_site(&a.actor, column.site_id)
        .await?
        .into_iter()
        .map(|m| json!({ "url": format!("/media/{}", m.storage_name), "name": m.original_name }))
        .collect();
    let action = match article {
        Some(id) => format!("/articles/{}/dataset", id.0),
        None => format!("/columns/{}/new-dataset", column.id.0),
    };
    let frequencies: Vec<_> = Frequency::ALL
        .iter()
        .map(|x| json!({ "value": x.as_str(), "label": x.label() }))
        .collect();
    let failed = error.is_some();
    let res = render(
        "dataset_editor.html",
        page(
            Some(a),
            "sites",
            "数据集",
            json!({
                "column": column, "action": action, "article_id": article.map(|x| x.0),
                "f": form, "field_rows": field_rows, "file_rows": file_rows, "media": files,
                "frequencies": frequencies, "error": error,
            }),
        ),
    );
    Ok(if failed {
        with_status(res, StatusCode::BAD_REQUEST)
    } else {
        res
    })
}

async fn new_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<ColumnId>) -> PageResult {
    let (column, can_edit) = column_of(&app, &a, id).await?;
    if !can_edit {
        return Err(PageError(Error::forbidden("您没有在该栏目“编辑”的权限")));
    }
    let blank = to_form("", None, &DatasetMeta::default());
    editor(&app, &a, &column, None, blank, None).await
}

async fn new_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ColumnId>,
    Form(f): Form<Fields>,
) -> PageResult {
    let (column, _) = column_of(&app, &a, id).await?;
    let res = match from_form(&f) {
        Ok(input) => app.store().create_draft(&a.actor, id, input).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(article) => Ok(Redirect::to(&format!("/articles/{}", article.0)).into_response()),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            editor(
                &app,
                &a,
                &column,
                None,
                refill(&f),
                Some(e.public_message()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
) -> PageResult {
    let (article, _, col) = app.store().editorial_article(&a.actor, id).await?;
    let (column, can_edit) = column_of(&app, &a, col).await?;
    if !can_edit {
        return Err(PageError(Error::forbidden("您没有在该栏目“编辑”的权限")));
    }
    if article.status != ArticleStatus::Draft {
        return Err(PageError(Error::conflict(
            "只有草稿可以修改：该数据集已提交审核或已发布",
        )));
    }
    let meta = app.store().dataset(id).await?.unwrap_or_default();
    let form = to_form(&article.title, article.summary.as_deref(), &meta);
    editor(&app, &a, &column, Some(id), form, None).await
}

async fn edit_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Form(f): Form<Fields>,
) -> PageResult {
    let (_, _, col) = app.store().editorial_article(&a.actor, id).await?;
    let (column, _) = column_of(&app, &a, col).await?;
    let res = match from_form(&f) {
        Ok(input) => app.store().edit_draft(&a.actor, id, input).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/articles/{id}")).into_response()),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            editor(
                &app,
                &a,
                &column,
                Some(id),
                refill(&f),
                Some(e.public_message()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::Session;
    r.get("/columns/{id}/new-dataset", Session, "新建数据集", new_page)
        .post(
            "/columns/{id}/new-dataset",
            Session,
            "新建数据集",
            new_submit,
        )
        .get("/articles/{id}/dataset", Session, "修改数据集", edit_page)
        .post("/articles/{id}/dataset", Session, "修改数据集", edit_submit)
}
