//! Signed checkpoints of the audit chain, after Certificate Transparency's signed tree
//! heads (RFC 6962 §3.5).
//!
//! The hash chain finds an entry changed, removed or reordered, but not a chain rewritten
//! as a whole: whoever can write the database can truncate the tail (and move the head
//! back), append forged entries with correct hashes, or wipe the log. A checkpoint is the
//! head (sequence and hash) signed with an Ed25519 key kept outside the database; a
//! custodian keeps the file. Later, [`Checkpoint::check_against`] tells whether the chain
//! still holds that entry at that sequence with that hash: a chain cut before it, rewritten
//! up to it, or wiped fails, while entries appended after it are the log growing.
//!
//! The signature covers [`Checkpoint::signed_bytes`]: a fixed label, then every field
//! but the signature, each length-prefixed (8 bytes, big-endian), in the order of the
//! struct. The JSON file is only its carrier.

use serde::{Deserialize, Serialize};

use super::{AuditEntry, GENESIS};
use crate::seal::{public_key_id, verify_signature, AuditSigningKey};

/// The format of the checkpoint files this version writes and reads.
pub const CHECKPOINT_FORMAT: u32 = 1;

const LABEL: &[u8] = b"safetable audit checkpoint\n";

/// A signed head of the audit chain, as written by `safetable audit checkpoint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// [`CHECKPOINT_FORMAT`].
    pub format: u32,
    /// The sequence number of the newest entry covered (0: the empty chain).
    pub seq: i64,
    /// That entry's hash (the genesis hash for the empty chain).
    pub head_hash: String,
    /// How many entries the chain held (equal to `seq`: sequences start at 1 and have no
    /// gaps).
    pub entries: u64,
    /// When it was made, UTC, RFC 3339.
    pub time: String,
    /// [`public_key_id`] of `public_key`.
    pub key_id: String,
    /// The Ed25519 public key, hex.
    pub public_key: String,
    /// Ed25519 signature of [`Checkpoint::signed_bytes`], hex.
    pub signature: String,
}

/// Why a checkpoint was refused, or what it found the chain lacking. Names sequences,
/// hashes and key ids, never an entry's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("not a safetable audit checkpoint: {0}")]
    Format(String),
    #[error(
        "checkpoint format {0} is not known to this version (it reads format {CHECKPOINT_FORMAT})"
    )]
    UnknownFormat(u32),
    #[error("the checkpoint's key id {0} is not the fingerprint of its public key")]
    KeyIdMismatch(String),
    #[error(
        "the checkpoint's signature does not verify: the file was changed after it was signed"
    )]
    BadSignature,
    #[error("the checkpoint was signed by key {found}, not by the expected key {expected}")]
    UntrustedKey { found: String, expected: String },
    #[error("the audit log no longer holds checkpoint entry {seq}: it ends at entry {last} (truncated or wiped)")]
    Missing { seq: i64, last: i64 },
    #[error("checkpoint entry {seq} has a different hash now: the log was rewritten at or before entry {seq}")]
    Rewritten { seq: i64 },
}

fn put(out: &mut Vec<u8>, part: &str) {
    out.extend_from_slice(&(part.len() as u64).to_be_bytes());
    out.extend_from_slice(part.as_bytes());
}

impl Checkpoint {
    /// Signs the head `(seq, head_hash)` of a chain of `entries` entries.
    pub fn sign(
        seq: i64,
        head_hash: &str,
        entries: u64,
        time: chrono::NaiveDateTime,
        key: &AuditSigningKey,
    ) -> Checkpoint {
        let mut c = Checkpoint {
            format: CHECKPOINT_FORMAT,
            seq,
            head_hash: head_hash.to_owned(),
            entries,
            time: time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            key_id: key.key_id(),
            public_key: hex::encode(key.public_key()),
            signature: String::new(),
        };
        c.signature = hex::encode(key.sign(&c.signed_bytes()));
        c
    }

    /// Reads a checkpoint file's text.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let c: Checkpoint =
            serde_json::from_str(text).map_err(|e| CheckpointError::Format(e.to_string()))?;
        if c.format != CHECKPOINT_FORMAT {
            return Err(CheckpointError::UnknownFormat(c.format));
        }
        Ok(c)
    }

    /// The bytes the signature covers: every field but the signature, in order.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut out = LABEL.to_vec();
        for part in [
            self.format.to_string().as_str(),
            self.seq.to_string().as_str(),
            &self.head_hash,
            self.entries.to_string().as_str(),
            &self.time,
            &self.key_id,
            &self.public_key,
        ] {
            put(&mut out, part);
        }
        out
    }

    /// Checks that the key id is the public key's fingerprint and that the signature
    /// verifies with that key. Says nothing about whether the key is the right one: see
    /// [`Checkpoint::check_key`].
    pub fn verify_signature(&self) -> Result<(), CheckpointError> {
        if self.format != CHECKPOINT_FORMAT {
            return Err(CheckpointError::UnknownFormat(self.format));
        }
        let public_key = hex::decode(&self.public_key)
            .map_err(|_| CheckpointError::Format("public_key is not hex".into()))?;
        if public_key_id(&public_key) != self.key_id {
            return Err(CheckpointError::KeyIdMismatch(self.key_id.clone()));
        }
        let signature = hex::decode(&self.signature).map_err(|_| CheckpointError::BadSignature)?;
        if !verify_signature(&public_key, &self.signed_bytes(), &signature) {
            return Err(CheckpointError::BadSignature);
        }
        Ok(())
    }

    /// Checks that the checkpoint was signed by the key with id `expected`.
    pub fn check_key(&self, expected: &str) -> Result<(), CheckpointError> {
        if self.key_id.eq_ignore_ascii_case(expected.trim()) {
            Ok(())
        } else {
            Err(CheckpointError::UntrustedKey {
                found: self.key_id.clone(),
                expected: expected.trim().to_owned(),
            })
        }
    }

    /// Checks that the chain (entries in sequence order, already verified link by link
    /// with [`super::verify`]) still holds the checkpoint's entry with its hash.
    pub fn check_against(&self, entries: &[AuditEntry]) -> Result<(), CheckpointError> {
        let last = entries.last().map_or(0, |e| e.seq);
        if self.seq == 0 {
            return if self.head_hash == GENESIS {
                Ok(())
            } else {
                Err(CheckpointError::Rewritten { seq: 0 })
            };
        }
        let Some(entry) = entries.iter().find(|e| e.seq == self.seq) else {
            return Err(CheckpointError::Missing {
                seq: self.seq,
                last,
            });
        };
        if entry.hash != self.head_hash || (entries.len() as u64) < self.entries {
            return Err(CheckpointError::Rewritten { seq: self.seq });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::entry_hash;

    fn chain(n: i64, actor: &str) -> Vec<AuditEntry> {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .unwrap()
            .naive_utc();
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let hash = entry_hash(&prev, seq, &at, actor, "publish", None, "{}");
                let e = AuditEntry {
                    seq,
                    at,
                    actor: actor.into(),
                    action: "publish".into(),
                    subject: None,
                    detail: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn key() -> (tempfile::TempDir, AuditSigningKey) {
        let dir = tempfile::tempdir().unwrap();
        let (k, _) = AuditSigningKey::create_if_missing(&dir.path().join("k")).unwrap();
        (dir, k)
    }

    fn checkpoint_of(log: &[AuditEntry], key: &AuditSigningKey) -> Checkpoint {
        let last = log.last().unwrap();
        Checkpoint::sign(last.seq, &last.hash, log.len() as u64, last.at, key)
    }

    #[test]
    fn a_checkpoint_round_trips_and_verifies() {
        let (_d, k) = key();
        let log = chain(5, "user:1");
        let c = checkpoint_of(&log, &k);
        let text = serde_json::to_string_pretty(&c).unwrap();
        let back = Checkpoint::parse(&text).unwrap();
        assert_eq!(back, c);
        back.verify_signature().unwrap();
        back.check_key(&k.key_id()).unwrap();
        back.check_against(&log).unwrap();
        // The log growing after the checkpoint is fine.
        back.check_against(&chain(8, "user:1")).unwrap();
    }

    #[test]
    fn any_changed_field_breaks_the_signature() {
        let (_d, k) = key();
        let c = checkpoint_of(&chain(3, "user:1"), &k);
        let mut changed = Vec::new();
        let mut x = c.clone();
        x.seq = 2;
        changed.push(x);
        let mut x = c.clone();
        x.head_hash = GENESIS.into();
        changed.push(x);
        let mut x = c.clone();
        x.entries = 9;
        changed.push(x);
        let mut x = c.clone();
        x.time = "2000-01-01T00:00:00.000000Z".into();
        changed.push(x);
        let mut x = c.clone();
        x.signature.replace_range(
            0..2,
            if &c.signature[..2] == "00" {
                "01"
            } else {
                "00"
            },
        );
        changed.push(x);
        for x in changed {
            assert_eq!(
                x.verify_signature(),
                Err(CheckpointError::BadSignature),
                "{x:?}"
            );
        }
        // Another key's checkpoint verifies on its own, but is not from the expected key.
        let (_d2, other) = key();
        let forged = checkpoint_of(&chain(3, "user:1"), &other);
        forged.verify_signature().unwrap();
        assert!(matches!(
            forged.check_key(&k.key_id()),
            Err(CheckpointError::UntrustedKey { .. })
        ));
        // A public key swapped in without its id is caught too.
        let mut x = c.clone();
        x.public_key = forged.public_key.clone();
        assert!(matches!(
            x.verify_signature(),
            Err(CheckpointError::KeyIdMismatch(_))
        ));
    }

    #[test]
    fn truncated_rewritten_and_wiped_chains_fail() {
        let (_d, k) = key();
        let log = chain(5, "user:1");
        let c = checkpoint_of(&log, &k);
        assert_eq!(
            c.check_against(&log[..3]),
            Err(CheckpointError::Missing { seq: 5, last: 3 })
        );
        assert_eq!(
            c.check_against(&[]),
            Err(CheckpointError::Missing { seq: 5, last: 0 })
        );
        assert_eq!(
            c.check_against(&chain(7, "user:2")),
            Err(CheckpointError::Rewritten { seq: 5 })
        );
    }
}
