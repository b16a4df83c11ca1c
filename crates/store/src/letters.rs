//! Letters from the public (互动交流): received with the writer's personal data sealed per field,
//! followed by the writer with a 查询码, listed for the site's office with that data masked, and
//! shown in full only to the office, each full view audited. Handling (转办, replies, review)
//! follows `zhanqun_core::letter_flow`; its writes come with the console and API pages.

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::letter_flow::{self, LetterState};
use zhanqun_core::letters::{self, LetterKind, QueryCode};
use zhanqun_core::pii::Keyring;
use zhanqun_core::timeliness::WorkCalendar;
use zhanqun_core::{Error, LetterId, Result, SiteId};

use crate::audit::{Outcome, commit_audited};
use crate::sealed_files::{self, Files, insert_files};
use crate::{Actor, AuditEntry, BeginWrite, Store, db_err, fetch, on_pool};

/// A letter as the writer sends it, checked by [`NewLetter::check`] before anything is stored.
#[derive(Debug, Clone, Default)]
pub struct NewLetter {
    pub kind: Option<LetterKind>,
    /// For a 领导信箱 letter, the leader it is written to (one of the site's `[letters]
    /// leaders`); none: the office.
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
    /// The writer agrees that the letter and its reply are published (without their data).
    pub public: bool,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub id_number: Option<String>,
    pub address: Option<String>,
    /// The once-only mark of the form it came with (`zhanqun_core::form`): the same form sent
    /// again finds this letter instead of making another.
    pub form_nonce: Option<String>,
    /// Files sent with it, already recognised by their content (`letters::attachment_type`).
    pub attachments: Vec<crate::NewAttachment>,
}

/// A checked letter: every field within its limits, contact details in their normal form.
#[derive(Debug, Clone)]
pub struct CheckedLetter {
    kind: LetterKind,
    addressee: Option<String>,
    subject: String,
    body: String,
    public: bool,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    id_number: Option<String>,
    address: Option<String>,
}

impl NewLetter {
    /// Checks every field against the site's `settings` and says in Chinese what to fix. A
    /// writer gives a phone number or an e-mail address (or both), so that the reply can reach
    /// them.
    pub fn check(&self, settings: &letters::LetterSettings) -> Result<CheckedLetter> {
        let kind = self.kind.ok_or_else(|| Error::invalid("请选择留言类型"))?;
        let addressee = settings.admit(kind, self.to.as_deref())?;
        let text = letters::text_field;
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let phone = given(&self.phone).map(letters::phone).transpose()?;
        let email = given(&self.email).map(letters::email).transpose()?;
        if self.attachments.len() > letters::MAX_ATTACHMENTS {
            return Err(Error::invalid(format!(
                "最多附 {} 个文件",
                letters::MAX_ATTACHMENTS
            )));
        }
        if phone.is_none() && email.is_none() {
            return Err(Error::invalid(
                "请至少填写手机号码或电子邮箱中的一项，以便答复",
            ));
        }
        Ok(CheckedLetter {
            kind,
            addressee,
            subject: text(&self.subject, "标题", 1, 100)?,
            body: text(&self.body, "留言内容", 5, 5000)?,
            public: self.public,
            name: text(&self.name, "姓名", 1, 50)?,
            phone,
            email,
            id_number: given(&self.id_number).map(letters::id_number).transpose()?,
            address: given(&self.address)
                .map(|a| text(a, "地址", 1, 200))
                .transpose()?,
        })
    }
}

/// A letter received: the 查询码 its writer keeps, and whether the same form had already sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub code: QueryCode,
    pub again: bool,
}

/// What the writer reads with the 查询码: the letter, where it is, and the reply once given. Never
/// the personal data (the code may have been seen by someone else).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterStatus {
    pub kind: LetterKind,
    /// The leader a 领导信箱 letter was written to.
    pub addressee: Option<String>,
    pub subject: String,
    pub body: String,
    pub state: LetterState,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub reply_html: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    /// The writer's rating of the reply (1 to 5), once given.
    pub rating: Option<i64>,
}

/// A letter in the office's list: the writer's name and phone masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterLine {
    pub id: LetterId,
    pub kind: LetterKind,
    pub subject: String,
    pub state: LetterState,
    pub standing: Option<letter_flow::Standing>,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub name: String,
    pub phone: Option<String>,
}

/// A letter with the writer's personal data opened, for the office that handles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterInFull {
    pub id: LetterId,
    pub site_id: SiteId,
    pub kind: LetterKind,
    pub subject: String,
    pub body: String,
    pub public: bool,
    pub state: LetterState,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub id_number: Option<String>,
    pub address: Option<String>,
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    bool,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
);

const COLS: &str = "id, site_id, kind, query_code, subject, body, public, state, name_sealed, \
     phone_sealed, email_sealed, id_number_sealed, address_sealed, received_at, due_at";

/// The place a sealed field is bound to: its letter's query code (known before the row's id).
pub(crate) fn record(code: &str) -> String {
    format!("letter:{code}")
}

/// The office of a site: those who handle its letters and see the writers' data.
pub(crate) fn is_office(actor: &Actor, site: SiteId) -> bool {
    actor.principal.is_letter_office(site)
}

/// A row written once per public form: a unique-key conflict means the form was sent before
/// (answers true), anything else is as it came.
pub(crate) fn first_or_again(written: Result<()>) -> Result<bool> {
    match written {
        Ok(()) => Ok(false),
        Err(Error::Conflict(_)) => Ok(true),
        Err(e) => Err(e),
    }
}

/// Writes what a public form makes, once. `earlier()` finds what an earlier send of the same
/// form made (a double click, a reload: answered again, nothing written); `write()` writes it
/// with a freshly drawn code. A unique-key conflict is either the same form sent twice at once
/// (what the other send made) or a drawn code already taken (one chance in 10^16: drawn again,
/// three times at most; a conflict that remains is answered as it is). Answers what was made
/// and whether it was made before.
pub(crate) async fn write_once<T, E, W>(
    earlier: impl Fn() -> E,
    write: impl Fn() -> W,
) -> Result<(T, bool)>
where
    E: std::future::Future<Output = Result<Option<T>>>,
    W: std::future::Future<Output = Result<T>>,
{
    if let Some(t) = earlier().await? {
        return Ok((t, true));
    }
    let mut last = Error::internal("no free query code");
    for _ in 0..3 {
        match write().await {
            Ok(t) => return Ok((t, false)),
            Err(e @ Error::Conflict(_)) => {
                if let Some(t) = earlier().await? {
                    return Ok((t, true));
                }
                last = e;
            }
            Err(e) => return Err(e),
        }
    }
    // Still a conflict that no earlier send explains: what the write said (an appointment slot
    // taken meanwhile, say).
    Err(last)
}

/// The tables a public form writes a row with a query code into ([`Store::code_of_form`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum FormTable {
    Letters,
    InfoRequests,
}

impl Store {
    /// The audit record of a step the site's office takes (知识库, surveys, interviews).
    pub(crate) async fn office_entry(
        &self,
        actor: &Actor,
        site: SiteId,
        action: &str,
        object: String,
        detail: Option<String>,
    ) -> Result<AuditEntry> {
        let code = self.site_code_of(site).await?;
        Ok(actor.entry(
            "letter_office",
            Some(code.as_str()),
            action,
            object,
            Outcome::Success,
            detail,
        ))
    }

    /// The query code of what an earlier send of the same public form (its once-only mark
    /// `nonce`) made in `table` for `site`: none without a mark, or when that form made
    /// nothing yet.
    pub(crate) async fn code_of_form(
        &self,
        table: FormTable,
        site: SiteId,
        nonce: Option<&str>,
    ) -> Result<Option<QueryCode>> {
        let Some(nonce) = nonce else {
            return Ok(None);
        };
        let sql = match table {
            FormTable::Letters => {
                "SELECT query_code FROM letters WHERE site_id = $1 AND form_nonce = $2"
            }
            FormTable::InfoRequests => {
                "SELECT query_code FROM info_requests WHERE site_id = $1 AND form_nonce = $2"
            }
        };
        let code: Option<String> = fetch!(
            self,
            optional,
            sqlx::query_scalar(sql).bind(site.0).bind(nonce)
        )?;
        code.map(|c| QueryCode::parse(&c)).transpose()
    }

    /// Audits a look at the personal data of a letter or application of `site` (`action` on
    /// `object`): a success for the site's office; for anyone else a failure, and the refusal
    /// (`forbidden` to those who see the site, `missing` to those who do not).
    pub(crate) async fn admit_personal_view(
        &self,
        actor: &Actor,
        site: SiteId,
        action: &str,
        object: String,
        forbidden: &str,
        missing: &str,
    ) -> Result<()> {
        let site_code = self.site_code_of(site).await?;
        let allowed = is_office(actor, site);
        let entry = actor.entry(
            "letter_office",
            Some(site_code.as_str()),
            action,
            object,
            Outcome::of(allowed),
            None,
        );
        self.audit(&entry).await?;
        if !allowed {
            return Err(actor.principal.refusal(site, forbidden, missing));
        }
        Ok(())
    }
}

/// Rows as the lists show them: name and phone masked, open letters with their standing.
fn lines(
    rows: Vec<Row>,
    keys: &Keyring,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Vec<LetterLine>> {
    rows.into_iter()
        .map(|r| {
            let at = record(&r.3);
            let state = LetterState::parse(&r.7)?;
            Ok(LetterLine {
                id: LetterId(r.0),
                kind: LetterKind::parse(&r.2)?,
                subject: r.4,
                state,
                standing: state
                    .is_open()
                    .then(|| letter_flow::standing(cal, r.13, r.14, now)),
                received_at: r.13,
                due_at: r.14,
                name: letters::mask_name(&keys.open("name", &at, &r.8)?),
                phone: r
                    .9
                    .as_deref()
                    .map(|v| keys.open("phone", &at, v).map(|p| letters::mask_phone(&p)))
                    .transpose()?,
            })
        })
        .collect()
}

impl Store {
    /// Receives a letter for `site`: checked, personal data sealed with `keys`, due `days`
    /// working days after today on `cal`. Answers the 查询码 the writer keeps.
    pub async fn submit_letter(
        &self,
        site: SiteId,
        letter: &NewLetter,
        keys: &Keyring,
        cal: &WorkCalendar,
        days: u32,
        now: DateTime<Utc>,
    ) -> Result<Submitted> {
        let (code, kinds, leaders): (String, String, String) = fetch!(
            self,
            optional,
            sqlx::query_as("SELECT code, letter_kinds, leaders FROM sites WHERE id = $1")
                .bind(site.0)
        )?
        .ok_or_else(|| Error::not_found(format!("网站 {site} 不存在")))?;
        let l = letter.check(&letters::LetterSettings::from_stored(&kinds, &leaders)?)?;
        let form_nonce = letter.form_nonce.as_deref();
        // The same form sent again (a double click, a reload): the letter it already made.
        let earlier = || self.code_of_form(FormTable::Letters, site, form_nonce);
        let due_at = letter_flow::due(cal, now, days);
        let write = || async {
            let qc = QueryCode::new_random();
            let at = record(qc.as_str());
            let seal = |field: &str, v: &Option<String>| -> Result<Option<String>> {
                v.as_deref().map(|v| keys.seal(field, &at, v)).transpose()
            };
            let name = keys.seal("name", &at, &l.name)?;
            let (phone, email) = (seal("phone", &l.phone)?, seal("email", &l.email)?);
            let (id_number, address) = (
                seal("id_number", &l.id_number)?,
                seal("address", &l.address)?,
            );
            let files = sealed_files::seal(keys, &at, &letter.attachments)?;
            let entry = AuditEntry::public(
                code.as_str(),
                "letter.receive",
                format!("letter {}", l.kind.as_str()),
            );
            let res: Result<()> = on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO letters (site_id, kind, query_code, subject, body, public, state, name_sealed, \
                     phone_sealed, email_sealed, id_number_sealed, address_sealed, received_at, due_at, \
                     form_nonce, addressee) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                     RETURNING id",
                )
                .bind(site.0)
                .bind(l.kind.as_str())
                .bind(qc.as_str())
                .bind(&l.subject)
                .bind(&l.body)
                .bind(l.public)
                .bind(LetterState::Received.as_str())
                .bind(&name)
                .bind(&phone)
                .bind(&email)
                .bind(&id_number)
                .bind(&address)
                .bind(now)
                .bind(due_at)
                .bind(form_nonce)
                .bind(&l.addressee)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                sqlx::query(
                    "INSERT INTO letter_events (letter_id, at, step, state) VALUES ($1, $2, 'receive', $3)",
                )
                .bind(id)
                .bind(now)
                .bind(LetterState::Received.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                insert_files!(tx, Files::Letter, id, &files);
                commit_audited!(tx, &entry);
                Ok(())
            });
            res.map(|()| qc)
        };
        let (code, again) = write_once(earlier, write).await?;
        Ok(Submitted { code, again })
    }

    /// The letter of `site` with query code `code`, as its writer reads it.
    pub async fn letter_status(&self, site: SiteId, code: &QueryCode) -> Result<LetterStatus> {
        type Full = (
            String,
            String,
            String,
            String,
            DateTime<Utc>,
            DateTime<Utc>,
            Option<String>,
            Option<DateTime<Utc>>,
            Option<i64>,
            Option<String>,
        );
        let row: Option<Full> =
            fetch!(self, optional, sqlx::query_as(sqlx::AssertSqlSafe(
                "SELECT kind, subject, body, state, received_at, due_at, reply_html, replied_at, rating, \
                 addressee FROM letters WHERE site_id = $1 AND query_code = $2",
            ))
            .bind(site.0)
            .bind(code.as_str()))?;
        let (kind, subject, body, state, received_at, due_at, reply_html, replied_at, rating, to) =
            row.ok_or_else(|| Error::not_found("没有找到这个查询码对应的留言，请核对查询码"))?;
        Ok(LetterStatus {
            kind: LetterKind::parse(&kind)?,
            addressee: to,
            subject,
            body,
            state: LetterState::parse(&state)?,
            received_at,
            due_at,
            reply_html,
            replied_at,
            rating,
        })
    }

    /// The letters of `site`, newest first, for its office and the province auditor: the
    /// writer's name and phone masked, the standing of each open letter against its deadline.
    pub async fn site_letters(
        &self,
        actor: &Actor,
        site: SiteId,
        keys: &Keyring,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<Vec<LetterLine>> {
        let p = &actor.principal;
        if !(is_office(actor, site) || p.sees_every_site()) {
            return Err(p.refusal(site, "只有本网站的办理人员可以查看留言", "网站不存在"));
        }
        let rows: Vec<Row> = fetch!(self, all, sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM letters WHERE site_id = $1 ORDER BY received_at DESC, id DESC LIMIT 500"
            )))
            .bind(site.0))?;
        lines(rows, keys, cal, now)
    }

    /// The open letters assigned to the actor's unit (承办单位), soonest deadline first.
    pub async fn unit_letters(
        &self,
        actor: &Actor,
        keys: &Keyring,
        cal: &WorkCalendar,
        now: DateTime<Utc>,
    ) -> Result<Vec<LetterLine>> {
        let Some(unit) = actor.principal.account.unit_id else {
            return Ok(Vec::new());
        };
        let rows: Vec<Row> = fetch!(self, all, sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM letters WHERE unit_id = $1 AND state IN ('assigned', 'drafted') \
                 ORDER BY due_at, id LIMIT 500"
            )))
            .bind(unit.0))?;
        let rows = rows
            .into_iter()
            .filter(|r| actor.principal.sees_site(SiteId(r.1)))
            .collect();
        lines(rows, keys, cal, now)
    }

    /// Letter `id` with the writer's data opened, for the office of its site only; every view,
    /// and every refusal, is in the audit log.
    pub async fn letter_in_full(
        &self,
        actor: &Actor,
        id: LetterId,
        keys: &Keyring,
    ) -> Result<LetterInFull> {
        let row: Option<Row> = fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM letters WHERE id = $1"
            )))
            .bind(id.0)
        )?;
        let Some(r) = row else {
            return Err(Error::not_found("留言不存在"));
        };
        let site = SiteId(r.1);
        // Another site's letter is not there at all for this account.
        self.admit_personal_view(
            actor,
            site,
            "letter.view_personal",
            format!("letter:{id}"),
            "只有本网站的办理人员可以查看写信人的个人信息",
            "留言不存在",
        )
        .await?;
        let at = record(&r.3);
        let open = |field: &str, v: &Option<String>| -> Result<Option<String>> {
            v.as_deref().map(|v| keys.open(field, &at, v)).transpose()
        };
        Ok(LetterInFull {
            id: LetterId(r.0),
            site_id: site,
            kind: LetterKind::parse(&r.2)?,
            subject: r.4,
            body: r.5,
            public: r.6,
            state: LetterState::parse(&r.7)?,
            received_at: r.13,
            due_at: r.14,
            name: keys.open("name", &at, &r.8)?,
            phone: open("phone", &r.9)?,
            email: open("email", &r.10)?,
            id_number: open("id_number", &r.11)?,
            address: open("address", &r.12)?,
        })
    }
}

/// The sealed columns of a letter, by field name.
const SEALED: [&str; 5] = ["name", "phone", "email", "id_number", "address"];

/// A letter's id, query code and sealed values (name, phone, e-mail, ID number, address).
type SealedRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// How many letters and 依申请公开 applications the store holds: personal data sealed
    /// under the key file (a missing key file is fatal when there are any).
    pub async fn letter_count(&self) -> Result<i64> {
        fetch!(
            self,
            one,
            sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM letters) + (SELECT COUNT(*) FROM info_requests) \
                 + (SELECT COUNT(*) FROM service_applications)"
            )
        )
    }

    /// Seals again, under the newest key of `keys`, up to `batch` letters, 依申请公开
    /// applications and online service applications holding a value sealed under an older key; each in its own transaction.
    /// Answers how many were re-sealed (0: none is left under an old key).
    pub async fn reseal_letters(&self, keys: &Keyring, batch: i64) -> Result<usize> {
        let letters = self.reseal_table("letters", "letter", keys, batch).await?;
        let left = batch - letters as i64;
        let requests = if left > 0 {
            self.reseal_table("info_requests", "info_request", keys, left)
                .await?
        } else {
            0
        };
        let left = left - requests as i64;
        let applications = if left > 0 {
            self.reseal_table("service_applications", "service_application", keys, left)
                .await?
        } else {
            0
        };
        let left = left - applications as i64;
        let files = if left > 0 {
            self.reseal_files(Files::Letter, keys, left).await?
        } else {
            0
        };
        let left = left - files as i64;
        let materials = if left > 0 {
            self.reseal_files(Files::Application, keys, left).await?
        } else {
            0
        };
        Ok(letters + requests + applications + files + materials)
    }

    /// [`Store::reseal_letters`] on one table whose sealed values are bound to `{prefix}:{query code}`.
    async fn reseal_table(
        &self,
        table: &'static str,
        prefix: &'static str,
        keys: &Keyring,
        batch: i64,
    ) -> Result<usize> {
        let rows: Vec<SealedRow> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, query_code, name_sealed, phone_sealed, email_sealed, id_number_sealed, \
                 address_sealed FROM {table} ORDER BY id"
            )))
        )?;
        let update = format!(
            "UPDATE {table} SET name_sealed = $1, phone_sealed = $2, email_sealed = $3, \
             id_number_sealed = $4, address_sealed = $5 WHERE id = $6"
        );
        let mut done = 0;
        for (id, code, name, phone, email, id_number, address) in rows {
            if done as i64 >= batch {
                break;
            }
            let values = [Some(name), phone, email, id_number, address];
            if values.iter().flatten().all(|v| keys.is_current(v)) {
                continue;
            }
            let at = format!("{prefix}:{code}");
            let mut fresh: Vec<Option<String>> = Vec::with_capacity(5);
            for (field, v) in SEALED.iter().zip(values.iter()) {
                fresh.push(match v {
                    Some(v) if !keys.is_current(v) => {
                        Some(keys.seal(field, &at, &keys.open(field, &at, v)?)?)
                    }
                    other => other.clone(),
                });
            }
            crate::exec!(
                self,
                sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                    .bind(fresh[0].clone().unwrap_or_default())
                    .bind(&fresh[1])
                    .bind(&fresh[2])
                    .bind(&fresh[3])
                    .bind(&fresh[4])
                    .bind(id)
            )?;
            done += 1;
        }
        Ok(done)
    }
}
