//! Sites, host names, units and columns.

use crate::BeginWrite;
use std::collections::{BTreeMap, HashMap, HashSet};

use zhanqun_core::*;

use crate::rows::{ColumnRow, SiteRow, column_cols, site_cols};
use crate::{Change, Store, db_err, fetch, log_change, now, on_pool};

/// A site as declared (by a tenants file or the console), ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteInput {
    pub code: SiteCode,
    pub name: String,
    pub kind: SiteKind,
    pub parent: Option<SiteCode>,
    pub region_code: String,
    pub status: SiteStatus,
    pub theme: String,
    pub index_pattern: String,
    pub footer: Footer,
    /// The HTTPS certificate files (empty: the default certificate).
    pub tls: TlsFiles,
    /// Host names, primary first. `<code>.localhost` is implicit and not listed here.
    pub hosts: Vec<Host>,
    pub units: Vec<String>,
    /// The kinds of letter the site takes and the leaders of its 领导信箱.
    pub letters: letters::LetterSettings,
    /// Columns, every parent before its children.
    pub columns: Vec<ColumnInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInput {
    pub path: ColumnPath,
    pub name: String,
    pub kind: ColumnKind,
    pub update_category: UpdateCategory,
    pub mandatory: bool,
    /// Articles need sign-off (签发) after review.
    pub needs_signoff: bool,
    pub sort_order: i64,
    pub link_url: Option<String>,
    pub body_html: Option<String>,
    pub unit: Option<String>,
    pub in_nav: bool,
}

/// A stored site with everything `SiteInput` declares, for planning.
#[derive(Debug, Clone)]
pub struct SiteRecord {
    pub site: Site,
    pub parent_code: Option<SiteCode>,
    pub units: Vec<(UnitId, String)>,
    pub columns: Vec<Column>,
}

impl Store {
    /// Every site, ordered by code, with its host names (primary first).
    pub async fn list_sites(&self) -> Result<Vec<Site>> {
        let rows: Vec<SiteRow> = fetch!(
            self,
            all,
            sqlx::query_as(concat!(
                "SELECT ",
                site_cols!(),
                " FROM sites ORDER BY code"
            ))
        )?;
        let mut hosts: HashMap<i64, Vec<String>> = HashMap::new();
        for (host, site_id) in self.host_rows().await? {
            hosts.entry(site_id).or_default().push(host);
        }
        rows.into_iter()
            .map(|r| {
                let h = hosts.remove(&r.id).unwrap_or_default();
                r.into_site(h)
            })
            .collect()
    }

    async fn host_rows(&self) -> Result<Vec<(String, i64)>> {
        fetch!(
            self,
            all,
            sqlx::query_as("SELECT host, site_id FROM site_hosts ORDER BY site_id, position")
        )
    }

    /// The configured host names and the site each belongs to.
    pub async fn hosts(&self) -> Result<Vec<(String, SiteId)>> {
        Ok(self
            .host_rows()
            .await?
            .into_iter()
            .map(|(h, s)| (h, SiteId(s)))
            .collect())
    }

    pub async fn site(&self, id: SiteId) -> Result<Option<Site>> {
        let row: Option<SiteRow> = fetch!(
            self,
            optional,
            sqlx::query_as(concat!(
                "SELECT ",
                site_cols!(),
                " FROM sites WHERE id = $1"
            ))
            .bind(id.0)
        )?;
        let Some(row) = row else { return Ok(None) };
        let hosts: Vec<String> = fetch!(
            self,
            all,
            sqlx::query_scalar("SELECT host FROM site_hosts WHERE site_id = $1 ORDER BY position")
                .bind(id.0)
        )?;
        row.into_site(hosts).map(Some)
    }

    pub async fn site_by_code(&self, code: &SiteCode) -> Result<Option<Site>> {
        let id: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT id FROM sites WHERE code = $1").bind(code.as_str())
        )?;
        match id {
            Some(id) => self.site(SiteId(id)).await,
            None => Ok(None),
        }
    }

    /// The columns of a site, ordered for display (sort order, then path).
    pub async fn columns(&self, site: SiteId) -> Result<Vec<Column>> {
        let rows: Vec<ColumnRow> = fetch!(
            self,
            all,
            sqlx::query_as(concat!(
                "SELECT ",
                column_cols!(),
                " FROM columns WHERE site_id = $1 ORDER BY sort_order, path"
            ))
            .bind(site.0)
        )?;
        rows.into_iter().map(Column::try_from).collect()
    }

    /// Every column of every site in one query, ordered as [`Store::columns`] within a site.
    /// The column of a site at a path such as `zwgk/zcwj` (slashes around it ignored).
    pub async fn column_by_path(&self, site: SiteId, path: &str) -> Result<Option<ColumnId>> {
        let path = path.trim().trim_matches('/');
        let id: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar("SELECT id FROM columns WHERE site_id = $1 AND path = $2")
                .bind(site.0)
                .bind(path)
        )?;
        Ok(id.map(ColumnId))
    }

    pub async fn all_columns(&self) -> Result<Vec<Column>> {
        let rows: Vec<ColumnRow> = fetch!(
            self,
            all,
            sqlx::query_as(concat!(
                "SELECT ",
                column_cols!(),
                " FROM columns ORDER BY site_id, sort_order, path"
            ))
        )?;
        rows.into_iter().map(Column::try_from).collect()
    }

    pub async fn units(&self, site: SiteId) -> Result<Vec<(UnitId, String)>> {
        let rows: Vec<(i64, String)> = fetch!(
            self,
            all,
            sqlx::query_as("SELECT id, name FROM units WHERE site_id = $1 ORDER BY id")
                .bind(site.0)
        )?;
        Ok(rows.into_iter().map(|(id, n)| (UnitId(id), n)).collect())
    }

    /// Everything stored about every site, for `sites plan`.
    pub async fn site_records(&self) -> Result<Vec<SiteRecord>> {
        let sites = self.list_sites().await?;
        let codes: HashMap<SiteId, SiteCode> =
            sites.iter().map(|s| (s.id, s.code.clone())).collect();
        let mut out = Vec::with_capacity(sites.len());
        for site in sites {
            let units = self.units(site.id).await?;
            let columns = self.columns(site.id).await?;
            let parent_code = site.parent_id.and_then(|p| codes.get(&p).cloned());
            out.push(SiteRecord {
                site,
                parent_code,
                units,
                columns,
            });
        }
        Ok(out)
    }

    /// Writes the given sites in one transaction: all of them or none. Sites are created or
    /// updated by code; hosts are replaced; units are added; columns are upserted by path, and
    /// stored columns the input no longer names are removed when they hold no article.
    /// Parents must come before their children in `inputs` or already be stored.
    pub async fn apply_sites(&self, inputs: &[SiteInput]) -> Result<Vec<SiteId>> {
        let ts = now();
        let ids = on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let mut ids = Vec::with_capacity(inputs.len());
            for s in inputs {
                let parent_id: Option<i64> = match &s.parent {
                    None => None,
                    Some(code) => Some(
                        sqlx::query_scalar("SELECT id FROM sites WHERE code = $1")
                            .bind(code.as_str())
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(db_err)?
                            .ok_or_else(|| {
                                Error::invalid(format!(
                                    "网站 {} 的上级网站 {} 不存在",
                                    s.code, code
                                ))
                            })?,
                    ),
                };
                let site_id: i64 = sqlx::query_scalar(
                    "INSERT INTO sites (code, name, kind, parent_id, region_code, status, theme, index_pattern, \
                     organiser, operator, contact, icp, psb, tls_cert, tls_key, letter_kinds, leaders, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15, $16, $17, $18, $14, $14) \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
                     parent_id = excluded.parent_id, region_code = excluded.region_code, status = excluded.status, \
                     theme = excluded.theme, index_pattern = excluded.index_pattern, organiser = excluded.organiser, \
                     operator = excluded.operator, contact = excluded.contact, icp = excluded.icp, psb = excluded.psb, \
                     tls_cert = excluded.tls_cert, tls_key = excluded.tls_key, letter_kinds = excluded.letter_kinds, \
                     leaders = excluded.leaders, updated_at = excluded.updated_at \
                     RETURNING id",
                )
                .bind(s.code.as_str())
                .bind(&s.name)
                .bind(s.kind.as_str())
                .bind(parent_id)
                .bind(&s.region_code)
                .bind(s.status.as_str())
                .bind(&s.theme)
                .bind(&s.index_pattern)
                .bind(&s.footer.organiser)
                .bind(&s.footer.operator)
                .bind(&s.footer.contact)
                .bind(&s.footer.icp)
                .bind(&s.footer.psb)
                .bind(ts)
                .bind(&s.tls.cert)
                .bind(&s.tls.key)
                .bind(s.letters.kinds_stored())
                .bind(s.letters.leaders_stored())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;

                sqlx::query("DELETE FROM site_hosts WHERE site_id = $1")
                    .bind(site_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                for (pos, host) in s.hosts.iter().enumerate() {
                    let owner: Option<String> = sqlx::query_scalar(
                        "SELECT s.code FROM site_hosts h JOIN sites s ON s.id = h.site_id WHERE h.host = $1",
                    )
                    .bind(host.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    if let Some(owner) = owner {
                        return Err(Error::Conflict(format!(
                            "主机名 {host} 已属于网站 {owner}，不能再分配给 {}",
                            s.code
                        )));
                    }
                    sqlx::query(
                        "INSERT INTO site_hosts (host, site_id, position) VALUES ($1, $2, $3)",
                    )
                    .bind(host.as_str())
                    .bind(site_id)
                    .bind(pos as i64)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }

                for unit in &s.units {
                    sqlx::query("INSERT INTO units (site_id, name) VALUES ($1, $2) ON CONFLICT (site_id, name) DO NOTHING")
                        .bind(site_id)
                        .bind(unit)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                }
                let units: Vec<(i64, String)> =
                    sqlx::query_as("SELECT id, name FROM units WHERE site_id = $1")
                        .bind(site_id)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(db_err)?;
                let unit_ids: HashMap<String, i64> =
                    units.into_iter().map(|(id, n)| (n, id)).collect();

                let mut path_ids: BTreeMap<String, i64> = BTreeMap::new();
                for c in &s.columns {
                    let parent = match c.path.parent() {
                        None => None,
                        Some(pp) => Some(*path_ids.get(pp.as_str()).ok_or_else(|| {
                            Error::invalid(format!("栏目 {} 的上级栏目 {} 没有声明", c.path, pp))
                        })?),
                    };
                    let unit_id = match &c.unit {
                        None => None,
                        Some(u) => Some(*unit_ids.get(u).ok_or_else(|| {
                            Error::invalid(format!(
                                "栏目 {} 的保障单位“{u}”不在网站 {} 的单位列表中",
                                c.path, s.code
                            ))
                        })?),
                    };
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO columns (site_id, parent_id, path, name, kind, update_category, mandatory, sort_order, \
                         link_url, body_html, unit_id, in_nav, needs_signoff) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                         ON CONFLICT (site_id, path) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, \
                         kind = excluded.kind, update_category = excluded.update_category, mandatory = excluded.mandatory, \
                         sort_order = excluded.sort_order, link_url = excluded.link_url, body_html = excluded.body_html, \
                         unit_id = excluded.unit_id, in_nav = excluded.in_nav, needs_signoff = excluded.needs_signoff \
                         RETURNING id",
                    )
                    .bind(site_id)
                    .bind(parent)
                    .bind(c.path.as_str())
                    .bind(&c.name)
                    .bind(c.kind.as_str())
                    .bind(c.update_category.as_str())
                    .bind(c.mandatory)
                    .bind(c.sort_order)
                    .bind(&c.link_url)
                    .bind(&c.body_html)
                    .bind(unit_id)
                    .bind(c.in_nav)
                    .bind(c.needs_signoff)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    path_ids.insert(c.path.as_str().to_string(), id);
                }

                let stored: Vec<(i64, String)> =
                    sqlx::query_as("SELECT id, path FROM columns WHERE site_id = $1")
                        .bind(site_id)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(db_err)?;
                let wanted: HashSet<&str> = s.columns.iter().map(|c| c.path.as_str()).collect();
                let mut gone: Vec<(i64, String)> = stored
                    .into_iter()
                    .filter(|(_, p)| !wanted.contains(p.as_str()))
                    .collect();
                gone.sort_by_key(|(_, p)| std::cmp::Reverse(p.matches('/').count()));
                for (id, path) in gone {
                    // The site's own range of `placements_site (site_id, sort_at, column_id, …)`,
                    // index only: no index is led by the column alone for placements that are
                    // not live, and without the site this read every placement of the store.
                    let used: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM placements WHERE site_id = $1 AND column_id = $2",
                    )
                    .bind(site_id)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    if used > 0 {
                        return Err(Error::Conflict(format!(
                            "网站 {} 的栏目 {path} 中还有 {used} 篇信息，不能删除：请先移走信息或保留该栏目",
                            s.code
                        )));
                    }
                    sqlx::query("DELETE FROM columns WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                }
                ids.push(SiteId(site_id));
                log_change!(self, tx, &Change::Site(SiteId(site_id)));
            }
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(ids)
        })?;
        for id in &ids {
            self.notify(Change::Site(*id));
        }
        Ok(ids)
    }

    /// Sets a site's status (active, suspended, archived).
    pub async fn set_site_status(&self, site: SiteId, status: SiteStatus) -> Result<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let n = sqlx::query("UPDATE sites SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(now())
                .bind(site.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            if n == 0 {
                return Err(Error::not_found(format!("网站 {site} 不存在")));
            }
            log_change!(self, tx, &Change::Site(site));
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(())
        })?;
        self.notify(Change::Site(site));
        Ok(())
    }

    /// Number of sites stored (0 on a new store).
    pub async fn site_count(&self) -> Result<i64> {
        fetch!(self, one, sqlx::query_scalar("SELECT COUNT(*) FROM sites"))
    }
}
