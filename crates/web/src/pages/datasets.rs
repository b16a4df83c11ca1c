//! 数据开放 on the public side: a site's data sets at `/data/` (for people), its catalogue for
//! machines at `/data/catalog.json` (DCAT-like) and `/data/catalog.csv`, and a data set's page
//! (the article page shows it in place of a body). Files are downloaded at the stable address
//! `/data/<id>/<n>` — the bytes uploaded, served as the media library serves them.

use serde::Serialize;
use serde_json::{Value, json};
use zhanqun_core::dataset::{DatasetMeta, out_of_date};
use zhanqun_store::DatasetEntry;

use super::view::Framed;
use super::*;

/// A page of the data catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataPage {
    Html,
    Json,
    Csv,
}

impl DataPage {
    pub(super) fn parse(rest: &str) -> Option<Route> {
        match rest {
            "" => Some(Route::Data(DataPage::Html)),
            "catalog.json" => Some(Route::Data(DataPage::Json)),
            "catalog.csv" => Some(Route::Data(DataPage::Csv)),
            r => {
                let (id, n) = r.split_once('/')?;
                let id = id.parse::<i64>().ok().filter(|n| *n > 0)?;
                let n = n.parse::<usize>().ok().filter(|n| (1..=20).contains(n))?;
                Some(Route::DataFile {
                    dataset: ArticleId(id),
                    n,
                })
            }
        }
    }

    pub(super) fn cache_key(self, host: &str) -> String {
        match self {
            DataPage::Html => "/data/".into(),
            DataPage::Json => format!("{host}|/data/catalog.json"),
            DataPage::Csv => format!("{host}|/data/catalog.csv"),
        }
    }
}

/// The catalogue entry of a data set, DCAT-like (dct/dcat terms), with absolute URLs on `base`.
fn entry(e: &DatasetEntry, base: &str, now: DateTime<Utc>) -> Value {
    let m = &e.meta;
    json!({
        "@type": "dcat:Dataset",
        "identifier": e.index_number,
        "title": e.title,
        "description": e.description,
        "publisher": e.publisher,
        "issued": e.issued.to_rfc3339(),
        "modified": e.modified.to_rfc3339(),
        "accrualPeriodicity": m.frequency.iso(),
        "frequency": m.frequency.label(),
        "license": m.licence,
        "keyword": m.keywords,
        "landingPage": format!("{base}/art/{}.html", e.id),
        "outOfDate": out_of_date(m.frequency, e.modified, now),
        "fields": m.fields,
        "distribution": m.files.iter().enumerate().map(|(i, d)| json!({
            "@type": "dcat:Distribution",
            "title": d.title,
            "format": d.format(),
            "downloadURL": format!("{base}/data/{}/{}", e.id, i + 1),
        })).collect::<Vec<_>>(),
    })
}

/// A file of a data set, with its stable download address.
#[derive(Serialize)]
pub(super) struct FileView<'a> {
    title: &'a str,
    format: String,
    url: String,
}

/// The data set part of an article page.
#[derive(Serialize)]
pub(super) struct DatasetView<'a> {
    frequency: &'static str,
    generated: Option<&'static str>,
    licence: &'a str,
    keywords: &'a [String],
    fields: &'a [zhanqun_core::dataset::Field],
    files: Vec<FileView<'a>>,
    out_of_date: bool,
}

pub(super) fn dataset_view(
    id: ArticleId,
    m: &DatasetMeta,
    modified: DateTime<Utc>,
) -> DatasetView<'_> {
    DatasetView {
        frequency: m.frequency.label(),
        generated: m.generated.map(|g| g.label()),
        licence: &m.licence,
        keywords: &m.keywords,
        fields: &m.fields,
        files: m
            .files
            .iter()
            .enumerate()
            .map(|(i, d)| FileView {
                title: &d.title,
                format: d.format(),
                url: format!("/data/{}/{}", id, i + 1),
            })
            .collect(),
        out_of_date: out_of_date(m.frequency, modified, Utc::now()),
    }
}

/// A data set in the site's list at `/data/`.
#[derive(Serialize)]
struct Listed<'a> {
    title: &'a str,
    url: String,
    publisher: Option<&'a str>,
    description: Option<&'a str>,
    frequency: &'static str,
    formats: String,
    modified: String,
    out_of_date: bool,
}

#[derive(Serialize)]
struct ListPage<'a> {
    crumbs: [Link<'static>; 1],
    items: Vec<Listed<'a>>,
}

impl App {
    pub(super) async fn render_data(
        &self,
        ctx: &SiteCtx,
        page: DataPage,
        host: &str,
    ) -> Result<Rendered> {
        let site = &ctx.site;
        let sets = self.store().site_datasets(site.id).await?;
        let base = format!("{}://{host}", self.config().public_scheme);
        let now = Utc::now();
        let deps = vec![Dep::Site(site.id), Dep::SiteContent(site.id)];
        let (content_type, body) = match page {
            DataPage::Html => {
                let items = sets
                    .iter()
                    .map(|e| Listed {
                        title: &e.title,
                        url: format!("/art/{}.html", e.id),
                        publisher: e.publisher.as_deref(),
                        description: e.description.as_deref(),
                        frequency: e.meta.frequency.label(),
                        formats: e
                            .meta
                            .files
                            .iter()
                            .map(|d| d.format())
                            .collect::<Vec<_>>()
                            .join("、"),
                        modified: china(e.modified).format("%Y-%m-%d").to_string(),
                        out_of_date: out_of_date(e.meta.frequency, e.modified, now),
                    })
                    .collect();
                let pagev = Framed {
                    site: SiteView::of(ctx),
                    page_title: "数据开放",
                    nav_current: "zwgk",
                    view: ListPage {
                        crumbs: [Link {
                            name: "数据开放",
                            url: "/data/".into(),
                            path: None,
                        }],
                        items,
                    },
                };
                (HTML, self.render_html(ctx, "datasets.html", &pagev)?)
            }
            DataPage::Json => {
                let doc = json!({
                    "@context": {
                        "dcat": "http://www.w3.org/ns/dcat#",
                        "dct": "http://purl.org/dc/terms/",
                    },
                    "@type": "dcat:Catalog",
                    "title": format!("{}数据开放目录", site.name),
                    "publisher": site.footer.organiser,
                    "homepage": format!("{base}/"),
                    "dataset": sets.iter().map(|e| entry(e, &base, now)).collect::<Vec<_>>(),
                });
                let text = serde_json::to_string_pretty(&doc).map_err(Error::internal)?;
                ("application/json; charset=utf-8", text)
            }
            DataPage::Csv => {
                let mut out = zhanqun_report::csv::Csv::new();
                out.row([
                    "identifier",
                    "title",
                    "publisher",
                    "modified",
                    "accrualPeriodicity",
                    "license",
                    "format",
                    "downloadURL",
                    "outOfDate",
                ])?;
                for e in &sets {
                    for (i, d) in e.meta.files.iter().enumerate() {
                        out.row([
                            e.index_number.clone(),
                            e.title.clone(),
                            e.publisher.clone().unwrap_or_default(),
                            e.modified.to_rfc3339(),
                            e.meta.frequency.iso().unwrap_or("").to_string(),
                            e.meta.licence.clone(),
                            d.format(),
                            format!("{base}/data/{}/{}", e.id, i + 1),
                            out_of_date(e.meta.frequency, e.modified, now).to_string(),
                        ])?;
                    }
                }
                let bytes = out.finish()?;
                (
                    "text/csv; charset=utf-8",
                    String::from_utf8(bytes).map_err(Error::internal)?,
                )
            }
        };
        Ok(Rendered {
            status: StatusCode::OK,
            content_type,
            body,
            deps,
            shown: Vec::new(),
        })
    }
}
