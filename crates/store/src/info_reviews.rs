//! Table 四 of a site's 政府信息公开工作年度报告 — 行政复议 and 行政诉讼 about its disclosure
//! decisions — as its office enters it for a year (`zhanqun_core::disclosure::Reviews`).

use chrono::{DateTime, Utc};
use zhanqun_core::disclosure::Reviews;
use zhanqun_core::{Error, Result, SiteId};

use crate::audit::commit_audited;
use crate::letters::is_office;
use crate::{Actor, BeginWrite, Store, db_err, fetch, on_pool};

impl Store {
    /// Table 四 of `site` for `year` as entered (all zero until it is).
    pub async fn info_request_reviews(&self, site: SiteId, year: i32) -> Result<Reviews> {
        let figures: Option<String> = fetch!(
            self,
            optional,
            sqlx::query_scalar(
                "SELECT figures FROM info_request_reviews WHERE site_id = $1 AND year = $2"
            )
            .bind(site.0)
            .bind(i64::from(year))
        )?;
        figures
            .map(|f| {
                serde_json::from_str(&f)
                    .map_err(|e| Error::internal(format!("stored table 四 does not parse: {e}")))
            })
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// The office of `site` enters table 四 for `year`: checked, written over what was there,
    /// audited with the figures.
    pub async fn set_info_request_reviews(
        &self,
        actor: &Actor,
        site: SiteId,
        year: i32,
        reviews: &Reviews,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !is_office(actor, site) {
            return Err(Error::not_found("网站不存在"));
        }
        reviews.check()?;
        let figures = serde_json::to_string(reviews).map_err(|e| Error::internal(e.to_string()))?;
        let entry = self
            .office_entry(
                actor,
                site,
                "info_request.reviews",
                format!("site:{} year:{year}", site.0),
                Some(figures.clone()),
            )
            .await?;
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO info_request_reviews (site_id, year, figures, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (site_id, year) DO UPDATE \
                 SET figures = excluded.figures, updated_at = excluded.updated_at",
            )
            .bind(site.0)
            .bind(i64::from(year))
            .bind(&figures)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            commit_audited!(tx, &entry);
            Ok(())
        })
    }
}
