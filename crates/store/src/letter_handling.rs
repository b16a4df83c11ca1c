//! Handling a letter (转办, the reply, its review, extension, merge, invalid) and what the public
//! reads of it afterwards (published replies, the writer's rating). Which step may be taken by
//! whom is `zhanqun_core::letter_flow`; here each step is one guarded UPDATE (the state it was
//! taken from must still be the state), its history row and its audit record, in one
//! transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::checks::Unanswered;
use zhanqun_core::letter_flow::{self, LetterHand, LetterState, LetterStep, Standing};
use zhanqun_core::letters::{self, LetterKind, QueryCode};
use zhanqun_core::paging::PAGE_SIZE;
use zhanqun_core::pii::Keyring;
use zhanqun_core::timeliness::WorkCalendar;
use zhanqun_core::{Error, LetterId, Page, Result, SiteId, UnitId};

use crate::audit::{Outcome, commit_audited};
use crate::letters::{is_office, record};
use crate::sealed_files::{AttachmentFile, AttachmentLine, Files, no_such_file};
use crate::{Actor, BeginWrite, Store, db_err, fetch, on_pool};

/// A letter as its handlers see it: the writer's name and phone masked (the full view is
/// [`Store::letter_in_full`], audited), its history, and the steps the viewer may take.
#[derive(Debug, Clone, Serialize)]
pub struct LetterCase {
    pub id: LetterId,
    pub site_id: SiteId,
    pub kind: LetterKind,
    pub kind_label: &'static str,
    /// The leader a 领导信箱 letter was written to (none: the office).
    pub addressee: Option<String>,
    pub subject: String,
    pub body: String,
    pub public: bool,
    pub state: LetterState,
    pub state_label: &'static str,
    pub standing: Option<Standing>,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub unit_id: Option<UnitId>,
    pub unit: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    pub reply_draft: Option<String>,
    pub drafted_by: Option<String>,
    pub reply_html: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub rating: Option<i64>,
    pub merged_into: Option<LetterId>,
    /// The files sent with it (their names and contents open one at a time, audited).
    pub attachments: Vec<AttachmentLine>,
    pub events: Vec<LetterEvent>,
    /// What the viewer may do now.
    pub steps: Vec<LetterStep>,
    /// The viewer is the site's office (sees the writer's data in full on request).
    pub office: bool,
    /// The viewer handles the letter (the office or its unit): may open its files.
    pub handler: bool,
}

/// One step in a letter's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LetterEvent {
    pub at: DateTime<Utc>,
    pub who: Option<String>,
    pub step: String,
    pub state: String,
    pub note: Option<String>,
}

/// A step as the handler asks for it; which fields matter depends on the step.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub step: Option<LetterStep>,
    /// 转办: the unit (none: the office answers itself).
    pub unit: Option<UnitId>,
    /// 延期: working days added to the deadline.
    pub days: Option<u32>,
    /// 拟写答复: the reply, as plain text.
    pub reply: Option<String>,
    /// The reason of a step that needs one.
    pub note: Option<String>,
    /// 合并: the letter this one repeats.
    pub merge_into: Option<LetterId>,
}

/// A published reply, as the public reads it: never the writer's data.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PublicReply {
    #[sqlx(try_from = "i64")]
    pub id: LetterId,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub received_at: DateTime<Utc>,
    pub reply_html: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub unit: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    #[sqlx(try_from = "i64")]
    id: LetterId,
    #[sqlx(try_from = "i64")]
    site_id: SiteId,
    kind: String,
    addressee: Option<String>,
    query_code: String,
    subject: String,
    body: String,
    public: bool,
    state: String,
    name_sealed: String,
    phone_sealed: Option<String>,
    received_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    unit_id: Option<i64>,
    unit: Option<String>,
    reply_draft: Option<String>,
    drafted_by: Option<i64>,
    drafter: Option<String>,
    reply_html: Option<String>,
    replied_at: Option<DateTime<Utc>>,
    rating: Option<i64>,
    merged_into: Option<i64>,
}

const CASE: &str = "SELECT l.id, l.site_id, l.kind, l.addressee, l.query_code, l.subject, l.body, l.public, l.state, \
     l.name_sealed, l.phone_sealed, l.received_at, l.due_at, l.unit_id, u.name AS unit, \
     l.reply_draft, l.drafted_by, a.username AS drafter, l.reply_html, l.replied_at, l.rating, \
     l.merged_into \
     FROM letters l LEFT JOIN units u ON u.id = l.unit_id LEFT JOIN accounts a ON a.id = l.drafted_by \
     WHERE l.id = $1";

/// The hand `actor` has on a letter of `site` assigned to `unit`: the office, someone of the
/// unit, or none.
fn hand_of(actor: &Actor, site: SiteId, unit: Option<i64>) -> Option<LetterHand> {
    let p = &actor.principal;
    if is_office(actor, site) {
        Some(LetterHand::Office)
    } else if unit.is_some() && p.account.unit_id.map(|u| u.0) == unit && p.sees_site(site) {
        Some(LetterHand::Unit)
    } else {
        None
    }
}

/// A reason as given: trimmed, required, at most 500 characters.
fn reason(note: &Option<String>, step: LetterStep) -> Result<String> {
    let n = note.as_deref().map(str::trim).unwrap_or("");
    if n.is_empty() {
        return Err(Error::invalid(format!("{}须填写理由", step.label())));
    }
    if n.chars().count() > 500 {
        return Err(Error::invalid("理由不能超过 500 个字"));
    }
    Ok(n.to_string())
}

impl Store {
    async fn case_row(&self, id: LetterId) -> Result<CaseRow> {
        fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(CASE)).bind(id.0)
        )?
        .ok_or_else(|| Error::not_found("留言不存在"))
    }

    /// Letter `id` for its handlers (the site's office, the unit it is assigned to) and the
    /// province auditor; for anyone else it is not there.
    pub async fn letter_case(
        &self,
        actor: &Actor,
        id: LetterId,
        keys: &Keyring,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<LetterCase> {
        let r = self.case_row(id).await?;
        let hand = hand_of(actor, r.site_id, r.unit_id);
        if hand.is_none() && !actor.principal.sees_every_site() {
            return Err(Error::not_found("留言不存在"));
        }
        let state = LetterState::parse(&r.state)?;
        let kind = LetterKind::parse(&r.kind)?;
        let mine = r.drafted_by == Some(actor.principal.id());
        let events: Vec<LetterEvent> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT e.at, a.username AS who, e.step, e.state, e.note FROM letter_events e \
                 LEFT JOIN accounts a ON a.id = e.account_id WHERE e.letter_id = $1 ORDER BY e.id"
            )
            .bind(id.0)
        )?;
        let attachments = self.file_lines(Files::Letter, id.0).await?;
        let at = record(&r.query_code);
        Ok(LetterCase {
            id: r.id,
            site_id: r.site_id,
            kind,
            kind_label: kind.label(),
            addressee: r.addressee,
            subject: r.subject,
            body: r.body,
            public: r.public,
            state,
            state_label: state.label(),
            standing: state
                .is_open()
                .then(|| letter_flow::standing(cal, r.received_at, r.due_at, now)),
            received_at: r.received_at,
            due_at: r.due_at,
            unit_id: r.unit_id.map(UnitId),
            unit: r.unit,
            name: letters::mask_name(&keys.open("name", &at, &r.name_sealed)?),
            phone: r
                .phone_sealed
                .as_deref()
                .map(|v| keys.open("phone", &at, v).map(|p| letters::mask_phone(&p)))
                .transpose()?,
            reply_draft: r.reply_draft,
            drafted_by: r.drafter,
            reply_html: r.reply_html,
            replied_at: r.replied_at,
            rating: r.rating,
            merged_into: r.merged_into.map(LetterId),
            attachments,
            events: events
                .into_iter()
                .map(|mut e| {
                    e.step = LetterStep::parse(&e.step)
                        .map(|s| s.label().to_string())
                        .unwrap_or_else(|_| "收到留言".to_string());
                    e.state = LetterState::parse(&e.state)
                        .map(|s| s.label().to_string())
                        .unwrap_or(e.state);
                    e
                })
                .collect(),
            steps: hand.map_or_else(Vec::new, |h| letter_flow::steps_for(state, h, mine)),
            office: hand == Some(LetterHand::Office),
            handler: hand.is_some(),
        })
    }

    /// File `position` of letter `id`, opened for one of its handlers (the site's office, the
    /// unit it is assigned to). Every opening, allowed or refused, is audited; for anyone who
    /// cannot see the site the letter is not there.
    pub async fn letter_attachment(
        &self,
        actor: &Actor,
        id: LetterId,
        position: i64,
        keys: &Keyring,
    ) -> Result<AttachmentFile> {
        let r = self.case_row(id).await?;
        let hand = hand_of(actor, r.site_id, r.unit_id);
        let allowed = hand.is_some();
        let site_code = self.site_code_of(r.site_id).await?;
        let audit = |outcome| {
            let entry = actor.entry(
                "letter_handler",
                Some(site_code.as_str()),
                "letter.view_attachment",
                format!("letter:{id} attachment:{position}"),
                outcome,
                None,
            );
            async move { self.audit(&entry).await }
        };
        if !allowed {
            audit(Outcome::Failure).await?;
            return Err(actor.principal.refusal(
                r.site_id,
                "只有这件留言的办理人员可以打开附件",
                "留言不存在",
            ));
        }
        // Whether it is there before the opening is audited: asking for a file a letter does not
        // have opens nothing.
        if !self
            .file_lines(Files::Letter, id.0)
            .await?
            .iter()
            .any(|f| f.position == position)
        {
            return Err(no_such_file());
        }
        audit(Outcome::Success).await?;
        let mut file = self
            .open_file(Files::Letter, id.0, position, &record(&r.query_code), keys)
            .await?
            .ok_or_else(no_such_file)?;
        if hand != Some(LetterHand::Office) {
            // The unit handles the matter, not the writer's data: the file's own name (which
            // may name the writer) stays with the office.
            let ext = zhanqun_core::media::ext_of(&file.mime);
            file.name = format!("附件{position}.{ext}");
        }
        Ok(file)
    }

    /// Takes a step on letter `id`: allowed by `letter_flow::next` for the actor's hand, taken
    /// only if the letter is still where the actor saw it. Answers the new state.
    pub async fn letter_step(
        &self,
        actor: &Actor,
        id: LetterId,
        input: &StepInput,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<LetterState> {
        let step = input.step.ok_or_else(|| Error::invalid("请选择办理步骤"))?;
        let r = self.case_row(id).await?;
        let Some(hand) = hand_of(actor, r.site_id, r.unit_id) else {
            return Err(if actor.principal.sees_every_site() {
                Error::forbidden("只有本网站的办理人员可以办理留言")
            } else {
                Error::not_found("留言不存在")
            });
        };
        let from = LetterState::parse(&r.state)?;
        let me = actor.principal.id();
        let to = letter_flow::next(from, step, hand, r.drafted_by == Some(me))?;
        let mut unit = r.unit_id;
        let mut due_at = r.due_at;
        let (mut draft, mut drafted_by) = (r.reply_draft.clone(), r.drafted_by);
        let (mut reply_html, mut replied_at) = (r.reply_html.clone(), r.replied_at);
        let mut merged_into = r.merged_into;
        let note = if step.needs_reason() {
            Some(reason(&input.note, step)?)
        } else {
            input
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| n.chars().take(500).collect())
        };
        match step {
            LetterStep::Assign => {
                unit = match input.unit {
                    None => None,
                    Some(u) => {
                        let units = self.units(r.site_id).await?;
                        if !units.iter().any(|(id, _)| *id == u) {
                            return Err(Error::invalid("请选择本网站的承办单位"));
                        }
                        Some(u.0)
                    }
                };
            }
            LetterStep::HandBack => unit = None,
            LetterStep::Draft => {
                let text = input.reply.as_deref().map(str::trim).unwrap_or("");
                let n = text.chars().count();
                if n < 5 {
                    return Err(Error::invalid("答复内容至少 5 个字"));
                }
                if n > 5000 {
                    return Err(Error::invalid(format!(
                        "答复内容不能超过 5000 个字（现有 {n} 个）"
                    )));
                }
                draft = Some(text.to_string());
                drafted_by = Some(me);
            }
            LetterStep::Approve => {
                reply_html = draft.as_deref().map(letter_flow::reply_html);
                replied_at = Some(now);
            }
            LetterStep::Return => {}
            LetterStep::Extend => {
                let days = input
                    .days
                    .filter(|d| (1..=letter_flow::MAX_EXTENSION_DAYS).contains(d))
                    .ok_or_else(|| {
                        Error::invalid(format!(
                            "延期天数应为 1 至 {} 个工作日",
                            letter_flow::MAX_EXTENSION_DAYS
                        ))
                    })?;
                due_at = letter_flow::due(cal, r.due_at, days);
            }
            LetterStep::Merge => {
                let target = input
                    .merge_into
                    .ok_or_else(|| Error::invalid("请填写被重复的留言编号"))?;
                let t = self
                    .case_row(target)
                    .await
                    .ok()
                    .filter(|t| t.site_id == r.site_id && t.id != r.id)
                    .ok_or_else(|| Error::invalid("被重复的留言应是本网站的另一封留言"))?;
                if !LetterState::parse(&t.state)?.counts() {
                    return Err(Error::invalid("不能合并到已合并或无效的留言"));
                }
                merged_into = Some(target.0);
            }
            LetterStep::MarkInvalid => {}
        }
        let site_code = self.site_code_of(r.site_id).await?;
        let entry = actor.entry(
            if hand == LetterHand::Office {
                "letter_office"
            } else {
                "letter_unit"
            },
            Some(site_code.as_str()),
            &format!("letter.{}", step.as_str()),
            format!("letter:{}", id.0),
            Outcome::Success,
            note.clone(),
        );
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let done = sqlx::query(
                "UPDATE letters SET state = $1, unit_id = $2, due_at = $3, reply_draft = $4, \
                 drafted_by = $5, reply_html = $6, replied_at = $7, merged_into = $8 \
                 WHERE id = $9 AND state = $10",
            )
            .bind(to.as_str())
            .bind(unit)
            .bind(due_at)
            .bind(&draft)
            .bind(drafted_by)
            .bind(&reply_html)
            .bind(replied_at)
            .bind(merged_into)
            .bind(id.0)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            if done.rows_affected() != 1 {
                return Err(Error::conflict("这封留言刚被其他人办理过，请刷新后再看"));
            }
            sqlx::query(
                "INSERT INTO letter_events (letter_id, at, account_id, step, state, note) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.0)
            .bind(now)
            .bind(me)
            .bind(step.as_str())
            .bind(to.as_str())
            .bind(&note)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            commit_audited!(tx, &entry);
            Ok(to)
        })
    }

    /// Page `page` of `site`'s published replies (letters whose writer agreed to publication),
    /// newest first, [`PAGE_SIZE`] a page, and how many there are.
    pub async fn public_replies(
        &self,
        site: SiteId,
        page: Page,
    ) -> Result<(Vec<PublicReply>, u64)> {
        let total: i64 = fetch!(
            self,
            one,
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM letters WHERE site_id = $1 AND public AND state = 'replied'"
            )
            .bind(site.0)
        )?;
        let total = total.max(0) as u64;
        let offset = page
            .offset_within(total)
            .ok_or_else(|| Error::not_found("页码超出范围"))?;
        let rows: Vec<PublicReply> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT l.id, l.kind, l.subject, l.body, l.received_at, l.reply_html, l.replied_at, \
                 u.name AS unit FROM letters l LEFT JOIN units u ON u.id = l.unit_id \
                 WHERE l.site_id = $1 AND l.public AND l.state = 'replied' \
                 ORDER BY l.replied_at DESC, l.id DESC LIMIT $2 OFFSET $3"
            )
            .bind(site.0)
            .bind(PAGE_SIZE as i64)
            .bind(offset as i64)
        )?;
        Ok((rows, total))
    }

    /// One published reply of `site`.
    pub async fn public_reply(&self, site: SiteId, id: LetterId) -> Result<PublicReply> {
        fetch!(
            self,
            optional,
            sqlx::query_as(
                "SELECT l.id, l.kind, l.subject, l.body, l.received_at, l.reply_html, l.replied_at, \
                 u.name AS unit FROM letters l LEFT JOIN units u ON u.id = l.unit_id \
                 WHERE l.id = $1 AND l.site_id = $2 AND l.public AND l.state = 'replied'"
            )
            .bind(id.0)
            .bind(site.0)
        )?
        .ok_or_else(|| Error::not_found("没有这条公开答复"))
    }

    /// Per site (or for one), the letters that fail 互动回应差 at `now`: valid letters of the
    /// consultation channels left unanswered for more than three months within the past year
    /// (`letter_flow::left_unanswered`). Reads only letters older than three months that are
    /// open or were answered within the year (the `letters_open` and `letters_site` indexes).
    pub async fn unanswered_letters(
        &self,
        site: Option<SiteId>,
        now: DateTime<Utc>,
    ) -> Result<HashMap<SiteId, Unanswered>> {
        let three_months_ago = now - chrono::Duration::days(89);
        let year_ago = now - chrono::Duration::days(366);
        let rows: Vec<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT site_id, received_at, replied_at FROM letters \
                 WHERE state NOT IN ('merged', 'invalid') AND kind <> 'site_error' \
                 AND received_at < $1 AND (replied_at IS NULL OR replied_at >= $2) \
                 AND ($3 = 0 OR site_id = $3)"
            )
            .bind(three_months_ago)
            .bind(year_ago)
            .bind(site.map_or(0, |s| s.0))
        )?;
        let mut out: HashMap<SiteId, Unanswered> = HashMap::new();
        for (site, received, replied) in rows {
            if !letter_flow::left_unanswered(received, replied, now) {
                continue;
            }
            out.entry(SiteId(site))
                .and_modify(|u| {
                    u.letters += 1;
                    u.oldest = u.oldest.min(received);
                })
                .or_insert(Unanswered {
                    letters: 1,
                    oldest: received,
                });
        }
        Ok(out)
    }

    /// When each open letter of the store arrived and is due (the metrics' standing counts).
    pub async fn open_letter_times(&self) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
        fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT received_at, due_at FROM letters \
                 WHERE state IN ('received', 'assigned', 'drafted')"
            )
        )
    }

    /// The writer rates the reply to their letter, once (1 to 5).
    pub async fn rate_letter(&self, site: SiteId, code: &QueryCode, rating: u8) -> Result<()> {
        if !(1..=5).contains(&rating) {
            return Err(Error::invalid("请选择 1 至 5 的满意度"));
        }
        let done = crate::exec!(
            self,
            sqlx::query(
                "UPDATE letters SET rating = $1 WHERE site_id = $2 AND query_code = $3 \
                 AND state = 'replied' AND rating IS NULL",
            )
            .bind(i64::from(rating))
            .bind(site.0)
            .bind(code.as_str())
        )?;
        if done == 1 {
            Ok(())
        } else {
            Err(Error::conflict("这封留言尚未答复，或已经评价过"))
        }
    }
}
