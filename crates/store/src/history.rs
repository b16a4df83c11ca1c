//! What an article went through, written inside the caller's transaction: its revisions, its
//! workflow events, and the change the page cache and the search index hear about.

/// Writes a revision row inside a transaction.
macro_rules! record_revision {
    ($tx:expr, $article:expr, $rev:expr, $account:expr, $input:expr, $ts:expr) => {{
        let input: &$crate::ArticleInput = &$input;
        sqlx::query(
            "INSERT INTO revisions (article_id, rev, at, account_id, title, body_html, fields) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($article)
        .bind($rev)
        .bind($ts)
        .bind($account)
        .bind(input.title.trim())
        .bind(&input.body_html)
        .bind($crate::input::revision_fields(input))
        .execute(&mut *$tx)
        .await
        .map_err($crate::db_err)?;
    }};
}
pub(crate) use record_revision;

/// Writes a workflow event row inside a transaction.
macro_rules! record_event {
    ($tx:expr, $article:expr, $account:expr, $action:expr, $from:expr, $to:expr, $reason:expr, $ts:expr) => {{
        sqlx::query(
            "INSERT INTO article_events (article_id, at, account_id, action, from_status, to_status, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($article)
        .bind($ts)
        .bind($account)
        .bind($action)
        .bind($from)
        .bind($to)
        .bind($reason)
        .execute(&mut *$tx)
        .await
        .map_err($crate::db_err)?;
    }};
}
pub(crate) use record_event;

/// The change of an article for the page cache: every place it is shown, and its policy.
macro_rules! article_change {
    ($tx:expr, $id:expr) => {{
        let placements: Vec<(i64, i64)> =
            sqlx::query_as("SELECT site_id, column_id FROM placements WHERE article_id = $1")
                .bind($id)
                .fetch_all(&mut *$tx)
                .await
                .map_err($crate::db_err)?;
        let policy: Option<i64> =
            sqlx::query_scalar("SELECT interprets_id FROM articles WHERE id = $1")
                .bind($id)
                .fetch_one(&mut *$tx)
                .await
                .map_err($crate::db_err)?;
        $crate::Change::Article {
            article: zhanqun_core::ArticleId($id),
            placements: placements
                .into_iter()
                .map(|(s, c)| (zhanqun_core::SiteId(s), zhanqun_core::ColumnId(c)))
                .collect(),
            related: policy.map(zhanqun_core::ArticleId).into_iter().collect(),
        }
    }};
}
pub(crate) use article_change;

/// Logs `$change` in the change log and commits `$tx`; evaluates to the change, for the
/// listeners to hear after the commit.
macro_rules! commit_change {
    ($store:expr, $tx:expr, $change:expr) => {{
        let change = $change;
        $crate::log_change!($store, $tx, &change);
        $tx.commit().await.map_err($crate::db_err)?;
        change
    }};
}
pub(crate) use commit_change;

/// Logs the change of article `$id` (every place it is shown, its policy) and commits `$tx`;
/// evaluates to the change, for the listeners to hear after the commit.
macro_rules! commit_article_change {
    ($store:expr, $tx:expr, $id:expr) => {
        $crate::history::commit_change!($store, $tx, $crate::history::article_change!($tx, $id))
    };
}
pub(crate) use commit_article_change;
