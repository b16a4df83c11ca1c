//! The background jobs of a node, each a task of [`crate::serve`] that stops with it:
//!
//! - **change sync**: changes made by other processes (the CLI, other nodes) read from the
//!   store's change log, so that this node's page cache, directory and search follow;
//! - **housekeeping**, every second: this node's buffers (reprint shown times, visit counts), and
//!   on the node holding the jobs lease, scheduled publishing and the job gauges;
//! - **generated data sets**, every minute on the node holding the jobs lease: their monthly
//!   files;
//! - **reprint** ([`reprint`]): feed polling and approval deadline alerts;
//! - **search**: this node's index brought up to date, then fed;
//! - **warm-up**, once: the list of sites the console reads, read at start.
//!
//! A new periodic job is a function here started from [`spawn`] with [`every`]; work that must
//! happen once in the cluster checks `app.leads_jobs()` (the jobs lease).

pub mod reprint;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use zhanqun_core::Result;
use zhanqun_web::App;

/// Resolves once the stop signal is raised.
pub(crate) async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}

/// Starts every job of this node on `tasks`; each ends when `rx` says stop.
pub(crate) fn spawn(
    tasks: &mut JoinSet<()>,
    app: &Arc<App>,
    rx: &watch::Receiver<bool>,
) -> Result<()> {
    let wait = stopped;
    // Changes made by other processes (the CLI, other nodes) reach this one through the
    // store's change log: read every `jobs.change_poll_ms`, and at once when PostgreSQL
    // notifies a commit.
    {
        let (app, stop) = (app.clone(), wait(rx.clone()));
        tasks.spawn(async move {
            let poll = std::time::Duration::from_millis(app.config().jobs.change_poll_ms);
            let mut tick = tokio::time::interval(poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut wakeups = match app.store().change_wakeups().await {
                Ok(w) => w,
                Err(e) => {
                    tracing::warn!(error = %e, "change notifications unavailable; polling only");
                    None
                }
            };
            tokio::pin!(stop);
            loop {
                let woken = async {
                    match wakeups.as_mut() {
                        Some(w) => w.next().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tick.tick() => {}
                    r = woken => {
                        if let Err(e) = r {
                            tracing::warn!(error = %e, "change notification lost");
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        }
                    }
                }
                if let Err(e) = app.sync_changes().await {
                    tracing::warn!(error = %e, "change log unavailable");
                }
            }
        });
    }
    // Housekeeping, every second: this node's own buffers (reprint shown times, visit counts),
    // and — on the one node holding the jobs lease — scheduled publishing and the job gauges.
    {
        let app = app.clone();
        let mut ticks: u64 = 0;
        every(tasks, Duration::from_secs(1), wait(rx.clone()), move || {
            ticks += 1;
            let (app, ticks) = (app.clone(), ticks);
            async move { housekeeping(&app, ticks).await }
        });
    }
    // Reprint: feed polling (each poll leased in the store, so several nodes poll once) and
    // deadline alerts of pending approvals. Its own task: a slow feed never delays the change
    // log above.
    if app.config().reprint.poll {
        let app = app.clone();
        let fetcher = Arc::new(zhanqun_feeds::Fetcher::new(&reprint::policy(
            &app.config().reprint,
        ))?);
        every(tasks, Duration::from_secs(2), wait(rx.clone()), move || {
            let (app, fetcher) = (app.clone(), fetcher.clone());
            async move { reprint::tick(&app, &fetcher).await }
        });
    }
    // Generated data sets: each one's monthly file, looked for every minute on the node holding
    // the jobs lease, in a task of its own (the first of a month writes every set of the
    // cluster; housekeeping's second-by-second work does not wait for it).
    {
        let app = app.clone();
        every(
            tasks,
            Duration::from_secs(60),
            wait(rx.clone()),
            move || {
                let app = app.clone();
                async move {
                    if !app.leads_jobs() {
                        return;
                    }
                    let media = app.config().data_dir.join("media");
                    let written = app
                        .store()
                        .regenerate_datasets(&media, zhanqun_store::now())
                        .await;
                    if let Ok(n @ 1..) = written {
                        tracing::info!(datasets = n, "generated data sets written");
                    }
                    record_run(&app, "datasets", written);
                }
            },
        );
    }
    // Search: this node's index, brought up to date (or rebuilt) in the background while the
    // sites are served, then fed: at once when this node changes an article, and from the
    // change log every `search::POLL` for changes made elsewhere.
    if app.config().search.enabled {
        let (app, stop) = (app.clone(), wait(rx.clone()));
        tasks.spawn(async move {
            // Opened here, not before serving: loading the dictionary takes a moment, and until
            // the index is open the search page says search is not available yet.
            let feed = app.search_state().feed.clone();
            let mut caught_up = false;
            let mut tried: Option<std::time::Instant> = None;
            tokio::pin!(stop);
            loop {
                if !caught_up {
                    // At start, and again every 10 s while it fails (a store not reachable yet,
                    // the index directory held by another process).
                    if tried.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
                        tried = Some(std::time::Instant::now());
                        match app.search_catch_up().await {
                            Ok(_) => caught_up = true,
                            Err(e) => {
                                tracing::error!(error = %e, "search index not brought up to date; retried in 10 s")
                            }
                        }
                    }
                }
                tokio::select! {
                    _ = &mut stop => break,
                    _ = feed.woken() => {}
                    _ = tokio::time::sleep(zhanqun_web::search::POLL) => {}
                }
                if !caught_up {
                    continue;
                }
                let outcome = match app.search_step().await {
                    Ok(_) => "ok",
                    Err(e) => {
                        tracing::warn!(error = %e, "search index not updated; retried");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        "error"
                    }
                };
                app.metrics()
                    .job_runs
                    .with_label_values(&["search", outcome])
                    .inc();
            }
        });
    }
    // Once, at start: the list of sites every console list and dashboard reads (kept by the
    // directory until a site changes; 3,346 sites and their hosts are some 20 ms to read), so
    // that the first person in the console after a restart does not wait for it.
    {
        let app = app.clone();
        tasks.spawn(async move {
            if let Err(e) = app.sites().await {
                tracing::warn!(error = %e, "the list of sites was not read at start; read on first use");
            }
        });
    }
    Ok(())
}

/// Runs `job` every `period` until `stop` (a late tick waits, it never bursts).
pub(crate) fn every<F, Fut>(
    tasks: &mut tokio::task::JoinSet<()>,
    period: Duration,
    stop: impl Future<Output = ()> + Send + 'static,
    mut job: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tasks.spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                _ = tick.tick() => job().await,
            }
        }
    });
}

/// Counts a run of `job` in the job gauge, ok or error; a failure is logged with the job's name.
pub(crate) fn record_run<T>(app: &App, job: &str, r: Result<T>) {
    let outcome = match r {
        Ok(_) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, job, "job failed");
            "error"
        }
    };
    app.metrics()
        .job_runs
        .with_label_values(&[job, outcome])
        .inc();
}

/// One second of housekeeping (`ticks` counts the seconds since the start).
async fn housekeeping(app: &App, ticks: u64) {
    if let Err(e) = app.flush_shown().await {
        tracing::warn!(error = %e, "reprint shown times not recorded");
    }
    if let Err(e) = app.visits().refresh_salt(app.store()).await {
        tracing::warn!(error = %e, "visit salt of the day not loaded");
    }
    if ticks.is_multiple_of(app.config().visits.flush_seconds) {
        match app.visits().flush(app.store()).await {
            Ok(n) => app.metrics().visits_flushed.inc_by(n),
            Err(e) => {
                tracing::warn!(error = %e, "visit counts not recorded; kept for the next flush")
            }
        }
    }
    // Scheduled publishing and unpublishing: the schedule lives in the
    // store, so a restart (or another node) picks it up.
    let leads = app.hold_jobs_lease().await;
    let runs = &app.metrics().job_runs;
    let outcome = |r: zhanqun_core::Result<()>, job: &str| record_run(app, job, r);
    // The gauges of reprint timeliness every 15 s, the national check's
    // veto count every 5 minutes (first two seconds after the start).
    if leads && ticks.is_multiple_of(15) {
        outcome(app.report_reprint().await, "reprint_report");
    }
    if leads && (ticks % 300 == 2) {
        outcome(app.report_checks().await, "checks_report");
    }
    // Letters by standing every minute (first three seconds after the start).
    if leads && (ticks % 60 == 3) {
        outcome(app.report_letters().await, "letters_report");
    }
    if leads && ticks.is_multiple_of(5) {
        match app.store().run_due(zhanqun_store::now()).await {
            Ok((p, u)) => {
                runs.with_label_values(&["schedule", "ok"]).inc();
                app.metrics()
                    .publishes
                    .with_label_values(&["schedule"])
                    .inc_by(p);
                if p + u > 0 {
                    tracing::info!(published = p, unpublished = u, "scheduled articles");
                }
            }
            Err(e) => {
                runs.with_label_values(&["schedule", "error"]).inc();
                tracing::warn!(error = %e, "scheduled publishing failed");
            }
        }
    }
}
