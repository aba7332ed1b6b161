//! Tokens against cross-site request forgery, for every form that changes something.
//!
//! A token is bound to what identifies the browser: the session id once signed in, a
//! random *pre-session* cookie before (the sign-in form itself, against login CSRF).
//! It is `NONCE || HMAC-SHA256(key, "safetable-csrf-v1" 0 NONCE BINDING)`, in hex: a fresh
//! nonce per rendering, so that the token in a page differs every time (nothing for a
//! compression side channel to recover across responses), and any token issued for the
//! same binding verifies. A forged form cannot know the binding's cookie nor the key.
//!
//! Use:
//! - rendering a form: `state.csrf.issue(binding)` into a hidden `csrf_token` field;
//! - handling its POST: `state.csrf.verify(binding, &form.csrf_token)?` before anything
//!   else, answering 403 on [`CsrfError`].
//!
//! Sessions ([`super::session`]): the session cookie is `HttpOnly; SameSite=Strict;
//! Path=/`, and `Secure` when the request came over HTTPS (directly, or through a proxy
//! that says so in `X-Forwarded-Proto` or `Forwarded`); it holds a random token whose
//! SHA-256 alone is stored (as API tokens are), and that hash is the binding. The
//! pre-session cookie ([`PRE_SESSION_COOKIE`]) is removed at sign-in, so that a token
//! from before sign-in is worthless after it.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// Bytes of nonce in a token.
const NONCE_LEN: usize = 16;
/// Bytes of a pre-session id.
const PRE_SESSION_LEN: usize = 32;
/// Separates this use of the key from any other.
const CONTEXT: &[u8] = b"safetable-csrf-v1\0";

/// The cookie that binds the sign-in form's token before there is a session.
pub const PRE_SESSION_COOKIE: &str = "safetable_pre";

/// The key that signs tokens. No `Debug`: it must not reach a log.
pub struct CsrfKey {
    key: hmac::Key,
    rng: SystemRandom,
}

/// A token for one form. No `Debug` either; [`CsrfToken::as_str`] goes into the page.
pub struct CsrfToken(String);

impl CsrfToken {
    /// The hex text for the hidden field.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A presented token that does not verify (malformed, another binding, another key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the form has expired or did not come from this site; reload the page and try again")]
pub struct CsrfError;

impl CsrfKey {
    /// A key from 32 random bytes.
    pub fn generate() -> std::io::Result<Self> {
        let rng = SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)
            .map_err(|_| std::io::Error::other("no randomness for the CSRF key"))?;
        Ok(CsrfKey { key, rng })
    }

    /// A key from a secret shared by several servers (at least 32 bytes).
    pub fn from_secret(secret: &[u8]) -> Result<Self, &'static str> {
        if secret.len() < 32 {
            return Err("a CSRF secret needs at least 32 bytes");
        }
        Ok(CsrfKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            rng: SystemRandom::new(),
        })
    }

    fn tag(&self, nonce: &[u8], binding: &[u8]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(CONTEXT);
        ctx.update(nonce);
        ctx.update(binding);
        ctx.sign()
    }

    /// A fresh token bound to `binding`.
    pub fn issue(&self, binding: &[u8]) -> std::io::Result<CsrfToken> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| std::io::Error::other("no randomness for a CSRF nonce"))?;
        let tag = self.tag(&nonce, binding);
        let mut token = hex::encode(nonce);
        token.push_str(&hex::encode(tag.as_ref()));
        Ok(CsrfToken(token))
    }

    /// Checks a presented token against `binding`, in constant time.
    pub fn verify(&self, binding: &[u8], presented: &str) -> Result<(), CsrfError> {
        let bytes = hex::decode(presented.trim()).map_err(|_| CsrfError)?;
        if bytes.len() != NONCE_LEN + 32 {
            return Err(CsrfError);
        }
        let (nonce, tag) = bytes.split_at(NONCE_LEN);
        let mut msg = Vec::with_capacity(CONTEXT.len() + nonce.len() + binding.len());
        msg.extend_from_slice(CONTEXT);
        msg.extend_from_slice(nonce);
        msg.extend_from_slice(binding);
        hmac::verify(&self.key, &msg, tag).map_err(|_| CsrfError)
    }

    /// A new random pre-session id (hex), for [`pre_session_cookie`].
    pub fn new_pre_session(&self) -> std::io::Result<String> {
        let mut id = [0u8; PRE_SESSION_LEN];
        self.rng
            .fill(&mut id)
            .map_err(|_| std::io::Error::other("no randomness for a pre-session id"))?;
        Ok(hex::encode(id))
    }
}

/// The request's pre-session id, when it sent a well-formed one.
pub fn pre_session(req: &HttpRequest) -> Option<String> {
    let cookie = req.cookie(PRE_SESSION_COOKIE)?;
    let value = cookie.value();
    (value.len() == PRE_SESSION_LEN * 2 && value.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| value.to_ascii_lowercase())
}

/// The pre-session cookie: session-lived, `HttpOnly`, `SameSite=Strict`, and `Secure`
/// when the request came over HTTPS (browsers drop `Secure` cookies on plain HTTP
/// outside loopback).
pub fn pre_session_cookie(req: &HttpRequest, id: String) -> Cookie<'static> {
    let secure = req.connection_info().scheme() == "https";
    Cookie::build(PRE_SESSION_COOKIE, id)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CsrfKey {
        CsrfKey::generate().unwrap()
    }

    #[test]
    fn a_token_verifies_for_its_binding() {
        let k = key();
        let t = k.issue(b"session-1").unwrap();
        assert_eq!(t.as_str().len(), (NONCE_LEN + 32) * 2);
        assert!(k.verify(b"session-1", t.as_str()).is_ok());
    }

    #[test]
    fn a_token_fails_for_another_binding_or_key() {
        let k = key();
        let t = k.issue(b"session-1").unwrap();
        assert_eq!(k.verify(b"session-2", t.as_str()), Err(CsrfError));
        assert_eq!(key().verify(b"session-1", t.as_str()), Err(CsrfError));
    }

    #[test]
    fn each_rendering_gets_a_different_token_and_all_verify() {
        let k = key();
        let a = k.issue(b"s").unwrap();
        let b = k.issue(b"s").unwrap();
        assert_ne!(a.as_str(), b.as_str());
        assert!(k.verify(b"s", a.as_str()).is_ok());
        assert!(k.verify(b"s", b.as_str()).is_ok());
    }

    #[test]
    fn tampered_or_malformed_tokens_fail() {
        let k = key();
        let t = k.issue(b"s").unwrap();
        let mut flipped = t.as_str().to_owned();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        for bad in [
            flipped.as_str(),
            "",
            "zz",
            &t.as_str()[..40],
            &format!("{}00", t.as_str()),
        ] {
            assert_eq!(k.verify(b"s", bad), Err(CsrfError), "{bad:?} verified");
        }
    }

    #[test]
    fn a_shared_secret_gives_the_same_key_on_every_server() {
        let secret = [7u8; 32];
        let one = CsrfKey::from_secret(&secret).unwrap();
        let two = CsrfKey::from_secret(&secret).unwrap();
        let t = one.issue(b"s").unwrap();
        assert!(two.verify(b"s", t.as_str()).is_ok());
        assert!(CsrfKey::from_secret(&[1u8; 8]).is_err());
    }

    #[test]
    fn pre_session_ids_are_random_hex() {
        let k = key();
        let a = k.new_pre_session().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, k.new_pre_session().unwrap());
    }

    #[test]
    fn the_pre_session_cookie_is_http_only_and_strict() {
        let req = actix_web::test::TestRequest::default().to_http_request();
        let c = pre_session_cookie(&req, "ab".repeat(32));
        assert_eq!(c.http_only(), Some(true));
        assert_eq!(c.same_site(), Some(SameSite::Strict));
        assert_eq!(c.path(), Some("/"));
    }

    #[test]
    fn only_well_formed_pre_session_cookies_are_read() {
        let good = "ab".repeat(32);
        let req = actix_web::test::TestRequest::default()
            .cookie(Cookie::new(PRE_SESSION_COOKIE, good.clone()))
            .to_http_request();
        assert_eq!(pre_session(&req), Some(good));
        let req = actix_web::test::TestRequest::default()
            .cookie(Cookie::new(PRE_SESSION_COOKIE, "<script>"))
            .to_http_request();
        assert_eq!(pre_session(&req), None);
    }
}
