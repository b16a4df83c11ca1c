//! What editors write is HTML; what is stored and served is that HTML cleaned by an allowlist
//! (ammonia): the structure official documents need — headings, paragraphs, lists, tables,
//! images, links, emphasis — and nothing that runs: no scripts, no event handlers, no styles,
//! no `javascript:` or `data:` URLs.

use std::collections::HashSet;
use std::sync::LazyLock;

static BUILDER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
    .into_iter()
    .collect();
    let mut b = ammonia::Builder::default();
    b.tags(tags)
        .tag_attributes(
            [
                ("a", ["href", "title"].into_iter().collect::<HashSet<_>>()),
                (
                    "img",
                    ["src", "alt", "title", "width", "height"]
                        .into_iter()
                        .collect(),
                ),
                ("td", ["colspan", "rowspan", "align"].into_iter().collect()),
                (
                    "th",
                    ["colspan", "rowspan", "align", "scope"]
                        .into_iter()
                        .collect(),
                ),
                ("col", ["span"].into_iter().collect()),
                ("ol", ["start"].into_iter().collect()),
                ("p", ["align"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .generic_attributes(HashSet::new())
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true);
    b
});

/// Plain text made safe to put inside HTML (every markup character escaped; ammonia's).
pub fn escape_text(text: &str) -> String {
    ammonia::clean_text(text)
}

/// Cleans editor HTML for storage and display.
pub fn clean_html(html: &str) -> String {
    BUILDER.clean(html).to_string()
}

/// One cell of an exported table (CSV), made inert for spreadsheet programs: a value that begins
/// with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula (OWASP "CSV
/// injection"), so it gets a leading apostrophe, which spreadsheets show as text. Numbers stay
/// numbers (`-3`, `+1.5`), and other control characters are dropped.
pub fn csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let stray = |c: char| c.is_control() && !matches!(c, '\n' | '\t' | '\r');
    let value: Cow<'_, str> = if value.chars().any(stray) {
        Cow::Owned(value.chars().filter(|c| !stray(*c)).collect())
    } else {
        Cow::Borrowed(value)
    };
    let risky = value
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r' | '\n'));
    let number = value.len() > 1 && value.trim().parse::<f64>().is_ok_and(f64::is_finite);
    if risky && !number {
        Cow::Owned(format!("'{value}"))
    } else {
        value
    }
}

/// A request id a client may choose (`X-Request-Id`): 1–64 characters of `A–Z a–z 0–9 . _ -`.
/// Anything else is replaced by one the server makes, so ids stored in the audit log and copied
/// into exports and logs carry no markup, formulas or line breaks.
pub fn request_id_ok(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::{clean_html, csv_cell, request_id_ok};

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (raw, out) in [
            (
                "=HYPERLINK(\"http://x\",\"点此\")",
                "'=HYPERLINK(\"http://x\",\"点此\")",
            ),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("a\u{0}b\u{1b}c", "abc"),
            ("\u{0}=1", "'=1"),
            ("-", "'-"),
            ("-3", "-3"),
            ("+1.5", "+1.5"),
            ("2026-12-04", "2026-12-04"),
            ("国务院办公厅", "国务院办公厅"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(raw), out, "{raw:?}");
        }
    }

    #[test]
    fn request_ids_are_short_plain_tokens() {
        for ok in [
            "0193a0c2-7e1f-7c4d-9a53-6b1d3c2e8f10",
            "abc.DEF_1-2",
            &"a".repeat(64),
        ] {
            assert!(request_id_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "=1+1",
            "a b",
            "a\nb",
            "<script>",
            "编号",
            &"a".repeat(65),
        ] {
            assert!(!request_id_ok(bad), "{bad:?}");
        }
    }

    #[test]
    fn keeps_document_structure_drops_scripts() {
        let html = r#"<h2>一、总则</h2><p onclick="x()">正文<script>alert(1)</script></p>
<table><thead><tr><th colspan="2">项目</th></tr></thead><tbody><tr><td>1</td><td style="color:red">2</td></tr></tbody></table>
<img src="/media/a.png" alt="图" onerror="alert(1)"><a href="javascript:alert(1)">x</a><a href="https://www.gov.cn/">国务院</a>"#;
        let out = clean_html(html);
        assert!(out.contains("<h2>一、总则</h2>"));
        assert!(out.contains(r#"<th colspan="2">"#));
        assert!(out.contains(r#"<img src="/media/a.png" alt="图">"#));
        assert!(out.contains(r#"href="https://www.gov.cn/""#));
        for bad in ["script", "onclick", "onerror", "javascript:", "style="] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
    }
}
