//! The national fixture in the store: what a province (or the country) looks like after ten
//! years on the platform, for the benchmarks that measure pages and console views at volume.
//!
//! On top of the demo province (Shaanxi, with its accounts, visits and content), one portal for
//! every other province, city and county-level division of `../shared/data/divisions`, and
//! `articles` generated articles spread over ten years before the anchor day:
//! - a few archive-heavy sites (the Shaanxi province portal, 佳县, one city and one county
//!   elsewhere) hold about an eighth of all articles each; 200 county portals hold a few
//!   thousand each; every other site shares the rest;
//! - a third are disclosure documents (信息公开: document number, issuing organ, topic, validity)
//!   in the 政务公开 columns; 3 % are service items in 办事指南 (one of the demo's guides,
//!   carried by one of the site's units); the rest are news and notices;
//! - one in 5,000 is a State Council policy owned by the province portal and placed in 政策文件
//!   on every site, as a reprint places it; and three items go through the real reprint path
//!   (source, subscriptions of every site, ingest), so that deliveries exist.
//!
//! Everything is written through `Store::apply_sites`, `Store::bulk_load` and the reprint API,
//! in batches of 20,000 articles a transaction: a million articles take minutes, not hours.
//! The content is deterministic for a given anchor day.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use zhanqun_core::{ColumnId, Error, Result, SiteId, UnitId, Validity};
use zhanqun_store::{
    ArticleInput, BulkArticle, DisclosureInput, NewItem, NewSource, ReprintMode, Store,
};

use crate::words::{Rng, SENTENCES, TITLES, TOPICS, fill};

/// A division of the fixture: a province, a city or a county-level unit.
#[derive(Debug, Clone)]
pub struct Division {
    /// Six-digit region code (GB/T 2260).
    pub region: String,
    pub name: String,
    /// The site code of the portal above it, if any.
    pub parent: Option<String>,
    pub kind: &'static str,
}

impl Division {
    /// Its portal's site code: the region code and serial 0001.
    pub fn site_code(&self) -> String {
        format!("{}0001", self.region)
    }
}

/// Every division of `dir` (`provinces.csv`, `cities.csv`, `areas.csv`) outside Shaanxi (61),
/// which the demo province already holds. Cities named 市辖区 or 省直辖… are not portals: their
/// counties hang under the province.
pub fn divisions(dir: &Path) -> std::io::Result<Vec<Division>> {
    let rows = |file: &str| -> std::io::Result<Vec<Vec<String>>> {
        let text = std::fs::read_to_string(dir.join(file))?;
        Ok(text
            .lines()
            .skip(1)
            .map(|l| {
                l.split(',')
                    .map(|f| f.trim().trim_matches('"').to_string())
                    .collect()
            })
            .filter(|f: &Vec<String>| f.len() >= 2 && f[0].bytes().all(|b| b.is_ascii_digit()))
            .collect())
    };
    let mut out = Vec::new();
    for p in rows("provinces.csv")? {
        if p[0] != "61" {
            out.push(Division {
                region: format!("{}0000", p[0]),
                name: p[1].clone(),
                parent: None,
                kind: "province",
            });
        }
    }
    let mut portals = std::collections::HashSet::new();
    for c in rows("cities.csv")? {
        if c.len() < 3 || c[2] == "61" || c[1] == "市辖区" || c[1].starts_with("省直辖") {
            continue;
        }
        portals.insert(c[0].clone());
        out.push(Division {
            region: format!("{}00", c[0]),
            name: c[1].clone(),
            parent: Some(format!("{}00000001", c[2])),
            kind: "city",
        });
    }
    for a in rows("areas.csv")? {
        if a.len() < 4 || a[3] == "61" {
            continue;
        }
        let parent = if portals.contains(&a[2]) {
            format!("{}000001", a[2])
        } else {
            format!("{}00000001", a[3])
        };
        // A city without counties (东莞, 中山, 儋州) is listed as its own county-level unit too.
        if portals.contains(&a[0][..4]) && a[0].ends_with("00") {
            continue;
        }
        out.push(Division {
            region: a[0].clone(),
            name: a[1].clone(),
            parent: Some(parent),
            kind: "county",
        });
    }
    Ok(out)
}

/// The tenants file of a division's portal.
fn tenant_toml(d: &Division) -> String {
    let mut t = format!(
        "code = \"{}\"\nname = \"{}人民政府\"\nkind = \"{}\"\nregion = \"{}\"\ntemplate = \"portal\"\n",
        d.site_code(),
        d.name,
        d.kind,
        d.region
    );
    if let Some(p) = &d.parent {
        t.push_str(&format!("parent = \"{p}\"\n"));
    }
    t.push_str(&format!(
        "units = [\"{0}人民政府办公室\", \"{0}发展和改革局\", \"{0}应急管理局\"]\n\n[footer]\norganiser = \"{0}人民政府办公室\"\noperator = \"{0}政务信息化服务中心\"\n",
        d.name
    ));
    t
}

/// 主题分类 of the disclosure catalogue.
const DISCLOSURE_TOPICS: &[&str] = &[
    "国民经济管理、国有资产监管",
    "农业、林业、水利",
    "城乡建设、环境保护",
    "科技、教育",
    "卫生、体育",
    "劳动、人事、监察",
    "财政、金融、审计",
    "公安、安全、司法",
    "民政、扶贫、救灾",
    "综合政务",
];

/// Where an article goes: the column path, its share in thousandths, whether it is a
/// disclosure document.
const COLUMNS: &[(&str, u64, bool)] = &[
    ("xwzx/zwyw", 250, false),
    ("xwzx/bmdt", 200, false),
    ("xwzx/tzgg", 100, false),
    ("xwzx/xzdt", 50, false),
    ("zwgk/zcwj", 130, true),
    ("zwgk/zcjd", 50, true),
    ("zwgk/rsxx", 50, true),
    ("zwgk/ghjh", 40, true),
    ("zwgk/czzj", 60, true),
    ("zwfw/bszn", 30, false),
    ("hdjl/zjdc", 15, false),
    ("ztzl", 25, false),
];

/// What [`build`] wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub sites: usize,
    pub articles: usize,
    pub placements: usize,
}

/// Sites holding an eighth of the articles each: the Shaanxi province portal, 佳县, and the
/// first city and county portals of the national list.
const HEAVY_SHARE: f64 = 0.125;
/// County portals with a few thousand articles each (the archives of ten years).
const ARCHIVES: usize = 200;

/// Builds the fixture on a store that holds the demo province (and nothing else). `progress`
/// gets (articles written, articles in all) after each batch.
pub async fn build(
    store: &Store,
    divisions: &[Division],
    articles: u64,
    anchor: NaiveDate,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Summary> {
    // Sites: the demo province's tenants files (they stay as they are: applying them again
    // changes nothing) and the whole country's, parents first, parsed and applied together.
    let sources: Vec<(String, String)> = zhanqun_sites::demo::tenant_sources()
        .into_iter()
        .map(|s| (s.path, s.text))
        .chain(
            divisions
                .iter()
                .map(|d| (format!("{}.toml", d.site_code()), tenant_toml(d))),
        )
        .collect();
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let all = crate::parse(&refs).map_err(|e| {
        Error::internal(format!(
            "national tenants: {}",
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    store.apply_sites(&all).await?;

    let sites = store.list_sites().await?;
    let columns = store.all_columns().await?;
    let mut column: HashMap<(SiteId, &str), ColumnId> = HashMap::new();
    for c in &columns {
        column.insert((c.site_id, c.path.as_str()), c.id);
    }
    let portals: Vec<(SiteId, String, String)> = sites
        .iter()
        .filter(|s| column.contains_key(&(s.id, "zwgk/zcwj")))
        .map(|s| {
            let place = s.name.trim_end_matches("人民政府").to_string();
            (s.id, s.code.as_str().to_string(), place)
        })
        .collect();
    if portals.is_empty() {
        return Err(Error::invalid("没有门户网站：先载入演示省份"));
    }
    let province = portals
        .iter()
        .position(|p| p.1 == "6100000001")
        .unwrap_or(0);
    let mut heavy: Vec<usize> = vec![province];
    if let Some(i) = portals.iter().position(|p| p.1 == "6108280001") {
        heavy.push(i);
    }
    let is_city = |code: &str| code.ends_with("000001") && !code.ends_with("00000001");
    if let Some(i) = portals
        .iter()
        .position(|p| !p.1.starts_with("61") && is_city(&p.1))
    {
        heavy.push(i);
    }
    if let Some(i) = portals
        .iter()
        .position(|p| !p.1.starts_with("61") && !p.1.ends_with("000001"))
    {
        heavy.push(i);
    }
    let archives: Vec<usize> = (0..portals.len())
        .filter(|i| !heavy.contains(i))
        .step_by((portals.len() / ARCHIVES).max(1))
        .take(ARCHIVES)
        .collect();

    // Who owns article i: heavy sites first, then the archives, then everyone else in turn.
    let heavy_n = (articles as f64 * HEAVY_SHARE) as u64;
    let archive_n = articles * 3 / 10 / ARCHIVES.max(1) as u64;
    let owner_of = |i: u64| -> usize {
        let h = i / heavy_n.max(1);
        if (h as usize) < heavy.len() {
            return heavy[h as usize];
        }
        let j = i - heavy_n * heavy.len() as u64;
        let a = j / archive_n.max(1);
        if (a as usize) < archives.len() {
            return archives[a as usize];
        }
        let k = j - archive_n * archives.len() as u64;
        (k % portals.len() as u64) as usize
    };

    let mut units: HashMap<SiteId, Vec<UnitId>> = HashMap::new();
    for p in &portals {
        units.insert(
            p.0,
            store.units(p.0).await?.into_iter().map(|u| u.0).collect(),
        );
    }

    let start = Utc.from_utc_datetime(
        &(anchor - Duration::days(3650))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default(),
    );
    let mut rng = Rng(0x5EED_0000_0000_0001 ^ anchor.to_string().len() as u64);
    let mut summary = Summary {
        sites: sites.len(),
        ..Summary::default()
    };
    let batch = 20_000_u64;
    let mut i = 0_u64;
    while i < articles {
        let end = (i + batch).min(articles);
        let mut items = Vec::with_capacity((end - i) as usize);
        for n in i..end {
            let (site, _, place) = &portals[owner_of(n)];
            let at = start + Duration::seconds((rng.next() % (3650 * 86_400)) as i64);
            let year = chrono::Datelike::year(&at.date_naive());
            let topic = rng.pick(TOPICS);
            let mut body = String::new();
            for _ in 0..(3 + rng.next() % 4) {
                body.push_str("<p>");
                body.push_str(&fill(rng.pick(SENTENCES), place, topic, year, &mut rng));
                body.push_str("</p>");
            }
            if n % 5_000 == 17 {
                // A State Council policy, reprinted on every site.
                let owner = &portals[province];
                items.push(BulkArticle {
                    site: owner.0,
                    input: ArticleInput {
                        title: format!("国务院办公厅关于做好{year}年{topic}工作的通知"),
                        source: Some("中国政府网".into()),
                        body_html: body,
                        published: true,
                        published_at: Some(at),
                        disclosure: Some(DisclosureInput {
                            doc_number: Some(format!("国办发〔{year}〕{}号", 1 + n % 60)),
                            issuing_organ: Some("国务院办公厅".into()),
                            topic: Some(DISCLOSURE_TOPICS[9].into()),
                            validity: Some(Validity::Valid),
                            written_date: Some(at.date_naive() - Duration::days(2)),
                        }),
                        ..ArticleInput::default()
                    },
                    columns: vec![column[&(owner.0, "zwgk/zcwj")]],
                    elsewhere: portals
                        .iter()
                        .filter(|p| p.0 != owner.0)
                        .map(|p| (p.0, column[&(p.0, "zwgk/zcwj")]))
                        .collect(),
                });
                continue;
            }
            let mut pick = rng.next() % 1000;
            let (path, _, disclosure) = COLUMNS
                .iter()
                .find(|(_, share, _)| {
                    if pick < *share {
                        true
                    } else {
                        pick -= share;
                        false
                    }
                })
                .copied()
                .unwrap_or(COLUMNS[0]);
            // A site without that column (a department, a portal without 镇街动态) takes it
            // in 政务要闻: every generated article is written.
            let Some(col) = column
                .get(&(*site, path))
                .or_else(|| column.get(&(*site, "xwzx/zwyw")))
                .copied()
            else {
                continue;
            };
            let mut title = fill(rng.pick(TITLES), place, topic, year, &mut rng);
            // 办事指南 holds service items: one of the demo's guides, carried by one of the
            // site's units.
            let mut service = None;
            let mut unit = None;
            if path == "zwfw/bszn" && column.contains_key(&(*site, path)) {
                let level = if *site == portals[province].0 {
                    "省"
                } else {
                    "县"
                };
                let mut guides = zhanqun_sites::demo_services::items(place, level, true);
                let g = guides.swap_remove((rng.next() % guides.len() as u64) as usize);
                let site_units = units.get(site).map(Vec::as_slice).unwrap_or_default();
                unit = site_units.get(g.unit % site_units.len().max(1)).copied();
                title = g.title;
                service = Some(g.guide);
            }
            let disclosure = disclosure.then(|| {
                let short: String = place.chars().take(2).collect();
                DisclosureInput {
                    doc_number: Some(format!("{short}政办发〔{year}〕{}号", 1 + rng.next() % 200)),
                    issuing_organ: Some(format!("{place}人民政府办公室")),
                    topic: Some(rng.pick(DISCLOSURE_TOPICS).into()),
                    validity: Some(if rng.next().is_multiple_of(10) {
                        Validity::Invalid
                    } else {
                        Validity::Valid
                    }),
                    written_date: Some(at.date_naive() - Duration::days(3)),
                }
            });
            items.push(BulkArticle {
                site: *site,
                input: ArticleInput {
                    title,
                    summary: None,
                    source: Some(format!("{place}人民政府办公室")),
                    body_html: body,
                    published: true,
                    published_at: Some(at),
                    disclosure,
                    unit,
                    service,
                    ..ArticleInput::default()
                },
                columns: vec![col],
                elsewhere: Vec::new(),
            });
        }
        summary.placements += items
            .iter()
            .map(|b| b.columns.len() + b.elsewhere.len())
            .sum::<usize>();
        summary.articles += store.bulk_load(&items).await?;
        i = end;
        progress(i, articles);
    }

    // Visits of the last week on every site outside the demo province (which has its own 30
    // days), for the dashboards.
    let new_sites: Vec<(SiteId, zhanqun_core::SiteKind)> = sites
        .iter()
        .filter(|s| !s.code.as_str().starts_with("61"))
        .map(|s| (s.id, s.kind))
        .collect();
    zhanqun_sites::demo::load_visits(store, &new_sites, anchor, 7).await?;

    // Deliveries: three items through the real reprint path to every portal.
    let owner = &portals[province];
    let source = store
        .create_source(
            None,
            &NewSource {
                name: "国务院最新政策（基准）".into(),
                kind: "manual".into(),
                url: None,
                attribution: "中国政府网".into(),
                owner: owner.0,
                owner_column: column[&(owner.0, "zwgk/zcwj")],
                poll_seconds: None,
                extract_selector: None,
            },
        )
        .await?;
    for p in portals.iter().filter(|p| p.0 != owner.0) {
        store
            .subscribe(
                None,
                source,
                column[&(p.0, "zwgk/zcwj")],
                ReprintMode::Publish,
                true,
            )
            .await?;
    }
    for k in 0..3 {
        let at = Utc.from_utc_datetime(
            &(anchor - Duration::days(10 * k + 1))
                .and_hms_opt(9, 0, 0)
                .unwrap_or_default(),
        );
        store
            .ingest(
                None,
                source,
                &NewItem {
                    guid: format!("national-fixture-{k}"),
                    title: format!(
                        "国务院关于进一步优化政务服务提升行政效能的意见（之{}）",
                        k + 1
                    ),
                    summary: Some(
                        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构。".into(),
                    ),
                    body_html: "<p>为深入贯彻落实党中央、国务院决策部署，现提出如下意见。</p>"
                        .into(),
                    link: None,
                    published_at: at,
                    hash: None,
                },
            )
            .await?;
        summary.articles += 1;
        summary.placements += portals.len();
    }
    store.analyze().await?;
    Ok(summary)
}
