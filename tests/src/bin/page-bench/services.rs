//! 办事服务 at volume (issue 21): a site's service catalogue, the province portal's catalogue of
//! every site's items, and a service item's page, each URL a cache miss. Filters are values the
//! catalogue offers (any of the eight combinations of theme, department and audience), at any
//! page of the result (the catalogue pages by keyset: `before` is the last item of the page
//! above).

use zhanqun_core::service::Audience;
use zhanqun_core::{ArticleId, SiteId, SiteKind};
use zhanqun_store::{ServiceFilter, Store};
use zhanqun_tests::words::Rng;

use crate::{Series, fail, urlencode};

/// Items on a catalogue page (the page's own constant).
const PAGE: usize = 20;

/// One catalogue URL of `scope` (a site, or every site when `None`): a random filter the
/// facets offer, at a random page; `None` when the filter matches nothing.
async fn catalogue_url(store: &Store, scope: Option<SiteId>, rng: &mut Rng) -> Option<String> {
    let facets = store
        .service_facets(scope, if scope.is_some() { 1000 } else { 100 })
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    let mut filter = ServiceFilter::default();
    let mut query = Vec::new();
    if rng.next().is_multiple_of(2) && !facets.themes.is_empty() {
        let t = facets.themes[(rng.next() % facets.themes.len() as u64) as usize]
            .0
            .clone();
        query.push(format!("theme={}", urlencode(&t)));
        filter.theme = Some(t);
    }
    if rng.next().is_multiple_of(3) && !facets.units.is_empty() {
        let u = facets.units[(rng.next() % facets.units.len() as u64) as usize]
            .0
            .clone();
        query.push(format!("dept={}", urlencode(&u)));
        filter.unit = Some(u);
    }
    if rng.next().is_multiple_of(3) {
        let a = [Audience::Person, Audience::Legal][(rng.next() % 2) as usize];
        query.push(format!("audience={}", a.as_str()));
        filter.audience = Some(a);
    }
    // Every item of the result, to pick a page: the ids the pages start after.
    let lines = store
        .service_lines(scope, &filter, None, 200_000)
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    if lines.is_empty() {
        return None;
    }
    let pages = lines.len().div_ceil(PAGE);
    let page = (rng.next() % pages as u64) as usize;
    if page > 0 {
        let before: ArticleId = lines[page * PAGE - 1].id;
        query.push(format!("before={}", before.0));
    }
    Some(format!("/banshi/?{}", query.join("&")))
}

/// The three series: a site's catalogue (half of them on the sites with the most items), the
/// province portal's, and item pages.
pub async fn series(store: &Store, n: usize) -> Vec<Series> {
    let mut rng = Rng(0x5E2F_1CE5_0000_0021);
    let sites = store
        .list_sites()
        .await
        .unwrap_or_else(|e| fail(format!("{e:?}")));
    let host = |id: SiteId| -> String {
        let s = sites.iter().find(|s| s.id == id).unwrap_or(&sites[0]);
        format!("{}.localhost", s.code.as_str())
    };
    let province = sites
        .iter()
        .find(|s| s.kind == SiteKind::ProvincePortal && s.code.as_str() == "6100000001")
        .unwrap_or_else(|| fail("no province portal 6100000001".into()));
    // Every site's item count; the four largest are "heavy".
    let mut counts: Vec<(i64, SiteId)> = Vec::new();
    for s in &sites {
        let f = store
            .service_facets(Some(s.id), 1000)
            .await
            .unwrap_or_else(|e| fail(format!("{e:?}")));
        if f.total > 0 {
            counts.push((f.total, s.id));
        }
    }
    counts.sort_by(|a, b| b.cmp(a));
    if counts.is_empty() {
        fail("the store has no service items".into());
    }
    let heavy: Vec<SiteId> = counts.iter().take(4).map(|c| c.1).collect();
    let mut seen = std::collections::HashSet::new();
    let (mut site_urls, mut province_urls, mut items) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n * 3 {
        if site_urls.len() >= n {
            break;
        }
        let site = if i % 2 == 0 {
            heavy[(rng.next() % heavy.len() as u64) as usize]
        } else {
            counts[(rng.next() % counts.len() as u64) as usize].1
        };
        // The province portal's /banshi/ is the province-wide catalogue, measured below.
        if site == province.id {
            continue;
        }
        if let Some(path) = catalogue_url(store, Some(site), &mut rng).await
            && seen.insert((site, path.clone()))
        {
            site_urls.push((host(site), path));
        }
        let lines = store
            .service_lines(Some(site), &ServiceFilter::default(), None, 200_000)
            .await
            .unwrap_or_else(|e| fail(format!("{e:?}")));
        if let Some(l) = lines.get((rng.next() % lines.len().max(1) as u64) as usize) {
            let path = format!("/art/{}.html", l.id.0);
            if seen.insert((site, path.clone())) {
                items.push((host(site), path));
            }
        }
    }
    for _ in 0..n * 3 {
        if province_urls.len() >= n {
            break;
        }
        if let Some(path) = catalogue_url(store, None, &mut rng).await
            && seen.insert((province.id, path.clone()))
        {
            province_urls.push((host(province.id), path));
        }
    }
    vec![
        Series {
            kind: "办事服务, a site's catalogue (any filter, any page)",
            urls: site_urls,
            clients: 1,
        },
        Series {
            kind: "全省办事服务, the province portal's (any filter, any page)",
            urls: province_urls,
            clients: 1,
        },
        Series {
            kind: "service item (办事指南)",
            urls: items,
            clients: 1,
        },
    ]
}
