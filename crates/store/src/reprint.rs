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

use crate::audit::append_audit;
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
    pub id: i64,
    pub site_id: i64,
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
    pub state: String,
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
    pub site_id: i64,
    pub state: String,
    pub source_published_at: DateTime<Utc>,
    pub placed_at: Option<DateTime<Utc>>,
}

/// A reprint source with its polling state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Source {
    pub id: i64,
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

impl Store {
    /// Creates a source owned by a site (its site administrator).
    pub async fn create_source(&self, actor: Option<&Actor>, s: &NewSource) -> Result<i64> {
        require_site_admin(actor, s.owner)?;
        if !matches!(s.kind.as_str(), "feed" | "site" | "manual") {
            return Err(Error::invalid(format!(
                "转载来源类型“{}”无效：可选 feed、site、manual",
                s.kind
            )));
        }
        if s.name.trim().is_empty() || s.attribution.trim().is_empty() {
            return Err(Error::invalid("转载来源须有名称和来源署名"));
        }
        let url = s.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        if s.kind == "feed" {
            match url {
                Some(u) if u.starts_with("https://") || u.starts_with("http://") => {}
                _ => {
                    return Err(Error::invalid(
                        "订阅源须有以 http:// 或 https:// 开头的地址（RSS、Atom 或 JSON Feed）",
                    ));
                }
            }
        }
        let poll = s.poll_seconds.unwrap_or(60);
        if !(10..=86_400).contains(&poll) {
            return Err(Error::invalid("抓取间隔须在 10 秒到 1 天（86400 秒）之间"));
        }
        let selector = s
            .extract_selector
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        match self.column_ancestry(s.owner_column).await? {
            Some((site, _, _)) if site == s.owner => {}
            _ => return Err(Error::invalid("来源的栏目须属于来源所属网站")),
        }
        let entry = admin_entry(
            actor,
            "reprint.source.create",
            format!("source “{}”", s.name.trim()),
        );
        let ts = now();
        let res: Result<i64> = async { on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO reprint_sources (name, kind, url, attribution, owner_site_id, created_at, poll_seconds, extract_selector) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(s.name.trim())
            .bind(&s.kind)
            .bind(url)
            .bind(s.attribution.trim())
            .bind(s.owner.0)
            .bind(ts)
            .bind(poll)
            .bind(selector)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
            // The owner's own placement goes through a subscription like everyone else's.
            sqlx::query(
                "INSERT INTO reprint_subscriptions (source_id, site_id, column_id, mode, home_slot, created_at) \
                 VALUES ($1, $2, $3, 'publish', FALSE, $4)",
            )
            .bind(id)
            .bind(s.owner.0)
            .bind(s.owner_column.0)
            .bind(ts)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            append_audit!(tx, &entry);
            tx.commit().await.map_err(db_err)?;
            Ok(id)
        }) }.await;
        res.map_err(|e| match e {
            Error::Conflict(_) => Error::conflict(format!("已有名为“{}”的转载来源", s.name.trim())),
            other => other,
        })
    }

    /// Subscribes a site to a source (that site's administrator): into which column, at once or
    /// after review, and whether items take the home-page slot.
    pub async fn subscribe(
        &self,
        actor: Option<&Actor>,
        source: i64,
        column: ColumnId,
        mode: ReprintMode,
        home_slot: bool,
    ) -> Result<i64> {
        let (site, _, _) = self
            .column_ancestry(column)
            .await?
            .ok_or_else(|| Error::not_found(format!("栏目 {column} 不存在")))?;
        require_site_admin(actor, site)?;
        if self.source(source).await?.is_none() {
            return Err(Error::not_found(format!("转载来源 {source} 不存在")));
        }
        let entry = admin_entry(
            actor,
            "reprint.subscribe",
            format!("source:{source} column:{column} {}", mode.as_str()),
        );
        let ts = now();
        let res: Result<i64> = async {
            on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO reprint_subscriptions (source_id, site_id, column_id, mode, home_slot, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(source)
                .bind(site.0)
                .bind(column.0)
                .bind(mode.as_str())
                .bind(home_slot)
                .bind(ts)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                append_audit!(tx, &entry);
                tx.commit().await.map_err(db_err)?;
                Ok(id)
            })
        }
        .await;
        res.map_err(|e| match e {
            Error::Conflict(_) => Error::conflict("该网站已订阅这个来源"),
            other => other,
        })
    }

    /// A source's site code, the column it feeds on its own site, and how many other sites
    /// subscribe to it.
    async fn source_fan(&self, source: i64, owner: SiteId) -> Result<(SiteCode, ColumnId, usize)> {
        let (code, column, subscribers): (String, Option<i64>, i64) = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT t.code, \
                 (SELECT column_id FROM reprint_subscriptions WHERE source_id = $1 AND site_id = $2), \
                 (SELECT COUNT(*) FROM reprint_subscriptions WHERE source_id = $1 AND site_id <> $2) \
                 FROM sites t WHERE t.id = $2",
            )
            .bind(source)
            .bind(owner.0)
            .fetch_one(p)
            .await
            .map_err(db_err)
        })?;
        let column =
            column.ok_or_else(|| Error::internal("source without its owner's subscription"))?;
        Ok((
            SiteCode::parse(&code)?,
            ColumnId(column),
            usize::try_from(subscribers).unwrap_or(0),
        ))
    }

    /// Ingests an item of a source and fans it out to every subscribed site, in one transaction.
    /// `actor` is `None` for the fetcher (the audit log says `system`).
    pub async fn ingest(
        &self,
        actor: Option<&Actor>,
        source: i64,
        item: &NewItem,
    ) -> Result<Ingested> {
        let (owner, attribution): (i64, String) = on_pool!(self, |p| sqlx::query_as(
            "SELECT owner_site_id, attribution FROM reprint_sources WHERE id = $1"
        )
        .bind(source)
        .fetch_optional(p)
        .await
        .map_err(db_err))?
        .ok_or_else(|| Error::not_found(format!("转载来源 {source} 不存在")))?;
        let owner = SiteId(owner);
        let (owner_code, owner_column, subscribers) = self.source_fan(source, owner).await?;
        // By hand: a reviewer or administrator of the column the source feeds on its own site,
        // and the item waits for that site's review and sign-off.
        let role = match actor {
            Some(a) => {
                let (_, ancestry, _) = self
                    .column_ancestry(owner_column)
                    .await?
                    .ok_or_else(|| Error::not_found("来源栏目不存在"))?;
                match a.principal.require(Act::EnterReprint, owner, &ancestry) {
                    Ok(role) => Some(role),
                    Err(_) => {
                        return self
                            .refused(
                                a,
                                Some(owner_code.as_str()),
                                "reprint.ingest",
                                format!("source:{source}"),
                                Error::forbidden(
                                    "只有来源所属栏目的审核人员或网站管理员可以录入转载信息",
                                ),
                            )
                            .await;
                    }
                }
            }
            None => None,
        };
        let guid = item.guid.trim();
        if guid.is_empty() {
            return Err(Error::invalid("转载信息须有唯一标识（guid 或原文链接）"));
        }
        let input = ArticleInput {
            title: item.title.clone(),
            summary: item.summary.clone(),
            source: Some(attribution),
            source_url: item.link.clone(),
            body_html: sanitize::clean_html(&item.body_html),
            published: actor.is_none(),
            published_at: Some(now()),
            ..Default::default()
        };
        let entry = match (actor, &role) {
            (Some(a), Some(role)) => a.entry(
                role,
                Some(owner_code.as_str()),
                "reprint.ingest",
                format!("source:{source} guid {guid}"),
                Outcome::Success,
                Some(format!("草稿，本站审核签发后转发到 {subscribers} 个网站")),
            ),
            _ => AuditEntry {
                site_code: Some(owner_code.to_string()),
                ..system_entry(
                    "reprint.ingest",
                    format!("source:{source} guid {guid}"),
                    Some(format!("转发到 {subscribers} 个网站")),
                )
            },
        };
        let ts = now();
        let mut changes: Vec<Change> = Vec::new();
        let result: Result<Ingested> = async {
            on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                let seen: Option<(i64, i64, Option<String>)> = sqlx::query_as(
                    "SELECT id, article_id, content_hash FROM reprint_items WHERE source_id = $1 AND guid = $2",
                )
                .bind(source)
                .bind(guid)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
                if let Some((item_id, article, hash)) = seen {
                    // Corrections come from feeds; by hand, an article is edited in the console.
                    let corrected = actor.is_none() && item.hash.is_some() && hash != item.hash;
                    if !corrected {
                        return Ok(Ingested {
                            article: ArticleId(article),
                            new: false,
                            updated: false,
                            placed: 0,
                            pending: 0,
                            held: false,
                        });
                    }
                    // A correction at the source: the canonical article takes the new text,
                    // so every site that shows it (detached copies aside) shows the correction.
                    sqlx::query(
                        "UPDATE articles SET title = $1, summary = $2, body_html = $3, source_url = $4, updated_at = $5 \
                         WHERE id = $6",
                    )
                    .bind(input.title.trim())
                    .bind(&input.summary)
                    .bind(&input.body_html)
                    .bind(&input.source_url)
                    .bind(ts)
                    .bind(article)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    sqlx::query("UPDATE reprint_items SET content_hash = $1, updated_at = $2 WHERE id = $3")
                        .bind(&item.hash)
                        .bind(ts)
                        .bind(item_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    let change = crate::editorial::article_change!(tx, article);
                    log_change!(self, tx, &change);
                    let mut entry = entry.clone();
                    entry.action = "reprint.update".into();
                    append_audit!(tx, &entry);
                    tx.commit().await.map_err(db_err)?;
                    changes.push(change);
                    return Ok(Ingested {
                        article: ArticleId(article),
                        new: false,
                        updated: true,
                        placed: 0,
                        pending: 0,
                        held: false,
                    });
                }
                let by = actor.map(|a| (a.principal.id(), &entry));
                let items = vec![(input.clone(), vec![owner_column])];
                let ids = insert_articles!(tx, owner, &items, by, ts, changes);
                let article = ids
                    .first()
                    .copied()
                    .ok_or_else(|| Error::internal("no article created"))?;
                let item_id: i64 = sqlx::query_scalar(
                    "INSERT INTO reprint_items (source_id, guid, article_id, source_published_at, ingested_at, content_hash, held) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(source)
                .bind(guid)
                .bind(article.0)
                .bind(item.published_at)
                .bind(ts)
                .bind(&item.hash)
                .bind(actor.is_some())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                if actor.is_some() {
                    // A draft of the source's site: nothing is shown anywhere yet.
                    append_audit!(tx, &entry);
                    tx.commit().await.map_err(db_err)?;
                    return Ok(Ingested {
                        article,
                        new: true,
                        updated: false,
                        placed: 0,
                        pending: 0,
                        held: true,
                    });
                }
                let (placed, pending, shown) = fan_out!(tx, item_id, article.0, source, owner.0, ts);
                let change = Change::Article {
                    article,
                    placements: shown,
                    related: Vec::new(),
                };
                log_change!(self, tx, &change);
                // This change covers the owner's placement too: announce it once.
                changes.clear();
                changes.push(change);
                append_audit!(tx, &entry);
                tx.commit().await.map_err(db_err)?;
                Ok(Ingested {
                    article,
                    new: true,
                    updated: false,
                    placed,
                    pending,
                    held: false,
                })
            })
        }
        .await;
        let ingested = result?;
        for c in changes {
            self.notify(c);
        }
        Ok(ingested)
    }

    /// A reviewer of the subscribing column places a pending delivery.
    pub async fn approve_delivery(&self, actor: &Actor, delivery: i64) -> Result<()> {
        let row: Option<(i64, i64, i64, i64, bool, String)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT d.site_id, s.column_id, i.article_id, d.item_id, s.home_slot, d.state FROM reprint_deliveries d \
             JOIN reprint_subscriptions s ON s.id = d.subscription_id JOIN reprint_items i ON i.id = d.item_id \
             WHERE d.id = $1"
        )
        .bind(delivery)
        .fetch_optional(p)
        .await
        .map_err(db_err)
        })?;
        let (site, column, article, _, home, state) =
            row.ok_or_else(|| Error::not_found(format!("转载记录 {delivery} 不存在")))?;
        let (_, ancestry, _) = self
            .column_ancestry(ColumnId(column))
            .await?
            .ok_or_else(|| Error::not_found("栏目不存在"))?;
        if !actor.principal.may(Act::Read, SiteId(site), &ancestry) {
            return Err(Error::not_found(format!("转载记录 {delivery} 不存在")));
        }
        let role = actor
            .principal
            .require(Act::Review, SiteId(site), &ancestry)?;
        if state != "pending" {
            return Err(Error::conflict("该转载已处理"));
        }
        let entry = actor.entry(
            &role,
            None,
            "reprint.approve",
            format!("delivery:{delivery} article:{article}"),
            Outcome::Success,
            None,
        );
        let ts = now();
        let change = Change::Article {
            article: ArticleId(article),
            placements: vec![(SiteId(site), ColumnId(column))],
            related: Vec::new(),
        };
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = sqlx::query(
                "UPDATE reprint_deliveries SET state = 'placed', placed_at = $1 WHERE id = $2 AND state = 'pending'",
            )
            .bind(ts)
            .bind(delivery)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if n == 0 {
                return Err(Error::conflict("该转载已处理"));
            }
            place!(tx, article, site, column, ts, home);
            log_change!(self, tx, &change);
            append_audit!(tx, &entry);
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(())
        })?;
        self.notify(change);
        Ok(())
    }

    /// A site's deliveries, newest first, with their timeliness.
    pub async fn deliveries(&self, site: SiteId) -> Result<Vec<Delivery>> {
        let sql = format!("{DELIVERY_COLS} WHERE d.site_id = $1 ORDER BY d.id DESC LIMIT 500");
        on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(site.0)
                .fetch_all(p)
                .await
                .map_err(db_err)
        })
    }

    /// Every site's deliveries of items ingested since `since`, by site, newest first: what the
    /// timeliness board is computed from.
    pub async fn deliveries_since(&self, since: DateTime<Utc>) -> Result<Vec<Delivery>> {
        let sql = format!("{DELIVERY_COLS} WHERE i.ingested_at >= $1 ORDER BY st.code, d.id DESC");
        on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(since)
                .fetch_all(p)
                .await
                .map_err(db_err)
        })
    }

    /// Every delivery of items ingested since `since`, reduced to what timeliness needs: site,
    /// state, when the source published the item and when the site placed it. The overview and
    /// the national check count these for all sites; no title, site or subscription is joined.
    pub async fn delivery_times_since(&self, since: DateTime<Utc>) -> Result<Vec<DeliveryTime>> {
        on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT d.site_id, d.state, i.source_published_at, d.placed_at \
                 FROM reprint_items i JOIN reprint_deliveries d ON d.item_id = i.id \
                 WHERE i.ingested_at >= $1",
            )
            .bind(since)
            .fetch_all(p)
            .await
            .map_err(db_err)
        })
    }

    /// One site's deliveries of items ingested since `since`, newest first.
    pub async fn site_deliveries_since(
        &self,
        site: SiteId,
        since: DateTime<Utc>,
    ) -> Result<Vec<Delivery>> {
        let sql = format!(
            "{DELIVERY_COLS} WHERE d.site_id = $1 AND i.ingested_at >= $2 ORDER BY d.id DESC"
        );
        on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(site.0)
                .bind(since)
                .fetch_all(p)
                .await
                .map_err(db_err)
        })
    }

    /// Every delivery waiting for a site's approval (for the overdue gauge).
    pub async fn pending_deliveries(&self) -> Result<Vec<Delivery>> {
        let sql = format!("{DELIVERY_COLS} WHERE d.state = 'pending' ORDER BY d.id");
        on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(p)
                .await
                .map_err(db_err)
        })
    }

    /// Deliveries placed in `(after, until]` (for the delay histogram).
    pub async fn placed_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Delivery>> {
        let sql =
            format!("{DELIVERY_COLS} WHERE d.placed_at > $1 AND d.placed_at <= $2 ORDER BY d.id");
        on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(after)
                .bind(until)
                .fetch_all(p)
                .await
                .map_err(db_err)
        })
    }

    /// Pending deliveries the actor may approve (a reviewer of the subscribing column).
    pub async fn pending_for(&self, actor: &Actor) -> Result<Vec<Delivery>> {
        let sql =
            format!("{DELIVERY_COLS} WHERE d.state = 'pending' ORDER BY i.source_published_at");
        let rows: Vec<Delivery> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(p)
                .await
                .map_err(db_err)
        })?;
        let mut mine = Vec::new();
        let mut may: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
        for d in rows {
            if !actor
                .principal
                .grants
                .iter()
                .any(|g| g.site_id.0 == d.site_id)
            {
                continue;
            }
            // Pending deliveries share a few subscribing columns: one ancestry lookup a column.
            let ok = match may.get(&d.column_id) {
                Some(b) => *b,
                None => {
                    let b = match self.column_ancestry(ColumnId(d.column_id)).await? {
                        Some((site, ancestry, _)) => {
                            actor.principal.may(Act::Review, site, &ancestry)
                        }
                        None => false,
                    };
                    may.insert(d.column_id, b);
                    b
                }
            };
            if ok {
                mine.push(d);
            }
        }
        Ok(mine)
    }

    /// One delivery, if the actor may read the subscribing column.
    pub async fn delivery(&self, actor: &Actor, id: i64) -> Result<Delivery> {
        let sql = format!("{DELIVERY_COLS} WHERE d.id = $1");
        let row: Option<Delivery> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(p)
                .await
                .map_err(db_err)
        })?;
        let missing = || Error::not_found(format!("转载记录 {id} 不存在"));
        let d = row.ok_or_else(missing)?;
        match self.column_ancestry(ColumnId(d.column_id)).await? {
            Some((site, ancestry, _)) if actor.principal.may(Act::Read, site, &ancestry) => Ok(d),
            _ => Err(missing()),
        }
    }

    /// Every source with its polling state.
    pub async fn sources(&self) -> Result<Vec<Source>> {
        self.sources_where("TRUE", None).await
    }

    /// Every source, as the actor may see it ([`Source::seen_by`]).
    pub async fn sources_for(&self, actor: &Actor) -> Result<Vec<Source>> {
        Ok(self
            .sources()
            .await?
            .into_iter()
            .map(|s| s.seen_by(&actor.principal))
            .collect())
    }

    /// One source.
    pub async fn source(&self, id: i64) -> Result<Option<Source>> {
        Ok(self.sources_where("s.id = $1", Some(id)).await?.pop())
    }

    async fn sources_where(&self, filter: &str, id: Option<i64>) -> Result<Vec<Source>> {
        let sql = format!(
            "SELECT s.id, s.name, s.kind, s.url, s.attribution, s.owner_site_id, o.code AS owner_code, \
             o.name AS owner_name, s.poll_seconds, s.extract_selector, s.etag, s.last_modified, s.next_poll_at, \
             s.last_polled_at, s.last_status, s.last_error, \
             (SELECT COUNT(*) FROM reprint_subscriptions x WHERE x.source_id = s.id) AS subscriptions, \
             (SELECT COUNT(*) FROM reprint_items i WHERE i.source_id = s.id) AS items, \
             (SELECT x.column_id FROM reprint_subscriptions x \
               WHERE x.source_id = s.id AND x.site_id = s.owner_site_id) AS owner_column_id \
             FROM reprint_sources s JOIN sites o ON o.id = s.owner_site_id WHERE {filter} ORDER BY s.id"
        );
        on_pool!(self, |p| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            if let Some(id) = id {
                q = q.bind(id);
            }
            q.fetch_all(p).await.map_err(db_err)
        })
    }

    /// Subscriptions, of one source or one site or all.
    pub async fn subscriptions(
        &self,
        source: Option<i64>,
        site: Option<SiteId>,
    ) -> Result<Vec<Subscription>> {
        on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT x.id, x.source_id, s.name AS source_name, x.site_id, st.code AS site_code, st.name AS site_name, \
                 x.column_id, c.name AS column_name, c.path AS column_path, x.mode, x.home_slot, x.created_at \
                 FROM reprint_subscriptions x JOIN reprint_sources s ON s.id = x.source_id \
                 JOIN sites st ON st.id = x.site_id JOIN columns c ON c.id = x.column_id \
                 WHERE ($1 IS NULL OR x.source_id = $1) AND ($2 IS NULL OR x.site_id = $2) \
                 ORDER BY st.code, s.name",
            )
            .bind(source)
            .bind(site.map(|s| s.0))
            .fetch_all(p)
            .await
            .map_err(db_err)
        })
    }

    /// Feed sources whose next poll is due and that no node holds a lease on.
    pub async fn due_sources(&self, at: DateTime<Utc>) -> Result<Vec<Source>> {
        let due = "s.kind = 'feed' AND s.url IS NOT NULL AND (s.next_poll_at IS NULL OR s.next_poll_at <= $1) \
                   AND (s.lease_until IS NULL OR s.lease_until < $1)";
        let sql = format!(
            "SELECT s.id, s.name, s.kind, s.url, s.attribution, s.owner_site_id, o.code AS owner_code, \
             o.name AS owner_name, s.poll_seconds, s.extract_selector, s.etag, s.last_modified, s.next_poll_at, \
             s.last_polled_at, s.last_status, s.last_error, CAST(0 AS BIGINT) AS subscriptions, CAST(0 AS BIGINT) AS items, \
             CAST(NULL AS BIGINT) AS owner_column_id \
             FROM reprint_sources s JOIN sites o ON o.id = s.owner_site_id WHERE {due} ORDER BY s.id"
        );
        on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(at)
                .fetch_all(p)
                .await
                .map_err(db_err)
        })
    }

    /// Takes the lease on polling a source for `ttl`, unless another node holds it: one UPDATE,
    /// so two nodes can't both win. True when this node holds it.
    pub async fn take_lease(
        &self,
        source: i64,
        node: &str,
        at: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<bool> {
        let n = on_pool!(self, |p| {
            // While leased, the source is not due before the lease ends; a "poll now" during the
            // poll clears next_poll_at again, which finish_poll then keeps.
            sqlx::query(
                "UPDATE reprint_sources SET lease_owner = $1, lease_until = $2, next_poll_at = $2 \
                 WHERE id = $3 AND (lease_until IS NULL OR lease_until < $4 OR lease_owner = $1)",
            )
            .bind(node)
            .bind(at + ttl)
            .bind(source)
            .bind(at)
            .execute(p)
            .await
            .map_err(db_err)
            .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Records a poll's outcome, schedules the next one and gives up the lease.
    pub async fn finish_poll(
        &self,
        source: i64,
        node: &str,
        outcome: &PollOutcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let poll: Option<i64> = on_pool!(self, |p| {
            sqlx::query_scalar("SELECT poll_seconds FROM reprint_sources WHERE id = $1")
                .bind(source)
                .fetch_optional(p)
                .await
                .map_err(db_err)
        })?;
        let next = at + chrono::Duration::seconds(poll.unwrap_or(60));
        // One statement: the outcome, the lease given up, and the next poll — poll_seconds from
        // now, unless someone asked for a poll while this one ran (next_poll_at cleared since
        // take_lease set it), which then happens at the next tick.
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE reprint_sources SET etag = COALESCE($1, etag), last_modified = COALESCE($2, last_modified), \
                 last_polled_at = $3, last_status = $4, last_error = $5, lease_owner = NULL, lease_until = NULL, \
                 next_poll_at = CASE WHEN next_poll_at IS NULL THEN NULL ELSE $8 END \
                 WHERE id = $6 AND lease_owner = $7",
            )
            .bind(&outcome.etag)
            .bind(&outcome.last_modified)
            .bind(at)
            .bind(outcome.status)
            .bind(&outcome.error)
            .bind(source)
            .bind(node)
            .bind(next)
            .execute(p)
            .await
            .map_err(db_err)
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Asks for a source to be polled at the next tick (the console's “立即抓取”).
    pub async fn poll_now(&self, actor: Option<&Actor>, source: i64) -> Result<()> {
        let s = self
            .source(source)
            .await?
            .ok_or_else(|| Error::not_found(format!("转载来源 {source} 不存在")))?;
        require_site_admin(actor, SiteId(s.owner_site_id))?;
        on_pool!(self, |p| {
            sqlx::query("UPDATE reprint_sources SET next_poll_at = NULL WHERE id = $1")
                .bind(source)
                .execute(p)
                .await
                .map_err(db_err)
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The digest stored for an item, if it was ingested (`Some(None)`: ingested without one).
    pub async fn item_hash(&self, source: i64, guid: &str) -> Result<Option<Option<String>>> {
        on_pool!(self, |p| {
            sqlx::query_scalar(
                "SELECT content_hash FROM reprint_items WHERE source_id = $1 AND guid = $2",
            )
            .bind(source)
            .bind(guid.trim())
            .fetch_optional(p)
            .await
            .map_err(db_err)
        })
    }

    /// Records what public pages showed: each `(site, articles, when)` is one rendered page.
    /// The first time a page of a site showed a placed delivery is its `shown_at`. One query
    /// finds the deliveries still waiting to be shown; the updates share one transaction.
    pub async fn mark_shown(
        &self,
        shown: &[(SiteId, Vec<ArticleId>, DateTime<Utc>)],
    ) -> Result<u64> {
        if shown.is_empty() {
            return Ok(0);
        }
        let waiting: Vec<(i64, i64, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT d.id, d.site_id, i.article_id FROM reprint_deliveries d \
                 JOIN reprint_items i ON i.id = d.item_id \
                 WHERE d.state = 'placed' AND d.shown_at IS NULL",
            )
            .fetch_all(p)
            .await
            .map_err(db_err)
        })?;
        if waiting.is_empty() {
            return Ok(0);
        }
        let by_key: std::collections::HashMap<(i64, i64), i64> = waiting
            .into_iter()
            .map(|(id, site, article)| ((site, article), id))
            .collect();
        // The earliest showing of each delivery.
        let mut first: std::collections::HashMap<i64, DateTime<Utc>> =
            std::collections::HashMap::new();
        for (site, articles, at) in shown {
            for a in articles {
                if let Some(id) = by_key.get(&(site.0, a.0)) {
                    let t = first.entry(*id).or_insert(*at);
                    *t = (*t).min(*at);
                }
            }
        }
        if first.is_empty() {
            return Ok(0);
        }
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let mut n = 0;
            for (id, at) in &first {
                n += sqlx::query(
                    "UPDATE reprint_deliveries SET shown_at = $1 WHERE id = $2 AND shown_at IS NULL",
                )
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            }
            tx.commit().await.map_err(db_err)?;
            Ok(n)
        })
    }

    /// Pending approvals whose source was published at or before `before` and that have not
    /// alerted yet: marks them alerted and returns them (each alerts once, on one node).
    pub async fn raise_alerts(
        &self,
        before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Alert>> {
        let sql = format!(
            "{DELIVERY_COLS} WHERE d.state = 'pending' AND d.alerted_at IS NULL AND i.source_published_at <= $1"
        );
        let rows: Vec<Delivery> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(before)
                .fetch_all(p)
                .await
                .map_err(db_err)
        })?;
        let mut alerts = Vec::new();
        for d in rows {
            let n = on_pool!(self, |p| {
                sqlx::query(
                    "UPDATE reprint_deliveries SET alerted_at = $1 WHERE id = $2 AND alerted_at IS NULL",
                )
                .bind(at)
                .bind(d.id)
                .execute(p)
                .await
                .map_err(db_err)
                .map(|r| r.rows_affected())
            })?;
            if n == 1 {
                alerts.push(Alert {
                    delivery: d.id,
                    site_code: d.site_code,
                    title: d.title,
                    source_published_at: d.source_published_at,
                });
            }
        }
        Ok(alerts)
    }

    /// A site keeps its own copy of a reprint, which no longer follows the source: the copy is a
    /// new article of the site in the same column; the canonical article leaves the site. Only
    /// the site's administrator may, and the audit log says so.
    pub async fn detach(&self, actor: &Actor, delivery: i64) -> Result<ArticleId> {
        let d = self.delivery(actor, delivery).await?;
        let site = SiteId(d.site_id);
        require_site_admin(Some(actor), site)?;
        if d.state != "placed" {
            return Err(Error::conflict("只有已上线的转载可以转为本站副本"));
        }
        let original = self
            .article(ArticleId(d.article_id))
            .await?
            .ok_or_else(|| Error::not_found("转载的信息不存在"))?;
        if original.site_id == site {
            return Err(Error::invalid("来源所属网站的原文无需转为副本"));
        }
        let input = ArticleInput {
            title: original.title.clone(),
            subtitle: original.subtitle.clone(),
            summary: original.summary.clone(),
            author: original.author.clone(),
            source: original.source.clone(),
            source_url: original.source_url.clone(),
            body_html: original.body_html.clone(),
            published: true,
            published_at: Some(original.published_at),
            ..Default::default()
        };
        let entry = actor.entry(
            "site_admin",
            Some(&d.site_code),
            "reprint.detach",
            format!("delivery:{delivery} article:{}", d.article_id),
            Outcome::Success,
            Some("本站副本不再随来源更新或撤回".into()),
        );
        let ts = now();
        let column = ColumnId(d.column_id);
        let mut changes: Vec<Change> = Vec::new();
        let copy = async {
            on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                let home: Option<bool> = sqlx::query_scalar(
                    "SELECT home_slot FROM placements WHERE article_id = $1 AND site_id = $2 AND column_id = $3",
                )
                .bind(d.article_id)
                .bind(site.0)
                .bind(column.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
                let n = sqlx::query(
                    "UPDATE reprint_deliveries SET state = 'detached' WHERE id = $1 AND state = 'placed'",
                )
                .bind(delivery)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                if n == 0 {
                    return Err(Error::conflict("该转载刚刚已被处理，请刷新"));
                }
                sqlx::query("DELETE FROM placements WHERE article_id = $1 AND site_id = $2")
                    .bind(d.article_id)
                    .bind(site.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let items = vec![(input.clone(), vec![column])];
                let ids = insert_articles!(tx, site, &items, None, ts, changes);
                let copy = ids
                    .first()
                    .copied()
                    .ok_or_else(|| Error::internal("no copy created"))?;
                sqlx::query("UPDATE placements SET home_slot = $1 WHERE article_id = $2")
                    .bind(home.unwrap_or(false))
                    .bind(copy.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                sqlx::query("UPDATE reprint_deliveries SET copy_article_id = $1 WHERE id = $2")
                    .bind(copy.0)
                    .bind(delivery)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let gone = Change::Article {
                    article: ArticleId(d.article_id),
                    placements: vec![(site, column)],
                    related: Vec::new(),
                };
                log_change!(self, tx, &gone);
                changes.push(gone);
                append_audit!(tx, &entry);
                tx.commit().await.map_err(db_err)?;
                Ok(copy)
            })
        }
        .await?;
        for c in changes {
            self.notify(c);
        }
        Ok(copy)
    }

    /// A site subscribed late takes the source's items of the last `days` days that it doesn't
    /// have yet, through its subscription's mode (never into the home-page slot: they are old
    /// news). Returns how many it took.
    pub async fn backfill(
        &self,
        actor: Option<&Actor>,
        subscription: i64,
        days: i64,
    ) -> Result<usize> {
        if !(1..=365).contains(&days) {
            return Err(Error::invalid("补录天数须在 1 到 365 之间"));
        }
        let sub = self
            .subscriptions(None, None)
            .await?
            .into_iter()
            .find(|s| s.id == subscription)
            .ok_or_else(|| Error::not_found(format!("订阅 {subscription} 不存在")))?;
        let site = SiteId(sub.site_id);
        require_site_admin(actor, site)?;
        let entry = admin_entry(
            actor,
            "reprint.backfill",
            format!("subscription:{subscription} days:{days}"),
        );
        let ts = now();
        let since = ts - chrono::Duration::days(days);
        let publish = sub.mode == "publish";
        let column = ColumnId(sub.column_id);
        let mut shown = Vec::new();
        let taken = async {
            on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                let items: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT i.id, i.article_id FROM reprint_items i JOIN articles a ON a.id = i.article_id \
                     WHERE i.source_id = $1 AND i.ingested_at >= $2 AND a.status = 'published' \
                     AND NOT EXISTS (SELECT 1 FROM reprint_deliveries d WHERE d.item_id = i.id AND d.site_id = $3) \
                     ORDER BY i.id",
                )
                .bind(sub.source_id)
                .bind(since)
                .bind(site.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
                for (item, article) in &items {
                    sqlx::query(
                        "INSERT INTO reprint_deliveries (item_id, subscription_id, site_id, state, created_at, placed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(item)
                    .bind(subscription)
                    .bind(site.0)
                    .bind(if publish { "placed" } else { "pending" })
                    .bind(ts)
                    .bind(publish.then_some(ts))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    if publish {
                        place!(tx, *article, site.0, column.0, ts, false);
                        let change = Change::Article {
                            article: ArticleId(*article),
                            placements: vec![(site, column)],
                            related: Vec::new(),
                        };
                        log_change!(self, tx, &change);
                        shown.push(change);
                    }
                }
                append_audit!(tx, &entry);
                tx.commit().await.map_err(db_err)?;
                Ok::<_, Error>(items.len())
            })
        }
        .await?;
        for c in shown {
            self.notify(c);
        }
        Ok(taken)
    }
}
