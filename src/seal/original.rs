//! `age` encryption of original cases.

use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::ExposeSecret;

/// Why sealing or unsealing failed. Never carries plaintext.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("no custodian recipient is configured")]
    NoRecipients,
    #[error("custodian recipient #{index} is not a valid age X25519 recipient (age1…)")]
    BadRecipient { index: usize },
    #[error("encryption failed: {0}")]
    Encrypt(String),
    #[error("decryption failed: {0}")]
    Decrypt(String),
    #[error("cannot read the identity file {path}: {reason}")]
    Identity { path: String, reason: String },
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// The custodians' public keys. Every original is encrypted to all of them.
#[derive(Clone)]
pub struct Recipients(Vec<age::x25519::Recipient>);

impl Recipients {
    /// Parses `age1…` recipients; lines starting with `#` and blank lines are ignored.
    pub fn parse<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<Self, SealError> {
        let mut out = Vec::new();
        for (index, line) in lines
            .into_iter()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .enumerate()
        {
            out.push(
                age::x25519::Recipient::from_str(line)
                    .map_err(|_| SealError::BadRecipient { index: index + 1 })?,
            );
        }
        if out.is_empty() {
            return Err(SealError::NoRecipients);
        }
        Ok(Recipients(out))
    }

    /// How many custodians.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a `Recipients` holds at least one key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recipients as `age1…` strings, one per line.
    pub fn to_lines(&self) -> String {
        self.0.iter().map(|r| format!("{r}\n")).collect()
    }

    /// Encrypts `plaintext` (the serialized original) to every recipient. The result is
    /// a standard binary age file: `age -d -i IDENTITY` decrypts it.
    pub fn seal(&self, plaintext: &[u8]) -> Result<SealedOriginal, SealError> {
        let encryptor =
            age::Encryptor::with_recipients(self.0.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| SealError::Encrypt(e.to_string()))?;
        let mut out = Vec::with_capacity(plaintext.len() + 256);
        let mut writer = encryptor.wrap_output(&mut out)?;
        writer.write_all(plaintext)?;
        writer.finish()?;
        Ok(SealedOriginal(out))
    }
}

/// Ciphertext of an original case.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedOriginal(Vec<u8>);

impl SealedOriginal {
    /// Wraps stored ciphertext.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        SealedOriginal(bytes)
    }
    /// The ciphertext.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// Consumes into the ciphertext.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// A custodian's secret identity, loaded for a break-glass decryption. No `Debug`.
pub struct CustodianIdentity {
    identities: Vec<Box<dyn age::Identity + Send + Sync>>,
    /// The public recipients (`age1…`) of the X25519 identities in the file.
    recipients: Vec<String>,
}

impl CustodianIdentity {
    /// Reads an age identity file (as written by `age-keygen` or `safetable init`).
    pub fn from_file(path: &Path) -> Result<Self, SealError> {
        let name = path.display().to_string();
        let file = age::IdentityFile::from_file(name.clone()).map_err(|e| SealError::Identity {
            path: name.clone(),
            reason: e.to_string(),
        })?;
        let identities = file.into_identities().map_err(|e| SealError::Identity {
            path: name.clone(),
            reason: e.to_string(),
        })?;
        if identities.is_empty() {
            return Err(SealError::Identity {
                path: name,
                reason: "no identity in the file".into(),
            });
        }
        // The public halves, to name the key in the audit log (an X25519 identity line
        // determines its recipient; plugin identities are not named).
        let recipients = std::fs::read_to_string(path)
            .map(|text| {
                text.lines()
                    .map(str::trim)
                    .filter(|l| l.starts_with("AGE-SECRET-KEY-1"))
                    .filter_map(|l| age::x25519::Identity::from_str(l).ok())
                    .map(|i| i.to_public().to_string())
                    .collect()
            })
            .unwrap_or_default();
        Ok(CustodianIdentity {
            identities,
            recipients,
        })
    }

    /// The public recipients (`age1…`) of the file's X25519 identities: what names the
    /// custodian key in the audit log. Public; empty for plugin identities.
    pub fn recipients(&self) -> &[String] {
        &self.recipients
    }

    /// Decrypts a sealed original.
    pub fn unseal(&self, sealed: &SealedOriginal) -> Result<Vec<u8>, SealError> {
        let decryptor = age::Decryptor::new(sealed.as_bytes())
            .map_err(|e| SealError::Decrypt(e.to_string()))?;
        let mut reader = decryptor
            .decrypt(
                self.identities
                    .iter()
                    .map(|i| i.as_ref() as &dyn age::Identity),
            )
            .map_err(|e| SealError::Decrypt(e.to_string()))?;
        let mut out = Vec::new();
        reader.read_to_end(&mut out)?;
        Ok(out)
    }
}

/// Generates a custodian identity, writes it (0600) to `path` in the format of
/// `age-keygen`, and returns its public recipient.
pub fn generate_identity(path: &Path) -> Result<Recipients, SealError> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let text = format!(
        "# created by safetable init\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    );
    super::write_private_file(path, text.as_bytes())?;
    Ok(Recipients(vec![recipient]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_unseal_round_trip_with_a_generated_identity() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("custodian.txt");
        let recipients = generate_identity(&path).unwrap();
        let sealed = recipients.seal(b"{\"name\":\"Canary Person\"}").unwrap();
        assert!(!sealed.as_bytes().windows(6).any(|w| w == b"Canary"));
        let identity = CustodianIdentity::from_file(&path).unwrap();
        assert_eq!(identity.recipients(), [recipients.to_lines().trim()]);
        assert_eq!(
            identity.unseal(&sealed).unwrap(),
            b"{\"name\":\"Canary Person\"}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn bad_recipient_names_its_position_not_its_value() {
        let err = Recipients::parse(["# custodians", "not-a-key-secret"])
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "custodian recipient #1 is not a valid age X25519 recipient (age1…)"
        );
        assert!(matches!(
            Recipients::parse(["", "# none"]),
            Err(SealError::NoRecipients)
        ));
    }

    #[test]
    fn a_wrong_identity_cannot_unseal() {
        let dir = tempfile::tempdir().unwrap();
        let a = generate_identity(&dir.path().join("a")).unwrap();
        generate_identity(&dir.path().join("b")).unwrap();
        let sealed = a.seal(b"secret").unwrap();
        let b = CustodianIdentity::from_file(&dir.path().join("b")).unwrap();
        assert!(matches!(b.unseal(&sealed), Err(SealError::Decrypt(_))));
    }
}
