//! 在线办理: an application for a service item, "网站前台提交、业务后台受理、网站前台反馈" (seed 003
//! 第二十四条(三)) — its states, the steps the business unit (or a business system over the API)
//! takes, and the 受理编号 that 状态查询 and 结果公示 show (seed 003 第二十四条(四)(五)).

use chrono::NaiveDate;
use serde::Serialize;

use crate::Error;

/// Where an application is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// 已提交: sent on the site, waiting for the back office.
    Submitted,
    /// 需补充材料: the back office asks for more (the applicant sees what).
    MoreNeeded,
    /// 已受理: accepted, being handled.
    Accepted,
    /// 不予受理: refused, with the reason.
    Refused,
    /// 已办结: done, with the result.
    Done,
}

impl AppState {
    pub const ALL: [AppState; 5] = [
        AppState::Submitted,
        AppState::MoreNeeded,
        AppState::Accepted,
        AppState::Refused,
        AppState::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppState::Submitted => "submitted",
            AppState::MoreNeeded => "more_needed",
            AppState::Accepted => "accepted",
            AppState::Refused => "refused",
            AppState::Done => "done",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AppState::Submitted => "已提交，待受理",
            AppState::MoreNeeded => "需补充材料",
            AppState::Accepted => "已受理，办理中",
            AppState::Refused => "不予受理",
            AppState::Done => "已办结",
        }
    }

    pub fn parse(s: &str) -> Result<AppState, Error> {
        AppState::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "办理状态“{}”无效：可选 more_needed（需补充材料）、accepted（受理）、refused（不予受理）、done（办结）",
                    s.chars().take(20).collect::<String>()
                ))
            })
    }

    /// Finished: nothing more happens (结果公示 lists these).
    pub fn is_final(self) -> bool {
        matches!(self, AppState::Refused | AppState::Done)
    }
}

/// Whether an application may go from `from` to `to`, or why not. The back office (a person in
/// the console or a business system over the API) moves it; the applicant's 补充 comes back as
/// `Submitted`.
pub fn check_move(from: AppState, to: AppState) -> Result<(), Error> {
    use AppState::*;
    let ok = matches!(
        (from, to),
        (Submitted, MoreNeeded | Accepted | Refused)
            | (MoreNeeded, Submitted | Accepted | Refused)
            | (Accepted, Done | Refused)
    );
    if ok {
        Ok(())
    } else {
        Err(Error::conflict(format!(
            "申请当前为“{}”，不能改为“{}”",
            from.label(),
            to.label()
        )))
    }
}

/// What a move must carry: a reason for 需补充材料 and 不予受理, the result for 办结.
pub fn needs_note(to: AppState) -> Option<&'static str> {
    match to {
        AppState::MoreNeeded => Some("需要补充的材料"),
        AppState::Refused => Some("不予受理的理由"),
        AppState::Done => Some("办理结果"),
        AppState::Submitted | AppState::Accepted => None,
    }
}

/// The 受理编号 of the `serial`th application of a site's day: the site's code, the Beijing day,
/// four digits (`6108280001-20261205-0007`). Public (结果公示 lists it); following an
/// application needs its 查询码 as well.
/// At most this many files (申请材料) go with an online application.
pub const MAX_MATERIALS: usize = 5;

pub fn receipt_number(site_code: &str, day: NaiveDate, serial: i64) -> String {
    format!("{site_code}-{}-{serial:04}", day.format("%Y%m%d"))
}

/// A 受理编号 as a person types it: spaces dropped, the shape checked.
pub fn parse_receipt(s: &str) -> Result<String, Error> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() == 3
        && parts[0].len() == 10
        && parts[1].len() == 8
        && (4..=6).contains(&parts[2].len())
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(s)
    } else {
        Err(Error::invalid(
            "受理编号格式不正确：应形如 6108280001-20261205-0001",
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use AppState::*;

    #[test]
    fn front_office_back_office_moves() {
        assert!(check_move(Submitted, Accepted).is_ok());
        assert!(check_move(Submitted, MoreNeeded).is_ok());
        assert!(check_move(MoreNeeded, Submitted).is_ok());
        assert!(check_move(Accepted, Done).is_ok());
        assert!(check_move(Submitted, Done).is_err(), "accepted before done");
        let e = check_move(Done, Accepted).unwrap_err().to_string();
        assert!(e.contains("已办结"), "{e}");
        assert_eq!(needs_note(Refused), Some("不予受理的理由"));
        assert!(Done.is_final() && !Accepted.is_final());
        assert!(AppState::parse("approved").is_err());
    }

    #[test]
    fn receipt_numbers() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let n = receipt_number("6108280001", d, 7);
        assert_eq!(n, "6108280001-20261205-0007");
        assert_eq!(parse_receipt(" 6108280001-20261205-0007 ").unwrap(), n);
        assert!(parse_receipt("6108280001-2026125-0007").is_err());
        assert!(parse_receipt("abc").is_err());
    }
}
