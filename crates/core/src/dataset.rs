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

/// What a data set says of itself besides its title, description and publishing unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatasetMeta {
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
    /// Checks and trims what a department wrote; blank field and file rows are dropped.
    pub fn cleaned(mut self) -> Result<DatasetMeta> {
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
        if self.files.is_empty() {
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
