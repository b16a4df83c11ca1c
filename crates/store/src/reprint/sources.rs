//! Sources and subscriptions: creating a source, subscribing sites to it, listing them as each
//! reader may see them, and the poll bookkeeping (due sources, the per-source lease, the outcome
//! of a poll, a poll asked for now, the hash of an item already in).

use super::*;
use crate::fetch;

impl Store {
    /// Creates a source owned by a site (its site administrator).
    pub async fn create_source(&self, actor: Option<&Actor>, s: &NewSource) -> Result<SourceId> {
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
        let res: Result<SourceId> = async { on_pool!(self, |p| {
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
            commit_audited!(tx, &entry);
            Ok(SourceId(id))
        }) }.await;
        res.map_err(|e| e.conflict_as(format!("已有名为“{}”的转载来源", s.name.trim())))
    }

    /// Subscribes a site to a source (that site's administrator): into which column, at once or
    /// after review, and whether items take the home-page slot.
    pub async fn subscribe(
        &self,
        actor: Option<&Actor>,
        source: SourceId,
        column: ColumnId,
        mode: ReprintMode,
        home_slot: bool,
    ) -> Result<i64> {
        let source = source.0;
        let (site, _, _) = self
            .column_ancestry(column)
            .await?
            .ok_or_else(|| Error::not_found(format!("栏目 {column} 不存在")))?;
        require_site_admin(actor, site)?;
        if self.source(SourceId(source)).await?.is_none() {
            return Err(Error::not_found(format!("转载来源 {source} 不存在")));
        }
        let entry = admin_entry(
            actor,
            "reprint.subscribe",
            format!("source:{source} column:{column} {}", mode.as_str()),
        );
        let ts = now();
        let res = insert_audited!(
            self,
            sqlx::query_scalar(
                "INSERT INTO reprint_subscriptions (source_id, site_id, column_id, mode, home_slot, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(source)
            .bind(site.0)
            .bind(column.0)
            .bind(mode.as_str())
            .bind(home_slot)
            .bind(ts),
            &entry
        );
        res.map_err(|e| e.conflict_as("该网站已订阅这个来源"))
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
    pub async fn source(&self, id: SourceId) -> Result<Option<Source>> {
        let id = id.0;
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
        fetch!(self, all, sqlx::query_as(
                "SELECT x.id, x.source_id, s.name AS source_name, x.site_id, st.code AS site_code, st.name AS site_name, \
                 x.column_id, c.name AS column_name, c.path AS column_path, x.mode, x.home_slot, x.created_at \
                 FROM reprint_subscriptions x JOIN reprint_sources s ON s.id = x.source_id \
                 JOIN sites st ON st.id = x.site_id JOIN columns c ON c.id = x.column_id \
                 WHERE ($1 IS NULL OR x.source_id = $1) AND ($2 IS NULL OR x.site_id = $2) \
                 ORDER BY st.code, s.name",
            )
            .bind(source)
            .bind(site.map(|s| s.0)))
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
        fetch!(
            self,
            all,
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(at)
        )
    }

    /// Takes the lease on polling a source for `ttl`, unless another node holds it: one UPDATE,
    /// so two nodes can't both win. True when this node holds it.
    pub async fn take_lease(
        &self,
        source: SourceId,
        node: &str,
        at: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<bool> {
        let source = source.0;
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
        source: SourceId,
        node: &str,
        outcome: &PollOutcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let source = source.0;
        let poll: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT poll_seconds FROM reprint_sources WHERE id = $1")
                .bind(source)
        )?;
        let next = at + chrono::Duration::seconds(poll.unwrap_or(60));
        // One statement: the outcome, the lease given up, and the next poll — poll_seconds from
        // now, unless someone asked for a poll while this one ran (next_poll_at cleared since
        // take_lease set it), which then happens at the next tick.
        crate::exec!(self, sqlx::query(
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
            .bind(next))?;
        Ok(())
    }

    /// Asks for a source to be polled at the next tick (the console's “立即抓取”).
    pub async fn poll_now(&self, actor: Option<&Actor>, source: SourceId) -> Result<()> {
        let source = source.0;
        let s = self
            .source(SourceId(source))
            .await?
            .ok_or_else(|| Error::not_found(format!("转载来源 {source} 不存在")))?;
        require_site_admin(actor, SiteId(s.owner_site_id))?;
        crate::exec!(
            self,
            sqlx::query("UPDATE reprint_sources SET next_poll_at = NULL WHERE id = $1")
                .bind(source)
        )?;
        Ok(())
    }

    /// The digest stored for an item, if it was ingested (`Some(None)`: ingested without one).
    pub async fn item_hash(&self, source: SourceId, guid: &str) -> Result<Option<Option<String>>> {
        let source = source.0;
        fetch!(
            self,
            optional,
            sqlx::query_scalar(
                "SELECT content_hash FROM reprint_items WHERE source_id = $1 AND guid = $2",
            )
            .bind(source)
            .bind(guid.trim())
        )
    }
}
