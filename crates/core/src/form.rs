//! The ticket of a public form (a letter, a query): what the form page hands out and the POST
//! must bring back. One sealed value does three jobs, with no state on the server:
//!
//! - **CSRF**: the ticket is bound to its site and opens only with the server's key, and another
//!   origin cannot read the form page to copy it (no CORS on the public listener).
//! - **Human check**: a sum of two small numbers written in Chinese characters (七加五等于几？),
//!   answered as text. It is read aloud by a screen reader, needs no image, no script and no
//!   outside service, and a script that posts blindly cannot answer it without parsing the page.
//! - **Once only**: its nonce is stored with the letter under a unique index, so a second POST of
//!   the same form (a double click, a replay) is told apart from a new letter.
//!
//! A ticket expires after [`TICKET_HOURS`]; one answered faster than [`MIN_FILL_SECONDS`] is
//! refused, as no person reads and fills a form that fast.

use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore;
use chrono::{DateTime, Duration, Utc};

use crate::pii::Keyring;
use crate::{Error, SiteId};

/// How long a form page's ticket stays good.
pub const TICKET_HOURS: i64 = 4;

/// Seconds a person needs at least between opening a form and sending it.
pub const MIN_FILL_SECONDS: i64 = 3;

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// A form's ticket, as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormTicket {
    pub site: SiteId,
    pub issued: DateTime<Utc>,
    /// 32 hex digits: the once-only mark stored with what the form creates.
    pub nonce: String,
    a: u8,
    b: u8,
}

impl FormTicket {
    /// A new ticket for a form of `site`, with a fresh question.
    pub fn new(site: SiteId, now: DateTime<Utc>) -> FormTicket {
        let mut bytes = [0u8; 18];
        OsRng.fill_bytes(&mut bytes);
        FormTicket {
            site,
            // Whole seconds, as sealed.
            issued: DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now),
            nonce: hex::encode(&bytes[..16]),
            a: 2 + bytes[16] % 8,
            b: 1 + bytes[17] % 9,
        }
    }

    /// The human check's question, in words.
    pub fn question(&self) -> String {
        format!(
            "{}加{}等于几？",
            DIGITS[self.a as usize], DIGITS[self.b as usize]
        )
    }

    /// The ticket as the form's hidden field carries it.
    pub fn seal(&self, keys: &Keyring) -> Result<String, Error> {
        keys.seal(
            "form",
            &place(self.site),
            &format!(
                "{}|{}|{}|{}",
                self.issued.timestamp(),
                self.nonce,
                self.a,
                self.b
            ),
        )
    }

    /// The ticket a POST to `site` brought back, if it is one of ours, for this site, and
    /// neither expired nor sent back too fast.
    pub fn open(
        keys: &Keyring,
        site: SiteId,
        sealed: &str,
        now: DateTime<Utc>,
    ) -> Result<FormTicket, Error> {
        let stale =
            || Error::invalid("表单已失效，请重新打开页面填写后再提交（您填写的内容已保留）");
        let plain = keys
            .open("form", &place(site), sealed.trim())
            .map_err(|_| stale())?;
        let mut parts = plain.split('|');
        let (Some(ts), Some(nonce), Some(a), Some(b), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(stale());
        };
        let issued = ts
            .parse::<i64>()
            .ok()
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .ok_or_else(stale)?;
        let (a, b) = (
            a.parse::<u8>().map_err(|_| stale())?,
            b.parse::<u8>().map_err(|_| stale())?,
        );
        if now - issued > Duration::hours(TICKET_HOURS) || issued - now > Duration::minutes(5) {
            return Err(stale());
        }
        if now - issued < Duration::seconds(MIN_FILL_SECONDS) {
            return Err(Error::invalid("提交过快，请核对填写的内容后再提交"));
        }
        Ok(FormTicket {
            site,
            issued,
            nonce: nonce.to_string(),
            a,
            b,
        })
    }

    /// Checks the answer to the question: digits (half or full width) or Chinese numerals.
    pub fn check_answer(&self, answer: &str) -> Result<(), Error> {
        let wrong =
            || Error::invalid("验证问题的答案不正确，请重新计算后填写（填数字即可，如 12）");
        let given = number(answer).ok_or_else(wrong)?;
        if given == u32::from(self.a) + u32::from(self.b) {
            Ok(())
        } else {
            Err(wrong())
        }
    }
}

fn place(site: SiteId) -> String {
    format!("site:{}", site.0)
}

/// A number from 0 to 99 as a person may type it: `12`, `１２`, `十二`, `一十二`.
fn number(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 4 {
        return None;
    }
    let digit = |c: char| -> Option<u32> {
        match c {
            '0'..='9' => c.to_digit(10),
            '０'..='９' => Some(c as u32 - '０' as u32),
            '〇' | '零' => Some(0),
            _ => DIGITS
                .iter()
                .position(|d| d.starts_with(c))
                .map(|p| p as u32),
        }
    };
    if let Some((tens, ones)) = s.split_once('十') {
        let t = if tens.is_empty() {
            1
        } else {
            let mut c = tens.chars();
            let t = digit(c.next()?)?;
            if c.next().is_some() {
                return None;
            }
            t
        };
        let o = if ones.is_empty() {
            0
        } else {
            let mut c = ones.chars();
            let o = digit(c.next()?)?;
            if c.next().is_some() {
                return None;
            }
            o
        };
        return Some(t * 10 + o);
    }
    s.chars()
        .try_fold(0u32, |acc, c| Some(acc * 10 + digit(c)?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn keys() -> Keyring {
        Keyring::parse(&Keyring::new_key_line("k1")).unwrap()
    }

    #[test]
    fn numbers_as_people_type_them() {
        for (s, n) in [
            ("12", 12),
            ("１２", 12),
            (" 7 ", 7),
            ("十二", 12),
            ("一十二", 12),
            ("十", 10),
            ("二十", 20),
            ("七", 7),
            ("零", 0),
        ] {
            assert_eq!(number(s), Some(n), "{s}");
        }
        for s in ["", "abc", "十二三", "1 2", "12345", "=1+1"] {
            assert_eq!(number(s), None, "{s}");
        }
    }

    #[test]
    fn a_ticket_opens_on_its_site_only_and_in_its_time() {
        let k = keys();
        let now = Utc::now();
        let t = FormTicket::new(SiteId(7), now);
        let sealed = t.seal(&k).unwrap();
        let later = now + Duration::seconds(30);
        assert_eq!(FormTicket::open(&k, SiteId(7), &sealed, later).unwrap(), t);
        assert!(FormTicket::open(&k, SiteId(8), &sealed, later).is_err());
        assert!(FormTicket::open(&k, SiteId(7), &sealed, now + Duration::hours(5)).is_err());
        let fast = FormTicket::open(&k, SiteId(7), &sealed, now + Duration::seconds(1));
        assert!(fast.unwrap_err().public_message().contains("过快"));
        assert!(FormTicket::open(&keys(), SiteId(7), &sealed, later).is_err());
        assert!(FormTicket::open(&k, SiteId(7), "v1.k1.00", later).is_err());
    }

    #[test]
    fn the_question_is_in_words_and_its_answer_checked() {
        let t = FormTicket::new(SiteId(1), Utc::now());
        let q = t.question();
        assert!(!q.chars().any(|c| c.is_ascii_digit()), "{q}");
        let sum = u32::from(t.a) + u32::from(t.b);
        assert!(t.check_answer(&sum.to_string()).is_ok());
        assert!(t.check_answer(&(sum + 1).to_string()).is_err());
        assert!(t.check_answer("").is_err());
        // Two tickets in a row rarely share a nonce (16 random bytes).
        assert_ne!(t.nonce, FormTicket::new(SiteId(1), Utc::now()).nonce);
        assert_eq!(t.nonce.len(), 32);
    }
}
