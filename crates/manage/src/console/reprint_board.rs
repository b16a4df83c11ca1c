//! The reprint timeliness board: every site's reprints of the last days, on time or late, and
//! the late ones listed.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};
use zhanqun_core::SiteId;
use zhanqun_core::timeliness::Standing;

use super::reprint::{admin_sites, delivery_view};
use super::{PageResult, Query, page, render};
use crate::auth::{Access, Authed, Routes};
use zhanqun_web::App;

// ---- the timeliness board -----------------------------------------------------------------

#[derive(Deserialize)]
struct BoardQuery {
    #[serde(default)]
    days: Option<i64>,
    /// The page of the list of sites.
    page: Option<String>,
}

/// Late and overdue reprints the board lists (the count is of all of them; each site's page
/// lists its own in full).
const BOARD_LATE_SHOWN: usize = 100;

/// A site's line on the timeliness board.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct BoardLine {
    site_id: i64,
    code: String,
    name: String,
    total: i64,
    on_time: i64,
    /// Not yet on the site (awaiting review), whatever its standing.
    pending: i64,
    late: i64,
    overdue: i64,
    /// The time the site's newest placed delivery took, and its title.
    last_delay: Option<String>,
    last_title: Option<String>,
}

impl BoardLine {
    fn count(&mut self, standing: Standing, placed: bool) {
        self.total += 1;
        match standing {
            Standing::OnTime => self.on_time += 1,
            Standing::Pending => self.pending += 1,
            Standing::Late => self.late += 1,
            Standing::Overdue => self.overdue += 1,
        }
        if !placed && standing != Standing::Pending {
            self.pending += 1;
        }
    }
}

async fn board(State(app): State<Arc<App>>, a: Authed, Query(q): Query<BoardQuery>) -> PageResult {
    let p = &a.actor.principal;
    let days = q.days.unwrap_or(7).clamp(1, 90);
    let now = zhanqun_store::now();
    let deadlines = app.config().deadlines();
    // The province auditor and the offices that own a source see every site; others their own.
    let owners: Vec<i64> = app
        .store()
        .sources()
        .await?
        .iter()
        .map(|s| s.owner_site_id)
        .collect();
    let sees_all = p.sees_every_site() || admin_sites(&a).iter().any(|s| owners.contains(&s.0));
    let since = now - chrono::Duration::days(days);
    // Tallied from the deliveries' times alone (the province's week is some 10,000); titles
    // and names are read for what the page shows: the late ones listed and each shown site's
    // last delivery.
    let sites = app.sites().await?;
    let site_of: HashMap<SiteId, &zhanqun_core::Site> = sites.iter().map(|s| (s.id, s)).collect();
    let mut lines: HashMap<i64, BoardLine> = HashMap::new();
    let mut late: Vec<(String, i64)> = Vec::new();
    for d in app.store().delivery_times_since(since).await? {
        let site = SiteId(d.site_id);
        if !sees_all && !p.may_on_site(zhanqun_core::Act::Read, site) {
            continue;
        }
        let Some(s) = site_of.get(&site) else {
            continue;
        };
        let line = lines.entry(d.site_id).or_insert_with(|| BoardLine {
            site_id: d.site_id,
            code: s.code.to_string(),
            name: s.name.clone(),
            ..BoardLine::default()
        });
        let standing = deadlines.standing(d.source_published_at, d.placed_at, now);
        line.count(standing, d.placed_at.is_some());
        if standing.is_late() {
            late.push((line.code.clone(), d.id));
        }
    }
    let mut rows: Vec<BoardLine> = lines.into_values().collect();
    rows.sort_by(|x, y| x.code.cmp(&y.code));
    let totals = json!({
        "sites": rows.len(),
        "deliveries": rows.iter().map(|r| r.total).sum::<i64>(),
        "on_time": rows.iter().map(|r| r.on_time).sum::<i64>(),
        "late": late.len(),
    });
    // The late ones by site code, newest first within a site.
    late.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
    late.truncate(BOARD_LATE_SHOWN);
    let order: HashMap<i64, usize> = late.iter().enumerate().map(|(i, l)| (l.1, i)).collect();
    let ids: Vec<i64> = late.iter().map(|l| l.1).collect();
    let mut listed = app.store().deliveries_by_id(&ids).await?;
    listed.sort_by_key(|d| order.get(&d.id.0).copied());
    let late: Vec<JsonValue> = listed
        .iter()
        .map(|d| delivery_view(d, &deadlines, now))
        .collect();
    let (shown, paging) = super::paged(
        &rows,
        q.page.as_deref(),
        &format!("/reprint/board?days={days}"),
    )?;
    let mut shown = shown.to_vec();
    let ids: Vec<SiteId> = shown.iter().map(|l| SiteId(l.site_id)).collect();
    let last: HashMap<SiteId, zhanqun_store::Delivery> = app
        .store()
        .last_placed(&ids, since)
        .await?
        .into_iter()
        .map(|d| (d.site_id, d))
        .collect();
    for line in &mut shown {
        if let Some(d) = last.get(&SiteId(line.site_id)) {
            line.last_delay = delivery_view(d, &deadlines, now)["delay"]
                .as_str()
                .map(str::to_string);
            line.last_title = Some(d.title.clone());
        }
    }
    Ok(render(
        "reprint_board.html",
        page(
            Some(&a),
            "reprint",
            "转载时效看板",
            json!({
                "rows": shown, "late": late, "days": days, "totals": totals, "paging": paging,
                "deadline_minutes": app.config().reprint.deadline_minutes,
                "alert_minutes": app.config().reprint.alert_minutes,
            }),
        ),
    ))
}

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/reprint/board", Access::Session, "转载时效看板", board)
}
