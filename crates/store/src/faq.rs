//! 知识库: answers the office wants every visitor to find — written by hand or taken from an
//! answered letter — listed and searched on the site's 互动交流 pages, so that a visitor finds
//! the answer before writing. Only the site's office adds and removes entries; each change is
//! audited. No personal data: an entry holds the question and the answer as the office words
//! them, never the letter's writer.

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::letter_flow::{self, LetterState};
use zhanqun_core::paging::PAGE_SIZE;
use zhanqun_core::{Error, FaqId, LetterId, Page, Result, SiteId};

use zhanqun_core::letters::text_field as text;

use crate::audit::{commit_audited, insert_audited};
use crate::letters::is_office;
use crate::{Actor, BeginWrite, Store, db_err, fetch, on_pool};

/// An entry as the office writes it.
#[derive(Debug, Clone, Default)]
pub struct NewFaq {
    pub question: String,
    /// Plain text; shown as escaped paragraphs.
    pub answer: String,
    /// The answered letter it was taken from, if any (of the same site).
    pub letter: Option<LetterId>,
}

/// An entry of a site's 知识库.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Faq {
    #[sqlx(try_from = "i64")]
    pub id: FaqId,
    pub question: String,
    pub answer_html: String,
    pub created_at: DateTime<Utc>,
}

/// A LIKE pattern matching `q` anywhere, its wildcards taken literally (`ESCAPE '\'`).
fn contains(q: &str) -> String {
    let mut p = String::from("%");
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// Adds an entry to `site`'s 知识库 (the site's office only); answers its id.
    pub async fn add_faq(
        &self,
        actor: &Actor,
        site: SiteId,
        faq: &NewFaq,
        now: DateTime<Utc>,
    ) -> Result<FaqId> {
        if !is_office(actor, site) {
            return Err(actor.principal.refusal(
                site,
                "只有本网站的办公室可以维护知识库",
                "网站不存在",
            ));
        }
        let question = text(&faq.question, "问题", 5, 200)?;
        let answer = letter_flow::reply_html(&text(&faq.answer, "答案", 5, 5000)?);
        if let Some(letter) = faq.letter {
            let row: Option<(i64, String)> = fetch!(
                self,
                optional,
                sqlx::query_as("SELECT site_id, state FROM letters WHERE id = $1").bind(letter.0)
            )?;
            match row {
                Some((s, state)) if s == site.0 => {
                    if LetterState::parse(&state)? != LetterState::Replied {
                        return Err(Error::conflict("只有已答复的留言可以加入知识库"));
                    }
                }
                _ => return Err(Error::not_found("留言不存在")),
            }
        }
        let entry = self
            .office_entry(
                actor,
                site,
                "faq.add",
                format!("site:{}", site.0),
                faq.letter.map(|l| format!("letter:{}", l.0)),
            )
            .await?;
        insert_audited!(
            self,
            sqlx::query_scalar(
                "INSERT INTO faqs (site_id, question, answer_html, letter_id, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(site.0)
            .bind(&question)
            .bind(&answer)
            .bind(faq.letter.map(|l| l.0))
            .bind(now)
            .bind(actor.principal.id()),
            &entry
        )
        .map(FaqId)
    }

    /// Removes entry `id` (its site's office only; for anyone else it is not there).
    pub async fn remove_faq(&self, actor: &Actor, id: FaqId) -> Result<SiteId> {
        let site: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT site_id FROM faqs WHERE id = $1").bind(id.0)
        )?;
        let site = match site.map(SiteId) {
            Some(s) if is_office(actor, s) => s,
            _ => return Err(Error::not_found("知识库条目不存在")),
        };
        let entry = self
            .office_entry(actor, site, "faq.remove", format!("faq:{}", id.0), None)
            .await?;
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            sqlx::query("DELETE FROM faqs WHERE id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            commit_audited!(tx, &entry);
            Ok(site)
        })
    }

    /// Page `page` of `site`'s 知识库, newest first, those whose question or answer contains
    /// `q` when given ([`PAGE_SIZE`] a page), and how many match. A site's entries are a few
    /// hundred at most: the search reads them through `faqs_site`.
    pub async fn faqs(&self, site: SiteId, q: Option<&str>, page: Page) -> Result<(Vec<Faq>, u64)> {
        let pattern = q.map(contains).unwrap_or_else(|| "%".into());
        const WHERE: &str = "WHERE site_id = $1 AND (question LIKE $2 ESCAPE '\\' OR answer_html LIKE $2 ESCAPE '\\')";
        let total: i64 = fetch!(
            self,
            one,
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM faqs {WHERE}"
            )))
            .bind(site.0)
            .bind(&pattern)
        )?;
        let total = total.max(0) as u64;
        let offset = page
            .offset_within(total)
            .ok_or_else(|| Error::not_found("页码超出范围"))?;
        let rows: Vec<Faq> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, question, answer_html, created_at FROM faqs {WHERE} \
                 ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
            )))
            .bind(site.0)
            .bind(&pattern)
            .bind(PAGE_SIZE as i64)
            .bind(offset as i64)
        )?;
        Ok((rows, total))
    }

    /// The entries of `site`'s 知识库 whose question is most like `text` (at most `max`, most
    /// alike first; `zhanqun_core::faq::similar`): what the letter form suggests while a
    /// visitor writes. The site's questions are read whole (a few hundred at most).
    pub async fn similar_faqs(&self, site: SiteId, text: &str, max: usize) -> Result<Vec<Faq>> {
        let rows: Vec<Faq> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT id, question, answer_html, created_at FROM faqs WHERE site_id = $1 \
                 ORDER BY id DESC LIMIT 2000"
            )
            .bind(site.0)
        )?;
        let ids = zhanqun_core::faq::similar(
            text,
            rows.iter().map(|f| (f.id.0, f.question.as_str())),
            max,
        );
        Ok(ids
            .into_iter()
            .filter_map(|id| rows.iter().find(|f| f.id.0 == id).cloned())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_takes_wildcards_literally() {
        assert_eq!(contains("医保"), "%医保%");
        assert_eq!(contains("100%_a\\"), "%100\\%\\_a\\\\%");
    }
}
