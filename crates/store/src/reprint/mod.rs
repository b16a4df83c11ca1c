//! Reprint (转载): a source (a feed, a site, or the province office's hand), the sites subscribed
//! to it, and the fan-out of each item: one canonical article owned by the source's site, and one
//! placement on every subscribing site — at once, or after that site's reviewer approves.
//!
//! Ingesting an item is one transaction: the item record (unique per source and guid), the
//! article, the owner's placement, every site's delivery record and placement, the audit record
//! and the change-log entry. A crash anywhere in it leaves nothing; ingesting the same item again
//! is a no-op. So each subscribed site ends with exactly one placement.
//!
//! An item entered by hand (an actor, not a feed) is a workflow act: only a reviewer or an
//! administrator of the source's own column may enter one, and it becomes a draft of the
//! source's site, held (`reprint_items.held`) until that site's review and sign-off publish it;
//! the fan-out then runs in the publishing transaction ([`fan_out`], called by the editorial
//! `publish_now!`).

use crate::BeginWrite;
use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::*;

use crate::audit::{commit_audited, insert_audited};
use crate::content::insert_articles;
use crate::{
    Actor, ArticleInput, AuditEntry, Change, Outcome, Store, db_err, log_change, now, on_pool,
};

/// The fan-out of item `$item` (article `$article`) of source `$source`, owned by site
/// `$owner`, inside the caller's transaction: every subscriber's delivery record, the home-page
/// slot freed where the item takes it, every placement — thousands of sites in three
/// statements, not three per site. Evaluates to (placed, waiting for a site's reviewer, the
/// (site, column) pairs that show it, the owner's included). Run by a feed's ingest, and by the
/// publishing of an item entered by hand.
macro_rules! fan_out {
    ($tx:expr, $item:expr, $article:expr, $source:expr, $owner:expr, $ts:expr) => {{
        let (item, article, source, owner): (i64, i64, i64, i64) =
            ($item, $article, $source, $owner);
        let ts: DateTime<Utc> = $ts;
        let subs: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT site_id, column_id, mode FROM reprint_subscriptions \
             WHERE source_id = $1 ORDER BY id",
        )
        .bind(source)
        .fetch_all(&mut *$tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO reprint_deliveries (item_id, subscription_id, site_id, state, created_at, placed_at) \
             SELECT $1, id, site_id, CASE WHEN mode = 'publish' THEN 'placed' ELSE 'pending' END, $2, \
             CASE WHEN mode = 'publish' THEN $2 ELSE NULL END \
             FROM reprint_subscriptions WHERE source_id = $3",
        )
        .bind(item)
        .bind(ts)
        .bind(source)
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
        // Tests kill the process here, half-way through the fan-out.
        crate::failpoint("reprint.fanout");
        sqlx::query(
            "UPDATE placements SET home_slot = FALSE WHERE home_slot AND site_id IN \
             (SELECT site_id FROM reprint_subscriptions \
              WHERE source_id = $1 AND mode = 'publish' AND home_slot AND site_id <> $2)",
        )
        .bind(source)
        .bind(owner)
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO placements (article_id, site_id, column_id, pinned, sort_at, placed_at, home_slot) \
             SELECT $1, site_id, column_id, FALSE, $2, $2, home_slot FROM reprint_subscriptions \
             WHERE source_id = $3 AND mode = 'publish' AND site_id <> $4 \
             ON CONFLICT (article_id, site_id, column_id) DO NOTHING",
        )
        .bind(article)
        .bind(ts)
        .bind(source)
        .bind(owner)
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
        let shown: Vec<(SiteId, ColumnId)> = subs
            .iter()
            .filter(|s| s.2 == "publish")
            .map(|s| (SiteId(s.0), ColumnId(s.1)))
            .collect();
        let placed = shown.len();
        (placed, subs.len() - placed, shown)
    }};
}
pub(crate) use fan_out;

/// How a subscribing site takes an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReprintMode {
    /// Placed the moment the item is ingested.
    Publish,
    /// Waits for the site's own reviewer.
    Review,
}

impl ReprintMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReprintMode::Publish => "publish",
            ReprintMode::Review => "review",
        }
    }
}

/// A reprint source to create.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub name: String,
    /// `feed`, `site` or `manual`.
    pub kind: String,
    pub url: Option<String>,
    /// Shown as 来源 on every reprint, e.g. 中国政府网.
    pub attribution: String,
    /// The site that owns the canonical articles (the province portal).
    pub owner: SiteId,
    /// The owner's column the canonical articles are placed in.
    pub owner_column: ColumnId,
    /// How often a feed is polled (seconds; default 60).
    pub poll_seconds: Option<i64>,
    /// CSS selector of the body on an item's page, for feeds that carry only a summary.
    pub extract_selector: Option<String>,
}

/// An item to ingest.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// Unique within the source (the feed's guid or link).
    pub guid: String,
    pub title: String,
    pub summary: Option<String>,
    /// Sanitised on ingest.
    pub body_html: String,
    /// The original page.
    pub link: Option<String>,
    pub published_at: DateTime<Utc>,
    /// A digest of what the source said (title, summary, body, update time). When an item
    /// already ingested comes again with another digest, the source corrected it: the canonical
    /// article takes the new text, on every site at once.
    pub hash: Option<String>,
}

/// What a person typed to enter an item by hand (the console's form, the API's body).
#[derive(Debug, Clone, Default)]
pub struct HandItem<'a> {
    pub title: &'a str,
    pub summary: Option<&'a str>,
    pub body_html: &'a str,
    pub link: Option<&'a str>,
    /// Unique within the source; default: the link, or a new id.
    pub guid: Option<&'a str>,
    /// When the source published it; default: `now`.
    pub published_at: Option<DateTime<Utc>>,
}

impl NewItem {
    /// The item entered by hand, checked the same way wherever it is typed: a title and a body,
    /// a link to the original only over http or https; blanks are absent.
    pub fn by_hand(h: &HandItem<'_>, now: DateTime<Utc>) -> Result<NewItem> {
        let text = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let title = h.title.trim();
        if title.is_empty() || h.body_html.trim().is_empty() {
            return Err(Error::invalid("请填写标题和正文"));
        }
        let link = text(h.link);
        if let Some(l) = &link
            && !(l.starts_with("https://") || l.starts_with("http://"))
        {
            return Err(Error::invalid("原文链接须以 http:// 或 https:// 开头"));
        }
        let guid = text(h.guid)
            .or_else(|| link.clone())
            .unwrap_or_else(|| format!("manual-{}", uuid::Uuid::now_v7()));
        Ok(NewItem {
            guid,
            title: title.to_string(),
            summary: text(h.summary),
            body_html: h.body_html.to_string(),
            link,
            published_at: h.published_at.unwrap_or(now),
            hash: None,
        })
    }
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ingested {
    pub article: ArticleId,
    /// False when the item had been ingested before.
    pub new: bool,
    /// True when an item ingested before came with new text (a correction at the source).
    pub updated: bool,
    pub placed: usize,
    pub pending: usize,
    /// True when the item was entered by hand: a draft of the source's site, fanned out when
    /// that site publishes it.
    pub held: bool,
}

/// One site's delivery of one item, with its timeliness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Delivery {
    #[sqlx(try_from = "i64")]
    pub id: DeliveryId,
    #[sqlx(try_from = "i64")]
    pub site_id: SiteId,
    pub site_code: String,
    pub site_name: String,
    /// The subscribing column.
    pub column_id: i64,
    pub article_id: i64,
    /// The site that owns the article (the source's site).
    pub article_site_id: i64,
    pub title: String,
    /// `placed`, `pending` (waiting for the site's reviewer) or `detached` (the site keeps its
    /// own copy, which no longer follows the source).
    #[sqlx(try_from = "String")]
    pub state: DeliveryState,
    pub source_published_at: DateTime<Utc>,
    pub ingested_at: DateTime<Utc>,
    pub placed_at: Option<DateTime<Utc>>,
    /// The first time a public page of the site showed it.
    pub shown_at: Option<DateTime<Utc>>,
    /// When the pending approval raised its deadline alert.
    pub alerted_at: Option<DateTime<Utc>>,
}

/// The columns every delivery query selects, for [`Delivery`].
const DELIVERY_COLS: &str = "SELECT d.id, d.site_id, st.code AS site_code, st.name AS site_name, sub.column_id, \
     i.article_id, a.site_id AS article_site_id, a.title, d.state, i.source_published_at, i.ingested_at, d.placed_at, d.shown_at, d.alerted_at \
     FROM reprint_deliveries d JOIN reprint_items i ON i.id = d.item_id JOIN articles a ON a.id = i.article_id \
     JOIN sites st ON st.id = d.site_id JOIN reprint_subscriptions sub ON sub.id = d.subscription_id";

/// A delivery's timeliness facts ([`Store::delivery_times_since`]).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryTime {
    pub id: i64,
    pub site_id: i64,
    #[sqlx(try_from = "String")]
    pub state: DeliveryState,
    pub source_published_at: DateTime<Utc>,
    pub placed_at: Option<DateTime<Utc>>,
}

/// A reprint source with its polling state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Source {
    #[sqlx(try_from = "i64")]
    pub id: SourceId,
    pub name: String,
    pub kind: String,
    pub url: Option<String>,
    pub attribution: String,
    pub owner_site_id: i64,
    pub owner_code: String,
    pub owner_name: String,
    pub poll_seconds: i64,
    pub extract_selector: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next_poll_at: Option<DateTime<Utc>>,
    pub last_polled_at: Option<DateTime<Utc>>,
    /// `ok`, `not_modified` or `error`.
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub subscriptions: i64,
    pub items: i64,
    /// The column the source feeds on its own site.
    pub owner_column_id: Option<i64>,
}

impl Source {
    /// The source as `p` may see it. Those with a role on the owning site, and the province
    /// auditor, see all of it; anyone else (a site choosing what to subscribe to) sees its name,
    /// owner, kind and whether its polls succeed — not its address, its HTTP validators, its
    /// body selector or its error messages, which describe the owner's systems.
    pub fn seen_by(mut self, p: &Principal) -> Source {
        if !p.may_on_site(Act::Read, SiteId(self.owner_site_id)) {
            self.url = None;
            self.etag = None;
            self.last_modified = None;
            self.extract_selector = None;
            self.last_error = None;
        }
        self
    }
}

/// A site's subscription to a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Subscription {
    pub id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub site_id: i64,
    pub site_code: String,
    pub site_name: String,
    pub column_id: i64,
    pub column_name: String,
    pub column_path: String,
    pub mode: String,
    pub home_slot: bool,
    pub created_at: DateTime<Utc>,
}

/// What one poll of a feed found, to record on the source.
#[derive(Debug, Clone, Default)]
pub struct PollOutcome {
    /// `ok`, `not_modified` or `error`.
    pub status: &'static str,
    pub error: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A pending approval that has just raised its deadline alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub delivery: i64,
    pub site_code: String,
    pub title: String,
    pub source_published_at: DateTime<Utc>,
}

/// Places an article in a column of a site (once), optionally in the site's home-page slot.
macro_rules! place {
    ($tx:expr, $article:expr, $site:expr, $column:expr, $ts:expr, $home:expr) => {{
        if $home {
            sqlx::query("UPDATE placements SET home_slot = FALSE WHERE site_id = $1 AND home_slot")
                .bind($site)
                .execute(&mut *$tx)
                .await
                .map_err(db_err)?;
        }
        sqlx::query(
            "INSERT INTO placements (article_id, site_id, column_id, pinned, sort_at, placed_at, home_slot) \
             VALUES ($1, $2, $3, FALSE, $4, $4, $5) ON CONFLICT (article_id, site_id, column_id) DO NOTHING",
        )
        .bind($article)
        .bind($site)
        .bind($column)
        .bind($ts)
        .bind($home)
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
    }};
}

/// The audit record of something the platform itself did (the feed poller, the CLI).
pub(crate) fn system_entry(action: &str, object: String, detail: Option<String>) -> AuditEntry {
    AuditEntry {
        actor: "system".into(),
        role: "system".into(),
        site_code: None,
        client: None,
        action: action.into(),
        object: Some(object),
        outcome: Outcome::Success,
        request_id: None,
        detail,
    }
}

/// The audit record of `actor` doing `action` as site administrator, or of the system (`None`).
fn admin_entry(actor: Option<&Actor>, action: &str, object: String) -> AuditEntry {
    match actor {
        Some(a) => a.entry("site_admin", None, action, object, Outcome::Success, None),
        None => system_entry(action, object, None),
    }
}

/// `None` is the platform itself (CLI, demo loader): allowed.
fn require_site_admin(actor: Option<&Actor>, site: SiteId) -> Result<()> {
    let Some(actor) = actor else { return Ok(()) };
    if actor.principal.is_site_admin(site) {
        Ok(())
    } else {
        Err(Error::forbidden("此操作仅限该网站的网站管理员"))
    }
}

// After the macros above: `macro_rules!` are visible to the modules declared below them.
mod deliveries;
mod ingest;
mod sources;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_item_by_hand_needs_a_title_a_body_and_a_web_link() {
        let now = Utc::now();
        let item = |title, body, link| HandItem {
            title,
            body_html: body,
            link,
            ..Default::default()
        };
        assert!(NewItem::by_hand(&item(" ", "<p>x</p>", None), now).is_err());
        assert!(NewItem::by_hand(&item("标题", "  ", None), now).is_err());
        let bad = NewItem::by_hand(&item("标题", "<p>x</p>", Some("javascript:alert(1)")), now);
        assert!(matches!(bad, Err(Error::InvalidInput(m)) if m.contains("http")));
        let ok = NewItem::by_hand(
            &item(" 标题 ", "<p>x</p>", Some(" https://www.gov.cn/a.htm ")),
            now,
        )
        .unwrap();
        assert_eq!(ok.title, "标题");
        assert_eq!(ok.guid, "https://www.gov.cn/a.htm");
        assert_eq!(ok.link.as_deref(), Some("https://www.gov.cn/a.htm"));
        assert_eq!(ok.published_at, now);
        let anon = NewItem::by_hand(&item("标题", "<p>x</p>", Some("")), now).unwrap();
        assert!(anon.guid.starts_with("manual-") && anon.link.is_none());
    }
}
