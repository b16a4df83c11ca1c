//! The console's service-item editor (办事事项): an article of its column with the guide's
//! elements as fields, its materials as rows (with forms and samples picked from the site's
//! media library). Saving makes or edits a draft; the article page then carries it through the
//! same review and sign-off as any article, and the store refuses to send it on while a key
//! element is missing.

use serde_json::json;
use zhanqun_core::service::{Audience, ITEM_TYPES, Material, ServiceGuide, THEMES};
use zhanqun_core::{Article, Error};
use zhanqun_store::ArticleInput;

use super::structured::{Editor, Fields, edit_page, edit_submit, new_page, new_submit};
use crate::auth::{Access, Routes};
use zhanqun_web::App;

/// Spare material rows the form offers below the filled ones.
const SPARE_ROWS: usize = 3;

fn field(f: &Fields, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

/// The form's values from a stored item.
fn to_form(title: &str, summary: Option<&str>, g: &ServiceGuide) -> serde_json::Value {
    let mut v = serde_json::to_value(g).unwrap_or_default();
    v["title"] = json!(title);
    v["summary"] = json!(summary.unwrap_or(""));
    v["audience"] = json!(g.audience.as_str());
    v
}

/// The service item editor, for the handlers of `structured`.
struct This;

impl Editor for This {
    const GONE_ON: &'static str = "只有草稿可以修改：该事项已提交审核或已发布";

    fn blank() -> serde_json::Value {
        to_form("", None, &ServiceGuide::default())
    }

    async fn load(app: &App, article: &Article) -> Result<serde_json::Value, Error> {
        let guide = app
            .store()
            .service_guide(article.id)
            .await?
            .unwrap_or_default();
        Ok(to_form(&article.title, article.summary.as_deref(), &guide))
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

    /// The editor page; with `error`, the form comes back as it was posted.
    const TEMPLATE: &'static str = "service_editor.html";
    const TITLE: &'static str = "办事事项";
    const SLUG: &'static str = "service";

    fn view(app: &App, form: &serde_json::Value) -> serde_json::Value {
        let materials = form["materials"].as_array().cloned().unwrap_or_default();
        let audiences: Vec<_> = Audience::ALL
            .iter()
            .map(|x| json!({ "value": x.as_str(), "label": x.label() }))
            .collect();
        json!({
            "rows": materials.len() + SPARE_ROWS, "materials": materials,
            "item_types": ITEM_TYPES, "themes": THEMES, "audiences": audiences,
            "required": app.store().service_elements().iter().map(|e| e.label()).collect::<Vec<_>>(),
        })
    }
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::Session;
    r.get(
        "/columns/{id}/new-service",
        Session,
        "新建办事事项",
        new_page::<This>,
    )
    .post(
        "/columns/{id}/new-service",
        Session,
        "新建办事事项",
        new_submit::<This>,
    )
    .get(
        "/articles/{id}/service",
        Session,
        "修改办事指南",
        edit_page::<This>,
    )
    .post(
        "/articles/{id}/service",
        Session,
        "修改办事指南",
        edit_submit::<This>,
    )
}
