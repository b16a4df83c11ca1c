//! The demo's 数据开放: three data sets on 佳县 (its budget by function, and two the platform
//! generates from its own figures: the site's publishing and its letters by month) and one on
//! the province portal, each a CSV file in the media library, published through the article
//! workflow's store path;
//! then the service items' blank forms ([`crate::demo_forms`]).

use std::path::Path;

use chrono::{Datelike, Utc};
use zhanqun_core::dataset::{DatasetMeta, Distribution, Field, Frequency, Generator};
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
    // The generated data sets' first files (the server's monthly job writes the next ones).
    store.regenerate_datasets(media_root, Utc::now()).await?;
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
                generated: None,
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
        // The platform's own figures, written by the platform and again every month
        // (zhanqun_store::generated): the site's publishing and its letters, by month.
        for (generator, title, summary) in [
            (
                Generator::Publishing,
                "佳县人民政府网站信息发布月度统计",
                "本网站近 12 个月每月发布的信息数量，由站群平台每月初统计生成。",
            ),
            (
                Generator::Letters,
                "佳县人民政府网站群众来信月度统计",
                "本网站近 12 个月每月收到和答复的群众来信件数，由站群平台每月初统计生成。",
            ),
        ] {
            let set = ArticleInput {
                title: title.into(),
                summary: Some(summary.into()),
                body_html: format!("<p>{summary}</p>"),
                published: true,
                dataset: Some(
                    DatasetMeta {
                        generated: Some(generator),
                        licence: "CC BY 4.0（署名）".into(),
                        keywords: vec!["政府网站".into(), "统计".into()],
                        ..DatasetMeta::default()
                    }
                    .cleaned()?,
                ),
                ..ArticleInput::default()
            };
            store.create_article(site_id, set, &[col]).await?;
            n += 1;
        }
    }
    Ok(n)
}
