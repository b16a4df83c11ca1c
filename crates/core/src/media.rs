//! What the media library accepts: images and office documents, recognised by their content
//! (magic numbers), never by the name or the declared type alone. HTML, SVG and scripts are
//! refused: they could run in a visitor's browser.

use crate::{Error, Result};

/// Accepted types: (MIME type, extensions it may carry, shown inline in the browser).
const ACCEPTED: &[(&str, &[&str], bool)] = &[
    ("image/png", &["png"], true),
    ("image/jpeg", &["jpg", "jpeg"], true),
    ("image/gif", &["gif"], true),
    ("image/webp", &["webp"], true),
    ("application/pdf", &["pdf"], false),
    ("application/msword", &["doc"], false),
    ("application/vnd.ms-excel", &["xls"], false),
    ("application/vnd.ms-powerpoint", &["ppt"], false),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
        false,
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
        false,
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        &["pptx"],
        false,
    ),
    // OFD (版式文档) and other archives are zip containers.
    ("application/zip", &["zip", "ofd"], false),
];

/// The usual extension of an accepted type (`bin` for any other).
pub fn ext_of(mime: &str) -> &'static str {
    ACCEPTED
        .iter()
        .find(|(m, _, _)| *m == mime)
        .map_or("bin", |(_, exts, _)| exts[0])
}

/// What an upload turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType {
    pub mime: &'static str,
    pub ext: &'static str,
    pub inline: bool,
}

/// Checks the first bytes of an upload against its file name.
pub fn detect(head: &[u8], original_name: &str) -> Result<MediaType> {
    let ext = original_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let found = infer::get(head).map(|t| t.mime_type());
    // Data files (数据开放) are text: UTF-8 without NUL, and JSON opening as JSON does.
    if found.is_none() && matches!(ext.as_str(), "csv" | "json") {
        return text_data(head, &ext, original_name);
    }
    let Some(mime) = found else {
        return Err(Error::invalid(format!(
            "无法识别“{original_name}”的文件类型：只能上传图片（PNG、JPEG、GIF、WebP）、PDF、Office 文档、OFD 和数据文件（CSV、JSON）"
        )));
    };
    // Office 2007+ files are zip containers: infer names them when it can, else "zip".
    let candidates: Vec<&(&str, &[&str], bool)> = ACCEPTED
        .iter()
        .filter(|(m, _, _)| {
            *m == mime || (mime == "application/zip" && m.contains("openxmlformats"))
        })
        .collect();
    if candidates.is_empty() {
        return Err(Error::invalid(format!(
            "不支持上传该类型的文件（{mime}）：只能上传图片（PNG、JPEG、GIF、WebP）、PDF、Office 文档、OFD 和数据文件（CSV、JSON）"
        )));
    }
    for (m, exts, inline) in &candidates {
        if let Some(e) = exts.iter().find(|e| **e == ext) {
            return Ok(MediaType {
                mime: m,
                ext: e,
                inline: *inline,
            });
        }
    }
    Err(Error::invalid(format!(
        "“{original_name}”的内容（{mime}）与扩展名不符，请检查文件"
    )))
}

/// A CSV or JSON data file: its first bytes are UTF-8 text (a character cut at the end of the
/// sample allowed), without NUL; JSON starts (after a BOM and blanks) with `{` or `[`.
fn text_data(head: &[u8], ext: &str, original_name: &str) -> Result<MediaType> {
    let text_ok = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    } && !head.contains(&0);
    let json_ok = ext != "json"
        || head
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(head)
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{' || *b == b'[');
    if !(text_ok && json_ok) {
        return Err(Error::invalid(format!(
            "“{original_name}”不是 UTF-8 编码的 {} 文本文件，请另存为 UTF-8 后再上传",
            ext.to_ascii_uppercase()
        )));
    }
    Ok(MediaType {
        mime: if ext == "csv" {
            "text/csv"
        } else {
            "application/json"
        },
        ext: if ext == "csv" { "csv" } else { "json" },
        inline: false,
    })
}

/// A file name safe to show and to send in `Content-Disposition`: no path, no control
/// characters, at most 100 characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(100)
        .collect();
    if cleaned.trim().is_empty() {
        "附件".into()
    } else {
        cleaned.trim().to_string()
    }
}

/// The media-library files an article uses: every `/media/<storage name>` in its body (links,
/// images) and its cover image. Published with the article, they become public.
pub fn referenced(body_html: &str, cover_url: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for text in std::iter::once(body_html).chain(cover_url) {
        for (at, _) in text.match_indices("/media/") {
            let rest = &text[at + "/media/".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            if name.contains('.') && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Checks what a zip container holds against the type it was uploaded as: an Office file must
/// have its parts (a zip that merely starts with `PK` is not a .docx), and none may carry macros
/// (those are .docm/.xlsm/.pptm, which are not accepted).
pub fn check_container(mime: &str, ext: &str, entries: &[String]) -> Result<()> {
    if entries.len() > MAX_ZIP_ENTRIES {
        return Err(Error::invalid(format!(
            "压缩文件中的文件过多（{} 个，最多 {MAX_ZIP_ENTRIES} 个），不能上传",
            entries.len()
        )));
    }
    if let Some(bad) = entries
        .iter()
        .find(|e| e.starts_with('/') || e.split(['/', '\\']).any(|part| part == ".."))
    {
        return Err(Error::invalid(format!(
            "压缩文件中含有指向目录之外的路径（{bad}），不能上传"
        )));
    }
    let has = |name: &str| entries.iter().any(|e| e == name);
    let required: &[&str] = match (mime, ext) {
        (m, _) if m.contains("wordprocessingml") => &["[Content_Types].xml", "word/document.xml"],
        (m, _) if m.contains("spreadsheetml") => &["[Content_Types].xml", "xl/workbook.xml"],
        (m, _) if m.contains("presentationml") => &["[Content_Types].xml", "ppt/presentation.xml"],
        (_, "ofd") => &["OFD.xml"],
        _ => &[],
    };
    if let Some(missing) = required.iter().find(|r| !has(r)) {
        return Err(Error::invalid(format!(
            "文件内容与扩展名 .{ext} 不符（缺少 {missing}），可能已损坏或不是该类型的文件"
        )));
    }
    if mime.contains("openxmlformats")
        && entries
            .iter()
            .any(|e| e.to_ascii_lowercase().ends_with("vbaproject.bin"))
    {
        return Err(Error::invalid(
            "文件中含有宏（VBA），不能上传：请另存为不含宏的文档后重试",
        ));
    }
    Ok(())
}

/// Most entries an uploaded zip container may list (a real document has dozens; a bomb of empty
/// entries has millions).
const MAX_ZIP_ENTRIES: usize = 10_000;

/// PDF names that make a document act rather than show: scripts, launching programs, embedded
/// files, forms that submit or import, rich media.
const PDF_ACTIVE: &[&str] = &[
    "JavaScript",
    "JS",
    "AA",
    "Launch",
    "EmbeddedFile",
    "EmbeddedFiles",
    "RichMedia",
    "XFA",
    "SubmitForm",
    "ImportData",
    "GoToE",
];

/// Most decompressed bytes looked at in one PDF (its object streams may hide names).
const PDF_INFLATE_LIMIT: usize = 64 * 1024 * 1024;

/// The active content a PDF carries, if any: the first of [`PDF_ACTIVE`] among its names, in the
/// file and in every Flate-compressed stream (object streams hide dictionaries there). Names are
/// read as PDF reads them, with `#xx` escapes decoded (`/J#61vaScript` is `/JavaScript`).
pub fn pdf_active_content(pdf: &[u8]) -> Result<Option<&'static str>> {
    if let Some(found) = pdf_names_active(pdf) {
        return Ok(Some(found));
    }
    let mut inflated = 0usize;
    let mut at = 0;
    while let Some(pos) = find(&pdf[at..], b"stream") {
        let start = at + pos + b"stream".len();
        at = start;
        // `endstream` also contains `stream`: only a keyword followed by an end of line opens one.
        let body = match pdf.get(start..) {
            Some([b'\r', b'\n', rest @ ..]) | Some([b'\n', rest @ ..]) => rest,
            _ => continue,
        };
        let end = find(body, b"endstream").unwrap_or(body.len());
        let mut out = Vec::new();
        let budget = PDF_INFLATE_LIMIT.saturating_sub(inflated);
        let mut z = flate2::read::ZlibDecoder::new(&body[..end]);
        let read = std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut z, u64::try_from(budget).unwrap_or(0) + 1),
            &mut out,
        );
        if read.is_err() && out.is_empty() {
            continue; // not Flate (an image, say)
        }
        inflated += out.len();
        if inflated > PDF_INFLATE_LIMIT {
            return Err(Error::invalid(
                "PDF 解压后过大，无法检查其中是否含有脚本，不能上传",
            ));
        }
        if let Some(found) = pdf_names_active(&out) {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The first active name among the PDF names (`/Name`) in `bytes`.
fn pdf_names_active(bytes: &[u8]) -> Option<&'static str> {
    let delimiter = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b) || b == 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'/' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && !delimiter(bytes[j]) {
            j += 1;
        }
        let raw = &bytes[start..j];
        let mut name = Vec::with_capacity(raw.len());
        let mut k = 0;
        while k < raw.len() {
            let hex = raw
                .get(k + 1..k + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (raw[k], hex) {
                (b'#', Some(b)) => {
                    name.push(b);
                    k += 3;
                }
                (b, _) => {
                    name.push(b);
                    k += 1;
                }
            }
        }
        if let Some(found) = PDF_ACTIVE.iter().find(|a| a.as_bytes() == name.as_slice()) {
            return Some(found);
        }
        i = j.max(i + 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";

    #[test]
    fn an_article_uses_the_files_it_links_and_its_cover() {
        let body = r#"<p><img src="/media/0193a0c27e1f7c4d9a536b1d3c2e8f10.png" alt="图"> 见
            <a href="/media/0193a0c27e1f7c4d9a536b1d3c2e8f11.pdf">附件</a>
            <a href="/media/0193a0c27e1f7c4d9a536b1d3c2e8f10.png">原图</a> /media/ 与 /media/x</p>"#;
        assert_eq!(
            referenced(body, Some("/media/0193a0c27e1f7c4d9a536b1d3c2e8f12.jpg")),
            vec![
                "0193a0c27e1f7c4d9a536b1d3c2e8f10.png",
                "0193a0c27e1f7c4d9a536b1d3c2e8f11.pdf",
                "0193a0c27e1f7c4d9a536b1d3c2e8f12.jpg",
            ]
        );
        assert!(referenced("<p>无附件</p>", Some("https://www.gov.cn/a.png")).is_empty());
    }

    #[test]
    fn office_files_need_their_parts_and_no_macros() {
        let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(
            check_container(
                docx,
                "docx",
                &names(&["[Content_Types].xml", "word/document.xml"])
            )
            .is_ok()
        );
        assert!(check_container(docx, "docx", &names(&["a.txt"])).is_err());
        assert!(check_container(docx, "docx", &[]).is_err());
        assert!(
            check_container(
                docx,
                "docx",
                &names(&[
                    "[Content_Types].xml",
                    "word/document.xml",
                    "word/vbaProject.bin"
                ])
            )
            .is_err()
        );
        assert!(
            check_container(
                "application/zip",
                "ofd",
                &names(&["OFD.xml", "Doc_0/Document.xml"])
            )
            .is_ok()
        );
        assert!(check_container("application/zip", "ofd", &names(&["x"])).is_err());
        assert!(check_container("application/zip", "zip", &names(&["x"])).is_ok());
        assert!(
            check_container("application/zip", "zip", &names(&["a/../../etc/passwd"])).is_err()
        );
        let many: Vec<String> = (0..10_001).map(|i| format!("f{i}")).collect();
        assert!(check_container("application/zip", "zip", &many).is_err());
    }

    #[test]
    fn pdfs_that_act_are_found_even_escaped_or_compressed() {
        let plain =
            b"%PDF-1.7\n1 0 obj <</Type/Catalog/Pages 2 0 R/OpenAction [3 0 R /Fit]>> endobj\n";
        assert_eq!(pdf_active_content(plain).ok(), Some(None));
        let script = b"%PDF-1.7\n1 0 obj <</Type/Catalog/OpenAction <</S/JavaScript/JS(app.alert(1))>>>> endobj";
        assert_eq!(pdf_active_content(script).ok(), Some(Some("JavaScript")));
        let escaped = b"%PDF-1.7\n1 0 obj <</OpenAction <</S/J#61vaScript/J#53 (x)>>>> endobj";
        assert_eq!(pdf_active_content(escaped).ok(), Some(Some("JavaScript")));
        let launch = b"%PDF-1.4\n<</S/Launch/F(cmd.exe)>>";
        assert_eq!(pdf_active_content(launch).ok(), Some(Some("Launch")));
        // Hidden in a compressed object stream.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, b"<</S/JavaScript/JS(app.alert(1))>>").ok();
        let packed = z.finish().unwrap_or_default();
        let mut pdf =
            b"%PDF-1.5\n5 0 obj <</Type/ObjStm/Filter/FlateDecode/Length 40>>stream\n".to_vec();
        pdf.extend_from_slice(&packed);
        pdf.extend_from_slice(b"\nendstream endobj\n");
        assert_eq!(pdf_active_content(&pdf).ok(), Some(Some("JavaScript")));
        // Names that only begin like an active one are not.
        assert_eq!(
            pdf_active_content(b"<</JSON 1/AAA 2/Launcher 3>>").ok(),
            Some(None)
        );
    }

    #[test]
    fn content_decides_and_must_match_the_name() {
        assert_eq!(
            detect(PNG, "图.png").map(|t| t.mime).ok(),
            Some("image/png")
        );
        assert_eq!(detect(PDF, "通知.PDF").map(|t| t.ext).ok(), Some("pdf"));
        assert!(detect(PNG, "通知.pdf").is_err());
        assert!(
            detect(
                b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
                "a.svg"
            )
            .is_err()
        );
        assert!(detect(b"<html><script>alert(1)</script>", "a.png").is_err());
        assert!(detect(b"MZ\x90\0\x03\0\0\0", "setup.pdf").is_err());
    }

    #[test]
    fn data_files_are_utf8_text_and_json_looks_like_json() {
        let csv = "\u{feff}月份,数量\n2026-01,3\n".as_bytes();
        assert_eq!(
            detect(csv, "统计.csv").map(|t| t.mime).ok(),
            Some("text/csv")
        );
        // A sample cut in the middle of a character is still text.
        let cut = &"发布".as_bytes()[..4];
        assert!(detect(cut, "x.csv").is_ok());
        assert!(detect(b"[{\"a\": 1}]", "d.json").is_ok());
        assert!(detect(b"  {\"a\": 1}", "d.json").is_ok());
        assert!(detect(b"a,b\n", "d.json").is_err(), "not JSON");
        assert!(detect(b"a\0b", "d.csv").is_err(), "NUL");
        assert!(detect(b"\xff\xfe\x00a", "d.csv").is_err(), "not UTF-8");
        // Text under another name is not taken; HTML is recognised as HTML and refused even
        // when it is called .csv.
        assert!(detect(b"<html><script>alert(1)</script>", "a.txt").is_err());
        assert!(detect(b"<html><script>alert(1)</script>", "a.csv").is_err());
        assert_eq!(detect(csv, "a.csv").map(|t| t.inline).ok(), Some(false));
    }

    #[test]
    fn names_lose_paths_and_controls() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\x\\关于\"通知\".pdf"), "关于通知.pdf");
        assert_eq!(clean_name("\u{0}\n"), "附件");
    }
}
