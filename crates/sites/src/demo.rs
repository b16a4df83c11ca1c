//! The demo province: Shaanxi (陕西, region 61) — the province portal, its 10 city portals, its
//! 107 county-level portals and five department sites — with realistic Chinese content.
//!
//! Everything is generated deterministically from the divisions data in `data/` (a copy of the
//! Shaanxi rows of `shared/data/divisions`) and a seed per site code: the same anchor date gives
//! the same sites and the same articles. Dates are spread over the year before the anchor date
//! (the day the demo is loaded), so a new user sees a living site cluster.
//!
//! The sites are produced as tenants TOML text and parsed by the same code as `tenants/*.toml`;
//! `zhanqun demo --write-tenants tenants/` writes the files the repository carries.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use zhanqun_core::*;
use zhanqun_store::{ArticleInput, DisclosureInput, Store};

use crate::spec::{Source, builtin_templates, parse_sources};

const AREAS: &str = include_str!("../data/shaanxi-areas.csv");
const CITIES: &str = include_str!("../data/shaanxi-cities.csv");

/// A demo site before it becomes TOML.
#[derive(Debug, Clone)]
pub struct DemoSite {
    pub code: String,
    pub name: String,
    pub kind: SiteKind,
    pub parent: Option<String>,
    pub region: String,
    /// The place (地名) or organ name used in content: 佳县, 榆林市, 陕西省, 陕西省教育厅.
    pub place: String,
    /// Short form in document numbers: 佳, 榆, 陕, 陕教.
    pub short: String,
    /// 县 / 区 / 市 / 省 — how the place calls its own organs.
    pub level: String,
    pub hosts: Vec<String>,
    pub units: Vec<String>,
}

/// Tiny deterministic generator (SplitMix64), seeded per site.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

fn known_host(code: &str) -> Option<&'static str> {
    Some(match code {
        "6100000001" => "www.shaanxi.gov.cn",
        "6101000001" => "www.xa.gov.cn",
        "6108000001" => "www.yl.gov.cn",
        "6108280001" => "www.jiaxian.gov.cn",
        "6101120001" => "www.weiyang.gov.cn",
        _ => return None,
    })
}

fn strip_suffix(name: &str) -> String {
    for suffix in ["自治县", "县", "区", "市"] {
        if let Some(s) = name.strip_suffix(suffix)
            && !s.is_empty()
        {
            return s.to_string();
        }
    }
    name.to_string()
}

fn units_for(level: &str, place: &str) -> Vec<String> {
    let p = if level == "省" {
        "省".to_string()
    } else {
        level.to_string()
    };
    let office = if level == "省" {
        format!("{place}人民政府办公厅")
    } else {
        format!("{place}人民政府办公室")
    };
    let mut u = vec![office];
    for b in [
        "发展和改革委员会",
        "教育局",
        "应急管理局",
        "农业农村局",
        "住房和城乡建设局",
        "卫生健康委员会",
        "生态环境局",
        "政务服务中心",
    ] {
        let b = if level == "省" {
            b.replace('局', "厅")
        } else {
            b.to_string()
        };
        u.push(format!("{p}{b}"));
    }
    u
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    rdr.records()
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(str::to_string).collect())
        .collect()
}

/// Every demo site, province first, then cities, counties and departments.
pub fn sites() -> Vec<DemoSite> {
    let mut out = Vec::new();
    let province = "6100000001".to_string();
    out.push(DemoSite {
        code: province.clone(),
        name: "陕西省人民政府".into(),
        kind: SiteKind::ProvincePortal,
        parent: None,
        region: "610000".into(),
        place: "陕西省".into(),
        short: "陕".into(),
        level: "省".into(),
        hosts: known_host("6100000001")
            .map(|h| vec![h.to_string()])
            .unwrap_or_default(),
        units: units_for("省", "陕西省"),
    });
    for c in parse_csv(CITIES) {
        let (code4, name) = (&c[0], &c[1]);
        let code = format!("{code4}000001");
        out.push(DemoSite {
            name: format!("{name}人民政府"),
            kind: SiteKind::CityPortal,
            parent: Some(province.clone()),
            region: format!("{code4}00"),
            place: name.clone(),
            short: strip_suffix(name)
                .chars()
                .next()
                .map(String::from)
                .unwrap_or_default(),
            level: "市".into(),
            hosts: known_host(&code)
                .map(|h| vec![h.to_string()])
                .unwrap_or_default(),
            units: units_for("市", name),
            code,
        });
    }
    for a in parse_csv(AREAS) {
        let (region, name, city) = (&a[0], &a[1], &a[2]);
        let code = format!("{region}0001");
        let level = name
            .chars()
            .last()
            .map(String::from)
            .unwrap_or_else(|| "县".into());
        out.push(DemoSite {
            name: format!("{name}人民政府"),
            kind: SiteKind::CountyPortal,
            parent: Some(format!("{city}000001")),
            region: region.clone(),
            place: name.clone(),
            short: strip_suffix(name),
            units: units_for(&level, name),
            level,
            hosts: known_host(&code)
                .map(|h| vec![h.to_string()])
                .unwrap_or_default(),
            code,
        });
    }
    for (i, (name, short)) in [
        ("陕西省发展和改革委员会", "陕发改"),
        ("陕西省教育厅", "陕教"),
        ("陕西省应急管理厅", "陕应急"),
        ("陕西省生态环境厅", "陕环"),
        ("陕西省农业农村厅", "陕农"),
    ]
    .iter()
    .enumerate()
    {
        out.push(DemoSite {
            code: format!("61000000{:02}", i + 2),
            name: name.to_string(),
            kind: SiteKind::Department,
            parent: Some(province.clone()),
            region: "610000".into(),
            place: name.to_string(),
            short: short.to_string(),
            level: "省".into(),
            hosts: Vec::new(),
            units: vec![
                format!("{name}办公室"),
                format!("{name}政策法规处"),
                format!("{name}信息中心"),
            ],
        });
    }
    out
}

fn q(s: &str) -> String {
    // TOML basic string.
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

/// The leaders a demo site's 领导信箱 is written to: three posts of its level, made-up names.
fn demo_leaders(s: &DemoSite) -> Vec<String> {
    const SURNAMES: [&str; 16] = [
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "胡", "郭",
        "高",
    ];
    const GIVEN: [&str; 16] = [
        "建国", "志强", "海燕", "文华", "立新", "晓明", "秀英", "国庆", "卫东", "丽娟", "建军",
        "红梅", "永刚", "学勤", "宏伟", "玉兰",
    ];
    let head = if s.kind == SiteKind::Department {
        if s.name.ends_with("委员会") {
            "主任"
        } else {
            "厅长"
        }
        .to_string()
    } else {
        format!("{}长", s.level)
    };
    let posts = if s.kind == SiteKind::Department {
        vec![head.clone(), format!("副{head}")]
    } else {
        vec![head.clone(), format!("常务副{head}"), format!("副{head}")]
    };
    let mut rng = Rng::new(&format!("{}/leaders", s.code));
    posts
        .into_iter()
        .map(|post| {
            let surname = SURNAMES[rng.below(SURNAMES.len() as u64) as usize];
            let given = GIVEN[rng.below(GIVEN.len() as u64) as usize];
            format!("{post} {surname}{given}")
        })
        .collect()
}

/// The tenants file of a demo site.
pub fn tenant_toml(s: &DemoSite) -> String {
    let mut rng = Rng::new(&s.code);
    let department = s.kind == SiteKind::Department;
    let (organiser, operator) = if department {
        (s.name.clone(), format!("{}信息中心", s.name))
    } else if s.level == "省" {
        (
            "陕西省人民政府办公厅".to_string(),
            "陕西省大数据服务中心".to_string(),
        )
    } else {
        (
            format!("{}人民政府办公室", s.place),
            format!("{}政务信息化服务中心", s.place),
        )
    };
    let phone = format!(
        "0{}-{}",
        910 + rng.below(10),
        2_000_000 + rng.below(7_000_000)
    );
    let mut t = String::new();
    t.push_str(&format!("# {} — demo province, written by `zhanqun demo --write-tenants tenants`.\n# Change a file, then `zhanqun sites plan` and `zhanqun sites apply`.\n", s.name));
    t.push_str(&format!("code = {}\n", q(&s.code)));
    t.push_str(&format!("name = {}\n", q(&s.name)));
    t.push_str(&format!("kind = {}\n", q(s.kind.as_str())));
    if let Some(p) = &s.parent {
        t.push_str(&format!("parent = {}\n", q(p)));
    }
    t.push_str(&format!("region = {}\n", q(&s.region)));
    t.push_str(&format!(
        "template = {}\n",
        q(if department { "department" } else { "portal" })
    ));
    t.push_str(&format!(
        "theme = {}\n",
        q(if department { "department" } else { "default" })
    ));
    t.push_str(&format!("hosts = {}\n", list(&s.hosts)));
    t.push_str(&format!("units = {}\n", list(&s.units)));
    if !department {
        t.push_str("\n[[columns]]\npath = \"xwzx/xzdt\"\n");
        let sub = match s.kind {
            SiteKind::ProvincePortal => "市县动态",
            SiteKind::CityPortal => "区县动态",
            _ => "镇街动态",
        };
        t.push_str(&format!(
            "name = {}\nkind = \"list\"\nupdate = \"news\"\n",
            q(sub)
        ));
        t.push_str(&format!("unit = {}\n", q(&s.units[0])));
    }
    t.push_str(&format!(
        "\n[letters]\nleaders = {}\n",
        list(&demo_leaders(s))
    ));
    t.push_str("\n[footer]\n");
    t.push_str(&format!("organiser = {}\n", q(&organiser)));
    t.push_str(&format!("operator = {}\n", q(&operator)));
    t.push_str(&format!(
        "contact = {}\n",
        q(&format!(
            "地址：{}人民政府大院　电话：{phone}",
            s.place.trim_end_matches("人民政府")
        ))
    ));
    t.push_str(&format!(
        "icp = {}\n",
        q(&format!(
            "陕ICP备{:08}号",
            5_000_000 + rng.below(40_000_000)
        ))
    ));
    t.push_str(&format!(
        "psb = {}\n",
        q(&format!(
            "陕公网安备 {}02{:06}号",
            &s.region[..6],
            rng.below(1_000_000)
        ))
    ));
    t
}

/// The demo sites as tenants files (`tenants/<code>.toml`).
pub fn tenant_sources() -> Vec<Source> {
    sites()
        .iter()
        .map(|s| Source {
            path: format!("tenants/{}.toml", s.code),
            text: tenant_toml(s),
        })
        .collect()
}

/// Writes the demo tenants files into `dir` (one file a site).
pub fn write_tenants(dir: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let sources = tenant_sources();
    for s in &sources {
        let name = s.path.trim_start_matches("tenants/");
        std::fs::write(dir.join(name), &s.text)?;
    }
    Ok(sources.len())
}

/// What `load` put into the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub sites: usize,
    pub articles: usize,
}

/// Wipes the store and loads the demo province, with dates spread over the year before `anchor`.
/// `progress(done, total)` is called after each site.
pub async fn load(
    store: &Store,
    anchor: NaiveDate,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Summary> {
    let templates = builtin_templates();
    let inputs = parse_sources(&templates, &tenant_sources()).map_err(|errs| {
        Error::internal(format!(
            "demo tenants do not parse: {}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    store.wipe().await?;
    let ids = store.apply_sites(&inputs).await?;
    // `inputs` (and so `ids`) are ordered parents first: match the demo sites by code.
    let demo: std::collections::HashMap<String, DemoSite> =
        sites().into_iter().map(|s| (s.code.clone(), s)).collect();
    let mut articles = 0;
    for (i, (id, input)) in ids.iter().zip(inputs.iter()).enumerate() {
        let site = demo
            .get(input.code.as_str())
            .ok_or_else(|| Error::internal(format!("demo site {} missing", input.code)))?;
        articles += load_site_content(store, *id, site, anchor).await?;
        progress(i + 1, ids.len());
    }
    let kinds: Vec<(SiteId, SiteKind)> = ids
        .iter()
        .zip(inputs.iter())
        .filter_map(|(id, input)| demo.get(input.code.as_str()).map(|s| (*id, s.kind)))
        .collect();
    load_visits(store, &kinds, anchor, VISIT_DAYS).await?;
    store.analyze().await?;
    Ok(Summary {
        sites: ids.len(),
        articles,
    })
}

/// Days of synthetic visit history the demo province comes with.
pub const VISIT_DAYS: i64 = 30;

/// Synthetic visits of the `days` days before `anchor`, so that the dashboards of a fresh demo
/// have trends to show: people per day by kind of site (fewer at weekends), two to three pages
/// each, spread over the home page, the list columns and the newest articles. They go through
/// the same sketches and tables as counted visits, and real visits add to them.
pub async fn load_visits(
    store: &Store,
    sites: &[(SiteId, SiteKind)],
    anchor: NaiveDate,
    days: i64,
) -> Result<()> {
    use zhanqun_core::visits::{PageKind, VisitBatch};
    let mut targets = Vec::new();
    for (site, _) in sites {
        let columns: Vec<i64> = store
            .columns(*site)
            .await?
            .into_iter()
            .filter(|c| c.kind == ColumnKind::List)
            .map(|c| c.id.0)
            .collect();
        let articles: Vec<i64> = store
            .latest_on_site(*site, 12)
            .await?
            .into_iter()
            .map(|a| a.article_id.0)
            .collect();
        targets.push((columns, articles));
    }
    // Up to the anchor day itself: the anchor is the machine's date, which may be Beijing's
    // yesterday.
    for back in (0..days).rev() {
        let day = anchor - Duration::days(back);
        let mut batch = VisitBatch::default();
        for ((site, kind), (columns, articles)) in sites.iter().zip(&targets) {
            let mut rng = Rng::new(&format!("visits {} {day}", site.0));
            let base: u64 = match kind {
                SiteKind::ProvincePortal => 2400,
                SiteKind::CityPortal => 700,
                SiteKind::CountyPortal => 260,
                _ => 90,
            };
            let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
            let people = (base * if weekend { 55 } else { 100 } / 100) * (80 + rng.below(41)) / 100;
            for _ in 0..people {
                let visitor = rng.next();
                for page in 0..(1 + rng.below(3)) {
                    let (kind, target) = match (page, rng.below(10)) {
                        (0, _) | (_, 0..=1) => (PageKind::Home, 0),
                        (_, 2..=5) if !columns.is_empty() => (
                            PageKind::Column,
                            columns[rng.below(columns.len() as u64) as usize],
                        ),
                        (_, 6..=9) if !articles.is_empty() => {
                            // The newest articles are read most.
                            let i = rng
                                .below(articles.len() as u64)
                                .min(rng.below(articles.len() as u64));
                            (PageKind::Article, articles[i as usize])
                        }
                        _ => (PageKind::Catalogue, 0),
                    };
                    batch.count(*site, day, kind, target, visitor);
                }
            }
        }
        store.record_visits(&batch).await?;
    }
    Ok(())
}

fn at(anchor: NaiveDate, days_ago: i64, minute_of_day: u64) -> DateTime<Utc> {
    let d = anchor - Duration::days(days_ago.max(0));
    let naive =
        d.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minute_of_day as i64);
    // Office hours in China (UTC+8) are 01:00–10:00 UTC.
    Utc.from_utc_datetime(&(naive - Duration::hours(8)))
}

fn paragraphs(ps: &[String]) -> String {
    ps.iter()
        .map(|p| format!("<p>{p}</p>"))
        .collect::<Vec<_>>()
        .join("\n")
}

struct Gen<'a> {
    s: &'a DemoSite,
    rng: Rng,
    anchor: NaiveDate,
    year: i32,
}

impl Gen<'_> {
    fn when(&mut self, slot: i64, spread: i64) -> DateTime<Utc> {
        let days = slot + self.rng.below(spread.max(1) as u64) as i64;
        at(self.anchor, days.min(364), 9 * 60 + self.rng.below(9 * 60))
    }

    fn news_body(&mut self, title: &str, unit: &str) -> String {
        let p = &self.s.place;
        let openings = [
            format!(
                "近日，{p}召开专题会议，传达学习上级有关会议精神，研究部署相关工作。会议强调，要提高政治站位，压实工作责任，确保各项任务落到实处。"
            ),
            format!(
                "为深入贯彻落实上级决策部署，{unit}于日前组织开展专项工作，相关部门负责同志参加。"
            ),
            format!(
                "{p}坚持以人民为中心的发展思想，聚焦群众关切，扎实推进各项重点工作，取得阶段性成效。"
            ),
        ];
        let middles = [
            "会议指出，今年以来，全{level}上下统筹发展和安全，主要经济指标保持平稳增长，民生保障持续改善，社会大局和谐稳定。",
            "会议要求，各单位要对照目标任务，细化工作措施，建立工作台账，实行清单化管理、项目化推进，确保按时保质完成。",
            "活动中，工作人员深入一线，详细了解情况，现场协调解决实际困难和问题，对发现的隐患当场督促整改。",
            "下一步，将持续加强统筹协调和督导检查，健全长效机制，推动工作常态化、制度化、规范化。",
        ];
        let i = self.rng.below(openings.len() as u64) as usize;
        let j = self.rng.below(middles.len() as u64) as usize;
        let k = (j + 1) % middles.len();
        paragraphs(&[
            openings[i].clone(),
            format!(
                "围绕“{title}”，{}",
                middles[j].replace("{level}", &self.s.level)
            ),
            middles[k].replace("{level}", &self.s.level),
        ])
    }
}

async fn load_site_content(
    store: &Store,
    site: SiteId,
    s: &DemoSite,
    anchor: NaiveDate,
) -> Result<usize> {
    let columns = store.columns(site).await?;
    let col = |path: &str| {
        columns
            .iter()
            .find(|c| c.path.as_str() == path)
            .map(|c| c.id)
    };
    let units = store.units(site).await?;
    let unit = |i: usize| units.get(i).map(|(id, _)| *id);
    let unit_name = |i: usize| units.get(i).map(|(_, n)| n.clone()).unwrap_or_default();
    let mut g = Gen {
        s,
        rng: Rng::new(&format!("content-{}", s.code)),
        anchor,
        year: chrono::Datelike::year(&anchor),
    };
    let p = s.place.clone();
    let l = s.level.clone();
    let y = g.year;
    let department = s.kind == SiteKind::Department;
    let office = unit_name(0);
    let mut items: Vec<(ArticleInput, Vec<ColumnId>)> = Vec::new();

    let (
        news_col,
        notice_col,
        policy_col,
        interp_col,
        personnel_col,
        plan_col,
        finance_col,
        guide_col,
        dept_col,
        page_col,
    ) = if department {
        (
            col("xwdt"),
            col("tzgg"),
            col("xxgk/zcwj"),
            col("xxgk/zcjd"),
            col("xxgk/rsxx"),
            None,
            None,
            col("zwfw"),
            col("xwdt"),
            col("jggk"),
        )
    } else {
        (
            col("xwzx/zwyw"),
            col("xwzx/tzgg"),
            col("zwgk/zcwj"),
            col("zwgk/zcjd"),
            col("zwgk/rsxx"),
            col("zwgk/ghjh"),
            col("zwgk/czzj"),
            col("zwfw/bszn"),
            col("xwzx/bmdt"),
            col("zjgk/gk"),
        )
    };
    let mut add = |input: ArticleInput, c: Option<ColumnId>| {
        if let Some(c) = c {
            items.push((input, vec![c]));
        }
    };

    // 要闻: recent first, spread over the year.
    let news = [
        format!("{p}召开{y}年安全生产工作会议"),
        format!("{p}部署冬春季森林草原防灭火工作"),
        format!("{p}召开政府常务会议研究部署近期重点工作"),
        format!("{p}推进乡村振兴重点项目建设"),
        format!("{p}开展优化营商环境专项督查"),
        format!("{p}举行重大项目集中开工活动"),
        format!("{p}召开防汛抗旱工作部署会"),
        format!("{p}开展“12345”政务服务便民热线工作调度"),
        format!("{p}召开经济运行分析会"),
        format!("{p}召开政府网站与政务新媒体工作推进会"),
        format!("{p}开展冬季供暖保障工作检查"),
        format!("{p}部署安全生产大检查工作"),
        format!("{p}召开党风廉政建设工作会议"),
        format!("{p}开展“放管服”改革专题调研"),
    ];
    let n_news = if department { 14 } else { 10 };
    for (i, t) in news.iter().take(n_news).enumerate() {
        let when = g.when(
            i as i64 * (340 / n_news as i64),
            if i == 0 { 3 } else { 20 },
        );
        let body = g.news_body(t, &office);
        add(
            ArticleInput {
                title: t.clone(),
                summary: Some(format!("{t}。会议对下一阶段工作作出安排部署。")),
                source: Some(office.clone()),
                author: Some(format!("{}信息科", office)),
                body_html: body,
                published: true,
                published_at: Some(when),
                unit: unit(0),
                ..Default::default()
            },
            news_col,
        );
    }
    // 部门动态 / 镇街动态.
    if !department {
        let dept = [
            (3, "开展危险化学品安全专项检查"),
            (2, "召开秋季学期开学工作会"),
            (6, "开展义诊进乡村活动"),
            (4, "组织秋粮收购工作调度"),
            (5, "开展老旧小区改造项目验收"),
        ];
        for (i, (u, what)) in dept.iter().enumerate() {
            let name = unit_name(*u);
            let t = format!("{name}{what}");
            let when = g.when(i as i64 * 60 + 5, 30);
            let body = g.news_body(&t, &name);
            add(
                ArticleInput {
                    title: t,
                    source: Some(name),
                    body_html: body,
                    published: true,
                    published_at: Some(when),
                    unit: unit(*u),
                    ..Default::default()
                },
                dept_col,
            );
        }
        let towns = ["城关街道", "东城镇", "西湖镇"];
        for (i, town) in towns.iter().enumerate() {
            let t = format!("{town}扎实开展人居环境整治");
            let when = g.when(i as i64 * 90 + 10, 40);
            let body = g.news_body(&t, town);
            add(
                ArticleInput {
                    title: t,
                    source: Some(format!("{p}{town}")),
                    body_html: body,
                    published: true,
                    published_at: Some(when),
                    ..Default::default()
                },
                col("xwzx/xzdt"),
            );
        }
    }
    // 通知公告.
    let notices = [
        "关于进一步加强安全生产工作的通知".to_string(),
        format!("关于做好{y}年汛期安全防范工作的通知"),
        "关于开展政府网站信息内容自查工作的通知".to_string(),
        format!("关于公开征求《{p}城乡环境整治实施方案（征求意见稿）》意见的公告"),
    ];
    for (i, t) in notices.iter().enumerate() {
        let when = g.when(i as i64 * 80 + 2, 30);
        let body = paragraphs(&[
            "各有关单位：".to_string(),
            format!("为切实做好相关工作，根据上级有关要求，经{p}研究同意，现将有关事项通知如下："),
            "一、提高思想认识。各单位要充分认识做好此项工作的重要性，主要负责同志亲自抓、负总责，分管负责同志具体抓。".to_string(),
            "二、压实工作责任。严格落实属地管理责任、部门监管责任和单位主体责任，确保责任到人、措施到位。安全生产方面，要全面排查整治重大事故隐患，坚决防范遏制重特大事故发生。".to_string(),
            "三、加强督促检查。将适时组织督查，对工作不力、问题突出的单位予以通报。".to_string(),
        ]) + &format!("\n<p class=\"sign\">{office}<br>{}</p>", (when + Duration::hours(8)).format("%Y年%m月%d日"));
        add(
            ArticleInput {
                title: t.clone(),
                source: Some(office.clone()),
                body_html: body,
                published: true,
                published_at: Some(when),
                unit: unit(0),
                ..Default::default()
            },
            notice_col,
        );
    }
    // 政策文件 with full disclosure metadata; two get interpretations below.
    let gov = if department {
        s.name.clone()
    } else {
        format!("{p}人民政府")
    };
    let policies = [
        (
            format!("{office}关于进一步加强政府门户网站建设和管理工作的通知"),
            "办函",
            "综合政务",
            Validity::Valid,
        ),
        (
            format!("{gov}关于印发《{p}安全生产专项整治实施方案》的通知"),
            "发",
            "市场监管、安全生产监管",
            Validity::Valid,
        ),
        (
            format!("{office}关于印发《{p}优化营商环境若干措施》的通知"),
            "办发",
            "国民经济管理、国有资产监管",
            Validity::Valid,
        ),
        (
            format!("{office}关于做好{y}年春耕生产工作的通知"),
            "办发",
            "农业、林业、水利",
            Validity::Valid,
        ),
        (
            format!("{gov}关于印发《{p}城乡环境综合整治方案》的通知"),
            "发",
            "城乡建设、环境保护",
            Validity::Valid,
        ),
        (
            format!("{office}关于印发《{p}义务教育优质均衡发展实施方案》的通知"),
            "办发",
            "科技、教育",
            Validity::Invalid,
        ),
    ];
    let mut policy_dates = Vec::new();
    for (i, (t, kind, topic, validity)) in policies.iter().enumerate() {
        let when = g.when(i as i64 * 55 + 20, 25);
        policy_dates.push(when);
        let prefix = if department {
            s.short.clone()
        } else {
            format!("{}政", s.short)
        };
        let doc = format!(
            "{prefix}{kind}〔{}〕{}号",
            chrono::Datelike::year(&when.date_naive()),
            3 + g.rng.below(80)
        );
        let organ = if kind.starts_with('办') {
            office.clone()
        } else {
            gov.clone()
        };
        let written = (when - Duration::days(3 + g.rng.below(8) as i64)).date_naive();
        let body = paragraphs(&[
            format!("各{}、各部门、各直属机构：", if department { "市（区）有关单位" } else { "镇人民政府、街道办事处" }),
            format!("《{}》已经{gov}同意，现印发给你们，请认真贯彻落实。", t.split('《').nth(1).and_then(|r| r.split('》').next()).unwrap_or(t)),
            "一、总体要求。坚持稳中求进工作总基调，完整、准确、全面贯彻新发展理念，以高质量发展为主线，统筹推进各项工作。".to_string(),
            "二、主要任务。（一）健全工作机制。（二）强化要素保障。（三）深化改革创新。（四）加强监督考核。".to_string(),
            "三、保障措施。各单位要加强组织领导，明确责任分工，结合实际制定具体落实措施，确保取得实效。".to_string(),
            "本通知自印发之日起施行。".to_string(),
        ]) + &format!("\n<p class=\"sign\">{organ}<br>{}</p>", written.format("%Y年%m月%d日"));
        add(
            ArticleInput {
                title: t.clone(),
                source: Some(organ.clone()),
                body_html: body,
                published: true,
                published_at: Some(when),
                unit: unit(0),
                disclosure: Some(DisclosureInput {
                    doc_number: Some(doc),
                    written_date: Some(written),
                    issuing_organ: Some(organ),
                    validity: Some(*validity),
                    topic: Some(topic.to_string()),
                }),
                ..Default::default()
            },
            policy_col,
        );
    }
    let first_policy = items
        .len()
        .checked_sub(policies.len())
        .ok_or_else(|| Error::internal(format!("demo site {} lacks a policy column", s.code)))?;
    // The articles are created in one transaction; interpretations must point to a policy's id,
    // which is only known afterwards: create what we have, then the interpretations.
    let mut created = store
        .create_articles(site, std::mem::take(&mut items))
        .await?;
    let interp = [
        (2usize, format!("《{p}优化营商环境若干措施》政策解读")),
        (1usize, format!("图解：《{p}安全生产专项整治实施方案》")),
    ];
    let mut second: Vec<(ArticleInput, Vec<ColumnId>)> = Vec::new();
    for (pi, t) in interp {
        let (Some(policy_id), Some(c)) = (created.get(first_policy + pi).copied(), interp_col)
        else {
            continue;
        };
        let when = (policy_dates[pi] + Duration::days(1)).min(at(anchor, 0, 9 * 60));
        let body = paragraphs(&[
            format!("一、出台背景。为贯彻落实上级决策部署，{gov}结合本地实际，制定出台了相关政策文件。"),
            "二、主要内容。文件共分为总体要求、主要任务、保障措施三个部分，明确了目标任务和责任分工。".to_string(),
            "三、创新举措。文件聚焦群众和企业反映强烈的问题，提出了一系列务实管用的举措。".to_string(),
            format!("四、解读机关及联系方式。解读机关：{office}。"),
        ]);
        second.push((
            ArticleInput {
                title: t,
                source: Some(office.clone()),
                body_html: body,
                published: true,
                published_at: Some(when),
                interprets: Some(policy_id),
                unit: unit(0),
                ..Default::default()
            },
            vec![c],
        ));
    }
    let mut more =
        |t: String, c: Option<ColumnId>, slot: i64, body: Vec<String>, g: &mut Gen<'_>| {
            if let Some(c) = c {
                let when = g.when(slot, 40);
                second.push((
                    ArticleInput {
                        title: t,
                        source: Some(office.clone()),
                        body_html: paragraphs(&body),
                        published: true,
                        published_at: Some(when),
                        unit: unit(0),
                        ..Default::default()
                    },
                    vec![c],
                ));
            }
        };
    more(
        format!("{gov}关于王建国等同志任免职务的通知"),
        personnel_col,
        70,
        vec!["经研究决定：任命王建国同志为有关单位负责人；免去李明同志的有关职务。".into()],
        &mut g,
    );
    more(
        format!("{p}{y}年公开招聘事业单位工作人员公告"),
        personnel_col,
        200,
        vec![
            format!(
                "根据工作需要，经研究，{p}{y}年面向社会公开招聘事业单位工作人员，现将有关事项公告如下。"
            ),
            "一、招聘原则。坚持德才兼备、以德为先，坚持公开、平等、竞争、择优。".into(),
        ],
        &mut g,
    );
    more(
        format!("{p}国民经济和社会发展第十五个五年规划纲要"),
        plan_col,
        150,
        vec![
            "“十五五”时期是基本实现社会主义现代化夯实基础、全面发力的关键时期。".into(),
            "本纲要阐明规划期内发展战略意图，明确政府工作重点，引导市场主体行为。".into(),
        ],
        &mut g,
    );
    more(format!("{y}年{p}政府工作报告"), plan_col, 300, vec!["过去一年，在上级党委、政府的坚强领导下，全{l}上下攻坚克难、砥砺奋进，经济社会发展取得新成效。".replace("{l}", &l)], &mut g);
    more(
        format!(
            "关于{p}{}年财政预算执行情况和{y}年财政预算草案的报告",
            y - 1
        ),
        finance_col,
        280,
        vec![
            "一、上年预算执行情况。一般公共预算收入完成预算目标，支出重点保障民生领域。".into(),
            "二、本年预算草案。坚持量入为出、收支平衡，集中财力保障重点支出。".into(),
        ],
        &mut g,
    );
    // 办事指南: service items with their guides (the two every site has keep the times their
    // free-text forerunners had, so the rest of the generated content is unchanged).
    let guide_times = guide_col.map(|_| [g.when(120, 40), g.when(240, 40)]);
    let about = if department {
        vec![format!("{}是省人民政府组成部门，为正厅级。", s.name), "主要职责：贯彻落实国家和省委、省政府有关方针政策和决策部署，拟订并组织实施本领域发展规划和政策措施。".into(), "内设机构：办公室、政策法规处、综合规划处、信息中心等。".into()]
    } else {
        vec![
            format!(
                "{p}位于陕西省，历史悠久，文化底蕴深厚，是{}的重要组成部分。",
                if s.level == "省" {
                    "中华文明"
                } else {
                    "陕西"
                }
            ),
            format!("全{l}辖若干镇（街道），总面积和人口数据以统计部门最新发布为准。"),
            format!(
                "近年来，{p}坚持新发展理念，经济社会持续健康发展，人民群众获得感、幸福感、安全感不断增强。"
            ),
        ]
    };
    more(
        if department {
            "机构职能".into()
        } else {
            format!("{p}概况")
        },
        page_col,
        330,
        about,
        &mut g,
    );
    if !department {
        more(
            format!("{p}行政区划"),
            col("zjgk/xzqh"),
            330,
            vec![
                format!("{p}现辖城关街道、东城镇、西湖镇等镇（街道）。"),
                "行政区划以民政部门公布为准。".into(),
            ],
            &mut g,
        );
        more(
            format!("{p}优化营商环境专题"),
            col("ztzl"),
            45,
            vec!["为持续打造市场化、法治化、国际化一流营商环境，特开设本专题。".into()],
            &mut g,
        );
    }
    if let (Some(c), Some(times)) = (guide_col, guide_times) {
        let featured = s.code == DEMO_COUNTY || s.kind == SiteKind::ProvincePortal;
        for (i, d) in crate::demo_services::items(&p, &l, featured)
            .into_iter()
            .enumerate()
        {
            let when = match times.get(i) {
                Some(t) => *t,
                None => at(anchor, 30 + 11 * i as i64, 570),
            };
            second.push((
                ArticleInput {
                    title: d.title,
                    summary: Some(d.summary),
                    source: Some(office.clone()),
                    published: true,
                    published_at: Some(when),
                    unit: unit(d.unit),
                    service: Some(d.guide),
                    ..Default::default()
                },
                vec![c],
            ));
        }
    }
    created.extend(store.create_articles(site, second).await?);
    Ok(created.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_counts_and_codes() {
        let s = sites();
        assert_eq!(
            s.iter()
                .filter(|s| s.kind == SiteKind::ProvincePortal)
                .count(),
            1
        );
        assert_eq!(
            s.iter().filter(|s| s.kind == SiteKind::CityPortal).count(),
            10
        );
        assert_eq!(
            s.iter()
                .filter(|s| s.kind == SiteKind::CountyPortal)
                .count(),
            107
        );
        assert!(s.iter().filter(|s| s.kind == SiteKind::Department).count() >= 5);
        assert!(s.iter().any(|s| s.code == "6108280001"
            && s.name == "佳县人民政府"
            && s.parent.as_deref() == Some("6108000001")));
        assert!(
            s.iter()
                .any(|s| s.code == "6100000001" && s.name == "陕西省人民政府")
        );
    }

    #[test]
    fn demo_tenants_parse() {
        let templates = builtin_templates();
        let parsed = parse_sources(&templates, &tenant_sources());
        assert!(parsed.is_ok(), "{:?}", parsed.err());
        assert_eq!(parsed.map(|p| p.len()).unwrap_or(0), sites().len());
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(
            tenant_sources()
                .iter()
                .map(|s| s.text.clone())
                .collect::<Vec<_>>(),
            tenant_sources()
                .iter()
                .map(|s| s.text.clone())
                .collect::<Vec<_>>()
        );
    }
}

#[cfg(test)]
mod repo_tests {
    use super::*;

    /// The repository's `tenants/` folder is the demo province as files: they must not drift.
    #[test]
    fn committed_tenants_match_the_generator() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tenants");
        for s in tenant_sources() {
            let name = s.path.trim_start_matches("tenants/");
            let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
            assert_eq!(
                on_disk, s.text,
                "tenants/{name} differs from the generator: run `zhanqun demo --write-tenants tenants`"
            );
        }
        let loaded = crate::load_dir(&dir);
        assert_eq!(loaded.map(|v| v.len()).ok(), Some(sites().len()));
    }
}

/// A demo account as created: who, what for, and the password (shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub what: String,
    /// `None` when the account already existed (its password is unchanged).
    pub password: Option<String>,
}

/// The county whose editorial team the demo sets up (佳县).
pub const DEMO_COUNTY: &str = "6108280001";

/// Creates the demo's back-office accounts and grants: for 佳县 a site administrator, two bureau
/// editors each delegated one column, a reviewer and a signer; for the province an auditor and
/// the three platform administrators. Passwords are generated and returned to be shown once;
/// accounts that exist keep their password and get their grants again (after a reload).
pub async fn accounts(store: &Store) -> Result<Vec<DemoAccount>> {
    use zhanqun_core::{PlatformRole as P, SiteRole as R};
    let sites = store.list_sites().await?;
    let county = sites
        .iter()
        .find(|s| s.code.as_str() == DEMO_COUNTY)
        .ok_or_else(|| Error::not_found(format!("演示县 {DEMO_COUNTY} 不存在")))?;
    let columns = store.columns(county.id).await?;
    let column = |path: &str| {
        columns
            .iter()
            .find(|c| c.path.as_str() == path)
            .map(|c| c.id)
            .ok_or_else(|| Error::not_found(format!("演示栏目 {path} 不存在")))
    };
    let units = store.units(county.id).await?;
    let unit = |name: &str| units.iter().find(|(_, n)| n == name).map(|(id, _)| *id);
    struct Spec {
        username: &'static str,
        name: &'static str,
        what: &'static str,
        role: Option<P>,
        grant: Option<(R, Option<&'static str>)>,
        unit: Option<&'static str>,
    }
    let office = Some("佳县人民政府办公室");
    let site_role = |username, name, what, role, column, unit| Spec {
        username,
        name,
        what,
        role: None,
        grant: Some((role, column)),
        unit,
    };
    let platform = |username, name, what, role| Spec {
        username,
        name,
        what,
        role: Some(role),
        grant: None,
        unit: None,
    };
    let specs = [
        site_role(
            "jx-admin",
            "刘建华",
            "佳县 网站管理员",
            R::SiteAdmin,
            None,
            office,
        ),
        site_role(
            "jx-yjj",
            "张敏",
            "佳县应急管理局 编辑（部门动态）",
            R::Editor,
            Some("xwzx/bmdt"),
            Some("县应急管理局"),
        ),
        site_role(
            "jx-fgw",
            "王磊",
            "佳县发改委 编辑（政策文件）",
            R::Editor,
            Some("zwgk/zcwj"),
            Some("县发展和改革委员会"),
        ),
        site_role(
            "jx-reviewer",
            "李娜",
            "佳县 审核员",
            R::Reviewer,
            None,
            office,
        ),
        site_role(
            "jx-signer",
            "赵国强",
            "佳县 签发人",
            R::Signer,
            None,
            office,
        ),
        platform(
            "sx-auditor",
            "陈静",
            "省级监管员（只读）",
            P::ProvinceAuditor,
        ),
        platform("sysadmin", "孙涛", "系统管理员", P::SystemAdmin),
        platform("secadmin", "周丽", "安全管理员", P::SecurityAdmin),
        platform("auditadmin", "吴刚", "审计管理员", P::AuditAdmin),
    ];
    let existing = store.accounts().await?;
    let mut out = Vec::new();
    for Spec {
        username,
        name,
        what,
        role,
        grant,
        unit: unit_name,
    } in specs
    {
        let (id, password) = demo_account(
            store,
            &existing,
            username,
            name,
            role,
            unit_name.and_then(unit),
        )
        .await?;
        if let Some((r, path)) = grant {
            let col = path.map(column).transpose()?;
            store.grant_as_system(id, r, county.id, col).await?;
        }
        out.push(DemoAccount {
            username: username.into(),
            what: what.into(),
            password,
        });
    }
    // The province office: the province portal's administrator (owner of the State Council
    // reprint source) and its reviewer (who adopts or declines the counties' submissions).
    if let Some(province) = sites.iter().find(|s| s.code.as_str() == "6100000001") {
        for (username, name, what, role) in [
            (
                "sx-office",
                "黄海",
                "陕西省政府办公厅 网站管理员（省政府门户、转载来源）",
                R::SiteAdmin,
            ),
            (
                "sx-reviewer",
                "杨帆",
                "陕西省政府办公厅 审核员（采用或退回各地报送）",
                R::Reviewer,
            ),
        ] {
            let (id, password) = demo_account(store, &existing, username, name, None, None).await?;
            store.grant_as_system(id, role, province.id, None).await?;
            out.push(DemoAccount {
                username: username.into(),
                what: what.into(),
                password,
            });
        }
    }
    Ok(out)
}

/// Demo account `username`: the one in `existing` (its password is not shown again), or a new
/// one with a generated password that need not be changed at first login.
async fn demo_account(
    store: &Store,
    existing: &[Account],
    username: &str,
    name: &str,
    role: Option<PlatformRole>,
    unit: Option<UnitId>,
) -> Result<(AccountId, Option<String>)> {
    if let Some(a) = existing.iter().find(|a| a.username == username) {
        return Ok((a.id, None));
    }
    let password = zhanqun_core::password::generate();
    let id = store
        .create_account(&zhanqun_store::NewAccount {
            username: username.into(),
            display_name: name.into(),
            password_hash: zhanqun_core::password::hash(&password)?,
            platform_role: role,
            must_change_password: false,
            unit,
        })
        .await?;
    Ok((id, Some(password)))
}

/// The name of the demo's State Council reprint source.
pub const REPRINT_SOURCE: &str = "国务院最新政策";

/// Subscribes the demo province to a State Council feed (the stand-in of `tests/feed` in
/// development): the province portal owns the source and places items in its 政策文件; every
/// portal takes them at once into its 政策文件 and the home-page slot; department sites wait for
/// their own reviewer. Idempotent: an existing source of that name is kept as it is. Returns the
/// source and the number of subscribed sites.
pub async fn subscribe_reprint(store: &Store, feed_url: &str) -> Result<(i64, usize)> {
    if let Some(s) = store
        .sources()
        .await?
        .into_iter()
        .find(|s| s.name == REPRINT_SOURCE)
    {
        return Ok((s.id.0, s.subscriptions as usize));
    }
    let sites = store.list_sites().await?;
    let column_of =
        |cols: &[Column], path: &str| cols.iter().find(|c| c.path.as_str() == path).map(|c| c.id);
    let province = sites
        .iter()
        .find(|s| s.code.as_str() == "6100000001")
        .ok_or_else(|| Error::not_found("演示省份未载入：没有省政府门户网站 6100000001"))?;
    let owner_column = column_of(&store.columns(province.id).await?, "zwgk/zcwj")
        .ok_or_else(|| Error::not_found("省政府门户网站没有“政策文件”栏目"))?;
    let source = store
        .create_source(
            None,
            &zhanqun_store::NewSource {
                name: REPRINT_SOURCE.into(),
                kind: "feed".into(),
                url: Some(feed_url.into()),
                attribution: "中国政府网".into(),
                owner: province.id,
                owner_column,
                poll_seconds: Some(60),
                extract_selector: Some("#UCAP-CONTENT".into()),
            },
        )
        .await?;
    let mut n = 1;
    for s in sites.iter().filter(|s| s.id != province.id) {
        let cols = store.columns(s.id).await?;
        let department = s.kind == SiteKind::Department;
        let Some(col) = column_of(&cols, if department { "xxgk/zcwj" } else { "zwgk/zcwj" }) else {
            continue;
        };
        let mode = if department {
            zhanqun_store::ReprintMode::Review
        } else {
            zhanqun_store::ReprintMode::Publish
        };
        store
            .subscribe(None, source, col, mode, !department)
            .await?;
        n += 1;
    }
    Ok((source.0, n))
}
