//! Curators' administration: `GET /admin/members` (organizations, users, tokens, an
//! invitation form), its POSTs, and `GET /admin/audit` (the audit log with filters and
//! the chain's verification).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::super::session::SignedIn;
use super::super::{Layout, NavItem, UiError};
use crate::audit::AuditAction;
use crate::auth::Action;
use crate::case::{OrgId, UserId};
use crate::error::AppError;
use crate::service::members::{AuditQuery, ChainState, AUDIT_PAGE};
use crate::service::Services;
use crate::store::TokenId;

pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub aliases: String,
    pub users: usize,
}

pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub org: String,
    pub roles: String,
    pub state: &'static str,
    pub active: bool,
    pub is_self: bool,
}

pub struct TokenRow {
    pub id: String,
    pub email: String,
    pub kind: &'static str,
    pub expires: String,
    pub last_used: String,
}

/// `templates/admin_members.html`.
#[derive(Template)]
#[template(path = "admin_members.html")]
pub struct MembersPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub orgs: Vec<OrgRow>,
    pub users: Vec<UserRow>,
    pub tokens: Vec<TokenRow>,
    pub invited: Option<(String, String)>,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
}

async fn members_page(
    user: &SignedIn,
    services: &web::Data<Services>,
    fill: impl FnOnce(&mut MembersPage),
) -> Result<MembersPage, UiError> {
    let principal = user.principal().clone();
    let svc = services.clone();
    let m = web::block(move || svc.members.members(&principal)).await??;
    let now = chrono::Utc::now().naive_utc();
    let org_name = |id: OrgId| {
        m.orgs
            .iter()
            .find(|(o, _)| o.id == id)
            .map(|(o, _)| o.name.clone())
            .unwrap_or_default()
    };
    let mut page = MembersPage {
        layout: user.layout("Members", Some(NavItem::Members)),
        csrf_token: user.csrf_token.clone(),
        orgs: m
            .orgs
            .iter()
            .map(|(o, aliases)| OrgRow {
                id: o.id.get(),
                name: o.name.clone(),
                aliases: aliases.join(", "),
                users: m.users.iter().filter(|u| u.org == o.id).count(),
            })
            .collect(),
        users: m
            .users
            .iter()
            .map(|u| UserRow {
                id: u.id.get(),
                email: u.email.clone(),
                org: org_name(u.org),
                roles: u.roles.to_stored(),
                state: if u.disabled_at.is_some() {
                    "Disabled"
                } else if u.password_change_required {
                    "Invited"
                } else {
                    "Active"
                },
                active: u.disabled_at.is_none(),
                is_self: u.id == user.principal().user,
            })
            .collect(),
        tokens: m
            .tokens
            .iter()
            .filter(|t| t.is_valid_at(now))
            .map(|t| TokenRow {
                id: t.id.to_string(),
                email: t.email.clone(),
                kind: match t.kind {
                    crate::store::TokenKind::Api => "API",
                    crate::store::TokenKind::Session => "Browser session",
                },
                expires: t
                    .expires_at
                    .map(|e| e.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into()),
                last_used: t
                    .last_used_at
                    .map(|e| e.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into()),
            })
            .collect(),
        invited: None,
        notice: None,
        error: None,
    };
    fill(&mut page);
    Ok(page)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /admin/members`.
pub async fn members(
    user: SignedIn,
    services: web::Data<Services>,
    query: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    user.require(Action::Curate)?;
    let notice = match query.done.as_deref() {
        Some("org") => Some("The organization is added."),
        Some("alias") => Some("The alias is added: it is redacted as [FACILITY] in the organization's cases from now on."),
        Some("disabled") => {
            Some("The user is disabled: none of their sessions or tokens works any more.")
        }
        Some("revoked") => Some("The token is revoked."),
        _ => None,
    };
    let page = members_page(&user, &services, |p| p.notice = notice).await?;
    super::render(&page)
}

async fn refused(
    user: &SignedIn,
    services: &web::Data<Services>,
    e: AppError,
) -> Result<HttpResponse, UiError> {
    let message = match e {
        AppError::Schema { fields, message } => fields
            .first()
            .map(|f| format!("{}: {}.", f.path, f.problem))
            .unwrap_or(message),
        AppError::Conflict(m) => format!("{m}."),
        AppError::NotFound(what) => format!("No such {what}."),
        e => return Err(e.into()),
    };
    let page = members_page(user, services, |p| p.error = Some(message)).await?;
    Ok(super::html(
        HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY),
        page.render()?,
    ))
}

fn back(done: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/admin/members?done={done}")))
        .finish()
}

#[derive(Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
}

/// `POST /admin/orgs`.
pub async fn add_org(
    user: SignedIn,
    services: web::Data<Services>,
    form: web::Form<OrgForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let name = form.name.clone();
    match web::block(move || svc.members.add_org(&principal, &name)).await? {
        Ok(_) => Ok(back("org")),
        Err(e) => refused(&user, &services, e).await,
    }
}

#[derive(Deserialize)]
pub struct AliasForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    alias: String,
}

/// `POST /admin/aliases`.
pub async fn add_alias(
    user: SignedIn,
    services: web::Data<Services>,
    form: web::Form<AliasForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let org = form.org.trim().parse::<i64>().unwrap_or(0);
    let principal = user.principal().clone();
    let svc = services.clone();
    let alias = form.alias.clone();
    match web::block(move || svc.members.add_alias(&principal, OrgId::new(org), &alias)).await? {
        Ok(()) => Ok(back("alias")),
        Err(e) => refused(&user, &services, e).await,
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    role: String,
}

/// `POST /admin/users`: the one-time password is shown on the page that answers, once.
pub async fn invite(
    user: SignedIn,
    services: web::Data<Services>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let Ok(org) = form.org.trim().parse::<i64>() else {
        return refused(
            &user,
            &services,
            AppError::Schema {
                message: "choose an organization".into(),
                fields: vec![crate::case::FieldError {
                    path: "org".into(),
                    problem: "choose an organization".into(),
                }],
            },
        )
        .await;
    };
    let principal = user.principal().clone();
    let svc = services.clone();
    let (email, role) = (form.email.trim().to_lowercase(), form.role.clone());
    let shown = email.clone();
    match web::block(move || {
        svc.members
            .invite(&principal, &email, OrgId::new(org), &role)
    })
    .await?
    {
        Ok(password) => {
            let page =
                members_page(&user, &services, |p| p.invited = Some((shown, password))).await?;
            super::render(&page)
        }
        Err(e) => refused(&user, &services, e).await,
    }
}

#[derive(Deserialize)]
pub struct PlainForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /admin/users/{id}/disable`.
pub async fn disable(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<i64>,
    form: web::Form<PlainForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let id = UserId::new(path.into_inner());
    match web::block(move || svc.members.disable(&principal, id)).await? {
        Ok(()) => Ok(back("disabled")),
        Err(e) => refused(&user, &services, e).await,
    }
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<PlainForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let id: TokenId = path.parse().map_err(|_| UiError::NotFound)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    match web::block(move || svc.members.revoke_token(&principal, id)).await? {
        Ok(_) | Err(AppError::Conflict(_)) => Ok(back("revoked")),
        Err(e) => refused(&user, &services, e).await,
    }
}

pub struct EntryRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// `templates/admin_audit.html`.
#[derive(Template)]
#[template(path = "admin_audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub actions: Vec<&'static str>,
    pub action: String,
    pub actor: String,
    pub since: String,
    pub until: String,
    pub entries: Vec<EntryRow>,
    pub page_size: usize,
    pub intact: bool,
    pub chain: String,
    pub error: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
}

/// `GET /admin/audit`.
pub async fn audit(
    user: SignedIn,
    services: web::Data<Services>,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, UiError> {
    user.require(Action::Curate)?;
    let p = params.into_inner();
    let mut error = None;
    let date = |s: &str, error: &mut Option<String>| {
        if s.trim().is_empty() {
            return None;
        }
        let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        if d.is_none() {
            *error = Some("Dates are written YYYY-MM-DD.".into());
        }
        d
    };
    let query = AuditQuery {
        action: match p.action.trim() {
            "" => None,
            a => {
                let parsed = AuditAction::from_stored(a);
                if parsed.is_none() {
                    error = Some("Choose an action from the list.".into());
                }
                parsed
            }
        },
        actor: Some(p.actor.trim())
            .filter(|a| !a.is_empty())
            .map(|a| a.chars().take(64).collect()),
        since: date(&p.since, &mut error),
        until: date(&p.until, &mut error),
    };
    let principal = user.principal().clone();
    let svc = services.clone();
    let (entries, chain) = web::block(move || -> Result<_, AppError> {
        Ok((
            svc.members.audit(&principal, &query)?,
            svc.members.verify_chain(&principal)?,
        ))
    })
    .await??;
    let (intact, chain) = match chain {
        ChainState::Intact { entries } => (
            true,
            format!("The chain is intact: all {entries} entries verify against the recorded head."),
        ),
        ChainState::Broken { seq, reason } => (
            false,
            format!("The chain is broken at entry {seq}: {reason}. Restore from a backup and compare with the last signed checkpoint."),
        ),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = AuditPage {
        layout: user.layout("Audit log", Some(NavItem::Audit)),
        actions: AuditAction::ALL.iter().map(|a| a.as_str()).collect(),
        action: p.action.chars().take(64).collect(),
        actor: p.actor.chars().take(64).collect(),
        since: p.since.chars().take(10).collect(),
        until: p.until.chars().take(10).collect(),
        entries: entries
            .into_iter()
            .map(|e| EntryRow {
                seq: e.seq,
                at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                actor: e.actor,
                action: e.action,
                subject: e.subject.unwrap_or_default(),
                detail: if e.detail == "{}" {
                    String::new()
                } else {
                    e.detail
                },
            })
            .collect(),
        page_size: AUDIT_PAGE,
        intact,
        chain,
        error,
    };
    Ok(super::html(HttpResponse::build(status), page.render()?))
}
