//! How a letter is handled, as rules without storage: its states, the steps that move it, who
//! may take each step, the deadline in working days and where a letter stands against it. The
//! console, the API and the overdue lists will ask these functions, as the editorial workflow
//! asks `workflow.rs`.
//!
//! A letter arrives at the site's office (待分办). The office assigns it (转办) to a unit with a
//! deadline, or answers it itself; the unit drafts a reply or hands the letter back; the office
//! reviews the reply (the same four eyes as articles) and publishes it or returns it. The
//! office may extend a deadline with a reason, merge a duplicate into the letter it repeats, or
//! mark a letter invalid with a reason; invalid and merged letters do not count against the
//! site. After the reply the writer may rate it once.

use chrono::{DateTime, Months, TimeZone, Utc};
use serde::Serialize;

use crate::Error;
use crate::timeliness::WorkCalendar;

/// Where a letter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterState {
    /// 待分办: at the site's office.
    Received,
    /// 办理中: with a unit (or the office itself), being answered.
    Assigned,
    /// 待审核: a reply drafted, waiting for the office's review.
    Drafted,
    /// 已答复: the reply is given (and published when the letter is public).
    Replied,
    /// 已合并: a duplicate, answered with the letter it repeats.
    Merged,
    /// 无效: not a letter to answer (abuse, advertising, empty), with the reason.
    Invalid,
}

impl LetterState {
    /// The word stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            LetterState::Received => "received",
            LetterState::Assigned => "assigned",
            LetterState::Drafted => "drafted",
            LetterState::Replied => "replied",
            LetterState::Merged => "merged",
            LetterState::Invalid => "invalid",
        }
    }

    pub fn parse(s: &str) -> Result<LetterState, Error> {
        [
            LetterState::Received,
            LetterState::Assigned,
            LetterState::Drafted,
            LetterState::Replied,
            LetterState::Merged,
            LetterState::Invalid,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| Error::internal(format!("unknown letter state {s:?}")))
    }

    pub fn label(self) -> &'static str {
        match self {
            LetterState::Received => "待分办",
            LetterState::Assigned => "办理中",
            LetterState::Drafted => "待审核",
            LetterState::Replied => "已答复",
            LetterState::Merged => "已合并",
            LetterState::Invalid => "无效",
        }
    }

    /// Still waiting for an answer: what the deadline and the overdue lists watch.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            LetterState::Received | LetterState::Assigned | LetterState::Drafted
        )
    }

    /// Counts for the site in the national check and the annual report (收到留言数量).
    pub fn counts(self) -> bool {
        !matches!(self, LetterState::Merged | LetterState::Invalid)
    }
}

/// A step a person takes on a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterStep {
    /// 转办: to a unit with a deadline (the office may assign to itself).
    Assign,
    /// The unit hands the letter back to the office (not its matter), with a reason.
    HandBack,
    /// The unit (or the office) drafts the reply.
    Draft,
    /// The office approves the reply: it is given to the writer.
    Approve,
    /// The office returns the draft to the unit, with a reason.
    Return,
    /// 延期: a later deadline, with a reason.
    Extend,
    /// 合并: a duplicate of another letter.
    Merge,
    /// 无效: with a reason.
    MarkInvalid,
}

/// Who is acting on a letter, as far as handling goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterHand {
    /// The site's office: its administrators and reviewers of the interaction columns.
    Office,
    /// Someone of the unit the letter is assigned to.
    Unit,
}

impl LetterStep {
    pub const ALL: [LetterStep; 8] = [
        LetterStep::Assign,
        LetterStep::HandBack,
        LetterStep::Draft,
        LetterStep::Approve,
        LetterStep::Return,
        LetterStep::Extend,
        LetterStep::Merge,
        LetterStep::MarkInvalid,
    ];

    /// The word in forms, the API and the letter's history.
    pub fn as_str(self) -> &'static str {
        match self {
            LetterStep::Assign => "assign",
            LetterStep::HandBack => "hand_back",
            LetterStep::Draft => "draft",
            LetterStep::Approve => "approve",
            LetterStep::Return => "return",
            LetterStep::Extend => "extend",
            LetterStep::Merge => "merge",
            LetterStep::MarkInvalid => "mark_invalid",
        }
    }

    pub fn parse(s: &str) -> Result<LetterStep, Error> {
        LetterStep::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid("没有这个办理步骤"))
    }

    pub fn label(self) -> &'static str {
        match self {
            LetterStep::Assign => "转办",
            LetterStep::HandBack => "退回分办",
            LetterStep::Draft => "拟写答复",
            LetterStep::Approve => "审核通过并答复",
            LetterStep::Return => "退回修改",
            LetterStep::Extend => "延期",
            LetterStep::Merge => "合并重复留言",
            LetterStep::MarkInvalid => "标为无效",
        }
    }

    /// Whether this step needs a reason (kept with the step and shown in the letter's history).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            LetterStep::HandBack
                | LetterStep::Return
                | LetterStep::Extend
                | LetterStep::MarkInvalid
        )
    }
}

/// The state after `step` from `state` by `hand`, or why it may not be taken. The writer of a
/// reply never approves it: the caller passes `drafted_by_me` for the four-eyes rule.
pub fn next(
    state: LetterState,
    step: LetterStep,
    hand: LetterHand,
    drafted_by_me: bool,
) -> Result<LetterState, Error> {
    use LetterHand::*;
    use LetterState::*;
    use LetterStep::*;
    let refuse = |why: &str| Err(Error::conflict(format!("不能{}：{why}", step.label())));
    match (step, hand, state) {
        (Assign, Office, Received) => Ok(Assigned),
        (HandBack, Unit, Assigned) => Ok(Received),
        (Draft, _, Assigned) => Ok(Drafted),
        (Approve, Office, Drafted) if drafted_by_me => refuse("答复须由拟写人以外的人审核"),
        (Approve, Office, Drafted) => Ok(Replied),
        (Return, Office, Drafted) => Ok(Assigned),
        (Extend, Office, Assigned | Drafted) => Ok(state),
        (Merge | MarkInvalid, Office, Received | Assigned) => Ok(match step {
            Merge => Merged,
            _ => Invalid,
        }),
        (Assign | Approve | Return | Extend | Merge | MarkInvalid, Unit, _) => {
            refuse("只有网站办公室可以办理这一步")
        }
        (HandBack, Office, _) => refuse("退回分办由承办单位操作"),
        _ => refuse(&format!("留言当前为“{}”", state.label())),
    }
}

/// The steps `hand` may take on a letter in `state` (the console's buttons, the API's
/// `steps`): exactly those [`next`] allows.
pub fn steps_for(state: LetterState, hand: LetterHand, drafted_by_me: bool) -> Vec<LetterStep> {
    LetterStep::ALL
        .into_iter()
        .filter(|s| next(state, *s, hand, drafted_by_me).is_ok())
        .collect()
}

/// Working days a deadline may be extended by at once.
pub const MAX_EXTENSION_DAYS: u32 = 30;

/// A reply as the handler typed it (plain text) as the HTML the writer and the public read:
/// escaped, one paragraph per block, line breaks kept. No markup of the handler's survives, so
/// a reply cannot carry a script or a link that was not reviewed as text.
pub fn reply_html(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(crate::sanitize::escape_text).collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect()
}

/// The deadline of a letter received at `received` with `days` working days to answer: the end
/// of that working day, Beijing time.
pub fn due(cal: &WorkCalendar, received: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let day = cal.working_days_after(crate::beijing::day(received), days);
    let end = day.and_hms_opt(23, 59, 59).unwrap_or_default();
    crate::beijing::OFFSET
        .from_local_datetime(&end)
        .single()
        .map_or(received, |t| t.with_timezone(&Utc))
}

/// Whether a letter received at `received` and answered at `replied` (or not yet) counts
/// against its site in the national check at `now` (互动回应差, 国办秘函〔2019〕19号: a valid
/// message left unanswered for more than three months within the past year). Invalid and merged
/// letters, and 找错 reports, are left out by the caller.
pub fn left_unanswered(
    received: DateTime<Utc>,
    replied: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let answered_or_now = replied.unwrap_or(now);
    let late = received
        .checked_add_months(Months::new(3))
        .is_some_and(|limit| answered_or_now > limit);
    let within_year = now
        .checked_sub_months(Months::new(12))
        .is_none_or(|year_ago| answered_or_now >= year_ago);
    late && within_year
}

/// Where an open letter stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    InTime,
    /// Due by the end of the next working day: the warning before the deadline.
    DueSoon,
    Overdue,
    /// Unanswered for more than three months since it arrived: on its own this fails the site
    /// in the national check (互动回应差, 国办秘函〔2019〕19号), for a consultation channel.
    Veto,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::InTime => "期限内",
            Standing::DueSoon => "即将到期",
            Standing::Overdue => "已超期",
            Standing::Veto => "超过三个月未答复",
        }
    }
}

/// Where a letter received at `received` and due at `due_at` stands at `now`.
pub fn standing(
    cal: &WorkCalendar,
    received: DateTime<Utc>,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Standing {
    if received
        .checked_add_months(Months::new(3))
        .is_some_and(|veto| now > veto)
    {
        Standing::Veto
    } else if now > due_at {
        Standing::Overdue
    } else if cal.due_within(crate::beijing::day(now), 1, crate::beijing::day(due_at)) {
        Standing::DueSoon
    } else {
        Standing::InTime
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use LetterHand::*;
    use LetterState::*;
    use LetterStep::*;

    #[test]
    fn the_office_assigns_the_unit_drafts_and_another_person_approves() {
        assert_eq!(next(Received, Assign, Office, false).unwrap(), Assigned);
        assert_eq!(next(Assigned, Draft, Unit, false).unwrap(), Drafted);
        assert_eq!(next(Drafted, Return, Office, false).unwrap(), Assigned);
        assert_eq!(next(Drafted, Approve, Office, false).unwrap(), Replied);
        let own = next(Drafted, Approve, Office, true)
            .unwrap_err()
            .to_string();
        assert!(own.contains("拟写人以外"), "{own}");
        assert_eq!(next(Assigned, HandBack, Unit, false).unwrap(), Received);
        // The office may answer itself.
        assert_eq!(next(Assigned, Draft, Office, false).unwrap(), Drafted);
    }

    #[test]
    fn a_letter_unanswered_for_three_months_in_the_past_year_counts() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let now = t("2026-12-05T10:00:00+08:00");
        // Open, received four months ago: counts; two months ago: not yet.
        assert!(left_unanswered(t("2026-08-01T09:00:00+08:00"), None, now));
        assert!(!left_unanswered(t("2026-10-01T09:00:00+08:00"), None, now));
        // Answered after four months, in the past year: still counts for a year.
        assert!(left_unanswered(
            t("2026-01-10T09:00:00+08:00"),
            Some(t("2026-05-20T09:00:00+08:00")),
            now
        ));
        // Answered late but more than a year ago: no longer.
        assert!(!left_unanswered(
            t("2025-06-01T09:00:00+08:00"),
            Some(t("2025-10-01T09:00:00+08:00")),
            now
        ));
        // Answered within three months: never.
        assert!(!left_unanswered(
            t("2026-08-01T09:00:00+08:00"),
            Some(t("2026-10-30T09:00:00+08:00")),
            now
        ));
    }

    #[test]
    fn buttons_are_the_steps_next_allows_and_replies_are_text() {
        assert_eq!(
            steps_for(Received, Office, false),
            vec![Assign, Merge, MarkInvalid]
        );
        assert_eq!(steps_for(Assigned, Unit, false), vec![HandBack, Draft]);
        assert_eq!(steps_for(Drafted, Office, true), vec![Return, Extend]);
        assert!(steps_for(Replied, Office, false).is_empty());
        for s in LetterStep::ALL {
            assert_eq!(LetterStep::parse(s.as_str()).unwrap(), s);
        }
        let html = reply_html("您好：\r\n已转交。\n\n<script>x</script>");
        assert!(
            html.starts_with("<p>您好：<br>已转交。</p><p>&lt;script&gt;x"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn units_only_draft_or_hand_back_and_closed_letters_stay_closed() {
        for step in [Assign, Approve, Return, Extend, Merge, MarkInvalid] {
            assert!(next(Assigned, step, Unit, false).is_err(), "{step:?}");
        }
        assert!(next(Assigned, HandBack, Office, false).is_err());
        for state in [Replied, Merged, Invalid] {
            for step in LetterStep::ALL {
                assert!(
                    next(state, step, Office, false).is_err(),
                    "{state:?} {step:?}"
                );
                assert!(!state.is_open());
            }
        }
        assert_eq!(next(Assigned, Extend, Office, false).unwrap(), Assigned);
        assert_eq!(next(Received, Merge, Office, false).unwrap(), Merged);
        assert_eq!(next(Assigned, MarkInvalid, Office, false).unwrap(), Invalid);
        assert!(!Merged.counts() && !Invalid.counts() && Replied.counts());
        assert!(Extend.needs_reason() && MarkInvalid.needs_reason() && !Approve.needs_reason());
    }

    fn at(s: &str) -> DateTime<Utc> {
        crate::beijing::OFFSET
            .from_local_datetime(
                &chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
            )
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn deadlines_count_working_days_after_the_day_of_receipt() {
        // 2026-09-30 is a Wednesday; 10-01 to 10-07 are the National Day holiday, 10-10
        // (Saturday) a make-up working day.
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let cal = WorkCalendar::new(
            [
                "2026-10-01",
                "2026-10-02",
                "2026-10-05",
                "2026-10-06",
                "2026-10-07",
            ]
            .map(d),
            ["2026-10-10"].map(d),
        );
        // Received Wednesday evening: 1 working day is Thursday… but that is a holiday here.
        assert_eq!(cal.working_days_after(d("2026-09-30"), 1), d("2026-10-08"));
        assert_eq!(cal.working_days_after(d("2026-09-30"), 3), d("2026-10-10"));
        assert_eq!(cal.working_days_after(d("2026-09-30"), 0), d("2026-09-30"));
        // A plain week: Friday + 5 working days is the next Friday.
        let plain = WorkCalendar::default();
        let due_at = due(&plain, at("2026-11-06 16:00"), 5);
        assert_eq!(
            due_at,
            at("2026-11-13 23:59") + chrono::Duration::seconds(59)
        );
    }

    #[test]
    fn a_letter_warns_before_its_deadline_and_fails_the_site_after_three_months() {
        let cal = WorkCalendar::default();
        let received = at("2026-11-02 09:00"); // a Monday
        let due_at = due(&cal, received, 5); // end of Monday 11-09
        for (now, expected) in [
            ("2026-11-03 10:00", Standing::InTime),
            ("2026-11-06 10:00", Standing::DueSoon),
            ("2026-11-10 08:00", Standing::Overdue),
            ("2027-02-03 08:00", Standing::Veto),
            ("2027-02-01 08:00", Standing::Overdue),
        ] {
            assert_eq!(standing(&cal, received, due_at, at(now)), expected, "{now}");
        }
    }
}
