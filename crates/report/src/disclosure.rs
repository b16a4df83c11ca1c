//! The 依申请公开 part of the 政府信息公开工作年度报告 as a spreadsheet: table 三 (收到和处理政府
//! 信息公开申请情况, computed from the applications) and table 四 (政府信息公开行政复议、行政诉讼
//! 情况, as the office entered it), one sheet, numbers as numbers — what the console also shows
//! and exports as CSV.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use zhanqun_core::disclosure::{Applicant, REVIEW_COLUMNS, Reviews, YearTable};
use zhanqun_core::{Error, Result};

/// The sheet's title line.
pub fn title(site: &str, year: i32) -> String {
    format!("{site}{year}年政府信息公开工作年度报告（依申请公开）")
}

/// XLSX: the title, table 三 with a column per applicant category and the total, then table 四.
pub fn to_xlsx(site: &str, code: &str, year: i32, t: &YearTable, r: &Reviews) -> Result<Vec<u8>> {
    let x = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(format!("{year}年依申请公开")).map_err(x)?;
    let title_fmt = Format::new().set_bold().set_font_size(14);
    let section = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap()
        .set_background_color("#DCE6F1");
    let cell = Format::new().set_border(FormatBorder::Thin);
    let num = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0");
    ws.set_column_width(0, 44).map_err(x)?;
    ws.write_string_with_format(0, 0, title(site, year), &title_fmt)
        .map_err(x)?;

    // Table 三.
    ws.write_string_with_format(2, 0, "三、收到和处理政府信息公开申请情况", &section)
        .map_err(x)?;
    let mut heads = vec!["项目"];
    heads.extend(Applicant::ALL.iter().map(|a| a.label()));
    heads.push("总计");
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &head)
            .map_err(x)?;
        if c > 0 {
            ws.set_column_width(c as u16, 12).map_err(x)?;
        }
    }
    let mut at = 4u32;
    for row in t.rows() {
        ws.write_string_with_format(at, 0, &row.label, &cell)
            .map_err(x)?;
        for (c, n) in row
            .by_applicant
            .iter()
            .chain(std::iter::once(&row.total))
            .enumerate()
        {
            ws.write_number_with_format(at, 1 + c as u16, *n as f64, &num)
                .map_err(x)?;
        }
        at += 1;
    }

    // Table 四.
    at += 1;
    ws.write_string_with_format(at, 0, "四、政府信息公开行政复议、行政诉讼情况", &section)
        .map_err(x)?;
    at += 1;
    let mut heads = vec!["项目"];
    heads.extend(REVIEW_COLUMNS);
    heads.push("总计");
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(at, c as u16, *h, &head)
            .map_err(x)?;
    }
    at += 1;
    for (label, figures, total) in r.rows() {
        ws.write_string_with_format(at, 0, label, &cell)
            .map_err(x)?;
        for (c, n) in figures.iter().chain(std::iter::once(&total)).enumerate() {
            ws.write_number_with_format(at, 1 + c as u16, *n as f64, &num)
                .map_err(x)?;
        }
        at += 1;
    }
    ws.write_string(
        at + 1,
        0,
        format!(
            "网站标识码 {code}。表三由站群平台按本年度收到和答复的申请计算；表四由网站办公室按复议机关、法院的结果填报。"
        ),
    )
    .map_err(x)?;
    wb.save_to_buffer().map_err(x)
}
