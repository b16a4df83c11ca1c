//! Beijing time (UTC+8, no daylight saving): the calendar every date on the platform is in —
//! publish dates, visit days, reprint deadlines, report years. The one place that knows the
//! offset; instants are kept in UTC everywhere else.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

/// UTC+8.
pub const OFFSET: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};

/// An instant as Beijing wall-clock time.
pub fn at(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&OFFSET)
}

/// The Beijing day of an instant.
pub fn day(t: DateTime<Utc>) -> NaiveDate {
    at(t).date_naive()
}

/// The Beijing day of an instant as `YYYY-MM-DD`.
pub fn day_text(t: DateTime<Utc>) -> String {
    at(t).format("%Y-%m-%d").to_string()
}

/// An instant as Beijing wall-clock time to the minute, `YYYY-MM-DD HH:MM`.
pub fn minute_text(t: DateTime<Utc>) -> String {
    at(t).format("%Y-%m-%d %H:%M").to_string()
}

/// A Beijing wall-clock time to the minute as a form sends it — a browser's `datetime-local`
/// (`2026-12-08T09:00`) or typed with a space (`2026-12-08 09:00`) — as an instant.
pub fn from_local_minute(v: &str) -> Option<DateTime<Utc>> {
    let v = v.trim();
    let t = chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M"))
        .ok()?;
    Some((t - chrono::Duration::hours(8)).and_utc())
}

/// The Beijing year of an instant.
pub fn year(t: DateTime<Utc>) -> i32 {
    at(t).year()
}

/// The instant a Beijing day begins (00:00 in Beijing), in UTC.
pub fn start_of(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    (midnight - chrono::Duration::hours(8)).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_turn_at_midnight_in_beijing() {
        let before = Utc.with_ymd_and_hms(2026, 12, 31, 15, 59, 59).single();
        let after = Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).single();
        let (Some(before), Some(after)) = (before, after) else {
            panic!("valid instants");
        };
        assert_eq!(day_text(before), "2026-12-31");
        assert_eq!(day_text(after), "2027-01-01");
        assert_eq!((year(before), year(after)), (2026, 2027));
        assert_eq!(start_of(day(after)), after);
        assert_eq!(at(after).format("%H:%M").to_string(), "00:00");
    }

    #[test]
    fn a_form_s_local_minute_is_beijing_time() {
        let want = Utc.with_ymd_and_hms(2026, 12, 8, 1, 0, 0).single();
        assert_eq!(from_local_minute("2026-12-08T09:00"), want);
        assert_eq!(from_local_minute(" 2026-12-08 09:00 "), want);
        assert_eq!(
            from_local_minute("2027-01-01T00:30").map(minute_text),
            Some("2027-01-01 00:30".into())
        );
        for bad in [
            "",
            "2026-12-08",
            "2026-13-01T09:00",
            "明天上午",
            "2026-12-08T25:00",
        ] {
            assert_eq!(from_local_minute(bad), None, "{bad}");
        }
    }
}
