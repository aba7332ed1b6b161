//! Keeps a local search index in step with the store's ordered change log.
//!
//! Publication and withdrawal each write a change-log row in the same transaction as the
//! status change. The index records, in the payload of each of its commits, the last
//! sequence it applied, so index and position move together atomically: after a crash at
//! any point the next start resumes from the last commit, and several servers on one
//! PostgreSQL each follow the same log with their own index.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::index::{IndexChange, SearchIndex};
use crate::store::{ChangeOp, Store};

/// How many change-log rows one index commit takes at most.
const BATCH: i64 = 2_000;

/// Why following failed (the follower logs it and retries).
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("index: {0}")]
    Index(String),
}

/// Applies every change after the index's position; returns how many rows it applied.
pub fn catch_up(store: &Store, index: &SearchIndex) -> Result<u64, FollowError> {
    let mut applied = 0u64;
    loop {
        let from = index.last_applied_seq();
        let rows = store.changes_since(from, BATCH)?;
        let Some(last) = rows.last().map(|r| r.seq) else {
            // Nothing new: finish a purge of deleted documents that failed before.
            index
                .purge_if_owed()
                .map_err(|e| FollowError::Index(e.to_string()))?;
            return Ok(applied);
        };
        let published: Vec<_> = rows
            .iter()
            .filter(|r| r.op == ChangeOp::Publish)
            .map(|r| r.case_id.clone())
            .collect();
        let mut views: std::collections::HashMap<_, _> = store
            .published_views(&published)?
            .into_iter()
            .filter_map(|v| v.id.clone().map(|id| (id, v)))
            .collect();
        let changes: Vec<IndexChange> = rows
            .iter()
            .map(|r| match r.op {
                // A case published and since withdrawn is no longer published: delete.
                ChangeOp::Publish => match views.remove(&r.case_id) {
                    Some(view) => IndexChange::Upsert(view),
                    None => IndexChange::Delete(r.case_id.clone()),
                },
                ChangeOp::Withdraw => IndexChange::Delete(r.case_id.clone()),
            })
            .collect();
        index
            .apply(&changes, last)
            .map_err(|e| FollowError::Index(e.to_string()))?;
        applied += rows.len() as u64;
    }
}

/// Wakes the follower early (after a publication through this server).
#[derive(Clone, Default)]
pub struct Nudge(Arc<(Mutex<bool>, Condvar)>);

impl Nudge {
    /// Asks the follower to look at the change log now.
    pub fn nudge(&self) {
        let (flag, cv) = &*self.0;
        if let Ok(mut pending) = flag.lock() {
            *pending = true;
            cv.notify_one();
        }
    }

    fn wait(&self, timeout: Duration) {
        let (flag, cv) = &*self.0;
        if let Ok(pending) = flag.lock() {
            if let Ok((mut pending, _)) = cv.wait_timeout_while(pending, timeout, |p| !*p) {
                *pending = false;
            }
        }
    }
}

/// The background follower thread.
pub struct Follower {
    stop: Arc<AtomicBool>,
    nudge: Nudge,
    handle: Option<JoinHandle<()>>,
}

impl Follower {
    /// Starts following: at once, then on every nudge and every `interval` (which is what
    /// brings in changes made through other servers).
    pub fn spawn(store: Store, index: Arc<SearchIndex>, interval: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let nudge = Nudge::default();
        let handle = {
            let stop = stop.clone();
            let nudge = nudge.clone();
            std::thread::Builder::new()
                .name("index-follower".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        match catch_up(&store, &index) {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(changes = n, "index caught up"),
                            Err(e) => tracing::warn!(error = %e, "index follower: will retry"),
                        }
                        nudge.wait(interval);
                    }
                })
                .ok()
        };
        Follower {
            stop,
            nudge,
            handle,
        }
    }

    /// A handle to wake the follower.
    pub fn nudger(&self) -> Nudge {
        self.nudge.clone()
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.nudge.nudge();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
