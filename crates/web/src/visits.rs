//! Counting visits on the public request path.
//!
//! A counted view costs a clock read, a keyed hash of the client address and user agent, and
//! an insert into this node's pending batch (one per thread) under a mutex — no I/O. The server flushes the batch
//! to the store every `visits.flush_seconds` (one transaction, merged with other nodes' counts).
//! A killed process loses what it counted since the last flush; a graceful stop flushes first;
//! a flush that fails goes back into the next one.

use std::net::SocketAddr;
use std::sync::{Mutex, RwLock};

use axum::http::HeaderMap;
use axum::http::header;
use chrono::NaiveDate;
use std::collections::BTreeMap;

use zhanqun_core::visits::{PageKind, Sketch, VisitBatch, china_day, is_bot, visitor_key};
use zhanqun_core::{Result, SiteId};
use zhanqun_store::Store;

use crate::client::{ProxyNet, client_ip};
use crate::config::VisitsConfig;

/// What this node counted. Views are deltas since the last flush. Sketches are the node's whole
/// day, kept across flushes: merging is idempotent (a register keeps its maximum), so sending
/// the whole day again is exact, and a sketch that stays in memory stays in its dense form,
/// where an insert is a register update instead of a rebuild of the sparse list.
#[derive(Default)]
struct Pending {
    days: BTreeMap<(SiteId, NaiveDate), DayState>,
    pages: BTreeMap<(SiteId, NaiveDate, PageKind, i64), u64>,
}

#[derive(Default)]
struct DayState {
    /// Views since the last flush.
    views: u64,
    /// The node's sketch of the whole day.
    sketch: Sketch,
    /// The sketch changed since the last flush.
    dirty: bool,
}

static NEXT_SHARD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn new_shards() -> Vec<Mutex<Pending>> {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 16);
    (0..n).map(|_| Mutex::new(Pending::default())).collect()
}

/// Upper bound of distinct (site, day, page) entries pending between two flushes, so a flood of
/// requests for distinct pages can't grow memory without bound (beyond it, page views still
/// count towards the site's day).
const PAGES_MAX: usize = 200_000;

pub struct VisitCounter {
    enabled: bool,
    trusted: Vec<ProxyNet>,
    /// One pending batch per shard; each thread counts into its own shard, so request threads
    /// neither wait on one lock nor pass the same sketch's cache lines between cores.
    shards: Vec<Mutex<Pending>>,
    /// The day whose salt is loaded, and the salt.
    salt: RwLock<(NaiveDate, [u8; 16])>,
}

impl VisitCounter {
    pub async fn new(
        config: &VisitsConfig,
        trusted_proxies: &[ProxyNet],
        store: &Store,
    ) -> Result<VisitCounter> {
        let today = china_day(zhanqun_store::now());
        let salt = if config.count {
            store.visit_salt(today).await?
        } else {
            [0; 16]
        };
        Ok(VisitCounter {
            enabled: config.count,
            trusted: trusted_proxies.to_vec(),
            shards: new_shards(),
            salt: RwLock::new((today, salt)),
        })
    }

    fn shard(&self) -> std::sync::MutexGuard<'_, Pending> {
        thread_local! {
            static INDEX: usize = NEXT_SHARD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let i = INDEX.with(|i| *i) % self.shards.len();
        self.shards[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A counter that counts without a store, with a fixed salt: for measuring the cost of
    /// counting (`visit-cost`), never for serving.
    pub fn detached(trusted: Vec<ProxyNet>, salt: [u8; 16]) -> VisitCounter {
        VisitCounter {
            enabled: true,
            trusted,
            shards: new_shards(),
            salt: RwLock::new((china_day(chrono::Utc::now()), salt)),
        }
    }

    /// Views counted and not yet flushed.
    pub fn pending_views(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .days
                    .values()
                    .map(|d| d.views)
                    .sum::<u64>()
            })
            .sum()
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Counts a page view of a person (crawlers, tools and prefetches are left out).
    pub fn count(
        &self,
        site: SiteId,
        page: PageKind,
        target: i64,
        peer: Option<SocketAddr>,
        headers: &HeaderMap,
    ) {
        if !self.enabled {
            return;
        }
        let ua = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if is_bot_cached(ua) || is_prefetch(headers) {
            return;
        }
        let ip = client_ip(peer, headers, &self.trusted);
        let day = china_day(chrono::Utc::now());
        // The salt of the loaded day; in the second after midnight, before the server loop has
        // loaded the new day's salt, yesterday's (a visitor of that second may count twice).
        let key = {
            let s = self.salt.read().unwrap_or_else(|p| p.into_inner());
            visitor_key(&s.1, ip, ua)
        };
        let mut b = self.shard();
        let d = b.days.entry((site, day)).or_default();
        d.views += 1;
        d.sketch.insert(key);
        d.dirty = true;
        let k = (site, day, page, target);
        if b.pages.len() < PAGES_MAX || b.pages.contains_key(&k) {
            *b.pages.entry(k).or_default() += 1;
        }
    }

    /// Loads the salt of the current day when the day has changed (the server calls this every
    /// second).
    pub async fn refresh_salt(&self, store: &Store) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let today = china_day(zhanqun_store::now());
        let loaded = self.salt.read().unwrap_or_else(|p| p.into_inner()).0;
        if loaded != today {
            let salt = store.visit_salt(today).await?;
            *self.salt.write().unwrap_or_else(|p| p.into_inner()) = (today, salt);
        }
        Ok(())
    }

    /// Writes the pending counts to the store; returns the page views written. On failure the
    /// counts go back into the pending batch for the next flush.
    pub async fn flush(&self, store: &Store) -> Result<u64> {
        let mut batch = VisitBatch::default();
        // Days before yesterday are complete: their sketches are sent for the last time now.
        let keep_from = china_day(zhanqun_store::now()) - chrono::Duration::days(1);
        for shard in &self.shards {
            let mut p = shard.lock().unwrap_or_else(|p| p.into_inner());
            for (k, n) in std::mem::take(&mut p.pages) {
                *batch.pages.entry(k).or_default() += n;
            }
            for (key, d) in p.days.iter_mut().filter(|(_, d)| d.dirty) {
                let out = batch.days.entry(*key).or_default();
                out.views += std::mem::take(&mut d.views);
                d.dirty = false;
                // Same precision everywhere: merging can't fail.
                let _ = out.visitors.merge(&d.sketch);
            }
            p.days.retain(|(_, day), d| *day >= keep_from || d.dirty);
        }
        if batch.is_empty() {
            return Ok(0);
        }
        let views = batch.views();
        match store.record_visits(&batch).await {
            Ok(()) => Ok(views),
            Err(e) => {
                // Back into the next flush: the view deltas added again, the sketches merged
                // (or kept, for a day that was dropped meanwhile) and marked changed.
                let mut p = self.shard();
                for (k, n) in batch.pages {
                    *p.pages.entry(k).or_default() += n;
                }
                for (k, d) in batch.days {
                    let s = p.days.entry(k).or_default();
                    s.views += d.views;
                    let _ = s.sketch.merge(&d.visitors);
                    s.dirty = true;
                }
                Err(e)
            }
        }
    }
}

/// [`is_bot`] with a small per-thread memory of recent user agents: a site's visitors use a few
/// hundred distinct browsers, and hashing the string is cheaper than matching it.
fn is_bot_cached(ua: &str) -> bool {
    use std::cell::RefCell;
    const SLOTS: usize = 256;
    thread_local! {
        static SEEN: RefCell<Vec<(u64, bool)>> = RefCell::new(vec![(0, false); SLOTS]);
    }
    // SipHash with fixed keys (std's DefaultHasher); 0 marks an empty slot.
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hasher::write(&mut hasher, ua.as_bytes());
    let h = std::hash::Hasher::finish(&hasher).max(1);
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        let slot = &mut seen[(h % SLOTS as u64) as usize];
        if slot.0 == h {
            return slot.1;
        }
        let bot = is_bot(ua);
        *slot = (h, bot);
        bot
    })
}

/// Browsers' speculative loads (`Sec-Purpose: prefetch`, `Purpose: prefetch`) are not views.
fn is_prefetch(headers: &HeaderMap) -> bool {
    ["sec-purpose", "purpose", "x-moz"].iter().any(|h| {
        headers
            .get(*h)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("prefetch"))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_bot_memory_answers_as_the_matcher_does() {
        for _ in 0..3 {
            assert!(is_bot_cached("curl/8.5.0"));
            assert!(is_bot_cached("Mozilla/5.0 (compatible; Googlebot/2.1)"));
            assert!(!is_bot_cached(
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
            ));
            assert!(is_bot_cached(""));
        }
    }
}
