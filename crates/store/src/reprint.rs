//! Reprint (转载): a source (a feed, a site, or the province office's hand), the sites subscribed
//! to it, and the fan-out of each item: one canonical article owned by the source's site, and one
//! placement on every subscribing site — at once, or after that site's reviewer approves.
//!
//! Ingesting an item is one transaction: the item record (unique per source and guid), the
//! article, the owner's placement, every site's delivery record and placement, the audit record
//! and the change-log entry. A crash anywhere in it leaves nothing; ingesting the same item again
//! is a no-op. So each subscribed site ends with exactly one placement.

use chrono::{DateTime, Utc};
use serde::Serialize;
use zhanqun_core::*;

use crate::audit::append_audit;
use crate::content::insert_articles;
use crate::{
    Actor, ArticleInput, AuditEntry, Change, Outcome, Store, db_err, log_change, now, on_pool,
};

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
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ingested {
    pub article: ArticleId,
    /// False when the item had been ingested before (nothing was written).
    pub new: bool,
    pub placed: usize,
    pub pending: usize,
}

/// One site's delivery of one item, with its timeliness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub site_id: i64,
    pub article_id: i64,
    pub title: String,
    pub state: String,
    pub source_published_at: DateTime<Utc>,
    pub ingested_at: DateTime<Utc>,
    pub placed_at: Option<DateTime<Utc>>,
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

fn require_site_admin(actor: &Actor, site: SiteId) -> Result<()> {
    let ok = actor
        .principal
        .grants
        .iter()
        .any(|g| g.site_id == site && g.role == SiteRole::SiteAdmin);
    if ok {
        Ok(())
    } else {
        Err(Error::forbidden("此操作仅限该网站的网站管理员"))
    }
}

impl Store {
    /// Creates a source owned by a site (its site administrator).
    pub async fn create_source(&self, actor: &Actor, s: &NewSource) -> Result<i64> {
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
        match self.column_ancestry(s.owner_column).await? {
            Some((site, _, _)) if site == s.owner => {}
            _ => return Err(Error::invalid("来源的栏目须属于来源所属网站")),
        }
        let entry = actor.entry(
            "site_admin",
            None,
            "reprint.source.create",
            format!("source “{}”", s.name.trim()),
            Outcome::Success,
            None,
        );
        let ts = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO reprint_sources (name, kind, url, attribution, owner_site_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(s.name.trim())
            .bind(&s.kind)
            .bind(&s.url)
            .bind(s.attribution.trim())
            .bind(s.owner.0)
            .bind(ts)
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
        })
    }

    /// Subscribes a site to a source (that site's administrator): into which column, at once or
    /// after review, and whether items take the home-page slot.
    pub async fn subscribe(
        &self,
        actor: &Actor,
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
        let entry = actor.entry(
            "site_admin",
            None,
            "reprint.subscribe",
            format!("source:{source} column:{column} {}", mode.as_str()),
            Outcome::Success,
            None,
        );
        let ts = now();
        let res: Result<i64> = async {
            on_pool!(self, |p| {
                let mut tx = p.begin().await.map_err(db_err)?;
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
        if let Some(a) = actor
            && !a.principal.may_on_site(Act::Edit, owner)
        {
            return Err(Error::forbidden("您没有在来源所属网站录入信息的权限"));
        }
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
            published: true,
            published_at: Some(now()),
            ..Default::default()
        };
        let entry = match actor {
            Some(a) => a.entry(
                &a.principal.role_text(),
                None,
                "reprint.ingest",
                format!("source:{source} guid {guid}"),
                Outcome::Success,
                None,
            ),
            None => AuditEntry {
                actor: "system".into(),
                role: "system".into(),
                site_code: None,
                client: None,
                action: "reprint.ingest".into(),
                object: Some(format!("source:{source} guid {guid}")),
                outcome: Outcome::Success,
                request_id: None,
                detail: None,
            },
        };
        let ts = now();
        let mut changes: Vec<Change> = Vec::new();
        let result: Result<Ingested> = async {
            on_pool!(self, |p| {
                let mut tx = p.begin().await.map_err(db_err)?;
                let seen: Option<i64> = sqlx::query_scalar(
                    "SELECT article_id FROM reprint_items WHERE source_id = $1 AND guid = $2",
                )
                .bind(source)
                .bind(guid)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
                if let Some(article) = seen {
                    return Ok(Ingested {
                        article: ArticleId(article),
                        new: false,
                        placed: 0,
                        pending: 0,
                    });
                }
                let subs: Vec<(i64, i64, i64, String, bool)> = sqlx::query_as(
                    "SELECT id, site_id, column_id, mode, home_slot FROM reprint_subscriptions \
                     WHERE source_id = $1 ORDER BY id",
                )
                .bind(source)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
                let owner_column = subs
                    .iter()
                    .find(|s| s.1 == owner.0)
                    .map(|s| ColumnId(s.2))
                    .ok_or_else(|| Error::internal("source without its owner's subscription"))?;
                let items = vec![(input.clone(), vec![owner_column])];
                let ids = insert_articles!(tx, owner, &items, None, ts, changes);
                let article = ids
                    .first()
                    .copied()
                    .ok_or_else(|| Error::internal("no article created"))?;
                let item_id: i64 = sqlx::query_scalar(
                    "INSERT INTO reprint_items (source_id, guid, article_id, source_published_at, ingested_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(source)
                .bind(guid)
                .bind(article.0)
                .bind(item.published_at)
                .bind(ts)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                let (mut placed, mut pending) = (0, 0);
                let mut shown: Vec<(SiteId, ColumnId)> = Vec::new();
                for (sub, site, column, mode, home) in &subs {
                    let publish = mode == "publish";
                    sqlx::query(
                        "INSERT INTO reprint_deliveries (item_id, subscription_id, site_id, state, created_at, placed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(item_id)
                    .bind(sub)
                    .bind(site)
                    .bind(if publish { "placed" } else { "pending" })
                    .bind(ts)
                    .bind(publish.then_some(ts))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    if !publish {
                        pending += 1;
                        continue;
                    }
                    placed += 1;
                    if *site != owner.0 {
                        place!(tx, article.0, *site, *column, ts, *home);
                    }
                    shown.push((SiteId(*site), ColumnId(*column)));
                }
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
                    placed,
                    pending,
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
            let mut tx = p.begin().await.map_err(db_err)?;
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
        on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT d.id, d.site_id, i.article_id, a.title, d.state, i.source_published_at, i.ingested_at, d.placed_at \
             FROM reprint_deliveries d JOIN reprint_items i ON i.id = d.item_id JOIN articles a ON a.id = i.article_id \
             WHERE d.site_id = $1 ORDER BY d.id DESC LIMIT 500"
        )
        .bind(site.0)
        .fetch_all(p)
        .await
        .map_err(db_err)
        })
    }
}
