//! Member administration for curators: organizations, users and their roles,
//! invitations with a one-time password, disabling a user, revoking any token, and the
//! audit log with its chain verification.

use crate::audit::{self, AuditAction, AuditEntry};
use crate::auth::{Action, Principal, Roles};
use crate::case::{OrgId, UserId};
use crate::error::AppError;
use crate::intake::Intake;
use crate::seal::{generate_password, hash_password};
use crate::store::{AuditFilter, OrgRecord, StoreError, TokenId, TokenRecord, UserRecord};

/// Curators' administration.
#[derive(Clone)]
pub struct MembersService {
    pub(super) intake: Intake,
}

/// Everyone, for the members page.
pub struct Members {
    pub orgs: Vec<OrgRecord>,
    pub users: Vec<UserRecord>,
    pub tokens: Vec<TokenRecord>,
}

/// What the audit page asks.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub action: Option<AuditAction>,
    /// `user:ID`, `cli`, `demo`, `anonymous`.
    pub actor: Option<String>,
    pub since: Option<chrono::NaiveDate>,
    /// Inclusive.
    pub until: Option<chrono::NaiveDate>,
}

/// Newest entries the audit page shows.
pub const AUDIT_PAGE: usize = 200;

/// The chain's state.
pub enum ChainState {
    Intact { entries: u64 },
    Broken { seq: i64, reason: String },
}

fn schema_error(path: &str, problem: &str) -> AppError {
    AppError::Schema {
        message: format!("{path}: {problem}"),
        fields: vec![crate::case::FieldError {
            path: path.into(),
            problem: problem.into(),
        }],
    }
}

impl MembersService {
    fn curator(who: &Principal) -> Result<(), AppError> {
        Ok(who.require(Action::Curate)?)
    }

    /// Every organization, user and token.
    pub fn members(&self, who: &Principal) -> Result<Members, AppError> {
        Self::curator(who)?;
        let store = &self.intake.store;
        Ok(Members {
            orgs: store.list_orgs()?,
            users: store.list_users()?,
            tokens: store.list_tokens(None)?,
        })
    }

    /// A new organization.
    pub fn add_org(&self, who: &Principal, name: &str) -> Result<OrgRecord, AppError> {
        Self::curator(who)?;
        self.intake
            .store
            .create_org(name, &who.actor())
            .map_err(|e| match e {
                StoreError::Config(m) => schema_error("name", &m),
                e => e.into(),
            })
    }

    /// Invites a user: the account, with a one-time password to hand over (shown once;
    /// it must be changed at first sign-in).
    pub fn invite(
        &self,
        who: &Principal,
        email: &str,
        org: OrgId,
        roles: &str,
    ) -> Result<String, AppError> {
        Self::curator(who)?;
        let roles = Roles::parse(roles).map_err(|_| {
            schema_error(
                "roles",
                "choose at least one of curator, contributor, member, faculty",
            )
        })?;
        let store = &self.intake.store;
        if store.org_by_id(org)?.is_none() {
            return Err(schema_error("org", "choose an organization"));
        }
        let password = generate_password();
        store
            .create_user(
                email,
                org,
                &roles,
                &hash_password(&password),
                true,
                &who.actor(),
            )
            .map_err(|e| match e {
                StoreError::Config(_) => schema_error("email", "must be an e-mail address"),
                e => e.into(),
            })?;
        Ok(password)
    }

    /// Disables a user (not oneself: a curator cannot lock the PSO out by mistake).
    pub fn disable(&self, who: &Principal, user: UserId) -> Result<(), AppError> {
        Self::curator(who)?;
        if user == who.user {
            return Err(AppError::Conflict(
                "you cannot disable your own account".into(),
            ));
        }
        self.intake
            .store
            .disable_user(user, &who.actor())
            .map_err(|e| match e {
                StoreError::NotFound => AppError::NotFound("user"),
                e => e.into(),
            })
    }

    /// Revokes any user's token.
    pub fn revoke_token(&self, who: &Principal, id: TokenId) -> Result<TokenRecord, AppError> {
        Self::curator(who)?;
        self.intake
            .store
            .revoke_token(id, None, &who.actor())
            .map_err(|e| match e {
                StoreError::NotFound => AppError::NotFound("token"),
                e => e.into(),
            })
    }

    /// The newest [`AUDIT_PAGE`] entries that match, newest first.
    pub fn audit(&self, who: &Principal, query: &AuditQuery) -> Result<Vec<AuditEntry>, AppError> {
        Self::curator(who)?;
        let filter = AuditFilter {
            action: query.action.map(|a| a.as_str().to_owned()),
            actor: query.actor.clone(),
            subject: None,
            since: query.since.and_then(|d| d.and_hms_opt(0, 0, 0)),
            limit: None,
        };
        let mut entries = self.intake.store.audit_entries(&filter)?;
        if let Some(until) = query
            .until
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
        {
            entries.retain(|e| e.at < until);
        }
        entries.reverse();
        entries.truncate(AUDIT_PAGE);
        Ok(entries)
    }

    /// Verifies the whole hash chain against its recorded head.
    pub fn verify_chain(&self, who: &Principal) -> Result<ChainState, AppError> {
        Self::curator(who)?;
        let (entries, (seq, hash)) = self.intake.store.audit_log()?;
        Ok(match audit::verify(&entries, Some((seq, &hash))) {
            Ok(entries) => ChainState::Intact { entries },
            Err(b) => ChainState::Broken {
                seq: b.seq,
                reason: b.reason,
            },
        })
    }
}
