//! The console's service-item editor (办事事项): an article of its column with the guide's
//! elements as fields, its materials as rows (with forms and samples picked from the site's
//! media library). Saving makes or edits a draft; the article page then carries it through the
//! same review and sign-off as any article, and the store refuses to send it on while a key
//! element is missing.

use std::collections::HashMap;
use std::sync::Arc;

use super::Form;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use zhanqun_core::service::{Audience, ITEM_TYPES, Material, ServiceGuide, THEMES};
use zhanqun_core::{ArticleId, ColumnId, Error};
use zhanqun_store::ArticleInput;

use super::structured::{self, Draft};
use super::{PageResult, Path, page, render, with_status};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

/// Spare material rows the form offers below the filled ones.
const SPARE_ROWS: usize = 3;

/// The form as posted: every field by name (materials as `m{n}_{field}`).
type Fields = HashMap<String, String>;

fn field(f: &Fields, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

/// The guide and the item's name and description from the posted fields.
fn from_form(f: &Fields) -> Result<ArticleInput, Error> {
    let rows: usize = field(f, "rows").parse().unwrap_or(0).min(50);
    let media = |k: String| Some(field(f, &k)).filter(|v| !v.trim().is_empty());
    let materials = (1..=rows)
        .map(|n| Material {
            name: field(f, &format!("m{n}_name")),
            kind: field(f, &format!("m{n}_kind")),
            sample: media(format!("m{n}_sample")),
            form: media(format!("m{n}_form")),
            source: field(f, &format!("m{n}_source")),
            copies: field(f, &format!("m{n}_copies")),
            notes: field(f, &format!("m{n}_notes")),
            acceptance: field(f, &format!("m{n}_acceptance")),
            electronic: f.contains_key(&format!("m{n}_electronic")),
        })
        .collect();
    let audience = match field(f, "audience").trim() {
        "" => Audience::Person,
        a => Audience::parse(a)?,
    };
    let guide = ServiceGuide {
        item_type: field(f, "item_type"),
        audience,
        theme: field(f, "theme"),
        basis: field(f, "basis"),
        conditions: field(f, "conditions"),
        agency: field(f, "agency"),
        legal_limit: field(f, "legal_limit"),
        promised_limit: field(f, "promised_limit"),
        result_name: field(f, "result_name"),
        result_sample: media("result_sample".into()),
        fee: field(f, "fee"),
        fee_basis: field(f, "fee_basis"),
        materials,
        process: field(f, "process"),
        channels: field(f, "channels"),
        review_standard: field(f, "review_standard"),
        scope: field(f, "scope"),
        appointment: field(f, "appointment"),
        online_payment: field(f, "online_payment"),
        delivery: field(f, "delivery"),
        place: field(f, "place"),
        hours: field(f, "hours"),
        consult_phone: field(f, "consult_phone"),
        complaint_phone: field(f, "complaint_phone"),
    }
    .cleaned()?;
    let body = zhanqun_core::letter_flow::reply_html(&field(f, "summary"));
    Ok(ArticleInput {
        title: field(f, "title").trim().to_string(),
        summary: Some(field(f, "summary").trim().to_string()).filter(|s| !s.is_empty()),
        body_html: body,
        service: Some(guide),
        ..ArticleInput::default()
    })
}

/// The form's values from a stored item.
fn to_form(title: &str, summary: Option<&str>, g: &ServiceGuide) -> serde_json::Value {
    let mut v = serde_json::to_value(g).unwrap_or_default();
    v["title"] = json!(title);
    v["summary"] = json!(summary.unwrap_or(""));
    v["audience"] = json!(g.audience.as_str());
    v
}

/// The editor page; with `error`, the form comes back as it was posted.
async fn editor(
    app: &App,
    a: &Authed,
    column: &zhanqun_core::Column,
    article: Option<ArticleId>,
    form: serde_json::Value,
    error: Option<String>,
) -> PageResult {
    let materials = form["materials"].as_array().cloned().unwrap_or_default();
    let rows = materials.len() + SPARE_ROWS;
    let files: Vec<serde_json::Value> = app
        .store()
        .media_of_site(&a.actor, column.site_id)
        .await?
        .into_iter()
        .map(|m| json!({ "url": format!("/media/{}", m.storage_name), "name": m.original_name }))
        .collect();
    let action = match article {
        Some(id) => format!("/articles/{}/service", id.0),
        None => format!("/columns/{}/new-service", column.id.0),
    };
    let audiences: Vec<_> = Audience::ALL
        .iter()
        .map(|x| json!({ "value": x.as_str(), "label": x.label() }))
        .collect();
    let failed = error.is_some();
    let res = render(
        "service_editor.html",
        page(
            Some(a),
            "sites",
            "办事事项",
            json!({
                "column": column, "action": action, "article_id": article.map(|x| x.0),
                "f": form, "materials": materials, "rows": rows, "files": files,
                "item_types": ITEM_TYPES, "themes": THEMES, "audiences": audiences,
                "required": app.store().service_elements().iter().map(|e| e.label()).collect::<Vec<_>>(),
                "error": error,
            }),
        ),
    );
    Ok(if failed {
        with_status(res, StatusCode::BAD_REQUEST)
    } else {
        res
    })
}

/// The posted form as the editor shows it again (the materials as rows).
fn refill(f: &Fields) -> serde_json::Value {
    let rows: usize = field(f, "rows").parse().unwrap_or(0).min(50);
    let mut v = json!(f);
    v["materials"] = (1..=rows)
        .map(|n| {
            let g = |k: &str| field(f, &format!("m{n}_{k}"));
            json!({
                "name": g("name"), "kind": g("kind"), "sample": g("sample"), "form": g("form"),
                "source": g("source"), "copies": g("copies"), "notes": g("notes"),
                "acceptance": g("acceptance"), "electronic": f.contains_key(&format!("m{n}_electronic")),
            })
        })
        .filter(|m| m.as_object().is_some_and(|o| o.values().any(|x| x != "" && x != false)))
        .collect();
    v
}

async fn new_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<ColumnId>) -> PageResult {
    let column = structured::new_in(&app, &a, id).await?;
    editor(
        &app,
        &a,
        &column,
        None,
        to_form("", None, &ServiceGuide::default()),
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
        structured::draft_of(&app, &a, id, "只有草稿可以修改：该事项已提交审核或已发布").await?;
    let guide = app.store().service_guide(id).await?.unwrap_or_default();
    let form = to_form(&article.title, article.summary.as_deref(), &guide);
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
    r.get(
        "/columns/{id}/new-service",
        Session,
        "新建办事事项",
        new_page,
    )
    .post(
        "/columns/{id}/new-service",
        Session,
        "新建办事事项",
        new_submit,
    )
    .get("/articles/{id}/service", Session, "修改办事指南", edit_page)
    .post(
        "/articles/{id}/service",
        Session,
        "修改办事指南",
        edit_submit,
    )
}
