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

/// The server's secret key for keyed digests: pseudonyms of organizations' case
/// numbers, of search queries in the audit log, and of submitted content. No `Debug`.
pub struct PseudonymKey {
    key: hmac::Key,
    id: KeyId,
}

/// A short public name of a key (8 hex digits, derived from the key with a one-way
/// function). Every stored digest starts with it, so that the key can be rotated: a digest
/// says which key made it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId(String);

impl KeyId {
    /// The id as written in front of each digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! keyed_digest {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            /// Under the current key: what is stored.
            value: String,
            /// The same input under each retired key: what may have been stored before
            /// the key was rotated.
            retired: Vec<String>,
        }

        impl $name {
            fn new(value: String) -> Self {
                $name {
                    value,
                    retired: Vec::new(),
                }
            }
            /// The digest as stored: `KEYID:HEX`.
            pub fn as_str(&self) -> &str {
                &self.value
            }
            /// The id of the key that made it.
            pub fn key_id(&self) -> &str {
                self.value.split_once(':').map(|(k, _)| k).unwrap_or("")
            }
            /// Adds the digest of the same input under a retired key.
            pub fn with_retired(mut self, other: Self) -> Self {
                self.retired.push(other.value);
                self
            }
            /// Whether a stored digest is this one, under the current or a retired key.
            pub fn matches(&self, stored: &str) -> bool {
                self.value == stored || self.retired.iter().any(|r| r == stored)
            }
        }
    };
}

keyed_digest!(
    /// HMAC-SHA-256 of (organization, external_ref), as `KEYID:HEX`: enough to refuse
    /// duplicates and to find a case by its number, useless for recovering the number.
    RefDigest
);

keyed_digest!(
    /// HMAC-SHA-256 of a normalized search query, as `KEYID:HEX`: the audit log can tell
    /// that two searches were the same without holding what was typed (a member may type a
    /// patient's name, and the hash chain makes an entry impossible to erase).
    QueryDigest
);

keyed_digest!(
    /// HMAC-SHA-256 of (organization, canonical JSON of a validated case), as `KEYID:HEX`:
    /// tells the same case submitted again from a different case reusing its number.
    ContentDigest
);

impl RefDigest {
    /// The forms a stored digest of this number may take: `KEYID:HEX` under the current
    /// key and under each retired key, and the bare hex written before digests carried a
    /// key id (same key, same HMAC).
    pub fn lookup_forms(&self) -> Vec<String> {
        let mut forms = Vec::new();
        for d in std::iter::once(&self.value).chain(&self.retired) {
            forms.push(d.clone());
            if let Some((_, hex)) = d.split_once(':') {
                forms.push(hex.to_owned());
            }
        }
        forms
    }
}

/// Why the pseudonym key cannot be used. Names the file and the fix, never the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the pseudonym key {0} does not exist: run `safetable init` (on a second server, copy pseudonym.key from the first one, mode 0600)")]
    Missing(String),
    #[error(
        "the pseudonym key {path} can be read by others (mode {mode:04o}): run `chmod 600 {path}`"
    )]
    TooOpen { path: String, mode: u32 },
    #[error("{0} is not a 32-byte pseudonym key")]
    Invalid(String),
    #[error("cannot read or write the pseudonym key {path}: {error}")]
    Io { path: String, error: std::io::Error },
}

impl PseudonymKey {
    /// Reads the 32-byte key file, which must exist (`init` creates it) and be readable by
    /// its owner only.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let name = path.display().to_string();
        let bytes = super::read_private_file(path, 33).map_err(|e| match e {
            super::PrivateFileError::Missing => KeyError::Missing(name.clone()),
            super::PrivateFileError::TooOpen(mode) => KeyError::TooOpen {
                path: name.clone(),
                mode,
            },
            super::PrivateFileError::Io(error) => KeyError::Io {
                path: name.clone(),
                error,
            },
        })?;
        if bytes.len() != 32 {
            return Err(KeyError::Invalid(name));
        }
        Ok(Self::from_bytes(&bytes))
    }

    /// `init`: creates the key file (0600) when it does not exist, then loads it. Returns
    /// whether it was created.
    pub fn create_if_missing(path: &Path) -> Result<(Self, bool), KeyError> {
        let created = if path.exists() {
            false
        } else {
            let bytes: [u8; 32] = random_bytes();
            super::write_private_file(path, &bytes).map_err(|error| KeyError::Io {
                path: path.display().to_string(),
                error,
            })?;
            true
        };
        Ok((Self::load(path)?, created))
    }

    /// The retired keys: every `*.key` file in `dir` (none when `dir` does not exist),
    /// each held to the same rules as the current key. After a rotation they still find
    /// and recognize what was stored under them; nothing new is made with them.
    pub fn load_retired(dir: &Path) -> Result<Vec<Self>, KeyError> {
        let io = |error| KeyError::Io {
            path: dir.display().to_string(),
            error,
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(e)),
        };
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "key") {
                paths.push(path);
            }
        }
        paths.sort();
        paths.iter().map(|p| Self::load(p)).collect()
    }

    /// A key from raw bytes (tests, benchmarks).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA256, bytes);
        let tag = hmac::sign(&key, b"safetable/key-id/v1");
        let id = KeyId(hex::encode(&tag.as_ref()[..4]));
        PseudonymKey { key, id }
    }

    /// The key's public id.
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    fn digest(&self, purpose: &[u8], parts: &[&[u8]]) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(purpose);
        for part in parts {
            ctx.update(part);
        }
        format!("{}:{}", self.id.0, hex::encode(ctx.sign().as_ref()))
    }

    /// The pseudonym of one organization's case number.
    pub fn ref_digest(&self, org: OrgId, external_ref: &str) -> RefDigest {
        RefDigest::new(self.digest(
            b"safetable/external_ref/v1\0",
            &[&org.get().to_be_bytes(), external_ref.trim().as_bytes()],
        ))
    }

    /// The digest of a search query, normalized (case, surrounding and repeated white
    /// space) so that the same search typed twice gives the same digest.
    pub fn query_digest(&self, query: &str) -> QueryDigest {
        let normalized = query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ");
        QueryDigest::new(self.digest(b"safetable/search_query/v1\0", &[normalized.as_bytes()]))
    }

    /// The digest of a validated case's canonical JSON, for one organization.
    pub fn content_digest(&self, org: OrgId, canonical_json: &[u8]) -> ContentDigest {
        ContentDigest::new(self.digest(
            b"safetable/case_content/v1\0",
            &[&org.get().to_be_bytes(), canonical_json],
        ))
    }
}

/// A freshly created API token: 256 random bits. Shown once, never stored. No `Debug`.
pub struct ApiToken(String);

/// SHA-256 of a token, hex; the only form stored. `Debug` shows none of it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash([redacted])")
    }
}

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

/// PBKDF2's rounds in hashes of earlier versions (their own count is read from the hash).
#[cfg(test)]
const PBKDF2_ROUNDS: u32 = 100_000;

/// Argon2id's cost: OWASP's first recommended setting (19 MiB, two passes, one lane).
const ARGON2_MEMORY_KIB: u32 = 19_456;
const ARGON2_PASSES: u32 = 2;
const ARGON2_LANES: u32 = 1;
const ARGON2_OUTPUT: usize = 32;

fn argon2id(memory_kib: u32, passes: u32, lanes: u32) -> Option<argon2::Argon2<'static>> {
    let params = argon2::Params::new(memory_kib, passes, lanes, Some(ARGON2_OUTPUT)).ok()?;
    Some(argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

/// Argon2id with a random salt, as
/// `argon2id$v=19$m=MEMORY_KIB,t=PASSES,p=LANES$SALT_HEX$HASH_HEX`: the parameters travel
/// with the hash, so that raising them later rehashes old passwords at their next sign-in
/// ([`password_needs_rehash`]).
pub fn hash_password(password: &str) -> String {
    let salt: [u8; 16] = random_bytes();
    let mut out = [0u8; ARGON2_OUTPUT];
    argon2id(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES)
        .expect("the constant Argon2 parameters are valid")
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .expect("a 16-byte salt and a 32-byte output are valid for Argon2");
    format!(
        "argon2id$v=19$m={ARGON2_MEMORY_KIB},t={ARGON2_PASSES},p={ARGON2_LANES}${}${}",
        hex::encode(salt),
        hex::encode(out)
    )
}

/// Whether a stored hash is of an older scheme or weaker parameters than
/// [`hash_password`] makes today (PBKDF2 hashes of earlier versions among them).
pub fn password_needs_rehash(stored: &str) -> bool {
    let expected =
        format!("argon2id$v=19$m={ARGON2_MEMORY_KIB},t={ARGON2_PASSES},p={ARGON2_LANES}$");
    !stored.starts_with(&expected)
}

/// Equality that takes the same time wherever the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn verify_argon2id(password: &str, rest: &str) -> bool {
    let mut parts = rest.split('$');
    let (Some("v=19"), Some(params), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in params.split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse::<u32>().ok(),
            Some(("t", v)) => t = v.parse::<u32>().ok(),
            Some(("p", v)) => p = v.parse::<u32>().ok(),
            _ => return false,
        }
    }
    // A stored hash is trusted data, but bound its cost anyway: a corrupt row must not
    // make one sign-in allocate gigabytes.
    let (Some(m), Some(t), Some(p)) = (m, t, p) else {
        return false;
    };
    if m > 1 << 20 || t > 16 || p > 8 {
        return false;
    }
    let (Ok(salt), Ok(hash), Some(hasher)) =
        (hex::decode(salt), hex::decode(hash), argon2id(m, t, p))
    else {
        return false;
    };
    if hash.len() != ARGON2_OUTPUT {
        return false;
    }
    let mut out = [0u8; ARGON2_OUTPUT];
    if hasher
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .is_err()
    {
        return false;
    }
    constant_time_eq(&out, &hash)
}

fn verify_pbkdf2(password: &str, rest: &str) -> bool {
    let mut parts = rest.split('$');
    let (Some(rounds), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
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

/// Checks a password against a stored hash (Argon2id, or PBKDF2-HMAC-SHA-256 as earlier
/// versions stored) in constant time.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match stored.split_once('$') {
        Some(("argon2id", rest)) => verify_argon2id(password, rest),
        Some(("pbkdf2-sha256", rest)) => verify_pbkdf2(password, rest),
        _ => false,
    }
}

/// PBKDF2 as earlier versions stored passwords; kept to test that such hashes still
/// verify and are rehashed.
#[cfg(test)]
pub(crate) fn hash_password_pbkdf2(password: &str) -> String {
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

/// A one-time password for a new user: 20 characters from an unambiguous alphabet.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: [u8; 20] = random_bytes();
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// A well-formed hash of today's scheme that no password matches, to spend the same time
/// on unknown accounts as on known ones.
pub const DUMMY_PASSWORD_HASH: &str = "argon2id$v=19$m=19456,t=2,p=1$8d3c0f1e2a4b5c6d7e8f9a0b1c2d3e4f$0000000000000000000000000000000000000000000000000000000000000000";

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
    fn digests_carry_the_key_id() {
        let k1 = PseudonymKey::from_bytes(&[1; 32]);
        let k2 = PseudonymKey::from_bytes(&[2; 32]);
        assert_eq!(k1.id().as_str().len(), 8);
        assert_ne!(k1.id(), k2.id());
        let d = k1.ref_digest(OrgId::new(1), "CRP-1");
        assert_eq!(d.key_id(), k1.id().as_str());
        assert!(d.as_str().starts_with(&format!("{}:", k1.id().as_str())));
        // The bare hex of digests written before key ids is still found.
        let forms = d.lookup_forms();
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[1].len(), 64);
        assert_eq!(
            k1.query_digest("  Heparin   OVERDOSE "),
            k1.query_digest("heparin overdose")
        );
        assert_ne!(k1.query_digest("heparin"), k2.query_digest("heparin"));
        assert_eq!(
            k1.content_digest(OrgId::new(1), b"{}").key_id(),
            k1.id().as_str()
        );
    }

    #[cfg(unix)]
    #[test]
    fn key_must_exist_and_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pseudonym.key");
        let err = PseudonymKey::load(&path).err().unwrap().to_string();
        assert!(
            err.contains("safetable init") && err.contains("pseudonym.key"),
            "{err}"
        );
        let (k, created) = PseudonymKey::create_if_missing(&path).unwrap();
        assert!(created);
        let (again, created) = PseudonymKey::create_if_missing(&path).unwrap();
        assert!(!created);
        assert_eq!(k.id(), again.id());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = PseudonymKey::load(&path).err().unwrap().to_string();
        assert!(err.contains("chmod 600") && err.contains("0644"), "{err}");
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_matches() {
        let t = ApiToken::generate();
        assert_eq!(t.reveal().len(), 67);
        assert_ne!(t.reveal(), ApiToken::generate().reveal());
        assert_eq!(TokenHash::of(t.reveal()), t.hash());
        assert_ne!(TokenHash::of("st_guess"), t.hash());
        let shown = format!("{:?}", t.hash());
        assert!(!shown.contains(t.hash().as_str()), "{shown}");
    }

    #[test]
    fn passwords_verify_and_reject() {
        let stored = hash_password("correct horse");
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("Correct horse", &stored));
        assert!(!verify_password("correct horse", "garbage"));
        assert!(!verify_password("correct horse", DUMMY_PASSWORD_HASH));
        assert!(
            stored.starts_with("argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(!password_needs_rehash(&stored));
        assert_eq!(generate_password().len(), 20);
    }

    #[test]
    fn earlier_pbkdf2_hashes_verify_and_ask_for_a_rehash() {
        let old = hash_password_pbkdf2("correct horse");
        assert!(verify_password("correct horse", &old));
        assert!(!verify_password("wrong horse", &old));
        assert!(password_needs_rehash(&old));
    }

    #[test]
    fn stored_hashes_with_absurd_costs_are_refused_without_hashing() {
        let stored = hash_password("pw");
        let costly = stored.replace("m=19456", "m=4000000");
        assert!(!verify_password("pw", &costly));
        let tampered = stored.replace("t=2", "t=2,x=1");
        assert!(!verify_password("pw", &tampered));
    }
}
