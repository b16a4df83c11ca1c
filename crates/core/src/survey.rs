//! 征集调查: a survey's questions as the office writes them, and a visitor's answers checked
//! against them. Pure rules; the store keeps surveys and answers, the public pages ask them.
//!
//! The office writes the questions as plain text, one block a question, blocks apart by a blank
//! line; a block's first line says the kind and the question, the lines after it are the choices:
//!
//! ```text
//! 单选：您对政务服务中心的服务是否满意？
//! 满意
//! 基本满意
//! 不满意
//!
//! 多选：您希望增加哪些网上办事事项？
//! 社保
//! 医保
//! 不动产登记
//!
//! 填空：其他意见和建议
//! ```

use serde::{Deserialize, Serialize};

use crate::Error;

/// At most this many questions a survey, choices a question, characters a text answer.
pub const MAX_QUESTIONS: usize = 30;
pub const MAX_CHOICES: usize = 12;
pub const MAX_TEXT: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 单选: exactly one choice.
    Single,
    /// 多选: one choice or more.
    Multi,
    /// 填空: a text answer, optional.
    Text,
}

impl QuestionKind {
    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Single => "单选",
            QuestionKind::Multi => "多选",
            QuestionKind::Text => "填空",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub kind: QuestionKind,
    pub text: String,
    pub choices: Vec<String>,
}

/// Parses the questions as the office wrote them, or says what to fix (in Chinese, with the
/// question's number).
pub fn parse_questions(src: &str) -> Result<Vec<Question>, Error> {
    let src = src.replace("\r\n", "\n");
    let mut out = Vec::new();
    for (i, block) in src
        .split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .enumerate()
    {
        let n = i + 1;
        let mut lines = block.lines().map(str::trim).filter(|l| !l.is_empty());
        let head = lines.next().unwrap_or("");
        let (kind, text) = [
            ("单选", QuestionKind::Single),
            ("多选", QuestionKind::Multi),
            ("填空", QuestionKind::Text),
        ]
        .into_iter()
        .find_map(|(p, k)| {
            head.strip_prefix(p)
                .and_then(|r| r.strip_prefix('：').or_else(|| r.strip_prefix(':')))
                .map(|t| (k, t.trim()))
        })
        .ok_or_else(|| {
            Error::invalid(format!(
                "第 {n} 题应以“单选：”“多选：”或“填空：”开头，后接题目"
            ))
        })?;
        if text.is_empty() || text.chars().count() > 200 {
            return Err(Error::invalid(format!("第 {n} 题的题目应为 1 至 200 个字")));
        }
        let choices: Vec<String> = lines.map(str::to_string).collect();
        match kind {
            QuestionKind::Text if !choices.is_empty() => {
                return Err(Error::invalid(format!("第 {n} 题是填空题，不应有选项")));
            }
            QuestionKind::Single | QuestionKind::Multi
                if choices.len() < 2 || choices.len() > MAX_CHOICES =>
            {
                return Err(Error::invalid(format!(
                    "第 {n} 题应有 2 至 {MAX_CHOICES} 个选项，每行一个"
                )));
            }
            _ => {}
        }
        if choices.iter().any(|c| c.chars().count() > 100) {
            return Err(Error::invalid(format!("第 {n} 题的选项不能超过 100 个字")));
        }
        out.push(Question {
            kind,
            text: text.to_string(),
            choices,
        });
    }
    if out.is_empty() {
        return Err(Error::invalid("请至少写一道题"));
    }
    if out.len() > MAX_QUESTIONS {
        return Err(Error::invalid(format!("一次调查最多 {MAX_QUESTIONS} 道题")));
    }
    Ok(out)
}

/// A visitor's answer to one question: the chosen choices (by index) or the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question: usize,
    pub choices: Vec<usize>,
    pub text: Option<String>,
}

/// Checks a visitor's form (`q<n>` fields: a choice's index, several for 多选, or the text) against
/// the questions: every choice question answered, indexes in range, texts within the limit.
pub fn check_answers(
    questions: &[Question],
    form: &[(String, String)],
) -> Result<Vec<Answer>, Error> {
    let mut out = Vec::with_capacity(questions.len());
    for (i, q) in questions.iter().enumerate() {
        let name = format!("q{i}");
        let given: Vec<&str> = form
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.trim())
            .collect();
        let n = i + 1;
        match q.kind {
            QuestionKind::Text => {
                let text = given.concat();
                if text.chars().count() > MAX_TEXT {
                    return Err(Error::invalid(format!(
                        "第 {n} 题的回答不能超过 {MAX_TEXT} 个字"
                    )));
                }
                if text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
                {
                    return Err(Error::invalid(format!(
                        "第 {n} 题的回答含有不可见的控制字符"
                    )));
                }
                out.push(Answer {
                    question: i,
                    choices: Vec::new(),
                    text: (!text.is_empty()).then_some(text),
                });
            }
            QuestionKind::Single | QuestionKind::Multi => {
                let mut choices = Vec::new();
                for v in given {
                    let c = v
                        .parse::<usize>()
                        .ok()
                        .filter(|c| *c < q.choices.len())
                        .ok_or_else(|| Error::invalid(format!("第 {n} 题的选项无效")))?;
                    if !choices.contains(&c) {
                        choices.push(c);
                    }
                }
                if choices.is_empty() {
                    return Err(Error::invalid(format!("请回答第 {n} 题：{}", q.text)));
                }
                if q.kind == QuestionKind::Single && choices.len() > 1 {
                    return Err(Error::invalid(format!("第 {n} 题只能选一项")));
                }
                choices.sort_unstable();
                out.push(Answer {
                    question: i,
                    choices,
                    text: None,
                });
            }
        }
    }
    Ok(out)
}

/// The draft document a 意见征集 asks comments on, as the office gives it: an address on the
/// site itself (`/art/123.html`, `/uploads/…/草案.pdf`), so that the link can neither leave the
/// site nor run script. Empty: none.
pub fn document_path(v: &str) -> Result<Option<String>, Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let ok = v.starts_with('/')
        && !v.starts_with("//")
        && v.chars().count() <= 300
        && !v
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '\\' | '"' | '<' | '>'));
    if ok {
        Ok(Some(v.to_string()))
    } else {
        Err(Error::invalid(
            "征求意见稿地址应为本网站内的地址，以“/”开头，如 /art/123.html",
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SRC: &str = "单选：您对服务是否满意？\n满意\n不满意\n\n多选：您希望增加哪些事项？\n社保\n医保\n不动产\n\n填空：其他建议";

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn questions_are_parsed_or_explained() {
        let q = parse_questions(SRC).unwrap();
        assert_eq!(q.len(), 3);
        assert_eq!(q[1].kind, QuestionKind::Multi);
        assert_eq!(q[1].choices, vec!["社保", "医保", "不动产"]);
        assert_eq!(q[2].kind, QuestionKind::Text);
        for (bad, why) in [
            ("", "至少"),
            ("问答：什么", "第 1 题应以"),
            ("单选：只有一个选项\n甲", "2 至"),
            ("填空：有选项\n甲", "不应有选项"),
        ] {
            let e = parse_questions(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn answers_are_checked_against_the_questions() {
        let q = parse_questions(SRC).unwrap();
        let a = check_answers(
            &q,
            &f(&[("q0", "1"), ("q1", "2"), ("q1", "0"), ("q2", " 多开窗口 ")]),
        )
        .unwrap();
        assert_eq!(a[0].choices, vec![1]);
        assert_eq!(a[1].choices, vec![0, 2]);
        assert_eq!(a[2].text.as_deref(), Some("多开窗口"));
        for (form, why) in [
            (f(&[("q1", "0")]), "请回答第 1 题"),
            (f(&[("q0", "0"), ("q0", "1"), ("q1", "0")]), "只能选一项"),
            (f(&[("q0", "9"), ("q1", "0")]), "选项无效"),
            (f(&[("q0", "x"), ("q1", "0")]), "选项无效"),
        ] {
            let e = check_answers(&q, &form).unwrap_err().to_string();
            assert!(e.contains(why), "{form:?}: {e}");
        }
        let long = "长".repeat(MAX_TEXT + 1);
        assert!(check_answers(&q, &f(&[("q0", "0"), ("q1", "0"), ("q2", &long)])).is_err());
    }

    #[test]
    fn a_draft_document_is_an_address_on_the_site() {
        assert_eq!(document_path(" ").unwrap(), None);
        assert_eq!(
            document_path(" /art/12.html ").unwrap().as_deref(),
            Some("/art/12.html")
        );
        assert!(document_path("/uploads/6108280001/草案.pdf").is_ok());
        for bad in [
            "https://evil.example/x",
            "//evil.example/x",
            "javascript:alert(1)",
            "/a b",
            "/a\"onmouseover=\"x",
            "/\\evil",
        ] {
            assert!(document_path(bad).is_err(), "{bad}");
        }
    }
}
