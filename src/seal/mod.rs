//! Sealing and keys: originals encrypted with `age` to the custodians' X25519 recipients
//! (the server holds public recipients only), the keyed pseudonym of an organization's
//! case number, API tokens and passwords.
//!
//! Nothing in this module implements `Debug` or `Display` for secret material: a key, a
//! token or an identity cannot be logged by accident.

mod keys;
mod original;
mod signing;

pub use keys::{
    generate_password, hash_password, password_needs_rehash, verify_password, ApiToken,
    ContentDigest, KeyError, KeyId, PseudonymKey, QueryDigest, RefDigest, TokenHash,
    DUMMY_PASSWORD_HASH,
};
pub use original::{generate_identity, CustodianIdentity, Recipients, SealError, SealedOriginal};
pub use signing::{public_key_id, verify_signature, AuditSigningKey, SigningKeyError};

/// Writes `bytes` to a new file readable by its owner only (0600 on Unix, whatever the
/// umask).
pub(crate) fn write_private_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

/// Why a private file (a key) could not be read.
#[derive(Debug)]
pub(crate) enum PrivateFileError {
    /// It does not exist.
    Missing,
    /// Others than its owner may read or write it (the mode found).
    TooOpen(u32),
    Io(std::io::Error),
}

/// Reads at most `limit` bytes of a file that must exist and be accessible to its owner
/// only (no group or other permission bits on Unix).
pub(crate) fn read_private_file(
    path: &std::path::Path,
    limit: u64,
) -> Result<Vec<u8>, PrivateFileError> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PrivateFileError::Missing)
        }
        Err(e) => return Err(PrivateFileError::Io(e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(PrivateFileError::Io)?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(PrivateFileError::TooOpen(mode));
        }
    }
    let mut bytes = Vec::new();
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(PrivateFileError::Io)?;
    Ok(bytes)
}
