//! Page numbers of list pages (20 a page).

use crate::Error;

pub const PAGE_SIZE: u64 = 20;

/// A 1-based page number, parsed from the `page` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page(u64);

impl Page {
    pub const FIRST: Page = Page(1);

    /// Parses `?page=`: absent means the first page; 0, negatives and non-numbers are refused.
    pub fn parse(raw: Option<&str>) -> Result<Self, Error> {
        let Some(raw) = raw else {
            return Ok(Page::FIRST);
        };
        match raw.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Page(n)),
            _ => Err(Error::invalid(format!(
                "页码“{}”无效：页码应为从 1 开始的整数",
                truncate(raw, 40)
            ))),
        }
    }

    pub fn number(self) -> u64 {
        self.0
    }

    /// Row offset, or `None` when the page lies beyond `total` rows (page 1 always exists).
    pub fn offset_within(self, total: u64) -> Option<u64> {
        let offset = (self.0 - 1).checked_mul(PAGE_SIZE)?;
        (self.0 == 1 || offset < total).then_some(offset)
    }

    pub fn last_page(total: u64) -> u64 {
        total.div_ceil(PAGE_SIZE).max(1)
    }

    /// The rows of this page of `total` rows at `size` a page (the console's long lists), or
    /// `None` when the page lies beyond the last one (page 1 always exists, empty or not).
    pub fn rows(self, total: usize, size: usize) -> Option<std::ops::Range<usize>> {
        let size = size.max(1);
        let start = usize::try_from(self.0 - 1).ok()?.checked_mul(size)?;
        (self.0 == 1 || start < total).then(|| start.min(total)..(start + size).min(total))
    }

    /// How many pages `total` rows make at `size` a page (at least one).
    pub fn count(total: usize, size: usize) -> usize {
        total.div_ceil(size.max(1)).max(1)
    }
}

/// How to read the rows `[offset, offset + limit)` of a list of `total` kept newest first: skip
/// `offset` rows from the newest end, or, for a page in the older half, `offset` rows from the
/// oldest end in ascending order (the caller puts the rows back newest first). No read skips
/// more than half the list, so the last page costs what the first does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: u64,
    pub limit: u64,
    pub oldest_first: bool,
}

/// The [`Window`] of a page, or `None` when it holds no rows.
pub fn window(total: u64, offset: u64, limit: u64) -> Option<Window> {
    if limit == 0 || offset >= total {
        return None;
    }
    let end = offset.saturating_add(limit).min(total);
    let from_oldest = total - end;
    Some(Window {
        offset: from_oldest.min(offset),
        limit: end - offset,
        oldest_first: from_oldest < offset,
    })
}

/// A window that skips at most this many entries is read as it is; a longer skip is worth the
/// small read of a list's kept per-period counts first ([`in_period`]).
pub const DIRECT_SKIP: u64 = 400;

/// How to read a page of a long list whose length is kept per period (a column list's
/// months, the catalogue's years), once the period holding the page's first entry is known:
/// `before` entries are newer than the period, `n` are in it, and the page's first entry is
/// the list's `offset`-th (newest first).
///
/// The returned [`Window`] is relative to the period: newest first, it skips `offset` entries
/// from the period's newer end and may run on into older periods (the read is bounded above
/// only); oldest first, the whole page lies in the period and it is read from the period's
/// older end (bounded on both sides). Either way no read skips a whole period, and a page
/// that lies in its period skips at most half of it.
/// `None` when `offset` is not in the period (the counts moved under the caller: read the
/// plain [`window`] instead).
pub fn in_period(offset: u64, limit: u64, before: u64, n: u64) -> Option<Window> {
    let within = offset.checked_sub(before).filter(|w| *w < n)?;
    let end = within.saturating_add(limit);
    if end <= n && n - end < within {
        return Some(Window {
            offset: n - end,
            limit,
            oldest_first: true,
        });
    }
    Some(Window {
        offset: within,
        limit,
        oldest_first: false,
    })
}

/// The period (newest first) that holds the list's `offset`-th entry, with how many entries
/// are newer than it: from kept per-period counts, newest period first.
pub fn period_of(counts: impl IntoIterator<Item = u64>, offset: u64) -> Option<(usize, u64)> {
    let mut before = 0_u64;
    for (i, n) in counts.into_iter().enumerate() {
        if offset < before.saturating_add(n) {
            return Some((i, before));
        }
        before = before.saturating_add(n);
    }
    None
}

/// The first instant (UTC) after the month `YYYY-MM` (a column list's kept month): the
/// exclusive upper bound of its entries.
pub fn month_end(month: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let (y, m) = month.split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    chrono::NaiveDate::from_ymd_opt(y, m, 1)?
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
}

/// The first instant (UTC) of the month `YYYY-MM`.
pub fn month_start(month: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let (y, m) = month.split_once('-')?;
    chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_reads_the_same_rows_from_the_nearer_end() {
        assert_eq!(window(100, 0, 20).map(|w| w.oldest_first), Some(false));
        assert_eq!(
            window(100, 80, 20),
            Some(Window {
                offset: 0,
                limit: 20,
                oldest_first: true
            })
        );
        assert_eq!(
            window(45, 40, 20),
            Some(Window {
                offset: 0,
                limit: 5,
                oldest_first: true
            })
        );
        assert_eq!(window(45, 45, 20), None);
        assert_eq!(window(45, 0, 0), None);
        assert_eq!(window(0, 0, 20), None);
        assert_eq!(window(u64::MAX, u64::MAX - 1, 20).map(|w| w.limit), Some(1));
        // Every page of every small list: the same rows as reading from the newest end, and
        // never more than half the list skipped.
        for total in 0..70u64 {
            for limit in 1..25u64 {
                for offset in 0..total + 3 {
                    let newest: Vec<u64> = (offset..(offset + limit).min(total)).collect();
                    let Some(w) = window(total, offset, limit) else {
                        assert!(newest.is_empty(), "{total} {offset} {limit}");
                        continue;
                    };
                    assert!(w.offset <= total / 2, "{total} {offset} {limit}: {w:?}");
                    let mut read: Vec<u64> = if w.oldest_first {
                        // Ascending position k from the oldest end is newest-first position
                        // total - 1 - k.
                        (w.offset..w.offset + w.limit)
                            .map(|k| total - 1 - k)
                            .collect()
                    } else {
                        (w.offset..w.offset + w.limit).collect()
                    };
                    read.sort_unstable();
                    assert_eq!(read, newest, "{total} {offset} {limit}: {w:?}");
                }
            }
        }
    }

    #[test]
    fn pages() {
        assert_eq!(Page::parse(None).ok(), Some(Page::FIRST));
        assert!(Page::parse(Some("0")).is_err());
        assert!(Page::parse(Some("-1")).is_err());
        assert!(Page::parse(Some("abc")).is_err());
        let huge = Page::parse(Some("1000000000000")).ok();
        assert_eq!(huge.and_then(|p| p.offset_within(45)), None);
        assert_eq!(Page::parse(Some("99999999999999999999")).ok(), None);
        assert_eq!(
            Page::parse(Some("3"))
                .ok()
                .and_then(|p| p.offset_within(45)),
            Some(40)
        );
        assert_eq!(
            Page::parse(Some("4"))
                .ok()
                .and_then(|p| p.offset_within(45)),
            None
        );
        assert_eq!(Page::FIRST.offset_within(0), Some(0));
        assert_eq!(Page::last_page(45), 3);
    }

    #[test]
    fn rows_of_a_long_list() {
        let p = |n: &str| Page::parse(Some(n)).ok().unwrap_or(Page::FIRST);
        assert_eq!(Page::FIRST.rows(0, 50), Some(0..0));
        assert_eq!(Page::FIRST.rows(3346, 50), Some(0..50));
        assert_eq!(p("67").rows(3346, 50), Some(3300..3346));
        assert_eq!(p("68").rows(3346, 50), None);
        assert_eq!(p("18446744073709551615").rows(3346, 50), None);
        assert_eq!(Page::count(3346, 50), 67);
        assert_eq!(Page::count(0, 50), 1);
    }

    #[test]
    fn a_page_of_a_long_list_is_read_within_its_period() {
        // Periods of 7, 0, 5 and 9 entries, newest first: every page of every size is the same
        // rows read through its period as read from the newest end, and no read skips more
        // than half a period.
        let periods = [7_u64, 0, 5, 9];
        let total: u64 = periods.iter().sum();
        let starts: Vec<u64> = periods
            .iter()
            .scan(0, |acc, n| {
                let s = *acc;
                *acc += n;
                Some(s)
            })
            .collect();
        for limit in 1..8 {
            for offset in 0..total {
                let Some((i, before)) = period_of(periods, offset) else {
                    panic!("{offset} is in the list")
                };
                assert_eq!(before, starts[i]);
                assert!(periods[i] > 0);
                let Some(w) = in_period(offset, limit, before, periods[i]) else {
                    panic!("{offset} is in period {i}")
                };
                assert!(w.offset < periods[i], "{offset} {limit}: {w:?}");
                if offset - before + limit <= periods[i] {
                    assert!(w.offset <= periods[i] / 2, "{offset} {limit}: {w:?}");
                }
                // Entries of the list the read returns, as positions newest first.
                let mut read: Vec<u64> = if w.oldest_first {
                    let last = before + periods[i] - 1;
                    (w.offset..w.offset + w.limit).map(|k| last - k).collect()
                } else {
                    (before + w.offset..(before + w.offset + w.limit).min(total)).collect()
                };
                read.sort_unstable();
                let want: Vec<u64> = (offset..(offset + limit).min(total)).collect();
                assert_eq!(read, want, "{offset} {limit}: {w:?}");
            }
        }
        assert_eq!(period_of(periods, total), None);
        assert_eq!(in_period(3, 20, 5, 4), None);
        assert_eq!(in_period(9, 20, 5, 4), None);
    }

    #[test]
    fn month_bounds() {
        let t = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().ok();
        assert_eq!(month_end("2024-12"), t("2025-01-01T00:00:00Z"));
        assert_eq!(month_end("2024-02"), t("2024-03-01T00:00:00Z"));
        assert_eq!(month_start("2024-02"), t("2024-02-01T00:00:00Z"));
        assert_eq!(month_end("2024-13"), None);
        assert_eq!(month_end("2024"), None);
        assert_eq!(month_start("x-01"), None);
    }
}
