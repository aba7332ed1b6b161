//! Who may do what: the roles and the one policy every entry point asks.
//!
//! Handlers do not compare roles themselves; they ask [`Principal::require`] for an
//! [`Action`], and for case-level access [`Principal::may_see_case`].

use serde::Serialize;

use crate::case::{CaseStatus, OrgId, UserId};

/// A user's role. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// PSO staff: review, redact, publish, return; see every case.
    Curator,
    /// A member organization's patient-safety team uploading its closed cases.
    Contributor,
    /// A member safety team searching published cases.
    Member,
    /// Prepares safe-table discussions from published cases.
    Faculty,
}

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[
        Role::Curator,
        Role::Contributor,
        Role::Member,
        Role::Faculty,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Curator => "curator",
            Role::Contributor => "contributor",
            Role::Member => "member",
            Role::Faculty => "faculty",
        }
    }

    /// Parses one role name.
    pub fn parse(text: &str) -> Option<Self> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == text.trim())
    }
}

/// A set of roles, stored as a comma-separated list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Roles(Vec<Role>);

impl Roles {
    /// Parses `curator,member`; an unknown role is an error naming it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut roles = Vec::new();
        for part in text.split(',').filter(|p| !p.trim().is_empty()) {
            let role = Role::parse(part).ok_or_else(|| {
                format!(
                    "unknown role `{}`; roles are curator, contributor, member, faculty",
                    part.trim()
                )
            })?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        if roles.is_empty() {
            return Err("at least one role is required".into());
        }
        roles.sort();
        Ok(Roles(roles))
    }

    /// Whether the set holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// The roles.
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// The stored form.
    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// What an authenticated caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SubmitCase,
    ListCases,
    Curate,
    Withdraw,
    Search,
    /// "Our cases": the caller's organization's own contributions.
    OwnCases,
    /// The board report, about the caller's own organization.
    BoardReport,
    /// Measures filtered by several dimensions at once: only where nothing is suppressed.
    CombineMeasureFilters,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: UserId,
    pub org: OrgId,
    pub roles: Roles,
}

/// The caller lacks the role for an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden;

impl Principal {
    /// The audit actor name.
    pub fn actor(&self) -> String {
        format!("user:{}", self.user)
    }

    /// Whether the caller holds a role allowing `action` at all.
    pub fn may(&self, action: Action) -> bool {
        let r = &self.roles;
        match action {
            Action::SubmitCase => r.has(Role::Contributor),
            Action::ListCases | Action::Withdraw => {
                r.has(Role::Curator) || r.has(Role::Contributor)
            }
            Action::Curate => r.has(Role::Curator),
            Action::Search => r.has(Role::Member) || r.has(Role::Faculty) || r.has(Role::Curator),
            Action::OwnCases | Action::BoardReport => r.has(Role::Contributor),
            Action::CombineMeasureFilters => r.has(Role::Curator),
        }
    }

    /// [`Principal::may`] as a `Result`.
    pub fn require(&self, action: Action) -> Result<(), Forbidden> {
        if self.may(action) {
            Ok(())
        } else {
            Err(Forbidden)
        }
    }

    /// Curators see every case; a contributor its own organization's (any status but
    /// withdrawn); members and faculty published cases only.
    pub fn may_see_case(&self, owner: OrgId, status: CaseStatus) -> bool {
        if status == CaseStatus::Withdrawn {
            return false;
        }
        self.roles.has(Role::Curator)
            || (self.roles.has(Role::Contributor) && owner == self.org)
            || (status == CaseStatus::Published
                && (self.roles.has(Role::Member) || self.roles.has(Role::Faculty)))
    }

    /// Whether the caller may see the workflow status (its own organization, curators).
    pub fn may_see_status(&self, owner: OrgId) -> bool {
        self.roles.has(Role::Curator) || (self.roles.has(Role::Contributor) && owner == self.org)
    }

    /// Whether the caller may withdraw this case.
    pub fn may_withdraw(&self, owner: OrgId) -> bool {
        self.roles.has(Role::Curator) || (self.roles.has(Role::Contributor) && owner == self.org)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(roles: &str, org: i64) -> Principal {
        Principal {
            user: UserId::new(1),
            org: OrgId::new(org),
            roles: Roles::parse(roles).unwrap(),
        }
    }

    #[test]
    fn roles_parse_and_reject_unknown() {
        assert_eq!(
            Roles::parse("member,curator,member").unwrap().to_stored(),
            "curator,member"
        );
        assert!(Roles::parse("admin").unwrap_err().contains("admin"));
        assert!(Roles::parse("").is_err());
    }

    #[test]
    fn case_visibility_follows_the_policy() {
        let own = OrgId::new(1);
        let other = OrgId::new(2);
        assert!(p("contributor", 1).may_see_case(own, CaseStatus::InReview));
        assert!(!p("contributor", 1).may_see_case(other, CaseStatus::InReview));
        assert!(!p("member", 1).may_see_case(own, CaseStatus::InReview));
        assert!(p("member", 1).may_see_case(other, CaseStatus::Published));
        assert!(p("curator", 9).may_see_case(other, CaseStatus::Returned));
        assert!(!p("curator", 9).may_see_case(other, CaseStatus::Withdrawn));
        assert!(!p("faculty", 1).may(Action::SubmitCase));
        assert!(p("faculty", 1).may(Action::Search));
        assert!(!p("contributor", 1).may(Action::Search));
    }
}
