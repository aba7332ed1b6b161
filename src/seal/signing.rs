//! The audit signing key: an Ed25519 key kept outside the database (a PKCS#8 file in the
//! data directory, 0600), with which `safetable audit checkpoint` signs the head of the
//! audit chain. Whoever can rewrite the database cannot forge a checkpoint without it.

use std::path::Path;

use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair};

/// Why the audit signing key cannot be used. Names the file and the fix, never the key.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error("the audit signing key {0} does not exist: run `safetable init` (on a second server, copy it from the first one, mode 0600)")]
    Missing(String),
    #[error("the audit signing key {path} can be read by others (mode {mode:04o}): run `chmod 600 {path}`")]
    TooOpen { path: String, mode: u32 },
    #[error("{0} is not an Ed25519 PKCS#8 key")]
    Invalid(String),
    #[error("cannot read or write the audit signing key {path}: {error}")]
    Io { path: String, error: std::io::Error },
}

/// The private Ed25519 key that signs audit checkpoints. No `Debug`.
pub struct AuditSigningKey {
    pair: Ed25519KeyPair,
}

impl AuditSigningKey {
    /// Reads the PKCS#8 key file, which must exist (`init` creates it) and be readable by
    /// its owner only.
    pub fn load(path: &Path) -> Result<Self, SigningKeyError> {
        let name = path.display().to_string();
        let bytes = super::read_private_file(path, 4096).map_err(|e| match e {
            super::PrivateFileError::Missing => SigningKeyError::Missing(name.clone()),
            super::PrivateFileError::TooOpen(mode) => SigningKeyError::TooOpen {
                path: name.clone(),
                mode,
            },
            super::PrivateFileError::Io(error) => SigningKeyError::Io {
                path: name.clone(),
                error,
            },
        })?;
        let pair =
            Ed25519KeyPair::from_pkcs8(&bytes).map_err(|_| SigningKeyError::Invalid(name))?;
        Ok(AuditSigningKey { pair })
    }

    /// `init`: creates the key file (0600) when it does not exist, then loads it. Returns
    /// whether it was created.
    pub fn create_if_missing(path: &Path) -> Result<(Self, bool), SigningKeyError> {
        let created = if path.exists() {
            false
        } else {
            let io = |error| SigningKeyError::Io {
                path: path.display().to_string(),
                error,
            };
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| io(std::io::Error::other("no random source")))?;
            super::write_private_file(path, pkcs8.as_ref()).map_err(io)?;
            true
        };
        Ok((Self::load(path)?, created))
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// The public key's id (see [`public_key_id`]).
    pub fn key_id(&self) -> String {
        public_key_id(self.public_key())
    }

    /// Signs `message`; a 64-byte Ed25519 signature.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// The fingerprint of an Ed25519 public key: the first 16 bytes of its SHA-256, as 32 hex
/// digits. Short enough to read out over the telephone, long enough that no second key
/// matches it.
pub fn public_key_id(public_key: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, public_key);
    hex::encode(&digest.as_ref()[..16])
}

/// Whether `sig` is a valid Ed25519 signature of `message` by `public_key`.
pub fn verify_signature(public_key: &[u8], message: &[u8], sig: &[u8]) -> bool {
    signature::UnparsedPublicKey::new(&signature::ED25519, public_key)
        .verify(message, sig)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn signing_key_is_created_private_and_signs() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit-signing.key");
        let err = AuditSigningKey::load(&path).err().unwrap().to_string();
        assert!(err.contains("safetable init"), "{err}");
        let (k, created) = AuditSigningKey::create_if_missing(&path).unwrap();
        assert!(created);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, created) = AuditSigningKey::create_if_missing(&path).unwrap();
        assert!(!created);
        assert_eq!(k.public_key(), again.public_key());
        assert_eq!(k.key_id().len(), 32);
        let sig = k.sign(b"head");
        assert!(verify_signature(k.public_key(), b"head", &sig));
        assert!(!verify_signature(k.public_key(), b"heae", &sig));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = AuditSigningKey::load(&path).err().unwrap().to_string();
        assert!(err.contains("chmod 600") && err.contains("0640"), "{err}");
        std::fs::write(dir.path().join("bad.key"), b"nonsense").unwrap();
        std::fs::set_permissions(
            dir.path().join("bad.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        assert!(matches!(
            AuditSigningKey::load(&dir.path().join("bad.key")),
            Err(SigningKeyError::Invalid(_))
        ));
    }
}
