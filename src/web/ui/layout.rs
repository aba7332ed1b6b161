//! What the base layout (`templates/base.html`) needs from every page: its title, the
//! asset prefix and the navigation.

use crate::auth::{Role, Roles};

/// A destination in the primary navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavItem {
    /// Published cases (members, faculty, curators).
    Search,
    /// Safe-table discussions (faculty, curators, members).
    Discussions,
    /// Cases waiting for review (curators).
    ReviewQueue,
    /// The organization's own contributed cases (contributors).
    Cases,
    /// A new contribution (contributors).
    Contribute,
    /// CRP measures against the collaborative (everyone signed in).
    Measures,
    /// Organizations, users and tokens (curators).
    Members,
    /// The audit log (curators).
    Audit,
    /// The signed-in user's account (everyone signed in).
    Account,
}

impl NavItem {
    /// The link text.
    pub fn label(self) -> &'static str {
        match self {
            NavItem::Search => "Search",
            NavItem::Discussions => "Safe tables",
            NavItem::ReviewQueue => "Review queue",
            NavItem::Cases => "Our cases",
            NavItem::Contribute => "Contribute",
            NavItem::Measures => "Measures",
            NavItem::Members => "Members",
            NavItem::Audit => "Audit log",
            NavItem::Account => "Account",
        }
    }

    /// The page's path.
    pub fn href(self) -> &'static str {
        match self {
            NavItem::Search => "/search",
            NavItem::Discussions => "/discussions",
            NavItem::ReviewQueue => "/review",
            NavItem::Cases => "/cases",
            NavItem::Contribute => "/contribute",
            NavItem::Measures => "/measures",
            NavItem::Members => "/admin/members",
            NavItem::Audit => "/admin/audit",
            NavItem::Account => "/account",
        }
    }
}

/// One rendered link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavLink {
    pub label: &'static str,
    pub href: &'static str,
    /// The page shown is this one (`aria-current="page"`, `usa-current`).
    pub current: bool,
}

/// The primary navigation; empty when signed out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nav {
    pub links: Vec<NavLink>,
}

impl Nav {
    /// No links: the sign-in and error pages of a signed-out visitor.
    pub fn signed_out() -> Self {
        Nav::default()
    }

    /// The given items, in order, `current` marked.
    pub fn of(items: &[NavItem], current: Option<NavItem>) -> Self {
        Nav {
            links: items
                .iter()
                .map(|&item| NavLink {
                    label: item.label(),
                    href: item.href(),
                    current: Some(item) == current,
                })
                .collect(),
        }
    }

    /// What a user holding `roles` may reach, `current` marked.
    pub fn for_roles(roles: &Roles, current: Option<NavItem>) -> Self {
        let mut items = Vec::new();
        if roles.has(Role::Member) || roles.has(Role::Faculty) || roles.has(Role::Curator) {
            items.push(NavItem::Search);
            items.push(NavItem::Discussions);
        }
        if roles.has(Role::Curator) {
            items.push(NavItem::ReviewQueue);
        }
        if roles.has(Role::Contributor) {
            items.push(NavItem::Cases);
            items.push(NavItem::Contribute);
        }
        if Role::ALL.iter().any(|r| roles.has(*r)) {
            items.push(NavItem::Measures);
        }
        if roles.has(Role::Curator) {
            items.push(NavItem::Members);
            items.push(NavItem::Audit);
        }
        items.push(NavItem::Account);
        Nav::of(&items, current)
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }
}

/// Who is signed in, as the header shows it, with the sign-out form's CSRF token.
#[derive(Debug, Clone)]
pub struct UserBadge {
    pub email: String,
    pub org: String,
    /// The roles, capitalized, joined by commas.
    pub roles: String,
    pub csrf_token: String,
}

impl UserBadge {
    pub fn of(account: &crate::service::Account, csrf_token: String) -> Self {
        let roles = account
            .principal
            .roles
            .iter()
            .map(|r| {
                let name = r.as_str();
                let mut c = name.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(", ");
        UserBadge {
            email: account.email.clone(),
            org: account.org_name.clone(),
            roles,
            csrf_token,
        }
    }
}

/// The layout's data, a field `layout` of every page.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The page's own title; the document title is `TITLE · safetable`.
    pub title: String,
    /// `/assets/{version}`.
    pub assets: &'static str,
    pub nav: Nav,
    /// The signed-in user, shown in the header with a sign-out button.
    pub user: Option<UserBadge>,
}

impl Layout {
    pub fn new(title: impl Into<String>, nav: Nav) -> Self {
        Layout {
            title: title.into(),
            assets: super::assets::prefix(),
            nav,
            user: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_follows_the_roles() {
        let labels = |roles: &str| -> Vec<&str> {
            Nav::for_roles(&Roles::parse(roles).unwrap(), None)
                .links
                .iter()
                .map(|l| l.label)
                .collect()
        };
        assert_eq!(
            labels("member"),
            ["Search", "Safe tables", "Measures", "Account"]
        );
        assert_eq!(
            labels("faculty"),
            ["Search", "Safe tables", "Measures", "Account"]
        );
        assert_eq!(
            labels("contributor"),
            ["Our cases", "Contribute", "Measures", "Account"]
        );
        assert_eq!(
            labels("curator"),
            [
                "Search",
                "Safe tables",
                "Review queue",
                "Measures",
                "Members",
                "Audit log",
                "Account"
            ]
        );
        assert_eq!(
            labels("member,contributor"),
            [
                "Search",
                "Safe tables",
                "Our cases",
                "Contribute",
                "Measures",
                "Account"
            ]
        );
    }

    #[test]
    fn only_the_current_page_is_marked() {
        let nav = Nav::of(&[NavItem::Search, NavItem::Account], Some(NavItem::Account));
        assert_eq!(
            nav.links.iter().map(|l| l.current).collect::<Vec<_>>(),
            [false, true]
        );
    }

    #[test]
    fn the_layout_renders_the_navigation_it_is_given() {
        use askama::Template;
        let page = super::super::error::ErrorPage {
            layout: Layout::new(
                "Account",
                Nav::of(&[NavItem::Search, NavItem::Account], Some(NavItem::Account)),
            ),
            status: 404,
            heading: "Page not found",
            message: "gone",
        };
        let html = page.render().unwrap();
        assert!(html.contains("<nav aria-label=\"Primary\" class=\"usa-nav\">"));
        assert!(html.contains("usa-menu-btn"));
        assert!(html.contains(
            "<a href=\"/account\" class=\"usa-nav-link usa-current\" aria-current=\"page\"><span>Account</span></a>"
        ));
        assert!(html.contains("<a href=\"/search\" class=\"usa-nav-link\"><span>Search</span></a>"));
        assert_eq!(html.matches("aria-current").count(), 1);

        let signed_out = super::super::error::ErrorPage {
            layout: Layout::new("Page not found", Nav::signed_out()),
            status: 404,
            heading: "Page not found",
            message: "gone",
        };
        let html = signed_out.render().unwrap();
        assert!(!html.contains("usa-nav__primary"));
        assert!(html.contains(
            "Patient Safety Work Product — privileged and confidential under the Patient Safety and Quality Improvement Act"
        ));
        assert!(html.contains("<main id=\"main-content\""));
    }
}
