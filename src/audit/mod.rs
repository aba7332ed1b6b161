//! The audit log: append-only and hash-chained. Each entry's hash is SHA-256 over the
//! previous entry's hash and the entry itself, so a changed, removed or reordered entry
//! breaks the chain at that point; the head (last sequence and hash) is kept beside the
//! log so that removing the newest entries is found too.
//!
//! Entries record who did what to which case, never case content.
//!
//! The chain alone cannot tell a rewritten whole from the original: [`checkpoint`] signs
//! its head with a key kept outside the database.

pub mod checkpoint;

pub use checkpoint::{Checkpoint, CheckpointError};

use chrono::NaiveDateTime;
use ring::digest;
use serde::Serialize;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Submit,
    Replace,
    Publish,
    Return,
    ManualRedaction,
    Withdraw,
    CaseView,
    CaseList,
    Search,
    Similar,
    Decrypt,
    Login,
    TokenCreate,
    OrgCreate,
    UserCreate,
    Reindex,
    Backup,
    Reredact,
    TokenRevoke,
    /// A signed checkpoint was exported; its detail names the head it covers.
    AuditCheckpoint,
    /// A sealed original's ciphertext was written to a file (still encrypted).
    OriginalExport,
    /// A sign-in with a wrong password (the account is the subject when it exists).
    LoginFailure,
    /// A signed-in user ended their session.
    Logout,
    /// A user chose a new password.
    PasswordChange,
    /// A user was disabled.
    UserDisable,
    /// An organization was given another name to redact.
    OrgAlias,
    /// CRP measures were read (page, API, CSV or board report); the detail names the
    /// filters and the form, never a figure.
    Measures,
    /// A safe-table discussion was created.
    DiscussionCreate,
    /// A discussion's fields, cases, questions or order changed; the detail says which.
    DiscussionEdit,
    DiscussionPublish,
    /// A participant accepted a discussion's confidentiality statement.
    DiscussionAttest,
    /// A discussion was read (page or API).
    DiscussionView,
    /// A discussion's packet was downloaded or printed; the detail names the form.
    PacketDownload,
    DiscussionTakeaways,
    DiscussionAttendance,
}

impl AuditAction {
    /// Every action, in the order declared.
    pub const ALL: [AuditAction; 35] = [
        AuditAction::Submit,
        AuditAction::Replace,
        AuditAction::Publish,
        AuditAction::Return,
        AuditAction::ManualRedaction,
        AuditAction::Withdraw,
        AuditAction::CaseView,
        AuditAction::CaseList,
        AuditAction::Search,
        AuditAction::Similar,
        AuditAction::Decrypt,
        AuditAction::Login,
        AuditAction::TokenCreate,
        AuditAction::OrgCreate,
        AuditAction::UserCreate,
        AuditAction::Reindex,
        AuditAction::Backup,
        AuditAction::Reredact,
        AuditAction::TokenRevoke,
        AuditAction::AuditCheckpoint,
        AuditAction::OriginalExport,
        AuditAction::LoginFailure,
        AuditAction::Logout,
        AuditAction::PasswordChange,
        AuditAction::UserDisable,
        AuditAction::OrgAlias,
        AuditAction::Measures,
        AuditAction::DiscussionCreate,
        AuditAction::DiscussionEdit,
        AuditAction::DiscussionPublish,
        AuditAction::DiscussionAttest,
        AuditAction::DiscussionView,
        AuditAction::PacketDownload,
        AuditAction::DiscussionTakeaways,
        AuditAction::DiscussionAttendance,
    ];

    /// The action with this stored name.
    pub fn from_stored(name: &str) -> Option<AuditAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Submit => "submit",
            AuditAction::Replace => "replace",
            AuditAction::Publish => "publish",
            AuditAction::Return => "return",
            AuditAction::ManualRedaction => "manual_redaction",
            AuditAction::Withdraw => "withdraw",
            AuditAction::CaseView => "case_view",
            AuditAction::CaseList => "case_list",
            AuditAction::Search => "search",
            AuditAction::Similar => "similar",
            AuditAction::Decrypt => "decrypt",
            AuditAction::Login => "login",
            AuditAction::TokenCreate => "token_create",
            AuditAction::OrgCreate => "org_create",
            AuditAction::UserCreate => "user_create",
            AuditAction::Reindex => "reindex",
            AuditAction::Backup => "backup",
            AuditAction::Reredact => "reredact",
            AuditAction::TokenRevoke => "token_revoke",
            AuditAction::AuditCheckpoint => "audit_checkpoint",
            AuditAction::OriginalExport => "original_export",
            AuditAction::LoginFailure => "login_failure",
            AuditAction::Logout => "logout",
            AuditAction::PasswordChange => "password_change",
            AuditAction::UserDisable => "user_disable",
            AuditAction::OrgAlias => "org_alias",
            AuditAction::Measures => "measures",
            AuditAction::DiscussionCreate => "discussion_create",
            AuditAction::DiscussionEdit => "discussion_edit",
            AuditAction::DiscussionPublish => "discussion_publish",
            AuditAction::DiscussionAttest => "discussion_attest",
            AuditAction::DiscussionView => "discussion_view",
            AuditAction::PacketDownload => "packet_download",
            AuditAction::DiscussionTakeaways => "discussion_takeaways",
            AuditAction::DiscussionAttendance => "discussion_attendance",
        }
    }
}

/// An event to append: the chain fields are filled in by the store.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// `user:ID`, `cli`, or `system`.
    pub actor: String,
    pub action: AuditAction,
    /// The case (or other object) concerned.
    pub subject: Option<String>,
    /// Small JSON object of non-identifying details (filters of a search, a reason).
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// An event with no details.
    pub fn new(actor: impl Into<String>, action: AuditAction, subject: Option<String>) -> Self {
        AuditEvent {
            actor: actor.into(),
            action,
            subject,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    /// Adds details.
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of the empty chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry given its predecessor's hash. Every field is length-prefixed so
/// that no two different entries serialize alike.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &NaiveDateTime,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    detail: &str,
) -> String {
    let mut ctx = digest::Context::new(&digest::SHA256);
    let at = at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let seq = seq.to_string();
    for part in [
        prev_hash,
        seq.as_str(),
        at.as_str(),
        actor,
        action,
        subject.unwrap_or("\u{0}"),
        detail,
    ] {
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part.as_bytes());
    }
    hex::encode(ctx.finish().as_ref())
}

/// The first problem `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit log broken at entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks a whole log, entries in the order stored (by sequence), against the recorded
/// head. Returns the number of entries checked.
pub fn verify<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
    head: Option<(i64, &str)>,
) -> Result<u64, ChainBreak> {
    let mut prev_hash = GENESIS.to_owned();
    let mut expected_seq = 1i64;
    let mut count = 0u64;
    for e in entries {
        if e.seq != expected_seq {
            return Err(ChainBreak {
                seq: expected_seq,
                reason: format!("entry missing or out of order (found sequence {})", e.seq),
            });
        }
        if e.prev_hash != prev_hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "does not follow the previous entry".into(),
            });
        }
        let h = entry_hash(
            &e.prev_hash,
            e.seq,
            &e.at,
            &e.actor,
            &e.action,
            e.subject.as_deref(),
            &e.detail,
        );
        if h != e.hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "content changed since it was written".into(),
            });
        }
        prev_hash = h;
        expected_seq += 1;
        count += 1;
    }
    let last = expected_seq - 1;
    match head {
        Some((seq, hash)) if seq != last || hash != prev_hash => Err(ChainBreak {
            seq: last + 1,
            reason: format!("the log ends at {last} but its recorded head is entry {seq}"),
        }),
        None if last > 0 => Err(ChainBreak {
            seq: 1,
            reason: "the log has entries but no recorded head".into(),
        }),
        _ => Ok(count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .unwrap()
            .naive_utc();
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let detail = format!("{{\"n\":{seq}}}");
                let hash = entry_hash(&prev, seq, &at, "user:1", "publish", Some("abc"), &detail);
                let e = AuditEntry {
                    seq,
                    at,
                    actor: "user:1".into(),
                    action: "publish".into(),
                    subject: Some("abc".into()),
                    detail,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn head(log: &[AuditEntry]) -> Option<(i64, &str)> {
        log.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn every_action_has_a_distinct_stored_name() {
        let mut names: Vec<_> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_stored(a.as_str()), Some(a));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AuditAction::ALL.len());
        assert_eq!(AuditAction::from_stored("nonsense"), None);
    }

    #[test]
    fn intact_chain_verifies() {
        let log = chain(5);
        assert_eq!(verify(&log, head(&log)), Ok(5));
        assert_eq!(verify(&[], None), Ok(0));
    }

    #[test]
    fn changed_entry_is_found() {
        let mut log = chain(5);
        let h = head(&log).map(|(s, h)| (s, h.to_owned()));
        log[2].actor = "user:2".into();
        let err = verify(&log, h.as_ref().map(|(s, h)| (*s, h.as_str()))).unwrap_err();
        assert_eq!(err.seq, 3);
    }

    #[test]
    fn removed_entry_is_found() {
        let mut log = chain(5);
        let h = head(&log).map(|(s, h)| (s, h.to_owned()));
        log.remove(1);
        let err = verify(&log, h.as_ref().map(|(s, h)| (*s, h.as_str()))).unwrap_err();
        assert_eq!(err.seq, 2);
        // Removing the newest entry is caught by the head.
        let mut log = chain(5);
        let h = head(&log).map(|(s, h)| (s, h.to_owned()));
        log.pop();
        let err = verify(&log, h.as_ref().map(|(s, h)| (*s, h.as_str()))).unwrap_err();
        assert_eq!(err.seq, 5);
    }

    #[test]
    fn swapped_entries_are_found() {
        let mut log = chain(5);
        let h = head(&log).map(|(s, h)| (s, h.to_owned()));
        log.swap(1, 2);
        assert!(verify(&log, h.as_ref().map(|(s, h)| (*s, h.as_str()))).is_err());
        // Even with the sequence numbers swapped back.
        let (a, b) = (log[1].seq, log[2].seq);
        log[1].seq = b;
        log[2].seq = a;
        let err = verify(&log, h.as_ref().map(|(s, h)| (*s, h.as_str()))).unwrap_err();
        assert_eq!(err.seq, 2);
    }
}
