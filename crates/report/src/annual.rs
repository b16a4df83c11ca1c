//! The annual report (政府网站工作年度报表) as a file: CSV (with a BOM, for spreadsheets), XLSX
//! (rust_xlsxwriter) and HTML (a table, also the body of the article that publishes it).

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use zhanqun_core::sanitize::escape_text;
use zhanqun_core::{Error, Result};
use zhanqun_store::figures::{AnnualReport, ReportValue};

/// The report's title line.
pub fn title(r: &AnnualReport) -> String {
    format!("{}网站工作年度报表（{}年度）", r.name, r.year)
}

/// CSV: section, item, value; UTF-8 with a BOM so that spreadsheet programs read the Chinese.
pub fn to_csv(r: &AnnualReport) -> Result<Vec<u8>> {
    let mut w = crate::csv::Csv::new();
    w.row(["类别", "项目", "数据"])?;
    for row in &r.rows {
        w.row([row.section, row.item, row.value.to_string().as_str()])?;
    }
    w.finish()
}

/// XLSX: one sheet with the title, the table (numbers as numbers) and the source note.
pub fn to_xlsx(r: &AnnualReport) -> Result<Vec<u8>> {
    let x = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(format!("{}年度报表", r.year)).map_err(x)?;
    let title_fmt = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_background_color("#DCE6F1");
    let cell = Format::new().set_border(FormatBorder::Thin);
    let num = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0");
    ws.set_column_width(0, 14).map_err(x)?;
    ws.set_column_width(1, 40).map_err(x)?;
    ws.set_column_width(2, 36).map_err(x)?;
    ws.write_string_with_format(0, 0, title(r), &title_fmt)
        .map_err(x)?;
    for (c, h) in ["类别", "项目", "数据"].iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &head)
            .map_err(x)?;
    }
    for (i, row) in r.rows.iter().enumerate() {
        let at = 3 + i as u32;
        ws.write_string_with_format(at, 0, row.section, &cell)
            .map_err(x)?;
        ws.write_string_with_format(at, 1, row.item, &cell)
            .map_err(x)?;
        match &row.value {
            ReportValue::Count(n) => ws
                .write_number_with_format(at, 2, *n as f64, &num)
                .map_err(x)?,
            other => ws
                .write_string_with_format(at, 2, other.to_string(), &cell)
                .map_err(x)?,
        };
    }
    let note = 4 + r.rows.len() as u32;
    ws.write_string(
        note,
        0,
        format!(
            "网站标识码 {}。数据由站群平台按网站实际数据生成；独立用户访问总量为全年去重估计值（HyperLogLog，误差约 1%）。",
            r.code
        ),
    )
    .map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

/// The report as an HTML table (no scripts, no styles of its own: it sits inside a page).
pub fn to_html_table(r: &AnnualReport) -> String {
    let mut out = String::from(
        "<table class=\"report\"><thead><tr><th>类别</th><th>项目</th><th>数据</th></tr></thead><tbody>",
    );
    let mut last = "";
    for row in &r.rows {
        let section = if row.section == last {
            String::new()
        } else {
            escape_text(row.section)
        };
        last = row.section;
        out.push_str(&format!(
            "<tr><td>{section}</td><td>{}</td><td>{}</td></tr>",
            escape_text(row.item),
            escape_text(&row.value.to_string())
        ));
    }
    out.push_str("</tbody></table>");
    out
}

/// A standalone HTML document of the report (the CLI's `--format html`).
pub fn to_html_document(r: &AnnualReport) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #999;padding:4px 10px}}th{{background:#dce6f1}}</style></head>\
         <body><h1>{t}</h1>{table}<p>网站标识码 {code}。数据由站群平台按网站实际数据生成。</p></body></html>\n",
        t = escape_text(&title(r)),
        table = to_html_table(r),
        code = escape_text(&r.code),
    )
}
