//! The demo's 表格下载: on 佳县 and the province portal, every material of a service item that is
//! a form to fill in ([`is_form`]) gets a blank form, an .xlsx
//! written into the site's media library by the site's administrator and linked as the
//! material's 电子表单. The item is updated in place, and its forms become public with it, so the
//! public page offers them for download and 服务不实用 finds every link answered.

use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use zhanqun_core::service::ServiceGuide;
use zhanqun_core::{ArticleId, Error, Result, SiteId};
use zhanqun_store::{Actor, ArticleInput, ServiceFilter, Store};

use crate::demo::DEMO_COUNTY;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Whether a material is a form the applicant fills in on paper (rather than a document they
/// bring): an application, registration or review sheet, a written application, statement or
/// pledge. Not a 报告表 (an assessment report written by a qualified body) nor a 信息表 filled in
/// online.
pub fn is_form(material: &str) -> bool {
    [
        "申请表",
        "审核表",
        "登记表",
        "申请书",
        "声明书",
        "声明",
        "承诺书",
    ]
    .iter()
    .any(|end| material.ends_with(end))
}

/// A blank form for `material` of service item `item`: the applicant's particulars, the
/// item, the materials the guide asks for as a checklist, and a place to sign.
pub fn blank_form(item: &str, material: &str, guide: &ServiceGuide) -> Result<Vec<u8>> {
    let x = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("表格").map_err(x)?;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let label = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#F2F2F2");
    let cell = Format::new().set_border(FormatBorder::Thin);
    ws.set_column_width(0, 24).map_err(x)?;
    ws.set_column_width(1, 52).map_err(x)?;
    ws.merge_range(0, 0, 0, 1, material, &title).map_err(x)?;
    ws.write_string(1, 0, format!("事项：{item}")).map_err(x)?;
    ws.write_string(1, 1, format!("受理机构：{}", guide.agency))
        .map_err(x)?;
    let person = [
        "申请人（单位）名称",
        "统一社会信用代码或公民身份号码",
        "法定代表人或负责人",
        "联系人",
        "联系电话",
        "通讯地址",
        "申请内容",
    ];
    let mut row = 3;
    for p in person {
        ws.write_string_with_format(row, 0, p, &label).map_err(x)?;
        ws.write_string_with_format(row, 1, "", &cell).map_err(x)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "提交材料（请勾选）", &label)
        .map_err(x)?;
    ws.write_string_with_format(row, 1, "份数和规格", &label)
        .map_err(x)?;
    for m in &guide.materials {
        row += 1;
        ws.write_string_with_format(row, 0, format!("□ {}", m.name), &cell)
            .map_err(x)?;
        ws.write_string_with_format(row, 1, m.copies.as_str(), &cell)
            .map_err(x)?;
    }
    row += 2;
    ws.write_string(row, 0, "申请人承诺：以上填写内容及所附材料真实、有效。")
        .map_err(x)?;
    ws.write_string(row + 2, 0, "申请人（签字或盖章）：")
        .map_err(x)?;
    ws.write_string(row + 2, 1, "日期：      年    月    日")
        .map_err(x)?;
    ws.write_string(
        row + 4,
        0,
        format!(
            "咨询电话：{}。本表可从本网站“办事服务”下载，也可在办事大厅窗口领取。",
            guide.consult_phone
        ),
    )
    .map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

/// Gives the service items of one site their forms (those without one yet). Answers how many
/// forms were written.
async fn site_forms(
    store: &Store,
    actor: &Actor,
    media_root: &Path,
    site: SiteId,
) -> Result<usize> {
    let lines = store
        .service_lines(Some(site), &ServiceFilter::default(), None, 200)
        .await?;
    let mut n = 0;
    for line in lines {
        let (Some(mut guide), Some(a)) = (
            store.service_guide(line.id).await?,
            store.article(line.id).await?,
        ) else {
            continue;
        };
        let mut changed = false;
        for i in 0..guide.materials.len() {
            let m = &guide.materials[i];
            if m.form.is_some() || !is_form(&m.name) {
                continue;
            }
            let bytes = blank_form(&line.title, &m.name, &guide)?;
            let link = crate::demo_media::upload_file(
                store,
                actor,
                media_root,
                site,
                &format!("{}.xlsx", m.name),
                &bytes,
                XLSX,
            )
            .await?;
            guide.materials[i].form = Some(link);
            changed = true;
            n += 1;
        }
        if changed {
            update(store, line.id, a, guide).await?;
        }
    }
    Ok(n)
}

async fn update(
    store: &Store,
    id: ArticleId,
    a: zhanqun_core::Article,
    guide: ServiceGuide,
) -> Result<()> {
    let input = ArticleInput {
        service: Some(guide),
        ..ArticleInput::republished(a)
    };
    store.update_article(id, input).await
}

/// Loads the demo's forms on 佳县 and the province portal (once: an item that has its forms is
/// left as it is). Answers how many forms were written.
pub async fn load(store: &Store, media_root: &Path) -> Result<usize> {
    let sites = store.list_sites().await?;
    let mut n = 0;
    for (code, admin) in [(DEMO_COUNTY, "jx-admin"), ("6100000001", "sx-office")] {
        let Some(site) = sites.iter().find(|s| s.code.as_str() == code) else {
            continue;
        };
        let actor = crate::demo_letters::actor(store, admin).await?;
        n += site_forms(store, &actor, media_root, site.id).await?;
    }
    Ok(n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_the_materials_to_fill_in() {
        for name in [
            "公共租赁住房申请表",
            "医师执业注册申请审核表",
            "建设项目环境影响报告表审批申请书",
            "申请结婚登记声明书",
            "家庭收入和住房情况声明",
            "农村宅基地使用承诺书",
        ] {
            assert!(is_form(name), "{name}");
        }
        for name in [
            "居民身份证",
            "公司章程",
            "结婚证",
            "建设项目环境影响报告表",
            "企业投资项目备案信息表",
        ] {
            assert!(!is_form(name), "{name}");
        }
    }

    #[test]
    fn a_blank_form_is_an_xlsx_the_upload_check_accepts() {
        let item = &crate::demo_services::items("佳县", "县", true)[0];
        let bytes = blank_form(&item.title, "公共租赁住房申请表", &item.guide).unwrap();
        let kind = zhanqun_core::media::detect(&bytes, "公共租赁住房申请表.xlsx").unwrap();
        assert_eq!(kind.mime, XLSX);
    }
}
