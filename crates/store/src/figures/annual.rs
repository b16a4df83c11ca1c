//! 政府网站工作年度报表 (国办函〔2018〕12号): the annual report of one site and year, filled
//! from the store, and its publication as an article of the site's disclosure column.

use super::*;
use crate::fetch;

/// A value of the annual report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ReportValue {
    Count(i64),
    Text(String),
    /// The platform has no such feature yet (letters, online services…): the row is shown and
    /// marked, never invented.
    NotApplicable,
}

impl std::fmt::Display for ReportValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportValue::Count(n) => write!(f, "{n}"),
            ReportValue::Text(t) => f.write_str(t),
            ReportValue::NotApplicable => f.write_str("不适用（平台暂无此功能）"),
        }
    }
}

/// One line of the report: its section (网站基本信息, 信息发布, …), its item and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub section: &'static str,
    pub item: &'static str,
    pub value: ReportValue,
}

/// 政府网站工作年度报表 (国办函〔2018〕12号) of one site and year, filled from the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualReport {
    pub site_id: SiteId,
    pub code: String,
    pub name: String,
    pub year: i32,
    pub rows: Vec<ReportRow>,
}

impl AnnualReport {
    /// The value of an item (tests and the province list read the figures back).
    pub fn value(&self, item: &str) -> Option<&ReportValue> {
        self.rows.iter().find(|r| r.item == item).map(|r| &r.value)
    }

    pub fn count(&self, item: &str) -> Option<i64> {
        match self.value(item) {
            Some(ReportValue::Count(n)) => Some(*n),
            _ => None,
        }
    }
}

/// The Beijing year `[start, end)` in UTC.
pub fn beijing_year(year: i32) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let start = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .map(zhanqun_core::beijing::start_of)
            .ok_or_else(|| Error::invalid(format!("年份 {y} 无效")))
    };
    if !(2000..=2100).contains(&year) {
        return Err(Error::invalid(format!(
            "年份 {year} 无效，请填写 2000 到 2100 之间的年份"
        )));
    }
    Ok((start(year)?, start(year + 1)?))
}

impl Store {
    /// Builds a site's annual report for `year` from the data: the site's registration, its
    /// visits (unique visitors merged over the year's days), what it published, its topics,
    /// interpretations, reprints (on time against `deadlines`) and submissions.
    pub async fn annual_report(
        &self,
        site: SiteId,
        year: i32,
        deadlines: &zhanqun_core::timeliness::Deadlines,
    ) -> Result<AnnualReport> {
        use ReportValue::{Count, NotApplicable, Text};
        use std::collections::{BTreeSet, HashMap};

        let (from, to) = beijing_year(year)?;
        let s = self
            .site(site)
            .await?
            .ok_or_else(|| Error::not_found("网站不存在"))?;
        let columns = self.columns(site).await?;
        let day = |t: DateTime<Utc>| zhanqun_core::visits::china_day(t);
        let visits = self
            .visit_totals(
                Some(site),
                day(from),
                day(to - chrono::Duration::seconds(1)),
            )
            .await?;
        let pubs = self.publications(site, None, from, to).await?;
        let distinct = |f: &dyn Fn(&Publication) -> bool| {
            pubs.iter()
                .filter(|p| f(p))
                .map(|p| p.article_id)
                .collect::<BTreeSet<_>>()
                .len() as i64
        };
        // Topics (专题): sub-columns of 专题专栏 (ztzl) and topic pages placed in it directly;
        // kept when they existed by the end of the year, opened when they first appeared in it.
        let topic_root = columns.iter().find(|c| c.path.as_str() == "ztzl");
        let mut topics_kept = 0;
        let mut topics_opened = 0;
        if let Some(root) = topic_root {
            let all = self
                .publications(site, None, beijing_year(2000)?.0, to)
                .await?;
            let mut first: HashMap<(bool, i64), DateTime<Utc>> = HashMap::new();
            for p in &all {
                let key = if p.column_id == root.id {
                    Some((false, p.article_id.0))
                } else if columns
                    .iter()
                    .any(|c| c.id == p.column_id && c.parent_id == Some(root.id))
                {
                    Some((true, p.column_id.0))
                } else {
                    None
                };
                if let Some(k) = key {
                    let t = first.entry(k).or_insert(p.at);
                    *t = (*t).min(p.at);
                }
            }
            let children = columns
                .iter()
                .filter(|c| c.parent_id == Some(root.id))
                .count();
            let used_children = first.keys().filter(|(col, _)| *col).count();
            topics_kept = (first.len() - used_children + children) as i64;
            topics_opened = first.values().filter(|t| **t >= from).count() as i64;
        }
        let reprints = self
            .reprint_figures(site, from, to, deadlines, to.min(crate::now()))
            .await?;
        let reprinted = reprints.placed;
        let on_time = reprints.on_time;
        let subs = self.submission_figures(site, from, to).await?;
        let (submitted, adopted) = (subs.submitted, subs.adopted);
        let letters = self.letter_figures(site, from, to).await?;
        let service_items = self.service_item_count(site, to).await?;
        let fully_online = self.service_items_fully_online(site, to).await?;
        let (by_persons, by_organisations) = self.application_counts(site, from, to).await?;
        let surveys = self
            .surveys(site)
            .await?
            .iter()
            .filter(|v| v.opens_at >= from && v.opens_at < to)
            .count() as i64;
        let interviews = self
            .interviews(site)
            .await?
            .iter()
            .filter(|i| i.starts_at >= from && i.starts_at < to)
            .count() as i64;
        let host = s.hosts.first().cloned().unwrap_or_default();
        let text = |v: &str| {
            if v.trim().is_empty() {
                Text("（未填写）".into())
            } else {
                Text(v.to_string())
            }
        };
        let kind = match s.kind {
            SiteKind::Department => "部门网站",
            _ => "政府门户网站",
        };
        let rows = vec![
            ReportRow {
                section: "网站基本信息",
                item: "网站名称",
                value: Text(s.name.clone()),
            },
            ReportRow {
                section: "网站基本信息",
                item: "首页网址",
                value: text(&host),
            },
            ReportRow {
                section: "网站基本信息",
                item: "主办单位",
                value: text(&s.footer.organiser),
            },
            ReportRow {
                section: "网站基本信息",
                item: "网站类型",
                value: Text(kind.into()),
            },
            ReportRow {
                section: "网站基本信息",
                item: "政府网站标识码",
                value: Text(s.code.to_string()),
            },
            ReportRow {
                section: "网站基本信息",
                item: "ICP备案号",
                value: text(&s.footer.icp),
            },
            ReportRow {
                section: "网站基本信息",
                item: "公安机关备案号",
                value: text(&s.footer.psb),
            },
            ReportRow {
                section: "网站基本信息",
                item: "独立用户访问总量（个）",
                value: Count(visits.visitors),
            },
            ReportRow {
                section: "网站基本信息",
                item: "网站总访问量（次）",
                value: Count(visits.views),
            },
            ReportRow {
                section: "信息发布",
                item: "信息发布总数（条）",
                value: Count(distinct(&|_| true)),
            },
            ReportRow {
                section: "信息发布",
                item: "概况类信息更新量（条）",
                value: Count(distinct(&|p| p.category == UpdateCategory::Static)),
            },
            ReportRow {
                section: "信息发布",
                item: "政务动态信息更新量（条）",
                value: Count(distinct(&|p| p.category == UpdateCategory::News)),
            },
            ReportRow {
                section: "信息发布",
                item: "信息公开目录信息更新量（条）",
                value: Count(distinct(&|p| p.disclosure)),
            },
            ReportRow {
                section: "专栏专题",
                item: "维护数量（个）",
                value: Count(topics_kept),
            },
            ReportRow {
                section: "专栏专题",
                item: "新开设数量（个）",
                value: Count(topics_opened),
            },
            ReportRow {
                section: "解读回应",
                item: "解读信息发布总数（条）",
                value: Count(distinct(&|p| p.interpretation)),
            },
            ReportRow {
                section: "解读回应",
                item: "回应公众关注热点或重大舆情数量（次）",
                value: NotApplicable,
            },
            ReportRow {
                section: "办事服务",
                item: "是否发布服务事项目录",
                value: Text(if service_items > 0 { "是" } else { "否" }.into()),
            },
            // The public does not register to apply: no accounts, nothing to count.
            ReportRow {
                section: "办事服务",
                item: "注册用户数（个）",
                value: Text("不适用（在线办理无需注册账号）".into()),
            },
            ReportRow {
                section: "办事服务",
                item: "政务服务事项数量（项）",
                value: Count(service_items),
            },
            ReportRow {
                section: "办事服务",
                item: "可全程在线办理政务服务事项数量（项）",
                value: Count(fully_online),
            },
            ReportRow {
                section: "办事服务",
                item: "办件量（件）",
                value: Count(by_persons + by_organisations),
            },
            ReportRow {
                section: "办事服务",
                item: "办件量：自然人办件量（件）",
                value: Count(by_persons),
            },
            ReportRow {
                section: "办事服务",
                item: "办件量：法人办件量（件）",
                value: Count(by_organisations),
            },
            ReportRow {
                section: "互动交流",
                item: "收到留言数量（条）",
                value: Count(letters.received),
            },
            ReportRow {
                section: "互动交流",
                item: "办结留言数量（条）",
                value: Count(letters.answered),
            },
            ReportRow {
                section: "互动交流",
                item: "平均办理时间（天）",
                value: match letters.mean_days {
                    Some(d) => Text(format!("{d:.1}")),
                    None => Text("（本年度无办结留言）".into()),
                },
            },
            ReportRow {
                section: "互动交流",
                item: "公开答复数量（条）",
                value: Count(letters.published),
            },
            ReportRow {
                section: "互动交流",
                item: "征集调查期数（期）",
                value: Count(surveys),
            },
            ReportRow {
                section: "互动交流",
                item: "在线访谈期数（期）",
                value: Count(interviews),
            },
            ReportRow {
                section: "转载与报送",
                item: "转载上级政策文件（条）",
                value: Count(reprinted),
            },
            ReportRow {
                section: "转载与报送",
                item: "其中按时转载（条）",
                value: Count(on_time),
            },
            ReportRow {
                section: "转载与报送",
                item: "向其他网站报送信息（条）",
                value: Count(submitted),
            },
            ReportRow {
                section: "转载与报送",
                item: "其中被采用（条）",
                value: Count(adopted),
            },
            ReportRow {
                section: "填报信息",
                item: "统计截止",
                value: Text(format!("{year}年12月31日")),
            },
            ReportRow {
                section: "填报信息",
                item: "数据来源",
                value: Text("由站群平台按网站实际数据生成".into()),
            },
        ];
        Ok(AnnualReport {
            site_id: site,
            code: s.code.to_string(),
            name: s.name.clone(),
            year,
            rows,
        })
    }
}

/// Where a site's annual reports are published: its disclosure column (政务公开 on a portal,
/// 信息公开 on a department site).
pub const REPORT_COLUMNS: [&str; 2] = ["zwgk", "xxgk"];

impl Store {
    /// The article that published a site's report of `year`, if any.
    pub async fn annual_report_article(
        &self,
        site: SiteId,
        year: i32,
    ) -> Result<Option<ArticleId>> {
        let id: Option<i64> = fetch!(
            self,
            optional,
            sqlx::query_scalar(
                "SELECT article_id FROM annual_reports WHERE site_id = $1 AND year = $2",
            )
            .bind(site.0)
            .bind(year)
        )?;
        Ok(id.map(ArticleId))
    }

    /// Every published report of `year`: (site, article).
    pub async fn annual_report_articles(&self, year: i32) -> Result<Vec<(SiteId, ArticleId)>> {
        let rows: Vec<(i64, i64)> = fetch!(
            self,
            all,
            sqlx::query_as("SELECT site_id, article_id FROM annual_reports WHERE year = $1")
                .bind(year)
        )?;
        Ok(rows
            .into_iter()
            .map(|(s, a)| (SiteId(s), ArticleId(a)))
            .collect())
    }

    /// Publishes a site's annual report in its disclosure column, in one transaction: the
    /// article (published, filed in the disclosure catalogue), the record that the year's report
    /// is out, the change for the page caches and the audit record. Only the site's
    /// administrator may; a year is published once.
    pub async fn publish_annual_report(
        &self,
        actor: &crate::Actor,
        report: &AnnualReport,
        body_html: String,
    ) -> Result<ArticleId> {
        let site = report.site_id;
        if !actor.principal.is_site_admin(site) {
            return Err(Error::forbidden("发布年度报表仅限该网站的网站管理员"));
        }
        if let Some(a) = self.annual_report_article(site, report.year).await? {
            return Err(Error::conflict(format!(
                "{}年度报表已于信息 {a} 发布，不能重复发布",
                report.year
            )));
        }
        let columns = self.columns(site).await?;
        let column = REPORT_COLUMNS
            .iter()
            .find_map(|p| columns.iter().find(|c| c.path.as_str() == *p))
            .ok_or_else(|| {
                Error::invalid(
                    "本网站没有信息公开栏目（zwgk 政务公开或 xxgk 信息公开），请先建立该栏目",
                )
            })?;
        let s = self
            .site(site)
            .await?
            .ok_or_else(|| Error::not_found("网站不存在"))?;
        let input = ArticleInput {
            title: format!("{}网站工作年度报表（{}年度）", report.name, report.year),
            body_html,
            published: true,
            source: Some(s.footer.organiser.clone()).filter(|o| !o.is_empty()),
            disclosure: Some(crate::DisclosureInput {
                issuing_organ: Some(s.footer.organiser.clone()).filter(|o| !o.is_empty()),
                topic: Some("政府网站年度报表".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        input.check()?;
        let entry = actor.entry(
            "site_admin",
            Some(s.code.as_str()),
            "report.publish",
            format!("annual_report:{}:{}", s.code, report.year),
            crate::Outcome::Success,
            None,
        );
        let ts = crate::now();
        let mut changes: Vec<Change> = Vec::new();
        let items = vec![(input, vec![column.id])];
        let id = async {
            on_pool!(self, |p| {
                let mut tx = p.begin_write().await.map_err(db_err)?;
                let ids = crate::content::insert_articles!(tx, site, &items, None, ts, changes);
                let id = ids
                    .first()
                    .copied()
                    .ok_or_else(|| Error::internal("no report article created"))?;
                sqlx::query(
                    "INSERT INTO annual_reports (site_id, year, article_id, published_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(site.0)
                .bind(report.year)
                .bind(id.0)
                .bind(ts)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                for c in &changes {
                    crate::log_change!(self, tx, c);
                }
                crate::audit::commit_audited!(tx, &entry);
                Ok::<_, Error>(id)
            })
        }
        .await?;
        for c in changes {
            self.notify(c);
        }
        Ok(id)
    }
}
