//! What the console and the JSON API both do, written once: logging in and what comes next,
//! the article input both sides send (the API as JSON, the console as a form turned into the
//! same body), revision diffs, the TOTP enrolment QR code and the upload body limit.

use axum::http::HeaderMap;
use chrono::NaiveDate;
use serde::Deserialize;
use zhanqun_core::{ArticleId, Error, Validity};
use zhanqun_store::{ArticleInput, DisclosureInput};
use zhanqun_web::App;

use crate::auth;

/// What comes after a password login: the TOTP code, enrolment, or nothing.
pub fn next_step(app: &App, totp_enrolled: bool) -> &'static str {
    if !app.config().console.require_totp {
        "done"
    } else if totp_enrolled {
        "totp"
    } else {
        "enrol"
    }
}

/// Logs in with a password: ends any session the request carried and starts a new one.
pub async fn login_with(
    app: &App,
    headers: &HeaderMap,
    client: &str,
    username: &str,
    password_text: &str,
) -> Result<(zhanqun_core::Account, String), Error> {
    if let Some(old) = auth::session_token(headers) {
        app.store().logout(&old).await?;
    }
    app.store()
        .login(
            username,
            password_text,
            client,
            zhanqun_store::now(),
            &auth::policy(),
        )
        .await
        .map_err(auth::login_error)
}

/// A QR code (SVG) of an `otpauth://` URL.
pub fn qr_svg(url: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(Error::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureBody {
    pub doc_number: Option<String>,
    pub written_date: Option<NaiveDate>,
    pub issuing_organ: Option<String>,
    pub validity: Option<String>,
    pub topic: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleBody {
    pub title: String,
    #[serde(default)]
    pub subtitle: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub source_url: Option<String>,
    /// Cover image: `/media/…` of the site, or an https URL.
    #[serde(default)]
    pub cover_url: Option<String>,
    #[serde(default)]
    pub body_html: String,
    #[serde(default)]
    pub disclosure: Option<DisclosureBody>,
    #[serde(default)]
    pub interprets: Option<i64>,
    /// A service item's guide (办事指南): the article is then a service item.
    #[serde(default)]
    pub service: Option<zhanqun_core::service::ServiceGuide>,
    /// A data set's description (数据开放): the article is then a data set.
    #[serde(default)]
    pub dataset: Option<zhanqun_core::dataset::DatasetMeta>,
}

fn opt(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl ArticleBody {
    /// The domain input; the store sanitises the body.
    pub fn into_input(self) -> Result<ArticleInput, Error> {
        if let Some(url) = self.source_url.as_deref().filter(|u| !u.trim().is_empty())
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(Error::invalid("来源网址须以 http:// 或 https:// 开头"));
        }
        let disclosure = match self.disclosure {
            Some(d) => Some(DisclosureInput {
                doc_number: opt(d.doc_number),
                written_date: d.written_date,
                issuing_organ: opt(d.issuing_organ),
                validity: opt(d.validity)
                    .as_deref()
                    .map(Validity::parse)
                    .transpose()?,
                topic: opt(d.topic),
            }),
            None => None,
        };
        Ok(ArticleInput {
            title: self.title,
            subtitle: opt(self.subtitle),
            summary: opt(self.summary),
            author: opt(self.author),
            source: opt(self.source),
            source_url: opt(self.source_url),
            cover_url: opt(self.cover_url),
            body_html: self.body_html,
            published: false,
            published_at: None,
            disclosure,
            interprets: self.interprets.map(ArticleId),
            unit: None,
            service: self.service.map(|g| g.cleaned()).transpose()?,
            dataset: self.dataset.map(|d| d.cleaned()).transpose()?,
        })
    }
}

/// A readable line diff between two revisions (title, fields, body as text lines).
pub fn revision_diff(
    revs: &[zhanqun_store::Revision],
    from: i64,
    to: i64,
) -> Result<String, Error> {
    let find = |r: i64| {
        revs.iter()
            .find(|x| x.rev == r)
            .ok_or_else(|| Error::not_found(format!("版本 {r} 不存在")))
    };
    let text = |r: &zhanqun_store::Revision| {
        format!(
            "标题：{}\n{}\n{}\n",
            r.title,
            r.fields,
            r.body_html
                .replace("</p>", "</p>\n")
                .replace("<br>", "<br>\n")
        )
    };
    let (a, b) = (text(find(from)?), text(find(to)?));
    let diff = similar::TextDiff::from_lines(&a, &b);
    Ok(diff
        .unified_diff()
        .context_radius(2)
        .header(&format!("版本 {from}"), &format!("版本 {to}"))
        .to_string())
}

/// The request body limit of upload routes: the configured file limit plus room for the form.
pub fn upload_limit(app: &App) -> usize {
    usize::try_from(app.config().console.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024)
}

/// The site whose 互动交流 the actor handles (its letter office: administrators and
/// reviewers); any other site, or none, is "not found" — the console's pages and the API's
/// answers for surveys, interviews and the 知识库 start here.
pub async fn letter_office_site(
    app: &App,
    principal: &zhanqun_core::Principal,
    site: zhanqun_core::SiteId,
) -> Result<zhanqun_core::Site, Error> {
    app.store()
        .site(site)
        .await?
        .filter(|_| principal.is_letter_office(site))
        .ok_or_else(|| Error::not_found("网站不存在"))
}

/// The site of survey `id` when the actor is its letter office (else "not found").
pub async fn office_survey_site(
    app: &App,
    principal: &zhanqun_core::Principal,
    id: zhanqun_core::SurveyId,
) -> Result<zhanqun_core::SiteId, Error> {
    app.store()
        .survey_site(id)
        .await?
        .filter(|s| principal.is_letter_office(*s))
        .ok_or_else(|| Error::not_found("没有这个调查"))
}

/// Interview `id` when the actor is its site's letter office (else "not found").
pub async fn office_interview(
    app: &App,
    principal: &zhanqun_core::Principal,
    id: zhanqun_core::InterviewId,
) -> Result<zhanqun_store::Interview, Error> {
    let i = app.store().interview(None, id).await?;
    if principal.is_letter_office(i.site_id) {
        Ok(i)
    } else {
        Err(Error::not_found("没有这个访谈"))
    }
}

/// Adds `question` and `answer` to `site`'s 知识库 in its office's words, linked to the answered
/// `letter` when one is named.
pub async fn add_to_faq(
    app: &App,
    actor: &zhanqun_store::Actor,
    site: zhanqun_core::SiteId,
    question: String,
    answer: String,
    letter: Option<zhanqun_core::LetterId>,
) -> Result<zhanqun_core::FaqId, Error> {
    let faq = zhanqun_store::NewFaq {
        question,
        answer,
        letter,
    };
    app.store()
        .add_faq(actor, site, &faq, zhanqun_store::now())
        .await
}

/// A file sent with letter `id`, as a download for its handlers; every opening is audited.
pub async fn letter_attachment(
    app: &App,
    actor: &zhanqun_store::Actor,
    id: zhanqun_core::LetterId,
    position: i64,
) -> Result<axum::response::Response, Error> {
    let f = app
        .store()
        .letter_attachment(actor, id, position, app.letters().keys())
        .await?;
    Ok(zhanqun_web::media::private_download(
        &f.name, &f.mime, f.bytes,
    ))
}

/// Writes to the audit log that the audit administrator read the log (`audit.read`) or exported
/// it (`audit.export`); `object` says which records.
pub async fn audit_reading(
    app: &App,
    actor: &zhanqun_store::Actor,
    action: &str,
    object: String,
) -> Result<(), Error> {
    let entry = actor.entry(
        "audit_admin",
        None,
        action,
        object,
        zhanqun_store::Outcome::Success,
        None,
    );
    app.store().audit(&entry).await?;
    Ok(())
}

/// The column at `path` of `site`, as a reprint form or body names it (none there: bad input).
pub async fn column_by_path(
    app: &App,
    site: zhanqun_core::SiteId,
    path: &str,
) -> Result<zhanqun_core::ColumnId, Error> {
    app.store()
        .column_by_path(site, path)
        .await?
        .ok_or_else(|| Error::invalid(format!("该网站没有路径为“{}”的栏目", path.trim())))
}

/// `?year=` of a yearly table (依申请公开's tables 三 and 四): absent, this year (Beijing time).
#[derive(Debug, Deserialize)]
pub struct YearQuery {
    pub year: Option<String>,
}

impl YearQuery {
    /// The year asked for, 2008 (the 条例's first year) to 2100; or what to fix.
    pub fn year(&self) -> Result<i32, Error> {
        match self
            .year
            .as_deref()
            .map(str::trim)
            .filter(|y| !y.is_empty())
        {
            None => Ok(zhanqun_core::beijing::year(zhanqun_store::now())),
            Some(y) => y
                .parse::<i32>()
                .ok()
                .filter(|y| (2008..=2100).contains(y))
                .ok_or_else(|| Error::invalid("年份无效：请填写四位数年份，例如 2026")),
        }
    }
}

/// The 依申请公开 tables of site `id` for the year `q` asks for, for its office: the site, the
/// year, table 三 (computed) and table 四 (as entered).
pub async fn disclosure_tables(
    app: &App,
    a: &auth::Authed,
    id: zhanqun_core::SiteId,
    q: &YearQuery,
) -> Result<
    (
        zhanqun_core::Site,
        i32,
        zhanqun_core::disclosure::YearTable,
        zhanqun_core::disclosure::Reviews,
    ),
    Error,
> {
    let site = letter_office_site(app, &a.actor.principal, id).await?;
    let year = q.year()?;
    let t = app.store().info_request_year(id, year).await?;
    let reviews = app.store().info_request_reviews(id, year).await?;
    Ok((site, year, t, reviews))
}
