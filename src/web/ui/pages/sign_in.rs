//! `GET /sign-in`, the sign-in form, and `POST /sign-in`, which checks the password and
//! opens a session. The form's CSRF token is bound to the pre-session cookie, which
//! `GET` sets when the browser has none (against login CSRF); a successful sign-in
//! replaces it by the session cookie.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::super::session::{self, SignedIn};
use super::super::{csrf, Layout, Nav, UiError, UiState};
use crate::error::AppError;
use crate::service::Services;

/// `templates/sign_in.html`.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignIn {
    pub layout: Layout,
    pub csrf_token: String,
    /// The e-mail address typed before, shown again after a refused attempt.
    pub email: String,
    /// Why the last attempt was refused, shown in an error alert.
    pub error: Option<String>,
    /// A notice after signing out or choosing a password.
    pub notice: Option<&'static str>,
}

impl SignIn {
    /// The empty form.
    pub fn new(csrf_token: String) -> Self {
        SignIn {
            layout: Layout::new("Sign in", Nav::signed_out()),
            csrf_token,
            email: String::new(),
            error: None,
            notice: None,
        }
    }
}

/// What the form sends.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// `?signed_out` after signing out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInQuery {
    #[serde(default)]
    signed_out: Option<String>,
}

/// The pre-session of this browser, made when it has none: `(id, fresh)`.
fn pre_session(req: &HttpRequest, state: &UiState) -> Result<(String, bool), UiError> {
    Ok(match csrf::pre_session(req) {
        Some(id) => (id, false),
        None => (state.csrf.new_pre_session()?, true),
    })
}

/// Renders the form with `status`, setting the pre-session cookie when it is new.
fn render_form(
    req: &HttpRequest,
    state: &UiState,
    status: StatusCode,
    fill: impl FnOnce(&mut SignIn),
) -> Result<HttpResponse, UiError> {
    let (pre, fresh) = pre_session(req, state)?;
    let token = state.csrf.issue(pre.as_bytes())?;
    let mut page = SignIn::new(token.as_str().to_owned());
    fill(&mut page);
    let mut res = super::html(HttpResponse::build(status), page.render()?);
    if fresh {
        res.add_cookie(&csrf::pre_session_cookie(req, pre))
            .map_err(|e| UiError::Internal(format!("cookie: {e}")))?;
    }
    Ok(res)
}

/// The form; a signed-in visitor goes straight to the start page.
pub async fn form(
    req: HttpRequest,
    state: web::Data<UiState>,
    signed_in: Result<SignedIn, UiError>,
    query: web::Query<SignInQuery>,
) -> Result<HttpResponse, UiError> {
    if signed_in.is_ok() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/"))
            .finish());
    }
    let signed_out = query.signed_out.is_some();
    render_form(&req, &state, StatusCode::OK, |page| {
        if signed_out {
            page.notice = Some("You are signed out.");
        }
    })
}

/// Checks the password and opens a session; a refusal shows the form again with why.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<UiState>,
    services: web::Data<Services>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, UiError> {
    let form = form.into_inner();
    let pre = csrf::pre_session(&req).ok_or(UiError::Forbidden)?;
    state.csrf.verify(pre.as_bytes(), &form.csrf_token)?;
    let client = req.peer_addr().map(|a| a.ip());
    let email = form.email.clone();
    let outcome = web::block(move || {
        services
            .accounts
            .open_session(&form.email, &form.password, client)
    })
    .await?;
    let shown_email: String = email.chars().take(254).collect();
    match outcome {
        Ok(session) => {
            let next = if session.password_change_required {
                session::PASSWORD_PATH
            } else {
                "/"
            };
            let mut res = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .finish();
            let cookie = session::session_cookie(&req, session.token.reveal());
            let mut gone = csrf::pre_session_cookie(&req, String::new());
            gone.make_removal();
            for c in [cookie, gone] {
                res.add_cookie(&c)
                    .map_err(|e| UiError::Internal(format!("cookie: {e}")))?;
            }
            Ok(res)
        }
        Err(AppError::WrongPassword) => {
            render_form(&req, &state, StatusCode::UNAUTHORIZED, |page| {
                page.email = shown_email;
                page.error = Some("Wrong e-mail address or password.".into());
            })
        }
        Err(AppError::Throttled { retry_after }) => {
            let mut res = render_form(&req, &state, StatusCode::TOO_MANY_REQUESTS, |page| {
                page.email = shown_email;
                page.error = Some(format!(
                    "Too many failed sign-ins. Wait {} and try again.",
                    wait_text(retry_after)
                ));
            })?;
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// `45 seconds`, `1 minute`, `15 minutes`.
fn wait_text(secs: u64) -> String {
    match secs {
        0..=1 => "a second".into(),
        2..=59 => format!("{secs} seconds"),
        60..=119 => "a minute".into(),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

/// What the sign-out form sends.
#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// `POST /sign-out`: revokes the session and clears its cookie.
pub async fn sign_out(
    req: HttpRequest,
    user: SignedIn,
    services: web::Data<Services>,
    form: web::Form<SignOutForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let principal = user.principal().clone();
    let session = user.session().clone();
    web::block(move || services.accounts.close_session(&principal, &session)).await??;
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/sign-in?signed_out=1"))
        .finish();
    res.add_cookie(&session::expired_session_cookie(&req))
        .map_err(|e| UiError::Internal(format!("cookie: {e}")))?;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_escapes_what_it_shows_again() {
        let mut page = SignIn::new("ab12".into());
        page.email = "\"><script>x</script>".into();
        page.error = Some("Wrong e-mail address or password.".into());
        let html = page.render().unwrap();
        assert!(!html.contains("<script>x"));
        assert!(
            html.contains("&#34;&#62;&#60;script&#62;")
                || html.contains("&quot;&gt;&lt;script&gt;")
        );
        assert!(html.contains("usa-alert--error"));
        assert!(html.contains("name=\"csrf_token\" value=\"ab12\""));
    }

    #[test]
    fn waits_read_as_words() {
        assert_eq!(wait_text(1), "a second");
        assert_eq!(wait_text(8), "8 seconds");
        assert_eq!(wait_text(64), "a minute");
        assert_eq!(wait_text(900), "15 minutes");
    }
}
