//! 在线办理 on the store: applications for a site's published service items, sent on the public
//! form with the applicant's personal data sealed per field (as letters are), given a 受理编号
//! and a 查询码; moved by the back office — the site's office or the unit that carries the item
//! in the console, or a business system with the site's service token over the API — as
//! `zhanqun_core::service_flow` allows; and shown back to the applicant (状态查询) and, once
//! finished, to everyone without personal data (结果公示).

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::letters::{self, QueryCode, text_field as text};
use zhanqun_core::pii::Keyring;
use zhanqun_core::service_flow::{self, AppState};
use zhanqun_core::{ArticleId, Error, Result, SiteId};

use crate::appointments::{book_slot, give_back};
use crate::audit::{Outcome as Audited, commit_audited};
use crate::letters::is_office;
use crate::sealed_files::{self, Files, insert_files};
use crate::sessions::token_hash;
use crate::{Actor, AuditEntry, BeginWrite, Store, db_err, fetch, on_pool};

/// An application as the applicant sends it.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub item: ArticleId,
    /// 单位名称 (a legal person's application), not personal data.
    pub organisation: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    /// 申请说明: what is applied for, in the applicant's words.
    pub note: String,
    /// The appointment slot booked with the application (预约办理), if any.
    pub slot: Option<i64>,
    pub form_nonce: Option<String>,
    /// 申请材料: files sent with it, recognised by their content
    /// (`letters::attachment_type`), at most `service_flow::MAX_MATERIALS`.
    pub materials: Vec<crate::NewAttachment>,
}

/// An application received: its 受理编号 and 查询码, and whether the same form sent it before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub receipt: String,
    pub code: QueryCode,
    pub again: bool,
}

/// What 状态查询 and the back office's list show of an application (the applicant masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApplicationView {
    pub id: i64,
    pub receipt_no: String,
    pub item_id: i64,
    pub item: String,
    /// 办理部门: the unit that carries the item.
    pub unit: Option<String>,
    pub organisation: Option<String>,
    /// Masked (`王*`) wherever shown.
    #[sqlx(rename = "name_sealed")]
    pub applicant: String,
    pub note: String,
    pub state: String,
    pub submitted_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub reply: Option<String>,
    pub result: Option<String>,
    /// The booked appointment (预约办理): when it begins and ends, and where.
    pub slot_starts_at: Option<DateTime<Utc>>,
    pub slot_ends_at: Option<DateTime<Utc>>,
    pub slot_place: Option<String>,
}

/// Who moves an application: a person in the console, or a business system by its token.
pub enum Mover<'a> {
    Person(&'a Actor),
    System(&'a ServiceCaller),
}

/// A business system, as its token identifies it: the token's id, its site and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCaller {
    pub token: i64,
    pub site: SiteId,
    pub name: String,
}

/// A service token as its site's administrator sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ServiceToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

fn record(code: &str) -> String {
    format!("service_application:{code}")
}

const VIEW: &str = "SELECT sa.id, sa.receipt_no, sa.article_id AS item_id, a.title AS item, u.name AS unit, \
     sa.organisation, sa.name_sealed, sa.note, sa.state, sa.submitted_at, sa.accepted_at, sa.finished_at, \
     sa.reply, sa.result, sa.query_code, sl.starts_at AS slot_starts_at, sl.ends_at AS slot_ends_at, \
     sl.place AS slot_place FROM service_applications sa JOIN articles a ON a.id = sa.article_id \
     LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN appointment_slots sl ON sl.id = sa.slot_id";

/// Opens and masks the applicant's name of each row (the code binds the sealed value).
fn masked(rows: Vec<(ApplicationView, String)>, keys: &Keyring) -> Result<Vec<ApplicationView>> {
    rows.into_iter()
        .map(|(mut v, code)| {
            v.applicant = letters::mask_name(&keys.open("name", &record(&code), &v.applicant)?);
            Ok(v)
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct ViewRow {
    #[sqlx(flatten)]
    view: ApplicationView,
    query_code: String,
}

impl Store {
    /// Receives an application for service item `item` of `site` (published there, and a
    /// service item): checked, sealed, numbered. The same form sent again answers the same
    /// numbers.
    pub async fn submit_application(
        &self,
        site: SiteId,
        a: &NewApplication,
        keys: &Keyring,
        now: DateTime<Utc>,
    ) -> Result<Received> {
        let owner: Option<(i64, String)> = fetch!(
            self,
            optional,
            sqlx::query_as(
                "SELECT a.site_id, a.status FROM articles a JOIN service_items si ON si.article_id = a.id \
                 WHERE a.id = $1"
            )
            .bind(a.item.0)
        )?;
        match owner {
            Some((s, status)) if s == site.0 && status == "published" => {}
            _ => return Err(Error::not_found("没有这个办事事项")),
        }
        let name = text(&a.name, "申请人姓名", 1, 50)?;
        let phone = letters::phone(&a.phone)?;
        let id_number = letters::id_number(a.id_number.trim())?;
        let organisation = Some(a.organisation.trim().to_string())
            .filter(|o| !o.is_empty())
            .map(|o| text(&o, "单位名称", 2, 100))
            .transpose()?;
        let note = text(&a.note, "申请说明", 5, 2000)?;
        if a.materials.len() > service_flow::MAX_MATERIALS {
            return Err(Error::invalid(format!(
                "最多附 {} 个申请材料文件",
                service_flow::MAX_MATERIALS
            )));
        }
        let site_code = self.site_code_of(site).await?;
        let nonce = a.form_nonce.as_deref();
        let earlier = || async {
            let Some(nonce) = nonce else { return Ok(None) };
            let row: Option<(String, String)> = fetch!(
                self,
                optional,
                sqlx::query_as(
                    "SELECT receipt_no, query_code FROM service_applications WHERE site_id = $1 AND form_nonce = $2"
                )
                .bind(site.0)
                .bind(nonce)
            )?;
            row.map(|(receipt, code)| Ok((receipt, QueryCode::parse(&code)?)))
                .transpose()
        };
        let day = zhanqun_core::beijing::day(now);
        let entry = AuditEntry::public(
            site_code.as_str(),
            "service_application.receive",
            format!("article:{}", a.item.0),
        );
        let write = || async {
            let qc = QueryCode::new_random();
            let at = record(qc.as_str());
            let sealed_name = keys.seal("name", &at, &name)?;
            let sealed_phone = keys.seal("phone", &at, &phone)?;
            let sealed_id = keys.seal("id_number", &at, &id_number)?;
            let materials = sealed_files::seal(keys, &at, &a.materials)?;
            let res: Result<String> = on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                let serial: i64 = sqlx::query_scalar(
                    "INSERT INTO receipt_counters (site_id, day, last_serial) VALUES ($1, $2, 1) \
                     ON CONFLICT (site_id, day) DO UPDATE SET last_serial = receipt_counters.last_serial + 1 \
                     RETURNING last_serial",
                )
                .bind(site.0)
                .bind(day)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                let receipt = service_flow::receipt_number(&site_code, day, serial);
                if let Some(slot) = a.slot {
                    book_slot!(tx, slot, a.item.0, now);
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO service_applications (site_id, article_id, receipt_no, query_code, organisation, \
                     name_sealed, phone_sealed, id_number_sealed, note, state, submitted_at, form_nonce, slot_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind(site.0)
                .bind(a.item.0)
                .bind(&receipt)
                .bind(qc.as_str())
                .bind(&organisation)
                .bind(&sealed_name)
                .bind(&sealed_phone)
                .bind(&sealed_id)
                .bind(&note)
                .bind(AppState::Submitted.as_str())
                .bind(now)
                .bind(nonce)
                .bind(a.slot)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                insert_files!(tx, Files::Application, id, &materials);
                sqlx::query(
                    "INSERT INTO service_application_events (application_id, at, state, note) VALUES ($1, $2, $3, '网上提交申请')",
                )
                .bind(id)
                .bind(now)
                .bind(AppState::Submitted.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                commit_audited!(tx, &entry);
                Ok(receipt)
            });
            res.map(|receipt| (receipt, qc))
        };
        if let Some(slot) = a.slot
            && earlier().await?.is_none()
        {
            // Said at once when the slot is full or not this item's (unless this form was sent
            // before: that send may hold the last place, and is answered again below); the
            // booking itself, in the write, is what holds when two applicants press at once.
            self.check_slot(slot, a.item, now).await?;
        }
        let ((receipt, code), again) = crate::letters::write_once(earlier, write).await?;
        Ok(Received {
            receipt,
            code,
            again,
        })
    }

    /// 状态查询: the application of `site` with this 受理编号 and 查询码 (both needed).
    pub async fn application_status(
        &self,
        site: SiteId,
        receipt: &str,
        code: &QueryCode,
        keys: &Keyring,
    ) -> Result<ApplicationView> {
        let row: Option<ViewRow> = fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{VIEW} WHERE sa.site_id = $1 AND sa.receipt_no = $2 AND sa.query_code = $3"
            )))
            .bind(site.0)
            .bind(receipt)
            .bind(code.as_str())
        )?;
        let r = row.ok_or_else(|| Error::not_found("没有找到这份申请：请核对受理编号和查询码"))?;
        Ok(masked(vec![(r.view, r.query_code)], keys)?.remove(0))
    }

    /// 结果公示: the site's finished applications, newest first (the applicant masked).
    pub async fn application_results(
        &self,
        site: SiteId,
        keys: &Keyring,
        limit: i64,
    ) -> Result<Vec<ApplicationView>> {
        let rows: Vec<ViewRow> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{VIEW} WHERE sa.site_id = $1 AND sa.finished_at IS NOT NULL \
                 ORDER BY sa.finished_at DESC, sa.id DESC LIMIT $2"
            )))
            .bind(site.0)
            .bind(limit)
        )?;
        masked(
            rows.into_iter().map(|r| (r.view, r.query_code)).collect(),
            keys,
        )
    }

    /// Whether the actor handles applications of `site` for items of unit `unit`: the site's
    /// office, or someone of that unit with a role on the site.
    fn handles(actor: &Actor, site: SiteId, unit: Option<i64>) -> bool {
        is_office(actor, site)
            || (unit.is_some()
                && actor.principal.account.unit_id.map(|u| u.0) == unit
                && actor.principal.sees_site(site))
    }

    /// The back office's list: the site's applications the actor handles, newest first.
    pub async fn site_applications(
        &self,
        actor: &Actor,
        site: SiteId,
        keys: &Keyring,
    ) -> Result<Vec<ApplicationView>> {
        if !actor.principal.sees_site(site) {
            return Err(Error::not_found("网站不存在"));
        }
        let rows: Vec<ViewRow> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{VIEW} WHERE sa.site_id = $1 ORDER BY sa.id DESC LIMIT 500"
            )))
            .bind(site.0)
        )?;
        let units: Vec<(i64, Option<i64>)> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT sa.id, a.unit_id FROM service_applications sa JOIN articles a ON a.id = sa.article_id \
                 WHERE sa.site_id = $1 ORDER BY sa.id DESC LIMIT 500"
            )
            .bind(site.0)
        )?;
        let unit_of: std::collections::HashMap<i64, Option<i64>> = units.into_iter().collect();
        let mine: Vec<(ApplicationView, String)> = rows
            .into_iter()
            .filter(|r| Self::handles(actor, site, unit_of.get(&r.view.id).copied().flatten()))
            .map(|r| (r.view, r.query_code))
            .collect();
        masked(mine, keys)
    }

    /// The files (申请材料) of the site's newest 500 applications (the back office's list),
    /// by application, without their names.
    pub async fn site_application_materials(
        &self,
        site: SiteId,
    ) -> Result<std::collections::HashMap<i64, Vec<crate::AttachmentLine>>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            application_id: i64,
            #[sqlx(flatten)]
            line: crate::AttachmentLine,
        }
        let rows: Vec<Row> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT m.application_id, m.position, m.mime, m.size FROM application_materials m \
                 WHERE m.application_id IN (SELECT id FROM service_applications WHERE site_id = $1 \
                 ORDER BY id DESC LIMIT 500) ORDER BY m.application_id, m.position"
            )
            .bind(site.0)
        )?;
        let mut out: std::collections::HashMap<i64, Vec<crate::AttachmentLine>> =
            std::collections::HashMap::new();
        for r in rows {
            out.entry(r.application_id).or_default().push(r.line);
        }
        Ok(out)
    }

    /// File `position` of application `id`'s 申请材料, opened for its back office (the site's
    /// office, the unit that carries the item). Every opening, and every refused attempt, is
    /// audited; for anyone who cannot see the site it is not there.
    pub async fn application_material(
        &self,
        actor: &Actor,
        id: i64,
        position: i64,
        keys: &Keyring,
    ) -> Result<crate::AttachmentFile> {
        let row: Option<(i64, Option<i64>, String)> = fetch!(
            self,
            optional,
            sqlx::query_as(
                "SELECT sa.site_id, a.unit_id, sa.query_code FROM service_applications sa \
                 JOIN articles a ON a.id = sa.article_id WHERE sa.id = $1"
            )
            .bind(id)
        )?;
        let (site, unit, code) = row.ok_or_else(|| Error::not_found("没有这件申请"))?;
        let site = SiteId(site);
        let allowed = Self::handles(actor, site, unit);
        let site_code = self.site_code_of(site).await?;
        let audit = |outcome| {
            let entry = actor.entry(
                "service_back_office",
                Some(site_code.as_str()),
                "service_application.view_material",
                format!("service_application:{id} material:{position}"),
                outcome,
                None,
            );
            async move { self.audit(&entry).await }
        };
        if !allowed {
            audit(Audited::Failure).await?;
            return Err(actor.principal.refusal(
                site,
                "只有这件申请的受理人员可以打开申请材料",
                "没有这件申请",
            ));
        }
        if !self
            .file_lines(Files::Application, id)
            .await?
            .iter()
            .any(|f| f.position == position)
        {
            return Err(sealed_files::no_such_file());
        }
        audit(Audited::Success).await?;
        self.open_file(Files::Application, id, position, &record(&code), keys)
            .await?
            .ok_or_else(sealed_files::no_such_file)
    }

    /// Moves application `id` (console) or the one with 受理编号 `receipt` (API) to state `to`
    /// (its word, parsed once the mover may act), with the note the move needs; a guarded update
    /// committed with its event and audit record. A business system moves only its own site's
    /// applications (another site's: not there).
    pub async fn move_application(
        &self,
        by: Mover<'_>,
        which: Which<'_>,
        to: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<AppState> {
        const CUR: &str = "SELECT sa.id, sa.site_id, sa.state, a.unit_id FROM service_applications sa \
             JOIN articles a ON a.id = sa.article_id WHERE ";
        type Cur = (i64, i64, String, Option<i64>);
        let cur: Option<Cur> = match which {
            Which::Id(id) => fetch!(
                self,
                optional,
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{CUR}sa.id = $1"))).bind(id)
            )?,
            Which::Receipt(r) => fetch!(
                self,
                optional,
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{CUR}sa.receipt_no = $1"))).bind(r)
            )?,
        };
        let missing = || Error::not_found("没有这份办事申请");
        let (id, site, state, unit) = cur.ok_or_else(missing)?;
        let site = SiteId(site);
        let (entry, account, token) = match &by {
            Mover::Person(actor) => {
                if !Self::handles(actor, site, unit) {
                    return Err(actor.principal.refusal(
                        site,
                        "只有本网站办公室或该事项的办理部门可以办理",
                        "没有这份办事申请",
                    ));
                }
                let entry = self
                    .office_entry(
                        actor,
                        site,
                        &format!("service_application.{}", to.trim()),
                        format!("service_application:{id}"),
                        None,
                    )
                    .await?;
                (entry, Some(actor.principal.id()), None)
            }
            Mover::System(caller) => {
                if caller.site != site {
                    return Err(missing());
                }
                let entry = AuditEntry {
                    actor: format!("service-token:{}", caller.token),
                    role: "business_system".into(),
                    site_code: Some(self.site_code_of(site).await?),
                    client: None,
                    action: format!("service_application.{}", to.trim()),
                    object: Some(format!("service_application:{id}")),
                    outcome: Audited::Success,
                    request_id: None,
                    detail: Some(caller.name.clone()),
                };
                (entry, None, Some(caller.token))
            }
        };
        let to = AppState::parse(to.trim())?;
        let from = AppState::parse(&state)?;
        service_flow::check_move(from, to)?;
        let note = match service_flow::needs_note(to) {
            Some(what) => Some(text(note, what, 2, 2000)?),
            None => Some(note.trim().to_string()).filter(|n| !n.is_empty()),
        };
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            // A refused application gives its appointment back (预约办理), once: the slot it
            // held is read here and the update below only succeeds while it still holds it, so
            // an applicant's 取消预约 at the same moment gives nothing back twice.
            let slot: Option<i64> =
                sqlx::query_scalar("SELECT slot_id FROM service_applications WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
            let n = sqlx::query(
                "UPDATE service_applications SET state = $1, \
                 accepted_at = CASE WHEN $1 = 'accepted' THEN $2 ELSE accepted_at END, \
                 finished_at = CASE WHEN $1 IN ('done', 'refused') THEN $2 ELSE finished_at END, \
                 reply = CASE WHEN $1 IN ('more_needed', 'refused') THEN $3 ELSE reply END, \
                 result = CASE WHEN $1 = 'done' THEN $3 ELSE result END, \
                 slot_id = CASE WHEN $1 = 'refused' THEN NULL ELSE slot_id END \
                 WHERE id = $4 AND state = $5 AND ($1 <> 'refused' OR COALESCE(slot_id, 0) = $6)",
            )
            .bind(to.as_str())
            .bind(now)
            .bind(&note)
            .bind(id)
            .bind(from.as_str())
            .bind(slot.unwrap_or(0))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if n == 0 {
                return Err(Error::conflict("该申请刚刚已被办理，请刷新后再试"));
            }
            if let (AppState::Refused, Some(slot)) = (to, slot) {
                give_back!(tx, slot);
            }
            sqlx::query(
                "INSERT INTO service_application_events (application_id, at, account_id, token_id, state, note) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(now)
            .bind(account)
            .bind(token)
            .bind(to.as_str())
            .bind(&note)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            if let Some(t) = token {
                sqlx::query("UPDATE service_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(t)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            commit_audited!(tx, &entry);
            Ok(to)
        })
    }

    /// The online applications `site` received in `[from, to)`, from natural persons and from
    /// legal persons or other organisations (those that name one): the annual report's
    /// 自然人办件量 and 法人办件量.
    pub async fn application_counts(
        &self,
        site: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        fetch!(
            self,
            one,
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN COALESCE(organisation, '') = '' THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN COALESCE(organisation, '') = '' THEN 0 ELSE 1 END), 0) \
                 FROM service_applications WHERE site_id = $1 \
                 AND submitted_at >= $2 AND submitted_at < $3"
            )
            .bind(site.0)
            .bind(from)
            .bind(to)
        )
    }

    /// The site of application `id`, if there is one.
    pub async fn application_site(&self, id: i64) -> Result<Option<i64>> {
        fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT site_id FROM service_applications WHERE id = $1").bind(id)
        )
    }

    // ---- service tokens ------------------------------------------------------------------

    /// Makes a service token for `site` (its administrator only): answers its id and the token,
    /// shown this once (only its hash is kept).
    pub async fn create_service_token(
        &self,
        actor: &Actor,
        site: SiteId,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(i64, String)> {
        self.token_admin(actor, site)?;
        let name = text(name, "业务系统名称", 2, 50)?;
        let token = format!(
            "zqs_{}",
            hex::encode(zhanqun_core::password::random_bytes())
                + &hex::encode(zhanqun_core::password::random_bytes())
        );
        let entry = self
            .office_entry(
                actor,
                site,
                "service_token.create",
                format!("site:{}", site.0),
                Some(name.clone()),
            )
            .await?;
        let id = on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO service_tokens (site_id, name, token_hash, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(site.0)
            .bind(&name)
            .bind(token_hash(&token))
            .bind(actor.principal.id())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
            commit_audited!(tx, &entry);
            Ok::<_, Error>(id)
        })?;
        Ok((id, token))
    }

    fn token_admin(&self, actor: &Actor, site: SiteId) -> Result<()> {
        if actor.principal.is_site_admin(site) {
            Ok(())
        } else {
            Err(actor.principal.refusal(
                site,
                "只有本网站的管理员可以管理业务系统令牌",
                "网站不存在",
            ))
        }
    }

    /// The tokens of `site` (its administrator only).
    pub async fn service_tokens(&self, actor: &Actor, site: SiteId) -> Result<Vec<ServiceToken>> {
        self.token_admin(actor, site)?;
        fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT id, name, created_at, revoked_at, last_used_at FROM service_tokens \
                 WHERE site_id = $1 ORDER BY id"
            )
            .bind(site.0)
        )
    }

    /// Revokes token `id` (its site's administrator only).
    pub async fn revoke_service_token(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<SiteId> {
        let site: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT site_id FROM service_tokens WHERE id = $1").bind(id)
        )?;
        let site = SiteId(site.ok_or_else(|| Error::not_found("令牌不存在"))?);
        if self.token_admin(actor, site).is_err() {
            return Err(Error::not_found("令牌不存在"));
        }
        let entry = self
            .office_entry(
                actor,
                site,
                "service_token.revoke",
                format!("service_token:{id}"),
                None,
            )
            .await?;
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            sqlx::query(
                "UPDATE service_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            commit_audited!(tx, &entry);
            Ok::<_, Error>(())
        })?;
        Ok(site)
    }

    /// The business system a bearer token names, if it is a live service token.
    pub async fn service_caller(&self, token: &str) -> Result<Option<ServiceCaller>> {
        let row: Option<(i64, i64, String)> = fetch!(
            self,
            optional,
            sqlx::query_as(
                "SELECT id, site_id, name FROM service_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
            )
            .bind(token_hash(token))
        )?;
        Ok(row.map(|(token, site, name)| ServiceCaller {
            token,
            site: SiteId(site),
            name,
        }))
    }
}

/// Which application a move is for.
pub enum Which<'a> {
    Id(i64),
    Receipt(&'a str),
}
