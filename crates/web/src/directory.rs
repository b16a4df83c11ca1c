//! The site directory: host name → site, and each site's settings and column tree in memory.
//!
//! The host index is small (a few thousand sites) and held whole; it is rebuilt after any site
//! change. A site's context (settings, columns) is loaded on first use and dropped when the site
//! changes. Every site also answers on `<site code>.localhost`, for development.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use zhanqun_core::*;
use zhanqun_store::Store;

/// A site with its columns, ready for rendering.
pub struct SiteCtx {
    pub site: Site,
    pub columns: Vec<Column>,
    by_path: HashMap<String, usize>,
    by_id: HashMap<ColumnId, usize>,
    children: HashMap<Option<ColumnId>, Vec<usize>>,
}

impl SiteCtx {
    pub fn new(site: Site, columns: Vec<Column>) -> SiteCtx {
        let by_path = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.path.to_string(), i))
            .collect();
        let by_id = columns.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let mut children: HashMap<Option<ColumnId>, Vec<usize>> = HashMap::new();
        for (i, c) in columns.iter().enumerate() {
            children.entry(c.parent_id).or_default().push(i);
        }
        SiteCtx {
            site,
            columns,
            by_path,
            by_id,
            children,
        }
    }

    pub fn column_by_path(&self, path: &str) -> Option<&Column> {
        self.by_path.get(path).map(|i| &self.columns[*i])
    }

    /// The column at `path`, or the visitor's 404: 您访问的栏目不存在.
    pub fn column_at(&self, path: &str) -> Result<&Column> {
        self.column_by_path(path)
            .ok_or_else(|| Error::not_found("您访问的栏目不存在"))
    }

    pub fn column(&self, id: ColumnId) -> Option<&Column> {
        self.by_id.get(&id).map(|i| &self.columns[*i])
    }

    /// Direct children of a column (`None`: the first-level columns), in display order.
    pub fn children(&self, id: Option<ColumnId>) -> impl Iterator<Item = &Column> {
        self.children
            .get(&id)
            .into_iter()
            .flatten()
            .map(|i| &self.columns[*i])
    }

    /// The column and every column below it.
    pub fn subtree(&self, id: ColumnId) -> Vec<ColumnId> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() {
            out.extend(self.children(Some(out[i])).map(|c| c.id));
            i += 1;
        }
        out
    }

    /// The column's ancestors from the top, and the column itself.
    pub fn trail(&self, id: ColumnId) -> Vec<&Column> {
        let mut out = Vec::new();
        let mut cur = self.column(id);
        while let Some(c) = cur {
            out.push(c);
            cur = c.parent_id.and_then(|p| self.column(p));
            if out.len() > 16 {
                break;
            }
        }
        out.reverse();
        out
    }
}

#[derive(Default)]
struct HostIndex {
    hosts: HashMap<String, SiteId>,
    codes: HashMap<String, SiteId>,
}

pub struct Directory {
    store: Store,
    index: RwLock<Arc<HostIndex>>,
    dirty: AtomicBool,
    reload: tokio::sync::Mutex<()>,
    ctxs: moka::sync::Cache<SiteId, Arc<SiteCtx>>,
    /// Every site, as `Store::list_sites` gives them, until one changes.
    sites: RwLock<Option<Arc<Vec<Site>>>>,
    generation: AtomicU64,
}

impl Directory {
    pub fn new(store: Store) -> Directory {
        Directory {
            store,
            index: RwLock::new(Arc::new(HostIndex::default())),
            dirty: AtomicBool::new(true),
            reload: tokio::sync::Mutex::new(()),
            ctxs: moka::sync::Cache::new(100_000),
            sites: RwLock::new(None),
            generation: AtomicU64::new(0),
        }
    }

    /// Called when a site changed (or all did).
    pub fn invalidate(&self, site: Option<SiteId>) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut list) = self.sites.write() {
            *list = None;
        }
        match site {
            Some(id) => self.ctxs.invalidate(&id),
            None => self.ctxs.invalidate_all(),
        }
        self.dirty.store(true, Ordering::Release);
    }

    async fn reload_index(&self) -> Result<()> {
        let _guard = self.reload.lock().await;
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let mut idx = HostIndex::default();
        let loaded = async {
            for (host, id) in self.store.hosts().await? {
                idx.hosts.insert(host, id);
            }
            // The kept list of sites (read here if not kept), so that one read serves the
            // index and the console's lists.
            for s in self.sites().await?.iter() {
                idx.codes.insert(s.code.to_string(), s.id);
            }
            Ok::<_, Error>(())
        }
        .await;
        if let Err(e) = loaded {
            self.dirty.store(true, Ordering::Release);
            return Err(e);
        }
        if let Ok(mut w) = self.index.write() {
            *w = Arc::new(idx);
        }
        Ok(())
    }

    /// Every site, ordered by code, with its hosts: read from the store once and kept until a
    /// site changes (the console's lists and dashboards read it on every view; 3,346 sites and
    /// their hosts cost 20 ms on the national fixture). A list read while a site changed is
    /// given out but not kept.
    pub async fn sites(&self) -> Result<Arc<Vec<Site>>> {
        if let Some(list) = self.sites.read().ok().and_then(|l| l.clone()) {
            return Ok(list);
        }
        let before = self.generation.load(Ordering::Acquire);
        let list = Arc::new(self.store.list_sites().await?);
        // Checked under the lock `invalidate` clears it under, after moving the generation.
        if let Ok(mut kept) = self.sites.write()
            && self.generation.load(Ordering::Acquire) == before
        {
            *kept = Some(list.clone());
        }
        Ok(list)
    }

    /// Number of sites in the index.
    pub fn site_count(&self) -> usize {
        self.index.read().map(|i| i.codes.len()).unwrap_or(0)
    }

    /// The site of a host (parsed once per request: [`zhanqun_core::Host::authority`]), its
    /// context loaded on first use.
    pub async fn resolve_host(&self, host: &Host) -> Result<Option<Arc<SiteCtx>>> {
        if self.dirty.load(Ordering::Acquire) {
            self.reload_index().await?;
        }
        let id = {
            let idx = match self.index.read() {
                Ok(i) => i.clone(),
                Err(_) => return Err(Error::internal("directory lock poisoned")),
            };
            match host.as_str().strip_suffix(".localhost") {
                Some(code) => idx.codes.get(code).copied(),
                None => idx.hosts.get(host.as_str()).copied(),
            }
        };
        match id {
            Some(id) => self.ctx(id).await,
            None => Ok(None),
        }
    }

    /// A site's context by id (loaded on first use).
    pub async fn ctx(&self, id: SiteId) -> Result<Option<Arc<SiteCtx>>> {
        if let Some(c) = self.ctxs.get(&id) {
            return Ok(Some(c));
        }
        let generation = self.generation.load(Ordering::Acquire);
        let Some(site) = self.store.site(id).await? else {
            return Ok(None);
        };
        let columns = self.store.columns(id).await?;
        let ctx = Arc::new(SiteCtx::new(site, columns));
        if self.generation.load(Ordering::Acquire) == generation {
            self.ctxs.insert(id, ctx.clone());
        }
        Ok(Some(ctx))
    }
}
