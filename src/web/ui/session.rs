//! Browser sessions: the cookie, and the [`SignedIn`] extractor every page behind sign-in
//! takes.
//!
//! A session is a token of kind `session` (`store::TokenKind::Session`), valid for
//! [`crate::service::accounts::SESSION_HOURS`], whose SHA-256 alone is stored, like an
//! API token's. The cookie is `HttpOnly; SameSite=Strict; Path=/`, and `Secure` when the
//! request came over HTTPS. Forms of a signed-in page carry a CSRF token bound to the
//! session's hash, so a token from one session (or from before sign-in) is worthless in
//! another.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, FromRequest, HttpRequest};

use super::layout::{Layout, Nav, NavItem, UserBadge};
use super::{UiError, UiState};
use crate::auth::{Action, Principal};
use crate::error::AppError;
use crate::seal::TokenHash;
use crate::service::{Account, Services};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "safetable_session";

/// Where a signed-in user who must still choose a password is sent.
pub const PASSWORD_PATH: &str = "/account/password";

/// The session token in a request's cookie, when it is well-formed (`st_` and 64 hex
/// digits); anything else is no session.
pub fn session_token(req: &HttpRequest) -> Option<TokenHash> {
    let cookie = req.cookie(SESSION_COOKIE)?;
    let value = cookie.value();
    let hex = value.strip_prefix("st_")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| TokenHash::of(value))
}

/// The cookie that holds a new session.
pub fn session_cookie(req: &HttpRequest, token: &str) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(req.connection_info().scheme() == "https")
        .max_age(CookieDuration::hours(
            crate::service::accounts::SESSION_HOURS,
        ))
        .finish()
}

/// A cookie that removes the session cookie.
pub fn expired_session_cookie(req: &HttpRequest) -> Cookie<'static> {
    let mut c = session_cookie(req, "");
    c.make_removal();
    c
}

/// The signed-in user of a page request. Without a valid session the page answers
/// `303 See Other` to the sign-in page; a user who must still choose a password is sent
/// to [`PASSWORD_PATH`] from every other page.
pub struct SignedIn {
    pub account: Account,
    session: TokenHash,
    /// A CSRF token for this session, for every form of the page.
    pub csrf_token: String,
    ui: web::Data<UiState>,
}

impl SignedIn {
    pub fn principal(&self) -> &Principal {
        &self.account.principal
    }

    /// The session's hash (to sign out).
    pub fn session(&self) -> &TokenHash {
        &self.session
    }

    /// The page's layout: its title, the navigation for the user's roles with `current`
    /// marked, and the header's user badge and sign-out form.
    pub fn layout(&self, title: impl Into<String>, current: Option<NavItem>) -> Layout {
        let mut layout = Layout::new(
            title,
            Nav::for_roles(&self.account.principal.roles, current),
        );
        layout.user = Some(UserBadge::of(&self.account, self.csrf_token.clone()));
        layout
    }

    /// Checks a form's CSRF token against this session.
    pub fn verify_csrf(&self, presented: &str) -> Result<(), UiError> {
        Ok(self
            .ui
            .csrf
            .verify(self.session.as_str().as_bytes(), presented)?)
    }

    /// Refuses the page (403) unless the user's roles allow `action`.
    pub fn require(&self, action: Action) -> Result<(), UiError> {
        self.account
            .principal
            .require(action)
            .map_err(|_| UiError::NotAllowed)
    }
}

impl FromRequest for SignedIn {
    type Error = UiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, UiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let services = req.app_data::<web::Data<Services>>().cloned();
        let ui = req.app_data::<web::Data<UiState>>().cloned();
        let token = session_token(req);
        let path = req.path().to_owned();
        Box::pin(async move {
            let (Some(services), Some(ui)) = (services, ui) else {
                return Err(UiError::Internal("no application state".into()));
            };
            let hash = token.ok_or(UiError::SignInRequired)?;
            let lookup = hash.clone();
            let account = match web::block(move || services.accounts.session(&lookup)).await? {
                Ok(account) => account,
                Err(AppError::Unauthenticated) => return Err(UiError::SignInRequired),
                Err(e) => return Err(e.into()),
            };
            if account.password_change_required && path != PASSWORD_PATH && path != "/sign-out" {
                return Err(UiError::PasswordChangeRequired);
            }
            let csrf_token = ui.csrf.issue(hash.as_str().as_bytes())?.as_str().to_owned();
            Ok(SignedIn {
                account,
                session: hash,
                csrf_token,
                ui,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_session_cookies_are_read() {
        let good = format!("st_{}", "a1".repeat(32));
        let req = actix_web::test::TestRequest::default()
            .cookie(Cookie::new(SESSION_COOKIE, good.clone()))
            .to_http_request();
        assert_eq!(session_token(&req), Some(TokenHash::of(&good)));
        for bad in [
            "",
            "st_",
            "st_zz",
            "a1a1",
            &format!("st_{}", "a1".repeat(33)),
        ] {
            let req = actix_web::test::TestRequest::default()
                .cookie(Cookie::new(SESSION_COOKIE, bad.to_owned()))
                .to_http_request();
            assert_eq!(session_token(&req), None, "{bad:?}");
        }
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_and_expires() {
        let req = actix_web::test::TestRequest::default().to_http_request();
        let c = session_cookie(&req, "st_x");
        assert_eq!(c.http_only(), Some(true));
        assert_eq!(c.same_site(), Some(SameSite::Strict));
        assert_eq!(c.secure(), Some(false));
        assert!(c.max_age().is_some());
        let https = actix_web::test::TestRequest::default()
            .uri("https://example.invalid/")
            .to_http_request();
        assert_eq!(session_cookie(&https, "st_x").secure(), Some(true));
        let gone = expired_session_cookie(&req);
        assert_eq!(gone.value(), "");
    }
}
