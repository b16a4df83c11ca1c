//! sitemap.xml (an index of parts when a site has more URLs than one file may hold) and
//! robots.txt.

use super::*;

/// A sitemap `<urlset>` being written.
struct Urlset {
    origin: String,
    xml: String,
}

impl Urlset {
    fn new(origin: &str) -> Urlset {
        Urlset {
            origin: origin.to_string(),
            xml: String::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
            ),
        }
    }

    fn url(&mut self, path: &str, lastmod: Option<DateTime<Utc>>, freq: &str, prio: &str) {
        self.xml.push_str("  <url><loc>");
        self.xml
            .push_str(&xml_escape(&format!("{}{path}", self.origin)));
        self.xml.push_str("</loc>");
        if let Some(t) = lastmod {
            self.xml.push_str(&format!(
                "<lastmod>{}</lastmod>",
                t.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        self.xml.push_str(&format!(
            "<changefreq>{freq}</changefreq><priority>{prio}</priority></url>\n"
        ));
    }

    fn article(&mut self, id: ArticleId, updated: DateTime<Utc>) {
        self.url(&format!("/art/{id}.html"), Some(updated), "monthly", "0.5");
    }

    fn finish(mut self) -> String {
        self.xml.push_str("</urlset>\n");
        self.xml
    }
}

/// The home page, the catalogue and every column of a site, in a sitemap.
fn site_pages(xml: &mut Urlset, ctx: &SiteCtx) {
    xml.url("/", None, "hourly", "1.0");
    xml.url("/xxgkml/", None, "daily", "0.8");
    for c in ctx.columns.iter().filter(|c| c.kind != ColumnKind::Link) {
        xml.url(&format!("/{}/", c.path), None, "daily", "0.6");
    }
}

impl App {
    pub(super) async fn render_sitemap(&self, ctx: &SiteCtx, host: &str) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let origin = format!("{}://{}", self.config().public_scheme, host);
        // Counted in the index first: a large site's articles are not read for its index.
        let shown = self.store().shown_up_to(site.id, SITEMAP_SMALL + 1).await?;
        let body = if shown <= SITEMAP_SMALL {
            let small = self.store().sitemap_entries(site.id, SITEMAP_SMALL).await?;
            let mut xml = Urlset::new(&origin);
            site_pages(&mut xml, ctx);
            for (id, updated) in small {
                xml.article(id, updated);
            }
            xml.finish()
        } else {
            let mut xml = String::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
            );
            let mut part = |p: SitemapPart| {
                xml.push_str(&format!(
                    "  <sitemap><loc>{}</loc></sitemap>\n",
                    xml_escape(&format!("{origin}/{}", p.file()))
                ));
            };
            part(SitemapPart::Pages);
            if let Some((first, last)) = self.store().published_span(site.id).await? {
                let mut m = (last.year(), last.month());
                while m >= (first.year(), first.month()) {
                    part(SitemapPart::Month {
                        year: m.0,
                        month: m.1,
                    });
                    m = if m.1 == 1 {
                        (m.0 - 1, 12)
                    } else {
                        (m.0, m.1 - 1)
                    };
                }
            }
            xml.push_str("</sitemapindex>\n");
            xml
        };
        Ok(Rendered {
            status: StatusCode::OK,
            content_type: XML,
            body,
            deps: vec![base[0], Dep::SiteContent(site.id)],
            shown: Vec::new(),
        })
    }

    pub(super) async fn render_sitemap_part(
        &self,
        ctx: &SiteCtx,
        host: &str,
        part: &SitemapPart,
    ) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let origin = format!("{}://{}", self.config().public_scheme, host);
        let mut xml = Urlset::new(&origin);
        match *part {
            SitemapPart::Pages => site_pages(&mut xml, ctx),
            SitemapPart::Month { year, month } => {
                // Only the months the index lists exist: no entry for any other.
                let span = self.store().published_span(site.id).await?;
                let within = span.is_some_and(|(first, last)| {
                    (first.year(), first.month()) <= (year, month)
                        && (year, month) <= (last.year(), last.month())
                });
                let start = |y: i32, m: u32| {
                    chrono::NaiveDate::from_ymd_opt(y, m, 1)
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|t| t.and_utc())
                };
                let next = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                let (Some(from), Some(to), true) =
                    (start(year, month), start(next.0, next.1), within)
                else {
                    return Err(Error::not_found("本站没有这个月的信息"));
                };
                for (id, updated) in self
                    .store()
                    .sitemap_between(site.id, from, to, 50_000)
                    .await?
                {
                    xml.article(id, updated);
                }
            }
        }
        Ok(Rendered {
            status: StatusCode::OK,
            content_type: XML,
            body: xml.finish(),
            deps: vec![base[0], Dep::SiteContent(site.id)],
            shown: Vec::new(),
        })
    }

    pub(super) fn render_robots(&self, ctx: &SiteCtx, host: &str) -> Result<Rendered> {
        let site = &ctx.site;
        let base = [Dep::Site(site.id)];
        let body = format!(
            "User-agent: *\nAllow: /\nSitemap: {}://{host}/sitemap.xml\n",
            self.config().public_scheme
        );
        Ok(Rendered {
            status: StatusCode::OK,
            content_type: TEXT,
            body,
            deps: base.to_vec(),
            shown: Vec::new(),
        })
    }
}
