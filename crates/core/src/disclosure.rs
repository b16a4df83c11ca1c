//! 依申请公开: an application for government information under the 政府信息公开条例 (2019), as
//! rules without storage — who applies (the categories of the yearly report), how the answer is
//! to be delivered, the handling states and steps, the statutory deadlines in working days, and
//! the yearly report's table 三 (收到和处理政府信息公开申请情况) computed from the applications.
//!
//! The deadlines (条例 第三十条、第三十三条): an answer within 20 working days of receipt; when
//! the application is unclear the office asks, within 7 working days, for it to be completed
//! (补正) and the 20 days count from the day the completed application arrives; an extension of
//! at most 20 working days, approved by the head of the disclosure office and told to the
//! applicant. While the applicant completes the application the clock does not run.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::Error;
use crate::timeliness::WorkCalendar;

/// Working days to answer (条例 第三十三条).
pub const ANSWER_DAYS: u32 = 20;
/// At most this many working days of extension (条例 第三十三条).
pub const MAX_EXTENSION: u32 = 20;
/// Working days within which the office asks for 补正 (条例 第三十条).
pub const CORRECTION_DAYS: u32 = 7;

macro_rules! words {
    ($(#[$m:meta])* $name:ident { $($v:ident => $s:literal / $l:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$v => $l),+ }
            }

            pub fn parse(s: &str) -> Result<$name, Error> {
                $name::ALL.iter().copied().find(|x| x.as_str() == s).ok_or_else(|| {
                    Error::invalid(format!(
                        "“{}”不是有效的选项：可选 {}",
                        s.chars().take(20).collect::<String>(),
                        $name::ALL.iter().map(|x| x.label()).collect::<Vec<_>>().join("、")
                    ))
                })
            }
        }
    };
}

words!(
    /// Who applies: the columns of the yearly report's table 三.
    Applicant {
        Person => "person" / "自然人",
        Company => "company" / "商业企业",
        Research => "research" / "科研机构",
        Charity => "charity" / "社会公益组织",
        LegalService => "legal_service" / "法律服务机构",
        OtherOrg => "other_org" / "其他组织",
    }
);

impl Applicant {
    /// A legal person or other organisation (the form then asks for its name and contact).
    pub fn is_organisation(self) -> bool {
        self != Applicant::Person
    }
}

words!(
    /// How the applicant wants the information (所需信息的指定提供方式).
    Delivery {
        Paper => "paper" / "纸质文本（邮寄）",
        Email => "email" / "电子邮件",
        Disc => "disc" / "光盘",
        Pickup => "pickup" / "当面领取",
    }
);

words!(
    /// Where an application is.
    RequestState {
        Received => "received" / "待受理",
        Handling => "handling" / "办理中",
        Correcting => "correcting" / "待补正",
        Consulting => "consulting" / "征求第三方意见中",
        Charging => "charging" / "待缴纳信息处理费",
        Answered => "answered" / "已答复",
    }
);

words!(
    /// The answer, one row of table 三's 本年度办理结果 (国办公开办函〔2021〕30号 template).
    Outcome {
        Disclosed => "disclosed" / "予以公开",
        Partly => "partly" / "部分公开（区分处理的，只计这一情形，不计其他情形）",
        SecretState => "secret_state" / "不予公开：属于国家秘密",
        SecretLaw => "secret_law" / "不予公开：其他法律行政法规禁止公开",
        Security => "security" / "不予公开：危及“三安全一稳定”",
        ThirdParty => "third_party" / "不予公开：保护第三方合法权益",
        Internal => "internal" / "不予公开：属于三类内部事务信息",
        Process => "process" / "不予公开：属于四类过程性信息",
        Enforcement => "enforcement" / "不予公开：属于行政执法案卷",
        Inquiry => "inquiry" / "不予公开：属于行政查询事项",
        NotHeld => "not_held" / "无法提供：本机关不掌握相关政府信息",
        NeedsMaking => "needs_making" / "无法提供：没有现成信息需要另行制作",
        StillUnclear => "still_unclear" / "无法提供：补正后申请内容仍不明确",
        Petition => "petition" / "不予处理：信访举报投诉类申请",
        Repeated => "repeated" / "不予处理：重复申请",
        Published => "published" / "不予处理：要求提供公开出版物",
        Excessive => "excessive" / "不予处理：无正当理由大量反复申请",
        Confirm => "confirm" / "不予处理：要求行政机关确认或重新出具已获取信息",
        NotCorrected => "not_corrected" / "其他处理：申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        NotPaid => "not_paid" / "其他处理：申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        OtherHandling => "other" / "其他处理：其他",
    }
);

words!(
    /// A step the office takes on an application.
    RequestStep {
        Accept => "accept" / "受理",
        AskCorrection => "ask_correction" / "告知补正",
        Corrected => "corrected" / "收到补正",
        Extend => "extend" / "延期答复",
        Consult => "consult" / "征求第三方意见",
        Consulted => "consulted" / "第三方已回复或逾期未回复",
        Charge => "charge" / "发出收费通知",
        Paid => "paid" / "申请人已缴费",
        Answer => "answer" / "答复",
    }
);

/// The state after `step`, or why it may not be taken. An extension is granted once.
pub fn next(state: RequestState, step: RequestStep, extended: bool) -> Result<RequestState, Error> {
    use RequestState::*;
    use RequestStep::*;
    let refuse = |why: &str| Err(Error::conflict(format!("不能{}：{why}", step.label())));
    match (step, state) {
        (Accept, Received) => Ok(Handling),
        (AskCorrection, Received | Handling) => Ok(Correcting),
        (Corrected, Correcting) => Ok(Handling),
        (Extend, Handling) if extended => refuse("答复期限只能延长一次"),
        (Extend, Handling) => Ok(Handling),
        // 条例 第三十二条: the time asking a third party does not count (第三十三条).
        (Consult, Handling) => Ok(Consulting),
        (Consulted, Consulting) => Ok(Handling),
        // 《政府信息公开信息处理费管理办法》(国办函〔2020〕109号) 第九条: from the fee notice to
        // the payment the clock stops; unpaid in time, the answer is 逾期未缴费.
        (Charge, Handling) => Ok(Charging),
        (Paid, Charging) => Ok(Handling),
        (Answer, Charging) => Ok(Answered),
        (Answer, Received | Handling) => Ok(Answered),
        // Not completed in time: answered as 逾期不补正 (the outcome says so).
        (Answer, Correcting) => Ok(Answered),
        _ => refuse(&format!("申请当前为“{}”", state.label())),
    }
}

/// The steps possible in `state` (the console's buttons).
pub fn steps_for(state: RequestState, extended: bool) -> Vec<RequestStep> {
    RequestStep::ALL
        .iter()
        .copied()
        .filter(|s| next(state, *s, extended).is_ok())
        .collect()
}

/// The day an application's answer is due: [`ANSWER_DAYS`] plus `extension` working days after
/// the day the clock started (receipt, or the day the completed application arrived).
pub fn due_day(cal: &WorkCalendar, clock_start: NaiveDate, extension: u32) -> NaiveDate {
    answer_due(cal, clock_start, extension, 0)
}

/// [`due_day`], moved on by the `paused` working days spent asking third parties for their
/// opinion (条例 第三十三条: 征求第三方意见所需时间不计算在前款规定的期限内).
pub fn answer_due(
    cal: &WorkCalendar,
    clock_start: NaiveDate,
    extension: u32,
    paused: u32,
) -> NaiveDate {
    cal.working_days_after(
        clock_start,
        ANSWER_DAYS + extension.min(MAX_EXTENSION) + paused,
    )
}

/// The working days a consultation sent on `from` and answered on `to` kept the clock stopped:
/// those after `from` up to and including `to`.
pub fn paused_working_days(cal: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| cal.is_working_day(*d))
        .count() as u32
}

/// How many working days before its deadline an open application is flagged 即将到期.
pub const WARN_WORKING_DAYS: u32 = 3;

/// Where an open application stands against its statutory deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    InTime,
    /// The deadline is within [`WARN_WORKING_DAYS`] working days: the warning before it.
    DueSoon,
    Overdue,
    /// 补正 or 征求第三方意见: the clock does not run.
    Paused,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::InTime => "期限内",
            Standing::DueSoon => "即将到期",
            Standing::Overdue => "已超期",
            Standing::Paused => "暂停计时（补正或征求第三方意见）",
        }
    }
}

/// Where an application in `state`, due on `due_on` (none while the clock is paused), stands on
/// `today`; `None` once it is answered.
pub fn standing(
    cal: &WorkCalendar,
    state: RequestState,
    due_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<Standing> {
    if state == RequestState::Answered {
        return None;
    }
    Some(match due_on {
        None => Standing::Paused,
        Some(due) if today > due => Standing::Overdue,
        Some(due) if cal.due_within(today, WARN_WORKING_DAYS, due) => Standing::DueSoon,
        Some(_) => Standing::InTime,
    })
}

/// The last day to ask for 补正 of an application received on `received`.
pub fn correction_by(cal: &WorkCalendar, received: NaiveDate) -> NaiveDate {
    cal.working_days_after(received, CORRECTION_DAYS)
}

/// Checks an extension: 1 to [`MAX_EXTENSION`] working days, with the approver named.
pub fn check_extension(days: u32, approver: &str) -> Result<(), Error> {
    if !(1..=MAX_EXTENSION).contains(&days) {
        return Err(Error::invalid(format!(
            "延期天数须为 1 至 {MAX_EXTENSION} 个工作日（政府信息公开条例第三十三条）"
        )));
    }
    if approver.trim().is_empty() {
        return Err(Error::invalid(
            "延期须经政府信息公开工作机构负责人同意：请填写批准人",
        ));
    }
    Ok(())
}

/// The columns of table 四 (政府信息公开行政复议、行政诉讼情况), before the total.
pub const REVIEW_COLUMNS: [&str; 4] = ["结果维持", "结果纠正", "其他结果", "尚未审结"];

/// Table 四 of the yearly report, entered by the office (the cases are decided elsewhere): for
/// 行政复议, 行政诉讼 未经复议直接起诉 and 行政诉讼 复议后起诉, the cases by [`REVIEW_COLUMNS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Reviews {
    pub review: [i64; 4],
    pub direct_suit: [i64; 4],
    pub suit_after_review: [i64; 4],
}

impl Reviews {
    /// The three rows with their labels and totals.
    pub fn rows(&self) -> [(&'static str, [i64; 4], i64); 3] {
        let row = |label, r: [i64; 4]| (label, r, r.iter().sum());
        [
            row("行政复议", self.review),
            row("行政诉讼（未经复议直接起诉）", self.direct_suit),
            row("行政诉讼（复议后起诉）", self.suit_after_review),
        ]
    }

    /// Every figure a count of cases: 0 to 100,000.
    pub fn check(&self) -> Result<(), Error> {
        let all = self
            .review
            .iter()
            .chain(&self.direct_suit)
            .chain(&self.suit_after_review);
        if all.into_iter().all(|n| (0..=100_000).contains(n)) {
            Ok(())
        } else {
            Err(Error::invalid(
                "行政复议、行政诉讼的件数应为 0 至 100000 的整数",
            ))
        }
    }
}

/// What the yearly report reads of one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFacts {
    pub applicant: Applicant,
    pub received: DateTime<Utc>,
    pub answered: Option<(DateTime<Utc>, Outcome)>,
}

/// One row of table 三: a figure per applicant category and the total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    pub label: String,
    /// In the order of [`Applicant::ALL`].
    pub by_applicant: Vec<i64>,
    pub total: i64,
}

/// Table 三 of the yearly 政府信息公开工作年度报告 for Beijing year `year`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct YearTable {
    pub year: i32,
    pub received: Row,
    pub carried_in: Row,
    /// One row per [`Outcome`], in its order, then the total.
    pub outcomes: Vec<Row>,
    pub answered: Row,
    pub carried_out: Row,
}

impl YearTable {
    /// The rows of table 三 in the report's order: 本年新收, 上年结转, each answer type, 办理结果总计,
    /// 结转下年度继续办理.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        [&self.received, &self.carried_in]
            .into_iter()
            .chain(self.outcomes.iter())
            .chain([&self.answered, &self.carried_out])
    }
}

fn row(label: &str, n: impl Fn(Applicant) -> i64) -> Row {
    let by: Vec<i64> = Applicant::ALL.iter().map(|a| n(*a)).collect();
    Row {
        label: label.into(),
        total: by.iter().sum(),
        by_applicant: by,
    }
}

/// Computes table 三 of `year` from every application of the site received up to its end.
pub fn year_table(year: i32, facts: &[RequestFacts]) -> YearTable {
    let y = |t: DateTime<Utc>| crate::beijing::year(t);
    let count = |a: Applicant, f: &dyn Fn(&RequestFacts) -> bool| {
        facts.iter().filter(|r| r.applicant == a && f(r)).count() as i64
    };
    let answered_in = |r: &RequestFacts| r.answered.is_some_and(|(t, _)| y(t) == year);
    let open_at_end =
        |r: &RequestFacts| y(r.received) <= year && r.answered.is_none_or(|(t, _)| y(t) > year);
    let carried_in =
        |r: &RequestFacts| y(r.received) < year && r.answered.is_none_or(|(t, _)| y(t) >= year);
    let outcomes: Vec<Row> = Outcome::ALL
        .iter()
        .map(|o| {
            row(o.label(), |a| {
                count(a, &|r| {
                    answered_in(r) && r.answered.is_some_and(|(_, x)| x == *o)
                })
            })
        })
        .collect();
    YearTable {
        year,
        received: row("一、本年新收政府信息公开申请数量", |a| {
            count(a, &|r| y(r.received) == year)
        }),
        carried_in: row("二、上年结转政府信息公开申请数量", |a| {
            count(a, &carried_in)
        }),
        outcomes,
        answered: row("三、本年度办理结果：总计", |a| {
            count(a, &answered_in)
        }),
        carried_out: row("四、结转下年度继续办理", |a| {
            count(a, &open_at_end)
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_open_application_is_flagged_three_working_days_before_its_deadline() {
        let c = cal();
        let open = RequestState::Received;
        // Due Friday 2026-10-16: Tuesday the 13th is three working days before it.
        let due = Some(d(2026, 10, 16));
        assert_eq!(
            standing(&c, open, due, d(2026, 10, 12)),
            Some(Standing::InTime)
        );
        assert_eq!(
            standing(&c, open, due, d(2026, 10, 13)),
            Some(Standing::DueSoon)
        );
        assert_eq!(
            standing(&c, open, due, d(2026, 10, 16)),
            Some(Standing::DueSoon)
        );
        assert_eq!(
            standing(&c, open, due, d(2026, 10, 17)),
            Some(Standing::Overdue)
        );
        // Across the National Day holiday: due Friday 10-09, the warning starts on Monday 09-28
        // (09-29, 09-30 and, after the break, 10-09 are the three working days after it); the
        // worked Sunday 09-27 is still in time.
        let due = Some(d(2026, 10, 9));
        assert_eq!(
            standing(&c, open, due, d(2026, 9, 27)),
            Some(Standing::InTime)
        );
        assert_eq!(
            standing(&c, open, due, d(2026, 9, 28)),
            Some(Standing::DueSoon)
        );
        assert_eq!(
            standing(&c, open, None, d(2026, 9, 29)),
            Some(Standing::Paused)
        );
        assert_eq!(
            standing(&c, RequestState::Answered, due, d(2026, 12, 1)),
            None
        );
    }

    /// 2026: National Day and Mid-Autumn 10-01..10-08 off, 09-27 and 10-10 (Saturdays) worked.
    fn cal() -> WorkCalendar {
        WorkCalendar::new(
            (1..=8).map(|n| d(2026, 10, n)),
            [d(2026, 9, 27), d(2026, 10, 10)],
        )
    }

    #[test]
    fn twenty_working_days_skip_the_golden_week() {
        // Received Friday 2026-09-25: 09-27 (worked Sunday) counts, 10-01..08 do not.
        let due = due_day(&cal(), d(2026, 9, 25), 0);
        assert_eq!(due, d(2026, 10, 29));
        // Extended by 20: 20 more working days.
        assert_eq!(due_day(&cal(), d(2026, 9, 25), 20), d(2026, 11, 26));
        // Capped at the statutory 20.
        assert_eq!(due_day(&cal(), d(2026, 9, 25), 35), d(2026, 11, 26));
        // 补正 must be asked for within 7 working days.
        assert_eq!(correction_by(&cal(), d(2026, 9, 25)), d(2026, 10, 12));
    }

    #[test]
    fn the_steps_and_their_order() {
        use RequestState::*;
        use RequestStep::*;
        assert_eq!(next(Received, Accept, false).unwrap(), Handling);
        assert_eq!(next(Handling, AskCorrection, false).unwrap(), Correcting);
        assert!(
            next(Correcting, Extend, false).is_err(),
            "no extension while the clock stops"
        );
        assert_eq!(next(Correcting, Corrected, false).unwrap(), Handling);
        assert_eq!(next(Handling, Extend, false).unwrap(), Handling);
        let twice = next(Handling, Extend, true).unwrap_err().to_string();
        assert!(twice.contains("只能延长一次"), "{twice}");
        assert_eq!(next(Handling, Answer, true).unwrap(), Answered);
        assert!(next(Answered, Answer, true).is_err());
        assert_eq!(steps_for(Answered, false), vec![]);
        assert_eq!(steps_for(Correcting, false), vec![Corrected, Answer]);
        assert!(check_extension(21, "张三").is_err());
        assert!(check_extension(10, " ").is_err());
        assert!(check_extension(10, "张三").is_ok());
    }

    #[test]
    fn the_year_table_counts_received_carried_answered_and_open() {
        let at = |y, m, day| chrono::Utc.with_ymd_and_hms(y, m, day, 2, 0, 0).unwrap();
        let facts = [
            // Received last year, answered this year: carried in, answered.
            RequestFacts {
                applicant: Applicant::Person,
                received: at(2025, 12, 20),
                answered: Some((at(2026, 1, 10), Outcome::Disclosed)),
            },
            // Received and answered last year: nowhere this year.
            RequestFacts {
                applicant: Applicant::Person,
                received: at(2025, 3, 1),
                answered: Some((at(2025, 3, 20), Outcome::Disclosed)),
            },
            // Received this year, answered: new, answered by its outcome.
            RequestFacts {
                applicant: Applicant::Company,
                received: at(2026, 5, 1),
                answered: Some((at(2026, 5, 20), Outcome::NotHeld)),
            },
            // Received this year, still open: new, carried out.
            RequestFacts {
                applicant: Applicant::Person,
                received: at(2026, 12, 25),
                answered: None,
            },
        ];
        let t = year_table(2026, &facts);
        assert_eq!(t.received.total, 2);
        assert_eq!(t.received.by_applicant[0], 1);
        assert_eq!(t.received.by_applicant[1], 1);
        assert_eq!(t.carried_in.total, 1);
        assert_eq!(t.answered.total, 2);
        assert_eq!(t.outcomes[0].total, 1, "予以公开");
        let not_held = Outcome::ALL
            .iter()
            .position(|o| *o == Outcome::NotHeld)
            .unwrap();
        assert_eq!(t.outcomes[not_held].by_applicant[1], 1);
        assert_eq!(t.carried_out.total, 1);
        // Received + carried in = answered + carried out.
        assert_eq!(
            t.received.total + t.carried_in.total,
            t.answered.total + t.carried_out.total
        );
    }

    #[test]
    fn asking_a_third_party_stops_the_clock_for_its_working_days() {
        let c = cal();
        assert_eq!(
            next(RequestState::Handling, RequestStep::Consult, false).unwrap(),
            RequestState::Consulting
        );
        assert!(next(RequestState::Consulting, RequestStep::Answer, false).is_err());
        assert!(next(RequestState::Received, RequestStep::Consult, false).is_err());
        assert_eq!(
            next(RequestState::Consulting, RequestStep::Consulted, false).unwrap(),
            RequestState::Handling
        );
        // Sent on Friday 2026-12-04, answered on Friday 2026-12-11: five working days.
        let paused = paused_working_days(&c, d(2026, 12, 4), d(2026, 12, 11));
        assert_eq!(paused, 5);
        assert_eq!(paused_working_days(&c, d(2026, 12, 4), d(2026, 12, 4)), 0);
        let start = d(2026, 12, 1);
        assert_eq!(
            answer_due(&c, start, 0, paused),
            c.working_days_after(due_day(&c, start, 0), 5)
        );
    }

    #[test]
    fn table_four_totals_its_rows_and_takes_counts_only() {
        let r = Reviews {
            review: [2, 1, 0, 1],
            direct_suit: [1, 0, 0, 0],
            suit_after_review: [0, 0, 0, 0],
        };
        let rows = r.rows();
        assert_eq!((rows[0].0, rows[0].2), ("行政复议", 4));
        assert_eq!(rows[1].2, 1);
        assert!(r.check().is_ok());
        let bad = Reviews {
            review: [-1, 0, 0, 0],
            ..r
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn a_fee_notice_stops_the_clock_until_the_fee_is_paid() {
        use RequestState::*;
        assert_eq!(
            next(Handling, RequestStep::Charge, false).unwrap(),
            Charging
        );
        assert_eq!(next(Charging, RequestStep::Paid, false).unwrap(), Handling);
        assert!(next(Received, RequestStep::Charge, false).is_err());
        assert!(next(Charging, RequestStep::Extend, false).is_err());
        assert_eq!(
            steps_for(Charging, false),
            [RequestStep::Paid, RequestStep::Answer]
        );
    }
}
