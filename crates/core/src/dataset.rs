//! 数据开放 (seed 003 第十七条): a data set is an article of its site (the same review before
//! release, revisions and audit) with its description for machines attached — how often it is
//! updated, its licence, its fields, and its files (distributions) from the media library. Here:
//! the rules — what a data set must say before it is published, when it is out of date — and
//! the DCAT-like catalogue entry machines read.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::letters::text_field;
use crate::{Error, Result};

/// How often a data set is updated (dct:accrualPeriodicity).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    Weekly,
    #[default]
    Monthly,
    Quarterly,
    Yearly,
    /// 不定期: never out of date by the calendar.
    Irregular,
}

impl Frequency {
    pub const ALL: [Frequency; 6] = [
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::Monthly,
        Frequency::Quarterly,
        Frequency::Yearly,
        Frequency::Irregular,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Yearly => "yearly",
            Frequency::Irregular => "irregular",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Frequency::Daily => "每日",
            Frequency::Weekly => "每周",
            Frequency::Monthly => "每月",
            Frequency::Quarterly => "每季度",
            Frequency::Yearly => "每年",
            Frequency::Irregular => "不定期",
        }
    }

    /// The ISO 8601 period DCAT catalogues use (`R/P1M`).
    pub fn iso(self) -> Option<&'static str> {
        match self {
            Frequency::Daily => Some("R/P1D"),
            Frequency::Weekly => Some("R/P1W"),
            Frequency::Monthly => Some("R/P1M"),
            Frequency::Quarterly => Some("R/P3M"),
            Frequency::Yearly => Some("R/P1Y"),
            Frequency::Irregular => None,
        }
    }

    /// How long after its last update a data set of this frequency is out of date: its period
    /// and half of it again (a monthly set updated on the 1st is late by mid-next-month).
    pub fn allowance(self) -> Option<Duration> {
        let days = match self {
            Frequency::Daily => 2,
            Frequency::Weekly => 10,
            Frequency::Monthly => 45,
            Frequency::Quarterly => 135,
            Frequency::Yearly => 545,
            Frequency::Irregular => return None,
        };
        Some(Duration::days(days))
    }

    pub fn parse(s: &str) -> Result<Frequency> {
        Frequency::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| Error::invalid("请选择更新频率：每日、每周、每月、每季度、每年或不定期"))
    }
}

/// A field (column) of the data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Field {
    pub name: String,
    /// 文本, 数值, 日期, …
    pub kind: String,
    pub description: String,
}

/// A file of the data set (a distribution): a file of the site's media library.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Distribution {
    pub title: String,
    /// `/media/<stored name>` of the site.
    pub file: String,
}

impl Distribution {
    /// The stored name of the file (`abc….csv`).
    pub fn stored_name(&self) -> &str {
        self.file.trim_start_matches("/media/")
    }

    /// The format as catalogues name it, from the file's extension (`CSV`, `XLSX`, `JSON`).
    pub fn format(&self) -> String {
        self.file
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_uppercase())
            .unwrap_or_default()
    }
}

/// A data set the platform writes from its own figures (seed 003 第十七条's data "generated from
/// the platform"), its file written again at the start of every month, Beijing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Generator {
    /// 信息发布月度统计: the articles published on the site, per month of the past 12.
    Publishing,
    /// 群众来信月度统计: the letters the site received and replied to, per month of the past 12.
    Letters,
}

impl Generator {
    pub const ALL: [Generator; 2] = [Generator::Publishing, Generator::Letters];

    pub fn as_str(self) -> &'static str {
        match self {
            Generator::Publishing => "publishing",
            Generator::Letters => "letters",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Generator::Publishing => "本网站信息发布月度统计",
            Generator::Letters => "本网站群众来信月度统计",
        }
    }

    /// `""` is no generator (a data set of uploaded files).
    pub fn parse(s: &str) -> Result<Option<Generator>> {
        if s.trim().is_empty() {
            return Ok(None);
        }
        Generator::ALL
            .into_iter()
            .find(|g| g.as_str() == s.trim())
            .map(Some)
            .ok_or_else(|| Error::invalid("数据来源只能是上传文件或平台生成的统计"))
    }

    /// The columns of the file it writes, as the data set describes them.
    pub fn fields(self) -> Vec<Field> {
        let f = |name: &str, kind: &str, description: &str| Field {
            name: name.into(),
            kind: kind.into(),
            description: description.into(),
        };
        let month = f("月份", "日期", "统计月份（YYYY-MM，北京时间）");
        match self {
            Generator::Publishing => vec![
                month,
                f("发布信息数（条）", "数值", "当月发布到本网站的信息条数"),
            ],
            Generator::Letters => vec![
                month,
                f("收到来信（件）", "数值", "当月本网站收到的群众来信件数"),
                f("答复来信（件）", "数值", "当月答复的群众来信件数"),
            ],
        }
    }

    /// The file's name as the media library and a download show it: its figures run to
    /// `last_month` (`YYYY-MM`).
    pub fn file_name(self, last_month: &str) -> String {
        format!(
            "{}（截至{last_month}）.csv",
            self.label().trim_start_matches("本网站")
        )
    }

    /// The CSV text of `rows` (a month, then the figures in the order of [`Generator::fields`]).
    pub fn csv(self, rows: &[(String, Vec<i64>)]) -> String {
        let header: Vec<String> = self.fields().into_iter().map(|f| f.name).collect();
        let mut out = header.join(",");
        out.push('\n');
        for (month, figures) in rows {
            out.push_str(month);
            for n in figures {
                out.push_str(&format!(",{n}"));
            }
            out.push('\n');
        }
        out
    }
}

/// Whether a generated data set last written at `last` (never: `None`) is written again at
/// `now`: once in every month, Beijing time.
pub fn regeneration_due(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    let month = |t: DateTime<Utc>| crate::beijing::at(t).format("%Y%m").to_string();
    last.is_none_or(|l| month(l) < month(now))
}

/// What a data set says of itself besides its title, description and publishing unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatasetMeta {
    /// Set when the platform writes its file ([`Generator`]); `None` for uploaded files.
    pub generated: Option<Generator>,
    pub frequency: Frequency,
    /// 开放许可, e.g. "CC BY 4.0" or "政府数据开放许可（署名）".
    pub licence: String,
    /// 关键词, comma or 、 separated as typed; kept as a list.
    pub keywords: Vec<String>,
    pub fields: Vec<Field>,
    pub files: Vec<Distribution>,
}

fn media_link(v: &str, what: &str) -> Result<String> {
    let v = v.trim();
    let ok = v.strip_prefix("/media/").is_some_and(|n| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
            && n.matches('.').count() == 1
    });
    if ok {
        Ok(v.to_string())
    } else {
        Err(Error::invalid(format!(
            "{what}须是本站媒体库中的文件（/media/…），请先上传再选择"
        )))
    }
}

impl DatasetMeta {
    /// Checks and trims what a department wrote; blank field and file rows are dropped. A
    /// generated data set is monthly and describes the generator's columns when it names none.
    pub fn cleaned(mut self) -> Result<DatasetMeta> {
        if let Some(g) = self.generated {
            self.frequency = Frequency::Monthly;
            if self.fields.iter().all(|f| f.name.trim().is_empty()) {
                self.fields = g.fields();
            }
        }
        self.licence = text_field(&self.licence, "开放许可", 0, 100)?;
        let mut keywords = Vec::new();
        for k in &self.keywords {
            for part in k.split([',', '，', '、', ';', '；']) {
                let part = text_field(part, "关键词", 0, 20)?;
                if !part.is_empty() && !keywords.contains(&part) {
                    keywords.push(part);
                }
            }
        }
        if keywords.len() > 20 {
            return Err(Error::invalid("关键词不能超过 20 个"));
        }
        self.keywords = keywords;
        let mut fields = Vec::new();
        for (i, f) in self.fields.into_iter().enumerate() {
            let n = i + 1;
            let f = Field {
                name: text_field(&f.name, &format!("第 {n} 个字段的名称"), 0, 50)?,
                kind: text_field(&f.kind, &format!("第 {n} 个字段的类型"), 0, 20)?,
                description: text_field(&f.description, &format!("第 {n} 个字段的说明"), 0, 200)?,
            };
            if f.name.is_empty() && f.kind.is_empty() && f.description.is_empty() {
                continue;
            }
            if f.name.is_empty() {
                return Err(Error::invalid(format!("第 {n} 个字段没有填写名称")));
            }
            fields.push(f);
        }
        let mut files = Vec::new();
        for (i, d) in self.files.into_iter().enumerate() {
            let n = i + 1;
            if d.title.trim().is_empty() && d.file.trim().is_empty() {
                continue;
            }
            files.push(Distribution {
                title: text_field(&d.title, &format!("第 {n} 个数据文件的名称"), 1, 100)?,
                file: media_link(&d.file, &format!("第 {n} 个数据文件"))?,
            });
        }
        if fields.len() > 200 || files.len() > 20 {
            return Err(Error::invalid(
                "字段不能超过 200 个，数据文件不能超过 20 个",
            ));
        }
        self.fields = fields;
        self.files = files;
        Ok(self)
    }

    /// What a data set must have before it is released: a licence, its fields and a file.
    pub fn publishable(&self) -> Result<()> {
        let mut gaps = Vec::new();
        if self.licence.trim().is_empty() {
            gaps.push("开放许可");
        }
        if self.fields.is_empty() {
            gaps.push("数据项（字段）说明");
        }
        // A generated data set gets its file from the platform once it is published.
        if self.files.is_empty() && self.generated.is_none() {
            gaps.push("数据文件");
        }
        if gaps.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "数据集缺少{}，补齐后才能送审和发布",
                gaps.join("、")
            )))
        }
    }

    /// The media links of the data set's files.
    pub fn media_links(&self) -> Vec<&str> {
        self.files.iter().map(|d| d.file.as_str()).collect()
    }

    /// The data set as readable lines (a revision keeps them).
    pub fn revision_text(&self) -> String {
        let mut lines = vec![
            format!(
                "数据来源：{}",
                self.generated.map_or("上传文件", |g| g.label())
            ),
            format!("更新频率：{}", self.frequency.label()),
            format!("开放许可：{}", self.licence),
        ];
        if !self.keywords.is_empty() {
            lines.push(format!("关键词：{}", self.keywords.join("、")));
        }
        for f in &self.fields {
            lines.push(format!("字段：{}（{}）{}", f.name, f.kind, f.description));
        }
        for d in &self.files {
            lines.push(format!("数据文件：{} {}", d.title, d.file));
        }
        lines.join("\n")
    }
}

/// Whether a data set last updated at `updated` is out of date at `now` (待更新).
pub fn out_of_date(frequency: Frequency, updated: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    frequency.allowance().is_some_and(|a| now > updated + a)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn meta() -> DatasetMeta {
        DatasetMeta {
            generated: None,
            frequency: Frequency::Monthly,
            licence: "CC BY 4.0".into(),
            keywords: vec!["财政, 预算、 决算".into()],
            fields: vec![
                Field {
                    name: "月份".into(),
                    kind: "日期".into(),
                    description: "统计月份".into(),
                },
                Field::default(),
            ],
            files: vec![Distribution {
                title: "2026年".into(),
                file: "/media/abc.csv".into(),
            }],
        }
    }

    #[test]
    fn cleaning_and_release() {
        let m = meta().cleaned().unwrap();
        assert_eq!(m.keywords, vec!["财政", "预算", "决算"]);
        assert_eq!(m.fields.len(), 1, "the blank row is dropped");
        assert!(m.publishable().is_ok());
        let mut bare = m.clone();
        bare.licence.clear();
        bare.files.clear();
        assert_eq!(
            bare.publishable().unwrap_err().to_string(),
            "数据集缺少开放许可、数据文件，补齐后才能送审和发布"
        );
        let mut bad = meta();
        bad.files[0].file = "https://example.com/x.csv".into();
        assert!(
            bad.cleaned()
                .unwrap_err()
                .to_string()
                .contains("第 1 个数据文件")
        );
        assert_eq!(m.files[0].format(), "CSV");
        assert_eq!(m.files[0].stored_name(), "abc.csv");
    }

    #[test]
    fn generated_data_sets() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Beijing months: 2026-11-30 16:30 UTC is already 2026-12-01 00:30 in Beijing.
        let last = at("2026-11-30T15:00:00Z");
        assert!(!regeneration_due(Some(last), at("2026-11-30T15:59:00Z")));
        assert!(regeneration_due(Some(last), at("2026-11-30T16:30:00Z")));
        assert!(regeneration_due(None, last));
        assert!(!regeneration_due(Some(at("2027-01-01T00:00:00Z")), last));
        assert_eq!(
            Generator::Letters.file_name("2026-11"),
            "群众来信月度统计（截至2026-11）.csv"
        );
        assert_eq!(
            Generator::Letters.csv(&[("2026-11".into(), vec![3, 2])]),
            "月份,收到来信（件）,答复来信（件）\n2026-11,3,2\n"
        );
        assert_eq!(Generator::parse("").unwrap(), None);
        assert_eq!(
            Generator::parse("publishing").unwrap(),
            Some(Generator::Publishing)
        );
        assert!(Generator::parse("weather").is_err());
        // Chosen with no fields and no file: monthly, its columns described, publishable.
        let m = DatasetMeta {
            generated: Some(Generator::Publishing),
            frequency: Frequency::Yearly,
            licence: "CC BY 4.0".into(),
            ..DatasetMeta::default()
        }
        .cleaned()
        .unwrap();
        assert_eq!(m.frequency, Frequency::Monthly);
        assert_eq!(m.fields, Generator::Publishing.fields());
        assert!(m.publishable().is_ok());
        // A stored description from before generators still reads.
        let old: DatasetMeta =
            serde_json::from_str(r#"{"frequency":"monthly","licence":"x"}"#).unwrap();
        assert_eq!(old.generated, None);
    }

    #[test]
    fn out_of_date_by_frequency() {
        let t = Utc::now();
        assert!(!out_of_date(Frequency::Monthly, t - Duration::days(40), t));
        assert!(out_of_date(Frequency::Monthly, t - Duration::days(46), t));
        assert!(!out_of_date(
            Frequency::Irregular,
            t - Duration::days(4000),
            t
        ));
        assert_eq!(Frequency::Quarterly.iso(), Some("R/P3M"));
        assert!(Frequency::parse("hourly").is_err());
    }
}
