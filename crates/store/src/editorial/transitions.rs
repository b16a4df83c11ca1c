//! The workflow's steps on the store: the rules are `zhanqun_core::workflow`; here each step
//! commits with its event, audit record and change-log entry, and scheduled publishing runs.

use super::*;
use crate::fetch;

impl Store {
    /// Moves an article one step in the workflow, if the actor's grants allow that step in the
    /// article's column; nobody approves or signs what they wrote or submitted.
    pub async fn transition(&self, actor: &Actor, id: ArticleId, step: Transition) -> Result<()> {
        let action = format!("article.{}", step.name());
        let object = format!("article:{id}");
        let planned = self.plan_transition(actor, id, &step).await;
        let (loc, role, to) = match planned {
            Ok(p) => p,
            Err(e) => {
                let code = self.locate(id).await.ok().map(|l| l.site_code);
                return self
                    .refused(actor, code.as_deref(), &action, object, e)
                    .await;
            }
        };
        let detail = match &step {
            Transition::Reject { reason } | Transition::Withdraw { reason } => {
                Some(reason.trim().to_string())
            }
            Transition::Submit { .. } => Some("保密审查已确认".to_string()),
            _ => None,
        };
        let entry = actor.entry(
            &role,
            Some(&loc.site_code),
            &action,
            object,
            Outcome::Success,
            detail.clone(),
        );
        let ts = now();
        let me = actor.principal.id();
        let (publish_at, unpublish_at) = match &step {
            Transition::Approve {
                publish_at,
                unpublish_at,
            }
            | Transition::Sign {
                publish_at,
                unpublish_at,
            } => (*publish_at, *unpublish_at),
            _ => (None, None),
        };
        let from = loc.status;
        let change = async { on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = sqlx::query(
                "UPDATE articles SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            )
            .bind(to.as_str())
            .bind(ts)
            .bind(id.0)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if n == 0 {
                return Err(Error::conflict("该信息的状态刚刚已被他人改变，请刷新后再试"));
            }
            // What the step records besides the status: who took it and when, or its reason.
            let (sql, reason) = match &step {
                Transition::Submit { .. } => (
                    "UPDATE articles SET submitted_by = $1, submitted_at = $2, secrecy_confirmed = TRUE, \
                     reject_reason = NULL WHERE id = $3",
                    None,
                ),
                Transition::Approve { .. } => (
                    "UPDATE articles SET reviewed_by = $1, reviewed_at = $2 WHERE id = $3",
                    None,
                ),
                Transition::Sign { .. } => (
                    "UPDATE articles SET signed_by = $1, signed_at = $2 WHERE id = $3",
                    None,
                ),
                Transition::Reject { reason } => (
                    "UPDATE articles SET reject_reason = $1, reviewed_by = NULL, reviewed_at = NULL WHERE id = $2",
                    Some(reason.trim()),
                ),
                Transition::Withdraw { reason } => (
                    "UPDATE articles SET withdraw_reason = $1, unpublish_at = NULL WHERE id = $2",
                    Some(reason.trim()),
                ),
            };
            let q = sqlx::query(sql);
            let q = match reason {
                Some(reason) => q.bind(reason),
                None => q.bind(me).bind(ts),
            };
            q.bind(id.0).execute(&mut *tx).await.map_err(db_err)?;
            if to == ArticleStatus::Scheduled || to == ArticleStatus::Published {
                sqlx::query("UPDATE articles SET publish_at = $1, unpublish_at = $2 WHERE id = $3")
                    .bind(publish_at)
                    .bind(unpublish_at)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            if to == ArticleStatus::Published {
                publish_now!(tx, id.0, ts);
            }
            record_event!(tx, id.0, me, step.name(), from.as_str(), to.as_str(), detail.clone(), ts);
            append_audit!(tx, &entry);
            let change = if to == ArticleStatus::Published || from == ArticleStatus::Published {
                let change = article_change!(tx, id.0);
                log_change!(self, tx, &change);
                Some(change)
            } else {
                None
            };
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(change)
        }) }
        .await;
        match change {
            Ok(change) => {
                if let Some(c) = change {
                    self.notify(c);
                }
                Ok(())
            }
            Err(e) => {
                self.refused(
                    actor,
                    Some(&loc.site_code),
                    &action,
                    format!("article:{id}"),
                    e,
                )
                .await
            }
        }
    }

    /// Decides a transition: the article's current state, the role that allows it, the state
    /// it goes to.
    async fn plan_transition(
        &self,
        actor: &Actor,
        id: ArticleId,
        step: &Transition,
    ) -> Result<(Located, String, ArticleStatus)> {
        use zhanqun_core::workflow::Hands;
        let loc = self.locate(id).await?;
        let kind = step.step();
        let (loc, role) = self.locate_for(actor, id, kind.act(loc.status)).await?;
        let w = &loc.workflow;
        let hands = Hands {
            created_by: w.created_by,
            submitted_by: w.submitted_by,
            reviewed_by: w.reviewed_by,
        };
        let to = workflow::next(
            kind,
            loc.status,
            &hands,
            actor.principal.id(),
            loc.needs_signoff,
        )?;
        // What the step carries: the secrecy check, a reason, a publish time.
        let to = match step {
            Transition::Submit { secrecy_confirmed } if !secrecy_confirmed => {
                return Err(Error::invalid(
                    "送审前请确认该信息已通过保密审查（勾选“已保密审查”）",
                ));
            }
            Transition::Reject { reason } if reason.trim().is_empty() => {
                return Err(Error::invalid("退回时请填写退回理由"));
            }
            Transition::Withdraw { reason } if reason.trim().is_empty() => {
                return Err(Error::invalid("撤稿时请填写撤稿理由"));
            }
            Transition::Approve { publish_at, .. } | Transition::Sign { publish_at, .. }
                if to == ArticleStatus::Published =>
            {
                match publish_at {
                    Some(t) if *t > now() => ArticleStatus::Scheduled,
                    _ => ArticleStatus::Published,
                }
            }
            _ => to,
        };
        // A service item goes for review, and out, only with every key element of its guide.
        if matches!(
            step,
            Transition::Submit { .. } | Transition::Approve { .. } | Transition::Sign { .. }
        ) && let Some(guide) = self.service_guide(id).await?
        {
            let title = self.article(id).await?.map(|a| a.title).unwrap_or_default();
            zhanqun_core::service::publishable(&title, &guide, &self.service_elements)?;
        }
        // A data set, only with its licence, its fields and a file.
        if matches!(
            step,
            Transition::Submit { .. } | Transition::Approve { .. } | Transition::Sign { .. }
        ) && let Some(meta) = self.dataset(id).await?
        {
            meta.publishable()?;
        }
        Ok((loc, role, to))
    }

    /// Publishes scheduled articles whose time has come and takes down published ones whose
    /// unpublish time has passed. Run by the server every few seconds; the schedule is in the
    /// store, so it survives restarts. Returns (published, unpublished).
    pub async fn run_due(&self, at: DateTime<Utc>) -> Result<(u64, u64)> {
        let due: Vec<(i64, String)> = fetch!(
            self,
            all,
            sqlx::query_as(
                "SELECT a.id, s.code FROM articles a JOIN sites s ON s.id = a.site_id \
             WHERE a.status = 'scheduled' AND a.publish_at <= $1 ORDER BY a.publish_at LIMIT 100"
            )
            .bind(at)
        )?;
        let expired: Vec<(i64, String)> = fetch!(self, all, sqlx::query_as(
            "SELECT a.id, s.code FROM articles a JOIN sites s ON s.id = a.site_id \
             WHERE a.status = 'published' AND a.unpublish_at IS NOT NULL AND a.unpublish_at <= $1 LIMIT 100"
        )
        .bind(at))?;
        let mut counts = (0, 0);
        for (list, from, to, action) in [
            (&due, "scheduled", "published", "article.publish_scheduled"),
            (
                &expired,
                "published",
                "withdrawn",
                "article.unpublish_scheduled",
            ),
        ] {
            for (id, code) in list {
                let entry = AuditEntry {
                    actor: "system".into(),
                    role: "system".into(),
                    site_code: Some(code.clone()),
                    client: None,
                    action: action.into(),
                    object: Some(format!("article:{id}")),
                    outcome: Outcome::Success,
                    request_id: None,
                    detail: None,
                };
                let ts = now();
                let change = async { on_pool!(self, |p| {
                    let mut tx = p.begin_write().await.map_err(db_err)?;
                    let n = sqlx::query(
                        "UPDATE articles SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
                    )
                    .bind(to)
                    .bind(ts)
                    .bind(id)
                    .bind(from)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if n == 0 {
                        // Another node got there first.
                        return Ok::<_, Error>(None);
                    }
                    if to == "published" {
                        publish_now!(tx, *id, ts);
                    } else {
                        sqlx::query("UPDATE articles SET withdraw_reason = '定时下线' WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    record_event!(tx, *id, None::<i64>, action, from, to, None::<String>, ts);
                    append_audit!(tx, &entry);
                    Ok::<_, Error>(Some(commit_article_change!(self, tx, *id)))
                }) }
                .await?;
                if let Some(c) = change {
                    self.notify(c);
                    if to == "published" {
                        counts.0 += 1;
                    } else {
                        counts.1 += 1;
                    }
                }
            }
        }
        Ok(counts)
    }
}
