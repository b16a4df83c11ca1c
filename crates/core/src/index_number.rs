//! 索引号: generated per site when an article is created, never changed afterwards.
//!
//! The pattern is configurable per site. Placeholders: `<site code>`, `<YYYY>`, `<MM>`,
//! `<YYYYMM>` and `<N-digit serial>` for N from 1 to 9 (the serial counts per site and per
//! period, where the period is the date part the pattern contains). The default follows seed 000:
//! `6108280002/201910-00349`.

use chrono::{Datelike, NaiveDate};

use crate::{Error, SiteCode};

pub const DEFAULT_PATTERN: &str = "<site code>/<YYYYMM>-<5-digit serial>";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    SiteCode,
    Year,
    Month,
    YearMonth,
    Serial(usize),
}

/// A parsed index-number pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPattern {
    parts: Vec<Part>,
}

impl IndexPattern {
    pub fn parse(pattern: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::invalid(format!(
                "索引号规则“{pattern}”不正确：{why}。可用占位符 <site code>、<YYYY>、<MM>、<YYYYMM>、<N-digit serial>"
            ))
        };
        let mut parts = Vec::new();
        let mut rest = pattern;
        while let Some(start) = rest.find('<') {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            let end = rest[start..].find('>').ok_or_else(|| bad("缺少“>”"))? + start;
            let name = &rest[start + 1..end];
            parts.push(match name {
                "site code" => Part::SiteCode,
                "YYYY" => Part::Year,
                "MM" => Part::Month,
                "YYYYMM" => Part::YearMonth,
                other => match other
                    .strip_suffix("-digit serial")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    Some(n) if (1..=9).contains(&n) => Part::Serial(n),
                    _ => return Err(bad(&format!("不认识的占位符 <{other}>"))),
                },
            });
            rest = &rest[end + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        if parts
            .iter()
            .filter(|p| matches!(p, Part::Serial(_)))
            .count()
            != 1
        {
            return Err(bad("必须恰好包含一个序号占位符"));
        }
        Ok(IndexPattern { parts })
    }

    /// The counter period an article created on `date` falls into: serials restart per period.
    pub fn period(&self, date: NaiveDate) -> String {
        let has = |p: &Part| self.parts.contains(p);
        if has(&Part::YearMonth) || has(&Part::Month) {
            format!("{:04}{:02}", date.year(), date.month())
        } else if has(&Part::Year) {
            format!("{:04}", date.year())
        } else {
            "all".to_string()
        }
    }

    pub fn format(&self, code: &SiteCode, date: NaiveDate, serial: u64) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::SiteCode => out.push_str(code.as_str()),
                Part::Year => out.push_str(&format!("{:04}", date.year())),
                Part::Month => out.push_str(&format!("{:02}", date.month())),
                Part::YearMonth => out.push_str(&format!("{:04}{:02}", date.year(), date.month())),
                Part::Serial(n) => out.push_str(&format!("{serial:0n$}", n = *n)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pattern_matches_seed_000() -> Result<(), Error> {
        let p = IndexPattern::parse(DEFAULT_PATTERN)?;
        let code = SiteCode::parse("6108280002")?;
        let d = NaiveDate::from_ymd_opt(2019, 10, 29).ok_or_else(|| Error::invalid("date"))?;
        assert_eq!(p.format(&code, d, 349), "6108280002/201910-00349");
        assert_eq!(p.period(d), "201910");
        Ok(())
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "<site code>",
            "<x>-<5-digit serial>",
            "<5-digit serial><3-digit serial>",
            "<YYYY",
            "<0-digit serial>",
        ] {
            assert!(IndexPattern::parse(bad).is_err(), "{bad}");
        }
        assert!(IndexPattern::parse("SX-<YYYY>-<6-digit serial>").is_ok());
    }
}
