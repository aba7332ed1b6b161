//! Accounts: signing in for a token, and who a token belongs to.

use crate::audit::{AuditAction, AuditEvent};
use crate::auth::Principal;
use crate::error::AppError;
use crate::intake::Intake;
use crate::seal::{verify_password, ApiToken, TokenHash};

/// Signing in and authentication.
#[derive(Clone)]
pub struct AccountService {
    pub(super) intake: Intake,
}

/// Longest e-mail address or password accepted at sign-in (longer ones cannot match an
/// account, and are not hashed).
pub const MAX_CREDENTIAL_CHARS: usize = 1024;

impl AccountService {
    /// Exchanges an e-mail address and a password for a new token. A wrong address and a
    /// wrong password are told apart neither by the answer nor by its timing.
    pub fn login(&self, email: &str, password: &str) -> Result<ApiToken, AppError> {
        if email.chars().count() > MAX_CREDENTIAL_CHARS
            || password.chars().count() > MAX_CREDENTIAL_CHARS
        {
            return Err(AppError::WrongPassword);
        }
        let store = &self.intake.store;
        let user = store.user_by_email(email)?;
        // Verify against a dummy hash when the user does not exist, so that timing does
        // not tell which e-mail addresses have accounts.
        let ok = match &user {
            Some(u) => verify_password(password, &u.password_hash),
            None => {
                verify_password(password, crate::seal::DUMMY_PASSWORD_HASH);
                false
            }
        };
        let Some(user) = user.filter(|_| ok) else {
            return Err(AppError::WrongPassword);
        };
        let token = ApiToken::generate();
        let actor = format!("user:{}", user.id);
        store.audit(&AuditEvent::new(actor.clone(), AuditAction::Login, None))?;
        store.create_token(user.id, &token.hash(), &actor)?;
        Ok(token)
    }

    /// The caller a token stands for, if it is valid.
    pub fn authenticate(&self, token: &TokenHash) -> Result<Principal, AppError> {
        self.intake
            .store
            .principal_for_token(token)?
            .ok_or(AppError::Unauthenticated)
    }
}
