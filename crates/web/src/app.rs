//! The one piece of state every handler receives.

use std::collections::HashSet;
use std::sync::Arc;

use zhanqun_core::Result;
use zhanqun_store::{Change, Store};

use crate::cache::{Dep, PageCache};
use crate::config::Config;
use crate::directory::Directory;
use crate::metrics::Metrics;
use crate::themes::Themes;
use crate::visits::VisitCounter;

pub struct App {
    config: Config,
    store: Store,
    directory: Arc<Directory>,
    themes: Themes,
    pages: Arc<PageCache>,
    metrics: Arc<Metrics>,
    visits: VisitCounter,
    sync: tokio::sync::Mutex<SyncState>,
    /// Pages rendered since the last flush and the articles they showed (reprint timeliness).
    shown: std::sync::Mutex<Vec<Shown>>,
    /// This node's name in job leases (a fresh UUID each start).
    node: String,
    /// Until when this node holds the jobs lease, as far as it knows (renewed when a third of
    /// it has run).
    jobs_until: std::sync::Mutex<Option<std::time::Instant>>,
    /// Up to when placed deliveries were observed in the delay histogram.
    delays_until: std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    /// This node's search index (opened by the server) and what it has yet to take in.
    search: crate::index::SearchState,
    /// The letter pages' key ring and limits (互动交流).
    letters: crate::desk::Desk,
    /// The last run of the national check over every site (see [`App::checks`]).
    checks: tokio::sync::Mutex<Option<Arc<CheckRun>>>,
}

/// One run of the national check over every active site: when, and each site's findings
/// (failing sites first).
#[derive(Debug)]
pub struct CheckRun {
    pub at: chrono::DateTime<chrono::Utc>,
    /// Shared with every page that reads the run (a province's 3,000 sites are not copied).
    pub sites: Arc<Vec<zhanqun_store::SiteCheck>>,
}

/// The lease under which the once-across-nodes jobs run.
pub const JOBS_LEASE: &str = "jobs";

type Shown = (
    zhanqun_core::SiteId,
    Vec<zhanqun_core::ArticleId>,
    chrono::DateTime<chrono::Utc>,
);

/// Upper bound of the shown-pages buffer between two flushes (a flood of cache misses can't
/// grow memory without bound; the rest are recorded by later renders).
const SHOWN_MAX: usize = 50_000;

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("config", &self.config)
            .field("store", &self.store)
            .finish()
    }
}

/// Where this process is in the store's change log.
struct SyncState {
    /// Rows up to here were written before this process started: never replayed.
    floor: i64,
    last: i64,
    /// Ids applied recently: PostgreSQL may commit ids out of order, so every read goes back a
    /// little (`OVERLAP`) and skips what was seen.
    seen: HashSet<i64>,
    polls: u64,
}

const OVERLAP: i64 = 200;

/// Applies a change to this process's page cache and site directory.
fn apply_change(pages: &PageCache, directory: &Directory, metrics: &Metrics, change: &Change) {
    metrics.invalidations.inc();
    // (The search index reads the change log itself, and hears this node's changes through
    // its own listener: see `search/`.)
    match change {
        Change::Site(id) => {
            directory.invalidate(Some(*id));
            // AnyContent too: a site suspended or back takes its items out of, or back into,
            // the province-wide service catalogue.
            pages.bump([Dep::Site(*id), Dep::SiteContent(*id), Dep::AnyContent]);
        }
        Change::Article {
            article,
            placements,
            related,
        } => {
            let mut deps = vec![Dep::Article(*article), Dep::AnyContent];
            deps.extend(related.iter().map(|a| Dep::Article(*a)));
            for (site, column) in placements {
                deps.push(Dep::Column(*column));
                deps.push(Dep::SiteContent(*site));
            }
            pages.bump(deps);
        }
        Change::All => {
            directory.invalidate(None);
            pages.bump_all();
        }
    }
}

impl App {
    /// Builds the app on an opened, migrated store, and subscribes the page cache and the site
    /// directory to the store's changes.
    pub async fn new(config: Config, store: Store) -> Result<Arc<App>> {
        // One TLS crypto provider for the whole process (ring, see STACK.md); installing it
        // again is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        config.check()?;
        let store = store
            .with_service_elements(&config.checks.service_elements)
            .with_media_root(&config.data_dir.join("media"));
        let themes_dir =
            (!config.themes_dir.as_os_str().is_empty()).then_some(config.themes_dir.as_path());
        let themes = Themes::load(themes_dir, config.cache.render_fuel)?;
        let metrics = Arc::new(Metrics::new()?);
        let pages = Arc::new(PageCache::new(config.cache.max_bytes));
        let directory = Arc::new(Directory::new(store.clone()));
        {
            let (pages, directory, metrics) = (pages.clone(), directory.clone(), metrics.clone());
            store.on_change(move |change| apply_change(&pages, &directory, &metrics, change));
        }
        let search = crate::index::SearchState::default();
        {
            let feed = search.feed.clone();
            store.on_change(move |change| feed.note(change));
        }
        let last = store.last_change_id().await?;
        let sync = tokio::sync::Mutex::new(SyncState {
            floor: last,
            last,
            seen: HashSet::new(),
            polls: 0,
        });
        let visits = VisitCounter::new(&config.visits, &config.trusted_proxies, &store).await?;
        let key_file = config.letters_key_file();
        // A new key only for a store without letters: with letters, a missing key file means
        // their writers' data is lost unless the file is restored, so the server says so.
        if !key_file.exists() {
            let n = store.letter_count().await?;
            if n > 0 {
                return Err(zhanqun_core::Error::invalid(format!(
                    "留言个人信息密钥文件 {} 不存在，而数据库中已有 {n} 封留言：请从备份恢复该文件，或用 letters.key_file 指向它（见 docs/LETTERS.md）",
                    key_file.display()
                )));
            }
        }
        let letters =
            crate::desk::Desk::open(&key_file, config.letters.key_file.as_os_str().is_empty())?;
        // PostgreSQL's own durability: with fsync, synchronous_commit or full_page_writes off,
        // committed writes (published pages, audit records) can be lost in a crash. Refused
        // unless the configuration says this is a throwaway database.
        let unsafe_settings = store.pg_unsafe_settings().await?;
        metrics
            .db_durable
            .set(i64::from(unsafe_settings.is_empty()));
        if !unsafe_settings.is_empty() {
            let list = unsafe_settings
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            if !config.allow_nondurable_database {
                return Err(zhanqun_core::Error::invalid(format!(
                    "PostgreSQL 的持久化设置已关闭（{list}）：崩溃或断电会丢失已提交的数据。请在 postgresql.conf 中打开；仅测试用的临时数据库可设置 allow_nondurable_database = true"
                )));
            }
            tracing::warn!(settings = %list, "PostgreSQL durability settings are off; allowed for a throwaway database only");
        }
        Ok(Arc::new(App {
            visits,
            letters,
            node: uuid::Uuid::now_v7().to_string(),
            jobs_until: std::sync::Mutex::new(None),
            delays_until: std::sync::Mutex::new(None),
            shown: std::sync::Mutex::new(Vec::new()),
            search,
            checks: tokio::sync::Mutex::new(None),

            sync,
            config,
            store,
            directory,
            themes,
            pages,
            metrics,
        }))
    }

    /// The client's address: the peer, or what `X-Forwarded-For` says when the peer is one of
    /// `trusted_proxies`.
    pub fn client_ip(
        &self,
        peer: Option<std::net::SocketAddr>,
        headers: &axum::http::HeaderMap,
    ) -> std::net::IpAddr {
        crate::client::client_ip(peer, headers, &self.config.trusted_proxies)
    }

    /// Whether a peer is one of the trusted proxies (whose forwarded headers are believed).
    pub fn trusts_proxy(&self, peer: std::net::IpAddr) -> bool {
        self.config
            .trusted_proxies
            .iter()
            .any(|n| n.contains(&peer))
    }

    /// The letter pages' key ring and limits.
    pub fn letters(&self) -> &crate::desk::Desk {
        &self.letters
    }

    /// This node's name in leases.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Takes or renews the jobs lease (asked every second, from the housekeeping loop). True
    /// when this node holds it and should run the once-across-nodes jobs.
    ///
    /// A node that holds the lease renews it once a third of it has run, not every second:
    /// every write to a SQLite store makes each pooled connection drop its page cache and
    /// memory map at its next read, so a write a second cost every page rendered after it.
    /// A node that does not hold it asks every second, so a hand-over still takes at most the
    /// lease's length.
    pub async fn hold_jobs_lease(&self) -> bool {
        let ttl = std::time::Duration::from_secs(self.config.jobs.lease_seconds);
        let asked = std::time::Instant::now();
        let fresh = self
            .jobs_until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|u| u > asked + ttl * 2 / 3);
        if fresh {
            return true;
        }
        let held = match self
            .store
            .hold_lease(
                JOBS_LEASE,
                &self.node,
                zhanqun_store::now(),
                chrono::Duration::seconds(self.config.jobs.lease_seconds as i64),
            )
            .await
        {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(error = %e, "jobs lease not renewed");
                false
            }
        };
        let mut until = self.jobs_until.lock().unwrap_or_else(|e| e.into_inner());
        let was = until.is_some_and(|u| u > asked);
        if held {
            // Counted from before asking: the store's clock started the lease no earlier.
            *until = Some(asked + ttl);
        }
        let now_held = until.is_some_and(|u| u > std::time::Instant::now());
        if now_held != was {
            tracing::info!(node = %self.node, held = now_held, "jobs lease");
        }
        self.metrics.jobs_lease_held.set(i64::from(now_held));
        now_held
    }

    /// Whether this node holds the jobs lease right now.
    pub fn leads_jobs(&self) -> bool {
        self.jobs_until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|u| u > std::time::Instant::now())
    }

    /// Reprint timeliness for the metrics (run by the jobs node): deliveries pending past their
    /// deadline, and the delays of deliveries placed since the last run. A node that takes the
    /// lease over starts from its own start, so delays are observed once, by one node (a few
    /// may be missed at a hand-over).
    pub async fn report_reprint(&self) -> Result<()> {
        let now = zhanqun_store::now();
        let deadlines = self.config.deadlines();
        let overdue = self
            .store
            .pending_deliveries()
            .await?
            .iter()
            .filter(|d| {
                deadlines
                    .standing(d.source_published_at, None, now)
                    .is_late()
            })
            .count();
        self.metrics.reprint_overdue.set(overdue as i64);
        let after = *self.delays_until.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(after) = after {
            for d in self.store.placed_between(after, now).await? {
                if let Some(placed) = d.placed_at {
                    let secs = (placed - d.source_published_at).num_milliseconds().max(0);
                    self.metrics.reprint_delay.observe(secs as f64 / 1000.0);
                }
            }
        }
        *self.delays_until.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
        Ok(())
    }

    /// Open letters by standing for the metrics (run by the jobs node every minute): the
    /// warnings (due by the end of the next working day), the overdue, the vetoes; and the open
    /// 依申请公开 applications by standing (`info_requests_open`).
    pub async fn report_letters(&self) -> Result<()> {
        use zhanqun_core::letter_flow::{Standing, standing};
        let (now, cal) = (zhanqun_store::now(), self.config.calendar());
        let mut counts = [0i64; 4];
        for (received, due) in self.store.open_letter_times().await? {
            counts[match standing(&cal, received, due, now) {
                Standing::InTime => 0,
                Standing::DueSoon => 1,
                Standing::Overdue => 2,
                Standing::Veto => 3,
            }] += 1;
        }
        for (label, n) in ["in_time", "due_soon", "overdue", "veto"]
            .iter()
            .zip(counts)
        {
            self.metrics.letters_open.with_label_values(&[label]).set(n);
        }
        // 依申请公开 the same way: the warning three working days before the statutory
        // deadline, the overdue, and those whose clock 补正 pauses.
        use zhanqun_core::disclosure::{Standing as Due, standing as due};
        let today = zhanqun_core::beijing::day(now);
        let mut counts = [0i64; 4];
        for (state, due_on, n) in self.store.open_info_request_deadlines().await? {
            if let Some(s) = due(&cal, state, due_on, today) {
                counts[match s {
                    Due::InTime => 0,
                    Due::DueSoon => 1,
                    Due::Overdue => 2,
                    Due::Paused => 3,
                }] += n;
            }
        }
        for (label, n) in ["in_time", "due_soon", "overdue", "paused"]
            .iter()
            .zip(counts)
        {
            self.metrics
                .info_requests_open
                .with_label_values(&[label])
                .set(n);
        }
        Ok(())
    }

    /// The national check for the metrics (run by the jobs node every five minutes): sites
    /// failing a veto. The run is kept for the console's pages ([`App::checks`]).
    pub async fn report_checks(&self) -> Result<()> {
        let run = {
            let mut kept = self.checks.lock().await;
            match kept.as_ref() {
                // A page ran it within the last minute: that run is as good.
                Some(run) if zhanqun_store::now() - run.at < chrono::Duration::seconds(60) => {
                    run.clone()
                }
                _ => self.run_checks_into(&mut kept).await?,
            }
        };
        let failing = run.sites.iter().filter(|s| s.fails).count();
        self.metrics.sites_failing_veto.set(failing as i64);
        Ok(())
    }

    /// The check indicators of every site, as of the last run when it is at most
    /// `jobs.checks_max_age_seconds` old, else from a new run (one at a time: requests that
    /// find a run going wait for it instead of starting their own). At province scale a run
    /// reads every column of the store (seconds), so the console's pages read the kept run.
    pub async fn checks(&self) -> Result<Arc<CheckRun>> {
        let max_age = chrono::Duration::seconds(
            i64::try_from(self.config.jobs.checks_max_age_seconds).unwrap_or(i64::MAX / 2_000),
        );
        let mut kept = self.checks.lock().await;
        if let Some(run) = kept.as_ref()
            && max_age > chrono::Duration::zero()
            && zhanqun_store::now() - run.at <= max_age
        {
            return Ok(run.clone());
        }
        self.run_checks_into(&mut kept).await
    }

    /// The check indicators of the sites `p` may read, failing sites first, and when they
    /// were computed: the kept run of every site ([`App::checks`]) for the province auditor,
    /// a run of each of its own sites for everyone else (one site's check is a few seeks).
    pub async fn checks_for(
        &self,
        p: &zhanqun_core::Principal,
    ) -> Result<(
        chrono::DateTime<chrono::Utc>,
        Arc<Vec<zhanqun_store::SiteCheck>>,
    )> {
        use zhanqun_core::Act;
        if p.sees_every_site() {
            let run = self.checks().await?;
            if run
                .sites
                .iter()
                .all(|s| p.may_on_site(Act::Read, s.site_id))
            {
                return Ok((run.at, run.sites.clone()));
            }
            let sites = run
                .sites
                .iter()
                .filter(|s| p.may_on_site(Act::Read, s.site_id))
                .cloned()
                .collect();
            return Ok((run.at, Arc::new(sites)));
        }
        let at = zhanqun_store::now();
        let mut sites = Vec::new();
        for site in p
            .sites()
            .into_iter()
            .filter(|s| p.may_on_site(Act::Read, *s))
        {
            sites.extend(
                self.store
                    .site_checks(
                        Some(site),
                        at,
                        &self.config.checks,
                        &self.config.deadlines(),
                    )
                    .await?,
            );
        }
        zhanqun_store::stats::order(&mut sites);
        Ok((at, Arc::new(sites)))
    }

    async fn run_checks_into(&self, kept: &mut Option<Arc<CheckRun>>) -> Result<Arc<CheckRun>> {
        let at = zhanqun_store::now();
        let sites = self
            .store
            .site_checks(None, at, &self.config.checks, &self.config.deadlines())
            .await?;
        let run = Arc::new(CheckRun {
            at,
            sites: Arc::new(sites),
        });
        *kept = Some(run.clone());
        Ok(run)
    }

    /// Gives the jobs lease up (a graceful stop): another node takes over at its next second.
    pub async fn release_jobs_lease(&self) {
        *self.jobs_until.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.metrics.jobs_lease_held.set(0);
        if let Err(e) = self.store.release_lease(JOBS_LEASE, &self.node).await {
            tracing::warn!(error = %e, "jobs lease not given up; it expires by itself");
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The facets of every active site's service items (the province portal's catalogue),
    /// listing `units` departments. They count every item of the province, so the page cache
    /// keeps them until an article or a site changes, as it keeps the page: the catalogue's
    /// other filters and pages read them once between two changes.
    pub async fn province_service_facets(
        &self,
        units: i64,
    ) -> Result<Arc<zhanqun_store::ServiceFacets>> {
        if let Some(f) = self.pages.province_service_facets(units) {
            return Ok(f);
        }
        let generation = self.pages.generation();
        let f = self.store.service_facets(None, units).await?;
        Ok(self
            .pages
            .keep_province_service_facets(units, f, generation))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Every site, ordered by code, kept by the directory until a site changes.
    pub async fn sites(&self) -> Result<Arc<Vec<zhanqun_core::Site>>> {
        self.directory.sites().await
    }

    pub fn themes(&self) -> &Themes {
        &self.themes
    }

    pub fn pages(&self) -> &PageCache {
        &self.pages
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn search_state(&self) -> &crate::index::SearchState {
        &self.search
    }

    pub fn visits(&self) -> &VisitCounter {
        &self.visits
    }

    /// Notes that a rendered page of `site` showed these articles.
    pub fn note_shown(&self, site: zhanqun_core::SiteId, articles: Vec<zhanqun_core::ArticleId>) {
        let mut buf = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        if buf.len() < SHOWN_MAX {
            buf.push((site, articles, zhanqun_store::now()));
        }
    }

    /// Records the noted pages in the store (the server calls this every second).
    pub async fn flush_shown(&self) -> Result<u64> {
        let batch = std::mem::take(&mut *self.shown.lock().unwrap_or_else(|p| p.into_inner()));
        self.store.mark_shown(&batch).await
    }

    /// Applies the changes other processes (the CLI, other nodes) recorded in the store's change
    /// log since the last call; returns how many. The server calls this every second.
    pub async fn sync_changes(&self) -> Result<usize> {
        let mut st = self.sync.lock().await;
        let from = (st.last - OVERLAP).max(st.floor);
        let mut applied = 0;
        for (id, change) in self.store.changes_since(from).await? {
            if id > st.floor && st.seen.insert(id) {
                apply_change(&self.pages, &self.directory, &self.metrics, &change);
                applied += 1;
            }
            st.last = st.last.max(id);
        }
        let keep_from = st.last - OVERLAP;
        st.seen.retain(|id| *id > keep_from);
        st.polls += 1;
        if st.polls.is_multiple_of(3600) {
            // About hourly: the log only needs to outlive the slowest reader's poll.
            let cutoff = zhanqun_store::now() - chrono::Duration::days(1);
            self.store.prune_changes(cutoff).await?;
        }
        Ok(applied)
    }
}
