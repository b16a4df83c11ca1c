//! 在线访谈: the transcript (文字实录) an ended interview leaves as an article of the site.

use crate::sanitize::escape_text;

/// A published question and the guest's answer, as the transcript shows them.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    pub nickname: &'a str,
    pub question: &'a str,
    pub answer: &'a str,
}

/// The title of the transcript article of interview `title`.
pub fn transcript_title(title: &str) -> String {
    format!("“{}”在线访谈文字实录", title.trim())
}

/// The body of the transcript article: the guests, the introduction, then every published
/// question with its answer in the order answered. Every text is escaped; a line break in a
/// text starts a new paragraph.
pub fn transcript_html(guests: &str, intro: &str, exchanges: &[Exchange<'_>]) -> String {
    let mut out = format!(
        "<p><strong>访谈嘉宾：</strong>{}</p>",
        escape_text(guests.trim())
    );
    out.push_str(&paragraphs(intro));
    out.push_str("<h2>网友提问与嘉宾回答</h2>");
    for e in exchanges {
        let mut question = e.question.trim().lines();
        out.push_str(&format!(
            "<p><strong>{} 问：</strong>{}</p>",
            escape_text(e.nickname.trim()),
            escape_text(question.next().unwrap_or_default().trim())
        ));
        out.push_str(&paragraphs(&question.collect::<Vec<_>>().join("\n")));
        let mut answer = e.answer.trim().lines();
        out.push_str(&format!(
            "<p><strong>答：</strong>{}</p>",
            escape_text(answer.next().unwrap_or_default().trim())
        ));
        out.push_str(&paragraphs(&answer.collect::<Vec<_>>().join("\n")));
    }
    out
}

/// Each non-empty line of `text` as an escaped paragraph.
fn paragraphs(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("<p>{}</p>", escape_text(l)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_transcript_keeps_every_exchange_in_order_and_escapes_what_people_typed() {
        let html = transcript_html(
            "县人社局局长",
            "欢迎网友提问。\n\n访谈时间为一小时。",
            &[
                Exchange {
                    nickname: "佳县青年",
                    question: "大学生回乡创业有哪些补贴？",
                    answer: "可申请一次性创业补贴。\n还可申请创业担保贷款。",
                },
                Exchange {
                    nickname: "<b>网友</b>",
                    question: "<script>alert(1)</script>社保怎么交？",
                    answer: "在“陕西养老保险”App 缴纳。",
                },
            ],
        );
        assert!(html.starts_with("<p><strong>访谈嘉宾：</strong>县人社局局长</p>"));
        assert!(html.contains("<p>欢迎网友提问。</p><p>访谈时间为一小时。</p><h2>"));
        let first = html.find("大学生回乡创业").unwrap();
        let second = html.find("社保怎么交").unwrap();
        assert!(first < second, "{html}");
        assert!(html.contains(
            "<p><strong>答：</strong>可申请一次性创业补贴。</p><p>还可申请创业担保贷款。</p>"
        ));
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;") && html.contains("&lt;b&gt;"));
        // The stored body goes through the editor's cleaner: it keeps the structure and the
        // escaped texts.
        let cleaned = crate::sanitize::clean_html(&html);
        for kept in [
            "<h2>网友提问与嘉宾回答</h2>",
            "<p><strong>答：</strong>可申请一次性创业补贴。</p>",
            "&lt;script&gt;alert(1)&lt;/script&gt;社保怎么交？",
        ] {
            assert!(cleaned.contains(kept), "{kept} in {cleaned}");
        }
        assert_eq!(transcript_title(" 就业政策 "), "“就业政策”在线访谈文字实录");
    }
}
