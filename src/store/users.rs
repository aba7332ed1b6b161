//! Organizations, users and API tokens.

use diesel::prelude::*;

use super::schema::{api_tokens, organizations, users};
use super::{append_audit, now, Store, StoreError};
use crate::audit::{AuditAction, AuditEvent};
use crate::auth::{Principal, Roles};
use crate::case::{OrgId, UserId};
use crate::seal::TokenHash;

/// A member organization.
#[derive(Debug, Clone)]
pub struct OrgRecord {
    pub id: OrgId,
    pub name: String,
}

/// A user account (the password hash stays in the store, and out of `Debug`).
#[derive(Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub org: OrgId,
    pub roles: Roles,
    pub(crate) password_hash: String,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("org", &self.org)
            .field("roles", &self.roles)
            .field("password_hash", &"[redacted]")
            .finish()
    }
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

impl Store {
    /// Creates a member organization; a name already taken is a conflict.
    pub fn create_org(&self, name: &str, actor: &str) -> Result<OrgRecord, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(StoreError::Config(
                "an organization name has 1 to 200 characters".into(),
            ));
        }
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            diesel::insert_into(organizations::table)
                .values((
                    organizations::name.eq(name),
                    organizations::created_at.eq(now()),
                ))
                .execute(c)
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict("an organization with that name exists".into())
                    } else {
                        e.into()
                    }
                })?;
            let id: i64 = organizations::table
                .filter(organizations::name.eq(name))
                .select(organizations::id)
                .first(c)?;
            append_audit(
                c,
                &AuditEvent::new(actor, AuditAction::OrgCreate, Some(format!("org:{id}"))),
            )?;
            Ok(OrgRecord {
                id: OrgId::new(id),
                name: name.to_owned(),
            })
        })
    }

    /// Finds an organization by name.
    pub fn org_by_name(&self, name: &str) -> Result<Option<OrgRecord>, StoreError> {
        let mut conn = self.conn()?;
        let row: Option<(i64, String)> = organizations::table
            .filter(organizations::name.eq(name.trim()))
            .select((organizations::id, organizations::name))
            .first(&mut *conn)
            .optional()?;
        Ok(row.map(org_record))
    }

    /// An organization by id (the same row as [`Store::org_by_name`]).
    pub fn org_by_id(&self, id: OrgId) -> Result<Option<OrgRecord>, StoreError> {
        let mut conn = self.conn()?;
        let row: Option<(i64, String)> = organizations::table
            .filter(organizations::id.eq(id.get()))
            .select((organizations::id, organizations::name))
            .first(&mut *conn)
            .optional()?;
        Ok(row.map(org_record))
    }

    /// Creates a user with a password hash.
    pub fn create_user(
        &self,
        email: &str,
        org: OrgId,
        roles: &Roles,
        password_hash: &str,
        actor: &str,
    ) -> Result<UserId, StoreError> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 {
            return Err(StoreError::Config("not an e-mail address".into()));
        }
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            diesel::insert_into(users::table)
                .values((
                    users::email.eq(&email),
                    users::org_id.eq(org.get()),
                    users::roles.eq(roles.to_stored()),
                    users::password_hash.eq(password_hash),
                    users::created_at.eq(now()),
                ))
                .execute(c)
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict("a user with that e-mail exists".into())
                    } else {
                        e.into()
                    }
                })?;
            let id: i64 = users::table
                .filter(users::email.eq(&email))
                .select(users::id)
                .first(c)?;
            append_audit(
                c,
                &AuditEvent::new(actor, AuditAction::UserCreate, Some(format!("user:{id}")))
                    .with_detail(
                        serde_json::json!({ "roles": roles.to_stored(), "org": org.get() }),
                    ),
            )?;
            Ok(UserId::new(id))
        })
    }

    /// Finds a user by e-mail.
    pub fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let mut conn = self.conn()?;
        let row: Option<(i64, String, i64, String, String)> = users::table
            .filter(users::email.eq(email.trim().to_lowercase()))
            .select((
                users::id,
                users::email,
                users::org_id,
                users::roles,
                users::password_hash,
            ))
            .first(&mut *conn)
            .optional()?;
        row.map(|(id, email, org, roles, password_hash)| {
            Ok(UserRecord {
                id: UserId::new(id),
                email,
                org: OrgId::new(org),
                roles: Roles::parse(&roles).map_err(StoreError::Corrupt)?,
                password_hash,
            })
        })
        .transpose()
    }

    /// Stores the hash of a new API token for a user, audited.
    pub fn create_token(
        &self,
        user: UserId,
        hash: &TokenHash,
        actor: &str,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::user_id.eq(user.get()),
                    api_tokens::token_hash.eq(hash.as_str()),
                    api_tokens::created_at.eq(now()),
                ))
                .execute(c)?;
            append_audit(
                c,
                &AuditEvent::new(
                    actor,
                    AuditAction::TokenCreate,
                    Some(format!("user:{user}")),
                ),
            )
        })
    }

    /// The caller a bearer token belongs to, if any.
    pub fn principal_for_token(&self, hash: &TokenHash) -> Result<Option<Principal>, StoreError> {
        let mut conn = self.conn()?;
        let row: Option<(i64, i64, String)> = api_tokens::table
            .inner_join(users::table)
            .filter(api_tokens::token_hash.eq(hash.as_str()))
            .select((users::id, users::org_id, users::roles))
            .first(&mut *conn)
            .optional()?;
        row.map(|(user, org, roles)| {
            Ok(Principal {
                user: UserId::new(user),
                org: OrgId::new(org),
                roles: Roles::parse(&roles).map_err(StoreError::Corrupt)?,
            })
        })
        .transpose()
    }
}

/// An `organizations` row as a record.
fn org_record((id, name): (i64, String)) -> OrgRecord {
    OrgRecord {
        id: OrgId::new(id),
        name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password_hash() {
        let u = UserRecord {
            id: UserId::new(7),
            email: "a@b.invalid".into(),
            org: OrgId::new(1),
            roles: Roles::parse("member").unwrap(),
            password_hash: crate::seal::hash_password("pw"),
        };
        let shown = format!("{u:?}");
        assert!(!shown.contains("pbkdf2"), "{shown}");
        assert!(
            shown.contains("[redacted]") && shown.contains("a@b.invalid"),
            "{shown}"
        );
    }
}
