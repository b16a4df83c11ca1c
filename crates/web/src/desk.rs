//! What the letter pages (the `letters` module) need and the App holds: the pages under `/hudong/`,
//! the key ring the writers' personal data is sealed with (loaded, or made on first start), the
//! limits' counters, and the `[letters]` configuration.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use zhanqun_core::letters::LetterKind;
use zhanqun_core::pii::Keyring;
use zhanqun_core::{Error, InterviewId, LetterId, Page, Result, SurveyId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LettersConfig {
    /// The key file the writers' personal data is sealed with (`zhanqun_core::pii`). Empty:
    /// `<data_dir>/letters.key`, made with a new key on first start when missing.
    pub key_file: PathBuf,
    /// Working days to answer, by kind of letter.
    pub days_mailbox: u32,
    pub days_consultation: u32,
    pub days_complaint: u32,
    pub days_suggestion: u32,
    pub days_site_error: u32,
    /// Letters one client address may send in an hour (all sites together); also the answers to
    /// one survey and the questions to one interview from one address in an hour.
    pub per_address_per_hour: u32,
    /// Letters one site takes in an hour (from everyone together).
    pub per_site_per_hour: u32,
    /// 查询码 lookups and ratings one client address may make in an hour.
    pub lookups_per_address_per_hour: u32,
    /// The largest file a writer may send with a letter (at most three go with one).
    pub attachment_max_bytes: u64,
}

impl LettersConfig {
    /// Working days to answer a letter of `kind`.
    pub fn days(&self, kind: zhanqun_core::letters::LetterKind) -> u32 {
        use zhanqun_core::letters::LetterKind::*;
        match kind {
            Mailbox => self.days_mailbox,
            Consultation => self.days_consultation,
            Complaint => self.days_complaint,
            Suggestion => self.days_suggestion,
            SiteError => self.days_site_error,
        }
    }
}

/// A page under `/hudong/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LetterPage {
    /// `/hudong/`: the channels and the published replies.
    Index { page: Page },
    /// `/hudong/xiexin`: the letter form (GET) and sending it (POST).
    Write { kind: Option<LetterKind> },
    /// `/hudong/chaxun`: the 查询码 lookup (GET the form, POST the code).
    Lookup,
    /// `/hudong/pingjia`: the writer rates the reply (POST).
    Rate,
    /// `/hudong/huifu/<id>.html`: one published reply.
    Reply(LetterId),
    /// `/hudong/zhishiku/`: the 知识库, searched by `q` (at most 50 characters).
    Faq { q: Option<String>, page: Page },
    /// `/hudong/zhishiku/xiangsi?q=`: the answered questions most like `q` (what a visitor is
    /// writing), as JSON for the letter form's script; never cached.
    FaqSimilar { q: String },
    /// `/hudong/zhengji/`: the site's surveys (征集调查).
    Surveys,
    /// `/hudong/zhengji/<id>.html`: a survey — its form while open (POST: an answer), its
    /// results once closed.
    Survey(SurveyId),
    /// `/hudong/fangtan/`: the site's online interviews (在线访谈).
    Interviews,
    /// `/hudong/fangtan/<id>.html`: an interview — the published questions and answers (the
    /// transcript afterwards) and, until its end, the question form (POST: a question).
    Interview(InterviewId),
    /// `/ysqgk/`: the 依申请公开 application form (GET) and sending it (POST).
    Disclosure,
    /// `/ysqgk/chaxun`: an application followed with its 查询码 (GET the form, POST the code).
    DisclosureLookup,
    /// `/banshi/shenqing/<id>`: the online application form of a service item (POST: apply).
    Apply(zhanqun_core::ArticleId),
    /// `/banshi/chaxun`: 状态查询 with the 受理编号 and 查询码.
    ApplyLookup,
    /// `/banshi/gongshi`: 结果公示 of finished applications.
    ApplyResults,
}

impl LetterPage {
    /// Parses the path after `/hudong/`. Only the parameters a page reads are looked at.
    pub fn parse(rest: &str, query: &HashMap<String, String>) -> Result<LetterPage> {
        let missing = || Error::not_found("您访问的页面不存在");
        Ok(match rest {
            "" => LetterPage::Index {
                page: Page::parse(query.get("page").map(String::as_str))?,
            },
            "xiexin" => LetterPage::Write {
                kind: query.get("kind").and_then(|k| LetterKind::parse(k).ok()),
            },
            "chaxun" => LetterPage::Lookup,
            "zhengji/" | "zhengji" => LetterPage::Surveys,
            "fangtan/" | "fangtan" => LetterPage::Interviews,
            r if r.starts_with("fangtan/") => {
                let id = r
                    .strip_prefix("fangtan/")
                    .and_then(|r| r.strip_suffix(".html"))
                    .and_then(|n| n.parse::<i64>().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(missing)?;
                LetterPage::Interview(InterviewId(id))
            }
            r if r.starts_with("zhengji/") => {
                let id = r
                    .strip_prefix("zhengji/")
                    .and_then(|r| r.strip_suffix(".html"))
                    .and_then(|n| n.parse::<i64>().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(missing)?;
                LetterPage::Survey(SurveyId(id))
            }
            "zhishiku/xiangsi" => LetterPage::FaqSimilar {
                q: query
                    .get("q")
                    .map(|q| q.trim().chars().take(100).collect())
                    .unwrap_or_default(),
            },
            "zhishiku/" | "zhishiku" => {
                let q = query
                    .get("q")
                    .map(|q| q.trim())
                    .filter(|q| !q.is_empty())
                    .map(|q| q.chars().take(50).collect());
                LetterPage::Faq {
                    q,
                    page: Page::parse(query.get("page").map(String::as_str))?,
                }
            }
            "pingjia" => LetterPage::Rate,
            r => {
                let id = r
                    .strip_prefix("huifu/")
                    .and_then(|r| r.strip_suffix(".html"))
                    .and_then(|n| n.parse::<i64>().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(missing)?;
                LetterPage::Reply(LetterId(id))
            }
        })
    }

    /// Parses the path after `/ysqgk/` (依申请公开).
    pub fn parse_disclosure(rest: &str) -> Result<LetterPage> {
        match rest {
            "" => Ok(LetterPage::Disclosure),
            "chaxun" => Ok(LetterPage::DisclosureLookup),
            _ => Err(Error::not_found("您访问的页面不存在")),
        }
    }

    /// Parses the path after `/banshi/` (the catalogue itself is not a page here).
    pub fn parse_services(rest: &str) -> Result<LetterPage> {
        let missing = || Error::not_found("您访问的页面不存在");
        match rest {
            "chaxun" => Ok(LetterPage::ApplyLookup),
            "gongshi" | "gongshi/" => Ok(LetterPage::ApplyResults),
            r => {
                let id = r
                    .strip_prefix("shenqing/")
                    .and_then(|n| n.parse::<i64>().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(missing)?;
                Ok(LetterPage::Apply(zhanqun_core::ArticleId(id)))
            }
        }
    }

    /// Whether the page takes a POST.
    pub fn takes_post(&self) -> bool {
        matches!(
            self,
            LetterPage::Write { .. }
                | LetterPage::Lookup
                | LetterPage::Rate
                | LetterPage::Survey(_)
                | LetterPage::Interview(_)
                | LetterPage::Disclosure
                | LetterPage::DisclosureLookup
                | LetterPage::Apply(_)
                | LetterPage::ApplyLookup
        )
    }
}

/// What the letter pages need besides the store: the key ring and the limits' counters.
pub struct Desk {
    keys: Keyring,
    limits: Limiter,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").field("keys", &self.keys).finish()
    }
}

impl Desk {
    /// Opens the key file `path`; when it is the default one (`<data_dir>/letters.key`,
    /// `made_here`), it is made with a new key if missing. A configured one must exist.
    pub fn open(path: &Path, made_here: bool) -> Result<Desk> {
        if !path.exists() && made_here {
            write_new_key_file(path)?;
            tracing::info!(path = %path.display(), "made a new key file for the letters' personal data");
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid(format!(
                "配置错误：无法读取留言个人信息密钥文件 {}：{e}",
                path.display()
            ))
        })?;
        Ok(Desk {
            keys: Keyring::parse(&text)?,
            limits: Limiter::new(),
        })
    }

    /// The keys personal data is sealed with.
    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// Counts a hit on `key` and answers the count within its hour, this one included.
    pub fn hit(&self, key: &str) -> u32 {
        self.limits.add(key)
    }

    /// The count of `key` within its hour.
    pub fn hits(&self, key: &str) -> u32 {
        self.limits.count(key)
    }
}

/// Writes a key file with one new key, readable by its owner only.
fn write_new_key_file(path: &Path) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |e: std::io::Error| {
        Error::internal(format!("cannot write key file {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let id = format!("k{}", Utc::now().format("%Y%m%d"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(fail)?;
    writeln!(
        f,
        "# zhanqun: keys of the letter writers' personal data, newest first (docs/LETTERS.md).\n\
         # Keep this file secret and apart from the database and its backups.\n{}",
        Keyring::new_key_line(&id)
    )
    .map_err(fail)?;
    f.sync_all().map_err(fail)
}

/// Counts per key over a fixed hour from the first hit (a bounded in-memory map: per node; a
/// cluster of N nodes lets through N times the limit at most).
struct Limiter {
    hits: moka::sync::Cache<String, Arc<AtomicU32>>,
}

impl Limiter {
    fn new() -> Limiter {
        Limiter {
            hits: moka::sync::Cache::builder()
                .max_capacity(200_000)
                .time_to_live(std::time::Duration::from_secs(3600))
                .build(),
        }
    }

    fn count(&self, key: &str) -> u32 {
        self.hits.get(key).map_or(0, |c| c.load(Ordering::Relaxed))
    }

    fn add(&self, key: &str) -> u32 {
        self.hits
            .get_with(key.to_string(), || Arc::new(AtomicU32::new(0)))
            .fetch_add(1, Ordering::Relaxed)
            + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::tests::q;

    #[test]
    fn pages_under_hudong() {
        let none = q(&[]);
        assert_eq!(
            LetterPage::parse("", &none).ok(),
            Some(LetterPage::Index { page: Page::FIRST })
        );
        assert_eq!(
            LetterPage::parse("xiexin", &q(&[("kind", "complaint")])).ok(),
            Some(LetterPage::Write {
                kind: Some(LetterKind::Complaint)
            })
        );
        assert_eq!(
            LetterPage::parse("xiexin", &q(&[("kind", "<x>")])).ok(),
            Some(LetterPage::Write { kind: None })
        );
        assert_eq!(
            LetterPage::parse("huifu/12.html", &none).ok(),
            Some(LetterPage::Reply(LetterId(12)))
        );
        for bad in ["huifu/0.html", "huifu/x.html", "huifu/12", "other"] {
            assert!(LetterPage::parse(bad, &none).is_err(), "{bad}");
        }
        assert!(LetterPage::parse("", &q(&[("page", "0")])).is_err());
    }
}
