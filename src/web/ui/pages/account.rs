//! `GET /account`: who is signed in, a password change and the user's API tokens.
//! `POST /account/password`, `POST /account/tokens`, `POST /account/tokens/{id}/revoke`.
//! `GET /account/password`: the page a user with a one-time password must pass first.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::super::labels::sentence;
use super::super::session::SignedIn;
use super::super::{Layout, NavItem, UiError};
use crate::error::AppError;
use crate::service::accounts::{MAX_TOKEN_DAYS, MIN_PASSWORD_CHARS};
use crate::service::Services;
use crate::store::{TokenId, TokenRecord};

/// One API token as the page lists it.
pub struct TokenRow {
    pub id: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    /// `Active`, `Expired` or `Revoked`.
    pub state: &'static str,
    pub active: bool,
}

fn day(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn minute(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

impl TokenRow {
    fn of(t: &TokenRecord, now: chrono::NaiveDateTime) -> Self {
        let state = if t.revoked_at.is_some() {
            "Revoked"
        } else if t.is_valid_at(now) {
            "Active"
        } else {
            "Expired"
        };
        TokenRow {
            id: t.id.to_string(),
            created: day(t.created_at),
            expires: t.expires_at.map(day).unwrap_or_else(|| "never".into()),
            last_used: t.last_used_at.map(minute).unwrap_or_else(|| "never".into()),
            state,
            active: state == "Active",
        }
    }
}

/// `templates/account.html`.
#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub email: String,
    pub org: String,
    pub roles: String,
    pub tokens: Vec<TokenRow>,
    /// A token just made, shown this once.
    pub new_token: Option<String>,
    pub notice: Option<&'static str>,
    pub password_error: Option<String>,
    pub token_error: Option<String>,
    pub min_password: usize,
    pub max_days: i64,
}

/// `templates/password.html`: the forced change of a one-time password.
#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub error: Option<String>,
    pub min_password: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn account_page(
    user: &SignedIn,
    services: web::Data<Services>,
    fill: impl FnOnce(&mut AccountPage),
) -> Result<AccountPage, UiError> {
    let principal = user.principal().clone();
    let tokens = web::block(move || services.accounts.api_tokens(&principal)).await??;
    let now = chrono::Utc::now().naive_utc();
    let layout = user.layout("Account", Some(NavItem::Account));
    let badge = layout.user.clone();
    let mut page = AccountPage {
        csrf_token: user.csrf_token.clone(),
        email: user.account.email.clone(),
        org: user.account.org_name.clone(),
        roles: badge.map(|b| b.roles).unwrap_or_default(),
        tokens: tokens.iter().rev().map(|t| TokenRow::of(t, now)).collect(),
        new_token: None,
        notice: None,
        password_error: None,
        token_error: None,
        min_password: MIN_PASSWORD_CHARS,
        max_days: MAX_TOKEN_DAYS,
        layout,
    };
    fill(&mut page);
    Ok(page)
}

/// `GET /account`.
pub async fn show(
    user: SignedIn,
    services: web::Data<Services>,
    query: web::Query<AccountQuery>,
) -> Result<HttpResponse, UiError> {
    let notice = match query.done.as_deref() {
        Some("password") => Some("Your password is changed."),
        Some("revoked") => Some("The token is revoked: it no longer works."),
        _ => None,
    };
    let page = account_page(&user, services, |p| p.notice = notice).await?;
    super::render(&page)
}

/// `GET /account/password`: the change a one-time password requires; for others, the
/// account page's own form.
pub async fn password_form(user: SignedIn) -> Result<HttpResponse, UiError> {
    if !user.account.password_change_required {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/account#password"))
            .finish());
    }
    super::render(&PasswordPage {
        layout: user.layout("Choose a password", None),
        csrf_token: user.csrf_token.clone(),
        error: None,
        min_password: MIN_PASSWORD_CHARS,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

/// `POST /account/password`.
pub async fn change_password(
    user: SignedIn,
    services: web::Data<Services>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, UiError> {
    let form = form.into_inner();
    user.verify_csrf(&form.csrf_token)?;
    let outcome = if form.new_password != form.confirm_password {
        Err("The two new passwords differ.".to_owned())
    } else {
        let principal = user.principal().clone();
        let svc = services.clone();
        match web::block(move || {
            svc.accounts
                .change_password(&principal, &form.current_password, &form.new_password)
        })
        .await?
        {
            Ok(()) => Ok(()),
            Err(AppError::WrongPassword) => Err("The current password is wrong.".to_owned()),
            Err(AppError::Schema { message, .. }) => Err(sentence(&message)),
            Err(AppError::Throttled { retry_after }) => Err(format!(
                "Too many wrong passwords. Wait {retry_after} seconds and try again."
            )),
            Err(e) => return Err(e.into()),
        }
    };
    match outcome {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/account?done=password"))
            .finish()),
        Err(message) if user.account.password_change_required => {
            let page = PasswordPage {
                layout: user.layout("Choose a password", None),
                csrf_token: user.csrf_token.clone(),
                error: Some(message),
                min_password: MIN_PASSWORD_CHARS,
            };
            Ok(super::html(
                HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY),
                page.render()?,
            ))
        }
        Err(message) => {
            let page = account_page(&user, services, |p| p.password_error = Some(message)).await?;
            Ok(super::html(
                HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY),
                page.render()?,
            ))
        }
    }
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub days: String,
}

/// `POST /account/tokens`: a new API token, shown once on the page that answers.
pub async fn create_token(
    user: SignedIn,
    services: web::Data<Services>,
    form: web::Form<NewTokenForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let Ok(days) = form.days.trim().parse::<i64>() else {
        let page = account_page(&user, services, |p| {
            p.token_error = Some(format!(
                "Choose a lifetime from 1 to {MAX_TOKEN_DAYS} days."
            ))
        })
        .await?;
        return Ok(super::html(
            HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY),
            page.render()?,
        ));
    };
    let principal = user.principal().clone();
    let svc = services.clone();
    match web::block(move || svc.accounts.create_api_token(&principal, days)).await? {
        Ok((token, _)) => {
            let shown = token.reveal().to_owned();
            let page = account_page(&user, services, |p| p.new_token = Some(shown)).await?;
            super::render(&page)
        }
        Err(AppError::Schema { message, .. }) => {
            let page = account_page(&user, services, |p| {
                p.token_error = Some(sentence(&message))
            })
            .await?;
            Ok(super::html(
                HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY),
                page.render()?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// `POST /account/tokens/{id}/revoke`: revokes one of the user's own tokens.
pub async fn revoke_token(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let id: TokenId = path.parse().map_err(|_| UiError::NotFound)?;
    let principal = user.principal().clone();
    match web::block(move || services.accounts.revoke_api_token(&principal, id)).await? {
        Ok(_) | Err(AppError::Conflict(_)) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/account?done=revoked"))
            .finish()),
        Err(e) => Err(e.into()),
    }
}
