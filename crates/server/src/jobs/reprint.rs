//! The reprint job: every due source polled (each poll leased per source in the store, so that
//! several nodes poll it once), what is new or corrected ingested, and on the jobs node the
//! deadline alerts of approvals still pending. Fetching and parsing are `zhanqun-feeds`.

use zhanqun_core::{Error, Result};
use zhanqun_feeds::{FetchPolicy, Fetched, Fetcher, item_body, parse_feed, strip_tags};
use zhanqun_store::{NewItem, PollOutcome, Source};
use zhanqun_web::App;
use zhanqun_web::config::ReprintConfig;

/// The fetcher's policy from the `reprint` configuration.
pub fn policy(c: &ReprintConfig) -> FetchPolicy {
    FetchPolicy {
        allow_private: c.allow_private,
        allow_ips: c.allow_ips.clone(),
        allow_http: c.allow_http,
        max_fetch_bytes: c.max_fetch_bytes,
        fetch_timeout_secs: c.fetch_timeout_secs,
    }
}

/// Feed polling (each poll leased per source in the store) and, on the jobs node, the deadline
/// alerts of pending approvals.
pub(crate) async fn tick(app: &App, fetcher: &Fetcher) {
    if let Err(e) = poll_due(app, fetcher, app.node()).await {
        tracing::warn!(error = %e, "reprint polling failed");
    }
    if app.leads_jobs() {
        super::record_run(app, "reprint_alerts", raise_alerts(app).await);
    }
}

/// What one poll of one source did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollReport {
    pub new: usize,
    pub updated: usize,
    pub not_modified: bool,
    /// The feed's validators, stored only after every item is in: a crash before that re-reads
    /// the whole feed, and ingesting is idempotent.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Polls one source (the caller holds its lease): fetches the feed conditionally, and ingests
/// each new or changed item, fetching its page for the body when the feed has only a summary.
#[tracing::instrument(level = "debug", skip_all, fields(source = %source.id))]
pub async fn poll_source(app: &App, fetcher: &Fetcher, source: &Source) -> Result<PollReport> {
    let url = source
        .url
        .as_deref()
        .ok_or_else(|| Error::invalid("订阅源没有地址"))?;
    let fetched = fetcher
        .get(url, source.etag.as_deref(), source.last_modified.as_deref())
        .await?;
    let (bytes, etag, last_modified) = match fetched {
        Fetched::NotModified => {
            return Ok(PollReport {
                not_modified: true,
                ..Default::default()
            });
        }
        Fetched::Body {
            bytes,
            etag,
            last_modified,
        } => (bytes, etag, last_modified),
    };
    let mut items = parse_feed(&bytes)?;
    // Oldest first, so the newest item ends in the home-page slot.
    items.sort_by_key(|i| i.published);
    let mut report = PollReport {
        etag,
        last_modified,
        ..Default::default()
    };
    let store = app.store();
    for item in items {
        let hash = item.hash();
        let known = store.item_hash(source.id, &item.guid).await?;
        if known
            .as_ref()
            .is_some_and(|h| h.as_deref() == Some(hash.as_str()))
        {
            continue;
        }
        let body = item_body(fetcher, &item, source.extract_selector.as_deref()).await?;
        let new_item = NewItem {
            guid: item.guid.clone(),
            title: item.title.clone(),
            summary: item.summary.clone().map(|s| strip_tags(&s)),
            body_html: body,
            link: item.link.clone(),
            published_at: item.published.unwrap_or_else(zhanqun_store::now),
            hash: Some(hash),
        };
        let done = store.ingest(None, source.id, &new_item).await?;
        if done.new {
            report.new += 1;
            app.metrics()
                .reprint_items
                .with_label_values(&["new"])
                .inc();
            app.metrics()
                .publishes
                .with_label_values(&["reprint"])
                .inc_by(done.placed as u64);
            tracing::info!(source = %source.id, article = %done.article, placed = done.placed, pending = done.pending, title = %item.title, "reprint ingested");
        } else if done.updated {
            report.updated += 1;
            app.metrics()
                .reprint_items
                .with_label_values(&["updated"])
                .inc();
            tracing::info!(source = %source.id, article = %done.article, title = %item.title, "reprint corrected at the source");
        }
    }
    Ok(report)
}

/// One round of the poll loop: every due source this node can lease.
pub async fn poll_due(app: &App, fetcher: &Fetcher, node: &str) -> Result<usize> {
    let store = app.store();
    let now = zhanqun_store::now();
    let mut polled = 0;
    for source in store.due_sources(now).await? {
        let ttl = chrono::Duration::seconds(
            (app.config().reprint.fetch_timeout_secs as i64).saturating_mul(4) + 60,
        );
        if !store.take_lease(source.id, node, now, ttl).await? {
            continue;
        }
        polled += 1;
        let outcome = match poll_source(app, fetcher, &source).await {
            Ok(r) if r.not_modified => {
                app.metrics()
                    .reprint_polls
                    .with_label_values(&["not_modified"])
                    .inc();
                PollOutcome {
                    status: "not_modified",
                    ..Default::default()
                }
            }
            Ok(r) => {
                app.metrics().reprint_polls.with_label_values(&["ok"]).inc();
                PollOutcome {
                    status: "ok",
                    error: None,
                    etag: r.etag,
                    last_modified: r.last_modified,
                }
            }
            Err(e) => {
                app.metrics()
                    .reprint_polls
                    .with_label_values(&["error"])
                    .inc();
                tracing::warn!(source = %source.id, name = %source.name, error = %e, "feed poll failed");
                PollOutcome {
                    status: "error",
                    error: Some(e.to_string()),
                    ..Default::default()
                }
            }
        };
        store
            .finish_poll(source.id, node, &outcome, zhanqun_store::now())
            .await?;
    }
    Ok(polled)
}

/// Pending approvals past their alert time: one warning in the log, the alert counter, and the
/// notice the console shows the site's reviewers (each delivery alerts once, on one node).
pub async fn raise_alerts(app: &App) -> Result<usize> {
    let deadlines = app.config().deadlines();
    let now = zhanqun_store::now();
    let alerts = app.store().raise_alerts(now - deadlines.alert, now).await?;
    for a in &alerts {
        app.metrics().reprint_alerts.inc();
        tracing::warn!(
            delivery = a.delivery,
            site = %a.site_code,
            title = %a.title,
            published = %a.source_published_at,
            "reprint waiting for approval is near its deadline"
        );
    }
    Ok(alerts.len())
}
