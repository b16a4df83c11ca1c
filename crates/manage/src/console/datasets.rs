//! The console's data set editor (数据开放): an article of its column with its description for
//! machines — update frequency, licence, keywords, fields as rows, files picked from the media
//! library, or a file the platform writes every month from its own figures (数据来源). Saving
//! makes or edits a draft; the article page carries it through review like any
//! article, and the store refuses to send it on without a licence, its fields and a file.

use serde_json::json;
use zhanqun_core::dataset::{DatasetMeta, Distribution, Field, Frequency, Generator};
use zhanqun_core::{Article, Error};
use zhanqun_store::ArticleInput;

use super::structured::{Editor, Fields, edit_page, edit_submit, new_page, new_submit};
use crate::auth::{Access, Routes};
use zhanqun_web::App;

/// Spare rows the form offers below the filled ones.
const SPARE: usize = 3;

fn field(f: &Fields, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

fn rows(f: &Fields, k: &str) -> usize {
    field(f, k).parse().unwrap_or(0).min(200)
}

/// The form's values: from a stored data set, or as posted.
fn to_form(title: &str, summary: Option<&str>, m: &DatasetMeta) -> serde_json::Value {
    json!({
        "title": title, "summary": summary.unwrap_or(""), "frequency": m.frequency.as_str(),
        "generated": m.generated.map_or("", |g| g.as_str()),
        "licence": m.licence, "keywords": m.keywords.join("、"),
        "fields": m.fields, "files": m.files,
    })
}

/// The data set editor, for the handlers of `structured`.
struct This;

impl Editor for This {
    const GONE_ON: &'static str = "只有草稿可以修改：该数据集已提交审核或已发布";

    fn blank() -> serde_json::Value {
        to_form("", None, &DatasetMeta::default())
    }

    async fn load(app: &App, article: &Article) -> Result<serde_json::Value, Error> {
        let meta = app.store().dataset(article.id).await?.unwrap_or_default();
        Ok(to_form(&article.title, article.summary.as_deref(), &meta))
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
            generated: Generator::parse(&field(f, "generated"))?,
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

    const TEMPLATE: &'static str = "dataset_editor.html";
    const TITLE: &'static str = "数据集";
    const SLUG: &'static str = "dataset";

    fn view(_: &App, form: &serde_json::Value) -> serde_json::Value {
        let n = |k: &str| form[k].as_array().map(Vec::len).unwrap_or(0) + SPARE;
        let frequencies: Vec<_> = Frequency::ALL
            .iter()
            .map(|x| json!({ "value": x.as_str(), "label": x.label() }))
            .collect();
        let generators: Vec<_> = Generator::ALL
            .iter()
            .map(|g| json!({ "value": g.as_str(), "label": g.label() }))
            .collect();
        json!({ "field_rows": n("fields"), "file_rows": n("files"), "frequencies": frequencies,
                "generators": generators })
    }
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::Session;
    r.get(
        "/columns/{id}/new-dataset",
        Session,
        "新建数据集",
        new_page::<This>,
    )
    .post(
        "/columns/{id}/new-dataset",
        Session,
        "新建数据集",
        new_submit::<This>,
    )
    .get(
        "/articles/{id}/dataset",
        Session,
        "修改数据集",
        edit_page::<This>,
    )
    .post(
        "/articles/{id}/dataset",
        Session,
        "修改数据集",
        edit_submit::<This>,
    )
}
