//! The page cache: rendered public pages in memory, bounded by bytes, invalidated exactly.
//!
//! Every cached page lists what it shows as [`Dep`]s (its site's settings, its site's content as
//! a whole, a column, an article). A content change bumps the version of the deps it touches; a
//! page stays valid while none of its deps was bumped after the page began to render. So an edit
//! refreshes the article's page, the lists of every column that places it, and the home pages,
//! feeds and sitemaps of every site that places it — and nothing else.
//!
//! A hit costs a hash lookup, a few version checks and a header copy: no rendering and, after the
//! first request for an encoding, no compression (gzip and brotli forms are made once per page).

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::Response;
use zhanqun_core::{ArticleId, ColumnId, ListItem, SiteId};
use zhanqun_store::{Facets, ServiceFacets};

/// Something a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dep {
    /// The site's settings, hosts and columns (header, navigation, footer of every page).
    Site(SiteId),
    /// Any article placed on the site (home page, feeds, sitemap, catalogue).
    SiteContent(SiteId),
    /// The articles placed in one column.
    Column(ColumnId),
    /// One article.
    Article(ArticleId),
    /// Any article of any site, or any site's status (the province-wide service catalogue).
    AnyContent,
}

/// Cache key: site, and the normalised path with the query parameters the page reads.
pub type PageKey = (SiteId, Box<str>);

pub struct CachedPage {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
    etag: String,
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
    deps: Vec<Dep>,
    generation: u64,
}

impl CachedPage {
    /// Wraps a rendered body. `generation` is [`PageCache::generation`] read before rendering.
    pub fn new(
        status: StatusCode,
        content_type: &'static str,
        body: String,
        deps: Vec<Dep>,
        generation: u64,
    ) -> CachedPage {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut h);
        let etag = format!("{:016x}", h.finish());
        CachedPage {
            status,
            content_type,
            body: Bytes::from(body),
            etag,
            gzip: OnceLock::new(),
            br: OnceLock::new(),
            deps,
            generation,
        }
    }

    fn compressible(&self) -> bool {
        self.body.len() > 512
    }

    /// The response for a request with `headers`: 304 when the client has it, else the best
    /// encoding the client accepts.
    pub fn respond(&self, headers: &HeaderMap, max_age: u32) -> Response {
        let cache_control = if self.status.is_success() {
            format!("public, max-age={max_age}")
        } else {
            "public, max-age=10".to_string()
        };
        if self.status == StatusCode::OK && etag_matches(headers, &self.etag) {
            return builder(StatusCode::NOT_MODIFIED, &cache_control)
                .header(header::ETAG, format!("\"{}\"", self.etag))
                .body(Body::empty())
                .unwrap_or_default();
        }
        let (body, encoding, tag) = match (self.compressible(), accepted(headers)) {
            (true, Encoding::Brotli) => (
                self.br.get_or_init(|| brotli(&self.body)).clone(),
                Some("br"),
                format!("\"{}-br\"", self.etag),
            ),
            (true, Encoding::Gzip) => (
                self.gzip.get_or_init(|| gzip(&self.body)).clone(),
                Some("gzip"),
                format!("\"{}-gz\"", self.etag),
            ),
            _ => (self.body.clone(), None, format!("\"{}\"", self.etag)),
        };
        let mut b = builder(self.status, &cache_control)
            .header(header::CONTENT_TYPE, self.content_type)
            .header(header::ETAG, tag);
        if let Some(enc) = encoding {
            b = b.header(header::CONTENT_ENCODING, enc);
        }
        b.body(Body::from(body)).unwrap_or_default()
    }

    pub fn weight(&self) -> u32 {
        // The body, room for its compressed forms, and the bookkeeping.
        u32::try_from(self.body.len() + self.body.len() / 2 + 256 + self.deps.len() * 16)
            .unwrap_or(u32::MAX)
    }
}

/// The newest articles of one column, as a home page lists them: kept so that a change to one
/// column re-reads that column only. A State Council reprint placed on every site changes one
/// column of each home page; re-rendering the thousands of home pages it invalidates then reads
/// one column each, not every column of every site (issue 17).
pub struct ColumnTop {
    pub items: Vec<ListItem>,
    deps: [Dep; 2],
    generation: u64,
}

impl ColumnTop {
    fn weight(&self) -> u32 {
        let text: usize = self
            .items
            .iter()
            .map(|i| {
                i.title.len()
                    + i.summary.as_ref().map_or(0, String::len)
                    + i.index_number.len()
                    + i.doc_number.as_ref().map_or(0, String::len)
                    + i.issuing_organ.as_ref().map_or(0, String::len)
                    + i.topic.as_ref().map_or(0, String::len)
                    + std::mem::size_of::<ListItem>()
            })
            .sum();
        u32::try_from(text + 64).unwrap_or(u32::MAX)
    }
}

/// What the cache keeps with the deps it showed and the generation it was read at.
trait Stamped {
    fn stamp(&self) -> (&[Dep], u64);
}

impl Stamped for CachedPage {
    fn stamp(&self) -> (&[Dep], u64) {
        (&self.deps, self.generation)
    }
}

impl Stamped for ColumnTop {
    fn stamp(&self) -> (&[Dep], u64) {
        (&self.deps, self.generation)
    }
}

impl Stamped for KeptFacets {
    fn stamp(&self) -> (&[Dep], u64) {
        (&self.deps, self.generation)
    }
}

impl Stamped for KeptServiceFacets {
    fn stamp(&self) -> (&[Dep], u64) {
        (&self.deps, self.generation)
    }
}

/// The province-wide service catalogue's facets (every item of the province counted: 6 ms on
/// the national fixture's 30,000), kept until any article or site changes, as the page is.
struct KeptServiceFacets {
    facets: Arc<ServiceFacets>,
    deps: [Dep; 1],
    generation: u64,
}

/// A site's catalogue facets (the values its filters offer and the kept counts behind them):
/// the catalogue and the search page read them on every render, so they are kept until any
/// article of the site changes, as the catalogue page itself is.
struct KeptFacets {
    facets: Arc<Facets>,
    deps: [Dep; 1],
    generation: u64,
}

fn builder(status: StatusCode, cache_control: &str) -> axum::http::response::Builder {
    Response::builder()
        .status(status)
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::VARY, HeaderValue::from_static("Accept-Encoding"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

fn accepted(headers: &HeaderMap) -> Encoding {
    let Some(v) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let mut br = false;
    let mut gz = false;
    for part in v.split(',') {
        let mut it = part.split(';');
        let token = it.next().unwrap_or("").trim();
        let q_zero = it.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>().map(|q| q <= 0.0).unwrap_or(false))
        });
        if q_zero {
            continue;
        }
        match token {
            "br" => br = true,
            "gzip" | "x-gzip" => gz = true,
            "*" => {
                br = true;
                gz = true;
            }
            _ => {}
        }
    }
    if br {
        Encoding::Brotli
    } else if gz {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether `If-None-Match` names this page (in any encoding; weak or strong).
fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    let Some(v) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    v.split(',').any(|t| {
        let t = t.trim();
        if t == "*" {
            return true;
        }
        let t = t.trim_start_matches("W/").trim_matches('"');
        let base = t
            .strip_suffix("-br")
            .or_else(|| t.strip_suffix("-gz"))
            .unwrap_or(t);
        base == etag
    })
}

fn gzip(data: &[u8]) -> Bytes {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::new(6),
    );
    if enc.write_all(data).is_err() {
        return Bytes::copy_from_slice(data);
    }
    enc.finish()
        .map(Bytes::from)
        .unwrap_or_else(|_| Bytes::copy_from_slice(data))
}

fn brotli(data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 7,
        lgwin: 22,
        ..Default::default()
    };
    match brotli::BrotliCompress(&mut &data[..], &mut out, &params) {
        Ok(_) => Bytes::from(out),
        Err(_) => Bytes::copy_from_slice(data),
    }
}

/// Decompresses a body (tests and benchmarks check what clients get).
pub fn decode(encoding: Option<&str>, body: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    match encoding {
        Some("gzip") => {
            flate2::read::GzDecoder::new(body).read_to_end(&mut out)?;
        }
        Some("br") => {
            brotli::BrotliDecompress(&mut &body[..], &mut out)?;
        }
        _ => out.extend_from_slice(body),
    }
    Ok(out)
}

pub struct PageCache {
    pages: moka::sync::Cache<PageKey, Arc<CachedPage>>,
    /// The newest articles of a column as the home page lists them, under the same versions as
    /// pages (see [`ColumnTop`]).
    tops: moka::sync::Cache<ColumnId, Arc<ColumnTop>>,
    facets: moka::sync::Cache<SiteId, Arc<KeptFacets>>,
    /// Keyed by how many departments they list.
    services: moka::sync::Cache<i64, Arc<KeptServiceFacets>>,
    versions: RwLock<HashMap<Dep, u64>>,
    clock: AtomicU64,
    /// Pages rendered before this generation are all stale (a bulk change).
    epoch: AtomicU64,
}

impl PageCache {
    pub fn new(max_bytes: u64) -> PageCache {
        PageCache {
            pages: moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|k: &PageKey, v: &Arc<CachedPage>| {
                    v.weight().saturating_add(k.1.len() as u32)
                })
                .build(),
            tops: moka::sync::Cache::builder()
                .max_capacity(max_bytes / 4)
                .weigher(|_: &ColumnId, v: &Arc<ColumnTop>| v.weight())
                .build(),
            facets: moka::sync::Cache::builder()
                .max_capacity(max_bytes / 8)
                .weigher(|_: &SiteId, v: &Arc<KeptFacets>| {
                    u32::try_from(v.facets.bytes()).unwrap_or(u32::MAX)
                })
                .build(),
            services: moka::sync::Cache::builder().max_capacity(4).build(),
            versions: RwLock::new(HashMap::new()),
            clock: AtomicU64::new(1),
            epoch: AtomicU64::new(0),
        }
    }

    /// Read before rendering; stored with the page.
    pub fn generation(&self) -> u64 {
        self.clock.load(Ordering::Acquire)
    }

    /// A valid cached page, or `None` (a stale page is dropped).
    pub fn get(&self, key: &PageKey) -> Option<Arc<CachedPage>> {
        self.fresh(&self.pages, key)
    }

    /// What `cache` keeps under `key` while none of its deps was bumped after it was read; a
    /// stale entry is dropped.
    fn fresh<K, V>(&self, cache: &moka::sync::Cache<K, Arc<V>>, key: &K) -> Option<Arc<V>>
    where
        K: std::hash::Hash + Eq + Send + Sync + 'static,
        V: Stamped + Send + Sync + 'static,
    {
        let kept = cache.get(key)?;
        let (deps, generation) = kept.stamp();
        if self.unchanged_since(deps, generation) {
            Some(kept)
        } else {
            cache.invalidate(key);
            None
        }
    }

    /// Whether none of `deps` was bumped after `generation`.
    fn unchanged_since(&self, deps: &[Dep], generation: u64) -> bool {
        if generation < self.epoch.load(Ordering::Acquire) {
            return false;
        }
        let Ok(versions) = self.versions.read() else {
            return false;
        };
        deps.iter()
            .all(|d| versions.get(d).is_none_or(|v| *v <= generation))
    }

    /// The kept newest articles of `column`, unless its articles or its site's columns changed
    /// since they were read.
    pub fn column_top(&self, column: ColumnId) -> Option<Arc<ColumnTop>> {
        self.fresh(&self.tops, &column)
    }

    /// Keeps the newest articles of `column` of `site`, read after `generation` was taken.
    pub fn keep_column_top(
        &self,
        site: SiteId,
        column: ColumnId,
        items: Vec<ListItem>,
        generation: u64,
    ) -> Arc<ColumnTop> {
        let top = Arc::new(ColumnTop {
            items,
            deps: [Dep::Column(column), Dep::Site(site)],
            generation,
        });
        self.tops.insert(column, top.clone());
        top
    }

    /// The kept catalogue facets of `site`, unless an article of the site changed since they
    /// were read.
    pub fn catalogue_facets(&self, site: SiteId) -> Option<Arc<Facets>> {
        self.fresh(&self.facets, &site).map(|k| k.facets.clone())
    }

    /// Keeps the catalogue facets of `site`, read after `generation` was taken.
    pub fn keep_catalogue_facets(
        &self,
        site: SiteId,
        facets: Facets,
        generation: u64,
    ) -> Arc<Facets> {
        let facets = Arc::new(facets);
        self.facets.insert(
            site,
            Arc::new(KeptFacets {
                facets: facets.clone(),
                deps: [Dep::SiteContent(site)],
                generation,
            }),
        );
        facets
    }

    /// The kept province-wide service facets listing `units` departments, unless an article or
    /// a site changed since they were read.
    pub fn province_service_facets(&self, units: i64) -> Option<Arc<ServiceFacets>> {
        self.fresh(&self.services, &units).map(|k| k.facets.clone())
    }

    /// Keeps the province-wide service facets, read after `generation` was taken.
    pub fn keep_province_service_facets(
        &self,
        units: i64,
        facets: ServiceFacets,
        generation: u64,
    ) -> Arc<ServiceFacets> {
        let facets = Arc::new(facets);
        self.services.insert(
            units,
            Arc::new(KeptServiceFacets {
                facets: facets.clone(),
                deps: [Dep::AnyContent],
                generation,
            }),
        );
        facets
    }

    pub fn insert(&self, key: PageKey, page: Arc<CachedPage>) {
        self.pages.insert(key, page);
    }

    /// Marks everything that shows any of `deps` as stale.
    pub fn bump(&self, deps: impl IntoIterator<Item = Dep>) {
        let v = self.clock.fetch_add(1, Ordering::AcqRel) + 1;
        if let Ok(mut versions) = self.versions.write() {
            for d in deps {
                versions.insert(d, v);
            }
        }
    }

    /// Marks every page as stale.
    pub fn bump_all(&self) {
        let v = self.clock.fetch_add(1, Ordering::AcqRel) + 1;
        self.epoch.store(v, Ordering::Release);
        self.pages.invalidate_all();
        self.tops.invalidate_all();
        self.facets.invalidate_all();
    }

    pub fn entry_count(&self) -> u64 {
        self.pages.run_pending_tasks();
        self.pages.entry_count()
    }

    pub fn weighted_size(&self) -> u64 {
        self.pages.weighted_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(deps: Vec<Dep>, generation: u64) -> Arc<CachedPage> {
        Arc::new(CachedPage::new(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "x".repeat(2000),
            deps,
            generation,
        ))
    }

    #[test]
    fn bumps_invalidate_exactly_the_dependent_pages() {
        let c = PageCache::new(1 << 20);
        let (a, b) = (ArticleId(1), ArticleId(2));
        let g = c.generation();
        c.insert(
            (SiteId(1), "/art/1.html".into()),
            page(vec![Dep::Site(SiteId(1)), Dep::Article(a)], g),
        );
        c.insert(
            (SiteId(1), "/art/2.html".into()),
            page(vec![Dep::Site(SiteId(1)), Dep::Article(b)], g),
        );
        c.bump([Dep::Article(a)]);
        assert!(c.get(&(SiteId(1), "/art/1.html".into())).is_none());
        assert!(c.get(&(SiteId(1), "/art/2.html".into())).is_some());
        c.bump_all();
        assert!(c.get(&(SiteId(1), "/art/2.html".into())).is_none());
    }

    #[test]
    fn a_change_during_render_makes_the_result_stale() {
        let c = PageCache::new(1 << 20);
        let g = c.generation();
        c.bump([Dep::Column(ColumnId(7))]);
        c.insert(
            (SiteId(1), "/x/".into()),
            page(vec![Dep::Column(ColumnId(7))], g),
        );
        assert!(c.get(&(SiteId(1), "/x/".into())).is_none());
    }

    #[test]
    fn a_column_top_lasts_until_its_column_or_its_site_changes() {
        let c = PageCache::new(1 << 20);
        let (site, col, other) = (SiteId(1), ColumnId(7), ColumnId(8));
        let keep = |g| {
            c.keep_column_top(site, col, Vec::new(), g);
            c.keep_column_top(site, other, Vec::new(), g);
        };
        keep(c.generation());
        c.bump([Dep::Column(col), Dep::SiteContent(site)]);
        assert!(c.column_top(col).is_none(), "its column changed");
        assert!(c.column_top(other).is_some(), "another column did not");
        keep(c.generation());
        c.bump([Dep::Site(site)]);
        assert!(c.column_top(other).is_none(), "the site's columns changed");
        // Read before a change, kept after it: stale at once.
        let g = c.generation();
        c.bump([Dep::Column(col)]);
        c.keep_column_top(site, col, Vec::new(), g);
        assert!(c.column_top(col).is_none());
        keep(c.generation());
        c.bump_all();
        assert!(c.column_top(other).is_none(), "a bulk change");
    }

    #[test]
    fn catalogue_facets_last_until_an_article_of_their_site_changes() {
        let c = PageCache::new(1 << 20);
        let (a, b) = (SiteId(1), SiteId(2));
        c.keep_catalogue_facets(a, Facets::default(), c.generation());
        c.keep_catalogue_facets(b, Facets::default(), c.generation());
        c.bump([Dep::SiteContent(a), Dep::Column(ColumnId(7))]);
        assert!(
            c.catalogue_facets(a).is_none(),
            "its site's content changed"
        );
        assert!(c.catalogue_facets(b).is_some(), "another site's did not");
        // Read before a change, kept after it: stale at once.
        let g = c.generation();
        c.bump([Dep::SiteContent(b)]);
        c.keep_catalogue_facets(b, Facets::default(), g);
        assert!(c.catalogue_facets(b).is_none());
        c.keep_catalogue_facets(a, Facets::default(), c.generation());
        c.bump_all();
        assert!(c.catalogue_facets(a).is_none(), "a bulk change");
    }

    #[test]
    fn negotiation_and_etags() {
        let p = page(vec![], 1);
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br;q=0"),
        );
        let r = p.respond(&h, 60);
        assert_eq!(
            r.headers()
                .get(header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok()),
            Some("gzip")
        );
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br"));
        let r = p.respond(&h, 60);
        assert_eq!(
            r.headers()
                .get(header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok()),
            Some("br")
        );
        let tag = r
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("W/{tag}")).unwrap_or(HeaderValue::from_static("x")),
        );
        assert_eq!(p.respond(&h, 60).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(
            decode(Some("br"), &brotli(&p.body)).ok().as_deref(),
            Some(&p.body[..])
        );
        assert_eq!(
            decode(Some("gzip"), &gzip(&p.body)).ok().as_deref(),
            Some(&p.body[..])
        );
    }
}
