//! Accounts: signing in (for an API token or a browser session), throttling failed
//! attempts, choosing a password, and the user's own API tokens.

use std::net::IpAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::audit::{AuditAction, AuditEvent};
use crate::auth::Principal;
use crate::error::AppError;
use crate::intake::Intake;
use crate::seal::{hash_password, password_needs_rehash, verify_password, ApiToken, TokenHash};
use crate::store::{TokenId, TokenKind, TokenRecord, UserRecord};

use super::throttle::SignInThrottle;

/// Longest e-mail address or password accepted at sign-in (longer ones cannot match an
/// account, and are not hashed).
pub const MAX_CREDENTIAL_CHARS: usize = 1024;
/// Shortest password a user may choose.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// How long a browser session lasts.
pub const SESSION_HOURS: i64 = 12;
/// Longest lifetime of an API token made on the account page.
pub const MAX_TOKEN_DAYS: i64 = 365;
/// Password hashes computed at once, at most; the rest wait (up to [`HASH_WAIT`]) so that
/// a flood of sign-ins cannot take every core from searches.
const HASHING_SLOTS: usize = 2;
const HASH_WAIT: Duration = Duration::from_secs(5);

/// Signing in and authentication.
#[derive(Clone)]
pub struct AccountService {
    pub(super) intake: Intake,
    pub(super) throttle: Arc<SignInThrottle>,
    pub(super) hashing: Arc<HashingSlots>,
}

/// Who is signed in, as the pages show it.
#[derive(Debug, Clone)]
pub struct Account {
    pub principal: Principal,
    pub email: String,
    pub org_name: String,
    /// Signed in with a one-time password: must choose a password first.
    pub password_change_required: bool,
}

/// A new browser session.
pub struct Session {
    /// The cookie's value (only its hash is stored).
    pub token: ApiToken,
    pub password_change_required: bool,
}

/// A bounded number of password hashes at a time.
#[derive(Debug, Default)]
pub struct HashingSlots {
    busy: Mutex<usize>,
    freed: Condvar,
}

impl HashingSlots {
    fn run<T>(&self, f: impl FnOnce() -> T) -> Result<T, AppError> {
        let deadline = Instant::now() + HASH_WAIT;
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        while *busy >= HASHING_SLOTS {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(AppError::Unavailable(
                    "too many sign-ins at once; try again in a moment".into(),
                ));
            }
            busy = self
                .freed
                .wait_timeout(busy, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *busy += 1;
        drop(busy);
        struct Release<'a>(&'a HashingSlots);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                let mut busy = self.0.busy.lock().unwrap_or_else(|p| p.into_inner());
                *busy -= 1;
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        Ok(f())
    }
}

/// Why a chosen password is refused.
fn check_new_password(email: &str, current: &str, new: &str) -> Result<(), AppError> {
    let weak = |m: &str| AppError::Schema {
        message: m.to_owned(),
        fields: vec![crate::case::FieldError {
            path: "new_password".into(),
            problem: m.to_owned(),
        }],
    };
    let chars = new.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(weak(&format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if chars > MAX_CREDENTIAL_CHARS {
        return Err(weak(&format!(
            "a password has at most {MAX_CREDENTIAL_CHARS} characters"
        )));
    }
    if new == current {
        return Err(weak("the new password must differ from the current one"));
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if local.len() >= 3 && new.to_lowercase().contains(&local) {
        return Err(weak("the password must not contain your e-mail address"));
    }
    if new.chars().all(|c| c == new.chars().next().unwrap_or(' ')) {
        return Err(weak("the password must not repeat one character"));
    }
    Ok(())
}

impl AccountService {
    pub(super) fn new(intake: Intake) -> Self {
        AccountService {
            intake,
            throttle: Arc::new(SignInThrottle::default()),
            hashing: Arc::new(HashingSlots::default()),
        }
    }

    /// Checks an e-mail address and a password: the user, or why not. A wrong address
    /// and a wrong password are told apart neither by the answer nor by its timing.
    /// Throttled attempts are refused before any hashing.
    fn check_password(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<UserRecord, AppError> {
        if let Some(wait) = self.throttle.wait(email, client, Instant::now()) {
            return Err(AppError::Throttled {
                retry_after: wait.as_secs().max(1),
            });
        }
        if email.chars().count() > MAX_CREDENTIAL_CHARS
            || password.chars().count() > MAX_CREDENTIAL_CHARS
        {
            return Err(AppError::WrongPassword);
        }
        let store = &self.intake.store;
        let user = store
            .user_by_email(email)?
            .filter(|u| u.disabled_at.is_none());
        // Verify against a dummy hash when the user does not exist, so that timing does
        // not tell which e-mail addresses have accounts.
        let ok = self.hashing.run(|| match &user {
            Some(u) => verify_password(password, &u.password_hash),
            None => {
                verify_password(password, crate::seal::DUMMY_PASSWORD_HASH);
                false
            }
        })?;
        match user {
            Some(user) if ok => {
                self.throttle.succeeded(email);
                if password_needs_rehash(&user.password_hash) {
                    let rehashed = self.hashing.run(|| hash_password(password))?;
                    store.set_password_hash(user.id, &rehashed, false)?;
                }
                Ok(user)
            }
            user => {
                self.throttle.failed(email, client, Instant::now());
                let mut event = AuditEvent::new(
                    "anonymous",
                    AuditAction::LoginFailure,
                    user.as_ref().map(|u| format!("user:{}", u.id)),
                );
                if let Some(ip) = client {
                    event = event.with_detail(serde_json::json!({ "client": ip.to_string() }));
                }
                store.audit(&event)?;
                Err(AppError::WrongPassword)
            }
        }
    }

    /// Exchanges an e-mail address and a password for a new API token. A user holding a
    /// one-time password must first choose a password in the browser.
    pub fn login(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<ApiToken, AppError> {
        let user = self.check_password(email, password, client)?;
        if user.password_change_required {
            return Err(AppError::PasswordChangeRequired);
        }
        let token = ApiToken::generate();
        let actor = format!("user:{}", user.id);
        let store = &self.intake.store;
        store.audit(&AuditEvent::new(actor.clone(), AuditAction::Login, None))?;
        store.create_token(user.id, &token.hash(), &actor)?;
        Ok(token)
    }

    /// Opens a browser session for an e-mail address and a password.
    pub fn open_session(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<Session, AppError> {
        let user = self.check_password(email, password, client)?;
        let token = ApiToken::generate();
        let actor = format!("user:{}", user.id);
        let store = &self.intake.store;
        store.audit(
            &AuditEvent::new(actor.clone(), AuditAction::Login, None)
                .with_detail(serde_json::json!({ "via": "browser" })),
        )?;
        store.create_token_valid_for(
            user.id,
            &token.hash(),
            chrono::Duration::hours(SESSION_HOURS),
            TokenKind::Session,
            &actor,
        )?;
        Ok(Session {
            token,
            password_change_required: user.password_change_required,
        })
    }

    /// The caller a token stands for, if it is valid. A user who must still choose a
    /// password holds no API token (sign-in refuses one), so every bearer is free to act.
    pub fn authenticate(&self, token: &TokenHash) -> Result<Principal, AppError> {
        self.intake
            .store
            .principal_for_token(token)?
            .ok_or(AppError::Unauthenticated)
    }

    /// The account behind a browser session.
    pub fn session(&self, token: &TokenHash) -> Result<Account, AppError> {
        let principal = self.authenticate(token)?;
        let store = &self.intake.store;
        let user = store
            .user_by_id(principal.user)?
            .ok_or(AppError::Unauthenticated)?;
        let org = store
            .org_by_id(principal.org)?
            .ok_or(AppError::Unauthenticated)?;
        Ok(Account {
            principal,
            email: user.email,
            org_name: org.name,
            password_change_required: user.password_change_required,
        })
    }

    /// Ends a browser session: its token is revoked.
    pub fn close_session(&self, principal: &Principal, token: &TokenHash) -> Result<(), AppError> {
        let store = &self.intake.store;
        store.revoke_token_by_hash(token, &principal.actor())?;
        store.audit(&AuditEvent::new(
            principal.actor(),
            AuditAction::Logout,
            None,
        ))?;
        Ok(())
    }

    /// Replaces the caller's password after checking the current one.
    pub fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
    ) -> Result<(), AppError> {
        let store = &self.intake.store;
        let user = store
            .user_by_id(principal.user)?
            .ok_or(AppError::Unauthenticated)?;
        if let Some(wait) = self.throttle.wait(&user.email, None, Instant::now()) {
            return Err(AppError::Throttled {
                retry_after: wait.as_secs().max(1),
            });
        }
        let ok = current.chars().count() <= MAX_CREDENTIAL_CHARS
            && self
                .hashing
                .run(|| verify_password(current, &user.password_hash))?;
        if !ok {
            self.throttle.failed(&user.email, None, Instant::now());
            store.audit(&AuditEvent::new(
                principal.actor(),
                AuditAction::LoginFailure,
                Some(format!("user:{}", user.id)),
            ))?;
            return Err(AppError::WrongPassword);
        }
        check_new_password(&user.email, current, new)?;
        let hash = self.hashing.run(|| hash_password(new))?;
        store.set_password_hash(user.id, &hash, true)?;
        Ok(())
    }

    /// The caller's API tokens (not their sessions), oldest first.
    pub fn api_tokens(&self, principal: &Principal) -> Result<Vec<TokenRecord>, AppError> {
        Ok(self
            .intake
            .store
            .list_tokens(Some(principal.user))?
            .into_iter()
            .filter(|t| t.kind == TokenKind::Api)
            .collect())
    }

    /// A new API token for the caller, valid for `days` (1 to [`MAX_TOKEN_DAYS`]).
    pub fn create_api_token(
        &self,
        principal: &Principal,
        days: i64,
    ) -> Result<(ApiToken, TokenRecord), AppError> {
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(AppError::Schema {
                message: format!("a token lives from 1 to {MAX_TOKEN_DAYS} days"),
                fields: vec![crate::case::FieldError {
                    path: "days".into(),
                    problem: format!("a whole number from 1 to {MAX_TOKEN_DAYS}"),
                }],
            });
        }
        let token = ApiToken::generate();
        let record = self.intake.store.create_token_valid_for(
            principal.user,
            &token.hash(),
            chrono::Duration::days(days),
            TokenKind::Api,
            &principal.actor(),
        )?;
        Ok((token, record))
    }

    /// Revokes one of the caller's own API tokens.
    pub fn revoke_api_token(
        &self,
        principal: &Principal,
        id: TokenId,
    ) -> Result<TokenRecord, AppError> {
        self.intake
            .store
            .revoke_token(id, Some(principal.user), &principal.actor())
            .map_err(|e| match e {
                crate::store::StoreError::NotFound => AppError::NotFound("token"),
                e => e.into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_passwords_must_be_long_new_and_not_the_address() {
        let e = "alex.doe@x.invalid";
        assert!(check_new_password(e, "old-password-1", "short").is_err());
        assert!(check_new_password(e, "same-password-1", "same-password-1").is_err());
        assert!(check_new_password(e, "old-password-1", "my-alex.doe-password").is_err());
        assert!(check_new_password(e, "old-password-1", "aaaaaaaaaaaaaaaa").is_err());
        assert!(check_new_password(e, "old-password-1", "violet tuesday harbor").is_ok());
    }

    #[test]
    fn hashing_slots_bound_the_work_at_once() {
        let slots = Arc::new(HashingSlots::default());
        let peak = Arc::new(Mutex::new((0usize, 0usize)));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let slots = slots.clone();
                let peak = peak.clone();
                std::thread::spawn(move || {
                    slots
                        .run(|| {
                            {
                                let mut p = peak.lock().unwrap();
                                p.0 += 1;
                                p.1 = p.1.max(p.0);
                            }
                            std::thread::sleep(Duration::from_millis(30));
                            peak.lock().unwrap().0 -= 1;
                        })
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(peak.lock().unwrap().1, HASHING_SLOTS);
    }
}
