//! 征集调查: the surveys a site's office opens, the answers visitors give (one per form, within
//! the survey's time) and the results counted from them. Questions and answers are checked in
//! `zhanqun_core::survey`; texts visitors typed are shown to the office only.

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::survey::{self, Answer, Question, QuestionKind};
use zhanqun_core::{Error, Result, SiteId, SurveyId};

use crate::audit::{commit_audited, insert_audited};
use crate::exec;
use crate::letters::{first_or_again, is_office};
use crate::{Actor, BeginWrite, Store, db_err, fetch, on_pool};

/// A survey as the office opens it.
#[derive(Debug, Clone)]
pub struct NewSurvey {
    pub title: String,
    pub intro: String,
    /// 意见征集: the address on the site of the draft it asks comments on
    /// (`survey::document_path`).
    pub document: Option<String>,
    /// The questions as written (`zhanqun_core::survey::parse_questions`).
    pub questions: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// A survey of a site.
#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    pub id: SurveyId,
    pub site_id: SiteId,
    pub title: String,
    pub intro: String,
    /// 意见征集: the draft document's address on the site.
    pub document: Option<String>,
    pub questions: Vec<Question>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub answers: i64,
    /// 采纳情况: how the comments were taken up, published by the office once closed (HTML of
    /// escaped text).
    pub feedback_html: Option<String>,
}

impl Survey {
    /// Open for answers at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
}

/// The results of one question: each choice's count, or (for the office) the texts given.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionResult {
    pub kind: QuestionKind,
    pub text: String,
    /// (choice, count, percent of the answers).
    pub choices: Vec<(String, i64, f64)>,
    pub texts: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: i64,
    site_id: i64,
    title: String,
    intro: String,
    document: Option<String>,
    questions: String,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    answers: i64,
    feedback: Option<String>,
}

impl SurveyRow {
    fn survey(self) -> Result<Survey> {
        Ok(Survey {
            id: SurveyId(self.id),
            site_id: SiteId(self.site_id),
            title: self.title,
            intro: self.intro,
            document: self.document,
            questions: serde_json::from_str(&self.questions)
                .map_err(|e| Error::internal(format!("survey {} questions: {e}", self.id)))?,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            answers: self.answers,
            feedback_html: self.feedback,
        })
    }
}

const SELECT: &str = "SELECT s.id, s.site_id, s.title, s.intro, s.document, s.questions, s.opens_at, s.closes_at, s.feedback, \
     (SELECT COUNT(*) FROM survey_answers a WHERE a.survey_id = s.id) AS answers FROM surveys s";

impl Store {
    /// Opens a survey on `site` (its office only); answers its id.
    pub async fn create_survey(
        &self,
        actor: &Actor,
        site: SiteId,
        s: &NewSurvey,
        now: DateTime<Utc>,
    ) -> Result<SurveyId> {
        if !is_office(actor, site) {
            return Err(Error::not_found("网站不存在"));
        }
        let title = s.title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            return Err(Error::invalid("调查标题应为 1 至 100 个字"));
        }
        if s.intro.chars().count() > 2000 {
            return Err(Error::invalid("调查说明不能超过 2000 个字"));
        }
        let document = survey::document_path(s.document.as_deref().unwrap_or(""))?;
        if s.closes_at <= s.opens_at {
            return Err(Error::invalid("结束时间应晚于开始时间"));
        }
        let questions = survey::parse_questions(&s.questions)?;
        let json = serde_json::to_string(&questions).map_err(|e| Error::internal(e.to_string()))?;
        let entry = self
            .office_entry(
                actor,
                site,
                "survey.create",
                format!("site:{}", site.0),
                Some(title.to_string()),
            )
            .await?;
        insert_audited!(
            self,
            sqlx::query_scalar(
                "INSERT INTO surveys (site_id, title, intro, questions, opens_at, closes_at, created_at, created_by, \
                 document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(site.0)
            .bind(title)
            .bind(s.intro.trim())
            .bind(&json)
            .bind(s.opens_at)
            .bind(s.closes_at)
            .bind(now)
            .bind(actor.principal.id())
            .bind(&document),
            &entry
        )
        .map(SurveyId)
    }

    /// The surveys of `site`, newest first (at most 200).
    pub async fn surveys(&self, site: SiteId) -> Result<Vec<Survey>> {
        let rows: Vec<SurveyRow> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SELECT} WHERE s.site_id = $1 ORDER BY s.opens_at DESC, s.id DESC LIMIT 200"
            )))
            .bind(site.0)
        )?;
        rows.into_iter().map(SurveyRow::survey).collect()
    }

    /// Survey `id` of `site`.
    pub async fn survey(&self, site: SiteId, id: SurveyId) -> Result<Survey> {
        let row: Option<SurveyRow> = fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SELECT} WHERE s.id = $1 AND s.site_id = $2"
            )))
            .bind(id.0)
            .bind(site.0)
        )?;
        row.ok_or_else(|| Error::not_found("没有这个调查"))?
            .survey()
    }

    /// Publishes how the comments of closed survey `id` were taken up (采纳情况), or replaces
    /// it; the office of its site only. Answers the site.
    pub async fn set_survey_feedback(
        &self,
        actor: &Actor,
        id: SurveyId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<SiteId> {
        let site = self
            .survey_site(id)
            .await?
            .filter(|s| is_office(actor, *s))
            .ok_or_else(|| Error::not_found("没有这个调查"))?;
        let s = self.survey(site, id).await?;
        if now < s.closes_at {
            return Err(Error::conflict("调查结束后才能发布采纳情况"));
        }
        let text = text.trim();
        let n = text.chars().count();
        if !(5..=5000).contains(&n) {
            return Err(Error::invalid("采纳情况应为 5 至 5000 个字"));
        }
        let html = zhanqun_core::letter_flow::reply_html(text);
        let entry = self
            .office_entry(
                actor,
                site,
                "survey.feedback",
                format!("survey:{}", id.0),
                None,
            )
            .await?;
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            sqlx::query("UPDATE surveys SET feedback = $1 WHERE id = $2")
                .bind(&html)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            commit_audited!(tx, &entry);
            Ok(site)
        })
    }

    /// The site of survey `id`, if there is one.
    pub async fn survey_site(&self, id: SurveyId) -> Result<Option<SiteId>> {
        let site: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT site_id FROM surveys WHERE id = $1").bind(id.0)
        )?;
        Ok(site.map(SiteId))
    }

    /// Takes a visitor's answers (already checked against the questions) to survey `id` of
    /// `site`, once per form; answers whether that form had already answered.
    pub async fn answer_survey(
        &self,
        site: SiteId,
        id: SurveyId,
        answers: &[Answer],
        form_nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let s = self.survey(site, id).await?;
        if now < s.opens_at {
            return Err(Error::invalid("这个调查尚未开始"));
        }
        if now >= s.closes_at {
            return Err(Error::invalid("这个调查已经结束"));
        }
        let json = serde_json::to_string(answers).map_err(|e| Error::internal(e.to_string()))?;
        let done = exec!(self, sqlx::query(
                "INSERT INTO survey_answers (survey_id, form_nonce, at, answers) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.0)
            .bind(form_nonce)
            .bind(now)
            .bind(&json)).map(|_| ());
        first_or_again(done)
    }

    /// The results of survey `id` of `site`: each question's counts, and the texts when
    /// `with_texts` (the office's view; visitors see the counts only).
    pub async fn survey_results(
        &self,
        site: SiteId,
        id: SurveyId,
        with_texts: bool,
    ) -> Result<(Survey, Vec<QuestionResult>)> {
        let s = self.survey(site, id).await?;
        let rows: Vec<String> = fetch!(
            self,
            all,
            sqlx::query_scalar(
                "SELECT answers FROM survey_answers WHERE survey_id = $1 ORDER BY id"
            )
            .bind(id.0)
        )?;
        let mut results: Vec<QuestionResult> = s
            .questions
            .iter()
            .map(|q| QuestionResult {
                kind: q.kind,
                text: q.text.clone(),
                choices: q.choices.iter().map(|c| (c.clone(), 0, 0.0)).collect(),
                texts: Vec::new(),
            })
            .collect();
        let total = rows.len() as f64;
        for row in rows {
            let answers: Vec<Answer> = serde_json::from_str(&row)
                .map_err(|e| Error::internal(format!("survey {} answer: {e}", id.0)))?;
            for a in answers {
                let Some(r) = results.get_mut(a.question) else {
                    continue;
                };
                for c in a.choices {
                    if let Some(x) = r.choices.get_mut(c) {
                        x.1 += 1;
                    }
                }
                if with_texts && let Some(t) = a.text {
                    r.texts.push(t);
                }
            }
        }
        for r in &mut results {
            for c in &mut r.choices {
                c.2 = if total > 0.0 {
                    (c.1 as f64) * 100.0 / total
                } else {
                    0.0
                };
            }
        }
        Ok((s, results))
    }
}
