//! This node's search index and what it still has to take in: the [`Feed`] of changed
//! articles (filled by the store's change listener, drained by the indexer in `search/`) and
//! the [`SearchState`] that holds the index once it is open. A leaf: the App holds it, the
//! indexer and the search page use it.

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use zhanqun_core::ArticleId;
use zhanqun_search::SearchIndex;
use zhanqun_store::Change;

/// More changed articles than this at once (a bulk import): rebuild instead.
pub(crate) const REBUILD_OVER: usize = 20_000;

/// What changed since the indexer last ran, and where it is in the change log.
#[derive(Default)]
pub struct Feed {
    pub(crate) pending: Mutex<Pending>,
    pub(crate) wake: tokio::sync::Notify,
    /// Set once this node's index is open (before that, nothing is queued).
    pub(crate) active: AtomicBool,
    pub(crate) building: AtomicBool,
    pub(crate) cursor: tokio::sync::Mutex<Cursor>,
}

#[derive(Default)]
pub(crate) struct Pending {
    pub(crate) articles: BTreeSet<ArticleId>,
    pub(crate) rebuild: bool,
}

#[derive(Default)]
pub(crate) struct Cursor {
    /// Change-log id read up to.
    pub(crate) last: i64,
    /// The change-log id of the last rebuild: a "rebuild everything" at or below it is already
    /// in the index. (The indexer re-reads the last `OVERLAP` ids on every poll; without this,
    /// a rebuild just after a bulk load, whose loads log "everything changed", started a
    /// second one: five more minutes of both cores on a million articles.)
    pub(crate) rebuilt_at: i64,
    pub(crate) seen: HashSet<i64>,
    /// The id recorded in the index with its last commit, and when.
    pub(crate) marked: i64,
    pub(crate) marked_at: Option<Instant>,
}

impl Feed {
    /// Notes a change (the store's change listener calls this after every commit).
    pub fn note(&self, change: &Change) {
        if !self.active.load(Ordering::Relaxed) {
            return;
        }
        {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            match change {
                Change::Article { article, .. } => {
                    if !p.rebuild {
                        p.articles.insert(*article);
                        if p.articles.len() > REBUILD_OVER {
                            p.articles.clear();
                            p.rebuild = true;
                        }
                    }
                }
                Change::All => {
                    p.articles.clear();
                    p.rebuild = true;
                }
                // A site's settings: its name and status are looked up when results are shown.
                Change::Site(_) => return,
            }
        }
        self.wake.notify_one();
    }

    /// Waits until a change is noted.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// Whether a rebuild is under way (results may be incomplete).
    pub fn building(&self) -> bool {
        self.building.load(Ordering::Relaxed)
    }

    pub(crate) fn take(&self) -> (BTreeSet<ArticleId>, bool) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        (
            std::mem::take(&mut p.articles),
            std::mem::take(&mut p.rebuild),
        )
    }
}

/// How a starting node brought its index up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// From the change log: this many articles re-read.
    Replayed(usize),
    /// From the store: this many articles indexed.
    Rebuilt(usize),
}

/// The holder of this node's index.
#[derive(Default)]
pub struct SearchState {
    pub feed: Arc<Feed>,
    pub(crate) index: OnceLock<Arc<SearchIndex>>,
}

impl SearchState {
    pub fn index(&self) -> Option<&Arc<SearchIndex>> {
        self.index.get()
    }
}
