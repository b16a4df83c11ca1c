//! 在线访谈: an interview the site's office announces (guests, a time), the questions visitors
//! send before and during it (once per form), and what the office publishes: the questions it
//! takes with the guests' answers, in the order answered. After the interview its page is the
//! transcript. The office alone sees the questions not (yet) taken.

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::interview::{Exchange, transcript_html, transcript_title};
use zhanqun_core::{ArticleId, ColumnId, Error, InterviewId, QuestionId, Result, SiteId};

use zhanqun_core::letters::text_field as text;

use crate::audit::{commit_audited, insert_audited};
use crate::exec;
use crate::letters::{first_or_again, is_office};
use crate::{Actor, ArticleInput, BeginWrite, Store, db_err, fetch, on_pool};

/// An interview as the office announces it.
#[derive(Debug, Clone)]
pub struct NewInterview {
    pub title: String,
    pub guests: String,
    pub intro: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Interview {
    #[sqlx(try_from = "i64")]
    pub id: InterviewId,
    #[sqlx(try_from = "i64")]
    pub site_id: SiteId,
    pub title: String,
    pub guests: String,
    pub intro: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Interview {
    /// Visitors may still send questions (before the end).
    pub fn takes_questions(&self, now: DateTime<Utc>) -> bool {
        now < self.ends_at
    }
}

/// A visitor's question and, once published, its answer.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InterviewQuestion {
    #[sqlx(try_from = "i64")]
    pub id: QuestionId,
    pub nickname: String,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    pub state: String,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

const COLS: &str = "id, site_id, title, guests, intro, starts_at, ends_at";
const QCOLS: &str = "id, nickname, question, asked_at, state, answer, answered_at";

impl Store {
    /// Announces an interview on `site` (its office only).
    pub async fn create_interview(
        &self,
        actor: &Actor,
        site: SiteId,
        i: &NewInterview,
        now: DateTime<Utc>,
    ) -> Result<InterviewId> {
        if !is_office(actor, site) {
            return Err(Error::not_found("网站不存在"));
        }
        let title = text(&i.title, "访谈标题", 1, 100)?;
        let guests = text(&i.guests, "访谈嘉宾", 1, 200)?;
        let intro = if i.intro.trim().is_empty() {
            String::new()
        } else {
            text(&i.intro, "访谈简介", 1, 2000)?
        };
        if i.ends_at <= i.starts_at {
            return Err(Error::invalid("结束时间应晚于开始时间"));
        }
        let entry = self
            .office_entry(
                actor,
                site,
                "interview.create",
                format!("site:{}", site.0),
                Some(title.clone()),
            )
            .await?;
        insert_audited!(
            self,
            sqlx::query_scalar(
                "INSERT INTO interviews (site_id, title, guests, intro, starts_at, ends_at, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(site.0)
            .bind(&title)
            .bind(&guests)
            .bind(&intro)
            .bind(i.starts_at)
            .bind(i.ends_at)
            .bind(now)
            .bind(actor.principal.id()),
            &entry
        )
        .map(InterviewId)
    }

    /// The interviews of `site`, newest first (at most 200).
    pub async fn interviews(&self, site: SiteId) -> Result<Vec<Interview>> {
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM interviews WHERE site_id = $1 ORDER BY starts_at DESC, id DESC LIMIT 200"
            )))
            .bind(site.0)
        )
    }

    /// Interview `id`: of `site` when given, else of any site.
    pub async fn interview(&self, site: Option<SiteId>, id: InterviewId) -> Result<Interview> {
        let i: Option<Interview> = fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM interviews WHERE id = $1"
            )))
            .bind(id.0)
        )?;
        i.filter(|i| site.is_none_or(|s| s == i.site_id))
            .ok_or_else(|| Error::not_found("没有这个访谈"))
    }

    /// A visitor's question to interview `id` of `site`, before its end, once per form.
    /// Answers whether that form had already sent it.
    pub async fn ask_interview(
        &self,
        site: SiteId,
        id: InterviewId,
        nickname: &str,
        question: &str,
        form_nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let i = self.interview(Some(site), id).await?;
        if !i.takes_questions(now) {
            return Err(Error::invalid("访谈已经结束，不再接受提问"));
        }
        let nickname = if nickname.trim().is_empty() {
            "网友".to_string()
        } else {
            text(nickname, "称呼", 1, 20)?
        };
        let question = text(question, "问题", 5, 500)?;
        let done = exec!(self, sqlx::query(
                "INSERT INTO interview_questions (interview_id, nickname, question, asked_at, form_nonce, state) \
                 VALUES ($1, $2, $3, $4, $5, 'pending')",
            )
            .bind(id.0)
            .bind(&nickname)
            .bind(&question)
            .bind(now)
            .bind(form_nonce)).map(|_| ());
        first_or_again(done)
    }

    /// The questions of interview `id`: the published ones in the order answered, and with
    /// `all` (the office) the pending and rejected ones too, oldest first.
    pub async fn interview_questions(
        &self,
        id: InterviewId,
        all: bool,
    ) -> Result<Vec<InterviewQuestion>> {
        let filter = if all { "" } else { "AND state = 'published'" };
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {QCOLS} FROM interview_questions WHERE interview_id = $1 {filter} \
                 ORDER BY answered_at, asked_at, id LIMIT 2000"
            )))
            .bind(id.0)
        )
    }

    /// The office publishes question `q` of interview `id` with the guests' `answer`, or
    /// rejects it (`answer` none). Answers the interview's site.
    pub async fn moderate_question(
        &self,
        actor: &Actor,
        id: InterviewId,
        q: QuestionId,
        answer: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<SiteId> {
        let i = self.interview(None, id).await?;
        if !is_office(actor, i.site_id) {
            return Err(Error::not_found("没有这个访谈"));
        }
        let answer = answer.map(|a| text(a, "回答", 2, 5000)).transpose()?;
        let entry = self
            .office_entry(
                actor,
                i.site_id,
                if answer.is_some() {
                    "interview.publish"
                } else {
                    "interview.reject"
                },
                format!("interview:{} question:{}", id.0, q.0),
                None,
            )
            .await?;
        let state = if answer.is_some() {
            "published"
        } else {
            "rejected"
        };
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let done = sqlx::query(
                "UPDATE interview_questions SET state = $1, answer = $2, answered_at = $3 \
                 WHERE id = $4 AND interview_id = $5 AND state = 'pending'",
            )
            .bind(state)
            .bind(&answer)
            .bind(answer.as_ref().map(|_| now))
            .bind(q.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            if done.rows_affected() != 1 {
                return Err(Error::conflict("这个问题已经处理过，或不是这场访谈的"));
            }
            commit_audited!(tx, &entry);
            Ok(i.site_id)
        })
    }

    /// The transcript (文字实录) of interview `id`, once it has ended, as a draft article in
    /// `column` of the interview's site (`zhanqun_core::interview::transcript_html`): the
    /// office writes it, and it is published through the column's review and sign-off like any
    /// article. The column must be one the actor may edit.
    pub async fn transcript_draft(
        &self,
        actor: &Actor,
        id: InterviewId,
        column: ColumnId,
        now: DateTime<Utc>,
    ) -> Result<ArticleId> {
        let i = self.interview(None, id).await?;
        if !is_office(actor, i.site_id) {
            return Err(Error::not_found("没有这个访谈"));
        }
        if i.takes_questions(now) {
            return Err(Error::invalid("访谈结束后才能生成文字实录"));
        }
        match self.column_ancestry(column).await? {
            Some((site, _, _)) if site == i.site_id => {}
            _ => return Err(Error::invalid("请选择本网站的栏目")),
        }
        let published = self.interview_questions(id, false).await?;
        if published.is_empty() {
            return Err(Error::invalid("这场访谈没有发布的问答，无法生成文字实录"));
        }
        let exchanges: Vec<Exchange<'_>> = published
            .iter()
            .map(|q| Exchange {
                nickname: &q.nickname,
                question: &q.question,
                answer: q.answer.as_deref().unwrap_or_default(),
            })
            .collect();
        // Made once a column: a second click (or a second office member) finds the draft the
        // first one made there, whatever became of it since.
        let title = transcript_title(&i.title);
        let made: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar(
                "SELECT id FROM articles WHERE home_column_id = $1 AND title = $2 ORDER BY id LIMIT 1"
            )
            .bind(column.0)
            .bind(&title)
        )?;
        if let Some(id) = made {
            return Ok(ArticleId(id));
        }
        let input = ArticleInput {
            title,
            summary: Some(format!("访谈嘉宾：{}", i.guests.trim())),
            body_html: transcript_html(&i.guests, &i.intro, &exchanges),
            ..Default::default()
        };
        self.create_draft(actor, column, input).await
    }
}
