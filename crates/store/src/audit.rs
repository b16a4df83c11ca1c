//! The audit log (安全审计, GB/T 22239-2019 level 3): every back-office action with UTC time,
//! actor, role, site, client address, action, object, outcome and request id.
//!
//! Append-only and hash-chained: each row's hash is SHA-256 over the previous hash and the row's
//! fields; `audit_head` holds the newest position and hash, updated in the same transaction, so
//! appends from several processes serialise on that row and deleting the newest rows shows too.
//! A purge may only remove rows older than the retention floor (180 days) and leaves an anchor
//! (the last purged position and hash) from which verification continues.

use crate::BeginWrite;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zhanqun_core::{Error, Result};

use crate::{Store, db_err, fetch, on_pool};

/// The shortest retention the law allows (网络安全法: network logs kept at least six months).
pub const MIN_RETENTION_DAYS: i64 = 180;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    /// The outcome of an action that was allowed (`Success`) or refused (`Failure`).
    pub fn of(ok: bool) -> Outcome {
        if ok {
            Outcome::Success
        } else {
            Outcome::Failure
        }
    }
}

/// One back-office action, as the caller describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: String,
    pub role: String,
    pub site_code: Option<String>,
    pub client: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

impl AuditEntry {
    /// The audit record of what the public does through a form of the site `site_code`:
    /// `action` on `object`, successful, with no account, client address or request id.
    pub fn public(
        site_code: impl Into<String>,
        action: &str,
        object: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            actor: "public".into(),
            role: "public".into(),
            site_code: Some(site_code.into()),
            client: None,
            action: action.into(),
            object: Some(object.into()),
            outcome: Outcome::Success,
            request_id: None,
            detail: None,
        }
    }
}

/// A stored audit record.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub site_code: Option<String>,
    pub client: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
    pub request_id: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditReport {
    pub rows: u64,
    pub first_seq: i64,
    pub last_seq: i64,
    pub problems: Vec<String>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Appends one audit record inside the caller's transaction `$tx` and evaluates to its position:
/// an action and its audit record commit together or not at all (fail closed).
macro_rules! append_audit {
    ($tx:expr, $entry:expr) => {{
        let entry: &$crate::AuditEntry = $entry;
        let at = $crate::now();
        // Writing first takes the write lock (SQLite) or the row lock (PostgreSQL): appends
        // from every process are serialised here.
        let (seq, prev): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *$tx)
                .await
                .map_err($crate::db_err)?;
        let hash = $crate::audit::chain_hash(
            &prev,
            seq,
            &at,
            &$crate::audit::AuditRecordFields::from(entry),
        );
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, role, site_code, client, action, object, outcome, request_id, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(seq)
        .bind(at)
        .bind(&entry.actor)
        .bind(&entry.role)
        .bind(&entry.site_code)
        .bind(&entry.client)
        .bind(&entry.action)
        .bind(&entry.object)
        .bind(entry.outcome.as_str())
        .bind(&entry.request_id)
        .bind(&entry.detail)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *$tx)
        .await
        .map_err($crate::db_err)?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut *$tx)
            .await
            .map_err($crate::db_err)?;
        seq
    }};
}
pub(crate) use append_audit;

/// Appends `$entry` to the audit log and commits `$tx`: a write and its audit record land
/// together or not at all.
macro_rules! commit_audited {
    ($tx:expr, $entry:expr) => {{
        $crate::audit::append_audit!($tx, $entry);
        $tx.commit().await.map_err($crate::db_err)?;
    }};
}
pub(crate) use commit_audited;

/// Runs `$insert` (an `INSERT … RETURNING id` query, not yet fetched) and appends `$entry` to
/// the audit log, in one write transaction: the row and its audit record land together or not
/// at all. Evaluates to the new row's id or the error, for the caller to map (a unique-key
/// conflict, say).
macro_rules! insert_audited {
    ($store:expr, $insert:expr, $entry:expr) => {
        async {
            $crate::on_pool!($store, |p| {
                let mut tx = $crate::BeginWrite::begin_write(p)
                    .await
                    .map_err($crate::db_err)?;
                let id: i64 = $insert.fetch_one(&mut *tx).await.map_err($crate::db_err)?;
                $crate::audit::commit_audited!(tx, $entry);
                Ok::<i64, zhanqun_core::Error>(id)
            })
        }
        .await
    };
}
pub(crate) use insert_audited;

/// SHA-256 (hex) over the previous hash and the row's fields, in a fixed, unambiguous encoding.
pub(crate) fn chain_hash(
    prev: &str,
    seq: i64,
    at: &DateTime<Utc>,
    e: &AuditRecordFields<'_>,
) -> String {
    #[derive(Serialize)]
    struct Canon<'a> {
        prev: &'a str,
        seq: i64,
        at: String,
        fields: &'a AuditRecordFields<'a>,
    }
    let canon = Canon {
        prev,
        seq,
        at: at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        fields: e,
    };
    let bytes = serde_json::to_vec(&canon).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

#[derive(Serialize)]
pub(crate) struct AuditRecordFields<'a> {
    actor: &'a str,
    role: &'a str,
    site_code: Option<&'a str>,
    client: Option<&'a str>,
    action: &'a str,
    object: Option<&'a str>,
    outcome: &'a str,
    request_id: Option<&'a str>,
    detail: Option<&'a str>,
}

impl<'a> From<&'a AuditEntry> for AuditRecordFields<'a> {
    fn from(e: &'a AuditEntry) -> Self {
        AuditRecordFields {
            actor: &e.actor,
            role: &e.role,
            site_code: e.site_code.as_deref(),
            client: e.client.as_deref(),
            action: &e.action,
            object: e.object.as_deref(),
            outcome: e.outcome.as_str(),
            request_id: e.request_id.as_deref(),
            detail: e.detail.as_deref(),
        }
    }
}

impl<'a> From<&'a AuditRecord> for AuditRecordFields<'a> {
    fn from(r: &'a AuditRecord) -> Self {
        AuditRecordFields {
            actor: &r.actor,
            role: &r.role,
            site_code: r.site_code.as_deref(),
            client: r.client.as_deref(),
            action: &r.action,
            object: r.object.as_deref(),
            outcome: &r.outcome,
            request_id: r.request_id.as_deref(),
            detail: r.detail.as_deref(),
        }
    }
}

impl Store {
    /// Appends one record; returns its position in the chain. Fails (and the caller's action
    /// must fail with it) when the record cannot be written.
    pub async fn audit(&self, entry: &AuditEntry) -> Result<i64> {
        if entry.actor.trim().is_empty() || entry.action.trim().is_empty() {
            return Err(Error::invalid("审计记录缺少操作人或操作"));
        }
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            let seq = append_audit!(tx, entry);
            tx.commit().await.map_err(db_err)?;
            Ok(seq)
        })
    }

    /// Records, newest first.
    pub async fn audit_records(&self, limit: u64, offset: u64) -> Result<Vec<AuditRecord>> {
        fetch!(self, all, sqlx::query_as(
            "SELECT seq, at, actor, role, site_code, client, action, object, outcome, request_id, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq DESC LIMIT $1 OFFSET $2"
        )
        .bind(limit as i64)
        .bind(offset as i64))
    }

    /// Walks the whole chain: recomputes every hash, checks every link and that positions are
    /// contiguous from the purge anchor to the head.
    pub async fn audit_verify(&self) -> Result<AuditReport> {
        let (head_seq, head_hash, anchor_seq, anchor_hash): (i64, String, i64, String) = fetch!(
            self,
            one,
            sqlx::query_as(
                "SELECT seq, hash, anchor_seq, anchor_hash FROM audit_head WHERE id = 1"
            )
        )?;
        let mut report = AuditReport {
            first_seq: anchor_seq + 1,
            last_seq: anchor_seq,
            ..Default::default()
        };
        let (mut expect_seq, mut prev) = (anchor_seq + 1, anchor_hash);
        let mut after = anchor_seq;
        loop {
            let rows: Vec<AuditRecord> = fetch!(self, all, sqlx::query_as(
                "SELECT seq, at, actor, role, site_code, client, action, object, outcome, request_id, detail, prev_hash, hash \
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000"
            )
            .bind(after))?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                if r.seq != expect_seq {
                    report.problems.push(format!(
                        "第 {expect_seq}–{} 条记录缺失（被删除）",
                        r.seq - 1
                    ));
                }
                if r.prev_hash != prev {
                    report
                        .problems
                        .push(format!("第 {} 条记录与前一条的链接不符", r.seq));
                }
                let computed = chain_hash(&r.prev_hash, r.seq, &r.at, &AuditRecordFields::from(r));
                if computed != r.hash {
                    report
                        .problems
                        .push(format!("第 {} 条记录的内容被改动（哈希不符）", r.seq));
                }
                prev = r.hash.clone();
                expect_seq = r.seq + 1;
                report.rows += 1;
                report.last_seq = r.seq;
            }
            after = rows.last().map(|r| r.seq).unwrap_or(after);
        }
        if report.last_seq != head_seq {
            report.problems.push(format!(
                "链尾应为第 {head_seq} 条，实际为第 {} 条：最新的记录被删除",
                report.last_seq
            ));
        } else if prev != head_hash {
            report.problems.push("链尾哈希与记录不符".to_string());
        }
        Ok(report)
    }

    /// Deletes records older than `before`, refusing to go below the retention floor measured
    /// from `now`. Leaves an anchor so the rest of the chain still verifies.
    pub async fn audit_purge(&self, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64> {
        let floor = now - chrono::Duration::days(MIN_RETENTION_DAYS);
        if before > floor {
            return Err(Error::invalid(format!(
                "审计日志至少保留 {MIN_RETENTION_DAYS} 天：只能清理 {} 之前的记录",
                floor.format("%Y-%m-%d")
            )));
        }
        on_pool!(self, |p| {
            let mut tx = p.begin_write().await.map_err(db_err)?;
            sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let last: Option<(i64, String)> = sqlx::query_as(
                "SELECT seq, hash FROM audit_log WHERE at < $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(before)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
            let Some((seq, hash)) = last else {
                return Ok(0);
            };
            // Only a prefix of the chain is ever removed, so verification can continue.
            let n = sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
                .bind(seq)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            sqlx::query("UPDATE audit_head SET anchor_seq = $1, anchor_hash = $2 WHERE id = 1")
                .bind(seq)
                .bind(&hash)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(n)
        })
    }
}
