//! Visit counting rules: what counts as a person's page view, the visitor key, and the
//! unique-visitor sketch.
//!
//! No client address or user agent is ever stored. A request's address and user agent are
//! hashed with the day's random salt (SipHash-1-3, keyed by the salt) into a 64-bit key, and
//! the key goes into a HyperLogLog++ sketch (precision 14: 16,384 registers, about 0.8 %
//! standard error, exact below a few hundred visitors thanks to the sparse representation).
//! Only the sketch is stored; it keeps no key, just the longest run of zero bits seen per
//! register. Sketches merge: a site's year is the merge of its days, the province's day the
//! merge of its sites, and several nodes' counts of one day are merged as they are flushed.

use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::IpAddr;

use chrono::{DateTime, NaiveDate, Utc};
use hyperloglogplus::{HyperLogLog, HyperLogLogPlus};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The sketch's precision: 2^14 registers.
pub const PRECISION: u8 = 14;

/// The Beijing day of an instant: visits are counted per Beijing day.
pub fn china_day(t: DateTime<Utc>) -> NaiveDate {
    crate::beijing::day(t)
}

/// The keys are already uniform 64-bit hashes: the sketch's hasher passes them through.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct PassThrough;

#[derive(Debug, Default)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the keys are u64); fold anything else in anyway.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

impl BuildHasher for PassThrough {
    type Hasher = PassThroughHasher;
    fn build_hasher(&self) -> PassThroughHasher {
        PassThroughHasher(0)
    }
}

/// A mergeable estimate of how many distinct visitors were seen.
#[derive(Clone)]
pub struct Sketch(HyperLogLogPlus<u64, PassThrough>);

impl std::fmt::Debug for Sketch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sketch")
    }
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch::new()
    }
}

impl Sketch {
    pub fn new() -> Sketch {
        match HyperLogLogPlus::new(PRECISION, PassThrough) {
            Ok(h) => Sketch(h),
            // PRECISION is a constant within the crate's 4..=18.
            Err(e) => unreachable!("sketch precision {PRECISION}: {e:?}"),
        }
    }

    /// Adds a visitor key (see [`visitor_key`]).
    pub fn insert(&mut self, key: u64) {
        self.0.insert(&key);
    }

    /// Adds everything `other` has seen.
    pub fn merge(&mut self, other: &Sketch) -> Result<()> {
        self.0
            .merge(&other.0)
            .map_err(|e| Error::internal(format!("sketch merge: {e:?}")))
    }

    /// The estimated number of distinct visitors.
    pub fn estimate(&mut self) -> u64 {
        let n = self.0.count();
        if n.is_finite() && n > 0.0 {
            n.round() as u64
        } else {
            0
        }
    }

    /// The stored form: the sketch as JSON, deflated (a dense sketch is 15–20 KB, a small
    /// site's sparse one a few hundred bytes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(&self.0).map_err(Error::internal)?;
        let mut z = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(json.len() / 2),
            flate2::Compression::fast(),
        );
        z.write_all(&json).map_err(Error::internal)?;
        z.finish().map_err(Error::internal)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Sketch> {
        let mut json = Vec::new();
        flate2::read::DeflateDecoder::new(bytes)
            .take(4 << 20)
            .read_to_end(&mut json)
            .map_err(|e| Error::internal(format!("stored sketch unreadable: {e}")))?;
        let h: HyperLogLogPlus<u64, PassThrough> = serde_json::from_slice(&json)
            .map_err(|e| Error::internal(format!("stored sketch unreadable: {e}")))?;
        // A sketch of another precision is refused by `merge`.
        Ok(Sketch(h))
    }
}

/// Which kind of page a view was of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    Home,
    Column,
    Article,
    Catalogue,
}

impl PageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Home => "home",
            PageKind::Column => "column",
            PageKind::Article => "article",
            PageKind::Catalogue => "catalogue",
        }
    }
}

/// One site's day as counted by one node since its last flush.
#[derive(Debug, Clone, Default)]
pub struct DayCount {
    pub views: u64,
    pub visitors: Sketch,
}

/// What a node flushes to the store: per (site, day) the views and the visitor sketch, per
/// page the views (`target` is the column or article id, 0 for the home page and catalogue).
#[derive(Debug, Clone, Default)]
pub struct VisitBatch {
    pub days: std::collections::BTreeMap<(crate::SiteId, NaiveDate), DayCount>,
    pub pages: std::collections::BTreeMap<(crate::SiteId, NaiveDate, PageKind, i64), u64>,
}

impl VisitBatch {
    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.pages.is_empty()
    }

    /// Counts one page view.
    pub fn count(
        &mut self,
        site: crate::SiteId,
        day: NaiveDate,
        page: PageKind,
        target: i64,
        visitor: u64,
    ) {
        let d = self.days.entry((site, day)).or_default();
        d.views += 1;
        d.visitors.insert(visitor);
        *self.pages.entry((site, day, page, target)).or_default() += 1;
    }

    /// Adds another batch (a flush that failed goes back into the next one).
    pub fn absorb(&mut self, other: VisitBatch) {
        for (k, v) in other.days {
            let d = self.days.entry(k).or_default();
            d.views += v.views;
            // Same precision on both sides: merge can't fail.
            let _ = d.visitors.merge(&v.visitors);
        }
        for (k, n) in other.pages {
            *self.pages.entry(k).or_default() += n;
        }
    }

    pub fn views(&self) -> u64 {
        self.days.values().map(|d| d.views).sum()
    }
}

/// The visitor key of a request: the client address and user agent hashed with the day's salt.
/// The same person on the same day gets the same key on every node and every site (the salt is
/// shared through the store); tomorrow's salt makes it unlinkable to today's.
pub fn visitor_key(salt: &[u8; 16], ip: IpAddr, user_agent: &str) -> u64 {
    let mut h = siphasher::sip::SipHasher13::new_with_key(salt);
    match ip {
        IpAddr::V4(a) => h.write(&a.octets()),
        // An IPv6 client is identified by its /64 (the host part changes with privacy
        // extensions).
        IpAddr::V6(a) => h.write(&a.octets()[..8]),
    }
    h.write_u8(0xff);
    h.write(user_agent.as_bytes());
    h.finish()
}

/// Substrings (lower case) of the user agents of crawlers, monitors and tools, matched
/// case-insensitively in one pass of a DFA (Aho-Corasick, about one step a byte); an empty user
/// agent is a tool too.
const BOT_MARKERS: &[&str] = &[
    "bot",
    "spider",
    "crawl",
    "slurp",
    "sogou",
    "headlesschrome",
    "phantomjs",
    "lighthouse",
    "pingdom",
    "uptime",
    "monitor",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "httpclient",
    "scrapy",
    "wrk",
    "apachebench",
    "feedfetcher",
    "facebookexternalhit",
    "preview",
];

static BOTS: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .ascii_case_insensitive(true)
            .build(BOT_MARKERS)
            .ok()
    });

/// Whether a user agent is a crawler or tool rather than a person's browser.
pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return true;
    }
    match &*BOTS {
        Some(m) => m.is_match(ua),
        // The automaton is built from constants and can't fail; were it to, count everyone.
        None => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn keys(n: u64, salt: u8) -> impl Iterator<Item = u64> {
        (0..n).map(move |i| {
            let ip = IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
            visitor_key(&[salt; 16], ip, "Mozilla/5.0 (Windows NT 10.0) Chrome/120")
        })
    }

    #[test]
    fn within_two_percent_at_ten_thousand_visitors() {
        for salt in 0..5u8 {
            let mut s = Sketch::new();
            for k in keys(10_000, salt) {
                s.insert(k);
                s.insert(k); // a visitor's second page view is not a second visitor
            }
            let est = s.estimate() as f64;
            assert!(
                (est - 10_000.0).abs() / 10_000.0 < 0.02,
                "salt {salt}: estimate {est}"
            );
        }
    }

    #[test]
    fn small_counts_are_exact() {
        let mut s = Sketch::new();
        for k in keys(37, 1) {
            s.insert(k);
        }
        assert_eq!(s.estimate(), 37);
        assert_eq!(Sketch::new().estimate(), 0);
    }

    #[test]
    fn two_halves_merge_to_the_whole_through_the_stored_form() {
        let all: Vec<u64> = keys(12_000, 3).collect();
        let (mut a, mut b) = (Sketch::new(), Sketch::new());
        // Two nodes (or two flush periods) that saw overlapping visitors.
        for k in &all[..8_000] {
            a.insert(*k);
        }
        for k in &all[4_000..] {
            b.insert(*k);
        }
        let b = Sketch::from_bytes(&b.to_bytes().unwrap()).unwrap();
        let mut a = Sketch::from_bytes(&a.to_bytes().unwrap()).unwrap();
        a.merge(&b).unwrap();
        let est = a.estimate() as f64;
        assert!((est - 12_000.0).abs() / 12_000.0 < 0.02, "merged {est}");
        // Not the sum of the parts.
        assert!(est < 14_000.0);
    }

    #[test]
    fn keys_depend_on_the_salt_and_identify_a_v6_client_by_its_prefix() {
        let ip: IpAddr = "240e:1:2:3:4:5:6:7".parse().unwrap();
        let other_host: IpAddr = "240e:1:2:3:ffff:5:6:8".parse().unwrap();
        let ua = "Mozilla/5.0";
        assert_eq!(
            visitor_key(&[1; 16], ip, ua),
            visitor_key(&[1; 16], other_host, ua)
        );
        assert_ne!(visitor_key(&[1; 16], ip, ua), visitor_key(&[2; 16], ip, ua));
        assert_ne!(
            visitor_key(&[1; 16], ip, ua),
            visitor_key(&[1; 16], ip, "Other/1.0")
        );
    }

    #[test]
    fn bots_and_tools_are_recognised() {
        for ua in [
            "",
            "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "Mozilla/5.0 (compatible; Googlebot/2.1)",
            "Sogou web spider/4.0",
            "curl/8.5.0",
            "python-requests/2.31",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0",
            "wrk",
        ] {
            assert!(is_bot(ua), "{ua}");
        }
        for ua in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0",
        ] {
            assert!(!is_bot(ua), "{ua}");
        }
    }

    #[test]
    fn beijing_day() {
        let t = DateTime::parse_from_rfc3339("2026-11-21T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(china_day(t), NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
    }
}
