//! The store: organizations, users, tokens, cases (shared view + status), sealed
//! originals, the audit log and the change log that search indexes follow.
//!
//! One code path for SQLite and PostgreSQL (diesel `MultiConnection`). Every state change
//! of a case is one transaction together with its audit entry and, for publication and
//! withdrawal, its change-log row. All calls block: run them off the async executor.

mod cases;
mod connection;
mod discussions;
mod facts;
#[cfg(test)]
mod plans;
mod schema;
mod users;

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;

use crate::audit::{self, AuditAction, AuditEntry, AuditEvent, Checkpoint};
use crate::seal::AuditSigningKey;
pub use cases::{
    CaseFilter, CaseOrder, CaseRecord, CaseSummary, ChangeOp, IndexChangeRow, NewCase,
    PublishedText, SubmitOutcome,
};
pub use connection::{Backend, DatabaseUrl, DbConnection, Pool};
pub use discussions::TakeawaysUpdate;
pub use facts::FactsFilter;
pub use users::OrgRecord;
pub use users::{TokenId, TokenKind, TokenRecord, UserRecord, DEFAULT_TOKEN_DAYS};

/// What went wrong in the store. Messages never contain case content.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("a case in status {from} cannot be {to}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
    },
    /// A manual redaction whose text is not in the field it names.
    #[error("the text to redact does not occur in the field named")]
    NotInField,
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// A grouped audit commit failed (the message of the failure, shared by every entry
    /// of the group).
    #[error("the audit entry could not be written: {0}")]
    Audit(String),
}

impl From<diesel::ConnectionError> for StoreError {
    fn from(e: diesel::ConnectionError) -> Self {
        StoreError::Connect(e.to_string())
    }
}

/// seq, at, actor, action, subject, detail, prev_hash, hash.
type AuditRow = (
    i64,
    NaiveDateTime,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
);

/// An `audit_log` row as an entry.
fn audit_entry((seq, at, actor, action, subject, detail, prev_hash, hash): AuditRow) -> AuditEntry {
    AuditEntry {
        seq,
        at,
        actor,
        action,
        subject,
        detail,
        prev_hash,
        hash,
    }
}

/// Which audit entries [`Store::audit_entries`] lists; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The stored action name.
    pub action: Option<String>,
    pub actor: Option<String>,
    pub subject: Option<String>,
    /// At or after (UTC).
    pub since: Option<NaiveDateTime>,
    /// The newest this many.
    pub limit: Option<i64>,
}

/// A handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    url: DatabaseUrl,
    /// Serializes this process's write transactions. Every write appends to the audit
    /// chain and so takes the database's write lock anyway; queueing here instead of in
    /// SQLite's busy handler (which sleeps in steps of up to 100 ms) keeps latency flat
    /// under concurrent requests.
    writer: std::sync::Arc<std::sync::Mutex<()>>,
    /// Audit entries waiting to be written by whichever caller holds the writer next
    /// (group commit: many reads' entries in one transaction).
    audit_queue: std::sync::Arc<std::sync::Mutex<Vec<QueuedAudit>>>,
    /// Audit commits made by [`Store::audit`] since this handle's store was opened.
    audit_commits: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The CRP measures' facts, decoded, as of a facts version.
    facts_cache: facts::FactsCache,
}

/// An entry waiting for the next audit commit, and where to say how it went.
struct QueuedAudit {
    event: AuditEvent,
    done: std::sync::mpsc::Sender<Result<(), String>>,
}

/// Now, at the precision both engines keep (microseconds).
pub(crate) fn now() -> NaiveDateTime {
    let t = chrono::Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

impl Store {
    /// Held for the length of a write transaction (see [`Store::writer`]).
    pub(crate) fn write_guard(&self) -> std::sync::MutexGuard<'_, ()> {
        // A panic while holding it poisons nothing that matters: the transaction was
        // rolled back by the database.
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Connects, runs the migrations and builds a pool.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let url = DatabaseUrl::parse(url)?;
        if let Some(path) = url.sqlite_path() {
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() && !parent.exists() {
                    return Err(StoreError::Config(format!(
                        "the directory of the database {} does not exist (run `safetable init`)",
                        parent.display()
                    )));
                }
            }
        }
        let mut conn = url.connect()?;
        url.migrate(&mut conn)?;
        drop(conn);
        let size = match url.backend() {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = connection::pool(url.clone(), size)?;
        let store = Store {
            pool,
            url,
            writer: Default::default(),
            audit_queue: Default::default(),
            audit_commits: Default::default(),
            facts_cache: Default::default(),
        };
        store.backfill_case_facts()?;
        Ok(store)
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// The parsed URL.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub(crate) fn conn(
        &self,
    ) -> Result<diesel::r2d2::PooledConnection<connection::Manager>, StoreError> {
        self.pool
            .get()
            .map_err(|e| StoreError::Connect(e.to_string()))
    }

    /// Whether the database answers.
    pub fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
        Ok(())
    }

    /// Appends one audit entry, and returns once it is committed. Entries of concurrent
    /// callers are committed together (group commit): each caller queues its entry and
    /// takes the writer; the first to get it writes every queued entry in one transaction,
    /// and the others find theirs done. Under load, sixteen searches cost one commit, not
    /// sixteen; nothing returns before its entry is durable.
    pub fn audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        let (done, result) = std::sync::mpsc::channel();
        self.audit_queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(QueuedAudit {
                event: event.clone(),
                done,
            });
        {
            let _writing = self.write_guard();
            let batch = std::mem::take(
                &mut *self
                    .audit_queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            if !batch.is_empty() {
                let outcome = self.conn().and_then(|mut conn| {
                    conn.transaction(|c| {
                        batch
                            .iter()
                            .try_for_each(|queued| append_audit(c, &queued.event))
                    })
                });
                self.audit_commits
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let shared = outcome.map_err(|e| e.to_string());
                for queued in batch {
                    // A caller that gave up waiting is gone; nothing to tell.
                    let _ = queued.done.send(shared.clone());
                }
            }
        }
        match result.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(StoreError::Audit(message)),
            Err(_) => Err(StoreError::Audit("the audit commit was abandoned".into())),
        }
    }

    /// How many transactions [`Store::audit`] has committed through this store (and its
    /// clones): fewer than its calls when concurrent entries were grouped.
    pub fn audit_commits(&self) -> u64 {
        self.audit_commits
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The entries that match `filter`, oldest first (with a limit, the newest that
    /// match).
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        use schema::audit_log;
        let mut conn = self.conn()?;
        let mut query = audit_log::table.order(audit_log::seq.desc()).into_boxed();
        if let Some(action) = &filter.action {
            query = query.filter(audit_log::action.eq(action.clone()));
        }
        if let Some(actor) = &filter.actor {
            query = query.filter(audit_log::actor.eq(actor.clone()));
        }
        if let Some(subject) = &filter.subject {
            query = query.filter(audit_log::subject.eq(subject.clone()));
        }
        if let Some(since) = filter.since {
            query = query.filter(audit_log::at.ge(since));
        }
        if let Some(limit) = filter.limit {
            query = query.limit(limit);
        }
        let rows: Vec<AuditRow> = query.load(&mut *conn)?;
        Ok(rows.into_iter().rev().map(audit_entry).collect())
    }

    /// The whole audit log in order, and its recorded head.
    pub fn audit_log(&self) -> Result<(Vec<AuditEntry>, (i64, String)), StoreError> {
        use schema::{audit_head, audit_log};
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let rows: Vec<AuditRow> = audit_log::table.order(audit_log::seq.asc()).load(c)?;
            let head: (i64, String) = audit_head::table
                .filter(audit_head::id.eq(1))
                .select((audit_head::seq, audit_head::hash))
                .first(c)?;
            let entries = rows.into_iter().map(audit_entry).collect();
            Ok((entries, head))
        })
    }
}

impl Store {
    /// Signs the current head of the audit chain and records the export, in one
    /// transaction. The checkpoint covers the chain *before* the entry that records it:
    /// that entry (action `audit_checkpoint`) comes right after the head it names, and its
    /// detail holds the checkpoint's sequence, head hash and key id.
    pub fn audit_checkpoint(
        &self,
        key: &AuditSigningKey,
        actor: &str,
    ) -> Result<Checkpoint, StoreError> {
        use schema::audit_head;
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            // Take the chain's write lock first, so that the head read is the head the
            // next entry follows.
            diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
                .set(audit_head::seq.eq(audit_head::seq))
                .execute(c)?;
            let (seq, hash): (i64, String) = audit_head::table
                .filter(audit_head::id.eq(1))
                .select((audit_head::seq, audit_head::hash))
                .first(c)?;
            let checkpoint = Checkpoint::sign(seq, &hash, seq.max(0) as u64, now(), key);
            append_audit(
                c,
                &AuditEvent::new(actor, AuditAction::AuditCheckpoint, None).with_detail(
                    serde_json::json!({
                        "seq": checkpoint.seq,
                        "head_hash": checkpoint.head_hash,
                        "key_id": checkpoint.key_id,
                    }),
                ),
            )?;
            Ok(checkpoint)
        })
    }
}

/// Appends an audit entry inside the caller's transaction. The first statement takes the
/// write lock on the chain head (a row lock on PostgreSQL, the database write lock on
/// SQLite), so that concurrent appends are serialized and the chain stays linear.
pub(crate) fn append_audit(conn: &mut DbConnection, event: &AuditEvent) -> Result<(), StoreError> {
    use schema::{audit_head, audit_log};
    diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set(audit_head::seq.eq(audit_head::seq))
        .execute(conn)?;
    let (head_seq, head_hash): (i64, String) = audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    let seq = head_seq + 1;
    let at = now();
    let action = event.action.as_str();
    let detail = event.detail.to_string();
    let hash = audit::entry_hash(
        &head_hash,
        seq,
        &at,
        &event.actor,
        action,
        event.subject.as_deref(),
        &detail,
    );
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::at.eq(at),
            audit_log::actor.eq(&event.actor),
            audit_log::action.eq(action),
            audit_log::subject.eq(event.subject.as_deref()),
            audit_log::detail.eq(&detail),
            audit_log::prev_hash.eq(&head_hash),
            audit_log::hash.eq(&hash),
        ))
        .execute(conn)?;
    diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set((audit_head::seq.eq(seq), audit_head::hash.eq(&hash)))
        .execute(conn)?;
    Ok(())
}

impl Store {
    /// After content was overwritten (withdrawal, manual redaction): on SQLite, move the
    /// write-ahead log into the database and truncate it, so that old page images (which
    /// `secure_delete` cannot reach) do not linger in the WAL file. A busy checkpoint is
    /// retried by the next one. On PostgreSQL, vacuum the tables that held the content, so
    /// that dead row versions holding it are removed now rather than at autovacuum's leisure.
    pub(crate) fn scrub_wal(&self) {
        if self.backend() != Backend::Sqlite {
            if let Ok(mut conn) = self.conn() {
                if let Err(e) =
                    diesel::sql_query("VACUUM sealed_originals, cases, manual_redactions")
                        .execute(&mut *conn)
                {
                    tracing::warn!(error = %e, "VACUUM after scrubbing failed; autovacuum will follow");
                }
            }
            return;
        }
        if let Ok(mut conn) = self.conn() {
            if let Err(e) = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn)
            {
                tracing::warn!(error = %e, "WAL checkpoint after scrubbing failed; will be retried");
            }
        }
    }

    /// SQLite only: a consistent copy of the live database (`VACUUM INTO`).
    pub fn backup_into(&self, dest: &std::path::Path) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Config("backup_into is for SQLite".into()));
        }
        let path = dest;
        let dest = dest
            .to_str()
            .ok_or_else(|| StoreError::Config("the backup path is not valid UTF-8".into()))?;
        // Created empty and private first (VACUUM INTO fills an empty file), so that the
        // copy is never readable by others, whatever the umask; set again afterwards.
        let private = |r: std::io::Result<()>| {
            r.map_err(|e| StoreError::Config(format!("backup file {dest}: {e}")))
        };
        {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            private(options.open(path).map(drop))?;
        }
        private(crate::setup::make_private(path))?;
        let mut conn = self.conn()?;
        let result = diesel::sql_query("VACUUM INTO ?")
            .bind::<diesel::sql_types::Text, _>(dest)
            .execute(&mut *conn);
        if let Err(e) = result {
            let _ = std::fs::remove_file(path);
            return Err(e.into());
        }
        private(crate::setup::make_private(path))?;
        Ok(())
    }
}
