//! Rows as the database returns them, and their conversion into domain types.
//! A stored value that does not parse is an internal error (the store only writes valid ones).

use chrono::{DateTime, NaiveDate, Utc};
use zhanqun_core::*;

fn bad(what: &str, e: Error) -> Error {
    Error::internal(format!("stored {what} does not parse: {e}"))
}

#[derive(sqlx::FromRow)]
pub(crate) struct SiteRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub region_code: String,
    pub status: String,
    pub theme: String,
    pub index_pattern: String,
    pub organiser: String,
    pub operator: String,
    pub contact: String,
    pub icp: String,
    pub psb: String,
    pub tls_cert: String,
    pub tls_key: String,
    pub letter_kinds: String,
    pub leaders: String,
}

macro_rules! site_cols {
    () => {
        "id, code, name, kind, parent_id, region_code, status, theme, index_pattern, organiser, operator, contact, icp, psb, tls_cert, tls_key, letter_kinds, leaders"
    };
}
pub(crate) use site_cols;

impl SiteRow {
    pub fn into_site(self, hosts: Vec<String>) -> Result<Site> {
        Ok(Site {
            id: SiteId(self.id),
            code: SiteCode::parse(&self.code).map_err(|e| bad("site code", e))?,
            name: self.name,
            kind: SiteKind::parse(&self.kind).map_err(|e| bad("site kind", e))?,
            parent_id: self.parent_id.map(SiteId),
            region_code: self.region_code,
            status: SiteStatus::parse(&self.status).map_err(|e| bad("site status", e))?,
            theme: self.theme,
            index_pattern: self.index_pattern,
            footer: Footer {
                organiser: self.organiser,
                operator: self.operator,
                contact: self.contact,
                icp: self.icp,
                psb: self.psb,
            },
            hosts,
            tls: TlsFiles {
                cert: self.tls_cert,
                key: self.tls_key,
            },
            letters: letters::LetterSettings::from_stored(&self.letter_kinds, &self.leaders)
                .map_err(|e| bad("site letters", e))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ColumnRow {
    pub id: i64,
    pub site_id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub name: String,
    pub kind: String,
    pub update_category: String,
    pub mandatory: bool,
    pub sort_order: i64,
    pub link_url: Option<String>,
    pub body_html: Option<String>,
    pub unit_id: Option<i64>,
    pub in_nav: bool,
    pub needs_signoff: bool,
}

macro_rules! column_cols {
    () => {
        "id, site_id, parent_id, path, name, kind, update_category, mandatory, sort_order, link_url, body_html, unit_id, in_nav, needs_signoff"
    };
}
pub(crate) use column_cols;

impl TryFrom<ColumnRow> for Column {
    type Error = Error;
    fn try_from(r: ColumnRow) -> Result<Column> {
        Ok(Column {
            id: ColumnId(r.id),
            site_id: SiteId(r.site_id),
            parent_id: r.parent_id.map(ColumnId),
            path: ColumnPath::parse(&r.path).map_err(|e| bad("column path", e))?,
            name: r.name,
            kind: ColumnKind::parse(&r.kind).map_err(|e| bad("column kind", e))?,
            update_category: UpdateCategory::parse(&r.update_category)
                .map_err(|e| bad("update category", e))?,
            mandatory: r.mandatory,
            sort_order: r.sort_order,
            link_url: r.link_url,
            body_html: r.body_html,
            unit_id: r.unit_id.map(UnitId),
            needs_signoff: r.needs_signoff,
            in_nav: r.in_nav,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ArticleRow {
    pub id: i64,
    pub site_id: i64,
    pub index_number: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub cover_url: Option<String>,
    pub summary: Option<String>,
    pub author: Option<String>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    pub body_html: String,
    pub status: String,
    pub publish_date: NaiveDate,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub is_disclosure: bool,
    pub doc_number: Option<String>,
    pub written_date: Option<NaiveDate>,
    pub issuing_organ: Option<String>,
    pub validity: Option<String>,
    pub topic: Option<String>,
    pub interprets_id: Option<i64>,
}

macro_rules! article_cols {
    () => {
        "id, site_id, index_number, title, subtitle, cover_url, summary, author, source, source_url, body_html, status, publish_date, published_at, updated_at, is_disclosure, doc_number, written_date, issuing_organ, validity, topic, interprets_id"
    };
}
pub(crate) use article_cols;

impl TryFrom<ArticleRow> for Article {
    type Error = Error;
    fn try_from(r: ArticleRow) -> Result<Article> {
        let disclosure = if r.is_disclosure {
            Some(Disclosure {
                doc_number: r.doc_number,
                written_date: r.written_date,
                issuing_organ: r.issuing_organ,
                validity: r
                    .validity
                    .as_deref()
                    .map(Validity::parse)
                    .transpose()
                    .map_err(|e| bad("validity", e))?,
                topic: r.topic,
            })
        } else {
            None
        };
        Ok(Article {
            id: ArticleId(r.id),
            site_id: SiteId(r.site_id),
            index_number: r.index_number,
            title: r.title,
            subtitle: r.subtitle,
            cover_url: r.cover_url,
            summary: r.summary,
            author: r.author,
            source: r.source,
            source_url: r.source_url,
            body_html: r.body_html,
            status: ArticleStatus::parse(&r.status).map_err(|e| bad("article status", e))?,
            publish_date: r.publish_date,
            published_at: r.published_at,
            updated_at: r.updated_at,
            disclosure,
            interprets: r.interprets_id.map(ArticleId),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ListRow {
    pub article_id: i64,
    pub column_id: i64,
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

/// Select list of a `ListRow` from `placements p JOIN articles a`.
macro_rules! list_cols {
    () => {
        "a.id AS article_id, p.column_id, a.title, a.summary, a.publish_date, a.published_at, a.updated_at, p.pinned, a.index_number, a.doc_number, a.issuing_organ, a.topic, a.written_date"
    };
}
pub(crate) use list_cols;

impl From<ListRow> for ListItem {
    fn from(r: ListRow) -> ListItem {
        ListItem {
            article_id: ArticleId(r.article_id),
            column_id: ColumnId(r.column_id),
            title: r.title,
            summary: r.summary,
            publish_date: r.publish_date,
            published_at: r.published_at,
            updated_at: r.updated_at,
            pinned: r.pinned,
            index_number: r.index_number,
            doc_number: r.doc_number,
            issuing_organ: r.issuing_organ,
            topic: r.topic,
            written_date: r.written_date,
        }
    }
}
