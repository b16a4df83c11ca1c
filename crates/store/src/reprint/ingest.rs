//! Ingesting an item: one transaction from the item record to every subscriber's placement
//! (see the module above); an item entered by hand waits as a draft for its own site's review.

use super::*;
use crate::fetch;

impl Store {
    /// A source's site code, the column it feeds on its own site, and how many other sites
    /// subscribe to it.
    async fn source_fan(&self, source: i64, owner: SiteId) -> Result<(SiteCode, ColumnId, usize)> {
        let (code, column, subscribers): (String, Option<i64>, i64) = fetch!(self, one, sqlx::query_as(
                "SELECT t.code, \
                 (SELECT column_id FROM reprint_subscriptions WHERE source_id = $1 AND site_id = $2), \
                 (SELECT COUNT(*) FROM reprint_subscriptions WHERE source_id = $1 AND site_id <> $2) \
                 FROM sites t WHERE t.id = $2",
            )
            .bind(source)
            .bind(owner.0))?;
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
        source: SourceId,
        item: &NewItem,
    ) -> Result<Ingested> {
        let source = source.0;
        let (owner, attribution): (i64, String) = fetch!(
            self,
            optional,
            sqlx::query_as("SELECT owner_site_id, attribution FROM reprint_sources WHERE id = $1")
                .bind(source)
        )?
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
                    let change = crate::history::article_change!(tx, article);
                    log_change!(self, tx, &change);
                    let mut entry = entry.clone();
                    entry.action = "reprint.update".into();
                    commit_audited!(tx, &entry);
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
                    commit_audited!(tx, &entry);
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
                commit_audited!(tx, &entry);
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
}
