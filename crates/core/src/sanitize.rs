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

/// Cleans editor HTML for storage and display.
/// Plain text made safe to put inside HTML (every markup character escaped; ammonia's).
pub fn escape_text(text: &str) -> String {
    ammonia::clean_text(text)
}

pub fn clean_html(html: &str) -> String {
    BUILDER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::clean_html;

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
