//! 办事服务 on the public side: the service catalogue at `/banshi/` (by theme, department and
//! audience; the whole province's on the province portal) and a service item's guide, which the
//! article page shows in place of an article body, printable like the paper guide.

use serde::Serialize;
use zhanqun_core::service::{Audience, Material, ServiceGuide};
use zhanqun_store::ServiceLine;

use super::view::Framed;
use super::*;

/// Items on a catalogue page.
const SERVICE_PAGE: i64 = 20;
/// Departments the province-wide catalogue lists (those with the most items), and a site's.
const PROVINCE_UNITS: i64 = 100;
const SITE_UNITS: i64 = 1000;

/// A filter value as a visitor sends it: trimmed, at most 100 characters.
fn value(query: &HashMap<String, String>, key: &str) -> Result<Option<String>> {
    let v = query
        .get(key)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if v.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(Error::invalid("筛选条件过长"));
    }
    Ok(v)
}

/// `/banshi/?theme=…&dept=…&audience=…&before=…`.
pub(super) fn parse(query: &HashMap<String, String>) -> Result<Route> {
    let audience = value(query, "audience")?
        .map(|a| Audience::parse(&a))
        .transpose()?;
    let before = match value(query, "before")? {
        None => None,
        Some(b) => Some(
            b.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(ArticleId)
                .ok_or_else(|| Error::not_found("页码超出范围"))?,
        ),
    };
    Ok(Route::Services {
        filter: ServiceFilter {
            theme: value(query, "theme")?,
            unit: value(query, "dept")?,
            audience,
        },
        before,
    })
}

pub(super) fn cache_key(filter: &ServiceFilter, before: Option<ArticleId>) -> String {
    format!(
        "/banshi/?theme={}&dept={}&audience={}&before={}",
        filter.theme.as_deref().unwrap_or(""),
        filter.unit.as_deref().unwrap_or(""),
        filter.audience.map(Audience::as_str).unwrap_or(""),
        before.map(|b| b.0).unwrap_or(0)
    )
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl App {
    pub(super) async fn render_services(
        &self,
        ctx: &SiteCtx,
        filter: &ServiceFilter,
        before: Option<ArticleId>,
    ) -> Result<Rendered> {
        let site = &ctx.site;
        let province = site.kind == SiteKind::ProvincePortal;
        let scope = (!province).then_some(site.id);
        // A value no published item has is a 404, never rendered or cached. The province-wide
        // catalogue lists the departments with the most items (a province has thousands): one
        // more is read to know whether the list is cut, and a department not listed is looked
        // up on its own.
        let cap = if province { PROVINCE_UNITS } else { SITE_UNITS };
        let facets = match scope {
            Some(site) => Arc::new(self.store().service_facets(Some(site), cap + 1).await?),
            None => self.province_service_facets(cap + 1).await?,
        };
        let capped = facets.units.len() as i64 > cap;
        let units: Vec<&(String, i64)> = facets.units.iter().take(cap as usize).collect();
        if let Some(t) = filter
            .theme
            .as_ref()
            .filter(|t| !facets.themes.iter().any(|f| &f.0 == *t))
        {
            return Err(Error::not_found(format!("没有主题为“{t}”的办事事项")));
        }
        let unlisted = filter
            .unit
            .as_ref()
            .filter(|u| !units.iter().any(|f| &f.0 == *u));
        if let Some(u) = unlisted
            && !(capped && self.store().service_unit_exists(scope, u).await?)
        {
            return Err(Error::not_found(format!("没有“{u}”的办事事项")));
        }
        let mut lines = self
            .store()
            .service_lines(scope, filter, before, SERVICE_PAGE + 1)
            .await?;
        if before.is_some() && lines.is_empty() {
            return Err(Error::not_found("页码超出范围"));
        }
        let more = lines.len() as i64 > SERVICE_PAGE;
        lines.truncate(SERVICE_PAGE as usize);
        let mut hosts: HashMap<SiteId, Option<String>> = HashMap::new();
        let mut items = Vec::with_capacity(lines.len());
        for l in &lines {
            let url = if l.site_id == site.id {
                format!("/art/{}.html", l.id)
            } else {
                if let std::collections::hash_map::Entry::Vacant(e) = hosts.entry(l.site_id) {
                    let ctx = self.directory().ctx(l.site_id).await?;
                    e.insert(ctx.and_then(|c| c.site.hosts.first().cloned()));
                }
                match hosts.get(&l.site_id).cloned().flatten() {
                    Some(h) => format!("{}://{h}/art/{}.html", self.config().public_scheme, l.id),
                    None => continue,
                }
            };
            items.push(Listed::of(l, url));
        }
        let mut base = String::new();
        if let Some(t) = &filter.theme {
            base.push_str(&format!("theme={}&", enc(t)));
        }
        if let Some(u) = &filter.unit {
            base.push_str(&format!("dept={}&", enc(u)));
        }
        if let Some(a) = filter.audience {
            base.push_str(&format!("audience={}&", a.as_str()));
        }
        let next = more
            .then(|| {
                lines
                    .last()
                    .map(|l| format!("/banshi/?{base}before={}", l.id))
            })
            .flatten();
        let title = if province {
            "全省办事服务"
        } else {
            "办事服务"
        };
        let pagev = Framed {
            site: SiteView::of(ctx),
            page_title: title,
            nav_current: "zwfw",
            view: CataloguePage {
                crumbs: [Link {
                    name: title,
                    url: "/banshi/".into(),
                    path: None,
                }],
                province,
                items,
                facets: FacetsView {
                    themes: &facets.themes,
                    units,
                    total: facets.total,
                },
                units_capped: capped,
                dept_unlisted: unlisted.map(String::as_str),
                audiences: Choice::all(
                    &[Audience::Person, Audience::Legal],
                    Audience::as_str,
                    Audience::label,
                ),
                filter: FilterView {
                    theme: filter.theme.as_deref(),
                    dept: filter.unit.as_deref(),
                    audience: filter.audience.map(Audience::as_str),
                },
                first: before
                    .is_some()
                    .then(|| format!("/banshi/?{}", base.trim_end_matches('&'))),
                next,
            },
        };
        let mut deps = vec![Dep::Site(site.id), Dep::SiteContent(site.id)];
        if province {
            deps.push(Dep::AnyContent);
        }
        Ok(Rendered {
            status: StatusCode::OK,
            content_type: HTML,
            body: self.render_html(ctx, "services.html", &pagev)?,
            deps,
            shown: Vec::new(),
        })
    }
}

/// An item in the service catalogue, with the address of its page (on its own site when the
/// province-wide catalogue lists it).
#[derive(Serialize)]
struct Listed<'a> {
    title: &'a str,
    url: String,
    unit: Option<&'a str>,
    theme: &'a str,
    site: &'a str,
    audience: &'static str,
    item_type: &'a str,
}

impl<'a> Listed<'a> {
    fn of(l: &'a ServiceLine, url: String) -> Listed<'a> {
        Listed {
            title: &l.title,
            url,
            unit: l.unit.as_deref(),
            theme: &l.theme,
            site: &l.site_name,
            audience: Audience::parse(&l.audience)
                .map(|a| a.label())
                .unwrap_or(""),
            item_type: &l.item_type,
        }
    }
}

/// Each theme and department with its count of items, and the items in all.
#[derive(Serialize)]
struct FacetsView<'a> {
    themes: &'a [(String, i64)],
    units: Vec<&'a (String, i64)>,
    total: i64,
}

/// The filter applied, as the catalogue's form shows it chosen.
#[derive(Serialize)]
struct FilterView<'a> {
    theme: Option<&'a str>,
    dept: Option<&'a str>,
    audience: Option<&'static str>,
}

/// A page of the service catalogue: keyset paging (`first`, `next`), the departments listed cut
/// to the largest when there are too many (`units_capped`), and a department asked for that is
/// not among them (`dept_unlisted`).
#[derive(Serialize)]
struct CataloguePage<'a> {
    crumbs: [Link<'a>; 1],
    province: bool,
    items: Vec<Listed<'a>>,
    facets: FacetsView<'a>,
    units_capped: bool,
    dept_unlisted: Option<&'a str>,
    audiences: Vec<Choice>,
    filter: FilterView<'a>,
    first: Option<String>,
    next: Option<String>,
}

/// An element of a guide: its label and its text, a paragraph a line (无 when empty).
#[derive(Serialize)]
pub(super) struct Row {
    label: &'static str,
    lines: Vec<String>,
}

/// A guide as the item's page shows it: the elements in the order of the paper guide, each
/// line of a multi-line element a paragraph, and the materials as a table.
#[derive(Serialize)]
pub(super) struct GuideView<'a> {
    rows: Vec<Row>,
    process: Vec<String>,
    result_sample: Option<&'a str>,
    materials: &'a [Material],
}

pub(super) fn guide_view(g: &ServiceGuide) -> GuideView<'_> {
    let lines = |s: &str| -> Vec<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    let rows = [
        ("事项类型", g.item_type.as_str()),
        ("服务对象", g.audience.label()),
        ("实施机构", g.agency.as_str()),
        ("设定依据", g.basis.as_str()),
        ("申请条件", g.conditions.as_str()),
        ("法定办结时限", g.legal_limit.as_str()),
        ("承诺办结时限", g.promised_limit.as_str()),
        ("结果名称", g.result_name.as_str()),
        ("收费标准", g.fee.as_str()),
        ("收费依据", g.fee_basis.as_str()),
        ("办理形式", g.channels.as_str()),
        ("审查标准", g.review_standard.as_str()),
        ("通办范围", g.scope.as_str()),
        ("预约办理", g.appointment.as_str()),
        ("网上支付", g.online_payment.as_str()),
        ("物流快递", g.delivery.as_str()),
        ("办理地点", g.place.as_str()),
        ("办理时间", g.hours.as_str()),
        ("咨询电话", g.consult_phone.as_str()),
        ("监督电话", g.complaint_phone.as_str()),
    ]
    .into_iter()
    .map(|(label, v)| Row {
        label,
        lines: if v.trim().is_empty() {
            vec!["无".to_string()]
        } else {
            lines(v)
        },
    })
    .collect();
    GuideView {
        rows,
        process: lines(&g.process),
        result_sample: g.result_sample.as_deref(),
        materials: &g.materials,
    }
}
