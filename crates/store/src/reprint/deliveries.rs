//! Deliveries: what each subscribing site received and when it was shown, approvals and
//! detaching by a site's reviewer, the deadline alerts, the timeliness figures' reads, and
//! backfilling a new subscriber.

use super::*;
use crate::fetch;

impl Store {
    /// A reviewer of the subscribing column places a pending delivery.
    pub async fn approve_delivery(&self, actor: &Actor, delivery: DeliveryId) -> Result<()> {
        let delivery = delivery.0;
        let row: Option<(i64, i64, i64, i64, bool, String)> = fetch!(self, optional, sqlx::query_as(
            "SELECT d.site_id, s.column_id, i.article_id, d.item_id, s.home_slot, d.state FROM reprint_deliveries d \
             JOIN reprint_subscriptions s ON s.id = d.subscription_id JOIN reprint_items i ON i.id = d.item_id \
             WHERE d.id = $1"
        )
        .bind(delivery))?;
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
            commit_audited!(tx, &entry);
            Ok::<_, Error>(())
        })?;
        self.notify(change);
        Ok(())
    }

    /// A site's deliveries, newest first, with their timeliness.
    pub async fn deliveries(&self, site: SiteId) -> Result<Vec<Delivery>> {
        let sql = format!("{DELIVERY_COLS} WHERE d.site_id = $1 ORDER BY d.id DESC LIMIT 500");
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(site.0)
        )
    }

    /// Every site's deliveries of items ingested since `since`, by site, newest first (the
    /// CLI's report; the board tallies `delivery_times_since`).
    pub async fn deliveries_since(&self, since: DateTime<Utc>) -> Result<Vec<Delivery>> {
        let sql = format!("{DELIVERY_COLS} WHERE i.ingested_at >= $1 ORDER BY st.code, d.id DESC");
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(since)
        )
    }

    /// Every delivery of items ingested since `since`, reduced to what timeliness needs: site,
    /// state, when the source published the item and when the site placed it. The overview and
    /// the national check count these for all sites; no title, site or subscription is joined.
    pub async fn delivery_times_since(&self, since: DateTime<Utc>) -> Result<Vec<DeliveryTime>> {
        fetch!(
            self,
            pool all,
            sqlx::query_as(
                "SELECT d.id, d.site_id, d.state, i.source_published_at, d.placed_at \
                 FROM reprint_items i JOIN reprint_deliveries d ON d.item_id = i.id \
                 WHERE i.ingested_at >= $1",
            )
            .bind(since)
        )
    }

    /// The deliveries `ids` (those that exist), in no particular order.
    pub async fn deliveries_by_id(&self, ids: &[i64]) -> Result<Vec<Delivery>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{DELIVERY_COLS} WHERE d.id IN ({})", marks.join(", "));
        on_pool!(self, |p| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await.map_err(db_err)
        })
    }

    /// The newest delivery placed on each of `sites` among the items ingested since `since`
    /// (a site with none is left out).
    pub async fn last_placed(
        &self,
        sites: &[SiteId],
        since: DateTime<Utc>,
    ) -> Result<Vec<Delivery>> {
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (2..sites.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{DELIVERY_COLS} WHERE d.id IN (SELECT MAX(d2.id) FROM reprint_deliveries d2 \
             JOIN reprint_items i2 ON i2.id = d2.item_id WHERE d2.site_id IN ({}) \
             AND d2.placed_at IS NOT NULL AND i2.ingested_at >= $1 GROUP BY d2.site_id)",
            marks.join(", ")
        );
        on_pool!(self, |p| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(since);
            for s in sites {
                q = q.bind(s.0);
            }
            q.fetch_all(p).await.map_err(db_err)
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
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(site.0)
                .bind(since)
        )
    }

    /// Every delivery waiting for a site's approval (for the overdue gauge).
    pub async fn pending_deliveries(&self) -> Result<Vec<Delivery>> {
        let sql = format!("{DELIVERY_COLS} WHERE d.state = 'pending' ORDER BY d.id");
        fetch!(self, all, sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())))
    }

    /// Deliveries placed in `(after, until]` (for the delay histogram).
    pub async fn placed_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Delivery>> {
        let sql =
            format!("{DELIVERY_COLS} WHERE d.placed_at > $1 AND d.placed_at <= $2 ORDER BY d.id");
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(after)
                .bind(until)
        )
    }

    /// Pending deliveries the actor may approve (a reviewer of the subscribing column).
    pub async fn pending_for(&self, actor: &Actor) -> Result<Vec<Delivery>> {
        let sql =
            format!("{DELIVERY_COLS} WHERE d.state = 'pending' ORDER BY i.source_published_at");
        let rows: Vec<Delivery> =
            fetch!(self, all, sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())))?;
        let mut mine = Vec::new();
        let mut may: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
        for d in rows {
            if !actor
                .principal
                .grants
                .iter()
                .any(|g| g.site_id == d.site_id)
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
    pub async fn delivery(&self, actor: &Actor, id: DeliveryId) -> Result<Delivery> {
        let id = id.0;
        let sql = format!("{DELIVERY_COLS} WHERE d.id = $1");
        let row: Option<Delivery> = fetch!(
            self,
            optional,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id)
        )?;
        let missing = || Error::not_found(format!("转载记录 {id} 不存在"));
        let d = row.ok_or_else(missing)?;
        match self.column_ancestry(ColumnId(d.column_id)).await? {
            Some((site, ancestry, _)) if actor.principal.may(Act::Read, site, &ancestry) => Ok(d),
            _ => Err(missing()),
        }
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
        let waiting: Vec<(i64, i64, i64)> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT d.id, d.site_id, i.article_id FROM reprint_deliveries d \
                 JOIN reprint_items i ON i.id = d.item_id \
                 WHERE d.state = 'placed' AND d.shown_at IS NULL",
            )
        )?;
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
        let rows: Vec<Delivery> = fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(before)
        )?;
        let mut alerts = Vec::new();
        for d in rows {
            let n = crate::exec!(self, sqlx::query(
                    "UPDATE reprint_deliveries SET alerted_at = $1 WHERE id = $2 AND alerted_at IS NULL",
                )
                .bind(at)
                .bind(d.id.0))?;
            if n == 1 {
                alerts.push(Alert {
                    delivery: d.id.0,
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
    pub async fn detach(&self, actor: &Actor, delivery: DeliveryId) -> Result<ArticleId> {
        let delivery = delivery.0;
        let d = self.delivery(actor, DeliveryId(delivery)).await?;
        let site = d.site_id;
        require_site_admin(Some(actor), site)?;
        if !d.state.may_detach() {
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
                commit_audited!(tx, &entry);
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
        subscription: SubscriptionId,
        days: i64,
    ) -> Result<usize> {
        let subscription = subscription.0;
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
                commit_audited!(tx, &entry);
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
