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
}
