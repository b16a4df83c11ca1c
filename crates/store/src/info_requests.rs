//! 依申请公开 on the store: applications for government information received from the public
//! form with the applicant's personal data sealed per field (as letters are), followed with a
//! 查询码, handled by the site's office through the steps of `zhanqun_core::disclosure` with the
//! statutory deadlines, and counted into the yearly report's table 三.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use zhanqun_core::disclosure::{
    self, Applicant, Delivery, Outcome, RequestFacts, RequestState, RequestStep, YearTable,
};
use zhanqun_core::letters::{self, QueryCode, text_field as text};
use zhanqun_core::pii::Keyring;
use zhanqun_core::timeliness::WorkCalendar;
use zhanqun_core::{Error, Result, SiteId};

use crate::audit::commit_audited;
use crate::letters::{Submitted, is_office};
use crate::{Actor, AuditEntry, BeginWrite, Store, db_err, fetch, on_pool};

/// An application as the applicant sends it, checked by [`NewInfoRequest::check`].
#[derive(Debug, Clone, Default)]
pub struct NewInfoRequest {
    pub applicant: Option<Applicant>,
    /// 法人或其他组织名称 (organisations only).
    pub organisation: String,
    /// 姓名, or the organisation's contact person.
    pub name: String,
    /// 身份证号 (persons), required by the form.
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// 所需政府信息的名称、文号或者便于查询的其他特征性描述.
    pub content: String,
    pub delivery: Option<Delivery>,
    pub form_nonce: Option<String>,
}

struct Checked {
    applicant: Applicant,
    organisation: Option<String>,
    name: String,
    id_number: Option<String>,
    phone: String,
    email: Option<String>,
    address: Option<String>,
    content: String,
    delivery: Delivery,
}

impl NewInfoRequest {
    fn check(&self) -> Result<Checked> {
        let applicant = self
            .applicant
            .ok_or_else(|| Error::invalid("请选择申请人类型：自然人或法人、其他组织"))?;
        let delivery = self
            .delivery
            .ok_or_else(|| Error::invalid("请选择获取信息的方式"))?;
        let given = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        let organisation = if applicant.is_organisation() {
            Some(text(&self.organisation, "单位名称", 2, 100)?)
        } else {
            None
        };
        let id_number = if applicant.is_organisation() {
            None
        } else {
            Some(letters::id_number(self.id_number.trim())?)
        };
        let email = given(&self.email).map(|e| letters::email(&e)).transpose()?;
        if delivery == Delivery::Email && email.is_none() {
            return Err(Error::invalid("选择以电子邮件获取信息时，请填写电子邮箱"));
        }
        let address = given(&self.address)
            .map(|a| text(&a, "通信地址", 1, 200))
            .transpose()?;
        if matches!(delivery, Delivery::Paper | Delivery::Disc) && address.is_none() {
            return Err(Error::invalid("选择邮寄纸质文本或光盘时，请填写通信地址"));
        }
        Ok(Checked {
            applicant,
            organisation,
            name: text(
                &self.name,
                if applicant.is_organisation() {
                    "联系人姓名"
                } else {
                    "姓名"
                },
                1,
                50,
            )?,
            id_number,
            phone: letters::phone(&self.phone)?,
            email,
            address,
            content: text(&self.content, "所需政府信息的内容描述", 10, 3000)?,
            delivery,
        })
    }
}

/// What the applicant reads with the 查询码 (never their personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InfoRequestStatus {
    pub content: String,
    pub state: RequestState,
    pub received_at: DateTime<Utc>,
    pub due_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    pub answer_html: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub correction: Option<String>,
}

/// An application in the office's list: the applicant's name masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InfoRequestLine {
    pub id: i64,
    pub applicant: Applicant,
    pub name: String,
    pub content: String,
    pub state: RequestState,
    pub received_at: DateTime<Utc>,
    pub due_on: Option<NaiveDate>,
    /// Against its deadline (`None` once answered): in time, due soon, overdue, paused.
    pub standing: Option<disclosure::Standing>,
}

/// An application with the applicant's data opened, its history and the steps it allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InfoRequestInFull {
    pub id: i64,
    pub site_id: SiteId,
    pub code: String,
    pub applicant: Applicant,
    pub organisation: Option<String>,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub content: String,
    pub delivery: Delivery,
    pub state: RequestState,
    pub received_at: DateTime<Utc>,
    pub clock_start: NaiveDate,
    pub extension_days: i64,
    /// Working days consultations of third parties kept the clock stopped.
    pub paused_days: i64,
    pub due_on: Option<NaiveDate>,
    pub correction_by: NaiveDate,
    pub outcome: Option<Outcome>,
    pub answer_html: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub steps: Vec<RequestStep>,
    pub events: Vec<InfoRequestEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct InfoRequestEvent {
    pub at: DateTime<Utc>,
    pub account: Option<String>,
    pub step: String,
    pub state: String,
    pub note: Option<String>,
}

/// A step the office takes, with what it carries.
#[derive(Debug, Clone, Default)]
pub struct RequestStepInput {
    pub step: Option<RequestStep>,
    /// 补正: what to complete; 延期: the reason.
    pub note: String,
    /// 收到补正: the day the completed application arrived (default: today).
    pub on: Option<NaiveDate>,
    /// 延期: working days, and who approved.
    pub days: u32,
    /// 收费通知: the 信息处理费 in yuan.
    pub amount: u32,
    pub approver: String,
    /// 答复: the statutory type and the answer's text.
    pub outcome: Option<Outcome>,
    pub answer: String,
}

fn record(code: &str) -> String {
    format!("info_request:{code}")
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    site_id: i64,
    query_code: String,
    applicant: String,
    organisation: Option<String>,
    name_sealed: String,
    id_number_sealed: Option<String>,
    phone_sealed: String,
    email_sealed: Option<String>,
    address_sealed: Option<String>,
    content: String,
    delivery: String,
    state: String,
    received_at: DateTime<Utc>,
    clock_start: NaiveDate,
    extension_days: i64,
    paused_days: i64,
    due_on: Option<NaiveDate>,
    outcome: Option<String>,
    answer_html: Option<String>,
    answered_at: Option<DateTime<Utc>>,
}

const COLS: &str = "id, site_id, query_code, applicant, organisation, name_sealed, id_number_sealed, \
     phone_sealed, email_sealed, address_sealed, content, delivery, state, received_at, clock_start, \
     extension_days, paused_days, due_on, outcome, answer_html, answered_at";

impl Store {
    /// Receives an application for `site`: checked, personal data sealed, the clock started on
    /// today (Beijing) with its statutory deadline on `cal`. Answers the 查询码.
    pub async fn submit_info_request(
        &self,
        site: SiteId,
        r: &NewInfoRequest,
        keys: &Keyring,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<Submitted> {
        let c = r.check()?;
        let nonce = r.form_nonce.as_deref();
        let site_code = self.site_code_of(site).await?;
        let earlier = || self.code_of_form(crate::letters::FormTable::InfoRequests, site, nonce);
        let today = zhanqun_core::beijing::day(now);
        let due = disclosure::due_day(cal, today, 0);
        let write = || async {
            let qc = QueryCode::new_random();
            let at = record(qc.as_str());
            let seal = |f: &str, v: &Option<String>| -> Result<Option<String>> {
                v.as_deref().map(|v| keys.seal(f, &at, v)).transpose()
            };
            let name = keys.seal("name", &at, &c.name)?;
            let phone = keys.seal("phone", &at, &c.phone)?;
            let (id_number, email, address) = (
                seal("id_number", &c.id_number)?,
                seal("email", &c.email)?,
                seal("address", &c.address)?,
            );
            let entry =
                AuditEntry::public(site_code.as_str(), "info_request.receive", "info_request");
            let res: Result<()> = on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO info_requests (site_id, query_code, applicant, organisation, name_sealed, \
                     id_number_sealed, phone_sealed, email_sealed, address_sealed, content, delivery, state, \
                     received_at, clock_start, extension_days, due_on, form_nonce) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $15, $16) RETURNING id",
                )
                .bind(site.0)
                .bind(qc.as_str())
                .bind(c.applicant.as_str())
                .bind(&c.organisation)
                .bind(&name)
                .bind(&id_number)
                .bind(&phone)
                .bind(&email)
                .bind(&address)
                .bind(&c.content)
                .bind(c.delivery.as_str())
                .bind(RequestState::Received.as_str())
                .bind(now)
                .bind(today)
                .bind(due)
                .bind(nonce)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                sqlx::query(
                    "INSERT INTO info_request_events (request_id, at, step, state) VALUES ($1, $2, 'receive', $3)",
                )
                .bind(id)
                .bind(now)
                .bind(RequestState::Received.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                commit_audited!(tx, &entry);
                Ok(())
            });
            res.map(|()| qc)
        };
        let (code, again) = crate::letters::write_once(earlier, write).await?;
        Ok(Submitted { code, again })
    }

    /// The application of `site` with query code `code`, as its applicant reads it.
    pub async fn info_request_status(
        &self,
        site: SiteId,
        code: &QueryCode,
    ) -> Result<InfoRequestStatus> {
        type S = (
            i64,
            String,
            String,
            DateTime<Utc>,
            Option<NaiveDate>,
            Option<String>,
            Option<String>,
            Option<DateTime<Utc>>,
        );
        let row: Option<S> = fetch!(
            self,
            optional,
            sqlx::query_as(
                "SELECT id, content, state, received_at, due_on, outcome, answer_html, answered_at \
                 FROM info_requests WHERE site_id = $1 AND query_code = $2"
            )
            .bind(site.0)
            .bind(code.as_str())
        )?;
        let r = row.ok_or_else(|| Error::not_found("没有找到这个查询码的申请：请核对后重试"))?;
        let state = RequestState::parse(&r.2)?;
        let correction: Option<String> = if state == RequestState::Correcting {
            fetch!(
                self,
                optional,
                sqlx::query_scalar(
                    "SELECT note FROM info_request_events WHERE request_id = $1 AND step = 'ask_correction' \
                     ORDER BY id DESC LIMIT 1"
                )
                .bind(r.0)
            )?
            .flatten()
        } else {
            None
        };
        Ok(InfoRequestStatus {
            content: r.1,
            state,
            received_at: r.3,
            due_on: r.4,
            outcome: r.5.as_deref().map(Outcome::parse).transpose()?,
            answer_html: r.6,
            answered_at: r.7,
            correction,
        })
    }

    /// The applications of `site`, newest first, names masked (the site's office only).
    pub async fn site_info_requests(
        &self,
        actor: &Actor,
        site: SiteId,
        keys: &Keyring,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<Vec<InfoRequestLine>> {
        if !is_office(actor, site) {
            return Err(Error::not_found("网站不存在"));
        }
        let rows: Vec<Row> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM info_requests WHERE site_id = $1 ORDER BY received_at DESC, id DESC LIMIT 500"
            )))
            .bind(site.0)
        )?;
        let today = zhanqun_core::beijing::day(now);
        rows.into_iter()
            .map(|r| {
                let at = record(&r.query_code);
                let state = RequestState::parse(&r.state)?;
                Ok(InfoRequestLine {
                    id: r.id,
                    applicant: Applicant::parse(&r.applicant)?,
                    name: letters::mask_name(&keys.open("name", &at, &r.name_sealed)?),
                    content: r.content,
                    state,
                    received_at: r.received_at,
                    due_on: r.due_on,
                    standing: disclosure::standing(cal, state, r.due_on, today),
                })
            })
            .collect()
    }

    /// How many applications of all sites still to be answered are in each state and due on
    /// each day (none while 补正 pauses the clock), for the deadline gauges: counted by the
    /// database, one row a state and day.
    pub async fn open_info_request_deadlines(
        &self,
    ) -> Result<Vec<(RequestState, Option<NaiveDate>, i64)>> {
        let rows: Vec<(String, Option<NaiveDate>, i64)> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT state, due_on, COUNT(*) FROM info_requests WHERE state <> 'answered' \
                 GROUP BY state, due_on"
            )
        )?;
        rows.into_iter()
            .map(|(state, due, n)| Ok((RequestState::parse(&state)?, due, n)))
            .collect()
    }

    /// Application `id` for the site's office: with `full`, the applicant's data opened (every
    /// such view, and every refusal, audited); otherwise masked as the lists show it.
    pub async fn info_request(
        &self,
        actor: &Actor,
        id: i64,
        keys: &Keyring,
        cal: &WorkCalendar,
        full: bool,
    ) -> Result<InfoRequestInFull> {
        let row: Option<Row> = fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM info_requests WHERE id = $1"
            )))
            .bind(id)
        )?;
        let r = row.ok_or_else(|| Error::not_found("申请不存在"))?;
        let site = SiteId(r.site_id);
        if full || !is_office(actor, site) {
            self.admit_personal_view(
                actor,
                site,
                "info_request.view_personal",
                format!("info_request:{id}"),
                "只有本网站的办理人员可以查看申请人的个人信息",
                "申请不存在",
            )
            .await?;
        }
        let at = record(&r.query_code);
        let shown = |f: &str, v: String| -> String {
            match (full, f) {
                (true, _) => v,
                (false, "name") => letters::mask_name(&v),
                (false, "phone") => letters::mask_phone(&v),
                (false, _) => "（已隐藏）".into(),
            }
        };
        let open = |f: &str, v: &Option<String>| -> Result<Option<String>> {
            v.as_deref()
                .map(|v| keys.open(f, &at, v).map(|p| shown(f, p)))
                .transpose()
        };
        let events: Vec<InfoRequestEvent> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT e.at, a.display_name AS account, e.step, e.state, e.note FROM info_request_events e \
                 LEFT JOIN accounts a ON a.id = e.account_id WHERE e.request_id = $1 ORDER BY e.id"
            )
            .bind(id)
        )?;
        let state = RequestState::parse(&r.state)?;
        let received_day = zhanqun_core::beijing::day(r.received_at);
        Ok(InfoRequestInFull {
            id: r.id,
            site_id: site,
            code: r.query_code.clone(),
            applicant: Applicant::parse(&r.applicant)?,
            organisation: r.organisation,
            name: shown("name", keys.open("name", &at, &r.name_sealed)?),
            id_number: open("id_number", &r.id_number_sealed)?,
            phone: shown("phone", keys.open("phone", &at, &r.phone_sealed)?),
            email: open("email", &r.email_sealed)?,
            address: open("address", &r.address_sealed)?,
            content: r.content,
            delivery: Delivery::parse(&r.delivery)?,
            state,
            received_at: r.received_at,
            clock_start: r.clock_start,
            extension_days: r.extension_days,
            paused_days: r.paused_days,
            due_on: r.due_on,
            correction_by: disclosure::correction_by(cal, received_day),
            outcome: r.outcome.as_deref().map(Outcome::parse).transpose()?,
            answer_html: r.answer_html,
            answered_at: r.answered_at,
            steps: disclosure::steps_for(state, r.extension_days > 0),
            events,
        })
    }

    /// Takes a step on application `id` (the site's office only), at `now` on `cal`: the state
    /// moves as `zhanqun_core::disclosure::next` allows, the clock restarts on 收到补正, the
    /// deadline moves on 延期, and the answer is given on 答复. Each step is a guarded update
    /// (a step taken meanwhile by someone else is a conflict) committed with its event and audit.
    pub async fn info_request_step(
        &self,
        actor: &Actor,
        id: i64,
        input: &RequestStepInput,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<RequestState> {
        type Cur = (i64, String, NaiveDate, i64, i64, Option<NaiveDate>);
        let cur: Option<Cur> = fetch!(
            self,
            optional,
            sqlx::query_as(
                "SELECT site_id, state, clock_start, extension_days, paused_days, paused_from \
                 FROM info_requests WHERE id = $1"
            )
            .bind(id)
        )?;
        let (site, state, clock_start, extension, paused_days, paused_from) =
            cur.ok_or_else(|| Error::not_found("申请不存在"))?;
        let site = SiteId(site);
        if !is_office(actor, site) {
            return Err(actor.principal.refusal(
                site,
                "只有本网站的办理人员可以办理依申请公开",
                "申请不存在",
            ));
        }
        let step = input.step.ok_or_else(|| Error::invalid("请选择办理步骤"))?;
        let from = RequestState::parse(&state)?;
        let to = disclosure::next(from, step, extension > 0)?;
        let today = zhanqun_core::beijing::day(now);
        // What the step changes besides the state: (clock start, extension, due, note, answer).
        let mut start = clock_start;
        let mut ext = extension;
        let (mut paused, mut pause_from) = (paused_days, paused_from);
        let mut note: Option<String> = None;
        let mut answer: Option<(Outcome, String)> = None;
        match step {
            RequestStep::Accept => {}
            RequestStep::AskCorrection => {
                note = Some(text(&input.note, "需要补正的事项", 5, 1000)?);
            }
            RequestStep::Corrected => {
                let on = input.on.unwrap_or(today);
                if on > today || on < zhanqun_core::beijing::day(now - chrono::Duration::days(366))
                {
                    return Err(Error::invalid("收到补正的日期不正确"));
                }
                start = on;
                note = Some(format!("答复期限自 {on} 起重新计算"));
            }
            RequestStep::Consult => {
                let what = text(&input.note, "征求意见的第三方和事项", 5, 1000)?;
                pause_from = Some(today);
                note = Some(format!("{what}（征求第三方意见期间暂停计时）"));
            }
            RequestStep::Consulted => {
                let since = pause_from.unwrap_or(today);
                let on = input.on.unwrap_or(today);
                if on > today || on < since {
                    return Err(Error::invalid(format!(
                        "第三方回复的日期应在 {since} 至今天之间"
                    )));
                }
                let n = disclosure::paused_working_days(cal, since, on);
                paused += i64::from(n);
                pause_from = None;
                let said = input.note.trim();
                note = Some(format!(
                    "{on} 第三方{}；征求意见的 {n} 个工作日不计入答复期限",
                    if said.is_empty() {
                        "已回复或逾期未回复"
                    } else {
                        said
                    }
                ));
            }
            RequestStep::Charge => {
                let amount = input.amount;
                if !(1..=100_000).contains(&amount) {
                    return Err(Error::invalid("信息处理费金额应为 1 至 100000 元"));
                }
                let basis = text(&input.note, "收费依据和计算方式", 5, 500)?;
                pause_from = Some(today);
                note = Some(format!(
                    "收费通知：信息处理费 {amount} 元（{basis}）；自发出通知至缴费完毕暂停计时"
                ));
            }
            RequestStep::Paid => {
                let since = pause_from.unwrap_or(today);
                let on = input.on.unwrap_or(today);
                if on > today || on < since {
                    return Err(Error::invalid(format!("缴费日期应在 {since} 至今天之间")));
                }
                let n = disclosure::paused_working_days(cal, since, on);
                paused += i64::from(n);
                pause_from = None;
                note = Some(format!(
                    "{on} 申请人缴费完毕；等待缴费的 {n} 个工作日不计入答复期限"
                ));
            }
            RequestStep::Extend => {
                disclosure::check_extension(input.days, &input.approver)?;
                ext = i64::from(input.days);
                let reason = text(&input.note, "延期理由", 2, 500)?;
                note = Some(format!(
                    "延长 {} 个工作日，经{}同意；{reason}",
                    input.days,
                    input.approver.trim()
                ));
            }
            RequestStep::Answer => {
                let outcome = input
                    .outcome
                    .ok_or_else(|| Error::invalid("请选择答复类型"))?;
                if from == RequestState::Correcting && outcome != Outcome::NotCorrected {
                    return Err(Error::invalid(
                        "申请尚在补正中：只能以“申请人无正当理由逾期不补正”答复，或先登记收到补正",
                    ));
                }
                if from == RequestState::Charging && outcome != Outcome::NotPaid {
                    return Err(Error::invalid(
                        "申请人尚未缴费：只能以“申请人逾期未按收费通知要求缴纳费用”答复，或先登记已缴费",
                    ));
                }
                let html = zhanqun_core::letter_flow::reply_html(&text(
                    &input.answer,
                    "答复内容",
                    5,
                    10000,
                )?);
                note = Some(outcome.label().to_string());
                answer = Some((outcome, html));
            }
        }
        let due: Option<NaiveDate> = match to {
            RequestState::Correcting | RequestState::Consulting | RequestState::Charging => None,
            _ => Some(disclosure::answer_due(
                cal,
                start,
                u32::try_from(ext).unwrap_or(0),
                u32::try_from(paused).unwrap_or(0),
            )),
        };
        let entry = self
            .office_entry(
                actor,
                site,
                &format!("info_request.{}", step.as_str()),
                format!("info_request:{id}"),
                note.clone(),
            )
            .await?;
        let me = actor.principal.id();
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = sqlx::query(
                "UPDATE info_requests SET state = $1, clock_start = $2, extension_days = $3, due_on = $4, \
                 outcome = COALESCE($5, outcome), answer_html = COALESCE($6, answer_html), \
                 answered_at = CASE WHEN $7 THEN $8 ELSE answered_at END, paused_days = $12, \
                 paused_from = $13 \
                 WHERE id = $9 AND state = $10 AND extension_days = $11",
            )
            .bind(to.as_str())
            .bind(start)
            .bind(ext)
            .bind(due)
            .bind(answer.as_ref().map(|a| a.0.as_str()))
            .bind(answer.as_ref().map(|a| a.1.as_str()))
            .bind(answer.is_some())
            .bind(now)
            .bind(id)
            .bind(from.as_str())
            .bind(extension)
            .bind(paused)
            .bind(pause_from)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if n == 0 {
                return Err(Error::conflict("该申请刚刚已被他人办理，请刷新后再试"));
            }
            sqlx::query(
                "INSERT INTO info_request_events (request_id, at, account_id, step, state, note) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
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

    /// Table 三 of `site`'s yearly 政府信息公开工作年度报告 for `year`, from its applications.
    pub async fn info_request_year(&self, site: SiteId, year: i32) -> Result<YearTable> {
        let end = zhanqun_core::beijing::start_of(
            NaiveDate::from_ymd_opt(year + 1, 1, 1).ok_or_else(|| Error::invalid("年份无效"))?,
        );
        type F = (String, DateTime<Utc>, Option<DateTime<Utc>>, Option<String>);
        let rows: Vec<F> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT applicant, received_at, answered_at, outcome FROM info_requests \
                 WHERE site_id = $1 AND received_at < $2"
            )
            .bind(site.0)
            .bind(end)
        )?;
        let facts = rows
            .into_iter()
            .map(|(a, received, answered, outcome)| {
                let answered = match (answered, outcome) {
                    (Some(t), Some(o)) => Some((t, Outcome::parse(&o)?)),
                    _ => None,
                };
                Ok(RequestFacts {
                    applicant: Applicant::parse(&a)?,
                    received,
                    answered,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(disclosure::year_table(year, &facts))
    }
}
