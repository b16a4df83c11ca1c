//! Counting visits on the public request path.
//!
//! A counted view costs a clock read, a keyed hash of the client address and user agent, and
//! an insert into this node's pending batch under a mutex — no I/O. The server flushes the batch
//! to the store every `visits.flush_seconds` (one transaction, merged with other nodes' counts).
//! A killed process loses what it counted since the last flush; a graceful stop flushes first;
//! a flush that fails goes back into the next one.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, RwLock};

use axum::http::HeaderMap;
use axum::http::header;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

use zhanqun_core::visits::{
    DayCount, PageKind, Sketch, VisitBatch, china_day, is_bot, visitor_key,
};
use zhanqun_core::{Result, SiteId};
use zhanqun_store::Store;

use crate::config::VisitsConfig;

/// What this node counted. Views are deltas since the last flush. Sketches are the node's whole
/// day, kept across flushes: merging is idempotent (a register keeps its maximum), so sending
/// the whole day again is exact, and a sketch that stays in memory stays in its dense form,
/// where an insert is a register update instead of a rebuild of the sparse list.
#[derive(Default)]
struct Pending {
    views: BTreeMap<(SiteId, NaiveDate), u64>,
    pages: BTreeMap<(SiteId, NaiveDate, PageKind, i64), u64>,
    /// The node's sketch of each site-day, and whether it changed since the last flush.
    sketches: HashMap<(SiteId, NaiveDate), (Sketch, bool)>,
}

/// Upper bound of distinct (site, day, page) entries pending between two flushes, so a flood of
/// requests for distinct pages can't grow memory without bound (beyond it, page views still
/// count towards the site's day).
const PAGES_MAX: usize = 200_000;

pub struct VisitCounter {
    enabled: bool,
    trusted: Vec<IpAddr>,
    pending: Mutex<Pending>,
    /// The day whose salt is loaded, and the salt.
    salt: RwLock<(NaiveDate, [u8; 16])>,
}

impl VisitCounter {
    pub async fn new(config: &VisitsConfig, store: &Store) -> Result<VisitCounter> {
        let today = china_day(zhanqun_store::now());
        let salt = if config.count {
            store.visit_salt(today).await?
        } else {
            [0; 16]
        };
        Ok(VisitCounter {
            enabled: config.count,
            trusted: config.trusted_proxies.clone(),
            pending: Mutex::new(Pending::default()),
            salt: RwLock::new((today, salt)),
        })
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
        if is_bot(ua) || is_prefetch(headers) {
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
        let mut b = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        *b.views.entry((site, day)).or_default() += 1;
        let s = b.sketches.entry((site, day)).or_default();
        s.0.insert(key);
        s.1 = true;
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
        let batch = {
            let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            let mut batch = VisitBatch {
                pages: std::mem::take(&mut p.pages),
                ..VisitBatch::default()
            };
            for (key, views) in std::mem::take(&mut p.views) {
                let visitors = match p.sketches.get_mut(&key) {
                    Some((sketch, dirty)) => {
                        *dirty = false;
                        sketch.clone()
                    }
                    None => Sketch::new(),
                };
                batch.days.insert(key, DayCount { views, visitors });
            }
            // Days before yesterday are complete: their sketches were just sent for the last
            // time.
            let keep_from = china_day(zhanqun_store::now()) - chrono::Duration::days(1);
            p.sketches
                .retain(|(_, day), (_, dirty)| *day >= keep_from || *dirty);
            batch
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let views = batch.views();
        match store.record_visits(&batch).await {
            Ok(()) => Ok(views),
            Err(e) => {
                // Back into the next flush: the view deltas added again, the sketches merged
                // (or kept, for a day that was dropped meanwhile) and marked changed.
                let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                for (k, n) in batch.pages {
                    *p.pages.entry(k).or_default() += n;
                }
                for (k, d) in batch.days {
                    *p.views.entry(k).or_default() += d.views;
                    let s = p.sketches.entry(k).or_default();
                    let _ = s.0.merge(&d.visitors);
                    s.1 = true;
                }
                Err(e)
            }
        }
    }
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

/// The client's address: the peer, or — when the peer is a trusted proxy — the last address in
/// `X-Forwarded-For` that isn't itself a trusted proxy.
pub fn client_ip(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.map(|p| p.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if !trusted.contains(&peer) {
        return peer;
    }
    // The nearest hop first: the last header, its last address.
    headers
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.rsplit(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.2.3.4, 10.0.0.9".parse().unwrap());
        let proxy: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        let other: SocketAddr = "8.8.8.8:5000".parse().unwrap();
        let trusted: Vec<IpAddr> = vec!["10.0.0.2".parse().unwrap(), "10.0.0.9".parse().unwrap()];
        assert_eq!(
            client_ip(Some(proxy), &h, &trusted),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(Some(other), &h, &trusted), other.ip());
        assert_eq!(
            client_ip(Some(proxy), &HeaderMap::new(), &trusted),
            proxy.ip()
        );
    }
}
