//! Reprint feeds: a fetcher that is safe to point at URLs typed by site administrators, the
//! parsing of RSS 2.0, Atom and JSON Feed (feed-rs) and body extraction from an item's page. The
//! poll loop that ingests what is new or corrected is a job of the server
//! (`zhanqun-server`, `jobs/reprint.rs`).
//!
//! **Server-side request forgery.** A source URL is data. The fetcher only speaks http and https,
//! uses no proxy, and refuses loopback, private, link-local, shared, multicast and unspecified
//! addresses — for the URL's host, for every address its name resolves to (our own resolver, so
//! the check and the connection use the same addresses), and for every redirect (at most 5). Only
//! `reprint.allow_private` (tests, the demo's stand-in feed) lifts the address rule, and
//! `reprint.allow_ips` exempts exactly the listed internal addresses (a feed server inside the
//! government network).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{StatusCode, Url};
use sha2::{Digest, Sha256};
use zhanqun_core::{Error, Result};

/// The IPv4 address an IPv6 address stands for, where it embeds one: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, deprecated but still routed by some stacks),
/// NAT64 (`64:ff9b::/96`, RFC 6052) and 6to4 (`2002:aabb:ccdd::/48`, RFC 3056). A request to
/// any of them can reach that IPv4 address, so it is judged as that address.
pub fn embedded_v4(v6: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let s = v6.segments();
    let tail = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        std::net::Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1) {
        return Some(tail(s[6], s[7])); // IPv4-compatible (not :: or ::1)
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail(s[6], s[7])); // NAT64 well-known prefix
    }
    if s[0] == 0x2002 {
        return Some(tail(s[1], s[2])); // 6to4
    }
    None
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x2001 && s[1] == 0) // Teredo: tunnels to an obfuscated IPv4 address
                || (s[0] == 0x64 && s[1] == 0xff9b) // local-use NAT64 (64:ff9b:1::/48)
                || (s[..4] == [0x100, 0, 0, 0])) // discard-only
        }
    }
}

/// What the fetcher may do beyond https to public addresses.
#[derive(Debug, Clone, Default)]
struct Exempt {
    /// Every address (tests, the demo's stand-in feed).
    all: bool,
    /// These addresses exactly.
    ips: Vec<IpAddr>,
    /// Plain http too (`reprint.allow_http`).
    http: bool,
}

impl Exempt {
    fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.all || is_public(ip) || self.ips.contains(&ip)
    }
}

/// Why a URL may not be fetched, or `None`.
fn refuse_url(url: &Url, exempt: &Exempt) -> Option<String> {
    match url.scheme() {
        "https" => {}
        "http" if exempt.http => {}
        "http" => {
            return Some(
                "只允许 https 地址：明文 http 传来的内容可能在途中被篡改，又会分发到所有订阅网站（确需 http 的，由运维在配置中开启 reprint.allow_http）"
                    .into(),
            );
        }
        other => return Some(format!("只允许 https 地址，不允许 {other}")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("地址中不能带用户名或密码".into());
    }
    let host = url.host_str().unwrap_or("");
    if host.is_empty() {
        return Some("地址缺少主机名".into());
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>()
        && !exempt.allows(ip)
    {
        return Some(format!("不允许访问内网、本机或链路本地地址 {ip}"));
    }
    None
}

/// Resolves names and drops addresses that are not public (unless allowed); no address left is
/// an error, so the connection is never attempted.
struct GuardedResolver {
    exempt: Exempt,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let exempt = self.exempt.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            // Resolved once here; the connection uses exactly these (validated) addresses.
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| exempt.allows(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} 只解析到内网、本机或链路本地地址，拒绝访问").into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// What a conditional GET returned.
#[derive(Debug)]
pub enum Fetched {
    NotModified,
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// What the fetcher may reach and how much it reads (from the `reprint` configuration).
#[derive(Debug, Clone, Default)]
pub struct FetchPolicy {
    /// Loopback, private and link-local addresses allowed: tests and the demo's stand-in feed.
    pub allow_private: bool,
    /// Internal addresses allowed each exactly (a feed server inside the government network).
    pub allow_ips: Vec<IpAddr>,
    /// Plain http allowed besides https.
    pub allow_http: bool,
    /// Largest feed or item page read, in bytes.
    pub max_fetch_bytes: u64,
    /// Time limit of one fetch, in seconds.
    pub fetch_timeout_secs: u64,
}

/// The HTTP client for feeds and item pages.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_bytes: u64,
    exempt: Exempt,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("max_bytes", &self.max_bytes)
            .field("exempt", &self.exempt)
            .finish()
    }
}

impl Fetcher {
    pub fn new(cfg: &FetchPolicy) -> Result<Fetcher> {
        // One crypto provider in the whole tree (ring); a second install is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let exempt = Exempt {
            all: cfg.allow_private,
            ips: cfg.allow_ips.clone(),
            http: cfg.allow_http,
        };
        let for_redirects = exempt.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("重定向超过 5 次")
            } else if let Some(why) = refuse_url(attempt.url(), &for_redirects) {
                attempt.error(format!("重定向被拒绝：{why}"))
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(concat!("zhanqun-reprint/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .redirect(policy)
            .dns_resolver(Arc::new(GuardedResolver {
                exempt: exempt.clone(),
            }))
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(cfg.fetch_timeout_secs.max(1)))
            .build()
            .map_err(|e| Error::internal(format!("http client: {e}")))?;
        Ok(Fetcher {
            client,
            max_bytes: cfg.max_fetch_bytes,
            exempt,
        })
    }

    /// GET with `If-None-Match` / `If-Modified-Since`; the body is read up to the size cap.
    pub async fn get(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Fetched> {
        let parsed =
            Url::parse(url).map_err(|e| Error::invalid(format!("地址 {url} 无效：{e}")))?;
        if let Some(why) = refuse_url(&parsed, &self.exempt) {
            return Err(Error::invalid(why));
        }
        let mut req = self.client.get(parsed);
        if let Some(e) = etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, e);
        }
        if let Some(m) = last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, m);
        }
        let mut resp = req.send().await.map_err(|e| fetch_error(url, &e))?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !resp.status().is_success() {
            return Err(Error::invalid(format!(
                "{url} 返回 HTTP {}",
                resp.status().as_u16()
            )));
        }
        if resp.content_length().is_some_and(|n| n > self.max_bytes) {
            return Err(Error::TooLarge(format!(
                "{url} 超过 {} 字节的抓取上限",
                self.max_bytes
            )));
        }
        let header = |h| {
            resp.headers()
                .get(h)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let (etag, last_modified) = (
            header(reqwest::header::ETAG),
            header(reqwest::header::LAST_MODIFIED),
        );
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| fetch_error(url, &e))? {
            if (bytes.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(Error::TooLarge(format!(
                    "{url} 超过 {} 字节的抓取上限",
                    self.max_bytes
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            etag,
            last_modified,
        })
    }
}

fn fetch_error(url: &str, e: &reqwest::Error) -> Error {
    // The chain carries our resolver's and redirect policy's reasons.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    let kind = if e.is_timeout() {
        "超时"
    } else {
        "抓取失败"
    };
    Error::invalid(format!("{url} {kind}：{msg}"))
}

/// An item as the feed gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    pub guid: String,
    pub title: String,
    pub link: Option<String>,
    pub summary: Option<String>,
    /// Full content, when the feed carries it.
    pub content: Option<String>,
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    pub updated: Option<chrono::DateTime<chrono::Utc>>,
}

impl FeedItem {
    /// The digest of what the feed said: a change means the source corrected the item.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            Some(self.title.as_str()),
            self.summary.as_deref(),
            self.content.as_deref(),
            self.link.as_deref(),
        ] {
            h.update(part.unwrap_or("").as_bytes());
            h.update([0]);
        }
        if let Some(u) = self.updated {
            h.update(u.to_rfc3339().as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Parses RSS 2.0, Atom or JSON Feed. Items without a title, or without both guid and link,
/// are skipped.
pub fn parse_feed(bytes: &[u8]) -> Result<Vec<FeedItem>> {
    let feed = feed_rs::parser::parse(bytes)
        .map_err(|e| Error::invalid(format!("不是有效的 RSS、Atom 或 JSON Feed：{e}")))?;
    let mut items = Vec::new();
    for e in feed.entries {
        let Some(title) = e.title.map(|t| t.content.trim().to_string()) else {
            continue;
        };
        let link = e.links.first().map(|l| l.href.trim().to_string());
        // feed-rs generates an id when the feed has none; prefer the link then.
        let guid = if e.id.trim().is_empty() {
            link.clone().unwrap_or_default()
        } else {
            e.id.trim().to_string()
        };
        if title.is_empty() || guid.is_empty() {
            continue;
        }
        items.push(FeedItem {
            guid,
            title,
            link,
            summary: e.summary.map(|s| s.content.trim().to_string()),
            content: e.content.and_then(|c| c.body).map(|b| b.trim().to_string()),
            published: e.published.or(e.updated),
            updated: e.updated,
        });
    }
    Ok(items)
}

/// The inner HTML of the first element matching `selector` in a page.
pub fn extract(html: &str, selector: &str) -> Result<Option<String>> {
    let sel = scraper::Selector::parse(selector)
        .map_err(|e| Error::invalid(format!("正文选择器“{selector}”无效：{e}")))?;
    let doc = scraper::Html::parse_document(html);
    Ok(doc
        .select(&sel)
        .next()
        .map(|el| el.inner_html().trim().to_string())
        .filter(|s| !s.is_empty()))
}

/// The body an item is published with: the feed's own content when it has any; else the item's
/// page cut down to `selector` (a source's extraction setting); else, or when the page cannot
/// be fetched, the summary with a link to the original, so that the item still goes out on time.
/// A selector that is not valid CSS is an error of the source's settings.
pub async fn item_body(
    fetcher: &Fetcher,
    item: &FeedItem,
    selector: Option<&str>,
) -> Result<String> {
    Ok(match (&item.content, &item.link, selector) {
        (Some(c), _, _) if !c.is_empty() => c.clone(),
        (_, Some(link), Some(sel)) => match fetcher.get(link, None, None).await {
            Ok(Fetched::Body { bytes, .. }) => {
                let html = String::from_utf8_lossy(&bytes);
                extract(&html, sel)?.unwrap_or_else(|| summary_body(item))
            }
            Ok(Fetched::NotModified) => summary_body(item),
            Err(e) => {
                tracing::warn!(link = %link, error = %e, "item page not fetched");
                summary_body(item)
            }
        },
        _ => summary_body(item),
    })
}

/// The body of an item whose feed has no content: its summary and a link to the original.
pub fn summary_body(item: &FeedItem) -> String {
    let summary = item.summary.as_deref().unwrap_or("");
    match &item.link {
        Some(link) => format!(
            "<p>{}</p><p><a href=\"{}\">阅读原文</a></p>",
            zhanqun_core::sanitize::escape_text(&strip_tags(summary)),
            zhanqun_core::sanitize::escape_text(link)
        ),
        None => format!(
            "<p>{}</p>",
            zhanqun_core::sanitize::escape_text(&strip_tags(summary))
        ),
    }
}

/// Plain text of a short HTML fragment (feed summaries often carry markup).
pub fn strip_tags(s: &str) -> String {
    let doc = scraper::Html::parse_fragment(s);
    doc.root_element()
        .text()
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1", // IPv4-compatible
            "::10.0.0.1",
            "64:ff9b::a00:1",    // NAT64 of 10.0.0.1
            "64:ff9b::7f00:1",   // NAT64 of 127.0.0.1
            "64:ff9b:1::1",      // local-use NAT64
            "2002:a00:1::1",     // 6to4 of 10.0.0.1
            "2002:a9fe:a9fe::1", // 6to4 of 169.254.169.254
            "2001::1",           // Teredo
            "fec0::1",
        ] {
            assert!(
                !is_public(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))),
                "{ip}"
            );
        }
        for ip in [
            "1.1.1.1",
            "202.108.22.5",
            "2400:3200::1",
            "64:ff9b::ca6c:1605", // NAT64 of 202.108.22.5
            "2002:ca6c:1605::1",  // 6to4 of 202.108.22.5
        ] {
            assert!(
                is_public(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))),
                "{ip}"
            );
        }
    }

    #[test]
    fn urls_are_refused_for_scheme_credentials_and_literal_addresses() {
        let u = |s: &str| {
            Url::parse(s)
                .unwrap_or_else(|_| Url::parse("http://x").unwrap_or_else(|_| unreachable!()))
        };
        let none = Exempt::default();
        let all = Exempt {
            all: true,
            ips: Vec::new(),
            http: true,
        };
        let one = Exempt {
            all: false,
            ips: vec![IpAddr::from([10, 12, 0, 8])],
            http: true,
        };
        for refused in [
            "file:///etc/passwd",
            "gopher://a.example/",
            "http://user:pw@www.gov.cn/",
            "http://127.0.0.1:8081/api",
            "http://2130706433/", // 127.0.0.1 as one decimal number
            "http://0x7f.1/",     // and in hex
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.100.100.200/", // CGNAT: a cloud metadata address
            "http://10.12.0.9/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:a9fe:a9fe::]/latest/meta-data",
        ] {
            assert!(refuse_url(&u(refused), &none).is_some(), "{refused}");
            assert!(refuse_url(&u(refused), &one).is_some(), "{refused}");
        }
        assert!(refuse_url(&u("http://127.0.0.1:8081/api"), &all).is_none());
        assert!(refuse_url(&u("http://10.12.0.8/rss.xml"), &one).is_none());
        assert!(refuse_url(&u("https://www.gov.cn/rss.xml"), &none).is_none());
        // Plain http only where the operator opted in.
        assert!(refuse_url(&u("http://www.gov.cn/rss.xml"), &none).is_some());
        assert!(refuse_url(&u("http://www.gov.cn/rss.xml"), &one).is_none());
    }

    #[test]
    fn rss_atom_and_json_feed_parse_alike() {
        let rss = r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
            <item><title>国务院关于A的通知</title><link>https://www.gov.cn/a.htm</link><guid>a-1</guid>
            <description>&lt;p&gt;摘要&lt;/p&gt;</description><pubDate>Sun, 22 Nov 2026 08:00:00 +0800</pubDate></item>
            <item><title></title><guid>empty</guid></item></channel></rss>"#;
        let atom = r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <id>urn:x</id><updated>2026-11-22T00:00:00Z</updated><entry><title>国务院关于A的通知</title>
            <id>a-1</id><link href="https://www.gov.cn/a.htm"/><updated>2026-11-22T00:00:00Z</updated>
            <summary>摘要</summary></entry></feed>"#;
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"a-1",
            "url":"https://www.gov.cn/a.htm","title":"国务院关于A的通知","content_html":"<p>正文</p>",
            "date_published":"2026-11-22T00:00:00Z"}]}"#;
        for (kind, text) in [("rss", rss), ("atom", atom), ("json", json)] {
            let items = parse_feed(text.as_bytes()).unwrap_or_default();
            assert_eq!(items.len(), 1, "{kind}");
            assert_eq!(items[0].guid, "a-1", "{kind}");
            assert_eq!(items[0].title, "国务院关于A的通知", "{kind}");
            assert_eq!(
                items[0].link.as_deref(),
                Some("https://www.gov.cn/a.htm"),
                "{kind}"
            );
            assert!(items[0].published.is_some(), "{kind}");
        }
        assert!(parse_feed(b"<html>not a feed</html>").is_err());
    }

    #[test]
    fn bodies_are_extracted_by_selector() {
        let page = r#"<html><body><div class="nav">导航</div><div id="UCAP-CONTENT"><p>第一条</p></div></body></html>"#;
        assert_eq!(
            extract(page, "#UCAP-CONTENT").ok().flatten().as_deref(),
            Some("<p>第一条</p>")
        );
        assert_eq!(extract(page, ".missing").ok().flatten(), None);
        assert!(extract(page, "[[").is_err());
    }
}
