//! Keyed pseudonyms, API tokens and password hashes.

use std::num::NonZeroU32;
use std::path::Path;

use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac, pbkdf2};

use crate::case::OrgId;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random source is available");
    bytes
}

/// The server's secret key for pseudonyms of organizations' case numbers. No `Debug`.
pub struct PseudonymKey(hmac::Key);

/// HMAC-SHA-256 of (organization, external_ref), hex: enough to refuse duplicates and to
/// find a case by its number, useless for recovering the number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefDigest(String);

impl RefDigest {
    /// The digest as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PseudonymKey {
    /// Reads the 32-byte key file, creating it (0600) if it does not exist.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) if bytes.len() == 32 => Ok(Self::from_bytes(&bytes)),
            Ok(_) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not a 32-byte pseudonym key", path.display()),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let bytes: [u8; 32] = random_bytes();
                super::write_private_file(path, &bytes)?;
                Ok(Self::from_bytes(&bytes))
            }
            Err(e) => Err(e),
        }
    }

    /// A key from raw bytes (tests, benchmarks).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        PseudonymKey(hmac::Key::new(hmac::HMAC_SHA256, bytes))
    }

    /// The pseudonym of one organization's case number.
    pub fn ref_digest(&self, org: OrgId, external_ref: &str) -> RefDigest {
        let mut ctx = hmac::Context::with_key(&self.0);
        ctx.update(b"safetable/external_ref/v1\0");
        ctx.update(&org.get().to_be_bytes());
        ctx.update(external_ref.trim().as_bytes());
        RefDigest(hex::encode(ctx.sign().as_ref()))
    }
}

/// A freshly created API token: 256 random bits. Shown once, never stored. No `Debug`.
pub struct ApiToken(String);

/// SHA-256 of a token, hex; the only form stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    /// The hash as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Hashes a presented bearer token.
    pub fn of(presented: &str) -> Self {
        TokenHash(hex::encode(digest::digest(
            &digest::SHA256,
            presented.as_bytes(),
        )))
    }
}

impl ApiToken {
    /// A new random token, `st_` and 64 hex digits.
    pub fn generate() -> Self {
        let bytes: [u8; 32] = random_bytes();
        ApiToken(format!("st_{}", hex::encode(bytes)))
    }
    /// The token, to show its owner once.
    pub fn reveal(&self) -> &str {
        &self.0
    }
    /// What is stored.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

const PBKDF2_ROUNDS: u32 = 100_000;

/// PBKDF2-HMAC-SHA-256 with a random salt: `pbkdf2-sha256$ROUNDS$SALT$HASH`.
pub fn hash_password(password: &str) -> String {
    let salt: [u8; 16] = random_bytes();
    let mut out = [0u8; 32];
    let rounds = NonZeroU32::new(PBKDF2_ROUNDS).expect("non-zero constant");
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        &salt,
        password.as_bytes(),
        &mut out,
    );
    format!(
        "pbkdf2-sha256${PBKDF2_ROUNDS}${}${}",
        hex::encode(salt),
        hex::encode(out)
    )
}

/// Checks a password against a stored hash in constant time.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("pbkdf2-sha256"), Some(rounds), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Some(rounds), Ok(salt), Ok(hash)) = (
        rounds.parse::<u32>().ok().and_then(NonZeroU32::new),
        hex::decode(salt),
        hex::decode(hash),
    ) else {
        return false;
    };
    pbkdf2::verify(
        pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        &salt,
        password.as_bytes(),
        &hash,
    )
    .is_ok()
}

/// A one-time password for a new user: 20 characters from an unambiguous alphabet.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: [u8; 20] = random_bytes();
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// A well-formed hash no password matches, to spend the same time on unknown accounts.
pub const DUMMY_PASSWORD_HASH: &str = "pbkdf2-sha256$100000$8d3c0f1e2a4b5c6d7e8f9a0b1c2d3e4f$0000000000000000000000000000000000000000000000000000000000000000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_digest_is_keyed_and_per_organization() {
        let k1 = PseudonymKey::from_bytes(&[1; 32]);
        let k2 = PseudonymKey::from_bytes(&[2; 32]);
        let a = k1.ref_digest(OrgId::new(1), "CRP-18-8179");
        assert_eq!(a, k1.ref_digest(OrgId::new(1), "CRP-18-8179"));
        assert_ne!(a, k1.ref_digest(OrgId::new(2), "CRP-18-8179"));
        assert_ne!(a, k2.ref_digest(OrgId::new(1), "CRP-18-8179"));
        assert!(!a.as_str().contains("8179"));
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_matches() {
        let t = ApiToken::generate();
        assert_eq!(t.reveal().len(), 67);
        assert_ne!(t.reveal(), ApiToken::generate().reveal());
        assert_eq!(TokenHash::of(t.reveal()), t.hash());
        assert_ne!(TokenHash::of("st_guess"), t.hash());
    }

    #[test]
    fn passwords_verify_and_reject() {
        let stored = hash_password("correct horse");
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("Correct horse", &stored));
        assert!(!verify_password("correct horse", "garbage"));
        assert_eq!(generate_password().len(), 20);
    }
}
