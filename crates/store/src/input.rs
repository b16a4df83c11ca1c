//! What a writer sends for an article (an editor in the console or the API, a generator, an
//! import): the fields, the disclosure metadata, the checks they pass before any write, and
//! their text as a revision keeps it.

use chrono::{DateTime, NaiveDate, Utc};
use zhanqun_core::*;

/// An article as written by an editor or a generator.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: Option<String>,
    pub author: Option<String>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    /// Cover image: `/media/…` of the site, or an https URL.
    pub cover_url: Option<String>,
    /// Already sanitised HTML.
    pub body_html: String,
    pub published: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub disclosure: Option<DisclosureInput>,
    pub interprets: Option<ArticleId>,
    pub unit: Option<UnitId>,
    /// A service item's guide (办事指南): the article is then a service item.
    pub service: Option<zhanqun_core::service::ServiceGuide>,
    /// A data set's description for machines (数据开放): the article is then a data set.
    pub dataset: Option<zhanqun_core::dataset::DatasetMeta>,
}

#[derive(Debug, Clone, Default)]
pub struct DisclosureInput {
    pub doc_number: Option<String>,
    pub written_date: Option<NaiveDate>,
    pub issuing_organ: Option<String>,
    pub validity: Option<Validity>,
    pub topic: Option<String>,
}

impl ArticleInput {
    /// A stored, published article as its writer would send it again: for a write that keeps
    /// it as it is but for its guide or data set description, which the caller adds.
    pub fn republished(a: Article) -> ArticleInput {
        ArticleInput {
            title: a.title,
            subtitle: a.subtitle,
            summary: a.summary,
            author: a.author,
            source: a.source,
            source_url: a.source_url,
            cover_url: a.cover_url,
            body_html: a.body_html,
            published: true,
            published_at: Some(a.published_at),
            disclosure: a.disclosure.map(|d| DisclosureInput {
                doc_number: d.doc_number,
                written_date: d.written_date,
                issuing_organ: d.issuing_organ,
                validity: d.validity,
                topic: d.topic,
            }),
            interprets: a.interprets,
            ..ArticleInput::default()
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        let title = self.title.trim();
        if title.is_empty() {
            return Err(Error::invalid("标题不能为空"));
        }
        if title.chars().count() > 200 {
            return Err(Error::invalid("标题过长：不能超过 200 个字"));
        }
        if let Some(c) = &self.cover_url {
            let media = c.strip_prefix("/media/").is_some_and(|n| {
                n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') && !n.contains("..")
            });
            let https = c.starts_with("https://") && !c.contains(['"', '<', '>', ' ']);
            if !(media || https) {
                return Err(Error::invalid(
                    "封面图片须是本站媒体库中的文件（/media/…）或 https:// 开头的地址",
                ));
            }
        }
        if let Some(g) = &self.service {
            g.clone().cleaned()?;
        }
        if let Some(d) = &self.dataset {
            d.clone().cleaned()?;
            if self.service.is_some() {
                return Err(Error::invalid("一条信息不能同时是办事事项和数据集"));
            }
        }
        Ok(())
    }
}

/// The fields of a revision besides title and body, as readable text lines (for the diff).
pub(crate) fn revision_fields(input: &ArticleInput) -> String {
    let mut lines = Vec::new();
    let mut push = |k: &str, v: Option<&str>| {
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            lines.push(format!("{k}：{}", v.trim()));
        }
    };
    push("副标题", input.subtitle.as_deref());
    push("摘要", input.summary.as_deref());
    push("作者", input.author.as_deref());
    push("来源", input.source.as_deref());
    push("封面", input.cover_url.as_deref());
    if let Some(d) = &input.disclosure {
        push("文号", d.doc_number.as_deref());
        push("发文机关", d.issuing_organ.as_deref());
        push("主题分类", d.topic.as_deref());
        let written = d.written_date.map(|w| w.to_string());
        push("成文日期", written.as_deref());
        push("有效性", d.validity.map(Validity::label));
    }
    if let Some(g) = &input.service {
        lines.push(g.revision_text());
    }
    if let Some(d) = &input.dataset {
        lines.push(d.revision_text());
    }
    lines.join("\n")
}

/// Binds an article's written text, in the order the article columns name it: title,
/// subtitle, summary, author, source, source_url, body_html. The INSERT of a new article and
/// the UPDATE of a draft both write these.
macro_rules! bind_text {
    ($q:expr, $input:expr) => {{
        let input: &$crate::ArticleInput = $input;
        $q.bind(input.title.trim())
            .bind(&input.subtitle)
            .bind(&input.summary)
            .bind(&input.author)
            .bind(&input.source)
            .bind(&input.source_url)
            .bind(&input.body_html)
    }};
}
pub(crate) use bind_text;

/// Binds an article's 信息公开 metadata and the policy it interprets, in column order:
/// is_disclosure, doc_number, written_date, issuing_organ, validity, topic, interprets_id.
macro_rules! bind_disclosure {
    ($q:expr, $input:expr) => {{
        let input: &$crate::ArticleInput = $input;
        let d = input.disclosure.clone().unwrap_or_default();
        $q.bind(input.disclosure.is_some())
            .bind(d.doc_number)
            .bind(d.written_date)
            .bind(d.issuing_organ)
            .bind(d.validity.map(zhanqun_core::Validity::as_str))
            .bind(d.topic)
            .bind(input.interprets.map(|a| a.0))
    }};
}
pub(crate) use bind_disclosure;
