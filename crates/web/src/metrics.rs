//! Every metric, declared in one place, in one registry per `App` (no global statics, so tests
//! and several apps can live in one process). Labels are bounded: page kinds, statuses, and the
//! site code only for known sites.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    /// Public requests by page kind and status.
    pub requests: IntCounterVec,
    /// Public request latency by page kind (seconds).
    pub latency: HistogramVec,
    pub cache_hits: IntCounter,
    pub cache_misses: IntCounter,
    /// Letters received from the public forms (互动交流), all sites.
    pub letters_received: IntCounter,
    pub cache_entries: IntGauge,
    pub cache_bytes: IntGauge,
    /// Invalidation events applied to the page cache.
    pub invalidations: IntCounter,
    /// Render time of cache misses by page kind (seconds).
    pub render: HistogramVec,
    pub db_connections: IntGauge,
    pub db_idle: IntGauge,
    pub sites: IntGauge,
    /// Feed polls by outcome (ok, not_modified, error).
    pub reprint_polls: IntCounterVec,
    /// Reprint items ingested, by kind (new, updated).
    pub reprint_items: IntCounterVec,
    /// Pending reprint approvals that reached their alert time.
    pub reprint_alerts: IntCounter,
    pub visits_flushed: IntCounter,
    /// 1 when this node holds the jobs lease (runs scheduled publishing and alerts).
    pub jobs_lease_held: IntGauge,
    /// Runs of the background jobs by job and outcome (ok, error).
    pub job_runs: IntCounterVec,
    /// Public requests by site (code; `unknown` for hosts no site has) and status class.
    pub site_requests: IntCounterVec,
    /// Console and API requests by method, matched route and status.
    pub manage_requests: IntCounterVec,
    /// Console and API latency by matched route (seconds).
    pub manage_latency: HistogramVec,
    /// Articles published by this node (workflow, schedule, reprint fan-out counts each site).
    pub publishes: IntCounterVec,
    /// Reprint delay, source publication to placement on a site (seconds), observed by the jobs
    /// node as deliveries are placed.
    pub reprint_delay: Histogram,
    /// Reprint deliveries still pending past their deadline (set by the jobs node).
    pub reprint_overdue: IntGauge,
    /// Open letters from the public by where they stand against their deadline (in_time,
    /// due_soon, overdue, veto: unanswered for more than three months).
    pub letters_open: IntGaugeVec,
    /// Open 依申请公开 applications by where they stand against their statutory deadline
    /// (in_time, due_soon: within three working days, overdue, paused: 补正).
    pub info_requests_open: IntGaugeVec,
    /// Sites failing a veto indicator of the national check (set by the jobs node).
    pub sites_failing_veto: IntGauge,
    /// Certificate reloads by outcome (ok, error).
    pub tls_reloads: IntCounterVec,
    /// 1 when the database syncs commits to disk (SQLite synchronous=FULL, PostgreSQL fsync).
    pub db_durable: IntGauge,
    /// Searches by scope (site, province, console).
    pub search_queries: IntCounterVec,
    /// Search time by scope (seconds), the index query and its snippets.
    pub search_seconds: HistogramVec,
    /// Articles in this node's search index.
    pub search_docs: IntGauge,
    /// Articles put into or taken out of this node's search index.
    pub search_updates: IntCounter,
}

fn fail(e: prometheus::Error) -> zhanqun_core::Error {
    zhanqun_core::Error::internal(format!("metrics: {e}"))
}

impl Metrics {
    pub fn new() -> Result<Metrics, zhanqun_core::Error> {
        let registry = Registry::new_custom(Some("zhanqun".into()), None).map_err(fail)?;
        let buckets = vec![
            0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 1.0,
        ];
        let m = Metrics {
            requests: IntCounterVec::new(
                Opts::new(
                    "http_requests_total",
                    "Public requests by page kind and status",
                ),
                &["page", "status"],
            )
            .map_err(fail)?,
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "http_request_duration_seconds",
                    "Public request latency by page kind",
                )
                .buckets(buckets.clone()),
                &["page"],
            )
            .map_err(fail)?,
            cache_hits: IntCounter::new(
                "page_cache_hits_total",
                "Public requests answered from the page cache",
            )
            .map_err(fail)?,
            cache_misses: IntCounter::new(
                "page_cache_misses_total",
                "Public requests that had to render",
            )
            .map_err(fail)?,
            letters_received: IntCounter::new(
                "letters_received_total",
                "Letters received from the public forms",
            )
            .map_err(fail)?,
            cache_entries: IntGauge::new("page_cache_entries", "Pages in the page cache")
                .map_err(fail)?,
            cache_bytes: IntGauge::new("page_cache_bytes", "Weighted size of the page cache")
                .map_err(fail)?,
            invalidations: IntCounter::new(
                "page_cache_invalidations_total",
                "Content changes applied to the page cache",
            )
            .map_err(fail)?,
            render: HistogramVec::new(
                HistogramOpts::new(
                    "render_duration_seconds",
                    "Render time of cache misses by page kind",
                )
                .buckets(buckets.clone()),
                &["page"],
            )
            .map_err(fail)?,
            db_connections: IntGauge::new("db_pool_connections", "Database connections: the pool's open ones and the store's readers")
                .map_err(fail)?,
            db_idle: IntGauge::new("db_pool_idle", "Idle database connections").map_err(fail)?,
            sites: IntGauge::new("sites", "Sites known to the directory").map_err(fail)?,
            reprint_polls: IntCounterVec::new(
                Opts::new("reprint_polls_total", "Feed polls by outcome"),
                &["outcome"],
            )
            .map_err(fail)?,
            reprint_items: IntCounterVec::new(
                Opts::new(
                    "reprint_items_total",
                    "Reprint items ingested, new or corrected",
                ),
                &["kind"],
            )
            .map_err(fail)?,
            reprint_alerts: IntCounter::new(
                "reprint_alerts_total",
                "Pending reprint approvals that reached their alert time",
            )
            .map_err(fail)?,
            visits_flushed: IntCounter::new(
                "visits_flushed_total",
                "Page views of people written to the store",
            )
            .map_err(fail)?,
            site_requests: IntCounterVec::new(
                Opts::new(
                    "site_requests_total",
                    "Public requests by site and status class",
                ),
                &["site", "class"],
            )
            .map_err(fail)?,
            manage_requests: IntCounterVec::new(
                Opts::new(
                    "manage_requests_total",
                    "Console and API requests by method, matched route and status",
                ),
                &["method", "route", "status"],
            )
            .map_err(fail)?,
            manage_latency: HistogramVec::new(
                HistogramOpts::new(
                    "manage_request_duration_seconds",
                    "Console and API latency by matched route",
                )
                .buckets(vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0]),
                &["route"],
            )
            .map_err(fail)?,
            publishes: IntCounterVec::new(
                Opts::new("publishes_total", "Articles published, by how"),
                &["via"],
            )
            .map_err(fail)?,
            reprint_delay: Histogram::with_opts(
                HistogramOpts::new(
                    "reprint_delay_seconds",
                    "Reprint delay from the source's publication to placement on a site",
                )
                .buckets(vec![
                    60.0, 300.0, 600.0, 1200.0, 1800.0, 2700.0, 3600.0, 7200.0, 14400.0, 86400.0,
                ]),
            )
            .map_err(fail)?,
            reprint_overdue: IntGauge::new(
                "reprint_overdue",
                "Reprint deliveries still pending past their deadline",
            )
            .map_err(fail)?,
            letters_open: IntGaugeVec::new(
                Opts::new(
                    "letters_open",
                    "Open letters from the public by standing against their deadline",
                ),
                &["standing"],
            )
            .map_err(fail)?,
            info_requests_open: IntGaugeVec::new(
                Opts::new(
                    "info_requests_open",
                    "Open 依申请公开 applications by standing against their statutory deadline",
                ),
                &["standing"],
            )
            .map_err(fail)?,
            sites_failing_veto: IntGauge::new(
                "sites_failing_veto",
                "Sites failing a veto indicator of the national check",
            )
            .map_err(fail)?,
            tls_reloads: IntCounterVec::new(
                Opts::new(
                    "tls_reloads_total",
                    "Certificate reloads after a file or site changed, by outcome",
                ),
                &["outcome"],
            )
            .map_err(fail)?,
            jobs_lease_held: IntGauge::new(
                "jobs_lease_held",
                "1 when this node holds the lease of the once-across-nodes jobs",
            )
            .map_err(fail)?,
            job_runs: IntCounterVec::new(
                Opts::new("job_runs_total", "Background job runs by job and outcome"),
                &["job", "outcome"],
            )
            .map_err(fail)?,
            db_durable: IntGauge::new(
                "db_durable",
                "1 when the database syncs commits to disk (SQLite synchronous=FULL, PostgreSQL fsync=on)",
            )
            .map_err(fail)?,
            search_queries: IntCounterVec::new(
                Opts::new("search_queries_total", "Searches by scope (site, province, console)"),
                &["scope"],
            )
            .map_err(fail)?,
            search_seconds: HistogramVec::new(
                HistogramOpts::new("search_seconds", "Search time by scope").buckets(buckets.clone()),
                &["scope"],
            )
            .map_err(fail)?,
            search_docs: IntGauge::new("search_docs", "Articles in this node's search index")
                .map_err(fail)?,
            search_updates: IntCounter::new(
                "search_updates_total",
                "Articles put into or taken out of this node's search index",
            )
            .map_err(fail)?,
            registry,
        };
        m.registry
            .register(Box::new(m.search_queries.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.search_seconds.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.search_docs.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.search_updates.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.requests.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.latency.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.cache_hits.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.cache_misses.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.letters_received.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.cache_entries.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.cache_bytes.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.invalidations.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.render.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.db_connections.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.db_idle.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.sites.clone()))
            .map_err(fail)?;
        for c in [&m.reprint_polls, &m.reprint_items] {
            m.registry.register(Box::new(c.clone())).map_err(fail)?;
        }
        for c in [&m.reprint_alerts, &m.visits_flushed] {
            m.registry.register(Box::new(c.clone())).map_err(fail)?;
        }
        for c in [
            &m.site_requests,
            &m.manage_requests,
            &m.publishes,
            &m.tls_reloads,
        ] {
            m.registry.register(Box::new(c.clone())).map_err(fail)?;
        }
        m.registry
            .register(Box::new(m.manage_latency.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.reprint_delay.clone()))
            .map_err(fail)?;
        for g in [
            &m.jobs_lease_held,
            &m.db_durable,
            &m.reprint_overdue,
            &m.sites_failing_veto,
        ] {
            m.registry.register(Box::new(g.clone())).map_err(fail)?;
        }
        m.registry
            .register(Box::new(m.job_runs.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.letters_open.clone()))
            .map_err(fail)?;
        m.registry
            .register(Box::new(m.info_requests_open.clone()))
            .map_err(fail)?;
        #[cfg(target_os = "linux")]
        m.registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .map_err(fail)?;
        Ok(m)
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let families = self.registry.gather();
        if TextEncoder::new().encode(&families, &mut buf).is_err() {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}
