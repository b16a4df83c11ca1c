//! 办事服务 on the public side: the service catalogue at `/banshi/` (by theme, department and
//! audience; the whole province's on the province portal) and a service item's guide, which the
//! article page shows in place of an article body, printable like the paper guide.

use zhanqun_core::service::{Audience, ServiceGuide};

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
            items.push(json!({
                "title": l.title, "url": url, "unit": l.unit, "theme": l.theme,
                "site": l.site_name, "audience": Audience::parse(&l.audience).map(|a| a.label()).unwrap_or(""),
                "item_type": l.item_type,
            }));
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
        let audiences: Vec<Value> = [Audience::Person, Audience::Legal]
            .iter()
            .map(|a| json!({ "value": a.as_str(), "label": a.label() }))
            .collect();
        let title = if province {
            "全省办事服务"
        } else {
            "办事服务"
        };
        let pagev = json!({
            "site": SiteView::of(ctx),
            "page_title": title,
            "nav_current": "zwfw",
            "crumbs": [{ "name": title, "url": "/banshi/" }],
            "province": province,
            "items": items,
            "facets": { "themes": facets.themes, "units": units, "total": facets.total },
            "units_capped": capped,
            "dept_unlisted": unlisted,
            "audiences": audiences,
            "filter": { "theme": filter.theme, "dept": filter.unit, "audience": filter.audience.map(Audience::as_str) },
            "first": before.is_some().then(|| format!("/banshi/?{}", base.trim_end_matches('&'))),
            "next": next,
        });
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

/// A guide as the item's page shows it: the elements in the order of the paper guide, each
/// line of a multi-line element a paragraph, and the materials as a table.
pub(super) fn guide_view(g: &ServiceGuide) -> Value {
    let lines = |s: &str| -> Vec<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    let rows: Vec<Value> = [
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
    .map(|(k, v)| json!({ "label": k, "lines": if v.trim().is_empty() { vec!["无".to_string()] } else { lines(v) } }))
    .collect();
    json!({
        "rows": rows,
        "process": lines(&g.process),
        "result_sample": g.result_sample,
        "materials": g.materials,
    })
}
