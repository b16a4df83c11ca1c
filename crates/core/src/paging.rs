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

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
