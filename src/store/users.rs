//! Organizations, users and API tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, org_aliases, organizations, users};
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
    /// Signed in with a one-time password: must choose a password before anything else.
    pub password_change_required: bool,
    /// Disabled users authenticate no more.
    pub disabled_at: Option<NaiveDateTime>,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("org", &self.org)
            .field("roles", &self.roles)
            .field("password_hash", &"[redacted]")
            .field("password_change_required", &self.password_change_required)
            .field("disabled_at", &self.disabled_at)
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
    /// Creates a member organization named `name` (trimmed; 1 to 200 characters, no
    /// control character: PostgreSQL cannot store a NUL); a name already taken is a
    /// conflict.
    pub fn create_org(&self, name: &str, actor: &str) -> Result<OrgRecord, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || has_control(name) {
            return Err(StoreError::Config(
                "an organization name has 1 to 200 characters, none a control character".into(),
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

    /// Adds another name of an organization (audited without the name itself: it
    /// identifies). The same alias twice is a conflict.
    pub fn add_org_alias(&self, org: OrgId, alias: &str, actor: &str) -> Result<(), StoreError> {
        let alias = alias.trim();
        if alias.chars().count() < 2 || alias.chars().count() > 200 || has_control(alias) {
            return Err(StoreError::Config(
                "an alias has 2 to 200 characters, none a control character".into(),
            ));
        }
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            diesel::insert_into(org_aliases::table)
                .values((
                    org_aliases::org_id.eq(org.get()),
                    org_aliases::alias.eq(alias),
                    org_aliases::created_at.eq(now()),
                ))
                .execute(c)
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict("the organization has that alias already".into())
                    } else {
                        e.into()
                    }
                })?;
            append_audit(
                c,
                &AuditEvent::new(actor, AuditAction::OrgAlias, Some(format!("org:{org}"))),
            )
        })
    }

    /// An organization's aliases, in the order added.
    pub fn org_aliases(&self, org: OrgId) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        Ok(org_aliases::table
            .filter(org_aliases::org_id.eq(org.get()))
            .order(org_aliases::id.asc())
            .select(org_aliases::alias)
            .load(&mut *conn)?)
    }

    /// Every organization, by name.
    pub fn list_orgs(&self) -> Result<Vec<OrgRecord>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<(i64, String)> = organizations::table
            .select((organizations::id, organizations::name))
            .order(organizations::name.asc())
            .load(&mut *conn)?;
        Ok(rows.into_iter().map(org_record).collect())
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

    /// Creates a user with a password hash. With `one_time`, the password was generated
    /// for the user, who must choose their own at first sign-in.
    pub fn create_user(
        &self,
        email: &str,
        org: OrgId,
        roles: &Roles,
        password_hash: &str,
        one_time: bool,
        actor: &str,
    ) -> Result<UserId, StoreError> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 || has_control(&email) {
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
                    users::password_change_required.eq(one_time),
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
        let row: Option<UserRow> = users::table
            .filter(users::email.eq(email.trim().to_lowercase()))
            .select(USER_COLUMNS)
            .first(&mut *conn)
            .optional()?;
        row.map(user_record).transpose()
    }

    /// Finds a user by id.
    pub fn user_by_id(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        let mut conn = self.conn()?;
        let row: Option<UserRow> = users::table
            .filter(users::id.eq(id.get()))
            .select(USER_COLUMNS)
            .first(&mut *conn)
            .optional()?;
        row.map(user_record).transpose()
    }

    /// Every user, by e-mail address.
    pub fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<UserRow> = users::table
            .select(USER_COLUMNS)
            .order(users::email.asc())
            .load(&mut *conn)?;
        rows.into_iter().map(user_record).collect()
    }

    /// Replaces a user's password hash. `changed_by_user` records a password the user
    /// chose (it lifts [`UserRecord::password_change_required`] and is audited); without
    /// it the same password is stored under a new hash (a rehash at sign-in, not audited:
    /// nothing changed for anyone).
    pub fn set_password_hash(
        &self,
        user: UserId,
        password_hash: &str,
        changed_by_user: bool,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let updated = if changed_by_user {
                diesel::update(users::table.filter(users::id.eq(user.get())))
                    .set((
                        users::password_hash.eq(password_hash),
                        users::password_change_required.eq(false),
                    ))
                    .execute(c)?
            } else {
                diesel::update(users::table.filter(users::id.eq(user.get())))
                    .set(users::password_hash.eq(password_hash))
                    .execute(c)?
            };
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            if changed_by_user {
                append_audit(
                    c,
                    &AuditEvent::new(
                        format!("user:{user}"),
                        AuditAction::PasswordChange,
                        Some(format!("user:{user}")),
                    ),
                )?;
            }
            Ok(())
        })
    }

    /// Disables a user: none of their tokens or sessions authenticates any more. Audited.
    pub fn disable_user(&self, user: UserId, actor: &str) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let updated = diesel::update(
                users::table
                    .filter(users::id.eq(user.get()))
                    .filter(users::disabled_at.is_null()),
            )
            .set(users::disabled_at.eq(Some(now())))
            .execute(c)?;
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit(
                c,
                &AuditEvent::new(
                    actor,
                    AuditAction::UserDisable,
                    Some(format!("user:{user}")),
                ),
            )
        })
    }

    /// Stores the hash of a new API token for a user, valid for [`DEFAULT_TOKEN_DAYS`],
    /// audited.
    pub fn create_token(
        &self,
        user: UserId,
        hash: &TokenHash,
        actor: &str,
    ) -> Result<(), StoreError> {
        self.create_token_valid_for(
            user,
            hash,
            chrono::Duration::days(DEFAULT_TOKEN_DAYS),
            TokenKind::Api,
            actor,
        )
        .map(|_| ())
    }

    /// Stores the hash of a new API token for a user, valid for `lifetime` from now,
    /// audited. Returns the token's record (its id, its expiry).
    pub fn create_token_valid_for(
        &self,
        user: UserId,
        hash: &TokenHash,
        lifetime: chrono::Duration,
        kind: TokenKind,
        actor: &str,
    ) -> Result<TokenRecord, StoreError> {
        if lifetime <= chrono::Duration::zero() {
            return Err(StoreError::Config(
                "a token's lifetime must be positive".into(),
            ));
        }
        let created = now();
        let expires = created
            .checked_add_signed(lifetime)
            .ok_or_else(|| StoreError::Config("a token's lifetime is too long".into()))?;
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::user_id.eq(user.get()),
                    api_tokens::token_hash.eq(hash.as_str()),
                    api_tokens::created_at.eq(created),
                    api_tokens::expires_at.eq(Some(expires)),
                    api_tokens::kind.eq(kind.as_str()),
                ))
                .execute(c)?;
            let id: i64 = api_tokens::table
                .filter(api_tokens::token_hash.eq(hash.as_str()))
                .select(api_tokens::id)
                .first(c)?;
            append_audit(
                c,
                &AuditEvent::new(
                    actor,
                    AuditAction::TokenCreate,
                    Some(format!("user:{user}")),
                )
                .with_detail(serde_json::json!({
                    "token": id,
                    "kind": kind.as_str(),
                    "expires_at": expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                })),
            )?;
            token_records(c, Some(TokenId(id)), None)?
                .pop()
                .ok_or(StoreError::NotFound)
        })
    }

    /// The caller a bearer token belongs to, if any: never for an expired or revoked
    /// token. Records when the token was last used, at most once per
    /// [`LAST_USED_EVERY`] and only when no write of this process is under way (the next
    /// request records it then), so that authentication never waits for a write.
    pub fn principal_for_token(&self, hash: &TokenHash) -> Result<Option<Principal>, StoreError> {
        let mut conn = self.conn()?;
        type Row = (
            i64,
            i64,
            i64,
            String,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        );
        let row: Option<Row> = api_tokens::table
            .inner_join(users::table)
            .filter(api_tokens::token_hash.eq(hash.as_str()))
            .filter(users::disabled_at.is_null())
            .select((
                api_tokens::id,
                users::id,
                users::org_id,
                users::roles,
                api_tokens::expires_at,
                api_tokens::revoked_at,
                api_tokens::last_used_at,
            ))
            .first(&mut *conn)
            .optional()?;
        let Some((token, user, org, roles, expires, revoked, last_used)) = row else {
            return Ok(None);
        };
        let at = now();
        if revoked.is_some() || expires.is_some_and(|e| e <= at) {
            return Ok(None);
        }
        let stale = match last_used {
            None => true,
            Some(t) => at - t >= LAST_USED_EVERY,
        };
        if stale {
            if let Ok(_writing) = self.writer.try_lock() {
                let touched = diesel::update(api_tokens::table.filter(api_tokens::id.eq(token)))
                    .set(api_tokens::last_used_at.eq(Some(at)))
                    .execute(&mut *conn);
                if let Err(e) = touched {
                    tracing::warn!(error = %e, "recording a token's last use failed");
                }
            }
        }
        Ok(Some(Principal {
            user: UserId::new(user),
            org: OrgId::new(org),
            roles: Roles::parse(&roles).map_err(StoreError::Corrupt)?,
        }))
    }

    /// Every token, or every token of one user, oldest first: ids, owners and times,
    /// never a token or its hash.
    pub fn list_tokens(&self, user: Option<UserId>) -> Result<Vec<TokenRecord>, StoreError> {
        let mut conn = self.conn()?;
        token_records(&mut conn, None, user)
    }

    /// Revokes a token: it authenticates no more; its row stays, for the record. With
    /// `owner`, only a token of that user is found (a user revoking their own). Audited
    /// as `actor`. An unknown token (or another user's) is [`StoreError::NotFound`]; one
    /// revoked already, a conflict.
    pub fn revoke_token(
        &self,
        id: TokenId,
        owner: Option<UserId>,
        actor: &str,
    ) -> Result<TokenRecord, StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let token = token_records(c, Some(id), owner)?
                .pop()
                .ok_or(StoreError::NotFound)?;
            if token.revoked_at.is_some() {
                return Err(StoreError::Conflict("the token is revoked already".into()));
            }
            diesel::update(api_tokens::table.filter(api_tokens::id.eq(id.get())))
                .set((
                    api_tokens::revoked_at.eq(Some(now())),
                    api_tokens::revoked_by.eq(Some(actor)),
                ))
                .execute(c)?;
            append_audit(
                c,
                &AuditEvent::new(actor, AuditAction::TokenRevoke, Some(format!("token:{id}")))
                    .with_detail(serde_json::json!({ "user": token.user.get() })),
            )?;
            token_records(c, Some(id), None)?
                .pop()
                .ok_or(StoreError::NotFound)
        })
    }
}

impl Store {
    /// Revokes the token with this hash, if it is valid (signing out; a token revoked
    /// already is left as it is). Audited as `actor`.
    pub fn revoke_token_by_hash(&self, hash: &TokenHash, actor: &str) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let id: Option<i64> = api_tokens::table
                .filter(api_tokens::token_hash.eq(hash.as_str()))
                .filter(api_tokens::revoked_at.is_null())
                .select(api_tokens::id)
                .first(c)
                .optional()?;
            let Some(id) = id else {
                return Ok(());
            };
            diesel::update(api_tokens::table.filter(api_tokens::id.eq(id)))
                .set((
                    api_tokens::revoked_at.eq(Some(now())),
                    api_tokens::revoked_by.eq(Some(actor)),
                ))
                .execute(c)?;
            append_audit(
                c,
                &AuditEvent::new(actor, AuditAction::TokenRevoke, Some(format!("token:{id}"))),
            )
        })
    }
}

/// How long a token lives unless its creator says otherwise.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;

/// How often, at most, a token's last use is written.
pub const LAST_USED_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// An API token's id (its row; not the token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId(i64);

impl TokenId {
    /// Wraps a database key.
    pub fn new(raw: i64) -> Self {
        TokenId(raw)
    }
    /// The database key.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for TokenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for TokenId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(TokenId)
            .ok_or_else(|| format!("{s:?} is not a token id (a positive number)"))
    }
}

/// What is known of a token: everything but the token and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: TokenId,
    pub user: UserId,
    pub email: String,
    pub created_at: NaiveDateTime,
    /// `None` only for a token whose expiry was never set.
    pub expires_at: Option<NaiveDateTime>,
    /// To within [`LAST_USED_EVERY`].
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// The actor that revoked it.
    pub revoked_by: Option<String>,
    pub kind: TokenKind,
}

impl TokenRecord {
    /// Whether it authenticates at `at`.
    pub fn is_valid_at(&self, at: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && !self.expires_at.is_some_and(|e| e <= at)
    }
}

/// Token rows joined with their users, by id, optionally one token and one user.
fn token_records(
    c: &mut super::DbConnection,
    id: Option<TokenId>,
    user: Option<UserId>,
) -> Result<Vec<TokenRecord>, StoreError> {
    let mut query = api_tokens::table
        .inner_join(users::table)
        .select((
            api_tokens::id,
            users::id,
            users::email,
            api_tokens::created_at,
            api_tokens::expires_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
            api_tokens::revoked_by,
            api_tokens::kind,
        ))
        .order(api_tokens::id.asc())
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(api_tokens::id.eq(id.get()));
    }
    if let Some(user) = user {
        query = query.filter(api_tokens::user_id.eq(user.get()));
    }
    type Row = (
        i64,
        i64,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<String>,
        String,
    );
    let rows: Vec<Row> = query.load(c)?;
    rows.into_iter()
        .map(
            |(
                id,
                user,
                email,
                created_at,
                expires_at,
                last_used_at,
                revoked_at,
                revoked_by,
                kind,
            )| {
                Ok(TokenRecord {
                    id: TokenId(id),
                    user: UserId::new(user),
                    email,
                    created_at,
                    expires_at,
                    last_used_at,
                    revoked_at,
                    revoked_by,
                    kind: TokenKind::from_stored(&kind).ok_or_else(|| {
                        StoreError::Corrupt(format!("token {id} has an unknown kind"))
                    })?,
                })
            },
        )
        .collect()
}

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A bearer token for the API, made by `token create`, `POST /api/v1/tokens` or the
    /// account page.
    Api,
    /// A browser's sign-in session, held in a cookie.
    Session,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Api => "api",
            TokenKind::Session => "session",
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "api" => Some(TokenKind::Api),
            "session" => Some(TokenKind::Session),
            _ => None,
        }
    }
}

type UserRow = (
    i64,
    String,
    i64,
    String,
    String,
    bool,
    Option<NaiveDateTime>,
);

const USER_COLUMNS: (
    users::id,
    users::email,
    users::org_id,
    users::roles,
    users::password_hash,
    users::password_change_required,
    users::disabled_at,
) = (
    users::id,
    users::email,
    users::org_id,
    users::roles,
    users::password_hash,
    users::password_change_required,
    users::disabled_at,
);

fn user_record(
    (id, email, org, roles, password_hash, password_change_required, disabled_at): UserRow,
) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: UserId::new(id),
        email,
        org: OrgId::new(org),
        roles: Roles::parse(&roles).map_err(StoreError::Corrupt)?,
        password_hash,
        password_change_required,
        disabled_at,
    })
}

/// An `organizations` row as a record.
fn org_record((id, name): (i64, String)) -> OrgRecord {
    OrgRecord {
        id: OrgId::new(id),
        name,
    }
}

/// Whether `text` holds a control character (a NUL among them, which PostgreSQL cannot
/// store in text): names and addresses never do.
fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
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
            password_change_required: false,
            disabled_at: None,
        };
        let shown = format!("{u:?}");
        assert!(!shown.contains("argon2"), "{shown}");
        assert!(
            shown.contains("[redacted]") && shown.contains("a@b.invalid"),
            "{shown}"
        );
    }

    #[test]
    fn names_and_addresses_with_control_characters_are_refused_before_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open(&format!("sqlite://{}", dir.path().join("t.db").display())).unwrap();
        for bad in ["Mercy\0General", "Mercy\u{1b}[31m"] {
            assert!(matches!(
                store.create_org(bad, "test"),
                Err(StoreError::Config(_))
            ));
        }
        let org = store.create_org("Mercy General", "test").unwrap();
        assert!(matches!(
            store.add_org_alias(org.id, "Mercy\0", "test"),
            Err(StoreError::Config(_))
        ));
        let roles = Roles::parse("member").unwrap();
        assert!(matches!(
            store.create_user("a\0@b.invalid", org.id, &roles, "x", true, "test"),
            Err(StoreError::Config(_))
        ));
        store
            .create_user("a@b.invalid", org.id, &roles, "x", true, "test")
            .unwrap();
    }
}
