//! Console page of 预约办理: a service item's appointment slots still to come (booked of
//! capacity) and the form that opens one. The site's office only (the store decides).

use std::sync::Arc;

use super::Form;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;
use zhanqun_core::{ArticleId, Error};
use zhanqun_store::NewSlot;

use super::{Notice, PageError, PageResult, Path, interaction_page, outcome_page, refusal_page};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

async fn slots_with(app: &App, a: &Authed, item: ArticleId, n: Notice) -> PageResult {
    let now = zhanqun_store::now();
    let (site, title, slots) = app.store().office_slots(&a.actor, item, now).await?;
    let mut bookings = app
        .store()
        .item_bookings(&a.actor, item, now, app.letters().keys())
        .await?;
    let rows: Vec<_> = slots
        .iter()
        .map(|s| {
            let booked: Vec<_> = bookings
                .remove(&s.id)
                .unwrap_or_default()
                .into_iter()
                .map(|b| {
                    let state = zhanqun_core::service_flow::AppState::parse(&b.state)
                        .map(|s| s.label())
                        .unwrap_or("");
                    json!({ "receipt": b.receipt, "name": b.name, "state": state })
                })
                .collect();
            json!({ "id": s.id, "starts": zhanqun_core::beijing::minute_text(s.starts_at),
                "ends": zhanqun_core::beijing::minute_text(s.ends_at),
                "place": s.place, "capacity": s.capacity, "booked": s.booked, "left": s.left(),
                "bookings": booked })
        })
        .collect();
    Ok(interaction_page(
        a,
        "appointments.html",
        &format!("{title} · 预约时段"),
        json!({ "item": { "id": item.0, "title": title }, "site_id": site, "slots": rows,
                "flash": n.flash, "error": n.error }),
    ))
}

async fn slots(State(app): State<Arc<App>>, a: Authed, Path(id): Path<ArticleId>) -> PageResult {
    slots_with(&app, &a, id, Notice::default()).await
}

#[derive(Deserialize)]
struct SlotForm {
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    capacity: String,
}

/// A Beijing time as a browser's `datetime-local` sends it (`2026-12-08T09:00`).
fn at(v: &str, what: &str) -> Result<chrono::DateTime<chrono::Utc>, Error> {
    zhanqun_core::beijing::from_local_minute(v)
        .ok_or_else(|| Error::invalid(format!("{what}应为日期和时间，例如 2026-12-08 09:00")))
}

impl SlotForm {
    fn slot(&self) -> Result<NewSlot, Error> {
        Ok(NewSlot {
            starts_at: at(&self.starts, "开始时间")?,
            ends_at: at(&self.ends, "结束时间")?,
            place: self.place.clone(),
            capacity: self
                .capacity
                .trim()
                .parse::<i64>()
                .map_err(|_| Error::invalid("可预约人数应为整数"))?,
        })
    }
}

async fn open(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Form(f): Form<SlotForm>,
) -> PageResult {
    // Another site's item is "not found" whatever the form holds.
    app.store()
        .office_slots(&a.actor, id, zhanqun_store::now())
        .await?;
    let opened = match f.slot() {
        Ok(slot) => {
            app.store()
                .open_slot(&a.actor, id, &slot, zhanqun_store::now())
                .await
        }
        Err(e) => Err(e),
    };
    outcome_page(
        opened.map(|_| "已开放预约时段".to_string()),
        |e| matches!(e, Error::InvalidInput(_)),
        |n| slots_with(&app, &a, id, n),
    )
    .await
}

#[derive(Deserialize)]
struct CapacityForm {
    #[serde(default)]
    capacity: String,
}

/// 调整名额 or 停止预约 of one slot; back to its item's slots with what happened.
async fn change(app: &App, a: &Authed, slot: i64, capacity: Option<&str>) -> PageResult {
    let capacity = capacity
        .map(|c| {
            c.trim()
                .parse::<i64>()
                .map_err(|_| Error::invalid("可预约人数应为整数"))
        })
        .transpose();
    let changed = match capacity {
        Ok(c) => app
            .store()
            .change_slot(&a.actor, slot, c, zhanqun_store::now())
            .await
            .map(|item| (item, c)),
        Err(e) => Err(e),
    };
    match changed {
        Ok((item, c)) => {
            let note = match c {
                Some(c) => format!("已将可预约人数调整为 {c}"),
                None => "已停止这个时段的预约（已预约的保留）".to_string(),
            };
            slots_with(app, a, item, Notice::done(note)).await
        }
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            let item = app.store().slot_item(slot).await?;
            refusal_page(e, |msg| slots_with(app, a, item, Notice::refused(msg))).await
        }
        Err(e) => Err(PageError(e)),
    }
}

async fn capacity(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<CapacityForm>,
) -> PageResult {
    change(&app, &a, id, Some(&f.capacity)).await
}

async fn close(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> PageResult {
    change(&app, &a, id, None).await
}

pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/articles/{id}/slots", Session, "办事事项的预约时段", slots)
        .post("/articles/{id}/slots", Session, "开放一个预约时段", open)
        .post(
            "/slots/{id}/capacity",
            Session,
            "调整预约时段的人数",
            capacity,
        )
        .post(
            "/slots/{id}/close",
            Session,
            "停止一个预约时段的预约",
            close,
        )
}
