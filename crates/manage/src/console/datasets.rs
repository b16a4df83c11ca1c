//! The console's data set editor (数据开放): an article of its column with its description for
//! machines — update frequency, licence, keywords, fields as rows, files picked from the media
//! library. Saving makes or edits a draft; the article page carries it through review like any
//! article, and the store refuses to send it on without a licence, its fields and a file.

use std::collections::HashMap;
use std::sync::Arc;

use super::Form;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use zhanqun_core::dataset::{DatasetMeta, Distribution, Field, Frequency};
use zhanqun_core::{ArticleId, ColumnId, Error};
use zhanqun_store::ArticleInput;

use super::structured::{self, Draft};
use super::{PageResult, Path, page, render, with_status};
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
    let column = structured::new_in(&app, &a, id).await?;
    editor(
        &app,
        &a,
        &column,
        None,
        to_form("", None, &DatasetMeta::default()),
        None,
    )
    .await
}

async fn edit_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
) -> PageResult {
    let (article, column) =
        structured::draft_of(&app, &a, id, "只有草稿可以修改：该数据集已提交审核或已发布").await?;
    let meta = app.store().dataset(id).await?.unwrap_or_default();
    let form = to_form(&article.title, article.summary.as_deref(), &meta);
    editor(&app, &a, &column, Some(id), form, None).await
}

/// A posted form saved as a draft, or the editor again with the form as posted and what to fix.
async fn submit(app: &App, a: &Authed, to: Draft, f: &Fields) -> PageResult {
    // The column first: another site's column or draft is not found, whatever was posted.
    let column = structured::column_for(app, a, &to).await?;
    match structured::save(app, a, &to, from_form(f)).await? {
        Ok(page) => Ok(page),
        Err(message) => {
            let article = match to {
                Draft::Edit(id) => Some(id),
                Draft::New(_) => None,
            };
            editor(app, a, &column, article, refill(f), Some(message)).await
        }
    }
}

async fn new_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ColumnId>,
    Form(f): Form<Fields>,
) -> PageResult {
    submit(&app, &a, Draft::New(id), &f).await
}

async fn edit_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Form(f): Form<Fields>,
) -> PageResult {
    submit(&app, &a, Draft::Edit(id), &f).await
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
