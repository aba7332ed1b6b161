//! The data directory: created by `init` (the only place that creates the pseudonym key),
//! and kept private: every file in it 0600 and every directory 0700, whatever the umask
//! and whether or not the file existed before.
//!
//! Files safetable creates itself are opened with mode 0600 and set to it afterwards;
//! files other libraries create (SQLite's `-wal` and `-shm`, tantivy's segments) inherit
//! the process umask, which the binary sets to 077 before it touches anything
//! ([`restrict_umask`]); and [`tighten`] corrects whatever an earlier version, another
//! tool or a careless copy left more open.

use std::path::Path;

use crate::config::Settings;
use crate::seal::{self, AuditSigningKey, PseudonymKey};
use crate::store::Store;

/// Why the data directory could not be set up. Names the file, never a secret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

/// Makes every file and directory this process creates from now on private to its owner
/// (umask 077). Process-wide; called by the binary before any command runs.
pub fn restrict_umask() {
    #[cfg(unix)]
    {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
}

/// Sets `path` to 0600 (a file) or 0700 (a directory).
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::symlink_metadata(path)?;
        if meta.file_type().is_symlink() {
            return Ok(());
        }
        let want = if meta.is_dir() { 0o700 } else { 0o600 };
        if meta.permissions().mode() & 0o777 != want {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(want))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates a directory (and its parents) if needed and makes it 0700.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)?;
    make_private(path)
}

/// Makes `dir` and everything under it private (files 0600, directories 0700). Symbolic
/// links are left alone. A file that vanishes meanwhile (SQLite's `-shm`, a merged tantivy
/// segment) is not an error.
pub fn tighten(dir: &Path) -> std::io::Result<()> {
    let ignore_gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    };
    ignore_gone(make_private(dir))?;
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            tighten(&entry.path())?;
        } else if !kind.is_symlink() {
            ignore_gone(make_private(&entry.path()))?;
        }
    }
    Ok(())
}

/// Makes the data directory and the index directory (which may live elsewhere) private.
pub fn tighten_data(settings: &Settings) -> Result<(), SetupError> {
    for dir in [&settings.data_dir, &settings.index_dir] {
        tighten(dir).map_err(|e| {
            SetupError(format!(
                "cannot make {} private (0600 files, 0700 directories): {e}",
                dir.display()
            ))
        })?;
    }
    Ok(())
}

/// What [`initialize`] did.
#[derive(Debug, Default)]
pub struct Initialized {
    /// The pseudonym key was created now (it did not exist).
    pub key_created: bool,
    /// The audit signing key was created now (it did not exist).
    pub signing_key_created: bool,
    /// A custodian identity was generated at this path (no recipients were configured):
    /// it must be moved off the server.
    pub identity_generated: Option<std::path::PathBuf>,
}

/// `safetable init`: creates the data directory (0700), runs the migrations, creates the
/// pseudonym key and the audit signing key (0600) if they do not exist, and, unless custodian recipients are
/// configured or already written, generates a custodian identity and writes its recipient.
/// Idempotent. `demo` and the tests call it too.
pub fn initialize(settings: &Settings) -> Result<Initialized, SetupError> {
    create_private_dir(&settings.data_dir).map_err(|e| {
        SetupError(format!(
            "cannot create {}: {e}",
            settings.data_dir.display()
        ))
    })?;
    Store::open(&settings.database_url).map_err(|e| SetupError(e.to_string()))?;
    let (_, key_created) = PseudonymKey::create_if_missing(&settings.pseudonym_key_file())
        .map_err(|e| SetupError(e.to_string()))?;
    if let Some(parent) = settings.audit_signing_key.parent() {
        // A directory named in the configuration is created private if missing, never
        // changed if it exists (it may be anyone's).
        if !parent.as_os_str().is_empty() && !parent.exists() {
            create_private_dir(parent)
                .map_err(|e| SetupError(format!("cannot create {}: {e}", parent.display())))?;
        }
    }
    let (_, signing_key_created) = AuditSigningKey::create_if_missing(&settings.audit_signing_key)
        .map_err(|e| SetupError(e.to_string()))?;
    let mut done = Initialized {
        key_created,
        signing_key_created,
        identity_generated: None,
    };
    if settings.custodian_recipients.is_empty() && !settings.recipients_file().exists() {
        let identity = settings.generated_identity_file();
        let recipients = seal::generate_identity(&identity)
            .map_err(|e| SetupError(format!("{}: {e}", identity.display())))?;
        seal::write_private_file(
            &settings.recipients_file(),
            recipients.to_lines().as_bytes(),
        )
        .map_err(|e| SetupError(format!("{}: {e}", settings.recipients_file().display())))?;
        done.identity_generated = Some(identity);
    }
    create_private_dir(&settings.index_dir).map_err(|e| {
        SetupError(format!(
            "cannot create {}: {e}",
            settings.index_dir.display()
        ))
    })?;
    tighten_data(settings)?;
    Ok(done)
}
