//! Identifier newtypes and values parsed once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;

macro_rules! int_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        /// A row id read from the store (`#[sqlx(try_from = "i64")]` on a row's field).
        impl From<i64> for $name {
            fn from(id: i64) -> $name {
                $name(id)
            }
        }
    };
}

int_id!(
    /// Row id of a site (tenant).
    SiteId
);
int_id!(
    /// Row id of a column.
    ColumnId
);
int_id!(
    /// Row id of an article. Also its permanent public URL: `/art/<id>.html`.
    ArticleId
);
int_id!(
    /// Row id of a unit (保障单位: bureau, town, office).
    UnitId
);
int_id!(
    /// Row id of a back-office account.
    AccountId
);
int_id!(
    /// Row id of a grant (a site role of an account, on a site or a column and below).
    GrantId
);
int_id!(
    /// Row id of a reprint source (a feed, a site, the province office's hand).
    SourceId
);
int_id!(
    /// Row id of a subscription: one site taking one source into one of its columns.
    SubscriptionId
);
int_id!(
    /// Row id of a delivery: one reprinted item on one subscribing site.
    DeliveryId
);
int_id!(
    /// Row id of a submission (报送): an article offered to another site.
    SubmissionId
);
int_id!(
    /// Row id of a letter from the public (互动交流). Never shown to the public: the writer
    /// follows a letter with its 查询码, and a published reply is reached by its own address.
    LetterId
);
int_id!(
    /// Row id of an entry of a site's 知识库 (answers to common questions).
    FaqId
);
int_id!(
    /// Row id of a survey (征集调查).
    SurveyId
);
int_id!(
    /// Row id of an online interview (在线访谈).
    InterviewId
);
int_id!(
    /// Row id of a visitor's question to an interview.
    QuestionId
);

/// 网站标识码: 6-digit region code (GB/T 2260) + 4-digit serial, e.g. `6108280001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SiteCode(String);

impl SiteCode {
    pub fn parse(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(SiteCode(s.to_string()))
        } else {
            Err(Error::invalid(format!(
                "网站标识码“{s}”不正确：应为 10 位数字（6 位行政区划代码 + 4 位序号），例如 6108280001"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit region code part.
    pub fn region(&self) -> &str {
        &self.0[..6]
    }
}

impl TryFrom<String> for SiteCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        SiteCode::parse(&s)
    }
}

impl From<SiteCode> for String {
    fn from(c: SiteCode) -> String {
        c.0
    }
}

impl fmt::Display for SiteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A host name as sites are looked up by: lower case, no port, no trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Host(String);

impl Host {
    /// Parses a configured host name or a `Host` header value (a port is dropped).
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let raw = raw.trim();
        let without_port = match raw.rsplit_once(':') {
            Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => raw,
        };
        let h = without_port.trim_end_matches('.').to_ascii_lowercase();
        let valid_label = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if h.is_empty() || h.len() > 253 || !h.split('.').all(valid_label) {
            return Err(Error::invalid(format!(
                "主机名“{raw}”不正确：只能包含字母、数字、连字符和点，例如 www.jiaxian.gov.cn"
            )));
        }
        Ok(Host(h))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A `Host` header value as a public page's absolute URLs (feeds, sitemaps, robots.txt) and
    /// their cache keys use it: the name normalised as by [`Host::parse`], its port kept only when
    /// it is one of `ports` (the port the visitor reached us on, the advertised HTTPS port). Any
    /// other port is dropped: kept, every port a visitor chose would be a cache entry of its own
    /// and an address printed into pages other visitors get.
    /// Returns the host (as sites are looked up by) and that authority: one parse per request.
    pub fn authority(raw: &str, ports: &[u16]) -> Result<(Host, String), Error> {
        let host = Host::parse(raw)?;
        let port = raw
            .trim()
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok());
        let authority = match port {
            Some(p) if ports.contains(&p) => format!("{}:{p}", host.0),
            _ => host.0.clone(),
        };
        Ok((host, authority))
    }
}

impl TryFrom<String> for Host {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Host::parse(&s)
    }
}

impl From<Host> for String {
    fn from(h: Host) -> String {
        h.0
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Path segments that belong to the platform and can never be a column slug.
pub const RESERVED_SLUGS: &[&str] = &[
    "art",
    "static",
    "xxgkml",
    "sitemap.xml",
    "rss.xml",
    "robots.txt",
    "favicon.ico",
    "search",
    "api",
    "console",
    "media",
];

/// How deep a site's column tree may go. The store keeps each column's list together with its
/// ancestors' (`list_entries`, migration 0016), walking up at most this many levels.
pub const MAX_COLUMN_DEPTH: usize = 4;

/// The path of a column within its site, e.g. `xwzx/zwyw`: slugs of lower-case ASCII letters,
/// digits and hyphens, joined by `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ColumnPath(String);

impl ColumnPath {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let p = raw.trim().trim_matches('/');
        let ok_slug = |s: &str| {
            !s.is_empty()
                && s.len() <= 40
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if p.is_empty() || !p.split('/').all(ok_slug) {
            return Err(Error::invalid(format!(
                "栏目路径“{raw}”不正确：每一级只能用小写字母、数字和连字符，例如 xwzx/zwyw"
            )));
        }
        if p.split('/').count() > MAX_COLUMN_DEPTH {
            return Err(Error::invalid(format!(
                "栏目路径“{raw}”层级过深：栏目最多 {MAX_COLUMN_DEPTH} 级"
            )));
        }
        let first = p.split('/').next().unwrap_or_default();
        // `sitemap-…` names the parts of a large site's sitemap (`/sitemap-2024-05.xml`).
        if RESERVED_SLUGS.contains(&first) || first.starts_with("sitemap-") {
            return Err(Error::invalid(format!(
                "栏目路径“{raw}”以平台保留名称“{first}”开头，请换一个"
            )));
        }
        Ok(ColumnPath(p.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parent path, if this is not a first-level column.
    pub fn parent(&self) -> Option<ColumnPath> {
        self.0
            .rsplit_once('/')
            .map(|(p, _)| ColumnPath(p.to_string()))
    }

    pub fn depth(&self) -> usize {
        self.0.split('/').count()
    }
}

impl TryFrom<String> for ColumnPath {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        ColumnPath::parse(&s)
    }
}

impl From<ColumnPath> for String {
    fn from(p: ColumnPath) -> String {
        p.0
    }
}

impl fmt::Display for ColumnPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_code_is_ten_digits() {
        assert!(SiteCode::parse("6108280001").is_ok());
        assert_eq!(
            SiteCode::parse("6108280001")
                .map(|c| c.region().to_string())
                .ok()
                .as_deref(),
            Some("610828")
        );
        for bad in [
            "",
            "610828000",
            "61082800011",
            "61082800a1",
            "６１０８２８０００１",
        ] {
            assert!(SiteCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_drops_port_and_case() {
        let h = Host::parse("WWW.Jiaxian.gov.cn:8080").ok();
        assert_eq!(h.as_ref().map(Host::as_str), Some("www.jiaxian.gov.cn"));
        assert_eq!(
            Host::parse("6108280001.localhost.")
                .ok()
                .map(String::from)
                .as_deref(),
            Some("6108280001.localhost")
        );
        for bad in ["", "a..b", "-a.cn", "a_b.cn", "佳县.cn", "a b", "[::1]:80"] {
            assert!(Host::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_authority_keeps_only_a_port_we_serve_on() {
        let a = |raw: &str| Host::authority(raw, &[8080]).ok().map(|(_, a)| a);
        assert_eq!(
            a("WWW.Jiaxian.gov.cn.:8080").as_deref(),
            Some("www.jiaxian.gov.cn:8080")
        );
        assert_eq!(
            a("www.jiaxian.gov.cn:31337").as_deref(),
            Some("www.jiaxian.gov.cn")
        );
        assert_eq!(
            a("www.jiaxian.gov.cn").as_deref(),
            Some("www.jiaxian.gov.cn")
        );
        assert_eq!(
            a("www.jiaxian.gov.cn:").as_deref(),
            Some("www.jiaxian.gov.cn")
        );
        assert_eq!(a("evil.example\"><x").as_deref(), None);
    }

    #[test]
    fn column_path_rules() {
        assert_eq!(
            ColumnPath::parse("/xwzx/zwyw/")
                .ok()
                .map(String::from)
                .as_deref(),
            Some("xwzx/zwyw")
        );
        assert_eq!(
            ColumnPath::parse("xwzx/zwyw")
                .ok()
                .and_then(|p| p.parent())
                .map(String::from)
                .as_deref(),
            Some("xwzx")
        );
        assert!(ColumnPath::parse("a/b/c/d").is_ok());
        for bad in [
            "",
            "/",
            "XWZX",
            "a//b",
            "art/x",
            "static",
            "中文",
            "a/b/c/d/e",
            "sitemap-pages",
        ] {
            assert!(ColumnPath::parse(bad).is_err(), "{bad}");
        }
    }
}
