//! 预约办理: the appointment slots of a service item (a time, a place, a capacity) that the
//! site's office opens, and the booking of one by an online application. A slot never takes
//! more bookings than its capacity, however many applicants press at once: the booking is a
//! conditional `UPDATE … WHERE booked < capacity` in the application's own transaction (and a
//! CHECK behind it); a refused application gives its place back.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::letters::text_field as text;
use zhanqun_core::{ArticleId, Error, Result, SiteId};

use crate::audit::{commit_audited, insert_audited};
use crate::letters::is_office;
use crate::{Actor, AuditEntry, BeginWrite, Store, db_err, fetch, on_pool};

/// A slot as the office opens it.
#[derive(Debug, Clone)]
pub struct NewSlot {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// 办理地点, e.g. the service hall's window.
    pub place: String,
    pub capacity: i64,
}

/// A slot with what is booked of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Slot {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub capacity: i64,
    pub booked: i64,
}

impl Slot {
    /// Places left.
    pub fn left(&self) -> i64 {
        (self.capacity - self.booked).max(0)
    }
}

/// A slot as stored (PostgreSQL's INTEGER is 32 bits).
#[derive(sqlx::FromRow)]
struct SlotRow {
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    place: String,
    capacity: i32,
    booked: i32,
}

/// An application as 取消预约 reads it: its id, its slot, its state and when the slot begins.
type Booked = (i64, Option<i64>, String, Option<DateTime<Utc>>);

/// What an applicant is told when the slot chosen cannot be booked.
pub(crate) const SLOT_TAKEN: &str =
    "您选的预约时段已约满或已过期，请重新选择时段（您填写的内容已保留）";

/// The most bookings one slot may take (a whole service hall's morning).
const MAX_CAPACITY: i64 = 500;

/// How far ahead a slot may be opened.
const MAX_DAYS_AHEAD: i64 = 120;

const COLS: &str = "id, starts_at, ends_at, place, capacity, booked";

impl Store {
    /// Opens an appointment slot of service item `item` (published or not, a service item of
    /// the site): the site's office only. Answers the slot's id.
    pub async fn open_slot(
        &self,
        actor: &Actor,
        item: ArticleId,
        slot: &NewSlot,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let site = self.service_item_site(item).await?;
        if !is_office(actor, site) {
            return Err(Error::not_found("没有这个办事事项"));
        }
        if slot.ends_at <= slot.starts_at {
            return Err(Error::invalid("预约时段的结束时间应晚于开始时间"));
        }
        if slot.ends_at - slot.starts_at > chrono::Duration::hours(12)
            || zhanqun_core::beijing::day(slot.starts_at)
                != zhanqun_core::beijing::day(slot.ends_at - chrono::Duration::seconds(1))
        {
            return Err(Error::invalid("预约时段应在同一天之内，且不超过 12 小时"));
        }
        if slot.starts_at <= now {
            return Err(Error::invalid("只能开放今后的预约时段"));
        }
        if slot.starts_at - now > chrono::Duration::days(MAX_DAYS_AHEAD) {
            return Err(Error::invalid(format!(
                "最多提前 {MAX_DAYS_AHEAD} 天开放预约时段"
            )));
        }
        if !(1..=MAX_CAPACITY).contains(&slot.capacity) {
            return Err(Error::invalid(format!(
                "可预约人数应为 1 至 {MAX_CAPACITY}"
            )));
        }
        let place = text(&slot.place, "办理地点", 2, 100)?;
        let entry = self
            .office_entry(
                actor,
                site,
                "appointment.open",
                format!("article:{}", item.0),
                Some(format!(
                    "{} 起，{} 人",
                    zhanqun_core::beijing::minute_text(slot.starts_at),
                    slot.capacity
                )),
            )
            .await?;
        insert_audited!(
            self,
            sqlx::query_scalar(
                "INSERT INTO appointment_slots (site_id, article_id, starts_at, ends_at, place, capacity, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(site.0)
            .bind(item.0)
            .bind(slot.starts_at)
            .bind(slot.ends_at)
            .bind(&place)
            .bind(slot.capacity as i32)
            .bind(now),
            &entry
        )
    }

    /// The slots of service item `item` still to come at `now`, soonest first: with `open`,
    /// only those with a place left (what the application form offers).
    pub async fn item_slots(
        &self,
        item: ArticleId,
        now: DateTime<Utc>,
        open: bool,
    ) -> Result<Vec<Slot>> {
        let left = if open { "AND booked < capacity" } else { "" };
        let rows: Vec<SlotRow> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM appointment_slots WHERE article_id = $1 AND starts_at > $2 {left} \
                 ORDER BY starts_at, id LIMIT 200"
            )))
            .bind(item.0)
            .bind(now)
        )?;
        Ok(rows
            .into_iter()
            .map(|r| Slot {
                id: r.id,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                place: r.place,
                capacity: i64::from(r.capacity),
                booked: i64::from(r.booked),
            })
            .collect())
    }

    /// The office's view of service item `item`'s slots still to come, full ones included,
    /// with the item's site and title (not the site's office: "not found").
    pub async fn office_slots(
        &self,
        actor: &Actor,
        item: ArticleId,
        now: DateTime<Utc>,
    ) -> Result<(SiteId, String, Vec<Slot>)> {
        let site = self.service_item_site(item).await?;
        if !is_office(actor, site) {
            return Err(Error::not_found("没有这个办事事项"));
        }
        let title: String = fetch!(
            self,
            one,
            sqlx::query_scalar("SELECT title FROM articles WHERE id = $1").bind(item.0)
        )?;
        Ok((site, title, self.item_slots(item, now, false).await?))
    }

    /// The office changes slot `slot`'s capacity (调整名额) to `capacity`, never below what is
    /// booked; `None` stops its bookings (停止预约): a slot nobody booked is removed, one with
    /// bookings keeps them and takes no more. Guarded against a booking made meanwhile (the
    /// UPDATE holds only while the booked count allows it). Answers the item it belongs to.
    pub async fn change_slot(
        &self,
        actor: &Actor,
        slot: i64,
        capacity: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<ArticleId> {
        let row: Option<(i64, i64, DateTime<Utc>, i32)> = fetch!(
            self,
            optional,
            sqlx::query_as(
                "SELECT site_id, article_id, starts_at, booked FROM appointment_slots WHERE id = $1"
            )
            .bind(slot)
        )?;
        let Some((site, item, starts_at, booked)) = row else {
            return Err(Error::not_found("没有这个预约时段"));
        };
        let (site, item, booked) = (SiteId(site), ArticleId(item), i64::from(booked));
        if !is_office(actor, site) {
            return Err(Error::not_found("没有这个预约时段"));
        }
        if starts_at <= now {
            return Err(Error::invalid("这个预约时段已经开始，不能再调整"));
        }
        if let Some(c) = capacity
            && !(booked.max(1)..=MAX_CAPACITY).contains(&c)
        {
            return Err(Error::invalid(format!(
                "已有 {booked} 人预约：可预约人数应为 {} 至 {MAX_CAPACITY}",
                booked.max(1)
            )));
        }
        let (action, detail) = match capacity {
            Some(c) => ("appointment.capacity", format!("{c} 人")),
            None => ("appointment.close", "停止预约".to_string()),
        };
        let entry = self
            .office_entry(actor, site, action, format!("slot:{slot}"), Some(detail))
            .await?;
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = match capacity {
                Some(c) => sqlx::query(
                    "UPDATE appointment_slots SET capacity = $1 WHERE id = $2 AND booked <= $1",
                )
                .bind(c as i32)
                .bind(slot)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected(),
                None => {
                    let removed = sqlx::query(
                        "DELETE FROM appointment_slots WHERE id = $1 AND booked = 0 \
                         AND NOT EXISTS (SELECT 1 FROM service_applications WHERE slot_id = $1)",
                    )
                    .bind(slot)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if removed == 1 {
                        1
                    } else {
                        sqlx::query(
                            "UPDATE appointment_slots SET capacity = booked WHERE id = $1 AND booked > 0",
                        )
                        .bind(slot)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected()
                    }
                }
            };
            if n != 1 {
                return Err(Error::conflict(
                    "刚有申请人预约了这个时段，请刷新页面后再调整",
                ));
            }
            commit_audited!(tx, &entry);
            Ok(item)
        })
    }

    /// The service item slot `slot` belongs to (not there: "not found").
    pub async fn slot_item(&self, slot: i64) -> Result<ArticleId> {
        let item: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT article_id FROM appointment_slots WHERE id = $1").bind(slot)
        )?;
        item.map(ArticleId)
            .ok_or_else(|| Error::not_found("没有这个预约时段"))
    }

    /// Who booked slot `slot` (the office only): each application's 受理编号, the applicant's
    /// name masked, its state.
    pub async fn slot_bookings(
        &self,
        actor: &Actor,
        slot: i64,
        keys: &zhanqun_core::pii::Keyring,
    ) -> Result<Vec<Booking>> {
        let site: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT site_id FROM appointment_slots WHERE id = $1").bind(slot)
        )?;
        match site {
            Some(s) if is_office(actor, SiteId(s)) => {}
            _ => return Err(Error::not_found("没有这个预约时段")),
        }
        let rows: Vec<BookingRow> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT slot_id, receipt_no, query_code, name_sealed, state \
                 FROM service_applications WHERE slot_id = $1 ORDER BY id"
            )
            .bind(slot)
        )?;
        rows.into_iter().map(|r| Ok(r.open(keys)?.1)).collect()
    }

    /// Who booked each of service item `item`'s slots still to come (the office only; the
    /// first 200, as the slots page lists them), by slot: what [`Store::slot_bookings`] gives
    /// for one slot, for the whole page in one query.
    pub async fn item_bookings(
        &self,
        actor: &Actor,
        item: ArticleId,
        now: DateTime<Utc>,
        keys: &zhanqun_core::pii::Keyring,
    ) -> Result<HashMap<i64, Vec<Booking>>> {
        let site = self.service_item_site(item).await?;
        if !is_office(actor, site) {
            return Err(Error::not_found("没有这个办事事项"));
        }
        let rows: Vec<BookingRow> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT a.slot_id, a.receipt_no, a.query_code, a.name_sealed, a.state \
                 FROM (SELECT id FROM appointment_slots WHERE article_id = $1 AND starts_at > $2 \
                 ORDER BY starts_at, id LIMIT 200) s \
                 JOIN service_applications a ON a.slot_id = s.id ORDER BY a.id"
            )
            .bind(item.0)
            .bind(now)
        )?;
        let mut by_slot: HashMap<i64, Vec<Booking>> = HashMap::new();
        for r in rows {
            let (slot, b) = r.open(keys)?;
            by_slot.entry(slot).or_default().push(b);
        }
        Ok(by_slot)
    }

    /// Whether `slot` is one of `item`'s still to come with a place left (else the conflict
    /// the booking would meet).
    pub(crate) async fn check_slot(
        &self,
        slot: i64,
        item: ArticleId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let free: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar(
                "SELECT id FROM appointment_slots \
                 WHERE id = $1 AND article_id = $2 AND starts_at > $3 AND booked < capacity"
            )
            .bind(slot)
            .bind(item.0)
            .bind(now)
        )?;
        free.map(|_| ()).ok_or_else(|| Error::conflict(SLOT_TAKEN))
    }

    /// The applicant gives up the appointment booked with application `receipt` of `site`
    /// (its 查询码 `code` needed): the place is free again, the application goes on without
    /// one. Answers whether there was one to give up; a slot that has begun, or an application
    /// already finished, keeps it.
    pub async fn cancel_booking(
        &self,
        site: SiteId,
        receipt: &str,
        code: &zhanqun_core::letters::QueryCode,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let row: Option<Booked> = fetch!(
            self,
            optional,
            sqlx::query_as(
                "SELECT sa.id, sa.slot_id, sa.state, sl.starts_at FROM service_applications sa \
                 LEFT JOIN appointment_slots sl ON sl.id = sa.slot_id \
                 WHERE sa.site_id = $1 AND sa.receipt_no = $2 AND sa.query_code = $3"
            )
            .bind(site.0)
            .bind(receipt)
            .bind(code.as_str())
        )?;
        let (id, slot, state, starts) =
            row.ok_or_else(|| Error::not_found("没有找到这份申请：请核对受理编号和查询码"))?;
        let Some(slot) = slot else { return Ok(false) };
        if matches!(state.as_str(), "refused" | "done") {
            return Err(Error::invalid("这份申请已经办结，无需取消预约"));
        }
        if starts.is_none_or(|s| s <= now) {
            return Err(Error::invalid(
                "预约时段已经开始，不能在网上取消；如不能前往，请致电办理部门",
            ));
        }
        let entry = AuditEntry::public(
            self.site_code_of(site).await?,
            "appointment.cancel",
            format!("service_application:{id} slot:{slot}"),
        );
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            // The application lets the slot go first, and only while it still holds it and is
            // open: a second click, or the office's 不予受理 at the same moment (which gives the
            // place back itself), finds nothing to let go, and nothing is given back twice.
            let n = sqlx::query(
                "UPDATE service_applications SET slot_id = NULL \
                 WHERE id = $1 AND slot_id = $2 AND state NOT IN ('refused', 'done')",
            )
            .bind(id)
            .bind(slot)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
            give_back!(tx, slot);
            sqlx::query(
                "INSERT INTO service_application_events (application_id, at, state, note) \
                 VALUES ($1, $2, $3, '申请人取消预约')",
            )
            .bind(id)
            .bind(now)
            .bind(&state)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            commit_audited!(tx, &entry);
            Ok(true)
        })
    }

    /// The site of service item `item` (a service item, whatever its state).
    pub(crate) async fn service_item_site(&self, item: ArticleId) -> Result<SiteId> {
        let site: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar(
                "SELECT a.site_id FROM articles a JOIN service_items si ON si.article_id = a.id WHERE a.id = $1"
            )
            .bind(item.0)
        )?;
        site.map(SiteId)
            .ok_or_else(|| Error::not_found("没有这个办事事项"))
    }
}

/// Books a place of `slot` for an application of `item` in transaction `$tx`, or refuses: the
/// slot is not this item's, has begun, or is full.
macro_rules! book_slot {
    ($tx:expr, $slot:expr, $item:expr, $now:expr) => {{
        let n = sqlx::query(
            "UPDATE appointment_slots SET booked = booked + 1 \
             WHERE id = $1 AND article_id = $2 AND starts_at > $3 AND booked < capacity",
        )
        .bind($slot)
        .bind($item)
        .bind($now)
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        if n != 1 {
            return Err(Error::conflict($crate::appointments::SLOT_TAKEN));
        }
    }};
}
pub(crate) use book_slot;

/// Gives a place of `$slot` back (in transaction `$tx`), after the application that held it
/// let it go in the same transaction.
macro_rules! give_back {
    ($tx:expr, $slot:expr) => {{
        sqlx::query(
            "UPDATE appointment_slots SET booked = booked - 1 WHERE id = $1 AND booked > 0",
        )
        .bind($slot)
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
    }};
}
pub(crate) use give_back;

/// One booking as the office sees it: the application's 受理编号, the applicant's name masked,
/// the application's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub receipt: String,
    pub name: String,
    pub state: String,
}

#[derive(sqlx::FromRow)]
struct BookingRow {
    slot_id: i64,
    receipt_no: String,
    query_code: String,
    name_sealed: String,
    state: String,
}

impl BookingRow {
    /// The slot and the booking, the applicant's name opened and masked.
    fn open(self, keys: &zhanqun_core::pii::Keyring) -> Result<(i64, Booking)> {
        let context = format!("service_application:{}", self.query_code);
        let name = keys.open("name", &context, &self.name_sealed)?;
        Ok((
            self.slot_id,
            Booking {
                receipt: self.receipt_no,
                name: zhanqun_core::letters::mask_name(&name),
                state: self.state,
            },
        ))
    }
}
