//! Sealing and keys: originals encrypted with `age` to the custodians' X25519 recipients
//! (the server holds public recipients only), the keyed pseudonym of an organization's
//! case number, API tokens and passwords.
//!
//! Nothing in this module implements `Debug` or `Display` for secret material: a key, a
//! token or an identity cannot be logged by accident.

mod keys;
mod original;

pub use keys::{
    generate_password, hash_password, verify_password, ApiToken, ContentDigest, KeyError, KeyId,
    PseudonymKey, QueryDigest, RefDigest, TokenHash, DUMMY_PASSWORD_HASH,
};
pub use original::{generate_identity, CustodianIdentity, Recipients, SealError, SealedOriginal};

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
