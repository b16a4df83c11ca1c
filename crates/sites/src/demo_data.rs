//! The demo's 数据开放: two data sets on 佳县 (its budget by function, and the platform's own
//! publishing figures of the site by month) and one on the province portal, each a CSV file
//! written into the media library and published through the article workflow's store path;
//! then the service items' blank forms ([`crate::demo_forms`]).

use std::path::Path;

use chrono::{Datelike, Utc};
use zhanqun_core::dataset::{DatasetMeta, Distribution, Field, Frequency};
use zhanqun_core::{Result, SiteId};
use zhanqun_store::{Actor, ArticleInput, Store};

use crate::demo::DEMO_COUNTY;

const PROVINCE: &str = "6100000001";

fn field(name: &str, kind: &str, description: &str) -> Field {
    Field {
        name: name.into(),
        kind: kind.into(),
        description: description.into(),
    }
}

/// Writes `csv` into the site's media folder under `media_root` and records it; answers the
/// file's `/media/…` address.
async fn upload(
    store: &Store,
    actor: &Actor,
    media_root: &Path,
    site: SiteId,
    original: &str,
    csv: &str,
) -> Result<String> {
    let bytes = format!("\u{feff}{csv}").into_bytes();
    crate::demo_media::upload_file(store, actor, media_root, site, original, &bytes, "text/csv")
        .await
}

/// Loads the demo data sets (once: nothing when 佳县 has any), then the service items' blank
/// forms ([`crate::demo_forms`], also once). Answers how many data sets were written.
pub async fn load(store: &Store, media_root: &Path) -> Result<usize> {
    let n = datasets(store, media_root).await?;
    crate::demo_forms::load(store, media_root).await?;
    Ok(n)
}

async fn datasets(store: &Store, media_root: &Path) -> Result<usize> {
    let sites = store.list_sites().await?;
    let site = |code: &str| sites.iter().find(|s| s.code.as_str() == code).map(|s| s.id);
    let (Some(jx), Some(sx)) = (site(DEMO_COUNTY), site(PROVINCE)) else {
        return Ok(0);
    };
    if !store.site_datasets(jx).await?.is_empty() {
        return Ok(0);
    }
    let mut n = 0;
    let year = Utc::now().year();
    for (site_id, admin, place) in [(jx, "jx-admin", "佳县"), (sx, "sx-office", "陕西省")] {
        let actor = crate::demo_letters::actor(store, admin).await?;
        let columns = store.columns(site_id).await?;
        let Some(col) = columns
            .iter()
            .find(|c| c.path.as_str() == "zwgk/czzj")
            .or_else(|| columns.iter().find(|c| c.path.as_str() == "zwgk/ghjh"))
            .map(|c| c.id)
        else {
            continue;
        };
        let budget = format!(
            "功能分类,{y}年预算数（万元）,{p}年执行数（万元）\n一般公共服务支出,18650,17920\n教育支出,52310,50860\n社会保障和就业支出,41280,40150\n卫生健康支出,23460,22810\n农林水支出,38720,37640\n城乡社区支出,15930,15210\n",
            y = year,
            p = year - 1
        );
        let file = upload(
            store,
            &actor,
            media_root,
            site_id,
            &format!("{place}{year}年一般公共预算支出.csv"),
            &budget,
        )
        .await?;
        let budget_set = ArticleInput {
            title: format!("{place}{year}年一般公共预算支出（按功能分类）"),
            summary: Some(format!(
                "{place}本级一般公共预算支出的预算数和上年执行数，按支出功能分类，单位万元。"
            )),
            body_html: format!(
                "<p>{place}本级一般公共预算支出的预算数和上年执行数，按支出功能分类。数据来源：{place}财政部门。</p>"
            ),
            published: true,
            dataset: Some(DatasetMeta {
                frequency: Frequency::Yearly,
                licence: "CC BY 4.0（署名）".into(),
                keywords: vec!["财政".into(), "预算".into(), "支出".into()],
                fields: vec![
                    field("功能分类", "文本", "支出功能分类科目（类）"),
                    field(
                        &format!("{year}年预算数（万元）"),
                        "数值",
                        "人民代表大会批准的预算数",
                    ),
                    field(
                        &format!("{}年执行数（万元）", year - 1),
                        "数值",
                        "上年实际支出",
                    ),
                ],
                files: vec![Distribution {
                    title: format!("{year}年一般公共预算支出（CSV）"),
                    file,
                }],
            }),
            ..ArticleInput::default()
        };
        store.create_article(site_id, budget_set, &[col]).await?;
        n += 1;
        if site_id != jx {
            continue;
        }
        // The platform's own figures: the site's publishing by month of the past year.
        let figures = store.monthly_publication_counts(site_id, 12).await?;
        let mut csv = String::from("月份,发布信息数（条）\n");
        for (month, count) in figures {
            csv.push_str(&format!("{month},{count}\n"));
        }
        let file = upload(
            store,
            &actor,
            media_root,
            site_id,
            "佳县政府网站信息发布统计.csv",
            &csv,
        )
        .await?;
        let stats = ArticleInput {
            title: "佳县人民政府网站信息发布月度统计".into(),
            summary: Some("本网站近 12 个月每月发布的信息数量，由站群平台按月统计。".into()),
            body_html: "<p>本网站近 12 个月每月发布的信息数量，由站群平台的发布记录统计生成。</p>"
                .into(),
            published: true,
            dataset: Some(DatasetMeta {
                frequency: Frequency::Monthly,
                licence: "CC BY 4.0（署名）".into(),
                keywords: vec!["政府网站".into(), "信息发布".into()],
                fields: vec![
                    field("月份", "日期", "统计月份（YYYY-MM，北京时间）"),
                    field("发布信息数（条）", "数值", "当月发布到本网站的信息条数"),
                ],
                files: vec![Distribution {
                    title: "信息发布月度统计（CSV）".into(),
                    file,
                }],
            }),
            ..ArticleInput::default()
        };
        store.create_article(site_id, stats, &[col]).await?;
        n += 1;
    }
    Ok(n)
}
