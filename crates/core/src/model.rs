//! The shapes of the platform: site, column, article, placement.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{AccountId, ArticleId, ColumnId, ColumnPath, Error, SiteCode, SiteId, UnitId};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and configured) text of the value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The Chinese label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Result<Self, Error> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(Error::invalid(format!(
                        "“{other}”不是有效的{}：可选值为 {}",
                        stringify!($name),
                        [$($text),+].join("、")
                    ))),
                }
            }
        }
    };
}

pub(crate) use text_enum;

text_enum!(
    /// What kind of website a site is.
    SiteKind {
        ProvincePortal => "province" / "省级政府门户网站",
        CityPortal => "city" / "市级政府门户网站",
        CountyPortal => "county" / "县级政府门户网站",
        Department => "department" / "部门网站",
        Topic => "topic" / "专题网站",
    }
);

impl SiteKind {
    /// A government portal (province, city, county): it must carry services and interaction.
    pub fn is_portal(self) -> bool {
        matches!(
            self,
            SiteKind::ProvincePortal | SiteKind::CityPortal | SiteKind::CountyPortal
        )
    }
}

text_enum!(
    /// Whether a site is served.
    SiteStatus {
        Active => "active" / "运行",
        Suspended => "suspended" / "维护中",
        Archived => "archived" / "已关停",
    }
);

text_enum!(
    /// What a column shows.
    ColumnKind {
        List => "list" / "列表栏目",
        Page => "page" / "单页栏目",
        Link => "link" / "链接栏目",
    }
);

text_enum!(
    /// The update category that drives the national check indicators.
    UpdateCategory {
        News => "news" / "动态要闻类（2周）",
        Notice => "notice" / "通知公告、政策文件类（6个月）",
        Personnel => "personnel" / "人事、规划计划类（1年）",
        Static => "static" / "相对稳定类（不考核更新）",
    }
);

text_enum!(
    /// 公文时效.
    Validity {
        Valid => "valid" / "有效",
        Invalid => "invalid" / "失效",
        Amended => "amended" / "已修订",
    }
);

text_enum!(
    /// Lifecycle of an article: draft → submitted → (reviewed →) published, or scheduled when
    /// approved with a publish time in the future; withdrawn (撤稿) takes it off every site.
    ArticleStatus {
        Draft => "draft" / "草稿",
        Submitted => "submitted" / "待审核",
        Reviewed => "reviewed" / "待签发",
        Scheduled => "scheduled" / "待定时发布",
        Published => "published" / "已发布",
        Withdrawn => "withdrawn" / "已撤稿",
    }
);

/// The footer data national rules require on every page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Footer {
    /// 主办单位
    pub organiser: String,
    /// 承办单位
    #[serde(default)]
    pub operator: String,
    /// 联系方式 (address, phone, e-mail)
    #[serde(default)]
    pub contact: String,
    /// ICP备案号
    #[serde(default)]
    pub icp: String,
    /// 公安备案号
    #[serde(default)]
    pub psb: String,
}

/// A site's HTTPS certificate: PEM files (certificate chain, private key), relative to the
/// `tls.dir` setting or absolute. Empty: the default certificate serves the site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    pub cert: String,
    pub key: String,
}

impl TlsFiles {
    pub fn is_empty(&self) -> bool {
        self.cert.is_empty() && self.key.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    pub id: SiteId,
    pub code: SiteCode,
    pub name: String,
    pub kind: SiteKind,
    pub parent_id: Option<SiteId>,
    pub region_code: String,
    pub status: SiteStatus,
    pub theme: String,
    pub index_pattern: String,
    pub footer: Footer,
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "TlsFiles::is_empty")]
    pub tls: TlsFiles,
    /// What the site takes from the public: the kinds of letter, the leaders of its 领导信箱.
    pub letters: crate::letters::LetterSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub id: ColumnId,
    pub site_id: SiteId,
    pub parent_id: Option<ColumnId>,
    pub path: ColumnPath,
    pub name: String,
    pub kind: ColumnKind,
    pub update_category: UpdateCategory,
    pub mandatory: bool,
    pub sort_order: i64,
    pub link_url: Option<String>,
    /// Body of a single-page column.
    pub body_html: Option<String>,
    pub unit_id: Option<UnitId>,
    /// Shown in the header navigation (first-level columns only).
    pub in_nav: bool,
    /// Articles need sign-off (签发) after review before they are published.
    pub needs_signoff: bool,
}

/// A column and its parents up to the top (the column first), from a site's column list: what
/// grant decisions need, without a query per column.
pub fn ancestry(columns: &[Column], id: ColumnId) -> Vec<ColumnId> {
    let mut out = Vec::new();
    let mut next = Some(id);
    while let Some(c) = next {
        if out.len() >= 32 || out.contains(&c) {
            break;
        }
        out.push(c);
        next = columns.iter().find(|x| x.id == c).and_then(|x| x.parent_id);
    }
    out
}

/// Disclosure metadata (政府信息公开) of an article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    pub doc_number: Option<String>,
    pub written_date: Option<NaiveDate>,
    pub issuing_organ: Option<String>,
    pub validity: Option<Validity>,
    pub topic: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    pub id: ArticleId,
    /// The site that owns (wrote) the article.
    pub site_id: SiteId,
    pub index_number: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: Option<String>,
    pub author: Option<String>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    /// Cover image: a file of the site's media library (`/media/…`) or an https URL.
    pub cover_url: Option<String>,
    pub body_html: String,
    pub status: ArticleStatus,
    pub publish_date: NaiveDate,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub disclosure: Option<Disclosure>,
    /// For an interpretation (政策解读): the policy it explains.
    pub interprets: Option<ArticleId>,
}

/// One row of a list: what a list, feed or catalogue shows of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListItem {
    pub article_id: ArticleId,
    pub column_id: ColumnId,
    pub title: String,
    pub summary: Option<String>,
    pub publish_date: NaiveDate,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub pinned: bool,
    pub index_number: String,
    pub doc_number: Option<String>,
    pub issuing_organ: Option<String>,
    pub topic: Option<String>,
    pub written_date: Option<NaiveDate>,
}

text_enum!(
    /// Platform roles, kept apart (三权分立): no account holds two of the first three.
    PlatformRole {
        SystemAdmin => "system_admin" / "系统管理员",
        SecurityAdmin => "security_admin" / "安全管理员",
        AuditAdmin => "audit_admin" / "审计管理员",
        ProvinceAuditor => "province_auditor" / "省级监管员",
    }
);

/// A back-office account (never carries its password hash out of the store's auth queries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub platform_role: Option<PlatformRole>,
    pub disabled: bool,
    pub must_change_password: bool,
    /// The unit (bureau, town) the account belongs to.
    pub unit_id: Option<UnitId>,
    /// Whether a TOTP second factor is enrolled.
    pub totp_enrolled: bool,
}
