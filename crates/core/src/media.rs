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
    let Some(mime) = found else {
        return Err(Error::invalid(format!(
            "无法识别“{original_name}”的文件类型：只能上传图片（PNG、JPEG、GIF、WebP）、PDF、Office 文档和 OFD"
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
            "不支持上传该类型的文件（{mime}）：只能上传图片（PNG、JPEG、GIF、WebP）、PDF、Office 文档和 OFD"
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

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";

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
    fn names_lose_paths_and_controls() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\x\\关于\"通知\".pdf"), "关于通知.pdf");
        assert_eq!(clean_name("\u{0}\n"), "附件");
    }
}
