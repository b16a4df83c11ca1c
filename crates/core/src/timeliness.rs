//! Reprint deadlines (seed 004: State Council policies reprinted "within one hour, never later
//! than one working day"): a working-day calendar — weekends and listed public holidays are not
//! working days, listed make-up days (调休上班) are — and the classification of each delivery.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::Serialize;

/// China Standard Time: the calendar's days are Beijing days.
fn china() -> FixedOffset {
    crate::beijing::OFFSET
}

/// Which days are working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// `holidays`: days off that would be working days; `workdays`: weekend days worked.
    pub fn new(
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> WorkCalendar {
        WorkCalendar {
            holidays: holidays.into_iter().collect(),
            workdays: workdays.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// The `n`th working day after `day` (`day` itself does not count: "自收到之日起 n 个工作日").
    pub fn working_days_after(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut d = day;
        let mut left = n;
        // A calendar with no working day at all would loop: stop after ten years.
        for _ in 0..3660 {
            if left == 0 {
                break;
            }
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The working days from `from` to `to`: those after `from` up to `to`, `to` included, as
    /// [`WorkCalendar::working_days_after`] counts them forward (a letter answered the day it
    /// came took 0; on the next working day, 1). 0 when `to` is not after `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = from;
        // Ten years at most, as `working_days_after`.
        for _ in 0..3660 {
            if d >= to {
                break;
            }
            d = d.succ_opt().unwrap_or(to);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// Whether a deadline on `due` falls within `n` working days after `today` (or on it): the
    /// warning before a deadline (letters: one day; 依申请公开: three).
    pub fn due_within(&self, today: NaiveDate, n: u32, due: NaiveDate) -> bool {
        self.working_days_after(today, n) >= due
    }

    /// One working day after `t`: the same Beijing time of day on the next working day; from a
    /// day off, the end of the next working day.
    pub fn add_working_day(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let local = t.with_timezone(&china());
        let today = local.date_naive();
        let mut d = today;
        for _ in 0..366 {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) {
                break;
            }
        }
        if self.is_working_day(today) {
            let time = local.time();
            china()
                .from_local_datetime(&d.and_time(time))
                .single()
                .map(|x| x.with_timezone(&Utc))
                .unwrap_or(t + Duration::days(1))
        } else {
            // Published on a day off: the whole next working day is available.
            let end = d
                .and_hms_opt(23, 59, 59)
                .unwrap_or(d.and_time(local.time()));
            china()
                .from_local_datetime(&end)
                .single()
                .map(|x| x.with_timezone(&Utc))
                .unwrap_or(t + Duration::days(1))
        }
    }
}

/// The deadlines of reprints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlines {
    /// The target (1 hour).
    pub target: Duration,
    /// When a pending approval alerts (45 minutes).
    pub alert: Duration,
    pub calendar: WorkCalendar,
}

/// Where a delivery stands against its deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Placed within the target.
    OnTime,
    /// Waiting, still within the target.
    Pending,
    /// Past the target (placed late, or still waiting), within one working day.
    Late,
    /// Past one working day.
    Overdue,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::OnTime => "按时",
            Standing::Pending => "待审",
            Standing::Late => "超时",
            Standing::Overdue => "逾期",
        }
    }

    /// Past the one-hour target.
    pub fn is_late(self) -> bool {
        matches!(self, Standing::Late | Standing::Overdue)
    }
}

impl Deadlines {
    /// A delivery of an item the source published at `published`, placed at `placed` (or not
    /// yet), as of `now`.
    pub fn standing(
        &self,
        published: DateTime<Utc>,
        placed: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Standing {
        let due = published + self.target;
        let last = self.calendar.add_working_day(published).max(due);
        match placed {
            Some(p) if p <= due => Standing::OnTime,
            Some(p) if p <= last => Standing::Late,
            Some(_) => Standing::Overdue,
            None if now <= due => Standing::Pending,
            None if now <= last => Standing::Late,
            None => Standing::Overdue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn weekends_and_holidays_are_skipped_make_up_days_count() {
        // 2026-10-01 (Thu) is National Day; 2026-10-10 (Sat) a make-up working day.
        let cal = WorkCalendar::new([day("2026-10-01"), day("2026-10-02")], [day("2026-10-10")]);
        assert!(!cal.is_working_day(day("2026-10-01")));
        assert!(!cal.is_working_day(day("2026-10-03")));
        assert!(cal.is_working_day(day("2026-10-10")));
        // Wednesday 15:00 Beijing → Monday 15:00 (Thu, Fri holidays, then the weekend).
        assert_eq!(
            cal.add_working_day(at("2026-09-30T15:00:00+08:00")),
            at("2026-10-05T15:00:00+08:00")
        );
        // Friday 09:30 → the make-up Saturday is not involved: Monday.
        assert_eq!(
            cal.add_working_day(at("2026-11-20T09:30:00+08:00")),
            at("2026-11-23T09:30:00+08:00")
        );
        // Published on a Sunday: the end of Monday.
        assert_eq!(
            cal.add_working_day(at("2026-11-22T10:00:00+08:00")),
            at("2026-11-23T23:59:59+08:00")
        );
    }

    #[test]
    fn standings() {
        let d = Deadlines {
            target: Duration::minutes(60),
            alert: Duration::minutes(45),
            calendar: WorkCalendar::default(),
        };
        let p = at("2026-11-18T10:00:00+08:00"); // a Wednesday
        let m = |n: i64| p + Duration::minutes(n);
        assert_eq!(d.standing(p, Some(m(59)), m(59)), Standing::OnTime);
        assert_eq!(d.standing(p, None, m(30)), Standing::Pending);
        assert_eq!(d.standing(p, None, m(61)), Standing::Late);
        assert_eq!(d.standing(p, Some(m(120)), m(200)), Standing::Late);
        assert_eq!(d.standing(p, None, m(24 * 60 + 1)), Standing::Overdue);
        assert_eq!(
            d.standing(p, Some(m(25 * 60)), m(26 * 60)),
            Standing::Overdue
        );
        assert!(Standing::Late.is_late() && !Standing::Pending.is_late());
    }

    #[test]
    fn one_working_day_reaches_across_the_weekend() {
        let d = Deadlines {
            target: Duration::minutes(60),
            alert: Duration::minutes(45),
            calendar: WorkCalendar::default(),
        };
        // Friday 17:00 → the working-day limit is Monday 17:00.
        let fri = at("2026-11-20T17:00:00+08:00");
        assert_eq!(
            d.standing(fri, Some(at("2026-11-20T17:59:00+08:00")), fri),
            Standing::OnTime
        );
        assert_eq!(
            d.standing(fri, Some(at("2026-11-23T10:00:00+08:00")), fri),
            Standing::Late
        );
        assert_eq!(
            d.standing(fri, Some(at("2026-11-23T17:01:00+08:00")), fri),
            Standing::Overdue
        );
        assert_eq!(
            d.standing(fri, None, at("2026-11-22T12:00:00+08:00")),
            Standing::Late,
            "still waiting on Sunday: late, not yet overdue"
        );
    }

    #[test]
    fn working_days_between_counts_forward_as_deadlines_do() {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        // National Day 2026: 10-01..10-07 off (Thursday to Wednesday), Saturday 10-10 worked.
        let cal = WorkCalendar::new((1..=7).map(|day| d(10, day)), [d(10, 10)]);
        assert_eq!(
            cal.working_days_between(d(9, 30), d(9, 30)),
            0,
            "the same day"
        );
        assert_eq!(cal.working_days_between(d(9, 30), d(9, 29)), 0, "backwards");
        assert_eq!(
            cal.working_days_between(d(9, 30), d(10, 8)),
            1,
            "over the holiday"
        );
        assert_eq!(
            cal.working_days_between(d(9, 30), d(10, 10)),
            3,
            "the make-up Saturday"
        );
        assert_eq!(
            cal.working_days_between(d(10, 9), d(10, 12)),
            2,
            "Sunday off"
        );
        for n in 0..20 {
            let due = cal.working_days_after(d(9, 25), n);
            assert_eq!(cal.working_days_between(d(9, 25), due), n, "{n}");
        }
    }
}
